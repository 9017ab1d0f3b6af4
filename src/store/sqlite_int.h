/*
 * sqlite_int.h: the SQLite spool backend, private to its files: sqlite.c
 * (open, batches, queries, and the backend's table), sqlite_stmt.c (the
 * statement helpers), sqlite_schema.c (tables and upgrades) and
 * sqlite_sync.c (the sync and checkpoint threads). Loop thread only, as
 * spool.h, except where sqlite_sync.c says otherwise.
 */
#ifndef KELUH_SQLITE_INT_H
#define KELUH_SQLITE_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store/spool_backend.h"

#define SPOOL_SCHEMA 9
#define SPOOL_STR_(x) #x
#define SPOOL_STR(x) SPOOL_STR_(x)
/* "kluh": lets us refuse to add tables to some other program's database. */
#define SPOOL_APP_ID 0x6b6c7568
#define SPOOL_BUSY_MS 2000
/*
 * Commits waiting for their sync whose delivery ids are kept; one sync
 * runs at a time, so few ever wait. Past this the oldest is forgotten,
 * which only holds its deliveries back until a later commit is synced.
 */
#define SPOOL_SEQ_IDS 16

/* s->st[]: the statements prepared at open, their SQL in sqlite.c (sqlite_sql) */
enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_ADD_MENTION,
	ST_PENDING_MENTIONS,
	ST_ADD_ALERT,
	ST_TIE_MENTION,
	ST_TIE_GROUP,
	ST_ADD_DELIVERY,
	ST_DUE,
	ST_NEXT_DUE,
	ST_FIRST_DUE,
	ST_MAKE_DUE,
	ST_EXPIRE,
	ST_DELIVERED,
	ST_RETRY_LATER,
	ST_DEAD,
	ST_REQUEUE,
	ST_REQUEUE_DEAD,
	ST_STATE_OF,
	ST_DROP,
	ST_GET_DELIVERY,
	ST_COUNTS_RECEIVER,
	ST_COUNTS_ALL,
	ST_QUEUE_COUNTS,
	ST_LIST_DELIVERIES_STATE,
	ST_LIST_DELIVERIES_ALL,
	ST_LIST_ALERTS,
	ST_GET_ALERT,
	ST_ALERT_MENTIONS,
	ST_CURSOR_GET,
	ST_CURSOR_SET,
	ST_ADD_SILENCE,
	ST_END_SILENCE,
	ST_SILENCE_SUPPRESSED,
	ST_LIST_SILENCES_ACTIVE,
	ST_LIST_SILENCES_ALL,
	ST_SYNC_NORMAL,
	ST_SYNC_FULL,
	ST_RULE_TEXT_ADD,
	ST_RULE_TEXT_ID,
	ST_RULE_TEXT_GET,
	ST_RULE_TEXT_PRUNE,
	ST_MAX_DELIVERY,
	ST_PROBE,
	ST_PENDING_BY_RECEIVER,
	ST_MENTION_BY_ID, /* public replies */
	ST__N
};

/* s->cst[]: the statements of cases, their SQL in sqlite_cases.c */
enum {
	SC_OPEN,
	SC_FIND,
	SC_GET,
	SC_UPDATE,
	SC_TIE_ALERT,
	SC_BUMP,
	SC_LIST_LIVE,
	SC_LIST_ALL,
	SC_COUNTS,
	SC_ALERTS,
	SC_SPAN,
	SC_EVENT_ADD,
	SC_EVENTS,
	SC_MESSAGE_ADD,
	SC_MESSAGES,
	SC_TOUCH,
	SC_EDITS_PENDING,
	SC_EDITED,
	SC_LAST_ALERT,
	SC_PENDING_BEFORE,
	SC_RECEIVERS,
	SC_MESSAGE_TOUCH,
	SC_KEY_GET,
	SC_KEY_SET,
	SC_OF_MENTION,
	SC_SINCE,
	SC_LAST_EVENT,
	SC__N
};

/* s->sst[]: the statements of rollups and recent mentions (v8), their SQL in sqlite_stats.c */
enum {
	SS_ADD,
	SS_ROWS,
	SS_ROWS_KEYS,
	SS_PRUNE,
	SS_RECENT_ADD,
	SS_RECENT_PRUNE,
	SS_RECENT_SCAN,
	SS_MENTIONS_BETWEEN,
	SS_CASE_TOPICS,
	SS_DROP_MENTION,
	SS_MENTIONS_ALERTED,
	SS__N
};

