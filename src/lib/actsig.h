/*
 * actsig.h: is an action request really from where it says it is from?
 * The checks for chat platforms' action callbacks (Slack interactivity,
 * Discord interactions, Telegram webhooks) and for keluh's own signed
 * action links, with libsodium. Call sign_init (lib/sign.h) once first.
 *
 * Every verifier returns ACTSIG_OK (0) or one of the negative ACTSIG_E*
 * codes below, and sets *why (when why is not NULL) to a short static
 * reason fit for a 401 body and the log ("timestamp too old"). Nothing
 * here keeps state or takes ownership: bodies are the raw bytes as
 * received (before any parsing), headers the values as received, times
 * Unix seconds.
 *
 * Replays: a valid request can be sent again inside its 5 minutes.
 * After a request verifies, the caller passes its one-time value to
 * actsig_once with a struct sign_replay (lib/sign.h) it keeps for the
 * receiver: for Slack the X-Slack-Signature value, for Discord the
 * X-Signature-Ed25519 value (each signs its own timestamp and body, so
 * each is unique), for Telegram the body's update_id (its secret token is
 * the same in every request). The cache keeps each value for twice
 * SIGN_TOLERANCE_S, longer than a request can verify. Action links are
 * not one-time (a person may click twice): their actions must be
 * idempotent on the case.
 */
#ifndef KELUH_ACTSIG_H
#define KELUH_ACTSIG_H

#include <stddef.h>
#include <stdint.h>

#include "lib/sign.h"

#define ACTSIG_OK         0
#define ACTSIG_ENOKEY     -1 /* the configured key or secret cannot be used */
#define ACTSIG_EMISSING   -2 /* a header or the token is absent or empty */
#define ACTSIG_EMALFORMED -3 /* a header or the token is not in its form */
#define ACTSIG_ESTALE     -4 /* the timestamp is older than ACTSIG_TOLERANCE_S */
#define ACTSIG_EFUTURE    -5 /* the timestamp is ahead by more than ACTSIG_TOLERANCE_S */
#define ACTSIG_EBADSIG    -6 /* signature or secret does not match */
#define ACTSIG_ETOOLONG   -7 /* a token longer than any actsig_link_make writes */
#define ACTSIG_EEXPIRED   -8 /* an action link past its expiry */
#define ACTSIG_EREPLAY    -9 /* this request was already taken */

#define ACTSIG_TOLERANCE_S SIGN_TOLERANCE_S /* 5 minutes, both ways, as Slack asks */

/* The generic reason of a code ("bad signature"), for logs that only kept the code. */
const char *actsig_reason(int rc);

/*
 * Slack: X-Slack-Signature "v0=" + hex HMAC-SHA256 with the signing secret
 * (its text as given, any length) over "v0:" + X-Slack-Request-Timestamp
 * + ":" + body.
 */
int actsig_slack(const char *signing_secret, const char *ts_header, const char *sig_header,
                 const char *body, size_t len, int64_t now_s, const char **why);

/*
 * Discord: the application's public key, 64 hex digits, read once (at
 * configuration load) into pk; ACTSIG_ENOKEY when it is not that.
 */
int actsig_discord_key(const char *hex, unsigned char pk[32], const char **why);
/* X-Signature-Ed25519 (128 hex digits) over X-Signature-Timestamp + body, with pk. */
int actsig_discord(const unsigned char pk[32], const char *sig_header, const char *ts_header,
                   const char *body, size_t len, int64_t now_s, const char **why);

/*
 * Telegram: a setWebhook secret_token is 1 to 256 of A-Z a-z 0-9 _ -
 * (check it at configuration load), sent back in every request's
 * X-Telegram-Bot-Api-Secret-Token; compared in constant time.
 */
int actsig_telegram_secret_ok(const char *secret, const char **why);
int actsig_telegram(const char *secret, const char *header, const char **why);

/*
 * Signed action links, for receivers without buttons: a token carrying a
 * case id and an action (each 1 to ACTSIG_LINK_FIELD_MAX of A-Z a-z 0-9 _
 * . : -, e.g. "ack", "mute:2h"), an expiry in Unix seconds, and an
 * HMAC-SHA256 over them with a 32-byte key. The token is base64url
 * without padding of:
 *   1 (version) | expiry (8 bytes, big-endian) | n | case id (n bytes) |
 *   m | action (m bytes) | HMAC-SHA256(key, everything before it) (32)
 */
#define ACTSIG_LINK_KEYBYTES  32
#define ACTSIG_LINK_FIELD_MAX 32
#define ACTSIG_LINK_TOKEN_MAX 144 /* chars of the longest token, with its NUL */

struct actsig_link {
	char case_id[ACTSIG_LINK_FIELD_MAX + 1];
	char action[ACTSIG_LINK_FIELD_MAX + 1];
	int64_t expires_s;
};

/* A new random link key (randombytes_buf); the caller keeps it (in the spool) and wipes it. */
void actsig_link_keygen(unsigned char key[ACTSIG_LINK_KEYBYTES]);
/*
 * Writes the token into out (ACTSIG_LINK_TOKEN_MAX bytes are always
 * enough). Returns 0, or -1 when a field is empty, too long or has a
 * character outside the set, or out is too small.
 */
int actsig_link_make(const unsigned char key[ACTSIG_LINK_KEYBYTES], const char *case_id,
                     const char *action, int64_t expires_s, char *out, size_t outlen);
/*
 * Reads a token back into *link. The link is valid while now_s <
 * expires_s: ACTSIG_EEXPIRED from then on (*link is still filled, so the
 * page can say what the link was for); ACTSIG_EBADSIG when any byte was
 * changed or another key made it (*link is left empty then, as for every
 * other refusal).
 */
int actsig_link_parse(const unsigned char key[ACTSIG_LINK_KEYBYTES], const char *token,
                      int64_t now_s, struct actsig_link *link, const char **why);

/*
 * Takes a verified request's one-time value (see above) for platform
 * ("slack", "discord", "telegram": their values never meet): 0 the first
 * time, 1 the first time but the cache was full and forgot its oldest
 * value (count it as a bound hit), ACTSIG_EREPLAY when already taken.
 */
int actsig_once(struct sign_replay *r, const char *platform, const char *value, int64_t now_s,
                const char **why);

#endif
