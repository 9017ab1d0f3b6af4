#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <sodium.h>

#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "net/curlev.h"
#include "sources/meta_parse.h"
#include "sources/source.h"

/*
 * meta: Meta's webhooks (Instagram comments and @mentions, a Facebook
 * Page's feed, WhatsApp Cloud API messages) received at /v1/hooks/NAME.
 *
 * GET is the subscription handshake: hub.mode=subscribe with the verify
 * token echoes hub.challenge. Every POST carries X-Hub-Signature-256,
 * "sha256=" and the hex HMAC-SHA256 of the raw body with the app secret;
 * it is checked before the body is read, in constant time. The body
 * (meta_parse.c) gives mentions whose ids are the platform's object ids,
 * so an event Meta delivers twice is one mention: the daemon drops a
 * repeat within duplicates.window, and a push kind's complaint already
 * in the spool past that window and a restart.
 *
 * An Instagram @mention carries ids only: its text is read from the Graph
 * API with the page token, and the hook is answered once every look-up of
 * its body is back (all taken, or 503 so that Meta sends it again). The
 * usage headers of every answer (X-App-Usage, X-Business-Use-Case-Usage)
 * give the headroom left: above META_USAGE_STOP percent the look-ups stop
 * until the window passes, and hooks that need one are answered 503 with
 * a Retry-After. The page token is checked with debug_token at start and
 * daily: a warning a week before it expires, and when it is invalid.
 */

#define META_USAGE_LOW      75.0         /* percent used: warn */
#define META_USAGE_STOP     90.0         /* percent used: no more look-ups for now */
#define META_PAUSE_MS       (10 * 60000) /* when Meta says nothing of when it ends */
#define META_ANSWER_MAX     65536
#define META_TOKEN_EVERY_MS (24 * 3600000)
#define META_TOKEN_WARN_S   (7 * 86400)
#define META_RETRY_BUSY_S   5

struct msrc;

/* One Graph API request: a look-up for a hook, or debug_token. */
struct mreq {
	struct msrc *m;
	struct mhook *hk; /* NULL: debug_token */
	size_t item;
	CURL *easy;
	struct curl_slist *hdrs;
	struct buf body;
	char *usage[2]; /* X-App-Usage, X-Business-Use-Case-Usage */
	struct mreq *next;
};

/* A hook waiting for its look-ups. */
struct mhook {
	struct msrc *m;
	struct source_hook *h;
	struct meta_batch b;
	size_t pending;
	int failed;
	struct mhook *next;
};

struct msrc {
	struct source src;
	struct event_base *base;
	struct curlev *ce;
	char *verify_token, *app_secret, *page_token; /* secrets */
	char *graph;                                  /* the versioned base, without a trailing / */
	size_t max_body;
	long max_lookups;
	int64_t timeout_ms;
	char *labels;
	struct mreq *reqs;   /* every request running */
	struct mhook *hooks; /* hooks waiting */
	long inflight;
	int64_t paused_until; /* util_mono_ms: no look-up before */
	struct event *token_timer;
};

/* ---- answers ---------------------------------------------------------------- */

/* ---- taking a batch ----------------------------------------------------------- */

/*
 * Emits what b holds and answers h. A repeat is not looked for here: the
 * daemon drops an id seen within duplicates.window, and a push kind's
 * complaint already in the spool, however old (a restart between the
 * commit and Meta seeing the 200).
 */
static void
mh_take(struct msrc *m, struct source_hook *h, struct meta_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct meta_item *it = &b->items[i];
		int rc = 0;

		if (it->kind == META_SKIP) {
			source_skipped(&m->src, it->skip);
			log_debug("source %s: %s skipped (%s)", m->src.name,
			          it->id ? it->id : "a change", it->skip);
			continue;
		}
		if (it->kind == META_MENTION)
			rc = source_emit_mention(&m->src, &it->m);
		else if (it->kind == META_BRAND)
			rc = source_take_brand(&m->src, it->brand, it->reply_to, it->id, it->at_ms);
		if (rc < 0) {
			source_hook_later(&m->src, h, "busy",
			                  "keluhd cannot take mentions now; send again later",
			                  META_RETRY_BUSY_S);
			return;
		}
	}
	source_hook_taken(h, NULL);
}