/* s->lst[]: the statements of labels (v9), their SQL in sqlite_labels.c */
enum {
	SL_ADD,
	SL_LIST,
	SL_COUNT,
	SL_RECENT_BY_ID,
	SL__N
};

struct sqlite_syncer;

/* A spool kept by SQLite: what spool_sqlite.open returns, its base first. */
struct sqlite_spool {
	struct spool base;
	sqlite3 *db;
	int readonly;
	int txn;		/* begin opened one that commit has not closed */
	sqlite3_stmt *st[ST__N];
	sqlite3_stmt *cst[SC__N];
	sqlite3_stmt *sst[SS__N];
	sqlite3_stmt *lst[SL__N];
	char *wal_path;
	uint64_t seq;		/* deferred commits made */
	uint64_t rollbacks;	/* batches lost (spool_rollbacks) */
	struct sqlite_syncer *sy;	/* deferred sync, when on */
	/*
	 * spool_due hands out only deliveries whose row is durable: deliv_max
	 * is the greatest delivery id written, deliv_durable the greatest one
	 * synced, and deliv_seq remembers for a few deferred commits the
	 * greatest id each one wrote, until its sync reports.
	 */
	int64_t deliv_max, deliv_durable;
	struct {
		uint64_t seq;
		int64_t id;
	} deliv_seq[SPOOL_SEQ_IDS];
	size_t ndeliv_seq;
};

/* The backend's state from what the interface hands an operation. */
static inline struct sqlite_spool *
sqlite_of(struct spool *s)
{
	return (struct sqlite_spool *)s;
}

static inline const struct sqlite_spool *
sqlite_of_const(const struct spool *s)
{
	return (const struct sqlite_spool *)s;
}

/*
 * sqlite_stmt.c: the statement helpers.
 *
 * sqlite_seterr sets the message spool_error() returns; sqlite_dberr sets
 * it to SQLite's message for the last call on s->db.
 */
