#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/util.h>

#include "conf/conf_parse.h"
#include "lib/jwt.h"
#include "lib/log.h"
#include "lib/util.h"
#include "net/curlev.h"
#include "net/stream.h"
#include "sources/source.h"
#include "sources/source_review.h"

/*
 * google-play: the reviews of one or more Android apps, from the Google
 * Play Developer API's reviews.list
 * (GET /androidpublisher/v3/applications/PACKAGE/reviews, pages linked by
 * tokenPagination.nextPageToken). The API lists only the last week's
 * reviews (new or edited): keluh warns ("gap") when it has not polled for
 * longer than that.
 *
 * The token: OAuth2 for a service account. keluh signs a JWT (RS256, with
 * the account's private key from its JSON key file) with iss the account's
 * client_email, the androidpublisher scope and aud the key's token_uri,
 * and posts it there (grant_type jwt-bearer); the access token that comes
 * back is renewed a minute before its expires_in runs out (half-way for a
 * short one), and at once after a 401.
 */

#define GP_SCOPE            "https://www.googleapis.com/auth/androidpublisher"
#define GP_TOKEN_TIMEOUT_MS 30000
#define GP_TOKEN_BODY_MAX   65536
#define GP_TOKEN_MARGIN_MS  60000
#define GP_AUTH_BACKOFF_MS  600000 /* a refused key: no point asking often */
#define GP_JWT_LIFE_S       3600   /* the longest Google takes */

struct gsrc {
	struct review_src rv; /* first */
	struct curlev *ce;
	struct jwt_key *key;
	char *client_email, *token_uri, *base, *lang;
	int64_t reconnect_ms, backoff_max_ms;
	struct event *tok_timer; /* the next token request after a failure */
	char *token;
	int64_t token_until; /* util_mono_ms(): renew from here */
	CURL *tok_easy;
	struct buf tok_body;
	unsigned tok_fails;
};

/* The options (private to this file). */
struct gplay_opts {
	char *client_email, *private_key, *token_uri; /* from service_account_file */
	char **packages;
	size_t npackages;
	char *api_url, *lang;
	int64_t every_ms, timeout_ms;
};

/* ---- the reviews ------------------------------------------------------ */

static char *
gp_first_url(struct review_src *rv, const char *pkg)
{
	struct gsrc *g = (struct gsrc *)rv;

	return xasprintf("%s/androidpublisher/v3/applications/%s/reviews?maxResults=100%s%s",
	                 g->base, pkg, g->lang ? "&translationLanguage=" : "",
	                 g->lang ? g->lang : "");
}

/* A Timestamp ({"seconds": "1795000000", "nanos": 5}) in Unix ms; 0 when it is none. */
static int64_t
gp_time(json_t *ts)
{
	json_t *s = json_object_get(ts, "seconds"), *n = json_object_get(ts, "nanos");
	double sec = -1;
	char *end;

	if (json_is_string(s)) {
		sec = strtod(json_string_value(s), &end);
		if (*end != '\0' || end == json_string_value(s))
			sec = -1;
	} else if (json_is_number(s))
		sec = json_number_value(s);
	if (!(sec > 0 && sec < 253402300800.0))
		return 0;
	return (int64_t)sec * 1000 + (json_is_integer(n) && json_integer_value(n) > 0 &&
	                                      json_integer_value(n) < 1000000000
	                                  ? json_integer_value(n) / 1000000
	                                  : 0);
}

/* The mention of a user's comment (reviewId id, on pkg), or NULL when it has no text. */
static json_t *
gp_mention(const char *id, const char *pkg, const char *author, json_t *uc, int64_t at)
{
	const char *text = source_json_str(uc, "text");
	const char *dev = source_json_str(json_object_get(uc, "deviceMetadata"), "productName");
	json_t *m, *stars = json_object_get(uc, "starRating");
	char ts[32], *s;

	if (text == NULL || text[strspn(text, " \t\r\n")] == '\0')
		return NULL;
	m = json_object();
	json_object_set_new(
	    m, "text", json_stringn(text, source_utf8_fit(text, strlen(text), MENTION_MAX_TEXT)));
	s = xasprintf("google-play:%s", id);
	json_object_set_new(m, "id", json_string(s));
	free(s);
	s = xasprintf("google-play:%s", pkg);
	json_object_set_new(m, "account", json_string(s));
	free(s);
	util_iso8601(at, ts, sizeof(ts));
	json_object_set_new(m, "created_at", json_string(ts));
	if (json_is_integer(stars) && json_integer_value(stars) >= 1 &&
	    json_integer_value(stars) <= 5)
		json_object_set(m, "rating", stars);
	if (source_json_str(uc, "appVersionName"))
		json_object_set(m, "app_version", json_object_get(uc, "appVersionName"));
	if (dev == NULL || *dev == '\0')
		dev = source_json_str(uc, "device"); /* the codename, when that is all there is */
	if (dev && *dev)
		json_object_set_new(m, "device", json_string(dev));
	if (source_json_str(uc, "reviewerLanguage") && *source_json_str(uc, "reviewerLanguage"))
		json_object_set(m, "lang", json_object_get(uc, "reviewerLanguage"));
	if (author && *author)
		json_object_set_new(m, "author", json_pack("{s:s}", "name", author));
	return m;
}

