/*
 * ctl_eval.c: keluhctl eval, how well the rules (and a model) find the
 * complaints of labelled mentions: precision, recall and F1 per class and
 * macro-F1; what each rule catches and how often it is right; the labelled
 * complaints no rule caught. A model is measured by k-fold cross-validation
 * (trained on k-1 folds, scored on the one held out), alone and added to
 * the rules' score as keluhd.yaml's models: would add it. With labelled
 * priorities, how often the verdict's priority agrees, and the thresholds
 * that would agree more, themselves cross-validated.
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_eval.h"
#include "engine/classify.h"
#include "engine/model.h"
#include "lib/util.h"

#define EXIT_FAIL  1
#define EXIT_USAGE 2

/* What a model adds to the rules' score: score x (p - 0.5), as models: does. */
#define EVAL_MODEL_SCORE 40
#define EVAL_TOP         20

struct eval_opts {
	const char *conf_path, *labels, *gold, *model;
	const char *rules_dirs[16];
	size_t nrules_dirs;
	unsigned folds, top;
	int json, rules_only;
	double model_score;
};

/* The rules' verdict on one labelled mention, as calibration needs it. */
struct eval_row {
	int complaint, score;
	enum prio prio;
};

/* One configuration measured: its name and counts. */
struct eval_result {
	const char *name;
	int cv; /* cross-validated */
	struct ctl_counts c;
	struct ctl_scores s;
	size_t prio_ok; /* labelled priorities agreed with */
};

struct eval_rule {
	size_t rule, hits, complaints;
};

struct eval_calib {
	int th[PRIO__N];   /* the thresholds in use */
	size_t now_ok;     /* their agreement */
	size_t cv_ok;      /* thresholds tuned on k-1 folds, on the held out one */
	int best[PRIO__N]; /* tuned on every labelled priority */
	size_t best_ok;
	int fold_th[CTL_FOLDS_MAX][2]; /* normal and high tuned without each fold */
};

struct eval_run {
	struct eval_opts o;
	struct ctl_exset set;
	struct ruleset *rs;
	struct eval_row *row;
	double *p_cv, *p_model;
	struct eval_result res[5];
	size_t nres, main; /* the configuration the top-level figures are of */
	struct eval_rule *rules;
	size_t nrules;
	struct eval_calib cal;
	int has_cal;
};

static void
eval_usage(FILE *fp)
{
	fputs(
	    "usage: keluhctl eval --labels FILE [--gold CSV] [-c FILE | -r DIR...] [--model FILE]\n"
	    "                     [--folds K] [--model-score S] [--rules-only] [--top N] [--json]\n"
	    "  precision, recall and F1 of the rules on labelled mentions; of a model trained\n"
	    "  on them (K-fold cross-validated, default 5) alone and added to the rules; of\n"
	    "  --model FILE with the rules; what each rule catches; the complaints missed;\n"
	    "  with labelled priorities, the agreement of the verdicts' and calibrated\n"
	    "  thresholds\n"
	    "  --labels FILE     NDJSON {\"id\",\"text\",\"complaint\"} or CSV id,text,complaint\n"
	    "  --gold CSV        FILE holds mentions, CSV their labels by id "
	    "(id,complaint[,priority])\n"
	    "  -c, --config FILE the rules keluhd would load; -r, --rules DIR: these rules\n"
	    "  --model FILE      also measure the rules with this model\n"
	    "  --model-score S   what a model adds to the score: S x (p - 0.5) (default 40)\n"
	    "  --rules-only      train no model\n"
	    "  --top N           missed complaints listed (default 20; --json lists all)\n"
	    "  --json            one JSON object\n",
	    fp);
}

