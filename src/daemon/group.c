#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/cases.h"
#include "daemon/group.h"
#include "daemon/pass.h"
#include "daemon/route.h"
#include "daemon/silence.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

#define GROUP_MAX_RULES 32
#define GROUP_MAX_AUTHORS 64
#define INCIDENT_SAMPLES 10
#define OVERFLOW_KEY "overflow"
/* 2: a mention's "matches" are objects with rule and pattern, no longer [start, end] */
#define GROUP_PAYLOAD_VERSION 2

/*
 * A mention kept for the group's next alert: its entry as JSON text, put
 * into the alert as it is (parsing every kept entry was a third of the
 * cost of a complaint), and the keys that choose samples.
 */
struct sample {
	char *entry;
	long followers;		/* -1 when unknown */
	int verified;
	int score;
	uint64_t seq;		/* arrival within the group */
};

struct author {
	uint64_t hash;		/* of handle: most lookups are misses in a full list */
	char *handle;
	long followers;
	unsigned count;
};

struct group {
	struct group_engine *ge;
	char *key;
	int prio;
	char *team;
	json_t *rule_ids;	/* array of ids, in first-seen order */
	json_t *rule_info;	/* id -> {"id","description","score"} */
	json_t *tags;		/* array */
	json_t *sources;	/* array */
	struct sample *samples;	/* not alerted yet, at most grouping.samples (see sample_keep) */
	size_t nsamples, capsamples;
	uint64_t sample_seq;
	struct sample_index *six;	/* when full: who a newcomer would have to beat */
	struct author *authors;
	size_t nauthors;
	uint64_t total, nnew;
	uint64_t nsuppressed;	/* muted since the last alert */
	int quiet_timer;	/* the timer only closes a group of muted complaints */
	int sent_prio;		/* the highest priority an alert of the group had */
	int urgent;		/* an unsent complaint is critical or above sent_prio */
	int64_t first_at, last_at, last_sent;
	int64_t max_rowid;
	int64_t due;
	struct event *timer;
	struct group *next;	/* hash chain */
	struct group *lprev, *lnext;
};

struct incident {
	const struct conf_incident *ci;
	uint32_t *buckets;	/* complaints per second, ring */
	size_t nbuckets;
	int64_t head_sec;	/* the second bucket[head] counts */
	size_t head;
	double baseline;	/* moving average of the window count */
	int64_t last_fired;
	/* the latest entries, oldest first, as JSON text */
	char *samples[INCIDENT_SAMPLES];
	size_t nsamples;
	json_t *rule_info;
};

struct group_engine {
	struct event_base *base;
	const struct conf *conf;
	struct spool *spool;
	group_alert_fn fn;
	void *arg;
	struct group **table;
	size_t tsize;
	size_t ngroups;
	struct group *list;
	uint64_t seq;
	struct incident *incidents;
	size_t nincidents;
	struct event *baseline_timer;
	struct silences *silences;
	struct cases *cases;
};

static size_t
group_hash(const char *key, size_t size)
{
	uint64_t h = 1469598103934665603ULL;

	for (const unsigned char *c = (const unsigned char *)key; *c; c++)
		h = (h ^ *c) * 1099511628211ULL;
	return (size_t)(h % size);
}

static void group_timer_cb(evutil_socket_t fd, short what, void *arg);

static void
group_schedule(struct group *g, int64_t due)
{
	struct timeval tv;
	int64_t delta = due - util_now_ms();

	if (delta < 0)
		delta = 0;
	g->due = due;
	g->quiet_timer = 0;
	util_ms_to_tv(delta, &tv);
	evtimer_add(g->timer, &tv);
}

/*
 * Which mentions an alert shows. Chat messages show the first few of the
 * alert's "mentions", so their order is the choice: they alternate between
 * the highest score and the widest reach. First the mention with the
 * highest score, then, of the rest, the one whose author has the most
 * followers, then the next highest score, and so on. Ties in score go to
 * the wider reach, ties in reach to the verified author, then the higher
 * score; the earlier arrival wins any tie left. So the most urgent
 * complaint leads, and a widely followed author is never buried under
 * early arrivals.
 */
static int
sample_by_score(const struct sample *x, const struct sample *y)
{
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->followers != y->followers)
		return x->followers > y->followers ? -1 : 1;
	if (x->verified != y->verified)
		return x->verified ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
