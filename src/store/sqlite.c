/*
 * sqlite.c: the SQLite spool backend (spool_sqlite): opening, the batch of
 * a loop pass, and every query. Its schema is in sqlite_schema.c, its
 * sync and checkpoint threads in sqlite_sync.c, the statement helpers in
 * sqlite_stmt.c. WAL, synchronous=FULL (NORMAL inside a batch when sync is
 * deferred, a thread then syncs the WAL).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "store/spool.h"
#include "store/sqlite_int.h"

/* The column order sqlite_row_delivery() reads. */
#define DELIVERY_COLS                                                                              \
	"d.id, d.alert_rowid, a.alert_id, d.receiver, d.idem_key, a.json, d.state, d.attempts, "   \
	"d.created_ms, d.due_ms, d.expires_ms, d.done_ms, d.last_error, d.priority, "           \
	"coalesce(a.case_id, 0)"

#define SILENCE_COLS                                                                               \
	"id, matchers, created_by, reason, created_ms, expires_ms, ended_ms, ended_by, suppressed"


static const char *const sqlite_sql[ST__N] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT spool_op",
	[ST_RELEASE] = "RELEASE spool_op",
	[ST_ROLLBACK_TO] = "ROLLBACK TO spool_op",
	[ST_ADD_MENTION] = "INSERT INTO mentions (mention_id, group_key, priority, at_ms, json) "
			   "VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_PENDING_MENTIONS] = "SELECT id, mention_id, group_key, priority, at_ms, json "
				"FROM mentions WHERE alert_rowid IS NULL ORDER BY at_ms, id",
	[ST_ADD_ALERT] = "INSERT INTO alerts (alert_id, group_key, priority, team, at_ms, json) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_TIE_MENTION] = "UPDATE mentions SET alert_rowid = ?1 "
			   "WHERE id = ?2 AND alert_rowid IS NULL",
	[ST_TIE_GROUP] = "UPDATE mentions SET alert_rowid = ?1 "
			 "WHERE alert_rowid IS NULL AND group_key = ?2 AND id <= ?3",
	[ST_ADD_DELIVERY] = "INSERT INTO deliveries (alert_rowid, receiver, idem_key, priority, "
			    "created_ms, due_ms, expires_ms, ttl_ms) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7 - ?5)",
	/*
	 * The ids are chosen first so the sort carries no JSON and only the
	 * rows returned are joined to their alert.
	 */
	[ST_DUE] = "SELECT " DELIVERY_COLS " FROM ("
		   "  SELECT id FROM deliveries"
		   "  WHERE receiver = ?1 AND state = 0 AND due_ms <= ?2 AND id <= ?4"
		   "  ORDER BY priority DESC, created_ms, id LIMIT ?3) AS t "
		   "JOIN deliveries d ON d.id = t.id JOIN alerts a ON a.id = d.alert_rowid "
		   "ORDER BY d.priority DESC, d.created_ms, d.id",
	[ST_NEXT_DUE] = "SELECT min(due_ms) FROM deliveries WHERE receiver = ?1 AND state = 0 "
			"AND id <= ?2",
	[ST_FIRST_DUE] = "SELECT " DELIVERY_COLS " FROM ("
			 "  SELECT id FROM deliveries"
			 "  WHERE receiver = ?1 AND state = 0 AND due_ms <= ?2 AND id <= ?4"
			 "  ORDER BY due_ms, priority DESC, created_ms, id LIMIT ?3) AS t "
			 "JOIN deliveries d ON d.id = t.id JOIN alerts a ON a.id = d.alert_rowid "
			 "ORDER BY d.due_ms, d.priority DESC, d.created_ms, d.id",
	[ST_MAKE_DUE] = "UPDATE deliveries SET due_ms = ?2 "
			"WHERE receiver = ?1 AND state = 0 AND due_ms > ?2",
	[ST_EXPIRE] = "UPDATE deliveries SET state = 2, done_ms = ?2, last_error = 'expired after ' "
		      "|| attempts || ' attempt(s), while the receiver was failing; last error: ' "
		      "|| ?3 WHERE receiver = ?1 AND state = 0 AND expires_ms <= ?2",
	[ST_DELIVERED] = "UPDATE deliveries SET state = 1, done_ms = ?2, attempts = attempts + 1 "
			 "WHERE id = ?1 AND state = 0",
	[ST_RETRY_LATER] = "UPDATE deliveries SET attempts = attempts + 1, due_ms = ?2, "
			   "last_error = ?3 WHERE id = ?1 AND state = 0",
	[ST_DEAD] = "UPDATE deliveries SET state = 2, done_ms = ?2, last_error = ?3, "
		    "attempts = attempts + ?4 WHERE id = ?1 AND state = 0",
	[ST_REQUEUE] = "UPDATE deliveries SET state = 0, attempts = 0, due_ms = ?2, "
		       "expires_ms = ?2 + ttl_ms, done_ms = NULL WHERE id = ?1 AND state = 2",
	[ST_REQUEUE_DEAD] = "UPDATE deliveries SET state = 0, attempts = 0, due_ms = ?1, "
			    "expires_ms = ?1 + ttl_ms, done_ms = NULL "
			    "WHERE state = 2 AND (?2 IS NULL OR receiver = ?2)",
	[ST_STATE_OF] = "SELECT state FROM deliveries WHERE id = ?1",
	[ST_DROP] = "DELETE FROM deliveries WHERE id = ?1",
	[ST_GET_DELIVERY] = "SELECT " DELIVERY_COLS " FROM deliveries d "
			    "JOIN alerts a ON a.id = d.alert_rowid WHERE d.id = ?1",
	[ST_COUNTS_RECEIVER] =
	    "SELECT"
	    " (SELECT count(*) FROM deliveries WHERE receiver = ?1 AND state = 0),"
	    " (SELECT count(*) FROM deliveries WHERE receiver = ?1 AND state = 1),"
	    " (SELECT count(*) FROM deliveries WHERE receiver = ?1 AND state = 2),"
	    " (SELECT count(*) FROM mentions WHERE alert_rowid IS NULL),"
	    " (SELECT count(*) FROM alerts)",
	[ST_COUNTS_ALL] = "SELECT"
			  " (SELECT count(*) FROM deliveries WHERE state = 0),"
			  " (SELECT count(*) FROM deliveries WHERE state = 1),"
			  " (SELECT count(*) FROM deliveries WHERE state = 2),"
			  " (SELECT count(*) FROM mentions WHERE alert_rowid IS NULL),"
			  " (SELECT count(*) FROM alerts)",
	/* what the daemon reads every second: nothing spool-wide, no history */
	[ST_QUEUE_COUNTS] = "SELECT"
			    " (SELECT count(*) FROM deliveries WHERE receiver = ?1 AND state = 0),"
			    " (SELECT count(*) FROM deliveries WHERE receiver = ?1 AND state = 2)",
	[ST_LIST_DELIVERIES_STATE] = "SELECT " DELIVERY_COLS " FROM deliveries d "
				     "JOIN alerts a ON a.id = d.alert_rowid WHERE d.state = ?1 "
				     "ORDER BY d.id DESC LIMIT ?2",
	[ST_LIST_DELIVERIES_ALL] = "SELECT " DELIVERY_COLS " FROM deliveries d "
				   "JOIN alerts a ON a.id = d.alert_rowid "
				   "ORDER BY d.id DESC LIMIT ?2",
	[ST_LIST_ALERTS] =
	    "SELECT a.id, a.alert_id, a.group_key, a.team, a.json, a.priority, a.at_ms,"
	    " (SELECT count(*) FROM deliveries WHERE alert_rowid = a.id AND state = 1),"
	    " (SELECT count(*) FROM deliveries WHERE alert_rowid = a.id AND state = 0),"
	    " (SELECT count(*) FROM deliveries WHERE alert_rowid = a.id AND state = 2),"
	    " (SELECT count(*) FROM mentions WHERE alert_rowid = a.id) "
	    "FROM alerts a ORDER BY a.id DESC LIMIT ?1",
	[ST_GET_ALERT] =
	    "SELECT a.id, a.alert_id, a.group_key, a.team, a.json, a.priority, a.at_ms,"
	    " (SELECT count(*) FROM deliveries WHERE alert_rowid = a.id AND state = 1),"
	    " (SELECT count(*) FROM deliveries WHERE alert_rowid = a.id AND state = 0),"
	    " (SELECT count(*) FROM deliveries WHERE alert_rowid = a.id AND state = 2),"
	    " (SELECT count(*) FROM mentions WHERE alert_rowid = a.id) "
	    "FROM alerts a WHERE a.alert_id = ?1",
	[ST_ALERT_MENTIONS] = "SELECT id, mention_id, group_key, priority, at_ms, json "
			      "FROM mentions WHERE alert_rowid = ?1 ORDER BY at_ms, id",
	[ST_CURSOR_GET] = "SELECT value FROM cursors WHERE source = ?1",
	[ST_CURSOR_SET] = "INSERT INTO cursors (source, value) VALUES (?1, ?2) "
			  "ON CONFLICT (source) DO UPDATE SET value = excluded.value",
	[ST_ADD_SILENCE] = "INSERT INTO silences (matchers, created_by, reason, created_ms, "
			   "expires_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_END_SILENCE] = "UPDATE silences SET ended_ms = ?2, ended_by = ?3 "
			   "WHERE id = ?1 AND ended_ms IS NULL",
	[ST_SILENCE_SUPPRESSED] = "UPDATE silences SET suppressed = suppressed + ?2 WHERE id = ?1",
	[ST_LIST_SILENCES_ACTIVE] = "SELECT " SILENCE_COLS " FROM silences WHERE ended_ms IS NULL "
				    "ORDER BY id DESC LIMIT ?1",
	[ST_LIST_SILENCES_ALL] = "SELECT " SILENCE_COLS " FROM silences ORDER BY id DESC LIMIT ?1",
	[ST_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
	[ST_SYNC_FULL] = "PRAGMA synchronous = FULL",
	[ST_RULE_TEXT_ADD] = "INSERT OR IGNORE INTO rule_texts (json) VALUES (?1)",
	[ST_RULE_TEXT_ID] = "SELECT id FROM rule_texts WHERE json = ?1",
	[ST_RULE_TEXT_GET] = "SELECT json FROM rule_texts WHERE id = ?1",
	/* only pending mentions are ever read back; alerted ones keep their alert's JSON */
	[ST_RULE_TEXT_PRUNE] = "DELETE FROM rule_texts WHERE id NOT IN (SELECT r.value FROM "
			       "mentions m, json_each(m.json, '$.rule_refs') r WHERE "
			       "m.alert_rowid IS NULL AND json_valid(m.json))",
	[ST_MAX_DELIVERY] = "SELECT coalesce(max(id), 0) FROM deliveries",
	/* a write that changes nothing but still goes through the WAL and its sync */
	[ST_PROBE] = "PRAGMA user_version = " SPOOL_STR(SPOOL_SCHEMA),
	[ST_PENDING_BY_RECEIVER] = "SELECT receiver, count(*) FROM deliveries WHERE state = 0 "
				   "GROUP BY receiver ORDER BY receiver",
	/* public replies: the newest row of a mention id (mentions_id) */
	[ST_MENTION_BY_ID] = "SELECT id, mention_id, group_key, priority, at_ms, json "
			     "FROM mentions WHERE mention_id = ?1 ORDER BY id DESC LIMIT 1",
};

