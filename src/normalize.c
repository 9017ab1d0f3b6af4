/*
 * normalize.c: text folding with an offset map (see normalize.h).
 *
 * The fold is a function of each code point alone, followed by one rule on
 * the stream of output code points: a "squeezable" code point equal to the
 * one emitted just before it is dropped. White space folds to ' ' and is
 * squeezable like a letter, so collapsing a white-space run and squeezing
 * "lamaaa" are the same operation; starting as if a ' ' had just been
 * emitted drops leading white space, and one check at the end drops the
 * trailing ' '. Because both steps only look at one code point and its
 * predecessor in the output stream, folding a substring gives a substring
 * of the folded whole, which is what the literal prefilter needs.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "normalize.h"
#include "util.h"

/*
 * ASCII never reaches utf8proc: one table gives the folded byte (bits 0-7),
 * whether a repeat of it is dropped (letters and white space) and whether
 * it is a word character. Built at compile time so that there is nothing to
 * initialise and nothing to race on between threads.
 */
#define A_SQZ	0x100
#define A_WORD	0x200

#define A_UPPER(c)	((c) >= 'A' && (c) <= 'Z')
#define A_LOWER(c)	((c) >= 'a' && (c) <= 'z')
#define A_DIGIT(c)	((c) >= '0' && (c) <= '9')
#define A_SPACE(c)	((c) == ' ' || ((c) >= '\t' && (c) <= '\r'))
#define A_ENT(c)	((uint16_t)((A_UPPER(c) ? (c) + 32 : A_SPACE(c) ? ' ' : (c)) |	\
	(A_UPPER(c) || A_LOWER(c) || A_SPACE(c) ? A_SQZ : 0) |				\
	(A_UPPER(c) || A_LOWER(c) || A_DIGIT(c) || (c) == '_' ? A_WORD : 0)))
#define A_4(c)	A_ENT(c), A_ENT((c) + 1), A_ENT((c) + 2), A_ENT((c) + 3)
#define A_16(c)	A_4(c), A_4((c) + 4), A_4((c) + 8), A_4((c) + 12)
#define A_64(c)	A_16(c), A_16((c) + 16), A_16((c) + 32), A_16((c) + 48)

static const uint16_t ascii_tab[128] = { A_64(0), A_64(64) };

#define NORM_OPTS	(UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE | \
	UTF8PROC_STRIPMARK | UTF8PROC_IGNORE)

/*
 * U+FDFA decomposes to 18 code points, the longest in Unicode 15; the
 * buffer leaves room for future data, and anything longer is passed
 * through unfolded rather than cut.
 */
#define FOLD_BUF	32

/*
 * Per-thread cache of non-ASCII folds. utf8proc costs a property lookup
 * per input and output code point plus the decomposition itself; mentions
 * repeat the same few non-ASCII code points (emoji, curly quotes, NBSP),
 * so a small direct-mapped table catches nearly all of them. Thread local
 * because norm_fold runs on any worker thread and the API has no place for
 * shared state; folds of up to FOLD_CACHED code points are cached.
 */
#define FOLD_CACHED	4
#define FOLD_CACHE_BITS	9

struct fold_ent {
	int32_t cp;		/* 0 marks an empty slot: only cp >= 0x80 is cached */
	uint8_t n;		/* output code points */
	uint8_t sqz;		/* bit k: out[k] is dropped when it repeats */
	int32_t out[FOLD_CACHED];
};

static _Thread_local struct fold_ent fold_cache[1 << FOLD_CACHE_BITS];

static int
norm_is_space_cp(int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
		return 1;
	default:
		return cp == 0x85;
	}
}

/* Typographic apostrophes and quotes fold to the ASCII ones people type. */
static int32_t
norm_quote(int32_t cp)
{
	switch (cp) {
	case 0x2018: case 0x2019: case 0x201a: case 0x201b:
	case 0x2032: case 0x02bc: case 0xff07:
		return '\'';
	case 0x201c: case 0x201d: case 0x201e: case 0x201f:
	case 0x2033: case 0xff02:
		return '"';
	default:
		return cp;
	}
}

