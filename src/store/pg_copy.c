/*
 * pg_copy.c: the rows a loop pass writes one per mention (complaints,
 * recent mentions), kept in memory while the batch is open and sent to
 * PostgreSQL as one COPY per table, so that a pass of a thousand mentions
 * costs a few round trips, not a thousand (a round trip to a local server
 * costs more than classifying a mention). The complaints' pending marks
 * (narrow rows, where a COPY's second round trip would cost more than it
 * saves) go as one INSERT of arrays, and the rollups' counts of a batch
 * (hundreds of keys once a second) as one upsert.
 *
 * A row's id is known when it is added (spool_add_mention returns it and
 * the grouper keeps it): ids are taken from the table's own sequence in
 * blocks, in the batch, and the ids a batch did not use are left unused
 * (nextval never gives one twice). The block grows while a pass uses it
 * up and shrinks to what the last pass used.
 *
 * The rows are sent before anything else runs in the batch (a read must
 * see them, a savepoint must not be able to undo them) and before the
 * commit; a COPY that fails fails the batch as any write does: every
 * later write and the commit fail. Rows are sent early too once a batch
 * holds PG_COPY_FLUSH_BYTES of them, so memory stays bounded.
 */
#include "config.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "store/pg_int.h"
#include "store/spool.h"

/* the sequences' blocks: at least, at most */
#define PG_IDS_MIN 16
#define PG_IDS_MAX 4096
/* the most columns of a statement that takes array literals */
#define PG_ARRAY_COLS                                                                              \
	((int)PG_STATS__N > (int)PG_PENDING__N ? (int)PG_STATS__N : (int)PG_PENDING__N)

/*
 * A block of ids, how many closing it: the sequence is looked up once, in
 * a CTE the planner may not fold into the rows (in the target list,
 * pg_get_serial_sequence ran for each id and cost five times the nextval).
 */
#define PG_IDS_SQL(table)                                                                          \
	"WITH q AS MATERIALIZED (SELECT pg_get_serial_sequence('" table "', 'id')::regclass "      \
	"AS s) SELECT nextval(q.s) FROM q, generate_series(1, "

const char *const pg_copy_sql[PQ__N] = {
    [PQ_MENTION_IDS] = PG_IDS_SQL("mentions") "$1::integer)",
    [PQ_RECENT_IDS] = PG_IDS_SQL("recent") "$1::integer)",
    /*
     * One row per key (an upsert may not touch a row twice), taken in
     * the order of the key, so that daemons adding to the same rows lock
     * them in one order and never deadlock.
     */
    [PQ_STAT_MANY] = "INSERT INTO stats (kind, step, bucket_ms, key, n) "
                     "SELECT k, s, b, t, sum(n) FROM unnest($1::integer[], $2::bigint[], "
                     "$3::bigint[], $4::text[], $5::bigint[]) AS u (k, s, b, t, n) "
                     "GROUP BY k, s, b, t ORDER BY k, s, b, t "
                     "ON CONFLICT (kind, step, bucket_ms, key) DO UPDATE SET n = stats.n + "
                     "excluded.n",
    /*
     * The batch's pending marks (narrow rows) and its waiting complaints
     * (one row of their ids), one statement (a COPY is two round trips,
     * and a pass had one per table).
     */
    [PQ_PENDING_MANY] = "WITH p AS (INSERT INTO mentions_pending (id, group_key) "
                        "SELECT * FROM unnest($1::bigint[], $2::text[])) "
                        "INSERT INTO waiting_batches (ids) SELECT $3::bigint[] "
                        "WHERE cardinality($3::bigint[]) > 0",
};

/*
 * Each table's COPY, the statement that takes its ids, and the types of
 * its columns after the id, as COPY's binary format writes them: t text,
 * 4 integer, 8 bigint. The binary format, not the text one: the server
 * parses no escapes (a COPY of 200,000 complaint rows: 2.1-2.4 s in text,
 * 1.7 s in binary) and the rows need none.
 */