static int64_t
sqlite_limit(size_t n)
{
	return n > (size_t)INT64_MAX ? INT64_MAX : (int64_t)n;
}

/* Steps a statement that takes no parameters and returns no rows. */
static int
sqlite_exec(struct sqlite_spool *s, sqlite3_stmt *st)
{
	return sqlite_step(s, st, NULL, 0);
}

/*
 * A write of several statements is all or nothing: its own transaction
 * outside a batch, a savepoint inside one (so a failure midway does not
 * leave half an alert in the caller's batch).
 */
static int
sqlite_op_begin(struct sqlite_spool *s)
{
	if (sqlite_check_txn(s) < 0)
		return -1;
	return sqlite_exec(s, s->st[s->txn ? ST_SAVEPOINT : ST_BEGIN]);
}

static int
sqlite_op_end(struct sqlite_spool *s, int ok)
{
	char keep[sizeof(s->base.err)];

	if (ok) {
		if (sqlite_exec(s, s->st[s->txn ? ST_RELEASE : ST_COMMIT]) == 0)
			return 0;
	}
	/* Undo quietly: the message that matters is the first one. */
	memcpy(keep, s->base.err, sizeof(keep));
	if (s->txn) {
		if (!sqlite3_get_autocommit(s->db)) {
			sqlite_exec(s, s->st[ST_ROLLBACK_TO]);
			sqlite_exec(s, s->st[ST_RELEASE]);
		}
	} else if (!sqlite3_get_autocommit(s->db))
		sqlite_exec(s, s->st[ST_ROLLBACK]);
	memcpy(s->base.err, keep, sizeof(keep));
	return -1;
}

