#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/jrd.h"
#include "engine/mention.h"
#include "lib/util.h"

/* A missing id is a hash of source and text: stable across restarts and hosts. */
static void
mention_finish_id(struct mention *m)
{
	uint64_t h = 1469598103934665603ULL;
	const char *parts[2] = { m->source ? m->source : "", m->text };

	if (m->id != NULL)
		return;
	for (int p = 0; p < 2; p++) {
		for (const unsigned char *c = (const unsigned char *)parts[p]; *c; c++)
			h = (h ^ *c) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	m->id = xasprintf("h:%016" PRIx64, h);
}

static int
mention_str(const json_t *obj, const char *key, char **out, int required, char *err,
    size_t errlen)
{
	const json_t *v = json_object_get(obj, key);
	int int_ok;

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required) {
			snprintf(err, errlen, "'%s' is missing", key);
			return -1;
		}
		return 0;
	}
	/* platforms give ids as numbers as often as strings */
	int_ok = strcmp(key, "id") == 0 || strcmp(key, "reply_to") == 0 ||
	    strcmp(key, "account") == 0;
	if (json_is_integer(v) && int_ok) {
		*out = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return 0;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "'%s' must be a string%s", key, int_ok ?
		    " or a whole number" : "");
		return -1;
	}
	*out = xstrndup(json_string_value(v), json_string_length(v));
	return 0;
}

/* An optional boolean: absent or null leaves *out at 0. */
static int
mention_flag(const json_t *obj, const char *key, int *out, char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		snprintf(err, errlen, "'%s' must be true or false", key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

int
mention_from_json(struct mention *m, const json_t *obj, char *err, size_t errlen)
{
	const json_t *a, *v;

	memset(m, 0, sizeof(*m));
	m->followers = -1;
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "a mention must be a JSON object");
		return -1;
	}
	v = json_object_get(obj, "text");
	if (v == NULL) {
		snprintf(err, errlen, "'text' is missing");
		return -1;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "'text' must be a string");
		return -1;
	}
	if (json_string_length(v) > MENTION_MAX_TEXT) {
		snprintf(err, errlen, "'text' is %zu bytes, the limit is %d", json_string_length(v),
		    MENTION_MAX_TEXT);
		return -1;
	}
	if (memchr(json_string_value(v), '\0', json_string_length(v))) {
		snprintf(err, errlen, "'text' contains a NUL character");
		return -1;
	}
	/*
	 * PCRE2's JIT reads the subject in 16-byte blocks and may look past its
	 * end (harmless, but memory checkers flag it): pad with defined bytes.
	 */
	m->text = xcalloc(1, json_string_length(v) + 16);
	memcpy(m->text, json_string_value(v), json_string_length(v));
	m->text_len = json_string_length(v);
	if (mention_str(obj, "id", &m->id, 0, err, errlen) < 0 ||
	    mention_str(obj, "source", &m->source, 0, err, errlen) < 0 ||
	    mention_str(obj, "url", &m->url, 0, err, errlen) < 0 ||
	    mention_str(obj, "lang", &m->lang, 0, err, errlen) < 0 ||
	    mention_str(obj, "created_at", &m->created_at, 0, err, errlen) < 0)
		goto fail;
	if (mention_flag(obj, "reply", &m->reply, err, errlen) < 0 ||
	    mention_flag(obj, "reblog", &m->reblog, err, errlen) < 0 ||
	    mention_str(obj, "reply_to", &m->reply_to, 0, err, errlen) < 0 ||
	    mention_str(obj, "account", &m->account, 0, err, errlen) < 0 ||
	    mention_str(obj, "app_version", &m->app_version, 0, err, errlen) < 0 ||
	    mention_str(obj, "device", &m->device, 0, err, errlen) < 0)
		goto fail;
	if ((v = json_object_get(obj, "rating")) != NULL && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 5) {
			snprintf(err, errlen, "'rating' must be a whole number from 1 to 5");
			goto fail;
		}
		m->rating = (int)json_integer_value(v);
	}
	if (m->reply_to)
		m->reply = 1;
	if ((a = json_object_get(obj, "author")) != NULL && !json_is_null(a)) {
		if (!json_is_object(a)) {
			snprintf(err, errlen, "'author' must be an object");
			goto fail;
		}
		if (mention_str(a, "handle", &m->author_handle, 0, err, errlen) < 0 ||
		    mention_str(a, "name", &m->author_name, 0, err, errlen) < 0)
			goto fail;
		if ((v = json_object_get(a, "followers")) != NULL && !json_is_null(v)) {
			if (!json_is_integer(v) || json_integer_value(v) < 0) {
				snprintf(err, errlen, "'author.followers' must be a whole number >= 0");
				goto fail;
			}
			m->followers = (long)json_integer_value(v);
		}
		if ((v = json_object_get(a, "verified")) != NULL && !json_is_null(v)) {
			if (!json_is_boolean(v)) {
				snprintf(err, errlen, "'author.verified' must be true or false");
				goto fail;
			}
			m->verified = json_is_true(v);
		}
	}
	mention_finish_id(m);
	return 0;
