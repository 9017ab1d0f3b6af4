#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/util.h>

#include "engine/mention.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "net/curlev.h"
#include "net/stream.h"
#include "sources/source.h"
#include "sources/source_brand.h"
#include "sources/source_queue.h"

/*
 * reddit: one Reddit listing (a subreddit's new posts or comments, or a
 * search sorted by new) polled through the OAuth API every interval.
 *
 * The token: app-only (client_credentials) or, for a script app with
 * username and password_file, the developer's (password grant), from
 * token_url with the app's id and secret as HTTP Basic. It is renewed a
 * minute before it expires; a 401 drops it and fetches a new one once
 * (the retry goes out as soon as the token is there); a second 401 in a
 * row waits the stream's credential backoff. Token failures show in the
 * source's health like failed polls.
 *
 * The cursor: fullnames are base-36 ids handed out in order, so every
 * answer (the newest page of 100) is compared with what was taken; no
 * before= is sent, because a removed post as the anchor makes Reddit
 * answer an empty page for good. New items go out oldest first; the
 * newest fullname taken is stored in the spool with each mention, and
 * after a restart items not newer than it are skipped (the ids taken in
 * this run are remembered too: pages overlap, and a search can list a
 * post late). When a whole page is newer than the last item taken, the
 * pages before it are read at once (after=, up to RD_PAGES_MAX) and the
 * lot is taken oldest first; a failure in between starts the next poll
 * from the newest page again. On a first start the current page is taken
 * once, and nothing older.
 *
 * Rate limits: every answer's X-Ratelimit-Remaining and -Reset spread the
 * requests left over the window (never faster than interval); at 0 the
 * next request waits for the reset. A 429 waits Retry-After, else the
 * reset; other failures back off like json-poll (full jitter).
 */

#define RD_PAGE 100
#define RD_PAGES_MAX 10		/* pages read back through a gap in one poll */
#define RD_TOKEN_TIMEOUT_MS 30000
#define RD_TOKEN_BODY_MAX 65536
#define RD_TOKEN_MARGIN_MS 60000	/* renew this long before the token expires */
#define RD_AUTH_BACKOFF_MS 600000	/* refused credentials: no point asking often */
#define RD_WEB "https://www.reddit.com"

struct rsrc {
	struct source src;
	struct stream *st;
	struct curlev *ce;
	struct event *tok_timer;	/* the next token request after a failure */
	char *labels;
	char *url;			/* the listing */
	char *token_url, *client_id, *client_secret, *username, *password, *user_agent;
	int64_t reconnect_ms, backoff_max_ms;
	char *cursor;			/* the newest fullname taken */
	char *floor;			/* the cursor at start: the last run took up to here */
	struct source_recent recent;
	struct source_brands brands;

	/* the token */
	char *token;
	int64_t token_until;		/* util_mono_ms(): renew from here */
	int refreshed;			/* a new token after a 401: another 401 backs off */
	CURL *tok_easy;
	struct curl_slist *tok_hdrs;
	struct buf tok_body;
	unsigned tok_fails;

	/* the items of the last answer not yet taken, oldest first */
	struct source_queue queue;

	/* reading back through a gap: the next page's after=, the new items so far */
	char *after;
	json_t *pending;
	int pages;
};

/* "t3_abc" -> "abc": the base-36 part, which orders by length, then as text. */
static const char *
rd_base36(const char *fullname)
{
	const char *u = strchr(fullname, '_');

	return u ? u + 1 : fullname;
}

static int
rd_idcmp(const char *a, const char *b)
{
	return source_idcmp(rd_base36(a), rd_base36(b));
}

/* Whether two fullnames are of one kind (t1_, t3_): only those compare. */
static int
rd_samekind(const char *a, const char *b)
{
	return strncmp(a, b, 3) == 0;
}

static int
rd_gone(const char *s)
{
	return s && (strcmp(s, "[deleted]") == 0 || strcmp(s, "[removed]") == 0);
}

/*
 * The mention for a post (t3) or a comment (t1); NULL with *skip set to a
 * kind when there is nothing to read, or with *skip NULL when it is bad.
 */
