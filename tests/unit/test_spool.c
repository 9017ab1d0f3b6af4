/*
 * The spool: schema and reopen, mentions and alerts, the due order,
 * delivery transitions, operator actions, cursors, and that uncommitted
 * work is never half-applied (close without commit, and a child process
 * that dies mid-transaction).
 */
#include "config.h"

#include <dirent.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/pg_int.h"
#include "store/spool.h"
#include "store/pg_int.h"
#include "store/spool_backend.h"
#include "spool_test.h"
#include "unit.h"

/* PG_SCHEMA in SQL */
#define SCHEMA_STR_(v) #v
#define SCHEMA_STR(v)  SCHEMA_STR_(v)
#define PG_SCHEMA_TEXT SCHEMA_STR(PG_SCHEMA)

#define DAY_MS (24 * 3600 * 1000LL)
/* What v5 added, so a test can make an older spool out of a new one. */
#define UNDO_V6                                                                                    \
	"DROP INDEX alerts_case; ALTER TABLE alerts DROP COLUMN case_id; DROP TABLE case_messages; " \
	"DROP TABLE case_events; DROP TABLE cases; DROP TABLE meta; DROP INDEX mentions_id; "

static char dir[64];
static char path[256];
static char err[512];
static struct spool *sp;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/keluh-spool.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	spool_test_path(path, sizeof(path), dir);
	err[0] = '\0';
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

/* Reads one integer with a plain connection, behind the module's back. */
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

static const char *
sql_text(const char *sql, char *out, size_t outlen)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	out[0] = '\0';
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

struct mentions_seen {
	size_t n;
	int64_t rowid[16];
	char id[16][32];
	int64_t at[16];
	int prio[16];
};

static void
collect_mention(void *arg, const struct spool_mention *m)
{
	struct mentions_seen *ms = arg;

	ck_assert_uint_lt(ms->n, 16);
	ms->rowid[ms->n] = m->rowid;
	snprintf(ms->id[ms->n], sizeof(ms->id[0]), "%s", m->mention_id);
	ms->at[ms->n] = m->at_ms;
	ms->prio[ms->n] = m->priority;
	ck_assert_ptr_nonnull(m->json);
	ck_assert_ptr_nonnull(m->group_key);
	ms->n++;
}

/* As collect_mention, with the row's JSON text in id. */
static void
collect_json(void *arg, const struct spool_mention *m)
{
	struct mentions_seen *ms = arg;

	ck_assert_uint_lt(ms->n, 16);
	ms->rowid[ms->n] = m->rowid;
	snprintf(ms->id[ms->n], sizeof(ms->id[0]), "%s", m->json);
	ms->n++;
}

/* How many mentions are pending, by the spool's counts. */
static int64_t
pending_count(void)
{
	struct spool_counts c;

	ck_assert_int_eq(spool_counts(sp, NULL, &c), 0);
	return c.pending_mentions;
}

static struct mentions_seen
pending(void)
{
	struct mentions_seen ms;

	memset(&ms, 0, sizeof(ms));
	ck_assert_int_eq(spool_pending_mentions(sp, collect_mention, &ms), 0);
	return ms;
}

static int64_t
mention(const char *id, int prio, int64_t at)
{
	char json[128];
	int64_t r;

	snprintf(json, sizeof(json), "{\"id\":\"%s\",\"text\":\"t\"}", id);
	r = spool_add_mention(sp, id, "g", prio, at, json);
	ck_assert_msg(r > 0, "add_mention: %s", spool_error(sp));
	return r;
}

static const char *const rcv3[] = { "console", "slack", "hook" };

/* An alert with no mentions delivered to the given receivers, expiring in a day. */
static int64_t
alert(const char *id, int prio, int64_t at, int64_t due, const char *const *rcv, size_t nrcv)
{
	int64_t exp[8];
	int64_t r;

	for (size_t i = 0; i < nrcv; i++)
		exp[i] = at + DAY_MS;
	r = spool_add_alert(sp, id, "g", prio, "tech", at, "{\"type\":\"keluh.alert\"}", NULL, 0,
	    rcv, exp, nrcv, due);
	ck_assert_msg(r > 0, "add_alert: %s", spool_error(sp));
	return r;
}

/* The id of the delivery of alert_id to receiver, read back with SQL. */
static int64_t
delivery_id(const char *alert_id, const char *receiver)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
	    "SELECT id FROM deliveries WHERE idem_key = '%s.%s'", alert_id, receiver);
	return sql_int(sql);
}

static struct spool_delivery
get(int64_t id)
{
	struct spool_delivery d;

	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(spool_get_delivery(sp, id, &d), 1);
	return d;
}

START_TEST(test_open_create_reopen)
{
	char buf[64];

	if (spool_test_pg()) {
		/* PostgreSQL's tables have their own versions (pg_schema.c) */
		ck_assert_int_eq(sql_int("SELECT version FROM keluh_schema"), PG_SCHEMA);
		ck_assert_int_eq(sql_int("SELECT count(*) FROM pg_tables WHERE tablename IN "
		                         "('mentions', 'alerts', 'deliveries', 'cursors', 'silences')"),
		                 5);
		ck_assert_int_eq(sql_int("SELECT count(*) FROM pg_indexes WHERE indexname = "
		                         "'deliveries_due'"), 1);
	} else {
		ck_assert_int_eq(sql_int("PRAGMA user_version"), 9);
		ck_assert_str_eq(sql_text("PRAGMA journal_mode", buf, sizeof(buf)), "wal");
		ck_assert_int_eq(sql_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
					 "name IN ('mentions', 'alerts', 'deliveries', 'cursors', 'silences')"), 5);
		ck_assert_int_eq(sql_int("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
					 "name = 'deliveries_due'"), 1);
	}
	mention("m1", 2, 1000);
	reopen();
	ck_assert_int_eq(sql_int(spool_test_pg() ? "SELECT version FROM keluh_schema"
	                                         : "PRAGMA user_version"),
	                 spool_test_pg() ? PG_SCHEMA : 9);
	ck_assert_uint_eq(pending().n, 1);
	ck_assert_int_eq(spool_in_txn(sp), 0);
}
END_TEST

START_TEST(test_mentions_pending_oldest_first)
{
	struct mentions_seen ms;
	int64_t a, b, c;

	a = mention("late", 1, 3000);
	b = mention("early", 3, 1000);
	c = mention("mid", 2, 2000);
	ck_assert_int_gt(a, 0);
	ms = pending();
	ck_assert_uint_eq(ms.n, 3);
	ck_assert_str_eq(ms.id[0], "early");
	ck_assert_int_eq(ms.rowid[0], b);
	ck_assert_int_eq(ms.prio[0], 3);
	ck_assert_int_eq(ms.at[0], 1000);
	ck_assert_str_eq(ms.id[1], "mid");
	ck_assert_int_eq(ms.rowid[1], c);
	ck_assert_str_eq(ms.id[2], "late");
}
END_TEST

