/*
 * pg_deliv.c: the PostgreSQL spool's mentions, alerts and deliveries,
 * silences, cursors and rule texts: the same queries as sqlite.c, in
 * PostgreSQL's words.
 */
#include "config.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "store/pg_int.h"
#include "store/spool.h"

/* The column order pg_row_delivery() reads. */
#define DELIVERY_COLS                                                                              \
	"d.id, d.alert_rowid, a.alert_id, d.receiver, d.idem_key, a.json, d.state, d.attempts, "   \
	"d.created_ms, d.due_ms, d.expires_ms, d.done_ms, d.last_error, d.priority, "              \
	"coalesce(a.case_id, 0)"
#define SILENCE_COLS                                                                               \
	"id, matchers, created_by, reason, created_ms, expires_ms, ended_ms, ended_by, suppressed"
#define MENTION_COLS "m.id, m.mention_id, m.group_key, m.priority, m.at_ms, m.json"
/*
 * A mention's row m waits for the leader's claim while a row of
 * waiting_batches names it, is pending (in a group, not tied to an alert)
 * while mentions_pending does, and is tied to alert a when mention_alerts
 * holds (m.id, a.id): see pg_schema.c, versions 7 and 9.
 */
#define ALERT_COLS                                                                                 \
	"a.id, a.alert_id, a.group_key, a.team, a.json, a.priority, a.at_ms,"                      \
	" (SELECT count(*) FROM deliveries WHERE alert_rowid = a.id AND state = 1),"               \
	" (SELECT count(*) FROM deliveries WHERE alert_rowid = a.id AND state = 0),"               \
	" (SELECT count(*) FROM deliveries WHERE alert_rowid = a.id AND state = 2),"               \
	" (SELECT count(*) FROM mention_alerts t WHERE t.alert_rowid = a.id)"

/*
 * Leases (spool.h). The statements that read or take them have the
 * receiver in $1, now in $2 and the lease owner of this spool in $3. A
 * row is free to take when it has no lease, its lease ended, or it is our
 * own. A claim (CTE u) takes the rows due at $4 that are free, but the
 * ids of $7 (in flight), the first $5 in its order, until $6; rows
 * another session has locked are passed over, never waited for.
 */
#define PG_UNLEASED "(lease_expires_ms IS NULL OR lease_expires_ms <= $2 OR lease_owner = $3)"
#define PG_UNLEASE  "lease_owner = NULL, lease_expires_ms = NULL"
#define PG_CLAIM_HEAD                                                                              \
	"WITH c AS (SELECT id FROM deliveries WHERE receiver = $1 AND state = 0 AND due_ms <= $4 " \
	"AND " PG_UNLEASED " AND id <> ALL ($7::bigint[]) ORDER BY "
#define PG_CLAIM_TAIL                                                                              \
	" LIMIT $5 FOR UPDATE SKIP LOCKED), u AS (UPDATE deliveries SET lease_owner = $3, "        \
	"lease_expires_ms = $6 FROM c WHERE deliveries.id = c.id RETURNING deliveries.*) "         \
	"SELECT " DELIVERY_COLS " FROM u d JOIN alerts a ON a.id = d.alert_rowid ORDER BY "

