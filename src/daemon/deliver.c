#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon/deliver.h"
#include "daemon/living.h"
#include "daemon/pass.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "receivers/receiver.h"

#define DELIVER_BATCH 16
#define DELIVER_MAX_BODY (64 * 1024)
/*
 * A receiver counts as failing after this many failed attempts in a row;
 * one alert that the receiver alone refuses does not stop the others.
 */
#define DELIVER_FAIL_AFTER 3
/* While failing, a probe waits 1 s, doubling up to this, less up to half as jitter. */
#define DELIVER_PROBE_MAX_MS 4000
/* Owed edits of one receiver that failed and wait for their next try (the rest wait their turn). */
#define DELIVER_OWED_MAX 32

struct rstate;

struct xfer {
	struct deliver *d;
	struct rstate *rs;
	CURL *easy;
	int64_t id;
	int attempts;
	int64_t created_ms, expires_ms;
	char *receiver;
	struct rcv_msg msg;
	struct curl_slist *headers;
	struct curl_slist *rcpt;
	struct buf resp;
	char retry_after[64];
	size_t upload_off;
	/* living messages: a post keeps its reference; an edit names its message */
	int64_t case_id, alert_rowid;
	int64_t case_event;	/* a post: the case's newest event when it was rendered */
	int post;
	int edit;		/* 1: id is a case message's id, seq the edit_seq sent */
	int64_t seq;
	int held;		/* waits for the batch that leased it to commit (held_ev) */
	struct xfer *next;
};

/* An owed edit that failed: tried again at due_at, given up after the receiver's max age. */
struct owed {
	int64_t msg_id, first_ms, due_at;
	int attempts;
	int seen;		/* still owed in the spool, at the last look */
};

/*
 * Like a circuit breaker: UP sends every due delivery. FAILING (after
 * DELIVER_FAIL_AFTER failed attempts in a row) sends one delivery at a
 * time, the probe, at probe_at; its success makes every pending delivery
 * of the receiver due at once, sent at its rate limit.
 */
enum rs_mode { RS_UP, RS_FAILING };

/* Runtime of one receiver; survives reloads by name. */
struct rstate {
	char *name;
	const struct receiver *r;	/* in the current conf; NULL when removed */
	int inflight;
	double tokens;
	int64_t tokens_at;
	int64_t blocked_until;		/* platform asked us to wait */
	enum rs_mode mode;
	int fails;			/* failed attempts in a row */
	int probes;			/* failed probes since it began failing */
	int64_t probe_at;		/* not UP: when the next probe may start */
	int64_t failing_since;		/* FAILING: wall clock ms it began */
	char last_error[512];		/* of the last failed attempt */
	struct owed owed[DELIVER_OWED_MAX];
	size_t nowed;
	struct event *timer;
	struct deliver *d;
};

struct deliver {
	struct event_base *base;
	struct curlev *ce;
	struct spool *spool;
	const struct conf *conf;
	struct rstate *rs;
	size_t nrs;
	struct xfer *xfers;
	struct event *held_ev;		/* starts the held transfers, at the next turn */
	struct cases *cases;		/* fills "case" at render time; NULL: none */
	int edits_off;			/* another daemon leads: it makes the owed edits */
	int draining;
	void (*drained)(void *);
	void *drained_arg;
	/* told of each delivery that was delivered or died (deliver_set_observer) */
	void (*observe)(void *arg, int64_t id, const char *state);
	void *observe_arg;
};

int64_t
deliver_backoff_cap(int attempt)
{
	int64_t cap = 1000;

	for (int i = 1; i < attempt && cap < 300000; i++)
		cap *= 2;
	return cap > 300000 ? 300000 : cap;
}

static void rstate_wake(evutil_socket_t fd, short what, void *arg);

static void
rstate_arm(struct rstate *st, int64_t delay_ms)
{
	struct timeval tv;

	if (delay_ms < 0)
		delay_ms = 0;
	util_ms_to_tv(delay_ms, &tv);
	evtimer_add(st->timer, &tv);
}

static void
rstate_gauge(const struct rstate *st)
{
	char labels[200];

	snprintf(labels, sizeof(labels), "receiver=\"%s\"", st->name);
	metrics_set("keluh_receiver_up", labels, st->mode == RS_FAILING ? 0 : 1);
}

static struct rstate *
deliver_state(struct deliver *d, const char *name)
{
	for (size_t i = 0; i < d->nrs; i++)
		if (strcmp(d->rs[i].name, name) == 0)
			return &d->rs[i];
	return NULL;
}

