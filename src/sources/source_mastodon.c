#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "engine/mention.h"
#include "lib/htmltext.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "net/curlev.h"
#include "net/stream.h"
#include "sources/source.h"
#include "sources/source_brand.h"
#include "sources/source_queue.h"

/*
 * mastodon: a Mastodon streaming timeline (SSE) read with a user token.
 * Mastodon's streaming server sends no SSE id: field, so Last-Event-ID
 * cannot resume a stream and a gap is filled through REST: whenever the
 * stream (re)connects, the timeline is read with min_id=<the greatest
 * status id handled>, page after page, oldest first, while the stream's
 * events wait in the stream core (the transfer pauses if they pile up).
 * The greatest id is kept in the spool, so a restart backfills too.
 * Statuses seen in both the backfill and the stream are taken once: the
 * ids taken lately are remembered (not only the greatest: a federated
 * status may arrive with an older id).
 */

#define MS_PAGE 40		/* Mastodon's largest page */
#define MS_PAGES_MAX 25		/* a longer gap is a flood: the rest is left */
#define MS_BODY_MAX (8 * 1024 * 1024)
#define MS_TIMEOUT_MS 30000

struct msrc {
	struct source src;
	struct stream *st;
	struct curlev *ce;
	char *host;		/* the instance, for mention ids */
	char *timeline;		/* the REST timeline of the stream (a URL) */
	char *token;
	char **headers;
	size_t nheaders;
	char *labels;
	int reblogs;
	struct source_brands brands;
	char *last;		/* the greatest status id handled: the cursor */
	char *floor;		/* the cursor at start: the last run handled up to here */
	struct source_recent recent;

	/* the backfill; the stream's events wait while it runs */
	int filling;
	CURL *easy;
	struct curl_slist *hdrs;
	struct buf body;
	int pages;
	struct source_queue page;	/* the answer's statuses not yet taken, oldest first */
	size_t page_n;			/* how many the answer listed */
	unsigned long filled;
};

static void
ms_advance(struct msrc *s, const char *id)
{
	if (s->last && source_idcmp(id, s->last) <= 0)
		return;
	free(s->last);
	s->last = xstrdup(id);
	/* with the mention, in the same spool transaction when there is one */
	source_cursor_set(&s->src, id, "the last status id");
}

/* The text a person reads: the content warning, then the post. */
static json_t *
ms_text(json_t *st)
{
	const char *cw = source_json_str(st, "spoiler_text"), *html = source_json_str(st, "content");
	struct buf b;
	json_t *t;

	buf_init(&b);
	if (cw && *cw) {
		htmltext(&b, cw, strlen(cw));
		buf_adds(&b, "\n\n");
	}
	if (html)
		htmltext(&b, html, strlen(html));
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' '))
		b.len--;
	t = b.len ? json_stringn(b.data, source_utf8_fit(b.data, b.len, MENTION_MAX_TEXT)) : NULL;
	buf_free(&b);
	return t;
}

/* The mention object for a status (or NULL when it has no text). */
static json_t *
ms_mention(const struct msrc *s, json_t *st, const char *mid)
{
	json_t *acct = json_object_get(st, "account"), *m, *a, *text, *v;
	const char *url = source_json_str(st, "url");
	int verified = 0;
	size_t i;

	if ((text = ms_text(st)) == NULL)
		return NULL;
	m = json_object();
	json_object_set_new(m, "id", json_string(mid));
	json_object_set_new(m, "text", text);
	if (url || (url = source_json_str(st, "uri")) != NULL)
		json_object_set_new(m, "url", json_string(url));
	if (source_json_str(st, "language"))
		json_object_set_new(m, "lang", json_string(source_json_str(st, "language")));
	if (source_json_str(st, "created_at"))
		json_object_set_new(m, "created_at", json_string(source_json_str(st, "created_at")));
	if (json_is_object(acct)) {
		a = json_object();
		if (source_json_str(acct, "acct")) {
			char *h = xasprintf("@%s", source_json_str(acct, "acct"));

			json_object_set_new(a, "handle", json_string(h));
			free(h);
		}
		if (source_json_str(acct, "display_name") && *source_json_str(acct, "display_name"))
			json_object_set_new(a, "name", json_string(source_json_str(acct, "display_name")));
		v = json_object_get(acct, "followers_count");
		if (json_is_integer(v) && json_integer_value(v) >= 0)
			json_object_set(a, "followers", v);
		/* Mastodon has no verified accounts; a verified profile link is the nearest */
		json_array_foreach(json_object_get(acct, "fields"), i, v)
			if (source_json_str(v, "verified_at"))
				verified = 1;
		json_object_set_new(a, "verified", json_boolean(verified));
		json_object_set_new(m, "author", a);
	}
	return m;
}

