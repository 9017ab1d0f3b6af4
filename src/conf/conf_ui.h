/*
 * conf_ui.h: the web console (ui: in keluhd.yaml, keluhd.yaml(5)).
 *
 * Off unless enabled. By default it has a listener of its own on
 * 127.0.0.1 (UI_LISTEN_DEFAULT); listen: http serves it on http.listen
 * instead. People log in with the token of token_file (or are named by a
 * reverse proxy's user_header); tools send it as a bearer token.
 * Strings are owned by the conf.
 */
#ifndef KELUH_CONF_UI_H
#define KELUH_CONF_UI_H

#include <stddef.h>
#include <stdint.h>

#include "lib/yamlx.h"

#define UI_LISTEN_DEFAULT "127.0.0.1:8017"
#define UI_ROOT_DEFAULT KELUH_DATADIR "/ui"
#define UI_CHART_JS_DEFAULT "/usr/share/javascript/chart.js/chart.min.js"

struct conf_ui {
	int enabled;
	char *listen;		/* host:port; NULL: on http.listen (listen: http) */
	char *token_file;	/* where the token came from (for messages) */
	char *token;		/* the login and bearer token, read from token_file */
	char *user_header;	/* trusted reverse proxy header naming the user; NULL: off */
	char *root;		/* the console's files; default UI_ROOT_DEFAULT */
	char *chart_js;		/* Chart.js, served as /ui/vendor/chart.js */
	int rules_writable;	/* the playground may save rule files into rules_dir */
	int cookie_secure;	/* Secure on the session cookie (public_url is https) */
	int64_t session_ttl_ms;	/* default 12 h */
	size_t max_sessions;	/* default 256 */
	size_t max_streams;	/* live (server-sent events) clients; default 64 */
	size_t backtest_keep;	/* recent mentions kept for backtests; default 200000, 0: none */
	int64_t backtest_budget_ms; /* one backtest's time; default 5 s */
};

struct confp;

void conf_ui_defaults(struct conf_ui *);
/* Reads ui: of root (after http: and public_url:, whose values it uses). */
void conf_ui_load(struct confp *, yaml_node_t *root, struct conf_ui *);
void conf_ui_free(struct conf_ui *);
/* 1 when a listen address (host:port) is a loopback one. */
int conf_ui_loopback(const char *listen);

#endif
