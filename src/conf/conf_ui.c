/*
 * conf_ui.c: ui: in keluhd.yaml, the web console (see conf_ui.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf/conf.h"
#include "conf/conf_parse.h"
#include "conf/conf_ui.h"
#include "lib/util.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))
/* A shorter token could be guessed by a patient client despite the login limiter. */
#define UI_TOKEN_MIN 16

static const char *const ui_keys[] = {
    "enabled",     "listen",         "token_file",     "user_header", "root",
    "chart_js",    "rules_writable", "cookie_secure",  "session_ttl", "max_sessions",
    "max_streams", "backtest_keep",  "backtest_budget"};

void
conf_ui_defaults(struct conf_ui *u)
{
	memset(u, 0, sizeof(*u));
	u->session_ttl_ms = 12 * 3600 * 1000LL;
	u->max_sessions = 256;
	u->max_streams = 64;
	u->backtest_keep = 200000;
	u->backtest_budget_ms = 5000;
}

void
conf_ui_free(struct conf_ui *u)
{
	free(u->listen);
	free(u->token_file);
	confp_free_secret(u->token);
	free(u->user_header);
	free(u->root);
	free(u->chart_js);
	memset(u, 0, sizeof(*u));
}

int
conf_ui_loopback(const char *listen)
{
	const char *colon = strrchr(listen, ':');
	size_t len = colon ? (size_t)(colon - listen) : strlen(listen);

	if (len >= 4 && strncmp(listen, "127.", 4) == 0)
		return 1;
	return (len == 9 && strncmp(listen, "localhost", 9) == 0) ||
	       (len == 5 && strncmp(listen, "[::1]", 5) == 0);
}

static void
cu_bool(struct confp *L, yaml_node_t *n, const char *key, int *out)
{
	yaml_node_t *v = ymap_get(L->yf, n, key);
	char what[64];

	snprintf(what, sizeof(what), "ui.%s", key);
	if (v)
		yget_bool(L->d, L->yf, v, what, out);
}

static void
cu_listen(struct confp *L, yaml_node_t *n, struct conf_ui *u)
{
	yaml_node_t *v = ymap_get(L->yf, n, "listen");
	const char *s = NULL, *colon;
	char *end;
	long port;

	if (confp_string(L, n, "listen", &s) < 0)
		return;
	if (s && strcmp(s, "http") == 0) {
		free(u->listen);
		u->listen = NULL;
		if (L->c->listen == NULL && u->enabled)
			yerror(
			    L->d, L->yf, v,
			    "ui.listen: http serves the console on http.listen, which is not set; "
			    "set http.listen or give the console an address such as %s",
			    UI_LISTEN_DEFAULT);
		return;
	}
	if (s == NULL)
		return;
	colon = strrchr(s, ':');
	port = colon ? strtol(colon + 1, &end, 10) : -1;
	if (colon == NULL || colon == s || colon[1] == '\0' || *end != '\0' || port < 0 ||
	    port > 65535) {
		yerror(L->d, L->yf, v,
		       "ui.listen: '%s' must be host:port (e.g. %s) or http (on http.listen)", s,
		       UI_LISTEN_DEFAULT);
		return;
	}
	if (L->c->listen && strcmp(L->c->listen, s) == 0 && port != 0) {
		yerror(L->d, L->yf, v,
		       "ui.listen: %s is http.listen already; write 'listen: http' to share it", s);
		return;
	}
	free(u->listen);
	u->listen = xstrdup(s);
}

static void
cu_token(struct confp *L, yaml_node_t *n, struct conf_ui *u)
{
	const char *s = NULL;

	if (confp_string(L, n, "token_file", &s) < 0)
		return;
	if (s == NULL) {
		if (u->enabled)
			yerror(L->d, L->yf, n,
			       "ui: token_file is required when the console is enabled: a file "
			       "holding one line, the login token (e.g. head -c 32 /dev/urandom | "
			       "base64 > ui.token; chmod 600 ui.token)");
		return;
	}
	u->token_file = confp_secret_path(L, s);
	u->token = confp_secret_line(L, n, "token_file");
	if (u->token && strlen(u->token) < UI_TOKEN_MIN) {
		yerror(L->d, L->yf, ymap_get(L->yf, n, "token_file"),
		       "ui.token_file: the token in %s is %zu characters; use at least %d (e.g. "
		       "head -c 32 /dev/urandom | base64)",
		       u->token_file, strlen(u->token), UI_TOKEN_MIN);
	}
}