/*
 * A status by one of the brand's accounts (brand): a reply goes to the
 * daemon as a reply record (in_reply_to_id is a status of the instance
 * read, named as its mention would be), anything else is skipped. An edit
 * is skipped too: the answer was given when the first version came.
 */
static int
ms_brand(struct msrc *s, json_t *st, const char *id, int edit, const char *brand)
{
	const char *to = source_json_str(st, "in_reply_to_id"), *when;
	char *rid, *mid = NULL;
	int64_t at = 0;
	int rc;

	if (edit) {
		source_skipped(&s->src, "brand_edit");
		return 0;
	}
	if ((when = source_json_str(st, "created_at")) != NULL && util_rfc3339_parse(when, &at) == 0)
		at *= 1000;
	rid = xasprintf("mastodon:%s:%s", s->host, id);
	if (to && *to)
		mid = xasprintf("mastodon:%s:%s", s->host, to);
	rc = source_take_brand(&s->src, brand, mid, rid, at);
	free(rid);
	free(mid);
	return rc;
}

/* A status that is not the brand's, as a mention: 1 taken, 0 skipped, -1 refused for now. */
static int
ms_take(struct msrc *s, json_t *st, const char *id, int edit, int reblog)
{
	char *mid;
	json_t *m;
	int rc;

	if (json_is_string(json_object_get(st, "in_reply_to_id")))
		source_skipped(&s->src, "reply_kept");
	mid = edit ? xasprintf("mastodon:%s:%s:edited:%s", s->host, id,
	    source_json_str(st, "edited_at") ? source_json_str(st, "edited_at") : "") :
	    xasprintf("mastodon:%s:%s", s->host, id);
	m = ms_mention(s, st, mid);
	free(mid);
	if (m == NULL) {
		source_skipped(&s->src, "no_text");
		return 0;
	}
	if (json_is_string(json_object_get(st, "in_reply_to_id")))
		json_object_set_new(m, "reply", json_true());
	if (reblog)
		json_object_set_new(m, "reblog", json_true());
	rc = source_take_item(&s->src, (char *const[SF__N]){ NULL }, m);
	json_decref(m);
	return rc;
}

/*
 * One status, from the stream or the backfill: 1 taken, 0 skipped (a
 * repeat, a reblog, no text, the brand's own), -1 when the daemon cannot
 * take it now.
 */