static int
sqlite_read_deliv_max(struct sqlite_spool *s)
{
	int r = sqlite_row(s, s->st[ST_MAX_DELIVERY], sqlite_col0_i64, &s->deliv_max, NULL, 0);

	if (r == 0)
		sqlite_dberr(s);
	return r > 0 ? 0 : -1;
}

static int
sqlite_setup(struct sqlite_spool *s, const char *path)
{
	if (sqlite_schema_setup(s, path) < 0)
		return -1;
	if (sqlite_prepare_all(s, sqlite_sql, s->st, ST__N) < 0)
		return -1;
	if (sqlite_cases_setup(s) < 0 || sqlite_stats_setup(s) < 0 || sqlite_labels_setup(s) < 0)
		return -1;
	/* what an earlier run wrote is on disk by now */
	if (sqlite_read_deliv_max(s) < 0)
		return -1;
	s->deliv_durable = s->deliv_max;
	return 0;
}

/*
 * The spool holds what customers wrote: a new one is made 0600 whatever
 * the umask, and SQLite gives its -wal and -shm files the mode of the
 * database file. One that exists keeps its mode (an operator may have
 * opened it to a group). Errors are left to SQLite's open, which says them.
 */
static void
sqlite_create(const char *path)
{
	int fd;

	if (*path == '\0' || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
		return;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return;
	/* a umask such as 0277 would leave even the owner without write */
	(void)fchmod(fd, 0600);
	close(fd);
}

static void sqlite_close(struct spool *);

/* Why open failed, in err; closes s. */
static void
sqlite_open_failed(struct sqlite_spool *s, const char *path, char *err, size_t errlen)
{
	int code = sqlite3_errcode(s->db);

	/* A reader of a WAL database must be able to create the -shm file. */
	if (s->readonly && (code == SQLITE_READONLY || code == SQLITE_CANTOPEN))
		snprintf(err, errlen, "%s: %s: while keluhd is not running, reading the "
				      "spool needs write access to its directory (for %s-shm); "
				      "run this as the user keluhd runs as",
		    path, s->base.err, path);
	else if (strstr(s->base.err, path)) /* the message names the file already */
		snprintf(err, errlen, "%s", s->base.err);
	else
		snprintf(err, errlen, "%s: %s", path, s->base.err);
	sqlite_close(&s->base);
}

static struct spool *
sqlite_open(const char *path, int readonly, char *err, size_t errlen)
{
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	struct sqlite_spool *s;

	/* Without this a typo in a path looks like "unable to open database file". */
	if (readonly && access(path, F_OK) < 0 && errno == ENOENT) {
		snprintf(err, errlen, "no spool at %s: has keluhd run with this config?", path);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->readonly = readonly != 0;
	if (!readonly)
		sqlite_create(path);
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		int e = s->db ? sqlite3_system_errno(s->db) : 0;

		if (e)
			snprintf(err, errlen, "%s: %s (%s)", path,
			    s->db ? sqlite3_errmsg(s->db) : "out of memory", strerror(e));
		else
			snprintf(err, errlen, "%s: %s", path,
			    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sqlite_close(&s->base);
		return NULL;
	}
	/*
	 * Only so that keluhctl and an operator's sqlite3 shell can write while
	 * the daemon runs; the busy handler sleeps in the caller's thread.
	 */
	sqlite3_busy_timeout(s->db, SPOOL_BUSY_MS);
	if (sqlite_setup(s, path) < 0) {
		sqlite_open_failed(s, path, err, errlen);
		return NULL;
	}
	return &s->base;
}

static void
sqlite_close(struct spool *sp)
{
	struct sqlite_spool *s = sqlite_of(sp);

	sqlite_sync_stop(s);
	sqlite_finalize_all(s->st, ST__N);
	sqlite_cases_close(s);
	sqlite_stats_close(s);
	sqlite_labels_close(s);
	/* An open transaction is rolled back here: that is the crash semantics. */
	sqlite3_close(s->db);
	free(s->wal_path);
	free(s);
}

static int
sqlite_begin(struct spool *sp)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (s->txn)
		return 0;
	/* only outside a transaction may the level change; writes outside a batch stay FULL */
	if (s->sy && sqlite_exec(s, s->st[ST_SYNC_NORMAL]) < 0)
		return -1;
	if (sqlite_exec(s, s->st[ST_BEGIN]) < 0) {
		if (s->sy)
			sqlite_exec(s, s->st[ST_SYNC_FULL]);
		return -1;
	}
	s->txn = 1;
	return 1;
}

/* After a commit, or a batch lost: the level back to FULL, the ids of a lost batch back. */
static void
sqlite_after_commit(struct sqlite_spool *s, int rc)
{
	char why[sizeof(s->base.err)];

	memcpy(why, s->base.err, sizeof(why));
	if (s->sy)
		sqlite_exec(s, s->st[ST_SYNC_FULL]);
	if (rc < 0 && sqlite_read_deliv_max(s) < 0)
		s->deliv_max = s->deliv_durable;
	memcpy(s->base.err, why, sizeof(why));
}

static int
sqlite_commit(struct spool *sp)
{
	struct sqlite_spool *s = sqlite_of(sp);
	char why[sizeof(s->base.err)];
	int rc;

	if (!s->txn)
		return 0;
	s->txn = 0;
	if (sqlite3_get_autocommit(s->db)) {
		sqlite_seterr(s, "the transaction was rolled back after an earlier error; "
				 "nothing written since spool_begin was kept");
		s->rollbacks++;
		rc = -1;
	} else if (sqlite_exec(s, s->st[ST_COMMIT]) == 0) {
		rc = 0;
		if (s->sy) {
			s->seq++;
			sqlite_deliv_committed(s);
		} else
			s->deliv_durable = s->deliv_max;
	} else {
		/* Leave no half-known state: a failed commit keeps nothing. */
		memcpy(why, s->base.err, sizeof(why));
		if (!sqlite3_get_autocommit(s->db))
			sqlite_exec(s, s->st[ST_ROLLBACK]);
		s->rollbacks++;
		sqlite_seterr(s, "commit failed, nothing written since spool_begin was kept: "
				 "%.400s", why);
		rc = -1;
	}
	if (s->sy || rc < 0)
		sqlite_after_commit(s, rc);
	return rc;
}

static int
sqlite_probe(struct spool *sp)
{
	struct sqlite_spool *s = sqlite_of(sp);

	return sqlite_exec(s, s->st[ST_PROBE]);
}

static int
sqlite_in_txn(const struct spool *sp)
{
	return sqlite_of_const(sp)->txn;
}

static uint64_t
sqlite_rollbacks(const struct spool *sp)
{
	return sqlite_of_const(sp)->rollbacks;
}

static int64_t
sqlite_add_mention(struct spool *sp, const char *mention_id, const char *group_key,
    int priority, int64_t at_ms, const char *json)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->st[ST_ADD_MENTION], SPOOL_TEXT(mention_id), SPOOL_TEXT(group_key),
		SPOOL_INT(priority), SPOOL_I64(at_ms), SPOOL_TEXT(json)) < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

