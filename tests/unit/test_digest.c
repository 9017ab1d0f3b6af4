/*
 * digest: the report built from a real spool in one pass (what keluhctl
 * report prints), and the alert a digest is recorded as: the report's
 * text for chat in its one mention, its JSON under alert.report.
 */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/digest.h"
#include "lib/diag.h"
#include "lib/util.h"
#include "store/spool.h"
#include "unit.h"

#define MIN_MS 60000LL

static char dir[64], path[128], err[512];

static struct conf *
load(void)
{
	static const char text[] = "receivers:\n"
	                           "  - {name: support, type: console}\n"
	                           "routes:\n"
	                           "  - receivers: [support]\n"
	                           "sla:\n"
	                           "  normal: {ack: 5m, resolve: 1h}\n";
	char cpath[160];
	struct diag d;
	struct conf *c;
	FILE *fp;

	snprintf(cpath, sizeof(cpath), "%s/c.yaml", dir);
	fp = fopen(cpath, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	diag_init(&d);
	c = conf_load(cpath, &d);
	ck_assert_msg(c != NULL, "%s", d.n ? d.items[0].msg : "?");
	diag_free(&d);
	unlink(cpath);
	return c;
}

/* A normal case of team at `at`, acknowledged after ack_min minutes (0: not). */
static void
add_case(struct spool *sp, const char *group, const char *team, int64_t at, int ack_min)
{
	struct spool_case c;
	int64_t id = spool_case_open(sp, group, PRIO_NORMAL, team, at);

	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(spool_case_get(sp, id, &c), 1);
	c.acked_ms = ack_min ? at + ack_min * MIN_MS : 0;
	if (ack_min) {
		free(c.state);
		c.state = strdup("acknowledged");
	}
	ck_assert_int_eq(spool_case_update(sp, &c), 1);
	spool_case_free(&c);
}

static json_t *
report_json(struct spool *sp, const struct conf *c, int64_t since, int64_t until, const char *team)
{
	struct sla_report *r = digest_report(sp, c, since, until, team);
	struct buf b;
	json_t *j;

	ck_assert_ptr_nonnull(r);
	buf_init(&b);
	sla_report_json(r, &b);
	j = json_loadb(b.data, b.len, 0, NULL);
	ck_assert_ptr_nonnull(j);
	buf_free(&b);
	sla_report_free(r);
	return j;
}

START_TEST(test_report_from_spool)
{
	int64_t t0 = 1764000000000LL;
	struct conf *c;
	struct spool *sp;
	json_t *j, *g;

	snprintf(dir, sizeof(dir), "/tmp/keluh-digest.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/spool.db", dir);
	c = load();
	sp = spool_open(path, 0, err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
	ck_assert_int_eq(spool_begin(sp), 0);
	add_case(sp, "g1", "tech", t0, 2);
	add_case(sp, "g2", "tech", t0 + 1, 4);
	add_case(sp, "g3", "tech", t0 + 2, 10);
	add_case(sp, "g4", "billing", t0 + 3, 0);
	add_case(sp, "g5", "tech", t0 - 1, 1); /* before the span */
	ck_assert_int_eq(spool_commit(sp), 0);

	j = report_json(sp, c, t0, t0 + 60 * MIN_MS, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(j, "groups")), 2);
	g = json_array_get(json_object_get(j, "groups"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(g, "team")), "tech");
	ck_assert_int_eq(json_integer_value(json_object_get(g, "opened")), 3);
	/* 2, 4 and 10 minutes: median 4, p90 10, one past 5m */
	g = json_object_get(g, "ack");
	ck_assert_int_eq(json_integer_value(json_object_get(g, "median_s")), 240);
	ck_assert_int_eq(json_integer_value(json_object_get(g, "p90_s")), 600);
	ck_assert_int_eq(json_integer_value(json_object_get(g, "breaches")), 1);
	/* billing's case, never acknowledged, passed its 5m by the end of the span */
	g = json_array_get(json_object_get(j, "groups"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(g, "ack"), "breaches")),
	                 1);
	json_decref(j);

	j = report_json(sp, c, t0, t0 + 60 * MIN_MS, "billing");
	ck_assert_int_eq(json_array_size(json_object_get(j, "groups")), 1);
	json_decref(j);
	spool_close(sp);
	conf_free(c);
	for (const char *const *x = (const char *const[]){"", "-wal", "-shm", NULL}; *x; x++) {
		char p[160];

		snprintf(p, sizeof(p), "%s%s", path, *x);
		unlink(p);
	}
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_alert_json)
{
	char *s =
	    digest_alert_json("r-1", "report:daily 09:00|support|86400000|", NULL, 1764000000000LL,
	                      1764086400000LL, "Response times\nline two", "{\"groups\": []}");
	json_t *j = json_loads(s, 0, NULL), *a = json_object_get(j, "alert");

	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "type")), "keluh.alert");
	ck_assert_str_eq(json_string_value(json_object_get(a, "priority")), "low");
	ck_assert(json_is_null(json_object_get(a, "team")));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(a, "rules"), 0)),
	                 "keluh.report");
	ck_assert(json_is_array(json_object_get(json_object_get(a, "report"), "groups")));
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(a, "mentions"), 0), "text")),
	                 "Response times\nline two");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(a, "rule_info"), 0), "description")),
	                 "Response times, 2025-11-24T16:00:00Z to 2025-11-25T16:00:00Z");
	json_decref(j);
	free(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("digest");
	TCase *tc = tcase_create("digest");

	tcase_add_test(tc, test_report_from_spool);
	tcase_add_test(tc, test_alert_json);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
