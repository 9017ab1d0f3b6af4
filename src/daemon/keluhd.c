/*
 * keluhd: the daemon. One libevent loop drives the HTTP ingest, the
 * sources, the group timers, libcurl's transfers and the spool.
 *
 * Durability: everything a loop pass accepts is written into one spool
 * transaction, committed once at the end of the pass (the flush event);
 * only then do the 202 answers go out and the deliveries start. A crash
 * at any point loses nothing that was answered 202.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "conf/conf.h"
#include "conf/confcheck.h"
#include "daemon/admin.h"
#include "daemon/deliver.h"
#include "daemon/group.h"
#include "daemon/health.h"
#include "daemon/ingest.h"
#include "daemon/silence.h"
#include "engine/mention.h"
#include "engine/rules.h"
#include "lib/diag.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/sign.h"
#include "lib/util.h"
#include "net/curlev.h"
#include "net/httpd.h"
#include "sources/source.h"
#include "store/spool.h"

#define MAX_MENTIONS_PER_REQUEST 100000
#define MAX_WAITING_REPLIES 4096
#define DRAIN_TIMEOUT_S 10

/* An ingest request waiting for the end-of-pass commit. */
struct waiting {
	struct httpd_req *req;
	struct ingest_counts counts;
	int failed;
	int committed;		/* in commit seq, waiting for it to be durable */
	uint64_t seq;
	struct waiting *prev, *next;
};

struct keluhd {
	const char *conf_path;
	const char *spool_override;
	const char *admin_override;
	struct conf *conf;
	struct ruleset *rules;
	struct sign_key *keys;
	size_t nkeys;
	struct sign_replay *replay;	/* webhook-ids taken, kept across reloads */

	struct event_base *base;
	struct spool *spool;
	struct curlev *ce;
	struct deliver *deliver;
	struct group_engine *groups;
	struct ingest *ingest;
	struct httpd *httpd;
	struct source **sources;
	size_t nsources;
	struct silences *silences;
	struct admin *admin;	/* the admin API, when admin.socket is set */

	struct event *flush_ev;
	struct event *sync_ev;	/* the spool's deferred sync finished one */
	uint64_t kick_seq;	/* the kicks wait for this commit to be durable */
	struct event *sig_term, *sig_int, *sig_hup;
	struct event *watchdog, *stats_timer, *drain_timer, *prune_timer;
	struct waiting *waiting;
	size_t nwaiting;
	size_t *kick;		/* receivers with new alerts this pass */
	size_t nkick;
	int draining;
	int src_batch;		/* sources' mentions share a regex budget until the flush */
	int spool_broken;	/* ingest answers 503; a probe each second (stats_cb) */
	uint64_t broken_seq;	/* the commit that, once durable, ends spool_broken */
	uint64_t spool_failures;	/* while spool_broken, for the log line at the end */
	int64_t queue_depth;	/* pending deliveries, refreshed every second */
	time_t started;
	uint64_t reloads, reload_failures;
	char last_reload[160];
	int64_t last_reload_ms;
	int last_reload_ok;
	char last_reload_error[400];
};

static struct keluhd K;

static void check_orphans(void);
static void sync_cb(evutil_socket_t fd, short what, void *arg);
static void on_alert(void *arg, const size_t *receivers, size_t n);

static void
notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
notify(const char *fmt, ...)
{
#ifdef HAVE_SYSTEMD
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_notify(0, buf);
#else
	(void)fmt;
#endif
}

static void
notify_status(void)
{
	notify("STATUS=%zu rules, %zu sources, %zu receivers, %lld deliveries waiting%s",
	    rules_count(K.rules), K.nsources, K.conf->nreceivers, (long long)K.queue_depth,
	    K.last_reload[0] ? K.last_reload : "");
}

/* ------------------------------------------------------------------ */
/* the flush point */

static void
schedule_flush(void *arg)
{
	if (!event_pending(K.flush_ev, EV_TIMEOUT, NULL))
		event_active(K.flush_ev, 0, 0);
}

static void
waiting_unlink(struct waiting *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		K.waiting = w->next;
	if (w->next)
		w->next->prev = w->prev;
	K.nwaiting--;
}

/*
 * A commit or a sync failed: what it carried is answered 503, and so is
 * ingest until a later commit is durable. Said once, not at every probe.
 */
static void
spool_failing(const char *what, const char *why)
{
	metrics_add("keluh_spool_errors_total", NULL, 1);
	K.broken_seq = spool_commit_seq(K.spool) + 1;
	K.spool_failures++;
	if (K.spool_broken) {
		log_debug("spool: %s: %s", what, why);
		return;
	}
	K.spool_broken = 1;
	log_warnx("spool: %s: %s; this pass is answered 503, and so is ingest until the spool "
	    "works again", what, why);
}

/*
 * The spool works again. What failed meanwhile may be gone (a batch
 * rolled back) or not on the disk (a failed sync), so the groups in memory
 * are rebuilt from the spool and the ids and texts seen are forgotten: no
 * alert carries a complaint that is gone, and one that is sent again
 * after its 503 is taken again, not counted as a duplicate.
 */
static void
spool_working(void)
{
	struct group_engine *old;

	if (!K.spool_broken)
		return;
	K.spool_broken = 0;
	log_info("spool: works again after %llu failed attempt(s); ingest is open",
	    (unsigned long long)K.spool_failures);
	K.spool_failures = 0;
	old = K.groups;
	K.groups = group_new(K.base, K.conf, K.spool, on_alert, NULL);
	group_set_silences(K.groups, K.silences);
	/* what the rebuild writes goes into the next batch, synced beside the loop */
	spool_begin(K.spool);
	if (ingest_lost(K.ingest, K.groups) < 0)
		log_warnx("spool: the groups could not be read back from it");
	group_free(old);
	log_info("spool: %zu group(s) read back from it", group_count(K.groups));
}

/*
 * Answers the requests whose commit is durable (up to commit done), or
 * all committed ones with 503 when the sync failed; then the kicks.
 */
