#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "store/spool.h"
#include "store/spool_int.h"


/* The column order spool_row_delivery() reads. */
#define DELIVERY_COLS                                                                              \
	"d.id, d.alert_rowid, a.alert_id, d.receiver, d.idem_key, a.json, d.state, d.attempts, "   \
	"d.created_ms, d.due_ms, d.expires_ms, d.done_ms, d.last_error, d.priority"

#define SILENCE_COLS                                                                               \
	"id, matchers, created_by, reason, created_ms, expires_ms, ended_ms, ended_by, suppressed"


static const char *const spool_sql[ST__N] = {
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
};

void
spool_seterr(struct spool *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

void
spool_dberr(struct spool *s)
{
	spool_seterr(s, "%s", sqlite3_errmsg(s->db));
}

static void
spool_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/*
 * One argument of a statement, typed, so a caller's int64_t cannot be read
 * as an int on its way to SQLite (a varargs list would allow that).
 */
struct spool_arg {
	enum { SPOOL_ARG_TEXT, SPOOL_ARG_INT, SPOOL_ARG_I64, SPOOL_ARG_SKIP } kind;
	const char *text;
	int64_t i64;
};

#define SPOOL_TEXT(v) ((struct spool_arg){.kind = SPOOL_ARG_TEXT, .text = (v)})
#define SPOOL_INT(v)  ((struct spool_arg){.kind = SPOOL_ARG_INT, .i64 = (v)})
#define SPOOL_I64(v)  ((struct spool_arg){.kind = SPOOL_ARG_I64, .i64 = (v)})
/* leaves a parameter unbound (NULL): a statement with an optional filter */
#define SPOOL_SKIP ((struct spool_arg){.kind = SPOOL_ARG_SKIP})
#define SPOOL_ARGS(...)                                                                            \
	(const struct spool_arg[]){__VA_ARGS__},                                                   \
	    sizeof((const struct spool_arg[]){__VA_ARGS__}) / sizeof(struct spool_arg)
/* SPOOL_BIND(st, SPOOL_TEXT(a), SPOOL_I64(b)) binds ?1 and ?2 */
#define SPOOL_BIND(st, ...)     spool_bind((st), SPOOL_ARGS(__VA_ARGS__))
#define SPOOL_WRITE(s, st, ...) spool_write((s), (st), SPOOL_ARGS(__VA_ARGS__))

/* Binds a[i] to parameter i + 1; the caller steps and spool_done()s st. */
static void
spool_bind(sqlite3_stmt *st, const struct spool_arg *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int at = (int)i + 1;

		switch (a[i].kind) {
		case SPOOL_ARG_TEXT: spool_bind_text(st, at, a[i].text); break;
		case SPOOL_ARG_INT: sqlite3_bind_int(st, at, (int)a[i].i64); break;
		case SPOOL_ARG_I64: sqlite3_bind_int64(st, at, a[i].i64); break;
		case SPOOL_ARG_SKIP: break;
		}
	}
}

static int64_t
spool_limit(size_t n)
{
	return n > (size_t)INT64_MAX ? INT64_MAX : (int64_t)n;
}

/*
 * Every use of a prepared statement ends here: a statement left unreset
 * holds its read snapshot, which stops WAL checkpoints and pins old pages.
 */
static void
spool_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Steps a statement that returns no rows (or whose rows are ignored). */
static int
spool_exec(struct spool *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		spool_dberr(s);
		spool_done(st);
		return -1;
	}
	spool_done(st);
	return 0;
}

static char *
spool_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	return v ? xstrndup((const char *)v, (size_t)sqlite3_column_bytes(st, i)) : NULL;
}

/*
 * SQLite rolls a whole transaction back by itself after some errors (disk
 * full, I/O). A write after that would autocommit on its own, and the
 * batch's spool_commit would then report success for a batch that is half
 * gone; so every write checks first.
 */
static int
spool_check_txn(struct spool *s)
{
	if (s->txn && sqlite3_get_autocommit(s->db)) {
		spool_seterr(s, "the transaction was rolled back after an earlier error; "
				"nothing written since spool_begin was kept");
		return -1;
	}
	return 0;
}

/*
 * A one-statement write: refuses to autocommit after a rollback (see
 * spool_check_txn), binds a, steps st and resets it, leaving any error in
 * s->err. sqlite3_changes() and sqlite3_last_insert_rowid() still answer
 * for st afterwards.
 */
