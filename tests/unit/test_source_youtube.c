/*
 * The youtube source's pure parts: when the daily quota resets (midnight
 * Pacific time, clock changes included), how far apart the polls go so
 * the units left last until then, and the reading of a commentThreads.list
 * answer into comments.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tz.h"
#include "sources/source_youtube.h"
#include "unit.h"

static struct tz *
pacific(void)
{
	char err[256];
	struct tz *z = tz_load("America/Los_Angeles", err, sizeof(err));

	ck_assert_msg(z != NULL, "%s", err);
	return z;
}

START_TEST(next_reset)
{
	struct tz *z = pacific();

	/* 2026-12-06 12:00 UTC is 04:00 PST: the reset is 08:00 UTC the next day */
	ck_assert_int_eq(source_youtube_next_reset(z, 1796558400, 0, 0), 1796630400);
	/* at midnight itself: the next one */
	ck_assert_int_eq(source_youtube_next_reset(z, 1796630400, 0, 0), 1796716800);
	ck_assert_int_eq(source_youtube_next_reset(z, 1796630399, 0, 0), 1796630400);
	/* summer (PDT): 23:59:59 on June 30, then midnight is 07:00 UTC */
	ck_assert_int_eq(source_youtube_next_reset(z, 1782889199, 0, 0), 1782889200);
	/* 2026-03-08 has 23 hours: from 01:00 PST, midnight is 07:00 UTC (PDT) */
	ck_assert_int_eq(source_youtube_next_reset(z, 1772960400, 0, 0), 1773039600);
	/* 2026-11-01 has 25 hours: from 01:00 PDT, midnight is 08:00 UTC (PST) */
	ck_assert_int_eq(source_youtube_next_reset(z, 1793520000, 0, 0), 1793606400);
	tz_free(z);
	/* tests' days: from at, every day seconds, before and after it */
	ck_assert_int_eq(source_youtube_next_reset(NULL, 1050, 1000, 100), 1100);
	ck_assert_int_eq(source_youtube_next_reset(NULL, 1000, 1000, 100), 1100);
	ck_assert_int_eq(source_youtube_next_reset(NULL, 950, 1000, 100), 1000);
	ck_assert_int_eq(source_youtube_next_reset(NULL, 899, 1000, 100), 900);
}
END_TEST

START_TEST(interval)
{
	const int64_t day = 86400000;

	/* plenty left: the floor (every) holds */
	ck_assert_int_eq(source_youtube_interval_ms(10000, 2, day, 60000), 60000);
	/* 1000 units, 2 a round: 500 rounds over the day */
	ck_assert_int_eq(source_youtube_interval_ms(1000, 2, day, 60000), day / 500);
	/* paging made rounds dearer: fewer of them */
	ck_assert_int_eq(source_youtube_interval_ms(1000, 10, day, 60000), day / 100);
	/* an hour left and 6 units, 2 a round: 3 rounds, 20 minutes apart */
	ck_assert_int_eq(source_youtube_interval_ms(6, 2, 3600000, 1000), 1200000);
	/* not enough for a round, or nothing: wait for the reset */
	ck_assert_int_eq(source_youtube_interval_ms(1, 2, 3600000, 1000), 3600000);
	ck_assert_int_eq(source_youtube_interval_ms(0, 1, 3600000, 1000), 3600000);
	/* a round costs one unit at least */
	ck_assert_int_eq(source_youtube_interval_ms(3600, 0, 3600000, 1), 1000);
	/* the reset passed already: the floor */
	ck_assert_int_eq(source_youtube_interval_ms(100, 1, -5, 200), 200);
}
END_TEST

/* A commentThreadListResponse as the API sends it (the docs' resource shapes). */
static const char answer[] =
    "{\"kind\": \"youtube#commentThreadListResponse\", \"etag\": \"x\", \"nextPageToken\": "
    "\"QURTSl9p\", \"pageInfo\": {\"totalResults\": 2, \"resultsPerPage\": 100}, \"items\": ["
    "{\"kind\": \"youtube#commentThread\", \"id\": \"UgA\", \"snippet\": {\"channelId\": "
    "\"UCbrand\", \"videoId\": \"vid_-123456\", \"topLevelComment\": {\"kind\": "
    "\"youtube#comment\", \"id\": \"UgA\", \"snippet\": {\"textDisplay\": \"login gagal\", "
    "\"textOriginal\": \"login gagal\", \"authorDisplayName\": \"@budi\", \"authorChannelUrl\": "
    "\"http://www.youtube.com/@budi\", \"authorChannelId\": {\"value\": \"UCbudi\"}, "
    "\"publishedAt\": \"2026-12-01T10:00:00Z\", \"updatedAt\": \"2026-12-02T10:00:00Z\"}}, "
    "\"totalReplyCount\": 2}, \"replies\": {\"comments\": ["
    "{\"id\": \"UgA.2\", \"snippet\": {\"textDisplay\": \"kami cek\", \"authorDisplayName\": "
    "\"Acme\", \"authorChannelUrl\": \"http://www.youtube.com/channel/UCbrand\", "
    "\"authorChannelId\": {\"value\": \"UCbrand\"}, \"parentId\": \"UgA\", \"publishedAt\": "
    "\"2026-12-01T10:05:00Z\"}},"
    "{\"id\": \"UgA.1\", \"snippet\": {\"textOriginal\": \"sama\", \"authorDisplayName\": "
    "\"@sari\", \"parentId\": \"UgA\", \"publishedAt\": \"2026-12-01T10:01:00Z\"}}]}},"
    "{\"kind\": \"youtube#commentThread\", \"id\": \"UgB\", \"snippet\": {\"videoId\": \"v2\", "
    "\"topLevelComment\": {\"id\": \"UgB\", \"snippet\": {\"textOriginal\": \"\", "
    "\"publishedAt\": \"2026-12-01T09:00:00Z\"}}}}]}";

