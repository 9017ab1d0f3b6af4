/*
 * spool.h: the durable outbox: the one interface through which keluh
 * reads and writes what must survive a restart. A backend does the work
 * (spool_backend.h says how one is made): SQLite (sqlite.c: WAL,
 * synchronous=FULL), or PostgreSQL for a path "postgresql:<conninfo>"
 * (pg.c), chosen by the spool path (spool_backends.c).
 *
 * What is in it:
 *   mentions    every accepted complaint, first pending in its group, then
 *               tied to the alert that carried it;
 *   alerts      every alert sent, with its canonical JSON (the generic
 *               webhook body, described in src/receivers/receiver.h)
 *               - the history;
 *   deliveries  one row per (alert, receiver): pending -> delivered, or
 *               dead (with the reason); attempts, next due time, last error;
 *   cursors     per-source resume positions;
 *   silences    matchers that mute complaints until they expire (v3);
 *   cases       what people act on: their events, their living messages,
 *               and the key of signed action links (v5);
 *   labels      people's word on whether a mention is a complaint (v9).
 *
 * Writes are batched: the daemon calls spool_begin() when a loop pass
 * first writes and spool_commit() once at the end of the pass; only after
 * that commit does it answer 202 or advance anything. Loop thread only.
 *
 * Times are Unix milliseconds. Functions return 0 (or a row id > 0) on
 * success and -1 on error, with the backend's message in spool_error().
 * Strings returned in structs are malloc'd and freed by the matching
 * *_free function.
 *
 * Every write works inside or outside spool_begin(); one that takes
 * several statements (spool_add_alert) is all or nothing either way. If
 * the store rolls the open transaction back by itself (disk full, I/O error),
 * every later write and the spool_commit() fail, so a batch is never
 * reported committed when part of it is gone.
 *
 * Callbacks get rows that were read in full before the first call, so
 * they may call other spool functions. The structs passed to them are
 * freed when the callback returns.
 */
#ifndef KELUH_SPOOL_H
#define KELUH_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct spool;

enum spool_state { SPOOL_PENDING = 0, SPOOL_DELIVERED = 1, SPOOL_DEAD = 2 };

/*
 * Opens (creating if needed) the database; readonly for tools that only
 * look. readonly never creates anything: a missing file is the error "no
 * spool at PATH: has keluhd run with this config?". A spool written by a
 * newer keluh (higher schema version) or another program's database is
 * refused. Never carry an open spool across fork().
 */
struct spool *spool_open(const char *path, int readonly, char *err, size_t errlen);
/*
 * A spool path for people (logs, status, keluhctl): a file's path as it
 * is; "postgresql: dbname=keluh host=/run/x user=keluh" for PostgreSQL,
 * without the password the conninfo may hold. Every message that names
 * the spool goes through this. Returns buf.
 */
const char *spool_describe(const char *path, char *buf, size_t len);
/* 1 when the spool at path is a file on this machine (SQLite), 0 for a database server. */
int spool_is_local(const char *path);
void spool_close(struct spool *);
const char *spool_error(const struct spool *);

int spool_begin(struct spool *);	/* no-op if a transaction is open */
/* A commit that fails rolls back: nothing written since spool_begin is kept. */
int spool_commit(struct spool *);	/* no-op if none is open */
int spool_in_txn(const struct spool *);
/*
 * fn(arg) runs each time spool_begin actually opens a transaction: the
 * daemon uses it to schedule the one commit at the end of the loop pass.
 */
void spool_on_begin(struct spool *, void (*fn)(void *), void *arg);

/*
 * Deferred sync, for the daemon: from now on a spool_begin/spool_commit
 * batch commits without waiting for the disk (writes outside a batch still
 * do), and a thread makes it durable (fdatasync of the WAL) while the
 * caller goes on. After a commit, spool_sync_request() starts that sync;
 * spool_sync_fd() becomes readable when one finishes, and spool_synced()
 * then says up to which spool_commit_seq() commits are durable (err: the
 * errno of a failed sync since the last call, with spool_error() set).
 * spool_sync_now() makes every commit so far durable before it returns.
 * Nothing a batch wrote may be acknowledged before it is durable, and
 * spool_due() and spool_next_due() leave out the deliveries whose rows
 * are not durable yet (a failed sync keeps them out until a later one
 * works).
 * spool_close() stops the thread and syncs once more.
 * spool_defer_sync returns 0 when sync is deferred, -1 when it cannot be
 * (spool_error() says why; every batch then waits for its sync), and 1
 * for a backend whose commits are durable when they return (PostgreSQL):
 * nothing to defer, spool_error() says so, and the calls above do nothing.
 */