static int64_t
sqlite_rule_text(struct spool *sp, const char *json)
{
	struct sqlite_spool *s = sqlite_of(sp);
	int64_t id = -1;

	if (SPOOL_WRITE(s, s->st[ST_RULE_TEXT_ADD], SPOOL_TEXT(json)) < 0)
		return -1;
	if (SPOOL_ROW(s, s->st[ST_RULE_TEXT_ID], sqlite_col0_i64, &id, SPOOL_TEXT(json)) == 0)
		sqlite_dberr(s);
	return id;
}

static char *
sqlite_rule_text_get(struct spool *sp, int64_t id)
{
	struct sqlite_spool *s = sqlite_of(sp);
	char *json = NULL;

	SPOOL_ROW(s, s->st[ST_RULE_TEXT_GET], sqlite_col0_str, &json, SPOOL_I64(id));
	return json;
}

static int
sqlite_prune_rule_texts(struct spool *sp)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (sqlite_write(s, s->st[ST_RULE_TEXT_PRUNE], NULL, 0) < 0)
		return -1;
	return sqlite3_changes(s->db);
}

static int
sqlite_pending_mentions(struct spool *sp, void (*fn)(void *arg, const struct spool_mention *),
    void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);

	return sqlite_mentions_each(s, s->st[ST_PENDING_MENTIONS], fn, arg);
}

static int
sqlite_alert_mentions(struct spool *sp, int64_t alert_rowid,
    void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->st[ST_ALERT_MENTIONS];

	SPOOL_BIND(st, SPOOL_I64(alert_rowid));
	return sqlite_mentions_each(s, st, fn, arg);
}

/* ---- public replies: the complaint a reply answers ------------------ */

static int
sqlite_mention_by_id(struct spool *sp, const char *mention_id,
    void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->st[ST_MENTION_BY_ID];
	struct spool_mention *v;
	size_t n;
	int ok;

	SPOOL_BIND(st, SPOOL_TEXT(mention_id));
	v = sqlite_rows(s, st, sizeof(*v), sqlite_row_mention, &n, &ok);
	if (ok && n > 0)
		fn(arg, &v[0]);
	for (size_t i = 0; i < n; i++)
		sqlite_mention_clear(&v[i]);
	free(v);
	return ok ? n > 0 : -1;
}

/* ---------------------------------------------------------------------- */

/* Ties the given mentions to the alert: each must be pending. */
static int
sqlite_tie_each(struct sqlite_spool *s, const char *alert_id, int64_t rowid,
    const int64_t *mention_rowids, size_t nmentions)
{
	for (size_t i = 0; i < nmentions; i++) {
		if (SPOOL_STEP(s, s->st[ST_TIE_MENTION], SPOOL_I64(rowid),
			SPOOL_I64(mention_rowids[i])) < 0)
			return -1;
		/* Tying a mention twice would hide it from one of the two alerts' history. */
		if (sqlite3_changes(s->db) != 1) {
			sqlite_seterr(s, "alert %s: mention row %" PRId64 " is not pending (unknown, "
					 "or already tied to an alert)", alert_id, mention_rowids[i]);
			return -1;
		}
	}
	return 0;
}

static int64_t
sqlite_add_alert(struct spool *sp, const char *alert_id, const char *group_key, int priority,
    const char *team, int64_t at_ms, const char *json, const int64_t *mention_rowids,
    size_t nmentions, const char *const *receivers, const int64_t *expires_ms,
    size_t nreceivers, int64_t due_ms)
{
	struct sqlite_spool *s = sqlite_of(sp);
	int64_t rowid, last = 0;

	if (sqlite_op_begin(s) < 0)
		return -1;
	if (SPOOL_STEP(s, s->st[ST_ADD_ALERT], SPOOL_TEXT(alert_id), SPOOL_TEXT(group_key),
		SPOOL_INT(priority), SPOOL_TEXT(team), SPOOL_I64(at_ms), SPOOL_TEXT(json)) < 0)
		goto fail;
	rowid = sqlite3_last_insert_rowid(s->db);
	if (sqlite_tie_each(s, alert_id, rowid, mention_rowids, nmentions) < 0)
		goto fail;
	for (size_t i = 0; i < nreceivers; i++) {
		char *idem = xasprintf("%s.%s", alert_id, receivers[i]);
		int r = SPOOL_STEP(s, s->st[ST_ADD_DELIVERY], SPOOL_I64(rowid),
		    SPOOL_TEXT(receivers[i]), SPOOL_TEXT(idem), SPOOL_INT(priority), SPOOL_I64(at_ms),
		    SPOOL_I64(due_ms), SPOOL_I64(expires_ms[i]));

		free(idem);
		if (r < 0)
			goto fail;
		last = sqlite3_last_insert_rowid(s->db);
	}
	if (sqlite_op_end(s, 1) < 0)
		return -1;
	if (last > s->deliv_max)
		s->deliv_max = last;
	/* outside a batch the write was synced before it returned */
	if (!s->txn)
		s->deliv_durable = s->deliv_max;
	return rowid;
fail:
	sqlite_op_end(s, 0);
	return -1;
}

