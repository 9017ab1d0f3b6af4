/*
 * actsig: action request checks. Expected signatures come from elsewhere:
 * Slack's published example, HMACs computed by python3's hmac module (a
 * separate implementation), Ed25519 keys made and used here, and action
 * link tokens built here byte by byte from the format in actsig.h.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/actsig.h"
#include "lib/sign.h"
#include "unit.h"

#define NOW 1796000000LL /* 2026-12-01 */

/* Slack's own example of a signed request, from its documentation on verifying requests. */
#define SLACK_SECRET "8f742231b10e8888abcd99yyyzzz85a5"
#define SLACK_TS     "1531420618"
#define SLACK_BODY                                                                                 \
	"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="     \
	"G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-" \
	"collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%"         \
	"2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."           \
	"803a0bc887a14d10d2c447fce8b6703c"
#define SLACK_SIG "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

static void
setup(void)
{
	ck_assert_int_eq(sign_init(), 0);
}

/*
 * hex(HMAC-SHA256(key, msg)) by python3, or -1 when there is no python3.
 * Both go as hex on the command line, so any byte can be in them.
 */
static int
py_hmac(const void *key, size_t klen, const void *msg, size_t mlen, char out[65])
{
	static const char prog[] =
	    "import hmac,hashlib,sys;print(hmac.new(bytes.fromhex(sys.argv[1]"
	    "),bytes.fromhex(sys.argv[2]),hashlib.sha256).hexdigest())";
	size_t cmdlen = sizeof(prog) + 2 * (klen + mlen) + 64;
	char *cmd = malloc(cmdlen), *p, line[128];
	FILE *f;
	int ok;

	p = cmd + snprintf(cmd, cmdlen, "python3 -c '%s' ", prog);
	sodium_bin2hex(p, 2 * klen + 1, key, klen);
	p += 2 * klen;
	*p++ = ' ';
	sodium_bin2hex(p, 2 * mlen + 1, msg, mlen);
	f = popen(cmd, "r");
	free(cmd);
	if (f == NULL)
		return -1;
	/* The whole line, newline included: python3 fails if its pipe closes before it is read. */
	ok = fgets(line, sizeof(line), f) != NULL && strlen(line) == 65 && line[64] == '\n';
	if (ok) {
		memcpy(out, line, 64);
		out[64] = '\0';
	}
	return pclose(f) == 0 && ok ? 0 : -1;
}

#define NEED_PYTHON(rc)                                                                            \
	do {                                                                                       \
		if ((rc) < 0) {                                                                    \
			printf("# SKIP actsig: python3 is needed to compute HMACs apart\n");       \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* --- Slack ---------------------------------------------------------------- */

static int
slack(const char *secret, const char *ts, const char *sig, const char *body, size_t len,
      int64_t now, const char **why)
{
	return actsig_slack(secret, ts, sig, body, len, now, why);
}

START_TEST(test_slack_example)
{
	const char *why = NULL;

	ck_assert_int_eq(slack(SLACK_SECRET, SLACK_TS, SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY),
	                       1531420618, &why),
	                 ACTSIG_OK);
	ck_assert_int_eq(slack(SLACK_SECRET, SLACK_TS, SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY),
	                       1531420618 + 300, &why),
	                 ACTSIG_OK);
	ck_assert_int_eq(slack(SLACK_SECRET, SLACK_TS, SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY),
	                       1531420618 + 301, &why),
	                 ACTSIG_ESTALE);
	ck_assert_str_eq(why, "timestamp too old");
}
END_TEST

/* A body with a NUL and high bytes, signed "now" by python3 with a random secret. */
struct slack_req {
	char secret[33], ts[24], sig[68];
	char body[40];
	size_t len;
};

static int
slack_req(struct slack_req *r, int64_t ts)
{
	unsigned char raw[16];
	char base[128], hex[65];
	size_t n;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(r->secret, sizeof(r->secret), raw, sizeof(raw));
	snprintf(r->ts, sizeof(r->ts), "%lld", (long long)ts);
	static const char body[] = "payload=%7B%7D\0\xff\xfe end";

	memcpy(r->body, body, sizeof(body));
	r->len = sizeof(body) - 1;
	n = (size_t)snprintf(base, sizeof(base), "v0:%s:", r->ts);
	memcpy(base + n, r->body, r->len);
	if (py_hmac(r->secret, strlen(r->secret), base, n + r->len, hex) < 0)
		return -1;
	snprintf(r->sig, sizeof(r->sig), "v0=%s", hex);
	return 0;
}

