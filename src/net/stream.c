#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/util.h>

#include "lib/log.h"
#include "lib/metrics.h"
#include "net/curlev.h"
#include "net/stream.h"

/* ------------------------------------------------------------------ */
/* the parser */

static const unsigned char bom_bytes[3] = { 0xef, 0xbb, 0xbf };

void
stream_parser_init(struct stream_parser *p, enum stream_mode mode, size_t max,
    stream_event_fn fn, stream_toolong_fn toolong, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->max = max;
	p->fn = fn;
	p->toolong = toolong;
	p->arg = arg;
	p->retry_ms = -1;
	p->last_id = xstrdup("");
	buf_init(&p->line);
	buf_init(&p->data);
	buf_init(&p->type);
}

void
stream_parser_reset(struct stream_parser *p)
{
	buf_reset(&p->line);
	buf_reset(&p->data);
	buf_reset(&p->type);
	p->skipped = 0;
	p->cr = 0;
	p->bom = 0;
	p->bad = 0;
	p->bad_len = 0;
}

void
stream_parser_set_last_id(struct stream_parser *p, const char *id)
{
	free(p->last_id);
	p->last_id = xstrdup(id ? id : "");
}

void
stream_parser_free(struct stream_parser *p)
{
	buf_free(&p->line);
	buf_free(&p->data);
	buf_free(&p->type);
	free(p->last_id);
	p->last_id = NULL;
}

static int
field_is(const char *f, size_t flen, const char *name)
{
	return flen == strlen(name) && memcmp(f, name, flen) == 0;
}

static void
sse_dispatch(struct stream_parser *p)
{
	struct stream_event ev;

	if (p->bad) {
		/* one count per event, however many of its lines were too long */
		if (p->toolong)
			p->toolong(p->arg, p->bad_len);
		goto out;
	}
	if (p->data.len == 0)
		goto out;
	p->data.data[--p->data.len] = '\0';	/* the LF after the last data line */
	ev.type = p->type.len ? p->type.data : "message";
	ev.data = p->data.data;
	ev.len = p->data.len;
	ev.id = p->last_id;
	p->fn(p->arg, &ev);
out:
	buf_reset(&p->data);
	buf_reset(&p->type);
	p->bad = 0;
	p->bad_len = 0;
}

static void
sse_line(struct stream_parser *p, const char *line, size_t len)
{
	const char *colon, *val;
	size_t flen, vlen;

	if (len == 0) {
		sse_dispatch(p);
		return;
	}
	if (line[0] == ':')
		return;		/* a comment: how servers keep the connection alive */
	if ((colon = memchr(line, ':', len)) != NULL) {
		flen = (size_t)(colon - line);
		val = colon + 1;
		vlen = len - flen - 1;
		if (vlen && *val == ' ')
			val++, vlen--;
	} else {
		flen = len;
		val = "";
		vlen = 0;
	}
	if (field_is(line, flen, "data")) {
		if (p->bad || p->data.len + vlen + 1 > p->max) {
			p->bad = 1;
			p->bad_len += vlen + 1;
			buf_reset(&p->data);
			return;
		}
		buf_add(&p->data, val, vlen);
		buf_addc(&p->data, '\n');
	} else if (field_is(line, flen, "event")) {
		buf_reset(&p->type);
		buf_add(&p->type, val, vlen);
	} else if (field_is(line, flen, "id")) {
		/* WHATWG: an id containing NUL is ignored (it could not be sent back) */
		if (memchr(val, '\0', vlen) == NULL) {
			free(p->last_id);
			p->last_id = xstrndup(val, vlen);
		}
	} else if (field_is(line, flen, "retry")) {
		long ms = 0;
		size_t i;

		for (i = 0; i < vlen && isdigit((unsigned char)val[i]); i++)
			if (ms < 86400000L)
				ms = ms * 10 + (val[i] - '0');
		if (vlen && i == vlen)
			p->retry_ms = ms > 86400000L ? 86400000L : ms;
	}
	/* any other field is ignored, as the spec says */
}

static void
parser_line(struct stream_parser *p, const char *line, size_t len)
{
	struct stream_event ev;

	if (p->skipped) {
		size_t total = p->skipped + len;

		p->skipped = 0;
		if (p->mode == STREAM_SSE) {
			/* the event this line belongs to is dropped when it ends */
			p->bad = 1;
			p->bad_len += total;
		} else if (p->toolong)
			p->toolong(p->arg, total);
		return;
	}
	if (p->mode == STREAM_SSE) {
		sse_line(p, line, len);
		return;
	}
	if (len == 0)
		return;		/* NDJSON keep-alive */
	ev.type = NULL;
	ev.data = line;
	ev.len = len;
	ev.id = "";
	p->fn(p->arg, &ev);
}

/* Appends a piece of the current line, or counts it once the line is too long. */
static void
parser_add(struct stream_parser *p, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (p->skipped || p->line.len + n > p->max) {
		p->skipped += p->line.len + n;
		buf_reset(&p->line);
		return;
	}
	buf_add(&p->line, s, n);
}

