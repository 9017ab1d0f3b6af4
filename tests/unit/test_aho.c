#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/aho.h"
#include "lib/util.h"
#include "unit.h"

struct hit {
	uint32_t id;
	size_t end;
};

struct hits {
	struct hit *v;
	size_t n, cap;
	size_t stop_after;	/* return non-zero once this many were seen; 0: never */
	int out_of_order;
};

static void
hits_add(struct hits *h, uint32_t id, size_t end)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->v = xreallocarray(h->v, h->cap, sizeof(*h->v));
	}
	h->v[h->n].id = id;
	h->v[h->n].end = end;
	h->n++;
}

static int
on_hit(void *arg, uint32_t id, size_t end)
{
	struct hits *h = arg;

	if (h->n > 0 && end < h->v[h->n - 1].end)
		h->out_of_order = 1;
	hits_add(h, id, end);
	return h->stop_after != 0 && h->n >= h->stop_after;
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* qsort wants a valid pointer even for no elements. */
static void
hits_sort(struct hit *v, size_t n)
{
	if (n > 0)
		qsort(v, n, sizeof(*v), hit_cmp);
}

static struct aho *
build(const char *const *pats, size_t n)
{
	struct aho_builder *b = aho_builder_new();

	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(aho_add(b, pats[i], strlen(pats[i]), (uint32_t)i), 0);
	return aho_build(b);
}

/* Scans text and checks the hits, given as (id, end) pairs in any order. */
static void
scan_is(const struct aho *a, const char *text, const struct hit *want, size_t nwant)
{
	struct hits h = { 0 };
	struct hit *w = xreallocarray(NULL, nwant, sizeof(*w));

	aho_scan(a, text, strlen(text), on_hit, &h);
	ck_assert(!h.out_of_order);
	ck_assert_msg(h.n == nwant, "\"%s\": %zu hits, want %zu", text, h.n, nwant);
	if (nwant > 0)
		memcpy(w, want, nwant * sizeof(*w));
	hits_sort(h.v, h.n);
	hits_sort(w, nwant);
	for (size_t i = 0; i < nwant; i++)
		ck_assert_msg(h.v[i].id == w[i].id && h.v[i].end == w[i].end,
		    "\"%s\": hit %zu is (%u, %zu), want (%u, %zu)", text, i, h.v[i].id,
		    h.v[i].end, w[i].id, w[i].end);
	free(h.v);
	free(w);
}

START_TEST(test_single)
{
	static const char *const p[] = { "login" };
	static const struct hit w1[] = { { 0, 11 }, { 0, 22 } };
	static const struct hit w2[] = { { 0, 5 }, { 0, 10 } };
	struct aho *a = build(p, 1);

	scan_is(a, "gagal login lagi login", w1, 2);
	scan_is(a, "login", w2, 1);
	scan_is(a, "loginlogin", w2, 2);
	aho_free(a);
}
END_TEST

START_TEST(test_overlap)
{
	static const char *const p[] = { "he", "she", "his", "hers" };
	static const struct hit w1[] = { { 1, 4 }, { 0, 4 }, { 3, 6 } };
	static const struct hit w2[] = { { 2, 4 }, { 1, 8 }, { 0, 8 }, { 0, 11 }, { 0, 13 },
		{ 3, 15 } };
	struct aho *a = build(p, 4);

	scan_is(a, "ushers", w1, 3);
	scan_is(a, "hhis she hehers", w2, 6);
	aho_free(a);
}
END_TEST

START_TEST(test_same_bytes)
{
	struct aho_builder *b = aho_builder_new();
	static const struct hit w[] = { { 7, 3 }, { 9, 3 }, { 7, 7 }, { 9, 7 } };
	struct aho *a;

	aho_add(b, "abc", 3, 7);
	aho_add(b, "abc", 3, 9);
	aho_add(b, "abc", 3, 7);	/* the same pattern twice is reported once */
	a = aho_build(b);
	ck_assert_uint_eq(aho_patterns(a), 3);
	ck_assert_uint_eq(aho_states(a), 4);
	scan_is(a, "abc abc", w, 4);
	aho_free(a);
}
END_TEST

START_TEST(test_suffixes)
{
	/* Each is a suffix of the next: hits come through dictionary links. */
	static const char *const p[] = { "a", "ba", "cba", "dcba", "bc", "xbcy" };
	static const struct hit w1[] = { { 0, 4 }, { 1, 4 }, { 2, 4 }, { 3, 4 } };
	static const struct hit w2[] = { { 4, 3 }, { 0, 5 }, { 1, 5 }, { 2, 5 } };
	static const struct hit w3[] = { { 4, 3 }, { 5, 4 } };
	struct aho *a = build(p, 6);

	scan_is(a, "dcba", w1, 4);
	scan_is(a, "xbcba", w2, 4);
	scan_is(a, "xbcy", w3, 2);
	aho_free(a);
}
END_TEST

START_TEST(test_utf8)
{
	static const char *const p[] = {
		"caf\xc3\xa9", "\xf0\x9f\x98\xa1", "\xc3\xa9", "\xe4\xb8\xad\xe6\x96\x87", "\xa9",
	};
	/* "café 😡 中文 e" */
	const char *t = "caf\xc3\xa9 \xf0\x9f\x98\xa1 \xe4\xb8\xad\xe6\x96\x87 e";
	static const struct hit w[] = { { 0, 5 }, { 2, 5 }, { 4, 5 }, { 1, 10 }, { 3, 17 } };
	struct aho *a = build(p, 5);

	scan_is(a, t, w, 5);
	aho_free(a);
}
END_TEST

START_TEST(test_no_false_hits)
{
	static const char *const p[] = { "login", "refund", "tidak bisa" };
	struct aho *a = build(p, 3);

	scan_is(a, "", NULL, 0);
	scan_is(a, "logi ogin LOGIN log in refun efund tidak  bisa tidakbisa", NULL, 0);
	aho_free(a);
}
END_TEST

START_TEST(test_empty)
{
	struct aho_builder *b = aho_builder_new();
	struct aho *a;

	ck_assert_int_eq(aho_add(b, "x", 0, 1), -1);
	a = aho_build(b);
	ck_assert_uint_eq(aho_patterns(a), 0);
	ck_assert_uint_eq(aho_states(a), 1);
	scan_is(a, "anything at all", NULL, 0);
	aho_free(a);
	aho_free(NULL);
}
END_TEST

START_TEST(test_stop)
{
	static const char *const p[] = { "he", "she", "his", "hers", "a" };
	struct aho *a = build(p, 5);
	struct hits h = { 0 };

	/* Stops inside one state's output set: "she" then "he" end together. */
	h.stop_after = 1;
	aho_scan(a, "ushers", 6, on_hit, &h);
	ck_assert_uint_eq(h.n, 1);
	ck_assert_uint_eq(h.v[0].end, 4);
	h.n = 0;
	h.stop_after = 3;
	aho_scan(a, "a a a a a a", 11, on_hit, &h);
	ck_assert_uint_eq(h.n, 3);
	ck_assert_uint_eq(h.v[2].end, 5);
	free(h.v);
	aho_free(a);
}
END_TEST

START_TEST(test_stats)
{
	static const char *const p[] = { "he", "she", "his", "hers" };
	struct aho *a = build(p, 4);

	ck_assert_uint_eq(aho_patterns(a), 4);
	/* root, h, he, her, hers, hi, his, s, sh, she */
	ck_assert_uint_eq(aho_states(a), 10);
	ck_assert_uint_gt(aho_memory(a), 10 * 4);
	ck_assert_uint_lt(aho_memory(a), 64 * 1024);
	aho_free(a);
}
END_TEST

/* A fixed-seed PRNG so that failures reproduce. */
static uint64_t rng_state;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

struct set {
	char **pat;
	size_t *len;
	uint32_t *id;
	char *dup;	/* the same bytes and id as an earlier pattern */
	size_t n;
};

static void
set_free(struct set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->pat[i]);
	free(s->pat);
	free(s->len);
	free(s->id);
	free(s->dup);
}

