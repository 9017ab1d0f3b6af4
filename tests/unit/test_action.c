/*
 * action: platform callbacks and signed links into verified actions.
 * Requests are signed here with libsodium directly (HMAC-SHA256 for
 * Slack, Ed25519 for Discord), the way the platforms sign them, so the
 * parse's verification is checked against a signer of its own.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "lib/actsig.h"
#include "lib/sign.h"
#include "receivers/action.h"
#include "unit.h"

#define NOW 1796000000LL /* 2026-12-01 */

static const unsigned char link_key[ACTSIG_LINK_KEYBYTES] = "0123456789abcdef0123456789abcde";

/* --- a request ------------------------------------------------------------ */

struct req {
	const char *names[4];
	char values[4][160];
	size_t n;
	char *body;
	size_t len;
	struct sign_replay *replay;
};

static const char *
getter(void *arg, const char *name)
{
	struct req *q = arg;

	for (size_t i = 0; i < q->n; i++)
		if (strcasecmp(q->names[i], name) == 0)
			return q->values[i];
	return NULL;
}

static void
hdr(struct req *q, const char *name, const char *value)
{
	q->names[q->n] = name;
	snprintf(q->values[q->n], sizeof(q->values[0]), "%s", value);
	q->n++;
}

static int
run(const struct receiver *r, struct req *q, int64_t now, struct rcv_action *a, char *why)
{
	struct rcv_action_req req = {q->body, q->len, getter, q, now, q->replay, link_key};

	return receiver_action_parse(r, &req, a, why, 256);
}

static void
setup(void)
{
	ck_assert_int_eq(sign_init(), 0);
}

/* --- Slack ---------------------------------------------------------------- */

static const struct receiver slack = {.name = "s", .type = RCV_SLACK, .signing_secret = "shh"};

/* "payload=" + json percent-encoded, signed at ts with the secret. */
static void
slack_req(struct req *q, const char *json, int64_t ts, const char *secret)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	char tss[24], hex[65], sig[80];
	size_t n = 0;

	memset(q, 0, sizeof(*q));
	q->body = malloc(8 + 3 * strlen(json) + 1);
	n = (size_t)sprintf(q->body, "payload=");
	for (const char *p = json; *p; p++)
		n += (size_t)(strchr("{}\":,[] ", *p) ? sprintf(q->body + n, "%%%02X", *p)
		                                      : sprintf(q->body + n, "%c", *p));
	q->len = n;
	snprintf(tss, sizeof(tss), "%lld", (long long)ts);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"v0:", 3);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)tss, strlen(tss));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)":", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)q->body, q->len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	snprintf(sig, sizeof(sig), "v0=%s", hex);
	hdr(q, "X-Slack-Request-Timestamp", tss);
	hdr(q, "X-Slack-Signature", sig);
}

#define SLACK_OK                                                                                   \
	"{\"type\":\"block_actions\",\"user\":{\"id\":\"U123\",\"username\":\"rina\"},"            \
	"\"actions\":[{\"action_id\":\"ack\",\"value\":\"ack:42\"}]}"

START_TEST(slack_good)
{
	struct rcv_action a;
	struct req q;
	struct buf b;
	const char *ct;
	char why[256];

	slack_req(&q, SLACK_OK, NOW - 10, "shh");
	ck_assert_int_eq(run(&slack, &q, NOW, &a, why), RCV_ACTION_OK);
	ck_assert_int_eq(a.case_id, 42);
	ck_assert_int_eq(a.action, RCV_ACT_ACK);
	ck_assert_str_eq(a.user_id, "U123");
	ck_assert_str_eq(a.user_name, "rina");
	ck_assert_str_eq(a.platform, "slack");
	ck_assert_str_eq(a.arg, "");
	buf_init(&b);
	rcv_action_answer(&a, RCV_ACTION_OK, NULL, &b, &ct);
	ck_assert_ptr_null(ct);
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
	free(q.body);
	/* an argument after the case id, and user.name when there is no username */
	slack_req(&q,
	          "{\"type\":\"block_actions\",\"user\":{\"id\":\"U9\",\"name\":\"budi\"},"
	          "\"actions\":[{\"value\":\"assign:7:dewi\"}]}",
	          NOW, "shh");
	ck_assert_int_eq(run(&slack, &q, NOW, &a, why), RCV_ACTION_OK);
	ck_assert_int_eq(a.action, RCV_ACT_ASSIGN);
	ck_assert_int_eq(a.case_id, 7);
	ck_assert_str_eq(a.arg, "dewi");
	ck_assert_str_eq(a.user_name, "budi");
	free(q.body);
	/* the "Assign to..." menu: the chosen option's value */
	slack_req(&q,
	          "{\"type\":\"block_actions\",\"user\":{\"id\":\"U9\",\"name\":\"budi\"},"
	          "\"actions\":[{\"type\":\"static_select\",\"action_id\":\"keluh.assign_to\","
	          "\"selected_option\":{\"value\":\"assign:7:rina\"}}]}",
	          NOW, "shh");
	ck_assert_int_eq(run(&slack, &q, NOW, &a, why), RCV_ACTION_OK);
	ck_assert_int_eq(a.action, RCV_ACT_ASSIGN);
	ck_assert_int_eq(a.case_id, 7);
	ck_assert_str_eq(a.arg, "rina");
	free(q.body);
}
END_TEST