int spool_defer_sync(struct spool *);
int spool_sync_fd(const struct spool *);
uint64_t spool_commit_seq(const struct spool *);
int spool_sync_request(struct spool *);
int spool_sync_now(struct spool *);
uint64_t spool_synced(struct spool *, int *err);
/*
 * Deferred sync also moves WAL checkpoints to a thread, beside the
 * writer. This says how many times since the last call the WAL passed its
 * bound, so that the checkpoint held the writer off; *failed: a checkpoint
 * failed since the last call (spool_error() says why). A backend without
 * a WAL answers 0.
 */
unsigned spool_wal_bound_hits(struct spool *, int *failed);
/*
 * A write that changes nothing, in the caller's batch (opened if need
 * be): its commit and sync tell whether the disk takes writes again.
 */
int spool_probe(struct spool *);

/*
 * The id of a rule's {"id","description","score"} text in the spool,
 * added if new (in the caller's batch, if one is open). A complaint's row
 * names its rules by these ids. A failed batch loses the texts it added:
 * when spool_rollbacks() changes, ids cached since are to be asked again.
 * spool_rule_text_get: the text (free() it), NULL if unknown.
 * spool_prune_rule_texts: forgets the texts no pending mention names,
 * for a caller that holds no ids cached; the number forgotten, -1 on error.
 */
int64_t spool_rule_text(struct spool *, const char *json);
char *spool_rule_text_get(struct spool *, int64_t id);
int spool_prune_rule_texts(struct spool *);
uint64_t spool_rollbacks(const struct spool *);

/* A complaint accepted into a group that has not been alerted yet. */
int64_t spool_add_mention(struct spool *, const char *mention_id, const char *group_key,
    int priority, int64_t at_ms, const char *json);

struct spool_mention {
	int64_t rowid;
	char *mention_id, *group_key, *json;
	int priority;
	int64_t at_ms;
};
/* Every pending mention, oldest first (to rebuild groups after a restart). */
int spool_pending_mentions(struct spool *, void (*fn)(void *arg, const struct spool_mention *),
    void *arg);

/*
 * Several daemons on one database (PostgreSQL; see keluhd(8)): only the
 * leader groups. Another daemon writes its complaint with
 * spool_add_mention_ungrouped, and the leader takes such rows with
 * spool_claim_mentions: up to max of them (0: every one), oldest first,
 * marked grouped in the caller's batch (opened if need be), so a batch
 * that is lost gives them back; rows another session is claiming (on
 * PostgreSQL, the batches that name them) are skipped. fn gets each; it
 * returns how many, or -1. spool_pending_mentions
 * and spool_tie_mentions see only grouped rows. On SQLite, where the one
 * daemon groups all, an ungrouped row is written grouped and a claim finds
 * none.
 * spool_drop_mention removes a pending mention (the second copy of a
 * complaint that came through two daemons): 1, 0 when no pending row has
 * that id, -1.
 * spool_mentions_alerted: the mentions tied to an alert with at_ms >=
 * since_ms, newest first, at most limit (the leader's duplicate windows
 * are made from them): 0, or -1.
 */
int64_t spool_add_mention_ungrouped(struct spool *, const char *mention_id,
    const char *group_key, int priority, int64_t at_ms, const char *json);
int spool_claim_mentions(struct spool *, size_t max,
    void (*fn)(void *arg, const struct spool_mention *), void *arg);
int spool_drop_mention(struct spool *, int64_t rowid);
int spool_mentions_alerted(struct spool *, int64_t since_ms, size_t limit,
    void (*fn)(void *arg, const struct spool_mention *), void *arg);

/*
 * Records an alert, ties the given pending mentions to it, and adds one
 * pending delivery per receiver, due at due_ms, expiring at expires_ms[i].
 * The idempotency key of each delivery is "<alert_id>.<receiver>".
 * Fails, writing nothing, when a mention row is not pending or alert_id
 * (or a receiver within it) repeats. A delivery's created_ms is at_ms.
 */
int64_t spool_add_alert(struct spool *, const char *alert_id, const char *group_key,
    int priority, const char *team, int64_t at_ms, const char *json,
    const int64_t *mention_rowids, size_t nmentions, const char *const *receivers,
    const int64_t *expires_ms, size_t nreceivers, int64_t due_ms);

/*
 * Ties every pending mention of group_key with a row id up to upto_rowid
 * to the alert (for the grouper, which knows how far its group got, not
 * each row). Returns how many it tied, or -1.
 */