static int
ms_status(struct msrc *s, json_t *st, int edit)
{
	const char *id = source_json_str(st, "id"), *outer = id, *brand;
	json_t *reblog = json_object_get(st, "reblog");
	char *key;
	int rc;

	if (id == NULL || *id == '\0') {
		s->src.errors++;
		stream_count_error(s->src.name, "mapping");
		log_warnx("source %s: a status without an id; skipped", s->src.name);
		return 0;
	}
	/* an edit is a new version to read: its key has the edit time */
	key = edit ? xasprintf("%s@%s", id, source_json_str(st, "edited_at") ?
	    source_json_str(st, "edited_at") : "") : xstrdup(id);
	/*
	 * Taken by the last run (the recent ids did not survive the restart).
	 * A late federated status with an older id is lost here, once, right
	 * after a restart: the price of never sending a status twice.
	 */
	if (!edit && s->floor && source_idcmp(id, s->floor) <= 0) {
		log_debug("source %s: status %s was handled before the restart", s->src.name, id);
		source_skipped(&s->src, "seen_before");
		free(key);
		return 0;
	}
	if (source_recent_seen(&s->recent, key)) {
		log_debug("source %s: status %s taken already", s->src.name, key);
		free(key);
		return 0;
	}
	if (json_is_object(reblog)) {
		if (!s->reblogs) {
			/* a boost repeats a post; the original is what matters */
			source_skipped(&s->src, "reblog");
			source_recent_add(&s->recent, key);
			ms_advance(s, id);
			free(key);
			return 0;
		}
		st = reblog;
		if ((id = source_json_str(st, "id")) == NULL) {
			free(key);
			return 0;
		}
	}
	brand = source_brands_find(&s->brands, SOURCE_PLATFORM_MASTODON,
	    source_json_str(json_object_get(st, "account"), "acct"), s->host);
	rc = brand ? ms_brand(s, st, id, edit, brand) : ms_take(s, st, id, edit,
	    json_is_object(reblog));
	if (rc < 0) {
		free(key);
		return -1;
	}
	source_recent_add(&s->recent, key);
	if (json_is_object(reblog))
		source_recent_add(&s->recent, id);	/* the original, if it comes by itself later */
	/* the cursor is the timeline's id: a boost's own, not its original's */
	ms_advance(s, outer);
	free(key);
	return rc;
}

/* ---- the backfill ---------------------------------------------------- */

static void ms_fill_start(struct msrc *s);

static void
ms_fill_end(struct msrc *s, const char *why)
{
	source_queue_clear(&s->page);
	s->page_n = 0;
	s->filling = 0;
	if (why)
		log_warnx("source %s: backfill after %s: %s; statuses posted while disconnected "
		    "may be missing", s->src.name, s->last ? s->last : "-", why);
	else if (s->filled)
		log_info("source %s: backfilled %lu status(es) missed while disconnected",
		    s->src.name, s->filled);
	else
		log_debug("source %s: backfill: nothing missed", s->src.name);
}

static int
ms_fill_take(void *arg, json_t *st, void *aux)
{
	struct msrc *s = arg;
	int rc = ms_status(s, st, 0);

	if (rc < 0)
		return -1;
	s->filled += rc > 0;
	metrics_add("keluh_source_events_total", s->labels, 1);
	return 0;
}

/* A page is taken: the next one, or the end of the backfill. */
static void
ms_fill_next(void *arg)
{
	struct msrc *s = arg;

	if (s->page_n >= MS_PAGE && s->pages < MS_PAGES_MAX) {
		ms_fill_start(s);
		return;
	}
	ms_fill_end(s, s->page_n >= MS_PAGE ? "the gap is longer than the pages read at once; "
	    "the oldest were read" : NULL);
}

static int
ms_page_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *ix = source_json_str(x, "id"), *iy = source_json_str(y, "id");

	return source_idcmp(ix ? ix : "", iy ? iy : "");
}