static json_t *
rd_mention(const char *kind, json_t *d, const char **skip)
{
	const char *name = source_json_str(d, "name"), *author = source_json_str(d, "author");
	const char *permalink = source_json_str(d, "permalink"), *link = source_json_str(d, "url");
	json_t *m, *created = json_object_get(d, "created_utc");
	struct buf b;
	char *s;

	*skip = NULL;
	buf_init(&b);
	if (strcmp(kind, "t3") == 0) {
		const char *title = source_json_str(d, "title"), *self = source_json_str(d, "selftext");

		if (title == NULL)
			return NULL;
		buf_adds(&b, title);
		/* a removed or deleted body leaves the title, which still says what went wrong */
		if (self && *self && !rd_gone(self)) {
			buf_adds(&b, "\n\n");
			buf_adds(&b, self);
		}
	} else {
		const char *body = source_json_str(d, "body");

		if (body == NULL)
			return NULL;
		if (rd_gone(body) || *body == '\0') {
			*skip = "deleted";
			return NULL;
		}
		buf_adds(&b, body);
	}
	if (b.len == 0) {
		*skip = "no_text";
		return NULL;
	}
	m = json_object();
	json_object_set_new(m, "text", json_stringn(b.data, source_utf8_fit(b.data, b.len,
	    MENTION_MAX_TEXT)));
	buf_free(&b);
	s = xasprintf("reddit:%s", name);
	json_object_set_new(m, "id", json_string(s));
	free(s);
	if (permalink && permalink[0] == '/') {
		s = xasprintf(RD_WEB "%s", permalink);
		json_object_set_new(m, "url", json_string(s));
		free(s);
	} else if (strcmp(kind, "t1") == 0 && source_json_str(d, "link_permalink") &&
	    source_json_str(d, "id")) {
		/* a comment without its own permalink: the thread's, and the comment's id */
		s = xasprintf("%s%s/", source_json_str(d, "link_permalink"), source_json_str(d, "id"));
		json_object_set_new(m, "url", json_string(s));
		free(s);
	} else if (link)
		json_object_set_new(m, "url", json_string(link));
	if (json_is_number(created) && json_number_value(created) > 0 &&
	    json_number_value(created) < 253402300800.0) {
		char ts[32];

		util_iso8601((int64_t)json_number_value(created) * 1000, ts, sizeof(ts));
		json_object_set_new(m, "created_at", json_string(ts));
	}
	if (author && *author && !rd_gone(author)) {
		json_t *a = json_object();

		json_object_set_new(a, "handle", json_string(author));
		json_object_set_new(m, "author", a);
	}
	return m;
}

static void
rd_advance(struct rsrc *r, const char *name)
{
	if (r->cursor && rd_samekind(name, r->cursor) && rd_idcmp(name, r->cursor) <= 0)
		return;
	free(r->cursor);
	r->cursor = xstrdup(name);
	/* with the mention, in the same spool transaction when there is one */
	source_cursor_set(&r->src, name, "the cursor");
}

static void
rd_paging_end(struct rsrc *r)
{
	free(r->after);
	r->after = NULL;
	json_decref(r->pending);
	r->pending = NULL;
	r->pages = 0;
}

static int rd_fullname_ok(const char *kind, const char *name);

/*
 * An item by one of the brand's accounts (brand): a comment answers the
 * post or comment its parent_id names (t3_ or t1_), and goes to the
 * daemon as a reply record; a post of its own is skipped. 1 handed over,
 * 0 skipped, -1 refused for now.
 */
static int
rd_brand(struct rsrc *r, const char *kind, json_t *d, const char *name, const char *brand)
{
	const char *parent = source_json_str(d, "parent_id");
	json_t *created = json_object_get(d, "created_utc");
	char *rid = xasprintf("reddit:%s", name), *mid = NULL;
	int64_t at = 0;
	int rc;

	if (strcmp(kind, "t1") == 0 && parent &&
	    (rd_fullname_ok("t1", parent) || rd_fullname_ok("t3", parent)))
		mid = xasprintf("reddit:%s", parent);
	if (json_is_number(created) && json_number_value(created) > 0 &&
	    json_number_value(created) < 253402300800.0)
		at = (int64_t)(json_number_value(created) * 1000);
	rc = source_take_brand(&r->src, brand, mid, rid, at);
	free(rid);
	free(mid);
	return rc;
}

static int
rd_take(void *arg, json_t *child, void *aux)
{
	struct rsrc *r = arg;
	json_t *d = json_object_get(child, "data");
	const char *kind = source_json_str(child, "kind"), *name = source_json_str(d, "name"), *skip;
	const char *brand = source_brands_find(&r->brands, SOURCE_PLATFORM_REDDIT,
	    source_json_str(d, "author"), NULL);
	json_t *m = brand ? NULL : rd_mention(kind, d, &skip);
	int rc = 0;

	if (brand) {
		if (rd_brand(r, kind, d, name, brand) < 0)
			return -1;
	} else if (m) {
		rc = source_take_item(&r->src, (char *const[SF__N]){ NULL }, m);
		json_decref(m);
		if (rc < 0)
			return -1;
	} else if (skip) {
		source_skipped(&r->src, skip);
		log_debug("source %s: %s is %s; skipped", r->src.name, name, skip);
	} else {
		r->src.errors++;
		stream_count_error(r->src.name, "mapping");
		log_warnx("source %s: %s has no %s; skipped", r->src.name, name,
		    strcmp(kind, "t3") == 0 ? "title" : "body");
	}
	source_recent_add(&r->recent, name);
	rd_advance(r, name);
	metrics_add("keluh_source_events_total", r->labels, 1);
	return 0;
}

