#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/curlev.h"
#include "net/stream.h"
#include "unit.h"
#include "lib/util.h"

/* What the parser handed over, one "type|id|data" record per event, and the too-long count. */
struct got {
	struct buf out;
	int toolong;
};

static void
on_event(void *arg, const struct stream_event *ev)
{
	struct got *g = arg;

	buf_printf(&g->out, "%s|%s|", ev->type ? ev->type : "-", ev->id);
	buf_add(&g->out, ev->data, ev->len);
	ck_assert_int_eq(ev->data[ev->len], '\0');
	buf_adds(&g->out, "\n");
}

static void
on_toolong(void *arg, size_t len)
{
	((struct got *)arg)->toolong++;
}

/* Feeds s cut at the given positions; returns the records (caller frees). */
static char *
run(enum stream_mode mode, size_t max, const char *s, size_t n, const size_t *cuts, size_t ncuts,
    long *retry, int *toolong)
{
	struct stream_parser p;
	struct got g;
	size_t at = 0;

	buf_init(&g.out);
	buf_adds(&g.out, "");
	g.toolong = 0;
	stream_parser_init(&p, mode, max, on_event, on_toolong, &g);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : n;

		stream_parser_feed(&p, s + at, to - at);
		at = to;
	}
	if (retry)
		*retry = p.retry_ms;
	if (toolong)
		*toolong = g.toolong;
	stream_parser_free(&p);
	return g.out.data;
}

/*
 * A stream that has every awkward thing: a BOM, CRLF, lone CR, lone LF,
 * comments, a field without a colon, multi-line data, an id with NUL
 * (ignored), an empty id (reset), retry (valid and not), a UTF-8 character
 * that a cut can split, and an unfinished event at the end (discarded).
 */
static const char sample[] =
    "\xef\xbb\xbf: hello\r\n"
    "retry: 2500\r\n"
    "id: 1\r\n"
    "data: {\"text\":\"gak bisa login\"}\r\n"
    "\r\n"
    "event: update\r"
    "id: 2\r"
    "data:first\r"
    "data:  second\r"
    "\r"
    ":keep-alive\n"
    "id: x\0y\n"
    "data: caf\xc3\xa9\n"
    "\n"
    "data\n"
    "\n"
    "id\n"
    "retry: 12a\n"
    "data: after reset\r\n"
    "unknown: field\r\n"
    "\r\n"
    "data: \n"
    "\n"
    "event: noise\n"
    "\n"
    "data: unfinished";

static const char sample_want[] =
    "message|1|{\"text\":\"gak bisa login\"}\n"
    "update|2|first\n second\n"
    "message|2|caf\xc3\xa9\n"
    "message|2|\n"
    "message||after reset\n"
    "message||\n";

START_TEST(sse_whole)
{
	long retry;
	char *got = run(STREAM_SSE, 1024, sample, sizeof(sample) - 1, NULL, 0, &retry, NULL);

	ck_assert_str_eq(got, sample_want);
	ck_assert_int_eq(retry, 2500);
	free(got);
}
END_TEST

START_TEST(sse_every_split)
{
	size_t n = sizeof(sample) - 1;

	/* two chunks at every position, then three chunks at every pair */
	for (size_t i = 0; i <= n; i++) {
		char *got = run(STREAM_SSE, 1024, sample, n, &i, 1, NULL, NULL);

		ck_assert_msg(strcmp(got, sample_want) == 0, "split at %zu:\n%s", i, got);
		free(got);
	}
	for (size_t i = 0; i <= n; i++)
		for (size_t j = i; j <= n; j++) {
			size_t cuts[2] = { i, j };
			char *got = run(STREAM_SSE, 1024, sample, n, cuts, 2, NULL, NULL);

			ck_assert_msg(strcmp(got, sample_want) == 0, "split at %zu,%zu:\n%s", i, j,
			    got);
			free(got);
		}
}
END_TEST

