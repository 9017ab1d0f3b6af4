/*
 * sqlite_cases.c: the SQLite spool's cases (schema v6; topics and
 * the index on opened_ms, v7): the cases, their
 * events, their living messages, and the key of signed action links.
 */
#include "config.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "lib/actsig.h"
#include "store/spool.h"
#include "store/sqlite_int.h"

/* The column order sqlite_row_case() reads. */
#define CASE_COLS                                                                                  \
	"id, group_key, state, team, priority, opened_ms, reopened, acked_ms, acked_by, "          \
	"assignee, assigned_by, assigned_ms, resolved_ms, resolved_by, note, first_reply_ms, "     \
	"overdue, last_alert_ms, total"
#define MESSAGE_COLS "id, case_id, receiver, ref, posted_ms, edit_seq, edited_seq"
#define ALERT_COLS                                                                                 \
	"a.id, a.alert_id, a.group_key, a.team, a.json, a.priority, a.at_ms,"                      \
	" (SELECT count(*) FROM deliveries WHERE alert_rowid = a.id AND state = 1),"               \
	" (SELECT count(*) FROM deliveries WHERE alert_rowid = a.id AND state = 0),"               \
	" (SELECT count(*) FROM deliveries WHERE alert_rowid = a.id AND state = 2),"               \
	" (SELECT count(*) FROM mentions WHERE alert_rowid = a.id)"

