/*
 * util.h: allocation helpers that cannot fail (they abort on out of
 * memory: a daemon without memory cannot do anything useful), a growable
 * byte buffer, and (util_time.c) the clock and every time format keluh
 * writes or reads. All of it depends on libc alone.
 */
#ifndef KELUH_UTIL_H
#define KELUH_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A growable byte buffer; data is always NUL-terminated after len bytes. */
struct buf {
	char *data;
	size_t len, cap;
};

void buf_init(struct buf *);
void buf_free(struct buf *);
void buf_reset(struct buf *);
void buf_reserve(struct buf *, size_t extra);

/*
 * Appends inline: the spool rows and alert entries are built from many
 * short pieces, and a call plus a capacity check per piece showed in
 * profiles.
 */
static inline void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap)
		buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void
buf_addc(struct buf *b, char c)
{
	if (b->len + 2 > b->cap)
		buf_reserve(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

static inline void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}
void buf_printf(struct buf *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends v in decimal (no printf: this is on the ingest path). */
void buf_add_int(struct buf *, long long v);
/* Appends s as the inside of a JSON string (no quotes). s must be valid UTF-8. */
void buf_add_json_str(struct buf *, const char *s, size_t len);
/* Appends s as a quoted JSON string, or null when s is NULL. */
void buf_add_json_quoted(struct buf *, const char *s);

/*
 * FNV-1a, 64 bits, of a string: for hash tables and fingerprints kept in
 * memory or in a source's cursor (so it must never change).
 */
uint64_t util_hash_str(const char *s);

/*
 * Creates the missing directories above path (not path itself), as mkdir
 * -p would: the one that holds path with last_mode, those above it 0755
 * (both less the umask). Returns how many it made, or -1 with errno set.
 */
int util_mkdir_parents(const char *path, unsigned last_mode);

/*
 * Adds v to the set set[0..n) unless it is there or the set holds max
 * already; returns the new count. Linear: for the few receivers of an alert.
 */
size_t util_set_add(size_t *set, size_t n, size_t max, size_t v);

/* path when it is absolute or dir is NULL, else dir/path (malloc'd). */
char *util_path_resolve(const char *dir, const char *path);

/* --- time (util_time.c) --------------------------------------------------- */

/* Wall-clock time in Unix milliseconds (what the spool and alerts record). */
int64_t util_now_ms(void);
/*
 * Monotonic milliseconds, for deadlines and intervals: a wall clock set
 * back or forward does not move it. Not a date; never stored.
 */
int64_t util_mono_ms(void);
/* ms (>= 0) as the struct timeval that libevent's timers take. */
struct timeval;
void util_ms_to_tv(int64_t ms, struct timeval *tv);
/* Days since 1970-01-01 of a proleptic Gregorian date (m 1-12, d 1-31). */
int64_t util_days_from_civil(int64_t y, unsigned m, unsigned d);
/* ms as RFC 3339 UTC, "2026-11-23T04:20:00Z"; out needs 21 bytes. */
void util_iso8601(int64_t ms, char *out, size_t len);
/* Unix seconds as an RFC 5322 date, "Sun, 22 Nov 2026 10:02:00 +0000", never localised. */
void util_rfc5322(int64_t t, char *out, size_t len);
/* Unix seconds as an HTTP-date (IMF-fixdate), "Sun, 06 Nov 1994 08:49:37 GMT". */
void util_http_date(int64_t t, char *out, size_t len);
/* A duration for people, coarse as logs want it: 45s, 17m, 3.5h. Returns b. */
const char *util_human_ms(int64_t ms, char *b, size_t blen);
/* A wait before trying again, finer: 250ms, 2.5s, 3m. Returns b. */
const char *util_human_wait_ms(int64_t ms, char *b, size_t blen);
/* An age or uptime for tables, two units: 45s, 3m07s, 2h05m, 1d03h. Returns b. */
const char *util_human_age(int64_t ms, char *b, size_t blen);

/*
 * RFC 3339 ("2026-11-22T10:02:00Z", fractions and offsets allowed) to Unix
 * seconds. Returns -1 when s is not one.
 */
int util_rfc3339_parse(const char *s, int64_t *t);
/*
 * An HTTP-date (IMF-fixdate, RFC 850 or asctime form, RFC 9110 section
 * 5.6.7) to Unix seconds. Returns -1 when s is not one.
 */
int util_http_date_parse(const char *s, int64_t *t);

/*
 * A Retry-After header (RFC 9110 section 10.2.3) as the wait from now_ms,
 * read the same way by the deliveries and the sources:
 * - delay-seconds: digits, with white space around them allowed ("120 ");
 * - an HTTP-date: the time left until it, 0 when it is past;
 * - either way at most UTIL_RETRY_AFTER_MAX_MS: a longer wait is a
 *   mistake, and the caller's own limits (a delivery's max age) do the rest.
 * Returns 0 with *ms set, or -1 (*ms untouched) for NULL, empty, negative,
 * fractional or any other garbage: the caller then falls back on its own
 * backoff, as if there were no header.
 */
#define UTIL_RETRY_AFTER_MAX_MS (24 * 3600 * 1000LL)
int util_retry_after_ms(const char *v, int64_t now_ms, int64_t *ms);

/* Length of the valid UTF-8 prefix of s (== len when all of s is valid). */
size_t utf8_valid_prefix(const char *s, size_t len);

#endif
