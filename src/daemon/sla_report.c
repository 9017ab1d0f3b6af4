#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/sla.h"
#include "daemon/sla_report.h"
#include "lib/metrics.h"
#include "lib/report.h"
#include "lib/tz.h"

#define OTHER "other"

struct durations {
	int64_t *v;
	size_t n, cap;
	size_t open_breaches; /* not answered by the end, and already past the target */
};

struct group {
	char *team; /* NULL: no team */
	enum prio prio;
	size_t opened, acked, resolved;
	struct durations d[SLA_TARGET__N];
	uint64_t *topics; /* cases by topic id, grown to the largest id seen */
	size_t ntopics;
	uint64_t hours[24];
};

struct sla_report {
	const struct conf *c;
	int64_t since_ms, until_ms;
	char *team;
	struct group *groups;
	size_t ngroups;
	uint32_t ghash[SLA_REPORT_MAX_GROUPS * 2]; /* index + 1 */
	char **topics;                             /* interned names, by id */
	size_t ntopics;
	uint32_t thash[SLA_REPORT_MAX_TOPICS * 2]; /* index + 1 */
};

struct sla_report *
sla_report_new(const struct conf *c, int64_t since_ms, int64_t until_ms, const char *team)
{
	struct sla_report *r = xcalloc(1, sizeof(*r));

	r->c = c;
	r->since_ms = since_ms;
	r->until_ms = until_ms;
	r->team = team ? xstrdup(team) : NULL;
	return r;
}

void
sla_report_free(struct sla_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->ngroups; i++) {
		free(r->groups[i].team);
		free(r->groups[i].topics);
		for (int t = 0; t < SLA_TARGET__N; t++)
			free(r->groups[i].d[t].v);
	}
	free(r->groups);
	for (size_t i = 0; i < r->ntopics; i++)
		free(r->topics[i]);
	free(r->topics);
	free(r->team);
	free(r);
}

static int
same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* The slot of (team, prio) in the hash: its group's, or the empty one where it goes. */
static size_t
group_slot(const struct sla_report *r, const char *team, enum prio p)
{
	size_t h = (util_hash_str(team ? team : "") * 31 + (size_t)p) % (SLA_REPORT_MAX_GROUPS * 2);

	for (; r->ghash[h]; h = (h + 1) % (SLA_REPORT_MAX_GROUPS * 2)) {
		const struct group *g = &r->groups[r->ghash[h] - 1];

		if (g->prio == p && same(g->team, team))
			break;
	}
	return h;
}

/* The group of (team, prio); past the bound, team "other" (found or made with a reserved slot). */
static struct group *
group_of(struct sla_report *r, const char *team, enum prio p)
{
	size_t h = group_slot(r, team, p);
	struct group *g;

	if (r->ghash[h])
		return &r->groups[r->ghash[h] - 1];
	/* PRIO__N slots kept for "other", one a priority */
	if (r->ngroups >= SLA_REPORT_MAX_GROUPS - PRIO__N && !same(team, OTHER)) {
		metrics_bound_hit("report_groups", "report: too many teams; the rest count as "
		                                   "'" OTHER "'");
		return group_of(r, OTHER, p);
	}
	if (r->ngroups % 16 == 0)
		r->groups = xreallocarray(r->groups, r->ngroups + 16, sizeof(*r->groups));
	g = &r->groups[r->ngroups];
	memset(g, 0, sizeof(*g));
	g->team = team ? xstrdup(team) : NULL;
	g->prio = p;
	r->ghash[h] = (uint32_t)++r->ngroups;
	return g;
}

static size_t
topic_of(struct sla_report *r, const char *name)
{
	size_t h = util_hash_str(name) % (SLA_REPORT_MAX_TOPICS * 2);

	for (; r->thash[h]; h = (h + 1) % (SLA_REPORT_MAX_TOPICS * 2))
		if (strcmp(r->topics[r->thash[h] - 1], name) == 0)
			return r->thash[h] - 1;
	if (r->ntopics >= SLA_REPORT_MAX_TOPICS - 1 && strcmp(name, OTHER) != 0) {
		metrics_bound_hit("report_topics", "report: too many topics; the rest count as "
		                                   "'" OTHER "'");
		return topic_of(r, OTHER);
	}
	if (r->ntopics % 64 == 0)
		r->topics = xreallocarray(r->topics, r->ntopics + 64, sizeof(char *));
	r->topics[r->ntopics] = xstrdup(name);
	r->thash[h] = (uint32_t)++r->ntopics;
	return r->ntopics - 1;
}

static void
durations_push(struct durations *d, int64_t v)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
	}
	d->v[d->n++] = v;
}

