/*
 * dedup.h: "seen within the window?" for 64-bit fingerprints, in a fixed
 * table. The ingest path keeps two: one of mention ids, one of complaint
 * texts (a copy-paste storm, or the same post through two sources).
 *
 * The table is a FIFO ring of entries (the oldest is forgotten first) with
 * hash chains for lookup; it never grows past the capacity it was made
 * with. When it is full inside the window, the oldest fingerprint is
 * forgotten early, counted in keluh_bound_hits_total{bound=NAME} and logged.
 */
#ifndef KELUH_DEDUP_H
#define KELUH_DEDUP_H

#include <stddef.h>
#include <stdint.h>

struct dedup;

/* name is the bound's name in metrics and logs; hint says which key to raise. */
struct dedup *dedup_new(size_t cap, const char *name, const char *hint);
void dedup_free(struct dedup *);
size_t dedup_cap(const struct dedup *);

/*
 * Returns 1 if h was recorded within window_ms before now, else records it
 * at now and returns 0.
 */
int dedup_seen(struct dedup *, uint64_t h, int64_t now, int64_t window_ms);

/*
 * The fingerprint of a text as people copy it: ASCII letters in lower case,
 * every run of white space as one space, leading and trailing space and
 * links (http:// and https:// up to the next space) left out, since
 * shorteners rewrite them per post. Other bytes count as they are. *kept is
 * how many bytes the fingerprint covers, so that short texts ("refund?"),
 * which different people write independently, can be told apart from
 * copies.
 */
uint64_t dedup_hash_text(const char *text, size_t len, size_t *kept);

#endif