static int64_t
sqlite_tie_mentions(struct spool *sp, int64_t alert_rowid, const char *group_key,
    int64_t upto_rowid)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->st[ST_TIE_GROUP], SPOOL_I64(alert_rowid), SPOOL_TEXT(group_key),
		SPOOL_I64(upto_rowid)) < 0)
		return -1;
	return sqlite3_changes(s->db);
}

static void
sqlite_row_delivery(sqlite3_stmt *st, void *p)
{
	struct spool_delivery *d = p;

	d->id = sqlite3_column_int64(st, 0);
	d->alert_rowid = sqlite3_column_int64(st, 1);
	d->alert_id = sqlite_col_str(st, 2);
	d->receiver = sqlite_col_str(st, 3);
	d->idem_key = sqlite_col_str(st, 4);
	d->alert_json = sqlite_col_str(st, 5);
	d->state = sqlite3_column_int(st, 6);
	d->attempts = sqlite3_column_int(st, 7);
	d->created_ms = sqlite3_column_int64(st, 8);
	d->due_ms = sqlite3_column_int64(st, 9);
	d->expires_ms = sqlite3_column_int64(st, 10);
	d->done_ms = sqlite3_column_int64(st, 11);
	d->last_error = sqlite_col_str(st, 12);
	d->priority = sqlite3_column_int(st, 13);
	d->case_id = sqlite3_column_int64(st, 14);
}

static int
sqlite_select_due(struct sqlite_spool *s, int which, const char *receiver, int64_t now_ms,
    const int64_t *skip, size_t nskip, struct spool_delivery *out, size_t max)
{
	sqlite3_stmt *st = s->st[which];
	size_t n = 0;
	int rc = SQLITE_DONE;

	if (max > INT_MAX)
		max = INT_MAX;
	if (max == 0)
		return 0;
	/*
	 * The in-flight list is small (bounded by the receiver's concurrency):
	 * asking for max + nskip rows and filtering here leaves at least max.
	 */
	SPOOL_BIND(st, SPOOL_TEXT(receiver), SPOOL_I64(now_ms),
	    SPOOL_I64(sqlite_limit(max + nskip < max ? SIZE_MAX : max + nskip)),
	    SPOOL_I64(s->deliv_durable));
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		size_t i;

		for (i = 0; i < nskip && skip[i] != id; i++)
			;
		if (i < nskip)
			continue;
		sqlite_row_delivery(st, &out[n++]);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		sqlite_dberr(s);
		sqlite_done(st);
		while (n)
			spool_delivery_free(&out[--n]);
		return -1;
	}
	sqlite_done(st);
	return (int)n;
}

static int
sqlite_due(struct spool *sp, const char *receiver, int64_t now_ms, const int64_t *skip,
    size_t nskip, struct spool_delivery *out, size_t max)
{
	return sqlite_select_due(sqlite_of(sp), ST_DUE, receiver, now_ms, skip, nskip, out, max);
}

static int
sqlite_first_due(struct spool *sp, const char *receiver, const int64_t *skip, size_t nskip,
    struct spool_delivery *out)
{
	return sqlite_select_due(sqlite_of(sp), ST_FIRST_DUE, receiver, INT64_MAX, skip, nskip,
	    out, 1);
}

/* A write whose answer is how many rows it changed, or -1. */
static int64_t
sqlite_changed(struct sqlite_spool *s, int r)
{
	return r < 0 ? -1 : sqlite3_changes(s->db);
}

static int64_t
sqlite_make_due(struct spool *sp, const char *receiver, int64_t now_ms)
{
	struct sqlite_spool *s = sqlite_of(sp);

	return sqlite_changed(s,
	    SPOOL_WRITE(s, s->st[ST_MAKE_DUE], SPOOL_TEXT(receiver), SPOOL_I64(now_ms)));
}

static int64_t
sqlite_expire(struct spool *sp, const char *receiver, int64_t now_ms, const char *error)
{
	struct sqlite_spool *s = sqlite_of(sp);

	return sqlite_changed(s, SPOOL_WRITE(s, s->st[ST_EXPIRE], SPOOL_TEXT(receiver),
				     SPOOL_I64(now_ms), SPOOL_TEXT(error)));
}

/* One daemon writes a SQLite spool: nothing is leased (spool.h). */
static int
sqlite_set_lease(struct spool *sp, const char *receiver, int64_t lease_ms)
{
	(void)sp;
	(void)receiver;
	(void)lease_ms;
	return 0;
}

static int
sqlite_lease_counts(struct spool *sp, void (*fn)(void *, const char *, int64_t), void *arg)
{
	(void)sp;
	(void)fn;
	(void)arg;
	return 0;
}

/* min(due_ms): NULL when the receiver has nothing pending. */
static void
sqlite_row_next_due(sqlite3_stmt *st, void *out)
{
	if (sqlite3_column_type(st, 0) != SQLITE_NULL)
		*(int64_t *)out = sqlite3_column_int64(st, 0);
}

static int64_t
sqlite_next_due(struct spool *sp, const char *receiver)
{
	struct sqlite_spool *s = sqlite_of(sp);
	int64_t due = INT64_MAX;
	int r = SPOOL_ROW(s, s->st[ST_NEXT_DUE], sqlite_row_next_due, &due, SPOOL_TEXT(receiver),
	    SPOOL_I64(s->deliv_durable));

	if (r == 0)
		sqlite_dberr(s);
	return r > 0 ? due : -1;
}

/* The daemon's transitions touch pending rows only; see spool.h. */
static int
sqlite_delivered(struct spool *sp, int64_t id, int64_t at_ms)
{
	struct sqlite_spool *s = sqlite_of(sp);

	return SPOOL_WRITE(s, s->st[ST_DELIVERED], SPOOL_I64(id), SPOOL_I64(at_ms));
}

