#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/digest.h"
#include "daemon/pass.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/report.h"
#include "lib/util.h"
#include "store/spool.h"

/* A slice of the span starts at an hour and adapts so that it reads about this many cases. */
#define DIGEST_SLICE_MS     (3600 * 1000LL)
#define DIGEST_SLICE_MIN_MS (60 * 1000LL)
#define DIGEST_SLICE_ROWS   2000
/* Far enough back to find the latest due time of a weekly schedule, DST included. */
#define DIGEST_LOOKBACK_MS (8 * 86400 * 1000LL)

static void
digest_add(void *arg, const struct spool_case_span *s)
{
	struct sla_report_case c = {
	    .team = s->team,
	    .prio = (enum prio)s->priority,
	    .topic = s->topic,
	    .opened_ms = s->opened_ms,
	    .acked_ms = s->acked_ms,
	    .first_reply_ms = s->first_reply_ms,
	    .resolved_ms = s->resolved_ms,
	};

	if (c.prio <= PRIO_NONE || c.prio >= PRIO__N)
		c.prio = PRIO_LOW; /* never written so; a hand-edited row still counts */
	sla_report_add(arg, &c);
}

struct sla_report *
digest_report(struct spool *sp, const struct conf *c, int64_t since_ms, int64_t until_ms,
              const char *team)
{
	struct sla_report *r = sla_report_new(c, since_ms, until_ms, team);

	if (spool_case_span(sp, since_ms, until_ms, team, digest_add, r) < 0) {
		sla_report_free(r);
		return NULL;
	}
	return r;
}

char *
digest_alert_json(const char *alert_id, const char *group, const char *team, int64_t since_ms,
                  int64_t until_ms, const char *text, const char *json)
{
	char since[32], until[32], title[200], mid[200];
	json_t *report = json_loads(json, 0, NULL), *mention, *alert, *body;
	char *out;

	util_iso8601(since_ms, since, sizeof(since));
	util_iso8601(until_ms, until, sizeof(until));
	/* the headline every chat format shows first */
	snprintf(title, sizeof(title), "Response times%s%s, %s to %s", team ? " of team " : "",
	         team ? team : "", since, until);
	snprintf(mid, sizeof(mid), "report:%s:%lld", alert_id, (long long)until_ms);
	mention = json_pack("{s:s,s:s,s:s,s:s,s:{s:s,s:s},s:i,s:s,s:[s],s:[]}", "id", mid, "source",
	                    "keluhd", "text", text, "created_at", until, "author", "handle",
	                    "keluhd", "name", "response-time report", "score", 0, "priority", "low",
	                    "rules", "keluh.report", "matches");
	alert =
	    json_pack("{s:s,s:s,s:s,s:s?,s:b,s:[s],s:[{s:s,s:s,s:i}],s:[s],s:i,s:i,s:i,"
	              "s:s,s:s,s:[],s:[o],s:o}",
	              "id", alert_id, "group", group, "priority", "low", "team", team, "incident",
	              0, "rules", "keluh.report", "rule_info", "id", "keluh.report", "description",
	              title, "score", 0, "tags", "keluh.report", "count", 1, "total", 1,
	              "suppressed", 0, "first_at", since, "last_at", until, "top_authors",
	              "mentions", mention, "report", report ? report : json_object());
	body = json_pack("{s:s,s:i,s:o}", "type", "keluh.alert", "version", 2, "alert", alert);
	out = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return out;
}

/* One report in the making. */
struct digest_build {
	struct sla_report *r;
	int64_t since_ms, until_ms, at_ms, step_ms;
	int64_t due_ms; /* the due time the cursor records once sent; 0: sent by hand */
	int active;
};

struct digest {
	struct digests *ds;
	size_t index; /* 1-based */
	const struct conf_report *rep;
	char *key; /* its cursor, and its alerts' group */
	int64_t next_due_ms;
	struct event *timer, *slice;
	struct digest_build b;
};

struct digests {
	struct event_base *base;
	struct spool *spool;
	const struct conf *c;
	void (*alerted)(void *arg, const size_t *receivers, size_t n);
	void *arg;
	struct digest *d;
	size_t n;
	int paused; /* another daemon of the cluster leads: it sends them */
};

static char *
digest_key(const struct conf *c, const struct conf_report *rep)
{
	char every[16];
	struct buf b;

	report_sched_format(&rep->every, every, sizeof(every));
	buf_init(&b);
	buf_printf(&b, "report:%s|", every);
	for (size_t i = 0; i < rep->nreceivers; i++)
		buf_printf(&b, "%s%s", i ? "," : "", c->receivers[rep->receivers[i]].name);
	buf_printf(&b, "|%lld|%s", (long long)rep->since_ms, rep->team ? rep->team : "");
	return b.data;
}

static void
digest_build_drop(struct digest *d)
{
	if (d->slice)
		event_del(d->slice);
	sla_report_free(d->b.r);
	memset(&d->b, 0, sizeof(d->b));
}