START_TEST(test_slack_python)
{
	struct slack_req r;
	const char *why = NULL;

	NEED_PYTHON(slack_req(&r, NOW));
	ck_assert_int_eq(slack(r.secret, r.ts, r.sig, r.body, r.len, NOW, &why), ACTSIG_OK);
	/* Within the window both ways, to the second. */
	ck_assert_int_eq(slack(r.secret, r.ts, r.sig, r.body, r.len, NOW + 300, &why), ACTSIG_OK);
	ck_assert_int_eq(slack(r.secret, r.ts, r.sig, r.body, r.len, NOW - 300, &why), ACTSIG_OK);
	/* The whole body is signed, past its NUL. */
	ck_assert_int_eq(slack(r.secret, r.ts, r.sig, r.body, r.len - 1, NOW, &why),
	                 ACTSIG_EBADSIG);
}
END_TEST

START_TEST(test_slack_refused)
{
	struct slack_req r;
	char sig[80], ts[24];
	const char *why = NULL;

	NEED_PYTHON(slack_req(&r, NOW));
	for (size_t i = 0; i < r.len; i++) { /* one flipped byte anywhere in the body */
		r.body[i] ^= 0x01;
		ck_assert_int_eq(slack(r.secret, r.ts, r.sig, r.body, r.len, NOW, &why),
		                 ACTSIG_EBADSIG);
		ck_assert_str_eq(why, "bad signature");
		r.body[i] ^= 0x01;
	}
	ck_assert_int_eq(slack("another secret", r.ts, r.sig, r.body, r.len, NOW, &why),
	                 ACTSIG_EBADSIG);
	/* A timestamp other than the signed one, still inside the window. */
	snprintf(ts, sizeof(ts), "%lld", (long long)NOW + 1);
	ck_assert_int_eq(slack(r.secret, ts, r.sig, r.body, r.len, NOW, &why), ACTSIG_EBADSIG);
	/* Stale by 5 min + 1 s, ahead by as much. */
	ck_assert_int_eq(slack(r.secret, r.ts, r.sig, r.body, r.len, NOW + 301, &why),
	                 ACTSIG_ESTALE);
	ck_assert_int_eq(slack(r.secret, r.ts, r.sig, r.body, r.len, NOW - 301, &why),
	                 ACTSIG_EFUTURE);
	ck_assert_str_eq(why, "timestamp too far in the future");
	/* Malformed. */
	strcpy(sig, r.sig);
	sig[1] = '1';
	ck_assert_int_eq(slack(r.secret, r.ts, sig, r.body, r.len, NOW, &why), ACTSIG_EMALFORMED);
	ck_assert_str_eq(why, "X-Slack-Signature is not v0=<64 hex digits>");
	strcpy(sig, r.sig);
	sig[strlen(sig) - 1] = '\0';
	ck_assert_int_eq(slack(r.secret, r.ts, sig, r.body, r.len, NOW, &why), ACTSIG_EMALFORMED);
	strcpy(sig, r.sig);
	sig[10] = 'g';
	ck_assert_int_eq(slack(r.secret, r.ts, sig, r.body, r.len, NOW, &why), ACTSIG_EMALFORMED);
	snprintf(sig, sizeof(sig), "%s0", r.sig);
	ck_assert_int_eq(slack(r.secret, r.ts, sig, r.body, r.len, NOW, &why), ACTSIG_EMALFORMED);
	ck_assert_int_eq(slack(r.secret, " 1796000000", r.sig, r.body, r.len, NOW, &why),
	                 ACTSIG_EMALFORMED);
	ck_assert_str_eq(why, "timestamp is not Unix seconds");
	ck_assert_int_eq(slack(r.secret, "01796000000", r.sig, r.body, r.len, NOW, &why),
	                 ACTSIG_EMALFORMED);
	ck_assert_int_eq(slack(r.secret, "1796000000.0", r.sig, r.body, r.len, NOW, &why),
	                 ACTSIG_EMALFORMED);
	/* Missing. */
	ck_assert_int_eq(slack(r.secret, NULL, r.sig, r.body, r.len, NOW, &why), ACTSIG_EMISSING);
	ck_assert_str_eq(why, "missing X-Slack-Request-Timestamp");
	ck_assert_int_eq(slack(r.secret, r.ts, "", r.body, r.len, NOW, &why), ACTSIG_EMISSING);
	ck_assert_str_eq(why, "missing X-Slack-Signature");
	ck_assert_int_eq(slack("", r.ts, r.sig, r.body, r.len, NOW, &why), ACTSIG_ENOKEY);
	ck_assert_int_eq(slack(NULL, r.ts, r.sig, r.body, r.len, NOW, NULL), ACTSIG_ENOKEY);
}
END_TEST

