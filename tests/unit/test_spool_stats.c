/*
 * The spool's rollups and recent mentions (schema v8): adds summed into
 * their bucket by the upsert, rows in bucket order by key or all,
 * the rows of some keys only, pruning by step and kind, bad kinds and
 * steps refused; the complaints of a span
 * newest first within a limit; cases of a span by topic; the recent
 * mentions pruned by count and age and scanned newest first, stopping at
 * the first one too old, at the limit or when told; the upgrade of a v7
 * spool.
 */
#include "config.h"

#include <dirent.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/spool.h"
#include "spool_test.h"
#include "unit.h"

#define H  SPOOL_STEP_HOUR
#define M5 SPOOL_STEP_5MIN
#define D  SPOOL_STEP_DAY

static char dir[64];
static char path[256];
static char err[512];
static struct spool *sp;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/keluh-stats.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	spool_test_path(path, sizeof(path), dir);
	sp = spool_open(path, 0, err, sizeof(err));
	ck_assert_msg(sp != NULL, "open: %s", err);
}

static void
teardown(void)
{
	spool_close(sp);
	sp = NULL;
	spool_test_rmdir(dir);
}

static void
reopen(void)
{
	spool_close(sp);
	sp = spool_open(path, 0, err, sizeof(err));
	ck_assert_msg(sp != NULL, "reopen: %s", err);
}

static void
sql_exec(const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	if (spool_test_pg()) {
		spool_test_pg_exec(path, sql);
		return;
	}
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s", msg);
	sqlite3_close(db);
}

static int64_t
sql_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;

	if (spool_test_pg())
		return spool_test_pg_int(path, sql);
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

struct rows_seen {
	size_t n;
	int64_t bucket[16], count[16];
	char key[16][24];
};

static void
collect_row(void *arg, int64_t bucket_ms, const char *key, int64_t n)
{
	struct rows_seen *rs = arg;

	ck_assert_uint_lt(rs->n, 16);
	rs->bucket[rs->n] = bucket_ms;
	rs->count[rs->n] = n;
	snprintf(rs->key[rs->n], sizeof(rs->key[0]), "%s", key);
	rs->n++;
}

START_TEST(test_stat_add_sums_in_bucket)
{
	struct rows_seen rs = {0};

	ck_assert_int_eq(spool_begin(sp), 0);
	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_TEAM, H, 3 * H + 10, "billing", 2), 0);
	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_TEAM, H, 4 * H - 1, "billing", 3), 0);
	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_TEAM, H, 3 * H, NULL, 1), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	/* a later batch adds to the same row */
	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_TEAM, H, 3 * H + 5, "billing", 4), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM stats"), 2);
	ck_assert_int_eq(spool_stat_rows(sp, SPOOL_STAT_TEAM, H, 0, 10 * H, NULL, collect_row, &rs),
	                 2);
	ck_assert_int_eq(rs.bucket[0], 3 * H);
	ck_assert_str_eq(rs.key[0], "");
	ck_assert_int_eq(rs.count[0], 1);
	ck_assert_int_eq(rs.bucket[1], 3 * H);
	ck_assert_str_eq(rs.key[1], "billing");
	ck_assert_int_eq(rs.count[1], 9);
}
END_TEST