/* One clock of a case: its duration when answered by the end, else maybe an open breach. */
static void
add_clock(struct sla_report *r, struct group *g, const struct sla_report_case *k, enum sla_target t,
          int64_t done_ms)
{
	int64_t el;

	if (done_ms >= 0 && done_ms <= r->until_ms) {
		if ((el = sla_elapsed(r->c, k->team, k->prio, k->opened_ms, done_ms)) >= 0)
			durations_push(&g->d[t], el);
		return;
	}
	if (sla_breached(r->c, k->team, k->prio, t, k->opened_ms, -1, r->until_ms))
		g->d[t].open_breaches++;
}

void
sla_report_add(struct sla_report *r, const struct sla_report_case *k)
{
	const char *team = k->team && *k->team ? k->team : NULL;
	struct group *g;
	struct tm tm;
	const char *abbr;

	if (k->opened_ms < r->since_ms || k->opened_ms >= r->until_ms ||
	    (unsigned)k->prio >= PRIO__N || (r->team && !same(team, r->team)))
		return;
	g = group_of(r, team, k->prio);
	g->opened++;
	g->acked += k->acked_ms >= 0 && k->acked_ms <= r->until_ms;
	g->resolved += k->resolved_ms >= 0 && k->resolved_ms <= r->until_ms;
	add_clock(r, g, k, SLA_ACK, k->acked_ms);
	add_clock(r, g, k, SLA_FIRST_REPLY, k->first_reply_ms);
	add_clock(r, g, k, SLA_RESOLVE, k->resolved_ms);
	if (k->topic && *k->topic) {
		size_t id = topic_of(r, k->topic);

		if (id >= g->ntopics) {
			size_t n = id + 1 > g->ntopics * 2 ? id + 1 : g->ntopics * 2;

			g->topics = xreallocarray(g->topics, n, sizeof(*g->topics));
			memset(g->topics + g->ntopics, 0, (n - g->ntopics) * sizeof(*g->topics));
			g->ntopics = n;
		}
		g->topics[id]++;
	}
	tz_local(r->c->sla.report_tz, k->opened_ms / 1000, &tm, &abbr);
	g->hours[tm.tm_hour]++;
}

static int
group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int c;

	if (!same(x->team, y->team)) {
		if (x->team == NULL || y->team == NULL)
			return x->team == NULL ? -1 : 1;
		if ((c = strcmp(x->team, y->team)) != 0)
			return c;
	}
	return (int)y->prio - (int)x->prio;
}

/* Sorted groups and their summaries, computed once before rendering. */
static void
report_finish(struct sla_report *r, struct report_stats st[][SLA_TARGET__N], struct sla_policy *pol)
{
	if (r->ngroups > 0) /* a report of no case has no groups: qsort must not see NULL */
		qsort(r->groups, r->ngroups, sizeof(*r->groups), group_cmp);
	/* the hash holds indexes into groups: made again for their new order */
	memset(r->ghash, 0, sizeof(r->ghash));
	for (size_t i = 0; i < r->ngroups; i++) {
		struct group *g = &r->groups[i];

		r->ghash[group_slot(r, g->team, g->prio)] = (uint32_t)i + 1;

		sla_policy(r->c, g->team, g->prio, &pol[i]);
		for (int t = 0; t < SLA_TARGET__N; t++) {
			report_stats(g->d[t].v, g->d[t].n, pol[i].target_ms[t], &st[i][t]);
			st[i][t].breaches += g->d[t].open_breaches;
		}
	}
}

static void
json_ms(struct buf *b, const char *key, int64_t ms, int null_if_neg)
{
	buf_printf(b, "\"%s\": ", key);
	if (null_if_neg && ms < 0)
		buf_adds(b, "null");
	else
		buf_printf(b, "%lld", (long long)(ms / 1000));
}


static void
json_group(struct sla_report *r, struct buf *b, const struct group *g,
           const struct report_stats *st, const struct sla_policy *pol)
{
	size_t top[SLA_REPORT_TOP], n;

	buf_adds(b, "{\"team\": ");
	buf_add_json_quoted(b, g->team);
	buf_printf(b, ", \"priority\": \"%s\", \"opened\": %zu, \"acked\": %zu, \"resolved\": %zu",
	           prio_name(g->prio), g->opened, g->acked, g->resolved);
	for (int t = 0; t < SLA_TARGET__N; t++) {
		buf_printf(b, ", \"%s\": {\"count\": %zu, ",
		           conf_sla_target_name((enum sla_target)t), st[t].count);
		json_ms(b, "median_s", st[t].median_ms, 1);
		buf_adds(b, ", ");
		json_ms(b, "p90_s", st[t].p90_ms, 1);
		buf_adds(b, ", ");
		json_ms(b, "target_s", pol->target_ms[t] ? pol->target_ms[t] : -1, 1);
		buf_printf(b, ", \"breaches\": %zu}", st[t].breaches);
	}
	buf_adds(b, ", \"busiest_topics\": [");
	n = report_rank(g->topics, g->ntopics, top, SLA_REPORT_TOP);
	for (size_t i = 0; i < n; i++) {
		buf_adds(b, i ? ", {\"topic\": " : "{\"topic\": ");
		buf_add_json_quoted(b, r->topics[top[i]]);
		buf_printf(b, ", \"cases\": %llu}", (unsigned long long)g->topics[top[i]]);
	}
	buf_adds(b, "], \"busiest_hours\": [");
	n = report_rank(g->hours, 24, top, SLA_REPORT_TOP);
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%s{\"hour\": %zu, \"cases\": %llu}", i ? ", " : "", top[i],
		           (unsigned long long)g->hours[top[i]]);
	buf_adds(b, "]}");
}