static void
release_durable(uint64_t done, int failed)
{
	struct waiting *w, *next;

	for (w = K.waiting; w; w = next) {
		next = w->next;
		if (!w->committed || (!failed && w->seq > done))
			continue;
		waiting_unlink(w);
		if (failed) {
			static const char body503[] =
			    "{\"error\":\"could not store the mentions; send them again\"}\n";

			httpd_reply(w->req, 503, "application/json", "Retry-After: 5\r\n", body503,
			    sizeof(body503) - 1);
		} else {
			char body[160];
			int n = snprintf(body, sizeof(body),
			    "{\"accepted\":%zu,\"complaints\":%zu,\"duplicates\":%zu}\n",
			    w->counts.accepted, w->counts.complaints, w->counts.duplicates);

			httpd_reply(w->req, 202, "application/json", NULL, body, (size_t)n);
		}
		free(w);
	}
	if (!failed && K.sync_ev && done >= K.broken_seq)
		spool_working();
	if (!failed && K.kick_seq <= done) {
		for (size_t i = 0; i < K.nkick; i++)
			deliver_kick(K.deliver, K.kick[i]);
		K.nkick = 0;
	}
}

/*
 * The end of a loop pass (arg is &K from the flush event) and the direct
 * calls (arg NULL: start, reload, admin, stop), which need the batch
 * durable before they return. With the spool's deferred sync the pass
 * commits, asks for the sync and goes on; the answers go out from sync_cb.
 */
static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	int ok = 1, wait = arg == NULL || K.sync_ev == NULL;
	uint64_t seq;
	struct waiting *w, *next;

	if (K.src_batch) {
		ingest_batch(K.ingest, 0);
		K.src_batch = 0;
	}
	if (spool_in_txn(K.spool)) {
		if (spool_commit(K.spool) < 0) {
			ok = 0;
			spool_failing("commit failed", spool_error(K.spool));
		} else {
			/* without the deferred sync a commit is durable when it returns */
			if (!K.sync_ev)
				spool_working();
			metrics_add("keluh_spool_commits_total", NULL, 1);
		}
	}
	if (ok && K.sync_ev && (wait ? spool_sync_now(K.spool) : spool_sync_request(K.spool)) < 0) {
		ok = 0;
		spool_failing("sync failed", spool_error(K.spool));
	}
	seq = spool_commit_seq(K.spool);
	for (w = K.waiting; w; w = next) {
		next = w->next;
		if (w->committed)
			continue;
		if (ok && !w->failed) {
			w->committed = 1;
			w->seq = seq;
			continue;
		}
		{
			static const char body503[] =
			    "{\"error\":\"could not store the mentions; send them again\"}\n";

			waiting_unlink(w);
			httpd_reply(w->req, 503, "application/json", "Retry-After: 5\r\n", body503,
			    sizeof(body503) - 1);
			free(w);
		}
	}
	if (ok && K.nkick)
		K.kick_seq = seq;
	if (!wait) {
		/*
		 * A pass that wrote nothing asked for no sync, so none will report:
		 * what its requests wait for (an earlier commit) may be durable now.
		 */
		sync_cb(-1, 0, NULL);
		return;
	}
	if (ok) {
		release_durable(seq, 0);
		return;
	}
	/* earlier passes waiting for their sync: everything committed is synced here */
	release_durable(seq, K.sync_ev && spool_sync_now(K.spool) < 0);
}

static void
sync_cb(evutil_socket_t fd, short what, void *arg)
{
	int err;
	uint64_t done = spool_synced(K.spool, &err);
	unsigned hits;
	int ckfail;

	if (err)
		spool_failing("sync failed", spool_error(K.spool));
	release_durable(done, err != 0);
	hits = spool_wal_bound_hits(K.spool, &ckfail);
	while (hits-- > 0)
		metrics_bound_hit("spool_wal", "the spool's write-ahead log passed its bound "
					       "(16,000 pages) under load; it starts over");
	if (ckfail) {
		metrics_add("keluh_spool_errors_total", NULL, 1);
		log_warnx("spool: %s", spool_error(K.spool));
	}
}

static void
on_alert(void *arg, const size_t *receivers, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < K.nkick; k++)
			if (K.kick[k] == receivers[i])
				break;
		if (k == K.nkick && K.nkick < K.conf->nreceivers)
			K.kick[K.nkick++] = receivers[i];
	}
}

/* ------------------------------------------------------------------ */
/* ingest over HTTP */

static void
waiting_cancel(void *arg)
{
	struct waiting *w = arg;

	/* the client left; its mentions are accepted all the same */
	waiting_unlink(w);
	free(w);
}

static int
http_authorized(struct httpd_req *req)
{
	const char *h = httpd_header(req, "Authorization");
	int ok = 0;

	if (K.conf->ntokens == 0)
		return 1;
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	while (*h == ' ')
		h++;
	/* compare with every token, so the time says nothing about which one was close */
	for (size_t i = 0; i < K.conf->ntokens; i++)
		ok |= sign_token_equal(h, K.conf->tokens[i]);
	return ok;
}

