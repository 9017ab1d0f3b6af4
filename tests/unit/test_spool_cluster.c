/*
 * What several daemons on one spool share (spool.h): on SQLite one
 * daemon, every lock its own and nothing to hear; on PostgreSQL named
 * locks held by one session at a time and gone with it, notifications
 * delivered at the commit of the batch that sent them, kept when they
 * arrive during another statement, listened to again after a reconnect,
 * and the daemons' heartbeats.
 */
#include "config.h"

#include <dirent.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/spool.h"
#include "spool_test.h"
#include "unit.h"

static char dir[64];
static char path[256];
static char err[512];
static struct spool *sp, *sp2;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/keluh-cluster.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	spool_test_path(path, sizeof(path), dir);
	sp = spool_open(path, 0, err, sizeof(err));
	ck_assert_msg(sp != NULL, "open: %s", err);
}

static void
teardown(void)
{
	spool_close(sp2);
	spool_close(sp);
	sp = sp2 = NULL;
	spool_test_rmdir(dir);
}

/* A second daemon on the same database. */
static struct spool *
other(void)
{
	struct spool *s = spool_open(path, 0, err, sizeof(err));

	ck_assert_msg(s != NULL, "open: %s", err);
	return s;
}

struct heard {
	int n;
	char channel[64], payload[64];
};

static void
hear(void *arg, const char *channel, const char *payload)
{
	struct heard *h = arg;

	h->n++;
	snprintf(h->channel, sizeof(h->channel), "%s", channel);
	snprintf(h->payload, sizeof(h->payload), "%s", payload);
}

/* Waits up to ms for the descriptor, then reads: how many were heard. */
static int
wait_heard(struct spool *s, int ms, struct heard *h)
{
	struct pollfd p = {.fd = spool_notify_fd(s), .events = POLLIN};

	ck_assert_int_ge(p.fd, 0);
	if (poll(&p, 1, ms) < 0)
		return -1;
	ck_assert_int_ge(spool_notifications(s, hear, h), 0);
	return h->n;
}

/* A session that ends frees its locks once its server process is gone: soon, not at once. */
static int
lock_within(struct spool *s, const char *name, int ms)
{
	int r;

	while ((r = spool_try_lock(s, name)) == 0 && ms > 0) {
		usleep(20000);
		ms -= 20;
	}
	return r;
}

static int told;

static void
on_notify(void *arg)
{
	told++;
}

START_TEST(test_one_daemon)
{
	struct heard h = {0};

	ck_assert_int_eq(spool_shared(sp), 0);
	ck_assert_int_eq(spool_try_lock(sp, "leader"), 1);
	ck_assert_int_eq(spool_try_lock(sp, "leader"), 1);
	ck_assert_int_eq(spool_unlock(sp, "leader"), 0);
	ck_assert_uint_eq(spool_session(sp), spool_session(sp));
	ck_assert_int_eq(spool_listen(sp, "keluh_due"), 0);
	ck_assert_int_eq(spool_notify(sp, "keluh_due", "hook"), 0);
	ck_assert_int_eq(spool_notify_fd(sp), -1);
	ck_assert_int_eq(spool_notifications(sp, hear, &h), 0);
	ck_assert_int_eq(h.n, 0);
	ck_assert_int_eq(spool_set_instance(sp, "h:1:2"), 0);
	ck_assert_int_eq(spool_daemons(sp, NULL, NULL), 0);
}
END_TEST

START_TEST(test_pg_locks)
{
	uint64_t s1;

	ck_assert_int_eq(spool_shared(sp), 1);
	sp2 = other();
	ck_assert_int_eq(spool_try_lock(sp, "source:feed"), 1);
	ck_assert_int_eq(spool_try_lock(sp2, "source:feed"), 0);
	/* held already: still 1, and one unlock gives it up */
	ck_assert_int_eq(spool_try_lock(sp, "source:feed"), 1);
	ck_assert_int_eq(spool_try_lock(sp2, "leader"), 1);
	ck_assert_int_eq(spool_try_lock(sp, "leader"), 0);
	ck_assert_int_eq(spool_unlock(sp, "source:feed"), 0);
	ck_assert_int_eq(spool_try_lock(sp2, "source:feed"), 1);
	ck_assert_int_eq(spool_try_lock(sp, "source:feed"), 0);
	/* in a batch too: the lock is the session's, a commit keeps it */
	ck_assert_int_eq(spool_begin(sp), 0);
	ck_assert_int_eq(spool_try_lock(sp, "source:other"), 1);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_try_lock(sp2, "source:other"), 0);
	/* the holder's session ends: the lock is free */
	spool_close(sp2);
	sp2 = NULL;
	ck_assert_int_eq(lock_within(sp, "leader", 5000), 1);
	ck_assert_int_eq(lock_within(sp, "source:feed", 5000), 1);
	/* a session lost: a new one, which holds nothing */
	s1 = spool_session(sp);
	spool_test_pg_exec(path, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
	                         "WHERE application_name = 'keluhd'");
	sp2 = other();
	ck_assert_int_eq(lock_within(sp2, "leader", 5000), 1);
	/* the statement that finds the session lost fails; the next opens a new one */
	ck_assert_int_eq(spool_counts(sp, NULL, &(struct spool_counts){0}), -1);
	ck_assert_int_eq(spool_try_lock(sp, "leader"), 0);
	ck_assert_uint_ne(spool_session(sp), s1);
	ck_assert_int_eq(lock_within(sp, "source:feed", 5000), 1);
}
END_TEST

