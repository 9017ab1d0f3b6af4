/*
 * The order of a loop pass's flush point (daemon/pass.h), with a fake
 * store and fake answers and kicks that write what happens into one log:
 * no 202 before the commit that holds the request is durable, no kick
 * before that either, a failed commit acknowledges nothing, and a pass
 * that writes nothing still answers what became durable meanwhile.
 */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "daemon/pass.h"
#include "lib/metrics.h"
#include "unit.h"

struct fake {
	int in_txn, fail_commit, fail_sync, sync_err;
	uint64_t seq, durable;
	int begins, schedules, recovered;
	char log[1024];
};

static struct fake F;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
note(const char *fmt, ...)
{
	size_t n = strlen(F.log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(F.log + n, sizeof(F.log) - n, fmt, ap);
	va_end(ap);
}

static int
f_begin(void *arg)
{
	F.in_txn = 1;
	F.begins++;
	return 0;
}

static int
f_in_txn(void *arg)
{
	return F.in_txn;
}

static int
f_commit(void *arg)
{
	F.in_txn = 0;
	if (F.fail_commit) {
		note("commit-failed ");
		return -1;
	}
	F.seq++;
	note("commit%llu ", (unsigned long long)F.seq);
	return 0;
}

static int
f_sync_request(void *arg)
{
	note("sync-request ");
	return 0;
}

static int
f_sync_now(void *arg)
{
	if (F.fail_sync) {
		note("sync-failed ");
		return -1;
	}
	F.durable = F.seq;
	note("durable%llu ", (unsigned long long)F.durable);
	return 0;
}

static uint64_t
f_seq(void *arg)
{
	return F.seq;
}

static uint64_t
f_synced(void *arg, int *err)
{
	*err = F.sync_err;
	F.sync_err = 0;
	return F.durable;
}

static const char *
f_error(void *arg)
{
	return "the fake disk said no";
}

/* The background sync finished: what is committed is on the disk. */
static void
disk_catches_up(void)
{
	F.durable = F.seq;
	note("durable%llu ", (unsigned long long)F.durable);
}

struct req {
	struct pass_wait pw;
	int id;
	uint64_t durable_then; /* what was on the disk when it was answered */
	int answer;            /* 0: not yet; 202 or 503 */
};

static void
h_schedule(void *arg)
{
	F.schedules++;
}

static void
h_answer(void *arg, struct pass_wait *w, int ok)
{
	struct req *r = (struct req *)w;

	r->answer = ok ? 202 : 503;
	r->durable_then = F.durable;
	note("%d#%d ", r->answer, r->id);
}

static void
h_kick(void *arg, size_t receiver)
{
	note("kick%zu ", receiver);
}

static void
h_recovered(void *arg)
{
	F.recovered++;
	note("recovered ");
}

static struct pass *
new_pass(int deferred)
{
	struct pass_store st = {f_begin, f_in_txn, f_commit, f_sync_request, f_sync_now,
	                        f_seq,   f_synced, f_error,  NULL,           deferred};
	struct pass_hooks h = {h_schedule, NULL, h_answer, h_kick, h_recovered, NULL};

	memset(&F, 0, sizeof(F));
	metrics_init();
	return pass_new(&st, NULL, &h, 4);
}

/* One request that wrote nothing (all duplicates, or no complaint). */
static void
wait_only(struct pass *p, struct req *r, int id, int failed)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	pass_wait(p, &r->pw, failed);
}

/* One request that wrote (a complaint for receiver 2) in this pass. */
static void
write_and_wait(struct pass *p, struct req *r, int id)
{
	size_t recv = 2;

	ck_assert_int_eq(pass_open(p), 0);
	wait_only(p, r, id, 0);
	pass_alerted(p, &recv, 1);
}

START_TEST(deferred_answers_after_the_sync)
{
	struct pass *p = new_pass(1);
	struct req r;

	write_and_wait(p, &r, 1);
	pass_end(p, 0);
	/* committed, not on the disk yet: no 202 and no kick */
	ck_assert_str_eq(F.log, "commit1 sync-request ");
	ck_assert_int_eq(r.answer, 0);
	ck_assert_uint_eq(pass_waiting(p), 1);
	disk_catches_up();
	pass_synced(p);
	ck_assert_str_eq(F.log, "commit1 sync-request durable1 202#1 kick2 ");
	ck_assert_uint_ge(r.durable_then, 1);
	ck_assert_uint_eq(pass_waiting(p), 0);
	/* the kick went: a later durable sync kicks nothing again */
	pass_synced(p);
	ck_assert_str_eq(F.log, "commit1 sync-request durable1 202#1 kick2 ");
	pass_free(p);
}
END_TEST

START_TEST(sync_reports_only_what_is_durable)
{
	struct pass *p = new_pass(1);
	struct req a, b;

	write_and_wait(p, &a, 1);
	pass_end(p, 0);
	write_and_wait(p, &b, 2);
	pass_end(p, 0);
	/* the sync of the first commit finishes while the second is on its way */
	F.durable = 1;
	pass_synced(p);
	ck_assert_int_eq(a.answer, 202);
	ck_assert_int_eq(b.answer, 0);
	disk_catches_up();
	pass_synced(p);
	ck_assert_int_eq(b.answer, 202);
	ck_assert_uint_eq(b.durable_then, 2);
	pass_free(p);
}
END_TEST

START_TEST(immediate_commit_is_durable_when_it_returns)
{
	struct pass *p = new_pass(0);
	struct req r;

	write_and_wait(p, &r, 1);
	ck_assert_int_eq(F.schedules, 2);
	pass_end(p, 0);
	F.durable = F.seq;
	ck_assert_str_eq(F.log, "commit1 202#1 kick2 ");
	pass_free(p);
}
END_TEST

