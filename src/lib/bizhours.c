#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/bizhours.h"
#include "lib/tz.h"
#include "lib/util.h"

#define DAY_S  86400
#define DAY_MS (86400 * 1000LL)
/* Instants in years 0 to 9999: the zone rules hold there and no sum overflows. */
#define T_MIN_MS (-62167219200000LL)
#define T_MAX_MS 253402300800000LL
#define QUOTE    40 /* at most this much of a bad value is quoted back in a message */
#define Q(n)     ((int)((n) > QUOTE ? QUOTE : (n)))

struct bizhours_range {
	int32_t from, to; /* seconds of the local day, from < to <= DAY_S */
};

struct bizhours {
	struct tz *tz; /* NULL for UTC */
	unsigned days; /* bit w: weekday w (0 Sunday) works */
	int days_set;
	struct bizhours_range r[BIZHOURS_MAX_RANGES]; /* ascending, not overlapping */
	size_t nr;
	int32_t *hol; /* local days since 1970-01-01, ascending, unique */
	size_t nhol, caphol;
};

static const char *const bizhours_day_names[7][2] = {
    {"sun", "sunday"},   {"mon", "monday"}, {"tue", "tuesday"},  {"wed", "wednesday"},
    {"thu", "thursday"}, {"fri", "friday"}, {"sat", "saturday"},
};

static int64_t
floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

struct bizhours *
bizhours_new(void)
{
	return xcalloc(1, sizeof(struct bizhours));
}

void
bizhours_free(struct bizhours *c)
{
	if (c == NULL)
		return;
	tz_free(c->tz);
	free(c->hol);
	free(c);
}

const char *
bizhours_timezone(const struct bizhours *c)
{
	return tz_name(c ? c->tz : NULL);
}

/* --- parsing -------------------------------------------------------------- */

/*
 * The next comma-separated item of *p, without the spaces around it; *p
 * becomes NULL after the last one, so "mon," yields an empty last item.
 */
static int
bizhours_item(const char **p, const char **item, size_t *len)
{
	const char *s = *p, *e;

	if (s == NULL)
		return 0;
	if ((e = strchr(s, ',')) != NULL)
		*p = e + 1;
	else {
		e = s + strlen(s);
		*p = NULL;
	}
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*item = s;
	*len = (size_t)(e - s);
	return 1;
}

static int
bizhours_blank(const char *s)
{
	while (s && isspace((unsigned char)*s))
		s++;
	return s == NULL || *s == '\0';
}