static void
ms_fill_done(void *arg, CURL *easy, CURLcode rc)
{
	struct msrc *s = arg;
	long status = 0;
	json_error_t je;
	json_t *root, **v;
	size_t n;
	char why[300], *tofree = NULL;
	const char *to;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	if ((to = curlev_refused_redirect(easy, rc)) != NULL)
		to = tofree = xstrdup(to);
	curl_easy_cleanup(easy);
	s->easy = NULL;
	curl_slist_free_all(s->hdrs);
	s->hdrs = NULL;
	if (rc != CURLE_OK || status != 200) {
		if (to)
			snprintf(why, sizeof(why), "HTTP %ld redirected to another host: %.100s; the "
			    "token is not sent there: set url to the new address", status, to);
		else if (rc != CURLE_OK)
			snprintf(why, sizeof(why), "%s", curl_easy_strerror(rc));
		else
			snprintf(why, sizeof(why), "HTTP %ld%s", status, status == 401 ||
			    status == 403 ? " (the token cannot read this timeline)" : status == 429 ?
			    " (rate limited)" : "");
		stream_count_error(s->src.name, to ? "redirect" : "backfill");
		free(tofree);
		ms_fill_end(s, why);
		return;
	}
	root = json_loadb(s->body.data ? s->body.data : "", s->body.len, 0, &je);
	if (!json_is_array(root)) {
		json_decref(root);
		stream_count_error(s->src.name, "backfill");
		ms_fill_end(s, "the timeline answer is not a JSON list");
		return;
	}
	/* the answer is newest first; the gap is taken oldest first */
	n = json_array_size(root);
	v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(root, i);
	qsort(v, n, sizeof(*v), ms_page_cmp);
	source_queue_clear(&s->page);
	for (size_t i = 0; i < n; i++)
		if (json_is_object(v[i]) && source_json_str(v[i], "id"))
			source_queue_push(&s->page, json_incref(v[i]), NULL);
	free(v);
	json_decref(root);
	s->page_n = n;
	s->pages++;
	log_debug("source %s: backfill page %d: %zu status(es)", s->src.name, s->pages, n);
	source_queue_drain(&s->page);
}

static size_t
ms_fill_write(char *p, size_t size, size_t n, void *arg)
{
	struct msrc *s = arg;

	if (s->body.len + size * n > MS_BODY_MAX)
		return 0;
	buf_add(&s->body, p, size * n);
	return size * n;
}

static void
ms_fill_start(struct msrc *s)
{
	char *url, *h, *esc = curl_easy_escape(NULL, s->last, 0);
	CURL *e;

	url = xasprintf("%s%cmin_id=%s&limit=%d", s->timeline, strchr(s->timeline, '?') ? '&' :
	    '?', esc ? esc : "", MS_PAGE);
	curl_free(esc);
	buf_reset(&s->body);
	for (size_t i = 0; i < s->nheaders; i++)
		s->hdrs = curl_slist_append(s->hdrs, s->headers[i]);
	h = xasprintf("Authorization: Bearer %s", s->token ? s->token : "");
	if (s->token)
		s->hdrs = curl_slist_append(s->hdrs, h);
	explicit_bzero(h, strlen(h));
	free(h);
	s->hdrs = curl_slist_append(s->hdrs, "Accept: application/json");
	if ((e = curl_easy_init()) == NULL) {
		free(url);
		ms_fill_end(s, "curl_easy_init failed");
		return;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->hdrs);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "keluh/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ms_fill_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
	curlev_same_origin(e);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)MS_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	free(url);
	s->filling = 1;
	s->easy = e;
	if (curlev_add(s->ce, e, ms_fill_done, s) < 0) {
		curl_easy_cleanup(e);
		s->easy = NULL;
		curl_slist_free_all(s->hdrs);
		s->hdrs = NULL;
		ms_fill_end(s, "cannot start the request");
	}
}

/* ---- the stream ------------------------------------------------------ */

/* Before every connection: fill the gap since the last status handled. */
static int
ms_request(void *arg, struct stream *st)
{
	struct msrc *s = arg;

	if (s->last && !s->filling) {
		s->pages = 0;
		s->filled = 0;
		ms_fill_start(s);
	}
	return 0;
}

