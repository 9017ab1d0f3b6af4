/*
 * pg.c: the PostgreSQL spool backend (spool_pg), for spool paths
 * "postgresql:<conninfo>": the connection and its loss, the batch of a
 * loop pass, the statement helpers, and the backend's table. Its schema is
 * in pg_schema.c, its queries in pg_deliv.c, pg_cases.c and pg_stats.c.
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

void
pg_seterr(struct pg_spool *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->base.err, sizeof(s->base.err), fmt, ap);
	va_end(ap);
}

/* libpq's message, on one line. */
static void
pg_dberr(struct pg_spool *s, const char *what, const char *msg)
{
	size_t n;

	pg_seterr(s, "PostgreSQL: %s%s%s", what ? what : "", what ? ": " : "",
	          msg && *msg ? msg : "unknown error");
	n = strlen(s->base.err);
	while (n > 0 && (s->base.err[n - 1] == '\n' || s->base.err[n - 1] == ' '))
		s->base.err[--n] = '\0';
	/* libpq's messages run over lines, indented with tabs */
	for (char *p = s->base.err, *q = s->base.err;; p++) {
		char ch = *p == '\n' || *p == '\t' ? ' ' : *p;

		if (ch != ' ' || q == s->base.err || q[-1] != ' ')
			*q++ = ch;
		if (!ch)
			break;
	}
}

int64_t
pg_limit(size_t n)
{
	return n > (size_t)INT64_MAX ? INT64_MAX : (int64_t)n;
}

