#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_parse.h"
#include "lib/jwt.h"
#include "lib/log.h"
#include "lib/util.h"
#include "net/stream.h"
#include "sources/source.h"
#include "sources/source_review.h"

/*
 * app-store: the customer reviews of one or more iOS apps, from the App
 * Store Connect API (GET /v1/apps/ID/customerReviews?sort=-createdDate,
 * pages linked by links.next). The API keeps every review, so there is no
 * gap to warn of; a first start reads the last week.
 *
 * The token: a JWT keluh signs itself (ES256, with the API key's .p8
 * private key), header kid the key's id, claims iss the issuer id, iat,
 * exp and aud appstoreconnect-v1. Apple refuses one that lives longer than
 * 20 minutes: keluh signs one for AS_JWT_LIFE_S and a new one when less
 * than AS_JWT_MARGIN_S is left.
 *
 * What a review lacks: the API gives no app version nor device for a
 * review (only per version, through another endpoint), and its territory
 * is a country (USA, IDN), not a language; so those fields stay empty.
 */

#define AS_JWT_LIFE_S   1140 /* 19 minutes: Apple takes up to 20 */
#define AS_JWT_MARGIN_S 300  /* a new one when less than this is left */
#define AS_AUD          "appstoreconnect-v1"

struct asrc {
	struct review_src rv; /* first */
	struct jwt_key *key;
	char *key_id, *issuer_id, *base;
	char *jwt;
	int64_t jwt_exp; /* Unix seconds */
};

struct appstore_opts {
	char *private_key; /* key_file's content */
	char *key_id, *issuer_id;
	char **apps;
	size_t napps;
	char *api_url;
	int64_t every_ms, timeout_ms;
};

static char *
as_first_url(struct review_src *rv, const char *app)
{
	struct asrc *a = (struct asrc *)rv;

	return xasprintf("%s/v1/apps/%s/customerReviews?sort=-createdDate&limit=200", a->base, app);
}

/* The mention of one customerReviews resource; NULL when it has no words. */
static json_t *
as_mention(const char *id, const char *app, json_t *at, int64_t created)
{
	const char *title = source_json_str(at, "title"), *body = source_json_str(at, "body");
	const char *nick = source_json_str(at, "reviewerNickname");
	json_t *m, *stars = json_object_get(at, "rating");
	struct buf b;
	char ts[32], *s;

	buf_init(&b);
	if (title && *title)
		buf_adds(&b, title);
	if (body && *body) {
		if (b.len)
			buf_adds(&b, "\n\n");
		buf_adds(&b, body);
	}
	if (b.len == 0)
		return NULL;
	m = json_object();
	json_object_set_new(m, "text",
	                    json_stringn(b.data, source_utf8_fit(b.data, b.len, MENTION_MAX_TEXT)));
	buf_free(&b);
	s = xasprintf("app-store:%s", id);
	json_object_set_new(m, "id", json_string(s));
	free(s);
	s = xasprintf("app-store:%s", app);
	json_object_set_new(m, "account", json_string(s));
	free(s);
	util_iso8601(created, ts, sizeof(ts));
	json_object_set_new(m, "created_at", json_string(ts));
	if (json_is_integer(stars) && json_integer_value(stars) >= 1 &&
	    json_integer_value(stars) <= 5)
		json_object_set(m, "rating", stars);
	if (nick && *nick)
		json_object_set_new(m, "author", json_pack("{s:s}", "name", nick));
	return m;
}

static void
as_review(struct asrc *a, const char *app, json_t *d, json_t *items)
{
	const char *id = source_json_str(d, "id"), *type = source_json_str(d, "type");
	json_t *at = json_object_get(d, "attributes");
	const char *cd = source_json_str(at, "createdDate");
	int64_t t = -1;
	char *mid;

	if (type && strcmp(type, "customerReviews") != 0)
		return; /* an included resource of another type */
	if (id == NULL || *id == '\0' || strlen(id) > 256 || cd == NULL ||
	    util_rfc3339_parse(cd, &t) < 0 || t <= 0) {
		a->rv.src.errors++;
		stream_count_error(a->rv.src.name, "mapping");
		log_warnx("source %s: %s: a review without %s; skipped", a->rv.src.name, app,
		          id == NULL || *id == '\0' || strlen(id) > 256
		              ? "an id"
		              : "an RFC 3339 createdDate");
		return;
	}
	mid = xasprintf("app-store:%s", id);
	review_add(items, mid, t * 1000, as_mention(id, app, at, t * 1000), 0);
	free(mid);
}

static int
as_page(struct review_src *rv, const char *app, json_t *root, json_t *items, char **next, char *why,
        size_t whylen)
{
	struct asrc *a = (struct asrc *)rv;
	json_t *data = json_object_get(root, "data"), *d;
	const char *nx = source_json_str(json_object_get(root, "links"), "next");
	size_t i, blen = strlen(a->base);

	*next = NULL;
	if (!json_is_array(data)) {
		snprintf(why, whylen, "the answer is not a customerReviews page (no data array)");
		return -1;
	}
	json_array_foreach(data, i, d) as_review(a, app, d, items);
	if (nx && *nx) {
		/* the token goes only where the API is: a next page elsewhere is not followed */
		if (strncmp(nx, a->base, blen) == 0 && nx[blen] == '/')
			*next = xstrdup(nx);
		else
			log_warnx("source %s: %s: links.next leads away from api_url; the older "
			          "pages are not read",
			          rv->src.name, app);
	}
	return 0;
}

