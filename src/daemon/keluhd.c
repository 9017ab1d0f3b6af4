/*
 * keluhd: the daemon. One libevent loop drives the HTTP ingest, the
 * sources, the group timers, libcurl's transfers and the spool.
 *
 * Durability: everything a loop pass accepts is written into one spool
 * transaction, committed once at the end of the pass (the flush event);
 * only then do the 202 answers go out and the deliveries start. A crash
 * at any point loses nothing that was answered 202.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "conf/conf.h"
#include "conf/confcheck.h"
#include "daemon/admin.h"
#include "daemon/deliver.h"
#include "daemon/feeds.h"
#include "daemon/group.h"
#include "daemon/health.h"
#include "daemon/healthz.h"
#include "daemon/ingest.h"
#include "daemon/ingest_http.h"
#include "daemon/pass.h"
#include "daemon/silence.h"
#include "engine/rules.h"
#include "lib/diag.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/sign.h"
#include "lib/util.h"
#include "net/curlev.h"
#include "store/spool.h"

#define DRAIN_TIMEOUT_S 10

struct keluhd {
	const char *conf_path;
	const char *spool_override;
	const char *admin_override;
	struct conf *conf;
	struct ruleset *rules;
	struct sign_key *keys;	/* http.signing_keys, for ingest_http */
	size_t nkeys;

	struct event_base *base;
	struct spool *spool;
	struct pass *pass;
	struct curlev *ce;
	struct deliver *deliver;
	struct group_engine *groups;
	struct ingest *ingest;
	struct ingest_http *http;	/* when http.listen is set */
	struct feeds *feeds;
	struct silences *silences;
	struct admin *admin;	/* the admin API, when admin.socket is set */

	struct event *flush_ev;
	struct event *sync_ev;	/* the spool's deferred sync finished one */
	struct event *sig_term, *sig_int, *sig_hup;
	struct event *watchdog, *stats_timer, *drain_timer, *prune_timer;
	int draining;
	int64_t queue_depth;	/* pending deliveries, refreshed every second */
	time_t started;
	uint64_t reloads, reload_failures;
	char last_reload[160];
	int64_t last_reload_ms;
	int last_reload_ok;
	char last_reload_error[400];
};

static struct keluhd K;

static void check_orphans(void);
static void admin_status_cb(void *arg, struct admin_status *st);

static void
notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
notify(const char *fmt, ...)
{
#ifdef HAVE_SYSTEMD
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_notify(0, buf);
#else
	(void)fmt;
#endif
}

static void
notify_status(void)
{
	size_t nsources;

	feeds_sources(K.feeds, &nsources);
	notify("STATUS=%zu rules, %zu sources, %zu receivers, %lld deliveries waiting%s",
	    rules_count(K.rules), nsources, K.conf->nreceivers, (long long)K.queue_depth,
	    K.last_reload[0] ? K.last_reload : "");
}

/* ------------------------------------------------------------------ */
/* the pass (pass.h): the flush event ends it, the sync event reports */

static void
schedule_flush(void *arg)
{
	if (!event_pending(K.flush_ev, EV_TIMEOUT, NULL))
		event_active(K.flush_ev, 0, 0);
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	pass_end(K.pass, 0);
}

static void
sync_cb(evutil_socket_t fd, short what, void *arg)
{
	pass_synced(K.pass);
}

static void
pass_answer(void *arg, struct pass_wait *w, int ok)
{
	ingest_http_answer(w, ok);
}

static void
pass_kick(void *arg, size_t receiver)
{
	deliver_kick(K.deliver, receiver);
}

static void
pass_before_commit(void *arg)
{
	feeds_end_pass(K.feeds);
}

static void
on_alert(void *arg, const size_t *receivers, size_t n)
{
	pass_alerted(K.pass, receivers, n);
}

/*
 * The spool works again. What failed meanwhile may be gone (a batch
 * rolled back) or not on the disk (a failed sync), so the groups in memory
 * are rebuilt from the spool and the ids and texts seen are forgotten: no
 * alert carries a complaint that is gone, and one that is sent again
 * after its 503 is taken again, not counted as a duplicate.
 */
