#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/metrics.h"
#include "lib/util.h"
#include "sources/source_queue.h"
#include "unit.h"

/* What the source side saw. */
struct seen {
	int order[64];
	int n;      /* items taken */
	int offers; /* take calls, refused ones too */
	int refuse; /* refuse this many offers */
	int done;
	int nulls;
};

static int
take(void *arg, json_t *item, void *aux)
{
	struct seen *s = arg;

	s->offers++;
	if (s->refuse > 0) {
		s->refuse--;
		return -1;
	}
	if (item == NULL) {
		s->nulls++;
		return 0;
	}
	/* aux travels with its item */
	ck_assert_int_eq(*(int *)aux, (int)json_integer_value(item) * 10);
	s->order[s->n++] = (int)json_integer_value(item);
	return 0;
}

static void
done(void *arg)
{
	((struct seen *)arg)->done++;
}

static int *
aux_of(int v)
{
	int *a = malloc(sizeof(*a));

	*a = v * 10;
	return a;
}

START_TEST(push_and_drain_in_order)
{
	struct event_base *base = event_base_new();
	struct source_queue q;
	struct seen s;

	memset(&s, 0, sizeof(s));
	source_queue_init(&q, base, "test", 0, take, done, &s);
	ck_assert_int_eq(source_queue_busy(&q), 0);
	for (int i = 1; i <= 40; i++)
		ck_assert_int_eq(source_queue_push(&q, json_integer(i), aux_of(i)), 0);
	ck_assert_int_eq(source_queue_push(&q, NULL, NULL), 0);
	ck_assert_int_eq(source_queue_busy(&q), 1);
	ck_assert_uint_eq(source_queue_len(&q), 41);
	source_queue_drain(&q);
	ck_assert_int_eq(s.nulls, 1);
	ck_assert_int_eq(s.done, 1);
	ck_assert_int_eq(source_queue_busy(&q), 0);
	ck_assert_uint_eq(source_queue_len(&q), 0);
	/* more than the first allocation: the queue grew */
	ck_assert_int_eq(s.n, 40);
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(s.order[i], i + 1);
	/* an empty queue is done at once */
	source_queue_drain(&q);
	ck_assert_int_eq(s.done, 2);
	source_queue_free(&q);
	event_base_free(base);
}
END_TEST

START_TEST(refused_item_is_offered_again_by_the_timer)
{
	struct event_base *base = event_base_new();
	struct source_queue q;
	struct seen s;
	int64_t t0;

	memset(&s, 0, sizeof(s));
	source_queue_init(&q, base, "test", 0, take, done, &s);
	source_queue_push(&q, json_integer(1), aux_of(1));
	source_queue_push(&q, json_integer(2), aux_of(2));
	s.refuse = 2;
	source_queue_drain(&q);
	/* refused: kept first, nothing taken, not done */
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(s.offers, 1);
	ck_assert_int_eq(s.done, 0);
	ck_assert_int_eq(source_queue_busy(&q), 1);
	t0 = util_mono_ms();
	/* the timer offers it again (refused a second time), then again: taken */
	while (s.done == 0)
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
	ck_assert_int_ge(util_mono_ms() - t0, 2 * SOURCE_QUEUE_RETRY_MS - 20);
	ck_assert_int_eq(s.offers, 4);
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(s.order[0], 1);
	ck_assert_int_eq(s.order[1], 2);
	ck_assert_int_eq(s.done, 1);
	/* nothing left armed: the loop has no event */
	ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 1);
	source_queue_free(&q);
	event_base_free(base);
}
END_TEST

START_TEST(clear_and_free_drop_what_is_left)
{
	struct event_base *base = event_base_new();
	struct source_queue q;
	struct seen s;

	memset(&s, 0, sizeof(s));
	source_queue_init(&q, base, "test", 0, take, done, &s);
	source_queue_push(&q, json_integer(1), aux_of(1));
	source_queue_push(&q, json_integer(2), aux_of(2));
	s.refuse = 1;
	source_queue_drain(&q);
	/* cleared while a retry is armed: the timer is disarmed too */
	source_queue_clear(&q);
	ck_assert_int_eq(source_queue_busy(&q), 0);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(s.offers, 1);
	/* freed with items and a retry pending: nothing leaks (valgrind, ASan) */
	source_queue_push(&q, json_integer(3), aux_of(3));
	s.refuse = 1;
	source_queue_drain(&q);
	source_queue_free(&q);
	event_base_free(base);
}
END_TEST

START_TEST(bound)
{
	struct event_base *base = event_base_new();
	struct source_queue q;
	struct seen s;

	metrics_init();
	memset(&s, 0, sizeof(s));
	source_queue_init(&q, base, "test", 3, take, NULL, &s);
	for (int i = 1; i <= 3; i++)
		ck_assert_int_eq(source_queue_push(&q, json_integer(i), aux_of(i)), 0);
	ck_assert_int_eq(source_queue_push(&q, json_integer(4), aux_of(4)), -1);
	ck_assert_int_eq(source_queue_push(&q, json_integer(5), aux_of(5)), -1);
	ck_assert_double_eq(metrics_get("keluh_bound_hits_total", "bound=\"source_queue\""), 2);
	ck_assert_uint_eq(source_queue_len(&q), 3);
	source_queue_drain(&q);
	ck_assert_int_eq(s.n, 3);
	ck_assert_int_eq(s.order[2], 3);
	/* the bound is on what waits: an emptied queue takes max again */
	for (int i = 1; i <= 3; i++)
		ck_assert_int_eq(source_queue_push(&q, json_integer(i), aux_of(i)), 0);
	ck_assert_double_eq(metrics_get("keluh_bound_hits_total", "bound=\"source_queue\""), 2);
	source_queue_free(&q);
	event_base_free(base);
	metrics_free();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("source_queue");
	TCase *tc = tcase_create("source_queue");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, push_and_drain_in_order);
	tcase_add_test(tc, refused_item_is_offered_again_by_the_timer);
	tcase_add_test(tc, clear_and_free_drop_what_is_left);
	tcase_add_test(tc, bound);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