const char *const pg_deliv_sql[PQ__N] = {
    /* $6: the row waits for the leader (waiting_batches), else it is pending */
    [PQ_ADD_MENTION] = "WITH m AS (INSERT INTO mentions (mention_id, group_key, priority, at_ms, "
                       "json) VALUES ($1, $2, $3, $4, $5) RETURNING id), "
                       "p AS (INSERT INTO mentions_pending (id, group_key) SELECT id, $2 FROM m "
                       "WHERE NOT $6::boolean), "
                       "w AS (INSERT INTO waiting_batches (ids) SELECT ARRAY[id] FROM m WHERE "
                       "$6::boolean) SELECT id FROM m",
    /* the leader's groups: the rows it claimed, not those waiting for it */
    [PQ_PENDING_MENTIONS] = "SELECT " MENTION_COLS " FROM mentions_pending p JOIN mentions m "
                            "ON m.id = p.id ORDER BY m.at_ms, m.id",
    [PQ_ADD_ALERT] = "INSERT INTO alerts (alert_id, group_key, priority, team, at_ms, json) "
                     "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    [PQ_TIE_MENTION] = "WITH p AS (DELETE FROM mentions_pending WHERE id = $2 RETURNING id) "
                       "INSERT INTO mention_alerts (id, alert_rowid) SELECT id, $1 FROM p",
    [PQ_TIE_GROUP] = "WITH p AS (DELETE FROM mentions_pending p WHERE group_key = $2 AND "
                     "id <= $3 RETURNING id) "
                     "INSERT INTO mention_alerts (id, alert_rowid) SELECT id, $1 FROM p",
    /* batches another daemon's batch is claiming are left to it (pg_schema.c, 9) */
    [PQ_CLAIM_MENTIONS] = "SELECT * FROM keluh_claim($1)",
    [PQ_DROP_MENTION] = "WITH p AS (DELETE FROM mentions_pending WHERE id = $1 RETURNING id) "
                        "DELETE FROM mentions WHERE id IN (SELECT id FROM p)",
    [PQ_MENTIONS_ALERTED] = "SELECT " MENTION_COLS " FROM mentions m WHERE m.at_ms >= $1 AND "
                            "EXISTS (SELECT 1 FROM mention_alerts t WHERE t.id = m.id) "
                            "ORDER BY m.at_ms DESC, m.id DESC LIMIT $2",
    /* other daemons learn of it at the commit (SPOOL_DUE_CHANNEL; one a receiver and batch) */
    [PQ_ADD_DELIVERY] = "WITH ins AS (INSERT INTO deliveries (alert_rowid, receiver, idem_key, "
                        "priority, created_ms, due_ms, expires_ms, ttl_ms) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $7::bigint - $5::bigint) "
                        "RETURNING id) SELECT id, pg_notify('" SPOOL_DUE_CHANNEL "', $2) FROM ins",
    [PQ_DUE] = PG_CLAIM_HEAD "priority DESC, created_ms, id" PG_CLAIM_TAIL
                             "d.priority DESC, d.created_ms, d.id",
    /* a row another daemon leased is due when its lease ends at the soonest */
    [PQ_NEXT_DUE] = "SELECT min(CASE WHEN " PG_UNLEASED " THEN due_ms ELSE "
                    "greatest(due_ms, lease_expires_ms) END) FROM deliveries "
                    "WHERE receiver = $1 AND state = 0",
    [PQ_FIRST_DUE] = PG_CLAIM_HEAD "due_ms, priority DESC, created_ms, id" PG_CLAIM_TAIL
                                   "d.due_ms, d.priority DESC, d.created_ms, d.id",
    [PQ_MAKE_DUE] = "WITH u AS (UPDATE deliveries SET due_ms = $2 WHERE id IN ("
                    "SELECT id FROM deliveries WHERE receiver = $1 AND state = 0 AND "
                    "due_ms > $2 AND " PG_UNLEASED " FOR UPDATE SKIP LOCKED) RETURNING 1), "
                    "n AS (SELECT count(*) AS n FROM u) "
                    "SELECT n, pg_notify('" SPOOL_DUE_CHANNEL "', $1) FROM n WHERE n > 0",
    [PQ_EXPIRE] = "UPDATE deliveries SET state = 2, done_ms = $2, last_error = 'expired after ' "
                  "|| attempts || ' attempt(s), while the receiver was failing; last error: ' "
                  "|| $4, " PG_UNLEASE " WHERE id IN (SELECT id FROM deliveries "
                  "WHERE receiver = $1 AND state = 0 AND expires_ms <= $2 AND " PG_UNLEASED
                  " FOR UPDATE SKIP LOCKED)",
    [PQ_DELIVERED] =
        "UPDATE deliveries SET state = 1, done_ms = $2, attempts = attempts + 1, " PG_UNLEASE
        " WHERE id = $1 AND state = 0",
    [PQ_RETRY_LATER] = "UPDATE deliveries SET attempts = attempts + 1, due_ms = $2, "
                       "last_error = $3, " PG_UNLEASE " WHERE id = $1 AND state = 0",
    [PQ_DEAD] = "UPDATE deliveries SET state = 2, done_ms = $2, last_error = $3, "
                "attempts = attempts + $4, " PG_UNLEASE " WHERE id = $1 AND state = 0",
    [PQ_REQUEUE] = "WITH u AS (UPDATE deliveries SET state = 0, attempts = 0, due_ms = $2, "
                   "expires_ms = $2 + ttl_ms, done_ms = NULL WHERE id = $1 AND state = 2 "
                   "RETURNING receiver) SELECT pg_notify('" SPOOL_DUE_CHANNEL "', receiver) "
                   "FROM u",
    [PQ_REQUEUE_DEAD] = "WITH u AS (UPDATE deliveries SET state = 0, attempts = 0, due_ms = $1, "
                        "expires_ms = $1 + ttl_ms, done_ms = NULL "
                        "WHERE state = 2 AND ($2::text IS NULL OR receiver = $2) "
                        "RETURNING receiver) SELECT pg_notify('" SPOOL_DUE_CHANNEL "', receiver) "
                        "FROM u",
    [PQ_LEASE_COUNTS] = "SELECT lease_owner, count(*) FROM deliveries WHERE state = 0 AND "
                        "lease_expires_ms > $1 GROUP BY lease_owner ORDER BY lease_owner",
    [PQ_STATE_OF] = "SELECT state FROM deliveries WHERE id = $1",
    [PQ_DROP] = "DELETE FROM deliveries WHERE id = $1",
    [PQ_GET_DELIVERY] = "SELECT " DELIVERY_COLS " FROM deliveries d "
                        "JOIN alerts a ON a.id = d.alert_rowid WHERE d.id = $1",
    [PQ_COUNTS] = "SELECT"
                  " (SELECT count(*) FROM deliveries WHERE state = 0 AND"
                  "   ($1::text IS NULL OR receiver = $1)),"
                  " (SELECT count(*) FROM deliveries WHERE state = 1 AND"
                  "   ($1::text IS NULL OR receiver = $1)),"
                  " (SELECT count(*) FROM deliveries WHERE state = 2 AND"
                  "   ($1::text IS NULL OR receiver = $1)),"
                  " (SELECT count(*) FROM mentions_pending) + (SELECT "
                  "   coalesce(sum(cardinality(ids)), 0) FROM waiting_batches),"
                  " (SELECT count(*) FROM alerts)",
    [PQ_QUEUE_COUNTS] = "SELECT"
                        " (SELECT count(*) FROM deliveries WHERE receiver = $1 AND state = 0),"
                        " (SELECT count(*) FROM deliveries WHERE receiver = $1 AND state = 2)",
    [PQ_LIST_DELIVERIES] = "SELECT " DELIVERY_COLS " FROM deliveries d "
                           "JOIN alerts a ON a.id = d.alert_rowid "
                           "WHERE ($1::integer IS NULL OR d.state = $1) "
                           "ORDER BY d.id DESC LIMIT $2",
    [PQ_LIST_ALERTS] = "SELECT " ALERT_COLS " FROM alerts a ORDER BY a.id DESC LIMIT $1",
    [PQ_GET_ALERT] = "SELECT " ALERT_COLS " FROM alerts a WHERE a.alert_id = $1",
    [PQ_ALERT_MENTIONS] = "SELECT " MENTION_COLS " FROM mention_alerts t JOIN mentions m "
                          "ON m.id = t.id WHERE t.alert_rowid = $1 ORDER BY m.at_ms, m.id",
    [PQ_CURSOR_GET] = "SELECT value FROM cursors WHERE source = $1",
    [PQ_CURSOR_SET] = "INSERT INTO cursors (source, value) VALUES ($1, $2) "
                      "ON CONFLICT (source) DO UPDATE SET value = excluded.value",
    [PQ_ADD_SILENCE] = "INSERT INTO silences (matchers, created_by, reason, created_ms, "
                       "expires_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    [PQ_END_SILENCE] = "UPDATE silences SET ended_ms = $2, ended_by = $3 "
                       "WHERE id = $1 AND ended_ms IS NULL",
    [PQ_SILENCE_SUPPRESSED] = "UPDATE silences SET suppressed = suppressed + $2 WHERE id = $1",
    [PQ_LIST_SILENCES] = "SELECT " SILENCE_COLS " FROM silences "
                         "WHERE ($1::integer <> 0 OR ended_ms IS NULL) "
                         "ORDER BY id DESC LIMIT $2",
    /*
     * The row there already, else one added. Never a wait on another
     * daemon's batch adding the same text (pg_schema.c, version 2): two
     * daemons may add it both, and each uses its own id.
     */
    [PQ_RULE_TEXT_ADD] = "WITH old AS (SELECT id FROM rule_texts WHERE md5(json) = md5($1) "
                         "AND json = $1 ORDER BY id LIMIT 1), "
                         "ins AS (INSERT INTO rule_texts (json) SELECT $1 "
                         "WHERE NOT EXISTS (SELECT 1 FROM old) RETURNING id) "
                         "SELECT id FROM old UNION ALL SELECT id FROM ins",
    [PQ_RULE_TEXT_GET] = "SELECT json FROM rule_texts WHERE id = $1",
    /*
     * only pending and waiting mentions are ever read back; alerted ones
     * keep their alert's JSON
     */
    [PQ_RULE_TEXT_PRUNE] =
        "DELETE FROM rule_texts WHERE id NOT IN (SELECT (r.value #>> '{}')::numeric::bigint "
        "FROM (SELECT id FROM mentions_pending UNION ALL SELECT unnest(ids) FROM "
        "waiting_batches) p JOIN mentions m ON m.id = p.id, LATERAL "
        "jsonb_array_elements(CASE WHEN jsonb_typeof(keluh_json(m.json) -> 'rule_refs') = "
        "'array' THEN keluh_json(m.json) -> 'rule_refs' ELSE '[]'::jsonb END) r WHERE "
        "jsonb_typeof(r.value) = 'number')",
    [PQ_PENDING_BY_RECEIVER] = "SELECT receiver, count(*) FROM deliveries WHERE state = 0 "
                               "GROUP BY receiver ORDER BY receiver",
    [PQ_MENTION_BY_ID] = "SELECT " MENTION_COLS " FROM mentions m WHERE m.mention_id = $1 "
                         "ORDER BY m.id DESC LIMIT 1",
};

