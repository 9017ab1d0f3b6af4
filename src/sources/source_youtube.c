#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "engine/mention.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/tz.h"
#include "lib/util.h"
#include "net/stream.h"
#include "sources/source.h"
#include "sources/source_queue.h"
#include "sources/source_youtube.h"

/*
 * youtube: the comments under the brand's videos, read with the YouTube
 * Data API v3 commentThreads.list, by video (videoId) or for a whole
 * channel (allThreadsRelatedToChannelId), with an API key.
 *
 * What the API says (developers.google.com/youtube/v3/docs/commentThreads/list
 * and .../getting-started#quota): a call costs 1 quota unit whatever its
 * parts; a project has 10,000 units a day by default, reset at midnight
 * Pacific time; maxResults is 1 to 100; order=time lists the newest
 * threads first; textFormat=plainText gives textDisplay without HTML. A
 * used-up quota is HTTP 403 with errors[].reason "quotaExceeded" (domain
 * youtube.quota); a bad key is HTTP 400 "API key not valid" (reason
 * badRequest with ErrorInfo API_KEY_INVALID, or keyInvalid in older
 * answers). The key goes in the X-Goog-Api-Key header, so it is in no URL.
 *
 * part=snippet,replies: the replies part costs nothing more and carries the
 * replies the thread has when it is read (a limited number: the API says
 * so); replies written later under an old thread are not looked for
 * (comments.list would cost a unit per thread).
 *
 * The cursor: per video or channel, the publishedAt of the newest thread
 * taken. A poll reads the newest page, then the next ones at once while a
 * whole page is newer than the cursor (up to YT_PAGES_MAX), and takes the
 * new threads oldest first; an edited comment keeps its publishedAt, so it
 * is never taken twice. On a first start only the newest page is taken.
 *
 * The budget: daily_quota x quota_share units from one reset to the next.
 * After each round (every video and channel once, with their pages) the
 * next one waits so that the units left, at the cost the last round had,
 * last until the reset (never less than every). The units spent are kept
 * with the cursor in the spool, so a restart goes on counting.
 */

#define YT_PAGE            100
#define YT_PAGES_MAX       10  /* pages of one video or channel in one round */
#define YT_TARGETS_MAX     200 /* videos and channel of one source */
#define YT_ZONE            "America/Los_Angeles"
#define YT_RESET_MARGIN_MS 5000 /* after the reset, so its clock has passed it too */
#define YT_KEY_BACKOFF_MS  600000
#define YT_LOW_PERCENT     10 /* quota_low under this share of the budget... */
#define YT_LOW_DAY_PART    8  /* ...with more than this part of the day to go (3 h) */
#define YT_TEST_ENV        "KELUH_TEST_QUOTA_RESET"
#define YT_EDGE_MAX        16 /* threads of one second remembered across a restart */

/* What each call costs in quota units: the one place that says so. */
enum yt_call { YT_CALL_COMMENT_THREADS, YT_CALL__N };
static const long yt_cost[YT_CALL__N] = {
    [YT_CALL_COMMENT_THREADS] = 1, /* commentThreads.list */
};

/* ---- the answer ------------------------------------------------------ */

/* The Unix ms of an RFC 3339 time, or -1. */
static int64_t
yt_time_ms(const char *s)
{
	int64_t t;

	return s && util_rfc3339_parse(s, &t) == 0 ? t * 1000 : -1;
}

/* The author: a handle ("@name" as YouTube shows it now, else the channel URL) and a name. */
static void
yt_author(json_t *m, json_t *sn)
{
	const char *dn = source_json_str(sn, "authorDisplayName");
	const char *url = source_json_str(sn, "authorChannelUrl");
	json_t *a = json_object();

	if (dn && dn[0] == '@')
		json_object_set_new(a, "handle", json_string(dn));
	else if (url && *url)
		json_object_set_new(a, "handle", json_string(url));
	if (dn && *dn)
		json_object_set_new(a, "name", json_string(dn));
	if (json_object_size(a))
		json_object_set_new(m, "author", a);
	else
		json_decref(a);
}

/*
 * One comment resource as an entry (see source_youtube_parse); NULL with
 * *why when it lacks what a mention needs.
 */