static const struct {
	const char *copy;
	int ids;
	const char *types;
} pg_tables[PG_COPY__N] = {
    [PG_COPY_MENTIONS] = {"COPY mentions (id, mention_id, group_key, priority, at_ms, json) "
                          "FROM STDIN WITH (FORMAT binary)",
                          PQ_MENTION_IDS, "tt48t"},
    [PG_COPY_RECENT] = {"COPY recent (id, at_ms, complaint, mention_id, json) FROM STDIN "
                        "WITH (FORMAT binary)",
                        PQ_RECENT_IDS, "84tt"},
};

/* The binary format's header: its signature, no flags, no extension. */
static const char pg_copy_header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";

/* An element of a text[] literal: quoted, with its quotes and backslashes escaped. */
static void
pg_array_text(struct buf *b, const char *p)
{
	const char *run = p;

	buf_addc(b, '"');
	for (; *p; p++) {
		if (*p != '"' && *p != '\\')
			continue;
		buf_add(b, run, (size_t)(p - run));
		buf_addc(b, '\\');
		run = p;
	}
	buf_add(b, run, (size_t)(p - run));
	buf_addc(b, '"');
}

/* The next element of an array literal's column: its separator, or the opening brace. */
static void
pg_array_next(struct buf *b)
{
	buf_addc(b, b->len ? ',' : '{');
}

static void
pg_array_int(struct buf *b, int64_t v)
{
	pg_array_next(b);
	buf_add_int(b, v);
}

static void
pg_arrays_reset(struct buf *col, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_reset(&col[i]);
}

/*
 * Statement q with the n columns as its parameters, each closed as an
 * array literal (an empty one as {}), then emptied: 0, or -1 (the batch
 * is lost).
 */
static int
pg_arrays_send(struct pg_spool *s, int q, struct buf *col, size_t n)
{
	struct pg_arg a[PG_ARRAY_COLS];
	PGresult *r;

	if (n > PG_ARRAY_COLS)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (col[i].len == 0)
			buf_addc(&col[i], '{');
		buf_addc(&col[i], '}');
		a[i] = PG_TEXT(col[i].data);
	}
	r = pg_run_now(s, q, a, n);
	pg_arrays_reset(col, n);
	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

int
pg_copy_stat(struct pg_spool *s, int kind, int64_t step_ms, int64_t bucket, const char *key,
             int64_t n)
{
	struct buf *col = s->stats.col;

	if (s->readonly) {
		pg_seterr(s, "the spool is open read-only");
		return -1;
	}
	if (pg_check_txn(s) < 0)
		return -1;
	pg_array_int(&col[PG_STATS_KIND], kind);
	pg_array_int(&col[PG_STATS_STEP], step_ms);
	pg_array_int(&col[PG_STATS_BUCKET], bucket);
	pg_array_next(&col[PG_STATS_KEY]);
	pg_array_text(&col[PG_STATS_KEY], key);
	pg_array_int(&col[PG_STATS_N], n);
	if (col[PG_STATS_KEY].len >= PG_COPY_FLUSH_BYTES && pg_copy_flush(s) < 0)
		return -1;
	return 0;
}

/* Integers in network byte order, as the binary format has them. */
static void
pg_copy_be(struct buf *b, uint64_t v, int bytes)
{
	char out[8];

	for (int i = 0; i < bytes; i++)
		out[i] = (char)(v >> (8 * (bytes - 1 - i)));
	buf_add(b, out, (size_t)bytes);
}

/* A field: its length, then its bytes. */
static void
pg_copy_field(struct buf *b, const void *p, size_t len)
{
	pg_copy_be(b, (uint32_t)len, 4);
	buf_add(b, p, len);
}

/* The ids of a block: 0, or -1 with the error in s. */
static int
pg_copy_ids(struct pg_spool *s, struct pg_copy *c, PGresult *r)
{
	int n = PQntuples(r);

	if ((size_t)n > c->cap) {
		c->ids = xreallocarray(c->ids, (size_t)n, sizeof(*c->ids));
		c->cap = (size_t)n;
	}
	for (int i = 0; i < n; i++)
		c->ids[i] = pg_i64(r, i, 0);
	c->nids = (size_t)n;
	c->next = 0;
	if (n == 0) {
		pg_seterr(s, "PostgreSQL: the sequence of a table gave no id");
		return -1;
	}
	return 0;
}