START_TEST(slack_refused)
{
	struct rcv_action a;
	struct req q;
	char why[256];
	struct receiver none = slack;

	/* another secret */
	slack_req(&q, SLACK_OK, NOW, "other");
	ck_assert_int_eq(run(&slack, &q, NOW, &a, why), RCV_ACTION_EAUTH);
	ck_assert_str_eq(why, "Slack signature: bad signature");
	ck_assert_int_eq(rcv_action_status(RCV_ACTION_EAUTH), 401);
	free(q.body);
	/* signed, then the body changed */
	slack_req(&q, SLACK_OK, NOW, "shh");
	q.body[q.len - 4] ^= 1;
	ck_assert_int_eq(run(&slack, &q, NOW, &a, why), RCV_ACTION_EAUTH);
	free(q.body);
	/* more than 5 minutes old */
	slack_req(&q, SLACK_OK, NOW - 301, "shh");
	ck_assert_int_eq(run(&slack, &q, NOW, &a, why), RCV_ACTION_EAUTH);
	ck_assert_str_eq(why, "Slack signature: timestamp too old");
	free(q.body);
	/* no signature at all */
	slack_req(&q, SLACK_OK, NOW, "shh");
	q.n = 1;
	ck_assert_int_eq(run(&slack, &q, NOW, &a, why), RCV_ACTION_EAUTH);
	ck_assert_str_eq(why, "Slack signature: missing X-Slack-Signature");
	/* replayed: taken once, refused the second time */
	q.n = 0;
	free(q.body);
	slack_req(&q, SLACK_OK, NOW, "shh");
	q.replay = sign_replay_new(16);
	ck_assert_int_eq(run(&slack, &q, NOW, &a, why), RCV_ACTION_OK);
	ck_assert_int_eq(run(&slack, &q, NOW + 1, &a, why), RCV_ACTION_EAUTH);
	ck_assert_str_eq(why, "replayed: already seen");
	sign_replay_free(q.replay);
	/* no signing secret: this receiver takes no actions */
	none.signing_secret = NULL;
	ck_assert_int_eq(run(&none, &q, NOW, &a, why), RCV_ACTION_ENOTSUP);
	ck_assert_int_eq(rcv_action_status(RCV_ACTION_ENOTSUP), 404);
	free(q.body);
}
END_TEST

/* A signed Slack body that must be refused as malformed, with why starting with want. */
static void
slack_bad(const char *json, const char *want)
{
	struct rcv_action a;
	struct req q;
	char why[256];

	slack_req(&q, json, NOW, "shh");
	ck_assert_int_eq(run(&slack, &q, NOW, &a, why), RCV_ACTION_EBAD);
	ck_assert_msg(strncmp(why, want, strlen(want)) == 0, "%s: %s", json, why);
	free(q.body);
}

#define SLACK_VALUE(v)                                                                             \
	"{\"type\":\"block_actions\",\"user\":{\"id\":\"U1\"},\"actions\":[{\"value\":\"" v "\"}]" \
	"}"

