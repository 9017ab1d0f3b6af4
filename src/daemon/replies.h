/*
 * replies.h: the brand's public replies (sources/source.h, struct
 * reply_record), as the sources see them: the brand's own account
 * answering a post in public. Each reply is matched with the complaint it
 * answers (the spool's mention row of the same mention id, whichever
 * source took it), counted in keluh_public_replies_total{source} (and
 * keluh_public_replies_unmatched_total{source} when no complaint has that
 * id), logged, and handed to the callback with the complaint filled in
 * (the cases module records the case's first public response there).
 *
 * A reply to a post that is no complaint in the spool (not one, already
 * pruned, or not seen) is counted as unmatched and goes no further. Loop
 * thread only; called inside the loop pass that the sources' records
 * belong to, so the callback's spool writes join its batch.
 */
#ifndef KELUH_REPLIES_H
#define KELUH_REPLIES_H

#include "sources/source.h"
#include "store/spool.h"

/*
 * A reply matched with its complaint (r->complaint is set, and lives for
 * the call only). 0 when it is recorded; -1 when it cannot be now (the
 * spool failed): the source offers the reply again later, and it is not
 * counted until it goes through.
 */
typedef int (*replies_fn)(void *arg, const struct reply_record *r);

struct replies;

/* spool: where complaints are looked up (not owned). */
struct replies *replies_new(struct spool *spool);
void replies_free(struct replies *);
/* Where matched replies go from now on (NULL: they are only counted and logged). */
void replies_set_fn(struct replies *, replies_fn fn, void *arg);

/*
 * One reply from a source: matched, handed on, counted and logged. 0 when
 * done with it (matched or not), -1 when the spool or the callback cannot
 * take it now (the source keeps it and offers it again).
 */
int replies_take(struct replies *, const struct reply_record *);

#endif
