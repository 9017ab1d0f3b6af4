/*
 * living.h: living messages on the delivery side, what deliver.c asks
 * before and after it sends a delivery of a case.
 *
 * A living receiver (receiver_living) carries a case as one message:
 *   - the case's first alert on it is a post; the post's 2xx answer names
 *     the message (receiver_post_ref), kept in the spool
 *     (spool_case_message_add) in the pass that marks it delivered;
 *   - a later alert of the case is a thread reply where the kind has
 *     threads (nothing is sent where it has none), and owes an edit of the
 *     message (spool_case_message_touch);
 *   - while the first post is pending (in flight, or failing and retried),
 *     a later alert sends nothing: it is folded into the message, and the
 *     post's success owes an edit when the case has a newer alert than the
 *     one posted. So a case never gets a second message while its first is
 *     on its way. If the first post ends in the dead letters, the next alert
 *     of the case posts anew.
 * Every owed edit renders the case's newest alert with the case as it is
 * now (living_edit).
 *
 * Receivers that cannot edit get, after an action changes a case's state,
 * one new message: the case's newest alert recorded again, tied to the
 * case (so it carries the new state line), routed to the receivers that
 * carried the case before and do not edit (living_case_changed).
 *
 * Loop thread only; writes join the pass (pass_join).
 */
#ifndef KELUH_LIVING_H
#define KELUH_LIVING_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "daemon/cases.h"
#include "receivers/receiver.h"
#include "store/spool.h"

enum living_way {
	LIVING_SEND,  /* not a living receiver's delivery of a case: render it as usual */
	LIVING_POST,  /* the case's first message on the receiver: keep its reference */
	LIVING_REPLY, /* the case has its message: a reply in its thread (ref), edit owed */
	LIVING_FOLD,  /* nothing to send: the message's edit carries the alert */
};

struct living_plan {
	enum living_way way;
	int64_t message_id; /* REPLY, FOLD: the case's message on the receiver (0: not yet) */
	char ref[RCV_REFLEN];
};

/* What the delivery sd to r is: 0 with *plan filled, or -1 (spool error, logged). */
int living_plan(struct spool *, const struct receiver *r, const struct spool_delivery *sd,
                struct living_plan *plan);

/*
 * The plan's writes before the send (in the current pass): a REPLY or a
 * FOLD owes the case's message an edit. 0, or -1.
 */
int living_owe(struct spool *, const struct living_plan *plan);

/*
 * The stored alert (canonical JSON text) with "case" filled from cases_json
 * as the case is now (signed links when public_url is set): a new reference,
 * or NULL when the text is not JSON. Without cases, or for case_id 0, the
 * alert as stored.
 */
json_t *living_alert(struct cases *, const char *public_url, const char *alert_json,
                     int64_t case_id, int64_t now_ms);

/*
 * The post of alert_rowid (of case_id) to r was answered 2xx with body:
 * keeps the message reference and owes an edit when the case changed
 * since the post was made: a newer alert, or any event after seen_event
 * (spool_case_last_event when it was rendered: an action that came while
 * the post was on its way). 1 when kept, 0 when the answer names no
 * message (logged), -1.
 */
int living_posted(struct spool *, const struct receiver *r, int64_t case_id, int64_t alert_rowid,
                  int64_t seen_event, const char *body, size_t len, int64_t now_ms);

/*
 * The request that edits message m on r into the case's newest alert as
 * the case is now. 0, or -1 with a reason (no alert, the kind cannot edit
 * that reference): the owed edit can never be made.
 */
int living_edit(struct spool *, struct cases *, const char *public_url, const struct receiver *r,
                const struct spool_case_message *m, int64_t now_ms, struct rcv_msg *out, char *err,
                size_t errlen);

/*
 * An action changed case_id (event kind: acknowledged, assigned, resolved,
 * reopened, not_complaint): records one update alert for the receivers of c
 * that carried the case and cannot edit. recv[0..*nrecv) gets the indexes
 * to kick once the pass is durable: those, and every living receiver that
 * has the case's message (their edit is owed). 0, or -1 (logged).
 */
int living_case_changed(struct spool *, const struct conf *c, int64_t case_id, const char *kind,
                        int64_t now_ms, size_t *recv, size_t maxrecv, size_t *nrecv);

#endif
