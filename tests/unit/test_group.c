/*
 * group.c through its public API, against a real spool.
 *
 * Time: group_add takes each mention's time (at_ms), and the first alert of
 * a group and the urgent updates are decided against it, so those tests run
 * on made-up times and never wait. The plain updates_at_most_every wait is
 * only a libevent timer on the real clock (group.c reads util_now_ms() for
 * the time of an alert), so that one test waits for the timer, with a short
 * bound.
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
#include "daemon/group.h"
#include "engine/rules.h"
#include "lib/diag.h"
#include "lib/metrics.h"
#include "store/spool.h"
#include "unit.h"
#include "lib/util.h"

static char dir[256], path[300];
static struct spool *sp;
static struct event_base *base;
static struct conf *cf;
static struct group_engine *ge;
static int nkicks;
static char kicked[256]; /* receiver names of the last kick, "a,b" */
static int64_t rowid;
static const char *source; /* of the mentions add() makes */

static void
kick(void *arg, const size_t *receivers, size_t n)
{
	(void)arg;
	nkicks++;
	kicked[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(kicked, ",");
		strcat(kicked, cf->receivers[receivers[i]].name);
	}
}

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char err[300];

	metrics_init();
	snprintf(dir, sizeof(dir), "%s/keluh-group.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/spool.db", dir);
	sp = spool_open(path, 0, err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
	base = event_base_new();
	cf = NULL;
	ge = NULL;
	nkicks = 0;
	kicked[0] = '\0';
	rowid = 0;
	source = "tw";
}

static void
teardown(void)
{
	DIR *d;
	struct dirent *e;
	char p[600];

	group_free(ge);
	conf_free(cf);
	spool_close(sp);
	event_base_free(base);
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

/* Two receivers: critical to crit and on, source tw to a; and this grouping. */
static void
start(const char *grouping)
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
	        "  - {name: crit, type: webhook, url: \"http://127.0.0.1:9/c\"}\n"
	        "routes:\n"
	        "  - {match: {priority: critical}, receivers: [crit], continue: true}\n"
	        "  - {match: {source: [tw]}, receivers: [a]}\n"
	        "grouping:\n%s",
	        grouping);
	fclose(f);
	diag_init(&d);
	cf = conf_load(p, &d);
	if (cf == NULL)
		ck_abort_msg("config: %s", d.n ? d.items[0].msg : "?");
	diag_free(&d);
	ge = group_new(base, cf, sp, kick, NULL);
}

/*
 * One complaint of rule and priority at time at, with score and followers,
 * its entry (NULL: {"id":ID}) and its group key (NULL: the one the
 * configuration gives it).
 */
static void
add_entry(const char *rule, int prio, int64_t at, const char *id, int score, long followers,
          int verified, const char *entry, const char *key)
{
	struct complaint c;
	char ebuf[128], *made = NULL;

	memset(&c, 0, sizeof(c));
	snprintf(ebuf, sizeof(ebuf), "{\"id\":\"%s\"}", id);
	c.rule = rule;
	c.team = "ops";
	c.priority = prio;
	c.source = source;
	c.author = id;
	c.mention_id = id;
	c.at_ms = at;
	c.rowid = ++rowid;
	c.followers = followers;
	c.verified = verified;
	c.score = score;
	c.entry = entry ? entry : ebuf;
	c.entry_len = strlen(c.entry);
	c.rule_info = json_pack("[{s:s,s:s,s:i}]", "id", rule, "description", "d", "score", score);
	c.tags = json_pack("[s]", "t");
	c.text = "x";
	c.text_len = 1;
	c.folded = "x";
	c.folded_len = 1;
	c.key = key ? key : (made = complaint_key(cf, &c));
	group_add(ge, &c);
	free(made);
	json_decref(c.rule_info);
	json_decref(c.tags);
}

static void
add_full(const char *rule, int prio, int64_t at, const char *id, int score, long followers,
         int verified)
{
	add_entry(rule, prio, at, id, score, followers, verified, NULL, NULL);
}

