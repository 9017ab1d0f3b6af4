/*
 * bench_trends: the console's trends and rules API over a large spool.
 *
 *   bench_trends RULES_DIR SPOOL [--mentions 10000000] [--days 30] [--rows N]
 *	       [--repeat 5] [--reuse]
 *	Builds SPOOL (a new file) as keluhd would have left it after
 *	--mentions mentions over --days days ending now, classified by the
 *	rules of RULES_DIR (their ids and teams; 2000 rules from
 *	gen_rules.py): the rollups the collector writes and keeps (5-minute
 *	and hourly rows of every day, the words' hourly rows of the last 16
 *	days, daily rows; words have no 5-minute rows), a quarter of the
 *	mentions complaints, rules picked with a Zipf law (a third with a
 *	second rule), one or two of 5000 words each, one burst of one rule;
 *	--rows complaint rows (default: every complaint) and a case a
 *	minute, each topic'd by its rule, a tenth corrected to "not a
 *	complaint". Written with the spool's own calls, in large batches,
 *	not by classifying. Then times console_trends_answer, what the
 *	handler of each request calls, --repeat times per request:
 *	  trends path=P status=S bytes=B ms_min=.. ms_med=.. ms_max=..
 *	and last:
 *	  mode=trends mentions=M days=D rules=R rows=N stat_rows=K build_s=..
 *	  spool_mb=.. worst_ms=.. target_ms=200
 *	--reuse times a SPOOL built before (built a day ago: not the last day's
 *	figures), for tuning.
 *
 * A fixed seed: runs compare.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "daemon/console.h"
#include "engine/rules.h"
#include "lib/diag.h"
#include "lib/util.h"
#include "store/spool.h"

#define NTERMS 5000
#define DAY    SPOOL_STEP_DAY
#define HOUR   SPOOL_STEP_HOUR
#define SLOT   SPOOL_STEP_5MIN

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
uniform(void)
{
	return (double)(next() >> 11) / (double)(1ULL << 53);
}

/* A Zipf law over n items: its cumulative weights. */
static double *
zipf_new(size_t n)
{
	double *cdf = calloc(n, sizeof(*cdf)), sum = 0;

	for (size_t i = 0; i < n; i++)
		cdf[i] = sum += 1.0 / (double)(i + 1);
	for (size_t i = 0; i < n; i++)
		cdf[i] /= sum;
	return cdf;
}