START_TEST(slack_malformed)
{
	struct rcv_action a;
	struct req q;
	char why[256];

	slack_bad("[1]", "payload is not a JSON object");
	slack_bad("{nope", "payload is not a JSON object");
	slack_bad("{\"type\":\"view_submission\"}", "payload type 'view_submission' is not");
	slack_bad("{\"type\":\"block_actions\",\"actions\":[]}", "payload has no user.id");
	slack_bad("{\"type\":\"block_actions\",\"user\":{\"id\":\"U1\"},\"actions\":[]}",
	          "payload has no actions[0]");
	slack_bad(SLACK_VALUE("frobnicate:42"), "unknown action 'frobnicate'");
	slack_bad(SLACK_VALUE("ack:x42"), "bad case id 'x42'");
	slack_bad(SLACK_VALUE("ack:042"), "bad case id '042'");
	slack_bad(SLACK_VALUE("ack:0"), "bad case id '0'");
	slack_bad(SLACK_VALUE("ack:9007199254740992"), "bad case id");
	slack_bad(SLACK_VALUE("ack:"), "bad case id ''");
	slack_bad(SLACK_VALUE("ack"), "the button's value 'ack' is not");
	slack_bad(SLACK_VALUE("assign:4:"), "bad argument");
	ck_assert_int_eq(rcv_action_status(RCV_ACTION_EBAD), 400);
	/* a form whose payload has a broken escape, signed as it is */
	slack_req(&q, SLACK_OK, NOW, "shh");
	free(q.body);
	q.body = strdup("token=x&payload=%7");
	q.len = strlen(q.body);
	{
		unsigned char mac[32];
		char m[64], hex[65];
		crypto_auth_hmacsha256_state st;

		snprintf(m, sizeof(m), "v0:%lld:", NOW);
		crypto_auth_hmacsha256_init(&st, (const unsigned char *)"shh", 3);
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)m, strlen(m));
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)q.body, q.len);
		crypto_auth_hmacsha256_final(&st, mac);
		sodium_bin2hex(hex, sizeof(hex), mac, 32);
		snprintf(q.values[1], sizeof(q.values[1]), "v0=%s", hex);
	}
	ck_assert_int_eq(run(&slack, &q, NOW, &a, why), RCV_ACTION_EBAD);
	ck_assert_str_eq(why, "not Slack's interactivity form: no well-formed payload= field");
	free(q.body);
}
END_TEST

/* --- Discord -------------------------------------------------------------- */

static unsigned char dpk[32], dsk[64];

static void
discord_req(struct req *q, const char *body, int64_t ts, const unsigned char *sk)
{
	unsigned char sig[64];
	char tss[24], hex[129], *m;
	size_t tl;

	memset(q, 0, sizeof(*q));
	q->body = strdup(body);
	q->len = strlen(body);
	tl = (size_t)snprintf(tss, sizeof(tss), "%lld", (long long)ts);
	m = malloc(tl + q->len);
	memcpy(m, tss, tl);
	memcpy(m + tl, body, q->len);
	crypto_sign_detached(sig, NULL, (unsigned char *)m, tl + q->len, sk);
	free(m);
	sodium_bin2hex(hex, sizeof(hex), sig, sizeof(sig));
	hdr(q, "X-Signature-Ed25519", hex);
	hdr(q, "X-Signature-Timestamp", tss);
}

static struct receiver
discord_rcv(void)
{
	struct receiver r = {.name = "d", .type = RCV_DISCORD, .has_public_key = 1};

	memcpy(r.public_key, dpk, 32);
	return r;
}

#define DISCORD_OK                                                                                 \
	"{\"type\":3,\"data\":{\"custom_id\":\"resolve:1234\",\"component_type\":2},"              \
	"\"member\":{\"user\":{\"id\":\"80351110224678912\",\"username\":\"nelly\","               \
	"\"global_name\":\"Nelly\"}}}"

START_TEST(discord_good)
{
	struct receiver r;
	struct rcv_action a;
	struct req q;
	struct buf b;
	const char *ct;
	char why[256];

	crypto_sign_keypair(dpk, dsk);
	r = discord_rcv();
	discord_req(&q, "{\"type\":1}", NOW, dsk);
	ck_assert_int_eq(run(&r, &q, NOW, &a, why), RCV_ACTION_PONG);
	ck_assert_int_eq(rcv_action_status(RCV_ACTION_PONG), 200);
	buf_init(&b);
	rcv_action_answer(&a, RCV_ACTION_PONG, NULL, &b, &ct);
	ck_assert_str_eq(b.data, "{\"type\":1}");
	ck_assert_str_eq(ct, "application/json");
	buf_reset(&b);
	free(q.body);
	discord_req(&q, DISCORD_OK, NOW, dsk);
	ck_assert_int_eq(run(&r, &q, NOW, &a, why), RCV_ACTION_OK);
	ck_assert_int_eq(a.action, RCV_ACT_RESOLVE);
	ck_assert_int_eq(a.case_id, 1234);
	ck_assert_str_eq(a.user_id, "80351110224678912");
	ck_assert_str_eq(a.user_name, "Nelly");
	ck_assert_str_eq(a.platform, "discord");
	rcv_action_answer(&a, RCV_ACTION_OK, NULL, &b, &ct);
	ck_assert_str_eq(b.data, "{\"type\":6}");
	buf_reset(&b);
	rcv_action_answer(&a, RCV_ACTION_OK, "Case #1234 is already resolved", &b, &ct);
	ck_assert_str_eq(b.data, "{\"type\":4,\"data\":{\"content\":\"Case #1234 is already "
	                         "resolved\",\"flags\":64}}");
	buf_free(&b);
	free(q.body);
	/* in a DM: user, not member.user; username when there is no global_name */
	discord_req(&q,
	            "{\"type\":3,\"data\":{\"custom_id\":\"silence:5\"},\"user\":{\"id\":\"7\","
	            "\"username\":\"ops\",\"global_name\":null}}",
	            NOW, dsk);
	ck_assert_int_eq(run(&r, &q, NOW, &a, why), RCV_ACTION_OK);
	ck_assert_int_eq(a.action, RCV_ACT_SILENCE);
	ck_assert_str_eq(a.user_name, "ops");
	free(q.body);
}
END_TEST