static void
parser_eol(struct stream_parser *p)
{
	parser_line(p, p->line.data ? p->line.data : "", p->line.len);
	buf_reset(&p->line);
}

void
stream_parser_feed(struct stream_parser *p, const char *s, size_t n)
{
	const char *end = s + n;

	/* one leading BOM is stripped, even when it arrives a byte at a time */
	while (p->bom >= 0 && s < end) {
		if ((unsigned char)*s == bom_bytes[p->bom]) {
			s++;
			if (++p->bom == 3)
				p->bom = -1;
			continue;
		}
		parser_add(p, (const char *)bom_bytes, (size_t)p->bom);
		p->bom = -1;
	}
	while (s < end) {
		const char *q = s;

		if (p->cr) {
			/* CR ended the last line; an LF right after it is the same end */
			p->cr = 0;
			if (*s == '\n') {
				s++;
				continue;
			}
		}
		while (q < end && *q != '\r' && *q != '\n')
			q++;
		parser_add(p, s, (size_t)(q - s));
		if (q == end)
			break;
		p->cr = *q == '\r';
		s = q + 1;
		parser_eol(p);
	}
}

/* ------------------------------------------------------------------ */
/* JSON pointers */

int
stream_jptr_check(const char *p, char *why, size_t whylen)
{
	if (*p == '\0')
		return 0;
	if (*p != '/') {
		snprintf(why, whylen, "a JSON pointer starts with '/' (like /account/acct)");
		return -1;
	}
	for (; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1') {
			snprintf(why, whylen, "'~' must be followed by 0 (for ~) or 1 (for /)");
			return -1;
		}
	return 0;
}

json_t *
stream_jptr_get(json_t *v, const char *p)
{
	char tok[512];

	if (*p == '\0')
		return v;
	while (v && *p == '/') {
		size_t n = 0;

		for (p++; *p && *p != '/'; p++) {
			char c = *p;

			if (c == '~') {
				c = p[1] == '1' ? '/' : '~';
				p++;
			}
			if (n + 1 >= sizeof(tok))
				return NULL;
			tok[n++] = c;
		}
		tok[n] = '\0';
		if (json_is_object(v))
			v = json_object_getn(v, tok, n);
		else if (json_is_array(v)) {
			char *e;
			unsigned long i;

			if (n == 0 || (n > 1 && tok[0] == '0') || !isdigit((unsigned char)tok[0]))
				return NULL;
			errno = 0;
			i = strtoul(tok, &e, 10);
			if (*e || errno)
				return NULL;
			v = json_array_get(v, i);
		} else
			return NULL;
	}
	return v;
}

/* ------------------------------------------------------------------ */
/* the stream */

#define STREAM_QUEUE_MAX (1024 * 1024)	/* bytes of events waiting before the transfer pauses */
#define STREAM_RETRY_EMIT_MS 200
#define STREAM_AUTH_BACKOFF_MS (10 * 60 * 1000)
#define STREAM_ERRBODY_MAX 300
#define STREAM_ERRKEEP_MAX 4096	/* of an error body, kept for the source (stream_error_body) */
#define STREAM_HEALTHY_MS 10000		/* a connection up this long resets the backoff */

/* X's published reconnect rules (x_backoff): steps for network errors, the 429 start and cap. */
#define X_NET_STEP_MS 250
#define X_NET_MAX_MS 16000
#define X_429_START_MS 60000
#define X_429_MAX_MS (32 * 60000)

/* Failure classes for STREAM_BACKOFF_X: each has its own sequence. */
enum xclass { XC_NONE, XC_DROP, XC_NET, XC_HTTP, XC_429 };

struct queued {
	char *type, *data, *id;
	size_t len;
	struct queued *next;
};

struct stream {
	struct event_base *base;
	struct curlev *ce;
	struct stream_opts o;
	struct stream_handlers h;
	char *name, *url, *req_url, *labels;
	char **headers;
	size_t nheaders;
	struct curl_slist *req_headers;	/* this request's, freed when it ends */

	CURL *easy;
	struct stream_parser parser;
	struct event *stall, *reconnect, *flush, *age;

	/* this response */
	long status;
	int paused, events_this_conn, aborted;
	char *ctype, *retry_after, *etag, *rl_reset;
	char *keep[STREAM_KEEP_MAX], *kept[STREAM_KEEP_MAX];	/* keep_headers, their values */
	size_t nkeep;
	struct buf body;		/* poll: the body; else: an error body for the log */
	int64_t connected_at;

	/* events parsed but not yet taken */
	struct queued *qhead, **qtail;
	size_t qbytes;

	unsigned fails;			/* requests in a row that failed */
	int64_t last_event;		/* monotonic ms */
	unsigned long errors;

