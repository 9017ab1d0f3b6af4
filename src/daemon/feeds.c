/*
 * feeds.c: the running sources (see feeds.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/feeds.h"
#include "daemon/health.h"
#include "daemon/hooks.h"
#include "daemon/replies.h"
#include "lib/log.h"
#include "lib/util.h"

struct feeds {
	struct feeds_env env;
	const struct conf *conf;
	struct source **sources;
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

void
feeds_stop(struct feeds *f)
{
	f->stopping = 1;
	for (size_t i = 0; i < f->nsources; i++)
		stop_source(f, f->sources[i]);
	free(f->sources);
	f->sources = NULL;
	f->nsources = 0;
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

/* The running source of old whose settings are those of cs, taken out of f, or NULL. */
static struct source *
keep(struct feeds *f, const struct conf *old, const struct conf_source *cs)
{
	struct source *s;

	for (size_t j = 0; old && j < old->nsources && j < f->nsources; j++)
		if (f->sources[j] && same_source(&old->sources[j], cs)) {
			s = f->sources[j];
			f->sources[j] = NULL;
			return s;
		}
	return NULL;
}

int
feeds_start(struct feeds *f, const struct conf *c, const struct conf *old)
{
	struct source **next = xcalloc(c->nsources ? c->nsources : 1, sizeof(*next));
	size_t n = 0;
	char err[300];

	f->conf = c;
	for (size_t i = 0; i < c->nsources; i++) {
		struct source *s = keep(f, old, &c->sources[i]);

		if (s == NULL)
			s = source_start(
			    &(struct source_env){f->env.base, f->env.ce, f->env.spool, health, f},
			    &c->sources[i], emit, f, err, sizeof(err));
		if (s == NULL) {
			if (old == NULL) {
				log_error("source %s: %s", c->sources[i].name, err);
				for (size_t k = 0; k < n; k++)
					stop_source(f, next[k]);
				free(next);
				return -1;
			}
			log_warnx("source %s: %s; left out until the next reload",
			          c->sources[i].name, err);
			/* keep the slot so indexes follow c->sources */
		}
		next[n++] = s;
	}
	for (size_t j = 0; j < f->nsources; j++)
		if (f->sources[j])
			stop_source(f, f->sources[j]);
	free(f->sources);
	f->sources = next;
	f->nsources = n;
	return 0;
}
