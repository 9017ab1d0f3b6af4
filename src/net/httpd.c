/*
 * httpd.c: the HTTP/1.1 server of httpd.h.
 *
 * A connection is always in one phase, and every phase change re-arms the
 * connection's single timer with that phase's deadline. Bytes arriving never
 * touch the timer, so a client trickling a byte a second gets no extra time.
 *
 *   IDLE     before the first byte of a request. A new connection has
 *            header_timeout_ms from accept; a kept-alive one idle_timeout_ms.
 *   HEAD     request line and headers; header_timeout_ms from the first byte
 *            (or from accept, or from the end of the previous response when
 *            the request was already waiting in the buffer).
 *   BODY     body_timeout_ms from the end of the head.
 *   HANDLER  the handler has the request. Reading stops; a one-shot read
 *            watch on the socket notices a client that hangs up meanwhile.
 *   CLOSING  the last reply drains (idle_timeout_ms at most), then LINGER.
 *   LINGER   write side shut down; what the client still sends is read and
 *            dropped for a while, because closing with unread bytes makes the
 *            kernel send a reset that can destroy the reply in flight (a 413
 *            sent while the client is still uploading).
 *   DEAD     waiting for the work event to free it.
 *
 * Connections are freed only from the work event, never inside a libevent
 * callback that still holds them, and a deferred reply resumes the
 * connection from there too, so that a handler's httpd_reply() never
 * re-enters the handler with the next pipelined request.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "net/httpd.h"

#define HTTPD_MAX_HEADER_LINES	100
#define HTTPD_CHUNK_LINE_MAX	1024		/* chunk size plus extensions */
#define HTTPD_INPUT_SLACK	8192
#define HTTPD_OUTPUT_HIGH	(256 * 1024)	/* stop taking requests from a client that does not read */
#define HTTPD_LINGER_MS		2000
#define HTTPD_LINGER_BYTES	(1024 * 1024)
/* a body buffer grows by this much at most before the data for it has arrived */
#define HTTPD_BODY_STEP		(1024 * 1024)
#define HTTPD_BACKOFF_MS	1000
#define HTTPD_BACKLOG		511
/* the per-address table: chains, one entry per address with a connection open */
#define HTTPD_CLIENT_BUCKETS	256
#define HTTPD_REFUSE_DRAIN	(64 * 1024)
#define HTTPD_SPARE_HEAD_MS	500		/* a spare connection's request head */
#define HTTPD_NO_LENGTH		((size_t)-1)	/* a stream's head: no Content-Length */

enum phase { PH_IDLE, PH_HEAD, PH_BODY, PH_HANDLER, PH_CLOSING, PH_LINGER, PH_DEAD };
enum chunk_state { CK_SIZE, CK_DATA, CK_DATA_END, CK_TRAILER };

struct httpd_hdr {
	char *name, *value;
};

struct conn;

/*
 * Connections open from one address (IPv4, or the /64 of an IPv6 one).
 * There is an entry only while a connection is open, so the table never
 * holds more entries than there are connections.
 */
struct client_slot {
	struct client_slot *next;
	unsigned char key[9];		/* family, then 4 or 8 bytes */
	int n;
};

/* Why a request head is refused: the answer conn_fail sends. */
struct httpd_fail {
	int status;
	const char *message;
	const char *headers;	/* NULL or extra "Name: value\r\n" lines */
};

struct httpd_req {
	struct conn *conn;
	char *method, *path, *query;
	int minor;			/* HTTP/1.minor */
	int head;			/* HEAD: the reply has no body */
	int keepalive;
	int chunked;
	uint64_t length;		/* Content-Length */
	struct httpd_hdr *hdrs;
	size_t nhdrs;
	struct buf body;
	void (*cancel_fn)(void *);
	void *cancel_arg;
	char *extra_headers;		/* httpd_req_set_headers: added to the answer */
	void (*reply_fn)(void *, int);	/* httpd_req_on_reply */
	void *reply_arg;
	int streaming;			/* httpd_stream_begin was called */
};

struct conn {
	struct httpd *h;
	struct conn *prev, *next;	/* h->conns */
	struct conn *qnext;		/* h->work */
	int queued, resume;
	struct bufferevent *bev;
	struct event *timer;
	struct event *watch;
	enum phase phase;
	int in_handler;
	int out_paused;
	int spare;			/* accepted past max_connections: spare_paths only */
	struct client_slot *client;	/* NULL on a Unix socket */
	int64_t deadline;		/* of the timer, on the monotonic clock in ms */
	unsigned nreq;			/* requests answered */
	char peer[INET6_ADDRSTRLEN + 8];
	struct httpd_req *req;
	struct buf line;
	size_t scan;			/* bytes of the current line already searched */
	size_t head_bytes;
	int nlines;
	enum chunk_state ck;
	uint64_t remaining;		/* of the body or of the current chunk */
	size_t trailer_bytes;
	size_t lingered;
};

struct httpd {
	struct event_base *base;
	struct evconnlistener *lev;
	int lev_on;
	int backoff, backoff_logged;
	struct event *backoff_ev;
	struct event *work_ev;
	struct conn *work;
	struct conn *conns;
	int nconns;
	int busy;			/* above 3/4 of max_connections, until back to half */
	struct client_slot *clients[HTTPD_CLIENT_BUCKETS];
	int nclients;
	int port;
	int is_unix;
	char *unix_path;		/* a Unix socket's path, removed when it closes */
	int stopping;
	struct httpd_limits lim;
	httpd_handler_fn fn;
	void *arg;
};

static void conn_process(struct conn *);
static void conn_kill(struct conn *);

/* The gauges count the TCP server's connections; an admin socket's would overwrite them. */
static void
httpd_gauge(const struct httpd *h)
{
	if (!h->is_unix && !h->lim.no_gauges) {
		metrics_set("keluh_http_connections", NULL, h->nconns);
		metrics_set("keluh_http_clients", NULL, h->nclients);
	}
}

static const char *
httpd_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	}
	return status < 300 ? "OK" : status < 400 ? "Redirect" : status < 500 ? "Client Error" :
	    "Server Error";
}

/* Metric labels stay bounded: unknown paths are all "other". */
static const char *
httpd_path_label(const char *path)
{
	if (path == NULL)
		return "other";
	if (strcmp(path, "/v1/mentions") == 0 || strcmp(path, "/healthz") == 0 ||
	    strcmp(path, "/metrics") == 0)
		return path;
	if (strncmp(path, "/v1/admin/", 10) == 0)
		return "/v1/admin/*";
	return "other";
}

