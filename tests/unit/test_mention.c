/* The direct mention reader: strict JSON, the mention's fields, clear errors. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mention.h"
#include "unit.h"
#include "lib/util.h"

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

	/* where it arrived, what it answers, a review's fields: the same in both readers */
	{
		const char *doc = "{\"text\":\"app crash\",\"reply_to\":17841,\"account\":\"ig:178\","
		    "\"rating\":2,\"app_version\":\"4.2.1\",\"device\":\"Pixel 7\"}";
		json_error_t je;
		json_t *o = json_loads(doc, 0, &je);
		struct mention j;

		ck_assert_int_eq(parse(doc, &m, err), 0);
		ck_assert_int_eq(mention_from_json(&j, o, err, sizeof(err)), 0);
		ck_assert_str_eq(m.reply_to, "17841");
		ck_assert_str_eq(j.reply_to, "17841");
		ck_assert_int_eq(m.reply, 1);
		ck_assert_int_eq(j.reply, 1);
		ck_assert_str_eq(m.account, "ig:178");
		ck_assert_str_eq(j.account, "ig:178");
		ck_assert_int_eq(m.rating, 2);
		ck_assert_int_eq(j.rating, 2);
		ck_assert_str_eq(m.app_version, "4.2.1");
		ck_assert_str_eq(j.device, "Pixel 7");
		mention_free(&m);
		mention_free(&j);
		json_decref(o);
	}
	ck_assert_int_eq(parse("{\"text\":\"t\",\"rating\":6}", &m, err), -1);
	ck_assert_str_eq(err, "'rating' must be a whole number from 1 to 5");
	ck_assert_int_eq(parse("{\"text\":\"t\",\"rating\":\"2\"}", &m, err), -1);
	ck_assert_int_eq(parse("{\"text\":\"t\",\"rating\":null}", &m, err), 0);
	ck_assert_int_eq(m.rating, 0);
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
	/* beyond 64 bits the body is malformed, as jansson finds it */
	ck_assert_int_eq(parse("{\"text\":\"x\",\"id\":9223372036854775808}", &m, err), -1);
	ck_assert_str_eq(err, "malformed JSON at column 18: a whole number beyond 64 bits");
	ck_assert_int_eq(parse("{\"text\":\"x\",\"id\":-9223372036854775809}", &m, err), -1);
	ck_assert_str_eq(err, "malformed JSON at column 18: a whole number beyond 64 bits");
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

/*
 * Both readers on one body: the direct one (NDJSON lines, sources) and
 * jansson + mention_from_json (application/json bodies), as keluhd calls
 * them. Returns the id (to free) or NULL with both errors in err/jerr.
 */
static char *
both(const char *s, char *err, char *jerr)
{
	struct mention a, b;
	json_error_t je;
	json_t *o = json_loadb(s, strlen(s), JSON_REJECT_DUPLICATES, &je);
	int ra = mention_parse(&a, s, strlen(s), err, 256), rb;
	char *id = NULL;

	if (o == NULL) {
		snprintf(jerr, 256, "%s", je.text);
		rb = -1;
	} else
		rb = mention_from_json(&b, o, jerr, 256);
	json_decref(o);
	ck_assert_msg(ra == rb, "%s: direct reader %d (%s), jansson %d (%s)", s, ra,
	    ra ? err : "", rb, rb ? jerr : "");
	if (ra == 0) {
		ck_assert_str_eq(a.id, b.id);
		id = strdup(a.id);
		mention_free(&a);
		mention_free(&b);
	}
	return id;
}

