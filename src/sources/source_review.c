#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "net/stream.h"
#include "sources/source_review.h"

/*
 * The cursor, one JSON text for every app of the source:
 * {"polled": <Unix ms of the last whole poll>, "seen": {"<app>": <Unix ms>}}.
 * It is stored with each review taken (the same spool transaction) and
 * after each whole poll, which is what tells a gap after a restart.
 */
static void
rv_cursor_store(struct review_src *r)
{
	json_t *c = json_object(), *seen = json_object();

	for (size_t i = 0; i < r->ntargets; i++)
		if (r->seen[i] > 0)
			json_object_set_new(seen, r->targets[i], json_integer(r->seen[i]));
	json_object_set_new(c, "polled", json_integer(r->polled_ms));
	json_object_set_new(c, "seen", seen);
	source_cursor_set_json(&r->src, c, "the cursor");
	json_decref(c);
}

static void
rv_cursor_load(struct review_src *r)
{
	json_t *c = source_cursor_get_json(&r->src), *seen = json_object_get(c, "seen");

	if (json_is_integer(json_object_get(c, "polled")))
		r->polled_ms = json_integer_value(json_object_get(c, "polled"));
	for (size_t i = 0; i < r->ntargets; i++) {
		json_t *v = json_object_get(seen, r->targets[i]);

		if (json_is_integer(v) && json_integer_value(v) > 0) {
			char ts[32];

			r->seen[i] = json_integer_value(v);
			util_iso8601(r->seen[i], ts, sizeof(ts));
			log_info("source %s: %s: resuming after the review of %s", r->src.name,
			         r->targets[i], ts);
		} else /* a first start: the last week, no further back */
			r->seen[i] = r->started_ms - REVIEW_WEEK_MS;
	}
	json_decref(c);
}

/* Reviews may have been missed: no whole poll for longer than the API shows back. */
static int
rv_gap_check(struct review_src *r, int64_t now, const char *when)
{
	char d[200], hb[32];

	if (r->ops->window_ms <= 0 || r->polled_ms <= 0 || now - r->polled_ms <= r->ops->window_ms)
		return 0;
	snprintf(d, sizeof(d),
	         "%s %s ago; the API shows only the last %s of reviews, so older ones may "
	         "have been missed",
	         when, util_human_ms(now - r->polled_ms, hb, sizeof(hb)),
	         r->ops->window_ms == REVIEW_WEEK_MS ? "week" : "days");
	source_warn(&r->src, "gap", d);
	return 1;
}

void
review_add(json_t *items, const char *id, int64_t at_ms, json_t *m, int64_t reply_ms)
{
	json_t *it = json_object();

	json_object_set_new(it, "id", json_string(id));
	json_object_set_new(it, "at", json_integer(at_ms > reply_ms ? at_ms : reply_ms));
	json_object_set_new(it, "m_at", json_integer(at_ms));
	if (m)
		json_object_set_new(it, "m", m);
	if (reply_ms > 0)
		json_object_set_new(it, "r_at", json_integer(reply_ms));
	json_array_append_new(items, it);
}

