#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/actsig.h"
#include "lib/util.h"

#define ACTSIG_LINK_VERSION 1
#define ACTSIG_MAC          crypto_auth_hmacsha256_BYTES
/* version, expiry, two lengths and fields, MAC */
#define ACTSIG_LINK_RAW_MAX (1 + 8 + 2 * (1 + ACTSIG_LINK_FIELD_MAX) + ACTSIG_MAC)

_Static_assert(sodium_base64_ENCODED_LEN(ACTSIG_LINK_RAW_MAX,
                                         sodium_base64_VARIANT_URLSAFE_NO_PADDING) ==
                   ACTSIG_LINK_TOKEN_MAX,
               "ACTSIG_LINK_TOKEN_MAX is the longest token");

static int
actsig_fail(int rc, const char *reason, const char **why)
{
	if (why)
		*why = reason;
	return rc;
}

const char *
actsig_reason(int rc)
{
	switch (rc) {
	case ACTSIG_OK: return "ok";
	case ACTSIG_ENOKEY: return "no usable key";
	case ACTSIG_EMISSING: return "missing signature";
	case ACTSIG_EMALFORMED: return "malformed signature";
	case ACTSIG_ESTALE: return "timestamp too old";
	case ACTSIG_EFUTURE: return "timestamp too far in the future";
	case ACTSIG_EBADSIG: return "bad signature";
	case ACTSIG_ETOOLONG: return "token too long";
	case ACTSIG_EEXPIRED: return "link expired";
	case ACTSIG_EREPLAY: return "already seen";
	default: return "unknown error";
	}
}

/* The timestamp header: present, in form, and within the tolerance both ways. */
static int
actsig_window(const char *ts_header, int64_t now_s, const char *missing, const char **why)
{
	int64_t t;

	if (ts_header == NULL || *ts_header == '\0')
		return actsig_fail(ACTSIG_EMISSING, missing, why);
	if (sign_parse_ts(ts_header, &t) < 0)
		return actsig_fail(ACTSIG_EMALFORMED, "timestamp is not Unix seconds", why);
	if (t < now_s - ACTSIG_TOLERANCE_S)
		return actsig_fail(ACTSIG_ESTALE, "timestamp too old", why);
	if (t > now_s + ACTSIG_TOLERANCE_S)
		return actsig_fail(ACTSIG_EFUTURE, "timestamp too far in the future", why);
	return ACTSIG_OK;
}

/* Exactly n bytes of hex (either case) into bin; -1 for any other length or character. */
static int
actsig_hex(const char *hex, unsigned char *bin, size_t n)
{
	size_t got = 0;
	const char *end = NULL;

	if (strlen(hex) != 2 * n)
		return -1;
	if (sodium_hex2bin(bin, n, hex, 2 * n, NULL, &got, &end) != 0 || got != n ||
	    end != hex + 2 * n)
		return -1;
	return 0;
}

int
actsig_slack(const char *signing_secret, const char *ts_header, const char *sig_header,
             const char *body, size_t len, int64_t now_s, const char **why)
{
	unsigned char got[ACTSIG_MAC], want[ACTSIG_MAC];
	crypto_auth_hmacsha256_state st;
	int rc;

	if (signing_secret == NULL || *signing_secret == '\0')
		return actsig_fail(ACTSIG_ENOKEY, "no signing secret", why);
	if (sig_header == NULL || *sig_header == '\0')
		return actsig_fail(ACTSIG_EMISSING, "missing X-Slack-Signature", why);
	rc = actsig_window(ts_header, now_s, "missing X-Slack-Request-Timestamp", why);
	if (rc != ACTSIG_OK)
		return rc;
	if (strncmp(sig_header, "v0=", 3) != 0 || actsig_hex(sig_header + 3, got, sizeof(got)) < 0)
		return actsig_fail(ACTSIG_EMALFORMED, "X-Slack-Signature is not v0=<64 hex digits>",
		                   why);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)signing_secret,
	                            strlen(signing_secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"v0:", 3);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts_header, strlen(ts_header));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)":", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)(body ? body : ""),
	                              body ? len : 0);
	crypto_auth_hmacsha256_final(&st, want);
	sodium_memzero(&st, sizeof(st));
	rc = sodium_memcmp(got, want, sizeof(want)) == 0 ? ACTSIG_OK : ACTSIG_EBADSIG;
	sodium_memzero(want, sizeof(want));
	return rc == ACTSIG_OK ? rc : actsig_fail(rc, "bad signature", why);
}

