/*
 * jwt.h: compact JSON Web Tokens (RFC 7519) signed with a private key, as
 * the app-store APIs want them for their OAuth flows: RS256 (RSA PKCS#1
 * v1.5 with SHA-256: Google service accounts) and ES256 (ECDSA on P-256
 * with SHA-256: App Store Connect). The signing is OpenSSL's libcrypto
 * (EVP_DigestSign), never our own.
 *
 * A token is header.claims.signature, each part base64url without
 * padding; an ES256 signature is the raw 64 bytes r||s (RFC 7518 section
 * 3.4), not the DER that libcrypto makes.
 */
#ifndef KELUH_JWT_H
#define KELUH_JWT_H

#include <stddef.h>

enum jwt_alg {
	JWT_RS256, /* an RSA key of 2048 bits or more */
	JWT_ES256, /* an EC key on P-256 (prime256v1) */
};

/* A private key able to sign for one algorithm (owns its EVP_PKEY). */
struct jwt_key;

/*
 * The PEM private key in pem (len bytes; PKCS#8 "BEGIN PRIVATE KEY", or
 * the traditional RSA/EC forms), checked to fit alg. NULL with err saying
 * what is wrong (not a PEM key, encrypted, the wrong type or size).
 */
struct jwt_key *jwt_key_pem(const char *pem, size_t len, enum jwt_alg alg, char *err,
                            size_t errlen);
void jwt_key_free(struct jwt_key *);
enum jwt_alg jwt_key_alg(const struct jwt_key *);

/*
 * A signed token (malloc'd) for claims, a JSON object's text, with the
 * header {"alg":..., "typ":"JWT"} and "kid" when kid is not NULL. NULL
 * with err filled when libcrypto fails.
 */
char *jwt_sign(const struct jwt_key *, const char *kid, const char *claims, char *err,
               size_t errlen);

/* base64url without padding of n bytes (malloc'd). */
char *jwt_b64url(const void *data, size_t n);

#endif
