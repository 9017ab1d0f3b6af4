/*
 * admin.c: the admin API of admin.h, on the HTTP server of httpd.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "daemon/admin.h"
#include "daemon/case_json.h"
#include "daemon/cases.h"
#include "daemon/cluster.h"
#include "daemon/labels.h"
#include "engine/rules.h"
#include "lib/log.h"
#include "lib/util.h"
#include "net/httpd.h"

#define ADMIN_MAX_BODY (64 * 1024)
#define ADMIN_MAX_CONNECTIONS 16

struct admin {
	struct httpd *httpd;
	struct spool *spool;
	struct silences *silences;
	struct cases *cases;
	struct cluster *cluster;
	struct admin_ops ops;
};

/* Takes o. */
static void
admin_reply(struct httpd_req *req, int status, json_t *o)
{
	case_json_reply(req, status, NULL, o);
}

static void
admin_fail(struct httpd_req *req, int status, const char *msg)
{
	admin_reply(req, status, json_pack("{s:b,s:s}", "ok", 0, "error", msg));
}

static void
admin_method(struct httpd_req *req, const char *allow)
{
	char hdr[64], msg[64];

	snprintf(hdr, sizeof(hdr), "Allow: %s\r\n", allow);
	snprintf(msg, sizeof(msg), "{\"ok\":false,\"error\":\"use %s\"}\n", allow);
	httpd_reply(req, 405, "application/json", hdr, msg, strlen(msg));
}

static int
admin_is(struct httpd_req *req, const char *method)
{
	return strcmp(httpd_method(req), method) == 0 ||
	    (strcmp(method, "GET") == 0 && strcmp(httpd_method(req), "HEAD") == 0);
}

/* A change is answered once it is committed: a 200 then survives a crash. */
static int
admin_commit(struct admin *a, struct httpd_req *req)
{
	if (a->ops.commit(a->ops.arg) < 0) {
		admin_fail(req, 503, "the spool commit failed; see the log");
		return -1;
	}
	return 0;
}

/* --- status ---------------------------------------------------------------- */

/* The status's "cluster": this daemon, how many are alive and dead, who leads. */
static void
admin_status_cluster(struct admin *a, json_t *o)
{
	char err[600];
	json_t *c = a->cluster ? cluster_json(a->cluster, err, sizeof(err)) : NULL;
	json_t *d, *leader = json_null();
	size_t i;

	if (c == NULL) {
		json_object_set_new(o, "cluster", json_null());
		return;
	}
	json_array_foreach(json_object_get(c, "daemons"), i, d)
		if (json_is_true(json_object_get(d, "leader")))
			leader = json_object_get(d, "instance");
	json_object_set_new(o, "cluster",
	    json_pack("{s:O,s:O,s:O,s:O,s:O}", "shared", json_object_get(c, "shared"), "instance",
	        json_object_get(c, "instance"), "alive", json_object_get(c, "alive"), "dead",
	        json_object_get(c, "dead"), "leader", leader));
	json_decref(c);
}

