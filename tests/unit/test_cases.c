/*
 * cases.c against a real spool file: an alert opens its group's case, the
 * next one joins it, a resolved case takes a complaint back within
 * cases.reopen_within and not after; the actions and their errors, who
 * acted (people:), the timeline, the edits owed, and the "case" object.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/cases.h"
#include "daemon/complaint.h"
#include "daemon/group.h"
#include "lib/diag.h"
#include "lib/metrics.h"
#include "store/spool.h"
#include "unit.h"

static char dir[256], path[300];
static struct spool *sp;
static struct conf *cf;
static struct cases *cs;
static char err[400];
static int nalerts;

static void
load_conf(const char *extra)
{
	char p[400];
	FILE *f;
	struct diag d;

	snprintf(p, sizeof(p), "%s/keluhd.yaml", dir);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
	        "receivers:\n"
	        "  - {name: a, type: webhook, url: \"http://127.0.0.1:9/a\"}\n"
	        "routes:\n"
	        "  - {receivers: [a]}\n"
	        "people:\n"
	        "  rina: {name: Rina, slack: U123, telegram: rina_cs}\n"
	        "  budi: {name: Budi}\n"
	        "%s",
	        extra);
	fclose(f);
	diag_init(&d);
	cf = conf_load(p, &d);
	if (cf == NULL)
		ck_abort_msg("config: %s", d.n ? d.items[0].msg : "?");
	diag_free(&d);
}

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");

	metrics_init();
	snprintf(dir, sizeof(dir), "%s/keluh-cases.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/spool.db", dir);
	sp = spool_open(path, 0, err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
	load_conf("cases: {reopen_within: 1h}\n");
	cs = cases_new(sp, cf, err, sizeof(err));
	ck_assert_msg(cs != NULL, "%s", err);
	nalerts = 0;
}

static void
teardown(void)
{
	DIR *d;
	struct dirent *e;
	char p[600];

	cases_free(cs);
	conf_free(cf);
	spool_close(sp);
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
	metrics_free();
}

/* An alert of group at time at with n complaints, tied to its case: the case id. */
static int64_t
alert(const char *group, int prio, int64_t at, int64_t n)
{
	char id[32];
	int64_t row, c;

	snprintf(id, sizeof(id), "a%d", ++nalerts);
	row = spool_add_alert(sp, id, group, prio, "cs", at, "{}", NULL, 0, NULL, NULL, 0, at);
	ck_assert_int_gt(row, 0);
	c = cases_alert(cs, group, prio, "cs", row, id, at, n);
	ck_assert_int_eq(spool_commit(sp), 0);
	return c;
}

static void
get(int64_t id, struct spool_case *c)
{
	ck_assert_int_eq(spool_case_get(sp, id, c), 1);
}

static const struct cases_actor slack_rina = {"slack", "U123", "rina.s"};
static const struct cases_actor ctl_budi = {"keluhctl", NULL, "budi"};
static const struct cases_actor tg_other = {"telegram", "someone_else", NULL};

static enum cases_rc
act(int64_t id, const char *action, const struct cases_actor *a, const char *arg, int64_t now)
{
	enum cases_rc rc = cases_act(cs, id, action, a, arg, now, err, sizeof(err));

	spool_commit(sp);
	return rc;
}

START_TEST(test_alert_opens_and_joins)
{
	struct spool_case c;
	int64_t id = alert("g1", 2, 1000, 3), other;

	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(alert("g1", 4, 2000, 2), id);
	other = alert("g2", 2, 2500, 1);
	ck_assert_int_ne(other, id);
	get(id, &c);
	ck_assert_str_eq(c.state, "open");
	ck_assert_int_eq(c.total, 5);
	ck_assert_int_eq(c.priority, 4); /* raised by the critical update */
	ck_assert_str_eq(c.team, "cs");
	spool_case_free(&c);
	ck_assert_double_eq(metrics_get("keluh_cases", "state=\"open\""), 2);
}
END_TEST

