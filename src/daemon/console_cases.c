/*
 * console_cases.c: the "Now", "Response times" and "Deliveries" pages'
 * API (see console.h): cases with their SLA clocks, the actions on them,
 * the response-time report with its breaches and days, and the outbox.
 * The JSON of a case is the admin API's (case_json.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "conf/conf_parse.h"
#include "daemon/case_json.h"
#include "daemon/cases.h"
#include "daemon/console.h"
#include "daemon/labels.h"
#include "daemon/pass.h"
#include "daemon/sla.h"
#include "daemon/sla_report.h"
#include "lib/metrics.h"
#include "lib/util.h"

#define CC_LIMIT    100               /* cases or deliveries listed by default */
#define CC_MAX      1000              /* and at most */
#define CC_BREACHES 100               /* breaches listed, newest */
#define CC_DAYS_MAX 90                /* of /v1/response-times */
#define CC_FOR_MAX  (30 * 86400000LL) /* mute_author and silence at most */
#define DAY_MS      86400000LL

/* Takes o. */
static void
cc_reply(struct httpd_req *req, int status, json_t *o)
{
	case_json_reply(req, status, NULL, o);
}

static void
cc_method(struct httpd_req *req, const char *allow)
{
	char hdr[64], body[96];
	int n;

	snprintf(hdr, sizeof(hdr), "Allow: %s\r\n", allow);
	n = snprintf(body, sizeof(body), "{\"error\":\"this path takes %s\"}\n", allow);
	httpd_reply(req, 405, "application/json", hdr, body, (size_t)n);
}

static int
cc_is(struct httpd_req *req, const char *method)
{
	return strcmp(httpd_method(req), method) == 0;
}

/* limit=N of the query: 1..CC_MAX, default CC_LIMIT; -1 after a 400. */
static long
cc_limit(struct httpd_req *req)
{
	char v[24], *end;
	int h = case_json_query(httpd_query(req), "limit", v, sizeof(v));
	long n;

	if (h == 0)
		return CC_LIMIT;
	errno = 0;
	n = h > 0 ? strtol(v, &end, 10) : -1;
	if (h < 0 || errno || *end || n < 1 || n > CC_MAX) {
		httpd_reply_error(req, 400, "limit is a number from 1 to 1000", NULL);
		return -1;
	}
	return n;
}

/* --- cases ---------------------------------------------------------------------- */

/* The rule of a group key (rule=ID|...), or NULL; *len its length. */
static const char *
cc_key_rule(const char *group_key, size_t *len)
{
	const char *r = strstr(group_key, "rule=");

	if (r == NULL || (r != group_key && r[-1] != '|') || r[5] == '\0' || r[5] == '|')
		return NULL;
	*len = strcspn(r + 5, "|");
	return r + 5;
}

static void
cc_first_rule_cb(void *arg, const struct spool_alert *al)
{
	json_t **title = arg, *j, *r;

	if (*title || al->json == NULL || (j = json_loads(al->json, 0, NULL)) == NULL)
		return;
	r = json_array_get(json_object_get(json_object_get(j, "alert"), "rules"), 0);
	if (json_is_string(r))
		*title = json_incref(r);
	json_decref(j);
}

/*
 * What the page shows as the case's name: the rule of its group, else the
 * first rule of its first alert (one indexed read), else its group.
 */
static json_t *
cc_title(struct spool *sp, const struct spool_case *c)
{
	const char *r;
	json_t *t = NULL;
	size_t n;

	if ((r = cc_key_rule(c->group_key, &n)) != NULL)
		return json_stringn(r, n);
	if (sp)
		spool_case_alerts(sp, c->id, cc_first_rule_cb, &t);
	return t ? t : json_string(c->group_key);
}

