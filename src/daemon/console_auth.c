/*
 * console_auth.c: logins, sessions and CSRF of the web console (see
 * console_auth.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "daemon/case_json.h"
#include "daemon/console_auth.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/tz.h"
#include "lib/util.h"
#include "lib/words.h"

#define AUTH_COOKIE   "keluh_session=" /* the cookie's name, and the = after it */
#define AUTH_ID_BYTES 32
/* base64url without padding of AUTH_ID_BYTES, plus the NUL */
#define AUTH_ID_LEN                                                                                \
	(sodium_base64_ENCODED_LEN(AUTH_ID_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING))
#define AUTH_NAME_MAX 64 /* characters of a user's name */
/* The failed-login limiter: per address, in windows of a minute. */
#define AUTH_FAIL_MAX       10
#define AUTH_FAIL_WINDOW_MS 60000
#define AUTH_LIMITER_MAX    4096 /* addresses remembered */

struct auth_session {
	unsigned char hash[crypto_generichash_BYTES]; /* of the id the cookie carries */
	char csrf[AUTH_ID_LEN];
	char name[128]; /* as struct console_user's */
	int64_t created_ms, expires_ms;
};

struct auth_fail {
	char addr[64];
	int n;
	int64_t since_ms;
};

struct console_auth {
	struct auth_session *sessions;
	size_t nsessions, cap;
	struct auth_fail *fails;
	size_t nfails;
	unsigned char proxy_key[crypto_generichash_KEYBYTES]; /* proxy users' CSRF tokens */
};

struct console_auth *
console_auth_new(void)
{
	struct console_auth *a = xcalloc(1, sizeof(*a));

	randombytes_buf(a->proxy_key, sizeof(a->proxy_key));
	return a;
}

void
console_auth_free(struct console_auth *a)
{
	if (a == NULL)
		return;
	sodium_memzero(a->sessions, a->cap * sizeof(*a->sessions));
	free(a->sessions);
	free(a->fails);
	sodium_memzero(a->proxy_key, sizeof(a->proxy_key));
	free(a);
}

static void
auth_gauge(const struct console_auth *a)
{
	metrics_set("keluh_ui_sessions", NULL, (double)a->nsessions);
}

static void
auth_hash(const char *s, size_t len, unsigned char out[crypto_generichash_BYTES])
{
	crypto_generichash(out, crypto_generichash_BYTES, (const unsigned char *)s, len, NULL, 0);
}

/* Constant time whatever the lengths: both sides are hashed first. */
static int
auth_token_ok(const struct conf *conf, const char *given, size_t len)
{
	unsigned char a[crypto_generichash_BYTES], b[crypto_generichash_BYTES];
	const char *want = conf->ui.token;

	if (want == NULL || given == NULL)
		return 0;
	auth_hash(given, len, a);
	auth_hash(want, strlen(want), b);
	return sodium_memcmp(a, b, sizeof(a)) == 0;
}

static void
auth_random_id(char out[AUTH_ID_LEN])
{
	unsigned char raw[AUTH_ID_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, AUTH_ID_LEN, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

static void
auth_session_drop(struct console_auth *a, size_t i)
{
	a->sessions[i] = a->sessions[--a->nsessions];
	sodium_memzero(&a->sessions[a->nsessions], sizeof(a->sessions[0]));
	auth_gauge(a);
}

/* The cookie's value in a Cookie header, or NULL; *len its length. */
static const char *
auth_cookie(struct httpd_req *req, size_t *len)
{
	const char *h = httpd_header(req, "Cookie"), *p;
	size_t n = strlen(AUTH_COOKIE);

	for (p = h; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, AUTH_COOKIE, n) == 0) {
			p += n;
			*len = strcspn(p, "; ");
			return p;
		}
		p = strchr(p, ';');
	}
	return NULL;
}

static struct auth_session *
auth_session_find(struct console_auth *a, struct httpd_req *req, int64_t now)
{
	unsigned char h[crypto_generichash_BYTES];
	const char *v;
	size_t len;

	if ((v = auth_cookie(req, &len)) == NULL || len != AUTH_ID_LEN - 1)
		return NULL;
	auth_hash(v, len, h);
	for (size_t i = 0; i < a->nsessions; i++)
		if (sodium_memcmp(a->sessions[i].hash, h, sizeof(h)) == 0) {
			if (a->sessions[i].expires_ms > now)
				return &a->sessions[i];
			auth_session_drop(a, i);
			return NULL;
		}
	return NULL;
}