	/* health: whether it is up, since when, and the last failure */
	int up, throttled;
	long fail_status;
	char *redirect;			/* the last request was redirected to another origin */
	int64_t up_changed;
	/* STREAM_BACKOFF_X: the class of the failures in a row, and how many */
	enum xclass xclass;
	unsigned xn;
};

void
stream_count_error(const char *source, const char *kind)
{
	char labels[256];

	snprintf(labels, sizeof(labels), "source=\"%s\",kind=\"%s\"", source, kind);
	metrics_add("keluh_source_errors_total", labels, 1);
}

static void
stream_error(struct stream *st, const char *kind)
{
	st->errors++;
	stream_count_error(st->name, kind);
}

unsigned long
stream_errors(const struct stream *st)
{
	return st->errors;
}

static void
stream_connected(struct stream *st, int up)
{
	metrics_set("keluh_source_connected", st->labels, up);
	if (up != st->up) {
		st->up = up;
		st->up_changed = util_mono_ms();
	}
	if (up)
		st->throttled = 0;
}

void
stream_health(const struct stream *st, struct stream_health *h)
{
	h->connected = st->up;
	h->throttled = st->throttled;
	h->status = st->fail_status;
	h->redirect = st->redirect;
	h->since_ms = st->up_changed;
	h->last_event_ms = st->last_event;
}

static void
stall_arm(struct stream *st)
{
	struct timeval tv;

	if (st->o.stall_ms <= 0)
		return;
	util_ms_to_tv(st->o.stall_ms, &tv);
	evtimer_add(st->stall, &tv);
}

static void
queue_event(void *arg, const struct stream_event *ev)
{
	struct stream *st = arg;
	struct queued *q = xcalloc(1, sizeof(*q));

	q->type = ev->type ? xstrdup(ev->type) : NULL;
	q->data = xstrndup(ev->data, ev->len);
	q->len = ev->len;
	q->id = xstrdup(ev->id ? ev->id : "");
	*st->qtail = q;
	st->qtail = &q->next;
	st->qbytes += ev->len + 64;
	st->events_this_conn++;
}

static void
event_toolong(void *arg, size_t len)
{
	struct stream *st = arg;

	stream_error(st, "too_long");
	log_warnx("source %s: an event of %zu bytes is over the %zu byte limit (max_event); "
	    "skipped", st->name, len, st->o.max_event);
}

static void
queue_pop(struct stream *st)
{
	struct queued *q = st->qhead;

	st->qhead = q->next;
	if (st->qhead == NULL)
		st->qtail = &st->qhead;
	st->qbytes -= q->len + 64;
	free(q->type);
	free(q->data);
	free(q->id);
	free(q);
}

/* From the loop: hands queued events over; resumes a paused transfer once they are taken. */
static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stream *st = arg;

	while (st->qhead) {
		struct queued *q = st->qhead;
		struct stream_event ev = { q->type, q->data, q->len, q->id };

		if (st->h.event(st->h.arg, &ev) < 0) {
			struct timeval tv;

			/* the daemon cannot take it now: keep it, ask again shortly */
			util_ms_to_tv(STREAM_RETRY_EMIT_MS, &tv);
			evtimer_add(st->flush, &tv);
			return;
		}
		st->last_event = util_mono_ms();
		metrics_add("keluh_source_events_total", st->labels, 1);
		queue_pop(st);
	}
	if (st->paused && st->easy) {
		st->paused = 0;
		stall_arm(st);
		/* the write callback may run inside this call; it only queues */
		curl_easy_pause(st->easy, CURLPAUSE_CONT);
	}
}

static size_t
header_cb(char *s, size_t size, size_t n, void *arg)
{
	struct stream *st = arg;
	size_t len = size * n, vlen;
	const char *colon, *v;
	char **slot = NULL;

	stall_arm(st);
	if (len >= 5 && strncmp(s, "HTTP/", 5) == 0) {
		/* a status line: after a redirect or a 100 a new response starts */
		const char *sp = memchr(s, ' ', len);

		st->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		free(st->ctype);
		free(st->retry_after);
		free(st->etag);
		free(st->rl_reset);
		st->ctype = st->retry_after = st->etag = st->rl_reset = NULL;
		for (size_t i = 0; i < st->nkeep; i++) {
			free(st->kept[i]);
			st->kept[i] = NULL;
		}
		return len;
	}
	if ((colon = memchr(s, ':', len)) == NULL)
		return len;
	v = colon + 1;
	vlen = len - (size_t)(v - s);
	while (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen && isspace((unsigned char)v[vlen - 1]))
		vlen--;
	for (size_t i = 0; i < st->nkeep; i++)
		if ((size_t)(colon - s) == strlen(st->keep[i]) &&
		    strncasecmp(s, st->keep[i], (size_t)(colon - s)) == 0) {
			free(st->kept[i]);
			st->kept[i] = xstrndup(v, vlen);
		}
	if ((size_t)(colon - s) == 12 && strncasecmp(s, "content-type", 12) == 0)
		slot = &st->ctype;
	else if ((size_t)(colon - s) == 11 && strncasecmp(s, "retry-after", 11) == 0)
		slot = &st->retry_after;
	else if ((size_t)(colon - s) == 4 && strncasecmp(s, "etag", 4) == 0)
		slot = &st->etag;
	else if ((size_t)(colon - s) == 18 && strncasecmp(s, "x-rate-limit-reset", 18) == 0)
		slot = &st->rl_reset;
	if (slot == NULL)
		return len;
	free(*slot);
	*slot = xstrndup(v, vlen);
	return len;
}

