/*
 * webhook: a generic signed webhook, for any platform that POSTs its
 * events as JSON to /v1/hooks/NAME. The signature is checked over the raw
 * body first (HMAC-SHA256 or HMAC-SHA1 of the body in a header, hex or
 * base64, after an optional prefix such as "sha256="; or Standard
 * Webhooks: webhook-id, webhook-timestamp, webhook-signature), then the
 * whole body is checked and mapped (source_webhook.h), then its mentions
 * are taken, answered 200 after the spool commit.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/sign.h"
#include "lib/util.h"
#include "net/stream.h"
#include "sources/source.h"
#include "sources/source_webhook.h"

/* ------------------------------------------------------------------ */
/* the body: depth, JSON, items, field map */

size_t
source_webhook_depth(const char *body, size_t len, size_t max)
{
	size_t depth = 0, deepest = 0;
	int in_str = 0;

	for (size_t i = 0; i < len; i++) {
		char ch = body[i];

		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = 0;
		} else if (ch == '"')
			in_str = 1;
		else if (ch == '[' || ch == '{') {
			if (++depth > deepest && (deepest = depth) > max)
				return max + 1;
		} else if ((ch == ']' || ch == '}') && depth)
			depth--;
	}
	return deepest;
}

static int body_error(struct source_webhook_body *b, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
body_error(struct source_webhook_body *b, const char *reason, const char *fmt, ...)
{
	va_list ap;

	source_webhook_body_free(b);
	b->status = 400;
	b->reason = reason;
	va_start(ap, fmt);
	vsnprintf(b->msg, sizeof(b->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void
source_webhook_body_free(struct source_webhook_body *b)
{
	for (size_t i = 0; i < b->n; i++)
		mention_free(&b->ms[i]);
	free(b->ms);
	b->ms = NULL;
	b->n = b->cap = 0;
}

void
source_webhook_map(struct source_webhook_body *b, json_t *item, char *const *fields,
                   const char *id_prefix)
{
	struct mention *m;
	char err[200];
	json_t *t;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		b->ms = xreallocarray(b->ms, b->cap, sizeof(*b->ms));
	}
	m = &b->ms[b->n];
	if (source_item_mention(fields, item, m, err, sizeof(err)) < 0) {
		t = fields[SF_TEXT] ? stream_jptr_get(item, fields[SF_TEXT])
		                    : json_object_get(item, "text");
		if (json_is_string(t))
			b->bad++;
		else
			b->no_text++;
		if (b->bad + b->no_text == 1)
			snprintf(b->first_bad, sizeof(b->first_bad), "%s", err);
		return;
	}
	if (id_prefix && m->id) {
		char *id = xasprintf("%s%s", id_prefix, m->id);

		free(m->id);
		m->id = id;
	}
	b->n++;
}

json_t *
source_webhook_load(struct source_webhook_body *b, const char *text, size_t len, const char *what)
{
	size_t good = utf8_valid_prefix(text, len);
	json_error_t je;
	json_t *root;

	if (good != len)
		return body_error(b, "utf8", "%s is not valid UTF-8 (at byte %zu)", what, good),
		       NULL;
	if (source_webhook_depth(text, len, SOURCE_WEBHOOK_MAX_DEPTH) > SOURCE_WEBHOOK_MAX_DEPTH)
		return body_error(b, "too_deep", "%s nests deeper than %d levels", what,
		                  SOURCE_WEBHOOK_MAX_DEPTH),
		       NULL;
	if ((root = mention_json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return body_error(b, "json", "%s is not JSON: line %d, column %d: %s", what,
		                  je.line, je.column, je.text),
		       NULL;
	return root;
}

int
source_webhook_parse(struct source_webhook_body *b, const char *body, size_t len, const char *items,
                     char *const *fields, const char *id_prefix)
{
	json_t *root, *arr;
	size_t count;

	memset(b, 0, sizeof(*b));
	if ((root = source_webhook_load(b, body, len, "the body")) == NULL)
		return -1;
	arr = items ? stream_jptr_get(root, items) : root;
	if (items && !json_is_array(arr)) {
		json_decref(root);
		return body_error(b, "items", "no array of events at %s in the body", items);
	}
	count = json_is_array(arr) ? json_array_size(arr) : 1;
	if (count > SOURCE_WEBHOOK_MAX_ITEMS) {
		json_decref(root);
		return body_error(b, "too_many", "%zu events in one request; at most %d", count,
		                  SOURCE_WEBHOOK_MAX_ITEMS);
	}
	for (size_t i = 0; i < count; i++)
		source_webhook_map(b, json_is_array(arr) ? json_array_get(arr, i) : arr, fields,
		                   id_prefix);
	json_decref(root);
	return 0;
}

void
source_webhook_take(struct source *src, const struct source_webhook_body *b, struct source_hook *h)
{
	char body[160];

	for (size_t i = 0; i < b->no_text; i++)
		source_skipped(src, "no_text");
	for (size_t i = 0; i < b->bad; i++)
		source_skipped(src, "bad_event");
	if (b->no_text + b->bad)
		log_info("source %s: %zu event(s) skipped: %s", src->name, b->no_text + b->bad,
		         b->first_bad);
	for (size_t i = 0; i < b->n; i++)
		if (source_emit_mention(src, &b->ms[i]) < 0) {
			source_hook_later(src, h, "busy",
			                  "keluhd cannot take events now; retry later", 5);
			return;
		}
	snprintf(body, sizeof(body), "{\"taken\":%zu,\"skipped\":%zu}", b->n, b->no_text + b->bad);
	source_hook_taken(h, body);
}

/* ------------------------------------------------------------------ */
/* the options */

enum wh_scheme { WH_HMAC_SHA256, WH_HMAC_SHA1, WH_STANDARD };
static const char *const scheme_names[] = {"hmac-sha256", "hmac-sha1", "standard-webhooks"};

struct wh_opts {
	char *secret;
	int scheme;
	char *header; /* the HMAC schemes' header */
	char *prefix; /* before the signature in it: "sha256=" */
	int base64;   /* signature_encoding: base64 (else hex) */
	char *items;
	char *fields[SF__N];
};

static int
pick(struct confp *L, yaml_node_t *item, const char *key, const char *const *names, size_t n,
     int *out)
{
	const char *s;

	if (confp_string(L, item, key, &s) < 0 || s == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	yerror(L->d, L->yf, ymap_get(L->yf, item, key), "%s: '%s' is not one of %s%s%s%s%s", key, s,
	       names[0], n > 1 ? ", " : "", n > 1 ? names[1] : "", n > 2 ? ", " : "",
	       n > 2 ? names[2] : "");
	return -1;
}

static void
secret_parse(struct confp *L, struct conf_source *cs, struct wh_opts *o, yaml_node_t *item)
{
	struct sign_key k;
	char err[200];

	if (ymap_get(L->yf, item, "secret_file") == NULL) {
		yerror(L->d, L->yf, item,
		       "source '%s' of type %s needs secret_file (a file holding the signing "
		       "secret the platform shares)",
		       cs->name, cs->kind->name);
		return;
	}
	o->secret = confp_secret_line(L, item, "secret_file");
	if (o->secret && o->scheme == WH_STANDARD) {
		if (sign_key_parse(o->secret, &k, err, sizeof(err)) < 0 || k.kind != 1)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "secret_file"),
			       "secret_file: standard-webhooks needs a whsec_ secret (%s)",
			       k.kind != 1 && !err[0] ? "not an HMAC secret" : err);
		sign_key_wipe(&k);
	}
}

static void *
wh_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	static const char *const enc_names[] = {"hex", "base64"};
	struct wh_opts *o = xcalloc(1, sizeof(*o));
	yaml_node_t *v;
	const char *s;

	pick(L, item, "signature", scheme_names, 3, &o->scheme);
	pick(L, item, "signature_encoding", enc_names, 2, &o->base64);
	secret_parse(L, cs, o, item);
	if (confp_string(L, item, "signature_header", &s) == 0 && s) {
		if (*s == '\0' || strpbrk(s, " :\r\n"))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "signature_header"),
			       "signature_header: '%s' is not an HTTP header name", s);
		else
			o->header = xstrdup(s);
	}
	if (confp_string(L, item, "signature_prefix", &s) == 0 && s)
		o->prefix = xstrdup(s);
	if (o->scheme == WH_STANDARD && (ymap_get(L->yf, item, "signature_header") ||
	                                 ymap_get(L->yf, item, "signature_prefix") ||
	                                 ymap_get(L->yf, item, "signature_encoding")))
		yerror(L->d, L->yf, item,
		       "standard-webhooks uses its webhook-id, webhook-timestamp and "
		       "webhook-signature headers; drop signature_header, signature_prefix and "
		       "signature_encoding");
	if ((v = ymap_get(L->yf, item, "items")) != NULL)
		o->items = confp_jptr(L, v, "items");
	if ((v = ymap_get(L->yf, item, "fields")) != NULL)
		source_fields_parse(L, o->fields, v);
	source_health_parse(L, cs, item);
	return o;
}

static int
wh_same(const void *va, const void *vb)
{
	const struct wh_opts *a = va, *b = vb;

	for (int f = 0; f < SF__N; f++)
		if (!source_same_str(a->fields[f], b->fields[f]))
			return 0;
	return source_same_str(a->secret, b->secret) && a->scheme == b->scheme &&
	       source_same_str(a->header, b->header) && source_same_str(a->prefix, b->prefix) &&
	       a->base64 == b->base64 && source_same_str(a->items, b->items);
}

static void
wh_free(void *opts)
{
	struct wh_opts *o = opts;

	confp_free_secret(o->secret);
	free(o->header);
	free(o->prefix);
	free(o->items);
	for (int f = 0; f < SF__N; f++)
		free(o->fields[f]);
	free(o);
}

/* ------------------------------------------------------------------ */
/* the running source */

struct whsrc {
	struct source src;
	int scheme;
	unsigned char *secret; /* HMAC key */
	size_t secret_len;
	struct sign_key key; /* standard-webhooks */
	struct sign_replay *replay;
	char *header, *prefix;
	int base64;
	char *items;
	char *fields[SF__N];
};

static void
whsrc_stop(struct source *s)
{
	struct whsrc *w = (struct whsrc *)s;

	if (w->secret) {
		sodium_memzero(w->secret, w->secret_len);
		free(w->secret);
	}
	sign_key_wipe(&w->key);
	sign_replay_free(w->replay);
	free(w->header);
	free(w->prefix);
	free(w->items);
	source_fields_free(w->fields);
}

/* The signature as sent: its bytes into out (at most outlen); -1 when not hex/base64. */
static int
sig_decode(const char *text, int base64, unsigned char *out, size_t outlen, size_t *n)
{
	if (base64)
		return sodium_base642bin(out, outlen, text, strlen(text), NULL, n, NULL,
		                         sodium_base64_VARIANT_ORIGINAL);
	return sodium_hex2bin(out, outlen, text, strlen(text), NULL, n, NULL);
}

/* HMAC of the raw body with the secret: 0 when it matches; else -1 with why. */
static int
verify_hmac(struct whsrc *w, const struct source_hook_req *r, const char **why)
{
	const char *hv = r->header(r, w->header);
	unsigned char mac[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
	size_t plen = w->prefix ? strlen(w->prefix) : 0, n = 0, maclen;
	unsigned int l1 = 0;

	if (hv == NULL)
		return *why = "the signature header is missing", -1;
	if (plen && strncmp(hv, w->prefix, plen) != 0)
		return *why = "the signature does not start with signature_prefix", -1;
	if (sig_decode(hv + plen, w->base64, got, sizeof(got), &n) < 0)
		return *why =
		           w->base64 ? "the signature is not base64" : "the signature is not hex",
		       -1;
	if (w->scheme == WH_HMAC_SHA256) {
		crypto_auth_hmacsha256_state st;

		crypto_auth_hmacsha256_init(&st, w->secret, w->secret_len);
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)r->body, r->len);
		crypto_auth_hmacsha256_final(&st, mac);
		maclen = crypto_auth_hmacsha256_BYTES;
	} else {
		if (HMAC(EVP_sha1(), w->secret, (int)w->secret_len, (const unsigned char *)r->body,
		         r->len, mac, &l1) == NULL)
			return *why = "HMAC-SHA1 failed", -1;
		maclen = l1;
	}
	if (n != maclen || sodium_memcmp(mac, got, maclen) != 0)
		return *why = "the signature does not match the body", -1;
	return 0;
}

