/*
 * A draft of one rule file loaded with the rest of a spec: it replaces the
 * user's file of its name or joins the set, its errors carry its own name
 * and position, and the set on disk stays as it was.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/classify.h"
#include "engine/rules.h"
#include "engine/rules_select.h"
#include "engine/verdict.h"
#include "lib/util.h"
#include "unit.h"

static char root[] = "/tmp/keluh-unit.XXXXXX";
static char pack[300], user[300];
static struct rules_spec spec;

static void
put(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(p, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	free(p);
}

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(pack, sizeof(pack), "%s/pack", root);
	snprintf(user, sizeof(user), "%s/user", root);
	ck_assert_int_eq(mkdir(pack, 0755), 0);
	ck_assert_int_eq(mkdir(user, 0755), 0);
	put(pack, "base.yaml",
	    "scoring: {thresholds: {critical: 80, high: 50, normal: 25, low: 10}}\n"
	    "rules:\n  - {id: pack.login, score: 40, when: {keywords: [gagal login]}}\n");
	put(user, "billing.yaml",
	    "rules:\n  - {id: bill.double, team: billing, score: 30, when: {keywords: [dobel]}}\n");
	put(user, "ship.yaml",
	    "rules:\n  - {id: ship.late, team: ops, score: 20, when: {keywords: [telat]}}\n");
	rules_spec_init(&spec);
	rules_spec_add_dir(&spec, pack);
	rules_spec_add_dir(&spec, user);
	spec.user_dir = xstrdup(user);
}

static void
teardown(void)
{
	char *p;

	rules_spec_free(&spec);
	for (const char *const *n = (const char *const[]){"pack/base.yaml", "user/billing.yaml",
	                                                  "user/ship.yaml", NULL};
	     *n; n++) {
		p = xasprintf("%s/%s", root, *n);
		unlink(p);
		free(p);
	}
	rmdir(pack);
	rmdir(user);
	rmdir(root);
}

static int
has_rule(const struct ruleset *rs, const char *id)
{
	for (size_t i = 0; i < rules_count(rs); i++)
		if (strcmp(rules_id(rs, i), id) == 0)
			return 1;
	return 0;
}

static struct ruleset *
draft(const char *name, const char *text, struct diag *d)
{
	struct rules_draft dr = {name, text, strlen(text), NULL};

	return rules_load_spec_draft(&spec, &dr, d);
}

START_TEST(test_replaces_the_file_of_its_name)
{
	struct diag d;
	struct ruleset *rs;

	diag_init(&d);
	rs = draft(
	    "billing.yaml",
	    "rules:\n  - {id: bill.refund, team: billing, score: 30, when: {keywords: [refund]}}\n",
	    &d);
	ck_assert_ptr_nonnull(rs);
	ck_assert(has_rule(rs, "bill.refund"));
	ck_assert(!has_rule(rs, "bill.double"));
	ck_assert(has_rule(rs, "ship.late"));
	ck_assert(has_rule(rs, "pack.login"));
	ck_assert_uint_eq(rules_count(rs), 3);
	/* the draft's rules are named by the name it was given */
	for (size_t i = 0; i < rules_count(rs); i++)
		if (strcmp(rules_id(rs, i), "bill.refund") == 0) {
			ck_assert_str_eq(rules_file(rs, i), "billing.yaml");
			ck_assert_uint_eq(rules_line(rs, i), 2);
		}
	rules_unref(rs);
	diag_free(&d);
}
END_TEST

START_TEST(test_a_new_name_joins_in_name_order)
{
	struct diag d;
	struct ruleset *rs;
	size_t at_new = 0, at_ship = 0, at_bill = 0;

	diag_init(&d);
	rs = draft("promo.yaml",
	           "rules:\n  - {id: promo.fail, score: 25, when: {keywords: [promo]}}\n", &d);
	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(rules_count(rs), 4);
	for (size_t i = 0; i < rules_count(rs); i++) {
		if (strcmp(rules_id(rs, i), "promo.fail") == 0)
			at_new = i;
		if (strcmp(rules_id(rs, i), "ship.late") == 0)
			at_ship = i;
		if (strcmp(rules_id(rs, i), "bill.double") == 0)
			at_bill = i;
	}
	ck_assert_uint_lt(at_bill, at_new);
	ck_assert_uint_lt(at_new, at_ship);
	rules_unref(rs);
	diag_free(&d);
}
END_TEST

/* The user's directory not made yet: the draft is the set's only user file. */
START_TEST(test_missing_user_dir)
{
	struct diag d;
	struct ruleset *rs;
	char *gone = xasprintf("%s/none", root);

	rules_spec_free(&spec);
	rules_spec_init(&spec);
	rules_spec_add_dir(&spec, pack);
	rules_spec_add_dir(&spec, gone);
	spec.user_dir = gone;
	diag_init(&d);
	rs = draft("a.yaml", "rules:\n  - {id: a.b, score: 25, when: {keywords: [zz]}}\n", &d);
	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(rules_count(rs), 2);
	rules_unref(rs);
	diag_free(&d);
}
END_TEST