/* The clock that runs now: ack while open, resolve once acknowledged; its target and due time. */
static json_t *
cc_sla(const struct conf *conf, const struct spool_case *c, int64_t now)
{
	struct sla_policy pol;
	enum sla_target t;
	int64_t due;

	sla_policy(conf, c->team, (enum prio)c->priority, &pol);
	if (strcmp(c->state, "open") == 0 && pol.target_ms[SLA_ACK] > 0)
		t = SLA_ACK;
	else if ((strcmp(c->state, "open") == 0 || strcmp(c->state, "acknowledged") == 0) &&
	         pol.target_ms[SLA_RESOLVE] > 0)
		t = SLA_RESOLVE;
	else
		return json_pack("{s:n,s:n,s:n,s:b}", "clock", "target_s", "due_at", "overdue", 0);
	due = sla_deadline(conf, c->team, (enum prio)c->priority, t, c->opened_ms);
	return json_pack("{s:s,s:I,s:o,s:b}", "clock", conf_sla_target_name(t), "target_s",
	                 (json_int_t)(pol.target_ms[t] / 1000), "due_at", case_json_time(due),
	                 "overdue", due > 0 && now > due);
}

/* sp NULL: the title without reading the spool (cc_titles reads it later). */
static json_t *
cc_case(const struct conf *conf, struct spool *sp, const struct spool_case *c, int64_t now)
{
	json_t *o = case_json_row(c);

	json_object_set_new(o, "title", cc_title(sp, c));
	json_object_set_new(o, "age_s", json_integer((now - c->opened_ms) / 1000));
	json_object_set_new(o, "sla", cc_sla(conf, c, now));
	return o;
}

struct cc_row {
	int64_t id;
	int keyed; /* its title came from the group key */
	int priority;
	int64_t opened_ms;
	json_t *o;
};

struct cc_list {
	const struct conf *conf;
	int64_t now;
	struct cc_row *rows;
	size_t n;
};

static void
cc_list_cb(void *arg, const struct spool_case *c)
{
	struct cc_list *l = arg;

	l->rows[l->n].priority = c->priority;
	l->rows[l->n].opened_ms = c->opened_ms;
	l->rows[l->n].id = c->id;
	l->rows[l->n].keyed = strstr(c->group_key, "rule=") != NULL;
	l->rows[l->n++].o = cc_case(l->conf, NULL, c, l->now);
}

/* Critical first, then the oldest. */
static int
cc_row_cmp(const void *a, const void *b)
{
	const struct cc_row *x = a, *y = b;

	if (x->priority != y->priority)
		return y->priority - x->priority;
	return x->opened_ms < y->opened_ms ? -1 : x->opened_ms > y->opened_ms;
}

/* The titles the list's read could not give (spool_case_list's callback must not read). */
static void
cc_titles(struct spool *sp, struct cc_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		json_t *t = NULL;

		if (l->rows[i].keyed)
			continue;
		spool_case_alerts(sp, l->rows[i].id, cc_first_rule_cb, &t);
		if (t)
			json_object_set_new(l->rows[i].o, "title", t);
	}
}

static void
cc_cases_list(struct console *c, struct httpd_req *req)
{
	const struct console_env *env = console_env(c);
	char state[16] = "open", team[128];
	int hs = case_json_query(httpd_query(req), "state", state, sizeof(state));
	int ht = case_json_query(httpd_query(req), "team", team, sizeof(team));
	long limit = cc_limit(req);
	struct cc_list l = {env->conf, util_now_ms(), NULL, 0};
	json_t *arr;

	if (limit < 0)
		return;
	if (hs < 0 || (strcmp(state, "open") != 0 && strcmp(state, "all") != 0)) {
		httpd_reply_error(req, 400, "state is open (open and acknowledged cases) or all",
		                  NULL);
		return;
	}
	if (ht < 0) {
		httpd_reply_error(req, 400, "team is at most 127 bytes, percent-encoded", NULL);
		return;
	}
	l.rows = xcalloc((size_t)limit, sizeof(*l.rows));
	if (spool_case_list(env->spool, strcmp(state, "all") == 0, ht > 0 ? team : NULL,
	                    (size_t)limit, cc_list_cb, &l) < 0) {
		for (size_t i = 0; i < l.n; i++)
			json_decref(l.rows[i].o);
		free(l.rows);
		httpd_reply_error(req, 503, "the spool could not be read; see the log", NULL);
		return;
	}
	qsort(l.rows, l.n, sizeof(*l.rows), cc_row_cmp);
	cc_titles(env->spool, &l);
	arr = json_array();
	for (size_t i = 0; i < l.n; i++)
		json_array_append_new(arr, l.rows[i].o);
	free(l.rows);
	cc_reply(req, 200, json_pack("{s:o,s:o}", "now_at", case_json_time(l.now), "cases", arr));
}