static int
httpd_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	    (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static int
httpd_token(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!httpd_tchar((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * The next element of a comma-separated header list, without surrounding
 * whitespace; empty elements are skipped as RFC 9110 5.6.1 asks.
 */
static const char *
httpd_list_next(const char *p, size_t *len)
{
	const char *s;
	size_t n;

	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	if (*p == '\0')
		return NULL;
	for (s = p; *p != '\0' && *p != ','; p++)
		;
	n = (size_t)(p - s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*len = n;
	return s;
}

static int
httpd_list_is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(s, word, n) == 0;
}

static void
httpd_error_body(struct buf *b, const char *message, const char *extra_json)
{
	/* buf_add_json_str wants UTF-8; a message quoting client bytes may not be */
	size_t len = utf8_valid_prefix(message, strlen(message));

	buf_adds(b, "{\"error\":\"");
	buf_add_json_str(b, message, len);
	buf_addc(b, '"');
	if (extra_json != NULL && *extra_json != '\0') {
		buf_addc(b, ',');
		buf_adds(b, extra_json);
	}
	buf_addc(b, '}');
}

static void
httpd_listener_update(struct httpd *h)
{
	int want;

	if (h->lev == NULL)
		return;
	want = !h->backoff && h->nconns < h->lim.max_connections +
	    (h->lim.spare_paths != NULL ? HTTPD_SPARE : 0);
	if (want && !h->lev_on)
		evconnlistener_enable(h->lev);
	else if (!want && h->lev_on)
		evconnlistener_disable(h->lev);
	h->lev_on = want;
}

/* --- requests --------------------------------------------------------------- */

static struct httpd_req *
req_new(struct conn *c)
{
	struct httpd_req *req = xcalloc(1, sizeof(*req));

	req->conn = c;
	buf_init(&req->body);
	return req;
}

static void
req_free(struct httpd_req *req)
{
	if (req == NULL)
		return;
	for (size_t i = 0; i < req->nhdrs; i++) {
		free(req->hdrs[i].name);
		free(req->hdrs[i].value);
	}
	free(req->hdrs);
	free(req->method);
	free(req->path);
	free(req->query);
	free(req->extra_headers);
	buf_free(&req->body);
	free(req);
}

static void
req_body_take(struct httpd_req *req, struct evbuffer *in, size_t n)
{
	buf_reserve(&req->body, n);
	evbuffer_remove(in, req->body.data + req->body.len, n);
	req->body.len += n;
	req->body.data[req->body.len] = '\0';
}

/* --- connections: life cycle ----------------------------------------------- */

static void
conn_arm(struct conn *c, int64_t ms)
{
	struct timeval tv;

	util_ms_to_tv(ms, &tv);
	evtimer_add(c->timer, &tv);
	c->deadline = util_mono_ms() + ms;
}

/*
 * For the idle and head phases: a busy server gives less time, and a spare
 * connection less still: a health check sends its request at once, and a
 * slow client holding a spare keeps the checks behind it waiting.
 */
static void
conn_arm_short(struct conn *c, int64_t ms)
{
	struct httpd *h = c->h;

	if ((h->busy || c->spare) && h->lim.busy_timeout_ms < ms)
		ms = h->lim.busy_timeout_ms;
	if (c->spare && ms > HTTPD_SPARE_HEAD_MS)
		ms = HTTPD_SPARE_HEAD_MS;
	conn_arm(c, ms);
}

/*
 * Busy from above 3/4 of max_connections until back to half: between the
 * two the state holds, so the sweep of all connections runs once per
 * quarter of max_connections accepted at most.
 */
static void
httpd_busy_update(struct httpd *h)
{
	int64_t now;

	if (h->busy) {
		if (h->nconns * 2 <= h->lim.max_connections)
			h->busy = 0;
		return;
	}
	if ((int64_t)h->nconns * 4 <= (int64_t)h->lim.max_connections * 3)
		return;
	h->busy = 1;
	metrics_bound_hit("http_busy", "HTTP connections above 3/4 of max_connections; idle "
	    "connections and request heads get the short busy deadline");
	now = util_mono_ms();
	for (struct conn *c = h->conns; c != NULL; c = c->next)
		if ((c->phase == PH_IDLE || c->phase == PH_HEAD) &&
		    c->deadline - now > h->lim.busy_timeout_ms)
			conn_arm(c, h->lim.busy_timeout_ms);
}

/* --- the per-address table ---------------------------------------------------- */

/* The key of sa, or 0 for an address that has none (a Unix socket). */
static int
httpd_client_key(const struct sockaddr *sa, unsigned char key[9])
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(key, 0, 9);
	if (sa->sa_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 1;
	}
	if (sa->sa_family == AF_INET6) {
		const unsigned char *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;

		if (memcmp(a, v4mapped, 12) == 0) {
			key[0] = 4;
			memcpy(key + 1, a + 12, 4);
		} else {
			/* one host usually has a whole /64 to pick addresses from */
			key[0] = 6;
			memcpy(key + 1, a, 8);
		}
		return 1;
	}
	return 0;
}

static struct client_slot **
httpd_client_find(struct httpd *h, const unsigned char key[9])
{
	uint64_t x = 1469598103934665603ULL;
	struct client_slot **pp;

	for (int i = 0; i < 9; i++)
		x = (x ^ key[i]) * 1099511628211ULL;
	for (pp = &h->clients[x % HTTPD_CLIENT_BUCKETS]; *pp != NULL; pp = &(*pp)->next)
		if (memcmp((*pp)->key, key, 9) == 0)
			break;
	return pp;
}

static void
httpd_client_release(struct httpd *h, struct client_slot *cs)
{
	struct client_slot **pp;

	if (cs == NULL || --cs->n > 0)
		return;
	pp = httpd_client_find(h, cs->key);
	*pp = cs->next;
	free(cs);
	h->nclients--;
}

/*
 * Counts one more connection from sa's address in *out (NULL for a Unix
 * socket, which has none); -1 when the address has max_per_client already.
 */
static int
httpd_client_admit(struct httpd *h, const struct sockaddr *sa, struct client_slot **out)
{
	struct client_slot **pp;
	unsigned char key[9];

	*out = NULL;
	if (!httpd_client_key(sa, key))
		return 0;
	pp = httpd_client_find(h, key);
	if (*pp != NULL && (*pp)->n >= h->lim.max_per_client)
		return -1;
	if (*pp == NULL) {
		/* no more entries than connections: bounded by max_connections + HTTPD_SPARE */
		*pp = xcalloc(1, sizeof(**pp));
		memcpy((*pp)->key, key, sizeof(key));
		h->nclients++;
	}
	(*pp)->n++;
	*out = *pp;
	return 0;
}

/*
 * A connection over max_per_client: a short 429 written straight to the
 * socket (it fits the empty send buffer; the loop never waits on it), and
 * closed. What the client already sent is read first where it is there,
 * so that the close does not reset the connection under the answer.
 */
static void
httpd_refuse(struct httpd *h, evutil_socket_t fd, const char *peer)
{
	static const char body[] = "{\"error\":\"too many connections from your address; "
	    "retry later\"}";
	char head[256], what[160], drain[4096];
	size_t drained = 0;
	ssize_t n;
	int len;

	snprintf(what, sizeof(what), "%s has max_connections_per_client connections open; "
	    "more are answered 429", peer);
	metrics_bound_hit("http_connections_per_client", what);
	len = snprintf(head, sizeof(head), "HTTP/1.1 429 %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\nRetry-After: 1\r\n\r\n%s",
	    httpd_reason(429), sizeof(body) - 1, body);
	while ((n = recv(fd, drain, sizeof(drain), MSG_DONTWAIT)) > 0 &&
	    (drained += (size_t)n) < HTTPD_REFUSE_DRAIN)
		;
	if (send(fd, head, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL) == len)
		shutdown(fd, SHUT_WR);
	evutil_closesocket(fd);
}

static void
conn_queue(struct conn *c)
{
	struct httpd *h = c->h;

	if (!c->queued) {
		c->queued = 1;
		c->qnext = h->work;
		h->work = c;
	}
	event_active(h->work_ev, EV_TIMEOUT, 1);
}

/* Drops the current request; its owner hears about it if it had it. */
static void
conn_cancel_req(struct conn *c)
{
	struct httpd_req *req = c->req;

	if (req == NULL)
		return;
	c->req = NULL;
	req->conn = NULL;
	if (c->phase == PH_HANDLER && req->cancel_fn != NULL)
		req->cancel_fn(req->cancel_arg);
	req_free(req);
}

static void
conn_kill(struct conn *c)
{
	if (c->phase == PH_DEAD)
		return;
	conn_cancel_req(c);
	c->phase = PH_DEAD;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
	evtimer_del(c->timer);
	event_del(c->watch);
	conn_queue(c);
}

static void
conn_free(struct conn *c)
{
	struct httpd *h = c->h;

	conn_cancel_req(c);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	event_free(c->timer);
	event_free(c->watch);
	bufferevent_free(c->bev);
	buf_free(&c->line);
	httpd_client_release(h, c->client);
	free(c);
	h->nconns--;
	httpd_busy_update(h);
	httpd_gauge(h);
	httpd_listener_update(h);
}

static void
conn_linger(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	c->phase = PH_LINGER;
	c->lingered = 0;
	if (shutdown(bufferevent_getfd(c->bev), SHUT_WR) == -1) {
		conn_kill(c);
		return;
	}
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_enable(c->bev, EV_READ);
	conn_arm(c, HTTPD_LINGER_MS);
}

static void
conn_close_after_write(struct conn *c)
{
	c->phase = PH_CLOSING;
	c->out_paused = 0;
	bufferevent_disable(c->bev, EV_READ);
	event_del(c->watch);
	/* a client that never reads its reply must not keep the slot */
	conn_arm(c, c->h->lim.idle_timeout_ms);
	/* the write callback only runs after a write: nothing left means no callback */
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_linger(c);
}

/* --- replies ---------------------------------------------------------------- */

static void
conn_write_reply(struct conn *c, int status, const char *content_type, const char *headers,
    const char *body, size_t len, int head, int keep, const char *path)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int bodiless = status == 204 || status == 304;
	char date[64], labels[96];

	util_http_date(time(NULL), date, sizeof(date));
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status, httpd_reason(status),
	    date);
	if (content_type != NULL)
		evbuffer_add_printf(out, "Content-Type: %s\r\n", content_type);
	if (!bodiless && len != HTTPD_NO_LENGTH)
		evbuffer_add_printf(out, "Content-Length: %zu\r\n", len);
	evbuffer_add_printf(out, "Connection: %s\r\n", keep ? "keep-alive" : "close");
	if (headers != NULL)
		evbuffer_add(out, headers, strlen(headers));
	if (c->req != NULL && c->req->extra_headers != NULL)
		evbuffer_add(out, c->req->extra_headers, strlen(c->req->extra_headers));
	evbuffer_add(out, "\r\n", 2);
	if (!head && !bodiless && len > 0 && len != HTTPD_NO_LENGTH)
		evbuffer_add(out, body, len);
	if (c->req != NULL && c->req->reply_fn != NULL)
		c->req->reply_fn(c->req->reply_arg, status);
	snprintf(labels, sizeof(labels), "path=\"%s\",status=\"%d\"", httpd_path_label(path),
	    status);
	metrics_add("keluh_http_requests_total", labels, 1);
}

/* Our own error for the request being read: always closes afterwards. */
static void
conn_fail(struct conn *c, int status, const char *message, const char *headers)
{
	struct httpd_req *req = c->req;
	struct buf b;

	log_debug("http: %s: %d %s", c->peer, status, message);
	buf_init(&b);
	httpd_error_body(&b, message, NULL);
	conn_write_reply(c, status, "application/json", headers, b.data, b.len,
	    req != NULL && req->head, 0, req != NULL ? req->path : NULL);
	buf_free(&b);
	c->req = NULL;
	req_free(req);
	c->nreq++;
	conn_close_after_write(c);
}

/* --- parsing ---------------------------------------------------------------- */

/*
 * Moves one LF-terminated line from the input to c->line, without the line
 * end (an optional CR before the LF goes too). Returns the bytes consumed,
 * 0 when the line is not complete yet, -1 when it would exceed max bytes.
 * c->scan remembers how far the search got, so a line trickled in byte by
 * byte is searched once rather than once per byte.
 */
static long
conn_getline(struct conn *c, struct evbuffer *in, size_t max)
{
	size_t avail = evbuffer_get_length(in), n;
	struct evbuffer_ptr pos;

	if (c->scan < avail) {
		if (evbuffer_ptr_set(in, &pos, c->scan, EVBUFFER_PTR_SET) == -1)
			return -1;
		pos = evbuffer_search(in, "\n", 1, &pos);
	} else
		pos.pos = -1;
	if (pos.pos < 0) {
		c->scan = avail;
		return avail + 1 > max ? -1 : 0;
	}
	n = (size_t)pos.pos + 1;
	if (n > max)
		return -1;
	buf_reset(&c->line);
	buf_reserve(&c->line, n);
	evbuffer_remove(in, c->line.data, n);
	c->line.len = n - 1;
	if (c->line.len > 0 && c->line.data[c->line.len - 1] == '\r')
		c->line.len--;
	c->line.data[c->line.len] = '\0';
	c->scan = 0;
	return (long)n;
}

/* NUL or a CR that is not part of the line end: both are how smuggling starts. */
static int
httpd_line_clean(const char *line, size_t len)
{
	return memchr(line, '\0', len) == NULL && memchr(line, '\r', len) == NULL;
}

static int
req_fail(struct httpd_fail *f, int status, const char *message, const char *headers)
{
	f->status = status;
	f->message = message;
	f->headers = headers;
	return -1;
}

static int
req_request_line(struct httpd_req *req, char *line, size_t len, struct httpd_fail *f)
{
	char *sp1, *sp2, *target, *ver, *q;

	if ((sp1 = memchr(line, ' ', len)) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line))) == NULL)
		return req_fail(f, 400, "malformed request line", NULL);
	ver = sp2 + 1;
	if (strlen(ver) != 8 || strncmp(ver, "HTTP/", 5) != 0 || ver[5] < '0' || ver[5] > '9' ||
	    ver[6] != '.' || ver[7] < '0' || ver[7] > '9')
		return req_fail(f, 400, "malformed HTTP version", NULL);
	if (ver[5] != '1' || (ver[7] != '0' && ver[7] != '1'))
		return req_fail(f, 505, "only HTTP/1.0 and HTTP/1.1 are supported", NULL);
	req->minor = ver[7] - '0';
	if (!httpd_token(line, (size_t)(sp1 - line)))
		return req_fail(f, 400, "malformed method", NULL);
	req->method = xstrndup(line, (size_t)(sp1 - line));
	req->head = strcmp(req->method, "HEAD") == 0;
	*sp2 = '\0';
	target = sp1 + 1;
	if (*target == '\0')
		return req_fail(f, 400, "empty request target", NULL);
	for (const char *p = target; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '#')
			return req_fail(f, 400, "invalid character in request target", NULL);
	/* absolute-form (RFC 9112 3.2.2): only the path and query matter here */
	if (strncasecmp(target, "http://", 7) == 0 || strncasecmp(target, "https://", 8) == 0) {
		char *auth = strstr(target, "//") + 2;

		target = auth + strcspn(auth, "/?");
		if (*target != '/') {
			q = *target == '?' ? target + 1 : target;
			req->path = xstrdup("/");
			req->query = xstrdup(q);
			return 0;
		}
	} else if (strcmp(target, "*") == 0) {
		if (strcmp(req->method, "OPTIONS") != 0)
			return req_fail(f, 400, "'*' is only for OPTIONS", NULL);
	} else if (*target != '/')
		return req_fail(f, 400, "request target must start with '/'", NULL);
	if ((q = strchr(target, '?')) != NULL) {
		req->path = xstrndup(target, (size_t)(q - target));
		req->query = xstrdup(q + 1);
	} else {
		req->path = xstrdup(target);
		req->query = xstrdup("");
	}
	return 0;
}