static json_t *
yt_comment(json_t *c, const char *video, const char *account, int64_t thread_ms, const char **why)
{
	json_t *sn = json_object_get(c, "snippet"), *m, *e;
	const char *id = source_json_str(c, "id"), *text = source_json_str(sn, "textOriginal");
	const char *pub = source_json_str(sn, "publishedAt"),
	           *parent = source_json_str(sn, "parentId");
	const char *ach = source_json_str(json_object_get(sn, "authorChannelId"), "value");
	char *s;

	if (text == NULL || *text == '\0')
		text = source_json_str(sn, "textDisplay");
	if (id == NULL || *id == '\0' || strlen(id) > 200)
		return *why = "a comment has no id", NULL;
	if (yt_time_ms(pub) < 0)
		return *why = "a comment has no publishedAt", NULL;
	if (text == NULL || *text == '\0')
		return *why = "a comment has no text", NULL;
	m = json_object();
	s = xasprintf("youtube:%s", id);
	json_object_set_new(m, "id", json_string(s));
	free(s);
	json_object_set_new(
	    m, "text", json_stringn(text, source_utf8_fit(text, strlen(text), MENTION_MAX_TEXT)));
	if (video && *video) {
		char *v = curl_easy_escape(NULL, video, 0), *l = curl_easy_escape(NULL, id, 0);

		s = xasprintf("https://www.youtube.com/watch?v=%s&lc=%s", v ? v : "", l ? l : "");
		json_object_set_new(m, "url", json_string(s));
		free(s);
		curl_free(v);
		curl_free(l);
	}
	json_object_set_new(m, "created_at", json_string(pub));
	yt_author(m, sn);
	if (parent && *parent) {
		s = xasprintf("youtube:%s", parent);
		json_object_set_new(m, "reply_to", json_string(s));
		free(s);
	}
	json_object_set_new(m, "account", json_string(account));
	e = json_pack("{s:o, s:I, s:b}", "mention", m, "thread_ms", (json_int_t)thread_ms, "last",
	              0);
	if (ach && *ach)
		json_object_set_new(e, "author_channel", json_string(ach));
	return e;
}

/* A thread: its top-level comment, then its replies oldest first. */
static void
yt_thread(json_t *out, json_t *th, const char *account, size_t *bad, const char **why)
{
	json_t *sn = json_object_get(th, "snippet"), *top = json_object_get(sn, "topLevelComment");
	json_t *replies = json_object_get(json_object_get(th, "replies"), "comments"), *e, *r;
	const char *video = source_json_str(sn, "videoId");
	int64_t t = yt_time_ms(source_json_str(json_object_get(top, "snippet"), "publishedAt"));
	size_t i, first = json_array_size(out);
	json_t *tid;

	if (!json_is_object(top) || (e = yt_comment(top, video, account, t, why)) == NULL) {
		if (!json_is_object(top))
			*why = "a thread has no topLevelComment";
		(*bad)++;
		return;
	}
	json_array_append_new(out, e);
	/* the API lists replies newest first */
	for (i = json_array_size(replies); i-- > 0;) {
		r = json_array_get(replies, i);
		if ((e = yt_comment(r, video, account, t, why)) == NULL)
			(*bad)++;
		else
			json_array_append_new(out, e);
	}
	json_object_set_new(json_array_get(out, json_array_size(out) - 1), "last", json_true());
	tid = json_object_get(json_object_get(json_array_get(out, first), "mention"), "id");
	for (i = first; i < json_array_size(out); i++)
		json_object_set(json_array_get(out, i), "thread", tid);
}

json_t *
source_youtube_parse(const char *data, size_t len, const char *account, char **next, size_t *bad,
                     const char **why, char *err, size_t errlen)
{
	json_t *root, *items, *out, *th;
	json_error_t je;
	const char *kind, *tok;
	size_t i;

	*next = NULL;
	*bad = 0;
	*why = NULL;
	if (utf8_valid_prefix(data, len) != len) {
		snprintf(err, errlen, "the answer is not valid UTF-8 (at byte %zu)",
		         utf8_valid_prefix(data, len));
		return NULL;
	}
	if ((root = json_loadb(data, len, 0, &je)) == NULL) {
		snprintf(err, errlen, "the answer is not JSON (line %d, column %d: %s)", je.line,
		         je.column, je.text);
		return NULL;
	}
	kind = source_json_str(root, "kind");
	items = json_object_get(root, "items");
	if (kind == NULL || strcmp(kind, "youtube#commentThreadListResponse") != 0 ||
	    !json_is_array(items)) {
		snprintf(err, errlen,
		         "the answer is not a youtube#commentThreadListResponse with "
		         "items");
		json_decref(root);
		return NULL;
	}
	out = json_array();
	json_array_foreach(items, i, th) yt_thread(out, th, account, bad, why);
	tok = source_json_str(root, "nextPageToken");
	if (tok && *tok && strlen(tok) < 1024)
		*next = xstrdup(tok);
	json_decref(root);
	return out;
}

/* ---- the quota ------------------------------------------------------- */

int64_t
source_youtube_next_reset(const struct tz *zone, int64_t now_s, int64_t test_at, int64_t test_day)
{
	struct tm tm;
	const char *abbr;
	int64_t r, k;

	if (test_day > 0) {
		/* the first test_at + k * test_day after now, k of any sign */
		k = (now_s - test_at) / test_day;
		if ((now_s - test_at) % test_day < 0)
			k--;
		return test_at + (k + 1) * test_day;
	}
	tz_local(zone, now_s, &tm, &abbr);
	r = now_s - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) + 86400;
	/* a day of 23 or 25 hours (a clock change): that midnight is an hour off */
	tz_local(zone, r, &tm, &abbr);
	if (tm.tm_hour == 23)
		r += 3600;
	else if (tm.tm_hour == 1)
		r -= 3600;
	return r;
}

