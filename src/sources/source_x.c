#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mention.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "net/stream.h"
#include "sources/source.h"
#include "sources/source_brand.h"

/*
 * x: the X API v2 filtered stream (see X's developer documentation,
 * "Filtered stream" and "Handling disconnections"): NDJSON, one post per
 * line with its expansions, "\r\n" keep-alives at least every 20 s. The
 * stream core reconnects after stall (20 s by default) of silence and
 * waits as X demands (STREAM_BACKOFF_X). X has no resume position and may
 * send a post twice: the ids taken lately are remembered. The API renamed
 * some fields (referenced_posts, note_post); both spellings are read.
 */

#define X_DEFAULT_QUERY "tweet.fields=created_at,lang,author_id,referenced_tweets,note_tweet," \
	"entities&expansions=author_id&user.fields=username,name,verified,verified_type," \
	"public_metrics"

struct xsrc {
	struct source src;
	struct stream *st;
	int reblogs;
	struct source_brands brands;
	struct source_recent recent;
};

/* The first of two spellings that is there (X renamed fields in its schemas). */
static json_t *
x_get2(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	return v ? v : json_object_get(o, b);
}

/* An error object in the stream (operational-disconnect, TooManyConnections...). */
static void
x_errors(struct xsrc *x, json_t *errs)
{
	size_t i;
	json_t *e;

	json_array_foreach(errs, i, e) {
		const char *t = source_json_str(e, "title"), *d = source_json_str(e, "detail");

		x->src.errors++;
		stream_count_error(x->src.name, "stream_error");
		log_warnx("source %s: X says: %s%s%s", x->src.name, t ? t : "error", d ? ": " : "",
		    d ? d : "");
	}
}

/* The id of the post data references as type ("replied_to"...), or NULL. */
static const char *
x_ref_id(json_t *data, const char *type)
{
	json_t *refs = x_get2(data, "referenced_tweets", "referenced_posts"), *r;
	size_t i;

	json_array_foreach(refs, i, r) {
		const char *t = source_json_str(r, "type");

		if (t && strcmp(t, type) == 0)
			return source_json_str(r, "id") ? source_json_str(r, "id") : "";
	}
	return NULL;
}

static int
x_ref(json_t *data, const char *type)
{
	return x_ref_id(data, type) != NULL;
}

/* The author from includes.users (the author_id expansion). */
static json_t *
x_author(json_t *root, const char *author_id)
{
	json_t *users = json_object_get(json_object_get(root, "includes"), "users"), *u;
	size_t i;

	if (author_id == NULL)
		return NULL;
	json_array_foreach(users, i, u) {
		const char *id = source_json_str(u, "id");

		if (id && strcmp(id, author_id) == 0)
			return u;
	}
	return NULL;
}

static json_t *
x_mention(json_t *root, json_t *data, const char *id)
{
	json_t *m = json_object(), *u = x_author(root, source_json_str(data, "author_id")), *note, *v;
	const char *text = NULL, *user = NULL, *lang = source_json_str(data, "lang");
	char *s;

	/* a long post's whole text is in note_tweet; text has its first 280 characters */
	note = x_get2(data, "note_tweet", "note_post");
	if (json_is_object(note))
		text = source_json_str(note, "text");
	if (text == NULL)
		text = source_json_str(data, "text");
	s = xasprintf("x:%s", id);
	json_object_set_new(m, "id", json_string(s));
	free(s);
	json_object_set_new(m, "text", json_string(text ? text : ""));
	if (lang && strcmp(lang, "und") != 0)
		json_object_set_new(m, "lang", json_string(lang));
	if (source_json_str(data, "created_at"))
		json_object_set_new(m, "created_at", json_string(source_json_str(data, "created_at")));
	if (u) {
		json_t *a = json_object(), *pm = json_object_get(u, "public_metrics");
		const char *vt = source_json_str(u, "verified_type");

		if ((user = source_json_str(u, "username")) != NULL) {
			s = xasprintf("@%s", user);
			json_object_set_new(a, "handle", json_string(s));
			free(s);
		}
		if (source_json_str(u, "name"))
			json_object_set_new(a, "name", json_string(source_json_str(u, "name")));
		v = json_object_get(pm, "followers_count");
		if (json_is_integer(v) && json_integer_value(v) >= 0)
			json_object_set(a, "followers", v);
		json_object_set_new(a, "verified", json_boolean(json_is_true(json_object_get(u,
		    "verified")) || (vt && strcmp(vt, "none") != 0)));
		json_object_set_new(m, "author", a);
	}
	s = user ? xasprintf("https://x.com/%s/status/%s", user, id) :
	    xasprintf("https://x.com/i/web/status/%s", id);
	json_object_set_new(m, "url", json_string(s));
	free(s);
	if (x_ref(data, "replied_to"))
		json_object_set_new(m, "reply", json_true());
	if (x_ref(data, "retweeted"))
		json_object_set_new(m, "reblog", json_true());
	return m;
}

