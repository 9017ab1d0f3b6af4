/*
 * source_conf.h: the options several kinds of source share, read the
 * same way for each: local files (demo, stdin, file), network sources
 * (url, headers, token, field map, limits and timers) and the health watch
 * (alert_after, alert_to). A kind embeds the struct it takes in its own
 * options and calls these from its parse, same and free.
 *
 * Errors go to the loader's diag as file:line:col (conf/conf_parse.h).
 * Every string is malloc'd and owned by the struct that holds it.
 */
#ifndef KELUH_SOURCE_CONF_H
#define KELUH_SOURCE_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf_parse.h"
#include "conf/conf_source.h"
#include "lib/yamlx.h"

/* Mention fields a source's field map can fill (keys of fields:). */
enum source_field {
	SF_ID,
	SF_TEXT,
	SF_URL,
	SF_LANG,
	SF_CREATED_AT,
	SF_AUTHOR_HANDLE,
	SF_AUTHOR_NAME,
	SF_AUTHOR_FOLLOWERS,
	SF_AUTHOR_VERIFIED,
	SF_REPLY_TO,
	SF_ACCOUNT,
	SF_RATING,
	SF_APP_VERSION,
	SF_DEVICE,
	SF__N
};
extern const char *const source_field_names[SF__N]; /* "id", "author.handle"... */

/* demo, stdin, file: path, rate, loop. */
struct source_local {
	char *path;          /* file; demo: the sample file (default: the bundled one) */
	char *fallback_path; /* demo: <config dir>/samples/mentions.ndjson */
	double rate_per_s;   /* demo: mentions per second */
	int loop;            /* demo: start again at the end */
};

/* need_path: "needs a path" when path is not given. */
struct source_local *source_local_parse(struct confp *, const struct conf_source *,
                                        yaml_node_t *item, int need_path);
int source_local_same(const void *a, const void *b);
void source_local_free(void *);

/* What every network kind takes (each kind's keys say which it accepts). */
struct source_net {
	char *url;
	char **headers; /* "Name: value" */
	size_t nheaders;
	char *token;         /* token_file's content: sent as a bearer token */
	char *fields[SF__N]; /* JSON pointers; none set: the data is a mention object */
	char **events;       /* sse: event types taken (none: all) */
	size_t nevents;
	size_t max_event;     /* longest event, line or poll answer */
	int64_t stall_ms;     /* no byte for this long: reconnect */
	int64_t reconnect_ms; /* first reconnect delay */
	int64_t backoff_max_ms;
	int64_t interval_ms; /* polled kinds */
	int64_t timeout_ms;  /* polled kinds: one request */
};

/*
 * A fields: map (v) into fields (SF__N JSON pointers, malloc'd), as the
 * network kinds and the push kinds read it: text is required.
 */
void source_fields_parse(struct confp *, char **fields, yaml_node_t *v);

/* The defaults; polled: a poll answer holds many posts, a stream event one. */
void source_net_init(struct source_net *, int polled);
/*
 * url, headers, token_file, fields, events, max_event and the timers, over
 * the defaults set in n. url_hint follows "needs a url" when none is set.
 */
void source_net_parse(struct confp *, const struct conf_source *, struct source_net *n,
                      yaml_node_t *item, const char *url_hint);
int source_net_same(const struct source_net *, const struct source_net *);
void source_net_free(struct source_net *);

/* alert_after and alert_to, into cs. */
void source_health_parse(struct confp *, struct conf_source *cs, yaml_node_t *item);

/* The string array of a list key: same length and strings. */
int source_same_strs(char *const *a, size_t na, char *const *b, size_t nb);
int source_same_str(const char *a, const char *b);

/*
 * The stream options of a network source: n's url (or url when given),
 * headers, token, limits and timers (the poll ones only for STREAM_POLL,
 * the stall timer only for streams). The strings stay owned by n.
 */
struct stream_opts;
void source_stream_opts(struct stream_opts *o, const char *name, const struct source_net *n,
                        const char *url, int mode);

#endif