/* A public reply finds the complaint it answers by its mention id: the newest row, by index. */
START_TEST(test_mention_by_id)
{
	struct mentions_seen ms;
	char plan[256];
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t b;

	memset(&ms, 0, sizeof(ms));
	mention("x:1", 3, 1000);
	ck_assert_int_eq(spool_begin(sp), 0);
	b = mention("x:2", 2, 2000);
	/* a row of the batch still open is found */
	ck_assert_int_eq(spool_mention_by_id(sp, "x:2", collect_mention, &ms), 1);
	ck_assert_uint_eq(ms.n, 1);
	ck_assert_int_eq(ms.rowid[0], b);
	ck_assert_int_eq(ms.prio[0], 2);
	ck_assert_int_eq(ms.at[0], 2000);
	ck_assert_int_eq(spool_commit(sp), 0);
	/* the same post taken again later: the newest row answers */
	b = mention("x:1", 4, 3000);
	ck_assert_int_eq(spool_mention_by_id(sp, "x:1", collect_mention, &ms), 1);
	ck_assert_uint_eq(ms.n, 2);
	ck_assert_str_eq(ms.id[1], "x:1");
	ck_assert_int_eq(ms.rowid[1], b);
	ck_assert_int_eq(spool_mention_by_id(sp, "x:3", collect_mention, &ms), 0);
	ck_assert_int_eq(spool_mention_by_id(sp, "", collect_mention, &ms), 0);
	ck_assert_uint_eq(ms.n, 2);
	if (spool_test_pg())
		return; /* the query plan below is SQLite's */
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT id FROM mentions WHERE "
	                 "mention_id = 'x:1' ORDER BY id DESC LIMIT 1", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	snprintf(plan, sizeof(plan), "%s", (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	sqlite3_close(db);
	ck_assert_msg(strstr(plan, "USING COVERING INDEX mentions_id") != NULL ||
	              strstr(plan, "USING INDEX mentions_id") != NULL, "not by the index: %s", plan);
}
END_TEST

START_TEST(test_alert_ties_mentions)
{
	int64_t m1, m2, m3, ar, exp[3] = { 5000 + DAY_MS, 5000 + 2 * DAY_MS, 5000 + 3 * DAY_MS };
	int64_t rows[2];
	struct mentions_seen ms;
	struct spool_counts c;
	struct spool_delivery d;

	m1 = mention("m1", 3, 1000);
	m2 = mention("m2", 3, 2000);
	m3 = mention("m3", 3, 3000);
	rows[0] = m1;
	rows[1] = m3;
	ar = spool_add_alert(sp, "A1", "g", 3, "tech", 5000, "{\"type\":\"keluh.alert\"}", rows, 2,
	    rcv3, exp, 3, 5000);
	ck_assert_msg(ar > 0, "%s", spool_error(sp));
	ms = pending();
	ck_assert_uint_eq(ms.n, 1);
	ck_assert_int_eq(ms.rowid[0], m2);

	ck_assert_int_eq(spool_counts(sp, NULL, &c), 0);
	ck_assert_int_eq(c.pending, 3);
	ck_assert_int_eq(c.delivered, 0);
	ck_assert_int_eq(c.dead, 0);
	ck_assert_int_eq(c.pending_mentions, 1);
	ck_assert_int_eq(c.alerts, 1);
	ck_assert_int_eq(spool_counts(sp, "slack", &c), 0);
	ck_assert_int_eq(c.pending, 1);

	d = get(delivery_id("A1", "slack"));
	ck_assert_str_eq(d.idem_key, "A1.slack");
	ck_assert_str_eq(d.alert_id, "A1");
	ck_assert_str_eq(d.receiver, "slack");
	ck_assert_str_eq(d.alert_json, "{\"type\":\"keluh.alert\"}");
	ck_assert_int_eq(d.alert_rowid, ar);
	ck_assert_int_eq(d.state, SPOOL_PENDING);
	ck_assert_int_eq(d.attempts, 0);
	ck_assert_int_eq(d.priority, 3);
	ck_assert_int_eq(d.created_ms, 5000);
	ck_assert_int_eq(d.due_ms, 5000);
	ck_assert_int_eq(d.expires_ms, 5000 + 2 * DAY_MS);
	ck_assert_ptr_null(d.last_error);
	spool_delivery_free(&d);

	/* A mention already tied: the whole alert is refused, nothing written. */
	rows[0] = m2;
	rows[1] = m1;
	ck_assert_int_eq(spool_add_alert(sp, "A2", "g", 3, NULL, 6000, "{}", rows, 2, rcv3, exp,
			     3, 6000), -1);
	ck_assert_ptr_nonnull(strstr(spool_error(sp), "not pending"));
	ck_assert_uint_eq(pending().n, 1);
	ck_assert_int_eq(spool_counts(sp, NULL, &c), 0);
	ck_assert_int_eq(c.alerts, 1);
	ck_assert_int_eq(c.pending, 3);
	/* A repeated alert id is refused too. */
	ck_assert_int_eq(spool_add_alert(sp, "A1", "g", 3, NULL, 6000, "{}", NULL, 0, rcv3, exp, 3,
			     6000), -1);
	ck_assert_ptr_nonnull(strcasestr(spool_error(sp), "UNIQUE"));
	/* ...and so is a receiver named twice. */
	{
		const char *const twice[] = { "slack", "slack" };

		ck_assert_int_eq(spool_add_alert(sp, "A3", "g", 3, NULL, 6000, "{}", NULL, 0,
				     twice, exp, 2, 6000), -1);
	}
	ck_assert_int_eq(spool_counts(sp, NULL, &c), 0);
	ck_assert_int_eq(c.alerts, 1);
	/* A2 was rolled back as a whole, so its id is free and m2 still pending. */
	rows[0] = m2;
	ck_assert_int_gt(spool_add_alert(sp, "A2", "g", 3, NULL, 6000, "{}", rows, 1, rcv3, exp, 1,
			     6000), 0);
	ck_assert_uint_eq(pending().n, 0);
}
END_TEST

START_TEST(test_tie_mentions_by_group)
{
	int64_t a1, a2, ar, exp[1] = { DAY_MS };
	struct mentions_seen ms;

	a1 = spool_add_mention(sp, "a1", "grp-a", 2, 100, "{}");
	spool_add_mention(sp, "b1", "grp-b", 2, 150, "{}");
	a2 = spool_add_mention(sp, "a2", "grp-a", 2, 200, "{}");
	spool_add_mention(sp, "a3", "grp-a", 2, 300, "{}"); /* arrived after the alert was built */
	ck_assert_int_gt(a1, 0);
	ar = spool_add_alert(sp, "A", "grp-a", 2, NULL, 250, "{}", NULL, 0, rcv3, exp, 1, 250);
	ck_assert_int_gt(ar, 0);
	ck_assert_int_eq(spool_tie_mentions(sp, ar, "grp-a", a2), 2);
	ck_assert_int_eq(spool_tie_mentions(sp, ar, "grp-a", a2), 0);
	ms = pending();
	ck_assert_uint_eq(ms.n, 2);
	ck_assert_str_eq(ms.id[0], "b1");
	ck_assert_str_eq(ms.id[1], "a3");
	ck_assert_int_eq(sql_int(spool_test_pg()
	                             ? "SELECT count(*) FROM mention_alerts WHERE alert_rowid = 1"
	                             : "SELECT count(*) FROM mentions WHERE alert_rowid = 1"),
	                 2);
}
END_TEST

static const char *const rcv1[] = { "r" };

START_TEST(test_due_order_and_skip)
{
	struct spool_delivery out[8];
	int64_t skip[2];
	int n;

	alert("normal-old", 2, 1000, 1000, rcv1, 1);
	alert("crit-new", 4, 3000, 3000, rcv1, 1);
	alert("crit-old", 4, 2000, 2000, rcv1, 1);
	alert("low-oldest", 1, 500, 500, rcv1, 1);
	alert("crit-later", 4, 2500, 9000, rcv1, 1); /* not due yet */
	alert("other-rcv", 4, 100, 100, rcv3, 1);    /* console */

	n = spool_due(sp, "r", 5000, NULL, 0, out, 8);
	ck_assert_int_eq(n, 4);
	ck_assert_str_eq(out[0].alert_id, "crit-old");
	ck_assert_str_eq(out[1].alert_id, "crit-new");
	ck_assert_str_eq(out[2].alert_id, "normal-old");
	ck_assert_str_eq(out[3].alert_id, "low-oldest");
	ck_assert_str_eq(out[0].alert_json, "{\"type\":\"keluh.alert\"}");
	skip[0] = out[0].id;
	skip[1] = out[2].id;
	for (int i = 0; i < n; i++)
		spool_delivery_free(&out[i]);

	/* max bounds the answer */
	n = spool_due(sp, "r", 5000, NULL, 0, out, 2);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(out[1].alert_id, "crit-new");
	for (int i = 0; i < n; i++)
		spool_delivery_free(&out[i]);

	/* in-flight ids are skipped, and max still fills from the rest */
	n = spool_due(sp, "r", 5000, skip, 2, out, 2);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(out[0].alert_id, "crit-new");
	ck_assert_str_eq(out[1].alert_id, "low-oldest");
	for (int i = 0; i < n; i++)
		spool_delivery_free(&out[i]);

	/* later, the one due at 9000 comes first by priority then age */
	n = spool_due(sp, "r", 9000, NULL, 0, out, 8);
	ck_assert_int_eq(n, 5);
	ck_assert_str_eq(out[0].alert_id, "crit-old");
	ck_assert_str_eq(out[1].alert_id, "crit-later");
	for (int i = 0; i < n; i++)
		spool_delivery_free(&out[i]);

	ck_assert_int_eq(spool_due(sp, "nobody", 9000, NULL, 0, out, 8), 0);
	ck_assert_int_eq(spool_due(sp, "r", 9000, NULL, 0, out, 0), 0);
}
END_TEST

START_TEST(test_next_due)
{
	ck_assert_int_eq(spool_next_due(sp, "r"), INT64_MAX);
	alert("a", 2, 1000, 7000, rcv1, 1);
	alert("b", 2, 1000, 4000, rcv1, 1);
	ck_assert_int_eq(spool_next_due(sp, "r"), 4000);
	ck_assert_int_eq(spool_next_due(sp, "nobody"), INT64_MAX);
	ck_assert_int_eq(spool_delivered(sp, delivery_id("b", "r"), 4100), 0);
	ck_assert_int_eq(spool_next_due(sp, "r"), 7000);
	ck_assert_int_eq(spool_retry_later(sp, delivery_id("a", "r"), 60000, "HTTP 503"), 0);
	ck_assert_int_eq(spool_next_due(sp, "r"), 60000);
	ck_assert_int_eq(spool_dead(sp, delivery_id("a", "r"), 61000, "too old"), 0);
	ck_assert_int_eq(spool_next_due(sp, "r"), INT64_MAX);
}
END_TEST

/* A failing receiver's probe, its recovery, and the age limit while it fails. */
START_TEST(test_probe_drain_expire)
{
	struct spool_delivery d;
	int64_t pending, dead;

	ck_assert_int_eq(spool_first_due(sp, "r", NULL, 0, &d), 0);
	alert("late", 4, 1000, 90000, rcv1, 1);
	alert("soon", 1, 2000, 5000, rcv1, 1);
	alert("sooner", 1, 3000, 4000, rcv1, 1);
	alert("gone", 1, 500, 500, rcv1, 1);
	ck_assert_int_eq(spool_delivered(sp, delivery_id("gone", "r"), 600), 0);

	/* the probe: due first, even when nothing is due yet; in-flight ids skipped */
	ck_assert_int_eq(spool_first_due(sp, "r", NULL, 0, &d), 1);
	ck_assert_str_eq(d.alert_id, "sooner");
	ck_assert_str_eq(d.alert_json, "{\"type\":\"keluh.alert\"}");
	spool_delivery_free(&d);
	{
		int64_t skip[1] = { delivery_id("sooner", "r") };

		ck_assert_int_eq(spool_first_due(sp, "r", skip, 1, &d), 1);
		ck_assert_str_eq(d.alert_id, "soon");
		spool_delivery_free(&d);
	}
	ck_assert_int_eq(spool_first_due(sp, "nobody", NULL, 0, &d), 0);

	/* recovery: every later one due now; the delivered one untouched */
	ck_assert_int_eq(spool_make_due(sp, "r", 4500), 2);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM deliveries WHERE due_ms = 4500"), 2);
	ck_assert_int_eq(spool_next_due(sp, "r"), 4000);
	ck_assert_int_eq(spool_make_due(sp, "r", 4500), 0);
	ck_assert_int_eq(sql_int("SELECT due_ms FROM deliveries WHERE idem_key = 'gone.r'"), 500);

	/* past its age while failing: dead with the last error */
	ck_assert_int_eq(spool_retry_later(sp, delivery_id("late", "r"), 5000, "HTTP 503"), 0);
	ck_assert_int_eq(spool_expire(sp, "r", 1000 + DAY_MS - 1, "HTTP 500"), 0);
	ck_assert_int_eq(spool_expire(sp, "r", 2000 + DAY_MS, "HTTP 500"), 2);
	ck_assert_int_eq(spool_queue_counts(sp, "r", &pending, &dead), 0);
	ck_assert_int_eq(pending, 1);
	ck_assert_int_eq(dead, 2);
	ck_assert_int_eq(spool_get_delivery(sp, delivery_id("late", "r"), &d), 1);
	ck_assert_int_eq(d.state, SPOOL_DEAD);
	ck_assert_int_eq(d.attempts, 1);
	ck_assert_str_eq(d.last_error, "expired after 1 attempt(s), while the receiver was failing; "
	    "last error: HTTP 500");
	spool_delivery_free(&d);
}
END_TEST

START_TEST(test_transitions_and_counts)
{
	int64_t ic, is, ih;
	struct spool_delivery d, out[4];
	struct spool_counts c;

	alert("A", 3, 1000, 1000, rcv3, 3);
	ic = delivery_id("A", "console");
	is = delivery_id("A", "slack");
	ih = delivery_id("A", "hook");

	ck_assert_int_eq(spool_delivered(sp, ic, 1500), 0);
	d = get(ic);
	ck_assert_int_eq(d.state, SPOOL_DELIVERED);
	ck_assert_int_eq(d.done_ms, 1500);
	ck_assert_int_eq(d.attempts, 1);
	spool_delivery_free(&d);

	ck_assert_int_eq(spool_retry_later(sp, is, 5000, "HTTP 500"), 0);
	ck_assert_int_eq(spool_retry_later(sp, is, 9000, "timeout"), 0);
	d = get(is);
	ck_assert_int_eq(d.state, SPOOL_PENDING);
	ck_assert_int_eq(d.attempts, 2);
	ck_assert_int_eq(d.due_ms, 9000);
	ck_assert_str_eq(d.last_error, "timeout");
	spool_delivery_free(&d);
	ck_assert_int_eq(spool_due(sp, "slack", 8999, NULL, 0, out, 4), 0);
	ck_assert_int_eq(spool_due(sp, "slack", 9000, NULL, 0, out, 4), 1);
	spool_delivery_free(&out[0]);

	ck_assert_int_eq(spool_dead(sp, ih, 2000, "HTTP 404: no such hook"), 0);
	d = get(ih);
	ck_assert_int_eq(d.state, SPOOL_DEAD);
	ck_assert_int_eq(d.done_ms, 2000);
	ck_assert_str_eq(d.last_error, "HTTP 404: no such hook");
	spool_delivery_free(&d);
	ck_assert_int_eq(spool_due(sp, "hook", 99999, NULL, 0, out, 4), 0);

	ck_assert_int_eq(spool_counts(sp, NULL, &c), 0);
	ck_assert_int_eq(c.pending, 1);
	ck_assert_int_eq(c.delivered, 1);
	ck_assert_int_eq(c.dead, 1);
	ck_assert_int_eq(c.alerts, 1);
	ck_assert_int_eq(spool_counts(sp, "hook", &c), 0);
	ck_assert_int_eq(c.pending, 0);
	ck_assert_int_eq(c.dead, 1);
	ck_assert_int_eq(c.delivered, 0);

	/* Finished deliveries are not moved again by the daemon's transitions. */
	ck_assert_int_eq(spool_dead(sp, ic, 3000, "late"), 0);
	ck_assert_int_eq(spool_delivered(sp, ih, 3000), 0);
	d = get(ic);
	ck_assert_int_eq(d.state, SPOOL_DELIVERED);
	ck_assert_ptr_null(d.last_error);
	spool_delivery_free(&d);
	d = get(ih);
	ck_assert_int_eq(d.state, SPOOL_DEAD);
	spool_delivery_free(&d);
	/* nor is a delivery that vanished while in flight an error */
	ck_assert_int_eq(spool_drop(sp, is), 0);
	ck_assert_int_eq(spool_delivered(sp, is, 3000), 0);
	ck_assert_int_eq(spool_retry_later(sp, is, 3000, "x"), 0);
	ck_assert_int_eq(spool_get_delivery(sp, is, &d), 0);
}
END_TEST

START_TEST(test_requeue)
{
	int64_t id, other;
	struct spool_delivery d, out[2];
	const char *const two[] = { "hook", "slack" };

	alert("A", 3, 1000, 1000, two, 2); /* expires 1000 + DAY_MS */
	id = delivery_id("A", "hook");
	other = delivery_id("A", "slack");
	ck_assert_int_eq(spool_retry_later(sp, id, 2000, "HTTP 500"), 0);
	ck_assert_int_eq(spool_retry_later(sp, id, 3000, "HTTP 500"), 0);
	ck_assert_int_eq(spool_dead(sp, id, 1000 + DAY_MS, "expired after 2 attempts"), 0);

	ck_assert_int_eq(spool_requeue(sp, other, 5000), -1);
	ck_assert_str_eq(spool_error(sp),
	    "delivery 2 is pending, not dead: only dead deliveries can be retried");
	ck_assert_int_eq(spool_requeue(sp, 999, 5000), -1);
	ck_assert_str_eq(spool_error(sp), "no delivery 999");

	ck_assert_int_eq(spool_requeue(sp, id, 10 * DAY_MS), 0);
	d = get(id);
	ck_assert_int_eq(d.state, SPOOL_PENDING);
	ck_assert_int_eq(d.attempts, 0);
	ck_assert_int_eq(d.due_ms, 10 * DAY_MS);
	ck_assert_int_eq(d.expires_ms, 11 * DAY_MS);
	ck_assert_int_eq(d.done_ms, 0);
	ck_assert_int_eq(d.created_ms, 1000);
	ck_assert_str_eq(d.last_error, "expired after 2 attempts");
	spool_delivery_free(&d);
	ck_assert_int_eq(spool_due(sp, "hook", 10 * DAY_MS, NULL, 0, out, 2), 1);
	spool_delivery_free(&out[0]);

	/* dies again, requeued again: the time to live does not grow */
	ck_assert_int_eq(spool_dead(sp, id, 11 * DAY_MS, "expired"), 0);
	ck_assert_int_eq(spool_requeue(sp, id, 20 * DAY_MS), 0);
	d = get(id);
	ck_assert_int_eq(d.expires_ms, 21 * DAY_MS);
	spool_delivery_free(&d);

	/* all dead letters, or one receiver's */
	ck_assert_int_eq(spool_dead(sp, id, 21 * DAY_MS, "x"), 0);
	ck_assert_int_eq(spool_dead(sp, other, 21 * DAY_MS, "y"), 0);
	ck_assert_int_eq(spool_requeue_dead(sp, "slack", 30 * DAY_MS), 1);
	d = get(id);
	ck_assert_int_eq(d.state, SPOOL_DEAD);
	spool_delivery_free(&d);
	ck_assert_int_eq(spool_requeue_dead(sp, NULL, 30 * DAY_MS), 1);
	ck_assert_int_eq(spool_requeue_dead(sp, NULL, 30 * DAY_MS), 0);
	d = get(id);
	ck_assert_int_eq(d.state, SPOOL_PENDING);
	spool_delivery_free(&d);
}
END_TEST

START_TEST(test_drop)
{
	int64_t id;
	struct spool_counts c;
	struct spool_delivery d;

	alert("A", 3, 1000, 1000, rcv3, 3);
	id = delivery_id("A", "slack");
	ck_assert_int_eq(spool_drop(sp, id), 0);
	ck_assert_int_eq(spool_get_delivery(sp, id, &d), 0);
	ck_assert_int_eq(spool_drop(sp, id), -1);
	ck_assert_str_eq(spool_error(sp), "no delivery 2");
	ck_assert_int_eq(spool_counts(sp, NULL, &c), 0);
	ck_assert_int_eq(c.pending, 2);
	ck_assert_int_eq(c.alerts, 1);
	/* ids are never reused: a new delivery does not take a dropped id */
	ck_assert_int_eq(spool_drop(sp, delivery_id("A", "hook")), 0);
	alert("B", 3, 1000, 1000, rcv3 + 2, 1);
	ck_assert_int_eq(delivery_id("B", "hook"), 4);
}
END_TEST

START_TEST(test_prune)
{
	int64_t m1, a, b;
	struct spool_counts c;

	/* A: delivered long ago, with a mention; B: one dead letter, same age */
	m1 = mention("m1", 2, 1000);
	a = alert("A", 2, 1000, 1000, rcv3, 1);
	ck_assert_int_ge(spool_tie_mentions(sp, a, "g", m1), 1);
	ck_assert_int_eq(spool_delivered(sp, delivery_id("A", "console"), 1500), 0);
	b = alert("B", 2, 1000, 1000, rcv3 + 1, 1);
	ck_assert_int_gt(b, 0);
	ck_assert_int_eq(spool_dead(sp, delivery_id("B", "slack"), 1500, "HTTP 400"), 0);
	/* C: delivered, but newer than the cutoff */
	alert("C", 2, 5000, 5000, rcv3, 1);
	ck_assert_int_eq(spool_delivered(sp, delivery_id("C", "console"), 5500), 0);

	ck_assert_int_eq(spool_prune(sp, 4000), 1);	/* only A goes */
	ck_assert_int_eq(sql_int("SELECT count(*) FROM mentions"), 0);
	ck_assert_int_eq(spool_counts(sp, NULL, &c), 0);
	ck_assert_int_eq(c.alerts, 2);
	ck_assert_int_eq(c.dead, 1);		/* dead letters wait for an operator */
	ck_assert_int_eq(c.delivered, 1);
	ck_assert_int_eq(spool_prune(sp, 4000), 0);
}
END_TEST

struct listing {
	int n;
	char ids[8][16];
	int mentions[8], delivered[8], pending[8], dead[8];
};

static void
collect_delivery(void *arg, const struct spool_delivery *d)
{
	struct listing *l = arg;

	snprintf(l->ids[l->n], sizeof(l->ids[0]), "%s.%s", d->alert_id, d->receiver);
	/* the callback may use the spool: rows were read before it runs */
	ck_assert_int_eq(spool_cursor_set(sp, "list", d->receiver), 0);
	l->n++;
}

static void
collect_alert(void *arg, const struct spool_alert *a)
{
	struct listing *l = arg;

	snprintf(l->ids[l->n], sizeof(l->ids[0]), "%s", a->alert_id);
	l->mentions[l->n] = a->mentions;
	l->delivered[l->n] = a->delivered;
	l->pending[l->n] = a->pending;
	l->dead[l->n] = a->dead;
	ck_assert_str_eq(a->team, "tech");
	l->n++;
}

START_TEST(test_listings)
{
	struct listing l;
	int64_t rows[2], exp[3] = { DAY_MS, DAY_MS, DAY_MS };

	rows[0] = mention("m1", 2, 100);
	rows[1] = mention("m2", 2, 200);
	ck_assert_int_gt(spool_add_alert(sp, "A", "g", 2, "tech", 1000, "{}", rows, 2, rcv3, exp,
			     3, 1000), 0);
	alert("B", 3, 2000, 2000, rcv3, 2);
	ck_assert_int_eq(spool_delivered(sp, delivery_id("A", "console"), 1100), 0);
	ck_assert_int_eq(spool_dead(sp, delivery_id("A", "hook"), 1100, "gone"), 0);

	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(spool_list_alerts(sp, 10, collect_alert, &l), 0);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.ids[0], "B");
	ck_assert_int_eq(l.pending[0], 2);
	ck_assert_int_eq(l.mentions[0], 0);
	ck_assert_str_eq(l.ids[1], "A");
	ck_assert_int_eq(l.mentions[1], 2);
	ck_assert_int_eq(l.delivered[1], 1);
	ck_assert_int_eq(l.pending[1], 1);
	ck_assert_int_eq(l.dead[1], 1);
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(spool_list_alerts(sp, 1, collect_alert, &l), 0);
	ck_assert_int_eq(l.n, 1);

	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(spool_list_deliveries(sp, -1, 10, collect_delivery, &l), 0);
	ck_assert_int_eq(l.n, 5);
	ck_assert_str_eq(l.ids[0], "B.slack");
	ck_assert_str_eq(l.ids[4], "A.console");
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(spool_list_deliveries(sp, SPOOL_PENDING, 2, collect_delivery, &l), 0);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.ids[0], "B.slack");
	ck_assert_str_eq(l.ids[1], "B.console");
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(spool_list_deliveries(sp, SPOOL_DEAD, 10, collect_delivery, &l), 0);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.ids[0], "A.hook");
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(spool_list_deliveries(sp, -1, 0, collect_delivery, &l), 0);
	ck_assert_int_eq(l.n, 0);
}
END_TEST