fail:
	mention_free(m);
	return -1;
}

/*
 * A direct reader for one mention object, used on the hot ingest paths
 * (NDJSON lines, sources). It checks the whole text is strict JSON (RFC
 * 8259: no trailing commas, no control characters in strings, valid
 * escapes and UTF-8, nothing after the object) but only builds the fields
 * a mention has; anything else is validated and skipped. Building a
 * jansson tree for every line cost more than classifying it. engine/jrd.h
 * lets the Meta source walk its bodies with it too.
 */

/* Bytes a JSON string holds as they are: not '"', not '\\', not a control character. */
static const unsigned char jrd_plain[256] = {
	['\x20'] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x20-0x2f, '"' */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,		/* '\\' at 0x5c */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x80] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

#define JRD_MAX_DEPTH 64

/* Whether the number s[0..n) is beyond a double (strtod: HUGE_VAL), as jansson refuses it. */
static int
jrd_real_overflows(const char *s, size_t n)
{
	char small[64], *t = n < sizeof(small) ? small : xmalloc(n + 1);
	double d;
	int over;

	memcpy(t, s, n);
	t[n] = '\0';
	errno = 0;
	d = strtod(t, NULL);
	over = errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL);
	if (t != small)
		free(t);
	return over;
}

static int
jrd_fail(struct jrd *r, const char *what)
{
	if (!r->failed)
		snprintf(r->err, r->errlen, "malformed JSON at column %zu: %s",
		    (size_t)(r->p - r->start) + 1, what);
	r->failed = 1;
	return -1;
}

void
jrd_ws(struct jrd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int
jrd_hex4(struct jrd *r, uint32_t *out)
{
	uint32_t v = 0;

	if (r->end - r->p < 4)
		return jrd_fail(r, "short \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = r->p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return jrd_fail(r, "bad \\u escape");
	}
	r->p += 4;
	*out = v;
	return 0;
}

static void
jrd_utf8(struct buf *b, uint32_t cp)
{
	char t[4];

	if (cp < 0x80) {
		buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		t[0] = (char)(0xc0 | (cp >> 6));
		t[1] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, t, 2);
	} else if (cp < 0x10000) {
		t[0] = (char)(0xe0 | (cp >> 12));
		t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[2] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, t, 3);
	} else {
		t[0] = (char)(0xf0 | (cp >> 18));
		t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		t[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[3] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, t, 4);
	}
}

