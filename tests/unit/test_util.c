#include "config.h"

#include <check.h>
#include <stdint.h>

#include "unit.h"
#include "util.h"

/* Retry-After as seconds: what both the deliveries and the sources read. */
START_TEST(retry_after_seconds)
{
	int64_t ms = -7;

	ck_assert_int_eq(util_retry_after_seconds("120", &ms), 0);
	ck_assert_int_eq(ms, 120000);
	/* white space around the number, as a header line may carry it */
	ck_assert_int_eq(util_retry_after_seconds("120 ", &ms), 0);
	ck_assert_int_eq(ms, 120000);
	ck_assert_int_eq(util_retry_after_seconds(" \t5\r\n", &ms), 0);
	ck_assert_int_eq(ms, 5000);
	ck_assert_int_eq(util_retry_after_seconds("0", &ms), 0);
	ck_assert_int_eq(ms, 0);
	/* huge: capped at a day, however many digits */
	ck_assert_int_eq(util_retry_after_seconds("86401", &ms), 0);
	ck_assert_int_eq(ms, UTIL_RETRY_AFTER_MAX_MS);
	ck_assert_int_eq(util_retry_after_seconds("99999999999999999999999999999999", &ms), 0);
	ck_assert_int_eq(ms, UTIL_RETRY_AFTER_MAX_MS);
	ck_assert_int_eq(util_retry_after_seconds("86400", &ms), 0);
	ck_assert_int_eq(ms, UTIL_RETRY_AFTER_MAX_MS);
	/* not delay-seconds: left to the caller's date parser, *ms untouched */
	ms = -7;
	ck_assert_int_eq(util_retry_after_seconds("-5", &ms), -1);
	ck_assert_int_eq(util_retry_after_seconds("1.5", &ms), -1);
	ck_assert_int_eq(util_retry_after_seconds("12 0", &ms), -1);
	ck_assert_int_eq(util_retry_after_seconds("+3", &ms), -1);
	ck_assert_int_eq(util_retry_after_seconds("soon", &ms), -1);
	ck_assert_int_eq(util_retry_after_seconds("", &ms), -1);
	ck_assert_int_eq(util_retry_after_seconds("  ", &ms), -1);
	ck_assert_int_eq(util_retry_after_seconds(NULL, &ms), -1);
	ck_assert_int_eq(util_retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", &ms), -1);
	ck_assert_int_eq(ms, -7);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, retry_after_seconds);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
