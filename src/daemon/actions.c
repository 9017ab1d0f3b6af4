/*
 * actions.c: /v1/actions/... on the HTTP listener (see actions.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/actions.h"
#include "daemon/tgpoll.h"
#include "lib/actsig.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

#define LINK_PREFIX ACTIONS_PREFIX "link/"

/* A receiver's one-time values (Slack timestamps+signatures, Discord's, Telegram's ids). */
struct replay_ent {
	char *name;
	struct sign_replay *replay;
};

struct actions {
	struct actions_env env;
	const struct conf *conf;
	unsigned char key[SPOOL_ACTION_KEY_BYTES];
	struct replay_ent *rp;
	size_t nrp;
	size_t nwaiting;
	struct tgpoll *tg;
};

/* A request waiting for the commit that holds its action. */
struct act_wait {
	struct pass_wait pw; /* first: the pass hands it back */
	struct actions *as;
	struct httpd_req *req;
	struct rcv_action a;
	enum cases_rc crc;
	int link;
	char receiver[64];
	char text[300];
};

static void
counted(const char *receiver, const char *outcome)
{
	char labels[200], r[96];

	metrics_label_value(r, sizeof(r), receiver);
	snprintf(labels, sizeof(labels), "receiver=\"%s\",outcome=\"%s\"", r, outcome);
	metrics_add("keluh_action_requests_total", labels, 1);
}

enum cases_rc
actions_apply(struct cases *cs, const struct rcv_action *a, int64_t now_ms, char *text,
              size_t textlen)
{
	struct cases_actor actor = {a->platform, a->user_id[0] ? a->user_id : NULL,
	                            a->user_name[0] ? a->user_name : NULL};
	enum cases_rc rc;

	*text = '\0';
	rc = cases_act(cs, a->case_id, rcv_act_name(a->action), &actor, a->arg[0] ? a->arg : NULL,
	               now_ms, text, textlen);
	if (rc == CASES_UNCHANGED)
		snprintf(text, textlen, "Case #%" PRId64 ": nothing to change, it is so already",
		         a->case_id);
	else if (rc == CASES_CHANGED)
		*text = '\0';
	else if (rc != CASES_ESTORE)
		log_info("case #%" PRId64 ": %s by %s (%s) refused: %s", a->case_id,
		         rcv_act_name(a->action), cases_actor_name(cs, &actor), a->platform, text);
	return rc;
}

/* --- replay caches ----------------------------------------------------------- */

static struct sign_replay *
replay_for(struct actions *as, const char *name)
{
	for (size_t i = 0; i < as->nrp; i++)
		if (strcmp(as->rp[i].name, name) == 0)
			return as->rp[i].replay;
	return NULL;
}

/* One cache per receiver of c; those of receivers kept by name stay. */
static void
replay_sync(struct actions *as, const struct conf *c)
{
	struct replay_ent *n = xcalloc(c->nreceivers + 1, sizeof(*n));

	for (size_t i = 0; i < c->nreceivers; i++) {
		n[i].name = xstrdup(c->receivers[i].name);
		for (size_t j = 0; j < as->nrp && n[i].replay == NULL; j++)
			if (as->rp[j].replay && strcmp(as->rp[j].name, n[i].name) == 0) {
				n[i].replay = as->rp[j].replay;
				as->rp[j].replay = NULL;
			}
		if (n[i].replay == NULL)
			n[i].replay = sign_replay_new(ACTIONS_REPLAY_MAX);
	}
	for (size_t j = 0; j < as->nrp; j++) {
		sign_replay_free(as->rp[j].replay);
		free(as->rp[j].name);
	}
	free(as->rp);
	as->rp = n;
	as->nrp = c->nreceivers;
}

/* --- answers ------------------------------------------------------------------ */

static void
reply_buf(struct httpd_req *req, int status, const char *ct, const char *headers, struct buf *b)
{
	httpd_reply(req, status, ct, headers, b->data ? b->data : "", b->len);
	buf_free(b);
}

static void
link_headers(struct buf *h)
{
	for (size_t i = 0; rcv_link_page_headers[i]; i++)
		buf_printf(h, "%s\r\n", rcv_link_page_headers[i]);
}

