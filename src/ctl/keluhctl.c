/*
 * keluhctl: the command-line tool. status, reload and silence talk to a
 * running keluhd (ctl_admin.c); the rest work offline. `test`: classify
 * mentions offline with the same engine the daemon runs, show why each one
 * matched, count what fired, and run the expectations kept in rule files.
 *
 * Exit status: 0 success; 1 some input was bad or an expectation failed;
 * 2 usage, configuration or rule errors.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/confcheck.h"
#include "ctl/ctl_admin.h"
#include "ctl/ctl_eval.h"
#include "ctl/ctl_int.h"
#include "daemon/cases.h"
#include "engine/classify.h"
#include "engine/mention.h"
#include "engine/rules.h"
#include "engine/verdict.h"
#include "lib/diag.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/spool.h"

#define EXIT_BAD_INPUT 1
#define EXIT_USAGE 2
/* A complaint no rule matched that a model made: test and show say it alike. */
#define BY_MODEL_PRE  "found by model "
#define BY_MODEL_POST " (no rule matched)"

struct test_opts {
	const char *conf_path;
	const char *rules_dirs[16]; /* -r DIR, as often as given */
	size_t nrules_dirs;
	int json, text, stats, quiet, verify, color;
	int rating; /* --rating N: what a mention without its own rating is rated */
	const char *models[8]; /* --model FILE, as often as given */
	size_t nmodels;
};

struct test_run {
	struct test_opts *o;
	struct classify_ctx *ctx;
	const struct ruleset *rs;
	struct buf out;
	uint64_t mentions, complaints, bad;
	uint64_t by_prio[PRIO__N];
};

static void
usage(FILE *fp)
{
	fputs("usage: keluhctl [--version] [-h | --help] COMMAND [ARGS]\n"
	      "\n"
	      "commands:\n"
	      "  check [-c FILE]\n"
	      "        check the configuration, its secrets and rules, as keluhd --check does\n"
	      "  test [-c FILE | -r DIR] [--model FILE] [--json] [--text] [--stats] [--quiet]\n"
	      "       [--rating N] [FILE...]\n"
	      "        classify mentions (NDJSON objects or plain text lines) and show why\n"
	      "  test [-c FILE | -r DIR] --verify\n"
	      "        run the tests: kept in the rule files\n"
	      "  alerts [-n N]\n"
	      "        the newest alerts: priority, team, mentions, deliveries, rules\n"
	      "  show ALERT\n"
	      "        every mention of one alert, with its verdict and evidence\n"
	      "  queue [--dead] [-n N]\n"
	      "        pending deliveries (or the dead letters), newest first\n"
	      "  retry ID... | retry --all-dead [--receiver NAME]\n"
	      "        send dead deliveries again, due now\n"
	      "  drop ID...\n"
	      "        delete deliveries from the outbox\n"
	      "  status\n"
	      "        ask the running keluhd what it runs: rules, sources, queues, reload\n"
	      "  reload\n"
	      "        make keluhd reload its configuration and rules, and wait for the result\n"
	      "  silence add --match M (--for D | --until TIME) --reason TEXT [--author NAME]\n"
	      "        mute the complaints that match M (rule=,team=,priority=,author=,words=)\n"
	      "  silence list [--all] | silence expire ID\n"
	      "        the active silences (--all: ended too); end one now\n"
	      "  send-test RECEIVER\n"
	      "        send a test alert to one receiver, through keluhd's outbox\n"
	      "  cases [--open | --all] [--team T] [-n N]\n"
	      "        the open and acknowledged cases (--all: every case), newest first\n"
	      "  show CASE\n"
	      "        one case (42 or #42): its state, timeline, alerts and mentions\n"
	      "  ack CASE | assign CASE PERSON | resolve CASE [--note TEXT] | reopen CASE\n"
	      "        act on a case as --by NAME (default: the login name)\n"
	      "  report [--since D] [--team T] | report --send N\n"
	      "        response times per team and priority against the SLA targets (from the\n"
	      "        spool, default the last 7d); --send N: keluhd sends digest N of reports:\n"
	      "  label MENTION complaint|not [--team T] [--by NAME]\n"
	      "        record a person's label of a mention the spool knows\n"
	      "  label --import FILE | label --export [FILE]\n"
	      "        add labels from NDJSON or CSV (id,text,complaint[,team]); write them as NDJSON\n"
	      "  eval --labels FILE [--gold CSV] [--model FILE] [--folds K] [--json]\n"
	      "        precision, recall and F1 of the rules (and a model) on labelled mentions\n"
	      "  learn --labels FILE [--gold CSV] (-o NAME.model | --suggest) [--folds K]\n"
	      "        train a model on labelled mentions, or suggest keywords for rules\n"
	      "  cluster\n"
	      "        the daemons sharing keluhd's spool: alive or dead, leader, their sources\n"
	      "\n"
	      "-c FILE: without it, keluhd.yaml in the current directory when there is one\n"
	      "(the build tree after tools/quick run), else " CONF_DEFAULT_PATH ".\n"
	      "No command but check opens the secret files the configuration names.\n"
	      "\n"
	      "options of test:\n"
	      "  -c, --config FILE  load the rules keluhd would: FILE's packs, rules directory,\n"
	      "                     disable and override\n"
	      "  -r, --rules DIR    use the rule files in DIR instead (repeat -r to load several\n"
	      "                     directories as one set, e.g. -r packs/core -r packs/city)\n"
	      "      --json         one verdict object per line\n"
	      "      --text         every input line is plain text (no JSON detection)\n"
	      "      --stats        then print hits per rule and priority, and the throughput\n"
	      "  -q, --quiet        no verdicts (with --stats: the counts only)\n"
	      "      --verify       check the tests: blocks of the rule files\n"
	      "      --color WHEN   highlight matched words: auto, always or never\n"
	      "      --rating N     classify each mention as a review of N stars (1 to 5), for\n"
	      "                     rating: conditions (a JSON mention's own rating wins)\n"
	      "      --model FILE   also use this model, as a models: entry of keluhd.yaml with\n"
	      "                     this file would: named after the file (brand.model: brand),\n"
	      "                     scoring every verdict (score 40, or the score of the\n"
	      "                     configuration's model of that name); repeat for several\n"
	      "\n"
	      "options of alerts, show, queue, retry and drop:\n"
	      "  -c, --config FILE  find the spool through FILE\n"
	      "      --spool PATH   use the spool database at PATH\n"
	      "      --json         one object per line\n"
	      "  -n N               at most N rows (default 20)\n"
	      "\n"
	      "options of status, reload, silence, send-test, cluster and the case commands\n"
	      "(they talk to keluhd's admin socket):\n"
	      "  -c, --config FILE  use the admin.socket of FILE\n"
	      "      --socket PATH  the admin socket (without it and -c: the admin.socket of the\n"
	      "                     default configuration, else " CTL_ADMIN_SOCKET ")\n"
	      "      --json         print keluhd's JSON answer\n"
	      "      --match M      silence add: what to mute, key=value,... (quote values with ,)\n"
	      "      --for D        silence add: how long (30m, 2h, 1d)\n"
	      "      --until TIME   silence add: until an RFC 3339 time\n"
	      "      --reason TEXT  silence add: why (shown in the announcement)\n"
	      "      --author NAME  silence add, expire: who (default: the login name)\n"
	      "      --all          silence list: ended silences too; cases: closed ones too\n"
	      "      --open         cases: open and acknowledged ones only (the default)\n"
	      "      --team T       cases: of team T only\n"
	      "      --by NAME      ack, assign, resolve, reopen: who acts (default: the login\n"
	      "                     name; a person of people: in keluhd.yaml by key or name)\n"
	      "      --note TEXT    resolve: what was done\n"
	      "\n"
	      "options of label (it reads and writes the spool; keluhd need not run):\n"
	      "  -c, --config FILE  find the spool through FILE\n"
	      "      --spool PATH   use the spool database at PATH\n"
	      "      --team T       the team of a mention labelled a complaint\n"
	      "      --by NAME      who gives the label (default: the login name)\n"
	      "      --import FILE  add the labels of an NDJSON or CSV file\n"
	      "      --export       write the latest label of each mention as NDJSON\n"
	      "\n"
	      "exit status: 0 ok, 1 bad input or failed expectations, 2 usage, configuration or\n"
	      "rule errors\n"
	      "(alerts, show, queue, retry, drop: 1 when the spool or an ID failed;\n"
	      " status, reload, silence, send-test, cases, ack...: 1 when keluhd refused or\n"
	      " could not be reached,\n"
	      " and reload when keluhd kept the running configuration)\n",
	    fp);
}

