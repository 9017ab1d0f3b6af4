/*
 * The spool's cases (schema v5): open, find, update, the timeline, the
 * alerts of a case, living messages whose pending edit survives a reopen
 * and is done once, the action link key, the listing through its index,
 * closed cases forgotten once no alert names them, the upgrade of a v4
 * spool; the span a report reads (v7: topics and the index on opened_ms)
 * and the upgrade of a v6 spool.
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
	snprintf(dir, sizeof(dir), "/tmp/keluh-cases.XXXXXX");
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
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql, msg);
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

static int64_t
add_alert(const char *id, const char *group, int64_t at)
{
	const char *recv[] = {"slack"};
	int64_t exp[] = {at + 1000};
	int64_t r = spool_add_alert(sp, id, group, 2, "cs", at, "{}", NULL, 0, recv, exp, 1, at);

	ck_assert_int_gt(r, 0);
	return r;
}

START_TEST(test_case_lifecycle)
{
	struct spool_case c;
	int64_t id, a1, a2;

	ck_assert_int_eq(spool_case_find(sp, "g1", &c), 0);
	ck_assert_int_eq(spool_begin(sp), 0);
	id = spool_case_open(sp, "g1", 3, "cs", 1000);
	ck_assert_int_gt(id, 0);
	a1 = add_alert("a1", "g1", 1000);
	a2 = add_alert("a2", "g1", 2000);
	ck_assert_int_eq(spool_case_tie_alert(sp, id, a1, 1000, 4), 1);
	ck_assert_int_eq(spool_case_tie_alert(sp, id, a2, 2000, 3), 1);
	/* an unknown case or alert ties nothing */
	ck_assert_int_eq(spool_case_tie_alert(sp, id + 50, a2, 2000, 3), 0);
	ck_assert_int_eq(spool_case_tie_alert(sp, id, a2 + 50, 2000, 3), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	reopen();

	ck_assert_int_eq(spool_case_find(sp, "g1", &c), 1);
	ck_assert_int_eq(c.id, id);
	ck_assert_str_eq(c.state, "open");
	ck_assert_str_eq(c.team, "cs");
	ck_assert_int_eq(c.priority, 3);
	ck_assert_int_eq(c.opened_ms, 1000);
	ck_assert_int_eq(c.total, 7);
	ck_assert_int_eq(c.last_alert_ms, 2000);
	ck_assert_ptr_null(c.acked_by);
	ck_assert_int_eq(c.acked_ms, 0);

	free(c.state);
	c.state = strdup("acknowledged");
	c.acked_ms = 3000;
	c.acked_by = strdup("Rina");
	c.note = strdup("on it");
	ck_assert_int_eq(spool_case_update(sp, &c), 1);
	spool_case_free(&c);
	ck_assert_int_eq(spool_case_get(sp, id, &c), 1);
	ck_assert_str_eq(c.state, "acknowledged");
	ck_assert_str_eq(c.acked_by, "Rina");
	ck_assert_str_eq(c.note, "on it");
	ck_assert_int_eq(c.acked_ms, 3000);
	ck_assert_int_eq(c.total, 7);
	c.id = id + 99;
	ck_assert_int_eq(spool_case_update(sp, &c), 0);
	/* a state outside the four is refused by the table */
	c.id = id;
	free(c.state);
	c.state = strdup("closed");
	ck_assert_int_eq(spool_case_update(sp, &c), -1);
	spool_case_free(&c);
	ck_assert_int_eq(spool_case_get(sp, id + 99, &c), 0);
}
END_TEST

struct seen {
	int n;
	int64_t ids[16];
	char text[16][64];
};

static void
seen_event(void *arg, const struct spool_case_event *e)
{
	struct seen *s = arg;

	snprintf(s->text[s->n], sizeof(s->text[0]), "%s/%s/%s/%s", e->kind, e->platform,
	         e->actor_name ? e->actor_name : "-", e->detail ? e->detail : "-");
	s->ids[s->n++] = e->at_ms;
}

static void
seen_alert(void *arg, const struct spool_alert *a)
{
	struct seen *s = arg;

	snprintf(s->text[s->n], sizeof(s->text[0]), "%s", a->alert_id);
	s->ids[s->n++] = a->rowid;
}