static void
pass_recovered(void *arg)
{
	struct group_engine *old = K.groups;

	K.groups = group_new(K.base, K.conf, K.spool, on_alert, NULL);
	group_set_silences(K.groups, K.silences);
	/* what the rebuild writes goes into the next batch, synced beside the loop */
	pass_open(K.pass);
	if (ingest_lost(K.ingest, K.groups) < 0)
		log_warnx("spool: the groups could not be read back from it");
	group_free(old);
	log_info("spool: %zu group(s) read back from it", group_count(K.groups));
}

/* The ingest listener's other paths. */
static void
http_other(void *arg, struct httpd_req *req)
{
	struct admin_status st;

	admin_status_cb(NULL, &st);
	healthz_handle(req, &st, K.deliver, K.queue_depth);
}

static void
budget_closed(void *arg)
{
	feeds_budget_closed(K.feeds);
}

/* ------------------------------------------------------------------ */
/* configuration */

/*
 * Builds a new conf + ruleset; NULL on any error (printed), with the first
 * error in why (file:line:col: message) and their number in *nerrors.
 */
static struct conf *
load_all(const char *path, struct ruleset **rs_out, char *why, size_t whylen, size_t *nerrors)
{
	int have_first = 0;

	struct diag d;
	struct conf *c;
	struct ruleset *rs = NULL;

	diag_init(&d);
	c = conf_load(path, &d);
	if (c) {
		if (K.spool_override) {
			free(c->spool_path);
			c->spool_path = xstrdup(K.spool_override);
		}
		if (K.admin_override) {
			free(c->admin_socket);
			c->admin_socket = xstrdup(K.admin_override);
		}
		rs = rules_load_spec(&c->rules, &d);
	}
	for (size_t i = 0; i < d.n; i++) {
		const struct diag_item *it = &d.items[i];

		if (it->line)
			log_warnx("%s:%u:%u: %s: %s", it->file, it->line, it->col,
			    it->warning ? "warning" : "error", it->msg);
		else
			log_warnx("%s: %s: %s", it->file, it->warning ? "warning" : "error", it->msg);
		if (!it->warning && !have_first++) {
			if (it->line)
				snprintf(why, whylen, "%s:%u:%u: %s", it->file, it->line, it->col,
				    it->msg);
			else
				snprintf(why, whylen, "%s: %s", it->file, it->msg);
		}
	}
	if (nerrors)
		*nerrors = d.errors;
	if (c == NULL || rs == NULL) {
		if (!have_first)
			snprintf(why, whylen, "%zu error%s in %s or its rules (see the log)",
			    d.errors, d.errors == 1 ? "" : "s", path);
		conf_free(c);
		diag_free(&d);
		return NULL;
	}
	diag_free(&d);
	*rs_out = rs;
	return c;
}

/* As Alertmanager's: whether the last load worked, and when one last worked. */
static void
reload_gauges(int ok)
{
	metrics_set("keluh_config_last_reload_successful", NULL, ok);
	if (ok)
		metrics_set("keluh_config_last_reload_success_timestamp_seconds", NULL,
		    (double)util_now_ms() / 1000.0);
}