/* ---- the Graph API ------------------------------------------------------------ */

static void
mq_free(struct mreq *q)
{
	struct mreq **pp;

	for (pp = &q->m->reqs; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	curl_slist_free_all(q->hdrs);
	buf_free(&q->body);
	free(q->usage[0]);
	free(q->usage[1]);
	free(q);
}

static size_t
mq_write(char *p, size_t size, size_t n, void *arg)
{
	struct mreq *q = arg;

	if (q->body.len + size * n > META_ANSWER_MAX)
		return 0;
	buf_add(&q->body, p, size * n);
	return size * n;
}

static size_t
mq_header(char *p, size_t size, size_t n, void *arg)
{
	static const char *const names[2] = {"x-app-usage:", "x-business-use-case-usage:"};
	struct mreq *q = arg;
	size_t len = size * n;

	for (int i = 0; i < 2; i++) {
		size_t nl = strlen(names[i]);

		if (len > nl && len < 4096 && strncasecmp(p, names[i], nl) == 0) {
			size_t a = nl, z = len;

			while (a < z && (p[a] == ' ' || p[a] == '\t'))
				a++;
			while (z > a && (p[z - 1] == '\r' || p[z - 1] == '\n' || p[z - 1] == ' '))
				z--;
			free(q->usage[i]);
			q->usage[i] = xstrndup(p + a, z - a);
		}
	}
	return len;
}

/* The usage an answer reports: the headroom as a metric, a warning, a pause. */
static void
mq_usage(struct msrc *m, struct mreq *q, long status)
{
	double used = -1, u;
	int64_t regain = 0, r;
	char detail[300];

	for (int i = 0; i < 2; i++)
		if ((u = meta_usage(q->usage[i], &r)) >= 0) {
			used = u > used ? u : used;
			regain = r > regain ? r : regain;
		}
	if (status == 429 && used < 100)
		used = 100;
	if (used < 0)
		return;
	metrics_set("keluh_source_quota_remaining", m->labels, used >= 100 ? 0 : 100 - used);
	if (used >= META_USAGE_STOP) {
		int64_t pause = regain > 0 ? regain * 60000 : META_PAUSE_MS;

		m->paused_until = util_mono_ms() + pause;
		snprintf(detail, sizeof(detail),
		         "Source %s (meta) has used %.0f%% of its Graph API "
		         "rate limit; Instagram @mentions wait (Meta sends them again) for %llds.",
		         m->src.name, used, (long long)(pause / 1000));
		source_warn(&m->src, "quota_exhausted", detail);
	} else if (used >= META_USAGE_LOW) {
		snprintf(detail, sizeof(detail),
		         "Source %s (meta) has used %.0f%% of its Graph API "
		         "rate limit; look-ups stop at %.0f%%.",
		         m->src.name, used, META_USAGE_STOP);
		source_warn(&m->src, "quota_low", detail);
	} else if (m->src.warned && (strcmp(m->src.warned, "quota_low") == 0 ||
	                             strcmp(m->src.warned, "quota_exhausted") == 0)) {
		snprintf(detail, sizeof(detail),
		         "Source %s (meta) uses %.0f%% of its Graph API rate "
		         "limit again.",
		         m->src.name, used);
		source_warn_clear(&m->src, detail);
	}
}

static void mh_lookup_done(struct mreq *q, long status, CURLcode rc);
static void token_done(struct mreq *q, long status, CURLcode rc);

static void
mq_done(void *arg, CURL *easy, CURLcode rc)
{
	struct mreq *q = arg;
	long status = 0;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(easy);
	q->easy = NULL;
	mq_usage(q->m, q, status);
	if (q->hk)
		mh_lookup_done(q, status, rc);
	else
		token_done(q, status, rc);
	mq_free(q);
}

/* A GET to the Graph API (path after the base); NULL when it cannot start. */
static struct mreq *
mq_start(struct msrc *m, const char *path, int bearer)
{
	struct mreq *q = xcalloc(1, sizeof(*q));
	char *url = xasprintf("%s%s", m->graph, path), *h;
	CURL *e = curl_easy_init();

	q->m = m;
	buf_init(&q->body);
	if (e == NULL) {
		free(url);
		free(q);
		return NULL;
	}
	if (bearer) {
		h = xasprintf("Authorization: Bearer %s", m->page_token);
		q->hdrs = curl_slist_append(q->hdrs, h);
		explicit_bzero(h, strlen(h));
		free(h);
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	explicit_bzero(url, strlen(url));
	free(url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, q->hdrs);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, mq_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, mq_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, q);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)m->timeout_ms);
	curlev_same_origin(e);
	q->easy = e;
	q->next = m->reqs;
	m->reqs = q;
	if (curlev_add(m->ce, e, mq_done, q) < 0) {
		curl_easy_cleanup(e);
		q->easy = NULL;
		mq_free(q);
		return NULL;
	}
	return q;
}

