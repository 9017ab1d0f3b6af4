/*
 * control.c: what is asked of the running daemon: a reload (SIGHUP, the
 * admin API), its status (the admin API, /healthz, systemd's STATUS=),
 * the admin API's commit and test alerts (see keluhd_int.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/deliver.h"
#include "daemon/group.h"
#include "daemon/health.h"
#include "daemon/keluhd_int.h"
#include "daemon/sdnotify.h"
#include "daemon/upkeep.h"
#include "lib/log.h"
#include "lib/util.h"

struct keluhd K;

void
keluhd_notify_status(void)
{
	size_t nsources;

	feeds_sources(K.feeds, &nsources);
	sdnotify("STATUS=%zu rules, %zu sources, %zu receivers, %lld deliveries waiting%s",
	         rules_count(K.rules), nsources, K.conf->nreceivers, (long long)K.queue_depth,
	         K.record.summary);
}

void
keluhd_alerted(void *arg, const size_t *receivers, size_t n)
{
	pass_alerted(K.pass, receivers, n);
}

/* ------------------------------------------------------------------ */
/* the web console (console.h) */

static int
console_commit_cb(void *arg)
{
	pass_end(K.pass, 1);
	return pass_broken(K.pass) ? -1 : 0;
}

static void
console_kick_cb(void *arg, const char *receiver)
{
	long i = conf_receiver_index(K.conf, receiver);

	if (i >= 0)
		deliver_kick(K.deliver, (size_t)i);
}

static int
console_reload_cb(void *arg, char *err, size_t errlen, size_t *nerrors)
{
	return keluhd_reload(err, errlen, nerrors);
}

static void
console_env_of(const struct conf *c, struct console_env *env)
{
	memset(env, 0, sizeof(*env));
	env->base = K.base;
	env->conf = c;
	env->rules = K.rules;
	env->spool = K.spool;
	env->cases = K.cases;
	env->pass = K.pass;
	env->commit = console_commit_cb;
	env->kick = console_kick_cb;
	env->reload = console_reload_cb;
	env->pages[0] = console_cases_handle;
	env->pages[1] = console_trends_handle;
	env->pages[2] = playground_handle;
	env->pages[3] = console_labels_handle;
	env->on_free = playground_stop;
}

int
keluhd_console_start(void)
{
	struct console_env env;
	char err[300];

	if (!K.conf->ui.enabled)
		return 0;
	console_env_of(K.conf, &env);
	if ((K.console = console_new(&env, err, sizeof(err))) == NULL) {
		log_error("ui: cannot start the web console on %s: %s (change ui.listen, or set "
		          "ui.enabled: false)",
		          K.conf->ui.listen, err);
		return -1;
	}
	deliver_set_observer(K.deliver, console_delivery_changed, K.console);
	return 0;
}

static int
console_same_listen(const struct conf *a, const struct conf *b)
{
	if (a->ui.listen == NULL || b->ui.listen == NULL)
		return a->ui.listen == b->ui.listen;
	return strcmp(a->ui.listen, b->ui.listen) == 0;
}

/*
 * Before a reload swaps the conf: a console turned on, or moved to another
 * listener, is started now, so a listener that cannot open refuses the
 * reload and the old one goes on.
 */
static int
console_prepare(const struct conf *c, struct console **fresh, char *why, size_t len)
{
	struct console_env env;
	char err[300];

	*fresh = NULL;
	if (!c->ui.enabled || (K.console && console_same_listen(K.conf, c)))
		return 0;
	console_env_of(c, &env);
	if ((*fresh = console_new(&env, err, sizeof(err))) == NULL) {
		snprintf(why, len,
		         "ui: cannot start the web console on %s: %s; the old "
		         "configuration stays",
		         c->ui.listen ? c->ui.listen : "http.listen", err);
		return -1;
	}
	return 0;
}

/*
 * The answers of its last requests go out before it is freed (the save
 * whose reload retired it is one): checked every 100 ms, for 5 s at most.
 */
static void
console_retired_cb(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval tick = {0, 100000};

	if (K.console_retired && console_connections(K.console_retired) > 0 &&
	    ++K.console_retired_ticks < 50) {
		event_base_once(K.base, -1, EV_TIMEOUT, console_retired_cb, NULL, &tick);
		return;
	}
	console_free(K.console_retired);
	K.console_retired = NULL;
}

/*
 * A console a reload replaces or turns off: stopped now, freed on the next
 * turn of the loop, since the reload may run inside one of its own
 * requests (the playground's save).
 */
static void
console_retire(struct console *c)
{
	struct timeval now = {0, 0};

	if (c == NULL)
		return;
	console_stop(c);
	console_free(K.console_retired);
	K.console_retired = c;
	K.console_retired_ticks = 0;
	event_base_once(K.base, -1, EV_TIMEOUT, console_retired_cb, NULL, &now);
}

/* After the swap: the console follows the new conf (K.conf). */
static void
console_swap(struct console *fresh)
{
	struct console_env env;

	if (!K.conf->ui.enabled) {
		if (K.console)
			log_info("ui: the web console is off");
		deliver_set_observer(K.deliver, NULL, NULL);
		console_retire(K.console);
		K.console = NULL;
		return;
	}
	if (fresh) {
		console_retire(K.console);
		K.console = fresh;
		deliver_set_observer(K.deliver, console_delivery_changed, K.console);
	}
	console_env_of(K.conf, &env);
	console_set(K.console, &env);
}

/* ------------------------------------------------------------------ */
/* reload */

