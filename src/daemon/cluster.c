/*
 * cluster.c: this daemon among the others on its spool (cluster.h): its
 * instance id, the ownerships it asks for (named locks of the spool's
 * session, retried every second), and the notifications it dispatches.
 *
 * The lock of an ownership lives as long as the spool's database session.
 * When the spool opens a new one (spool_session changes) every lock is
 * gone, perhaps already taken by another daemon: each held ownership is
 * lost at once (on_lose) and asked for again like any other.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon/case_json.h"
#include "daemon/cluster.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

#define CLUSTER_TICK_MS 1000

struct cluster_own {
	char *name;
	void (*on_gain)(void *);
	void (*on_lose)(void *);
	void *arg;
	int held;
};

struct cluster_sub {
	char *channel;
	void (*fn)(void *arg, const char *payload);
	void *arg;
};

struct cluster {
	struct event_base *base;
	const struct conf *conf;
	struct spool *sp;
	int shared;
	char host[128];
	char instance[160];
	int64_t started_ms;
	uint64_t session; /* the spool's session the held locks belong to */
	uint64_t dropped; /* notifications the spool could not keep, last seen */
	struct cluster_own *owns;
	size_t nowns, capowns;
	struct cluster_sub subs[CLUSTER_MAX_SUBS];
	size_t nsubs;
	struct event *tick;    /* every second: locks asked for again, the session checked */
	struct event *note_ev; /* the spool's socket: notifications may wait */
	int note_fd;
	struct event *dispatch; /* the spool kept some while a statement ran */
	int in_dispatch;
};

static void
cluster_make_instance(struct cluster *cl, const char *name)
{
	if (gethostname(cl->host, sizeof(cl->host)) < 0 || !*cl->host)
		snprintf(cl->host, sizeof(cl->host), "localhost");
	cl->host[sizeof(cl->host) - 1] = '\0';
	snprintf(cl->instance, sizeof(cl->instance), "%s:%ld:%lld", name && *name ? name : cl->host,
	         (long)getpid(), (long long)cl->started_ms);
}

static struct cluster_own *
cluster_find(const struct cluster *cl, const char *name)
{
	for (size_t i = 0; i < cl->nowns; i++)
		if (strcmp(cl->owns[i].name, name) == 0)
			return &cl->owns[i];
	return NULL;
}

/*
 * Callbacks may own or disown (the array may move): each runs on a copy,
 * after the entry's state is set.
 */
static void cluster_beat(struct cluster *cl);

static void
cluster_gained(struct cluster *cl, struct cluster_own *o)
{
	struct cluster_own c;

	o->held = 1;
	c = *o;
	if (cl->shared)
		log_info("cluster: %s owns %s", cl->instance, c.name);
	if (c.on_gain)
		c.on_gain(c.arg);
	/* the others see what this daemon runs now, not at its next heartbeat */
	if (cl->shared)
		cluster_beat(cl);
}

/* Tries one ownership once: the session may change during the call. */
static void cluster_check_session(struct cluster *cl);

static void
cluster_try(struct cluster *cl, const char *name)
{
	struct cluster_own *o;
	int r;

	if (!(o = cluster_find(cl, name)) || o->held)
		return;
	r = spool_try_lock(cl->sp, name);
	/* a reconnect inside the call: the lock got is of the new session */
	cluster_check_session(cl);
	if (r < 0)
		log_debug("cluster: cannot ask for %s: %s", name, spool_error(cl->sp));
	if (r == 1 && (o = cluster_find(cl, name)) && !o->held)
		cluster_gained(cl, o);
}

static void cluster_watch(struct cluster *cl);

/* A new session of the spool: every lock is gone. */
static void
cluster_check_session(struct cluster *cl)
{
	uint64_t now = spool_session(cl->sp);
	char **lost;
	size_t n = 0;

	if (now == cl->session)
		return;
	cl->session = now;
	cluster_watch(cl);
	lost = xreallocarray(NULL, cl->nowns ? cl->nowns : 1, sizeof(*lost));
	for (size_t i = 0; i < cl->nowns; i++)
		if (cl->owns[i].held) {
			cl->owns[i].held = 0;
			lost[n++] = xstrdup(cl->owns[i].name);
		}
	for (size_t i = 0; i < n; i++) {
		struct cluster_own *o = cluster_find(cl, lost[i]);

		log_warnx("cluster: the database session was lost; %s is no longer owned", lost[i]);
		if (o && o->on_lose)
			o->on_lose(o->arg);
		free(lost[i]);
	}
	free(lost);
}