int64_t
source_youtube_interval_ms(long units_left, long round_cost, int64_t ms_to_reset, int64_t floor_ms)
{
	int64_t w;

	if (round_cost < 1)
		round_cost = 1;
	if (ms_to_reset < 0)
		ms_to_reset = 0;
	if (units_left < round_cost)
		return ms_to_reset > floor_ms ? ms_to_reset : floor_ms;
	w = ms_to_reset / (units_left / round_cost);
	return w > floor_ms ? w : floor_ms;
}

/* ---- the running source ---------------------------------------------- */

struct yt_target {
	const char *param; /* "videoId" or "allThreadsRelatedToChannelId" */
	char *id;
	char *key;       /* "video:<id>", "channel:<id>": its name in the cursor */
	char *account;   /* "youtube:<id>" */
	int64_t seen_ms; /* the newest thread taken; 0: none yet */
	json_t *edge;    /* the ids of the threads taken at seen_ms (a few) */
	int gone;        /* 404 or comments disabled: said once */
};

struct ysrc {
	struct source src;
	struct stream *st;
	struct source_queue queue;
	struct source_recent recent;
	struct tz *zone;
	char *base, *key, *channel, *labels;
	struct yt_target *t;
	size_t nt, cur;
	char *page;      /* the next page of target cur; NULL: its first */
	int pages;       /* pages of target cur read this round */
	json_t *pending; /* target cur's new comments so far */
	long budget, spent;
	int64_t reset_s;                 /* the reset the units spent count up to */
	int64_t every_ms, day_s, day_at; /* day_s, day_at: tests only (YT_TEST_ENV) */
	int exhausted;                   /* no request before reset_s */
	int key_refused;                 /* the last answer refused the key */
	long round_pages, last_round;
	int more; /* the round goes on: the next request at once */
};

static int64_t
yt_now_s(void)
{
	return util_now_ms() / 1000;
}

static void
yt_save(struct ysrc *y)
{
	json_t *o = json_object(), *seen = json_object(), *edge = json_object();

	for (size_t i = 0; i < y->nt; i++)
		if (y->t[i].seen_ms > 0) {
			json_object_set_new(seen, y->t[i].key,
			                    json_integer(y->t[i].seen_ms / 1000));
			json_object_set(edge, y->t[i].key, y->t[i].edge);
		}
	json_object_set_new(o, "edge", edge);
	json_object_set_new(o, "reset", json_integer(y->reset_s));
	json_object_set_new(o, "spent", json_integer(y->spent));
	json_object_set_new(o, "seen", seen);
	source_cursor_set_json(&y->src, o, "the cursor and the quota spent");
	json_decref(o);
}

static void
yt_load(struct ysrc *y)
{
	json_t *o = source_cursor_get_json(&y->src), *seen = json_object_get(o, "seen");
	json_t *reset = json_object_get(o, "reset"), *spent = json_object_get(o, "spent");

	for (size_t i = 0; i < y->nt; i++) {
		json_t *v = json_object_get(seen, y->t[i].key), *id;
		json_t *edge = json_object_get(json_object_get(o, "edge"), y->t[i].key);
		size_t j;

		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			continue;
		y->t[i].seen_ms = json_integer_value(v) * 1000;
		/* the threads of that last second: a new one of the same second is still taken */
		json_array_foreach(edge, j, id)
		{
			if (!json_is_string(id) || j >= YT_EDGE_MAX)
				continue;
			json_array_append(y->t[i].edge, id);
			source_recent_add(&y->recent, json_string_value(id));
		}
	}
	/* the units spent count while their day lasts */
	if (json_is_integer(reset) && json_integer_value(reset) == y->reset_s &&
	    json_is_integer(spent) && json_integer_value(spent) > 0)
		y->spent = (long)json_integer_value(spent);
	if (o)
		log_info("source %s: resuming with %ld quota unit(s) spent today", y->src.name,
		         y->spent);
	json_decref(o);
}

static long
yt_left(const struct ysrc *y)
{
	return y->spent < y->budget ? y->budget - y->spent : 0;
}

static void
yt_metric(struct ysrc *y)
{
	metrics_set("keluh_source_quota_remaining", y->labels, (double)yt_left(y));
}

