/*
 * tgpoll.c: Telegram getUpdates loops (see tgpoll.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/tgpoll.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "receivers/action.h"

struct poller {
	struct pass_wait pw; /* first: the pass hands it back */
	struct tgpoll *tp;
	char *name;
	char cursor[96]; /* "telegram:<name>" */
	int live;        /* still a polling receiver of the conf */
	int in_pass;     /* waits for the commit of its presses */
	CURL *easy;
	struct buf body;
	struct event *timer;
	int64_t offset, next_offset;
	int backoff_s;
	int64_t started_ms;
	struct rcv_action acts[RCV_TG_UPDATES_MAX];
	char texts[RCV_TG_UPDATES_MAX][200];
	size_t nacts;
	struct poller *next;
};

struct answer {
	struct tgpoll *tp;
	CURL *easy;
	struct rcv_msg msg;
	struct curl_slist *headers;
	struct answer *next;
};

struct tgpoll {
	struct tgpoll_env env;
	const struct conf *conf;
	struct poller *list; /* stopped ones too, while their commit is pending */
	struct answer *answering;
	int answers; /* answerCallbackQuery in flight */
};

static void poll_start(struct poller *p);

static const struct receiver *
poller_receiver(const struct tgpoll *tp, const char *name)
{
	for (size_t i = 0; i < tp->conf->nreceivers; i++) {
		const struct receiver *r = &tp->conf->receivers[i];

		if (strcmp(r->name, name) == 0)
			return r->type == RCV_TELEGRAM && !r->updates_webhook && r->secret ? r
			                                                                   : NULL;
	}
	return NULL;
}

static void
poller_unlink(struct poller *p)
{
	struct poller **pp = &p->tp->list;

	while (*pp != p)
		pp = &(*pp)->next;
	*pp = p->next;
}

static void
poller_free(struct poller *p)
{
	if (p->easy) {
		curlev_cancel(p->tp->env.ce, p->easy);
		curl_easy_cleanup(p->easy);
	}
	if (p->timer)
		event_free(p->timer);
	buf_free(&p->body);
	free(p->name);
	free(p);
}

/* Waits before the next getUpdates: 0 s after a good answer, else the backoff. */
static void
poll_later(struct poller *p, int failed)
{
	struct timeval tv = {0, 0};

	if (failed) {
		p->backoff_s = p->backoff_s ? p->backoff_s * 2 : 1;
		if (p->backoff_s > TGPOLL_BACKOFF_MAX_S)
			p->backoff_s = TGPOLL_BACKOFF_MAX_S;
		tv.tv_sec = p->backoff_s;
	} else {
		p->backoff_s = 0;
		/* an empty answer long before the timeout is no long poll: no busy loop */
		if (util_now_ms() - p->started_ms < 1000)
			tv.tv_sec = 1;
	}
	evtimer_add(p->timer, &tv);
}

/* --- answerCallbackQuery --------------------------------------------------------- */

static size_t
discard(char *ptr, size_t size, size_t n, void *arg)
{
	return size * n;
}

static void
answer_free(struct answer *an)
{
	struct answer **pp = &an->tp->answering;

	while (*pp != an)
		pp = &(*pp)->next;
	*pp = an->next;
	curl_easy_cleanup(an->easy);
	curl_slist_free_all(an->headers);
	receiver_msg_free(&an->msg);
	an->tp->answers--;
	free(an);
}

static void
answer_done(void *arg, CURL *easy, CURLcode rc)
{
	struct answer *an = arg;
	long status = 0;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK || status != 200)
		log_warnx("telegram: answerCallbackQuery failed: %s",
		          rc != CURLE_OK ? curl_easy_strerror(rc) : "not 200");
	answer_free(an);
}