START_TEST(test_stat_rows_order_and_filters)
{
	struct rows_seen rs = {0};

	ck_assert_int_eq(spool_begin(sp), 0);
	/* written out of order, of two kinds and two steps */
	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_RULE, M5, 7 * M5, "b", 1), 0);
	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_RULE, M5, 2 * M5, "b", 2), 0);
	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_RULE, M5, 2 * M5, "a", 3), 0);
	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_RULE, M5, 9 * M5, "a", 4), 0);
	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_RULE, H, 0, "a", 10), 0);
	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_TEAM, M5, 2 * M5, "a", 5), 0);
	ck_assert_int_eq(spool_commit(sp), 0);

	/* [since, until): 9 * M5 is out */
	ck_assert_int_eq(
	    spool_stat_rows(sp, SPOOL_STAT_RULE, M5, 2 * M5, 9 * M5, NULL, collect_row, &rs), 3);
	ck_assert_int_eq(rs.bucket[0], 2 * M5);
	ck_assert_str_eq(rs.key[0], "a");
	ck_assert_int_eq(rs.count[0], 3);
	ck_assert_str_eq(rs.key[1], "b");
	ck_assert_int_eq(rs.count[1], 2);
	ck_assert_int_eq(rs.bucket[2], 7 * M5);
	/* one key */
	memset(&rs, 0, sizeof(rs));
	ck_assert_int_eq(
	    spool_stat_rows(sp, SPOOL_STAT_RULE, M5, 0, 100 * M5, "a", collect_row, &rs), 2);
	ck_assert_int_eq(rs.count[0], 3);
	ck_assert_int_eq(rs.count[1], 4);
	/* other steps and kinds are apart */
	memset(&rs, 0, sizeof(rs));
	ck_assert_int_eq(spool_stat_rows(sp, SPOOL_STAT_RULE, H, 0, D, NULL, collect_row, &rs), 1);
	ck_assert_int_eq(rs.count[0], 10);
	ck_assert_int_eq(spool_stat_rows(sp, SPOOL_STAT_TERM, M5, 0, D, NULL, collect_row, &rs), 0);
}
END_TEST

START_TEST(test_stat_refuses_bad_kind_and_step)
{
	struct rows_seen rs = {0};

	ck_assert_int_eq(spool_stat_add(sp, 9, H, 0, "x", 1), -1);
	ck_assert_ptr_nonnull(strstr(spool_error(sp), "kind 9"));
	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_TEAM, 1000, 0, "x", 1), -1);
	ck_assert_ptr_nonnull(strstr(spool_error(sp), "step 1000 ms"));
	ck_assert_int_eq(spool_stat_rows(sp, SPOOL_STAT_TEAM, 7, 0, 1, NULL, collect_row, &rs), -1);
	ck_assert_int_eq(spool_stat_prune(sp, -1, 7, 1), -1);
	ck_assert_int_eq(spool_stat_prune(sp, 9, H, 1), -1);
	ck_assert_int_eq(spool_stat_rows_keys(sp, SPOOL_STAT_TEAM, 7, 0, 1, (const char *[]){"x"},
	                                      1, collect_row, &rs),
	                 -1);
	ck_assert_int_eq(spool_stat_rows_keys(sp, SPOOL_STAT_TEAM, H, 0, D,
	                                      (const char * [SPOOL_STAT_KEYS + 1]){"x"},
	                                      SPOOL_STAT_KEYS + 1, collect_row, &rs),
	                 -1);
	ck_assert_ptr_nonnull(strstr(spool_error(sp), "at most 64"));
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM stats"), 0);
}
END_TEST

START_TEST(test_stat_prune_by_step)
{
	ck_assert_int_eq(spool_begin(sp), 0);
	for (int k = 0; k <= SPOOL_STAT_TERM; k++) {
		ck_assert_int_eq(spool_stat_add(sp, k, M5, 1 * M5, "x", 1), 0);
		ck_assert_int_eq(spool_stat_add(sp, k, M5, 5 * M5, "x", 1), 0);
		ck_assert_int_eq(spool_stat_add(sp, k, H, 0, "x", 1), 0);
	}
	ck_assert_int_eq(spool_stat_prune(sp, -1, M5, 5 * M5), 4);
	ck_assert_int_eq(spool_stat_prune(sp, -1, M5, 5 * M5), 0);
	/* one kind: the words' hourly rows go, the others' stay */
	ck_assert_int_eq(spool_stat_prune(sp, SPOOL_STAT_TERM, H, H), 1);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM stats WHERE step = 300000"), 4);
	ck_assert_int_eq(sql_int("SELECT min(bucket_ms) FROM stats WHERE step = 300000"), 5 * M5);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM stats WHERE step = 3600000"), 3);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM stats WHERE step = 3600000 AND kind = 3"),
	                 0);
}
END_TEST

