/*
 * The HTTP server against plain sockets in the same process: the test
 * loops the event base until a condition holds (never sleeps), with a
 * safety timeout so that a hang fails the test instead of the suite.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/metrics.h"
#include "net/httpd.h"
#include "unit.h"
#include "lib/util.h"

#define SAFETY_MS 5000

static struct event_base *base;
static struct httpd *h;
static int port;
static struct event *safety;
static int timed_out;

/* the test handler's state */
static struct httpd_req *pending;
static struct event *defer_ev;
static int handled, cancelled;

struct client {
	int fd;
	struct event *ev;
	struct buf in;
	int eof, reset;
};

struct resp {
	int status;
	char head[4096];
	struct buf body;
};

static void
safety_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	timed_out = 1;
}

/* Loops the base until cond holds or ms pass; counts the loop passes. */
#define RUN_UNTIL(cond, ms, passes)                                                                \
	do {                                                                                       \
		struct timeval tv_ = { (ms) / 1000, ((ms) % 1000) * 1000 };                       \
		timed_out = 0;                                                                     \
		evtimer_add(safety, &tv_);                                                         \
		while (!(cond) && !timed_out) {                                                    \
			event_base_loop(base, EVLOOP_ONCE);                                        \
			(passes)++;                                                                \
		}                                                                                  \
		evtimer_del(safety);                                                               \
	} while (0)

static int
run_for(int ms)
{
	int passes = 0;

	RUN_UNTIL(0, ms, passes);
	return passes;
}

static void
defer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct httpd_req *req = pending;

	(void)fd;
	(void)what;
	(void)arg;
	pending = NULL;
	httpd_reply(req, 200, "text/plain", NULL, "deferred", 8);
}

static void
on_cancel(void *arg)
{
	(void)arg;
	cancelled++;
	pending = NULL;
	evtimer_del(defer_ev);
}

static void
handler(void *arg, struct httpd_req *req)
{
	const char *m = httpd_method(req), *p = httpd_path(req);
	char out[256];

	(void)arg;
	handled++;
	if (strcmp(p, "/hello") == 0) {
		if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0) {
			httpd_reply(req, 405, NULL, "Allow: GET, HEAD\r\n", NULL, 0);
			return;
		}
		httpd_reply(req, 200, "text/plain", "X-Test: 1\r\n", "hi", 2);
	} else if (strcmp(p, "/healthz") == 0) {
		httpd_reply(req, 200, "text/plain", NULL, "ok", 2);
	} else if (strcmp(p, "/echo") == 0 && strcmp(m, "POST") == 0) {
		/* the body must be NUL-terminated */
		ck_assert_uint_eq(strlen(httpd_body(req)), httpd_body_len(req));
		snprintf(out, sizeof(out), "%zu", httpd_body_len(req));
		httpd_reply(req, 200, "text/plain", NULL, out, strlen(out));
	} else if (strcmp(p, "/defer") == 0 && strcmp(m, "POST") == 0) {
		struct timeval tv = { 0, 50000 };

		ck_assert_ptr_null(pending);
		pending = req;
		httpd_req_on_cancel(req, on_cancel, NULL);
		evtimer_add(defer_ev, &tv);
	} else if (strcmp(p, "/err") == 0) {
		httpd_reply_error(req, 422, "bad \"x\"\n\x01", "\"line\":3");
	} else if (strcmp(p, "/peer") == 0) {
		httpd_reply(req, 200, "text/plain", NULL, httpd_peer(req), strlen(httpd_peer(req)));
	} else if (strcmp(p, "/q") == 0) {
		const char *x = httpd_header(req, "x-a");

		snprintf(out, sizeof(out), "%s|%s|%s", p, httpd_query(req), x ? x : "(null)");
		httpd_reply(req, 200, "text/plain", NULL, out, strlen(out));
	} else
		httpd_reply_error(req, 404, "not found", NULL);
}

static struct httpd_limits
limits(void)
{
	struct httpd_limits lim = {
		.max_body = 1024,
		.max_headers = 1024,
		.max_connections = 16,
		.header_timeout_ms = 2000,
		.body_timeout_ms = 2000,
		.idle_timeout_ms = 2000,
	};

	return lim;
}

static void
start(const struct httpd_limits *lim)
{
	char err[256];

	h = httpd_new(base, "127.0.0.1:0", lim, handler, NULL, err, sizeof(err));
	ck_assert_msg(h != NULL, "%s", err);
	port = httpd_port(h);
	ck_assert_int_gt(port, 0);
}

static void
setup(void)
{
	struct httpd_limits lim = limits();

	metrics_init();
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	safety = evtimer_new(base, safety_cb, NULL);
	defer_ev = evtimer_new(base, defer_cb, NULL);
	pending = NULL;
	handled = cancelled = 0;
	start(&lim);
}

static void
restart(const struct httpd_limits *lim)
{
	httpd_free(h);
	start(lim);
}

static void
teardown(void)
{
	httpd_free(h);
	h = NULL;
	event_free(defer_ev);
	event_free(safety);
	event_base_free(base);
	metrics_free();
}

/* --- the client ------------------------------------------------------------- */

static void
client_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	char tmp[4096];
	ssize_t n;

	(void)what;
	for (;;) {
		n = recv(fd, tmp, sizeof(tmp), 0);
		if (n > 0) {
			buf_add(&cl->in, tmp, (size_t)n);
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n == -1)
			cl->reset = 1;
		cl->eof = 1;
		event_del(cl->ev);
		return;
	}
}

/* from: the local address to connect from (any of 127.0.0.0/8), or NULL */
static int
client_try_from(const char *from, struct client **out)
{
	struct sockaddr_in sin;
	struct client *cl;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	if (from != NULL) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, from, &sin.sin_addr), 1);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* loopback connects complete in the kernel backlog, accepted or not */
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	cl = xcalloc(1, sizeof(*cl));
	cl->fd = fd;
	buf_init(&cl->in);
	cl->ev = event_new(base, fd, EV_READ | EV_PERSIST, client_read_cb, cl);
	event_add(cl->ev, NULL);
	*out = cl;
	return 0;
}

static int
client_try(struct client **out)
{
	return client_try_from(NULL, out);
}

static struct client *
client_new_from(const char *from)
{
	struct client *cl = NULL;

	ck_assert_int_eq(client_try_from(from, &cl), 0);
	return cl;
}

static struct client *
client_new(void)
{
	return client_new_from(NULL);
}