static int
rd_child_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;

	return rd_idcmp(source_json_str(json_object_get(x, "data"), "name"),
	    source_json_str(json_object_get(y, "data"), "name"));
}

static int
rd_fullname_ok(const char *kind, const char *name)
{
	size_t kl = strlen(kind);

	return name && strncmp(name, kind, kl) == 0 && name[kl] == '_' && name[kl + 1] &&
	    strlen(name) < 64 && strspn(name + kl + 1, "0123456789abcdefghijklmnopqrstuvwxyz") ==
	    strlen(name + kl + 1);
}

static void
rd_body(void *arg, const char *data, size_t len, const char *etag)
{
	struct rsrc *r = arg;
	json_t *root, *children, *child, **v;
	json_error_t je;
	size_t good = utf8_valid_prefix(data, len), i, n = 0, seen = 0;
	const char *oldest = NULL, *after;

	if (r->pending == NULL) {
		r->pending = json_array();
		r->pages = 0;
	}
	free(r->after);
	r->after = NULL;
	r->pages++;
	if (good != len) {
		rd_paging_end(r);
		r->src.errors++;
		stream_count_error(r->src.name, "utf8");
		log_warnx("source %s: the answer is not valid UTF-8 (at byte %zu); skipped",
		    r->src.name, good);
		return;
	}
	if ((root = json_loadb(data, len, 0, &je)) == NULL) {
		rd_paging_end(r);
		r->src.errors++;
		stream_count_error(r->src.name, "json");
		log_warnx("source %s: the answer is not JSON (line %d, column %d: %s); skipped",
		    r->src.name, je.line, je.column, je.text);
		return;
	}
	children = json_object_get(json_object_get(root, "data"), "children");
	if (!json_is_array(children) || source_json_str(root, "kind") == NULL ||
	    strcmp(source_json_str(root, "kind"), "Listing") != 0) {
		rd_paging_end(r);
		r->src.errors++;
		stream_count_error(r->src.name, "mapping");
		log_warnx("source %s: the answer is not a Reddit listing (no data.children); "
		    "skipped", r->src.name);
		json_decref(root);
		return;
	}
	v = xcalloc(json_array_size(children) + 1, sizeof(*v));
	json_array_foreach(children, i, child) {
		const char *kind = source_json_str(child, "kind");
		json_t *d = json_object_get(child, "data");
		const char *name = source_json_str(d, "name");

		if (kind == NULL || (strcmp(kind, "t3") != 0 && strcmp(kind, "t1") != 0) ||
		    !rd_fullname_ok(kind, name)) {
			r->src.errors++;
			stream_count_error(r->src.name, "mapping");
			log_warnx("source %s: item %zu is not a post or comment with a fullname; "
			    "skipped", r->src.name, i);
			continue;
		}
		if (oldest == NULL || rd_idcmp(name, oldest) < 0)
			oldest = name;
		if (r->floor && rd_samekind(name, r->floor) && rd_idcmp(name, r->floor) <= 0) {
			seen++;
			continue;	/* taken before the restart */
		}
		if (source_recent_seen(&r->recent, name)) {
			seen++;
			continue;
		}
		v[n++] = child;
	}
	for (i = 0; i < n; i++)
		json_array_append(r->pending, v[i]);
	free(v);
	log_debug("source %s: page %d: %zu new item(s), %zu seen before", r->src.name, r->pages,
	    n, seen);
	after = source_json_str(json_object_get(root, "data"), "after");
	if (r->cursor && oldest && json_array_size(children) >= RD_PAGE &&
	    rd_samekind(oldest, r->cursor) && rd_idcmp(oldest, r->cursor) > 0) {
		/* a whole page newer than the cursor: more came since the last poll than a page */
		if (after && rd_fullname_ok(source_json_str(json_array_get(children, 0), "kind"), after) &&
		    r->pages < RD_PAGES_MAX) {
			r->after = xstrdup(after);
			json_decref(root);
			return;	/* the next page at once (rd_wait), then all of them */
		}
		source_skipped(&r->src, "gap");
		log_warnx("source %s: more than %d new items since the last poll; the older ones "
		    "are not read (a shorter interval avoids this)", r->src.name,
		    RD_PAGE * r->pages);
	}
	json_decref(root);
	n = json_array_size(r->pending);
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_array_get(r->pending, i);
	qsort(v, n, sizeof(*v), rd_child_cmp);
	source_queue_clear(&r->queue);
	for (i = 0; i < n; i++)
		source_queue_push(&r->queue, json_incref(v[i]), NULL);
	free(v);
	if (r->pages > 1)
		log_info("source %s: read %d pages back to the last item taken", r->src.name,
		    r->pages);
	rd_paging_end(r);
	source_queue_drain(&r->queue);
}

/* ---- the token ------------------------------------------------------- */