void
deliver_set_conf(struct deliver *d, const struct conf *c)
{
	d->conf = c;
	for (size_t i = 0; i < d->nrs; i++)
		d->rs[i].r = NULL;
	for (size_t i = 0; i < c->nreceivers; i++) {
		struct rstate *st = deliver_state(d, c->receivers[i].name);

		if (st == NULL) {
			/* rstates are reached by pointer from timers: never realloc them */
			if (d->nrs >= 256) {
				metrics_bound_hit("receivers", "more than 256 receivers over the "
				    "daemon's life; restart keluhd to use the new ones");
				continue;
			}
			st = &d->rs[d->nrs++];
			memset(st, 0, sizeof(*st));
			st->name = xstrdup(c->receivers[i].name);
			st->d = d;
			st->timer = evtimer_new(d->base, rstate_wake, st);
			st->tokens = 1;
			st->tokens_at = util_now_ms();
			rstate_gauge(st);
		}
		/* a failing receiver may have a new url: probe it at once */
		st->probe_at = 0;
		st->r = &c->receivers[i];
		/* a shared spool leases what we send: for as long as a request may take */
		if (spool_set_lease(d->spool, st->name, st->r->timeout_ms + SPOOL_LEASE_MARGIN_MS) < 0)
			log_warnx("spool: %s", spool_error(d->spool));
	}
	deliver_kick_all(d);
}

static void xfer_held_cb(evutil_socket_t, short, void *);

struct deliver *
deliver_new(struct event_base *base, struct curlev *ce, struct spool *spool,
    const struct conf *c)
{
	struct deliver *d = xcalloc(1, sizeof(*d));

	d->base = base;
	d->ce = ce;
	d->spool = spool;
	d->rs = xcalloc(256, sizeof(struct rstate));
	d->held_ev = evtimer_new(base, xfer_held_cb, d);
	deliver_set_conf(d, c);
	return d;
}

static void
xfer_free(struct xfer *x)
{
	struct xfer **pp = &x->d->xfers;

	while (*pp && *pp != x)
		pp = &(*pp)->next;
	if (*pp)
		*pp = x->next;
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	curl_slist_free_all(x->rcpt);
	receiver_msg_free(&x->msg);
	buf_free(&x->resp);
	free(x->receiver);
	free(x);
}

void
deliver_free(struct deliver *d)
{
	if (d == NULL)
		return;
	while (d->xfers) {
		struct xfer *x = d->xfers;

		curlev_cancel(d->ce, x->easy);
		xfer_free(x);
	}
	for (size_t i = 0; i < d->nrs; i++) {
		event_free(d->rs[i].timer);
		free(d->rs[i].name);
	}
	event_free(d->held_ev);
	free(d->rs);
	free(d);
}

static size_t
xfer_write(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	/* keep what fits: enough for the reason and any retry field */
	if (x->resp.len < DELIVER_MAX_BODY)
		buf_add(&x->resp, p, len < DELIVER_MAX_BODY - x->resp.len ? len :
		    DELIVER_MAX_BODY - x->resp.len);
	return len;
}

static size_t
xfer_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	if (len > 12 && strncasecmp(p, "retry-after:", 12) == 0) {
		size_t v = 12, e = len;

		while (v < e && (p[v] == ' ' || p[v] == '\t'))
			v++;
		while (e > v && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' '))
			e--;
		snprintf(x->retry_after, sizeof(x->retry_after), "%.*s", (int)(e - v), p + v);
	}
	return len;
}

static size_t
xfer_read(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t left = x->msg.body_len - x->upload_off, len = size * n;

	if (len > left)
		len = left;
	memcpy(buf, x->msg.body + x->upload_off, len);
	x->upload_off += len;
	return len;
}

static void deliver_pump(struct rstate *st);

static struct owed *
owed_find(struct rstate *st, int64_t msg_id)
{
	for (size_t i = 0; i < st->nowed; i++)
		if (st->owed[i].msg_id == msg_id)
			return &st->owed[i];
	return NULL;
}

static void
owed_drop(struct rstate *st, int64_t msg_id)
{
	struct owed *o = owed_find(st, msg_id);

	if (o)
		*o = st->owed[--st->nowed];
}

/*
 * A failed edit waits: half its backoff cap and up to as much again (an
 * edit is one per message, there are no crowds of them to spread), and
 * never less than the platform asked. 0, or -1 when it cannot be tracked.
 */
