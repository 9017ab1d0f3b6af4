/*
 * Models in the rules: the model: condition's parsing and errors, the
 * models: score of every verdict, the probability asked once per mention
 * and only when needed, the evidence spans, and a draft sharing the live
 * set's loaded models (and outliving that set).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/classify.h"
#include "engine/model.h"
#include "engine/rules.h"
#include "engine/rules_select.h"
#include "lib/util.h"
#include "unit.h"

static char dir[] = "/tmp/keluh-unit.XXXXXX";
static char model_path[300];

static const struct model_example examples[] = {
    {"my refund never arrived, terrible service", 41, 1},
    {"still waiting for my refund after two weeks", 43, 1},
    {"the app keeps crashing and support ignores me", 45, 1},
    {"where is my money, refund please", 32, 1},
    {"worst service ever, nobody answers", 34, 1},
    {"order not delivered and no refund", 33, 1},
    {"thanks for the quick help today", 31, 0},
    {"love the new update, great job", 30, 0},
    {"happy with my order, arrived early", 34, 0},
    {"great service, thank you team", 29, 0},
    {"thank you for the fast delivery", 31, 0},
    {"nice promo this weekend", 23, 0},
};

static void
setup(void)
{
	struct model_opts o;
	struct model *m;
	char err[256];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(model_path, sizeof(model_path), "%s/brand.model", dir);
	model_opts_default(&o);
	o.bits = 14;
	m = model_train(examples, sizeof(examples) / sizeof(examples[0]), &o, err, sizeof(err));
	ck_assert_msg(m != NULL, "%s", err);
	ck_assert_int_eq(model_save(m, model_path, err, sizeof(err)), 0);
	model_free(m);
}

static void
teardown(void)
{
	char p[320];

	unlink(model_path);
	snprintf(p, sizeof(p), "%s/r.yaml", dir);
	unlink(p);
	rmdir(dir);
}

/* The rules of yaml with the model brand (score given) configured; NULL on errors (in d). */
static struct ruleset *
load(const char *yaml, double score, struct diag *d)
{
	struct rules_model_spec m = {(char *)"brand",       model_path, score,
	                             (char *)"keluhd.yaml", 3,          11};
	struct rules_spec spec;
	struct ruleset *rs;
	char p[320];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/r.yaml", dir);
	fp = fopen(p, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(yaml, fp);
	fclose(fp);
	rules_spec_init(&spec);
	rules_spec_add_dir(&spec, dir);
	rules_spec_add_model(&spec, &m);
	rs = rules_load_spec(&spec, d);
	rules_spec_free(&spec);
	return rs;
}

/* Whether one of d's errors is at line:col and has want in its message. */
static int
has_error(const struct diag *d, unsigned line, unsigned col, const char *want)
{
	for (size_t i = 0; i < d->n; i++)
		if (!d->items[i].warning && d->items[i].line == line && d->items[i].col == col &&
		    strstr(d->items[i].msg, want))
			return 1;
	return 0;
}

static int
classify(struct classify_ctx *c, const char *text, struct verdict *v)
{
	size_t bad;

	return classify_text(c, text, strlen(text), NULL, v, &bad);
}

START_TEST(test_condition_errors)
{
	static const char *const yaml =
	    "rules:\n"
	    "  - {id: a, score: 10, when: {model: {name: brnd, above: 0.5}}}\n"
	    "  - {id: b, score: 10, when: {model: {name: brand, above: 1}}}\n"
	    "  - {id: c, score: 10, when: {model: {name: brand, above: x}}}\n"
	    "  - {id: d, score: 10, when: {model: brand}}\n"
	    "  - {id: e, score: 10, when: {model: {above: 0.5}}}\n"
	    "  - {id: f, score: 10, when: {model: {name: brand}}}\n"
	    "  - {id: g, score: 10, when: {model: {name: brand, above: 0.5, below: 0.9}}}\n";
	struct diag d;

	diag_init(&d);
	ck_assert_ptr_null(load(yaml, 40, &d));
	ck_assert_uint_eq(d.errors, 7);
	ck_assert(has_error(&d, 2, 45,
	                    "unknown model 'brnd'; did you mean 'brand'? (the models "
	                    "configured are: brand)"));
	ck_assert(has_error(&d, 3, 59, "above '1' is not a probability between 0 and 1"));
	ck_assert(has_error(&d, 4, 59, "above 'x' is not a probability"));
	ck_assert(has_error(&d, 5, 38,
	                    "model must be a mapping such as {name: brand-complaints, "
	                    "above: 0.7}, not text"));
	ck_assert(has_error(&d, 6, 38, "model needs 'name:'"));
	ck_assert(has_error(&d, 7, 38, "model needs 'above:'"));
	ck_assert(has_error(&d, 8, 64, "unknown key 'below' in model"));
	diag_free(&d);
}
END_TEST

START_TEST(test_model_file_errors)
{
	struct rules_model_spec m = {
	    (char *)"other", (char *)"/nonexistent/other.model", 40, (char *)"keluhd.yaml", 9, 11};
	struct rules_spec spec;
	struct diag d;

	/* a file that does not load: at its models: entry; the rules naming it say nothing more */
	rules_spec_init(&spec);
	rules_spec_add_dir(&spec, dir);
	rules_spec_add_model(&spec, &m);
	diag_init(&d);
	{
		FILE *fp;
		char p[320];

		snprintf(p, sizeof(p), "%s/r.yaml", dir);
		fp = fopen(p, "w");
		fputs("rules:\n  - {id: a, score: 10, when: {model: {name: other, above: 0.5}}}\n",
		      fp);
		fclose(fp);
	}
	ck_assert_ptr_null(rules_load_spec(&spec, &d));
	ck_assert_uint_eq(d.errors, 1);
	ck_assert(has_error(&d, 9, 11, "model 'other' does not load: /nonexistent/other.model"));
	ck_assert_str_eq(d.items[0].file, "keluhd.yaml");
	diag_free(&d);
	rules_spec_free(&spec);
}
END_TEST

START_TEST(test_score_every_verdict)
{
	static const char *const text = "still waiting for my refund, terrible";
	struct model *m;
	struct ruleset *rs;
	struct classify_ctx *c;
	struct verdict v;
	struct diag d;
	char err[256];
	double p;

	m = model_load(model_path, err, sizeof(err));
	ck_assert_ptr_nonnull(m);
	p = model_prob(m, text, strlen(text));
	ck_assert(p > 0.6);
	diag_init(&d);
	rs = load("rules:\n  - {id: a, score: 30, when: {keywords: [zzz]}}\n", 40, &d);
	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(rules_nmodels(rs), 1);
	ck_assert_str_eq(rules_model_name(rs, 0), "brand");
	c = classify_ctx_new(rs);
	ck_assert_int_eq(classify(c, text, &v), 0);
	ck_assert_uint_eq(v.nrules, 0);
	ck_assert_uint_eq(v.nmodels, 1);
	ck_assert(fabs(v.models[0].p - p) < 1e-9);
	ck_assert_int_eq(v.model, (int)lround(40 * (p - 0.5)));
	ck_assert_int_eq(v.score, v.model);
	ck_assert(v.complaint);
	/* the evidence: the model's explanation, its positive n-grams, under no rule */
	{
		struct model_why why[CLASSIFY_MODEL_WHY];
		size_t n = model_explain(m, text, strlen(text), why, CLASSIFY_MODEL_WHY), k = 0;

		for (size_t i = 0; i < n; i++) {
			if (why[i].weight <= 0)
				continue;
			ck_assert_uint_lt(k, v.nmatches);
			ck_assert_int_eq(v.matches[k].kind, MATCH_MODEL);
			ck_assert_uint_eq(v.matches[k].rule, CLASSIFY_NO_RULE);
			ck_assert_uint_eq(v.matches[k].start, why[i].start);
			ck_assert_uint_eq(v.matches[k].end, why[i].end);
			ck_assert_str_eq(v.matches[k].pattern, why[i].gram);
			k++;
		}
		ck_assert_uint_gt(k, 0);
		ck_assert_uint_eq(k, v.nmatches);
	}
	/* praise: the model subtracts, and a mention that is none has no evidence to show */
	classify_set_evidence(c, CLASSIFY_EVIDENCE_COMPLAINTS);
	ck_assert_int_eq(classify(c, "thank you team, great service", &v), 0);
	ck_assert_int_lt(v.model, 0);
	ck_assert(!v.complaint);
	ck_assert_uint_eq(v.nmatches, 0);
	classify_ctx_free(c);
	rules_unref(rs);
	model_free(m);
	diag_free(&d);
}
END_TEST

START_TEST(test_asked_once_when_needed)
{
	static const char *const yaml =
	    "rules:\n"
	    "  - id: a\n"
	    "    score: 30\n"
	    "    when: {all: [{keywords: [refund]}, {model: {name: brand, above: 0.6}}]}\n"
	    "  - id: b\n"
	    "    score: 20\n"
	    "    when: {all: [{keywords: [waiting]}, {model: {name: brand, above: 0.5}}]}\n"
	    "  - id: c\n"
	    "    score: 5\n"
	    "    when: {all: [{keywords: [refund]}, {model: {name: brand, above: 0.99}}]}\n";
	struct ruleset *rs;
	struct classify_ctx *c;
	struct rules_summary s;
	struct verdict v;
	struct diag d;

	diag_init(&d);
	rs = load(yaml, 0, &d); /* score 0: for the conditions only */
	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(d.warnings, 0);
	rules_summary(rs, &s);
	ck_assert_uint_eq(s.models, 1);
	ck_assert_uint_eq(s.model_conds, 3);
	ck_assert_uint_eq(s.rules_always, 0);
	c = classify_ctx_new(rs);
	/* no keyword: the model is not asked */
	ck_assert_int_eq(classify(c, "nice promo this weekend", &v), 0);
	ck_assert_uint_eq(v.nmodels, 0);
	ck_assert_int_eq(v.model, 0);
	/* three rules ask: once */
	ck_assert_int_eq(classify(c, "still waiting for my refund", &v), 0);
	ck_assert_uint_eq(v.nmodels, 1);
	ck_assert_int_eq(v.models[0].score, 0);
	ck_assert_uint_eq(v.nrules, 2);
	ck_assert_str_eq(rules_id(rs, v.rules[0]), "a");
	ck_assert_str_eq(rules_id(rs, v.rules[1]), "b");
	ck_assert_int_eq(v.score, 30 + 20);
	for (size_t i = 0; i < v.nmatches; i++)
		if (v.matches[i].kind == MATCH_MODEL)
			ck_assert(v.matches[i].rule == v.rules[0] ||
			          v.matches[i].rule == v.rules[1]);
	/* the same keyword, and what the model says of this text is below */
	ck_assert_int_eq(classify(c, "refund received, thank you team", &v), 0);
	ck_assert_uint_eq(v.nmodels, 1);
	ck_assert(v.models[0].p <= 0.6);
	ck_assert_uint_eq(v.nrules, 0);
	classify_ctx_free(c);
	rules_unref(rs);
	diag_free(&d);
}
END_TEST

START_TEST(test_no_models)
{
	struct rules_spec spec;
	struct ruleset *rs;
	struct classify_ctx *c;
	struct verdict v;
	struct diag d;
	FILE *fp;
	char p[320];

	snprintf(p, sizeof(p), "%s/r.yaml", dir);
	fp = fopen(p, "w");
	fputs("rules:\n  - {id: a, score: 30, when: {keywords: [refund]}}\n", fp);
	fclose(fp);
	rules_spec_init(&spec);
	rules_spec_add_dir(&spec, dir);
	diag_init(&d);
	rs = rules_load_spec(&spec, &d);
	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(rules_nmodels(rs), 0);
	c = classify_ctx_new(rs);
	ck_assert_int_eq(classify(c, "my refund", &v), 0);
	ck_assert_uint_eq(v.nmodels, 0);
	ck_assert_int_eq(v.model, 0);
	ck_assert_int_eq(v.score, 30);
	classify_ctx_free(c);
	rules_unref(rs);
	rules_spec_free(&spec);
	diag_free(&d);
}
END_TEST

/*
 * A draft of the live set shares the models it has loaded from the same
 * file (nothing is read), keeps them when the live set goes first, and
 * reads a model whose file is another.
 */
START_TEST(test_draft_shares_models)
{
	static const char *const yaml =
	    "rules:\n  - {id: a, score: 10, when: {model: {name: brand, above: 0.6}}}\n";
	struct rules_model_spec other = {(char *)"brand",       model_path, 40,
	                                 (char *)"keluhd.yaml", 3,          11};
	struct rules_draft dr = {"r.yaml", yaml, strlen(yaml), NULL};
	struct ruleset *live, *draft, *reread;
	struct rules_spec spec;
	struct classify_ctx *c;
	struct verdict v;
	struct diag d;
	unsigned long read0;
	char copy[320];

	diag_init(&d);
	live = load(yaml, 40, &d);
	ck_assert_ptr_nonnull(live);
	rules_spec_init(&spec);
	rules_spec_add_dir(&spec, dir);
	rules_spec_add_model(&spec, &other);
	dr.models_of = live;
	read0 = model_files_read();
	draft = rules_load_spec_draft(&spec, &dr, &d);
	ck_assert_ptr_nonnull(draft);
	ck_assert_uint_eq(model_files_read(), read0);
	ck_assert_ptr_eq(rules_model(draft, 0), rules_model(live, 0));
	rules_unref(live);
	c = classify_ctx_new(draft);
	ck_assert_int_eq(classify(c, "still waiting for my refund, terrible", &v), 0);
	ck_assert_uint_eq(v.nrules, 1);
	classify_ctx_free(c);
	rules_spec_free(&spec);

	/* the same model from another file: read, not shared */
	snprintf(copy, sizeof(copy), "%s/copy.model", dir);
	ck_assert_int_eq(link(model_path, copy), 0);
	other.file = copy;
	rules_spec_init(&spec);
	rules_spec_add_dir(&spec, dir);
	rules_spec_add_model(&spec, &other);
	dr.models_of = draft;
	reread = rules_load_spec_draft(&spec, &dr, &d);
	unlink(copy);
	ck_assert_ptr_nonnull(reread);
	ck_assert_uint_eq(model_files_read(), read0 + 1);
	ck_assert_ptr_ne(rules_model(reread, 0), rules_model(draft, 0));
	rules_unref(reread);
	rules_unref(draft);
	rules_spec_free(&spec);
	diag_free(&d);
}
END_TEST

START_TEST(test_model_names)
{
	char *n = rules_model_name_from_file("/x/y/brand-complaints.model");

	ck_assert_str_eq(n, "brand-complaints");
	free(n);
	n = rules_model_name_from_file("plain");
	ck_assert_str_eq(n, "plain");
	free(n);
	ck_assert(rules_model_name_valid("brand.v2_x-y"));
	ck_assert(!rules_model_name_valid("Brand"));
	ck_assert(!rules_model_name_valid(""));
	ck_assert(!rules_model_name_valid("a b"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rules_model");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_condition_errors);
	tcase_add_test(tc, test_model_file_errors);
	tcase_add_test(tc, test_score_every_verdict);
	tcase_add_test(tc, test_asked_once_when_needed);
	tcase_add_test(tc, test_no_models);
	tcase_add_test(tc, test_model_names);
	tcase_add_test(tc, test_draft_shares_models);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
