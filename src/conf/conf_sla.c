#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_parse.h"
#include "conf/conf_receiver.h"
#include "conf/conf_sla.h"
#include "lib/bizhours.h"
#include "lib/tz.h"
#include "lib/util.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

#define SLA_DEFAULT_REPEAT_MS (30 * 60000LL)
#define SLA_DEFAULT_AT_MOST   3

static const char *const business_hours_keys[] = {"timezone", "days", "hours", "holidays"};
static const char *const sla_keys[] = {"critical", "high", "normal", "low", "teams"};
static const char *const sla_target_keys[] = {"ack", "first_reply", "resolve", "business_hours"};
static const char *const escalation_keys[] = {"to",   "repeat_every", "at_most", "critical",
                                              "high", "normal",       "low"};
static const char *const report_keys[] = {"every", "to", "since", "team"};

/* What the readers share while they read. */
struct sla_load {
	struct confp *L;
	struct conf_sla *s;
	const struct receiver *rcv;
	size_t nrcv;
};

static const char *const target_names[SLA_TARGET__N] = {"ack", "first_reply", "resolve"};

const char *
conf_sla_target_name(enum sla_target t)
{
	return (unsigned)t < SLA_TARGET__N ? target_names[t] : "?";
}

/* business_hours: {timezone, days, hours, holidays} through bizhours' own setters. */
static void
cl_business_hours(struct sla_load *X, yaml_node_t *n)
{
	struct confp *L = X->L;
	struct bizhours *bh;
	yaml_node_t *v;
	const char *s;
	char err[400];

	if (!yis_map(n)) {
		yerror(L->d, L->yf, n,
		       "'business_hours' must be a mapping such as {timezone: "
		       "Asia/Jakarta, days: mon-fri, hours: 08:00-17:00}");
		return;
	}
	ycheck_keys(L->d, L->yf, n, "business_hours", business_hours_keys,
	            NKEYS(business_hours_keys));
	bh = bizhours_new();
	if (confp_string(L, n, "timezone", &s) == 0 && s &&
	    bizhours_set_timezone(bh, s, err, sizeof(err)) < 0)
		yerror(L->d, L->yf, ymap_get(L->yf, n, "timezone"), "business_hours.timezone: %s",
		       err);
	if (confp_string(L, n, "days", &s) == 0 && s &&
	    bizhours_set_days(bh, s, err, sizeof(err)) < 0)
		yerror(L->d, L->yf, ymap_get(L->yf, n, "days"), "business_hours.days: %s", err);
	if (confp_string(L, n, "hours", &s) == 0 && s &&
	    bizhours_set_hours(bh, s, err, sizeof(err)) < 0)
		yerror(L->d, L->yf, ymap_get(L->yf, n, "hours"), "business_hours.hours: %s", err);
	if ((v = ymap_get(L->yf, n, "holidays")) != NULL && !yis_null(v) &&
	    yget_list(L->d, L->yf, v, "holidays", "[2026-12-25, 2027-01-01]") == 0)
		for (size_t i = 0; i < yseq_len(v); i++) {
			yaml_node_t *item = yseq_item(L->yf, v, i);

			if (yget_string(L->d, L->yf, item, "a holiday", &s) == 0 &&
			    bizhours_add_holiday(bh, s, err, sizeof(err)) < 0)
				yerror(L->d, L->yf, item, "business_hours.holidays: %s", err);
		}
	/* a bad days or hours value was reported above: only a missing one here */
	if ((!ymap_get(L->yf, n, "days") || !ymap_get(L->yf, n, "hours")) &&
	    bizhours_ready(bh, err, sizeof(err)) < 0)
		yerror(L->d, L->yf, n,
		       "business_hours: %s; such as days: mon-fri, hours: "
		       "08:00-17:00",
		       err);
	X->s->bizhours = bh;
}

/*
 * One priority's entry {ack, first_reply, resolve, business_hours} onto
 * dst: only what it names changes, so a team's entry overrides the rest.
 */