START_TEST(test_case_events_and_alerts)
{
	struct seen s = {0};
	int64_t id = spool_case_open(sp, "g", 2, NULL, 1);
	int64_t other = spool_case_open(sp, "h", 2, NULL, 1);

	ck_assert_int_gt(spool_case_event_add(sp, id, 10, "opened", "keluhd", NULL, NULL, NULL), 0);
	ck_assert_int_gt(spool_case_event_add(sp, other, 11, "opened", "keluhd", NULL, NULL, NULL),
	                 0);
	ck_assert_int_gt(
	    spool_case_event_add(sp, id, 20, "acknowledged", "slack", "U1", "Rina", "{\"x\":1}"),
	    0);
	ck_assert_int_eq(spool_case_events(sp, id, seen_event, &s), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.text[0], "opened/keluhd/-/-");
	ck_assert_str_eq(s.text[1], "acknowledged/slack/Rina/{\"x\":1}");
	ck_assert_int_eq(s.ids[1], 20);
	/* an event of no case is refused (foreign key) */
	ck_assert_int_eq(spool_case_event_add(sp, id + 99, 1, "opened", "keluhd", NULL, NULL, NULL),
	                 -1);

	memset(&s, 0, sizeof(s));
	spool_case_tie_alert(sp, id, add_alert("x1", "g", 5), 5, 1);
	add_alert("x2", "h", 6);
	spool_case_tie_alert(sp, id, add_alert("x3", "g", 7), 7, 1);
	ck_assert_int_eq(spool_case_alerts(sp, id, seen_alert, &s), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.text[0], "x1");
	ck_assert_str_eq(s.text[1], "x3");
}
END_TEST

static void
seen_message(void *arg, const struct spool_case_message *m)
{
	struct seen *s = arg;

	snprintf(s->text[s->n], sizeof(s->text[0]), "%s=%s:%lld/%lld", m->receiver, m->ref,
	         (long long)m->edit_seq, (long long)m->edited_seq);
	s->ids[s->n++] = m->id;
}

START_TEST(test_case_messages_edit_once)
{
	struct seen s = {0};
	int64_t id = spool_case_open(sp, "g", 2, NULL, 1), m1, m2;

	m1 = spool_case_message_add(sp, id, "slack", "C1:111.1", 10);
	m2 = spool_case_message_add(sp, id, "tg", "55:9", 11);
	ck_assert_int_gt(m1, 0);
	ck_assert_int_gt(m2, m1);
	/* the same receiver again replaces its reference, keeps its row */
	ck_assert_int_eq(spool_case_message_add(sp, id, "slack", "C1:222.2", 12), m1);
	ck_assert_int_eq(spool_case_edits_pending(sp, NULL, 10, seen_message, &s), 0);

	ck_assert_int_eq(spool_begin(sp), 0);
	ck_assert_int_eq(spool_case_touch(sp, id), 2);
	ck_assert_int_eq(spool_commit(sp), 0);
	/* the pending edit survives a restart */
	reopen();
	ck_assert_int_eq(spool_case_edits_pending(sp, "slack", 10, seen_message, &s), 1);
	ck_assert_str_eq(s.text[0], "slack=C1:222.2:1/0");
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_case_edits_pending(sp, NULL, 10, seen_message, &s), 2);
	/* an action while the edit is in flight leaves it pending once more */
	ck_assert_int_eq(spool_case_touch(sp, id), 2);
	ck_assert_int_eq(spool_case_message_edited(sp, m1, 1), 1);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_case_edits_pending(sp, "slack", 10, seen_message, &s), 1);
	ck_assert_str_eq(s.text[0], "slack=C1:222.2:2/1");
	ck_assert_int_eq(spool_case_message_edited(sp, m1, 2), 1);
	ck_assert_int_eq(spool_case_message_edited(sp, m2, 2), 1);
	/* a late report of an older edit does not make it pending again */
	ck_assert_int_eq(spool_case_message_edited(sp, m1, 1), 1);
	ck_assert_int_eq(spool_case_edits_pending(sp, NULL, 10, seen_message, &s), 0);
	ck_assert_int_eq(spool_case_message_edited(sp, m2 + 9, 1), 0);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_case_messages(sp, id, seen_message, &s), 2);
	ck_assert_str_eq(s.text[1], "tg=55:9:2/2");
}
END_TEST

