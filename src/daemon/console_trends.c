/*
 * console_trends.c: the trends and rules pages' data (see console.h):
 *
 *   GET /v1/trends?range=24h|7d|30d&step=5m|1h|1d&by=team|rule
 *                                                  counts per bucket, spikes
 *   GET /v1/trends/terms?range=..&limit=N          words rising fastest
 *   GET /v1/trends/mentions?since=T&until=T&team=K&rule=R&limit=N
 *   GET /v1/rules?days=N                           hits per day of every rule
 *   GET /v1/rules/ID                               a rule's lines of YAML
 *
 * Every figure comes from the spool's rollups (spool_stat_rows: one range
 * of its primary key per kind and step; spool_stat_rows_keys for the top
 * rules of a long span in fine steps), the cases by topic and the
 * complaint rows of a span, each read with a bound. console_trends_answer
 * is what the handler calls, so bench/trends times the same code.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon/case_json.h"
#include "daemon/console.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

#define TRENDS_TOP              10     /* series of their own; the rest are "other" */
#define TRENDS_ALL_BUCKETS      400    /* by rule over more: only the top rules' rows are read */
#define TRENDS_BASELINE         12     /* buckets before one that make its baseline */
#define TRENDS_SPIKE_MIN        5      /* a spike has at least this many */
#define TRENDS_SPIKE_SD         3.0    /* and more than the baseline's mean + this many sd */
#define TRENDS_MAX_KEYS         100000 /* keys a request adds up; the rest count as "other" */
#define TRENDS_TERMS_MIN        3      /* hits in the range for a rising term */
#define TRENDS_TERMS_DEFAULT    20
#define TRENDS_TERMS_MAX        100
#define TRENDS_MENTIONS_DEFAULT 50
#define TRENDS_MENTIONS_MAX     500
#define TRENDS_SCAN             5000 /* complaint rows a filtered listing reads at most */
#define TRENDS_DAYS_DEFAULT     30
#define TRENDS_DAYS_MAX         90
#define TRENDS_LAST_HOURS_MS    (2 * SPOOL_STEP_DAY) /* last_hit_at to the hour */
#define TRENDS_YAML_LINES       200
#define TRENDS_YAML_BYTES       (16 * 1024)
#define TRENDS_FILE_MAX         (1024 * 1024)

/*
 * A range of the trends: its span, its buckets' step when the query names
 * none, and the terms' step (coarser: fewer rows; words keep no 5-minute
 * rows).
 */
static const struct trends_range {
	const char *name;
	int64_t span;
	int64_t step;
	int64_t term_step;
} trends_ranges[] = {
    {"24h", SPOOL_STEP_DAY, SPOOL_STEP_5MIN, SPOOL_STEP_HOUR},
    {"7d", 7 * (int64_t)SPOOL_STEP_DAY, SPOOL_STEP_HOUR, SPOOL_STEP_DAY},
    {"30d", 30 * (int64_t)SPOOL_STEP_DAY, SPOOL_STEP_DAY, SPOOL_STEP_DAY},
};

/* The steps of step=; any range takes any step (1d over 24h: one bucket). */
static const struct trends_step {
	const char *name;
	int64_t ms;
} trends_steps[] = {
    {"5m", SPOOL_STEP_5MIN},
    {"1h", SPOOL_STEP_HOUR},
    {"1d", SPOOL_STEP_DAY},
};

/* An answer being made: its status and body. */
struct trends_out {
	int status;
	json_t *body;
	char *text; /* or the body made as text (the long ones): malloc'd */
};

static void
trends_fail(struct trends_out *o, int status, const char *msg)
{
	json_decref(o->body);
	o->status = status;
	o->body = json_pack("{s:s}", "error", msg);
}

static void
trends_spool_fail(struct trends_out *o, struct spool *sp)
{
	log_warnx("console: cannot read the trends: %s", spool_error(sp));
	trends_fail(o, 503, "the spool could not be read; see the log");
}

/* x >= 0 to two decimals, as people read it */
static double
trends_round2(double x)
{
	return (double)(int64_t)(x * 100 + 0.5) / 100;
}

/* A whole number from lo to hi in the query (def when absent): 0, or -1 after a 400. */
static int
trends_query_int(const char *q, const char *key, long lo, long hi, long def, long *v,
                 struct trends_out *o)
{
	char s[24], msg[128], *end;
	int h = case_json_query(q, key, s, sizeof(s));

	*v = def;
	if (h == 0)
		return 0;
	errno = 0;
	if (h > 0)
		*v = strtol(s, &end, 10);
	if (h < 0 || errno || end == s || *end || *v < lo || *v > hi) {
		snprintf(msg, sizeof(msg), "%s is a whole number from %ld to %ld", key, lo, hi);
		trends_fail(o, 400, msg);
		return -1;
	}
	return 0;
}

