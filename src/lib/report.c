#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/report.h"
#include "lib/tz.h"
#include "lib/util.h"

static const char *const day_names[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
static const char *const day_long[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                        "thursday", "friday", "saturday"};

/* "HH:MM" -> minute of the day, or -1. */
static int
parse_hhmm(const char *s)
{
	if (strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');

	if (h > 23 || m > 59)
		return -1;
	return h * 60 + m;
}

int
report_sched_parse(const char *spec, struct report_sched *out, char *err, size_t errlen)
{
	const char *sp = strchr(spec, ' ');
	const char *time = sp ? sp + 1 : spec;
	int wday = -1, minute;

	while (*time == ' ')
		time++;
	if (sp) {
		size_t n = (size_t)(sp - spec);

		if (!(n == 5 && strncasecmp(spec, "daily", 5) == 0)) {
			for (wday = 0; wday < 7; wday++)
				if ((n == 3 && strncasecmp(spec, day_names[wday], 3) == 0) ||
				    (n == strlen(day_long[wday]) &&
				     strncasecmp(spec, day_long[wday], n) == 0))
					break;
			if (wday == 7) {
				snprintf(err, errlen,
				         "'%.*s' is not a day: use mon, tue, wed, thu, fri, "
				         "sat, sun or daily, as in \"mon 09:00\"",
				         (int)n, spec);
				return -1;
			}
		}
	}
	if ((minute = parse_hhmm(time)) < 0) {
		snprintf(err, errlen,
		         "'%s' must be a day and a local time HH:MM, such as "
		         "\"mon 09:00\", \"daily 09:00\" or \"09:00\"",
		         spec);
		return -1;
	}
	out->wday = wday;
	out->minute = minute;
	return 0;
}

void
report_sched_format(const struct report_sched *s, char *out, size_t len)
{
	snprintf(out, len, "%s %02d:%02d", s->wday < 0 ? "daily" : day_names[s->wday % 7],
	         s->minute / 60, s->minute % 60);
}

/* The zone's UTC offset at t (seconds). */
static int64_t
offset_at(const struct tz *tz, int64_t t)
{
	struct tm tm;
	const char *abbr;

	tz_local(tz, t, &tm, &abbr);
	return (int64_t)timegm(&tm) - t;
}

/*
 * The instant (seconds) of local wall time w (seconds, read as if UTC).
 * The offsets a day before and a day after are the only two around w
 * (tzdata never changes an offset twice in a day): each gives a
 * candidate, valid when it reads back as w. Two valid ones: w happens
 * twice, take the first. None: w is skipped, take the one under the
 * offset from before the change.
 */
static int64_t
local_to_utc(const struct tz *tz, int64_t w)
{
	int64_t a = w - offset_at(tz, w - 86400), b = w - offset_at(tz, w + 86400);
	int va = a + offset_at(tz, a) == w, vb = b + offset_at(tz, b) == w;

	if (va && vb)
		return a < b ? a : b;
	if (vb)
		return b;
	return a;
}

int64_t
report_sched_next(const struct report_sched *s, const struct tz *tz, int64_t after_ms)
{
	int64_t after = after_ms >= 0 ? after_ms / 1000 : -((-after_ms + 999) / 1000);
	struct tm tm;
	const char *abbr;

	tz_local(tz, after, &tm, &abbr);
	int64_t day = util_days_from_civil(tm.tm_year + 1900LL, (unsigned)tm.tm_mon + 1,
	                                   (unsigned)tm.tm_mday);

	/* today, or within the next 7 days; one more for a weekly time already past */
	for (int i = 0; i <= 8; i++) {
		int wday = (int)(((day + i) % 7 + 7 + 4) % 7); /* 1970-01-01 was a thursday */
		int64_t t;

		if (s->wday >= 0 && wday != s->wday)
			continue;
		t = local_to_utc(tz, (day + i) * 86400 + s->minute * 60LL);
		if (t * 1000 > after_ms)
			return t * 1000;
	}
	return -1; /* not reached: a day of the week comes round within 8 days */
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int64_t
report_percentile(const int64_t *sorted, size_t n, unsigned p)
{
	size_t rank;

	if (n == 0)
		return -1;
	if (p > 100)
		p = 100;
	rank = ((size_t)p * n + 99) / 100; /* ceil(p * n / 100) */
	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

void
report_stats(int64_t *d, size_t n, int64_t target_ms, struct report_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->count = n;
	if (n > 1)
		qsort(d, n, sizeof(*d), cmp_i64);
	st->median_ms = report_percentile(d, n, 50);
	st->p90_ms = report_percentile(d, n, 90);
	if (target_ms > 0)
		for (size_t i = n; i > 0 && d[i - 1] > target_ms; i--)
			st->breaches++;
}

size_t
report_rank(const uint64_t *counts, size_t n, size_t *top, size_t k)
{
	size_t got = 0;

	if (k == 0)
		return 0;
	/* insertion into a short list: k is small (a top 5 or 10) */
	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (counts[i] == 0)
			continue;
		if (got == k && counts[top[k - 1]] >= counts[i])
			continue;
		j = got < k ? got++ : k - 1;
		while (j > 0 && counts[top[j - 1]] < counts[i]) {
			top[j] = top[j - 1];
			j--;
		}
		top[j] = i;
	}
	return got;
}