/* --- Discord -------------------------------------------------------------- */

struct discord_req {
	unsigned char pk[32], sk[64];
	char pkhex[65], ts[24], sig[129];
	const char *body;
};

static void
discord_req(struct discord_req *r, int64_t ts, const char *body)
{
	unsigned char sig[64];
	char *m;

	crypto_sign_keypair(r->pk, r->sk);
	sodium_bin2hex(r->pkhex, sizeof(r->pkhex), r->pk, sizeof(r->pk));
	snprintf(r->ts, sizeof(r->ts), "%lld", (long long)ts);
	r->body = body;
	m = malloc(strlen(r->ts) + strlen(body) + 1);
	strcpy(m, r->ts);
	strcat(m, body);
	crypto_sign_detached(sig, NULL, (unsigned char *)m, strlen(m), r->sk);
	sodium_bin2hex(r->sig, sizeof(r->sig), sig, sizeof(sig));
	free(m);
}

static int
discord(const struct discord_req *r, const char *sig, const char *ts, const char *body, int64_t now,
        const char **why)
{
	unsigned char pk[32];

	ck_assert_int_eq(actsig_discord_key(r->pkhex, pk, why), ACTSIG_OK);
	return actsig_discord(pk, sig, ts, body, body ? strlen(body) : 0, now, why);
}

START_TEST(test_discord)
{
	struct discord_req r, other;
	char body[64], sig[140];
	const char *why = NULL;

	discord_req(&r, NOW, "{\"type\":1}");
	discord_req(&other, NOW, "{\"type\":1}");
	ck_assert_int_eq(discord(&r, r.sig, r.ts, r.body, NOW, &why), ACTSIG_OK);
	ck_assert_int_eq(discord(&r, r.sig, r.ts, r.body, NOW + 300, &why), ACTSIG_OK);
	/* Another application's signature, a flipped body byte, a body without its timestamp. */
	ck_assert_int_eq(discord(&r, other.sig, r.ts, r.body, NOW, &why), ACTSIG_EBADSIG);
	for (size_t i = 0; i < strlen(r.body); i++) {
		strcpy(body, r.body);
		body[i] ^= 0x20;
		ck_assert_int_eq(discord(&r, r.sig, r.ts, body, NOW, &why), ACTSIG_EBADSIG);
	}
	ck_assert_int_eq(discord(&r, r.sig, "1796000001", r.body, NOW, &why), ACTSIG_EBADSIG);
	ck_assert_str_eq(why, "bad signature");
	ck_assert_int_eq(discord(&r, r.sig, r.ts, r.body, NOW + 301, &why), ACTSIG_ESTALE);
	ck_assert_int_eq(discord(&r, r.sig, r.ts, r.body, NOW - 301, &why), ACTSIG_EFUTURE);
	/* Malformed and missing. */
	strcpy(sig, r.sig);
	sig[127] = '\0';
	ck_assert_int_eq(discord(&r, sig, r.ts, r.body, NOW, &why), ACTSIG_EMALFORMED);
	ck_assert_str_eq(why, "X-Signature-Ed25519 is not 128 hex digits");
	strcpy(sig, r.sig);
	sig[0] = 'z';
	ck_assert_int_eq(discord(&r, sig, r.ts, r.body, NOW, &why), ACTSIG_EMALFORMED);
	ck_assert_int_eq(discord(&r, r.sig, "soon", r.body, NOW, &why), ACTSIG_EMALFORMED);
	ck_assert_int_eq(discord(&r, NULL, r.ts, r.body, NOW, &why), ACTSIG_EMISSING);
	ck_assert_str_eq(why, "missing X-Signature-Ed25519");
	ck_assert_int_eq(discord(&r, r.sig, "", r.body, NOW, &why), ACTSIG_EMISSING);
	ck_assert_str_eq(why, "missing X-Signature-Timestamp");
}
END_TEST

