#include "config.h"

#include <stdio.h>
#include <string.h>

#include "daemon/sla.h"
#include "lib/bizhours.h"
#include "lib/metrics.h"

void
sla_policy(const struct conf *c, const char *team, enum prio p, struct sla_policy *out)
{
	const struct conf_sla *s = &c->sla;
	const struct conf_sla_prio *sp;

	memset(out, 0, sizeof(*out));
	if ((unsigned)p >= PRIO__N || p == PRIO_NONE)
		return;
	sp = &s->prio[p];
	/* teams are few (those keluhd.yaml names): a scan beats a hash here */
	for (size_t i = 0; team && *team && i < s->nteams; i++)
		if (strcmp(s->teams[i].team, team) == 0) {
			sp = &s->teams[i].prio[p];
			break;
		}
	memcpy(out->target_ms, sp->target_ms, sizeof(out->target_ms));
	out->cal = sp->bizhours ? s->bizhours : NULL;
	if (s->escalation[p].nreceivers && s->escalation[p].at_most)
		out->esc = &s->escalation[p];
}

int64_t
sla_deadline(const struct conf *c, const char *team, enum prio p, enum sla_target t,
             int64_t opened_ms)
{
	struct sla_policy pol;
	int64_t at;

	sla_policy(c, team, p, &pol);
	if ((unsigned)t >= SLA_TARGET__N || pol.target_ms[t] <= 0)
		return -1;
	if (bizhours_deadline(pol.cal, opened_ms, pol.target_ms[t], &at) < 0)
		return -1;
	return at;
}

int64_t
sla_ack_deadline(const struct conf *c, const char *team, enum prio p, int64_t opened_ms)
{
	return sla_deadline(c, team, p, SLA_ACK, opened_ms);
}

int64_t
sla_resolve_deadline(const struct conf *c, const char *team, enum prio p, int64_t opened_ms)
{
	return sla_deadline(c, team, p, SLA_RESOLVE, opened_ms);
}

int64_t
sla_elapsed(const struct conf *c, const char *team, enum prio p, int64_t from_ms, int64_t to_ms)
{
	struct sla_policy pol;

	sla_policy(c, team, p, &pol);
	return bizhours_between(pol.cal, from_ms, to_ms);
}

int
sla_breached(const struct conf *c, const char *team, enum prio p, enum sla_target t,
             int64_t opened_ms, int64_t done_ms, int64_t now_ms)
{
	int64_t due = sla_deadline(c, team, p, t, opened_ms);

	if (due < 0)
		return 0;
	return (done_ms >= 0 ? done_ms : now_ms) > due;
}

int
sla_overdue(const struct conf *c, const char *team, enum prio p, int64_t opened_ms,
            int64_t acked_ms, int64_t resolved_ms, int64_t now_ms)
{
	if (resolved_ms >= 0)
		return 0;
	return (acked_ms < 0 && sla_breached(c, team, p, SLA_ACK, opened_ms, -1, now_ms)) ||
	       sla_breached(c, team, p, SLA_RESOLVE, opened_ms, -1, now_ms);
}

int
sla_escalation_step(const struct conf *c, const char *team, enum prio p, int64_t opened_ms,
                    int acked, int64_t now_ms, unsigned steps_done, struct sla_escalation *out)
{
	struct sla_policy pol;
	int64_t ack_due, due;
	int found = 0;

	sla_policy(c, team, p, &pol);
	if (acked || pol.esc == NULL || steps_done >= pol.esc->at_most ||
	    pol.target_ms[SLA_ACK] <= 0 ||
	    bizhours_deadline(pol.cal, opened_ms, pol.target_ms[SLA_ACK], &ack_due) < 0)
		return -1;
	/* at_most is at most 100 (conf_sla.c): a short walk */
	for (unsigned k = steps_done; k < pol.esc->at_most; k++) {
		if (bizhours_deadline(pol.cal, ack_due, (int64_t)k * pol.esc->repeat_every_ms,
		                      &due) < 0)
			break;
		if (due > now_ms && found)
			break;
		out->due_ms = due;
		out->step = k;
		if (due > now_ms)
			return 0;
		found = 1;
	}
	return found ? 1 : -1;
}

/* 'team="billing",priority="critical"' with the team cut to a bounded label. */
static void
sla_labels(char *out, size_t len, const char *team, enum prio p, const char *extra)
{
	char t[128];

	metrics_label_value(t, sizeof(t), team ? team : "");
	snprintf(out, len, "team=\"%s\",priority=\"%s\"%s", t, prio_name(p), extra ? extra : "");
}

void
sla_metrics_observe(const char *team, enum prio p, enum sla_target t, double seconds)
{
	static const char *const names[SLA_TARGET__N] = {"keluh_case_ack_seconds",
	                                                 "keluh_case_first_reply_seconds",
	                                                 "keluh_case_resolve_seconds"};
	char labels[256];

	if ((unsigned)t >= SLA_TARGET__N)
		return;
	sla_labels(labels, sizeof(labels), team, p, NULL);
	metrics_observe(names[t], labels, seconds);
}

void
sla_metrics_breach(const char *team, enum prio p, enum sla_target t)
{
	char labels[256], target[48];

	snprintf(target, sizeof(target), ",target=\"%s\"", conf_sla_target_name(t));
	sla_labels(labels, sizeof(labels), team, p, target);
	metrics_add("keluh_sla_breaches_total", labels, 1);
}

void
sla_metrics_escalated(const char *team, enum prio p)
{
	char labels[256];

	sla_labels(labels, sizeof(labels), team, p, NULL);
	metrics_add("keluh_escalations_total", labels, 1);
}

void
sla_metrics_overdue(size_t cases)
{
	metrics_set("keluh_cases_overdue", NULL, (double)cases);
}
