/*
 * fuzz_action_link: signed action links. The input's first line is a
 * token, the rest a POST's form body. Whatever they hold: a known code,
 * a whole action when taken, pages that are whole HTML with no markup
 * from the input, a form only on a good link's page; and a good token is
 * taken whatever the form says.
 */
#include "config.h"

#include "fuzz_action.h"

static void
pages(int rc, const struct rcv_action *a, const char *why)
{
	struct buf h;

	buf_init(&h);
	rcv_link_page(&h, rc, a, why);
	fuzz_assert(h.len > 0 && strstr(h.data, "</html>") != NULL, "a page cut short");
	fuzz_assert((strstr(h.data, "<form") != NULL) == (rc == RCV_ACTION_OK),
	            "a form on a refused link, or none on a good one");
	buf_reset(&h);
	rcv_link_result_page(&h, a, rc == RCV_ACTION_OK, a->user_name);
	fuzz_assert(strstr(h.data, "<script") == NULL, "markup from the input in a page");
	buf_free(&h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t tl = nl ? (size_t)(nl - (const char *)data) : size;
	char *tok = fa_copy(data, tl), good[ACTSIG_LINK_TOKEN_MAX], why[256];
	const char *form = nl ? nl + 1 : "";
	size_t flen = nl ? size - tl - 1 : 0;
	struct rcv_action a;
	int rc;

	fa_init();
	rc = rcv_link_post(fa_link_key, tok, form, flen, FA_NOW, &a, why, sizeof(why));
	fa_check(rc, &a, why);
	pages(rc, &a, why);
	/* a good token with the input's form: taken, whatever the form says */
	if (rcv_link_make(fa_link_key, 7, RCV_ACT_RESOLVE, FA_NOW + 1, good, sizeof(good)) < 0)
		fuzz_fail("no link");
	rc = rcv_link_post(fa_link_key, good, form, flen, FA_NOW, &a, why, sizeof(why));
	fuzz_assert(rc == RCV_ACTION_OK && a.case_id == 7 && a.action == RCV_ACT_RESOLVE,
	            "a good link refused: %s", why);
	fa_check(rc, &a, why);
	pages(rc, &a, why);
	free(tok);
	return 0;
}
