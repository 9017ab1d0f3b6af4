/* Literal extraction, compile errors and match limits of the PCRE2 wrapper. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine/regex.h"
#include "unit.h"

/* The extracted set, sorted and joined with '|', or "" for none. */
static char *
lits(const char *pat)
{
	char **v, *out;
	size_t n = regex_literals(pat, strlen(pat), &v), len = 1;

	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(v[i], v[j]) > 0) {
				char *t = v[i];
				v[i] = v[j];
				v[j] = t;
			}
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	out = calloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, "|");
		strcat(out, v[i]);
	}
	regex_literals_free(v, n);
	return out;
}

#define LITS(pat, want)                                                                            \
	do {                                                                                       \
		char *got_ = lits(pat);                                                            \
		ck_assert_msg(strcmp(got_, want) == 0, "%s: got '%s', want '%s'", pat, got_, want); \
		free(got_);                                                                        \
	} while (0)

START_TEST(test_literal_runs)
{
	LITS("refund", "refund");
	LITS("gak\\s*bisa", "bisa");		/* the stronger of two runs */
	LITS("unable to log", "unable to log");
	LITS("colou?r scheme", "r scheme");	/* 'u?' is optional: it splits the run */
	LITS("double\\.charge", "double.charge"); /* escaped punctuation is literal */
	LITS("saldo+ hilang", "hilang");
	LITS("\\bpaket\\b", "paket");
}
END_TEST

START_TEST(test_literal_alternation)
{
	LITS("\\b(can'?t|cannot|unable to)\\s+(log\\s?in|sign\\s?in)\\b", "log|sign");
	LITS("refund|chargeback", "chargeback|refund");
	LITS("(?:ojk|ylki|bpsk) lapor", "lapor");
	LITS("(?<what>tagihan|invoice) naik", "invoice|tagihan");
	LITS("(?i)tidak bisa", "tidak bisa");
	LITS("(?i:tidak) bisa", "tidak");	/* the stronger single literal */
}
END_TEST

START_TEST(test_literal_none)
{
	/* no usable literal: the regex must run on every evaluated mention */
	LITS("\\d{4,}", "");
	LITS("[a-z]+@[a-z]+", "");
	LITS("refund|\\w+", "");		/* a branch without a literal */
	LITS("(refund)?", "");			/* optional group */
	LITS("(?=refund)x", "");		/* lookahead only, and 'x' too short */
	LITS("(?!refund)tolong", "tolong");	/* negative lookahead ignored */
	LITS("(?x) gak  bisa", "");		/* extended mode: not understood, so none */
	LITS("a", "");				/* too short to be worth it */
	LITS("(*UTF)refund", "");		/* verbs are not understood */
	LITS("\\Qa.b\\E refund", "refund");
	LITS("[refund]", "");			/* a class, not a word */
	LITS("(refund", "");			/* malformed: never guess */
}
END_TEST

START_TEST(test_literal_required_property)
{
	/* every extracted literal occurs in a matching subject (caseless) */
	static const char *cases[][2] = {
		{ "\\b(can'?t|cannot)\\s+(log\\s?in|sign\\s?in)\\b", "I CANT LOGIN" },
		{ "saldo+ (ter)?potong", "saldooo potong" },
		{ "gak\\s*bisa\\s+(bayar|transfer)", "GAKBISA transfer" },
	};
	struct regex_scratch *rs = regex_scratch_new();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[128], **v;
		size_t off, s, e, n;
		struct regex *re = regex_compile(cases[i][0], strlen(cases[i][0]), err, sizeof(err),
		    &off);
		int found = 0;

		ck_assert_ptr_nonnull(re);
		ck_assert_int_eq(regex_match(re, rs, cases[i][1], strlen(cases[i][1]), &s, &e), 1);
		n = regex_literals(cases[i][0], strlen(cases[i][0]), &v);
		ck_assert_uint_gt(n, 0);
		for (size_t j = 0; j < n; j++)
			if (strcasestr(cases[i][1], v[j]))
				found = 1;
		ck_assert_msg(found, "no literal of %s in '%s'", cases[i][0], cases[i][1]);
		regex_literals_free(v, n);
		regex_free(re);
	}
	regex_scratch_free(rs);
}
END_TEST

