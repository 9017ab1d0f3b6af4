/*
 * action_token: what a chat platform or a person's browser would hold, for
 * tests/daemon_actions.sh. Not a test itself.
 *
 *   action_token link|mattermost KEYHEX CASE ACTION EXPIRES_S
 *       a signed link's token, or a Mattermost button's token, made with
 *       the spool's action key (64 hex digits)
 *   action_token ed25519-key SEEDHEX       the public key of a seed, in hex
 *   action_token ed25519-sign SEEDHEX FILE the signature of FILE's bytes, in hex
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/actsig.h"
#include "receivers/action.h"

static int
unhex(const char *s, unsigned char *out, size_t n)
{
	size_t got = 0;

	return sodium_hex2bin(out, n, s, strlen(s), NULL, &got, NULL) == 0 && got == n ? 0 : -1;
}

static void
print_hex(const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	putchar('\n');
}

static int
token(char **argv)
{
	unsigned char key[32];
	char out[ACTSIG_LINK_TOKEN_MAX];
	enum rcv_act act;
	int rc;

	if (unhex(argv[2], key, sizeof(key)) < 0 ||
	    rcv_act_parse(argv[4], strlen(argv[4]), &act) < 0)
		return 2;
	if (strcmp(argv[1], "link") == 0)
		rc = rcv_link_make(key, atoll(argv[3]), act, atoll(argv[5]), out, sizeof(out));
	else
		rc = rcv_mattermost_token(key, atoll(argv[3]), act, atoll(argv[5]), out,
		                          sizeof(out));
	if (rc < 0)
		return 1;
	puts(out);
	return 0;
}

static int
ed25519(int argc, char **argv)
{
	unsigned char seed[32], pk[32], sk[64], sig[64], *msg;
	size_t len;
	FILE *f;

	if (unhex(argv[2], seed, sizeof(seed)) < 0)
		return 2;
	crypto_sign_seed_keypair(pk, sk, seed);
	if (strcmp(argv[1], "ed25519-key") == 0) {
		print_hex(pk, sizeof(pk));
		return 0;
	}
	if (argc < 4 || (f = fopen(argv[3], "rb")) == NULL)
		return 2;
	msg = malloc(1 << 20);
	len = fread(msg, 1, 1 << 20, f);
	fclose(f);
	crypto_sign_detached(sig, NULL, msg, len, sk);
	free(msg);
	print_hex(sig, sizeof(sig));
	return 0;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0 || argc < 3)
		return 2;
	if (strncmp(argv[1], "ed25519", 7) == 0)
		return ed25519(argc, argv);
	if (argc < 6)
		return 2;
	return token(argv);
}