START_TEST(test_discord_key)
{
	struct discord_req r;
	unsigned char pk[32];
	char hex[80];
	const char *why = NULL;

	discord_req(&r, NOW, "{}");
	/* Wrong lengths: a byte short, a byte long, and not hex. */
	snprintf(hex, sizeof(hex), "%.62s", r.pkhex);
	ck_assert_int_eq(actsig_discord_key(hex, pk, &why), ACTSIG_ENOKEY);
	ck_assert_str_eq(why, "the public key is not 64 hex digits");
	snprintf(hex, sizeof(hex), "%sab", r.pkhex);
	ck_assert_int_eq(actsig_discord_key(hex, pk, &why), ACTSIG_ENOKEY);
	snprintf(hex, sizeof(hex), "%.63sx", r.pkhex);
	ck_assert_int_eq(actsig_discord_key(hex, pk, &why), ACTSIG_ENOKEY);
	ck_assert_int_eq(actsig_discord_key("", pk, &why), ACTSIG_ENOKEY);
	ck_assert_int_eq(actsig_discord_key(NULL, pk, &why), ACTSIG_ENOKEY);
	/* Upper-case hex is the same key. */
	for (char *p = r.pkhex; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	ck_assert_int_eq(actsig_discord_key(r.pkhex, pk, &why), ACTSIG_OK);
	ck_assert_int_eq(memcmp(pk, r.pk, 32), 0);
	ck_assert_int_eq(actsig_discord(NULL, r.sig, r.ts, "{}", 2, NOW, &why), ACTSIG_ENOKEY);
}
END_TEST

/* --- Telegram ------------------------------------------------------------- */

START_TEST(test_telegram)
{
	char long_secret[258];
	const char *why = NULL;

	ck_assert_int_eq(actsig_telegram("s3cr3t_T0ken-x", "s3cr3t_T0ken-x", &why), ACTSIG_OK);
	ck_assert_int_eq(actsig_telegram("s3cr3t_T0ken-x", "s3cr3t_T0ken-y", &why), ACTSIG_EBADSIG);
	ck_assert_str_eq(why, "wrong secret token");
	ck_assert_int_eq(actsig_telegram("s3cr3t_T0ken-x", "s3cr3t_T0ken-x ", &why),
	                 ACTSIG_EBADSIG);
	ck_assert_int_eq(actsig_telegram("s3cr3t_T0ken-x", "s3cr3t", &why), ACTSIG_EBADSIG);
	ck_assert_int_eq(actsig_telegram("s3cr3t_T0ken-x", "", &why), ACTSIG_EMISSING);
	ck_assert_str_eq(why, "missing X-Telegram-Bot-Api-Secret-Token");
	ck_assert_int_eq(actsig_telegram("s3cr3t_T0ken-x", NULL, &why), ACTSIG_EMISSING);
	/* Secrets Telegram would not take are refused before any comparison. */
	ck_assert_int_eq(actsig_telegram("", "", &why), ACTSIG_ENOKEY);
	ck_assert_int_eq(actsig_telegram("has space", "has space", &why), ACTSIG_ENOKEY);
	ck_assert_str_eq(why, "a secret token is 1 to 256 of A-Z a-z 0-9 _ -");
	memset(long_secret, 'a', 257);
	long_secret[257] = '\0';
	ck_assert_int_eq(actsig_telegram_secret_ok(long_secret, &why), ACTSIG_ENOKEY);
	long_secret[256] = '\0';
	ck_assert_int_eq(actsig_telegram_secret_ok(long_secret, &why), ACTSIG_OK);
}
END_TEST

/* --- signed action links -------------------------------------------------- */

/* The token for these fields, built here from the layout in actsig.h, MAC by python3. */
static int
link_expected(const unsigned char key[32], const char *case_id, const char *action, int64_t exp,
              char *out, size_t outlen)
{
	unsigned char raw[200];
	char hex[65];
	size_t n = 0, got;

	raw[n++] = 1;
	for (int i = 0; i < 8; i++)
		raw[n++] = (unsigned char)((uint64_t)exp >> (56 - 8 * i));
	raw[n++] = (unsigned char)strlen(case_id);
	memcpy(raw + n, case_id, strlen(case_id));
	n += strlen(case_id);
	raw[n++] = (unsigned char)strlen(action);
	memcpy(raw + n, action, strlen(action));
	n += strlen(action);
	if (py_hmac(key, 32, raw, n, hex) < 0)
		return -1;
	ck_assert_int_eq(sodium_hex2bin(raw + n, 32, hex, 64, NULL, &got, NULL), 0);
	sodium_bin2base64(out, outlen, raw, n + got, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

START_TEST(test_link_known)
{
	unsigned char key[ACTSIG_LINK_KEYBYTES];
	char tok[ACTSIG_LINK_TOKEN_MAX], want[300];
	struct actsig_link l;
	const char *why = NULL;

	for (int i = 0; i < 32; i++)
		key[i] = (unsigned char)(i * 7 + 1);
	NEED_PYTHON(link_expected(key, "c-1042", "mute:2h", NOW + 86400, want, sizeof(want)));
	ck_assert_int_eq(actsig_link_make(key, "c-1042", "mute:2h", NOW + 86400, tok, sizeof(tok)),
	                 0);
	ck_assert_str_eq(tok, want);
	ck_assert_int_eq(actsig_link_parse(key, tok, NOW, &l, &why), ACTSIG_OK);
	ck_assert_str_eq(l.case_id, "c-1042");
	ck_assert_str_eq(l.action, "mute:2h");
	ck_assert_int_eq(l.expires_s, NOW + 86400);
	/* The longest fields make the longest token, which fits. */
	char id[33], act[33];

	memset(id, '9', 32);
	id[32] = '\0';
	memset(act, 'z', 32);
	act[32] = '\0';
	ck_assert_int_eq(actsig_link_make(key, id, act, NOW + 60, tok, sizeof(tok)), 0);
	ck_assert_uint_eq(strlen(tok), ACTSIG_LINK_TOKEN_MAX - 1);
	ck_assert_int_eq(actsig_link_parse(key, tok, NOW, &l, &why), ACTSIG_OK);
	ck_assert_str_eq(l.case_id, id);
	ck_assert_int_eq(actsig_link_make(key, id, act, NOW + 60, tok, sizeof(tok) - 1), -1);
}
END_TEST

START_TEST(test_link_fields)
{
	unsigned char key[ACTSIG_LINK_KEYBYTES] = {0};
	char tok[ACTSIG_LINK_TOKEN_MAX];

	ck_assert_int_eq(actsig_link_make(key, "", "ack", NOW, tok, sizeof(tok)), -1);
	ck_assert_int_eq(actsig_link_make(key, "c-1", "", NOW, tok, sizeof(tok)), -1);
	ck_assert_int_eq(actsig_link_make(key, "c 1", "ack", NOW, tok, sizeof(tok)), -1);
	ck_assert_int_eq(actsig_link_make(key, "c-1", "ack/x", NOW, tok, sizeof(tok)), -1);
	ck_assert_int_eq(actsig_link_make(key, "c-1", "123456789012345678901234567890123", NOW, tok,
	                                  sizeof(tok)),
	                 -1);
	ck_assert_int_eq(actsig_link_make(key, NULL, "ack", NOW, tok, sizeof(tok)), -1);
	ck_assert_int_eq(actsig_link_make(key, "c-1", "ack", NOW, NULL, 0), -1);
}
END_TEST

static void
link_reencode(const unsigned char *raw, size_t n, char *tok, size_t toklen)
{
	sodium_bin2base64(tok, toklen, raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

START_TEST(test_link_tampered)
{
	unsigned char key[ACTSIG_LINK_KEYBYTES], other[ACTSIG_LINK_KEYBYTES], raw[200];
	char tok[ACTSIG_LINK_TOKEN_MAX], bad[400];
	struct actsig_link l;
	const char *why = NULL;
	size_t n;

	actsig_link_keygen(key);
	actsig_link_keygen(other);
	ck_assert_int_ne(memcmp(key, other, sizeof(key)), 0);
	ck_assert_int_eq(actsig_link_make(key, "c-77", "ack", NOW + 600, tok, sizeof(tok)), 0);
	ck_assert_int_eq(actsig_link_parse(other, tok, NOW, &l, &why), ACTSIG_EBADSIG);
	ck_assert_int_eq(sodium_base642bin(raw, sizeof(raw), tok, strlen(tok), NULL, &n, NULL,
	                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING),
	                 0);
	/* Every byte, flipped: expiry (1-8), case id (10-13), action (15-17), MAC (18-49). */
	for (size_t i = 1; i < n; i++) {
		if (i == 9 || i == 14)
			continue; /* the lengths: see below */
		raw[i] ^= 0x02;
		link_reencode(raw, n, bad, sizeof(bad));
		ck_assert_msg(actsig_link_parse(key, bad, NOW, &l, &why) == ACTSIG_EBADSIG,
		              "byte %zu", i);
		ck_assert_str_eq(why, "bad signature");
		ck_assert_str_eq(l.case_id, "");
		raw[i] ^= 0x02;
	}
	/* The version and the lengths: no longer a token at all. */
	for (size_t i = 0; i < 15; i += i == 0 ? 9 : 5) {
		raw[i] ^= 0x40;
		link_reencode(raw, n, bad, sizeof(bad));
		ck_assert_msg(actsig_link_parse(key, bad, NOW, &l, &why) == ACTSIG_EMALFORMED,
		              "byte %zu", i);
		ck_assert_str_eq(why, "token is not an action link");
		raw[i] ^= 0x40;
	}
	/* One byte cut, one byte added: the fields no longer fill the token. */
	link_reencode(raw, n - 1, bad, sizeof(bad));
	ck_assert_int_eq(actsig_link_parse(key, bad, NOW, &l, &why), ACTSIG_EMALFORMED);
	raw[n] = 0;
	link_reencode(raw, n + 1, bad, sizeof(bad));
	ck_assert_int_eq(actsig_link_parse(key, bad, NOW, &l, &why), ACTSIG_EMALFORMED);
	link_reencode(raw, n, bad, sizeof(bad));
	ck_assert_str_eq(bad, tok);
}
END_TEST

START_TEST(test_link_malformed)
{
	unsigned char key[ACTSIG_LINK_KEYBYTES];
	char tok[ACTSIG_LINK_TOKEN_MAX], bad[400];
	struct actsig_link l;
	const char *why = NULL;

	actsig_link_keygen(key);
	ck_assert_int_eq(actsig_link_make(key, "c-77", "resolve", NOW + 600, tok, sizeof(tok)), 0);
	/* Padding, the standard alphabet, a cut character, spaces, nothing. */
	snprintf(bad, sizeof(bad), "%s=", tok);
	ck_assert_int_eq(actsig_link_parse(key, bad, NOW, &l, &why), ACTSIG_EMALFORMED);
	snprintf(bad, sizeof(bad), "%s", tok);
	bad[5] = '+';
	ck_assert_int_eq(actsig_link_parse(key, bad, NOW, &l, &why), ACTSIG_EMALFORMED);
	bad[5] = '/';
	ck_assert_int_eq(actsig_link_parse(key, bad, NOW, &l, &why), ACTSIG_EMALFORMED);
	snprintf(bad, sizeof(bad), "%.*s", (int)strlen(tok) - 1, tok);
	ck_assert_int_eq(actsig_link_parse(key, bad, NOW, &l, &why), ACTSIG_EMALFORMED);
	snprintf(bad, sizeof(bad), " %s", tok);
	ck_assert_int_eq(actsig_link_parse(key, bad, NOW, &l, &why), ACTSIG_EMALFORMED);
	ck_assert_int_eq(actsig_link_parse(key, "AQ", NOW, &l, &why), ACTSIG_EMALFORMED);
	ck_assert_int_eq(actsig_link_parse(key, "", NOW, &l, &why), ACTSIG_EMISSING);
	ck_assert_int_eq(actsig_link_parse(key, NULL, NOW, &l, &why), ACTSIG_EMISSING);
	/* Oversized: one character past the longest token, refused before decoding. */
	memset(bad, 'A', ACTSIG_LINK_TOKEN_MAX);
	bad[ACTSIG_LINK_TOKEN_MAX] = '\0';
	ck_assert_int_eq(actsig_link_parse(key, bad, NOW, &l, &why), ACTSIG_ETOOLONG);
	ck_assert_str_eq(why, "token too long");
}
END_TEST

START_TEST(test_link_expired)
{
	unsigned char key[ACTSIG_LINK_KEYBYTES];
	char tok[ACTSIG_LINK_TOKEN_MAX];
	struct actsig_link l;
	const char *why = NULL;

	actsig_link_keygen(key);
	ck_assert_int_eq(actsig_link_make(key, "c-77", "assign_me", NOW + 600, tok, sizeof(tok)),
	                 0);
	ck_assert_int_eq(actsig_link_parse(key, tok, NOW + 599, &l, &why), ACTSIG_OK);
	ck_assert_int_eq(actsig_link_parse(key, tok, NOW + 600, &l, &why), ACTSIG_EEXPIRED);
	ck_assert_str_eq(why, "link expired");
	/* An expired link still says what it was for, so the page can say so. */
	ck_assert_str_eq(l.case_id, "c-77");
	ck_assert_str_eq(l.action, "assign_me");
	ck_assert_int_eq(actsig_link_make(key, "c-77", "ack", NOW - 1, tok, sizeof(tok)), 0);
	ck_assert_int_eq(actsig_link_parse(key, tok, NOW, &l, &why), ACTSIG_EEXPIRED);
}
END_TEST

/* --- replays and reasons -------------------------------------------------- */

START_TEST(test_once)
{
	struct sign_replay *r = sign_replay_new(2);
	const char *why = NULL;

	ck_assert_int_eq(actsig_once(r, "slack", "v0=aa", NOW, &why), 0);
	ck_assert_int_eq(actsig_once(r, "slack", "v0=aa", NOW + 1, &why), ACTSIG_EREPLAY);
	ck_assert_str_eq(why, "already seen");
	/* Platforms do not meet: the same value from Discord is new. */
	ck_assert_int_eq(actsig_once(r, "discord", "v0=aa", NOW, &why), 0);
	/* Full: the oldest is forgotten, and the caller told so. */
	ck_assert_int_eq(actsig_once(r, "slack", "v0=bb", NOW, &why), 1);
	ck_assert_int_eq(actsig_once(r, "slack", "v0=aa", NOW, &why), 1);
	/* Kept for twice the window, longer than the request verifies. */
	ck_assert_int_eq(actsig_once(r, "slack", "v0=aa", NOW + 2 * ACTSIG_TOLERANCE_S - 1, &why),
	                 ACTSIG_EREPLAY);
	ck_assert_int_eq(actsig_once(r, "slack", "v0=aa", NOW + 2 * ACTSIG_TOLERANCE_S, &why), 0);
	ck_assert_int_eq(actsig_once(r, "telegram", "", NOW, &why), ACTSIG_EMISSING);
	sign_replay_free(r);
}
END_TEST

START_TEST(test_reasons)
{
	static const int codes[] = {
	    ACTSIG_OK,      ACTSIG_ENOKEY,  ACTSIG_EMISSING, ACTSIG_EMALFORMED, ACTSIG_ESTALE,
	    ACTSIG_EFUTURE, ACTSIG_EBADSIG, ACTSIG_ETOOLONG, ACTSIG_EEXPIRED,   ACTSIG_EREPLAY};
	size_t n = sizeof(codes) / sizeof(codes[0]);

	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			ck_assert_int_ne(codes[i], codes[j]);
			ck_assert_str_ne(actsig_reason(codes[i]), actsig_reason(codes[j]));
		}
	ck_assert_str_eq(actsig_reason(-100), "unknown error");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("actsig");
	TCase *tc = tcase_create("actsig");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_slack_example);
	tcase_add_test(tc, test_slack_python);
	tcase_add_test(tc, test_slack_refused);
	tcase_add_test(tc, test_discord);
	tcase_add_test(tc, test_discord_key);
	tcase_add_test(tc, test_telegram);
	tcase_add_test(tc, test_link_known);
	tcase_add_test(tc, test_link_fields);
	tcase_add_test(tc, test_link_tampered);
	tcase_add_test(tc, test_link_malformed);
	tcase_add_test(tc, test_link_expired);
	tcase_add_test(tc, test_once);
	tcase_add_test(tc, test_reasons);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