START_TEST(test_stat_rows_keys)
{
	struct rows_seen rs = {0};
	const char *two[] = {"b", "d\"q"}, *none[] = {"zz"};

	ck_assert_int_eq(spool_begin(sp), 0);
	/* four keys, some buckets each, a row of another step and kind */
	for (int b = 0; b < 6; b++)
		for (int k = 0; k < 4; k++)
			if ((b + k) % 3 != 0)
				ck_assert_int_eq(
				    spool_stat_add(sp, SPOOL_STAT_RULE, M5, b * M5,
				                   (const char *[]){"a", "b", "c", "d\"q"}[k],
				                   10 * b + k),
				    0);
	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_RULE, H, 0, "b", 99), 0);
	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_TEAM, M5, 2 * M5, "b", 98), 0);
	/* a bucket before 1970 */
	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_RULE, M5, -M5, "b", 7), 0);
	ck_assert_int_eq(spool_commit(sp), 0);

	/* b has buckets 0, 1, 3, 4; "d\"q" 1, 2, 4, 5: those of [M5 + 1, 5 * M5), in order */
	ck_assert_int_eq(
	    spool_stat_rows_keys(sp, SPOOL_STAT_RULE, M5, M5 + 1, 5 * M5, two, 2, collect_row, &rs),
	    4);
	ck_assert_int_eq(rs.bucket[0], 2 * M5);
	ck_assert_str_eq(rs.key[0], "d\"q");
	ck_assert_int_eq(rs.count[0], 23);
	ck_assert_int_eq(rs.bucket[1], 3 * M5);
	ck_assert_str_eq(rs.key[1], "b");
	ck_assert_int_eq(rs.count[1], 31);
	ck_assert_int_eq(rs.bucket[2], 4 * M5);
	ck_assert_str_eq(rs.key[2], "b");
	ck_assert_int_eq(rs.count[2], 41);
	ck_assert_int_eq(rs.bucket[3], 4 * M5);
	ck_assert_str_eq(rs.key[3], "d\"q");
	ck_assert_int_eq(rs.count[3], 43);
	/* an unaligned start before 1970 */
	memset(&rs, 0, sizeof(rs));
	ck_assert_int_eq(
	    spool_stat_rows_keys(sp, SPOOL_STAT_RULE, M5, -M5 - 7, 1, two, 1, collect_row, &rs), 2);
	ck_assert_int_eq(rs.count[0], 7);
	ck_assert_int_eq(rs.count[1], 1);
	/* no key, an unknown key, an empty span: no rows */
	ck_assert_int_eq(
	    spool_stat_rows_keys(sp, SPOOL_STAT_RULE, M5, 0, D, two, 0, collect_row, &rs), 0);
	ck_assert_int_eq(
	    spool_stat_rows_keys(sp, SPOOL_STAT_RULE, M5, 0, D, none, 1, collect_row, &rs), 0);
	ck_assert_int_eq(
	    spool_stat_rows_keys(sp, SPOOL_STAT_RULE, M5, M5 + 1, 2 * M5, two, 2, collect_row, &rs),
	    0);
	ck_assert_int_eq(
	    spool_stat_rows_keys(sp, SPOOL_STAT_RULE, M5, 5 * M5, 5 * M5, two, 2, collect_row, &rs),
	    0);
	/* the hour step and the team kind are apart */
	memset(&rs, 0, sizeof(rs));
	ck_assert_int_eq(
	    spool_stat_rows_keys(sp, SPOOL_STAT_RULE, H, 0, D, two, 2, collect_row, &rs), 1);
	ck_assert_int_eq(rs.count[0], 99);
	memset(&rs, 0, sizeof(rs));
	ck_assert_int_eq(
	    spool_stat_rows_keys(sp, SPOOL_STAT_TEAM, M5, 0, D, two, 2, collect_row, &rs), 1);
	ck_assert_int_eq(rs.count[0], 98);
}
END_TEST