static void
add(const char *rule, int prio, int64_t at)
{
	char id[32];

	snprintf(id, sizeof(id), "m%lld", (long long)rowid + 1);
	add_full(rule, prio, at, id, 1, -1, 0);
}

/* --- the alerts in the spool, newest first ------------------------------------ */

struct alerts {
	size_t n;
	json_t *list[16];
};

static void
alert_cb(void *arg, const struct spool_alert *a)
{
	struct alerts *al = arg;

	if (al->n < 16)
		al->list[al->n++] = json_loads(a->json, 0, NULL);
}

static size_t
nalerts(void)
{
	struct alerts al = {0};

	ck_assert_int_ge(spool_list_alerts(sp, 16, alert_cb, &al), 0);
	for (size_t i = 0; i < al.n; i++)
		json_decref(al.list[i]);
	return al.n;
}

/* The newest alert with this group key (a new reference), or NULL. */
static json_t *
alert_of(const char *gkey)
{
	struct alerts al = {0};
	json_t *found = NULL;

	ck_assert_int_ge(spool_list_alerts(sp, 16, alert_cb, &al), 0);
	for (size_t i = 0; i < al.n; i++) {
		json_t *a = json_object_get(al.list[i], "alert");
		const char *g = json_string_value(json_object_get(a, "group"));

		if (found == NULL && g && strcmp(g, gkey) == 0 &&
		    json_integer_value(json_object_get(a, "count")) > 0)
			found = json_incref(al.list[i]);
		json_decref(al.list[i]);
	}
	return found;
}

/* The newest alert of group gkey as the spool keeps it, its text (free it), or NULL. */
struct raw {
	const char *gkey;
	char *json;
};

static void
raw_cb(void *arg, const struct spool_alert *a)
{
	struct raw *r = arg;

	if (r->json == NULL && strcmp(a->group_key, r->gkey) == 0)
		r->json = strdup(a->json);
}

static char *
alert_text(const char *gkey)
{
	struct raw r = {gkey, NULL};

	ck_assert_int_ge(spool_list_alerts(sp, 16, raw_cb, &r), 0);
	return r.json;
}

static json_int_t
alert_count(json_t *body)
{
	return json_integer_value(json_object_get(json_object_get(body, "alert"), "count"));
}

static const char *
alert_prio(json_t *body)
{
	return json_string_value(json_object_get(json_object_get(body, "alert"), "priority"));
}

/* The ids of an alert's mentions, in the order it lists them: "m2,m5" (static). */
static const char *
mention_ids(json_t *body)
{
	static char out[256];
	size_t i;
	json_t *v;

	out[0] = '\0';
	json_array_foreach(json_object_get(json_object_get(body, "alert"), "mentions"), i, v)
	{
		if (i)
			strcat(out, ",");
		strcat(out, json_string_value(json_object_get(v, "id")));
	}
	return out;
}

/* --- tests ------------------------------------------------------------------- */

/* The key names the chosen parts in a fixed order; no part at all is "all". */
START_TEST(keys)
{
	struct complaint in = {.rule = "refund.late",
	                       .team = "billing",
	                       .priority = PRIO_HIGH,
	                       .source = "tw",
	                       .author = "@ana",
	                       .mention_id = "t1"};
	char *k;

	start("  by: [team, rule]\n");
	k = complaint_key(cf, &in);
	ck_assert_str_eq(k, "rule=refund.late|team=billing");
	free(k);
	cf->group_by = (1u << GK__N) - 1;
	k = complaint_key(cf, &in);
	ck_assert_str_eq(k, "rule=refund.late|team=billing|priority=high|source=tw|author=@ana|"
	                    "mention=t1");
	free(k);
	in.team = NULL;
	cf->group_by = 1u << GK_TEAM | 1u << GK_PRIORITY;
	k = complaint_key(cf, &in);
	ck_assert_str_eq(k, "team=|priority=high");
	free(k);
	cf->group_by = 0;
	k = complaint_key(cf, &in);
	ck_assert_str_eq(k, "all");
	free(k);
}
END_TEST

