/*
 * unit.h: what every Check-based unit test shares.
 *
 * Results go to stdout as TAP, which automake's tap-driver reads, so a
 * failing test case is named in the test log instead of only failing the
 * whole program.
 */
#ifndef KELUH_UNIT_H
#define KELUH_UNIT_H

#include <check.h>
#include <stdlib.h>

/* Runs s (and frees it); EXIT_SUCCESS iff no test failed. */
static inline int
unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