static int
spool_write(struct spool *s, sqlite3_stmt *st, const struct spool_arg *a, size_t n)
{
	if (spool_check_txn(s) < 0)
		return -1;
	spool_bind(st, a, n);
	return spool_exec(s, st);
}

/*
 * A write of several statements is all or nothing: its own transaction
 * outside spool_begin, a savepoint inside one (so a failure midway does
 * not leave half an alert in the caller's batch).
 */
static int
spool_op_begin(struct spool *s)
{
	if (spool_check_txn(s) < 0)
		return -1;
	return spool_exec(s, s->st[s->txn ? ST_SAVEPOINT : ST_BEGIN]);
}

static int
spool_op_end(struct spool *s, int ok)
{
	char keep[sizeof(s->err)];

	if (ok) {
		if (spool_exec(s, s->st[s->txn ? ST_RELEASE : ST_COMMIT]) == 0)
			return 0;
	}
	/* Undo quietly: the message that matters is the first one. */
	memcpy(keep, s->err, sizeof(keep));
	if (s->txn) {
		if (!sqlite3_get_autocommit(s->db)) {
			spool_exec(s, s->st[ST_ROLLBACK_TO]);
			spool_exec(s, s->st[ST_RELEASE]);
		}
	} else if (!sqlite3_get_autocommit(s->db))
		spool_exec(s, s->st[ST_ROLLBACK]);
	memcpy(s->err, keep, sizeof(keep));
	return -1;
}


