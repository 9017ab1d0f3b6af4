#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "net/stream.h"
#include "sources/source.h"
#include "sources/source_queue.h"

/*
 * json-poll: GET a JSON API every interval; the items (an array at the
 * items pointer) are mapped like stream events. With a cursor pointer,
 * each item's cursor is compared with the greatest one taken so far: older
 * items are skipped, newer ones are taken oldest first and the cursor is
 * stored in the spool with each mention (same transaction), so a restart
 * resumes where the daemon stopped even when the API cannot filter. With
 * cursor_param the cursor is also sent (?since_id=...). ETag answers are
 * revalidated with If-None-Match.
 */
struct psrc {
	struct source src;
	struct stream *st;
	char *fields[SF__N];
	char *url, *items, *cursor_ptr, *cursor_param;
	char *labels;		/* source="name" */
	char *cursor;		/* greatest cursor taken */
	char *etag;
	/* items of the last answer not yet taken, oldest first; aux: the cursor */
	struct source_queue queue;
};

/* Cursors compare as numbers when both are digits (ids), else as text (timestamps). */
static int
cursor_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && lb && strspn(a, "0123456789") == la && strspn(b, "0123456789") == lb) {
		while (la > 1 && *a == '0')
			a++, la--;
		while (lb > 1 && *b == '0')
			b++, lb--;
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	return strcmp(a, b);
}

static char *
item_cursor(json_t *item, const char *ptr)
{
	json_t *v = stream_jptr_get(item, ptr);

	if (json_is_string(v))
		return xstrndup(json_string_value(v), json_string_length(v));
	if (json_is_integer(v))
		return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	return NULL;
}

static int
psrc_take(void *arg, json_t *item, void *aux)
{
	struct psrc *p = arg;
	const char *c = aux;

	/* an item that was not UTF-8 (NULL) is not taken, but the cursor passes it */
	if (item && source_take_item(&p->src, p->fields, item) < 0)
		return -1;
	if (c && (p->cursor == NULL || cursor_cmp(c, p->cursor) > 0)) {
		free(p->cursor);
		p->cursor = xstrdup(c);
		source_cursor_set(&p->src, p->cursor, "the cursor");
	}
	if (item)
		metrics_add("keluh_source_events_total", p->labels, 1);
	return 0;
}

/* Sorting by cursor: ties keep the answer's order. */
struct ord {
	json_t *item;
	char *cursor;
	size_t pos;
};

static int
ord_cmp(const void *a, const void *b)
{
	const struct ord *x = a, *y = b;
	int c = cursor_cmp(x->cursor, y->cursor);

	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * Parses an answer that is not all UTF-8 with each bad byte made \u0000,
 * which a JSON string can hold and text does not: the items that had such
 * bytes can then be skipped alone, and the rest taken. NULL when even so
 * it is not JSON.
 */
static json_t *
load_marked(const char *data, size_t len, json_error_t *je)
{
	struct buf b;
	size_t i = 0, good, bs;
	json_t *root;

	buf_init(&b);
	while (i < len) {
		good = utf8_valid_prefix(data + i, len - i);
		buf_add(&b, data + i, good);
		if ((i += good) == len)
			break;
		/* after an odd run of backslashes the marker's own one would be escaped */
		for (bs = 0; bs < b.len && b.data[b.len - 1 - bs] == '\\'; bs++)
			;
		buf_adds(&b, bs % 2 ? "u0000" : "\\u0000");
		i++;
	}
	root = json_loadb(b.data ? b.data : "", b.len, JSON_ALLOW_NUL, je);
	buf_free(&b);
	return root;
}

/* Whether a string in v holds a NUL: one of load_marked's markers. */
static int
has_nul(json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_string(v))
		return strlen(json_string_value(v)) != json_string_length(v);
	if (json_is_object(v)) {
		json_object_foreach(v, k, x)
			if (has_nul(x))
				return 1;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (has_nul(x))
				return 1;
	}
	return 0;
}

