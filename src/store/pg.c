/*
 * pg.c: the PostgreSQL spool backend (spool_pg), for spool paths
 * "postgresql:<conninfo>": opening, the batch of a loop pass, and the
 * backend's table. Its session and statement helpers are in pg_conn.c,
 * its schema in pg_schema.c, its queries in pg_deliv.c, pg_cases.c and
 * pg_stats.c.
 *
 * A batch is one transaction (BEGIN at spool_begin, COMMIT at
 * spool_commit); PostgreSQL's COMMIT returns once the commit is durable
 * (synchronous_commit on), so there is no deferred sync here. A lost
 * connection loses the open batch: every later write and the commit fail,
 * and the next spool_begin (or a read outside a batch) reconnects.
 */
#include "config.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "store/pg_int.h"
#include "store/spool.h"

const char *const pg_main_sql[PQ__N] = {
    /* a write that changes nothing but still makes the batch commit */
    [PQ_PROBE] = "UPDATE keluh_schema SET version = version WHERE version = -1",
};

/* ---- opening ---------------------------------------------------------- */

static void pg_close(struct spool *);

static struct spool *
pg_open(const char *path, int readonly, char *err, size_t errlen)
{
	/*
	 * connect_timeout first: the conninfo, expanded after it, overrides
	 * it when it has one of its own.
	 */
	const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
	const char *vals[] = {PG_CONNECT_TIMEOUT, "keluhd", path + strlen("postgresql:"), NULL};
	struct pg_spool *s = xcalloc(1, sizeof(*s));

	s->readonly = readonly != 0;
	pg_lease_init(s);
	s->flush = pg_copy_flush;
	for (int i = 0; i < PQ__N; i++)
		s->sql[i] = pg_main_sql[i]    ? pg_main_sql[i]
		            : pg_deliv_sql[i] ? pg_deliv_sql[i]
		            : pg_cases_sql[i] ? pg_cases_sql[i]
		            : pg_stats_sql[i] ? pg_stats_sql[i]
		            : pg_labels_sql[i] ? pg_labels_sql[i]
		            : pg_copy_sql[i]   ? pg_copy_sql[i]
		                               : pg_cluster_sql[i];
	s->conn = PQconnectdbParams(keys, vals, 1);
	/* the server's notices (a shutdown's warning) would go to stderr as they are */
	if (s->conn)
		PQsetNoticeProcessor(s->conn, pg_notice, NULL);
	if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
		pg_dberr(s, "cannot connect", s->conn ? PQerrorMessage(s->conn) : "out of memory");
		goto fail;
	}
	if (pg_session_start(s) < 0 || pg_schema_setup(s) < 0 || pg_prepare(s) < 0 ||
	    pg_cases_setup(s) < 0)
		goto fail;
	return &s->base;
fail:
	snprintf(err, errlen, "%s", s->base.err);
	pg_close(&s->base);
	return NULL;
}

static void
pg_close(struct spool *sp)
{
	struct pg_spool *s = pg_of(sp);

	/* an open transaction ends with the session: that is the crash semantics */
	PQfinish(s->conn);
	pg_lease_free(s);
	pg_copy_free(s);
	pg_cluster_free(s);
	free(s);
}

/* ---- the batch of a loop pass ----------------------------------------- */

static int
pg_begin(struct spool *sp)
{
	struct pg_spool *s = pg_of(sp);

	if (s->txn)
		return 0;
	if (pg_reconnect(s) < 0)
		return -1;
	if (pg_copy_begin(s) < 0) {
		pg_failed(s);
		return -1;
	}
	s->txn = 1;
	return 1;
}

