/*
 * util_time.c: the clock, and time written and read the way the spool,
 * the logs, the receivers and the HTTP peers want it. One copy of each,
 * so a date means the same thing to every part of the daemon.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "lib/util.h"

/* Month and day names of protocol dates (RFC 5322, HTTP): never translated. */
static const char *const util_months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	"Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const util_wdays[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

int64_t
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
util_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
util_ms_to_tv(int64_t ms, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)((ms % 1000) * 1000);
}

void
util_iso8601(int64_t ms, char *out, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

const char *
util_human_wait_ms(int64_t ms, char *b, size_t blen)
{
	if (ms < 1000)
		snprintf(b, blen, "%lldms", (long long)ms);
	else if (ms < 120000)
		snprintf(b, blen, "%.1fs", (double)ms / 1000);
	else
		snprintf(b, blen, "%.0fm", (double)ms / 60000);
	return b;
}

const char *
util_human_age(int64_t ms, char *b, size_t blen)
{
	long long s = (long long)(ms / 1000);

	if (s < 60)
		snprintf(b, blen, "%llds", s);
	else if (s < 3600)
		snprintf(b, blen, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(b, blen, "%lldh%02lldm", s / 3600, s / 60 % 60);
	else
		snprintf(b, blen, "%lldd%02lldh", s / 86400, s / 3600 % 24);
	return b;
}

/* IMF-fixdate by hand: strftime's %a and %b follow the locale. */
void
util_http_date(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(out, len, "%s, %02d %s %04d %02d:%02d:%02d GMT", util_wdays[tm.tm_wday % 7],
	    tm.tm_mday, util_months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}

const char *
util_human_ms(int64_t ms, char *b, size_t blen)
{
	if (ms < 120000)
		snprintf(b, blen, "%llds", (long long)(ms / 1000));
	else if (ms < 2 * 3600000)
		snprintf(b, blen, "%lldm", (long long)(ms / 60000));
	else
		snprintf(b, blen, "%.1fh", (double)ms / 3600000.0);
	return b;
}

/* H. Hinnant's algorithm. */
int64_t
util_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
util_digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int
util_mktime(int y, int mo, int d, int h, int mi, int s, int64_t *t)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || s > 60)
		return -1;
	*t = util_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

int
util_rfc3339_parse(const char *s, int64_t *t)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;

	if (s == NULL || util_digits(&s, 4, &y) || *s++ != '-' || util_digits(&s, 2, &mo) ||
	    *s++ != '-' || util_digits(&s, 2, &d) || (*s != 'T' && *s != 't' && *s != ' '))
		return -1;
	s++;
	if (util_digits(&s, 2, &h) || *s++ != ':' || util_digits(&s, 2, &mi) || *s++ != ':' ||
	    util_digits(&s, 2, &sec))
		return -1;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s++ == '+' ? 1 : -1;
		if (util_digits(&s, 2, &oh) || *s++ != ':' || util_digits(&s, 2, &om) || oh > 23 ||
		    om > 59)
			return -1;
	} else
		return -1;
	if (*s != '\0' || util_mktime(y, mo, d, h, mi, sec, t) < 0)
		return -1;
	*t -= sign * (oh * 3600 + om * 60);
	return 0;
}

void
util_rfc5322(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(out, len, "%s, %d %s %04d %02d:%02d:%02d +0000", util_wdays[tm.tm_wday],
	    tm.tm_mday, util_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}

static int
util_month(const char *s)
{
	for (int i = 0; i < 12; i++)
		if (strncasecmp(s, util_months[i], 3) == 0)
			return i + 1;
	return 0;
}

int
util_http_date_parse(const char *s, int64_t *t)
{
	int d, mo, y, h, mi, sec;
	const char *p;

	if (s == NULL)
		return -1;
	while (*s == ' ')
		s++;
	/* Skip the weekday: "Sun," (IMF-fixdate), "Sunday," (RFC 850) or "Sun " (asctime). */
	for (p = s; *p && *p != ',' && *p != ' '; p++)
		;
	if (*p == ',') {
		p++;
		while (*p == ' ')
			p++;
		if (util_digits(&p, 2, &d) || (*p != ' ' && *p != '-'))
			return -1;
		p++;
		if ((mo = util_month(p)) == 0)
			return -1;
		p += 3;
		if (*p != ' ' && *p != '-')
			return -1;
		p++;
		if (util_digits(&p, 4, &y) == 0)
			;
		else if (util_digits(&p, 2, &y) == 0)
			y += y < 70 ? 2000 : 1900;	/* RFC 9110's two-digit years, roughly */
		else
			return -1;
		if (*p++ != ' ' || util_digits(&p, 2, &h) || *p++ != ':' || util_digits(&p, 2, &mi) ||
		    *p++ != ':' || util_digits(&p, 2, &sec))
			return -1;
		while (*p == ' ')
			p++;
		if (strncmp(p, "GMT", 3) != 0 && strncmp(p, "UTC", 3) != 0)
			return -1;
	} else {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		while (*p == ' ')
			p++;
		if ((mo = util_month(p)) == 0)
			return -1;
		p += 3;
		while (*p == ' ')
			p++;
		if (util_digits(&p, 2, &d) && util_digits(&p, 1, &d))
			return -1;
		if (*p++ != ' ' || util_digits(&p, 2, &h) || *p++ != ':' || util_digits(&p, 2, &mi) ||
		    *p++ != ':' || util_digits(&p, 2, &sec) || *p++ != ' ' || util_digits(&p, 4, &y))
			return -1;
	}
	return util_mktime(y, mo, d, h, mi, sec, t);
}
/* delay-seconds: digits with white space around them, saturating. */
static int
util_retry_after_seconds(const char *v, int64_t *ms)
{
	int64_t s = 0;
	const char *p;

	if (v == NULL)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	for (p = v; *p >= '0' && *p <= '9'; p++)
		if (s <= UTIL_RETRY_AFTER_MAX_MS / 1000)	/* saturates: no overflow */
			s = s * 10 + (*p - '0');
	if (p == v)
		return -1;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p != '\0')
		return -1;
	*ms = s * 1000 > UTIL_RETRY_AFTER_MAX_MS ? UTIL_RETRY_AFTER_MAX_MS : s * 1000;
	return 0;
}

int
util_retry_after_ms(const char *v, int64_t now_ms, int64_t *ms)
{
	int64_t t, d;

	if (v == NULL)
		return -1;
	if (util_retry_after_seconds(v, ms) == 0)
		return 0;
	if (util_http_date_parse(v, &t) < 0)
		return -1;
	d = t * 1000 - now_ms;
	*ms = d <= 0 ? 0 : d > UTIL_RETRY_AFTER_MAX_MS ? UTIL_RETRY_AFTER_MAX_MS : d;
	return 0;
}
