/*
 * ws.c: the WebSocket client of ws.h. Two threads share struct ws: the
 * loop thread (ws_* calls, handlers) and the service thread (lws_service
 * and the lws callback). What both touch is under mu; the rest belongs to
 * one of them, as marked. The loop asks the service thread for something
 * (connect, close, read again, leave) by setting a field under mu and
 * calling lws_cancel_service, the one libwebsockets call made from
 * another thread; the service thread answers in
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED. The service thread wakes the loop by
 * a byte on a pipe when the queue goes from empty to not empty.
 *
 * Every ws of the process shares one lws context and one service thread
 * (svc), made for the first and ended with the last: two contexts in one
 * process leak the client TLS context of one of them (its CA store) in
 * libwebsockets 4.1.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "net/ws.h"

#define WS_BATCH    512   /* messages handed over in one loop callback */
#define WS_RETRY_MS 200   /* a message refused for now is offered again after this */
#define WS_RX_CHUNK 65536 /* what libwebsockets hands over at once */

enum ws_item_kind { WI_MSG, WI_UP, WI_DOWN, WI_REFUSED, WI_GAP };

struct ws_item {
	struct ws_item *next;
	enum ws_item_kind kind;
	size_t len;  /* WI_MSG: the data's; WI_REFUSED: the message's */
	char data[]; /* WI_MSG: the message; WI_DOWN: why; WI_REFUSED: the kind */
};

struct ws;

/* The shared context and its thread. mu guards the list and the flags. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct lws_context *ctx;
	pthread_t th;
	int stop;
	unsigned refs;
	struct ws *list; /* the ws served, linked by next */
} svc = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0, 0, NULL};

struct ws {
	struct event_base *base;
	struct ws_handlers h;
	char *name;
	size_t max_msg, queue_max;
	struct ws *next;           /* in svc.list */
	int leaving, left, joined; /* svc.mu: ws_free asked; the service thread let go */
	int pipefd[2];
	struct event *wake, *retry;

	pthread_mutex_t mu; /* guards what follows, up to the loop's part */
	struct ws_item *head, **tail;
	size_t nmsg; /* messages not yet handed over: queued, or in the loop's batch */
	int signalled, paused, want_close, want_resume;
	char *want_url;
	unsigned long full_hits;

	/* the loop thread's */
	struct ws_item *batch, **btail;
	int held; /* a message was refused: the retry timer is armed */
	unsigned long full_seen;

	/* the service thread's */
	struct lws *wsi;
	int dialing, up;
	struct ws_url url;
	struct buf msg;
	size_t msg_total;
	const char *msg_bad; /* why the message being read is refused, or NULL */
};

int
ws_url_parse(struct ws_url *u, const char *url, char *err, size_t errlen)
{
	const char *rest, *end;
	char *host, *colon, *p;
	long port;

	memset(u, 0, sizeof(*u));
	if (strncmp(url, "wss://", 6) == 0)
		u->tls = 1;
	else if (strncmp(url, "ws://", 5) != 0) {
		snprintf(err, errlen, "'%s' must start with wss:// or ws://", url);
		return -1;
	}
	rest = url + (u->tls ? 6 : 5);
	end = rest + strcspn(rest, "/?#");
	host = u->buf = xstrndup(rest, (size_t)(end - rest));
	/* the path keeps its query; a bare "?q" gets its "/" */
	u->path = *end == '/' ? xstrdup(end) : *end == '?' ? xasprintf("/%s", end) : xstrdup("/");
	u->port = u->tls ? 443 : 80;
	if ((colon = strrchr(host, ':')) != NULL && !strchr(colon, ']')) {
		*colon = '\0';
		port = strtol(colon + 1, &p, 10);
		if (*p || port < 1 || port > 65535) {
			snprintf(err, errlen, "'%s' has a bad port", url);
			ws_url_free(u);
			return -1;
		}
		u->port = (int)port;
	}
	if (*host == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		host++;
	}
	if (*host == '\0' || strpbrk(host, "@ \t\r\n")) {
		snprintf(err, errlen, "'%s' has no host, or a bad one", url);
		ws_url_free(u);
		return -1;
	}
	u->host = host;
	return 0;
}

void
ws_url_free(struct ws_url *u)
{
	free(u->buf);
	free((char *)u->path);
	memset(u, 0, sizeof(*u));
}

/* ---- the service thread -------------------------------------------- */

static struct ws_item *
item_new(enum ws_item_kind kind, const char *data, size_t len)
{
	struct ws_item *it = xmalloc(sizeof(*it) + len + 1);

	it->next = NULL;
	it->kind = kind;
	it->len = len;
	if (len)
		memcpy(it->data, data, len);
	it->data[len] = '\0';
	return it;
}

