/*
 * case_json.c: cases as the APIs show them (see case_json.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/case_json.h"
#include "engine/rules.h"
#include "lib/util.h"
#include "net/httpd.h"

void
case_json_reply(struct httpd_req *req, int status, const char *headers, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	struct buf b;

	json_decref(o);
	buf_init(&b);
	buf_adds(&b, s ? s : "{}");
	buf_addc(&b, '\n');
	free(s);
	httpd_reply(req, status, "application/json", headers, b.data, b.len);
	buf_free(&b);
}

json_t *
case_json_time(int64_t ms)
{
	char out[32];

	if (ms <= 0)
		return json_null();
	util_iso8601(ms, out, sizeof(out));
	return json_string(out);
}

static int
case_json_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * The value of key in the query q, percent-decoded into out: 1, 0 when
 * absent, -1 when it does not fit or a %XX is bad.
 */
int
case_json_query(const char *q, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key), n = 0;

	for (const char *p = q; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		if (strncmp(p, key, klen) != 0 || p[klen] != '=')
			continue;
		for (p += klen + 1; *p && *p != '&'; p++) {
			int c = *p == '+' ? ' ' : (unsigned char)*p;

			if (*p == '%') {
				int h = case_json_hex(p[1]), l = h < 0 ? -1 : case_json_hex(p[2]);

				if (l < 0)
					return -1;
				c = h * 16 + l;
				p += 2;
			}
			if (n + 1 >= outlen || c == 0)
				return -1;
			out[n++] = (char)c;
		}
		out[n] = '\0';
		return 1;
	}
	return 0;
}

json_t *
case_json_row(const struct spool_case *c)
{
	json_t *o = cases_case_json(c);

	json_object_set_new(o, "group", json_string(c->group_key));
	json_object_set_new(o, "priority", json_string(prio_name((enum prio)c->priority)));
	json_object_set_new(o, "team", c->team ? json_string(c->team) : json_null());
	json_object_set_new(o, "last_alert_at", case_json_time(c->last_alert_ms));
	return o;
}

static void
case_json_event_cb(void *arg, const struct spool_case_event *e)
{
	json_t *d = e->detail ? json_loads(e->detail, 0, NULL) : NULL;

	json_array_append_new(
	    arg, json_pack("{s:o,s:s,s:s,s:o,s:o,s:o}", "at", case_json_time(e->at_ms), "kind",
	                   e->kind, "platform", e->platform, "actor_id",
	                   e->actor_id ? json_string(e->actor_id) : json_null(), "actor",
	                   e->actor_name ? json_string(e->actor_name) : json_null(), "detail",
	                   d ? d : json_null()));
}

/* A mention tied to an alert of the case, with its verdict (the alert entry: score, matches). */
static void
case_json_mention_cb(void *arg, const struct spool_mention *m)
{
	json_t *row = json_loads(m->json, 0, NULL);

	json_array_append_new(
	    arg,
	    json_pack(
	        "{s:s,s:o,s:s,s:O,s:O,s:O,s:O}", "id", m->mention_id, "at",
	        case_json_time(m->at_ms), "priority", prio_name((enum prio)m->priority), "rule",
	        json_object_get(row, "rule") ? json_object_get(row, "rule") : json_null(), "team",
	        json_object_get(row, "team") ? json_object_get(row, "team") : json_null(), "tags",
	        json_object_get(row, "tags") ? json_object_get(row, "tags") : json_null(), "entry",
	        json_object_get(row, "entry") ? json_object_get(row, "entry") : json_null()));
	json_decref(row);
}

struct case_json_alerts {
	struct spool *spool;
	json_t *arr;
	int failed;
};

static void
case_json_alert_cb(void *arg, const struct spool_alert *al)
{
	struct case_json_alerts *x = arg;
	json_t *ms = json_array();

	if (spool_alert_mentions(x->spool, al->rowid, case_json_mention_cb, ms) < 0)
		x->failed = 1;
	json_array_append_new(x->arr,
	                      json_pack("{s:s,s:o,s:s,s:i,s:i,s:i,s:i,s:o}", "id", al->alert_id,
	                                "at", case_json_time(al->at_ms), "priority",
	                                prio_name((enum prio)al->priority), "mentions_tied",
	                                al->mentions, "delivered", al->delivered, "pending",
	                                al->pending, "dead", al->dead, "mentions", ms));
}

/*
 * Case id with its timeline (events) and its alerts with their mentions:
 * 1 and *out (a new reference), 0 when there is no such case, -1 when
 * the spool failed.
 */
int
case_json_detail(struct spool *sp, int64_t id, json_t **out)
{
	struct spool_case c;
	struct case_json_alerts al = {sp, json_array(), 0};
	json_t *events = json_array();
	int r = spool_case_get(sp, id, &c);

	*out = NULL;
	if (r > 0 && (spool_case_events(sp, id, case_json_event_cb, events) < 0 ||
	              spool_case_alerts(sp, id, case_json_alert_cb, &al) < 0 || al.failed))
		r = -1;
	if (r > 0) {
		*out = case_json_row(&c);
		json_object_set_new(*out, "events", events);
		json_object_set_new(*out, "alerts", al.arr);
	} else {
		json_decref(events);
		json_decref(al.arr);
	}
	if (r != 0)
		spool_case_free(&c);
	return r > 0 ? 1 : r;
}

int
case_json_status(enum cases_rc rc)
{
	switch (rc) {
	case CASES_CHANGED:
	case CASES_UNCHANGED: return 200;
	case CASES_ENOCASE: return 404;
	case CASES_EACTION: return 400;
	case CASES_ESTATE: return 409;
	case CASES_ENOTYET: return 501;
	case CASES_ESTORE: return 503;
	}
	return 500;
}

/* A body member that must be a string of at most max bytes when given: 0, or -1 with msg. */
int
case_json_field(const json_t *body, const char *key, size_t max, const char **out, char *msg,
                size_t msglen)
{
	const json_t *v = json_object_get(body, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(msg, msglen, "%s must be text of at most %zu bytes", key, max);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}
