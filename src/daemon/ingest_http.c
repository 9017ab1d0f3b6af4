/*
 * ingest_http.c: POST /v1/mentions (see ingest_http.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "daemon/ingest_http.h"
#include "engine/mention.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

#define MAX_MENTIONS_PER_REQUEST 100000
#define MAX_WAITING_REPLIES      4096

struct ingest_http {
	struct ingest_http_env env;
	const struct conf *conf;
	const struct sign_key *keys;
	size_t nkeys;
	struct sign_replay *replay; /* webhook-ids taken, kept across reloads */
	struct httpd *httpd;
	int64_t queue_depth;
	int stopping;
};

/* A request waiting for the commit of its pass. */
struct waiting {
	struct pass_wait pw; /* first: the pass hands it back */
	struct ingest_http *ih;
	struct httpd_req *req;
	struct ingest_counts counts;
};

/* Health checks and scrapes still get through when ingest has every connection. */
static const char *const spare_paths[] = {"/healthz", "/metrics", NULL};

static struct httpd_limits
limits_of(const struct conf *c)
{
	struct httpd_limits lim = {
	    .max_body = c->max_body,
	    .max_headers = c->max_headers,
	    .max_connections = c->max_connections,
	    .header_timeout_ms = 10000,
	    .body_timeout_ms = c->http_timeout_ms,
	    .idle_timeout_ms = 60000,
	    .max_per_client = c->max_connections_per_client,
	    .spare_paths = spare_paths,
	};

	return lim;
}

/* Not taken now (body is {"error":...}): the client sends it again later. */
static void
reply_503(struct httpd_req *req, const char *body)
{
	httpd_reply(req, 503, "application/json", "Retry-After: 5\r\n", body, strlen(body));
}

/* A request refused for what it is: counted by reason (a label), answered status. */
static void
reject(struct httpd_req *req, const char *reason, int status, const char *msg, const char *extra)
{
	metrics_add("keluh_mentions_rejected_total", reason, 1);
	httpd_reply_error(req, status, msg, extra);
}

void
ingest_http_answer(struct pass_wait *pw, int ok)
{
	struct waiting *w = (struct waiting *)pw;

	if (ok) {
		char body[160];
		int n = snprintf(body, sizeof(body),
		                 "{\"accepted\":%zu,\"complaints\":%zu,\"duplicates\":%zu}\n",
		                 w->counts.accepted, w->counts.complaints, w->counts.duplicates);

		httpd_reply(w->req, 202, "application/json", NULL, body, (size_t)n);
	} else
		reply_503(w->req,
		          "{\"error\":\"could not store the mentions; send them again\"}\n");
	free(w);
}

static void
waiting_cancel(void *arg)
{
	struct waiting *w = arg;

	/* the client left; its mentions are accepted all the same */
	pass_cancel(w->ih->env.pass, &w->pw);
	free(w);
}

int
ingest_http_load_keys(const struct conf *c, struct sign_key **out, size_t *nout)
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

static int
authorized(struct ingest_http *ih, struct httpd_req *req)
{
	const char *h = httpd_header(req, "Authorization");
	int ok = 0;

	if (ih->conf->ntokens == 0)
		return 1;
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	while (*h == ' ')
		h++;
	/* compare with every token, so the time says nothing about which one was close */
	for (size_t i = 0; i < ih->conf->ntokens; i++)
		ok |= sign_token_equal(h, ih->conf->tokens[i]);
	return ok;
}

