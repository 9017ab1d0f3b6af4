/*
 * spool_backend.h: what a spool backend provides. spool.h is the one
 * interface the rest of keluh calls; each spool_* function there hands its
 * work to the backend the spool was opened with, through the table of
 * operations below (the shape of OpenSMTPD's queue_backend). Only the
 * backends (src/store/sqlite*.c today), spool.c and spool_backends.c, and
 * the unit tests include this header.
 *
 * A backend's open allocates its own state, zeroed, with a struct spool as
 * its first member, returns a pointer to that member, and is handed it
 * back by every other operation (cast it to its own type).
 * spool_open_with() sets be; on_begin and on_notify (and their args) are
 * set by spool.c, and a backend with notifications calls on_notify when it
 * keeps some that its descriptor will not announce;
 * err is the backend's to fill, and spool_error() returns it.
 *
 * Each operation has the meaning, the arguments and the return values of
 * the spool.h function of the same name (spool_<op>), with these
 * differences: begin returns 1 when it opened a transaction and 0 when one
 * was open already (spool.c then runs the on_begin hook); dead is
 * spool_dead (tried 0) and spool_dead_tried (tried 1); probe is only the
 * write that changes nothing, made inside the batch spool.c opened for it.
 * Rows handed to callbacks are the backend's, read in full before the
 * first call, and freed by it after the last.
 *
 * Adding a backend: its files in src/store/ (they include this header,
 * never another backend's), its table (every operation set: the unit test
 * checks the SQLite one with spool_backend_missing()), one line in
 * spool_backends[] (spool_backends.c) with the scheme of the paths it
 * takes, and Makefile.am. The daemon and the tools change nothing: they
 * call spool_open() with the spool path of the config.
 */
#ifndef KELUH_SPOOL_BACKEND_H
#define KELUH_SPOOL_BACKEND_H

#include <stddef.h>
#include <stdint.h>

/* spool.h defines these; a backend includes it too. */
struct spool_alert;
struct spool_case;
struct spool_case_event;
struct spool_case_span;
struct spool_case_message;
struct spool_counts;
struct spool_daemon;
struct spool_delivery;
struct spool_mention;
struct spool_silence;
struct spool_label;

struct spool {
	const struct spool_backend *be;
	void (*on_begin)(void *);
	void *on_begin_arg;
	void (*on_notify)(void *); /* spool_on_notify */
	void *on_notify_arg;
	char err[512];
};

struct spool_backend {
	const char *name;
	/*
	 * The paths it takes start with "<scheme>:" (e.g. "postgresql:"); NULL
	 * for the one that takes every other path (SQLite: a file name, or a
	 * "file:" URI).
	 */
	const char *scheme;
	/*
	 * Renders a path of this backend for people (spool_describe), leaving
	 * out any secret; NULL: the path as it is. Not an operation: it needs
	 * no open spool.
	 */
	void (*describe)(const char *path, char *buf, size_t len);

	/* opening; close also rolls back an open transaction and stops threads */
	struct spool *(*open)(const char *path, int readonly, char *err, size_t errlen);
	void (*close)(struct spool *);

	/* the batch of a loop pass */
	int (*begin)(struct spool *);
	int (*commit)(struct spool *);
	int (*in_txn)(const struct spool *);
	uint64_t (*rollbacks)(const struct spool *);
	int (*probe)(struct spool *);

	/* durability, when the daemon defers it (spool_defer_sync) */
	int (*defer_sync)(struct spool *);
	int (*sync_fd)(const struct spool *);
	uint64_t (*commit_seq)(const struct spool *);
	int (*sync_request)(struct spool *);
	int (*sync_now)(struct spool *);
	uint64_t (*synced)(struct spool *, int *err);
	unsigned (*wal_bound_hits)(struct spool *, int *failed);

	/* rule texts that mentions name by id */
	int64_t (*rule_text)(struct spool *, const char *json);
	char *(*rule_text_get)(struct spool *, int64_t id);
	int (*prune_rule_texts)(struct spool *);

	/* mentions and the groups they wait in */
	int64_t (*add_mention)(struct spool *, const char *mention_id, const char *group_key,
	                       int priority, int64_t at_ms, const char *json);
	int (*pending_mentions)(struct spool *, void (*fn)(void *arg, const struct spool_mention *),
	                        void *arg);
	int64_t (*add_alert)(struct spool *, const char *alert_id, const char *group_key,
	                     int priority, const char *team, int64_t at_ms, const char *json,
	                     const int64_t *mention_rowids, size_t nmentions,
	                     const char *const *receivers, const int64_t *expires_ms,
	                     size_t nreceivers, int64_t due_ms);
	int64_t (*tie_mentions)(struct spool *, int64_t alert_rowid, const char *group_key,
	                        int64_t upto_rowid);