START_TEST(discord_refused)
{
	unsigned char opk[32], osk[64];
	struct receiver r, none = {.name = "d", .type = RCV_DISCORD};
	struct rcv_action a;
	struct req q;
	char why[256];

	crypto_sign_keypair(dpk, dsk);
	crypto_sign_keypair(opk, osk);
	r = discord_rcv();
	/* another key signed it: a PING too (Discord checks that bad ones are refused) */
	discord_req(&q, "{\"type\":1}", NOW, osk);
	ck_assert_int_eq(run(&r, &q, NOW, &a, why), RCV_ACTION_EAUTH);
	ck_assert_str_eq(why, "Discord signature: bad signature");
	free(q.body);
	discord_req(&q, DISCORD_OK, NOW - 400, dsk);
	ck_assert_int_eq(run(&r, &q, NOW, &a, why), RCV_ACTION_EAUTH);
	ck_assert_str_eq(why, "Discord signature: timestamp too old");
	free(q.body);
	discord_req(&q, DISCORD_OK, NOW, dsk);
	q.replay = sign_replay_new(16);
	ck_assert_int_eq(run(&r, &q, NOW, &a, why), RCV_ACTION_OK);
	ck_assert_int_eq(run(&r, &q, NOW, &a, why), RCV_ACTION_EAUTH);
	ck_assert_str_eq(why, "replayed: already seen");
	sign_replay_free(q.replay);
	ck_assert_int_eq(run(&none, &q, NOW, &a, why), RCV_ACTION_ENOTSUP);
	free(q.body);
}
END_TEST

static void
discord_bad(const char *body, const char *want)
{
	struct receiver r = discord_rcv();
	struct rcv_action a;
	struct req q;
	char why[256];

	discord_req(&q, body, NOW, dsk);
	ck_assert_int_eq(run(&r, &q, NOW, &a, why), RCV_ACTION_EBAD);
	ck_assert_msg(strncmp(why, want, strlen(want)) == 0, "%s: %s", body, why);
	free(q.body);
}

START_TEST(discord_malformed)
{
	crypto_sign_keypair(dpk, dsk);
	discord_bad("", "the body is not a JSON object");
	discord_bad("{}", "not a Discord interaction: no type");
	discord_bad("{\"type\":2}", "interaction type 2 is not a button press");
	discord_bad("{\"type\":3,\"data\":{\"custom_id\":\"ack:1\"}}", "the interaction has no "
	                                                               "member.user.id");
	discord_bad("{\"type\":3,\"user\":{\"id\":\"1\"}}",
	            "the interaction has no data.custom_id");
	discord_bad("{\"type\":3,\"user\":{\"id\":\"1\"},\"data\":{\"custom_id\":\"ack:-1\"}}",
	            "bad case id '-1'");
	discord_bad("{\"type\":3,\"user\":{\"id\":\"1\"},\"data\":{\"custom_id\":\"ACK:1\"}}",
	            "unknown action 'ACK'");
}
END_TEST

/* --- Telegram ------------------------------------------------------------- */

static const struct receiver tg = {.name = "t",
                                   .type = RCV_TELEGRAM,
                                   .updates_webhook = 1,
                                   .webhook_secret = "s3cret_token",
                                   .secret = "123:abc",
                                   .url = "http://127.0.0.1:9/"};

#define TG_OK                                                                                      \
	"{\"update_id\":9001,\"callback_query\":{\"id\":\"4382bfdwdsb323b2d9\",\"from\":{\"id\":"  \
	"111,\"is_bot\":false,\"first_name\":\"Rina\",\"username\":\"rina_cs\"},\"data\":"         \
	"\"not_complaint:77\"}}"

