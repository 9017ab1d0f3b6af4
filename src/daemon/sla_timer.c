/*
 * sla_timer.c: the SLA clocks of live cases (see sla_timer.h).
 *
 * The schedule is a binary min-heap of (due, case id). An entry is only a
 * hint that something about the case may change at `due`: the wake reads
 * the case back from the spool and decides from what it holds (state,
 * steps sent), so entries left behind by an acknowledgement or a reopen
 * cost one read and vanish. Each look at a case pushes one entry, its next
 * instant; a case pushed twice for the same instant is looked at once.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/sla.h"
#include "daemon/sla_timer.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

struct sla_entry {
	int64_t due, id;
};

struct sla_timer {
	struct event_base *base;
	struct event *ev;
	struct spool *spool;
	struct pass *pass;
	struct cases *cs;
	const struct conf *conf;
	sla_timer_alerted_fn alerted;
	void *arg;
	struct sla_entry *heap; /* min-heap by due */
	size_t n, cap;
	int64_t *overdue; /* ids of live cases past a deadline, sorted */
	size_t nover, capover;
	int overflow; /* entries were left out: plan everything again when there is room */
	int paused;   /* another daemon of the cluster leads: it runs the clocks */
};

/* ------------------------------------------------------------------ */
/* the schedule */

static void
heap_swap(struct sla_entry *h, size_t a, size_t b)
{
	struct sla_entry x = h[a];

	h[a] = h[b];
	h[b] = x;
}

static void
sla_timer_arm(struct sla_timer *t)
{
	int64_t wait;
	struct timeval tv;

	if (t->n == 0) {
		evtimer_del(t->ev);
		return;
	}
	wait = t->heap[0].due - util_now_ms();
	if (wait < 0)
		wait = 0;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	evtimer_add(t->ev, &tv);
}

static void
sla_push(struct sla_timer *t, int64_t due, int64_t id)
{
	size_t i;

	if (t->paused)
		return;
	if (t->n == SLA_TIMER_MAX_CASES) {
		metrics_bound_hit("sla_schedule",
		                  "live cases on the SLA clock: the schedule is full; "
		                  "the rest are planned when it has room again");
		t->overflow = 1;
		return;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->heap = xreallocarray(t->heap, t->cap, sizeof(*t->heap));
	}
	i = t->n++;
	t->heap[i] = (struct sla_entry){due, id};
	for (; i > 0 && t->heap[(i - 1) / 2].due > t->heap[i].due; i = (i - 1) / 2)
		heap_swap(t->heap, i, (i - 1) / 2);
	if (i == 0)
		sla_timer_arm(t);
}

static struct sla_entry
sla_pop(struct sla_timer *t)
{
	struct sla_entry top = t->heap[0];
	size_t i = 0;

	t->heap[0] = t->heap[--t->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < t->n && t->heap[l].due < t->heap[m].due)
			m = l;
		if (r < t->n && t->heap[r].due < t->heap[m].due)
			m = r;
		if (m == i)
			break;
		heap_swap(t->heap, i, m);
		i = m;
	}
	return top;
}

