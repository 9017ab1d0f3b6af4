/*
 * sqlite_schema.c: the SQLite spool's tables, the scripts that upgrade an
 * older spool to them, and the checks made when a spool is opened.
 */
#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"

/*
 * Schema scripts: migrations[v] takes a spool from version v to v + 1 and
 * runs inside the transaction that bumps user_version, so a spool is never
 * left between two versions.
 *
 * The ids are INTEGER PRIMARY KEY so VACUUM cannot renumber the rows that
 * alert_rowid points at. Deliveries are AUTOINCREMENT because operators
 * and the daemon's in-flight list name them by id: a dropped id must never
 * come back as another delivery. priority is copied into deliveries so the
 * due query sorts without touching alerts; ttl_ms keeps the receiver's
 * max age so a requeued dead letter gets the same time to live again.
 */
static const char *const sqlite_migrations[SPOOL_SCHEMA] = {
	"CREATE TABLE IF NOT EXISTS alerts ("
	"  id INTEGER PRIMARY KEY,"
	"  alert_id TEXT NOT NULL UNIQUE,"
	"  group_key TEXT NOT NULL,"
	"  priority INTEGER NOT NULL,"
	"  team TEXT,"
	"  at_ms INTEGER NOT NULL,"
	"  json TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS mentions ("
	"  id INTEGER PRIMARY KEY,"
	"  mention_id TEXT NOT NULL,"
	"  group_key TEXT NOT NULL,"
	"  priority INTEGER NOT NULL,"
	"  at_ms INTEGER NOT NULL,"
	"  json TEXT NOT NULL,"
	"  alert_rowid INTEGER REFERENCES alerts(id));"
	"CREATE INDEX IF NOT EXISTS mentions_alert ON mentions(alert_rowid, at_ms);"
	"CREATE TABLE IF NOT EXISTS deliveries ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  alert_rowid INTEGER NOT NULL REFERENCES alerts(id),"
	"  receiver TEXT NOT NULL,"
	"  idem_key TEXT NOT NULL UNIQUE,"
	"  priority INTEGER NOT NULL,"
	"  state INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL,"
	"  due_ms INTEGER NOT NULL,"
	"  expires_ms INTEGER NOT NULL,"
	"  ttl_ms INTEGER NOT NULL,"
	"  done_ms INTEGER,"
	"  last_error TEXT);"
	"CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(receiver, state, due_ms);"
	"CREATE INDEX IF NOT EXISTS deliveries_alert ON deliveries(alert_rowid, state);"
	"CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries(state);"
	"CREATE TABLE IF NOT EXISTS cursors ("
	"  source TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL) WITHOUT ROWID;",
	/*
	 * v2: tying a group's pending mentions to its alert must not scan every
	 * pending mention of every group (quadratic under load).
	 */
	"CREATE INDEX IF NOT EXISTS mentions_pending ON mentions(group_key, id) "
	"WHERE alert_rowid IS NULL;",
	/*
	 * v3: silences. AUTOINCREMENT because operators name them by id: an
	 * expired silence's id must never come back as another one. matchers
	 * is the JSON object the API took; ended_ms is NULL while active.
	 */
	"CREATE TABLE IF NOT EXISTS silences ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  matchers TEXT NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  expires_ms INTEGER NOT NULL,"
	"  ended_ms INTEGER,"
	"  ended_by TEXT,"
	"  suppressed INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS silences_active ON silences(expires_ms) "
	"WHERE ended_ms IS NULL;",
	/*
	 * v4: a complaint's row names its rules' {"id","description","score"}
	 * texts by their id here ("rule_refs") instead of holding them: a
	 * third of a row's bytes. A text is stored as it was when the mention
	 * came in, so a restored group says what it said before a rule edit.
	 * Rows written before name no texts; they hold them ("rule_info").
	 * mentions_alert leaves out the pending mentions (mentions_pending
	 * finds those): a complaint costs one entry in it, made when it is
	 * tied to its alert, instead of one then and one moved then.
	 */
	"CREATE TABLE IF NOT EXISTS rule_texts ("
	"  id INTEGER PRIMARY KEY,"
	"  json TEXT NOT NULL UNIQUE);"
	"DROP INDEX IF EXISTS mentions_alert;"
	"CREATE INDEX mentions_alert ON mentions(alert_rowid, at_ms) "
	"WHERE alert_rowid IS NOT NULL;",
	/*
	 * v5: a public reply by the brand names the post it answers by its
	 * mention id; finding that complaint must not read every row.
	 */
	"CREATE INDEX IF NOT EXISTS mentions_id ON mentions(mention_id, id);",
	/*
	 * v6: cases. AUTOINCREMENT because people name them by id ("#42"): an
	 * id must never come back as another case. cases_group finds a group's
	 * newest case; cases_live lists the open and acknowledged ones newest
	 * first without reading the resolved history, and counts them and
	 * filters them by team without reading the table (it holds both). A message's edit is pending while
	 * edit_seq > edited_seq (see spool.h). meta keeps the action link key,
	 * made by sqlite_cases.c when it is missing.
	 */
	"CREATE TABLE IF NOT EXISTS cases ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  group_key TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN "
	"    ('open', 'acknowledged', 'resolved', 'not_complaint')),"
	"  priority INTEGER NOT NULL,"
	"  team TEXT,"
	"  opened_ms INTEGER NOT NULL,"
	"  reopened INTEGER NOT NULL DEFAULT 0,"
	"  acked_ms INTEGER, acked_by TEXT,"
	"  assignee TEXT, assigned_by TEXT, assigned_ms INTEGER,"
	"  resolved_ms INTEGER, resolved_by TEXT, note TEXT,"
	"  first_reply_ms INTEGER,"
	"  overdue INTEGER NOT NULL DEFAULT 0,"
	"  last_alert_ms INTEGER,"
	"  total INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS cases_group ON cases(group_key, id);"
	"CREATE INDEX IF NOT EXISTS cases_live ON cases(id, state, team) "
	"WHERE state IN ('open', 'acknowledged');"
	"CREATE TABLE IF NOT EXISTS case_events ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL REFERENCES cases(id),"
	"  at_ms INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  platform TEXT NOT NULL,"
	"  actor_id TEXT,"
	"  actor_name TEXT,"
	"  detail TEXT);"
	"CREATE INDEX IF NOT EXISTS case_events_case ON case_events(case_id, id);"
	"CREATE TABLE IF NOT EXISTS case_messages ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL REFERENCES cases(id),"
	"  receiver TEXT NOT NULL,"
	"  ref TEXT NOT NULL,"
	"  posted_ms INTEGER NOT NULL,"
	"  edit_seq INTEGER NOT NULL DEFAULT 0,"
	"  edited_seq INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (case_id, receiver));"
	"CREATE INDEX IF NOT EXISTS case_messages_pending ON case_messages(receiver, id) "
	"WHERE edit_seq > edited_seq;"
	"ALTER TABLE alerts ADD COLUMN case_id INTEGER REFERENCES cases(id);"
	"CREATE INDEX IF NOT EXISTS alerts_case ON alerts(case_id, id) WHERE case_id IS NOT NULL;"
	"CREATE TABLE IF NOT EXISTS meta ("
	"  key TEXT PRIMARY KEY,"
	"  value BLOB NOT NULL) WITHOUT ROWID;",
	/*
	 * v7: reports. A report reads the cases opened in a span: cases_opened
	 * finds them without reading the history. topic is the first rule of
	 * a case's first alert (what a report ranks as its busiest topics),
	 * kept when the alert is tied so a report never parses alert JSON;
	 * the cases of an older spool get theirs here, once.
	 */
	"ALTER TABLE cases ADD COLUMN topic TEXT;"
	"UPDATE cases SET topic = (SELECT CASE WHEN json_valid(a.json) THEN "
	"  json_extract(a.json, '$.alert.rules[0]') END FROM alerts a "
	"  WHERE a.case_id = cases.id ORDER BY a.id LIMIT 1);"
	"CREATE INDEX IF NOT EXISTS cases_opened ON cases(opened_ms);",
	/*
	 * v8: the console. stats holds the rollups: one row per kind, step,
	 * bucket and key, so a 30-day view of 2,000 rules reads day rows, not
	 * every complaint; its key is the order the pages read it in (every key
	 * of a span). recent keeps the last mentions, complaints or not, for
	 * backtests; its ids are its time order. mentions_at finds the
	 * complaints of a span (a bar of a chart).
	 */
	"CREATE TABLE IF NOT EXISTS stats ("
	"  kind INTEGER NOT NULL,"
	"  step INTEGER NOT NULL,"
	"  bucket_ms INTEGER NOT NULL,"
	"  key TEXT NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  PRIMARY KEY (kind, step, bucket_ms, key)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS recent ("
	"  id INTEGER PRIMARY KEY,"
	"  at_ms INTEGER NOT NULL,"
	"  complaint INTEGER NOT NULL,"
	"  json TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS mentions_at ON mentions(at_ms);",
	/*
	 * v9: labels, people's word on whether a mention is a complaint. Every
	 * label is kept (who said what, when); labels_mention finds the latest
	 * of a mention. recent_mention finds a mention's recent row by its id
	 * (the text a label is given for); json_valid keeps a row that is not
	 * JSON out of it instead of failing its insert.
	 */
	"CREATE TABLE IF NOT EXISTS labels ("
	"  id INTEGER PRIMARY KEY,"
	"  mention_id TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  complaint INTEGER NOT NULL CHECK (complaint IN (0, 1)),"
	"  team TEXT,"
	"  by_platform TEXT NOT NULL,"
	"  by_name TEXT,"
	"  at_ms INTEGER NOT NULL,"
	"  source TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS labels_mention ON labels(mention_id, id);"
	"CREATE INDEX IF NOT EXISTS recent_mention ON recent("
	"  CASE WHEN json_valid(json) THEN json_extract(json, '$.id') END);",
};