/* One review: its user's comment, and the developer's answer when there is one. */
static void
gp_review(struct gsrc *g, const char *pkg, json_t *rev, json_t *items)
{
	const char *rid = source_json_str(rev, "reviewId");
	json_t *comments = json_object_get(rev, "comments"), *c, *uc = NULL, *dc = NULL;
	int64_t at = 0, reply = 0;
	size_t i;
	char *id;

	json_array_foreach(comments, i, c)
	{
		if (uc == NULL && json_is_object(json_object_get(c, "userComment")))
			uc = json_object_get(c, "userComment");
		if (dc == NULL && json_is_object(json_object_get(c, "developerComment")))
			dc = json_object_get(c, "developerComment");
	}
	if (rid == NULL || *rid == '\0' || strlen(rid) > 256 || uc == NULL ||
	    (at = gp_time(json_object_get(uc, "lastModified"))) == 0) {
		g->rv.src.errors++;
		stream_count_error(g->rv.src.name, "mapping");
		log_warnx("source %s: %s: a review without %s; skipped", g->rv.src.name, pkg,
		          rid == NULL || *rid == '\0' || strlen(rid) > 256 ? "a reviewId"
		          : uc == NULL                                     ? "a userComment"
		                                                           : "a lastModified time");
		return;
	}
	if (dc)
		reply = gp_time(json_object_get(dc, "lastModified"));
	id = xasprintf("google-play:%s", rid);
	review_add(items, id, at, gp_mention(rid, pkg, source_json_str(rev, "authorName"), uc, at),
	           reply);
	free(id);
}

static int
gp_page(struct review_src *rv, const char *pkg, json_t *root, json_t *items, char **next, char *why,
        size_t whylen)
{
	struct gsrc *g = (struct gsrc *)rv;
	json_t *reviews = json_object_get(root, "reviews"), *rev;
	const char *tok =
	    source_json_str(json_object_get(root, "tokenPagination"), "nextPageToken");
	size_t i;

	*next = NULL;
	/* an empty list has no "reviews" at all */
	if (!json_is_object(root) || (reviews && !json_is_array(reviews))) {
		snprintf(why, whylen, "the answer is not a reviews.list page (no reviews array)");
		return -1;
	}
	json_array_foreach(reviews, i, rev) gp_review(g, pkg, rev, items);
	if (tok && *tok) {
		char *e = curl_easy_escape(NULL, tok, 0), *first = gp_first_url(rv, pkg);

		*next = xasprintf("%s&token=%s", first, e ? e : "");
		curl_free(e);
		free(first);
	}
	return 0;
}

/* ---- the token -------------------------------------------------------- */

static void gp_token_start(struct gsrc *);

static void
gp_token_forget(struct gsrc *g)
{
	if (g->token) {
		explicit_bzero(g->token, strlen(g->token));
		free(g->token);
		g->token = NULL;
	}
}

static void
gp_forget(struct review_src *rv)
{
	gp_token_forget((struct gsrc *)rv);
}

/* Full-jitter exponential backoff from reconnect up to backoff_max. */
static int64_t
gp_backoff(struct gsrc *g)
{
	int64_t base = g->reconnect_ms > 0 ? g->reconnect_ms : 1000, d = base;
	uint32_t x;

	for (unsigned i = 1; i < g->tok_fails && d < g->backoff_max_ms; i++)
		d *= 2;
	if (d > g->backoff_max_ms)
		d = g->backoff_max_ms;
	evutil_secure_rng_get_bytes(&x, sizeof(x));
	d = (int64_t)((double)d * ((double)x / 4294967296.0));
	return d < base ? base : d;
}