/* Parses the body into mentions. On error fills status/message/extra and returns -1. */
static int
http_parse(struct httpd_req *req, int ndjson, struct mention **out, size_t *nout, char *msg,
    size_t msglen, char *extra, size_t extralen)
{
	const char *body = httpd_body(req);
	size_t len = httpd_body_len(req), n = 0, cap = 0, valid;
	struct mention *ms = NULL;
	char err[256];

	*out = NULL;
	*nout = 0;
	extra[0] = '\0';
	if (len == 0) {
		snprintf(msg, msglen, "the body is empty; send one mention object, an array, or "
		    "NDJSON");
		return -1;
	}
	if ((valid = utf8_valid_prefix(body, len)) != len) {
		snprintf(msg, msglen, "the body is not valid UTF-8 (at byte %zu)", valid);
		snprintf(extra, extralen, "\"byte\":%zu", valid);
		return -1;
	}
	if (ndjson) {
		size_t lineno = 0;

		for (const char *p = body, *end = body + len; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

			lineno++;
			while (l && (p[l - 1] == '\r' || p[l - 1] == ' ' || p[l - 1] == '\t'))
				l--;
			if (l) {
				if (n == MAX_MENTIONS_PER_REQUEST) {
					snprintf(msg, msglen, "more than %d mentions in one request; "
					    "split the batch", MAX_MENTIONS_PER_REQUEST);
					goto fail;
				}
				if (n == cap) {
					cap = cap ? cap * 2 : 64;
					ms = xreallocarray(ms, cap, sizeof(*ms));
				}
				/* the whole body was checked for UTF-8 above */
				if (mention_parse_utf8(&ms[n], p, l, err, sizeof(err)) < 0) {
					snprintf(msg, msglen, "line %zu: %s", lineno, err);
					snprintf(extra, extralen, "\"line\":%zu", lineno);
					goto fail;
				}
				n++;
			}
			p += (nl ? (size_t)(nl - p) + 1 : (size_t)(end - p));
		}
		if (n == 0) {
			snprintf(msg, msglen, "the body has no mentions");
			goto fail;
		}
	} else {
		json_error_t je;
		json_t *root = mention_json_loadb(body, len, JSON_REJECT_DUPLICATES, &je), *items;
		size_t count;

		if (root == NULL) {
			snprintf(msg, msglen, "malformed JSON at line %d, column %d: %s", je.line,
			    je.column, je.text);
			snprintf(extra, extralen, "\"line\":%d,\"column\":%d", je.line, je.column);
			return -1;
		}
		items = json_is_array(root) ? root : NULL;
		count = items ? json_array_size(items) : 1;
		if (count == 0 || count > MAX_MENTIONS_PER_REQUEST) {
			snprintf(msg, msglen, count ? "more than %d mentions in one request; split the "
			    "batch" : "the array is empty", MAX_MENTIONS_PER_REQUEST);
			json_decref(root);
			return -1;
		}
		ms = xcalloc(count, sizeof(*ms));
		for (size_t i = 0; i < count; i++) {
			if (mention_from_json(&ms[n], items ? json_array_get(items, i) : root, err,
			    sizeof(err)) < 0) {
				if (items) {
					snprintf(msg, msglen, "item %zu: %s", i, err);
					snprintf(extra, extralen, "\"item\":%zu", i);
				} else
					snprintf(msg, msglen, "%s", err);
				json_decref(root);
				goto fail;
			}
			n++;
		}
		json_decref(root);
	}
	*out = ms;
	*nout = n;
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		mention_free(&ms[i]);
	free(ms);
	return -1;
}

static void
http_mentions(struct httpd_req *req)
{
	const char *ct = httpd_header(req, "Content-Type");
	char msg[400], extra[96];
	struct mention *ms;
	struct waiting *w;
	size_t n;
	int ndjson;

	if (strcmp(httpd_method(req), "POST") != 0) {
		httpd_reply(req, 405, "application/json", "Allow: POST\r\n",
		    "{\"error\":\"use POST\"}\n", 20);
		return;
	}
	if (!http_authorized(req)) {
		metrics_add("keluh_mentions_rejected_total", "reason=\"unauthorized\"", 1);
		httpd_reply(req, 401, "application/json", "WWW-Authenticate: Bearer\r\n",
		    "{\"error\":\"missing or wrong bearer token\"}\n", 42);
		return;
	}
	if (K.nkeys) {
		const char *id = httpd_header(req, "webhook-id");
		const char *ts = httpd_header(req, "webhook-timestamp");
		const char *sig = httpd_header(req, "webhook-signature");
		char err[200];

		if (id == NULL || ts == NULL || sig == NULL) {
			metrics_add("keluh_mentions_rejected_total", "reason=\"signature\"", 1);
			httpd_reply_error(req, 401, "signature required: send webhook-id, "
			    "webhook-timestamp and webhook-signature", NULL);
			return;
		}
		if (sign_verify(K.keys, K.nkeys, id, ts, sig, httpd_body(req), httpd_body_len(req),
		    (int64_t)time(NULL), err, sizeof(err)) < 0 ||
		    (sign_replay_seen(K.replay, id, (int64_t)time(NULL)) &&
		    snprintf(err, sizeof(err), "webhook-id %.60s was already received (a replay)",
		    id) > 0)) {
			char m2[256];

			metrics_add("keluh_mentions_rejected_total", "reason=\"signature\"", 1);
			snprintf(m2, sizeof(m2), "bad signature: %s", err);
			httpd_reply_error(req, 401, m2, NULL);
			return;
		}
	}
	if (ct == NULL) {
		metrics_add("keluh_mentions_rejected_total", "reason=\"content_type\"", 1);
		httpd_reply_error(req, 415, "Content-Type is missing; use application/json or "
		    "application/x-ndjson", NULL);
		return;
	}
	if (strncasecmp(ct, "application/json", 16) == 0 && (ct[16] == '\0' || ct[16] == ';'))
		ndjson = 0;
	else if ((strncasecmp(ct, "application/x-ndjson", 20) == 0 &&
	    (ct[20] == '\0' || ct[20] == ';')) ||
	    (strncasecmp(ct, "application/ndjson", 18) == 0 && (ct[18] == '\0' || ct[18] == ';')))
		ndjson = 1;
	else {
		metrics_add("keluh_mentions_rejected_total", "reason=\"content_type\"", 1);
		snprintf(msg, sizeof(msg), "Content-Type %.100s is not accepted; use "
		    "application/json or application/x-ndjson", ct);
		httpd_reply_error(req, 415, msg, NULL);
		return;
	}
	if (K.draining || K.spool_broken || K.nwaiting >= MAX_WAITING_REPLIES ||
	    (size_t)K.queue_depth >= K.conf->max_pending_deliveries) {
		const char *why = K.draining ? "keluhd is shutting down" :
		    K.spool_broken ? "the spool is failing" : "too much is waiting";

		if (!K.draining && !K.spool_broken)
			metrics_bound_hit(K.nwaiting >= MAX_WAITING_REPLIES ? "waiting_replies" :
			    "pending_deliveries", "ingest answers 503 until the backlog shrinks");
		snprintf(msg, sizeof(msg), "{\"error\":\"%s; retry later\"}\n", why);
		httpd_reply(req, 503, "application/json", "Retry-After: 5\r\n", msg, strlen(msg));
		return;
	}
	if (http_parse(req, ndjson, &ms, &n, msg, sizeof(msg), extra, sizeof(extra)) < 0) {
		metrics_add("keluh_mentions_rejected_total", "reason=\"bad_request\"", 1);
		httpd_reply_error(req, 400, msg, extra[0] ? extra : NULL);
		return;
	}
	/* taken: the same signed message again is a replay (a refused one may be retried) */
	if (K.nkeys && sign_replay_add(K.replay, httpd_header(req, "webhook-id"),
	    (int64_t)time(NULL)) == 1)
		metrics_bound_hit("webhook_ids", "webhook-ids remembered against replays: the "
		    "oldest is forgotten early");
	w = xcalloc(1, sizeof(*w));
	w->req = req;
	ingest_batch(K.ingest, 1);
	for (size_t i = 0; i < n; i++) {
		if (!w->failed && ingest_mention(K.ingest, &ms[i], "http", &w->counts) < 0)
			w->failed = 1;
		mention_free(&ms[i]);
	}
	ingest_batch(K.ingest, 0);
	K.src_batch = 0;	/* the POST's budget replaced the sources'; they open another */
	free(ms);
	w->next = K.waiting;
	if (K.waiting)
		K.waiting->prev = w;
	K.waiting = w;
	K.nwaiting++;
	httpd_req_on_cancel(req, waiting_cancel, w);
	/* answered after the commit at the end of this pass */
	schedule_flush(NULL);
}