START_TEST(test_action_key)
{
	unsigned char k1[SPOOL_ACTION_KEY_BYTES], k2[SPOOL_ACTION_KEY_BYTES];
	static const unsigned char zero[SPOOL_ACTION_KEY_BYTES];
	struct spool *ro;

	ck_assert_int_eq(spool_action_key(sp, k1), 0);
	ck_assert_int_ne(memcmp(k1, zero, sizeof(k1)), 0);
	reopen();
	ck_assert_int_eq(spool_action_key(sp, k2), 0);
	ck_assert_int_eq(memcmp(k1, k2, sizeof(k1)), 0);
	ro = spool_open(path, 1, err, sizeof(err));
	ck_assert_ptr_nonnull(ro);
	ck_assert_int_eq(spool_action_key(ro, k2), 0);
	ck_assert_int_eq(memcmp(k1, k2, sizeof(k1)), 0);
	spool_close(ro);
}
END_TEST

static void
count_case(void *arg, const struct spool_case *c)
{
	struct seen *s = arg;

	if (s->n < 16)
		s->ids[s->n] = c->id;
	s->n++;
}

START_TEST(test_case_list)
{
	struct spool_case c;
	struct seen s = {0};
	int64_t open, acked, ids[6];

	ck_assert_int_eq(spool_begin(sp), 0);
	for (int i = 0; i < 6; i++) {
		char g[8];

		snprintf(g, sizeof(g), "g%d", i);
		ids[i] = spool_case_open(sp, g, 2, i % 2 ? "billing" : "cs", i);
	}
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_case_get(sp, ids[1], &c), 1);
	free(c.state);
	c.state = strdup("acknowledged");
	spool_case_update(sp, &c);
	spool_case_free(&c);
	ck_assert_int_eq(spool_case_get(sp, ids[2], &c), 1);
	free(c.state);
	c.state = strdup("resolved");
	spool_case_update(sp, &c);
	spool_case_free(&c);

	ck_assert_int_eq(spool_case_counts(sp, &open, &acked), 0);
	ck_assert_int_eq(open, 4);
	ck_assert_int_eq(acked, 1);
	ck_assert_int_eq(spool_case_list(sp, 0, NULL, 100, count_case, &s), 5);
	ck_assert_int_eq(s.ids[0], ids[5]); /* newest first */
	ck_assert_int_eq(s.ids[4], ids[0]);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_case_list(sp, 1, NULL, 100, count_case, &s), 6);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_case_list(sp, 0, "cs", 100, count_case, &s), 2);
	ck_assert_int_eq(s.ids[0], ids[4]);
	ck_assert_int_eq(s.ids[1], ids[0]);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_case_list(sp, 1, "billing", 2, count_case, &s), 2);
	ck_assert_int_eq(spool_case_list(sp, 1, NULL, 0, count_case, &s), 0);
	/* the live listing and the group lookup read their indexes, not the table */
	ck_assert_int_eq(sql_int(SPOOL_TEST_COUNT_NAMES("'cases_live', 'cases_group', 'alerts_case', "
	                                                "'case_events_case', 'case_messages_pending'")),
	                 5);
}
END_TEST

/* Closes case id at at_ms (resolved), with one event and one message. */
static void
close_case(int64_t id, int64_t at_ms)
{
	struct spool_case c;

	ck_assert_int_eq(spool_case_get(sp, id, &c), 1);
	free(c.state);
	c.state = strdup("resolved");
	c.resolved_ms = at_ms;
	ck_assert_int_eq(spool_case_update(sp, &c), 1);
	spool_case_free(&c);
	ck_assert_int_gt(spool_case_event_add(sp, id, at_ms, "resolved", "keluhctl", NULL, "Rina",
	                                      NULL), 0);
	ck_assert_int_gt(spool_case_message_add(sp, id, "slack", "C1:1.2", at_ms), 0);
}

