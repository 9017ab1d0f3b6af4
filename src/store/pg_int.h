/*
 * pg_int.h: the PostgreSQL spool backend, private to its files: pg.c
 * (opening, batches and the backend's table), pg_conn.c (the session and
 * the statement helpers), pg_schema.c (tables and migrations), pg_deliv.c
 * (mentions, alerts, deliveries, silences, cursors), pg_cases.c (cases),
 * pg_stats.c (rollups and recent mentions) and pg_copy.c (the rows a
 * batch writes one per mention, sent as one COPY). Loop thread only, as
 * spool.h.
 *
 * Every call is synchronous on the caller's thread, as SQLite's are, and
 * bounded: connect_timeout (5 s unless the conninfo says otherwise) and
 * statement_timeout (PG_STATEMENT_TIMEOUT_MS). A batch's rows of one per
 * mention wait in memory and go as one COPY (pg_copy.c), so a loop pass
 * waits on a few round trips, not one per mention.
 */
#ifndef KELUH_PG_INT_H
#define KELUH_PG_INT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"
#include "store/spool_backend.h"

/*
 * The version of the database's tables (keluh_schema); 1 holds the records
 * of SQLite's 8, 2 the labels (SQLite's 9), 3 the daemons' heartbeats,
 * 4 the mentions' grouped, 5 rule texts by a plain index, 6 the waiting
 * complaints in a table of their own, 7 the pending marks and ties in
 * tables of their own, 8 a recent mention's id in a column, 9 the waiting
 * complaints by batch and claimed by keluh_claim() (pg_schema.c says what
 * each adds).
 */
#define PG_SCHEMA 9
/* pg_advisory_xact_lock key of migrations: "kluh", as the SQLite application_id */
#define PG_MIGRATE_LOCK         0x6b6c7568
#define PG_CONNECT_TIMEOUT      "5"
#define PG_STATEMENT_TIMEOUT_MS 10000
/* A batch's COPY rows are sent early once they hold this much. */
#define PG_COPY_FLUSH_BYTES (1024 * 1024)
/* After a failed reconnect the next waits this long at least (longer after a slow one). */
#define PG_RECONNECT_MS 1000

