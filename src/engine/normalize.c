/*
 * normalize.c: text folding with an offset map (see normalize.h).
 *
 * The fold is a function of each code point alone, followed by two rules
 * on the stream of output code points:
 *
 *   1. A ' ' right after a ' ' is dropped. White space folds to ' ', so
 *      this collapses white-space runs; starting as if a ' ' had just been
 *      emitted drops leading white space, and one check at the end drops
 *      the trailing ' '.
 *   2. A run of three or more equal letters keeps its first letter; a run
 *      of two stays ("lamaaa" -> "lama", "good" stays "good").
 *
 * The main pass does the per code point fold and rule 1: ASCII sixteen
 * bytes at a time with SSE2, eight at a time with word arithmetic, then a
 * table per byte; other code points through utf8proc and a cache. Rule 2
 * never drops anything in the ASCII paths, which keeps them simple. For
 * non-ASCII letters the main pass applies it as it goes: it handles those
 * one code point at a time anyway, and the third of a run takes back the
 * second, which was the last thing emitted. ASCII letters get a post-pass
 * over the folded output: a quick scan for three equal letters in a row
 * (sixteen or eight bytes at a time) finds none in most texts, and then
 * nothing is copied; otherwise the output is compacted in place from the
 * first run, carrying the map. Either way a run keeps its first letter
 * with that letter's offsets. No code point is both an ASCII and a
 * non-ASCII letter, so the two halves of rule 2 never meet.
 *
 * Rule 1 only looks at a code point and its predecessor, so it keeps the
 * fold of a substring a substring of the fold of the whole. Rule 2 looks
 * at whole runs, so a substring that begins or ends inside a run of equal
 * letters can fold differently from the same place in the whole; see
 * normalize.h for what holds.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

/*
 * NORM_SSE2 and NORM_SWAR may be defined to 0 on the command line to test
 * the paths a target without them takes.
 */
#ifndef NORM_SSE2
#if defined(__SSE2__)
#define NORM_SSE2	1
#else
#define NORM_SSE2	0
#endif
#endif
#if NORM_SSE2
#include <emmintrin.h>
#endif

#include "engine/normalize.h"
#include "lib/util.h"

/*
 * ASCII never reaches utf8proc: one table gives the folded byte (bits 0-7),
 * whether a repeat of it is dropped in the main pass (white space only;
 * runs of letters are left to the post-pass) and whether it is a word
 * character. Built at compile time so that there is nothing to initialise
 * and nothing to race on between threads.
 */
#define A_SQZ	0x100
#define A_WORD	0x200

#define A_UPPER(c)	((c) >= 'A' && (c) <= 'Z')
#define A_LOWER(c)	((c) >= 'a' && (c) <= 'z')
#define A_DIGIT(c)	((c) >= '0' && (c) <= '9')
#define A_SPACE(c)	((c) == ' ' || ((c) >= '\t' && (c) <= '\r'))
#define A_ENT(c)	((uint16_t)((A_UPPER(c) ? (c) + 32 : A_SPACE(c) ? ' ' : (c)) |	\
	(A_SPACE(c) ? A_SQZ : 0) |							\
	(A_UPPER(c) || A_LOWER(c) || A_DIGIT(c) || (c) == '_' ? A_WORD : 0)))
#define A_4(c)	A_ENT(c), A_ENT((c) + 1), A_ENT((c) + 2), A_ENT((c) + 3)
#define A_16(c)	A_4(c), A_4((c) + 4), A_4((c) + 8), A_4((c) + 12)
#define A_64(c)	A_16(c), A_16((c) + 16), A_16((c) + 32), A_16((c) + 48)

static const uint16_t ascii_tab[128] = { A_64(0), A_64(64) };

/*
 * Word-at-a-time helpers for bytes known to be below 0x80, so that adding
 * up to 0x7f never carries into the next byte. Each yields 0x80 in every
 * byte that satisfies the test and 0 elsewhere.
 */
#ifndef NORM_SWAR
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NORM_SWAR	1
#else
#define NORM_SWAR	0
#endif
#endif
#define SW_B(x)		(UINT64_C(0x0101010101010101) * (uint64_t)(x))
#define SW_RANGE(w, lo, hi)	\
	(((w) + SW_B(0x80 - (lo))) & ~((w) + SW_B(0x80 - (hi) - 1)) & SW_B(0x80))
