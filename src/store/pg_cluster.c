/*
 * pg_cluster.c: what several daemons on one PostgreSQL database share
 * beside the records (spool.h, "Several daemons on one database"): named
 * locks, which are session-level advisory locks, and notifications,
 * which are LISTEN/NOTIFY on the spool's own connection.
 *
 * That connection is idle between the loop's synchronous statements, so
 * its socket is what the caller watches for notifications. libpq also
 * reads those that arrive while a statement waits for its answer; they
 * are taken from it after every statement (pg_cluster_collect) and kept
 * until the caller asks, since the socket will not wake anyone for them.
 */
#include "config.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "store/pg_int.h"
#include "store/spool.h"

const char *const pg_cluster_sql[PQ__N] = {
    [PQ_TRY_LOCK] = "SELECT pg_try_advisory_lock($1::bigint)::int",
    [PQ_UNLOCK] = "SELECT pg_advisory_unlock($1::bigint)::int",
    [PQ_NOTIFY] = "SELECT pg_notify($1, $2)",
    /* seen_ms by the database's clock: daemons on machines that disagree agree on it */
    [PQ_DAEMON_BEAT] =
        "INSERT INTO keluh_daemons (instance, name, host, pid, version, started_ms, seen_ms, "
        "  leader, sources, listen) "
        "VALUES ($1, $2, $3, $4, $5, $6, (extract(epoch FROM clock_timestamp()) * 1000)::bigint, "
        "  $7::int <> 0, ARRAY(SELECT jsonb_array_elements_text($8::jsonb)), $9) "
        "ON CONFLICT (instance) DO UPDATE SET seen_ms = excluded.seen_ms, "
        "  leader = excluded.leader, sources = excluded.sources, listen = excluded.listen",
    [PQ_DAEMON_GONE] = "DELETE FROM keluh_daemons WHERE instance = $1",
    [PQ_DAEMON_FORGET] =
        "DELETE FROM keluh_daemons "
        "WHERE seen_ms < (extract(epoch FROM clock_timestamp()) * 1000)::bigint - $1",
    [PQ_DAEMONS] = "SELECT instance, name, host, pid, version, started_ms, seen_ms, leader::int, "
                   "  array_to_json(sources)::text, listen, "
                   "  (extract(epoch FROM clock_timestamp()) * 1000)::bigint - seen_ms "
                   "FROM keluh_daemons ORDER BY started_ms, instance",
};

/* The advisory lock's key: "keluh:" and the name, hashed as nothing else ever changes it. */
static int64_t
pg_lock_key(const char *name)
{
	char *full = xasprintf("keluh:%s", name);
	uint64_t h = util_hash_str(full);

	free(full);
	return (int64_t)h;
}

static int
pg_lock_slot(const struct pg_spool *s, const char *name)
{
	for (int i = 0; i < PG_LOCKS_MAX; i++)
		if (s->locks[i] && strcmp(s->locks[i], name) == 0)
			return i;
	return -1;
}

/* A channel is an identifier in LISTEN's SQL: plain words only, never quoted text. */
static int
pg_channel_ok(struct pg_spool *s, const char *channel)
{
	size_t n = strspn(channel, "abcdefghijklmnopqrstuvwxyz_0123456789");

	if (n == 0 || channel[n] != '\0' || n > 63) {
		pg_seterr(s, "notification channel \"%.80s\": use 1 to 63 of a-z, 0-9 and _",
		          channel);
		return -1;
	}
	return 0;
}

int
pg_shared(const struct spool *sp)
{
	(void)sp;
	return 1;
}

int
pg_try_lock(struct spool *sp, const char *name)
{
	struct pg_spool *s = pg_of(sp);
	int64_t got = 0;
	int slot;

	if (pg_lock_slot(s, name) >= 0)
		return 1;
	for (slot = 0; slot < PG_LOCKS_MAX && s->locks[slot]; slot++)
		;
	if (slot >= PG_LOCKS_MAX) {
		pg_seterr(s, "more than %d locks held at once", PG_LOCKS_MAX);
		return -1;
	}
	if (PG_ONE(s, PQ_TRY_LOCK, &got, PG_I64(pg_lock_key(name))) < 0)
		return -1;
	if (!got)
		return 0;
	s->locks[slot] = xstrdup(name);
	return 1;
}

int
pg_unlock(struct spool *sp, const char *name)
{
	struct pg_spool *s = pg_of(sp);
	int slot = pg_lock_slot(s, name);
	int64_t was = 0;

	if (slot < 0)
		return 0;
	free(s->locks[slot]);
	s->locks[slot] = NULL;
	/* a session lost on the way took the lock with it: nothing left to give up */
	if (PQstatus(s->conn) != CONNECTION_OK)
		return 0;
	return PG_ONE(s, PQ_UNLOCK, &was, PG_I64(pg_lock_key(name))) < 0 ? -1 : 0;
}

uint64_t
pg_session(const struct spool *sp)
{
	return pg_of_const(sp)->session;
}