static void
cluster_note(void *arg, const char *channel, const char *payload)
{
	struct cluster *cl = arg;

	for (size_t i = 0; i < cl->nsubs; i++)
		if (strcmp(cl->subs[i].channel, channel) == 0)
			cl->subs[i].fn(cl->subs[i].arg, payload);
}

static void
cluster_dispatch_now(struct cluster *cl)
{
	uint64_t dropped;
	int r;

	if (!cl->shared || cl->in_dispatch)
		return;
	cl->in_dispatch = 1;
	r = spool_notifications(cl->sp, cluster_note, cl);
	cl->in_dispatch = 0;
	dropped = spool_notify_dropped(cl->sp);
	if (dropped != cl->dropped) {
		metrics_bound_hit("cluster_notifications",
		                  "notifications kept between two reads: the extra ones are "
		                  "dropped; the subscribers' sweeps find their work");
		cl->dropped = dropped;
	}
	if (r < 0 && cl->note_ev) {
		/* a socket at its end stays readable: watched again with the next session */
		event_free(cl->note_ev);
		cl->note_ev = NULL;
		cl->note_fd = -1;
	}
}

static void
note_cb(evutil_socket_t fd, short what, void *arg)
{
	cluster_dispatch_now(arg);
}

static void
dispatch_cb(evutil_socket_t fd, short what, void *arg)
{
	cluster_dispatch_now(arg);
}

/* Called from inside a spool call: only schedules. */
static void
cluster_kept(void *arg)
{
	struct cluster *cl = arg;

	if (!event_pending(cl->dispatch, EV_TIMEOUT, NULL))
		event_active(cl->dispatch, 0, 0);
}

/* The spool's socket of this session, watched for notifications. */
static void
cluster_watch(struct cluster *cl)
{
	int fd = spool_notify_fd(cl->sp);

	if (cl->note_ev) {
		event_free(cl->note_ev);
		cl->note_ev = NULL;
	}
	cl->note_fd = fd;
	if (fd < 0)
		return;
	cl->note_ev = event_new(cl->base, fd, EV_READ | EV_PERSIST, note_cb, cl);
	event_add(cl->note_ev, NULL);
}

/* The names of the sources this daemon runs (held "source:NAME"), as a JSON array. */
static json_t *
cluster_sources(const struct cluster *cl)
{
	json_t *a = json_array();

	for (size_t i = 0; i < cl->nowns; i++)
		if (cl->owns[i].held && strncmp(cl->owns[i].name, "source:", 7) == 0)
			json_array_append_new(a, json_string(cl->owns[i].name + 7));
	return a;
}

static void
cluster_beat(struct cluster *cl)
{
	json_t *a = cluster_sources(cl);
	char *sources = json_dumps(a, JSON_COMPACT);
	struct spool_daemon d = {
	    .instance = cl->instance,
	    .name = cl->conf->cluster.name ? cl->conf->cluster.name : cl->host,
	    .host = cl->host,
	    .version = PACKAGE_VERSION,
	    .listen = cl->conf->listen,
	    .sources = sources,
	    .pid = (int64_t)getpid(),
	    .started_ms = cl->started_ms,
	    .leader = cluster_is_leader(cl),
	};

	if (spool_daemon_beat(cl->sp, &d) < 0)
		log_debug("cluster: heartbeat: %s", spool_error(cl->sp));
	free(sources);
	json_decref(a);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cluster *cl = arg;
	char **want;
	size_t n = 0;

	/* the heartbeat is the statement that finds a lost session, or opens the next one */
	cluster_check_session(cl);
	cluster_beat(cl);
	cluster_check_session(cl);
	if (!cl->note_ev)
		cluster_watch(cl);
	/* by name: an on_gain may own or disown */
	want = xreallocarray(NULL, cl->nowns ? cl->nowns : 1, sizeof(*want));
	for (size_t i = 0; i < cl->nowns; i++)
		if (!cl->owns[i].held)
			want[n++] = xstrdup(cl->owns[i].name);
	for (size_t i = 0; i < n; i++) {
		cluster_try(cl, want[i]);
		free(want[i]);
	}
	free(want);
	cluster_dispatch_now(cl);
}