int
bizhours_set_timezone(struct bizhours *c, const char *name, char *err, size_t errlen)
{
	char why[300];
	struct tz *z = NULL;

	if (bizhours_blank(name)) {
		snprintf(err, errlen,
		         "timezone: empty; write an IANA name like Asia/Jakarta, or UTC");
		return -1;
	}
	if (strcmp(name, "UTC") != 0 && (z = tz_load(name, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "timezone: %s", why);
		return -1;
	}
	tz_free(c->tz);
	c->tz = z;
	return 0;
}

/* A weekday (0 Sunday) from "mon" or "monday", any case, spaces around ignored; -1 if none. */
static int
bizhours_day(const char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	for (int w = 0; w < 7; w++)
		for (int k = 0; k < 2; k++)
			if (strlen(bizhours_day_names[w][k]) == len &&
			    strncasecmp(s, bizhours_day_names[w][k], len) == 0)
				return w;
	return -1;
}

/* The days of one item ("wed", "mon-fri", "fri-mon") as a bit set, or 0 with a message. */
static unsigned
bizhours_days_item(const char *s, size_t len, char *err, size_t errlen)
{
	const char *dash = memchr(s, '-', len);
	unsigned set = 0;
	int a, b;

	if (dash == NULL) {
		if ((a = bizhours_day(s, len)) >= 0)
			return 1u << a;
		snprintf(err, errlen,
		         "days: '%.*s' is not a day; use mon, tue, wed, thu, fri, sat or sun",
		         Q(len), s);
		return 0;
	}
	a = bizhours_day(s, (size_t)(dash - s));
	b = bizhours_day(dash + 1, len - (size_t)(dash - s) - 1);
	if (a < 0 || b < 0) {
		snprintf(err, errlen, "days: '%.*s' is not a range of days; write it like mon-fri",
		         Q(len), s);
		return 0;
	}
	/* "fri-mon" goes on through the weekend: a week has no first day everyone agrees on. */
	for (int w = a;; w = (w + 1) % 7) {
		set |= 1u << w;
		if (w == b)
			break;
	}
	return set;
}

int
bizhours_set_days(struct bizhours *c, const char *spec, char *err, size_t errlen)
{
	const char *p = spec, *item;
	unsigned set = 0, one;
	size_t len;

	if (bizhours_blank(spec)) {
		snprintf(err, errlen, "days: empty; write it like mon-fri or mon,wed,fri");
		return -1;
	}
	while (bizhours_item(&p, &item, &len)) {
		if (len == 0) {
			snprintf(err, errlen,
			         "days: an empty item between commas in '%.*s'; write "
			         "it like mon,wed,fri",
			         Q(strlen(spec)), spec);
			return -1;
		}
		if ((one = bizhours_days_item(item, len, err, errlen)) == 0)
			return -1;
		if (set & one) {
			snprintf(err, errlen,
			         "days: '%.*s' names a day given before; name each "
			         "day once",
			         Q(len), item);
			return -1;
		}
		set |= one;
	}
	c->days = set;
	c->days_set = 1;
	return 0;
}

/* "8:00" or "08:00" as seconds of the day: -1 when not of that form, -2 when not on a clock. */
static int32_t
bizhours_time(const char *s, size_t len)
{
	size_t i = 0;
	int h = 0, m;

	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	while (i < len && i < 2 && isdigit((unsigned char)s[i]))
		h = h * 10 + (s[i++] - '0');
	if (i == 0 || i + 3 != len || s[i] != ':' || !isdigit((unsigned char)s[i + 1]) ||
	    !isdigit((unsigned char)s[i + 2]))
		return -1;
	m = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return -2;
	return h * 3600 + m * 60;
}

static int
bizhours_range(const char *s, size_t len, struct bizhours_range *r, char *err, size_t errlen)
{
	const char *dash = memchr(s, '-', len);
	int32_t a = -1, b = -1;

	if (dash) {
		a = bizhours_time(s, (size_t)(dash - s));
		b = bizhours_time(dash + 1, len - (size_t)(dash - s) - 1);
	}
	if (a == -1 || b == -1) {
		snprintf(err, errlen, "hours: '%.*s' is not a range; write it like 08:00-17:00",
		         Q(len), s);
		return -1;
	}
	if (a == -2 || b == -2) {
		snprintf(err, errlen,
		         "hours: '%.*s' has a time that is not on a clock; use "
		         "00:00 to 24:00",
		         Q(len), s);
		return -1;
	}
	if (a >= b) {
		snprintf(err, errlen,
		         "hours: '%.*s' does not end after it starts; a range stays "
		         "in one day (for nights write 22:00-24:00,00:00-06:00)",
		         Q(len), s);
		return -1;
	}
	r->from = a;
	r->to = b;
	return 0;
}

/* Sorts r[0..n) by start (n is small) and refuses overlaps, which are most likely typos. */
static int
bizhours_ranges_sort(struct bizhours_range *r, size_t n, char *err, size_t errlen)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && r[j].from < r[j - 1].from; j--) {
			struct bizhours_range t = r[j];

			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	for (size_t i = 1; i < n; i++)
		if (r[i].from < r[i - 1].to) {
			snprintf(err, errlen,
			         "hours: %02d:%02d-%02d:%02d and %02d:%02d-%02d:%02d "
			         "overlap; give each hour once",
			         r[i - 1].from / 3600, r[i - 1].from / 60 % 60, r[i - 1].to / 3600,
			         r[i - 1].to / 60 % 60, r[i].from / 3600, r[i].from / 60 % 60,
			         r[i].to / 3600, r[i].to / 60 % 60);
			return -1;
		}
	return 0;
}