/* root must hold index.html; a missing Chart.js only costs the charts. */
static void
cu_files(struct confp *L, yaml_node_t *n, struct conf_ui *u)
{
	const char *s = NULL;
	struct stat st;
	char *idx;

	if (confp_string(L, n, "root", &s) == 0 && s)
		u->root = conf_resolve(L->c, s);
	else
		u->root = xstrdup(UI_ROOT_DEFAULT);
	s = NULL;
	if (confp_string(L, n, "chart_js", &s) == 0 && s)
		u->chart_js = conf_resolve(L->c, s);
	else
		u->chart_js = xstrdup(UI_CHART_JS_DEFAULT);
	if (!u->enabled)
		return;
	idx = xasprintf("%s/index.html", u->root);
	if (stat(u->root, &st) < 0 || !S_ISDIR(st.st_mode))
		yerror(L->d, L->yf, ymap_get(L->yf, n, "root") ? ymap_get(L->yf, n, "root") : n,
		       "ui.root: %s is not a directory; point it at the console's files "
		       "(installed in %s)",
		       u->root, UI_ROOT_DEFAULT);
	else if (stat(idx, &st) < 0 || !S_ISREG(st.st_mode))
		yerror(L->d, L->yf, ymap_get(L->yf, n, "root") ? ymap_get(L->yf, n, "root") : n,
		       "ui.root: %s has no index.html; point it at the console's files "
		       "(installed in %s)",
		       u->root, UI_ROOT_DEFAULT);
	free(idx);
	if (stat(u->chart_js, &st) < 0 || !S_ISREG(st.st_mode)) {
		yaml_node_t *w =
		    ymap_get(L->yf, n, "chart_js") ? ymap_get(L->yf, n, "chart_js") : n;

		diag_warning(L->d, L->yf->path, ynode_line(w), ynode_col(w),
		             "ui.chart_js: %s is not a readable file: the console's pages will "
		             "show no charts; install libjs-chart.js or set chart_js",
		             u->chart_js);
	}
}

static void
cu_limits(struct confp *L, yaml_node_t *n, struct conf_ui *u)
{
	long x;

	confp_duration(L, n, "session_ttl", &u->session_ttl_ms);
	if (ymap_get(L->yf, n, "session_ttl") && u->session_ttl_ms < 60000)
		yerror(L->d, L->yf, ymap_get(L->yf, n, "session_ttl"),
		       "ui.session_ttl must be at least 1m (e.g. 12h)");
	if (confp_long(L, n, "max_sessions", 1, 1000000, &x) == 0 &&
	    ymap_get(L->yf, n, "max_sessions"))
		u->max_sessions = (size_t)x;
	if (confp_long(L, n, "max_streams", 1, 10000, &x) == 0 && ymap_get(L->yf, n, "max_streams"))
		u->max_streams = (size_t)x;
	if (confp_long(L, n, "backtest_keep", 0, 100000000, &x) == 0 &&
	    ymap_get(L->yf, n, "backtest_keep"))
		u->backtest_keep = (size_t)x;
	confp_duration(L, n, "backtest_budget", &u->backtest_budget_ms);
	if (ymap_get(L->yf, n, "backtest_budget") &&
	    (u->backtest_budget_ms < 100 || u->backtest_budget_ms > 600000))
		yerror(L->d, L->yf, ymap_get(L->yf, n, "backtest_budget"),
		       "ui.backtest_budget must be between 100ms and 10m (e.g. 5s)");
}

static void
cu_header(struct confp *L, yaml_node_t *n, struct conf_ui *u)
{
	const char *s = NULL;

	if (confp_string(L, n, "user_header", &s) < 0 || s == NULL || *s == '\0')
		return;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_')) {
			yerror(L->d, L->yf, ymap_get(L->yf, n, "user_header"),
			       "ui.user_header: '%s' is not a header name; use letters, digits and "
			       "'-', e.g. X-Forwarded-User",
			       s);
			return;
		}
	u->user_header = xstrdup(s);
}

/* Without TLS or a proxy in front, a token and cookie cross the network in clear. */
static void
cu_warn_exposed(struct confp *L, yaml_node_t *n, struct conf_ui *u)
{
	const char *listen = u->listen ? u->listen : L->c->listen;

	if (!u->enabled || listen == NULL || conf_ui_loopback(listen) || u->cookie_secure ||
	    u->user_header)
		return;
	diag_warning(L->d, L->yf->path, ynode_line(n), ynode_col(n),
	             "ui: the console listens on %s, which is not a loopback address, without "
	             "cookie_secure or user_header: put it behind an HTTPS reverse proxy and set "
	             "public_url: https://... (or cookie_secure: true)",
	             listen);
}

void
conf_ui_load(struct confp *L, yaml_node_t *root, struct conf_ui *u)
{
	yaml_node_t *n = ymap_get(L->yf, root, "ui");

	conf_ui_defaults(u);
	u->listen = xstrdup(UI_LISTEN_DEFAULT);
	u->cookie_secure = L->c->public_url && strncmp(L->c->public_url, "https://", 8) == 0;
	if (n == NULL || yis_null(n)) {
		u->root = xstrdup(UI_ROOT_DEFAULT);
		u->chart_js = xstrdup(UI_CHART_JS_DEFAULT);
		return;
	}
	if (!yis_map(n)) {
		yerror(
		    L->d, L->yf, n,
		    "'ui' must be a mapping such as {enabled: true, token_file: ui.token}, not %s",
		    ynode_kind(n));
		u->root = xstrdup(UI_ROOT_DEFAULT);
		u->chart_js = xstrdup(UI_CHART_JS_DEFAULT);
		return;
	}
	ycheck_keys(L->d, L->yf, n, "ui", ui_keys, NKEYS(ui_keys));
	cu_bool(L, n, "enabled", &u->enabled);
	cu_bool(L, n, "rules_writable", &u->rules_writable);
	cu_bool(L, n, "cookie_secure", &u->cookie_secure);
	cu_listen(L, n, u);
	cu_token(L, n, u);
	cu_header(L, n, u);
	cu_files(L, n, u);
	cu_limits(L, n, u);
	cu_warn_exposed(L, n, u);
}