/* A string at r->p (after the quote check); its value into out when out is not NULL. */
static int
jrd_string(struct jrd *r, struct buf *out)
{
	if (r->p >= r->end || *r->p != '"')
		return jrd_fail(r, "expected a string");
	r->p++;
	for (;;) {
		const char *q = r->p;
		size_t valid;

		while (q < r->end && jrd_plain[(unsigned char)*q])
			q++;
		if (q >= r->end)
			return jrd_fail(r, "unterminated string");
		if ((unsigned char)*q < 0x20) {
			r->p = q;
			return jrd_fail(r, "control character in a string");
		}
		valid = r->utf8_ok ? (size_t)(q - r->p) : utf8_valid_prefix(r->p, (size_t)(q - r->p));
		if (valid != (size_t)(q - r->p)) {
			r->p += valid;
			return jrd_fail(r, "invalid UTF-8 in a string");
		}
		if (out)
			buf_add(out, r->p, (size_t)(q - r->p));
		r->p = q + 1;
		if (*q == '"')
			return 0;
		/* an escape */
		if (r->p >= r->end)
			return jrd_fail(r, "unterminated escape");
		switch (*r->p++) {
		case '"': if (out) buf_addc(out, '"'); break;
		case '\\': if (out) buf_addc(out, '\\'); break;
		case '/': if (out) buf_addc(out, '/'); break;
		case 'b': if (out) buf_addc(out, '\b'); break;
		case 'f': if (out) buf_addc(out, '\f'); break;
		case 'n': if (out) buf_addc(out, '\n'); break;
		case 'r': if (out) buf_addc(out, '\r'); break;
		case 't': if (out) buf_addc(out, '\t'); break;
		case 'u': {
			uint32_t cp, lo;

			if (jrd_hex4(r, &cp) < 0)
				return -1;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return jrd_fail(r, "lone low surrogate");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
					return jrd_fail(r, "lone high surrogate");
				r->p += 2;
				if (jrd_hex4(r, &lo) < 0)
					return -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return jrd_fail(r, "bad surrogate pair");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (cp == 0)
				return jrd_fail(r, "\\u0000 is not allowed");
			if (out)
				jrd_utf8(out, cp);
			break;
		}
		default:
			r->p--;
			return jrd_fail(r, "bad escape");
		}
	}
}

/*
 * A string's value without a copy when it has no escape (most keys and
 * values): *v points into the input. Escaped ones are decoded into tmp.
 */
int
jrd_string_ref(struct jrd *r, struct buf *tmp, const char **v, size_t *vlen)
{
	const char *q, *start = r->p;

	if (r->p < r->end && *r->p == '"') {
		q = r->p + 1;
		while (q < r->end && jrd_plain[(unsigned char)*q])
			q++;
		if (q < r->end && *q == '"' && (r->utf8_ok ||
		    utf8_valid_prefix(r->p + 1, (size_t)(q - r->p - 1)) == (size_t)(q - r->p - 1))) {
			*v = r->p + 1;
			*vlen = (size_t)(q - r->p - 1);
			r->p = q + 1;
			return 0;
		}
	}
	r->p = start;
	buf_reset(tmp);
	if (jrd_string(r, tmp) < 0)
		return -1;
	*v = tmp->data ? tmp->data : "";
	*vlen = tmp->len;
	return 0;
}

/*
 * A number; *is_int and *iv when it is a whole number. As jansson does (the
 * reader of application/json bodies), a whole number beyond 64 bits and a
 * number too large for a double are refused, so both readers agree.
 */
static int
jrd_number(struct jrd *r, int *is_int, long long *iv)
{
	const char *s = r->p;
	int neg = 0, frac = 0, overflow = 0;
	unsigned long long v = 0;

	if (r->p < r->end && *r->p == '-')
		neg = 1, r->p++;
	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		return jrd_fail(r, "bad number");
	if (*r->p == '0' && r->p + 1 < r->end && r->p[1] >= '0' && r->p[1] <= '9')
		return jrd_fail(r, "leading zero in a number");
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		unsigned d = (unsigned)(*r->p - '0');

		/* up to 2^63 - 1, or 2^63 for a negative number */
		if (v > ((unsigned long long)LLONG_MAX + (unsigned)neg - d) / 10)
			overflow = 1;
		else
			v = v * 10 + d;
		r->p++;
	}
	if (r->p < r->end && *r->p == '.') {
		frac = 1;
		r->p++;
		if (r->p >= r->end || *r->p < '0' || *r->p > '9')
			return jrd_fail(r, "bad number");
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		frac = 1;
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (r->p >= r->end || *r->p < '0' || *r->p > '9')
			return jrd_fail(r, "bad number");
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	if (!frac && overflow) {
		r->p = s;
		return jrd_fail(r, "a whole number beyond 64 bits");
	}
	if (frac && jrd_real_overflows(s, (size_t)(r->p - s))) {
		r->p = s;
		return jrd_fail(r, "a number too large");
	}
	*is_int = !frac;
	*iv = neg ? (long long)(0 - v) : (long long)v;
	return 0;
}

