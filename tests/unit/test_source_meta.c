/*
 * The meta source kind through its hook, with hook ops of our own: the
 * subscription handshake, X-Hub-Signature-256 (valid, missing, wrong,
 * malformed, over an altered body), each product's payload (in the shapes
 * of Meta's documentation) as mentions with their fields, what is skipped
 * and counted, and bodies refused with their status and nothing taken.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "lib/diag.h"
#include "lib/metrics.h"
#include "sources/meta_parse.h"
#include "sources/source.h"
#include "unit.h"

#define SECRET "app-secret-\xc3\xa9-42"
#define VERIFY "verify me please"

static char dir[256];
static struct conf *conf;
static struct event_base *base;

/* What the source emitted and how it answered. */
static struct {
	struct mention m[16];
	size_t n;
	char *reply_to[16], *reply_id[16];
	size_t nreplies;
	int refuse; /* emit answers -1 */
	int answered, status;
	char body[1024], ctype[64], headers[256];
} got;

static int
emit(void *arg, const struct source_record *r)
{
	(void)arg;
	if (got.refuse)
		return -1;
	if (r->kind == SOURCE_RECORD_REPLY) {
		got.reply_to[got.nreplies] = strdup(r->reply->mention_id);
		got.reply_id[got.nreplies++] = strdup(r->reply->reply_id);
		return 0;
	}
	ck_assert_uint_lt(got.n, 16);
	{
		struct mention *m = &got.m[got.n++];
		const struct mention *s = r->mention;

		memset(m, 0, sizeof(*m));
		m->id = strdup(s->id);
		m->text = strdup(s->text);
		m->url = s->url ? strdup(s->url) : NULL;
		m->author_handle = s->author_handle ? strdup(s->author_handle) : NULL;
		m->author_name = s->author_name ? strdup(s->author_name) : NULL;
		m->reply_to = s->reply_to ? strdup(s->reply_to) : NULL;
		m->account = s->account ? strdup(s->account) : NULL;
		m->created_at = s->created_at ? strdup(s->created_at) : NULL;
	}
	return 0;
}

static void
op_taken(struct source_hook *h, const char *body)
{
	(void)h;
	got.answered++;
	got.status = 200;
	snprintf(got.body, sizeof(got.body), "%s", body ? body : "{}");
}

static void
op_reply(struct source_hook *h, int status, const char *ctype, const char *headers,
         const char *body, size_t len)
{
	(void)h;
	got.answered++;
	got.status = status;
	snprintf(got.ctype, sizeof(got.ctype), "%s", ctype ? ctype : "");
	snprintf(got.headers, sizeof(got.headers), "%s", headers ? headers : "");
	snprintf(got.body, sizeof(got.body), "%.*s", (int)len, body);
}

static const struct source_hook_ops ops = {op_taken, op_reply};

static void
got_reset(void)
{
	for (size_t i = 0; i < got.n; i++) {
		free(got.m[i].id);
		free(got.m[i].text);
		free(got.m[i].url);
		free(got.m[i].author_handle);
		free(got.m[i].author_name);
		free(got.m[i].reply_to);
		free(got.m[i].account);
		free(got.m[i].created_at);
	}
	for (size_t i = 0; i < got.nreplies; i++) {
		free(got.reply_to[i]);
		free(got.reply_id[i]);
	}
	memset(&got, 0, sizeof(got));
}

/* A request's headers: only the signature. */
static const char *sig_value;

static const char *
req_header(const struct source_hook_req *r, const char *name)
{
	(void)r;
	return strcasecmp(name, "X-Hub-Signature-256") == 0 ? sig_value : NULL;
}

