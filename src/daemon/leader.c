/*
 * leader.c: one daemon of a cluster leads (several keluhd on one
 * PostgreSQL spool; cluster.h, ownership "leader"). The leader groups every
 * complaint, whichever daemon took it, so a group and its case are one
 * cluster-wide; it runs the group timers and incidents, the SLA clocks and
 * escalations, the digests, the edits of living messages and the hourly
 * prune. Every daemon ingests, serves the APIs, console and chat actions,
 * and sends deliveries.
 *
 * A daemon that does not lead writes its complaints ungrouped and wakes
 * the leader (keluh_mentions), which claims them in its pass, in bounded
 * batches. A silence added or ended anywhere is read again everywhere
 * (keluh_silences); an action on a case taken on a daemon that does not
 * lead reaches the leader's clocks and living messages (keluh_cases,
 * payload the case id). Every LEAD_SWEEP_S the same is done unasked, so a
 * lost notification costs at most that.
 *
 * On gaining the lead the groups are rebuilt from every pending complaint
 * and the duplicate windows from the complaints of the last window
 * (ingest_lead): copies of one complaint seen through two daemons count
 * once. On losing it (the database session was lost) the groups go and
 * the timers stop; the next leader rebuilds from the spool.
 *
 * On a spool of one daemon (SQLite) none of this runs: the daemon leads,
 * as it always did. Loop thread only; uses K (keluhd_int.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon/cluster.h"
#include "daemon/deliver.h"
#include "daemon/group.h"
#include "daemon/keluhd_int.h"
#include "daemon/upkeep.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

/*
 * Complaints claimed per pass: LEAD_CLAIM_MIN, doubled after each full
 * claim up to LEAD_CLAIM_MAX (about 4.5 MB of rows read at once), and
 * LEAD_CLAIM_MIN again after one that was not full. A pass has costs of
 * its own (its commit, the ties of the alerts it makes): three daemons
 * asked for 100,000 mentions/s (bench/pg.sh, sustained run), passes of
 * 512 left 159,000 to 259,000 complaints waiting after 25 s and more each
 * second; with 4096 at most the backlog went up and down, under 30,000.
 */
#define LEAD_CLAIM_MIN 512
#define LEAD_CLAIM_MAX 4096
#define LEAD_SWEEP_S   5

#define LEAD_CH_MENTIONS "keluh_mentions"
#define LEAD_CH_SILENCES "keluh_silences"
#define LEAD_CH_CASES    "keluh_cases"

static struct {
	int shared; /* the spool is shared: the lead is asked for */
	int leading;
	struct event *claim_ev, *sweep_ev;
	size_t claim_batch; /* the next claim's size, LEAD_CLAIM_MIN..MAX */
	/* keluh_mentions sent in this batch already (commit and rollback counts then) */
	int notified;
	uint64_t notified_seq, notified_rb;
} L;

int
keluhd_leading(void)
{
	return !L.shared || L.leading;
}

static void
lead_notify(const char *channel, const char *payload)
{
	pass_join(K.spool);
	if (spool_notify(K.spool, channel, payload) < 0)
		log_warnx("spool: cannot notify %s: %s", channel, spool_error(K.spool));
}

/* A complaint was written ungrouped: the leader is woken once per batch. */
static void
lead_wrote(void *arg)
{
	uint64_t seq = spool_commit_seq(K.spool), rb = spool_rollbacks(K.spool);

	(void)arg;
	if (L.notified && L.notified_seq == seq && L.notified_rb == rb)
		return;
	lead_notify(LEAD_CH_MENTIONS, "");
	L.notified = 1;
	L.notified_seq = seq;
	L.notified_rb = rb;
}

static struct group_engine *
lead_groups(void)
{
	struct group_engine *ge = group_new(K.base, K.conf, K.spool, keluhd_alerted, NULL);

	group_set_silences(ge, K.silences);
	group_set_cases(ge, K.cases);
	return ge;
}

static void
lead_silences_reload(void)
{
	char err[300];

	if (silences_reload(K.silences, err, sizeof(err)) < 0)
		log_warnx("%s", err);
}

static void lead_claim_soon(void);

/*
 * The groups rebuilt from the spool, as the leader sees it (gain,
 * recovery); the complaints still waiting come with the claims, the
 * first at the next turn.
 */
static void
lead_rebuild(void)
{
	struct group_engine *old = K.groups;

	pass_open(K.pass);
	lead_silences_reload();
	K.groups = lead_groups();
	if (ingest_lead(K.ingest, K.groups) < 0)
		log_warnx("spool: the groups could not be read back from it");
	group_free(old);
	lead_claim_soon();
}

static void
lead_gain(void *arg)
{
	(void)arg;
	L.leading = 1;
	metrics_set("keluh_leader", NULL, 1);
	log_info("cluster: this daemon leads now: it groups every complaint and runs the timers");
	lead_rebuild();
	sla_timer_lead(K.sla, 1);
	digests_lead(K.digests, 1);
	deliver_set_edits(K.deliver, 1);
	deliver_kick_all(K.deliver);
	log_info("cluster: %zu group(s) read back from the spool", group_count(K.groups));
}