/* As SIGHUP asks, and the admin API: 0, or -1 with the first error in err. */
static int
reload(char *err, size_t errlen, size_t *nerrors)
{
	struct ruleset *rs;
	struct conf *c, *old;
	struct sign_key *keys;
	size_t nkeys;
	char why[400], old_admin[256];
	struct timespec mono;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
	    (unsigned long long)mono.tv_sec * 1000000ULL + (unsigned long long)mono.tv_nsec / 1000);
	log_info("reloading %s", K.conf_path);
	K.last_reload_ms = util_now_ms();
	c = load_all(K.conf_path, &rs, why, sizeof(why), nerrors);
	if (c && ingest_http_load_keys(c, &keys, &nkeys) < 0) {
		snprintf(why, sizeof(why), "a signing key in %s is not valid", K.conf_path);
		conf_free(c);
		rules_unref(rs);
		c = NULL;
	}
	if (c == NULL) {
		K.reload_failures++;
		metrics_add("keluh_reloads_total", "result=\"failed\"", 1);
		snprintf(K.last_reload, sizeof(K.last_reload), "; last reload failed: %.120s", why);
		log_warnx("reload failed, keeping the running configuration: %s", why);
		K.last_reload_ok = 0;
		reload_gauges(0);
		snprintf(K.last_reload_error, sizeof(K.last_reload_error), "%s", why);
		if (err)
			snprintf(err, errlen, "%s", why);
		notify("READY=1");
		notify_status();
		return -1;
	}
	if ((c->listen == NULL) != (K.conf->listen == NULL) ||
	    (c->listen && strcmp(c->listen, K.conf->listen) != 0))
		log_warnx("http.listen changed: the new address takes effect after a restart");
	if (strcmp(c->spool_path, K.conf->spool_path) != 0)
		log_warnx("spool.path changed: the new spool is used after a restart");
	snprintf(old_admin, sizeof(old_admin), "%s", K.conf->admin_socket ? K.conf->admin_socket : "");
	/* swap: everything from here on sees the new set; in-flight work finishes on the old */
	pass_end(K.pass, 1);
	old = K.conf;
	K.conf = c;
	free(K.keys);
	K.keys = keys;
	K.nkeys = nkeys;
	pass_set_receivers(K.pass, c->nreceivers);
	ingest_set(K.ingest, c, rs);
	rules_unref(K.rules);
	K.rules = rs;
	group_set_conf(K.groups, c);
	silences_set_conf(K.silences, c);
	deliver_set_conf(K.deliver, c);
	if (K.http)
		ingest_http_set_conf(K.http, c, keys, nkeys);
	feeds_start(K.feeds, c, old);
	conf_free(old);
	K.reloads++;
	metrics_add("keluh_reloads_total", "result=\"ok\"", 1);
	snprintf(K.last_reload, sizeof(K.last_reload), "; reloaded %llu time(s)",
	    (unsigned long long)K.reloads);
	log_info("reloaded: %zu rules, %zu sources, %zu receivers, %zu routes",
	    rules_count(rs), c->nsources, c->nreceivers, c->nroutes);
	check_orphans();
	K.last_reload_ok = 1;
	K.last_reload_error[0] = '\0';
	reload_gauges(1);
	if ((c->admin_socket == NULL) != (old_admin[0] == '\0') ||
	    (c->admin_socket && strcmp(c->admin_socket, old_admin) != 0))
		log_warnx("admin.socket changed: the new socket is used after a restart");
	notify("READY=1");
	notify_status();
	return 0;
}

/* ------------------------------------------------------------------ */
/* timers and signals */

static void
stats_cb(evutil_socket_t fd, short what, void *arg)
{
	int64_t depth = 0;
	int ok = 1;

	/* per receiver only: a spool-wide count walks every pending mention, every second */
	for (size_t i = 0; i < K.conf->nreceivers; i++) {
		int64_t pending, dead;
		char labels[160];

		if (spool_queue_counts(K.spool, K.conf->receivers[i].name, &pending, &dead) < 0) {
			ok = 0;
			continue;
		}
		depth += pending;
		snprintf(labels, sizeof(labels), "receiver=\"%s\"", K.conf->receivers[i].name);
		metrics_set("keluh_queue_depth", labels, (double)pending);
		metrics_set("keluh_dead_letters", labels, (double)dead);
	}
	if (ok)
		K.queue_depth = depth;
	/* a failing spool is tried again with a write of nothing: its sync ends the 503s */
	if (pass_broken(K.pass) && !K.draining && !spool_in_txn(K.spool) &&
	    (pass_join(K.spool) < 0 || spool_probe(K.spool) < 0))
		pass_failing(K.pass, "probe failed");
	if (K.http) {
		ingest_http_backlog(K.http, K.queue_depth);
		metrics_set("keluh_http_connections", NULL, ingest_http_connections(K.http));
	}
}

/* Keeps the spool from growing without end: hourly, history past keep_history goes. */
static void
prune_cb(evutil_socket_t fd, short what, void *arg)
{
	int64_t n, before = (int64_t)time(NULL) * 1000 - K.conf->keep_history_ms;

	pass_join(K.spool);
	if ((n = spool_prune(K.spool, before)) < 0)
		log_warnx("spool: pruning old history failed: %s", spool_error(K.spool));
	else if (n > 0)
		log_info("spool: forgot %lld delivered alert(s) older than %lld h",
		    (long long)n, (long long)(K.conf->keep_history_ms / 3600000));
}

static void
orphan_cb(void *arg, const char *receiver, int64_t n)
{
	if (conf_receiver_index(K.conf, receiver) < 0)
		log_warnx("%lld deliveries wait for receiver '%s', which is no longer configured: "
		    "add it back, or drop them with keluhctl drop", (long long)n, receiver);
}