/* 1..64 characters of UTF-8, no control characters. */
static int
auth_name_ok(const char *s)
{
	size_t chars = 0;

	if (utf8_valid_prefix(s, strlen(s)) != strlen(s))
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return 0;
		/* bidirectional overrides and isolates (U+202A..E, U+2066..9) would reorder a
		 * timeline */
		if (p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
		                     (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)))
			return 0;
		if ((*p & 0xc0) != 0x80)
			chars++;
	}
	return chars >= 1 && chars <= AUTH_NAME_MAX &&
	       strlen(s) < sizeof(((struct console_user *)0)->name);
}

static int
auth_proxy_user(const struct conf *conf, struct httpd_req *req, struct console_user *u)
{
	const char *v;

	if (conf->ui.user_header == NULL || (v = httpd_header(req, conf->ui.user_header)) == NULL ||
	    !auth_name_ok(v))
		return 0;
	snprintf(u->name, sizeof(u->name), "%s", v);
	u->via = CONSOLE_VIA_PROXY;
	return 1;
}

int
console_auth_user(struct console_auth *a, const struct conf *conf, struct httpd_req *req,
                  struct console_user *u)
{
	const char *h = httpd_header(req, "Authorization");
	struct auth_session *s;

	memset(u, 0, sizeof(*u));
	if (h && strncasecmp(h, "Bearer ", 7) == 0) {
		if (!auth_token_ok(conf, h + 7, strlen(h + 7)))
			return 0;
		snprintf(u->name, sizeof(u->name), "token");
		u->via = CONSOLE_VIA_BEARER;
		return 1;
	}
	if ((s = auth_session_find(a, req, util_now_ms())) != NULL) {
		snprintf(u->name, sizeof(u->name), "%s", s->name);
		u->via = CONSOLE_VIA_SESSION;
		return 1;
	}
	return auth_proxy_user(conf, req, u);
}

/* A proxy user has no session: the token is a keyed hash of the name. */
static void
auth_proxy_csrf(const struct console_auth *a, const char *name, char out[AUTH_ID_LEN])
{
	unsigned char h[AUTH_ID_BYTES];

	crypto_generichash(h, sizeof(h), (const unsigned char *)name, strlen(name), a->proxy_key,
	                   sizeof(a->proxy_key));
	sodium_bin2base64(out, AUTH_ID_LEN, h, sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The CSRF token of u, or "" (bearer). */
static void
auth_csrf_of(struct console_auth *a, struct httpd_req *req, const struct console_user *u,
             char out[AUTH_ID_LEN])
{
	struct auth_session *s;

	out[0] = '\0';
	if (u->via == CONSOLE_VIA_PROXY)
		auth_proxy_csrf(a, u->name, out);
	else if (u->via == CONSOLE_VIA_SESSION && (s = auth_session_find(a, req, util_now_ms())))
		memcpy(out, s->csrf, AUTH_ID_LEN);
}

int
console_auth_csrf_ok(struct console_auth *a, const struct conf *conf, struct httpd_req *req,
                     const struct console_user *u)
{
	const char *given = httpd_header(req, "X-CSRF-Token");
	char want[AUTH_ID_LEN];

	(void)conf;
	if (u->via == CONSOLE_VIA_BEARER)
		return 1;
	auth_csrf_of(a, req, u, want);
	if (given == NULL || want[0] == '\0' || strlen(given) != strlen(want))
		return 0;
	return sodium_memcmp(given, want, strlen(want)) == 0;
}

static const char *
auth_via_name(enum console_via v)
{
	return v == CONSOLE_VIA_BEARER ? "bearer" : v == CONSOLE_VIA_PROXY ? "proxy" : "session";
}

static void
auth_reply_json(struct httpd_req *req, int status, const char *headers, json_t *o)
{
	case_json_reply(req, status, headers, o);
}

static json_t *
auth_session_json(const struct conf *conf, const struct console_user *u, const char *csrf)
{
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:b, s:s}", "user", u->name, "via",
	                 auth_via_name(u->via), "csrf", *csrf ? json_string(csrf) : json_null(),
	                 "language", words_lang_name(conf->display.lang), "timezone",
	                 tz_name(conf->display.tz), "rules_writable", conf->ui.rules_writable,
	                 "version", PACKAGE_VERSION);
}