/* Queues it for the loop; a message over the hard bound is dropped: -1. */
static int
push(struct ws *w, struct ws_item *it)
{
	int wake, pause = 0;

	pthread_mutex_lock(&w->mu);
	if (it->kind == WI_MSG) {
		if (w->nmsg >= 2 * w->queue_max) {
			pthread_mutex_unlock(&w->mu);
			free(it);
			return -1;
		}
		if (++w->nmsg >= w->queue_max && !w->paused) {
			w->paused = pause = 1;
			w->full_hits++;
		}
	}
	*w->tail = it;
	w->tail = &it->next;
	wake = !w->signalled;
	w->signalled = 1;
	pthread_mutex_unlock(&w->mu);
	if (pause && w->wsi)
		lws_rx_flow_control(w->wsi, 0);
	if (wake && write(w->pipefd[1], "w", 1) < 0 && errno != EAGAIN)
		abort(); /* the loop's end of the pipe is gone: nothing can work */
	return 0;
}

static void
down(struct ws *w, const char *why)
{
	if (!w->up && !w->dialing)
		return;
	w->up = w->dialing = 0;
	w->wsi = NULL;
	buf_reset(&w->msg);
	w->msg_total = 0;
	w->msg_bad = NULL;
	push(w, item_new(WI_DOWN, why, strlen(why)));
}

static void
dial(struct ws *w, char *url)
{
	struct lws_client_connect_info ci;
	char err[200];

	ws_url_free(&w->url);
	if (ws_url_parse(&w->url, url, err, sizeof(err)) < 0) {
		free(url);
		w->dialing = 1;
		down(w, err);
		return;
	}
	free(url);
	memset(&ci, 0, sizeof(ci));
	ci.context = svc.ctx;
	ci.address = w->url.host;
	ci.port = w->url.port;
	ci.path = w->url.path;
	ci.host = w->url.host;
	ci.origin = w->url.host;
	/* wss: the certificate and its host name are checked (no LCCSCF_ALLOW_* flag) */
	ci.ssl_connection = w->url.tls ? LCCSCF_USE_SSL : 0;
	ci.protocol = NULL;
	ci.local_protocol_name = "keluh-ws";
	ci.opaque_user_data = w;
	ci.pwsi = &w->wsi;
	w->dialing = 1;
	if (lws_client_connect_via_info(&ci) == NULL)
		down(w, "cannot start the connection");
}

/* The loop asked for something. */
static void
on_cancelled(struct ws *w)
{
	char *url;
	int close, resume;

	pthread_mutex_lock(&w->mu);
	url = w->want_url;
	w->want_url = NULL;
	close = w->want_close;
	resume = w->want_resume;
	w->want_close = w->want_resume = 0;
	pthread_mutex_unlock(&w->mu);
	if (close && w->wsi)
		lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	if (resume && w->wsi)
		lws_rx_flow_control(w->wsi, 1);
	if (url && (w->up || w->dialing))
		free(url); /* connected meanwhile: the loop sees it in the queue */
	else if (url)
		dial(w, url);
}

/*
 * The loop asked something of one ws or more. A ws that leaves has its
 * connection closed now (its callbacks run before the kill returns) and
 * is let go: ws_free waits for that before it frees anything.
 */
static void
on_wake(void)
{
	struct ws **pp, *w;

	pthread_mutex_lock(&svc.mu);
	for (pp = &svc.list; (w = *pp) != NULL;) {
		if (!w->leaving) {
			on_cancelled(w);
			pp = &w->next;
			continue;
		}
		if (w->wsi) {
			lws_set_opaque_user_data(w->wsi, NULL);
			lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
			w->wsi = NULL;
		}
		*pp = w->next;
		w->left = 1;
	}
	pthread_cond_broadcast(&svc.cv);
	pthread_mutex_unlock(&svc.mu);
}

/* A piece of a message; the message goes to the queue at its last piece. 0, or -1: close. */
static int
on_receive(struct ws *w, struct lws *wsi, const char *in, size_t len)
{
	if (lws_frame_is_binary(wsi))
		w->msg_bad = "binary";
	else if (!w->msg_bad && w->msg.len + len > w->max_msg)
		w->msg_bad = "too_long";
	if (!w->msg_bad)
		buf_add(&w->msg, in, len);
	w->msg_total += len;
	if (!lws_is_final_fragment(wsi))
		return 0;
	if (w->msg_bad) {
		struct ws_item *it = item_new(WI_REFUSED, w->msg_bad, strlen(w->msg_bad));

		it->len = w->msg_total; /* the refused message's length, for the log */
		push(w, it);
	} else if (push(w, item_new(WI_MSG, w->msg.data ? w->msg.data : "", w->msg.len)) < 0) {
		push(w, item_new(WI_GAP, "", 0));
		buf_reset(&w->msg);
		return -1;
	}
	buf_reset(&w->msg);
	w->msg_total = 0;
	w->msg_bad = NULL;
	return 0;
}