/* A numeric id is kept as its decimal text; both readers agree on every boundary. */
START_TEST(test_numeric_ids)
{
	static const struct {
		const char *id, *want, *err, *jerr;
	} c[] = {
		{ "9223372036854775807", "9223372036854775807", NULL, NULL },	/* INT64_MAX */
		{ "-9223372036854775808", "-9223372036854775808", NULL, NULL },	/* INT64_MIN */
		{ "922337203685477580", "922337203685477580", NULL, NULL },
		{ "1234567890123456789", "1234567890123456789", NULL, NULL },	/* 19 digits */
		{ "-42", "-42", NULL, NULL },
		{ "0", "0", NULL, NULL },
		{ "-0", "0", NULL, NULL },
		{ "9223372036854775808", NULL, "a whole number beyond 64 bits", "too big integer" },
		{ "-9223372036854775809", NULL, "a whole number beyond 64 bits",
		  "too big negative integer" },
		{ "12345678901234567890", NULL, "a whole number beyond 64 bits", "too big integer" },
		{ "00", NULL, "leading zero in a number", "invalid token" },
		{ "0123", NULL, "leading zero in a number", "invalid token" },
		{ "1.5", NULL, "'id' must be a string or a whole number",
		  "'id' must be a string or a whole number" },
		{ "1e3", NULL, "'id' must be a string or a whole number",
		  "'id' must be a string or a whole number" },
		{ "12345678901234567890.0", NULL, "'id' must be a string or a whole number",
		  "'id' must be a string or a whole number" },
		{ "1e999", NULL, "a number too large", "real number overflow" },
		{ "\"0042\"", "0042", NULL, NULL },	/* a string id stays as written */
	};
	char body[256], err[256], jerr[256];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *id;

		snprintf(body, sizeof(body), "{\"id\":%s,\"text\":\"login\"}", c[i].id);
		err[0] = jerr[0] = '\0';
		id = both(body, err, jerr);
		if (c[i].want) {
			ck_assert_msg(id && strcmp(id, c[i].want) == 0, "%s: got %s", body, nz(id));
		} else {
			ck_assert_msg(id == NULL, "%s: accepted as %s", body, nz(id));
			ck_assert_msg(strstr(err, c[i].err), "%s: got '%s'", body, err);
			ck_assert_msg(strstr(jerr, c[i].jerr), "%s: jansson said '%s'", body, jerr);
		}
		free(id);
	}
	/* the same numbers in a field the mention does not have */
	ck_assert_ptr_null(both("{\"text\":\"x\",\"n\":9223372036854775808}", err, jerr));
	ck_assert_ptr_null(both("{\"text\":\"x\",\"n\":[1e400]}", err, jerr));
	free(both("{\"text\":\"x\",\"n\":-9223372036854775808}", err, jerr));
	free(both("{\"text\":\"x\",\"n\":1e-400}", err, jerr));
}
END_TEST

/*
 * Invalid UTF-8 at the start, in the middle and at the end of every string
 * field (and of a key, and of a field the mention does not have), plain and
 * after an escape: both readers refuse it, the direct one saying where.
 */
START_TEST(test_utf8_every_field)
{
	/* each field as what comes before the value and after it */
	static const char *const fields[][2] = { { "\"text\":", "" }, { "\"id\":", "" },
		{ "\"source\":", "" }, { "\"url\":", "" }, { "\"lang\":", "" },
		{ "\"created_at\":", "" }, { "\"author\":{\"handle\":", "}" },
		{ "\"author\":{\"name\":", "}" }, { "\"extra\":", "" }, { "\"extra\":[", "]" },
		{ "", ":1" } };
	static const char *const bad[] = { "\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\x80" };
	char val[64], member[128], body[256], err[256];

	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++)
			for (int at = 0; at < 6; at++) {
				struct mention m;
				json_error_t je;
				json_t *o;
				const char *esc = at >= 3 ? "\\n" : "";

				/* at % 3: 0 start, 1 middle, 2 end */
				snprintf(val, sizeof(val), "\"%s%s%s%s\"", at % 3 ? "ab" : "",
				    at % 3 == 1 ? esc : "", bad[b], at % 3 == 2 ? esc : at % 3 ? "cd" : esc);
				snprintf(member, sizeof(member), "%s%s%s", fields[f][0], val,
				    fields[f][1]);
				snprintf(body, sizeof(body), "{%s%s}", f == 0 ? "" : "\"text\":\"login\",",
				    member);
				ck_assert_msg(mention_parse(&m, body, strlen(body), err, sizeof(err)) == -1,
				    "accepted: %s", body);
				ck_assert_msg(strstr(err, "invalid UTF-8 in a string") != NULL,
				    "%s: got '%s'", body, err);
				ck_assert_msg(strstr(err, "malformed JSON at column ") != NULL, "%s", err);
				o = json_loadb(body, strlen(body), JSON_REJECT_DUPLICATES, &je);
				ck_assert_msg(o == NULL, "jansson accepted: %s", body);
			}
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
	tcase_add_test(tc, test_numeric_ids);
	tcase_add_test(tc, test_utf8_every_field);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
