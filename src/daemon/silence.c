/*
 * silence.c: the silences of silence.h: matchers, the active set, expiry,
 * and the announcements.
 */
#include "config.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/pass.h"
#include "daemon/route.h"
#include "daemon/silence.h"
#include "engine/normalize.h"
#include "engine/rules.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

#define SILENCE_MAX_RECEIVERS 64
#define SILENCE_LIST_ALL 1000

struct silences {
	struct event_base *base;
	struct spool *spool;
	const struct conf *conf;
	silence_kick_fn kick;
	void *arg;
	struct silence *list;	/* active, newest first */
	size_t n;
	struct event *timer;	/* the next expiry */
	void (*changed)(void *arg);	/* one was added or ended here (silences_set_changed) */
	void *changed_arg;
};

static const char *const silence_keys[] = { "rule", "team", "priority", "author", "words" };
#define NSILENCE_KEYS (sizeof(silence_keys) / sizeof(silence_keys[0]))

int64_t
silence_parse_time(const char *s)
{
	int64_t t;

	if (s == NULL || util_rfc3339_parse(s, &t) < 0)
		return -1;
	return t * 1000;
}

/* --- matchers -------------------------------------------------------------- */

void
silence_match_free(struct silence_match *m)
{
	free(m->rule);
	free(m->team);
	free(m->author);
	free(m->words);
	free(m->words_folded);
	memset(m, 0, sizeof(*m));
	m->priority = -1;
}

int
silence_match_from_json(const json_t *obj, struct silence_match *m, char *err, size_t errlen)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	memset(m, 0, sizeof(*m));
	m->priority = -1;
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "matchers must be an object such as {\"team\":\"tech\"}");
		return -1;
	}
	json_object_foreach((json_t *)obj, k, v) {
		const char *s = json_string_value(v);
		size_t i;

		for (i = 0; i < NSILENCE_KEYS; i++)
			if (strcmp(k, silence_keys[i]) == 0)
				break;
		if (i == NSILENCE_KEYS) {
			snprintf(err, errlen, "unknown matcher '%.40s' (use rule, team, priority, "
			    "author, words)", k);
			goto fail;
		}
		if (s == NULL || *s == '\0' || strlen(s) > SILENCE_MAX_VALUE) {
			snprintf(err, errlen, "matcher %s must be a string of 1 to %d bytes", k,
			    SILENCE_MAX_VALUE);
			goto fail;
		}
		n++;
		if (strcmp(k, "rule") == 0)
			m->rule = xstrdup(s);
		else if (strcmp(k, "team") == 0)
			m->team = xstrdup(s);
		else if (strcmp(k, "author") == 0)
			m->author = xstrdup(s[0] == '@' && s[1] ? s + 1 : s);
		else if (strcmp(k, "priority") == 0) {
			enum prio p;

			if (prio_parse(s, &p) < 0) {
				snprintf(err, errlen, "priority '%.20s' is not one of none, low, normal, "
				    "high, critical", s);
				goto fail;
			}
			m->priority = (int)p;
		} else {
			size_t flen;

			if (utf8_valid_prefix(s, strlen(s)) != strlen(s)) {
				snprintf(err, errlen, "words must be UTF-8");
				goto fail;
			}
			m->words = xstrdup(s);
			m->words_folded = norm_fold_str(s, strlen(s), &flen);
			if (m->words_folded == NULL || flen == 0) {
				snprintf(err, errlen, "words '%.40s' has nothing to match after folding",
				    s);
				goto fail;
			}
		}
	}
	if (n == 0) {
		snprintf(err, errlen, "a silence needs at least one matcher (rule, team, priority, "
		    "author or words)");
		return -1;
	}
	return 0;
fail:
	silence_match_free(m);
	return -1;
}

json_t *
silence_match_json(const struct silence_match *m)
{
	json_t *o = json_object();

	if (m->rule)
		json_object_set_new(o, "rule", json_string(m->rule));
	if (m->team)
		json_object_set_new(o, "team", json_string(m->team));
	if (m->priority >= 0)
		json_object_set_new(o, "priority", json_string(prio_name((enum prio)m->priority)));
	if (m->author)
		json_object_set_new(o, "author", json_string(m->author));
	if (m->words)
		json_object_set_new(o, "words", json_string(m->words));
	return o;
}