struct mentions_seen {
	size_t n;
	char id[16][16];
	int64_t at[16];
};

static void
collect_mention(void *arg, const struct spool_mention *m)
{
	struct mentions_seen *ms = arg;

	ck_assert_uint_lt(ms->n, 16);
	snprintf(ms->id[ms->n], sizeof(ms->id[0]), "%s", m->mention_id);
	ms->at[ms->n] = m->at_ms;
	ck_assert_ptr_nonnull(m->json);
	ms->n++;
}

START_TEST(test_mentions_between)
{
	struct mentions_seen ms = {0};
	static const int64_t at[] = {500, 100, 300, 300, 900, 200};
	char id[16];

	ck_assert_int_eq(spool_begin(sp), 0);
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		snprintf(id, sizeof(id), "m%zu", i);
		ck_assert_int_gt(spool_add_mention(sp, id, "g", 2, at[i], "{}"), 0);
	}
	ck_assert_int_eq(spool_commit(sp), 0);
	/* [200, 900), newest first, the same instant newest row first, at most 3 */
	ck_assert_int_eq(spool_mentions_between(sp, 200, 900, 3, collect_mention, &ms), 0);
	ck_assert_uint_eq(ms.n, 3);
	ck_assert_str_eq(ms.id[0], "m0");
	ck_assert_str_eq(ms.id[1], "m3");
	ck_assert_str_eq(ms.id[2], "m2");
	memset(&ms, 0, sizeof(ms));
	ck_assert_int_eq(spool_mentions_between(sp, 200, 900, 10, collect_mention, &ms), 0);
	ck_assert_uint_eq(ms.n, 4);
	ck_assert_str_eq(ms.id[3], "m5");
	memset(&ms, 0, sizeof(ms));
	ck_assert_int_eq(spool_mentions_between(sp, 200, 900, 0, collect_mention, &ms), 0);
	ck_assert_uint_eq(ms.n, 0);
	ck_assert_int_eq(sql_int(SPOOL_TEST_COUNT_NAMES("'mentions_at'")),
	                 1);
}
END_TEST

struct topics_seen {
	size_t n;
	char topic[8][16];
	int64_t cases[8], nc[8];
};

static void
collect_topic(void *arg, const char *topic, int64_t cases, int64_t not_complaint)
{
	struct topics_seen *ts = arg;

	ck_assert_uint_lt(ts->n, 8);
	snprintf(ts->topic[ts->n], sizeof(ts->topic[0]), "%s", topic ? topic : "-");
	ts->cases[ts->n] = cases;
	ts->nc[ts->n] = not_complaint;
	ts->n++;
}

/* A case opened at `at` with topic rule (NULL: no alert) in state. */
static void
topic_case(const char *group, const char *rule, const char *state, int64_t at)
{
	const char *recv[] = {"slack"};
	int64_t exp[] = {at + 1000};
	struct spool_case c;
	char json[128];
	int64_t id = spool_case_open(sp, group, 2, "cs", at), a;

	ck_assert_int_gt(id, 0);
	if (rule) {
		snprintf(json, sizeof(json), "{\"alert\":{\"rules\":[\"%s\"]}}", rule);
		a = spool_add_alert(sp, group, group, 2, "cs", at, json, NULL, 0, recv, exp, 1, at);
		ck_assert_int_gt(a, 0);
		ck_assert_int_eq(spool_case_tie_alert(sp, id, a, at, 1), 1);
	}
	ck_assert_int_eq(spool_case_get(sp, id, &c), 1);
	free(c.state);
	c.state = strdup(state);
	ck_assert_int_eq(spool_case_update(sp, &c), 1);
	spool_case_free(&c);
}