static void
gp_token_failed(struct gsrc *g, long status, int refused, const char *why)
{
	struct timeval tv;
	char d[300];
	int64_t w;

	g->tok_fails++;
	stream_note_failure(g->rv.st, status);
	stream_count_error(g->rv.src.name, refused ? "auth" : "token");
	if (refused) {
		w = g->backoff_max_ms > GP_AUTH_BACKOFF_MS ? g->backoff_max_ms : GP_AUTH_BACKOFF_MS;
		snprintf(d, sizeof(d), "Google refuses the service account's key (%s)", why);
		log_error("source %s: %s; check service_account_file and that the account is "
		          "invited in the Play Console; trying again in %llds",
		          g->rv.src.name, d, (long long)(w / 1000));
		source_warn(&g->rv.src, "token_invalid", d);
	} else {
		w = gp_backoff(g);
		log_warnx("source %s: no access token: %s; trying again in %lldms", g->rv.src.name,
		          why, (long long)w);
	}
	util_ms_to_tv(w, &tv);
	evtimer_add(g->tok_timer, &tv);
}

/* The token endpoint's answer: {"access_token": ..., "expires_in": 3599, "token_type": "Bearer"}.
 */
static void
gp_token_answer(struct gsrc *g, long status, json_t *root)
{
	const char *tok = source_json_str(root, "access_token"),
	           *err = source_json_str(root, "error");
	json_t *exp = json_object_get(root, "expires_in");
	char why[200];
	int64_t life;

	if (status != 200 || tok == NULL || *tok == '\0' || strpbrk(tok, "\r\n")) {
		/* invalid_grant, unauthorized_client: the key or its account is refused */
		snprintf(why, sizeof(why), "HTTP %ld%s%s", status, err ? ", " : "", err ? err : "");
		gp_token_failed(g, status == 200 ? 401 : status,
		                status == 400 || status == 401 || status == 403, why);
		return;
	}
	gp_token_forget(g);
	g->token = xstrdup(tok);
	life = json_is_number(exp) && json_number_value(exp) > 0 &&
	               json_number_value(exp) < 365 * 86400.0
	           ? (int64_t)(json_number_value(exp) * 1000)
	           : 3600000;
	g->token_until =
	    util_mono_ms() + (life > 2 * GP_TOKEN_MARGIN_MS ? life - GP_TOKEN_MARGIN_MS : life / 2);
	g->tok_fails = 0;
	if (g->rv.src.warned && strcmp(g->rv.src.warned, "token_invalid") == 0)
		source_warn_clear(&g->rv.src, "Google takes the service account's key again");
	log_info("source %s: got an access token (valid for %llds)", g->rv.src.name,
	         (long long)(life / 1000));
	review_token_ready(&g->rv);
}

static void
gp_token_done(void *arg, CURL *easy, CURLcode rc)
{
	struct gsrc *g = arg;
	long status = 0;
	json_t *root;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(easy);
	g->tok_easy = NULL;
	if (rc != CURLE_OK) {
		gp_token_failed(g, 0, 0, curl_easy_strerror(rc));
		return;
	}
	root = json_loadb(g->tok_body.data ? g->tok_body.data : "", g->tok_body.len, 0, NULL);
	if (g->tok_body.data)
		explicit_bzero(g->tok_body.data, g->tok_body.len);
	buf_reset(&g->tok_body);
	gp_token_answer(g, status, root);
	if (source_json_str(root, "access_token"))
		explicit_bzero((char *)source_json_str(root, "access_token"),
		               strlen(source_json_str(root, "access_token")));
	json_decref(root);
}

static size_t
gp_token_write(char *p, size_t size, size_t n, void *arg)
{
	struct gsrc *g = arg;

	if (g->tok_body.len + size * n > GP_TOKEN_BODY_MAX)
		return 0;
	buf_add(&g->tok_body, p, size * n);
	return size * n;
}