int
pg_listen(struct spool *sp, const char *channel)
{
	struct pg_spool *s = pg_of(sp);
	char sql[96];
	int i;

	if (pg_channel_ok(s, channel) < 0)
		return -1;
	for (i = 0; i < PG_CHANNELS_MAX && s->channels[i]; i++)
		if (strcmp(s->channels[i], channel) == 0)
			return 0;
	if (i >= PG_CHANNELS_MAX) {
		pg_seterr(s, "more than %d notification channels", PG_CHANNELS_MAX);
		return -1;
	}
	s->channels[i] = xstrdup(channel);
	/* in a batch, LISTEN takes effect at its commit and goes with a rollback */
	if (s->txn) {
		s->listen_todo = 1;
		return 0;
	}
	/* a new session listens to every channel by itself */
	if (PQstatus(s->conn) != CONNECTION_OK || !s->prepared)
		return pg_reconnect(s);
	snprintf(sql, sizeof(sql), "LISTEN %s", channel);
	return pg_exec(s, sql);
}

int
pg_notify(struct spool *sp, const char *channel, const char *payload)
{
	struct pg_spool *s = pg_of(sp);
	PGresult *r;

	if (pg_channel_ok(s, channel) < 0)
		return -1;
	if (!(r = PG_RUN(s, PQ_NOTIFY, PG_TEXT(channel), PG_TEXT(payload ? payload : ""))))
		return -1;
	PQclear(r);
	return 0;
}

int
pg_notify_fd(const struct spool *sp)
{
	const struct pg_spool *s = pg_of_const(sp);

	return PQstatus(s->conn) == CONNECTION_OK ? PQsocket(s->conn) : -1;
}

int
pg_notifications(struct spool *sp, void (*fn)(void *arg, const char *channel, const char *payload),
                 void *arg)
{
	struct pg_spool *s = pg_of(sp);
	struct pg_note *v;
	size_t n;
	int lost = 0;

	if (PQstatus(s->conn) == CONNECTION_OK && !PQconsumeInput(s->conn)) {
		pg_dberr(s, "reading notifications", PQerrorMessage(s->conn));
		lost = 1;
	}
	pg_cluster_collect(s);
	if (lost || PQstatus(s->conn) != CONNECTION_OK)
		pg_failed(s);
	/* fn may run statements, which may keep more: those wait for the next call */
	v = s->notes;
	n = s->nnotes;
	s->notes = NULL;
	s->nnotes = 0;
	for (size_t i = 0; i < n; i++)
		fn(arg, v[i].channel, v[i].payload);
	pg_notes_free(v, n);
	if (lost || PQstatus(s->conn) != CONNECTION_OK)
		return -1;
	return n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
}

uint64_t
pg_notify_dropped(const struct spool *sp)
{
	return pg_of_const(sp)->notes_dropped;
}

int
pg_set_instance(struct spool *sp, const char *instance_id)
{
	struct pg_spool *s = pg_of(sp);

	free(s->instance);
	s->instance = xstrdup(instance_id);
	return 0;
}

/* Rows of daemons not seen for this long are forgotten (checked every PG_FORGET_EVERY beats). */
#define PG_FORGET_AFTER_MS (24 * 3600 * 1000LL)
#define PG_FORGET_EVERY    600

int
pg_daemon_beat(struct spool *sp, const struct spool_daemon *d)
{
	struct pg_spool *s = pg_of(sp);

	if (PG_WRITE(s, PQ_DAEMON_BEAT, PG_TEXT(d->instance), PG_TEXT(d->name), PG_TEXT(d->host),
	             PG_I64(d->pid), PG_TEXT(d->version), PG_I64(d->started_ms), PG_I64(d->leader),
	             PG_TEXT(d->sources ? d->sources : "[]"),
	             d->listen ? PG_TEXT(d->listen) : PG_NULL) < 0)
		return -1;
	if (s->beats++ % PG_FORGET_EVERY == 0 &&
	    PG_WRITE(s, PQ_DAEMON_FORGET, PG_I64(PG_FORGET_AFTER_MS)) < 0)
		return -1;
	return 0;
}

int
pg_daemon_gone(struct spool *sp, const char *instance)
{
	return PG_WRITE(pg_of(sp), PQ_DAEMON_GONE, PG_TEXT(instance)) < 0 ? -1 : 0;
}

int
pg_daemons(struct spool *sp, void (*fn)(void *arg, const struct spool_daemon *), void *arg)
{
	struct pg_spool *s = pg_of(sp);
	PGresult *r = pg_run(s, PQ_DAEMONS, NULL, 0);
	int n;

	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		struct spool_daemon d = {
		    .instance = pg_str(r, i, 0),
		    .name = pg_str(r, i, 1),
		    .host = pg_str(r, i, 2),
		    .pid = pg_i64(r, i, 3),
		    .version = pg_str(r, i, 4),
		    .started_ms = pg_i64(r, i, 5),
		    .seen_ms = pg_i64(r, i, 6),
		    .leader = (int)pg_i64(r, i, 7),
		    .sources = pg_str(r, i, 8),
		    .listen = pg_str(r, i, 9),
		    .seen_ago_ms = pg_i64(r, i, 10),
		};

		fn(arg, &d);
		spool_daemon_free(&d);
	}
	PQclear(r);
	return n;
}
