#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/util.h>

#include "engine/mention.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "net/stream.h"
#include "net/ws.h"
#include "sources/source.h"
#include "sources/source_bluesky.h"

/*
 * bluesky: Bluesky's Jetstream (bluesky-social/jetstream, README), JSON
 * events over a WebSocket, no login. Jetstream filters only by collection
 * and account (wantedCollections, wantedDids); keluh's rules do the rest.
 * Each event carries time_us, Jetstream's cursor: the last one handled is
 * kept in the spool, and a (re)connection asks for cursor=<it minus
 * rewind>, since the README advises replaying a few seconds and handling
 * events idempotently. Posts seen twice that way are dropped by their URI
 * (the recent ring). Handles are not in commit events; identity events
 * carry them, and a bounded map keeps the last ones seen.
 */

#define BSKY_QUEUE           8192 /* messages between the WebSocket thread and the loop */
#define BSKY_HANDLES         4096 /* did -> handle, direct-mapped: a newer did takes the slot */
#define BSKY_FACETS          64   /* facets read per post (the app writes a few) */
#define BSKY_CURSOR_EVERY_MS 1000 /* the cursor after skipped events only: at most this often */

/* ---- one event --------------------------------------------------------- */

struct facet {
	size_t start, end;
	const char *uri;
};

static int
facet_cmp(const void *a, const void *b)
{
	const struct facet *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int
utf8_boundary(const char *s, size_t len, size_t at)
{
	return at == len || (at < len && ((unsigned char)s[at] & 0xc0) != 0x80);
}

/* The link URI of a facet, or NULL. */
static const char *
facet_link(json_t *f)
{
	json_t *feat;
	size_t i;

	json_array_foreach(json_object_get(f, "features"), i, feat)
	{
		const char *t = source_json_str(feat, "$type");

		if (t && strcmp(t, "app.bsky.richtext.facet#link") == 0)
			return source_json_str(feat, "uri");
	}
	return NULL;
}

/* The usable link facets, in text order (at most BSKY_FACETS). */
static size_t
facet_links(const char *text, size_t len, json_t *facets, struct facet *v)
{
	size_t n = 0, i, k = 0;
	json_t *f;

	json_array_foreach(facets, i, f)
	{
		json_t *ix = json_object_get(f, "index"), *bs, *be;
		const char *uri = facet_link(f);

		if (n == BSKY_FACETS || uri == NULL || *uri == '\0')
			continue;
		bs = json_object_get(ix, "byteStart");
		be = json_object_get(ix, "byteEnd");
		if (!json_is_integer(bs) || !json_is_integer(be) || json_integer_value(bs) < 0 ||
		    json_integer_value(be) <= json_integer_value(bs) ||
		    (uint64_t)json_integer_value(be) > len)
			continue;
		v[n].start = (size_t)json_integer_value(bs);
		v[n].end = (size_t)json_integer_value(be);
		v[n].uri = uri;
		if (utf8_boundary(text, len, v[n].start) && utf8_boundary(text, len, v[n].end))
			n++;
	}
	qsort(v, n, sizeof(*v), facet_cmp);
	/* overlapping ranges: the first wins */
	for (i = 0; i < n; i++)
		if (k == 0 || v[i].start >= v[k - 1].end)
			v[k++] = v[i];
	return k;
}

char *
bluesky_facet_text(const char *text, size_t len, json_t *facets, size_t *outlen, int *links)
{
	struct facet v[BSKY_FACETS];
	size_t n = facet_links(text, len, facets, v), at = 0;
	struct buf b;

	*links = 0;
	buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		size_t ulen = strlen(v[i].uri);

		buf_add(&b, text + at, v[i].start - at);
		/* the text is the URI already, or a part of it the app shortened */
		if (v[i].end - v[i].start != ulen || memcmp(text + v[i].start, v[i].uri, ulen) != 0)
			(*links)++;
		buf_add(&b, v[i].uri, ulen);
		at = v[i].end;
	}
	buf_add(&b, text + at, len - at);
	buf_add(&b, "", 1);
	*outlen = b.len - 1;
	return b.data;
}

