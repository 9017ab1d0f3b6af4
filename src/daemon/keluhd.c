/*
 * keluhd: the daemon's main and its wiring. One libevent loop drives the
 * HTTP ingest (ingest_http.c), the sources (feeds.c), the group timers,
 * libcurl's transfers and the spool; control.c answers reloads and the
 * admin API.
 *
 * Durability: everything a loop pass accepts is written into one spool
 * transaction, committed once at the end of the pass (the flush event,
 * pass.c); only then do the 202 answers go out and the deliveries start.
 * A crash at any point loses nothing that was answered 202.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "conf/confcheck.h"
#include "daemon/actions.h"
#include "daemon/deliver.h"
#include "daemon/group.h"
#include "daemon/healthz.h"
#include "daemon/keluhd_int.h"
#include "daemon/living.h"
#include "daemon/sdnotify.h"
#include "daemon/upkeep.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

#define DRAIN_TIMEOUT_S 10

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
on_answer(void *arg, struct pass_wait *w, int ok)
{
	if (w->answer)
		w->answer(w, ok);
	else
		ingest_http_answer(w, ok);
}

static void
on_kick(void *arg, size_t receiver)
{
	deliver_kick(K.deliver, receiver);
}

/* An action changed a case: updates for the receivers that carried it, kicked once durable. */
static void
on_case_changed(void *arg, int64_t id, const char *kind, int64_t now_ms)
{
	size_t recv[64], n;

	if (living_case_changed(K.spool, K.conf, id, kind, now_ms, recv, 64, &n) == 0)
		pass_alerted(K.pass, recv, n);
	/* the leader's clocks and living messages, when another daemon leads */
	keluhd_lead_case_changed(id);
}

static void
on_pass_end(void *arg)
{
	feeds_end_pass(K.feeds);
	if (K.rollup)
		rollup_pass_end(K.rollup, util_now_ms());
}

/*
 * The spool works again. What failed meanwhile may be gone (a batch
 * rolled back) or not on the disk (a failed sync), so the groups in memory
 * are rebuilt from the spool and the ids and texts seen are forgotten: no
 * alert carries a complaint that is gone, and one that is sent again
 * after its 503 is taken again, not counted as a duplicate.
 */
static void
on_recovered(void *arg)
{
	struct group_engine *old = K.groups;

	if (spool_shared(K.spool)) {
		/* only the leader groups; it reads back what it claimed */
		keluhd_lead_recovered();
		return;
	}
	K.groups = group_new(K.base, K.conf, K.spool, keluhd_alerted, NULL);
	group_set_silences(K.groups, K.silences);
	group_set_cases(K.groups, K.cases);
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

	if (console_route(K.console, req) || actions_handle(K.actions, req) ||
	    hooks_route(K.hooks, req))
		return;
	keluhd_status(&st);
	healthz_handle(req, &st, K.deliver, K.queue_depth);
}

/* The ingest gates, for the push sources' webhooks. */
static int
hooks_open(void *arg, struct httpd_req *req)
{
	return ingest_http_open(K.http, req);
}

static struct source *
hooks_find(void *arg, const char *name, const struct source_kind **kind)
{
	return feeds_find(K.feeds, name, kind);
}

static void
budget_closed(void *arg)
{
	feeds_budget_closed(K.feeds);
}

/* ------------------------------------------------------------------ */
/* timers and signals */

static void
stats_cb(evutil_socket_t fd, short what, void *arg)
{
	upkeep_queue(K.spool, K.conf, &K.queue_depth);
	/* counts left by the last mentions: a pass writes them */
	if (K.rollup && rollup_pending(K.rollup))
		pass_schedule(K.pass);
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
	if (keluhd_leading())
		upkeep_prune(K.spool, K.conf);
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
			keluhd_reload(NULL, 0, NULL);
		return;
	}
	if (K.draining) {
		log_info("second signal: exiting now");
		event_base_loopexit(K.base, NULL);
		return;
	}
	K.draining = 1;
	sdnotify("STOPPING=1\nSTATUS=stopping: finishing deliveries in flight");
	log_info("stopping: finishing %d delivery(ies) in flight", deliver_inflight(K.deliver));
	feeds_stop(K.feeds);
	if (K.http)
		ingest_http_stop(K.http);
	admin_stop(K.admin);
	console_stop(K.console);
	pass_end(K.pass, 1);
	{
		struct timeval tv = { DRAIN_TIMEOUT_S, 0 };

		K.drain_timer = evtimer_new(K.base, drain_timeout, NULL);
		evtimer_add(K.drain_timer, &tv);
	}
	deliver_drain(K.deliver, drained, NULL);
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
	keluhd_lead_stop();
	feeds_free(K.feeds);
	sla_timer_free(K.sla);
	if (K.deliver)
		deliver_set_observer(K.deliver, NULL, NULL);
	console_free(K.console);
	console_free(K.console_retired);
	ingest_http_free(K.http);
	hooks_free(K.hooks);
	actions_free(K.actions);
	admin_free(K.admin);
	digests_free(K.digests);
	deliver_free(K.deliver);
	curlev_free(K.ce);
	group_free(K.groups);
	cases_free(K.cases);
	silences_free(K.silences);
	ingest_free(K.ingest);
	if (K.sync_ev)
		event_free(K.sync_ev);
	/* a stop loses no count: the last pass's commit holds them */
	if (K.rollup && K.pass)
		rollup_flush(K.rollup);
	rollup_free(K.rollup);
	pass_free(K.pass);
	cluster_free(K.cluster);
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
	static const struct pass_hooks hooks = { schedule_flush, on_pass_end, on_answer,
		on_kick, on_recovered, NULL };
	int deferred, r;

	K.flush_ev = event_new(K.base, -1, 0, flush_cb, &K);
	/* the fdatasync of a batch runs beside the next one (see spool_defer_sync) */
	r = spool_defer_sync(K.spool);
	deferred = r == 0;
	if (r < 0)
		log_warnx("spool: %s; every batch waits for its own sync", spool_error(K.spool));
	else if (r > 0) /* a backend whose commits are durable when they return */
		log_info("spool: %s", spool_error(K.spool));
	else {
		K.sync_ev = event_new(K.base, spool_sync_fd(K.spool), EV_READ | EV_PERSIST, sync_cb,
		    NULL);
		event_add(K.sync_ev, NULL);
	}
	K.pass = pass_new_spool(K.spool, deferred, &hooks, K.conf->nreceivers);
}