START_TEST(sse_byte_at_a_time)
{
	size_t n = sizeof(sample) - 1, *cuts = xcalloc(n, sizeof(size_t));
	char *got;

	for (size_t i = 0; i < n; i++)
		cuts[i] = i;
	got = run(STREAM_SSE, 1024, sample, n, cuts, n, NULL, NULL);
	ck_assert_str_eq(got, sample_want);
	free(got);
	free(cuts);
}
END_TEST

START_TEST(sse_bom_only_once)
{
	/* a second BOM is data; a partial BOM at the start is kept as bytes */
	static const char s1[] = "\xef\xbb\xbf\xef\xbb\xbf" "data: a\n\n";
	static const char s2[] = "\xef\xbb" "data: b\n\n" "data: c\n\n";
	char *got = run(STREAM_SSE, 1024, s1, sizeof(s1) - 1, NULL, 0, NULL, NULL);

	ck_assert_str_eq(got, "");	/* the field name is "\xef\xbb\xbf" "data": ignored */
	free(got);
	got = run(STREAM_SSE, 1024, s2, sizeof(s2) - 1, NULL, 0, NULL, NULL);
	ck_assert_str_eq(got, "message||c\n");
	free(got);
}
END_TEST

START_TEST(sse_too_long)
{
	/* 40 bytes max: a long line, and many short lines that add up, are each one skip */
	struct buf b;
	int toolong;
	char *got;

	buf_init(&b);
	buf_adds(&b, "data: ok1\n\n");
	buf_adds(&b, "data: ");
	for (int i = 0; i < 100; i++)
		buf_adds(&b, "x");
	buf_adds(&b, "\nid: 7\n\n");
	for (int i = 0; i < 10; i++)
		buf_adds(&b, "data: 0123456789\n");
	buf_adds(&b, "\n");
	buf_adds(&b, "data: ok2\n\n");
	for (size_t cut = 0; cut <= b.len; cut++) {
		got = run(STREAM_SSE, 40, b.data, b.len, &cut, 1, NULL, &toolong);
		ck_assert_msg(strcmp(got, "message||ok1\nmessage|7|ok2\n") == 0, "cut %zu: %s", cut,
		    got);
		ck_assert_int_eq(toolong, 2);
		free(got);
	}
	buf_free(&b);
}
END_TEST

static const char nd[] = "{\"a\":1}\r\n\n{\"b\":2}\n\r\n{\"c\":\"\xe2\x82\xac\"}\r\n{\"d\":4}";

START_TEST(ndjson_every_split)
{
	size_t n = sizeof(nd) - 1;

	for (size_t i = 0; i <= n; i++)
		for (size_t j = i; j <= n; j++) {
			size_t cuts[2] = { i, j };
			char *got = run(STREAM_NDJSON, 1024, nd, n, cuts, 2, NULL, NULL);

			/* the last line has no newline yet: it waits for more */
			ck_assert_msg(strcmp(got, "-||{\"a\":1}\n-||{\"b\":2}\n-||{\"c\":\"\xe2\x82\xac\"}\n")
			    == 0, "split at %zu,%zu: %s", i, j, got);
			free(got);
		}
}
END_TEST

START_TEST(ndjson_too_long)
{
	static const char s[] = "{\"a\":1}\n{\"long\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n{\"b\":2}\n";
	int toolong;

	for (size_t cut = 0; cut <= sizeof(s) - 1; cut++) {
		char *got = run(STREAM_NDJSON, 16, s, sizeof(s) - 1, &cut, 1, NULL, &toolong);

		ck_assert_msg(strcmp(got, "-||{\"a\":1}\n-||{\"b\":2}\n") == 0, "cut %zu: %s", cut, got);
		ck_assert_int_eq(toolong, 1);
		free(got);
	}
}
END_TEST