static void
cl_sla_prio(struct sla_load *X, yaml_node_t *n, const char *where, struct conf_sla_prio *dst)
{
	struct confp *L = X->L;
	yaml_node_t *v;

	if (!yis_map(n)) {
		yerror(L->d, L->yf, n, "%s must be a mapping such as {ack: 15m, resolve: 4h}",
		       where);
		return;
	}
	ycheck_keys(L->d, L->yf, n, where, sla_target_keys, NKEYS(sla_target_keys));
	for (int t = 0; t < SLA_TARGET__N; t++) {
		int64_t ms = -1;

		if (confp_duration(L, n, target_names[t], &ms) < 0 || ms < 0)
			continue;
		if (ms == 0)
			yerror(L->d, L->yf, ymap_get(L->yf, n, target_names[t]),
			       "%s.%s must be more "
			       "than 0s; leave it out for no target",
			       where, target_names[t]);
		else
			dst->target_ms[t] = ms;
	}
	if ((v = ymap_get(L->yf, n, "business_hours")) != NULL &&
	    yget_bool(L->d, L->yf, v, "business_hours", &dst->bizhours) == 0 && dst->bizhours &&
	    X->s->bizhours == NULL)
		yerror(
		    L->d, L->yf, v,
		    "%s.business_hours: true, but there are no business hours; "
		    "add business_hours: {timezone: ..., days: mon-fri, hours: 08:00-17:00} at the "
		    "top",
		    where);
}

/* Each priority key of n (critical, high, normal, low) onto prio[]. */
static void
cl_sla_prios(struct sla_load *X, yaml_node_t *n, const char *where, struct conf_sla_prio *prio)
{
	struct confp *L = X->L;
	for (int p = PRIO_LOW; p <= PRIO_CRITICAL; p++) {
		yaml_node_t *v = ymap_get(L->yf, n, prio_name((enum prio)p));
		char *w;

		if (v == NULL || yis_null(v))
			continue;
		w = xasprintf("%s.%s", where, prio_name((enum prio)p));
		cl_sla_prio(X, v, w, &prio[p]);
		free(w);
	}
}

/* sla.teams: {billing: {critical: {ack: 10m}}}: each starts from the priority-wide targets. */
static void
cl_sla_teams(struct sla_load *X, yaml_node_t *n)
{
	struct confp *L = X->L;
	struct conf_sla *s = X->s;

	if (!yis_map(n)) {
		yerror(L->d, L->yf, n,
		       "sla.teams must be a mapping of team names to targets, such "
		       "as {billing: {critical: {ack: 10m}}}");
		return;
	}
	s->teams = xcalloc(ymap_len(n), sizeof(*s->teams));
	for (size_t i = 0; i < ymap_len(n); i++) {
		yaml_node_t *k = ymap_key(L->yf, n, i), *v = ymap_value(L->yf, n, i);
		struct conf_sla_team *t = &s->teams[s->nteams];
		const char *name;
		char *w;

		if (yget_string(L->d, L->yf, k, "a team name", &name) < 0)
			continue;
		if (!yis_map(v)) {
			yerror(L->d, L->yf, v,
			       "sla.teams.%s must be a mapping of priorities such as "
			       "{critical: {ack: 10m}}",
			       name);
			continue;
		}
		w = xasprintf("sla.teams.%s", name);
		ycheck_keys(L->d, L->yf, v, w, sla_keys, NKEYS(sla_keys) - 1);
		t->team = xstrdup(name);
		memcpy(t->prio, s->prio, sizeof(t->prio));
		cl_sla_prios(X, v, w, t->prio);
		free(w);
		s->nteams++;
	}
}

static void
cl_sla(struct sla_load *X, yaml_node_t *n)
{
	struct confp *L = X->L;
	struct conf_sla *s = X->s;
	yaml_node_t *v;

	if (!yis_map(n)) {
		yerror(L->d, L->yf, n,
		       "'sla' must be a mapping of priorities such as {critical: "
		       "{ack: 15m, resolve: 4h}, high: {ack: 1h, resolve: 1d}}");
		return;
	}
	ycheck_keys(L->d, L->yf, n, "sla", sla_keys, NKEYS(sla_keys));
	cl_sla_prios(X, n, "sla", s->prio);
	if ((v = ymap_get(L->yf, n, "teams")) != NULL && !yis_null(v))
		cl_sla_teams(X, v);
}

