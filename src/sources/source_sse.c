#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"
#include "net/stream.h"
#include "sources/source.h"

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
	if (ev->id && ev->id[0])
		source_cursor_set(&s->src, ev->id, "the last event ID");
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
}

extern const struct source_kind source_kind_sse;

static struct source *
ssrc_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn,
    void *arg, char *err, size_t errlen)
{
	const struct source_net *n = cs->opts;
	int sse = source_kind_of(cs) == &source_kind_sse;
	struct ssrc *s;
	struct stream_opts o;
	char *last = NULL;

	if (source_need_http(env, "stream", err, errlen) < 0)
		return NULL;
	s = source_new(sizeof(*s), env, cs, fn, arg, ssrc_stop);
	source_fields_copy(s->fields, n->fields);
	s->events = xcalloc(n->nevents + 1, sizeof(char *));
	for (size_t i = 0; i < n->nevents; i++)
		s->events[i] = xstrdup(n->events[i]);
	s->nevents = n->nevents;
	if (sse)
		last = source_cursor_get(&s->src);
	source_stream_opts(&o, cs->name, n, NULL, sse ? STREAM_SSE : STREAM_NDJSON);
	o.last_event_id = last;
	if (last)
		log_info("source %s: resuming after event ID %s", cs->name, last);
	s->st = source_stream_new(&s->src, env, &o,
	    &(struct stream_handlers){ .event = ssrc_event, .arg = s });
	free(last);
	return &s->src;
}

static void *
ssrc_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	struct source_net *n = xmalloc(sizeof(*n));

	source_net_init(n, 0);
	source_net_parse(L, cs, n, item, NULL);
	source_health_parse(L, cs, item);
	return n;
}

static int
ssrc_same(const void *a, const void *b)
{
	return source_net_same(a, b);
}

static void
ssrc_free(void *opts)
{
	source_net_free(opts);
	free(opts);
}

static const struct conf_key sse_keys[] = {
    {"url", CONF_STRING},           {"headers", CONF_MAP},        {"token_file", CONF_SECRET_FILE},
    {"fields", CONF_MAP},           {"events", CONF_LIST},        {"max_event", CONF_SIZE},
    {"stall", CONF_DURATION},       {"reconnect", CONF_DURATION}, {"backoff_max", CONF_DURATION},
    {"alert_after", CONF_DURATION}, {"alert_to", CONF_LIST},      {NULL, 0},
};
static const struct conf_key ndjson_keys[] = {
    {"url", CONF_STRING},
    {"headers", CONF_MAP},
    {"token_file", CONF_SECRET_FILE},
    {"fields", CONF_MAP},
    {"max_event", CONF_SIZE},
    {"stall", CONF_DURATION},
    {"reconnect", CONF_DURATION},
    {"backoff_max", CONF_DURATION},
    {"alert_after", CONF_DURATION},
    {"alert_to", CONF_LIST},
    {NULL, 0},
};

const struct source_kind source_kind_sse = {
	.conf = {
		.name = "sse",
		.keys = sse_keys,
		.parse = ssrc_parse,
		.same = ssrc_same,
		.free = ssrc_free,
	},
	.start = ssrc_start,
};

const struct source_kind source_kind_ndjson_stream = {
	.conf = {
		.name = "ndjson-stream",
		.keys = ndjson_keys,
		.parse = ssrc_parse,
		.same = ssrc_same,
		.free = ssrc_free,
	},
	.start = ssrc_start,
};
