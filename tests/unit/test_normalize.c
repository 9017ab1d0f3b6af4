#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "engine/normalize.h"
#include "lib/util.h"
#include "unit.h"

/*
 * Folds s and checks the result and the map's invariants, and that the
 * fold without the map gives the same text.
 */
static void
fold_check(struct norm_buf *nb, const char *s, const char *want)
{
	size_t len = strlen(s);
	struct norm_buf bare;

	ck_assert_int_eq(norm_fold(nb, s, len), 0);
	ck_assert_msg(nb->len == strlen(want) && memcmp(nb->text, want, nb->len) == 0,
	    "fold(\"%s\") = \"%s\", want \"%s\"", s, nb->text, want);
	ck_assert_int_eq(nb->text[nb->len], '\0');
	ck_assert_uint_eq(nb->map[nb->len], len);
	for (size_t i = 0; i < nb->len; i++) {
		ck_assert_uint_lt(nb->map[i], len);
		ck_assert_uint_le(nb->map[i], nb->map[i + 1]);
		/* Offsets point at the start of an original code point. */
		ck_assert_int_ne((unsigned char)s[nb->map[i]] & 0xc0, 0x80);
	}
	norm_init(&bare);
	ck_assert_int_eq(norm_fold_text(&bare, s, len), 0);
	ck_assert(bare.len == nb->len && memcmp(bare.text, nb->text, nb->len + 1) == 0);
	norm_free(&bare);
}

static void
fold_is(const char *s, const char *want)
{
	struct norm_buf nb;

	norm_init(&nb);
	fold_check(&nb, s, want);
	norm_free(&nb);
}

static void
map_is(const char *s, const char *want, const uint32_t *map)
{
	struct norm_buf nb;

	norm_init(&nb);
	fold_check(&nb, s, want);
	for (size_t i = 0; i <= nb.len; i++)
		ck_assert_msg(nb.map[i] == map[i], "fold(\"%s\"): map[%zu] = %u, want %u", s, i,
		    nb.map[i], map[i]);
	norm_free(&nb);
}

START_TEST(test_ascii)
{
	fold_is("", "");
	fold_is("login", "login");
	fold_is("Login GAGAL Lagi", "login gagal lagi");
	fold_is("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz");
	fold_is("Rp 50.000,- (gagal) #BCA @bank_x", "rp 50.000,- (gagal) #bca @bank_x");
	fold_is("a-b_c/d?e!", "a-b_c/d?e!");
	fold_is("can't \"ok\"", "can't \"ok\"");
}
END_TEST

START_TEST(test_whitespace)
{
	fold_is("a\tb\nc\r\nd\ve\ff", "a b c d e f");
	fold_is("a  \t \n b", "a b");
	fold_is("a\xc2\xa0" "b", "a b");			/* NBSP */
	fold_is("a\xe3\x80\x80" "b", "a b");			/* ideographic space */
	fold_is("a\xe2\x80\x83\xe2\x80\xaf" "b", "a b");	/* em space, narrow NBSP */
	fold_is("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", "a b c"); /* line, paragraph sep */
	fold_is("a\xc2\x85" "b", "a b");			/* NEL */
	fold_is("a\xe1\x9a\x80" "b", "a b");			/* ogham space mark */
	fold_is("a \xc2\xa0\t\xe3\x80\x80 b", "a b");		/* mixed run */
}
END_TEST

START_TEST(test_trim)
{
	fold_is("   x", "x");
	fold_is("x   ", "x");
	fold_is(" \t\n x y \n\t ", "x y");
	fold_is("\xc2\xa0\xe3\x80\x80x\xe3\x80\x80\xc2\xa0", "x");
	fold_is("   ", "");
	fold_is("\xe3\x80\x80\n", "");
}
END_TEST