/* did: "did:method:id", no '/', no space, not huge. */
static int
did_ok(const char *s)
{
	return s && strncmp(s, "did:", 4) == 0 && strlen(s) <= 2048 && s[4] != '\0' &&
	       strcspn(s, "/?# \t\r\n\"") == strlen(s);
}

/* A record key: at most 512 of A-Za-z0-9 . - _ : ~ (the atproto record-key syntax). */
static int
rkey_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 512 && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:~") ==
	           n;
}

static json_t *
post_author(const char *did, bluesky_handle_fn handle, void *arg)
{
	const char *h = handle ? handle(arg, did) : NULL;
	json_t *a = json_object();
	char *s;

	if (h) {
		s = xasprintf("@%s", h);
		json_object_set_new(a, "handle", json_string(s));
		free(s);
	} else
		json_object_set_new(a, "handle", json_string(did));
	return a;
}

/* A post's record as a mention object; NULL when it has no text. */
static json_t *
post_mention(struct bluesky_event *ev, const char *did, const char *rkey, json_t *rec,
             bluesky_handle_fn handle, void *arg)
{
	json_t *text = json_object_get(rec, "text"), *m, *langs;
	const char *lang, *parent, *created = source_json_str(rec, "createdAt");
	size_t tlen;
	char *t, *s;

	if (!json_is_string(text) || json_string_length(text) == 0)
		return NULL;
	t = bluesky_facet_text(json_string_value(text), json_string_length(text),
	                       json_object_get(rec, "facets"), &tlen, &ev->links);
	m = json_object();
	s = xasprintf("bluesky:%s", ev->uri);
	json_object_set_new(m, "id", json_string(s));
	free(s);
	json_object_set_new(m, "text", json_stringn(t, source_utf8_fit(t, tlen, MENTION_MAX_TEXT)));
	free(t);
	s = xasprintf("https://bsky.app/profile/%s/post/%s", did, rkey);
	json_object_set_new(m, "url", json_string(s));
	free(s);
	json_object_set_new(m, "author", post_author(did, handle, arg));
	langs = json_object_get(rec, "langs");
	if ((lang = json_string_value(json_array_get(langs, 0))) != NULL && *lang &&
	    strlen(lang) < 36)
		json_object_set_new(m, "lang", json_string(lang));
	parent = source_json_str(json_object_get(json_object_get(rec, "reply"), "parent"), "uri");
	if (parent && strncmp(parent, "at://", 5) == 0) {
		s = xasprintf("bluesky:%s", parent);
		json_object_set_new(m, "reply_to", json_string(s));
		free(s);
	}
	if (created)
		json_object_set_new(m, "created_at", json_string(created));
	return m;
}

/* A commit event: a new post becomes a mention, the rest a skip. 0, or -1 (why). */
static int
parse_commit(json_t *root, const char *did, bluesky_handle_fn handle, void *arg,
             struct bluesky_event *ev, char *why, size_t whylen)
{
	json_t *c = json_object_get(root, "commit"), *rec;
	const char *op = source_json_str(c, "operation"), *coll = source_json_str(c, "collection");
	const char *rkey = source_json_str(c, "rkey");

	if (!json_is_object(c) || op == NULL || coll == NULL) {
		snprintf(why, whylen, "a commit event without commit.operation or collection");
		return -1;
	}
	if (strcmp(coll, "app.bsky.feed.post") != 0) {
		ev->skip = strcmp(coll, "app.bsky.feed.repost") == 0 ? "repost" : "collection";
		return 0;
	}
	if (strcmp(op, "create") != 0) {
		ev->skip = strcmp(op, "delete") == 0   ? "delete"
		           : strcmp(op, "update") == 0 ? "update"
		                                       : "operation";
		return 0;
	}
	if (!rkey_ok(rkey)) {
		snprintf(why, whylen, "a post without a valid commit.rkey");
		return -1;
	}
	rec = json_object_get(c, "record");
	if (!json_is_object(rec)) {
		snprintf(why, whylen, "a post create without a record");
		return -1;
	}
	ev->uri = xasprintf("at://%s/app.bsky.feed.post/%s", did, rkey);
	if ((ev->mention = post_mention(ev, did, rkey, rec, handle, arg)) == NULL)
		ev->skip = "no_text";
	return 0;
}