static int
ms_event(void *arg, const struct stream_event *ev)
{
	struct msrc *s = arg;
	int edit = strcmp(ev->type, "status.update") == 0;
	size_t good;
	json_error_t je;
	json_t *v;
	int rc;

	if (!edit && strcmp(ev->type, "update") != 0)
		return 0;	/* delete, notification, filters_changed... */
	if (s->filling)
		return -1;	/* after the backfill: the gap comes first */
	if ((good = utf8_valid_prefix(ev->data, ev->len)) != ev->len) {
		s->src.errors++;
		stream_count_error(s->src.name, "utf8");
		log_warnx("source %s: an event is not valid UTF-8 (at byte %zu); skipped",
		    s->src.name, good);
		return 0;
	}
	if ((v = json_loadb(ev->data, ev->len, 0, &je)) == NULL || !json_is_object(v)) {
		s->src.errors++;
		stream_count_error(s->src.name, "json");
		log_warnx("source %s: an %s event is not a JSON status (column %d: %s); skipped",
		    s->src.name, ev->type, v ? 0 : je.column, v ? "not an object" : je.text);
		json_decref(v);
		return 0;
	}
	rc = ms_status(s, v, edit);
	json_decref(v);
	return rc < 0 ? -1 : 0;
}

static void
ms_stop(struct source *src)
{
	struct msrc *s = (struct msrc *)src;

	stream_free(s->st);
	if (s->easy) {
		curlev_cancel(s->ce, s->easy);
		curl_easy_cleanup(s->easy);
	}
	curl_slist_free_all(s->hdrs);
	source_queue_free(&s->page);
	buf_free(&s->body);
	source_recent_free(&s->recent);
	source_brands_free(&s->brands);
	for (size_t i = 0; i < s->nheaders; i++)
		free(s->headers[i]);
	free(s->headers);
	if (s->token) {
		explicit_bzero(s->token, strlen(s->token));
		free(s->token);
	}
	free(s->host);
	free(s->timeline);
	free(s->labels);
	free(s->last);
	free(s->floor);
}

/* The host of a URL, without port or credentials. */
static char *
ms_host(const char *url)
{
	const char *p = strstr(url, "://"), *e, *at;

	p = p ? p + 3 : url;
	e = p + strcspn(p, "/?#");
	if ((at = memchr(p, '@', (size_t)(e - p))) != NULL)
		p = at + 1;
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(e - p));

		return xstrndup(p + 1, rb ? (size_t)(rb - p - 1) : (size_t)(e - p - 1));
	}
	return xstrndup(p, strcspn(p, ":/?#"));
}

/* mastodon's options: the network ones, the stream and its tag or list, reblogs. */
struct mastodon_opts {
	struct source_net net;
	char *stream;		/* public, public:local, public:remote, hashtag... (NULL: public) */
	char *tag;
	char *list;
	int reblogs;
	struct source_brands brands;
};

/* The stream's URL (returned) and its REST timeline (s->timeline). */
static char *
ms_urls(struct msrc *s, const struct mastodon_opts *mo)
{
	const char *stream = mo->stream ? mo->stream : "public";
	char *base, *url, *tag = NULL, *list = NULL;

	base = source_url_base(mo->net.url);
	if (mo->tag)
		tag = curl_easy_escape(NULL, mo->tag, 0);
	if (mo->list)
		list = curl_easy_escape(NULL, mo->list, 0);
	if (strcmp(stream, "public:local") == 0) {
		url = xasprintf("%s/api/v1/streaming/public/local", base);
		s->timeline = xasprintf("%s/api/v1/timelines/public?local=true", base);
	} else if (strcmp(stream, "public:remote") == 0) {
		url = xasprintf("%s/api/v1/streaming/public/remote", base);
		s->timeline = xasprintf("%s/api/v1/timelines/public?remote=true", base);
	} else if (strcmp(stream, "hashtag") == 0) {
		url = xasprintf("%s/api/v1/streaming/hashtag?tag=%s", base, tag ? tag : "");
		s->timeline = xasprintf("%s/api/v1/timelines/tag/%s", base, tag ? tag : "");
	} else if (strcmp(stream, "hashtag:local") == 0) {
		url = xasprintf("%s/api/v1/streaming/hashtag/local?tag=%s", base, tag ? tag : "");
		s->timeline = xasprintf("%s/api/v1/timelines/tag/%s?local=true", base, tag ? tag : "");
	} else if (strcmp(stream, "user") == 0) {
		url = xasprintf("%s/api/v1/streaming/user", base);
		s->timeline = xasprintf("%s/api/v1/timelines/home", base);
	} else if (strcmp(stream, "list") == 0) {
		url = xasprintf("%s/api/v1/streaming/list?list=%s", base, list ? list : "");
		s->timeline = xasprintf("%s/api/v1/timelines/list/%s", base, list ? list : "");
	} else {
		url = xasprintf("%s/api/v1/streaming/public", base);
		s->timeline = xasprintf("%s/api/v1/timelines/public", base);
	}
	curl_free(tag);
	curl_free(list);
	free(base);
	return url;
}