/* When the reset has come: a new budget, and the trouble of the last day over. */
static void
yt_roll(struct ysrc *y)
{
	int64_t now = yt_now_s();

	if (now < y->reset_s)
		return;
	y->reset_s = source_youtube_next_reset(y->zone, now, y->day_at, y->day_s);
	y->spent = 0;
	if (y->exhausted)
		log_info("source %s: the quota was reset; polling again", y->src.name);
	y->exhausted = 0;
	source_warn_clear(&y->src, "the daily quota was reset");
	yt_metric(y);
	yt_save(y);
}

/* Hours and minutes until the reset, for people. */
static void
yt_until(const struct ysrc *y, char *out, size_t len)
{
	int64_t s = y->reset_s - yt_now_s();

	if (s < 0)
		s = 0;
	snprintf(out, len, "%" PRId64 "h%02" PRId64 "m", s / 3600, s / 60 % 60);
}

/* quota_low: spending ran ahead of the plan, with much of the day to go. */
static void
yt_check_low(struct ysrc *y)
{
	int64_t day = y->day_s > 0 ? y->day_s : 86400;
	char d[256], u[32];

	if (y->exhausted || yt_left(y) * 100 >= (long)YT_LOW_PERCENT * y->budget ||
	    (y->reset_s - yt_now_s()) * YT_LOW_DAY_PART <= day)
		return;
	yt_until(y, u, sizeof(u));
	snprintf(d, sizeof(d),
	         "%ld of %ld quota units left, %s before the quota resets at midnight "
	         "Pacific time; polls are spaced out to last",
	         yt_left(y), y->budget, u);
	source_warn(&y->src, "quota_low", d);
}

static void
yt_exhausted(struct ysrc *y, const char *why)
{
	char d[300], u[32];

	y->exhausted = 1;
	yt_until(y, u, sizeof(u));
	snprintf(d, sizeof(d), "%s; no poll until it resets at midnight Pacific time (in %s)", why,
	         u);
	source_warn(&y->src, "quota_exhausted", d);
	yt_metric(y);
}

static void
yt_paging_end(struct ysrc *y)
{
	free(y->page);
	y->page = NULL;
	y->pages = 0;
	json_decref(y->pending);
	y->pending = NULL;
}

/* The next video or channel; the round ends after the last. */
static void
yt_next_target(struct ysrc *y)
{
	yt_paging_end(y);
	if (++y->cur < y->nt) {
		y->more = 1;
		return;
	}
	y->cur = 0;
	y->more = 0;
	y->last_round = y->round_pages;
	y->round_pages = 0;
}

static int
yt_request(void *arg, struct stream *st)
{
	struct ysrc *y = arg;
	const struct yt_target *t;
	char *id, *pg = NULL, *url;

	if (source_queue_busy(&y->queue))
		return -1; /* the last answer is not all taken yet */
	yt_roll(y);
	if (y->exhausted)
		return -1;
	if (yt_left(y) < yt_cost[YT_CALL_COMMENT_THREADS]) {
		yt_exhausted(y, "this source's share of the daily quota is spent");
		return -1;
	}
	t = &y->t[y->cur];
	id = curl_easy_escape(NULL, t->id, 0);
	if (y->page)
		pg = curl_easy_escape(NULL, y->page, 0);
	url = xasprintf("%s/commentThreads?part=snippet,replies&%s=%s&order=time&maxResults=%d&"
	                "textFormat=plainText%s%s",
	                y->base, t->param, id ? id : "", YT_PAGE, pg ? "&pageToken=" : "",
	                pg ? pg : "");
	stream_set_url(st, url);
	source_add_header(st, "X-Goog-Api-Key: %s", y->key);
	curl_free(id);
	curl_free(pg);
	free(url);
	/* Google counts a call that fails too: so does keluh, before it goes */
	y->spent += yt_cost[YT_CALL_COMMENT_THREADS];
	y->round_pages++;
	yt_metric(y);
	yt_save(y);
	yt_check_low(y);
	return 0;
}

/* ---- taking the comments --------------------------------------------- */

static int
yt_take(void *arg, json_t *e, void *aux)
{
	struct ysrc *y = arg;
	size_t ti = (size_t)json_integer_value(json_object_get(e, "target"));
	json_t *m = json_object_get(e, "mention");
	const char *id = source_json_str(m, "id"), *ach = source_json_str(e, "author_channel");
	int64_t tms = json_integer_value(json_object_get(e, "thread_ms"));
	int rc;

	(void)aux;
	if (source_recent_seen(&y->recent, id)) {
		rc = 0; /* a channel's thread read through one of its videos too */
	} else if (y->channel && ach && strcmp(ach, y->channel) == 0) {
		/* the brand's channel answering in public: a reply record, never a complaint */
		rc = source_take_brand(&y->src, y->channel, source_json_str(m, "reply_to"), id,
		                       yt_time_ms(source_json_str(m, "created_at")));
	} else
		rc = source_take_item(&y->src, (char *const[SF__N]){NULL}, m);
	if (rc < 0)
		return -1;
	source_recent_add(&y->recent, id);
	metrics_add("keluh_source_events_total", y->labels, 1);
	if (json_is_true(json_object_get(e, "last")) && ti < y->nt && tms >= y->t[ti].seen_ms) {
		struct yt_target *t = &y->t[ti];

		/* the thread is all taken: with its last comment, in the same spool pass */
		if (tms > t->seen_ms)
			json_array_clear(t->edge);
		t->seen_ms = tms;
		if (json_array_size(t->edge) < YT_EDGE_MAX)
			json_array_append(t->edge, json_object_get(e, "thread"));
		yt_save(y);
	}
	return 0;
}

