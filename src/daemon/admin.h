/*
 * admin.h: the admin API, HTTP/1.1 on a Unix socket (admin.socket in
 * keluhd.yaml; the file mode 0660 is the access control, so the socket
 * lives in a directory only the daemon's user and group reach).
 *
 *   GET  /v1/admin/status                  what runs: rules, sources, queues, reload, ...
 *   POST /v1/admin/reload                  reload as SIGHUP does; answers when done
 *   GET  /v1/admin/silences[?all=1]        the active silences (all: ended ones too)
 *   POST /v1/admin/silences                create one
 *   POST /v1/admin/silences/ID/expire      end one now
 *   POST /v1/admin/send-test               {"receiver":NAME}: a test alert to it
 *   GET  /v1/admin/cases[?state=&team=&limit=]  the open (or all) cases
 *   GET  /v1/admin/cases/ID                the case, its timeline, alerts and mentions
 *   POST /v1/admin/cases/ID/ACTION         {"by","to","note"}: ack, assign, resolve...
 *   POST /v1/admin/reports/N/send          make digest N of reports: and send it now (202)
 *   GET  /v1/admin/cluster                 the daemons on this spool (daemon/cluster.h)
 *
 * Replies are JSON. Changes answer after their spool commit. Loop thread only.
 */
#ifndef KELUH_ADMIN_H
#define KELUH_ADMIN_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "daemon/silence.h"
#include "sources/source.h"
#include "store/spool.h"

#define ADMIN_SOCKET_MODE 0660

/* What the daemon tells the status endpoint; filled on every request. */
struct admin_status {
	const struct conf *conf;
	struct source *const *sources;	/* follows conf->sources; NULL: left out */
	size_t nsources;
	size_t rules, groups;
	int64_t started_ms;
	int64_t last_reload_ms;		/* 0: no reload yet */
	int last_reload_ok;
	const char *last_reload_error;
	uint64_t reloads, reload_failures;
	int draining, spool_broken;
	int ui_on;	/* the web console runs */
	int ui_port;	/* its own listener's port; 0 on http.listen */
};

struct admin_ops {
	void (*status)(void *arg, struct admin_status *);
	/* Reloads; 0, or -1 with the first error (file:line:col: message) and the count. */
	int (*reload)(void *arg, char *err, size_t errlen, size_t *nerrors);
	/* Commits the spool batch now and starts the deliveries it holds; -1 if it failed. */
	int (*commit)(void *arg);
	void *arg;
	/*
	 * Records a test alert for the receiver (health.h), to be sent once
	 * committed: 0 with its id, 404 (unknown receiver) or 503 with err.
	 */
	int (*send_test)(void *arg, const char *receiver, char *id, size_t idlen, char *err,
	    size_t errlen);
	/*
	 * Starts digest n (1-based) of reports: (digest.h): 0, or 404 (no such
	 * report) or 409 (being made) with err. NULL: the endpoint answers 404.
	 */
	int (*send_report)(void *arg, size_t n, char *err, size_t errlen);
};

struct admin;

struct admin *admin_new(struct event_base *, const char *path, struct spool *,
    struct silences *, const struct admin_ops *, char *err, size_t errlen);
/* The cases the /v1/admin/cases endpoints act on (NULL: they answer 503). */
struct cases;
void admin_set_cases(struct admin *, struct cases *);
/* The daemons /v1/admin/cluster and the status show (NULL: the endpoint answers 503). */
struct cluster;
void admin_set_cluster(struct admin *, struct cluster *);
/* Shutting down: no new connections; the socket file goes. */
void admin_stop(struct admin *);
void admin_free(struct admin *);

#endif