static int
as_auth(struct review_src *rv, struct stream *st)
{
	struct asrc *a = (struct asrc *)rv;
	int64_t now = util_now_ms() / 1000;
	char err[256];

	if (a->jwt == NULL || now + AS_JWT_MARGIN_S >= a->jwt_exp) {
		json_t *c =
		    json_pack("{s:s, s:I, s:I, s:s}", "iss", a->issuer_id, "iat", (json_int_t)now,
		              "exp", (json_int_t)(now + AS_JWT_LIFE_S), "aud", AS_AUD);
		char *cs = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER);

		json_decref(c);
		free(a->jwt);
		a->jwt = cs ? jwt_sign(a->key, a->key_id, cs, err, sizeof(err)) : NULL;
		free(cs);
		if (a->jwt == NULL) {
			log_error("source %s: cannot sign a token: %s", rv->src.name, err);
			return -1;
		}
		a->jwt_exp = now + AS_JWT_LIFE_S;
		log_debug("source %s: signed a new token (valid for %ds)", rv->src.name,
		          AS_JWT_LIFE_S);
	}
	source_add_header(st, "Authorization: Bearer %s", a->jwt);
	return 0;
}

static void
as_forget(struct review_src *rv)
{
	struct asrc *a = (struct asrc *)rv;

	free(a->jwt);
	a->jwt = NULL;
}

static void
as_stop(struct review_src *rv)
{
	struct asrc *a = (struct asrc *)rv;

	as_forget(rv);
	jwt_key_free(a->key);
	free(a->key_id);
	free(a->issuer_id);
	free(a->base);
}

static const struct review_ops as_ops = {
    .first_url = as_first_url,
    .auth = as_auth,
    .forget = as_forget,
    .page = as_page,
    .stop = as_stop,
    .window_ms = 0,
    .platform = "app-store",
};

int
source_app_store_read(const char *data, size_t len, json_t *items, char **next)
{
	char name[] = "fuzz", base[] = "http://127.0.0.1";
	struct asrc a = {.rv = {.src = {.name = name}, .ops = &as_ops}, .base = base};
	const char *kind;
	char why[320];

	return review_read(&a.rv, "682658836", data, len, items, next, &kind, why, sizeof(why));
}

static struct source *
as_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn, void *arg,
         char *err, size_t errlen)
{
	const struct appstore_opts *ao = cs->opts;
	struct source_net net;
	struct stream_opts o;
	struct jwt_key *key;
	struct asrc *a;

	if (source_need_http(env, "poll", err, errlen) < 0)
		return NULL;
	if (ao->private_key == NULL) {
		snprintf(err, errlen, "no key_file");
		return NULL;
	}
	if ((key = jwt_key_pem(ao->private_key, strlen(ao->private_key), JWT_ES256, err, errlen)) ==
	    NULL)
		return NULL;
	source_net_init(&net, 1);
	net.interval_ms = ao->every_ms;
	net.timeout_ms = ao->timeout_ms;
	source_stream_opts(&o, cs->name, &net, ao->api_url, STREAM_POLL);
	a = (struct asrc *)review_start(sizeof(*a), env, cs, fn, arg, &as_ops, ao->apps, ao->napps,
	                                &o);
	a->key = key;
	a->key_id = xstrdup(ao->key_id);
	a->issuer_id = xstrdup(ao->issuer_id);
	a->base = source_url_base(ao->api_url);
	return &a->rv.src;
}

/* ---- the options ------------------------------------------------------ */

/* key_file (the .p8, checked now), key_id and issuer_id. */
static void
as_parse_key(struct confp *L, const struct conf_source *cs, struct appstore_opts *ao,
             yaml_node_t *item)
{
	yaml_node_t *n = ymap_get(L->yf, item, "key_file");
	const char *s;
	char *path, *pem, err[256];
	struct jwt_key *k;

	if (confp_string(L, item, "key_id", &s) == 0 && s) {
		if (strlen(s) != 10 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != 10)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "key_id"),
			       "key_id: '%s' is not an App Store Connect key id (10 capitals and "
			       "digits, like 2X9R4HXF34, from Users and Access, Integrations)",
			       s);
		else
			ao->key_id = xstrdup(s);
	} else if (ymap_get(L->yf, item, "key_id") == NULL)
		yerror(L->d, L->yf, item, "source '%s' of type app-store needs key_id", cs->name);
	if (confp_string(L, item, "issuer_id", &s) == 0 && s) {
		if (strlen(s) != 36 || strspn(s, "0123456789abcdefABCDEF-") != 36)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "issuer_id"),
			       "issuer_id: '%s' is not an issuer id (a UUID, like "
			       "57246542-96fe-1a63-e053-0824d011072a)",
			       s);
		else
			ao->issuer_id = xstrdup(s);
	} else if (ymap_get(L->yf, item, "issuer_id") == NULL)
		yerror(L->d, L->yf, item, "source '%s' of type app-store needs issuer_id",
		       cs->name);
	if (n == NULL) {
		yerror(L->d, L->yf, item,
		       "source '%s' of type app-store needs key_file (the API key's .p8 file)",
		       cs->name);
		return;
	}
	if (yget_string(L->d, L->yf, n, "key_file", &s) < 0)
		return;
	path = confp_secret_path(L, s);
	if ((pem = confp_read_file(L, n, path, "key_file")) != NULL) {
		if ((k = jwt_key_pem(pem, strlen(pem), JWT_ES256, err, sizeof(err))) == NULL)
			yerror(
			    L->d, L->yf, n,
			    "key_file %s: %s; use the .p8 file App Store Connect let you download "
			    "once",
			    path, err);
		else {
			jwt_key_free(k);
			ao->private_key = xstrdup(pem);
		}
		confp_free_secret(pem);
	}
	free(path);
}

