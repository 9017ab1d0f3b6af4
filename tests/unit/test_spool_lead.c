/*
 * The spool's calls for several daemons on one database, on either
 * backend (tests/spool_pg.sh runs them on PostgreSQL): complaints written
 * ungrouped wait for the leader's claim (on SQLite the one daemon groups
 * all: none waits), a claim takes the oldest first, at most max, once,
 * skips the rows another session is claiming and gives them back when its
 * batch is lost; ties and the pending read see grouped rows only; a copy
 * is dropped only while pending; the alerted mentions of a window come
 * newest first, pending ones left out; on PostgreSQL the ungrouped rows
 * of a batch go in its COPY with the others, and a claim does not write
 * them again.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/spool.h"
#include "spool_test.h"
#include "unit.h"

/* the complaints waiting for the leader's claim (pg_schema.c, 9) */
#define WAITING "SELECT coalesce(sum(cardinality(ids)), 0) FROM waiting_batches"

static char dir[64];
static char path[256];
static char err[512];
static struct spool *sp;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/keluh-lead.XXXXXX");
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

struct seen {
	size_t n;
	char id[16][16];
	int64_t rowid[16];
};

static void
collect(void *arg, const struct spool_mention *m)
{
	struct seen *s = arg;

	ck_assert_uint_lt(s->n, 16);
	snprintf(s->id[s->n], sizeof(s->id[0]), "%s", m->mention_id);
	s->rowid[s->n] = m->rowid;
	s->n++;
}

static int64_t
add(const char *id, const char *group, int64_t at, int grouped)
{
	int64_t r = grouped ? spool_add_mention(sp, id, group, 2, at, "{}")
	                    : spool_add_mention_ungrouped(sp, id, group, 2, at, "{}");

	ck_assert_msg(r > 0, "add %s: %s", id, spool_error(sp));
	return r;
}

START_TEST(test_claim_oldest_first_once)
{
	struct seen s = {0};

	ck_assert_int_eq(spool_begin(sp), 0);
	add("g1", "g", 100, 1);
	add("u1", "g", 200, 0);
	add("u2", "h", 300, 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_pending_mentions(sp, collect, &s), 0);
	if (!spool_test_pg()) {
		/* one daemon: nothing waits, every row is in its groups */
		ck_assert_uint_eq(s.n, 3);
		ck_assert_int_eq(spool_claim_mentions(sp, 0, collect, &s), 0);
		ck_assert_int_eq(spool_commit(sp), 0);
		return;
	}
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.id[0], "g1");
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_claim_mentions(sp, 1, collect, &s), 1);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.id[0], "u1");
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_claim_mentions(sp, 0, collect, &s), 1);
	ck_assert_str_eq(s.id[1], "u2");
	ck_assert_int_eq(spool_claim_mentions(sp, 0, collect, &s), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_pending_mentions(sp, collect, &s), 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_int_eq(spool_test_pg_int(path, WAITING), 0);
}
END_TEST

START_TEST(test_tie_leaves_ungrouped)
{
	const char *recv[] = {"slack"};
	int64_t exp[] = {10000}, u, g, a;

	ck_assert_int_eq(spool_begin(sp), 0);
	u = add("u1", "g", 100, 0);
	g = add("g1", "g", 200, 1);
	a = spool_add_alert(sp, "a1", "g", 2, NULL, 300, "{}", NULL, 0, recv, exp, 1, 300);
	ck_assert_int_gt(a, 0);
	/* the grouper ties what its group holds: a row still waiting is not in it */
	ck_assert_int_eq(spool_tie_mentions(sp, a, "g", g), spool_test_pg() ? 1 : 2);
	ck_assert_int_eq(spool_commit(sp), 0);
	/* tied (SQLite), or waiting and not pending until claimed (PostgreSQL) */
	ck_assert_int_eq(spool_drop_mention(sp, u), 0);
	ck_assert_int_eq(spool_drop_mention(sp, g), 0);
	if (spool_test_pg()) {
		ck_assert_int_eq(spool_claim_mentions(sp, 0, NULL, NULL), 1);
		ck_assert_int_eq(spool_drop_mention(sp, u), 1);
		ck_assert_int_eq(spool_commit(sp), 0);
	}
}
END_TEST

