/*
 * spool_test.h: what the spool's unit tests share to run on either
 * backend. Unset, KELUH_TEST_SPOOL leaves them on SQLite files in a temp
 * directory; set to a "postgresql:<conninfo>" path (tests/spool_pg.sh
 * sets it, on a throw-away cluster) they run on that database, emptied
 * before each test. A test that is about SQLite itself (its files, WAL,
 * raw SQL) is left out there and listed as skipped, with its reason.
 */
#ifndef KELUH_SPOOL_TEST_H
#define KELUH_SPOOL_TEST_H

#include <check.h>
#include <dirent.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The PostgreSQL spool path the tests run on, or NULL for SQLite. */
static inline const char *
spool_test_pg(void)
{
	const char *p = getenv("KELUH_TEST_SPOOL");

	return p && strncmp(p, "postgresql:", 11) == 0 ? p : NULL;
}

/* Drops every table of the test database: each test starts on an empty one. */
static inline void
spool_test_pg_empty(const char *path)
{
	PGconn *c = PQconnectdb(path + strlen("postgresql:"));
	PGresult *r;

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	r = PQexec(c, "SET client_min_messages = warning; DROP SCHEMA public CASCADE; "
	              "CREATE SCHEMA public");
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

/* One number of sql on the test database, behind the spool's back (-1 for no row). */
static inline int64_t
spool_test_pg_int(const char *path, const char *sql)
{
	PGconn *c = PQconnectdb(path + strlen("postgresql:"));
	PGresult *r;
	int64_t v = -1;

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(r));
	if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
		v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(c);
	return v;
}

/* Runs sql on the test database, behind the spool's back. */
static inline void
spool_test_pg_exec(const char *path, const char *sql)
{
	PGconn *c = PQconnectdb(path + strlen("postgresql:"));
	PGresult *r;

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
	              "%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

/* Removes a test's directory and the files in it (the spool, its WAL). */
static inline void
spool_test_rmdir(const char *dir)
{
	DIR *d;
	struct dirent *e;
	char p[512];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/*
 * The path a test's spool opens: dir/spool.db, or the PostgreSQL
 * database, emptied.
 */
static inline void
spool_test_path(char *path, size_t len, const char *dir)
{
	const char *pg = spool_test_pg();

	if (pg) {
		ck_assert_uint_lt(strlen(pg), len);
		snprintf(path, len, "%s", pg);
		spool_test_pg_empty(pg);
	} else
		snprintf(path, len, "%s/spool.db", dir);
}

/* A query of how many of the tables and indexes named (SQL strings, "'a', 'b'") exist. */
#define SPOOL_TEST_COUNT_NAMES(names)                                                              \
	(spool_test_pg() ? "SELECT count(*) FROM pg_class WHERE relname IN (" names ")"            \
	                 : "SELECT count(*) FROM sqlite_master WHERE name IN (" names ")")

/*
 * Adds a test that holds on SQLite only: on PostgreSQL it is listed as a
 * line "# SKIP name: why" that tests/spool_pg.sh reports as skipped.
 */
#define SPOOL_TEST_SQLITE_ONLY(tc, fn, why)                                                        \
	do {                                                                                       \
		if (spool_test_pg())                                                               \
			printf("# SKIP %s: %s\n", #fn, (why));                                     \
		else                                                                               \
			tcase_add_test((tc), fn);                                                  \
	} while (0)

/*
 * A test of what holds on PostgreSQL only (several daemons on one
 * database): on SQLite it is listed as "# SKIP name: why".
 */
#define SPOOL_TEST_PG_ONLY_WHY(tc, fn, why)                                                        \
	do {                                                                                       \
		if (spool_test_pg())                                                               \
			tcase_add_test((tc), fn);                                                  \
		else                                                                               \
			printf("# SKIP %s: %s\n", #fn, (why));                                     \
	} while (0)

/* Adds a test of the PostgreSQL backend only (its sessions, its schema table). */
#define SPOOL_TEST_PG_ONLY(tc, fn)                                                                 \
	do {                                                                                       \
		if (spool_test_pg())                                                               \
			tcase_add_test((tc), fn);                                                  \
	} while (0)

#endif
