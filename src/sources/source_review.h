/*
 * source_review.h: what the two app-store review kinds share (google-play
 * and app-store). Each polls one listing per app (a package, an app id),
 * newest first, page after page until it reaches the reviews taken
 * before; the new ones go to the daemon oldest first, and the time of the
 * newest one taken per app is the cursor. The kind gives the token (its
 * own OAuth flow), the URL of a listing and the reading of a page.
 *
 * A token the API refuses (401, 403) is dropped and a new one made at
 * once; refused again, the source raises token_invalid (source_warn) and
 * backs off like any failed poll. Loop thread only.
 */
#ifndef KELUH_SOURCE_REVIEW_H
#define KELUH_SOURCE_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sources/source.h"
#include "sources/source_queue.h"

#define REVIEW_PAGES_MAX 20 /* pages read back in one poll of one app */
#define REVIEW_WEEK_MS   (7 * 86400 * 1000LL)

struct review_src;
struct stream;

struct review_ops {
	/* The first page of target's listing (malloc'd). */
	char *(*first_url)(struct review_src *, const char *target);
	/* Before each request: the Authorization header; -1 while no token is ready. */
	int (*auth)(struct review_src *, struct stream *);
	/* The API refused the token: drop it, the next auth makes a new one. */
	void (*forget)(struct review_src *);
	/*
	 * One page of target's listing: its reviews into items (review_add),
	 * the next page's URL into *next (malloc'd; NULL at the end). -1 with
	 * why when root is not a page of this API.
	 */
	int (*page)(struct review_src *, const char *target, json_t *root, json_t *items,
	            char **next, char *why, size_t whylen);
	/* Frees the kind's part (the base frees the rest). */
	void (*stop)(struct review_src *);
	/*
	 * 0, or the platform's window: the API shows only this much back, so
	 * a longer time without a poll is a gap (source_warn "gap"), and a
	 * first start reads no further back than this.
	 */
	int64_t window_ms;
	const char *platform; /* "google-play": account ids are platform:target */
};

/* The running source: the kind's struct starts with it. */
struct review_src {
	struct source src;
	const struct review_ops *ops;
	struct stream *st;
	char *labels;
	char **targets;
	size_t ntargets, cur;
	int64_t *seen;     /* per target: the newest review time taken (Unix ms) */
	int64_t polled_ms; /* when a poll of every target last went through (Unix ms) */
	int64_t started_ms;
	char *next; /* the next page of the current target, while reading back */
	json_t *pending;
	int pages;
	int refreshed; /* a new token after a refusal: another one is token_invalid */
	struct source_queue queue;
	struct source_recent recent;
};

/*
 * A review of a page: its mention id, and when it was written (at_ms) with
 * its mention m (the reference is taken; NULL when there is nothing to
 * read), and when the developer answered it (reply_ms; 0: not answered).
 */
void review_add(json_t *items, const char *id, int64_t at_ms, json_t *m, int64_t reply_ms);

/*
 * The start of a kind's start: the struct (size bytes, starting with a
 * review_src) with the targets, the cursor read back and the poll stream
 * on url (its first request's URL comes from ops). The stream options'
 * strings stay the caller's.
 */
struct review_src *review_start(size_t size, const struct source_env *, const struct conf_source *,
                                source_emit_fn fn, void *arg, const struct review_ops *ops,
                                char *const *targets, size_t ntargets, struct stream_opts *o);
/* The kind's token is ready: the poll waiting for it goes out now. */
void review_token_ready(struct review_src *);

/*
 * One answer (data, len) of target's listing, read as a page (ops->page):
 * 0, or -1 with *kind ("utf8", "json", "mapping": the error's kind for
 * keluh_source_errors_total) and why. Answers are untrusted input.
 */
int review_read(struct review_src *, const char *target, const char *data, size_t len,
                json_t *items, char **next, const char **kind, char *why, size_t whylen);

/*
 * For the fuzz harness (tests/fuzz/fuzz_reviews.c): review_read of one
 * answer by a google-play or app-store source that is not running
 * (api_url http://127.0.0.1, target "com.acme.app" or "682658836").
 */
int source_google_play_read(const char *data, size_t len, json_t *items, char **next);
int source_app_store_read(const char *data, size_t len, json_t *items, char **next);

#endif