START_TEST(test_actions_and_errors)
{
	struct spool_case c;
	int64_t id = alert("g", 2, 1000, 1);

	ck_assert_int_eq(act(id, "ack", &slack_rina, NULL, 5000), CASES_CHANGED);
	/* ack twice: no change, no error */
	ck_assert_int_eq(act(id, "ack", &ctl_budi, NULL, 6000), CASES_UNCHANGED);
	get(id, &c);
	ck_assert_str_eq(c.state, "acknowledged");
	ck_assert_str_eq(c.acked_by, "Rina"); /* people: maps U123 to Rina */
	ck_assert_int_eq(c.acked_ms, 5000);
	spool_case_free(&c);
	ck_assert_double_eq(metrics_get("keluh_cases", "state=\"acknowledged\""), 1);
	ck_assert_double_eq(metrics_get("keluh_cases", "state=\"open\""), 0);

	ck_assert_int_eq(act(id, "assign", &ctl_budi, "rina", 7000), CASES_CHANGED);
	ck_assert_int_eq(act(id, "assign", &ctl_budi, "Rina", 7100), CASES_UNCHANGED);
	ck_assert_int_eq(act(id, "assign", &tg_other, "", 7200), CASES_CHANGED);
	get(id, &c);
	ck_assert_str_eq(c.assignee, "someone_else"); /* empty: the actor */
	ck_assert_str_eq(c.assigned_by, "someone_else");
	spool_case_free(&c);

	ck_assert_int_eq(act(id, "resolve", &ctl_budi, "refunded", 9000), CASES_CHANGED);
	ck_assert_int_eq(act(id, "resolve", &ctl_budi, NULL, 9100), CASES_ESTATE);
	ck_assert_msg(strstr(err, "is already resolved") != NULL, "%s", err);
	ck_assert_int_eq(act(id, "ack", &ctl_budi, NULL, 9200), CASES_ESTATE);
	ck_assert_msg(strstr(err, "is resolved: reopen it first") != NULL, "%s", err);
	get(id, &c);
	ck_assert_str_eq(c.resolved_by, "Budi");
	ck_assert_str_eq(c.note, "refunded");
	spool_case_free(&c);

	ck_assert_int_eq(act(id, "reopen", &ctl_budi, NULL, 9300), CASES_CHANGED);
	ck_assert_int_eq(act(id, "reopen", &ctl_budi, NULL, 9400), CASES_ESTATE);
	ck_assert_msg(strstr(err, "is open, not resolved") != NULL, "%s", err);
	get(id, &c);
	ck_assert_str_eq(c.state, "open");
	ck_assert_int_eq(c.reopened, 1);
	ck_assert_ptr_null(c.acked_by);
	ck_assert_ptr_null(c.note);
	spool_case_free(&c);
	ck_assert_int_eq(act(id, "not_complaint", &slack_rina, NULL, 9500), CASES_CHANGED);
	ck_assert_int_eq(act(id, "not_complaint", &slack_rina, NULL, 9600), CASES_ESTATE);
	ck_assert_msg(strstr(err, "already marked not a complaint") != NULL, "%s", err);

	ck_assert_int_eq(act(id + 40, "ack", &ctl_budi, NULL, 1), CASES_ENOCASE);
	ck_assert_msg(strstr(err, "no case #") != NULL, "%s", err);
	ck_assert_int_eq(act(id, "close", &ctl_budi, NULL, 1), CASES_EACTION);
	ck_assert_msg(strstr(err, "unknown action 'close'") != NULL, "%s", err);
	ck_assert_int_eq(act(id, "silence", &ctl_budi, NULL, 1), CASES_ENOTYET);
	ck_assert_double_eq(
	    metrics_get("keluh_case_actions_total", "action=\"ack\",platform=\"slack\""), 1);
	ck_assert_double_eq(
	    metrics_get("keluh_case_actions_total", "action=\"ack\",platform=\"keluhctl\""), 1);
}
END_TEST

struct tl {
	int n;
	char s[16][96];
};

static void
tl_cb(void *arg, const struct spool_case_event *e)
{
	struct tl *t = arg;

	if (t->n < 16)
		snprintf(t->s[t->n++], sizeof(t->s[0]), "%s %s %s", e->kind, e->platform,
		         e->actor_name ? e->actor_name : "-");
}

static void
msg_cb(void *arg, const struct spool_case_message *m)
{
	(*(int *)arg)++;
	(void)m;
}