static const char *const sqlite_case_sql[SC__N] = {
    [SC_OPEN] = "INSERT INTO cases (group_key, state, priority, team, opened_ms) "
                "VALUES (?1, 'open', ?2, ?3, ?4)",
    [SC_FIND] = "SELECT " CASE_COLS " FROM cases WHERE group_key = ?1 ORDER BY id DESC LIMIT 1",
    [SC_GET] = "SELECT " CASE_COLS " FROM cases WHERE id = ?1",
    [SC_UPDATE] = "UPDATE cases SET state = ?2, team = ?3, priority = ?4, reopened = ?5, "
                  "acked_ms = nullif(?6, 0), acked_by = ?7, assignee = ?8, assigned_by = ?9, "
                  "assigned_ms = nullif(?10, 0), resolved_ms = nullif(?11, 0), "
                  "resolved_by = ?12, note = ?13, first_reply_ms = nullif(?14, 0), "
                  "overdue = ?15, last_alert_ms = nullif(?16, 0), total = ?17 WHERE id = ?1",
    [SC_TIE_ALERT] = "UPDATE alerts SET case_id = ?1 WHERE id = ?2 "
                     "AND EXISTS (SELECT 1 FROM cases WHERE id = ?1)",
    /* the topic (v7) is the first rule of the first alert, read once: coalesce stops early */
    [SC_BUMP] = "UPDATE cases SET total = total + ?2, last_alert_ms = max(coalesce("
                "last_alert_ms, 0), ?3), topic = coalesce(topic, (SELECT CASE WHEN "
                "json_valid(json) THEN json_extract(json, '$.alert.rules[0]') END "
                "FROM alerts WHERE id = ?4)) WHERE id = ?1",
    /* the live ones through the partial index cases_live, not the history */
    [SC_LIST_LIVE] = "SELECT " CASE_COLS " FROM cases INDEXED BY cases_live "
                     "WHERE state IN ('open', 'acknowledged') AND (?1 IS NULL OR team = ?1) "
                     "ORDER BY id DESC LIMIT ?2",
    [SC_LIST_ALL] = "SELECT " CASE_COLS " FROM cases WHERE (?1 IS NULL OR team = ?1) "
                    "ORDER BY id DESC LIMIT ?2",
    [SC_COUNTS] = "SELECT count(*) FILTER (WHERE state = 'open'), "
                  "count(*) FILTER (WHERE state = 'acknowledged') FROM cases "
                  "INDEXED BY cases_live WHERE state IN ('open', 'acknowledged')",
    /* a report's pass: the range of cases_opened, one row a case */
    [SC_SPAN] = "SELECT id, team, topic, priority, opened_ms, coalesce(acked_ms, -1), "
                "coalesce(first_reply_ms, -1), CASE WHEN state = 'resolved' THEN "
                "coalesce(resolved_ms, -1) ELSE -1 END FROM cases INDEXED BY cases_opened "
                "WHERE opened_ms >= ?1 AND opened_ms < ?2 AND (?3 IS NULL OR team = ?3) "
                "AND state != 'not_complaint' ORDER BY opened_ms",
    [SC_ALERTS] = "SELECT " ALERT_COLS " FROM alerts a WHERE a.case_id = ?1 ORDER BY a.id",
    [SC_EVENT_ADD] = "INSERT INTO case_events (case_id, at_ms, kind, platform, actor_id, "
                     "actor_name, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [SC_EVENTS] = "SELECT id, case_id, at_ms, kind, platform, actor_id, actor_name, detail "
                  "FROM case_events WHERE case_id = ?1 ORDER BY id",
    [SC_MESSAGE_ADD] = "INSERT INTO case_messages (case_id, receiver, ref, posted_ms) "
                       "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (case_id, receiver) DO UPDATE "
                       "SET ref = excluded.ref, posted_ms = excluded.posted_ms "
                       "RETURNING id",
    [SC_MESSAGES] = "SELECT " MESSAGE_COLS " FROM case_messages WHERE case_id = ?1 ORDER BY id",
    [SC_TOUCH] = "UPDATE case_messages SET edit_seq = edit_seq + 1 WHERE case_id = ?1",
    [SC_EDITS_PENDING] = "SELECT " MESSAGE_COLS " FROM case_messages INDEXED BY "
                         "case_messages_pending WHERE edit_seq > edited_seq AND "
                         "(?1 IS NULL OR receiver = ?1) ORDER BY id LIMIT ?2",
    [SC_EDITED] = "UPDATE case_messages SET edited_seq = max(edited_seq, ?2) WHERE id = ?1",
    [SC_LAST_ALERT] = "SELECT " ALERT_COLS " FROM alerts a WHERE a.case_id = ?1 "
                      "ORDER BY a.id DESC LIMIT 1",
    [SC_PENDING_BEFORE] = "SELECT count(*) FROM alerts a JOIN deliveries d ON "
                          "d.alert_rowid = a.id WHERE a.case_id = ?1 AND d.receiver = ?2 "
                          "AND d.state = 0 AND d.id < ?3",
    [SC_RECEIVERS] = "SELECT DISTINCT d.receiver FROM alerts a JOIN deliveries d ON "
                     "d.alert_rowid = a.id WHERE a.case_id = ?1 ORDER BY d.receiver",
    [SC_MESSAGE_TOUCH] = "UPDATE case_messages SET edit_seq = edit_seq + 1 WHERE id = ?1",
    [SC_KEY_GET] = "SELECT value FROM meta WHERE key = 'action_key'",
    [SC_KEY_SET] = "INSERT OR IGNORE INTO meta (key, value) VALUES ('action_key', ?1)",
    /* the SLA clocks: a reply's case, and when the case's round began */
    [SC_OF_MENTION] = "SELECT coalesce(a.case_id, 0) FROM mentions m JOIN alerts a "
                      "ON a.id = m.alert_rowid WHERE m.id = ?1",
    [SC_SINCE] = "SELECT coalesce((SELECT max(at_ms) FROM case_events WHERE case_id = c.id "
                 "AND kind = 'reopened'), c.opened_ms) FROM cases c WHERE c.id = ?1",
    [SC_LAST_EVENT] = "SELECT coalesce(max(id), 0) FROM case_events WHERE case_id = ?1",
};

static int64_t
sqlite_case_limit(size_t n)
{
	return n > (size_t)INT64_MAX ? INT64_MAX : (int64_t)n;
}

/* Reads the key into key: 1, 0 when there is none (or it is not 32 bytes), -1. */
static int
sqlite_key_read(struct sqlite_spool *s, unsigned char *key)
{
	sqlite3_stmt *st = s->cst[SC_KEY_GET];
	int rc = sqlite3_step(st), r = 0;

	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == SPOOL_ACTION_KEY_BYTES) {
		memcpy(key, sqlite3_column_blob(st, 0), SPOOL_ACTION_KEY_BYTES);
		r = 1;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite_dberr(s);
		r = -1;
	}
	sqlite_done(st);
	return r;
}

