/*
 * stream.h: long-lived HTTP streams (Server-Sent Events, NDJSON) and
 * periodic polls on the shared libcurl multi handle. Loop thread only.
 *
 * Two layers. The parser is pure: bytes in, in chunks cut anywhere, events
 * out (unit-tested at every split position). The stream owns one transfer
 * at a time: it reconnects with full-jitter exponential backoff, honours
 * the server's retry: (SSE) and Retry-After (429, 503), sends Last-Event-ID,
 * watches for stalls with a timer re-armed on every byte, and pauses the
 * transfer while the consumer cannot take events (nothing is dropped).
 *
 * Every libcurl call is made from the loop (timers and the done callback);
 * the write and header callbacks only parse and queue.
 */
#ifndef KELUH_STREAM_H
#define KELUH_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <jansson.h>

#include "lib/util.h"

struct curlev;

enum stream_mode {
	STREAM_SSE,	/* text/event-stream */
	STREAM_NDJSON,	/* one JSON text per line; empty lines are keep-alives */
	STREAM_POLL	/* one whole response body per request, every interval */
};

/* An SSE event (type "message" unless named) or an NDJSON line (type NULL). */
struct stream_event {
	const char *type;
	const char *data;	/* not NUL-terminated inside; data[len] is '\0' */
	size_t len;
	const char *id;		/* SSE: the last event ID when it was dispatched ("" for none) */
};

/* ---- the parser ---------------------------------------------------- */

typedef void (*stream_event_fn)(void *arg, const struct stream_event *);
/* An event or line longer than max was skipped. */
typedef void (*stream_toolong_fn)(void *arg, size_t len);

struct stream_parser {
	enum stream_mode mode;
	size_t max;		/* longest line, and longest SSE data */
	stream_event_fn fn;
	stream_toolong_fn toolong;
	void *arg;

	struct buf line;
	size_t skipped;		/* bytes of the current too-long line dropped so far */
	int cr;			/* the last byte seen was CR: an LF next belongs to it */
	int bom;		/* BOM bytes matched so far; -1 once the start is past */

	/* SSE: the spec's three buffers, plus "this event had a too-long line" */
	struct buf data, type;
	char *last_id;
	int bad;
	size_t bad_len;
	long retry_ms;		/* the server's retry:, -1 until it sends one */
};

void stream_parser_init(struct stream_parser *, enum stream_mode, size_t max, stream_event_fn,
    stream_toolong_fn, void *arg);
void stream_parser_feed(struct stream_parser *, const char *, size_t);
/* A new connection: an unfinished event is discarded; the last event ID stays. */
void stream_parser_reset(struct stream_parser *);
void stream_parser_set_last_id(struct stream_parser *, const char *);
void stream_parser_free(struct stream_parser *);

/* ---- JSON pointers (RFC 6901) --------------------------------------- */

/* 0 when p is a valid pointer ("" or "/a/b~1c/0"); else -1 with why. */
int stream_jptr_check(const char *p, char *why, size_t whylen);
/* The value p points at in v, or NULL. */
json_t *stream_jptr_get(json_t *v, const char *p);

/* ---- the stream ---------------------------------------------------- */

struct stream;

/* How long to wait before trying again. */
enum stream_backoff {
	STREAM_BACKOFF_JITTER,	/* full-jitter exponential from reconnect_ms up to backoff_max_ms */
	STREAM_BACKOFF_X	/* the steps X publishes for its streams, see x_backoff in stream.c */
};

struct stream_opts {
	const char *name;	/* the source: logs and metric labels */
	const char *url;
	char *const *headers;	/* "Name: value" */
	size_t nheaders;
	const char *token;	/* bearer token, or NULL */
	enum stream_mode mode;
	size_t max_event;	/* longest event, line or poll body */
	int64_t stall_ms;	/* no byte for this long: reconnect (0: off) */
	int64_t reconnect_ms;	/* first reconnect delay (SSE retry: replaces it) */
	int64_t backoff_max_ms;
	int64_t interval_ms;	/* poll: time between requests */
	int64_t timeout_ms;	/* poll: the whole request */
	const char *last_event_id;	/* SSE: resume from here */
	const char *accept;	/* poll: the Accept header's value (NULL: application/json) */
	enum stream_backoff backoff;
	/* response headers the source reads with stream_header (lower case; NULL-ended; at
	 * most STREAM_KEEP_MAX) */
	const char *const *keep_headers;
};
#define STREAM_KEEP_MAX 8

struct stream_handlers {
	/* An event or line: 0 when done with it (taken or skipped), -1 to be offered again later. */
	int (*event)(void *arg, const struct stream_event *);
	/* Poll: a whole 200 response (etag may be NULL). */
	void (*body)(void *arg, const char *data, size_t len, const char *etag);
	/* Poll: 304 Not Modified (an answer: it counts as healthy). */
	void (*not_modified)(void *arg);
	/* Before each request: may call stream_set_url/stream_add_header; -1 skips this turn. */
	int (*request)(void *arg, struct stream *);
	/*
	 * Poll: after each answer (status 0: none), with the wait the stream
	 * chose before the next request; returns the wait to use (a source's
	 * own rules, like a rate limit window). Called before the failure is
	 * logged, so the log tells the wait that holds.
	 */
	int64_t (*wait)(void *arg, long status, int64_t ms);
	/*
	 * Poll: a 401 or 403 the source reads itself (stream_error_body), as
	 * a quota used up is no refused credential. 1 when it is the
	 * source's to explain (it logged why; wait says when to ask again);
	 * 0 or no handler: the credentials were refused.
	 */
	int (*refused)(void *arg, long status);
	void *arg;
};

struct stream *stream_new(struct event_base *, struct curlev *, const struct stream_opts *,
    const struct stream_handlers *);
void stream_free(struct stream *);
/* For the request handler: this request's URL, and one more header. */
void stream_set_url(struct stream *, const char *url);
void stream_add_header(struct stream *, const char *header);
/* A header of the last answer that keep_headers names, or NULL. */
const char *stream_header(const struct stream *, const char *name);
/*
 * The start of the last answer's body when it was an error (at most 4 KiB,
 * not NUL-terminated), for a source that reads the platform's reason; NULL
 * after a 200, a 304 or no answer. Valid until the next request.
 */
const char *stream_error_body(const struct stream *, size_t *len);
/* The next request in ms instead of when planned (nothing while one is under way). */
void stream_retry_in(struct stream *, int64_t ms);
/*
 * A failure outside the stream's own requests (a source's token request):
 * health shows the source failing (429: throttled) until an answer comes.
 */
void stream_note_failure(struct stream *, long status);
/* Counts a bad input (kind: json, utf8, too_long, mapping...) for the source. */
void stream_count_error(const char *source, const char *kind);
unsigned long stream_errors(const struct stream *);

/* What the source health checks look at. Times are util_mono_ms() values. */
struct stream_health {
	int connected;		/* a stream is up, or the last poll was answered */
	int throttled;		/* the last failure was HTTP 429 */
	long status;		/* the last failure's HTTP status (0: no answer) */
	const char *redirect;	/* the last failure: a redirect to another origin, to this */
	int64_t since_ms;	/* when connected last changed */
	int64_t last_event_ms;	/* the last event taken (poll: answer), or the start */
};
void stream_health(const struct stream *, struct stream_health *);

#endif
