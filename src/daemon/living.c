#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/living.h"
#include "daemon/pass.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

/* The update alerts one action records: at most one per receiver of the conf. */
#define LIVING_MAX_UPDATE 64

struct msg_find {
	const char *receiver;
	int64_t id;
	char ref[RCV_REFLEN];
};

static void
msg_find_cb(void *arg, const struct spool_case_message *m)
{
	struct msg_find *f = arg;

	if (f->id == 0 && strcmp(m->receiver, f->receiver) == 0 && m->ref) {
		f->id = m->id;
		snprintf(f->ref, sizeof(f->ref), "%s", m->ref);
	}
}

int
living_plan(struct spool *sp, const struct receiver *r, const struct spool_delivery *sd,
            struct living_plan *plan)
{
	struct msg_find f = {.receiver = r->name};
	const struct rcv_kind *k = receiver_kind(r->type);
	int64_t before;

	memset(plan, 0, sizeof(*plan));
	plan->way = LIVING_SEND;
	if (sd->case_id <= 0 || !receiver_living(r))
		return 0;
	if (spool_case_messages(sp, sd->case_id, msg_find_cb, &f) < 0)
		goto fail;
	if (f.id > 0) {
		plan->way = k && k->threads ? LIVING_REPLY : LIVING_FOLD;
		plan->message_id = f.id;
		snprintf(plan->ref, sizeof(plan->ref), "%s", f.ref);
		return 0;
	}
	/* the first post is on its way: wait for its reference, then edit */
	if ((before = spool_case_pending_before(sp, sd->case_id, r->name, sd->id)) < 0)
		goto fail;
	plan->way = before > 0 ? LIVING_FOLD : LIVING_POST;
	return 0;
fail:
	log_warnx("spool: the message of case #%" PRId64 " on %s: %s", sd->case_id, r->name,
	          spool_error(sp));
	return -1;
}

int
living_owe(struct spool *sp, const struct living_plan *plan)
{
	if (plan->message_id <= 0 || (plan->way != LIVING_REPLY && plan->way != LIVING_FOLD))
		return 0;
	pass_join(sp);
	if (spool_case_message_touch(sp, plan->message_id) < 0) {
		log_warnx("spool: cannot mark message %" PRId64 " for an edit: %s",
		          plan->message_id, spool_error(sp));
		return -1;
	}
	return 0;
}

json_t *
living_alert(struct cases *cs, const char *public_url, const char *alert_json, int64_t case_id,
             int64_t now_ms)
{
	json_t *alert = json_loads(alert_json, 0, NULL), *inner, *kase;

	if (alert == NULL || cs == NULL || case_id <= 0)
		return alert;
	inner = json_object_get(alert, "alert");
	/* a case pruned meanwhile: the alert renders as it was made */
	if (json_is_object(inner) && (kase = cases_json(cs, case_id, public_url, now_ms)) != NULL)
		json_object_set_new(inner, "case", kase);
	return alert;
}

struct last_alert {
	int64_t rowid;
	char *json, *alert_id, *group_key, *team;
	int priority;
};

static void
last_alert_cb(void *arg, const struct spool_alert *a)
{
	struct last_alert *l = arg;

	l->rowid = a->rowid;
	l->json = xstrdup(a->json ? a->json : "");
	l->alert_id = xstrdup(a->alert_id ? a->alert_id : "");
	l->group_key = xstrdup(a->group_key ? a->group_key : "");
	l->team = a->team ? xstrdup(a->team) : NULL;
	l->priority = a->priority;
}

static void
last_alert_free(struct last_alert *l)
{
	free(l->json);
	free(l->alert_id);
	free(l->group_key);
	free(l->team);
}

int
living_posted(struct spool *sp, const struct receiver *r, int64_t case_id, int64_t alert_rowid,
              int64_t seen_event, const char *body, size_t len, int64_t now_ms)
{
	char ref[RCV_REFLEN];
	struct last_alert l = {0};
	int64_t mid, last;
	int rc = 1;

	if (receiver_post_ref(r, body, len, ref, sizeof(ref)) < 0) {
		log_warnx("receiver %s: the post of case #%" PRId64 " was answered without a "
		          "message id; later alerts of the case post anew",
		          r->name, case_id);
		return 0;
	}
	pass_join(sp);
	if ((mid = spool_case_message_add(sp, case_id, r->name, ref, now_ms)) < 0 ||
	    spool_case_last_alert(sp, case_id, last_alert_cb, &l) < 0 ||
	    (last = spool_case_last_event(sp, case_id)) < 0)
		rc = -1;
	/*
	 * Alerts folded, or an action taken, while the post was on its way (an
	 * action touched no message then): the message owes them an edit.
	 */
	else if ((l.rowid > alert_rowid || last > seen_event) &&
	         spool_case_message_touch(sp, mid) < 0)
		rc = -1;
	if (rc < 0)
		log_warnx("spool: the message of case #%" PRId64 " on %s: %s", case_id, r->name,
		          spool_error(sp));
	else
		log_debug("case #%" PRId64 " on %s: message %s", case_id, r->name, ref);
	last_alert_free(&l);
	return rc;
}

