/*
 * sqlite_stats.c: the SQLite spool's rollups and recent mentions (schema
 * v8): counts per bucket for the console's trends and rules pages, the
 * complaints of a span, the cases of a span by topic, and the recent
 * mentions a playground backtest reads.
 */
#include "config.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "lib/util.h"
#include "store/spool.h"
#include "store/sqlite_int.h"

static const char *const sqlite_stats_sql[SS__N] = {
    /* a pass adds one row per key and step: the upsert sums what passes add */
    [SS_ADD] = "INSERT INTO stats (kind, step, bucket_ms, key, n) VALUES (?1, ?2, ?3, ?4, ?5) "
               "ON CONFLICT (kind, step, bucket_ms, key) DO UPDATE SET n = n + excluded.n",
    /* one range of the primary key; a key is filtered in it (the pages read every key) */
    [SS_ROWS] = "SELECT bucket_ms, key, n FROM stats WHERE kind = ?1 AND step = ?2 "
                "AND bucket_ms >= ?3 AND bucket_ms < ?4 AND (?5 IS NULL OR key = ?5) "
                "ORDER BY bucket_ms, key",
    /*
     * Some keys of a span: every bucket (?3 aligned, ?3 < ?4) times every
     * key (a JSON array) is one look-up of the primary key; filtering the
     * range instead reads every other key's rows too.
     */
    [SS_ROWS_KEYS] = "SELECT bucket_ms, key, n FROM stats WHERE kind = ?1 AND step = ?2 "
                     "AND bucket_ms IN (WITH RECURSIVE b(t) AS (SELECT ?3 UNION ALL "
                     "SELECT t + ?2 FROM b WHERE t + ?2 < ?4) SELECT t FROM b) "
                     "AND key IN (SELECT value FROM json_each(?5)) ORDER BY bucket_ms, key",
    [SS_PRUNE] = "DELETE FROM stats WHERE kind IN (0, 1, 2, 3) AND (?3 < 0 OR kind = ?3) "
                 "AND step = ?1 AND bucket_ms < ?2",
    [SS_RECENT_ADD] = "INSERT INTO recent (at_ms, complaint, json) VALUES (?1, ?2, ?3)",
    /*
     * Rows come in time order, so ids stand for age: everything below the
     * newest keep ids, and below the first id young enough (found by
     * reading the old rows only, which go anyway).
     */
    [SS_RECENT_PRUNE] = "DELETE FROM recent WHERE id <= max("
                        "coalesce((SELECT max(id) FROM recent), 0) - ?1, "
                        "coalesce((SELECT id FROM recent WHERE at_ms >= ?2 ORDER BY id LIMIT 1),"
                        " (SELECT max(id) FROM recent) + 1, 0) - 1)",
    [SS_RECENT_SCAN] = "SELECT at_ms, complaint, json FROM recent ORDER BY id DESC",
    /* newest first along mentions_at (v8) */
    [SS_MENTIONS_BETWEEN] = "SELECT id, mention_id, group_key, priority, at_ms, json "
                            "FROM mentions INDEXED BY mentions_at WHERE at_ms >= ?1 AND "
                            "at_ms < ?2 ORDER BY at_ms DESC, id DESC LIMIT ?3",
    /* the range of cases_opened (v7), one row a topic */
    [SS_CASE_TOPICS] = "SELECT topic, count(*), count(*) FILTER (WHERE state = "
                       "'not_complaint') FROM cases INDEXED BY cases_opened "
                       "WHERE opened_ms >= ?1 AND opened_ms < ?2 GROUP BY topic",
    /* a pending row only: one tied to an alert is history */
    [SS_DROP_MENTION] = "DELETE FROM mentions WHERE id = ?1 AND alert_rowid IS NULL",
    /* newest first along mentions_at, the pending ones left out */
    [SS_MENTIONS_ALERTED] = "SELECT id, mention_id, group_key, priority, at_ms, json "
                            "FROM mentions INDEXED BY mentions_at WHERE at_ms >= ?1 AND "
                            "alert_rowid IS NOT NULL ORDER BY at_ms DESC, id DESC LIMIT ?2",
};