int
bluesky_event_parse(const char *data, size_t len, bluesky_handle_fn handle, void *arg,
                    struct bluesky_event *ev, char *why, size_t whylen)
{
	json_error_t je;
	json_t *root, *t;
	const char *kind, *did, *h;
	int rc = 0;

	memset(ev, 0, sizeof(*ev));
	if ((root = json_loadb(data, len, 0, &je)) == NULL) {
		snprintf(why, whylen, "not JSON (column %d: %s)", je.column, je.text);
		return -1;
	}
	t = json_object_get(root, "time_us");
	kind = source_json_str(root, "kind");
	did = source_json_str(root, "did");
	if (!json_is_integer(t) || json_integer_value(t) <= 0 || kind == NULL || !did_ok(did)) {
		snprintf(why, whylen, "not a Jetstream event (it needs did, time_us and kind)");
		json_decref(root);
		return -1;
	}
	ev->time_us = json_integer_value(t);
	if (strcmp(kind, "commit") == 0)
		rc = parse_commit(root, did, handle, arg, ev, why, whylen);
	else if (strcmp(kind, "identity") == 0) {
		ev->skip = "identity";
		h = source_json_str(json_object_get(root, "identity"), "handle");
		if (h && *h && strlen(h) <= 253 && strcspn(h, " \t\r\n/@") == strlen(h)) {
			ev->did = xstrdup(did);
			ev->handle = xstrdup(h);
		}
	} else
		ev->skip = strcmp(kind, "account") == 0 ? "account" : "event_kind";
	json_decref(root);
	if (rc < 0) {
		int64_t keep = ev->time_us;

		bluesky_event_clear(ev);
		ev->time_us = keep;
	}
	return rc;
}

void
bluesky_event_clear(struct bluesky_event *ev)
{
	json_decref(ev->mention);
	free(ev->uri);
	free(ev->did);
	free(ev->handle);
	memset(ev, 0, sizeof(*ev));
}

/* ---- the source -------------------------------------------------------- */

struct bsky_opts {
	char *url;
	char **collections, **dids;
	size_t ncollections, ndids;
	int64_t rewind_ms, stall_ms, reconnect_ms, backoff_max_ms;
	size_t max_event;
};

struct handle_slot {
	char *did, *handle;
};

struct bsky {
	struct source src;
	struct ws *ws;
	struct bsky_opts o; /* a copy (sources outlive the conf) */
	struct event *reconnect, *stall;
	struct source_recent recent;
	struct handle_slot *handles; /* BSKY_HANDLES */
	char *labels;
	struct metrics_ref events_ref;

	int64_t cursor;   /* time_us of the last event handled */
	int64_t floor;    /* the cursor at start: the last run handled up to here */
	int64_t saved;    /* the cursor last written to the spool */
	int64_t saved_at; /* monotonic ms */
	int emitted;      /* a mention went out in this batch */

	/* health, as the watch reads it (struct stream_health) */
	int up;
	int64_t up_changed, last_event;
	long status;
	unsigned fails;
};

static uint32_t
did_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static const char *
handle_get(void *arg, const char *did)
{
	struct bsky *b = arg;
	struct handle_slot *sl = &b->handles[did_hash(did) % BSKY_HANDLES];

	return sl->did && strcmp(sl->did, did) == 0 ? sl->handle : NULL;
}

static void
handle_put(struct bsky *b, char *did, char *handle)
{
	struct handle_slot *sl = &b->handles[did_hash(did) % BSKY_HANDLES];

	if (sl->did && strcmp(sl->did, did) != 0)
		metrics_bound_hit("bluesky_handles",
		                  "the Bluesky handle map is full; an older "
		                  "handle is forgotten (its posts show the did)");
	free(sl->did);
	free(sl->handle);
	sl->did = did;
	sl->handle = handle;
}

