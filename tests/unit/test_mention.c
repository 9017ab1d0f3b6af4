/* The direct mention reader: strict JSON, the mention's fields, clear errors. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mention.h"
#include "unit.h"
#include "util.h"

static const char *
nz(const char *s)
{
	return s ? s : "(null)";
}

/*
 * Parses s; when s is valid UTF-8, mention_parse_utf8 (which skips the
 * UTF-8 checks) must come to the same mention or the same error.
 */
static int
parse(const char *s, struct mention *m, char *err)
{
	size_t len = strlen(s);
	int rc = mention_parse(m, s, len, err, 256);

	if (utf8_valid_prefix(s, len) == len) {
		struct mention t;
		char err2[256];
		int rc2 = mention_parse_utf8(&t, s, len, err2, sizeof(err2));

		ck_assert_int_eq(rc, rc2);
		if (rc < 0) {
			ck_assert_str_eq(err, err2);
			return rc;
		}
		ck_assert_str_eq(m->id, t.id);
		ck_assert_str_eq(nz(m->source), nz(t.source));
		ck_assert_uint_eq(m->text_len, t.text_len);
		ck_assert(memcmp(m->text, t.text, m->text_len + 1) == 0);
		ck_assert_str_eq(nz(m->url), nz(t.url));
		ck_assert_str_eq(nz(m->lang), nz(t.lang));
		ck_assert_str_eq(nz(m->created_at), nz(t.created_at));
		ck_assert_str_eq(nz(m->author_handle), nz(t.author_handle));
		ck_assert_str_eq(nz(m->author_name), nz(t.author_name));
		ck_assert_int_eq(m->followers, t.followers);
		ck_assert_int_eq(m->verified, t.verified);
		mention_free(&t);
	}
	return rc;
}

START_TEST(test_fields)
{
	struct mention m;
	char err[256];

	ck_assert_int_eq(parse("{\"id\":\"x:1\",\"source\":\"x\",\"text\":\"gak bisa login\","
	    "\"url\":\"https://e.com/1\",\"lang\":\"id\",\"created_at\":\"2026-11-22T10:00:00Z\","
	    "\"extra\":{\"a\":[1,2,{\"b\":null}],\"c\":-1.5e3},"
	    "\"author\":{\"handle\":\"@budi\",\"name\":\"Budi\",\"followers\":1200,"
	    "\"verified\":true,\"x\":[]}}", &m, err), 0);
	ck_assert_str_eq(m.id, "x:1");
	ck_assert_str_eq(m.source, "x");
	ck_assert_str_eq(m.text, "gak bisa login");
	ck_assert_uint_eq(m.text_len, 14);
	ck_assert_str_eq(m.url, "https://e.com/1");
	ck_assert_str_eq(m.lang, "id");
	ck_assert_str_eq(m.created_at, "2026-11-22T10:00:00Z");
	ck_assert_str_eq(m.author_handle, "@budi");
	ck_assert_str_eq(m.author_name, "Budi");
	ck_assert_int_eq(m.followers, 1200);
	ck_assert_int_eq(m.verified, 1);
	ck_assert_int_eq(m.reply, 0);
	ck_assert_int_eq(m.reblog, 0);
	mention_free(&m);

	/* reply and repost flags; null leaves them unset */
	ck_assert_int_eq(parse("{\"text\":\"t\",\"reply\":true,\"reblog\":null}", &m, err), 0);
	ck_assert_int_eq(m.reply, 1);
	ck_assert_int_eq(m.reblog, 0);
	mention_free(&m);
	ck_assert_int_eq(parse("{\"reblog\":true,\"text\":\"t\",\"reply\":false}", &m, err), 0);
	ck_assert_int_eq(m.reply, 0);
	ck_assert_int_eq(m.reblog, 1);
	mention_free(&m);

	/* numeric id, nulls, no author */
	ck_assert_int_eq(parse(" {\"id\":42,\"text\":\"t\",\"url\":null,\"author\":null}\n", &m,
	    err), 0);
	ck_assert_str_eq(m.id, "42");
	ck_assert_ptr_null(m.url);
	ck_assert_int_eq(m.followers, -1);
	mention_free(&m);

	/* no id: a hash of source and text, the same every time, different for other text */
	{
		struct mention m2, m3;

		ck_assert_int_eq(parse("{\"text\":\"same\"}", &m, err), 0);
		ck_assert_int_eq(parse("{ \"text\" : \"same\" }", &m2, err), 0);
		ck_assert_int_eq(parse("{\"text\":\"same\",\"source\":\"x\"}", &m3, err), 0);
		ck_assert(strncmp(m.id, "h:", 2) == 0 && strlen(m.id) == 18);
		ck_assert_str_eq(m.id, m2.id);
		ck_assert_str_ne(m.id, m3.id);
		mention_free(&m);
		mention_free(&m2);
		mention_free(&m3);
	}
}
END_TEST

START_TEST(test_escapes)
{
	struct mention m;
	char err[256];

	ck_assert_int_eq(parse("{\"text\":\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\ud83d\\ude00\"}", &m,
	    err), 0);
	ck_assert_str_eq(m.text, "a\"b\\c/d\n\t\xc3\xa9\xf0\x9f\x98\x80");
	mention_free(&m);
}
END_TEST

#define BAD(json, want)                                                                            \
	do {                                                                                       \
		struct mention m_;                                                                 \
		char e_[256];                                                                      \
		ck_assert_int_eq(parse(json, &m_, e_), -1);                                        \
		ck_assert_msg(strstr(e_, want) != NULL, "%s: got '%s', want '%s'", json, e_, want); \
	} while (0)