static int
norm_is_letter_cp(int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);

	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

/*
 * Folds one non-ASCII code point into out[] (FOLD_BUF entries), setting
 * bit k of *sqz when out[k] squeezes. Returns the number of code points.
 * Spaces and quotes are tested before decomposing because compatibility
 * decomposition would otherwise change them first (U+2033 would become
 * two primes, U+2028 stays as it is).
 */
static size_t
norm_fold_cp(int32_t cp, int32_t *out, uint32_t *sqz)
{
	utf8proc_ssize_t r;
	int32_t q;
	int bound = 0;

	*sqz = 0;
	if (norm_is_space_cp(cp)) {
		out[0] = ' ';
		*sqz = 1;
		return 1;
	}
	if ((q = norm_quote(cp)) != cp) {
		out[0] = q;
		return 1;
	}
	r = utf8proc_decompose_char(cp, out, FOLD_BUF, NORM_OPTS, &bound);
	if (r < 0 || r > FOLD_BUF) {
		out[0] = cp;
		r = 1;
	}
	for (size_t k = 0; k < (size_t)r; k++) {
		int32_t o = out[k];

		if (o < 0x80) {
			out[k] = ascii_tab[o] & 0xff;
			if (ascii_tab[o] & A_SQZ)
				*sqz |= (uint32_t)1 << k;
		} else if (norm_is_space_cp(o)) {
			out[k] = ' ';
			*sqz |= (uint32_t)1 << k;
		} else if (norm_quote(o) != o)
			out[k] = norm_quote(o);
		else if (norm_is_letter_cp(o))
			*sqz |= (uint32_t)1 << k;
	}
	return (size_t)r;
}

/*
 * The fold of cp, from the cache or computed into buf (FOLD_BUF entries);
 * *outp points at the code points. Returns their number.
 */
static size_t
norm_fold_cached(int32_t cp, int32_t *buf, const int32_t **outp, uint32_t *sqz)
{
	struct fold_ent *ce;
	size_t n;

	ce = &fold_cache[((uint32_t)cp * 2654435761u) >> (32 - FOLD_CACHE_BITS)];
	if (ce->cp == cp) {
		*outp = ce->out;
		*sqz = ce->sqz;
		return ce->n;
	}
	n = norm_fold_cp(cp, buf, sqz);
	*outp = buf;
	if (n <= FOLD_CACHED) {
		ce->cp = cp;
		ce->n = (uint8_t)n;
		ce->sqz = (uint8_t)*sqz;
		memcpy(ce->out, buf, n * sizeof(*buf));
	}
	return n;
}

/*
 * Decodes the code point at p[0..n), n > 0. Input is valid UTF-8 by
 * contract; anything else still never reads past n and becomes U+FFFD for
 * one byte, so a caller's mistake cannot turn into a memory error.
 */