/* The URL with the filters and the cursor (minus rewind), when there is one. */
static char *
bsky_url(struct bsky *b)
{
	struct buf u;
	char sep;

	buf_init(&u);
	buf_adds(&u, b->o.url);
	sep = strchr(b->o.url, '?') ? '&' : '?';
	for (size_t i = 0; i < b->o.ncollections; i++, sep = '&')
		buf_printf(&u, "%cwantedCollections=%s", sep, b->o.collections[i]);
	for (size_t i = 0; i < b->o.ndids; i++, sep = '&')
		buf_printf(&u, "%cwantedDids=%s", sep, b->o.dids[i]);
	if (b->cursor > 0)
		buf_printf(&u, "%ccursor=%" PRId64, sep,
		           b->cursor - b->o.rewind_ms * 1000 > 0 ? b->cursor - b->o.rewind_ms * 1000
		                                                 : 1);
	buf_add(&u, "", 1);
	return u.data;
}

static void
bsky_connect(struct bsky *b)
{
	char *url = bsky_url(b), err[300];

	log_debug("source %s: connecting to %s", b->src.name, url);
	if (ws_connect(b->ws, url, err, sizeof(err)) < 0)
		log_warnx("source %s: %s", b->src.name, err);
	free(url);
}

static void
reconnect_cb(evutil_socket_t fd, short what, void *arg)
{
	bsky_connect(arg);
}

/* Full-jitter exponential backoff from reconnect up to backoff_max. */
static int64_t
bsky_backoff(struct bsky *b)
{
	int64_t d = b->o.reconnect_ms > 0 ? b->o.reconnect_ms : 100;
	uint32_t r;

	if (b->fails <= 1)
		return b->o.reconnect_ms;
	for (unsigned i = 1; i < b->fails && d < b->o.backoff_max_ms; i++)
		d *= 2;
	if (d > b->o.backoff_max_ms)
		d = b->o.backoff_max_ms;
	evutil_secure_rng_get_bytes(&r, sizeof(r));
	d = (int64_t)((double)d * ((double)r / 4294967296.0));
	return d < b->o.reconnect_ms ? b->o.reconnect_ms : d;
}

static void
bsky_up(struct bsky *b, int up)
{
	metrics_set("keluh_source_connected", b->labels, up);
	if (up != b->up) {
		b->up = up;
		b->up_changed = util_mono_ms();
	}
}

static void
on_state(void *arg, int up, const char *why)
{
	struct bsky *b = arg;
	char t[32];
	struct timeval tv;
	int64_t wait;
	int status;

	if (up) {
		log_info("source %s: connected to Jetstream%s", b->src.name,
		         b->cursor > 0 ? " (resuming from the saved cursor)" : "");
		b->status = 0;
		b->last_event = util_mono_ms();
		bsky_up(b, 1);
		return;
	}
	b->fails++;
	if (sscanf(why, "HTTP %d", &status) == 1)
		b->status = status;
	wait = bsky_backoff(b);
	bsky_up(b, 0);
	metrics_add("keluh_source_reconnects_total", b->labels, 1);
	log_warnx("source %s: %s; reconnecting in %s", b->src.name, why,
	          util_human_ms(wait, t, sizeof(t)));
	util_ms_to_tv(wait, &tv);
	evtimer_add(b->reconnect, &tv);
}

/* The cursor goes to the spool with the batch's mentions, or now and then without any. */
static void
on_batch_end(void *arg)
{
	struct bsky *b = arg;
	char v[32];

	if (b->cursor == b->saved ||
	    (!b->emitted && util_mono_ms() - b->saved_at < BSKY_CURSOR_EVERY_MS))
		return;
	snprintf(v, sizeof(v), "%" PRId64, b->cursor);
	source_cursor_set(&b->src, v, "the Jetstream cursor");
	b->saved = b->cursor;
	b->saved_at = util_mono_ms();
	b->emitted = 0;
}

static void
bad_event(struct bsky *b, const char *kind, const char *why)
{
	b->src.errors++;
	stream_count_error(b->src.name, kind);
	log_warnx("source %s: a message is %s; skipped", b->src.name, why);
}

