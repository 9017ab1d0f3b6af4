/*
 * labels.c: people's corrections as labels (labels.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/case_json.h"
#include "daemon/console.h"
#include "daemon/labels.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "net/httpd.h"
#include "store/spool.h"

struct found {
	char *text, *team;
	int n;
};

static char *
json_text(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? xstrndup(json_string_value(v), json_string_length(v)) : NULL;
}

/* A complaint row: {"team", "entry": {"text", ...}, ...}. */
static void
found_complaint(void *arg, const struct spool_mention *m)
{
	struct found *f = arg;
	json_t *o = json_loads(m->json, 0, NULL);

	if ((f->text = json_text(json_object_get(o, "entry"), "text")) != NULL) {
		f->team = json_text(o, "team");
		f->n = 1;
	}
	json_decref(o);
}

/* A recent row: {"id", "text", ...}. */
static void
found_recent(void *arg, int64_t at_ms, int complaint, const char *json)
{
	struct found *f = arg;
	json_t *o = json_loads(json, 0, NULL);

	(void)at_ms;
	(void)complaint;
	if ((f->text = json_text(o, "text")) != NULL)
		f->n = 1;
	json_decref(o);
}

int
labels_find(struct spool *sp, const char *mention_id, char **text, char **team)
{
	struct found f = {0};

	if (spool_mention_by_id(sp, mention_id, found_complaint, &f) < 0)
		return -1;
	if (f.n == 0 && spool_recent_by_id(sp, mention_id, found_recent, &f) < 0)
		return -1;
	*text = f.text;
	*team = f.team;
	return f.n;
}

int
labels_record(struct spool *sp, const char *mention_id, int complaint, const char *team,
              const char *platform, const char *by, int64_t at_ms, char *err, size_t errlen)
{
	char *text = NULL, *own = NULL;
	int r = labels_find(sp, mention_id, &text, &own);

	if (r == 0)
		snprintf(err, errlen,
		         "no mention '%.100s' in the spool (neither a complaint nor a recent "
		         "mention); give its id as keluhd received it, or label it with its text "
		         "through keluhctl label --import",
		         mention_id);
	else if (r > 0 && spool_label_add(sp, mention_id, text, complaint, team ? team : own,
	                                  platform, by, at_ms) < 0)
		r = -1;
	if (r < 0) {
		snprintf(err, errlen, "the spool failed: %s", spool_error(sp));
		metrics_add("keluh_spool_errors_total", NULL, 1);
	}
	if (r > 0)
		metrics_add("keluh_labels_total",
		            complaint ? "label=\"complaint\"" : "label=\"not\"", 1);
	free(text);
	free(own);
	return r;
}

/* --- a case marked not a complaint -------------------------------------------------- */

struct case_walk {
	struct spool *sp;
	const char *platform, *by;
	int64_t at_ms, n;
	int64_t *alerts;
	size_t nalerts, cap;
	int failed, full;
};

static void
walk_alert(void *arg, const struct spool_alert *a)
{
	struct case_walk *w = arg;

	if (w->nalerts == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 8;
		w->alerts = xreallocarray(w->alerts, w->cap, sizeof(*w->alerts));
	}
	w->alerts[w->nalerts++] = a->rowid;
}

static void
walk_mention(void *arg, const struct spool_mention *m)
{
	struct case_walk *w = arg;
	struct found f = {0};

	if (w->failed || w->full)
		return;
	if (w->n >= LABELS_CASE_MAX) {
		w->full = 1;
		return;
	}
	found_complaint(&f, m);
	if (f.n && spool_label_add(w->sp, m->mention_id, f.text, 0, f.team, w->platform, w->by,
	                           w->at_ms) < 0)
		w->failed = 1;
	else if (f.n)
		w->n++;
	free(f.text);
	free(f.team);
}

int64_t
labels_case_not(struct spool *sp, int64_t case_id, const char *platform, const char *by,
                int64_t at_ms)
{
	struct case_walk w = {.sp = sp, .platform = platform, .by = by, .at_ms = at_ms};

	if (spool_case_alerts(sp, case_id, walk_alert, &w) < 0)
		w.failed = 1;
	for (size_t i = 0; i < w.nalerts && !w.failed && !w.full; i++)
		if (spool_alert_mentions(sp, w.alerts[i], walk_mention, &w) < 0)
			w.failed = 1;
	free(w.alerts);
	if (w.failed) {
		log_warnx("case #%" PRId64 ": cannot label its mentions: %s", case_id,
		          spool_error(sp));
		metrics_add("keluh_spool_errors_total", NULL, 1);
		return -1;
	}
	if (w.full) {
		char what[96];

		snprintf(what, sizeof(what),
		         "case #%" PRId64 ": only its first %d mentions labelled", case_id,
		         LABELS_CASE_MAX);
		metrics_bound_hit("case_labels", what);
	}
	if (w.n)
		metrics_add("keluh_labels_total", "label=\"not\"", (double)w.n);
	return w.n;
}