	/* deliveries: what is due, claimed by the caller's in-flight list */
	int (*due)(struct spool *, const char *receiver, int64_t now_ms, const int64_t *skip,
	           size_t nskip, struct spool_delivery *out, size_t max);
	int64_t (*next_due)(struct spool *, const char *receiver);
	int (*first_due)(struct spool *, const char *receiver, const int64_t *skip, size_t nskip,
	                 struct spool_delivery *out);
	int64_t (*make_due)(struct spool *, const char *receiver, int64_t now_ms);
	int64_t (*expire)(struct spool *, const char *receiver, int64_t now_ms, const char *error);
	int (*set_lease)(struct spool *, const char *receiver, int64_t lease_ms);
	int (*lease_counts)(struct spool *, void (*fn)(void *arg, const char *owner, int64_t n),
	                    void *arg);

	/* deliveries: the outcome of an attempt (the acknowledgement) */
	int (*delivered)(struct spool *, int64_t id, int64_t at_ms);
	int (*retry_later)(struct spool *, int64_t id, int64_t due_ms, const char *error);
	int (*dead)(struct spool *, int64_t id, int64_t at_ms, const char *reason, int tried);

	/* operators (keluhctl, the admin API) */
	int (*requeue)(struct spool *, int64_t id, int64_t now_ms);
	int (*drop)(struct spool *, int64_t id);
	int64_t (*requeue_dead)(struct spool *, const char *receiver, int64_t now_ms);
	int (*get_delivery)(struct spool *, int64_t id, struct spool_delivery *out);
	int (*counts)(struct spool *, const char *receiver, struct spool_counts *);
	int (*queue_counts)(struct spool *, const char *receiver, int64_t *pending, int64_t *dead);
	int (*list_deliveries)(struct spool *, int state, size_t limit,
	                       void (*fn)(void *arg, const struct spool_delivery *), void *arg);
	int (*list_alerts)(struct spool *, size_t limit,
	                   void (*fn)(void *arg, const struct spool_alert *), void *arg);
	int (*get_alert)(struct spool *, const char *alert_id,
	                 void (*fn)(void *arg, const struct spool_alert *), void *arg);
	int (*alert_mentions)(struct spool *, int64_t alert_rowid,
	                      void (*fn)(void *arg, const struct spool_mention *), void *arg);
	int (*pending_by_receiver)(struct spool *,
	                           void (*fn)(void *arg, const char *receiver, int64_t n),
	                           void *arg);
	int64_t (*prune)(struct spool *, int64_t before_ms);
	int64_t (*prune_cases)(struct spool *, int64_t before_ms);

	/* silences */
	int64_t (*add_silence)(struct spool *, const char *matchers_json, const char *created_by,
	                       const char *reason, int64_t created_ms, int64_t expires_ms);
	int (*end_silence)(struct spool *, int64_t id, int64_t at_ms, const char *by);
	int (*silence_suppressed)(struct spool *, int64_t id, int64_t n);
	int (*list_silences)(struct spool *, int all, size_t limit,
	                     void (*fn)(void *arg, const struct spool_silence *), void *arg);

	/* per-source cursors */
	char *(*cursor_get)(struct spool *, const char *source);
	int (*cursor_set)(struct spool *, const char *source, const char *value);

	/* public replies: the complaint a reply answers */
	int (*mention_by_id)(struct spool *, const char *mention_id,
	                     void (*fn)(void *arg, const struct spool_mention *), void *arg);