/* The assertion: a JWT the service account signs, good for an hour. */
static char *
gp_assertion(struct gsrc *g, char *err, size_t errlen)
{
	int64_t now = util_now_ms() / 1000;
	json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", g->client_email, "scope",
	                      GP_SCOPE, "aud", g->token_uri, "iat", (json_int_t)now, "exp",
	                      (json_int_t)(now + GP_JWT_LIFE_S));
	char *cs = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER), *jwt;

	json_decref(c);
	jwt = cs ? jwt_sign(g->key, NULL, cs, err, errlen) : NULL;
	free(cs);
	return jwt;
}

static void
gp_token_start(struct gsrc *g)
{
	char err[256], *jwt, *post;
	CURL *e;

	if (g->tok_easy || evtimer_pending(g->tok_timer, NULL))
		return;
	if ((jwt = gp_assertion(g, err, sizeof(err))) == NULL) {
		gp_token_failed(g, 0, 0, err);
		return;
	}
	post = xasprintf("grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer"
	                 "&assertion=%s",
	                 jwt); /* base64url and dots: nothing to escape */
	free(jwt);
	if ((e = curl_easy_init()) == NULL) {
		free(post);
		gp_token_failed(g, 0, 0, "curl_easy_init failed");
		return;
	}
	buf_reset(&g->tok_body);
	curl_easy_setopt(e, CURLOPT_URL, g->token_uri);
	curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, post);
	free(post);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, gp_token_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, g);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)GP_TOKEN_TIMEOUT_MS);
	g->tok_easy = e;
	if (curlev_add(g->ce, e, gp_token_done, g) < 0) {
		curl_easy_cleanup(e);
		g->tok_easy = NULL;
		gp_token_failed(g, 0, 0, "cannot start the request");
	}
}

static void
gp_tok_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	gp_token_start(arg);
}

static int
gp_auth(struct review_src *rv, struct stream *st)
{
	struct gsrc *g = (struct gsrc *)rv;

	if (g->token && util_mono_ms() >= g->token_until)
		gp_token_forget(g); /* about to expire: a new one first */
	if (g->token == NULL) {
		gp_token_start(g);
		return -1;
	}
	source_add_header(st, "Authorization: Bearer %s", g->token);
	return 0;
}

static void
gp_stop(struct review_src *rv)
{
	struct gsrc *g = (struct gsrc *)rv;

	if (g->tok_easy) {
		curlev_cancel(g->ce, g->tok_easy);
		curl_easy_cleanup(g->tok_easy);
	}
	event_free(g->tok_timer);
	buf_free(&g->tok_body);
	gp_token_forget(g);
	jwt_key_free(g->key);
	free(g->client_email);
	free(g->token_uri);
	free(g->base);
	free(g->lang);
}

static const struct review_ops gp_ops = {
    .first_url = gp_first_url,
    .auth = gp_auth,
    .forget = gp_forget,
    .page = gp_page,
    .stop = gp_stop,
    .window_ms = REVIEW_WEEK_MS,
    .platform = "google-play",
};

int
source_google_play_read(const char *data, size_t len, json_t *items, char **next)
{
	char name[] = "fuzz", base[] = "http://127.0.0.1";
	struct gsrc g = {.rv = {.src = {.name = name}, .ops = &gp_ops}, .base = base};
	const char *kind;
	char why[320];

	return review_read(&g.rv, "com.acme.app", data, len, items, next, &kind, why, sizeof(why));
}

static struct source *
gp_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn, void *arg,
         char *err, size_t errlen)
{
	const struct gplay_opts *go = cs->opts;
	struct source_net net;
	struct stream_opts o;
	struct jwt_key *key;
	struct gsrc *g;

	if (source_need_http(env, "poll", err, errlen) < 0)
		return NULL;
	if (go->private_key == NULL) {
		snprintf(err, errlen, "no service_account_file");
		return NULL;
	}
	if ((key = jwt_key_pem(go->private_key, strlen(go->private_key), JWT_RS256, err, errlen)) ==
	    NULL)
		return NULL;
	source_net_init(&net, 1);
	net.interval_ms = go->every_ms;
	net.timeout_ms = go->timeout_ms;
	source_stream_opts(&o, cs->name, &net, go->api_url, STREAM_POLL);
	g = (struct gsrc *)review_start(sizeof(*g), env, cs, fn, arg, &gp_ops, go->packages,
	                                go->npackages, &o);
	g->ce = env->ce;
	g->key = key;
	g->client_email = xstrdup(go->client_email);
	g->token_uri = xstrdup(go->token_uri);
	g->base = source_url_base(go->api_url);
	g->lang = go->lang ? xstrdup(go->lang) : NULL;
	g->reconnect_ms = net.reconnect_ms;
	g->backoff_max_ms = net.backoff_max_ms;
	g->tok_timer = evtimer_new(env->base, gp_tok_timer_cb, g);
	buf_init(&g->tok_body);
	return &g->rv.src;
}