/* 0 to go on, 1 when --help was answered, -1 on a usage error. */
static int
eval_parse(int argc, char **argv, struct eval_opts *o)
{
	/* one option a line, as tests/manual.sh reads them */
	// clang-format off
	static const struct option longopts[] = {
		{ "labels", required_argument, NULL, 'l' },
		{ "gold", required_argument, NULL, 'g' },
		{ "config", required_argument, NULL, 'c' },
		{ "rules", required_argument, NULL, 'r' },
		{ "model", required_argument, NULL, 'm' },
		{ "model-score", required_argument, NULL, 'S' },
		{ "folds", required_argument, NULL, 'k' },
		{ "rules-only", no_argument, NULL, 'R' },
		{ "top", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	// clang-format on
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->folds = CTL_FOLDS_DEFAULT;
	o->top = EVAL_TOP;
	o->model_score = EVAL_MODEL_SCORE;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:r:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': o->labels = optarg; break;
		case 'g': o->gold = optarg; break;
		case 'c': o->conf_path = optarg; break;
		case 'r':
			if (o->nrules_dirs == sizeof(o->rules_dirs) / sizeof(o->rules_dirs[0])) {
				fprintf(stderr, "keluhctl: at most %zu -r directories\n",
				        o->nrules_dirs);
				return -1;
			}
			o->rules_dirs[o->nrules_dirs++] = optarg;
			break;
		case 'm': o->model = optarg; break;
		case 'S':
			o->model_score = strtod(optarg, &end);
			if (end == optarg || *end ||
			    !(o->model_score >= 0 && o->model_score <= 1000)) {
				fprintf(stderr,
				        "keluhctl: --model-score takes a number from 0 to 1000, "
				        "not '%s'\n",
				        optarg);
				return -1;
			}
			break;
		case 'k':
			if (ctl_folds_parse(optarg, &o->folds) < 0)
				return -1;
			break;
		case 'R': o->rules_only = 1; break;
		case 'n':
			o->top = (unsigned)strtoul(optarg, &end, 10);
			if (end == optarg || *end) {
				fprintf(stderr, "keluhctl: --top takes a number, not '%s'\n",
				        optarg);
				return -1;
			}
			break;
		case 'j': o->json = 1; break;
		case 'h': eval_usage(stdout); return 1;
		default: eval_usage(stderr); return -1;
		}
	}
	if (optind != argc || o->labels == NULL) {
		fprintf(stderr, "keluhctl: eval needs --labels FILE and takes no other argument\n");
		eval_usage(stderr);
		return -1;
	}
	if (o->conf_path && o->nrules_dirs) {
		fprintf(stderr, "keluhctl: give either -c FILE or -r DIR, not both\n");
		return -1;
	}
	return 0;
}

static enum prio
prio_of(const int *th, int complaint, int score)
{
	if (!complaint)
		return PRIO_NONE;
	for (int p = PRIO_CRITICAL; p > PRIO_LOW; p--)
		if (score >= th[p])
			return (enum prio)p;
	return PRIO_LOW;
}