/* Mentions with the same key share a group and its alert; others do not. */
START_TEST(same_key_same_group)
{
	int64_t t = util_now_ms();
	json_t *a;

	start("  by: [rule]\n  first_alert_after: {normal: 1m}\n");
	add("r.one", PRIO_NORMAL, t);
	add("r.one", PRIO_NORMAL, t + 1);
	add("r.two", PRIO_NORMAL, t + 2);
	ck_assert_uint_eq(group_count(ge), 2);
	ck_assert_uint_eq(nalerts(), 0);
	group_flush_all(ge);
	ck_assert_uint_eq(nalerts(), 2);
	a = alert_of("rule=r.one");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(alert_count(a), 2);
	json_decref(a);
	a = alert_of("rule=r.two");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(alert_count(a), 1);
	json_decref(a);
}
END_TEST

/*
 * The first alert of a group waits first_alert_after of its priority from
 * its first mention: the mentions' own times decide, not the clock.
 */
START_TEST(first_alert_after_per_priority)
{
	int64_t t = util_now_ms();
	json_t *a;

	start("  by: [rule]\n"
	      "  first_alert_after: {critical: 0s, high: 10s, normal: 1m, low: 10m}\n"
	      "  updates_at_most_every: 1h\n");
	add("c", PRIO_CRITICAL, t);
	ck_assert_uint_eq(nalerts(), 1);
	ck_assert_int_eq(nkicks, 1);
	ck_assert_str_eq(kicked, "crit,a");

	add("h", PRIO_HIGH, t);
	add("h", PRIO_HIGH, t + 9999);
	add("n", PRIO_NORMAL, t);
	add("n", PRIO_NORMAL, t + 59999);
	add("l", PRIO_LOW, t);
	add("l", PRIO_LOW, t + 599999);
	ck_assert_uint_eq(nalerts(), 1);

	add("h", PRIO_HIGH, t + 10000);
	ck_assert_uint_eq(nalerts(), 2);
	add("n", PRIO_NORMAL, t + 60000);
	ck_assert_uint_eq(nalerts(), 3);
	add("l", PRIO_LOW, t + 600000);
	ck_assert_uint_eq(nalerts(), 4);
	ck_assert_int_eq(nkicks, 4);
	ck_assert_str_eq(kicked, "a");
	a = alert_of("rule=h");
	ck_assert_int_eq(alert_count(a), 3);
	ck_assert_str_eq(alert_prio(a), "high");
	json_decref(a);
	a = alert_of("rule=l");
	ck_assert_int_eq(alert_count(a), 3);
	json_decref(a);
}
END_TEST

/* A group that rises in priority waits only the higher priority's time. */
START_TEST(first_alert_after_raise)
{
	int64_t t = util_now_ms();
	json_t *a;

	start("  by: [rule]\n  first_alert_after: {high: 10s, normal: 1m}\n");
	add("r", PRIO_NORMAL, t);
	add("r", PRIO_NORMAL, t + 5000);
	ck_assert_uint_eq(nalerts(), 0);
	add("r", PRIO_HIGH, t + 10000);
	ck_assert_uint_eq(nalerts(), 1);
	a = alert_of("rule=r");
	ck_assert_int_eq(alert_count(a), 3);
	ck_assert_str_eq(alert_prio(a), "high");
	json_decref(a);
}
END_TEST

/*
 * After an alert, an update that holds a critical complaint or one above
 * every priority the group sent goes out after urgent_updates_at_most_every,
 * and at once when that has passed; other news waits for the timer.
 */