static void
mh_unlink(struct mhook *hk)
{
	struct mhook **pp;

	for (pp = &hk->m->hooks; *pp; pp = &(*pp)->next)
		if (*pp == hk) {
			*pp = hk->next;
			break;
		}
	meta_batch_free(&hk->b);
	free(hk);
}

static void
mh_lookup_done(struct mreq *q, long status, CURLcode rc)
{
	struct mhook *hk = q->hk;
	struct msrc *m = q->m;
	struct meta_item *it = &hk->b.items[q->item];
	char err[200];

	m->inflight--;
	metrics_set("keluh_source_lookups_in_flight", m->labels, (double)m->inflight);
	if (rc != CURLE_OK || status != 200) {
		hk->failed = 1;
		m->src.errors++;
		if (rc != CURLE_OK)
			log_warnx("source %s: the Graph API look-up of %s failed: %s", m->src.name,
			          it->id, curl_easy_strerror(rc));
		else
			log_warnx("source %s: the Graph API look-up of %s failed: HTTP %ld%s",
			          m->src.name, it->id, status,
			          status == 429 ? " (rate limited)" : "");
	} else if (meta_lookup_done(it, q->body.data ? q->body.data : "", q->body.len, err,
	                            sizeof(err)) < 0) {
		hk->failed = 1;
		m->src.errors++;
		log_warnx("source %s: the Graph API look-up of %s: %s", m->src.name, it->id, err);
	}
	if (--hk->pending > 0)
		return;
	if (hk->failed)
		source_hook_later(&m->src, hk->h, "lookup",
		                  "the Graph API look-up of an Instagram @mention failed; "
		                  "send again later",
		                  60);
	else
		mh_take(m, hk->h, &hk->b);
	mh_unlink(hk);
}

/* Starts the look-ups of hk's batch; 0, or -1 when none could start. */
static int
mh_lookups(struct msrc *m, struct mhook *hk)
{
	for (size_t i = 0; i < hk->b.n; i++) {
		struct meta_item *it = &hk->b.items[i];
		struct mreq *q;
		char *path;

		if (it->kind != META_LOOKUP)
			continue;
		path = meta_lookup_path(it);
		q = mq_start(m, path, 1);
		free(path);
		if (q == NULL) {
			hk->failed = 1;
			continue;
		}
		q->hk = hk;
		q->item = i;
		hk->pending++;
		m->inflight++;
	}
	metrics_set("keluh_source_lookups_in_flight", m->labels, (double)m->inflight);
	return hk->pending ? 0 : -1;
}