/* Exact, for any byte values: 0x80 where the byte of x is zero. */
#define SW_ZERO(x)	(~((((x) & SW_B(0x7f)) + SW_B(0x7f)) | (x)) & SW_B(0x80))

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
	uint8_t let;		/* bit k: out[k] is a non-ASCII letter */
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
 * bit k of *let when out[k] is a non-ASCII letter (a run of three of those
 * collapses; ASCII letters are found in the output bytes instead). White
 * space becomes ' ', which is what the main pass squeezes. Returns the
 * number of code points.
 * Spaces and quotes are tested before decomposing because compatibility
 * decomposition would otherwise change them first (U+2033 would become
 * two primes, U+2028 stays as it is).
 */
static size_t
norm_fold_cp(int32_t cp, int32_t *out, uint32_t *let)
{
	utf8proc_ssize_t r;
	int32_t q;
	int bound = 0;

	*let = 0;
	if (norm_is_space_cp(cp)) {
		out[0] = ' ';
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

		if (o < 0x80)
			out[k] = ascii_tab[o] & 0xff;
		else if (norm_is_space_cp(o))
			out[k] = ' ';
		else if (norm_quote(o) != o)
			out[k] = norm_quote(o);
		else if (norm_is_letter_cp(o))
			*let |= (uint32_t)1 << k;
	}
	return (size_t)r;
}

/*
 * The fold of cp, from the cache or computed into buf (FOLD_BUF entries);
 * *outp points at the code points. Returns their number.
 */
static size_t
norm_fold_cached(int32_t cp, int32_t *buf, const int32_t **outp, uint32_t *let)
{
	struct fold_ent *ce;
	size_t n;

	ce = &fold_cache[((uint32_t)cp * 2654435761u) >> (32 - FOLD_CACHE_BITS)];
	if (ce->cp == cp) {
		*outp = ce->out;
		*let = ce->let;
		return ce->n;
	}
	n = norm_fold_cp(cp, buf, let);
	*outp = buf;
	if (n <= FOLD_CACHED) {
		ce->cp = cp;
		ce->n = (uint8_t)n;
		ce->let = (uint8_t)*let;
		memcpy(ce->out, buf, n * sizeof(*buf));
	}
	return n;
}

/*
 * Decodes the code point at p[0..n), n > 0. Input is valid UTF-8 by
 * contract; anything else still never reads past n and becomes U+FFFD for
 * one byte, so a caller's mistake cannot turn into a memory error.
 */
static inline size_t
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

#if NORM_SSE2
/*
 * The same as norm_fold_word below, sixteen bytes at a time with SSE2
 * (part of x86-64 itself, so there is nothing to detect at run time).
 * Bytes below 0x80 are positive as signed, so signed compares work.
 */
static inline __attribute__((always_inline)) size_t
norm_fold_16(char *t, uint32_t *m, size_t o, size_t i, __m128i w, unsigned r, uint32_t *prev,
    int wm)
{
	__m128i up, ws, f, pf, idx[4];
	unsigned drop, nd;

	up = _mm_and_si128(_mm_cmpgt_epi8(w, _mm_set1_epi8('A' - 1)),
	    _mm_cmplt_epi8(w, _mm_set1_epi8('Z' + 1)));
	ws = _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(w, _mm_set1_epi8('\t' - 1)),
	    _mm_cmplt_epi8(w, _mm_set1_epi8('\r' + 1))), _mm_cmpeq_epi8(w, _mm_set1_epi8(' ')));
	f = _mm_or_si128(w, _mm_and_si128(up, _mm_set1_epi8(0x20)));
	f = _mm_or_si128(_mm_andnot_si128(ws, f), _mm_and_si128(ws, _mm_set1_epi8(' ')));
	pf = _mm_or_si128(_mm_slli_si128(f, 1), _mm_cvtsi32_si128(*prev < 0x80 ? (int)*prev : 0x80));
	drop = (unsigned)_mm_movemask_epi8(_mm_and_si128(ws, _mm_cmpeq_epi8(f, pf)));
	drop &= (1u << r) - 1;
	*prev = ((unsigned char *)&f)[r - 1];
	for (int k = 0; k < 4; k++)
		idx[k] = _mm_add_epi32(_mm_set1_epi32((int)i),
		    _mm_setr_epi32(4 * k, 4 * k + 1, 4 * k + 2, 4 * k + 3));
	/*
	 * Remove the dropped lanes one at a time, lowest first: the lanes
	 * above one move down by one, and so do their offsets. Only white
	 * space is dropped here and a block rarely has more than one or two
	 * repeats of it, so this beats a byte loop.
	 */
	for (nd = 0; drop != 0; nd++, drop &= drop - 1) {
		int d = __builtin_ctz(drop) - (int)nd;
		__m128i low = _mm_cmpgt_epi8(_mm_set1_epi8((char)d),
		    _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));

		f = _mm_or_si128(_mm_and_si128(low, f), _mm_andnot_si128(low, _mm_srli_si128(f, 1)));
		for (int k = 0; k < 4 && wm; k++)
			idx[k] = _mm_sub_epi32(idx[k], _mm_cmpgt_epi32(_mm_setr_epi32(4 * k,
			    4 * k + 1, 4 * k + 2, 4 * k + 3), _mm_set1_epi32(d - 1)));
	}
	_mm_storeu_si128((__m128i *)(void *)(t + o), f);
	for (int k = 0; k < 4 && wm; k++)
		_mm_storeu_si128((__m128i *)(void *)(m + o + 4 * (size_t)k), idx[k]);
	return o + r - nd;
}
#endif