void sqlite_seterr(struct sqlite_spool *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sqlite_dberr(struct sqlite_spool *s);

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
#define SPOOL_BIND(st, ...)     sqlite_bind((st), SPOOL_ARGS(__VA_ARGS__))
#define SPOOL_WRITE(s, st, ...) sqlite_write((s), (st), SPOOL_ARGS(__VA_ARGS__))
#define SPOOL_STEP(s, st, ...)  sqlite_step((s), (st), SPOOL_ARGS(__VA_ARGS__))
#define SPOOL_ROW(s, st, row, out, ...)                                                            \
	sqlite_row((s), (st), (row), (out), SPOOL_ARGS(__VA_ARGS__))

/* Binds a[i] to parameter i + 1; the caller steps and sqlite_done()s st. */
void sqlite_bind(sqlite3_stmt *st, const struct spool_arg *a, size_t n);
/*
 * Every use of a prepared statement ends here: a statement left unreset
 * holds its read snapshot, which stops WAL checkpoints and pins old pages.
 */
void sqlite_done(sqlite3_stmt *st);
/*
 * Binds a, steps st once and resets it: a statement that returns no rows
 * (or whose rows are ignored), inside a write that sqlite_op_begin opened.
 * 0, or -1 with the error in s.
 */
int sqlite_step(struct sqlite_spool *s, sqlite3_stmt *st, const struct spool_arg *a, size_t n);
/*
 * A one-statement write: refuses to autocommit after a rollback (see
 * sqlite_check_txn), then sqlite_step. sqlite3_changes() and
 * sqlite3_last_insert_rowid() still answer for st afterwards.
 */
int sqlite_write(struct sqlite_spool *s, sqlite3_stmt *st, const struct spool_arg *a, size_t n);
/*
 * A read of one row: binds a, steps st once, has row(st, out) read the
 * columns if there is a row, and resets st. 1 for a row, 0 for none, -1
 * with the error in s.
 */
int sqlite_row(struct sqlite_spool *s, sqlite3_stmt *st, void (*row)(sqlite3_stmt *, void *),
    void *out, const struct spool_arg *a, size_t n);
/* Row readers for sqlite_row: column 0 as an int64_t, an int, a malloc'd string. */
void sqlite_col0_i64(sqlite3_stmt *st, void *out);
void sqlite_col0_int(sqlite3_stmt *st, void *out);
void sqlite_col0_str(sqlite3_stmt *st, void *out);
/* Every column as an int64_t, into the array out (as many as the statement has). */
void sqlite_cols_i64(sqlite3_stmt *st, void *out);
/*
 * Steps st (bound already) to its end and returns its rows, each made into
 * an element of elem bytes by row(); *n is how many. The rows are all read
 * (and st reset) before the caller hands them on, so its callback may
 * write to the spool. NULL with *n = 0 when there are none; *ok is 0 when
 * stepping failed (the rows read so far are still returned, to be freed).
 */
void *sqlite_rows(struct sqlite_spool *s, sqlite3_stmt *st, size_t elem,
    void (*row)(sqlite3_stmt *, void *), size_t *n, int *ok);
/* Column i as a malloc'd string, NULL for NULL. */
char *sqlite_col_str(sqlite3_stmt *st, int i);
/*
 * SQLite rolls a whole transaction back by itself after some errors (disk
 * full, I/O). A write after that would autocommit on its own, and the
 * batch's commit would then report success for a batch that is half gone;
 * so every write checks first. 0, or -1 with the error in s.
 */
int sqlite_check_txn(struct sqlite_spool *s);
/*
 * Prepares sql[0..n) into st[0..n), kept for the spool's life (each file
 * has its table of statements): 0, or -1 with the error in s.
 * sqlite_finalize_all finalizes them (NULL ones too).
 */
int sqlite_prepare_all(struct sqlite_spool *s, const char *const *sql, sqlite3_stmt **st,
                       size_t n);
void sqlite_finalize_all(sqlite3_stmt **st, size_t n);

/*
 * sqlite_cases.c: prepares s->cst[] and makes the action link key of a
 * writable spool that has none (open calls it after the schema setup);
 * the case operations of the backend's table.
 */
int sqlite_cases_setup(struct sqlite_spool *s);
void sqlite_cases_close(struct sqlite_spool *s);
int64_t sqlite_case_open(struct spool *, const char *group_key, int priority, const char *team,
    int64_t at_ms);
int sqlite_case_find(struct spool *, const char *group_key, struct spool_case *out);
int sqlite_case_get(struct spool *, int64_t id, struct spool_case *out);
int sqlite_case_update(struct spool *, const struct spool_case *c);
int sqlite_case_tie_alert(struct spool *, int64_t case_id, int64_t alert_rowid, int64_t at_ms,
    int64_t count);
int sqlite_case_list(struct spool *, int all, const char *team, size_t limit,
    void (*fn)(void *arg, const struct spool_case *), void *arg);
int sqlite_case_counts(struct spool *, int64_t *open, int64_t *acknowledged);
int64_t sqlite_case_span(struct spool *, int64_t since_ms, int64_t until_ms, const char *team,
                         void (*fn)(void *arg, const struct spool_case_span *), void *arg);
int sqlite_case_alerts(struct spool *, int64_t case_id,
    void (*fn)(void *arg, const struct spool_alert *), void *arg);
int64_t sqlite_case_event_add(struct spool *, int64_t case_id, int64_t at_ms, const char *kind,
    const char *platform, const char *actor_id, const char *actor_name, const char *detail);
int sqlite_case_events(struct spool *, int64_t case_id,
    void (*fn)(void *arg, const struct spool_case_event *), void *arg);
int64_t sqlite_case_message_add(struct spool *, int64_t case_id, const char *receiver,
    const char *ref, int64_t posted_ms);
int sqlite_case_messages(struct spool *, int64_t case_id,
    void (*fn)(void *arg, const struct spool_case_message *), void *arg);
int64_t sqlite_case_touch(struct spool *, int64_t case_id);
int sqlite_case_edits_pending(struct spool *, const char *receiver, size_t limit,
    void (*fn)(void *arg, const struct spool_case_message *), void *arg);
int sqlite_case_message_edited(struct spool *, int64_t message_id, int64_t seq);
int sqlite_case_last_alert(struct spool *, int64_t case_id,
    void (*fn)(void *arg, const struct spool_alert *), void *arg);
int64_t sqlite_case_pending_before(struct spool *, int64_t case_id, const char *receiver,
    int64_t delivery_id);
int sqlite_case_receivers(struct spool *, int64_t case_id,
    void (*fn)(void *arg, const char *receiver), void *arg);
int sqlite_case_message_touch(struct spool *, int64_t message_id);
int64_t sqlite_case_of_mention(struct spool *, int64_t mention_rowid);
int sqlite_case_since(struct spool *, int64_t case_id, int64_t *since_ms);
int64_t sqlite_case_last_event(struct spool *, int64_t case_id);
int sqlite_action_key(struct spool *, unsigned char *key);
/* sqlite_stmt.c: hands each alert row st returns to fn; the rows' count, or -1. */
int sqlite_alerts_each(struct sqlite_spool *s, sqlite3_stmt *st,
    void (*fn)(void *arg, const struct spool_alert *), void *arg);

/*
 * sqlite_stmt.c: a mention row (id, mention_id, group_key, priority, at_ms,
 * json) read and freed; each mention row st returns handed to fn (rows
 * read first): 0, or -1.
 */
void sqlite_row_mention(sqlite3_stmt *st, void *p);
void sqlite_mention_clear(struct spool_mention *m);
int sqlite_mentions_each(struct sqlite_spool *s, sqlite3_stmt *st,
    void (*fn)(void *arg, const struct spool_mention *), void *arg);

/*
 * sqlite_stats.c: prepares s->sst[] (open calls it after the cases'); the
 * rollup, recent mention and span operations of the backend's table.
 */
int sqlite_stats_setup(struct sqlite_spool *s);
void sqlite_stats_close(struct sqlite_spool *s);
int sqlite_stat_add(struct spool *, int kind, int64_t step_ms, int64_t at_ms, const char *key,
    int64_t n);
int64_t sqlite_stat_rows(struct spool *, int kind, int64_t step_ms, int64_t since_ms,
    int64_t until_ms, const char *key,
    void (*fn)(void *arg, int64_t bucket_ms, const char *key, int64_t n), void *arg);
int64_t sqlite_stat_rows_keys(struct spool *, int kind, int64_t step_ms, int64_t since_ms,
    int64_t until_ms, const char *const *keys, size_t nkeys,
    void (*fn)(void *arg, int64_t bucket_ms, const char *key, int64_t n), void *arg);
int64_t sqlite_stat_prune(struct spool *, int kind, int64_t step_ms, int64_t before_ms);
int sqlite_mentions_between(struct spool *, int64_t since_ms, int64_t until_ms, size_t limit,
    void (*fn)(void *arg, const struct spool_mention *), void *arg);
int64_t sqlite_case_topics(struct spool *, int64_t since_ms, int64_t until_ms,
    void (*fn)(void *arg, const char *topic, int64_t cases, int64_t not_complaint), void *arg);
int64_t sqlite_recent_add(struct spool *, int64_t at_ms, int complaint, const char *mention_id,
                          const char *json);
int64_t sqlite_recent_prune(struct spool *, size_t keep, int64_t before_ms);
int64_t sqlite_recent_scan(struct spool *, int64_t since_ms, size_t limit,
    int (*fn)(void *arg, int64_t at_ms, int complaint, const char *json), void *arg);
/* several daemons on one database: on SQLite the one daemon is the leader */
int sqlite_claim_mentions(struct spool *, size_t max,
    void (*fn)(void *arg, const struct spool_mention *), void *arg);
int sqlite_drop_mention(struct spool *, int64_t rowid);
int sqlite_mentions_alerted(struct spool *, int64_t since_ms, size_t limit,
    void (*fn)(void *arg, const struct spool_mention *), void *arg);

/* sqlite_labels.c: prepares s->lst[] (open calls it after the stats'); the label operations. */
int sqlite_labels_setup(struct sqlite_spool *s);
void sqlite_labels_close(struct sqlite_spool *s);
int sqlite_recent_by_id(struct spool *, const char *mention_id,
    void (*fn)(void *arg, int64_t at_ms, int complaint, const char *json), void *arg);
int64_t sqlite_label_add(struct spool *, const char *mention_id, const char *text, int complaint,
    const char *team, const char *platform, const char *by, int64_t at_ms, const char *source);
int64_t sqlite_label_list(struct spool *, int64_t since_ms,
    void (*fn)(void *arg, const struct spool_label *), void *arg);
int64_t sqlite_label_count(struct spool *, int64_t *complaints);

/* sqlite_schema.c: run by open before the statements are prepared. */
int sqlite_schema_setup(struct sqlite_spool *s, const char *path);

/*
 * sqlite_sync.c: the durability operations of the backend's table, and
 * for sqlite.c: a deferred commit's deliveries wait for its sync
 * (sqlite_deliv_committed); sqlite_sync_stop for close, nothing when sync
 * is not deferred.
 */
int sqlite_defer_sync(struct spool *);
int sqlite_sync_fd(const struct spool *);
uint64_t sqlite_commit_seq(const struct spool *);
int sqlite_sync_request(struct spool *);
int sqlite_sync_now(struct spool *);
uint64_t sqlite_synced(struct spool *, int *err);
unsigned sqlite_wal_bound_hits(struct spool *, int *failed);
void sqlite_deliv_committed(struct sqlite_spool *s);
void sqlite_sync_stop(struct sqlite_spool *s);

#endif
