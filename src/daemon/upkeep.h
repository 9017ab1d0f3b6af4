/*
 * upkeep.h: the daemon's timed look at its spool: every second the
 * outbox's gauges (keluh_queue_depth, keluh_dead_letters per receiver),
 * hourly the history past keep_history forgotten, and after every start
 * and reload a warning for deliveries that wait for a receiver no longer
 * configured. Loop thread only.
 */
#ifndef KELUH_UPKEEP_H
#define KELUH_UPKEEP_H

#include <stdint.h>

#include "conf/conf.h"
#include "store/spool.h"

/* The gauges; 0 with the deliveries waiting in *depth, or -1 when a count failed. */
int upkeep_queue(struct spool *, const struct conf *, int64_t *depth);
/* Forgets delivered alerts older than keep_history (inside the pass's batch). */
void upkeep_prune(struct spool *, const struct conf *);
/* Deliveries of a receiver that was removed would wait forever: says so. */
void upkeep_orphans(struct spool *, const struct conf *);

#endif