static void
psrc_body(void *arg, const char *data, size_t len, const char *etag)
{
	struct psrc *p = arg;
	json_t *root, *items;
	json_error_t je;
	struct ord *v;
	size_t n = 0, good = utf8_valid_prefix(data, len), skipped = 0;

	if (good != len && (root = load_marked(data, len, &je)) == NULL) {
		p->src.errors++;
		stream_count_error(p->src.name, "utf8");
		log_warnx("source %s: the answer is not valid UTF-8 (at byte %zu); skipped",
		    p->src.name, good);
		return;
	}
	if (good == len && (root = json_loadb(data, len, 0, &je)) == NULL) {
		p->src.errors++;
		stream_count_error(p->src.name, "json");
		log_warnx("source %s: the answer is not JSON (line %d, column %d: %s); skipped",
		    p->src.name, je.line, je.column, je.text);
		return;
	}
	items = stream_jptr_get(root, p->items ? p->items : "");
	if (!json_is_array(items)) {
		p->src.errors++;
		stream_count_error(p->src.name, "mapping");
		log_warnx("source %s: items %s is not a list in the answer; skipped", p->src.name,
		    p->items && *p->items ? p->items : "(the whole answer)");
		json_decref(root);
		return;
	}
	free(p->etag);
	p->etag = etag && *etag ? xstrdup(etag) : NULL;
	v = xcalloc(json_array_size(items) + 1, sizeof(*v));
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *item = json_array_get(items, i);
		char *c = NULL;

		if (p->cursor_ptr) {
			if ((c = item_cursor(item, p->cursor_ptr)) == NULL) {
				p->src.errors++;
				stream_count_error(p->src.name, "mapping");
				log_warnx("source %s: item %zu has no cursor at %s; skipped",
				    p->src.name, i, p->cursor_ptr);
				continue;
			}
			if (p->cursor && cursor_cmp(c, p->cursor) <= 0) {
				/* taken before (this run or the last) */
				free(c);
				skipped++;
				continue;
			}
		}
		if (good != len && has_nul(item)) {
			p->src.errors++;
			stream_count_error(p->src.name, "utf8");
			log_warnx("source %s: item %zu of the answer is not valid UTF-8; skipped",
			    p->src.name, i + 1);
			if (c == NULL)
				continue;
			/* queued empty: the cursor passes it, so the next answers skip it */
			item = NULL;
		}
		v[n].item = json_incref(item);
		v[n].cursor = c ? c : xstrdup("");
		v[n].pos = i;
		n++;
	}
	json_decref(root);
	if (p->cursor_ptr)
		qsort(v, n, sizeof(*v), ord_cmp);
	source_queue_clear(&p->queue);
	for (size_t i = 0; i < n; i++) {
		source_queue_push(&p->queue, v[i].item, p->cursor_ptr ? v[i].cursor : NULL);
		if (!p->cursor_ptr)
			free(v[i].cursor);
	}
	free(v);
	log_debug("source %s: %zu new item(s), %zu seen before", p->src.name, n, skipped);
	source_queue_drain(&p->queue);
}

static int
psrc_request(void *arg, struct stream *st)
{
	struct psrc *p = arg;

	if (source_queue_busy(&p->queue))
		return -1;	/* the last answer is not all taken yet */
	if (p->cursor_param && p->cursor) {
		char *esc = curl_easy_escape(NULL, p->cursor, 0);
		char *url = xasprintf("%s%c%s=%s", p->url, strchr(p->url, '?') ? '&' : '?',
		    p->cursor_param, esc ? esc : "");

		curl_free(esc);
		stream_set_url(st, url);
		free(url);
	}
	if (p->etag)
		source_add_header(st, "If-None-Match: %s", p->etag);
	return 0;
}

static void
psrc_stop(struct source *src)
{
	struct psrc *p = (struct psrc *)src;

	stream_free(p->st);
	source_queue_free(&p->queue);
	source_fields_free(p->fields);
	free(p->url);
	free(p->items);
	free(p->cursor_ptr);
	free(p->cursor_param);
	free(p->cursor);
	free(p->etag);
	free(p->labels);
}