/* The key is made once; INSERT OR IGNORE keeps the first one another process may have made. */
static int
sqlite_key_make(struct sqlite_spool *s)
{
	unsigned char key[SPOOL_ACTION_KEY_BYTES];
	sqlite3_stmt *st = s->cst[SC_KEY_SET];
	int r;

	if ((r = sqlite_key_read(s, key)) != 0) {
		memset(key, 0, sizeof(key));
		return r < 0 ? -1 : 0;
	}
	actsig_link_keygen(key);
	sqlite3_bind_blob(st, 1, key, sizeof(key), SQLITE_TRANSIENT);
	memset(key, 0, sizeof(key));
	r = sqlite_write(s, st, NULL, 0);
	return r;
}

int
sqlite_cases_setup(struct sqlite_spool *s)
{
	if (sqlite_prepare_all(s, sqlite_case_sql, s->cst, SC__N) < 0)
		return -1;
	return s->readonly ? 0 : sqlite_key_make(s);
}

void
sqlite_cases_close(struct sqlite_spool *s)
{
	sqlite_finalize_all(s->cst, SC__N);
}

int
sqlite_action_key(struct spool *sp, unsigned char *key)
{
	struct sqlite_spool *s = sqlite_of(sp);
	int r = sqlite_key_read(s, key);

	if (r == 0)
		sqlite_seterr(s, "the spool has no action link key (start keluhd once to make it)");
	return r > 0 ? 0 : -1;
}

int64_t
sqlite_case_open(struct spool *sp, const char *group_key, int priority, const char *team,
                 int64_t at_ms)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->cst[SC_OPEN], SPOOL_TEXT(group_key), SPOOL_INT(priority),
	                SPOOL_TEXT(team), SPOOL_I64(at_ms)) < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

static void
sqlite_row_case(sqlite3_stmt *st, void *p)
{
	struct spool_case *c = p;

	c->id = sqlite3_column_int64(st, 0);
	c->group_key = sqlite_col_str(st, 1);
	c->state = sqlite_col_str(st, 2);
	c->team = sqlite_col_str(st, 3);
	c->priority = sqlite3_column_int(st, 4);
	c->opened_ms = sqlite3_column_int64(st, 5);
	c->reopened = sqlite3_column_int(st, 6);
	c->acked_ms = sqlite3_column_int64(st, 7);
	c->acked_by = sqlite_col_str(st, 8);
	c->assignee = sqlite_col_str(st, 9);
	c->assigned_by = sqlite_col_str(st, 10);
	c->assigned_ms = sqlite3_column_int64(st, 11);
	c->resolved_ms = sqlite3_column_int64(st, 12);
	c->resolved_by = sqlite_col_str(st, 13);
	c->note = sqlite_col_str(st, 14);
	c->first_reply_ms = sqlite3_column_int64(st, 15);
	c->overdue = sqlite3_column_int(st, 16);
	c->last_alert_ms = sqlite3_column_int64(st, 17);
	c->total = sqlite3_column_int64(st, 18);
}

int
sqlite_case_find(struct spool *sp, const char *group_key, struct spool_case *out)
{
	struct sqlite_spool *s = sqlite_of(sp);

	memset(out, 0, sizeof(*out));
	return SPOOL_ROW(s, s->cst[SC_FIND], sqlite_row_case, out, SPOOL_TEXT(group_key));
}

int
sqlite_case_get(struct spool *sp, int64_t id, struct spool_case *out)
{
	struct sqlite_spool *s = sqlite_of(sp);

	memset(out, 0, sizeof(*out));
	return SPOOL_ROW(s, s->cst[SC_GET], sqlite_row_case, out, SPOOL_I64(id));
}