/* ---- rule texts -------------------------------------------------------- */

int64_t
pg_rule_text(struct spool *sp, const char *json)
{
	struct pg_spool *s = pg_of(sp);
	int64_t id = PG_WRITE_ID(s, PQ_RULE_TEXT_ADD, PG_TEXT(json));

	if (id == 0)
		pg_seterr(s, "the rule text was neither added nor found");
	return id > 0 ? id : -1;
}

char *
pg_rule_text_get(struct spool *sp, int64_t id)
{
	struct pg_spool *s = pg_of(sp);
	PGresult *r = PG_RUN(s, PQ_RULE_TEXT_GET, PG_I64(id));
	char *json = NULL;

	if (r && PQntuples(r) > 0)
		json = pg_str(r, 0, 0);
	PQclear(r);
	return json;
}

int
pg_prune_rule_texts(struct spool *sp)
{
	int64_t n = pg_write(pg_of(sp), PQ_RULE_TEXT_PRUNE, NULL, 0);

	return n > INT32_MAX ? INT32_MAX : (int)n;
}

/* ---- mentions and alerts ----------------------------------------------- */

/*
 * A mention's row, grouped (this daemon's groups hold it) or waiting for
 * the leader's claim (its id in the batch's row of waiting_batches): both go
 * in the batch's COPY (pg_copy.c), so a daemon that does not lead sends
 * its complaints a thousand to a round trip as the leader does.
 */