/* json-poll's options: the network ones and where the items and their cursor are. */
struct poll_opts {
	struct source_net net;
	char *items;		/* pointer to the array of items ("" = the answer) */
	char *cursor;		/* pointer, inside an item, to its cursor */
	char *cursor_param;	/* query parameter that sends the cursor */
};

static struct source *
psrc_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn,
    void *arg, char *err, size_t errlen)
{
	const struct poll_opts *po = cs->opts;
	struct psrc *p;
	struct stream_opts o;

	if (source_need_http(env, "poll", err, errlen) < 0)
		return NULL;
	p = source_new(sizeof(*p), env, cs, fn, arg, psrc_stop);
	source_queue_init(&p->queue, env->base, p->src.name, 0, psrc_take, NULL, p);
	source_fields_copy(p->fields, po->net.fields);
	p->url = xstrdup(po->net.url);
	p->labels = xasprintf("source=\"%s\"", cs->name);
	p->items = po->items ? xstrdup(po->items) : NULL;
	p->cursor_ptr = po->cursor ? xstrdup(po->cursor) : NULL;
	p->cursor_param = po->cursor_param ? xstrdup(po->cursor_param) : NULL;
	if (p->cursor_ptr && (p->cursor = source_cursor_get(&p->src)))
		log_info("source %s: resuming after cursor %s", cs->name, p->cursor);
	source_stream_opts(&o, cs->name, &po->net, NULL, STREAM_POLL);
	p->st = source_stream_new(&p->src, env, &o,
	    &(struct stream_handlers){ .body = psrc_body, .request = psrc_request, .arg = p });
	return &p->src;
}

static void *
poll_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	struct poll_opts *po = xcalloc(1, sizeof(*po));
	yaml_node_t *v;
	const char *s;

	source_net_init(&po->net, 1);
	source_net_parse(L, cs, &po->net, item, NULL);
	if ((v = ymap_get(L->yf, item, "items")) != NULL)
		po->items = confp_jptr(L, v, "items");
	if ((v = ymap_get(L->yf, item, "cursor")) != NULL)
		po->cursor = confp_jptr(L, v, "cursor");
	if (confp_string(L, item, "cursor_param", &s) == 0 && s) {
		if (*s == '\0' || strpbrk(s, "&=?# "))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "cursor_param"),
			    "cursor_param: '%s' must be a plain query parameter name like since_id", s);
		else
			po->cursor_param = xstrdup(s);
		if (ymap_get(L->yf, item, "cursor") == NULL)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "cursor_param"),
			    "cursor_param needs cursor (the pointer to each item's cursor)");
	}
	source_health_parse(L, cs, item);
	return po;
}

static int
poll_same(const void *va, const void *vb)
{
	const struct poll_opts *a = va, *b = vb;

	return source_net_same(&a->net, &b->net) && source_same_str(a->items, b->items) &&
	    source_same_str(a->cursor, b->cursor) &&
	    source_same_str(a->cursor_param, b->cursor_param);
}

static void
poll_free(void *opts)
{
	struct poll_opts *po = opts;

	source_net_free(&po->net);
	free(po->items);
	free(po->cursor);
	free(po->cursor_param);
	free(po);
}

static const struct conf_key poll_keys[] = {
    {"url", CONF_STRING},           {"headers", CONF_MAP},       {"token_file", CONF_SECRET_FILE},
    {"fields", CONF_MAP},           {"max_event", CONF_SIZE},    {"reconnect", CONF_DURATION},
    {"backoff_max", CONF_DURATION}, {"interval", CONF_DURATION}, {"timeout", CONF_DURATION},
    {"items", CONF_JPTR},           {"cursor", CONF_JPTR},       {"cursor_param", CONF_STRING},
    {"alert_after", CONF_DURATION}, {"alert_to", CONF_LIST},     {NULL, 0},
};

const struct source_kind source_kind_json_poll = {
	.conf = {
		.name = "json-poll",
		.keys = poll_keys,
		.parse = poll_parse,
		.same = poll_same,
		.free = poll_free,
	},
	.start = psrc_start,
};
