/*
 * bizhours: business time, checked against values worked out by hand
 * (the arithmetic is in the comments) and against a minute-by-minute
 * count made with the C library's own reading of the zone (TZ set in this
 * test process only), across the DST changes of three zones.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/bizhours.h"
#include "unit.h"

#define MIN_MS  60000LL
#define HOUR_MS 3600000LL
#define DAY_MS  86400000LL

static int
have_zones(void)
{
	return access("/usr/share/zoneinfo/Europe/Berlin", R_OK) == 0 || getenv("TZDIR");
}

#define NEED_ZONES()                                                                               \
	do {                                                                                       \
		if (!have_zones()) {                                                               \
			printf("# SKIP bizhours: no zone files (install tzdata)\n");               \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* "2026-12-04 16:00" read as UTC, in ms. */
static int64_t
utc(const char *s)
{
	struct tm tm = {0};

	ck_assert_msg(strptime(s, "%Y-%m-%d %H:%M", &tm) != NULL, "%s", s);
	return (int64_t)timegm(&tm) * 1000;
}

/* "2026-03-29 13:00" as local time in zone, by the C library (not a time in a DST gap). */
static int64_t
local(const char *zone, const char *s)
{
	struct tm tm = {0};

	setenv("TZ", zone, 1);
	tzset();
	ck_assert_msg(strptime(s, "%Y-%m-%d %H:%M", &tm) != NULL, "%s", s);
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

/* A calendar that must parse; holidays is NULL-terminated. */
static struct bizhours *
cal(const char *zone, const char *days, const char *hours, const char *const *holidays)
{
	struct bizhours *c = bizhours_new();
	char err[300];

	if (zone)
		ck_assert_msg(bizhours_set_timezone(c, zone, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(bizhours_set_days(c, days, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(bizhours_set_hours(c, hours, err, sizeof(err)) == 0, "%s", err);
	for (; holidays && *holidays; holidays++)
		ck_assert_msg(bizhours_add_holiday(c, *holidays, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(bizhours_ready(c, err, sizeof(err)) == 0, "%s", err);
	return c;
}

static int64_t
deadline(const struct bizhours *c, int64_t start, int64_t amount)
{
	int64_t at = 0;

	ck_assert_int_eq(bizhours_deadline(c, start, amount, &at), 0);
	return at;
}

START_TEST(test_weekend)
{
	struct bizhours *c = cal(NULL, "mon-fri", "08:00-17:00", NULL);

	/* Fri 2026-12-04 16:00 to Mon 09:00: Friday's last hour and Monday's first. */
	ck_assert_int_eq(bizhours_between(c, utc("2026-12-04 16:00"), utc("2026-12-07 09:00")),
	                 2 * HOUR_MS);
	/* 4 h from Friday 16:00: 1 h on Friday, 3 h from Monday 08:00. */
	ck_assert_int_eq(deadline(c, utc("2026-12-04 16:00"), 4 * HOUR_MS),
	                 utc("2026-12-07 11:00"));
	/* Started on Saturday: the clock starts on Monday at 08:00. */
	ck_assert_int_eq(deadline(c, utc("2026-12-05 10:00"), 30 * MIN_MS),
	                 utc("2026-12-07 08:30"));
	/* Runs out exactly at closing: the deadline is 17:00, not the next opening. */
	ck_assert_int_eq(deadline(c, utc("2026-12-04 16:00"), HOUR_MS), utc("2026-12-04 17:00"));
	/* Milliseconds count: 1 ms before opening to 1 ms after is 1 ms. */
	ck_assert_int_eq(
	    bizhours_between(c, utc("2026-12-07 08:00") - 1, utc("2026-12-07 08:00") + 1), 1);
	ck_assert_int_eq(bizhours_between(c, utc("2026-12-05 00:00"), utc("2026-12-07 00:00")), 0);
	ck_assert_int_eq(bizhours_between(c, utc("2026-12-07 12:00"), utc("2026-12-07 11:00")), 0);
	ck_assert_int_eq(deadline(c, utc("2026-12-05 10:00"), 0), utc("2026-12-05 10:00"));
	ck_assert(bizhours_open(c, utc("2026-12-07 08:00")));
	ck_assert(!bizhours_open(c, utc("2026-12-07 17:00")));
	ck_assert(!bizhours_open(c, utc("2026-12-05 12:00")));
	ck_assert_str_eq(bizhours_timezone(c), "UTC");
	bizhours_free(c);
}
END_TEST

START_TEST(test_holidays)
{
	static const char *const hol[] = {"2026-12-25", "2026-12-25", "2027-01-01", NULL};
	struct bizhours *c = cal(NULL, "mon-fri", "08:00-17:00", hol);

	/* Thu 24th 16:00 + 2 h: 1 h on Thursday; Friday 25th is a holiday; Monday 28th 08:00 + 1 h.
	 */
	ck_assert_int_eq(deadline(c, utc("2026-12-24 16:00"), 2 * HOUR_MS),
	                 utc("2026-12-28 09:00"));
	/* Mon 28th to Mon 4th: Mon-Thu are 4 * 9 h, Friday 1st is a holiday. */
	ck_assert_int_eq(bizhours_between(c, utc("2026-12-28 00:00"), utc("2027-01-04 00:00")),
	                 36 * HOUR_MS);
	bizhours_free(c);
}
END_TEST

START_TEST(test_split_hours)
{
	struct bizhours *c = cal(NULL, "mon,wed,fri", "13:00-17:00, 08:00-12:00", NULL);

	/* Mon 11:00 to 14:00: 11-12 and 13-14, lunch does not count. */
	ck_assert_int_eq(bizhours_between(c, utc("2026-12-07 11:00"), utc("2026-12-07 14:00")),
	                 2 * HOUR_MS);
	/* Mon 11:30 + 1 h: 30 min before lunch, 30 after. */
	ck_assert_int_eq(deadline(c, utc("2026-12-07 11:30"), HOUR_MS), utc("2026-12-07 13:30"));
	/* Mon 16:00 + 2 h: 1 h on Monday, Tuesday off, Wednesday 08:00 + 1 h. */
	ck_assert_int_eq(deadline(c, utc("2026-12-07 16:00"), 2 * HOUR_MS),
	                 utc("2026-12-09 09:00"));
	bizhours_free(c);
}
END_TEST

START_TEST(test_zone_without_dst)
{
	struct bizhours *c;

	NEED_ZONES();
	c = cal("Asia/Jakarta", "mon-fri", "08:00-17:00", NULL);
	ck_assert_str_eq(bizhours_timezone(c), "Asia/Jakarta");
	/* WIB is UTC+7: 08:00-17:00 local is 01:00-10:00 UTC; Mon 00:00Z to 12:00Z holds all 9 h.
	 */
	ck_assert_int_eq(bizhours_between(c, utc("2026-12-07 00:00"), utc("2026-12-07 12:00")),
	                 9 * HOUR_MS);
	/* Friday 23:30Z is Saturday 06:30 local: nothing until Monday 08:00 local = Monday 01:00Z.
	 */
	ck_assert_int_eq(deadline(c, utc("2026-12-04 23:30"), MIN_MS), utc("2026-12-07 01:01"));
	ck_assert_int_eq(deadline(c, utc("2026-12-04 09:30"), HOUR_MS), utc("2026-12-07 01:30"));
	bizhours_free(c);
}
END_TEST

START_TEST(test_berlin_dst_days)
{
	struct bizhours *c;

	NEED_ZONES();
	c = cal("Europe/Berlin", "sat-sun", "00:00-24:00", NULL);
	/* Sunday 2026-03-29 runs 00:00 CET (Sat 23:00Z) to 24:00 CEST (Sun 22:00Z): 23 h. */
	ck_assert_int_eq(bizhours_between(c, utc("2026-03-28 23:00"), utc("2026-03-29 22:00")),
	                 23 * HOUR_MS);
	ck_assert_int_eq(bizhours_between(c, utc("2026-03-27 00:00"), utc("2026-03-31 00:00")),
	                 47 * HOUR_MS);
	/* Sunday 2026-10-25 runs 00:00 CEST (Sat 22:00Z) to 24:00 CET (Sun 23:00Z): 25 h. */
	ck_assert_int_eq(bizhours_between(c, utc("2026-10-24 22:00"), utc("2026-10-25 23:00")),
	                 25 * HOUR_MS);
	/*
	 * From Saturday 12:00 CET (11:00Z), 24 h: 12 h to Saturday's end (23:00Z), 12 more
	 * to Sunday 11:00Z, which the clocks, moved an hour ahead at 02:00, show as 13:00.
	 */
	ck_assert_int_eq(deadline(c, utc("2026-03-28 11:00"), 24 * HOUR_MS),
	                 utc("2026-03-29 11:00"));
	ck_assert_int_eq(deadline(c, local("Europe/Berlin", "2026-03-28 12:00"), 24 * HOUR_MS),
	                 local("Europe/Berlin", "2026-03-29 13:00"));
	/* Through the whole short Sunday to the next Saturday's start: 12 h + 23 h + 1 h. */
	ck_assert_int_eq(deadline(c, utc("2026-03-28 11:00"), 36 * HOUR_MS),
	                 local("Europe/Berlin", "2026-04-04 01:00"));
	bizhours_free(c);
}
END_TEST

START_TEST(test_berlin_dst_hours)
{
	struct bizhours *c;

	NEED_ZONES();
	/* A range that holds the change: on 2026-03-29, 01:00 CET = 00:00Z, 04:00 CEST = 02:00Z. */
	c = cal("Europe/Berlin", "sun", "01:00-04:00", NULL);
	ck_assert_int_eq(bizhours_between(c, utc("2026-03-29 00:00"), utc("2026-03-30 00:00")),
	                 2 * HOUR_MS);
	ck_assert_int_eq(deadline(c, utc("2026-03-28 12:00"), 90 * MIN_MS),
	                 utc("2026-03-29 01:30"));
	/* On 2026-10-25, 01:00 CEST = Sat 23:00Z and 04:00 CET = 03:00Z; 02:00-03:00 comes twice.
	 */
	ck_assert_int_eq(bizhours_between(c, utc("2026-10-24 12:00"), utc("2026-10-26 00:00")),
	                 4 * HOUR_MS);
	bizhours_free(c);
	/* A range wholly in the skipped hour does not happen; in the repeated one it does twice. */
	c = cal("Europe/Berlin", "sun", "02:00-03:00", NULL);
	ck_assert_int_eq(bizhours_between(c, utc("2026-03-28 00:00"), utc("2026-03-30 00:00")), 0);
	ck_assert_int_eq(bizhours_between(c, utc("2026-10-24 00:00"), utc("2026-10-26 00:00")),
	                 2 * HOUR_MS);
	bizhours_free(c);
	/* Office hours on both sides of the change: Fri 27 March 16:00 CET + 2 h. */
	c = cal("Europe/Berlin", "mon-fri", "08:00-17:00", NULL);
	ck_assert_int_eq(deadline(c, local("Europe/Berlin", "2026-03-27 16:00"), 2 * HOUR_MS),
	                 utc("2026-03-30 07:00")); /* Monday 09:00 CEST */
	/* Friday 08:00 CET (07:00Z) to Monday 17:00 CEST (15:00Z): 9 h + 9 h. */
	ck_assert_int_eq(bizhours_between(c, utc("2026-03-27 07:00"), utc("2026-03-30 15:00")),
	                 18 * HOUR_MS);
	bizhours_free(c);
}
END_TEST

START_TEST(test_always)
{
	int64_t at = 0;

	ck_assert_int_eq(bizhours_between(NULL, utc("2026-12-05 10:00"), utc("2026-12-06 10:00")),
	                 DAY_MS);
	ck_assert_int_eq(bizhours_deadline(NULL, utc("2026-12-05 23:50"), 15 * MIN_MS, &at), 0);
	ck_assert_int_eq(at, utc("2026-12-06 00:05"));
	ck_assert(bizhours_open(NULL, utc("2026-12-06 03:00")));
	ck_assert_str_eq(bizhours_timezone(NULL), "UTC");
	/* The whole week around the clock is the same as no calendar. */
	struct bizhours *c = cal(NULL, "mon-sun", "00:00-24:00", NULL);

	ck_assert_int_eq(bizhours_between(c, utc("2026-12-01 10:00"), utc("2026-12-09 10:30")),
	                 8 * DAY_MS + 30 * MIN_MS);
	bizhours_free(c);
}
END_TEST

START_TEST(test_far_deadline)
{
	struct bizhours *c = cal(NULL, "mon-fri", "08:00-17:00", NULL);
	int64_t start = utc("2027-01-04 08:00"), at; /* a Monday */

	/*
	 * 365 days of business time is 8760 h = 973 days of 9 h and 3 h: 194 weeks
	 * (970 days, Monday again) then Monday to Wednesday, and Thursday 08:00 + 3 h.
	 */
	ck_assert_int_eq(deadline(c, start, 365 * DAY_MS),
	                 start + (194 * 7 + 3) * DAY_MS + 3 * HOUR_MS);
	ck_assert_int_eq(bizhours_between(c, start, start + (194 * 7 + 3) * DAY_MS + 3 * HOUR_MS),
	                 365 * DAY_MS);
	/* Past the walk's bound: refused, not computed for ever. */
	ck_assert_int_eq(bizhours_deadline(c, start, 40000 * DAY_MS, &at), -1);
	ck_assert_int_eq(bizhours_between(c, start, start + (BIZHOURS_MAX_DAYS + 1) * DAY_MS), -1);
	ck_assert_int_eq(bizhours_deadline(NULL, start, 40000 * DAY_MS, &at), -1);
	ck_assert_int_eq(bizhours_between(NULL, INT64_MIN, INT64_MAX), -1);
	ck_assert_int_eq(bizhours_deadline(c, INT64_MAX, 1, &at), -1);
	bizhours_free(c);
}
END_TEST

/* --- against the C library, minute by minute ------------------------------ */

struct oracle {
	const char *zone;
	const char *from; /* a UTC date, and the window's length in days */
	int days;
};

static const struct oracle oracles[] = {
    {"Europe/Berlin", "2026-03-20 00:00", 14},    {"Europe/Berlin", "2026-10-18 00:00", 14},
    {"America/New_York", "2026-03-04 00:00", 14}, {"America/New_York", "2026-10-28 00:00", 10},
    {"Australia/Sydney", "2026-04-01 00:00", 10}, {"Australia/Sydney", "2026-09-30 00:00", 10},
    {"Asia/Kolkata", "2026-12-20 00:00", 20},
};

/* The calendar of the oracle test, written out for the C library count. */
#define OR_DAYS  "sun,mon-thu, fri"
#define OR_HOURS "00:30-03:30,08:00-12:00,13:00-17:45"
static const int or_wdays[7] = {1, 1, 1, 1, 1, 1, 0};
static const int or_ranges[][2] = {{30, 210}, {480, 720}, {780, 1065}}; /* minutes */
static const char *const or_hol[] = {"2026-04-03", "2026-10-30", "2026-03-10", "2026-12-25",
                                     "2026-10-07", "2026-03-30", NULL};

/* Whether local time tm is business time, by the rules above. */
static int
or_business(const struct tm *tm)
{
	char date[16];
	int m = tm->tm_hour * 60 + tm->tm_min;

	if (!or_wdays[tm->tm_wday])
		return 0;
	strftime(date, sizeof(date), "%Y-%m-%d", tm);
	for (const char *const *h = or_hol; *h; h++)
		if (strcmp(*h, date) == 0)
			return 0;
	for (size_t i = 0; i < sizeof(or_ranges) / sizeof(or_ranges[0]); i++)
		if (m >= or_ranges[i][0] && m < or_ranges[i][1])
			return 1;
	return 0;
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

START_TEST(test_against_libc)
{
	const struct oracle *o = &oracles[_i];
	int64_t w0, n, *pre;
	uint64_t seed = 0x9e3779b97f4a7c15ULL + (uint64_t)_i;
	struct bizhours *c;

	NEED_ZONES();
	c = cal(o->zone, OR_DAYS, OR_HOURS, or_hol);
	w0 = utc(o->from);
	n = (int64_t)o->days * 1440;
	pre = calloc((size_t)n + 1, sizeof(*pre)); /* pre[i]: business minutes before minute i */
	setenv("TZ", o->zone, 1);
	tzset();
	for (int64_t i = 0; i < n; i++) {
		time_t t = (time_t)(w0 / 1000 + i * 60);
		struct tm tm;

		localtime_r(&t, &tm);
		pre[i + 1] = pre[i] + or_business(&tm);
	}
	for (int k = 0; k < 400; k++) {
		int64_t a = (int64_t)(rnd(&seed) % (uint64_t)n),
		        b = (int64_t)(rnd(&seed) % (uint64_t)n);
		int64_t want, lo, hi, amount;

		if (a > b) {
			int64_t t = a;

			a = b;
			b = t;
		}
		want = (pre[b] - pre[a]) * MIN_MS;
		ck_assert_msg(bizhours_between(c, w0 + a * MIN_MS, w0 + b * MIN_MS) == want,
		              "%s: minutes %lld-%lld: %lld, not %lld", o->zone, (long long)a,
		              (long long)b,
		              (long long)bizhours_between(c, w0 + a * MIN_MS, w0 + b * MIN_MS),
		              (long long)want);
		if (pre[n] == pre[a])
			continue;
		amount = 1 + (int64_t)(rnd(&seed) % (uint64_t)(pre[n] - pre[a]));
		/* The first minute end at which amount minutes have passed. */
		for (lo = a, hi = n; lo < hi;) {
			int64_t mid = lo + (hi - lo) / 2;

			if (pre[mid] - pre[a] >= amount)
				hi = mid;
			else
				lo = mid + 1;
		}
		ck_assert_msg(deadline(c, w0 + a * MIN_MS, amount * MIN_MS) == w0 + lo * MIN_MS,
		              "%s: from minute %lld, %lld min", o->zone, (long long)a,
		              (long long)amount);
	}
	free(pre);
	bizhours_free(c);
}
END_TEST

/* --- configuration errors ------------------------------------------------- */

struct bad {
	int what; /* 0 timezone, 1 days, 2 hours, 3 holiday */
	const char *value, *message;
};

static const struct bad bads[] = {
    {2, "8-17", "hours: '8-17' is not a range; write it like 08:00-17:00"},
    {2, "08:00", "hours: '08:00' is not a range; write it like 08:00-17:00"},
    {2, "08:00-17:00,",
     "hours: an empty item between commas in '08:00-17:00,'; write it like "
     "08:00-12:00,13:00-17:00"},
    {2, "08:00-25:00",
     "hours: '08:00-25:00' has a time that is not on a clock; use 00:00 to "
     "24:00"},
    {2, "08:60-17:00",
     "hours: '08:60-17:00' has a time that is not on a clock; use 00:00 to "
     "24:00"},
    {2, "22:00-06:00",
     "hours: '22:00-06:00' does not end after it starts; a range stays in one "
     "day (for nights write 22:00-24:00,00:00-06:00)"},
    {2, "09:00-09:00",
     "hours: '09:00-09:00' does not end after it starts; a range stays in one "
     "day (for nights write 22:00-24:00,00:00-06:00)"},
    {2, "08:00-12:00,11:00-13:00",
     "hours: 08:00-12:00 and 11:00-13:00 overlap; give each "
     "hour once"},
    {2, " ", "hours: empty; write it like 08:00-17:00"},
    {2,
     "0:00-1:00,1:00-2:00,2:00-3:00,3:00-4:00,4:00-5:00,5:00-6:00,6:00-7:00,7:00-8:00,8:00-"
     "9:00,9:00-10:00,10:00-11:00,11:00-12:00,12:00-13:00,13:00-14:00,14:00-15:00,15:00-16:"
     "00,16:00-17:00",
     "hours: more than 16 ranges; join the ones that touch"},
    {1, "mon-fry", "days: 'mon-fry' is not a range of days; write it like mon-fri"},
    {1, "weekdays", "days: 'weekdays' is not a day; use mon, tue, wed, thu, fri, sat or sun"},
    {1, "mon-fri,wed", "days: 'wed' names a day given before; name each day once"},
    {1, "mon,,fri",
     "days: an empty item between commas in 'mon,,fri'; write it like "
     "mon,wed,fri"},
    {1, "", "days: empty; write it like mon-fri or mon,wed,fri"},
    {3, "2026-02-29", "holidays: '2026-02-29' is not a date; write it like 2026-12-25"},
    {3, "2026-12-25 ", "holidays: '2026-12-25 ' is not a date; write it like 2026-12-25"},
    {3, "25/12/2026", "holidays: '25/12/2026' is not a date; write it like 2026-12-25"},
    {0, "", "timezone: empty; write an IANA name like Asia/Jakarta, or UTC"},
};

START_TEST(test_errors)
{
	const struct bad *b = &bads[_i];
	struct bizhours *c = bizhours_new();
	char err[300] = "";
	int rc = 0;

	switch (b->what) {
	case 0: rc = bizhours_set_timezone(c, b->value, err, sizeof(err)); break;
	case 1: rc = bizhours_set_days(c, b->value, err, sizeof(err)); break;
	case 2: rc = bizhours_set_hours(c, b->value, err, sizeof(err)); break;
	default: rc = bizhours_add_holiday(c, b->value, err, sizeof(err)); break;
	}
	ck_assert_msg(rc == -1, "'%s' was taken", b->value);
	ck_assert_str_eq(err, b->message);
	bizhours_free(c);
}
END_TEST

START_TEST(test_errors_keep_calendar)
{
	struct bizhours *c = cal(NULL, "mon-fri", "08:00-17:00", NULL);
	char err[300];

	/* A bad value leaves what was there: the calendar still counts 9 h on Monday. */
	ck_assert_int_eq(bizhours_set_hours(c, "08:00-12:00,11:00-13:00", err, sizeof(err)), -1);
	ck_assert_int_eq(bizhours_set_days(c, "sat-sun,sun", err, sizeof(err)), -1);
	ck_assert_int_eq(bizhours_between(c, utc("2026-12-07 00:00"), utc("2026-12-08 00:00")),
	                 9 * HOUR_MS);
	bizhours_free(c);
	c = bizhours_new();
	ck_assert_int_eq(bizhours_ready(c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "days: missing; add one like days: mon-fri");
	ck_assert_int_eq(bizhours_set_days(c, "Monday - FRIDAY", err, sizeof(err)), 0);
	ck_assert_int_eq(bizhours_ready(c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "hours: missing; add one like hours: 08:00-17:00");
	/* "fri-mon" wraps through the weekend. */
	ck_assert_int_eq(bizhours_set_days(c, "fri-mon", err, sizeof(err)), 0);
	ck_assert_int_eq(bizhours_set_hours(c, "8:00-17:00", err, sizeof(err)), 0);
	ck_assert_int_eq(bizhours_between(c, utc("2026-12-07 00:00"), utc("2026-12-14 00:00")),
	                 4 * 9 * HOUR_MS);
	bizhours_free(c);
}
END_TEST

START_TEST(test_unknown_zone)
{
	struct bizhours *c = bizhours_new();
	char err[300];

	NEED_ZONES();
	ck_assert_int_eq(bizhours_set_timezone(c, "Asia/Jakartaa", err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "timezone: unknown time zone 'Asia/Jakartaa' (",
	                      strlen("timezone: unknown time zone 'Asia/Jakartaa' (")) == 0,
	              "%s", err);
	ck_assert_str_eq(bizhours_timezone(c), "UTC");
	bizhours_free(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("bizhours");
	TCase *tc = tcase_create("bizhours");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_weekend);
	tcase_add_test(tc, test_holidays);
	tcase_add_test(tc, test_split_hours);
	tcase_add_test(tc, test_zone_without_dst);
	tcase_add_test(tc, test_berlin_dst_days);
	tcase_add_test(tc, test_berlin_dst_hours);
	tcase_add_test(tc, test_always);
	tcase_add_test(tc, test_far_deadline);
	tcase_add_loop_test(tc, test_against_libc, 0, (int)(sizeof(oracles) / sizeof(oracles[0])));
	tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof(bads) / sizeof(bads[0])));
	tcase_add_test(tc, test_errors_keep_calendar);
	tcase_add_test(tc, test_unknown_zone);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
