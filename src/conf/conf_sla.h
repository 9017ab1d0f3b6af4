/*
 * conf_sla.h: the keys of keluhd.yaml that measure how fast people answer
 * complaints: business_hours, sla (targets per priority, optionally per
 * team), escalation and reports (digests on a schedule).
 *
 * Read by conf_load into struct conf's sla member, validated with the
 * rest (every error as file:line:col), and read-only afterwards. The
 * struct conf_sla owns everything it points to; conf_free frees it.
 */
#ifndef KELUH_CONF_SLA_H
#define KELUH_CONF_SLA_H

#include <stddef.h>
#include <stdint.h>

#include "engine/rules.h"
#include "lib/report.h"
#include "lib/yamlx.h"

struct bizhours;
struct confp;
struct receiver;
struct tz;

/* The clocks a case is measured on; names as in keluhd.yaml and metric labels. */
enum sla_target { SLA_ACK, SLA_FIRST_REPLY, SLA_RESOLVE, SLA_TARGET__N };
const char *conf_sla_target_name(enum sla_target); /* "ack", "first_reply", "resolve" */

/* The targets of one priority (of one team, or of everyone). */
struct conf_sla_prio {
	int64_t target_ms[SLA_TARGET__N]; /* 0: no target */
	int bizhours; /* counted in business hours (only when business_hours: is set) */
};

/* A team's targets: the priority-wide ones with what the team's entry names replaced. */
struct conf_sla_team {
	char *team;
	struct conf_sla_prio prio[PRIO__N];
};

/* Escalation of a priority: empty receivers = none. */
struct conf_escalation {
	size_t *receivers; /* indexes into conf.receivers */
	size_t nreceivers;
	int64_t repeat_every_ms; /* between steps, on the clock of the ack target */
	unsigned at_most;        /* steps at most, the first one included */
};

/* One digest: the report of the last `since`, sent on a schedule. */
struct conf_report {
	struct report_sched every;
	size_t *receivers; /* indexes into conf.receivers */
	size_t nreceivers;
	int64_t since_ms;
	char *team;    /* NULL: every team */
	unsigned line; /* in keluhd.yaml, to name it in logs */
};

struct conf_sla {
	struct bizhours *bizhours; /* NULL: no business_hours: every clock runs around the clock */
	struct conf_sla_prio prio[PRIO__N]; /* indexed by enum prio; PRIO_NONE unused */
	struct conf_sla_team *teams;
	size_t nteams;
	struct conf_escalation escalation[PRIO__N];
	struct conf_report *reports;
	size_t nreports;
	struct tz *report_tz; /* digests' zone: business_hours', else display's; NULL: UTC */
};

/*
 * Reads business_hours, sla, escalation and reports from the root mapping
 * into *s (zeroed by the caller), once the receivers rcv[0..n) (names are
 * checked against them) and display's zone (the digests' zone when
 * business_hours has none; NULL: UTC) are known.
 */
void conf_sla_load(struct confp *L, yaml_node_t *root, struct conf_sla *s,
                   const struct receiver *rcv, size_t nrcv, const struct tz *display_tz);
void conf_sla_free(struct conf_sla *);

#endif