int64_t spool_tie_mentions(struct spool *, int64_t alert_rowid, const char *group_key,
    int64_t upto_rowid);

struct spool_delivery {
	int64_t id;
	int64_t alert_rowid;
	char *alert_id;
	char *receiver;
	char *idem_key;
	char *alert_json;
	int state;		/* enum spool_state */
	int attempts;
	int64_t created_ms, due_ms, expires_ms, done_ms;
	char *last_error;
	int priority;
	int64_t case_id;	/* the alert's case; 0 when it has none */
};
void spool_delivery_free(struct spool_delivery *);

/*
 * Pending deliveries of one receiver that are due at now_ms, by priority
 * (critical first) then age, skipping the ids in skip[0..nskip) (those
 * already in flight). Fills up to max; returns the number, or -1.
 */
int spool_due(struct spool *, const char *receiver, int64_t now_ms, const int64_t *skip,
    size_t nskip, struct spool_delivery *out, size_t max);
/* Earliest due time of a pending delivery of receiver, or INT64_MAX (-1 on error). */
int64_t spool_next_due(struct spool *, const char *receiver);
/*
 * The pending delivery of receiver that is due first, due or not (the
 * probe of a failing receiver), skipping skip[0..nskip): 1 and *out
 * filled, 0 when there is none, -1.
 */
int spool_first_due(struct spool *, const char *receiver, const int64_t *skip, size_t nskip,
    struct spool_delivery *out);
/* Every pending delivery of receiver due later than now_ms becomes due at now_ms; how many. */
int64_t spool_make_due(struct spool *, const char *receiver, int64_t now_ms);
/*
 * Pending deliveries of receiver whose max age has passed at now_ms go to
 * the dead letters, "expired after N attempt(s), while the receiver was
 * failing; last error: <error>". Returns how many.
 */
int64_t spool_expire(struct spool *, const char *receiver, int64_t now_ms, const char *error);

/*
 * Leases, on a spool several daemons share (PostgreSQL): spool_due and
 * spool_first_due claim the rows they return for this spool's instance
 * (spool_set_instance; until it is set, HOST:PID:STARTMS of the process
 * that opened it) until now_ms plus the receiver's lease length, with
 * FOR UPDATE SKIP LOCKED, so two daemons never get the same delivery. A
 * row leased by another instance is left out until its lease expires
 * (its owner died: another daemon takes the delivery over); rows of our
 * own lease come back unless skipped (they are in flight).
 * spool_next_due counts a row with a valid lease as due when the lease
 * expires, if that is later; spool_make_due and spool_expire leave rows
 * of other instances' valid leases (and rows another session has locked)
 * alone. spool_delivered, spool_retry_later and spool_dead(_tried) end
 * the lease. A delivery is sent twice only when its daemon dies between
 * the receiver's answer and the commit of that answer.
 *
 * spool_set_lease: the lease length of receiver's deliveries, set by the
 * daemon from its config as the receiver's timeout + SPOOL_LEASE_MARGIN_MS
 * (a request always ends within its timeout, and the outcome is committed
 * at the end of that loop pass); SPOOL_LEASE_MS for a receiver never set.
 * spool_lease_counts: fn(arg, owner, n) for each instance holding valid
 * leases now, by owner. SQLite (one daemon, no leases): both do nothing
 * and return 0.
 *
 * Wake-ups: on a shared spool each write that makes a delivery due for
 * another daemon too (spool_add_alert, spool_make_due, spool_requeue,
 * spool_requeue_dead) notifies SPOOL_DUE_CHANNEL with the receiver's name
 * as payload, at the commit of its batch (see spool_listen).
 */
#define SPOOL_LEASE_MARGIN_MS 10000
#define SPOOL_LEASE_MS        (15000 + SPOOL_LEASE_MARGIN_MS)
#define SPOOL_DUE_CHANNEL     "keluh_due"
int spool_set_lease(struct spool *, const char *receiver, int64_t lease_ms);
int spool_lease_counts(struct spool *, void (*fn)(void *arg, const char *owner, int64_t n),
    void *arg);

/*
 * The daemon's transitions; attempts counts tries made, so delivered and
 * retry_later add one (dead does not: a delivery may die of age unsent).
 * They touch a pending delivery only: one that keluhctl dropped while it
 * was in flight is left alone and 0 is returned.
 */
