/*
 * ingest.h: the one path every mention takes, whatever its source:
 * duplicate check, classification, and for complaints a pending row in the
 * spool (inside the current transaction) and a place in its group, handed
 * over as a struct complaint (complaint.h). Loop thread only.
 */
#ifndef KELUH_INGEST_H
#define KELUH_INGEST_H

#include "conf/conf.h"
#include "daemon/group.h"
#include "engine/mention.h"
#include "engine/rules.h"
#include "store/spool.h"

struct ingest;

struct ingest_counts {
	size_t accepted, complaints, duplicates;
};

struct ingest *ingest_new(const struct conf *, struct ruleset *, struct spool *,
    struct group_engine *);
void ingest_free(struct ingest *);
/* On reload: mentions from now on use the new rules and settings. */
void ingest_set(struct ingest *, const struct conf *, struct ruleset *);
struct rollup;
/* Counts every mention taken into r (rollup.h), borrowed; NULL: none (the default). */
void ingest_set_rollup(struct ingest *, struct rollup *r);

/*
 * Takes one mention. source names where it came from (the mention's own
 * "source" field wins when set). Returns 0 and updates *counts, or -1 when
 * the spool could not record a complaint (the caller must not acknowledge:
 * answer 503 or retry later).
 */
int ingest_mention(struct ingest *, const struct mention *, const char *source,
    struct ingest_counts *counts);
/*
 * The same, for a platform that redelivers for hours (webhooks): a
 * complaint whose id is already in the spool is a duplicate too, also
 * after a restart or past the dedup window. The look-up is made only for
 * complaints, which are few.
 */
int ingest_mention_once(struct ingest *, const struct mention *, const char *source,
    struct ingest_counts *counts);

/*
 * Around the mentions of one request: they share one budget of regex work
 * (regex_batch_work in the rule files), so one request cannot hold the loop.
 */
void ingest_batch(struct ingest *, int on);

/* Rebuilds the groups from the spool's pending mentions (at start-up). */
int ingest_restore(struct ingest *);

/*
 * Several daemons on one database (keluhd(8)): only the leader groups.
 * ingest_follow(in, ge, wrote, arg): this daemon is not the leader (ge
 * is its empty engine); a complaint is written ungrouped
 * (spool_add_mention_ungrouped), not handed to group_add, and wrote(arg)
 * is called after (the daemon wakes the leader). ingest_lead: this daemon
 * became the leader: the duplicate windows are made from the alerted
 * complaints of the last window, and ge is built from every pending
 * complaint that no longer waits (the last leader claimed it), the copies
 * of one complaint (seen through two daemons) dropped from the spool but
 * the first; the waiting ones are left to ingest_claim. ingest_claim:
 * the leader takes up to max rows other daemons wrote since (in the
 * pass's batch), drops the copies, groups the rest: how many it took, or
 * -1 (logged).
 */
void ingest_follow(struct ingest *, struct group_engine *ge, void (*wrote)(void *arg),
                   void *arg);
int ingest_lead(struct ingest *, struct group_engine *ge);
int ingest_claim(struct ingest *, size_t max);

/*
 * After the spool failed (batches rolled back, or syncs that failed): the
 * groups in memory may hold complaints that are gone. ge replaces them,
 * new and empty, and is rebuilt from the spool as ingest_restore does; the
 * ids and texts seen are forgotten, so that a mention sent again after its
 * 503 is taken again, not counted as a duplicate of one that was lost. The
 * caller frees the old engine.
 */
int ingest_lost(struct ingest *, struct group_engine *ge);

#endif