struct cluster *
cluster_new(struct event_base *base, const struct conf *conf, struct spool *sp)
{
	struct cluster *cl = xcalloc(1, sizeof(*cl));

	cl->base = base;
	cl->conf = conf;
	cl->sp = sp;
	cl->shared = spool_shared(sp);
	cl->started_ms = util_now_ms();
	cl->note_fd = -1;
	cluster_make_instance(cl, conf->cluster.name);
	spool_set_instance(sp, cl->instance);
	if (!cl->shared)
		return cl;
	cl->session = spool_session(sp);
	cl->dispatch = event_new(base, -1, 0, dispatch_cb, cl);
	spool_on_notify(sp, cluster_kept, cl);
	cl->tick = event_new(base, -1, EV_PERSIST, tick_cb, cl);
	event_add(cl->tick, &(struct timeval){CLUSTER_TICK_MS / 1000, 0});
	cluster_watch(cl);
	cluster_beat(cl);
	log_info("cluster: this daemon is %s", cl->instance);
	return cl;
}

void
cluster_free(struct cluster *cl)
{
	if (!cl)
		return;
	/* a stop, not a death: the others see this daemon go at once */
	if (cl->shared && !spool_in_txn(cl->sp)) {
		spool_on_notify(cl->sp, NULL, NULL);
		for (size_t i = 0; i < cl->nowns; i++)
			if (cl->owns[i].held)
				spool_unlock(cl->sp, cl->owns[i].name);
		spool_daemon_gone(cl->sp, cl->instance);
	} else if (cl->shared)
		spool_on_notify(cl->sp, NULL, NULL);
	for (size_t i = 0; i < cl->nowns; i++)
		free(cl->owns[i].name);
	free(cl->owns);
	for (size_t i = 0; i < cl->nsubs; i++)
		free(cl->subs[i].channel);
	if (cl->tick)
		event_free(cl->tick);
	if (cl->note_ev)
		event_free(cl->note_ev);
	if (cl->dispatch)
		event_free(cl->dispatch);
	free(cl);
}

void
cluster_set_conf(struct cluster *cl, const struct conf *conf)
{
	cl->conf = conf;
}

const char *
cluster_instance(const struct cluster *cl)
{
	return cl->instance;
}

int
cluster_own(struct cluster *cl, const char *name, void (*on_gain)(void *), void (*on_lose)(void *),
            void *arg)
{
	struct cluster_own *o;

	if (cluster_find(cl, name)) {
		log_warnx("cluster: %s is asked for twice", name);
		return -1;
	}
	if (cl->nowns >= CLUSTER_MAX_OWN) {
		metrics_bound_hit("cluster_owns", "ownerships asked for by one daemon");
		log_warnx("cluster: more than %d ownerships; %s is not asked for", CLUSTER_MAX_OWN,
		          name);
		return -1;
	}
	if (cl->nowns == cl->capowns) {
		cl->capowns = cl->capowns ? 2 * cl->capowns : 8;
		cl->owns = xreallocarray(cl->owns, cl->capowns, sizeof(*cl->owns));
	}
	o = &cl->owns[cl->nowns++];
	*o = (struct cluster_own){xstrdup(name), on_gain, on_lose, arg, 0};
	if (!cl->shared)
		cluster_gained(cl, o);
	else
		cluster_try(cl, name);
	return 0;
}

void
cluster_disown(struct cluster *cl, const char *name)
{
	struct cluster_own *o = cluster_find(cl, name), c;

	if (!o)
		return;
	c = *o;
	*o = cl->owns[--cl->nowns];
	if (c.held && cl->shared && spool_unlock(cl->sp, c.name) < 0)
		log_warnx("cluster: giving up %s: %s", c.name, spool_error(cl->sp));
	if (c.held && c.on_lose)
		c.on_lose(c.arg);
	free(c.name);
}

int
cluster_owns(const struct cluster *cl, const char *name)
{
	const struct cluster_own *o = cluster_find(cl, name);

	return o && o->held;
}

int
cluster_is_leader(const struct cluster *cl)
{
	return !cl->shared || cluster_owns(cl, "leader");
}

