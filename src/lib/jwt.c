#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "lib/jwt.h"
#include "lib/util.h"

struct jwt_key {
	EVP_PKEY *pkey;
	enum jwt_alg alg;
};

#define JWT_ES256_PART 32 /* r and s, each a P-256 field element */

/* libcrypto's last error (its queue emptied), or what when it has none. */
static void
jwt_ossl_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char b[256];

	if (e == 0)
		snprintf(err, errlen, "%s", what);
	else {
		ERR_error_string_n(e, b, sizeof(b));
		snprintf(err, errlen, "%s (%s)", what, b);
	}
	ERR_clear_error();
}

/* Never asks for a passphrase: an encrypted key cannot be used unattended. */
static int
jwt_no_pass(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(int *)u = 1;
	return -1;
}

/* Whether pkey fits alg: 0, or -1 with err. */
static int
jwt_key_fits(EVP_PKEY *pkey, enum jwt_alg alg, char *err, size_t errlen)
{
	char group[64];
	size_t glen = 0;

	if (alg == JWT_RS256) {
		if (!EVP_PKEY_is_a(pkey, "RSA")) {
			snprintf(err, errlen, "not an RSA key (RS256 needs one)");
			return -1;
		}
		if (EVP_PKEY_get_bits(pkey) < 2048) {
			snprintf(err, errlen, "an RSA key of %d bits; RS256 needs 2048 or more",
			         EVP_PKEY_get_bits(pkey));
			return -1;
		}
		return 0;
	}
	if (!EVP_PKEY_is_a(pkey, "EC")) {
		snprintf(err, errlen, "not an EC key (ES256 needs one on P-256)");
		return -1;
	}
	if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
	                                    &glen) ||
	    strcmp(group, SN_X9_62_prime256v1) != 0) {
		ERR_clear_error();
		snprintf(err, errlen, "an EC key on %s; ES256 needs P-256 (prime256v1)",
		         glen ? group : "an unknown curve");
		return -1;
	}
	return 0;
}

struct jwt_key *
jwt_key_pem(const char *pem, size_t len, enum jwt_alg alg, char *err, size_t errlen)
{
	BIO *bio;
	EVP_PKEY *pkey;
	struct jwt_key *k;
	int asked = 0;

	if (len > (size_t)INT32_MAX || memmem(pem, len, "-----BEGIN ", 11) == NULL) {
		snprintf(err, errlen, "no PEM private key (a '-----BEGIN PRIVATE KEY-----' block)");
		return NULL;
	}
	ERR_clear_error();
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		jwt_ossl_err(err, errlen, "out of memory");
		return NULL;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, jwt_no_pass, &asked);
	BIO_free(bio);
	if (pkey == NULL) {
		if (asked) {
			ERR_clear_error();
			snprintf(err, errlen,
			         "the private key is encrypted; give it without a "
			         "passphrase");
		} else
			jwt_ossl_err(err, errlen, "not a valid PEM private key");
		return NULL;
	}
	if (jwt_key_fits(pkey, alg, err, errlen) < 0) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	k = xcalloc(1, sizeof(*k));
	k->pkey = pkey;
	k->alg = alg;
	return k;
}

void
jwt_key_free(struct jwt_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey); /* it clears the key material */
	free(k);
}

enum jwt_alg
jwt_key_alg(const struct jwt_key *k)
{
	return k->alg;
}

char *
jwt_b64url(const void *data, size_t n)
{
	size_t olen = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = xmalloc(olen);

	sodium_bin2base64(out, olen, data, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

/* libcrypto's DER ECDSA-Sig-Value into the 64 raw bytes of r||s. */
static int
jwt_der_to_raw(const unsigned char *der, size_t len, unsigned char raw[2 * JWT_ES256_PART])
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *s;
	int ok;

	if (sig == NULL)
		return -1;
	ECDSA_SIG_get0(sig, &r, &s);
	ok = BN_bn2binpad(r, raw, JWT_ES256_PART) == JWT_ES256_PART &&
	     BN_bn2binpad(s, raw + JWT_ES256_PART, JWT_ES256_PART) == JWT_ES256_PART;
	ECDSA_SIG_free(sig);
	return ok ? 0 : -1;
}

/* The signature of tbs, base64url (malloc'd), or NULL with err. */
static char *
jwt_signature(const struct jwt_key *k, const char *tbs, char *err, size_t errlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *sig = NULL, raw[2 * JWT_ES256_PART];
	size_t slen = 0;
	char *out = NULL;

	ERR_clear_error();
	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, &slen, (const unsigned char *)tbs, strlen(tbs)) != 1) {
		jwt_ossl_err(err, errlen, "cannot sign the token");
		goto out;
	}
	sig = xmalloc(slen);
	if (EVP_DigestSign(ctx, sig, &slen, (const unsigned char *)tbs, strlen(tbs)) != 1) {
		jwt_ossl_err(err, errlen, "cannot sign the token");
		goto out;
	}
	if (k->alg == JWT_RS256)
		out = jwt_b64url(sig, slen);
	else if (jwt_der_to_raw(sig, slen, raw) == 0)
		out = jwt_b64url(raw, sizeof(raw));
	else
		jwt_ossl_err(err, errlen, "cannot read libcrypto's ECDSA signature");
out:
	free(sig);
	EVP_MD_CTX_free(ctx);
	return out;
}

char *
jwt_sign(const struct jwt_key *k, const char *kid, const char *claims, char *err, size_t errlen)
{
	json_t *h =
	    json_pack("{s:s, s:s}", "alg", k->alg == JWT_RS256 ? "RS256" : "ES256", "typ", "JWT");
	char *hs, *h64, *c64, *tbs, *sig, *tok = NULL;

	if (kid)
		json_object_set_new(h, "kid", json_string(kid));
	hs = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(h);
	if (hs == NULL) {
		snprintf(err, errlen, "cannot write the token's header (kid is not UTF-8?)");
		return NULL;
	}
	h64 = jwt_b64url(hs, strlen(hs));
	c64 = jwt_b64url(claims, strlen(claims));
	tbs = xasprintf("%s.%s", h64, c64);
	if ((sig = jwt_signature(k, tbs, err, errlen)) != NULL)
		tok = xasprintf("%s.%s", tbs, sig);
	free(hs);
	free(h64);
	free(c64);
	free(tbs);
	free(sig);
	return tok;
}
