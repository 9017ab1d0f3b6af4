#include "config.h"

#include <check.h>
#include <string.h>

#include "daemon/dedup.h"
#include "lib/metrics.h"
#include "unit.h"

static uint64_t
fp(const char *s, size_t *kept)
{
	return dedup_hash_text(s, strlen(s), kept);
}

START_TEST(text_copies_match)
{
	size_t k1, k2;
	uint64_t a = fp("@acme my card was charged twice and nobody answers https://t.co/abc", &k1);
	uint64_t b =
	    fp("  @ACME  my card was charged twice\nand nobody answers https://t.co/xyz9 ", &k2);

	ck_assert_uint_eq(a, b);
	ck_assert_uint_eq(k1, k2);
	/* the link is left out, the words are counted */
	ck_assert_uint_eq(k1, strlen("@acme my card was charged twice and nobody answers"));
}
END_TEST

START_TEST(text_differs)
{
	size_t k;
	uint64_t a = fp("my card was charged twice", &k);

	ck_assert_uint_ne(a, fp("my card was charged once", &k));
	/* a word glued to a link is not a link */
	ck_assert_uint_ne(fp("see xhttps://a", &k), fp("see xhttps://b", &k));
	/* non-ASCII bytes count as they are */
	ck_assert_uint_ne(fp("caf\xc3\xa9 tutup", &k), fp("cafe tutup", &k));
	ck_assert_uint_eq(fp("", &k), fp(" \t\n", &k));
	ck_assert_uint_eq(k, 0);
	ck_assert_uint_eq(fp("https://only.example/link", &k), fp("", &k));
	ck_assert_uint_eq(k, 0);
}
END_TEST

static double
bound_hits(void)
{
	return metrics_get("keluh_bound_hits_total", "bound=\"test_dedup\"");
}

START_TEST(window_and_bound)
{
	struct dedup *d;

	metrics_init();
	d = dedup_new(3, "test_dedup", "test");

	ck_assert_int_eq(dedup_seen(d, 1, 1000, 100), 0);
	ck_assert_int_eq(dedup_seen(d, 1, 1050, 100), 1);
	ck_assert_int_eq(dedup_seen(d, 1, 1100, 100), 1);
	/* 101 ms after it was recorded it is forgotten, and recorded again */
	ck_assert_int_eq(dedup_seen(d, 1, 1101, 100), 0);
	ck_assert_int_eq(dedup_seen(d, 1, 1150, 100), 1);
	/* full: the oldest goes first, counted as a bound hit */
	ck_assert_int_eq(dedup_seen(d, 2, 1151, 100), 0);
	ck_assert_int_eq(dedup_seen(d, 3, 1152, 100), 0);
	ck_assert_double_eq(bound_hits(), 0);
	ck_assert_int_eq(dedup_seen(d, 4, 1153, 100), 0);
	ck_assert_double_eq(bound_hits(), 1);
	ck_assert_int_eq(dedup_seen(d, 1, 1154, 100), 0);
	ck_assert_double_eq(bound_hits(), 2);
	ck_assert_int_eq(dedup_seen(d, 3, 1155, 100), 1);
	ck_assert_int_eq(dedup_seen(d, 4, 1156, 100), 1);
	/* colliding chains: many keys in one bucket */
	dedup_free(d);
	d = dedup_new(64, "test_dedup", "test");
	for (uint64_t h = 0; h < 64; h++)
		ck_assert_int_eq(dedup_seen(d, h * 129, 0, 1000), 0);
	for (uint64_t h = 0; h < 64; h++)
		ck_assert_int_eq(dedup_seen(d, h * 129, 1, 1000), 1);
	ck_assert_int_eq(dedup_seen(d, 5, 2, 1000), 0);
	ck_assert_int_eq(dedup_seen(d, 0, 3, 1000), 0);
	/* 64 keys in a table of 64, plus two: two more bound hits */
	ck_assert_double_eq(bound_hits(), 4);
	dedup_free(d);
	metrics_free();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dedup");
	TCase *tc = tcase_create("dedup");

	tcase_add_test(tc, text_copies_match);
	tcase_add_test(tc, text_differs);
	tcase_add_test(tc, window_and_bound);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