/* A body with Instagram @mentions to read first: answered when they are back. */
static void
mh_defer(struct msrc *m, struct source_hook *h, struct meta_batch *b, size_t nlookups)
{
	int64_t now = util_mono_ms();
	struct mhook *hk;

	if (m->page_token == NULL) {
		/* nothing can read them: the rest is taken, and these are counted */
		for (size_t i = 0; i < b->n; i++)
			if (b->items[i].kind == META_LOOKUP) {
				b->items[i].kind = META_SKIP;
				b->items[i].skip = "no_page_token";
			}
		mh_take(m, h, b);
		meta_batch_free(b);
		return;
	}
	if (m->paused_until > now) {
		source_hook_later(&m->src, h, "quota",
		                  "the Graph API rate limit is nearly used up; send again later",
		                  (m->paused_until - now + 999) / 1000);
		meta_batch_free(b);
		return;
	}
	if (m->inflight + (long)nlookups > m->max_lookups) {
		metrics_bound_hit(
		    "meta_lookups",
		    "Graph API look-ups in flight are at max_lookups; "
		    "the hook is answered 503 and Meta sends it again (raise max_lookups)");
		source_hook_later(&m->src, h, "lookups",
		                  "too many Graph API look-ups in flight; send again later",
		                  META_RETRY_BUSY_S);
		meta_batch_free(b);
		return;
	}
	hk = xcalloc(1, sizeof(*hk));
	hk->m = m;
	hk->h = h;
	hk->b = *b;
	hk->next = m->hooks;
	m->hooks = hk;
	if (mh_lookups(m, hk) < 0) {
		source_hook_later(&m->src, h, "lookup",
		                  "cannot start the Graph API look-up; send again later", 60);
		mh_unlink(hk);
	}
}

/* ---- the hook ------------------------------------------------------------------- */

static int
hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* A query parameter's value, %-decoded (malloc'd), or NULL. */
static char *
query_get(const char *q, const char *name)
{
	size_t nl = strlen(name);

	for (const char *p = q; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct buf b;

		if (len <= nl || strncmp(p, name, nl) != 0 || p[nl] != '=')
			continue;
		buf_init(&b);
		for (size_t i = nl + 1; i < len; i++) {
			int hi, lo;

			if (p[i] == '%' && i + 2 < len && (hi = hexval(p[i + 1])) >= 0 &&
			    (lo = hexval(p[i + 2])) >= 0) {
				buf_addc(&b, (char)(hi * 16 + lo));
				i += 2;
			} else
				buf_addc(&b, p[i] == '+' ? ' ' : p[i]);
		}
		buf_addc(&b, '\0');
		return b.data;
	}
	return NULL;
}

/* Whether a and b are the same secret, in time that does not depend on where they differ. */
static int
secret_eq(const char *a, const char *b)
{
	unsigned char ha[32], hb[32];

	crypto_generichash(ha, sizeof(ha), (const unsigned char *)a, strlen(a), NULL, 0);
	crypto_generichash(hb, sizeof(hb), (const unsigned char *)b, strlen(b), NULL, 0);
	return sodium_memcmp(ha, hb, sizeof(ha)) == 0;
}

/* GET: the subscription handshake. */
static void
mh_handshake(struct msrc *m, const struct source_hook_req *req, struct source_hook *h)
{
	char *mode = query_get(req->query, "hub.mode");
	char *token = query_get(req->query, "hub.verify_token");
	char *challenge = query_get(req->query, "hub.challenge");

	if (mode == NULL || strcmp(mode, "subscribe") != 0 || token == NULL || challenge == NULL)
		source_hook_refuse(
		    &m->src, h, 400, "handshake",
		    "a GET must be Meta's subscription "
		    "handshake: hub.mode=subscribe, hub.verify_token and hub.challenge");
	else if (!secret_eq(token, m->verify_token))
		source_hook_refuse(&m->src, h, 403, "verify_token",
		                   "hub.verify_token is not the "
		                   "source's verify token");
	else if (*challenge == '\0' || strlen(challenge) > 256 ||
	         strspn(challenge,
	                "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.~") !=
	             strlen(challenge))
		source_hook_refuse(&m->src, h, 400, "handshake",
		                   "hub.challenge must be up to 256 "
		                   "letters, digits or -_.~");
	else {
		log_info("source %s: Meta's subscription handshake answered", m->src.name);
		source_hook_reply(h, 200, "text/plain", challenge, strlen(challenge));
	}
	if (token)
		explicit_bzero(token, strlen(token));
	free(mode);
	free(token);
	free(challenge);
}

