#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "sources/source.h"

#define DEMO_DEFAULT_FILE KELUH_DATADIR "/samples/mentions.ndjson"
#define DEMO_MAX_LINES 10000

/*
 * The demo source replays the bundled sample mentions at a steady rate, so
 * a newcomer sees alerts within seconds. Each pass gets fresh ids (the
 * same post twice would otherwise be dropped as a duplicate).
 */
struct demo {
	struct source src;
	struct event *timer;
	char **lines;
	size_t nlines, next;
	unsigned cycle;
	int loop;
};

static void
demo_tick(evutil_socket_t fd, short what, void *arg)
{
	struct demo *d = arg;
	struct mention m;
	char err[256];
	const char *line;

	if (d->next == d->nlines) {
		if (!d->loop) {
			log_info("source %s: all %zu sample mentions sent", d->src.name, d->nlines);
			event_del(d->timer);
			return;
		}
		d->next = 0;
		d->cycle++;
	}
	line = d->lines[d->next];
	if (mention_parse(&m, line, strlen(line), err, sizeof(err)) < 0) {
		d->src.errors++;
		log_warnx("source %s: sample line %zu: %s", d->src.name, d->next + 1, err);
		d->next++;
		return;
	}
	/* a replayed sample is posted now, so chat shows its time and age */
	if (m.created_at == NULL) {
		char when[32];

		util_iso8601(util_now_ms(), when, sizeof(when));
		m.created_at = xstrdup(when);
	}
	if (d->cycle) {
		char *id = xasprintf("%s#%u", m.id, d->cycle);

		free(m.id);
		m.id = id;
	}
	if (source_emit_mention(&d->src, &m) == 0)
		d->next++;
	mention_free(&m);
}

static void
demo_stop(struct source *s)
{
	struct demo *d = (struct demo *)s;

	event_free(d->timer);
	for (size_t i = 0; i < d->nlines; i++)
		free(d->lines[i]);
	free(d->lines);
}

/* The sample file: the one given, else the bundled one wherever it is. */
static FILE *
demo_open(const struct source_local *o, const char **path, char *rel, size_t rellen)
{
	FILE *fp;

	*path = o->path ? o->path : DEMO_DEFAULT_FILE;
	fp = fopen(*path, "r");
	/* installed elsewhere (a package tree, DESTDIR): beside the binary */
	if (fp == NULL && o->path == NULL) {
		char exe[PATH_MAX], *slash;
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		if (n > 0) {
			exe[n] = '\0';
			if ((slash = strrchr(exe, '/')) != NULL) {
				*slash = '\0';
				snprintf(rel, rellen, "%s/../share/keluh/samples/mentions.ndjson", exe);
				if ((fp = fopen(rel, "r")) != NULL)
					*path = rel;
			}
		}
	}
	/* not installed yet (a source tree): the samples beside the config */
	if (fp == NULL && o->path == NULL && o->fallback_path) {
		*path = o->fallback_path;
		fp = fopen(*path, "r");
	}
	return fp;
}

static struct source *
demo_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn,
    void *arg, char *err, size_t errlen)
{
	const struct source_local *o = cs->opts;
	char rel[PATH_MAX + 64];
	const char *path;
	FILE *fp = demo_open(o, &path, rel, sizeof(rel));
	struct demo *d;
	struct timeval tv;
	char *line = NULL, **lines = NULL;
	size_t cap = 0, nlines = 0;
	ssize_t n;
	double period;

	if (fp == NULL) {
		snprintf(err, errlen, "cannot read the demo samples %s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = getline(&line, &cap, fp)) > 0 && nlines < DEMO_MAX_LINES) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		lines = xreallocarray(lines, nlines + 1, sizeof(char *));
		lines[nlines++] = xstrdup(line);
	}
	free(line);
	fclose(fp);
	if (nlines == 0) {
		snprintf(err, errlen, "the demo samples %s are empty", path);
		return NULL;
	}
	d = source_new(sizeof(*d), env, cs, fn, arg, demo_stop);
	d->lines = lines;
	d->nlines = nlines;
	d->loop = o->loop;
	period = 1.0 / o->rate_per_s;
	tv.tv_sec = (time_t)period;
	tv.tv_usec = (suseconds_t)((period - (double)tv.tv_sec) * 1e6);
	d->timer = event_new(env->base, -1, EV_PERSIST, demo_tick, d);
	event_add(d->timer, &tv);
	log_info("source %s: replaying %zu sample mentions from %s at %.1f/s", d->src.name,
	    d->nlines, path, o->rate_per_s);
	return &d->src;
}

static void *
demo_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	return source_local_parse(L, cs, item, 0);
}

static const struct conf_key demo_keys[] = {
    {"path", CONF_STRING},
    {"rate", CONF_RATE},
    {"loop", CONF_BOOL},
    {NULL, 0},
};

const struct source_kind source_kind_demo = {
	.conf = {
		.name = "demo",
		.keys = demo_keys,
		.parse = demo_parse,
		.same = source_local_same,
		.free = source_local_free,
	},
	.start = demo_start,
};