/* The new threads of target cur, all pages read: to the queue, oldest first. */
static void
yt_flush(struct ysrc *y)
{
	size_t n = json_array_size(y->pending), i, j;

	source_queue_clear(&y->queue);
	/* pending is newest thread first, each thread in order: push threads backwards */
	for (i = n; i > 0;) {
		size_t end = i;

		j = i - 1;
		while (j > 0 &&
		       !json_is_true(json_object_get(json_array_get(y->pending, j - 1), "last")))
			j--;
		for (size_t k = j; k < end; k++) {
			json_t *e = json_array_get(y->pending, k);

			json_object_set_new(e, "target", json_integer((json_int_t)y->cur));
			source_queue_push(&y->queue, json_incref(e), NULL);
		}
		i = j;
	}
}

/* Counts the entries of page newer than the target's cursor into pending; 1 if all were. */
static int
yt_collect(struct ysrc *y, json_t *page)
{
	struct yt_target *t = &y->t[y->cur];
	json_t *e;
	size_t i, seen = 0;
	int start = 1, skip = 0;

	if (y->pending == NULL)
		y->pending = json_array();
	json_array_foreach(page, i, e)
	{
		int64_t tms = json_integer_value(json_object_get(e, "thread_ms"));

		if (start) {
			/* a thread of the cursor's own second may be new: the ring knows the old */
			skip = t->seen_ms > 0 &&
			       (tms < t->seen_ms ||
			        (tms == t->seen_ms &&
			         source_recent_seen(&y->recent, source_json_str(e, "thread"))));
			seen += skip;
		}
		start = json_is_true(json_object_get(e, "last"));
		if (!skip)
			json_array_append(y->pending, e);
	}
	log_debug("source %s: %s page %d: %zu thread(s) seen before", y->src.name, t->key, y->pages,
	          seen);
	return seen == 0;
}

static void
yt_body(void *arg, const char *data, size_t len, const char *etag)
{
	struct ysrc *y = arg;
	struct yt_target *t = &y->t[y->cur];
	char err[256], *next = NULL;
	const char *why;
	size_t bad;
	json_t *page;
	int all_new;

	(void)etag;
	y->pages++;
	t->gone = 0;
	if ((page = source_youtube_parse(data, len, t->account, &next, &bad, &why, err,
	                                 sizeof(err))) == NULL) {
		y->src.errors++;
		stream_count_error(y->src.name, strstr(err, "UTF-8")      ? "utf8"
		                                : strstr(err, "not JSON") ? "json"
		                                                          : "mapping");
		log_warnx("source %s: %s: %s; skipped", y->src.name, t->key, err);
		yt_next_target(y);
		return;
	}
	if (bad) {
		y->src.errors += bad;
		for (size_t i = 0; i < bad; i++)
			stream_count_error(y->src.name, "mapping");
		log_warnx("source %s: %s: %zu comment(s) skipped: %s", y->src.name, t->key, bad,
		          why);
	}
	all_new = yt_collect(y, page);
	json_decref(page);
	free(y->page);
	y->page = NULL;
	if (all_new && t->seen_ms > 0 && next) {
		if (y->pages < YT_PAGES_MAX) {
			y->page = next; /* the next page at once (yt_wait), then all of them */
			y->more = 1;
			return;
		}
		source_skipped(&y->src, "gap");
		log_warnx("source %s: %s: more than %d new comments since the last poll; the older "
		          "ones are not read (a larger quota_share or daily_quota avoids this)",
		          y->src.name, t->key, YT_PAGE * y->pages);
	}
	free(next);
	yt_flush(y);
	yt_next_target(y);
	source_queue_drain(&y->queue);
}

/* The queue is empty: the round goes on at once. */
static void
yt_drained(void *arg)
{
	struct ysrc *y = arg;

	if (y->more)
		stream_retry_in(y->st, 0);
}

/* ---- the API's errors ------------------------------------------------ */