/* Deliveries of a receiver that was removed would wait forever: say so. */
static void
check_orphans(void)
{
	spool_pending_by_receiver(K.spool, orphan_cb, NULL);
}

static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	notify("WATCHDOG=1");
}

static void
drained(void *arg)
{
	pass_end(K.pass, 1);
	event_base_loopexit(K.base, NULL);
}

static void
drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	log_warnx("%d delivery(ies) still in flight after %d s; they stay queued for the next "
	    "start", deliver_inflight(K.deliver), DRAIN_TIMEOUT_S);
	pass_end(K.pass, 1);
	event_base_loopexit(K.base, NULL);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	if (sig == SIGHUP) {
		if (!K.draining)
			reload(NULL, 0, NULL);
		return;
	}
	if (K.draining) {
		log_info("second signal: exiting now");
		event_base_loopexit(K.base, NULL);
		return;
	}
	K.draining = 1;
	notify("STOPPING=1\nSTATUS=stopping: finishing deliveries in flight");
	log_info("stopping: finishing %d delivery(ies) in flight", deliver_inflight(K.deliver));
	feeds_stop(K.feeds);
	if (K.http)
		ingest_http_stop(K.http);
	admin_stop(K.admin);
	pass_end(K.pass, 1);
	{
		struct timeval tv = { DRAIN_TIMEOUT_S, 0 };

		K.drain_timer = evtimer_new(K.base, drain_timeout, NULL);
		evtimer_add(K.drain_timer, &tv);
	}
	deliver_drain(K.deliver, drained, NULL);
}

/* ------------------------------------------------------------------ */
/* the admin API (admin.h) and silences (silence.h) */

static void
admin_status_cb(void *arg, struct admin_status *st)
{
	st->conf = K.conf;
	st->sources = feeds_sources(K.feeds, &st->nsources);
	st->rules = rules_count(K.rules);
	st->groups = group_count(K.groups);
	st->started_ms = (int64_t)K.started * 1000;
	st->last_reload_ms = K.last_reload_ms;
	st->last_reload_ok = K.last_reload_ok;
	st->last_reload_error = K.last_reload_error;
	st->reloads = K.reloads;
	st->reload_failures = K.reload_failures;
	st->draining = K.draining;
	st->spool_broken = pass_broken(K.pass);
}

static int
admin_reload_cb(void *arg, char *err, size_t errlen, size_t *nerrors)
{
	return reload(err, errlen, nerrors);
}

