/*
 * cluster.h: this daemon among the others that share its spool. On a
 * spool of one daemon (SQLite) there are no others: every ownership is
 * this daemon's at once, it is the leader, and subscriptions never fire.
 * On a shared spool (PostgreSQL):
 *
 *  - Instance: each daemon has an id, "HOST:PID:STARTMS", or
 *    "NAME:PID:STARTMS" when cluster.name is set (the lease owner of its
 *    deliveries, the key of its heartbeat row).
 *  - Ownership: cluster_own(name) asks for a named lock held by this
 *    daemon's database session (spool_try_lock), tried at once and every
 *    second while another daemon holds it. on_gain runs when it is got;
 *    on_lose when it is gone: the session was lost (every lock goes with
 *    it; each is asked for again), or cluster_disown. Names in use:
 *    "leader" (cluster_is_leader) and "source:NAME" (the pull and stream
 *    sources).
 *  - Notifications: cluster_subscribe(channel, fn) calls fn with the
 *    payload of each notification of channel (spool_notify, sent in a
 *    batch, arrives at its commit), from the loop, never inside another
 *    module's spool call. A lost notification is possible (a session lost
 *    meanwhile, the queue's bound): subscribers keep a slow sweep.
 *
 * Loop thread only. The cluster owns its names and subscriptions (the
 * args are the caller's).
 */
#ifndef KELUH_CLUSTER_H
#define KELUH_CLUSTER_H

#include <event2/event.h>
#include <jansson.h>

#include "conf/conf.h"
#include "store/spool.h"

/* ownerships and subscriptions one daemon may have */
#define CLUSTER_MAX_OWN  1024
#define CLUSTER_MAX_SUBS 32

struct cluster;

struct cluster *cluster_new(struct event_base *, const struct conf *, struct spool *);
/* Gives up every ownership (on_lose is not called: the daemon stops). */
void cluster_free(struct cluster *);
void cluster_set_conf(struct cluster *, const struct conf *);
const char *cluster_instance(const struct cluster *);

/*
 * 0, or -1 when name is already asked for or there are CLUSTER_MAX_OWN
 * (logged). on_gain may run before it returns; on_lose may be NULL.
 */
int cluster_own(struct cluster *, const char *name, void (*on_gain)(void *),
                void (*on_lose)(void *), void *arg);
/* Gives name up (on_lose runs if it was held) and stops asking for it. */
void cluster_disown(struct cluster *, const char *name);
int cluster_owns(const struct cluster *, const char *name);
int cluster_is_leader(const struct cluster *);

/* 0, or -1 (the channel refused, or CLUSTER_MAX_SUBS). */
int cluster_subscribe(struct cluster *, const char *channel,
                      void (*fn)(void *arg, const char *payload), void *arg);

/*
 * The daemons for the admin API: {"shared", "spool", "instance",
 * "dead_after_ms", "alive", "dead", "daemons": [{"instance", "name",
 * "host", "pid", "version", "started_at", "seen_ago_ms", "alive", "leader",
 * "sources", "listen", "self"}]}: from the heartbeats on a shared spool,
 * this daemon alone on another. NULL with err when the spool fails.
 */
json_t *cluster_json(struct cluster *, char *err, size_t errlen);

#endif