/* No configuration file: what a rules: mapping defaults to, the core pack and rules.d. */
static int add_cli_models(struct rules_spec *, const struct test_opts *);

static struct ruleset *
load_default_rules(const struct test_opts *o, struct diag *d)
{
	struct rules_spec spec;
	struct ruleset *rs;
	char *packs = rules_packs_dir_default(NULL), *core;

	rules_spec_init(&spec);
	if (packs) {
		core = xasprintf("%s/" RULES_DEFAULT_PACK, packs);
		rules_spec_add_dir(&spec, core);
		free(core);
		free(packs);
	}
	rules_spec_add_dir(&spec, KELUH_SYSCONFDIR "/rules.d");
	spec.user_dir = xstrdup(KELUH_SYSCONFDIR "/rules.d");
	rs = add_cli_models(&spec, o) < 0 ? NULL : rules_load_spec(&spec, d);
	rules_spec_free(&spec);
	return rs;
}

/*
 * --model FILE: the model joins the spec as a models: entry would, named
 * after its file; one of that name in the configuration gives its score
 * and is replaced. -1 on a bad name.
 */
static int
add_cli_models(struct rules_spec *spec, const struct test_opts *o)
{
	for (size_t i = 0; i < o->nmodels; i++) {
		char *name = rules_model_name_from_file(o->models[i]);
		struct rules_model_spec m = { name, (char *)o->models[i], RULES_MODEL_SCORE_DEFAULT,
		                              (char *)"--model", 0, 0 };
		const struct rules_model_spec *old = rules_spec_model(spec, name);

		if (!rules_model_name_valid(name)) {
			fprintf(stderr, "keluhctl: --model %s: the model is named after its file, and "
			        "'%s' is no model name (a-z, 0-9, '.', '_' and '-'); rename the file\n",
			        o->models[i], name);
			free(name);
			return -1;
		}
		if (old) {
			struct rules_model_spec *x = &spec->models[old - spec->models];

			free(x->file);
			x->file = xstrdup(o->models[i]);
			free(x->where);
			x->where = xstrdup("--model");
			x->line = x->col = 0;
		} else
			rules_spec_add_model(spec, &m);
		free(name);
	}
	return 0;
}

static struct ruleset *
load_rules(const struct test_opts *o)
{
	struct diag d;
	struct ruleset *rs = NULL;
	struct conf *c = NULL;

	diag_init(&d);
	/* without -r: the set keluhd runs, packs, user files, disables and all */
	if (o->nrules_dirs) {
		struct rules_spec spec;

		rules_spec_init(&spec);
		for (size_t i = 0; i < o->nrules_dirs; i++)
			rules_spec_add_dir(&spec, o->rules_dirs[i]);
		if (add_cli_models(&spec, o) == 0)
			rs = rules_load_spec(&spec, &d);
		rules_spec_free(&spec);
	} else if (o->conf_path || access(ctl_conf_default(), F_OK) == 0) {
		const char *path = o->conf_path ? o->conf_path : ctl_conf_default();

		if (ctl_conf_missing(path, "the rules", "-r DIR") < 0) {
			diag_free(&d);
			return NULL;
		}
		c = conf_load_flags(path, &d, CONF_NO_SECRETS);
		if (c && add_cli_models(&c->rules, o) == 0)
			rs = rules_load_spec(&c->rules, &d);
	} else
		rs = load_default_rules(o, &d);
	diag_print(&d, stderr);
	if (rs == NULL)
		fprintf(stderr, "keluhctl: %zu error%s; nothing classified\n", d.errors,
		    d.errors == 1 ? "" : "s");
	diag_free(&d);
	conf_free(c);
	return rs;
}

/* The rules of keluhctl test's -c and -r, for eval and learn (ctl_rules_loader). */
static struct ruleset *
ctl_rules_load(const char *conf_path, const char *const *dirs, size_t ndirs)
{
	struct test_opts o;

	memset(&o, 0, sizeof(o));
	o.conf_path = conf_path;
	for (size_t i = 0; i < ndirs && i < sizeof(o.rules_dirs) / sizeof(o.rules_dirs[0]); i++)
		o.rules_dirs[o.nrules_dirs++] = dirs[i];
	return load_rules(&o);
}

static void
print_model_match(struct buf *b, const struct ruleset *rs, const char *text,
                  const struct match *m)
{
	buf_printf(b, "    model %s: '%s' (%+.2f) in \"%.*s\" at %zu-%zu\n",
	           rules_model_name(rs, m->model), m->pattern, (double)m->weight,
	           (int)(m->end - m->start), text + m->start, m->start, m->end);
}

/* The models asked: each one's probability, what it added, and its own evidence. */
static void
print_models(struct buf *b, const struct ruleset *rs, const char *text, const struct verdict *v)
{
	for (size_t i = 0; i < v->nmodels; i++) {
		const struct verdict_model *x = &v->models[i];

		buf_printf(b, "  model %s: p %.2f", rules_model_name(rs, x->model), x->p);
		if (rules_model_score(rs, x->model) != 0)
			buf_printf(b, " (%+d)", x->score);
		buf_addc(b, '\n');
		for (size_t j = 0; j < v->nmatches; j++)
			if (v->matches[j].rule == CLASSIFY_NO_RULE && v->matches[j].model == x->model)
				print_model_match(b, rs, text, &v->matches[j]);
	}
}