/* Health checks and scrapes still get through when ingest has every connection. */
static const char *const http_spare_paths[] = { "/healthz", "/metrics", NULL };

static struct httpd_limits
http_limits(const struct conf *c)
{
	struct httpd_limits lim = {
		.max_body = c->max_body,
		.max_headers = c->max_headers,
		.max_connections = c->max_connections,
		.header_timeout_ms = 10000,
		.body_timeout_ms = c->http_timeout_ms,
		.idle_timeout_ms = 60000,
		.max_per_client = c->max_connections_per_client,
		.spare_paths = http_spare_paths,
	};

	return lim;
}

/* Receivers that fail, or hold dead letters (as the last stats pass counted them). */
static void
healthz_receivers(json_t *reasons)
{
	for (size_t i = 0; i < K.conf->nreceivers; i++) {
		const char *name = K.conf->receivers[i].name, *err;
		char labels[160], since[32], took[32];
		int64_t since_ms;
		double dead;

		if (deliver_failing(K.deliver, name, &err, &since_ms)) {
			util_iso8601(since_ms, since, sizeof(since));
			json_array_append_new(reasons, json_sprintf("receiver %s is failing since %s "
			    "(%s): %s", name, since, util_human_ms(util_now_ms() - since_ms, took,
			    sizeof(took)), err));
		}
		snprintf(labels, sizeof(labels), "receiver=\"%s\"", name);
		if ((dead = metrics_get("keluh_dead_letters", labels)) > 0)
			json_array_append_new(reasons, json_sprintf("receiver %s has %.0f dead "
			    "letter(s): see keluhctl queue --dead", name, dead));
	}
}

static void
healthz_sources(json_t *reasons)
{
	for (size_t i = 0; i < K.conf->nsources; i++) {
		const char *name = K.conf->sources[i].name, *state;
		struct source *s = i < K.nsources ? K.sources[i] : NULL;

		if (s == NULL)
			json_array_append_new(reasons, json_sprintf("source %s is not running: it "
			    "could not start (see the log)", name));
		else if ((state = source_health_state(s)) != NULL)
			json_array_append_new(reasons, json_sprintf("source %s is %s (alert_after)",
			    name, state));
	}
}

/*
 * 200 while keluhd takes mentions (liveness); "degraded", still 200, when
 * a receiver or a source is in trouble, with one sentence per problem.
 */
static void
healthz(struct httpd_req *req)
{
	json_t *reasons = json_array(), *o;
	const char *status;
	char *body;
	int code = 503;

	healthz_receivers(reasons);
	healthz_sources(reasons);
	if (K.draining)
		status = "stopping";
	else if (K.spool_broken)
		status = "spool failing";
	else {
		status = json_array_size(reasons) ? "degraded" : "ok";
		code = 200;
	}
	o = json_pack("{s:s,s:I,s:I,s:I,s:o}", "status", status, "rules",
	    (json_int_t)rules_count(K.rules), "groups", (json_int_t)group_count(K.groups), "queue",
	    (json_int_t)K.queue_depth, "reasons", reasons);
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (body == NULL) {
		httpd_reply_error(req, 500, "out of memory", NULL);
		return;
	}
	{
		char *line = xasprintf("%s\n", body);

		httpd_reply(req, code, "application/json", NULL, line, strlen(line));
		free(line);
	}
	free(body);
}

static void
http_handler(void *arg, struct httpd_req *req)
{
	const char *path = httpd_path(req);

	if (strcmp(path, "/v1/mentions") == 0) {
		http_mentions(req);
		return;
	}
	if (strcmp(httpd_method(req), "GET") != 0 && strcmp(httpd_method(req), "HEAD") != 0) {
		httpd_reply(req, 405, "application/json", "Allow: GET, HEAD\r\n",
		    "{\"error\":\"use GET\"}\n", 19);
		return;
	}
	if (strcmp(path, "/healthz") == 0) {
		healthz(req);
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		struct buf b;

		metrics_set("keluh_uptime_seconds", NULL, (double)(time(NULL) - K.started));
		buf_init(&b);
		metrics_render(&b);
		httpd_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", NULL,
		    b.data ? b.data : "", b.len);
		buf_free(&b);
		return;
	}
	httpd_reply_error(req, 404, "no such endpoint; try POST /v1/mentions, GET /healthz or "
	    "GET /metrics", NULL);
}

