/*
 * healthz.c: /healthz and /metrics (see healthz.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "daemon/healthz.h"
#include "engine/model.h"
#include "lib/metrics.h"
#include "lib/util.h"

/* Receivers that fail, or hold dead letters (as the last stats pass counted them). */
static void
healthz_receivers(json_t *reasons, const struct conf *c, struct deliver *d)
{
	for (size_t i = 0; i < c->nreceivers; i++) {
		const char *name = c->receivers[i].name, *err;
		char labels[160], since[32], took[32];
		int64_t since_ms;
		double dead;

		if (deliver_failing(d, name, &err, &since_ms)) {
			util_iso8601(since_ms, since, sizeof(since));
			json_array_append_new(reasons,
			                      json_sprintf("receiver %s is failing since %s "
			                                   "(%s): %s",
			                                   name, since,
			                                   util_human_ms(util_now_ms() - since_ms,
			                                                 took, sizeof(took)),
			                                   err));
		}
		snprintf(labels, sizeof(labels), "receiver=\"%s\"", name);
		if ((dead = metrics_get("keluh_dead_letters", labels)) > 0)
			json_array_append_new(reasons,
			                      json_sprintf("receiver %s has %.0f dead "
			                                   "letter(s): see keluhctl queue --dead",
			                                   name, dead));
	}
}

static void
healthz_sources(json_t *reasons, const struct admin_status *st)
{
	for (size_t i = 0; i < st->conf->nsources; i++) {
		const char *name = st->conf->sources[i].name, *state;
		struct source *s = i < st->nsources ? st->sources[i] : NULL;

		if (s == NULL)
			json_array_append_new(reasons, json_sprintf("source %s is not running: it "
			                                            "could not start (see the log)",
			                                            name));
		else if ((state = source_health_state(s)) != NULL)
			json_array_append_new(
			    reasons, json_sprintf("source %s is %s (alert_after)", name, state));
	}
}

static void
healthz(struct httpd_req *req, const struct admin_status *st, struct deliver *d, int64_t queue)
{
	json_t *reasons = json_array(), *o;
	const char *status;
	char *body;
	int code = 503;

	healthz_receivers(reasons, st->conf, d);
	healthz_sources(reasons, st);
	if (st->draining)
		status = "stopping";
	else if (st->spool_broken)
		status = "spool failing";
	else {
		status = json_array_size(reasons) ? "degraded" : "ok";
		code = 200;
	}
	o = json_pack("{s:s,s:I,s:I,s:I,s:o}", "status", status, "rules", (json_int_t)st->rules,
	              "groups", (json_int_t)st->groups, "queue", (json_int_t)queue, "reasons",
	              reasons);
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

void
healthz_handle(struct httpd_req *req, const struct admin_status *st, struct deliver *d,
               int64_t queue)
{
	const char *path = httpd_path(req);

	if (strcmp(httpd_method(req), "GET") != 0 && strcmp(httpd_method(req), "HEAD") != 0) {
		httpd_reply(req, 405, "application/json", "Allow: GET, HEAD\r\n",
		            "{\"error\":\"use GET\"}\n", 19);
		return;
	}
	if (strcmp(path, "/healthz") == 0) {
		healthz(req, st, d, queue);
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		struct buf b;

		metrics_set("keluh_uptime_seconds", NULL,
		            (double)(time(NULL) - (time_t)(st->started_ms / 1000)));
		/* counted where files are read, on any thread; shown from here */
		metrics_set("keluh_model_files_read_total", NULL, (double)model_files_read());
		buf_init(&b);
		metrics_render(&b);
		httpd_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", NULL,
		            b.data ? b.data : "", b.len);
		buf_free(&b);
		return;
	}
	httpd_reply_error(req, 404,
	                  "no such endpoint; try POST /v1/mentions, GET /healthz or "
	                  "GET /metrics",
	                  NULL);
}