/* Receiver names -> indexes; unknown ones reported as routes report them. */
static void
cl_receivers(struct sla_load *X, yaml_node_t *v, const char *what, size_t **out, size_t *nout)
{
	struct confp *L = X->L;
	char **names;
	size_t n;

	if (confp_strings(L, v, what, &names, &n) < 0)
		return;
	free(*out);
	*out = xreallocarray(NULL, n, sizeof(size_t));
	*nout = 0;
	for (size_t i = 0; i < n; i++) {
		long idx = conf_receiver_lookup(X->L, v, X->rcv, X->nrcv, names[i]);

		if (idx >= 0)
			*nout = util_set_add(*out, *nout, n, (size_t)idx);
	}
	confp_free_strings(names, n);
}

/* {to, repeat_every, at_most} onto e: what n names replaces what e had. */
static void
cl_escalation_entry(struct sla_load *X, yaml_node_t *n, const char *where,
                    struct conf_escalation *e)
{
	struct confp *L = X->L;
	yaml_node_t *v;
	long x;

	if ((v = ymap_get(L->yf, n, "to")) != NULL)
		cl_receivers(X, v, "escalation.to", &e->receivers, &e->nreceivers);
	if (confp_duration(L, n, "repeat_every", &e->repeat_every_ms) == 0 &&
	    (v = ymap_get(L->yf, n, "repeat_every")) != NULL && e->repeat_every_ms <= 0)
		yerror(L->d, L->yf, v, "%s.repeat_every must be more than 0s", where);
	if (confp_long(L, n, "at_most", 0, 100, &x) == 0 && ymap_get(L->yf, n, "at_most"))
		e->at_most = (unsigned)x;
}

/* Whether any priority, of everyone or of a team, has an ack target. */
static int
any_ack_target(const struct conf_sla *s)
{
	for (int p = PRIO_LOW; p <= PRIO_CRITICAL; p++) {
		if (s->prio[p].target_ms[SLA_ACK])
			return 1;
		for (size_t i = 0; i < s->nteams; i++)
			if (s->teams[i].prio[p].target_ms[SLA_ACK])
				return 1;
	}
	return 0;
}

/* escalation: {to, repeat_every, at_most, critical: {...}, ...}; a priority's entry overrides. */
static void
cl_escalation(struct sla_load *X, yaml_node_t *n)
{
	struct confp *L = X->L;
	struct conf_sla *s = X->s;
	struct conf_escalation top = {NULL, 0, SLA_DEFAULT_REPEAT_MS, SLA_DEFAULT_AT_MOST};
	int any = 0;

	if (!yis_map(n)) {
		yerror(L->d, L->yf, n,
		       "'escalation' must be a mapping such as {to: [pager], "
		       "repeat_every: 30m, at_most: 3}");
		return;
	}
	ycheck_keys(L->d, L->yf, n, "escalation", escalation_keys, NKEYS(escalation_keys));
	cl_escalation_entry(X, n, "escalation", &top);
	for (int p = PRIO_LOW; p <= PRIO_CRITICAL; p++) {
		struct conf_escalation *e = &s->escalation[p];
		yaml_node_t *v = ymap_get(L->yf, n, prio_name((enum prio)p));

		*e = top;
		e->receivers =
		    top.nreceivers ? xreallocarray(NULL, top.nreceivers, sizeof(size_t)) : NULL;
		if (top.nreceivers)
			memcpy(e->receivers, top.receivers, top.nreceivers * sizeof(size_t));
		if (v && !yis_null(v)) {
			char *w = xasprintf("escalation.%s", prio_name((enum prio)p));

			if (!yis_map(v))
				yerror(L->d, L->yf, v,
				       "%s must be a mapping such as {to: [pager], "
				       "at_most: 5}",
				       w);
			else {
				ycheck_keys(L->d, L->yf, v, w, escalation_keys, 3);
				cl_escalation_entry(X, v, w, e);
			}
			free(w);
		}
		any |= e->nreceivers > 0;
	}
	free(top.receivers);
	if (!any && !ymap_get(L->yf, n, "to"))
		yerror(L->d, L->yf, n,
		       "escalation needs to: [receiver names], at the top or per "
		       "priority");
	else if (!any_ack_target(s))
		diag_warning(L->d, L->yf->path, ynode_line(n), ynode_col(n),
		             "escalation is set but no priority has an ack target, so nothing "
		             "ever escalates; add sla: {critical: {ack: 15m}}");
}

