/*
 * jwt: tokens signed with keys made here by libcrypto, then checked the
 * way a server checks them: the parts decoded, the JSON read, and the
 * signature verified with the public key (EVP_DigestVerify; for ES256 the
 * raw r||s turned back into DER first). tests/daemon_sources_reviews.sh
 * has python's cryptography verify them too.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "lib/jwt.h"
#include "unit.h"

static EVP_PKEY *rsa, *ec, *ec384, *rsa1024;

/* pkey as PEM (malloc'd): PKCS#8, or encrypted with a passphrase when pass. */
static char *
pem_of(EVP_PKEY *pkey, const char *pass)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *out;
	long n;

	ck_assert(PEM_write_bio_PrivateKey(b, pkey, pass ? EVP_aes_256_cbc() : NULL,
	                                   (const unsigned char *)pass,
	                                   pass ? (int)strlen(pass) : 0, NULL, NULL) == 1);
	n = BIO_get_mem_data(b, &p);
	out = strndup(p, (size_t)n);
	BIO_free(b);
	return out;
}

static void
setup(void)
{
	if (rsa)
		return;
	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ec384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	ck_assert(rsa && rsa1024 && ec && ec384);
}

static unsigned char *
b64d(const char *s, size_t len, size_t *n)
{
	unsigned char *out = malloc(len + 1);

	ck_assert_msg(sodium_base642bin(out, len + 1, s, len, NULL, n, NULL,
	                                sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0,
	              "not base64url without padding: %.*s", (int)len, s);
	return out;
}

/* Checks tok against pkey; returns its header and claims in *h, *c. */
static void
verify(const char *tok, EVP_PKEY *pkey, int es256, json_t **h, json_t **c)
{
	const char *d1 = strchr(tok, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	unsigned char *hb, *cb, *sig, *der = NULL;
	size_t hn, cn, sn;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int dlen = 0;

	ck_assert_msg(d1 && d2 && strchr(d2 + 1, '.') == NULL, "not three parts: %s", tok);
	ck_assert(strchr(tok, '=') == NULL);
	hb = b64d(tok, (size_t)(d1 - tok), &hn);
	cb = b64d(d1 + 1, (size_t)(d2 - d1 - 1), &cn);
	sig = b64d(d2 + 1, strlen(d2 + 1), &sn);
	ck_assert_ptr_nonnull(*h = json_loadb((char *)hb, hn, 0, NULL));
	ck_assert_ptr_nonnull(*c = json_loadb((char *)cb, cn, 0, NULL));
	if (es256) {
		ECDSA_SIG *s = ECDSA_SIG_new();

		ck_assert_uint_eq(sn, 64);
		ECDSA_SIG_set0(s, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
		dlen = i2d_ECDSA_SIG(s, &der);
		ECDSA_SIG_free(s);
		ck_assert_int_gt(dlen, 0);
	} else
		ck_assert_uint_eq(sn, 256);
	ck_assert(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1);
	ck_assert_msg(EVP_DigestVerify(ctx, es256 ? der : sig, es256 ? (size_t)dlen : sn,
	                               (const unsigned char *)tok, (size_t)(d2 - tok)) == 1,
	              "the signature does not verify");
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	free(hb);
	free(cb);
	free(sig);
}

START_TEST(test_rs256)
{
	char *pem = pem_of(rsa, NULL), err[256], *tok;
	struct jwt_key *k = jwt_key_pem(pem, strlen(pem), JWT_RS256, err, sizeof(err));
	json_t *h, *c;

	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_int_eq(jwt_key_alg(k), JWT_RS256);
	tok = jwt_sign(
	    k, NULL,
	    "{\"iss\":\"svc@acme.iam.gserviceaccount.com\",\"scope\":\"https://www."
	    "googleapis.com/auth/androidpublisher\",\"iat\":1796000000,\"exp\":1796003600}",
	    err, sizeof(err));
	ck_assert_msg(tok != NULL, "%s", err);
	verify(tok, rsa, 0, &h, &c);
	ck_assert_str_eq(json_string_value(json_object_get(h, "alg")), "RS256");
	ck_assert_str_eq(json_string_value(json_object_get(h, "typ")), "JWT");
	ck_assert_ptr_null(json_object_get(h, "kid"));
	ck_assert_str_eq(json_string_value(json_object_get(c, "iss")),
	                 "svc@acme.iam.gserviceaccount.com");
	ck_assert_int_eq(json_integer_value(json_object_get(c, "exp")), 1796003600);
	/* PKCS#1 v1.5 is deterministic: the same claims, the same token */
	{
		char *again =
		    jwt_sign(k, NULL,
		             "{\"iss\":\"svc@acme.iam.gserviceaccount.com\",\"scope\":\"https:"
		             "//www.googleapis.com/auth/androidpublisher\",\"iat\":1796000000,"
		             "\"exp\":1796003600}",
		             err, sizeof(err));

		ck_assert_str_eq(again, tok);
		free(again);
	}
	json_decref(h);
	json_decref(c);
	free(tok);
	jwt_key_free(k);
	free(pem);
}
END_TEST

START_TEST(test_es256)
{
	char *pem = pem_of(ec, NULL), err[256], *tok;
	struct jwt_key *k = jwt_key_pem(pem, strlen(pem), JWT_ES256, err, sizeof(err));
	json_t *h, *c;

	ck_assert_msg(k != NULL, "%s", err);
	/* ECDSA signs with a fresh nonce: many tokens, each with its r and s padded to 32 bytes */
	for (int i = 0; i < 64; i++) {
		tok =
		    jwt_sign(k, "2X9R4HXF34",
		             "{\"iss\":\"57246542-96fe-1a63-e053-0824d011072a\",\"iat\":1796000000,"
		             "\"exp\":1796001200,\"aud\":\"appstoreconnect-v1\"}",
		             err, sizeof(err));
		ck_assert_msg(tok != NULL, "%s", err);
		verify(tok, ec, 1, &h, &c);
		ck_assert_str_eq(json_string_value(json_object_get(h, "alg")), "ES256");
		ck_assert_str_eq(json_string_value(json_object_get(h, "kid")), "2X9R4HXF34");
		ck_assert_str_eq(json_string_value(json_object_get(h, "typ")), "JWT");
		ck_assert_str_eq(json_string_value(json_object_get(c, "aud")),
		                 "appstoreconnect-v1");
		json_decref(h);
		json_decref(c);
		free(tok);
	}
	jwt_key_free(k);
	free(pem);
}
END_TEST

/* A key of the wrong kind or size, garbage, an encrypted key: each refused with its reason. */
START_TEST(test_refused)
{
	char err[256], *p;
	static const char junk[] = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE "
	                           "KEY-----\n";

	p = pem_of(ec, NULL);
	ck_assert_ptr_null(jwt_key_pem(p, strlen(p), JWT_RS256, err, sizeof(err)));
	ck_assert_str_eq(err, "not an RSA key (RS256 needs one)");
	free(p);
	p = pem_of(rsa, NULL);
	ck_assert_ptr_null(jwt_key_pem(p, strlen(p), JWT_ES256, err, sizeof(err)));
	ck_assert_str_eq(err, "not an EC key (ES256 needs one on P-256)");
	free(p);
	p = pem_of(ec384, NULL);
	ck_assert_ptr_null(jwt_key_pem(p, strlen(p), JWT_ES256, err, sizeof(err)));
	ck_assert_str_eq(err, "an EC key on secp384r1; ES256 needs P-256 (prime256v1)");
	free(p);
	p = pem_of(rsa1024, NULL);
	ck_assert_ptr_null(jwt_key_pem(p, strlen(p), JWT_RS256, err, sizeof(err)));
	ck_assert_str_eq(err, "an RSA key of 1024 bits; RS256 needs 2048 or more");
	free(p);
	p = pem_of(rsa, "secret");
	ck_assert_ptr_null(jwt_key_pem(p, strlen(p), JWT_RS256, err, sizeof(err)));
	ck_assert_str_eq(err, "the private key is encrypted; give it without a passphrase");
	free(p);
	ck_assert_ptr_null(jwt_key_pem(junk, strlen(junk), JWT_RS256, err, sizeof(err)));
	ck_assert_msg(strncmp(err, "not a valid PEM private key", 27) == 0, "%s", err);
	ck_assert_ptr_null(jwt_key_pem("MIIEvQ", 6, JWT_RS256, err, sizeof(err)));
	ck_assert_str_eq(err, "no PEM private key (a '-----BEGIN PRIVATE KEY-----' block)");
}
END_TEST

START_TEST(test_b64url)
{
	char *s = jwt_b64url("\xfb\xff\xfe", 3);

	ck_assert_str_eq(s, "-__-");
	free(s);
	s = jwt_b64url("ab", 2);
	ck_assert_str_eq(s, "YWI");
	free(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("jwt");
	TCase *tc = tcase_create("jwt");
	int rc;

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_rs256);
	tcase_add_test(tc, test_es256);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_b64url);
	suite_add_tcase(s, tc);
	rc = unit_run(s);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(ec384);
	return rc;
}