START_TEST(test_squeeze)
{
	/* Three or more equal letters become one. */
	fold_is("lamaaa", "lama");
	fold_is("parahhh bangettt", "parah banget");
	fold_is("GOOOD", "god");
	fold_is("sooo", "so");
	fold_is("aAaA", "a");
	fold_is("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "a");
	fold_is("zzz", "z");
	fold_is("wkwkwk", "wkwkwk");		/* alternating is not a run */
	/* Two stay two: that is how words are spelled. */
	fold_is("good", "good");
	fold_is("off", "off");
	fold_is("too", "too");
	fold_is("app fee", "app fee");
	fold_is("GoOd", "good");
	fold_is("aa", "aa");
	fold_is("goood gooood", "god god");
	fold_is("aabbbcc", "aabcc");
	/* Digits and punctuation are never squeezed. */
	fold_is("1000", "1000");
	fold_is("Rp1.000.000!!!", "rp1.000.000!!!");
	fold_is("??..--", "??..--");
	fold_is("a a", "a a");			/* a space breaks a run */
	fold_is("aa aa", "aa aa");
	fold_is("aaa aaa", "a a");
	fold_is("aaa\xc2\xa0\xc2\xa0" "aaa", "a a");
	/* Non-ASCII letters, and letters made by folding. */
	fold_is("ddd\xd0\xb4\xd0\xb4\xd0\x94", "d\xd0\xb4");	/* Cyrillic de */
	fold_is("\xd0\xb4\xd0\x94", "\xd0\xb4\xd0\xb4");
	fold_is("\xc3\xa9\xc3\xa9" "E\xcc\x81", "e");	/* e-acute, precomposed and not */
	fold_is("\xc3\xa9" "E\xcc\x81", "ee");
	fold_is("e\xc3\xa9", "ee");
	fold_is("ee\xc3\xa9", "e");
	fold_is("\xef\xbd\x81\xef\xbd\x81" "a", "a");	/* fullwidth a */
	fold_is("\xe5\x93\x88\xe5\x93\x88", "\xe5\x93\x88\xe5\x93\x88");	/* Lo: two stay */
	fold_is("\xe5\x93\x88\xe5\x93\x88\xe5\x93\x88", "\xe5\x93\x88");	/* three do not */
	fold_is("\xe5\x93\x88\xe5\x93\x88\xe5\x93\x88\xe5\x93\x88x\xe5\x93\x88\xe5\x93\x88",
	    "\xe5\x93\x88x\xe5\x93\x88\xe5\x93\x88");
	fold_is("\xf0\xa0\x80\x80\xf0\xa0\x80\x80\xf0\xa0\x80\x80", "\xf0\xa0\x80\x80"); /* 4 bytes */
	fold_is("\xd9\xa1\xd9\xa1\xd9\xa1", "\xd9\xa1\xd9\xa1\xd9\xa1");	/* digits of any script never */
	fold_is("\xe2\x80\x99\xe2\x80\x99\xe2\x80\x99", "''" "'");		/* nor quotes */
	fold_is("\xf0\x9f\x98\xa1\xf0\x9f\x98\xa1\xf0\x9f\x98\xa1",	/* nor emoji */
	    "\xf0\x9f\x98\xa1\xf0\x9f\x98\xa1\xf0\x9f\x98\xa1");
	/* Ignorables and stripped marks do not break a run. */
	fold_is("o\xe2\x80\x8do\xcc\x81o", "o");
	fold_is("\xd0\xb4\xe2\x80\x8d\xd0\xb4\xe2\x80\x8d\xd0\xb4", "\xd0\xb4");
}
END_TEST

/*
 * Keywords with doubled letters no longer fold into other words, and a
 * stretched word still folds like its keyword when the keyword has no
 * doubled letter.
 */
START_TEST(test_squeeze_keywords)
{
	static const char *const pairs[][2] = {
		{ "off", "of" }, { "good", "god" }, { "too", "to" }, { "app", "ap" },
		{ "fee", "fe" }, { "bill", "bil" }, { "\xe5\x93\x88\xe5\x93\x88", "\xe5\x93\x88" },
	};

	for (size_t k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++) {
		char *a = norm_fold_str(pairs[k][0], strlen(pairs[k][0]), NULL);
		char *b = norm_fold_str(pairs[k][1], strlen(pairs[k][1]), NULL);

		ck_assert_str_ne(a, b);
		free(a);
		free(b);
	}
	fold_is("soooo lemooottt", "so lemot");
}
END_TEST

/*
 * Runs that cross the 16- and 8-byte blocks of the fast paths, at every
 * offset: a prefix with no equal neighbours, a run of n letters, then a
 * suffix. Kind 0: ASCII 'o' of mixed case; 1: ended by an 'ó', which folds
 * to 'o' through the non-ASCII path; 2: begun by an 'Ó'; 3: Cyrillic de,
 * mixed case (two bytes each).
 */
START_TEST(test_run_blocks)
{
	struct norm_buf nb;
	struct buf in, want;

	norm_init(&nb);
	buf_init(&in);
	buf_init(&want);
	buf_reserve(&in, 0);	/* data is never NULL, even when empty */
	buf_reserve(&want, 0);
	for (size_t pre = 0; pre < 40; pre++) {
		for (size_t n = 1; n <= 20; n++) {
			for (int kind = 0; kind < 4; kind++) {
				size_t runat, after, kept = n >= 3 ? 1 : n, w = kind == 3 ? 2 : 1;

				buf_reset(&in);
				buf_reset(&want);
				for (size_t k = 0; k < pre; k++)
					buf_addc(&in, (char)('a' + k % 13));
				buf_add(&want, in.data, in.len);
				runat = in.len;
				for (size_t k = 0; k < n; k++) {
					if (kind == 1 && k == n - 1)
						buf_adds(&in, "\xc3\xb3");
					else if (kind == 2 && k == 0)
						buf_adds(&in, "\xc3\x93");
					else if (kind == 3)
						buf_adds(&in, k % 2 ? "\xd0\x94" : "\xd0\xb4");
					else
						buf_addc(&in, k % 3 ? 'o' : 'O');
				}
				after = in.len;
				buf_adds(&in, "xy zw, st");
				for (size_t k = 0; k < kept; k++)
					buf_adds(&want, kind == 3 ? "\xd0\xb4" : "o");
				buf_adds(&want, "xy zw, st");
				fold_check(&nb, in.data, want.data);
				for (size_t k = 0; k < pre; k++)
					ck_assert_uint_eq(nb.map[k], k);
				/* each kept letter maps to the code point it came from */
				for (size_t k = 0; k < kept * w; k++) {
					size_t c = k / w;
					size_t off = runat + (kind == 3 ? 2 * c : kind == 2 && c > 0 ? c + 1 : c);

					ck_assert_msg(nb.map[pre + k] == off,
					    "pre %zu n %zu kind %d: map[%zu] = %u, want %zu", pre, n,
					    kind, pre + k, nb.map[pre + k], off);
				}
				/* what follows the run maps past all of it */
				ck_assert_uint_eq(nb.map[pre + kept * w], after);
			}
		}
	}
	buf_free(&in);
	buf_free(&want);
	norm_free(&nb);
}
END_TEST

START_TEST(test_accents)
{
	fold_is("Caf\xc3\xa9", "cafe");
	fold_is("CAFE\xcc\x81", "cafe");
	fold_is("\xc3\x91" "and\xc3\xba", "nandu");
	fold_is("ni\xc3\xb1o Z\xc3\xbcrich", "nino zurich");
	fold_is("\xe1\xba\xa1", "a");		/* a with dot below */
}
END_TEST

START_TEST(test_casefold)
{
	char *a, *b;

	/*
	 * Full case folding turns sharp s into "ss", a run of two, which
	 * stays: "Straße" and "STRASSE" fold alike, which is what matters.
	 */
	fold_is("Stra\xc3\x9f" "e", "strasse");
	fold_is("Stra\xc3\x9fs" "e", "strase");		/* "sss" is a run of three */
	fold_is("\xc3\x9f\xc3\x9f", "s");
	a = norm_fold_str("Stra\xc3\x9f" "e", strlen("Stra\xc3\x9f" "e"), NULL);
	b = norm_fold_str("STRASSE", 7, NULL);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	fold_is("\xce\xa3\xce\x8a\xce\xa3\xce\xa5\xce\xa6\xce\x9f\xce\xa3",	/* ΣΊΣΥΦΟΣ */
	    "\xcf\x83\xce\xb9\xcf\x83\xcf\x85\xcf\x86\xce\xbf\xcf\x83");	/* σισυφοσ */
	fold_is("\xef\xac\x81" "le", "file");	/* fi ligature */
	fold_is("\xc4\xb0stanbul", "istanbul");	/* I with dot above */
}
END_TEST

START_TEST(test_width)
{
	fold_is("\xef\xbc\xac\xef\xbc\xaf\xef\xbc\xa7\xef\xbc\xa9\xef\xbc\xae", "login");
	fold_is("\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93", "123");
	fold_is("\xef\xbd\x81\xef\xbd\x82\xef\xbd\x83", "abc");
}
END_TEST

START_TEST(test_quotes)
{
	fold_is("can\xe2\x80\x99t", "can't");
	fold_is("\xe2\x80\x98ok\xe2\x80\x99", "'ok'");
	fold_is("\xe2\x80\x9cok\xe2\x80\x9d", "\"ok\"");
	fold_is("\xe2\x80\x9e" "ok\xe2\x80\x9f", "\"ok\"");
	fold_is("a\xca\xbc" "b\xef\xbc\x87" "c\xe2\x80\xb2", "a'b'c'");
	fold_is("a\xef\xbc\x82" "b\xe2\x80\xb3", "a\"b\"");
	fold_is("\xe2\x80\x9a\xe2\x80\x9b", "''");	/* quotes never squeeze */
}
END_TEST

START_TEST(test_emoji)
{
	fold_is("kesel \xf0\x9f\x98\xa1", "kesel \xf0\x9f\x98\xa1");
	fold_is("\xf0\x9f\x98\xa1\xf0\x9f\x98\xa1\xf0\x9f\x98\xa1",
	    "\xf0\x9f\x98\xa1\xf0\x9f\x98\xa1\xf0\x9f\x98\xa1");
	fold_is("Mantap\xf0\x9f\x91\x8d\xf0\x9f\x94\xa5!!", "mantap\xf0\x9f\x91\x8d\xf0\x9f\x94\xa5!!");
	fold_is("\xe2\x9d\xa4 \xe2\x98\xba", "\xe2\x9d\xa4 \xe2\x98\xba");
}
END_TEST

START_TEST(test_map)
{
	/* é is 2 bytes; the space after it starts at 5. */
	static const uint32_t m1[] = { 0, 1, 2, 3, 5, 6, 7, 8 };
	/* The stripped mark (4..5) belongs to the "e" before it. */
	static const uint32_t m2[] = { 0, 1, 2, 3, 6, 7 };
	/* Squeezed letters belong to the one kept. */
	static const uint32_t m3[] = { 0, 1, 2, 3, 6, 7 };
	/* Trailing white space: map[len] is still the original length. */
	static const uint32_t m4[] = { 0, 1, 5 };
	static const uint32_t m5[] = { 3, 4, 5 };
	/* Fullwidth: 3 bytes each; the space maps to the first of its run. */
	static const uint32_t m6[] = { 0, 3, 6, 9, 12, 15, 19, 20 };
	/* One code point, several bytes out: all map to its start. */
	static const uint32_t m7[] = { 0, 1, 1, 3, 4 };
	static const uint32_t m8[] = { 0, 1, 2, 3, 4, 5, 6, 6, 6, 6, 10 };
	static const uint32_t m9[] = { 0, 1, 2, 3, 6, 7 };
	/* A run of two keeps both offsets; a longer one, its first. */
	static const uint32_t m10[] = { 0, 1, 2, 3, 4 };
	static const uint32_t m11[] = { 0, 1, 4, 5 };
	static const uint32_t m12[] = { 0, 1, 2, 3, 4, 4, 6, 7, 8 };
	/* ß gives "ss", which with the "s" after it makes a run of three. */
	static const uint32_t m13[] = { 0, 1, 4, 5 };
	/* Non-ASCII: both of a run of two, the first of three. */
	static const uint32_t m14[] = { 0, 0, 2, 2, 4, 5 };
	static const uint32_t m15[] = { 0, 1, 1, 1, 13, 14, 15 };
	/* The letters of a collapsed run belong to the span before what follows. */
	static const uint32_t m16[] = { 0, 1, 5, 6, 7, 10, 11, 12 };

	map_is("Caf\xc3\xa9 ok", "cafe ok", m1);
	map_is("CAFE\xcc\x81!", "cafe!", m2);
	map_is("lamaaa!", "lama!", m3);
	map_is("ok \t\n", "ok", m4);
	map_is(" \t\nok", "ok", m5);
	map_is("\xef\xbc\xac\xef\xbc\xaf\xef\xbc\xa7\xef\xbc\xa9\xef\xbc\xae \xe3\x80\x80x",
	    "login x", m6);
	map_is("a\xc3\x9f" "b", "assb", m7);
	map_is("kesel \xf0\x9f\x98\xa1", "kesel \xf0\x9f\x98\xa1", m8);
	map_is("can\xe2\x80\x99t", "can't", m9);
	map_is("good", "good", m10);
	map_is("GOOOD", "god", m11);
	map_is("Stra\xc3\x9f" "e!", "strasse!", m12);
	map_is("a\xc3\x9fs!", "as!", m13);
	map_is("\xd0\xb4\xd0\x94!", "\xd0\xb4\xd0\xb4!", m14);
	map_is("x\xe5\x93\x88\xe5\x93\x88\xe5\x93\x88\xe5\x93\x88y!", "x\xe5\x93\x88y!", m15);
	map_is("soooo baaad!", "so bad!", m16);
}
END_TEST

static const char *const samples[] = {
	"Gak bisa LOGIN dari tadi, parahhh bangettt!!! \xf0\x9f\x98\xa1\xf0\x9f\x98\xa1",
	"Caf\xc3\xa9 CAFE\xcc\x81 ni\xc3\xb1o  \t Stra\xc3\x9f" "e  ",
	"  \xe2\x80\x9cRefund\xe2\x80\x9d belum masuk\xe2\x80\xa6 sudah 3 hari, saldo Rp1.000.000 hilang",
	"\xef\xbc\xac\xef\xbc\xaf\xef\xbc\xa7\xef\xbc\xa9\xef\xbc\xae gagal\xc2\xa0lagi\xe3\x80\x80!!",
	"can\xe2\x80\x99t sign in, GOOOD grief\xe2\x80\xa8" "aaa bbb ccc 1000 \xd0\xb4\xd0\xb4\xd0\x94",
	"\xce\xa3\xce\x8a\xce\xa3\xce\xa5\xce\xa6\xce\x9f\xce\xa3 \xe5\x93\x88\xe5\x93\x88 e\xcc\x81\xcc\x81" "e",
	"\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd ok\xe2\x80\x8d\xe2\x80\x8dk \xef\xac\x81le \xc3\x9f\xc3\x9fs",
	"\n\n",
	"x",
	"Goood morning, too sooo baaad: off\xe2\x80\x99 app fee Bill lamaaa aa",
	"\xe5\x93\x88\xe5\x93\x88\xe5\x93\x88 \xe5\x93\x88\xe5\x93\x88 x\xd0\xb4\xd0\x94\xd0\xb4 "
	    "\xd0\xb4\xd0\x94 e\xc3\xa9\xc3\xa9 e\xc3\xa9",
	"Stra\xc3\x9f" "e \xc3\x9fs \xc3\x9f\xc3\x9f ss sss!!! ...ooo---",
};

static size_t
cp_len(const char *s)
{
	unsigned char c = (unsigned char)*s;

	return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* The code point of folded text t that starts at or ends at i. */
static int32_t
cp_from(const char *t, size_t len, size_t i)
{
	utf8proc_int32_t cp;

	ck_assert_int_gt(utf8proc_iterate((const utf8proc_uint8_t *)t + i,
	    (utf8proc_ssize_t)(len - i), &cp), 0);
	return cp;
}

static size_t
cp_start_before(const char *t, size_t i)
{
	do
		i--;
	while (i > 0 && ((unsigned char)t[i] & 0xc0) == 0x80);
	return i;
}

static int
is_letter(int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);

	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

/* Whether folded text t[0..len) begins or ends with two equal letters. */
static int
doubled_edge(const char *t, size_t len)
{
	size_t a, b;

	if (len == 0)
		return 0;
	a = cp_len(t);
	if (a < len && cp_from(t, len, 0) == cp_from(t, len, a) && is_letter(cp_from(t, len, 0)))
		return 1;
	b = cp_start_before(t, len);
	if (b > 0) {
		a = cp_start_before(t, b);
		if (cp_from(t, len, a) == cp_from(t, len, b) && is_letter(cp_from(t, len, b)))
			return 1;
	}
	return 0;
}

/*
 * What the prefilter relies on: when a string occurs in the original (cut
 * at code point boundaries) and its folding does not begin or end with two
 * equal letters, its folding occurs in the folding of the whole. A folding
 * that does may come from a longer run in the whole: "goo" in "goood".
 */
static void
substring_holds(const char *s, size_t len, size_t a, size_t b, const struct norm_buf *whole,
    struct norm_buf *part, size_t *checked)
{
	norm_fold(part, s + a, b - a);
	if (doubled_edge(part->text, part->len))
		return;
	ck_assert_msg(memmem(whole->text, whole->len, part->text, part->len) != NULL,
	    "fold of [%zu,%zu) of \"%.*s\" (\"%s\") not in \"%s\"", a, b, (int)len, s,
	    part->text, whole->text);
	(*checked)++;
}

START_TEST(test_substring)
{
	struct norm_buf whole, part;
	size_t checked = 0, all = 0;

	norm_init(&whole);
	norm_init(&part);
	for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
		const char *s = samples[k];
		size_t len = strlen(s);

		norm_fold(&whole, s, len);
		for (size_t a = 0; a < len; a += cp_len(s + a)) {
			for (size_t b = a; b <= len; b += b < len ? cp_len(s + b) : 1) {
				substring_holds(s, len, a, b, &whole, &part, &checked);
				all++;
			}
		}
	}
	/* The condition leaves out a few: the test is not vacuous. */
	ck_assert_uint_gt(4 * checked, 3 * all);
	/* Why it is needed: a run cut short. */
	norm_fold(&whole, "goood", 5);
	norm_fold(&part, "goo", 3);
	ck_assert_str_eq(part.text, "goo");
	ck_assert_ptr_null(memmem(whole.text, whole.len, part.text, part.len));
	norm_fold(&whole, "lamaaa!", 7);
	norm_fold(&part, "aa!", 3);
	ck_assert_ptr_null(memmem(whole.text, whole.len, part.text, part.len));
	/* ... while the pieces split at the doubled letter occur. */
	norm_fold(&whole, "Goooood", 7);
	norm_fold(&part, "go", 2);
	ck_assert_ptr_nonnull(memmem(whole.text, whole.len, part.text, part.len));
	norm_fold(&part, "od", 2);
	ck_assert_ptr_nonnull(memmem(whole.text, whole.len, part.text, part.len));
	norm_free(&whole);
	norm_free(&part);
}
END_TEST

/*
 * A folded span maps back to original bytes that fold to the same span,
 * when the span starts and ends where the output of one original code
 * point starts (so no code point is cut) and does not start or end with
 * a space (those would be trimmed).
 */
START_TEST(test_map_spans)
{
	struct norm_buf whole, part;

	norm_init(&whole);
	norm_init(&part);
	for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
		const char *s = samples[k];
		const uint32_t *m;
		const char *t;

		norm_fold(&whole, s, strlen(s));
		m = whole.map;
		t = whole.text;
		for (size_t fs = 0; fs < whole.len; fs++) {
			if ((fs > 0 && m[fs] == m[fs - 1]) || t[fs] == ' ')
				continue;
			for (size_t fe = fs + 1; fe <= whole.len; fe++) {
				if ((fe < whole.len && m[fe] == m[fe - 1]) || t[fe - 1] == ' ')
					continue;
				norm_fold(&part, s + m[fs], m[fe] - m[fs]);
				ck_assert_msg(part.len == fe - fs &&
				    memcmp(part.text, t + fs, fe - fs) == 0,
				    "sample %zu: span [%zu,%zu) \"%.*s\" maps to original [%u,%u) "
				    "which folds to \"%s\"", k, fs, fe, (int)(fe - fs), t + fs,
				    m[fs], m[fe], part.text);
			}
		}
	}
	norm_free(&whole);
	norm_free(&part);
}
END_TEST