int
sqlite_stats_setup(struct sqlite_spool *s)
{
	if (sqlite_prepare_all(s, sqlite_stats_sql, s->sst, SS__N) < 0)
		return -1;
	return 0;
}

void
sqlite_stats_close(struct sqlite_spool *s)
{
	sqlite_finalize_all(s->sst, SS__N);
}

static int64_t
sqlite_stats_limit(size_t n)
{
	return n > (size_t)INT64_MAX ? INT64_MAX : (int64_t)n;
}

static int
sqlite_stat_args(struct sqlite_spool *s, int kind, int64_t step_ms)
{
	if (kind < SPOOL_STAT_MENTIONS || kind > SPOOL_STAT_TERM) {
		sqlite_seterr(s, "no rollup of kind %d", kind);
		return -1;
	}
	if (step_ms != SPOOL_STEP_5MIN && step_ms != SPOOL_STEP_HOUR && step_ms != SPOOL_STEP_DAY) {
		sqlite_seterr(s, "no rollup of step %lld ms (5 min, 1 h or 1 day)",
		              (long long)step_ms);
		return -1;
	}
	return 0;
}

int
sqlite_stat_add(struct spool *sp, int kind, int64_t step_ms, int64_t at_ms, const char *key,
                int64_t n)
{
	struct sqlite_spool *s = sqlite_of(sp);
	/* the bucket that holds at_ms, also before 1970 */
	int64_t bucket = at_ms - ((at_ms % step_ms) + step_ms) % step_ms;

	if (sqlite_stat_args(s, kind, step_ms) < 0)
		return -1;
	return SPOOL_WRITE(s, s->sst[SS_ADD], SPOOL_INT(kind), SPOOL_I64(step_ms),
	                   SPOOL_I64(bucket), SPOOL_TEXT(key ? key : ""), SPOOL_I64(n));
}

/* Streams the rows of st, bound (no copy): fn must not call the spool. */
static int64_t
sqlite_stat_each(struct sqlite_spool *s, sqlite3_stmt *st,
                 void (*fn)(void *arg, int64_t bucket_ms, const char *key, int64_t n), void *arg)
{
	int64_t n = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 1);

		fn(arg, sqlite3_column_int64(st, 0), k ? k : "", sqlite3_column_int64(st, 2));
		n++;
	}
	if (rc != SQLITE_DONE) {
		sqlite_dberr(s);
		n = -1;
	}
	sqlite_done(st);
	return n;
}

int64_t
sqlite_stat_rows(struct spool *sp, int kind, int64_t step_ms, int64_t since_ms, int64_t until_ms,
                 const char *key,
                 void (*fn)(void *arg, int64_t bucket_ms, const char *key, int64_t n), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->sst[SS_ROWS];

	if (sqlite_stat_args(s, kind, step_ms) < 0)
		return -1;
	SPOOL_BIND(st, SPOOL_INT(kind), SPOOL_I64(step_ms), SPOOL_I64(since_ms),
	           SPOOL_I64(until_ms), key ? SPOOL_TEXT(key) : SPOOL_SKIP);
	return sqlite_stat_each(s, st, fn, arg);
}

int64_t
sqlite_stat_rows_keys(struct spool *sp, int kind, int64_t step_ms, int64_t since_ms,
                      int64_t until_ms, const char *const *keys, size_t nkeys,
                      void (*fn)(void *arg, int64_t bucket_ms, const char *key, int64_t n),
                      void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->sst[SS_ROWS_KEYS];
	struct buf list;
	int64_t first, n;

	if (sqlite_stat_args(s, kind, step_ms) < 0)
		return -1;
	if (nkeys > SPOOL_STAT_KEYS) {
		sqlite_seterr(s, "%zu rollup keys asked for at once; at most %d", nkeys,
		              SPOOL_STAT_KEYS);
		return -1;
	}
	/* the first bucket at or after since_ms, also before 1970 */
	first = since_ms + ((step_ms - since_ms % step_ms) % step_ms);
	if (nkeys == 0 || first >= until_ms)
		return 0;
	buf_init(&list);
	spool_stat_keys_json(&list, keys, nkeys);
	SPOOL_BIND(st, SPOOL_INT(kind), SPOOL_I64(step_ms), SPOOL_I64(first), SPOOL_I64(until_ms),
	           SPOOL_TEXT(list.data));
	n = sqlite_stat_each(s, st, fn, arg);
	buf_free(&list);
	return n;
}