START_TEST(urgent_updates)
{
	int64_t t = util_now_ms();
	json_t *a;

	start("  by: [rule]\n"
	      "  first_alert_after: {critical: 0s, high: 0s, normal: 0s, low: 0s}\n"
	      "  updates_at_most_every: 1h\n"
	      "  urgent_updates_at_most_every: 1m\n");
	add("r", PRIO_NORMAL, t);
	ck_assert_uint_eq(nalerts(), 1);
	/* not above what was sent: waits for the hour, whatever its time says */
	t = util_now_ms();
	add("r", PRIO_NORMAL, t + 2 * 60000);
	add("r", PRIO_LOW, t + 2 * 60000);
	ck_assert_uint_eq(nalerts(), 1);
	/* above normal, but only 30 s after the alert: still bounded */
	add("r", PRIO_HIGH, t + 30000);
	ck_assert_uint_eq(nalerts(), 1);
	/* a minute after: it goes, carrying the three waiting */
	add("r", PRIO_HIGH, t + 60000 + 1000);
	ck_assert_uint_eq(nalerts(), 2);
	a = alert_of("rule=r");
	ck_assert_int_eq(alert_count(a), 4);
	ck_assert_str_eq(alert_prio(a), "high");
	json_decref(a);
	/* high again is no news now; critical always is */
	t = util_now_ms();
	add("r", PRIO_HIGH, t + 2 * 60000);
	ck_assert_uint_eq(nalerts(), 2);
	add("r", PRIO_CRITICAL, t + 30000);
	ck_assert_uint_eq(nalerts(), 2);
	add("r", PRIO_CRITICAL, t + 2 * 60000);
	ck_assert_uint_eq(nalerts(), 3);
	ck_assert_str_eq(kicked, "crit,a");
	a = alert_of("rule=r");
	ck_assert_int_eq(alert_count(a), 3);
	ck_assert_str_eq(alert_prio(a), "critical");
	json_decref(a);
}
END_TEST

/* An update that is not urgent goes out when updates_at_most_every has passed. */
START_TEST(updates_at_most_every)
{
	struct timeval limit = {5, 0};
	int64_t t0;
	json_t *a;

	start("  by: [rule]\n"
	      "  first_alert_after: {normal: 0s}\n"
	      "  updates_at_most_every: 300ms\n"
	      "  urgent_updates_at_most_every: 300ms\n");
	t0 = util_now_ms();
	add("r", PRIO_NORMAL, t0);
	ck_assert_uint_eq(nalerts(), 1);
	add("r", PRIO_NORMAL, util_now_ms());
	add("r", PRIO_LOW, util_now_ms());
	ck_assert_uint_eq(nalerts(), 1);
	event_base_loopexit(base, &limit);
	while (nkicks < 2 && util_now_ms() - t0 < 5000)
		event_base_loop(base, EVLOOP_ONCE);
	ck_assert_int_eq(nkicks, 2);
	/* not before 300 ms; the timer's delay is made of truncated ms, so give it 5 */
	ck_assert_int_ge(util_now_ms() - t0, 295);
	ck_assert_int_lt(util_now_ms() - t0, 2000);
	ck_assert_uint_eq(nalerts(), 2);
	a = alert_of("rule=r");
	ck_assert_int_eq(alert_count(a), 2);
	ck_assert_str_eq(alert_prio(a), "normal");
	json_decref(a);
}
END_TEST

/* m1..m6: (score, followers). Listed: top score, top reach, next score, ... */
static const struct {
	const char *id;
	int score;
	long followers;
} six[] = {{"m1", 5, 10}, {"m2", 9, 0},    {"m3", 1, 1000},
           {"m4", 7, 50}, {"m5", 2, 5000}, {"m6", 3, 20}};

static const char *
samples_of(const char *samples, int reverse)
{
	static char out[256];
	char g[128];
	json_t *a;
	int64_t t = util_now_ms();

	snprintf(g, sizeof(g), "  by: [rule]\n  first_alert_after: {normal: 1h}\n%s", samples);
	start(g);
	for (size_t i = 0; i < 6; i++) {
		size_t k = reverse ? 5 - i : i;

		add_full("r", PRIO_NORMAL, t, six[k].id, six[k].score, six[k].followers, 0);
	}
	group_flush_all(ge);
	a = alert_of("rule=r");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(alert_count(a), 6);
	snprintf(out, sizeof(out), "%s", mention_ids(a));
	json_decref(a);
	return out;
}