static size_t
norm_decode(const unsigned char *p, size_t n, int32_t *cpp)
{
	unsigned c = p[0];
	size_t len;
	int32_t cp;

	if (c < 0x80) {
		*cpp = (int32_t)c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		goto bad;
	if (len > n)
		goto bad;
	for (size_t k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			goto bad;
		cp = (cp << 6) | (p[k] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		goto bad;
	*cpp = cp;
	return len;
bad:
	*cpp = 0xfffd;
	return 1;
}

static size_t
norm_encode(char *t, int32_t cp)
{
	if (cp < 0x80) {
		t[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		t[0] = (char)(0xc0 | (cp >> 6));
		t[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		t[0] = (char)(0xe0 | (cp >> 12));
		t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	t[0] = (char)(0xf0 | (cp >> 18));
	t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	t[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	t[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

void
norm_init(struct norm_buf *nb)
{
	nb->text = NULL;
	nb->map = NULL;
	nb->len = nb->cap = 0;
}

void
norm_free(struct norm_buf *nb)
{
	free(nb->text);
	free(nb->map);
	norm_init(nb);
}

/* cap counts bytes of text and entries of map, so map always has len + 1. */
static void
norm_reserve(struct norm_buf *nb, size_t need)
{
	size_t cap;

	if (need <= nb->cap)
		return;
	cap = nb->cap ? nb->cap : 64;
	while (cap < need)
		cap *= 2;
	nb->text = xreallocarray(nb->text, cap, 1);
	nb->map = xreallocarray(nb->map, cap, sizeof(*nb->map));
	nb->cap = cap;
}

int
norm_fold(struct norm_buf *nb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t prev = ' ';
	size_t i = 0, o = 0, n, nout;
	int32_t cp, buf[FOLD_BUF];
	const int32_t *out;
	uint32_t sqz;
	char *t;
	uint32_t *m;

	/* ASCII output is never longer than its input: no checks in the loop. */
	norm_reserve(nb, len + 1);
	t = nb->text;
	m = nb->map;
	for (;;) {
		/*
		 * Branch-free apart from the loop test: the byte and its offset
		 * are always stored and o only advances when the byte is kept.
		 * A dropped byte equals prev, so prev can be updated blindly.
		 */
		for (; i < len && p[i] < 0x80; i++) {
			unsigned e = ascii_tab[p[i]];
			unsigned f = e & 0xff;

			t[o] = (char)f;
			m[o] = (uint32_t)i;
			o += 1 - ((e >> 8) & (unsigned)(f == prev));
			prev = f;
		}
		if (i >= len)
			break;

		n = norm_decode(p + i, len - i, &cp);
		nout = norm_fold_cached(cp, buf, &out, &sqz);
		/* Room for this fold plus the rest of the input as ASCII. */
		if (o + 4 * nout + (len - i - n) + 1 > nb->cap) {
			norm_reserve(nb, o + 4 * nout + (len - i - n) + 1);
			t = nb->text;
			m = nb->map;
		}
		for (size_t k = 0; k < nout; k++) {
			uint32_t oc = (uint32_t)out[k];
			size_t w;

			if (((sqz >> k) & 1) && oc == prev)
				continue;
			w = norm_encode(t + o, out[k]);
			for (size_t b = 0; b < w; b++)
				m[o + b] = (uint32_t)i;
			o += w;
			prev = oc;
		}
		i += n;
	}
	if (o > 0 && t[o - 1] == ' ')
		o--;
	t[o] = '\0';
	m[o] = (uint32_t)len;
	nb->len = o;
	return 0;
}

char *
norm_fold_str(const char *s, size_t len, size_t *outlen)
{
	struct norm_buf nb;

	norm_init(&nb);
	norm_fold(&nb, s, len);
	free(nb.map);
	if (outlen != NULL)
		*outlen = nb.len;
	return nb.text;
}

int
norm_is_word_cp(int32_t cp)
{
	if (cp >= 0 && cp < 0x80)
		return (ascii_tab[cp] & A_WORD) != 0;
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return 1;
	default:
		return 0;
	}
}

int
norm_word_before(const char *text, size_t pos)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t st;
	int32_t cp;

	if (pos == 0)
		return 0;
	if (p[pos - 1] < 0x80)
		return (ascii_tab[p[pos - 1]] & A_WORD) != 0;
	st = pos - 1;
	while (st > 0 && pos - st < 4 && (p[st] & 0xc0) == 0x80)
		st--;
	norm_decode(p + st, pos - st, &cp);
	return norm_is_word_cp(cp);
}

int
norm_word_after(const char *text, size_t len, size_t pos)
{
	const unsigned char *p = (const unsigned char *)text;
	int32_t cp;

	if (pos >= len)
		return 0;
	if (p[pos] < 0x80)
		return (ascii_tab[p[pos]] & A_WORD) != 0;
	norm_decode(p + pos, len - pos, &cp);
	return norm_is_word_cp(cp);
}