static int
rule_cmp(const void *a, const void *b)
{
	const struct eval_rule *x = a, *y = b;

	if (x->hits != y->hits)
		return x->hits > y->hits ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* The rules' verdict on every mention, and each rule's hits. */
static int
eval_classify(struct eval_run *er)
{
	struct classify_ctx *ctx = classify_ctx_new(er->rs);
	size_t nr = rules_count(er->rs);
	struct eval_rule *rules = xcalloc(nr ? nr : 1, sizeof(*rules));

	classify_set_evidence(ctx, CLASSIFY_EVIDENCE_NONE);
	er->row = xcalloc(er->set.n, sizeof(*er->row));
	for (size_t i = 0; i < er->set.n; i++) {
		const struct ctl_ex *e = &er->set.ex[i];
		struct verdict v;
		size_t bad;

		if (classify_text(ctx, e->text, e->len, NULL, &v, &bad) < 0) {
			fprintf(stderr, "keluhctl: %s: mention %s: invalid UTF-8 at byte %zu\n",
			        er->o.labels, e->id, bad);
			free(rules);
			classify_ctx_free(ctx);
			return -1;
		}
		er->row[i] = (struct eval_row){v.complaint, v.score, v.priority};
		for (size_t j = 0; j < v.nrules; j++) {
			rules[v.rules[j]].hits++;
			rules[v.rules[j]].complaints += e->complaint != 0;
		}
	}
	for (size_t r = 0; r < nr; r++)
		if (rules[r].hits) {
			rules[er->nrules] = rules[r];
			rules[er->nrules++].rule = r;
		}
	qsort(rules, er->nrules, sizeof(*rules), rule_cmp);
	er->rules = rules;
	classify_ctx_free(ctx);
	return 0;
}

/* Measures one configuration: p NULL is the rules alone; rules 0 the model alone. */
static void
eval_measure(struct eval_run *er, const char *name, int cv, const double *p, int with_rules)
{
	struct eval_result *res = &er->res[er->nres++];
	int th[PRIO__N];

	for (int k = PRIO_LOW; k < PRIO__N; k++)
		th[k] = rules_threshold(er->rs, (enum prio)k);
	memset(res, 0, sizeof(*res));
	res->name = name;
	res->cv = cv;
	for (size_t i = 0; i < er->set.n; i++) {
		const struct ctl_ex *e = &er->set.ex[i];
		int score = er->row[i].score, got;

		if (p && with_rules)
			score += (int)lround(er->o.model_score * (p[i] - 0.5));
		got = with_rules ? score >= th[PRIO_LOW] : p[i] >= 0.5;
		ctl_counts_add(&res->c, e->complaint, got);
		if (e->prio >= 0 && with_rules && (int)prio_of(th, got, score) == e->prio)
			res->prio_ok++;
	}
	ctl_scores_of(&res->c, &res->s);
}

/*
 * The agreement of thresholds normal and high (low and critical kept: low
 * decides what is a complaint, and labels rarely say critical) over the
 * mentions with a labelled priority, those of fold skip left out (or
 * only those of fold only).
 */
static size_t
calib_agree(const struct eval_run *er, const int *th, int skip, int only)
{
	size_t ok = 0;

	for (size_t i = 0; i < er->set.n; i++) {
		const struct ctl_ex *e = &er->set.ex[i];

		if (e->prio < 0 || (skip >= 0 && (int)e->fold == skip) ||
		    (only >= 0 && (int)e->fold != only))
			continue;
		ok += (int)prio_of(th, er->row[i].complaint, er->row[i].score) == e->prio;
	}
	return ok;
}

/* The normal and high that agree most (the nearest to the current on a tie). */
static void
calib_tune(const struct eval_run *er, const int *now, int skip, int *best)
{
	int th[PRIO__N];
	size_t top = 0;
	int dist = 0;

	memcpy(th, now, sizeof(th));
	memcpy(best, now, sizeof(th));
	for (th[PRIO_NORMAL] = now[PRIO_LOW] + 1; th[PRIO_NORMAL] < now[PRIO_CRITICAL] - 1;
	     th[PRIO_NORMAL]++)
		for (th[PRIO_HIGH] = th[PRIO_NORMAL] + 1; th[PRIO_HIGH] < now[PRIO_CRITICAL];
		     th[PRIO_HIGH]++) {
			size_t ok = calib_agree(er, th, skip, -1);
			int d = abs(th[PRIO_NORMAL] - now[PRIO_NORMAL]) +
			        abs(th[PRIO_HIGH] - now[PRIO_HIGH]);

			if (ok > top || (ok == top && d < dist)) {
				top = ok;
				dist = d;
				memcpy(best, th, sizeof(th));
			}
		}
}

static void
eval_calibrate(struct eval_run *er)
{
	struct eval_calib *c = &er->cal;

	for (int k = PRIO_LOW; k < PRIO__N; k++)
		c->th[k] = rules_threshold(er->rs, (enum prio)k);
	c->th[PRIO_NONE] = 0;
	c->now_ok = calib_agree(er, c->th, -1, -1);
	for (unsigned f = 0; f < er->o.folds; f++) {
		int tuned[PRIO__N];

		calib_tune(er, c->th, (int)f, tuned);
		c->cv_ok += calib_agree(er, tuned, -1, (int)f);
		c->fold_th[f][0] = tuned[PRIO_NORMAL];
		c->fold_th[f][1] = tuned[PRIO_HIGH];
	}
	calib_tune(er, c->th, -1, c->best);
	c->best_ok = calib_agree(er, c->best, -1, -1);
	er->has_cal = 1;
}

static double
pct(double x)
{
	return 100.0 * x;
}

static void
print_result(const struct eval_result *r)
{
	printf("%-32s macro-F1 %5.1f  accuracy %5.1f\n", r->name, pct(r->s.macro_f1),
	       pct(r->s.accuracy));
	printf("  complaint       P %5.1f  R %5.1f  F1 %5.1f\n", pct(r->s.p), pct(r->s.r),
	       pct(r->s.f1));
	printf("  not complaint   P %5.1f  R %5.1f  F1 %5.1f\n", pct(r->s.np), pct(r->s.nr),
	       pct(r->s.nf1));
	printf("  tp=%zu fp=%zu fn=%zu tn=%zu\n", r->c.tp, r->c.fp, r->c.fn, r->c.tn);
}

/* One line of the text, its white space made single spaces, cut at a code point. */
static void
print_short(const char *s, size_t len, size_t max)
{
	size_t out = 0, i = 0;
	int space = 0;

	for (; i < len && out < max; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			space = out > 0;
			continue;
		}
		if (space) {
			putchar(' ');
			out++;
			space = 0;
		}
		putchar(ch);
		if ((ch & 0xc0) != 0x80)
			out++;
	}
	while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
		putchar(s[i++]);
	if (i < len)
		fputs("...", stdout);
}