/* Random pieces of the alphabet; alphabet entries may be multi-byte. */
static void
gen_piece(struct buf *b, const char *const *alpha, size_t nalpha, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_adds(b, alpha[rng() % nalpha]);
}

static const struct set *sort_set;

static int
pat_cmp(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct set *s = sort_set;
	int r;

	if (s->id[i] != s->id[j])
		return s->id[i] < s->id[j] ? -1 : 1;
	if (s->len[i] != s->len[j])
		return s->len[i] < s->len[j] ? -1 : 1;
	if ((r = memcmp(s->pat[i], s->pat[j], s->len[i])) != 0)
		return r;
	return i < j ? -1 : i > j;
}

/*
 * Ids come from a range twice the number of patterns, so different
 * patterns share ids, and some patterns repeat earlier bytes.
 */
static void
gen_set(struct set *s, size_t n, const char *const *alpha, size_t nalpha, size_t minlen,
    size_t maxlen)
{
	size_t *idx;

	s->n = n;
	s->pat = xreallocarray(NULL, n, sizeof(*s->pat));
	s->len = xreallocarray(NULL, n, sizeof(*s->len));
	s->id = xreallocarray(NULL, n, sizeof(*s->id));
	s->dup = xcalloc(n, 1);
	for (size_t i = 0; i < n; i++) {
		struct buf b;

		buf_init(&b);
		if (i > 0 && rng() % 16 == 0)
			buf_adds(&b, s->pat[rng() % i]);
		else
			gen_piece(&b, alpha, nalpha, minlen + rng() % (maxlen - minlen + 1));
		s->pat[i] = b.data;
		s->len[i] = b.len;
		s->id[i] = (uint32_t)(rng() % (n * 2));
	}
	idx = xreallocarray(NULL, n, sizeof(*idx));
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sort_set = s;
	qsort(idx, n, sizeof(*idx), pat_cmp);
	for (size_t k = 1; k < n; k++) {
		size_t i = idx[k - 1], j = idx[k];

		s->dup[j] = s->id[i] == s->id[j] && s->len[i] == s->len[j] &&
		    memcmp(s->pat[i], s->pat[j], s->len[i]) == 0;
	}
	free(idx);
}

