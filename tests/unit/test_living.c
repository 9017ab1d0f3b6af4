/*
 * living.c against a real spool file: what a delivery of a case is on a
 * living receiver (a post, a thread reply, or folded into the message's
 * edit while the first post is on its way), what a post's answer keeps,
 * the edit a later alert owes, and the update alert an action records for
 * the receivers that cannot edit.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/cases.h"
#include "daemon/living.h"
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
static const char *const rnames[] = {"dc", "tg", "hook"};

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char p[400], tok[400];
	FILE *f;
	struct diag d;

	metrics_init();
	snprintf(dir, sizeof(dir), "%s/keluh-living.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/spool.db", dir);
	sp = spool_open(path, 0, err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
	snprintf(tok, sizeof(tok), "%s/tg.token", dir);
	f = fopen(tok, "w");
	ck_assert_ptr_nonnull(f);
	fputs("123:ABC\n", f);
	fclose(f);
	chmod(tok, 0600);
	snprintf(p, sizeof(p), "%s/keluhd.yaml", dir);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
	        "receivers:\n"
	        "  - {name: dc, type: discord, url: \"http://127.0.0.1:9/api/webhooks/1/t\"}\n"
	        "  - {name: tg, type: telegram, url: \"http://127.0.0.1:9\", bot_token_file: %s, "
	        "chat_id: \"-100\"}\n"
	        "  - {name: hook, type: webhook, url: \"http://127.0.0.1:9/h\"}\n"
	        "routes:\n"
	        "  - {receivers: [dc, tg, hook]}\n",
	        tok);
	fclose(f);
	diag_init(&d);
	cf = conf_load(p, &d);
	if (cf == NULL)
		ck_abort_msg("config: %s", d.n ? d.items[0].msg : "?");
	diag_free(&d);
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

/* An alert of group g for every receiver, tied to its case: the alert's row id. */
static int64_t
alert(const char *g, int64_t at)
{
	char id[32], json[128];
	int64_t row, exp[3] = {at + 1000000, at + 1000000, at + 1000000};

	snprintf(id, sizeof(id), "a%d", ++nalerts);
	snprintf(json, sizeof(json), "{\"type\":\"keluh.alert\",\"alert\":{\"id\":\"%s\"}}", id);
	row = spool_add_alert(sp, id, g, 2, "cs", at, json, NULL, 0, (const char **)rnames, exp, 3,
	                      at);
	ck_assert_int_gt(row, 0);
	ck_assert_int_gt(cases_alert(cs, g, 2, "cs", row, id, at, 1), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	return row;
}

/* The pending delivery of alert row to receiver rname (freed by the caller). */
static void
delivery(const char *rname, int64_t row, struct spool_delivery *out)
{
	struct spool_delivery v[16];
	int n = spool_due(sp, rname, INT64_MAX / 2, NULL, 0, v, 16), found = 0;

	ck_assert_int_ge(n, 0);
	for (int i = 0; i < n; i++) {
		if (v[i].alert_rowid == row && !found) {
			*out = v[i];
			found = 1;
		} else
			spool_delivery_free(&v[i]);
	}
	ck_assert_msg(found, "no delivery of alert %lld to %s", (long long)row, rname);
}

static const struct receiver *
rcv(const char *name)
{
	return &cf->receivers[conf_receiver_index(cf, name)];
}

static void
count_cb(void *arg, const struct spool_case_message *m)
{
	(void)m;
	(*(int *)arg)++;
}

static int
edits_owed(const char *rname)
{
	int n = 0;

	ck_assert_int_ge(spool_case_edits_pending(sp, rname, 10, count_cb, &n), 0);
	return n;
}

START_TEST(test_post_fold_reply)
{
	struct spool_delivery d1, d2, d3, h;
	struct living_plan p;
	int64_t a1 = alert("g", 1000), a2, seen;

	delivery("dc", a1, &d1);
	ck_assert_int_gt(d1.case_id, 0);
	seen = spool_case_last_event(sp, d1.case_id);
	ck_assert_int_gt(seen, 0);
	ck_assert_int_eq(living_plan(sp, rcv("dc"), &d1, &p), 0);
	ck_assert_int_eq(p.way, LIVING_POST);
	delivery("hook", a1, &h);
	ck_assert_int_eq(living_plan(sp, rcv("hook"), &h, &p), 0);
	ck_assert_int_eq(p.way, LIVING_SEND);

	/* the first post is on its way: the second alert waits for its reference */
	a2 = alert("g", 2000);
	delivery("dc", a2, &d2);
	ck_assert_int_eq(d2.case_id, d1.case_id);
	ck_assert_int_eq(living_plan(sp, rcv("dc"), &d2, &p), 0);
	ck_assert_int_eq(p.way, LIVING_FOLD);
	ck_assert_int_eq(p.message_id, 0);
	ck_assert_int_eq(living_owe(sp, &p), 0);
	ck_assert_int_eq(spool_delivered(sp, d2.id, 2100), 0);

	/* the post is answered: its reference is kept and it owes the folded alert an edit */
	ck_assert_int_eq(spool_delivered(sp, d1.id, 2200), 0);
	ck_assert_int_eq(living_posted(sp, rcv("dc"), d1.case_id, a1, seen, "{\"id\":\"777\"}", 12,
	                               2200), 1);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(edits_owed("dc"), 1);

	/* an answer without an id keeps nothing */
	ck_assert_int_eq(living_posted(sp, rcv("dc"), d1.case_id, a1, seen, "", 0, 2200), 0);

	/* a third alert: Discord has no threads (folded, the edit owed); Telegram replies */
	alert("g", 3000);
	delivery("dc", a2 + 1, &d3);
	ck_assert_int_eq(living_plan(sp, rcv("dc"), &d3, &p), 0);
	ck_assert_int_eq(p.way, LIVING_FOLD);
	ck_assert_int_gt(p.message_id, 0);
	spool_delivery_free(&d3);
	ck_assert_int_eq(spool_case_message_add(sp, d1.case_id, "tg", "-100:5", 2300) > 0, 1);
	delivery("tg", a2 + 1, &d3);
	ck_assert_int_eq(living_plan(sp, rcv("tg"), &d3, &p), 0);
	ck_assert_int_eq(p.way, LIVING_REPLY);
	ck_assert_str_eq(p.ref, "-100:5");
	ck_assert_int_eq(edits_owed("tg"), 0);
	ck_assert_int_eq(living_owe(sp, &p), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(edits_owed("tg"), 1);
	spool_delivery_free(&d1);
	spool_delivery_free(&d2);
	spool_delivery_free(&d3);
	spool_delivery_free(&h);
}
END_TEST

/*
 * An action taken while the case's first post is on its way touches no
 * message (there is none yet): the answered post owes it an edit. With
 * nothing new since the post was rendered, no edit is owed.
 */
START_TEST(test_action_during_post)
{
	struct spool_delivery d1, d2;
	static const char tg_answer[] = "{\"ok\":true,\"result\":{\"message_id\":5,\"chat\":"
	                                "{\"id\":-100}}}";
	int64_t a1 = alert("g", 1000), a2 = alert("h", 1000), seen1, seen2;

	delivery("dc", a1, &d1);
	delivery("tg", a2, &d2);
	seen1 = spool_case_last_event(sp, d1.case_id);
	seen2 = spool_case_last_event(sp, d2.case_id);
	ck_assert_int_gt(spool_case_event_add(sp, d1.case_id, 1500, "acknowledged", "slack", "U1",
	                                      "Rina", NULL), 0);
	ck_assert_int_eq(living_posted(sp, rcv("dc"), d1.case_id, a1, seen1, "{\"id\":\"777\"}",
	                               12, 2000), 1);
	ck_assert_int_eq(living_posted(sp, rcv("tg"), d2.case_id, a2, seen2, tg_answer,
	                               strlen(tg_answer), 2000), 1);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(edits_owed("dc"), 1);
	ck_assert_int_eq(edits_owed("tg"), 0);
	spool_delivery_free(&d1);
	spool_delivery_free(&d2);
}
END_TEST

/* An edit renders the case's newest alert, with the case as it is now. */
START_TEST(test_edit_and_case_json)
{
	struct spool_case_message m = {0};
	struct rcv_msg msg = {0};
	struct cases_actor who = {"keluhctl", NULL, "rina"};
	json_t *a;
	int64_t row = alert("g", 1000);
	struct spool_delivery d;

	delivery("dc", row, &d);
	a = living_alert(cs, NULL, d.alert_json, d.case_id, 1500);
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(json_object_get(a, "alert"), "case"), "state")),
	                 "open");
	json_decref(a);
	a = living_alert(NULL, NULL, d.alert_json, d.case_id, 1500);
	ck_assert_ptr_null(json_object_get(json_object_get(a, "alert"), "case"));
	json_decref(a);
	ck_assert_ptr_null(living_alert(cs, NULL, "not json", d.case_id, 1500));

	ck_assert_int_eq(cases_act(cs, d.case_id, "ack", &who, NULL, 2000, err, sizeof(err)),
	                 CASES_CHANGED);
	m.case_id = d.case_id;
	m.ref = "777";
	m.receiver = "dc";
	ck_assert_int_eq(living_edit(sp, cs, NULL, rcv("dc"), &m, 2500, &msg, err, sizeof(err)), 0);
	ck_assert_str_eq(msg.method, "PATCH");
	ck_assert_ptr_nonnull(strstr(msg.url, "/messages/777"));
	ck_assert_ptr_nonnull(strstr(msg.body, "rina"));
	receiver_msg_free(&msg);
	/* the webhook cannot edit: the owed edit can never be made */
	ck_assert_int_eq(living_edit(sp, cs, NULL, rcv("hook"), &m, 2500, &msg, err, sizeof(err)),
	                 -1);
	receiver_msg_free(&msg);
	m.case_id = 999;
	ck_assert_int_eq(living_edit(sp, cs, NULL, rcv("dc"), &m, 2500, &msg, err, sizeof(err)),
	                 -1);
	ck_assert_ptr_nonnull(strstr(err, "case #999 has no alert"));
	spool_commit(sp);
	spool_delivery_free(&d);
}
END_TEST