static void
print_thresholds(const int *th)
{
	printf("normal %d, high %d (low %d, critical %d)", th[PRIO_NORMAL], th[PRIO_HIGH],
	       th[PRIO_LOW], th[PRIO_CRITICAL]);
}

static void
print_calib(const struct eval_run *er)
{
	const struct eval_calib *c = &er->cal;
	size_t n = er->set.nprio;

	printf("\npriority: %zu labelled priorities (the labelled complaints' exact agreement)\n",
	       n);
	printf("  now           %5.1f  thresholds ", pct((double)c->now_ok / (double)n));
	print_thresholds(c->th);
	printf("\n  calibrated    %5.1f  %u-fold cross-validated: tuned on %u folds, measured on "
	       "the other\n                       normal/high per fold:",
	       pct((double)c->cv_ok / (double)n), er->o.folds, er->o.folds - 1);
	for (unsigned f = 0; f < er->o.folds; f++)
		printf(" %d/%d", c->fold_th[f][0], c->fold_th[f][1]);
	putchar('\n');
	printf("  tuned on all  %5.1f  thresholds ", pct((double)c->best_ok / (double)n));
	print_thresholds(c->best);
	printf("\n  %s\n", c->cv_ok > c->now_ok
	                       ? "the calibrated thresholds agree more on mentions they were not "
	                         "tuned on"
	                       : "keep the thresholds: calibrating them does not agree more on "
	                         "mentions they were not tuned on");
}

static void
eval_print(const struct eval_run *er)
{
	size_t missed = 0;

	printf("labels: %zu mentions, %zu complaints, %zu not\n", er->set.n, er->set.npos,
	       er->set.n - er->set.npos);
	for (size_t i = 0; i < er->nres; i++) {
		putchar('\n');
		print_result(&er->res[i]);
	}
	printf("\nrules: hits, labelled complaints among them, precision\n");
	for (size_t i = 0; i < er->nrules; i++) {
		const struct eval_rule *r = &er->rules[i];

		printf("  %-40s %6zu %6zu %5.1f\n", rules_id(er->rs, r->rule), r->hits,
		       r->complaints, pct((double)r->complaints / (double)r->hits));
	}
	if (er->nrules == 0)
		printf("  (no rule matched any mention)\n");
	for (size_t i = 0; i < er->set.n; i++)
		missed += er->set.ex[i].complaint && !er->row[i].complaint;
	printf("\nmissed: %zu labelled complaints the rules did not catch\n", missed);
	for (size_t i = 0, shown = 0; i < er->set.n && shown < er->o.top; i++) {
		const struct ctl_ex *e = &er->set.ex[i];

		if (!e->complaint || er->row[i].complaint)
			continue;
		printf("  %s  score %d  ", e->id, er->row[i].score);
		print_short(e->text, e->len, 110);
		putchar('\n');
		shown++;
	}
	if (missed > er->o.top)
		printf("  ... and %zu more (--top N, or --json for all)\n", missed - er->o.top);
	if (er->has_cal)
		print_calib(er);
}

