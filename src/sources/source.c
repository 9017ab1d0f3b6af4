#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "net/stream.h"
#include "sources/source.h"
#include "store/spool.h"

/*
 * The health watch (alert_after): a timer reads the stream's state and
 * raises one note when the source has been silent (no event), failing (not
 * connected) or throttled (429) for alert_after, and one when events flow
 * again. A source that goes from failing to silent is still the same
 * trouble: no second note.
 */
struct source_watch {
	struct source *src;
	struct event *timer;
	source_health_fn fn;
	void *arg;
	char *type;
	char **to;
	size_t nto;
	int64_t after_ms;
	int raised;
	int64_t bad_since;	/* monotonic ms */
	char *bad_state;
	char *labels;		/* keluh_source_health_checks_total: a look is observable */
	struct metrics_ref checks;
};

static void
watch_note(struct source_watch *w, const char *state, const char *detail, int64_t since_mono)
{
	struct source_health_note n;

	n.source = w->src->name;
	n.type = w->type;
	n.state = state;
	n.detail = detail;
	n.to = w->to;
	n.nto = w->nto;
	n.since_ms = util_now_ms() - (util_mono_ms() - since_mono);
	w->fn(w->arg, &n);
}

static void
watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct source_watch *w = arg;
	struct stream_health h;
	const char *state = NULL;
	char detail[400], b1[32], b2[32];
	int64_t now = util_mono_ms(), since = 0;

	metrics_add_ref(&w->checks, "keluh_source_health_checks_total", w->labels, 1);
	if (w->src->stream)
		stream_health(w->src->stream, &h);
	else if (w->src->health_read)
		w->src->health_read(w->src, &h);
	else {
		/* a push source: always reachable; its events are the webhooks it took */
		memset(&h, 0, sizeof(h));
		h.connected = 1;
		h.last_event_ms = w->src->heard_ms;
	}
	if (!h.connected && now - h.since_ms >= w->after_ms) {
		state = h.throttled ? "throttled" : "failing";
		since = h.since_ms;
	} else if (now - h.last_event_ms >= w->after_ms) {
		state = "silent";
		since = h.last_event_ms;
	}
	if (state && !w->raised) {
		if (strcmp(state, "throttled") == 0)
			snprintf(detail, sizeof(detail), "Source %s (%s) has been rate limited (HTTP "
			    "429) for %s; no mention is read while it waits.", w->src->name, w->type,
			    util_human_ms(now - since, b1, sizeof(b1)));
		else if (strcmp(state, "failing") == 0 && h.redirect)
			snprintf(detail, sizeof(detail), "Source %s (%s) has not been connected for "
			    "%s; it was redirected to another host: %.150s; set url to the new "
			    "address.", w->src->name, w->type, util_human_ms(now - since, b1,
			    sizeof(b1)), h.redirect);
		else if (strcmp(state, "failing") == 0 && h.status)
			snprintf(detail, sizeof(detail), "Source %s (%s) has not been connected for "
			    "%s; the server answers HTTP %ld (see the keluhd log).", w->src->name,
			    w->type, util_human_ms(now - since, b1, sizeof(b1)), h.status);
		else if (strcmp(state, "failing") == 0)
			snprintf(detail, sizeof(detail), "Source %s (%s) has not been connected for "
			    "%s; it cannot reach the server (see the keluhd log).", w->src->name,
			    w->type, util_human_ms(now - since, b1, sizeof(b1)));
		else if (w->src->stream == NULL)
			snprintf(detail, sizeof(detail), "Source %s (%s) has received no webhook for "
			    "%s (alert_after %s): check the platform's subscription and keluhd's "
			    "address.", w->src->name, w->type, util_human_ms(now - since, b1,
			    sizeof(b1)), util_human_ms(w->after_ms, b2, sizeof(b2)));
		else
			snprintf(detail, sizeof(detail), "Source %s (%s) has had no event for %s "
			    "(alert_after %s): the feed may be broken or the filter too narrow.",
			    w->src->name, w->type, util_human_ms(now - since, b1, sizeof(b1)),
			    util_human_ms(w->after_ms, b2, sizeof(b2)));
		log_warnx("source %s: health: %s; raising an alert", w->src->name, state);
		w->raised = 1;
		w->bad_since = since;
		free(w->bad_state);
		w->bad_state = xstrdup(state);
		watch_note(w, state, detail, since);
	} else if (!state && w->raised && h.connected) {
		snprintf(detail, sizeof(detail), "Source %s (%s) is receiving events again after "
		    "%s %s.", w->src->name, w->type, util_human_ms(now - w->bad_since, b1, sizeof(b1)),
		    w->bad_state);
		log_info("source %s: health: recovered", w->src->name);
		w->raised = 0;
		watch_note(w, "recovered", detail, w->bad_since);
	}
}