static void
print_human(struct test_run *tr, const char *id, const char *text, size_t len,
    const struct verdict *v)
{
	struct buf *b = &tr->out;
	const char *open = tr->o->color ? "\033[1;31m" : "\xc2\xab";
	const char *close = tr->o->color ? "\033[0m" : "\xc2\xbb";
	long fm;

	buf_printf(b, "%s  %s  score=%d", id, v->complaint ? prio_name(v->priority) : "not-a-complaint",
	    v->score);
	if (v->boost)
		buf_printf(b, " (boost %+d)", v->boost);
	if (v->team)
		buf_printf(b, "  team=%s", v->team);
	buf_addc(b, '\n');
	if (v->nrules || v->model) {
		buf_adds(b, "  ");
		verdict_breakdown_text(b, tr->rs, v);
		buf_addc(b, '\n');
	}
	if ((fm = verdict_model_found(v)) >= 0)
		buf_printf(b, "  " BY_MODEL_PRE "%s" BY_MODEL_POST "\n",
		    rules_model_name(tr->rs, v->models[fm].model));
	for (size_t i = 0; i < v->nrules; i++) {
		uint32_t r = v->rules[i];
		const char *desc = rules_description(tr->rs, r);

		buf_printf(b, "  %s (%+d)%s%s\n", rules_id(tr->rs, r), rules_score(tr->rs, r),
		    desc ? ": " : "", desc ? desc : "");
		for (size_t j = 0; j < v->nmatches; j++) {
			const struct match *m = &v->matches[j];

			if (m->rule != r)
				continue;
			if (m->kind == MATCH_RATING) {
				buf_printf(b, "    rating %d %s\n", v->rating, m->pattern);
				continue;
			}
			if (m->kind == MATCH_MODEL) {
				print_model_match(b, tr->rs, text, m);
				continue;
			}
			buf_printf(b, "    %s '%s' matched \"%.*s\" at %zu-%zu\n",
			    classify_match_kind_name(m->kind), m->pattern,
			    (int)(m->end - m->start), text + m->start, m->start, m->end);
		}
	}
	print_models(b, tr->rs, text, v);
	if (v->nmatches) {
		buf_adds(b, "  | ");
		verdict_highlight(b, text, len, v, open, close);
		buf_addc(b, '\n');
	}
	if (v->regex_errors)
		buf_printf(b, "  ! %zu regex(es) hit the match limit and counted as no match\n",
		    v->regex_errors);
	for (size_t i = 0; i < v->nbounds; i++) {
		const struct bound_hit *h = &v->bounds[i];

		if (h->kind == BOUND_REGEX_WINDOW || h->kind == BOUND_REGEX_TAIL_WINDOW)
			buf_printf(b, "  ! %s: regex '%s' saw only the %s %zu bytes of the text "
			    "(limits: %s)\n", rules_id(tr->rs, h->rule), h->pattern,
			    h->kind == BOUND_REGEX_TAIL_WINDOW ? "last" : "first", h->window,
			    classify_bound_name(h->kind));
		else
			buf_printf(b, "  ! %s: regex '%s' did not run, the %s's regex work was spent "
			    "(limits: %s); the rule counts as no match\n",
			    rules_id(tr->rs, h->rule), h->pattern,
			    h->kind == BOUND_REGEX_WORK ? "mention" : "batch",
			    classify_bound_name(h->kind));
	}
}

static void
flush_out(struct test_run *tr, int force)
{
	if (tr->out.len >= 64 * 1024 || (force && tr->out.len)) {
		fwrite(tr->out.data, 1, tr->out.len, stdout);
		buf_reset(&tr->out);
	}
}

/*
 * id NULL means "name:lineno", formatted only when something is printed:
 * the counting path (--quiet --stats) stays free of formatting.
 */
static void
classify_one(struct test_run *tr, const char *id, const char *text, size_t len, const char *lang,
             const struct classify_author *author, const char *name, unsigned long lineno)
{
	char where[512];
	struct verdict v;
	size_t bad;

	if (classify_mention(tr->ctx, text, len, lang, author, &v, &bad) < 0) {
		fprintf(stderr, "%s:%lu: error: invalid UTF-8 at byte %zu; mention skipped\n", name,
		    lineno, bad);
		tr->bad++;
		return;
	}
	tr->mentions++;
	tr->by_prio[v.priority]++;
	if (v.complaint)
		tr->complaints++;
	if (tr->o->quiet)
		return;
	if (id == NULL) {
		snprintf(where, sizeof(where), "%s:%lu", name, lineno);
		id = where;
	}
	if (tr->o->json) {
		verdict_json(&tr->out, tr->rs, id, text, len, &v);
		buf_addc(&tr->out, '\n');
	} else
		print_human(tr, id, text, len, &v);
	flush_out(tr, 0);
}

static int
run_file(struct test_run *tr, const char *path)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	char *line = NULL, err[256];
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;

	if (fp == NULL) {
		fprintf(stderr, "keluhctl: %s: %s\n", path, strerror(errno));
		tr->bad++;
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) > 0) {
		size_t len = (size_t)n;

		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		if (!tr->o->text && line[0] == '{') {
			struct mention m;
			struct classify_author a;

			if (mention_parse(&m, line, len, err, sizeof(err)) < 0) {
				fprintf(stderr, "%s:%lu: error: %s; line skipped\n", name, lineno, err);
				tr->bad++;
				continue;
			}
			a.followers = m.followers;
			a.verified = m.verified;
			a.rating = m.rating ? m.rating : tr->o->rating;
			classify_one(tr, m.id, m.text, m.text_len, m.lang, &a, name, lineno);
			mention_free(&m);
		} else {
			struct classify_author a = { -1, 0, tr->o->rating };

			classify_one(tr, NULL, line, len, NULL, &a, name, lineno);
		}
	}
	free(line);
	if (ferror(fp)) {
		fprintf(stderr, "keluhctl: %s: read error: %s\n", path, strerror(errno));
		tr->bad++;
	}
	if (fp != stdin)
		fclose(fp);
	return 0;
}

static void
print_stats(struct test_run *tr, double secs)
{
	const uint64_t *hits = classify_rule_hits(tr->ctx);
	size_t n = rules_count(tr->rs), never = 0;

	printf("hits per rule:\n");
	for (size_t r = 0; r < n; r++)
		if (hits[r])
			printf("  %-32s %8llu\n", rules_id(tr->rs, r), (unsigned long long)hits[r]);
	printf("priorities: critical=%llu high=%llu normal=%llu low=%llu none=%llu\n",
	    (unsigned long long)tr->by_prio[PRIO_CRITICAL],
	    (unsigned long long)tr->by_prio[PRIO_HIGH], (unsigned long long)tr->by_prio[PRIO_NORMAL],
	    (unsigned long long)tr->by_prio[PRIO_LOW], (unsigned long long)tr->by_prio[PRIO_NONE]);
	for (size_t r = 0; r < n; r++)
		if (!hits[r])
			never++;
	printf("never fired (%zu):", never);
	for (size_t r = 0; r < n; r++)
		if (!hits[r])
			printf(" %s", rules_id(tr->rs, r));
	printf("\n");
	if (tr->bad)
		printf("skipped: %llu bad input line(s)\n", (unsigned long long)tr->bad);
	printf("mentions=%llu complaints=%llu seconds=%.3f mentions_per_s=%.0f\n",
	    (unsigned long long)tr->mentions, (unsigned long long)tr->complaints, secs,
	    secs > 0 ? (double)tr->mentions / secs : 0.0);
}

static int
run_verify(struct test_run *tr)
{
	const struct ruleset *rs = tr->rs;
	size_t n = rules_ntests(rs), passed = 0, failed = 0, skipped = 0;

	for (size_t i = 0; i < n; i++) {
		const struct rules_test *t = rules_test_get(rs, i);
		struct verdict v;
		struct buf why;

		buf_init(&why);
		if (verdict_test(tr->ctx, t, &v, &why) < 0) {
			skipped++;
			if (!tr->o->quiet)
				printf("%s:%u:%u: skipped: %s\n", t->file, t->line, t->col,
				       t->skip);
			buf_free(&why);
			continue;
		}
		if (why.len) {
			failed++;
			printf("%s:%u:%u: FAIL: %s\n", t->file, t->line, t->col, why.data);
			if (v.nrules) {
				printf("    matched:");
				for (size_t j = 0; j < v.nrules; j++)
					printf(" %s", rules_id(rs, v.rules[j]));
				/* which rule and boost made the priority it got */
				buf_reset(&why);
				verdict_breakdown_text(&why, rs, &v);
				printf("\n    %s\n", why.data);
			}
		} else {
			passed++;
			if (!tr->o->quiet)
				printf("%s:%u:%u: ok\n", t->file, t->line, t->col);
		}
		buf_free(&why);
	}
	if (n == 0)
		printf("verify: the rule files have no tests: blocks\n");
	if (skipped)
		printf("verify: %zu passed, %zu failed, %zu skipped (they name rules that are "
		       "disabled)\n",
		       passed, failed, skipped);
	else
		printf("verify: %zu passed, %zu failed\n", passed, failed);
	return failed ? EXIT_BAD_INPUT : 0;
}