int
sqlite_case_update(struct spool *sp, const struct spool_case *c)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->cst[SC_UPDATE], SPOOL_I64(c->id), SPOOL_TEXT(c->state),
	                SPOOL_TEXT(c->team), SPOOL_INT(c->priority), SPOOL_INT(c->reopened),
	                SPOOL_I64(c->acked_ms), SPOOL_TEXT(c->acked_by), SPOOL_TEXT(c->assignee),
	                SPOOL_TEXT(c->assigned_by), SPOOL_I64(c->assigned_ms),
	                SPOOL_I64(c->resolved_ms), SPOOL_TEXT(c->resolved_by), SPOOL_TEXT(c->note),
	                SPOOL_I64(c->first_reply_ms), SPOOL_INT(c->overdue),
	                SPOOL_I64(c->last_alert_ms), SPOOL_I64(c->total)) < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int
sqlite_case_tie_alert(struct spool *sp, int64_t case_id, int64_t alert_rowid, int64_t at_ms,
                      int64_t count)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->cst[SC_TIE_ALERT], SPOOL_I64(case_id), SPOOL_I64(alert_rowid)) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	if (SPOOL_WRITE(s, s->cst[SC_BUMP], SPOOL_I64(case_id), SPOOL_I64(count), SPOOL_I64(at_ms),
	                SPOOL_I64(alert_rowid)) < 0)
		return -1;
	return 1;
}