void
console_auth_get(struct console_auth *a, const struct conf *conf, struct httpd_req *req,
                 const struct console_user *u)
{
	char csrf[AUTH_ID_LEN];

	auth_csrf_of(a, req, u, csrf);
	auth_reply_json(req, 200, NULL, auth_session_json(conf, u, csrf));
}

/* The address part of httpd_peer ("127.0.0.1:5321" -> "127.0.0.1"). */
static void
auth_addr(struct httpd_req *req, char *out, size_t len)
{
	const char *p = httpd_peer(req), *colon = strrchr(p, ':');
	size_t n = colon && colon != p ? (size_t)(colon - p) : strlen(p);

	snprintf(out, len, "%.*s", (int)n, p);
}

static struct auth_fail *
auth_fail_find(struct console_auth *a, const char *addr, int64_t now)
{
	for (size_t i = 0; i < a->nfails; i++) {
		struct auth_fail *f = &a->fails[i];

		if (strcmp(f->addr, addr) != 0)
			continue;
		if (now - f->since_ms >= AUTH_FAIL_WINDOW_MS) {
			f->n = 0;
			f->since_ms = now;
		}
		return f;
	}
	return NULL;
}

/* A slot for addr: a free one, an expired one, else the oldest (a bound hit). */
static struct auth_fail *
auth_fail_add(struct console_auth *a, const char *addr, int64_t now)
{
	struct auth_fail *f = NULL;

	if (a->fails == NULL)
		a->fails = xcalloc(AUTH_LIMITER_MAX, sizeof(*a->fails));
	if (a->nfails < AUTH_LIMITER_MAX)
		f = &a->fails[a->nfails++];
	else {
		f = &a->fails[0];
		for (size_t i = 1; i < a->nfails; i++)
			if (a->fails[i].since_ms < f->since_ms)
				f = &a->fails[i];
		if (now - f->since_ms < AUTH_FAIL_WINDOW_MS)
			metrics_bound_hit("ui_login_limiter",
			                  "addresses with failed console logins");
	}
	snprintf(f->addr, sizeof(f->addr), "%s", addr);
	f->n = 0;
	f->since_ms = now;
	return f;
}

/* 0 when addr may try to log in, else the seconds it must wait. */
static int64_t
auth_fail_wait(struct console_auth *a, const char *addr, int64_t now)
{
	struct auth_fail *f = auth_fail_find(a, addr, now);

	if (f == NULL || f->n < AUTH_FAIL_MAX)
		return 0;
	return (f->since_ms + AUTH_FAIL_WINDOW_MS - now + 999) / 1000;
}

static void
auth_fail_count(struct console_auth *a, const char *addr, int64_t now)
{
	struct auth_fail *f = auth_fail_find(a, addr, now);

	if (f == NULL)
		f = auth_fail_add(a, addr, now);
	f->n++;
	metrics_add("keluh_ui_logins_failed_total", NULL, 1);
	if (f->n == AUTH_FAIL_MAX)
		log_warnx("ui: %d failed logins from %s within a minute; it must wait", f->n, addr);
}

/* A new session for name; its id in id. The oldest goes when the table is full. */
static struct auth_session *
auth_session_new(struct console_auth *a, const struct conf *conf, const char *name,
                 char id[AUTH_ID_LEN], int64_t now)
{
	struct auth_session *s;

	while (a->nsessions >= conf->ui.max_sessions && a->nsessions > 0) {
		size_t old = 0;

		for (size_t i = 1; i < a->nsessions; i++)
			if (a->sessions[i].created_ms < a->sessions[old].created_ms)
				old = i;
		metrics_bound_hit("ui_sessions", "console sessions (ui.max_sessions)");
		auth_session_drop(a, old);
	}
	if (a->nsessions == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->sessions = xreallocarray(a->sessions, a->cap, sizeof(*a->sessions));
	}
	s = &a->sessions[a->nsessions++];
	memset(s, 0, sizeof(*s));
	auth_random_id(id);
	auth_hash(id, strlen(id), s->hash);
	auth_random_id(s->csrf);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->created_ms = now;
	s->expires_ms = now + conf->ui.session_ttl_ms;
	auth_gauge(a);
	return s;
}