int64_t
sqlite_stat_prune(struct spool *sp, int kind, int64_t step_ms, int64_t before_ms)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (sqlite_stat_args(s, kind < 0 ? SPOOL_STAT_MENTIONS : kind, step_ms) < 0)
		return -1;
	if (SPOOL_WRITE(s, s->sst[SS_PRUNE], SPOOL_I64(step_ms), SPOOL_I64(before_ms),
	                SPOOL_INT(kind)) < 0)
		return -1;
	return sqlite3_changes(s->db);
}

int
sqlite_mentions_between(struct spool *sp, int64_t since_ms, int64_t until_ms, size_t limit,
                        void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->sst[SS_MENTIONS_BETWEEN];

	if (limit == 0)
		return 0;
	SPOOL_BIND(st, SPOOL_I64(since_ms), SPOOL_I64(until_ms),
	           SPOOL_I64(sqlite_stats_limit(limit)));
	return sqlite_mentions_each(s, st, fn, arg);
}

int64_t
sqlite_case_topics(struct spool *sp, int64_t since_ms, int64_t until_ms,
                   void (*fn)(void *arg, const char *topic, int64_t cases, int64_t not_complaint),
                   void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->sst[SS_CASE_TOPICS];
	int64_t n = 0;
	int rc;

	SPOOL_BIND(st, SPOOL_I64(since_ms), SPOOL_I64(until_ms));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fn(arg, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
		   sqlite3_column_int64(st, 2));
		n++;
	}
	if (rc != SQLITE_DONE) {
		sqlite_dberr(s);
		n = -1;
	}
	sqlite_done(st);
	return n;
}

int64_t
sqlite_recent_add(struct spool *sp, int64_t at_ms, int complaint, const char *mention_id,
                  const char *json)
{
	struct sqlite_spool *s = sqlite_of(sp);

	/* recent_mention indexes the json's id (an expression index costs SQLite little) */
	(void)mention_id;
	if (SPOOL_WRITE(s, s->sst[SS_RECENT_ADD], SPOOL_I64(at_ms), SPOOL_INT(complaint != 0),
	                SPOOL_TEXT(json)) < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

int64_t
sqlite_recent_prune(struct spool *sp, size_t keep, int64_t before_ms)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->sst[SS_RECENT_PRUNE], SPOOL_I64(sqlite_stats_limit(keep)),
	                SPOOL_I64(before_ms)) < 0)
		return -1;
	return sqlite3_changes(s->db);
}

/*
 * Newest first by id, which is time order: the first row older than
 * since_ms ends the scan, so a backtest of one day reads one day of rows.
 */
int64_t
sqlite_recent_scan(struct spool *sp, int64_t since_ms, size_t limit,
                   int (*fn)(void *arg, int64_t at_ms, int complaint, const char *json), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->sst[SS_RECENT_SCAN];
	int64_t n = 0;
	int rc = SQLITE_DONE;

	while ((size_t)n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *json = (const char *)sqlite3_column_text(st, 2);
		int64_t at = sqlite3_column_int64(st, 0);

		if (at < since_ms)
			break;
		n++;
		if (fn(arg, at, sqlite3_column_int(st, 1), json ? json : "{}") != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite_dberr(s);
		n = -1;
	}
	sqlite_done(st);
	return n;
}

/* The one daemon of a SQLite spool groups every complaint: none waits to be claimed. */
int
sqlite_claim_mentions(struct spool *sp, size_t max,
                      void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	(void)sp;
	(void)max;
	(void)fn;
	(void)arg;
	return 0;
}

int
sqlite_drop_mention(struct spool *sp, int64_t rowid)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->sst[SS_DROP_MENTION], SPOOL_I64(rowid)) < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int
sqlite_mentions_alerted(struct spool *sp, int64_t since_ms, size_t limit,
                        void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->sst[SS_MENTIONS_ALERTED];

	if (limit == 0)
		return 0;
	SPOOL_BIND(st, SPOOL_I64(since_ms), SPOOL_I64(sqlite_stats_limit(limit)));
	return sqlite_mentions_each(s, st, fn, arg);
}
