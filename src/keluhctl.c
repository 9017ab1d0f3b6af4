/*
 * keluhctl: the command-line tool. This version has `test`: classify
 * mentions offline with the same engine the daemon runs, show why each one
 * matched, count what fired, and run the expectations kept in rule files.
 *
 * Exit status: 0 success; 1 some input was bad or an expectation failed;
 * 2 usage, configuration or rule errors.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "conf.h"
#include "diag.h"
#include "log.h"
#include "mention.h"
#include "rules.h"
#include "util.h"
#include "verdict.h"

#define EXIT_BAD_INPUT 1
#define EXIT_USAGE 2

struct test_opts {
	const char *conf_path;
	const char *rules_dir;
	int json, text, stats, quiet, verify, color;
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
	fputs("usage: keluhctl [--version] [--help] COMMAND [ARGS]\n"
	      "\n"
	      "commands:\n"
	      "  test [-c FILE | -r DIR] [--json] [--text] [--stats] [--quiet] [FILE...]\n"
	      "        classify mentions (NDJSON objects or plain text lines) and show why\n"
	      "  test [-c FILE | -r DIR] --verify\n"
	      "        run the tests: kept in the rule files\n"
	      "\n"
	      "options of test:\n"
	      "  -c, --config FILE  read the rules directory from FILE (default " CONF_DEFAULT_PATH
	      ")\n"
	      "  -r, --rules DIR    use the rule files in DIR instead\n"
	      "      --json         one verdict object per line\n"
	      "      --text         every input line is plain text (no JSON detection)\n"
	      "      --stats        then print hits per rule and priority, and the throughput\n"
	      "  -q, --quiet        no verdicts (with --stats: the counts only)\n"
	      "      --verify       check the tests: blocks of the rule files\n"
	      "      --color WHEN   highlight matched words: auto, always or never\n"
	      "\n"
	      "exit status: 0 ok, 1 bad input or failed expectations, 2 usage or rule errors\n",
	    fp);
}

static struct ruleset *
load_rules(const struct test_opts *o)
{
	struct diag d;
	struct ruleset *rs = NULL;
	struct conf *c = NULL;
	char *dir;

	diag_init(&d);
	if (o->rules_dir)
		dir = xstrdup(o->rules_dir);
	else if (o->conf_path || access(CONF_DEFAULT_PATH, F_OK) == 0) {
		c = conf_load(o->conf_path ? o->conf_path : CONF_DEFAULT_PATH, &d);
		dir = c ? xstrdup(c->rules_dir) : NULL;
	} else
		dir = xstrdup(KELUH_SYSCONFDIR "/rules.d");
	if (dir)
		rs = rules_load_dir(dir, &d);
	diag_print(&d, stderr);
	if (rs == NULL)
		fprintf(stderr, "keluhctl: %zu error%s; nothing classified\n", d.errors,
		    d.errors == 1 ? "" : "s");
	diag_free(&d);
	conf_free(c);
	free(dir);
	return rs;
}

static void
print_human(struct test_run *tr, const char *id, const char *text, size_t len,
    const struct verdict *v)
{
	struct buf *b = &tr->out;
	const char *open = tr->o->color ? "\033[1;31m" : "\xc2\xab";
	const char *close = tr->o->color ? "\033[0m" : "\xc2\xbb";

	buf_printf(b, "%s  %s  score=%d", id, v->complaint ? prio_name(v->priority) : "not-a-complaint",
	    v->score);
	if (v->boost)
		buf_printf(b, " (boost %+d)", v->boost);
	if (v->team)
		buf_printf(b, "  team=%s", v->team);
	buf_addc(b, '\n');
	for (size_t i = 0; i < v->nrules; i++) {
		uint32_t r = v->rules[i];
		const char *desc = rules_description(tr->rs, r);

		buf_printf(b, "  %s (%+d)%s%s\n", rules_id(tr->rs, r), rules_score(tr->rs, r),
		    desc ? ": " : "", desc ? desc : "");
		for (size_t j = 0; j < v->nmatches; j++) {
			const struct match *m = &v->matches[j];

			if (m->rule != r)
				continue;
			buf_printf(b, "    %s '%s' matched \"%.*s\" at %zu-%zu\n",
			    m->kind == MATCH_KEYWORD ? "keyword" : "regex", m->pattern,
			    (int)(m->end - m->start), text + m->start, m->start, m->end);
		}
	}
	if (v->nmatches) {
		buf_adds(b, "  | ");
		verdict_highlight(b, text, len, v, open, close);
		buf_addc(b, '\n');
	}
	if (v->regex_errors)
		buf_printf(b, "  ! %zu regex(es) hit the match limit and counted as no match\n",
		    v->regex_errors);
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
classify_one(struct test_run *tr, const char *id, const char *text, size_t len,
    const struct classify_author *author, const char *name, unsigned long lineno)
{
	char where[512];
	struct verdict v;
	size_t bad;

	if (classify_text(tr->ctx, text, len, author, &v, &bad) < 0) {
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
			classify_one(tr, m.id, m.text, m.text_len, &a, name, lineno);
			mention_free(&m);
		} else
			classify_one(tr, NULL, line, len, NULL, name, lineno);
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
has_rule(const struct ruleset *rs, const struct verdict *v, const char *id)
{
	for (size_t i = 0; i < v->nrules; i++)
		if (strcmp(rules_id(rs, v->rules[i]), id) == 0)
			return 1;
	return 0;
}

static int
run_verify(struct test_run *tr)
{
	const struct ruleset *rs = tr->rs;
	size_t n = rules_ntests(rs), passed = 0, failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct rules_test *t = rules_test_get(rs, i);
		struct classify_author a = { t->followers, t->verified };
		struct verdict v;
		struct buf why;
		size_t bad;

		buf_init(&why);
		if (classify_text(tr->ctx, t->text, strlen(t->text), &a, &v, &bad) < 0) {
			buf_printf(&why, "invalid UTF-8 at byte %zu", bad);
			goto report;
		}
		for (size_t j = 0; j < t->n_want_rules; j++)
			if (!has_rule(rs, &v, t->want_rules[j]))
				buf_printf(&why, "%srule %s did not match", why.len ? "; " : "",
				    t->want_rules[j]);
		for (size_t j = 0; j < t->n_not_rules; j++)
			if (has_rule(rs, &v, t->not_rules[j]))
				buf_printf(&why, "%srule %s matched", why.len ? "; " : "",
				    t->not_rules[j]);
		if (t->want_priority >= 0 && (int)v.priority != t->want_priority)
			buf_printf(&why, "%spriority is %s, expected %s (score %d)",
			    why.len ? "; " : "", prio_name(v.priority),
			    prio_name((enum prio)t->want_priority), v.score);
		if (t->want_complaint >= 0 && v.complaint != t->want_complaint)
			buf_printf(&why, "%s%s a complaint, expected %s (score %d)",
			    why.len ? "; " : "", v.complaint ? "is" : "is not",
			    t->want_complaint ? "one" : "none", v.score);
		if (t->team && (v.team == NULL || strcmp(v.team, t->team) != 0))
			buf_printf(&why, "%steam is %s, expected %s", why.len ? "; " : "",
			    v.team ? v.team : "none", t->team);
report:
		if (why.len) {
			failed++;
			printf("%s:%u:%u: FAIL: %s\n", t->file, t->line, t->col, why.data);
			if (v.nrules) {
				printf("    matched:");
				for (size_t j = 0; j < v.nrules; j++)
					printf(" %s", rules_id(rs, v.rules[j]));
				printf("\n");
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
		case 'r': o.rules_dir = optarg; break;
		case 'j': o.json = 1; break;
		case 't': o.text = 1; break;
		case 's': o.stats = 1; break;
		case 'q': o.quiet = 1; break;
		case 'V': o.verify = 1; break;
		case 'C': color = optarg; break;
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
	if (o.conf_path && o.rules_dir) {
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
	fprintf(stderr, "keluhctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