int
bizhours_set_hours(struct bizhours *c, const char *spec, char *err, size_t errlen)
{
	struct bizhours_range r[BIZHOURS_MAX_RANGES];
	const char *p = spec, *item;
	size_t n = 0, len;

	if (bizhours_blank(spec)) {
		snprintf(err, errlen, "hours: empty; write it like 08:00-17:00");
		return -1;
	}
	while (bizhours_item(&p, &item, &len)) {
		if (n == BIZHOURS_MAX_RANGES) {
			snprintf(err, errlen,
			         "hours: more than %d ranges; join the ones that "
			         "touch",
			         BIZHOURS_MAX_RANGES);
			return -1;
		}
		if (len == 0) {
			snprintf(err, errlen,
			         "hours: an empty item between commas in '%.*s'; write "
			         "it like 08:00-12:00,13:00-17:00",
			         Q(strlen(spec)), spec);
			return -1;
		}
		if (bizhours_range(item, len, &r[n++], err, errlen) < 0)
			return -1;
	}
	if (bizhours_ranges_sort(r, n, err, errlen) < 0)
		return -1;
	memcpy(c->r, r, n * sizeof(r[0]));
	c->nr = n;
	return 0;
}

/* "YYYY-MM-DD" as days since 1970-01-01, refusing dates no calendar has (2026-02-30). */
static int
bizhours_date(const char *s, int32_t *day)
{
	struct tm tm = {0}, back;
	int v[3] = {0, 0, 0}, widths[3] = {4, 2, 2};
	time_t t;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int k = 0, i = 0; k < 3; k++, i++)
		for (int j = 0; j < widths[k]; j++, i++) {
			if (!isdigit((unsigned char)s[i]))
				return -1;
			v[k] = v[k] * 10 + (s[i] - '0');
		}
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	t = timegm(&tm);
	if (gmtime_r(&t, &back) == NULL || back.tm_year != v[0] - 1900 || back.tm_mon != v[1] - 1 ||
	    back.tm_mday != v[2])
		return -1;
	*day = (int32_t)floordiv((int64_t)t, DAY_S);
	return 0;
}