static int
jrd_literal(struct jrd *r, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0)
		return jrd_fail(r, "unexpected character");
	r->p += n;
	return 0;
}

int
jrd_skip(struct jrd *r, int depth)
{
	int is_int;
	long long iv;

	if (depth > JRD_MAX_DEPTH)
		return jrd_fail(r, "nested too deep");
	jrd_ws(r);
	if (r->p >= r->end)
		return jrd_fail(r, "unexpected end");
	switch (*r->p) {
	case '"':
		return jrd_string(r, NULL);
	case '{':
	case '[': {
		char close = *r->p == '{' ? '}' : ']';
		int obj = close == '}', first = 1;

		r->p++;
		for (;;) {
			jrd_ws(r);
			if (r->p < r->end && *r->p == close && first) {
				r->p++;
				return 0;
			}
			if (obj) {
				if (jrd_string(r, NULL) < 0)
					return -1;
				jrd_ws(r);
				if (r->p >= r->end || *r->p != ':')
					return jrd_fail(r, "expected ':'");
				r->p++;
			}
			if (jrd_skip(r, depth + 1) < 0)
				return -1;
			jrd_ws(r);
			first = 0;
			if (r->p < r->end && *r->p == ',') {
				r->p++;
				continue;
			}
			if (r->p < r->end && *r->p == close) {
				r->p++;
				return 0;
			}
			return jrd_fail(r, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		}
	}
	case 't':
		return jrd_literal(r, "true");
	case 'f':
		return jrd_literal(r, "false");
	case 'n':
		return jrd_literal(r, "null");
	default:
		return jrd_number(r, &is_int, &iv);
	}
}

/*
 * One value: a string as *sv, *svlen (into the input or tmp, see
 * jrd_string_ref), whole numbers into *iv, booleans into *bv.
 */
int
jrd_value(struct jrd *r, struct buf *tmp, const char **sv, size_t *svlen, long long *iv, int *bv,
    enum jrd_kind *kind)
{
	int is_int;

	jrd_ws(r);
	if (r->p >= r->end)
		return jrd_fail(r, "unexpected end");
	switch (*r->p) {
	case '"':
		*kind = JK_STRING;
		return jrd_string_ref(r, tmp, sv, svlen);
	case 'n':
		*kind = JK_NULL;
		return jrd_literal(r, "null");
	case 't':
		*kind = JK_BOOL;
		*bv = 1;
		return jrd_literal(r, "true");
	case 'f':
		*kind = JK_BOOL;
		*bv = 0;
		return jrd_literal(r, "false");
	case '{':
	case '[':
		*kind = JK_OTHER;
		return jrd_skip(r, 1);
	default:
		if (jrd_number(r, &is_int, iv) < 0)
			return -1;
		*kind = is_int ? JK_INT : JK_OTHER;
		return 0;
	}
}

/* Walks an object's members; fn sees each key (not NUL-terminated: klen bytes). */
int
jrd_object(struct jrd *r, struct buf *keybuf,
    int (*fn)(struct jrd *, void *, const char *key, size_t klen), void *arg)
{
	const char *key;
	size_t klen;
	int first = 1, rc = -1;

	jrd_ws(r);
	if (r->p >= r->end || *r->p != '{') {
		jrd_fail(r, "expected an object");
		goto out;
	}
	r->p++;
	for (;;) {
		jrd_ws(r);
		if (first && r->p < r->end && *r->p == '}') {
			r->p++;
			break;
		}
		if (jrd_string_ref(r, keybuf, &key, &klen) < 0)
			goto out;
		jrd_ws(r);
		if (r->p >= r->end || *r->p != ':') {
			jrd_fail(r, "expected ':'");
			goto out;
		}
		r->p++;
		if (fn(r, arg, key, klen) < 0)
			goto out;
		first = 0;
		jrd_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			break;
		}
		jrd_fail(r, "expected ',' or '}'");
		goto out;
	}
	rc = 0;
out:
	return rc;
}

