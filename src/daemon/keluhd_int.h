/*
 * keluhd_int.h: the running daemon, shared by keluhd.c (start-up, the
 * loop's events, the stop) and control.c (reload, status, the admin API).
 * K holds every module of the daemon; the loop thread owns it all.
 */
#ifndef KELUH_KELUHD_INT_H
#define KELUH_KELUHD_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#include "conf/conf.h"
#include "daemon/actions.h"
#include "daemon/admin.h"
#include "daemon/cases.h"
#include "daemon/cluster.h"
#include "daemon/confload.h"
#include "daemon/console.h"
#include "daemon/digest.h"
#include "daemon/feeds.h"
#include "daemon/hooks.h"
#include "daemon/ingest.h"
#include "daemon/ingest_http.h"
#include "daemon/pass.h"
#include "daemon/rollup.h"
#include "daemon/silence.h"
#include "daemon/sla_timer.h"
#include "engine/rules.h"
#include "lib/sign.h"
#include "net/curlev.h"
#include "store/spool.h"

struct keluhd {
	struct confload_args args; /* -c, --spool, --admin-socket */
	struct conf *conf;
	struct ruleset *rules;
	struct sign_key *keys; /* http.signing_keys, for ingest_http */
	size_t nkeys;

	struct event_base *base;
	struct spool *spool;
	struct cluster *cluster; /* the other daemons on a shared spool; alone on SQLite */
	struct pass *pass;
	struct curlev *ce;
	struct deliver *deliver;
	struct group_engine *groups;
	struct ingest *ingest;
	struct rollup *rollup; /* the trends' counts, flushed before each pass's commit */
	struct ingest_http *http; /* when http.listen is set */
	struct feeds *feeds;
	struct hooks *hooks; /* /v1/hooks/NAME: the push sources' webhooks */
	struct silences *silences;
	struct cases *cases;
	struct digests *digests; /* reports: in keluhd.yaml */
	struct sla_timer *sla; /* the cases' SLA clocks: metrics, first reply, escalation */
	struct admin *admin; /* the admin API, when admin.socket is set */
	struct actions *actions; /* /v1/actions/... on the listener, Telegram polling */
	struct console *console; /* the web console, when ui.enabled */
	struct console *console_retired; /* replaced by a reload, freed once its answers are out */
	int console_retired_ticks;

	struct event *flush_ev;
	struct event *sync_ev; /* the spool's deferred sync finished one */
	struct event *sig_term, *sig_int, *sig_hup;
	struct event *watchdog, *stats_timer, *drain_timer, *prune_timer;
	int draining;
	int64_t queue_depth; /* pending deliveries, refreshed every second */
	time_t started;
	struct confload_record record; /* of the reloads */
};

extern struct keluhd K;

/* Receivers with new alerts (groups, silences, health, send-test): kicked after the commit. */
void keluhd_alerted(void *arg, const size_t *receivers, size_t n);
/* systemd's STATUS= line: rules, sources, receivers, the backlog, the last reload. */
void keluhd_notify_status(void);
/* What runs now, for the admin status and /healthz. */
void keluhd_status(struct admin_status *);
/* As SIGHUP asks, and the admin API: 0, or -1 with the first error in err. */
int keluhd_reload(char *err, size_t errlen, size_t *nerrors);
/*
 * Silences first: those that expired while keluhd was down end before the
 * pending complaints are read back. Then the admin socket, when configured.
 */
int keluhd_admin_start(char *err, size_t errlen);
/* The web console when ui.enabled: 0, or -1 (logged) when it cannot start. */
int keluhd_console_start(void);

/*
 * leader.c: on a shared spool one daemon leads (groups, SLA clocks,
 * digests, living edits, prune). keluhd_lead_start asks for the lead once
 * the modules and the cluster are made (on SQLite: nothing, the daemon
 * leads); keluhd_leading says whether this daemon leads now;
 * keluhd_lead_case_changed tells the leader that an action here changed a
 * case; keluhd_lead_recovered rebuilds after the spool failed;
 * keluhd_lead_stop frees its events.
 */
int keluhd_lead_start(void);
int keluhd_leading(void);
void keluhd_lead_case_changed(int64_t id);
void keluhd_lead_recovered(void);
void keluhd_lead_stop(void);

#endif