/* With signing keys: 0 when the signature holds and the webhook-id is new; else answered. */
static int
signed_ok(struct ingest_http *ih, struct httpd_req *req)
{
	const char *id = httpd_header(req, "webhook-id");
	const char *ts = httpd_header(req, "webhook-timestamp");
	const char *sig = httpd_header(req, "webhook-signature");
	char err[200], m2[256];

	if (id == NULL || ts == NULL || sig == NULL) {
		reject(req, "reason=\"signature\"", 401,
		       "signature required: send webhook-id, webhook-timestamp and "
		       "webhook-signature",
		       NULL);
		return -1;
	}
	if (sign_verify(ih->keys, ih->nkeys, id, ts, sig, httpd_body(req), httpd_body_len(req),
	                (int64_t)time(NULL), err, sizeof(err)) < 0 ||
	    (sign_replay_seen(ih->replay, id, (int64_t)time(NULL)) &&
	     snprintf(err, sizeof(err), "webhook-id %.60s was already received (a replay)", id) >
	         0)) {
		snprintf(m2, sizeof(m2), "bad signature: %s", err);
		reject(req, "reason=\"signature\"", 401, m2, NULL);
		return -1;
	}
	return 0;
}

/* Content-Type: 0 JSON, 1 NDJSON, or -1 (answered 415). */
static int
body_kind(struct httpd_req *req)
{
	const char *ct = httpd_header(req, "Content-Type");
	char msg[400];

	if (ct == NULL) {
		reject(req, "reason=\"content_type\"", 415,
		       "Content-Type is missing; use application/json or application/x-ndjson",
		       NULL);
		return -1;
	}
	if (strncasecmp(ct, "application/json", 16) == 0 && (ct[16] == '\0' || ct[16] == ';'))
		return 0;
	if ((strncasecmp(ct, "application/x-ndjson", 20) == 0 &&
	     (ct[20] == '\0' || ct[20] == ';')) ||
	    (strncasecmp(ct, "application/ndjson", 18) == 0 && (ct[18] == '\0' || ct[18] == ';')))
		return 1;
	snprintf(msg, sizeof(msg),
	         "Content-Type %.100s is not accepted; use application/json or "
	         "application/x-ndjson",
	         ct);
	reject(req, "reason=\"content_type\"", 415, msg, NULL);
	return -1;
}

int
ingest_http_open(struct ingest_http *ih, struct httpd_req *req)
{
	int broken = pass_broken(ih->env.pass);
	size_t nwaiting = pass_waiting(ih->env.pass);
	const char *why;
	char msg[400];

	if (!(ih->stopping || broken || nwaiting >= MAX_WAITING_REPLIES ||
	      (size_t)ih->queue_depth >= ih->conf->max_pending_deliveries))
		return 0;
	why = ih->stopping ? "keluhd is shutting down"
	      : broken     ? "the spool is failing"
	                   : "too much is waiting";
	if (!ih->stopping && !broken)
		metrics_bound_hit(nwaiting >= MAX_WAITING_REPLIES ? "waiting_replies"
		                                                  : "pending_deliveries",
		                  "ingest answers 503 until the backlog shrinks");
	snprintf(msg, sizeof(msg), "{\"error\":\"%s; retry later\"}\n", why);
	reply_503(req, msg);
	return -1;
}

struct parsed {
	struct mention *ms;
	size_t n, cap;
	char msg[400], extra[96];
};

static void
parsed_free(struct parsed *pr)
{
	for (size_t i = 0; i < pr->n; i++)
		mention_free(&pr->ms[i]);
	free(pr->ms);
	pr->ms = NULL;
	pr->n = 0;
}

static int
parse_ndjson(struct parsed *pr, const char *body, size_t len)
{
	size_t lineno = 0;
	char err[256];

	for (const char *p = body, *end = body + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		lineno++;
		while (l && (p[l - 1] == '\r' || p[l - 1] == ' ' || p[l - 1] == '\t'))
			l--;
		if (l) {
			if (pr->n == MAX_MENTIONS_PER_REQUEST) {
				snprintf(pr->msg, sizeof(pr->msg),
				         "more than %d mentions in one "
				         "request; split the batch",
				         MAX_MENTIONS_PER_REQUEST);
				return -1;
			}
			if (pr->n == pr->cap) {
				pr->cap = pr->cap ? pr->cap * 2 : 64;
				pr->ms = xreallocarray(pr->ms, pr->cap, sizeof(*pr->ms));
			}
			/* the whole body was checked for UTF-8 before */
			if (mention_parse_utf8(&pr->ms[pr->n], p, l, err, sizeof(err)) < 0) {
				snprintf(pr->msg, sizeof(pr->msg), "line %zu: %s", lineno, err);
				snprintf(pr->extra, sizeof(pr->extra), "\"line\":%zu", lineno);
				return -1;
			}
			pr->n++;
		}
		p += (nl ? (size_t)(nl - p) + 1 : (size_t)(end - p));
	}
	if (pr->n == 0) {
		snprintf(pr->msg, sizeof(pr->msg), "the body has no mentions");
		return -1;
	}
	return 0;
}

