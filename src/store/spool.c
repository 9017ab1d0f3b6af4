/*
 * spool.c: the spool interface. Every spool_* function of spool.h hands
 * its work to the backend the spool was opened with (spool_backend.h);
 * what is the same for every backend lives here: the on_begin hook, the
 * error text, and freeing the rows handed out.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/spool.h"
#include "store/spool_backend.h"
#include "lib/util.h"

/* The list of operations names every member after scheme, and nothing else. */
#define SPOOL_OP_ONE(op) +1
_Static_assert(sizeof(struct spool_backend) ==
                   offsetof(struct spool_backend, open) +
                       (0 SPOOL_BACKEND_OPS(SPOOL_OP_ONE)) * sizeof(void (*)(void)),
               "SPOOL_BACKEND_OPS must list every operation of struct spool_backend");

const char *
spool_backend_missing(const struct spool_backend *be)
{
#define SPOOL_OP_SET(op)                                                                           \
	if (be->op == NULL)                                                                        \
		return #op;
	SPOOL_BACKEND_OPS(SPOOL_OP_SET)
#undef SPOOL_OP_SET
	return NULL;
}

struct spool *
spool_open_with(const struct spool_backend *be, const char *path, int readonly, char *err,
                size_t errlen)
{
	struct spool *s = be->open(path, readonly, err, errlen);

	if (s != NULL)
		s->be = be;
	return s;
}

void
spool_close(struct spool *s)
{
	if (s != NULL)
		s->be->close(s);
}

const char *
spool_error(const struct spool *s)
{
	return s->err;
}

int
spool_begin(struct spool *s)
{
	int r = s->be->begin(s);

	if (r > 0 && s->on_begin)
		s->on_begin(s->on_begin_arg);
	return r < 0 ? -1 : 0;
}

int
spool_commit(struct spool *s)
{
	return s->be->commit(s);
}

int
spool_in_txn(const struct spool *s)
{
	return s->be->in_txn(s);
}

void
spool_on_begin(struct spool *s, void (*fn)(void *), void *arg)
{
	s->on_begin = fn;
	s->on_begin_arg = arg;
}

uint64_t
spool_rollbacks(const struct spool *s)
{
	return s->be->rollbacks(s);
}

int
spool_probe(struct spool *s)
{
	if (spool_begin(s) < 0)
		return -1;
	return s->be->probe(s);
}

int
spool_defer_sync(struct spool *s)
{
	return s->be->defer_sync(s);
}

int
spool_sync_fd(const struct spool *s)
{
	return s->be->sync_fd(s);
}

uint64_t
spool_commit_seq(const struct spool *s)
{
	return s->be->commit_seq(s);
}

int
spool_sync_request(struct spool *s)
{
	return s->be->sync_request(s);
}

int
spool_sync_now(struct spool *s)
{
	return s->be->sync_now(s);
}

uint64_t
spool_synced(struct spool *s, int *err)
{
	return s->be->synced(s, err);
}

unsigned
spool_wal_bound_hits(struct spool *s, int *failed)
{
	return s->be->wal_bound_hits(s, failed);
}

int64_t
spool_rule_text(struct spool *s, const char *json)
{
	return s->be->rule_text(s, json);
}

char *
spool_rule_text_get(struct spool *s, int64_t id)
{
	return s->be->rule_text_get(s, id);
}

int
spool_prune_rule_texts(struct spool *s)
{
	return s->be->prune_rule_texts(s);
}

int64_t
spool_add_mention(struct spool *s, const char *mention_id, const char *group_key, int priority,
                  int64_t at_ms, const char *json)
{
	return s->be->add_mention(s, mention_id, group_key, priority, at_ms, json);
}

int
spool_pending_mentions(struct spool *s, void (*fn)(void *arg, const struct spool_mention *),
                       void *arg)
{
	return s->be->pending_mentions(s, fn, arg);
}

int64_t
spool_add_alert(struct spool *s, const char *alert_id, const char *group_key, int priority,
                const char *team, int64_t at_ms, const char *json, const int64_t *mention_rowids,
                size_t nmentions, const char *const *receivers, const int64_t *expires_ms,
                size_t nreceivers, int64_t due_ms)
{
	return s->be->add_alert(s, alert_id, group_key, priority, team, at_ms, json, mention_rowids,
	                        nmentions, receivers, expires_ms, nreceivers, due_ms);
}