static int64_t
pg_mention_row(struct spool *sp, const char *mention_id, const char *group_key, int priority,
               int64_t at_ms, const char *json, int grouped)
{
	struct pg_spool *s = pg_of(sp);
	int64_t id;

	if (!s->txn)
		return PG_WRITE_ID(s, PQ_ADD_MENTION, PG_TEXT(mention_id), PG_TEXT(group_key),
		                   PG_I64(priority), PG_I64(at_ms), PG_TEXT(json),
		                   PG_TEXT(grouped ? "f" : "t"));
	id = pg_copy_row(s, PG_COPY_MENTIONS,
	                 PG_ARGS(PG_TEXT(mention_id), PG_TEXT(group_key), PG_I64(priority),
	                         PG_I64(at_ms), PG_TEXT(json)));
	if (id > 0 && pg_copy_pending(s, id, group_key, !grouped) < 0)
		return -1;
	return id;
}

int64_t
pg_add_mention(struct spool *sp, const char *mention_id, const char *group_key, int priority,
               int64_t at_ms, const char *json)
{
	return pg_mention_row(sp, mention_id, group_key, priority, at_ms, json, 1);
}

static void
pg_row_mention(const PGresult *r, int i, struct spool_mention *m)
{
	m->rowid = pg_i64(r, i, 0);
	m->mention_id = pg_str(r, i, 1);
	m->group_key = pg_str(r, i, 2);
	m->priority = (int)pg_i64(r, i, 3);
	m->at_ms = pg_i64(r, i, 4);
	m->json = pg_str(r, i, 5);
}

/* Hands each row of r to fn (the result holds every row already) and clears r: how many, -1. */
int
pg_mentions_each(struct pg_spool *s, PGresult *r,
                 void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	int n;

	(void)s;
	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		struct spool_mention m;

		pg_row_mention(r, i, &m);
		fn(arg, &m);
		free(m.mention_id);
		free(m.group_key);
		free(m.json);
	}
	PQclear(r);
	return n;
}

int
pg_pending_mentions(struct spool *sp, void (*fn)(void *arg, const struct spool_mention *),
                    void *arg)
{
	struct pg_spool *s = pg_of(sp);

	return pg_mentions_each(s, pg_run(s, PQ_PENDING_MENTIONS, NULL, 0), fn, arg) < 0 ? -1 : 0;
}

int
pg_alert_mentions(struct spool *sp, int64_t alert_rowid,
                  void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	struct pg_spool *s = pg_of(sp);

	return pg_mentions_each(s, PG_RUN(s, PQ_ALERT_MENTIONS, PG_I64(alert_rowid)), fn, arg) < 0
	           ? -1
	           : 0;
}

int
pg_mention_by_id(struct spool *sp, const char *mention_id,
                 void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	struct pg_spool *s = pg_of(sp);
	int n = pg_mentions_each(s, PG_RUN(s, PQ_MENTION_BY_ID, PG_TEXT(mention_id)), fn, arg);

	return n < 0 ? -1 : n > 0;
}

int64_t
pg_add_mention_ungrouped(struct spool *sp, const char *mention_id, const char *group_key,
                         int priority, int64_t at_ms, const char *json)
{
	return pg_mention_row(sp, mention_id, group_key, priority, at_ms, json, 0);
}

/* RETURNING gives no order: the rows are handed on oldest first, as they came. */
static int
pg_mention_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
pg_claim_mentions(struct spool *sp, size_t max,
                  void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	struct pg_spool *s = pg_of(sp);
	int64_t lim = max == 0 ? INT64_MAX : pg_limit(max);
	PGresult *r;
	int n, *order;
	int64_t *ids;

	if ((r = PG_WRITE_RUN(s, PQ_CLAIM_MENTIONS, PG_I64(lim))) == NULL)
		return -1;
	n = PQntuples(r);
	/* pairs of (row id, index of the row), sorted by row id */
	ids = xcalloc((size_t)n + 1, 2 * sizeof(*ids));
	order = xcalloc((size_t)n + 1, sizeof(*order));
	for (int i = 0; i < n; i++) {
		ids[2 * i] = pg_i64(r, i, 0);
		ids[2 * i + 1] = i;
	}
	qsort(ids, (size_t)n, 2 * sizeof(*ids), pg_mention_cmp);
	for (int i = 0; i < n; i++)
		order[i] = (int)ids[2 * i + 1];
	for (int i = 0; i < n && fn; i++) {
		struct spool_mention m;

		pg_row_mention(r, order[i], &m);
		fn(arg, &m);
		free(m.mention_id);
		free(m.group_key);
		free(m.json);
	}
	free(ids);
	free(order);
	PQclear(r);
	return n;
}

int
pg_drop_mention(struct spool *sp, int64_t rowid)
{
	int64_t n = PG_WRITE(pg_of(sp), PQ_DROP_MENTION, PG_I64(rowid));

	return n < 0 ? -1 : n > 0;
}

int
pg_mentions_alerted(struct spool *sp, int64_t since_ms, size_t limit,
                    void (*fn)(void *arg, const struct spool_mention *), void *arg)
{
	struct pg_spool *s = pg_of(sp);

	if (limit == 0)
		return 0;
	return pg_mentions_each(s, PG_RUN(s, PQ_MENTIONS_ALERTED, PG_I64(since_ms),
	                                  PG_I64(pg_limit(limit))),
	                        fn, arg) < 0
	           ? -1
	           : 0;
}

