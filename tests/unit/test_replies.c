/*
 * replies.c through its public API, on a real spool: a reply finds the
 * complaint it answers by mention id and goes to the callback with it; a
 * reply to no complaint is counted as unmatched and goes no further; a
 * callback that cannot record it now leaves it uncounted, for the source
 * to offer again.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/replies.h"
#include "lib/metrics.h"
#include "store/spool.h"
#include "unit.h"

static char dir[256], path[300];
static struct spool *sp;

struct seen {
	int calls, refuse;
	int64_t rowid, at_ms;
	char mention[64], group[64], brand[64];
};

static int
seen_fn(void *arg, const struct reply_record *r)
{
	struct seen *s = arg;

	s->calls++;
	if (s->refuse)
		return -1;
	ck_assert_ptr_nonnull(r->complaint);
	s->rowid = r->complaint->rowid;
	s->at_ms = r->at_ms;
	snprintf(s->mention, sizeof(s->mention), "%s", r->complaint->mention_id);
	snprintf(s->group, sizeof(s->group), "%s", r->complaint->group_key);
	snprintf(s->brand, sizeof(s->brand), "%s", r->brand);
	return 0;
}

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char err[256];

	snprintf(dir, sizeof(dir), "%s/keluh-test-replies.XXXXXX", tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/spool.db", dir);
	sp = spool_open(path, 0, err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
	metrics_init();
}

static void
teardown(void)
{
	char p[320];

	spool_close(sp);
	metrics_free();
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	unlink(path);
	rmdir(dir);
}

static struct reply_record
reply(const char *to)
{
	struct reply_record r = {"xs", to, "x:9", 1795000000000, "@dk_care", NULL};

	return r;
}

START_TEST(matched_and_unmatched)
{
	struct replies *rp = replies_new(sp);
	struct seen s;
	struct reply_record r;
	int64_t row;

	memset(&s, 0, sizeof(s));
	row = spool_add_mention(sp, "x:1", "g:login", 3, 1000, "{}");
	ck_assert_int_gt(row, 0);
	replies_set_fn(rp, seen_fn, &s);
	r = reply("x:1");
	ck_assert_int_eq(replies_take(rp, &r), 0);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_int_eq(s.rowid, row);
	ck_assert_int_eq(s.at_ms, 1795000000000);
	ck_assert_str_eq(s.mention, "x:1");
	ck_assert_str_eq(s.group, "g:login");
	ck_assert_str_eq(s.brand, "@dk_care");
	/* the caller's record is left as it was */
	ck_assert_ptr_null(r.complaint);
	r = reply("x:2");
	ck_assert_int_eq(replies_take(rp, &r), 0);
	ck_assert_int_eq(s.calls, 1);
	ck_assert(metrics_get("keluh_public_replies_total", "source=\"xs\"") == 2);
	ck_assert(metrics_get("keluh_public_replies_unmatched_total", "source=\"xs\"") == 1);
	replies_free(rp);
}
END_TEST

START_TEST(refused_is_offered_again)
{
	struct replies *rp = replies_new(sp);
	struct seen s;
	struct reply_record r = reply("x:1");

	memset(&s, 0, sizeof(s));
	ck_assert_int_gt(spool_add_mention(sp, "x:1", "g", 3, 1000, "{}"), 0);
	s.refuse = 1;
	replies_set_fn(rp, seen_fn, &s);
	ck_assert_int_eq(replies_take(rp, &r), -1);
	ck_assert(metrics_get("keluh_public_replies_total", "source=\"xs\"") == 0);
	s.refuse = 0;
	ck_assert_int_eq(replies_take(rp, &r), 0);
	ck_assert_int_eq(s.calls, 2);
	ck_assert(metrics_get("keluh_public_replies_total", "source=\"xs\"") == 1);
	/* without a callback a reply is still matched, counted and logged */
	replies_set_fn(rp, NULL, NULL);
	ck_assert_int_eq(replies_take(rp, &r), 0);
	ck_assert(metrics_get("keluh_public_replies_total", "source=\"xs\"") == 2);
	ck_assert(metrics_get("keluh_public_replies_unmatched_total", "source=\"xs\"") == 0);
	replies_free(rp);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("replies");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, matched_and_unmatched);
	tcase_add_test(tc, refused_is_offered_again);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
