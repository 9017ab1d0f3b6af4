/*
 * digest.h: the response-time report (sla_report.h) built from the spool,
 * for `keluhctl report`, and the digests of keluhd.yaml's reports: sent
 * on their schedule (report_sched_next) to their receivers.
 *
 * A digest is recorded as an alert (priority low, rule and tag
 * "keluh.report", one entry in "mentions" holding the report as plain
 * text for chat, and a "report" object holding its JSON for machines), so
 * that it goes through the spool and the delivery scheduler like every
 * alert: retried, dead lettered, listed.
 *
 * Durable and once: the last due time a digest was sent for is kept in
 * the spool's cursors ("report:<every>|<to>|<since>|<team>"), written in
 * the batch that records its alert. At start and on reload a digest whose
 * latest due time passed while keluhd was down (or before the reload) is
 * sent once at once; older due times are not caught up. A digest seen for
 * the first time starts at its latest due time: nothing is sent for the
 * past. Editing a digest (its schedule, receivers, span or team) makes it
 * a new one.
 *
 * The report is built in slices of the span, a few milliseconds each,
 * between the loop's other events, so a report over 100,000 cases never
 * blocks the loop. Loop thread only.
 */
#ifndef KELUH_DIGEST_H
#define KELUH_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "conf/conf.h"
#include "daemon/sla_report.h"

struct spool;

/*
 * The report of the cases opened in [since_ms, until_ms) (of team when
 * not NULL), read in one pass (spool_case_span). NULL when the spool
 * failed (spool_error says why). Free it with sla_report_free.
 */
struct sla_report *digest_report(struct spool *, const struct conf *, int64_t since_ms,
                                 int64_t until_ms, const char *team);

/*
 * The alert JSON of a digest (for tests and the daemon); free() it.
 * text and json are the report's renderings; team NULL: every team.
 */
char *digest_alert_json(const char *alert_id, const char *group, const char *team, int64_t since_ms,
                        int64_t until_ms, const char *text, const char *json);

struct digests;

/*
 * The digests of c->sla.reports, armed at once (a missed one starts
 * building). alerted(arg, receivers, n) is told the receivers of each
 * digest recorded, to kick them once the pass commits.
 */
struct digests *digests_new(struct event_base *, struct spool *, const struct conf *c,
                            void (*alerted)(void *arg, const size_t *receivers, size_t n),
                            void *arg);
/*
 * A reload: reports in the making are dropped (a scheduled one is made
 * again, its cursor unchanged) and every digest is armed again from c.
 */
void digests_set_conf(struct digests *, const struct conf *c);
/*
 * Several daemons on one database: only the leader sends digests on their
 * schedule. digests_lead(ds, 0) drops those in the making and disarms
 * them; digests_lead(ds, 1) arms them again, as a reload does (a due time
 * that passed meanwhile is sent once). digests_send works either way.
 */
void digests_lead(struct digests *, int on);
/*
 * Builds digest n (1-based, in the order of reports:) now and sends it,
 * without moving its schedule: 0, or 404 (no such digest) or 409 (it is
 * being made) with err.
 */
int digests_send(struct digests *, size_t n, char *err, size_t errlen);
void digests_free(struct digests *);

#endif
