/*
 * meta_parse.h: what Meta's webhooks say, for the meta source kind
 * (source_meta.c). Pure: no network, no state. A signed body (Instagram
 * comments and @mentions, a Facebook Page's feed, WhatsApp Cloud API
 * messages) becomes a batch of items, in the order the body lists them:
 * mentions, things skipped on purpose (with the kind counted in
 * keluh_source_skipped_total), replies by the Page itself, and Instagram
 * @mentions that carry only ids, whose text the Graph API gives
 * (meta_lookup_*). The answers of the Graph API are read here too: the
 * usage headers and debug_token.
 *
 * Everything an item holds is malloc'd and owned by the batch.
 */
#ifndef KELUH_META_PARSE_H
#define KELUH_META_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/mention.h"

#define META_MAX_DEPTH 32   /* nesting of a body; Meta's are 7 deep at most */
#define META_MAX_ITEMS 4096 /* items of one body; Meta batches far fewer */

enum meta_item_kind {
	META_MENTION, /* m is a mention to emit */
	META_SKIP,    /* skip: a kind for keluh_source_skipped_total; id may be NULL */
	META_BRAND,   /* the Page answering a comment or post: id answers reply_to */
	META_LOOKUP,  /* an Instagram @mention: ids only, the text comes from the Graph API */
};

struct meta_item {
	enum meta_item_kind kind;
	struct mention m; /* META_MENTION */
	const char *skip; /* META_SKIP: static */
	char *id;         /* the mention id ("instagram:<id>"...) when known */
	char *reply_to;   /* META_BRAND: the mention id answered */
	char *brand;      /* META_BRAND: "facebook:<page id>" */
	int64_t at_ms;    /* META_BRAND: when */
	/* META_LOOKUP: the account mentioned, the media, and the comment (NULL: a caption) */
	char *ig_user, *media_id, *comment_id;
};

struct meta_batch {
	struct meta_item *items;
	size_t n, cap;
};

/*
 * Parses a body whose signature was checked. 0 with the batch filled, or
 * -1 with *reason ("json", "too_deep", "shape", "too_many") and a sentence
 * in err; nothing in the batch then.
 */
int meta_parse(struct meta_batch *, const char *body, size_t len, const char **reason, char *err,
               size_t errlen);
void meta_batch_free(struct meta_batch *);

/* Whether body nests objects and arrays deeper than max (counted without parsing). */
int meta_too_deep(const char *body, size_t len, int max);

/*
 * The Graph API path (after the versioned base, with its query) that reads
 * a look-up item's text; the page token is added by the caller. malloc'd.
 */
char *meta_lookup_path(const struct meta_item *);
/*
 * The Graph API's answer to it turned into a mention in it->m (the item
 * becomes META_MENTION), or META_SKIP with a kind (no text: "media_only").
 * -1 with err when the answer is not what the API answers.
 */
int meta_lookup_done(struct meta_item *it, const char *body, size_t len, char *err, size_t errlen);

/*
 * The usage of X-App-Usage ({"call_count":28,"total_time":25,
 * "total_cputime":25}) or X-Business-Use-Case-Usage ({"<id>":[{"type":..,
 * "call_count":..,"total_cputime":..,"total_time":..,
 * "estimated_time_to_regain_access":<minutes>}]}): the highest percent
 * given, or -1 when the value is none of these. *regain_min: the longest
 * estimated_time_to_regain_access (0 when none).
 */
double meta_usage(const char *header, int64_t *regain_min);

/*
 * debug_token's answer ({"data":{"is_valid":..,"expires_at":..,
 * "data_access_expires_at":..}}): 0 with *valid and the earliest expiry
 * in Unix seconds (0: never), or -1 when it is not that.
 */
int meta_debug_token(const char *body, size_t len, int *valid, int64_t *expires_s);

#endif