	/* cases, their timeline and living messages */
	int64_t (*case_open)(struct spool *, const char *group_key, int priority, const char *team,
	                     int64_t at_ms);
	int (*case_find)(struct spool *, const char *group_key, struct spool_case *out);
	int (*case_get)(struct spool *, int64_t id, struct spool_case *out);
	int (*case_update)(struct spool *, const struct spool_case *c);
	int (*case_tie_alert)(struct spool *, int64_t case_id, int64_t alert_rowid, int64_t at_ms,
	                      int64_t count);
	int (*case_list)(struct spool *, int all, const char *team, size_t limit,
	                 void (*fn)(void *arg, const struct spool_case *), void *arg);
	int (*case_counts)(struct spool *, int64_t *open, int64_t *acknowledged);
	int (*case_alerts)(struct spool *, int64_t case_id,
	                   void (*fn)(void *arg, const struct spool_alert *), void *arg);
	int64_t (*case_span)(struct spool *, int64_t since_ms, int64_t until_ms, const char *team,
	                     void (*fn)(void *arg, const struct spool_case_span *), void *arg);
	int64_t (*case_event_add)(struct spool *, int64_t case_id, int64_t at_ms, const char *kind,
	                          const char *platform, const char *actor_id,
	                          const char *actor_name, const char *detail);
	int (*case_events)(struct spool *, int64_t case_id,
	                   void (*fn)(void *arg, const struct spool_case_event *), void *arg);
	int64_t (*case_message_add)(struct spool *, int64_t case_id, const char *receiver,
	                            const char *ref, int64_t posted_ms);
	int (*case_messages)(struct spool *, int64_t case_id,
	                     void (*fn)(void *arg, const struct spool_case_message *), void *arg);
	int64_t (*case_touch)(struct spool *, int64_t case_id);
	int (*case_edits_pending)(struct spool *, const char *receiver, size_t limit,
	                          void (*fn)(void *arg, const struct spool_case_message *),
	                          void *arg);
	int (*case_message_edited)(struct spool *, int64_t message_id, int64_t seq);
	/* living messages, the delivery side */
	int (*case_last_alert)(struct spool *, int64_t case_id,
	                       void (*fn)(void *arg, const struct spool_alert *), void *arg);
	int64_t (*case_pending_before)(struct spool *, int64_t case_id, const char *receiver,
	                               int64_t delivery_id);
	int (*case_receivers)(struct spool *, int64_t case_id,
	                      void (*fn)(void *arg, const char *receiver), void *arg);
	int (*case_message_touch)(struct spool *, int64_t message_id);
	int (*action_key)(struct spool *, unsigned char *key);

	/* the SLA clocks of cases */
	int64_t (*case_of_mention)(struct spool *, int64_t mention_rowid);
	int (*case_since)(struct spool *, int64_t case_id, int64_t *since_ms);
	int64_t (*case_last_event)(struct spool *, int64_t case_id);

	/* rollups, complaints of a span, cases by topic, recent mentions (v8) */
	int (*stat_add)(struct spool *, int kind, int64_t step_ms, int64_t at_ms, const char *key,
	                int64_t n);
	int64_t (*stat_rows)(struct spool *, int kind, int64_t step_ms, int64_t since_ms,
	                     int64_t until_ms, const char *key,
	                     void (*fn)(void *arg, int64_t bucket_ms, const char *key, int64_t n),
	                     void *arg);
	int64_t (*stat_rows_keys)(struct spool *, int kind, int64_t step_ms, int64_t since_ms,
	                          int64_t until_ms, const char *const *keys, size_t nkeys,
	                          void (*fn)(void *arg, int64_t bucket_ms, const char *key,
	                                     int64_t n),
	                          void *arg);
	int64_t (*stat_prune)(struct spool *, int kind, int64_t step_ms, int64_t before_ms);
	int (*mentions_between)(struct spool *, int64_t since_ms, int64_t until_ms, size_t limit,
	                        void (*fn)(void *arg, const struct spool_mention *), void *arg);
	int64_t (*case_topics)(struct spool *, int64_t since_ms, int64_t until_ms,
	                       void (*fn)(void *arg, const char *topic, int64_t cases,
	                                  int64_t not_complaint),
	                       void *arg);
	int64_t (*recent_add)(struct spool *, int64_t at_ms, int complaint, const char *mention_id,
	                      const char *json);
	int64_t (*recent_prune)(struct spool *, size_t keep, int64_t before_ms);
	int64_t (*recent_scan)(struct spool *, int64_t since_ms, size_t limit,
	                       int (*fn)(void *arg, int64_t at_ms, int complaint, const char *json),
	                       void *arg);

