/*
 * tiktok: TikTok's webhooks (comments on the brand's own videos), POSTed
 * to /v1/hooks/NAME.
 *
 * What TikTok documents, and where:
 *   - the signature (developers.tiktok.com/doc/webhooks-verification; the
 *     API for Business names the same TikTok-Signature header for its
 *     webhooks): a header "TikTok-Signature: t=<unix seconds>,s=<hex>";
 *     elements split on ',' then on '='; s is the HMAC-SHA256, keyed with
 *     the app's client_secret, of the timestamp, a '.', and the raw body;
 *     the receiver decides how old a timestamp may be (here 5 minutes,
 *     as for Standard Webhooks);
 *   - the body (developers.tiktok.com/doc/webhooks-events): an object
 *     with client_key, event (its name), create_time (Unix seconds),
 *     user_openid (the account it concerns) and content, "a serialized
 *     JSON string of event information": a string to parse again;
 *   - delivery (developers.tiktok.com/doc/webhooks-overview): at least
 *     once, retried with backoff for up to 72 hours until a 200, so the
 *     same event can come twice: the mention id is tiktok:<comment id>,
 *     and the daemon drops the second as a duplicate.
 * What is not in a public page we could find: the name of the comment
 * events and the members of their content. So the events taken
 * (events:) and the map of their content (fields:) are the operator's to
 * write from TikTok's portal; other events are answered 200 and counted
 * as skipped (kind event_type).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "lib/log.h"
#include "lib/sign.h"
#include "lib/util.h"
#include "sources/source.h"
#include "sources/source_webhook.h"

#define TIKTOK_SIGS 8 /* s= elements tried in one header */

struct tt_opts {
	char *secret;
	char **events;
	size_t nevents;
	char *fields[SF__N];
};

struct ttsrc {
	struct source src;
	unsigned char *secret;
	size_t secret_len;
	char **events;
	size_t nevents;
	char *fields[SF__N];
};

/* ------------------------------------------------------------------ */
/* the signature */

/* t and up to TIKTOK_SIGS s= values of the header (pointers into copy). */
static int
sig_split(char *copy, const char **t, const char **s, size_t *ns)
{
	char *save = NULL;

	*t = NULL;
	*ns = 0;
	for (char *el = strtok_r(copy, ",", &save); el; el = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(el, '=');

		while (*el == ' ')
			el++;
		if (eq == NULL)
			continue;
		*eq = '\0';
		if (strcmp(el, "t") == 0)
			*t = eq + 1;
		else if (strcmp(el, "s") == 0 && *ns < TIKTOK_SIGS)
			s[(*ns)++] = eq + 1;
	}
	return *t && *ns ? 0 : -1;
}

/* 0 when the header signs this body recently; else -1 with why. */
static int
tt_verify(const struct ttsrc *tt, const struct source_hook_req *r, const char **why)
{
	const char *hv = r->header(r, "TikTok-Signature"), *t, *s[TIKTOK_SIGS];
	unsigned char mac[crypto_auth_hmacsha256_BYTES], got[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	int64_t ts, now = (int64_t)time(NULL);
	size_t ns, n;
	char copy[512];
	int ok = 0;

	if (hv == NULL)
		return *why = "the TikTok-Signature header is missing", -1;
	if (strlen(hv) >= sizeof(copy))
		return *why = "the TikTok-Signature header is too long", -1;
	memcpy(copy, hv, strlen(hv) + 1);
	if (sig_split(copy, &t, s, &ns) < 0)
		return *why = "TikTok-Signature needs t=<timestamp>,s=<signature>", -1;
	if (sign_parse_ts(t, &ts) < 0)
		return *why = "the timestamp t= is not Unix seconds", -1;
	if (ts < now - SIGN_TOLERANCE_S || ts > now + SIGN_TOLERANCE_S)
		return *why = "the timestamp t= is more than 5 minutes from now", -1;
	crypto_auth_hmacsha256_init(&st, tt->secret, tt->secret_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)t, strlen(t));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)r->body, r->len);
	crypto_auth_hmacsha256_final(&st, mac);
	/* every s= is compared, so the time says nothing about which one was close */
	for (size_t i = 0; i < ns; i++)
		if (sodium_hex2bin(got, sizeof(got), s[i], strlen(s[i]), NULL, &n, NULL) == 0 &&
		    n == sizeof(mac))
			ok |= sodium_memcmp(mac, got, sizeof(mac)) == 0;
	sodium_memzero(mac, sizeof(mac));
	if (!ok)
		return *why = "the signature does not match the body", -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* the body */

static int
tt_wanted(const struct ttsrc *tt, const char *event)
{
	for (size_t i = 0; i < tt->nevents; i++)
		if (strcmp(tt->events[i], event) == 0)
			return 1;
	return 0;
}

/* The comment of the envelope env into b (the account from user_openid): 0, or -1 with b's error.
 */
static int
tt_content(const struct ttsrc *tt, json_t *env, struct source_webhook_body *b)
{
	json_t *content = json_object_get(env, "content"), *c;
	const char *openid = source_json_str(env, "user_openid");

	if (!json_is_string(content)) {
		b->status = 400;
		b->reason = "content";
		snprintf(b->msg, sizeof(b->msg), "content must be a string (serialized JSON)");
		return -1;
	}
	c = source_webhook_load(b, json_string_value(content), json_string_length(content),
	                        "content");
	if (c == NULL)
		return -1;
	source_webhook_map(b, c, tt->fields, "tiktok:");
	json_decref(c);
	if (b->n == 1 && b->ms[0].account == NULL && openid)
		b->ms[0].account = xasprintf("tiktok:%s", openid);
	return 0;
}

