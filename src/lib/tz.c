#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tz.h"
#include "lib/util.h"

#define TZ_MAX_FILE (256 * 1024) /* the largest zone today is under 4 KB */
#define TZ_ABBR     16

struct tz_type {
	int32_t off;
	char abbr[TZ_ABBR];
};

/* A footer rule "CET-1CEST,M3.5.0,M10.5.0/3": only M-form dates are used by current zones. */
struct tz_rule {
	int ok; /* the footer was understood */
	int has_dst;
	struct tz_type std, dst;
	int mon[2], week[2], wday[2]; /* start, end */
	int32_t secs[2];              /* local time of day of each change */
};

struct tz {
	char *name;
	int64_t *at;        /* transition times, ascending */
	unsigned char *idx; /* type after each transition */
	size_t n;
	struct tz_type *types;
	size_t ntypes;
	struct tz_rule rule;
};

static uint32_t
tz_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t
tz_be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)tz_be32(p) << 32 | tz_be32(p + 4));
}

/* --- the footer (POSIX TZ) ------------------------------------------------ */

static const char *
tz_p_name(const char *p, char out[TZ_ABBR])
{
	size_t n = 0;

	if (*p == '<') {
		for (p++; *p && *p != '>'; p++)
			if (n + 1 < TZ_ABBR)
				out[n++] = *p;
		if (*p++ != '>')
			return NULL;
	} else
		for (; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'); p++)
			if (n + 1 < TZ_ABBR)
				out[n++] = *p;
	out[n] = '\0';
	return n >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] in seconds. */
static const char *
tz_p_time(const char *p, int32_t *out)
{
	int32_t sign = 1, v[3] = {0, 0, 0};

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (int i = 0; i < 3; i++) {
		if (*p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9' && v[i] < 1000)
			v[i] = v[i] * 10 + (*p++ - '0');
		if (*p != ':' || i == 2)
			break;
		p++;
	}
	*out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
	return p;
}

static const char *
tz_p_date(const char *p, struct tz_rule *r, int k)
{
	char *end;

	if (*p++ != 'M')
		return NULL; /* Jn and n forms: no current zone uses them */
	r->mon[k] = (int)strtol(p, &end, 10);
	if (*end++ != '.')
		return NULL;
	r->week[k] = (int)strtol(end, &end, 10);
	if (*end++ != '.')
		return NULL;
	r->wday[k] = (int)strtol(end, &end, 10);
	p = end;
	r->secs[k] = 7200;
	if (*p == '/' && (p = tz_p_time(p + 1, &r->secs[k])) == NULL)
		return NULL;
	if (r->mon[k] < 1 || r->mon[k] > 12 || r->week[k] < 1 || r->week[k] > 5 || r->wday[k] < 0 ||
	    r->wday[k] > 6)
		return NULL;
	return p;
}

static void
tz_parse_footer(const char *p, struct tz_rule *r)
{
	int32_t off;

	memset(r, 0, sizeof(*r));
	if ((p = tz_p_name(p, r->std.abbr)) == NULL || (p = tz_p_time(p, &off)) == NULL)
		return;
	r->std.off = -off; /* POSIX counts west of Greenwich as positive */
	if (*p == '\0') {
		r->ok = 1;
		return;
	}
	if ((p = tz_p_name(p, r->dst.abbr)) == NULL)
		return;
	r->dst.off = r->std.off + 3600;
	if (*p != ',' && *p != '\0') {
		if ((p = tz_p_time(p, &off)) == NULL)
			return;
		r->dst.off = -off;
	}
	if (*p++ != ',' || (p = tz_p_date(p, r, 0)) == NULL || *p++ != ',' ||
	    (p = tz_p_date(p, r, 1)) == NULL || *p != '\0')
		return;
	r->has_dst = r->ok = 1;
}

/* When change k of the rule happens in year y, in UTC seconds. */
static int64_t
tz_change(const struct tz_rule *r, int64_t y, int k)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int m = r->mon[k], len = mdays[m - 1], d;
	int64_t first = util_days_from_civil(y, (unsigned)m, 1);
	int wd1 = (int)(((first % 7) + 11) % 7); /* 1970-01-01 was a Thursday */

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		len = 29;
	d = 1 + (r->wday[k] - wd1 + 7) % 7 + 7 * (r->week[k] - 1);
	while (d > len)
		d -= 7;
	/* The start is given in standard time, the end in daylight time. */
	return (first + d - 1) * 86400 + r->secs[k] - (k == 0 ? r->std.off : r->dst.off);
}

static const struct tz_type *
tz_rule_type(const struct tz_rule *r, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)(t + r->std.off);
	int64_t s, e;

	if (!r->has_dst)
		return &r->std;
	gmtime_r(&tt, &tm);
	s = tz_change(r, tm.tm_year + 1900LL, 0);
	e = tz_change(r, tm.tm_year + 1900LL, 1);
	if (s < e)
		return t >= s && t < e ? &r->dst : &r->std;
	return t >= e && t < s ? &r->std : &r->dst; /* southern summers span the new year */
}

/* --- the file ------------------------------------------------------------- */