static struct source *
ms_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn,
    void *arg, char *err, size_t errlen)
{
	const struct mastodon_opts *mo = cs->opts;
	struct msrc *s;
	struct stream_opts o;
	char *url;

	if (source_need_http(env, "stream", err, errlen) < 0)
		return NULL;
	s = source_new(sizeof(*s), env, cs, fn, arg, ms_stop);
	s->ce = env->ce;
	/* bounded by the answer: one page of MS_BODY_MAX bytes at most */
	source_queue_init(&s->page, env->base, s->src.name, 0, ms_fill_take, ms_fill_next, s);
	s->reblogs = mo->reblogs;
	source_brands_copy(&s->brands, &mo->brands);
	s->token = mo->net.token ? xstrdup(mo->net.token) : NULL;
	s->headers = xcalloc(mo->net.nheaders + 1, sizeof(char *));
	for (size_t i = 0; i < mo->net.nheaders; i++)
		s->headers[i] = xstrdup(mo->net.headers[i]);
	s->nheaders = mo->net.nheaders;
	s->host = ms_host(mo->net.url);
	s->labels = xasprintf("source=\"%s\"", cs->name);
	buf_init(&s->body);
	url = ms_urls(s, mo);
	if ((s->last = source_cursor_get(&s->src)) != NULL)
		s->floor = xstrdup(s->last);
	if (s->last)
		log_info("source %s: resuming after status %s (backfilling the gap)", cs->name,
		    s->last);
	source_stream_opts(&o, cs->name, &mo->net, url, STREAM_SSE);
	s->st = source_stream_new(&s->src, env, &o,
	    &(struct stream_handlers){ .event = ms_event, .request = ms_request, .arg = s });
	free(url);
	return &s->src;
}

static const char *const mastodon_streams[] = { "public", "public:local", "public:remote",
	"hashtag", "hashtag:local", "user", "list" };

/* stream: one of mastodon_streams (NULL when not given: public). */
static void
ms_parse_stream(struct confp *L, struct mastodon_opts *mo, yaml_node_t *item)
{
	size_t i, n = sizeof(mastodon_streams) / sizeof(mastodon_streams[0]);
	const char *s;

	if (confp_string(L, item, "stream", &s) < 0)
		return;
	for (i = 0; s && i < n; i++)
		if (strcmp(s, mastodon_streams[i]) == 0)
			break;
	if (s && i == n) {
		const char *sug = diag_suggest(s, mastodon_streams, n);

		yerror(L->d, L->yf, ymap_get(L->yf, item, "stream"), "unknown Mastodon stream "
		    "'%s'%s%s%s; use public, public:local, public:remote, hashtag, "
		    "hashtag:local, user or list", s, sug ? "; did you mean '" : "",
		    sug ? sug : "", sug ? "'?" : "");
	} else
		mo->stream = xstrdup(s ? s : "public");
}

