/*
 * rollup.h: the counts the console's trends and rules pages read
 * (spool_stat_*), kept as ingest classifies mentions: every mention, the
 * complaints by team, by matched rule and by matched word or phrase
 * (its evidence, folded as rules fold text), per 5 minutes, hour and day
 * (words: hour and day).
 *
 * Counts are kept in memory and written into the batch of a pass, just
 * before its commit, one spool_stat_add per key and step: the writes grow
 * with the distinct keys, not with the mentions. A pass writes them once
 * they are ROLLUP_FLUSH_MS old (rollup_pass_end): written every pass, the
 * same rows of the current hour and day were rewritten by every commit and
 * cost a quarter of the ingest rate. So a crash (not a stop) loses the
 * counts of the last second or two, never a complaint. The table of keys
 * is bounded (ROLLUP_MAX_KEYS); when it is full its counts go into the
 * batch early (a bound hit), so none is lost.
 *
 * With ui.enabled and ui.backtest_keep, every mention is also written to
 * the recent mentions (spool_recent_add) for the playground's backtests.
 * rollup_prune forgets old rollups and recent mentions. The rollup owns
 * copies of its keys; it borrows the spool. Loop thread only.
 */
#ifndef KELUH_ROLLUP_H
#define KELUH_ROLLUP_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "engine/classify.h"
#include "engine/mention.h"
#include "engine/rules.h"
#include "store/spool.h"

/* Keys a pass keeps in memory; past this they are written early. */
#define ROLLUP_MAX_KEYS 4096
/* Words and phrases longer than this (in folded bytes) are not counted. */
#define ROLLUP_TERM_MAX 64
/* Per complaint: distinct matched words or phrases counted. */
#define ROLLUP_TERMS 16
/* How long counts wait in memory for a pass to write them. */
#define ROLLUP_FLUSH_MS 1000

/*
 * How long each step's rows are kept (rollup_prune): every step covers
 * the trends' longest range, 30 days, and the baseline before it. Words
 * keep their hourly rows for less: the trends read them only for the
 * last two days, and there are many more words than rules.
 */
#define ROLLUP_KEEP_5MIN_MS      (31 * 86400000LL)
#define ROLLUP_KEEP_HOUR_MS      (31 * 86400000LL)
#define ROLLUP_KEEP_TERM_HOUR_MS (16 * 86400000LL)
#define ROLLUP_KEEP_DAY_MS       (400 * 86400000LL)
#define ROLLUP_KEEP_RECENT_MS    (30 * 86400000LL)

struct rollup;

struct rollup *rollup_new(struct spool *);
void rollup_free(struct rollup *);

/*
 * A mention taken at at_ms (not a duplicate): counted, and with c's
 * ui.enabled and ui.backtest_keep written to the recent mentions with
 * complaint, the verdict. -1 when the spool could not write it.
 */
int rollup_mention(struct rollup *, const struct conf *c, const struct mention *m,
                   const char *source, int complaint, int64_t at_ms);
/*
 * A complaint (after rollup_mention): its team, rules and evidence from
 * v (whose rules are rs's, whose spans are in text).
 */
void rollup_complaint(struct rollup *, const struct ruleset *rs, const struct verdict *v,
                      const char *text, int64_t at_ms);
/* Writes the counts into the current batch (opened if need be) and forgets them: 0 or -1. */
int rollup_flush(struct rollup *);
/* The end of a pass: rollup_flush once the oldest count is ROLLUP_FLUSH_MS old; 0 or -1. */
int rollup_pass_end(struct rollup *, int64_t now_ms);
/* Keys counted and not yet written: a pass should end to write them. */
size_t rollup_pending(const struct rollup *);

/*
 * Forgets 5-minute and hourly rows older than 31 days (the hourly rows of
 * words older than 16), daily ones older than 400 days, and recent
 * mentions past
 * ui.backtest_keep (all of them with the console off) or older than 30
 * days, in the current batch.
 */
void rollup_prune(struct spool *, const struct conf *, int64_t now_ms);

#endif
