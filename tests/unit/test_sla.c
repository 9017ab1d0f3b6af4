/*
 * sla: the SLA clock, escalation steps, digest schedules and report
 * arithmetic, against times worked out by hand (the arithmetic is in the
 * comments), and the configuration's errors with their line and column.
 */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/sla.h"
#include "daemon/sla_report.h"
#include "lib/diag.h"
#include "lib/metrics.h"
#include "lib/report.h"
#include "lib/tz.h"
#include "unit.h"

#define MIN_MS  60000LL
#define HOUR_MS 3600000LL

static int
have_zones(void)
{
	return access("/usr/share/zoneinfo/Asia/Jakarta", R_OK) == 0 || getenv("TZDIR");
}

#define NEED_ZONES()                                                                               \
	do {                                                                                       \
		if (!have_zones()) {                                                               \
			printf("# SKIP sla: no zone files (install tzdata)\n");                    \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* "2026-12-04 09:30" read as UTC, in ms. */
static int64_t
utc(const char *s)
{
	struct tm tm = {0};

	ck_assert_msg(strptime(s, "%Y-%m-%d %H:%M", &tm) != NULL, "%s", s);
	return (int64_t)timegm(&tm) * 1000;
}

/* Jakarta is UTC+7 all year: "2026-12-04 16:30" there, in ms. */
static int64_t
wib(const char *s)
{
	return utc(s) - 7 * HOUR_MS;
}

/* Loads text as a keluhd.yaml; the first diagnostic into d (caller frees). */
static struct conf *
load(const char *text, struct diag *d)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[512];
	int fd;
	struct conf *c;

	snprintf(path, sizeof(path), "%s/keluh-test-sla.XXXXXX", dir);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	diag_init(d);
	c = conf_load(path, d);
	unlink(path);
	return c;
}

static struct conf *
load_ok(const char *text)
{
	struct diag d;
	struct conf *c = load(text, &d);

	ck_assert_msg(c != NULL, "%s", d.n ? d.items[0].msg : "?");
	diag_free(&d);
	return c;
}

#define RECEIVERS                                                                                  \
	"receivers:\n"                                                                             \
	"  - {name: support, type: console}\n"                                                     \
	"  - {name: pager, type: console}\n"                                                       \
	"routes:\n"                                                                                \
	"  - receivers: [support]\n"

/* Lines 6 on: the receivers take lines 1-5. */
static const char jakarta[] =
    RECEIVERS "business_hours:\n"
              "  timezone: Asia/Jakarta\n"
              "  days: mon-fri\n"
              "  hours: 08:00-17:00\n"
              "  holidays: [2026-12-25]\n"
              "sla:\n"
              "  critical: {ack: 15m, resolve: 4h}\n"
              "  high: {ack: 1h, resolve: 1d, business_hours: false}\n"
              "  normal: {ack: 1h, first_reply: 2h, resolve: 2d}\n"
              "  teams:\n"
              "    billing: {critical: {ack: 10m}}\n"
              "    vip: {critical: {business_hours: true}}\n"
              "escalation:\n"
              "  to: [pager]\n"
              "  repeat_every: 30m\n"
              "  at_most: 3\n"
              "  low: {at_most: 0}\n"
              "reports:\n"
              "  - {every: \"mon 09:00\", to: [support]}\n"
              "  - {every: \"daily 17:30\", to: support, since: 12h, team: billing}\n";

START_TEST(conf_reads)
{
	struct conf *c;

	NEED_ZONES();
	c = load_ok(jakarta);
	ck_assert_ptr_nonnull(c->sla.bizhours);
	ck_assert_int_eq(c->sla.prio[PRIO_CRITICAL].target_ms[SLA_ACK], 15 * MIN_MS);
	ck_assert_int_eq(c->sla.prio[PRIO_CRITICAL].target_ms[SLA_FIRST_REPLY], 0);
	/* critical around the clock, the others in business hours unless they say not */
	ck_assert_int_eq(c->sla.prio[PRIO_CRITICAL].bizhours, 0);
	ck_assert_int_eq(c->sla.prio[PRIO_HIGH].bizhours, 0);
	ck_assert_int_eq(c->sla.prio[PRIO_NORMAL].bizhours, 1);
	ck_assert_int_eq(c->sla.prio[PRIO_LOW].bizhours, 1);
	ck_assert_uint_eq(c->sla.nteams, 2);
	/* a team's entry replaces what it names only */
	ck_assert_str_eq(c->sla.teams[0].team, "billing");
	ck_assert_int_eq(c->sla.teams[0].prio[PRIO_CRITICAL].target_ms[SLA_ACK], 10 * MIN_MS);
	ck_assert_int_eq(c->sla.teams[0].prio[PRIO_CRITICAL].target_ms[SLA_RESOLVE], 4 * HOUR_MS);
	ck_assert_int_eq(c->sla.teams[0].prio[PRIO_NORMAL].target_ms[SLA_FIRST_REPLY], 2 * HOUR_MS);
	ck_assert_int_eq(c->sla.teams[1].prio[PRIO_CRITICAL].bizhours, 1);
	ck_assert_uint_eq(c->sla.escalation[PRIO_CRITICAL].nreceivers, 1);
	ck_assert_uint_eq(c->sla.escalation[PRIO_CRITICAL].receivers[0], 1);
	ck_assert_int_eq(c->sla.escalation[PRIO_CRITICAL].repeat_every_ms, 30 * MIN_MS);
	ck_assert_uint_eq(c->sla.escalation[PRIO_CRITICAL].at_most, 3);
	ck_assert_uint_eq(c->sla.escalation[PRIO_LOW].at_most, 0);
	ck_assert_uint_eq(c->sla.nreports, 2);
	ck_assert_int_eq(c->sla.reports[0].every.wday, 1);
	ck_assert_int_eq(c->sla.reports[0].every.minute, 9 * 60);
	ck_assert_int_eq(c->sla.reports[0].since_ms, 7 * 24 * HOUR_MS);
	ck_assert_int_eq(c->sla.reports[1].every.wday, -1);
	ck_assert_int_eq(c->sla.reports[1].since_ms, 12 * HOUR_MS);
	ck_assert_str_eq(c->sla.reports[1].team, "billing");
	ck_assert_str_eq(tz_name(c->sla.report_tz), "Asia/Jakarta");
	conf_free(c);
	/* escalation without any ack target is allowed, and warned about */
	{
		struct diag d;

		c = load(RECEIVERS "sla: {high: {resolve: 1d}}\nescalation: {to: [pager]}\n", &d);
		ck_assert_ptr_nonnull(c);
		ck_assert_uint_eq(d.warnings, 1);
		ck_assert_msg(strstr(d.items[0].msg, "no priority has an ack target") != NULL, "%s",
		              d.items[0].msg);
		ck_assert_uint_eq(d.items[0].line, 7);
		diag_free(&d);
		conf_free(c);
	}
	/* nothing configured: no targets, no calendar */
	c = load_ok(RECEIVERS);
	ck_assert_ptr_null(c->sla.bizhours);
	ck_assert_int_eq(c->sla.prio[PRIO_NORMAL].target_ms[SLA_ACK], 0);
	ck_assert_int_eq(c->sla.prio[PRIO_NORMAL].bizhours, 0);
	conf_free(c);
}
END_TEST

/* Each bad value: its error at its own line and column. */
static const struct {
	const char *yaml;
	unsigned line, col;
	const char *says;
} bad[] = {
    {RECEIVERS "business_hours:\n  timezone: Mars/Olympus\n  days: mon-fri\n"
               "  hours: 08:00-17:00\n",
     7, 13, "business_hours.timezone: "},
    {RECEIVERS "business_hours:\n  days: mon-fry\n  hours: 08:00-17:00\n", 7, 9,
     "business_hours.days: "},
    {RECEIVERS "business_hours:\n  days: mon-fri\n  hours: 08:00-12:00,11:00-17:00\n", 8, 10,
     "business_hours.hours: "},
    {RECEIVERS "business_hours:\n  days: mon-fri\n  hours: 17:00-08:00\n", 8, 10,
     "business_hours.hours: "},
    {RECEIVERS "business_hours:\n  days: mon-fri\n  hours: 08:00-17:00\n"
               "  holidays: [2026-12-25, 2026-02-30]\n",
     9, 26, "business_hours.holidays: "},
    {RECEIVERS "business_hours:\n  days: mon-fri\n", 7, 3, "business_hours: "},
    {RECEIVERS "sla:\n  normal: {ack: 15m, business_hours: true}\n", 7, 38,
     "sla.normal.business_hours: true, but there are no business hours"},
    {RECEIVERS "sla:\n  critical: {ack: 0s}\n", 7, 19, "sla.critical.ack must be more than 0s"},
    {RECEIVERS "sla:\n  critical: {ack: soon}\n", 7, 19, "ack: 'soon' is not a duration"},
    {RECEIVERS "sla:\n  urgent: {ack: 5m}\n", 7, 3, "unknown key 'urgent'"},
    {RECEIVERS "sla:\n  teams:\n    billing: {critical: {acknowledge: 5m}}\n", 8, 26,
     "unknown key 'acknowledge'"},
    {RECEIVERS "escalation:\n  to: [pagr]\n", 7, 7,
     "unknown receiver 'pagr'; did you "
     "mean 'pager'?"},
    {RECEIVERS "escalation:\n  repeat_every: 10m\n", 7, 3, "escalation needs to:"},
    {RECEIVERS "escalation:\n  to: pager\n  at_most: 1000\n", 8, 12, "at_most"},
    {RECEIVERS "reports:\n  - {every: \"mon 9am\", to: [support]}\n", 7, 13, "every: "},
    {RECEIVERS "reports:\n  - {every: \"someday 09:00\", to: [support]}\n", 7, 13,
     "'someday' is not a day"},
    {RECEIVERS "reports:\n  - {every: \"09:00\", to: [suport]}\n", 7, 26,
     "unknown receiver 'suport'"},
    {RECEIVERS "reports:\n  - {every: \"09:00\"}\n", 7, 5, "a report needs to:"},
};

START_TEST(conf_errors)
{
	struct diag d;
	struct conf *c;

	NEED_ZONES();
	c = load(bad[_i].yaml, &d);
	ck_assert_ptr_null(c);
	ck_assert_uint_ge(d.n, 1);
	ck_assert_msg(strstr(d.items[0].msg, bad[_i].says) != NULL, "case %d: '%s' lacks '%s'", _i,
	              d.items[0].msg, bad[_i].says);
	ck_assert_msg(d.items[0].line == bad[_i].line && d.items[0].col == bad[_i].col,
	              "case %d: %u:%u, not %u:%u: %s", _i, d.items[0].line, d.items[0].col,
	              bad[_i].line, bad[_i].col, d.items[0].msg);
	diag_free(&d);
}
END_TEST

START_TEST(clock_business)
{
	struct conf *c;

	NEED_ZONES();
	c = load_ok(jakarta);
	/* Friday 16:30: 30 min left that day, 30 min on Monday from 08:00 */
	ck_assert_int_eq(sla_ack_deadline(c, NULL, PRIO_NORMAL, wib("2026-12-04 16:30")),
	                 wib("2026-12-07 08:30"));
	/* Thursday 24th 16:30: Friday 25th is a holiday, so Monday 28th */
	ck_assert_int_eq(sla_ack_deadline(c, "", PRIO_NORMAL, wib("2026-12-24 16:30")),
	                 wib("2026-12-28 08:30"));
	/* opened on Saturday: the clock starts on Monday at 08:00 */
	ck_assert_int_eq(sla_ack_deadline(c, NULL, PRIO_NORMAL, wib("2026-12-05 11:00")),
	                 wib("2026-12-07 09:00"));
	/* resolve 2d = 48 business hours: Monday to Friday hold 5 x 9h = 45h, then 3h */
	ck_assert_int_eq(sla_resolve_deadline(c, NULL, PRIO_NORMAL, wib("2026-12-07 08:00")),
	                 wib("2026-12-14 11:00"));
	/* response times on the same clock: 30 min on Friday + 45 min on Monday */
	ck_assert_int_eq(
	    sla_elapsed(c, NULL, PRIO_NORMAL, wib("2026-12-04 16:30"), wib("2026-12-07 08:45")),
	    75 * MIN_MS);
	ck_assert_int_eq(sla_breached(c, NULL, PRIO_NORMAL, SLA_ACK, wib("2026-12-04 16:30"),
	                              wib("2026-12-07 08:45"), 0),
	                 1);
	/* exactly at the deadline meets it */
	ck_assert_int_eq(sla_breached(c, NULL, PRIO_NORMAL, SLA_ACK, wib("2026-12-04 16:30"),
	                              wib("2026-12-07 08:30"), 0),
	                 0);
	/* not acknowledged yet: overdue once now is past the deadline */
	ck_assert_int_eq(sla_breached(c, NULL, PRIO_NORMAL, SLA_ACK, wib("2026-12-04 16:30"), -1,
	                              wib("2026-12-05 12:00")),
	                 0);
	ck_assert_int_eq(sla_breached(c, NULL, PRIO_NORMAL, SLA_ACK, wib("2026-12-04 16:30"), -1,
	                              wib("2026-12-07 08:31")),
	                 1);
	/* overdue: not acked past the ack deadline, or not resolved past the resolve one */
	ck_assert_int_eq(sla_overdue(c, NULL, PRIO_NORMAL, wib("2026-12-04 16:30"), -1, -1,
	                             wib("2026-12-07 08:30")),
	                 0);
	ck_assert_int_eq(sla_overdue(c, NULL, PRIO_NORMAL, wib("2026-12-04 16:30"), -1, -1,
	                             wib("2026-12-07 08:31")),
	                 1);
	ck_assert_int_eq(sla_overdue(c, NULL, PRIO_NORMAL, wib("2026-12-04 16:30"),
	                             wib("2026-12-07 08:00"), -1, wib("2026-12-07 08:31")),
	                 0);
	/* resolve 2d = 48h: Friday 30 min, Monday to Friday 45h, Monday 14th 2.5h -> 10:30 */
	ck_assert_int_eq(sla_overdue(c, NULL, PRIO_NORMAL, wib("2026-12-04 16:30"),
	                             wib("2026-12-07 08:00"), -1, wib("2026-12-11 16:59")),
	                 0);
	ck_assert_int_eq(sla_overdue(c, NULL, PRIO_NORMAL, wib("2026-12-04 16:30"),
	                             wib("2026-12-07 08:00"), -1, wib("2026-12-14 10:31")),
	                 1);
	ck_assert_int_eq(sla_overdue(c, NULL, PRIO_NORMAL, wib("2026-12-04 16:30"),
	                             wib("2026-12-07 08:00"), wib("2026-12-11 16:00"),
	                             wib("2026-12-14 10:31")),
	                 0);
	/* no target: never due, never breached */
	ck_assert_int_eq(sla_deadline(c, NULL, PRIO_CRITICAL, SLA_FIRST_REPLY, 0), -1);
	ck_assert_int_eq(sla_breached(c, NULL, PRIO_LOW, SLA_ACK, 0, -1, wib("2027-01-01 00:00")),
	                 0);
	conf_free(c);
}
END_TEST

START_TEST(clock_around)
{
	struct conf *c;
	struct sla_policy pol;

	NEED_ZONES();
	c = load_ok(jakarta);
	/* critical counts around the clock: Friday 16:30 + 15 min, not Monday */
	ck_assert_int_eq(sla_ack_deadline(c, NULL, PRIO_CRITICAL, wib("2026-12-04 16:30")),
	                 wib("2026-12-04 16:45"));
	/* and on a holiday night */
	ck_assert_int_eq(sla_ack_deadline(c, NULL, PRIO_CRITICAL, wib("2026-12-25 23:50")),
	                 wib("2026-12-26 00:05"));
	ck_assert_int_eq(
	    sla_elapsed(c, NULL, PRIO_CRITICAL, wib("2026-12-04 16:30"), wib("2026-12-07 08:45")),
	    (2 * 24 * 60 + 16 * 60 + 15) * MIN_MS);
	/* high says business_hours: false */
	ck_assert_int_eq(sla_ack_deadline(c, NULL, PRIO_HIGH, wib("2026-12-04 16:30")),
	                 wib("2026-12-04 17:30"));
	/* billing's critical ack is 10m; its resolve is everyone's 4h */
	ck_assert_int_eq(sla_ack_deadline(c, "billing", PRIO_CRITICAL, wib("2026-12-04 16:30")),
	                 wib("2026-12-04 16:40"));
	ck_assert_int_eq(sla_resolve_deadline(c, "billing", PRIO_CRITICAL, wib("2026-12-04 16:30")),
	                 wib("2026-12-04 20:30"));
	/* vip's critical is configured to count in business hours */
	ck_assert_int_eq(sla_ack_deadline(c, "vip", PRIO_CRITICAL, wib("2026-12-04 16:50")),
	                 wib("2026-12-07 08:05"));
	/* a team without an entry has everyone's */
	sla_policy(c, "nobody", PRIO_CRITICAL, &pol);
	ck_assert_int_eq(pol.target_ms[SLA_ACK], 15 * MIN_MS);
	ck_assert_ptr_null(pol.cal);
	ck_assert_ptr_nonnull(pol.esc);
	sla_policy(c, NULL, PRIO_NONE, &pol);
	ck_assert_int_eq(pol.target_ms[SLA_ACK], 0);
	conf_free(c);
}
END_TEST

/* Ticks a minute at a time from `from` to `to`; the instants at which a step was sent. */
static size_t
run_escalation(const struct conf *c, enum prio p, int64_t opened, int64_t ack_at, int64_t from,
               int64_t to, int64_t *fired, size_t max)
{
	unsigned done = 0;
	size_t n = 0;

	for (int64_t now = from; now <= to; now += MIN_MS) {
		struct sla_escalation e;
		int r = sla_escalation_step(c, NULL, p, opened, ack_at >= 0 && now >= ack_at, now,
		                            done, &e);

		if (r == 1) {
			ck_assert_uint_lt(n, max);
			fired[n++] = now;
			ck_assert_uint_ge(e.step, done);
			done = e.step + 1;
		} else if (r == 0)
			ck_assert_int_gt(e.due_ms, now);
	}
	return n;
}

START_TEST(escalation_steps)
{
	struct conf *c;
	int64_t fired[16];
	size_t n;
	struct sla_escalation e;

	NEED_ZONES();
	c = load_ok(jakarta);
	/* critical, around the clock: ack due 09:15, then every 30 min, 3 steps at most */
	n = run_escalation(c, PRIO_CRITICAL, wib("2026-12-07 09:00"), -1, wib("2026-12-07 09:00"),
	                   wib("2026-12-07 18:00"), fired, 16);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(fired[0], wib("2026-12-07 09:15"));
	ck_assert_int_eq(fired[1], wib("2026-12-07 09:45"));
	ck_assert_int_eq(fired[2], wib("2026-12-07 10:15"));
	/* acknowledged at 09:50: the third step never goes */
	n = run_escalation(c, PRIO_CRITICAL, wib("2026-12-07 09:00"), wib("2026-12-07 09:50"),
	                   wib("2026-12-07 09:00"), wib("2026-12-07 18:00"), fired, 16);
	ck_assert_uint_eq(n, 2);
	/* normal, in business hours: Friday 16:30 is due Monday 08:30, then 09:00, 09:30 */
	n = run_escalation(c, PRIO_NORMAL, wib("2026-12-04 16:30"), -1, wib("2026-12-04 16:30"),
	                   wib("2026-12-07 12:00"), fired, 16);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(fired[0], wib("2026-12-07 08:30"));
	ck_assert_int_eq(fired[1], wib("2026-12-07 09:00"));
	ck_assert_int_eq(fired[2], wib("2026-12-07 09:30"));
	/* a step due at 16:45 and the next 30 business minutes later: Monday 08:15 */
	ck_assert_int_eq(sla_escalation_step(c, NULL, PRIO_NORMAL, wib("2026-12-04 15:45"), 0,
	                                     wib("2026-12-04 16:50"), 1, &e),
	                 0);
	ck_assert_int_eq(e.due_ms, wib("2026-12-07 08:15"));
	ck_assert_uint_eq(e.step, 1);
	/* keluhd was down past every step: one escalation, the last, not a burst */
	ck_assert_int_eq(sla_escalation_step(c, NULL, PRIO_CRITICAL, wib("2026-12-07 09:00"), 0,
	                                     wib("2026-12-07 15:00"), 0, &e),
	                 1);
	ck_assert_uint_eq(e.step, 2);
	ck_assert_int_eq(sla_escalation_step(c, NULL, PRIO_CRITICAL, wib("2026-12-07 09:00"), 0,
	                                     wib("2026-12-07 15:00"), 3, &e),
	                 -1);
	/* low: at_most 0, and no ack target anyway */
	ck_assert_int_eq(
	    sla_escalation_step(c, NULL, PRIO_LOW, 0, 0, wib("2027-01-01 00:00"), 0, &e), -1);
	conf_free(c);
}
END_TEST

static int64_t
next_fire(const char *zone, const char *spec, int64_t after)
{
	struct report_sched s;
	struct tz *tz = NULL;
	char err[300];
	int64_t t;

	ck_assert_msg(report_sched_parse(spec, &s, err, sizeof(err)) == 0, "%s", err);
	if (zone)
		ck_assert_msg((tz = tz_load(zone, err, sizeof(err))) != NULL, "%s", err);
	t = report_sched_next(&s, tz, after);
	tz_free(tz);
	return t;
}

START_TEST(digest_schedule)
{
	struct report_sched s;
	char err[300], out[16];

	NEED_ZONES();
	/* Jakarta, no DST: Friday -> Monday 09:00 WIB = 02:00 UTC; from that instant, a week on */
	ck_assert_int_eq(next_fire("Asia/Jakarta", "mon 09:00", wib("2026-12-04 10:00")),
	                 utc("2026-12-07 02:00"));
	ck_assert_int_eq(next_fire("Asia/Jakarta", "Monday 09:00", utc("2026-12-07 02:00")),
	                 utc("2026-12-14 02:00"));
	ck_assert_int_eq(next_fire("Asia/Jakarta", "09:00", wib("2026-12-04 08:59")),
	                 wib("2026-12-04 09:00"));
	ck_assert_int_eq(next_fire("Asia/Jakarta", "daily 09:00", wib("2026-12-04 09:00")),
	                 wib("2026-12-05 09:00"));
	/* Berlin, spring forward on 2026-03-29 at 01:00 UTC: 02:00 CET -> 03:00 CEST */
	ck_assert_int_eq(next_fire("Europe/Berlin", "mon 09:00", utc("2026-03-23 08:00")),
	                 utc("2026-03-30 07:00"));
	ck_assert_int_eq(next_fire("Europe/Berlin", "daily 09:00", utc("2026-03-28 08:00")),
	                 utc("2026-03-29 07:00"));
	/* 02:30 does not exist that night: 03:30 CEST (01:30 UTC), then 02:30 CEST */
	ck_assert_int_eq(next_fire("Europe/Berlin", "daily 02:30", utc("2026-03-28 12:00")),
	                 utc("2026-03-29 01:30"));
	ck_assert_int_eq(next_fire("Europe/Berlin", "daily 02:30", utc("2026-03-29 01:30")),
	                 utc("2026-03-30 00:30"));
	/* fall back on 2026-10-25 at 01:00 UTC: 02:30 happens twice, fires once (CEST) */
	ck_assert_int_eq(next_fire("Europe/Berlin", "daily 02:30", utc("2026-10-24 12:00")),
	                 utc("2026-10-25 00:30"));
	ck_assert_int_eq(next_fire("Europe/Berlin", "daily 02:30", utc("2026-10-25 00:30")),
	                 utc("2026-10-26 01:30"));
	ck_assert_int_eq(next_fire("Europe/Berlin", "sun 09:00", utc("2026-10-24 12:00")),
	                 utc("2026-10-25 08:00"));
	/* UTC when there is no zone */
	ck_assert_int_eq(next_fire(NULL, "sat 00:00", utc("2026-12-04 10:00")),
	                 utc("2026-12-05 00:00"));
	ck_assert_int_eq(report_sched_parse("mon 24:00", &s, err, sizeof(err)), -1);
	ck_assert_int_eq(report_sched_parse("9:00", &s, err, sizeof(err)), -1);
	ck_assert_int_eq(report_sched_parse("weekly", &s, err, sizeof(err)), -1);
	ck_assert_int_eq(report_sched_parse("fri 17:05", &s, err, sizeof(err)), 0);
	report_sched_format(&s, out, sizeof(out));
	ck_assert_str_eq(out, "fri 17:05");
}
END_TEST

START_TEST(percentiles)
{
	int64_t odd[] = {5, 1, 4, 2, 3}, even[] = {40, 10, 30, 20}, ten[10], one[] = {7};
	uint64_t counts[] = {0, 3, 5, 3, 1};
	size_t top[3];
	struct report_stats st;

	/* n=5: median rank ceil(2.5)=3 -> 3; p90 rank ceil(4.5)=5 -> 5; above 3: 4 and 5 */
	report_stats(odd, 5, 3, &st);
	ck_assert_uint_eq(st.count, 5);
	ck_assert_int_eq(st.median_ms, 3);
	ck_assert_int_eq(st.p90_ms, 5);
	ck_assert_uint_eq(st.breaches, 2);
	/* n=4: median rank 2 -> 20 (the lower middle); p90 rank ceil(3.6)=4 -> 40 */
	report_stats(even, 4, 0, &st);
	ck_assert_int_eq(st.median_ms, 20);
	ck_assert_int_eq(st.p90_ms, 40);
	ck_assert_uint_eq(st.breaches, 0);
	/* n=10: p90 rank 9 */
	for (int i = 0; i < 10; i++)
		ten[i] = 10 - i;
	report_stats(ten, 10, 10, &st);
	ck_assert_int_eq(st.median_ms, 5);
	ck_assert_int_eq(st.p90_ms, 9);
	ck_assert_uint_eq(st.breaches, 0);
	report_stats(one, 1, 6, &st);
	ck_assert_int_eq(st.median_ms, 7);
	ck_assert_int_eq(st.p90_ms, 7);
	ck_assert_uint_eq(st.breaches, 1);
	report_stats(NULL, 0, 6, &st);
	ck_assert_int_eq(st.median_ms, -1);
	ck_assert_int_eq(st.p90_ms, -1);
	/* busiest first, ties in index order, zeros never */
	ck_assert_uint_eq(report_rank(counts, 5, top, 3), 3);
	ck_assert_uint_eq(top[0], 2);
	ck_assert_uint_eq(top[1], 1);
	ck_assert_uint_eq(top[2], 3);
	ck_assert_uint_eq(report_rank(counts, 2, top, 3), 1);
	ck_assert_uint_eq(report_rank(counts, 5, top, 0), 0);
}
END_TEST

static json_t *
group_of(json_t *root, const char *team, const char *prio)
{
	json_t *groups = json_object_get(root, "groups"), *g;
	size_t i;

	json_array_foreach(groups, i, g)
	{
		json_t *t = json_object_get(g, "team");

		if ((team ? json_is_string(t) && strcmp(json_string_value(t), team) == 0
		          : json_is_null(t)) &&
		    strcmp(json_string_value(json_object_get(g, "priority")), prio) == 0)
			return g;
	}
	return NULL;
}

static json_int_t
jint(json_t *g, const char *clock, const char *key)
{
	json_t *v = json_object_get(clock ? json_object_get(g, clock) : g, key);

	ck_assert_msg(json_is_integer(v), "%s.%s is not a number", clock ? clock : "", key);
	return json_integer_value(v);
}

START_TEST(report_render)
{
	struct conf *c;
	struct sla_report *r;
	struct buf b;
	json_t *root, *g, *v;
	json_error_t jerr;
	int64_t since = wib("2026-12-07 00:00"), until = wib("2026-12-14 00:00");
	const struct sla_report_case cases[] = {
	    /* billing critical (ack 10m, around the clock): acked in 5, 20 and not at all */
	    {"billing", PRIO_CRITICAL, "refund", wib("2026-12-07 09:00"), wib("2026-12-07 09:05"),
	     -1, wib("2026-12-07 10:00")},
	    {"billing", PRIO_CRITICAL, "refund", wib("2026-12-08 09:10"), wib("2026-12-08 09:30"),
	     wib("2026-12-08 10:10"), -1},
	    {"billing", PRIO_CRITICAL, "login", wib("2026-12-09 14:00"), -1, -1, -1},
	    /* acked after the end of the span: not acked in this report */
	    {"billing", PRIO_CRITICAL, "refund", wib("2026-12-13 23:00"), wib("2026-12-14 01:00"),
	     -1, -1},
	    /* no team, normal (business hours): 16:30 -> next day 08:45 = 30 + 45 min */
	    {NULL, PRIO_NORMAL, NULL, wib("2026-12-10 16:30"), wib("2026-12-11 08:45"), -1, -1},
	    {"", PRIO_NORMAL, "app", wib("2026-12-08 09:00"), wib("2026-12-08 09:30"), -1, -1},
	    /* outside the span */
	    {"billing", PRIO_CRITICAL, "refund", wib("2026-12-06 23:59"), -1, -1, -1},
	};

	NEED_ZONES();
	c = load_ok(jakarta);
	r = sla_report_new(c, since, until, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		sla_report_add(r, &cases[i]);
	buf_init(&b);
	sla_report_json(r, &b);
	root = json_loadb(b.data, b.len, 0, &jerr);
	ck_assert_msg(root != NULL, "%s: %.*s", jerr.text, (int)(b.len < 1500 ? b.len : 1500),
	              b.data);
	ck_assert_str_eq(json_string_value(json_object_get(root, "timezone")), "Asia/Jakarta");
	ck_assert_str_eq(json_string_value(json_object_get(root, "since")), "2026-12-06T17:00:00Z");
	ck_assert_uint_eq(json_array_size(json_object_get(root, "groups")), 2);
	/* no team first */
	g = json_array_get(json_object_get(root, "groups"), 0);
	ck_assert(json_is_null(json_object_get(g, "team")));
	g = group_of(root, "billing", "critical");
	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(jint(g, NULL, "opened"), 4);
	ck_assert_int_eq(jint(g, NULL, "acked"), 2);
	ck_assert_int_eq(jint(g, NULL, "resolved"), 1);
	/* ack durations 300 s and 1200 s: median (rank 1) 300, p90 (rank 2) 1200 */
	ck_assert_int_eq(jint(g, "ack", "count"), 2);
	ck_assert_int_eq(jint(g, "ack", "median_s"), 300);
	ck_assert_int_eq(jint(g, "ack", "p90_s"), 1200);
	ck_assert_int_eq(jint(g, "ack", "target_s"), 600);
	/* 1200 > 600, the 14:00 case never acked, the 23:00 one past 23:10 by the end */
	ck_assert_int_eq(jint(g, "ack", "breaches"), 3);
	ck_assert_int_eq(jint(g, "first_reply", "count"), 1);
	ck_assert(json_is_null(json_object_get(json_object_get(g, "first_reply"), "target_s")));
	ck_assert_int_eq(jint(g, "resolve", "median_s"), 3600);
	v = json_object_get(g, "busiest_topics");
	ck_assert_uint_eq(json_array_size(v), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(v, 0), "topic")),
	                 "refund");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(v, 0), "cases")), 3);
	v = json_object_get(g, "busiest_hours");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(v, 0), "hour")), 9);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(v, 0), "cases")), 2);
	/* business time: 75 min and 30 min; target 1h: one breach */
	g = group_of(root, NULL, "normal");
	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(jint(g, NULL, "opened"), 2);
	ck_assert_int_eq(jint(g, "ack", "median_s"), 1800);
	ck_assert_int_eq(jint(g, "ack", "p90_s"), 75 * 60);
	ck_assert_int_eq(jint(g, "ack", "breaches"), 1);
	json_decref(root);
	buf_reset(&b);
	sla_report_text(r, &b);
	buf_addc(&b, '\0');
	ck_assert_msg(strstr(b.data, "billing, critical: 4 opened, 2 acknowledged, 1 resolved") !=
	                  NULL,
	              "%.1500s", b.data);
	ck_assert_msg(strstr(b.data, "target 10m, 3 breached") != NULL, "%.1500s", b.data);
	ck_assert_msg(strstr(b.data, "busiest topics: refund (3), login (1)") != NULL, "%s",
	              b.data);
	ck_assert_msg(strstr(b.data, "2026-12-07 00:00 WIB") != NULL, "%.1500s", b.data);
	buf_free(&b);
	sla_report_free(r);
	/* one team only */
	r = sla_report_new(c, since, until, "billing");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		sla_report_add(r, &cases[i]);
	buf_init(&b);
	sla_report_json(r, &b);
	root = json_loadb(b.data, b.len, 0, &jerr);
	ck_assert_ptr_nonnull(root);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "groups")), 1);
	json_decref(root);
	buf_free(&b);
	sla_report_free(r);
	conf_free(c);
}
END_TEST

