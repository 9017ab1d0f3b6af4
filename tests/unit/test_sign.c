#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/sign.h"
#include "unit.h"

/* The example of the Standard Webhooks specification and its reference libraries. */
#define VEC_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define VEC_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define VEC_TS 1614265330
#define VEC_TS_S "1614265330"
#define VEC_BODY "{\"test\": 2432232314}"
#define VEC_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

static struct sign_key
key(const char *text)
{
	struct sign_key k;
	char err[200];

	ck_assert_msg(sign_key_parse(text, &k, err, sizeof(err)) == 0, "%s: %s", text, err);
	return k;
}

static int
verify(const struct sign_key *keys, size_t n, const char *id, const char *ts, const char *sig,
    const char *body, int64_t now, char *err, size_t errlen)
{
	return sign_verify(keys, n, id, ts, sig, body, strlen(body), now, err, errlen);
}

/* "whsk_"/"whpk_" + base64 of n bytes. */
static void
b64key(char *out, size_t outlen, const char *prefix, const unsigned char *bin, size_t n)
{
	size_t p = strlen(prefix);

	memcpy(out, prefix, p);
	sodium_bin2base64(out + p, outlen - p, bin, n, sodium_base64_VARIANT_ORIGINAL);
}

START_TEST(test_vector_reproduced)
{
	struct sign_key k = key(VEC_SECRET);
	char out[128];

	ck_assert_int_eq(k.kind, 1);
	ck_assert_uint_eq(k.len, 24);
	ck_assert_int_eq(sign_header(&k, VEC_ID, VEC_TS, VEC_BODY, strlen(VEC_BODY), out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, VEC_SIG);
}
END_TEST

START_TEST(test_vector_verifies)
{
	struct sign_key k = key(VEC_SECRET);
	char err[128];

	ck_assert_int_eq(verify(&k, 1, VEC_ID, VEC_TS_S, VEC_SIG, VEC_BODY, VEC_TS, err,
	    sizeof(err)), 0);
	/* Anywhere inside the tolerance, both ways. */
	ck_assert_int_eq(verify(&k, 1, VEC_ID, VEC_TS_S, VEC_SIG, VEC_BODY,
	    VEC_TS + SIGN_TOLERANCE_S, err, sizeof(err)), 0);
	ck_assert_int_eq(verify(&k, 1, VEC_ID, VEC_TS_S, VEC_SIG, VEC_BODY,
	    VEC_TS - SIGN_TOLERANCE_S, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_tampered)
{
	struct sign_key k = key(VEC_SECRET);
	char err[128];

	ck_assert_int_eq(verify(&k, 1, VEC_ID, VEC_TS_S, VEC_SIG, "{\"test\": 2432232315}",
	    VEC_TS, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "no valid signature");
	ck_assert_int_eq(verify(&k, 1, "msg_p5jXN8AQM9LWM0D4loKWxJeK", VEC_TS_S, VEC_SIG,
	    VEC_BODY, VEC_TS, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "no valid signature");
	ck_assert_int_eq(verify(&k, 1, VEC_ID, "1614265331", VEC_SIG, VEC_BODY, VEC_TS, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "no valid signature");
	/* A flipped bit of the signature, and the right MAC under another version. */
	ck_assert_int_eq(verify(&k, 1, VEC_ID, VEC_TS_S,
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=", VEC_BODY, VEC_TS, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(verify(&k, 1, VEC_ID, VEC_TS_S,
	    "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", VEC_BODY, VEC_TS, err,
	    sizeof(err)), -1);
	/* Another key. */
	struct sign_key other = key("whsec_" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	ck_assert_int_eq(verify(&other, 1, VEC_ID, VEC_TS_S, VEC_SIG, VEC_BODY, VEC_TS, err,
	    sizeof(err)), -1);
}
END_TEST

START_TEST(test_timestamps)
{
	struct sign_key k = key(VEC_SECRET);
	char err[128];

	ck_assert_int_eq(verify(&k, 1, VEC_ID, VEC_TS_S, VEC_SIG, VEC_BODY,
	    VEC_TS + SIGN_TOLERANCE_S + 1, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "timestamp too old");
	ck_assert_int_eq(verify(&k, 1, VEC_ID, VEC_TS_S, VEC_SIG, VEC_BODY,
	    VEC_TS - SIGN_TOLERANCE_S - 1, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "timestamp too far in the future");
	/* Only plain Unix seconds. */
	ck_assert_int_eq(verify(&k, 1, VEC_ID, "1614265330.0", VEC_SIG, VEC_BODY, VEC_TS, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(verify(&k, 1, VEC_ID, " 1614265330", VEC_SIG, VEC_BODY, VEC_TS, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(verify(&k, 1, VEC_ID, "-5", VEC_SIG, VEC_BODY, VEC_TS, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(verify(&k, 1, VEC_ID, "", VEC_SIG, VEC_BODY, VEC_TS, err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "missing webhook-timestamp");
}
END_TEST

START_TEST(test_missing_and_bad_ids)
{
	struct sign_key k = key(VEC_SECRET);
	char err[128], out[128];

	ck_assert_int_eq(sign_verify(&k, 1, NULL, VEC_TS_S, VEC_SIG, VEC_BODY, strlen(VEC_BODY),
	    VEC_TS, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "missing webhook-id");
	ck_assert_int_eq(verify(&k, 1, VEC_ID, VEC_TS_S, "", VEC_BODY, VEC_TS, err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "missing webhook-signature");
	/* '.' separates the signed parts: refused on both sides. */
	ck_assert_int_eq(verify(&k, 1, "msg.1", VEC_TS_S, VEC_SIG, VEC_BODY, VEC_TS, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(sign_header(&k, "msg.1", VEC_TS, VEC_BODY, strlen(VEC_BODY), out,
	    sizeof(out)), -1);
	/* Too small an output buffer, no key. */
	ck_assert_int_eq(sign_header(&k, VEC_ID, VEC_TS, VEC_BODY, strlen(VEC_BODY), out, 20),
	    -1);
	ck_assert_int_eq(sign_header(NULL, VEC_ID, VEC_TS, VEC_BODY, strlen(VEC_BODY), out,
	    sizeof(out)), -1);
}
END_TEST

START_TEST(test_multiple_signatures)
{
	struct sign_key keys[2] = { key("whsec_" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
		key(VEC_SECRET) };
	char err[128];

	/* Any entry may verify: unknown versions, garbage and wrong MACs are skipped. */
	ck_assert_int_eq(verify(&keys[1], 1, VEC_ID, VEC_TS_S,
	    "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v2,xyz nonsense "
	    "v1,not-base64 " VEC_SIG, VEC_BODY, VEC_TS, err, sizeof(err)), 0);
	ck_assert_int_eq(verify(&keys[1], 1, VEC_ID, VEC_TS_S, "  " VEC_SIG "  ", VEC_BODY,
	    VEC_TS, err, sizeof(err)), 0);
	/* Rotation: the verifier holds the old and the new key. */
	ck_assert_int_eq(verify(keys, 2, VEC_ID, VEC_TS_S, VEC_SIG, VEC_BODY, VEC_TS, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(verify(keys, 1, VEC_ID, VEC_TS_S, VEC_SIG, VEC_BODY, VEC_TS, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(verify(keys, 2, VEC_ID, VEC_TS_S, "v1,AAAA v1a,BBBB", VEC_BODY, VEC_TS,
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "no valid signature");
}
END_TEST

START_TEST(test_ed25519)
{
	unsigned char seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char sktext[128], sk64text[160], pktext[128], sig[128], sig64[128], hdr[400], err[128];
	struct sign_key ks, ks64, kp, kh;
	const char *body = "{\"type\":\"keluh.alert\",\"alert\":{\"id\":\"a1\"}}";

	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (unsigned char)(i * 7 + 1);
	crypto_sign_seed_keypair(pk, sk, seed);
	b64key(sktext, sizeof(sktext), "whsk_", seed, sizeof(seed));
	b64key(sk64text, sizeof(sk64text), "whsk_", sk, sizeof(sk));
	b64key(pktext, sizeof(pktext), "whpk_", pk, sizeof(pk));
	ks = key(sktext);
	ks64 = key(sk64text);
	kp = key(pktext);
	ck_assert_int_eq(ks.kind, 2);
	ck_assert_int_eq(kp.kind, 3);
	ck_assert_int_eq(sign_header(&ks, "msg_1", 1700000000, body, strlen(body), sig,
	    sizeof(sig)), 0);
	ck_assert(strncmp(sig, "v1a,", 4) == 0);
	/* Seed or full secret key: the same key, so the same (deterministic) signature. */
	ck_assert_int_eq(sign_header(&ks64, "msg_1", 1700000000, body, strlen(body), sig64,
	    sizeof(sig64)), 0);
	ck_assert_str_eq(sig, sig64);
	ck_assert_int_eq(verify(&kp, 1, "msg_1", "1700000000", sig, body, 1700000000, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(verify(&ks, 1, "msg_1", "1700000000", sig, body, 1700000000, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(verify(&kp, 1, "msg_1", "1700000000", sig, "{}", 1700000000, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(verify(&kp, 1, "msg_2", "1700000000", sig, body, 1700000000, err,
	    sizeof(err)), -1);
	/* A public key cannot sign. */
	ck_assert_int_eq(sign_header(&kp, "msg_1", 1700000000, body, strlen(body), sig64,
	    sizeof(sig64)), -1);
	/* Both schemes in one header, each verified by its own key. */
	kh = key(VEC_SECRET);
	ck_assert_int_eq(sign_header(&kh, "msg_1", 1700000000, body, strlen(body), sig64,
	    sizeof(sig64)), 0);
	snprintf(hdr, sizeof(hdr), "%s %s", sig64, sig);
	ck_assert_int_eq(verify(&kp, 1, "msg_1", "1700000000", hdr, body, 1700000000, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(verify(&kh, 1, "msg_1", "1700000000", hdr, body, 1700000000, err,
	    sizeof(err)), 0);
	/* A 64-byte key whose public half is not its seed's. */
	sk[40] ^= 1;
	b64key(sk64text, sizeof(sk64text), "whsk_", sk, sizeof(sk));
	ck_assert_int_eq(sign_key_parse(sk64text, &ks64, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "public half") != NULL, "%s", err);
	sign_key_wipe(&ks);
	ck_assert_int_eq(ks.kind, 0);
}
END_TEST

static void
bad_key(const char *text, const char *want)
{
	struct sign_key k;
	char err[200] = "";

	ck_assert_msg(sign_key_parse(text, &k, err, sizeof(err)) == -1, "%s parsed", text);
	ck_assert_msg(strstr(err, want) != NULL, "%s: \"%s\" lacks \"%s\"", text, err, want);
	ck_assert_int_eq(k.kind, 0);
}

START_TEST(test_bad_keys)
{
	unsigned char bin[80] = { 0 };
	char text[200];

	bad_key("", "empty");
	bad_key("secret", "whsec_");
	bad_key("whsec_", "nothing after");
	bad_key("whsec_!!!!", "base64");
	b64key(text, sizeof(text), "whsec_", bin, 16);
	bad_key(text, "24 to 64 bytes, not 16");
	b64key(text, sizeof(text), "whsec_", bin, 65);
	bad_key(text, "24 to 64 bytes, not 65");
	b64key(text, sizeof(text), "whsk_", bin, 31);
	bad_key(text, "32 bytes (seed) or 64 bytes");
	b64key(text, sizeof(text), "whpk_", bin, 33);
	bad_key(text, "32 bytes, not 33");
	/* The bounds themselves, a trailing newline from a key file, and no padding. */
	b64key(text, sizeof(text), "whsec_", bin, 64);
	key(text);
	b64key(text, sizeof(text), "whsec_", bin, 24);
	strcat(text, "\n");
	key(text);
	key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAQ");
}
END_TEST

START_TEST(test_token_equal)
{
	ck_assert(sign_token_equal("s3cret-token", "s3cret-token"));
	ck_assert(!sign_token_equal("s3cret-token", "s3cret-tokeN"));
	ck_assert(!sign_token_equal("s3cret-token", "s3cret-token2"));
	ck_assert(!sign_token_equal("s3cret", "s3cret-token"));
	ck_assert(!sign_token_equal("", "x"));
	ck_assert(sign_token_equal("", ""));
	ck_assert(!sign_token_equal(NULL, "x"));
	ck_assert(!sign_token_equal(NULL, NULL));
}
END_TEST

/* The signature with byte i of the MAC changed: the first, one in the middle, the last. */
START_TEST(test_wrong_byte)
{
	static const size_t at[] = { 0, 1, 15, 16, 30, 31 };
	struct sign_key k = key(VEC_SECRET);
	unsigned char mac[64];
	size_t mlen = 0;
	char sig[128], err[128];

	ck_assert_int_eq(sodium_base642bin(mac, sizeof(mac), VEC_SIG + 3, strlen(VEC_SIG) - 3,
	    NULL, &mlen, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	ck_assert_uint_eq(mlen, 32);
	for (size_t j = 0; j < sizeof(at) / sizeof(at[0]); j++)
		for (unsigned flip = 0x01; flip <= 0x80; flip <<= 7) {
			mac[at[j]] ^= (unsigned char)flip;
			memcpy(sig, "v1,", 3);
			sodium_bin2base64(sig + 3, sizeof(sig) - 3, mac, mlen,
			    sodium_base64_VARIANT_ORIGINAL);
			ck_assert_msg(verify(&k, 1, VEC_ID, VEC_TS_S, sig, VEC_BODY, VEC_TS, err,
			    sizeof(err)) == -1, "byte %zu ^ 0x%02x passed", at[j], flip);
			ck_assert_str_eq(err, "no valid signature");
			mac[at[j]] ^= (unsigned char)flip;
		}
	/* and unchanged it still verifies: the loop above tested the right bytes */
	memcpy(sig, "v1,", 3);
	sodium_bin2base64(sig + 3, sizeof(sig) - 3, mac, mlen, sodium_base64_VARIANT_ORIGINAL);
	ck_assert_int_eq(verify(&k, 1, VEC_ID, VEC_TS_S, sig, VEC_BODY, VEC_TS, err, sizeof(err)),
	    0);
}
END_TEST

/* A timestamp with a leading zero, correctly signed as written, is not canonical: refused. */
START_TEST(test_timestamp_canonical)
{
	struct sign_key k = key(VEC_SECRET);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	const char *forms[] = { "0" VEC_TS_S, "00" VEC_TS_S };
	char content[256], sig[128], err[128];

	for (size_t i = 0; i < 2; i++) {
		int n = snprintf(content, sizeof(content), "%s.%s.%s", VEC_ID, forms[i], VEC_BODY);

		crypto_auth_hmacsha256_init(&st, k.key, k.len);
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)content, (size_t)n);
		crypto_auth_hmacsha256_final(&st, mac);
		memcpy(sig, "v1,", 3);
		sodium_bin2base64(sig + 3, sizeof(sig) - 3, mac, sizeof(mac),
		    sodium_base64_VARIANT_ORIGINAL);
		ck_assert_int_eq(verify(&k, 1, VEC_ID, forms[i], sig, VEC_BODY, VEC_TS, err,
		    sizeof(err)), -1);
		ck_assert_str_eq(err, "webhook-timestamp is not Unix seconds");
	}
}
END_TEST

/* The replay cache: an id is seen until twice the tolerance has passed; the bound holds. */
START_TEST(test_replay)
{
	struct sign_replay *r = sign_replay_new(3);
	int64_t now = 1800000000;
	char id[32];

	ck_assert_int_eq(sign_replay_seen(r, "msg_1", now), 0);
	ck_assert_int_eq(sign_replay_add(r, "msg_1", now), 0);
	ck_assert_int_eq(sign_replay_seen(r, "msg_1", now), 1);
	ck_assert_int_eq(sign_replay_seen(r, "msg_1", now + 2 * SIGN_TOLERANCE_S - 1), 1);
	ck_assert_int_eq(sign_replay_seen(r, "msg_2", now), 0);
	ck_assert_int_eq(sign_replay_add(r, "msg_2", now + 1), 0);
	ck_assert_int_eq(sign_replay_add(r, "msg_3", now + 2), 0);
	/* full: the fourth pushes out the oldest, and says so */
	ck_assert_int_eq(sign_replay_add(r, "msg_4", now + 3), 1);
	ck_assert_int_eq(sign_replay_seen(r, "msg_1", now + 3), 0);
	ck_assert_int_eq(sign_replay_seen(r, "msg_2", now + 3), 1);
	ck_assert_int_eq(sign_replay_seen(r, "msg_4", now + 3), 1);
	/* expired: msg_2 went at now + 1 + 2 * tolerance, the others stay */
	ck_assert_int_eq(sign_replay_seen(r, "msg_2", now + 1 + 2 * SIGN_TOLERANCE_S), 0);
	ck_assert_int_eq(sign_replay_seen(r, "msg_3", now + 1 + 2 * SIGN_TOLERANCE_S), 1);
	/* everything expired: room again without a bound hit */
	now += 10 * SIGN_TOLERANCE_S;
	for (int i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "later_%d", i);
		ck_assert_int_eq(sign_replay_add(r, id, now), 0);
	}
	ck_assert_int_eq(sign_replay_seen(r, "msg_4", now), 0);
	ck_assert_int_eq(sign_replay_seen(r, "later_0", now), 1);
	sign_replay_free(r);
}
END_TEST

static Suite *
sign_suite(void)
{
	Suite *s = suite_create("sign");
	TCase *tc = tcase_create("standard-webhooks");

	tcase_add_test(tc, test_vector_reproduced);
	tcase_add_test(tc, test_vector_verifies);
	tcase_add_test(tc, test_tampered);
	tcase_add_test(tc, test_timestamps);
	tcase_add_test(tc, test_missing_and_bad_ids);
	tcase_add_test(tc, test_multiple_signatures);
	tcase_add_test(tc, test_ed25519);
	tcase_add_test(tc, test_bad_keys);
	tcase_add_test(tc, test_token_equal);
	tcase_add_test(tc, test_wrong_byte);
	tcase_add_test(tc, test_timestamp_canonical);
	tcase_add_test(tc, test_replay);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if (sign_init() < 0)
		return EXIT_FAILURE;
	return unit_run(sign_suite());
}