/* ------------------------------------------------------------------ */
/* sources */

static int
source_emit(void *arg, const struct mention *m, const char *source)
{
	struct ingest_counts c = { 0, 0, 0 };

	if (K.draining || K.spool_broken)
		return -1;
	/*
	 * Like the mentions of one POST, those a source hands over in one loop
	 * pass (a poll answer of a thousand items) share one regex budget, so
	 * they cannot hold the loop either; the flush at the pass's end closes it.
	 */
	if (!K.src_batch) {
		ingest_batch(K.ingest, 1);
		K.src_batch = 1;
		schedule_flush(NULL);
	}
	if (ingest_mention(K.ingest, m, source, &c) < 0)
		return -1;
	return 0;
}

static void
sources_stop(void)
{
	for (size_t i = 0; i < K.nsources; i++)
		source_stop(K.sources[i]);
	free(K.sources);
	K.sources = NULL;
	K.nsources = 0;
}

/* A source's health changed (alert_after): an operational alert, through the spool. */
static void
source_health(void *arg, const struct source_health_note *n)
{
	size_t recv[64], nrecv = 0;

	if (health_record(K.spool, K.conf, n, recv, sizeof(recv) / sizeof(recv[0]), &nrecv) == 0)
		on_alert(NULL, recv, nrecv);
}

static int
same_source(const struct conf_source *a, const struct conf_source *b)
{
	return conf_source_same(a, b);
}

/*
 * Starts the sources of c. With old (a reload), a source whose settings
 * did not change keeps running where it is (a file is not read again); the
 * others stop and the new ones start. At start-up a source that fails is
 * fatal; on reload it is logged and left out.
 */
static int
sources_start(const struct conf *c, const struct conf *old)
{
	struct source **next = xcalloc(c->nsources ? c->nsources : 1, sizeof(*next));
	size_t n = 0;
	char err[300];

	for (size_t i = 0; i < c->nsources; i++) {
		struct source *s = NULL;

		for (size_t j = 0; old && j < old->nsources && j < K.nsources; j++)
			if (K.sources[j] && same_source(&old->sources[j], &c->sources[i])) {
				s = K.sources[j];
				K.sources[j] = NULL;
				break;
			}
		if (s == NULL)
			s = source_start(&(struct source_env){ K.base, K.ce, K.spool, source_health, NULL },
			    &c->sources[i], source_emit, NULL, err, sizeof(err));
		if (s == NULL) {
			if (old == NULL) {
				log_error("source %s: %s", c->sources[i].name, err);
				for (size_t k = 0; k < n; k++)
					source_stop(next[k]);
				free(next);
				return -1;
			}
			log_warnx("source %s: %s; left out until the next reload",
			    c->sources[i].name, err);
			/* keep the slot so indexes follow c->sources */
		}
		next[n++] = s;
	}
	for (size_t j = 0; j < K.nsources; j++)
		if (K.sources[j])
			source_stop(K.sources[j]);
	free(K.sources);
	K.sources = next;
	K.nsources = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* configuration */

static int
load_keys(const struct conf *c, struct sign_key **out, size_t *nout)
{
	struct sign_key *keys = xcalloc(c->nsigning_keys ? c->nsigning_keys : 1, sizeof(*keys));
	char err[200];

	for (size_t i = 0; i < c->nsigning_keys; i++)
		if (sign_key_parse(c->signing_keys[i], &keys[i], err, sizeof(err)) < 0) {
			log_warnx("%s: http.signing_keys_file: key %zu: %s", c->path, i + 1, err);
			free(keys);
			return -1;
		}
	*out = keys;
	*nout = c->nsigning_keys;
	return 0;
}

/*
 * Builds a new conf + ruleset; NULL on any error (printed), with the first
 * error in why (file:line:col: message) and their number in *nerrors.
 */
static struct conf *
load_all(const char *path, struct ruleset **rs_out, char *why, size_t whylen, size_t *nerrors)
{
	int have_first = 0;

	struct diag d;
	struct conf *c;
	struct ruleset *rs = NULL;

	diag_init(&d);
	c = conf_load(path, &d);
	if (c) {
		if (K.spool_override) {
			free(c->spool_path);
			c->spool_path = xstrdup(K.spool_override);
		}
		if (K.admin_override) {
			free(c->admin_socket);
			c->admin_socket = xstrdup(K.admin_override);
		}
		rs = rules_load_spec(&c->rules, &d);
	}
	for (size_t i = 0; i < d.n; i++) {
		const struct diag_item *it = &d.items[i];

		if (it->line)
			log_warnx("%s:%u:%u: %s: %s", it->file, it->line, it->col,
			    it->warning ? "warning" : "error", it->msg);
		else
			log_warnx("%s: %s: %s", it->file, it->warning ? "warning" : "error", it->msg);
		if (!it->warning && !have_first++) {
			if (it->line)
				snprintf(why, whylen, "%s:%u:%u: %s", it->file, it->line, it->col,
				    it->msg);
			else
				snprintf(why, whylen, "%s: %s", it->file, it->msg);
		}
	}
	if (nerrors)
		*nerrors = d.errors;
	if (c == NULL || rs == NULL) {
		if (!have_first)
			snprintf(why, whylen, "%zu error%s in %s or its rules (see the log)",
			    d.errors, d.errors == 1 ? "" : "s", path);
		conf_free(c);
		diag_free(&d);
		return NULL;
	}
	diag_free(&d);
	*rs_out = rs;
	return c;
}

/* As Alertmanager's: whether the last load worked, and when one last worked. */
static void
reload_gauges(int ok)
{
	metrics_set("keluh_config_last_reload_successful", NULL, ok);
	if (ok)
		metrics_set("keluh_config_last_reload_success_timestamp_seconds", NULL,
		    (double)util_now_ms() / 1000.0);
}

/* As SIGHUP asks, and the admin API: 0, or -1 with the first error in err. */
static int
reload(char *err, size_t errlen, size_t *nerrors)
{
	struct ruleset *rs;
	struct conf *c, *old;
	struct sign_key *keys;
	size_t nkeys;
	char why[400], old_admin[256];
	struct timespec mono;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
	    (unsigned long long)mono.tv_sec * 1000000ULL + (unsigned long long)mono.tv_nsec / 1000);
	log_info("reloading %s", K.conf_path);
	K.last_reload_ms = util_now_ms();
	c = load_all(K.conf_path, &rs, why, sizeof(why), nerrors);
	if (c && load_keys(c, &keys, &nkeys) < 0) {
		snprintf(why, sizeof(why), "a signing key in %s is not valid", K.conf_path);
		conf_free(c);
		rules_unref(rs);
		c = NULL;
	}
	if (c == NULL) {
		K.reload_failures++;
		metrics_add("keluh_reloads_total", "result=\"failed\"", 1);
		snprintf(K.last_reload, sizeof(K.last_reload), "; last reload failed: %.120s", why);
		log_warnx("reload failed, keeping the running configuration: %s", why);
		K.last_reload_ok = 0;
		reload_gauges(0);
		snprintf(K.last_reload_error, sizeof(K.last_reload_error), "%s", why);
		if (err)
			snprintf(err, errlen, "%s", why);
		notify("READY=1");
		notify_status();
		return -1;
	}
	if ((c->listen == NULL) != (K.conf->listen == NULL) ||
	    (c->listen && strcmp(c->listen, K.conf->listen) != 0))
		log_warnx("http.listen changed: the new address takes effect after a restart");
	if (strcmp(c->spool_path, K.conf->spool_path) != 0)
		log_warnx("spool.path changed: the new spool is used after a restart");
	snprintf(old_admin, sizeof(old_admin), "%s", K.conf->admin_socket ? K.conf->admin_socket : "");
	/* swap: everything from here on sees the new set; in-flight work finishes on the old */
	flush_cb(-1, 0, NULL);
	old = K.conf;
	K.conf = c;
	free(K.keys);
	K.keys = keys;
	K.nkeys = nkeys;
	K.kick = xreallocarray(K.kick, c->nreceivers + 1, sizeof(size_t));
	K.nkick = 0;
	ingest_set(K.ingest, c, rs);
	rules_unref(K.rules);
	K.rules = rs;
	group_set_conf(K.groups, c);
	silences_set_conf(K.silences, c);
	deliver_set_conf(K.deliver, c);
	if (K.httpd) {
		struct httpd_limits lim = http_limits(c);

		httpd_set_limits(K.httpd, &lim);
	}
	sources_start(c, old);
	conf_free(old);
	K.reloads++;
	metrics_add("keluh_reloads_total", "result=\"ok\"", 1);
	snprintf(K.last_reload, sizeof(K.last_reload), "; reloaded %llu time(s)",
	    (unsigned long long)K.reloads);
	log_info("reloaded: %zu rules, %zu sources, %zu receivers, %zu routes",
	    rules_count(rs), c->nsources, c->nreceivers, c->nroutes);
	check_orphans();
	K.last_reload_ok = 1;
	K.last_reload_error[0] = '\0';
	reload_gauges(1);
	if ((c->admin_socket == NULL) != (old_admin[0] == '\0') ||
	    (c->admin_socket && strcmp(c->admin_socket, old_admin) != 0))
		log_warnx("admin.socket changed: the new socket is used after a restart");
	notify("READY=1");
	notify_status();
	return 0;
}