int
jrd_array(struct jrd *r, int (*fn)(struct jrd *, void *), void *arg)
{
	jrd_ws(r);
	if (r->p >= r->end || *r->p != '[')
		return -1;
	r->p++;
	jrd_ws(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return 0;
	}
	for (;;) {
		if (fn(r, arg) < 0)
			return -1;
		jrd_ws(r);
		if (r->p < r->end && *r->p == ',')
			r->p++;
		else if (r->p < r->end && *r->p == ']') {
			r->p++;
			return 0;
		} else
			return -1;
	}
}

struct mctx {
	struct mention *m;
	struct buf v;		/* escaped values, decoded */
	struct buf k;		/* escaped keys, decoded */
	unsigned seen;	/* known keys met, to refuse duplicates */
	int bad;	/* a field of the wrong type: message already written */
	char *err;
	size_t errlen;
};

enum { K_ID = 1, K_SOURCE = 2, K_TEXT = 4, K_URL = 8, K_LANG = 16, K_CREATED = 32,
	K_AUTHOR = 64, K_HANDLE = 128, K_NAME = 256, K_FOLLOWERS = 512, K_VERIFIED = 1024,
	K_REPLY = 2048, K_REBLOG = 4096, K_REPLY_TO = 8192, K_ACCOUNT = 16384, K_RATING = 32768,
	K_APP_VERSION = 65536, K_DEVICE = 131072 };

static int
mctx_dup(struct jrd *r, struct mctx *c, unsigned bit, const char *key)
{
	char what[96];

	if (c->seen & bit) {
		snprintf(what, sizeof(what), "duplicate object key '%s'", key);
		return jrd_fail(r, what);
	}
	c->seen |= bit;
	return 0;
}

/* "'<key>' must be <what>"; the first such problem is the one reported. */
static int
mctx_field_error(struct mctx *c, const char *key, const char *what)
{
	if (!c->bad)
		snprintf(c->err, c->errlen, "'%s' must be %s", key, what);
	c->bad = 1;
	return 0;
}

static int
mctx_string(struct jrd *r, struct mctx *c, unsigned bit, const char *key, char **out,
    int allow_int)
{
	long long iv = 0;
	int bv;
	enum jrd_kind kind;
	const char *sv = NULL;
	size_t svlen = 0;

	if (mctx_dup(r, c, bit, key) < 0 || jrd_value(r, &c->v, &sv, &svlen, &iv, &bv, &kind) < 0)
		return -1;
	if (kind == JK_NULL)
		return 0;
	if (kind == JK_INT && allow_int) {
		*out = xasprintf("%lld", iv);
		return 0;
	}
	if (kind != JK_STRING)
		return mctx_field_error(c, key, allow_int ? "a string or a whole number" : "a string");
	free(*out);
	*out = xstrndup(sv, svlen);
	return 0;
}

/* Key tests by length first: most keys of a post are not ours. */
#define KEY_IS(key, klen, lit) ((klen) == sizeof(lit) - 1 && memcmp((key), (lit), (klen)) == 0)

/* An optional boolean field: null leaves *out as it is. */
static int
mctx_bool(struct jrd *r, struct mctx *c, unsigned bit, const char *what, int *out)
{
	long long iv;
	int bv;
	enum jrd_kind kind;
	const char *sv, *dot = strrchr(what, '.');
	size_t svlen;

	if (mctx_dup(r, c, bit, dot ? dot + 1 : what) < 0 ||
	    jrd_value(r, &c->v, &sv, &svlen, &iv, &bv, &kind) < 0)
		return -1;
	if (kind == JK_NULL)
		return 0;
	if (kind != JK_BOOL)
		return mctx_field_error(c, what, "true or false");
	*out = bv;
	return 0;
}