int spool_delivered(struct spool *, int64_t id, int64_t at_ms);
int spool_retry_later(struct spool *, int64_t id, int64_t due_ms, const char *error);
int spool_dead(struct spool *, int64_t id, int64_t at_ms, const char *reason);
/* The same after an attempt that was refused: counts the attempt too. */
int spool_dead_tried(struct spool *, int64_t id, int64_t at_ms, const char *reason);

/*
 * Operator actions (keluhctl): dead -> pending now; or remove. Requeue
 * resets attempts, keeps last_error, and gives the delivery its original
 * time to live (expires_ms - created_ms at creation) again from now_ms. Both
 * fail with a clear message for an unknown id; requeue also for a delivery
 * that is not dead.
 */
int spool_requeue(struct spool *, int64_t id, int64_t now_ms);
int spool_drop(struct spool *, int64_t id);
/* Requeues every dead delivery (of receiver, or all when NULL); returns how many. */
int64_t spool_requeue_dead(struct spool *, const char *receiver, int64_t now_ms);
/* One delivery by id: 1 and *out filled (free with spool_delivery_free), 0 if none, -1. */
int spool_get_delivery(struct spool *, int64_t id, struct spool_delivery *out);

struct spool_counts {
	int64_t pending, delivered, dead, pending_mentions, alerts;
};
/* Deliveries of receiver (all receivers when NULL); mentions and alerts are spool-wide. */
int spool_counts(struct spool *, const char *receiver, struct spool_counts *);
/*
 * Pending and dead deliveries of one receiver only: cheap enough to read
 * every second under load (spool_counts also counts every pending mention).
 */
int spool_queue_counts(struct spool *, const char *receiver, int64_t *pending, int64_t *dead);

/* Listings for keluhctl, newest first, at most limit rows; state -1 for any. */
int spool_list_deliveries(struct spool *, int state, size_t limit,
    void (*fn)(void *arg, const struct spool_delivery *), void *arg);
struct spool_alert {
	int64_t rowid;
	char *alert_id, *group_key, *team, *json;
	int priority;
	int64_t at_ms;
	int delivered, pending, dead;	/* its deliveries by state */
	int mentions;			/* mentions tied to it */
};
int spool_list_alerts(struct spool *, size_t limit,
    void (*fn)(void *arg, const struct spool_alert *), void *arg);
/* One alert by its id (fn called once): 1, 0 when there is none, -1. */
int spool_get_alert(struct spool *, const char *alert_id,
    void (*fn)(void *arg, const struct spool_alert *), void *arg);
/* The mentions tied to an alert, in the order they came. */
int spool_alert_mentions(struct spool *, int64_t alert_rowid,
    void (*fn)(void *arg, const struct spool_mention *), void *arg);

/*
 * Public replies: the newest complaint row whose mention id is mention_id
 * (fn called once), so a reply by the brand finds the complaint it
 * answers. 1, 0 when there is none, -1. Rows of a batch still open count.
 */
int spool_mention_by_id(struct spool *, const char *mention_id,
    void (*fn)(void *arg, const struct spool_mention *), void *arg);

/*
 * Forgets history older than before_ms: delivered deliveries, then alerts
 * with no delivery left, and their mentions. Pending deliveries and dead
 * letters are kept until they are delivered or dropped. Returns the
 * number of alerts removed, or -1.
 */
int64_t spool_prune(struct spool *, int64_t before_ms);

/*
 * Forgets the cases closed (resolved or not a complaint) before before_ms
 * that no alert names any more (spool_prune removes alerts first), with
 * their timelines and messages. Open and acknowledged cases are kept
 * however old. Returns the number of cases removed, or -1.
 */
int64_t spool_prune_cases(struct spool *, int64_t before_ms);

/* fn(arg, receiver, n) for every receiver with pending deliveries. */
int spool_pending_by_receiver(struct spool *, void (*fn)(void *arg, const char *receiver,
    int64_t n), void *arg);

/*
 * Silences. matchers_json is the matcher object as text (see silence.h).
 * end sets ended_ms and ended_by on an active silence: 1 when it did, 0
 * when the id is unknown or already ended. suppressed adds n to its count.
 * The listing is newest first: the active ones only, or all (the ended
 * ones are pruned with the history).
 */
struct spool_silence {
	int64_t id;
	char *matchers, *created_by, *reason, *ended_by;
	int64_t created_ms, expires_ms, ended_ms;	/* ended_ms 0 while active */
	int64_t suppressed;
};
int64_t spool_add_silence(struct spool *, const char *matchers_json, const char *created_by,
    const char *reason, int64_t created_ms, int64_t expires_ms);