static int64_t
rv_int(json_t *it, const char *key)
{
	json_t *v = json_object_get(it, key);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* One review: its mention, then the developer's answer to it; the cursor after both. */
static int
rv_take(void *arg, json_t *it, void *aux)
{
	struct review_src *r = arg;
	size_t t = (size_t)rv_int(it, "t");
	const char *id = source_json_str(it, "id");
	json_t *m = json_object_get(it, "m");
	int64_t at = rv_int(it, "at"), m_at = rv_int(it, "m_at"), r_at = rv_int(it, "r_at");

	(void)aux;
	if (m && m_at > r->seen[t] && !json_is_true(json_object_get(it, "done"))) {
		if (source_take_item(&r->src, (char *const[SF__N]){NULL}, m) < 0)
			return -1;
		json_object_set_new(it, "done", json_true());
		metrics_add("keluh_source_events_total", r->labels, 1);
	} else if (m == NULL && m_at > r->seen[t]) {
		source_skipped(&r->src, "no_text");
		log_debug("source %s: %s has no text; skipped", r->src.name, id);
	}
	if (r_at > r->seen[t]) {
		char *acct = xasprintf("%s:%s", r->ops->platform, r->targets[t]);
		char *rid = xasprintf("%s:reply", id);
		int rc = source_take_brand(&r->src, acct, id, rid, r_at);

		free(acct);
		free(rid);
		if (rc < 0)
			return -1;
	}
	if (at > r->seen[t]) {
		r->seen[t] = at;
		rv_cursor_store(r);
	}
	return 0;
}

static void
rv_paging_end(struct review_src *r)
{
	free(r->next);
	r->next = NULL;
	json_array_clear(r->pending);
	r->pages = 0;
}

static int
rv_item_cmp(const void *a, const void *b)
{
	int64_t x = rv_int(*(json_t *const *)a, "at"), y = rv_int(*(json_t *const *)b, "at");

	return x < y ? -1 : x > y;
}

/* Every page of the current app is read: the new reviews go out oldest first. */
static void
rv_target_done(struct review_src *r)
{
	size_t n = json_array_size(r->pending), i, fresh = 0;
	json_t **v = xcalloc(n + 1, sizeof(*v));

	for (i = 0; i < n; i++)
		v[i] = json_array_get(r->pending, i);
	qsort(v, n, sizeof(*v), rv_item_cmp);
	for (i = 0; i < n; i++) {
		if (rv_int(v[i], "at") <= r->seen[r->cur])
			continue; /* taken before */
		json_object_set_new(v[i], "t", json_integer((json_int_t)r->cur));
		source_queue_push(&r->queue, json_incref(v[i]), NULL);
		fresh++;
	}
	free(v);
	log_debug("source %s: %s: %zu review(s), %zu new, in %d page(s)", r->src.name,
	          r->targets[r->cur], n, fresh, r->pages);
	rv_paging_end(r);
	if (++r->cur == r->ntargets) {
		int64_t now = util_now_ms();

		r->cur = 0;
		rv_gap_check(r, now, "the last poll that went through was");
		r->polled_ms = now;
		rv_cursor_store(r);
	}
	source_queue_drain(&r->queue);
}

/* The oldest review of a page (INT64_MAX for an empty one). */
static int64_t
rv_oldest(json_t *items, size_t from)
{
	int64_t o = INT64_MAX;

	for (size_t i = from; i < json_array_size(items); i++)
		if (rv_int(json_array_get(items, i), "at") < o)
			o = rv_int(json_array_get(items, i), "at");
	return o;
}

/* A page that cannot be read: counted, and the app's poll ends with what came before it. */
static void
rv_bad(struct review_src *r, const char *kind, const char *what)
{
	r->src.errors++;
	stream_count_error(r->src.name, kind);
	log_warnx("source %s: %s: %s; skipped", r->src.name, r->targets[r->cur], what);
	rv_target_done(r);
}

int
review_read(struct review_src *r, const char *target, const char *data, size_t len, json_t *items,
            char **next, const char **kind, char *why, size_t whylen)
{
	size_t good = utf8_valid_prefix(data, len);
	json_t *root;
	json_error_t je;
	int rc;

	*next = NULL;
	if (good != len) {
		*kind = "utf8";
		snprintf(why, whylen, "the answer is not valid UTF-8 (at byte %zu)", good);
		return -1;
	}
	if ((root = json_loadb(data, len, 0, &je)) == NULL) {
		*kind = "json";
		snprintf(why, whylen, "the answer is not JSON (line %d, column %d: %.160s)",
		         je.line, je.column, je.text);
		return -1;
	}
	*kind = "mapping";
	rc = r->ops->page(r, target, root, items, next, why, whylen);
	json_decref(root);
	if (rc < 0) {
		free(*next);
		*next = NULL;
	}
	return rc;
}

static void
rv_body(void *arg, const char *data, size_t len, const char *etag)
{
	struct review_src *r = arg;
	size_t before = json_array_size(r->pending);
	char why[320], *next = NULL;
	const char *kind;
	int64_t oldest;

	(void)etag;
	free(r->next);
	r->next = NULL;
	r->pages++;
	if (review_read(r, r->targets[r->cur], data, len, r->pending, &next, &kind, why,
	                sizeof(why)) < 0) {
		rv_bad(r, kind, why);
		return;
	}
	oldest = rv_oldest(r->pending, before);
	if (next && oldest != INT64_MAX && oldest > r->seen[r->cur]) {
		if (r->pages < REVIEW_PAGES_MAX) {
			r->next = next; /* the page before it at once (rv_wait) */
			return;
		}
		source_skipped(&r->src, "gap");
		log_warnx("source %s: %s: more than %d pages of new reviews since the last poll; "
		          "the older ones are not read (a shorter every: avoids this)",
		          r->src.name, r->targets[r->cur], REVIEW_PAGES_MAX);
	}
	free(next);
	rv_target_done(r);
}

static int
rv_request(void *arg, struct stream *st)
{
	struct review_src *r = arg;
	char *url;

	if (source_queue_busy(&r->queue))
		return -1; /* the last answer is not all taken yet */
	if (r->ops->auth(r, st) < 0)
		return -1; /* the poll goes out when the token comes (review_token_ready) */
	url = r->next ? xstrdup(r->next) : r->ops->first_url(r, r->targets[r->cur]);
	stream_set_url(st, url);
	free(url);
	return 0;
}

static int64_t
rv_wait(void *arg, long status, int64_t ms)
{
	struct review_src *r = arg;

	if (status == 200) {
		r->refreshed = 0;
		if (r->src.warned && strcmp(r->src.warned, "token_invalid") == 0)
			source_warn_clear(&r->src, "the API takes the token again");
		return r->next || r->cur != 0 ? 0 : ms; /* the next page, or the next app, now */
	}
	if (status == 401 || status == 403) {
		r->ops->forget(r);
		if (!r->refreshed) {
			/* expired or revoked: one new token, and the poll again at once */
			r->refreshed = 1;
			log_warnx(
			    "source %s: the API refused the token (HTTP %ld); making a new one",
			    r->src.name, status);
			return 0;
		}
		r->refreshed = 0;
		log_error(
		    "source %s: the API refuses a new token too (HTTP %ld); check the key and "
		    "what it may read",
		    r->src.name, status);
		source_warn(&r->src, "token_invalid",
		            status == 401
		                ? "the API refuses a freshly made token (HTTP 401): the key "
		                  "is revoked or wrong"
		                : "the API refuses a freshly made token (HTTP 403): the key "
		                  "may not read these reviews");
	}
	rv_paging_end(r); /* the next poll starts again from the newest page */
	rv_gap_check(r, util_now_ms(), "polling has failed since the last poll that went through,");
	return ms;
}

static void
rv_drained(void *arg)
{
	struct review_src *r = arg;

	if (r->next || r->cur != 0)
		stream_retry_in(r->st, 0);
}

static void
rv_stop(struct source *src)
{
	struct review_src *r = (struct review_src *)src;

	stream_free(r->st);
	source_queue_free(&r->queue);
	r->ops->stop(r);
	rv_paging_end(r);
	json_decref(r->pending);
	source_recent_free(&r->recent);
	confp_free_strings(r->targets, r->ntargets);
	free(r->seen);
	free(r->labels);
}

struct review_src *
review_start(size_t size, const struct source_env *env, const struct conf_source *cs,
             source_emit_fn fn, void *arg, const struct review_ops *ops, char *const *targets,
             size_t ntargets, struct stream_opts *o)
{
	static const char *const keep[] = {"retry-after", NULL};
	struct review_src *r = source_new(size, env, cs, fn, arg, rv_stop);

	r->ops = ops;
	r->labels = xasprintf("source=\"%s\"", cs->name);
	r->targets = xcalloc(ntargets + 1, sizeof(char *));
	for (size_t i = 0; i < ntargets; i++)
		r->targets[i] = xstrdup(targets[i]);
	r->ntargets = ntargets;
	r->seen = xcalloc(ntargets, sizeof(int64_t));
	r->pending = json_array();
	r->started_ms = util_now_ms();
	/* bounded by the answers: REVIEW_PAGES_MAX pages of one app at most */
	source_queue_init(&r->queue, env->base, r->src.name, 0, rv_take, rv_drained, r);
	rv_cursor_load(r);
	/* said once: source_warn does not repeat a state */
	rv_gap_check(r, r->started_ms, "keluhd last polled");
	o->keep_headers = keep;
	r->st = source_stream_new(
	    &r->src, env, o,
	    &(struct stream_handlers){
	        .body = rv_body, .request = rv_request, .wait = rv_wait, .arg = r});
	return r;
}

void
review_token_ready(struct review_src *r)
{
	stream_retry_in(r->st, 0);
}