/* Full-jitter exponential backoff from reconnect up to backoff_max. */
static int64_t
rd_backoff(struct rsrc *r)
{
	int64_t base = r->reconnect_ms > 0 ? r->reconnect_ms : 1000, d = base;
	uint32_t x;

	for (unsigned i = 1; i < r->tok_fails && d < r->backoff_max_ms; i++)
		d *= 2;
	if (d > r->backoff_max_ms)
		d = r->backoff_max_ms;
	evutil_secure_rng_get_bytes(&x, sizeof(x));
	d = (int64_t)((double)d * ((double)x / 4294967296.0));
	return d < base ? base : d;
}

static void
rd_token_forget(struct rsrc *r)
{
	if (r->token) {
		explicit_bzero(r->token, strlen(r->token));
		free(r->token);
		r->token = NULL;
	}
}

static void
rd_token_failed(struct rsrc *r, long status, int credentials, const char *why)
{
	int64_t d;
	struct timeval tv;

	r->tok_fails++;
	stream_note_failure(r->st, status);
	stream_count_error(r->src.name, credentials ? "auth" : "token");
	if (credentials) {
		d = r->backoff_max_ms > RD_AUTH_BACKOFF_MS ? r->backoff_max_ms : RD_AUTH_BACKOFF_MS;
		log_error("source %s: Reddit refused the app's credentials (%s); check client_id, "
		    "client_secret_file%s; trying again in %llds", r->src.name, why,
		    r->username ? ", username and password_file" : "", (long long)(d / 1000));
	} else {
		d = rd_backoff(r);
		log_warnx("source %s: no access token: %s; trying again in %lldms", r->src.name,
		    why, (long long)d);
	}
	util_ms_to_tv(d, &tv);
	evtimer_add(r->tok_timer, &tv);
}

static void
rd_token_done(void *arg, CURL *easy, CURLcode rc)
{
	struct rsrc *r = arg;
	long status = 0;
	json_t *root, *exp;
	const char *tok, *type, *err;
	char why[200];
	int64_t life;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(easy);
	r->tok_easy = NULL;
	curl_slist_free_all(r->tok_hdrs);
	r->tok_hdrs = NULL;
	if (rc != CURLE_OK) {
		snprintf(why, sizeof(why), "%s", curl_easy_strerror(rc));
		rd_token_failed(r, 0, 0, why);
		return;
	}
	root = json_loadb(r->tok_body.data ? r->tok_body.data : "", r->tok_body.len, 0, NULL);
	if (r->tok_body.data)
		explicit_bzero(r->tok_body.data, r->tok_body.len);
	buf_reset(&r->tok_body);
	tok = source_json_str(root, "access_token");
	type = source_json_str(root, "token_type");
	err = source_json_str(root, "error");
	if (status != 200 || tok == NULL || *tok == '\0' || strpbrk(tok, "\r\n") ||
	    (type && strcasecmp(type, "bearer") != 0)) {
		/* Reddit answers a bad password with 200 and {"error": "invalid_grant"} */
		int cred = status == 400 || status == 401 || status == 403 || (status == 200 && err);

		snprintf(why, sizeof(why), "HTTP %ld%s%s", status, err ? ", " : "", err ? err : "");
		json_decref(root);
		rd_token_failed(r, status == 200 ? 401 : status, cred, why);
		return;
	}
	rd_token_forget(r);
	r->token = xstrdup(tok);
	exp = json_object_get(root, "expires_in");
	life = json_is_number(exp) && json_number_value(exp) > 0 &&
	    json_number_value(exp) < 365 * 86400.0 ? (int64_t)(json_number_value(exp) * 1000) :
	    3600000;
	r->token_until = util_mono_ms() + (life > 2 * RD_TOKEN_MARGIN_MS ?
	    life - RD_TOKEN_MARGIN_MS : life / 2);
	explicit_bzero((char *)tok, strlen(tok));
	json_decref(root);
	r->tok_fails = 0;
	log_info("source %s: got an access token (valid for %llds)", r->src.name,
	    (long long)(life / 1000));
	stream_retry_in(r->st, 0);
}

static size_t
rd_token_write(char *p, size_t size, size_t n, void *arg)
{
	struct rsrc *r = arg;

	if (r->tok_body.len + size * n > RD_TOKEN_BODY_MAX)
		return 0;
	buf_add(&r->tok_body, p, size * n);
	return size * n;
}