START_TEST(test_case_topics)
{
	struct topics_seen ts = {0};
	size_t i;

	ck_assert_int_eq(spool_begin(sp), 0);
	topic_case("g1", "refund", "open", 1000);
	topic_case("g2", "refund", "not_complaint", 1100);
	topic_case("g3", "refund", "resolved", 1200);
	topic_case("g4", "late", "not_complaint", 1300);
	topic_case("g5", NULL, "open", 1400);
	topic_case("g6", "refund", "not_complaint", 5000); /* out of the span */
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_case_topics(sp, 1000, 5000, collect_topic, &ts), 3);
	for (i = 0; i < ts.n && strcmp(ts.topic[i], "refund") != 0; i++)
		;
	ck_assert_uint_lt(i, ts.n);
	ck_assert_int_eq(ts.cases[i], 3);
	ck_assert_int_eq(ts.nc[i], 1);
	for (i = 0; i < ts.n && strcmp(ts.topic[i], "late") != 0; i++)
		;
	ck_assert_uint_lt(i, ts.n);
	ck_assert_int_eq(ts.cases[i], 1);
	ck_assert_int_eq(ts.nc[i], 1);
}
END_TEST

struct recent_seen {
	size_t n, stop_after;
	int64_t at[16];
	int complaint[16];
	char json[16][32];
};

static int
collect_recent(void *arg, int64_t at_ms, int complaint, const char *json)
{
	struct recent_seen *rs = arg;

	ck_assert_uint_lt(rs->n, 16);
	rs->at[rs->n] = at_ms;
	rs->complaint[rs->n] = complaint;
	snprintf(rs->json[rs->n], sizeof(rs->json[0]), "%s", json);
	rs->n++;
	return rs->stop_after && rs->n == rs->stop_after;
}

static void
add_recent(int64_t from, int64_t to)
{
	char json[48], id[24];

	for (int64_t at = from; at <= to; at++) {
		snprintf(id, sizeof(id), "r%lld", (long long)at);
		snprintf(json, sizeof(json), "{\"id\":\"%s\"}", id);
		ck_assert_int_gt(spool_recent_add(sp, at * 1000, at % 2, id, json), 0);
	}
}