static int
mctx_author(struct jrd *r, void *arg, const char *key, size_t klen)
{
	struct mctx *c = arg;
	struct mention *m = c->m;
	long long iv = 0;
	int bv = 0;
	enum jrd_kind kind;
	const char *sv;
	size_t svlen;

	if (KEY_IS(key, klen, "handle"))
		return mctx_string(r, c, K_HANDLE, "author.handle", &m->author_handle, 0);
	if (KEY_IS(key, klen, "name"))
		return mctx_string(r, c, K_NAME, "author.name", &m->author_name, 0);
	if (KEY_IS(key, klen, "followers")) {
		if (mctx_dup(r, c, K_FOLLOWERS, "followers") < 0 ||
		    jrd_value(r, &c->v, &sv, &svlen, &iv, &bv, &kind) < 0)
			return -1;
		if (kind == JK_NULL)
			return 0;
		if (kind != JK_INT || iv < 0)
			return mctx_field_error(c, "author.followers",
			    "a whole number >= 0");
		m->followers = iv > LONG_MAX ? LONG_MAX : (long)iv;
		return 0;
	}
	if (KEY_IS(key, klen, "verified"))
		return mctx_bool(r, c, K_VERIFIED, "author.verified", &m->verified);
	return jrd_skip(r, 2);
}

/* A review's stars: a whole number from 1 to 5, or null. */
static int
mctx_rating(struct jrd *r, struct mctx *c)
{
	long long iv = 0;
	int bv = 0;
	enum jrd_kind kind;
	const char *sv;
	size_t svlen;

	if (mctx_dup(r, c, K_RATING, "rating") < 0 ||
	    jrd_value(r, &c->v, &sv, &svlen, &iv, &bv, &kind) < 0)
		return -1;
	if (kind == JK_NULL)
		return 0;
	if (kind != JK_INT || iv < 1 || iv > 5)
		return mctx_field_error(c, "rating", "a whole number from 1 to 5");
	c->m->rating = (int)iv;
	return 0;
}

static int
mctx_top(struct jrd *r, void *arg, const char *key, size_t klen)
{
	struct mctx *c = arg;
	struct mention *m = c->m;

	if (KEY_IS(key, klen, "text")) {
		long long iv;
		int bv;
		enum jrd_kind kind;
		const char *sv = NULL;
		size_t svlen = 0;

		if (mctx_dup(r, c, K_TEXT, "text") < 0 ||
		    jrd_value(r, &c->v, &sv, &svlen, &iv, &bv, &kind) < 0)
			return -1;
		if (kind == JK_NULL)
			return 0;
		if (kind != JK_STRING)
			return mctx_field_error(c, "text", "a string");
		if (svlen > MENTION_MAX_TEXT) {
			if (!c->bad)
				snprintf(c->err, c->errlen, "'text' is %zu bytes, the limit is %d",
				    svlen, MENTION_MAX_TEXT);
			c->bad = 1;
			return 0;
		}
		/* only \u0000 makes a NUL, and the reader refuses it: no scan needed */
		/* padded: see mention_from_json */
		free(m->text);
		m->text = xmalloc(svlen + 16);
		memcpy(m->text, sv, svlen);
		memset(m->text + svlen, 0, 16);
		m->text_len = svlen;
		return 0;
	}
	if (KEY_IS(key, klen, "id"))
		return mctx_string(r, c, K_ID, "id", &m->id, 1);
	if (KEY_IS(key, klen, "source"))
		return mctx_string(r, c, K_SOURCE, "source", &m->source, 0);
	if (KEY_IS(key, klen, "url"))
		return mctx_string(r, c, K_URL, "url", &m->url, 0);
	if (KEY_IS(key, klen, "lang"))
		return mctx_string(r, c, K_LANG, "lang", &m->lang, 0);
	if (KEY_IS(key, klen, "created_at"))
		return mctx_string(r, c, K_CREATED, "created_at", &m->created_at, 0);
	if (KEY_IS(key, klen, "reply"))
		return mctx_bool(r, c, K_REPLY, "reply", &m->reply);
	if (KEY_IS(key, klen, "reblog"))
		return mctx_bool(r, c, K_REBLOG, "reblog", &m->reblog);
	if (KEY_IS(key, klen, "reply_to"))
		return mctx_string(r, c, K_REPLY_TO, "reply_to", &m->reply_to, 1);
	if (KEY_IS(key, klen, "account"))
		return mctx_string(r, c, K_ACCOUNT, "account", &m->account, 1);
	if (KEY_IS(key, klen, "app_version"))
		return mctx_string(r, c, K_APP_VERSION, "app_version", &m->app_version, 0);
	if (KEY_IS(key, klen, "device"))
		return mctx_string(r, c, K_DEVICE, "device", &m->device, 0);
	if (KEY_IS(key, klen, "rating"))
		return mctx_rating(r, c);
	if (KEY_IS(key, klen, "author")) {
		const char *save;

		if (mctx_dup(r, c, K_AUTHOR, "author") < 0)
			return -1;
		jrd_ws(r);
		save = r->p;
		if (r->end - r->p >= 4 && memcmp(r->p, "null", 4) == 0) {
			r->p += 4;
			return 0;
		}
		if (r->p < r->end && *r->p != '{') {
			if (jrd_skip(r, 1) < 0)
				return -1;
			(void)save;
			return mctx_field_error(c, "author", "an object");
		}
		return jrd_object(r, &c->k, mctx_author, c);
	}
	return jrd_skip(r, 1);
}