START_TEST(test_prune_cases)
{
	struct spool_case c;
	int64_t old, young, open, named;

	old = spool_case_open(sp, "old", 2, NULL, 1000);
	young = spool_case_open(sp, "young", 2, NULL, 1000);
	open = spool_case_open(sp, "open", 2, NULL, 1000);
	named = spool_case_open(sp, "named", 2, NULL, 1000);
	close_case(old, 2000);
	close_case(young, 9000);
	close_case(named, 2000);
	ck_assert_int_eq(spool_case_tie_alert(sp, named, add_alert("a", "named", 1500), 1500, 1), 1);
	ck_assert_int_gt(spool_case_event_add(sp, open, 1000, "opened", "keluhd", NULL, NULL, NULL),
	                 0);

	/* nothing closed before 2000 */
	ck_assert_int_eq(spool_prune_cases(sp, 2000), 0);
	/* old goes with its timeline and message; young is recent, open is open, named has an alert */
	ck_assert_int_eq(spool_prune_cases(sp, 5000), 1);
	ck_assert_int_eq(spool_case_get(sp, old, &c), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM case_events WHERE case_id = 1"), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM case_messages WHERE case_id = 1"), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM cases"), 3);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM case_events"), 3);
	/* once its alert is delivered and pruned, named goes too; open never */
	sql_exec("UPDATE deliveries SET state = 1, done_ms = 1600");
	ck_assert_int_eq(spool_prune(sp, 1000000), 1);
	ck_assert_int_eq(spool_prune_cases(sp, 1000000), 2);
	ck_assert_int_eq(spool_case_get(sp, open, &c), 1);
	spool_case_free(&c);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM cases"), 1);
}
END_TEST

/* A reply's case: through the complaint's alert; a reopened case's clock: its last reopening. */
START_TEST(test_case_sla_lookups)
{
	const char *recv[] = {"slack"};
	int64_t exp[] = {1000}, since = -1;
	int64_t id = spool_case_open(sp, "g", 4, "cs", 100);
	int64_t m1 = spool_add_mention(sp, "m1", "g", 4, 90, "{}");
	int64_t m2 = spool_add_mention(sp, "m2", "g", 4, 95, "{}");
	int64_t a = spool_add_alert(sp, "a1", "g", 4, "cs", 100, "{}", &m1, 1, recv, exp, 1, 100);

	ck_assert_int_gt(a, 0);
	ck_assert_int_eq(spool_case_of_mention(sp, m1), 0); /* its alert has no case yet */
	ck_assert_int_eq(spool_case_tie_alert(sp, id, a, 100, 1), 1);
	ck_assert_int_eq(spool_case_of_mention(sp, m1), id);
	ck_assert_int_eq(spool_case_of_mention(sp, m2), 0); /* still waits in its group */
	ck_assert_int_eq(spool_case_of_mention(sp, m2 + 99), 0);

	ck_assert_int_eq(spool_case_since(sp, id, &since), 1);
	ck_assert_int_eq(since, 100);
	spool_case_event_add(sp, id, 500, "reopened", "keluhd", NULL, NULL, NULL);
	spool_case_event_add(sp, id, 800, "reopened", "keluhd", NULL, NULL, NULL);
	spool_case_event_add(sp, id, 900, "acknowledged", "slack", "U1", "Rina", NULL);
	ck_assert_int_eq(spool_case_since(sp, id, &since), 1);
	ck_assert_int_eq(since, 800);
	ck_assert_int_eq(spool_case_since(sp, id + 99, &since), 0);
}
END_TEST

