/*
 * sqlite_stmt.c: the SQLite backend's statement helpers: errors, the
 * typed binder, the write, the one-row read and the read of every row, so
 * that each query of sqlite.c is its SQL and what it does with the result.
 */
#include "config.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/util.h"
#include "store/spool.h"
#include "store/sqlite_int.h"

void
sqlite_seterr(struct sqlite_spool *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->base.err, sizeof(s->base.err), fmt, ap);
	va_end(ap);
}

void
sqlite_dberr(struct sqlite_spool *s)
{
	sqlite_seterr(s, "%s", sqlite3_errmsg(s->db));
}

static void
sqlite_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

void
sqlite_bind(sqlite3_stmt *st, const struct spool_arg *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int at = (int)i + 1;

		switch (a[i].kind) {
		case SPOOL_ARG_TEXT: sqlite_bind_text(st, at, a[i].text); break;
		case SPOOL_ARG_INT: sqlite3_bind_int(st, at, (int)a[i].i64); break;
		case SPOOL_ARG_I64: sqlite3_bind_int64(st, at, a[i].i64); break;
		case SPOOL_ARG_SKIP: break;
		}
	}
}

void
sqlite_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int
sqlite_step(struct sqlite_spool *s, sqlite3_stmt *st, const struct spool_arg *a, size_t n)
{
	int rc;

	sqlite_bind(st, a, n);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		sqlite_dberr(s);
		sqlite_done(st);
		return -1;
	}
	sqlite_done(st);
	return 0;
}

int
sqlite_check_txn(struct sqlite_spool *s)
{
	if (s->txn && sqlite3_get_autocommit(s->db)) {
		sqlite_seterr(s, "the transaction was rolled back after an earlier error; "
		                 "nothing written since spool_begin was kept");
		return -1;
	}
	return 0;
}

int
sqlite_write(struct sqlite_spool *s, sqlite3_stmt *st, const struct spool_arg *a, size_t n)
{
	if (sqlite_check_txn(s) < 0)
		return -1;
	return sqlite_step(s, st, a, n);
}

int
sqlite_row(struct sqlite_spool *s, sqlite3_stmt *st, void (*row)(sqlite3_stmt *, void *), void *out,
           const struct spool_arg *a, size_t n)
{
	int rc;

	sqlite_bind(st, a, n);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row(st, out);
	else if (rc != SQLITE_DONE)
		sqlite_dberr(s);
	sqlite_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

void
sqlite_col0_i64(sqlite3_stmt *st, void *out)
{
	*(int64_t *)out = sqlite3_column_int64(st, 0);
}

void
sqlite_col0_int(sqlite3_stmt *st, void *out)
{
	*(int *)out = sqlite3_column_int(st, 0);
}

void
sqlite_col0_str(sqlite3_stmt *st, void *out)
{
	*(char **)out = sqlite_col_str(st, 0);
}

void
sqlite_cols_i64(sqlite3_stmt *st, void *out)
{
	int n = sqlite3_column_count(st);

	for (int i = 0; i < n; i++)
		((int64_t *)out)[i] = sqlite3_column_int64(st, i);
}

void *
sqlite_rows(struct sqlite_spool *s, sqlite3_stmt *st, size_t elem,
            void (*row)(sqlite3_stmt *, void *), size_t *n, int *ok)
{
	char *v = NULL;
	size_t cap = 0;
	int rc;

	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			v = xreallocarray(v, cap, elem);
		}
		row(st, v + elem * (*n)++);
	}
	*ok = rc == SQLITE_DONE;
	if (!*ok)
		sqlite_dberr(s);
	sqlite_done(st);
	return v;
}

char *
sqlite_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	return v ? xstrndup((const char *)v, (size_t)sqlite3_column_bytes(st, i)) : NULL;
}

/* An alert row of the listings (ST_LIST_ALERTS and the like). */
static void
sqlite_row_alert(sqlite3_stmt *st, void *p)
{
	struct spool_alert *a = p;

	a->rowid = sqlite3_column_int64(st, 0);
	a->alert_id = sqlite_col_str(st, 1);
	a->group_key = sqlite_col_str(st, 2);
	a->team = sqlite_col_str(st, 3);
	a->json = sqlite_col_str(st, 4);
	a->priority = sqlite3_column_int(st, 5);
	a->at_ms = sqlite3_column_int64(st, 6);
	a->delivered = sqlite3_column_int(st, 7);
	a->pending = sqlite3_column_int(st, 8);
	a->dead = sqlite3_column_int(st, 9);
	a->mentions = sqlite3_column_int(st, 10);
}

/* Runs st (bound already), hands each alert row to fn; returns the rows' count, or -1. */
int
sqlite_alerts_each(struct sqlite_spool *s, sqlite3_stmt *st,
    void (*fn)(void *arg, const struct spool_alert *), void *arg)
{
	struct spool_alert *v;
	size_t n;
	int ok;

	v = sqlite_rows(s, st, sizeof(*v), sqlite_row_alert, &n, &ok);
	for (size_t i = 0; i < n; i++) {
		if (ok)
			fn(arg, &v[i]);
		free(v[i].alert_id);
		free(v[i].group_key);
		free(v[i].team);
		free(v[i].json);
	}
	free(v);
	return ok ? (int)n : -1;
}

void
sqlite_mention_clear(struct spool_mention *m)
{
	free(m->mention_id);
	free(m->group_key);
	free(m->json);
}

void
sqlite_row_mention(sqlite3_stmt *st, void *p)
{
	struct spool_mention *m = p;

	m->rowid = sqlite3_column_int64(st, 0);
	m->mention_id = sqlite_col_str(st, 1);
	m->group_key = sqlite_col_str(st, 2);
	m->priority = sqlite3_column_int(st, 3);
	m->at_ms = sqlite3_column_int64(st, 4);
	m->json = sqlite_col_str(st, 5);
}

/* Runs st (bound already), hands each mention to fn; 0, or -1. */
int
sqlite_mentions_each(struct sqlite_spool *s, sqlite3_stmt *st,
    void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	size_t n;
	int ok;
	struct spool_mention *v = sqlite_rows(s, st, sizeof(*v), sqlite_row_mention, &n, &ok);

	for (size_t i = 0; i < n; i++) {
		if (ok)
			fn(arg, &v[i]);
		sqlite_mention_clear(&v[i]);
	}
	free(v);
	return ok ? 0 : -1;
}

int
sqlite_prepare_all(struct sqlite_spool *s, const char *const *sql, sqlite3_stmt **st, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st[i], NULL) !=
		    SQLITE_OK) {
			sqlite_dberr(s);
			return -1;
		}
	return 0;
}

void
sqlite_finalize_all(sqlite3_stmt **st, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sqlite3_finalize(st[i]);
}