sample_by_reach(const struct sample *x, const struct sample *y)
{
	if (x->followers != y->followers)
		return x->followers > y->followers ? -1 : 1;
	if (x->verified != y->verified)
		return x->verified ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
sample_score_cmp(const void *a, const void *b)
{
	return sample_by_score(*(const struct sample *const *)a, *(const struct sample *const *)b);
}

static int
sample_reach_cmp(const void *a, const void *b)
{
	return sample_by_reach(*(const struct sample *const *)a, *(const struct sample *const *)b);
}

/*
 * The kept samples in both orders, and when each is listed: built once
 * the samples are full, and again only after one was replaced.
 * by_*: the samples, best first; order[k]: the sample listed k-th;
 * ahead_*[j]: the latest listing step of by_*[0..j), -1 for j = 0.
 */
struct sample_index {
	size_t cap;
	const struct sample **by_score, **by_reach;
	size_t *order;
	long *ahead_score, *ahead_reach;
	long *step;		/* step[i]: when sample i is listed */
	unsigned char *taken;
	int ok;
};

static void
sample_index_free(struct sample_index *x)
{
	if (x == NULL)
		return;
	free(x->by_score);
	free(x->by_reach);
	free(x->order);
	free(x->ahead_score);
	free(x->ahead_reach);
	free(x->step);
	free(x->taken);
	free(x);
}

/* Sorts g->samples[0..n) both ways and lists them into six->order (see above). */
static void
sample_walk(struct group *g, size_t n)
{
	struct sample_index *x = g->six;
	size_t at[2] = { 0, 0 };

	if (x == NULL || x->cap < n + 1) {
		sample_index_free(x);
		x = g->six = xcalloc(1, sizeof(*x));
		x->cap = n + 1;
		x->by_score = xreallocarray(NULL, x->cap, sizeof(*x->by_score));
		x->by_reach = xreallocarray(NULL, x->cap, sizeof(*x->by_reach));
		x->order = xreallocarray(NULL, x->cap, sizeof(*x->order));
		x->ahead_score = xreallocarray(NULL, x->cap + 1, sizeof(long));
		x->ahead_reach = xreallocarray(NULL, x->cap + 1, sizeof(long));
		x->step = xreallocarray(NULL, x->cap, sizeof(long));
		x->taken = xreallocarray(NULL, x->cap, 1);
	}
	x->ok = 0;
	for (size_t i = 0; i < n; i++)
		x->by_score[i] = x->by_reach[i] = &g->samples[i];
	qsort(x->by_score, n, sizeof(*x->by_score), sample_score_cmp);
	qsort(x->by_reach, n, sizeof(*x->by_reach), sample_reach_cmp);
	memset(x->taken, 0, n);
	for (size_t k = 0; k < n; k++) {
		const struct sample **list = k % 2 == 0 ? x->by_score : x->by_reach;
		size_t *i = &at[k % 2];

		while (x->taken[list[*i] - g->samples])
			(*i)++;
		x->order[k] = (size_t)(list[*i] - g->samples);
		x->taken[x->order[k]] = 1;
	}
}

/* sample_walk over the kept samples, and when each is listed. */
static struct sample_index *
sample_index(struct group *g)
{
	struct sample_index *x = g->six;
	size_t n = g->nsamples;

	if (x && x->ok)
		return x;
	sample_walk(g, n);
	x = g->six;
	for (size_t k = 0; k < n; k++)
		x->step[x->order[k]] = (long)k;
	x->ahead_score[0] = x->ahead_reach[0] = -1;
	for (size_t j = 0; j < n; j++) {
		long ss = x->step[x->by_score[j] - g->samples];
		long sr = x->step[x->by_reach[j] - g->samples];

		x->ahead_score[j + 1] = ss > x->ahead_score[j] ? ss : x->ahead_score[j];
		x->ahead_reach[j + 1] = sr > x->ahead_reach[j] ? sr : x->ahead_reach[j];
	}
	x->ok = 1;
	return x;
}

/* How many of list[0..n) come before cand in cmp's order. */
static size_t
sample_rank(const struct sample *const *list, size_t n, const struct sample *cand,
    int (*cmp)(const struct sample *, const struct sample *))
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp(list[mid], cand) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Whether cand would be listed last among the kept samples and itself.
 * Until cand is listed, the listing goes as it would without it; cand is
 * listed at the first step of the score turn after every sample ahead of
 * it by score was listed, or of the reach turn after every one ahead by
 * reach. It comes last when neither happens before the last step. Two
 * binary searches: most complaints of a burst go this way, and a full
 * group sorts again only when one makes it in.
 */
static int
sample_last(struct group *g, const struct sample *cand)
{
	struct sample_index *x = sample_index(g);
	size_t n = g->nsamples;
	long ks = x->ahead_score[sample_rank(x->by_score, n, cand, sample_by_score)] + 1;
	long kr = x->ahead_reach[sample_rank(x->by_reach, n, cand, sample_by_reach)] + 1;

	if (ks % 2)
		ks++;	/* the score turns are the even steps */
	if (kr % 2 == 0)
		kr++;
	return (ks < kr ? ks : kr) >= (long)n;
}

#define SAMPLES_BOUND_WHAT "a group holds grouping.samples mentions for its next alert: " \
	"the lowest by score and reach are left out of the alert (still in the spool: " \
	"keluhctl show ALERT lists them; raise grouping.samples)"

/*
 * Keeps the mention among the group's samples, up to grouping.samples of
 * them. When they are full, the one that would be listed last among the
 * kept ones and the new one goes: dropping a mention that comes after the
 * first N in that order never changes who the first N are, so the kept
 * set is always the first N of all the group's mentions, whatever the
 * order they came in. The dropped mention is still in the spool (keluhctl
 * show lists every mention of an alert).
 */
static void
sample_keep(struct group *g, const struct complaint *c, size_t max)
{
	struct sample cand = {NULL, c->followers < 0 ? -1 : c->followers, c->verified != 0,
	                      c->score, g->sample_seq++};
	size_t drop = g->nsamples;

	if (max == 0)
		return;
	if (g->capsamples < g->nsamples + 1) {
		/* once per group (and per reload that raises the bound): room for one more */
		g->capsamples = (g->nsamples > max ? g->nsamples : max) + 1;
		g->samples = xreallocarray(g->samples, g->capsamples, sizeof(*g->samples));
		sample_index_free(g->six);	/* it points into the old array */
		g->six = NULL;
	}
	if (g->nsamples >= max) {
		metrics_bound_hit("alert_samples", SAMPLES_BOUND_WHAT);
		if (sample_last(g, &cand))
			return;
		g->samples[g->nsamples] = cand;
		sample_walk(g, g->nsamples + 1);
		drop = g->six->order[g->nsamples];
		free(g->samples[drop].entry);
	}
	if (g->six)
		g->six->ok = 0;
	cand.entry = xstrndup(c->entry, c->entry_len);
	g->samples[drop] = cand;
	if (drop == g->nsamples)
		g->nsamples++;
}

/* The samples as the alert lists them, a JSON array as text; the group's are released. */
static void
samples_take(struct group *g, struct buf *out)
{
	buf_addc(out, '[');
	if (g->nsamples) {
		sample_walk(g, g->nsamples);
		for (size_t i = 0; i < g->nsamples; i++) {
			char *e = g->samples[g->six->order[i]].entry;

			if (i)
				buf_addc(out, ',');
			buf_adds(out, e);
			free(e);
		}
	}
	buf_addc(out, ']');
	g->nsamples = 0;
}

static void
samples_clear(struct group *g)
{
	for (size_t i = 0; i < g->nsamples; i++)
		free(g->samples[i].entry);
	g->nsamples = 0;
	sample_index_free(g->six);
	g->six = NULL;
}

static void
group_destroy(struct group *g)
{
	struct group_engine *ge = g->ge;
	struct group **pp = &ge->table[group_hash(g->key, ge->tsize)];

	while (*pp && *pp != g)
		pp = &(*pp)->next;
	if (*pp)
		*pp = g->next;
	if (g->lprev)
		g->lprev->lnext = g->lnext;
	else
		ge->list = g->lnext;
	if (g->lnext)
		g->lnext->lprev = g->lprev;
	ge->ngroups--;
	event_free(g->timer);
	json_decref(g->rule_ids);
	json_decref(g->rule_info);
	json_decref(g->tags);
	json_decref(g->sources);
	samples_clear(g);
	free(g->samples);
	for (size_t i = 0; i < g->nauthors; i++)
		free(g->authors[i].handle);
	free(g->authors);
	free(g->key);
	free(g->team);
	free(g);
	metrics_set("keluh_groups", NULL, (double)ge->ngroups);
}

static int
author_cmp(const void *a, const void *b)
{
	const struct author *x = a, *y = b;

	return x->followers < y->followers ? 1 : x->followers > y->followers ? -1 : 0;
}

static void
json_array_add_unique(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	if (s == NULL || *s == '\0')
		return;
	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return;
	json_array_append_new(arr, json_string(s));
}

/* Strongest rule first: chat headlines name rule_info[0]. Stable for equal scores. */
static void
rule_info_sort(json_t *ri)
{
	size_t n = json_array_size(ri);

	for (size_t i = 1; i < n; i++) {
		json_t *x = json_incref(json_array_get(ri, i));
		json_int_t sx = json_integer_value(json_object_get(x, "score"));
		size_t j = i;

		while (j > 0 && json_integer_value(json_object_get(json_array_get(ri, j - 1),
		    "score")) < sx) {
			json_array_set(ri, j, json_array_get(ri, j - 1));
			j--;
		}
		json_array_set_new(ri, j, x);
	}
}

/*
 * What an alert says, as group_emit takes it: a group's update or an
 * incident. The id and the time are group_emit's.
 */
struct alert_draft {
	const char *group; /* the group key */
	int priority;      /* enum prio */
	const char *team;  /* NULL: none */
	int incident;
	json_t *rule_ids;       /* array of ids, in first-seen order */
	json_t *rule_info;      /* id -> {"id","description","score"} */
	json_t *tags;           /* array of strings */
	json_t *sources;        /* array of strings */
	const char *mentions;   /* the samples, a JSON array as text */
	struct author *authors; /* sorted by followers here: the first three are named */
	size_t nauthors;
	uint64_t count;      /* complaints since the last alert, muted ones left out */
	uint64_t total;      /* since the group opened */
	uint64_t suppressed; /* muted since the last alert */
	int64_t first_at, last_at;
	int64_t upto_rowid; /* the group's pending mentions up to this row are its; 0: none */
};

/* The canonical alert body (see receiver.h) of d as JSON text, or NULL. */
static char *
alert_json(const struct alert_draft *d, const char *id)
{
	char t1[32], t2[32];
	json_t *alert, *body, *ri, *top, *v;
	char *json;
	size_t i;
	struct buf b;

	util_iso8601(d->first_at, t1, sizeof(t1));
	util_iso8601(d->last_at, t2, sizeof(t2));
	ri = json_array();
	json_array_foreach(d->rule_ids, i, v)
	{
		json_t *info = json_object_get(d->rule_info, json_string_value(v));

		if (info)
			json_array_append(ri, info);
	}
	rule_info_sort(ri);
	top = json_array();
	if (d->nauthors > 1)
		qsort(d->authors, d->nauthors, sizeof(*d->authors), author_cmp);
	for (i = 0; i < d->nauthors && i < 3; i++)
		json_array_append_new(top,
		                      json_pack("{s:s,s:I,s:I}", "handle", d->authors[i].handle,
		                                "followers", (json_int_t)d->authors[i].followers,
		                                "count", (json_int_t)d->authors[i].count));
	alert =
	    json_pack("{s:s,s:s,s:s,s:o,s:b,s:O,s:o,s:O,s:I,s:I,s:I,s:s,s:s,s:o}", "id", id,
	              "group", d->group, "priority", prio_name((enum prio)d->priority), "team",
	              d->team ? json_string(d->team) : json_null(), "incident", d->incident,
	              "rules", d->rule_ids, "rule_info", ri, "tags", d->tags, "count",
	              (json_int_t)d->count, "total", (json_int_t)d->total, "suppressed",
	              (json_int_t)d->suppressed, "first_at", t1, "last_at", t2, "top_authors", top);
	body = json_pack("{s:s,s:i,s:o}", "type", "keluh.alert", "version", GROUP_PAYLOAD_VERSION,
	    "alert", alert);
	json = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (json == NULL)
		return NULL;
	/* "mentions" last, spliced in as text: the body ends with the two closing braces */
	buf_init(&b);
	buf_add(&b, json, strlen(json) - 2);
	buf_adds(&b, ",\"mentions\":");
	buf_adds(&b, d->mentions);
	buf_adds(&b, "}}");
	free(json);
	return b.data;
}

/* The alert's log lines and metric, once it is in the spool. */
static void
alert_recorded(const struct alert_draft *d, const char *id, size_t nrecv)
{
	char labels[64];

	snprintf(labels, sizeof(labels), "priority=\"%s\"", prio_name((enum prio)d->priority));
	metrics_add("keluh_alerts_total", labels, 1);
	log_debug("alert %s group %s: %llu mention(s), %zu receiver(s)", id, d->group,
	          (unsigned long long)d->count, nrecv);
	if (d->count == 0)
		log_info("alert %s (%s): %llu muted complaint(s) recorded, not sent", id, d->group,
		         (unsigned long long)d->suppressed);
	else if (nrecv == 0)
		log_info("alert %s (%s) matched no route: recorded, not sent", id, d->group);
}

/*
 * Builds the canonical alert object (see receiver.h), records it with one
 * delivery per routed receiver, and ties the group's pending mentions to it.
 */
static void
group_emit(struct group_engine *ge, const struct alert_draft *d)
{
	const struct conf *c = ge->conf;
	char id[64];
	size_t recv[64], nrecv, i;
	const char *names[64];
	int64_t expires[64], at = util_now_ms(), rowid;
	char *json;
	struct route_alert ra;

	snprintf(id, sizeof(id), "a-%llx-%llu", (unsigned long long)at,
	         (unsigned long long)++ge->seq);
	json = alert_json(d, id);
	memset(&ra, 0, sizeof(ra));
	ra.priority = d->priority;
	ra.team = d->team;
	ra.tags = d->tags;
	ra.rules = d->rule_ids;
	ra.sources = d->sources;
	ra.incident = d->incident;
	/* muted complaints only: recorded (their rows tie to it), sent nowhere */
	nrecv = d->count == 0 ? 0 : route_alert(c, &ra, recv, sizeof(recv) / sizeof(recv[0]));
	for (i = 0; i < nrecv; i++) {
		names[i] = c->receivers[recv[i]].name;
		expires[i] = at + c->receivers[recv[i]].max_age_ms;
	}
	pass_join(ge->spool);
	rowid = spool_add_alert(ge->spool, id, d->group, d->priority, d->team, at, json, NULL, 0,
	                        names, expires, nrecv, at);
	if (rowid > 0 && d->upto_rowid > 0 &&
	    spool_tie_mentions(ge->spool, rowid, d->group, d->upto_rowid) < 0)
		log_warnx("spool: cannot tie mentions to alert %s: %s", id, spool_error(ge->spool));
	if (rowid <= 0) {
		/* the mentions stay pending in the spool and come back at restart */
		metrics_add("keluh_spool_errors_total", NULL, 1);
		log_warnx("spool: cannot record alert %s: %s", id, spool_error(ge->spool));
	} else {
		/* muted complaints only open no case: nobody is told of them */
		if (ge->cases && d->count > 0)
			cases_alert(ge->cases, d->group, d->priority, d->team, rowid, id, at,
			            (int64_t)d->count);
		alert_recorded(d, id, nrecv);
		if (ge->fn && nrecv)
			ge->fn(ge->arg, recv, nrecv);
	}
	free(json);
}

static void
group_fire(struct group *g)
{
	struct group_engine *ge = g->ge;
	struct alert_draft d = {0};
	struct buf samples;

	if (g->nnew == 0 && g->nsuppressed == 0)
		return;
	buf_init(&samples);
	samples_take(g, &samples);
	d.group = g->key;
	d.priority = g->prio;
	d.team = g->team;
	d.rule_ids = g->rule_ids;
	d.rule_info = g->rule_info;
	d.tags = g->tags;
	d.sources = g->sources;
	d.mentions = samples.data;
	d.authors = g->authors;
	d.nauthors = g->nauthors;
	d.count = g->nnew;
	d.total = g->total;
	d.suppressed = g->nsuppressed;
	d.first_at = g->first_at;
	d.last_at = g->last_at;
	d.upto_rowid = g->max_rowid;
	group_emit(ge, &d);
	buf_free(&samples);
	g->nnew = 0;
	g->nsuppressed = 0;
	g->last_sent = util_now_ms();
	if (g->prio > g->sent_prio)
		g->sent_prio = g->prio;
	g->urgent = 0;
	/* the next update describes its own mentions: priority, team and rules start over */
	g->prio = PRIO_NONE;
	free(g->team);
	g->team = NULL;
	json_decref(g->rule_ids);
	json_decref(g->rule_info);
	json_decref(g->tags);
	json_decref(g->sources);
	g->rule_ids = json_array();
	g->rule_info = json_object();
	g->tags = json_array();
	g->sources = json_array();
	for (size_t i = 0; i < g->nauthors; i++)
		free(g->authors[i].handle);
	g->nauthors = 0;
}

static void
group_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct group *g = arg;
	const struct conf *c = g->ge->conf;

	if (g->nnew) {
		group_fire(g);
		/* stay open for updates; close if nothing comes */
		group_schedule(g, g->last_sent + c->updates_every_ms);
		return;
	}
	/* muted complaints since the last alert: recorded so their rows do not dangle */
	if (g->nsuppressed)
		group_fire(g);
	group_destroy(g);
}