START_TEST(test_recent_scan)
{
	struct recent_seen rs = {0};

	ck_assert_int_eq(spool_begin(sp), 0);
	add_recent(1, 10);
	ck_assert_int_eq(spool_commit(sp), 0);
	/* newest first, stopping at the first row older than since */
	ck_assert_int_eq(spool_recent_scan(sp, 7000, 100, collect_recent, &rs), 4);
	ck_assert_int_eq(rs.at[0], 10000);
	ck_assert_int_eq(rs.complaint[0], 0);
	ck_assert_str_eq(rs.json[0], "{\"id\":\"r10\"}");
	ck_assert_int_eq(rs.at[3], 7000);
	ck_assert_int_eq(rs.complaint[3], 1);
	/* at most limit */
	memset(&rs, 0, sizeof(rs));
	ck_assert_int_eq(spool_recent_scan(sp, 0, 3, collect_recent, &rs), 3);
	ck_assert_int_eq(rs.at[2], 8000);
	/* fn stops it */
	memset(&rs, 0, sizeof(rs));
	rs.stop_after = 2;
	ck_assert_int_eq(spool_recent_scan(sp, 0, 100, collect_recent, &rs), 2);
	ck_assert_uint_eq(rs.n, 2);
	/* a row older than since ends the scan, even if younger ones come after it */
	ck_assert_int_eq(spool_begin(sp), 0);
	ck_assert_int_gt(spool_recent_add(sp, 1, 0, NULL, "{}"), 0);
	ck_assert_int_gt(spool_recent_add(sp, 20000, 0, NULL, "{}"), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	memset(&rs, 0, sizeof(rs));
	ck_assert_int_eq(spool_recent_scan(sp, 5000, 100, collect_recent, &rs), 1);
	ck_assert_int_eq(rs.at[0], 20000);
}
END_TEST

START_TEST(test_recent_prune)
{
	ck_assert_int_eq(spool_begin(sp), 0);
	add_recent(1, 10);
	/* by count: the newest 6 stay */
	ck_assert_int_eq(spool_recent_prune(sp, 6, 0), 4);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(sql_int("SELECT min(at_ms) FROM recent"), 5000);
	/* by age: none older than 8 s */
	ck_assert_int_eq(spool_recent_prune(sp, 100, 8000), 3);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM recent"), 3);
	ck_assert_int_eq(sql_int("SELECT min(at_ms) FROM recent"), 8000);
	/* all too old */
	ck_assert_int_eq(spool_recent_prune(sp, 100, 99000), 3);
	ck_assert_int_eq(spool_recent_prune(sp, 100, 99000), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM recent"), 0);
}
END_TEST

START_TEST(test_upgrade_v7)
{
	struct rows_seen rs = {0};

	ck_assert_int_gt(spool_add_mention(sp, "m1", "g", 2, 100, "{}"), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	spool_close(sp);
	sp = NULL;
	sql_exec("DROP TABLE stats; DROP TABLE recent; DROP INDEX mentions_at; "
	         "PRAGMA user_version = 7");
	ck_assert_int_eq(sql_int("SELECT count(*) FROM sqlite_master WHERE name = 'stats'"), 0);
	reopen();
	ck_assert_int_eq(sql_int("PRAGMA user_version"), 9);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM mentions"), 1);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM sqlite_master WHERE name IN ('stats', "
	                         "'recent', 'mentions_at')"),
	                 3);
	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_MENTIONS, D, 5, "", 1), 0);
	ck_assert_int_gt(spool_recent_add(sp, 5, 1, NULL, "{}"), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_stat_rows(sp, SPOOL_STAT_MENTIONS, D, 0, D, "", collect_row, &rs),
	                 1);
}
END_TEST

/* A read-only spool (keluhctl, a backtest's thread) reads them. */
START_TEST(test_readonly_reads)
{
	struct recent_seen rs = {0};
	struct rows_seen rows = {0};
	struct spool *ro;

	ck_assert_int_eq(spool_stat_add(sp, SPOOL_STAT_TERM, H, H, "gagal login", 3), 0);
	add_recent(1, 2);
	ck_assert_int_eq(spool_commit(sp), 0);
	ro = spool_open(path, 1, err, sizeof(err));
	ck_assert_msg(ro != NULL, "%s", err);
	ck_assert_int_eq(spool_stat_rows(ro, SPOOL_STAT_TERM, H, 0, D, NULL, collect_row, &rows),
	                 1);
	ck_assert_str_eq(rows.key[0], "gagal login");
	ck_assert_int_eq(spool_recent_scan(ro, 0, 10, collect_recent, &rs), 2);
	spool_close(ro);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("spool_stats");
	TCase *tc = tcase_create("stats");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_stat_add_sums_in_bucket);
	tcase_add_test(tc, test_stat_rows_order_and_filters);
	tcase_add_test(tc, test_stat_refuses_bad_kind_and_step);
	tcase_add_test(tc, test_stat_prune_by_step);
	tcase_add_test(tc, test_stat_rows_keys);
	tcase_add_test(tc, test_mentions_between);
	tcase_add_test(tc, test_case_topics);
	tcase_add_test(tc, test_recent_scan);
	tcase_add_test(tc, test_recent_prune);
	SPOOL_TEST_SQLITE_ONLY(tc, test_upgrade_v7, "upgrades of SQLite spool files");
	tcase_add_test(tc, test_readonly_reads);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