static void
rd_token_start(struct rsrc *r)
{
	char *post, *h;
	CURL *e;

	if (r->tok_easy || evtimer_pending(r->tok_timer, NULL))
		return;
	if (r->username) {
		char *u = curl_easy_escape(NULL, r->username, 0);
		char *pw = curl_easy_escape(NULL, r->password ? r->password : "", 0);

		post = xasprintf("grant_type=password&username=%s&password=%s", u ? u : "",
		    pw ? pw : "");
		curl_free(u);
		if (pw)
			explicit_bzero(pw, strlen(pw));
		curl_free(pw);
	} else
		post = xstrdup("grant_type=client_credentials");
	if ((e = curl_easy_init()) == NULL) {
		explicit_bzero(post, strlen(post));
		free(post);
		rd_token_failed(r, 0, 0, "curl_easy_init failed");
		return;
	}
	buf_reset(&r->tok_body);
	h = xasprintf("User-Agent: %s", r->user_agent);
	r->tok_hdrs = curl_slist_append(r->tok_hdrs, h);
	free(h);
	r->tok_hdrs = curl_slist_append(r->tok_hdrs, "Accept: application/json");
	curl_easy_setopt(e, CURLOPT_URL, r->token_url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->tok_hdrs);
	curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, post);
	explicit_bzero(post, strlen(post));
	free(post);
	curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(e, CURLOPT_USERNAME, r->client_id);
	curl_easy_setopt(e, CURLOPT_PASSWORD, r->client_secret);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, rd_token_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)RD_TOKEN_TIMEOUT_MS);
	r->tok_easy = e;
	if (curlev_add(r->ce, e, rd_token_done, r) < 0) {
		curl_easy_cleanup(e);
		r->tok_easy = NULL;
		curl_slist_free_all(r->tok_hdrs);
		r->tok_hdrs = NULL;
		rd_token_failed(r, 0, 0, "cannot start the request");
	}
}

static void
rd_tok_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	rd_token_start(arg);
}

/* ---- the polls ------------------------------------------------------- */

static int
rd_request(void *arg, struct stream *st)
{
	struct rsrc *r = arg;
	char *h;

	if (source_queue_busy(&r->queue))
		return -1;	/* the last answer is not all taken yet */
	if (r->token && util_mono_ms() >= r->token_until)
		rd_token_forget(r);
	if (r->token == NULL) {
		/* the poll goes out when the token comes (stream_retry_in) */
		rd_token_start(r);
		return -1;
	}
	source_add_header(st, "Authorization: bearer %s", r->token);
	source_add_header(st, "User-Agent: %s", r->user_agent);
	if (r->after) {
		h = xasprintf("%s&after=%s", r->url, r->after);
		stream_set_url(st, h);
		free(h);
	}
	return 0;
}

/* A rate limit header as a number, or -1. */
static double
rd_header_num(struct rsrc *r, const char *name)
{
	const char *v = stream_header(r->st, name);
	char *end;
	double d;

	if (v == NULL || *v == '\0')
		return -1;
	d = strtod(v, &end);
	return *end == '\0' && d >= 0 && d < 1e9 ? d : -1;
}

static int64_t
rd_wait(void *arg, long status, int64_t ms)
{
	struct rsrc *r = arg;
	double rem = rd_header_num(r, "x-ratelimit-remaining");
	double reset = rd_header_num(r, "x-ratelimit-reset");
	double used = rd_header_num(r, "x-ratelimit-used");
	int64_t w = ms, reset_ms = reset >= 0 ? (int64_t)(reset * 1000) + 100 : -1;

	if (rem >= 0)
		metrics_set("keluh_source_ratelimit_remaining", r->labels, rem);
	if (status == 200)
		r->refreshed = 0;
	if (status == 200 && r->after)
		w = 0;		/* the next page of a gap: now, as the rate limit allows */
	else if (status != 200 && status != 304 && r->pending)
		rd_paging_end(r);	/* the next poll starts again from the newest page */
	if (status == 401) {
		if (!r->refreshed) {
			/* expired or revoked: one new token, and the poll again at once */
			r->refreshed = 1;
			rd_token_forget(r);
			log_warnx("source %s: the access token was refused; fetching a new one",
			    r->src.name);
			return 0;
		}
		/* refused with a new token too: the stream's credential backoff; then one more */
		log_error("source %s: the API refuses a new token too; check the app (client_id, its "
		    "type and the account it belongs to)", r->src.name);
		r->refreshed = 0;
		rd_token_forget(r);
		return ms;
	}
	if (status == 429 && stream_header(r->st, "retry-after") == NULL && reset_ms >= 0)
		w = reset_ms;
	if (rem >= 0 && rem < 1 && reset_ms > w) {
		w = reset_ms;
		log_warnx("source %s: the rate limit is used up (%.0f requests); waiting %.0fs for "
		    "the window to reset", r->src.name, used >= 0 ? used : 0.0, reset);
	} else if (rem >= 1 && reset_ms >= 0 && (status == 200 || status == 304)) {
		/* spread what is left over the window, so it is not used up before the reset */
		int64_t spread = (int64_t)((double)reset_ms / rem);

		if (spread > w) {
			log_debug("source %s: %.0f requests left for %.0fs; slowing down to one "
			    "every %.1fs", r->src.name, rem, reset, (double)spread / 1000);
			w = spread;
		}
	}
	return w;
}