int
cluster_subscribe(struct cluster *cl, const char *channel,
                  void (*fn)(void *arg, const char *payload), void *arg)
{
	if (cl->nsubs >= CLUSTER_MAX_SUBS) {
		metrics_bound_hit("cluster_subscriptions",
		                  "notification subscribers of one daemon");
		log_warnx("cluster: more than %d subscriptions; %s is not listened to",
		          CLUSTER_MAX_SUBS, channel);
		return -1;
	}
	if (cl->shared && spool_listen(cl->sp, channel) < 0) {
		log_warnx("cluster: cannot listen to %s: %s", channel, spool_error(cl->sp));
		/* the channel itself may be fine: a new session listens to it again */
		if (strspn(channel, "abcdefghijklmnopqrstuvwxyz_0123456789") != strlen(channel))
			return -1;
	}
	cl->subs[cl->nsubs++] = (struct cluster_sub){xstrdup(channel), fn, arg};
	return 0;
}

/* --- what the admin API shows ---------------------------------------------- */

struct cluster_list {
	const struct cluster *cl;
	json_t *leases; /* {instance: deliveries leased now} */
	json_t *daemons;
	size_t alive, dead;
	const char *leader;
};

static void
cluster_list_cb(void *arg, const struct spool_daemon *d)
{
	struct cluster_list *l = arg;
	int alive = d->seen_ago_ms <= l->cl->conf->cluster.dead_after_ms;
	json_t *sources = d->sources ? json_loads(d->sources, 0, NULL) : NULL;

	if (alive)
		l->alive++;
	else
		l->dead++;
	json_array_append_new(
	    l->daemons,
	    json_pack("{s:s,s:s,s:s,s:I,s:s,s:o,s:I,s:b,s:b,s:o,s:o,s:b}", "instance", d->instance,
	              "name", d->name, "host", d->host, "pid", (json_int_t)d->pid, "version",
	              d->version, "started_at", case_json_time(d->started_ms), "seen_ago_ms",
	              (json_int_t)d->seen_ago_ms, "alive", alive, "leader", alive && d->leader,
	              "sources", json_is_array(sources) ? json_incref(sources) : json_array(),
	              "listen", d->listen ? json_string(d->listen) : json_null(), "self",
	              strcmp(d->instance, l->cl->instance) == 0));
	json_decref(sources);
	json_object_set_new(
	    json_array_get(l->daemons, json_array_size(l->daemons) - 1), "leases",
	    json_integer(json_integer_value(json_object_get(l->leases, d->instance))));
}

static void
cluster_lease_cb(void *arg, const char *owner, int64_t n)
{
	json_object_set_new(arg, owner, json_integer((json_int_t)n));
}

/* This daemon's own entry, for a spool of one daemon (no heartbeats there). */
static json_t *
cluster_self(const struct cluster *cl)
{
	return json_pack(
	    "{s:s,s:s,s:s,s:I,s:s,s:o,s:I,s:b,s:b,s:o,s:o,s:b,s:I}", "instance", cl->instance,
	    "name", cl->conf->cluster.name ? cl->conf->cluster.name : cl->host, "host", cl->host,
	    "pid", (json_int_t)getpid(), "version", PACKAGE_VERSION, "started_at",
	    case_json_time(cl->started_ms), "seen_ago_ms", (json_int_t)0, "alive", 1, "leader",
	    cluster_is_leader(cl), "sources", cluster_sources(cl), "listen",
	    cl->conf->listen ? json_string(cl->conf->listen) : json_null(), "self", 1, "leases",
	    (json_int_t)0);
}

json_t *
cluster_json(struct cluster *cl, char *err, size_t errlen)
{
	struct cluster_list l = {cl, json_object(), json_array(), 0, 0, NULL};
	json_t *o;

	if (!cl->shared) {
		json_array_append_new(l.daemons, cluster_self(cl));
		l.alive = 1;
	} else if (spool_lease_counts(cl->sp, cluster_lease_cb, l.leases) < 0 ||
	           spool_daemons(cl->sp, cluster_list_cb, &l) < 0) {
		snprintf(err, errlen, "cannot read the daemons from the spool: %s",
		         spool_error(cl->sp));
		json_decref(l.daemons);
		json_decref(l.leases);
		return NULL;
	}
	json_decref(l.leases);
	o = json_pack("{s:b,s:s,s:s,s:I,s:I,s:I,s:o}", "shared", cl->shared, "spool",
	              cl->shared ? "postgresql" : "sqlite", "instance", cl->instance,
	              "dead_after_ms", (json_int_t)cl->conf->cluster.dead_after_ms, "alive",
	              (json_int_t)l.alive, "dead", (json_int_t)l.dead, "daemons", l.daemons);
	return o;
}