#if NORM_SWAR
/*
 * Folds the first r (1..8) bytes of w, all ASCII, from s[i]; the output
 * goes to t + o with its map, and the new o is returned. Word arithmetic
 * folds case and white space and finds the white space to squeeze; only a
 * word with something to drop is compacted byte by byte. It always stores 8
 * bytes and 8 map entries: the caller has at least 8 bytes of input left,
 * and cap >= o + (len - i) + 1 holds (see the reserves in norm_fold).
 */
static inline __attribute__((always_inline)) size_t
norm_fold_word(char *t, uint32_t *m, size_t o, size_t i, uint64_t w, size_t r, uint32_t *prev,
    int wm)
{
	uint64_t up, ws, wsmask, f, drop;

	up = SW_RANGE(w, 'A', 'Z');
	ws = SW_RANGE(w, '\t', '\r') | SW_ZERO(w ^ SW_B(' '));
	wsmask = (ws - (ws >> 7)) | ws;
	f = ((w | (up >> 2)) & ~wsmask) | (wsmask & SW_B(' '));
	drop = ws & SW_ZERO(f ^ ((f << 8) | (*prev < 0x80 ? *prev : 0x80)));
	if (r < 8)
		drop &= (UINT64_C(1) << (8 * r)) - 1;
	memcpy(t + o, &f, 8);
	if (drop == 0) {
		for (size_t k = 0; k < 8 && wm; k++)
			m[o + k] = (uint32_t)(i + k);
		o += r;
	} else {
		for (size_t k = 0; k < r; k++) {
			t[o] = (char)(f >> (8 * k));
			if (wm)
				m[o] = (uint32_t)(i + k);
			o += 1 - ((drop >> (8 * k + 7)) & 1);
		}
	}
	*prev = (uint32_t)(f >> (8 * (r - 1))) & 0xff;
	return o;
}
#endif

/*
 * The first i >= from where t[i], t[i + 1] and t[i + 2] are the same ASCII
 * letter, or n when there is none. Bytes below 0x80 are whole code points
 * in UTF-8, so that is three equal letters. Reads nothing at or past t[n].
 */
static size_t
norm_find_run(const char *t, size_t from, size_t n)
{
	size_t i = from;

#if NORM_SSE2
	for (; n - i >= 18; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(t + i + 1));
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(t + i + 2));
		/* bytes from 0x80 up are negative as signed: never letters */
		__m128i let = _mm_and_si128(_mm_cmpgt_epi8(a, _mm_set1_epi8('a' - 1)),
		    _mm_cmplt_epi8(a, _mm_set1_epi8('z' + 1)));
		unsigned hit = (unsigned)_mm_movemask_epi8(_mm_and_si128(let,
		    _mm_and_si128(_mm_cmpeq_epi8(a, b), _mm_cmpeq_epi8(a, c))));

		if (hit != 0)
			return i + (size_t)__builtin_ctz(hit);
	}