static struct source_watch *
source_watch_new(const struct source_env *env, const struct conf_source *cs, struct source *s)
{
	struct source_watch *w = xcalloc(1, sizeof(*w));
	int64_t every = cs->alert_after_ms / 10;
	struct timeval tv;

	w->src = s;
	w->fn = env->health;
	w->arg = env->health_arg;
	w->type = xstrdup(cs->kind->name);
	w->labels = xasprintf("source=\"%s\"", s->name);
	w->after_ms = cs->alert_after_ms;
	w->to = xcalloc(cs->nalert_to + 1, sizeof(char *));
	for (size_t i = 0; i < cs->nalert_to; i++)
		w->to[i] = xstrdup(cs->alert_to[i]);
	w->nto = cs->nalert_to;
	/* often enough that the alert is late by a tenth of alert_after at most */
	every = every < 200 ? 200 : every > 10000 ? 10000 : every;
	util_ms_to_tv(every, &tv);
	w->timer = event_new(env->base, -1, EV_PERSIST, watch_cb, w);
	evtimer_add(w->timer, &tv);
	return w;
}

static void
source_watch_free(struct source_watch *w)
{
	if (w == NULL)
		return;
	event_free(w->timer);
	for (size_t i = 0; i < w->nto; i++)
		free(w->to[i]);
	free(w->to);
	free(w->type);
	free(w->bad_state);
	free(w->labels);
	free(w);
}

const struct source_kind *
source_kind_of(const struct conf_source *cs)
{
	_Static_assert(offsetof(struct source_kind, conf) == 0, "conf is a source_kind's first member");
	return (const struct source_kind *)cs->kind;
}

struct source *
source_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct source *s;

	if (cs->kind == NULL) {
		snprintf(err, errlen, "no type");
		return NULL;
	}
	s = source_kind_of(cs)->start(env, cs, fn, arg, err, errlen);
	if (s && (s->stream || s->health_read || source_kind_of(cs)->hook) && cs->alert_after_ms > 0 &&
	    env->health)
		s->watch = source_watch_new(env, cs, s);
	return s;
}

void *
source_new(size_t size, const struct source_env *env, const struct conf_source *cs,
    source_emit_fn fn, void *arg, void (*stop)(struct source *))
{
	struct source *s = xcalloc(1, size);

	s->name = xstrdup(cs->name);
	s->emit = fn;
	s->arg = arg;
	s->spool = env->spool;
	s->stop = stop;
	s->heard_ms = util_mono_ms();
	s->health = env->health;
	s->health_arg = env->health_arg;
	s->type = xstrdup(cs->kind ? cs->kind->name : "");
	s->alert_to = xcalloc(cs->nalert_to + 1, sizeof(char *));
	for (size_t i = 0; i < cs->nalert_to; i++)
		s->alert_to[i] = xstrdup(cs->alert_to[i]);
	s->nalert_to = cs->nalert_to;
	s->pushed = cs->kind && source_kind_of(cs)->hook != NULL;
	return s;
}

static void
source_note(struct source *s, const char *state, const char *detail)
{
	struct source_health_note n = {s->name, s->type, state, detail, s->alert_to, s->nalert_to,
	    util_now_ms()};

	if (s->health)
		s->health(s->health_arg, &n);
}

void
source_warn(struct source *s, const char *state, const char *detail)
{
	if (s->warned && strcmp(s->warned, state) == 0)
		return;
	log_warnx("source %s: %s: %s", s->name, state, detail);
	free(s->warned);
	s->warned = xstrdup(state);
	source_note(s, state, detail);
}

void
source_warn_clear(struct source *s, const char *detail)
{
	if (s->warned == NULL)
		return;
	log_info("source %s: %s is over: %s", s->name, s->warned, detail);
	free(s->warned);
	s->warned = NULL;
	source_note(s, "recovered", detail);
}

void
source_hook_taken(struct source_hook *h, const char *body)
{
	h->ops->taken(h, body);
}

void
source_hook_reply(struct source_hook *h, int status, const char *content_type, const char *body,
    size_t len)
{
	h->ops->reply(h, status, content_type, NULL, body, len);
}