static int
req_header_line(struct httpd_req *req, const char *line, size_t len, struct httpd_fail *f)
{
	const char *colon, *v, *end;

	if (line[0] == ' ' || line[0] == '\t')
		return req_fail(f, 400, "obsolete header line folding", NULL);
	colon = memchr(line, ':', len);
	if (colon == NULL || !httpd_token(line, (size_t)(colon - line)))
		return req_fail(f, 400, "malformed header field", NULL);
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (end = line + len; end > v && (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	for (const char *p = v; p < end; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch != '\t' && (ch < 0x20 || ch == 0x7f))
			return req_fail(f, 400, "invalid character in header value", NULL);
	}
	if (req->nhdrs % 16 == 0)
		req->hdrs = xreallocarray(req->hdrs, req->nhdrs + 16, sizeof(*req->hdrs));
	req->hdrs[req->nhdrs].name = xstrndup(line, (size_t)(colon - line));
	req->hdrs[req->nhdrs].value = xstrndup(v, (size_t)(end - v));
	req->nhdrs++;
	return 0;
}

static int
httpd_spare_allowed(const struct httpd *h, const struct httpd_req *req)
{
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		return 0;
	for (const char *const *p = h->lim.spare_paths; p != NULL && *p != NULL; p++)
		if (strcmp(req->path, *p) == 0)
			return 1;
	return 0;
}

/*
 * The head is complete: decide framing, reject what we will not serve.
 * *expect_continue: the client waits for a 100 Continue.
 */
static int
req_head_check(struct httpd_req *req, uint64_t max_body, int *expect_continue,
    struct httpd_fail *f)
{
	int nhost = 0, ncl = 0, nte = 0, nchunked = 0, te_other = 0;
	int conn_close = 0, conn_keep = 0, expect_other = 0;
	uint64_t cl = 0;

	for (size_t i = 0; i < req->nhdrs; i++) {
		const char *name = req->hdrs[i].name, *v = req->hdrs[i].value, *s;
		size_t n;

		if (strcasecmp(name, "Host") == 0)
			nhost++;
		else if (strcasecmp(name, "Content-Length") == 0) {
			uint64_t val = 0;

			if (*v == '\0' || strspn(v, "0123456789") != strlen(v))
				return req_fail(f, 400, "invalid Content-Length", NULL);
			/* saturate: any overflowing length is over max_body anyway */
			for (; *v != '\0'; v++)
				val = val > (UINT64_MAX - 9) / 10 ? UINT64_MAX : val * 10 +
				    (uint64_t)(*v - '0');
			if (ncl++ > 0 && val != cl)
				return req_fail(f, 400, "conflicting Content-Length", NULL);
			cl = val;
		} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
			nte++;
			for (; (s = httpd_list_next(v, &n)) != NULL; v = s + n) {
				if (httpd_list_is(s, n, "chunked"))
					nchunked++;
				else
					te_other = 1;
			}
		} else if (strcasecmp(name, "Connection") == 0) {
			for (; (s = httpd_list_next(v, &n)) != NULL; v = s + n) {
				if (httpd_list_is(s, n, "close"))
					conn_close = 1;
				else if (httpd_list_is(s, n, "keep-alive"))
					conn_keep = 1;
			}
		} else if (strcasecmp(name, "Expect") == 0) {
			if (strcasecmp(v, "100-continue") == 0)
				*expect_continue = 1;
			else
				expect_other = 1;
		}
	}
	if ((req->minor == 1 && nhost == 0) || nhost > 1) {
		return req_fail(f, 400, nhost ? "more than one Host header" : "missing Host header",
		    NULL);
	}
	if (nte > 0 && ncl > 0)
		return req_fail(f, 400, "both Content-Length and Transfer-Encoding", NULL);
	if (nte > 0) {
		/* RFC 9112 6.1: HTTP/1.0 framing with Transfer-Encoding is faulty */
		if (req->minor == 0)
			return req_fail(f, 400, "Transfer-Encoding in an HTTP/1.0 request", NULL);
		if (te_other)
			return req_fail(f, 501, "only chunked Transfer-Encoding is supported", NULL);
		if (nchunked != 1)
			return req_fail(f, 400, "invalid Transfer-Encoding", NULL);
		req->chunked = 1;
	}
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0 &&
	    strcmp(req->method, "POST") != 0)
		return req_fail(f, 405, "method not allowed", "Allow: GET, HEAD, POST\r\n");
	/* RFC 9110 10.1.1: an HTTP/1.0 client's expectations are ignored */
	if (req->minor == 0)
		*expect_continue = expect_other = 0;
	if (expect_other)
		return req_fail(f, 417, "only 100-continue can be expected", NULL);
	if (cl > max_body)
		return req_fail(f, 413, "request body too large", NULL);
	req->keepalive = req->minor == 1 ? !conn_close : conn_keep && !conn_close;
	req->length = cl;
	return 0;
}