/* A post: 1 taken, 0 skipped, -1 refused for now. */
static int
take_post(struct bsky *b, struct bluesky_event *ev)
{
	int rc;

	/*
	 * The rewind replays what the last run took (the cursor is stored in
	 * the pass of its mentions) and the ring did not survive the restart.
	 */
	if (ev->time_us > 0 && ev->time_us <= b->floor) {
		log_debug("source %s: %s was handled before the restart", b->src.name, ev->uri);
		source_skipped(&b->src, "seen_before");
		return 0;
	}
	if (source_recent_seen(&b->recent, ev->uri)) {
		log_debug("source %s: %s taken already", b->src.name, ev->uri);
		source_skipped(&b->src, "seen_before");
		return 0;
	}
	if (ev->links)
		log_debug("source %s: %s: %d link(s) written out in full", b->src.name, ev->uri,
		          ev->links);
	rc = source_take_item(&b->src, (char *const[SF__N]){NULL}, ev->mention);
	if (rc < 0)
		return -1;
	source_recent_add(&b->recent, ev->uri);
	b->emitted |= rc > 0;
	return rc;
}

static int
on_message(void *arg, const char *data, size_t len)
{
	struct bsky *b = arg;
	struct bluesky_event ev;
	char why[300];
	int rc = 0;

	b->last_event = util_mono_ms();
	if (utf8_valid_prefix(data, len) != len) {
		bad_event(b, "utf8", "not valid UTF-8");
		return 0;
	}
	if (bluesky_event_parse(data, len, handle_get, b, &ev, why, sizeof(why)) < 0) {
		bad_event(b, strncmp(why, "not JSON", 8) == 0 ? "json" : "mapping", why);
		return 0;
	}
	if (ev.mention)
		rc = take_post(b, &ev);
	else if (ev.skip)
		source_skipped(&b->src, ev.skip);
	if (ev.handle) {
		handle_put(b, ev.did, ev.handle);
		ev.did = ev.handle = NULL;
	}
	if (rc >= 0) {
		metrics_add_ref(&b->events_ref, "keluh_source_events_total", b->labels, 1);
		if (ev.time_us > b->cursor)
			b->cursor = ev.time_us;
	}
	bluesky_event_clear(&ev);
	return rc < 0 ? -1 : 0;
}

static void
on_refused(void *arg, const char *kind, size_t len)
{
	struct bsky *b = arg;

	b->src.errors++;
	stream_count_error(b->src.name, kind);
	if (strcmp(kind, "too_long") == 0)
		log_warnx("source %s: a message of %zu bytes or more is over max_event (%zu); "
		          "skipped",
		          b->src.name, len, b->o.max_event);
	else
		log_warnx("source %s: a %s message (Jetstream sends text; is compress set in the "
		          "url?); skipped",
		          b->src.name, kind);
}

static void
on_gap(void *arg)
{
	struct bsky *b = arg;

	metrics_bound_hit("ws_queue", "a WebSocket source's queue overflowed; it reconnects "
	                              "from its cursor");
	log_warnx("source %s: the queue overflowed; reconnecting from the cursor to read the "
	          "rest again",
	          b->src.name);
}

static void
stall_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bsky *b = arg;
	char t[32];

	/* a full queue is the loop's delay, not the server's silence */
	if (!b->up || util_mono_ms() - b->last_event < b->o.stall_ms || ws_pending(b->ws))
		return;
	log_warnx("source %s: no message for %s (stall); reconnecting", b->src.name,
	          util_human_ms(util_mono_ms() - b->last_event, t, sizeof(t)));
	stream_count_error(b->src.name, "stall");
	b->last_event = util_mono_ms();
	ws_close(b->ws);
}

static void
bsky_health(const struct source *src, struct stream_health *h)
{
	const struct bsky *b = (const struct bsky *)src;

	memset(h, 0, sizeof(*h));
	h->connected = b->up;
	h->status = b->status;
	h->since_ms = b->up_changed;
	h->last_event_ms = b->last_event;
}

static void
bsky_opts_free(struct bsky_opts *o)
{
	free(o->url);
	confp_free_strings(o->collections, o->ncollections);
	confp_free_strings(o->dids, o->ndids);
}

