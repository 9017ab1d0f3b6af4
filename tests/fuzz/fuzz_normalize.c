/*
 * fuzz_normalize: text folding (norm_fold), its fast paths against its
 * byte-at-a-time path.
 *
 * The valid UTF-8 prefix of the input is folded by the normal build (SSE2
 * sixteen bytes at a time, then eight with word arithmetic) and by a copy
 * of normalize.c built with both off (normalize_scalar.c): text and offset
 * map must be identical. Also: norm_fold_text gives the same text, the
 * map never goes back and ends at the input's length, folding is valid
 * UTF-8, and word_before/word_after agree between the two builds. Then
 * norm_redup: the same with and without the map, still UTF-8, and its map
 * never goes back either.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "engine/normalize.h"
#include "lib/util.h"

void scalar_norm_init(struct norm_buf *);
void scalar_norm_free(struct norm_buf *);
int scalar_norm_fold(struct norm_buf *, const char *, size_t);
int scalar_norm_word_before(const char *, size_t);
int scalar_norm_word_after(const char *, size_t, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = utf8_valid_prefix((const char *)data, size);
	struct norm_buf a, b, c;
	char *s = xmalloc(n ? n : 1);

	memcpy(s, data, n);
	norm_init(&a);
	scalar_norm_init(&b);
	norm_init(&c);
	norm_fold(&a, s, n);
	scalar_norm_fold(&b, s, n);
	norm_fold_text(&c, s, n);
	fuzz_assert(a.len == b.len && memcmp(a.text, b.text, a.len) == 0,
	            "fast and scalar folds differ: '%s' vs '%s'", a.text, b.text);
	fuzz_assert(memcmp(a.map, b.map, (a.len + 1) * sizeof(*a.map)) == 0,
	            "fast and scalar maps differ for '%s'", a.text);
	fuzz_assert(c.len == a.len && memcmp(c.text, a.text, a.len) == 0,
	            "norm_fold_text and norm_fold differ");
	fuzz_assert(a.text[a.len] == '\0' && a.map[a.len] == n, "the fold's end is wrong");
	fuzz_assert(utf8_valid_prefix(a.text, a.len) == a.len, "the fold is not UTF-8");
	for (size_t i = 0; i < a.len; i++)
		fuzz_assert(a.map[i] <= a.map[i + 1], "the map goes back at %zu", i);
	for (size_t i = 0; i <= a.len; i++) {
		if (i < a.len && ((unsigned char)a.text[i] & 0xc0) == 0x80)
			continue;
		fuzz_assert(norm_word_before(a.text, i) == scalar_norm_word_before(a.text, i) &&
		                norm_word_after(a.text, a.len, i) ==
		                    scalar_norm_word_after(a.text, a.len, i),
		            "word tests differ at %zu", i);
	}
	/* the reduplication step: the same with and without the map, a sound map */
	norm_redup(&a, 1);
	norm_redup(&c, 0);
	fuzz_assert(c.len == a.len && memcmp(c.text, a.text, a.len + 1) == 0,
	            "norm_redup differs with and without the map");
	fuzz_assert(a.map[a.len] == n, "the reduplication map's end is wrong");
	fuzz_assert(utf8_valid_prefix(a.text, a.len) == a.len, "reduplication is not UTF-8");
	for (size_t i = 0; i < a.len; i++)
		fuzz_assert(a.map[i] <= a.map[i + 1] && a.map[i] < n,
		            "the reduplication map goes back at %zu", i);
	norm_free(&a);
	scalar_norm_free(&b);
	norm_free(&c);
	free(s);
	return 0;
}