static void
admin_status(struct admin *a, struct httpd_req *req)
{
	struct admin_status st;
	struct spool_counts all;
	json_t *o, *sources = json_array(), *receivers = json_array();
	int64_t now = util_now_ms();
	char spool[512] = "";

	memset(&st, 0, sizeof(st));
	a->ops.status(a->ops.arg, &st);
	for (size_t i = 0; i < st.conf->nsources; i++) {
		const struct conf_source *cs = &st.conf->sources[i];
		struct source *s = i < st.nsources ? st.sources[i] : NULL;

		json_array_append_new(sources, json_pack("{s:s,s:s,s:b,s:I,s:I}", "name", cs->name,
		    "type", cs->kind->name, "running", s != NULL,
		    "mentions", (json_int_t)(s ? source_count(s) : 0),
		    "errors", (json_int_t)(s ? source_errors(s) : 0)));
	}
	for (size_t i = 0; i < st.conf->nreceivers; i++) {
		const struct receiver *r = &st.conf->receivers[i];
		struct spool_counts rc;

		if (spool_counts(a->spool, r->name, &rc) < 0)
			memset(&rc, 0, sizeof(rc));
		json_array_append_new(receivers, json_pack("{s:s,s:s,s:I,s:I,s:I}", "name",
		    r->name, "type", receiver_type_name(r->type), "pending", (json_int_t)rc.pending,
		    "dead", (json_int_t)rc.dead, "delivered", (json_int_t)rc.delivered));
	}
	if (spool_counts(a->spool, NULL, &all) < 0)
		memset(&all, 0, sizeof(all));
	o = json_pack("{s:b,s:s,s:s,s:s,s:o,s:I,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,"
	    "s:{s:o,s:o,s:o,s:I,s:I}}",
	    "ok", 1, "version", PACKAGE_VERSION,
	    "state", st.draining ? "stopping" : st.spool_broken ? "spool failing" : "running",
	    "config", st.conf->path ? st.conf->path : "",
	    "started_at", case_json_time(st.started_ms),
	    "uptime_s", (json_int_t)((now - st.started_ms) / 1000),
	    "spool", st.conf->spool_path ? spool_describe(st.conf->spool_path, spool, sizeof(spool))
	                                 : "",
	    "rules", (json_int_t)st.rules, "groups", (json_int_t)st.groups,
	    "silences", (json_int_t)silences_active(a->silences),
	    "pending", (json_int_t)all.pending, "dead_letters", (json_int_t)all.dead,
	    "pending_mentions", (json_int_t)all.pending_mentions, "routes",
	    (json_int_t)st.conf->nroutes,
	    "sources", sources, "receivers", receivers,
	    "reload", "last_at", case_json_time(st.last_reload_ms),
	    "ok", st.last_reload_ms ? json_boolean(st.last_reload_ok) : json_null(),
	    "error", st.last_reload_error && *st.last_reload_error ?
	    json_string(st.last_reload_error) : json_null(),
	    "reloads", (json_int_t)st.reloads, "failures", (json_int_t)st.reload_failures);
	if (o == NULL) {
		admin_fail(req, 500, "cannot build the status");
		return;
	}
	admin_status_cluster(a, o);
	json_object_set_new(o, "ui", st.ui_on ? json_pack("{s:s,s:i}", "listen",
	    st.conf->ui.listen ? st.conf->ui.listen : "http", "port", st.ui_port) : json_null());
	admin_reply(req, 200, o);
}

/* --- reload ---------------------------------------------------------------- */

static void
admin_reload(struct admin *a, struct httpd_req *req)
{
	struct admin_status st;
	char err[600];
	size_t nerrors = 0;

	memset(&st, 0, sizeof(st));
	a->ops.status(a->ops.arg, &st);
	if (st.draining) {
		admin_fail(req, 409, "keluhd is shutting down");
		return;
	}
	err[0] = '\0';
	if (a->ops.reload(a->ops.arg, err, sizeof(err), &nerrors) < 0) {
		admin_reply(req, 422, json_pack("{s:b,s:s,s:I}", "ok", 0, "error",
		    err[0] ? err : "the reload failed; see the log", "errors", (json_int_t)nerrors));
		return;
	}
	a->ops.status(a->ops.arg, &st);
	admin_reply(req, 200, json_pack("{s:b,s:I,s:I,s:I,s:I}", "ok", 1,
	    "rules", (json_int_t)st.rules, "sources", (json_int_t)st.conf->nsources,
	    "receivers", (json_int_t)st.conf->nreceivers, "routes", (json_int_t)st.conf->nroutes));
}

/* --- silences -------------------------------------------------------------- */

static const char *
admin_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : NULL;
}

/* An author or a reason: UTF-8 of at most SILENCE_MAX_VALUE bytes, so stored rows stay bounded. */
static int
admin_text_ok(const char *s)
{
	size_t n = strlen(s);

	return n <= SILENCE_MAX_VALUE && utf8_valid_prefix(s, n) == n;
}

