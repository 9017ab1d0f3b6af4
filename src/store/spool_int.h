/*
 * spool_int.h: what spool.c (open, batches, queries), spool_schema.c
 * (tables and upgrades) and spool_sync.c (the sync and checkpoint threads)
 * share; nothing outside spool*.c includes it. Loop thread only, as
 * spool.h, except where spool_sync.c says otherwise.
 */
#ifndef KELUH_SPOOL_INT_H
#define KELUH_SPOOL_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_SCHEMA 4
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

/* s->st[]: the statements prepared at open, their SQL in spool.c (spool_sql) */
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
	ST__N
};

struct spool_syncer;

struct spool {
	sqlite3 *db;
	int readonly;
	int txn;		/* spool_begin opened one that spool_commit has not closed */
	int dead_tried;		/* the next ST_DEAD counts an attempt */
	void (*on_begin)(void *);
	void *on_begin_arg;
	sqlite3_stmt *st[ST__N];
	char err[512];
	char *wal_path;
	uint64_t seq;		/* deferred commits made */
	uint64_t rollbacks;	/* batches lost (spool_rollbacks) */
	struct spool_syncer *sy;	/* deferred sync, when on */
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

/* Sets the message spool_error() returns. */
void spool_seterr(struct spool *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets it to SQLite's message for the last call on s->db. */
void spool_dberr(struct spool *s);

/* spool_schema.c: run by spool_open before the statements are prepared. */
int spool_schema_setup(struct spool *s, const char *path);

/* spool_sync.c: a deferred commit's deliveries wait for its sync. */
void spool_deliv_committed(struct spool *s);
/* spool_sync.c: for spool_close; nothing when sync is not deferred. */
void spool_sync_stop(struct spool *s);

#endif