static struct group *
group_get(struct group_engine *ge, const char *key, int64_t at)
{
	size_t h = group_hash(key, ge->tsize);
	struct group *g;

	for (g = ge->table[h]; g; g = g->next)
		if (strcmp(g->key, key) == 0)
			return g;
	if (ge->ngroups >= ge->conf->max_groups && strcmp(key, OVERFLOW_KEY) != 0) {
		metrics_bound_hit("groups", "too many open alert groups; extra complaints go to "
		    "the 'overflow' group (raise grouping.max_groups)");
		return group_get(ge, OVERFLOW_KEY, at);
	}
	g = xcalloc(1, sizeof(*g));
	g->ge = ge;
	g->key = xstrdup(key);
	g->prio = PRIO_NONE;
	g->rule_ids = json_array();
	g->rule_info = json_object();
	g->tags = json_array();
	g->sources = json_array();
	g->first_at = at;
	g->timer = evtimer_new(ge->base, group_timer_cb, g);
	g->next = ge->table[h];
	ge->table[h] = g;
	g->lnext = ge->list;
	if (ge->list)
		ge->list->lprev = g;
	ge->list = g;
	ge->ngroups++;
	metrics_set("keluh_groups", NULL, (double)ge->ngroups);
	return g;
}

/* rule_info: the mention's matched rules, [{"id",...}] */
static int
incident_matches(const struct conf_incident *ci, json_t *rule_info)
{
	size_t i;
	json_t *v;

	json_array_foreach(rule_info, i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));

		if (id == NULL)
			continue;

		for (size_t k = 0; k < ci->nrules; k++) {
			const char *r = ci->rules[k];
			size_t len = strlen(r);

			if (len && r[len - 1] == '*' ? strncmp(id, r, len - 1) == 0 :
			    strcmp(id, r) == 0)
				return 1;
		}
	}
	return 0;
}