static void
cc_case_show(struct console *c, struct httpd_req *req, int64_t id)
{
	char msg[64];
	json_t *o;
	int r = case_json_detail(console_env(c)->spool, id, &o);

	if (r <= 0) {
		snprintf(msg, sizeof(msg), "no case #%lld", (long long)id);
		httpd_reply_error(req, r == 0 ? 404 : 503,
		                  r == 0 ? msg : "the spool could not be read; see the log", NULL);
		return;
	}
	cc_reply(req, 200, o);
}

/* The body of an action: {"to", "note", "for"}; 0, or -1 after a 400. */
static int
cc_act_body(struct httpd_req *req, json_t *body, const char **to, const char **note,
            int64_t *for_ms)
{
	const char *k, *f;
	char err[200];
	json_t *v;

	*for_ms = 0;
	if (!json_is_object(body)) {
		httpd_reply_error(
		    req, 400, "the body must be a JSON object: {\"to\", \"note\", \"for\"}", NULL);
		return -1;
	}
	json_object_foreach(body, k, v)
	{
		if (strcmp(k, "to") == 0 || strcmp(k, "note") == 0 || strcmp(k, "for") == 0)
			continue;
		snprintf(err, sizeof(err),
		         "unknown member '%.64s': the body takes to, note and for", k);
		httpd_reply_error(req, 400, err, NULL);
		return -1;
	}
	if (case_json_field(body, "to", CASES_MAX_NAME, to, err, sizeof(err)) < 0 ||
	    case_json_field(body, "note", CASES_MAX_NOTE, note, err, sizeof(err)) < 0 ||
	    case_json_field(body, "for", 32, &f, err, sizeof(err)) < 0) {
		httpd_reply_error(req, 400, err, NULL);
		return -1;
	}
	if (f && ((*for_ms = conf_parse_duration(f)) <= 0 || *for_ms > CC_FOR_MAX)) {
		httpd_reply_error(req, 400, "for is a duration such as 2h, at most 30d", NULL);
		return -1;
	}
	return 0;
}

static void
cc_case_act(struct console *c, struct httpd_req *req, int64_t id, const char *action,
            const struct console_user *u)
{
	const struct console_env *env = console_env(c);
	json_t *body =
	    json_loadb(httpd_body(req), httpd_body_len(req), JSON_REJECT_DUPLICATES, NULL);
	struct cases_actor actor = {"console", u->name, u->name};
	struct spool_case sc;
	const char *to, *note;
	int64_t for_ms;
	char err[300];
	enum cases_rc rc;

	if (httpd_body_len(req) == 0 && body == NULL)
		body = json_object();
	if (cc_act_body(req, body, &to, &note, &for_ms) < 0) {
		json_decref(body);
		return;
	}
	rc =
	    cases_act_for(env->cases, id, action, &actor, strcmp(action, "assign") == 0 ? to : note,
	                  for_ms, util_now_ms(), err, sizeof(err));
	json_decref(body);
	if (rc < 0) {
		httpd_reply_error(req, case_json_status(rc), err, NULL);
		return;
	}
	/* the answer waits for the batch that holds the action to be durable */
	if (rc == CASES_CHANGED && env->commit && env->commit(env->arg) < 0) {
		httpd_reply_error(req, 503, "the change could not be stored; see the log", NULL);
		return;
	}
	if (spool_case_get(env->spool, id, &sc) <= 0) {
		httpd_reply_error(req, 503, "the spool could not be read; see the log", NULL);
		return;
	}
	cc_reply(req, 200,
	         json_pack("{s:b,s:b,s:o}", "ok", 1, "changed", rc == CASES_CHANGED, "case",
	                   cc_case(env->conf, env->spool, &sc, util_now_ms())));
	spool_case_free(&sc);
}