static void
admin_silence_add(struct admin *a, struct httpd_req *req)
{
	static const char *const keys[] = { "matchers", "author", "reason", "for", "until" };
	json_error_t je;
	json_t *body = json_loadb(httpd_body(req), httpd_body_len(req), JSON_REJECT_DUPLICATES,
	    &je), *v;
	const char *author, *reason, *dur, *until, *k;
	struct silence_match m;
	const struct silence *s;
	int64_t now = util_now_ms(), expires;
	char err[300];

	if (!json_is_object(body)) {
		snprintf(err, sizeof(err), body ? "the body must be a JSON object" :
		    "malformed JSON at line %d, column %d: %s", je.line, je.column, je.text);
		json_decref(body);
		admin_fail(req, 400, err);
		return;
	}
	json_object_foreach(body, k, v) {
		size_t i;

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			snprintf(err, sizeof(err), "unknown key '%.40s' (use matchers, author, reason, "
			    "for, until)", k);
			goto invalid;
		}
	}
	author = admin_str(body, "author");
	reason = admin_str(body, "reason");
	dur = admin_str(body, "for");
	until = admin_str(body, "until");
	if (author == NULL || reason == NULL) {
		snprintf(err, sizeof(err), "a silence needs an author and a reason");
		goto invalid;
	}
	if (!admin_text_ok(author) || !admin_text_ok(reason)) {
		snprintf(err, sizeof(err), "author and reason are UTF-8 of at most %d bytes",
		    SILENCE_MAX_VALUE);
		goto invalid;
	}
	if ((dur == NULL) == (until == NULL)) {
		snprintf(err, sizeof(err), "give the expiry as either for (e.g. \"2h\") or until "
		    "(an RFC 3339 time)");
		goto invalid;
	}
	if (dur) {
		int64_t ms = conf_parse_duration(dur);

		if (ms <= 0) {
			snprintf(err, sizeof(err), "for: '%.40s' is not a duration such as 30m or 2h",
			    dur);
			goto invalid;
		}
		expires = now + ms;
	} else if ((expires = silence_parse_time(until)) < 0) {
		snprintf(err, sizeof(err), "until: '%.40s' is not an RFC 3339 time such as "
		    "2025-03-01T12:00:00Z", until);
		goto invalid;
	}
	if (expires <= now) {
		snprintf(err, sizeof(err), "the expiry is in the past");
		goto invalid;
	}
	if (expires - now > SILENCE_MAX_MS) {
		snprintf(err, sizeof(err), "a silence lasts at most 366 days");
		goto invalid;
	}
	if (silence_match_from_json(json_object_get(body, "matchers"), &m, err, sizeof(err)) < 0)
		goto invalid;
	if ((s = silences_add(a->silences, &m, author, reason, expires, err, sizeof(err))) ==
	    NULL) {
		json_decref(body);
		admin_fail(req, 503, err);
		return;
	}
	v = silence_json(a->silences, s);
	json_decref(body);
	if (admin_commit(a, req) < 0) {
		json_decref(v);
		return;
	}
	admin_reply(req, 201, json_pack("{s:b,s:o}", "ok", 1, "silence", v));
	return;
invalid:
	json_decref(body);
	admin_fail(req, 422, err);
}

static void
admin_silence_expire(struct admin *a, struct httpd_req *req, const char *idstr, size_t idlen)
{
	json_t *body = NULL, *v;
	const struct silence *s;
	const char *by = "admin API";
	char msg[120], *end;
	long long id;

	errno = 0;
	id = strtoll(idstr, &end, 10);
	if (errno || idlen == 0 || end != idstr + idlen || id <= 0) {
		admin_fail(req, 404, "no such silence: the id is a positive number");
		return;
	}
	if (httpd_body_len(req) > 0) {
		body = json_loadb(httpd_body(req), httpd_body_len(req), 0, NULL);
		if (!json_is_object(body)) {
			json_decref(body);
			admin_fail(req, 400, "the body, when given, must be a JSON object");
			return;
		}
		if (admin_str(body, "author"))
			by = admin_str(body, "author");
		if (!admin_text_ok(by)) {
			json_decref(body);
			snprintf(msg, sizeof(msg), "author is UTF-8 of at most %d bytes",
			    SILENCE_MAX_VALUE);
			admin_fail(req, 422, msg);
			return;
		}
	}
	if ((s = silences_get(a->silences, id)) == NULL) {
		json_decref(body);
		snprintf(msg, sizeof(msg), "no active silence %lld", id);
		admin_fail(req, 404, msg);
		return;
	}
	v = silence_json(a->silences, s);
	json_object_set_new(v, "active", json_false());
	json_object_set_new(v, "ended_at", case_json_time(util_now_ms()));
	json_object_set_new(v, "ended_by", json_string(by));
	silences_expire(a->silences, id, by);
	json_decref(body);
	if (admin_commit(a, req) < 0) {
		json_decref(v);
		return;
	}
	admin_reply(req, 200, json_pack("{s:b,s:o}", "ok", 1, "silence", v));
}

