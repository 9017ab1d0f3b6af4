#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/metrics.h"

struct metric_help {
	const char *name, *type, *help;
};

static const double latency_buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
	10, 30, 60, 300 };
/* a person's answer: from a minute to days (1m, 5m, 15m, 30m, 1h, 2h, 4h, 8h, 1d, 3d) */
static const double case_buckets[] = { 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400,
	259200 };

/* Each histogram's buckets: upper bounds, ascending. */
static const struct {
	const char *name;
	const double *le;
	size_t n;
} histogram_buckets[] = {
#define BUCKETS(name, a) { name, a, sizeof(a) / sizeof(a[0]) }
	BUCKETS("keluh_delivery_latency_seconds", latency_buckets),
	BUCKETS("keluh_case_ack_seconds", case_buckets),
	BUCKETS("keluh_case_first_reply_seconds", case_buckets),
	BUCKETS("keluh_case_resolve_seconds", case_buckets),
#undef BUCKETS
};

/* Stable names: dashboards and alerts are built on them. */
static const struct metric_help metric_helps[] = {
	{ "keluh_mentions_total", "counter", "Mentions accepted, by source." },
	{ "keluh_mentions_duplicate_total", "counter",
	    "Mentions dropped as duplicates inside the window, by source." },
	{ "keluh_mentions_copies_total", "counter",
	    "Complaints dropped because the same text was seen inside the window, by source "
	    "(cluster: copies that came through two daemons, dropped by the leader)." },
	{ "keluh_mentions_rejected_total", "counter", "Mentions refused as bad input, by reason." },
	{ "keluh_ui_playground_verdicts_total", "counter",
	    "Texts the console's playground classified (POST /v1/playground)." },
	{ "keluh_ui_playground_compiles_total", "counter",
	    "Rule drafts the playground compiled (a draft sent again is not compiled again)." },
	{ "keluh_ui_backtests_total", "counter",
	    "Playground backtests, by result: complete, stopped (out of ui.backtest_budget_ms), "
	    "failed, dropped (the client left)." },
	{ "keluh_complaints_total", "counter", "Complaints, by priority." },
	{ "keluh_complaints_muted_total", "counter",
	    "Complaints muted by a silence: accepted and counted, not alerted." },
	{ "keluh_silences", "gauge", "Active silences." },
	{ "keluh_leader", "gauge",
	    "1 when this daemon leads the daemons of its PostgreSQL spool (it groups), else 0." },
	{ "keluh_leader_claims_total", "counter",
	    "Claims of the leader that took complaints other daemons wrote." },
	{ "keluh_leader_claimed_total", "counter",
	    "Complaints other daemons wrote that the leader claimed to group them." },
	{ "keluh_cases", "gauge", "Cases open and acknowledged now, by state." },
	{ "keluh_case_actions_total", "counter",
	    "Actions taken on cases, by action and the platform of who acted." },
	{ "keluh_labels_total", "counter",
	    "Labels people gave (complaint or not), from chat, the console, the admin API." },
	{ "keluh_action_requests_total", "counter",
	    "Requests on /v1/actions/, by receiver and outcome." },
	{ "keluh_case_edits_total", "counter",
	    "Edits of living messages, by receiver and outcome (ok, retry, dead)." },
	{ "keluh_case_updates_total", "counter",
	    "New messages telling receivers that cannot edit of a case's new state, by kind." },
	{ "keluh_rule_hits_total", "counter", "Mentions each rule matched." },
	{ "keluh_alerts_total", "counter", "Alerts created, by priority." },
	{ "keluh_incidents_total", "counter", "Incident alerts raised, by incident." },
	{ "keluh_deliveries_total", "counter",
	    "Delivery attempts, by receiver and outcome (ok, retry, dead)." },
	{ "keluh_delivery_wakeups_total", "counter",
	    "Receivers woken by another daemon sharing the spool: deliveries it made due, by receiver." },
	{ "keluh_queue_depth", "gauge", "Deliveries waiting, by receiver." },
	{ "keluh_dead_letters", "gauge", "Deliveries in the dead letters, by receiver." },
	{ "keluh_receiver_up", "gauge",
	    "0 while a receiver is failing (only one probe delivery at a time goes out), else 1." },
	{ "keluh_groups", "gauge", "Open alert groups." },
	{ "keluh_http_requests_total", "counter", "HTTP requests, by path and status." },
	{ "keluh_http_connections", "gauge", "Open HTTP connections." },
	{ "keluh_ui_requests_total", "counter", "Web console requests, by page and status code." },
	{ "keluh_ui_sessions", "gauge", "Web console sessions (people logged in)." },
	{ "keluh_ui_streams", "gauge", "Live web console clients (server-sent events)." },
	{ "keluh_ui_logins_failed_total", "counter", "Web console logins with a wrong token." },
	{ "keluh_http_clients", "gauge",
	    "Client addresses (IPv6: /64 prefixes) with an HTTP connection open." },
	{ "keluh_bound_hits_total", "counter", "Times a bound (queue, table, buffer) was hit." },
	{ "keluh_reloads_total", "counter", "Configuration reloads, by result." },
	{ "keluh_config_last_reload_successful", "gauge",
	    "1 when the last load of the configuration (start or reload) worked, else 0." },
	{ "keluh_config_last_reload_success_timestamp_seconds", "gauge",
	    "Unix time of the last load of the configuration that worked (start or reload)." },
	{ "keluh_regex_errors_total", "counter", "Regex matches stopped by a limit." },
	{ "keluh_spool_commits_total", "counter", "Spool transactions committed." },
	{ "keluh_spool_errors_total", "counter", "Spool operations that failed." },
	{ "keluh_rules", "gauge", "Rules loaded." },
	{ "keluh_model_files_read_total", "counter",
	    "Model files read (models:): at start and at each reload; the playground's drafts "
	    "share the running set's models." },
	{ "keluh_uptime_seconds", "gauge", "Seconds since keluhd started." },
	{ "keluh_source_connected", "gauge",
	    "1 while a streaming source is connected (a poll source: its last poll worked)." },
	{ "keluh_source_last_event_age_seconds", "gauge",
	    "Seconds since a network source last handed over an event (a poll: got an answer)." },
	{ "keluh_source_reconnects_total", "counter",
	    "Reconnects (and retried polls) of a network source." },
	{ "keluh_source_events_total", "counter",
	    "Events (or poll items) a network source handed over, bad ones included." },
	{ "keluh_source_errors_total", "counter",
	    "Bad input and failures of a source, by kind (json, utf8, xml, too_long, mapping, "
	    "stall, timeout, network, connect, http, auth, rate_limited)." },
	{ "keluh_source_skipped_total", "counter",
	    "Posts a mastodon, x or reddit source passed over on purpose, by kind (reblog, no_text, "
	    "seen_before, deleted, gap, brand_post, brand_edit), and replies kept (reply_kept)." },
	{ "keluh_public_replies_total", "counter",
	    "Public replies by the brand's own accounts (brand_accounts) a source saw, by source." },
	{ "keluh_public_replies_unmatched_total", "counter",
	    "Public replies by the brand to a post that is no complaint in the spool, by source." },
	{ "keluh_public_replies_uncased_total", "counter",
	    "Public replies by the brand to a complaint still waiting in its group (no case yet), "
	    "by source." },
	{ "keluh_source_ratelimit_remaining", "gauge",
	    "Requests a reddit source may still make in the current rate limit window." },
	{ "keluh_source_quota_remaining", "gauge",
	    "What a source has left of its quota: youtube, the units it may still spend before "
	    "the daily reset; meta, the percent its Graph API answers report as unused." },
	{ "keluh_source_lookups_in_flight", "gauge",
	    "Graph API look-ups a meta source is waiting for." },
	{ "keluh_source_health_checks_total", "counter",
	    "Times the health watch (alert_after) looked at a source, by source." },
	{ "keluh_source_health_alerts_total", "counter",
	    "Source health alerts raised (alert_after), by source and state (silent, failing, "
	    "throttled, recovered)." },
	{ "keluh_digests_total", "counter",
	    "Digests (reports: in keluhd.yaml) made, by result: sent (recorded for their "
	    "receivers) or failed." },
	{ "keluh_delivery_latency_seconds", "histogram",
	    "Seconds from alert creation to delivery, by receiver." },
	{ "keluh_case_ack_seconds", "histogram",
	    "Seconds from a case's opening to its acknowledgement, on its SLA clock (business "
	    "time where it counts), by team and priority." },
	{ "keluh_case_first_reply_seconds", "histogram",
	    "Seconds from a case's opening to the brand's first public reply, on its SLA clock, by "
	    "team and priority." },
	{ "keluh_case_resolve_seconds", "histogram",
	    "Seconds from a case's opening to its resolution, on its SLA clock, by team and "
	    "priority." },
	{ "keluh_cases_overdue", "gauge",
	    "Open cases past their acknowledgement or resolution target." },
	{ "keluh_sla_breaches_total", "counter",
	    "SLA targets missed, by team, priority and target (ack, first_reply, resolve)." },
	{ "keluh_escalations_total", "counter",
	    "Escalation steps sent for cases not acknowledged in time, by team and priority." },
	{ "keluh_hook_answers_total", "counter",
	    "Answers to webhooks on /v1/hooks/NAME, by source and HTTP status." },
	{ "keluh_hook_refused_total", "counter",
	    "Webhooks a push source refused, by source and reason (signature, json, utf8, "
	    "too_deep, items, method...)." },
	{ "keluh_hook_not_found_total", "counter",
	    "Requests to /v1/hooks/NAME for a name that is no running push source (404)." },
	{ "keluh_hooks_pending", "gauge",
	    "Webhooks not answered yet, by state: with_source (the source holds them) or commit "
	    "(waiting for the spool commit)." },
};

