/*
 * report.h: the arithmetic of response-time reports and the schedule of
 * their digests, as pure functions (no clock, no I/O) so that they are
 * tested on known values.
 *
 * Times are Unix milliseconds, durations milliseconds. A schedule is read
 * once when the configuration is loaded; report_sched_next then looks the
 * zone up (tz_local, no I/O).
 */
#ifndef KELUH_REPORT_H
#define KELUH_REPORT_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/* A digest schedule: "mon 09:00" (weekly), "daily 09:00" or "09:00" (daily). */
struct report_sched {
	int wday;   /* 0 = sunday .. 6 = saturday; -1: every day */
	int minute; /* of the local day, 0 .. 1439 */
};

/* 0, or -1 with a message fit for "file:line:col: error: <message>" in err. */
int report_sched_parse(const char *spec, struct report_sched *, char *err, size_t errlen);
/* The schedule as text, "mon 09:00" or "daily 09:00"; out needs 12 bytes. */
void report_sched_format(const struct report_sched *, char *out, size_t len);

/*
 * The first instant strictly after after_ms at which the schedule fires in
 * zone tz (NULL: UTC). DST: a local time the change skips (02:30 on a
 * spring-forward night) fires as far after the change as it would have
 * been after the hour before (03:30); a local time that happens twice
 * fires once, the first time.
 */
int64_t report_sched_next(const struct report_sched *, const struct tz *, int64_t after_ms);

/*
 * Summary of durations against a target. Percentiles use the nearest-rank
 * method: the p-th percentile of n sorted values is the value at rank
 * ceil(p * n / 100) (1-based). So it is always one of the durations seen;
 * the median of an even count is the lower middle value. With no
 * durations, median and p90 are -1.
 */
struct report_stats {
	size_t count;      /* durations given */
	int64_t median_ms; /* 50th percentile, or -1 */
	int64_t p90_ms;    /* 90th percentile, or -1 */
	size_t breaches;   /* durations above the target (none when the target is 0) */
};

/* Sorts d in place (O(n log n)) and summarises it against target_ms (0: no target). */
void report_stats(int64_t *d, size_t n, int64_t target_ms, struct report_stats *);
/* The nearest-rank percentile p (1..100) of n sorted values; -1 when n is 0. */
int64_t report_percentile(const int64_t *sorted, size_t n, unsigned p);

/*
 * Ranking of tallies, busiest first: up to k indexes of counts[0..n) with
 * a count above 0 into top[], ties in index order. Returns how many.
 */
size_t report_rank(const uint64_t *counts, size_t n, size_t *top, size_t k);

#endif