static size_t
write_cb(char *s, size_t size, size_t n, void *arg)
{
	struct stream *st = arg;
	size_t len = size * n;

	if (st->status != 200) {
		/* keep the start of an error body, for the log and the source's reading of it */
		if (st->body.len < STREAM_ERRKEEP_MAX)
			buf_add(&st->body, s, len < STREAM_ERRKEEP_MAX - st->body.len ? len :
			    STREAM_ERRKEEP_MAX - st->body.len);
		stall_arm(st);
		return st->body.len > 64 * 1024 ? 0 : len;
	}
	if (st->o.mode == STREAM_POLL) {
		if (st->body.len + len > st->o.max_event) {
			st->aborted = 1;
			return 0;
		}
		buf_add(&st->body, s, len);
		stall_arm(st);
		return len;
	}
	if (!st->connected_at) {
		st->connected_at = util_mono_ms();
		if (st->o.mode == STREAM_SSE && (st->ctype == NULL ||
		    strncasecmp(st->ctype, "text/event-stream", 17) != 0)) {
			st->aborted = 1;
			return 0;
		}
		stream_connected(st, 1);
	}
	if (st->qbytes >= STREAM_QUEUE_MAX) {
		/* backpressure: libcurl keeps this chunk and offers it again on resume */
		st->paused = 1;
		evtimer_del(st->stall);
		return CURL_WRITEFUNC_PAUSE;
	}
	stall_arm(st);
	stream_parser_feed(&st->parser, s, len);
	if (st->qhead && !evtimer_pending(st->flush, NULL))
		event_active(st->flush, EV_TIMEOUT, 0);
	return len;
}

static void stream_connect(struct stream *st);

static void
reconnect_cb(evutil_socket_t fd, short what, void *arg)
{
	stream_connect(arg);
}

static void
schedule(struct stream *st, int64_t ms)
{
	struct timeval tv;

	util_ms_to_tv(ms, &tv);
	evtimer_add(st->reconnect, &tv);
}

