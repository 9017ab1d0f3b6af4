/*
 * sla_report.h: the response-time report of a span of time, per team and
 * priority, as `keluhctl report` and the digests (reports: in keluhd.yaml)
 * show it: cases opened, acknowledged and resolved; median and 90th
 * percentile of the time to ack, to the first public reply and to resolve
 * against the targets, with the breaches; the busiest topics (rules) and
 * hours of the day.
 *
 * Built in one pass: a spool query hands each case to sla_report_add (no
 * order needed), then sla_report_json or sla_report_text renders it. Per
 * case the work is O(1) amortised plus the SLA clock's walk (sla.h); the
 * memory is three durations a case plus small tallies. Rendering sorts the
 * durations, O(n log n). The report borrows the conf (it must outlive the
 * report) and copies what it keeps of each case.
 */
#ifndef KELUH_SLA_REPORT_H
#define KELUH_SLA_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "lib/util.h"

/* Groups (team, priority) and topics a report tells apart; past them: "other". */
#define SLA_REPORT_MAX_GROUPS 1024
#define SLA_REPORT_MAX_TOPICS 4096
/* How many topics and hours a group lists, busiest first. */
#define SLA_REPORT_TOP 5

/* One case as the spool query gives it; strings are copied when needed. */
struct sla_report_case {
	const char *team; /* NULL or "": no team */
	enum prio prio;
	const char *topic;      /* the rule of its first complaint; NULL: none */
	int64_t opened_ms;      /* or reopened: where its clocks start */
	int64_t acked_ms;       /* -1: not acknowledged */
	int64_t first_reply_ms; /* -1: no public reply seen */
	int64_t resolved_ms;    /* -1: not resolved */
};

struct sla_report;

/*
 * A report on the cases opened in [since_ms, until_ms), of team only when
 * team is not NULL; hours of the day in the conf's report zone
 * (conf_sla.report_tz: business hours', else display's, else UTC).
 */
struct sla_report *sla_report_new(const struct conf *, int64_t since_ms, int64_t until_ms,
                                  const char *team);
/*
 * Counts one case (cases opened outside the span, or of another team, are
 * skipped). A response after until_ms counts as not given yet; a case
 * without it whose clock passed its target by until_ms counts as a breach.
 */
void sla_report_add(struct sla_report *, const struct sla_report_case *);
/*
 * {"since": RFC3339, "until": RFC3339, "timezone": "Asia/Jakarta", "team": T|null,
 *  "groups": [{"team": T|null, "priority": "critical", "opened": N, "acked": N,
 *    "resolved": N, "ack": {"count": N, "median_s": S|null, "p90_s": S|null,
 *    "target_s": S|null, "breaches": N}, "first_reply": {...}, "resolve": {...},
 *    "busiest_topics": [{"topic": "refund", "cases": N}],
 *    "busiest_hours": [{"hour": 9, "cases": N}]}]}
 * Groups by team (no team first, then by name), then priority, critical
 * first. Appends to b.
 */
void sla_report_json(struct sla_report *, struct buf *b);
/* The same for people, as plain text (a digest's body). Appends to b. */
void sla_report_text(struct sla_report *, struct buf *b);
void sla_report_free(struct sla_report *);

#endif