/* X-Hub-Signature-256 over the raw body: NULL when good, else why not. */
static const char *
mh_signature(struct msrc *m, const struct source_hook_req *req)
{
	const char *sig = req->header(req, "X-Hub-Signature-256");
	unsigned char want[crypto_auth_hmacsha256_BYTES], got[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	size_t n = 0;

	if (sig == NULL || *sig == '\0')
		return "no X-Hub-Signature-256 header";
	if (strncmp(sig, "sha256=", 7) != 0 || strlen(sig + 7) != 2 * sizeof(got) ||
	    sodium_hex2bin(got, sizeof(got), sig + 7, 2 * sizeof(got), NULL, &n, NULL) != 0 ||
	    n != sizeof(got))
		return "X-Hub-Signature-256 is not sha256= and 64 hex digits";
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)m->app_secret,
	                            strlen(m->app_secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)req->body, req->len);
	crypto_auth_hmacsha256_final(&st, want);
	sodium_memzero(&st, sizeof(st));
	if (sodium_memcmp(want, got, sizeof(want)) != 0)
		return "X-Hub-Signature-256 does not match the body (wrong app secret, or an "
		       "altered body)";
	return NULL;
}

static void
mh_post(struct msrc *m, const struct source_hook_req *req, struct source_hook *h)
{
	struct meta_batch b;
	const char *why, *reason;
	char err[300];
	size_t nlookups = 0;
	int status;

	if (req->len > m->max_body) {
		snprintf(err, sizeof(err), "the body is larger than max_body (%zu bytes)",
		         m->max_body);
		source_hook_refuse(&m->src, h, 413, "too_large", err);
		return;
	}
	if ((why = mh_signature(m, req)) != NULL) {
		source_hook_refuse(&m->src, h, 401, "signature", why);
		return;
	}
	if (meta_parse(&b, req->body, req->len, &reason, err, sizeof(err)) < 0) {
		status = strcmp(reason, "shape") == 0      ? 422
		         : strcmp(reason, "too_many") == 0 ? 413
		                                           : 400;
		source_hook_refuse(&m->src, h, status, reason, err);
		return;
	}
	for (size_t i = 0; i < b.n; i++)
		nlookups += b.items[i].kind == META_LOOKUP;
	if (nlookups) {
		mh_defer(m, h, &b, nlookups);
		return;
	}
	mh_take(m, h, &b);
	meta_batch_free(&b);
}

static void
meta_hook(struct source *src, const struct source_hook_req *req, struct source_hook *h)
{
	struct msrc *m = (struct msrc *)src;

	if (strcmp(req->method, "GET") == 0)
		mh_handshake(m, req, h);
	else if (strcmp(req->method, "POST") == 0)
		mh_post(m, req, h);
	else
		source_hook_refuse(src, h, 405, "method",
		                   "Meta's webhooks are GET (the handshake) "
		                   "and POST");
}

/* ---- the page token ------------------------------------------------------------- */

static void
token_done(struct mreq *q, long status, CURLcode rc)
{
	struct msrc *m = q->m;
	int64_t exp, left;
	char detail[300], b[32];
	int valid;

	if (rc != CURLE_OK || status != 200 ||
	    meta_debug_token(q->body.data ? q->body.data : "", q->body.len, &valid, &exp) < 0) {
		/* a token Meta refuses outright answers 400 with an OAuthException */
		log_warnx("source %s: cannot check the page token with debug_token (%s%ld)",
		          m->src.name, rc != CURLE_OK ? "no answer; HTTP " : "HTTP ", status);
		if (status == 400 || status == 401 || status == 403) {
			snprintf(detail, sizeof(detail),
			         "Source %s (meta): the Graph API refuses the "
			         "page token (HTTP %ld); Instagram @mentions cannot be read; renew "
			         "page_token_file.",
			         m->src.name, status);
			source_warn(&m->src, "token_invalid", detail);
		}
		return;
	}
	left = exp ? exp - util_now_ms() / 1000 : 0;
	if (!valid) {
		snprintf(detail, sizeof(detail),
		         "Source %s (meta): the page token is no longer valid; "
		         "Instagram @mentions cannot be read; renew page_token_file.",
		         m->src.name);
		source_warn(&m->src, "token_invalid", detail);
	} else if (exp && left < META_TOKEN_WARN_S) {
		snprintf(detail, sizeof(detail),
		         "Source %s (meta): the page token expires in %s; "
		         "renew page_token_file before then.",
		         m->src.name, util_human_ms(left > 0 ? left * 1000 : 0, b, sizeof(b)));
		source_warn(&m->src, "token_expiring", detail);
	} else if (m->src.warned && strncmp(m->src.warned, "token_", 6) == 0)
		source_warn_clear(&m->src, "the page token is valid again");
	else
		log_info("source %s: the page token is valid%s", m->src.name,
		         exp ? "" : " and does not expire");
}

