/*
 * tz: local times of display.timezone against the C library's own reading
 * of the same zone files (TZ set in this test process only), over two
 * centuries: the transitions in the files, and the footer rule past the
 * last one (2037 and later in Debian's files, every year in "slim" ones).
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/tz.h"
#include "unit.h"

static const char *const zones[] = { "Asia/Jakarta", "Europe/Berlin", "America/New_York",
	"Australia/Sydney", "America/Sao_Paulo", "Asia/Kolkata", "Pacific/Chatham",
	"America/St_Johns", "UTC" };

static int
have_zones(void)
{
	return access("/usr/share/zoneinfo/Asia/Jakarta", R_OK) == 0 || getenv("TZDIR");
}

START_TEST(test_against_libc)
{
	const char *name = zones[_i];
	char err[400];
	struct tz *z;
	uint64_t seed = 88172645463325252ULL;

	if (!have_zones()) {
		printf("# SKIP tz: no zone files (install tzdata)\n");
		return;
	}
	z = tz_load(name, err, sizeof(err));
	ck_assert_msg(z != NULL, "%s: %s", name, err);
	ck_assert_str_eq(tz_name(z), name);
	setenv("TZ", name, 1);
	tzset();
	for (int i = 0; i < 20000; i++) {
		struct tm want, got;
		const char *abbr;
		int64_t t;
		time_t tt;

		/* 1902-2100, and every hour around 2026 and 2040 (after the files end) */
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		if (i < 10000)
			t = -2100000000LL + (int64_t)(seed % 6200000000ULL);
		else if (i < 15000)
			t = 1767225600LL + (int64_t)(i - 10000) * 3600 * 7 / 4;
		else
			t = 2208988800LL + (int64_t)(i - 15000) * 3600 * 7 / 4;
		tt = (time_t)t;
		localtime_r(&tt, &want);
		tz_local(z, t, &got, &abbr);
		ck_assert_msg(got.tm_year == want.tm_year && got.tm_yday == want.tm_yday &&
		    got.tm_hour == want.tm_hour && got.tm_min == want.tm_min &&
		    got.tm_sec == want.tm_sec, "%s at %lld: got %d-%03d %02d:%02d, libc %d-%03d "
		    "%02d:%02d", name, (long long)t, got.tm_year + 1900, got.tm_yday, got.tm_hour,
		    got.tm_min, want.tm_year + 1900, want.tm_yday, want.tm_hour, want.tm_min);
		ck_assert_msg(strcmp(abbr, want.tm_zone) == 0, "%s at %lld: %s, libc %s", name,
		    (long long)t, abbr, want.tm_zone);
	}
	tz_free(z);
}
END_TEST

START_TEST(test_jakarta)
{
	char err[400];
	struct tz *z;
	struct tm tm;
	const char *abbr;

	if (!have_zones()) {
		printf("# SKIP tz: no zone files (install tzdata)\n");
		return;
	}
	z = tz_load("Asia/Jakarta", err, sizeof(err));
	ck_assert_ptr_nonnull(z);
	tz_local(z, 1795342800, &tm, &abbr);	/* 2026-11-22T10:20:00Z */
	ck_assert_int_eq(tm.tm_hour, 17);
	ck_assert_int_eq(tm.tm_min, 20);
	ck_assert_str_eq(abbr, "WIB");
	tz_free(z);
	tz_local(NULL, 1795342800, &tm, &abbr);
	ck_assert_int_eq(tm.tm_hour, 10);
	ck_assert_str_eq(abbr, "UTC");
	ck_assert_str_eq(tz_name(NULL), "UTC");
}
END_TEST

START_TEST(test_bad_names)
{
	static const char *const bad[] = { "", "../../etc/passwd", "/etc/localtime",
		"Asia//Jakarta", "Asia/Jakarta ", "Asia/Jakartaa", "Asia", "-x", "zone.tab" };
	char err[400];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tz *z = tz_load(bad[i], err, sizeof(err));

		ck_assert_msg(z == NULL, "'%s' was taken as a zone", bad[i]);
		ck_assert_msg(strstr(err, "Asia/Jakarta") != NULL, "'%s': no hint in: %s", bad[i],
		    err);
	}
	tz_load("Asia/Jakartaa", err, sizeof(err));
	ck_assert_msg(strstr(err, "unknown time zone 'Asia/Jakartaa'") != NULL, "%s", err);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tz");
	TCase *tc = tcase_create("tz");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_against_libc, 0, (int)(sizeof(zones) / sizeof(zones[0])));
	tcase_add_test(tc, test_jakarta);
	tcase_add_test(tc, test_bad_names);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