static const char *
mstr(json_t *e, const char *a, const char *b)
{
	json_t *m = json_object_get(e, "mention"), *v = json_object_get(m, a);

	if (b)
		v = json_object_get(v, b);
	return json_string_value(v);
}

START_TEST(parse)
{
	char err[256], *next;
	const char *why;
	size_t bad;
	json_t *v = source_youtube_parse(answer, strlen(answer), "youtube:UCbrand", &next, &bad,
	                                 &why, err, sizeof(err));
	json_t *e;

	ck_assert_msg(v != NULL, "%s", err);
	ck_assert_uint_eq(json_array_size(v), 3);
	ck_assert_str_eq(next, "QURTSl9p");
	free(next);
	/* the thread whose only comment has no text is left out, and said */
	ck_assert_uint_eq(bad, 1);
	ck_assert_str_eq(why, "a comment has no text");
	/* the top-level comment first */
	e = json_array_get(v, 0);
	ck_assert_str_eq(mstr(e, "id", NULL), "youtube:UgA");
	ck_assert_str_eq(mstr(e, "text", NULL), "login gagal");
	ck_assert_str_eq(mstr(e, "url", NULL),
	                 "https://www.youtube.com/watch?v=vid_-123456&lc=UgA");
	ck_assert_str_eq(mstr(e, "created_at", NULL), "2026-12-01T10:00:00Z");
	ck_assert_str_eq(mstr(e, "author", "handle"), "@budi");
	ck_assert_str_eq(mstr(e, "account", NULL), "youtube:UCbrand");
	ck_assert_ptr_null(mstr(e, "reply_to", NULL));
	ck_assert_str_eq(json_string_value(json_object_get(e, "author_channel")), "UCbudi");
	ck_assert(json_is_false(json_object_get(e, "last")));
	/* the replies oldest first (the API lists them newest first), the thread's time each */
	e = json_array_get(v, 1);
	ck_assert_str_eq(mstr(e, "id", NULL), "youtube:UgA.1");
	ck_assert_str_eq(mstr(e, "reply_to", NULL), "youtube:UgA");
	ck_assert_ptr_null(json_object_get(e, "author_channel"));
	ck_assert_int_eq(json_integer_value(json_object_get(e, "thread_ms")), 1796119200000LL);
	ck_assert_str_eq(json_string_value(json_object_get(e, "thread")), "youtube:UgA");
	e = json_array_get(v, 2);
	ck_assert_str_eq(mstr(e, "id", NULL), "youtube:UgA.2");
	/* no textOriginal: textDisplay; no @handle: the channel URL is the handle */
	ck_assert_str_eq(mstr(e, "text", NULL), "kami cek");
	ck_assert_str_eq(mstr(e, "author", "handle"), "http://www.youtube.com/channel/UCbrand");
	ck_assert_str_eq(mstr(e, "author", "name"), "Acme");
	ck_assert(json_is_true(json_object_get(e, "last")));
	json_decref(v);
}
END_TEST

START_TEST(parse_bad)
{
	static const char other[] = "{\"kind\": \"youtube#videoListResponse\", \"items\": []}";
	char err[256], *next;
	const char *why;
	size_t bad;

	ck_assert_ptr_null(
	    source_youtube_parse("{\"items\": [", 11, "a", &next, &bad, &why, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "the answer is not JSON"));

	ck_assert_ptr_null(
	    source_youtube_parse(other, strlen(other), "a", &next, &bad, &why, err, sizeof(err)));
	ck_assert_str_eq(err, "the answer is not a youtube#commentThreadListResponse with items");
	ck_assert_ptr_null(
	    source_youtube_parse("\"\xff\"", 3, "a", &next, &bad, &why, err, sizeof(err)));
	ck_assert_str_eq(err, "the answer is not valid UTF-8 (at byte 1)");
	ck_assert_ptr_null(next);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("source_youtube");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, next_reset);
	tcase_add_test(tc, interval);
	tcase_add_test(tc, parse);
	tcase_add_test(tc, parse_bad);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
