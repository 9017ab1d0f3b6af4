/*
 * fuzz_jetstream: one Jetstream message, as the bluesky source reads it
 * (JSON, a commit's post record, its facets over UTF-8 byte ranges).
 *
 * Whatever the input: a post's mention has an id, a url and a text, the
 * text is valid UTF-8 (a facet range out of the text or cutting a
 * character must not make it otherwise), and the facet text of the raw
 * bytes, when they are UTF-8, is UTF-8 too. An input parsed twice gives
 * the same result.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "lib/util.h"
#include "sources/source_bluesky.h"

static const char *
handle(void *arg, const char *did)
{
	(void)arg;
	/* a handle for some dids, none for others */
	return strlen(did) % 2 ? "someone.bsky.social" : NULL;
}

static void
check_post(const struct bluesky_event *ev)
{
	json_t *m = ev->mention;
	const char *t = json_string_value(json_object_get(m, "text"));

	fuzz_assert(ev->uri && strncmp(ev->uri, "at://", 5) == 0, "a post without its at:// URI");
	fuzz_assert(json_is_string(json_object_get(m, "id")), "a mention without an id");
	fuzz_assert(json_is_string(json_object_get(m, "url")), "a mention without a url");
	fuzz_assert(t && *t, "a mention without a text");
	fuzz_assert(utf8_valid_prefix(t, strlen(t)) == strlen(t), "a text that is not UTF-8");
}

/* The facets of a post applied to the input itself, taken as the text. */
static void
check_facets(const uint8_t *data, size_t size)
{
	json_t *f =
	    json_pack("[{s:{s:i,s:i},s:[{s:s,s:s}]}]", "index", "byteStart",
	              (json_int_t)(size ? data[0] % (size + 2) : 0), "byteEnd",
	              (json_int_t)(size > 1 ? data[1] % (size + 2) : 1), "features", "$type",
	              "app.bsky.richtext.facet#link", "uri", "https://example.com/x");
	size_t len;
	int links;
	char *t = bluesky_facet_text((const char *)data, size, f, &len, &links);

	fuzz_assert(t[len] == '\0', "a facet text without its NUL");
	if (utf8_valid_prefix((const char *)data, size) == size)
		fuzz_assert(utf8_valid_prefix(t, len) == len, "facets made the text invalid UTF-8");
	fuzz_assert(links == 0 || links == 1, "%d links from one facet", links);
	free(t);
	json_decref(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bluesky_event a, b;
	char why[300];
	int ra, rb;

	ra = bluesky_event_parse((const char *)data, size, handle, NULL, &a, why, sizeof(why));
	rb = bluesky_event_parse((const char *)data, size, handle, NULL, &b, why, sizeof(why));
	fuzz_assert(ra == rb, "two parses disagree");
	if (ra == 0) {
		fuzz_assert(a.time_us > 0, "an event without time_us");
		fuzz_assert(!a.mention == !b.mention && a.time_us == b.time_us,
		            "two parses disagree");
		fuzz_assert(a.mention || a.skip, "an event neither taken nor skipped");
		if (a.mention) {
			check_post(&a);
			fuzz_assert(json_equal(a.mention, b.mention), "two parses disagree");
		}
	} else
		fuzz_assert(a.mention == NULL && a.uri == NULL, "a bad event with a mention");
	bluesky_event_clear(&a);
	bluesky_event_clear(&b);
	check_facets(data, size);
	return 0;
}