struct series {
	const struct metric_help *m;
	char *labels;
	double v;
	/* histogram only */
	const double *le;	/* its buckets' bounds, from histogram_buckets */
	size_t nle;
	uint64_t *buckets;
	uint64_t count;
	double sum;
	time_t logged_at;	/* bound hits: when the last log line went out */
};

static struct series *series;
static size_t nseries;
static unsigned generation = 1;	/* of the series table: a metrics_ref from before is stale */
/*
 * keluh_bound_hits_total has slots of its own past METRICS_MAX_SERIES: a
 * table filled by other series must still show which bound was hit.
 */
static size_t nbound_series;
static size_t dropped_idx;	/* index + 1 of bound="metric_series", made by metrics_init */
static int dropped_logged;
/* open addressing over (metric, labels): index + 1, twice the series bound */
#define HASH_SIZE ((METRICS_MAX_SERIES + METRICS_MAX_BOUND_SERIES) * 2)
static uint32_t hash_index[HASH_SIZE];

static size_t
metrics_hash(const struct metric_help *m, const char *labels)
{
	uint64_t h = 1469598103934665603ULL ^ (uintptr_t)m;

	for (const unsigned char *c = (const unsigned char *)labels; *c; c++)
		h = (h ^ *c) * 1099511628211ULL;
	return (size_t)(h % HASH_SIZE);
}