/* --- POST ----------------------------------------------------------------------------- */

static const char *
body_str(const json_t *o, const char *key, size_t max, const char **bad)
{
	const json_t *v = json_object_get(o, key);
	const char *s;

	if (v == NULL || json_is_null(v))
		return NULL;
	s = json_string_value(v);
	if (s == NULL || *s == '\0' || json_string_length(v) > max ||
	    memchr(s, '\0', json_string_length(v)) || utf8_valid_prefix(s, strlen(s)) != strlen(s))
		*bad = key;
	return s;
}

/* The body's fields, or NULL with err saying what is wrong and how to fix it. */
static json_t *
labels_body(struct httpd_req *req, const char **mention, int *complaint, const char **team,
            const char **by, char *err, size_t errlen)
{
	static const char *const keys[] = {"mention", "complaint", "team", "by"};
	json_error_t je;
	json_t *o = json_loadb(httpd_body(req), httpd_body_len(req), JSON_REJECT_DUPLICATES, &je),
	       *v;
	const char *k, *bad = NULL;

	if (!json_is_object(o)) {
		snprintf(
		    err, errlen,
		    o ? "the body must be a JSON object: {\"mention\": ID, \"complaint\": true}"
		      : "malformed JSON at line %d, column %d: %s",
		    je.line, je.column, je.text);
		json_decref(o);
		return NULL;
	}
	json_object_foreach(o, k, v)
	{
		size_t i;

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]) && strcmp(k, keys[i]) != 0; i++)
			;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			snprintf(err, errlen,
			         "unknown key '%.40s' (use mention, complaint, team, by)", k);
			goto bad;
		}
	}
	*mention = body_str(o, "mention", LABELS_MAX_ID, &bad);
	*team = body_str(o, "team", LABELS_MAX_TEAM, &bad);
	*by = body_str(o, "by", LABELS_MAX_BY, &bad);
	v = json_object_get(o, "complaint");
	if (bad) {
		snprintf(err, errlen, "%s must be a non-empty UTF-8 string of at most %d bytes",
		         bad,
		         strcmp(bad, "mention") == 0 ? LABELS_MAX_ID
		         : strcmp(bad, "team") == 0  ? LABELS_MAX_TEAM
		                                     : LABELS_MAX_BY);
		goto bad;
	}
	if (*mention == NULL) {
		snprintf(err, errlen, "mention is missing: give the mention's id");
		goto bad;
	}
	if (!json_is_boolean(v)) {
		snprintf(err, errlen,
		         "complaint must be true (a missed complaint) or false (not a "
		         "complaint)");
		goto bad;
	}
	*complaint = json_is_true(v);
	return o;
bad:
	json_decref(o);
	return NULL;
}

void
labels_post(struct httpd_req *req, struct spool *sp, const char *platform, const char *by_default,
            int (*commit)(void *), void *arg)
{
	const char *mention, *team, *by;
	int complaint, r;
	int64_t now = util_now_ms();
	char err[400];
	json_t *o;

	if ((o = labels_body(req, &mention, &complaint, &team, &by, err, sizeof(err))) == NULL) {
		httpd_reply_error(req, strncmp(err, "malformed", 9) == 0 ? 400 : 422, err, NULL);
		return;
	}
	if (by_default)
		by = by_default;
	r = labels_record(sp, mention, complaint, team, platform, by, now, err, sizeof(err));
	if (r > 0 && commit && commit(arg) < 0) {
		r = -1;
		snprintf(err, sizeof(err), "the spool commit failed; see the log");
	}
	if (r <= 0)
		httpd_reply_error(req, r == 0 ? 404 : 503, err, NULL);
	else {
		log_info("label: %s is %s, by %s (%s)", mention,
		         complaint ? "a complaint" : "not a complaint", by ? by : "someone",
		         platform);
		case_json_reply(req, 201, NULL,
		                json_pack("{s:b,s:{s:s,s:b,s:s?,s:s,s:s?,s:o}}", "ok", 1, "label",
		                          "mention", mention, "complaint", complaint, "team", team,
		                          "platform", platform, "by", by, "at",
		                          case_json_time(now)));
	}
	json_decref(o);
}

int
console_labels_handle(struct console *c, struct httpd_req *req, const struct console_user *u)
{
	const struct console_env *env = console_env(c);

	if (strcmp(httpd_path(req), "/v1/labels") != 0)
		return 0;
	if (strcmp(httpd_method(req), "POST") != 0)
		httpd_reply_error(req, 405,
		                  "/v1/labels takes a POST of {\"mention\", \"complaint\"}", NULL);
	else
		labels_post(req, env->spool, "console", u->name, env->commit, env->arg);
	return 1;
}