/*
 * A post by one of the brand's accounts (brand): a reply (referenced_tweets
 * replied_to) goes to the daemon as a reply record, anything else is
 * skipped. 1 handed over, 0 skipped, -1 refused for now.
 */
static int
x_brand(struct xsrc *x, json_t *data, const char *id, const char *brand)
{
	const char *to = x_ref_id(data, "replied_to"), *when = source_json_str(data, "created_at");
	char *rid = xasprintf("x:%s", id), *mid = to && *to ? xasprintf("x:%s", to) : NULL;
	int64_t at = 0;
	int rc;

	if (when && util_rfc3339_parse(when, &at) == 0)
		at *= 1000;
	rc = source_take_brand(&x->src, brand, mid, rid, at);
	free(rid);
	free(mid);
	return rc;
}

static int
x_event(void *arg, const struct stream_event *ev)
{
	struct xsrc *x = arg;
	size_t good = utf8_valid_prefix(ev->data, ev->len);
	json_error_t je;
	json_t *root, *data, *m;
	const char *id, *brand;
	int rc;

	if (good != ev->len) {
		x->src.errors++;
		stream_count_error(x->src.name, "utf8");
		log_warnx("source %s: a line is not valid UTF-8 (at byte %zu); skipped", x->src.name,
		    good);
		return 0;
	}
	if ((root = json_loadb(ev->data, ev->len, 0, &je)) == NULL) {
		x->src.errors++;
		stream_count_error(x->src.name, "json");
		log_warnx("source %s: a line is not JSON (column %d: %s); skipped", x->src.name,
		    je.column, je.text);
		return 0;
	}
	data = json_object_get(root, "data");
	if (!json_is_object(data)) {
		if (json_is_array(json_object_get(root, "errors")))
			x_errors(x, json_object_get(root, "errors"));
		else
			log_debug("source %s: a message that is not a post; skipped", x->src.name);
		json_decref(root);
		return 0;
	}
	if ((id = source_json_str(data, "id")) == NULL || source_json_str(data, "text") == NULL) {
		x->src.errors++;
		stream_count_error(x->src.name, "mapping");
		log_warnx("source %s: a post without id or text; skipped", x->src.name);
		json_decref(root);
		return 0;
	}
	if (source_recent_seen(&x->recent, id)) {
		/* X's documentation warns that the stream may deliver a post twice */
		log_debug("source %s: post %s taken already", x->src.name, id);
		json_decref(root);
		return 0;
	}
	if (!x->reblogs && x_ref(data, "retweeted")) {
		source_skipped(&x->src, "reblog");
		source_recent_add(&x->recent, id);
		json_decref(root);
		return 0;
	}
	/* the author as the X source reads it: the author_id expansion */
	brand = source_brands_find(&x->brands, SOURCE_PLATFORM_X, source_json_str(x_author(root,
	    source_json_str(data, "author_id")), "username"), NULL);
	if (brand)
		rc = x_brand(x, data, id, brand);
	else {
		m = x_mention(root, data, id);
		rc = source_take_item(&x->src, (char *const[SF__N]){ NULL }, m);
		json_decref(m);
	}
	if (rc >= 0)
		source_recent_add(&x->recent, id);
	json_decref(root);
	return rc < 0 ? -1 : 0;
}

