#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"
#include "net/stream.h"
#include "sources/source.h"
#include "store/spool.h"

/*
 * sse and ndjson-stream: a long-lived HTTP stream whose events (SSE) or
 * lines (NDJSON) each carry one JSON post, mapped to a mention through the
 * source's field map. For SSE the ID of the last event taken is kept in
 * the spool (in the same transaction as its mention), so a restart resumes
 * with Last-Event-ID where the daemon stopped; the stream core resends it
 * on every reconnect.
 */
struct ssrc {
	struct source src;
	struct stream *st;
	struct spool *spool;
	char *fields[SF__N];
	char **events;
	size_t nevents;
};

static int
ssrc_wanted(const struct ssrc *s, const char *type)
{
	if (type == NULL || s->nevents == 0)
		return 1;
	for (size_t i = 0; i < s->nevents; i++)
		if (strcmp(s->events[i], type) == 0)
			return 1;
	return 0;
}

static int
ssrc_event(void *arg, const struct stream_event *ev)
{
	struct ssrc *s = arg;

	/* a filtered or bad event is done with too: its ID moves the resume point */
	if (ssrc_wanted(s, ev->type) && source_take_json(&s->src, s->fields, ev->data, ev->len) < 0)
		return -1;
	if (s->spool && ev->id && ev->id[0] && spool_cursor_set(s->spool, s->src.name, ev->id) < 0)
		log_warnx("source %s: cannot store the last event ID: %s", s->src.name,
		    spool_error(s->spool));
	return 0;
}

static void
ssrc_stop(struct source *src)
{
	struct ssrc *s = (struct ssrc *)src;

	stream_free(s->st);
	source_fields_free(s->fields);
	for (size_t i = 0; i < s->nevents; i++)
		free(s->events[i]);
	free(s->events);
	free(s->src.name);
	free(s);
}

struct source *
source_sse_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct ssrc *s;
	struct stream_opts o;
	struct stream_handlers h;
	char *last = NULL;

	if (env->ce == NULL) {
		snprintf(err, errlen, "no HTTP client to stream with");
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->src.name = xstrdup(cs->name);
	s->src.emit = fn;
	s->src.arg = arg;
	s->src.stop = ssrc_stop;
	s->spool = env->spool;
	source_fields_copy(s->fields, cs);
	s->events = xcalloc(cs->nevents + 1, sizeof(char *));
	for (size_t i = 0; i < cs->nevents; i++)
		s->events[i] = xstrdup(cs->events[i]);
	s->nevents = cs->nevents;
	if (cs->type == SRC_SSE && s->spool)
		last = spool_cursor_get(s->spool, cs->name);
	source_stream_opts(&o, cs, cs->url, cs->type == SRC_SSE ? STREAM_SSE : STREAM_NDJSON);
	o.last_event_id = last;
	memset(&h, 0, sizeof(h));
	h.event = ssrc_event;
	h.arg = s;
	if (last)
		log_info("source %s: resuming after event ID %s", cs->name, last);
	s->st = stream_new(env->base, env->ce, &o, &h);
	s->src.stream = s->st;
	free(last);
	return &s->src;
}