static void
bsky_stop(struct source *src)
{
	struct bsky *b = (struct bsky *)src;

	ws_free(b->ws); /* joins the thread first: nothing calls back after */
	if (b->reconnect)
		event_free(b->reconnect);
	if (b->stall)
		event_free(b->stall);
	source_recent_free(&b->recent);
	for (size_t i = 0; i < BSKY_HANDLES; i++) {
		free(b->handles[i].did);
		free(b->handles[i].handle);
	}
	free(b->handles);
	free(b->labels);
	bsky_opts_free(&b->o);
}

static char **
strs_copy(char *const *v, size_t n)
{
	char **c = xcalloc(n + 1, sizeof(char *));

	for (size_t i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

static struct source *
bsky_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn, void *arg,
           char *err, size_t errlen)
{
	const struct bsky_opts *o = cs->opts;
	struct bsky *b = source_new(sizeof(*b), env, cs, fn, arg, bsky_stop);
	struct ws_opts wo = {cs->name, o->max_event, BSKY_QUEUE};
	struct ws_handlers h = {on_message, on_state, on_refused, on_gap, on_batch_end, b};
	char *cur;
	struct timeval tv;

	b->o = *o;
	b->o.url = xstrdup(o->url);
	b->o.collections = strs_copy(o->collections, o->ncollections);
	b->o.dids = strs_copy(o->dids, o->ndids);
	b->handles = xcalloc(BSKY_HANDLES, sizeof(*b->handles));
	b->labels = xasprintf("source=\"%s\"", cs->name);
	b->up_changed = b->last_event = util_mono_ms();
	b->src.health_read = bsky_health;
	if ((cur = source_cursor_get(&b->src)) != NULL) {
		b->cursor = b->saved = b->floor =
		    strtoll(cur, NULL, 10) > 0 ? strtoll(cur, NULL, 10) : 0;
		free(cur);
	}
	b->reconnect = evtimer_new(env->base, reconnect_cb, b);
	b->stall = event_new(env->base, -1, EV_PERSIST, stall_cb, b);
	if ((b->ws = ws_new(env->base, &wo, &h, err, errlen)) == NULL) {
		source_stop(&b->src);
		return NULL;
	}
	metrics_set("keluh_source_connected", b->labels, 0);
	metrics_add("keluh_source_reconnects_total", b->labels, 0);
	metrics_add("keluh_source_events_total", b->labels, 0);
	if (b->o.stall_ms > 0) {
		util_ms_to_tv(b->o.stall_ms / 4 > 250 ? b->o.stall_ms / 4 : 250, &tv);
		evtimer_add(b->stall, &tv);
	}
	bsky_connect(b);
	return &b->src;
}

/* ---- configuration ----------------------------------------------------- */

static void
bsky_parse_lists(struct confp *L, struct bsky_opts *o, yaml_node_t *item)
{
	yaml_node_t *v;

	if ((v = ymap_get(L->yf, item, "collections")) != NULL) {
		confp_free_strings(o->collections, o->ncollections);
		o->collections = NULL;
		o->ncollections = 0;
		confp_strings(L, v, "collections", &o->collections, &o->ncollections);
		if (o->ncollections > 100)
			yerror(L->d, L->yf, v, "collections: Jetstream takes at most 100");
		for (size_t i = 0; i < o->ncollections; i++)
			if (*o->collections[i] == '\0' ||
			    strspn(o->collections[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR"
			                              "STUVWXYZ0123456789.-*") !=
			        strlen(o->collections[i]))
				yerror(L->d, L->yf, v,
				       "collections: '%s' is not a collection NSID "
				       "(like app.bsky.feed.post, or app.bsky.feed.*)",
				       o->collections[i]);
	}
	if ((v = ymap_get(L->yf, item, "dids")) != NULL) {
		confp_strings(L, v, "dids", &o->dids, &o->ndids);
		if (o->ndids > 10000)
			yerror(L->d, L->yf, v, "dids: Jetstream takes at most 10000");
		for (size_t i = 0; i < o->ndids; i++)
			if (!did_ok(o->dids[i]) || strchr(o->dids[i], '&'))
				yerror(L->d, L->yf, v,
				       "dids: '%s' is not a DID (like "
				       "did:plc:eygmaihciaxprqvxpfvl6flk)",
				       o->dids[i]);
	}
}

static void
bsky_parse_times(struct confp *L, struct bsky_opts *o, yaml_node_t *item)
{
	confp_duration(L, item, "rewind", &o->rewind_ms);
	confp_duration(L, item, "stall", &o->stall_ms);
	confp_duration(L, item, "reconnect", &o->reconnect_ms);
	confp_duration(L, item, "backoff_max", &o->backoff_max_ms);
	confp_size(L, item, "max_event", &o->max_event);
	if (ymap_get(L->yf, item, "stall") && o->stall_ms > 0 && o->stall_ms < 1000)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "stall"),
		       "stall must be at least 1s "
		       "(or 0 to turn the check off)");
	if (o->backoff_max_ms < o->reconnect_ms)
		yerror(L->d, L->yf,
		       ymap_get(L->yf, item, "backoff_max") ? ymap_get(L->yf, item, "backoff_max")
		                                            : item,
		       "backoff_max must not be shorter than reconnect");
	if (ymap_get(L->yf, item, "max_event") && o->max_event < 1024)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "max_event"),
		       "max_event must be at "
		       "least 1KB (a post is up to 3000 bytes of text)");
}