int
sqlite_case_list(struct spool *sp, int all, const char *team, size_t limit,
                 void (*fn)(void *arg, const struct spool_case *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->cst[all ? SC_LIST_ALL : SC_LIST_LIVE];
	struct spool_case *v;
	size_t n;
	int ok;

	if (limit == 0)
		return 0;
	SPOOL_BIND(st, team ? SPOOL_TEXT(team) : SPOOL_SKIP, SPOOL_I64(sqlite_case_limit(limit)));
	v = sqlite_rows(s, st, sizeof(*v), sqlite_row_case, &n, &ok);
	for (size_t i = 0; i < n; i++) {
		if (ok)
			fn(arg, &v[i]);
		spool_case_free(&v[i]);
	}
	free(v);
	return ok ? (n > INT_MAX ? INT_MAX : (int)n) : -1;
}

int
sqlite_case_counts(struct spool *sp, int64_t *open, int64_t *acknowledged)
{
	struct sqlite_spool *s = sqlite_of(sp);
	int64_t v[2] = {0};
	int r = sqlite_row(s, s->cst[SC_COUNTS], sqlite_cols_i64, v, NULL, 0);

	*open = v[0];
	*acknowledged = v[1];
	if (r == 0)
		sqlite_dberr(s);
	return r > 0 ? 0 : -1;
}

/* Streams the rows (no copy): a report over 100,000 cases reads each once. */
int64_t
sqlite_case_span(struct spool *sp, int64_t since_ms, int64_t until_ms, const char *team,
                 void (*fn)(void *arg, const struct spool_case_span *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->cst[SC_SPAN];
	struct spool_case_span c;
	int64_t n = 0;
	int rc;

	SPOOL_BIND(st, SPOOL_I64(since_ms), SPOOL_I64(until_ms),
	           team ? SPOOL_TEXT(team) : SPOOL_SKIP);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c.id = sqlite3_column_int64(st, 0);
		c.team = (const char *)sqlite3_column_text(st, 1);
		c.topic = (const char *)sqlite3_column_text(st, 2);
		c.priority = sqlite3_column_int(st, 3);
		c.opened_ms = sqlite3_column_int64(st, 4);
		c.acked_ms = sqlite3_column_int64(st, 5);
		c.first_reply_ms = sqlite3_column_int64(st, 6);
		c.resolved_ms = sqlite3_column_int64(st, 7);
		fn(arg, &c);
		n++;
	}
	if (rc != SQLITE_DONE) {
		sqlite_dberr(s);
		n = -1;
	}
	sqlite_done(st);
	return n;
}

int
sqlite_case_alerts(struct spool *sp, int64_t case_id,
                   void (*fn)(void *arg, const struct spool_alert *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->cst[SC_ALERTS];

	SPOOL_BIND(st, SPOOL_I64(case_id));
	return sqlite_alerts_each(s, st, fn, arg) < 0 ? -1 : 0;
}

int64_t
sqlite_case_event_add(struct spool *sp, int64_t case_id, int64_t at_ms, const char *kind,
                      const char *platform, const char *actor_id, const char *actor_name,
                      const char *detail)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->cst[SC_EVENT_ADD], SPOOL_I64(case_id), SPOOL_I64(at_ms),
	                SPOOL_TEXT(kind), SPOOL_TEXT(platform), SPOOL_TEXT(actor_id),
	                SPOOL_TEXT(actor_name), SPOOL_TEXT(detail)) < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

static void
sqlite_row_event(sqlite3_stmt *st, void *p)
{
	struct spool_case_event *e = p;

	e->id = sqlite3_column_int64(st, 0);
	e->case_id = sqlite3_column_int64(st, 1);
	e->at_ms = sqlite3_column_int64(st, 2);
	e->kind = sqlite_col_str(st, 3);
	e->platform = sqlite_col_str(st, 4);
	e->actor_id = sqlite_col_str(st, 5);
	e->actor_name = sqlite_col_str(st, 6);
	e->detail = sqlite_col_str(st, 7);
}

int
sqlite_case_events(struct spool *sp, int64_t case_id,
                   void (*fn)(void *arg, const struct spool_case_event *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->cst[SC_EVENTS];
	struct spool_case_event *v;
	size_t n;
	int ok;

	SPOOL_BIND(st, SPOOL_I64(case_id));
	v = sqlite_rows(s, st, sizeof(*v), sqlite_row_event, &n, &ok);
	for (size_t i = 0; i < n; i++) {
		if (ok)
			fn(arg, &v[i]);
		free(v[i].kind);
		free(v[i].platform);
		free(v[i].actor_id);
		free(v[i].actor_name);
		free(v[i].detail);
	}
	free(v);
	return ok ? 0 : -1;
}

int64_t
sqlite_case_message_add(struct spool *sp, int64_t case_id, const char *receiver, const char *ref,
                        int64_t posted_ms)
{
	struct sqlite_spool *s = sqlite_of(sp);
	int64_t id = -1;
	int r;

	if (sqlite_check_txn(s) < 0)
		return -1;
	/* an upsert's row id is not last_insert_rowid when it updated: RETURNING says it */
	r = SPOOL_ROW(s, s->cst[SC_MESSAGE_ADD], sqlite_col0_i64, &id, SPOOL_I64(case_id),
	              SPOOL_TEXT(receiver), SPOOL_TEXT(ref), SPOOL_I64(posted_ms));
	if (r == 0)
		sqlite_dberr(s);
	return r > 0 ? id : -1;
}

static void
sqlite_row_message(sqlite3_stmt *st, void *p)
{
	struct spool_case_message *m = p;

	m->id = sqlite3_column_int64(st, 0);
	m->case_id = sqlite3_column_int64(st, 1);
	m->receiver = sqlite_col_str(st, 2);
	m->ref = sqlite_col_str(st, 3);
	m->posted_ms = sqlite3_column_int64(st, 4);
	m->edit_seq = sqlite3_column_int64(st, 5);
	m->edited_seq = sqlite3_column_int64(st, 6);
}

/* Runs st (bound already), hands each message to fn: how many, or -1. */
static int
sqlite_messages_each(struct sqlite_spool *s, sqlite3_stmt *st,
                     void (*fn)(void *arg, const struct spool_case_message *), void *arg)
{
	struct spool_case_message *v;
	size_t n;
	int ok;

	v = sqlite_rows(s, st, sizeof(*v), sqlite_row_message, &n, &ok);
	for (size_t i = 0; i < n; i++) {
		if (ok)
			fn(arg, &v[i]);
		free(v[i].receiver);
		free(v[i].ref);
	}
	free(v);
	return ok ? (n > INT_MAX ? INT_MAX : (int)n) : -1;
}

int
sqlite_case_messages(struct spool *sp, int64_t case_id,
                     void (*fn)(void *arg, const struct spool_case_message *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->cst[SC_MESSAGES];

	SPOOL_BIND(st, SPOOL_I64(case_id));
	return sqlite_messages_each(s, st, fn, arg);
}

int64_t
sqlite_case_touch(struct spool *sp, int64_t case_id)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->cst[SC_TOUCH], SPOOL_I64(case_id)) < 0)
		return -1;
	return sqlite3_changes(s->db);
}