/* Another daemon made deliveries of this receiver due (SPOOL_DUE_CHANNEL). */
static void
on_due(void *arg, const char *receiver)
{
	(void)arg;
	deliver_kick_name(K.deliver, receiver);
}

/* Delivery, groups, ingest, the sources' feed, silences and the admin API; then the backlog. */
static int
start_modules(char *err, size_t errlen)
{
	K.ce = curlev_new(K.base);
	K.deliver = deliver_new(K.base, K.ce, K.spool, K.conf);
	if (cluster_subscribe(K.cluster, SPOOL_DUE_CHANNEL, on_due, NULL) < 0)
		log_warnx("deliveries made due by other daemons wait for the next look at the spool "
		    "(at most %d s)", DELIVER_POLL_MS / 1000);
	K.groups = group_new(K.base, K.conf, K.spool, keluhd_alerted, NULL);
	if ((K.cases = cases_new(K.spool, K.conf, err, errlen)) == NULL) {
		log_error("%s", err);
		return -1;
	}
	group_set_cases(K.groups, K.cases);
	cases_set_changed(K.cases, on_case_changed, NULL);
	deliver_set_cases(K.deliver, K.cases);
	K.ingest = ingest_new(K.conf, K.rules, K.spool, K.groups);
	K.rollup = rollup_new(K.spool);
	ingest_set_rollup(K.ingest, K.rollup);
	K.hooks = hooks_new(&(struct hooks_env){ .pass = K.pass, .find = hooks_find,
	    .open = hooks_open });
	K.feeds = feeds_new(&(struct feeds_env){ K.base, K.ce, K.spool, K.ingest, K.pass,
	    K.hooks, K.cluster });
	K.digests = digests_new(K.base, K.spool, K.conf, keluhd_alerted, NULL);
	K.actions = actions_new(&(struct actions_env){ K.base, K.ce, K.spool, K.pass, K.cases },
	    K.conf, err, errlen);
	if (K.actions == NULL) {
		log_error("%s", err);
		return -1;
	}
	K.sla = sla_timer_new(K.base, K.spool, K.pass, K.cases, K.conf, keluhd_alerted, NULL);
	replies_set_fn(feeds_replies(K.feeds), sla_timer_reply, K.sla);
	/* on a shared spool the groups are read back by the daemon that leads (leader.c) */
	if (keluhd_admin_start(err, errlen) < 0 ||
	    (!spool_shared(K.spool) && ingest_restore(K.ingest) < 0))
		return -1;
	pass_end(K.pass, 1);
	return 0;
}

static int
run(void)
{
	char why[300], err[300], what[512];
	struct event_config *ec;
	int status = 1;

	K.started = time(NULL);
	metrics_init();
	if (sign_init() < 0)
		fatalx("libsodium failed to initialise");
	if ((K.conf = confload(&K.args, &K.rules, why, sizeof(why), NULL)) == NULL) {
		log_error("%s", why);
		return 1;
	}
	confload_gauges(1);
	if (ingest_http_load_keys(K.conf, &K.keys, &K.nkeys) < 0)
		return 1;
	if ((spool_is_local(K.conf->spool_path) &&
	     make_dir_for(K.conf->spool_path, 0700, "state") < 0) ||
	    (K.conf->admin_socket && make_dir_for(K.conf->admin_socket, 0755, "admin socket") < 0))
		return 1;
	if ((K.spool = spool_open(K.conf->spool_path, 0, err, sizeof(err))) == NULL) {
		log_error("cannot open the spool %s: %s",
		    spool_describe(K.conf->spool_path, what, sizeof(what)), err);
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
	K.cluster = cluster_new(K.base, K.conf, K.spool);
	start_pass();
	if (start_modules(err, sizeof(err)) < 0 || keluhd_lead_start() < 0)
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
	if (keluhd_console_start() < 0 || feeds_start(K.feeds, K.conf, NULL) < 0)
		goto out;
	upkeep_orphans(K.spool, K.conf);
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
	K.watchdog = sdnotify_watchdog(K.base);
	log_info("keluhd %s: %zu rules, %zu sources, %zu receivers, %zu routes; %s%s; spool %s",
	    PACKAGE_VERSION, rules_count(K.rules), K.conf->nsources, K.conf->nreceivers,
	    K.conf->nroutes, K.http ? "listening on " : "no HTTP listener",
	    K.http ? K.conf->listen : "", spool_describe(K.conf->spool_path, what, sizeof(what)));
	confload_models_note(K.conf, K.rules);
	if (K.http)
		log_info("http: port %d", ingest_http_port(K.http));
	sdnotify("READY=1");
	keluhd_notify_status();
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

	K.args.path = CONF_DEFAULT_PATH;
	while ((ch = getopt_long(argc, argv, "c:tvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': K.args.path = optarg; break;
		case 'k':
		case 't': do_check = 1; break;
		case 's': K.args.spool = optarg; break;
		case 'a': K.args.admin_socket = optarg; break;
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
		return confcheck_run(K.args.path, "keluhd") < 0 ? 1 : 0;
	return run();
}