START_TEST(last_id_survives_reset)
{
	struct stream_parser p;
	struct got g;

	buf_init(&g.out);
	buf_adds(&g.out, "");
	g.toolong = 0;
	stream_parser_init(&p, STREAM_SSE, 1024, on_event, on_toolong, &g);
	stream_parser_set_last_id(&p, "41");
	stream_parser_feed(&p, "id: 42\ndata: half", 17);
	stream_parser_reset(&p);	/* the connection dropped mid-event */
	ck_assert_str_eq(p.last_id, "42");
	stream_parser_feed(&p, "data: next\n\n", 12);
	ck_assert_str_eq(g.out.data, "message|42|next\n");
	stream_parser_free(&p);
	buf_free(&g.out);
}
END_TEST

START_TEST(json_pointers)
{
	json_t *v = json_loads("{\"a\":{\"b/c\":[10,{\"d~e\":\"x\"}]},\"\":5,\"0\":7}", 0, NULL);
	char why[200];

	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_eq(stream_jptr_get(v, ""), v);
	ck_assert_int_eq(json_integer_value(stream_jptr_get(v, "/a/b~1c/0")), 10);
	ck_assert_str_eq(json_string_value(stream_jptr_get(v, "/a/b~1c/1/d~0e")), "x");
	ck_assert_int_eq(json_integer_value(stream_jptr_get(v, "/")), 5);
	ck_assert_int_eq(json_integer_value(stream_jptr_get(v, "/0")), 7);
	ck_assert_ptr_null(stream_jptr_get(v, "/a/b~1c/01"));
	ck_assert_ptr_null(stream_jptr_get(v, "/a/b~1c/2"));
	ck_assert_ptr_null(stream_jptr_get(v, "/a/b~1c/-"));
	ck_assert_ptr_null(stream_jptr_get(v, "/nope/x"));
	ck_assert_int_eq(stream_jptr_check("/a/b~1c", why, sizeof(why)), 0);
	ck_assert_int_eq(stream_jptr_check("", why, sizeof(why)), 0);
	ck_assert_int_eq(stream_jptr_check("a/b", why, sizeof(why)), -1);
	ck_assert_int_eq(stream_jptr_check("/a~2", why, sizeof(why)), -1);
	ck_assert_int_eq(stream_jptr_check("/a~", why, sizeof(why)), -1);
	json_decref(v);
}
END_TEST

/*
 * The origins redirects are checked against (curlev_same_origin): no TLS
 * server is at hand in tests, so https to http is checked here, where the
 * scheme alone makes two origins differ; tests/daemon_sources_redirect.sh
 * checks another port end to end.
 */
START_TEST(redirect_origins)
{
	static const struct {
		const char *a, *b;
		int same;
	} c[] = {
		{ "https://api.example/v1/x", "http://api.example/v1/x", 0 },
		{ "https://api.example/", "https://api.example:8443/", 0 },
		{ "https://api.example/", "https://evil.example/", 0 },
		{ "https://api.example/", "https://api.example.evil.example/", 0 },
		{ "http://127.0.0.1:8080/a", "http://127.0.0.1:8081/a", 0 },
		{ "https://API.Example/a?x=1", "https://api.example:443/b", 1 },
		{ "http://api.example/feed", "http://api.example:80/feed/", 1 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *a = curlev_origin(c[i].a), *b = curlev_origin(c[i].b);

		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		ck_assert_msg((strcmp(a, b) == 0) == c[i].same, "%s (%s) and %s (%s)", c[i].a, a,
		    c[i].b, b);
		free(a);
		free(b);
	}
	ck_assert_ptr_null(curlev_origin("not a url"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("stream");
	TCase *tc = tcase_create("parser");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, sse_whole);
	tcase_add_test(tc, sse_every_split);
	tcase_add_test(tc, sse_byte_at_a_time);
	tcase_add_test(tc, sse_bom_only_once);
	tcase_add_test(tc, sse_too_long);
	tcase_add_test(tc, ndjson_every_split);
	tcase_add_test(tc, ndjson_too_long);
	tcase_add_test(tc, last_id_survives_reset);
	tcase_add_test(tc, json_pointers);
	tcase_add_test(tc, redirect_origins);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