static void
tg_req(struct req *q, const char *body, const char *secret)
{
	memset(q, 0, sizeof(*q));
	q->body = strdup(body);
	q->len = strlen(body);
	if (secret)
		hdr(q, "X-Telegram-Bot-Api-Secret-Token", secret);
}

START_TEST(telegram_webhook)
{
	struct receiver poll = tg;
	struct rcv_action a;
	struct req q;
	struct buf b;
	const char *ct;
	char why[256];

	tg_req(&q, TG_OK, "s3cret_token");
	q.replay = sign_replay_new(16);
	ck_assert_int_eq(run(&tg, &q, NOW, &a, why), RCV_ACTION_OK);
	ck_assert_int_eq(a.action, RCV_ACT_NOT_COMPLAINT);
	ck_assert_int_eq(a.case_id, 77);
	ck_assert_str_eq(a.user_id, "111");
	ck_assert_str_eq(a.user_name, "rina_cs");
	ck_assert_str_eq(a.callback_id, "4382bfdwdsb323b2d9");
	ck_assert_int_eq(a.update_id, 9001);
	buf_init(&b);
	rcv_action_answer(&a, RCV_ACTION_OK, "Done", &b, &ct);
	ck_assert_str_eq(b.data, "{\"method\":\"answerCallbackQuery\",\"callback_query_id\":"
	                         "\"4382bfdwdsb323b2d9\",\"text\":\"Done\"}");
	buf_free(&b);
	/* the same update_id again */
	ck_assert_int_eq(run(&tg, &q, NOW, &a, why), RCV_ACTION_EAUTH);
	ck_assert_str_eq(why, "replayed: already seen");
	sign_replay_free(q.replay);
	free(q.body);
	/* wrong or missing secret token */
	tg_req(&q, TG_OK, "s3cret_tokem");
	ck_assert_int_eq(run(&tg, &q, NOW, &a, why), RCV_ACTION_EAUTH);
	ck_assert_str_eq(why, "Telegram secret token: wrong secret token");
	free(q.body);
	tg_req(&q, TG_OK, NULL);
	ck_assert_int_eq(run(&tg, &q, NOW, &a, why), RCV_ACTION_EAUTH);
	free(q.body);
	/* an update that is no button press; a button that is not ours */
	tg_req(&q, "{\"update_id\":5,\"message\":{\"text\":\"hi\"}}", "s3cret_token");
	ck_assert_int_eq(run(&tg, &q, NOW, &a, why), RCV_ACTION_IGNORE);
	ck_assert_int_eq(rcv_action_status(RCV_ACTION_IGNORE), 200);
	free(q.body);
	tg_req(&q,
	       "{\"update_id\":6,\"callback_query\":{\"id\":\"1\",\"from\":{\"id\":1},"
	       "\"data\":\"like:3\"}}",
	       "s3cret_token");
	ck_assert_int_eq(run(&tg, &q, NOW, &a, why), RCV_ACTION_EBAD);
	ck_assert_str_eq(why, "unknown action 'like'");
	free(q.body);
	tg_req(&q, "{\"callback_query\":{}}", "s3cret_token");
	ck_assert_int_eq(run(&tg, &q, NOW, &a, why), RCV_ACTION_EBAD);
	ck_assert_str_eq(why, "not a Telegram update: no integer update_id");
	free(q.body);
	/* a receiver that polls takes nothing here */
	poll.updates_webhook = 0;
	poll.webhook_secret = NULL;
	tg_req(&q, TG_OK, "s3cret_token");
	ck_assert_int_eq(run(&poll, &q, NOW, &a, why), RCV_ACTION_ENOTSUP);
	free(q.body);
}
END_TEST