static int
sqlite_retry_later(struct spool *sp, int64_t id, int64_t due_ms, const char *error)
{
	struct sqlite_spool *s = sqlite_of(sp);

	return SPOOL_WRITE(s, s->st[ST_RETRY_LATER], SPOOL_I64(id), SPOOL_I64(due_ms),
	    SPOOL_TEXT(error));
}

static int
sqlite_dead(struct spool *sp, int64_t id, int64_t at_ms, const char *reason, int tried)
{
	struct sqlite_spool *s = sqlite_of(sp);

	return SPOOL_WRITE(s, s->st[ST_DEAD], SPOOL_I64(id), SPOOL_I64(at_ms), SPOOL_TEXT(reason),
	    SPOOL_INT(tried != 0));
}

static const char *
sqlite_state_name(int state)
{
	switch (state) {
	case SPOOL_PENDING: return "pending";
	case SPOOL_DELIVERED: return "delivered";
	case SPOOL_DEAD: return "dead";
	}
	return "in an unknown state";
}

/* Explains why an operator action on id changed nothing. */
static void
sqlite_explain(struct sqlite_spool *s, int64_t id, const char *action)
{
	int state, r = SPOOL_ROW(s, s->st[ST_STATE_OF], sqlite_col0_int, &state, SPOOL_I64(id));

	if (r > 0)
		sqlite_seterr(s, "delivery %" PRId64 " is %s, not dead: only dead deliveries can be "
				 "%s", id, sqlite_state_name(state), action);
	else if (r == 0)
		sqlite_seterr(s, "no delivery %" PRId64, id);
}

static int
sqlite_requeue(struct spool *sp, int64_t id, int64_t now_ms)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->st[ST_REQUEUE], SPOOL_I64(id), SPOOL_I64(now_ms)) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 1)
		return 0;
	sqlite_explain(s, id, "retried");
	return -1;
}

static int64_t
sqlite_requeue_dead(struct spool *sp, const char *receiver, int64_t now_ms)
{
	struct sqlite_spool *s = sqlite_of(sp);

	return sqlite_changed(s,
	    SPOOL_WRITE(s, s->st[ST_REQUEUE_DEAD], SPOOL_I64(now_ms), SPOOL_TEXT(receiver)));
}

static int
sqlite_drop(struct spool *sp, int64_t id)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->st[ST_DROP], SPOOL_I64(id)) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 1)
		return 0;
	sqlite_seterr(s, "no delivery %" PRId64, id);
	return -1;
}

struct sqlite_receiver_count {
	char *receiver;
	int64_t n;
};

static void
sqlite_row_receiver_count(sqlite3_stmt *st, void *p)
{
	struct sqlite_receiver_count *c = p;

	c->receiver = sqlite_col_str(st, 0);
	c->n = sqlite3_column_int64(st, 1);
}

static int
sqlite_pending_by_receiver(struct spool *sp, void (*fn)(void *, const char *, int64_t),
    void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	struct sqlite_receiver_count *v;
	size_t n;
	int ok;

	v = sqlite_rows(s, s->st[ST_PENDING_BY_RECEIVER], sizeof(*v), sqlite_row_receiver_count,
	    &n, &ok);
	for (size_t i = 0; i < n; i++) {
		if (ok)
			fn(arg, v[i].receiver, v[i].n);
		free(v[i].receiver);
	}
	free(v);
	return ok ? 0 : -1;
}

/*
 * Runs each statement of sql with ?1 = before_ms, prepared each time (rare:
 * not worth holding for the spool's life); the changes of statement
 * counted. -1 on error.
 */
static int64_t
sqlite_prune_run(struct sqlite_spool *s, const char *const *sql, size_t n, int64_t before_ms,
    size_t counted)
{
	int64_t changes = 0;

	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st;
		int r;

		if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) != SQLITE_OK) {
			sqlite_dberr(s);
			return -1;
		}
		r = SPOOL_WRITE(s, st, SPOOL_I64(before_ms));
		sqlite3_finalize(st);
		if (r < 0)
			return -1;
		if (i == counted)
			changes = sqlite3_changes(s->db);
	}
	return changes;
}

static int64_t
sqlite_prune(struct spool *sp, int64_t before_ms)
{
	static const char *const sql[] = {
		"DELETE FROM deliveries WHERE state = 1 AND done_ms < ?1",
		"DELETE FROM mentions WHERE alert_rowid IN (SELECT a.id FROM alerts a WHERE "
		"a.at_ms < ?1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_rowid = a.id))",
		"DELETE FROM alerts WHERE at_ms < ?1 AND NOT EXISTS "
		"(SELECT 1 FROM deliveries d WHERE d.alert_rowid = alerts.id)",
		"DELETE FROM silences WHERE ended_ms < ?1",
	};

	return sqlite_prune_run(sqlite_of(sp), sql, sizeof(sql) / sizeof(sql[0]), before_ms, 2);
}

/* The closed cases old enough to go, which no alert names any more. */
#define SQLITE_CASES_GONE                                                                          \
	"SELECT c.id FROM cases c WHERE c.state IN ('resolved', 'not_complaint') AND "             \
	"c.resolved_ms < ?1 AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.case_id = c.id)"

static int64_t
sqlite_prune_cases(struct spool *sp, int64_t before_ms)
{
	static const char *const sql[] = {
		"DELETE FROM case_events WHERE case_id IN (" SQLITE_CASES_GONE ")",
		"DELETE FROM case_messages WHERE case_id IN (" SQLITE_CASES_GONE ")",
		"DELETE FROM cases WHERE id IN (" SQLITE_CASES_GONE ")",
	};

	return sqlite_prune_run(sqlite_of(sp), sql, sizeof(sql) / sizeof(sql[0]), before_ms, 2);
}

static int
sqlite_get_delivery(struct spool *sp, int64_t id, struct spool_delivery *out)
{
	struct sqlite_spool *s = sqlite_of(sp);

	return SPOOL_ROW(s, s->st[ST_GET_DELIVERY], sqlite_row_delivery, out, SPOOL_I64(id));
}