/* The prepared statements, by file; the SQL of each is in the file named. */
enum {
	/* pg.c */
	PQ_PROBE,
	/* pg_deliv.c */
	PQ_ADD_MENTION,
	PQ_PENDING_MENTIONS,
	PQ_ADD_ALERT,
	PQ_TIE_MENTION,
	PQ_TIE_GROUP,
	PQ_ADD_DELIVERY,
	PQ_DUE,
	PQ_NEXT_DUE,
	PQ_FIRST_DUE,
	PQ_MAKE_DUE,
	PQ_EXPIRE,
	PQ_DELIVERED,
	PQ_RETRY_LATER,
	PQ_DEAD,
	PQ_REQUEUE,
	PQ_REQUEUE_DEAD,
	PQ_STATE_OF,
	PQ_DROP,
	PQ_GET_DELIVERY,
	PQ_COUNTS,
	PQ_QUEUE_COUNTS,
	PQ_LIST_DELIVERIES,
	PQ_LIST_ALERTS,
	PQ_GET_ALERT,
	PQ_ALERT_MENTIONS,
	PQ_CURSOR_GET,
	PQ_CURSOR_SET,
	PQ_ADD_SILENCE,
	PQ_END_SILENCE,
	PQ_SILENCE_SUPPRESSED,
	PQ_LIST_SILENCES,
	PQ_RULE_TEXT_ADD,
	PQ_RULE_TEXT_GET,
	PQ_RULE_TEXT_PRUNE,
	PQ_PENDING_BY_RECEIVER,
	PQ_MENTION_BY_ID,
	PQ_LEASE_COUNTS,
	PQ_CLAIM_MENTIONS,
	PQ_DROP_MENTION,
	PQ_MENTIONS_ALERTED,
	/* pg_cases.c */
	PQ_CASE_OPEN,
	PQ_CASE_FIND,
	PQ_CASE_GET,
	PQ_CASE_UPDATE,
	PQ_CASE_TIE_ALERT,
	PQ_CASE_BUMP,
	PQ_CASE_LIST,
	PQ_CASE_COUNTS,
	PQ_CASE_ALERTS,
	PQ_CASE_SPAN,
	PQ_CASE_EVENT_ADD,
	PQ_CASE_EVENTS,
	PQ_CASE_MESSAGE_ADD,
	PQ_CASE_MESSAGES,
	PQ_CASE_TOUCH,
	PQ_CASE_EDITS_PENDING,
	PQ_CASE_EDITED,
	PQ_CASE_LAST_ALERT,
	PQ_CASE_PENDING_BEFORE,
	PQ_CASE_RECEIVERS,
	PQ_CASE_MESSAGE_TOUCH,
	PQ_CASE_KEY_GET,
	PQ_CASE_KEY_SET,
	PQ_CASE_OF_MENTION,
	PQ_CASE_SINCE,
	PQ_CASE_LAST_EVENT,
	/* pg_stats.c */
	PQ_STAT_ADD,
	PQ_STAT_ROWS,
	PQ_STAT_ROWS_KEYS,
	PQ_STAT_PRUNE,
	PQ_RECENT_ADD,
	PQ_RECENT_PRUNE,
	PQ_RECENT_SCAN,
	PQ_MENTIONS_BETWEEN,
	PQ_CASE_TOPICS,
	/* pg_labels.c */
	PQ_LABEL_ADD,
	PQ_LABEL_LIST,
	PQ_LABEL_COUNT,
	PQ_RECENT_BY_ID,
	/* pg_copy.c */
	PQ_MENTION_IDS,
	PQ_RECENT_IDS,
	PQ_STAT_MANY,
	PQ_PENDING_MANY,
	/* pg_cluster.c */
	PQ_TRY_LOCK,
	PQ_UNLOCK,
	PQ_NOTIFY,
	PQ_DAEMON_BEAT,
	PQ_DAEMON_GONE,
	PQ_DAEMON_FORGET,
	PQ_DAEMONS,
	PQ__N
};

/* Each file's SQL, indexed by the enum above (NULL for the others' statements). */
extern const char *const pg_main_sql[PQ__N];
extern const char *const pg_deliv_sql[PQ__N];
extern const char *const pg_cases_sql[PQ__N];
extern const char *const pg_stats_sql[PQ__N];
extern const char *const pg_labels_sql[PQ__N];
extern const char *const pg_copy_sql[PQ__N];

/* The tables whose rows a batch sends by COPY (pg_copy.c). */
enum { PG_COPY_MENTIONS, PG_COPY_RECENT, PG_COPY__N };
/* One table's rows of the open batch, and the ids taken for it. */
struct pg_copy {
	struct buf rows; /* COPY's binary format, from its header to the last row */
	size_t nrows;
	int64_t *ids; /* taken from the table's sequence in this batch */
	size_t nids, next, cap;
	size_t taken; /* ids used by this batch */
	size_t block; /* how many ids the next refill takes */
};
/*
 * Statements of a batch that take their rows as array literals, a column
 * each (pg_copy.c): the pending marks of the batch's mention rows (ids and
 * groups, mentions_pending), the ids of those waiting for the leader (one
 * row of waiting_batches) and the rollups' counts. An empty column is an empty
 * buffer; the literal's braces are added when it is sent.
 */
enum { PG_PENDING_IDS, PG_PENDING_GROUPS, PG_PENDING_WAITING, PG_PENDING__N };
struct pg_pending {
	struct buf col[PG_PENDING__N];
};
enum { PG_STATS_KIND, PG_STATS_STEP, PG_STATS_BUCKET, PG_STATS_KEY, PG_STATS_N, PG_STATS__N };
struct pg_stats {
	struct buf col[PG_STATS__N];
};
extern const char *const pg_cluster_sql[PQ__N];

/* the named locks a session may hold, and the channels it may listen to */
#define PG_LOCKS_MAX    64
#define PG_CHANNELS_MAX 16
/* notifications kept between two spool_notifications calls; more are dropped (counted) */
#define PG_NOTIFY_MAX 4096
struct pg_note {
	char *channel, *payload;
};