int
pg_copy_begin(struct pg_spool *s)
{
	struct pg_copy *c = &s->copy[PG_COPY_MENTIONS];
	char sql[224];
	PGresult *r;
	int ok;

	/* a pass that wrote complaints is followed by one that does, most of the time */
	if (c->block == 0)
		return pg_exec(s, "BEGIN");
	snprintf(sql, sizeof(sql), "BEGIN; " PG_IDS_SQL("mentions") "%zu)",
	         c->block < PG_IDS_MIN ? (size_t)PG_IDS_MIN : c->block);
	r = PQexec(s->conn, sql);
	pg_cluster_collect(s);
	ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		pg_dberr(s, NULL, PQresultErrorMessage(r));
	else if (pg_copy_ids(s, c, r) < 0)
		ok = 0;
	PQclear(r);
	if (!ok && PQstatus(s->conn) == CONNECTION_OK &&
	    PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		pg_exec(s, "ROLLBACK");
	return ok ? 0 : -1;
}

/* The next id of table t, a new block taken when the last is used up: the id, or -1. */
static int64_t
pg_copy_id(struct pg_spool *s, struct pg_copy *c, int t)
{
	PGresult *r;
	int n;

	if (c->next < c->nids) {
		c->taken++;
		return c->ids[c->next++];
	}
	if (c->taken > 0 && c->block < PG_IDS_MAX)
		c->block = c->block * 2 > PG_IDS_MAX ? PG_IDS_MAX : c->block * 2;
	if (c->block < PG_IDS_MIN)
		c->block = PG_IDS_MIN;
	r = pg_run_now(s, pg_tables[t].ids, PG_ARGS(PG_I64(c->block)));
	if (!r)
		return -1;
	n = pg_copy_ids(s, c, r);
	PQclear(r);
	if (n < 0)
		return -1;
	c->taken++;
	return c->ids[c->next++];
}

int64_t
pg_copy_row(struct pg_spool *s, int t, const struct pg_arg *a, size_t n)
{
	struct pg_copy *c = &s->copy[t];
	int64_t id;

	if (s->readonly) {
		pg_seterr(s, "the spool is open read-only");
		return -1;
	}
	if (n != strlen(pg_tables[t].types))
		abort();
	if (pg_check_txn(s) < 0 || (id = pg_copy_id(s, c, t)) < 0)
		return -1;
	if (c->rows.len == 0)
		buf_add(&c->rows, pg_copy_header, sizeof(pg_copy_header));
	pg_copy_be(&c->rows, n + 1, 2);
	pg_copy_be(&c->rows, 8, 4);
	pg_copy_be(&c->rows, (uint64_t)id, 8);
	for (size_t i = 0; i < n; i++) {
		int bytes = pg_tables[t].types[i] == '4' ? 4 : 8;

		switch (a[i].kind) {
		case PG_ARG_TEXT: pg_copy_field(&c->rows, a[i].text, strlen(a[i].text)); break;
		case PG_ARG_NULL: pg_copy_be(&c->rows, UINT32_MAX, 4); break;
		case PG_ARG_I64:
			pg_copy_be(&c->rows, (uint32_t)bytes, 4);
			pg_copy_be(&c->rows, (uint64_t)a[i].i64, bytes);
			break;
		}
	}
	c->nrows++;
	if (c->rows.len >= PG_COPY_FLUSH_BYTES && pg_copy_flush(s) < 0)
		return -1;
	return id;
}

int
pg_copy_pending(struct pg_spool *s, int64_t id, const char *group_key, int waiting)
{
	struct buf *col = s->pending.col;

	if (pg_check_txn(s) < 0)
		return -1;
	/* a waiting one becomes pending when the leader claims it */
	if (waiting)
		pg_array_int(&col[PG_PENDING_WAITING], id);
	else {
		pg_array_int(&col[PG_PENDING_IDS], id);
		pg_array_next(&col[PG_PENDING_GROUPS]);
		pg_array_text(&col[PG_PENDING_GROUPS], group_key);
	}
	if ((col[PG_PENDING_GROUPS].len >= PG_COPY_FLUSH_BYTES ||
	     col[PG_PENDING_WAITING].len >= PG_COPY_FLUSH_BYTES) &&
	    pg_copy_flush(s) < 0)
		return -1;
	return 0;
}

/* One table's rows through COPY: 0, or -1 with the error in s (the batch is then lost). */
static int
pg_copy_send(struct pg_spool *s, int t)
{
	struct pg_copy *c = &s->copy[t];
	PGresult *r = PQexec(s->conn, pg_tables[t].copy);
	int ok = PQresultStatus(r) == PGRES_COPY_IN;

	pg_copy_be(&c->rows, UINT16_MAX, 2); /* the trailer: a field count of -1 */
	if (!ok)
		pg_dberr(s, "COPY", PQresultErrorMessage(r));
	PQclear(r);
	if (ok && (PQputCopyData(s->conn, c->rows.data, (int)c->rows.len) != 1 ||
	           PQputCopyEnd(s->conn, NULL) != 1)) {
		pg_dberr(s, "COPY", PQerrorMessage(s->conn));
		ok = 0;
	}
	/* after COPY IN every result is read, whatever happened, so the session is usable */
	while ((r = PQgetResult(s->conn)) != NULL) {
		if (ok && PQresultStatus(r) != PGRES_COMMAND_OK) {
			pg_dberr(s, "COPY", PQresultErrorMessage(r));
			ok = 0;
		}
		PQclear(r);
		if (PQstatus(s->conn) != CONNECTION_OK)
			break;
	}
	pg_cluster_collect(s);
	buf_reset(&c->rows);
	c->nrows = 0;
	if (!ok)
		pg_failed(s);
	return ok ? 0 : -1;
}

int
pg_copy_flush(struct pg_spool *s)
{
	for (int t = 0; t < PG_COPY__N; t++) {
		if (s->copy[t].nrows == 0)
			continue;
		if (pg_check_txn(s) < 0 || pg_copy_send(s, t) < 0) {
			pg_copy_end(s);
			return -1;
		}
	}
	/* after the rows they name, though no key ties them */
	if ((s->pending.col[PG_PENDING_IDS].len > 0 ||
	     s->pending.col[PG_PENDING_WAITING].len > 0) &&
	    (pg_check_txn(s) < 0 ||
	     pg_arrays_send(s, PQ_PENDING_MANY, s->pending.col, PG_PENDING__N) < 0)) {
		pg_copy_end(s);
		return -1;
	}
	/* last: the counts' rows stay locked until the commit, which comes next */
	if (s->stats.col[PG_STATS_KIND].len > 0 &&
	    (pg_check_txn(s) < 0 ||
	     pg_arrays_send(s, PQ_STAT_MANY, s->stats.col, PG_STATS__N) < 0)) {
		pg_copy_end(s);
		return -1;
	}
	return 0;
}

void
pg_copy_end(struct pg_spool *s)
{
	for (int t = 0; t < PG_COPY__N; t++) {
		struct pg_copy *c = &s->copy[t];

		buf_reset(&c->rows);
		c->nrows = 0;
		/* the next batch's first block: what this one used */
		if (c->taken > 0 || c->nids > 0)
			c->block = c->taken;
		c->taken = 0;
		c->nids = 0;
		c->next = 0;
	}
	pg_arrays_reset(s->pending.col, PG_PENDING__N);
	pg_arrays_reset(s->stats.col, PG_STATS__N);
}

void
pg_copy_free(struct pg_spool *s)
{
	for (int t = 0; t < PG_COPY__N; t++) {
		buf_free(&s->copy[t].rows);
		free(s->copy[t].ids);
	}
	for (size_t i = 0; i < PG_PENDING__N; i++)
		buf_free(&s->pending.col[i]);
	for (size_t i = 0; i < PG_STATS__N; i++)
		buf_free(&s->stats.col[i]);
}