static int
sqlite_counts(struct spool *sp, const char *receiver, struct spool_counts *c)
{
	struct sqlite_spool *s = sqlite_of(sp);
	int64_t v[5] = {0};
	int r;

	if (receiver)
		r = SPOOL_ROW(s, s->st[ST_COUNTS_RECEIVER], sqlite_cols_i64, v, SPOOL_TEXT(receiver));
	else
		r = sqlite_row(s, s->st[ST_COUNTS_ALL], sqlite_cols_i64, v, NULL, 0);
	c->pending = v[0];
	c->delivered = v[1];
	c->dead = v[2];
	c->pending_mentions = v[3];
	c->alerts = v[4];
	if (r == 0)
		sqlite_dberr(s);
	return r > 0 ? 0 : -1;
}

static int
sqlite_queue_counts(struct spool *sp, const char *receiver, int64_t *pending, int64_t *dead)
{
	struct sqlite_spool *s = sqlite_of(sp);
	int64_t v[2] = {0};
	int r = SPOOL_ROW(s, s->st[ST_QUEUE_COUNTS], sqlite_cols_i64, v, SPOOL_TEXT(receiver));

	*pending = v[0];
	*dead = v[1];
	if (r == 0)
		sqlite_dberr(s);
	return r > 0 ? 0 : -1;
}

static int
sqlite_list_deliveries(struct spool *sp, int state, size_t limit,
    void (*fn)(void *arg, const struct spool_delivery *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->st[state < 0 ? ST_LIST_DELIVERIES_ALL : ST_LIST_DELIVERIES_STATE];
	struct spool_delivery *v;
	size_t n;
	int ok;

	if (limit == 0)
		return 0;
	SPOOL_BIND(st, state >= 0 ? SPOOL_INT(state) : SPOOL_SKIP, SPOOL_I64(sqlite_limit(limit)));
	/* fn may act on the spool (keluhctl retry) */
	v = sqlite_rows(s, st, sizeof(*v), sqlite_row_delivery, &n, &ok);
	for (size_t i = 0; i < n; i++) {
		if (ok)
			fn(arg, &v[i]);
		spool_delivery_free(&v[i]);
	}
	free(v);
	return ok ? 0 : -1;
}

static int
sqlite_list_alerts(struct spool *sp, size_t limit,
    void (*fn)(void *arg, const struct spool_alert *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->st[ST_LIST_ALERTS];

	if (limit == 0)
		return 0;
	SPOOL_BIND(st, SPOOL_I64(sqlite_limit(limit)));
	return sqlite_alerts_each(s, st, fn, arg) < 0 ? -1 : 0;
}

static int
sqlite_get_alert(struct spool *sp, const char *alert_id,
    void (*fn)(void *arg, const struct spool_alert *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->st[ST_GET_ALERT];
	int n;

	SPOOL_BIND(st, SPOOL_TEXT(alert_id));
	n = sqlite_alerts_each(s, st, fn, arg);
	return n < 0 ? -1 : n > 0;
}

static char *
sqlite_cursor_get(struct spool *sp, const char *source)
{
	struct sqlite_spool *s = sqlite_of(sp);
	char *v = NULL;

	SPOOL_ROW(s, s->st[ST_CURSOR_GET], sqlite_col0_str, &v, SPOOL_TEXT(source));
	return v;
}

static int
sqlite_cursor_set(struct spool *sp, const char *source, const char *value)
{
	struct sqlite_spool *s = sqlite_of(sp);

	return SPOOL_WRITE(s, s->st[ST_CURSOR_SET], SPOOL_TEXT(source), SPOOL_TEXT(value));
}

static int64_t
sqlite_add_silence(struct spool *sp, const char *matchers_json, const char *created_by,
    const char *reason, int64_t created_ms, int64_t expires_ms)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->st[ST_ADD_SILENCE], SPOOL_TEXT(matchers_json),
		SPOOL_TEXT(created_by), SPOOL_TEXT(reason), SPOOL_I64(created_ms),
		SPOOL_I64(expires_ms)) < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

static int
sqlite_end_silence(struct spool *sp, int64_t id, int64_t at_ms, const char *by)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->st[ST_END_SILENCE], SPOOL_I64(id), SPOOL_I64(at_ms),
		SPOOL_TEXT(by)) < 0)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

static int
sqlite_silence_suppressed(struct spool *sp, int64_t id, int64_t n)
{
	struct sqlite_spool *s = sqlite_of(sp);

	return SPOOL_WRITE(s, s->st[ST_SILENCE_SUPPRESSED], SPOOL_I64(id), SPOOL_I64(n));
}

static void
sqlite_row_silence(sqlite3_stmt *st, void *p)
{
	struct spool_silence *x = p;

	x->id = sqlite3_column_int64(st, 0);
	x->matchers = sqlite_col_str(st, 1);
	x->created_by = sqlite_col_str(st, 2);
	x->reason = sqlite_col_str(st, 3);
	x->created_ms = sqlite3_column_int64(st, 4);
	x->expires_ms = sqlite3_column_int64(st, 5);
	x->ended_ms = sqlite3_column_int64(st, 6);
	x->ended_by = sqlite_col_str(st, 7);
	x->suppressed = sqlite3_column_int64(st, 8);
}