/*
 * One line of a request head, without its line end: 1 when it was the
 * blank line that ends a valid head, 0 when more lines are needed, -1
 * when the request is refused (f says how). *nlines counts header lines.
 */
static int
req_head_line(struct httpd_req *req, char *line, size_t len, int *nlines, uint64_t max_body,
    int *expect_continue, struct httpd_fail *f)
{
	if (!httpd_line_clean(line, len))
		return req_fail(f, 400, "invalid character in request head", NULL);
	if (req->method == NULL) {
		/* RFC 9112 2.2: empty lines before the request line are ignored */
		if (len == 0)
			return 0;
		return req_request_line(req, line, len, f);
	}
	if (len == 0)
		return req_head_check(req, max_body, expect_continue, f) < 0 ? -1 : 1;
	if (++*nlines > HTTPD_MAX_HEADER_LINES)
		return req_fail(f, 431, "too many header fields", NULL);
	return req_header_line(req, line, len, f);
}

/* The head is in: set up for the body. */
static void
conn_head_done(struct conn *c, int expect_continue)
{
	struct httpd_req *req = c->req;

	c->remaining = req->length;
	c->ck = CK_SIZE;
	c->trailer_bytes = 0;
	if (expect_continue && (req->chunked || req->length > 0) &&
	    evbuffer_get_length(bufferevent_get_input(c->bev)) == 0)
		bufferevent_write(c->bev, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	c->phase = PH_BODY;
	conn_arm(c, c->h->lim.body_timeout_ms);
}

/* 1: head complete, 0: more input needed, -1: failed and answered. */
static int
conn_read_head(struct conn *c, struct evbuffer *in)
{
	size_t max = c->h->lim.max_headers;
	struct httpd_fail f;
	int expect = 0, rc;
	long n;

	for (;;) {
		n = conn_getline(c, in, max - c->head_bytes);
		if (n == 0)
			return 0;
		if (n < 0) {
			conn_fail(c, 431, "request header too large", NULL);
			return -1;
		}
		c->head_bytes += (size_t)n;
		rc = req_head_line(c->req, c->line.data, c->line.len, &c->nlines, c->h->lim.max_body,
		    &expect, &f);
		if (rc < 0) {
			conn_fail(c, f.status, f.message, f.headers);
			return -1;
		}
		if (rc > 0)
			break;
	}
	if (c->spare) {
		if (!httpd_spare_allowed(c->h, c->req)) {
			conn_fail(c, 503, "too many connections; retry later", "Retry-After: 1\r\n");
			return -1;
		}
		/* a spare connection is for one request: kept open, it would hold the slot */
		c->req->keepalive = 0;
	}
	conn_head_done(c, expect);
	return 1;
}

static int
httpd_hex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * chunk-size [ chunk-ext ]: hex digits only (no "0x", sign or spaces in the
 * number: lenient parsers are how chunked smuggling works), then optional
 * extensions, which are ignored. -1 when malformed; sizes saturate.
 */
static int
httpd_chunk_size(const char *s, uint64_t *size)
{
	uint64_t v = 0;
	const char *p = s;
	int d;

	for (; (d = httpd_hex((unsigned char)*p)) >= 0; p++)
		v = v > (UINT64_MAX >> 4) ? UINT64_MAX : (v << 4) | (uint64_t)d;
	if (p == s)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0' && *p != ';')
		return -1;
	for (; *p != '\0'; p++)
		if (*p != '\t' && ((unsigned char)*p < 0x20 || *p == 0x7f))
			return -1;
	*size = v;
	return 0;
}

static int
conn_read_chunked(struct conn *c, struct evbuffer *in)
{
	struct httpd_req *req = c->req;
	size_t max = c->h->lim.max_body, avail, n;
	uint64_t size;
	long got;

	for (;;) {
		switch (c->ck) {
		case CK_SIZE:
			if ((got = conn_getline(c, in, HTTPD_CHUNK_LINE_MAX)) == 0)
				return 0;
			if (got < 0 || !httpd_line_clean(c->line.data, c->line.len) ||
			    httpd_chunk_size(c->line.data, &size) == -1) {
				conn_fail(c, 400, "malformed chunk size", NULL);
				return -1;
			}
			if (size > max - req->body.len) {
				conn_fail(c, 413, "request body too large", NULL);
				return -1;
			}
			c->remaining = size;
			c->ck = size == 0 ? CK_TRAILER : CK_DATA;
			break;
		case CK_DATA:
			avail = evbuffer_get_length(in);
			n = avail < c->remaining ? avail : (size_t)c->remaining;
			if (n == 0)
				return 0;
			req_body_take(req, in, n);
			c->remaining -= n;
			if (c->remaining == 0)
				c->ck = CK_DATA_END;
			break;
		case CK_DATA_END:
			if ((got = conn_getline(c, in, 2)) == 0)
				return 0;
			if (got < 0 || c->line.len != 0) {
				conn_fail(c, 400, "chunk data not followed by CRLF", NULL);
				return -1;
			}
			c->ck = CK_SIZE;
			break;
		case CK_TRAILER:
			got = conn_getline(c, in, c->h->lim.max_headers - c->trailer_bytes);
			if (got == 0)
				return 0;
			if (got < 0) {
				conn_fail(c, 431, "chunked trailer too large", NULL);
				return -1;
			}
			c->trailer_bytes += (size_t)got;
			if (c->line.len == 0)
				return 1;
			/* trailer fields are dropped, but must still be well-formed */
			if (!httpd_line_clean(c->line.data, c->line.len) || c->line.data[0] == ' ' ||
			    c->line.data[0] == '\t' || strchr(c->line.data, ':') == NULL) {
				conn_fail(c, 400, "malformed chunked trailer", NULL);
				return -1;
			}
			break;
		}
	}
}

/*
 * The rest of a Content-Length body straight from the socket into the
 * body buffer. libevent 2.1 reads at most 4 KiB per callback: a batch of a
 * thousand mentions (about 240 KB) took some sixty loop passes, each with
 * an ioctl and a readv, and a copy out of the evbuffer. An end of file or
 * an error is left where it is, for the bufferevent's next read to report.
 */
static void
conn_read_direct(struct conn *c)
{
	struct buf *b = &c->req->body;
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	while (c->remaining > 0) {
		size_t room;
		ssize_t n;

		if (b->cap - b->len <= 1)
			buf_reserve(b, c->remaining < HTTPD_BODY_STEP ? (size_t)c->remaining :
			    HTTPD_BODY_STEP);
		room = b->cap - b->len - 1;
		if (room > c->remaining)
			room = (size_t)c->remaining;
		n = recv(fd, b->data + b->len, room, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		b->len += (size_t)n;
		b->data[b->len] = '\0';
		c->remaining -= (uint64_t)n;
	}
}

static int
conn_read_body(struct conn *c, struct evbuffer *in)
{
	size_t avail, n;

	if (c->req->chunked)
		return conn_read_chunked(c, in);
	avail = evbuffer_get_length(in);
	n = avail < c->remaining ? avail : (size_t)c->remaining;
	if (n > 0 && c->req->body.cap == 0)
		/* one allocation for the usual body, instead of a doubling per read */
		buf_reserve(&c->req->body, c->remaining < HTTPD_BODY_STEP ?
		    (size_t)c->remaining : HTTPD_BODY_STEP);
	if (n > 0) {
		req_body_take(c->req, in, n);
		c->remaining -= n;
	}
	if (c->remaining > 0 && evbuffer_get_length(in) == 0)
		conn_read_direct(c);
	return c->remaining == 0 ? 1 : 0;
}

/* --- connections: the state machine ---------------------------------------- */

static void
conn_dispatch(struct conn *c)
{
	struct httpd *h = c->h;

	c->phase = PH_HANDLER;
	evtimer_del(c->timer);
	bufferevent_disable(c->bev, EV_READ);
	c->in_handler = 1;
	h->fn(h->arg, c->req);
	c->in_handler = 0;
	if (c->phase == PH_HANDLER)
		event_add(c->watch, NULL);
}

static void
conn_start_request(struct conn *c)
{
	c->req = req_new(c);
	c->phase = PH_HEAD;
	c->head_bytes = 0;
	c->nlines = 0;
	c->scan = 0;
	/* a new connection's head deadline has run since accept */
	if (c->nreq > 0)
		conn_arm_short(c, c->h->lim.header_timeout_ms);
}

static void
conn_process(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	for (;;) {
		switch (c->phase) {
		case PH_IDLE:
			if (evbuffer_get_length(in) == 0)
				return;
			if (evbuffer_get_length(bufferevent_get_output(c->bev)) > HTTPD_OUTPUT_HIGH) {
				c->out_paused = 1;
				bufferevent_disable(c->bev, EV_READ);
				return;
			}
			conn_start_request(c);
			break;
		case PH_HEAD:
			if (conn_read_head(c, in) <= 0)
				return;
			break;
		case PH_BODY:
			if (conn_read_body(c, in) <= 0)
				return;
			conn_dispatch(c);
			break;
		default:
			return;
		}
	}
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->phase == PH_LINGER) {
		struct evbuffer *in = bufferevent_get_input(bev);

		c->lingered += evbuffer_get_length(in);
		evbuffer_drain(in, evbuffer_get_length(in));
		if (c->lingered > HTTPD_LINGER_BYTES)
			conn_kill(c);
		return;
	}
	conn_process(c);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->phase == PH_CLOSING)
		conn_linger(c);
	else if (c->out_paused) {
		c->out_paused = 0;
		bufferevent_enable(c->bev, EV_READ);
		conn_process(c);
	}
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	/* a half-close ends the requests too: only complete ones were served */
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) && c->phase != PH_LINGER &&
	    c->phase != PH_HANDLER && evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
		conn_cancel_req(c);
		conn_close_after_write(c);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_kill(c);
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	switch (c->phase) {
	case PH_HEAD:
	case PH_BODY:
		conn_fail(c, 408, "request not received in time", NULL);
		break;
	case PH_IDLE:
		/*
		 * Nothing of a request has arrived: close without a 408, which
		 * browsers that opened a spare connection would only misread.
		 */
	case PH_CLOSING:
	case PH_LINGER:
		conn_kill(c);
		break;
	case PH_HANDLER:
	case PH_DEAD:
		break;
	}
}