/* /v1/cases[/ID[/ACTION]] */
static void
cc_cases(struct console *c, struct httpd_req *req, const char *rest, const struct console_user *u)
{
	const char *slash = strchr(rest, '/');
	char idbuf[32];
	int64_t id;
	size_t n = slash ? (size_t)(slash - rest) : strlen(rest);

	if (*rest == '\0') {
		if (cc_is(req, "GET") || cc_is(req, "HEAD"))
			cc_cases_list(c, req);
		else
			cc_method(req, "GET");
		return;
	}
	if (n >= sizeof(idbuf) || (slash && strchr(slash + 1, '/')) ||
	    (memcpy(idbuf, rest, n), idbuf[n] = '\0', (id = cases_parse_id(idbuf)) < 0)) {
		httpd_reply_error(req, 404,
		                  "no such case: a case id is a positive number, such as 42", NULL);
		return;
	}
	if (slash == NULL) {
		if (cc_is(req, "GET") || cc_is(req, "HEAD"))
			cc_case_show(c, req, id);
		else
			cc_method(req, "GET");
	} else if (!cc_is(req, "POST"))
		cc_method(req, "POST");
	else if (!cases_action_known(slash + 1))
		httpd_reply_error(req, 404,
		                  "unknown action: the actions are ack, assign, resolve, "
		                  "reopen, not_complaint, mute_author and silence",
		                  NULL);
	else
		cc_case_act(c, req, id, slash + 1, u);
}

/* --- response times ---------------------------------------------------------------- */

struct cc_breach {
	int64_t id, opened_ms, took_ms;
	char *team;
	int prio;
	enum sla_target t;
	int64_t target_ms;
};

struct cc_times {
	const struct conf *conf;
	int64_t since, now;
	struct sla_report *all, **day;
	size_t ndays;
	struct cc_breach ring[CC_BREACHES]; /* the newest, oldest overwritten */
	size_t nbreach;
};

static void
cc_breach_add(struct cc_times *x, const struct spool_case_span *s, enum sla_target t, int64_t done)
{
	struct cc_breach *b = &x->ring[x->nbreach++ % CC_BREACHES];
	struct sla_policy pol;

	sla_policy(x->conf, s->team, (enum prio)s->priority, &pol);
	free(b->team);
	b->id = s->id;
	b->opened_ms = s->opened_ms;
	b->team = s->team ? xstrdup(s->team) : NULL;
	b->prio = s->priority;
	b->t = t;
	b->target_ms = pol.target_ms[t];
	b->took_ms = done >= 0
	                 ? sla_elapsed(x->conf, s->team, (enum prio)s->priority, s->opened_ms, done)
	                 : -1;
}

/* Runs while the spool's read is open: no spool calls here. */
static void
cc_times_cb(void *arg, const struct spool_case_span *s)
{
	struct cc_times *x = arg;
	struct sla_report_case c = {
	    s->team,     (enum prio)s->priority, s->topic,      s->opened_ms,
	    s->acked_ms, s->first_reply_ms,      s->resolved_ms};
	const int64_t done[SLA_TARGET__N] = {s->acked_ms, s->first_reply_ms, s->resolved_ms};
	int64_t d = (s->opened_ms - x->since) / DAY_MS;

	if (c.prio <= PRIO_NONE || c.prio >= PRIO__N)
		c.prio = PRIO_LOW;
	sla_report_add(x->all, &c);
	if (d >= 0 && (size_t)d < x->ndays)
		sla_report_add(x->day[d], &c);
	for (int t = 0; t < SLA_TARGET__N; t++)
		if (sla_breached(x->conf, s->team, c.prio, (enum sla_target)t, s->opened_ms,
		                 done[t], x->now))
			cc_breach_add(x, s, (enum sla_target)t, done[t]);
}

static json_t *
cc_report_json(struct sla_report *r)
{
	struct buf b;
	json_t *o;

	buf_init(&b);
	sla_report_json(r, &b);
	o = json_loadb(b.data, b.len, 0, NULL);
	buf_free(&b);
	return o ? o : json_object();
}