int
keluhd_reload(char *err, size_t errlen, size_t *nerrors)
{
	struct ruleset *rs;
	struct conf *c, *old;
	struct sign_key *keys;
	size_t nkeys;
	char why[400], old_admin[256];
	struct timespec mono;
	struct console *fresh;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	sdnotify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
	         (unsigned long long)mono.tv_sec * 1000000ULL +
	             (unsigned long long)mono.tv_nsec / 1000);
	log_info("reloading %s", K.args.path);
	K.record.last_ms = util_now_ms();
	c = confload(&K.args, &rs, why, sizeof(why), nerrors);
	if (c && ingest_http_load_keys(c, &keys, &nkeys) < 0) {
		snprintf(why, sizeof(why), "a signing key in %s is not valid", K.args.path);
		conf_free(c);
		rules_unref(rs);
		c = NULL;
	}
	if (c == NULL) {
		confload_failed(&K.record, why);
		if (err)
			snprintf(err, errlen, "%s", why);
		sdnotify("READY=1");
		keluhd_notify_status();
		return -1;
	}
	if (console_prepare(c, &fresh, why, sizeof(why)) < 0) {
		conf_free(c);
		rules_unref(rs);
		free(keys);
		confload_failed(&K.record, why);
		if (err)
			snprintf(err, errlen, "%s", why);
		if (nerrors)
			*nerrors = 1;
		sdnotify("READY=1");
		keluhd_notify_status();
		return -1;
	}
	confload_restart_notes(K.conf, c);
	snprintf(old_admin, sizeof(old_admin), "%s",
	         K.conf->admin_socket ? K.conf->admin_socket : "");
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
	cases_set_conf(K.cases, c);
	digests_set_conf(K.digests, c);
	actions_set_conf(K.actions, c);
	sla_timer_set_conf(K.sla, c);
	cluster_set_conf(K.cluster, c);
	deliver_set_conf(K.deliver, c);
	if (K.http)
		ingest_http_set_conf(K.http, c, keys, nkeys);
	feeds_start(K.feeds, c, old);
	console_swap(fresh);
	conf_free(old);
	confload_done(&K.record);
	log_info("reloaded: %zu rules, %zu sources, %zu receivers, %zu routes", rules_count(rs),
	         c->nsources, c->nreceivers, c->nroutes);
	confload_models_note(c, rs);
	upkeep_orphans(K.spool, K.conf);
	confload_admin_note(old_admin, c);
	sdnotify("READY=1");
	keluhd_notify_status();
	return 0;
}

/* ------------------------------------------------------------------ */
/* the admin API (admin.h) and silences (silence.h) */

void
keluhd_status(struct admin_status *st)
{
	st->conf = K.conf;
	st->sources = feeds_sources(K.feeds, &st->nsources);
	st->rules = rules_count(K.rules);
	st->groups = group_count(K.groups);
	st->started_ms = (int64_t)K.started * 1000;
	st->last_reload_ms = K.record.last_ms;
	st->last_reload_ok = K.record.last_ok;
	st->last_reload_error = K.record.last_error;
	st->reloads = K.record.reloads;
	st->reload_failures = K.record.failures;
	st->draining = K.draining;
	st->spool_broken = pass_broken(K.pass);
	st->ui_on = K.console != NULL;
	st->ui_port = K.console ? console_port(K.console) : 0;
}

static void
admin_status_cb(void *arg, struct admin_status *st)
{
	keluhd_status(st);
}

static int
admin_reload_cb(void *arg, char *err, size_t errlen, size_t *nerrors)
{
	return keluhd_reload(err, errlen, nerrors);
}

static int
admin_send_test_cb(void *arg, const char *name, char *id, size_t idlen, char *err, size_t errlen)
{
	long r = conf_receiver_index(K.conf, name);
	size_t one;
	struct buf b;

	if (r < 0) {
		buf_init(&b);
		for (size_t i = 0; i < K.conf->nreceivers; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", K.conf->receivers[i].name);
		snprintf(err, errlen, "unknown receiver '%s'; %s%s", name,
		         b.len ? "the receivers "
		                 "are: "
		               : "the configuration has no receivers",
		         b.len ? b.data : "");
		buf_free(&b);
		return 404;
	}
	if (pass_broken(K.pass) || health_record_test(K.spool, K.conf, (size_t)r, id, idlen) < 0) {
		snprintf(err, errlen, "the spool is failing; see the log");
		return 503;
	}
	one = (size_t)r;
	keluhd_alerted(NULL, &one, 1);
	return 0;
}

static int
admin_send_report_cb(void *arg, size_t n, char *err, size_t errlen)
{
	if (pass_broken(K.pass)) {
		snprintf(err, errlen, "the spool is failing; see the log");
		return 503;
	}
	return digests_send(K.digests, n, err, errlen);
}

static int
admin_commit_cb(void *arg)
{
	pass_end(K.pass, 1);
	return pass_broken(K.pass) ? -1 : 0;
}

int
keluhd_admin_start(char *err, size_t errlen)
{
	static const struct admin_ops ops = {admin_status_cb, admin_reload_cb, admin_commit_cb,
	                                     NULL, admin_send_test_cb, admin_send_report_cb};

	K.silences = silences_new(K.base, K.spool, K.conf, keluhd_alerted, NULL);
	group_set_silences(K.groups, K.silences);
	cases_set_silences(K.cases, K.silences);
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
	admin_set_cases(K.admin, K.cases);
	admin_set_cluster(K.admin, K.cluster);
	log_info("admin: listening on %s", K.conf->admin_socket);
	return 0;
}