/* ------------------------------------------------------------------ */
/* timers and signals */

static void
stats_cb(evutil_socket_t fd, short what, void *arg)
{
	int64_t depth = 0;
	int ok = 1;

	/* per receiver only: a spool-wide count walks every pending mention, every second */
	for (size_t i = 0; i < K.conf->nreceivers; i++) {
		int64_t pending, dead;
		char labels[160];

		if (spool_queue_counts(K.spool, K.conf->receivers[i].name, &pending, &dead) < 0) {
			ok = 0;
			continue;
		}
		depth += pending;
		snprintf(labels, sizeof(labels), "receiver=\"%s\"", K.conf->receivers[i].name);
		metrics_set("keluh_queue_depth", labels, (double)pending);
		metrics_set("keluh_dead_letters", labels, (double)dead);
	}
	if (ok)
		K.queue_depth = depth;
	/* a failing spool is tried again with a write of nothing: its sync ends the 503s */
	if (K.spool_broken && !K.draining && !spool_in_txn(K.spool) && spool_probe(K.spool) < 0)
		spool_failing("probe failed", spool_error(K.spool));
	if (K.httpd)
		metrics_set("keluh_http_connections", NULL, httpd_connections(K.httpd));
}

/* Keeps the spool from growing without end: hourly, history past keep_history goes. */
static void
prune_cb(evutil_socket_t fd, short what, void *arg)
{
	int64_t n, before = (int64_t)time(NULL) * 1000 - K.conf->keep_history_ms;

	spool_begin(K.spool);
	if ((n = spool_prune(K.spool, before)) < 0)
		log_warnx("spool: pruning old history failed: %s", spool_error(K.spool));
	else if (n > 0)
		log_info("spool: forgot %lld delivered alert(s) older than %lld h",
		    (long long)n, (long long)(K.conf->keep_history_ms / 3600000));
}

static void
orphan_cb(void *arg, const char *receiver, int64_t n)
{
	if (conf_receiver_index(K.conf, receiver) < 0)
		log_warnx("%lld deliveries wait for receiver '%s', which is no longer configured: "
		    "add it back, or drop them with keluhctl drop", (long long)n, receiver);
}

/* Deliveries of a receiver that was removed would wait forever: say so. */
static void
check_orphans(void)
{
	spool_pending_by_receiver(K.spool, orphan_cb, NULL);
}

static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	notify("WATCHDOG=1");
}

static void
drained(void *arg)
{
	flush_cb(-1, 0, NULL);
	event_base_loopexit(K.base, NULL);
}