int64_t
spool_tie_mentions(struct spool *s, int64_t alert_rowid, const char *group_key, int64_t upto_rowid)
{
	return s->be->tie_mentions(s, alert_rowid, group_key, upto_rowid);
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

int
spool_due(struct spool *s, const char *receiver, int64_t now_ms, const int64_t *skip, size_t nskip,
          struct spool_delivery *out, size_t max)
{
	return s->be->due(s, receiver, now_ms, skip, nskip, out, max);
}

int64_t
spool_next_due(struct spool *s, const char *receiver)
{
	return s->be->next_due(s, receiver);
}

int
spool_first_due(struct spool *s, const char *receiver, const int64_t *skip, size_t nskip,
                struct spool_delivery *out)
{
	return s->be->first_due(s, receiver, skip, nskip, out);
}

int64_t
spool_make_due(struct spool *s, const char *receiver, int64_t now_ms)
{
	return s->be->make_due(s, receiver, now_ms);
}

int64_t
spool_expire(struct spool *s, const char *receiver, int64_t now_ms, const char *error)
{
	return s->be->expire(s, receiver, now_ms, error);
}

int
spool_set_lease(struct spool *s, const char *receiver, int64_t lease_ms)
{
	return s->be->set_lease(s, receiver, lease_ms);
}

int
spool_lease_counts(struct spool *s, void (*fn)(void *arg, const char *owner, int64_t n), void *arg)
{
	return s->be->lease_counts(s, fn, arg);
}

int
spool_delivered(struct spool *s, int64_t id, int64_t at_ms)
{
	return s->be->delivered(s, id, at_ms);
}

int
spool_retry_later(struct spool *s, int64_t id, int64_t due_ms, const char *error)
{
	return s->be->retry_later(s, id, due_ms, error);
}

int
spool_dead(struct spool *s, int64_t id, int64_t at_ms, const char *reason)
{
	return s->be->dead(s, id, at_ms, reason, 0);
}

int
spool_dead_tried(struct spool *s, int64_t id, int64_t at_ms, const char *reason)
{
	return s->be->dead(s, id, at_ms, reason, 1);
}

int
spool_requeue(struct spool *s, int64_t id, int64_t now_ms)
{
	return s->be->requeue(s, id, now_ms);
}

int
spool_drop(struct spool *s, int64_t id)
{
	return s->be->drop(s, id);
}

int64_t
spool_requeue_dead(struct spool *s, const char *receiver, int64_t now_ms)
{
	return s->be->requeue_dead(s, receiver, now_ms);
}

int
spool_get_delivery(struct spool *s, int64_t id, struct spool_delivery *out)
{
	return s->be->get_delivery(s, id, out);
}

int
spool_counts(struct spool *s, const char *receiver, struct spool_counts *c)
{
	return s->be->counts(s, receiver, c);
}

int
spool_queue_counts(struct spool *s, const char *receiver, int64_t *pending, int64_t *dead)
{
	return s->be->queue_counts(s, receiver, pending, dead);
}

int
spool_list_deliveries(struct spool *s, int state, size_t limit,
                      void (*fn)(void *arg, const struct spool_delivery *), void *arg)
{
	return s->be->list_deliveries(s, state, limit, fn, arg);
}

int
spool_list_alerts(struct spool *s, size_t limit, void (*fn)(void *arg, const struct spool_alert *),
                  void *arg)
{
	return s->be->list_alerts(s, limit, fn, arg);
}

int
spool_get_alert(struct spool *s, const char *alert_id,
                void (*fn)(void *arg, const struct spool_alert *), void *arg)
{
	return s->be->get_alert(s, alert_id, fn, arg);
}

int
spool_alert_mentions(struct spool *s, int64_t alert_rowid,
                     void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	return s->be->alert_mentions(s, alert_rowid, fn, arg);
}

/* public replies */
int
spool_mention_by_id(struct spool *s, const char *mention_id,
                    void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	return s->be->mention_by_id(s, mention_id, fn, arg);
}

int
spool_pending_by_receiver(struct spool *s, void (*fn)(void *arg, const char *receiver, int64_t n),
                          void *arg)
{
	return s->be->pending_by_receiver(s, fn, arg);
}

int64_t
spool_prune(struct spool *s, int64_t before_ms)
{
	return s->be->prune(s, before_ms);
}

int64_t
spool_prune_cases(struct spool *s, int64_t before_ms)
{
	return s->be->prune_cases(s, before_ms);
}

int64_t
spool_add_silence(struct spool *s, const char *matchers_json, const char *created_by,
                  const char *reason, int64_t created_ms, int64_t expires_ms)
{
	return s->be->add_silence(s, matchers_json, created_by, reason, created_ms, expires_ms);
}

int
spool_end_silence(struct spool *s, int64_t id, int64_t at_ms, const char *by)
{
	return s->be->end_silence(s, id, at_ms, by);
}

int
spool_silence_suppressed(struct spool *s, int64_t id, int64_t n)
{
	return s->be->silence_suppressed(s, id, n);
}

int
spool_list_silences(struct spool *s, int all, size_t limit,
                    void (*fn)(void *arg, const struct spool_silence *), void *arg)
{
	return s->be->list_silences(s, all, limit, fn, arg);
}

void
spool_silence_free(struct spool_silence *v)
{
	free(v->matchers);
	free(v->created_by);
	free(v->reason);
	free(v->ended_by);
}

char *
spool_cursor_get(struct spool *s, const char *source)
{
	return s->be->cursor_get(s, source);
}

int
spool_cursor_set(struct spool *s, const char *source, const char *value)
{
	return s->be->cursor_set(s, source, value);
}

int
spool_shared(const struct spool *s)
{
	return s->be->shared(s);
}

int
spool_try_lock(struct spool *s, const char *name)
{
	return s->be->try_lock(s, name);
}

int
spool_unlock(struct spool *s, const char *name)
{
	return s->be->unlock(s, name);
}

uint64_t
spool_session(const struct spool *s)
{
	return s->be->session(s);
}

int
spool_listen(struct spool *s, const char *channel)
{
	return s->be->listen(s, channel);
}

int
spool_notify(struct spool *s, const char *channel, const char *payload)
{
	return s->be->notify(s, channel, payload);
}

int
spool_notify_fd(const struct spool *s)
{
	return s->be->notify_fd(s);
}

int
spool_notifications(struct spool *s,
                    void (*fn)(void *arg, const char *channel, const char *payload), void *arg)
{
	return s->be->notifications(s, fn, arg);
}

void
spool_on_notify(struct spool *s, void (*fn)(void *), void *arg)
{
	s->on_notify = fn;
	s->on_notify_arg = arg;
}

uint64_t
spool_notify_dropped(const struct spool *s)
{
	return s->be->notify_dropped(s);
}

int
spool_set_instance(struct spool *s, const char *instance_id)
{
	return s->be->set_instance(s, instance_id);
}

void
spool_case_free(struct spool_case *c)
{
	if (c == NULL)
		return;
	free(c->group_key);
	free(c->state);
	free(c->team);
	free(c->acked_by);
	free(c->assignee);
	free(c->assigned_by);
	free(c->resolved_by);
	free(c->note);
	c->group_key = c->state = c->team = c->acked_by = NULL;
	c->assignee = c->assigned_by = c->resolved_by = c->note = NULL;
}

int64_t
spool_case_open(struct spool *s, const char *group_key, int priority, const char *team,
                int64_t at_ms)
{
	return s->be->case_open(s, group_key, priority, team, at_ms);
}

int
spool_case_find(struct spool *s, const char *group_key, struct spool_case *out)
{
	return s->be->case_find(s, group_key, out);
}

int
spool_case_get(struct spool *s, int64_t id, struct spool_case *out)
{
	return s->be->case_get(s, id, out);
}

int
spool_case_update(struct spool *s, const struct spool_case *c)
{
	return s->be->case_update(s, c);
}

int
spool_case_tie_alert(struct spool *s, int64_t case_id, int64_t alert_rowid, int64_t at_ms,
                     int64_t count)
{
	return s->be->case_tie_alert(s, case_id, alert_rowid, at_ms, count);
}

int
spool_case_list(struct spool *s, int all, const char *team, size_t limit,
                void (*fn)(void *arg, const struct spool_case *), void *arg)
{
	return s->be->case_list(s, all, team, limit, fn, arg);
}

int64_t
spool_case_span(struct spool *s, int64_t since_ms, int64_t until_ms, const char *team,
                void (*fn)(void *arg, const struct spool_case_span *), void *arg)
{
	return s->be->case_span(s, since_ms, until_ms, team, fn, arg);
}

int
spool_case_counts(struct spool *s, int64_t *open, int64_t *acknowledged)
{
	return s->be->case_counts(s, open, acknowledged);
}

int
spool_case_alerts(struct spool *s, int64_t case_id,
                  void (*fn)(void *arg, const struct spool_alert *), void *arg)
{
	return s->be->case_alerts(s, case_id, fn, arg);
}

int64_t
spool_case_event_add(struct spool *s, int64_t case_id, int64_t at_ms, const char *kind,
                     const char *platform, const char *actor_id, const char *actor_name,
                     const char *detail)
{
	return s->be->case_event_add(s, case_id, at_ms, kind, platform, actor_id, actor_name,
	                             detail);
}

int
spool_case_events(struct spool *s, int64_t case_id,
                  void (*fn)(void *arg, const struct spool_case_event *), void *arg)
{
	return s->be->case_events(s, case_id, fn, arg);
}

int64_t
spool_case_message_add(struct spool *s, int64_t case_id, const char *receiver, const char *ref,
                       int64_t posted_ms)
{
	return s->be->case_message_add(s, case_id, receiver, ref, posted_ms);
}

int
spool_case_messages(struct spool *s, int64_t case_id,
                    void (*fn)(void *arg, const struct spool_case_message *), void *arg)
{
	return s->be->case_messages(s, case_id, fn, arg);
}

int64_t
spool_case_touch(struct spool *s, int64_t case_id)
{
	return s->be->case_touch(s, case_id);
}

int
spool_case_edits_pending(struct spool *s, const char *receiver, size_t limit,
                         void (*fn)(void *arg, const struct spool_case_message *), void *arg)
{
	return s->be->case_edits_pending(s, receiver, limit, fn, arg);
}

int
spool_case_message_edited(struct spool *s, int64_t message_id, int64_t seq)
{
	return s->be->case_message_edited(s, message_id, seq);
}

int64_t
spool_case_of_mention(struct spool *s, int64_t mention_rowid)
{
	return s->be->case_of_mention(s, mention_rowid);
}

int
spool_case_since(struct spool *s, int64_t case_id, int64_t *since_ms)
{
	return s->be->case_since(s, case_id, since_ms);
}

int64_t
spool_case_last_event(struct spool *s, int64_t case_id)
{
	return s->be->case_last_event(s, case_id);
}

int
spool_case_last_alert(struct spool *s, int64_t case_id,
                      void (*fn)(void *arg, const struct spool_alert *), void *arg)
{
	return s->be->case_last_alert(s, case_id, fn, arg);
}

int64_t
spool_case_pending_before(struct spool *s, int64_t case_id, const char *receiver,
                          int64_t delivery_id)
{
	return s->be->case_pending_before(s, case_id, receiver, delivery_id);
}

int
spool_case_receivers(struct spool *s, int64_t case_id, void (*fn)(void *arg, const char *receiver),
                     void *arg)
{
	return s->be->case_receivers(s, case_id, fn, arg);
}

int
spool_case_message_touch(struct spool *s, int64_t message_id)
{
	return s->be->case_message_touch(s, message_id);
}

int
spool_action_key(struct spool *s, unsigned char key[SPOOL_ACTION_KEY_BYTES])
{
	return s->be->action_key(s, key);
}

/* rollups, complaints of a span, cases by topic, recent mentions (v8) */
int
spool_stat_add(struct spool *s, int kind, int64_t step_ms, int64_t at_ms, const char *key,
               int64_t n)
{
	if (spool_begin(s) < 0)
		return -1;
	return s->be->stat_add(s, kind, step_ms, at_ms, key, n);
}

int64_t
spool_stat_rows(struct spool *s, int kind, int64_t step_ms, int64_t since_ms, int64_t until_ms,
                const char *key,
                void (*fn)(void *arg, int64_t bucket_ms, const char *key, int64_t n), void *arg)
{
	return s->be->stat_rows(s, kind, step_ms, since_ms, until_ms, key, fn, arg);
}

int64_t
spool_stat_rows_keys(struct spool *s, int kind, int64_t step_ms, int64_t since_ms, int64_t until_ms,
                     const char *const *keys, size_t nkeys,
                     void (*fn)(void *arg, int64_t bucket_ms, const char *key, int64_t n),
                     void *arg)
{
	return s->be->stat_rows_keys(s, kind, step_ms, since_ms, until_ms, keys, nkeys, fn, arg);
}

void
spool_stat_keys_json(struct buf *b, const char *const *keys, size_t nkeys)
{
	buf_reset(b);
	buf_addc(b, '[');
	for (size_t i = 0; i < nkeys; i++) {
		if (i)
			buf_addc(b, ',');
		buf_add_json_quoted(b, keys[i] ? keys[i] : "");
	}
	buf_addc(b, ']');
}

int64_t
spool_stat_prune(struct spool *s, int kind, int64_t step_ms, int64_t before_ms)
{
	return s->be->stat_prune(s, kind, step_ms, before_ms);
}

int
spool_mentions_between(struct spool *s, int64_t since_ms, int64_t until_ms, size_t limit,
                       void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	return s->be->mentions_between(s, since_ms, until_ms, limit, fn, arg);
}

int64_t
spool_case_topics(struct spool *s, int64_t since_ms, int64_t until_ms,
                  void (*fn)(void *arg, const char *topic, int64_t cases, int64_t not_complaint),
                  void *arg)
{
	return s->be->case_topics(s, since_ms, until_ms, fn, arg);
}

int64_t
spool_recent_add(struct spool *s, int64_t at_ms, int complaint, const char *mention_id,
                 const char *json)
{
	if (spool_begin(s) < 0)
		return -1;
	return s->be->recent_add(s, at_ms, complaint, mention_id, json);
}

int64_t
spool_recent_prune(struct spool *s, size_t keep, int64_t before_ms)
{
	return s->be->recent_prune(s, keep, before_ms);
}

int64_t
spool_recent_scan(struct spool *s, int64_t since_ms, size_t limit,
                  int (*fn)(void *arg, int64_t at_ms, int complaint, const char *json), void *arg)
{
	return s->be->recent_scan(s, since_ms, limit, fn, arg);
}

int
spool_recent_by_id(struct spool *s, const char *mention_id,
                   void (*fn)(void *arg, int64_t at_ms, int complaint, const char *json), void *arg)
{
	return s->be->recent_by_id(s, mention_id, fn, arg);
}

/* labels (v9) */
const char *
spool_label_source(const char *platform)
{
	static const char *const own[] = {"console", "keluhctl", "import", "admin"};

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strcmp(platform, own[i]) == 0)
			return own[i];
	return "chat";
}