int64_t
pg_i64(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return 0;
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

char *
pg_str(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return xstrndup(PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

/* What went wrong: the result's message, else the connection's (no result at all). */
static const char *
pg_why(struct pg_spool *s, const PGresult *r)
{
	const char *m = r ? PQresultErrorMessage(r) : "";

	return *m ? m : PQerrorMessage(s->conn);
}

/* A command made for the occasion (SET, BEGIN, COMMIT): 0, or -1 with the error in s. */
static int
pg_exec(struct pg_spool *s, const char *sql)
{
	PGresult *r = PQexec(s->conn, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		pg_dberr(s, NULL, pg_why(s, r));
	PQclear(r);
	return ok ? 0 : -1;
}

/* The session settings and the statements of a new connection. */
static int
pg_session(struct pg_spool *s)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SET statement_timeout = %d", PG_STATEMENT_TIMEOUT_MS);
	if (pg_exec(s, sql) < 0 || pg_exec(s, "SET synchronous_commit = on") < 0)
		return -1;
	if (s->readonly && pg_exec(s, "SET default_transaction_read_only = on") < 0)
		return -1;
	return 0;
}

static int
pg_prepare(struct pg_spool *s)
{
	/* a session where an earlier try stopped halfway */
	if (pg_exec(s, "DEALLOCATE ALL") < 0)
		return -1;
	for (int i = 0; i < PQ__N; i++) {
		const char *sql = pg_main_sql[i]    ? pg_main_sql[i]
		                  : pg_deliv_sql[i] ? pg_deliv_sql[i]
		                  : pg_cases_sql[i] ? pg_cases_sql[i]
		                                    : pg_stats_sql[i];
		char name[16];
		PGresult *r;
		int ok;

		snprintf(name, sizeof(name), "k%d", i);
		r = PQprepare(s->conn, name, sql, 0, NULL);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			pg_dberr(s, "preparing a statement", PQresultErrorMessage(r));
		PQclear(r);
		if (!ok)
			return -1;
	}
	s->prepared = 1;
	return 0;
}

/*
 * After a lost connection: one try, at most every PG_RECONNECT_MS, so a
 * database that is down costs each loop pass one refused connect at most.
 */
static int
pg_reconnect(struct pg_spool *s)
{
	int64_t now = util_mono_ms();

	if (PQstatus(s->conn) == CONNECTION_OK && s->prepared)
		return 0;
	if (PQstatus(s->conn) != CONNECTION_OK) {
		if (s->reset_ms && now - s->reset_ms < PG_RECONNECT_MS && now >= s->reset_ms) {
			pg_seterr(s, "PostgreSQL: the connection is lost; trying again shortly");
			return -1;
		}
		PQreset(s->conn);
		if (PQstatus(s->conn) != CONNECTION_OK) {
			s->reset_ms = now;
			pg_dberr(s, "reconnecting", PQerrorMessage(s->conn));
			return -1;
		}
		s->reset_ms = 0;
		s->prepared = 0;
	}
	if (pg_session(s) < 0 || pg_prepare(s) < 0)
		return -1;
	return 0;
}

/* A failed call: the batch is gone if the connection is (the caller set the error). */
static void
pg_failed(struct pg_spool *s)
{
	if (PQstatus(s->conn) != CONNECTION_OK)
		s->prepared = 0;
}

/* Whether the open batch can still be written to; a write after its loss must fail. */
static int
pg_check_txn(struct pg_spool *s)
{
	if (!s->txn)
		return 0;
	if (PQstatus(s->conn) != CONNECTION_OK || PQtransactionStatus(s->conn) != PQTRANS_INTRANS) {
		pg_seterr(s, "the transaction was rolled back after an earlier error (or the "
		             "connection to PostgreSQL was lost); nothing written since "
		             "spool_begin was kept");
		return -1;
	}
	return 0;
}

PGresult *
pg_run(struct pg_spool *s, int q, const struct pg_arg *a, size_t n)
{
	char buf[PG_MAX_ARGS][24];
	const char *vals[PG_MAX_ARGS];
	char name[16];
	PGresult *r;
	ExecStatusType st;

	if (s->txn ? pg_check_txn(s) < 0 : pg_reconnect(s) < 0)
		return NULL;
	if (n > PG_MAX_ARGS)
		abort();
	for (size_t i = 0; i < n; i++) {
		switch (a[i].kind) {
		case PG_ARG_TEXT: vals[i] = a[i].text; break;
		case PG_ARG_NULL: vals[i] = NULL; break;
		case PG_ARG_I64:
			snprintf(buf[i], sizeof(buf[i]), "%" PRId64, a[i].i64);
			vals[i] = buf[i];
			break;
		}
	}
	snprintf(name, sizeof(name), "k%d", q);
	r = PQexecPrepared(s->conn, name, (int)n, vals, NULL, NULL, 0);
	st = PQresultStatus(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	pg_dberr(s, NULL, pg_why(s, r));
	PQclear(r);
	pg_failed(s);
	return NULL;
}

int64_t
pg_write(struct pg_spool *s, int q, const struct pg_arg *a, size_t n)
{
	PGresult *r;
	int64_t changed;

	if (s->readonly) {
		pg_seterr(s, "the spool is open read-only");
		return -1;
	}
	if (pg_check_txn(s) < 0 || !(r = pg_run(s, q, a, n)))
		return -1;
	changed = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return changed;
}

int64_t
pg_write_id(struct pg_spool *s, int q, const struct pg_arg *a, size_t n)
{
	PGresult *r;
	int64_t id;

	if (s->readonly) {
		pg_seterr(s, "the spool is open read-only");
		return -1;
	}
	if (pg_check_txn(s) < 0 || !(r = pg_run(s, q, a, n)))
		return -1;
	id = PQntuples(r) > 0 ? pg_i64(r, 0, 0) : 0;
	PQclear(r);
	return id;
}

int
pg_one_i64(struct pg_spool *s, int q, int64_t *out, const struct pg_arg *a, size_t n)
{
	PGresult *r = pg_run(s, q, a, n);
	int found;

	if (!r)
		return -1;
	found = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0);
	if (found)
		*out = pg_i64(r, 0, 0);
	PQclear(r);
	return found;
}

int
pg_op_begin(struct pg_spool *s)
{
	if (s->readonly) {
		pg_seterr(s, "the spool is open read-only");
		return -1;
	}
	if (s->txn)
		return pg_check_txn(s) < 0 ? -1 : pg_exec(s, "SAVEPOINT spool_op");
	if (pg_reconnect(s) < 0)
		return -1;
	return pg_exec(s, "BEGIN");
}

int
pg_op_end(struct pg_spool *s, int ok)
{
	char keep[sizeof(s->base.err)];

	if (ok && pg_exec(s, s->txn ? "RELEASE SAVEPOINT spool_op" : "COMMIT") == 0)
		return 0;
	/* Undo quietly: the message that matters is the first one. */
	memcpy(keep, s->base.err, sizeof(keep));
	if (PQstatus(s->conn) == CONNECTION_OK) {
		if (s->txn) {
			pg_exec(s, "ROLLBACK TO SAVEPOINT spool_op");
			pg_exec(s, "RELEASE SAVEPOINT spool_op");
		} else if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
			pg_exec(s, "ROLLBACK");
	}
	pg_failed(s);
	memcpy(s->base.err, keep, sizeof(keep));
	return -1;
}

/* ---- opening ---------------------------------------------------------- */

static void pg_close(struct spool *);

/* Notices are not errors: what fails says so in the failed call's message. */
static void
pg_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

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
	s->conn = PQconnectdbParams(keys, vals, 1);
	/* the server's notices (a shutdown's warning) would go to stderr as they are */
	if (s->conn)
		PQsetNoticeProcessor(s->conn, pg_notice, NULL);
	if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
		pg_dberr(s, "cannot connect", s->conn ? PQerrorMessage(s->conn) : "out of memory");
		goto fail;
	}
	if (pg_session(s) < 0 || pg_schema_setup(s) < 0 || pg_prepare(s) < 0 ||
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
	if (pg_exec(s, "BEGIN") < 0) {
		pg_failed(s);
		return -1;
	}
	s->txn = 1;
	return 1;
}

static int
pg_commit(struct spool *sp)
{
	struct pg_spool *s = pg_of(sp);
	char why[sizeof(s->base.err)];

	if (!s->txn)
		return 0;
	if (pg_check_txn(s) < 0) {
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