static void
source_hook_error(struct source *s, struct source_hook *h, int status, const char *reason,
    const char *msg, const char *headers)
{
	char labels[300], *body;
	json_t *o = json_pack("{s:s}", "error", msg);

	snprintf(labels, sizeof(labels), "source=\"%s\",reason=\"%s\"", s->name, reason);
	metrics_add("keluh_hook_refused_total", labels, 1);
	/* counted by reason and said in the answer: a log line each would let anyone fill the log */
	log_debug("source %s: hook answered %d (%s): %s", s->name, status, reason, msg);
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	h->ops->reply(h, status, "application/json", headers, body, strlen(body));
	free(body);
}

void
source_hook_refuse(struct source *s, struct source_hook *h, int status, const char *reason,
    const char *msg)
{
	source_hook_error(s, h, status, reason, msg, NULL);
}

void
source_hook_later(struct source *s, struct source_hook *h, const char *reason, const char *msg,
    int64_t retry_s)
{
	char hdr[64];

	snprintf(hdr, sizeof(hdr), "Retry-After: %lld\r\n", (long long)(retry_s > 0 ? retry_s : 1));
	source_hook_error(s, h, 503, reason, msg, hdr);
}

void
source_stop(struct source *s)
{
	if (s == NULL)
		return;
	source_watch_free(s->watch);
	s->stop(s);
	free(s->name);
	free(s->type);
	for (size_t i = 0; i < s->nalert_to; i++)
		free(s->alert_to[i]);
	free(s->alert_to);
	free(s->warned);
	free(s);
}

char *
source_cursor_get(const struct source *s)
{
	return s->spool ? spool_cursor_get(s->spool, s->name) : NULL;
}

void
source_cursor_set(struct source *s, const char *value, const char *what)
{
	if (s->spool && spool_cursor_set(s->spool, s->name, value) < 0)
		log_warnx("source %s: cannot store %s: %s", s->name, what, spool_error(s->spool));
}

json_t *
source_cursor_get_json(const struct source *s)
{
	char *text = source_cursor_get(s);
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;

	if (text && !json_is_object(o)) {
		log_warnx("source %s: the stored cursor is not one of ours; starting afresh", s->name);
		json_decref(o);
		o = NULL;
	}
	free(text);
	return o;
}

void
source_cursor_set_json(struct source *s, json_t *o, const char *what)
{
	char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	source_cursor_set(s, text, what);
	free(text);
}

const char *
source_name(const struct source *s)
{
	return s->name;
}

void
source_heard(struct source *s)
{
	s->heard_ms = util_mono_ms();
}

const char *
source_health_state(const struct source *s)
{
	return s->watch && s->watch->raised ? s->watch->bad_state : NULL;
}

unsigned long
source_count(const struct source *s)
{
	return s->count;
}

unsigned long
source_errors(const struct source *s)
{
	return s->errors;
}

void
source_fields_copy(char **dst, char *const *fields)
{
	for (int f = 0; f < SF__N; f++)
		dst[f] = fields[f] ? xstrdup(fields[f]) : NULL;
}

void
source_fields_free(char **f)
{
	for (int i = 0; i < SF__N; i++) {
		free(f[i]);
		f[i] = NULL;
	}
}

