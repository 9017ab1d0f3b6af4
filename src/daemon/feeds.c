/*
 * feeds.c: the running sources (see feeds.h).
 *
 * A pull or stream source runs where its ownership "source:NAME" is held
 * (daemon/cluster.h): at once on a spool of one daemon; on a shared spool
 * on the one daemon that got it, which starts the source when it gets it
 * (the source reads its cursor from the spool then, where the last owner
 * left it) and stops it when it loses it. Push sources run everywhere.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "daemon/feeds.h"
#include "daemon/health.h"
#include "daemon/hooks.h"
#include "daemon/replies.h"
#include "lib/log.h"
#include "lib/util.h"

/* The ownership of one pull or stream source, at index idx of conf->sources. */
struct feed_own {
	struct feeds *f;
	size_t idx;
	char *name; /* "source:NAME" */
	int failed; /* its last start failed (err says why) */
	char err[300];
};

struct feeds {
	struct feeds_env env;
	const struct conf *conf;
	struct source **sources;
	struct feed_own **owns; /* follows sources: the pull and stream sources' ownerships */
	size_t nsources;
	int budget; /* sources' mentions share a regex budget until the pass ends */
	int stopping;
	struct replies *replies; /* the brand's public replies the sources see */
};

struct feeds *
feeds_new(const struct feeds_env *env)
{
	struct feeds *f = xcalloc(1, sizeof(*f));

	f->env = *env;
	f->replies = replies_new(env->spool);
	return f;
}

/* The webhooks its kind still holds are answered 503 first (hooks.h). */
static void
stop_source(struct feeds *f, struct source *s)
{
	if (s && f->env.hooks)
		hooks_source_stopping(f->env.hooks, s);
	source_stop(s);
	if (s && f->env.hooks)
		hooks_source_stopped(f->env.hooks);
}

static void feed_disown(struct feeds *f, struct feed_own *o);

/* Every source stops and every ownership is given up. */
static void
feeds_clear(struct feeds *f)
{
	for (size_t i = 0; i < f->nsources; i++) {
		if (f->owns && f->owns[i])
			feed_disown(f, f->owns[i]);
		stop_source(f, f->sources[i]);
	}
	free(f->sources);
	free(f->owns);
	f->sources = NULL;
	f->owns = NULL;
	f->nsources = 0;
}

void
feeds_stop(struct feeds *f)
{
	f->stopping = 1;
	feeds_clear(f);
}

void
feeds_free(struct feeds *f)
{
	if (f == NULL)
		return;
	feeds_stop(f);
	replies_free(f->replies);
	free(f);
}

struct source *
feeds_find(const struct feeds *f, const char *name, const struct source_kind **kind)
{
	for (size_t i = 0; i < f->nsources && f->conf && i < f->conf->nsources; i++)
		if (f->sources[i] && strcmp(source_name(f->sources[i]), name) == 0) {
			*kind = source_kind_of(&f->conf->sources[i]);
			return f->sources[i];
		}
	return NULL;
}

struct source *const *
feeds_sources(const struct feeds *f, size_t *n)
{
	*n = f->nsources;
	return f->sources;
}

void
feeds_end_pass(struct feeds *f)
{
	if (f->budget) {
		ingest_batch(f->env.ingest, 0);
		f->budget = 0;
	}
}

void
feeds_budget_closed(struct feeds *f)
{
	f->budget = 0;
}

struct replies *
feeds_replies(const struct feeds *f)
{
	return f->replies;
}

static int
emit(void *arg, const struct source_record *r)
{
	struct feeds *f = arg;
	struct ingest_counts c = {0, 0, 0};

	if (f->stopping || pass_broken(f->env.pass))
		return -1;
	/* the brand's own words: matched with their complaint, never classified */
	if (r->kind == SOURCE_RECORD_REPLY)
		return replies_take(f->replies, r->reply);
	if (!f->budget) {
		ingest_batch(f->env.ingest, 1);
		f->budget = 1;
		pass_schedule(f->env.pass);
	}
	if ((r->redelivered ? ingest_mention_once : ingest_mention)(f->env.ingest, r->mention,
	                                                            r->source, &c) < 0)
		return -1;
	return 0;
}

/* A source's health changed (alert_after): an operational alert, through the spool. */
static void
health(void *arg, const struct source_health_note *n)
{
	struct feeds *f = arg;
	size_t recv[64], nrecv = 0;

	if (health_record(f->env.spool, f->conf, n, recv, sizeof(recv) / sizeof(recv[0]), &nrecv) ==
	    0)
		pass_alerted(f->env.pass, recv, nrecv);
}