START_TEST(test_reuse_and_growth)
{
	struct norm_buf nb;
	struct buf in, want;
	const char *ar = "\xef\xb7\xba";	/* U+FDFA, 18 code points of output */
	char *one;
	size_t onelen;

	norm_init(&nb);
	buf_init(&in);
	buf_init(&want);
	one = norm_fold_str(ar, strlen(ar), &onelen);
	ck_assert_uint_gt(onelen, 3 * strlen(ar));
	for (int i = 0; i < 200; i++) {
		buf_adds(&in, ar);
		buf_add(&want, one, onelen);
	}
	fold_check(&nb, in.data, want.data);
	fold_check(&nb, "Ok", "ok");
	fold_check(&nb, in.data, want.data);
	fold_check(&nb, "", "");
	free(one);
	buf_free(&in);
	buf_free(&want);
	norm_free(&nb);
}
END_TEST

/*
 * Folding through the cache must give what a fresh fold gives, whatever
 * collides with what: fold a run of many distinct code points twice and
 * compare with each code point folded on its own.
 */
START_TEST(test_cache)
{
	static const int32_t ranges[][2] = {
		{ 0xa1, 0x2ff }, { 0x370, 0x4ff }, { 0x1e00, 0x1eff }, { 0x2010, 0x2027 },
		{ 0x3041, 0x3096 }, { 0xff01, 0xff5e }, { 0x1f300, 0x1f64f },
	};
	struct norm_buf nb;
	struct buf in, want;

	norm_init(&nb);
	for (int pass = 0; pass < 2; pass++) {
		buf_init(&in);
		buf_init(&want);
		for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
			for (int32_t cp = ranges[r][0]; cp <= ranges[r][1]; cp++) {
				char u[5];
				size_t n, flen;
				char *f;

				if (cp < 0x800) {
					u[0] = (char)(0xc0 | (cp >> 6));
					u[1] = (char)(0x80 | (cp & 0x3f));
					n = 2;
				} else if (cp < 0x10000) {
					u[0] = (char)(0xe0 | (cp >> 12));
					u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
					u[2] = (char)(0x80 | (cp & 0x3f));
					n = 3;
				} else {
					u[0] = (char)(0xf0 | (cp >> 18));
					u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
					u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
					u[3] = (char)(0x80 | (cp & 0x3f));
					n = 4;
				}
				f = norm_fold_str(u, n, &flen);
				/* White space alone folds to nothing; skip it. */
				if (flen > 0) {
					buf_addc(&in, '|');
					buf_add(&in, u, n);
					buf_addc(&want, '|');
					buf_add(&want, f, flen);
				}
				free(f);
			}
		}
		fold_check(&nb, in.data, want.data);
		buf_free(&in);
		buf_free(&want);
	}
	norm_free(&nb);
}
END_TEST