static int
spool_read_deliv_max(struct spool *s)
{
	sqlite3_stmt *st = s->st[ST_MAX_DELIVERY];
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		s->deliv_max = sqlite3_column_int64(st, 0);
	else
		spool_dberr(s);
	spool_done(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
spool_setup(struct spool *s, const char *path)
{
	if (spool_schema_setup(s, path) < 0)
		return -1;
	for (int i = 0; i < ST__N; i++)
		if (sqlite3_prepare_v3(s->db, spool_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
			NULL) != SQLITE_OK) {
			spool_dberr(s);
			return -1;
		}
	/* what an earlier run wrote is on disk by now */
	if (spool_read_deliv_max(s) < 0)
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
spool_create(const char *path)
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

struct spool *
spool_open(const char *path, int readonly, char *err, size_t errlen)
{
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	struct spool *s;

	/* Without this a typo in a path looks like "unable to open database file". */
	if (readonly && access(path, F_OK) < 0 && errno == ENOENT) {
		snprintf(err, errlen, "no spool at %s: has keluhd run with this config?", path);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->readonly = readonly != 0;
	if (!readonly)
		spool_create(path);
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		int e = s->db ? sqlite3_system_errno(s->db) : 0;

		if (e)
			snprintf(err, errlen, "%s: %s (%s)", path,
			    s->db ? sqlite3_errmsg(s->db) : "out of memory", strerror(e));
		else
			snprintf(err, errlen, "%s: %s", path,
			    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		spool_close(s);
		return NULL;
	}
	/*
	 * Only so that keluhctl and an operator's sqlite3 shell can write while
	 * the daemon runs; the busy handler sleeps in the caller's thread.
	 */
	sqlite3_busy_timeout(s->db, SPOOL_BUSY_MS);
	if (spool_setup(s, path) < 0) {
		int code = sqlite3_errcode(s->db);

		/* A reader of a WAL database must be able to create the -shm file. */
		if (readonly && (code == SQLITE_READONLY || code == SQLITE_CANTOPEN))
			snprintf(err, errlen, "%s: %s: while keluhd is not running, reading the "
					      "spool needs write access to its directory (for %s-shm); "
					      "run this as the user keluhd runs as",
			    path, s->err, path);
		else if (strstr(s->err, path)) /* the message names the file already */
			snprintf(err, errlen, "%s", s->err);
		else
			snprintf(err, errlen, "%s: %s", path, s->err);
		spool_close(s);
		return NULL;
	}
	return s;
}

void
spool_close(struct spool *s)
{
	if (s == NULL)
		return;
	spool_sync_stop(s);
	for (int i = 0; i < ST__N; i++)
		sqlite3_finalize(s->st[i]);
	/* An open transaction is rolled back here: that is the crash semantics. */
	sqlite3_close(s->db);
	free(s->wal_path);
	free(s);
}

const char *
spool_error(const struct spool *s)
{
	return s->err;
}

int
spool_begin(struct spool *s)
{
	if (s->txn)
		return 0;
	/* only outside a transaction may the level change; writes outside a batch stay FULL */
	if (s->sy && spool_exec(s, s->st[ST_SYNC_NORMAL]) < 0)
		return -1;
	if (spool_exec(s, s->st[ST_BEGIN]) < 0) {
		if (s->sy)
			spool_exec(s, s->st[ST_SYNC_FULL]);
		return -1;
	}
	s->txn = 1;
	if (s->on_begin)
		s->on_begin(s->on_begin_arg);
	return 0;
}

int
spool_commit(struct spool *s)
{
	char why[sizeof(s->err)];

	int rc;

	if (!s->txn)
		return 0;
	s->txn = 0;
	if (sqlite3_get_autocommit(s->db)) {
		spool_seterr(s, "the transaction was rolled back after an earlier error; "
				"nothing written since spool_begin was kept");
		s->rollbacks++;
		rc = -1;
	} else if (spool_exec(s, s->st[ST_COMMIT]) == 0) {
		rc = 0;
		if (s->sy) {
			s->seq++;
			spool_deliv_committed(s);
		} else
			s->deliv_durable = s->deliv_max;
	} else {
		/* Leave no half-known state: a failed commit keeps nothing. */
		memcpy(why, s->err, sizeof(why));
		if (!sqlite3_get_autocommit(s->db))
			spool_exec(s, s->st[ST_ROLLBACK]);
		s->rollbacks++;
		spool_seterr(s, "commit failed, nothing written since spool_begin was kept: "
				"%.400s", why);
		rc = -1;
	}
	if (s->sy || rc < 0) {
		memcpy(why, s->err, sizeof(why));
		if (s->sy)
			spool_exec(s, s->st[ST_SYNC_FULL]);
		/* the ids of a lost batch come back */
		if (rc < 0 && spool_read_deliv_max(s) < 0)
			s->deliv_max = s->deliv_durable;
		memcpy(s->err, why, sizeof(why));
	}
	return rc;
}


int
spool_probe(struct spool *s)
{
	if (spool_begin(s) < 0)
		return -1;
	return spool_exec(s, s->st[ST_PROBE]);
}

void
spool_on_begin(struct spool *s, void (*fn)(void *), void *arg)
{
	s->on_begin = fn;
	s->on_begin_arg = arg;
}

int
spool_in_txn(const struct spool *s)
{
	return s->txn;
}

int64_t
spool_add_mention(struct spool *s, const char *mention_id, const char *group_key, int priority,
    int64_t at_ms, const char *json)
{
	sqlite3_stmt *st = s->st[ST_ADD_MENTION];

	if (SPOOL_WRITE(s, st, SPOOL_TEXT(mention_id), SPOOL_TEXT(group_key), SPOOL_INT(priority),
		SPOOL_I64(at_ms), SPOOL_TEXT(json)) < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

uint64_t
spool_rollbacks(const struct spool *s)
{
	return s->rollbacks;
}

int64_t
spool_rule_text(struct spool *s, const char *json)
{
	sqlite3_stmt *st = s->st[ST_RULE_TEXT_ADD];
	int64_t id = -1;

	if (SPOOL_WRITE(s, st, SPOOL_TEXT(json)) < 0)
		return -1;
	st = s->st[ST_RULE_TEXT_ID];
	SPOOL_BIND(st, SPOOL_TEXT(json));
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else
		spool_dberr(s);
	spool_done(st);
	return id;
}

char *
spool_rule_text_get(struct spool *s, int64_t id)
{
	sqlite3_stmt *st = s->st[ST_RULE_TEXT_GET];
	char *json = NULL;

	SPOOL_BIND(st, SPOOL_I64(id));
	if (sqlite3_step(st) == SQLITE_ROW)
		json = spool_col_str(st, 0);
	spool_done(st);
	return json;
}

int
spool_prune_rule_texts(struct spool *s)
{
	if (spool_write(s, s->st[ST_RULE_TEXT_PRUNE], NULL, 0) < 0)
		return -1;
	return sqlite3_changes(s->db);
}

static void
spool_mention_clear(struct spool_mention *m)
{
	free(m->mention_id);
	free(m->group_key);
	free(m->json);
}

/*
 * Steps st to its end and returns its rows, each made into an element of
 * elem bytes by row(); *n is how many. The rows are all read (and st reset)
 * before the caller hands them on, so its callback may write to the spool.
 * NULL with *n = 0 when there are none; *ok is 0 when stepping failed
 * (the rows read so far are still returned, to be freed).
 */
static void *
spool_rows(struct spool *s, sqlite3_stmt *st, size_t elem, void (*row)(sqlite3_stmt *, void *),
    size_t *n, int *ok)
{
	char *v = NULL;
	size_t cap = 0;
	int rc;

	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			v = xreallocarray(v, cap, elem);
		}
		row(st, v + elem * (*n)++);
	}
	*ok = rc == SQLITE_DONE;
	if (!*ok)
		spool_dberr(s);
	spool_done(st);
	return v;
}

static void
spool_row_mention(sqlite3_stmt *st, void *p)
{
	struct spool_mention *m = p;

	m->rowid = sqlite3_column_int64(st, 0);
	m->mention_id = spool_col_str(st, 1);
	m->group_key = spool_col_str(st, 2);
	m->priority = sqlite3_column_int(st, 3);
	m->at_ms = sqlite3_column_int64(st, 4);
	m->json = spool_col_str(st, 5);
}

int
spool_pending_mentions(struct spool *s, void (*fn)(void *arg, const struct spool_mention *),
    void *arg)
{
	size_t n;
	int ok;
	struct spool_mention *v = spool_rows(s, s->st[ST_PENDING_MENTIONS], sizeof(*v),
	    spool_row_mention, &n, &ok);

	for (size_t i = 0; i < n; i++) {
		if (ok)
			fn(arg, &v[i]);
		spool_mention_clear(&v[i]);
	}
	free(v);
	return ok ? 0 : -1;
}

int64_t
spool_add_alert(struct spool *s, const char *alert_id, const char *group_key, int priority,
    const char *team, int64_t at_ms, const char *json, const int64_t *mention_rowids,
    size_t nmentions, const char *const *receivers, const int64_t *expires_ms,
    size_t nreceivers, int64_t due_ms)
{
	sqlite3_stmt *st = s->st[ST_ADD_ALERT];
	int64_t rowid, last = 0;

	if (spool_op_begin(s) < 0)
		return -1;
	SPOOL_BIND(st, SPOOL_TEXT(alert_id), SPOOL_TEXT(group_key), SPOOL_INT(priority),
	    SPOOL_TEXT(team), SPOOL_I64(at_ms), SPOOL_TEXT(json));
	if (spool_exec(s, st) < 0)
		goto fail;
	rowid = sqlite3_last_insert_rowid(s->db);

	st = s->st[ST_TIE_MENTION];
	for (size_t i = 0; i < nmentions; i++) {
		SPOOL_BIND(st, SPOOL_I64(rowid), SPOOL_I64(mention_rowids[i]));
		if (spool_exec(s, st) < 0)
			goto fail;
		/* Tying a mention twice would hide it from one of the two alerts' history. */
		if (sqlite3_changes(s->db) != 1) {
			spool_seterr(s, "alert %s: mention row %" PRId64 " is not pending (unknown, "
					"or already tied to an alert)", alert_id, mention_rowids[i]);
			goto fail;
		}
	}

	st = s->st[ST_ADD_DELIVERY];
	for (size_t i = 0; i < nreceivers; i++) {
		char *idem = xasprintf("%s.%s", alert_id, receivers[i]);
		int r;

		SPOOL_BIND(st, SPOOL_I64(rowid), SPOOL_TEXT(receivers[i]), SPOOL_TEXT(idem),
		    SPOOL_INT(priority), SPOOL_I64(at_ms), SPOOL_I64(due_ms), SPOOL_I64(expires_ms[i]));
		r = spool_exec(s, st);
		free(idem);
		if (r < 0)
			goto fail;
		last = sqlite3_last_insert_rowid(s->db);
	}
	if (spool_op_end(s, 1) < 0)
		return -1;
	if (last > s->deliv_max)
		s->deliv_max = last;
	/* outside a batch the write was synced before it returned */
	if (!s->txn)
		s->deliv_durable = s->deliv_max;
	return rowid;
fail:
	spool_op_end(s, 0);
	return -1;
}

int64_t
spool_tie_mentions(struct spool *s, int64_t alert_rowid, const char *group_key,
    int64_t upto_rowid)
{
	sqlite3_stmt *st = s->st[ST_TIE_GROUP];

	if (SPOOL_WRITE(s, st, SPOOL_I64(alert_rowid), SPOOL_TEXT(group_key),
		SPOOL_I64(upto_rowid)) < 0)
		return -1;
	return sqlite3_changes(s->db);
}

void
spool_delivery_free(struct spool_delivery *d)
{
	if (d == NULL)
		return;
	free(d->alert_id);
	free(d->receiver);
	free(d->idem_key);
	free(d->alert_json);
	free(d->last_error);
	d->alert_id = d->receiver = d->idem_key = d->alert_json = d->last_error = NULL;
}

static void
spool_row_delivery(sqlite3_stmt *st, void *p)
{
	struct spool_delivery *d = p;

	d->id = sqlite3_column_int64(st, 0);
	d->alert_rowid = sqlite3_column_int64(st, 1);
	d->alert_id = spool_col_str(st, 2);
	d->receiver = spool_col_str(st, 3);
	d->idem_key = spool_col_str(st, 4);
	d->alert_json = spool_col_str(st, 5);
	d->state = sqlite3_column_int(st, 6);
	d->attempts = sqlite3_column_int(st, 7);
	d->created_ms = sqlite3_column_int64(st, 8);
	d->due_ms = sqlite3_column_int64(st, 9);
	d->expires_ms = sqlite3_column_int64(st, 10);
	d->done_ms = sqlite3_column_int64(st, 11);
	d->last_error = spool_col_str(st, 12);
	d->priority = sqlite3_column_int(st, 13);
}

static int
spool_select_due(struct spool *s, int which, const char *receiver, int64_t now_ms,
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
	    SPOOL_I64(spool_limit(max + nskip < max ? SIZE_MAX : max + nskip)),
	    SPOOL_I64(s->deliv_durable));
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		size_t i;

		for (i = 0; i < nskip && skip[i] != id; i++)
			;
		if (i < nskip)
			continue;
		spool_row_delivery(st, &out[n++]);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		spool_dberr(s);
		spool_done(st);
		while (n)
			spool_delivery_free(&out[--n]);
		return -1;
	}
	spool_done(st);
	return (int)n;
}

int
spool_due(struct spool *s, const char *receiver, int64_t now_ms, const int64_t *skip,
    size_t nskip, struct spool_delivery *out, size_t max)
{
	return spool_select_due(s, ST_DUE, receiver, now_ms, skip, nskip, out, max);
}

int
spool_first_due(struct spool *s, const char *receiver, const int64_t *skip, size_t nskip,
    struct spool_delivery *out)
{
	return spool_select_due(s, ST_FIRST_DUE, receiver, INT64_MAX, skip, nskip, out, 1);
}

int64_t
spool_make_due(struct spool *s, const char *receiver, int64_t now_ms)
{
	sqlite3_stmt *st = s->st[ST_MAKE_DUE];

	if (SPOOL_WRITE(s, st, SPOOL_TEXT(receiver), SPOOL_I64(now_ms)) < 0)
		return -1;
	return sqlite3_changes(s->db);
}

int64_t
spool_expire(struct spool *s, const char *receiver, int64_t now_ms, const char *error)
{
	sqlite3_stmt *st = s->st[ST_EXPIRE];

	if (SPOOL_WRITE(s, st, SPOOL_TEXT(receiver), SPOOL_I64(now_ms), SPOOL_TEXT(error)) < 0)
		return -1;
	return sqlite3_changes(s->db);
}

int64_t
spool_next_due(struct spool *s, const char *receiver)
{
	sqlite3_stmt *st = s->st[ST_NEXT_DUE];
	int64_t due = INT64_MAX;
	int rc;

	SPOOL_BIND(st, SPOOL_TEXT(receiver), SPOOL_I64(s->deliv_durable));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			due = sqlite3_column_int64(st, 0);
	} else {
		spool_dberr(s);
		due = -1;
	}
	spool_done(st);
	return due;
}

/* The daemon's transitions touch pending rows only; see spool.h. */
static int
spool_transition(struct spool *s, int which, int64_t id, int64_t at_ms, const char *error)
{
	sqlite3_stmt *st = s->st[which];

	if (which == ST_DELIVERED)
		return SPOOL_WRITE(s, st, SPOOL_I64(id), SPOOL_I64(at_ms));
	if (which == ST_DEAD)
		return SPOOL_WRITE(s, st, SPOOL_I64(id), SPOOL_I64(at_ms), SPOOL_TEXT(error),
		    SPOOL_INT(s->dead_tried));
	return SPOOL_WRITE(s, st, SPOOL_I64(id), SPOOL_I64(at_ms), SPOOL_TEXT(error));
}

int
spool_delivered(struct spool *s, int64_t id, int64_t at_ms)
{
	return spool_transition(s, ST_DELIVERED, id, at_ms, NULL);
}

int
spool_retry_later(struct spool *s, int64_t id, int64_t due_ms, const char *error)
{
	return spool_transition(s, ST_RETRY_LATER, id, due_ms, error);
}

int
spool_dead(struct spool *s, int64_t id, int64_t at_ms, const char *reason)
{
	s->dead_tried = 0;
	return spool_transition(s, ST_DEAD, id, at_ms, reason);
}

int
spool_dead_tried(struct spool *s, int64_t id, int64_t at_ms, const char *reason)
{
	s->dead_tried = 1;
	return spool_transition(s, ST_DEAD, id, at_ms, reason);
}

static const char *
spool_state_name(int state)
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
spool_explain(struct spool *s, int64_t id, const char *action)
{
	sqlite3_stmt *st = s->st[ST_STATE_OF];
	int rc;

	SPOOL_BIND(st, SPOOL_I64(id));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		spool_seterr(s, "delivery %" PRId64 " is %s, not dead: only dead deliveries can be %s",
		    id, spool_state_name(sqlite3_column_int(st, 0)), action);
	else if (rc == SQLITE_DONE)
		spool_seterr(s, "no delivery %" PRId64, id);
	else
		spool_dberr(s);
	spool_done(st);
}

int
spool_requeue(struct spool *s, int64_t id, int64_t now_ms)
{
	sqlite3_stmt *st = s->st[ST_REQUEUE];

	if (SPOOL_WRITE(s, st, SPOOL_I64(id), SPOOL_I64(now_ms)) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 1)
		return 0;
	spool_explain(s, id, "retried");
	return -1;
}

int64_t
spool_requeue_dead(struct spool *s, const char *receiver, int64_t now_ms)
{
	sqlite3_stmt *st = s->st[ST_REQUEUE_DEAD];

	if (SPOOL_WRITE(s, st, SPOOL_I64(now_ms), SPOOL_TEXT(receiver)) < 0)
		return -1;
	return sqlite3_changes(s->db);
}

int
spool_drop(struct spool *s, int64_t id)
{
	sqlite3_stmt *st = s->st[ST_DROP];

	if (SPOOL_WRITE(s, st, SPOOL_I64(id)) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 1)
		return 0;
	spool_seterr(s, "no delivery %" PRId64, id);
	return -1;
}

int
spool_pending_by_receiver(struct spool *s, void (*fn)(void *, const char *, int64_t), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT receiver, count(*) FROM deliveries WHERE state = 0 "
	    "GROUP BY receiver ORDER BY receiver", -1, &st, NULL) != SQLITE_OK) {
		spool_dberr(s);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		spool_dberr(s);
		return -1;
	}
	return 0;
}