int spool_end_silence(struct spool *, int64_t id, int64_t at_ms, const char *by);
int spool_silence_suppressed(struct spool *, int64_t id, int64_t n);
int spool_list_silences(struct spool *, int all, size_t limit,
    void (*fn)(void *arg, const struct spool_silence *), void *arg);
void spool_silence_free(struct spool_silence *);

/*
 * Cases (v5): the unit people act on, one per alert group while it lives
 * (see daemon/cases.h for the rules). Its id, never reused, is what people
 * see as "#42". state is one of "open", "acknowledged", "resolved",
 * "not_complaint". Times are 0 and names NULL when unset. overdue is the
 * escalation step the case reached (0: none).
 */
struct spool_case {
	int64_t id;
	char *group_key, *state, *team;
	int priority;
	int64_t opened_ms;
	int reopened;			/* times it was reopened */
	int64_t acked_ms;
	char *acked_by;
	char *assignee, *assigned_by;
	int64_t assigned_ms;
	int64_t resolved_ms;		/* resolved or not_complaint */
	char *resolved_by, *note;
	int64_t first_reply_ms;
	int overdue;
	int64_t last_alert_ms;		/* 0 until an alert is tied to it */
	int64_t total;			/* mentions in its alerts */
};
void spool_case_free(struct spool_case *);

/* A new open case of group_key: its id (> 0), or -1. Writes no event. */
int64_t spool_case_open(struct spool *, const char *group_key, int priority, const char *team,
    int64_t at_ms);
/* The newest case of group_key, whatever its state: 1 and *out filled, 0 if none, -1. */
int spool_case_find(struct spool *, const char *group_key, struct spool_case *out);
/* One case by id: 1 and *out filled, 0 if none, -1. */
int spool_case_get(struct spool *, int64_t id, struct spool_case *out);
/*
 * Writes every field of c but id, group_key and opened_ms back to case
 * c->id: 1, 0 when there is no such case, -1.
 */
int spool_case_update(struct spool *, const struct spool_case *c);
/*
 * Ties an alert to its case: the alert row names the case, and the case
 * counts its mentions (total += count) and last_alert_ms = at_ms.
 * 1, 0 when the alert or the case is unknown, -1.
 */
int spool_case_tie_alert(struct spool *, int64_t case_id, int64_t alert_rowid, int64_t at_ms,
    int64_t count);
/*
 * Cases newest first: open and acknowledged ones only, or all; of team
 * only when team is not NULL; at most limit. Returns how many, or -1.
 */
int spool_case_list(struct spool *, int all, const char *team, size_t limit,
    void (*fn)(void *arg, const struct spool_case *), void *arg);
/* How many cases are open and acknowledged now. */
int spool_case_counts(struct spool *, int64_t *open, int64_t *acknowledged);
/*
 * What a response-time report reads of a case (spool_case_span): its
 * team (NULL: none), priority, topic (the first rule of its first alert;
 * NULL before an alert is tied to it) and the times of its clocks, -1 when
 * not reached. resolved_ms is -1 unless the case is resolved now.
 */
struct spool_case_span {
	int64_t id;
	const char *team, *topic;
	int priority;
	int64_t opened_ms, acked_ms, first_reply_ms, resolved_ms;
};
/*
 * The cases opened in [since_ms, until_ms), of team only when team is not
 * NULL, in one pass over the index on opened_ms, oldest first; a case
 * found not to be a complaint is left out. The rows are streamed: fn gets
 * each one while the read is open, so it must not call the spool, and its
 * strings live until it returns. Returns how many, or -1.
 */
int64_t spool_case_span(struct spool *, int64_t since_ms, int64_t until_ms, const char *team,
    void (*fn)(void *arg, const struct spool_case_span *), void *arg);
/* The alerts tied to a case, oldest first (fn as spool_list_alerts). */
int spool_case_alerts(struct spool *, int64_t case_id,
    void (*fn)(void *arg, const struct spool_alert *), void *arg);

/*
 * A case's timeline. kind is one of the event kinds of daemon/cases.h;
 * the actor is who acted (platform "keluhd" for the daemon itself);
 * detail is a JSON object as text, or NULL.
 */
struct spool_case_event {
	int64_t id, case_id, at_ms;
	char *kind, *platform, *actor_id, *actor_name, *detail;
};
int64_t spool_case_event_add(struct spool *, int64_t case_id, int64_t at_ms, const char *kind,
    const char *platform, const char *actor_id, const char *actor_name, const char *detail);
/* The events of a case, oldest first. */
int spool_case_events(struct spool *, int64_t case_id,
    void (*fn)(void *arg, const struct spool_case_event *), void *arg);