START_TEST(test_fold_str)
{
	size_t n = 99;
	char *s = norm_fold_str("  Parahhh  BANGETTT  ", 21, &n);

	ck_assert_str_eq(s, "parah banget");
	ck_assert_uint_eq(n, 12);
	free(s);
	s = norm_fold_str("", 0, &n);
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(n, 0);
	free(s);
	/* len is honoured: nothing after it is read. */
	s = norm_fold_str("ABCDEF", 3, NULL);
	ck_assert_str_eq(s, "abc");
	free(s);
}
END_TEST

/* Not valid UTF-8 is the caller's bug, but it must not become a memory error. */
START_TEST(test_invalid_in_bounds)
{
	static const char *const bad[] = { "\xe2\x80", "\xf0\x9f\x98", "\xc3", "\xff", "\x80\x80" };
	struct norm_buf nb;

	norm_init(&nb);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		size_t len = strlen(bad[k]);
		char *copy = xmalloc(len);	/* exact size, so ASan sees overreads */

		memcpy(copy, bad[k], len);
		ck_assert_int_eq(norm_fold(&nb, copy, len), 0);
		ck_assert_uint_eq(nb.map[nb.len], len);
		free(copy);
	}
	norm_free(&nb);
}
END_TEST

START_TEST(test_word_cp)
{
	static const int32_t yes[] = {
		'a', 'z', 'A', 'Z', '0', '9', '_', 0xe9, 0x434, 0x4e2d, 0x5d0, 0x661, 0x301,
		0x2160, 0xb2, 0x3042, 0xac00,
	};
	static const int32_t no[] = {
		' ', '-', '\'', '"', '.', '@', '#', '\n', 0, 0x7f, 0xa0, 0x3000, 0x2019, 0x1f621,
		0x1f44d, 0x2764, 0x200d, 0xfffd, -1, 0x110000, INT32_MAX,
	};

	for (size_t k = 0; k < sizeof(yes) / sizeof(yes[0]); k++)
		ck_assert_msg(norm_is_word_cp(yes[k]), "U+%04X should be a word char", yes[k]);
	for (size_t k = 0; k < sizeof(no) / sizeof(no[0]); k++)
		ck_assert_msg(!norm_is_word_cp(no[k]), "U+%04X should not be a word char",
		    (unsigned)no[k]);
}
END_TEST