static void
digest_result(const char *result)
{
	char labels[64];

	snprintf(labels, sizeof(labels), "result=\"%s\"", result);
	metrics_add("keluh_digests_total", labels, 1);
}

/* Records the digest as an alert to its receivers, and (scheduled) its cursor, in one batch. */
static int
digest_record(struct digest *d, const char *text, const char *json)
{
	static unsigned seq;
	struct digests *ds = d->ds;
	const struct conf_report *rep = d->rep;
	const char **names = xcalloc(rep->nreceivers + 1, sizeof(char *));
	int64_t *expires = xcalloc(rep->nreceivers + 1, sizeof(int64_t)), at = util_now_ms(), rowid;
	size_t *recv = xcalloc(rep->nreceivers + 1, sizeof(size_t));
	char id[64], due[32], *alert;
	int ok;

	for (size_t i = 0; i < rep->nreceivers; i++) {
		recv[i] = rep->receivers[i];
		names[i] = ds->c->receivers[recv[i]].name;
		expires[i] = at + ds->c->receivers[recv[i]].max_age_ms;
	}
	snprintf(id, sizeof(id), "r-%llx-%u", (unsigned long long)at, ++seq);
	alert = digest_alert_json(id, d->key, rep->team, d->b.since_ms, d->b.until_ms, text, json);
	pass_join(ds->spool);
	rowid = spool_add_alert(ds->spool, id, d->key, PRIO_LOW, rep->team, at, alert, NULL, 0,
	                        names, expires, rep->nreceivers, at);
	ok = rowid > 0;
	if (ok && d->b.due_ms > 0) {
		snprintf(due, sizeof(due), "%lld", (long long)d->b.due_ms);
		ok = spool_cursor_set(ds->spool, d->key, due) == 0;
	}
	if (ok) {
		log_info("digest %zu (keluhd.yaml line %u): alert %s recorded for %zu receiver(s)",
		         d->index, rep->line, id, rep->nreceivers);
		ds->alerted(ds->arg, recv, rep->nreceivers);
	} else {
		metrics_add("keluh_spool_errors_total", NULL, 1);
		log_warnx("spool: cannot record digest %zu (keluhd.yaml line %u): %s", d->index,
		          rep->line, spool_error(ds->spool));
	}
	free(alert);
	free(names);
	free(expires);
	free(recv);
	return ok ? 0 : -1;
}

static void
digest_finish(struct digest *d)
{
	struct buf text, json;

	buf_init(&text);
	buf_init(&json);
	sla_report_text(d->b.r, &text);
	sla_report_json(d->b.r, &json);
	digest_result(digest_record(d, text.data ? text.data : "", json.data ? json.data : "{}") ==
	                      0
	                  ? "sent"
	                  : "failed");
	buf_free(&text);
	buf_free(&json);
	digest_build_drop(d);
}

/* One slice of the span; the next one waits for the loop's other events. */
static void
digest_slice_cb(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval now = {0, 0};
	struct digest *d = arg;
	struct digest_build *b = &d->b;
	int64_t end = b->until_ms - b->at_ms > b->step_ms ? b->at_ms + b->step_ms : b->until_ms;
	int64_t n = spool_case_span(d->ds->spool, b->at_ms, end, d->rep->team, digest_add, b->r);

	if (n < 0) {
		log_warnx("digest %zu (keluhd.yaml line %u): cannot read the cases: %s; %s",
		          d->index, d->rep->line, spool_error(d->ds->spool),
		          b->due_ms ? "it is sent at the next start or reload" : "not sent");
		digest_result("failed");
		digest_build_drop(d);
		return;
	}
	if (n > DIGEST_SLICE_ROWS && b->step_ms / 2 >= DIGEST_SLICE_MIN_MS)
		b->step_ms /= 2;
	else if (n < DIGEST_SLICE_ROWS / 4 && b->step_ms < INT64_MAX / 4)
		b->step_ms *= 2;
	b->at_ms = end;
	if (b->at_ms < b->until_ms)
		evtimer_add(d->slice, &now);
	else
		digest_finish(d);
}

/* Starts the report of the span ending at until_ms; due_ms as in struct digest_build. */
static void
digest_start(struct digest *d, int64_t until_ms, int64_t due_ms)
{
	struct digest_build *b = &d->b;

	b->active = 1;
	b->until_ms = until_ms;
	b->since_ms = until_ms - d->rep->since_ms;
	b->at_ms = b->since_ms;
	b->step_ms = DIGEST_SLICE_MS;
	b->due_ms = due_ms;
	b->r = sla_report_new(d->ds->c, b->since_ms, b->until_ms, d->rep->team);
	digest_slice_cb(-1, 0, d);
}

/* The latest due time at or before now_ms, or -1. */
static int64_t
digest_prev_due(const struct conf *c, const struct conf_report *rep, int64_t now_ms)
{
	int64_t t = report_sched_next(&rep->every, c->sla.report_tz, now_ms - DIGEST_LOOKBACK_MS);
	int64_t x;

	if (t > now_ms)
		return -1;
	while ((x = report_sched_next(&rep->every, c->sla.report_tz, t)) <= now_ms && x > t)
		t = x;
	return t;
}