START_TEST(test_cursors)
{
	char *v;

	ck_assert_ptr_null(spool_cursor_get(sp, "mastodon"));
	ck_assert_int_eq(spool_cursor_set(sp, "mastodon", "1100"), 0);
	ck_assert_int_eq(spool_cursor_set(sp, "file", "4096"), 0);
	v = spool_cursor_get(sp, "mastodon");
	ck_assert_str_eq(v, "1100");
	free(v);
	ck_assert_int_eq(spool_cursor_set(sp, "mastodon", "1200"), 0);
	reopen();
	v = spool_cursor_get(sp, "mastodon");
	ck_assert_str_eq(v, "1200");
	free(v);
	v = spool_cursor_get(sp, "file");
	ck_assert_str_eq(v, "4096");
	free(v);
}
END_TEST

START_TEST(test_survives_reopen)
{
	struct spool_counts c;
	struct spool_delivery d;
	int64_t m;

	m = mention("m1", 4, 100);
	mention("m2", 4, 200);
	ck_assert_int_gt(spool_add_alert(sp, "A", "g", 4, "tech", 1000, "{\"a\":1}", &m, 1, rcv3,
			     (const int64_t[]){ 5000, 6000, 7000 }, 3, 1000), 0);
	ck_assert_int_eq(spool_retry_later(sp, delivery_id("A", "slack"), 3000, "HTTP 502"), 0);
	ck_assert_int_eq(spool_cursor_set(sp, "demo", "7"), 0);
	reopen();
	ck_assert_int_eq(spool_counts(sp, NULL, &c), 0);
	ck_assert_int_eq(c.pending, 3);
	ck_assert_int_eq(c.pending_mentions, 1);
	ck_assert_int_eq(c.alerts, 1);
	d = get(delivery_id("A", "slack"));
	ck_assert_int_eq(d.attempts, 1);
	ck_assert_int_eq(d.due_ms, 3000);
	ck_assert_int_eq(d.expires_ms, 6000);
	ck_assert_str_eq(d.last_error, "HTTP 502");
	ck_assert_str_eq(d.alert_json, "{\"a\":1}");
	spool_delivery_free(&d);
}
END_TEST