static void
token_check(evutil_socket_t fd, short what, void *arg)
{
	struct msrc *m = arg;
	char *t = curl_easy_escape(NULL, m->page_token, 0), *path;
	struct timeval tv;

	path = xasprintf("/debug_token?input_token=%s&access_token=%s", t ? t : "", t ? t : "");
	if (t) {
		explicit_bzero(t, strlen(t));
		curl_free(t);
	}
	if (mq_start(m, path, 0) == NULL)
		log_warnx("source %s: cannot start the page token check", m->src.name);
	explicit_bzero(path, strlen(path));
	free(path);
	util_ms_to_tv(META_TOKEN_EVERY_MS, &tv);
	evtimer_add(m->token_timer, &tv);
}

/* ---- start and stop ------------------------------------------------------------- */

/* meta's options. */
struct meta_opts {
	char *verify_token, *app_secret, *page_token; /* secrets, read from their files */
	char *graph_url;
	size_t max_body;
	long max_lookups;
	int64_t timeout_ms;
};

static void
secret_free(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

static void
meta_stop(struct source *src)
{
	struct msrc *m = (struct msrc *)src;

	/* hooks still waiting: Meta sends them again */
	while (m->hooks) {
		source_hook_later(&m->src, m->hooks->h, "stopped",
		                  "the source is stopping; send again later", META_RETRY_BUSY_S);
		mh_unlink(m->hooks);
	}
	while (m->reqs) {
		if (m->reqs->easy) {
			curlev_cancel(m->ce, m->reqs->easy);
			curl_easy_cleanup(m->reqs->easy);
		}
		mq_free(m->reqs);
	}
	if (m->token_timer)
		event_free(m->token_timer);
	secret_free(&m->verify_token);
	secret_free(&m->app_secret);
	secret_free(&m->page_token);
	free(m->graph);
	free(m->labels);
}

static struct source *
meta_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn, void *arg,
           char *err, size_t errlen)
{
	const struct meta_opts *o = cs->opts;
	struct msrc *m;

	if (o->verify_token == NULL || o->app_secret == NULL) {
		snprintf(err, errlen, "no verify_token_file or app_secret_file");
		return NULL;
	}
	if (o->page_token && source_need_http(env, "read the Graph API", err, errlen) < 0)
		return NULL;
	m = source_new(sizeof(*m), env, cs, fn, arg, meta_stop);
	m->base = env->base;
	m->ce = env->ce;
	m->verify_token = xstrdup(o->verify_token);
	m->app_secret = xstrdup(o->app_secret);
	m->page_token = o->page_token ? xstrdup(o->page_token) : NULL;
	m->graph = source_url_base(o->graph_url);
	m->max_body = o->max_body;
	m->max_lookups = o->max_lookups;
	m->timeout_ms = o->timeout_ms;
	m->labels = xasprintf("source=\"%s\"", cs->name);
	if (m->page_token) {
		struct timeval tv = {0, 0};

		m->token_timer = evtimer_new(env->base, token_check, m);
		evtimer_add(m->token_timer, &tv);
	}
	log_info("source %s: taking Meta's webhooks at /v1/hooks/%s%s", cs->name, cs->name,
	         m->page_token ? "" : " (no page_token_file: Instagram @mentions are skipped)");
	return &m->src;
}

/* ---- configuration -------------------------------------------------------------- */