static uint64_t
incident_window(struct incident *in, int64_t now_sec)
{
	uint64_t sum = 0;

	/* advance the ring to now, zeroing the seconds that passed */
	while (in->head_sec < now_sec) {
		in->head = (in->head + 1) % in->nbuckets;
		in->buckets[in->head] = 0;
		in->head_sec++;
		if (now_sec - in->head_sec > (int64_t)in->nbuckets) {
			memset(in->buckets, 0, in->nbuckets * sizeof(uint32_t));
			in->head_sec = now_sec;
		}
	}
	for (size_t i = 0; i < in->nbuckets; i++)
		sum += in->buckets[i];
	return sum;
}

/*
 * The entry as an incident quotes it: as jansson writes it, which is the
 * text ingest wrote but for control characters (\b there, \u0008 here;
 * \u001F, \u001f), so only an entry with such an escape is read and
 * written again. NULL when it cannot be read.
 */
static char *
incident_entry(const struct complaint *c)
{
	json_t *e;
	char *s;

	if (memmem(c->entry, c->entry_len, "\\u00", 4) == NULL)
		return xstrndup(c->entry, c->entry_len);
	if ((e = json_loadb(c->entry, c->entry_len, 0, NULL)) == NULL)
		return NULL;
	s = json_dumps(e, JSON_COMPACT);
	json_decref(e);
	return s;
}

