/*
 * pg_cases.c: the PostgreSQL spool's cases, their events, their living
 * messages and the key of signed action links (as sqlite_cases.c).
 */
#include "config.h"

#include <libpq-fe.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/actsig.h"
#include "store/pg_int.h"
#include "store/spool.h"

/* The column order pg_row_case() reads. */
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
	" (SELECT count(*) FROM mention_alerts t WHERE t.alert_rowid = a.id)"

const char *const pg_cases_sql[PQ__N] = {
    [PQ_CASE_OPEN] = "INSERT INTO cases (group_key, state, priority, team, opened_ms) "
                     "VALUES ($1, 'open', $2, $3, $4) RETURNING id",
    [PQ_CASE_FIND] = "SELECT " CASE_COLS " FROM cases WHERE group_key = $1 "
                     "ORDER BY id DESC LIMIT 1",
    [PQ_CASE_GET] = "SELECT " CASE_COLS " FROM cases WHERE id = $1",
    [PQ_CASE_UPDATE] = "UPDATE cases SET state = $2, team = $3, priority = $4, reopened = $5, "
                       "acked_ms = nullif($6::bigint, 0), acked_by = $7, assignee = $8, "
                       "assigned_by = $9, assigned_ms = nullif($10::bigint, 0), "
                       "resolved_ms = nullif($11::bigint, 0), resolved_by = $12, note = $13, "
                       "first_reply_ms = nullif($14::bigint, 0), overdue = $15, "
                       "last_alert_ms = nullif($16::bigint, 0), total = $17 WHERE id = $1",
    [PQ_CASE_TIE_ALERT] = "UPDATE alerts SET case_id = $1 WHERE id = $2 "
                          "AND EXISTS (SELECT 1 FROM cases WHERE id = $1)",
    /* the topic is the first rule of the first alert, read once: coalesce stops early */
    [PQ_CASE_BUMP] = "UPDATE cases SET total = total + $2, last_alert_ms = greatest(coalesce("
                     "last_alert_ms, 0), $3), topic = coalesce(topic, (SELECT "
                     "keluh_json(json) #>> '{alert,rules,0}' FROM alerts WHERE id = $4)) "
                     "WHERE id = $1",
    [PQ_CASE_LIST] = "SELECT " CASE_COLS " FROM cases WHERE ($1::integer <> 0 OR state IN "
                     "('open', 'acknowledged')) AND ($2::text IS NULL OR team = $2) "
                     "ORDER BY id DESC LIMIT $3",
    [PQ_CASE_COUNTS] = "SELECT count(*) FILTER (WHERE state = 'open'), "
                       "count(*) FILTER (WHERE state = 'acknowledged') FROM cases "
                       "WHERE state IN ('open', 'acknowledged')",
    [PQ_CASE_SPAN] = "SELECT id, team, topic, priority, opened_ms, coalesce(acked_ms, -1), "
                     "coalesce(first_reply_ms, -1), CASE WHEN state = 'resolved' THEN "
                     "coalesce(resolved_ms, -1) ELSE -1 END FROM cases "
                     "WHERE opened_ms >= $1 AND opened_ms < $2 AND ($3::text IS NULL OR "
                     "team = $3) AND state <> 'not_complaint' ORDER BY opened_ms",
    [PQ_CASE_ALERTS] = "SELECT " ALERT_COLS " FROM alerts a WHERE a.case_id = $1 ORDER BY a.id",
    [PQ_CASE_EVENT_ADD] = "INSERT INTO case_events (case_id, at_ms, kind, platform, actor_id, "
                          "actor_name, detail) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    [PQ_CASE_EVENTS] = "SELECT id, case_id, at_ms, kind, platform, actor_id, actor_name, detail "
                       "FROM case_events WHERE case_id = $1 ORDER BY id",
    [PQ_CASE_MESSAGE_ADD] = "INSERT INTO case_messages (case_id, receiver, ref, posted_ms) "
                            "VALUES ($1, $2, $3, $4) ON CONFLICT (case_id, receiver) DO UPDATE "
                            "SET ref = excluded.ref, posted_ms = excluded.posted_ms "
                            "RETURNING id",
    [PQ_CASE_MESSAGES] = "SELECT " MESSAGE_COLS " FROM case_messages WHERE case_id = $1 "
                         "ORDER BY id",
    [PQ_CASE_TOUCH] = "UPDATE case_messages SET edit_seq = edit_seq + 1 WHERE case_id = $1",
    [PQ_CASE_EDITS_PENDING] = "SELECT " MESSAGE_COLS " FROM case_messages "
                              "WHERE edit_seq > edited_seq AND ($1::text IS NULL OR "
                              "receiver = $1) ORDER BY id LIMIT $2",
    [PQ_CASE_EDITED] = "UPDATE case_messages SET edited_seq = greatest(edited_seq, $2) "
                       "WHERE id = $1",
    [PQ_CASE_LAST_ALERT] = "SELECT " ALERT_COLS " FROM alerts a WHERE a.case_id = $1 "
                           "ORDER BY a.id DESC LIMIT 1",
    [PQ_CASE_PENDING_BEFORE] = "SELECT count(*) FROM alerts a JOIN deliveries d ON "
                               "d.alert_rowid = a.id WHERE a.case_id = $1 AND d.receiver = $2 "
                               "AND d.state = 0 AND d.id < $3",
    [PQ_CASE_RECEIVERS] = "SELECT DISTINCT d.receiver FROM alerts a JOIN deliveries d ON "
                          "d.alert_rowid = a.id WHERE a.case_id = $1 ORDER BY d.receiver",
    [PQ_CASE_MESSAGE_TOUCH] = "UPDATE case_messages SET edit_seq = edit_seq + 1 WHERE id = $1",
    [PQ_CASE_KEY_GET] = "SELECT value FROM meta WHERE key = 'action_key'",
    [PQ_CASE_KEY_SET] = "INSERT INTO meta (key, value) VALUES ('action_key', $1::bytea) "
                        "ON CONFLICT (key) DO NOTHING",
    [PQ_CASE_OF_MENTION] = "SELECT coalesce(a.case_id, 0) FROM mention_alerts t JOIN alerts a "
                           "ON a.id = t.alert_rowid WHERE t.id = $1",
    [PQ_CASE_SINCE] = "SELECT coalesce((SELECT max(at_ms) FROM case_events WHERE "
                      "case_id = c.id AND kind = 'reopened'), c.opened_ms) FROM cases c "
                      "WHERE c.id = $1",
    [PQ_CASE_LAST_EVENT] = "SELECT coalesce(max(id), 0) FROM case_events WHERE case_id = $1",
};

