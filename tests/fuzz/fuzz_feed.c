/*
 * fuzz_feed: RSS, RDF and Atom documents (feed_parse, libxml2 without
 * network, DTDs or entities), and the dates in them (feed_date).
 *
 * An accepted feed holds at most FEED_MAX_ITEMS items, and every string
 * of an item that is not flagged bad_utf8 is valid UTF-8; a refusal says
 * why.
 */
#include "config.h"

#include <string.h>

#include "sources/feed.h"
#include "fuzz.h"
#include "lib/util.h"

static void
check_str(const char *s, const char *what)
{
	if (s != NULL)
		fuzz_assert(utf8_valid_prefix(s, strlen(s)) == strlen(s), "%s is not UTF-8", what);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed f;
	char err[256], date[64];
	const char *nl = memchr(data, '\n', size);
	size_t dl = nl ? (size_t)(nl - (const char *)data) : size;

	/* the first line as a date too */
	if (dl < sizeof(date)) {
		memcpy(date, data, dl);
		date[dl] = '\0';
		(void)feed_date(date);
	}
	err[0] = '\0';
	if (feed_parse(&f, (const char *)data, size, "https://example.com/feed/", err,
	               sizeof(err)) < 0) {
		fuzz_assert(err[0] != '\0', "a feed refused without a reason");
		return 0;
	}
	fuzz_assert(f.nitems <= FEED_MAX_ITEMS, "%zu items", f.nitems);
	for (size_t i = 0; i < f.nitems; i++) {
		const struct feed_item *it = &f.items[i];

		if (it->bad_utf8)
			continue;
		check_str(it->id, "an id");
		check_str(it->text, "a text");
		check_str(it->url, "a url");
		check_str(it->created_at, "a date");
		check_str(it->author, "an author");
	}
	feed_free(&f);
	return 0;
}