START_TEST(test_errors)
{
	BAD("{\"text\":\"x\",}", "malformed JSON at column 13");
	BAD("{\"text\":\"x\"", "malformed JSON");
	BAD("{\"text\":\"a\tb\"}", "control character in a string");
	BAD("{\"text\":\"\\q\"}", "bad escape");
	BAD("{\"text\":\"\\ud83d\"}", "lone high surrogate");
	BAD("{\"text\":\"\\udc00\"}", "lone low surrogate");
	BAD("{\"text\":\"\\u0000\"}", "\\u0000 is not allowed");
	BAD("{\"text\":\"bad \xff\"}", "invalid UTF-8 in a string");
	BAD("{\"text\":\"x\",\"n\":01}", "leading zero");
	BAD("{\"text\":\"x\"} x", "text after the object");
	BAD("[1]", "a mention must be a JSON object");
	BAD("{\"id\":\"a\"}", "'text' is missing");
	BAD("{\"text\":5}", "'text' must be a string");
	BAD("{\"text\":\"x\",\"author\":{\"followers\":1.5}}", "'author.followers' must be a whole number");
	BAD("{\"text\":\"x\",\"author\":{\"followers\":-3}}", "'author.followers' must be a whole number");
	BAD("{\"text\":\"x\",\"author\":{\"verified\":\"yes\"}}", "'author.verified' must be true or false");
	BAD("{\"text\":\"x\",\"author\":[]}", "'author' must be an object");
	BAD("{\"text\":\"x\",\"reply\":1}", "'reply' must be true or false");
	BAD("{\"text\":\"x\",\"reblog\":\"yes\"}", "'reblog' must be true or false");
	BAD("{\"text\":\"x\",\"reply\":true,\"reply\":true}", "duplicate object key 'reply'");
	BAD("{\"text\":\"x\",\"text\":\"y\"}", "duplicate object key 'text'");
	BAD("{\"text\":\"x\",\"n\":tru}", "unexpected character");
}
END_TEST

START_TEST(test_limits)
{
	char *big = malloc(MENTION_MAX_TEXT + 64), *deep = malloc(4096);
	struct mention m;
	char err[256];
	size_t n;

	n = (size_t)sprintf(big, "{\"text\":\"");
	memset(big + n, 'a', MENTION_MAX_TEXT + 1);
	strcpy(big + n + MENTION_MAX_TEXT + 1, "\"}");
	ck_assert_int_eq(parse(big, &m, err), -1);
	ck_assert_str_eq(err, "'text' is 65537 bytes, the limit is 65536");
	n = (size_t)sprintf(deep, "{\"text\":\"x\",\"d\":");
	for (int i = 0; i < 200; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	ck_assert_int_eq(parse(deep, &m, err), -1);
	ck_assert(strstr(err, "nested too deep") != NULL);
	free(big);
	free(deep);
}
END_TEST

/* Whole numbers: everything a long long holds is one, as in jansson; one more is not. */
START_TEST(test_integer_range)
{
	struct mention m;
	char err[256];

	ck_assert_int_eq(parse("{\"text\":\"x\",\"id\":9223372036854775807}", &m, err), 0);
	ck_assert_str_eq(m.id, "9223372036854775807");
	mention_free(&m);
	ck_assert_int_eq(parse("{\"text\":\"x\",\"id\":-9223372036854775808}", &m, err), 0);
	ck_assert_str_eq(m.id, "-9223372036854775808");
	mention_free(&m);
	ck_assert_int_eq(parse("{\"text\":\"x\",\"author\":{\"followers\":"
	    "9223372036854775807}}", &m, err), 0);
	ck_assert_int_eq(m.followers, 9223372036854775807L);
	mention_free(&m);
	ck_assert_int_eq(parse("{\"text\":\"x\",\"id\":9223372036854775808}", &m, err), -1);
	ck_assert_str_eq(err, "'id' must be a string");
	ck_assert_int_eq(parse("{\"text\":\"x\",\"id\":-9223372036854775809}", &m, err), -1);
	ck_assert_str_eq(err, "'id' must be a string");
}
END_TEST

/* The direct reader agrees with jansson on every bundled sample mention. */
START_TEST(test_agrees_with_jansson)
{
	char path[512], *line = NULL, err[256];
	size_t cap = 0, count = 0;
	ssize_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/etc/samples/mentions.ndjson", SRCDIR);
	fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fp);
	while ((n = getline(&line, &cap, fp)) > 0) {
		struct mention a, b;
		json_error_t je;
		json_t *o = json_loadb(line, (size_t)n, 0, &je);

		ck_assert_ptr_nonnull(o);
		ck_assert_int_eq(mention_from_json(&a, o, err, sizeof(err)), 0);
		ck_assert_int_eq(mention_parse(&b, line, (size_t)n, err, sizeof(err)), 0);
		ck_assert_str_eq(a.id, b.id);
		ck_assert_uint_eq(a.text_len, b.text_len);
		ck_assert(memcmp(a.text, b.text, a.text_len) == 0);
		ck_assert_int_eq(a.followers, b.followers);
		ck_assert_int_eq(a.verified, b.verified);
		ck_assert_int_eq(a.reply, b.reply);
		ck_assert_int_eq(a.reblog, b.reblog);
		ck_assert_str_eq(a.author_handle ? a.author_handle : "", b.author_handle ?
		    b.author_handle : "");
		mention_free(&a);
		mention_free(&b);
		json_decref(o);
		count++;
	}
	ck_assert_uint_gt(count, 20);
	free(line);
	fclose(fp);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mention");
	TCase *tc = tcase_create("mention");

	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_integer_range);
	tcase_add_test(tc, test_agrees_with_jansson);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