/* ---- the action link key ----------------------------------------------- */

/* Reads the key into key: 1, 0 when there is none (or it is not 32 bytes), -1. */
static int
pg_key_read(struct pg_spool *s, unsigned char *key)
{
	PGresult *r = pg_run(s, PQ_CASE_KEY_GET, NULL, 0);
	unsigned char *raw;
	size_t len = 0;
	int found = 0;

	if (!r)
		return -1;
	if (PQntuples(r) > 0 &&
	    (raw = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 0), &len))) {
		if (len == SPOOL_ACTION_KEY_BYTES) {
			memcpy(key, raw, len);
			found = 1;
		}
		memset(raw, 0, len);
		PQfreemem(raw);
	}
	PQclear(r);
	return found;
}

/* The key is made once; ON CONFLICT keeps the first one another daemon may have made. */
int
pg_cases_setup(struct pg_spool *s)
{
	unsigned char key[SPOOL_ACTION_KEY_BYTES];
	char hex[2 * SPOOL_ACTION_KEY_BYTES + 3];
	int r;

	if (s->readonly)
		return 0;
	if ((r = pg_key_read(s, key)) != 0) {
		memset(key, 0, sizeof(key));
		return r < 0 ? -1 : 0;
	}
	actsig_link_keygen(key);
	hex[0] = '\\';
	hex[1] = 'x';
	for (size_t i = 0; i < sizeof(key); i++) {
		static const char digits[] = "0123456789abcdef";

		hex[2 + 2 * i] = digits[key[i] >> 4];
		hex[3 + 2 * i] = digits[key[i] & 15];
	}
	hex[sizeof(hex) - 1] = '\0';
	memset(key, 0, sizeof(key));
	r = PG_WRITE(s, PQ_CASE_KEY_SET, PG_TEXT(hex)) < 0 ? -1 : 0;
	memset(hex, 0, sizeof(hex));
	return r;
}

int
pg_action_key(struct spool *sp, unsigned char *key)
{
	struct pg_spool *s = pg_of(sp);
	int r = pg_key_read(s, key);

	if (r == 0)
		pg_seterr(s, "the spool has no action link key (start keluhd once to make it)");
	return r > 0 ? 0 : -1;
}