START_TEST(test_upgrade_v4)
{
	struct spool_case c;
	unsigned char k[SPOOL_ACTION_KEY_BYTES];
	int64_t a;

	add_alert("old", "g", 1);
	spool_close(sp);
	sp = NULL;
	sql_exec("DROP INDEX alerts_case; ALTER TABLE alerts DROP COLUMN case_id; "
	         "DROP TABLE case_messages; DROP TABLE case_events; DROP TABLE cases; "
	         "DROP TABLE meta; PRAGMA user_version = 4");
	ck_assert_int_eq(sql_int("SELECT count(*) FROM sqlite_master WHERE name = 'cases'"), 0);
	reopen();
	ck_assert_int_eq(sql_int("PRAGMA user_version"), 9);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM alerts WHERE case_id IS NULL"), 1);
	ck_assert_int_eq(spool_action_key(sp, k), 0);
	a = spool_case_open(sp, "g", 2, NULL, 5);
	ck_assert_int_gt(a, 0);
	ck_assert_int_eq(spool_case_find(sp, "g", &c), 1);
	ck_assert_int_eq(c.id, a);
	spool_case_free(&c);
}
END_TEST

static int64_t
add_rule_alert(const char *id, const char *group, int64_t at, const char *rules)
{
	const char *recv[] = {"slack"};
	int64_t exp[] = {at + 1000};
	char json[256];
	int64_t r;

	snprintf(json, sizeof(json), "{\"type\":\"keluh.alert\",\"alert\":{\"rules\":%s}}",
	         rules);
	r = spool_add_alert(sp, id, group, 2, "cs", at, json, NULL, 0, recv, exp, 1, at);
	ck_assert_int_gt(r, 0);
	return r;
}

/* A case of the test: opened at `at`, with its clocks set (0: not reached). */
static int64_t
span_case(const char *group, const char *team, int prio, const char *state, int64_t at,
          int64_t acked, int64_t replied, int64_t resolved)
{
	struct spool_case c;
	int64_t id = spool_case_open(sp, group, prio, team, at);

	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(spool_case_get(sp, id, &c), 1);
	free(c.state);
	c.state = strdup(state);
	c.acked_ms = acked;
	c.first_reply_ms = replied;
	c.resolved_ms = resolved;
	ck_assert_int_eq(spool_case_update(sp, &c), 1);
	spool_case_free(&c);
	return id;
}

struct span_seen {
	int64_t n;
	struct spool_case_span c[8];
	char team[8][16], topic[8][16];
};

static void
span_row(void *arg, const struct spool_case_span *c)
{
	struct span_seen *s = arg;

	ck_assert_int_lt(s->n, 8);
	s->c[s->n] = *c;
	/* the strings live only for the call: keep copies */
	snprintf(s->team[s->n], 16, "%s", c->team ? c->team : "-");
	snprintf(s->topic[s->n], 16, "%s", c->topic ? c->topic : "-");
	s->n++;
}

START_TEST(test_case_span)
{
	struct span_seen s = {0};
	int64_t a, b;

	ck_assert_int_eq(spool_begin(sp), 0);
	a = span_case("g1", "cs", 1, "resolved", 1000, 1100, 1200, 1300);
	ck_assert_int_eq(spool_case_tie_alert(sp, a, add_rule_alert("x1", "g1", 1000,
	                 "[\"refund\",\"fraud\"]"), 1000, 2), 1);
	/* a later alert does not change the topic */
	ck_assert_int_eq(spool_case_tie_alert(sp, a, add_rule_alert("x2", "g1", 1050,
	                 "[\"outage\"]"), 1050, 1), 1);
	/* reopened: its old resolve does not count */
	b = span_case("g2", NULL, 2, "open", 2000, 2100, 0, 2200);
	span_case("g3", "billing", 3, "acknowledged", 3000, 3100, 0, 0);
	span_case("g4", "cs", 3, "not_complaint", 3500, 0, 0, 3600);
	span_case("g5", "cs", 3, "open", 5000, 0, 0, 0);
	span_case("g0", "cs", 3, "open", 999, 0, 0, 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	reopen();

	ck_assert_int_eq(spool_case_span(sp, 1000, 5000, NULL, span_row, &s), 3);
	ck_assert_int_eq(s.n, 3);
	ck_assert_int_eq(s.c[0].id, a);
	ck_assert_str_eq(s.team[0], "cs");
	ck_assert_str_eq(s.topic[0], "refund");
	ck_assert_int_eq(s.c[0].priority, 1);
	ck_assert_int_eq(s.c[0].opened_ms, 1000);
	ck_assert_int_eq(s.c[0].acked_ms, 1100);
	ck_assert_int_eq(s.c[0].first_reply_ms, 1200);
	ck_assert_int_eq(s.c[0].resolved_ms, 1300);
	ck_assert_int_eq(s.c[1].id, b);
	ck_assert_str_eq(s.team[1], "-");
	ck_assert_str_eq(s.topic[1], "-");
	ck_assert_int_eq(s.c[1].acked_ms, 2100);
	ck_assert_int_eq(s.c[1].first_reply_ms, -1);
	ck_assert_int_eq(s.c[1].resolved_ms, -1);
	ck_assert_str_eq(s.team[2], "billing");
	ck_assert_int_eq(s.c[2].opened_ms, 3000);
	ck_assert_int_eq(s.c[2].resolved_ms, -1);

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_case_span(sp, 0, 10000, "cs", span_row, &s), 3);
	ck_assert_int_eq(s.c[0].opened_ms, 999);
	ck_assert_int_eq(s.c[1].opened_ms, 1000);
	ck_assert_int_eq(s.c[2].opened_ms, 5000);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_case_span(sp, 6000, 7000, NULL, span_row, &s), 0);
	/* the pass reads a range of the index on opened_ms, not the table */
	ck_assert_int_eq(sql_int(SPOOL_TEST_COUNT_NAMES("'cases_opened'")), 1);
}
END_TEST

