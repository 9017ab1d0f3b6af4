#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"
#include "net/curlev.h"

struct curlev_xfer;

struct curlev {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	int running;
	struct curlev_xfer *xfers;	/* every transfer added, for teardown */
};

/* Per socket: libcurl hands it back as socketp (keyed on it, not on the fd). */
struct curlev_sock {
	struct curlev *ce;
	curl_socket_t fd;
	struct event *ev;
};

/* Per transfer, kept in CURLOPT_PRIVATE. */
struct curlev_xfer {
	curlev_done_fn fn;
	void *arg;
	CURL *easy;
	char *origin;		/* the first URL's scheme://host:port (curlev_same_origin) */
	struct curlev_xfer *prev, *next;
};

static void
curlev_unlink(struct curlev *ce, struct curlev_xfer *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		ce->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
}

static void
curlev_drain(struct curlev *ce)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(ce->multi, &left)) != NULL) {
		CURL *easy;
		CURLcode rc;
		struct curlev_xfer *x = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		/* msg is invalid after remove_handle: copy first */
		easy = msg->easy_handle;
		rc = msg->data.result;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
		curl_multi_remove_handle(ce->multi, easy);
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		if (x) {
			curlev_done_fn fn = x->fn;
			void *arg = x->arg;

			curlev_unlink(ce, x);
			free(x->origin);
			free(x);
			fn(arg, easy, rc);
		}
	}
}

static void
curlev_action(struct curlev *ce, curl_socket_t fd, int flags)
{
	CURLMcode mc = curl_multi_socket_action(ce->multi, fd, flags, &ce->running);

	if (mc != CURLM_OK && mc != CURLM_BAD_SOCKET)
		log_warnx("curl: %s", curl_multi_strerror(mc));
	curlev_drain(ce);
}

static void
curlev_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct curlev_sock *s = arg;
	int flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curlev_action(s->ce, fd, flags);
}

static void
curlev_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	curlev_action(arg, CURL_SOCKET_TIMEOUT, 0);
}

static int
curlev_socket_cb(CURL *easy, curl_socket_t fd, int what, void *clientp, void *socketp)
{
	struct curlev *ce = clientp;
	struct curlev_sock *s = socketp;
	short kind;

	if (what == CURL_POLL_REMOVE) {
		if (s) {
			event_free(s->ev);
			free(s);
			curl_multi_assign(ce->multi, fd, NULL);
		}
		return 0;
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->ce = ce;
		s->fd = fd;
		s->ev = event_new(ce->base, fd, kind, curlev_event_cb, s);
		curl_multi_assign(ce->multi, fd, s);
	} else {
		/* event_assign on a pending event is not allowed */
		event_del(s->ev);
		event_assign(s->ev, ce->base, fd, kind, curlev_event_cb, s);
	}
	event_add(s->ev, NULL);
	return 0;
}

static int
curlev_timer_set(CURLM *multi, long timeout_ms, void *clientp)
{
	struct curlev *ce = clientp;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(ce->timer);
		return 0;
	}
	/* 0 means "now": never call back into libcurl from here */
	util_ms_to_tv(timeout_ms, &tv);
	evtimer_add(ce->timer, &tv);
	return 0;
}

struct curlev *
curlev_new(struct event_base *base)
{
	struct curlev *ce = xcalloc(1, sizeof(*ce));

	ce->base = base;
	ce->multi = curl_multi_init();
	if (ce->multi == NULL)
		fatalx("curl_multi_init failed");
	ce->timer = evtimer_new(base, curlev_timer_cb, ce);
	curl_multi_setopt(ce->multi, CURLMOPT_SOCKETFUNCTION, curlev_socket_cb);
	curl_multi_setopt(ce->multi, CURLMOPT_SOCKETDATA, ce);
	curl_multi_setopt(ce->multi, CURLMOPT_TIMERFUNCTION, curlev_timer_set);
	curl_multi_setopt(ce->multi, CURLMOPT_TIMERDATA, ce);
	curl_multi_setopt(ce->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 256L);
	curl_multi_setopt(ce->multi, CURLMOPT_MAXCONNECTS, 64L);
	return ce;
}

void
curlev_free(struct curlev *ce)
{
	int n = 0;

	if (ce == NULL)
		return;
	while (ce->xfers) {
		struct curlev_xfer *x = ce->xfers;

		curlev_unlink(ce, x);
		curl_multi_remove_handle(ce->multi, x->easy);
		curl_easy_cleanup(x->easy);
		free(x);
		n++;
	}
	if (n)
		log_info("aborted %d transfer(s) at exit", n);
	curl_multi_cleanup(ce->multi);
	event_free(ce->timer);
	free(ce);
}

int
curlev_add(struct curlev *ce, CURL *easy, curlev_done_fn fn, void *arg)
{
	struct curlev_xfer *x = xcalloc(1, sizeof(*x));

	x->fn = fn;
	x->arg = arg;
	x->easy = easy;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(easy, CURLOPT_PREREQDATA, x);
	if (curl_multi_add_handle(ce->multi, easy) != CURLM_OK) {
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		free(x);
		return -1;
	}
	x->next = ce->xfers;
	if (ce->xfers)
		ce->xfers->prev = x;
	ce->xfers = x;
	return 0;
}

void
curlev_cancel(struct curlev *ce, CURL *easy)
{
	struct curlev_xfer *x = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
	curl_multi_remove_handle(ce->multi, easy);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
	if (x) {
		curlev_unlink(ce, x);
		free(x->origin);
		free(x);
	}
}

int
curlev_running(const struct curlev *ce)
{
	return ce->running;
}

char *
curlev_origin(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *o = NULL;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		for (char *p = host; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		o = xasprintf("%s://%s:%s", scheme, host, port);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return o;
}

/* Before every request libcurl sends: the first sets the origin, redirects must keep it. */
static int
curlev_prereq(void *clientp, char *ip, char *local_ip, int port, int local_port)
{
	struct curlev_xfer *x = clientp;
	long redirects = 0;
	char *url = NULL, *o;
	int same;

	(void)ip, (void)local_ip, (void)port, (void)local_port;
	if (x == NULL)
		return CURL_PREREQFUNC_OK;
	curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_COUNT, &redirects);
	curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
	if (url == NULL)
		return CURL_PREREQFUNC_ABORT;
	o = curlev_origin(url);
	if (redirects == 0 && x->origin == NULL) {
		x->origin = o;
		return o ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
	}
	same = o && x->origin && strcmp(o, x->origin) == 0;
	free(o);
	return same ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}

void
curlev_same_origin(CURL *easy)
{
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, curlev_prereq);
}

const char *
curlev_refused_redirect(CURL *easy, CURLcode rc)
{
	long redirects = 0;
	char *url = NULL;

	if (rc != CURLE_ABORTED_BY_CALLBACK)
		return NULL;
	curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &redirects);
	curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
	return redirects > 0 ? url : NULL;
}