/* A day's groups with each clock's median and p90. */
static json_t *
cc_day_json(struct sla_report *r, int64_t day_ms)
{
	json_t *rep = cc_report_json(r), *groups = json_array(), *g;
	size_t i;

	json_array_foreach(json_object_get(rep, "groups"), i, g)
	{
		json_t *o = json_pack("{s:O,s:O}", "team", json_object_get(g, "team"), "priority",
		                      json_object_get(g, "priority"));

		for (int t = 0; t < SLA_TARGET__N; t++) {
			const char *k = conf_sla_target_name((enum sla_target)t);
			json_t *st = json_object_get(g, k);

			json_object_set_new(o, k,
			                    json_pack("{s:O,s:O}", "median_s",
			                              json_object_get(st, "median_s"), "p90_s",
			                              json_object_get(st, "p90_s")));
		}
		json_array_append_new(groups, o);
	}
	json_decref(rep);
	return json_pack("{s:o,s:o}", "day_at", case_json_time(day_ms), "groups", groups);
}

static json_t *
cc_breaches_json(struct cc_times *x)
{
	json_t *arr = json_array();
	size_t n = x->nbreach < CC_BREACHES ? x->nbreach : CC_BREACHES;

	for (size_t i = 0; i < n; i++) {
		struct cc_breach *b = &x->ring[(x->nbreach - 1 - i) % CC_BREACHES];

		json_array_append_new(
		    arr,
		    json_pack("{s:I,s:o,s:s,s:s,s:I,s:o,s:o}", "case", (json_int_t)b->id, "team",
		              b->team ? json_string(b->team) : json_null(), "priority",
		              prio_name((enum prio)b->prio), "clock", conf_sla_target_name(b->t),
		              "target_s", (json_int_t)(b->target_ms / 1000), "took_s",
		              b->took_ms >= 0 ? json_integer(b->took_ms / 1000) : json_null(),
		              "opened_at", case_json_time(b->opened_ms)));
	}
	return arr;
}

static void
cc_times_free(struct cc_times *x)
{
	sla_report_free(x->all);
	for (size_t i = 0; i < x->ndays; i++)
		sla_report_free(x->day[i]);
	free(x->day);
	for (size_t i = 0; i < CC_BREACHES; i++)
		free(x->ring[i].team);
	free(x);
}

/* days=N (1..90, default 7) of the query: -1 after a 400. */
static long
cc_days(struct httpd_req *req)
{
	char v[16], *end;
	int h = case_json_query(httpd_query(req), "days", v, sizeof(v));
	long n;

	if (h == 0)
		return 7;
	errno = 0;
	n = h > 0 ? strtol(v, &end, 10) : -1;
	if (h < 0 || errno || *end || n < 1 || n > CC_DAYS_MAX) {
		httpd_reply_error(req, 400, "days is a number from 1 to 90", NULL);
		return -1;
	}
	return n;
}

/*
 * The cases opened in the last days (whole UTC days, today's so far):
 * the report, its breaches and one report per day, in one read.
 */
static void
cc_response_times(struct console *c, struct httpd_req *req)
{
	const struct console_env *env = console_env(c);
	char team[128];
	int ht = case_json_query(httpd_query(req), "team", team, sizeof(team));
	long days = cc_days(req);
	struct cc_times *x;
	json_t *o, *daily;

	if (days < 0)
		return;
	if (ht < 0) {
		httpd_reply_error(req, 400, "team is at most 127 bytes, percent-encoded", NULL);
		return;
	}
	x = xcalloc(1, sizeof(*x));
	x->conf = env->conf;
	x->now = util_now_ms();
	x->since = x->now / DAY_MS * DAY_MS - (days - 1) * DAY_MS;
	x->ndays = (size_t)days;
	x->all = sla_report_new(env->conf, x->since, x->now, ht > 0 ? team : NULL);
	x->day = xcalloc(x->ndays, sizeof(*x->day));
	for (size_t i = 0; i < x->ndays; i++)
		x->day[i] =
		    sla_report_new(env->conf, x->since + (int64_t)i * DAY_MS,
		                   x->since + (int64_t)(i + 1) * DAY_MS, ht > 0 ? team : NULL);
	if (spool_case_span(env->spool, x->since, x->now, ht > 0 ? team : NULL, cc_times_cb, x) <
	    0) {
		cc_times_free(x);
		httpd_reply_error(req, 503, "the spool could not be read; see the log", NULL);
		return;
	}
	o = cc_report_json(x->all);
	daily = json_array();
	for (size_t i = 0; i < x->ndays; i++)
		json_array_append_new(daily,
		                      cc_day_json(x->day[i], x->since + (int64_t)i * DAY_MS));
	json_object_set_new(o, "breaches", cc_breaches_json(x));
	json_object_set_new(o, "daily", daily);
	cc_times_free(x);
	cc_reply(req, 200, o);
}