START_TEST(telegram_poll)
{
	static const char answer[] =
	    "{\"ok\":true,\"result\":[" TG_OK ",{\"update_id\":9003,\"message\":{}},"
	    "{\"update_id\":9002,\"callback_query\":{\"id\":\"q2\",\"from\":{\"id\":2,"
	    "\"first_name\":\"Budi\"},\"data\":\"ack:8\"}},{\"update_id\":9004,\"callback_query\":"
	    "{\"id\":\"q3\",\"from\":{\"id\":3},\"data\":\"ack:zz\"}}]}";
	struct rcv_action acts[4];
	struct rcv_msg m;
	int64_t next = 9001;
	size_t skipped;
	char why[256], *url;
	int n;

	url = rcv_telegram_updates_url(&tg, 9001, 30);
	ck_assert_str_eq(url, "http://127.0.0.1:9/bot123:abc/getUpdates?offset=9001&limit=100&"
	                      "timeout=30&allowed_updates=%5B%22callback_query%22%5D");
	free(url);
	n = rcv_telegram_updates(answer, strlen(answer), acts, 4, &next, &skipped, why,
	                         sizeof(why));
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(skipped, 2);
	ck_assert_int_eq(next, 9005);
	ck_assert_int_eq(acts[0].case_id, 77);
	ck_assert_int_eq(acts[0].webhook, 0);
	ck_assert_int_eq(acts[1].case_id, 8);
	ck_assert_str_eq(acts[1].user_name, "Budi");
	ck_assert_str_eq(acts[1].callback_id, "q2");
	/* room for one: the other is skipped, the offset still passes it */
	next = 0;
	n = rcv_telegram_updates(answer, strlen(answer), acts, 1, &next, &skipped, why,
	                         sizeof(why));
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(skipped, 3);
	ck_assert_int_eq(next, 9005);
	/* nothing new: the offset stays */
	n = rcv_telegram_updates("{\"ok\":true,\"result\":[]}", 23, acts, 4, &next, &skipped, why,
	                         sizeof(why));
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(next, 9005);
	n = rcv_telegram_updates("{\"ok\":false,\"error_code\":409}", 29, acts, 4, &next, &skipped,
	                         why, sizeof(why));
	ck_assert_int_eq(n, -1);
	ck_assert_str_eq(why, "not a getUpdates answer (no \"ok\":true and result)");
	ck_assert_int_eq(rcv_telegram_answer(&tg, &acts[0], "Acknowledged", &m), 0);
	ck_assert_str_eq(m.url, "http://127.0.0.1:9/bot123:abc/answerCallbackQuery");
	ck_assert_str_eq(m.body, "{\"callback_query_id\":\"4382bfdwdsb323b2d9\",\"text\":"
	                         "\"Acknowledged\"}");
	receiver_msg_free(&m);
}
END_TEST

/* --- Mattermost ----------------------------------------------------------- */

static const struct receiver mm = {.name = "m", .type = RCV_MATTERMOST};

static void
mm_req(struct req *q, const char *action, const char *kase, const char *token)
{
	char body[512];

	snprintf(body, sizeof(body),
	         "{\"user_id\":\"rd49ehbqyjytddasoownkuqrxe\",\"user_name\":"
	         "\"rina\",\"channel_id\":\"c1\",\"post_id\":\"p1\",\"context\":{\"action\":\"%s\","
	         "\"case\":%s,\"token\":\"%s\"}}",
	         action, kase, token);
	memset(q, 0, sizeof(*q));
	q->body = strdup(body);
	q->len = strlen(body);
}

START_TEST(mattermost)
{
	char tok[ACTSIG_LINK_TOKEN_MAX], link[ACTSIG_LINK_TOKEN_MAX], why[256];
	struct rcv_action a;
	struct req q;
	struct buf b;
	const char *ct;

	ck_assert_int_eq(
	    rcv_mattermost_token(link_key, 42, RCV_ACT_ACK, NOW + 60, tok, sizeof(tok)), 0);
	mm_req(&q, "ack", "42", tok);
	ck_assert_int_eq(run(&mm, &q, NOW, &a, why), RCV_ACTION_OK);
	ck_assert_int_eq(a.case_id, 42);
	ck_assert_int_eq(a.action, RCV_ACT_ACK);
	ck_assert_str_eq(a.user_id, "rd49ehbqyjytddasoownkuqrxe");
	ck_assert_str_eq(a.user_name, "rina");
	buf_init(&b);
	rcv_action_answer(&a, RCV_ACTION_OK, NULL, &b, &ct);
	ck_assert_str_eq(b.data, "{}");
	buf_reset(&b);
	rcv_action_answer(&a, RCV_ACTION_OK, "Acknowledged", &b, &ct);
	ck_assert_str_eq(b.data, "{\"ephemeral_text\":\"Acknowledged\"}");
	buf_free(&b);
	free(q.body);
	/* the case as a string works too */
	mm_req(&q, "ack", "\"42\"", tok);
	ck_assert_int_eq(run(&mm, &q, NOW, &a, why), RCV_ACTION_OK);
	free(q.body);
	/* expired */
	mm_req(&q, "ack", "42", tok);
	ck_assert_int_eq(run(&mm, &q, NOW + 60, &a, why), RCV_ACTION_EAUTH);
	ck_assert_str_eq(why, "Mattermost token: link expired");
	free(q.body);
	/* the token of case 42 sent for case 43, or for another action */
	mm_req(&q, "ack", "43", tok);
	ck_assert_int_eq(run(&mm, &q, NOW, &a, why), RCV_ACTION_EAUTH);
	ck_assert_str_eq(why, "Mattermost token: made for another case than context.case");
	free(q.body);
	mm_req(&q, "resolve", "42", tok);
	ck_assert_int_eq(run(&mm, &q, NOW, &a, why), RCV_ACTION_EAUTH);
	free(q.body);
	/* tampered */
	tok[10] = tok[10] == 'A' ? 'B' : 'A';
	mm_req(&q, "ack", "42", tok);
	ck_assert_int_eq(run(&mm, &q, NOW, &a, why), RCV_ACTION_EAUTH);
	free(q.body);
	/* a link's token is no Mattermost token */
	ck_assert_int_eq(rcv_link_make(link_key, 42, RCV_ACT_ACK, NOW + 60, link, sizeof(link)), 0);
	mm_req(&q, "ack", "42", link);
	ck_assert_int_eq(run(&mm, &q, NOW, &a, why), RCV_ACTION_EAUTH);
	ck_assert_str_eq(why, "Mattermost token: not a token of a Mattermost button");
	free(q.body);
	/* not Mattermost's shape */
	q.body = strdup("{\"user_id\":\"u\"}");
	q.len = strlen(q.body);
	ck_assert_int_eq(run(&mm, &q, NOW, &a, why), RCV_ACTION_EBAD);
	ck_assert_str_eq(why, "not a Mattermost action: no context");
	free(q.body);
	q.body = strdup("{\"context\":{}}");
	q.len = strlen(q.body);
	ck_assert_int_eq(run(&mm, &q, NOW, &a, why), RCV_ACTION_EBAD);
	ck_assert_str_eq(why, "not a Mattermost action: no user_id");
	free(q.body);
}
END_TEST