START_TEST(test_word_boundaries)
{
	/* "ok, да 😡x1_ 中", as folded text would hold it */
	const char *t = "ok, \xd0\xb4\xd0\xb0 \xf0\x9f\x98\xa1x1_ \xe4\xb8\xad";
	size_t len = strlen(t);

	/* ASCII */
	ck_assert(!norm_word_before(t, 0));
	ck_assert(norm_word_after(t, len, 0));
	ck_assert(norm_word_before(t, 2));	/* "k" */
	ck_assert(!norm_word_after(t, len, 2));	/* "," */
	ck_assert(!norm_word_before(t, 3));	/* "," */
	ck_assert(!norm_word_after(t, len, 3));	/* " " */
	/* Cyrillic "да" at 4..8 */
	ck_assert(!norm_word_before(t, 4));
	ck_assert(norm_word_after(t, len, 4));
	ck_assert(norm_word_before(t, 6));
	ck_assert(norm_word_after(t, len, 6));
	ck_assert(norm_word_before(t, 8));
	ck_assert(!norm_word_after(t, len, 8));
	/* the emoji at 9..13 is not a word character */
	ck_assert(!norm_word_after(t, len, 9));
	ck_assert(!norm_word_before(t, 13));
	ck_assert(norm_word_after(t, len, 13));	/* "x" */
	ck_assert(norm_word_before(t, 15));	/* "1": digits are */
	ck_assert(norm_word_after(t, len, 15));	/* "_" */
	ck_assert(norm_word_before(t, 16));
	/* the CJK letter ends the text */
	ck_assert(norm_word_after(t, len, 17));
	ck_assert(norm_word_before(t, len));
	ck_assert(!norm_word_after(t, len, len));
	/* a position past len is not a word character either */
	ck_assert(!norm_word_after(t, len, len + 5));
}
END_TEST