static struct aho *
build_set(const struct set *s)
{
	struct aho_builder *b = aho_builder_new();

	for (size_t i = 0; i < s->n; i++)
		ck_assert_int_eq(aho_add(b, s->pat[i], s->len[i], s->id[i]), 0);
	return aho_build(b);
}

/* Texts are noise with whole and partial patterns spliced in. */
static void
gen_text(struct buf *b, const struct set *s, const char *const *alpha, size_t nalpha,
    size_t len)
{
	buf_reset(b);
	while (b->len < len) {
		size_t k = rng() % s->n;

		switch (rng() % 4) {
		case 0:
			buf_add(b, s->pat[k], s->len[k]);
			break;
		case 1:
			buf_add(b, s->pat[k], s->len[k] - s->len[k] / 2);
			break;
		default:
			gen_piece(b, alpha, nalpha, 1 + rng() % 6);
		}
	}
}

/*
 * The reference: every pattern at every end offset, with memcmp. A
 * pattern added twice under the same id is one pattern (aho.c says so).
 */
static void
brute(const struct set *s, const char *text, size_t len, struct hits *h)
{
	h->n = 0;
	for (size_t end = 1; end <= len; end++)
		for (size_t i = 0; i < s->n; i++)
			if (!s->dup[i] && s->len[i] <= end &&
			    s->pat[i][s->len[i] - 1] == text[end - 1] &&
			    memcmp(text + end - s->len[i], s->pat[i], s->len[i]) == 0)
				hits_add(h, s->id[i], end);
}