/* Keeps the entry among the incident's latest INCIDENT_SAMPLES. */
static void
incident_sample(struct incident *in, const struct complaint *c)
{
	char *e = incident_entry(c);

	if (e == NULL)
		return;
	if (in->nsamples == INCIDENT_SAMPLES) {
		free(in->samples[0]);
		memmove(in->samples, in->samples + 1, (INCIDENT_SAMPLES - 1) * sizeof(char *));
		in->nsamples--;
	}
	in->samples[in->nsamples++] = e;
}

/* The incident's alert: its latest entries, its rules, critical, tagged "incident". */
static void
incident_fire(struct group_engine *ge, struct incident *in, const struct complaint *c,
              uint64_t count)
{
	struct alert_draft d = {0};
	char key[256], labels[200];
	json_t *ids = json_array(), *tags = json_array(), *sources = json_array(), *v;
	const char *k;
	struct buf samples;

	buf_init(&samples);
	buf_addc(&samples, '[');
	for (size_t i = 0; i < in->nsamples; i++) {
		if (i)
			buf_addc(&samples, ',');
		buf_adds(&samples, in->samples[i]);
	}
	buf_addc(&samples, ']');
	json_object_foreach(in->rule_info, k, v) json_array_append_new(ids, json_string(k));
	json_array_append_new(tags, json_string("incident"));
	snprintf(key, sizeof(key), "incident=%s", in->ci->name);
	log_info("incident %s: %llu complaints within %llds", in->ci->name,
	         (unsigned long long)count, (long long)(in->ci->window_ms / 1000));
	snprintf(labels, sizeof(labels), "incident=\"%s\"", in->ci->name);
	metrics_add("keluh_incidents_total", labels, 1);
	d.group = key;
	d.priority = PRIO_CRITICAL;
	d.team = c->team;
	d.incident = 1;
	d.rule_ids = ids;
	d.rule_info = in->rule_info;
	d.tags = tags;
	d.sources = sources;
	d.mentions = samples.data;
	d.count = d.total = count;
	d.first_at = c->at_ms - in->ci->window_ms;
	d.last_at = c->at_ms;
	group_emit(ge, &d);
	json_decref(ids);
	json_decref(tags);
	json_decref(sources);
	buf_free(&samples);
}