static void
answer_send(struct tgpoll *tp, const struct receiver *r, const struct rcv_action *a,
            const char *text)
{
	struct answer *an;
	CURL *easy;

	if (tp->answers >= TGPOLL_MAX_ANSWERS) {
		metrics_bound_hit("telegram_answers", "answerCallbackQuery in flight: a button's "
		                                      "spinner is left to time out");
		return;
	}
	an = xcalloc(1, sizeof(*an));
	an->tp = tp;
	if (rcv_telegram_answer(r, a, text, &an->msg) < 0 || (easy = curl_easy_init()) == NULL) {
		receiver_msg_free(&an->msg);
		free(an);
		return;
	}
	an->easy = easy;
	an->next = tp->answering;
	tp->answering = an;
	for (size_t i = 0; i < an->msg.nheaders; i++)
		an->headers = curl_slist_append(an->headers, an->msg.headers[i]);
	curl_easy_setopt(easy, CURLOPT_URL, an->msg.url);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)r->timeout_ms);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, an->headers);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, an->msg.body);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)an->msg.body_len);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "keluh/" PACKAGE_VERSION);
	tp->answers++;
	if (curlev_add(tp->env.ce, easy, answer_done, an) < 0)
		answer_free(an);
}

/* --- the presses, in the pass ------------------------------------------------------ */

/* The commit that holds the presses and the offset is durable (or failed). */
static void
presses_committed(struct pass_wait *pw, int ok)
{
	struct poller *p = (struct poller *)pw;
	const struct receiver *r;

	p->in_pass = 0;
	if (!p->live) {
		poller_unlink(p);
		poller_free(p);
		return;
	}
	if (!ok) {
		/* rolled back: the same updates come again with the old offset */
		log_warnx("telegram: %s: the button presses could not be stored; asking again",
		          p->name);
		poll_later(p, 1);
		return;
	}
	p->offset = p->next_offset;
	if ((r = poller_receiver(p->tp, p->name)) != NULL)
		for (size_t i = 0; i < p->nacts; i++)
			answer_send(p->tp, r, &p->acts[i], p->texts[i][0] ? p->texts[i] : NULL);
	poll_start(p);
}

static void
presses_take(struct poller *p, size_t n)
{
	struct tgpoll *tp = p->tp;
	char off[32];
	int failed = 0;

	p->nacts = n;
	snprintf(off, sizeof(off), "%" PRId64, p->next_offset);
	if (pass_join(tp->env.spool) < 0 || spool_cursor_set(tp->env.spool, p->cursor, off) < 0)
		failed = 1;
	for (size_t i = 0; !failed && i < n; i++)
		if (tp->env.apply(tp->env.cases, &p->acts[i], util_now_ms(), p->texts[i],
		                  sizeof(p->texts[i])) == CASES_ESTORE)
			failed = 1;
	p->in_pass = 1;
	p->pw.answer = presses_committed;
	pass_wait(tp->env.pass, &p->pw, failed);
}

/* --- getUpdates ---------------------------------------------------------------------- */

static size_t
body_write(char *ptr, size_t size, size_t n, void *arg)
{
	struct poller *p = arg;

	if (p->body.len + size * n > TGPOLL_MAX_BODY)
		return 0;
	buf_add(&p->body, ptr, size * n);
	return size * n;
}

static int
updates_read(struct poller *p, CURLcode rc)
{
	size_t skipped = 0;
	long status = 0;
	char why[300];
	int n;

	curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK || status != 200) {
		log_warnx("telegram: %s: getUpdates failed: %s; again in %d s", p->name,
		          rc != CURLE_OK ? curl_easy_strerror(rc) : "not 200",
		          p->backoff_s ? p->backoff_s * 2 : 1);
		return -1;
	}
	p->next_offset = p->offset;
	n = rcv_telegram_updates(p->body.data ? p->body.data : "", p->body.len, p->acts,
	                         RCV_TG_UPDATES_MAX, &p->next_offset, &skipped, why, sizeof(why));
	if (n < 0)
		log_warnx("telegram: %s: getUpdates: %s", p->name, why);
	else if (skipped)
		log_debug("telegram: %s: %zu update(s) that are no button of keluh's", p->name,
		          skipped);
	return n;
}