static const struct metric_help *
metrics_help(const char *name)
{
	/*
	 * Callers pass string literals, so the pointer is a good key: a
	 * small cache saves a row of strcmp on every count (several per
	 * mention).
	 */
	static struct {
		const char *name;
		const struct metric_help *m;
	} cache[64];
	size_t slot = ((uintptr_t)name >> 3) & 63;

	if (cache[slot].name == name)
		return cache[slot].m;
	for (size_t i = 0; i < sizeof(metric_helps) / sizeof(metric_helps[0]); i++)
		if (strcmp(metric_helps[i].name, name) == 0) {
			cache[slot].name = name;
			cache[slot].m = &metric_helps[i];
			return &metric_helps[i];
		}
	return NULL;
}

void
metrics_init(void)
{
	metrics_free();
	/* there from the start, so a full table can still report itself */
	metrics_add("keluh_bound_hits_total", "bound=\"metric_series\"", 0);
	dropped_idx = nseries;
}

void
metrics_free(void)
{
	for (size_t i = 0; i < nseries; i++) {
		free(series[i].labels);
		free(series[i].buckets);
	}
	free(series);
	series = NULL;
	nseries = 0;
	nbound_series = 0;
	dropped_idx = 0;
	generation++;
	dropped_logged = 0;
	memset(hash_index, 0, sizeof(hash_index));
}