static void
tt_hook(struct source *s, const struct source_hook_req *r, struct source_hook *h)
{
	static const char skipped[] = "{\"taken\":0,\"skipped\":1}";
	struct ttsrc *tt = (struct ttsrc *)s;
	struct source_webhook_body b;
	const char *why, *event;
	char msg[300];
	json_t *env;

	if (strcmp(r->method, "POST") != 0) {
		source_hook_refuse(s, h, 405, "method", "use POST");
		return;
	}
	if (tt_verify(tt, r, &why) < 0) {
		snprintf(msg, sizeof(msg), "bad signature: %s", why);
		source_hook_refuse(s, h, 401, "signature", msg);
		return;
	}
	memset(&b, 0, sizeof(b));
	if ((env = source_webhook_load(&b, r->body, r->len, "the body")) == NULL) {
		source_hook_refuse(s, h, b.status, b.reason, b.msg);
		return;
	}
	if (!json_is_object(env) || (event = source_json_str(env, "event")) == NULL) {
		json_decref(env);
		source_hook_refuse(
		    s, h, 400, "envelope",
		    "the body must be TikTok's event object, with event and content");
		return;
	}
	if (!tt_wanted(tt, event)) {
		log_debug("source %s: event %.60s is not one of events; skipped", s->name, event);
		json_decref(env);
		source_skipped(s, "event_type");
		source_hook_reply(h, 200, "application/json", skipped, sizeof(skipped) - 1);
		return;
	}
	if (tt_content(tt, env, &b) < 0) {
		json_decref(env);
		source_webhook_body_free(&b);
		source_hook_refuse(s, h, b.status, b.reason, b.msg);
		return;
	}
	json_decref(env);
	source_webhook_take(s, &b, h);
	source_webhook_body_free(&b);
}

/* ------------------------------------------------------------------ */
/* start, stop, options */

static void
tt_stop(struct source *s)
{
	struct ttsrc *tt = (struct ttsrc *)s;

	if (tt->secret) {
		sodium_memzero(tt->secret, tt->secret_len);
		free(tt->secret);
	}
	confp_free_strings(tt->events, tt->nevents);
	source_fields_free(tt->fields);
}

static struct source *
tt_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn, void *arg,
         char *err, size_t errlen)
{
	const struct tt_opts *o = cs->opts;
	struct ttsrc *tt;

	if (o->secret == NULL) {
		snprintf(err, errlen,
		         "no client secret (client_secret_file) to check signatures with");
		return NULL;
	}
	tt = source_new(sizeof(*tt), env, cs, fn, arg, tt_stop);
	tt->secret_len = strlen(o->secret);
	tt->secret = xmalloc(tt->secret_len + 1);
	memcpy(tt->secret, o->secret, tt->secret_len + 1);
	tt->events = xcalloc(o->nevents + 1, sizeof(char *));
	for (size_t i = 0; i < o->nevents; i++)
		tt->events[i] = xstrdup(o->events[i]);
	tt->nevents = o->nevents;
	source_fields_copy(tt->fields, o->fields);
	log_info("source %s: TikTok webhooks at /v1/hooks/%s", cs->name, cs->name);
	return &tt->src;
}

static void *
tt_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	struct tt_opts *o = xcalloc(1, sizeof(*o));
	yaml_node_t *v;

	if (ymap_get(L->yf, item, "client_secret_file") == NULL)
		yerror(L->d, L->yf, item,
		       "source '%s' of type tiktok needs client_secret_file (a file holding the "
		       "app's client secret, from TikTok's developer portal)",
		       cs->name);
	else
		o->secret = confp_secret_line(L, item, "client_secret_file");
	if ((v = ymap_get(L->yf, item, "events")) != NULL)
		confp_strings(L, v, "events", &o->events, &o->nevents);
	if (o->nevents == 0)
		yerror(L->d, L->yf, v ? v : item,
		       "source '%s' of type tiktok needs events: the names of the comment events "
		       "its webhooks carry, as TikTok's portal lists them",
		       cs->name);
	if ((v = ymap_get(L->yf, item, "fields")) != NULL)
		source_fields_parse(L, o->fields, v);
	else
		yerror(L->d, L->yf, item,
		       "source '%s' of type tiktok needs fields: where the comment's id and text "
		       "are in the event's content, like {id: /comment_id, text: /text}",
		       cs->name);
	source_health_parse(L, cs, item);
	return o;
}

static int
tt_same(const void *va, const void *vb)
{
	const struct tt_opts *a = va, *b = vb;

	for (int f = 0; f < SF__N; f++)
		if (!source_same_str(a->fields[f], b->fields[f]))
			return 0;
	return source_same_str(a->secret, b->secret) &&
	       source_same_strs(a->events, a->nevents, b->events, b->nevents);
}

static void
tt_free(void *opts)
{
	struct tt_opts *o = opts;

	confp_free_secret(o->secret);
	confp_free_strings(o->events, o->nevents);
	for (int f = 0; f < SF__N; f++)
		free(o->fields[f]);
	free(o);
}

static const struct conf_key tt_keys[] = {
    {"fields", CONF_MAP},
    {"events", CONF_LIST},
    {"alert_after", CONF_DURATION},
    {"alert_to", CONF_LIST},
    {"client_secret_file", CONF_SECRET_FILE},
    {NULL, 0},
};

const struct source_kind source_kind_tiktok = {
    .conf =
        {
            .name = "tiktok",
            .keys = tt_keys,
            .parse = tt_parse,
            .same = tt_same,
            .free = tt_free,
        },
    .start = tt_start,
    .hook = tt_hook,
};
