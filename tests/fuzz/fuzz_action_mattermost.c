/*
 * fuzz_action_mattermost: Mattermost integration action bodies through
 * receiver_action_parse. Each "@TOK@" in the input becomes a valid token
 * for acknowledging case 42, so the fuzzer reaches past the token check;
 * a taken action is then always that one.
 */
#include "config.h"

#include "fuzz_action.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct receiver r = {.name = "m", .type = RCV_MATTERMOST};
	char tok[ACTSIG_LINK_TOKEN_MAX], why[256];
	struct rcv_action a;
	struct buf body;
	int rc;

	fa_init();
	if (rcv_mattermost_token(fa_link_key, 42, RCV_ACT_ACK, FA_NOW + 60, tok, sizeof(tok)) < 0)
		fuzz_fail("no token");
	buf_init(&body);
	for (size_t i = 0; i < size;) {
		if (size - i >= 5 && memcmp(data + i, "@TOK@", 5) == 0) {
			buf_adds(&body, tok);
			i += 5;
		} else
			buf_addc(&body, (char)data[i++]);
	}
	buf_adds(&body, "");
	struct rcv_action_req req = {body.data, body.len, NULL, NULL, FA_NOW, NULL, fa_link_key};
	rc = receiver_action_parse(&r, &req, &a, why, sizeof(why));
	fa_check(rc, &a, why);
	if (rc == RCV_ACTION_OK)
		fuzz_assert(a.case_id == 42 && a.action == RCV_ACT_ACK, "took %lld/%d",
		            (long long)a.case_id, a.action);
	buf_free(&body);
	return 0;
}