/*
 * Living messages: the message a receiver posted for a case, by the
 * platform's reference (Slack "CHANNEL:TS", a Discord message id...).
 * An edit is pending while edit_seq > edited_seq: spool_case_touch makes
 * every message of a case pending (edit_seq + 1), in the batch of the
 * action, so a pending edit survives a crash; the sender, once the edit
 * is made, calls spool_case_message_edited with the edit_seq it read, so
 * an action that came meanwhile leaves the message pending once more.
 */
struct spool_case_message {
	int64_t id, case_id;
	char *receiver, *ref;
	int64_t posted_ms;
	int64_t edit_seq, edited_seq;
};
/* Records (or replaces) the message of receiver for a case: its id, or -1. */
int64_t spool_case_message_add(struct spool *, int64_t case_id, const char *receiver,
    const char *ref, int64_t posted_ms);
/* The messages of a case (fn called for each), oldest first: how many, or -1. */
int spool_case_messages(struct spool *, int64_t case_id,
    void (*fn)(void *arg, const struct spool_case_message *), void *arg);
/* Marks every message of the case edit-pending: how many, or -1. */
int64_t spool_case_touch(struct spool *, int64_t case_id);
/* Messages with an edit pending (of receiver, or any when NULL), oldest first, at most limit. */
int spool_case_edits_pending(struct spool *, const char *receiver, size_t limit,
    void (*fn)(void *arg, const struct spool_case_message *), void *arg);
/* The edit up to seq is done: 1, 0 when the message is unknown, -1. */
int spool_case_message_edited(struct spool *, int64_t message_id, int64_t seq);

/*
 * Living messages, the delivery side (daemon/living.c): what the sender
 * reads to choose between a post, a thread reply and an edit.
 */
/* The newest alert tied to the case (fn called once): 1, 0 when it has none, -1. */
int spool_case_last_alert(struct spool *, int64_t case_id,
    void (*fn)(void *arg, const struct spool_alert *), void *arg);
/* Pending deliveries to receiver of the case's alerts with an id below delivery_id; -1. */
int64_t spool_case_pending_before(struct spool *, int64_t case_id, const char *receiver,
    int64_t delivery_id);
/* fn for each receiver a delivery of the case's alerts went (or goes) to, by name: how many, -1. */
int spool_case_receivers(struct spool *, int64_t case_id,
    void (*fn)(void *arg, const char *receiver), void *arg);
/* Marks one message edit-pending (edit_seq + 1): 1, 0 when it is unknown, -1. */
int spool_case_message_touch(struct spool *, int64_t message_id);

/*
 * The SLA clocks of cases. spool_case_of_mention: the case of the alert
 * that carries the complaint row mention_rowid (a public reply finds its
 * case): its id, 0 while the mention waits in its group (no alert yet) or
 * its alert has no case, -1. spool_case_since: when the case's current
 * round began, the time of its last "reopened" event, else opened_ms: 1
 * and *since_ms set, 0 when there is no such case, -1.
 */
int64_t spool_case_of_mention(struct spool *, int64_t mention_rowid);
int spool_case_since(struct spool *, int64_t case_id, int64_t *since_ms);
/*
 * The id of the case's newest event (0 when it has none), -1: a message
 * rendered when this was n is out of date once it is above n.
 */
int64_t spool_case_last_event(struct spool *, int64_t case_id);

/*
 * The key that signs action links: 32 random bytes made once, when the
 * spool is created or upgraded to v5, and kept with it. 0, or -1.
 */
#define SPOOL_ACTION_KEY_BYTES 32
int spool_action_key(struct spool *, unsigned char key[SPOOL_ACTION_KEY_BYTES]);

/* Per-source resume cursors. get returns a malloc'd string or NULL. */
char *spool_cursor_get(struct spool *, const char *source);
int spool_cursor_set(struct spool *, const char *source, const char *value);

