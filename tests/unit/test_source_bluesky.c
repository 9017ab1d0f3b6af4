#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "net/ws.h"
#include "sources/source_bluesky.h"
#include "unit.h"

/*
 * Jetstream events as its README shows them (a commit create of a post,
 * identity, account) and the app.bsky.feed.post lexicon's fields.
 */
#define DID  "did:plc:eygmaihciaxprqvxpfvl6flk"
#define HEAD "{\"did\":\"" DID "\",\"time_us\":1725911162329308,\"kind\":\"commit\","
#define COMMIT(op, coll, rest)                                                                     \
	HEAD "\"commit\":{\"rev\":\"3l3qo2vutsw2b\",\"operation\":\"" op                           \
	     "\",\"collection\":\"" coll "\",\"rkey\":\"3l3qo2vuowo2b\"" rest "}}"
#define POST(record)                                                                               \
	COMMIT("create", "app.bsky.feed.post", ",\"record\":" record ",\"cid\":\"bafy\"")

static const char *
handles(void *arg, const char *did)
{
	(void)arg;
	return strcmp(did, DID) == 0 ? "budi.bsky.social" : NULL;
}

static struct bluesky_event
parse_ok(const char *s, bluesky_handle_fn h)
{
	struct bluesky_event ev;
	char why[300] = "";

	ck_assert_msg(bluesky_event_parse(s, strlen(s), h, NULL, &ev, why, sizeof(why)) == 0, "%s",
	              why);
	return ev;
}

static const char *
field(const struct bluesky_event *ev, const char *k)
{
	return json_string_value(json_object_get(ev->mention, k));
}

START_TEST(post_fields)
{
	struct bluesky_event ev = parse_ok(
	    POST("{\"$type\":\"app.bsky.feed.post\",\"text\":\"gak bisa login\","
	         "\"createdAt\":\"2024-09-09T19:46:02.102Z\",\"langs\":[\"id\",\"en\"],"
	         "\"reply\":{\"root\":{\"uri\":\"at://did:plc:a/app.bsky.feed.post/"
	         "r\",\"cid\":\"x\"},"
	         "\"parent\":{\"uri\":\"at://did:plc:a/app.bsky.feed.post/p\",\"cid\":\"y\"}}}"),
	    handles);

	ck_assert_int_eq(ev.time_us, 1725911162329308LL);
	ck_assert_ptr_null(ev.skip);
	ck_assert_str_eq(ev.uri, "at://" DID "/app.bsky.feed.post/3l3qo2vuowo2b");
	ck_assert_str_eq(field(&ev, "id"), "bluesky:at://" DID "/app.bsky.feed.post/3l3qo2vuowo2b");
	ck_assert_str_eq(field(&ev, "url"), "https://bsky.app/profile/" DID "/post/3l3qo2vuowo2b");
	ck_assert_str_eq(field(&ev, "text"), "gak bisa login");
	ck_assert_str_eq(field(&ev, "lang"), "id");
	ck_assert_str_eq(field(&ev, "created_at"), "2024-09-09T19:46:02.102Z");
	ck_assert_str_eq(field(&ev, "reply_to"), "bluesky:at://did:plc:a/app.bsky.feed.post/p");
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(ev.mention, "author"), "handle")),
	    "@budi.bsky.social");
	bluesky_event_clear(&ev);
	/* no handle known: the did; no langs, no reply: none */
	ev = parse_ok(POST("{\"text\":\"halo\",\"createdAt\":\"2024-09-09T19:46:02.102Z\"}"), NULL);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(ev.mention, "author"), "handle")),
	    DID);
	ck_assert_ptr_null(field(&ev, "lang"));
	ck_assert_ptr_null(field(&ev, "reply_to"));
	bluesky_event_clear(&ev);
}
END_TEST

START_TEST(skips)
{
	static const struct {
		const char *event, *skip;
	} c[] = {
	    {COMMIT("update", "app.bsky.feed.post", ",\"record\":{\"text\":\"x\"}"), "update"},
	    {COMMIT("delete", "app.bsky.feed.post", ""), "delete"},
	    {COMMIT("create", "app.bsky.feed.repost", ",\"record\":{}"), "repost"},
	    {COMMIT("create", "app.bsky.feed.like", ",\"record\":{}"), "collection"},
	    {POST("{\"text\":\"\",\"embed\":{}}"), "no_text"},
	    {"{\"did\":\"" DID
	     "\",\"time_us\":5,\"kind\":\"account\",\"account\":{\"active\":true}}",
	     "account"},
	    {"{\"did\":\"" DID "\",\"time_us\":5,\"kind\":\"mystery\"}", "event_kind"},
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct bluesky_event ev = parse_ok(c[i].event, NULL);

		ck_assert_msg(ev.skip && strcmp(ev.skip, c[i].skip) == 0, "%s: %s", c[i].event,
		              ev.skip ? ev.skip : "(none)");
		ck_assert_ptr_null(ev.mention);
		ck_assert_int_gt(ev.time_us, 0);
		bluesky_event_clear(&ev);
	}
}
END_TEST