static void
compare(const struct set *s, const struct aho *a, size_t ntexts, size_t textlen,
    const char *const *alpha, size_t nalpha)
{
	struct hits got = { 0 }, want = { 0 };
	struct buf text;
	size_t total = 0;

	buf_init(&text);
	for (size_t t = 0; t < ntexts; t++) {
		gen_text(&text, s, alpha, nalpha, textlen);
		got.n = 0;
		got.out_of_order = 0;
		aho_scan(a, text.data, text.len, on_hit, &got);
		ck_assert(!got.out_of_order);
		brute(s, text.data, text.len, &want);
		hits_sort(got.v, got.n);
		hits_sort(want.v, want.n);
		ck_assert_msg(got.n == want.n, "text %zu: %zu hits, want %zu", t, got.n, want.n);
		for (size_t i = 0; i < want.n; i++)
			ck_assert_msg(got.v[i].id == want.v[i].id && got.v[i].end == want.v[i].end,
			    "text %zu: hit %zu is (%u, %zu), want (%u, %zu)", t, i, got.v[i].id,
			    got.v[i].end, want.v[i].id, want.v[i].end);
		total += want.n;
	}
	ck_assert_uint_gt(total, ntexts);	/* the texts did exercise the matcher */
	buf_free(&text);
	free(got.v);
	free(want.v);
}

/* Small alphabets: many overlaps, suffix links and shared ids. */
START_TEST(test_brute_small)
{
	static const char *const ab[] = { "a", "b" };
	static const char *const abc[] = { "a", "b", "c", " " };
	static const char *const utf[] = { "a", "\xc3\xa9", "\xf0\x9f\x98\xa1", "\xe4\xb8\xad", "e" };

	rng_state = 0x9e3779b97f4a7c15ull;
	for (int round = 0; round < 60; round++) {
		const char *const *alpha = round % 3 == 0 ? ab : round % 3 == 1 ? abc : utf;
		size_t nalpha = round % 3 == 0 ? 2 : round % 3 == 1 ? 4 : 5;
		struct set s;
		struct aho *a;

		gen_set(&s, 1 + rng() % 40, alpha, nalpha, 1, 1 + round % 8);
		a = build_set(&s);
		ck_assert_uint_eq(aho_patterns(a), s.n);
		compare(&s, a, 5, 200, alpha, nalpha);
		aho_free(a);
		set_free(&s);
	}
}
END_TEST

/* Every byte value, including NUL and bytes that are never valid UTF-8. */
START_TEST(test_brute_bytes)
{
	static char bytes[255][2];
	const char *alpha[255];
	struct aho_builder *b;
	struct hits h = { 0 };
	const char t[] = { 'x', '\0', 'y', (char)0xff };
	int seen_nul = 0, seen_ff = 0;
	struct set s;
	struct aho *a;

	/* Generated patterns are C strings: bytes 1..255. */
	rng_state = 42;
	for (int c = 1; c < 256; c++) {
		bytes[c - 1][0] = (char)c;
		alpha[c - 1] = bytes[c - 1];
	}
	gen_set(&s, 300, alpha, 255, 1, 4);
	a = build_set(&s);
	compare(&s, a, 20, 300, alpha, 255);
	aho_free(a);

	/* All 256 one-byte patterns: no byte is left for an "other" class. */
	b = aho_builder_new();
	for (size_t i = 0; i < s.n; i++)
		aho_add(b, s.pat[i], s.len[i], s.id[i]);
	for (int c = 0; c < 256; c++) {
		char ch = (char)c;

		aho_add(b, &ch, 1, 1000 + (uint32_t)c);
	}
	a = aho_build(b);
	aho_scan(a, t, sizeof(t), on_hit, &h);
	for (size_t i = 0; i < h.n; i++) {
		seen_nul |= h.v[i].id == 1000 && h.v[i].end == 2;
		seen_ff |= h.v[i].id == 1255 && h.v[i].end == 4;
	}
	ck_assert(seen_nul && seen_ff);
	free(h.v);
	aho_free(a);
	set_free(&s);
}
END_TEST

/*
 * Tens of thousands of patterns: the automaton is several times too big
 * for all-dense rows within the dense budget, so deep states take the
 * sparse path; hits must not change, and the memory must stay far below
 * what all-dense rows would take.
 */