/* ---- cases ------------------------------------------------------------- */

int64_t
pg_case_open(struct spool *sp, const char *group_key, int priority, const char *team, int64_t at_ms)
{
	return PG_WRITE_ID(pg_of(sp), PQ_CASE_OPEN, PG_TEXT(group_key), PG_I64(priority),
	                   PG_TEXT(team), PG_I64(at_ms));
}

static void
pg_row_case(const PGresult *r, int i, struct spool_case *c)
{
	c->id = pg_i64(r, i, 0);
	c->group_key = pg_str(r, i, 1);
	c->state = pg_str(r, i, 2);
	c->team = pg_str(r, i, 3);
	c->priority = (int)pg_i64(r, i, 4);
	c->opened_ms = pg_i64(r, i, 5);
	c->reopened = (int)pg_i64(r, i, 6);
	c->acked_ms = pg_i64(r, i, 7);
	c->acked_by = pg_str(r, i, 8);
	c->assignee = pg_str(r, i, 9);
	c->assigned_by = pg_str(r, i, 10);
	c->assigned_ms = pg_i64(r, i, 11);
	c->resolved_ms = pg_i64(r, i, 12);
	c->resolved_by = pg_str(r, i, 13);
	c->note = pg_str(r, i, 14);
	c->first_reply_ms = pg_i64(r, i, 15);
	c->overdue = (int)pg_i64(r, i, 16);
	c->last_alert_ms = pg_i64(r, i, 17);
	c->total = pg_i64(r, i, 18);
}

/* The first row of r into *out (r cleared): 1, 0 for none, -1 when r is NULL. */
static int
pg_one_case(PGresult *r, struct spool_case *out)
{
	int found;

	memset(out, 0, sizeof(*out));
	if (!r)
		return -1;
	found = PQntuples(r) > 0;
	if (found)
		pg_row_case(r, 0, out);
	PQclear(r);
	return found;
}

int
pg_case_find(struct spool *sp, const char *group_key, struct spool_case *out)
{
	return pg_one_case(PG_RUN(pg_of(sp), PQ_CASE_FIND, PG_TEXT(group_key)), out);
}

int
pg_case_get(struct spool *sp, int64_t id, struct spool_case *out)
{
	return pg_one_case(PG_RUN(pg_of(sp), PQ_CASE_GET, PG_I64(id)), out);
}

int
pg_case_update(struct spool *sp, const struct spool_case *c)
{
	int64_t n =
	    PG_WRITE(pg_of(sp), PQ_CASE_UPDATE, PG_I64(c->id), PG_TEXT(c->state), PG_TEXT(c->team),
	             PG_I64(c->priority), PG_I64(c->reopened), PG_I64(c->acked_ms),
	             PG_TEXT(c->acked_by), PG_TEXT(c->assignee), PG_TEXT(c->assigned_by),
	             PG_I64(c->assigned_ms), PG_I64(c->resolved_ms), PG_TEXT(c->resolved_by),
	             PG_TEXT(c->note), PG_I64(c->first_reply_ms), PG_I64(c->overdue),
	             PG_I64(c->last_alert_ms), PG_I64(c->total));

	return n < 0 ? -1 : n > 0;
}

int
pg_case_tie_alert(struct spool *sp, int64_t case_id, int64_t alert_rowid, int64_t at_ms,
                  int64_t count)
{
	struct pg_spool *s = pg_of(sp);
	int64_t n = PG_WRITE(s, PQ_CASE_TIE_ALERT, PG_I64(case_id), PG_I64(alert_rowid));

	if (n <= 0)
		return n < 0 ? -1 : 0;
	if (PG_WRITE(s, PQ_CASE_BUMP, PG_I64(case_id), PG_I64(count), PG_I64(at_ms),
	             PG_I64(alert_rowid)) < 0)
		return -1;
	return 1;
}

int
pg_case_list(struct spool *sp, int all, const char *team, size_t limit,
             void (*fn)(void *arg, const struct spool_case *), void *arg)
{
	PGresult *r;
	int n;

	if (limit == 0)
		return 0;
	r = PG_RUN(pg_of(sp), PQ_CASE_LIST, PG_I64(all != 0), PG_TEXT(team),
	           PG_I64(pg_limit(limit)));
	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		struct spool_case c;

		pg_row_case(r, i, &c);
		fn(arg, &c);
		spool_case_free(&c);
	}
	PQclear(r);
	return n;
}