	/* labels (v9), and the recent row of a mention id */
	int (*recent_by_id)(struct spool *, const char *mention_id,
	                    void (*fn)(void *arg, int64_t at_ms, int complaint, const char *json),
	                    void *arg);
	int64_t (*label_add)(struct spool *, const char *mention_id, const char *text, int complaint,
	                     const char *team, const char *platform, const char *by, int64_t at_ms,
	                     const char *source);
	int64_t (*label_list)(struct spool *, int64_t since_ms,
	                      void (*fn)(void *arg, const struct spool_label *), void *arg);
	int64_t (*label_count)(struct spool *, int64_t *complaints);
	/* several daemons on one database (spool.h says what one of one daemon answers) */
	int (*shared)(const struct spool *);
	int (*try_lock)(struct spool *, const char *name);
	int (*unlock)(struct spool *, const char *name);
	uint64_t (*session)(const struct spool *);
	int (*listen)(struct spool *, const char *channel);
	int (*notify)(struct spool *, const char *channel, const char *payload);
	int (*notify_fd)(const struct spool *);
	int (*notifications)(struct spool *,
	                     void (*fn)(void *arg, const char *channel, const char *payload),
	                     void *arg);
	uint64_t (*notify_dropped)(const struct spool *);
	int (*set_instance)(struct spool *, const char *instance_id);
	int (*daemon_beat)(struct spool *, const struct spool_daemon *);
	int (*daemon_gone)(struct spool *, const char *instance);
	int (*daemons)(struct spool *, void (*fn)(void *arg, const struct spool_daemon *),
	               void *arg);
	/* the leader's claim of the complaints other daemons took (spool.h) */
	int64_t (*add_mention_ungrouped)(struct spool *, const char *mention_id,
	                                 const char *group_key, int priority, int64_t at_ms,
	                                 const char *json);
	int (*claim_mentions)(struct spool *, size_t max,
	                      void (*fn)(void *arg, const struct spool_mention *), void *arg);
	int (*drop_mention)(struct spool *, int64_t rowid);
	int (*mentions_alerted)(struct spool *, int64_t since_ms, size_t limit,
	                        void (*fn)(void *arg, const struct spool_mention *), void *arg);

	/* new kinds of records add their section here, and to the list below */
};

/* Every operation by name, in the order of the struct (spool.c checks both agree). */
/* clang-format off */
#define SPOOL_BACKEND_OPS(X)                                                                       \
	X(open) X(close)                                                                           \
	X(begin) X(commit) X(in_txn) X(rollbacks) X(probe)                                         \
	X(defer_sync) X(sync_fd) X(commit_seq) X(sync_request) X(sync_now) X(synced)               \
	X(wal_bound_hits)                                                                          \
	X(rule_text) X(rule_text_get) X(prune_rule_texts)                                          \
	X(add_mention) X(pending_mentions) X(add_alert) X(tie_mentions)                            \
	X(due) X(next_due) X(first_due) X(make_due) X(expire) X(set_lease) X(lease_counts)            \
	X(delivered) X(retry_later) X(dead)                                                        \
	X(requeue) X(drop) X(requeue_dead) X(get_delivery) X(counts) X(queue_counts)               \
	X(list_deliveries) X(list_alerts) X(get_alert) X(alert_mentions)                           \
	X(pending_by_receiver) X(prune) X(prune_cases)                                             \
	X(add_silence) X(end_silence) X(silence_suppressed) X(list_silences)                       \
	X(cursor_get) X(cursor_set)                                                                \
	X(mention_by_id)                                                                           \
	X(case_open) X(case_find) X(case_get) X(case_update) X(case_tie_alert) X(case_list)       \
	X(case_counts) X(case_alerts) X(case_span) X(case_event_add) X(case_events) X(case_message_add)        \
	X(case_messages) X(case_touch) X(case_edits_pending) X(case_message_edited)              \
	X(case_last_alert) X(case_pending_before) X(case_receivers) X(case_message_touch)        \
	X(action_key)                                                                              \
	X(case_of_mention) X(case_since) X(case_last_event)                                        \
	X(stat_add) X(stat_rows) X(stat_rows_keys) X(stat_prune) X(mentions_between)            \
	X(case_topics)                                                                             \
	X(recent_add) X(recent_prune) X(recent_scan)                                               \
	X(recent_by_id) X(label_add) X(label_list) X(label_count)                                  \
	X(shared) X(try_lock) X(unlock) X(session) X(listen) X(notify) X(notify_fd)                \
	X(notifications) X(notify_dropped) X(set_instance)                                        \
	X(daemon_beat) X(daemon_gone) X(daemons)                                                \
	X(add_mention_ungrouped) X(claim_mentions) X(drop_mention) X(mentions_alerted)
/* clang-format on */

/* The SQLite backend (sqlite.c) and the PostgreSQL one (pg.c). */
extern const struct spool_backend spool_sqlite;
extern const struct spool_backend spool_pg;

/* The backend that stores a spool at path (spool_backends.c); never NULL. */
const struct spool_backend *spool_backend_find(const char *path);
/* spool_open() with the backend given: what spool_open() does after spool_backend_find(). */
struct spool *spool_open_with(const struct spool_backend *, const char *path, int readonly,
                              char *err, size_t errlen);
/* The name of an operation be leaves NULL, or NULL when every one is set. */
const char *spool_backend_missing(const struct spool_backend *be);
/* The keys of stat_rows_keys as a JSON array of strings, into b (reset first). */
struct buf;
void spool_stat_keys_json(struct buf *b, const char *const *keys, size_t nkeys);

#endif