/* --- deliveries --------------------------------------------------------------------- */

static const char *const cc_states[] = {"pending", "delivered", "dead"};

/* The alert's first rule, else its group, else its id. */
static json_t *
cc_delivery_title(const struct spool_delivery *d)
{
	json_t *j = d->alert_json ? json_loads(d->alert_json, 0, NULL) : NULL;
	json_t *a = json_object_get(j, "alert"), *t;

	t = json_array_get(json_object_get(a, "rules"), 0);
	if (!json_is_string(t))
		t = json_object_get(a, "group");
	t = json_is_string(t) ? json_incref(t) : json_string(d->alert_id ? d->alert_id : "");
	json_decref(j);
	return t;
}

static void
cc_delivery_cb(void *arg, const struct spool_delivery *d)
{
	json_array_append_new(
	    arg,
	    json_pack("{s:I,s:s?,s:s?,s:s,s:i,s:o,s:o,s:o,s:o,s:s?,s:s,s:o,s:o}", "id",
	              (json_int_t)d->id, "alert_id", d->alert_id, "receiver", d->receiver, "state",
	              d->state >= 0 && d->state <= 2 ? cc_states[d->state] : "unknown", "attempts",
	              d->attempts, "created_at", case_json_time(d->created_ms), "due_at",
	              case_json_time(d->due_ms), "expires_at", case_json_time(d->expires_ms),
	              "done_at", case_json_time(d->done_ms), "last_error", d->last_error,
	              "priority", prio_name((enum prio)d->priority), "case",
	              d->case_id > 0 ? json_integer(d->case_id) : json_null(), "title",
	              cc_delivery_title(d)));
}

static void
cc_deliveries_list(struct console *c, struct httpd_req *req)
{
	const struct console_env *env = console_env(c);
	char state[16] = "all";
	int hs = case_json_query(httpd_query(req), "state", state, sizeof(state)), st = -1;
	long limit = cc_limit(req);
	struct spool_counts n;
	json_t *arr;

	if (limit < 0)
		return;
	if (hs < 0 || (strcmp(state, "all") != 0 && strcmp(state, "pending") != 0 &&
	               strcmp(state, "dead") != 0)) {
		httpd_reply_error(req, 400, "state is pending, dead or all", NULL);
		return;
	}
	if (strcmp(state, "all") != 0)
		st = strcmp(state, "pending") == 0 ? SPOOL_PENDING : SPOOL_DEAD;
	arr = json_array();
	if (spool_counts(env->spool, NULL, &n) < 0 ||
	    spool_list_deliveries(env->spool, st, (size_t)limit, cc_delivery_cb, arr) < 0) {
		json_decref(arr);
		httpd_reply_error(req, 503, "the spool could not be read; see the log", NULL);
		return;
	}
	cc_reply(req, 200,
	         json_pack("{s:{s:I,s:I,s:I},s:o}", "counts", "pending", (json_int_t)n.pending,
	                   "dead", (json_int_t)n.dead, "delivered", (json_int_t)n.delivered,
	                   "deliveries", arr));
}