START_TEST(test_pg_notify)
{
	struct heard h = {0};

	sp2 = other();
	ck_assert_int_eq(spool_listen(sp, "keluh_due"), 0);
	ck_assert_int_eq(spool_listen(sp, "bad channel"), -1);
	ck_assert_msg(strstr(spool_error(sp), "a-z, 0-9 and _"), "%s", spool_error(sp));
	/* sent in a batch: heard at its commit, not before */
	ck_assert_int_eq(spool_begin(sp2), 0);
	ck_assert_int_eq(spool_notify(sp2, "keluh_due", "hook"), 0);
	ck_assert_int_eq(wait_heard(sp, 200, &h), 0);
	ck_assert_int_eq(spool_commit(sp2), 0);
	ck_assert_int_eq(wait_heard(sp, 5000, &h), 1);
	ck_assert_str_eq(h.channel, "keluh_due");
	ck_assert_str_eq(h.payload, "hook");
	/* not listened to: never heard */
	ck_assert_int_eq(spool_notify(sp2, "keluh_cases", "42"), 0);
	ck_assert_int_eq(wait_heard(sp, 200, &h), 1);
	/* one that arrives while a statement waits is kept, and the hook told */
	spool_on_notify(sp, on_notify, NULL);
	told = 0;
	ck_assert_int_eq(spool_notify(sp2, "keluh_due", "slack"), 0);
	usleep(100000);
	ck_assert_msg(spool_cursor_get(sp, "nothing") == NULL, "%s", spool_error(sp));
	ck_assert_int_eq(told, 1);
	ck_assert_int_eq(spool_notifications(sp, hear, &h), 1);
	ck_assert_str_eq(h.payload, "slack");
	ck_assert_uint_eq(spool_notify_dropped(sp), 0);
	/* a new session listens again by itself */
	spool_test_pg_exec(path, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
	                         "WHERE application_name = 'keluhd'");
	ck_assert_int_eq(spool_counts(sp, NULL, &(struct spool_counts){0}), -1);
	ck_assert_int_eq(spool_counts(sp, NULL, &(struct spool_counts){0}), 0);
	spool_close(sp2);
	sp2 = other();
	ck_assert_int_eq(spool_notify(sp2, "keluh_due", "again"), 0);
	h.n = 0;
	ck_assert_int_eq(wait_heard(sp, 5000, &h), 1);
	ck_assert_str_eq(h.payload, "again");
}
END_TEST

struct daemons {
	int n;
	struct spool_daemon last;
	char sources[64];
};

static void
daemon_cb(void *arg, const struct spool_daemon *d)
{
	struct daemons *v = arg;

	v->n++;
	v->last = *d;
	snprintf(v->sources, sizeof(v->sources), "%s", d->sources);
	v->last.instance = v->last.name = v->last.host = v->last.version = NULL;
	v->last.listen = v->last.sources = NULL;
}

START_TEST(test_pg_heartbeats)
{
	struct spool_daemon d = {"keluh-a:7:1000",
	                         "keluh-a",
	                         "db1",
	                         "0.1.0",
	                         NULL,
	                         "[\"feed\",\"x\"]",
	                         7,
	                         1000,
	                         0,
	                         0,
	                         1};
	struct daemons v = {0};

	ck_assert_int_eq(spool_daemon_beat(sp, &d), 0);
	ck_assert_int_eq(spool_daemon_beat(sp, &d), 0);
	ck_assert_int_eq(spool_daemons(sp, daemon_cb, &v), 1);
	ck_assert_int_eq(v.n, 1);
	ck_assert_int_eq(v.last.pid, 7);
	ck_assert_int_eq(v.last.leader, 1);
	ck_assert_str_eq(v.sources, "[\"feed\",\"x\"]");
	ck_assert_int_lt(v.last.seen_ago_ms, 5000);
	ck_assert_int_ge(v.last.seen_ago_ms, 0);
	/* seen long ago: its age is the database's */
	spool_test_pg_exec(path, "UPDATE keluh_daemons SET seen_ms = seen_ms - 60000");
	v.n = 0;
	ck_assert_int_eq(spool_daemons(sp, daemon_cb, &v), 1);
	ck_assert_int_ge(v.last.seen_ago_ms, 60000);
	ck_assert_int_eq(spool_daemon_gone(sp, "keluh-a:7:1000"), 0);
	v.n = 0;
	ck_assert_int_eq(spool_daemons(sp, daemon_cb, &v), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cluster");
	TCase *tc = tcase_create("cluster");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	SPOOL_TEST_SQLITE_ONLY(tc, test_one_daemon, "PostgreSQL is shared (test_pg_locks)");
	SPOOL_TEST_PG_ONLY(tc, test_pg_locks);
	SPOOL_TEST_PG_ONLY(tc, test_pg_notify);
	SPOOL_TEST_PG_ONLY(tc, test_pg_heartbeats);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