START_TEST(test_drop_pending_only)
{
	struct seen s = {0};
	int64_t r1, r2;

	ck_assert_int_eq(spool_begin(sp), 0);
	r1 = add("m1", "g", 100, 1);
	r2 = add("m1", "g", 110, 1);
	ck_assert_int_eq(spool_drop_mention(sp, r2), 1);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_drop_mention(sp, r2), 0);
	ck_assert_int_eq(spool_drop_mention(sp, 999999), 0);
	ck_assert_int_eq(spool_pending_mentions(sp, collect, &s), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(s.rowid[0], r1);
}
END_TEST

START_TEST(test_alerted_window)
{
	const char *recv[] = {"slack"};
	int64_t exp[] = {10000}, rows[4], a;
	struct seen s = {0};

	ck_assert_int_eq(spool_begin(sp), 0);
	rows[0] = add("old", "g", 100, 1);
	rows[1] = add("a", "g", 500, 1);
	rows[2] = add("b", "g", 600, 1);
	add("pending", "g", 700, 1);
	a = spool_add_alert(sp, "a1", "g", 2, NULL, 800, "{}", rows, 3, recv, exp, 1, 800);
	ck_assert_int_gt(a, 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_mentions_alerted(sp, 500, 10, collect, &s), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_str_eq(s.id[0], "b");
	ck_assert_str_eq(s.id[1], "a");
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_mentions_alerted(sp, 0, 1, collect, &s), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.id[0], "b");
	ck_assert_int_eq(spool_mentions_alerted(sp, 0, 0, collect, &s), 0);
	ck_assert_uint_eq(s.n, 1);
}
END_TEST

/* The rule texts a complaint waiting for the leader names are kept, as a pending one's. */
START_TEST(test_prune_keeps_waiting_texts)
{
	int64_t id[3];
	char json[64], *v;

	ck_assert_int_eq(spool_begin(sp), 0);
	for (int i = 0; i < 3; i++) {
		snprintf(json, sizeof(json), "{\"id\":\"r%d\"}", i);
		id[i] = spool_rule_text(sp, json);
		ck_assert_int_gt(id[i], 0);
	}
	snprintf(json, sizeof(json), "{\"rule_refs\":[%lld],\"entry\":{}}", (long long)id[0]);
	ck_assert_int_gt(spool_add_mention_ungrouped(sp, "w", "g", 2, 100, json), 0);
	snprintf(json, sizeof(json), "{\"rule_refs\":[%lld],\"entry\":{}}", (long long)id[1]);
	ck_assert_int_gt(spool_add_mention(sp, "p", "g", 2, 200, json), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_prune_rule_texts(sp), 1);
	for (int i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(v = spool_rule_text_get(sp, id[i]));
		free(v);
	}
	ck_assert_ptr_null(spool_rule_text_get(sp, id[2]));
}
END_TEST

/* Two daemons claim at once: each row goes to one; a lost batch gives its rows back. */
START_TEST(test_claim_skips_locked_and_rollback)
{
	struct spool *other = spool_open(path, 0, err, sizeof(err));
	struct seen s = {0}, t = {0};

	ck_assert_msg(other != NULL, "open: %s", err);
	/* two batches: a claim passes over a batch another session is claiming */
	ck_assert_int_eq(spool_begin(sp), 0);
	add("u1", "g", 100, 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_begin(sp), 0);
	add("u2", "g", 200, 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_claim_mentions(sp, 1, collect, &s), 1);
	/* u1 is locked by the open batch of sp: the other takes u2 only */
	ck_assert_int_eq(spool_claim_mentions(other, 0, collect, &t), 1);
	ck_assert_str_eq(t.id[0], "u2");
	ck_assert_int_eq(spool_commit(other), 0);
	/* sp's session goes without a commit: u1 waits again */
	spool_close(sp);
	sp = spool_open(path, 0, err, sizeof(err));
	ck_assert_msg(sp != NULL, "open: %s", err);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_claim_mentions(sp, 0, collect, &s), 1);
	ck_assert_str_eq(s.id[0], "u1");
	ck_assert_int_eq(spool_commit(sp), 0);
	spool_close(other);
}
END_TEST