/* errors[0].reason of a Google API error body, and whether it names a bad key. */
static const char *
yt_reason(struct ysrc *y, char *out, size_t len, int *bad_key)
{
	size_t bl;
	const char *b = stream_error_body(y->st, &bl);
	json_t *o = b ? json_loadb(b, bl, 0, NULL) : NULL, *er = json_object_get(o, "error");
	const char *r = source_json_str(json_array_get(json_object_get(er, "errors"), 0), "reason");
	const char *msg = source_json_str(er, "message");

	snprintf(out, len, "%s", r ? r : "");
	*bad_key = (r && strcmp(r, "keyInvalid") == 0) ||
	           (msg && strstr(msg, "API key not valid")) ||
	           (b && memmem(b, bl, "API_KEY_INVALID", 15));
	json_decref(o);
	return out;
}

/* 401 and 403: the quota used up, comments turned off, or the key refused. */
static int
yt_refused(void *arg, long status)
{
	struct ysrc *y = arg;
	char reason[64];
	int bad_key;

	yt_reason(y, reason, sizeof(reason), &bad_key);
	yt_paging_end(y);
	if (strcmp(reason, "quotaExceeded") == 0) {
		stream_count_error(y->src.name, "quota");
		y->spent = y->budget > y->spent ? y->budget : y->spent;
		yt_save(y);
		yt_exhausted(y,
		             "the API answers 403 quotaExceeded: the project's daily quota is used "
		             "up");
		return 1;
	}
	if (strcmp(reason, "commentsDisabled") == 0) {
		if (!y->t[y->cur].gone)
			log_warnx("source %s: %s: HTTP %ld %s: its comments cannot be read; it is "
			          "tried again next round",
			          y->src.name, y->t[y->cur].key, status, reason);
		y->t[y->cur].gone = 1;
		yt_next_target(y);
		return 1;
	}
	stream_count_error(y->src.name, "auth");
	y->key_refused = 1;
	y->more = 0;
	log_error("source %s: the API refused the key (HTTP %ld%s%s): check key_file and that the "
	          "YouTube Data API v3 is enabled for the key's project",
	          y->src.name, status, *reason ? " " : "", reason);
	return 1;
}

/* The wait of a round that ended: the units left spread until the reset. */
static int64_t
yt_round_wait(struct ysrc *y)
{
	long cost = y->last_round > (long)y->nt ? y->last_round : (long)y->nt;
	int64_t to_reset = (y->reset_s - yt_now_s()) * 1000 + YT_RESET_MARGIN_MS;
	int64_t w = source_youtube_interval_ms(yt_left(y), cost, to_reset, y->every_ms);

	yt_check_low(y);
	log_debug("source %s: %ld unit(s) left, %ld a round: next round in %" PRId64 " ms",
	          y->src.name, yt_left(y), cost, w);
	return w;
}

static int64_t
yt_wait(void *arg, long status, int64_t ms)
{
	struct ysrc *y = arg;
	char reason[64];
	int bad_key;

	if (y->exhausted)
		return (y->reset_s - yt_now_s()) * 1000 + YT_RESET_MARGIN_MS;
	if (status == 200)
		return y->more ? 0 : yt_round_wait(y);
	if (status == 401 || status == 403) {
		/* yt_refused said why */
		if (y->key_refused) {
			y->key_refused = 0;
			return ms > YT_KEY_BACKOFF_MS ? ms : YT_KEY_BACKOFF_MS;
		}
		return y->more ? 0 : yt_round_wait(y);
	}
	yt_paging_end(y); /* the next try starts again from the newest page */
	if (status == 400) {
		yt_reason(y, reason, sizeof(reason), &bad_key);
		if (bad_key) {
			log_error(
			    "source %s: the API key is not valid (HTTP 400%s%s): check key_file",
			    y->src.name, *reason ? " " : "", reason);
			return ms > YT_KEY_BACKOFF_MS ? ms : YT_KEY_BACKOFF_MS;
		}
	}
	if (status == 404) {
		if (!y->t[y->cur].gone)
			log_warnx(
			    "source %s: %s is not found (HTTP 404); it is tried again next round",
			    y->src.name, y->t[y->cur].key);
		y->t[y->cur].gone = 1;
		yt_next_target(y);
		return y->more ? 0 : yt_round_wait(y);
	}
	return ms; /* 5xx, timeouts: the stream's backoff */
}

static void
yt_stop(struct source *src)
{
	struct ysrc *y = (struct ysrc *)src;

	stream_free(y->st);
	source_queue_free(&y->queue);
	source_recent_free(&y->recent);
	yt_paging_end(y);
	tz_free(y->zone);
	for (size_t i = 0; i < y->nt; i++) {
		json_decref(y->t[i].edge);
		free(y->t[i].id);
		free(y->t[i].key);
		free(y->t[i].account);
	}
	free(y->t);
	explicit_bzero(y->key, strlen(y->key));
	free(y->key);
	free(y->base);
	free(y->channel);
	free(y->labels);
}

/* ---- the options ----------------------------------------------------- */

struct youtube_opts {
	struct source_net net; /* url: api_url; interval_ms: every */
	char *key;
	char **videos;
	size_t nvideos;
	char *channel;
	long daily_quota;
	long share; /* percent */
};