/*
 * Tens of thousands of states in 16-bit rows (the shipped packs' size):
 * the narrow layout, checked by its memory, against the reference.
 */
START_TEST(test_brute_narrow)
{
	static const char *const alpha[] = {
		"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p",
		"q", "r", "s", "t", "u", "v", "w", "x", "y", "z", " ", "'",
	};
	size_t nalpha = sizeof(alpha) / sizeof(alpha[0]);
	struct set s;
	struct aho *a;

	rng_state = 11;
	gen_set(&s, 3000, alpha, nalpha, 3, 14);
	a = build_set(&s);
	ck_assert_uint_gt(aho_states(a), 10000);
	/* wide rows would take 4 bytes for each of 29 entries a state */
	ck_assert_uint_lt(aho_memory(a), aho_states(a) * 100);
	compare(&s, a, 40, 400, alpha, nalpha);
	aho_free(a);
	set_free(&s);
}
END_TEST

START_TEST(test_brute_large)
{
	static const char *const alpha[] = {
		"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p",
		"q", "r", "s", "t", "u", "v", "w", "x", "y", "z", " ", "'",
	};
	size_t nalpha = sizeof(alpha) / sizeof(alpha[0]);
	struct set s;
	struct aho *a;
	size_t dense;

	rng_state = 7;
	gen_set(&s, 24000, alpha, nalpha, 4, 14);
	a = build_set(&s);
	dense = aho_states(a) * (nalpha + 2) * sizeof(uint32_t);
	ck_assert_uint_gt(aho_states(a), 120000);
	ck_assert_uint_lt(aho_memory(a), dense / 2);
	compare(&s, a, 40, 400, alpha, nalpha);

	/* Early stop also works from a deep, sparse state. */
	{
		struct hits h = { 0 };
		size_t longest = 0;

		for (size_t i = 1; i < s.n; i++)
			if (s.len[i] > s.len[longest])
				longest = i;
		h.stop_after = 1;
		aho_scan(a, s.pat[longest], s.len[longest], on_hit, &h);
		ck_assert_uint_eq(h.n, 1);
		free(h.v);
	}
	aho_free(a);
	set_free(&s);
}
END_TEST

/*
 * Longer texts are scanned by several walks at once (aho.c): the hits,
 * and their order, must be those of one plain walk, for every length
 * around the cut-offs (one walk below 32 bytes, windows of 512), from
 * dense and from sparse states, and when the callback stops the scan at
 * any point.
 */
static void
same_as_serial(const struct aho *a, const char *text, size_t len)
{
	struct hits got = { 0 }, want = { 0 };

	aho_scan_serial(a, text, len, on_hit, &want);
	aho_scan(a, text, len, on_hit, &got);
	ck_assert_msg(got.n == want.n, "len %zu: %zu hits, want %zu", len, got.n, want.n);
	for (size_t i = 0; i < want.n; i++)
		ck_assert_msg(got.v[i].id == want.v[i].id && got.v[i].end == want.v[i].end,
		    "len %zu: hit %zu is (%u, %zu), want (%u, %zu)", len, i, got.v[i].id,
		    got.v[i].end, want.v[i].id, want.v[i].end);
	/* Stopping after k hits gives the first k. */
	for (size_t k = 1; k <= want.n; k += 1 + want.n / 7) {
		got.n = 0;
		got.stop_after = k;
		aho_scan(a, text, len, on_hit, &got);
		ck_assert_uint_eq(got.n, k);
		ck_assert(got.v[k - 1].id == want.v[k - 1].id && got.v[k - 1].end == want.v[k - 1].end);
	}
	free(got.v);
	free(want.v);
}