/*
 * A daemon that does not lead sends its complaints as the leader does: in
 * the batch's one COPY, not a statement each. While the batch is open its
 * session has sent none of them; after the commit the waiting rows are
 * the leader's to claim and the grouped one is not.
 */
START_TEST(test_ungrouped_in_the_copy)
{
	struct seen s = {0};

	ck_assert_int_eq(spool_begin(sp), 0);
	add("g1", "g", 100, 1);
	add("u1", "g", 200, 0);
	add("u2", "h", 300, 0);
	ck_assert_int_eq(spool_test_pg_int(path, "SELECT count(*) FROM pg_stat_activity "
	                                         "WHERE datname = current_database() AND "
	                                         "pid <> pg_backend_pid() AND "
	                                         "query ILIKE '%INSERT INTO mentions%'"),
	                 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_test_pg_int(path, WAITING), 2);
	ck_assert_int_eq(spool_claim_mentions(sp, 0, collect, &s), 2);
	ck_assert_str_eq(s.id[0], "u1");
	ck_assert_str_eq(s.id[1], "u2");
	ck_assert_int_eq(spool_commit(sp), 0);
}
END_TEST

/*
 * A claim takes a waiting complaint without writing its row again: the
 * row stays where its batch wrote it (its ctid), only its waiting mark
 * goes, and a claim after the commit finds nothing more.
 */