/* Full-jitter exponential backoff, never below the base (the server's retry: wins). */
static int64_t
backoff(struct stream *st)
{
	int64_t base = st->parser.retry_ms >= 0 ? st->parser.retry_ms : st->o.reconnect_ms;
	int64_t cap = st->o.backoff_max_ms, d;
	uint32_t r;

	if (st->fails == 0)
		return base;
	d = base > 0 ? base : 100;
	for (unsigned i = 0; i < st->fails && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	evutil_secure_rng_get_bytes(&r, sizeof(r));
	d = (int64_t)((double)d * ((double)r / 4294967296.0));
	return d < base ? base : d;
}

/*
 * X's rules: an established stream that drops is reconnected at once;
 * after that network errors wait 250 ms more each time up to 16 s, HTTP
 * errors double from reconnect_ms (5 s) up to backoff_max_ms (320 s), and
 * 429 doubles from a minute, or waits for x-rate-limit-reset when that is
 * later. No jitter: X asks for exactly these steps.
 */
static int64_t
x_backoff(struct stream *st, enum xclass c)
{
	int64_t d, cap;

	if (c != st->xclass) {
		st->xclass = c;
		st->xn = 0;
	}
	st->xn++;
	switch (c) {
	case XC_DROP:
		d = (int64_t)(st->xn - 1) * X_NET_STEP_MS;
		return d > X_NET_MAX_MS ? X_NET_MAX_MS : d;
	case XC_NET:
		d = (int64_t)st->xn * X_NET_STEP_MS;
		return d > X_NET_MAX_MS ? X_NET_MAX_MS : d;
	case XC_HTTP:
		d = st->o.reconnect_ms > 0 ? st->o.reconnect_ms : 5000;
		cap = st->o.backoff_max_ms;
		break;
	default:
		d = X_429_START_MS;
		cap = st->o.backoff_max_ms > X_429_MAX_MS ? st->o.backoff_max_ms : X_429_MAX_MS;
		break;
	}
	for (unsigned i = 1; i < st->xn && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	if (c == XC_429 && st->rl_reset) {
		/* x-rate-limit-reset: Unix seconds when the window opens again */
		long long r = strtoll(st->rl_reset, NULL, 10);
		time_t t = time(NULL);

		if (r > (long long)t && r - (long long)t < 86400 && (r - (long long)t) * 1000 > d)
			d = (int64_t)(r - (long long)t) * 1000;
	}
	return d;
}

/* The wait after a failure: the stream's policy, or kind's default. */
static int64_t
policy_delay(struct stream *st, enum xclass c, int64_t dflt)
{
	if (st->o.backoff != STREAM_BACKOFF_X)
		return dflt;
	return x_backoff(st, c);
}

/* Retry-After: seconds, or an HTTP date. -1 when absent or unusable. */
static int64_t
retry_after_ms(const char *v)
{
	int64_t ms;

	return util_retry_after_ms(v, util_now_ms(), &ms) == 0 ? ms : -1;
}

static void
end_request(struct stream *st)
{
	evtimer_del(st->stall);
	if (st->easy) {
		curlev_cancel(st->ce, st->easy);
		curl_easy_cleanup(st->easy);
		st->easy = NULL;
	}
	curl_slist_free_all(st->req_headers);
	st->req_headers = NULL;
	free(st->req_url);
	st->req_url = NULL;
	st->paused = 0;
	if (st->connected_at)
		stream_connected(st, 0);
}

/* Poll: never sooner than interval (but as a 429 or 503 allows), then what the source says. */
static int64_t
poll_wait(struct stream *st, int64_t delay)
{
	if (st->o.mode != STREAM_POLL)
		return delay;
	if (delay < st->o.interval_ms && st->status != 429 && st->status != 503)
		delay = st->o.interval_ms;
	if (st->h.wait)
		delay = st->h.wait(st->h.arg, st->status, delay);
	return delay < 0 ? 0 : delay;
}

/* The start of an error answer's body, for the log: printable, at most STREAM_ERRBODY_MAX. */
static size_t
error_body(const struct stream *st, char *body)
{
	size_t bl = 0;

	for (size_t i = 0; i < st->body.len && i < STREAM_ERRBODY_MAX; i++)
		if (st->status != 200)
			body[bl++] = isprint((unsigned char)st->body.data[i]) ? st->body.data[i] : ' ';
	body[bl] = '\0';
	return bl;
}

/* A poll that got its answer (a 200, or a 304: nothing new) polls again at its interval. */
static int
after_poll_answer(struct stream *st, CURLcode rc)
{
	if (st->o.mode == STREAM_POLL && st->status == 200 && rc == CURLE_OK && !st->aborted) {
		st->fails = 0;
		st->last_event = util_mono_ms();
		st->h.body(st->h.arg, st->body.data ? st->body.data : "", st->body.len, st->etag);
		schedule(st, poll_wait(st, st->o.interval_ms));
		return 1;
	}
	if (st->o.mode == STREAM_POLL && st->status == 304) {
		/* nothing new is an answer too: the source is neither failing nor silent */
		st->fails = 0;
		st->last_event = util_mono_ms();
		if (st->h.not_modified)
			st->h.not_modified(st->h.arg);
		schedule(st, poll_wait(st, st->o.interval_ms));
		return 1;
	}
	return 0;
}

/*
 * 401 or 403: asking again soon would only be refused again, unless the
 * source can get a new token (its wait handler then says when).
 */
static void
after_refused(struct stream *st, const char *body, size_t bl)
{
	char hb[32];
	int64_t delay, w;

	delay = st->o.backoff_max_ms > STREAM_AUTH_BACKOFF_MS ? st->o.backoff_max_ms :
	    STREAM_AUTH_BACKOFF_MS;
	if (st->h.refused && st->h.refused(st->h.arg, st->status)) {
		/* not the credentials (a quota used up): the source said why, and says when */
		st->fails++;
		schedule(st, poll_wait(st, delay));
		return;
	}
	stream_error(st, "auth");
	if ((w = poll_wait(st, delay)) < delay)
		/* the source has its way out (a new token) */
		log_warnx("source %s: the server refused our credentials (HTTP %ld%s%s); "
		    "trying again in %s", st->name, st->status, bl ? ": " : "", body,
		    util_human_wait_ms(w, hb, sizeof(hb)));
	else
		log_error("source %s: the server refused our credentials (HTTP %ld%s%s); "
		    "check token_file and headers; trying again in %s", st->name, st->status,
		    bl ? ": " : "", body, util_human_wait_ms(w, hb, sizeof(hb)));
	st->fails++;
	schedule(st, w);
}

/*
 * The answers that say themselves when to come back, or that trying again
 * as usual would not help: a redirect to another origin, 429, 503 with
 * Retry-After, 204 on a stream. Returns 1 with *delay set if it was one.
 */
static int
wait_told(struct stream *st, int64_t *delay)
{
	char hb[32];

	if (st->redirect) {
		st->fails++;
		*delay = poll_wait(st, policy_delay(st, XC_HTTP, backoff(st)));
		stream_error(st, "redirect");
		log_error("source %s: HTTP %ld redirected to another host: %s; its headers and token "
		    "are not sent there: set url to the new address; trying again in %s", st->name,
		    st->status, st->redirect, util_human_wait_ms(*delay, hb, sizeof(hb)));
	} else if (st->status == 429) {
		int64_t ra = retry_after_ms(st->retry_after);

		st->fails++;
		/*
		 * The loop's clock is read at the start of a pass, so a timer set
		 * now can fire a little early by the wall clock: never retry
		 * sooner than the server allowed.
		 */
		*delay = poll_wait(st, policy_delay(st, XC_429, ra >= 0 ? ra + 50 : backoff(st)));
		stream_error(st, "rate_limited");
		log_warnx("source %s: rate limited (HTTP 429%s%s); trying again in %s", st->name,
		    st->retry_after ? ", Retry-After: " : "", st->retry_after ? st->retry_after : "",
		    util_human_wait_ms(*delay, hb, sizeof(hb)));
	} else if (st->status == 503 && retry_after_ms(st->retry_after) >= 0) {
		/* an overloaded or maintained server that says when to come back */
		st->fails++;
		*delay = retry_after_ms(st->retry_after) + 50;
		stream_error(st, "http");
		log_warnx("source %s: HTTP 503, Retry-After: %s; trying again in %s", st->name,
		    st->retry_after, util_human_wait_ms(*delay, hb, sizeof(hb)));
	} else if (st->status == 204 && st->o.mode != STREAM_POLL) {
		*delay = STREAM_AUTH_BACKOFF_MS;
		log_warnx("source %s: the server answered 204, which asks clients to stop; trying "
		    "again in %s", st->name, util_human_wait_ms(*delay, hb, sizeof(hb)));
	} else
		return 0;
	return 1;
}

/*
 * A 200 that ended without being taken whole: not an event stream, over
 * max_event, or a stream that ended after up ms. Returns 1 with *delay set
 * if it was one.
 */
static int
wait_after_200(struct stream *st, CURLcode rc, int64_t up, int64_t *delay)
{
	char hb[32], ub[32];

	if (st->status != 200)
		return 0;
	if (st->aborted && st->o.mode == STREAM_SSE) {
		st->fails++;
		*delay = backoff(st) > 60000 ? backoff(st) : 60000;
		stream_error(st, "http");
		log_error("source %s: the answer is %s, not text/event-stream; is the url an SSE "
		    "endpoint? trying again in %s", st->name, st->ctype ? st->ctype : "untyped",
		    util_human_wait_ms(*delay, hb, sizeof(hb)));
	} else if (st->aborted) {
		st->fails++;
		*delay = poll_wait(st, st->o.interval_ms > backoff(st) ? st->o.interval_ms :
		    backoff(st));
		stream_error(st, "too_long");
		log_warnx("source %s: the answer is over %zu bytes (max_event); trying again in %s",
		    st->name, st->o.max_event, util_human_wait_ms(*delay, hb, sizeof(hb)));
	} else if (st->o.mode != STREAM_POLL) {
		/* the stream ended (the server closed it, or the network did) */
		if (st->events_this_conn || up >= STREAM_HEALTHY_MS) {
			st->fails = 0;
			st->xclass = XC_NONE;
		} else
			st->fails++;
		*delay = policy_delay(st, XC_DROP, backoff(st));
		log_info("source %s: the stream ended (%s) after %s and %d event(s); reconnecting "
		    "in %s", st->name, rc == CURLE_OK ? "closed by the server" :
		    curl_easy_strerror(rc), util_human_wait_ms(up, ub, sizeof(ub)), st->events_this_conn,
		    util_human_wait_ms(*delay, hb, sizeof(hb)));
	} else
		return 0;
	return 1;
}

/* Everything else failed: a timeout, a broken answer, no connection, an HTTP error. */
static int64_t
wait_failed(struct stream *st, CURLcode rc, const char *body, size_t bl)
{
	char hb[32], ub[32];
	int64_t delay;

	st->fails++;
	if (st->o.mode == STREAM_POLL && rc == CURLE_OPERATION_TIMEDOUT &&
	    (st->status == 0 || st->status == 200)) {
		/* timeout covers the whole request: connected (most likely), but no full answer */
		delay = poll_wait(st, policy_delay(st, XC_NET, backoff(st)));
		stream_error(st, "timeout");
		if (st->status)
			log_warnx("source %s: the answer (HTTP 200) did not complete within %s "
			    "(timeout); trying again in %s", st->name,
			    util_human_wait_ms(st->o.timeout_ms, ub, sizeof(ub)), util_human_wait_ms(delay, hb, sizeof(hb)));
		else
			log_warnx("source %s: no answer within %s (timeout); trying again in %s",
			    st->name, util_human_wait_ms(st->o.timeout_ms, ub, sizeof(ub)),
			    util_human_wait_ms(delay, hb, sizeof(hb)));
	} else if (st->o.mode == STREAM_POLL && st->status == 200 && rc != CURLE_OK) {
		/* a cut connection or a broken encoding: nothing of the answer is taken */
		delay = poll_wait(st, policy_delay(st, XC_NET, backoff(st)));
		stream_error(st, "network");
		log_warnx("source %s: the answer (HTTP 200) broke off: %s; trying again in %s",
		    st->name, curl_easy_strerror(rc), util_human_wait_ms(delay, hb, sizeof(hb)));
	} else if (st->status == 0) {
		delay = poll_wait(st, policy_delay(st, XC_NET, backoff(st)));
		stream_error(st, "connect");
		log_warnx("source %s: cannot connect: %s; trying again in %s", st->name,
		    curl_easy_strerror(rc), util_human_wait_ms(delay, hb, sizeof(hb)));
	} else {
		delay = poll_wait(st, policy_delay(st, XC_HTTP, backoff(st)));
		stream_error(st, "http");
		log_warnx("source %s: HTTP %ld%s%s; trying again in %s", st->name, st->status,
		    bl ? ": " : "", body, util_human_wait_ms(delay, hb, sizeof(hb)));
	}
	return delay;
}

/* The connection ended (or never started): decide when to try again. */
static void
after(struct stream *st, CURLcode rc)
{
	char body[STREAM_ERRBODY_MAX + 1];
	int64_t delay, up = st->connected_at ? util_mono_ms() - st->connected_at : 0;
	size_t bl = error_body(st, body);

	if (st->o.mode == STREAM_POLL)
		stream_connected(st, (st->status == 200 && rc == CURLE_OK && !st->aborted) ||
		    st->status == 304);
	if (after_poll_answer(st, rc))
		return;
	if (st->status != 200 && st->status != 304) {
		st->fail_status = st->status;
		st->throttled = st->status == 429;
	}
	if (st->status == 401 || st->status == 403) {
		after_refused(st, body, bl);
		return;
	}
	if (!wait_told(st, &delay) && !wait_after_200(st, rc, up, &delay))
		delay = wait_failed(st, rc, body, bl);
	metrics_add("keluh_source_reconnects_total", st->labels, 1);
	schedule(st, delay);
}

static void
done_cb(void *arg, CURL *easy, CURLcode rc)
{
	struct stream *st = arg;
	const char *to = curlev_refused_redirect(easy, rc);

	free(st->redirect);
	st->redirect = to ? xstrdup(to) : NULL;
	/* curlev removed the handle already: only ours to free */
	curl_easy_cleanup(easy);
	st->easy = NULL;
	end_request(st);
	after(st, rc);
}

static void
stall_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stream *st = arg;
	char hb[32];

	if (st->easy == NULL || st->paused)
		return;
	stream_error(st, "stall");
	log_warnx("source %s: nothing received for %s (stall); reconnecting", st->name,
	    util_human_wait_ms(st->o.stall_ms, hb, sizeof(hb)));
	end_request(st);
	if (st->o.mode == STREAM_POLL) {
		st->status = 0;
		after(st, CURLE_OPERATION_TIMEDOUT);
		return;
	}
	if (st->events_this_conn)
		st->xclass = XC_NONE;
	st->fails = st->events_this_conn ? 1 : st->fails + 1;
	metrics_add("keluh_source_reconnects_total", st->labels, 1);
	schedule(st, policy_delay(st, XC_DROP, backoff(st)));
}

static void
age_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stream *st = arg;

	metrics_set("keluh_source_last_event_age_seconds", st->labels,
	    (double)(util_mono_ms() - st->last_event) / 1000.0);
}