START_TEST(test_compile_errors)
{
	char err[128];
	size_t off = 99;

	ck_assert_ptr_null(regex_compile("(gak", 4, err, sizeof(err), &off));
	ck_assert_str_eq(err, "missing closing parenthesis");
	ck_assert_uint_eq(off, 4);
	ck_assert_ptr_null(regex_compile("x{3,1}", 6, err, sizeof(err), &off));
	ck_assert_uint_eq(off, 5);
}
END_TEST

START_TEST(test_match_caseless_utf)
{
	char err[128];
	size_t off, s, e;
	struct regex *re = regex_compile("kecewa", 6, err, sizeof(err), &off);
	struct regex_scratch *rs = regex_scratch_new();
	const char *t = "Saya \xc3\xa9 KECEWA banget";

	ck_assert_ptr_nonnull(re);
	ck_assert_int_eq(regex_is_jit(re), 1);
	ck_assert_int_eq(regex_match(re, rs, t, strlen(t), &s, &e), 1);
	ck_assert_uint_eq(s, 8);
	ck_assert_uint_eq(e, 14);
	ck_assert_int_eq(regex_match(re, rs, "puas", 4, &s, &e), 0);
	regex_free(re);
	regex_scratch_free(rs);
}
END_TEST

START_TEST(test_match_limit)
{
	/* catastrophic backtracking is cut off and reported as an error */
	const char *pat = "(a+)+$";
	char err[128], subject[64];
	size_t off, s, e;
	struct regex *re = regex_compile(pat, strlen(pat), err, sizeof(err), &off);
	struct regex_scratch *rs = regex_scratch_new();

	memset(subject, 'a', 40);
	subject[40] = 'b';
	subject[41] = '\0';
	ck_assert_ptr_nonnull(re);
	ck_assert_int_eq(regex_match(re, rs, subject, strlen(subject), &s, &e), -1);
	regex_free(re);
	regex_scratch_free(rs);
}
END_TEST

/* Compiled patterns of one test, freed together. */
static struct regex *compiled[16];
static size_t ncompiled;

static struct regex *
compile(const char *pat)
{
	char err[256];
	size_t off;
	struct regex *re = regex_compile(pat, strlen(pat), err, sizeof(err), &off);

	ck_assert_msg(re != NULL, "%s: %s", pat, err);
	ck_assert_uint_lt(ncompiled, 16);
	return compiled[ncompiled++] = re;
}

static void
compiled_free(void)
{
	while (ncompiled > 0)
		regex_free(compiled[--ncompiled]);
}

/* "…https://a" n times, then " x": no match, a long scan from every '…' */
static char *
worst_text(size_t n, size_t *len)
{
	static const char unit[] = "\xe2\x80\xa6https://a";
	char *s = malloc(n * (sizeof(unit) - 1) + 3);

	*len = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(s + *len, unit, sizeof(unit) - 1);
		*len += sizeof(unit) - 1;
	}
	memcpy(s + *len, " x", 3);
	*len += 2;
	return s;
}

