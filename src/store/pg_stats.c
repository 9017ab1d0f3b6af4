/*
 * pg_stats.c: the PostgreSQL spool's rollups and recent mentions (as
 * sqlite_stats.c): counts per bucket, the complaints of a span, the
 * cases of a span by topic, and the recent mentions of backtests.
 */
#include "config.h"

#include <libpq-fe.h>
#include <stdlib.h>

#include "lib/util.h"
#include "store/pg_int.h"
#include "store/spool.h"

const char *const pg_stats_sql[PQ__N] = {
    /* a pass adds one row per key and step: the upsert sums what passes add */
    [PQ_STAT_ADD] = "INSERT INTO stats (kind, step, bucket_ms, key, n) VALUES ($1, $2, $3, $4, $5) "
                    "ON CONFLICT (kind, step, bucket_ms, key) DO UPDATE SET n = stats.n + "
                    "excluded.n",
    [PQ_STAT_ROWS] = "SELECT bucket_ms, key, n FROM stats WHERE kind = $1 AND step = $2 "
                     "AND bucket_ms >= $3 AND bucket_ms < $4 AND ($5::text IS NULL OR key = $5) "
                     "ORDER BY bucket_ms, key",
    /*
     * Some keys of a span: one look-up of the primary key per bucket (its
     * keys an array), as in sqlite_stats.c. OFFSET 0 keeps the planner from
     * folding the lateral read into a join, which it made a scan of the
     * whole table (0.6 s for ten rules of 30 days at 5 minutes).
     */
    [PQ_STAT_ROWS_KEYS] = "SELECT s.bucket_ms, s.key, s.n FROM generate_series($3::bigint, "
                          "$4::bigint - 1, $2::bigint) b(t) CROSS JOIN LATERAL (SELECT bucket_ms, "
                          "key, n FROM stats WHERE kind = $1 AND step = $2 AND bucket_ms = b.t "
                          "AND key = ANY(ARRAY(SELECT json_array_elements_text($5::json))) "
                          "ORDER BY key OFFSET 0) s",
    [PQ_STAT_PRUNE] = "DELETE FROM stats WHERE ($3 < 0 OR kind = $3) AND step = $1 "
                      "AND bucket_ms < $2",
    [PQ_RECENT_ADD] = "INSERT INTO recent (at_ms, complaint, mention_id, json) "
                      "VALUES ($1, $2, $3, $4) RETURNING id",
    /* ids are time order, as in sqlite_stats.c: below the newest keep, and below the young */
    [PQ_RECENT_PRUNE] = "DELETE FROM recent WHERE id <= greatest("
                        "coalesce((SELECT max(id) FROM recent), 0) - $1, "
                        "coalesce((SELECT id FROM recent WHERE at_ms >= $2 ORDER BY id LIMIT 1),"
                        " (SELECT max(id) FROM recent) + 1, 0) - 1)",
    /* newest first, down to the first row older than since (ids are time order) */
    [PQ_RECENT_SCAN] = "SELECT at_ms, complaint, json FROM recent WHERE id > coalesce((SELECT "
                       "max(id) FROM recent WHERE at_ms < $1), 0) ORDER BY id DESC LIMIT $2",
    [PQ_MENTIONS_BETWEEN] = "SELECT id, mention_id, group_key, priority, at_ms, json "
                            "FROM mentions WHERE at_ms >= $1 AND at_ms < $2 "
                            "ORDER BY at_ms DESC, id DESC LIMIT $3",
    [PQ_CASE_TOPICS] = "SELECT topic, count(*), count(*) FILTER (WHERE state = "
                       "'not_complaint') FROM cases WHERE opened_ms >= $1 AND opened_ms < $2 "
                       "GROUP BY topic",
};

static int
pg_stat_args(struct pg_spool *s, int kind, int64_t step_ms)
{
	if (kind < SPOOL_STAT_MENTIONS || kind > SPOOL_STAT_TERM) {
		pg_seterr(s, "no rollup of kind %d", kind);
		return -1;
	}
	if (step_ms != SPOOL_STEP_5MIN && step_ms != SPOOL_STEP_HOUR && step_ms != SPOOL_STEP_DAY) {
		pg_seterr(s, "no rollup of step %lld ms (5 min, 1 h or 1 day)", (long long)step_ms);
		return -1;
	}
	return 0;
}

int
pg_stat_add(struct spool *sp, int kind, int64_t step_ms, int64_t at_ms, const char *key, int64_t n)
{
	struct pg_spool *s = pg_of(sp);
	int64_t bucket;

	if (pg_stat_args(s, kind, step_ms) < 0)
		return -1;
	/* the bucket that holds at_ms, also before 1970 */
	bucket = at_ms - ((at_ms % step_ms) + step_ms) % step_ms;
	/* in a batch the counts wait for one upsert at its end (pg_copy.c) */
	if (s->txn)
		return pg_copy_stat(s, kind, step_ms, bucket, key ? key : "", n);
	return PG_WRITE(s, PQ_STAT_ADD, PG_I64(kind), PG_I64(step_ms), PG_I64(bucket),
	                PG_TEXT(key ? key : ""), PG_I64(n)) < 0
	           ? -1
	           : 0;
}

/* Each (bucket_ms, key, n) row of r to fn, r freed: how many, or -1 for no r. */
static int64_t
pg_stat_each(PGresult *r, void (*fn)(void *arg, int64_t bucket_ms, const char *key, int64_t n),
             void *arg)
{
	int n;

	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++)
		fn(arg, pg_i64(r, i, 0), PQgetvalue(r, i, 1), pg_i64(r, i, 2));
	PQclear(r);
	return n;
}