static int
parse_json(struct parsed *pr, const char *body, size_t len)
{
	json_error_t je;
	json_t *root = mention_json_loadb(body, len, JSON_REJECT_DUPLICATES, &je), *items;
	size_t count;
	char err[256];

	if (root == NULL) {
		snprintf(pr->msg, sizeof(pr->msg), "malformed JSON at line %d, column %d: %s",
		         je.line, je.column, je.text);
		snprintf(pr->extra, sizeof(pr->extra), "\"line\":%d,\"column\":%d", je.line,
		         je.column);
		return -1;
	}
	items = json_is_array(root) ? root : NULL;
	count = items ? json_array_size(items) : 1;
	if (count == 0 || count > MAX_MENTIONS_PER_REQUEST) {
		snprintf(pr->msg, sizeof(pr->msg),
		         count ? "more than %d mentions in one request; "
		                 "split the batch"
		               : "the array is empty",
		         MAX_MENTIONS_PER_REQUEST);
		json_decref(root);
		return -1;
	}
	pr->ms = xcalloc(count, sizeof(*pr->ms));
	for (size_t i = 0; i < count; i++) {
		if (mention_from_json(&pr->ms[pr->n], items ? json_array_get(items, i) : root, err,
		                      sizeof(err)) < 0) {
			if (items) {
				snprintf(pr->msg, sizeof(pr->msg), "item %zu: %s", i, err);
				snprintf(pr->extra, sizeof(pr->extra), "\"item\":%zu", i);
			} else
				snprintf(pr->msg, sizeof(pr->msg), "%s", err);
			json_decref(root);
			return -1;
		}
		pr->n++;
	}
	json_decref(root);
	return 0;
}

/* The body into pr's mentions; on error -1 with the message (and JSON extra) in pr. */
static int
parse_body(struct httpd_req *req, int ndjson, struct parsed *pr)
{
	const char *body = httpd_body(req);
	size_t len = httpd_body_len(req), valid;

	memset(pr, 0, sizeof(*pr));
	if (len == 0) {
		snprintf(pr->msg, sizeof(pr->msg),
		         "the body is empty; send one mention object, an "
		         "array, or NDJSON");
		return -1;
	}
	if ((valid = utf8_valid_prefix(body, len)) != len) {
		snprintf(pr->msg, sizeof(pr->msg), "the body is not valid UTF-8 (at byte %zu)",
		         valid);
		snprintf(pr->extra, sizeof(pr->extra), "\"byte\":%zu", valid);
		return -1;
	}
	if ((ndjson ? parse_ndjson(pr, body, len) : parse_json(pr, body, len)) < 0) {
		parsed_free(pr);
		return -1;
	}
	return 0;
}

/* The mentions, one regex budget, into the pass; the request waits for its commit. */
static void
take(struct ingest_http *ih, struct httpd_req *req, struct parsed *pr)
{
	struct waiting *w = xcalloc(1, sizeof(*w));
	int failed = 0;

	w->ih = ih;
	w->req = req;
	ingest_batch(ih->env.ingest, 1);
	for (size_t i = 0; i < pr->n; i++)
		if (!failed && ingest_mention(ih->env.ingest, &pr->ms[i], "http", &w->counts) < 0)
			failed = 1;
	parsed_free(pr);
	ingest_batch(ih->env.ingest, 0);
	/* the POST's budget replaced the sources'; they open another */
	if (ih->env.budget_closed)
		ih->env.budget_closed(ih->env.arg);
	httpd_req_on_cancel(req, waiting_cancel, w);
	/* answered after the commit at the end of this pass */
	pass_wait(ih->env.pass, &w->pw, failed);
}