int
actsig_discord_key(const char *hex, unsigned char pk[32], const char **why)
{
	if (hex == NULL || actsig_hex(hex, pk, crypto_sign_PUBLICKEYBYTES) < 0)
		return actsig_fail(ACTSIG_ENOKEY, "the public key is not 64 hex digits", why);
	return ACTSIG_OK;
}

int
actsig_discord(const unsigned char pk[32], const char *sig_header, const char *ts_header,
               const char *body, size_t len, int64_t now_s, const char **why)
{
	unsigned char sig[crypto_sign_BYTES], *m;
	size_t tslen;
	int ok;

	if (pk == NULL)
		return actsig_fail(ACTSIG_ENOKEY, "no public key", why);
	if (sig_header == NULL || *sig_header == '\0')
		return actsig_fail(ACTSIG_EMISSING, "missing X-Signature-Ed25519", why);
	ok = actsig_window(ts_header, now_s, "missing X-Signature-Timestamp", why);
	if (ok != ACTSIG_OK)
		return ok;
	if (actsig_hex(sig_header, sig, sizeof(sig)) < 0)
		return actsig_fail(ACTSIG_EMALFORMED, "X-Signature-Ed25519 is not 128 hex digits",
		                   why);
	/* Ed25519 in libsodium 1.0.18 cannot stream: timestamp and body in one buffer. */
	tslen = strlen(ts_header);
	if (body == NULL)
		len = 0;
	m = xmalloc(tslen + len + 1);
	memcpy(m, ts_header, tslen);
	if (len)
		memcpy(m + tslen, body, len);
	ok = crypto_sign_verify_detached(sig, m, tslen + len, pk) == 0;
	free(m);
	return ok ? ACTSIG_OK : actsig_fail(ACTSIG_EBADSIG, "bad signature", why);
}

int
actsig_telegram_secret_ok(const char *secret, const char **why)
{
	size_t n = secret ? strlen(secret) : 0;

	if (n == 0 || n > 256 ||
	    strspn(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                   "0123456789_-") != n)
		return actsig_fail(ACTSIG_ENOKEY, "a secret token is 1 to 256 of A-Z a-z 0-9 _ -",
		                   why);
	return ACTSIG_OK;
}

int
actsig_telegram(const char *secret, const char *header, const char **why)
{
	if (actsig_telegram_secret_ok(secret, why) != ACTSIG_OK)
		return ACTSIG_ENOKEY;
	if (header == NULL || *header == '\0')
		return actsig_fail(ACTSIG_EMISSING, "missing X-Telegram-Bot-Api-Secret-Token", why);
	if (!sign_token_equal(secret, header))
		return actsig_fail(ACTSIG_EBADSIG, "wrong secret token", why);
	return ACTSIG_OK;
}

int
actsig_once(struct sign_replay *r, const char *platform, const char *value, int64_t now_s,
            const char **why)
{
	char *key;
	int rc;

	if (value == NULL || *value == '\0')
		return actsig_fail(ACTSIG_EMISSING, "nothing to tell this request from others",
		                   why);
	key = xasprintf("%s:%s", platform, value);
	if (sign_replay_seen(r, key, now_s))
		rc = actsig_fail(ACTSIG_EREPLAY, "already seen", why);
	else
		rc = sign_replay_add(r, key, now_s);
	free(key);
	return rc;
}

/* --- signed action links -------------------------------------------------- */