/* One row of a statement made for the occasion (a pragma, a count): 1, 0 for none, -1. */
static int
sqlite_query_row(struct sqlite_spool *s, const char *sql, void (*row)(sqlite3_stmt *, void *),
    void *out)
{
	sqlite3_stmt *st;
	int r;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite_dberr(s);
		return -1;
	}
	r = sqlite_row(s, st, row, out, NULL, 0);
	if (r == 0)
		sqlite_dberr(s);
	sqlite3_finalize(st);
	return r;
}

static int
sqlite_pragma_int(struct sqlite_spool *s, const char *sql, int *out)
{
	return sqlite_query_row(s, sql, sqlite_col0_int, out) > 0 ? 0 : -1;
}

static int
sqlite_sql_exec(struct sqlite_spool *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		sqlite_seterr(s, "%s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
sqlite_migrate(struct sqlite_spool *s, const char *path)
{
	char sql[128];
	int version, tables;

	/* Another process may be upgrading the same file: decide under the lock. */
	if (sqlite_sql_exec(s, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (sqlite_pragma_int(s, "PRAGMA user_version", &version) < 0)
		goto fail;
	if (version == 0) {
		if (sqlite_pragma_int(s, "SELECT count(*) FROM sqlite_master", &tables) < 0)
			goto fail;
		if (tables) {
			sqlite_seterr(s, "%s is an SQLite database but not a keluh spool; refusing to "
					"add tables to it", path);
			goto fail;
		}
	}
	for (; version < SPOOL_SCHEMA; version++)
		if (sqlite_sql_exec(s, sqlite_migrations[version]) < 0)
			goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d",
	    SPOOL_SCHEMA, SPOOL_APP_ID);
	if (sqlite_sql_exec(s, sql) < 0 || sqlite_sql_exec(s, "COMMIT") < 0)
		goto fail;
	return 0;
fail:
	if (!sqlite3_get_autocommit(s->db)) {
		char keep[sizeof(s->base.err)];

		memcpy(keep, s->base.err, sizeof(keep));
		sqlite_sql_exec(s, "ROLLBACK");
		memcpy(s->base.err, keep, sizeof(keep));
	}
	return -1;
}

/*
 * Puts a writable spool in WAL mode, checks that the file is a keluh spool
 * of a version this keluh knows, and upgrades an older one.
 */
int
sqlite_schema_setup(struct sqlite_spool *s, const char *path)
{
	int version, appid;

	if (!s->readonly) {
		char *mode = NULL;
		int ok;

		if (sqlite_query_row(s, "PRAGMA journal_mode = WAL", sqlite_col0_str, &mode) <= 0)
			return -1;
		ok = mode && strcmp(mode, "wal") == 0;
		if (!ok)
			sqlite_seterr(s, "cannot use write-ahead logging here (the journal mode stays "
					 "'%s'); put the spool on a local file system",
			    mode ? mode : "?");
		free(mode);
		if (!ok)
			return -1;
	}
	/*
	 * Here checkpoints run inside a commit, each with two fsyncs; every
	 * 4,000 WAL pages (16 MB with 4 KiB pages) instead of SQLite's 1,000,
	 * pages rewritten by several commits are copied once. With deferred
	 * sync a thread of their own runs them instead (sqlite_ckpt_main).
	 */
	if (sqlite_sql_exec(s, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
			      "PRAGMA wal_autocheckpoint = 4000") < 0)
		return -1;
	if (sqlite_pragma_int(s, "PRAGMA user_version", &version) < 0 ||
	    sqlite_pragma_int(s, "PRAGMA application_id", &appid) < 0)
		return -1;
	if (appid != 0 && appid != SPOOL_APP_ID) {
		sqlite_seterr(s, "%s is an SQLite database but not a keluh spool (application_id "
				"%#x)", path, (unsigned)appid);
		return -1;
	}
	if (version > SPOOL_SCHEMA) {
		sqlite_seterr(s, "%s has spool schema version %d, but this keluh knows only up to "
				"%d: it was written by a newer keluh", path, version, SPOOL_SCHEMA);
		return -1;
	}
	if (version < SPOOL_SCHEMA) {
		if (s->readonly && version == 0) {
			sqlite_seterr(s, "no spool at %s: has keluhd run with this config?", path);
			return -1;
		}
		if (s->readonly) {
			sqlite_seterr(s, "%s has spool schema version %d, older than %d: start keluhd "
					"once to upgrade it", path, version, SPOOL_SCHEMA);
			return -1;
		}
		if (sqlite_migrate(s, path) < 0)
			return -1;
	}
	return 0;
}
