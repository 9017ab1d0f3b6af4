/*
 * actions.h: actions on cases taken from chat and from signed links, on
 * the HTTP listener (ingest_http.c hands the paths over):
 *
 *   POST /v1/actions/RECEIVER   a platform's callback (Slack interactivity,
 *                               Discord interactions, Telegram webhook,
 *                               Mattermost integration actions)
 *   GET  /v1/actions/link/TOKEN a signed link's confirmation page (never acts)
 *   POST /v1/actions/link/TOKEN the page's form: acts
 *
 * A request is verified by receivers/action.h (its own signature: the
 * ingest tokens are not asked), its action applied with cases_act in the
 * loop pass, and answered only once the pass's commit is durable (a pass
 * wait), so an answer "done" is never lost. A refused action (the case is
 * already resolved) is answered 200 with the platform's words for the one
 * who acted. Telegram receivers with updates: poll are read by tgpoll.h,
 * which actions starts and stops with the configuration.
 *
 * Bounded: one replay cache per receiver (ACTIONS_REPLAY_MAX), and at most
 * ACTIONS_MAX_WAITING requests waiting for their commit (503 beyond).
 * Loop thread only.
 */
#ifndef KELUH_ACTIONS_H
#define KELUH_ACTIONS_H

#include <event2/event.h>
#include <stddef.h>

#include "conf/conf.h"
#include "daemon/cases.h"
#include "daemon/pass.h"
#include "net/curlev.h"
#include "net/httpd.h"
#include "receivers/action.h"
#include "store/spool.h"

#define ACTIONS_REPLAY_MAX  4096 /* one-time values kept per receiver (5 minutes' worth) */
#define ACTIONS_MAX_WAITING 256  /* requests waiting for their commit */
#define ACTIONS_PREFIX      "/v1/actions/"

struct actions_env {
	struct event_base *base;
	struct curlev *ce;
	struct spool *spool;
	struct pass *pass;
	struct cases *cases;
};

struct actions;

/* Reads the link key from the spool and starts the Telegram pollers; NULL with err. */
struct actions *actions_new(const struct actions_env *, const struct conf *, char *err,
                            size_t errlen);
/* Requests still waiting are forgotten (free the listener first); pollers stop. */
void actions_free(struct actions *);
/* On reload: receivers by name keep their replay caches; pollers follow the config. */
void actions_set_conf(struct actions *, const struct conf *);
/* Whether the path is one of ours (ACTIONS_PREFIX...): then the request is taken. */
int actions_handle(struct actions *, struct httpd_req *);

/*
 * Applies a verified action with cases_act (the actor is a's platform
 * user). text gets the words for the one who acted when the action was
 * refused or changed nothing ("" otherwise). Counts keluh_case_actions_total.
 */
enum cases_rc actions_apply(struct cases *, const struct rcv_action *a, int64_t now_ms, char *text,
                            size_t textlen);

#endif