static void
link_reply(struct httpd_req *req, int status, struct buf *html)
{
	struct buf h;

	buf_init(&h);
	link_headers(&h);
	/* the headers carry the Content-Type */
	httpd_reply(req, status, NULL, h.data, html->data ? html->data : "", html->len);
	buf_free(&h);
	buf_free(html);
}

static void
act_done(struct act_wait *w)
{
	w->as->nwaiting--;
	free(w);
}

static void
act_answer(struct pass_wait *pw, int ok)
{
	struct act_wait *w = (struct act_wait *)pw;
	const char *ct, *text = w->text[0] ? w->text : NULL;
	struct buf b;

	buf_init(&b);
	if (!ok) {
		log_warnx("case #%" PRId64 ": the %s action could not be stored; answered 503",
		          w->a.case_id, rcv_act_name(w->a.action));
		if (w->link) {
			rcv_link_result_page(&b, &w->a, 0, "It could not be stored; try again.");
			link_reply(w->req, 503, &b);
		} else
			httpd_reply_error(w->req, 503, "the action could not be stored; try again",
			                  NULL);
		act_done(w);
		return;
	}
	counted(w->receiver, w->crc >= 0 ? "ok" : "refused");
	if (w->link) {
		rcv_link_result_page(&b, &w->a, w->crc == CASES_CHANGED, text);
		link_reply(w->req, 200, &b);
	} else {
		rcv_action_answer(&w->a, RCV_ACTION_OK, text, &b, &ct);
		reply_buf(w->req, 200, ct, NULL, &b);
	}
	act_done(w);
}

static void
act_cancel(void *arg)
{
	struct act_wait *w = arg;

	/* the client left; the action stands all the same */
	pass_cancel(w->as->env.pass, &w->pw);
	act_done(w);
}

/* Applies a verified action; the answer waits for the commit that holds it. */
static void
act_take(struct actions *as, struct httpd_req *req, const struct rcv_action *a,
         const char *receiver, int link)
{
	struct act_wait *w;

	if (as->nwaiting >= ACTIONS_MAX_WAITING) {
		metrics_bound_hit("action_requests", "action requests waiting for their commit: "
		                                     "answered 503");
		httpd_reply_error(req, 503, "too many actions at once; try again", NULL);
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->as = as;
	w->req = req;
	w->a = *a;
	w->link = link;
	snprintf(w->receiver, sizeof(w->receiver), "%s", receiver);
	w->crc = actions_apply(as->env.cases, a, util_now_ms(), w->text, sizeof(w->text));
	w->pw.answer = act_answer;
	as->nwaiting++;
	pass_wait(as->env.pass, &w->pw, w->crc == CASES_ESTORE);
	httpd_req_on_cancel(req, act_cancel, w);
}

/* --- callbacks ---------------------------------------------------------------- */

static const char *
req_header(void *arg, const char *name)
{
	return httpd_header(arg, name);
}

static const struct receiver *
receiver_named(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nreceivers; i++)
		if (strcmp(c->receivers[i].name, name) == 0)
			return &c->receivers[i];
	return NULL;
}

/* The refusals of a parse: 404, 401, 400, each with why in the body. */
static void
callback_refused(struct httpd_req *req, const char *name, int rc, const char *why)
{
	if (rc == RCV_ACTION_EAUTH) {
		counted(name, "unauthorized");
		log_warnx("actions: %s: refused a request from %s: %s", name, httpd_peer(req), why);
	} else if (rc == RCV_ACTION_EBAD)
		counted(name, "malformed");
	httpd_reply_error(req, rcv_action_status(rc), why, NULL);
}