/* A spool kept by PostgreSQL: what spool_pg.open returns, its base first. */
struct pg_spool {
	struct spool base;
	PGconn *conn;
	int readonly;
	int txn;          /* begin opened one that commit has not closed */
	int prepared;     /* the statements are prepared on this session */
	int64_t reset_ms; /* after a failed reconnect: none before this (monotonic ms) */
	/* delivery leases (pg_deliv.c): who takes them, and for how long per receiver */
	char lease_owner[128];
	struct pg_lease *leases;
	size_t nleases;
	uint64_t rollbacks;     /* batches lost (spool_rollbacks) */
	uint64_t commits;       /* batches committed (spool_commit_seq) */
	const char *sql[PQ__N]; /* each statement's SQL, from the files' tables (pg.c) */
	/*
	 * pg_copy_flush, called by pg_conn.c's statements in a batch (through
	 * the pointer, so that the session helpers need not know the rows).
	 */
	int (*flush)(struct pg_spool *);
	struct pg_copy copy[PG_COPY__N];
	struct pg_pending pending;
	struct pg_stats stats;
	/* several daemons (pg_cluster.c) */
	uint64_t session;                /* sessions opened (spool_session) */
	char *locks[PG_LOCKS_MAX];       /* the names this session holds */
	char *channels[PG_CHANNELS_MAX]; /* listened to, again on each new session */
	int listen_todo;                 /* a LISTEN made in a batch: again after it ends */
	struct pg_note *notes;           /* read while waiting for another answer */
	size_t nnotes;
	uint64_t notes_dropped;
	char *instance;                   /* spool_set_instance */
	uint64_t beats;                   /* heartbeats written */
};

static inline struct pg_spool *
pg_of(struct spool *s)
{
	return (struct pg_spool *)s;
}

static inline const struct pg_spool *
pg_of_const(const struct spool *s)
{
	return (const struct pg_spool *)s;
}

/*
 * The lease a receiver's deliveries are claimed with (spool_set_lease);
 * one of at most PG_LEASES_MAX, beyond which the default applies.
 */
#define PG_LEASES_MAX 256
struct pg_lease {
	char *receiver;
	int64_t ms;
};

/* One parameter of a statement, typed as in sqlite_int.h; always bound, never in the SQL. */
struct pg_arg {
	enum { PG_ARG_TEXT, PG_ARG_I64, PG_ARG_NULL } kind;
	const char *text;
	int64_t i64;
};
#define PG_TEXT(v) ((struct pg_arg){.kind = PG_ARG_TEXT, .text = (v)})
#define PG_I64(v)  ((struct pg_arg){.kind = PG_ARG_I64, .i64 = (int64_t)(v)})
#define PG_NULL    ((struct pg_arg){.kind = PG_ARG_NULL})
#define PG_ARGS(...)                                                                               \
	(const struct pg_arg[]){__VA_ARGS__},                                                      \
	    sizeof((const struct pg_arg[]){__VA_ARGS__}) / sizeof(struct pg_arg)
/* the most parameters a statement takes */
#define PG_MAX_ARGS 20