static int
sqlite_list_silences(struct spool *sp, int all, size_t limit,
    void (*fn)(void *arg, const struct spool_silence *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->st[all ? ST_LIST_SILENCES_ALL : ST_LIST_SILENCES_ACTIVE];
	struct spool_silence *v;
	size_t n;
	int ok;

	if (limit == 0)
		return 0;
	SPOOL_BIND(st, SPOOL_I64(sqlite_limit(limit)));
	v = sqlite_rows(s, st, sizeof(*v), sqlite_row_silence, &n, &ok);
	for (size_t i = 0; i < n; i++) {
		if (ok)
			fn(arg, &v[i]);
		spool_silence_free(&v[i]);
	}
	free(v);
	return ok ? 0 : -1;
}

/*
 * One daemon per spool file: every lock is its own, nothing to listen to
 * and no one to tell (spool.h).
 */
static int
sqlite_shared(const struct spool *sp)
{
	(void)sp;
	return 0;
}

static int
sqlite_try_lock(struct spool *sp, const char *name)
{
	(void)sp;
	(void)name;
	return 1;
}

static int
sqlite_unlock(struct spool *sp, const char *name)
{
	(void)sp;
	(void)name;
	return 0;
}

static uint64_t
sqlite_session(const struct spool *sp)
{
	(void)sp;
	return 1;
}

static int
sqlite_listen(struct spool *sp, const char *channel)
{
	(void)sp;
	(void)channel;
	return 0;
}

static int
sqlite_notify(struct spool *sp, const char *channel, const char *payload)
{
	(void)sp;
	(void)channel;
	(void)payload;
	return 0;
}

static int
sqlite_notify_fd(const struct spool *sp)
{
	(void)sp;
	return -1;
}

static int
sqlite_notifications(struct spool *sp,
    void (*fn)(void *arg, const char *channel, const char *payload), void *arg)
{
	(void)sp;
	(void)fn;
	(void)arg;
	return 0;
}

static uint64_t
sqlite_notify_dropped(const struct spool *sp)
{
	(void)sp;
	return 0;
}

static int
sqlite_set_instance(struct spool *sp, const char *instance_id)
{
	(void)sp;
	(void)instance_id;
	return 0;
}

/* One daemon: no heartbeats kept, none listed. */
static int
sqlite_daemon_beat(struct spool *sp, const struct spool_daemon *d)
{
	return 0;
}

static int
sqlite_daemon_gone(struct spool *sp, const char *instance)
{
	return 0;
}

static int
sqlite_daemons(struct spool *sp, void (*fn)(void *arg, const struct spool_daemon *), void *arg)
{
	return 0;
}

const struct spool_backend spool_sqlite = {
	.name = "sqlite",
	.scheme = NULL,
	.open = sqlite_open,
	.close = sqlite_close,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.in_txn = sqlite_in_txn,
	.rollbacks = sqlite_rollbacks,
	.probe = sqlite_probe,
	.defer_sync = sqlite_defer_sync,
	.sync_fd = sqlite_sync_fd,
	.commit_seq = sqlite_commit_seq,
	.sync_request = sqlite_sync_request,
	.sync_now = sqlite_sync_now,
	.synced = sqlite_synced,
	.wal_bound_hits = sqlite_wal_bound_hits,
	.rule_text = sqlite_rule_text,
	.rule_text_get = sqlite_rule_text_get,
	.prune_rule_texts = sqlite_prune_rule_texts,
	.add_mention = sqlite_add_mention,
	.pending_mentions = sqlite_pending_mentions,
	.add_alert = sqlite_add_alert,
	.tie_mentions = sqlite_tie_mentions,
	.due = sqlite_due,
	.next_due = sqlite_next_due,
	.first_due = sqlite_first_due,
	.make_due = sqlite_make_due,
	.expire = sqlite_expire,
	.set_lease = sqlite_set_lease,
	.lease_counts = sqlite_lease_counts,
	.delivered = sqlite_delivered,
	.retry_later = sqlite_retry_later,
	.dead = sqlite_dead,
	.requeue = sqlite_requeue,
	.drop = sqlite_drop,
	.requeue_dead = sqlite_requeue_dead,
	.get_delivery = sqlite_get_delivery,
	.counts = sqlite_counts,
	.queue_counts = sqlite_queue_counts,
	.list_deliveries = sqlite_list_deliveries,
	.list_alerts = sqlite_list_alerts,
	.get_alert = sqlite_get_alert,
	.alert_mentions = sqlite_alert_mentions,
	.pending_by_receiver = sqlite_pending_by_receiver,
	.prune = sqlite_prune,
	.prune_cases = sqlite_prune_cases,
	.add_silence = sqlite_add_silence,
	.end_silence = sqlite_end_silence,
	.silence_suppressed = sqlite_silence_suppressed,
	.list_silences = sqlite_list_silences,
	.cursor_get = sqlite_cursor_get,
	.cursor_set = sqlite_cursor_set,
	.mention_by_id = sqlite_mention_by_id,
	.case_open = sqlite_case_open,
	.case_find = sqlite_case_find,
	.case_get = sqlite_case_get,
	.case_update = sqlite_case_update,
	.case_tie_alert = sqlite_case_tie_alert,
	.case_list = sqlite_case_list,
	.case_counts = sqlite_case_counts,
	.case_alerts = sqlite_case_alerts,
	.case_span = sqlite_case_span,
	.case_event_add = sqlite_case_event_add,
	.case_events = sqlite_case_events,
	.case_message_add = sqlite_case_message_add,
	.case_messages = sqlite_case_messages,
	.case_touch = sqlite_case_touch,
	.case_edits_pending = sqlite_case_edits_pending,
	.case_message_edited = sqlite_case_message_edited,
	.case_last_alert = sqlite_case_last_alert,
	.case_pending_before = sqlite_case_pending_before,
	.case_receivers = sqlite_case_receivers,
	.case_message_touch = sqlite_case_message_touch,
	.action_key = sqlite_action_key,
	.case_of_mention = sqlite_case_of_mention,
	.case_since = sqlite_case_since,
	.case_last_event = sqlite_case_last_event,
	.stat_add = sqlite_stat_add,
	.stat_rows = sqlite_stat_rows,
	.stat_rows_keys = sqlite_stat_rows_keys,
	.stat_prune = sqlite_stat_prune,
	.mentions_between = sqlite_mentions_between,
	.case_topics = sqlite_case_topics,
	.recent_add = sqlite_recent_add,
	.recent_prune = sqlite_recent_prune,
	.recent_scan = sqlite_recent_scan,
	.recent_by_id = sqlite_recent_by_id,
	.label_add = sqlite_label_add,
	.label_list = sqlite_label_list,
	.label_count = sqlite_label_count,
	.shared = sqlite_shared,
	.try_lock = sqlite_try_lock,
	.unlock = sqlite_unlock,
	.session = sqlite_session,
	.listen = sqlite_listen,
	.notify = sqlite_notify,
	.notify_fd = sqlite_notify_fd,
	.notifications = sqlite_notifications,
	.notify_dropped = sqlite_notify_dropped,
	.set_instance = sqlite_set_instance,
	.daemon_beat = sqlite_daemon_beat,
	.daemon_gone = sqlite_daemon_gone,
	.daemons = sqlite_daemons,
	/* one daemon: an ungrouped complaint is grouped at once, by it */
	.add_mention_ungrouped = sqlite_add_mention,
	.claim_mentions = sqlite_claim_mentions,
	.drop_mention = sqlite_drop_mention,
	.mentions_alerted = sqlite_mentions_alerted,
};