static void
rd_stop(struct source *src)
{
	struct rsrc *r = (struct rsrc *)src;

	stream_free(r->st);
	if (r->tok_easy) {
		curlev_cancel(r->ce, r->tok_easy);
		curl_easy_cleanup(r->tok_easy);
	}
	curl_slist_free_all(r->tok_hdrs);
	source_queue_free(&r->queue);
	event_free(r->tok_timer);
	rd_paging_end(r);
	free(r->url);
	buf_free(&r->tok_body);
	source_recent_free(&r->recent);
	source_brands_free(&r->brands);
	rd_token_forget(r);
	explicit_bzero(r->client_secret, strlen(r->client_secret));
	free(r->client_secret);
	if (r->password) {
		explicit_bzero(r->password, strlen(r->password));
		free(r->password);
	}
	free(r->client_id);
	free(r->username);
	free(r->user_agent);
	free(r->token_url);
	free(r->labels);
	free(r->cursor);
	free(r->floor);
}

/* reddit's options: one listing of subreddits and/or a search, and the app's credentials. */
struct reddit_opts {
	struct source_net net;
	char **subreddits;
	size_t nsubreddits;
	char *query;
	char *listing;		/* new, search or comments */
	char *client_id;
	char *client_secret;	/* secrets, read from their files */
	char *username;
	char *password;
	char *user_agent;
	char *token_url;
	struct source_brands brands;
};

/* The listing's URL: /r/a+b/new.json, /r/a+b/comments.json or a search sorted by new. */
static char *
rd_listing_url(const struct reddit_opts *ro)
{
	char *base = source_url_base(ro->net.url), *url, *q = NULL;
	struct buf subs;

	buf_init(&subs);
	for (size_t i = 0; i < ro->nsubreddits; i++) {
		if (i)
			buf_adds(&subs, "+");
		buf_adds(&subs, ro->subreddits[i]);
	}
	buf_add(&subs, "", 1);
	if (ro->query)
		q = curl_easy_escape(NULL, ro->query, 0);
	if (ro->listing && strcmp(ro->listing, "search") == 0) {
		if (ro->nsubreddits)
			url = xasprintf("%s/r/%s/search.json?q=%s&restrict_sr=1&sort=new&type=link&"
			    "limit=%d&raw_json=1", base, subs.data, q ? q : "", RD_PAGE);
		else
			url = xasprintf("%s/search.json?q=%s&sort=new&type=link&limit=%d&raw_json=1",
			    base, q ? q : "", RD_PAGE);
	} else
		url = xasprintf("%s/r/%s/%s.json?limit=%d&raw_json=1", base, subs.data,
		    ro->listing && strcmp(ro->listing, "comments") == 0 ? "comments" : "new",
		    RD_PAGE);
	curl_free(q);
	buf_free(&subs);
	free(base);
	return url;
}

static struct source *
rd_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn,
    void *arg, char *err, size_t errlen)
{
	static const char *const keep[] = { "x-ratelimit-remaining", "x-ratelimit-reset",
		"x-ratelimit-used", "retry-after", NULL };
	const struct reddit_opts *ro = cs->opts;
	struct rsrc *r;
	struct stream_opts o;
	char *url;

	if (source_need_http(env, "poll", err, errlen) < 0)
		return NULL;
	if (ro->client_id == NULL || ro->client_secret == NULL) {
		snprintf(err, errlen, "no client_id or client_secret_file");
		return NULL;
	}
	r = source_new(sizeof(*r), env, cs, fn, arg, rd_stop);
	r->ce = env->ce;
	/* bounded by the answers: RD_PAGES_MAX pages of a listing at most */
	source_queue_init(&r->queue, env->base, r->src.name, 0, rd_take, NULL, r);
	r->tok_timer = evtimer_new(env->base, rd_tok_timer_cb, r);
	r->labels = xasprintf("source=\"%s\"", cs->name);
	r->token_url = xstrdup(ro->token_url);
	r->client_id = xstrdup(ro->client_id);
	r->client_secret = xstrdup(ro->client_secret);
	r->username = ro->username ? xstrdup(ro->username) : NULL;
	r->password = ro->password ? xstrdup(ro->password) : NULL;
	r->user_agent = xstrdup(ro->user_agent);
	r->reconnect_ms = ro->net.reconnect_ms;
	r->backoff_max_ms = ro->net.backoff_max_ms;
	source_brands_copy(&r->brands, &ro->brands);
	buf_init(&r->tok_body);
	if ((r->cursor = source_cursor_get(&r->src)) != NULL) {
		r->floor = xstrdup(r->cursor);
		log_info("source %s: resuming after %s", cs->name, r->cursor);
	}
	url = rd_listing_url(ro);
	r->url = xstrdup(url);
	log_debug("source %s: polling %s", cs->name, url);
	source_stream_opts(&o, cs->name, &ro->net, url, STREAM_POLL);
	o.token = NULL;
	o.keep_headers = keep;
	r->st = source_stream_new(&r->src, env, &o,
	    &(struct stream_handlers){ .body = rd_body, .request = rd_request, .wait = rd_wait,
	    .arg = r });
	free(url);
	return &r->src;
}

