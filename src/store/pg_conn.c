/*
 * pg_conn.c: the PostgreSQL spool's session and statement helpers: errors,
 * the session's settings and prepared statements, reconnecting after a
 * lost connection, and the run, write and read of one statement, so that
 * each query of the other files is its SQL and what it does with the rows.
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

void
pg_seterr(struct pg_spool *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->base.err, sizeof(s->base.err), fmt, ap);
	va_end(ap);
}

/* libpq's message, on one line. */
void
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
int
pg_exec(struct pg_spool *s, const char *sql)
{
	PGresult *r = PQexec(s->conn, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	pg_cluster_collect(s);
	if (!ok)
		pg_dberr(s, NULL, pg_why(s, r));
	PQclear(r);
	return ok ? 0 : -1;
}

/* The session settings and the statements of a new connection. */
int
pg_session_start(struct pg_spool *s)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SET statement_timeout = %d", PG_STATEMENT_TIMEOUT_MS);
	if (pg_exec(s, sql) < 0 || pg_exec(s, "SET synchronous_commit = on") < 0)
		return -1;
	if (s->readonly && pg_exec(s, "SET default_transaction_read_only = on") < 0)
		return -1;
	return pg_cluster_session(s);
}

int
pg_prepare(struct pg_spool *s)
{
	/* a session where an earlier try stopped halfway */
	if (pg_exec(s, "DEALLOCATE ALL") < 0)
		return -1;
	for (int i = 0; i < PQ__N; i++) {
		const char *sql = s->sql[i];
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
int
pg_reconnect(struct pg_spool *s)
{
	int64_t now = util_mono_ms(), took;

	if (PQstatus(s->conn) == CONNECTION_OK && s->prepared)
		return 0;
	if (PQstatus(s->conn) != CONNECTION_OK) {
		if (s->reset_ms && now < s->reset_ms) {
			pg_seterr(s, "PostgreSQL: the connection is lost; trying again shortly");
			return -1;
		}
		PQreset(s->conn);
		if (PQstatus(s->conn) != CONNECTION_OK) {
			/*
			 * A connect that hangs until connect_timeout holds the loop:
			 * the next waits four times as long, so it holds the loop a
			 * fifth of the time at most.
			 */
			took = util_mono_ms() - now;
			s->reset_ms = util_mono_ms() +
			              (4 * took > PG_RECONNECT_MS ? 4 * took : PG_RECONNECT_MS);
			pg_dberr(s, "reconnecting", PQerrorMessage(s->conn));
			return -1;
		}
		s->reset_ms = 0;
		s->prepared = 0;
	}
	if (pg_session_start(s) < 0 || pg_prepare(s) < 0)
		return -1;
	return 0;
}

/* A failed call: the batch is gone if the connection is (the caller set the error). */
void
pg_failed(struct pg_spool *s)
{
	if (PQstatus(s->conn) != CONNECTION_OK)
		s->prepared = 0;
}

/* Whether the open batch can still be written to; a write after its loss must fail. */
int
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
	/* what the batch holds goes first: a read must see it */
	if (s->txn && s->flush(s) < 0)
		return NULL;
	return pg_run_now(s, q, a, n);
}

PGresult *
pg_run_now(struct pg_spool *s, int q, const struct pg_arg *a, size_t n)
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
	pg_cluster_collect(s);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	pg_dberr(s, NULL, pg_why(s, r));
	PQclear(r);
	pg_failed(s);
	return NULL;
}

/* A write's statement, in the open batch: its result, or NULL with the error set. */
PGresult *
pg_write_run(struct pg_spool *s, int q, const struct pg_arg *a, size_t n)
{
	if (s->readonly) {
		pg_seterr(s, "the spool is open read-only");
		return NULL;
	}
	return pg_check_txn(s) < 0 ? NULL : pg_run(s, q, a, n);
}

int64_t
pg_write(struct pg_spool *s, int q, const struct pg_arg *a, size_t n)
{
	PGresult *r;
	int64_t changed;

	if (!(r = pg_write_run(s, q, a, n)))
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

	if (!(r = pg_write_run(s, q, a, n)))
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
	/* the batch's rows go before the savepoint, which must not undo them */
	if (s->txn)
		return pg_check_txn(s) < 0 || s->flush(s) < 0 ? -1
		                                              : pg_exec(s, "SAVEPOINT spool_op");
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

/* Notices are not errors: what fails says so in the failed call's message. */
void
pg_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* ---- what several daemons need of the session (pg_cluster.c) ---------- */

static int
pg_listen_all(struct pg_spool *s)
{
	char sql[96];

	for (int i = 0; i < PG_CHANNELS_MAX && s->channels[i]; i++) {
		snprintf(sql, sizeof(sql), "LISTEN %s", s->channels[i]);
		if (pg_exec(s, sql) < 0)
			return -1;
	}
	return 0;
}

/* A new session holds no lock; it listens again to every channel asked for. */
int
pg_cluster_session(struct pg_spool *s)
{
	s->session++;
	for (int i = 0; i < PG_LOCKS_MAX; i++) {
		free(s->locks[i]);
		s->locks[i] = NULL;
	}
	s->listen_todo = 0;
	return pg_listen_all(s);
}

void
pg_cluster_collect(struct pg_spool *s)
{
	PGnotify *n;
	size_t before = s->nnotes;

	while ((n = PQnotifies(s->conn)) != NULL) {
		if (s->nnotes >= PG_NOTIFY_MAX)
			s->notes_dropped++;
		else {
			if (!s->notes)
				s->notes = xreallocarray(NULL, PG_NOTIFY_MAX, sizeof(*s->notes));
			s->notes[s->nnotes].channel = xstrdup(n->relname);
			s->notes[s->nnotes].payload = xstrdup(n->extra ? n->extra : "");
			s->nnotes++;
		}
		PQfreemem(n);
	}
	if (s->nnotes > before && s->base.on_notify)
		s->base.on_notify(s->base.on_notify_arg);
}

void
pg_cluster_txn_end(struct pg_spool *s)
{
	char keep[sizeof(s->base.err)];

	if (!s->listen_todo || PQstatus(s->conn) != CONNECTION_OK)
		return;
	memcpy(keep, s->base.err, sizeof(keep));
	if (pg_listen_all(s) == 0)
		s->listen_todo = 0;
	memcpy(s->base.err, keep, sizeof(keep));
}

void
pg_notes_free(struct pg_note *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].channel);
		free(v[i].payload);
	}
	free(v);
}

void
pg_cluster_free(struct pg_spool *s)
{
	for (int i = 0; i < PG_LOCKS_MAX; i++)
		free(s->locks[i]);
	for (int i = 0; i < PG_CHANNELS_MAX; i++)
		free(s->channels[i]);
	pg_notes_free(s->notes, s->nnotes);
	free(s->instance);
}