static int
cmd_test(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "rules", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "text", no_argument, NULL, 't' },
		{ "stats", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verify", no_argument, NULL, 'V' },
		{ "color", required_argument, NULL, 'C' },
		{ "rating", required_argument, NULL, 'R' },
		{ "model", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct test_opts o;
	struct test_run tr;
	struct ruleset *rs;
	struct timespec t0, t1;
	int ch, rc = 0;
	const char *color = "auto";

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:r:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o.conf_path = optarg; break;
		case 'r':
			if (o.nrules_dirs == sizeof(o.rules_dirs) / sizeof(o.rules_dirs[0])) {
				fprintf(stderr, "keluhctl: at most %zu -r directories\n",
				        o.nrules_dirs);
				return EXIT_USAGE;
			}
			o.rules_dirs[o.nrules_dirs++] = optarg;
			break;
		case 'j': o.json = 1; break;
		case 't': o.text = 1; break;
		case 's': o.stats = 1; break;
		case 'q': o.quiet = 1; break;
		case 'V': o.verify = 1; break;
		case 'C': color = optarg; break;
		case 'R':
			if (strlen(optarg) != 1 || optarg[0] < '1' || optarg[0] > '5') {
				fprintf(stderr, "keluhctl: --rating takes the review's stars, a "
				        "number from 1 to 5, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			o.rating = optarg[0] - '0';
			break;
		case 'M':
			if (o.nmodels == sizeof(o.models) / sizeof(o.models[0])) {
				fprintf(stderr, "keluhctl: at most %zu --model files\n", o.nmodels);
				return EXIT_USAGE;
			}
			o.models[o.nmodels++] = optarg;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (strcmp(color, "always") == 0)
		o.color = 1;
	else if (strcmp(color, "auto") == 0)
		o.color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	else if (strcmp(color, "never") != 0) {
		fprintf(stderr, "keluhctl: --color takes auto, always or never\n");
		return EXIT_USAGE;
	}
	if (o.conf_path && o.nrules_dirs) {
		fprintf(stderr, "keluhctl: give either -c FILE or -r DIR, not both\n");
		return EXIT_USAGE;
	}
	if (o.verify && optind != argc) {
		fprintf(stderr, "keluhctl: --verify reads the tests: of the rule files and takes no "
		    "input files\n");
		return EXIT_USAGE;
	}
	if ((rs = load_rules(&o)) == NULL)
		return EXIT_USAGE;
	memset(&tr, 0, sizeof(tr));
	tr.o = &o;
	tr.rs = rs;
	tr.ctx = classify_ctx_new(rs);
	classify_set_evidence(tr.ctx, !o.quiet);
	buf_init(&tr.out);
	if (o.verify) {
		rc = run_verify(&tr);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (optind == argc)
		run_file(&tr, "-");
	for (int i = optind; i < argc; i++)
		run_file(&tr, argv[i]);
	flush_out(&tr, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (o.stats)
		print_stats(&tr, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (tr.bad)
		rc = EXIT_BAD_INPUT;
out:
	fflush(stdout);
	buf_free(&tr.out);
	classify_ctx_free(tr.ctx);
	rules_unref(rs);
	return rc;
}

/*
 * alerts, queue, retry, drop: the outbox as the operator sees it. They
 * only look at the spool (readonly) or change single deliveries, so they
 * are safe while keluhd runs; SQLite's busy timeout covers its commits.
 */

#define SPOOLCMD_LIMIT 20

enum { SO_LIMIT = 1, SO_DEAD = 2, SO_ALL_DEAD = 4, SO_RECEIVER = 8 };

struct spoolcmd_opts {
	const char *conf_path;
	const char *spool_path;
	const char *receiver;
	size_t limit;
	int json, dead, all_dead;
};

/* A column-aligned table for the human output; widths in characters. */
struct spoolcmd_table {
	size_t ncols, ncells, cap;
	char **cells;
};

static void
spoolcmd_cell(struct spoolcmd_table *t, const char *s)
{
	if (t->ncells == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->cells = xreallocarray(t->cells, t->cap, sizeof(*t->cells));
	}
	t->cells[t->ncells++] = xstrdup(s ? s : "-");
}

static size_t
spoolcmd_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void
spoolcmd_table_print(struct spoolcmd_table *t, FILE *fp)
{
	size_t *w = xcalloc(t->ncols, sizeof(*w));

	for (size_t i = 0; i < t->ncells; i++) {
		size_t n = spoolcmd_width(t->cells[i]);

		if (n > w[i % t->ncols])
			w[i % t->ncols] = n;
	}
	for (size_t i = 0; i < t->ncells; i++) {
		size_t c = i % t->ncols;

		fputs(t->cells[i], fp);
		if (c + 1 == t->ncols)
			fputc('\n', fp);
		else
			fprintf(fp, "%*s", (int)(w[c] - spoolcmd_width(t->cells[i]) + 2), "");
		free(t->cells[i]);
	}
	free(t->cells);
	free(w);
	t->cells = NULL;
	t->ncells = t->cap = 0;
}

/* UTC, ISO 8601, to the second: what people paste into tickets. */
static const char *
spoolcmd_time(char *out, size_t len, int64_t ms)
{
	if (ms <= 0)
		snprintf(out, len, "-");
	else
		util_iso8601(ms, out, len);
	return out;
}

static void
spoolcmd_json_key(struct buf *b, const char *key)
{
	if (b->len && b->data[b->len - 1] != '{' && b->data[b->len - 1] != '[')
		buf_addc(b, ',');
	buf_printf(b, "\"%s\":", key);
}

static void
spoolcmd_json_strval(struct buf *b, const char *v)
{
	if (v == NULL) {
		buf_adds(b, "null");
		return;
	}
	/* The spool holds what keluhd wrote (valid UTF-8); never emit broken JSON anyway. */
	buf_addc(b, '"');
	buf_add_json_str(b, v, utf8_valid_prefix(v, strlen(v)));
	buf_addc(b, '"');
}

static void
spoolcmd_json_str(struct buf *b, const char *key, const char *v)
{
	spoolcmd_json_key(b, key);
	spoolcmd_json_strval(b, v);
}

static void
spoolcmd_json_int(struct buf *b, const char *key, int64_t v)
{
	spoolcmd_json_key(b, key);
	buf_printf(b, "%lld", (long long)v);
}

static void
spoolcmd_json_time(struct buf *b, const char *key, int64_t ms)
{
	char t[32];

	spoolcmd_json_key(b, key);
	if (ms <= 0)
		buf_adds(b, "null");
	else
		spoolcmd_json_strval(b, spoolcmd_time(t, sizeof(t), ms));
}

static void
spoolcmd_json_end(struct buf *b)
{
	buf_adds(b, "}\n");
	fwrite(b->data, 1, b->len, stdout);
	buf_reset(b);
}

static const char *
spoolcmd_state(int state)
{
	switch (state) {
	case SPOOL_PENDING: return "pending";
	case SPOOL_DELIVERED: return "delivered";
	case SPOOL_DEAD: return "dead";
	}
	return "unknown";
}

static void
spoolcmd_usage(FILE *fp, const char *cmd)
{
	if (strcmp(cmd, "alerts") == 0)
		fputs("usage: keluhctl alerts [-c FILE | --spool PATH] [-n N] [--json]\n", fp);
	else if (strcmp(cmd, "show") == 0)
		fputs("usage: keluhctl show [-c FILE | --spool PATH] [--json] ALERT\n", fp);
	else if (strcmp(cmd, "queue") == 0)
		fputs("usage: keluhctl queue [-c FILE | --spool PATH] [--dead] [-n N] [--json]\n", fp);
	else if (strcmp(cmd, "retry") == 0)
		fputs("usage: keluhctl retry [-c FILE | --spool PATH] [--json] ID...\n"
		      "       keluhctl retry [-c FILE | --spool PATH] [--json] --all-dead "
		      "[--receiver NAME]\n", fp);
	else
		fputs("usage: keluhctl drop [-c FILE | --spool PATH] [--json] ID...\n", fp);
}

/* Returns 0 to go on, 1 when --help was answered, -1 on a usage error. */
static int
spoolcmd_parse(int argc, char **argv, unsigned allowed, struct spoolcmd_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "spool", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "dead", no_argument, NULL, 'D' },
		{ "all-dead", no_argument, NULL, 'A' },
		{ "receiver", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	unsigned given = 0;
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->limit = SPOOLCMD_LIMIT;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:n:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->conf_path = optarg; break;
		case 'S': o->spool_path = optarg; break;
		case 'j': o->json = 1; break;
		case 'D': o->dead = 1; given |= SO_DEAD; break;
		case 'A': o->all_dead = 1; given |= SO_ALL_DEAD; break;
		case 'R': o->receiver = optarg; given |= SO_RECEIVER; break;
		case 'n':
			errno = 0;
			o->limit = (size_t)strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || o->limit == 0) {
				fprintf(stderr, "keluhctl: -n takes a positive number, not '%s'\n",
				    optarg);
				return -1;
			}
			given |= SO_LIMIT;
			break;
		case 'h': spoolcmd_usage(stdout, cmd); return 1;
		default: spoolcmd_usage(stderr, cmd); return -1;
		}
	}
	if (given & ~allowed) {
		fprintf(stderr, "keluhctl: %s does not take %s\n", cmd,
		    given & ~allowed & SO_LIMIT ? "-n" : given & ~allowed & SO_DEAD ? "--dead" :
		    given & ~allowed & SO_ALL_DEAD ? "--all-dead" : "--receiver");
		spoolcmd_usage(stderr, cmd);
		return -1;
	}
	if (o->conf_path && o->spool_path) {
		fprintf(stderr, "keluhctl: give either -c FILE or --spool PATH, not both\n");
		return -1;
	}
	return 0;
}

/*
 * The spool named by --spool, or by the configuration. *rc is set for the
 * caller to return when NULL comes back: 2 for a broken configuration, 1
 * when the spool cannot be opened.
 */
static struct spool *
spoolcmd_open(const struct spoolcmd_opts *o, int readonly, int *rc)
{
	return ctl_spool_open(o->conf_path, o->spool_path, readonly, rc);
}

struct spoolcmd_alerts {
	const struct spoolcmd_opts *o;
	struct spoolcmd_table t;
	struct buf out;
	size_t n;
};

static void
spoolcmd_alert_row(void *arg, const struct spool_alert *a)
{
	struct spoolcmd_alerts *ac = arg;
	json_error_t jerr;
	json_t *root = a->json ? json_loads(a->json, 0, &jerr) : NULL;
	json_t *alert = json_object_get(root, "alert"), *rules = json_object_get(alert, "rules");
	json_t *count = json_object_get(alert, "count"), *r;
	int64_t mentions = json_is_integer(count) ? (int64_t)json_integer_value(count) :
	    a->mentions;
	const char *prio = prio_name((enum prio)a->priority);
	char t[32], buf[64];
	struct buf ids;
	size_t i;

	ac->n++;
	if (ac->o->json) {
		struct buf *b = &ac->out;

		buf_addc(b, '{');
		spoolcmd_json_time(b, "time", a->at_ms);
		spoolcmd_json_int(b, "at_ms", a->at_ms);
		spoolcmd_json_str(b, "priority", prio);
		spoolcmd_json_str(b, "team", a->team);
		spoolcmd_json_str(b, "alert", a->alert_id);
		spoolcmd_json_str(b, "group", a->group_key);
		spoolcmd_json_int(b, "mentions", mentions);
		spoolcmd_json_int(b, "delivered", a->delivered);
		spoolcmd_json_int(b, "pending", a->pending);
		spoolcmd_json_int(b, "dead", a->dead);
		spoolcmd_json_key(b, "rules");
		buf_addc(b, '[');
		json_array_foreach(rules, i, r)
			if (json_is_string(r)) {
				if (b->data[b->len - 1] != '[')
					buf_addc(b, ',');
				spoolcmd_json_strval(b, json_string_value(r));
			}
		buf_addc(b, ']');
		spoolcmd_json_end(b);
	} else {
		buf_init(&ids);
		json_array_foreach(rules, i, r)
			if (json_is_string(r))
				buf_printf(&ids, "%s%s", ids.len ? "," : "", json_string_value(r));
		spoolcmd_cell(&ac->t, spoolcmd_time(t, sizeof(t), a->at_ms));
		spoolcmd_cell(&ac->t, prio);
		spoolcmd_cell(&ac->t, a->team);
		spoolcmd_cell(&ac->t, a->alert_id);
		snprintf(buf, sizeof(buf), "%lld", (long long)mentions);
		spoolcmd_cell(&ac->t, buf);
		snprintf(buf, sizeof(buf), "%d/%d/%d", a->delivered, a->pending, a->dead);
		spoolcmd_cell(&ac->t, buf);
		spoolcmd_cell(&ac->t, ids.len ? ids.data : "-");
		buf_free(&ids);
	}
	json_decref(root);
}

static int
cmd_alerts(int argc, char **argv)
{
	struct spoolcmd_opts o;
	struct spoolcmd_alerts ac;
	struct spool *s;
	int rc = 0;

	if ((rc = spoolcmd_parse(argc, argv, SO_LIMIT, &o)) != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	if (optind != argc) {
		spoolcmd_usage(stderr, "alerts");
		return EXIT_USAGE;
	}
	if ((s = spoolcmd_open(&o, 1, &rc)) == NULL)
		return rc;
	memset(&ac, 0, sizeof(ac));
	ac.o = &o;
	ac.t.ncols = 7;
	buf_init(&ac.out);
	if (!o.json) {
		const char *h[] = { "TIME", "PRIORITY", "TEAM", "ALERT", "MENTIONS",
			"DELIVERED/PENDING/DEAD", "RULES" };

		for (size_t i = 0; i < 7; i++)
			spoolcmd_cell(&ac.t, h[i]);
	}
	if (spool_list_alerts(s, o.limit, spoolcmd_alert_row, &ac) < 0) {
		fprintf(stderr, "keluhctl: cannot list alerts: %s\n", spool_error(s));
		rc = EXIT_BAD_INPUT;
	} else if (!o.json) {
		if (ac.n)
			spoolcmd_table_print(&ac.t, stdout);
		else
			printf("no alerts yet\n");
	}
	for (size_t i = 0; i < ac.t.ncells; i++)
		free(ac.t.cells[i]);
	free(ac.t.cells);
	buf_free(&ac.out);
	spool_close(s);
	return rc;
}

/*
 * show: every mention of one alert with its verdict. The alert lists only
 * samples (grouping.samples of them, chosen by score and reach); the spool
 * keeps every mention tied to it, with the verdict it got.
 */
struct spoolcmd_show {
	const struct spoolcmd_opts *o;
	struct spool *s;
	int64_t rowid;
	int found;
	json_t *alert;		/* the alert's JSON ("alert" object), owned */
	json_t *listed;		/* ids of the mentions the alert lists: id -> true */
	json_t *rule_texts;	/* rule text id -> {"id","description","score"} */
	size_t n;
};

static void
spoolcmd_show_alert(void *arg, const struct spool_alert *a)
{
	struct spoolcmd_show *sh = arg;
	json_t *root = a->json ? json_loads(a->json, 0, NULL) : NULL, *m;
	char t[32];
	size_t i;

	sh->found = 1;
	sh->rowid = a->rowid;
	sh->alert = json_incref(json_object_get(root, "alert"));
	json_decref(root);
	json_array_foreach(json_object_get(sh->alert, "mentions"), i, m)
		if (json_is_string(json_object_get(m, "id")))
			json_object_set_new(sh->listed, json_string_value(json_object_get(m, "id")),
			    json_true());
	if (sh->o->json)
		return;
	printf("alert %s  %s  team %s  %s\n", a->alert_id, prio_name((enum prio)a->priority),
	    a->team ? a->team : "-", spoolcmd_time(t, sizeof(t), a->at_ms));
	printf("group %s; %d mention(s); deliveries: %d delivered, %d pending, %d dead\n",
	    a->group_key, a->mentions, a->delivered, a->pending, a->dead);
}

/* The rules of a spooled mention: [{"id","description","score"}], from its row. */
static json_t *
spoolcmd_show_rules(struct spoolcmd_show *sh, json_t *rec, json_t *entry)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach(json_object_get(rec, "rule_refs"), i, v) {
		char key[24];
		json_t *t;

		if (!json_is_integer(v))
			continue;
		snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(v));
		if ((t = json_object_get(sh->rule_texts, key)) == NULL) {
			char *txt = spool_rule_text_get(sh->s, json_integer_value(v));

			t = txt ? json_loads(txt, 0, NULL) : NULL;
			free(txt);
			if (t == NULL)
				continue;
			json_object_set_new(sh->rule_texts, key, t);
		}
		json_array_append(out, t);
	}
	if (json_array_size(out) == 0)	/* an older row: the ids only */
		json_array_foreach(json_object_get(entry, "rules"), i, v)
			json_array_append_new(out, json_pack("{s:O}", "id", v));
	return out;
}

/*
 * Prints s (text from the internet) with control characters, C1 ones too,
 * as spaces: a post must not move the cursor or recolour the terminal.
 */
static void
spoolcmd_show_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "-");

	for (; *p; p++) {
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			putchar(' ');
			p++;
		} else
			putchar(*p < 0x20 || *p == 0x7f ? ' ' : *p);
	}
}