int
sqlite_case_edits_pending(struct spool *sp, const char *receiver, size_t limit,
                          void (*fn)(void *arg, const struct spool_case_message *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->cst[SC_EDITS_PENDING];

	if (limit == 0)
		return 0;
	SPOOL_BIND(st, receiver ? SPOOL_TEXT(receiver) : SPOOL_SKIP,
	           SPOOL_I64(sqlite_case_limit(limit)));
	return sqlite_messages_each(s, st, fn, arg);
}

int
sqlite_case_message_edited(struct spool *sp, int64_t message_id, int64_t seq)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->cst[SC_EDITED], SPOOL_I64(message_id), SPOOL_I64(seq)) < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

/* ------------------------------------------------------------------ */
/* living messages, the delivery side */

int
sqlite_case_last_alert(struct spool *sp, int64_t case_id,
                       void (*fn)(void *arg, const struct spool_alert *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->cst[SC_LAST_ALERT];
	int n;

	SPOOL_BIND(st, SPOOL_I64(case_id));
	n = sqlite_alerts_each(s, st, fn, arg);
	return n < 0 ? -1 : n > 0;
}

int64_t
sqlite_case_pending_before(struct spool *sp, int64_t case_id, const char *receiver,
                           int64_t delivery_id)
{
	struct sqlite_spool *s = sqlite_of(sp);
	int64_t n = 0;
	int r;

	r = SPOOL_ROW(s, s->cst[SC_PENDING_BEFORE], sqlite_col0_i64, &n, SPOOL_I64(case_id),
	              SPOOL_TEXT(receiver), SPOOL_I64(delivery_id));
	return r < 0 ? -1 : n;
}

static void
sqlite_row_name(sqlite3_stmt *st, void *p)
{
	*(char **)p = sqlite_col_str(st, 0);
}

int
sqlite_case_receivers(struct spool *sp, int64_t case_id,
                      void (*fn)(void *arg, const char *receiver), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->cst[SC_RECEIVERS];
	char **v;
	size_t n;
	int ok;

	SPOOL_BIND(st, SPOOL_I64(case_id));
	v = sqlite_rows(s, st, sizeof(*v), sqlite_row_name, &n, &ok);
	for (size_t i = 0; i < n; i++) {
		if (ok && v[i])
			fn(arg, v[i]);
		free(v[i]);
	}
	free(v);
	return ok ? (n > INT_MAX ? INT_MAX : (int)n) : -1;
}

int
sqlite_case_message_touch(struct spool *sp, int64_t message_id)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->cst[SC_MESSAGE_TOUCH], SPOOL_I64(message_id)) < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int64_t
sqlite_case_of_mention(struct spool *sp, int64_t mention_rowid)
{
	struct sqlite_spool *s = sqlite_of(sp);
	int64_t id = 0;
	int r = SPOOL_ROW(s, s->cst[SC_OF_MENTION], sqlite_col0_i64, &id, SPOOL_I64(mention_rowid));

	return r < 0 ? -1 : id;
}

int
sqlite_case_since(struct spool *sp, int64_t case_id, int64_t *since_ms)
{
	struct sqlite_spool *s = sqlite_of(sp);

	*since_ms = 0;
	return SPOOL_ROW(s, s->cst[SC_SINCE], sqlite_col0_i64, since_ms, SPOOL_I64(case_id));
}

int64_t
sqlite_case_last_event(struct spool *sp, int64_t case_id)
{
	struct sqlite_spool *s = sqlite_of(sp);
	int64_t id = 0;
	int r = SPOOL_ROW(s, s->cst[SC_LAST_EVENT], sqlite_col0_i64, &id, SPOOL_I64(case_id));

	return r < 0 ? -1 : id;
}