static void
callback(struct actions *as, struct httpd_req *req, const char *name)
{
	const struct receiver *r = receiver_named(as->conf, name);
	struct rcv_action a;
	struct rcv_action_req rq = {
	    httpd_body(req), httpd_body_len(req), req_header, req, (int64_t)time(NULL), NULL,
	    as->key};
	char why[300];
	const char *ct;
	struct buf b;
	int rc;

	if (r == NULL) {
		snprintf(why, sizeof(why), "no receiver named '%.64s' in keluhd.yaml", name);
		httpd_reply_error(req, 404, why, NULL);
		return;
	}
	if (strcmp(httpd_method(req), "POST") != 0) {
		httpd_reply(req, 405, "application/json", "Allow: POST\r\n",
		            "{\"error\":\"use POST\"}\n", 20);
		return;
	}
	rq.replay = replay_for(as, name);
	rc = receiver_action_parse(r, &rq, &a, why, sizeof(why));
	if (a.replay_forgotten)
		metrics_bound_hit("action_replay", "one-time values of a receiver's actions: the "
		                                   "oldest is forgotten early");
	if (rc < 0) {
		callback_refused(req, name, rc, why);
		return;
	}
	if (rc != RCV_ACTION_OK) { /* a PING, or nothing to act on */
		counted(name, "ok");
		buf_init(&b);
		rcv_action_answer(&a, rc, NULL, &b, &ct);
		reply_buf(req, 200, ct, NULL, &b);
		return;
	}
	act_take(as, req, &a, name, 0);
}

/* --- signed links ------------------------------------------------------------- */

static void
link_request(struct actions *as, struct httpd_req *req, const char *token)
{
	const char *m = httpd_method(req);
	struct rcv_action a;
	char why[300];
	struct buf html;
	int rc;

	buf_init(&html);
	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0) {
		rc = rcv_link_check(as->key, token, (int64_t)time(NULL), &a, why, sizeof(why));
		rcv_link_page(&html, rc, &a, why);
		link_reply(req, rcv_action_status(rc), &html);
		return;
	}
	if (strcmp(m, "POST") != 0) {
		buf_free(&html);
		httpd_reply(req, 405, "application/json", "Allow: GET, HEAD, POST\r\n",
		            "{\"error\":\"use GET or POST\"}\n", 27);
		return;
	}
	rc = rcv_link_post(as->key, token, httpd_body(req), httpd_body_len(req),
	                   (int64_t)time(NULL), &a, why, sizeof(why));
	if (rc != RCV_ACTION_OK) {
		counted("link", rc == RCV_ACTION_EAUTH ? "unauthorized" : "malformed");
		rcv_link_page(&html, rc, &a, why);
		link_reply(req, rcv_action_status(rc), &html);
		return;
	}
	buf_free(&html);
	act_take(as, req, &a, "link", 1);
}

int
actions_handle(struct actions *as, struct httpd_req *req)
{
	const char *path = httpd_path(req);
	size_t n = strlen(ACTIONS_PREFIX);

	if (strncmp(path, ACTIONS_PREFIX, n) != 0)
		return 0;
	if (strncmp(path, LINK_PREFIX, strlen(LINK_PREFIX)) == 0 &&
	    strchr(path + strlen(LINK_PREFIX), '/') == NULL)
		link_request(as, req, path + strlen(LINK_PREFIX));
	else if (path[n] == '\0' || strchr(path + n, '/'))
		httpd_reply_error(req, 404,
		                  "no such endpoint: POST /v1/actions/RECEIVER, or "
		                  "/v1/actions/link/TOKEN",
		                  NULL);
	else
		callback(as, req, path + n);
	return 1;
}

/* --- life ----------------------------------------------------------------------- */

struct actions *
actions_new(const struct actions_env *env, const struct conf *c, char *err, size_t errlen)
{
	struct actions *as = xcalloc(1, sizeof(*as));

	as->env = *env;
	as->conf = c;
	if (spool_action_key(env->spool, as->key) < 0) {
		snprintf(err, errlen, "actions: %s", spool_error(env->spool));
		free(as);
		return NULL;
	}
	replay_sync(as, c);
	as->tg = tgpoll_new(&(struct tgpoll_env){env->base, env->ce, env->spool, env->pass,
	                                         env->cases, actions_apply},
	                    c);
	return as;
}

void
actions_free(struct actions *as)
{
	if (as == NULL)
		return;
	tgpoll_free(as->tg);
	for (size_t i = 0; i < as->nrp; i++) {
		sign_replay_free(as->rp[i].replay);
		free(as->rp[i].name);
	}
	free(as->rp);
	memset(as->key, 0, sizeof(as->key));
	free(as);
}

void
actions_set_conf(struct actions *as, const struct conf *c)
{
	as->conf = c;
	replay_sync(as, c);
	tgpoll_set_conf(as->tg, c);
}