static void
incident_add(struct group_engine *ge, struct incident *in, const struct complaint *c)
{
	int64_t now = c->at_ms, sec = now / 1000;
	uint64_t count;
	size_t i;
	json_t *v;

	if (!incident_matches(in->ci, c->rule_info))
		return;
	count = incident_window(in, sec);
	in->buckets[in->head]++;
	count++;
	incident_sample(in, c);
	json_array_foreach(c->rule_info, i,
	                   v) if (json_object_size(in->rule_info) < GROUP_MAX_RULES)
	    json_object_set(in->rule_info, json_string_value(json_object_get(v, "id")), v);
	if (count < in->ci->at_least)
		return;
	if (in->ci->spike > 0 && in->baseline > 0 && (double)count < in->ci->spike * in->baseline)
		return;
	if (in->last_fired && now - in->last_fired < in->ci->cooldown_ms)
		return;
	in->last_fired = now;
	incident_fire(ge, in, c, count);
}

/*
 * A muted complaint stays in its group, so its spool row is tied to the
 * group's next alert, which counts it as suppressed; it changes nothing
 * else that alert says, and starts no alert by itself.
 */
static void
group_add_muted(struct group_engine *ge, struct group *g, const struct complaint *c)
{
	g->nsuppressed++;
	if (c->rowid > g->max_rowid)
		g->max_rowid = c->rowid;
	metrics_add("keluh_complaints_muted_total", NULL, 1);
	/* an open group closes on its own timer; a new one of muted complaints needs one */
	if (!evtimer_pending(g->timer, NULL)) {
		group_schedule(g, c->at_ms + ge->conf->updates_every_ms);
		g->quiet_timer = 1;
	}
}