/* ---- the options ------------------------------------------------------ */

/* A Java package name as Play takes it: com.acme.app. */
static int
gp_package_ok(const char *s)
{
	int parts = 0;

	if (strlen(s) > 255)
		return 0;
	for (const char *p = s;; p++) {
		size_t n =
		    strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

		if (n == 0 || (*p >= '0' && *p <= '9') || *p == '_')
			return 0;
		parts++;
		p += n;
		if (*p == '\0')
			return parts >= 2;
		if (*p != '.')
			return 0;
	}
}

/* A field of the key file that must be a string; an error at the key names the file. */
static const char *
gp_key_str(struct confp *L, yaml_node_t *n, json_t *sa, const char *path, const char *key)
{
	const char *v = source_json_str(sa, key);

	if (v == NULL || *v == '\0')
		yerror(L->d, L->yf, n,
		       "service_account_file %s has no %s; use the JSON key Google Cloud made for "
		       "the service account (IAM, Service accounts, Keys, Add key, JSON)",
		       path, key);
	return v;
}

/* service_account_file: client_email, private_key (checked now) and token_uri. */
static void
gp_parse_key(struct confp *L, const struct conf_source *cs, struct gplay_opts *go,
             yaml_node_t *item)
{
	yaml_node_t *n = ymap_get(L->yf, item, "service_account_file");
	const char *s, *email, *pem, *uri, *type;
	char *path, *text, err[256];
	json_error_t je;
	json_t *sa;
	struct jwt_key *k = NULL;

	if (n == NULL) {
		yerror(L->d, L->yf, item,
		       "source '%s' of type google-play needs service_account_file (the service "
		       "account's JSON key)",
		       cs->name);
		return;
	}
	if (yget_string(L->d, L->yf, n, "service_account_file", &s) < 0)
		return;
	path = confp_secret_path(L, s);
	if ((text = confp_read_file(L, n, path, "service_account_file")) == NULL) {
		free(path);
		return;
	}
	if ((sa = json_loads(text, 0, &je)) == NULL || !json_is_object(sa)) {
		diag_error(L->d, path, (unsigned)(sa ? 1 : je.line), (unsigned)(sa ? 1 : je.column),
		           "the service account key is not a JSON object%s%s; download the key "
		           "again (JSON)",
		           sa ? "" : ": ", sa ? "" : je.text);
		json_decref(sa);
		explicit_bzero(text, strlen(text));
		free(text);
		free(path);
		return;
	}
	explicit_bzero(text, strlen(text));
	free(text);
	type = source_json_str(sa, "type");
	if (type && strcmp(type, "service_account") != 0)
		yerror(L->d, L->yf, n,
		       "service_account_file %s is a key of type '%s'; the Play Developer API "
		       "needs a service account's key (type service_account)",
		       path, type);
	email = gp_key_str(L, n, sa, path, "client_email");
	pem = gp_key_str(L, n, sa, path, "private_key");
	uri = gp_key_str(L, n, sa, path, "token_uri");
	if (uri && strncmp(uri, "https://", 8) != 0 && strncmp(uri, "http://", 7) != 0)
		yerror(L->d, L->yf, n, "service_account_file %s: token_uri '%s' is no http(s) URL",
		       path, uri);
	else if (pem && (k = jwt_key_pem(pem, strlen(pem), JWT_RS256, err, sizeof(err))) == NULL)
		yerror(L->d, L->yf, n, "service_account_file %s: private_key: %s", path, err);
	else if (email && pem && uri) {
		go->client_email = xstrdup(email);
		go->private_key = xstrdup(pem);
		go->token_uri = xstrdup(uri);
	}
	jwt_key_free(k); /* checked; the running source loads its own */
	if (pem)
		explicit_bzero((char *)pem, strlen(pem));
	json_decref(sa);
	free(path);
}