static int
mention_parse_jrd(struct mention *m, const char *buf, size_t len, int utf8_ok, char *err,
    size_t errlen)
{
	struct jrd r = { buf, buf + len, buf, err, errlen, 0, utf8_ok };
	struct mctx c;

	memset(m, 0, sizeof(*m));
	m->followers = -1;
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.err = err;
	c.errlen = errlen;
	buf_init(&c.v);
	buf_init(&c.k);
	jrd_ws(&r);
	if (r.p < r.end && *r.p != '{') {
		jrd_fail(&r, "a mention must be a JSON object");
		goto fail;
	}
	if (jrd_object(&r, &c.k, mctx_top, &c) < 0)
		goto fail;
	jrd_ws(&r);
	if (r.p != r.end) {
		jrd_fail(&r, "text after the object");
		goto fail;
	}
	if (c.bad)
		goto fail;
	if (m->text == NULL) {
		snprintf(err, errlen, "'text' is missing");
		goto fail;
	}
	if (m->reply_to)
		m->reply = 1;
	buf_free(&c.v);
	buf_free(&c.k);
	mention_finish_id(m);
	return 0;
fail:
	buf_free(&c.v);
	buf_free(&c.k);
	mention_free(m);
	return -1;
}

int
mention_parse(struct mention *m, const char *buf, size_t len, char *err, size_t errlen)
{
	return mention_parse_jrd(m, buf, len, 0, err, errlen);
}

int
mention_parse_utf8(struct mention *m, const char *buf, size_t len, char *err, size_t errlen)
{
	return mention_parse_jrd(m, buf, len, 1, err, errlen);
}

void
mention_free(struct mention *m)
{
	free(m->id);
	free(m->source);
	free(m->text);
	free(m->url);
	free(m->lang);
	free(m->created_at);
	free(m->author_handle);
	free(m->author_name);
	free(m->reply_to);
	free(m->account);
	free(m->app_version);
	free(m->device);
	memset(m, 0, sizeof(*m));
	m->followers = -1;
}

json_t *
mention_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *je)
{
	const char *nul = memchr(buf, '\0', len), *bol = buf;
	int line = 1;

	if (nul == NULL)
		return json_loadb(buf, len, flags, je);
	for (const char *p = buf; p < nul; p++)
		if (*p == '\n')
			line++, bol = p + 1;
	memset(je, 0, sizeof(*je));
	je->line = line;
	je->column = (int)(nul - bol) + 1;
	je->position = (int)(nul - buf);
	snprintf(je->text, sizeof(je->text), "a NUL byte (write it as \\u0000 inside a string)");
	return NULL;
}
