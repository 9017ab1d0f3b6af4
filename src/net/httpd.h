/*
 * httpd.h: a small HTTP/1.1 server on the libevent loop, for ingest,
 * health and metrics on TCP, and for the admin API on a Unix socket.
 *
 * Why not evhttp: libevent 2.1's evhttp buffers whole bodies before any
 * hook, has no connection cap and no close hook for connections that never
 * finish a request, answers 400 for oversized headers and 501 for wrong
 * methods, and its timeout is an inactivity timeout that a client sending
 * one byte every few seconds never trips. This server owns accept(), so it
 * caps connections, gives every request an absolute deadline, and answers
 * 413/431/408/405 as the standard says.
 *
 * Requests are handled one at a time per connection (a pipelined request
 * waits in the input buffer). A handler may answer at once or later
 * (httpd_reply after the spool commit): reading from that connection stops
 * until it does. Loop thread only.
 */
#ifndef KELUH_HTTPD_H
#define KELUH_HTTPD_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

struct httpd;
struct httpd_req;

/*
 * A zero (or negative) field means its default.
 *
 * Above 3/4 of max_connections the server is busy until it is back to
 * half: idle connections and request heads then get busy_timeout_ms at
 * most, so that slow clients give their slots back quickly.
 */
struct httpd_limits {
	size_t max_body;		/* 413 above; default 8 MiB */
	size_t max_headers;		/* request line + headers; 431 above; default 16 KiB */
	int max_connections;		/* see spare_paths; default 256 */
	int64_t header_timeout_ms;	/* whole request head must arrive within; default 10 s */
	int64_t body_timeout_ms;	/* whole body must arrive within; default 30 s */
	int64_t idle_timeout_ms;	/* keep-alive idle; default 60 s */
	/* from one IP address (IPv6: one /64); more are answered 429 and closed; default 32 */
	int max_per_client;
	int64_t busy_timeout_ms;	/* default 2 s (never more than the others) */
	/*
	 * NULL-terminated, or NULL. With paths, HTTPD_SPARE connections more
	 * than max_connections are accepted, and serve only GET and HEAD of
	 * these paths (503 otherwise), so health checks get through while the
	 * rest is full. accept() pauses when those are taken too.
	 */
	const char *const *spare_paths;
	/* another TCP server's: keluh_http_connections stays the ingest listener's */
	int no_gauges;
};

#define HTTPD_SPARE 8

/*
 * Called once per complete request. The request stays valid until
 * httpd_reply() is called on it (exactly once), or until the connection
 * closes: then the cancel callback (if set with httpd_req_on_cancel) runs
 * and the request must not be used again. A client that shuts down its
 * sending side while its request is with the handler counts as gone.
 */
typedef void (*httpd_handler_fn)(void *arg, struct httpd_req *req);

/* Listens on host:port (IPv4 or [IPv6]). Returns NULL with a reason. */
struct httpd *httpd_new(struct event_base *, const char *listen, const struct httpd_limits *,
    httpd_handler_fn fn, void *arg, char *err, size_t errlen);
/*
 * Listens on a Unix socket at path, with file mode mode (e.g. 0660). A
 * stale socket left there is replaced; a live one or another file is an
 * error. The file is removed when the server stops accepting or is freed.
 * httpd_port() is 0 and httpd_peer() "unix".
 */
struct httpd *httpd_new_unix(struct event_base *, const char *path, unsigned mode,
    const struct httpd_limits *, httpd_handler_fn fn, void *arg, char *err, size_t errlen);
/* Stops accepting; closes idle connections; requests in progress may still be answered. */
void httpd_stop_accepting(struct httpd *);
/* Cancels requests still with the handler. Not from inside a handler or cancel callback. */
void httpd_free(struct httpd *);
void httpd_set_limits(struct httpd *, const struct httpd_limits *); /* on reload */
int httpd_connections(const struct httpd *);
/* The port actually bound (useful with port 0 in tests). */
int httpd_port(const struct httpd *);

const char *httpd_method(const struct httpd_req *);
const char *httpd_path(const struct httpd_req *);	/* without the query; not percent-decoded */
const char *httpd_query(const struct httpd_req *);	/* after '?', or "" */
/* Header value by case-insensitive name (the first if repeated), or NULL. */
const char *httpd_header(const struct httpd_req *, const char *name);
const char *httpd_body(const struct httpd_req *);	/* NUL-terminated copy */
size_t httpd_body_len(const struct httpd_req *);
const char *httpd_peer(const struct httpd_req *);	/* "127.0.0.1:53211", "[::1]:53211" */

/*
 * Reads a request head (request line, header fields, the blank line) at
 * the start of buf exactly as a connection reads one, without a socket:
 * for tests and fuzzing. Returns 1 with the request in *out (free it with
 * httpd_req_free; it has no body and no peer) and the head's bytes in
 * *used; 0 when the head is not complete yet; -1 when the server would
 * refuse it, with the answer's status and message (static strings).
 */
int httpd_parse_head(const char *buf, size_t len, const struct httpd_limits *,
    struct httpd_req **out, size_t *used, int *status, const char **msg);
void httpd_req_free(struct httpd_req *);	/* only for a request from httpd_parse_head */

void httpd_req_on_cancel(struct httpd_req *, void (*fn)(void *arg), void *arg);

/*
 * Answers. headers: NULL or "Name: value\r\n" lines (without the final
 * blank line). Content-Length, Date and Connection are added. Frees req.
 * status is 200..599 (anything else is logged and sent as 500).
 */
void httpd_reply(struct httpd_req *, int status, const char *content_type, const char *headers,
    const char *body, size_t len);
/* A JSON error body: {"error":"<message>"} plus extra members given as a JSON fragment. */
void httpd_reply_error(struct httpd_req *, int status, const char *message, const char *extra_json);

/* "Name: value\r\n" lines added to whatever answer req gets (copied). */
void httpd_req_set_headers(struct httpd_req *, const char *headers);
/* fn(arg, status) when req's answer (or its stream's head) is written. */
void httpd_req_on_reply(struct httpd_req *, void (*fn)(void *arg, int status), void *arg);

/*
 * A stream (server-sent events): a head without Content-Length, then
 * writes until httpd_stream_end, after which the connection closes. The
 * request stays with the handler meanwhile: no timeout ends it, it counts
 * as a connection, and a client that hangs up runs its cancel callback
 * (then req must not be used again). httpd_stream_write returns -1 when
 * the client has more than HTTPD_STREAM_MAX_OUTPUT bytes unread: the
 * caller then ends the stream.
 */
#define HTTPD_STREAM_MAX_OUTPUT (256 * 1024)
void httpd_stream_begin(struct httpd_req *, int status, const char *content_type,
    const char *headers);
int httpd_stream_write(struct httpd_req *, const char *data, size_t len);
void httpd_stream_end(struct httpd_req *);

#endif