/* Ties the given mentions to the alert: each must be pending. */
static int
pg_tie_each(struct pg_spool *s, const char *alert_id, int64_t rowid, const int64_t *mention_rowids,
            size_t nmentions)
{
	for (size_t i = 0; i < nmentions; i++) {
		int64_t n = PG_WRITE(s, PQ_TIE_MENTION, PG_I64(rowid), PG_I64(mention_rowids[i]));

		if (n < 0)
			return -1;
		if (n != 1) {
			pg_seterr(s,
			          "alert %s: mention row %" PRId64 " is not pending (unknown, or "
			          "already tied to an alert)",
			          alert_id, mention_rowids[i]);
			return -1;
		}
	}
	return 0;
}

int64_t
pg_add_alert(struct spool *sp, const char *alert_id, const char *group_key, int priority,
             const char *team, int64_t at_ms, const char *json, const int64_t *mention_rowids,
             size_t nmentions, const char *const *receivers, const int64_t *expires_ms,
             size_t nreceivers, int64_t due_ms)
{
	struct pg_spool *s = pg_of(sp);
	int64_t rowid;

	if (pg_op_begin(s) < 0)
		return -1;
	rowid =
	    PG_WRITE_ID(s, PQ_ADD_ALERT, PG_TEXT(alert_id), PG_TEXT(group_key), PG_I64(priority),
	                team ? PG_TEXT(team) : PG_NULL, PG_I64(at_ms), PG_TEXT(json));
	if (rowid <= 0 || pg_tie_each(s, alert_id, rowid, mention_rowids, nmentions) < 0)
		goto fail;
	for (size_t i = 0; i < nreceivers; i++) {
		char *idem = xasprintf("%s.%s", alert_id, receivers[i]);
		int64_t r = PG_WRITE(s, PQ_ADD_DELIVERY, PG_I64(rowid), PG_TEXT(receivers[i]),
		                     PG_TEXT(idem), PG_I64(priority), PG_I64(at_ms), PG_I64(due_ms),
		                     PG_I64(expires_ms[i]));

		free(idem);
		if (r < 0)
			goto fail;
	}
	if (pg_op_end(s, 1) < 0)
		return -1;
	return rowid;
fail:
	pg_op_end(s, 0);
	return -1;
}

int64_t
pg_tie_mentions(struct spool *sp, int64_t alert_rowid, const char *group_key, int64_t upto_rowid)
{
	return PG_WRITE(pg_of(sp), PQ_TIE_GROUP, PG_I64(alert_rowid), PG_TEXT(group_key),
	                PG_I64(upto_rowid));
}

static void
pg_alert_clear(struct spool_alert *a)
{
	free(a->alert_id);
	free(a->group_key);
	free(a->team);
	free(a->json);
}

/* Hands each alert row of r to fn and clears r: how many, or -1. */
int
pg_alerts_each(struct pg_spool *s, PGresult *r, void (*fn)(void *arg, const struct spool_alert *),
               void *arg)
{
	int n;

	(void)s;
	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		struct spool_alert a = {
		    .rowid = pg_i64(r, i, 0),
		    .alert_id = pg_str(r, i, 1),
		    .group_key = pg_str(r, i, 2),
		    .team = pg_str(r, i, 3),
		    .json = pg_str(r, i, 4),
		    .priority = (int)pg_i64(r, i, 5),
		    .at_ms = pg_i64(r, i, 6),
		    .delivered = (int)pg_i64(r, i, 7),
		    .pending = (int)pg_i64(r, i, 8),
		    .dead = (int)pg_i64(r, i, 9),
		    .mentions = (int)pg_i64(r, i, 10),
		};

		fn(arg, &a);
		pg_alert_clear(&a);
	}
	PQclear(r);
	return n;
}

int
pg_list_alerts(struct spool *sp, size_t limit, void (*fn)(void *arg, const struct spool_alert *),
               void *arg)
{
	struct pg_spool *s = pg_of(sp);

	if (limit == 0)
		return 0;
	return pg_alerts_each(s, PG_RUN(s, PQ_LIST_ALERTS, PG_I64(pg_limit(limit))), fn, arg) < 0
	           ? -1
	           : 0;
}

int
pg_get_alert(struct spool *sp, const char *alert_id,
             void (*fn)(void *arg, const struct spool_alert *), void *arg)
{
	struct pg_spool *s = pg_of(sp);
	int n = pg_alerts_each(s, PG_RUN(s, PQ_GET_ALERT, PG_TEXT(alert_id)), fn, arg);

	return n < 0 ? -1 : n > 0;
}

/* ---- deliveries -------------------------------------------------------- */

static void
pg_row_delivery(const PGresult *r, int i, struct spool_delivery *d)
{
	d->id = pg_i64(r, i, 0);
	d->alert_rowid = pg_i64(r, i, 1);
	d->alert_id = pg_str(r, i, 2);
	d->receiver = pg_str(r, i, 3);
	d->idem_key = pg_str(r, i, 4);
	d->alert_json = pg_str(r, i, 5);
	d->state = (int)pg_i64(r, i, 6);
	d->attempts = (int)pg_i64(r, i, 7);
	d->created_ms = pg_i64(r, i, 8);
	d->due_ms = pg_i64(r, i, 9);
	d->expires_ms = pg_i64(r, i, 10);
	d->done_ms = pg_i64(r, i, 11);
	d->last_error = pg_str(r, i, 12);
	d->priority = (int)pg_i64(r, i, 13);
	d->case_id = pg_i64(r, i, 14);
}

/* ---- leases ----------------------------------------------------------- */