static const char *const reddit_listings[] = { "new", "search", "comments" };

/* What to read: subreddits, query, listing. */
static void
rd_parse_what(struct confp *L, const struct conf_source *cs, struct reddit_opts *ro,
    yaml_node_t *item)
{
	yaml_node_t *v;
	const char *s;

	if ((v = ymap_get(L->yf, item, "subreddits")) != NULL &&
	    confp_strings(L, v, "subreddits", &ro->subreddits, &ro->nsubreddits) == 0)
		for (size_t i = 0; i < ro->nsubreddits; i++) {
			char *n = ro->subreddits[i];
			size_t skip = strncmp(n, "/r/", 3) == 0 ? 3 : strncmp(n, "r/", 2) == 0 ? 2 : 0;

			memmove(n, n + skip, strlen(n + skip) + 1);
			if (strlen(n) < 2 || strlen(n) > 21 || strspn(n, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(n))
				yerror(L->d, L->yf, yis_seq(v) ? yseq_item(L->yf, v, i) : v,
				    "subreddits: '%s' is not a subreddit name (2 to 21 letters, digits "
				    "or _, like AcmeSupport, without r/)", n);
		}
	if (confp_string(L, item, "query", &s) == 0 && s) {
		if (*s == '\0' || strlen(s) > 512 || strpbrk(s, "\r\n"))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "query"), "query must be one line of "
			    "Reddit search syntax, at most 512 characters, like '\"acme\" (down OR "
			    "broken)'");
		else
			ro->query = xstrdup(s);
	}
	if (confp_string(L, item, "listing", &s) == 0 && s) {
		size_t i, n = sizeof(reddit_listings) / sizeof(reddit_listings[0]);

		for (i = 0; i < n; i++)
			if (strcmp(s, reddit_listings[i]) == 0)
				break;
		if (i == n) {
			const char *sug = diag_suggest(s, reddit_listings, n);

			yerror(L->d, L->yf, ymap_get(L->yf, item, "listing"), "unknown Reddit listing "
			    "'%s'%s%s%s; use new, search or comments", s, sug ? "; did you mean '" : "",
			    sug ? sug : "", sug ? "'?" : "");
		} else
			ro->listing = xstrdup(s);
	}
	if (ro->listing == NULL && ymap_get(L->yf, item, "listing") == NULL)
		ro->listing = xstrdup(ymap_get(L->yf, item, "query") ? "search" : "new");
	if (ro->listing && strcmp(ro->listing, "search") == 0) {
		if (ymap_get(L->yf, item, "query") == NULL)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "listing"), "listing search needs "
			    "query: (what to search for)");
	} else if (ro->listing) {
		if (ymap_get(L->yf, item, "subreddits") == NULL)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "listing") ?
			    ymap_get(L->yf, item, "listing") : item, "source '%s': listing %s needs "
			    "subreddits: (the subreddits to read), or give query: to search",
			    cs->name, ro->listing);
		if ((v = ymap_get(L->yf, item, "query")) != NULL)
			yerror(L->d, L->yf, v, "query is for listing: search (listing %s reads "
			    "everything posted)", ro->listing);
	}
}

static int
rd_app_name(const char *s)
{
	return *s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_") == strlen(s);
}

/* The app's credentials: client_id, its secret, and a script app's developer. */
static void
rd_parse_app(struct confp *L, const struct conf_source *cs, struct reddit_opts *ro,
    yaml_node_t *item)
{
	const char *s;

	if (confp_string(L, item, "client_id", &s) == 0 && s) {
		if (!rd_app_name(s))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "client_id"), "client_id: '%s' is "
			    "not a Reddit app id (letters, digits, - and _, from "
			    "https://www.reddit.com/prefs/apps)", s);
		else
			ro->client_id = xstrdup(s);
	} else if (ymap_get(L->yf, item, "client_id") == NULL)
		yerror(L->d, L->yf, item, "source '%s' of type reddit needs client_id (the app's id, "
		    "from https://www.reddit.com/prefs/apps)", cs->name);
	ro->client_secret = confp_secret_line(L, item, "client_secret_file");
	if (ymap_get(L->yf, item, "client_secret_file") == NULL)
		yerror(L->d, L->yf, item, "source '%s' of type reddit needs client_secret_file (a "
		    "file holding the app's secret)", cs->name);
	if (confp_string(L, item, "username", &s) == 0 && s) {
		if (!rd_app_name(s))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "username"), "username: '%s' is not "
			    "a Reddit user name (without u/)", s);
		else
			ro->username = xstrdup(s);
	}
	ro->password = confp_secret_line(L, item, "password_file");
	if ((ymap_get(L->yf, item, "username") == NULL) !=
	    (ymap_get(L->yf, item, "password_file") == NULL))
		yerror(L->d, L->yf, ymap_get(L->yf, item, "username") ?
		    ymap_get(L->yf, item, "username") : ymap_get(L->yf, item, "password_file"),
		    "username and password_file go together (a script app signs in as its "
		    "developer); give both, or neither for an app-only token");
}