/* range= of the query (24h by default): NULL after a 400. */
static const struct trends_range *
trends_query_range(const char *q, struct trends_out *o)
{
	char s[8];
	int h = case_json_query(q, "range", s, sizeof(s));

	if (h == 0)
		return &trends_ranges[0];
	for (size_t i = 0; h > 0 && i < sizeof(trends_ranges) / sizeof(trends_ranges[0]); i++)
		if (strcmp(s, trends_ranges[i].name) == 0)
			return &trends_ranges[i];
	trends_fail(o, 400, "range is 24h, 7d or 30d");
	return NULL;
}

/* step= of the query (def, the range's, by default): 0, or -1 after a 400. */
static int
trends_query_step(const char *q, int64_t def, int64_t *step, struct trends_out *o)
{
	char s[8];
	int h = case_json_query(q, "step", s, sizeof(s));

	*step = def;
	if (h == 0)
		return 0;
	for (size_t i = 0; h > 0 && i < sizeof(trends_steps) / sizeof(trends_steps[0]); i++)
		if (strcmp(s, trends_steps[i].name) == 0) {
			*step = trends_steps[i].ms;
			return 0;
		}
	trends_fail(o, 400, "step is 5m, 1h or 1d");
	return -1;
}

/* --- keys added up: a table of key -> counts per bucket -------------------------- */

struct tkey {
	char *key;
	int64_t *counts; /* nb per key, when the table has buckets */
	int64_t total, prev, last;
};

struct tkeys {
	struct tkey *v;
	size_t n, cap;
	uint32_t *slots; /* index + 1; 0 free */
	size_t nslots;
	size_t nb;
};

static void
tkeys_init(struct tkeys *t, size_t nb)
{
	memset(t, 0, sizeof(*t));
	t->nb = nb;
	t->nslots = 256;
	t->slots = xcalloc(t->nslots, sizeof(*t->slots));
}

static void
tkeys_free(struct tkeys *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].counts);
	}
	free(t->v);
	free(t->slots);
}

static void
tkeys_grow(struct tkeys *t)
{
	free(t->slots);
	t->nslots *= 2;
	t->slots = xcalloc(t->nslots, sizeof(*t->slots));
	for (size_t i = 0; i < t->n; i++) {
		size_t s = util_hash_str(t->v[i].key) & (t->nslots - 1);

		while (t->slots[s])
			s = (s + 1) & (t->nslots - 1);
		t->slots[s] = (uint32_t)i + 1;
	}
}