static void
spoolcmd_show_human(const json_t *e, const json_t *rules, int listed)
{
	const json_t *au = json_object_get(e, "author"), *v;
	const char *url = json_string_value(json_object_get(e, "url"));
	const char *prio = json_string_value(json_object_get(e, "priority"));
	const char *handle = json_string_value(json_object_get(au, "handle"));
	size_t i;

	putchar('\n');
	spoolcmd_show_clean(json_string_value(json_object_get(e, "id")));
	printf("  %s  score %lld  ", prio ? prio : "-",
	    (long long)json_integer_value(json_object_get(e, "score")));
	spoolcmd_show_clean(handle ? handle : "(no author)");
	if (json_is_integer(json_object_get(au, "followers")))
		printf(" (%lld followers%s)",
		    (long long)json_integer_value(json_object_get(au, "followers")),
		    json_is_true(json_object_get(au, "verified")) ? ", verified" : "");
	printf("%s\n", listed ? "  [in the alert]" : "");
	if (url) {
		fputs("  ", stdout);
		spoolcmd_show_clean(url);
		putchar('\n');
	}
	fputs("  ", stdout);
	spoolcmd_show_clean(json_string_value(json_object_get(e, "text")));
	printf("\n  rules:");
	json_array_foreach(rules, i, v) {
		printf("%s ", i ? "," : "");
		spoolcmd_show_clean(json_string_value(json_object_get(v, "id")));
		if (json_is_integer(json_object_get(v, "score")))
			printf(" (%lld)", (long long)json_integer_value(json_object_get(v, "score")));
	}
	putchar('\n');
	if (json_is_string(json_object_get(e, "model"))) {
		/* what keluhctl test says of the same verdict */
		fputs("  " BY_MODEL_PRE, stdout);
		spoolcmd_show_clean(json_string_value(json_object_get(e, "model")));
		puts(BY_MODEL_POST);
	}
	json_array_foreach(json_object_get(e, "matches"), i, v) {
		if (!json_is_object(v))	/* an older alert: bare spans, no rule to name */
			continue;
		fputs("  evidence: ", stdout);
		spoolcmd_show_clean(json_string_value(json_object_get(v, "rule")));
		printf(" %s ", json_string_value(json_object_get(v, "kind")) ?
		    json_string_value(json_object_get(v, "kind")) : "-");
		/* a model's n-gram: which model */
		if (json_is_string(json_object_get(v, "model"))) {
			spoolcmd_show_clean(json_string_value(json_object_get(v, "model")));
			putchar(' ');
		}
		putchar('\'');
		spoolcmd_show_clean(json_string_value(json_object_get(v, "pattern")));
		fputs("' matched '", stdout);
		spoolcmd_show_clean(json_string_value(json_object_get(v, "text")));
		fputs("'\n", stdout);
	}
}