int64_t
spool_label_add(struct spool *s, const char *mention_id, const char *text, int complaint,
                const char *team, const char *platform, const char *by, int64_t at_ms)
{
	if (spool_begin(s) < 0)
		return -1;
	return s->be->label_add(s, mention_id, text, complaint != 0, team, platform, by, at_ms,
	                        spool_label_source(platform));
}

int64_t
spool_label_list(struct spool *s, int64_t since_ms,
                 void (*fn)(void *arg, const struct spool_label *), void *arg)
{
	return s->be->label_list(s, since_ms, fn, arg);
}

int64_t
spool_label_count(struct spool *s, int64_t *complaints)
{
	int64_t c;

	return s->be->label_count(s, complaints ? complaints : &c);
}

int
spool_daemon_beat(struct spool *s, const struct spool_daemon *d)
{
	return s->be->daemon_beat(s, d);
}

int
spool_daemon_gone(struct spool *s, const char *instance)
{
	return s->be->daemon_gone(s, instance);
}

int
spool_daemons(struct spool *s, void (*fn)(void *arg, const struct spool_daemon *), void *arg)
{
	return s->be->daemons(s, fn, arg);
}

void
spool_daemon_free(struct spool_daemon *d)
{
	if (d == NULL)
		return;
	free(d->instance);
	free(d->name);
	free(d->host);
	free(d->version);
	free(d->listen);
	free(d->sources);
}

int64_t
spool_add_mention_ungrouped(struct spool *s, const char *mention_id, const char *group_key,
                            int priority, int64_t at_ms, const char *json)
{
	return s->be->add_mention_ungrouped(s, mention_id, group_key, priority, at_ms, json);
}

int
spool_claim_mentions(struct spool *s, size_t max,
                     void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	if (spool_begin(s) < 0)
		return -1;
	return s->be->claim_mentions(s, max, fn, arg);
}

int
spool_drop_mention(struct spool *s, int64_t rowid)
{
	return s->be->drop_mention(s, rowid);
}

int
spool_mentions_alerted(struct spool *s, int64_t since_ms, size_t limit,
                       void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	return s->be->mentions_alerted(s, since_ms, limit, fn, arg);
}