/* pg_conn.c: the message spool_error() returns; pg_dberr with libpq's message (what: context). */
void pg_seterr(struct pg_spool *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pg_dberr(struct pg_spool *s, const char *what, const char *msg);
/* A command made for the occasion (BEGIN, COMMIT, SET): 0, or -1 with the error in s. */
int pg_exec(struct pg_spool *s, const char *sql);
/* A new session: its settings (statement_timeout...), then every statement of s->sql prepared. */
int pg_session_start(struct pg_spool *s);
int pg_prepare(struct pg_spool *s);
/* Outside a batch: the connection back (PQreset) if it was lost, and prepared. 0, or -1. */
int pg_reconnect(struct pg_spool *s);
/* After a failed call: a connection found lost must be prepared again once back. */
void pg_failed(struct pg_spool *s);
/* 0 while the open batch can take writes; -1 with the error once it is lost. */
int pg_check_txn(struct pg_spool *s);
/* libpq's notice processor: notices are dropped (a failure says why in its own message). */
void pg_notice(void *arg, const char *message);

/*
 * Runs statement q with a (a read, or a write that may fail alone: it does
 * not check the batch first). The result of a statement that worked (the
 * caller PQclear()s it), or NULL with the error in s; a lost connection
 * also loses the open batch.
 */
PGresult *pg_run(struct pg_spool *s, int q, const struct pg_arg *a, size_t n);
#define PG_RUN(s, q, ...) pg_run((s), (q), PG_ARGS(__VA_ARGS__))
/* pg_run without sending the batch's COPY rows first (pg_copy.c takes its ids so). */
PGresult *pg_run_now(struct pg_spool *s, int q, const struct pg_arg *a, size_t n);
/*
 * A write: refuses to run after the batch was lost (every later write and
 * the commit fail, see spool.h), then pg_run. How many rows it changed (or
 * returned, with RETURNING), or -1.
 */
int64_t pg_write(struct pg_spool *s, int q, const struct pg_arg *a, size_t n);
#define PG_WRITE(s, q, ...) pg_write((s), (q), PG_ARGS(__VA_ARGS__))
/* A write whose rows are its answer (RETURNING): the result, or NULL with the error set. */
PGresult *pg_write_run(struct pg_spool *s, int q, const struct pg_arg *a, size_t n);
#define PG_WRITE_RUN(s, q, ...) pg_write_run((s), (q), PG_ARGS(__VA_ARGS__))
/* A write whose first row's first column is its answer (RETURNING id): that, 0 for no row, -1. */
int64_t pg_write_id(struct pg_spool *s, int q, const struct pg_arg *a, size_t n);
#define PG_WRITE_ID(s, q, ...) pg_write_id((s), (q), PG_ARGS(__VA_ARGS__))
/* A read of one number: 1 and *out set, 0 for no row (or NULL), -1. */
int pg_one_i64(struct pg_spool *s, int q, int64_t *out, const struct pg_arg *a, size_t n);
#define PG_ONE(s, q, out, ...) pg_one_i64((s), (q), (out), PG_ARGS(__VA_ARGS__))
/*
 * Several statements as one: pg_op_begin opens a transaction outside a
 * batch, a savepoint in one; pg_op_end(ok) commits or releases, or undoes
 * (keeping the first error). 0, or -1.
 */
int pg_op_begin(struct pg_spool *s);
int pg_op_end(struct pg_spool *s, int ok);
/* Column helpers: a number (0 for NULL), a malloc'd string (NULL for NULL). */
int64_t pg_i64(const PGresult *r, int row, int col);
char *pg_str(const PGresult *r, int row, int col);
/* a LIMIT from a size_t */
int64_t pg_limit(size_t n);

/* pg_deliv.c: what alert listings share with the cases (fn gets each row): how many, -1. */
int pg_alerts_each(struct pg_spool *s, PGresult *r,
                   void (*fn)(void *arg, const struct spool_alert *), void *arg);
int pg_mentions_each(struct pg_spool *s, PGresult *r,
                     void (*fn)(void *arg, const struct spool_mention *), void *arg);

/*
 * pg_copy.c. pg_copy_row: a row of table t (PG_COPY_*) in the open batch,
 * its columns but the id in a; the row's id, or -1 (the batch is lost).
 * pg_copy_flush sends every row held (pg_run, pg_exec's callers and the
 * commit call it first): 0, or -1 and the batch lost. pg_copy_end forgets
 * what the batch held, at its commit or loss.
 */
int64_t pg_copy_row(struct pg_spool *s, int t, const struct pg_arg *a, size_t n);
/*
 * pg_copy_pending: mention row id is pending in group_key (mentions_pending),
 * or if waiting, waits for the leader (in the batch's row of
 * waiting_batches; the claim makes it pending): 0, or -1.
 */
int pg_copy_pending(struct pg_spool *s, int64_t id, const char *group_key, int waiting);
/* pg_copy_stat: n added to a row of the rollups in the open batch: 0, or -1. */
int pg_copy_stat(struct pg_spool *s, int kind, int64_t step_ms, int64_t bucket, const char *key,
                 int64_t n);
/* BEGIN, with the ids the last batch used taken in the same round trip: 0, or -1. */
int pg_copy_begin(struct pg_spool *s);
int pg_copy_flush(struct pg_spool *s);
void pg_copy_end(struct pg_spool *s);
void pg_copy_free(struct pg_spool *s);

/*
 * pg_conn.c, for pg_cluster.c: a new session (every lock gone, the channels listened to
 * again), the notifications libpq read while a statement waited (kept,
 * and the spool's on_notify hook told), the end of a batch (a LISTEN made
 * in it made again), and what close frees.
 */
int pg_cluster_session(struct pg_spool *s);
void pg_cluster_collect(struct pg_spool *s);
void pg_cluster_txn_end(struct pg_spool *s);
void pg_cluster_free(struct pg_spool *s);
void pg_notes_free(struct pg_note *v, size_t n);

/* pg_schema.c: run on the first connection, before the statements are prepared. */
int pg_schema_setup(struct pg_spool *s);

/* pg_cases.c: the action link key of a writable spool that has none (after the schema). */
int pg_cases_setup(struct pg_spool *s);

/* The operations of the backend's table, by the file that has them. */
/* pg_deliv.c */
int64_t pg_rule_text(struct spool *sp, const char *json);
char *pg_rule_text_get(struct spool *sp, int64_t id);
int pg_prune_rule_texts(struct spool *sp);
int64_t pg_add_mention(struct spool *sp, const char *mention_id, const char *group_key,
                       int priority, int64_t at_ms, const char *json);
int pg_pending_mentions(struct spool *sp, void (*fn)(void *arg, const struct spool_mention *),
                        void *arg);
int pg_alert_mentions(struct spool *sp, int64_t alert_rowid,
                      void (*fn)(void *arg, const struct spool_mention *), void *arg);
int pg_mention_by_id(struct spool *sp, const char *mention_id,
                     void (*fn)(void *arg, const struct spool_mention *), void *arg);
int64_t pg_add_mention_ungrouped(struct spool *sp, const char *mention_id,
                                 const char *group_key, int priority, int64_t at_ms,
                                 const char *json);
int pg_claim_mentions(struct spool *sp, size_t max,
                      void (*fn)(void *arg, const struct spool_mention *), void *arg);
int pg_drop_mention(struct spool *sp, int64_t rowid);
int pg_mentions_alerted(struct spool *sp, int64_t since_ms, size_t limit,
                        void (*fn)(void *arg, const struct spool_mention *), void *arg);
int64_t pg_add_alert(struct spool *sp, const char *alert_id, const char *group_key, int priority,
                     const char *team, int64_t at_ms, const char *json,
                     const int64_t *mention_rowids, size_t nmentions, const char *const *receivers,
                     const int64_t *expires_ms, size_t nreceivers, int64_t due_ms);
int64_t pg_tie_mentions(struct spool *sp, int64_t alert_rowid, const char *group_key,
                        int64_t upto_rowid);
int pg_list_alerts(struct spool *sp, size_t limit,
                   void (*fn)(void *arg, const struct spool_alert *), void *arg);
int pg_get_alert(struct spool *sp, const char *alert_id,
                 void (*fn)(void *arg, const struct spool_alert *), void *arg);
int pg_due(struct spool *sp, const char *receiver, int64_t now_ms, const int64_t *skip,
           size_t nskip, struct spool_delivery *out, size_t max);
int pg_first_due(struct spool *sp, const char *receiver, const int64_t *skip, size_t nskip,
                 struct spool_delivery *out);
int64_t pg_next_due(struct spool *sp, const char *receiver);
int64_t pg_make_due(struct spool *sp, const char *receiver, int64_t now_ms);
int64_t pg_expire(struct spool *sp, const char *receiver, int64_t now_ms, const char *error);
int pg_delivered(struct spool *sp, int64_t id, int64_t at_ms);
int pg_retry_later(struct spool *sp, int64_t id, int64_t due_ms, const char *error);
int pg_dead(struct spool *sp, int64_t id, int64_t at_ms, const char *reason, int tried);
int pg_requeue(struct spool *sp, int64_t id, int64_t now_ms);
int64_t pg_requeue_dead(struct spool *sp, const char *receiver, int64_t now_ms);
int pg_drop(struct spool *sp, int64_t id);
int pg_get_delivery(struct spool *sp, int64_t id, struct spool_delivery *out);
int pg_counts(struct spool *sp, const char *receiver, struct spool_counts *c);
int pg_queue_counts(struct spool *sp, const char *receiver, int64_t *pending, int64_t *dead);
int pg_list_deliveries(struct spool *sp, int state, size_t limit,
                       void (*fn)(void *arg, const struct spool_delivery *), void *arg);
int pg_pending_by_receiver(struct spool *sp, void (*fn)(void *, const char *, int64_t), void *arg);
int pg_set_lease(struct spool *sp, const char *receiver, int64_t lease_ms);
int pg_lease_counts(struct spool *sp, void (*fn)(void *, const char *, int64_t), void *arg);
/* The lease owner of a new spool (HOST:PID:STARTMS), and what close frees of the leases. */
void pg_lease_init(struct pg_spool *s);
void pg_lease_free(struct pg_spool *s);
int64_t pg_prune(struct spool *sp, int64_t before_ms);
int64_t pg_prune_cases(struct spool *sp, int64_t before_ms);
int64_t pg_add_silence(struct spool *sp, const char *matchers_json, const char *created_by,
                       const char *reason, int64_t created_ms, int64_t expires_ms);
int pg_end_silence(struct spool *sp, int64_t id, int64_t at_ms, const char *by);
int pg_silence_suppressed(struct spool *sp, int64_t id, int64_t n);
int pg_list_silences(struct spool *sp, int all, size_t limit,
                     void (*fn)(void *arg, const struct spool_silence *), void *arg);
char *pg_cursor_get(struct spool *sp, const char *source);
int pg_cursor_set(struct spool *sp, const char *source, const char *value);
/* pg_cases.c */
int pg_action_key(struct spool *sp, unsigned char *key);
int64_t pg_case_open(struct spool *sp, const char *group_key, int priority, const char *team,
                     int64_t at_ms);
int pg_case_find(struct spool *sp, const char *group_key, struct spool_case *out);
int pg_case_get(struct spool *sp, int64_t id, struct spool_case *out);
int pg_case_update(struct spool *sp, const struct spool_case *c);
int pg_case_tie_alert(struct spool *sp, int64_t case_id, int64_t alert_rowid, int64_t at_ms,
                      int64_t count);
int pg_case_list(struct spool *sp, int all, const char *team, size_t limit,
                 void (*fn)(void *arg, const struct spool_case *), void *arg);
int pg_case_counts(struct spool *sp, int64_t *open, int64_t *acknowledged);
int64_t pg_case_span(struct spool *sp, int64_t since_ms, int64_t until_ms, const char *team,
                     void (*fn)(void *arg, const struct spool_case_span *), void *arg);
int pg_case_alerts(struct spool *sp, int64_t case_id,
                   void (*fn)(void *arg, const struct spool_alert *), void *arg);
int64_t pg_case_event_add(struct spool *sp, int64_t case_id, int64_t at_ms, const char *kind,
                          const char *platform, const char *actor_id, const char *actor_name,
                          const char *detail);
int pg_case_events(struct spool *sp, int64_t case_id,
                   void (*fn)(void *arg, const struct spool_case_event *), void *arg);
int64_t pg_case_message_add(struct spool *sp, int64_t case_id, const char *receiver,
                            const char *ref, int64_t posted_ms);
int pg_case_messages(struct spool *sp, int64_t case_id,
                     void (*fn)(void *arg, const struct spool_case_message *), void *arg);
int64_t pg_case_touch(struct spool *sp, int64_t case_id);
int pg_case_edits_pending(struct spool *sp, const char *receiver, size_t limit,
                          void (*fn)(void *arg, const struct spool_case_message *), void *arg);
int pg_case_message_edited(struct spool *sp, int64_t message_id, int64_t seq);
int pg_case_last_alert(struct spool *sp, int64_t case_id,
                       void (*fn)(void *arg, const struct spool_alert *), void *arg);
int64_t pg_case_pending_before(struct spool *sp, int64_t case_id, const char *receiver,
                               int64_t delivery_id);
int pg_case_receivers(struct spool *sp, int64_t case_id,
                      void (*fn)(void *arg, const char *receiver), void *arg);
int pg_case_message_touch(struct spool *sp, int64_t message_id);
int64_t pg_case_of_mention(struct spool *sp, int64_t mention_rowid);
int pg_case_since(struct spool *sp, int64_t case_id, int64_t *since_ms);
int64_t pg_case_last_event(struct spool *sp, int64_t case_id);
/* pg_stats.c */
int pg_stat_add(struct spool *sp, int kind, int64_t step_ms, int64_t at_ms, const char *key,
                int64_t n);
int64_t pg_stat_rows(struct spool *sp, int kind, int64_t step_ms, int64_t since_ms,
                     int64_t until_ms, const char *key,
                     void (*fn)(void *arg, int64_t bucket_ms, const char *key, int64_t n),
                     void *arg);
int64_t pg_stat_rows_keys(struct spool *sp, int kind, int64_t step_ms, int64_t since_ms,
                          int64_t until_ms, const char *const *keys, size_t nkeys,
                          void (*fn)(void *arg, int64_t bucket_ms, const char *key, int64_t n),
                          void *arg);
int64_t pg_stat_prune(struct spool *sp, int kind, int64_t step_ms, int64_t before_ms);
int pg_mentions_between(struct spool *sp, int64_t since_ms, int64_t until_ms, size_t limit,
                        void (*fn)(void *arg, const struct spool_mention *), void *arg);
int64_t pg_case_topics(struct spool *sp, int64_t since_ms, int64_t until_ms,
                       void (*fn)(void *arg, const char *topic, int64_t cases,
                                  int64_t not_complaint),
                       void *arg);
int64_t pg_recent_add(struct spool *sp, int64_t at_ms, int complaint, const char *mention_id,
                      const char *json);
int64_t pg_recent_prune(struct spool *sp, size_t keep, int64_t before_ms);
int64_t pg_recent_scan(struct spool *sp, int64_t since_ms, size_t limit,
                       int (*fn)(void *arg, int64_t at_ms, int complaint, const char *json),
                       void *arg);
/* pg_labels.c */
int pg_recent_by_id(struct spool *sp, const char *mention_id,
                    void (*fn)(void *arg, int64_t at_ms, int complaint, const char *json),
                    void *arg);
int64_t pg_label_add(struct spool *sp, const char *mention_id, const char *text, int complaint,
                     const char *team, const char *platform, const char *by, int64_t at_ms,
                     const char *source);
int64_t pg_label_list(struct spool *sp, int64_t since_ms,
                      void (*fn)(void *arg, const struct spool_label *), void *arg);
int64_t pg_label_count(struct spool *sp, int64_t *complaints);
/* pg_cluster.c */
int pg_shared(const struct spool *sp);
int pg_try_lock(struct spool *sp, const char *name);
int pg_unlock(struct spool *sp, const char *name);
uint64_t pg_session(const struct spool *sp);
int pg_listen(struct spool *sp, const char *channel);
int pg_notify(struct spool *sp, const char *channel, const char *payload);
int pg_notify_fd(const struct spool *sp);
int pg_notifications(struct spool *sp,
                     void (*fn)(void *arg, const char *channel, const char *payload), void *arg);
uint64_t pg_notify_dropped(const struct spool *sp);
int pg_set_instance(struct spool *sp, const char *instance_id);
int pg_daemon_beat(struct spool *sp, const struct spool_daemon *d);
int pg_daemon_gone(struct spool *sp, const char *instance);
int pg_daemons(struct spool *sp, void (*fn)(void *arg, const struct spool_daemon *), void *arg);

#endif