static int
ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct ws *w = lws_get_opaque_user_data(wsi);
	char why[300];
	int status;

	(void)user;
	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
		on_wake();
		return 0;
	}
	if (w == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		w->dialing = 0;
		w->up = 1;
		push(w, item_new(WI_UP, "", 0));
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE: return on_receive(w, wsi, in, len);
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		status = (int)lws_http_client_http_response(wsi);
		if (status > 0 && status != 101)
			snprintf(why, sizeof(why),
			         "HTTP %d (the server refused the WebSocket "
			         "upgrade)",
			         status);
		else
			snprintf(why, sizeof(why), "%.*s", in ? (int)(len > 200 ? 200 : len) : 15,
			         in ? (const char *)in : "cannot connect");
		down(w, why);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED: down(w, "the connection was closed"); break;
	default: break;
	}
	return 0;
}

static int
stopping(void)
{
	int s;

	pthread_mutex_lock(&svc.mu);
	s = svc.stop;
	pthread_mutex_unlock(&svc.mu);
	return s;
}

static void *
service(void *arg)
{
	(void)arg;
	while (!stopping())
		if (lws_service(svc.ctx, 0) < 0)
			usleep(10000); /* not expected; never spin */
	return NULL;
}

/* ---- the loop thread ----------------------------------------------- */

static void deliver(struct ws *w);

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws *w = arg;

	(void)fd;
	(void)what;
	w->held = 0;
	deliver(w);
}

/* Hands over one item: 1 a message taken, 0 another item, -1 refused for now. */
static int
hand(struct ws *w, struct ws_item *it)
{
	switch (it->kind) {
	case WI_MSG: return w->h.message(w->h.arg, it->data, it->len) < 0 ? -1 : 1;
	case WI_UP: w->h.state(w->h.arg, 1, NULL); return 0;
	case WI_DOWN: w->h.state(w->h.arg, 0, it->data); return 0;
	case WI_REFUSED: w->h.refused(w->h.arg, it->data, it->len); return 0;
	case WI_GAP: w->h.gap(w->h.arg); return 0;
	}
	return 0;
}

static void
deliver(struct ws *w)
{
	size_t taken = 0, n = 0;
	struct ws_item *it;
	int resume = 0, rc = 0;

	while ((it = w->batch) != NULL && n < WS_BATCH) {
		if ((rc = hand(w, it)) < 0)
			break;
		taken += rc;
		n++;
		if ((w->batch = it->next) == NULL)
			w->btail = &w->batch;
		free(it);
	}
	if (n && w->h.batch_end)
		w->h.batch_end(w->h.arg);
	pthread_mutex_lock(&w->mu);
	w->nmsg -= taken;
	if (w->paused && w->nmsg <= w->queue_max / 2) {
		w->paused = 0;
		w->want_resume = resume = 1;
	}
	pthread_mutex_unlock(&w->mu);
	if (resume)
		lws_cancel_service(svc.ctx);
	if (rc < 0) {
		struct timeval tv = {0, WS_RETRY_MS * 1000};

		w->held = 1;
		evtimer_add(w->retry, &tv);
	} else if (w->batch) {
		struct timeval now = {0, 0};

		/* the rest after a look at the sockets: HTTP must not wait behind a burst */
		evtimer_add(w->retry, &now);
	}
}

static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws *w = arg;
	char drain[64];
	unsigned long full;

	(void)what;
	while (read(fd, drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&w->mu);
	if (w->head) {
		*w->btail = w->head;
		w->btail = w->tail;
		w->head = NULL;
		w->tail = &w->head;
	}
	w->signalled = 0;
	full = w->full_hits;
	pthread_mutex_unlock(&w->mu);
	if (full != w->full_seen) {
		w->full_seen = full;
		metrics_bound_hit("ws_queue", w->name);
		log_warnx("source %s: %zu messages wait for the loop (the bound): reading pauses "
		          "until half are taken",
		          w->name, w->queue_max);
	}
	if (!w->held)
		deliver(w);
}

