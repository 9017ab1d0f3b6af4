/* Literal extraction, compile errors and match limits of the PCRE2 wrapper. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "regex.h"
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
	suite_add_tcase(s, tc);
	return unit_run(s);
}