static void
json_cb(void *arg, const struct spool_alert *a)
{
	*(char **)arg = strdup(a->json);
}

/* An action records one update alert, for the receivers that carried the case and cannot edit. */
START_TEST(test_case_changed)
{
	int64_t row = alert("g", 1000), cid;
	struct spool_delivery d;
	size_t recv[8], n;
	char *json = NULL;
	struct spool_counts c0, c1;

	delivery("dc", row, &d);
	cid = d.case_id;
	spool_delivery_free(&d);
	ck_assert_int_eq(spool_counts(sp, NULL, &c0), 0);
	/* not a state change: nothing recorded, the carriers are kicked */
	ck_assert_int_eq(living_case_changed(sp, cf, cid, "escalated", 1500, recv, 8, &n), 0);
	ck_assert_int_eq(n, 3);
	spool_commit(sp);
	ck_assert_int_eq(spool_counts(sp, NULL, &c1), 0);
	ck_assert_int_eq(c1.alerts, c0.alerts);

	ck_assert_int_eq(living_case_changed(sp, cf, cid, "acknowledged", 2000, recv, 8, &n), 0);
	ck_assert_int_eq(n, 3);
	spool_commit(sp);
	ck_assert_int_eq(spool_counts(sp, NULL, &c1), 0);
	ck_assert_int_eq(c1.alerts, c0.alerts + 1);
	ck_assert_int_eq(c1.pending, c0.pending + 1);
	/* to the webhook only: the chats edit their message instead */
	delivery("hook", spool_case_last_alert(sp, cid, json_cb, &json) == 1 ? row + 1 : -1, &d);
	ck_assert_int_eq(d.case_id, cid);
	ck_assert_ptr_nonnull(strstr(json, "\"update\":\"acknowledged\""));
	free(json);
	spool_delivery_free(&d);
	/* bounded: the receivers to kick fit in what the caller gave */
	ck_assert_int_eq(living_case_changed(sp, cf, cid, "resolved", 3000, recv, 1, &n), 0);
	ck_assert_int_eq(n, 1);
	spool_commit(sp);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("living");
	TCase *tc = tcase_create("living");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_post_fold_reply);
	tcase_add_test(tc, test_action_during_post);
	tcase_add_test(tc, test_edit_and_case_json);
	tcase_add_test(tc, test_case_changed);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
