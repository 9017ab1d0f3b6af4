/*
 * sla.h: the SLA clock of a case, as pure functions of times and the
 * configuration (conf_sla.h), so the case timers can ask "when is this
 * due", "how long did that take" and "is a step of escalation due" and
 * tests can answer them without a clock.
 *
 * Times are Unix milliseconds. A (team, priority) pair is counted in
 * business hours when its target says so (critical runs around the clock
 * unless its entry sets business_hours: true; the others count in
 * business hours when business_hours: is set), else on the wall clock.
 * A team with no entry of its own, or a NULL or empty team, has the
 * priority-wide targets. Nothing here allocates or keeps state.
 */
#ifndef KELUH_SLA_H
#define KELUH_SLA_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

/* What applies to one (team, priority); pointers into the conf, valid while it lives. */
struct sla_policy {
	int64_t target_ms[SLA_TARGET__N];  /* 0: no target */
	const struct bizhours *cal;        /* NULL: around the clock */
	const struct conf_escalation *esc; /* NULL: no escalation */
};

void sla_policy(const struct conf *, const char *team, enum prio, struct sla_policy *);

/*
 * When target t of a case opened at opened_ms falls due: the instant its
 * amount of (business) time has passed, or -1 when there is no target
 * (or it is further than the calendar looks, BIZHOURS_MAX_DAYS).
 */
int64_t sla_deadline(const struct conf *, const char *team, enum prio, enum sla_target t,
                     int64_t opened_ms);
int64_t sla_ack_deadline(const struct conf *, const char *team, enum prio, int64_t opened_ms);
int64_t sla_resolve_deadline(const struct conf *, const char *team, enum prio, int64_t opened_ms);

/*
 * The response time from from_ms (opened or reopened) to to_ms (the ack,
 * the first reply, the resolve) on the pair's clock: business time when
 * it counts in business hours, else wall-clock time. 0 when to_ms <=
 * from_ms; -1 past BIZHOURS_MAX_DAYS.
 */
int64_t sla_elapsed(const struct conf *, const char *team, enum prio, int64_t from_ms,
                    int64_t to_ms);

/*
 * Whether target t was missed: done at done_ms (or not yet: done_ms < 0,
 * then as of now_ms) later than its deadline. A response exactly at the
 * deadline meets it. 0 when there is no target.
 */
int sla_breached(const struct conf *, const char *team, enum prio, enum sla_target t,
                 int64_t opened_ms, int64_t done_ms, int64_t now_ms);

/*
 * Whether a case is overdue at now_ms: not acknowledged (acked_ms < 0)
 * past its ack deadline, or not resolved (resolved_ms < 0) past its
 * resolve deadline. What keluh_cases_overdue counts and the living
 * message shows.
 */
int sla_overdue(const struct conf *, const char *team, enum prio, int64_t opened_ms,
                int64_t acked_ms, int64_t resolved_ms, int64_t now_ms);

/*
 * Escalation of a case not acknowledged. Step k (0-based, k < at_most) is
 * due at the ack deadline plus k times repeat_every, counted on the same
 * clock as the ack target (a case that waits for the morning does not
 * escalate at night). steps_done is how many steps the caller has sent.
 * Returns:
 *  -1  no step is left: acked, no ack target, no escalation, or at_most
 *      steps done;
 *   0  the next step is later: *out says when (arm a timer for due_ms);
 *   1  a step is due now: send it and record steps_done = out->step + 1.
 *      When several are due at once (keluhd was down), only the latest
 *      is given, so a late start sends one escalation, not a burst.
 */
struct sla_escalation {
	int64_t due_ms; /* when the step is (was) due */
	unsigned step;  /* its index, 0-based */
};
int sla_escalation_step(const struct conf *, const char *team, enum prio, int64_t opened_ms,
                        int acked, int64_t now_ms, unsigned steps_done, struct sla_escalation *out);

/*
 * The metrics of response times (keluh_case_{ack,first_reply,resolve}_seconds),
 * breaches (keluh_sla_breaches_total), escalations and overdue cases.
 * team is cut to a bounded label; the caller keeps teams bounded (they
 * come from the rules and the configuration, not from mentions).
 */
void sla_metrics_observe(const char *team, enum prio, enum sla_target, double seconds);
void sla_metrics_breach(const char *team, enum prio, enum sla_target);
void sla_metrics_escalated(const char *team, enum prio);
void sla_metrics_overdue(size_t cases);

#endif