/* package or packages: the apps, by their package names. */
static void
gp_parse_packages(struct confp *L, const struct conf_source *cs, struct gplay_opts *go,
                  yaml_node_t *item)
{
	yaml_node_t *one = ymap_get(L->yf, item, "package"),
	            *many = ymap_get(L->yf, item, "packages");
	yaml_node_t *v = one ? one : many;

	if (one && many) {
		yerror(L->d, L->yf, many, "give package or packages, not both");
		return;
	}
	if (v == NULL) {
		yerror(L->d, L->yf, item,
		       "source '%s' of type google-play needs package (the app's package name, "
		       "like com.acme.app) or packages",
		       cs->name);
		return;
	}
	if (confp_strings(L, v, one ? "package" : "packages", &go->packages, &go->npackages) < 0)
		return;
	if (go->npackages == 0)
		yerror(L->d, L->yf, v,
		       "packages is empty; name at least one app, like com.acme.app");
	for (size_t i = 0; i < go->npackages; i++)
		if (!gp_package_ok(go->packages[i]))
			yerror(
			    L->d, L->yf, yis_seq(v) ? yseq_item(L->yf, v, i) : v,
			    "'%s' is not an Android package name (letters, digits and _ in two or "
			    "more parts joined by dots, like com.acme.app)",
			    go->packages[i]);
}

static void
gp_parse_http(struct confp *L, struct gplay_opts *go, yaml_node_t *item)
{
	const char *s;

	if (confp_string(L, item, "api_url", &s) == 0 && s) {
		if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "api_url"),
			       "api_url: '%s' must start with https:// or http://", s);
		else {
			free(go->api_url);
			go->api_url = xstrdup(s);
		}
	}
	if (confp_duration(L, item, "every", &go->every_ms) == 0 && go->every_ms < 1000)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "every"), "every must be 1s or more");
	if (confp_duration(L, item, "timeout", &go->timeout_ms) == 0 && go->timeout_ms < 100)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "timeout"),
		       "timeout must be 100ms or more");
	if (confp_string(L, item, "translation_language", &s) == 0 && s) {
		size_t n =
		    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

		if (n != strlen(s) || n < 2 || n > 20)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "translation_language"),
			       "translation_language: '%s' is not a language code (like en, id or "
			       "en_GB)",
			       s);
		else
			go->lang = xstrdup(s);
	}
}

static void *
gp_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	struct gplay_opts *go = xcalloc(1, sizeof(*go));

	go->api_url = xstrdup("https://androidpublisher.googleapis.com");
	go->every_ms = 15 * 60000;
	go->timeout_ms = 30000;
	if (!(L->flags & CONF_NO_SECRETS))
		gp_parse_key(L, cs, go, item);
	else if (ymap_get(L->yf, item, "service_account_file") == NULL)
		yerror(L->d, L->yf, item,
		       "source '%s' of type google-play needs service_account_file", cs->name);
	gp_parse_packages(L, cs, go, item);
	gp_parse_http(L, go, item);
	source_health_parse(L, cs, item);
	return go;
}

static int
gp_same(const void *va, const void *vb)
{
	const struct gplay_opts *a = va, *b = vb;

	return source_same_str(a->client_email, b->client_email) &&
	       source_same_str(a->private_key, b->private_key) &&
	       source_same_str(a->token_uri, b->token_uri) &&
	       source_same_strs(a->packages, a->npackages, b->packages, b->npackages) &&
	       source_same_str(a->api_url, b->api_url) && source_same_str(a->lang, b->lang) &&
	       a->every_ms == b->every_ms && a->timeout_ms == b->timeout_ms;
}

static void
gp_free(void *opts)
{
	struct gplay_opts *go = opts;

	free(go->client_email);
	confp_free_secret(go->private_key);
	free(go->token_uri);
	confp_free_strings(go->packages, go->npackages);
	free(go->api_url);
	free(go->lang);
	free(go);
}

static const struct conf_key google_play_keys[] = {
    {"service_account_file", CONF_SECRET_FILE},
    {"package", CONF_STRING},
    {"packages", CONF_LIST},
    {"api_url", CONF_STRING},
    {"every", CONF_DURATION},
    {"timeout", CONF_DURATION},
    {"translation_language", CONF_STRING},
    {"alert_after", CONF_DURATION},
    {"alert_to", CONF_LIST},
    {NULL, 0},
};

const struct source_kind source_kind_google_play = {
    .conf =
        {
            .name = "google-play",
            .keys = google_play_keys,
            .parse = gp_parse,
            .same = gp_same,
            .free = gp_free,
        },
    .start = gp_start,
};
