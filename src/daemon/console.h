/*
 * console.h: the web console (ui: in keluhd.yaml) and the JSON API under
 * /v1/ that its pages read, for people and for other tools alike.
 *
 * console.c owns the listener (its own, or paths of the ingest listener),
 * the static files under /ui/, the login and sessions, the checks every
 * request passes (authentication, then CSRF on state-changing requests
 * of a session), and the live stream of changes (/v1/events). Each page's
 * data comes from a module of its own, called with a request that passed
 * those checks:
 *
 *   console_cases.c       /v1/cases, /v1/cases/ID, /v1/cases/ID/ACTION,
 *                         /v1/response-times, /v1/deliveries[/ID/retry|drop]
 *   console_trends.c      /v1/trends, /v1/trends/terms, /v1/trends/mentions,
 *                         /v1/rules, /v1/rules/ID
 *   playground.c          /v1/playground, /v1/playground/backtest,
 *                         /v1/playground/save
 *   labels.c              /v1/labels
 *
 * Every answer is JSON; errors are {"error": "..."} (httpd_reply_error).
 * Loop thread only.
 */
#ifndef KELUH_CONSOLE_H
#define KELUH_CONSOLE_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "daemon/console_auth.h"
#include "engine/rules.h"
#include "net/httpd.h"
#include "store/spool.h"

struct cases;
struct console;
struct pass;

#define CONSOLE_PAGES 4

/* What the daemon lends the console; refreshed on reload (console_set). */
struct console_env {
	struct event_base *base;
	const struct conf *conf;
	struct ruleset *rules;
	struct spool *spool;
	struct cases *cases;
	struct pass *pass;	/* changes are published once its commit is durable */
	/* Commits the current pass now; 0, or -1 if it failed. */
	int (*commit)(void *arg);
	/* Deliver what receiver (by name) has pending now (after a retry). */
	void (*kick)(void *arg, const char *receiver);
	/* Reloads as SIGHUP does: 0, or -1 with the first error and the count. */
	int (*reload)(void *arg, char *err, size_t errlen, size_t *nerrors);
	void *arg;
	/*
	 * The page modules' handlers (below), asked in turn after the
	 * console's own paths; unused slots are NULL. keluhd fills them, so
	 * that console.c needs none of the modules it serves.
	 */
	int (*pages[CONSOLE_PAGES])(struct console *, struct httpd_req *,
	    const struct console_user *);
	/* Run first by console_free (playground_stop), for what the modules keep. */
	void (*on_free)(struct console *);
};

/*
 * NULL with a reason when the console cannot start (its listener); with
 * ui.enabled off it is never made. On http.listen (ui.listen NULL) the
 * ingest listener hands it its paths through console_route.
 */
struct console *console_new(const struct console_env *, char *err, size_t errlen);
void console_set(struct console *, const struct console_env *);	/* on reload */
/* 1 when req was one of the console's (/ui/..., its /v1/ paths): answered or taken. */
int console_route(struct console *, struct httpd_req *);
/* Stop: no new connections; live streams end; changes are no longer watched. */
void console_stop(struct console *);
void console_free(struct console *);
/* Its own listener's port (for the log and the admin status), or 0 on http.listen. */
int console_port(const struct console *);
/* Connections still open on its own listener (a stopped console finishing its answers). */
int console_connections(const struct console *);
const struct console_env *console_env(const struct console *);

/*
 * A change people see on the "Now" page, sent to every live stream as a
 * server-sent event once the pass that wrote it is committed: event is
 * "case", "delivery" or "alert", data a JSON object as text.
 */
void console_publish(struct console *, const char *event, const char *data);
/*
 * Delivery id became state ("delivered", "dead") in the current pass: the
 * event "delivery" goes out once that pass is durable (deliver_set_observer).
 */
void console_delivery_changed(void *console, int64_t id, const char *state);

/*
 * The page modules. Each answers req and returns 1 when its path is one
 * of its own, or returns 0 without touching req.
 */
int console_cases_handle(struct console *, struct httpd_req *, const struct console_user *);
int console_trends_handle(struct console *, struct httpd_req *, const struct console_user *);
/*
 * What console_trends_handle answers to GET path?query at now_ms (and
 * bench/trends times): the status, with the JSON body in *body (malloc'd);
 * 0 when path is not the module's.
 */
int console_trends_answer(const struct console_env *, const char *path, const char *query,
    int64_t now_ms, char **body);
int playground_handle(struct console *, struct httpd_req *, const struct console_user *);
/* POST /v1/labels (labels.c): a missed complaint or not a complaint, said by the user. */
int console_labels_handle(struct console *, struct httpd_req *, const struct console_user *);
/*
 * console_free calls it (console_env.on_free): a backtest running is stopped (its thread
 * joined; its request, if still there, answered 503) and what the
 * playground keeps (the last draft, its classify contexts) is freed.
 */
void playground_stop(struct console *);

#endif