START_TEST(identity)
{
	struct bluesky_event ev = parse_ok(
	    "{\"did\":\"did:plc:ufbl4k27gp6kzas5glhz7fim\",\"time_us\":1725516665234703,"
	    "\"kind\":\"identity\",\"identity\":{\"did\":\"did:plc:ufbl4k27gp6kzas5glhz7fim\","
	    "\"handle\":\"yohenrique.bsky.social\",\"seq\":1409752997,"
	    "\"time\":\"2024-09-05T06:11:04.870Z\"}}",
	    NULL);

	ck_assert_str_eq(ev.skip, "identity");
	ck_assert_str_eq(ev.did, "did:plc:ufbl4k27gp6kzas5glhz7fim");
	ck_assert_str_eq(ev.handle, "yohenrique.bsky.social");
	bluesky_event_clear(&ev);
	/* a handle with a space or a slash is not one */
	ev = parse_ok("{\"did\":\"did:plc:u\",\"time_us\":1,\"kind\":\"identity\","
	              "\"identity\":{\"handle\":\"a b/c\"}}",
	              NULL);
	ck_assert_ptr_null(ev.handle);
	bluesky_event_clear(&ev);
}
END_TEST

START_TEST(bad)
{
	static const char *const c[] = {
	    "{\"did\":",
	    "[]",
	    "{\"did\":\"" DID "\",\"kind\":\"commit\"}",
	    "{\"did\":\"" DID "\",\"time_us\":-4,\"kind\":\"commit\"}",
	    "{\"did\":\"bob\",\"time_us\":4,\"kind\":\"commit\"}",
	    "{\"did\":\"did:plc:a/b\",\"time_us\":4,\"kind\":\"commit\"}",
	    HEAD "\"commit\":{}}",
	    COMMIT("create", "app.bsky.feed.post", ""),
	    HEAD "\"commit\":{\"operation\":\"create\",\"collection\":\"app.bsky.feed.post\","
	         "\"rkey\":\"../etc\",\"record\":{\"text\":\"x\"}}}",
	};
	char why[300];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct bluesky_event ev;

		ck_assert_msg(
		    bluesky_event_parse(c[i], strlen(c[i]), NULL, NULL, &ev, why, sizeof(why)) < 0,
		    "taken: %s", c[i]);
		ck_assert_ptr_null(ev.mention);
		ck_assert_uint_gt(strlen(why), 0);
	}
	ck_assert(bluesky_event_parse("{\"did", 5, NULL, NULL, &(struct bluesky_event){0}, why,
	                              sizeof(why)) < 0);
	ck_assert_str_eq(why, "not JSON (column 5: premature end of input near '\"did')");
}
END_TEST

static char *
facets(const char *text, const char *json, int *links)
{
	json_error_t je;
	json_t *f = json_loads(json, 0, &je);
	size_t len;
	char *t;

	ck_assert_msg(f != NULL, "%s", je.text);
	t = bluesky_facet_text(text, strlen(text), f, &len, links);
	ck_assert_uint_eq(len, strlen(t));
	json_decref(f);
	return t;
}

#define LINK(s, e, uri)                                                                            \
	"{\"index\":{\"byteStart\":" #s ",\"byteEnd\":" #e "},\"features\":[{\"$type\":"           \
	"\"app.bsky.richtext.facet#link\",\"uri\":\"" uri "\"}]}"

START_TEST(facet_links)
{
	int links;
	char *t;

	/* the shortened text becomes the whole URI; the mention stays as written */
	t = facets(
	    "cek acme.example/inc... @acme",
	    "[" LINK(4, 23,
	             "https://acme.example/incidents/1") ",{\"index\":{\"byteStart\":24,"
	                                                 "\"byteEnd\":29},\"features\":[{\"$type\":"
	                                                 "\"app.bsky.richtext.facet#mention\","
	                                                 "\"did\":\"did:plc:acme\"}]}]",
	    &links);
	ck_assert_str_eq(t, "cek https://acme.example/incidents/1 @acme");
	ck_assert_int_eq(links, 1);
	free(t);
	/* UTF-8 byte ranges: after an emoji (4 bytes), in any order */
	t = facets("\xF0\x9F\x98\xA1 a.example b.example",
	           "[" LINK(15, 24, "https://b.example/") "," LINK(5, 14, "https://a.example/") "]",
	           &links);
	ck_assert_str_eq(t, "\xF0\x9F\x98\xA1 https://a.example/ https://b.example/");
	ck_assert_int_eq(links, 2);
	free(t);
	/* a text that is the URI already is no change */
	t = facets("see https://x.example", "[" LINK(4, 21, "https://x.example") "]", &links);
	ck_assert_str_eq(t, "see https://x.example");
	ck_assert_int_eq(links, 0);
	free(t);
}
END_TEST

