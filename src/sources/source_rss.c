#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "net/stream.h"
#include "sources/feed.h"
#include "sources/source.h"
#include "sources/source_queue.h"

/* Item ids remembered: more than a feed lists at once (FEED_MAX_ITEMS), so its window fits. */
#define RSS_SEEN_MAX 2048
#define RSS_ACCEPT "application/rss+xml, application/atom+xml, application/xml;q=0.9, " \
	"text/xml;q=0.9, */*;q=0.8"
/* answer headers the stream keeps for us: Last-Modified goes back as If-Modified-Since */
static const char *const rss_keep[] = { "last-modified", NULL };

/*
 * rss: an RSS 2.0, RSS 1.0 or Atom feed (Google Alerts, review sites)
 * fetched every interval with If-None-Match / If-Modified-Since. A feed
 * lists its whole window on every answer, so an item is new when its id
 * (guid, Atom id, else the link) has not been seen: the ids seen are kept
 * as 64-bit hashes, most recent first, those of the last answer always
 * among them. The hashes, the newest item's date and the validators go to
 * the spool with every item taken, so a restart neither alerts an item
 * again nor misses one. The validators of an answer are stored only once
 * all its items are taken: a restart in between asks again without them
 * and gets the whole feed, not a 304.
 */
struct rsrc {
	struct source src;
	struct stream *st;
	char *labels;		/* source="name" */
	char *url;
	char *etag, *modified;	/* validators of the last answer wholly taken */
	char *pend_etag, *pend_modified;	/* of the answer being taken */
	uint64_t *seen;		/* id hashes, most recent first */
	size_t nseen;
	int64_t newest_ms;	/* the newest item date taken, or -1 */
	char *stored;		/* the cursor as last written */
	/* items of the last answer not yet taken, oldest first; aux: a struct rss_qaux */
	struct source_queue queue;
};

struct rss_qaux {
	uint64_t key;
	int64_t ms;
};

static int
rss_seen(const struct rsrc *r, uint64_t k)
{
	for (size_t i = 0; i < r->nseen; i++)
		if (r->seen[i] == k)
			return 1;
	return 0;
}

/* Puts k first; the least recent id is forgotten when the list is full. */
static void
rss_remember(struct rsrc *r, uint64_t k)
{
	size_t i;

	for (i = 0; i < r->nseen && r->seen[i] != k; i++)
		;
	if (i == r->nseen) {
		if (r->nseen < RSS_SEEN_MAX)
			r->nseen++;
		i = r->nseen - 1;
	}
	memmove(r->seen + 1, r->seen, i * sizeof(*r->seen));
	r->seen[0] = k;
}

static void
rss_store(struct rsrc *r)
{
	json_t *o = json_object(), *a = json_array();
	char hex[17], iso[40];
	char *s;

	if (r->src.spool == NULL)
		return;
	if (r->etag)
		json_object_set_new(o, "etag", json_string(r->etag));
	if (r->modified)
		json_object_set_new(o, "modified", json_string(r->modified));
	if (r->newest_ms >= 0) {
		util_iso8601(r->newest_ms, iso, sizeof(iso));
		json_object_set_new(o, "newest", json_string(iso));
	}
	for (size_t i = 0; i < r->nseen; i++) {
		snprintf(hex, sizeof(hex), "%016" PRIx64, r->seen[i]);
		json_array_append_new(a, json_string(hex));
	}
	json_object_set_new(o, "seen", a);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL || (r->stored && strcmp(s, r->stored) == 0)) {
		free(s);
		return;
	}
	source_cursor_set(&r->src, s, "the ids seen");
	free(r->stored);
	r->stored = s;
}

static char *
rss_jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) && json_string_length(v) ? xstrdup(json_string_value(v)) : NULL;
}

static void
rss_load(struct rsrc *r)
{
	char *s = source_cursor_get(&r->src);
	json_t *o, *a, *v;
	char *newest;
	size_t i;

	if (s == NULL)
		return;
	if ((o = json_loads(s, 0, NULL)) == NULL ||
	    !json_is_array(a = json_object_get(o, "seen"))) {
		log_warnx("source %s: the stored cursor is not an rss one; starting afresh",
		    r->src.name);
		json_decref(o);
		free(s);
		return;
	}
	r->etag = rss_jstr(o, "etag");
	r->modified = rss_jstr(o, "modified");
	json_array_foreach(a, i, v) {
		if (r->nseen < RSS_SEEN_MAX && json_is_string(v))
			r->seen[r->nseen++] = strtoull(json_string_value(v), NULL, 16);
	}
	newest = rss_jstr(o, "newest");
	r->newest_ms = newest ? feed_date(newest) : -1;
	log_info("source %s: resuming: %zu item(s) seen before%s%s", r->src.name, r->nseen,
	    newest ? ", the newest from " : "", newest ? newest : "");
	free(newest);
	json_decref(o);
	r->stored = s;
}

