#include "config.h"

#include <check.h>
#include <stdint.h>

#include "unit.h"
#include "lib/util.h"

/* 1994-11-06T08:49:37Z, the date RFC 9110 writes in its three forms. */
#define T1994_MS 784111777000LL

/* Retry-After as seconds: what both the deliveries and the sources read. */
START_TEST(retry_after_seconds)
{
	int64_t ms = -7, now = T1994_MS;

	ck_assert_int_eq(util_retry_after_ms("120", now, &ms), 0);
	ck_assert_int_eq(ms, 120000);
	/* white space around the number, as a header line may carry it */
	ck_assert_int_eq(util_retry_after_ms("120 ", now, &ms), 0);
	ck_assert_int_eq(ms, 120000);
	ck_assert_int_eq(util_retry_after_ms(" 120", now, &ms), 0);
	ck_assert_int_eq(ms, 120000);
	ck_assert_int_eq(util_retry_after_ms(" \t5\r\n", now, &ms), 0);
	ck_assert_int_eq(ms, 5000);
	ck_assert_int_eq(util_retry_after_ms("0", now, &ms), 0);
	ck_assert_int_eq(ms, 0);
	/* huge: capped at a day, however many digits */
	ck_assert_int_eq(util_retry_after_ms("86401", now, &ms), 0);
	ck_assert_int_eq(ms, UTIL_RETRY_AFTER_MAX_MS);
	ck_assert_int_eq(util_retry_after_ms("99999999999999999999999999999999", now, &ms), 0);
	ck_assert_int_eq(ms, UTIL_RETRY_AFTER_MAX_MS);
	ck_assert_int_eq(util_retry_after_ms("86400", now, &ms), 0);
	ck_assert_int_eq(ms, UTIL_RETRY_AFTER_MAX_MS);
}
END_TEST

/* Retry-After as an HTTP-date: the time left until it, in any of the three forms. */
START_TEST(retry_after_date)
{
	int64_t ms = -7;
	const char *const forms[] = { "Sun, 06 Nov 1994 08:49:37 GMT",
		"Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
		" Sun, 06 Nov 1994 08:49:37 GMT " };

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		/* in the future: the wait until it, to the millisecond */
		ms = -7;
		ck_assert_int_eq(util_retry_after_ms(forms[i], T1994_MS - 90500, &ms), 0);
		ck_assert_int_eq(ms, 90500);
		/* in the past, or now: no wait at all, never a negative one */
		ms = -7;
		ck_assert_int_eq(util_retry_after_ms(forms[i], T1994_MS + 3600000, &ms), 0);
		ck_assert_int_eq(ms, 0);
		ck_assert_int_eq(util_retry_after_ms(forms[i], T1994_MS, &ms), 0);
		ck_assert_int_eq(ms, 0);
		/* far ahead: capped at a day, as the seconds are */
		ck_assert_int_eq(util_retry_after_ms(forms[i], T1994_MS - 3 * 86400000LL, &ms), 0);
		ck_assert_int_eq(ms, UTIL_RETRY_AFTER_MAX_MS);
	}
}
END_TEST

/* Anything else is no Retry-After at all: -1, and *ms untouched. */
START_TEST(retry_after_garbage)
{
	const char *const bad[] = { "-5", "-0", "1.5", "12 0", "+3", "soon", "", "  ",
		"120s", "0x10", "Sun, 06 Nov 1994 08:49:37", "Sun, 32 Nov 1994 08:49:37 GMT",
		"Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
		"2026-11-22T10:02:00Z" };
	int64_t ms = -7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(util_retry_after_ms(bad[i], T1994_MS, &ms) == -1, "\"%s\"", bad[i]);
		ck_assert_int_eq(ms, -7);
	}
	ck_assert_int_eq(util_retry_after_ms(NULL, T1994_MS, &ms), -1);
	ck_assert_int_eq(ms, -7);
}
END_TEST

/* The formats the spool, the logs and the receivers write: byte for byte. */
START_TEST(time_formats)
{
	char b[80];
	int64_t t;

	util_iso8601(T1994_MS + 999, b, sizeof(b));
	ck_assert_str_eq(b, "1994-11-06T08:49:37Z");
	util_iso8601(1795341720000LL, b, sizeof(b));
	ck_assert_str_eq(b, "2026-11-22T10:02:00Z");
	util_iso8601(0, b, sizeof(b));
	ck_assert_str_eq(b, "1970-01-01T00:00:00Z");
	util_rfc5322(T1994_MS / 1000, b, sizeof(b));
	ck_assert_str_eq(b, "Sun, 6 Nov 1994 08:49:37 +0000");
	ck_assert_str_eq(util_human_ms(45999, b, sizeof(b)), "45s");
	ck_assert_str_eq(util_human_ms(17 * 60000, b, sizeof(b)), "17m");
	ck_assert_str_eq(util_human_ms(3 * 3600000 + 1800000, b, sizeof(b)), "3.5h");
	ck_assert_str_eq(util_human_wait_ms(250, b, sizeof(b)), "250ms");
	ck_assert_str_eq(util_human_wait_ms(2500, b, sizeof(b)), "2.5s");
	ck_assert_str_eq(util_human_wait_ms(180000, b, sizeof(b)), "3m");
	ck_assert_str_eq(util_human_age(45999, b, sizeof(b)), "45s");
	ck_assert_str_eq(util_human_age(187000, b, sizeof(b)), "3m07s");
	ck_assert_str_eq(util_human_age(7500000, b, sizeof(b)), "2h05m");
	ck_assert_str_eq(util_human_age(97200000, b, sizeof(b)), "1d03h");

	/* and read back */
	ck_assert_int_eq(util_rfc3339_parse("1994-11-06T08:49:37Z", &t), 0);
	ck_assert_int_eq(t, T1994_MS / 1000);
	ck_assert_int_eq(util_rfc3339_parse("1994-11-06T15:49:37.25+07:00", &t), 0);
	ck_assert_int_eq(t, T1994_MS / 1000);
	ck_assert_int_eq(util_rfc3339_parse("1994-11-06 08:49:37", &t), -1);
	ck_assert_int_eq(util_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", &t), 0);
	ck_assert_int_eq(t, T1994_MS / 1000);
}
END_TEST

START_TEST(set_add)
{
	size_t set[3], n = 0;

	n = util_set_add(set, n, 3, 7);
	n = util_set_add(set, n, 3, 7);	/* already there */
	n = util_set_add(set, n, 3, 2);
	n = util_set_add(set, n, 3, 9);
	n = util_set_add(set, n, 3, 4);	/* full: dropped */
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(set[0], 7);
	ck_assert_uint_eq(set[1], 2);
	ck_assert_uint_eq(set[2], 9);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, retry_after_seconds);
	tcase_add_test(tc, retry_after_date);
	tcase_add_test(tc, retry_after_garbage);
	tcase_add_test(tc, time_formats);
	tcase_add_test(tc, set_add);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