static void
drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	log_warnx("%d delivery(ies) still in flight after %d s; they stay queued for the next "
	    "start", deliver_inflight(K.deliver), DRAIN_TIMEOUT_S);
	flush_cb(-1, 0, NULL);
	event_base_loopexit(K.base, NULL);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	if (sig == SIGHUP) {
		if (!K.draining)
			reload(NULL, 0, NULL);
		return;
	}
	if (K.draining) {
		log_info("second signal: exiting now");
		event_base_loopexit(K.base, NULL);
		return;
	}
	K.draining = 1;
	notify("STOPPING=1\nSTATUS=stopping: finishing deliveries in flight");
	log_info("stopping: finishing %d delivery(ies) in flight", deliver_inflight(K.deliver));
	sources_stop();
	if (K.httpd)
		httpd_stop_accepting(K.httpd);
	admin_stop(K.admin);
	flush_cb(-1, 0, NULL);
	{
		struct timeval tv = { DRAIN_TIMEOUT_S, 0 };

		K.drain_timer = evtimer_new(K.base, drain_timeout, NULL);
		evtimer_add(K.drain_timer, &tv);
	}
	deliver_drain(K.deliver, drained, NULL);
}

/* ------------------------------------------------------------------ */
/* the admin API (admin.h) and silences (silence.h) */

static void
admin_status_cb(void *arg, struct admin_status *st)
{
	st->conf = K.conf;
	st->sources = K.sources;
	st->nsources = K.nsources;
	st->rules = rules_count(K.rules);
	st->groups = group_count(K.groups);
	st->started_ms = (int64_t)K.started * 1000;
	st->last_reload_ms = K.last_reload_ms;
	st->last_reload_ok = K.last_reload_ok;
	st->last_reload_error = K.last_reload_error;
	st->reloads = K.reloads;
	st->reload_failures = K.reload_failures;
	st->draining = K.draining;
	st->spool_broken = K.spool_broken;
}

static int
admin_reload_cb(void *arg, char *err, size_t errlen, size_t *nerrors)
{
	return reload(err, errlen, nerrors);
}