START_TEST(test_timeline_and_edits)
{
	struct tl t = {0};
	int pending = 0;
	int64_t id = alert("g", 2, 1000, 1);

	ck_assert_int_gt(spool_case_message_add(sp, id, "a", "C1:1.1", 1100), 0);
	ck_assert_int_eq(act(id, "ack", &slack_rina, NULL, 2000), CASES_CHANGED);
	ck_assert_int_eq(spool_case_edits_pending(sp, NULL, 10, msg_cb, &pending), 1);
	/* an action that changes nothing owes no edit and writes no event */
	ck_assert_int_eq(act(id, "ack", &slack_rina, NULL, 2100), CASES_UNCHANGED);
	ck_assert_int_eq(act(id, "resolve", &ctl_budi, NULL, 3000), CASES_CHANGED);
	ck_assert_int_eq(spool_case_events(sp, id, tl_cb, &t), 0);
	ck_assert_int_eq(t.n, 4);
	ck_assert_str_eq(t.s[0], "opened keluhd -");
	ck_assert_str_eq(t.s[1], "alert keluhd -");
	ck_assert_str_eq(t.s[2], "acknowledged slack Rina");
	ck_assert_str_eq(t.s[3], "resolved keluhctl Budi");
}
END_TEST

START_TEST(test_reopen_window)
{
	struct spool_case c;
	struct tl t = {0};
	int64_t hour = 3600 * 1000LL;
	int64_t id = alert("g", 2, 1000, 1), id2;

	ck_assert_int_eq(act(id, "resolve", &ctl_budi, NULL, 2000), CASES_CHANGED);
	ck_assert_double_eq(metrics_get("keluh_cases", "state=\"open\""), 0);
	/* within the hour: the same case, reopened by keluhd */
	ck_assert_int_eq(alert("g", 2, 2000 + hour - 1, 2), id);
	get(id, &c);
	ck_assert_str_eq(c.state, "open");
	ck_assert_int_eq(c.reopened, 1);
	ck_assert_int_eq(c.total, 3);
	spool_case_free(&c);
	ck_assert_int_eq(spool_case_events(sp, id, tl_cb, &t), 0);
	ck_assert_str_eq(t.s[3], "reopened keluhd -");
	ck_assert_double_eq(metrics_get("keluh_cases", "state=\"open\""), 1);
	/* resolved again, and the next complaint an hour later: a new case */
	ck_assert_int_eq(act(id, "resolve", &ctl_budi, NULL, 10 * hour), CASES_CHANGED);
	id2 = alert("g", 2, 11 * hour, 1);
	ck_assert_int_gt(id2, id);
	get(id, &c);
	ck_assert_str_eq(c.state, "resolved");
	spool_case_free(&c);
	get(id2, &c);
	ck_assert_int_eq(c.reopened, 0);
	ck_assert_int_eq(c.total, 1);
	spool_case_free(&c);
}
END_TEST

START_TEST(test_case_json)
{
	json_t *o, *a;
	int64_t id = alert("g", 2, 1000, 4);

	ck_assert_ptr_null(cases_json(cs, id + 9, NULL, 0));
	act(id, "ack", &slack_rina, NULL, 2000);
	o = cases_json(cs, id, NULL, 3000);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "id")), id);
	ck_assert_str_eq(json_string_value(json_object_get(o, "state")), "acknowledged");
	ck_assert_str_eq(json_string_value(json_object_get(o, "acked_by")), "Rina");
	ck_assert_str_eq(json_string_value(json_object_get(o, "acked_at")), "1970-01-01T00:00:02Z");
	ck_assert(json_is_null(json_object_get(o, "resolved_at")));
	ck_assert_int_eq(json_integer_value(json_object_get(o, "total")), 4);
	ck_assert(json_is_false(json_object_get(o, "overdue")));
	a = json_object_get(o, "actions");
	/* acknowledged: no ack, no reopen, no action that is not done yet */
	ck_assert_int_eq(json_array_size(a), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(a, 0), "action")),
	                 "assign");
	ck_assert_ptr_null(json_object_get(json_array_get(a, 0), "url"));
	/* people: for a chat's "Assign to" menu, in their order */
	a = json_object_get(o, "people");
	ck_assert_uint_eq(json_array_size(a), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(a, 0), "key")), "rina");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(a, 1), "name")), "Budi");
	json_decref(o);

	o = cases_json(cs, id, "https://keluh.example/", 3000);
	a = json_object_get(o, "actions");
	ck_assert_msg(strncmp(json_string_value(json_object_get(json_array_get(a, 1), "url")),
	                      "https://keluh.example/v1/actions/link/", 38) == 0,
	              "%s", json_string_value(json_object_get(json_array_get(a, 1), "url")));
	json_decref(o);

	/* a closed case is assigned to nobody: no menu */
	act(id, "resolve", &slack_rina, NULL, 4000);
	o = cases_json(cs, id, NULL, 5000);
	ck_assert_ptr_null(json_object_get(o, "people"));
	json_decref(o);
}
END_TEST

