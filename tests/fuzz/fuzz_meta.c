/*
 * fuzz_meta: Meta webhook bodies (meta_parse), the Graph API's answers to
 * an Instagram @mention look-up (meta_lookup_done), its usage headers
 * (meta_usage) and debug_token's answer (meta_debug_token).
 *
 * A body is taken or refused with a reason and a sentence; a taken one
 * holds at most META_MAX_ITEMS items, every mention has an id of a
 * product's prefix, valid UTF-8, and a skip has a kind. The same input as
 * a look-up answer makes a mention, a skip, or a refusal with a reason.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "lib/util.h"
#include "sources/meta_parse.h"

static void
check_str(const char *s, const char *what)
{
	if (s != NULL)
		fuzz_assert(utf8_valid_prefix(s, strlen(s)) == strlen(s), "%s is not UTF-8", what);
}

static int
product_id(const char *id)
{
	return strncmp(id, "instagram:", 10) == 0 || strncmp(id, "facebook:", 9) == 0 ||
	       strncmp(id, "whatsapp:", 9) == 0;
}

static void
check_item(const struct meta_item *it)
{
	switch (it->kind) {
	case META_MENTION:
		fuzz_assert(it->m.id && product_id(it->m.id), "a mention id %s", it->m.id);
		fuzz_assert(it->m.text && it->m.text_len > 0, "a mention without text");
		check_str(it->m.text, "a text");
		check_str(it->m.author_handle, "a handle");
		check_str(it->m.author_name, "a name");
		check_str(it->m.url, "a url");
		check_str(it->m.reply_to, "reply_to");
		check_str(it->m.account, "an account");
		break;
	case META_SKIP: fuzz_assert(it->skip && *it->skip, "a skip without a kind"); break;
	case META_BRAND: fuzz_assert(it->id && it->brand, "a brand reply without ids"); break;
	case META_LOOKUP:
		fuzz_assert(it->id && it->ig_user && (it->media_id || it->comment_id),
		            "a look-up without ids");
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data, *reason = NULL;
	struct meta_batch b;
	char err[300], *s;
	int64_t regain, exp;
	int valid;

	err[0] = '\0';
	if (meta_parse(&b, body, size, &reason, err, sizeof(err)) < 0) {
		fuzz_assert(reason && *reason && err[0], "a body refused without a reason");
		fuzz_assert(b.n == 0, "a refused body left %zu items", b.n);
	} else {
		fuzz_assert(b.n <= META_MAX_ITEMS + 1, "%zu items", b.n);
		for (size_t i = 0; i < b.n; i++) {
			check_item(&b.items[i]);
			if (b.items[i].kind != META_LOOKUP)
				continue;
			free(meta_lookup_path(&b.items[i]));
			/* the same input as the Graph API's answer */
			err[0] = '\0';
			if (meta_lookup_done(&b.items[i], body, size, err, sizeof(err)) < 0)
				fuzz_assert(err[0], "a look-up answer refused without a reason");
			else
				check_item(&b.items[i]);
		}
		meta_batch_free(&b);
	}
	(void)meta_debug_token(body, size, &valid, &exp);
	s = xstrndup(body, size);
	(void)meta_usage(s, &regain);
	fuzz_assert(regain >= 0 && regain < 24 * 60, "regain %lld", (long long)regain);
	free(s);
	return 0;
}