static int
admin_send_test_cb(void *arg, const char *name, char *id, size_t idlen, char *err,
    size_t errlen)
{
	long r = conf_receiver_index(K.conf, name);
	size_t one;
	struct buf b;

	if (r < 0) {
		buf_init(&b);
		for (size_t i = 0; i < K.conf->nreceivers; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", K.conf->receivers[i].name);
		snprintf(err, errlen, "unknown receiver '%s'; %s%s", name, b.len ? "the receivers "
		    "are: " : "the configuration has no receivers", b.len ? b.data : "");
		buf_free(&b);
		return 404;
	}
	if (pass_broken(K.pass) || health_record_test(K.spool, K.conf, (size_t)r, id, idlen) < 0) {
		snprintf(err, errlen, "the spool is failing; see the log");
		return 503;
	}
	one = (size_t)r;
	on_alert(NULL, &one, 1);
	return 0;
}

static int
admin_commit_cb(void *arg)
{
	pass_end(K.pass, 1);
	return pass_broken(K.pass) ? -1 : 0;
}

/*
 * Silences first: those that expired while keluhd was down end before the
 * pending complaints are read back. Then the socket, when configured.
 */
static int
admin_start(char *err, size_t errlen)
{
	static const struct admin_ops ops = { admin_status_cb, admin_reload_cb, admin_commit_cb,
		NULL, admin_send_test_cb };

	K.silences = silences_new(K.base, K.spool, K.conf, on_alert, NULL);
	group_set_silences(K.groups, K.silences);
	if (silences_load(K.silences, err, errlen) < 0) {
		log_error("%s", err);
		return -1;
	}
	if (K.conf->admin_socket == NULL)
		return 0;
	K.admin = admin_new(K.base, K.conf->admin_socket, K.spool, K.silences, &ops, err, errlen);
	if (K.admin == NULL) {
		log_error("admin: cannot listen on %s: %s", K.conf->admin_socket, err);
		return -1;
	}
	log_info("admin: listening on %s", K.conf->admin_socket);
	return 0;
}

/* ------------------------------------------------------------------ */

static void
usage(FILE *fp)
{
	fputs("usage: keluhd [-c FILE] [-t | --check] [--spool PATH] [--admin-socket PATH] [-v] [--version]\n"
	      "  -c, --config FILE  configuration (default " CONF_DEFAULT_PATH ")\n"
	      "  -t, --check        validate the configuration and rules, print a summary, exit\n"
	      "                     (keluhctl check does the same)\n"
	      "      --spool PATH   use this spool instead of spool.path\n"
	      "      --admin-socket PATH  serve the admin API here instead of admin.socket\n"
	      "  -v, --verbose      more log lines (debug)\n"
	      "      --version      print the version\n"
	      "  -h, --help         print this help\n"
	      "signals: HUP reloads the configuration and rules; TERM and INT finish the\n"
	      "deliveries in flight and exit.\n",
	    fp);
}

/*
 * In the reverse order of run(); also after a failed start, so that the
 * admin socket file goes and the spool closes cleanly.
 */
static void
teardown(void)
{
	feeds_free(K.feeds);
	ingest_http_free(K.http);
	admin_free(K.admin);
	deliver_free(K.deliver);
	curlev_free(K.ce);
	group_free(K.groups);
	silences_free(K.silences);
	ingest_free(K.ingest);
	if (K.sync_ev)
		event_free(K.sync_ev);
	pass_free(K.pass);
	spool_close(K.spool);
	rules_unref(K.rules);
	conf_free(K.conf);
	free(K.keys);
	{
		struct event *evs[] = { K.flush_ev, K.sig_term, K.sig_int, K.sig_hup,
			K.stats_timer, K.prune_timer, K.watchdog, K.drain_timer };

		for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
			if (evs[i])
				event_free(evs[i]);
	}
	event_base_free(K.base);
	metrics_free();
	curl_global_cleanup();
}

/*
 * In the foreground keluhd makes the directories it keeps its state in, as
 * systemd's StateDirectory= and RuntimeDirectory= do for the unit: the
 * spool's 0700, as the unit's StateDirectoryMode.
 */
static int
make_dir_for(const char *path, unsigned mode, const char *what)
{
	int n = util_mkdir_parents(path, mode);

	if (n < 0) {
		log_error("cannot create the %s directory for %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (n > 0)
		log_info("created the %s directory for %s (mode %04o)", what, path, mode);
	return 0;
}

/* The flush point: the pass on the spool, ended by the flush event, told by the sync event. */
static void
start_pass(void)
{
	static const struct pass_hooks hooks = { schedule_flush, pass_before_commit, pass_answer,
		pass_kick, pass_recovered, NULL };
	int deferred;

	K.flush_ev = event_new(K.base, -1, 0, flush_cb, &K);
	/* the fdatasync of a batch runs beside the next one (see spool_defer_sync) */
	deferred = spool_defer_sync(K.spool) == 0;
	if (!deferred)
		log_warnx("spool: %s; every batch waits for its own sync", spool_error(K.spool));
	else {
		K.sync_ev = event_new(K.base, spool_sync_fd(K.spool), EV_READ | EV_PERSIST, sync_cb,
		    NULL);
		event_add(K.sync_ev, NULL);
	}
	K.pass = pass_new_spool(K.spool, deferred, &hooks, K.conf->nreceivers);
}

/* Delivery, groups, ingest, the sources' feed, silences and the admin API; then the backlog. */
static int
start_modules(char *err, size_t errlen)
{
	K.ce = curlev_new(K.base);
	K.deliver = deliver_new(K.base, K.ce, K.spool, K.conf);
	K.groups = group_new(K.base, K.conf, K.spool, on_alert, NULL);
	K.ingest = ingest_new(K.conf, K.rules, K.spool, K.groups);
	K.feeds = feeds_new(&(struct feeds_env){ K.base, K.ce, K.spool, K.ingest, K.pass });
	if (admin_start(err, errlen) < 0 || ingest_restore(K.ingest) < 0)
		return -1;
	pass_end(K.pass, 1);
	return 0;
}

static int
run(void)
{
	char why[300], err[300];
	struct event_config *ec;
	int status = 1;

	K.started = time(NULL);
	metrics_init();
	if (sign_init() < 0)
		fatalx("libsodium failed to initialise");
	if ((K.conf = load_all(K.conf_path, &K.rules, why, sizeof(why), NULL)) == NULL) {
		log_error("%s", why);
		return 1;
	}
	reload_gauges(1);
	if (ingest_http_load_keys(K.conf, &K.keys, &K.nkeys) < 0)
		return 1;
	if (make_dir_for(K.conf->spool_path, 0700, "state") < 0 ||
	    (K.conf->admin_socket && make_dir_for(K.conf->admin_socket, 0755, "admin socket") < 0))
		return 1;
	if ((K.spool = spool_open(K.conf->spool_path, 0, err, sizeof(err))) == NULL) {
		log_error("cannot open the spool %s: %s", K.conf->spool_path, err);
		return 1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	signal(SIGPIPE, SIG_IGN);
	ec = event_config_new();
	K.base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (K.base == NULL)
		fatalx("cannot create the event loop");
	start_pass();
	if (start_modules(err, sizeof(err)) < 0)
		goto out;
	if (K.conf->listen) {
		K.http = ingest_http_start(&(struct ingest_http_env){ K.base, K.ingest, K.pass,
					       http_other, budget_closed, NULL },
		    K.conf, K.keys, K.nkeys, err, sizeof(err));
		if (K.http == NULL) {
			log_error("http: cannot listen on %s: %s", K.conf->listen, err);
			goto out;
		}
	}
	if (feeds_start(K.feeds, K.conf, NULL) < 0)
		goto out;
	check_orphans();
	K.sig_term = evsignal_new(K.base, SIGTERM, signal_cb, NULL);
	K.sig_int = evsignal_new(K.base, SIGINT, signal_cb, NULL);
	K.sig_hup = evsignal_new(K.base, SIGHUP, signal_cb, NULL);
	event_add(K.sig_term, NULL);
	event_add(K.sig_int, NULL);
	event_add(K.sig_hup, NULL);
	{
		struct timeval one = { 1, 0 };

		struct timeval hour = { 3600, 0 };

		K.stats_timer = event_new(K.base, -1, EV_PERSIST, stats_cb, NULL);
		event_add(K.stats_timer, &one);
		stats_cb(-1, 0, NULL);
		K.prune_timer = event_new(K.base, -1, EV_PERSIST, prune_cb, NULL);
		event_add(K.prune_timer, &hour);
		prune_cb(-1, 0, NULL);
	}
#ifdef HAVE_SYSTEMD
	{
		uint64_t usec = 0;

		if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
			struct timeval half = { (time_t)(usec / 2000000),
				(suseconds_t)((usec / 2) % 1000000) };

			K.watchdog = event_new(K.base, -1, EV_PERSIST, watchdog_cb, NULL);
			event_add(K.watchdog, &half);
		}
	}
#endif
	log_info("keluhd %s: %zu rules, %zu sources, %zu receivers, %zu routes; %s%s; spool %s",
	    PACKAGE_VERSION, rules_count(K.rules), K.conf->nsources, K.conf->nreceivers,
	    K.conf->nroutes, K.http ? "listening on " : "no HTTP listener",
	    K.http ? K.conf->listen : "", K.conf->spool_path);
	if (K.http)
		log_info("http: port %d", ingest_http_port(K.http));
	notify("READY=1");
	notify_status();
	event_base_dispatch(K.base);
	status = 0;
out:
	teardown();
	if (status == 0)
		log_info("stopped");
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "spool", required_argument, NULL, 's' },
		{ "admin-socket", required_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, do_check = 0, verbose = 0;

	K.conf_path = CONF_DEFAULT_PATH;
	while ((ch = getopt_long(argc, argv, "c:tvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': K.conf_path = optarg; break;
		case 'k':
		case 't': do_check = 1; break;
		case 's': K.spool_override = optarg; break;
		case 'a': K.admin_override = optarg; break;
		case 'v': verbose++; break;
		case 'V': printf("keluhd %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("keluhd", verbose);
	log_stamp_terminal();
	if (do_check)
		return confcheck_run(K.conf_path, "keluhd") < 0 ? 1 : 0;
	return run();
}