static void
write_file(const char *name, const char *text)
{
	char p[512];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fp = fopen(p, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
}

static struct source *
start(const char *extra)
{
	char p[512], text[1024], err[256];
	struct source_env env = {0};
	struct diag d;
	struct source *s;

	snprintf(text, sizeof(text),
	         "rules: {packs: [], dir: .}\nsources:\n  - {name: fb, type: "
	         "meta, verify_token_file: verify, app_secret_file: secret%s}\n",
	         extra);
	write_file("keluhd.yaml", text);
	snprintf(p, sizeof(p), "%s/keluhd.yaml", dir);
	diag_init(&d);
	conf = conf_load_flags(p, &d, 0);
	ck_assert_msg(conf != NULL, "%s", d.n ? d.items[0].msg : "?");
	diag_free(&d);
	env.base = base;
	s = source_start(&env, &conf->sources[0], emit, NULL, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

static void
stop(struct source *s)
{
	source_stop(s);
	conf_free(conf);
	conf = NULL;
}

static void
sign(const char *body, char out[80])
{
	unsigned char mac[32];
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)SECRET, strlen(SECRET));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(out, "sha256=", 7);
	sodium_bin2hex(out + 7, 80 - 7, mac, sizeof(mac));
}

/* Sends one request to s's hook; sig: the header, or NULL (signed right when "good"). */
static void
hook(struct source *s, const char *method, const char *query, const char *body, const char *sig)
{
	struct source_hook h = {&ops, NULL};
	struct source_hook_req r = {method,           query ? query : "",
	                            body ? body : "", body ? strlen(body) : 0,
	                            req_header,       NULL};
	char good[80];
	int before = got.answered;

	if (sig && strcmp(sig, "good") == 0) {
		sign(body, good);
		sig = good;
	}
	sig_value = sig;
	source_kind_of(&conf->sources[0])->hook(s, &r, &h);
	ck_assert_int_eq(got.answered, before + 1);
}

static double
skipped(const char *kind)
{
	char l[128];

	snprintf(l, sizeof(l), "source=\"fb\",kind=\"%s\"", kind);
	return metrics_get("keluh_source_skipped_total", l);
}

static double
refused(const char *reason)
{
	char l[128];

	snprintf(l, sizeof(l), "source=\"fb\",reason=\"%s\"", reason);
	return metrics_get("keluh_hook_refused_total", l);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "%s/keluh-test-meta.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file("verify", VERIFY "\n");
	write_file("secret", SECRET "\n");
	base = event_base_new();
	got_reset();
}

static void
teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[600];

	got_reset();
	event_base_free(base);
	while (d && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* ---- payloads in the shapes of Meta's documentation ----------------------------- */

static const char ig_comment[] =
    "{\"object\":\"instagram\",\"entry\":[{\"id\":\"17841405822304914\",\"time\":1700000000,"
    "\"changes\":[{\"field\":\"comments\",\"value\":{\"from\":{\"id\":\"232323232\","
    "\"username\":\"budi.s\"},\"media\":{\"id\":\"123123123\",\"media_product_type\":\"FEED\"},"
    "\"id\":\"17865799348089039\",\"parent_id\":\"17865799348089000\","
    "\"text\":\"Paket saya belum sampai, tolong dicek\"}}]}]}";

static const char fb_comment[] =
    "{\"object\":\"page\",\"entry\":[{\"id\":\"104512345678901\",\"time\":1700000100,"
    "\"changes\":[{\"field\":\"feed\",\"value\":{\"from\":{\"id\":\"5550001\",\"name\":\"Siti "
    "Rahma\"},\"post\":{\"status_type\":\"added_photos\",\"is_published\":true,"
    "\"permalink_url\":\"https://www.facebook.com/acme/posts/pfbid0x\",\"id\":"
    "\"104512345678901_778899\"},\"message\":\"Refund saya kapan diproses?\",\"post_id\":"
    "\"104512345678901_778899\",\"comment_id\":\"778899_445566\",\"created_time\":1700000099,"
    "\"item\":\"comment\",\"parent_id\":\"104512345678901_778899\",\"verb\":\"add\"}}]}]}";

static const char wa_text[] =
    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"102290129340398\","
    "\"changes\":[{\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":"
    "{\"display_phone_number\":\"15550783881\",\"phone_number_id\":\"106540352242922\"},"
    "\"contacts\":[{\"profile\":{\"name\":\"Sheena Nelson\"},\"wa_id\":\"16505551234\"}],"
    "\"messages\":[{\"from\":\"16505551234\",\"id\":\"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0\","
    "\"timestamp\":\"1749416383\",\"type\":\"text\",\"context\":{\"from\":\"15550783881\",\"id\":"
    "\"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA\"},\"text\":{\"body\":"
    "\"Aplikasi error terus waktu bayar\"}}]},\"field\":\"messages\"}]}]}";

START_TEST(handshake)
{
	struct source *s = start("");

	hook(s, "GET",
	     "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify+me%20"
	     "please",
	     NULL, NULL);
	ck_assert_int_eq(got.status, 200);
	ck_assert_str_eq(got.ctype, "text/plain");
	ck_assert_str_eq(got.body, "1158201444");
	hook(s, "GET", "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify+me",
	     NULL, NULL);
	ck_assert_int_eq(got.status, 403);
	ck_assert(strstr(got.body, "1158201444") == NULL);
	ck_assert_double_eq(refused("verify_token"), 1);
	hook(s, "GET", "hub.challenge=1&hub.verify_token=verify+me+please", NULL, NULL);
	ck_assert_int_eq(got.status, 400);
	hook(s, "GET",
	     "hub.mode=subscribe&hub.challenge=%3Cscript%3E&hub.verify_token=verify+me+"
	     "please",
	     NULL, NULL);
	ck_assert_int_eq(got.status, 400);
	hook(s, "PUT", "", "{}", NULL);
	ck_assert_int_eq(got.status, 405);
	ck_assert_uint_eq(got.n, 0);
	stop(s);
}
END_TEST

START_TEST(signature)
{
	struct source *s = start("");
	char sig[80], *altered = strdup(wa_text);

	hook(s, "POST", "", wa_text, NULL);
	ck_assert_int_eq(got.status, 401);
	ck_assert(strstr(got.body, "no X-Hub-Signature-256") != NULL);
	hook(s, "POST", "", wa_text, "sha1=abcdef");
	ck_assert_int_eq(got.status, 401);
	hook(s, "POST", "", wa_text,
	     "sha256=0000000000000000000000000000000000000000000000000000000000000000");
	ck_assert_int_eq(got.status, 401);
	/* signed, then one byte changed */
	sign(wa_text, sig);
	*strstr(altered, "error") = 'E';
	hook(s, "POST", "", altered, sig);
	ck_assert_int_eq(got.status, 401);
	ck_assert_double_eq(refused("signature"), 4);
	ck_assert_uint_eq(got.n, 0);
	/* upper-case hex is the same signature */
	for (char *p = sig + 7; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p -= 32;
	hook(s, "POST", "", wa_text, sig);
	ck_assert_int_eq(got.status, 200);
	ck_assert_uint_eq(got.n, 1);
	free(altered);
	stop(s);
}
END_TEST

START_TEST(products)
{
	struct source *s = start("");

	hook(s, "POST", "", ig_comment, "good");
	ck_assert_int_eq(got.status, 200);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_str_eq(got.m[0].id, "instagram:17865799348089039");
	ck_assert_str_eq(got.m[0].text, "Paket saya belum sampai, tolong dicek");
	ck_assert_str_eq(got.m[0].author_handle, "budi.s");
	ck_assert_str_eq(got.m[0].reply_to, "instagram:17865799348089000");
	ck_assert_str_eq(got.m[0].account, "instagram:17841405822304914");
	ck_assert_str_eq(got.m[0].created_at, "2023-11-14T22:13:20Z");

	hook(s, "POST", "", fb_comment, "good");
	ck_assert_uint_eq(got.n, 2);
	ck_assert_str_eq(got.m[1].id, "facebook:778899_445566");
	ck_assert_str_eq(got.m[1].author_name, "Siti Rahma");
	ck_assert_str_eq(got.m[1].author_handle, "5550001");
	ck_assert_str_eq(got.m[1].reply_to, "facebook:104512345678901_778899");
	ck_assert_str_eq(got.m[1].account, "facebook:104512345678901");
	ck_assert_str_eq(got.m[1].url,
	                 "https://www.facebook.com/104512345678901_778899?comment_id=445566");

	hook(s, "POST", "", wa_text, "good");
	ck_assert_uint_eq(got.n, 3);
	ck_assert_str_eq(got.m[2].id, "whatsapp:wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0");
	ck_assert_str_eq(got.m[2].text, "Aplikasi error terus waktu bayar");
	ck_assert_str_eq(got.m[2].author_handle, "16505551234");
	ck_assert_str_eq(got.m[2].author_name, "Sheena Nelson");
	ck_assert_str_eq(got.m[2].account, "whatsapp:106540352242922");
	ck_assert_str_eq(got.m[2].reply_to,
	                 "whatsapp:wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA");
	stop(s);
}
END_TEST

START_TEST(visitor_post_and_page_reply)
{
	struct source *s = start("");
	static const char post[] =
	    "{\"object\":\"page\",\"entry\":[{\"id\":\"104512345678901\",\"time\":1700000100,"
	    "\"changes\":[{\"field\":\"feed\",\"value\":{\"from\":{\"id\":\"5550002\",\"name\":"
	    "\"Andi\"},\"message\":\"Sudah 3 hari tidak bisa login\",\"post_id\":"
	    "\"104512345678901_990011\",\"created_time\":1700000050,\"item\":\"status\","
	    "\"published\":1,\"verb\":\"add\"}},{\"field\":\"feed\",\"value\":{\"from\":{\"id\":"
	    "\"104512345678901\",\"name\":\"Acme\"},\"message\":\"Mohon maaf, kami cek ya\","
	    "\"post_id\":\"104512345678901_990011\",\"comment_id\":\"990011_1\",\"created_time\":"
	    "1700000060,\"item\":\"comment\",\"parent_id\":\"104512345678901_990011\",\"verb\":"
	    "\"add\"}}]}]}";

	hook(s, "POST", "", post, "good");
	ck_assert_int_eq(got.status, 200);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_str_eq(got.m[0].id, "facebook:104512345678901_990011");
	ck_assert_str_eq(got.m[0].url, "https://www.facebook.com/104512345678901_990011");
	ck_assert_ptr_null(got.m[0].reply_to);
	/* the Page's own comment answers the visitor's post */
	ck_assert_uint_eq(got.nreplies, 1);
	ck_assert_str_eq(got.reply_to[0], "facebook:104512345678901_990011");
	ck_assert_str_eq(got.reply_id[0], "facebook:990011_1");
	stop(s);
}
END_TEST

START_TEST(skipped_kinds)
{
	struct source *s = start("");
	static const char wa_media[] =
	    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{"
	    "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"phone_number_id\":\"9\"}"
	    ","
	    "\"messages\":[{\"from\":\"1\",\"id\":\"wamid.A\",\"timestamp\":\"1\",\"type\":"
	    "\"image\","
	    "\"image\":{\"mime_type\":\"image/"
	    "jpeg\",\"sha256\":\"x\",\"id\":\"2\"}},{\"from\":\"1\","
	    "\"id\":\"wamid.B\",\"timestamp\":\"1\",\"type\":\"sticker\",\"sticker\":{\"id\":\"3\"}"
	    "},"
	    "{\"from\":\"1\",\"id\":\"wamid.C\",\"timestamp\":\"1\",\"type\":\"image\",\"image\":{"
	    "\"caption\":\"struk saya tidak sesuai\",\"id\":\"4\"}}],\"statuses\":[{\"id\":"
	    "\"wamid.D\",\"status\":\"delivered\",\"timestamp\":\"1\",\"recipient_id\":\"1\"}]},"
	    "\"field\":\"messages\"}]}]}";
	static const char fb_removed[] =
	    "{\"object\":\"page\",\"entry\":[{\"id\":\"7\",\"time\":1,\"changes\":[{\"field\":"
	    "\"feed\",\"value\":{\"item\":\"comment\",\"verb\":\"remove\",\"post_id\":\"7_1\","
	    "\"comment_id\":\"1_2\",\"from\":{\"id\":\"5\"}}},{\"field\":\"feed\",\"value\":{"
	    "\"item\":"
	    "\"comment\",\"verb\":\"edited\",\"post_id\":\"7_1\",\"comment_id\":\"1_3\","
	    "\"message\":"
	    "\"x\",\"from\":{\"id\":\"5\"}}},{\"field\":\"feed\",\"value\":{\"item\":\"reaction\","
	    "\"verb\":\"add\",\"post_id\":\"7_1\",\"reaction_type\":\"like\"}}]}]}";
	static const char ig_no_token[] =
	    "{\"object\":\"instagram\",\"entry\":[{\"id\":\"178\",\"time\":1,\"changes\":[{"
	    "\"field\":"
	    "\"mentions\",\"value\":{\"media_id\":\"179\",\"comment_id\":\"180\"}}]}]}";

	hook(s, "POST", "", wa_media, "good");
	ck_assert_int_eq(got.status, 200);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_str_eq(got.m[0].text, "struk saya tidak sesuai");
	ck_assert_double_eq(skipped("media_only"), 2);
	ck_assert_double_eq(skipped("status"), 1);
	hook(s, "POST", "", fb_removed, "good");
	ck_assert_uint_eq(got.n, 1);
	ck_assert_double_eq(skipped("delete"), 1);
	ck_assert_double_eq(skipped("edit"), 1);
	ck_assert_double_eq(skipped("reaction"), 1);
	/* an @mention needs the Graph API: without a page token it is counted */
	hook(s, "POST", "", ig_no_token, "good");
	ck_assert_int_eq(got.status, 200);
	ck_assert_double_eq(skipped("no_page_token"), 1);
	stop(s);
}
END_TEST

START_TEST(bad_bodies)
{
	struct source *s = start(", max_body: 2KiB");
	char deep[200], big[3000];

	hook(s, "POST", "", "{\"object\": \"page\", \"entry\": [", "good");
	ck_assert_int_eq(got.status, 400);
	ck_assert(strstr(got.body, "not JSON") != NULL);
	memset(deep, '[', 100);
	memset(deep + 100, ']', 99);
	deep[199] = '\0';
	hook(s, "POST", "", deep, "good");
	ck_assert_int_eq(got.status, 400);
	ck_assert(strstr(got.body, "deeper") != NULL);
	ck_assert_double_eq(refused("too_deep"), 1);
	hook(s, "POST", "", "{\"object\": \"page\"}", "good");
	ck_assert_int_eq(got.status, 422);
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	hook(s, "POST", "", big, "good");
	ck_assert_int_eq(got.status, 413);
	/* a body whose second entry is bad: nothing of the first is taken */
	hook(s, "POST", "",
	     "{\"object\":\"page\",\"entry\":[{\"id\":\"7\",\"changes\":[{\"field\":"
	     "\"feed\",\"value\":{\"item\":\"status\",\"verb\":\"add\",\"post_id\":\"7_9\","
	     "\"message\":"
	     "\"hilang\"}}]}, 5]}",
	     "good");
	ck_assert_int_eq(got.status, 422);
	ck_assert_uint_eq(got.n, 0);
	/* the daemon cannot take it now: 503 and a Retry-After */
	got.refuse = 1;
	hook(s, "POST", "", wa_text, "good");
	ck_assert_int_eq(got.status, 503);
	ck_assert(strstr(got.headers, "Retry-After: ") != NULL);
	stop(s);
}
END_TEST

/* The parser's answers to the Graph API: usage headers, debug_token, a look-up. */
START_TEST(graph_answers)
{
	int64_t regain, exp;
	int valid;
	struct meta_batch b;
	const char *reason;
	char err[200];
	static const char mention[] =
	    "{\"object\":\"instagram\",\"entry\":[{\"id\":\"178\","
	    "\"time\":1,\"changes\":[{\"field\":\"mentions\",\"value\":{\"media_id\":\"179\","
	    "\"comment_id\":\"180\"}}]}]}";
	static const char answer[] =
	    "{\"mentioned_comment\":{\"text\":\"@acme kok lemot\","
	    "\"timestamp\":\"2024-05-18T23:19:36+0000\",\"id\":\"180\",\"media\":{\"id\":\"179\","
	    "\"permalink\":\"https://www.instagram.com/p/Cabc/\"}},\"id\":\"178\"}";
	static const char token[] = "{\"data\":{\"is_valid\":true,\"expires_at\":0,"
	                            "\"data_access_expires_at\":1800000000}}";
	char *path;

	ck_assert_double_eq(
	    meta_usage("{\"call_count\":28,\"total_time\":25,\"total_cputime\":91}", &regain), 91);
	ck_assert_int_eq(regain, 0);
	ck_assert_double_eq(
	    meta_usage(
	        "{\"1043\":[{\"type\":\"pages\",\"call_count\":95,"
	        "\"total_cputime\":20,\"total_time\":30,\"estimated_time_to_regain_access\":7}]}",
	        &regain),
	    95);
	ck_assert_int_eq(regain, 7);
	ck_assert(meta_usage("nonsense", &regain) < 0);
	ck_assert_int_eq(meta_debug_token(token, strlen(token), &valid, &exp), 0);
	ck_assert_int_eq(valid, 1);
	ck_assert_int_eq(exp, 1800000000);
	ck_assert_int_eq(meta_debug_token("{\"error\":{}}", 12, &valid, &exp), -1);

	ck_assert_int_eq(meta_parse(&b, mention, strlen(mention), &reason, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_int_eq(b.items[0].kind, META_LOOKUP);
	path = meta_lookup_path(&b.items[0]);
	ck_assert_str_eq(path, "/178?fields=mentioned_comment.comment_id(180)%7Bid,text,timestamp,"
	                       "media%7Bid,permalink%7D%7D");
	free(path);
	ck_assert_int_eq(meta_lookup_done(&b.items[0], answer, strlen(answer), err, sizeof(err)),
	                 0);
	ck_assert_int_eq(b.items[0].kind, META_MENTION);
	ck_assert_str_eq(b.items[0].m.id, "instagram:180");
	ck_assert_str_eq(b.items[0].m.text, "@acme kok lemot");
	ck_assert_str_eq(b.items[0].m.url, "https://www.instagram.com/p/Cabc/");
	ck_assert_str_eq(b.items[0].m.account, "instagram:178");
	ck_assert_str_eq(b.items[0].m.created_at, "2024-05-18T23:19:36Z");
	meta_batch_free(&b);
}
END_TEST

static int
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* The WhatsApp bodies the direct walk reads give what the tree gives. */
START_TEST(whatsapp_walk_agrees)
{
	static const char *const entries[] = {
	    /* value before field, as Meta sends it; two contacts, a reply, escapes */
	    "[{\"id\":\"1\",\"changes\":[{\"value\":{\"messaging_product\":\"whatsapp\","
	    "\"metadata\":{\"display_phone_number\":\"1555\",\"phone_number_id\":\"106\"},"
	    "\"contacts\":[{\"profile\":{\"name\":\"Budi\"},\"wa_id\":\"62811\"},"
	    "{\"wa_id\":\"62822\",\"profile\":{\"name\":\"Sari \\u00e9\"}}],"
	    "\"statuses\":[{\"id\":\"s1\"},{\"id\":\"s2\"}],"
	    "\"messages\":[{\"from\":\"62822\",\"id\":\"wamid.A\",\"timestamp\":\"1700000000\","
	    "\"type\":\"text\",\"text\":{\"body\":\"sinyal \\\"hilang\\\"\\nlagi\"},"
	    "\"context\":{\"from\":\"1555\",\"id\":\"wamid.Z\"}},"
	    "{\"text\":{\"body\":\"tagihan\"},\"type\":\"text\",\"id\":\"wamid.B\","
	    "\"timestamp\":1700000001234,\"from\":\"62899\"},"
	    "{\"id\":\"wamid.C\",\"type\":\"text\",\"text\":{\"body\":\"\"}},"
	    "{\"id\":\"wamid.D\",\"type\":\"text\",\"text\":{\"body\":\"x\"},\"timestamp\":\"12a\"}"
	    "]},\"field\":\"messages\"}]}]",
	    /* field first; one contact whatever its wa_id; a change of another field */
	    "[{\"changes\":[{\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":"
	    "\"7\"},\"contacts\":[{\"wa_id\":\"1\",\"profile\":{\"name\":\"N\"}}],\"messages\":["
	    "{\"id\":\"m1\",\"from\":\"2\",\"type\":\"text\",\"text\":{\"body\":\"ok\"}}]}},"
	    "{\"value\":{\"metadata\":{\"phone_number_id\":\"7\"},\"messages\":[{\"id\":\"m2\","
	    "\"type\":\"text\",\"text\":{\"body\":\"not this\"}}]},\"field\":\"account_update\"},"
	    "{\"field\":\"account_update\",\"value\":{\"x\":1}},{\"field\":3,\"value\":{}}]},"
	    "{\"id\":\"2\"},{\"changes\":[]}]",
	    /* shapes the walk leaves to the tree */
	    "[{\"changes\":[{\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":"
	    "\"7\"},\"messages\":[{\"id\":\"m1\",\"type\":\"text\",\"text\":{\"body\":\"a\"}}],"
	    "\"statuses\":[{}]}}]}]",
	    "[{\"changes\":[{\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":"
	    "\"7\"},\"messages\":[{\"id\":\"m1\",\"id\":\"m2\",\"type\":\"text\","
	    "\"text\":{\"body\":\"a\"}},{\"id\":\"m3\",\"type\":\"image\",\"image\":{\"caption\":"
	    "\"b\"}},{\"id\":\"m4\",\"type\":\"reaction\"}]}}]}]",
	    "[{\"changes\":[{\"field\":\"messages\",\"value\":{\"messages\":[{\"id\":\"m1\","
	    "\"type\":\"text\",\"text\":{\"body\":\"a\"}}]}}]}]",
	    "[]",
	};
	char body[2][4096], err[2][200];
	const char *reason[2];
	struct meta_batch b[2];
	int rc[2];

	for (size_t e = 0; e < sizeof(entries) / sizeof(entries[0]); e++) {
		/* the entries before the object: the tree reads it */
		snprintf(body[0], sizeof(body[0]),
		         "{\"object\":\"whatsapp_business_account\",\"entry\":%s}", entries[e]);
		snprintf(body[1], sizeof(body[1]),
		         "{\"entry\":%s,\"object\":\"whatsapp_business_account\"}", entries[e]);
		for (int k = 0; k < 2; k++)
			rc[k] = meta_parse(&b[k], body[k], strlen(body[k]), &reason[k], err[k],
			                   sizeof(err[k]));
		ck_assert_int_eq(rc[0], 0);
		ck_assert_int_eq(rc[1], 0);
		ck_assert_uint_eq(b[0].n, b[1].n);
		for (size_t i = 0; i < b[0].n; i++) {
			struct meta_item *x = &b[0].items[i], *y = &b[1].items[i];

			ck_assert_int_eq(x->kind, y->kind);
			ck_assert(same_str(x->skip, y->skip));
			ck_assert(same_str(x->id, y->id));
			ck_assert(same_str(x->m.id, y->m.id));
			ck_assert(same_str(x->m.text, y->m.text));
			ck_assert_uint_eq(x->m.text_len, y->m.text_len);
			ck_assert(same_str(x->m.account, y->m.account));
			ck_assert(same_str(x->m.created_at, y->m.created_at));
			ck_assert(same_str(x->m.author_handle, y->m.author_handle));
			ck_assert(same_str(x->m.author_name, y->m.author_name));
			ck_assert(same_str(x->m.reply_to, y->m.reply_to));
			ck_assert(same_str(x->m.url, y->m.url));
			ck_assert_int_eq(x->m.reply, y->m.reply);
			ck_assert_int_eq(x->m.followers, y->m.followers);
		}
		if (e == 0) {
			ck_assert_uint_eq(b[0].n, 6);
			ck_assert_str_eq(b[0].items[2].m.author_name, "Sari \xc3\xa9");
			ck_assert_str_eq(b[0].items[2].m.text, "sinyal \"hilang\"\nlagi");
			ck_assert_str_eq(b[0].items[2].m.reply_to, "whatsapp:wamid.Z");
			ck_assert_str_eq(b[0].items[3].m.created_at, "2023-11-14T22:13:21Z");
		}
		meta_batch_free(&b[0]);
		meta_batch_free(&b[1]);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("source_meta");
	TCase *tc = tcase_create("source_meta");

	if (sodium_init() < 0)
		return EXIT_FAILURE;
	metrics_init();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, handshake);
	tcase_add_test(tc, signature);
	tcase_add_test(tc, products);
	tcase_add_test(tc, visitor_post_and_page_reply);
	tcase_add_test(tc, skipped_kinds);
	tcase_add_test(tc, bad_bodies);
	tcase_add_test(tc, graph_answers);
	tcase_add_test(tc, whatsapp_walk_agrees);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