static void
json_num(struct buf *b, const char *key, double v)
{
	buf_printf(b, "\"%s\":%.4f", key, v);
}

static void
json_result(struct buf *b, const struct eval_result *r)
{
	buf_adds(b, "{\"name\":");
	buf_add_json_quoted(b, r->name);
	buf_printf(b, ",\"cross_validated\":%s,", r->cv ? "true" : "false");
	json_num(b, "macro_f1", r->s.macro_f1);
	buf_addc(b, ',');
	json_num(b, "accuracy", r->s.accuracy);
	buf_adds(b, ",\"complaint\":{");
	json_num(b, "precision", r->s.p);
	buf_addc(b, ',');
	json_num(b, "recall", r->s.r);
	buf_addc(b, ',');
	json_num(b, "f1", r->s.f1);
	buf_adds(b, "},\"not_complaint\":{");
	json_num(b, "precision", r->s.np);
	buf_addc(b, ',');
	json_num(b, "recall", r->s.nr);
	buf_addc(b, ',');
	json_num(b, "f1", r->s.nf1);
	buf_printf(b, "},\"tp\":%zu,\"fp\":%zu,\"fn\":%zu,\"tn\":%zu}", r->c.tp, r->c.fp, r->c.fn,
	           r->c.tn);
}

static void
json_thresholds(struct buf *b, const char *key, const int *th)
{
	buf_printf(b, "\"%s\":{\"low\":%d,\"normal\":%d,\"high\":%d,\"critical\":%d}", key,
	           th[PRIO_LOW], th[PRIO_NORMAL], th[PRIO_HIGH], th[PRIO_CRITICAL]);
}

static void
json_calib(struct buf *b, const struct eval_run *er)
{
	const struct eval_calib *c = &er->cal;
	double n = (double)er->set.nprio;

	buf_printf(b, ",\"priority\":{\"labelled\":%zu,", er->set.nprio);
	json_num(b, "agreement", (double)c->now_ok / n);
	buf_addc(b, ',');
	json_thresholds(b, "thresholds", c->th);
	buf_addc(b, ',');
	json_num(b, "calibrated_agreement_cv", (double)c->cv_ok / n);
	buf_addc(b, ',');
	json_num(b, "tuned_agreement", (double)c->best_ok / n);
	buf_addc(b, ',');
	json_thresholds(b, "tuned_thresholds", c->best);
	buf_addc(b, '}');
}