/* One mention: its entry (what the alert would list) and what the spool row adds. */
static void
spoolcmd_show_entry(struct spoolcmd_show *sh, json_t *rec, json_t *entry, int64_t at_ms)
{
	const char *id = json_string_value(json_object_get(entry, "id"));
	int listed = id && json_object_get(sh->listed, id);
	json_t *rules = spoolcmd_show_rules(sh, rec, entry);
	char t[32];

	sh->n++;
	if (!sh->o->json) {
		spoolcmd_show_human(entry, rules, listed);
		json_decref(rules);
		return;
	}
	entry = json_deep_copy(entry);
	json_object_set_new(entry, "alert", json_string(json_string_value(json_object_get(sh->alert,
	    "id"))));
	json_object_set_new(entry, "received_at", at_ms > 0 ? json_string(spoolcmd_time(t, sizeof(t),
	    at_ms)) : json_null());
	json_object_set(entry, "team", json_object_get(rec, "team") ?
	    json_object_get(rec, "team") : json_null());
	json_object_set_new(entry, "rule_info", rules);
	json_object_set_new(entry, "listed", json_boolean(listed));
	{
		char *line = json_dumps(entry, JSON_COMPACT);

		if (line)
			printf("%s\n", line);
		free(line);
	}
	json_decref(entry);
}

static void
spoolcmd_show_mention(void *arg, const struct spool_mention *m)
{
	struct spoolcmd_show *sh = arg;
	json_t *rec = json_loads(m->json, 0, NULL), *entry = json_object_get(rec, "entry");

	if (entry)
		spoolcmd_show_entry(sh, rec, entry, m->at_ms);
	json_decref(rec);
}

