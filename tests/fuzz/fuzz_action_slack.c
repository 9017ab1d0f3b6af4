/*
 * fuzz_action_slack: Slack interactivity bodies, signed as Slack signs
 * them, through receiver_action_parse. Whatever the body, the result is a
 * known code with a reason, and a whole action when taken; the same body
 * with one byte changed is refused before it is read.
 */
#include "config.h"

#include "fuzz_action.h"

static void
slack_sign(const char *body, size_t len, struct fa_headers *h)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	char hex[65];

	h->name[0] = "X-Slack-Request-Timestamp";
	snprintf(h->value[0], sizeof(h->value[0]), "%lld", FA_NOW);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)"shh", 3);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"v0:", 3);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)h->value[0], strlen(h->value[0]));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)":", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	h->name[1] = "X-Slack-Signature";
	snprintf(h->value[1], sizeof(h->value[1]), "v0=%s", hex);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct receiver r = {.name = "s", .type = RCV_SLACK, .signing_secret = "shh"};
	struct fa_headers h;
	struct rcv_action a;
	char *body, why[256];
	int rc;

	fa_init();
	memset(&h, 0, sizeof(h));
	body = fa_copy(data, size);
	slack_sign(body, size, &h);
	struct rcv_action_req req = {body, size, fa_get, &h, FA_NOW, NULL, fa_link_key};
	rc = receiver_action_parse(&r, &req, &a, why, sizeof(why));
	fa_check(rc, &a, why);
	if (size > 0) {
		body[size / 2] ^= 0x20;
		rc = receiver_action_parse(&r, &req, &a, why, sizeof(why));
		fuzz_assert(rc == RCV_ACTION_EAUTH, "a changed body was taken (%d)", rc);
	}
	free(body);
	return 0;
}