static size_t
zipf(const double *cdf, size_t n)
{
	double u = uniform();
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct gen {
	struct spool *sp;
	const struct ruleset *rs;
	size_t nrules, nteams;
	const char **team_names; /* "" first */
	size_t *team_of;         /* per rule */
	double *rule_cdf, *term_cdf;
	char terms[NTERMS][16];
	int64_t now, start;
	int64_t stat_rows, rows, row_every, ncomplaints, cases;
	/* per step: mentions, teams, rules, terms (terms: hour and day only) */
	struct counts {
		int64_t mentions, *team, *rule, *term;
	} c[3];
	struct buf row;
};

static void
counts_init(struct counts *c, size_t nteams, size_t nrules)
{
	c->team = calloc(nteams, sizeof(int64_t));
	c->rule = calloc(nrules, sizeof(int64_t));
	c->term = calloc(NTERMS, sizeof(int64_t));
}

static void
add(struct gen *g, int kind, int64_t step, int64_t at, const char *key, int64_t n)
{
	if (n == 0)
		return;
	if (spool_stat_add(g->sp, kind, step, at, key, n) < 0) {
		fprintf(stderr, "bench_trends: %s\n", spool_error(g->sp));
		exit(1);
	}
	g->stat_rows++;
}

/*
 * Writes the counts of step s (0: 5 min, 1: hour, 2: day) for the bucket
 * at `at`, the words' when terms is set, and zeroes them.
 */
static void
flush(struct gen *g, int s, int64_t at, int terms)
{
	static const int64_t steps[3] = {SLOT, HOUR, DAY};
	struct counts *c = &g->c[s];

	add(g, SPOOL_STAT_MENTIONS, steps[s], at, "", c->mentions);
	for (size_t i = 0; i < g->nteams; i++)
		add(g, SPOOL_STAT_TEAM, steps[s], at, g->team_names[i], c->team[i]);
	for (size_t i = 0; i < g->nrules; i++)
		add(g, SPOOL_STAT_RULE, steps[s], at, rules_id(g->rs, i), c->rule[i]);
	for (size_t i = 0; terms && i < NTERMS; i++)
		add(g, SPOOL_STAT_TERM, steps[s], at, g->terms[i], c->term[i]);
	c->mentions = 0;
	memset(c->team, 0, g->nteams * sizeof(int64_t));
	memset(c->rule, 0, g->nrules * sizeof(int64_t));
	memset(c->term, 0, NTERMS * sizeof(int64_t));
}

/* A complaint row as ingest writes it (complaint.c), shorter texts. */
static void
complaint_row(struct gen *g, int64_t at, size_t r1, size_t r2, size_t term)
{
	char id[32];
	const char *team = g->team_names[g->team_of[r1]];

	snprintf(id, sizeof(id), "m%lld", (long long)g->rows);
	buf_reset(&g->row);
	buf_printf(
	    &g->row,
	    "{\"rule_refs\":[],\"tags\":[],\"team\":%s%s%s,\"rule\":\"%s\",\"entry\":{\"id\":"
	    "\"%s\",\"source\":\"bench\",\"text\":\"aplikasi %s lagi, tolong dibantu "
	    "segera\",\"url\":\"https://example.test/%s\",\"author\":{\"handle\":\"@u%lld\"},"
	    "\"score\":40,\"priority\":\"normal\",\"rules\":[\"%s\"%s%s%s]}}",
	    *team ? "\"" : "", *team ? team : "null", *team ? "\"" : "", rules_id(g->rs, r1), id,
	    g->terms[term], id, (long long)(g->rows % 100000), rules_id(g->rs, r1),
	    r2 != r1 ? ",\"" : "", r2 != r1 ? rules_id(g->rs, r2) : "", r2 != r1 ? "\"" : "");
	if (spool_add_mention(g->sp, id, rules_id(g->rs, r1), 2, at, g->row.data) <= 0) {
		fprintf(stderr, "bench_trends: %s\n", spool_error(g->sp));
		exit(1);
	}
	g->rows++;
}

/* One case opened at `at` on rule r: a tenth of them not complaints. */
static void
one_case(struct gen *g, int64_t at, size_t r)
{
	char key[48], json[300];
	struct spool_case c;
	int64_t id, a;

	snprintf(key, sizeof(key), "case-%lld", (long long)g->cases);
	snprintf(json, sizeof(json), "{\"alert\":{\"rules\":[\"%s\"]}}", rules_id(g->rs, r));
	id = spool_case_open(g->sp, key, 2, g->team_names[g->team_of[r]], at);
	a = spool_add_alert(g->sp, key, key, 2, NULL, at, json, NULL, 0, NULL, NULL, 0, at);
	if (id <= 0 || a <= 0 || spool_case_tie_alert(g->sp, id, a, at, 1) < 0 ||
	    spool_case_get(g->sp, id, &c) != 1) {
		fprintf(stderr, "bench_trends: case: %s\n", spool_error(g->sp));
		exit(1);
	}
	free(c.state);
	c.state = xstrdup(g->cases % 10 == 0 ? "not_complaint" : "resolved");
	c.resolved_ms = at + HOUR;
	spool_case_update(g->sp, &c);
	spool_case_free(&c);
	g->cases++;
}

/* The complaints of one 5-minute slot. */
static void
slot(struct gen *g, int64_t at, int64_t n, int burst)
{
	int64_t k = n / 4;

	for (int s = 0; s < 3; s++)
		g->c[s].mentions += n;
	for (int64_t i = 0; i < k; i++) {
		size_t r1 = burst && i % 2 ? 7 : zipf(g->rule_cdf, g->nrules);
		size_t r2 = uniform() < 0.33 ? zipf(g->rule_cdf, g->nrules) : r1;
		size_t t1 = zipf(g->term_cdf, NTERMS), t2 = zipf(g->term_cdf, NTERMS);
		int64_t when = at + (int64_t)(uniform() * SLOT);

		for (int s = 0; s < 3; s++) {
			g->c[s].team[g->team_of[r1]]++;
			g->c[s].rule[r1]++;
			if (r2 != r1)
				g->c[s].rule[r2]++;
			g->c[s].term[t1]++;
			if (t2 != t1)
				g->c[s].term[t2]++;
		}
		/* --rows of them, spread over the days */
		if (g->row_every && g->ncomplaints++ % g->row_every == 0)
			complaint_row(g, when, r1, r2, t1);
	}
	if ((at / SLOT) % 12 == 0 && k > 0)
		one_case(g, at, zipf(g->rule_cdf, g->nrules));
}

/* Busy by day, quiet at night (Jakarta time), as brands see it. */
static double
hour_factor(int64_t at)
{
	static const double f[24] = {0.3, 0.2, 0.2, 0.2, 0.3, 0.6, 1.0, 1.3, 1.5, 1.5, 1.4, 1.3,
	                             1.4, 1.4, 1.3, 1.3, 1.2, 1.2, 1.3, 1.2, 1.0, 0.8, 0.6, 0.4};

	return f[((at + 7 * HOUR) / HOUR) % 24];
}

static void
build(struct gen *g, int64_t mentions, int days)
{
	int64_t slots = (int64_t)days * (DAY / SLOT), per = mentions / slots;
	int64_t burst = g->now - 5 * HOUR;

	burst -= burst % SLOT;
	for (int64_t i = 0; i < slots; i++) {
		int64_t at = g->start + i * SLOT;

		/* large batches, as a busy keluhd's passes add up to */
		if (i % 288 == 0 && (spool_commit(g->sp) < 0 || spool_begin(g->sp) < 0)) {
			fprintf(stderr, "bench_trends: %s\n", spool_error(g->sp));
			exit(1);
		}
		slot(g, at, (int64_t)((double)per * hour_factor(at)), at == burst);
		/* the rows the collector's prune keeps: words have no 5-minute rows, hourly of 16 days */
		flush(g, 0, at, 0);
		if ((at + SLOT) % HOUR == 0)
			flush(g, 1, at - at % HOUR, at >= g->now - 16 * DAY);
		if ((at + SLOT) % DAY == 0)
			flush(g, 2, at - at % DAY, 1);
	}
	flush(g, 1, g->now - g->now % HOUR, 1);
	flush(g, 2, g->now - g->now % DAY, 1);
	if (spool_commit(g->sp) < 0) {
		fprintf(stderr, "bench_trends: %s\n", spool_error(g->sp));
		exit(1);
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Times one request: its figures on a line; the median in ms. */
static double
timed(const struct console_env *env, const char *path, const char *query, int64_t now, int repeat)
{
	double ms[64];
	size_t bytes = 0;
	int status = 0;

	if (repeat > 64)
		repeat = 64;
	for (int i = 0; i < repeat; i++) {
		double t0 = now_s();
		char *body = NULL;

		status = console_trends_answer(env, path, query, now, &body);
		ms[i] = (now_s() - t0) * 1000;
		bytes = body ? strlen(body) : 0;
		if (status != 200 && i == 0)
			fprintf(stderr, "bench_trends: %s?%s: %d %.200s\n", path, query, status,
			        body);
		free(body);
	}
	qsort(ms, (size_t)repeat, sizeof(ms[0]), cmp_double);
	printf("trends path=%s%s%s status=%d bytes=%zu ms_min=%.1f ms_med=%.1f ms_max=%.1f\n", path,
	       *query ? "?" : "", query, status, bytes, ms[0], ms[repeat / 2], ms[repeat - 1]);
	fflush(stdout);
	return ms[repeat / 2];
}

static void
teams(struct gen *g)
{
	g->team_names = calloc(g->nrules + 1, sizeof(char *));
	g->team_of = calloc(g->nrules, sizeof(size_t));
	g->team_names[g->nteams++] = "";
	for (size_t r = 0; r < g->nrules; r++) {
		const char *t = rules_team(g->rs, r);
		size_t i;

		for (i = 0; t && i < g->nteams && strcmp(g->team_names[i], t) != 0; i++)
			;
		if (t && i == g->nteams)
			g->team_names[g->nteams++] = t;
		g->team_of[r] = t ? i : 0;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_trends RULES_DIR SPOOL [--mentions N] [--days D] [--rows N] "
	                "[--repeat K] [--reuse]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const char *const reqs[][2] = {
	    {"/v1/trends", "range=24h&by=team"},
	    {"/v1/trends", "range=24h&by=rule"},
	    {"/v1/trends", "range=7d&by=team"},
	    {"/v1/trends", "range=7d&by=rule"},
	    {"/v1/trends", "range=30d&by=team"},
	    {"/v1/trends", "range=30d&by=rule"},
	    {"/v1/trends", "range=7d&step=5m&by=team"},
	    {"/v1/trends", "range=7d&step=5m&by=rule"},
	    {"/v1/trends", "range=30d&step=1h&by=rule"},
	    {"/v1/trends", "range=30d&step=5m&by=team"},
	    {"/v1/trends", "range=30d&step=5m&by=rule"},
	    {"/v1/trends/terms", "range=24h"},
	    {"/v1/trends/terms", "range=7d"},
	    {"/v1/trends/terms", "range=30d"},
	    {"/v1/trends/mentions", "limit=50"},
	    {"/v1/trends/mentions", "team=NONE"},
	    {"/v1/trends/mentions", "rule=RULE"},
	    {"/v1/rules", "days=30"},
	    {"/v1/rules", "days=90"},
	};
	int64_t mentions = 10000000, rows = -1;
	int days = 30, repeat = 5, reuse = 0;
	struct gen g;
	struct diag d;
	struct ruleset *rs;
	struct console_env env;
	struct stat st;
	char err[512], q[256], path[300];
	double t0, build_s, worst = 0;

	if (argc < 3)
		usage();
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--reuse") == 0) {
			reuse = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--mentions") == 0)
			mentions = atoll(argv[++i]);
		else if (strcmp(argv[i], "--days") == 0)
			days = atoi(argv[++i]);
		else if (strcmp(argv[i], "--rows") == 0)
			rows = atoll(argv[++i]);
		else if (strcmp(argv[i], "--repeat") == 0)
			repeat = atoi(argv[++i]);
		else
			usage();
	}
	if (mentions < 1 || days < 1 || days > 90 || repeat < 1)
		usage();
	diag_init(&d);
	if ((rs = rules_load_dir(argv[1], &d)) == NULL) {
		diag_print(&d, stderr);
		return 1;
	}
	diag_free(&d);
	memset(&g, 0, sizeof(g));
	if ((g.sp = spool_open(argv[2], 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_trends: %s\n", err);
		return 1;
	}
	g.rs = rs;
	g.nrules = rules_count(rs);
	teams(&g);
	g.rule_cdf = zipf_new(g.nrules);
	g.term_cdf = zipf_new(NTERMS);
	for (size_t i = 0; i < NTERMS; i++)
		snprintf(g.terms[i], sizeof(g.terms[i]), i % 3 ? "kata%zu" : "gagal%zu", i);
	for (int s = 0; s < 3; s++)
		counts_init(&g.c[s], g.nteams, g.nrules);
	g.now = util_now_ms();
	g.start = g.now - g.now % SLOT - (int64_t)days * DAY + SLOT;
	g.row_every = rows == 0 ? 0 : rows < 0 ? 1 : (mentions / 4 + rows - 1) / rows;
	t0 = now_s();
	if (!reuse)
		build(&g, mentions, days);
	build_s = now_s() - t0;

	env = (struct console_env){.spool = g.sp, .rules = rs};
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		snprintf(q, sizeof(q), "%s", reqs[i][1]);
		if (strcmp(q, "team=NONE") == 0)
			snprintf(q, sizeof(q), "team=%s", g.team_names[g.nteams > 1 ? 1 : 0]);
		else if (strcmp(q, "rule=RULE") == 0)
			snprintf(q, sizeof(q), "rule=%s", rules_id(rs, g.nrules / 2));
		double ms = timed(&env, reqs[i][0], q, g.now, repeat);

		if (ms > worst)
			worst = ms;
	}
	snprintf(path, sizeof(path), "/v1/rules/%s", rules_id(rs, g.nrules - 1));
	{
		double ms = timed(&env, path, "", g.now, repeat);

		if (ms > worst)
			worst = ms;
	}
	stat(argv[2], &st);
	printf("mode=trends mentions=%lld days=%d rules=%zu rows=%lld stat_rows=%lld build_s=%.1f "
	       "spool_mb=%lld worst_ms=%.1f target_ms=200\n",
	       (long long)mentions, days, g.nrules, (long long)g.rows, (long long)g.stat_rows,
	       build_s, (long long)(st.st_size >> 20), worst);
	spool_close(g.sp);
	rules_unref(rs);
	return 0;
}