void
pg_lease_init(struct pg_spool *s)
{
	/* the spools a process opens each lease as their own (a thread may open one) */
	static unsigned opened;
	unsigned n = __atomic_add_fetch(&opened, 1, __ATOMIC_RELAXED);
	char host[64];
	int len;

	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	len = snprintf(s->lease_owner, sizeof(s->lease_owner), "%s:%ld:%" PRId64, host,
	               (long)getpid(), util_now_ms());
	if (n > 1 && len > 0 && (size_t)len < sizeof(s->lease_owner))
		snprintf(s->lease_owner + len, sizeof(s->lease_owner) - (size_t)len, ".%u", n);
}

void
pg_lease_free(struct pg_spool *s)
{
	for (size_t i = 0; i < s->nleases; i++)
		free(s->leases[i].receiver);
	free(s->leases);
}

int
pg_set_lease(struct spool *sp, const char *receiver, int64_t lease_ms)
{
	struct pg_spool *s = pg_of(sp);
	size_t i;

	for (i = 0; i < s->nleases && strcmp(s->leases[i].receiver, receiver) != 0; i++)
		;
	if (i == s->nleases) {
		if (s->nleases >= PG_LEASES_MAX) {
			pg_seterr(s,
			          "more than %d receivers have a lease length: %s keeps the "
			          "default (%d ms)",
			          PG_LEASES_MAX, receiver, SPOOL_LEASE_MS);
			return -1;
		}
		if (s->nleases == 0)
			s->leases = xcalloc(PG_LEASES_MAX, sizeof(*s->leases));
		s->leases[s->nleases++].receiver = xstrdup(receiver);
	}
	s->leases[i].ms = lease_ms > 0 ? lease_ms : SPOOL_LEASE_MS;
	return 0;
}

/* Whom leases name: the daemon's instance (spool_set_instance), else this spool's own. */
static const char *
pg_owner(const struct pg_spool *s)
{
	return s->instance ? s->instance : s->lease_owner;
}

static int64_t
pg_lease_ms(const struct pg_spool *s, const char *receiver)
{
	for (size_t i = 0; i < s->nleases; i++)
		if (strcmp(s->leases[i].receiver, receiver) == 0)
			return s->leases[i].ms;
	return SPOOL_LEASE_MS;
}

int
pg_lease_counts(struct spool *sp, void (*fn)(void *, const char *, int64_t), void *arg)
{
	PGresult *r = PG_RUN(pg_of(sp), PQ_LEASE_COUNTS, PG_I64(util_now_ms()));

	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++)
		fn(arg, PQgetvalue(r, i, 0), pg_i64(r, i, 1));
	PQclear(r);
	return 0;
}

/* skip[0..n) as a PostgreSQL array, "{1,2}" (malloc'd). */
static char *
pg_id_array(const int64_t *skip, size_t n)
{
	struct buf b;

	buf_init(&b);
	buf_addc(&b, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addc(&b, ',');
		buf_add_int(&b, skip[i]);
	}
	buf_addc(&b, '}');
	return b.data;
}

/*
 * Claims (spool.h) the rows q selects: due at due_ms, free of other
 * daemons' leases at now_ms, but the skipped ones, at most max.
 */
static int
pg_select_due(struct pg_spool *s, int q, const char *receiver, int64_t due_ms, int64_t now_ms,
              const int64_t *skip, size_t nskip, struct spool_delivery *out, size_t max)
{
	PGresult *r;
	char *ids;
	int n;

	if (max > INT32_MAX)
		max = INT32_MAX;
	if (max == 0)
		return 0;
	ids = pg_id_array(skip, nskip);
	r = PG_WRITE_RUN(s, q, PG_TEXT(receiver), PG_I64(now_ms), PG_TEXT(pg_owner(s)),
	                 PG_I64(due_ms), PG_I64(pg_limit(max)),
	                 PG_I64(now_ms + pg_lease_ms(s, receiver)), PG_TEXT(ids));
	free(ids);
	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++)
		pg_row_delivery(r, i, &out[i]);
	PQclear(r);
	return n;
}

int
pg_due(struct spool *sp, const char *receiver, int64_t now_ms, const int64_t *skip, size_t nskip,
       struct spool_delivery *out, size_t max)
{
	return pg_select_due(pg_of(sp), PQ_DUE, receiver, now_ms, now_ms, skip, nskip, out, max);
}

int
pg_first_due(struct spool *sp, const char *receiver, const int64_t *skip, size_t nskip,
             struct spool_delivery *out)
{
	return pg_select_due(pg_of(sp), PQ_FIRST_DUE, receiver, INT64_MAX, util_now_ms(), skip,
	                     nskip, out, 1);
}

int64_t
pg_next_due(struct spool *sp, const char *receiver)
{
	struct pg_spool *s = pg_of(sp);
	int64_t due = INT64_MAX;

	return PG_ONE(s, PQ_NEXT_DUE, &due, PG_TEXT(receiver), PG_I64(util_now_ms()),
	              PG_TEXT(pg_owner(s))) < 0
	           ? -1
	           : due;
}

int64_t
pg_make_due(struct spool *sp, const char *receiver, int64_t now_ms)
{
	struct pg_spool *s = pg_of(sp);

	return PG_WRITE_ID(s, PQ_MAKE_DUE, PG_TEXT(receiver), PG_I64(now_ms),
	                   PG_TEXT(pg_owner(s)));
}