static struct series *
metrics_find(const char *name, const char *labels, int create)
{
	const struct metric_help *m = metrics_help(name);

	if (labels == NULL)
		labels = "";
	if (m == NULL)
		fatalx("metrics: unknown metric %s", name);
	size_t h = metrics_hash(m, labels);

	for (; hash_index[h]; h = (h + 1) % HASH_SIZE) {
		struct series *s = &series[hash_index[h] - 1];

		if (s->m == m && strcmp(s->labels, labels) == 0)
			return s;
	}
	if (!create)
		return NULL;
	if (strcmp(m->name, "keluh_bound_hits_total") == 0 ?
	    nbound_series >= METRICS_MAX_BOUND_SERIES :
	    nseries - nbound_series >= METRICS_MAX_SERIES) {
		if (!dropped_logged++)
			log_warnx("metrics: more than %d series; new ones are not recorded",
			    METRICS_MAX_SERIES);
		if (dropped_idx > 0)
			series[dropped_idx - 1].v++;
		return NULL;
	}
	if (strcmp(m->name, "keluh_bound_hits_total") == 0)
		nbound_series++;
	if (nseries % 64 == 0)
		series = xreallocarray(series, nseries + 64, sizeof(*series));
	memset(&series[nseries], 0, sizeof(*series));
	series[nseries].m = m;
	series[nseries].labels = xstrdup(labels);
	hash_index[h] = (uint32_t)(nseries + 1);
	return &series[nseries++];
}

void
metrics_add(const char *name, const char *labels, double v)
{
	struct series *s = metrics_find(name, labels, 1);

	if (s)
		s->v += v;
}

void
metrics_add_ref(struct metrics_ref *ref, const char *name, const char *labels, double v)
{
	struct series *s;

	if (ref->gen == generation && ref->idx > 0) {
		series[ref->idx - 1].v += v;
		return;
	}
	if ((s = metrics_find(name, labels, 1)) == NULL)
		return;
	s->v += v;
	ref->gen = generation;
	ref->idx = (uint32_t)(s - series) + 1;
}

void
metrics_set(const char *name, const char *labels, double v)
{
	struct series *s = metrics_find(name, labels, 1);

	if (s)
		s->v = v;
}

double
metrics_get(const char *name, const char *labels)
{
	struct series *s = metrics_find(name, labels, 0);

	return s ? s->v : 0;
}

void
metrics_observe(const char *name, const char *labels, double v)
{
	struct series *s = metrics_find(name, labels, 1);

	if (s == NULL)
		return;
	if (s->buckets == NULL) {
		for (size_t i = 0; i < sizeof(histogram_buckets) / sizeof(histogram_buckets[0]); i++)
			if (strcmp(histogram_buckets[i].name, s->m->name) == 0) {
				s->le = histogram_buckets[i].le;
				s->nle = histogram_buckets[i].n;
			}
		if (s->le == NULL)
			fatalx("metrics: %s is not a histogram", name);
		s->buckets = xcalloc(s->nle, sizeof(uint64_t));
	}
	for (size_t i = 0; i < s->nle; i++)
		if (v <= s->le[i])
			s->buckets[i]++;
	s->count++;
	s->sum += v;
}