static void
digest_timer_arm(struct digest *d, int64_t after_ms)
{
	int64_t now = util_now_ms(), wait;
	struct timeval tv;
	char when[32];

	d->next_due_ms = report_sched_next(&d->rep->every, d->ds->c->sla.report_tz, after_ms);
	wait = d->next_due_ms > now ? d->next_due_ms - now : 0;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	evtimer_add(d->timer, &tv);
	util_iso8601(d->next_due_ms, when, sizeof(when));
	log_info("digest %zu (keluhd.yaml line %u): next at %s", d->index, d->rep->line, when);
}

static void
digest_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct digest *d = arg;
	int64_t due = d->next_due_ms;

	if (d->b.active)
		log_warnx("digest %zu (keluhd.yaml line %u): still making the last one; this one "
		          "is skipped",
		          d->index, d->rep->line);
	else
		digest_start(d, due, due);
	digest_timer_arm(d, due);
}

/*
 * At start or reload: a digest whose latest due time is later than the
 * one it was last sent for goes out now; one never seen starts there.
 */
static void
digest_arm(struct digest *d)
{
	struct digests *ds = d->ds;
	int64_t now = util_now_ms(), prev = digest_prev_due(ds->c, d->rep, now), sent;
	char *cur = spool_cursor_get(ds->spool, d->key), *end, val[32];

	if (prev > 0 && cur == NULL) {
		snprintf(val, sizeof(val), "%lld", (long long)prev);
		pass_join(ds->spool);
		if (spool_cursor_set(ds->spool, d->key, val) < 0)
			log_warnx("spool: cannot keep when digest %zu was due: %s", d->index,
			          spool_error(ds->spool));
	} else if (prev > 0) {
		errno = 0;
		sent = strtoll(cur, &end, 10);
		if (errno || *end || end == cur || sent < prev) {
			util_iso8601(prev, val, sizeof(val));
			log_info(
			    "digest %zu (keluhd.yaml line %u): the one due at %s was not sent; "
			    "sending it now",
			    d->index, d->rep->line, val);
			digest_start(d, now, prev);
		}
	}
	free(cur);
	digest_timer_arm(d, now);
}

static void
digests_load(struct digests *ds, const struct conf *c)
{
	ds->c = c;
	ds->n = c->sla.nreports;
	ds->d = xcalloc(ds->n + 1, sizeof(*ds->d));
	for (size_t i = 0; i < ds->n; i++) {
		struct digest *d = &ds->d[i];

		d->ds = ds;
		d->index = i + 1;
		d->rep = &c->sla.reports[i];
		d->key = digest_key(c, d->rep);
		d->timer = evtimer_new(ds->base, digest_timer_cb, d);
		d->slice = evtimer_new(ds->base, digest_slice_cb, d);
	}
	for (size_t i = 0; i < ds->n && !ds->paused; i++)
		digest_arm(&ds->d[i]);
}

static void
digests_unload(struct digests *ds)
{
	for (size_t i = 0; i < ds->n; i++) {
		struct digest *d = &ds->d[i];

		if (d->b.active)
			log_info(
			    "digest %zu (keluhd.yaml line %u): the one in the making is dropped",
			    d->index, d->rep->line);
		digest_build_drop(d);
		event_free(d->timer);
		event_free(d->slice);
		free(d->key);
	}
	free(ds->d);
	ds->d = NULL;
	ds->n = 0;
}

struct digests *
digests_new(struct event_base *base, struct spool *sp, const struct conf *c,
            void (*alerted)(void *arg, const size_t *receivers, size_t n), void *arg)
{
	struct digests *ds = xcalloc(1, sizeof(*ds));

	ds->base = base;
	ds->spool = sp;
	ds->alerted = alerted;
	ds->arg = arg;
	digests_load(ds, c);
	return ds;
}

void
digests_set_conf(struct digests *ds, const struct conf *c)
{
	digests_unload(ds);
	digests_load(ds, c);
}

void
digests_lead(struct digests *ds, int on)
{
	ds->paused = !on;
	digests_set_conf(ds, ds->c);
}

int
digests_send(struct digests *ds, size_t n, char *err, size_t errlen)
{
	struct digest *d;

	if (n == 0 || n > ds->n) {
		snprintf(err, errlen, "no report %zu: keluhd.yaml has %zu under reports:", n,
		         ds->n);
		return 404;
	}
	d = &ds->d[n - 1];
	if (d->b.active) {
		snprintf(err, errlen, "report %zu is being made; try again in a moment", n);
		return 409;
	}
	log_info("digest %zu (keluhd.yaml line %u): sent now, as asked", n, d->rep->line);
	digest_start(d, util_now_ms(), 0);
	return 0;
}

void
digests_free(struct digests *ds)
{
	if (ds == NULL)
		return;
	digests_unload(ds);
	free(ds);
}
