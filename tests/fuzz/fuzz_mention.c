/*
 * fuzz_mention: a mention as JSON, read two ways that must agree.
 *
 * The input is a body of NDJSON: each line (trailing CR, spaces and tabs
 * cut, as keluhd's ingest does) goes to the direct reader (mention_parse,
 * and mention_parse_utf8 when the line is valid UTF-8) and to jansson
 * (mention_json_loadb) plus mention_from_json, the path of JSON bodies and
 * mapped sources. When both accept, the mentions must be equal field by
 * field; when one refuses, the other must too, except where the two are
 * documented to differ:
 *
 *   - jansson refuses every duplicate key; the direct reader refuses
 *     duplicates of the keys it reads and skips the others unchecked;
 *   - jansson refuses numbers it cannot hold (an integer beyond 64 bits,
 *     a real that overflows); the direct reader only checks their syntax;
 *   - the direct reader refuses nesting deeper than 64; jansson's limit
 *     is 2048.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "engine/mention.h"
#include "lib/util.h"

static int
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
same_mention(const struct mention *a, const struct mention *b, const char *line, size_t len)
{
	fuzz_assert(
	    same_str(a->id, b->id) && same_str(a->source, b->source) && same_str(a->url, b->url) &&
	        same_str(a->lang, b->lang) && same_str(a->created_at, b->created_at) &&
	        same_str(a->author_handle, b->author_handle) &&
	        same_str(a->author_name, b->author_name) && a->followers == b->followers &&
	        a->verified == b->verified && a->reply == b->reply && a->reblog == b->reblog,
	    "the readers disagree on a field of: %.*s", (int)len, line);
	fuzz_assert(a->text_len == b->text_len && memcmp(a->text, b->text, a->text_len) == 0,
	            "the readers disagree on the text of: %.*s", (int)len, line);
}

/* A refusal that only one of the two readers makes, by design (see above). */
static int
known_difference(const char *jansson_err, const char *direct_err)
{
	if (jansson_err != NULL)
		return strstr(jansson_err, "duplicate object key") != NULL ||
		       strstr(jansson_err, "too big") != NULL ||
		       strstr(jansson_err, "overflow") != NULL;
	return strstr(direct_err, "nested too deep") != NULL;
}

static void
check_line(const char *line, size_t len)
{
	struct mention a, b, c;
	char aerr[256], berr[256];
	json_error_t je;
	json_t *root;
	int ra, rb;

	ra = mention_parse(&a, line, len, aerr, sizeof(aerr));
	root = mention_json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	rb = root != NULL ? mention_from_json(&b, root, berr, sizeof(berr)) : -1;
	if (root == NULL)
		snprintf(berr, sizeof(berr), "%s", je.text);
	json_decref(root);
	if (ra == 0 && rb == 0)
		same_mention(&a, &b, line, len);
	else if (ra == 0)
		fuzz_assert(known_difference(berr, NULL),
		            "the direct reader takes what jansson refuses (%s): %.*s", berr,
		            (int)len, line);
	else if (rb == 0)
		fuzz_assert(known_difference(NULL, aerr),
		            "jansson takes what the direct reader refuses (%s): %.*s", aerr,
		            (int)len, line);
	/* the UTF-8 entry point must only skip the check, never change the result */
	if (utf8_valid_prefix(line, len) == len) {
		int rc = mention_parse_utf8(&c, line, len, berr, sizeof(berr));

		fuzz_assert(rc == ra, "mention_parse_utf8 and mention_parse disagree: %.*s",
		            (int)len, line);
		if (rc == 0) {
			same_mention(&a, &c, line, len);
			mention_free(&c);
		}
	}
	if (ra == 0)
		mention_free(&a);
	if (rb == 0)
		mention_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line;

		while (l && (p[l - 1] == '\r' || p[l - 1] == ' ' || p[l - 1] == '\t'))
			l--;
		/* a copy of exactly the line, so that a read past it is caught */
		line = xmalloc(l ? l : 1);
		memcpy(line, p, l);
		if (l)
			check_line(line, l);
		free(line);
		p += nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
	}
	return 0;
}