static int
pg_commit_batch(struct spool *sp)
{
	struct pg_spool *s = pg_of(sp);
	char why[sizeof(s->base.err)];

	if (!s->txn)
		return 0;
	if (pg_check_txn(s) < 0 || pg_copy_flush(s) < 0) {
		pg_copy_end(s);
		s->txn = 0;
		if (PQstatus(s->conn) == CONNECTION_OK)
			pg_exec(s, "ROLLBACK");
		pg_seterr(s, "the transaction was rolled back after an earlier error (or the "
		             "connection to PostgreSQL was lost); nothing written since "
		             "spool_begin was kept");
		s->rollbacks++;
		pg_failed(s);
		return -1;
	}
	s->txn = 0;
	pg_copy_end(s);
	if (pg_exec(s, "COMMIT") == 0) {
		s->commits++;
		return 0;
	}
	/*
	 * A COMMIT whose answer is lost may have been applied: the batch is
	 * reported lost all the same, as nothing was acknowledged yet.
	 */
	memcpy(why, s->base.err, sizeof(why));
	if (PQstatus(s->conn) == CONNECTION_OK && PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		pg_exec(s, "ROLLBACK");
	pg_failed(s);
	s->rollbacks++;
	pg_seterr(s, "commit failed, nothing written since spool_begin was kept: %.400s", why);
	return -1;
}

/* A LISTEN made in the batch is lost with it: made again once the batch is over. */
static int
pg_commit(struct spool *sp)
{
	int r = pg_commit_batch(sp);

	pg_cluster_txn_end(pg_of(sp));
	return r;
}

static int
pg_in_txn(const struct spool *sp)
{
	return pg_of_const(sp)->txn;
}

static uint64_t
pg_rollbacks(const struct spool *sp)
{
	return pg_of_const(sp)->rollbacks;
}

static int
pg_probe(struct spool *sp)
{
	return pg_write(pg_of(sp), PQ_PROBE, NULL, 0) < 0 ? -1 : 0;
}

/* ---- durability: every COMMIT is durable when it returns -------------- */

static int
pg_defer_sync(struct spool *sp)
{
	pg_seterr(pg_of(sp), "PostgreSQL commits are durable when they return "
	                     "(synchronous_commit); nothing to defer");
	return 1;
}

static int
pg_sync_fd(const struct spool *sp)
{
	(void)sp;
	return -1;
}

static uint64_t
pg_commit_seq(const struct spool *sp)
{
	return pg_of_const(sp)->commits;
}

static int
pg_sync_request(struct spool *sp)
{
	(void)sp;
	return 0;
}

static int
pg_sync_now(struct spool *sp)
{
	(void)sp;
	return 0;
}

static uint64_t
pg_synced(struct spool *sp, int *err)
{
	*err = 0;
	return pg_of(sp)->commits;
}

static unsigned
pg_wal_bound_hits(struct spool *sp, int *failed)
{
	(void)sp;
	*failed = 0;
	return 0;
}

/*
 * "postgresql:" and the conninfo's words but the passwords, a value quoted
 * when libpq would need it, so that the line can be pasted back.
 */
static void
pg_describe(const char *path, char *buf, size_t len)
{
	PQconninfoOption *opts = PQconninfoParse(path + strlen("postgresql:"), NULL);
	size_t at = 0;

	if (!opts) {
		snprintf(buf, len, "postgresql: (a conninfo libpq cannot read)");
		return;
	}
	at = (size_t)snprintf(buf, len, "postgresql:");
	for (PQconninfoOption *o = opts; o->keyword && at + 1 < len; o++) {
		if (!o->val || strcmp(o->keyword, "password") == 0 ||
		    strcmp(o->keyword, "sslpassword") == 0)
			continue;
		int quote = *o->val == '\0' || strpbrk(o->val, " '\\") != NULL;

		at += (size_t)snprintf(buf + at, len - at, " %s=%s", o->keyword, quote ? "'" : "");
		for (const char *p = o->val; *p && at + 3 < len; p++) {
			if (*p == '\'' || *p == '\\')
				buf[at++] = '\\';
			buf[at++] = *p;
		}
		if (quote && at + 1 < len)
			buf[at++] = '\'';
		buf[at < len ? at : len - 1] = '\0';
	}
	PQconninfoFree(opts);
}

/* clang-format off */
#define PG_OP(op) .op = pg_##op,
const struct spool_backend spool_pg = {
	.name = "postgresql",
	.scheme = "postgresql",
	.describe = pg_describe,
	SPOOL_BACKEND_OPS(PG_OP)
};
/* clang-format on */