int64_t
pg_stat_rows(struct spool *sp, int kind, int64_t step_ms, int64_t since_ms, int64_t until_ms,
             const char *key, void (*fn)(void *arg, int64_t bucket_ms, const char *key, int64_t n),
             void *arg)
{
	struct pg_spool *s = pg_of(sp);
	PGresult *r;

	if (pg_stat_args(s, kind, step_ms) < 0)
		return -1;
	r = PG_RUN(s, PQ_STAT_ROWS, PG_I64(kind), PG_I64(step_ms), PG_I64(since_ms),
	           PG_I64(until_ms), PG_TEXT(key));
	return pg_stat_each(r, fn, arg);
}

int64_t
pg_stat_rows_keys(struct spool *sp, int kind, int64_t step_ms, int64_t since_ms, int64_t until_ms,
                  const char *const *keys, size_t nkeys,
                  void (*fn)(void *arg, int64_t bucket_ms, const char *key, int64_t n), void *arg)
{
	struct pg_spool *s = pg_of(sp);
	struct buf list;
	PGresult *r;
	int64_t first;

	if (pg_stat_args(s, kind, step_ms) < 0)
		return -1;
	if (nkeys > SPOOL_STAT_KEYS) {
		pg_seterr(s, "%zu rollup keys asked for at once; at most %d", nkeys,
		          SPOOL_STAT_KEYS);
		return -1;
	}
	/* the first bucket at or after since_ms, also before 1970 */
	first = since_ms + ((step_ms - since_ms % step_ms) % step_ms);
	if (nkeys == 0 || first >= until_ms)
		return 0;
	buf_init(&list);
	spool_stat_keys_json(&list, keys, nkeys);
	r = PG_RUN(s, PQ_STAT_ROWS_KEYS, PG_I64(kind), PG_I64(step_ms), PG_I64(first),
	           PG_I64(until_ms), PG_TEXT(list.data));
	buf_free(&list);
	return pg_stat_each(r, fn, arg);
}

int64_t
pg_stat_prune(struct spool *sp, int kind, int64_t step_ms, int64_t before_ms)
{
	struct pg_spool *s = pg_of(sp);

	if (pg_stat_args(s, kind < 0 ? SPOOL_STAT_MENTIONS : kind, step_ms) < 0)
		return -1;
	return PG_WRITE(s, PQ_STAT_PRUNE, PG_I64(step_ms), PG_I64(before_ms), PG_I64(kind));
}

int
pg_mentions_between(struct spool *sp, int64_t since_ms, int64_t until_ms, size_t limit,
                    void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	struct pg_spool *s = pg_of(sp);

	if (limit == 0)
		return 0;
	return pg_mentions_each(s,
	                        PG_RUN(s, PQ_MENTIONS_BETWEEN, PG_I64(since_ms), PG_I64(until_ms),
	                               PG_I64(pg_limit(limit))),
	                        fn, arg) < 0
	           ? -1
	           : 0;
}

int64_t
pg_case_topics(struct spool *sp, int64_t since_ms, int64_t until_ms,
               void (*fn)(void *arg, const char *topic, int64_t cases, int64_t not_complaint),
               void *arg)
{
	PGresult *r = PG_RUN(pg_of(sp), PQ_CASE_TOPICS, PG_I64(since_ms), PG_I64(until_ms));
	int n;

	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++)
		fn(arg, PQgetisnull(r, i, 0) ? NULL : PQgetvalue(r, i, 0), pg_i64(r, i, 1),
		   pg_i64(r, i, 2));
	PQclear(r);
	return n;
}

int64_t
pg_recent_add(struct spool *sp, int64_t at_ms, int complaint, const char *mention_id,
              const char *json)
{
	struct pg_spool *s = pg_of(sp);
	struct pg_arg id = mention_id ? PG_TEXT(mention_id) : PG_NULL;

	if (s->txn)
		return pg_copy_row(
		    s, PG_COPY_RECENT,
		    PG_ARGS(PG_I64(at_ms), PG_I64(complaint != 0), id, PG_TEXT(json)));
	return PG_WRITE_ID(s, PQ_RECENT_ADD, PG_I64(at_ms), PG_I64(complaint != 0), id,
	                   PG_TEXT(json));
}

int64_t
pg_recent_prune(struct spool *sp, size_t keep, int64_t before_ms)
{
	return PG_WRITE(pg_of(sp), PQ_RECENT_PRUNE, PG_I64(pg_limit(keep)), PG_I64(before_ms));
}

/*
 * A backtest's read of the span. The result is held whole by libpq
 * (limit bounds it); a cursor that streams it is for the later step that
 * moves the spool's reads off the loop.
 */
int64_t
pg_recent_scan(struct spool *sp, int64_t since_ms, size_t limit,
               int (*fn)(void *arg, int64_t at_ms, int complaint, const char *json), void *arg)
{
	PGresult *r;
	int64_t n = 0;

	if (limit == 0)
		return 0;
	r = PG_RUN(pg_of(sp), PQ_RECENT_SCAN, PG_I64(since_ms), PG_I64(pg_limit(limit)));
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		n++;
		if (fn(arg, pg_i64(r, i, 0), (int)pg_i64(r, i, 1), PQgetvalue(r, i, 2)) != 0)
			break;
	}
	PQclear(r);
	return n;
}
