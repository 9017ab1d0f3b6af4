/*
 * The spool's labels (schema v9): every label kept, the latest of a
 * mention listed, oldest first, from a time on; the source of a platform;
 * labels lost with an uncommitted batch; the recent row of a mention id
 * through its index; the upgrade of a v8 spool.
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

static char dir[64];
static char path[256];
static char err[512];
static struct spool *sp;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/keluh-labels.XXXXXX");
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

struct seen {
	size_t n;
	char id[16][32], text[16][64], team[16][16], platform[16][16], by[16][16], source[16][16];
	int complaint[16];
	int64_t at[16];
};

static void
cp(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s ? s : "(null)");
}

static void
collect(void *arg, const struct spool_label *l)
{
	struct seen *s = arg;

	ck_assert_uint_lt(s->n, 16);
	cp(s->id[s->n], sizeof(s->id[0]), l->mention_id);
	cp(s->text[s->n], sizeof(s->text[0]), l->text);
	cp(s->team[s->n], sizeof(s->team[0]), l->team);
	cp(s->platform[s->n], sizeof(s->platform[0]), l->by_platform);
	cp(s->by[s->n], sizeof(s->by[0]), l->by_name);
	cp(s->source[s->n], sizeof(s->source[0]), l->source);
	s->complaint[s->n] = l->complaint;
	s->at[s->n] = l->at_ms;
	s->n++;
}

/* Every label is kept; the listing gives the latest of each mention, oldest first. */
START_TEST(test_label_latest_wins)
{
	struct seen s = {0};
	int64_t c = -1;

	ck_assert_int_gt(spool_label_add(sp, "x:1", "app crash", 1, "app", "slack", "ana", 1000),
	                 0);
	ck_assert_int_gt(spool_label_add(sp, "x:2", "thanks", 0, NULL, "keluhctl", NULL, 2000), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_gt(spool_label_add(sp, "x:1", "app crash", 0, NULL, "console", "budi", 3000),
	                 0);
	ck_assert_int_gt(spool_label_add(sp, "x:3", "no signal", 1, "net", "import", NULL, 4000),
	                 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM labels"), 4);
	ck_assert_int_eq(spool_label_list(sp, 0, collect, &s), 3);
	ck_assert_str_eq(s.id[0], "x:2");
	ck_assert_str_eq(s.team[0], "(null)");
	ck_assert_str_eq(s.by[0], "(null)");
	ck_assert_str_eq(s.source[0], "keluhctl");
	ck_assert_str_eq(s.id[1], "x:1");
	ck_assert_int_eq(s.complaint[1], 0);
	ck_assert_str_eq(s.by[1], "budi");
	ck_assert_str_eq(s.platform[1], "console");
	ck_assert_int_eq(s.at[1], 3000);
	ck_assert_str_eq(s.id[2], "x:3");
	ck_assert_str_eq(s.text[2], "no signal");
	ck_assert_str_eq(s.team[2], "net");
	ck_assert_str_eq(s.source[2], "import");
	ck_assert_int_eq(spool_label_count(sp, &c), 3);
	ck_assert_int_eq(c, 1);
	/* since: the latest label of a mention counts, older ones do not come back */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_label_list(sp, 2500, collect, &s), 2);
	ck_assert_str_eq(s.id[0], "x:1");
	ck_assert_str_eq(s.id[1], "x:3");
}
END_TEST

/* A chat platform's label is from chat; the source is where it came from. */
START_TEST(test_label_source)
{
	struct seen s = {0};

	ck_assert_str_eq(spool_label_source("telegram"), "chat");
	ck_assert_str_eq(spool_label_source("console"), "console");
	ck_assert_int_gt(spool_label_add(sp, "t:1", "lemot", 1, NULL, "telegram", "@ana", 5), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_label_list(sp, 0, collect, &s), 1);
	ck_assert_str_eq(s.platform[0], "telegram");
	ck_assert_str_eq(s.source[0], "chat");
}
END_TEST

/* A batch that is not committed loses its labels with the rest. */
START_TEST(test_label_in_batch)
{
	int64_t c;

	ck_assert_int_eq(spool_begin(sp), 0);
	ck_assert_int_gt(spool_label_add(sp, "b:1", "x", 1, NULL, "admin", NULL, 5), 0);
	reopen();
	ck_assert_int_eq(spool_label_count(sp, &c), 0);
	ck_assert_int_eq(c, 0);
}
END_TEST

struct recent_seen {
	int n, complaint;
	int64_t at;
	char json[256];
};

static void
got_recent(void *arg, int64_t at_ms, int complaint, const char *json)
{
	struct recent_seen *r = arg;

	r->n++;
	r->at = at_ms;
	r->complaint = complaint;
	snprintf(r->json, sizeof(r->json), "%s", json);
}

/* The newest recent row of a mention id; none for an unknown one; bad JSON is skipped. */
START_TEST(test_recent_by_id)
{
	struct recent_seen r = {0};

	ck_assert_int_gt(spool_recent_add(sp, 10, 1, "r:1", "{\"id\":\"r:1\",\"text\":\"old\"}"), 0);
	ck_assert_int_gt(spool_recent_add(sp, 20, 0, NULL, "not json"), 0);
	ck_assert_int_gt(spool_recent_add(sp, 30, 0, "r:1", "{\"id\":\"r:1\",\"text\":\"new\"}"), 0);
	ck_assert_int_gt(spool_recent_add(sp, 40, 1, "r:2", "{\"id\":\"r:2\",\"text\":\"other\"}"), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_recent_by_id(sp, "r:1", got_recent, &r), 1);
	ck_assert_int_eq(r.n, 1);
	ck_assert_int_eq(r.at, 30);
	ck_assert_int_eq(r.complaint, 0);
	ck_assert_str_eq(r.json, "{\"id\":\"r:1\",\"text\":\"new\"}");
	ck_assert_int_eq(spool_recent_by_id(sp, "r:9", got_recent, &r), 0);
	ck_assert_int_eq(r.n, 1);
}
END_TEST

/* A v8 spool gets the labels table and the recent rows' index, its rows kept. */
START_TEST(test_upgrade_v8)
{
	struct recent_seen r = {0};

	ck_assert_int_gt(spool_recent_add(sp, 10, 1, "u:1", "{\"id\":\"u:1\",\"text\":\"t\"}"), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	spool_close(sp);
	sp = NULL;
	sql_exec("DROP TABLE labels; DROP INDEX recent_mention; PRAGMA user_version = 8");
	reopen();
	ck_assert_int_eq(sql_int("PRAGMA user_version"), 9);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM sqlite_master WHERE name IN ('labels', "
	                         "'labels_mention', 'recent_mention')"),
	                 3);
	ck_assert_int_eq(spool_recent_by_id(sp, "u:1", got_recent, &r), 1);
	ck_assert_int_gt(spool_label_add(sp, "u:1", "t", 1, NULL, "admin", NULL, 5), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_label_count(sp, NULL), 1);
}
END_TEST

/* A read-only spool (keluhctl label --export) lists them. */
START_TEST(test_readonly_lists)
{
	struct seen s = {0};
	struct spool *ro;

	ck_assert_int_gt(spool_label_add(sp, "x:1", "t", 1, NULL, "admin", NULL, 5), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ro = spool_open(path, 1, err, sizeof(err));
	ck_assert_msg(ro != NULL, "%s", err);
	ck_assert_int_eq(spool_label_list(ro, 0, collect, &s), 1);
	spool_close(ro);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("spool_labels");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_label_latest_wins);
	tcase_add_test(tc, test_label_source);
	tcase_add_test(tc, test_label_in_batch);
	tcase_add_test(tc, test_recent_by_id);
	SPOOL_TEST_SQLITE_ONLY(tc, test_upgrade_v8, "upgrades of SQLite spool files");
	tcase_add_test(tc, test_readonly_lists);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