/*
 * Reading is off while the handler has the request, so the bufferevent
 * cannot see a hang-up; a peek can. If the next request is already there
 * the watch ends: a hang-up then shows when the reply is written.
 */
static void
conn_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	ssize_t n;
	char ch;

	(void)what;
	if (c->phase != PH_HANDLER)
		return;
	n = recv(fd, &ch, 1, MSG_PEEK);
	if (n > 0)
		return;
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		event_add(c->watch, NULL);
		return;
	}
	log_debug("http: %s: client went away while its request was handled", c->peer);
	conn_kill(c);
}

/* --- the server ------------------------------------------------------------- */

static void
httpd_work_cb(evutil_socket_t fd, short what, void *arg)
{
	struct httpd *h = arg;
	struct conn *c;

	(void)fd;
	(void)what;
	while ((c = h->work) != NULL) {
		h->work = c->qnext;
		c->queued = 0;
		if (c->phase == PH_DEAD)
			conn_free(c);
		else if (c->resume) {
			c->resume = 0;
			conn_process(c);
		}
	}
}

static void
httpd_peer_name(const struct sockaddr *sa, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		snprintf(out, len, "%s:%u", ip, (unsigned)ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		snprintf(out, len, "[%s]:%u", ip, (unsigned)ntohs(sin6->sin6_port));
	} else if (sa->sa_family == AF_UNIX)
		snprintf(out, len, "unix");
	else
		snprintf(out, len, "unknown");
}