static const struct lws_protocols svc_protocols[] = {
    {"keluh-ws", ws_callback, 0, WS_RX_CHUNK, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* The shared context and thread for one more ws (svc.mu held): 0, or -1 (err). */
static int
svc_join(char *err, size_t errlen)
{
	struct lws_context_creation_info ci;

	if (svc.refs++ > 0)
		return 0;
	/* libwebsockets' own log would go to stderr from its thread; ws reports what matters */
	lws_set_log_level(0, NULL);
	memset(&ci, 0, sizeof(ci));
	ci.port = CONTEXT_PORT_NO_LISTEN;
	ci.protocols = svc_protocols;
	ci.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	ci.gid = -1;
	ci.uid = -1;
	ci.fd_limit_per_thread = 256; /* the connections, their DNS look-ups, lws's own pipe */
	ci.timeout_secs = 20;
	ci.connect_timeout_secs = 20;
	svc.stop = 0;
	if ((svc.ctx = lws_create_context(&ci)) == NULL) {
		snprintf(err, errlen, "libwebsockets cannot start");
		svc.refs--;
		return -1;
	}
	if (pthread_create(&svc.th, NULL, service, NULL) != 0) {
		snprintf(err, errlen, "cannot start the WebSocket thread");
		lws_context_destroy(svc.ctx);
		svc.ctx = NULL;
		svc.refs--;
		return -1;
	}
	return 0;
}

/* One ws less: the last one stops the thread and ends the context. */
static void
svc_leave(void)
{
	pthread_mutex_lock(&svc.mu);
	if (--svc.refs > 0) {
		pthread_mutex_unlock(&svc.mu);
		return;
	}
	svc.stop = 1;
	pthread_mutex_unlock(&svc.mu);
	lws_cancel_service(svc.ctx);
	pthread_join(svc.th, NULL);
	lws_context_destroy(svc.ctx);
	svc.ctx = NULL;
}

struct ws *
ws_new(struct event_base *base, const struct ws_opts *o, const struct ws_handlers *h, char *err,
       size_t errlen)
{
	struct ws *w = xcalloc(1, sizeof(*w));

	w->base = base;
	w->h = *h;
	w->name = xstrdup(o->name);
	w->max_msg = o->max_msg;
	w->queue_max = o->queue_max < 2 ? 2 : o->queue_max;
	w->tail = &w->head;
	w->btail = &w->batch;
	buf_init(&w->msg);
	pthread_mutex_init(&w->mu, NULL);
	if (pipe(w->pipefd) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		w->pipefd[0] = w->pipefd[1] = -1;
		ws_free(w);
		return NULL;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(w->pipefd[i], F_SETFL, fcntl(w->pipefd[i], F_GETFL) | O_NONBLOCK);
		fcntl(w->pipefd[i], F_SETFD, FD_CLOEXEC);
	}
	w->wake = event_new(base, w->pipefd[0], EV_READ | EV_PERSIST, wake_cb, w);
	event_add(w->wake, NULL);
	w->retry = evtimer_new(base, retry_cb, w);
	pthread_mutex_lock(&svc.mu);
	if (svc_join(err, errlen) < 0) {
		pthread_mutex_unlock(&svc.mu);
		ws_free(w);
		return NULL;
	}
	w->joined = 1;
	w->next = svc.list;
	svc.list = w;
	pthread_mutex_unlock(&svc.mu);
	return w;
}

int
ws_connect(struct ws *w, const char *url, char *err, size_t errlen)
{
	struct ws_url u;

	if (ws_url_parse(&u, url, err, errlen) < 0)
		return -1;
	ws_url_free(&u);
	pthread_mutex_lock(&w->mu);
	free(w->want_url);
	w->want_url = xstrdup(url);
	pthread_mutex_unlock(&w->mu);
	lws_cancel_service(svc.ctx);
	return 0;
}

void
ws_close(struct ws *w)
{
	pthread_mutex_lock(&w->mu);
	w->want_close = 1;
	pthread_mutex_unlock(&w->mu);
	lws_cancel_service(svc.ctx);
}

size_t
ws_pending(struct ws *w)
{
	size_t n;

	pthread_mutex_lock(&w->mu);
	n = w->nmsg;
	pthread_mutex_unlock(&w->mu);
	return n;
}

static void
free_items(struct ws_item *it)
{
	while (it) {
		struct ws_item *next = it->next;

		free(it);
		it = next;
	}
}

void
ws_free(struct ws *w)
{
	if (w == NULL)
		return;
	if (w->joined) {
		/* the service thread closes the connection and lets go of w */
		pthread_mutex_lock(&svc.mu);
		w->leaving = 1;
		pthread_mutex_unlock(&svc.mu);
		lws_cancel_service(svc.ctx);
		pthread_mutex_lock(&svc.mu);
		while (!w->left)
			pthread_cond_wait(&svc.cv, &svc.mu);
		pthread_mutex_unlock(&svc.mu);
		svc_leave();
	}
	free_items(w->head);
	free_items(w->batch);
	free(w->want_url);
	ws_url_free(&w->url);
	buf_free(&w->msg);
	if (w->wake)
		event_free(w->wake);
	if (w->retry)
		event_free(w->retry);
	for (int i = 0; i < 2; i++)
		if (w->pipefd[i] >= 0)
			close(w->pipefd[i]);
	pthread_mutex_destroy(&w->mu);
	free(w->name);
	free(w);
}