static void
yt_target_add(struct ysrc *y, const char *param, const char *kind, const char *id)
{
	struct yt_target *t = &y->t[y->nt++];

	t->param = param;
	t->id = xstrdup(id);
	t->key = xasprintf("%s:%s", kind, id);
	t->account = xasprintf("youtube:%s", id);
	t->edge = json_array();
}

/*
 * KELUH_TEST_QUOTA_RESET=AT:SECONDS, for tests only: the quota resets at
 * the Unix time AT and every SECONDS from it, instead of at midnight
 * Pacific time.
 */
static void
yt_test_day(struct ysrc *y)
{
	const char *v = getenv(YT_TEST_ENV);
	long long at, d;

	if (v == NULL || *v == '\0' || sscanf(v, "%lld:%lld", &at, &d) != 2 || d < 1)
		return;
	y->day_at = at;
	y->day_s = d;
	log_warnx("source %s: %s is set: the quota resets at %lld and every %llds after (for "
	          "tests only)",
	          y->src.name, YT_TEST_ENV, at, d);
}

static struct source *
yt_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn, void *arg,
         char *err, size_t errlen)
{
	static const char *const keep[] = {"retry-after", NULL};
	const struct youtube_opts *yo = cs->opts;
	struct ysrc *y;
	struct stream_opts o;
	char zerr[256];

	if (source_need_http(env, "poll", err, errlen) < 0)
		return NULL;
	if (yo->key == NULL) {
		snprintf(err, errlen, "no key_file");
		return NULL;
	}
	y = source_new(sizeof(*y), env, cs, fn, arg, yt_stop);
	/* bounded by the answers: YT_PAGES_MAX pages of one video or channel */
	source_queue_init(&y->queue, env->base, y->src.name, 0, yt_take, yt_drained, y);
	y->labels = xasprintf("source=\"%s\"", cs->name);
	y->base = source_url_base(yo->net.url);
	y->key = xstrdup(yo->key);
	y->channel = yo->channel ? xstrdup(yo->channel) : NULL;
	y->t = xcalloc(yo->nvideos + 1, sizeof(*y->t));
	for (size_t i = 0; i < yo->nvideos; i++)
		yt_target_add(y, "videoId", "video", yo->videos[i]);
	if (yo->channel)
		yt_target_add(y, "allThreadsRelatedToChannelId", "channel", yo->channel);
	y->budget = (long)((long long)yo->daily_quota * yo->share / 100);
	if (y->budget < 1)
		y->budget = 1;
	y->every_ms = yo->net.interval_ms;
	yt_test_day(y);
	if (y->day_s == 0 && (y->zone = tz_load(YT_ZONE, zerr, sizeof(zerr))) == NULL)
		log_warnx("source %s: %s; the quota reset is taken as midnight UTC-8", cs->name,
		          zerr);
	y->reset_s = source_youtube_next_reset(y->zone, yt_now_s(), y->day_at, y->day_s);
	if (y->zone == NULL && y->day_s == 0)
		y->reset_s = ((yt_now_s() + 8 * 3600) / 86400 + 1) * 86400 - 8 * 3600;
	yt_load(y);
	yt_metric(y);
	source_stream_opts(&o, cs->name, &yo->net, y->base, STREAM_POLL);
	o.token = NULL;
	o.keep_headers = keep;
	y->st = source_stream_new(&y->src, env, &o,
	                          &(struct stream_handlers){.body = yt_body,
	                                                    .request = yt_request,
	                                                    .wait = yt_wait,
	                                                    .refused = yt_refused,
	                                                    .arg = y});
	return &y->src;
}