int64_t
pg_expire(struct spool *sp, const char *receiver, int64_t now_ms, const char *error)
{
	struct pg_spool *s = pg_of(sp);

	return PG_WRITE(s, PQ_EXPIRE, PG_TEXT(receiver), PG_I64(now_ms), PG_TEXT(pg_owner(s)),
	                PG_TEXT(error));
}

int
pg_delivered(struct spool *sp, int64_t id, int64_t at_ms)
{
	return PG_WRITE(pg_of(sp), PQ_DELIVERED, PG_I64(id), PG_I64(at_ms)) < 0 ? -1 : 0;
}

int
pg_retry_later(struct spool *sp, int64_t id, int64_t due_ms, const char *error)
{
	return PG_WRITE(pg_of(sp), PQ_RETRY_LATER, PG_I64(id), PG_I64(due_ms), PG_TEXT(error)) < 0
	           ? -1
	           : 0;
}

int
pg_dead(struct spool *sp, int64_t id, int64_t at_ms, const char *reason, int tried)
{
	return PG_WRITE(pg_of(sp), PQ_DEAD, PG_I64(id), PG_I64(at_ms), PG_TEXT(reason),
	                PG_I64(tried != 0)) < 0
	           ? -1
	           : 0;
}

static const char *
pg_state_name(int64_t state)
{
	switch (state) {
	case SPOOL_PENDING: return "pending";
	case SPOOL_DELIVERED: return "delivered";
	case SPOOL_DEAD: return "dead";
	}
	return "in an unknown state";
}

int
pg_requeue(struct spool *sp, int64_t id, int64_t now_ms)
{
	struct pg_spool *s = pg_of(sp);
	int64_t n = PG_WRITE(s, PQ_REQUEUE, PG_I64(id), PG_I64(now_ms)), state;
	int r;

	if (n < 0)
		return -1;
	if (n == 1)
		return 0;
	r = PG_ONE(s, PQ_STATE_OF, &state, PG_I64(id));
	if (r > 0)
		pg_seterr(s,
		          "delivery %" PRId64 " is %s, not dead: only dead deliveries can be "
		          "retried",
		          id, pg_state_name(state));
	else if (r == 0)
		pg_seterr(s, "no delivery %" PRId64, id);
	return -1;
}

int64_t
pg_requeue_dead(struct spool *sp, const char *receiver, int64_t now_ms)
{
	return PG_WRITE(pg_of(sp), PQ_REQUEUE_DEAD, PG_I64(now_ms),
	                receiver ? PG_TEXT(receiver) : PG_NULL);
}

int
pg_drop(struct spool *sp, int64_t id)
{
	struct pg_spool *s = pg_of(sp);
	int64_t n = PG_WRITE(s, PQ_DROP, PG_I64(id));

	if (n < 0)
		return -1;
	if (n == 1)
		return 0;
	pg_seterr(s, "no delivery %" PRId64, id);
	return -1;
}

int
pg_get_delivery(struct spool *sp, int64_t id, struct spool_delivery *out)
{
	PGresult *r = PG_RUN(pg_of(sp), PQ_GET_DELIVERY, PG_I64(id));
	int found;

	if (!r)
		return -1;
	found = PQntuples(r) > 0;
	if (found)
		pg_row_delivery(r, 0, out);
	PQclear(r);
	return found;
}

int
pg_counts(struct spool *sp, const char *receiver, struct spool_counts *c)
{
	PGresult *r = PG_RUN(pg_of(sp), PQ_COUNTS, receiver ? PG_TEXT(receiver) : PG_NULL);

	memset(c, 0, sizeof(*c));
	if (!r)
		return -1;
	c->pending = pg_i64(r, 0, 0);
	c->delivered = pg_i64(r, 0, 1);
	c->dead = pg_i64(r, 0, 2);
	c->pending_mentions = pg_i64(r, 0, 3);
	c->alerts = pg_i64(r, 0, 4);
	PQclear(r);
	return 0;
}

int
pg_queue_counts(struct spool *sp, const char *receiver, int64_t *pending, int64_t *dead)
{
	PGresult *r = PG_RUN(pg_of(sp), PQ_QUEUE_COUNTS, PG_TEXT(receiver));

	*pending = *dead = 0;
	if (!r)
		return -1;
	*pending = pg_i64(r, 0, 0);
	*dead = pg_i64(r, 0, 1);
	PQclear(r);
	return 0;
}

int
pg_list_deliveries(struct spool *sp, int state, size_t limit,
                   void (*fn)(void *arg, const struct spool_delivery *), void *arg)
{
	PGresult *r;

	if (limit == 0)
		return 0;
	r = PG_RUN(pg_of(sp), PQ_LIST_DELIVERIES, state >= 0 ? PG_I64(state) : PG_NULL,
	           PG_I64(pg_limit(limit)));
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		struct spool_delivery d;

		pg_row_delivery(r, i, &d);
		fn(arg, &d);
		spool_delivery_free(&d);
	}
	PQclear(r);
	return 0;
}

int
pg_pending_by_receiver(struct spool *sp, void (*fn)(void *, const char *, int64_t), void *arg)
{
	PGresult *r = pg_run(pg_of(sp), PQ_PENDING_BY_RECEIVER, NULL, 0);

	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++)
		fn(arg, PQgetvalue(r, i, 0), pg_i64(r, i, 1));
	PQclear(r);
	return 0;
}

/* ---- pruning: rare, so the statements are not prepared ---------------- */