START_TEST(test_readonly)
{
	char missing[256], want[512];
	struct spool *ro;
	struct spool_counts c;

	snprintf(missing, sizeof(missing), "%s/nope.db", dir);
	ck_assert_ptr_null(spool_open(missing, 1, err, sizeof(err)));
	snprintf(want, sizeof(want), "no spool at %s: has keluhd run with this config?", missing);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(access(missing, F_OK), -1); /* nothing created */

	/* An empty file is no spool either, and stays untouched. */
	fclose(fopen(missing, "w"));
	ck_assert_ptr_null(spool_open(missing, 1, err, sizeof(err)));
	ck_assert_str_eq(err, want);

	alert("A", 3, 1000, 1000, rcv3, 1);
	ro = spool_open(path, 1, err, sizeof(err));
	ck_assert_msg(ro != NULL, "%s", err);
	ck_assert_int_eq(spool_counts(ro, NULL, &c), 0);
	ck_assert_int_eq(c.pending, 1);
	ck_assert_int_eq(spool_drop(ro, 1), -1);
	ck_assert_msg(strstr(spool_error(ro), "readonly") || strstr(spool_error(ro), "read-only"),
	              "%s", spool_error(ro));
	ck_assert_int_eq(spool_counts(sp, NULL, &c), 0);
	ck_assert_int_eq(c.pending, 1);
	spool_close(ro);
}
END_TEST