/* Where day is in the holidays, or would go: the first index whose day is not below it. */
static size_t
bizhours_hol_find(const struct bizhours *c, int64_t day)
{
	size_t lo = 0, hi = c->nhol;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->hol[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
bizhours_add_holiday(struct bizhours *c, const char *date, char *err, size_t errlen)
{
	int32_t day;
	size_t at;

	if (bizhours_date(date, &day) < 0) {
		snprintf(err, errlen, "holidays: '%.*s' is not a date; write it like 2026-12-25",
		         Q(date ? strlen(date) : 0), date ? date : "");
		return -1;
	}
	at = bizhours_hol_find(c, day);
	if (at < c->nhol && c->hol[at] == day)
		return 0;
	if (c->nhol == BIZHOURS_MAX_HOLIDAYS) {
		snprintf(err, errlen, "holidays: more than %d dates; drop the years that are over",
		         BIZHOURS_MAX_HOLIDAYS);
		return -1;
	}
	if (c->nhol == c->caphol) {
		c->caphol = c->caphol ? 2 * c->caphol : 16;
		c->hol = xreallocarray(c->hol, c->caphol, sizeof(*c->hol));
	}
	memmove(c->hol + at + 1, c->hol + at, (c->nhol - at) * sizeof(*c->hol));
	c->hol[at] = day;
	c->nhol++;
	return 0;
}

int
bizhours_ready(const struct bizhours *c, char *err, size_t errlen)
{
	if (!c->days_set) {
		snprintf(err, errlen, "days: missing; add one like days: mon-fri");
		return -1;
	}
	if (c->nr == 0) {
		snprintf(err, errlen, "hours: missing; add one like hours: 08:00-17:00");
		return -1;
	}
	return 0;
}

/* --- counting ------------------------------------------------------------- */

static int
bizhours_workday(const struct bizhours *c, int64_t day)
{
	int w = (int)(((day % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
	size_t at;

	if (!(c->days >> w & 1u))
		return 0;
	at = bizhours_hol_find(c, day);
	return !(at < c->nhol && c->hol[at] == day);
}

/* The zone's offset from UTC at t_s, in seconds (timegm, by hand: it took half the time). */
static int64_t
bizhours_off(const struct bizhours *c, int64_t t_s)
{
	struct tm tm;
	const char *abbr;
	int64_t y, days;

	if (c->tz == NULL)
		return 0;
	tz_local(c->tz, t_s, &tm, &abbr);
	/* Days to 1 January of the year: 477 leap days came before 1970. */
	y = tm.tm_year + 1900LL - 1;
	days = 365 * (y + 1 - 1970) + floordiv(y, 4) - floordiv(y, 100) + floordiv(y, 400) - 477;
	return (days + tm.tm_yday) * DAY_S + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec - t_s;
}

/*
 * From t_s on, the offset *off holds until *end_s, at most a day later: a
 * change inside the day is found by bisection (17 look-ups), on the two
 * days a year that have one.
 */
static void
bizhours_segment(const struct bizhours *c, int64_t t_s, int64_t *off, int64_t *end_s)
{
	int64_t lo = t_s, hi = t_s + DAY_S;

	*off = bizhours_off(c, t_s);
	if (bizhours_off(c, hi) == *off) {
		*end_s = hi;
		return;
	}
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if (bizhours_off(c, mid) == *off)
			lo = mid;
		else
			hi = mid;
	}
	*end_s = hi;
}

/* A walk forward in time keeps the current segment of one offset, in ms. */
struct bizhours_walk {
	const struct bizhours *c;
	int64_t off, end; /* the offset holds until end (INT64_MIN: no segment yet) */
};

/*
 * The first business interval [*s, *e) that ends after t, cut to start
 * at t or later, if it starts before limit: 0, else -1. t never goes back
 * in a walk. Inside a segment of one offset, local time is UTC shifted by
 * it, so each range of each working local day is one interval.
 */
static int
bizhours_next(struct bizhours_walk *w, int64_t t, int64_t limit, int64_t *s, int64_t *e)
{
	const struct bizhours *c = w->c;

	for (; t < limit; t = w->end) {
		if (t >= w->end) {
			bizhours_segment(c, floordiv(t, 1000), &w->off, &w->end);
			w->off *= 1000;
			w->end *= 1000;
		}
		for (int64_t d = floordiv(t + w->off, DAY_MS); d * DAY_MS - w->off < w->end; d++) {
			if (!bizhours_workday(c, d))
				continue;
			for (size_t i = 0; i < c->nr; i++) {
				int64_t lo = d * DAY_MS + c->r[i].from * 1000LL - w->off;
				int64_t hi = d * DAY_MS + c->r[i].to * 1000LL - w->off;

				lo = lo < t ? t : lo;
				hi = hi > w->end ? w->end : hi;
				if (lo >= hi)
					continue;
				if (lo >= limit)
					return -1;
				*s = lo;
				*e = hi;
				return 0;
			}
		}
	}
	return -1;
}

int64_t
bizhours_between(const struct bizhours *c, int64_t from_ms, int64_t to_ms)
{
	struct bizhours_walk w = {c, 0, INT64_MIN};
	int64_t sum = 0, s, e;

	if (to_ms <= from_ms)
		return 0;
	if (from_ms < T_MIN_MS || to_ms > T_MAX_MS || to_ms - from_ms > BIZHOURS_MAX_DAYS * DAY_MS)
		return -1;
	if (c == NULL)
		return to_ms - from_ms;
	for (int64_t t = from_ms; bizhours_next(&w, t, to_ms, &s, &e) == 0; t = e)
		sum += (e < to_ms ? e : to_ms) - s;
	return sum;
}

int
bizhours_deadline(const struct bizhours *c, int64_t start_ms, int64_t amount_ms, int64_t *at)
{
	struct bizhours_walk w = {c, 0, INT64_MIN};
	int64_t limit, s, e;

	if (start_ms < T_MIN_MS || start_ms > T_MAX_MS)
		return -1;
	if (amount_ms <= 0) {
		*at = start_ms;
		return 0;
	}
	limit = start_ms + BIZHOURS_MAX_DAYS * DAY_MS;
	if (limit > T_MAX_MS)
		limit = T_MAX_MS;
	if (c == NULL) {
		if (amount_ms > limit - start_ms)
			return -1;
		*at = start_ms + amount_ms;
		return 0;
	}
	for (int64_t t = start_ms; bizhours_next(&w, t, limit, &s, &e) == 0; t = e) {
		if (e - s >= amount_ms) {
			*at = s + amount_ms;
			return 0;
		}
		amount_ms -= e - s;
	}
	return -1;
}

int
bizhours_open(const struct bizhours *c, int64_t t_ms)
{
	struct bizhours_walk w = {c, 0, INT64_MIN};
	int64_t s, e;

	if (c == NULL)
		return 1;
	if (t_ms < T_MIN_MS || t_ms >= T_MAX_MS)
		return 0;
	return bizhours_next(&w, t_ms, t_ms + 1, &s, &e) == 0;
}