static void
source_bad(struct source *s, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
source_bad(struct source *s, const char *kind, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->errors++;
	stream_count_error(s->name, kind);
	log_warnx("source %s: %s; skipped", s->name, msg);
}

/* The item as a mention object: each mapped field copied to where mention_from_json looks. */
static json_t *
source_map(char *const *fields, json_t *item)
{
	json_t *obj = json_object(), *author = json_object();

	for (int f = 0; f < SF__N; f++) {
		const char *key = source_field_names[f];
		json_t *v;

		if (fields[f] == NULL || (v = stream_jptr_get(item, fields[f])) == NULL ||
		    json_is_null(v))
			continue;
		if (strncmp(key, "author.", 7) == 0)
			json_object_set(author, key + 7, v);
		else
			json_object_set(obj, key, v);
	}
	if (json_object_size(author))
		json_object_set(obj, "author", author);
	json_decref(author);
	return obj;
}

static int
source_mapped(char *const *fields)
{
	for (int f = 0; f < SF__N; f++)
		if (fields[f])
			return 1;
	return 0;
}

int
source_emit_mention(struct source *s, const struct mention *m)
{
	struct source_record r = {SOURCE_RECORD_MENTION, s->name, m, NULL, s->pushed};

	if (s->emit(s->arg, &r) < 0)
		return -1;
	s->count++;
	return 0;
}

/* The item has been turned into m: emit it. */
static int
source_emit(struct source *s, struct mention *m)
{
	int rc = source_emit_mention(s, m);

	mention_free(m);
	return rc < 0 ? -1 : 1;
}

int
source_take_brand(struct source *s, const char *brand, const char *replied_to,
    const char *reply_id, int64_t at_ms)
{
	struct reply_record rr = {s->name, replied_to, reply_id, at_ms > 0 ? at_ms : util_now_ms(),
	    brand, NULL};
	struct source_record r = {SOURCE_RECORD_REPLY, s->name, NULL, &rr, s->pushed};

	if (replied_to == NULL) {
		/* the brand's own post: what it says is not a complaint, nor an answer */
		log_debug("source %s: %s is a post by %s, not a reply; skipped", s->name, reply_id,
		    brand);
		source_skipped(s, "brand_post");
		return 0;
	}
	if (s->emit(s->arg, &r) < 0)
		return -1;
	return 1;
}

int
source_item_mention(char *const *fields, json_t *item, struct mention *m, char *err, size_t errlen)
{
	json_t *obj = source_mapped(fields) ? source_map(fields, item) : json_incref(item);
	int rc = mention_from_json(m, obj, err, errlen);

	json_decref(obj);
	return rc;
}

int
source_take_item(struct source *s, char *const *fields, json_t *item)
{
	struct mention m;
	char err[256];

	if (source_item_mention(fields, item, &m, err, sizeof(err)) < 0) {
		source_bad(s, "mapping", "an event does not make a mention: %s%s", err,
		    source_mapped(fields) ? " (after the fields map)" : "");
		return 0;
	}
	return source_emit(s, &m);
}

int
source_take_json(struct source *s, char *const *fields, const char *data, size_t len)
{
	size_t good = utf8_valid_prefix(data, len);
	struct mention m;
	json_error_t je;
	char err[256];
	json_t *v;
	int rc;

	if (good != len) {
		source_bad(s, "utf8", "an event is not valid UTF-8 (at byte %zu)", good);
		return 0;
	}
	/* an event that is a mention object: the direct reader, no JSON tree */
	if (!source_mapped(fields) && mention_parse_utf8(&m, data, len, err, sizeof(err)) == 0)
		return source_emit(s, &m);
	if ((v = mention_json_loadb(data, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		source_bad(s, "json", "an event is not JSON (column %d: %s)", je.column, je.text);
		return 0;
	}
	rc = source_take_item(s, fields, v);
	json_decref(v);
	return rc;
}

int
source_recent_seen(const struct source_recent *r, const char *id)
{
	for (size_t i = 0; i < SOURCE_RECENT && r->ids[i]; i++)
		if (strcmp(r->ids[i], id) == 0)
			return 1;
	return 0;
}

void
source_recent_add(struct source_recent *r, const char *id)
{
	free(r->ids[r->pos]);
	r->ids[r->pos] = xstrdup(id);
	r->pos = (r->pos + 1) % SOURCE_RECENT;
}

void
source_recent_free(struct source_recent *r)
{
	for (size_t i = 0; i < SOURCE_RECENT; i++)
		free(r->ids[i]);
	memset(r, 0, sizeof(*r));
}

void
source_skipped(const struct source *s, const char *what)
{
	char labels[300];

	snprintf(labels, sizeof(labels), "source=\"%s\",kind=\"%s\"", s->name, what);
	metrics_add("keluh_source_skipped_total", labels, 1);
}

const char *
source_json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

size_t
source_utf8_fit(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

int
source_idcmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

char *
source_url_base(const char *url)
{
	size_t len = strlen(url);

	while (len && url[len - 1] == '/')
		len--;
	return xstrndup(url, len);
}

int
source_need_http(const struct source_env *env, const char *verb, char *err, size_t errlen)
{
	if (env->ce != NULL)
		return 0;
	snprintf(err, errlen, "no HTTP client to %s with", verb);
	return -1;
}

struct stream *
source_stream_new(struct source *src, const struct source_env *env, const struct stream_opts *o,
    const struct stream_handlers *h)
{
	src->stream = stream_new(env->base, env->ce, o, h);
	return src->stream;
}

void
source_add_header(struct stream *st, const char *fmt, ...)
{
	va_list ap;
	char *h;

	va_start(ap, fmt);
	h = xvasprintf(fmt, ap);
	va_end(ap);
	stream_add_header(st, h);
	explicit_bzero(h, strlen(h));
	free(h);
}