int
living_edit(struct spool *sp, struct cases *cs, const char *public_url, const struct receiver *r,
            const struct spool_case_message *m, int64_t now_ms, struct rcv_msg *out, char *err,
            size_t errlen)
{
	struct last_alert l = {0};
	json_t *alert;
	int n, rc;

	if ((n = spool_case_last_alert(sp, m->case_id, last_alert_cb, &l)) <= 0) {
		snprintf(err, errlen, "case #%" PRId64 " has no alert to show (%s)", m->case_id,
		         n < 0 ? spool_error(sp) : "pruned");
		return -1;
	}
	alert = living_alert(cs, public_url, l.json, m->case_id, now_ms);
	if (alert == NULL) {
		snprintf(err, errlen, "the stored alert %s is not valid JSON", l.alert_id);
		rc = -1;
	} else
		rc = receiver_render_edit(r, alert, m->ref, now_ms / 1000, out, err, errlen);
	json_decref(alert);
	last_alert_free(&l);
	return rc;
}

/* The state changes that every receiver carrying the case is told of. */
static int
living_told(const char *kind)
{
	static const char *const kinds[] = {"acknowledged", "assigned", "resolved", "reopened",
	                                    "not_complaint"};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return 1;
	return 0;
}

struct carriers {
	const struct conf *c;
	size_t *recv, max, n; /* to kick */
	const char *names[LIVING_MAX_UPDATE];
	int64_t expires[LIVING_MAX_UPDATE];
	size_t nnames; /* to record the update for */
	int64_t at;
};

static void
carriers_cb(void *arg, const char *name)
{
	struct carriers *k = arg;
	long i = conf_receiver_index(k->c, name);
	const struct receiver *r;

	if (i < 0)
		return; /* removed by a reload */
	r = &k->c->receivers[i];
	if (!receiver_living(r)) {
		if (k->nnames >= LIVING_MAX_UPDATE)
			return;
		k->names[k->nnames] = r->name;
		k->expires[k->nnames++] = k->at + r->max_age_ms;
	}
	if (k->n < k->max)
		k->recv[k->n++] = (size_t)i;
}

/* Records the case's newest alert again, as its update, for k->names. */
static int
living_record_update(struct spool *sp, int64_t case_id, const char *kind, struct carriers *k)
{
	struct last_alert l = {0};
	json_t *alert = NULL, *inner;
	char id[96], *json = NULL;
	int64_t rowid = -1;

	if (spool_case_last_alert(sp, case_id, last_alert_cb, &l) <= 0 ||
	    (alert = json_loads(l.json, 0, NULL)) == NULL ||
	    !json_is_object(inner = json_object_get(alert, "alert")))
		goto done;
	snprintf(id, sizeof(id), "u-%" PRId64 "-%llx", case_id, (unsigned long long)k->at);
	json_object_set_new(inner, "id", json_string(id));
	/* the state changed, no complaint came: nothing new to count */
	json_object_set_new(inner, "update", json_string(kind));
	json = json_dumps(alert, JSON_COMPACT);
	rowid = spool_add_alert(sp, id, l.group_key, l.priority, l.team, k->at, json, NULL, 0,
	                        k->names, k->expires, k->nnames, k->at);
	if (rowid > 0 && spool_case_tie_alert(sp, case_id, rowid, k->at, 0) < 0)
		rowid = -1;
done:
	free(json);
	json_decref(alert);
	last_alert_free(&l);
	return rowid > 0 ? 0 : -1;
}

int
living_case_changed(struct spool *sp, const struct conf *c, int64_t case_id, const char *kind,
                    int64_t now_ms, size_t *recv, size_t maxrecv, size_t *nrecv)
{
	struct carriers k = {.c = c, .recv = recv, .max = maxrecv, .at = now_ms};
	char labels[64];

	*nrecv = 0;
	pass_join(sp);
	if (spool_case_receivers(sp, case_id, carriers_cb, &k) < 0)
		goto fail;
	*nrecv = k.n;
	if (!living_told(kind) || k.nnames == 0)
		return 0;
	if (living_record_update(sp, case_id, kind, &k) < 0)
		goto fail;
	snprintf(labels, sizeof(labels), "kind=\"%s\"", kind);
	metrics_add("keluh_case_updates_total", labels, (double)k.nnames);
	log_info("case #%" PRId64 ": %s; a new message to %zu receiver(s) that cannot edit",
	         case_id, kind, k.nnames);
	return 0;
fail:
	metrics_add("keluh_spool_errors_total", NULL, 1);
	log_warnx("spool: cannot tell the receivers of case #%" PRId64 " it is %s: %s", case_id,
	          kind, spool_error(sp));
	return -1;
}