/* Runs each of sql with $1 = before_ms, all or nothing; the rows statement counted changed. */
static int64_t
pg_prune_run(struct pg_spool *s, const char *const *sql, size_t n, int64_t before_ms,
             size_t counted)
{
	char v[24];
	const char *vals[1] = {v};
	int64_t changes = 0;

	snprintf(v, sizeof(v), "%" PRId64, before_ms);
	if (pg_op_begin(s) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		PGresult *r = PQexecParams(s->conn, sql[i], 1, NULL, vals, NULL, NULL, 0);
		int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

		if (!ok)
			pg_seterr(s, "PostgreSQL: %s", PQresultErrorMessage(r));
		else if (i == counted)
			changes = strtoll(PQcmdTuples(r), NULL, 10);
		PQclear(r);
		if (!ok) {
			pg_op_end(s, 0);
			return -1;
		}
	}
	return pg_op_end(s, 1) < 0 ? -1 : changes;
}

int64_t
pg_prune(struct spool *sp, int64_t before_ms)
{
	static const char *const sql[] = {
	    "DELETE FROM deliveries WHERE state = 1 AND done_ms < $1",
	    "WITH t AS (DELETE FROM mention_alerts WHERE alert_rowid IN (SELECT a.id FROM alerts a "
	    "WHERE a.at_ms < $1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE "
	    "d.alert_rowid = a.id)) RETURNING id) DELETE FROM mentions WHERE id IN "
	    "(SELECT id FROM t)",
	    "DELETE FROM alerts WHERE at_ms < $1 AND NOT EXISTS "
	    "(SELECT 1 FROM deliveries d WHERE d.alert_rowid = alerts.id)",
	    "DELETE FROM silences WHERE ended_ms < $1",
	};

	return pg_prune_run(pg_of(sp), sql, sizeof(sql) / sizeof(sql[0]), before_ms, 2);
}

/* The closed cases old enough to go, which no alert names any more. */
#define PG_CASES_GONE                                                                              \
	"SELECT c.id FROM cases c WHERE c.state IN ('resolved', 'not_complaint') AND "             \
	"c.resolved_ms < $1 AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.case_id = c.id)"

int64_t
pg_prune_cases(struct spool *sp, int64_t before_ms)
{
	static const char *const sql[] = {
	    "DELETE FROM case_events WHERE case_id IN (" PG_CASES_GONE ")",
	    "DELETE FROM case_messages WHERE case_id IN (" PG_CASES_GONE ")",
	    "DELETE FROM cases WHERE id IN (" PG_CASES_GONE ")",
	};

	return pg_prune_run(pg_of(sp), sql, sizeof(sql) / sizeof(sql[0]), before_ms, 2);
}

/* ---- silences ---------------------------------------------------------- */

int64_t
pg_add_silence(struct spool *sp, const char *matchers_json, const char *created_by,
               const char *reason, int64_t created_ms, int64_t expires_ms)
{
	return PG_WRITE_ID(pg_of(sp), PQ_ADD_SILENCE, PG_TEXT(matchers_json), PG_TEXT(created_by),
	                   PG_TEXT(reason), PG_I64(created_ms), PG_I64(expires_ms));
}

int
pg_end_silence(struct spool *sp, int64_t id, int64_t at_ms, const char *by)
{
	int64_t n = PG_WRITE(pg_of(sp), PQ_END_SILENCE, PG_I64(id), PG_I64(at_ms), PG_TEXT(by));

	return n < 0 ? -1 : n > 0;
}

int
pg_silence_suppressed(struct spool *sp, int64_t id, int64_t n)
{
	return PG_WRITE(pg_of(sp), PQ_SILENCE_SUPPRESSED, PG_I64(id), PG_I64(n)) < 0 ? -1 : 0;
}

int
pg_list_silences(struct spool *sp, int all, size_t limit,
                 void (*fn)(void *arg, const struct spool_silence *), void *arg)
{
	PGresult *r;

	if (limit == 0)
		return 0;
	r = PG_RUN(pg_of(sp), PQ_LIST_SILENCES, PG_I64(all != 0), PG_I64(pg_limit(limit)));
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		struct spool_silence x = {
		    .id = pg_i64(r, i, 0),
		    .matchers = pg_str(r, i, 1),
		    .created_by = pg_str(r, i, 2),
		    .reason = pg_str(r, i, 3),
		    .created_ms = pg_i64(r, i, 4),
		    .expires_ms = pg_i64(r, i, 5),
		    .ended_ms = pg_i64(r, i, 6),
		    .ended_by = pg_str(r, i, 7),
		    .suppressed = pg_i64(r, i, 8),
		};

		fn(arg, &x);
		spool_silence_free(&x);
	}
	PQclear(r);
	return 0;
}

/* ---- cursors ----------------------------------------------------------- */

char *
pg_cursor_get(struct spool *sp, const char *source)
{
	PGresult *r = PG_RUN(pg_of(sp), PQ_CURSOR_GET, PG_TEXT(source));
	char *v = NULL;

	if (r && PQntuples(r) > 0)
		v = pg_str(r, 0, 0);
	PQclear(r);
	return v;
}

int
pg_cursor_set(struct spool *sp, const char *source, const char *value)
{
	return PG_WRITE(pg_of(sp), PQ_CURSOR_SET, PG_TEXT(source), PG_TEXT(value)) < 0 ? -1 : 0;
}