static int
rss_take(void *arg, json_t *item, void *aux)
{
	struct rsrc *r = arg;
	const struct rss_qaux *x = aux;
	int rc = source_take_item(&r->src, (char *const[SF__N]){ NULL }, item);

	if (rc < 0)
		return -1;
	/* taken, or counted as bad: either way not offered again */
	rss_remember(r, x->key);
	if (x->ms > r->newest_ms)
		r->newest_ms = x->ms;
	if (rc > 0)
		metrics_add("keluh_source_events_total", r->labels, 1);
	rss_store(r);
	return 0;
}

/* The whole answer is taken: its validators may be stored. */
static void
rss_taken(void *arg)
{
	struct rsrc *r = arg;

	free(r->etag);
	free(r->modified);
	r->etag = r->pend_etag;
	r->modified = r->pend_modified;
	r->pend_etag = r->pend_modified = NULL;
	rss_store(r);
}

static void rss_bad(struct rsrc *r, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
rss_bad(struct rsrc *r, const char *kind, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->src.errors++;
	stream_count_error(r->src.name, kind);
	log_warnx("source %s: %s", r->src.name, msg);
}

/* The mention object of an item. */
static json_t *
rss_mention(const struct feed_item *it)
{
	json_t *m = json_object();

	if (it->id) {
		char *id = xasprintf("rss:%s", it->id);

		json_object_set_new(m, "id", json_string(id));
		free(id);
	}
	json_object_set_new(m, "text", json_string(it->text));
	if (it->url)
		json_object_set_new(m, "url", json_string(it->url));
	if (it->created_at)
		json_object_set_new(m, "created_at", json_string(it->created_at));
	if (it->author) {
		json_t *a = json_object();

		json_object_set_new(a, "name", json_string(it->author));
		json_object_set_new(m, "author", a);
	}
	return m;
}

/* Oldest first: by date when every new item has one, else the reverse of the feed's order. */
struct rss_ord {
	json_t *m;
	uint64_t key;
	int64_t ms;
	size_t pos;
};

static int
rss_ord_cmp(const void *a, const void *b)
{
	const struct rss_ord *x = a, *y = b;

	if (x->ms != y->ms)
		return x->ms < y->ms ? -1 : 1;
	return x->pos > y->pos ? -1 : x->pos < y->pos;
}

static void
rss_body(void *arg, const char *data, size_t len, const char *etag)
{
	struct rsrc *r = arg;
	struct feed f;
	struct rss_ord *v;
	const char *lm;
	char err[400];
	size_t n = 0, old = 0;
	int dated = 1;

	if (feed_parse(&f, data, len, r->url, err, sizeof(err)) < 0) {
		rss_bad(r, "xml", "the feed is not usable: %s; skipped until the next poll", err);
		return;
	}
	if (f.nextra) {
		metrics_bound_hit("feed_items", "a feed lists more items than are read "
		    "(1000); the rest are ignored");
		log_warnx("source %s: the feed lists %zu items; the %zu after the first %d are "
		    "ignored", r->src.name, f.nitems + f.nextra, f.nextra, FEED_MAX_ITEMS);
	}
	v = xcalloc(f.nitems + 1, sizeof(*v));
	/* the ids of this answer stay remembered however many new ones come */
	for (size_t i = f.nitems; i-- > 0;) {
		const struct feed_item *it = &f.items[i];
		uint64_t k = util_hash_str(it->id ? it->id : it->text ? it->text : "");

		if ((it->id || it->text) && rss_seen(r, k)) {
			rss_remember(r, k);
			old++;
		}
	}
	for (size_t i = 0; i < f.nitems; i++) {
		const struct feed_item *it = &f.items[i];
		uint64_t k;

		int dup = 0;

		if (it->id == NULL && it->text == NULL) {
			/* nothing to know it by: counted on every poll that lists it */
			rss_bad(r, "mapping", "item %zu has no id, link, title or text; skipped",
			    i + 1);
			continue;
		}
		k = util_hash_str(it->id ? it->id : it->text);
		for (size_t j = 0; j < n; j++)
			dup |= v[j].key == k;
		if (dup || rss_seen(r, k))
			continue;
		/* a bad item is remembered too: counted once, not on every poll that lists it */
		if (it->bad_utf8) {
			rss_remember(r, k);
			rss_bad(r, "utf8", "item %zu of the feed is not valid UTF-8; skipped",
			    i + 1);
			continue;
		}
		if (it->text == NULL) {
			rss_remember(r, k);
			rss_bad(r, "mapping", "item %s has no title or text; skipped", it->id);
			continue;
		}
		v[n].m = rss_mention(it);
		v[n].key = k;
		v[n].ms = it->created_ms;
		v[n].pos = i;
		dated &= it->created_ms >= 0;
		n++;
	}
	feed_free(&f);
	if (!dated)
		for (size_t i = 0; i < n; i++)
			v[i].ms = 0;
	qsort(v, n, sizeof(*v), rss_ord_cmp);
	source_queue_clear(&r->queue);
	for (size_t i = 0; i < n; i++) {
		struct rss_qaux *x = xcalloc(1, sizeof(*x));

		x->key = v[i].key;
		x->ms = v[i].ms;
		source_queue_push(&r->queue, v[i].m, x);
	}
	free(v);
	free(r->pend_etag);
	free(r->pend_modified);
	r->pend_etag = etag && *etag ? xstrdup(etag) : NULL;
	lm = stream_header(r->st, "last-modified");
	r->pend_modified = lm && *lm ? xstrdup(lm) : NULL;
	log_debug("source %s: %zu new item(s), %zu seen before", r->src.name, n, old);
	source_queue_drain(&r->queue);
}

static void
rss_not_modified(void *arg)
{
	struct rsrc *r = arg;

	log_debug("source %s: not modified", r->src.name);
}

static int
rss_request(void *arg, struct stream *st)
{
	struct rsrc *r = arg;

	if (source_queue_busy(&r->queue))
		return -1;	/* the last answer is not all taken yet */
	if (r->etag)
		source_add_header(st, "If-None-Match: %s", r->etag);
	if (r->modified)
		source_add_header(st, "If-Modified-Since: %s", r->modified);
	return 0;
}

static void
rss_stop(struct source *src)
{
	struct rsrc *r = (struct rsrc *)src;

	stream_free(r->st);
	source_queue_free(&r->queue);
	free(r->seen);
	free(r->etag);
	free(r->modified);
	free(r->pend_etag);
	free(r->pend_modified);
	free(r->stored);
	free(r->labels);
	free(r->url);
}

static struct source *
rss_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn,
    void *arg, char *err, size_t errlen)
{
	const struct source_net *n = cs->opts;
	struct rsrc *r;
	struct stream_opts o;

	if (source_need_http(env, "poll", err, errlen) < 0)
		return NULL;
	r = source_new(sizeof(*r), env, cs, fn, arg, rss_stop);
	/* a feed is read up to FEED_MAX_ITEMS, so its answer always fits */
	source_queue_init(&r->queue, env->base, r->src.name, FEED_MAX_ITEMS, rss_take, rss_taken, r);
	r->labels = xasprintf("source=\"%s\"", cs->name);
	r->url = xstrdup(n->url);
	r->seen = xcalloc(RSS_SEEN_MAX, sizeof(*r->seen));
	r->newest_ms = -1;
	rss_load(r);
	source_stream_opts(&o, cs->name, n, NULL, STREAM_POLL);
	o.accept = RSS_ACCEPT;
	o.keep_headers = rss_keep;
	r->st = source_stream_new(&r->src, env, &o,
	    &(struct stream_handlers){ .body = rss_body, .not_modified = rss_not_modified,
	    .request = rss_request, .arg = r });
	return &r->src;
}