static int
owed_wait(struct rstate *st, int64_t msg_id, int64_t now, int64_t wait_ms)
{
	struct owed *o = owed_find(st, msg_id);
	int64_t cap, delay;

	if (o == NULL) {
		if (st->nowed >= DELIVER_OWED_MAX) {
			metrics_bound_hit("owed_edits", "failed edits waiting per receiver; the "
			    "others wait until one is made or given up");
			return -1;
		}
		o = &st->owed[st->nowed++];
		memset(o, 0, sizeof(*o));
		o->msg_id = msg_id;
		o->first_ms = now;
	}
	cap = deliver_backoff_cap(++o->attempts);
	delay = cap / 2 + (int64_t)randombytes_uniform((uint32_t)(cap / 2) + 1);
	if (wait_ms + 50 > delay)
		delay = wait_ms + 50;
	o->due_at = now + delay;
	return 0;
}

/*
 * The outcome of an edit: made, or ended (a refusal that can never work,
 * or failing longer than the receiver's max age), so it is owed no more up
 * to the edit_seq it sent; or tried again later, still owed in the spool.
 */
static void
edit_outcome(struct xfer *x, enum rcv_verdict v, int64_t wait_ms, const char *reason)
{
	struct deliver *d = x->d;
	struct rstate *st = x->rs;
	struct owed *o = owed_find(st, x->id);
	int64_t now = util_now_ms();
	const char *outcome = v == RCV_OK ? "ok" : v == RCV_DEAD ? "dead" : "retry";
	char labels[200], why[600];

	if (v == RCV_RETRY && o && st->r && now - o->first_ms > st->r->max_age_ms) {
		snprintf(why, sizeof(why), "failing for longer than max_age after %d attempt(s); "
		    "last error: %s", o->attempts + 1, reason);
		reason = why;
		v = RCV_DEAD;
		outcome = "dead";
	}
	if (v == RCV_RETRY) {
		owed_wait(st, x->id, now, wait_ms);
		log_info("case #%lld: the edit of its message on %s: %s; tried again later",
		    (long long)x->case_id, x->receiver, reason);
	} else {
		pass_join(d->spool);
		if (spool_case_message_edited(d->spool, x->id, x->seq) < 0)
			log_warnx("spool: %s", spool_error(d->spool));
		owed_drop(st, x->id);
		if (v == RCV_DEAD)
			log_warnx("case #%lld: the edit of its message on %s is given up: %s",
			    (long long)x->case_id, x->receiver, reason);
		else
			log_debug("case #%lld: its message on %s edited", (long long)x->case_id,
			    x->receiver);
	}
	snprintf(labels, sizeof(labels), "receiver=\"%s\",outcome=\"%s\"", x->receiver, outcome);
	metrics_add("keluh_case_edits_total", labels, 1);
}

static void
deliver_observed(struct deliver *d, int64_t id, const char *state)
{
	if (d->observe)
		d->observe(d->observe_arg, id, state);
}

/* Writes the outcome of one attempt; the commit happens at the end of the loop pass. */
static void
deliver_outcome(struct xfer *x, enum rcv_verdict v, int64_t wait_ms, const char *reason)
{
	struct deliver *d = x->d;
	struct rstate *st = x->rs;
	int64_t now = util_now_ms();
	char labels[200];

	if (x->edit) {
		edit_outcome(x, v, wait_ms, reason);
		return;
	}
	pass_join(d->spool);
	if (v == RCV_OK) {
		spool_delivered(d->spool, x->id, now);
		deliver_observed(d, x->id, "delivered");
		/* the message's reference, in the pass that says it was delivered */
		if (x->post && st && st->r)
			living_posted(d->spool, st->r, x->case_id, x->alert_rowid, x->case_event,
			    x->resp.data ? x->resp.data : "", x->resp.len, now);
		metrics_observe_latency(x->receiver, (double)(now - x->created_ms) / 1000.0);
		snprintf(labels, sizeof(labels), "receiver=\"%s\",outcome=\"ok\"", x->receiver);
		log_debug("delivery %lld to %s: delivered", (long long)x->id, x->receiver);
	} else if (v == RCV_DEAD) {
		spool_dead_tried(d->spool, x->id, now, reason);
		deliver_observed(d, x->id, "dead");
		snprintf(labels, sizeof(labels), "receiver=\"%s\",outcome=\"dead\"", x->receiver);
		log_warnx("delivery %lld to %s: dead letter after %d attempt(s): %s",
		    (long long)x->id, x->receiver, x->attempts + 1, reason);
	} else {
		/* full jitter: anywhere in [0, cap], so retries of many alerts spread out */
		int64_t cap = deliver_backoff_cap(x->attempts + 1);
		int64_t delay = (int64_t)randombytes_uniform((uint32_t)cap + 1);
		char why[600];

		/* a failing receiver: this one is tried again as the next probe at the latest */
		if (st && st->mode != RS_UP)
			delay = st->probe_at > now ? st->probe_at - now : 0;

		/* +50 ms: a timer set from the loop's cached clock can fire a little early */
		if (wait_ms > 0 && wait_ms + 50 > delay)
			delay = wait_ms + 50;
		if (wait_ms > 0 && st)
			st->blocked_until = now + wait_ms;
		if (now + delay > x->expires_ms) {
			snprintf(why, sizeof(why), "expired after %d attempt(s); last error: %s",
			    x->attempts + 1, reason);
			spool_dead_tried(d->spool, x->id, now, why);
			deliver_observed(d, x->id, "dead");
			snprintf(labels, sizeof(labels), "receiver=\"%s\",outcome=\"dead\"",
			    x->receiver);
			log_warnx("delivery %lld to %s: dead letter: %s", (long long)x->id,
			    x->receiver, why);
		} else {
			spool_retry_later(d->spool, x->id, now + delay, reason);
			snprintf(labels, sizeof(labels), "receiver=\"%s\",outcome=\"retry\"",
			    x->receiver);
			log_info("delivery %lld to %s: %s; retry in %.1f s", (long long)x->id,
			    x->receiver, reason, (double)delay / 1000.0);
		}
	}
	metrics_add("keluh_deliveries_total", labels, 1);
}