static int
cmd_show(int argc, char **argv)
{
	struct spoolcmd_opts o;
	struct spoolcmd_show sh;
	struct spool *s;
	int rc = 0, r;

	if ((rc = spoolcmd_parse(argc, argv, 0, &o)) != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	if (optind + 1 != argc) {
		fprintf(stderr, "keluhctl: show takes one alert id (keluhctl alerts lists them)\n");
		spoolcmd_usage(stderr, "show");
		return EXIT_USAGE;
	}
	if ((s = spoolcmd_open(&o, 1, &rc)) == NULL)
		return rc;
	memset(&sh, 0, sizeof(sh));
	sh.o = &o;
	sh.s = s;
	sh.listed = json_object();
	sh.rule_texts = json_object();
	if ((r = spool_get_alert(s, argv[optind], spoolcmd_show_alert, &sh)) < 0) {
		fprintf(stderr, "keluhctl: cannot read alert %s: %s\n", argv[optind], spool_error(s));
		rc = EXIT_BAD_INPUT;
	} else if (r == 0) {
		fprintf(stderr, "keluhctl: no alert '%s' in the spool (keluhctl alerts lists the "
				"newest; old ones are pruned)\n", argv[optind]);
		rc = EXIT_BAD_INPUT;
	} else if (spool_alert_mentions(s, sh.rowid, spoolcmd_show_mention, &sh) < 0) {
		fprintf(stderr, "keluhctl: cannot read the mentions of %s: %s\n", argv[optind],
		    spool_error(s));
		rc = EXIT_BAD_INPUT;
	} else if (sh.n == 0) {
		/* an incident: its mentions are tied to their own groups' alerts */
		json_t *m;
		size_t i;

		json_array_foreach(json_object_get(sh.alert, "mentions"), i, m)
			spoolcmd_show_entry(&sh, NULL, m, 0);
	}
	json_decref(sh.alert);
	json_decref(sh.listed);
	json_decref(sh.rule_texts);
	spool_close(s);
	return rc;
}

struct spoolcmd_queue {
	const struct spoolcmd_opts *o;
	struct spoolcmd_table t;
	struct buf out;
	int64_t now;
	size_t n;
};

static void
spoolcmd_queue_row(void *arg, const struct spool_delivery *d)
{
	struct spoolcmd_queue *q = arg;
	char id[32], att[16], t[32], age[32];

	q->n++;
	if (q->o->json) {
		struct buf *b = &q->out;

		buf_addc(b, '{');
		spoolcmd_json_int(b, "id", d->id);
		spoolcmd_json_str(b, "state", spoolcmd_state(d->state));
		spoolcmd_json_str(b, "receiver", d->receiver);
		spoolcmd_json_str(b, "alert", d->alert_id);
		spoolcmd_json_str(b, "idempotency_key", d->idem_key);
		spoolcmd_json_str(b, "priority", prio_name((enum prio)d->priority));
		spoolcmd_json_int(b, "attempts", d->attempts);
		spoolcmd_json_time(b, "created", d->created_ms);
		spoolcmd_json_time(b, "due", d->state == SPOOL_PENDING ? d->due_ms : 0);
		spoolcmd_json_time(b, "expires", d->expires_ms);
		spoolcmd_json_time(b, "done", d->done_ms);
		spoolcmd_json_int(b, "age_ms", q->now - d->created_ms);
		spoolcmd_json_str(b, "last_error", d->last_error);
		spoolcmd_json_end(b);
		return;
	}
	snprintf(id, sizeof(id), "%lld", (long long)d->id);
	snprintf(att, sizeof(att), "%d", d->attempts);
	spoolcmd_cell(&q->t, id);
	spoolcmd_cell(&q->t, d->receiver);
	spoolcmd_cell(&q->t, d->alert_id);
	spoolcmd_cell(&q->t, prio_name((enum prio)d->priority));
	spoolcmd_cell(&q->t, att);
	spoolcmd_cell(&q->t, spoolcmd_time(t, sizeof(t), q->o->dead ? d->done_ms : d->due_ms));
	spoolcmd_cell(&q->t, util_human_age(q->now > d->created_ms ? q->now - d->created_ms : 0, age,
	    sizeof(age)));
	spoolcmd_cell(&q->t, d->last_error);
}

static int
cmd_queue(int argc, char **argv)
{
	struct spoolcmd_opts o;
	struct spoolcmd_queue q;
	struct spool_counts c;
	struct spool *s;
	int rc = 0;

	if ((rc = spoolcmd_parse(argc, argv, SO_LIMIT | SO_DEAD, &o)) != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	if (optind != argc) {
		spoolcmd_usage(stderr, "queue");
		return EXIT_USAGE;
	}
	if ((s = spoolcmd_open(&o, 1, &rc)) == NULL)
		return rc;
	memset(&q, 0, sizeof(q));
	q.o = &o;
	q.now = util_now_ms();
	q.t.ncols = 8;
	buf_init(&q.out);
	if (!o.json) {
		const char *h[] = { "ID", "RECEIVER", "ALERT", "PRIORITY", "ATTEMPTS",
			o.dead ? "DEAD SINCE" : "DUE", "AGE", o.dead ? "REASON" : "LAST ERROR" };

		for (size_t i = 0; i < 8; i++)
			spoolcmd_cell(&q.t, h[i]);
	}
	if (spool_list_deliveries(s, o.dead ? SPOOL_DEAD : SPOOL_PENDING, o.limit,
		spoolcmd_queue_row, &q) < 0 || spool_counts(s, NULL, &c) < 0) {
		fprintf(stderr, "keluhctl: cannot list deliveries: %s\n", spool_error(s));
		rc = EXIT_BAD_INPUT;
	} else if (!o.json) {
		int64_t total = o.dead ? c.dead : c.pending;

		if (q.n)
			spoolcmd_table_print(&q.t, stdout);
		if ((int64_t)q.n < total)
			printf("(the newest %zu of %lld)\n", q.n, (long long)total);
		printf("%lld pending, %lld dead, %lld delivered\n", (long long)c.pending,
		    (long long)c.dead, (long long)c.delivered);
	}
	for (size_t i = 0; i < q.t.ncells; i++)
		free(q.t.cells[i]);
	free(q.t.cells);
	buf_free(&q.out);
	spool_close(s);
	return rc;
}

/* Delivery ids from the command line; all are checked before any is used. */
static int64_t *
spoolcmd_ids(int argc, char **argv, const char *cmd, size_t *n)
{
	int64_t *ids = xcalloc((size_t)argc + 1, sizeof(*ids));

	*n = 0;
	for (int i = 0; i < argc; i++) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(argv[i], &end, 10);
		if (errno || end == argv[i] || *end || v <= 0) {
			fprintf(stderr, "keluhctl: %s: '%s' is not a delivery id (see keluhctl queue)\n",
			    cmd, argv[i]);
			free(ids);
			return NULL;
		}
		ids[(*n)++] = v;
	}
	return ids;
}

static void
spoolcmd_report(const struct spoolcmd_opts *o, struct buf *b, int64_t id, const char *action,
    const struct spool_delivery *d, const char *was, const char *error)
{
	if (o->json) {
		buf_addc(b, '{');
		spoolcmd_json_int(b, "id", id);
		if (error)
			spoolcmd_json_str(b, "error", error);
		else {
			spoolcmd_json_str(b, "action", action);
			spoolcmd_json_str(b, "alert", d->alert_id);
			spoolcmd_json_str(b, "receiver", d->receiver);
			spoolcmd_json_str(b, "was", was);
		}
		spoolcmd_json_end(b);
	} else if (error)
		fprintf(stderr, "keluhctl: %s\n", error);
	else
		printf("delivery %lld (alert %s to %s, was %s): %s%s\n", (long long)id, d->alert_id,
		    d->receiver, was, action, strcmp(action, "requeued") == 0 ? ", due now" : "");
}

/* retry and drop: one operation per id, each on its own; 1 if any failed. */
static int
spoolcmd_each(struct spool *s, const struct spoolcmd_opts *o, const int64_t *ids, size_t n,
    int drop)
{
	int64_t now = util_now_ms();
	struct buf b;
	int rc = 0;

	buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		struct spool_delivery d;
		const char *was;
		int r;

		memset(&d, 0, sizeof(d));
		r = spool_get_delivery(s, ids[i], &d);
		if (r <= 0) {
			char msg[600];

			if (r < 0)
				snprintf(msg, sizeof(msg), "delivery %lld: %s", (long long)ids[i],
				    spool_error(s));
			else
				snprintf(msg, sizeof(msg), "no delivery %lld", (long long)ids[i]);
			spoolcmd_report(o, &b, ids[i], NULL, NULL, NULL, msg);
			rc = EXIT_BAD_INPUT;
			continue;
		}
		was = spoolcmd_state(d.state);
		if ((drop ? spool_drop(s, ids[i]) : spool_requeue(s, ids[i], now)) < 0) {
			char msg[600];

			/* The spool's own refusals name the delivery; SQLite's do not. */
			if (strstr(spool_error(s), "delivery"))
				snprintf(msg, sizeof(msg), "%s", spool_error(s));
			else
				snprintf(msg, sizeof(msg), "delivery %lld: %s", (long long)ids[i],
				    spool_error(s));
			spoolcmd_report(o, &b, ids[i], NULL, NULL, NULL, msg);
			rc = EXIT_BAD_INPUT;
		} else
			spoolcmd_report(o, &b, ids[i], drop ? "dropped" : "requeued", &d, was,
			    NULL);
		spool_delivery_free(&d);
	}
	fflush(stdout);
	buf_free(&b);
	return rc;
}