static void
x_stop(struct source *src)
{
	struct xsrc *x = (struct xsrc *)src;

	stream_free(x->st);
	source_recent_free(&x->recent);
	source_brands_free(&x->brands);
}

/* x's options: the network ones (with X's defaults) and reblogs. */
struct x_opts {
	struct source_net net;
	int reblogs;
	struct source_brands brands;
};

static struct source *
x_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn,
    void *arg, char *err, size_t errlen)
{
	const struct x_opts *xo = cs->opts;
	struct xsrc *x;
	struct stream_opts o;
	char *url;

	if (source_need_http(env, "stream", err, errlen) < 0)
		return NULL;
	x = source_new(sizeof(*x), env, cs, fn, arg, x_stop);
	x->reblogs = xo->reblogs;
	source_brands_copy(&x->brands, &xo->brands);
	/* without fields and expansions X sends only id, text and the edit history ids */
	url = strchr(xo->net.url, '?') ? xstrdup(xo->net.url) : xasprintf("%s?%s", xo->net.url,
	    X_DEFAULT_QUERY);
	source_stream_opts(&o, cs->name, &xo->net, url, STREAM_NDJSON);
	o.backoff = STREAM_BACKOFF_X;
	x->st = source_stream_new(&x->src, env, &o,
	    &(struct stream_handlers){ .event = x_event, .arg = x });
	free(url);
	return &x->src;
}

static void *
x_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	struct x_opts *xo = xcalloc(1, sizeof(*xo));
	yaml_node_t *v;

	source_net_init(&xo->net, 0);
	xo->net.url = xstrdup("https://api.x.com/2/tweets/search/stream");
	xo->net.stall_ms = 20000;		/* X: keep-alives every 20 s at least */
	xo->net.reconnect_ms = 5000;		/* X: HTTP errors wait 5 s, doubling */
	xo->net.backoff_max_ms = 320000;	/* ... up to 320 s */
	source_net_parse(L, cs, &xo->net, item, NULL);
	if ((v = ymap_get(L->yf, item, "reblogs")) != NULL)
		yget_bool(L->d, L->yf, v, "reblogs", &xo->reblogs);
	source_brands_parse(L, item, SOURCE_PLATFORM_X, &xo->brands);
	source_health_parse(L, cs, item);
	return xo;
}

static int
x_same(const void *va, const void *vb)
{
	const struct x_opts *a = va, *b = vb;

	return source_net_same(&a->net, &b->net) && a->reblogs == b->reblogs &&
	    source_brands_same(&a->brands, &b->brands);
}

static void
x_free(void *opts)
{
	struct x_opts *xo = opts;

	source_net_free(&xo->net);
	source_brands_free(&xo->brands);
	free(xo);
}

/* the mapping is built in: no fields or events */
static const struct conf_key x_keys[] = {
    {"url", CONF_STRING},
    {"headers", CONF_MAP},
    {"token_file", CONF_SECRET_FILE},
    {"max_event", CONF_SIZE},
    {"stall", CONF_DURATION},
    {"reconnect", CONF_DURATION},
    {"backoff_max", CONF_DURATION},
    {"reblogs", CONF_BOOL},
    {"brand_accounts", CONF_LIST},
    {"alert_after", CONF_DURATION},
    {"alert_to", CONF_LIST},
    {NULL, 0},
};

const struct source_kind source_kind_x = {
	.conf = {
		.name = "x",
		.keys = x_keys,
		.parse = x_parse,
		.same = x_same,
		.free = x_free,
	},
	.start = x_start,
};