int
pg_case_counts(struct spool *sp, int64_t *open, int64_t *acknowledged)
{
	PGresult *r = pg_run(pg_of(sp), PQ_CASE_COUNTS, NULL, 0);

	*open = *acknowledged = 0;
	if (!r)
		return -1;
	*open = pg_i64(r, 0, 0);
	*acknowledged = pg_i64(r, 0, 1);
	PQclear(r);
	return 0;
}

int64_t
pg_case_span(struct spool *sp, int64_t since_ms, int64_t until_ms, const char *team,
             void (*fn)(void *arg, const struct spool_case_span *), void *arg)
{
	PGresult *r =
	    PG_RUN(pg_of(sp), PQ_CASE_SPAN, PG_I64(since_ms), PG_I64(until_ms), PG_TEXT(team));
	int n;

	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		struct spool_case_span c = {
		    .id = pg_i64(r, i, 0),
		    .team = PQgetisnull(r, i, 1) ? NULL : PQgetvalue(r, i, 1),
		    .topic = PQgetisnull(r, i, 2) ? NULL : PQgetvalue(r, i, 2),
		    .priority = (int)pg_i64(r, i, 3),
		    .opened_ms = pg_i64(r, i, 4),
		    .acked_ms = pg_i64(r, i, 5),
		    .first_reply_ms = pg_i64(r, i, 6),
		    .resolved_ms = pg_i64(r, i, 7),
		};

		fn(arg, &c);
	}
	PQclear(r);
	return n;
}

int
pg_case_alerts(struct spool *sp, int64_t case_id, void (*fn)(void *arg, const struct spool_alert *),
               void *arg)
{
	struct pg_spool *s = pg_of(sp);

	return pg_alerts_each(s, PG_RUN(s, PQ_CASE_ALERTS, PG_I64(case_id)), fn, arg) < 0 ? -1 : 0;
}

/* ---- the timeline ------------------------------------------------------ */

/* An insert that may fail alone (an unknown case) without losing the caller's batch. */
static int64_t
pg_insert_alone(struct pg_spool *s, int q, const struct pg_arg *a, size_t n)
{
	int64_t id;

	if (pg_op_begin(s) < 0)
		return -1;
	id = pg_write_id(s, q, a, n);
	if (pg_op_end(s, id > 0) < 0)
		return -1;
	return id;
}

int64_t
pg_case_event_add(struct spool *sp, int64_t case_id, int64_t at_ms, const char *kind,
                  const char *platform, const char *actor_id, const char *actor_name,
                  const char *detail)
{
	return pg_insert_alone(pg_of(sp), PQ_CASE_EVENT_ADD,
	                       PG_ARGS(PG_I64(case_id), PG_I64(at_ms), PG_TEXT(kind),
	                               PG_TEXT(platform), PG_TEXT(actor_id), PG_TEXT(actor_name),
	                               PG_TEXT(detail)));
}

int
pg_case_events(struct spool *sp, int64_t case_id,
               void (*fn)(void *arg, const struct spool_case_event *), void *arg)
{
	PGresult *r = PG_RUN(pg_of(sp), PQ_CASE_EVENTS, PG_I64(case_id));

	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		struct spool_case_event e = {
		    .id = pg_i64(r, i, 0),
		    .case_id = pg_i64(r, i, 1),
		    .at_ms = pg_i64(r, i, 2),
		    .kind = pg_str(r, i, 3),
		    .platform = pg_str(r, i, 4),
		    .actor_id = pg_str(r, i, 5),
		    .actor_name = pg_str(r, i, 6),
		    .detail = pg_str(r, i, 7),
		};

		fn(arg, &e);
		free(e.kind);
		free(e.platform);
		free(e.actor_id);
		free(e.actor_name);
		free(e.detail);
	}
	PQclear(r);
	return 0;
}

/* ---- living messages --------------------------------------------------- */

int64_t
pg_case_message_add(struct spool *sp, int64_t case_id, const char *receiver, const char *ref,
                    int64_t posted_ms)
{
	return pg_insert_alone(
	    pg_of(sp), PQ_CASE_MESSAGE_ADD,
	    PG_ARGS(PG_I64(case_id), PG_TEXT(receiver), PG_TEXT(ref), PG_I64(posted_ms)));
}