void
actsig_link_keygen(unsigned char key[ACTSIG_LINK_KEYBYTES])
{
	randombytes_buf(key, ACTSIG_LINK_KEYBYTES);
}

static int
actsig_field_ok(const char *s, size_t n)
{
	static const char set[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-";

	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return 0;
	return n > 0 && n <= ACTSIG_LINK_FIELD_MAX;
}

/* A field as its length byte and bytes at raw + *n. */
static void
actsig_put(unsigned char *raw, size_t *n, const char *s)
{
	size_t len = strlen(s);

	raw[(*n)++] = (unsigned char)len;
	memcpy(raw + *n, s, len);
	*n += len;
}

int
actsig_link_make(const unsigned char key[ACTSIG_LINK_KEYBYTES], const char *case_id,
                 const char *action, int64_t expires_s, char *out, size_t outlen)
{
	unsigned char raw[ACTSIG_LINK_RAW_MAX];
	size_t n = 0;

	if (case_id == NULL || action == NULL || !actsig_field_ok(case_id, strlen(case_id)) ||
	    !actsig_field_ok(action, strlen(action)))
		return -1;
	raw[n++] = ACTSIG_LINK_VERSION;
	for (int i = 7; i >= 0; i--)
		raw[n++] = (unsigned char)((uint64_t)expires_s >> (8 * i));
	actsig_put(raw, &n, case_id);
	actsig_put(raw, &n, action);
	crypto_auth_hmacsha256(raw + n, raw, n, key);
	n += ACTSIG_MAC;
	if (out == NULL ||
	    outlen < sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return -1;
	sodium_bin2base64(out, outlen, raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

/* A field of the token at raw + *at, of the length its byte says, inside n bytes. */
static int
actsig_get(const unsigned char *raw, size_t n, size_t *at, char out[ACTSIG_LINK_FIELD_MAX + 1])
{
	size_t len;

	if (*at >= n)
		return -1;
	len = raw[(*at)++];
	if (len == 0 || len > ACTSIG_LINK_FIELD_MAX || len > n - *at)
		return -1;
	memcpy(out, raw + *at, len);
	out[len] = '\0';
	*at += len;
	return 0;
}

int
actsig_link_parse(const unsigned char key[ACTSIG_LINK_KEYBYTES], const char *token, int64_t now_s,
                  struct actsig_link *link, const char **why)
{
	unsigned char raw[ACTSIG_LINK_RAW_MAX];
	size_t n = 0, at = 9, tlen = token ? strlen(token) : 0;
	uint64_t exp = 0;

	memset(link, 0, sizeof(*link));
	if (tlen == 0)
		return actsig_fail(ACTSIG_EMISSING, "missing token", why);
	if (tlen >= ACTSIG_LINK_TOKEN_MAX)
		return actsig_fail(ACTSIG_ETOOLONG, "token too long", why);
	if (sodium_base642bin(raw, sizeof(raw), token, tlen, NULL, &n, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n < 1 + 8 + 2 * 2 + ACTSIG_MAC || raw[0] != ACTSIG_LINK_VERSION)
		return actsig_fail(ACTSIG_EMALFORMED, "token is not an action link", why);
	n -= ACTSIG_MAC;
	if (actsig_get(raw, n, &at, link->case_id) < 0 ||
	    actsig_get(raw, n, &at, link->action) < 0 || at != n) {
		memset(link, 0, sizeof(*link));
		return actsig_fail(ACTSIG_EMALFORMED, "token is not an action link", why);
	}
	if (crypto_auth_hmacsha256_verify(raw + n, raw, n, key) != 0) {
		memset(link, 0, sizeof(*link));
		return actsig_fail(ACTSIG_EBADSIG, "bad signature", why);
	}
	for (int i = 1; i <= 8; i++)
		exp = exp << 8 | raw[i];
	link->expires_s = (int64_t)exp;
	if (now_s >= link->expires_s)
		return actsig_fail(ACTSIG_EEXPIRED, "link expired", why);
	return ACTSIG_OK;
}