/* The entry of key, made when add is set; NULL when absent, or when the table is full. */
static struct tkey *
tkeys_get(struct tkeys *t, const char *key, int add)
{
	size_t s = util_hash_str(key) & (t->nslots - 1);
	struct tkey *k;

	for (; t->slots[s]; s = (s + 1) & (t->nslots - 1))
		if (strcmp(t->v[t->slots[s] - 1].key, key) == 0)
			return &t->v[t->slots[s] - 1];
	if (!add)
		return NULL;
	if (t->n == TRENDS_MAX_KEYS) {
		metrics_bound_hit("ui_trend_keys", "a trends request added up more keys than it "
		                                   "holds; the rest are counted as \"other\"");
		return NULL;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	k = &t->v[t->n];
	memset(k, 0, sizeof(*k));
	k->key = xstrdup(key);
	k->counts = t->nb ? xcalloc(t->nb, sizeof(*k->counts)) : NULL;
	t->slots[s] = (uint32_t)++t->n;
	if (2 * t->n > t->nslots)
		tkeys_grow(t);
	return k;
}

/* Biggest total first, then by key. */
static int
tkey_cmp_total(const void *a, const void *b)
{
	const struct tkey *x = a, *y = b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Rows of a span [since, since + nb * step) into per-bucket counts. */
struct tspan {
	struct tkeys *keys; /* NULL: only the sum per bucket */
	int64_t since, step;
	size_t nb, first; /* buckets before first only make baselines */
	int64_t *sum;     /* per bucket, every key */
};

static void
tspan_row(void *arg, int64_t bucket, const char *key, int64_t n)
{
	struct tspan *s = arg;
	size_t i = (size_t)((bucket - s->since) / s->step);
	struct tkey *k;

	if (bucket < s->since || i >= s->nb)
		return;
	if (s->sum)
		s->sum[i] += n;
	if (s->keys == NULL)
		return;
	/* past TRENDS_MAX_KEYS: in "other", which is what the top series leave */
	if ((k = tkeys_get(s->keys, key, 1)) == NULL)
		return;
	k->counts[i] += n;
	if (i >= s->first)
		k->total += n;
	if (bucket > k->last)
		k->last = bucket;
}

/* --- /v1/trends ------------------------------------------------------------------- */

/* An instant as JSON: RFC 3339, null for none (0). */
static void
trends_time(struct buf *b, int64_t ms)
{
	char t[32];

	if (ms <= 0) {
		buf_adds(b, "null");
		return;
	}
	util_iso8601(ms, t, sizeof(t));
	buf_add_json_quoted(b, t);
}

/* ,"name":[v[from], .. v[to - 1]] */
static void
trends_counts(struct buf *b, const char *name, const int64_t *v, size_t from, size_t to)
{
	buf_printf(b, ",\"%s\":[", name);
	for (size_t i = from; i < to; i++) {
		if (i > from)
			buf_addc(b, ',');
		buf_add_int(b, v[i]);
	}
	buf_addc(b, ']');
}

/*
 * Bucket i of counts is a spike when it has at least TRENDS_SPIKE_MIN and
 * more than the mean + TRENDS_SPIKE_SD standard deviations of the
 * TRENDS_BASELINE buckets before it.
 */
static void
trends_spikes(json_t *out, const char *key, const int64_t *counts, const struct tspan *s)
{
	for (size_t i = s->first; i < s->nb; i++) {
		double mean = 0, var = 0, d;

		if (counts[i] < TRENDS_SPIKE_MIN)
			continue;
		for (size_t j = i - TRENDS_BASELINE; j < i; j++)
			mean += (double)counts[j];
		mean /= TRENDS_BASELINE;
		for (size_t j = i - TRENDS_BASELINE; j < i; j++)
			var += ((double)counts[j] - mean) * ((double)counts[j] - mean);
		var /= TRENDS_BASELINE;
		/* count > mean + k sd, squared: no libm */
		d = (double)counts[i] - mean;
		if (d <= 0 || d * d <= TRENDS_SPIKE_SD * TRENDS_SPIKE_SD * var)
			continue;
		json_array_append_new(out,
		                      json_pack("{s:o,s:s,s:I,s:f}", "at",
		                                case_json_time(s->since + (int64_t)i * s->step),
		                                "key", key, "count", (json_int_t)counts[i],
		                                "baseline", trends_round2(mean)));
	}
}

/* {"key":K,"counts":[..],"total":N} */
static void
trends_one_series(struct buf *b, const char *key, const int64_t *counts, int64_t total,
                  const struct tspan *s)
{
	buf_adds(b, "{\"key\":");
	buf_add_json_quoted(b, key);
	trends_counts(b, "counts", counts, s->first, s->nb);
	buf_adds(b, ",\"total\":");
	buf_add_int(b, total);
	buf_addc(b, '}');
}

/*
 * ,"series":[..]: the TRENDS_TOP keys of the biggest totals in the span,
 * each with its counts, and "other": the complaints of each bucket that
 * the top series do not hold (at least 0: a complaint of two top rules is
 * in both). Their spikes go into spikes.
 */
static void
trends_series(struct buf *b, struct tkeys *keys, const struct tspan *s, const int64_t *complaints,
              json_t *spikes)
{
	int64_t *other = xcalloc(s->nb, sizeof(*other)), other_total = 0;
	size_t i;

	memcpy(other, complaints, s->nb * sizeof(*other));
	/* the table's slots are stale from here: it is only read in order */
	if (keys->n > 1)
		qsort(keys->v, keys->n, sizeof(*keys->v), tkey_cmp_total);
	buf_adds(b, ",\"series\":[");
	for (i = 0; i < keys->n && i < TRENDS_TOP && keys->v[i].total > 0; i++) {
		const struct tkey *k = &keys->v[i];

		for (size_t j = 0; j < s->nb; j++)
			other[j] = other[j] > k->counts[j] ? other[j] - k->counts[j] : 0;
		if (i)
			buf_addc(b, ',');
		trends_one_series(b, k->key, k->counts, k->total, s);
		trends_spikes(spikes, k->key, k->counts, s);
	}
	for (size_t j = s->first; j < s->nb; j++)
		other_total += other[j];
	if (other_total > 0) {
		if (i)
			buf_addc(b, ',');
		trends_one_series(b, "other", other, other_total, s);
	}
	buf_addc(b, ']');
	free(other);
}

/*
 * The span of range r in buckets of step, ending with the bucket that
 * holds now, and its baseline before it; a step longer than the range
 * makes one bucket.
 */
static void
trends_span(struct tspan *s, const struct trends_range *r, int64_t step, int64_t now_ms)
{
	int64_t until = now_ms - now_ms % step + step;
	size_t n = (size_t)(r->span / step);

	memset(s, 0, sizeof(*s));
	s->step = step;
	s->first = TRENDS_BASELINE;
	s->nb = (n ? n : 1) + TRENDS_BASELINE;
	s->since = until - (int64_t)s->nb * step;
}

static int
trends_read(struct spool *sp, int kind, struct tspan *s, struct trends_out *o)
{
	if (spool_stat_rows(sp, kind, s->step, s->since, s->since + (int64_t)s->nb * s->step, NULL,
	                    tspan_row, s) < 0) {
		trends_spool_fail(o, sp);
		return -1;
	}
	return 0;
}

static void
trank_row(void *arg, int64_t bucket, const char *key, int64_t n)
{
	struct tkey *k = tkeys_get(arg, key, 1);

	(void)bucket;
	if (k)
		k->total += n;
}

/*
 * By rule over many buckets: the TRENDS_TOP rules of the days the span
 * touches (one row a rule and day), then the rows of those rules only
 * at the span's step; the other rules' rows are never read.
 */
static int
trends_read_top(struct spool *sp, struct tspan *s, struct trends_out *o)
{
	int64_t from = s->since + (int64_t)s->first * s->step,
	        until = s->since + (int64_t)s->nb * s->step;
	const char *top[TRENDS_TOP];
	struct tkeys rank;
	size_t n = 0;
	int rc = 0;

	tkeys_init(&rank, 0);
	if (spool_stat_rows(sp, SPOOL_STAT_RULE, SPOOL_STEP_DAY, from - from % SPOOL_STEP_DAY,
	                    until, NULL, trank_row, &rank) < 0) {
		tkeys_free(&rank);
		trends_spool_fail(o, sp);
		return -1;
	}
	if (rank.n > 1)
		qsort(rank.v, rank.n, sizeof(*rank.v), tkey_cmp_total);
	for (; n < rank.n && n < TRENDS_TOP && rank.v[n].total > 0; n++)
		top[n] = rank.v[n].key;
	if (spool_stat_rows_keys(sp, SPOOL_STAT_RULE, s->step, s->since, until, top, n, tspan_row,
	                         s) < 0) {
		trends_spool_fail(o, sp);
		rc = -1;
	}
	tkeys_free(&rank);
	return rc;
}

/* by=rule: every rule's rows, or the top rules' only when the span has many buckets. */
static int
trends_read_rules(struct spool *sp, struct tspan *s, struct trends_out *o)
{
	if (s->nb - s->first > TRENDS_ALL_BUCKETS)
		return trends_read_top(sp, s, o);
	return trends_read(sp, SPOOL_STAT_RULE, s, o);
}

static const char *
trends_step_name(int64_t step)
{
	for (size_t i = 0; i < sizeof(trends_steps) / sizeof(trends_steps[0]); i++)
		if (trends_steps[i].ms == step)
			return trends_steps[i].name;
	return "?";
}

/*
 * The answer, written as text: 30 days of 5-minute buckets are some
 * 100,000 numbers, which as a tree of values took longer than reading
 * them.
 */
static void
trends_write(const struct tspan *s, const struct trends_range *r, const char *by,
             const int64_t *mentions, const int64_t *complaints, struct tkeys *keys,
             struct trends_out *o)
{
	json_t *spikes = json_array();
	char *sp;
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "{\"range\":\"%s\",\"step\":\"%s\",\"step_s\":%lld,\"since_at\":", r->name,
	           trends_step_name(s->step), (long long)(s->step / 1000));
	trends_time(&b, s->since + (int64_t)s->first * s->step);
	buf_adds(&b, ",\"until_at\":");
	trends_time(&b, s->since + (int64_t)s->nb * s->step);
	buf_printf(&b, ",\"by\":\"%s\",\"buckets\":[", by);
	for (size_t i = s->first; i < s->nb; i++) {
		if (i > s->first)
			buf_addc(&b, ',');
		trends_time(&b, s->since + (int64_t)i * s->step);
	}
	buf_addc(&b, ']');
	trends_counts(&b, "mentions", mentions, s->first, s->nb);
	trends_counts(&b, "complaints", complaints, s->first, s->nb);
	trends_series(&b, keys, s, complaints, spikes);
	sp = json_dumps(spikes, JSON_COMPACT);
	buf_printf(&b, ",\"spikes\":%s}", sp ? sp : "[]");
	free(sp);
	json_decref(spikes);
	o->text = xstrdup(b.data);
	o->status = 200;
	buf_free(&b);
}

static void
trends_main(const struct console_env *env, const char *q, int64_t now_ms, struct trends_out *o)
{
	const struct trends_range *r = trends_query_range(q, o);
	char by[8] = "team";
	int hb = case_json_query(q, "by", by, sizeof(by)), rule;
	struct tspan s;
	struct tkeys keys;
	int64_t *mentions, *complaints, step;

	if (r == NULL || trends_query_step(q, r->step, &step, o) < 0)
		return;
	if (hb < 0 || (strcmp(by, "team") != 0 && strcmp(by, "rule") != 0)) {
		trends_fail(o, 400, "by is team or rule");
		return;
	}
	rule = strcmp(by, "rule") == 0;
	trends_span(&s, r, step, now_ms);
	tkeys_init(&keys, s.nb);
	mentions = xcalloc(s.nb, sizeof(*mentions));
	complaints = xcalloc(s.nb, sizeof(*complaints));
	s.sum = mentions;
	if (trends_read(env->spool, SPOOL_STAT_MENTIONS, &s, o) < 0)
		goto out;
	s.sum = complaints;
	s.keys = rule ? NULL : &keys;
	if (trends_read(env->spool, SPOOL_STAT_TEAM, &s, o) < 0)
		goto out;
	s.sum = NULL;
	s.keys = &keys;
	if (rule && trends_read_rules(env->spool, &s, o) < 0)
		goto out;
	trends_write(&s, r, by, mentions, complaints, &keys, o);
out:
	tkeys_free(&keys);
	free(mentions);
	free(complaints);
}

/* --- /v1/trends/terms -------------------------------------------------------------- */

struct tterms {
	struct tkeys *keys;
	int64_t since;
};

static void
tterms_row(void *arg, int64_t bucket, const char *key, int64_t n)
{
	struct tterms *t = arg;
	struct tkey *k = tkeys_get(t->keys, key, 1);

	if (k == NULL)
		return;
	if (bucket >= t->since)
		k->total += n;
	else
		k->prev += n;
}

static double
tterm_growth(const struct tkey *k)
{
	return (double)(k->total + 1) / (double)(k->prev + 1);
}

/* Fastest rising first, then the most hits, then by term. */
static int
tterm_cmp(const void *a, const void *b)
{
	const struct tkey *x = a, *y = b;
	double gx = tterm_growth(x), gy = tterm_growth(y);

	if (gx != gy)
		return gx > gy ? -1 : 1;
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void
trends_terms(const struct console_env *env, const char *q, int64_t now_ms, struct trends_out *o)
{
	const struct trends_range *r = trends_query_range(q, o);
	int64_t until, since, span;
	struct tkeys keys;
	struct tterms t;
	json_t *terms;
	long limit;
	size_t n = 0;

	if (r == NULL ||
	    trends_query_int(q, "limit", 1, TRENDS_TERMS_MAX, TRENDS_TERMS_DEFAULT, &limit, o) < 0)
		return;
	until = now_ms - now_ms % r->term_step + r->term_step;
	span = r->span;
	since = until - span;
	tkeys_init(&keys, 0);
	t = (struct tterms){&keys, since};
	if (spool_stat_rows(env->spool, SPOOL_STAT_TERM, r->term_step, since - span, until, NULL,
	                    tterms_row, &t) < 0) {
		trends_spool_fail(o, env->spool);
		tkeys_free(&keys);
		return;
	}
	if (keys.n > 1)
		qsort(keys.v, keys.n, sizeof(*keys.v), tterm_cmp);
	terms = json_array();
	for (size_t i = 0; i < keys.n && n < (size_t)limit; i++) {
		const struct tkey *k = &keys.v[i];

		if (k->total < TRENDS_TERMS_MIN)
			continue;
		json_array_append_new(terms, json_pack("{s:s,s:I,s:I,s:f}", "term", k->key, "count",
		                                       (json_int_t)k->total, "previous",
		                                       (json_int_t)k->prev, "growth",
		                                       trends_round2(tterm_growth(k))));
		n++;
	}
	o->body = json_pack("{s:s,s:o,s:o,s:o,s:o}", "range", r->name, "since_at",
	                    case_json_time(since), "until_at", case_json_time(until),
	                    "previous_since_at", case_json_time(since - span), "terms", terms);
	o->status = 200;
	tkeys_free(&keys);
}

/* --- /v1/trends/mentions ---------------------------------------------------------- */

struct tmentions {
	const char *team, *rule; /* filters; NULL: any */
	/* what a row that passes must hold, looked for before it is parsed; "" none */
	char team_needle[160], rule_needle[140];
	size_t limit, matched, read;
	json_t *list;
};

static int
tmention_has_rule(json_t *rules, const char *rule)
{
	size_t i;
	json_t *v;

	json_array_foreach(rules, i, v)
	{
		if (json_is_string(v) && strcmp(json_string_value(v), rule) == 0)
			return 1;
	}
	return 0;
}

static json_t *
tmention_str(json_t *v)
{
	return json_is_string(v) ? json_incref(v) : json_null();
}

static void
tmention_row(void *arg, const struct spool_mention *m)
{
	struct tmentions *t = arg;
	json_t *row = NULL, *entry, *team, *rules, *author;

	t->read++;
	/* most rows of a filtered listing are not its own: a look before the parse */
	if ((t->team_needle[0] && strstr(m->json, t->team_needle) == NULL) ||
	    (t->rule_needle[0] && strstr(m->json, t->rule_needle) == NULL))
		return;
	row = json_loads(m->json, 0, NULL);
	entry = json_object_get(row, "entry");
	team = json_object_get(row, "team");
	rules = json_object_get(entry, "rules");
	if (row == NULL ||
	    (t->team &&
	     strcmp(t->team, json_is_string(team) ? json_string_value(team) : "") != 0) ||
	    (t->rule && !tmention_has_rule(rules, t->rule))) {
		json_decref(row);
		return;
	}
	if (t->matched++ >= t->limit) {
		json_decref(row);
		return;
	}
	author = json_object_get(json_object_get(entry, "author"), "handle");
	json_array_append_new(
	    t->list,
	    json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o}", "id", m->mention_id, "at",
	              case_json_time(m->at_ms), "text",
	              tmention_str(json_object_get(entry, "text")), "author", tmention_str(author),
	              "url", tmention_str(json_object_get(entry, "url")), "source",
	              tmention_str(json_object_get(entry, "source")), "priority",
	              prio_name((enum prio)m->priority), "team", tmention_str(team), "rules",
	              json_is_array(rules) ? json_incref(rules) : json_array()));
	json_decref(row);
}