static int
admin_send_test_cb(void *arg, const char *name, char *id, size_t idlen, char *err,
    size_t errlen)
{
	long r = conf_receiver_index(K.conf, name);
	size_t one;
	struct buf b;

	if (r < 0) {
		buf_init(&b);
		for (size_t i = 0; i < K.conf->nreceivers; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", K.conf->receivers[i].name);
		snprintf(err, errlen, "unknown receiver '%s'; %s%s", name, b.len ? "the receivers "
		    "are: " : "the configuration has no receivers", b.len ? b.data : "");
		buf_free(&b);
		return 404;
	}
	if (K.spool_broken || health_record_test(K.spool, K.conf, (size_t)r, id, idlen) < 0) {
		snprintf(err, errlen, "the spool is failing; see the log");
		return 503;
	}
	one = (size_t)r;
	on_alert(NULL, &one, 1);
	return 0;
}

static int
admin_commit_cb(void *arg)
{
	flush_cb(-1, 0, NULL);
	return K.spool_broken ? -1 : 0;
}

/*
 * Silences first: those that expired while keluhd was down end before the
 * pending complaints are read back. Then the socket, when configured.
 */
static int
admin_start(char *err, size_t errlen)
{
	static const struct admin_ops ops = { admin_status_cb, admin_reload_cb, admin_commit_cb,
		NULL, admin_send_test_cb };

	K.silences = silences_new(K.base, K.spool, K.conf, on_alert, NULL);
	group_set_silences(K.groups, K.silences);
	if (silences_load(K.silences, err, errlen) < 0) {
		log_error("%s", err);
		return -1;
	}
	if (K.conf->admin_socket == NULL)
		return 0;
	K.admin = admin_new(K.base, K.conf->admin_socket, K.spool, K.silences, &ops, err, errlen);
	if (K.admin == NULL) {
		log_error("admin: cannot listen on %s: %s", K.conf->admin_socket, err);
		return -1;
	}
	log_info("admin: listening on %s", K.conf->admin_socket);
	return 0;
}

/* ------------------------------------------------------------------ */

static void
usage(FILE *fp)
{
	fputs("usage: keluhd [-c FILE] [-t | --check] [--spool PATH] [--admin-socket PATH] [-v] [--version]\n"
	      "  -c, --config FILE  configuration (default " CONF_DEFAULT_PATH ")\n"
	      "  -t, --check        validate the configuration and rules, print a summary, exit\n"
	      "                     (keluhctl check does the same)\n"
	      "      --spool PATH   use this spool instead of spool.path\n"
	      "      --admin-socket PATH  serve the admin API here instead of admin.socket\n"
	      "  -v, --verbose      more log lines (debug)\n"
	      "      --version      print the version\n"
	      "  -h, --help         print this help\n"
	      "signals: HUP reloads the configuration and rules; TERM and INT finish the\n"
	      "deliveries in flight and exit.\n",
	    fp);
}

/*
 * In the reverse order of run(); also after a failed start, so that the
 * admin socket file goes and the spool closes cleanly.
 */
static void
teardown(void)
{
	sources_stop();
	httpd_free(K.httpd);
	admin_free(K.admin);
	deliver_free(K.deliver);
	curlev_free(K.ce);
	group_free(K.groups);
	silences_free(K.silences);
	ingest_free(K.ingest);
	if (K.sync_ev)
		event_free(K.sync_ev);
	if (spool_in_txn(K.spool) && spool_commit(K.spool) < 0)
		log_warnx("spool: final commit failed: %s", spool_error(K.spool));
	spool_close(K.spool);
	rules_unref(K.rules);
	conf_free(K.conf);
	free(K.keys);
	sign_replay_free(K.replay);
	free(K.kick);
	{
		struct event *evs[] = { K.flush_ev, K.sig_term, K.sig_int, K.sig_hup,
			K.stats_timer, K.prune_timer, K.watchdog, K.drain_timer };

		for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
			if (evs[i])
				event_free(evs[i]);
	}
	event_base_free(K.base);
	metrics_free();
	curl_global_cleanup();
}

/*
 * In the foreground keluhd makes the directories it keeps its state in, as
 * systemd's StateDirectory= and RuntimeDirectory= do for the unit: the
 * spool's 0700, as the unit's StateDirectoryMode.
 */
static int
make_dir_for(const char *path, unsigned mode, const char *what)
{
	int n = util_mkdir_parents(path, mode);

	if (n < 0) {
		log_error("cannot create the %s directory for %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (n > 0)
		log_info("created the %s directory for %s (mode %04o)", what, path, mode);
	return 0;
}

static int
run(void)
{
	char why[300], err[300];
	struct event_config *ec;
	int status = 1;

	K.started = time(NULL);
	metrics_init();
	if (sign_init() < 0)
		fatalx("libsodium failed to initialise");
	if ((K.conf = load_all(K.conf_path, &K.rules, why, sizeof(why), NULL)) == NULL) {
		log_error("%s", why);
		return 1;
	}
	reload_gauges(1);
	K.replay = sign_replay_new(SIGN_REPLAY_MAX);
	if (load_keys(K.conf, &K.keys, &K.nkeys) < 0)
		return 1;
	if (make_dir_for(K.conf->spool_path, 0700, "state") < 0 ||
	    (K.conf->admin_socket && make_dir_for(K.conf->admin_socket, 0755, "admin socket") < 0))
		return 1;
	if ((K.spool = spool_open(K.conf->spool_path, 0, err, sizeof(err))) == NULL) {
		log_error("cannot open the spool %s: %s", K.conf->spool_path, err);
		return 1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	signal(SIGPIPE, SIG_IGN);
	ec = event_config_new();
	K.base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (K.base == NULL)
		fatalx("cannot create the event loop");
	K.flush_ev = event_new(K.base, -1, 0, flush_cb, &K);
	spool_on_begin(K.spool, schedule_flush, NULL);
	/* the fdatasync of a batch runs beside the next one (see spool_defer_sync) */
	if (spool_defer_sync(K.spool) < 0)
		log_warnx("spool: %s; every batch waits for its own sync", spool_error(K.spool));
	else
		K.sync_ev = event_new(K.base, spool_sync_fd(K.spool), EV_READ | EV_PERSIST, sync_cb,
		    NULL);
	if (K.sync_ev)
		event_add(K.sync_ev, NULL);
	K.kick = xcalloc(K.conf->nreceivers + 1, sizeof(size_t));
	K.ce = curlev_new(K.base);
	K.deliver = deliver_new(K.base, K.ce, K.spool, K.conf);
	K.groups = group_new(K.base, K.conf, K.spool, on_alert, NULL);
	K.ingest = ingest_new(K.conf, K.rules, K.spool, K.groups);
	if (admin_start(err, sizeof(err)) < 0 || ingest_restore(K.ingest) < 0)
		goto out;
	flush_cb(-1, 0, NULL);
	if (K.conf->listen) {
		struct httpd_limits lim = http_limits(K.conf);

		K.httpd = httpd_new(K.base, K.conf->listen, &lim, http_handler, NULL, err,
		    sizeof(err));
		if (K.httpd == NULL) {
			log_error("http: cannot listen on %s: %s", K.conf->listen, err);
			goto out;
		}
	}
	if (sources_start(K.conf, NULL) < 0)
		goto out;
	check_orphans();
	K.sig_term = evsignal_new(K.base, SIGTERM, signal_cb, NULL);
	K.sig_int = evsignal_new(K.base, SIGINT, signal_cb, NULL);
	K.sig_hup = evsignal_new(K.base, SIGHUP, signal_cb, NULL);
	event_add(K.sig_term, NULL);
	event_add(K.sig_int, NULL);
	event_add(K.sig_hup, NULL);
	{
		struct timeval one = { 1, 0 };

		struct timeval hour = { 3600, 0 };

		K.stats_timer = event_new(K.base, -1, EV_PERSIST, stats_cb, NULL);
		event_add(K.stats_timer, &one);
		stats_cb(-1, 0, NULL);
		K.prune_timer = event_new(K.base, -1, EV_PERSIST, prune_cb, NULL);
		event_add(K.prune_timer, &hour);
		prune_cb(-1, 0, NULL);
	}
#ifdef HAVE_SYSTEMD
	{
		uint64_t usec = 0;

		if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
			struct timeval half = { (time_t)(usec / 2000000),
				(suseconds_t)((usec / 2) % 1000000) };

			K.watchdog = event_new(K.base, -1, EV_PERSIST, watchdog_cb, NULL);
			event_add(K.watchdog, &half);
		}
	}
#endif
	log_info("keluhd %s: %zu rules, %zu sources, %zu receivers, %zu routes; %s%s; spool %s",
	    PACKAGE_VERSION, rules_count(K.rules), K.conf->nsources, K.conf->nreceivers,
	    K.conf->nroutes, K.httpd ? "listening on " : "no HTTP listener",
	    K.httpd ? K.conf->listen : "", K.conf->spool_path);
	if (K.httpd)
		log_info("http: port %d", httpd_port(K.httpd));
	notify("READY=1");
	notify_status();
	event_base_dispatch(K.base);
	status = 0;
out:
	teardown();
	if (status == 0)
		log_info("stopped");
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "spool", required_argument, NULL, 's' },
		{ "admin-socket", required_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, do_check = 0, verbose = 0;

	K.conf_path = CONF_DEFAULT_PATH;
	while ((ch = getopt_long(argc, argv, "c:tvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': K.conf_path = optarg; break;
		case 'k':
		case 't': do_check = 1; break;
		case 's': K.spool_override = optarg; break;
		case 'a': K.admin_override = optarg; break;
		case 'v': verbose++; break;
		case 'V': printf("keluhd %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("keluhd", verbose);
	log_stamp_terminal();
	if (do_check)
		return confcheck_run(K.conf_path, "keluhd") < 0 ? 1 : 0;
	return run();
}