#endif
	/*
	 * Eight at a time, in any byte order: nothing carries from one byte
	 * to the next (the range test sees the low seven bits, and bytes from
	 * 0x80 up are masked out after). A hit is exact; the byte loop below
	 * then finds it among the next eight.
	 */
	for (; n - i >= 10; i += 8) {
		uint64_t a, b, c;

		memcpy(&a, t + i, 8);
		memcpy(&b, t + i + 1, 8);
		memcpy(&c, t + i + 2, 8);
		if ((SW_RANGE(a & SW_B(0x7f), 'a', 'z') & ~a & SW_ZERO(a ^ b) & SW_ZERO(a ^ c)) != 0)
			break;
	}
	/* Equal neighbours are rare: test that first, it predicts well. */
	for (; n - i >= 3; i++)
		if (t[i] == t[i + 1] && t[i] == t[i + 2] && t[i] >= 'a' && t[i] <= 'z')
			return i;
	return n;
}

/*
 * The post-pass of rule 2 for ASCII letters (the main pass has done the
 * others), in place: every run of three or more equal letters keeps its
 * first letter and that letter's map entries (m may be NULL: no map); the
 * stretches between runs move down in one piece each. Returns the new
 * length.
 */
static size_t
norm_collapse_runs(char *t, uint32_t *m, size_t o)
{
	size_t i = norm_find_run(t, 0, o), j = i, r;

	while (i < o) {
		char c = t[i];

		t[j] = c;
		if (m != NULL)
			m[j] = m[i];
		j++;
		for (i += 3; i < o && t[i] == c; i++)
			;
		r = norm_find_run(t, i, o);
		memmove(t + j, t + i, r - i);
		if (m != NULL)
			memmove(m + j, m + i, (r - i) * sizeof(*m));
		j += r - i;
		i = r;
	}
	return j;
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

/*
 * The fold's output and the state of its two rules, carried between its
 * ASCII and non-ASCII paths. A local of norm_fold_any that its inlined
 * helpers share, so it lives in registers.
 */
struct fold_out {
	char *t;
	uint32_t *m;
	size_t o;	/* bytes of t written */
	uint32_t prev;	/* the code point written last, ' ' at the start */
	uint32_t nrep;	/* repeats of prev when it is a non-ASCII letter */
};

/*
 * The ASCII bytes from p[i]: sixteen, then eight at a time, then one by
 * one. Returns where they end: len or a non-ASCII byte. A block with a
 * non-ASCII byte contributes the ASCII bytes before it, so the way back
 * here from the slow path is one branch.
 */
static inline __attribute__((always_inline)) size_t
norm_fold_ascii(struct fold_out *fo, const unsigned char *p, size_t i, size_t len, int wm)
{
#if NORM_SSE2
	while (len - i >= 16) {
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		unsigned hi = (unsigned)_mm_movemask_epi8(w);

		if (hi == 0) {
			fo->o = norm_fold_16(fo->t, fo->m, fo->o, i, w, 16, &fo->prev, wm);
			i += 16;
		} else {
			unsigned r = (unsigned)__builtin_ctz(hi);

			if (r > 0) {
				fo->o = norm_fold_16(fo->t, fo->m, fo->o, i, w, r, &fo->prev, wm);
				i += r;
			}
			break;
		}
	}
	if (i < len && p[i] >= 0x80)
		return i;
#endif
#if NORM_SWAR
	while (len - i >= 8) {
		uint64_t w, hi;

		memcpy(&w, p + i, 8);
		if ((hi = w & SW_B(0x80)) == 0) {
			fo->o = norm_fold_word(fo->t, fo->m, fo->o, i, w, 8, &fo->prev, wm);
			i += 8;
		} else {
			size_t r = (size_t)__builtin_ctzll(hi) / 8;

			if (r > 0) {
				fo->o = norm_fold_word(fo->t, fo->m, fo->o, i,
				    w & ((UINT64_C(1) << (8 * r)) - 1), r, &fo->prev, wm);
				i += r;
			}
			break;
		}
	}
#endif
	/*
	 * Branch-free apart from the loop test: the byte and its offset are
	 * always stored and o only advances when the byte is kept. A dropped
	 * byte equals prev, so prev can be updated blindly.
	 */
	for (; i < len && p[i] < 0x80; i++) {
		unsigned e = ascii_tab[p[i]];
		unsigned f = e & 0xff;

		fo->t[fo->o] = (char)f;
		if (wm)
			fo->m[fo->o] = (uint32_t)i;
		fo->o += 1 - ((e >> 8) & (unsigned)(f == fo->prev));
		fo->prev = f;
	}
	return i;
}

/*
 * The non-ASCII code point at p[i] (n bytes), decoded and folded, with the
 * rules applied to what it folds to. Returns the offset after it.
 */
static inline __attribute__((always_inline)) size_t
norm_fold_nonascii(struct norm_buf *nb, struct fold_out *fo, const unsigned char *p, size_t i,
    size_t len, int wm)
{
	int32_t cp, buf[FOLD_BUF];
	const int32_t *out;
	uint32_t let;
	size_t n, nout;

	n = norm_decode(p + i, len - i, &cp);
	nout = norm_fold_cached(cp, buf, &out, &let);
	/* Room for this fold plus the rest of the input as ASCII. */
	if (fo->o + 4 * nout + (len - i - n) + 1 > nb->cap) {
		norm_reserve(nb, fo->o + 4 * nout + (len - i - n) + 1);
		fo->t = nb->text;
		fo->m = nb->map;
	}
	/*
	 * Rule 1, and rule 2 for non-ASCII letters: nrep counts the repeats of
	 * prev, the code point emitted last, when it is a non-ASCII letter.
	 * The third of a run takes back the second, which is the last thing
	 * emitted, and what follows is dropped, so the run keeps its first
	 * letter with that letter's offsets. nrep goes stale while the ASCII
	 * paths run, but they always leave an ASCII prev behind (a byte they
	 * drop is a ' ' equal to prev), so the next non-ASCII code point
	 * resets it.
	 */
	for (size_t k = 0; k < nout; k++) {
		uint32_t oc = (uint32_t)out[k];
		size_t w;

		if (oc != fo->prev)
			fo->nrep = 0;
		else if (oc == ' ')
			continue;
		else if (((let >> k) & 1) && ++fo->nrep >= 2) {
			if (fo->nrep == 2)
				fo->o -= oc < 0x800 ? 2 : oc < 0x10000 ? 3 : 4;
			continue;
		}
		w = norm_encode(fo->t + fo->o, out[k]);
		for (size_t b = 0; b < w && wm; b++)
			fo->m[fo->o + b] = (uint32_t)i;
		fo->o += w;
		fo->prev = oc;
	}
	return i + n;
}

/*
 * The fold, with the map when wm is set. Inlined into both callers, so
 * that the test goes away and the fold without the map stores nothing but
 * the text.
 */
static inline __attribute__((always_inline)) int
norm_fold_any(struct norm_buf *nb, const char *s, size_t len, int wm)
{
	const unsigned char *p = (const unsigned char *)s;
	struct fold_out fo;
	size_t i = 0;

	/* ASCII output is never longer than its input: no checks in its paths. */
	norm_reserve(nb, len + 1);
	fo.t = nb->text;
	fo.m = nb->map;
	fo.o = 0;
	fo.prev = ' ';
	fo.nrep = 0;
	for (;;) {
		i = norm_fold_ascii(&fo, p, i, len, wm);
		if (i >= len)
			break;
		i = norm_fold_nonascii(nb, &fo, p, i, len, wm);
	}
	if (fo.o > 0 && fo.t[fo.o - 1] == ' ')
		fo.o--;
	fo.o = norm_collapse_runs(fo.t, wm ? fo.m : NULL, fo.o);
	fo.t[fo.o] = '\0';
	if (wm)
		fo.m[fo.o] = (uint32_t)len;
	nb->len = fo.o;
	return 0;
}

int
norm_fold(struct norm_buf *nb, const char *s, size_t len)
{
	return norm_fold_any(nb, s, len, 1);
}

int
norm_fold_text(struct norm_buf *nb, const char *s, size_t len)
{
	return norm_fold_any(nb, s, len, 0);
}

char *
norm_fold_str(const char *s, size_t len, size_t *outlen)
{
	struct norm_buf nb;

	norm_init(&nb);
	norm_fold_text(&nb, s, len);
	free(nb.map);
	if (outlen != NULL)
		*outlen = nb.len;
	return nb.text;
}

/*
 * Reduplication (normalize.h). A '2' to expand is marked 0xff in a first
 * pass (a byte valid UTF-8 never holds, so the second pass knows it without
 * looking at neighbours it may already have overwritten). The second pass
 * moves the text up from the end, so that nothing is read after it is
 * written.
 */
#define REDUP_MARK '\xff'

static int
redup_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/*
 * Question words doubled are indefinites with a meaning of their own
 * ("apa2" is "anything", "kemana2" "anywhere", "ga kenapa2" "I am fine"):
 * the base word must not match them, so they are not expanded.
 */
static int
redup_question(const char *w, size_t n)
{
	static const char *const q[] = {"apa",    "siapa",  "mana",    "kemana",
	                                "dimana", "kapan",  "berapa",  "bagaimana",
	                                "gimana", "kenapa", "mengapa", "napa"};

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		if (strlen(q[i]) == n && memcmp(q[i], w, n) == 0)
			return 1;
	return 0;
}

/*
 * The length of the base word that ends at t[e]: ASCII letters from a word
 * start, at least NORM_REDUP_MIN of them, two of them vowels (a word of two
 * syllables, where abbreviations such as "ojk" or "gen" have one), not a
 * question word; 0 when there is none.
 */
static size_t
redup_base_before(const char *t, size_t e)
{
	size_t s = e;
	int vowels = 0;

	while (s > 0 && t[s - 1] >= 'a' && t[s - 1] <= 'z')
		vowels += redup_vowel(t[--s]);
	if (e - s < NORM_REDUP_MIN || vowels < 2 || norm_word_before(t, s) ||
	    redup_question(t + s, e - s))
		return 0;
	return e - s;
}

/* Marks "X2" at word ends; returns the bytes the copies will add. */
static size_t
redup_mark_twos(char *t, size_t o)
{
	size_t grow = 0, n;
	char *p = t;

	while ((p = memchr(p, '2', o - (size_t)(p - t))) != NULL) {
		size_t i = (size_t)(p - t);

		p++;
		/* "web2.0" and "versi2,5" are numbers */
		if (norm_word_after(t, o, i + 1) || (n = redup_base_before(t, i)) == 0 ||
		    (o - i > 2 && (t[i + 1] == '.' || t[i + 1] == ',') && t[i + 2] >= '0' &&
		     t[i + 2] <= '9'))
			continue;
		t[i] = REDUP_MARK;
		grow += n;
	}
	return grow;
}

void
norm_redup(struct norm_buf *nb, int with_map)
{
	size_t o = nb->len, grow, i, j;
	char *t = nb->text;
	uint32_t *m;

	if (o == 0 || memchr(t, '2', o) == NULL || (grow = redup_mark_twos(t, o)) == 0)
		return;
	norm_reserve(nb, o + grow + 1);
	t = nb->text;
	m = with_map ? nb->map : NULL;
	i = o;
	j = o + grow;
	t[j] = '\0';
	if (m != NULL)
		m[j] = m[i];
	while (i > 0) {
		size_t n, at;

		if (t[--i] != REDUP_MARK) {
			t[--j] = t[i];
			if (m != NULL)
				m[j] = m[i];
			continue;
		}
		for (n = 0; n < i && t[i - n - 1] >= 'a' && t[i - n - 1] <= 'z'; n++)
			;
		/* the '-' and the copy of X; the first X is then moved like the rest */
		j -= n + 1;
		memmove(t + j + 1, t + i - n, n);
		t[j] = '-';
		for (at = j; m != NULL && at <= j + n; at++)
			m[at] = m[i];
	}
	nb->len = o + grow;
}

char *
norm_redup_spaced(const char *k, size_t len, size_t *outlen)
{
	char *alt = NULL;
	size_t n;

	for (size_t i = 0; i < len; i++) {
		if (k[i] != ' ' || (n = redup_base_before(k, i)) == 0 || len - i - 1 < n ||
		    memcmp(k + i - n, k + i + 1, n) != 0 || norm_word_after(k, len, i + 1 + n))
			continue;
		if (alt == NULL)
			alt = xstrndup(k, len);
		alt[i] = '-';
	}
	if (alt != NULL)
		*outlen = len;
	return alt;
}

char *
norm_fold_key(const char *s, size_t len, size_t *outlen)
{
	struct norm_buf nb;

	norm_init(&nb);
	norm_fold_text(&nb, s, len);
	norm_redup(&nb, 0);
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