void
stream_set_url(struct stream *st, const char *url)
{
	free(st->req_url);
	st->req_url = xstrdup(url);
}

void
stream_add_header(struct stream *st, const char *h)
{
	st->req_headers = curl_slist_append(st->req_headers, h);
}

const char *
stream_header(const struct stream *st, const char *name)
{
	for (size_t i = 0; i < st->nkeep; i++)
		if (strcasecmp(st->keep[i], name) == 0)
			return st->kept[i];
	return NULL;
}

const char *
stream_error_body(const struct stream *st, size_t *len)
{
	if (st->status == 0 || st->status == 200 || st->status == 304 || st->body.len == 0) {
		*len = 0;
		return NULL;
	}
	*len = st->body.len;
	return st->body.data;
}

void
stream_retry_in(struct stream *st, int64_t ms)
{
	if (st->easy == NULL)
		schedule(st, ms);
}

void
stream_note_failure(struct stream *st, long status)
{
	stream_connected(st, 0);
	st->fail_status = status;
	st->throttled = status == 429;
}

static void
stream_connect(struct stream *st)
{
	CURL *e;
	char *h;

	end_request(st);
	st->status = 0;
	st->events_this_conn = st->aborted = 0;
	st->connected_at = 0;
	buf_reset(&st->body);
	stream_parser_reset(&st->parser);
	if (st->h.request && st->h.request(st->h.arg, st) < 0) {
		curl_slist_free_all(st->req_headers);
		st->req_headers = NULL;
		schedule(st, st->o.interval_ms > 0 ? st->o.interval_ms : 1000);
		return;
	}
	for (size_t i = 0; i < st->nheaders; i++)
		stream_add_header(st, st->headers[i]);
	if (st->o.token) {
		h = xasprintf("Authorization: Bearer %s", st->o.token);
		stream_add_header(st, h);
		explicit_bzero(h, strlen(h));
		free(h);
	}
	if (st->o.mode == STREAM_SSE) {
		stream_add_header(st, "Accept: text/event-stream");
		stream_add_header(st, "Cache-Control: no-cache");
		if (st->parser.last_id[0]) {
			h = xasprintf("Last-Event-ID: %s", st->parser.last_id);
			stream_add_header(st, h);
			free(h);
		}
	} else if (st->o.mode == STREAM_NDJSON)
		stream_add_header(st, "Accept: application/x-ndjson");
	else if (st->o.accept) {
		h = xasprintf("Accept: %s", st->o.accept);
		stream_add_header(st, h);
		free(h);
	} else
		stream_add_header(st, "Accept: application/json");
	if ((e = curl_easy_init()) == NULL) {
		log_warnx("source %s: curl_easy_init failed", st->name);
		st->fails++;
		schedule(st, backoff(st));
		return;
	}
	curl_easy_setopt(e, CURLOPT_URL, st->req_url ? st->req_url : st->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, st->req_headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "keluh/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, st);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, st);
	curlev_same_origin(e);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	/* HTTP/2 would buffer up to a window per paused stream; 1.1 pauses cleanly */
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	if (st->o.mode == STREAM_POLL) {
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)st->o.timeout_ms);
		curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	}
	st->easy = e;
	if (curlev_add(st->ce, e, done_cb, st) < 0) {
		curl_easy_cleanup(e);
		st->easy = NULL;
		st->fails++;
		schedule(st, backoff(st));
		return;
	}
	if (st->o.mode != STREAM_POLL)
		stall_arm(st);
}

