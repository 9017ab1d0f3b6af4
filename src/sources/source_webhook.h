/*
 * source_webhook.h: what the push kinds share (webhook, tiktok): a
 * webhook body, once its signature holds, checked and mapped in full
 * before anything of it is taken, so that a request refused 4xx leaves
 * nothing half-taken.
 *
 * The body must be UTF-8, JSON nested at most SOURCE_WEBHOOK_MAX_DEPTH
 * deep (checked on the bytes, before jansson builds a tree), and hold
 * its events at the items pointer (none: the body is one event, or an
 * array of them). Each event is mapped through the field map; one that
 * makes no mention is counted and skipped, the others are kept.
 */
#ifndef KELUH_SOURCE_WEBHOOK_H
#define KELUH_SOURCE_WEBHOOK_H

#include <stddef.h>

#include "engine/mention.h"
#include "sources/source.h"

#define SOURCE_WEBHOOK_MAX_DEPTH 64
#define SOURCE_WEBHOOK_MAX_ITEMS 10000 /* events in one request */

struct source_webhook_body {
	struct mention *ms; /* the mentions, owned (source_webhook_body_free) */
	size_t n, cap;
	size_t no_text;      /* events without a text: skipped */
	size_t bad;          /* events that make no mention for another reason: skipped */
	char first_bad[200]; /* why the first skipped event was skipped */
	/* on error */
	int status;         /* 400 */
	const char *reason; /* "utf8", "json", "too_deep", "items", "too_many" */
	char msg[300];
};

/*
 * How deep the JSON of body nests (arrays and objects), counted on the
 * bytes; it stops counting past max (returns max + 1 then).
 */
size_t source_webhook_depth(const char *body, size_t len, size_t max);

/*
 * body (len bytes) into b: its events at items (NULL: the body), each
 * mapped through fields (SF__N pointers; none set: an event is a mention
 * object), its id prefixed with id_prefix (NULL: none). 0, or -1 with
 * status, reason and msg set and nothing kept.
 */
int source_webhook_parse(struct source_webhook_body *b, const char *body, size_t len,
                         const char *items, char *const *fields, const char *id_prefix);
void source_webhook_body_free(struct source_webhook_body *);

/*
 * Emits b's mentions from src and answers h: taken (200 after the commit,
 * {"taken":N,"skipped":M}), or 503 with Retry-After when the daemon
 * refuses one (those before it stay taken; the platform's retry finds
 * them as duplicates). The skipped events are counted (no_text,
 * bad_event) and logged once.
 */
void source_webhook_take(struct source *src, const struct source_webhook_body *b,
                         struct source_hook *h);

/*
 * The pieces of source_webhook_parse, for a kind whose body wraps its
 * events (b zeroed first). source_webhook_load: text (what names it in the
 * message: "the body") checked and parsed, or NULL with b's error set.
 * source_webhook_map: one event mapped into b, or counted as skipped.
 */
json_t *source_webhook_load(struct source_webhook_body *b, const char *text, size_t len,
                            const char *what);
void source_webhook_map(struct source_webhook_body *b, json_t *item, char *const *fields,
                        const char *id_prefix);

#endif