static int
verify_standard(struct whsrc *w, const struct source_hook_req *r, char *why, size_t whylen)
{
	const char *id = r->header(r, "webhook-id"), *ts = r->header(r, "webhook-timestamp");
	const char *sig = r->header(r, "webhook-signature");
	int64_t now = (int64_t)time(NULL);

	if (id == NULL || ts == NULL || sig == NULL) {
		snprintf(why, whylen, "send webhook-id, webhook-timestamp and webhook-signature");
		return -1;
	}
	if (sign_verify(&w->key, 1, id, ts, sig, r->body, r->len, now, why, whylen) < 0)
		return -1;
	if (sign_replay_seen(w->replay, id, now)) {
		snprintf(why, whylen, "webhook-id %.60s was already received (a replay)", id);
		return -1;
	}
	return 0;
}

static void
whsrc_hook(struct source *s, const struct source_hook_req *r, struct source_hook *h)
{
	struct whsrc *w = (struct whsrc *)s;
	struct source_webhook_body b;
	const char *why = NULL;
	char msg[400], err[200];

	if (strcmp(r->method, "POST") != 0) {
		source_hook_refuse(s, h, 405, "method", "use POST");
		return;
	}
	if (w->scheme == WH_STANDARD ? verify_standard(w, r, err, sizeof(err)) < 0
	                             : verify_hmac(w, r, &why) < 0) {
		snprintf(msg, sizeof(msg), "bad signature: %s", why ? why : err);
		source_hook_refuse(s, h, 401, "signature", msg);
		return;
	}
	if (source_webhook_parse(&b, r->body, r->len, w->items, w->fields, NULL) < 0) {
		source_hook_refuse(s, h, b.status, b.reason, b.msg);
		return;
	}
	/* taken: the same signed message again is a replay */
	if (w->scheme == WH_STANDARD &&
	    sign_replay_add(w->replay, r->header(r, "webhook-id"), (int64_t)time(NULL)) == 1)
		metrics_bound_hit("webhook_ids", "webhook-ids remembered against replays: the "
		                                 "oldest is forgotten early");
	source_webhook_take(s, &b, h);
	source_webhook_body_free(&b);
}