static void *
bsky_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	struct bsky_opts *o = xcalloc(1, sizeof(*o));
	struct ws_url u;
	const char *s;
	char err[300];

	o->url = xstrdup("wss://jetstream2.us-east.bsky.network/subscribe");
	o->collections = xcalloc(2, sizeof(char *));
	o->collections[0] = xstrdup("app.bsky.feed.post");
	o->ncollections = 1;
	o->rewind_ms = 5000;
	o->stall_ms = 30000; /* the post firehose is never quiet */
	o->reconnect_ms = 1000;
	o->backoff_max_ms = 5 * 60000;
	o->max_event = 256 * 1024;
	if (confp_string(L, item, "url", &s) == 0 && s) {
		if (ws_url_parse(&u, s, err, sizeof(err)) < 0)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "url"),
			       "url: %s (a Jetstream "
			       "address, like wss://jetstream2.us-east.bsky.network/subscribe)",
			       err);
		else {
			ws_url_free(&u);
			free(o->url);
			o->url = xstrdup(s);
		}
	}
	bsky_parse_lists(L, o, item);
	bsky_parse_times(L, o, item);
	source_health_parse(L, cs, item);
	return o;
}

static int
bsky_same(const void *va, const void *vb)
{
	const struct bsky_opts *a = va, *b = vb;

	return source_same_str(a->url, b->url) &&
	       source_same_strs(a->collections, a->ncollections, b->collections, b->ncollections) &&
	       source_same_strs(a->dids, a->ndids, b->dids, b->ndids) &&
	       a->rewind_ms == b->rewind_ms && a->stall_ms == b->stall_ms &&
	       a->reconnect_ms == b->reconnect_ms && a->backoff_max_ms == b->backoff_max_ms &&
	       a->max_event == b->max_event;
}

static void
bsky_free(void *opts)
{
	bsky_opts_free(opts);
	free(opts);
}

static const struct conf_key bsky_keys[] = {
    {"url", CONF_STRING},
    {"max_event", CONF_SIZE},
    {"stall", CONF_DURATION},
    {"reconnect", CONF_DURATION},
    {"backoff_max", CONF_DURATION},
    {"alert_after", CONF_DURATION},
    {"alert_to", CONF_LIST},
    {"collections", CONF_LIST},
    {"dids", CONF_LIST},
    {"rewind", CONF_DURATION},
    {NULL, 0},
};

const struct source_kind source_kind_bluesky = {
    .conf =
        {
            .name = "bluesky",
            .keys = bsky_keys,
            .parse = bsky_parse,
            .same = bsky_same,
            .free = bsky_free,
        },
    .start = bsky_start,
};