static void
admin_silences(struct admin *a, struct httpd_req *req, const char *rest)
{
	if (*rest == '\0') {
		if (admin_is(req, "GET")) {
			const char *q = httpd_query(req);
			int all = strstr(q, "all=1") != NULL || strstr(q, "all=true") != NULL;

			admin_reply(req, 200, json_pack("{s:b,s:o}", "ok", 1, "silences",
			    silences_json(a->silences, all)));
		} else if (admin_is(req, "POST"))
			admin_silence_add(a, req);
		else
			admin_method(req, "GET, POST");
		return;
	}
	if (*rest == '/') {
		const char *slash = strchr(rest + 1, '/');

		if (slash && strcmp(slash, "/expire") == 0) {
			if (!admin_is(req, "POST"))
				admin_method(req, "POST");
			else
				admin_silence_expire(a, req, rest + 1, (size_t)(slash - rest - 1));
			return;
		}
	}
	admin_fail(req, 404, "no such endpoint; see keluhd(8)");
}

/* --- cases ------------------------------------------------------------------- */

#define ADMIN_CASES_LIMIT 100
#define ADMIN_CASES_MAX 100000
#define ADMIN_CASES_HEAD "{\"ok\":true,\"cases\":["

/*
 * Each row goes to text as it comes: a tree of 100,000 cases would hold
 * ten times the bytes of its text, and the heap would keep them.
 */
static void
admin_case_list_cb(void *arg, const struct spool_case *c)
{
	struct buf *b = arg;
	json_t *o = case_json_row(c);
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (b->len > strlen(ADMIN_CASES_HEAD))
		buf_addc(b, ',');
	buf_adds(b, s ? s : "{}");
	free(s);
}

static void
admin_cases_list(struct admin *a, struct httpd_req *req)
{
	const char *q = httpd_query(req);
	char state[16] = "open", team[128], lim[24], *end;
	int hs = case_json_query(q, "state", state, sizeof(state));
	int ht = case_json_query(q, "team", team, sizeof(team));
	int hl = case_json_query(q, "limit", lim, sizeof(lim));
	long long limit = ADMIN_CASES_LIMIT;
	struct buf b;

	if (hs < 0 || (strcmp(state, "open") != 0 && strcmp(state, "all") != 0)) {
		admin_fail(req, 400, "state is open (open and acknowledged cases) or all");
		return;
	}
	if (ht < 0) {
		admin_fail(req, 400, "team is at most 127 bytes, percent-encoded");
		return;
	}
	if (hl != 0 && (hl < 0 || (errno = 0, limit = strtoll(lim, &end, 10), errno) ||
	                *end || limit < 1 || limit > ADMIN_CASES_MAX)) {
		admin_fail(req, 400, "limit is a number from 1 to 100000");
		return;
	}
	buf_init(&b);
	buf_adds(&b, ADMIN_CASES_HEAD);
	if (spool_case_list(a->spool, strcmp(state, "all") == 0, ht > 0 ? team : NULL,
	                    (size_t)limit, admin_case_list_cb, &b) < 0) {
		buf_free(&b);
		admin_fail(req, 503, "the spool could not be read; see the log");
		return;
	}
	buf_adds(&b, "]}\n");
	httpd_reply(req, 200, "application/json", NULL, b.data, b.len);
	buf_free(&b);
}

static void
admin_case_show(struct admin *a, struct httpd_req *req, int64_t id)
{
	char msg[64];
	json_t *o;
	int r = case_json_detail(a->spool, id, &o);

	if (r <= 0) {
		snprintf(msg, sizeof(msg), "no case #%lld", (long long)id);
		admin_fail(req, r == 0 ? 404 : 503,
		           r == 0 ? msg : "the spool could not be read; see the log");
		return;
	}
	admin_reply(req, 200, json_pack("{s:b,s:o}", "ok", 1, "case", o));
}