/* Samples alternate highest score and widest reach. */
START_TEST(samples_order)
{
	ck_assert_str_eq(samples_of("  samples: 10\n", 0), "m2,m5,m4,m3,m1,m6");
}
END_TEST

/* Bounded: the kept ones are the first N of that order, whatever came first. */
START_TEST(samples_bound)
{
	ck_assert_str_eq(samples_of("  samples: 3\n", 0), "m2,m5,m4");
	ck_assert_double_eq(metrics_get("keluh_bound_hits_total", "bound=\"alert_samples\""), 3);
}
END_TEST

START_TEST(samples_bound_reversed)
{
	ck_assert_str_eq(samples_of("  samples: 3\n", 1), "m2,m5,m4");
}
END_TEST

/* Ties in score go to the wider reach, then the verified author, then the earlier. */
START_TEST(samples_ties)
{
	int64_t t = util_now_ms();
	json_t *a;

	start("  by: [rule]\n  first_alert_after: {normal: 1h}\n");
	add_full("r", PRIO_NORMAL, t, "early", 4, 10, 0);
	add_full("r", PRIO_NORMAL, t, "late", 4, 10, 0);
	add_full("r", PRIO_NORMAL, t, "ver", 4, 10, 1);
	add_full("r", PRIO_NORMAL, t, "wide", 4, 11, 0);
	group_flush_all(ge);
	a = alert_of("rule=r");
	ck_assert_str_eq(mention_ids(a), "wide,ver,early,late");
	json_decref(a);
}
END_TEST

/* Past max_groups, new keys share one 'overflow' group and the bound is counted. */
START_TEST(max_groups_overflow)
{
	int64_t t = util_now_ms();
	json_t *a;

	start("  by: [rule]\n  first_alert_after: {normal: 1h}\n  max_groups: 2\n");
	add("a", PRIO_NORMAL, t);
	add("b", PRIO_NORMAL, t);
	ck_assert_uint_eq(group_count(ge), 2);
	ck_assert_double_eq(metrics_get("keluh_bound_hits_total", "bound=\"groups\""), 0);
	add("c", PRIO_NORMAL, t);
	add("d", PRIO_NORMAL, t);
	add("a", PRIO_NORMAL, t);
	ck_assert_uint_eq(group_count(ge), 3);
	ck_assert_double_eq(metrics_get("keluh_bound_hits_total", "bound=\"groups\""), 2);
	group_flush_all(ge);
	a = alert_of("overflow");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(alert_count(a), 2);
	json_decref(a);
	a = alert_of("rule=a");
	ck_assert_int_eq(alert_count(a), 2);
	json_decref(a);
}
END_TEST

/* An alert no route sends is still recorded, and nobody is kicked. */
START_TEST(unrouted_recorded)
{
	start("  by: [rule]\n  first_alert_after: {normal: 0s}\n");
	source = "rss";
	add("r", PRIO_NORMAL, util_now_ms());
	ck_assert_uint_eq(nalerts(), 1);
	ck_assert_int_eq(nkicks, 0);
}
END_TEST

/*
 * Velocity incidents: at_least matching complaints within the window make
 * one critical alert of their own; the cooldown holds the next one back.
 */
START_TEST(incident)
{
	int64_t t = util_now_ms();
	json_t *a;

	start("  by: [rule]\n  first_alert_after: {normal: 1h}\n"
	      "incidents:\n"
	      "  - {name: storm, rules: [r.*], at_least: 3, within: 1m, cooldown: 10m}\n");
	add("r.a", PRIO_NORMAL, t);
	add("x", PRIO_NORMAL, t + 1000);
	add("r.b", PRIO_NORMAL, t + 1000);
	ck_assert_uint_eq(nalerts(), 0);
	add("r.c", PRIO_NORMAL, t + 2000);
	ck_assert_uint_eq(nalerts(), 1);
	/* an incident names no source, so the route by source does not take it */
	ck_assert_str_eq(kicked, "crit");
	a = alert_of("incident=storm");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(alert_count(a), 3);
	ck_assert_str_eq(alert_prio(a), "critical");
	json_decref(a);
	add("r.d", PRIO_NORMAL, t + 3000);
	ck_assert_uint_eq(nalerts(), 1);
}
END_TEST