/* Whether s is plain ASCII that JSON writes as it is: then a row holds it verbatim. */
static int
tmention_plain(const char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || *s == '/' || (unsigned char)*s < 0x20 ||
		    (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* The complaint rows of complaint.c: "team":"K" (null for none), the rule as "R". */
static void
tmention_needles(struct tmentions *t)
{
	if (t->team && !*t->team)
		snprintf(t->team_needle, sizeof(t->team_needle), "\"team\":null");
	else if (t->team && tmention_plain(t->team))
		snprintf(t->team_needle, sizeof(t->team_needle), "\"team\":\"%s\"", t->team);
	if (t->rule && tmention_plain(t->rule))
		snprintf(t->rule_needle, sizeof(t->rule_needle), "\"%s\"", t->rule);
}

/* An instant of the query (def when absent): 0, or -1 after a 400. */
static int
trends_query_time(const char *q, const char *key, int64_t def, int64_t *ms, struct trends_out *o)
{
	char s[64], msg[128];
	int h = case_json_query(q, key, s, sizeof(s));
	int64_t t;

	*ms = def;
	if (h == 0)
		return 0;
	if (h < 0 || util_rfc3339_parse(s, &t) < 0) {
		snprintf(msg, sizeof(msg), "%s is an RFC 3339 instant such as 2026-12-07T03:00:00Z",
		         key);
		trends_fail(o, 400, msg);
		return -1;
	}
	*ms = t * 1000;
	return 0;
}

static void
trends_mentions(const struct console_env *env, const char *q, int64_t now_ms, struct trends_out *o)
{
	char team[128], rule[128];
	int ht = case_json_query(q, "team", team, sizeof(team));
	int hr = case_json_query(q, "rule", rule, sizeof(rule));
	struct tmentions t = {0};
	int64_t since, until;
	long limit;

	if (trends_query_time(q, "until", now_ms, &until, o) < 0 ||
	    trends_query_time(q, "since", until - SPOOL_STEP_DAY, &since, o) < 0 ||
	    trends_query_int(q, "limit", 1, TRENDS_MENTIONS_MAX, TRENDS_MENTIONS_DEFAULT, &limit,
	                     o) < 0)
		return;
	if (ht < 0 || hr < 0) {
		trends_fail(o, 400,
		            ht < 0 ? "team is at most 127 bytes, percent-encoded"
		                   : "rule is at most 127 bytes, percent-encoded");
		return;
	}
	if (since >= until) {
		trends_fail(o, 400, "since must be before until");
		return;
	}
	memset(&t, 0, sizeof(t));
	t.team = ht > 0 ? team : NULL;
	t.rule = hr > 0 ? rule : NULL;
	t.limit = (size_t)limit;
	t.list = json_array();
	tmention_needles(&t);
	/* without a filter one more row says whether there are more */
	if (spool_mentions_between(env->spool, since, until,
	                           t.team || t.rule ? TRENDS_SCAN : (size_t)limit + 1, tmention_row,
	                           &t) < 0) {
		json_decref(t.list);
		trends_spool_fail(o, env->spool);
		return;
	}
	o->body = json_pack("{s:o,s:b}", "mentions", t.list, "more",
	                    t.matched > t.limit || ((t.team || t.rule) && t.read == TRENDS_SCAN));
	o->status = 200;
}

/* --- /v1/rules -------------------------------------------------------------------- */

static void
trules_topic(void *arg, const char *topic, int64_t cases, int64_t not_complaint)
{
	struct tkey *k;

	if (topic == NULL || (k = tkeys_get(arg, topic, 1)) == NULL)
		return;
	k->total += cases;
	k->prev += not_complaint;
}

/*
 * A rule's object, written as text: 2,000 rules of 90 days each made a
 * tree of 200,000 values, half of the answer's time.
 */
static void
trules_rule(struct buf *b, const struct ruleset *rs, size_t r, const struct tkey *hits,
            const struct tkey *cases, size_t days)
{
	int64_t n = cases ? cases->total : 0, nc = cases ? cases->prev : 0;

	buf_adds(b, "{\"id\":");
	buf_add_json_quoted(b, rules_id(rs, r));
	buf_adds(b, ",\"description\":");
	buf_add_json_quoted(b, rules_description(rs, r));
	buf_adds(b, ",\"team\":");
	buf_add_json_quoted(b, rules_team(rs, r));
	buf_printf(b, ",\"score\":%d,\"file\":", rules_score(rs, r));
	buf_add_json_quoted(b, rules_file(rs, r));
	buf_printf(b, ",\"line\":%u,\"hits\":[", rules_line(rs, r));
	for (size_t d = 0; d < days; d++) {
		if (d)
			buf_addc(b, ',');
		buf_add_int(b, hits ? hits->counts[d] : 0);
	}
	buf_adds(b, "],\"total\":");
	buf_add_int(b, hits ? hits->total : 0);
	buf_adds(b, ",\"last_hit_at\":");
	trends_time(b, hits ? hits->last : 0);
	buf_adds(b, ",\"cases\":");
	buf_add_int(b, n);
	buf_adds(b, ",\"not_complaint\":");
	buf_add_int(b, nc);
	if (n)
		buf_printf(b, ",\"precision\":%.2f}", trends_round2((double)(n - nc) / (double)n));
	else
		buf_adds(b, ",\"precision\":null}");
}

/* The last hours with a hit make last_hit_at finer than the day. */
static void
trules_last(void *arg, int64_t bucket, const char *key, int64_t n)
{
	struct tkey *k = tkeys_get(arg, key, 0);

	if (k && n > 0 && bucket > k->last)
		k->last = bucket;
}

static void
trules_write(struct buf *b, const struct ruleset *rs, struct tkeys *hits, struct tkeys *topics,
             int64_t since, int64_t until, size_t days)
{
	size_t nnever = 0;

	buf_adds(b, "{\"since_at\":");
	trends_time(b, since);
	buf_adds(b, ",\"until_at\":");
	trends_time(b, until);
	buf_adds(b, ",\"days\":[");
	for (size_t d = 0; d < days; d++) {
		if (d)
			buf_addc(b, ',');
		trends_time(b, since + (int64_t)d * SPOOL_STEP_DAY);
	}
	buf_adds(b, "],\"rules\":[");
	for (size_t r = 0; r < rules_count(rs); r++) {
		if (r)
			buf_addc(b, ',');
		trules_rule(b, rs, r, tkeys_get(hits, rules_id(rs, r), 0),
		            tkeys_get(topics, rules_id(rs, r), 0), days);
	}
	buf_adds(b, "],\"never_fired\":[");
	for (size_t r = 0; r < rules_count(rs); r++) {
		const struct tkey *h = tkeys_get(hits, rules_id(rs, r), 0);

		if (h != NULL && h->total > 0)
			continue;
		if (nnever++)
			buf_addc(b, ',');
		buf_add_json_quoted(b, rules_id(rs, r));
	}
	buf_adds(b, "]}");
}

static void
trends_rules(const struct console_env *env, const char *q, int64_t now_ms, struct trends_out *o)
{
	int64_t until = now_ms - now_ms % SPOOL_STEP_DAY + SPOOL_STEP_DAY, since;
	const struct ruleset *rs = env->rules;
	struct tkeys hits, topics;
	struct tspan s;
	struct buf b;
	long days;

	if (trends_query_int(q, "days", 1, TRENDS_DAYS_MAX, TRENDS_DAYS_DEFAULT, &days, o) < 0)
		return;
	since = until - days * SPOOL_STEP_DAY;
	buf_init(&b);
	tkeys_init(&hits, (size_t)days);
	tkeys_init(&topics, 0);
	s = (struct tspan){&hits, since, SPOOL_STEP_DAY, (size_t)days, 0, NULL};
	if (spool_stat_rows(env->spool, SPOOL_STAT_RULE, SPOOL_STEP_DAY, since, until, NULL,
	                    tspan_row, &s) < 0 ||
	    spool_stat_rows(env->spool, SPOOL_STAT_RULE, SPOOL_STEP_HOUR,
	                    until - TRENDS_LAST_HOURS_MS, until, NULL, trules_last, &hits) < 0 ||
	    spool_case_topics(env->spool, since, until, trules_topic, &topics) < 0) {
		trends_spool_fail(o, env->spool);
		goto out;
	}
	trules_write(&b, rs, &hits, &topics, since, until, (size_t)days);
	o->text = xstrdup(b.data);
	o->status = 200;
out:
	buf_free(&b);
	tkeys_free(&hits);
	tkeys_free(&topics);
}

/* --- /v1/rules/ID ------------------------------------------------------------------ */

/* Reads at most TRENDS_FILE_MAX bytes of path: malloc'd, NUL-terminated; NULL on error. */
static char *
trules_read_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *b;
	ssize_t n;
	size_t len = 0;

	if (fd < 0)
		return NULL;
	b = xmalloc(TRENDS_FILE_MAX + 1);
	while (len < TRENDS_FILE_MAX && (n = read(fd, b + len, TRENDS_FILE_MAX - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(b);
			close(fd);
			return NULL;
		}
		len += (size_t)n;
	}
	close(fd);
	b[len] = '\0';
	return b;
}

static size_t
trules_indent(const char *l, const char *end)
{
	const char *p = l;

	while (p < end && *p == ' ')
		p++;
	return (size_t)(p - l);
}

/* Whether the line [l, end) is blank or only a comment. */
static int
trules_blank(const char *l, const char *end)
{
	l += trules_indent(l, end);
	return l == end || *l == '#' || *l == '\r';
}

/* The lines [start, keep), each without the first dash spaces (the item's indentation). */
static char *
trules_dedent(const char *start, const char *keep, size_t dash)
{
	struct buf b;
	char *out;

	buf_init(&b);
	for (const char *p = start, *end; p < keep; p = end + 1) {
		end = strchrnul(p, '\n');
		if (end > keep)
			end = keep;
		p += trules_indent(p, end) < dash ? trules_indent(p, end) : dash;
		buf_add(&b, p, (size_t)(end - p));
		if (end < keep)
			buf_addc(&b, '\n');
	}
	out = xstrdup(b.data ? b.data : "");
	buf_free(&b);
	return out;
}

/*
 * The rule's lines: its first (the "- id:" of its item) and every later
 * one indented deeper than the item's dash, up to the next item or the
 * end of the list; blank and comment lines at the end left out, and the
 * item's indentation. At most TRENDS_YAML_LINES lines and
 * TRENDS_YAML_BYTES bytes (*cut set).
 */
static char *
trules_lines(const char *text, unsigned line, int *cut)
{
	const char *p = text, *start, *end, *keep;
	size_t dash, n = 1;

	for (unsigned l = 1; l < line && p; l++)
		p = (p = strchr(p, '\n')) ? p + 1 : NULL;
	if (p == NULL || *p == '\0')
		return NULL;
	start = p;
	end = strchrnul(p, '\n');
	dash = trules_indent(p, end);
	keep = end;
	*cut = 0;
	for (p = *end ? end + 1 : end; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, '\n');
		if (trules_blank(p, end))
			continue;
		if (trules_indent(p, end) <= dash)
			break;
		if (++n > TRENDS_YAML_LINES || (size_t)(end - start) > TRENDS_YAML_BYTES) {
			*cut = 1;
			break;
		}
		keep = end;
	}
	return trules_dedent(start, keep, dash);
}

/* Rule ids are [a-z0-9._-]: the path needs no decoding. */
static void
trends_rule(const struct console_env *env, const char *id, struct trends_out *o)
{
	const struct ruleset *rs = env->rules;
	char msg[400], *text, *yaml;
	const char *file;
	size_t r;
	int cut;

	for (r = 0; r < rules_count(rs) && strcmp(rules_id(rs, r), id) != 0; r++)
		;
	if (r == rules_count(rs)) {
		snprintf(msg, sizeof(msg), "no rule %.200s in the rules loaded now", id);
		trends_fail(o, 404, msg);
		return;
	}
	file = rules_file(rs, r);
	text = file ? trules_read_file(file) : NULL;
	yaml = text ? trules_lines(text, rules_line(rs, r), &cut) : NULL;
	free(text);
	if (yaml == NULL) {
		snprintf(msg, sizeof(msg), "cannot read rule %s from %s:%u: %s", id,
		         file ? file : "(no file)", rules_line(rs, r),
		         file ? strerror(errno) : "it was not loaded from a file");
		trends_fail(o, 404, msg);
		return;
	}
	o->body = json_pack("{s:s,s:s,s:i,s:s,s:b}", "id", id, "file", file, "line",
	                    (int)rules_line(rs, r), "yaml", yaml, "truncated", cut);
	o->status = 200;
	free(yaml);
}

/* --- the handler ---------------------------------------------------------------------- */

/* Whether path is one of this module's. */
static int
trends_path(const char *path)
{
	return strcmp(path, "/v1/trends") == 0 || strcmp(path, "/v1/trends/terms") == 0 ||
	       strcmp(path, "/v1/trends/mentions") == 0 || strcmp(path, "/v1/rules") == 0 ||
	       (strncmp(path, "/v1/rules/", 10) == 0 && path[10] != '\0');
}

int
console_trends_answer(const struct console_env *env, const char *path, const char *query,
                      int64_t now_ms, char **body)
{
	struct trends_out o = {0, NULL, NULL};
	char *s;

	if (!trends_path(path))
		return 0;
	if (strcmp(path, "/v1/trends") == 0)
		trends_main(env, query, now_ms, &o);
	else if (strcmp(path, "/v1/trends/terms") == 0)
		trends_terms(env, query, now_ms, &o);
	else if (strcmp(path, "/v1/trends/mentions") == 0)
		trends_mentions(env, query, now_ms, &o);
	else if (strcmp(path, "/v1/rules") == 0)
		trends_rules(env, query, now_ms, &o);
	else
		trends_rule(env, path + 10, &o);
	s = o.text ? o.text : o.body ? json_dumps(o.body, JSON_COMPACT) : NULL;
	json_decref(o.body);
	*body = xasprintf("%s\n", s ? s : "{\"error\":\"out of memory\"}");
	free(s);
	return o.status ? o.status : 500;
}

int
console_trends_handle(struct console *c, struct httpd_req *req, const struct console_user *u)
{
	const char *m = httpd_method(req);
	char *body;
	int status;

	(void)u;
	if (!trends_path(httpd_path(req)))
		return 0;
	if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0) {
		static const char msg[] =
		    "{\"error\":\"the trends and rules are read with GET\"}\n";

		httpd_reply(req, 405, "application/json", "Allow: GET, HEAD\r\n", msg,
		            sizeof(msg) - 1);
		return 1;
	}
	status = console_trends_answer(console_env(c), httpd_path(req), httpd_query(req),
	                               util_now_ms(), &body);
	httpd_reply(req, status, "application/json", NULL, body, strlen(body));
	free(body);
	return 1;
}