static void
httpd_accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct httpd *h = arg;
	struct client_slot *cs;
	struct bufferevent *bev;
	struct conn *c;
	char peer[INET6_ADDRSTRLEN + 8];
	int one = 1;

	(void)lev;
	(void)salen;
	h->backoff_logged = 0;
	httpd_peer_name(sa, peer, sizeof(peer));
	if (httpd_client_admit(h, sa, &cs) == -1) {
		httpd_refuse(h, fd, peer);
		return;
	}
	bev = bufferevent_socket_new(h->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		log_warnx("http: cannot set up a connection");
		httpd_client_release(h, cs);
		evutil_closesocket(fd);
		return;
	}
	/* replies are written whole; Nagle would only delay the last segment */
	if (!h->is_unix)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = xcalloc(1, sizeof(*c));
	c->h = h;
	c->bev = bev;
	c->phase = PH_IDLE;
	c->client = cs;
	c->spare = h->lim.spare_paths != NULL && h->nconns >= h->lim.max_connections;
	buf_init(&c->line);
	memcpy(c->peer, peer, sizeof(peer));
	c->timer = evtimer_new(h->base, conn_timer_cb, c);
	c->watch = event_new(h->base, fd, EV_READ, conn_watch_cb, c);
	if (c->timer == NULL || c->watch == NULL)
		fatalx("http: cannot allocate events");
	c->next = h->conns;
	if (h->conns != NULL)
		h->conns->prev = c;
	h->conns = c;
	h->nconns++;
	httpd_busy_update(h);
	httpd_gauge(h);
	if (h->nconns >= h->lim.max_connections)
		metrics_bound_hit("http_connections", h->lim.spare_paths != NULL ?
		    "HTTP connections at max_connections; the spare ones serve only health and "
		    "metrics, then accepting pauses" :
		    "HTTP connections at max_connections; accepting paused");
	httpd_listener_update(h);

	bufferevent_setcb(bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_setwatermark(bev, EV_READ, 0,
	    h->lim.max_headers + h->lim.max_body + HTTPD_INPUT_SLACK);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	conn_arm_short(c, h->lim.header_timeout_ms);
}

/*
 * accept() failed with something that will not go away at once (EMFILE,
 * ENFILE, ENOBUFS): the listening socket stays readable, so without a pause
 * this callback would run in a hot loop.
 */