/*
 * A reference folding over "units" whose folds are known, compared with
 * norm_fold on random mixes. Mostly ASCII with runs of repeated letters,
 * upper case and white space, and runs of non-ASCII units, so that every
 * block size of the fast paths (and every place a non-ASCII code point can
 * interrupt one, or a run) gets tried.
 */
struct unit {
	const char *in;
	const char *out;	/* folded code points, concatenated */
	int letter;		/* each output code point is a letter (all or none here) */
};

static const struct unit units_na[] = {
	{ "\xc3\xa9", "e", 1 },			/* é */
	{ "\xc3\x89", "e", 1 },			/* É */
	{ "\xcc\x81", "", 0 },			/* combining acute: stripped */
	{ "\xc3\x9f", "ss", 1 },			/* ß */
	{ "\xef\xac\x81", "fi", 1 },		/* fi ligature */
	{ "\xf0\x9f\x98\xa1", "\xf0\x9f\x98\xa1", 0 },	/* emoji */
	{ "\xe2\x80\x99", "'", 0 },		/* right single quote */
	{ "\xe2\x80\x9c", "\"", 0 },		/* left double quote */
	{ "\xc2\xa0", " ", 0 },			/* NBSP */
	{ "\xe3\x80\x80", " ", 0 },		/* ideographic space */
	{ "\xef\xbc\xa1", "a", 1 },		/* fullwidth A */
	{ "\xe2\x80\x8d", "", 0 },		/* ZWJ: ignorable */
	{ "\xd0\x94", "\xd0\xb4", 1 },		/* Д */
	{ "\xd0\xb4", "\xd0\xb4", 1 },		/* д */
	{ "\xd9\xa1", "\xd9\xa1", 0 },		/* Arabic-Indic one */
	{ "\xe5\x93\x88", "\xe5\x93\x88", 1 },	/* CJK ha */
};

/* One output code point of the reference, before rule 2. */
struct ref_cp {
	char b[5];
	uint32_t off;
	int letter;
};

/*
 * Folds the units into text and map by the rules of normalize.h, the
 * obvious way: per code point, then no ' ' after a ' ' (nor first, nor
 * last), then every run of three or more equal letters kept once, with the
 * offset of its first. cuts[k] gets the original offset of unit k.
 */
static void
ref_fold(const char *const *in, const struct unit *const *u, size_t n, struct buf *text,
    struct buf *orig, uint32_t **map, size_t *mapcap, size_t *cuts)
{
	static struct ref_cp cps[1024];
	size_t ncp = 0, nmap = 0;

	buf_reset(text);
	buf_reset(orig);
	for (size_t k = 0; k < n; k++) {
		const char *o = u[k] != NULL ? u[k]->out : in[k];

		cuts[k] = orig->len;
		while (*o != '\0') {
			size_t cl = cp_len(o);

			if (*o == ' ' && (ncp == 0 || strcmp(cps[ncp - 1].b, " ") == 0)) {
				o++;
				continue;
			}
			ck_assert_uint_lt(ncp, sizeof(cps) / sizeof(cps[0]));
			memcpy(cps[ncp].b, o, cl);
			cps[ncp].b[cl] = '\0';
			cps[ncp].off = (uint32_t)orig->len;
			/* ASCII: in[k] is one byte, already folded by the caller */
			cps[ncp].letter = u[k] != NULL ? u[k]->letter : *o >= 'a' && *o <= 'z';
			ncp++;
			o += cl;
		}
		buf_adds(orig, u[k] != NULL ? u[k]->in : in[k] + 2);
	}
	cuts[n] = orig->len;
	if (ncp > 0 && strcmp(cps[ncp - 1].b, " ") == 0)
		ncp--;
	for (size_t a = 0, e; a < ncp; a = e) {
		size_t keep;

		for (e = a + 1; e < ncp && strcmp(cps[e].b, cps[a].b) == 0; e++)
			;
		keep = cps[a].letter && e - a >= 3 ? 1 : e - a;
		for (size_t k = a; k < a + keep; k++) {
			buf_adds(text, cps[k].b);
			while (nmap < text->len) {
				if (nmap + 1 >= *mapcap) {
					*mapcap = *mapcap ? *mapcap * 2 : 256;
					*map = xreallocarray(*map, *mapcap, sizeof(**map));
				}
				(*map)[nmap++] = cps[k].off;
			}
		}
	}
	if (*mapcap == 0) {
		*mapcap = 256;
		*map = xreallocarray(*map, *mapcap, sizeof(**map));
	}
	(*map)[text->len] = (uint32_t)orig->len;
}