/* app_id or app_ids: the apps, by their Apple ids (digits). */
static void
as_parse_apps(struct confp *L, const struct conf_source *cs, struct appstore_opts *ao,
              yaml_node_t *item)
{
	yaml_node_t *one = ymap_get(L->yf, item, "app_id"),
	            *many = ymap_get(L->yf, item, "app_ids");
	yaml_node_t *v = one ? one : many;

	if (one && many) {
		yerror(L->d, L->yf, many, "give app_id or app_ids, not both");
		return;
	}
	if (v == NULL) {
		yerror(L->d, L->yf, item,
		       "source '%s' of type app-store needs app_id (the app's Apple ID, digits, "
		       "from App Information in App Store Connect) or app_ids",
		       cs->name);
		return;
	}
	if (confp_strings(L, v, one ? "app_id" : "app_ids", &ao->apps, &ao->napps) < 0)
		return;
	if (ao->napps == 0)
		yerror(L->d, L->yf, v, "app_ids is empty; name at least one app, like 682658836");
	for (size_t i = 0; i < ao->napps; i++)
		if (*ao->apps[i] == '\0' || strlen(ao->apps[i]) > 20 ||
		    strspn(ao->apps[i], "0123456789") != strlen(ao->apps[i]))
			yerror(L->d, L->yf, yis_seq(v) ? yseq_item(L->yf, v, i) : v,
			       "'%s' is not an Apple ID of an app (digits, like 682658836)",
			       ao->apps[i]);
}

static void *
as_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	struct appstore_opts *ao = xcalloc(1, sizeof(*ao));
	const char *s;

	ao->api_url = xstrdup("https://api.appstoreconnect.apple.com");
	ao->every_ms = 15 * 60000;
	ao->timeout_ms = 30000;
	as_parse_key(L, cs, ao, item);
	as_parse_apps(L, cs, ao, item);
	if (confp_string(L, item, "api_url", &s) == 0 && s) {
		if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "api_url"),
			       "api_url: '%s' must start with https:// or http://", s);
		else {
			free(ao->api_url);
			ao->api_url = xstrdup(s);
		}
	}
	if (confp_duration(L, item, "every", &ao->every_ms) == 0 && ao->every_ms < 1000)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "every"), "every must be 1s or more");
	if (confp_duration(L, item, "timeout", &ao->timeout_ms) == 0 && ao->timeout_ms < 100)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "timeout"),
		       "timeout must be 100ms or more");
	source_health_parse(L, cs, item);
	return ao;
}

static int
as_same(const void *va, const void *vb)
{
	const struct appstore_opts *a = va, *b = vb;

	return source_same_str(a->private_key, b->private_key) &&
	       source_same_str(a->key_id, b->key_id) &&
	       source_same_str(a->issuer_id, b->issuer_id) &&
	       source_same_strs(a->apps, a->napps, b->apps, b->napps) &&
	       source_same_str(a->api_url, b->api_url) && a->every_ms == b->every_ms &&
	       a->timeout_ms == b->timeout_ms;
}

static void
as_free(void *opts)
{
	struct appstore_opts *ao = opts;

	confp_free_secret(ao->private_key);
	free(ao->key_id);
	free(ao->issuer_id);
	confp_free_strings(ao->apps, ao->napps);
	free(ao->api_url);
	free(ao);
}

static const struct conf_key app_store_keys[] = {
    {"key_file", CONF_SECRET_FILE},
    {"key_id", CONF_STRING},
    {"issuer_id", CONF_STRING},
    {"app_id", CONF_STRING},
    {"app_ids", CONF_LIST},
    {"api_url", CONF_STRING},
    {"every", CONF_DURATION},
    {"timeout", CONF_DURATION},
    {"alert_after", CONF_DURATION},
    {"alert_to", CONF_LIST},
    {NULL, 0},
};

const struct source_kind source_kind_app_store = {
    .conf =
        {
            .name = "app-store",
            .keys = app_store_keys,
            .parse = as_parse,
            .same = as_same,
            .free = as_free,
        },
    .start = as_start,
};