void
metrics_observe_latency(const char *receiver, double seconds)
{
	char labels[256];

	snprintf(labels, sizeof(labels), "receiver=\"%s\"", receiver);
	metrics_observe("keluh_delivery_latency_seconds", labels, seconds);
}

void
metrics_bound_hit(const char *bound, const char *what)
{
	char labels[128];
	size_t n = strlen(bound);
	struct series *s;

	/* no printf: a full table hits this on every mention */
	if (n > sizeof(labels) - 9)
		n = sizeof(labels) - 9;
	memcpy(labels, "bound=\"", 7);
	memcpy(labels + 7, bound, n);
	memcpy(labels + 7 + n, "\"", 2);
	s = metrics_find("keluh_bound_hits_total", labels, 1);
	if (s == NULL)
		return;
	s->v++;
	/* the first time, then at most once a minute: a bound hit under load must not flood the log */
	if (s->v == 1 || time(NULL) - s->logged_at >= 60) {
		s->logged_at = time(NULL);
		log_warnx("bound hit: %s (%.0f times so far)", what, s->v);
	}
}

static void
render_labels(struct buf *b, const char *labels, const char *extra)
{
	int any = labels && *labels;

	if (!any && !extra)
		return;
	buf_addc(b, '{');
	if (any)
		buf_adds(b, labels);
	if (extra) {
		if (any)
			buf_addc(b, ',');
		buf_adds(b, extra);
	}
	buf_addc(b, '}');
}

void
metrics_render(struct buf *b)
{
	for (size_t h = 0; h < sizeof(metric_helps) / sizeof(metric_helps[0]); h++) {
		const struct metric_help *m = &metric_helps[h];
		int header = 0;

		for (size_t i = 0; i < nseries; i++) {
			struct series *s = &series[i];

			if (s->m != m)
				continue;
			if (!header++)
				buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
				    m->type);
			if (strcmp(m->type, "histogram") == 0) {
				char le[32];

				/* a series made but never observed has no buckets yet: none shown */
				for (size_t k = 0; k < s->nle; k++) {
					snprintf(le, sizeof(le), "le=\"%g\"", s->le[k]);
					buf_printf(b, "%s_bucket", m->name);
					render_labels(b, s->labels, le);
					buf_printf(b, " %llu\n", (unsigned long long)s->buckets[k]);
				}
				buf_printf(b, "%s_bucket", m->name);
				render_labels(b, s->labels, "le=\"+Inf\"");
				buf_printf(b, " %llu\n", (unsigned long long)s->count);
				buf_printf(b, "%s_sum", m->name);
				render_labels(b, s->labels, NULL);
				buf_printf(b, " %.6f\n", s->sum);
				buf_printf(b, "%s_count", m->name);
				render_labels(b, s->labels, NULL);
				buf_printf(b, " %llu\n", (unsigned long long)s->count);
				continue;
			}
			buf_adds(b, m->name);
			render_labels(b, s->labels, NULL);
			buf_printf(b, " %.17g\n", s->v);
		}
	}
}

void
metrics_label_value(char *dst, size_t n, const char *v)
{
	size_t o = 0;

	if (n == 0)
		return;
	for (; *v; v++) {
		char e = *v == '\\' ? '\\' : *v == '"' ? '"' : *v == '\n' ? 'n' : 0;

		if (o + (e ? 2 : 1) >= n) {
			/* cut inside a UTF-8 sequence: drop its first bytes too */
			if (((unsigned char)*v & 0xc0) == 0x80) {
				while (o && ((unsigned char)dst[o - 1] & 0xc0) == 0x80)
					o--;
				if (o)
					o--;
			}
			break;
		}
		if (e) {
			dst[o++] = '\\';
			dst[o++] = e;
		} else
			dst[o++] = *v;
	}
	dst[o] = '\0';
}