void
sla_report_json(struct sla_report *r, struct buf *b)
{
	struct report_stats(*st)[SLA_TARGET__N] = xcalloc(r->ngroups + 1, sizeof(*st));
	struct sla_policy *pol = xcalloc(r->ngroups + 1, sizeof(*pol));
	char since[32], until[32];

	report_finish(r, st, pol);
	util_iso8601(r->since_ms, since, sizeof(since));
	util_iso8601(r->until_ms, until, sizeof(until));
	buf_printf(b, "{\"since\": \"%s\", \"until\": \"%s\", \"timezone\": ", since, until);
	buf_add_json_quoted(b, tz_name(r->c->sla.report_tz));
	buf_adds(b, ", \"team\": ");
	buf_add_json_quoted(b, r->team);
	buf_adds(b, ", \"groups\": [");
	for (size_t i = 0; i < r->ngroups; i++) {
		if (i)
			buf_adds(b, ", ");
		json_group(r, b, &r->groups[i], st[i], &pol[i]);
	}
	buf_adds(b, "]}\n");
	free(st);
	free(pol);
}

/* "2026-12-07 09:00 WIB" in the report's zone. */
static void
local_time(const struct sla_report *r, int64_t ms, char *out, size_t len)
{
	struct tm tm;
	const char *abbr;
	char t[24];

	tz_local(r->c->sla.report_tz, ms / 1000, &tm, &abbr);
	strftime(t, sizeof(t), "%Y-%m-%d %H:%M", &tm);
	snprintf(out, len, "%s %s", t, abbr ? abbr : "UTC");
}

static void
text_group(struct sla_report *r, struct buf *b, const struct group *g,
           const struct report_stats *st, const struct sla_policy *pol)
{
	static const char *const label[SLA_TARGET__N] = {"ack        ", "first reply",
	                                                 "resolve    "};
	size_t top[SLA_REPORT_TOP], n;
	char m[32], p[32], t[32];

	buf_printf(b, "\n%s, %s: %zu opened, %zu acknowledged, %zu resolved\n",
	           g->team ? g->team : "no team", prio_name(g->prio), g->opened, g->acked,
	           g->resolved);
	for (int k = 0; k < SLA_TARGET__N; k++) {
		if (st[k].count == 0 && st[k].breaches == 0)
			continue;
		buf_printf(b, "  %s  median %s, p90 %s", label[k],
		           st[k].count ? util_human_ms(st[k].median_ms, m, sizeof(m)) : "-",
		           st[k].count ? util_human_ms(st[k].p90_ms, p, sizeof(p)) : "-");
		if (pol->target_ms[k])
			buf_printf(b, ", target %s, %zu breached",
			           util_human_ms(pol->target_ms[k], t, sizeof(t)), st[k].breaches);
		buf_adds(b, "\n");
	}
	if ((n = report_rank(g->topics, g->ntopics, top, SLA_REPORT_TOP)) > 0) {
		buf_adds(b, "  busiest topics:");
		for (size_t i = 0; i < n; i++)
			buf_printf(b, "%s %s (%llu)", i ? "," : "", r->topics[top[i]],
			           (unsigned long long)g->topics[top[i]]);
		buf_adds(b, "\n");
	}
	if ((n = report_rank(g->hours, 24, top, SLA_REPORT_TOP)) > 0) {
		buf_adds(b, "  busiest hours:");
		for (size_t i = 0; i < n; i++)
			buf_printf(b, "%s %02zu:00 (%llu)", i ? "," : "", top[i],
			           (unsigned long long)g->hours[top[i]]);
		buf_adds(b, "\n");
	}
}

void
sla_report_text(struct sla_report *r, struct buf *b)
{
	struct report_stats(*st)[SLA_TARGET__N] = xcalloc(r->ngroups + 1, sizeof(*st));
	struct sla_policy *pol = xcalloc(r->ngroups + 1, sizeof(*pol));
	char since[48], until[48];

	report_finish(r, st, pol);
	local_time(r, r->since_ms, since, sizeof(since));
	local_time(r, r->until_ms, until, sizeof(until));
	buf_printf(b, "Response times, %s to %s%s%s\n", since, until, r->team ? ", team " : "",
	           r->team ? r->team : "");
	if (r->ngroups == 0)
		buf_adds(b, "No case was opened.\n");
	for (size_t i = 0; i < r->ngroups; i++)
		text_group(r, b, &r->groups[i], st[i], &pol[i]);
	free(st);
	free(pol);
}