void
silence_match_describe(const struct silence_match *m, struct buf *b)
{
	json_t *o = silence_match_json(m), *v;
	const char *k;
	size_t start = b->len;

	json_object_foreach(o, k, v) {
		const char *s = json_string_value(v);

		if (b->len > start)
			buf_addc(b, ' ');
		if (strpbrk(s, " ,\"") != NULL)
			buf_printf(b, "%s=\"%s\"", k, s);
		else
			buf_printf(b, "%s=%s", k, s);
	}
	json_decref(o);
}

json_t *
silence_spec_parse(const char *spec, char *err, size_t errlen)
{
	json_t *o = json_object();
	const char *p = spec;
	struct buf val;

	buf_init(&val);
	for (;;) {
		const char *ks;
		size_t klen;
		char key[32];

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		for (ks = p; isalpha((unsigned char)*p); p++)
			;
		klen = (size_t)(p - ks);
		while (*p == ' ')
			p++;
		if (klen == 0 || klen >= sizeof(key) || *p != '=') {
			snprintf(err, errlen, "expected key=value at '%.30s' (keys: rule, team, "
			    "priority, author, words)", ks);
			goto fail;
		}
		memcpy(key, ks, klen);
		key[klen] = '\0';
		p++;
		while (*p == ' ')
			p++;
		buf_reset(&val);
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				buf_addc(&val, *p);
			}
			if (*p != '"') {
				snprintf(err, errlen, "%s: the quoted value does not end", key);
				goto fail;
			}
			p++;
			while (*p == ' ')
				p++;
			if (*p != '\0' && *p != ',') {
				snprintf(err, errlen, "%s: expected ',' after the quoted value", key);
				goto fail;
			}
		} else {
			const char *vs = p;
			size_t vlen;

			while (*p && *p != ',')
				p++;
			vlen = (size_t)(p - vs);
			while (vlen && vs[vlen - 1] == ' ')
				vlen--;
			buf_add(&val, vs, vlen);
		}
		buf_addc(&val, '\0');
		if (json_object_get(o, key) != NULL) {
			snprintf(err, errlen, "%s is given twice", key);
			goto fail;
		}
		json_object_set_new(o, key, json_string(val.data));
	}
	buf_free(&val);
	if (json_object_size(o) == 0) {
		snprintf(err, errlen, "no matchers given (e.g. team=tech,words=\"gak bisa\")");
		json_decref(o);
		return NULL;
	}
	return o;
fail:
	buf_free(&val);
	json_decref(o);
	return NULL;
}

/* The folded phrase as whole words: no word character right before or after it. */
static int
silence_words_in(const char *w, size_t wlen, const char *text, size_t len)
{
	int edge_start = norm_word_after(w, wlen, 0), edge_end = norm_word_before(w, wlen);
	const char *p = text, *end = text + len;

	while ((size_t)(end - p) >= wlen) {
		const char *hit = memmem(p, (size_t)(end - p), w, wlen);
		size_t at;

		if (hit == NULL)
			return 0;
		at = (size_t)(hit - text);
		if ((!edge_start || !norm_word_before(text, at)) &&
		    (!edge_end || !norm_word_after(text, len, at + wlen)))
			return 1;
		p = hit + 1;
	}
	return 0;
}

static int
silence_rule_in(const char *pat, const struct complaint *c)
{
	size_t i;
	json_t *v;

	if (c->rule && fnmatch(pat, c->rule, 0) == 0)
		return 1;
	json_array_foreach(c->rule_info, i, v)
	{
		const char *id = json_string_value(json_object_get(v, "id"));

		if (id && fnmatch(pat, id, 0) == 0)
			return 1;
	}
	return 0;
}