int64_t
spool_prune(struct spool *s, int64_t before_ms)
{
	static const char *const sql[] = {
		"DELETE FROM deliveries WHERE state = 1 AND done_ms < ?1",
		"DELETE FROM mentions WHERE alert_rowid IN (SELECT a.id FROM alerts a WHERE "
		"a.at_ms < ?1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_rowid = a.id))",
		"DELETE FROM alerts WHERE at_ms < ?1 AND NOT EXISTS "
		"(SELECT 1 FROM deliveries d WHERE d.alert_rowid = alerts.id)",
		"DELETE FROM silences WHERE ended_ms < ?1",
	};
	int64_t alerts = 0;

	if (spool_check_txn(s) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st;
		int rc;

		if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) != SQLITE_OK) {
			spool_dberr(s);
			return -1;
		}
		SPOOL_BIND(st, SPOOL_I64(before_ms));
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			spool_dberr(s);
			return -1;
		}
		if (i == 2)
			alerts = sqlite3_changes(s->db);
	}
	return alerts;
}

int
spool_get_delivery(struct spool *s, int64_t id, struct spool_delivery *out)
{
	sqlite3_stmt *st = s->st[ST_GET_DELIVERY];
	int rc;

	SPOOL_BIND(st, SPOOL_I64(id));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		spool_row_delivery(st, out);
	else if (rc != SQLITE_DONE)
		spool_dberr(s);
	spool_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
spool_counts(struct spool *s, const char *receiver, struct spool_counts *c)
{
	sqlite3_stmt *st = s->st[receiver ? ST_COUNTS_RECEIVER : ST_COUNTS_ALL];
	int rc;

	memset(c, 0, sizeof(*c));
	if (receiver)
		SPOOL_BIND(st, SPOOL_TEXT(receiver));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->pending = sqlite3_column_int64(st, 0);
		c->delivered = sqlite3_column_int64(st, 1);
		c->dead = sqlite3_column_int64(st, 2);
		c->pending_mentions = sqlite3_column_int64(st, 3);
		c->alerts = sqlite3_column_int64(st, 4);
	} else
		spool_dberr(s);
	spool_done(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
spool_queue_counts(struct spool *s, const char *receiver, int64_t *pending, int64_t *dead)
{
	sqlite3_stmt *st = s->st[ST_QUEUE_COUNTS];
	int rc;

	*pending = *dead = 0;
	SPOOL_BIND(st, SPOOL_TEXT(receiver));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*pending = sqlite3_column_int64(st, 0);
		*dead = sqlite3_column_int64(st, 1);
	} else
		spool_dberr(s);
	spool_done(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
spool_list_deliveries(struct spool *s, int state, size_t limit,
    void (*fn)(void *arg, const struct spool_delivery *), void *arg)
{
	sqlite3_stmt *st = s->st[state < 0 ? ST_LIST_DELIVERIES_ALL : ST_LIST_DELIVERIES_STATE];
	struct spool_delivery *v;
	size_t n;
	int ok;

	if (limit == 0)
		return 0;
	SPOOL_BIND(st, state >= 0 ? SPOOL_INT(state) : SPOOL_SKIP, SPOOL_I64(spool_limit(limit)));
	/* fn may act on the spool (keluhctl retry) */
	v = spool_rows(s, st, sizeof(*v), spool_row_delivery, &n, &ok);
	for (size_t i = 0; i < n; i++) {
		if (ok)
			fn(arg, &v[i]);
		spool_delivery_free(&v[i]);
	}
	free(v);
	return ok ? 0 : -1;
}

static void
spool_row_alert(sqlite3_stmt *st, void *p)
{
	struct spool_alert *a = p;

	a->rowid = sqlite3_column_int64(st, 0);
	a->alert_id = spool_col_str(st, 1);
	a->group_key = spool_col_str(st, 2);
	a->team = spool_col_str(st, 3);
	a->json = spool_col_str(st, 4);
	a->priority = sqlite3_column_int(st, 5);
	a->at_ms = sqlite3_column_int64(st, 6);
	a->delivered = sqlite3_column_int(st, 7);
	a->pending = sqlite3_column_int(st, 8);
	a->dead = sqlite3_column_int(st, 9);
	a->mentions = sqlite3_column_int(st, 10);
}

/* Runs st, hands each alert row to fn; returns the rows' count, or -1. */
static int
spool_alerts_each(struct spool *s, sqlite3_stmt *st,
    void (*fn)(void *arg, const struct spool_alert *), void *arg)
{
	struct spool_alert *v;
	size_t n;
	int ok;

	v = spool_rows(s, st, sizeof(*v), spool_row_alert, &n, &ok);
	for (size_t i = 0; i < n; i++) {
		if (ok)
			fn(arg, &v[i]);
		free(v[i].alert_id);
		free(v[i].group_key);
		free(v[i].team);
		free(v[i].json);
	}
	free(v);
	return ok ? (int)n : -1;
}

int
spool_list_alerts(struct spool *s, size_t limit,
    void (*fn)(void *arg, const struct spool_alert *), void *arg)
{
	sqlite3_stmt *st = s->st[ST_LIST_ALERTS];

	if (limit == 0)
		return 0;
	SPOOL_BIND(st, SPOOL_I64(spool_limit(limit)));
	return spool_alerts_each(s, st, fn, arg) < 0 ? -1 : 0;
}

int
spool_get_alert(struct spool *s, const char *alert_id,
    void (*fn)(void *arg, const struct spool_alert *), void *arg)
{
	sqlite3_stmt *st = s->st[ST_GET_ALERT];
	int n;

	SPOOL_BIND(st, SPOOL_TEXT(alert_id));
	n = spool_alerts_each(s, st, fn, arg);
	return n < 0 ? -1 : n > 0;
}

int
spool_alert_mentions(struct spool *s, int64_t alert_rowid,
    void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	sqlite3_stmt *st = s->st[ST_ALERT_MENTIONS];
	struct spool_mention *v;
	size_t n;
	int ok;

	SPOOL_BIND(st, SPOOL_I64(alert_rowid));
	v = spool_rows(s, st, sizeof(*v), spool_row_mention, &n, &ok);
	for (size_t i = 0; i < n; i++) {
		if (ok)
			fn(arg, &v[i]);
		spool_mention_clear(&v[i]);
	}
	free(v);
	return ok ? 0 : -1;
}

char *
spool_cursor_get(struct spool *s, const char *source)
{
	sqlite3_stmt *st = s->st[ST_CURSOR_GET];
	char *v = NULL;
	int rc;

	SPOOL_BIND(st, SPOOL_TEXT(source));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = spool_col_str(st, 0);
	else if (rc != SQLITE_DONE)
		spool_dberr(s);
	spool_done(st);
	return v;
}

int
spool_cursor_set(struct spool *s, const char *source, const char *value)
{
	sqlite3_stmt *st = s->st[ST_CURSOR_SET];

	return SPOOL_WRITE(s, st, SPOOL_TEXT(source), SPOOL_TEXT(value));
}

int64_t
spool_add_silence(struct spool *s, const char *matchers_json, const char *created_by,
    const char *reason, int64_t created_ms, int64_t expires_ms)
{
	sqlite3_stmt *st = s->st[ST_ADD_SILENCE];

	if (SPOOL_WRITE(s, st, SPOOL_TEXT(matchers_json), SPOOL_TEXT(created_by),
		SPOOL_TEXT(reason), SPOOL_I64(created_ms), SPOOL_I64(expires_ms)) < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

int
spool_end_silence(struct spool *s, int64_t id, int64_t at_ms, const char *by)
{
	sqlite3_stmt *st = s->st[ST_END_SILENCE];

	if (SPOOL_WRITE(s, st, SPOOL_I64(id), SPOOL_I64(at_ms), SPOOL_TEXT(by)) < 0)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

int
spool_silence_suppressed(struct spool *s, int64_t id, int64_t n)
{
	sqlite3_stmt *st = s->st[ST_SILENCE_SUPPRESSED];

	return SPOOL_WRITE(s, st, SPOOL_I64(id), SPOOL_I64(n));
}

void
spool_silence_free(struct spool_silence *v)
{
	free(v->matchers);
	free(v->created_by);
	free(v->reason);
	free(v->ended_by);
}

static void
spool_row_silence(sqlite3_stmt *st, void *p)
{
	struct spool_silence *x = p;

	x->id = sqlite3_column_int64(st, 0);
	x->matchers = spool_col_str(st, 1);
	x->created_by = spool_col_str(st, 2);
	x->reason = spool_col_str(st, 3);
	x->created_ms = sqlite3_column_int64(st, 4);
	x->expires_ms = sqlite3_column_int64(st, 5);
	x->ended_ms = sqlite3_column_int64(st, 6);
	x->ended_by = spool_col_str(st, 7);
	x->suppressed = sqlite3_column_int64(st, 8);
}

int
spool_list_silences(struct spool *s, int all, size_t limit,
    void (*fn)(void *arg, const struct spool_silence *), void *arg)
{
	sqlite3_stmt *st = s->st[all ? ST_LIST_SILENCES_ALL : ST_LIST_SILENCES_ACTIVE];
	struct spool_silence *v;
	size_t n;
	int ok;

	if (limit == 0)
		return 0;
	SPOOL_BIND(st, SPOOL_I64(spool_limit(limit)));
	v = spool_rows(s, st, sizeof(*v), spool_row_silence, &n, &ok);
	for (size_t i = 0; i < n; i++) {
		if (ok)
			fn(arg, &v[i]);
		spool_silence_free(&v[i]);
	}
	free(v);
	return ok ? 0 : -1;
}