/* The token and name of a login body: 0, or -1 with the 400's message. */
static int
auth_login_body(struct httpd_req *req, json_t **root, const char **token, const char **name,
                const char **msg)
{
	json_t *o = json_loadb(httpd_body(req), httpd_body_len(req), 0, NULL);

	*root = o;
	*msg = NULL;
	if (!json_is_object(o))
		*msg = "the body must be a JSON object {\"token\": \"...\", \"name\": \"...\"}";
	else if (!json_is_string(json_object_get(o, "token")))
		*msg = "token: give the console's token (from ui.token_file) as a string";
	else if (!json_is_string(json_object_get(o, "name")) ||
	         !auth_name_ok(json_string_value(json_object_get(o, "name"))))
		*msg = "name: give your name, 1 to 64 characters without control or bidirectional "
		       "override characters";
	if (*msg)
		return -1;
	*token = json_string_value(json_object_get(o, "token"));
	*name = json_string_value(json_object_get(o, "name"));
	return 0;
}

static void
auth_login_ok(struct console_auth *a, const struct conf *conf, struct httpd_req *req,
              const char *name, int64_t now)
{
	struct console_user u = {.via = CONSOLE_VIA_SESSION};
	char id[AUTH_ID_LEN], hdr[256];
	struct auth_session *s = auth_session_new(a, conf, name, id, now);

	snprintf(u.name, sizeof(u.name), "%s", name);
	snprintf(hdr, sizeof(hdr),
	         "Set-Cookie: " AUTH_COOKIE
	         "%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s\r\n",
	         id, (long long)(conf->ui.session_ttl_ms / 1000),
	         conf->ui.cookie_secure ? "; Secure" : "");
	sodium_memzero(id, sizeof(id));
	log_info("ui: %s logged in from %s", name, httpd_peer(req));
	auth_reply_json(req, 200, hdr, auth_session_json(conf, &u, s->csrf));
	sodium_memzero(hdr, sizeof(hdr));
}

static const char auth_busy[] =
    "{\"error\":\"too many failed logins from this address; wait a minute\"}\n";

void
console_auth_login(struct console_auth *a, const struct conf *conf, struct httpd_req *req)
{
	int64_t now = util_now_ms(), wait;
	const char *token, *name, *msg;
	char addr[64], retry[64];
	json_t *body;

	auth_addr(req, addr, sizeof(addr));
	if ((wait = auth_fail_wait(a, addr, now)) > 0) {
		snprintf(retry, sizeof(retry), "Retry-After: %lld\r\n", (long long)wait);
		metrics_bound_hit("ui_login_failures", "failed console logins from one address");
		httpd_reply(req, 429, "application/json", retry, auth_busy, sizeof(auth_busy) - 1);
		return;
	}
	if (auth_login_body(req, &body, &token, &name, &msg) < 0) {
		httpd_reply_error(req, 400, msg, NULL);
	} else if (!auth_token_ok(conf, token, strlen(token))) {
		auth_fail_count(a, addr, now);
		log_info("ui: failed login from %s", addr);
		httpd_reply_error(req, 401, "wrong token", NULL);
	} else
		auth_login_ok(a, conf, req, name, now);
	json_decref(body);
}

void
console_auth_logout(struct console_auth *a, const struct conf *conf, struct httpd_req *req,
                    const struct console_user *u)
{
	struct auth_session *s;

	if (u->via == CONSOLE_VIA_SESSION && (s = auth_session_find(a, req, util_now_ms())) != NULL)
		auth_session_drop(a, (size_t)(s - a->sessions));
	httpd_reply(req, 200, "application/json",
	            conf->ui.cookie_secure ? "Set-Cookie: " AUTH_COOKIE "; Path=/; HttpOnly; "
	                                     "SameSite=Strict; Max-Age=0; Secure\r\n"
	                                   : "Set-Cookie: " AUTH_COOKIE "; Path=/; HttpOnly; "
	                                     "SameSite=Strict; Max-Age=0\r\n",
	            "{\"ok\":true}\n", 12);
}

void
console_auth_sweep(struct console_auth *a, const struct conf *conf, int64_t now)
{
	(void)conf;
	for (size_t i = a->nsessions; i-- > 0;)
		if (a->sessions[i].expires_ms <= now)
			auth_session_drop(a, i);
	for (size_t i = a->nfails; i-- > 0;)
		if (now - a->fails[i].since_ms >= AUTH_FAIL_WINDOW_MS)
			a->fails[i] = a->fails[--a->nfails];
}