/* retry (a dead one: pending now, its receiver kicked) or drop; after the commit. */
static void
cc_delivery_act(struct console *c, struct httpd_req *req, int64_t id, int retry)
{
	const struct console_env *env = console_env(c);
	struct spool_delivery d;
	char msg[160], *receiver;
	int r = spool_get_delivery(env->spool, id, &d);

	if (r <= 0) {
		snprintf(msg, sizeof(msg), "no delivery %lld", (long long)id);
		httpd_reply_error(req, r == 0 ? 404 : 503,
		                  r == 0 ? msg : "the spool could not be read; see the log", NULL);
		return;
	}
	receiver = xstrdup(d.receiver);
	if (retry && d.state != SPOOL_DEAD) {
		snprintf(msg, sizeof(msg),
		         "delivery %lld is %s, not dead: only a dead one is retried", (long long)id,
		         d.state == SPOOL_PENDING ? "pending" : "delivered");
		httpd_reply_error(req, 409, msg, NULL);
	} else if (pass_join(env->spool) < 0 ||
	           (retry ? spool_requeue(env->spool, id, util_now_ms())
	                  : spool_drop(env->spool, id)) < 0 ||
	           (env->commit && env->commit(env->arg) < 0)) {
		httpd_reply_error(req, 503, "the change could not be stored; see the log", NULL);
	} else {
		if (retry && env->kick)
			env->kick(env->arg, receiver);
		snprintf(msg, sizeof(msg), "{\"id\":%lld,\"state\":\"%s\"}", (long long)id,
		         retry ? "pending" : "dropped");
		console_publish(c, "delivery", msg);
		httpd_reply(req, 200, "application/json", NULL, "{\"ok\":true}\n", 12);
	}
	free(receiver);
	spool_delivery_free(&d);
}

/* /v1/deliveries[/ID/retry|drop] */
static void
cc_deliveries(struct console *c, struct httpd_req *req, const char *rest)
{
	const char *slash = strchr(rest, '/');
	char *end;
	long long id;

	if (*rest == '\0') {
		if (cc_is(req, "GET") || cc_is(req, "HEAD"))
			cc_deliveries_list(c, req);
		else
			cc_method(req, "GET");
		return;
	}
	errno = 0;
	id = strtoll(rest, &end, 10);
	if (slash == NULL || end != slash || errno || id <= 0 ||
	    (strcmp(slash, "/retry") != 0 && strcmp(slash, "/drop") != 0)) {
		httpd_reply_error(req, 404, "no such path: /v1/deliveries/ID/retry or /drop", NULL);
		return;
	}
	if (!cc_is(req, "POST"))
		cc_method(req, "POST");
	else
		cc_delivery_act(c, req, id, strcmp(slash, "/retry") == 0);
}

/* --- routing ---------------------------------------------------------------------- */

/* The path after prefix when it is prefix itself or prefix/..., else NULL. */
static const char *
cc_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0 || (path[n] != '\0' && path[n] != '/'))
		return NULL;
	return path[n] == '/' ? path + n + 1 : path + n;
}

int
console_cases_handle(struct console *c, struct httpd_req *req, const struct console_user *u)
{
	const char *path = httpd_path(req), *rest;

	if ((rest = cc_under(path, "/v1/cases")) != NULL)
		cc_cases(c, req, rest, u);
	else if ((rest = cc_under(path, "/v1/deliveries")) != NULL)
		cc_deliveries(c, req, rest);
	else if ((rest = cc_under(path, "/v1/response-times")) != NULL && *rest == '\0') {
		if (cc_is(req, "GET") || cc_is(req, "HEAD"))
			cc_response_times(c, req);
		else
			cc_method(req, "GET");
	} else
		return 0;
	return 1;
}

/* POST /v1/labels: a person says whether a mention is a complaint (labels.h). */
int
console_labels_handle(struct console *c, struct httpd_req *req, const struct console_user *u)
{
	const struct console_env *env = console_env(c);

	if (strcmp(httpd_path(req), "/v1/labels") != 0)
		return 0;
	if (strcmp(httpd_method(req), "POST") != 0) {
		static const char body[] =
		    "{\"error\":\"/v1/labels takes a POST of {\\\"mention\\\", "
		    "\\\"complaint\\\"}\"}\n";

		httpd_reply(req, 405, "application/json", "Allow: POST\r\n", body,
		            sizeof(body) - 1);
	} else
		labels_post(req, env->spool, "console", u->name, env->commit, env->arg);
	return 1;
}