/* A read-only spool (keluhctl report while keluhd runs) reads the span too. */
START_TEST(test_case_span_readonly)
{
	struct span_seen s = {0};
	struct spool *ro;

	ck_assert_int_eq(spool_begin(sp), 0);
	span_case("g1", "cs", 2, "open", 1000, 0, 0, 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ro = spool_open(path, 1, err, sizeof(err));
	ck_assert_msg(ro != NULL, "open: %s", err);
	ck_assert_int_eq(spool_case_span(ro, 0, 2000, NULL, span_row, &s), 1);
	spool_close(ro);
}
END_TEST

/* v7: a v6 spool gets the index and the topics of its cases from their first alert. */
START_TEST(test_upgrade_v6)
{
	struct span_seen s = {0};
	int64_t a;

	ck_assert_int_eq(spool_begin(sp), 0);
	a = span_case("g1", "cs", 2, "open", 1000, 0, 0, 0);
	ck_assert_int_eq(spool_case_tie_alert(sp, a, add_rule_alert("x1", "g1", 1000,
	                 "[\"refund\"]"), 1000, 1), 1);
	ck_assert_int_eq(spool_case_tie_alert(sp, a, add_rule_alert("x2", "g1", 1001,
	                 "[\"late\"]"), 1001, 1), 1);
	span_case("g2", "cs", 2, "open", 1002, 0, 0, 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	spool_close(sp);
	sp = NULL;
	sql_exec("DROP INDEX cases_opened; ALTER TABLE cases DROP COLUMN topic; "
	         "PRAGMA user_version = 6");
	reopen();
	ck_assert_int_eq(sql_int("PRAGMA user_version"), 9);
	ck_assert_int_eq(spool_case_span(sp, 0, 2000, NULL, span_row, &s), 2);
	ck_assert_str_eq(s.topic[0], "refund");
	ck_assert_str_eq(s.topic[1], "-");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("spool_cases");
	TCase *tc = tcase_create("cases");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_case_lifecycle);
	tcase_add_test(tc, test_case_events_and_alerts);
	tcase_add_test(tc, test_case_messages_edit_once);
	tcase_add_test(tc, test_action_key);
	tcase_add_test(tc, test_case_list);
	tcase_add_test(tc, test_prune_cases);
	tcase_add_test(tc, test_case_sla_lookups);
	SPOOL_TEST_SQLITE_ONLY(tc, test_upgrade_v4, "upgrades of SQLite spool files");
	tcase_add_test(tc, test_case_span);
	tcase_add_test(tc, test_case_span_readonly);
	SPOOL_TEST_SQLITE_ONLY(tc, test_upgrade_v6, "upgrades of SQLite spool files");
	suite_add_tcase(s, tc);
	return unit_run(s);
}