static int64_t
group_urgent_every(const struct conf *c)
{
	return c->urgent_every_ms < c->updates_every_ms ? c->urgent_every_ms :
	    c->updates_every_ms;
}

/*
 * When the group's next alert is due, now that a complaint of priority prio
 * joined it. The first alert waits first_alert_after of the group's
 * priority, counted from the first mention. An update waits
 * updates_at_most_every, unless it carries news someone must see now: a
 * critical complaint, or one above every alert the group sent. Then it
 * waits only urgent_updates_at_most_every since the last alert, which
 * still bounds how often a storm of them can post.
 */
static int64_t
group_due(struct group *g, const struct conf *c, int prio)
{
	if (g->last_sent == 0)
		return g->first_at + c->first_alert_after_ms[g->prio];
	if (prio == PRIO_CRITICAL || prio > g->sent_prio)
		g->urgent = 1;
	return g->last_sent + (g->urgent ? group_urgent_every(c) : c->updates_every_ms);
}

/* The complaint's rules and tags join the group's, up to GROUP_MAX_RULES rules. */
static void
group_add_rules(struct group *g, const struct complaint *c)
{
	size_t i;
	json_t *v;

	json_array_foreach(c->rule_info, i, v)
	{
		const char *id = json_string_value(json_object_get(v, "id"));

		if (id == NULL || json_object_get(g->rule_info, id))
			continue;
		if (json_array_size(g->rule_ids) < GROUP_MAX_RULES) {
			json_array_append_new(g->rule_ids, json_string(id));
			json_object_set(g->rule_info, id, v);
		}
	}
	json_array_foreach(c->tags, i, v) json_array_add_unique(g->tags, json_string_value(v));
}

/* Counts the complaint's author, up to GROUP_MAX_AUTHORS of them. */
static void
group_add_author(struct group *g, const struct complaint *c)
{
	uint64_t h;
	size_t i;

	if (c->author == NULL || *c->author == '\0')
		return;
	h = util_hash_str(c->author);
	for (i = 0; i < g->nauthors; i++)
		if (g->authors[i].hash == h && strcmp(g->authors[i].handle, c->author) == 0)
			break;
	if (i < g->nauthors)
		g->authors[i].count++;
	else if (g->nauthors < GROUP_MAX_AUTHORS) {
		g->authors = xreallocarray(g->authors, g->nauthors + 1, sizeof(*g->authors));
		g->authors[g->nauthors].hash = h;
		g->authors[g->nauthors].handle = xstrdup(c->author);
		g->authors[g->nauthors].followers = c->followers < 0 ? 0 : c->followers;
		g->authors[g->nauthors++].count = 1;
	}
}