START_TEST(facet_bad_ranges)
{
	const char *text = "\xF0\x9F\x98\xA1 ok"; /* 7 bytes */
	int links;
	char *t;

	/* cutting the emoji, past the end, empty, negative, reversed, not numbers: ignored */
	t = facets(
	    text,
	    "[" LINK(1, 4, "https://a") "," LINK(0, 3, "https://b") "," LINK(
	        5, 99, "https://c") "," LINK(5, 5,
	                                     "https://d") "," LINK(-1, 2,
	                                                           "https://e") "," LINK(6, 5,
	                                                                                 "https://"
	                                                                                 "f") ",{"
	                                                                                      "\"in"
	                                                                                      "dex"
	                                                                                      "\":{"
	                                                                                      "\"by"
	                                                                                      "teSt"
	                                                                                      "art"
	                                                                                      "\":"
	                                                                                      "\"0"
	                                                                                      "\","
	                                                                                      "\"by"
	                                                                                      "teEn"
	                                                                                      "d\":"
	                                                                                      "2},"
	                                                                                      "\"fe"
	                                                                                      "atur"
	                                                                                      "es\""
	                                                                                      ":[{"
	                                                                                      "\"$"
	                                                                                      "type"
	                                                                                      "\":"
	                                                                                      "\"ap"
	                                                                                      "p."
	                                                                                      "bsky"
	                                                                                      ".ric"
	                                                                                      "htex"
	                                                                                      "t."
	                                                                                      "face"
	                                                                                      "t#"
	                                                                                      "link"
	                                                                                      "\","
	                                                                                      "\"ur"
	                                                                                      "i\":"
	                                                                                      "\"ht"
	                                                                                      "tps:"
	                                                                                      "//"
	                                                                                      "g\"}"
	                                                                                      "]},{"
	                                                                                      "\"in"
	                                                                                      "dex"
	                                                                                      "\":{"
	                                                                                      "}},"
	                                                                                      "7,"
	                                                                                      "null"
	                                                                                      "]",
	    &links);
	ck_assert_str_eq(t, text);
	ck_assert_int_eq(links, 0);
	free(t);
	/* overlapping: the first in text order wins */
	t = facets(text, "[" LINK(5, 7, "https://late") "," LINK(4, 6, "https://early") "]",
	           &links);
	ck_assert_str_eq(t, "\xF0\x9F\x98\xA1https://earlyk");
	free(t);
	/* facets that are not a list */
	t = facets(text, "{\"a\":1}", &links);
	ck_assert_str_eq(t, text);
	free(t);
}
END_TEST

START_TEST(urls)
{
	struct ws_url u;
	char err[200];

	ck_assert_int_eq(ws_url_parse(&u, "wss://jetstream2.us-east.bsky.network/subscribe?a=1",
	                              err, sizeof(err)),
	                 0);
	ck_assert(u.tls);
	ck_assert_str_eq(u.host, "jetstream2.us-east.bsky.network");
	ck_assert_int_eq(u.port, 443);
	ck_assert_str_eq(u.path, "/subscribe?a=1");
	ws_url_free(&u);
	ck_assert_int_eq(ws_url_parse(&u, "ws://127.0.0.1:8080?x", err, sizeof(err)), 0);
	ck_assert(!u.tls);
	ck_assert_int_eq(u.port, 8080);
	ck_assert_str_eq(u.path, "/?x");
	ws_url_free(&u);
	ck_assert_int_eq(ws_url_parse(&u, "ws://[::1]:9/s", err, sizeof(err)), 0);
	ck_assert_str_eq(u.host, "::1");
	ws_url_free(&u);
	ck_assert_int_eq(ws_url_parse(&u, "http://a/", err, sizeof(err)), -1);
	ck_assert_int_eq(ws_url_parse(&u, "ws://a:99999/", err, sizeof(err)), -1);
	ck_assert_int_eq(ws_url_parse(&u, "ws://user@a/", err, sizeof(err)), -1);
	ck_assert_int_eq(ws_url_parse(&u, "wss:///x", err, sizeof(err)), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("source_bluesky");
	TCase *tc = tcase_create("source_bluesky");

	tcase_add_test(tc, post_fields);
	tcase_add_test(tc, skips);
	tcase_add_test(tc, identity);
	tcase_add_test(tc, bad);
	tcase_add_test(tc, facet_links);
	tcase_add_test(tc, facet_bad_ranges);
	tcase_add_test(tc, urls);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