static int
tz_parse(struct tz *z, const unsigned char *p, size_t len)
{
	uint32_t c[6];
	size_t v1, need, off = 0, i;
	const unsigned char *types, *chars;
	int v2;

	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	v2 = p[4] >= '2';
	for (i = 0; i < 6; i++)
		c[i] = tz_be32(p + 20 + 4 * i);
	/* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
	v1 = 44 + (size_t)c[3] * 5 + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 8 + c[1] + c[0];
	if (v1 > len)
		return -1;
	if (v2) {
		off = v1;
		if (off + 44 > len || memcmp(p + off, "TZif", 4) != 0)
			return -1;
		for (i = 0; i < 6; i++)
			c[i] = tz_be32(p + off + 20 + 4 * i);
		off += 44;
	} else
		off = 44;
	need = (size_t)c[3] * (v2 ? 9 : 5) + (size_t)c[4] * 6 + c[5] +
	       (size_t)c[2] * (v2 ? 12 : 8) + c[1] + c[0];
	if (c[4] == 0 || c[4] > 256 || off + need > len)
		return -1;
	z->n = c[3];
	z->at = xreallocarray(NULL, z->n + 1, sizeof(*z->at));
	z->idx = xmalloc(z->n + 1);
	for (i = 0; i < z->n; i++)
		z->at[i] = v2 ? tz_be64(p + off + 8 * i) : (int32_t)tz_be32(p + off + 4 * i);
	off += z->n * (v2 ? 8 : 4);
	memcpy(z->idx, p + off, z->n);
	off += z->n;
	types = p + off;
	chars = types + (size_t)c[4] * 6;
	z->ntypes = c[4];
	z->types = xcalloc(z->ntypes, sizeof(*z->types));
	for (i = 0; i < z->ntypes; i++) {
		unsigned ai = types[6 * i + 5];
		size_t k = 0;

		z->types[i].off = (int32_t)tz_be32(types + 6 * i);
		while (ai + k < c[5] && chars[ai + k] && k + 1 < TZ_ABBR) {
			z->types[i].abbr[k] = (char)chars[ai + k];
			k++;
		}
	}
	for (i = 0; i < z->n; i++)
		if (z->idx[i] >= z->ntypes)
			return -1;
	off += need - z->n * (v2 ? 9 : 5);
	if (v2 && off < len && p[off] == '\n') {
		const unsigned char *nl = memchr(p + off + 1, '\n', len - off - 1);

		if (nl) {
			char *f = xstrndup((const char *)p + off + 1, (size_t)(nl - p - off - 1));

			tz_parse_footer(f, &z->rule);
			free(f);
		}
	}
	return 0;
}

static int
tz_name_ok(const char *s)
{
	if (*s == '\0' || *s == '/' || strlen(s) > 200)
		return 0;
	for (const char *p = s; *p; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr("/_+-", *p)))
			return 0;
		if ((p == s || p[-1] == '/') && *p == '-')
			return 0;
	}
	return strstr(s, "//") == NULL;
}

struct tz *
tz_load(const char *name, char *err, size_t errlen)
{
	const char *dir = getenv("TZDIR");
	unsigned char *data = NULL;
	size_t len = 0;
	struct tz *z;
	char *path;
	FILE *f;

	if (!tz_name_ok(name)) {
		snprintf(err, errlen,
		         "'%s' is not a time zone name; use an IANA name like "
		         "Asia/Jakarta or UTC",
		         name);
		return NULL;
	}
	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	path = xasprintf("%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen,
		         "unknown time zone '%s' (%s: %s); use an IANA name like "
		         "Asia/Jakarta, and check that the tzdata package is installed",
		         name, path, strerror(errno));
		free(path);
		return NULL;
	}
	data = xmalloc(TZ_MAX_FILE);
	len = fread(data, 1, TZ_MAX_FILE, f);
	fclose(f);
	z = xcalloc(1, sizeof(*z));
	z->name = xstrdup(name);
	if (tz_parse(z, data, len) < 0) {
		snprintf(err, errlen,
		         "'%s' is not a time zone file (%s); use an IANA name like "
		         "Asia/Jakarta",
		         name, path);
		tz_free(z);
		z = NULL;
	}
	free(data);
	free(path);
	return z;
}

void
tz_free(struct tz *z)
{
	if (z == NULL)
		return;
	free(z->name);
	free(z->at);
	free(z->idx);
	free(z->types);
	free(z);
}

const char *
tz_name(const struct tz *z)
{
	return z ? z->name : "UTC";
}

static const struct tz_type *
tz_type_at(const struct tz *z, int64_t t)
{
	size_t lo = 0, hi = z->n;

	if (z->n == 0 || t < z->at[0]) {
		if (z->n == 0 && z->rule.ok)
			return tz_rule_type(&z->rule, t);
		return &z->types[0];
	}
	if (t >= z->at[z->n - 1] && z->rule.ok)
		return tz_rule_type(&z->rule, t);
	while (hi - lo > 1) { /* the last transition at or before t */
		size_t mid = lo + (hi - lo) / 2;

		if (z->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return &z->types[z->idx[lo]];
}

void
tz_local(const struct tz *z, int64_t t, struct tm *tm, const char **abbr)
{
	const struct tz_type *ty = z ? tz_type_at(z, t) : NULL;
	time_t tt = (time_t)(t + (ty ? ty->off : 0));

	gmtime_r(&tt, tm);
	*abbr = ty ? ty->abbr : "UTC";
}