static void
admin_case_act(struct admin *a, struct httpd_req *req, int64_t id, const char *action)
{
	static const char *const keys[] = {"by", "to", "note", "via"};
	json_t *body = httpd_body_len(req) ? json_loadb(httpd_body(req), httpd_body_len(req),
	                                                JSON_REJECT_DUPLICATES, NULL)
	                                   : json_object();
	struct cases_actor actor = {"api", NULL, NULL};
	const char *to, *note, *via, *k;
	char err[300];
	enum cases_rc rc;
	json_t *v, *o;

	if (!json_is_object(body)) {
		json_decref(body);
		admin_fail(req, 400, "the body must be a JSON object: {\"by\", \"to\", \"note\"}");
		return;
	}
	json_object_foreach(body, k, v)
	{
		size_t i;

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]) && strcmp(keys[i], k) != 0; i++)
			;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			snprintf(err, sizeof(err), "unknown member '%.64s': the body takes by, to, "
			                           "note and via", k);
			json_decref(body);
			admin_fail(req, 400, err);
			return;
		}
	}
	if (case_json_field(body, "by", CASES_MAX_NAME, &actor.name, err, sizeof(err)) < 0 ||
	    case_json_field(body, "to", CASES_MAX_NAME, &to, err, sizeof(err)) < 0 ||
	    case_json_field(body, "note", CASES_MAX_NOTE, &note, err, sizeof(err)) < 0 ||
	    case_json_field(body, "via", 16, &via, err, sizeof(err)) < 0 ||
	    (via && strcmp(via, "keluhctl") != 0 && strcmp(via, "api") != 0 &&
	     snprintf(err, sizeof(err), "via is keluhctl or api") > 0)) {
		json_decref(body);
		admin_fail(req, 400, err);
		return;
	}
	if (actor.name == NULL || *actor.name == '\0') {
		json_decref(body);
		admin_fail(req, 400, "by is needed: the name of who acts");
		return;
	}
	if (via)
		actor.platform = via;
	rc = cases_act(a->cases, id, action, &actor, strcmp(action, "assign") == 0 ? to : note,
	               util_now_ms(), err, sizeof(err));
	json_decref(body);
	if (rc < 0) {
		admin_fail(req, case_json_status(rc), err);
		return;
	}
	/* the answer waits for the batch that holds the action to be durable */
	if (rc == CASES_CHANGED && admin_commit(a, req) < 0)
		return;
	o = cases_json(a->cases, id, NULL, util_now_ms());
	admin_reply(req, 200, json_pack("{s:b,s:b,s:o}", "ok", 1, "changed", rc == CASES_CHANGED,
	                                "case", o ? o : json_null()));
}

static void
admin_cases(struct admin *a, struct httpd_req *req, const char *rest)
{
	const char *slash;
	char idbuf[32], action[32];
	int64_t id;
	size_t n;

	if (a->cases == NULL) {
		admin_fail(req, 503, "cases are not running");
		return;
	}
	if (*rest == '\0') {
		if (admin_is(req, "GET"))
			admin_cases_list(a, req);
		else
			admin_method(req, "GET");
		return;
	}
	slash = *rest == '/' ? strchr(rest + 1, '/') : NULL;
	n = *rest == '/' ? (slash ? (size_t)(slash - rest - 1) : strlen(rest + 1)) : 0;
	if (n == 0 || n >= sizeof(idbuf) || (slash && strlen(slash + 1) >= sizeof(action)) ||
	    (slash && strchr(slash + 1, '/'))) {
		admin_fail(req, 404, "no such endpoint; see keluhd(8)");
		return;
	}
	memcpy(idbuf, rest + 1, n);
	idbuf[n] = '\0';
	if ((id = cases_parse_id(idbuf)) < 0) {
		admin_fail(req, 404, "no such case: a case id is a positive number, such as 42");
		return;
	}
	if (slash == NULL) {
		if (admin_is(req, "GET"))
			admin_case_show(a, req, id);
		else
			admin_method(req, "GET");
	} else if (!admin_is(req, "POST"))
		admin_method(req, "POST");
	else {
		snprintf(action, sizeof(action), "%s", slash + 1);
		admin_case_act(a, req, id, action);
	}
}

/* --- send-test --------------------------------------------------------------- */

static void
admin_send_test(struct admin *a, struct httpd_req *req)
{
	json_error_t je;
	json_t *body = json_loadb(httpd_body(req), httpd_body_len(req), JSON_REJECT_DUPLICATES,
	    &je);
	const char *name = admin_str(body, "receiver");
	char err[600], id[64];
	int rc;

	if (name == NULL || json_object_size(body) != 1) {
		json_decref(body);
		admin_fail(req, 400, "the body must be {\"receiver\": NAME}");
		return;
	}
	rc = a->ops.send_test(a->ops.arg, name, id, sizeof(id), err, sizeof(err));
	if (rc != 0) {
		json_decref(body);
		admin_fail(req, rc, err);
		return;
	}
	if (admin_commit(a, req) < 0) {
		json_decref(body);
		return;
	}
	admin_reply(req, 200, json_pack("{s:b,s:s,s:s}", "ok", 1, "alert", id, "receiver", name));
	json_decref(body);
}

/* --- reports ------------------------------------------------------------------ */