START_TEST(test_claim_keeps_the_row)
{
	struct seen s = {0};
	char sql[128];
	int64_t u, before;

	ck_assert_int_eq(spool_begin(sp), 0);
	u = add("u1", "g", 100, 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	snprintf(sql, sizeof(sql), "SELECT xmin::text::bigint FROM mentions WHERE id = %lld",
	         (long long)u);
	before = spool_test_pg_int(path, sql);
	ck_assert_int_gt(before, 0);
	ck_assert_int_eq(spool_claim_mentions(sp, 0, collect, &s), 1);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_test_pg_int(path, sql), before);
	ck_assert_int_eq(spool_claim_mentions(sp, 0, collect, &s), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_pending_mentions(sp, collect, &s), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(s.rowid[0], u);
}
END_TEST

/*
 * Tying pending rows to an alert writes no mention row again (schema 7):
 * each row keeps the version its batch wrote, only the pending mark
 * moves to mention_alerts; the alert's mentions are read back through it.
 */
START_TEST(test_tie_keeps_the_rows)
{
	struct seen s = {0};
	char sql[160];
	int64_t a, b, ar, before;
	const char *rcv[] = {"hook"};
	const int64_t exp[] = {INT64_MAX};

	ck_assert_int_eq(spool_begin(sp), 0);
	a = add("t1", "g", 100, 1);
	b = add("t2", "g", 200, 1);
	add("t3", "h", 300, 1);
	ck_assert_int_eq(spool_commit(sp), 0);
	snprintf(sql, sizeof(sql),
	         "SELECT sum(xmin::text::bigint) FROM mentions WHERE id IN (%lld, %lld)",
	         (long long)a, (long long)b);
	before = spool_test_pg_int(path, sql);
	ck_assert_int_gt(before, 0);
	ar = spool_add_alert(sp, "A", "g", 2, NULL, 250, "{}", NULL, 0, rcv, exp, 1, 250);
	ck_assert_int_gt(ar, 0);
	ck_assert_int_eq(spool_tie_mentions(sp, ar, "g", b), 2);
	ck_assert_int_eq(spool_test_pg_int(path, sql), before);
	ck_assert_int_eq(spool_test_pg_int(path, "SELECT count(*) FROM mentions_pending"), 1);
	ck_assert_int_eq(spool_alert_mentions(sp, ar, collect, &s), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_str_eq(s.id[0], "t1");
	ck_assert_str_eq(s.id[1], "t2");
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_pending_mentions(sp, collect, &s), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.id[0], "t3");
}
END_TEST

/*
 * On PostgreSQL a group's text goes into the batch's array literal of
 * pending marks: quotes, backslashes, commas and braces in it (an
 * author's handle, with grouping by author) come back as they went in,
 * and tie the group.
 */
START_TEST(test_pending_group_text)
{
	static const char odd[] = "author=a\"b\\c,{d} e";
	struct seen s = {0};
	const char *rcv[] = {"hook"};
	const int64_t exp[] = {INT64_MAX};
	int64_t m, ar;

	ck_assert_int_eq(spool_begin(sp), 0);
	m = add("o1", odd, 100, 1);
	add("o2", odd, 200, 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_pending_mentions(sp, collect, &s), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(s.rowid[0], m);
	ck_assert_int_eq(spool_claim_mentions(sp, 0, collect, &s), 1);
	ck_assert_str_eq(s.id[1], "o2");
	ck_assert_int_eq(spool_commit(sp), 0);
	ar = spool_add_alert(sp, "O", odd, 2, NULL, 250, "{}", NULL, 0, rcv, exp, 1, 250);
	ck_assert_int_gt(ar, 0);
	ck_assert_int_eq(spool_tie_mentions(sp, ar, odd, s.rowid[1]), 2);
}
END_TEST

/* spool_recent_by_id's callback: the recent row's time */
static void
recent_at(void *arg, int64_t at_ms, int complaint, const char *json)
{
	(void)complaint;
	(void)json;
	*(int64_t *)arg = at_ms;
}

/*
 * A spool of schema `from` (8, 6 or 5) with one mention tied to an alert,
 * one pending, one waiting for the leader and two recent rows, made from
 * a spool of this version by undoing the migrations after it, behind its
 * back: opened again, each is where it was, and recent rows are found by
 * their ids. 8 named each waiting complaint in mentions_waiting (and
 * mentions_pending); 6 tied a mention in mentions.alert_rowid and read a
 * recent row's id from its JSON; 5 marked a waiting one in a column.
 */
static void
upgrade_from(int from)
{
	struct seen s = {0};
	int64_t recent = 0;
	const char *rcv[] = {"hook"};
	const int64_t exp[] = {INT64_MAX};
	int64_t t, ar;

	ck_assert_int_eq(spool_begin(sp), 0);
	t = add("tied", "g", 100, 1);
	add("pending", "g", 200, 1);
	add("waiting", "h", 300, 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ar = spool_add_alert(sp, "A", "g", 2, NULL, 150, "{}", NULL, 0, rcv, exp, 1, 150);
	ck_assert_int_eq(spool_tie_mentions(sp, ar, "g", t), 1);
	ck_assert_int_eq(spool_begin(sp), 0);
	ck_assert_int_gt(spool_recent_add(sp, 400, 1, "r1", "{\"id\":\"r1\",\"text\":\"x\"}"), 0);
	ck_assert_int_gt(spool_recent_add(sp, 500, 0, NULL, "not json"), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	spool_close(sp);
	spool_test_pg_exec(path,
	                   "BEGIN;"
	                   "CREATE TABLE mentions_waiting (id bigint PRIMARY KEY);"
	                   "INSERT INTO mentions_waiting SELECT unnest(ids) FROM waiting_batches;"
	                   "INSERT INTO mentions_pending (id, group_key) SELECT id, group_key "
	                   "  FROM mentions WHERE id IN (SELECT id FROM mentions_waiting);"
	                   "DROP TABLE waiting_batches;"
	                   "DROP FUNCTION keluh_claim(bigint);"
	                   "UPDATE keluh_schema SET version = 8;"
	                   "COMMIT");
	if (from == 8)
		goto reopen;
	/* the v7 shape of recent, then the v6 shape of the mentions' ties */
	spool_test_pg_exec(path,
	                   "BEGIN;"
	                   "DROP INDEX recent_mention;"
	                   "ALTER TABLE recent DROP COLUMN mention_id;"
	                   "CREATE INDEX recent_mention ON recent ((keluh_json(json) ->> 'id'));"
	                   "COMMIT");
	spool_test_pg_exec(
	    path, "BEGIN;"
	          "ALTER TABLE mentions ADD COLUMN alert_rowid bigint REFERENCES alerts (id);"
	          "UPDATE mentions m SET alert_rowid = t.alert_rowid FROM mention_alerts t "
	          "  WHERE t.id = m.id;"
	          "DROP TABLE mention_alerts, mentions_pending;"
	          "CREATE INDEX mentions_pending ON mentions (group_key, id) "
	          "  WHERE alert_rowid IS NULL;"
	          "CREATE INDEX mentions_alert ON mentions (alert_rowid, at_ms) "
	          "  WHERE alert_rowid IS NOT NULL;"
	          "UPDATE keluh_schema SET version = 6;"
	          "COMMIT");
	/* the v5 mark of a complaint waiting for the leader: a column */
	if (from == 5)
		spool_test_pg_exec(
		    path, "BEGIN;"
		          "ALTER TABLE mentions ADD COLUMN grouped boolean NOT NULL DEFAULT true;"
		          "UPDATE mentions SET grouped = false WHERE id IN "
		          "  (SELECT id FROM mentions_waiting);"
		          "DROP TABLE mentions_waiting;"
		          "CREATE INDEX mentions_ungrouped ON mentions (id) "
		          "  WHERE NOT grouped AND alert_rowid IS NULL;"
		          "UPDATE keluh_schema SET version = 5;"
		          "COMMIT");
reopen:
	ck_assert_int_eq(spool_test_pg_int(path, "SELECT max(version) FROM keluh_schema"), from);
	sp = spool_open(path, 0, err, sizeof(err));
	ck_assert_msg(sp != NULL, "open: %s", err);
	ck_assert_int_eq(spool_test_pg_int(path, "SELECT max(version) FROM keluh_schema"), 9);
	/* 8: the recent row's id from its JSON, none from a text that is not */
	ck_assert_int_eq(spool_recent_by_id(sp, "r1", recent_at, &recent), 1);
	ck_assert_int_eq(recent, 400);
	ck_assert_int_eq(
	    spool_test_pg_int(path, "SELECT count(*) FROM recent WHERE mention_id IS NULL"), 1);
	ck_assert_int_eq(spool_alert_mentions(sp, ar, collect, &s), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.id[0], "tied");
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_pending_mentions(sp, collect, &s), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.id[0], "pending");
	ck_assert_int_eq(spool_claim_mentions(sp, 0, collect, &s), 1);
	ck_assert_str_eq(s.id[1], "waiting");
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_test_pg_int(path, "SELECT count(*) FROM mentions_pending"), 2);
	ck_assert_int_eq(spool_test_pg_int(path, WAITING), 0);
}

START_TEST(test_upgrade_from_8)
{
	upgrade_from(8);
}
END_TEST

START_TEST(test_upgrade_from_6)
{
	upgrade_from(6);
}
END_TEST

START_TEST(test_upgrade_from_5)
{
	upgrade_from(5);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("spool_lead");
	TCase *tc = tcase_create("lead");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_claim_oldest_first_once);
	tcase_add_test(tc, test_tie_leaves_ungrouped);
	tcase_add_test(tc, test_drop_pending_only);
	tcase_add_test(tc, test_alerted_window);
	tcase_add_test(tc, test_prune_keeps_waiting_texts);
	SPOOL_TEST_PG_ONLY(tc, test_claim_skips_locked_and_rollback);
	SPOOL_TEST_PG_ONLY(tc, test_ungrouped_in_the_copy);
	SPOOL_TEST_PG_ONLY(tc, test_claim_keeps_the_row);
	SPOOL_TEST_PG_ONLY(tc, test_tie_keeps_the_rows);
	SPOOL_TEST_PG_ONLY(tc, test_upgrade_from_8);
	SPOOL_TEST_PG_ONLY(tc, test_upgrade_from_6);
	SPOOL_TEST_PG_ONLY(tc, test_upgrade_from_5);
	SPOOL_TEST_PG_ONLY(tc, test_pending_group_text);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