static int
cmd_retry(int argc, char **argv)
{
	struct spoolcmd_opts o;
	struct spool *s;
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;

	if ((rc = spoolcmd_parse(argc, argv, SO_ALL_DEAD | SO_RECEIVER, &o)) != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	if ((o.all_dead && optind != argc) || (!o.all_dead && (optind == argc || o.receiver))) {
		fprintf(stderr, "keluhctl: retry takes delivery ids, or --all-dead "
				"[--receiver NAME]\n");
		spoolcmd_usage(stderr, "retry");
		return EXIT_USAGE;
	}
	if (!o.all_dead && (ids = spoolcmd_ids(argc - optind, argv + optind, "retry", &n)) == NULL)
		return EXIT_USAGE;
	if ((s = spoolcmd_open(&o, 0, &rc)) == NULL) {
		free(ids);
		return rc;
	}
	if (o.all_dead) {
		int64_t k = spool_requeue_dead(s, o.receiver, util_now_ms());

		if (k < 0) {
			fprintf(stderr, "keluhctl: cannot requeue: %s\n", spool_error(s));
			rc = EXIT_BAD_INPUT;
		} else if (o.json) {
			struct buf b;

			buf_init(&b);
			buf_addc(&b, '{');
			spoolcmd_json_str(&b, "action", "requeued");
			spoolcmd_json_int(&b, "count", k);
			spoolcmd_json_str(&b, "receiver", o.receiver);
			spoolcmd_json_end(&b);
			buf_free(&b);
		} else if (k == 0)
			printf("no dead deliveries%s%s%s to requeue\n",
			    o.receiver ? " (receiver " : "", o.receiver ? o.receiver : "",
			    o.receiver ? ")" : "");
		else
			printf("requeued %lld dead deliver%s%s%s%s, due now\n", (long long)k,
			    k == 1 ? "y" : "ies", o.receiver ? " (receiver " : "",
			    o.receiver ? o.receiver : "", o.receiver ? ")" : "");
	} else
		rc = spoolcmd_each(s, &o, ids, n, 0);
	free(ids);
	spool_close(s);
	return rc;
}

static int
cmd_drop(int argc, char **argv)
{
	struct spoolcmd_opts o;
	struct spool *s;
	int64_t *ids;
	size_t n;
	int rc;

	if ((rc = spoolcmd_parse(argc, argv, 0, &o)) != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	if (optind == argc) {
		spoolcmd_usage(stderr, "drop");
		return EXIT_USAGE;
	}
	if ((ids = spoolcmd_ids(argc - optind, argv + optind, "drop", &n)) == NULL)
		return EXIT_USAGE;
	if ((s = spoolcmd_open(&o, 0, &rc)) == NULL) {
		free(ids);
		return rc;
	}
	rc = spoolcmd_each(s, &o, ids, n, 1);
	free(ids);
	spool_close(s);
	return rc;
}

/* The word people type to test a config: the same check as keluhd --check. */
static int
cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'h': fputs("usage: keluhctl check [-c FILE]\n", stdout); return 0;
		default: fputs("usage: keluhctl check [-c FILE]\n", stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs("usage: keluhctl check [-c FILE]\n", stderr);
		return EXIT_USAGE;
	}
	if (path == NULL)
		path = ctl_conf_default();
	if (ctl_conf_missing(path, NULL, NULL) < 0)
		return EXIT_USAGE;
	return confcheck_run(path, "keluhctl") < 0 ? EXIT_USAGE : 0;
}

/* Whether keluhctl show names a case (42, #42) rather than an alert. */
static int
show_is_case(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *p = argv[i - 1];

		if (argv[i][0] == '-' || strcmp(p, "-c") == 0 || strcmp(p, "--config") == 0 ||
		    strcmp(p, "--spool") == 0 || strcmp(p, "--socket") == 0 || strcmp(p, "-n") == 0)
			continue;
		return cases_parse_id(argv[i]) > 0;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	log_init("keluhctl", 0);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("keluhctl %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "test") == 0)
		return cmd_test(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0 || strcmp(argv[1], "--check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "alerts") == 0)
		return cmd_alerts(argc - 1, argv + 1);
	/* show CASE (42, #42) asks keluhd; show ALERT (a-...) reads the spool */
	if (strcmp(argv[1], "show") == 0 && show_is_case(argc - 1, argv + 1))
		return ctl_cases_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return cmd_show(argc - 1, argv + 1);
	if (strcmp(argv[1], "cases") == 0 || strcmp(argv[1], "ack") == 0 ||
	    strcmp(argv[1], "assign") == 0 || strcmp(argv[1], "resolve") == 0 ||
	    strcmp(argv[1], "reopen") == 0)
		return ctl_cases_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "label") == 0)
		return ctl_label_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return ctl_report_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "eval") == 0)
		return ctl_eval_main(argc - 1, argv + 1, ctl_rules_load);
	if (strcmp(argv[1], "learn") == 0)
		return ctl_learn_main(argc - 1, argv + 1, ctl_rules_load);
	if (strcmp(argv[1], "cluster") == 0)
		return ctl_cluster_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "queue") == 0)
		return cmd_queue(argc - 1, argv + 1);
	if (strcmp(argv[1], "retry") == 0)
		return cmd_retry(argc - 1, argv + 1);
	if (strcmp(argv[1], "drop") == 0)
		return cmd_drop(argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0 || strcmp(argv[1], "reload") == 0 ||
	    strcmp(argv[1], "silence") == 0 || strcmp(argv[1], "send-test") == 0)
		return ctl_admin_main(argc - 1, argv + 1);
	fprintf(stderr, "keluhctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