/* Hands each message of r to fn and clears r: how many, or -1. */
static int
pg_messages_each(PGresult *r, void (*fn)(void *arg, const struct spool_case_message *), void *arg)
{
	int n;

	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		struct spool_case_message m = {
		    .id = pg_i64(r, i, 0),
		    .case_id = pg_i64(r, i, 1),
		    .receiver = pg_str(r, i, 2),
		    .ref = pg_str(r, i, 3),
		    .posted_ms = pg_i64(r, i, 4),
		    .edit_seq = pg_i64(r, i, 5),
		    .edited_seq = pg_i64(r, i, 6),
		};

		fn(arg, &m);
		free(m.receiver);
		free(m.ref);
	}
	PQclear(r);
	return n;
}

int
pg_case_messages(struct spool *sp, int64_t case_id,
                 void (*fn)(void *arg, const struct spool_case_message *), void *arg)
{
	return pg_messages_each(PG_RUN(pg_of(sp), PQ_CASE_MESSAGES, PG_I64(case_id)), fn, arg);
}

int64_t
pg_case_touch(struct spool *sp, int64_t case_id)
{
	return PG_WRITE(pg_of(sp), PQ_CASE_TOUCH, PG_I64(case_id));
}

int
pg_case_edits_pending(struct spool *sp, const char *receiver, size_t limit,
                      void (*fn)(void *arg, const struct spool_case_message *), void *arg)
{
	if (limit == 0)
		return 0;
	return pg_messages_each(
	    PG_RUN(pg_of(sp), PQ_CASE_EDITS_PENDING, PG_TEXT(receiver), PG_I64(pg_limit(limit))),
	    fn, arg);
}

int
pg_case_message_edited(struct spool *sp, int64_t message_id, int64_t seq)
{
	int64_t n = PG_WRITE(pg_of(sp), PQ_CASE_EDITED, PG_I64(message_id), PG_I64(seq));

	return n < 0 ? -1 : n > 0;
}

int
pg_case_last_alert(struct spool *sp, int64_t case_id,
                   void (*fn)(void *arg, const struct spool_alert *), void *arg)
{
	struct pg_spool *s = pg_of(sp);
	int n = pg_alerts_each(s, PG_RUN(s, PQ_CASE_LAST_ALERT, PG_I64(case_id)), fn, arg);

	return n < 0 ? -1 : n > 0;
}

int64_t
pg_case_pending_before(struct spool *sp, int64_t case_id, const char *receiver, int64_t delivery_id)
{
	int64_t n = 0;

	return PG_ONE(pg_of(sp), PQ_CASE_PENDING_BEFORE, &n, PG_I64(case_id), PG_TEXT(receiver),
	              PG_I64(delivery_id)) < 0
	           ? -1
	           : n;
}

int
pg_case_receivers(struct spool *sp, int64_t case_id, void (*fn)(void *arg, const char *receiver),
                  void *arg)
{
	PGresult *r = PG_RUN(pg_of(sp), PQ_CASE_RECEIVERS, PG_I64(case_id));
	int n;

	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++)
		fn(arg, PQgetvalue(r, i, 0));
	PQclear(r);
	return n;
}

int
pg_case_message_touch(struct spool *sp, int64_t message_id)
{
	int64_t n = PG_WRITE(pg_of(sp), PQ_CASE_MESSAGE_TOUCH, PG_I64(message_id));

	return n < 0 ? -1 : n > 0;
}

/* ---- the SLA clocks ---------------------------------------------------- */

int64_t
pg_case_of_mention(struct spool *sp, int64_t mention_rowid)
{
	int64_t id = 0;

	return PG_ONE(pg_of(sp), PQ_CASE_OF_MENTION, &id, PG_I64(mention_rowid)) < 0 ? -1 : id;
}

int
pg_case_since(struct spool *sp, int64_t case_id, int64_t *since_ms)
{
	*since_ms = 0;
	return PG_ONE(pg_of(sp), PQ_CASE_SINCE, since_ms, PG_I64(case_id));
}

int64_t
pg_case_last_event(struct spool *sp, int64_t case_id)
{
	int64_t id = 0;

	return PG_ONE(pg_of(sp), PQ_CASE_LAST_EVENT, &id, PG_I64(case_id)) < 0 ? -1 : id;
}
