/*
 * fuzz_htmltext: a post's HTML to the text a person reads (htmltext).
 *
 * The input's valid UTF-8 prefix is converted after a few bytes already
 * in the buffer: those must stay, the result must be valid UTF-8, and it
 * has a NUL only when the input had one (&#0; becomes U+FFFD).
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "lib/htmltext.h"
#include "lib/util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = utf8_valid_prefix((const char *)data, size);
	struct buf out;
	char *html = xmalloc(n ? n : 1);

	memcpy(html, data, n);
	buf_init(&out);
	buf_adds(&out, "pre:");
	htmltext(&out, html, n);
	fuzz_assert(out.len >= 4 && memcmp(out.data, "pre:", 4) == 0, "the buffer's start changed");
	fuzz_assert(utf8_valid_prefix(out.data, out.len) == out.len, "the text is not UTF-8");
	if (memchr(html, '\0', n) == NULL)
		fuzz_assert(memchr(out.data, '\0', out.len) == NULL, "a NUL in the text");
	buf_free(&out);
	free(html);
	return 0;
}