/*
 * Several daemons on one database (daemon/cluster.h builds on these). A
 * backend several daemons share (PostgreSQL) answers spool_shared() 1; a
 * spool of one daemon (SQLite) answers 0, and every call below then says
 * "yours" at once and does nothing else.
 *
 * Named locks live as long as the database session: spool_try_lock is 1
 * when this session holds name (now or already), 0 when another session
 * does, -1 on error (the database unreachable); spool_unlock gives one up
 * (0, or -1). spool_session changes each time the backend opens a new
 * session: every lock held before is gone then (another daemon may hold it
 * already), and the channels listened to are listened to again by the
 * backend itself.
 *
 * Notifications: spool_listen(channel) asks for those of channel (0, -1);
 * spool_notify sends one in the caller's batch when one is open, so that it
 * is delivered at its commit (and never when the batch is lost), at once
 * otherwise. Channel names are plain words ([a-z_]+), payloads short texts.
 * spool_notify_fd is a descriptor that becomes readable when some may be
 * waiting (-1 when none; it changes with the session): the caller watches
 * it and calls spool_notifications, which hands each one waiting to
 * fn(arg, channel, payload) and returns how many, or -1 when the session
 * was found lost. Those that arrive while another call waits for its answer
 * are kept by the backend (a bounded queue: spool_notify_dropped counts
 * what it could not keep) and handed out by the next spool_notifications:
 * the caller calls it after its own statements too (at the end of a pass).
 *
 * spool_set_instance names this daemon in the rows it marks as its own
 * (delivery leases, the heartbeat): 0, or -1.
 */
int spool_shared(const struct spool *);
int spool_try_lock(struct spool *, const char *name);
int spool_unlock(struct spool *, const char *name);
uint64_t spool_session(const struct spool *);
int spool_listen(struct spool *, const char *channel);
int spool_notify(struct spool *, const char *channel, const char *payload);
int spool_notify_fd(const struct spool *);
int spool_notifications(struct spool *,
    void (*fn)(void *arg, const char *channel, const char *payload), void *arg);
uint64_t spool_notify_dropped(const struct spool *);
/*
 * fn(arg) runs when the backend kept notifications while a statement
 * waited (so the descriptor will not announce them): from inside that
 * spool call, so fn only schedules a spool_notifications for later.
 */
void spool_on_notify(struct spool *, void (*fn)(void *), void *arg);
int spool_set_instance(struct spool *, const char *instance_id);

/*
 * The daemons of a shared spool: each writes its row every second
 * (spool_daemon_beat, outside or in a batch; the database's clock sets
 * seen_ms) and removes it when it stops cleanly (spool_daemon_gone).
 * spool_daemons lists every row, seen_ago_ms by the database's clock too;
 * rows not seen for a day are forgotten by the beats. A spool of one
 * daemon keeps none (0 rows).
 */
struct spool_daemon {
	char *instance, *name, *host, *version;
	char *listen;  /* http.listen, NULL when none */
	char *sources; /* the sources it runs, a JSON array of names */
	int64_t pid, started_ms, seen_ms, seen_ago_ms;
	int leader;
};
int spool_daemon_beat(struct spool *, const struct spool_daemon *);
int spool_daemon_gone(struct spool *, const char *instance);
int spool_daemons(struct spool *, void (*fn)(void *arg, const struct spool_daemon *), void *arg);
void spool_daemon_free(struct spool_daemon *);

/*
 * Rollups (v8), for the console's trends and rules pages: counts per
 * bucket of step_ms (one of the SPOOL_STEP_*) by kind and key, kept at
 * the three steps so that a 30-day view reads 30 rows per key, not 8640.
 * spool_stat_add adds n to the bucket that holds at_ms
 * (at_ms - at_ms % step_ms), in the caller's batch (opened if need be);
 * key "" when there is none (a complaint of no team). spool_stat_rows
 * streams the rows with a bucket in [since_ms, until_ms), in bucket
 * order, of one key or of all (key NULL): fn must not call the spool.
 * It returns how many rows, or -1. spool_stat_rows_keys streams the
 * rows of the nkeys keys only (at most SPOOL_STAT_KEYS), in the same
 * order: it looks each key up in each bucket of the span, so its cost
 * grows with buckets times keys, not with the other keys' rows (ten
 * rules of 30 days of 5-minute rows among 2,000). spool_stat_prune
 * forgets the rows of step_ms older than before_ms, of one kind or of
 * every kind (kind -1): how many, or -1.
 */
#define SPOOL_STEP_5MIN 300000
#define SPOOL_STEP_HOUR 3600000
#define SPOOL_STEP_DAY 86400000
enum spool_stat_kind {
	SPOOL_STAT_MENTIONS = 0,	/* every mention classified; key "" */
	SPOOL_STAT_TEAM = 1,		/* complaints by team; key: the team, "" for none */
	SPOOL_STAT_RULE = 2,		/* complaints a rule matched; key: the rule id */
	SPOOL_STAT_TERM = 3,		/* complaints by a matched word or phrase, normalized */
};
int spool_stat_add(struct spool *, int kind, int64_t step_ms, int64_t at_ms, const char *key,
    int64_t n);