START_TEST(test_random_reference)
{
	static const char ascii[] = "aAbBeEllooOsstTk  \t\n\r\v\f1234567890.,!?'\"-_@#xyzZ";
	/* For ASCII units: "<folded>\0<original>" */
	static char asc[sizeof(ascii)][4];
	const char *in[400];
	const struct unit *u[400];
	size_t cuts[401];
	struct buf text, orig;
	struct norm_buf nb, part, bare;
	uint32_t *map = NULL;
	size_t mapcap = 0, checked = 0;
	uint64_t rs = 12345;

	for (size_t k = 0; k + 1 < sizeof(ascii); k++) {
		char c = ascii[k];

		asc[k][0] = c >= 'A' && c <= 'Z' ? (char)(c + 32) :
		    (c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') ? ' ' : c;
		asc[k][1] = '\0';
		asc[k][2] = c;
		asc[k][3] = '\0';
	}
	buf_init(&text);
	buf_init(&orig);
	buf_reserve(&text, 0);	/* data is never NULL, even when empty */
	buf_reserve(&orig, 0);
	norm_init(&nb);
	norm_init(&part);
	norm_init(&bare);
	for (int round = 0; round < 3000; round++) {
		size_t n = 0, want = (size_t)(round % 7 == 0 ? round % 300 : round % 60);
		int na_rate = round % 5 == 0 ? 0 : 1 + round % 4;	/* in 32nds */

		while (n < want) {
			size_t rep;

			rs ^= rs << 13;
			rs ^= rs >> 7;
			rs ^= rs << 17;
			rep = (rs >> 20) % 4 == 0 ? 1 + (rs >> 24) % 4 : 1;
			if ((int)(rs & 31) < na_rate) {
				const struct unit *un =
				    &units_na[(rs >> 8) % (sizeof(units_na) / sizeof(units_na[0]))];

				while (rep-- > 0 && n < want) {
					u[n] = un;
					in[n++] = NULL;
				}
			} else {
				size_t k = (rs >> 8) % (sizeof(ascii) - 1);

				while (rep-- > 0 && n < want) {
					u[n] = NULL;
					in[n++] = asc[k];
				}
			}
		}
		ref_fold(in, u, n, &text, &orig, &map, &mapcap, cuts);
		norm_fold(&nb, orig.data, orig.len);
		ck_assert_msg(nb.len == text.len && memcmp(nb.text, text.data, text.len) == 0,
		    "round %d: fold(\"%s\") = \"%s\", want \"%s\"", round, orig.data, nb.text,
		    text.data);
		for (size_t k = 0; k <= text.len; k++)
			ck_assert_msg(nb.map[k] == map[k], "round %d: \"%s\": map[%zu] = %u, want %u",
			    round, orig.data, k, nb.map[k], map[k]);
		/* Without the map: the same text (the buffer is reused across rounds). */
		norm_fold_text(&bare, orig.data, orig.len);
		ck_assert_msg(bare.len == text.len && memcmp(bare.text, text.data, text.len) == 0,
		    "round %d: fold_text(\"%s\") = \"%s\"", round, orig.data, bare.text);
		/* And the substring property on a few random pieces. */
		for (int t = 0; t < 8 && n > 0; t++) {
			size_t a, b;

			rs ^= rs << 13;
			rs ^= rs >> 7;
			rs ^= rs << 17;
			a = (size_t)(rs % (n + 1));
			b = a + (size_t)((rs >> 20) % (n + 1 - a));
			substring_holds(orig.data, orig.len, cuts[a], cuts[b], &nb, &part, &checked);
		}
	}
	ck_assert_uint_gt(checked, 10000);
	free(map);
	buf_free(&text);
	buf_free(&orig);
	norm_free(&nb);
	norm_free(&part);
	norm_free(&bare);
}
END_TEST

/*
 * Folds s, then its reduplication form, with and without the map; checks
 * the text, that the map stays monotonic and within s, and returns it.
 */
static void
redup_is(struct norm_buf *nb, const char *s, const char *want)
{
	size_t len = strlen(s);
	struct norm_buf bare;
	char *key;

	norm_fold(nb, s, len);
	norm_redup(nb, 1);
	ck_assert_msg(nb->len == strlen(want) && memcmp(nb->text, want, nb->len + 1) == 0,
	              "redup(\"%s\") = \"%s\", want \"%s\"", s, nb->text, want);
	ck_assert_uint_eq(nb->map[nb->len], len);
	for (size_t i = 0; i < nb->len; i++) {
		ck_assert_uint_lt(nb->map[i], len);
		ck_assert_uint_le(nb->map[i], nb->map[i + 1]);
	}
	norm_init(&bare);
	norm_fold_text(&bare, s, len);
	norm_redup(&bare, 0);
	ck_assert_str_eq(bare.text, want);
	norm_free(&bare);
	key = norm_fold_key(s, len, NULL);
	ck_assert_str_eq(key, want);
	free(key);
}

START_TEST(test_redup)
{
	static const char *const folds[][2] = {
	    {"masuk2", "masuk-masuk"},
	    {"Masuk-Masuk", "masuk-masuk"},
	    {"cashback ga masuk2, CS lemot", "cashback ga masuk-masuk, cs lemot"},
	    {"macet gara2 ojol", "macet gara-gara ojol"},
	    {"pelan2", "pelan-pelan"},
	    {"PELAN2!", "pelan-pelan!"},
	    {"lamaaa2 bgt", "lama-lama bgt"},
	    {"ibu2 dan bapak2", "ibu-ibu dan bapak-bapak"},
	    {"(hati2)", "(hati-hati)"},
	    {"mas\xc3\xbak2", "masuk-masuk"},
	    {"\xf0\x9f\x98\xa1masuk2", "\xf0\x9f\x98\xa1masuk-masuk"},
	};
	/* numbers, codes, question words and spaced text stay as they are */
	static const char *const same[] = {
	    "2",
	    "b2b",
	    "h2h",
	    "mp3",
	    "covid19",
	    "x2 speed",
	    "100rb2",
	    "ps2",
	    "co2",
	    "masuk2nya",
	    "2masuk",
	    "masuk22",
	    "s2",
	    "web2.0",
	    "versi2,5",
	    "masuk_2",
	    "ojk2",
	    "gen2",
	    "web2",
	    "xyz2",
	    "\xd0\xb4\xd0\xb0\xd0\xb0"
	    "2",
	    "ada apa2",
	    "ga kenapa2",
	    "kemana2",
	    "minta minta",
	    "e-wallet",
	};
	struct norm_buf nb;

	norm_init(&nb);
	for (size_t i = 0; i < sizeof(folds) / sizeof(folds[0]); i++)
		redup_is(&nb, folds[i][0], folds[i][1]);
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		struct norm_buf plain;

		norm_init(&plain);
		norm_fold(&plain, same[i], strlen(same[i]));
		redup_is(&nb, same[i], plain.text);
		norm_free(&plain);
	}
	norm_free(&nb);
}
END_TEST