/* user_agent (a default that names the app) and token_url. */
static void
rd_parse_http(struct confp *L, const struct conf_source *cs, struct reddit_opts *ro,
    yaml_node_t *item)
{
	yaml_node_t *v;
	const char *s;

	if (confp_string(L, item, "user_agent", &s) == 0 && s) {
		if (strlen(s) < 8 || strpbrk(s, "\r\n"))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "user_agent"), "user_agent must be "
			    "one descriptive line, like 'linux:acme-keluh:1.0 (by /u/acme_support)'; "
			    "Reddit throttles generic ones");
		else
			ro->user_agent = xstrdup(s);
	}
	if (ro->user_agent == NULL)
		ro->user_agent = ro->username ? xasprintf("linux:keluh:%s (by /u/%s)",
		    PACKAGE_VERSION, ro->username) : xasprintf("linux:keluh:%s (keluhd source %s)",
		    PACKAGE_VERSION, cs->name);
	if ((v = ymap_get(L->yf, item, "token_url")) != NULL && yget_string(L->d, L->yf, v,
	    "token_url", &s) == 0) {
		if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
			yerror(L->d, L->yf, v, "token_url: '%s' must start with https:// or http://", s);
		else {
			free(ro->token_url);
			ro->token_url = xstrdup(s);
		}
	}
}

static void *
rd_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	struct reddit_opts *ro = xcalloc(1, sizeof(*ro));

	source_net_init(&ro->net, 1);
	ro->net.url = xstrdup("https://oauth.reddit.com");
	ro->net.interval_ms = 30000;
	ro->token_url = xstrdup("https://www.reddit.com/api/v1/access_token");
	source_net_parse(L, cs, &ro->net, item, NULL);
	source_health_parse(L, cs, item);
	rd_parse_what(L, cs, ro, item);
	rd_parse_app(L, cs, ro, item);
	rd_parse_http(L, cs, ro, item);
	source_brands_parse(L, item, SOURCE_PLATFORM_REDDIT, &ro->brands);
	return ro;
}

static int
rd_same(const void *va, const void *vb)
{
	const struct reddit_opts *a = va, *b = vb;

	return source_net_same(&a->net, &b->net) &&
	    source_same_strs(a->subreddits, a->nsubreddits, b->subreddits, b->nsubreddits) &&
	    source_same_str(a->query, b->query) && source_same_str(a->listing, b->listing) &&
	    source_same_str(a->client_id, b->client_id) &&
	    source_same_str(a->client_secret, b->client_secret) &&
	    source_same_str(a->username, b->username) &&
	    source_same_str(a->password, b->password) &&
	    source_same_str(a->user_agent, b->user_agent) &&
	    source_same_str(a->token_url, b->token_url) &&
	    source_brands_same(&a->brands, &b->brands);
}

static void
rd_free(void *opts)
{
	struct reddit_opts *ro = opts;

	source_net_free(&ro->net);
	confp_free_strings(ro->subreddits, ro->nsubreddits);
	free(ro->query);
	free(ro->listing);
	free(ro->client_id);
	confp_free_secret(ro->client_secret);
	free(ro->username);
	confp_free_secret(ro->password);
	free(ro->user_agent);
	free(ro->token_url);
	source_brands_free(&ro->brands);
	free(ro);
}

/* the mapping and the bearer token are built in: no fields, events or token_file */
static const struct conf_key reddit_keys[] = {
    {"url", CONF_STRING},
    {"headers", CONF_MAP},
    {"max_event", CONF_SIZE},
    {"reconnect", CONF_DURATION},
    {"backoff_max", CONF_DURATION},
    {"interval", CONF_DURATION},
    {"timeout", CONF_DURATION},
    {"brand_accounts", CONF_LIST},
    {"alert_after", CONF_DURATION},
    {"alert_to", CONF_LIST},
    {"subreddits", CONF_LIST},
    {"query", CONF_STRING},
    {"listing", CONF_STRING},
    {"client_id", CONF_STRING},
    {"client_secret_file", CONF_SECRET_FILE},
    {"username", CONF_STRING},
    {"password_file", CONF_SECRET_FILE},
    {"user_agent", CONF_STRING},
    {"token_url", CONF_STRING},
    {NULL, 0},
};

const struct source_kind source_kind_reddit = {
	.conf = {
		.name = "reddit",
		.keys = reddit_keys,
		.parse = rd_parse,
		.same = rd_same,
		.free = rd_free,
	},
	.start = rd_start,
};