int64_t spool_stat_rows(struct spool *, int kind, int64_t step_ms, int64_t since_ms,
    int64_t until_ms, const char *key,
    void (*fn)(void *arg, int64_t bucket_ms, const char *key, int64_t n), void *arg);
#define SPOOL_STAT_KEYS 64
int64_t spool_stat_rows_keys(struct spool *, int kind, int64_t step_ms, int64_t since_ms,
    int64_t until_ms, const char *const *keys, size_t nkeys,
    void (*fn)(void *arg, int64_t bucket_ms, const char *key, int64_t n), void *arg);
int64_t spool_stat_prune(struct spool *, int kind, int64_t step_ms, int64_t before_ms);

/*
 * The complaint rows with at_ms in [since_ms, until_ms), newest first, at
 * most limit (a click on a bar of the trends). Returns how many, or -1.
 */
int spool_mentions_between(struct spool *, int64_t since_ms, int64_t until_ms, size_t limit,
    void (*fn)(void *arg, const struct spool_mention *), void *arg);

/*
 * The cases opened in [since_ms, until_ms) by topic (the first rule of a
 * case's first alert; NULL when it has none): fn gets each topic once,
 * with how many cases and how many of them were corrected to "not a
 * complaint" (the rules page's precision); fn must not call the spool.
 * It reads the span of the index on opened_ms. Returns how many topics,
 * or -1.
 */
int64_t spool_case_topics(struct spool *, int64_t since_ms, int64_t until_ms,
    void (*fn)(void *arg, const char *topic, int64_t cases, int64_t not_complaint), void *arg);

/*
 * Recent mentions (v8), complaints or not, for the playground's backtests:
 * json is {"id","text","lang","followers","verified","rating","source"}
 * as the mention came in (members unknown left out); complaint is the
 * verdict then. spool_recent_add writes one in the caller's batch, found
 * again by mention_id (the json's id; NULL for none): its row id, or -1.
 * spool_recent_prune keeps the newest keep rows and none older
 * than before_ms: how many went, or -1. spool_recent_scan streams the rows
 * with at_ms >= since_ms, newest first, at most limit; fn returns non-zero
 * to stop early and must not call the spool. It returns how many rows fn
 * got, or -1. A backtest runs it on a spool of its own, opened read-only in
 * its own thread, so the loop never waits for it.
 */
int64_t spool_recent_add(struct spool *, int64_t at_ms, int complaint, const char *mention_id,
    const char *json);
int64_t spool_recent_prune(struct spool *, size_t keep, int64_t before_ms);
int64_t spool_recent_scan(struct spool *, int64_t since_ms, size_t limit,
    int (*fn)(void *arg, int64_t at_ms, int complaint, const char *json), void *arg);
/*
 * The newest recent row of mention_id (its json's id), through an index:
 * fn called once. 1, 0 when there is none, -1.
 */
int spool_recent_by_id(struct spool *, const char *mention_id,
    void (*fn)(void *arg, int64_t at_ms, int complaint, const char *json), void *arg);

/*
 * Labels (v9): a person's word on whether a mention is a complaint, the
 * data the model learns from and eval measures with. Every label is kept
 * with who gave it, when and from where; the latest label of a mention id
 * is the one that counts. platform is where it was given: "console",
 * "keluhctl", "import", "admin", or a chat platform ("slack", "telegram",
 * ...); source is then that word, or "chat" for a chat platform.
 * spool_label_add writes one in the caller's batch (opened if need be): its
 * row id, or -1. spool_label_list streams the latest label of each mention
 * labelled at or after since_ms, oldest first; fn must not call the spool;
 * how many, or -1. spool_label_count: how many mentions have a label (of
 * them, *complaints say complaint), or -1.
 */
struct spool_label {
	int64_t id;
	const char *mention_id;
	const char *text;
	int complaint;		/* 1 complaint, 0 not */
	const char *team;	/* NULL when none */
	const char *by_platform;
	const char *by_name;	/* NULL when not known */
	int64_t at_ms;
	const char *source;	/* chat, console, keluhctl, import, admin */
};
int64_t spool_label_add(struct spool *, const char *mention_id, const char *text, int complaint,
    const char *team, const char *platform, const char *by, int64_t at_ms);
int64_t spool_label_list(struct spool *, int64_t since_ms,
    void (*fn)(void *arg, const struct spool_label *), void *arg);
int64_t spool_label_count(struct spool *, int64_t *complaints);
/* The source a label given on platform gets (see above). */
const char *spool_label_source(const char *platform);

#endif