struct stream *
stream_new(struct event_base *base, struct curlev *ce, const struct stream_opts *o,
    const struct stream_handlers *h)
{
	struct stream *st = xcalloc(1, sizeof(*st));
	struct timeval sec = { 1, 0 };

	st->base = base;
	st->ce = ce;
	st->o = *o;
	st->h = *h;
	st->name = xstrdup(o->name);
	st->url = xstrdup(o->url);
	st->o.name = st->name;
	st->o.url = st->url;
	st->o.token = o->token ? xstrdup(o->token) : NULL;
	st->o.last_event_id = NULL;
	st->o.accept = o->accept ? xstrdup(o->accept) : NULL;
	for (size_t i = 0; o->keep_headers && o->keep_headers[i] && i < STREAM_KEEP_MAX; i++)
		st->keep[st->nkeep++] = xstrdup(o->keep_headers[i]);
	st->o.keep_headers = NULL;
	st->headers = xcalloc(o->nheaders + 1, sizeof(char *));
	for (size_t i = 0; i < o->nheaders; i++)
		st->headers[i] = xstrdup(o->headers[i]);
	st->nheaders = o->nheaders;
	st->labels = xasprintf("source=\"%s\"", o->name);
	st->qtail = &st->qhead;
	buf_init(&st->body);
	stream_parser_init(&st->parser, o->mode, o->max_event, queue_event, event_toolong, st);
	if (o->last_event_id)
		stream_parser_set_last_id(&st->parser, o->last_event_id);
	st->stall = evtimer_new(base, stall_cb, st);
	st->reconnect = evtimer_new(base, reconnect_cb, st);
	st->flush = evtimer_new(base, flush_cb, st);
	st->age = event_new(base, -1, EV_PERSIST, age_cb, st);
	st->last_event = util_mono_ms();
	st->up_changed = st->last_event;
	evtimer_add(st->age, &sec);
	stream_connected(st, 0);
	metrics_add("keluh_source_reconnects_total", st->labels, 0);
	metrics_add("keluh_source_events_total", st->labels, 0);
	schedule(st, 0);
	return st;
}

void
stream_free(struct stream *st)
{
	if (st == NULL)
		return;
	end_request(st);
	stream_connected(st, 0);
	while (st->qhead)
		queue_pop(st);
	event_free(st->stall);
	event_free(st->reconnect);
	event_free(st->flush);
	event_free(st->age);
	stream_parser_free(&st->parser);
	buf_free(&st->body);
	free(st->ctype);
	free(st->retry_after);
	free(st->etag);
	free(st->rl_reset);
	free((char *)st->o.accept);
	for (size_t i = 0; i < st->nkeep; i++) {
		free(st->keep[i]);
		free(st->kept[i]);
	}
	for (size_t i = 0; i < st->nheaders; i++)
		free(st->headers[i]);
	free(st->headers);
	if (st->o.token) {
		explicit_bzero((char *)st->o.token, strlen(st->o.token));
		free((char *)st->o.token);
	}
	free(st->name);
	free(st->url);
	free(st->req_url);
	free(st->redirect);
	free(st->labels);
	free(st);
}