int
silence_matches(const struct silence_match *m, const struct complaint *c)
{
	if (m->priority >= 0 && c->priority != m->priority)
		return 0;
	if (m->team && (c->team == NULL || strcmp(c->team, m->team) != 0))
		return 0;
	if (m->author) {
		const char *a = c->author;

		if (a && a[0] == '@')
			a++;
		if (a == NULL || strcasecmp(a, m->author) != 0)
			return 0;
	}
	if (m->rule && !silence_rule_in(m->rule, c))
		return 0;
	if (m->words &&
	    (c->folded == NULL ||
	     !silence_words_in(m->words_folded, strlen(m->words_folded), c->folded, c->folded_len)))
		return 0;
	return 1;
}

/* --- the active set -------------------------------------------------------- */

static void silence_timer_cb(evutil_socket_t fd, short what, void *arg);

struct silences *
silences_new(struct event_base *base, struct spool *spool, const struct conf *c,
             silence_kick_fn kick, void *arg)
{
	struct silences *ss = xcalloc(1, sizeof(*ss));

	ss->base = base;
	ss->spool = spool;
	ss->conf = c;
	ss->kick = kick;
	ss->arg = arg;
	ss->timer = evtimer_new(base, silence_timer_cb, ss);
	if (ss->timer == NULL)
		fatalx("silences: cannot allocate the timer");
	return ss;
}

static void
silence_free(struct silence *s)
{
	silence_match_free(&s->m);
	free(s->created_by);
	free(s->reason);
	free(s);
}

void
silences_free(struct silences *ss)
{
	if (ss == NULL)
		return;
	while (ss->list) {
		struct silence *s = ss->list;

		ss->list = s->next;
		silence_free(s);
	}
	event_free(ss->timer);
	free(ss);
}

void
silences_set_conf(struct silences *ss, const struct conf *c)
{
	ss->conf = c;
}

size_t
silences_active(const struct silences *ss)
{
	return ss->n;
}