void
group_add(struct group_engine *ge, const struct complaint *c)
{
	const struct conf *conf = ge->conf;
	struct group *g = group_get(ge, c->key, c->at_ms);
	int64_t due;

	g->total++;
	if (ge->silences && silences_mute(ge->silences, c) != NULL) {
		group_add_muted(ge, g, c);
		return;
	}
	g->nnew++;
	if (g->nnew == 1)
		g->first_at = c->at_ms;
	if (c->at_ms > g->last_at)
		g->last_at = c->at_ms;
	if (c->rowid > g->max_rowid)
		g->max_rowid = c->rowid;
	if (c->priority > g->prio) {
		g->prio = c->priority;
		free(g->team);
		g->team = c->team ? xstrdup(c->team) : NULL;
	} else if (g->team == NULL && c->team)
		g->team = xstrdup(c->team);
	group_add_rules(g, c);
	json_array_add_unique(g->sources, c->source);
	sample_keep(g, c, conf->max_samples);
	group_add_author(g, c);
	due = group_due(g, conf, c->priority);
	if (due <= c->at_ms && (g->last_sent == 0 || g->urgent)) {
		/* nothing to wait for: alert now, in the same commit as the mention */
		evtimer_del(g->timer);
		group_fire(g);
		group_schedule(g, g->last_sent + conf->updates_every_ms);
	} else if (!evtimer_pending(g->timer, NULL) || due < g->due || g->quiet_timer)
		group_schedule(g, due);
	for (size_t i = 0; i < ge->nincidents; i++)
		incident_add(ge, &ge->incidents[i], c);
}

static void
group_baseline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct group_engine *ge = arg;
	int64_t sec = util_now_ms() / 1000;

	for (size_t i = 0; i < ge->nincidents; i++) {
		struct incident *in = &ge->incidents[i];
		double count = (double)incident_window(in, sec);

		in->baseline = in->baseline == 0 ? count : 0.95 * in->baseline + 0.05 * count;
	}
}

static void
group_incidents_setup(struct group_engine *ge)
{
	const struct conf *c = ge->conf;

	ge->incidents = xcalloc(c->nincidents ? c->nincidents : 1, sizeof(*ge->incidents));
	ge->nincidents = c->nincidents;
	for (size_t i = 0; i < c->nincidents; i++) {
		struct incident *in = &ge->incidents[i];

		in->ci = &c->incidents[i];
		in->nbuckets = (size_t)(c->incidents[i].window_ms / 1000);
		if (in->nbuckets < 1)
			in->nbuckets = 1;
		if (in->nbuckets > 86400)
			in->nbuckets = 86400;
		in->buckets = xcalloc(in->nbuckets, sizeof(uint32_t));
		in->head_sec = util_now_ms() / 1000;
		in->rule_info = json_object();
	}
}

static void
group_incidents_free(struct group_engine *ge)
{
	for (size_t i = 0; i < ge->nincidents; i++) {
		free(ge->incidents[i].buckets);
		for (size_t k = 0; k < ge->incidents[i].nsamples; k++)
			free(ge->incidents[i].samples[k]);
		json_decref(ge->incidents[i].rule_info);
	}
	free(ge->incidents);
	ge->incidents = NULL;
	ge->nincidents = 0;
}

struct group_engine *
group_new(struct event_base *base, const struct conf *c, struct spool *spool, group_alert_fn fn,
    void *arg)
{
	struct group_engine *ge = xcalloc(1, sizeof(*ge));
	struct timeval tv = { 60, 0 };

	ge->base = base;
	ge->conf = c;
	ge->spool = spool;
	ge->fn = fn;
	ge->arg = arg;
	ge->tsize = 4099;
	ge->table = xcalloc(ge->tsize, sizeof(*ge->table));
	group_incidents_setup(ge);
	ge->baseline_timer = event_new(base, -1, EV_PERSIST, group_baseline_cb, ge);
	event_add(ge->baseline_timer, &tv);
	return ge;
}

void
group_set_conf(struct group_engine *ge, const struct conf *c)
{
	ge->conf = c;
	group_incidents_free(ge);
	group_incidents_setup(ge);
}

void
group_set_silences(struct group_engine *ge, struct silences *ss)
{
	ge->silences = ss;
}

void
group_set_cases(struct group_engine *ge, struct cases *cs)
{
	ge->cases = cs;
}

void
group_flush_all(struct group_engine *ge)
{
	for (struct group *g = ge->list; g; g = g->lnext)
		if (g->nnew) {
			group_fire(g);
			group_schedule(g, g->last_sent + ge->conf->updates_every_ms);
		}
}

size_t
group_count(const struct group_engine *ge)
{
	return ge->ngroups;
}

void
group_free(struct group_engine *ge)
{
	if (ge == NULL)
		return;
	while (ge->list)
		group_destroy(ge->list);
	group_incidents_free(ge);
	event_free(ge->baseline_timer);
	free(ge->table);
	free(ge);
}