static void
updates_done(void *arg, CURL *easy, CURLcode rc)
{
	struct poller *p = arg;
	int n = updates_read(p, rc);

	curl_easy_cleanup(p->easy);
	p->easy = NULL;
	buf_reset(&p->body);
	if (n < 0)
		poll_later(p, 1);
	else if (p->next_offset != p->offset)
		presses_take(p, (size_t)n);
	else
		poll_later(p, 0);
}

static void
poll_start(struct poller *p)
{
	const struct receiver *r = poller_receiver(p->tp, p->name);
	char *url;

	if (r == NULL || (p->easy = curl_easy_init()) == NULL)
		return;
	url = rcv_telegram_updates_url(r, p->offset, TGPOLL_TIMEOUT_S);
	p->started_ms = util_now_ms();
	curl_easy_setopt(p->easy, CURLOPT_URL, url);
	curl_easy_setopt(p->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->easy, CURLOPT_TIMEOUT, (long)TGPOLL_TIMEOUT_S + 15);
	curl_easy_setopt(p->easy, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(p->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(p->easy, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(p->easy, CURLOPT_USERAGENT, "keluh/" PACKAGE_VERSION);
	free(url);
	if (curlev_add(p->tp->env.ce, p->easy, updates_done, p) < 0) {
		curl_easy_cleanup(p->easy);
		p->easy = NULL;
		poll_later(p, 1);
	}
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	poll_start(arg);
}

/* --- the set of loops ------------------------------------------------------------------ */

static void
poller_add(struct tgpoll *tp, const char *name)
{
	struct poller *p = xcalloc(1, sizeof(*p));
	char *v;

	p->tp = tp;
	p->name = xstrdup(name);
	p->live = 1;
	snprintf(p->cursor, sizeof(p->cursor), "telegram:%s", name);
	buf_init(&p->body);
	p->timer = evtimer_new(tp->env.base, timer_cb, p);
	if ((v = spool_cursor_get(tp->env.spool, p->cursor)) != NULL) {
		p->offset = strtoll(v, NULL, 10);
		free(v);
	}
	p->next = tp->list;
	tp->list = p;
	log_info("telegram: %s: reading button presses by getUpdates from offset %" PRId64, name,
	         p->offset);
	poll_start(p);
}

void
tgpoll_set_conf(struct tgpoll *tp, const struct conf *c)
{
	struct poller **pp = &tp->list, *p;

	tp->conf = c;
	/* a loop whose receiver went stops now, or once the commit it waits for is done */
	while ((p = *pp) != NULL)
		if (p->live && poller_receiver(tp, p->name) == NULL && !p->in_pass) {
			*pp = p->next;
			poller_free(p);
		} else {
			if (poller_receiver(tp, p->name) == NULL)
				p->live = 0;
			pp = &p->next;
		}
	for (size_t i = 0; i < c->nreceivers; i++) {
		const char *name = c->receivers[i].name;

		for (p = tp->list; p && !(p->live && strcmp(p->name, name) == 0); p = p->next)
			;
		if (p == NULL && poller_receiver(tp, name))
			poller_add(tp, name);
	}
}

struct tgpoll *
tgpoll_new(const struct tgpoll_env *env, const struct conf *c)
{
	struct tgpoll *tp = xcalloc(1, sizeof(*tp));

	tp->env = *env;
	tgpoll_set_conf(tp, c);
	return tp;
}

void
tgpoll_free(struct tgpoll *tp)
{
	struct poller *p;

	if (tp == NULL)
		return;
	while ((p = tp->list) != NULL) {
		tp->list = p->next;
		if (p->in_pass)
			pass_cancel(tp->env.pass, &p->pw);
		poller_free(p);
	}
	while (tp->answering) {
		curlev_cancel(tp->env.ce, tp->answering->easy);
		answer_free(tp->answering);
	}
	free(tp);
}