/* --- links ---------------------------------------------------------------- */

START_TEST(links)
{
	char tok[ACTSIG_LINK_TOKEN_MAX], why[256];
	struct rcv_action a;
	struct buf page;

	ck_assert_int_eq(rcv_link_make(link_key, 42, RCV_ACT_ACK, NOW + 60, tok, sizeof(tok)), 0);
	ck_assert_int_eq(rcv_link_check(link_key, tok, NOW, &a, why, sizeof(why)), RCV_ACTION_OK);
	ck_assert_int_eq(a.case_id, 42);
	ck_assert_int_eq(a.action, RCV_ACT_ACK);
	ck_assert_str_eq(a.platform, "link");
	/* the GET page asks, and only POSTs back */
	buf_init(&page);
	rcv_link_page(&page, RCV_ACTION_OK, &a, why);
	ck_assert_ptr_nonnull(strstr(page.data, "<h1>Acknowledge case #42?</h1>"));
	ck_assert_ptr_nonnull(strstr(page.data, "<form method=\"post\">"));
	ck_assert_ptr_nonnull(strstr(page.data, "<button type=\"submit\">Acknowledge case #42"));
	ck_assert_ptr_null(strstr(page.data, "<script"));
	ck_assert_ptr_null(strstr(page.data, "method=\"get\""));
	/* its headers allow no script nor style at all, and the form back to keluhd only */
	ck_assert_ptr_null(strstr(page.data, "style"));
	ck_assert_ptr_nonnull(strstr(rcv_link_page_headers[1], "default-src 'none'"));
	ck_assert_ptr_nonnull(strstr(rcv_link_page_headers[1], "form-action 'self'"));
	ck_assert_str_eq(rcv_link_page_headers[3], "Cache-Control: no-store");
	ck_assert_ptr_null(rcv_link_page_headers[4]);
	buf_reset(&page);
	/* the POST: who acted is the name given in the form */
	ck_assert_int_eq(
	    rcv_link_post(link_key, tok, "by=Rina+S%C3%A9tiawan", 21, NOW, &a, why, sizeof(why)),
	    RCV_ACTION_OK);
	ck_assert_str_eq(a.user_name, "Rina S\xc3\xa9tiawan");
	ck_assert_str_eq(a.user_id, "");
	rcv_link_result_page(&page, &a, 0, "<b>case is resolved</b>");
	ck_assert_ptr_nonnull(strstr(page.data, "Not done: Acknowledge case #42"));
	ck_assert_ptr_nonnull(strstr(page.data, "&lt;b&gt;case is resolved&lt;/b&gt;"));
	buf_reset(&page);
	/* expired: refused, but the page still says what it was for */
	ck_assert_int_eq(rcv_link_check(link_key, tok, NOW + 60, &a, why, sizeof(why)),
	                 RCV_ACTION_EAUTH);
	ck_assert_str_eq(why, "link: link expired");
	ck_assert_int_eq(rcv_link_post(link_key, tok, "", 0, NOW + 60, &a, why, sizeof(why)),
	                 RCV_ACTION_EAUTH);
	rcv_link_page(&page, RCV_ACTION_EAUTH, &a, why);
	ck_assert_ptr_nonnull(strstr(page.data, "It was for: Acknowledge case #42"));
	ck_assert_ptr_nonnull(strstr(page.data, "keluhctl ack 42"));
	ck_assert_ptr_null(strstr(page.data, "<form"));
	buf_reset(&page);
	/* tampered (in the signature): refused, and says nothing of a case */
	tok[strlen(tok) - 6] = tok[strlen(tok) - 6] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(rcv_link_post(link_key, tok, "", 0, NOW, &a, why, sizeof(why)),
	                 RCV_ACTION_EAUTH);
	ck_assert_str_eq(why, "link: bad signature");
	rcv_link_page(&page, RCV_ACTION_EAUTH, &a, why);
	ck_assert_ptr_null(strstr(page.data, "case #"));
	ck_assert_ptr_null(strstr(page.data, "<form"));
	buf_free(&page);
	/* a Mattermost token is no link */
	ck_assert_int_eq(
	    rcv_mattermost_token(link_key, 42, RCV_ACT_ACK, NOW + 60, tok, sizeof(tok)), 0);
	ck_assert_int_eq(rcv_link_check(link_key, tok, NOW, &a, why, sizeof(why)), RCV_ACTION_EBAD);
	ck_assert_int_eq(rcv_link_check(NULL, tok, NOW, &a, why, sizeof(why)), RCV_ACTION_ENOTSUP);
	ck_assert_int_eq(rcv_link_make(link_key, 0, RCV_ACT_ACK, NOW, tok, sizeof(tok)), -1);
}
END_TEST