/* Another daemon leads: nothing is grouped here, no timer of the leader runs. */
static void
lead_follow(void)
{
	struct group_engine *old = K.groups;

	K.groups = lead_groups();
	ingest_follow(K.ingest, K.groups, lead_wrote, NULL);
	group_free(old);
	sla_timer_lead(K.sla, 0);
	digests_lead(K.digests, 0);
	deliver_set_edits(K.deliver, 0);
}

static void
lead_lose(void *arg)
{
	(void)arg;
	L.leading = 0;
	metrics_set("keluh_leader", NULL, 0);
	log_warnx("cluster: this daemon no longer leads (its database session was lost); the "
	          "daemon that leads next groups the pending complaints");
	lead_follow();
}

/*
 * A claim at the next turn of the loop, after it has read its sockets:
 * one claim a turn at most. Made active at once (from a full batch, or
 * from the notification its own statement brought in), claims ran one
 * after the other before any socket was read for as long as the others'
 * complaints came faster than they were taken: this daemon's own clients
 * waited seconds, or were refused.
 */
static void
lead_claim_soon(void)
{
	static const struct timeval next_turn = {0, 0};

	if (L.claim_ev)
		event_add(L.claim_ev, &next_turn);
}

static void
lead_claim_cb(evutil_socket_t fd, short what, void *arg)
{
	int n;

	(void)fd;
	(void)what;
	(void)arg;
	if (!L.leading || K.draining || pass_broken(K.pass))
		return;
	n = ingest_claim(K.ingest, L.claim_batch);
	if (n > 0) {
		metrics_add("keluh_leader_claims_total", NULL, 1);
		metrics_add("keluh_leader_claimed_total", NULL, n);
	}
	if (n < 0 || (size_t)n < L.claim_batch) {
		L.claim_batch = LEAD_CLAIM_MIN;
		return;
	}
	/* a full batch: the rest in the next pass, after this one commits */
	if (L.claim_batch < LEAD_CLAIM_MAX)
		L.claim_batch *= 2;
	lead_claim_soon();
}

static void
lead_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (pass_broken(K.pass) || K.draining)
		return;
	lead_silences_reload();
	if (!L.leading)
		return;
	lead_claim_soon();
	/* edits owed by posts and actions of other daemons */
	deliver_kick_all(K.deliver);
}

static void
lead_on_mentions(void *arg, const char *payload)
{
	(void)arg;
	(void)payload;
	if (L.leading)
		lead_claim_soon();
}

static void
lead_on_silences(void *arg, const char *payload)
{
	(void)arg;
	(void)payload;
	lead_silences_reload();
}

static void
lead_on_cases(void *arg, const char *payload)
{
	char *end;
	long long id;

	(void)arg;
	if (!L.leading || payload == NULL)
		return;
	id = strtoll(payload, &end, 10);
	if (end == payload || *end != '\0' || id <= 0) {
		log_warnx("cluster: %s: not a case id: '%.40s'", LEAD_CH_CASES, payload);
		return;
	}
	sla_timer_case(K.sla, id);
	deliver_kick_all(K.deliver);
}

static void
lead_silence_changed(void *arg)
{
	(void)arg;
	lead_notify(LEAD_CH_SILENCES, "");
}

void
keluhd_lead_case_changed(int64_t id)
{
	char payload[24];

	if (!L.shared || L.leading)
		return;
	snprintf(payload, sizeof(payload), "%" PRId64, id);
	lead_notify(LEAD_CH_CASES, payload);
}

int
keluhd_lead_start(void)
{
	struct timeval sweep = {LEAD_SWEEP_S, 0};

	L.shared = spool_shared(K.spool);
	if (!L.shared)
		return 0;
	L.claim_batch = LEAD_CLAIM_MIN;
	metrics_set("keluh_leader", NULL, 0);
	lead_follow();
	silences_set_changed(K.silences, lead_silence_changed, NULL);
	L.claim_ev = event_new(K.base, -1, 0, lead_claim_cb, NULL);
	L.sweep_ev = event_new(K.base, -1, EV_PERSIST, lead_sweep_cb, NULL);
	if (L.claim_ev == NULL || L.sweep_ev == NULL)
		fatalx("cannot allocate the leader's events");
	event_add(L.sweep_ev, &sweep);
	if (cluster_subscribe(K.cluster, LEAD_CH_MENTIONS, lead_on_mentions, NULL) < 0 ||
	    cluster_subscribe(K.cluster, LEAD_CH_SILENCES, lead_on_silences, NULL) < 0 ||
	    cluster_subscribe(K.cluster, LEAD_CH_CASES, lead_on_cases, NULL) < 0 ||
	    cluster_own(K.cluster, "leader", lead_gain, lead_lose, NULL) < 0) {
		log_error("cluster: cannot ask for the lead");
		return -1;
	}
	return 0;
}

void
keluhd_lead_recovered(void)
{
	if (L.leading)
		lead_rebuild();
	else
		lead_follow();
}

void
keluhd_lead_stop(void)
{
	if (L.claim_ev)
		event_free(L.claim_ev);
	if (L.sweep_ev)
		event_free(L.sweep_ev);
	L.claim_ev = L.sweep_ev = NULL;
}