static struct source *
whsrc_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn,
            void *arg, char *err, size_t errlen)
{
	const struct wh_opts *o = cs->opts;
	struct whsrc *w;

	if (o->secret == NULL) {
		snprintf(err, errlen, "no secret (secret_file) to check signatures with");
		return NULL;
	}
	w = source_new(sizeof(*w), env, cs, fn, arg, whsrc_stop);
	w->scheme = o->scheme;
	if (o->scheme == WH_STANDARD) {
		if (sign_key_parse(o->secret, &w->key, err, errlen) < 0) {
			source_stop(&w->src);
			return NULL;
		}
		w->replay = sign_replay_new(SIGN_REPLAY_MAX);
	} else {
		w->secret_len = strlen(o->secret);
		w->secret = xmalloc(w->secret_len + 1);
		memcpy(w->secret, o->secret, w->secret_len + 1);
	}
	w->header = xstrdup(o->header ? o->header : "X-Signature");
	w->prefix = o->prefix ? xstrdup(o->prefix) : NULL;
	w->base64 = o->base64;
	w->items = o->items ? xstrdup(o->items) : NULL;
	source_fields_copy(w->fields, o->fields);
	log_info("source %s: webhooks at /v1/hooks/%s (%s)", cs->name, cs->name,
	         scheme_names[o->scheme]);
	return &w->src;
}

/* New keys last, so the loader's "expected one of" list keeps its order. */
static const struct conf_key wh_keys[] = {
    {"items", CONF_JPTR},
    {"fields", CONF_MAP},
    {"alert_after", CONF_DURATION},
    {"alert_to", CONF_LIST},
    {"secret_file", CONF_SECRET_FILE},
    {"signature", CONF_STRING},
    {"signature_header", CONF_STRING},
    {"signature_prefix", CONF_STRING},
    {"signature_encoding", CONF_STRING},
    {NULL, 0},
};

const struct source_kind source_kind_webhook = {
    .conf =
        {
            .name = "webhook",
            .keys = wh_keys,
            .parse = wh_parse,
            .same = wh_same,
            .free = wh_free,
        },
    .start = whsrc_start,
    .hook = whsrc_hook,
};
