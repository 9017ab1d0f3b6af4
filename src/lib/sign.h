/*
 * sign.h: Standard Webhooks signatures (v1 HMAC-SHA256, v1a Ed25519) and
 * constant-time token comparison, with libsodium.
 *
 * Secrets: "whsec_<base64>" (HMAC key, 24-64 bytes), "whsk_<base64>"
 * (Ed25519 secret key: a 32-byte seed or a 64-byte key), "whpk_<base64>"
 * (Ed25519 public key, for verifying). Signed content is
 * "<id>.<timestamp>.<body>".
 */
#ifndef KELUH_SIGN_H
#define KELUH_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define SIGN_TOLERANCE_S 300	/* timestamps further than this from now are refused */

int sign_init(void);	/* sodium_init; call once at start-up */

struct sign_key {
	int kind;		/* 0 none, 1 hmac (whsec), 2 ed25519 secret (whsk), 3 ed25519 public (whpk) */
	unsigned char key[64];
	size_t len;
};

/* Parses a whsec_/whsk_/whpk_ string. Returns 0, or -1 with a reason. */
int sign_key_parse(const char *text, struct sign_key *k, char *err, size_t errlen);
/* Erases a key (in a way the compiler cannot drop) once it is no longer needed. */
void sign_key_wipe(struct sign_key *k);

/*
 * Writes the webhook-signature header value ("v1,<b64>" or "v1a,<b64>")
 * into out (at least 128 bytes). Returns 0, -1 if k cannot sign.
 */
int sign_header(const struct sign_key *k, const char *id, int64_t ts, const char *body,
    size_t len, char *out, size_t outlen);

/*
 * Verifies a webhook-signature header (a space-separated list; any entry
 * that verifies with one of keys[] passes) and the timestamp tolerance.
 * Returns 0, or -1 with a reason ("timestamp too old", "no valid signature").
 */
int sign_verify(const struct sign_key *keys, size_t nkeys, const char *id, const char *ts,
    const char *sig_header, const char *body, size_t len, int64_t now_s, char *err,
    size_t errlen);

/*
 * webhook-ids already taken, so that a message replayed inside the
 * tolerance is refused: at most max entries, each kept for twice
 * SIGN_TOLERANCE_S (the longest its message can still verify).
 */
#define SIGN_REPLAY_MAX 65536	/* webhook-ids remembered: about 4 MB at most */
struct sign_replay;
struct sign_replay *sign_replay_new(size_t max);
void sign_replay_free(struct sign_replay *);
/* Whether id was added and has not expired by now_s. */
int sign_replay_seen(struct sign_replay *, const char *id, int64_t now_s);
/*
 * Remembers id from now_s. At max entries the oldest is forgotten first
 * (a replay of it would then pass): returns 1 when that happened, else 0.
 */
int sign_replay_add(struct sign_replay *, const char *id, int64_t now_s);

/*
 * Strict Unix seconds as headers carry them: digits only, so "12.5" or
 * " 12" cannot slip through, and no leading zero (a second spelling of
 * the same moment). 0, or -1.
 */
int sign_parse_ts(const char *s, int64_t *out);

/* Constant-time equality of two strings of possibly different lengths. */
int sign_token_equal(const char *a, const char *b);

#endif