static void
httpd_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct httpd *h = arg;
	struct timeval tv;

	(void)lev;
	if (!h->backoff_logged) {
		errno = EVUTIL_SOCKET_ERROR();
		log_warn("http: accept failed, pausing for %d ms", HTTPD_BACKOFF_MS);
		h->backoff_logged = 1;
	}
	h->backoff = 1;
	httpd_listener_update(h);
	util_ms_to_tv(HTTPD_BACKOFF_MS, &tv);
	evtimer_add(h->backoff_ev, &tv);
}

static void
httpd_backoff_cb(evutil_socket_t fd, short what, void *arg)
{
	struct httpd *h = arg;

	(void)fd;
	(void)what;
	h->backoff = 0;
	httpd_listener_update(h);
}

static void
httpd_limits_fill(struct httpd_limits *dst, const struct httpd_limits *src)
{
	static const struct httpd_limits def = {
		.max_body = 8 << 20,
		.max_headers = 16 << 10,
		.max_connections = 256,
		.header_timeout_ms = 10000,
		.body_timeout_ms = 30000,
		.idle_timeout_ms = 60000,
		.max_per_client = 32,
		.busy_timeout_ms = 2000,
	};

	*dst = src != NULL ? *src : def;
	if (dst->max_body == 0)
		dst->max_body = def.max_body;
	if (dst->max_headers == 0)
		dst->max_headers = def.max_headers;
	if (dst->max_connections <= 0)
		dst->max_connections = def.max_connections;
	if (dst->header_timeout_ms <= 0)
		dst->header_timeout_ms = def.header_timeout_ms;
	if (dst->body_timeout_ms <= 0)
		dst->body_timeout_ms = def.body_timeout_ms;
	if (dst->idle_timeout_ms <= 0)
		dst->idle_timeout_ms = def.idle_timeout_ms;
	if (dst->max_per_client <= 0)
		dst->max_per_client = def.max_per_client;
	if (dst->busy_timeout_ms <= 0)
		dst->busy_timeout_ms = def.busy_timeout_ms;
}

/* Numeric addresses only: a name lookup here would block the loop. */
static int
httpd_parse_listen(const char *s, struct sockaddr_storage *ss, int *sslen, char *err,
    size_t errlen)
{
	char host[INET6_ADDRSTRLEN];
	const char *port, *end;
	size_t hlen;
	unsigned long p;
	char *pend;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':') {
			snprintf(err, errlen, "%s: expected [address]:port", s);
			return -1;
		}
		hlen = (size_t)(end - s - 1);
		memcpy(host, s + 1, hlen < sizeof(host) ? hlen : 0);
		port = end + 2;
	} else {
		if ((end = strrchr(s, ':')) == NULL || memchr(s, ':', (size_t)(end - s)) != NULL) {
			snprintf(err, errlen, "%s: expected address:port (IPv6 as [address]:port)",
			    s);
			return -1;
		}
		hlen = (size_t)(end - s);
		memcpy(host, s, hlen < sizeof(host) ? hlen : 0);
		port = end + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		snprintf(err, errlen, "%s: missing or invalid address", s);
		return -1;
	}
	host[hlen] = '\0';
	errno = 0;
	p = strtoul(port, &pend, 10);
	if (*port < '0' || *port > '9' || *pend != '\0' || p > 65535 || errno != 0) {
		snprintf(err, errlen, "%s: invalid port", s);
		return -1;
	}
	if (s[0] == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			snprintf(err, errlen, "%s: not a numeric IPv6 address", s);
			return -1;
		}
		*sslen = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			snprintf(err, errlen, "%s: not a numeric IPv4 address", s);
			return -1;
		}
		*sslen = sizeof(*sin);
	}
	return 0;
}

static struct httpd *
httpd_alloc(struct event_base *base, const struct httpd_limits *lim, httpd_handler_fn fn,
    void *arg)
{
	struct httpd *h = xcalloc(1, sizeof(*h));

	h->base = base;
	h->fn = fn;
	h->arg = arg;
	httpd_limits_fill(&h->lim, lim);
	return h;
}

/* The rest of the set-up, once h->lev listens. */
static void
httpd_ready(struct httpd *h)
{
	h->lev_on = 1;
	evconnlistener_set_error_cb(h->lev, httpd_accept_error_cb);
	h->work_ev = event_new(h->base, -1, 0, httpd_work_cb, h);
	h->backoff_ev = evtimer_new(h->base, httpd_backoff_cb, h);
	if (h->work_ev == NULL || h->backoff_ev == NULL)
		fatalx("http: cannot allocate events");
	httpd_gauge(h);
}

struct httpd *
httpd_new(struct event_base *base, const char *addr, const struct httpd_limits *lim,
    httpd_handler_fn fn, void *arg, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct httpd *h;
	int sslen;

	if (httpd_parse_listen(addr, &ss, &sslen, err, errlen) == -1)
		return NULL;
	h = httpd_alloc(base, lim, fn, arg);
	h->lev = evconnlistener_new_bind(base, httpd_accept_cb, h,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE, HTTPD_BACKLOG,
	    (struct sockaddr *)&ss, sslen);
	if (h->lev == NULL) {
		snprintf(err, errlen, "listen on %s: %s", addr, strerror(errno));
		free(h);
		return NULL;
	}
	if (getsockname(evconnlistener_get_fd(h->lev), (struct sockaddr *)&ss, &len) == 0)
		h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	httpd_ready(h);
	return h;
}

/*
 * A socket file left behind by a daemon that died would make bind() fail:
 * it is removed, but only when it is a socket nobody accepts on. Anything
 * else at the path is left alone and refused.
 */
static int
httpd_unix_clear(const char *path, const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "%s: another process is listening on it", path);
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove the stale socket %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

struct httpd *
httpd_new_unix(struct event_base *base, const char *path, unsigned mode,
    const struct httpd_limits *lim, httpd_handler_fn fn, void *arg, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct httpd *h;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (*path == '\0' || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: a Unix socket path must have 1 to %zu bytes", path,
		    sizeof(sun.sun_path) - 1);
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if (httpd_unix_clear(path, &sun, err, errlen) == -1)
		return NULL;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return NULL;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	/* bind() applied the umask; the mode is what the operator asked for */
	if (chmod(path, (mode_t)mode) == -1) {
		snprintf(err, errlen, "chmod %s: %s", path, strerror(errno));
		unlink(path);
		close(fd);
		return NULL;
	}
	h = httpd_alloc(base, lim, fn, arg);
	h->lev = evconnlistener_new(base, httpd_accept_cb, h,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, HTTPD_BACKLOG, fd);
	if (h->lev == NULL) {
		snprintf(err, errlen, "listen on %s: %s", path, strerror(errno));
		unlink(path);
		close(fd);
		free(h);
		return NULL;
	}
	h->is_unix = 1;
	h->unix_path = xstrdup(path);
	httpd_ready(h);
	return h;
}

/* Clients then get "no such file" instead of a socket that never answers. */
static void
httpd_unix_remove(struct httpd *h)
{
	if (h->unix_path == NULL)
		return;
	if (unlink(h->unix_path) == -1 && errno != ENOENT)
		log_warn("http: cannot remove %s", h->unix_path);
	free(h->unix_path);
	h->unix_path = NULL;
}