static void
post_mentions(struct ingest_http *ih, struct httpd_req *req)
{
	struct parsed pr;
	int ndjson;

	if (strcmp(httpd_method(req), "POST") != 0) {
		httpd_reply(req, 405, "application/json", "Allow: POST\r\n",
		            "{\"error\":\"use POST\"}\n", 20);
		return;
	}
	if (!authorized(ih, req)) {
		metrics_add("keluh_mentions_rejected_total", "reason=\"unauthorized\"", 1);
		httpd_reply(req, 401, "application/json", "WWW-Authenticate: Bearer\r\n",
		            "{\"error\":\"missing or wrong bearer token\"}\n", 42);
		return;
	}
	if ((ih->nkeys && signed_ok(ih, req) < 0) || (ndjson = body_kind(req)) < 0 ||
	    ingest_http_open(ih, req) < 0)
		return;
	if (parse_body(req, ndjson, &pr) < 0) {
		reject(req, "reason=\"bad_request\"", 400, pr.msg, pr.extra[0] ? pr.extra : NULL);
		return;
	}
	/* taken: the same signed message again is a replay (a refused one may be retried) */
	if (ih->nkeys &&
	    sign_replay_add(ih->replay, httpd_header(req, "webhook-id"), (int64_t)time(NULL)) == 1)
		metrics_bound_hit("webhook_ids", "webhook-ids remembered against replays: the "
		                                 "oldest is forgotten early");
	take(ih, req, &pr);
}

static void
handler(void *arg, struct httpd_req *req)
{
	struct ingest_http *ih = arg;

	if (strcmp(httpd_path(req), "/v1/mentions") == 0)
		post_mentions(ih, req);
	else
		ih->env.other(ih->env.arg, req);
}

struct ingest_http *
ingest_http_start(const struct ingest_http_env *env, const struct conf *c,
                  const struct sign_key *keys, size_t nkeys, char *err, size_t errlen)
{
	struct ingest_http *ih = xcalloc(1, sizeof(*ih));
	struct httpd_limits lim = limits_of(c);

	ih->env = *env;
	ih->conf = c;
	ih->keys = keys;
	ih->nkeys = nkeys;
	ih->httpd = httpd_new(env->base, c->listen, &lim, handler, ih, err, errlen);
	if (ih->httpd == NULL) {
		free(ih);
		return NULL;
	}
	ih->replay = sign_replay_new(SIGN_REPLAY_MAX);
	return ih;
}

void
ingest_http_free(struct ingest_http *ih)
{
	if (ih == NULL)
		return;
	httpd_free(ih->httpd);
	sign_replay_free(ih->replay);
	free(ih);
}

void
ingest_http_set_conf(struct ingest_http *ih, const struct conf *c, const struct sign_key *keys,
                     size_t nkeys)
{
	struct httpd_limits lim = limits_of(c);

	ih->conf = c;
	ih->keys = keys;
	ih->nkeys = nkeys;
	httpd_set_limits(ih->httpd, &lim);
}

void
ingest_http_backlog(struct ingest_http *ih, int64_t queue_depth)
{
	ih->queue_depth = queue_depth;
}

void
ingest_http_stop(struct ingest_http *ih)
{
	ih->stopping = 1;
	httpd_stop_accepting(ih->httpd);
}

int
ingest_http_port(const struct ingest_http *ih)
{
	return httpd_port(ih->httpd);
}

int
ingest_http_connections(const struct ingest_http *ih)
{
	return httpd_connections(ih->httpd);
}