START_TEST(test_refuses_foreign_and_newer)
{
	char other[256];
	sqlite3 *db;

	snprintf(other, sizeof(other), "%s/other.db", dir);
	ck_assert_int_eq(sqlite3_open(other, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_ptr_null(spool_open(other, 0, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "not a keluh spool"));

	spool_close(sp);
	sp = NULL;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_ptr_null(spool_open(path, 0, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "newer keluh"));
}
END_TEST

START_TEST(test_txn_batch)
{
	struct spool *ro;
	struct spool_counts c;
	int64_t bad = 12345;

	ck_assert_int_eq(spool_commit(sp), 0); /* none open: no-op */
	ck_assert_int_eq(spool_begin(sp), 0);
	ck_assert_int_eq(spool_begin(sp), 0); /* already open: no-op */
	ck_assert_int_eq(spool_in_txn(sp), 1);
	mention("m1", 2, 100);
	alert("A", 3, 1000, 1000, rcv3, 3);
	/* a failed alert inside the batch takes nothing else with it */
	ck_assert_int_eq(spool_add_alert(sp, "B", "g", 3, NULL, 1, "{}", &bad, 1, rcv3,
			     (const int64_t[]){ 1 }, 1, 1), -1);
	ck_assert_int_eq(spool_in_txn(sp), 1);
	ck_assert_int_eq(spool_cursor_set(sp, "demo", "1"), 0);

	/* nothing visible to another connection before the commit */
	ro = spool_open(path, 1, err, sizeof(err));
	ck_assert_msg(ro != NULL, "%s", err);
	ck_assert_int_eq(spool_counts(ro, NULL, &c), 0);
	ck_assert_int_eq(c.alerts, 0);
	ck_assert_int_eq(c.pending_mentions, 0);

	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_in_txn(sp), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_counts(ro, NULL, &c), 0);
	ck_assert_int_eq(c.alerts, 1);
	ck_assert_int_eq(c.pending, 3);
	ck_assert_int_eq(c.pending_mentions, 1);
	spool_close(ro);
}
END_TEST

START_TEST(test_uncommitted_close_rolls_back)
{
	struct spool_counts c;
	char *v;

	mention("kept", 2, 50);
	ck_assert_int_eq(spool_cursor_set(sp, "demo", "1"), 0);
	ck_assert_int_eq(spool_begin(sp), 0);
	mention("lost", 2, 100);
	alert("A", 3, 1000, 1000, rcv3, 3);
	ck_assert_int_eq(spool_cursor_set(sp, "demo", "2"), 0);
	reopen(); /* close without commit */
	ck_assert_int_eq(spool_counts(sp, NULL, &c), 0);
	ck_assert_int_eq(c.alerts, 0);
	ck_assert_int_eq(c.pending, 0);
	ck_assert_int_eq(c.pending_mentions, 1);
	v = spool_cursor_get(sp, "demo");
	ck_assert_str_eq(v, "1");
	free(v);
}
END_TEST

/*
 * A process that dies inside a transaction, after enough writes that
 * SQLite spilled uncommitted pages into the WAL: the next open must see
 * exactly what was committed.
 */
START_TEST(test_crash_mid_transaction)
{
	char walpath[300], big[4096];
	struct stat stwal;
	struct spool_counts c;
	struct mentions_seen ms;
	pid_t pid;
	int status;
	char *v;

	spool_close(sp); /* never carry a connection across fork() */
	sp = NULL;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct spool *s = spool_open(path, 0, err, sizeof(err));
		int64_t exp[3] = { DAY_MS, DAY_MS, DAY_MS }, m;

		if (s == NULL)
			_exit(10);
		if ((m = spool_add_mention(s, "kept", "g", 2, 1, "{}")) < 0 ||
		    spool_cursor_set(s, "demo", "committed") < 0)
			_exit(11);
		if (spool_begin(s) < 0)
			_exit(12);
		for (int i = 0; i < 2000; i++)
			if (spool_add_mention(s, "lost", "g", 2, 2 + i, big) < 0)
				_exit(13);
		if (spool_add_alert(s, "A", "g", 3, "tech", 5, "{}", &m, 1, rcv3, exp, 3, 5) < 0 ||
		    spool_cursor_set(s, "demo", "uncommitted") < 0)
			_exit(14);
		_exit(0); /* no commit, no close */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	/* the uncommitted frames really reached the disk */
	snprintf(walpath, sizeof(walpath), "%s-wal", path);
	ck_assert_int_eq(stat(walpath, &stwal), 0);
	ck_assert_int_gt(stwal.st_size, 2 * 1024 * 1024);

	sp = spool_open(path, 0, err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
	ms = pending();
	ck_assert_uint_eq(ms.n, 1);
	ck_assert_str_eq(ms.id[0], "kept");
	ck_assert_int_eq(spool_counts(sp, NULL, &c), 0);
	ck_assert_int_eq(c.alerts, 0);
	ck_assert_int_eq(c.pending, 0);
	v = spool_cursor_get(sp, "demo");
	ck_assert_str_eq(v, "committed");
	free(v);
	ck_assert_str_eq(sql_text("PRAGMA integrity_check", walpath, sizeof(walpath)), "ok");
	/* and the spool goes on working */
	mention("after", 2, 10);
	ck_assert_uint_eq(pending().n, 2);
}
END_TEST

struct silences_seen {
	size_t n;
	int64_t id[8], ended[8], suppressed[8];
	char by[8][32];
};

static void
collect_silence(void *arg, const struct spool_silence *x)
{
	struct silences_seen *ss = arg;

	ck_assert_uint_lt(ss->n, 8);
	ss->id[ss->n] = x->id;
	ss->ended[ss->n] = x->ended_ms;
	ss->suppressed[ss->n] = x->suppressed;
	snprintf(ss->by[ss->n], sizeof(ss->by[0]), "%s", x->created_by);
	ss->n++;
}

START_TEST(test_silences)
{
	struct silences_seen ss;
	int64_t a, b, c;

	a = spool_add_silence(sp, "{\"team\":\"tech\"}", "ana", "deploy", 1000, 5000);
	b = spool_add_silence(sp, "{\"rule\":\"x.*\"}", "budi", "noise", 2000, 9000);
	ck_assert_int_gt(a, 0);
	ck_assert_int_gt(b, a);
	ck_assert_int_eq(spool_silence_suppressed(sp, a, 2), 0);
	ck_assert_int_eq(spool_silence_suppressed(sp, a, 1), 0);
	memset(&ss, 0, sizeof(ss));
	ck_assert_int_eq(spool_list_silences(sp, 0, 10, collect_silence, &ss), 0);
	ck_assert_uint_eq(ss.n, 2);
	ck_assert_int_eq(ss.id[0], b); /* newest first */
	ck_assert_int_eq(ss.suppressed[1], 3);
	ck_assert_str_eq(ss.by[1], "ana");
	ck_assert_int_eq(ss.ended[1], 0);

	/* ending: once */
	ck_assert_int_eq(spool_end_silence(sp, a, 6000, "timer"), 1);
	ck_assert_int_eq(spool_end_silence(sp, a, 7000, "timer"), 0);
	ck_assert_int_eq(spool_end_silence(sp, 999, 7000, "timer"), 0);
	memset(&ss, 0, sizeof(ss));
	ck_assert_int_eq(spool_list_silences(sp, 0, 10, collect_silence, &ss), 0);
	ck_assert_uint_eq(ss.n, 1);
	memset(&ss, 0, sizeof(ss));
	ck_assert_int_eq(spool_list_silences(sp, 1, 10, collect_silence, &ss), 0);
	ck_assert_uint_eq(ss.n, 2);
	ck_assert_int_eq(ss.ended[1], 6000);

	/* an id is never given again, even after pruning */
	ck_assert_int_ge(spool_prune(sp, 10000), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM silences"), 1);
	c = spool_add_silence(sp, "{\"team\":\"x\"}", "ana", "r", 3000, 9000);
	ck_assert_int_gt(c, b);
	reopen();
	memset(&ss, 0, sizeof(ss));
	ck_assert_int_eq(spool_list_silences(sp, 0, 10, collect_silence, &ss), 0);
	ck_assert_uint_eq(ss.n, 2);
}
END_TEST

/* A spool of version 2 gets the silences table, and keeps what it had. */
/*
 * Deferred sync: a batch commits at once and is reported durable by the
 * thread (the pipe wakes the caller); writes outside a batch and
 * spool_sync_now work as before; what was committed is there after close.
 */
START_TEST(test_deferred_sync)
{
	struct spool *ro;
	struct spool_counts c;
	struct pollfd pfd;
	uint64_t done = 0;
	int e = 0;

	ck_assert_int_eq(spool_defer_sync(sp), 0);
	ck_assert_int_ge(spool_sync_fd(sp), 0);
	ck_assert_int_eq(spool_defer_sync(sp), 0); /* twice: no-op */
	ck_assert_uint_eq(spool_commit_seq(sp), 0);
	ck_assert_int_eq(spool_sync_request(sp), 0); /* nothing committed yet */

	for (int i = 1; i <= 3; i++) {
		char id[16];

		snprintf(id, sizeof(id), "m%d", i);
		ck_assert_int_eq(spool_begin(sp), 0);
		mention(id, 2, 100 + i);
		ck_assert_int_eq(spool_commit(sp), 0);
		ck_assert_uint_eq(spool_commit_seq(sp), (uint64_t)i);
		ck_assert_int_eq(spool_sync_request(sp), 0);
	}
	pfd.fd = spool_sync_fd(sp);
	pfd.events = POLLIN;
	while (done < 3) {
		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		done = spool_synced(sp, &e);
		ck_assert_int_eq(e, 0);
	}
	ck_assert_uint_eq(done, 3);

	/* outside a batch: written as before, and the batch level is not left behind */
	ck_assert_int_eq(spool_cursor_set(sp, "demo", "7"), 0);
	ck_assert_int_eq(spool_begin(sp), 0);
	mention("m4", 2, 200);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_sync_now(sp), 0);
	ck_assert_uint_eq(spool_synced(sp, &e), 4);

	ro = spool_open(path, 1, err, sizeof(err));
	ck_assert_msg(ro != NULL, "%s", err);
	ck_assert_int_eq(spool_counts(ro, NULL, &c), 0);
	ck_assert_int_eq(c.pending_mentions, 4);
	spool_close(ro);
	spool_close(sp);
	sp = spool_open(path, 0, err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
	ck_assert_int_eq(spool_counts(sp, NULL, &c), 0);
	ck_assert_int_eq(c.pending_mentions, 4);
	{
		char *v = spool_cursor_get(sp, "demo");

		ck_assert_str_eq(v, "7");
		free(v);
	}
}
END_TEST

/*
 * With deferred sync a thread checkpoints the WAL, and under a load that
 * never pauses the WAL still starts over once it passes its bound
 * (16,000 pages): it does not grow with what was written.
 */
/*
 * A delivery is due only once its row is durable: with deferred sync,
 * not between the commit and its sync; a batch that was lost leaves none
 * behind; a probe is a write of its own.
 */
START_TEST(test_due_waits_for_sync)
{
	struct spool_delivery out[4];
	struct pollfd pfd;
	uint64_t seq;
	int e = 0;

	ck_assert_int_eq(spool_defer_sync(sp), 0);
	pfd.fd = spool_sync_fd(sp);
	pfd.events = POLLIN;
	ck_assert_int_eq(spool_begin(sp), 0);
	alert("a1", 2, 1000, 1000, rcv1, 1);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_due(sp, "r", 5000, NULL, 0, out, 4), 0);
	ck_assert_int_eq(spool_next_due(sp, "r"), INT64_MAX);
	ck_assert_int_eq(spool_sync_request(sp), 0);
	seq = spool_commit_seq(sp);
	while (spool_synced(sp, &e) < seq) {
		ck_assert_int_eq(e, 0);
		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	}
	ck_assert_int_eq(spool_next_due(sp, "r"), 1000);
	ck_assert_int_eq(spool_due(sp, "r", 5000, NULL, 0, out, 4), 1);
	spool_delivery_free(&out[0]);

	/* written outside a batch: synced before it returns */
	alert("a2", 2, 1000, 1000, rcv1, 1);
	ck_assert_int_eq(spool_due(sp, "r", 5000, NULL, 0, out, 4), 2);
	spool_delivery_free(&out[0]);
	spool_delivery_free(&out[1]);

	ck_assert_int_eq(spool_probe(sp), 0);
	ck_assert_int_eq(spool_in_txn(sp), 1);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_uint_eq(spool_commit_seq(sp), seq + 1);
	ck_assert_int_eq(spool_sync_now(sp), 0);
	ck_assert_int_eq(sql_int("PRAGMA user_version"), 9);
}
END_TEST

START_TEST(test_deferred_sync_checkpoints)
{
	enum { TEXT = 256 * 1024, BATCHES = 600 };
	char wal[300], id[32], *json = malloc(TEXT + 64);
	struct spool_counts c;
	struct pollfd pfd;
	struct stat st;
	unsigned hits = 0;
	int failed, e;

	ck_assert_ptr_nonnull(json);
	ck_assert_int_eq(spool_defer_sync(sp), 0);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	pfd.fd = spool_sync_fd(sp);
	pfd.events = POLLIN;
	/* 600 batches of 256 KiB, about 150 MB, over twice the bound */
	for (int i = 1; i <= BATCHES; i++) {
		int n = snprintf(json, TEXT + 64, "{\"id\":\"m%d\",\"text\":\"", i);

		memset(json + n, 'a' + i % 26, TEXT);
		memcpy(json + n + TEXT, "\"}", 3);
		snprintf(id, sizeof(id), "m%d", i);
		ck_assert_int_eq(spool_begin(sp), 0);
		ck_assert_int_gt(spool_add_mention(sp, id, "g", 2, i, json), 0);
		ck_assert_int_eq(spool_commit(sp), 0);
		ck_assert_int_eq(spool_sync_request(sp), 0);
		while (spool_synced(sp, &e) < (uint64_t)i) {
			ck_assert_int_eq(e, 0);
			ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		}
		hits += spool_wal_bound_hits(sp, &failed);
		ck_assert_msg(!failed, "%s", spool_error(sp));
	}
	ck_assert_uint_ge(hits, 1);
	ck_assert_int_eq(stat(wal, &st), 0);
	/* the bound and what came in while the last passive checkpoint ran */
	ck_assert_int_lt(st.st_size, (off_t)(16000 + 4000 + 2000) * 4096);
	ck_assert_int_eq(spool_counts(sp, NULL, &c), 0);
	ck_assert_int_eq(c.pending_mentions, BATCHES);
	free(json);
}
END_TEST

START_TEST(test_upgrade_v2)
{
	sqlite3 *db;

	mention("m1", 2, 1000);
	spool_close(sp);
	sp = NULL;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, UNDO_V6 "DROP TABLE silences; PRAGMA user_version = 2", NULL,
			     NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	reopen();
	ck_assert_int_eq(sql_int("PRAGMA user_version"), 9);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM mentions"), 1);
	ck_assert_int_gt(spool_add_silence(sp, "{}", "a", "r", 1, 2), 0);
}
END_TEST

/*
 * v4: rule texts named by id. A v3 spool gets the table; its rows keep
 * their texts inline and stay as they are.
 */
START_TEST(test_upgrade_v3_rule_texts)
{
	const char *t1 = "{\"id\":\"a\",\"description\":\"A\",\"score\":5}";
	const char *t2 = "{\"id\":\"a\",\"description\":\"A, edited\",\"score\":5}";
	char json[128];
	int64_t id1, id2;
	char *v;
	sqlite3 *db;

	ck_assert_int_gt(spool_add_mention(sp, "old", "g", 2, 1,
			     "{\"rule_info\":[{\"id\":\"a\"}],\"entry\":{}}"), 0);
	spool_close(sp);
	sp = NULL;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, UNDO_V6 "DROP TABLE rule_texts; PRAGMA user_version = 3", NULL,
			     NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	reopen();
	ck_assert_int_eq(sql_int("PRAGMA user_version"), 9);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM mentions WHERE json LIKE '%rule_info%'"), 1);
	/* pending mentions are no longer in mentions_alert */
	ck_assert_int_eq(sql_int("SELECT count(*) FROM sqlite_master WHERE name = 'mentions_alert' "
				 "AND sql LIKE '%WHERE alert_rowid IS NOT NULL'"), 1);

	ck_assert_int_eq(spool_begin(sp), 0);
	id1 = spool_rule_text(sp, t1);
	ck_assert_int_gt(id1, 0);
	ck_assert_int_eq(spool_rule_text(sp, t1), id1); /* the same text: the same id */
	id2 = spool_rule_text(sp, t2);
	ck_assert_int_gt(id2, 0);
	ck_assert_int_ne(id2, id1);
	snprintf(json, sizeof(json), "{\"rule_refs\":[%lld],\"entry\":{}}", (long long)id1);
	ck_assert_int_gt(spool_add_mention(sp, "new", "g", 2, 2, json), 0);
	ck_assert_int_eq(spool_commit(sp), 0);

	v = spool_rule_text_get(sp, id1);
	ck_assert_str_eq(v, t1);
	free(v);
	ck_assert_ptr_null(spool_rule_text_get(sp, id2 + 100));
	/* only the text a pending mention names stays */
	ck_assert_int_eq(spool_prune_rule_texts(sp), 1);
	v = spool_rule_text_get(sp, id1);
	ck_assert_str_eq(v, t1);
	free(v);
	ck_assert_ptr_null(spool_rule_text_get(sp, id2));

	ck_assert_uint_eq(spool_rollbacks(sp), 0);
}
END_TEST

/*
 * A backend that keeps nothing and counts what it is asked: the interface
 * must hand each call to the backend it opened, with its arguments.
 */
struct fake_spool {
	struct spool base;
	int begins, commits, probes, mentions, dead, dead_tried;
	int txn;
	char path[64];
};

static int fake_closed;

static struct spool *
fake_open(const char *p, int readonly, char *e, size_t elen)
{
	struct fake_spool *f;

	(void)readonly;
	if (strncmp(p, "fake:", 5) != 0) {
		snprintf(e, elen, "fake: %s is not mine", p);
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	ck_assert_ptr_nonnull(f);
	snprintf(f->path, sizeof(f->path), "%s", p);
	return &f->base;
}

static void
fake_close(struct spool *s)
{
	fake_closed++;
	free(s);
}

static int
fake_begin(struct spool *s)
{
	struct fake_spool *f = (struct fake_spool *)s;

	f->begins++;
	if (f->txn)
		return 0;
	f->txn = 1;
	return 1;
}

static int
fake_commit(struct spool *s)
{
	struct fake_spool *f = (struct fake_spool *)s;

	f->commits++;
	f->txn = 0;
	snprintf(s->err, sizeof(s->err), "fake: commit %d", f->commits);
	return -1;
}

static int
fake_in_txn(const struct spool *s)
{
	return ((const struct fake_spool *)s)->txn;
}

static int
fake_probe(struct spool *s)
{
	struct fake_spool *f = (struct fake_spool *)s;

	/* spool_probe opens the batch before it asks for the write */
	ck_assert_int_eq(f->txn, 1);
	f->probes++;
	return 0;
}

static int64_t
fake_add_mention(struct spool *s, const char *mention_id, const char *group_key, int priority,
    int64_t at_ms, const char *json)
{
	struct fake_spool *f = (struct fake_spool *)s;

	ck_assert_str_eq(mention_id, "m1");
	ck_assert_str_eq(group_key, "g");
	ck_assert_int_eq(priority, 3);
	ck_assert_int_eq(at_ms, 1234);
	ck_assert_str_eq(json, "{}");
	return 1000 + ++f->mentions;
}

static int
fake_dead(struct spool *s, int64_t id, int64_t at_ms, const char *reason, int tried)
{
	struct fake_spool *f = (struct fake_spool *)s;

	ck_assert_int_eq(id, 7);
	ck_assert_int_eq(at_ms, 8);
	ck_assert_str_eq(reason, "gone");
	if (tried)
		f->dead_tried++;
	else
		f->dead++;
	return 0;
}

/* Only what the test calls: the rest stays NULL, which spool_backend_missing names. */
static const struct spool_backend fake_backend = {
	.name = "fake",
	.scheme = "fake",
	.open = fake_open,
	.close = fake_close,
	.begin = fake_begin,
	.commit = fake_commit,
	.in_txn = fake_in_txn,
	.probe = fake_probe,
	.add_mention = fake_add_mention,
	.dead = fake_dead,
};

static void
count_begin(void *arg)
{
	(*(int *)arg)++;
}

START_TEST(test_dispatch_to_backend)
{
	struct spool *s;
	struct fake_spool *f;
	int hooks = 0;

	err[0] = '\0';
	ck_assert_ptr_null(spool_open_with(&fake_backend, "/nowhere", 0, err, sizeof(err)));
	ck_assert_str_eq(err, "fake: /nowhere is not mine");
	s = spool_open_with(&fake_backend, "fake:one", 0, err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_eq(s->be, &fake_backend);
	f = (struct fake_spool *)s;
	ck_assert_str_eq(f->path, "fake:one");

	spool_on_begin(s, count_begin, &hooks);
	ck_assert_int_eq(spool_in_txn(s), 0);
	ck_assert_int_eq(spool_begin(s), 0);
	ck_assert_int_eq(spool_begin(s), 0);
	ck_assert_int_eq(f->begins, 2);
	/* the hook runs when a batch is opened, not when one was open already */
	ck_assert_int_eq(hooks, 1);
	ck_assert_int_eq(spool_in_txn(s), 1);
	ck_assert_int_eq(spool_add_mention(s, "m1", "g", 3, 1234, "{}"), 1001);
	ck_assert_int_eq(spool_dead(s, 7, 8, "gone"), 0);
	ck_assert_int_eq(spool_dead_tried(s, 7, 8, "gone"), 0);
	ck_assert_int_eq(f->dead, 1);
	ck_assert_int_eq(f->dead_tried, 1);
	ck_assert_int_eq(spool_commit(s), -1);
	ck_assert_str_eq(spool_error(s), "fake: commit 1");
	ck_assert_int_eq(spool_in_txn(s), 0);

	/* a probe opens a batch (the hook runs again), then writes in it */
	ck_assert_int_eq(spool_probe(s), 0);
	ck_assert_int_eq(f->probes, 1);
	ck_assert_int_eq(f->begins, 3);
	ck_assert_int_eq(hooks, 2);

	fake_closed = 0;
	spool_close(s);
	ck_assert_int_eq(fake_closed, 1);
	spool_close(NULL);
	ck_assert_int_eq(fake_closed, 1);
}
END_TEST

START_TEST(test_backend_table)
{
	const char *missing;

	/* the fixture's spool, opened by path like the daemon's, is SQLite's (or PostgreSQL's) */
	ck_assert_ptr_eq(sp->be, spool_test_pg() ? &spool_pg : &spool_sqlite);
	ck_assert_ptr_eq(spool_backend_find(path), spool_test_pg() ? &spool_pg : &spool_sqlite);
	ck_assert_ptr_eq(spool_backend_find("postgresql:dbname=keluh"), &spool_pg);
	ck_assert_ptr_eq(spool_backend_find("postgresql.db"), &spool_sqlite);
	ck_assert_str_eq(spool_pg.scheme, "postgresql");
	missing = spool_backend_missing(&spool_pg);
	ck_assert_msg(missing == NULL, "the postgresql backend leaves %s unset", missing);
	ck_assert_ptr_eq(spool_backend_find("file:spool.db?mode=rwc"), &spool_sqlite);
	ck_assert_str_eq(spool_sqlite.name, "sqlite");
	ck_assert_ptr_null(spool_sqlite.scheme);
	/* every operation is set */
	missing = spool_backend_missing(&spool_sqlite);
	ck_assert_msg(missing == NULL, "the sqlite backend leaves %s unset", missing);
	/* and the check sees one that is not */
	ck_assert_str_eq(spool_backend_missing(&fake_backend), "rollbacks");
}
END_TEST

/* A spool path for people: a file as it is, a conninfo without its password. */
START_TEST(test_describe)
{
	char b[256];

	ck_assert_str_eq(spool_describe("/var/lib/keluh/spool.db", b, sizeof(b)),
	                 "/var/lib/keluh/spool.db");
	ck_assert_str_eq(spool_describe("postgresql:host=/run/x dbname=keluh user=keluh "
	                                "password=Sekr1t", b, sizeof(b)),
	                 "postgresql: user=keluh dbname=keluh host=/run/x");
	ck_assert_str_eq(spool_describe("postgresql:postgresql://keluh:Sekr1t@db1:5433/keluh", b,
	                                sizeof(b)),
	                 "postgresql: user=keluh dbname=keluh host=db1 port=5433");
	ck_assert_str_eq(spool_describe("postgresql:dbname='my db' password='a b'", b, sizeof(b)),
	                 "postgresql: dbname='my db'");
	ck_assert_str_eq(spool_describe("postgresql:dbname='unclosed", b, sizeof(b)),
	                 "postgresql: (a conninfo libpq cannot read)");
	/* cut short, never past the buffer */
	ck_assert_str_eq(spool_describe("postgresql:dbname=keluh user=keluh", b, 16),
	                 "postgresql: use");
}
END_TEST

/* A database of a newer keluh is refused, with what to do; an empty one is no spool to read. */
START_TEST(test_pg_refuses_newer_and_empty)
{
	spool_test_pg_exec(path, "UPDATE keluh_schema SET version = 99");
	spool_close(sp);
	sp = spool_open(path, 0, err, sizeof(err));
	ck_assert_ptr_null(sp);
	ck_assert_msg(strstr(err, "schema version 99") && strstr(err, "newer keluh"), "%s", err);
	spool_test_pg_exec(path, "UPDATE keluh_schema SET version = " PG_SCHEMA_TEXT);
	spool_test_pg_empty(path);
	ck_assert_ptr_null(spool_open(path, 1, err, sizeof(err)));
	ck_assert_str_eq(err, "no spool in PostgreSQL database keluh: has keluhd run with this "
	                      "config?");
	/* and reading made nothing */
	ck_assert_int_eq(sql_int("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), 0);
	reopen();
	ck_assert_int_eq(sql_int("SELECT version FROM keluh_schema"), PG_SCHEMA);
}
END_TEST

/*
 * The connection lost in a batch: the batch is gone, the writes after it
 * and its commit fail (never a half batch reported committed), and the
 * next batch reconnects by itself.
 */
/*
 * The rows a batch writes one per mention (on PostgreSQL kept in memory
 * and sent as one COPY at the first read, savepoint or commit): their ids
 * come at once and grow, every byte of their texts is kept, a read in the
 * batch sees them, and an operation that fails and is undone does not undo
 * them.
 */
START_TEST(test_batch_rows)
{
	static const char *const texts[] = {
	    "{\"text\":\"tab\\there\"}",
	    "line\nend\r\n",
	    "back\\slash \\N \\\\",
	    "\"quoted\" {a,b}",
	    "kata \xe2\x80\x94 emoji \xf0\x9f\x98\xa0",
	    "",
	};
	int64_t ids[100], alert_ids[1];
	struct mentions_seen ms;
	char mid[16];
	const char *recv[] = {"hook"};
	int64_t exp[] = {INT64_MAX};

	ck_assert_int_eq(spool_begin(sp), 0);
	for (int i = 0; i < 100; i++) {
		snprintf(mid, sizeof(mid), "b%d", i);
		ids[i] = spool_add_mention(sp, mid, i % 2 ? "g1" : "g2", 2, 1000 + i,
		                           texts[i % (sizeof(texts) / sizeof(texts[0]))]);
		ck_assert_msg(ids[i] > 0, "%s", spool_error(sp));
		ck_assert(i == 0 || ids[i] > ids[i - 1]);
	}
	memset(&ms, 0, sizeof(ms));
	ck_assert_int_eq(spool_mention_by_id(sp, "b99", collect_mention, &ms), 1);
	ck_assert_int_eq(ms.rowid[0], ids[99]);
	/* an alert that fails (a mention not pending) writes nothing, and keeps the rows */
	alert_ids[0] = ids[0] + 100000;
	ck_assert_int_eq(
	    spool_add_alert(sp, "a1", "g2", 2, NULL, 2000, "{}", alert_ids, 1, recv, exp, 1, 2000),
	    -1);
	ck_assert_int_eq(spool_tie_mentions(sp,
	                                    spool_add_alert(sp, "a2", "g2", 2, NULL, 2000, "{}",
	                                                    NULL, 0, recv, exp, 1, 2000),
	                                    "g2", ids[49]),
	                 25);
	ids[0] = spool_add_mention(sp, "late", "g1", 2, 3000, texts[0]);
	ck_assert_int_gt(ids[0], ids[99]);
	ck_assert_msg(spool_commit(sp) == 0, "%s", spool_error(sp));
	ck_assert_uint_eq(pending_count(), 76);
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		memset(&ms, 0, sizeof(ms));
		snprintf(mid, sizeof(mid), "b%zu", 50 + t);
		ck_assert_int_eq(spool_mention_by_id(sp, mid, collect_json, &ms), 1);
		ck_assert_str_eq(ms.id[0], texts[(50 + t) % (sizeof(texts) / sizeof(texts[0]))]);
	}
}
END_TEST

/*
 * Two daemons add the same rule texts in their open batches, in opposite
 * orders: neither waits for the other (a wait was a deadlock, or a text
 * neither added nor found), and both batches commit.
 */
START_TEST(test_pg_rule_texts_two_batches)
{
	struct spool *other = spool_open(path, 0, err, sizeof(err));
	int64_t a1, b1, a2, b2;
	char *v;

	ck_assert_msg(other != NULL, "%s", err);
	ck_assert_int_eq(spool_begin(sp), 0);
	ck_assert_int_eq(spool_begin(other), 0);
	a1 = spool_rule_text(sp, "{\"id\":\"a\"}");
	b2 = spool_rule_text(other, "{\"id\":\"b\"}");
	ck_assert_msg(a1 > 0 && b2 > 0, "%s / %s", spool_error(sp), spool_error(other));
	a2 = spool_rule_text(other, "{\"id\":\"a\"}");
	ck_assert_msg(a2 > 0, "%s", spool_error(other));
	b1 = spool_rule_text(sp, "{\"id\":\"b\"}");
	ck_assert_msg(b1 > 0, "%s", spool_error(sp));
	ck_assert_msg(spool_commit(other) == 0, "%s", spool_error(other));
	ck_assert_msg(spool_commit(sp) == 0, "%s", spool_error(sp));
	/* each id names its text; a text known to both is found again, not added */
	v = spool_rule_text_get(sp, a2);
	ck_assert_str_eq(v, "{\"id\":\"a\"}");
	free(v);
	v = spool_rule_text_get(other, b1);
	ck_assert_str_eq(v, "{\"id\":\"b\"}");
	free(v);
	ck_assert_int_eq(spool_rule_text(other, "{\"id\":\"a\"}"), a1 < a2 ? a1 : a2);
	spool_close(other);
}
END_TEST

START_TEST(test_pg_lost_connection)
{
	uint64_t lost = spool_rollbacks(sp);
	struct mentions_seen ms;

	ck_assert_int_eq(spool_begin(sp), 0);
	mention("m1", 2, 1000);
	spool_test_pg_exec(path, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
	                         "WHERE application_name = 'keluhd'");
	/*
	 * A batch's complaint rows wait in memory for its COPY: one added
	 * before the loss is seen is lost with the batch at the commit. The
	 * next round trip (here a read) finds the loss; every write after it
	 * fails at once.
	 */
	mention("m2", 2, 1001);
	memset(&ms, 0, sizeof(ms));
	ck_assert_int_eq(spool_mention_by_id(sp, "m1", collect_mention, &ms), -1);
	ck_assert_int_eq(spool_add_mention(sp, "m3", "g", 2, 1002, "{}"), -1);
	ck_assert_int_eq(spool_add_mention(sp, "m3b", "g", 2, 1002, "{}"), -1);
	ck_assert_msg(strstr(spool_error(sp), "nothing written since spool_begin was kept"), "%s",
	              spool_error(sp));
	ck_assert_int_eq(spool_commit(sp), -1);
	ck_assert_uint_eq(spool_rollbacks(sp), lost + 1);
	ck_assert_int_eq(spool_in_txn(sp), 0);
	ck_assert_msg(spool_begin(sp) == 0, "%s", spool_error(sp));
	mention("m4", 2, 1003);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_uint_eq(pending().n, 1);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM mentions"), 1);
	/* outside a batch a read reconnects too */
	spool_test_pg_exec(path, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
	                         "WHERE application_name = 'keluhd'");
	ck_assert_int_eq(spool_add_mention(sp, "m5", "g", 2, 1004, "{}"), -1);
	ck_assert_uint_eq(pending().n, 1);
}
END_TEST

/* ---- leases: two daemons on one PostgreSQL spool ----------------------- */

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct owners {
	int n;
	int64_t total;
};

static void
owner_count(void *arg, const char *owner, int64_t n)
{
	struct owners *o = arg;

	ck_assert_ptr_nonnull(owner);
	o->n++;
	o->total += n;
}

/* longer than a delivery's age (a day): the lease outlives it */
#define LEASE (3 * DAY_MS)

/* A second daemon's handle on the same database. */
static struct spool *
other_daemon(void)
{
	struct spool *sp2 = spool_open(path, 0, err, sizeof(err));

	ck_assert_msg(sp2 != NULL, "open: %s", err);
	return sp2;
}

START_TEST(test_pg_lease_claims)
{
	static const char *const r[] = { "r" };
	struct spool *sp2 = other_daemon();
	struct spool_delivery out[4], d;
	struct owners o = { 0 };
	int64_t t = wall_ms(), a, b, skip[1];
	char sql[160];

	ck_assert_int_eq(spool_set_lease(sp, "r", LEASE), 0);
	ck_assert_int_eq(spool_set_lease(sp2, "r", LEASE), 0);
	alert("A", 3, t - 10, t - 10, r, 1);
	alert("B", 1, t - 5, t - 5, r, 1);
	a = delivery_id("A", "r");
	b = delivery_id("B", "r");

	/* one claims A; the other sees only B, and then nothing */
	ck_assert_int_eq(spool_due(sp, "r", t, NULL, 0, out, 1), 1);
	ck_assert_int_eq(out[0].id, a);
	spool_delivery_free(&out[0]);
	ck_assert_int_eq(spool_due(sp2, "r", t, NULL, 0, out, 4), 1);
	ck_assert_int_eq(out[0].id, b);
	spool_delivery_free(&out[0]);
	skip[0] = b;
	ck_assert_int_eq(spool_due(sp2, "r", t, skip, 1, out, 4), 0);
	ck_assert_int_eq(spool_first_due(sp2, "r", skip, 1, &d), 0);
	ck_assert_int_eq(spool_lease_counts(sp, owner_count, &o), 0);
	ck_assert_int_eq(o.n, 2);
	ck_assert_int_eq(o.total, 2);

	/* leased elsewhere: due when the lease ends; left alone by make_due and expire (past its age) */
	ck_assert_int_eq(spool_retry_later(sp2, b, t + 5 * DAY_MS, "HTTP 500"), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM deliveries WHERE lease_owner IS NULL"), 1);
	ck_assert_int_eq(spool_next_due(sp2, "r"), t + LEASE);
	snprintf(sql, sizeof(sql), "UPDATE deliveries SET due_ms = %lld WHERE id = %lld",
	    (long long)(t + DAY_MS), (long long)a);
	spool_test_pg_exec(path, sql);
	ck_assert_int_eq(spool_make_due(sp2, "r", t), 1);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM deliveries WHERE due_ms > 0 AND "
	                         "lease_owner IS NOT NULL AND due_ms - created_ms > 3600000"), 1);
	ck_assert_int_eq(spool_expire(sp2, "r", t + 2 * DAY_MS, "HTTP 500"), 1);
	d = get(a);
	ck_assert_int_eq(d.state, SPOOL_PENDING);
	spool_delivery_free(&d);
	snprintf(sql, sizeof(sql), "UPDATE deliveries SET due_ms = %lld WHERE id = %lld",
	    (long long)(t - 10), (long long)a);
	spool_test_pg_exec(path, sql);

	/* its owner died: once the lease has expired, the other takes A over */
	ck_assert_int_eq(spool_due(sp2, "r", t + LEASE - 1, NULL, 0, out, 4), 0);
	ck_assert_int_eq(spool_due(sp2, "r", t + LEASE + 1, NULL, 0, out, 4), 1);
	ck_assert_int_eq(out[0].id, a);
	spool_delivery_free(&out[0]);
	ck_assert_int_eq(spool_delivered(sp2, a, t + LEASE + 2), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM deliveries WHERE lease_owner IS NULL "
	                         "AND lease_expires_ms IS NULL"), 2);
	spool_close(sp2);
}
END_TEST

/* A claim in an open batch locks its rows: the other daemon passes over them, never waits. */
START_TEST(test_pg_lease_skip_locked)
{
	static const char *const r[] = { "r" };
	struct spool *sp2 = other_daemon();
	struct spool_delivery out[4], d;
	int64_t t = wall_ms();

	alert("A", 1, t - 10, t - 10, r, 1);
	ck_assert_int_eq(spool_begin(sp), 0);
	ck_assert_int_eq(spool_due(sp, "r", t, NULL, 0, out, 4), 1);
	spool_delivery_free(&out[0]);
	/* not committed: the lease is not seen yet, the row lock is */
	ck_assert_int_eq(spool_due(sp2, "r", t, NULL, 0, out, 4), 0);
	ck_assert_int_eq(spool_first_due(sp2, "r", NULL, 0, &d), 0);
	ck_assert_int_eq(spool_make_due(sp2, "r", t - 100), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_due(sp2, "r", t, NULL, 0, out, 4), 0);
	spool_close(sp2);
}
END_TEST

/* Deliveries made due on one daemon wake the others (SPOOL_DUE_CHANNEL), at the commit. */
START_TEST(test_pg_due_notify)
{
	static const char *const r2[] = { "r", "s" };
	PGconn *c = PQconnectdb(path + strlen("postgresql:"));
	PGnotify *nt;
	PGresult *res;
	char got[64] = "";
	int64_t t = wall_ms();

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	res = PQexec(c, "LISTEN " SPOOL_DUE_CHANNEL);
	ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	ck_assert_int_eq(spool_begin(sp), 0);
	alert("A", 1, t, t, r2, 2);
	alert("B", 1, t, t, r2, 2);
	ck_assert_int_eq(PQconsumeInput(c), 1);
	ck_assert_ptr_null(PQnotifies(c));
	ck_assert_int_eq(spool_commit(sp), 0);
	/* one a receiver and batch */
	for (int i = 0; i < 50 && strlen(got) < 4; i++) {
		struct pollfd pfd = { PQsocket(c), POLLIN, 0 };

		poll(&pfd, 1, 100);
		ck_assert_int_eq(PQconsumeInput(c), 1);
		while ((nt = PQnotifies(c)) != NULL) {
			strncat(got, nt->extra, sizeof(got) - strlen(got) - 2);
			strcat(got, ",");
			PQfreemem(nt);
		}
	}
	ck_assert_str_eq(got, "r,s,");
	/* a dead letter retried by an operator, from anywhere */
	ck_assert_int_eq(spool_dead(sp, delivery_id("A", "s"), t, "HTTP 400"), 0);
	ck_assert_int_eq(spool_requeue(sp, delivery_id("A", "s"), t), 0);
	for (int i = 0; i < 50 && (nt = PQnotifies(c)) == NULL; i++) {
		struct pollfd pfd = { PQsocket(c), POLLIN, 0 };

		poll(&pfd, 1, 100);
		ck_assert_int_eq(PQconsumeInput(c), 1);
	}
	ck_assert_ptr_nonnull(nt);
	ck_assert_str_eq(nt->extra, "s");
	PQfreemem(nt);
	PQfinish(c);
}
END_TEST

/* One daemon writes a SQLite spool: nothing to lease, nothing counted. */
START_TEST(test_sqlite_no_leases)
{
	struct owners o = { 0 };

	ck_assert_int_eq(spool_set_lease(sp, "r", 1000), 0);
	ck_assert_int_eq(spool_lease_counts(sp, owner_count, &o), 0);
	ck_assert_int_eq(o.n, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("spool");
	TCase *tc = tcase_create("spool");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_open_create_reopen);
	tcase_add_test(tc, test_mentions_pending_oldest_first);
	tcase_add_test(tc, test_mention_by_id);
	tcase_add_test(tc, test_alert_ties_mentions);
	tcase_add_test(tc, test_tie_mentions_by_group);
	tcase_add_test(tc, test_due_order_and_skip);
	tcase_add_test(tc, test_next_due);
	tcase_add_test(tc, test_probe_drain_expire);
	tcase_add_test(tc, test_transitions_and_counts);
	tcase_add_test(tc, test_requeue);
	tcase_add_test(tc, test_drop);
	tcase_add_test(tc, test_prune);
	tcase_add_test(tc, test_listings);
	tcase_add_test(tc, test_cursors);
	tcase_add_test(tc, test_survives_reopen);
	tcase_add_test(tc, test_readonly);
	SPOOL_TEST_SQLITE_ONLY(tc, test_refuses_foreign_and_newer, "SQLite files and their application_id (pg: test_pg_refuses_newer)");
	tcase_add_test(tc, test_txn_batch);
	tcase_add_test(tc, test_uncommitted_close_rolls_back);
	SPOOL_TEST_SQLITE_ONLY(tc, test_crash_mid_transaction, "SQLite WAL spill of a dying process");
	tcase_add_test(tc, test_silences);
	SPOOL_TEST_SQLITE_ONLY(tc, test_upgrade_v2, "upgrades of SQLite spool files");
	SPOOL_TEST_SQLITE_ONLY(tc, test_upgrade_v3_rule_texts, "upgrades of SQLite spool files");
	SPOOL_TEST_SQLITE_ONLY(tc, test_deferred_sync, "PostgreSQL commits are durable when they return: no deferred sync");
	SPOOL_TEST_SQLITE_ONLY(tc, test_due_waits_for_sync, "PostgreSQL commits are durable when they return: no deferred sync");
	SPOOL_TEST_SQLITE_ONLY(tc, test_deferred_sync_checkpoints, "SQLite WAL checkpoints");
	tcase_add_test(tc, test_dispatch_to_backend);
	tcase_add_test(tc, test_backend_table);
	tcase_add_test(tc, test_describe);
	SPOOL_TEST_PG_ONLY(tc, test_pg_refuses_newer_and_empty);
	tcase_add_test(tc, test_batch_rows);
	SPOOL_TEST_PG_ONLY(tc, test_pg_rule_texts_two_batches);
	SPOOL_TEST_PG_ONLY(tc, test_pg_lost_connection);
	SPOOL_TEST_PG_ONLY_WHY(tc, test_pg_lease_claims, "one daemon writes a SQLite spool: no leases");
	SPOOL_TEST_PG_ONLY_WHY(tc, test_pg_lease_skip_locked, "one daemon writes a SQLite spool: no leases");
	SPOOL_TEST_PG_ONLY_WHY(tc, test_pg_due_notify, "one daemon writes a SQLite spool: nobody to wake");
	SPOOL_TEST_SQLITE_ONLY(tc, test_sqlite_no_leases, "see test_pg_lease_claims");
	suite_add_tcase(s, tc);
	return unit_run(s);
}
