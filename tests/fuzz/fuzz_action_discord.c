/*
 * fuzz_action_discord: Discord interaction bodies, signed with an Ed25519
 * key as Discord signs them, through receiver_action_parse: a known code
 * with a reason, a whole action when taken, PONG only for a PING; the
 * same body with one byte changed is refused before it is read.
 */
#include "config.h"

#include "fuzz_action.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char pk[32], sk[64];
	static int keyed;
	struct receiver r = {.name = "d", .type = RCV_DISCORD, .has_public_key = 1};
	struct fa_headers h;
	unsigned char sig[64];
	struct rcv_action a;
	char *m, why[256];
	size_t tl;
	int rc;

	fa_init();
	memset(&h, 0, sizeof(h));
	if (!keyed) {
		unsigned char seed[32] = {1};

		crypto_sign_seed_keypair(pk, sk, seed);
		keyed = 1;
	}
	memcpy(r.public_key, pk, 32);
	h.name[1] = "X-Signature-Timestamp";
	tl = (size_t)snprintf(h.value[1], sizeof(h.value[1]), "%lld", FA_NOW);
	m = xmalloc(tl + size + 1);
	memcpy(m, h.value[1], tl);
	memcpy(m + tl, data, size);
	crypto_sign_detached(sig, NULL, (unsigned char *)m, tl + size, sk);
	h.name[0] = "X-Signature-Ed25519";
	sodium_bin2hex(h.value[0], sizeof(h.value[0]), sig, sizeof(sig));
	struct rcv_action_req req = {m + tl, size, fa_get, &h, FA_NOW, NULL, fa_link_key};
	rc = receiver_action_parse(&r, &req, &a, why, sizeof(why));
	fa_check(rc, &a, why);
	if (size > 0) {
		m[tl + size / 2] ^= 0x01;
		rc = receiver_action_parse(&r, &req, &a, why, sizeof(why));
		fuzz_assert(rc == RCV_ACTION_EAUTH, "a changed body was taken (%d)", rc);
	}
	free(m);
	return 0;
}