/* An attempt failed (retry verdict): the receiver may be failing now. */
static void
deliver_failed(struct rstate *st, const char *reason, int64_t now)
{
	int64_t cap;

	st->fails++;
	snprintf(st->last_error, sizeof(st->last_error), "%s", reason);
	if (st->mode == RS_UP && st->fails < DELIVER_FAIL_AFTER)
		return;
	if (st->mode != RS_FAILING) {
		log_warnx("receiver %s is failing (%d failed attempt(s) in a row, last: %s); "
		    "sending one delivery at a time until it answers", st->name, st->fails, reason);
		st->mode = RS_FAILING;
		st->probes = 0;
		st->failing_since = util_now_ms();
		rstate_gauge(st);
	}
	st->probes++;
	cap = deliver_backoff_cap(st->probes);
	if (cap > DELIVER_PROBE_MAX_MS)
		cap = DELIVER_PROBE_MAX_MS;
	st->probe_at = now + cap / 2 + (int64_t)randombytes_uniform((uint32_t)(cap / 2) + 1);
}

/* An attempt succeeded: a receiver that was failing gets its backlog now. */
static void
deliver_answered(struct rstate *st, int64_t now)
{
	struct deliver *d = st->d;
	int64_t pending = 0, dead = 0;
	int fails = st->fails;
	char took[32];

	st->fails = 0;
	if (st->mode == RS_UP)
		return;
	pass_join(d->spool);
	if (spool_make_due(d->spool, st->name, now) < 0 ||
	    spool_queue_counts(d->spool, st->name, &pending, &dead) < 0)
		log_warnx("spool: %s", spool_error(d->spool));
	util_human_ms(util_now_ms() - st->failing_since, took, sizeof(took));
	log_info("receiver %s recovered after %d failure(s) in %s; draining %lld pending",
	    st->name, fails, took, (long long)pending);
	st->mode = RS_UP;
	rstate_gauge(st);
}

static void
deliver_check_drained(struct deliver *d)
{
	if (d->draining && d->xfers == NULL && d->drained) {
		void (*fn)(void *) = d->drained;

		d->drained = NULL;
		fn(d->drained_arg);
	}
}

static void
xfer_done(void *arg, CURL *easy, CURLcode rc)
{
	struct xfer *x = arg;
	struct rstate *st = x->rs;
	long status = 0;
	int64_t wait_ms = 0;
	char reason[512];
	enum rcv_verdict v;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK && status == 0) {
		snprintf(reason, sizeof(reason), "%s", curl_easy_strerror(rc));
		v = RCV_RETRY;
	} else if (st->r) {
		v = receiver_judge(st->r, status, x->resp.data ? x->resp.data : "", x->resp.len,
		    x->retry_after[0] ? x->retry_after : NULL, &wait_ms, reason, sizeof(reason));
	} else {
		v = status >= 200 && status < 300 ? RCV_OK : RCV_RETRY;
		snprintf(reason, sizeof(reason), "HTTP %ld", status);
	}
	/*
	 * A receiver that refuses every alert (a URL that is not what its type
	 * says, a revoked token) is as broken as one that does not answer.
	 */
	if (v != RCV_OK)
		deliver_failed(st, reason, util_now_ms());
	deliver_outcome(x, v, wait_ms, reason);
	if (v == RCV_OK)
		deliver_answered(st, util_now_ms());
	st->inflight--;
	xfer_free(x);
	if (!st->d->draining)
		deliver_pump(st);
	deliver_check_drained(st->d);
}