START_TEST(wait_makes_the_batch_durable_before_it_returns)
{
	struct pass *p = new_pass(1);
	struct req r;

	write_and_wait(p, &r, 1);
	pass_end(p, 1);
	ck_assert_str_eq(F.log, "commit1 durable1 202#1 kick2 ");
	ck_assert_uint_eq(pass_waiting(p), 0);
	pass_free(p);
}
END_TEST

/* The past bug: a request of only duplicates waited for a sync that nobody asked for. */
START_TEST(a_pass_that_writes_nothing_answers_what_is_durable)
{
	struct pass *p = new_pass(1);
	struct req a, b, c;

	write_and_wait(p, &a, 1);
	pass_end(p, 0);
	/* the disk has it, but the sync's report has not come yet */
	disk_catches_up();
	wait_only(p, &b, 2, 0); /* all duplicates: nothing written */
	pass_end(p, 0);
	ck_assert_int_eq(a.answer, 202);
	ck_assert_int_eq(b.answer, 202);
	ck_assert_str_eq(F.log, "commit1 sync-request durable1 sync-request 202#2 202#1 kick2 ");
	/* and one that writes nothing while the last commit is not durable waits for it */
	write_and_wait(p, &a, 3);
	pass_end(p, 0);
	wait_only(p, &c, 4, 0);
	pass_end(p, 0);
	ck_assert_int_eq(c.answer, 0);
	disk_catches_up();
	pass_synced(p);
	ck_assert_int_eq(c.answer, 202);
	ck_assert_uint_eq(c.durable_then, 2);
	pass_free(p);
}
END_TEST

START_TEST(failed_commit_acknowledges_nothing)
{
	struct pass *p = new_pass(1);
	struct req r, s;

	write_and_wait(p, &r, 1);
	F.fail_commit = 1;
	pass_end(p, 0);
	ck_assert_int_eq(r.answer, 503);
	ck_assert_ptr_eq(strstr(F.log, "202"), NULL);
	ck_assert_int_eq(pass_broken(p), 1);
	ck_assert_uint_eq(pass_waiting(p), 0);
	ck_assert_double_eq(metrics_get("keluh_spool_errors_total", NULL), 1);
	/* the spool works again once a later commit is durable */
	F.fail_commit = 0;
	F.log[0] = '\0';
	write_and_wait(p, &s, 2);
	pass_end(p, 0);
	ck_assert_int_eq(pass_broken(p), 1);
	ck_assert_int_eq(F.recovered, 0);
	disk_catches_up();
	pass_synced(p);
	ck_assert_int_eq(pass_broken(p), 0);
	ck_assert_int_eq(F.recovered, 1);
	ck_assert_int_eq(s.answer, 202);
	pass_free(p);
}
END_TEST

START_TEST(failed_sync_answers_503)
{
	struct pass *p = new_pass(1);
	struct req r;

	write_and_wait(p, &r, 1);
	pass_end(p, 0);
	F.sync_err = 5;
	pass_synced(p);
	ck_assert_int_eq(r.answer, 503);
	ck_assert_ptr_eq(strstr(F.log, "kick"), NULL);
	ck_assert_int_eq(pass_broken(p), 1);
	pass_free(p);
}
END_TEST

START_TEST(failed_writes_of_one_request)
{
	struct pass *p = new_pass(0);
	struct req a, b;

	write_and_wait(p, &a, 1);
	wait_only(p, &b, 2, 1); /* ingest could not record one of its complaints */
	pass_end(p, 0);
	ck_assert_int_eq(a.answer, 202);
	ck_assert_int_eq(b.answer, 503);
	ck_assert_int_eq(pass_broken(p), 0);
	pass_free(p);
}
END_TEST

START_TEST(open_schedules_once_and_cancel_forgets)
{
	struct pass *p = new_pass(1);
	struct req r;

	ck_assert_int_eq(pass_open(p), 0);
	ck_assert_int_eq(pass_open(p), 0);
	ck_assert_int_eq(F.begins, 1);
	ck_assert_int_eq(F.schedules, 1);
	memset(&r, 0, sizeof(r));
	pass_wait(p, &r.pw, 0);
	ck_assert_int_eq(F.schedules, 2);
	pass_cancel(p, &r.pw);
	ck_assert_uint_eq(pass_waiting(p), 0);
	pass_end(p, 1);
	ck_assert_int_eq(r.answer, 0);
	pass_free(p);
}
END_TEST

START_TEST(kicks_are_bounded_and_reset_on_reload)
{
	struct pass *p = new_pass(0);
	size_t recv[] = {1, 1, 3, 0, 2, 3};

	pass_alerted(p, recv, 6);
	pass_set_receivers(p, 2);
	pass_alerted(p, recv, 6); /* two receivers now: the first two distinct */
	pass_end(p, 0);
	ck_assert_str_eq(F.log, "kick1 kick3 ");
	pass_free(p);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pass");
	TCase *tc = tcase_create("order");

	tcase_add_test(tc, deferred_answers_after_the_sync);
	tcase_add_test(tc, sync_reports_only_what_is_durable);
	tcase_add_test(tc, immediate_commit_is_durable_when_it_returns);
	tcase_add_test(tc, wait_makes_the_batch_durable_before_it_returns);
	tcase_add_test(tc, a_pass_that_writes_nothing_answers_what_is_durable);
	tcase_add_test(tc, failed_commit_acknowledges_nothing);
	tcase_add_test(tc, failed_sync_answers_503);
	tcase_add_test(tc, failed_writes_of_one_request);
	tcase_add_test(tc, open_schedules_once_and_cancel_forgets);
	tcase_add_test(tc, kicks_are_bounded_and_reset_on_reload);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
