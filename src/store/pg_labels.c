/*
 * pg_labels.c: the PostgreSQL spool's labels (as sqlite_labels.c), and the
 * recent row of a mention id that a label takes its text from.
 */
#include "config.h"

#include <libpq-fe.h>
#include <stdlib.h>

#include "store/pg_int.h"
#include "store/spool.h"

const char *const pg_labels_sql[PQ__N] = {
    [PQ_LABEL_ADD] = "INSERT INTO labels (mention_id, text, complaint, team, by_platform, "
                     "by_name, at_ms, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                     "RETURNING id",
    /* the latest of each mention: no later row of it along labels_mention */
    [PQ_LABEL_LIST] = "SELECT id, mention_id, text, complaint, team, by_platform, by_name, "
                      "at_ms, source FROM labels l WHERE at_ms >= $1 AND NOT EXISTS (SELECT 1 "
                      "FROM labels n WHERE n.mention_id = l.mention_id AND n.id > l.id) "
                      "ORDER BY id",
    [PQ_LABEL_COUNT] = "SELECT count(*), coalesce(sum(complaint), 0) FROM labels l WHERE NOT "
                       "EXISTS (SELECT 1 FROM labels n WHERE n.mention_id = l.mention_id AND "
                       "n.id > l.id)",
    [PQ_RECENT_BY_ID] = "SELECT at_ms, complaint, json FROM recent WHERE mention_id = $1 "
                        "ORDER BY id DESC LIMIT 1",
};

int
pg_recent_by_id(struct spool *sp, const char *mention_id,
                void (*fn)(void *arg, int64_t at_ms, int complaint, const char *json), void *arg)
{
	PGresult *r = PG_RUN(pg_of(sp), PQ_RECENT_BY_ID, PG_TEXT(mention_id));
	int n;

	if (!r)
		return -1;
	n = PQntuples(r) > 0;
	if (n)
		fn(arg, pg_i64(r, 0, 0), (int)pg_i64(r, 0, 1), PQgetvalue(r, 0, 2));
	PQclear(r);
	return n;
}

int64_t
pg_label_add(struct spool *sp, const char *mention_id, const char *text, int complaint,
             const char *team, const char *platform, const char *by, int64_t at_ms,
             const char *source)
{
	return PG_WRITE_ID(pg_of(sp), PQ_LABEL_ADD, PG_TEXT(mention_id), PG_TEXT(text),
	                   PG_I64(complaint != 0), team ? PG_TEXT(team) : PG_NULL,
	                   PG_TEXT(platform), by ? PG_TEXT(by) : PG_NULL, PG_I64(at_ms),
	                   PG_TEXT(source));
}

static const char *
col_text(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

/* The result is held whole by libpq, as pg_recent_scan's; fn must not call the spool. */
int64_t
pg_label_list(struct spool *sp, int64_t since_ms, void (*fn)(void *arg, const struct spool_label *),
              void *arg)
{
	PGresult *r = PG_RUN(pg_of(sp), PQ_LABEL_LIST, PG_I64(since_ms));
	int n;

	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		struct spool_label l = {
		    .id = pg_i64(r, i, 0),
		    .mention_id = col_text(r, i, 1),
		    .text = col_text(r, i, 2),
		    .complaint = (int)pg_i64(r, i, 3),
		    .team = col_text(r, i, 4),
		    .by_platform = col_text(r, i, 5),
		    .by_name = col_text(r, i, 6),
		    .at_ms = pg_i64(r, i, 7),
		    .source = col_text(r, i, 8),
		};

		fn(arg, &l);
	}
	PQclear(r);
	return n;
}

int64_t
pg_label_count(struct spool *sp, int64_t *complaints)
{
	PGresult *r = pg_run(pg_of(sp), PQ_LABEL_COUNT, NULL, 0);
	int64_t n = 0;

	if (!r)
		return -1;
	if (PQntuples(r) > 0) {
		n = pg_i64(r, 0, 0);
		*complaints = pg_i64(r, 0, 1);
	}
	PQclear(r);
	return n;
}