START_TEST(test_parse_id)
{
	ck_assert_int_eq(cases_parse_id("42"), 42);
	ck_assert_int_eq(cases_parse_id("#42"), 42);
	ck_assert_int_eq(cases_parse_id("#"), -1);
	ck_assert_int_eq(cases_parse_id("0"), -1);
	ck_assert_int_eq(cases_parse_id("4x"), -1);
	ck_assert_int_eq(cases_parse_id("-3"), -1);
	ck_assert_int_eq(cases_parse_id("99999999999999999999"), -1);
}
END_TEST

/* The grouper ties each alert it records to its case. */
START_TEST(test_group_emit_ties_case)
{
	struct event_base *base = event_base_new();
	struct group_engine *ge = group_new(base, cf, sp, NULL, NULL);
	struct complaint c;
	struct spool_case k;

	group_set_cases(ge, cs);
	memset(&c, 0, sizeof(c));
	c.rule = "r";
	c.team = "ops";
	c.priority = 3;
	c.source = "tw";
	c.author = c.mention_id = "m1";
	c.at_ms = 1000;
	c.rowid = spool_add_mention(sp, "m1", "k", 3, 1000, "{}");
	c.entry = "{\"id\":\"m1\"}";
	c.entry_len = strlen(c.entry);
	c.rule_info = json_pack("[{s:s,s:s,s:i}]", "id", "r", "description", "d", "score", 1);
	c.tags = json_array();
	c.text = c.folded = "x";
	c.text_len = c.folded_len = 1;
	c.key = "k";
	group_add(ge, &c);
	group_flush_all(ge);
	spool_commit(sp);
	ck_assert_int_eq(spool_case_find(sp, "k", &k), 1);
	ck_assert_int_eq(k.total, 1);
	ck_assert_int_eq(k.priority, 3);
	spool_case_free(&k);
	json_decref(c.rule_info);
	json_decref(c.tags);
	group_free(ge);
	event_base_free(base);
}
END_TEST

START_TEST(test_conf_errors)
{
	char p[400];
	FILE *f;
	struct diag d;
	struct conf *bad;

	snprintf(p, sizeof(p), "%s/bad.yaml", dir);
	f = fopen(p, "w");
	fprintf(f, "cases: {reopen_within: soon, keep: 2h}\n"
	           "people:\n  a: {slack: U1}\n  b: {slack: U1, fax: 1}\n");
	fclose(f);
	diag_init(&d);
	bad = conf_load(p, &d);
	ck_assert_ptr_null(bad);
	ck_assert_uint_eq(d.n, 4);
	ck_assert_msg(strstr(d.items[0].msg, "reopen_within") != NULL, "%s", d.items[0].msg);
	ck_assert_msg(strstr(d.items[1].msg, "cases.keep must be at least 1d") != NULL, "%s",
	              d.items[1].msg);
	ck_assert_int_eq(d.items[1].col, 36); /* the value */
	ck_assert_msg(strstr(d.items[2].msg, "fax") != NULL, "%s", d.items[2].msg);
	ck_assert_msg(strstr(d.items[3].msg, "slack id 'U1' is people.a's already") != NULL, "%s",
	              d.items[3].msg);
	diag_free(&d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cases");
	TCase *tc = tcase_create("cases");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_alert_opens_and_joins);
	tcase_add_test(tc, test_actions_and_errors);
	tcase_add_test(tc, test_timeline_and_edits);
	tcase_add_test(tc, test_reopen_window);
	tcase_add_test(tc, test_case_json);
	tcase_add_test(tc, test_parse_id);
	tcase_add_test(tc, test_group_emit_ties_case);
	tcase_add_test(tc, test_conf_errors);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