static void
cl_report(struct sla_load *X, yaml_node_t *item)
{
	struct confp *L = X->L;
	struct conf_sla *s = X->s;
	struct conf_report r;
	yaml_node_t *v;
	const char *str;
	char err[300];

	memset(&r, 0, sizeof(r));
	r.line = ynode_line(item);
	if (!yis_map(item)) {
		yerror(L->d, L->yf, item,
		       "a report must be a mapping such as {every: \"mon 09:00\", "
		       "to: [support-slack]}");
		return;
	}
	ycheck_keys(L->d, L->yf, item, "a report", report_keys, NKEYS(report_keys));
	if ((v = ymap_get(L->yf, item, "every")) == NULL)
		yerror(L->d, L->yf, item,
		       "a report needs every: \"mon 09:00\" (or \"daily "
		       "09:00\")");
	else if (yget_string(L->d, L->yf, v, "every", &str) == 0 &&
	         report_sched_parse(str, &r.every, err, sizeof(err)) < 0)
		yerror(L->d, L->yf, v, "every: %s", err);
	if ((v = ymap_get(L->yf, item, "to")) == NULL)
		yerror(L->d, L->yf, item, "a report needs to: [receiver names]");
	else
		cl_receivers(X, v, "to", &r.receivers, &r.nreceivers);
	r.since_ms = r.every.wday < 0 ? 86400000LL : 7 * 86400000LL;
	if (confp_duration(L, item, "since", &r.since_ms) == 0 && r.since_ms <= 0)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "since"),
		       "since must be more than 0s, "
		       "such as 7d");
	if (confp_string(L, item, "team", &str) == 0 && str)
		r.team = xstrdup(str);
	s->reports = xreallocarray(s->reports, s->nreports + 1, sizeof(r));
	s->reports[s->nreports++] = r;
}

/* The digests' zone: business hours' when set, else display's, else UTC. */
static void
cl_report_tz(struct sla_load *X, const struct tz *display_tz)
{
	struct conf_sla *s = X->s;
	const char *name = s->bizhours  ? bizhours_timezone(s->bizhours)
	                   : display_tz ? tz_name(display_tz)
	                                : NULL;
	char err[300];

	if (name && strcmp(name, "UTC") != 0)
		s->report_tz = tz_load(name, err, sizeof(err)); /* loaded once already */
}

void
conf_sla_load(struct confp *L, yaml_node_t *root, struct conf_sla *s, const struct receiver *rcv,
              size_t nrcv, const struct tz *display_tz)
{
	struct sla_load x = {L, s, rcv, nrcv}, *X = &x;
	yaml_node_t *v;

	if ((v = ymap_get(L->yf, root, "business_hours")) != NULL && !yis_null(v))
		cl_business_hours(X, v);
	/* critical runs around the clock unless it says otherwise; the rest in business hours */
	for (int p = PRIO_LOW; p <= PRIO_CRITICAL; p++)
		s->prio[p].bizhours = s->bizhours != NULL && p != PRIO_CRITICAL;
	if ((v = ymap_get(L->yf, root, "sla")) != NULL && !yis_null(v))
		cl_sla(X, v);
	if ((v = ymap_get(L->yf, root, "escalation")) != NULL && !yis_null(v))
		cl_escalation(X, v);
	if ((v = ymap_get(L->yf, root, "reports")) != NULL && !yis_null(v)) {
		if (!yis_seq(v))
			yerror(L->d, L->yf, v,
			       "'reports' must be a list ('- every: \"mon 09:00\"'), "
			       "not %s",
			       ynode_kind(v));
		else
			for (size_t i = 0; i < yseq_len(v); i++)
				cl_report(X, yseq_item(L->yf, v, i));
	}
	if (s->nreports)
		cl_report_tz(X, display_tz);
}

void
conf_sla_free(struct conf_sla *s)
{
	bizhours_free(s->bizhours);
	for (size_t i = 0; i < s->nteams; i++)
		free(s->teams[i].team);
	free(s->teams);
	for (int p = 0; p < PRIO__N; p++)
		free(s->escalation[p].receivers);
	for (size_t i = 0; i < s->nreports; i++) {
		free(s->reports[i].receivers);
		free(s->reports[i].team);
	}
	free(s->reports);
	tz_free(s->report_tz);
	memset(s, 0, sizeof(*s));
}