/* Console: printed at once, counted as delivered. */
static int
send_console(struct deliver *d, struct rstate *st, struct xfer *x)
{
	fwrite(x->msg.body, 1, x->msg.body_len, stdout);
	fflush(stdout);
	deliver_outcome(x, RCV_OK, 0, "");
	xfer_free(x);
	return 0;
}

/* The options every transfer shares: where, how long, where the answer goes. */
static void
xfer_easy(struct xfer *x, const struct receiver *r)
{
	x->easy = curl_easy_init();
	curl_easy_setopt(x->easy, CURLOPT_URL, x->msg.url);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)r->timeout_ms);
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)(r->timeout_ms < 10000 ?
	    r->timeout_ms : 10000));
	curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, xfer_write);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, xfer_header);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, "keluh/" PACKAGE_VERSION);
	for (size_t i = 0; i < x->msg.nheaders; i++)
		x->headers = curl_slist_append(x->headers, x->msg.headers[i]);
}

/*
 * Hands the transfer to curlev; its answer comes to xfer_done. On a
 * shared spool, a delivery claimed inside an open batch has its lease in
 * that batch: it is held (counted in flight, so not claimed again) until
 * the next turn of the loop, after the pass's flush has committed the
 * lease. Handed to libcurl at once, it could go out before that commit
 * (libcurl runs a new transfer on any other transfer's socket event), and
 * a daemon killed in between would leave no lease: another would send it
 * again within a second.
 */
static int
xfer_start(struct deliver *d, struct rstate *st, struct xfer *x)
{
	static const struct timeval next_turn = {0, 0};

	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	x->held = spool_shared(d->spool) && spool_in_txn(d->spool);
	if (x->held)
		evtimer_add(d->held_ev, &next_turn);
	else if (curlev_add(d->ce, x->easy, xfer_done, x) < 0) {
		xfer_free(x);
		return -1;
	}
	x->next = d->xfers;
	d->xfers = x;
	st->inflight++;
	return 0;
}

/* The held transfers, now that their batch is committed. */
static void
xfer_held_cb(evutil_socket_t fd, short what, void *arg)
{
	struct deliver *d = arg;
	struct xfer *x, *next;

	(void)fd;
	(void)what;
	for (x = d->xfers; x; x = next) {
		next = x->next;
		if (!x->held)
			continue;
		x->held = 0;
		if (curlev_add(d->ce, x->easy, xfer_done, x) < 0) {
			/* it stays pending, leased by us: sent at a later pump */
			x->rs->inflight--;
			xfer_free(x);
		}
	}
	deliver_check_drained(d);
}

static int
send_http(struct deliver *d, struct rstate *st, struct xfer *x)
{
	xfer_easy(x, st->r);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->msg.body);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->msg.body_len);
	/* An edit (PATCH, PUT) sends its body like a POST, under the kind's method. */
	if (x->msg.method)
		curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, x->msg.method);
	x->headers = curl_slist_append(x->headers, "Expect:");
	return xfer_start(d, st, x);
}