START_TEST(test_window_tail)
{
	struct regex *re = compile("\xe2\x80\xa6\\s*+(?:https?://\\S++\\s*+)*+$");
	struct regex *head = compile("^\\W*(rt|via)\\b"), *mid = compile("\\brefund\\b");
	struct regex_scratch *rs = regex_scratch_new();
	char text[3000];
	size_t st, en, len;
	char *w;

	ck_assert(regex_is_tail(re));
	ck_assert(!regex_is_tail(head) && regex_is_head(head));
	ck_assert(!regex_is_tail(mid) && !regex_is_head(mid));
	ck_assert(!regex_is_tail(compile("a$|b")));
	ck_assert(regex_is_tail(compile("(a|b)\\z")));
	ck_assert(!regex_is_tail(compile("a\\$")));
	ck_assert(!regex_is_tail(compile("(?im)a$")));
	/* a match at the end of a long text is found in the last window, with its span */
	memset(text, 'x', 2000);
	memcpy(text + 2000, " \xe2\x80\xa6 https://t.co/x", 19);
	ck_assert_int_eq(regex_match_window(re, rs, text, 2019, 256, &st, &en), 1);
	ck_assert_uint_eq(st, 2001);
	ck_assert_uint_eq(en, 2019);
	/* the window starts on a character: a '…' cut in two is not a start */
	ck_assert_int_eq(regex_match_window(re, rs, text, 2019, 17, &st, &en), 0);
	/* a head window: '$' does not match at the cut */
	ck_assert_int_eq(regex_match_window(compile("x$|zz"), rs, text, 2019, 100, &st, &en), 0);
	ck_assert_int_eq(regex_match_window(compile("x"), rs, text, 2019, 100, &st, &en), 1);
	/* nothing past the head window is seen */
	memcpy(text + 500, " refund ", 8);
	ck_assert_int_eq(regex_match_window(mid, rs, text, 2019, 400, &st, &en), 0);
	ck_assert_int_eq(regex_match_window(mid, rs, text, 2019, 600, &st, &en), 1);
	/* the worst case still gives the right answer */
	w = worst_text(5000, &len);
	ck_assert_int_eq(regex_match_window(re, rs, w, len, 1024, &st, &en), 0);
	ck_assert_int_eq(regex_match_window(re, rs, w, len - 2, 1024, &st, &en), 1);
	ck_assert_uint_eq(en, len - 2);
	free(w);
	regex_scratch_free(rs);
	compiled_free();
}
END_TEST

#define LINTS(pat, want_off)                                                                       \
	do {                                                                                       \
		size_t off_ = 12345;                                                               \
		const char *why_ = NULL;                                                           \
		int r_ = regex_lint(pat, strlen(pat), &off_, &why_);                               \
		if ((want_off) < 0)                                                                \
			ck_assert_msg(r_ == 0, "%s: warned at %zu: %s", pat, off_, why_);          \
		else {                                                                             \
			ck_assert_msg(r_ == 1, "%s: no warning", pat);                             \
			ck_assert_msg(off_ == (size_t)(want_off), "%s: at %zu", pat, off_);        \
		}                                                                                  \
	} while (0)

START_TEST(test_lint_shapes)
{
	/* nested repeats that give back */
	LINTS("(a+)+$", 0);
	LINTS("x(\\s*y*)*", 1);
	LINTS("(?:\\w+\\s?)*$", 0);
	LINTS("^(a|b+)+c", 1);
	/* possessive or atomic: no exponential splits */
	LINTS("(a++)+$", -1);
	LINTS("(?>a+)+$", -1);
	LINTS("(a+)++$", -1);
	/* a repeated scan to '$' that is not anchored at the end as a whole */
	LINTS("foo|\xe2\x80\xa6\\s*+(?:https?://\\S++\\s*+)*+$", 11);
	/* ... anchored at the end: it only ever sees the tail window */
	LINTS("\xe2\x80\xa6\\s*+(?:https?://\\S++\\s*+)*+$", -1);
	/* ... or with the distance to '$' bounded */
	LINTS("a|\xe2\x80\xa6(?=[\\s\\S]{0,400}+$)\\s*+(?:https?://\\S++\\s*+)*+$", -1);
	/* two unbounded '.' that can split a text */
	LINTS("error.*code.*\\d", 11);
	LINTS("a.*+b.*c", -1);
	/* ordinary patterns */
	LINTS("\\b(cannot|unable to)\\s+log\\s?in\\b", -1);
	LINTS("\\d{6,}", -1);
	LINTS("^(?![^?]*+\\?)\\W*+(?:[^:]{0,60}+:\\s*+)?(?:\\S++\\s++){0,6}\\W*+(a|b)\\b", -1);
	LINTS("[(]+a", -1);
	LINTS("\\(+a", -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("regex");
	TCase *tc = tcase_create("regex");

	tcase_add_test(tc, test_literal_runs);
	tcase_add_test(tc, test_literal_alternation);
	tcase_add_test(tc, test_literal_none);
	tcase_add_test(tc, test_literal_required_property);
	tcase_add_test(tc, test_compile_errors);
	tcase_add_test(tc, test_match_caseless_utf);
	tcase_add_test(tc, test_match_limit);
	tcase_add_test(tc, test_window_tail);
	tcase_add_test(tc, test_lint_shapes);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