void
httpd_stop_accepting(struct httpd *h)
{
	struct conn *c, *next;

	h->stopping = 1;
	if (h->lev != NULL) {
		/* freed, not disabled: the kernel then refuses instead of queueing */
		evconnlistener_free(h->lev);
		h->lev = NULL;
	}
	httpd_unix_remove(h);
	evtimer_del(h->backoff_ev);
	for (c = h->conns; c != NULL; c = next) {
		next = c->next;
		if (c->phase != PH_IDLE)
			continue;
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
			conn_close_after_write(c);
		else
			conn_kill(c);
	}
}

void
httpd_free(struct httpd *h)
{
	if (h == NULL)
		return;
	if (h->lev != NULL)
		evconnlistener_free(h->lev);
	h->lev = NULL;
	httpd_unix_remove(h);
	while (h->conns != NULL)
		conn_free(h->conns);
	event_free(h->work_ev);
	event_free(h->backoff_ev);
	free(h);
}

void
httpd_set_limits(struct httpd *h, const struct httpd_limits *lim)
{
	httpd_limits_fill(&h->lim, lim);
	httpd_busy_update(h);
	for (struct conn *c = h->conns; c != NULL; c = c->next)
		bufferevent_setwatermark(c->bev, EV_READ, 0,
		    h->lim.max_headers + h->lim.max_body + HTTPD_INPUT_SLACK);
	httpd_listener_update(h);
}

int
httpd_connections(const struct httpd *h)
{
	return h->nconns;
}

int
httpd_port(const struct httpd *h)
{
	return h->port;
}

/* --- requests: the handler's view ------------------------------------------- */

const char *
httpd_method(const struct httpd_req *req)
{
	return req->method;
}

const char *
httpd_path(const struct httpd_req *req)
{
	return req->path;
}

const char *
httpd_query(const struct httpd_req *req)
{
	return req->query;
}

const char *
httpd_header(const struct httpd_req *req, const char *name)
{
	for (size_t i = 0; i < req->nhdrs; i++)
		if (strcasecmp(req->hdrs[i].name, name) == 0)
			return req->hdrs[i].value;
	return NULL;
}

const char *
httpd_body(const struct httpd_req *req)
{
	return req->body.data != NULL ? req->body.data : "";
}

size_t
httpd_body_len(const struct httpd_req *req)
{
	return req->body.len;
}

const char *
httpd_peer(const struct httpd_req *req)
{
	return req->conn != NULL ? req->conn->peer : "";
}

/*
 * The request head at the start of buf, split into lines as conn_getline
 * does and read by the same functions as a connection's.
 */
int
httpd_parse_head(const char *buf, size_t len, const struct httpd_limits *lim,
    struct httpd_req **out, size_t *used, int *status, const char **msg)
{
	struct httpd_limits l;
	struct httpd_req *req = req_new(NULL);
	struct httpd_fail f = { 0, NULL, NULL };
	struct buf line;
	size_t at = 0;
	int nlines = 0, expect = 0, rc = 0;

	httpd_limits_fill(&l, lim);
	buf_init(&line);
	while (rc == 0) {
		const char *nl = memchr(buf + at, '\n', len - at);
		size_t n = nl != NULL ? (size_t)(nl - (buf + at)) + 1 : len - at + 1;

		if (n > l.max_headers - at) {
			rc = req_fail(&f, 431, "request header too large", NULL);
			break;
		}
		if (nl == NULL)
			break;
		buf_reset(&line);
		buf_add(&line, buf + at, n - 1);
		if (line.len > 0 && line.data[line.len - 1] == '\r')
			line.data[--line.len] = '\0';
		at += n;
		rc = req_head_line(req, line.data, line.len, &nlines, l.max_body, &expect, &f);
	}
	buf_free(&line);
	*out = NULL;
	*used = at;
	*status = f.status;
	*msg = f.message;
	if (rc > 0)
		*out = req;
	else
		req_free(req);
	return rc;
}

void
httpd_req_free(struct httpd_req *req)
{
	req_free(req);
}

void
httpd_req_on_cancel(struct httpd_req *req, void (*fn)(void *arg), void *arg)
{
	req->cancel_fn = fn;
	req->cancel_arg = arg;
}

void
httpd_reply(struct httpd_req *req, int status, const char *content_type, const char *headers,
    const char *body, size_t len)
{
	struct conn *c = req->conn;
	int keep = req->keepalive && !c->h->stopping;

	if (status < 200 || status > 599) {
		log_warnx("http: handler replied with status %d; sending 500", status);
		status = 500;
	}
	event_del(c->watch);
	conn_write_reply(c, status, content_type, headers, body, len, req->head, keep, req->path);
	c->req = NULL;
	req_free(req);
	c->nreq++;
	if (!keep) {
		conn_close_after_write(c);
		return;
	}
	c->phase = PH_IDLE;
	conn_arm_short(c, c->h->lim.idle_timeout_ms);
	bufferevent_enable(c->bev, EV_READ);
	/* inside the handler, conn_process() goes on by itself after it returns */
	if (!c->in_handler) {
		c->resume = 1;
		conn_queue(c);
	}
}

void
httpd_reply_error(struct httpd_req *req, int status, const char *message, const char *extra_json)
{
	struct buf b;

	buf_init(&b);
	httpd_error_body(&b, message, extra_json);
	httpd_reply(req, status, "application/json", NULL, b.data, b.len);
	buf_free(&b);
}

void
httpd_req_set_headers(struct httpd_req *req, const char *headers)
{
	free(req->extra_headers);
	req->extra_headers = headers ? xstrdup(headers) : NULL;
}

void
httpd_req_on_reply(struct httpd_req *req, void (*fn)(void *arg, int status), void *arg)
{
	req->reply_fn = fn;
	req->reply_arg = arg;
}

/* --- streams ---------------------------------------------------------------- */

/*
 * A stream stays in the handler phase: no timer runs there, and the watch
 * sees the client hang up (the cancel callback then tells the owner).
 */
void
httpd_stream_begin(struct httpd_req *req, int status, const char *content_type,
    const char *headers)
{
	struct conn *c = req->conn;

	conn_write_reply(c, status, content_type, headers, NULL, HTTPD_NO_LENGTH, 0, 0,
	    req->path);
	req->streaming = 1;
	req->keepalive = 0;
}

int
httpd_stream_write(struct httpd_req *req, const char *data, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(req->conn->bev);

	if (evbuffer_get_length(out) + len > HTTPD_STREAM_MAX_OUTPUT)
		return -1;
	return evbuffer_add(out, data, len) == 0 ? 0 : -1;
}

void
httpd_stream_end(struct httpd_req *req)
{
	struct conn *c = req->conn;

	event_del(c->watch);
	c->req = NULL;
	req_free(req);
	c->nreq++;
	conn_close_after_write(c);
}
