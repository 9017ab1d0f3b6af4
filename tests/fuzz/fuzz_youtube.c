/*
 * fuzz_youtube: commentThreads.list answers (source_youtube_parse), the
 * body a YouTube source reads from the network.
 *
 * An answer is refused with a reason, or read into entries that each hold
 * a mention mention_from_json takes (an id youtube:..., text, created_at,
 * the account given), a thread time that is a real time, and the thread's
 * id; the last entry closes a thread; a page token is never empty.
 */
#include "config.h"

#include <string.h>

#include "engine/mention.h"
#include "fuzz.h"
#include "sources/source_youtube.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], merr[256], *next = NULL;
	const char *why;
	size_t bad, i;
	json_t *v, *e;

	err[0] = '\0';
	v = source_youtube_parse((const char *)data, size, "youtube:UCfuzz", &next, &bad, &why, err,
	                         sizeof(err));
	if (v == NULL) {
		fuzz_assert(err[0] != '\0', "an answer refused without a reason");
		fuzz_assert(next == NULL, "a page token from a refused answer");
		return 0;
	}
	fuzz_assert(bad == 0 || why != NULL, "%zu bad comments without a reason", bad);
	fuzz_assert(next == NULL || *next != '\0', "an empty page token");
	json_array_foreach(v, i, e)
	{
		json_t *m = json_object_get(e, "mention");
		const char *id = json_string_value(json_object_get(m, "id"));
		struct mention mt;

		fuzz_assert(id && strncmp(id, "youtube:", 8) == 0, "entry %zu: id %s", i,
		            id ? id : "(none)");
		fuzz_assert(json_is_string(json_object_get(e, "thread")), "entry %zu: no thread",
		            i);
		fuzz_assert(json_integer_value(json_object_get(e, "thread_ms")) > 0 ||
		                json_is_integer(json_object_get(e, "thread_ms")),
		            "entry %zu: no thread time", i);
		fuzz_assert(mention_from_json(&mt, m, merr, sizeof(merr)) == 0,
		            "entry %zu is no mention: %s", i, merr);
		fuzz_assert(mt.account && strcmp(mt.account, "youtube:UCfuzz") == 0,
		            "entry %zu: account", i);
		mention_free(&mt);
	}
	if (json_array_size(v))
		fuzz_assert(json_is_true(
		                json_object_get(json_array_get(v, json_array_size(v) - 1), "last")),
		            "the last entry does not close its thread");
	free(next);
	json_decref(v);
	return 0;
}