/* tag and list, and whether the stream has what it needs. */
static void
ms_parse_target(struct confp *L, struct mastodon_opts *mo, yaml_node_t *item)
{
	const char *s;

	if (confp_string(L, item, "tag", &s) == 0 && s) {
		if (*s == '#')
			s++;
		if (*s == '\0' || strpbrk(s, "#&?/= "))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "tag"), "tag: '%s' must be one "
			    "hashtag name, like acme (without #)", s);
		else
			mo->tag = xstrdup(s);
	}
	if (confp_string(L, item, "list", &s) == 0 && s) {
		if (*s == '\0' || strspn(s, "0123456789") != strlen(s))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "list"), "list: '%s' must be a "
			    "list id (digits)", s);
		else
			mo->list = xstrdup(s);
	}
	if (mo->stream && strncmp(mo->stream, "hashtag", 7) == 0 && mo->tag == NULL &&
	    ymap_get(L->yf, item, "tag") == NULL)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "stream"), "stream %s needs tag: (the "
		    "hashtag to follow)", mo->stream);
	if (mo->stream && strcmp(mo->stream, "list") == 0 && mo->list == NULL &&
	    ymap_get(L->yf, item, "list") == NULL)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "stream"), "stream list needs list: (the "
		    "list id)");
	if (mo->tag && ymap_get(L->yf, item, "stream") &&
	    strncmp(mo->stream ? mo->stream : "", "hashtag", 7) != 0)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "tag"), "tag is for stream: hashtag "
		    "(or hashtag:local)");
}

static void *
ms_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	struct mastodon_opts *mo = xcalloc(1, sizeof(*mo));
	yaml_node_t *v;

	source_net_init(&mo->net, 0);
	mo->net.stall_ms = 45000;	/* Mastodon: a heartbeat every 15 s */
	source_net_parse(L, cs, &mo->net, item, " (the instance, like https://mastodon.social)");
	if ((v = ymap_get(L->yf, item, "reblogs")) != NULL)
		yget_bool(L->d, L->yf, v, "reblogs", &mo->reblogs);
	source_brands_parse(L, item, SOURCE_PLATFORM_MASTODON, &mo->brands);
	source_health_parse(L, cs, item);
	ms_parse_stream(L, mo, item);
	ms_parse_target(L, mo, item);
	if (mo->net.token == NULL && ymap_get(L->yf, item, "token_file") == NULL &&
	    !(L->flags & CONF_NO_SECRETS))
		yerror(L->d, L->yf, item, "source '%s' of type mastodon needs token_file (a user "
		    "token with read:statuses; Mastodon 4.2 and later refuse streams without one)",
		    cs->name);
	return mo;
}

static int
ms_same(const void *va, const void *vb)
{
	const struct mastodon_opts *a = va, *b = vb;

	return source_net_same(&a->net, &b->net) && source_same_str(a->stream, b->stream) &&
	    source_same_str(a->tag, b->tag) && source_same_str(a->list, b->list) &&
	    a->reblogs == b->reblogs && source_brands_same(&a->brands, &b->brands);
}

static void
ms_free(void *opts)
{
	struct mastodon_opts *mo = opts;

	source_net_free(&mo->net);
	free(mo->stream);
	free(mo->tag);
	free(mo->list);
	source_brands_free(&mo->brands);
	free(mo);
}

/* the mapping is built in: no fields or events */
static const struct conf_key mastodon_keys[] = {
    {"url", CONF_STRING},
    {"headers", CONF_MAP},
    {"token_file", CONF_SECRET_FILE},
    {"max_event", CONF_SIZE},
    {"stall", CONF_DURATION},
    {"reconnect", CONF_DURATION},
    {"backoff_max", CONF_DURATION},
    {"stream", CONF_STRING},
    {"tag", CONF_STRING},
    {"list", CONF_STRING},
    {"reblogs", CONF_BOOL},
    {"brand_accounts", CONF_LIST},
    {"alert_after", CONF_DURATION},
    {"alert_to", CONF_LIST},
    {NULL, 0},
};

const struct source_kind source_kind_mastodon = {
	.conf = {
		.name = "mastodon",
		.keys = mastodon_keys,
		.parse = ms_parse,
		.same = ms_same,
		.free = ms_free,
	},
	.start = ms_start,
};