/* Where id is, or goes, in the sorted overdue ids. */
static size_t
overdue_find(const struct sla_timer *t, int64_t id)
{
	size_t lo = 0, hi = t->nover;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->overdue[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
overdue_set(struct sla_timer *t, int64_t id, int on)
{
	size_t i = overdue_find(t, id);
	int there = i < t->nover && t->overdue[i] == id;

	if (on == there)
		return;
	if (!on) {
		memmove(t->overdue + i, t->overdue + i + 1, (t->nover - i - 1) * sizeof(int64_t));
		t->nover--;
	} else if (t->nover < SLA_TIMER_MAX_CASES) {
		if (t->nover == t->capover) {
			t->capover = t->capover ? t->capover * 2 : 64;
			t->overdue = xreallocarray(t->overdue, t->capover, sizeof(int64_t));
		}
		memmove(t->overdue + i + 1, t->overdue + i, (t->nover - i) * sizeof(int64_t));
		t->overdue[i] = id;
		t->nover++;
	}
	sla_metrics_overdue(t->nover);
}

static void
plan_one(void *arg, const struct spool_case *c)
{
	sla_push(arg, 0, c->id);
}

/* Every live case is looked at again, soon (on the next wakes, a bounded number each). */
static void
sla_plan_all(struct sla_timer *t)
{
	t->n = 0;
	t->nover = 0;
	t->overflow = 0;
	sla_metrics_overdue(0);
	if (t->paused) {
		evtimer_del(t->ev);
		return;
	}
	if (spool_case_list(t->spool, 0, NULL, SLA_TIMER_MAX_CASES, plan_one, t) < 0) {
		log_warnx("spool: cannot read the live cases for their SLA clocks: %s",
		          spool_error(t->spool));
		metrics_add("keluh_spool_errors_total", NULL, 1);
		t->overflow = 1;
	}
	sla_timer_arm(t);
}

/* ------------------------------------------------------------------ */
/* escalation */

static void
keep_json(void *arg, const struct spool_alert *a)
{
	char **json = arg;

	free(*json);
	*json = xstrdup(a->json);
}

/* The case's latest alert, marked as this escalation step; NULL when it has none. */
static char *
escalation_json(struct sla_timer *t, const struct spool_case *c, const char *id, unsigned step,
                unsigned at_most, int64_t due)
{
	char *last = NULL, *out = NULL, when[40];
	json_t *body, *alert;

	if (spool_case_alerts(t->spool, c->id, keep_json, &last) < 0 || last == NULL ||
	    (body = json_loads(last, 0, NULL)) == NULL) {
		free(last);
		return NULL;
	}
	free(last);
	alert = json_object_get(body, "alert");
	if (json_is_object(alert)) {
		util_iso8601(due, when, sizeof(when));
		json_object_set_new(alert, "id", json_string(id));
		json_object_set_new(alert, "escalation",
		                    json_pack("{s:I,s:i,s:i,s:s,s:b}", "case", (json_int_t)c->id,
		                              "step", (int)step + 1, "at_most", (int)at_most,
		                              "due_at", when, "overdue", 1));
		out = json_dumps(body, JSON_COMPACT);
	}
	json_decref(body);
	return out;
}

/* Records the escalation alert for the escalation's receivers: how many took it, or -1. */
static long
escalation_record(struct sla_timer *t, const struct spool_case *c,
                  const struct conf_escalation *esc, unsigned step, int64_t due, int64_t now,
                  char *id, size_t idlen, json_t *to, size_t *recv)
{
	const char **names = xcalloc(esc->nreceivers + 1, sizeof(char *));
	int64_t *expires = xcalloc(esc->nreceivers + 1, sizeof(int64_t)), rowid = 0;
	char group[300], *json;
	size_t k = 0;

	snprintf(id, idlen, "esc-%" PRId64 "-%d-%u", c->id, c->reopened, step + 1);
	for (size_t i = 0; i < esc->nreceivers; i++) {
		const struct receiver *r = &t->conf->receivers[esc->receivers[i]];

		names[k] = r->name;
		recv[k] = esc->receivers[i];
		expires[k++] = now + r->max_age_ms;
		json_array_append_new(to, json_string(r->name));
	}
	json = escalation_json(t, c, id, step, esc->at_most, due);
	snprintf(group, sizeof(group), "escalation:%s", c->group_key);
	if (json == NULL)
		log_warnx("case #%" PRId64 ": no alert to escalate; the step is recorded only",
		          c->id);
	else
		rowid = spool_add_alert(t->spool, id, group, c->priority, c->team, now, json, NULL,
		                        0, names, expires, k, now);
	free(json);
	free(names);
	free(expires);
	return rowid < 0 ? -1 : (long)(json ? k : 0);
}

/* Sends step e->step of c: 0, or -1 when the spool failed (tried again later). */
static int
sla_escalate(struct sla_timer *t, const struct spool_case *c, const struct sla_escalation *e,
             int64_t now)
{
	struct sla_policy pol;
	size_t *recv;
	json_t *to = json_array();
	char id[96];
	long k;

	sla_policy(t->conf, c->team, (enum prio)c->priority, &pol);
	if (pol.esc == NULL) {
		json_decref(to);
		return 0;
	}
	recv = xcalloc(pol.esc->nreceivers + 1, sizeof(size_t));
	pass_join(t->spool);
	k = escalation_record(t, c, pol.esc, e->step, e->due_ms, now, id, sizeof(id), to, recv);
	if (k < 0 || cases_escalated(t->cs, c->id, (int)e->step + 1, now,
	                             json_pack("{s:i,s:s,s:o}", "step", (int)e->step + 1, "alert",
	                                       id, "to", to)) < 0) {
		if (k < 0)
			json_decref(to);
		metrics_add("keluh_spool_errors_total", NULL, 1);
		log_warnx("spool: cannot record escalation %u of case #%" PRId64 ": %s",
		          e->step + 1, c->id, spool_error(t->spool));
		free(recv);
		return -1;
	}
	sla_metrics_escalated(c->team, (enum prio)c->priority);
	log_info("case #%" PRId64 " not acknowledged in time: escalation %u of %u (%s) to %ld "
	         "receiver(s)",
	         c->id, e->step + 1, pol.esc->at_most, id, k);
	if (k > 0 && t->alerted)
		t->alerted(t->arg, recv, (size_t)k);
	free(recv);
	return 0;
}

/* ------------------------------------------------------------------ */
/* a look at one case */

static int
case_live(const struct spool_case *c)
{
	return strcmp(c->state, "open") == 0 || strcmp(c->state, "acknowledged") == 0;
}

/* When the case's current round began: opened, or last reopened. */
static int64_t
case_since(struct sla_timer *t, const struct spool_case *c)
{
	int64_t since;

	if (c->reopened > 0 && spool_case_since(t->spool, c->id, &since) > 0 && since > 0)
		return since;
	return c->opened_ms;
}

static void
min_future(int64_t *next, int64_t v, int64_t now)
{
	if (v > now && v < *next)
		*next = v;
}

/* Escalates when a step is due; the next step's instant, or INT64_MAX. */
static int64_t
case_escalation(struct sla_timer *t, const struct spool_case *c, int64_t since, int64_t now)
{
	struct sla_escalation e;
	enum prio p = (enum prio)c->priority;
	int r = sla_escalation_step(t->conf, c->team, p, since, 0, now,
	                            c->overdue > 0 ? (unsigned)c->overdue : 0, &e);

	if (r == 1) {
		if (sla_escalate(t, c, &e, now) < 0)
			return now + 1000;
		r = sla_escalation_step(t->conf, c->team, p, since, 0, now, e.step + 1, &e);
	}
	return r == 0 ? e.due_ms : INT64_MAX;
}

static void
sla_look(struct sla_timer *t, int64_t id, int64_t now)
{
	struct spool_case c;
	int64_t since, next = INT64_MAX;
	int acked, r = spool_case_get(t->spool, id, &c);
	enum prio p;

	if (r < 0) {
		sla_push(t, now + 1000, id);
		return;
	}
	if (r == 0 || !case_live(&c)) {
		overdue_set(t, id, 0);
		if (r > 0)
			spool_case_free(&c);
		return;
	}
	p = (enum prio)c.priority;
	since = case_since(t, &c);
	acked = strcmp(c.state, "acknowledged") == 0;
	overdue_set(t, id,
	            sla_overdue(t->conf, c.team, p, since, acked ? c.acked_ms : -1, -1, now));
	if (!acked) {
		next = case_escalation(t, &c, since, now);
		min_future(&next, sla_ack_deadline(t->conf, c.team, p, since), now);
	}
	min_future(&next, sla_resolve_deadline(t->conf, c.team, p, since), now);
	if (next != INT64_MAX)
		sla_push(t, next, id);
	spool_case_free(&c);
}

static void
sla_wake(evutil_socket_t fd, short what, void *arg)
{
	struct sla_timer *t = arg;
	int64_t seen[SLA_TIMER_PER_WAKE], now = util_now_ms();
	size_t nseen = 0;

	(void)fd;
	(void)what;
	if (pass_broken(t->pass)) {
		struct timeval second = {1, 0};

		evtimer_add(t->ev, &second);
		return;
	}
	while (t->n > 0 && t->heap[0].due <= now) {
		struct sla_entry e;
		size_t i;

		if (nseen == SLA_TIMER_PER_WAKE) {
			metrics_bound_hit("sla_wake", "cases due at one SLA wake: the rest are "
			                              "looked at on the next one, at once");
			break;
		}
		e = sla_pop(t);
		for (i = 0; i < nseen && seen[i] != e.id; i++)
			;
		if (i < nseen)
			continue;
		seen[nseen++] = e.id;
		sla_look(t, e.id, now);
	}
	if (t->overflow && t->n < SLA_TIMER_MAX_CASES / 2)
		sla_plan_all(t);
	else
		sla_timer_arm(t);
}

/* ------------------------------------------------------------------ */
/* response times */

static void
sla_observe(struct sla_timer *t, const struct spool_case *c, enum sla_target target, int64_t done)
{
	enum prio p = (enum prio)c->priority;
	int64_t since = case_since(t, c), took = sla_elapsed(t->conf, c->team, p, since, done);

	if (took >= 0)
		sla_metrics_observe(c->team, p, target, (double)took / 1000.0);
	if (sla_breached(t->conf, c->team, p, target, since, done, done))
		sla_metrics_breach(c->team, p, target);
}

static void
sla_watch(void *arg, const struct spool_case *c, const char *kind, int64_t at)
{
	struct sla_timer *t = arg;

	if (strcmp(kind, "acknowledged") == 0)
		sla_observe(t, c, SLA_ACK, c->acked_ms > 0 ? c->acked_ms : at);
	else if (strcmp(kind, "resolved") == 0)
		sla_observe(t, c, SLA_RESOLVE, c->resolved_ms > 0 ? c->resolved_ms : at);
	else if (strcmp(kind, "assigned") == 0)
		return;
	/* its deadlines and the overdue gauge: looked at on the next wake */
	sla_push(t, 0, c->id);
}

/* The kind of the source that saw the reply ("mastodon"), else its name. */
static const char *
source_kind(const struct conf *conf, const char *source)
{
	for (size_t i = 0; i < conf->nsources; i++)
		if (strcmp(conf->sources[i].name, source) == 0)
			return conf->sources[i].kind->name;
	return source;
}

int
sla_timer_reply(void *arg, const struct reply_record *r)
{
	struct sla_timer *t = arg;
	struct cases_actor by = {source_kind(t->conf, r->source), r->brand, r->brand};
	struct spool_case c;
	int64_t id = r->complaint ? spool_case_of_mention(t->spool, r->complaint->rowid) : 0;
	int rc;

	if (id < 0)
		return -1;
	if (id == 0) {
		char labels[200], src[160];

		metrics_label_value(src, sizeof(src), r->source);
		snprintf(labels, sizeof(labels), "source=\"%s\"", src);
		metrics_add("keluh_public_replies_uncased_total", labels, 1);
		log_info(
		    "source %s: public reply to %s came before its alert; not counted on a case",
		    r->source, r->mention_id);
		return 0;
	}
	rc = cases_first_reply(t->cs, id, r->at_ms, &by,
	                       json_pack("{s:s,s:s,s:s}", "source", r->source, "reply",
	                                 r->reply_id ? r->reply_id : "", "mention", r->mention_id));
	if (rc <= 0)
		return rc;
	if (spool_case_get(t->spool, id, &c) > 0) {
		sla_observe(t, &c, SLA_FIRST_REPLY, c.first_reply_ms);
		spool_case_free(&c);
	}
	return 0;
}

/* ------------------------------------------------------------------ */

struct sla_timer *
sla_timer_new(struct event_base *base, struct spool *sp, struct pass *pass, struct cases *cs,
              const struct conf *c, sla_timer_alerted_fn alerted, void *arg)
{
	struct sla_timer *t = xcalloc(1, sizeof(*t));

	t->base = base;
	t->spool = sp;
	t->pass = pass;
	t->cs = cs;
	t->conf = c;
	t->alerted = alerted;
	t->arg = arg;
	t->ev = evtimer_new(base, sla_wake, t);
	cases_set_watch(cs, sla_watch, t);
	sla_plan_all(t);
	return t;
}

void
sla_timer_free(struct sla_timer *t)
{
	if (t == NULL)
		return;
	cases_set_watch(t->cs, NULL, NULL);
	event_free(t->ev);
	free(t->heap);
	free(t->overdue);
	free(t);
}

void
sla_timer_set_conf(struct sla_timer *t, const struct conf *c)
{
	t->conf = c;
	sla_plan_all(t);
}

void
sla_timer_lead(struct sla_timer *t, int on)
{
	t->paused = !on;
	sla_plan_all(t);
}

void
sla_timer_case(struct sla_timer *t, int64_t id)
{
	sla_push(t, 0, id);
}