/* A keyword with the doubled word spaced is also looked for with a '-'. */
START_TEST(test_redup_spaced)
{
	static const char *const alts[][2] = {
	    {"masuk masuk", "masuk-masuk"},
	    {"ga masuk masuk ya", "ga masuk-masuk ya"},
	    {"pelan pelan aja pelan pelan", "pelan-pelan aja pelan-pelan"},
	    {"masuk masukan", NULL},
	    {"apa apa", NULL},
	    {"ok ok", NULL},
	    {"masuk", NULL},
	    {"kamasuk masuk", NULL},
	};

	for (size_t i = 0; i < sizeof(alts) / sizeof(alts[0]); i++) {
		size_t n = 0;
		char *a = norm_redup_spaced(alts[i][0], strlen(alts[i][0]), &n);

		if (alts[i][1] == NULL) {
			ck_assert_msg(a == NULL, "alt of '%s' is '%s'", alts[i][0], a);
			continue;
		}
		ck_assert_ptr_nonnull(a);
		ck_assert_uint_eq(n, strlen(alts[i][1]));
		ck_assert_str_eq(a, alts[i][1]);
		free(a);
	}
}
END_TEST

/*
 * The offsets of "ga masuk2 ya": the first copy keeps its own, the '-'
 * and the copy point at the '2'; so "masuk-masuk" covers "masuk2" and
 * "masuk" covers "masuk".
 */
START_TEST(test_redup_map)
{
	static const uint32_t want[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 8, 8, 8, 8, 9, 10, 11, 12};
	struct norm_buf nb;
	struct buf big, bigwant;

	norm_init(&nb);
	redup_is(&nb, "ga masuk2 ya", "ga masuk-masuk ya");
	for (size_t i = 0; i <= nb.len; i++)
		ck_assert_msg(nb.map[i] == want[i], "map[%zu] = %u, want %u", i, nb.map[i],
		              want[i]);
	/* many in one text: the buffer grows, and every copy lands where it belongs */
	buf_init(&big);
	buf_init(&bigwant);
	for (int i = 0; i < 500; i++) {
		buf_adds(&big, "gara2 x ");
		buf_adds(&bigwant, "gara-gara x ");
	}
	bigwant.data[--bigwant.len] = '\0';
	redup_is(&nb, big.data, bigwant.data);
	buf_free(&big);
	buf_free(&bigwant);
	norm_free(&nb);
}
END_TEST

static Suite *
normalize_suite(void)
{
	Suite *s = suite_create("normalize");
	TCase *tc = tcase_create("fold");

	/* the exhaustive cases take seconds under sanitizers on a busy machine */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ascii);
	tcase_add_test(tc, test_whitespace);
	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_squeeze);
	tcase_add_test(tc, test_squeeze_keywords);
	tcase_add_test(tc, test_run_blocks);
	tcase_add_test(tc, test_accents);
	tcase_add_test(tc, test_casefold);
	tcase_add_test(tc, test_width);
	tcase_add_test(tc, test_quotes);
	tcase_add_test(tc, test_emoji);
	tcase_add_test(tc, test_map);
	tcase_add_test(tc, test_substring);
	tcase_add_test(tc, test_map_spans);
	tcase_add_test(tc, test_reuse_and_growth);
	tcase_add_test(tc, test_cache);
	tcase_add_test(tc, test_fold_str);
	tcase_add_test(tc, test_invalid_in_bounds);
	tcase_add_test(tc, test_random_reference);
	tcase_add_test(tc, test_redup);
	tcase_add_test(tc, test_redup_spaced);
	tcase_add_test(tc, test_redup_map);
	suite_add_tcase(s, tc);
	tc = tcase_create("words");
	tcase_add_test(tc, test_word_cp);
	tcase_add_test(tc, test_word_boundaries);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(normalize_suite());
}