static void *
rss_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	struct source_net *n = xmalloc(sizeof(*n));

	source_net_init(n, 1);
	/* feeds change slowly and their hosts ask to be polled gently */
	n->interval_ms = 5 * 60000;
	source_net_parse(L, cs, n, item, NULL);
	source_health_parse(L, cs, item);
	return n;
}

static int
rss_same(const void *a, const void *b)
{
	return source_net_same(a, b);
}

static void
rss_free(void *opts)
{
	source_net_free(opts);
	free(opts);
}

/* the mapping is built in: no fields, items or cursor */
static const struct conf_key rss_keys[] = {
    {"url", CONF_STRING},
    {"headers", CONF_MAP},
    {"token_file", CONF_SECRET_FILE},
    {"max_event", CONF_SIZE},
    {"reconnect", CONF_DURATION},
    {"backoff_max", CONF_DURATION},
    {"interval", CONF_DURATION},
    {"timeout", CONF_DURATION},
    {"alert_after", CONF_DURATION},
    {"alert_to", CONF_LIST},
    {NULL, 0},
};

const struct source_kind source_kind_rss = {
	.conf = {
		.name = "rss",
		.keys = rss_keys,
		.parse = rss_parse,
		.same = rss_same,
		.free = rss_free,
	},
	.start = rss_start,
};
