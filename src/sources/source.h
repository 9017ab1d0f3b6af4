/*
 * source.h: where mentions come from, besides HTTP push. Every source hands
 * its mentions to the same emit callback (the ingest path). Loop thread
 * only.
 */
#ifndef KELUH_SOURCE_H
#define KELUH_SOURCE_H

#include <event2/event.h>

#include "conf/conf.h"
#include "engine/mention.h"

struct source;
struct curlev;
struct spool;
struct stream;
struct source_watch;

/*
 * A change in a source's health (alert_after): it went silent, failing or
 * throttled for longer than alert_after, or it recovered. The daemon turns
 * it into an operational alert (health.c).
 */
struct source_health_note {
	const char *source;
	const char *type;	/* "mastodon", "x"... */
	const char *state;	/* "silent", "failing", "throttled" or "recovered" */
	const char *detail;	/* one sentence for people */
	char *const *to;	/* alert_to (none: the config's health_receivers) */
	size_t nto;
	int64_t since_ms;	/* Unix ms: when it went bad (recovered: when it had) */
};
typedef void (*source_health_fn)(void *arg, const struct source_health_note *);

/* What a source may use from the daemon. */
struct source_env {
	struct event_base *base;
	struct curlev *ce;	/* the shared libcurl multi handle */
	struct spool *spool;	/* resume cursors (spool_cursor_get/set); may be NULL */
	source_health_fn health;	/* NULL: alert_after is not watched */
	void *health_arg;
};

/* Returns 0 when taken, -1 when the daemon cannot take it now (retry later). */
typedef int (*source_emit_fn)(void *arg, const struct mention *m, const char *source);

struct source *source_start(const struct source_env *, const struct conf_source *,
    source_emit_fn fn, void *arg, char *err, size_t errlen);
void source_stop(struct source *);
const char *source_name(const struct source *);
/* Mentions read, and lines skipped as bad input. */
unsigned long source_count(const struct source *);
unsigned long source_errors(const struct source *);
/* What its health watch (alert_after) reports now: "silent", "failing", "throttled"; NULL: fine. */
const char *source_health_state(const struct source *);

/* source_demo.c, source_file.c */
struct source *source_demo_start(struct event_base *, const struct conf_source *, source_emit_fn,
    void *, char *, size_t);
struct source *source_file_start(struct event_base *, const struct conf_source *, source_emit_fn,
    void *, char *, size_t);

/*
 * source_sse.c (sse, ndjson-stream), source_poll.c (json-poll), source_mastodon.c,
 * source_x.c, source_rss.c (rss)
 */
struct source *source_sse_start(const struct source_env *, const struct conf_source *,
    source_emit_fn, void *, char *, size_t);
struct source *source_poll_start(const struct source_env *, const struct conf_source *,
    source_emit_fn, void *, char *, size_t);
struct source *source_mastodon_start(const struct source_env *, const struct conf_source *,
    source_emit_fn, void *, char *, size_t);
struct source *source_x_start(const struct source_env *, const struct conf_source *,
    source_emit_fn, void *, char *, size_t);
struct source *source_rss_start(const struct source_env *, const struct conf_source *,
    source_emit_fn, void *, char *, size_t);
/* source_reddit.c */
struct source *source_reddit_start(const struct source_env *, const struct conf_source *,
    source_emit_fn, void *, char *, size_t);

/*
 * The last SOURCE_RECENT ids a source emitted, so a post seen twice (a
 * backfill overlapping the stream, a repeat after a reconnect) goes out
 * once. A ring: the oldest id is forgotten first.
 */
#define SOURCE_RECENT 1024
struct source_recent {
	char *ids[SOURCE_RECENT];
	size_t pos;
};
int source_recent_seen(const struct source_recent *, const char *id);
void source_recent_add(struct source_recent *, const char *id);
void source_recent_free(struct source_recent *);

/*
 * The stream options every network source takes from its config: url,
 * headers, token, limits and timers (the poll ones only for STREAM_POLL,
 * the stall timer only for streams). The strings stay owned by cs.
 */
struct stream_opts;
void source_stream_opts(struct stream_opts *o, const struct conf_source *cs, const char *url,
    int mode);

/* What every source kind shares. */
struct source {
	char *name;
	unsigned long count, errors;
	source_emit_fn emit;
	void *arg;
	void (*stop)(struct source *);
	struct stream *stream;		/* network sources: what the health watch reads */
	struct source_watch *watch;	/* alert_after, or NULL */
};

/* Copies of a conf_source's field map (sources outlive the conf on reload). */
void source_fields_copy(char **dst, const struct conf_source *);
void source_fields_free(char **);
/*
 * One item of a network source: maps it through fields (a JSON pointer per
 * mention field; none: the item is a mention object) and emits it. Bad
 * input (invalid UTF-8, bad JSON, a missing text) is counted in
 * keluh_source_errors_total, logged and skipped. Returns 1 when emitted, 0
 * when skipped, -1 when the daemon cannot take it now (offer it again).
 */
int source_take_json(struct source *, char *const *fields, const char *data, size_t len);
int source_take_item(struct source *, char *const *fields, json_t *item);

#endif
