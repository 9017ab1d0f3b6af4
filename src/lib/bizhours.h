/*
 * bizhours.h: a business-hours calendar, for SLA clocks that stop at night,
 * at weekends and on holidays.
 *
 * A calendar is a time zone, the days of the week it works, the hours of
 * those days and a list of holidays, all in the zone's local time. An
 * instant is business time when its local wall-clock time in that zone
 * falls in one of the hours of a working day that is not a holiday. So the
 * local day of a DST change counts what the clock shows: with hours
 * 00:00-24:00 it holds 23 or 25 hours; with 08:00-17:00 and a change at
 * 02:00 it still holds 9.
 *
 * A NULL calendar is "always": every instant counts (wall-clock time), as
 * for critical cases that are counted around the clock.
 *
 * Instants and amounts are Unix milliseconds. A calendar is built once,
 * when the configuration is loaded (the setters report errors as short
 * messages fit for "file:line:col: error: <message>"; the caller adds the
 * place), and is read-only afterwards: it may then be shared freely.
 *
 * Bounded work: bizhours_between and bizhours_deadline walk the calendar
 * one local day at a time, a few zone look-ups (binary searches) and one
 * holiday look-up (a binary search) per day; the walk never goes past
 * BIZHOURS_MAX_DAYS days, where they give up and return -1. Their cost is
 * thus O(d * log h) for d calendar days crossed (d <= BIZHOURS_MAX_DAYS)
 * and h holidays, never proportional to the milliseconds counted.
 *
 * Assumption: the zone does not change its UTC offset twice within one
 * day, which holds for every zone in tzdata.
 */
#ifndef KELUH_BIZHOURS_H
#define KELUH_BIZHOURS_H

#include <stddef.h>
#include <stdint.h>

#define BIZHOURS_MAX_RANGES   16    /* hours: "08:00-12:00,13:00-17:00" has 2 */
#define BIZHOURS_MAX_HOLIDAYS 4096  /* dates in holidays: */
#define BIZHOURS_MAX_DAYS     36600 /* the longest walk: about 100 years */

struct bizhours;

/*
 * A calendar in UTC with no days, hours nor holidays yet: set days and
 * hours (both required, see bizhours_ready), optionally the zone and
 * holidays. The caller owns it and frees it with bizhours_free.
 */
struct bizhours *bizhours_new(void);
void bizhours_free(struct bizhours *);

/*
 * Each setter reads one configuration value and returns 0, or -1 with a
 * message in err (the calendar is unchanged then):
 * - timezone: an IANA name ("Asia/Jakarta"), read with tz_load; "UTC" by
 *   default.
 * - days: a comma-separated list of days and ranges of days: "mon-fri",
 *   "mon,wed,fri", "sat-sun", "fri-mon" (wraps through the weekend).
 * - hours: comma-separated ranges "HH:MM-HH:MM" in local time, in any
 *   order, not overlapping, each within one day ("00:00-24:00" is all of
 *   it): "08:00-12:00,13:00-17:00".
 * - holidays: one local date "YYYY-MM-DD" a call; repeats are harmless.
 */
int bizhours_set_timezone(struct bizhours *, const char *name, char *err, size_t errlen);
int bizhours_set_days(struct bizhours *, const char *spec, char *err, size_t errlen);
int bizhours_set_hours(struct bizhours *, const char *spec, char *err, size_t errlen);
int bizhours_add_holiday(struct bizhours *, const char *date, char *err, size_t errlen);

/* Whether days and hours were both set: 0, or -1 with a message naming the missing one. */
int bizhours_ready(const struct bizhours *, char *err, size_t errlen);

/* The zone's name ("UTC" by default or for NULL). */
const char *bizhours_timezone(const struct bizhours *);

/*
 * The business milliseconds in [from_ms, to_ms): 0 when to_ms <= from_ms,
 * -1 when the span is longer than BIZHOURS_MAX_DAYS.
 */
int64_t bizhours_between(const struct bizhours *, int64_t from_ms, int64_t to_ms);

/*
 * The SLA deadline: the first instant at which amount_ms of business time
 * has passed since start_ms (start_ms itself when amount_ms <= 0; the end
 * of a range when the amount runs out exactly there, not the next
 * opening). Returns 0 with *at set, or -1 when that is more than
 * BIZHOURS_MAX_DAYS away.
 */
int bizhours_deadline(const struct bizhours *, int64_t start_ms, int64_t amount_ms, int64_t *at);

/* Whether t_ms is business time (a paused SLA clock says so). */
int bizhours_open(const struct bizhours *, int64_t t_ms);

#endif