static void
eval_json(const struct eval_run *er)
{
	const struct eval_result *m = &er->res[er->main];
	struct buf b;
	int first = 1;

	buf_init(&b);
	buf_printf(&b, "{\"configuration\":");
	buf_add_json_quoted(&b, m->name);
	buf_addc(&b, ',');
	json_num(&b, "macro_f1", m->s.macro_f1);
	buf_addc(&b, ',');
	json_num(&b, "precision", m->s.p);
	buf_addc(&b, ',');
	json_num(&b, "recall", m->s.r);
	buf_addc(&b, ',');
	json_num(&b, "f1", m->s.f1);
	buf_addc(&b, ',');
	json_num(&b, "accuracy", m->s.accuracy);
	buf_printf(&b, ",\"mentions\":%zu,\"complaints\":%zu,\"folds\":%u,\"results\":[", er->set.n,
	           er->set.npos, er->o.folds);
	for (size_t i = 0; i < er->nres; i++) {
		if (i)
			buf_addc(&b, ',');
		json_result(&b, &er->res[i]);
	}
	buf_adds(&b, "],\"rules\":[");
	for (size_t i = 0; i < er->nrules; i++) {
		const struct eval_rule *r = &er->rules[i];

		buf_adds(&b, i ? ",{\"id\":" : "{\"id\":");
		buf_add_json_quoted(&b, rules_id(er->rs, r->rule));
		buf_printf(&b, ",\"hits\":%zu,\"complaints\":%zu,", r->hits, r->complaints);
		json_num(&b, "precision", (double)r->complaints / (double)r->hits);
		buf_addc(&b, '}');
	}
	buf_adds(&b, "],\"missed\":[");
	for (size_t i = 0; i < er->set.n; i++) {
		const struct ctl_ex *e = &er->set.ex[i];

		if (!e->complaint || er->row[i].complaint)
			continue;
		buf_adds(&b, first ? "{\"id\":" : ",{\"id\":");
		first = 0;
		buf_add_json_quoted(&b, e->id);
		buf_printf(&b, ",\"score\":%d,\"text\":\"", er->row[i].score);
		buf_add_json_str(&b, e->text, e->len);
		buf_adds(&b, "\"}");
	}
	buf_addc(&b, ']');
	if (er->has_cal)
		json_calib(&b, er);
	buf_adds(&b, "}\n");
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

/* The model of --model, and one trained by folds; 0, or -1 having said why. */
static int
eval_models(struct eval_run *er)
{
	char err[512];

	if (er->o.model) {
		struct model *m = model_load(er->o.model, err, sizeof(err));

		if (m == NULL) {
			fprintf(stderr, "keluhctl: %s\n", err);
			return -1;
		}
		er->p_model = xcalloc(er->set.n, sizeof(double));
		for (size_t i = 0; i < er->set.n; i++)
			er->p_model[i] = model_prob(m, er->set.ex[i].text, er->set.ex[i].len);
		model_free(m);
	}
	if (er->o.rules_only)
		return 0;
	er->p_cv = xcalloc(er->set.n, sizeof(double));
	if (ctl_cv_probs(&er->set, er->o.folds, er->p_cv, err, sizeof(err)) < 0) {
		fprintf(stderr,
		        "keluhctl: %s: cannot cross-validate a model: %s (or give "
		        "--rules-only)\n",
		        er->o.labels, err);
		return -1;
	}
	return 0;
}

static void
eval_free(struct eval_run *er)
{
	free(er->row);
	free(er->p_cv);
	free(er->p_model);
	free(er->rules);
	if (er->rs)
		rules_unref(er->rs);
	ctl_exset_free(&er->set);
}

int
ctl_eval_main(int argc, char **argv, ctl_rules_loader load)
{
	struct eval_run er;
	int rc;

	memset(&er, 0, sizeof(er));
	if ((rc = eval_parse(argc, argv, &er.o)) != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	if ((er.rs = load(er.o.conf_path, er.o.rules_dirs, er.o.nrules_dirs)) == NULL)
		return EXIT_USAGE;
	if (ctl_exset_read(&er.set, er.o.labels, er.o.gold) < 0) {
		eval_free(&er);
		return EXIT_FAIL;
	}
	ctl_exset_folds(&er.set, er.o.folds);
	if (eval_classify(&er) < 0 || eval_models(&er) < 0) {
		eval_free(&er);
		return EXIT_FAIL;
	}
	eval_measure(&er, "rules", 0, NULL, 1);
	if (er.p_model) {
		eval_measure(&er, "model (--model)", 0, er.p_model, 0);
		er.main = er.nres;
		eval_measure(&er, "rules + model (--model)", 0, er.p_model, 1);
	}
	if (er.p_cv) {
		eval_measure(&er, "model (cross-validated)", 1, er.p_cv, 0);
		eval_measure(&er, "rules + model (cross-validated)", 1, er.p_cv, 1);
	}
	if (er.set.nprio)
		eval_calibrate(&er);
	if (er.o.json)
		eval_json(&er);
	else
		eval_print(&er);
	fflush(stdout);
	rc = er.set.bad ? EXIT_FAIL : 0;
	eval_free(&er);
	return rc;
}