/* POST /v1/admin/reports/N/send: the digest is made between other events, then recorded. */
static void
admin_send_report(struct admin *a, struct httpd_req *req, const char *rest)
{
	char err[300], *end;
	unsigned long long n;
	int rc;

	errno = 0;
	n = strtoull(rest, &end, 10);
	if (errno || end == rest || rest[0] == '-' || strcmp(end, "/send") != 0) {
		admin_fail(req, 404, "no such endpoint; try POST /v1/admin/reports/N/send (N: 1 "
		                     "for the first of reports: in keluhd.yaml)");
		return;
	}
	if (!admin_is(req, "POST")) {
		admin_method(req, "POST");
		return;
	}
	rc = a->ops.send_report(a->ops.arg, (size_t)n, err, sizeof(err));
	if (rc != 0) {
		admin_fail(req, rc, err);
		return;
	}
	admin_reply(req, 202, json_pack("{s:b,s:I}", "ok", 1, "report", (json_int_t)n));
}

/* GET /v1/admin/cluster: the daemons on this spool (cluster_json). */
static void
admin_cluster(struct admin *a, struct httpd_req *req)
{
	char err[600];
	json_t *o;

	if (!admin_is(req, "GET")) {
		admin_method(req, "GET");
		return;
	}
	if (a->cluster == NULL) {
		admin_fail(req, 503, "the daemon is starting; try again");
		return;
	}
	if ((o = cluster_json(a->cluster, err, sizeof(err))) == NULL) {
		admin_fail(req, 503, err);
		return;
	}
	json_object_set_new(o, "ok", json_true());
	admin_reply(req, 200, o);
}

static void
admin_handler(void *arg, struct httpd_req *req)
{
	struct admin *a = arg;
	const char *path = httpd_path(req);

	if (strcmp(path, "/v1/admin/status") == 0) {
		if (admin_is(req, "GET"))
			admin_status(a, req);
		else
			admin_method(req, "GET");
	} else if (strcmp(path, "/v1/admin/reload") == 0) {
		if (admin_is(req, "POST"))
			admin_reload(a, req);
		else
			admin_method(req, "POST");
	} else if (strncmp(path, "/v1/admin/silences", 18) == 0)
		admin_silences(a, req, path + 18);
	else if (strncmp(path, "/v1/admin/cases", 15) == 0 &&
	         (path[15] == '\0' || path[15] == '/'))
		admin_cases(a, req, path + 15);
	else if (strcmp(path, "/v1/admin/labels") == 0) {
		if (admin_is(req, "POST"))
			labels_post(req, a->spool, "admin", NULL, a->ops.commit, a->ops.arg);
		else
			admin_method(req, "POST");
	} else if (strncmp(path, "/v1/admin/reports/", 18) == 0 && a->ops.send_report)
		admin_send_report(a, req, path + 18);
	else if (strcmp(path, "/v1/admin/cluster") == 0)
		admin_cluster(a, req);
	else if (strcmp(path, "/v1/admin/send-test") == 0 && a->ops.send_test) {
		if (admin_is(req, "POST"))
			admin_send_test(a, req);
		else
			admin_method(req, "POST");
	} else
		admin_fail(req, 404, "no such endpoint; try GET /v1/admin/status, POST "
		    "/v1/admin/reload, GET or POST /v1/admin/silences, GET /v1/admin/cases, POST "
		    "/v1/admin/labels, GET /v1/admin/cluster");
}

struct admin *
admin_new(struct event_base *base, const char *path, struct spool *spool,
    struct silences *silences, const struct admin_ops *ops, char *err, size_t errlen)
{
	struct httpd_limits lim = { .max_body = ADMIN_MAX_BODY,
		.max_connections = ADMIN_MAX_CONNECTIONS };
	struct admin *a = xcalloc(1, sizeof(*a));

	a->spool = spool;
	a->silences = silences;
	a->ops = *ops;
	a->httpd = httpd_new_unix(base, path, ADMIN_SOCKET_MODE, &lim, admin_handler, a, err,
	    errlen);
	if (a->httpd == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

void
admin_set_cases(struct admin *a, struct cases *cs)
{
	a->cases = cs;
}

void
admin_set_cluster(struct admin *a, struct cluster *cl)
{
	a->cluster = cl;
}

void
admin_stop(struct admin *a)
{
	if (a != NULL)
		httpd_stop_accepting(a->httpd);
}

void
admin_free(struct admin *a)
{
	if (a == NULL)
		return;
	httpd_free(a->httpd);
	free(a);
}