/* YouTube ids: letters, digits, - and _ (a video's 11, a channel's UC and 22 more). */
static int
yt_id_ok(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	return n >= min && n <= max &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

static void
yt_parse_what(struct confp *L, const struct conf_source *cs, struct youtube_opts *yo,
              yaml_node_t *item)
{
	yaml_node_t *v;
	const char *s;

	if ((v = ymap_get(L->yf, item, "videos")) != NULL &&
	    confp_strings(L, v, "videos", &yo->videos, &yo->nvideos) == 0) {
		for (size_t i = 0; i < yo->nvideos; i++)
			if (!yt_id_ok(yo->videos[i], 11, 11))
				yerror(L->d, L->yf, yis_seq(v) ? yseq_item(L->yf, v, i) : v,
				       "videos: '%s' is not a YouTube video id (the 11 characters "
				       "after "
				       "watch?v=, like dQw4w9WgXcQ)",
				       yo->videos[i]);
		if (yo->nvideos >= YT_TARGETS_MAX)
			yerror(L->d, L->yf, v,
			       "videos: %zu videos; at most %d in one source (give "
			       "channel: to read all of a channel's videos at once)",
			       yo->nvideos, YT_TARGETS_MAX - 1);
	}
	if (confp_string(L, item, "channel", &s) == 0 && s) {
		if (strncmp(s, "UC", 2) != 0 || !yt_id_ok(s, 24, 24))
			yerror(
			    L->d, L->yf, ymap_get(L->yf, item, "channel"),
			    "channel: '%s' is not a YouTube channel id (UC and 22 more characters, "
			    "from the channel's advanced settings; not its @handle)",
			    s);
		else
			yo->channel = xstrdup(s);
	}
	if (ymap_get(L->yf, item, "videos") == NULL && ymap_get(L->yf, item, "channel") == NULL)
		yerror(L->d, L->yf, item,
		       "source '%s' of type youtube needs videos: (video ids) "
		       "or channel: (a channel id), or both",
		       cs->name);
}

static void
yt_parse_quota(struct confp *L, struct youtube_opts *yo, yaml_node_t *item)
{
	const char *s;
	long n;

	yo->daily_quota = 10000;
	yo->share = 100;
	if (confp_long(L, item, "daily_quota", 1, 1000000000L, &n) == 0 &&
	    ymap_get(L->yf, item, "daily_quota"))
		yo->daily_quota = n;
	if (confp_string(L, item, "quota_share", &s) == 0 && s) {
		char *end;
		long p = strtol(s, &end, 10);

		if (end == s || strcmp(end, "%") != 0 || p < 1 || p > 100)
			yerror(
			    L->d, L->yf, ymap_get(L->yf, item, "quota_share"),
			    "quota_share: '%s' must be a percent from 1%% to 100%%, like 50%% (the "
			    "part of daily_quota this source may spend)",
			    s);
		else
			yo->share = p;
	}
}

static void *
yt_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	struct youtube_opts *yo = xcalloc(1, sizeof(*yo));
	yaml_node_t *v;
	const char *s;
	int64_t every;

	source_net_init(&yo->net, 1);
	yo->net.url = xstrdup("https://www.googleapis.com/youtube/v3");
	yo->net.interval_ms = 60000;
	source_net_parse(L, cs, &yo->net, item, NULL);
	source_health_parse(L, cs, item);
	if ((v = ymap_get(L->yf, item, "api_url")) != NULL &&
	    yget_string(L->d, L->yf, v, "api_url", &s) == 0) {
		if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
			yerror(L->d, L->yf, v, "api_url: '%s' must start with https:// or http://",
			       s);
		else {
			free(yo->net.url);
			yo->net.url = xstrdup(s);
		}
	}
	if (confp_duration(L, item, "every", &every) == 0 && ymap_get(L->yf, item, "every")) {
		if (every < 100)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "every"),
			       "every must be at least 100ms (the quota spaces polls out anyway)");
		else
			yo->net.interval_ms = every;
	}
	yt_parse_what(L, cs, yo, item);
	yt_parse_quota(L, yo, item);
	yo->key = confp_secret_line(L, item, "key_file");
	if (ymap_get(L->yf, item, "key_file") == NULL)
		yerror(L->d, L->yf, item,
		       "source '%s' of type youtube needs key_file (a file holding "
		       "the API key, from the Google Cloud console's Credentials page)",
		       cs->name);
	return yo;
}

static int
yt_same(const void *va, const void *vb)
{
	const struct youtube_opts *a = va, *b = vb;

	return source_net_same(&a->net, &b->net) &&
	       source_same_strs(a->videos, a->nvideos, b->videos, b->nvideos) &&
	       source_same_str(a->channel, b->channel) && source_same_str(a->key, b->key) &&
	       a->daily_quota == b->daily_quota && a->share == b->share;
}

static void
yt_free(void *opts)
{
	struct youtube_opts *yo = opts;

	source_net_free(&yo->net);
	confp_free_strings(yo->videos, yo->nvideos);
	free(yo->channel);
	confp_free_secret(yo->key);
	free(yo);
}

/* the URL, the mapping and the key's header are built in: no url, fields, headers or token_file */
static const struct conf_key youtube_keys[] = {
    {"max_event", CONF_SIZE},       {"reconnect", CONF_DURATION},
    {"backoff_max", CONF_DURATION}, {"timeout", CONF_DURATION},
    {"alert_after", CONF_DURATION}, {"alert_to", CONF_LIST},
    {"key_file", CONF_SECRET_FILE}, {"videos", CONF_LIST},
    {"channel", CONF_STRING},       {"api_url", CONF_STRING},
    {"daily_quota", CONF_INT},      {"quota_share", CONF_STRING},
    {"every", CONF_DURATION},       {NULL, 0},
};

const struct source_kind source_kind_youtube = {
    .conf =
        {
            .name = "youtube",
            .keys = youtube_keys,
            .parse = yt_parse,
            .same = yt_same,
            .free = yt_free,
        },
    .start = yt_start,
};