START_TEST(histograms)
{
	struct buf b;

	metrics_init();
	sla_metrics_observe("billing", PRIO_CRITICAL, SLA_ACK, 120);
	sla_metrics_observe("billing", PRIO_CRITICAL, SLA_ACK, 4000);
	sla_metrics_observe("te\"am", PRIO_LOW, SLA_RESOLVE, 1e6);
	sla_metrics_breach("billing", PRIO_CRITICAL, SLA_ACK);
	sla_metrics_escalated("billing", PRIO_CRITICAL);
	sla_metrics_overdue(4);
	metrics_observe_latency("slack", 0.02);
	buf_init(&b);
	metrics_render(&b);
	buf_addc(&b, '\0');
#define HAS(s) ck_assert_msg(strstr(b.data, s) != NULL, "no %s in:\n%.1500s", s, b.data)
	HAS("# TYPE keluh_case_ack_seconds histogram\n");
	HAS("keluh_case_ack_seconds_bucket{team=\"billing\",priority=\"critical\",le=\"60\"} 0\n");
	HAS("keluh_case_ack_seconds_bucket{team=\"billing\",priority=\"critical\",le=\"300\"} 1\n");
	HAS("keluh_case_ack_seconds_bucket{team=\"billing\",priority=\"critical\",le=\"7200\"} "
	    "2\n");
	HAS("keluh_case_ack_seconds_bucket{team=\"billing\",priority=\"critical\",le=\"259200\"} "
	    "2\n");
	HAS("keluh_case_ack_seconds_count{team=\"billing\",priority=\"critical\"} 2\n");
	HAS("keluh_case_ack_seconds_sum{team=\"billing\",priority=\"critical\"} 4120.000000\n");
	HAS("keluh_case_resolve_seconds_bucket{team=\"te\\\"am\",priority=\"low\",le=\"+Inf\"} "
	    "1\n");
	HAS("keluh_sla_breaches_total{team=\"billing\",priority=\"critical\",target=\"ack\"} 1\n");
	HAS("keluh_escalations_total{team=\"billing\",priority=\"critical\"} 1\n");
	HAS("keluh_cases_overdue 4\n");
	/* the delivery latency keeps its own buckets */
	HAS("keluh_delivery_latency_seconds_bucket{receiver=\"slack\",le=\"0.025\"} 1\n");
	HAS("keluh_delivery_latency_seconds_bucket{receiver=\"slack\",le=\"0.01\"} 0\n");
	ck_assert_ptr_null(strstr(b.data,
	                          "keluh_delivery_latency_seconds_bucket{receiver=\"slack\","
	                          "le=\"259200\"}"));
#undef HAS
	buf_free(&b);
	metrics_free();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sla");
	TCase *tc = tcase_create("sla");

	tcase_add_test(tc, conf_reads);
	tcase_add_loop_test(tc, conf_errors, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, clock_business);
	tcase_add_test(tc, clock_around);
	tcase_add_test(tc, escalation_steps);
	tcase_add_test(tc, digest_schedule);
	tcase_add_test(tc, percentiles);
	tcase_add_test(tc, report_render);
	tcase_add_test(tc, histograms);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