START_TEST(test_walks)
{
	static const char *const ab[] = { "a", "b" };
	static const char *const alpha[] = {
		"a", "b", "c", "d", "e", "f", "g", "h", "i", "k", "l", "m", "n", "o", " ",
	};
	struct buf text;
	struct set s;
	struct aho *a;
	size_t total = 0;

	buf_init(&text);
	rng_state = 99;
	/* Two letters: every state has hits, walks meet late. */
	for (int round = 0; round < 20; round++) {
		gen_set(&s, 1 + rng() % 20, ab, 2, 1, 2 + round % 12);
		a = build_set(&s);
		for (size_t len = 0; len < 1200; len += 1 + len / 16) {
			gen_text(&text, &s, ab, 2, len);
			same_as_serial(a, text.data, len < text.len ? len : text.len);
		}
		aho_free(a);
		set_free(&s);
	}
	/* Thousands of long patterns: sparse states, walks that never meet. */
	gen_set(&s, 3000, alpha, sizeof(alpha) / sizeof(alpha[0]), 3, 90);
	a = build_set(&s);
	for (size_t len = 0; len < 3000; len += 1 + len / 8) {
		struct hits h = { 0 };

		gen_text(&text, &s, alpha, sizeof(alpha) / sizeof(alpha[0]), len);
		same_as_serial(a, text.data, len < text.len ? len : text.len);
		aho_scan_serial(a, text.data, len < text.len ? len : text.len, on_hit, &h);
		total += h.n;
		free(h.v);
	}
	/* A whole long pattern, and one repeated: deep states across the cuts. */
	for (size_t i = 0; i < s.n; i++)
		if (s.len[i] > 60) {
			buf_reset(&text);
			for (int r = 0; r < 12; r++)
				buf_add(&text, s.pat[i], s.len[i]);
			same_as_serial(a, text.data, text.len);
			same_as_serial(a, s.pat[i], s.len[i]);
		}
	ck_assert_uint_gt(total, 300);
	aho_free(a);
	set_free(&s);
	buf_free(&text);
}
END_TEST

/*
 * A ruleset-sized automaton: 2,000 rules with about ten word-like
 * literals each (phrases of one to three words) must stay within a few MB:
 * the dense budget (4 MB) and sparse records for the rest.
 */
START_TEST(test_memory)
{
	static const char *const syl[] = {
		"ba", "ka", "ga", "la", "ma", "na", "pa", "sa", "ta", "bi", "ki", "li", "mi", "ni",
		"si", "ti", "bu", "ku", "lu", "mu", "nu", "su", "tu", "be", "ke", "le", "me", "ne",
		"se", "te", "ng", "ny", "an", "in", "un", "er", "ra", "ri", "ru", "da", "di", "du",
		"ja", "ya", "wa", "ha", "ho", "co", "ck", "ed", "ing", "th", "ch",
	};
	struct aho_builder *b = aho_builder_new();
	struct aho *a;
	struct buf w;

	rng_state = 2000;
	buf_init(&w);
	for (uint32_t i = 0; i < 20000; i++) {
		size_t words = 1 + rng() % 3;

		buf_reset(&w);
		for (size_t k = 0; k < words; k++) {
			if (k > 0)
				buf_addc(&w, ' ');
			gen_piece(&w, syl, sizeof(syl) / sizeof(syl[0]), 2 + rng() % 3);
		}
		aho_add(b, w.data, w.len, i);
	}
	buf_free(&w);
	a = aho_build(b);
	ck_assert_uint_lt(aho_memory(a), 8u << 20);
	aho_free(a);
}
END_TEST

static Suite *
aho_suite(void)
{
	Suite *s = suite_create("aho");
	TCase *tc = tcase_create("basic");

	tcase_add_test(tc, test_single);
	tcase_add_test(tc, test_overlap);
	tcase_add_test(tc, test_same_bytes);
	tcase_add_test(tc, test_suffixes);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_no_false_hits);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_stop);
	tcase_add_test(tc, test_stats);
	suite_add_tcase(s, tc);
	tc = tcase_create("reference");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_brute_small);
	tcase_add_test(tc, test_brute_bytes);
	tcase_add_test(tc, test_brute_narrow);
	tcase_add_test(tc, test_brute_large);
	tcase_add_test(tc, test_walks);
	tcase_add_test(tc, test_memory);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(aho_suite());
}