/* A complaint joins the group of the key it carries: the group makes none of its own. */
START_TEST(key_as_given)
{
	int64_t t = util_now_ms();
	json_t *a;

	start("  by: [rule]\n  first_alert_after: {normal: 1h}\n");
	add_entry("r.one", PRIO_NORMAL, t, "m1", 1, -1, 0, NULL, "team=ops");
	add_entry("r.two", PRIO_NORMAL, t, "m2", 1, -1, 0, NULL, "team=ops");
	ck_assert_uint_eq(group_count(ge), 1);
	group_flush_all(ge);
	a = alert_of("team=ops");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(alert_count(a), 2);
	json_decref(a);
	ck_assert_ptr_null(alert_of("rule=r.one"));
	ck_assert_ptr_null(alert_of("rule=r.two"));
}
END_TEST

/*
 * A group's alert quotes each entry as it came, byte for byte, unparsed;
 * an incident quotes them as jansson writes them, control characters as
 * \b and \u001F, as its alerts always did.
 */
START_TEST(entries_quoted)
{
	static const char plain[] = "{\"id\":\"p\",\"text\":\"caf\xc3\xa9 \\\"x\\\" a\\\\b\\n\"}";
	static const char ctl[] = "{\"id\":\"c\",\"text\":\"a\\u0008b\\u001fc\"}";
	static const char nul[] = "{\"id\":\"n\",\"text\":\"a\\u0000b\"}";
	int64_t t = util_now_ms();
	char *text;

	start("  by: [rule]\n  first_alert_after: {normal: 1h}\n"
	      "incidents:\n"
	      "  - {name: storm, rules: [r], at_least: 3, within: 1m, cooldown: 10m}\n");
	add_entry("r", PRIO_NORMAL, t, "p", 3, -1, 0, plain, NULL);
	add_entry("r", PRIO_NORMAL, t, "c", 2, -1, 0, ctl, NULL);
	add_entry("r", PRIO_NORMAL, t, "n", 1, -1, 0, nul, NULL);
	text = alert_text("incident=storm");
	ck_assert_ptr_nonnull(text);
	/* jansson reads no NUL: that entry is left out */
	ck_assert_msg(strstr(text,
	                     ",\"mentions\":[{\"id\":\"p\",\"text\":\"caf\xc3\xa9 \\\"x\\\" "
	                     "a\\\\b\\n\"},{\"id\":\"c\",\"text\":\"a\\bb\\u001Fc\"}]}}") != NULL,
	              "%s", text);
	free(text);
	group_flush_all(ge);
	text = alert_text("rule=r");
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, ",\"mentions\":[{\"id\":\"p\",\"text\":\"caf\xc3\xa9 \\\"x\\\" "
	                           "a\\\\b\\n\"},{\"id\":\"c\",\"text\":\"a\\u0008b\\u001fc\"},"
	                           "{\"id\":\"n\",\"text\":\"a\\u0000b\"}]}}") != NULL,
	              "%s", text);
	free(text);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("group");
	TCase *tc = tcase_create("group");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, keys);
	tcase_add_test(tc, same_key_same_group);
	tcase_add_test(tc, first_alert_after_per_priority);
	tcase_add_test(tc, first_alert_after_raise);
	tcase_add_test(tc, urgent_updates);
	tcase_add_test(tc, updates_at_most_every);
	tcase_add_test(tc, samples_order);
	tcase_add_test(tc, samples_bound);
	tcase_add_test(tc, samples_bound_reversed);
	tcase_add_test(tc, samples_ties);
	tcase_add_test(tc, max_groups_overflow);
	tcase_add_test(tc, unrouted_recorded);
	tcase_add_test(tc, incident);
	tcase_add_test(tc, key_as_given);
	tcase_add_test(tc, entries_quoted);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