static void
meta_parse_secrets(struct confp *L, const struct conf_source *cs, struct meta_opts *o,
                   yaml_node_t *item)
{
	static const char *const need[][2] = {
	    {"verify_token_file", "a file holding the verify token you type into the app's "
	                          "Webhooks settings"},
	    {"app_secret_file", "a file holding the app secret (App settings, Basic), which "
	                        "signs every webhook"},
	};

	o->verify_token = confp_secret_line(L, item, "verify_token_file");
	o->app_secret = confp_secret_line(L, item, "app_secret_file");
	o->page_token = confp_secret_line(L, item, "page_token_file");
	for (int i = 0; i < 2; i++)
		if (ymap_get(L->yf, item, need[i][0]) == NULL)
			yerror(L->d, L->yf, item, "source '%s' of type meta needs %s (%s)",
			       cs->name, need[i][0], need[i][1]);
}

static void *
meta_parse_conf(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	struct meta_opts *o = xcalloc(1, sizeof(*o));
	yaml_node_t *v;
	const char *s;

	o->graph_url = xstrdup("https://graph.facebook.com/v21.0");
	o->max_body = 1024 * 1024;
	o->max_lookups = 16;
	o->timeout_ms = 5000;
	meta_parse_secrets(L, cs, o, item);
	if ((v = ymap_get(L->yf, item, "graph_url")) != NULL &&
	    yget_string(L->d, L->yf, v, "graph_url", &s) == 0) {
		if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
			yerror(L->d, L->yf, v,
			       "graph_url: '%s' must start with https:// (or http://), "
			       "like https://graph.facebook.com/v21.0",
			       s);
		else {
			free(o->graph_url);
			o->graph_url = xstrdup(s);
		}
	}
	if (confp_size(L, item, "max_body", &o->max_body) == 0 &&
	    (v = ymap_get(L->yf, item, "max_body")) != NULL &&
	    (o->max_body < 1024 || o->max_body > 64 * 1024 * 1024))
		yerror(L->d, L->yf, v, "max_body must be between 1KiB and 64MiB");
	(void)confp_long(L, item, "max_lookups", 1, 1000, &o->max_lookups);
	if (confp_duration(L, item, "lookup_timeout", &o->timeout_ms) == 0 &&
	    (v = ymap_get(L->yf, item, "lookup_timeout")) != NULL &&
	    (o->timeout_ms < 100 || o->timeout_ms > 60000))
		yerror(L->d, L->yf, v,
		       "lookup_timeout must be between 100ms and 60s (Meta waits "
		       "about 20s for an answer)");
	if ((v = ymap_get(L->yf, item, "alert_to")) != NULL)
		confp_strings(L, v, "alert_to", &cs->alert_to, &cs->nalert_to);
	return o;
}

static int
meta_same(const void *va, const void *vb)
{
	const struct meta_opts *a = va, *b = vb;

	return source_same_str(a->verify_token, b->verify_token) &&
	       source_same_str(a->app_secret, b->app_secret) &&
	       source_same_str(a->page_token, b->page_token) &&
	       source_same_str(a->graph_url, b->graph_url) && a->max_body == b->max_body &&
	       a->max_lookups == b->max_lookups && a->timeout_ms == b->timeout_ms;
}

static void
meta_free(void *opts)
{
	struct meta_opts *o = opts;

	confp_free_secret(o->verify_token);
	confp_free_secret(o->app_secret);
	confp_free_secret(o->page_token);
	free(o->graph_url);
	free(o);
}

static const struct conf_key meta_keys[] = {
    {"alert_to", CONF_LIST},
    {"verify_token_file", CONF_SECRET_FILE},
    {"app_secret_file", CONF_SECRET_FILE},
    {"page_token_file", CONF_SECRET_FILE},
    {"graph_url", CONF_STRING},
    {"max_body", CONF_SIZE},
    {"max_lookups", CONF_INT},
    {"lookup_timeout", CONF_DURATION},
    {NULL, 0},
};

const struct source_kind source_kind_meta = {
    .conf =
        {
            .name = "meta",
            .keys = meta_keys,
            .parse = meta_parse_conf,
            .same = meta_same,
            .free = meta_free,
        },
    .start = meta_start,
    .hook = meta_hook,
};
