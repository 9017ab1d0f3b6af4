/*
 * fuzz_reviews: the answers of the two review APIs, as the google-play
 * source reads a reviews.list page and the app-store source a
 * customerReviews page (review_read: UTF-8, JSON, then the page).
 *
 * The first byte picks the API. A page read makes review items that each
 * have an id and a time, and a mention, when there is one, of valid
 * UTF-8 within the text bound; a next page of the App Store is on the
 * API's own origin (the token goes nowhere else).
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "engine/mention.h"
#include "fuzz.h"
#include "lib/util.h"
#include "sources/source_review.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *items, *it;
	char *next = NULL;
	int apple = size > 0 && (data[0] & 1);
	size_t i;

	if (size == 0)
		return 0;
	items = json_array();
	if ((apple ? source_app_store_read : source_google_play_read)((const char *)data + 1,
	                                                              size - 1, items, &next) < 0) {
		fuzz_assert(next == NULL, "a refused page with a next page");
		fuzz_assert(json_array_size(items) == 0, "a refused page made items");
	}
	json_array_foreach(items, i, it)
	{
		json_t *m = json_object_get(it, "m"), *t = json_object_get(m, "text");

		fuzz_assert(json_is_string(json_object_get(it, "id")), "an item without an id");
		fuzz_assert(json_integer_value(json_object_get(it, "at")) > 0,
		            "an item without a time");
		if (m == NULL)
			continue;
		fuzz_assert(json_is_string(t) && json_string_length(t) > 0 &&
		                json_string_length(t) <= MENTION_MAX_TEXT,
		            "a mention's text out of bounds");
		fuzz_assert(utf8_valid_prefix(json_string_value(t), json_string_length(t)) ==
		                json_string_length(t),
		            "a mention's text is not UTF-8");
	}
	if (apple && next)
		fuzz_assert(strncmp(next, "http://127.0.0.1/", 17) == 0,
		            "a next page elsewhere: %s", next);
	free(next);
	json_decref(items);
	return 0;
}