static int
same_source(const struct conf_source *a, const struct conf_source *b)
{
	return conf_source_same(a, b);
}

/* Got: the source starts here, from the cursor its last owner left in the spool. */
static void
feed_gain(void *arg)
{
	struct feed_own *o = arg;
	struct feeds *f = o->f;
	const struct conf_source *cs = &f->conf->sources[o->idx];

	if (f->stopping || f->sources[o->idx])
		return;
	f->sources[o->idx] =
	    source_start(&(struct source_env){f->env.base, f->env.ce, f->env.spool, health, f}, cs,
	                 emit, f, o->err, sizeof(o->err));
	o->failed = f->sources[o->idx] == NULL;
	if (o->failed && spool_shared(f->env.spool))
		log_warnx("source %s: %s; left out until the next reload", cs->name, o->err);
}

/* Lost (another daemon may run it now) or given up: it stops here. */
static void
feed_lose(void *arg)
{
	struct feed_own *o = arg;
	struct feeds *f = o->f;

	stop_source(f, f->sources[o->idx]);
	f->sources[o->idx] = NULL;
}

static void
feed_disown(struct feeds *f, struct feed_own *o)
{
	if (f->env.cluster)
		cluster_disown(f->env.cluster, o->name);
	else
		feed_lose(o);
	free(o->name);
	free(o);
}

/* Asks for the ownership of source i of f->conf: 0, or -1 when it could not start alone. */
static int
feed_own(struct feeds *f, size_t i)
{
	struct feed_own *o = xcalloc(1, sizeof(*o));

	o->f = f;
	o->idx = i;
	o->name = xasprintf("source:%s", f->conf->sources[i].name);
	f->owns[i] = o;
	if (!f->env.cluster)
		feed_gain(o);
	else if (cluster_own(f->env.cluster, o->name, feed_gain, feed_lose, o) < 0) {
		snprintf(o->err, sizeof(o->err), "its ownership cannot be asked for");
		o->failed = 1;
	}
	return o->failed && !spool_shared(f->env.spool) ? -1 : 0;
}

/* Index in f of the source of old whose settings are those of cs (taken out of f), or -1. */
static ssize_t
keep(struct feeds *f, const struct conf *old, const struct conf_source *cs)
{
	for (size_t j = 0; old && j < old->nsources && j < f->nsources; j++)
		if ((f->sources[j] || f->owns[j]) && same_source(&old->sources[j], cs))
			return (ssize_t)j;
	return -1;
}

/* A push source: it runs on every daemon. */
static struct source *
feed_push(struct feeds *f, size_t i, char *err, size_t errlen)
{
	return source_start(&(struct source_env){f->env.base, f->env.ce, f->env.spool, health, f},
	                    &f->conf->sources[i], emit, f, err, errlen);
}

static int
is_push(const struct conf_source *cs)
{
	return cs->kind && source_kind_of(cs)->hook != NULL;
}

/*
 * Those of old whose settings did not change move to their new index;
 * the others stop (their ownership given up), then the new ones start.
 */
int
feeds_start(struct feeds *f, const struct conf *c, const struct conf *old)
{
	struct source **next = xcalloc(c->nsources ? c->nsources : 1, sizeof(*next));
	struct feed_own **owns = xcalloc(c->nsources ? c->nsources : 1, sizeof(*owns));
	char err[300];

	for (size_t i = 0; i < c->nsources; i++) {
		ssize_t j = keep(f, old, &c->sources[i]);

		if (j < 0)
			continue;
		next[i] = f->sources[j];
		owns[i] = f->owns[j];
		f->sources[j] = NULL;
		f->owns[j] = NULL;
		if (owns[i])
			owns[i]->idx = i;
	}
	feeds_clear(f);
	f->conf = c;
	f->sources = next;
	f->owns = owns;
	f->nsources = c->nsources;
	for (size_t i = 0; i < c->nsources; i++) {
		const struct conf_source *cs = &c->sources[i];

		if (next[i] || owns[i])
			continue;
		if (!is_push(cs)) {
			if (feed_own(f, i) == 0)
				continue;
			snprintf(err, sizeof(err), "%s", owns[i]->err);
		} else if ((next[i] = feed_push(f, i, err, sizeof(err))) != NULL)
			continue;
		if (old == NULL) {
			log_error("source %s: %s", cs->name, err);
			feeds_clear(f);
			return -1;
		}
		log_warnx("source %s: %s; left out until the next reload", cs->name, err);
	}
	return 0;
}