START_TEST(test_errors_name_the_draft)
{
	struct diag d;
	struct ruleset *rs;

	diag_init(&d);
	rs = draft("billing.yaml",
	           "rules:\n  - id: bill.x\n    score: 30\n    wen: {keywords: [x]}\n", &d);
	ck_assert_ptr_null(rs);
	ck_assert_uint_ge(d.errors, 1);
	ck_assert_str_eq(d.items[0].file, "billing.yaml");
	ck_assert_uint_eq(d.items[0].line, 4);
	ck_assert_uint_eq(d.items[0].col, 5);
	if (strstr(d.items[0].msg, "did you mean 'when'") == NULL)
		ck_abort_msg("no suggestion: %s", d.items[0].msg);
	diag_free(&d);

	/* a YAML syntax error has its position too */
	diag_init(&d);
	ck_assert_ptr_null(draft("new.yaml", "rules:\n  - {id: a, score: [\n", &d));
	ck_assert_str_eq(d.items[0].file, "new.yaml");
	ck_assert_uint_ge(d.items[0].line, 2);
	diag_free(&d);

	/* a rule id the other files have: both places are told */
	diag_init(&d);
	ck_assert_ptr_null(draft(
	    "new.yaml", "rules:\n  - {id: ship.late, score: 20, when: {keywords: [x]}}\n", &d));
	ck_assert_uint_ge(d.errors, 1);
	diag_free(&d);
}
END_TEST

START_TEST(test_names_and_size_bounded)
{
	static const char *const bad[] = {"../x.yaml", "a/b.yaml", ".hidden.yaml", "x.yml",    "x",
	                                  "",          ".yaml",    "a\\b.yaml",    "a\nb.yaml"};
	struct diag d;
	char *big;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		diag_init(&d);
		ck_assert_ptr_null(draft(bad[i], "rules: []\n", &d));
		ck_assert_uint_eq(d.errors, 1);
		ck_assert_ptr_nonnull(strstr(d.items[0].msg, "plain")
		                          ? d.items[0].msg
		                          : strstr(d.items[0].msg, "control"));
		diag_free(&d);
	}
	big = xmalloc(RULES_DRAFT_MAX + 2);
	memset(big, '#', RULES_DRAFT_MAX + 1);
	big[RULES_DRAFT_MAX + 1] = '\0';
	diag_init(&d);
	ck_assert_ptr_null(draft("big.yaml", big, &d));
	ck_assert_uint_eq(d.errors, 1);
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, "at most 262144"));
	diag_free(&d);
	free(big);
}
END_TEST

/* The files on disk and a set loaded from them are what they were. */
START_TEST(test_live_set_unchanged)
{
	struct diag d;
	struct ruleset *live, *dr, *again;

	diag_init(&d);
	live = rules_load_spec(&spec, &d);
	ck_assert_ptr_nonnull(live);
	dr = draft("billing.yaml", "rules: []\n", &d);
	ck_assert_ptr_nonnull(dr);
	ck_assert_uint_eq(rules_count(dr), 2);
	ck_assert_uint_eq(rules_count(live), 3);
	ck_assert(has_rule(live, "bill.double"));
	again = rules_load_spec(&spec, &d);
	ck_assert(has_rule(again, "bill.double"));
	ck_assert_uint_eq(rules_count(again), 3);
	rules_unref(again);
	rules_unref(dr);
	rules_unref(live);
	diag_free(&d);
}
END_TEST

/* Inline tests of a draft, run as keluhctl test --verify runs them. */
START_TEST(test_draft_tests)
{
	struct diag d;
	struct ruleset *rs;
	struct classify_ctx *ctx;
	struct verdict v;
	struct buf why;
	size_t mine = 0;

	diag_init(&d);
	rs = draft(
	    "billing.yaml",
	    "rules:\n  - {id: bill.refund, team: billing, score: 30, when: {keywords: [refund]}}\n"
	    "tests:\n  - {text: minta refund dong, rules: [bill.refund], priority: normal}\n"
	    "  - {text: refund kapan, priority: high}\n",
	    &d);
	ck_assert_ptr_nonnull(rs);
	ctx = classify_ctx_new(rs);
	buf_init(&why);
	for (size_t i = 0; i < rules_ntests(rs); i++) {
		const struct rules_test *t = rules_test_get(rs, i);

		if (strcmp(t->file, "billing.yaml") != 0)
			continue;
		buf_reset(&why);
		if (mine++ == 0)
			ck_assert_int_eq(verdict_test(ctx, t, &v, &why), 1);
		else {
			ck_assert_int_eq(verdict_test(ctx, t, &v, &why), 0);
			ck_assert_str_eq(why.data, "priority is normal, expected high (score 30)");
			ck_assert_uint_eq(t->line, 5);
		}
	}
	ck_assert_uint_eq(mine, 2);
	buf_free(&why);
	classify_ctx_free(ctx);
	rules_unref(rs);
	diag_free(&d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rules_draft");
	TCase *tc = tcase_create("rules_draft");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_replaces_the_file_of_its_name);
	tcase_add_test(tc, test_a_new_name_joins_in_name_order);
	tcase_add_test(tc, test_missing_user_dir);
	tcase_add_test(tc, test_errors_name_the_draft);
	tcase_add_test(tc, test_names_and_size_bounded);
	tcase_add_test(tc, test_live_set_unchanged);
	tcase_add_test(tc, test_draft_tests);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