static int
send_smtp(struct deliver *d, struct rstate *st, struct xfer *x)
{
	const struct receiver *r = st->r;

	xfer_easy(x, r);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(x->easy, CURLOPT_MAIL_FROM, x->msg.mail_from);
	for (size_t i = 0; i < x->msg.nrcpt; i++)
		x->rcpt = curl_slist_append(x->rcpt, x->msg.rcpt[i]);
	curl_easy_setopt(x->easy, CURLOPT_MAIL_RCPT, x->rcpt);
	curl_easy_setopt(x->easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(x->easy, CURLOPT_READFUNCTION, xfer_read);
	curl_easy_setopt(x->easy, CURLOPT_READDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->msg.body_len);
	if (r->username)
		curl_easy_setopt(x->easy, CURLOPT_USERNAME, r->username);
	if (r->secret)
		curl_easy_setopt(x->easy, CURLOPT_PASSWORD, r->secret);
	curl_easy_setopt(x->easy, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	return xfer_start(d, st, x);
}

/*
 * The senders, one per way a kind's requests travel (its transport): each
 * takes the rendered x and owns it from then on.
 */
static int (*const deliver_send[RCV_TR__N])(struct deliver *, struct rstate *, struct xfer *) = {
	[RCV_TR_CONSOLE] = send_console,
	[RCV_TR_HTTP] = send_http,
	[RCV_TR_SMTP] = send_smtp,
};

/* A delivery past its max age goes to the dead letters unsent: 1, else 0. */
static int
deliver_too_old(struct deliver *d, const struct spool_delivery *sd, int64_t now)
{
	char why[600], labels[200];

	if (now <= sd->expires_ms)
		return 0;
	snprintf(why, sizeof(why), "expired after %d attempt(s); last error: %s", sd->attempts,
	    sd->last_error ? sd->last_error : "none");
	pass_join(d->spool);
	spool_dead(d->spool, sd->id, now, why);
	deliver_observed(d, sd->id, "dead");
	log_warnx("delivery %lld to %s: dead letter: %s", (long long)sd->id, sd->receiver, why);
	snprintf(labels, sizeof(labels), "receiver=\"%s\",outcome=\"dead\"", sd->receiver);
	metrics_add("keluh_deliveries_total", labels, 1);
	return 1;
}

/* The request of x as plan says: a thread reply, or the alert as a post (late, maybe). */
static int
deliver_render(struct deliver *d, const struct receiver *r, const struct spool_delivery *sd,
    const struct living_plan *plan, struct xfer *x, int64_t now, char *err, size_t errlen)
{
	json_t *alert = living_alert(d->cases, d->conf->public_url, sd->alert_json, sd->case_id,
	    now);
	int64_t delayed_s;
	int rc;

	if (alert == NULL) {
		snprintf(err, errlen, "the stored alert is not valid JSON");
		return -1;
	}
	/*
	 * A delivery that failed before (attempts, or a dead letter requeued
	 * with its last error kept) says how late it is; one that only waited
	 * its turn does not.
	 */
	delayed_s = sd->attempts > 0 || sd->last_error ? (now - sd->created_ms) / 1000 : 0;
	if (plan->way == LIVING_REPLY)
		rc = receiver_render_reply(r, alert, plan->ref, now / 1000, &x->msg, err, errlen);
	else
		rc = receiver_render_delayed(r, alert, sd->idem_key, now / 1000, delayed_s, &x->msg,
		    err, errlen);
	json_decref(alert);
	return rc;
}

static int
deliver_start(struct deliver *d, struct rstate *st, struct spool_delivery *sd)
{
	const struct receiver *r = st->r;
	char err[256];
	struct living_plan plan = { .way = LIVING_SEND };
	struct xfer *x;
	int64_t now = util_now_ms();

	if (deliver_too_old(d, sd, now))
		return 0;
	if (d->cases && living_plan(d->spool, r, sd, &plan) < 0)
		return 0;	/* the spool failed: the delivery stays pending */
	x = xcalloc(1, sizeof(*x));
	x->d = d;
	x->rs = st;
	x->id = sd->id;
	x->attempts = sd->attempts;
	x->created_ms = sd->created_ms;
	x->expires_ms = sd->expires_ms;
	x->receiver = xstrdup(sd->receiver);
	x->case_id = sd->case_id;
	x->alert_rowid = sd->alert_rowid;
	x->post = plan.way == LIVING_POST;
	/* before the render: what the post shows of the case is at least this new */
	if (x->post && (x->case_event = spool_case_last_event(d->spool, sd->case_id)) < 0)
		x->case_event = 0;
	buf_init(&x->resp);
	living_owe(d->spool, &plan);
	if (plan.way == LIVING_FOLD) {
		/* the case's message shows it once edited: nothing to send */
		log_debug("delivery %lld to %s: folded into the message of case #%lld",
		    (long long)sd->id, sd->receiver, (long long)sd->case_id);
		deliver_outcome(x, RCV_OK, 0, "");
		xfer_free(x);
		return 0;
	}
	if (deliver_render(d, r, sd, &plan, x, now, err, sizeof(err)) < 0) {
		deliver_outcome(x, RCV_DEAD, 0, err);
		xfer_free(x);
		return 0;
	}
	return deliver_send[receiver_transport(r)](d, st, x);
}

/* Starts the owed edit of message m: 0, or -1 when it could not start. */
static int
edit_start(struct rstate *st, const struct spool_case_message *m, int64_t now)
{
	struct deliver *d = st->d;
	struct xfer *x = xcalloc(1, sizeof(*x));
	char err[256];

	x->d = d;
	x->rs = st;
	x->id = m->id;
	x->edit = 1;
	x->seq = m->edit_seq;
	x->case_id = m->case_id;
	x->created_ms = m->posted_ms;
	x->expires_ms = INT64_MAX;
	x->receiver = xstrdup(st->name);
	buf_init(&x->resp);
	st->tokens -= 1;
	if (living_edit(d->spool, d->cases, d->conf->public_url, st->r, m, now, &x->msg, err,
	    sizeof(err)) < 0) {
		edit_outcome(x, RCV_DEAD, 0, err);
		xfer_free(x);
		return 0;
	}
	return deliver_send[receiver_transport(st->r)](d, st, x);
}

struct edit_take {
	struct rstate *st;
	int64_t now, next;	/* next: the earliest try of a waiting edit */
	int room, started, probe;
};

static int
edit_inflight(const struct rstate *st, int64_t msg_id)
{
	for (const struct xfer *x = st->d->xfers; x; x = x->next)
		if (x->rs == st && x->edit && x->id == msg_id)
			return 1;
	return 0;
}

static void
edit_take_cb(void *arg, const struct spool_case_message *m)
{
	struct edit_take *t = arg;
	struct rstate *st = t->st;
	struct owed *o;

	o = owed_find(st, m->id);
	if (o)
		o->seen = 1;
	if (t->started >= t->room || edit_inflight(st, m->id))
		return;
	if (o == NULL && st->nowed >= DELIVER_OWED_MAX)
		return;		/* waits until a failed one is made or given up */
	if (o && o->due_at > t->now && !t->probe) {
		if (o->due_at < t->next)
			t->next = o->due_at;
		return;
	}
	if (edit_start(st, m, t->now) == 0)
		t->started++;
}

/*
 * Starts up to room owed edits of the receiver (probe: one, waiting or not).
 * Returns how many started; *next gets when a waiting one is due.
 */
static int
deliver_edits(struct rstate *st, int room, int probe, int64_t now, int64_t *next)
{
	struct deliver *d = st->d;
	struct edit_take t = { st, now, INT64_MAX, room, 0, probe };
	size_t limit = (size_t)room + st->nowed + (size_t)st->inflight;
	int n;

	*next = INT64_MAX;
	if (d->cases == NULL || d->edits_off || room <= 0 || !receiver_living(st->r))
		return 0;
	for (size_t i = 0; i < st->nowed; i++)
		st->owed[i].seen = 0;
	/* enough rows to find room of them past the waiting and the in-flight ones */
	n = spool_case_edits_pending(d->spool, st->name, limit, edit_take_cb, &t);
	if (n < 0)
		log_warnx("spool: %s", spool_error(d->spool));
	/* every owed edit was seen: a failed one no longer owed (pruned) frees its slot */
	for (size_t i = 0; n >= 0 && (size_t)n < limit && i < st->nowed;)
		if (!st->owed[i].seen)
			st->owed[i] = st->owed[--st->nowed];
		else
			i++;
	*next = t.next;
	return t.started;
}

/* Deliveries whose max age passed while only probes went out go to the dead letters. */
static void
deliver_expire(struct rstate *st, int64_t now)
{
	struct deliver *d = st->d;
	char labels[200];
	int64_t n;

	pass_join(d->spool);
	n = spool_expire(d->spool, st->name, now, st->last_error[0] ? st->last_error : "none");
	if (n < 0)
		log_warnx("spool: %s", spool_error(d->spool));
	if (n <= 0)
		return;
	snprintf(labels, sizeof(labels), "receiver=\"%s\",outcome=\"dead\"", st->name);
	metrics_add("keluh_deliveries_total", labels, (double)n);
	log_warnx("receiver %s: %lld delivery(ies) expired while it was failing: dead letters",
	    st->name, (long long)n);
}

/* FAILING: one delivery at a time, the one due first, due or not. */
static void
deliver_probe(struct rstate *st, int64_t now)
{
	struct deliver *d = st->d;
	struct spool_delivery sd;
	int n;

	if (st->inflight > 0)
		return;		/* its answer pumps again */
	if (st->probe_at > now) {
		rstate_arm(st, st->probe_at - now);
		return;
	}
	if (st->tokens < 1) {
		rstate_arm(st, (int64_t)((1.0 - st->tokens) / st->r->rate_per_s * 1000.0) + 1);
		return;
	}
	n = spool_first_due(d->spool, st->name, NULL, 0, &sd);
	if (n < 0)
		log_warnx("spool: %s", spool_error(d->spool));
	if (n <= 0) {
		int64_t next;

		/* no delivery waits: an owed edit is the probe */
		if (n == 0 && deliver_edits(st, 1, 1, now, &next) > 0)
			return;
		rstate_arm(st, DELIVER_POLL_MS);
		return;
	}
	/* only with a backlog: an idle failing receiver writes nothing */
	deliver_expire(st, now);
	if (sd.expires_ms > now) {
		st->tokens -= 1;
		deliver_start(d, st, &sd);
	}
	spool_delivery_free(&sd);
	if (st->inflight == 0)	/* expired, or could not be rendered: the next one */
		rstate_arm(st, 0);
}

/* Starts as many due deliveries as the receiver's limits allow, then sleeps. */
static void
deliver_pump(struct rstate *st)
{
	struct deliver *d = st->d;
	const struct receiver *r = st->r;
	struct spool_delivery due[DELIVER_BATCH];
	int64_t skip[DELIVER_BATCH * 4 + 64], now = util_now_ms(), next, edit_next = INT64_MAX;
	size_t nskip = 0;
	int n, room;

	if (r == NULL || d->draining)
		return;
	if (st->blocked_until > now) {
		rstate_arm(st, st->blocked_until - now);
		return;
	}
	/* token bucket: rate_per_s, burst of max_concurrency */
	st->tokens += (double)(now - st->tokens_at) / 1000.0 * r->rate_per_s;
	if (st->tokens > r->max_concurrency)
		st->tokens = r->max_concurrency;
	st->tokens_at = now;
	if (st->mode != RS_UP) {
		deliver_probe(st, now);
		return;
	}
	room = r->max_concurrency - st->inflight;
	if (room > (int)st->tokens)
		room = (int)st->tokens;
	if (room > DELIVER_BATCH)
		room = DELIVER_BATCH;
	if (room <= 0) {
		if (st->inflight < r->max_concurrency)
			rstate_arm(st, (int64_t)((1.0 - st->tokens) / r->rate_per_s * 1000.0) + 1);
		return;
	}
	for (struct xfer *x = d->xfers; x && nskip < sizeof(skip) / sizeof(skip[0]); x = x->next)
		if (x->rs == st && !x->edit)
			skip[nskip++] = x->id;
	n = spool_due(d->spool, st->name, now, skip, nskip, due, (size_t)room);
	if (n < 0) {
		log_warnx("spool: %s", spool_error(d->spool));
		rstate_arm(st, DELIVER_POLL_MS);
		return;
	}
	for (int i = 0; i < n; i++) {
		st->tokens -= 1;
		deliver_start(d, st, &due[i]);
		spool_delivery_free(&due[i]);
	}
	/* deliveries first; the owed edits of living messages get the room left */
	if (n < room && deliver_edits(st, room - n, 0, now, &edit_next) == room - n)
		n = room;
	if (n == room) {
		rstate_arm(st, 0);
		return;
	}
	next = spool_next_due(d->spool, st->name);
	if (edit_next < next)
		next = edit_next;
	if (next == INT64_MAX || next - now > DELIVER_POLL_MS)
		next = now + DELIVER_POLL_MS;
	rstate_arm(st, next - now);
}

static void
rstate_wake(evutil_socket_t fd, short what, void *arg)
{
	deliver_pump(arg);
}

int
deliver_failing(const struct deliver *d, const char *receiver, const char **last_error,
    int64_t *since_ms)
{
	for (size_t i = 0; i < d->nrs; i++) {
		const struct rstate *st = &d->rs[i];

		if (strcmp(st->name, receiver) != 0 || st->mode != RS_FAILING)
			continue;
		*last_error = st->last_error;
		*since_ms = st->failing_since;
		return 1;
	}
	return 0;
}

void
deliver_set_observer(struct deliver *d, void (*fn)(void *arg, int64_t id, const char *state),
    void *arg)
{
	d->observe = fn;
	d->observe_arg = arg;
}

void
deliver_set_cases(struct deliver *d, struct cases *cs)
{
	d->cases = cs;
	deliver_kick_all(d);
}

void
deliver_kick(struct deliver *d, size_t receiver)
{
	struct rstate *st;

	if (receiver >= d->conf->nreceivers)
		return;
	st = deliver_state(d, d->conf->receivers[receiver].name);
	/* called after the commit, outside any libcurl callback: start now */
	if (st && !d->draining)
		deliver_pump(st);
}

void
deliver_kick_name(struct deliver *d, const char *receiver)
{
	struct rstate *st = deliver_state(d, receiver);
	char labels[200];

	/* a timer, not a pump: the caller may be inside a spool call */
	if (st == NULL || st->r == NULL || d->draining)
		return;
	rstate_arm(st, 0);
	snprintf(labels, sizeof(labels), "receiver=\"%s\"", st->name);
	metrics_add("keluh_delivery_wakeups_total", labels, 1);
}

void
deliver_set_edits(struct deliver *d, int on)
{
	d->edits_off = !on;
}

void
deliver_kick_all(struct deliver *d)
{
	for (size_t i = 0; i < d->nrs; i++)
		if (d->rs[i].r)
			rstate_arm(&d->rs[i], 0);
}

void
deliver_drain(struct deliver *d, void (*fn)(void *), void *arg)
{
	d->draining = 1;
	d->drained = fn;
	d->drained_arg = arg;
	for (size_t i = 0; i < d->nrs; i++)
		evtimer_del(d->rs[i].timer);
	deliver_check_drained(d);
}

int
deliver_inflight(const struct deliver *d)
{
	int n = 0;

	for (struct xfer *x = d->xfers; x; x = x->next)
		n++;
	return n;
}
