/*
 * fuzz_webhook: a webhook body as the webhook and tiktok kinds read it
 * (source_webhook.h): the depth check on the bytes, the JSON, the items
 * pointer and the field map.
 *
 * The first byte picks one of four configurations (items pointer and
 * field map); the rest is the body. What must hold:
 *   - a refusal is a 400 with a known reason and keeps nothing;
 *   - when jansson reads the body, the depth counted on the bytes is the
 *     depth of its tree (so the check before parsing is the right one),
 *     and a body deeper than SOURCE_WEBHOOK_MAX_DEPTH is refused;
 *   - a body taken accounts for every event: mentions plus skipped ones
 *     are the events at items, and every mention has a text.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "lib/util.h"
#include "net/stream.h"
#include "sources/source_conf.h"
#include "sources/source_webhook.h"

struct config {
	const char *items;
	const char *fields[SF__N];
};

static const struct config configs[] = {
    {NULL, {NULL}},
    {"/events", {[SF_ID] = "/id", [SF_TEXT] = "/message", [SF_AUTHOR_HANDLE] = "/user/name"}},
    {NULL,
     {[SF_ID] = "/i",
      [SF_TEXT] = "/t",
      [SF_RATING] = "/r",
      [SF_CREATED_AT] = "/c",
      [SF_REPLY_TO] = "/p"}},
    {"/data/items", {[SF_TEXT] = "/text", [SF_ACCOUNT] = "/page"}},
};

static size_t
tree_depth(json_t *v)
{
	size_t deepest = 0, d, i;
	const char *k;
	json_t *x;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			if ((d = tree_depth(x)) > deepest)
				deepest = d;
		}
		return deepest + 1;
	}
	if (json_is_object(v)) {
		json_object_foreach(v, k, x)
		{
			if ((d = tree_depth(x)) > deepest)
				deepest = d;
		}
		return deepest + 1;
	}
	return 0;
}

static int
known_reason(const char *r)
{
	static const char *const reasons[] = {"utf8", "too_deep", "json", "items", "too_many"};

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (r && strcmp(r, reasons[i]) == 0)
			return 1;
	return 0;
}

/* The events the body holds at items, as jansson alone reads it (-1: not readable). */
static long
events_in(const char *body, size_t len, const char *items, size_t *depth)
{
	json_error_t je;
	json_t *root = mention_json_loadb(body, len, JSON_REJECT_DUPLICATES, &je), *arr;
	long n;

	if (root == NULL)
		return -1;
	*depth = tree_depth(root);
	arr = items ? stream_jptr_get(root, items) : root;
	n = items && !json_is_array(arr) ? -1 : json_is_array(arr) ? (long)json_array_size(arr) : 1;
	json_decref(root);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct config *c;
	struct source_webhook_body b;
	size_t len, scanned, depth = 0;
	char *body;
	long want;
	int rc;

	if (size == 0)
		return 0;
	c = &configs[data[0] % (sizeof(configs) / sizeof(configs[0]))];
	len = size - 1;
	/* a copy of exactly the body, so that a read past it is caught */
	body = xmalloc(len ? len : 1);
	memcpy(body, data + 1, len);
	rc = source_webhook_parse(&b, body, len, c->items, (char *const *)c->fields, "x:");
	scanned = source_webhook_depth(body, len, SOURCE_WEBHOOK_MAX_DEPTH);
	want = events_in(body, len, c->items, &depth);
	if (want >= 0 && utf8_valid_prefix(body, len) == len)
		fuzz_assert(depth > SOURCE_WEBHOOK_MAX_DEPTH
		                ? scanned == SOURCE_WEBHOOK_MAX_DEPTH + 1
		                : scanned == depth,
		            "the byte scan says depth %zu, the tree %zu", scanned, depth);
	if (rc < 0) {
		fuzz_assert(b.status == 400 && known_reason(b.reason) && b.n == 0 && b.ms == NULL,
		            "a refusal (%s) keeps something or has no reason", b.msg);
		fuzz_assert(want < 0 || depth > SOURCE_WEBHOOK_MAX_DEPTH ||
		                utf8_valid_prefix(body, len) != len ||
		                want > SOURCE_WEBHOOK_MAX_ITEMS,
		            "a readable body is refused: %s", b.msg);
	} else {
		fuzz_assert(scanned <= SOURCE_WEBHOOK_MAX_DEPTH, "a body %zu deep is taken",
		            scanned);
		fuzz_assert(want >= 0 && (size_t)want == b.n + b.no_text + b.bad,
		            "%ld events, but %zu taken and %zu skipped", want, b.n,
		            b.no_text + b.bad);
		for (size_t i = 0; i < b.n; i++)
			fuzz_assert(b.ms[i].text != NULL &&
			                (b.ms[i].id == NULL || strncmp(b.ms[i].id, "x:", 2) == 0),
			            "a mention without text, or its id unprefixed");
	}
	source_webhook_body_free(&b);
	free(body);
	return 0;
}
