/*
 * Brand accounts compared the way each platform compares names: Mastodon
 * accts with or without their domain (a missing one is the instance read),
 * X usernames and Reddit users whatever their case; and the handles
 * keluhd.yaml may hold.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>

#include "sources/source_brand.h"
#include "unit.h"

#define M SOURCE_PLATFORM_MASTODON
#define X SOURCE_PLATFORM_X
#define R SOURCE_PLATFORM_REDDIT

START_TEST(mastodon)
{
	/* an account of the instance read: acct has no domain there, elsewhere it has one */
	ck_assert(source_brand_is(M, "@dompetku_care", "dompetku_care", "m.example"));
	ck_assert(source_brand_is(M, "@DompetKu_Care", "dompetku_care", "m.example"));
	ck_assert(source_brand_is(M, "@dompetku_care", "dompetku_care@M.Example", "m.example"));
	ck_assert(!source_brand_is(M, "@dompetku_care", "dompetku_care@evil.example", "m.example"));
	/* with its domain: the account wherever the timeline is read */
	ck_assert(source_brand_is(M, "@care@m.example", "care@m.example", "other.example"));
	ck_assert(source_brand_is(M, "@care@m.example", "Care", "M.EXAMPLE"));
	ck_assert(source_brand_is(M, "care@m.example", "@care@m.example", NULL));
	ck_assert(!source_brand_is(M, "@care@m.example", "care", "other.example"));
	ck_assert(!source_brand_is(M, "@care@m.example", "care@other.example", "m.example"));
	ck_assert(!source_brand_is(M, "@care", "carex", "m.example"));
	ck_assert(!source_brand_is(M, "@care", "car", "m.example"));
	ck_assert(!source_brand_is(M, "@care", "", "m.example"));
	ck_assert(!source_brand_is(M, "@care", NULL, "m.example"));
	/* the instance unknown: only two accts without a domain are one */
	ck_assert(source_brand_is(M, "@care", "care", NULL));
	ck_assert(!source_brand_is(M, "@care", "care@m.example", NULL));
}
END_TEST

START_TEST(x)
{
	ck_assert(source_brand_is(X, "@DompetKu_Care", "dompetku_care", NULL));
	ck_assert(source_brand_is(X, "dompetku_care", "DOMPETKU_CARE", NULL));
	ck_assert(source_brand_is(X, "@dk", "@dk", NULL));
	ck_assert(!source_brand_is(X, "@dk", "dk_", NULL));
	ck_assert(!source_brand_is(X, "@dk_care", "dk", NULL));
}
END_TEST

START_TEST(reddit)
{
	ck_assert(source_brand_is(R, "u/Dompetku_Care", "dompetku_care", NULL));
	ck_assert(source_brand_is(R, "/u/dompetku_care", "Dompetku_Care", NULL));
	ck_assert(source_brand_is(R, "U/dompetku-care", "dompetku-care", NULL));
	ck_assert(source_brand_is(R, "dompetku_care", "dompetku_care", NULL));
	ck_assert(!source_brand_is(R, "u/dompetku_care", "u/dompetku_care", NULL));
	ck_assert(!source_brand_is(R, "u/dompetku_care", "dompetku_car", NULL));
}
END_TEST

START_TEST(find)
{
	char *v[] = {"@a_care", "@b_care"};
	struct source_brands b = {v, 2};

	ck_assert_ptr_eq(source_brands_find(&b, X, "B_CARE", NULL), v[1]);
	ck_assert_ptr_null(source_brands_find(&b, X, "c_care", NULL));
}
END_TEST

START_TEST(check)
{
	char err[300];

	ck_assert_int_eq(source_brand_check(X, "@dompetku_care", err, sizeof(err)), 0);
	ck_assert_int_eq(source_brand_check(X, "@a23456789012345", err, sizeof(err)), 0);
	ck_assert_int_eq(source_brand_check(X, "@a234567890123456", err, sizeof(err)), -1);
	ck_assert_int_eq(source_brand_check(X, "@dk care", err, sizeof(err)), -1);
	ck_assert_int_eq(source_brand_check(R, "u/dk-care_2", err, sizeof(err)), 0);
	ck_assert_int_eq(source_brand_check(R, "u/d", err, sizeof(err)), -1);
	ck_assert_int_eq(source_brand_check(M, "@care@mastodon.social", err, sizeof(err)), 0);
	ck_assert_int_eq(source_brand_check(M, "care", err, sizeof(err)), 0);
	ck_assert_int_eq(source_brand_check(M, "@care@", err, sizeof(err)), -1);
	ck_assert_int_eq(source_brand_check(M, "@@m.example", err, sizeof(err)), -1);
	ck_assert_int_eq(source_brand_check(M, "@care@m.example/x", err, sizeof(err)), -1);
	ck_assert_int_eq(source_brand_check(M, "@", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "brand_accounts: an empty handle; write the account as @name, like "
	                      "@dompetku_care");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("source_brand");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, mastodon);
	tcase_add_test(tc, x);
	tcase_add_test(tc, reddit);
	tcase_add_test(tc, find);
	tcase_add_test(tc, check);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