const struct silence *
silences_get(const struct silences *ss, int64_t id)
{
	for (const struct silence *s = ss->list; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

static void
silences_gauge(const struct silences *ss)
{
	metrics_set("keluh_silences", NULL, (double)ss->n);
}

/* One timer for the earliest expiry. */
static void
silences_arm(struct silences *ss)
{
	int64_t next = INT64_MAX, delta;
	struct timeval tv;

	for (struct silence *s = ss->list; s; s = s->next)
		if (s->expires_ms < next)
			next = s->expires_ms;
	if (next == INT64_MAX) {
		evtimer_del(ss->timer);
		return;
	}
	delta = next - util_now_ms();
	if (delta < 0)
		delta = 0;
	util_ms_to_tv(delta, &tv);
	evtimer_add(ss->timer, &tv);
}

static size_t
silence_receivers(const struct silences *ss, const struct silence *s, size_t *out, size_t max)
{
	return route_silence(ss->conf, s->m.rule, s->m.team, s->m.priority, out, max);
}

/*
 * The announcement: an alert like any other (so every renderer can show
 * it and the spool makes it durable), low priority, tagged "silence", its
 * headline in rule_info[0].description, the silence itself under "silence".
 */
static void
silence_announce(struct silences *ss, const struct silence *s, const char *event,
    const char *ended_by)
{
	const struct conf *c = ss->conf;
	size_t recv[SILENCE_MAX_RECEIVERS], nrecv, i;
	const char *names[SILENCE_MAX_RECEIVERS];
	int64_t expires[SILENCE_MAX_RECEIVERS], at = util_now_ms(), rowid;
	char id[96], group[64], t[32], t2[32];
	json_t *sj, *body;
	struct buf d;
	char *json;

	nrecv = silence_receivers(ss, s, recv, SILENCE_MAX_RECEIVERS);
	buf_init(&d);
	util_iso8601(s->expires_ms, t2, sizeof(t2));
	if (strcmp(event, "created") == 0)
		buf_printf(&d, "Silence %lld by %s until %s: ", (long long)s->id, s->created_by,
		    t2);
	else if (ended_by != NULL)
		buf_printf(&d, "Silence %lld expired by %s: ", (long long)s->id, ended_by);
	else
		buf_printf(&d, "Silence %lld expired: ", (long long)s->id);
	silence_match_describe(&s->m, &d);
	if (strcmp(event, "created") == 0)
		buf_printf(&d, " (%s)", s->reason);
	else
		buf_printf(&d, "; it muted %lld complaint%s", (long long)s->suppressed,
		    s->suppressed == 1 ? "" : "s");
	snprintf(id, sizeof(id), "silence-%lld-%s", (long long)s->id, event);
	snprintf(group, sizeof(group), "silence=%lld", (long long)s->id);
	util_iso8601(at, t, sizeof(t));
	sj = silence_json(ss, s);
	json_object_set_new(sj, "event", json_string(event));
	if (strcmp(event, "created") != 0) {
		json_object_set_new(sj, "active", json_false());
		json_object_set_new(sj, "ended_at", json_string(t));
		json_object_set_new(sj, "ended_by", json_string(ended_by ? ended_by : "expiry"));
	}
	body = json_pack("{s:s,s:{s:s,s:s,s:s,s:o,s:b,s:[],s:[{s:s,s:s%,s:i}],s:[s],s:i,s:i,"
	    "s:I,s:s,s:s,s:[],s:[],s:o}}",
	    "type", "keluh.alert", "alert",
	    "id", id, "group", group, "priority", "low",
	    "team", s->m.team ? json_string(s->m.team) : json_null(), "incident", 0,
	    "rules", "rule_info", "id", "silence", "description", d.data, d.len, "score", 0,
	    "tags", "silence", "count", 0, "total", 0,
	    "suppressed", (json_int_t)(strcmp(event, "created") == 0 ? 0 : s->suppressed),
	    "first_at", t, "last_at", t, "top_authors", "mentions", "silence", sj);
	buf_free(&d);
	if (body == NULL) {
		log_warnx("silence %lld: cannot build the announcement", (long long)s->id);
		return;
	}
	json = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	for (i = 0; i < nrecv; i++) {
		names[i] = c->receivers[recv[i]].name;
		expires[i] = at + c->receivers[recv[i]].max_age_ms;
	}
	pass_join(ss->spool);
	rowid = spool_add_alert(ss->spool, id, group, PRIO_LOW, s->m.team, at, json, NULL, 0,
	    names, expires, nrecv, at);
	if (rowid <= 0) {
		metrics_add("keluh_spool_errors_total", NULL, 1);
		log_warnx("spool: cannot record the announcement of silence %lld: %s",
		    (long long)s->id, spool_error(ss->spool));
	} else if (nrecv && ss->kick)
		ss->kick(ss->arg, recv, nrecv);
	free(json);
}

static struct silence *
silence_unlink(struct silences *ss, int64_t id)
{
	for (struct silence **pp = &ss->list; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			struct silence *s = *pp;

			*pp = s->next;
			ss->n--;
			return s;
		}
	return NULL;
}

static void
silence_end(struct silences *ss, struct silence *s, const char *by)
{
	int64_t now = util_now_ms();
	int r;

	pass_join(ss->spool);
	r = spool_end_silence(ss->spool, s->id, now, by ? by : "expiry");
	if (r < 0)
		log_warnx("spool: cannot end silence %lld: %s", (long long)s->id,
		    spool_error(ss->spool));
	if (r == 0) {
		/* another daemon of the cluster ended it and announced it */
		silence_free(s);
		silences_gauge(ss);
		return;
	}
	if (ss->changed)
		ss->changed(ss->changed_arg);
	log_info("silence %lld %s%s after muting %lld complaint(s)", (long long)s->id,
	    by ? "expired by " : "expired", by ? by : "", (long long)s->suppressed);
	silence_announce(ss, s, "expired", by);
	silence_free(s);
	silences_gauge(ss);
}

static void
silences_expire_due(struct silences *ss)
{
	int64_t now = util_now_ms();
	struct silence *s, *next;

	for (s = ss->list; s; s = next) {
		next = s->next;
		if (s->expires_ms <= now)
			silence_end(ss, silence_unlink(ss, s->id), NULL);
	}
	silences_arm(ss);
}

static void
silence_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	silences_expire_due(arg);
}

static void
silence_link(struct silences *ss, struct silence *s)
{
	struct silence **pp = &ss->list;

	/* newest (highest id) first, whatever order they come in */
	while (*pp && (*pp)->id > s->id)
		pp = &(*pp)->next;
	s->next = *pp;
	*pp = s;
	ss->n++;
}

struct load_ctx {
	struct silences *ss;
	size_t bad;
};

static void
silences_load_one(void *arg, const struct spool_silence *row)
{
	struct load_ctx *lc = arg;
	json_t *o = json_loads(row->matchers, 0, NULL);
	struct silence *s = xcalloc(1, sizeof(*s));
	char err[200];

	if (silence_match_from_json(o, &s->m, err, sizeof(err)) < 0) {
		log_warnx("spool: silence %lld cannot be read (%s); it is left out",
		    (long long)row->id, err);
		lc->bad++;
		json_decref(o);
		free(s);
		return;
	}
	json_decref(o);
	s->id = row->id;
	s->created_by = xstrdup(row->created_by ? row->created_by : "");
	s->reason = xstrdup(row->reason ? row->reason : "");
	s->created_ms = row->created_ms;
	s->expires_ms = row->expires_ms;
	s->suppressed = row->suppressed;
	silence_link(lc->ss, s);
}

static int
silences_read(struct silences *ss, char *err, size_t errlen)
{
	struct load_ctx lc = { ss, 0 };

	if (spool_list_silences(ss->spool, 0, SILENCE_MAX_ACTIVE, silences_load_one, &lc) < 0) {
		snprintf(err, errlen, "cannot read the silences: %s", spool_error(ss->spool));
		return -1;
	}
	/* those that ran out while keluhd was down end before any complaint is restored */
	silences_expire_due(ss);
	silences_gauge(ss);
	return 0;
}

int
silences_load(struct silences *ss, char *err, size_t errlen)
{
	if (silences_read(ss, err, errlen) < 0)
		return -1;
	if (ss->n)
		log_info("%zu silence(s) active", ss->n);
	return 0;
}

void
silences_set_changed(struct silences *ss, void (*fn)(void *arg), void *arg)
{
	ss->changed = fn;
	ss->changed_arg = arg;
}

int
silences_reload(struct silences *ss, char *err, size_t errlen)
{
	struct silence *old = ss->list;
	size_t n = ss->n;

	ss->list = NULL;
	ss->n = 0;
	if (silences_read(ss, err, errlen) < 0) {
		/* the spool failed: the silences known before stay */
		while (ss->list) {
			struct silence *s = ss->list;

			ss->list = s->next;
			silence_free(s);
		}
		ss->list = old;
		ss->n = n;
		silences_arm(ss);
		silences_gauge(ss);
		return -1;
	}
	while (old) {
		struct silence *s = old;

		old = s->next;
		silence_free(s);
	}
	return 0;
}

const struct silence *
silences_add(struct silences *ss, struct silence_match *m, const char *created_by,
    const char *reason, int64_t expires_ms, char *err, size_t errlen)
{
	int64_t now = util_now_ms(), id;
	json_t *mj;
	char *text;
	struct silence *s;

	if (ss->n >= SILENCE_MAX_ACTIVE) {
		metrics_bound_hit("silences", "too many active silences; new ones are refused");
		snprintf(err, errlen, "%d silences are active already; expire some first",
		    SILENCE_MAX_ACTIVE);
		silence_match_free(m);
		return NULL;
	}
	mj = silence_match_json(m);
	text = json_dumps(mj, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(mj);
	pass_join(ss->spool);
	id = spool_add_silence(ss->spool, text, created_by, reason, now, expires_ms);
	free(text);
	if (id <= 0) {
		snprintf(err, errlen, "spool: %s", spool_error(ss->spool));
		metrics_add("keluh_spool_errors_total", NULL, 1);
		silence_match_free(m);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->id = id;
	s->m = *m;
	memset(m, 0, sizeof(*m));
	s->created_by = xstrdup(created_by);
	s->reason = xstrdup(reason);
	s->created_ms = now;
	s->expires_ms = expires_ms;
	silence_link(ss, s);
	{
		struct buf b;

		buf_init(&b);
		silence_match_describe(&s->m, &b);
		log_info("silence %lld by %s until +%llds: %s (%s)", (long long)id, created_by,
		    (long long)((expires_ms - now) / 1000), b.data, reason);
		buf_free(&b);
	}
	silence_announce(ss, s, "created", NULL);
	if (ss->changed)
		ss->changed(ss->changed_arg);
	silences_arm(ss);
	silences_gauge(ss);
	return s;
}

int
silences_expire(struct silences *ss, int64_t id, const char *by)
{
	struct silence *s = silence_unlink(ss, id);

	if (s == NULL)
		return 0;
	silence_end(ss, s, by);
	silences_arm(ss);
	return 1;
}

const struct silence *
silences_mute(struct silences *ss, const struct complaint *c)
{
	for (struct silence *s = ss->list; s; s = s->next) {
		if (!silence_matches(&s->m, c))
			continue;
		s->suppressed++;
		if (!c->restored) {
			pass_join(ss->spool);
			if (spool_silence_suppressed(ss->spool, s->id, 1) < 0)
				log_warnx("spool: cannot count for silence %lld: %s",
				    (long long)s->id, spool_error(ss->spool));
		}
		return s;
	}
	return NULL;
}

/* --- the API's view -------------------------------------------------------- */

static json_t *
silence_receivers_json(const struct silences *ss, const struct silence_match *m)
{
	size_t recv[SILENCE_MAX_RECEIVERS], n;
	json_t *a = json_array();

	n = route_silence(ss->conf, m->rule, m->team, m->priority, recv, SILENCE_MAX_RECEIVERS);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(ss->conf->receivers[recv[i]].name));
	return a;
}

static json_t *
silence_json_fields(const struct silences *ss, int64_t id, const struct silence_match *m,
    const char *by, const char *reason, int64_t created, int64_t expires, int64_t ended,
    const char *ended_by, int64_t suppressed)
{
	char tc[32], te[32], tx[32];

	util_iso8601(created, tc, sizeof(tc));
	util_iso8601(expires, te, sizeof(te));
	if (ended)
		util_iso8601(ended, tx, sizeof(tx));
	return json_pack("{s:I,s:b,s:o,s:s,s:s,s:s,s:s,s:o,s:o,s:I,s:o}", "id", (json_int_t)id,
	    "active", !ended, "matchers", silence_match_json(m), "author", by ? by : "",
	    "reason", reason ? reason : "", "created_at", tc, "expires_at", te,
	    "ended_at", ended ? json_string(tx) : json_null(),
	    "ended_by", ended && ended_by ? json_string(ended_by) : json_null(),
	    "suppressed", (json_int_t)suppressed, "receivers", silence_receivers_json(ss, m));
}

json_t *
silence_json(const struct silences *ss, const struct silence *s)
{
	return silence_json_fields(ss, s->id, &s->m, s->created_by, s->reason, s->created_ms,
	    s->expires_ms, 0, NULL, s->suppressed);
}

struct list_ctx {
	const struct silences *ss;
	json_t *arr;
};

static void
silences_list_one(void *arg, const struct spool_silence *row)
{
	struct list_ctx *lc = arg;
	json_t *o = json_loads(row->matchers, 0, NULL);
	struct silence_match m;
	char err[200];

	if (silence_match_from_json(o, &m, err, sizeof(err)) == 0) {
		json_array_append_new(lc->arr, silence_json_fields(lc->ss, row->id, &m,
		    row->created_by, row->reason, row->created_ms, row->expires_ms, row->ended_ms,
		    row->ended_by, row->suppressed));
		silence_match_free(&m);
	}
	json_decref(o);
}

json_t *
silences_json(struct silences *ss, int all)
{
	json_t *arr = json_array();

	if (all) {
		struct list_ctx lc = { ss, arr };

		if (spool_list_silences(ss->spool, 1, SILENCE_LIST_ALL, silences_list_one, &lc) == 0)
			return arr;
		log_warnx("spool: cannot list silences: %s", spool_error(ss->spool));
		json_array_clear(arr);
	}
	for (struct silence *s = ss->list; s; s = s->next)
		json_array_append_new(arr, silence_json(ss, s));
	return arr;
}