START_TEST(link_actions)
{
	json_t *arr = rcv_link_actions("https://keluh.example.com", link_key, 42, "open", NOW + 60);
	const char *url;
	struct rcv_action a;
	char why[256];

	ck_assert_uint_eq(json_array_size(arr), 6);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 0), "action")),
	                 "ack");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 0), "label")),
	                 "Acknowledge");
	url = json_string_value(json_object_get(json_array_get(arr, 2), "url"));
	ck_assert_int_eq(strncmp(url, "https://keluh.example.com/v1/actions/link/", 42), 0);
	ck_assert_int_eq(rcv_link_check(link_key, url + 42, NOW, &a, why, sizeof(why)),
	                 RCV_ACTION_OK);
	ck_assert_int_eq(a.action, RCV_ACT_RESOLVE);
	ck_assert_int_eq(a.case_id, 42);
	json_decref(arr);
	arr = rcv_link_actions(NULL, NULL, 42, "resolved", NOW + 60);
	ck_assert_uint_eq(json_array_size(arr), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 0), "action")),
	                 "reopen");
	ck_assert_ptr_null(json_object_get(json_array_get(arr, 0), "url"));
	json_decref(arr);
	ck_assert_ptr_null(rcv_link_actions(NULL, NULL, 42, "closed", NOW));
}
END_TEST

START_TEST(names)
{
	enum rcv_act a;

	for (int i = 0; i < RCV_ACT__N; i++) {
		const char *n = rcv_act_name((enum rcv_act)i);

		ck_assert_int_eq(rcv_act_parse(n, strlen(n), &a), 0);
		ck_assert_int_eq(a, i);
	}
	ck_assert_int_eq(rcv_act_parse("ack", 2, &a), -1);
	ck_assert_str_eq(rcv_act_name(RCV_ACT__N), "unknown");
	ck_assert_int_eq(
	    receiver_action_parse(&(struct receiver){.name = "e", .type = RCV_EMAIL},
	                          &(struct rcv_action_req){"", 0, NULL, NULL, NOW, NULL, NULL},
	                          &(struct rcv_action){0}, NULL, 0),
	    RCV_ACTION_ENOTSUP);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("action");
	TCase *tc = tcase_create("platforms");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, slack_good);
	tcase_add_test(tc, slack_refused);
	tcase_add_test(tc, slack_malformed);
	tcase_add_test(tc, discord_good);
	tcase_add_test(tc, discord_refused);
	tcase_add_test(tc, discord_malformed);
	tcase_add_test(tc, telegram_webhook);
	tcase_add_test(tc, telegram_poll);
	tcase_add_test(tc, mattermost);
	tcase_add_test(tc, links);
	tcase_add_test(tc, link_actions);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
