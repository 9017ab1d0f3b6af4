#include "config.h"

#include <check.h>

#include "daemon/deliver.h"
#include "unit.h"

/* The cap of a retry's full-jitter delay: 1 s, doubling per attempt, at most 5 min. */
START_TEST(backoff_cap)
{
	ck_assert_int_eq(deliver_backoff_cap(1), 1000);
	ck_assert_int_eq(deliver_backoff_cap(2), 2000);
	ck_assert_int_eq(deliver_backoff_cap(3), 4000);
	ck_assert_int_eq(deliver_backoff_cap(9), 256000);
	ck_assert_int_eq(deliver_backoff_cap(10), 300000);
	ck_assert_int_eq(deliver_backoff_cap(1000), 300000);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("deliver");
	TCase *tc = tcase_create("deliver");

	tcase_add_test(tc, backoff_cap);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
