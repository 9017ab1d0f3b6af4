/*
 * sla_timer.h: the SLA clocks of live cases, run by the daemon.
 *
 *  - Response times: when a case is acknowledged, resolved or first
 *    answered in public, keluh_case_{ack,resolve,first_reply}_seconds
 *    {team, priority} observe the time it took (sla_elapsed: business time
 *    where the pair counts in business hours), and keluh_sla_breaches_total
 *    counts it when it missed its target. The clock of a case runs from
 *    the start of its current round: opened_ms, or the time it was last
 *    reopened (a reopened case is a new request for an answer).
 *  - First public reply (daemon/replies.h): the case of the complaint
 *    replied to records first_reply_ms and the event replied_publicly
 *    once; a later reply changes nothing. A reply to a complaint whose
 *    alert is not recorded yet (it waits in its group) is counted in
 *    keluh_public_replies_uncased_total{source} and logged, not kept.
 *  - Escalation and overdue: one timer, armed for the earliest instant at
 *    which a live case changes (its ack or resolve deadline, its next
 *    escalation step). When a step is due (sla_escalation_step) an
 *    escalation alert (the case's latest alert with an "escalation"
 *    member) is recorded for the escalation's receivers, the case's
 *    overdue becomes the steps sent (so a restart sends no step twice),
 *    and keluh_escalations_total counts it. keluh_cases_overdue is the
 *    live cases past a deadline.
 *
 * The schedule in memory holds at most SLA_TIMER_MAX_CASES entries; a wake
 * looks at SLA_TIMER_PER_WAKE cases at most and comes back at once for the
 * rest (both counted in keluh_bound_hits_total). It is rebuilt from the
 * spool's live cases at the start and on every reload. Loop thread only;
 * writes join the loop pass.
 */
#ifndef KELUH_SLA_TIMER_H
#define KELUH_SLA_TIMER_H

#include <event2/event.h>

#include "conf/conf.h"
#include "daemon/cases.h"
#include "daemon/pass.h"
#include "sources/source.h"
#include "store/spool.h"

#define SLA_TIMER_MAX_CASES 131072
#define SLA_TIMER_PER_WAKE  256

/* Receivers with new escalation alerts: kicked after the commit (keluhd_alerted). */
typedef void (*sla_timer_alerted_fn)(void *arg, const size_t *receivers, size_t n);

struct sla_timer;

/*
 * Watches cs (cases_set_watch) and plans every live case of the spool.
 * Nothing is owned but the timer itself.
 */
struct sla_timer *sla_timer_new(struct event_base *, struct spool *, struct pass *,
                                struct cases *cs, const struct conf *, sla_timer_alerted_fn alerted,
                                void *arg);
void sla_timer_free(struct sla_timer *);
/* On reload: the targets may have changed; every live case is planned again. */
void sla_timer_set_conf(struct sla_timer *, const struct conf *);

/*
 * Several daemons on one database: only the leader runs the clocks.
 * sla_timer_lead(t, 0) empties the schedule and stops the timer (the
 * response-time metrics of actions taken here are still observed);
 * sla_timer_lead(t, 1) plans every live case again. sla_timer_case: case
 * id changed on another daemon; it is looked at on the next wake.
 */
void sla_timer_lead(struct sla_timer *, int on);
void sla_timer_case(struct sla_timer *, int64_t id);
/* A replies_fn (daemon/replies.h): arg is the sla_timer. */
int sla_timer_reply(void *arg, const struct reply_record *r);

#endif