static void
client_send(struct client *cl, const char *s, size_t n)
{
	ssize_t w = send(cl->fd, s, n, MSG_NOSIGNAL);

	ck_assert_msg(w == (ssize_t)n, "short send: %zd of %zu", w, n);
}

static void
client_sends(struct client *cl, const char *s)
{
	client_send(cl, s, strlen(s));
}

static void
client_free(struct client *cl)
{
	event_free(cl->ev);
	close(cl->fd);
	buf_free(&cl->in);
	free(cl);
}

/* A reset instead of a FIN: SO_LINGER with a zero timeout. */
static void
client_abort(struct client *cl)
{
	struct linger lg = { 1, 0 };

	setsockopt(cl->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	client_free(cl);
}

static const char *
resp_header(const struct resp *r, const char *name)
{
	static char val[256];
	char pat[128];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\r\n%s: ", name);
	if ((p = strcasestr(r->head, pat)) == NULL)
		return NULL;
	p += strlen(pat);
	e = strstr(p, "\r\n");
	snprintf(val, sizeof(val), "%.*s", (int)(e - p), p);
	return val;
}

/* Takes one complete response from the start of cl->in; 0 if not complete yet. */
static int
resp_take(struct client *cl, int head_only, struct resp *r)
{
	const char *end, *cl_hdr;
	size_t hlen, blen = 0;

	if (cl->in.len == 0 || (end = strstr(cl->in.data, "\r\n\r\n")) == NULL)
		return 0;
	hlen = (size_t)(end - cl->in.data) + 4;
	ck_assert_uint_lt(hlen, sizeof(r->head));
	memcpy(r->head, cl->in.data, hlen);
	r->head[hlen] = '\0';
	ck_assert_int_eq(sscanf(r->head, "HTTP/1.1 %d ", &r->status), 1);
	if (r->status >= 200 && !head_only && (cl_hdr = resp_header(r, "Content-Length")) != NULL)
		blen = strtoul(cl_hdr, NULL, 10);
	if (cl->in.len < hlen + blen)
		return 0;
	buf_init(&r->body);
	buf_add(&r->body, cl->in.data + hlen, blen);
	memmove(cl->in.data, cl->in.data + hlen + blen, cl->in.len - hlen - blen);
	cl->in.len -= hlen + blen;
	cl->in.data[cl->in.len] = '\0';
	return 1;
}

static int
wait_resp_opt(struct client *cl, int head_only, struct resp *r)
{
	int got = 0, passes = 0;

	RUN_UNTIL((got = resp_take(cl, head_only, r)) || cl->eof, SAFETY_MS, passes);
	if (!got)
		got = resp_take(cl, head_only, r);
	return got;
}

static void
wait_resp(struct client *cl, struct resp *r)
{
	ck_assert_msg(wait_resp_opt(cl, 0, r), "no complete response (eof=%d, %zu bytes)", cl->eof,
	    cl->in.len);
}

static void
wait_closed(struct client *cl)
{
	int passes = 0;

	RUN_UNTIL(cl->eof, SAFETY_MS, passes);
	ck_assert_msg(cl->eof, "connection still open");
}

static int
body_is(const struct resp *r, const char *s)
{
	return r->body.len == strlen(s) && memcmp(r->body.data, s, r->body.len) == 0;
}

/* One request on a fresh connection; the status, and the connection closed after. */
static int
status_of(const char *request, int expect_close)
{
	struct client *cl = client_new();
	struct resp r;
	int status;

	client_sends(cl, request);
	wait_resp(cl, &r);
	status = r.status;
	if (expect_close) {
		ck_assert_str_eq(resp_header(&r, "Connection"), "close");
		wait_closed(cl);
	}
	buf_free(&r.body);
	client_free(cl);
	return status;
}

/* --- tests -------------------------------------------------------------------- */

START_TEST(test_get)
{
	struct client *cl = client_new();
	struct resp r;

	client_sends(cl, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(body_is(&r, "hi"));
	ck_assert_str_eq(resp_header(&r, "Content-Type"), "text/plain");
	ck_assert_str_eq(resp_header(&r, "Content-Length"), "2");
	ck_assert_str_eq(resp_header(&r, "Connection"), "keep-alive");
	ck_assert_str_eq(resp_header(&r, "X-Test"), "1");
	ck_assert_ptr_nonnull(resp_header(&r, "Date"));
	ck_assert_int_eq(httpd_connections(h), 1);
	ck_assert(metrics_get("keluh_http_requests_total", "path=\"other\",status=\"200\"") == 1);
	ck_assert(metrics_get("keluh_http_connections", NULL) == 1);
	buf_free(&r.body);
	client_free(cl);
}
END_TEST

START_TEST(test_query_header_peer)
{
	struct client *cl = client_new();
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char want[64];
	struct resp r;

	client_sends(cl, "GET /q?a=1&b=2 HTTP/1.1\r\nHost: x\r\nX-A:   v v  \r\n\r\n");
	wait_resp(cl, &r);
	ck_assert(body_is(&r, "/q|a=1&b=2|v v"));
	buf_free(&r.body);
	/* absolute-form targets come down to path and query */
	client_sends(cl, "GET http://example.com/q?z HTTP/1.1\r\nHost: example.com\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert(body_is(&r, "/q|z|(null)"));
	buf_free(&r.body);
	client_sends(cl, "GET /peer HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(cl, &r);
	getsockname(cl->fd, (struct sockaddr *)&sin, &len);
	snprintf(want, sizeof(want), "127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
	ck_assert(body_is(&r, want));
	buf_free(&r.body);
	client_sends(cl, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert(metrics_get("keluh_http_requests_total", "path=\"/healthz\",status=\"200\"") == 1);
	buf_free(&r.body);
	client_free(cl);
}
END_TEST

START_TEST(test_keepalive)
{
	struct client *cl = client_new();
	struct resp r;

	for (int i = 0; i < 2; i++) {
		client_sends(cl, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
		wait_resp(cl, &r);
		ck_assert_int_eq(r.status, 200);
		ck_assert(body_is(&r, "hi"));
		buf_free(&r.body);
	}
	ck_assert(!cl->eof);
	ck_assert_int_eq(handled, 2);
	/* and Connection: close is honoured */
	client_sends(cl, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert_str_eq(resp_header(&r, "Connection"), "close");
	wait_closed(cl);
	buf_free(&r.body);
	client_free(cl);
}
END_TEST

START_TEST(test_pipelined)
{
	struct client *cl = client_new();
	struct resp r;

	client_sends(cl, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
			 "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
			 "\r\n" /* a stray CRLF before a request line is allowed */
			 "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert(body_is(&r, "hi"));
	buf_free(&r.body);
	wait_resp(cl, &r);
	ck_assert(body_is(&r, "3"));
	buf_free(&r.body);
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert(body_is(&r, "{\"error\":\"not found\"}"));
	buf_free(&r.body);
	client_free(cl);
}
END_TEST

START_TEST(test_post_content_length)
{
	struct httpd_limits lim = limits();
	struct client *cl;
	char *big;
	char head[128];
	struct resp r;

	lim.max_body = 300000;
	restart(&lim);
	cl = client_new();
	client_sends(cl, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhel");
	run_for(20);
	ck_assert_int_eq(handled, 0);
	client_sends(cl, "lo");
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(body_is(&r, "5"));
	buf_free(&r.body);

	/* a body that arrives in many reads, exactly at the limit */
	big = xmalloc(300000);
	memset(big, 'a', 300000);
	snprintf(head, sizeof(head), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n",
	    300000);
	client_sends(cl, head);
	client_send(cl, big, 300000);
	wait_resp(cl, &r);
	ck_assert(body_is(&r, "300000"));
	buf_free(&r.body);

	/* the body read straight from the socket stops at its length: the next request is intact */
	client_sends(cl, head);
	client_send(cl, big, 300000 - 10);
	run_for(20);
	ck_assert_int_eq(handled, 2);
	client_send(cl, big, 10);
	client_sends(cl, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert(body_is(&r, "300000"));
	buf_free(&r.body);
	wait_resp(cl, &r);
	ck_assert(body_is(&r, "hi"));
	buf_free(&r.body);
	free(big);

	/* duplicate but equal Content-Length is fine */
	client_sends(cl, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
			 "Content-Length: 2\r\n\r\nok");
	wait_resp(cl, &r);
	ck_assert(body_is(&r, "2"));
	buf_free(&r.body);
	client_free(cl);
}
END_TEST

START_TEST(test_chunked)
{
	struct client *cl = client_new();
	struct resp r;

	client_sends(cl, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
			 "5;name=val\r\nhello\r\n");
	run_for(20);
	ck_assert_int_eq(handled, 0);
	client_sends(cl, "6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(body_is(&r, "11"));
	buf_free(&r.body);
	/* the connection is still in sync */
	client_sends(cl, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
			 "A\r\n0123456789\r\n0\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert(body_is(&r, "10"));
	buf_free(&r.body);
	client_free(cl);
}
END_TEST

START_TEST(test_413_content_length)
{
	struct client *cl = client_new();
	struct resp r;

	/* only the head: the answer must not wait for the body */
	client_sends(cl, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 413);
	ck_assert_str_eq(resp_header(&r, "Connection"), "close");
	ck_assert_str_eq(resp_header(&r, "Content-Type"), "application/json");
	wait_closed(cl);
	ck_assert(!cl->reset);
	ck_assert_int_eq(handled, 0);
	buf_free(&r.body);
	client_free(cl);
	/* a length no integer holds is too large, not a crash */
	ck_assert_int_eq(status_of("POST /echo HTTP/1.1\r\nHost: x\r\n"
				   "Content-Length: 99999999999999999999999999\r\n\r\n", 1), 413);
	/* the limit is max_body: one byte over is refused at once, not read */
	ck_assert_int_eq(status_of("POST /echo HTTP/1.1\r\nHost: x\r\n"
				   "Content-Length: 1025\r\n\r\n", 1), 413);
}
END_TEST

/*
 * The client uploads the whole too-large body without waiting: closing
 * on unread bytes would reset the connection under the 413.
 */
START_TEST(test_413_while_uploading)
{
	struct client *cl = client_new();
	size_t n = 256 * 1024;
	char *body = xmalloc(n);
	char head[128];
	struct resp r;

	memset(body, 'u', n);
	snprintf(head, sizeof(head), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n",
	    n);
	client_sends(cl, head);
	client_send(cl, body, n);
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 413);
	wait_closed(cl);
	ck_assert_msg(!cl->reset, "connection reset");
	buf_free(&r.body);
	client_free(cl);
	free(body);
}
END_TEST

START_TEST(test_413_chunked)
{
	struct client *cl = client_new();
	struct resp r;
	char chunk[700];

	memset(chunk, 'b', sizeof(chunk));
	client_sends(cl, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
			 "2bc\r\n");
	client_send(cl, chunk, sizeof(chunk));
	client_sends(cl, "\r\n2bc\r\n"); /* 1400 > 1024: refused before its data */
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 413);
	wait_closed(cl);
	ck_assert_int_eq(handled, 0);
	buf_free(&r.body);
	client_free(cl);
}
END_TEST

/*
 * A chunked body crosses max_body (1024 here) at a chunk-size line: the
 * answer is 413 as soon as that line is read, before any of its data, and
 * the handler never sees the request. Sent in pieces, so a server that
 * waited for the data would not answer at all.
 */
static void
chunked_413(const char *before, const char *size_line, const char *what)
{
	struct client *cl = client_new();
	struct resp r;

	client_sends(cl, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
	client_sends(cl, before);
	run_for(20);
	ck_assert_msg(cl->in.len == 0, "%s: answered before the limit was crossed", what);
	client_sends(cl, size_line);
	ck_assert_msg(wait_resp_opt(cl, 0, &r), "%s: no answer before the chunk's data", what);
	ck_assert_msg(r.status == 413, "%s: %d, not 413", what, r.status);
	ck_assert_str_eq(resp_header(&r, "Connection"), "close");
	wait_closed(cl);
	ck_assert_msg(handled == 0, "%s: the handler got the request", what);
	buf_free(&r.body);
	client_free(cl);
}

static char *
chunk_of(size_t n)
{
	char *s = xmalloc(n + 16);
	int k = snprintf(s, n + 16, "%zx\r\n", n);

	memset(s + k, 'c', n);
	memcpy(s + k + n, "\r\n", 3);
	return s;
}

START_TEST(test_413_chunked_edges)
{
	char *c1000 = chunk_of(1000), *c24 = chunk_of(24), *c1024 = chunk_of(1024), *both;
	struct client *cl;
	struct resp r;

	/* the limit falls inside the next chunk: 1000 + 100 */
	chunked_413(c1000, "64\r\n", "crossed inside a chunk");
	/* with part of that chunk's data in the same write */
	chunked_413(c1000, "64\r\nccccccccccccccccccccccc", "crossed inside a chunk, data sent");
	/* exactly at the limit at a chunk boundary is accepted... */
	both = xasprintf("%s%s", c1000, c24);
	cl = client_new();
	client_sends(cl, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
	client_sends(cl, both);
	client_sends(cl, "0\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(body_is(&r, "1024"));
	buf_free(&r.body);
	client_free(cl);
	handled = 0;
	/* ...and one byte more after that boundary is not */
	chunked_413(both, "1\r\n", "one byte past a chunk boundary");
	chunked_413(c1024, "1\r\n", "one byte past a single full chunk");
	/* the first size line alone announces too much: 1025, and a size no integer holds */
	chunked_413("", "401\r\n", "first chunk over the limit");
	chunked_413("", "fffffffffffffffffffffffffffff;ext=1\r\n", "size beyond 64 bits");
	free(both);
	free(c1000);
	free(c24);
	free(c1024);
}
END_TEST

START_TEST(test_431)
{
	char req[4096];
	struct buf b;

	snprintf(req, sizeof(req), "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: %01500d\r\n\r\n", 0);
	ck_assert_int_eq(status_of(req, 1), 431);
	/* a request line alone beyond the limit, sent without a line end */
	snprintf(req, sizeof(req), "GET /%01500d", 0);
	ck_assert_int_eq(status_of(req, 1), 431);
	/* too many fields, each small */
	buf_init(&b);
	buf_adds(&b, "GET /hello HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < 100; i++)
		buf_adds(&b, "A: b\r\n");
	buf_adds(&b, "\r\n");
	ck_assert_int_eq(status_of(b.data, 1), 431);
	buf_free(&b);
	ck_assert(metrics_get("keluh_http_requests_total", "path=\"other\",status=\"431\"") == 3);
}
END_TEST

START_TEST(test_400)
{
	static const char *bad[] = {
		"GET /hello\r\n\r\n",
		"GET  /hello HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /hello HTTP/1.1 \r\nHost: x\r\n\r\n",
		"GET /hello HTTX/1.1\r\nHost: x\r\n\r\n",
		"G(T /hello HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET hello HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /he#llo HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /hello HTTP/1.1\r\n\r\n",			    /* missing Host */
		"GET /hello HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", /* two Hosts */
		"GET /hello HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n",
		"GET /hello HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
		"GET /hello HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n\r\n", /* obs-fold */
		"GET /hello HTTP/1.1\r\nHost: x\r\nA: b\rc\r\n\r\n",	 /* bare CR */
		"GET /hello HTTP/1.1\r\nHost: x\r\nA: \x01\r\n\r\n",
		("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n"),
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n",
		"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
	};
	static const char *bad_chunks[] = {
		"zz\r\n", "0x5\r\nhello\r\n0\r\n\r\n", " 5\r\nhello\r\n0\r\n\r\n",
		"-5\r\nhello\r\n0\r\n\r\n", "5\r\nhelloXX0\r\n\r\n", "5 x\r\nhello\r\n0\r\n\r\n",
		"3\r\nabc\r\n0\r\nbad trailer\r\n\r\n",
	};
	char req[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(status_of(bad[i], 1) == 400, "not 400: %s", bad[i]);
	/* a NUL inside a header */
	{
		struct client *cl = client_new();
		struct resp r;

		static const char nul[] = "GET /hello HTTP/1.1\r\nHost: x\0y\r\n\r\n";

		client_send(cl, nul, sizeof(nul) - 1);
		wait_resp(cl, &r);
		ck_assert_int_eq(r.status, 400);
		buf_free(&r.body);
		client_free(cl);
	}
	for (size_t i = 0; i < sizeof(bad_chunks) / sizeof(bad_chunks[0]); i++) {
		snprintf(req, sizeof(req), "POST /echo HTTP/1.1\r\nHost: x\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n%s", bad_chunks[i]);
		ck_assert_msg(status_of(req, 1) == 400, "not 400: %s", bad_chunks[i]);
	}
	ck_assert_int_eq(handled, 0);
}
END_TEST

START_TEST(test_405_501_505)
{
	struct client *cl = client_new();
	struct resp r;

	client_sends(cl, "DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 405);
	ck_assert_str_eq(resp_header(&r, "Allow"), "GET, HEAD, POST");
	wait_closed(cl);
	buf_free(&r.body);
	client_free(cl);
	/* the handler's own 405 keeps the connection */
	cl = client_new();
	client_sends(cl, "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 405);
	ck_assert_str_eq(resp_header(&r, "Allow"), "GET, HEAD");
	ck_assert_str_eq(resp_header(&r, "Connection"), "keep-alive");
	buf_free(&r.body);
	client_free(cl);

	ck_assert_int_eq(status_of("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 1), 405);
	ck_assert_int_eq(status_of("GET /hello HTTP/2.0\r\nHost: x\r\n\r\n", 1), 505);
	ck_assert_int_eq(status_of("GET /hello HTTP/1.2\r\nHost: x\r\n\r\n", 1), 505);
	ck_assert_int_eq(status_of("GET /hello HTTP/0.9\r\n\r\n", 1), 505);
	ck_assert_int_eq(status_of("POST /echo HTTP/1.1\r\nHost: x\r\n"
				   "Transfer-Encoding: gzip, chunked\r\n\r\n", 1), 501);
	ck_assert_int_eq(status_of("POST /echo HTTP/1.1\r\nHost: x\r\n"
				   "Transfer-Encoding: gzip\r\n\r\n", 1), 501);
	ck_assert_int_eq(handled, 1);
}
END_TEST

START_TEST(test_expect)
{
	struct client *cl = client_new();
	struct resp r;

	client_sends(cl, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
			 "Expect: 100-continue\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 100);
	buf_free(&r.body);
	client_sends(cl, "abcd");
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(body_is(&r, "4"));
	buf_free(&r.body);
	/* chunked, too */
	client_sends(cl, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
			 "Expect: 100-Continue\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 100);
	buf_free(&r.body);
	client_sends(cl, "1\r\na\r\n0\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert(body_is(&r, "1"));
	buf_free(&r.body);
	client_free(cl);

	/* too large: 413 at once, never 100 */
	cl = client_new();
	client_sends(cl, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
			 "Expect: 100-continue\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 413);
	wait_closed(cl);
	buf_free(&r.body);
	client_free(cl);

	ck_assert_int_eq(status_of("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
				   "Expect: something-else\r\n\r\n", 1), 417);
}
END_TEST

struct trickle {
	struct client *cl;
	const char *s;
	size_t i, n;
	struct event *ev;
};

static void
trickle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct trickle *t = arg;
	struct timeval tv = { 0, 50000 };

	(void)fd;
	(void)what;
	if (t->i >= t->n || t->cl->eof)
		return;
	if (send(t->cl->fd, t->s + t->i, 1, MSG_NOSIGNAL) != 1)
		return;
	t->i++;
	evtimer_add(t->ev, &tv);
}

/* Sends s one byte every 50 ms; returns the ms until the server answered. */
static int64_t
trickle(struct client *cl, const char *s, struct resp *r, struct trickle *t)
{
	int64_t t0 = util_mono_ms();

	t->cl = cl;
	t->s = s;
	t->i = 0;
	t->n = strlen(s);
	t->ev = evtimer_new(base, trickle_cb, t);
	event_active(t->ev, EV_TIMEOUT, 1);
	ck_assert(wait_resp_opt(cl, 0, r));
	event_free(t->ev);
	return util_mono_ms() - t0;
}

START_TEST(test_408_slow_head)
{
	struct httpd_limits lim = limits();
	struct trickle t;
	struct client *cl;
	struct resp r;
	int64_t ms;

	lim.header_timeout_ms = 300;
	restart(&lim);
	cl = client_new();
	/* 50 bytes at 20 per second: 2.5 s unless the deadline is absolute */
	ms = trickle(cl, "GET /hello HTTP/1.1\r\nHost: x\r\nUser-Agent: slow\r\n\r\n", &r, &t);
	ck_assert_int_eq(r.status, 408);
	ck_assert_int_ge(ms, 250);
	ck_assert_int_lt(ms, 2000);
	ck_assert_uint_lt(t.i, t.n);
	wait_closed(cl);
	ck_assert_int_eq(handled, 0);
	buf_free(&r.body);
	client_free(cl);
}
END_TEST

START_TEST(test_408_slow_body)
{
	struct httpd_limits lim = limits();
	struct trickle t;
	struct client *cl;
	struct resp r;
	int64_t ms;

	lim.body_timeout_ms = 300;
	restart(&lim);
	cl = client_new();
	client_sends(cl, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n");
	ms = trickle(cl, "0123456789012345678901234567890123456789", &r, &t);
	ck_assert_int_eq(r.status, 408);
	ck_assert_int_ge(ms, 250);
	ck_assert_uint_lt(t.i, t.n);
	wait_closed(cl);
	buf_free(&r.body);
	client_free(cl);
}
END_TEST

START_TEST(test_idle_close)
{
	struct httpd_limits lim = limits();
	struct client *cl;
	struct resp r;
	int64_t t0;

	lim.idle_timeout_ms = 200;
	lim.header_timeout_ms = 300;
	restart(&lim);
	cl = client_new();
	/* the idle time runs from the reply, which comes after this */
	t0 = util_mono_ms();
	client_sends(cl, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(cl, &r);
	buf_free(&r.body);
	wait_closed(cl);
	ck_assert_int_ge(util_mono_ms() - t0, 190);
	ck_assert_uint_eq(cl->in.len, 0); /* closed without a word */
	client_free(cl);

	/* a connection that never sends anything is closed silently too */
	cl = client_new();
	wait_closed(cl);
	ck_assert_uint_eq(cl->in.len, 0);
	client_free(cl);
	{
		int passes = 0;

		RUN_UNTIL(httpd_connections(h) == 0, SAFETY_MS, passes);
	}
	ck_assert_int_eq(httpd_connections(h), 0);
}
END_TEST

START_TEST(test_connection_cap)
{
	struct httpd_limits lim = limits();
	struct client *a, *b, *c;
	struct resp r;
	int passes = 0;

	lim.max_connections = 2;
	restart(&lim);
	a = client_new();
	b = client_new();
	client_sends(a, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	client_sends(b, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(a, &r);
	buf_free(&r.body);
	wait_resp(b, &r);
	buf_free(&r.body);
	ck_assert_int_eq(httpd_connections(h), 2);

	c = client_new(); /* in the kernel backlog */
	client_sends(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	run_for(150);
	ck_assert_uint_eq(c->in.len, 0);
	ck_assert(!c->eof);
	ck_assert_int_eq(httpd_connections(h), 2);
	ck_assert(metrics_get("keluh_http_connections", NULL) == 2);
	ck_assert(metrics_get("keluh_bound_hits_total", "bound=\"http_connections\"") >= 1);

	client_free(a);
	wait_resp(c, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(body_is(&r, "hi"));
	buf_free(&r.body);
	ck_assert_int_eq(httpd_connections(h), 2);
	client_free(b);
	client_free(c);
	RUN_UNTIL(httpd_connections(h) == 0, SAFETY_MS, passes);
	ck_assert_int_eq(httpd_connections(h), 0);
	ck_assert(metrics_get("keluh_http_connections", NULL) == 0);
}
END_TEST

/* One address gets max_per_client connections; the next is answered 429, others go on. */
START_TEST(test_per_client)
{
	struct httpd_limits lim = limits();
	struct client *mine[3], *extra, *other;
	struct resp r;
	int passes = 0;

	lim.max_per_client = 3;
	restart(&lim);
	for (int i = 0; i < 3; i++)
		mine[i] = client_new_from("127.0.0.1");
	RUN_UNTIL(httpd_connections(h) == 3, SAFETY_MS, passes);
	extra = client_new_from("127.0.0.1");
	client_sends(extra, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(extra, &r);
	ck_assert_int_eq(r.status, 429);
	ck_assert_str_eq(resp_header(&r, "Retry-After"), "1");
	ck_assert_str_eq(resp_header(&r, "Connection"), "close");
	wait_closed(extra);
	buf_free(&r.body);
	client_free(extra);
	ck_assert(metrics_get("keluh_bound_hits_total", "bound=\"http_connections_per_client\"") ==
	    1);
	ck_assert_int_eq(handled, 0);

	/* another address is served meanwhile */
	other = client_new_from("127.0.0.2");
	client_sends(other, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(other, &r);
	ck_assert_int_eq(r.status, 200);
	buf_free(&r.body);
	ck_assert(metrics_get("keluh_http_clients", NULL) == 2);

	/* a slot given back can be taken again */
	client_free(mine[0]);
	RUN_UNTIL(httpd_connections(h) == 3, SAFETY_MS, passes);
	mine[0] = client_new_from("127.0.0.1");
	client_sends(mine[0], "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(mine[0], &r);
	ck_assert_int_eq(r.status, 200);
	buf_free(&r.body);
	for (int i = 0; i < 3; i++)
		client_free(mine[i]);
	client_free(other);
	RUN_UNTIL(httpd_connections(h) == 0, SAFETY_MS, passes);
	ck_assert(metrics_get("keluh_http_clients", NULL) == 0);
}
END_TEST

static int
eofs(struct client **cl, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += cl[i]->eof;
	return k;
}

/* Above 3/4 of max_connections, idle connections and heads get busy_timeout_ms. */
START_TEST(test_busy_deadline)
{
	struct httpd_limits lim = limits();
	struct client *cl[7];
	int passes = 0, closed;
	int64_t t0;

	lim.max_connections = 8;
	lim.header_timeout_ms = 10000;
	lim.idle_timeout_ms = 10000;
	lim.busy_timeout_ms = 200;
	restart(&lim);
	/* 6 of 8 is not busy: a head started there keeps its 10 s */
	for (int i = 0; i < 6; i++)
		cl[i] = client_new();
	client_sends(cl[0], "GET /hello HTTP/1.1\r\n");
	RUN_UNTIL(httpd_connections(h) == 6, SAFETY_MS, passes);
	run_for(400);
	for (int i = 0; i < 6; i++)
		ck_assert_msg(!cl[i]->eof, "connection %d closed while not busy", i);
	ck_assert(metrics_get("keluh_bound_hits_total", "bound=\"http_busy\"") == 0);
	/* the 7th makes it busy: the waiting ones get 200 ms from now, not 10 s */
	t0 = util_mono_ms();
	cl[6] = client_new();
	RUN_UNTIL((closed = eofs(cl, 7)) == 7, SAFETY_MS, passes);
	ck_assert_int_eq(closed, 7);
	ck_assert_int_lt(util_mono_ms() - t0, 2000);
	ck_assert(metrics_get("keluh_bound_hits_total", "bound=\"http_busy\"") == 1);
	/* the one with half a head got a 408, the idle ones nothing */
	ck_assert_ptr_nonnull(strstr(cl[0]->in.data, " 408 "));
	ck_assert_uint_eq(cl[1]->in.len, 0);
	for (int i = 0; i < 7; i++)
		client_free(cl[i]);
	RUN_UNTIL(httpd_connections(h) == 0, SAFETY_MS, passes);
	/* back below half: not busy, full deadlines again */
	cl[0] = client_new();
	run_for(400);
	ck_assert(!cl[0]->eof);
	client_free(cl[0]);
}
END_TEST

/* Past max_connections, spare connections serve the spare paths only. */
START_TEST(test_spare)
{
	static const char *const spare[] = { "/healthz", NULL };
	struct httpd_limits lim = limits();
	struct client *full[2], *cl, *extra[HTTPD_SPARE], *late;
	struct resp r;
	int passes = 0;
	int64_t t0;

	lim.max_connections = 2;
	lim.busy_timeout_ms = 5000;
	lim.spare_paths = spare;
	restart(&lim);
	full[0] = client_new();
	full[1] = client_new();
	RUN_UNTIL(httpd_connections(h) == 2, SAFETY_MS, passes);
	ck_assert_int_eq(status_of("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 1), 200);
	cl = client_new();
	client_sends(cl, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 503);
	ck_assert_str_eq(resp_header(&r, "Retry-After"), "1");
	wait_closed(cl);
	buf_free(&r.body);
	client_free(cl);
	ck_assert_int_eq(status_of("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
	    1), 503);
	/* when the spares are taken too, accepting pauses */
	for (int i = 0; i < HTTPD_SPARE; i++)
		extra[i] = client_new();
	RUN_UNTIL(httpd_connections(h) == 2 + HTTPD_SPARE, SAFETY_MS, passes);
	late = client_new();
	client_sends(late, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
	run_for(150);
	ck_assert_uint_eq(late->in.len, 0);
	ck_assert_int_eq(httpd_connections(h), 2 + HTTPD_SPARE);
	client_free(extra[0]);
	wait_resp(late, &r);
	ck_assert_int_eq(r.status, 200);
	buf_free(&r.body);
	client_free(late);
	for (int i = 1; i < HTTPD_SPARE; i++)
		client_free(extra[i]);
	/* a spare connection that sends nothing gives its slot back in 500 ms, not 5 s */
	t0 = util_mono_ms();
	cl = client_new();
	wait_closed(cl);
	ck_assert_int_lt(util_mono_ms() - t0, 1500);
	ck_assert_uint_eq(cl->in.len, 0);
	client_free(cl);
	client_free(full[0]);
	client_free(full[1]);
}
END_TEST

START_TEST(test_deferred)
{
	struct client *cl = client_new();
	struct resp r;
	int64_t t0 = util_mono_ms();

	/* the pipelined GET waits until the deferred request is answered */
	client_sends(cl, "POST /defer HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx"
			 "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert_int_ge(util_mono_ms() - t0, 45);
	ck_assert(body_is(&r, "deferred"));
	buf_free(&r.body);
	wait_resp(cl, &r);
	ck_assert(body_is(&r, "hi"));
	buf_free(&r.body);
	ck_assert_int_eq(handled, 2);
	ck_assert_int_eq(cancelled, 0);
	client_free(cl);
}
END_TEST

static void
disconnect_during_defer(int hard)
{
	struct client *cl = client_new();
	int passes = 0;

	client_sends(cl, "POST /defer HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
	RUN_UNTIL(pending != NULL, SAFETY_MS, passes);
	ck_assert_ptr_nonnull(pending);
	if (hard)
		client_abort(cl);
	else
		client_free(cl);
	RUN_UNTIL(cancelled > 0 && httpd_connections(h) == 0, SAFETY_MS, passes);
	ck_assert_int_eq(cancelled, 1);
	ck_assert_ptr_null(pending);
	ck_assert_int_eq(httpd_connections(h), 0);
	/* the server goes on */
	ck_assert_int_eq(status_of("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    1), 200);
}

START_TEST(test_cancel_on_close)
{
	disconnect_during_defer(0);
}
END_TEST

START_TEST(test_cancel_on_reset)
{
	disconnect_during_defer(1);
}
END_TEST

START_TEST(test_http10)
{
	struct client *cl = client_new();
	struct resp r;

	client_sends(cl, "GET /hello HTTP/1.0\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(resp_header(&r, "Connection"), "close");
	wait_closed(cl);
	buf_free(&r.body);
	client_free(cl);

	cl = client_new();
	for (int i = 0; i < 2; i++) {
		client_sends(cl, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
		wait_resp(cl, &r);
		ck_assert(body_is(&r, "hi"));
		ck_assert_str_eq(resp_header(&r, "Connection"), "keep-alive");
		buf_free(&r.body);
	}
	ck_assert(!cl->eof);
	client_free(cl);
	/* expectations of an HTTP/1.0 client are ignored, not refused */
	ck_assert_int_eq(status_of("POST /echo HTTP/1.0\r\nContent-Length: 1\r\n"
				   "Expect: whatever\r\n\r\nz", 1), 200);
}
END_TEST

START_TEST(test_head)
{
	struct client *cl = client_new();
	struct resp r;

	client_sends(cl, "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert(wait_resp_opt(cl, 1, &r));
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(resp_header(&r, "Content-Length"), "2");
	buf_free(&r.body);
	/* no body bytes followed: the next response starts right there */
	client_sends(cl, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert(body_is(&r, "hi"));
	ck_assert_uint_eq(cl->in.len, 0);
	buf_free(&r.body);
	client_free(cl);
}
END_TEST

START_TEST(test_error_json)
{
	struct client *cl = client_new();
	struct resp r;

	client_sends(cl, "GET /err HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert_str_eq(resp_header(&r, "Content-Type"), "application/json");
	ck_assert(body_is(&r, "{\"error\":\"bad \\\"x\\\"\\n\\u0001\",\"line\":3}"));
	buf_free(&r.body);
	client_free(cl);
}
END_TEST

START_TEST(test_stop_accepting)
{
	struct client *idle = client_new(), *busy = client_new(), *late = NULL;
	struct resp r;
	int passes = 0;

	client_sends(idle, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(idle, &r);
	buf_free(&r.body);
	client_sends(busy, "POST /defer HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
	RUN_UNTIL(pending != NULL, SAFETY_MS, passes);
	httpd_stop_accepting(h);
	wait_closed(idle);
	ck_assert_int_eq(client_try(&late), -1);
	wait_resp(busy, &r);
	ck_assert(body_is(&r, "deferred"));
	ck_assert_str_eq(resp_header(&r, "Connection"), "close");
	wait_closed(busy);
	buf_free(&r.body);
	client_free(idle);
	client_free(busy);
}
END_TEST

START_TEST(test_accept_backoff)
{
	struct rlimit old, rl;
	struct client *cl = client_new();
	struct resp r;
	int fd, passes;

	/* the lowest free descriptor is the one accept() would need: forbid it */
	fd = dup(0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	rl = old;
	rl.rlim_cur = (rlim_t)fd;
	/* lowering the soft limit never needs a privilege: a failure is a failure */
	ck_assert_uint_le(rl.rlim_cur, rl.rlim_max);
	ck_assert_msg(setrlimit(RLIMIT_NOFILE, &rl) == 0, "setrlimit(RLIMIT_NOFILE, %llu): %s",
	    (unsigned long long)rl.rlim_cur, strerror(errno));
	client_sends(cl, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	passes = run_for(300);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	/* paused, not spinning on the readable listening socket */
	ck_assert_int_lt(passes, 20);
	ck_assert_uint_eq(cl->in.len, 0);
	/*
	 * Valgrind emulates the limit: the kernel's accept() succeeds and
	 * valgrind closes the new descriptor, so that connection is lost
	 * there. A real kernel leaves it in the backlog for after the pause.
	 */
	if (wait_resp_opt(cl, 0, &r)) {
		ck_assert_int_eq(r.status, 200);
		buf_free(&r.body);
	} else {
		const char *pre = getenv("LD_PRELOAD");

		ck_assert_msg(pre != NULL && strstr(pre, "vgpreload") != NULL,
		    "the connection waiting during the pause was not served");
	}
	client_free(cl);
	/* accepting again */
	ck_assert_int_eq(status_of("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    1), 200);
}
END_TEST

/* httpd_parse_head reads a head from memory as a connection does, with the same answers. */
START_TEST(test_parse_head)
{
	static const char ok[] = "\r\nPOST /v1/mentions?x=1 HTTP/1.1\r\nHost: a\r\n"
	    "X-A:  v \r\nContent-Length: 5\r\n\r\nhello";
	struct httpd_limits lim = limits();
	struct httpd_req *req;
	const char *msg;
	size_t used;
	int status;

	ck_assert_int_eq(httpd_parse_head(ok, sizeof(ok) - 1, &lim, &req, &used, &status, &msg), 1);
	ck_assert_uint_eq(used, sizeof(ok) - 1 - 5);
	ck_assert_str_eq(httpd_method(req), "POST");
	ck_assert_str_eq(httpd_path(req), "/v1/mentions");
	ck_assert_str_eq(httpd_query(req), "x=1");
	ck_assert_str_eq(httpd_header(req, "x-a"), "v");
	ck_assert_str_eq(httpd_peer(req), "");
	httpd_req_free(req);
	/* not complete yet */
	ck_assert_int_eq(httpd_parse_head(ok, 40, &lim, &req, &used, &status, &msg), 0);
	ck_assert_ptr_null(req);
	/* refused as test_400, test_405_501_505 and test_431 see it over a socket */
	ck_assert_int_eq(httpd_parse_head("GET / HTTP/1.1\r\n\r\n", 18, &lim, &req, &used,
	    &status, &msg), -1);
	ck_assert_int_eq(status, 400);
	ck_assert_str_eq(msg, "missing Host header");
	ck_assert_int_eq(httpd_parse_head("PUT / HTTP/1.1\nHost: a\n\n", 24, &lim, &req, &used,
	    &status, &msg), -1);
	ck_assert_int_eq(status, 405);
	ck_assert_int_eq(httpd_parse_head("GET / HTTP/2.0\n", 15, &lim, &req, &used, &status, &msg),
	    -1);
	ck_assert_int_eq(status, 505);
	lim.max_headers = 16;
	ck_assert_int_eq(httpd_parse_head("GET /0123456789", 15, &lim, &req, &used, &status, &msg),
	    0);
	ck_assert_int_eq(httpd_parse_head("GET /0123456789a", 16, &lim, &req, &used, &status, &msg),
	    -1);
	ck_assert_int_eq(status, 431);
}
END_TEST

START_TEST(test_listen_parse)
{
	char err[256], addr[64];
	struct httpd *x;

	ck_assert_ptr_null(httpd_new(base, "localhost:80", NULL, handler, NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "numeric"));
	ck_assert_ptr_null(httpd_new(base, "127.0.0.1", NULL, handler, NULL, err, sizeof(err)));
	ck_assert_ptr_null(httpd_new(base, "::1:80", NULL, handler, NULL, err, sizeof(err)));
	ck_assert_ptr_null(httpd_new(base, "127.0.0.1:99999", NULL, handler, NULL, err,
	    sizeof(err)));
	ck_assert_ptr_null(httpd_new(base, "[::1]80", NULL, handler, NULL, err, sizeof(err)));
	/* the port is taken */
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	ck_assert_ptr_null(httpd_new(base, addr, NULL, handler, NULL, err, sizeof(err)));
	/* IPv6 loopback, where the machine has it */
	x = httpd_new(base, "[::1]:0", NULL, handler, NULL, err, sizeof(err));
	if (x != NULL) {
		ck_assert_int_gt(httpd_port(x), 0);
		httpd_free(x);
	}
}
END_TEST

/* The admin API's transport: the same server on a Unix socket. */
static struct client *
client_unix(const char *path)
{
	struct sockaddr_un sun;
	struct client *cl;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	cl = xcalloc(1, sizeof(*cl));
	cl->fd = fd;
	buf_init(&cl->in);
	cl->ev = event_new(base, fd, EV_READ | EV_PERSIST, client_read_cb, cl);
	event_add(cl->ev, NULL);
	return cl;
}

START_TEST(test_unix_socket)
{
	char dir[] = "/tmp/keluh-httpd-XXXXXX", path[128], err[256];
	struct httpd_limits lim = limits();
	struct httpd *u, *x;
	struct client *cl;
	struct stat st;
	struct resp r;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/admin.sock", dir);
	u = httpd_new_unix(base, path, 0660, &lim, handler, NULL, err, sizeof(err));
	ck_assert_msg(u != NULL, "%s", err);
	ck_assert_int_eq(httpd_port(u), 0);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0660);
	cl = client_unix(path);
	client_sends(cl, "GET /peer HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(body_is(&r, "unix"));
	buf_free(&r.body);
	client_sends(cl, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
	wait_resp(cl, &r);
	ck_assert(body_is(&r, "3"));
	buf_free(&r.body);
	client_free(cl);
	/* a live socket is not taken over */
	x = httpd_new_unix(base, path, 0660, &lim, handler, NULL, err, sizeof(err));
	ck_assert_ptr_null(x);
	ck_assert_ptr_nonnull(strstr(err, "listening"));
	/* the TCP server beside it still works */
	cl = client_new();
	client_sends(cl, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_resp(cl, &r);
	ck_assert(body_is(&r, "hi"));
	buf_free(&r.body);
	client_free(cl);
	httpd_free(u);
	ck_assert_int_eq(lstat(path, &st), -1);

	/* a stale socket (its owner died) is replaced */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	{
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
		memcpy(sun.sun_path, path, strlen(path) + 1);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	}
	close(fd);
	u = httpd_new_unix(base, path, 0600, &lim, handler, NULL, err, sizeof(err));
	ck_assert_msg(u != NULL, "%s", err);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	httpd_stop_accepting(u);
	ck_assert_int_eq(lstat(path, &st), -1);
	httpd_free(u);

	/* another kind of file is left alone */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_ptr_null(httpd_new_unix(base, path, 0660, &lim, handler, NULL, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "not a socket"));
	unlink(path);
	rmdir(dir);
}
END_TEST

/* A full metrics table still counts what it drops, and still shows each bound hit. */
START_TEST(test_metrics_full)
{
	char labels[64];

	ck_assert(metrics_get("keluh_bound_hits_total", "bound=\"metric_series\"") == 0);
	for (int i = 0; i < METRICS_MAX_SERIES + 10; i++) {
		snprintf(labels, sizeof(labels), "path=\"p%d\",status=\"200\"", i);
		metrics_add("keluh_http_requests_total", labels, 1);
	}
	ck_assert(metrics_get("keluh_bound_hits_total", "bound=\"metric_series\"") >= 10);
	metrics_add("keluh_http_requests_total", "path=\"/healthz\",status=\"417\"", 1);
	ck_assert(metrics_get("keluh_http_requests_total", "path=\"/healthz\",status=\"417\"") ==
	    0);
	/* a bound first hit now is still recorded */
	metrics_bound_hit("test_bound", "a test bound");
	ck_assert(metrics_get("keluh_bound_hits_total", "bound=\"test_bound\"") == 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("httpd");
	TCase *tc = tcase_create("httpd");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_get);
	tcase_add_test(tc, test_query_header_peer);
	tcase_add_test(tc, test_keepalive);
	tcase_add_test(tc, test_pipelined);
	tcase_add_test(tc, test_post_content_length);
	tcase_add_test(tc, test_chunked);
	tcase_add_test(tc, test_413_content_length);
	tcase_add_test(tc, test_413_while_uploading);
	tcase_add_test(tc, test_413_chunked);
	tcase_add_test(tc, test_413_chunked_edges);
	tcase_add_test(tc, test_431);
	tcase_add_test(tc, test_400);
	tcase_add_test(tc, test_405_501_505);
	tcase_add_test(tc, test_expect);
	tcase_add_test(tc, test_408_slow_head);
	tcase_add_test(tc, test_408_slow_body);
	tcase_add_test(tc, test_idle_close);
	tcase_add_test(tc, test_connection_cap);
	tcase_add_test(tc, test_per_client);
	tcase_add_test(tc, test_busy_deadline);
	tcase_add_test(tc, test_spare);
	tcase_add_test(tc, test_deferred);
	tcase_add_test(tc, test_cancel_on_close);
	tcase_add_test(tc, test_cancel_on_reset);
	tcase_add_test(tc, test_http10);
	tcase_add_test(tc, test_head);
	tcase_add_test(tc, test_error_json);
	tcase_add_test(tc, test_stop_accepting);
	tcase_add_test(tc, test_accept_backoff);
	tcase_add_test(tc, test_listen_parse);
	tcase_add_test(tc, test_parse_head);
	tcase_add_test(tc, test_unix_socket);
	tcase_add_test(tc, test_metrics_full);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
