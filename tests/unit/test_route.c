#include "config.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/route.h"
#include "engine/rules.h"
#include "lib/diag.h"
#include "unit.h"

#define RECEIVERS                                                                                  \
	"receivers:\n"                                                                             \
	"  - {name: a, type: webhook, url: \"http://127.0.0.1:9/a\"}\n"                            \
	"  - {name: b, type: webhook, url: \"http://127.0.0.1:9/b\"}\n"                            \
	"  - {name: c, type: webhook, url: \"http://127.0.0.1:9/c\"}\n"                            \
	"  - {name: d, type: webhook, url: \"http://127.0.0.1:9/d\"}\n"

/* Loads RECEIVERS + routes as a keluhd.yaml; fails the test on any error. */
static struct conf *
load(const char *routes)
{
	const char *tmp = getenv("TMPDIR");
	char path[256];
	int fd;
	FILE *f;
	struct conf *c;
	struct diag d;

	snprintf(path, sizeof(path), "%s/keluh-test-route.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%sroutes:\n%s", RECEIVERS, routes);
	fclose(f);
	diag_init(&d);
	c = conf_load(path, &d);
	if (c == NULL)
		ck_abort_msg("config: %s", d.n ? d.items[0].msg : "?");
	diag_free(&d);
	unlink(path);
	return c;
}

/* "x,y" -> ["x","y"]; NULL or "" -> [] */
static json_t *
list(const char *csv)
{
	json_t *arr = json_array();
	char *dup, *save = NULL;

	if (csv == NULL)
		return arr;
	dup = strdup(csv);
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(arr, json_string(t));
	free(dup);
	return arr;
}

/* Receiver names, in the order route_alert gave them, as "a,b" (static). */
static const char *
names(const struct conf *c, const size_t *idx, size_t n)
{
	static char out[256];

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_lt(idx[i], c->nreceivers);
		if (i)
			strcat(out, ",");
		strcat(out, c->receivers[idx[i]].name);
	}
	return out;
}

/* Where an alert of this priority, team, tags, rules and sources goes. */
static const char *
route(const struct conf *c, int prio, const char *team, const char *tags, const char *rules,
      const char *sources)
{
	struct route_alert a = {.priority = prio, .team = team};
	size_t out[8], n;

	a.tags = list(tags);
	a.rules = list(rules);
	a.sources = list(sources);
	n = route_alert(c, &a, out, 8);
	json_decref(a.tags);
	json_decref(a.rules);
	json_decref(a.sources);
	return names(c, out, n);
}

/* Routes are tried in order and the first that matches wins. */
START_TEST(first_match_wins)
{
	struct conf *c = load("  - {match: {priority: critical}, receivers: [a]}\n"
	                      "  - {match: {priority: [critical, high]}, receivers: [b]}\n"
	                      "  - {receivers: [c]}\n");

	ck_assert_str_eq(route(c, PRIO_CRITICAL, NULL, NULL, "r", "s"), "a");
	ck_assert_str_eq(route(c, PRIO_HIGH, NULL, NULL, "r", "s"), "b");
	/* a route without match takes everything the ones above left */
	ck_assert_str_eq(route(c, PRIO_NORMAL, NULL, NULL, "r", "s"), "c");
	ck_assert_str_eq(route(c, PRIO_LOW, "billing", "x", "r", "s"), "c");
	conf_free(c);
}
END_TEST

/* An alert that no route matches goes nowhere. */
START_TEST(no_match_no_receiver)
{
	struct conf *c = load("  - {match: {priority: critical}, receivers: [a]}\n"
	                      "  - {match: {team: billing}, receivers: [b]}\n");

	ck_assert_str_eq(route(c, PRIO_HIGH, "ops", NULL, "r", "s"), "");
	ck_assert_str_eq(route(c, PRIO_HIGH, NULL, NULL, "r", "s"), "");
	ck_assert_str_eq(route(c, PRIO_HIGH, "billing", NULL, "r", "s"), "b");
	conf_free(c);
}
END_TEST

/* A team list means any of them; an alert without a team matches none. */
START_TEST(teams)
{
	struct conf *c = load("  - {match: {team: [billing, ops]}, receivers: [a]}\n"
	                      "  - {receivers: [d]}\n");

	ck_assert_str_eq(route(c, PRIO_LOW, "billing", NULL, "r", "s"), "a");
	ck_assert_str_eq(route(c, PRIO_LOW, "ops", NULL, "r", "s"), "a");
	ck_assert_str_eq(route(c, PRIO_LOW, "bill", NULL, "r", "s"), "d");
	ck_assert_str_eq(route(c, PRIO_LOW, "billing-eu", NULL, "r", "s"), "d");
	ck_assert_str_eq(route(c, PRIO_LOW, NULL, NULL, "r", "s"), "d");
	conf_free(c);
}
END_TEST

/* Tags: any tag of the alert among the route's; no tags match nothing. */
START_TEST(tag_lists)
{
	struct conf *c = load("  - {match: {tags: [refund, fraud]}, receivers: [a]}\n"
	                      "  - {receivers: [d]}\n");

	ck_assert_str_eq(route(c, PRIO_LOW, NULL, "late,fraud", "r", "s"), "a");
	ck_assert_str_eq(route(c, PRIO_LOW, NULL, "refund", "r", "s"), "a");
	ck_assert_str_eq(route(c, PRIO_LOW, NULL, "late", "r", "s"), "d");
	ck_assert_str_eq(route(c, PRIO_LOW, NULL, NULL, "r", "s"), "d");
	conf_free(c);
}
END_TEST

/* Rule ids: exact, or a prefix when the pattern ends in '*'. */
START_TEST(rule_globs)
{
	struct conf *c = load("  - {match: {rule: [outage.*, refund.late]}, receivers: [a]}\n"
	                      "  - {match: {rule: '*'}, receivers: [b]}\n");

	ck_assert_str_eq(route(c, PRIO_LOW, NULL, NULL, "outage.login", "s"), "a");
	ck_assert_str_eq(route(c, PRIO_LOW, NULL, NULL, "outage.", "s"), "a");
	ck_assert_str_eq(route(c, PRIO_LOW, NULL, NULL, "spam,refund.late", "s"), "a");
	/* the dot is part of the prefix; an exact id is not a prefix */
	ck_assert_str_eq(route(c, PRIO_LOW, NULL, NULL, "outage", "s"), "b");
	ck_assert_str_eq(route(c, PRIO_LOW, NULL, NULL, "outages.x", "s"), "b");
	ck_assert_str_eq(route(c, PRIO_LOW, NULL, NULL, "refund.late2", "s"), "b");
	ck_assert_str_eq(route(c, PRIO_LOW, NULL, NULL, "refund", "s"), "b");
	/* a lone '*' is the empty prefix: any rule, but an alert needs one */
	ck_assert_str_eq(route(c, PRIO_LOW, NULL, NULL, NULL, "s"), "");
	conf_free(c);
}
END_TEST

/* Sources: any of the alert's sources among the route's. */
START_TEST(sources)
{
	struct conf *c = load("  - {match: {source: [tw]}, receivers: [a]}\n"
	                      "  - {receivers: [d]}\n");

	ck_assert_str_eq(route(c, PRIO_LOW, NULL, NULL, "r", "rss,tw"), "a");
	ck_assert_str_eq(route(c, PRIO_LOW, NULL, NULL, "r", "tw"), "a");
	ck_assert_str_eq(route(c, PRIO_LOW, NULL, NULL, "r", "twx"), "d");
	ck_assert_str_eq(route(c, PRIO_LOW, NULL, NULL, "r", "rss"), "d");
	conf_free(c);
}
END_TEST

/* Every matcher of a route must hold, not just one. */
START_TEST(all_matchers)
{
	struct conf *c = load("  - {match: {priority: high, team: ops, tags: [x], rule: [r.*],"
	                      " source: [tw]}, receivers: [a]}\n"
	                      "  - {receivers: [d]}\n");

	ck_assert_str_eq(route(c, PRIO_HIGH, "ops", "x", "r.1", "tw"), "a");
	ck_assert_str_eq(route(c, PRIO_NORMAL, "ops", "x", "r.1", "tw"), "d");
	ck_assert_str_eq(route(c, PRIO_HIGH, "dev", "x", "r.1", "tw"), "d");
	ck_assert_str_eq(route(c, PRIO_HIGH, "ops", "y", "r.1", "tw"), "d");
	ck_assert_str_eq(route(c, PRIO_HIGH, "ops", "x", "q.1", "tw"), "d");
	ck_assert_str_eq(route(c, PRIO_HIGH, "ops", "x", "r.1", "rss"), "d");
	conf_free(c);
}
END_TEST

/*
 * continue: true goes on to the next routes; each receiver gets the alert
 * once, in the order first named; the first match without continue stops.
 */
START_TEST(continue_and_once)
{
	struct conf *c =
	    load("  - {match: {priority: critical}, receivers: [b, a], continue: true}\n"
	         "  - {match: {team: ops}, receivers: [a, c], continue: true}\n"
	         "  - {match: {priority: [critical, high]}, receivers: [c]}\n"
	         "  - {receivers: [d]}\n");

	ck_assert_str_eq(route(c, PRIO_CRITICAL, "ops", NULL, "r", "s"), "b,a,c");
	ck_assert_str_eq(route(c, PRIO_CRITICAL, NULL, NULL, "r", "s"), "b,a,c");
	ck_assert_str_eq(route(c, PRIO_HIGH, "ops", NULL, "r", "s"), "a,c");
	ck_assert_str_eq(route(c, PRIO_NORMAL, "ops", NULL, "r", "s"), "a,c,d");
	ck_assert_str_eq(route(c, PRIO_NORMAL, NULL, NULL, "r", "s"), "d");
	conf_free(c);
}
END_TEST

/* out[] never gets more than max receivers. */
START_TEST(bounded_out)
{
	struct conf *c = load("  - {receivers: [a, b], continue: true}\n"
	                      "  - {receivers: [c, d]}\n");
	struct route_alert a = {.priority = PRIO_LOW};
	size_t out[4] = {99, 99, 99, 99};

	a.tags = list(NULL);
	a.rules = list("r");
	a.sources = list("s");
	ck_assert_uint_eq(route_alert(c, &a, out, 3), 3);
	ck_assert_str_eq(names(c, out, 3), "a,b,c");
	ck_assert_uint_eq(out[3], 99);
	ck_assert_uint_eq(route_alert(c, &a, out, 4), 4);
	ck_assert_str_eq(names(c, out, 4), "a,b,c,d");
	json_decref(a.tags);
	json_decref(a.rules);
	json_decref(a.sources);
	conf_free(c);
}
END_TEST

/* Where a silence of this rule pattern, team and priority is announced. */
static const char *
silence(const struct conf *c, const char *rule, const char *team, int prio)
{
	size_t out[8], n = route_silence(c, rule, team, prio, out, 8);

	return names(c, out, n);
}

/*
 * A silence is announced on every route that could carry what it mutes,
 * down to the first that surely carries all of it and does not continue.
 */
START_TEST(silence_receivers)
{
	struct conf *c = load("  - {match: {rule: [outage.*]}, receivers: [a]}\n"
	                      "  - {match: {team: billing}, receivers: [b]}\n"
	                      "  - {match: {priority: critical}, receivers: [c]}\n"
	                      "  - {receivers: [d]}\n");

	/* every outage.* id goes to a and stops there */
	ck_assert_str_eq(silence(c, "outage.login", NULL, -1), "a");
	ck_assert_str_eq(silence(c, "outage.*", NULL, -1), "a");
	/* "out*" may or may not be an outage: a, and on down */
	ck_assert_str_eq(silence(c, "out*", "billing", -1), "a,b");
	ck_assert_str_eq(silence(c, "out*", NULL, -1), "a,b,c,d");
	/* not an outage: skips a; billing surely stops at b */
	ck_assert_str_eq(silence(c, "refund.late", "billing", -1), "b");
	ck_assert_str_eq(silence(c, "refund.late", "ops", -1), "c,d");
	ck_assert_str_eq(silence(c, "refund.late", "ops", PRIO_CRITICAL), "c");
	ck_assert_str_eq(silence(c, "refund.late", "ops", PRIO_LOW), "d");
	/* any rule: might be an outage, but not surely */
	ck_assert_str_eq(silence(c, NULL, "billing", PRIO_LOW), "a,b");
	conf_free(c);
}
END_TEST

/* Tags and sources are not known for a silence: such routes never stop it. */
START_TEST(silence_tags_sources)
{
	struct conf *c = load("  - {match: {tags: [x]}, receivers: [a]}\n"
	                      "  - {match: {source: [tw]}, receivers: [b]}\n"
	                      "  - {match: {rule: [refund.late]}, receivers: [c]}\n"
	                      "  - {receivers: [d]}\n");

	ck_assert_str_eq(silence(c, "refund.late", NULL, -1), "a,b,c");
	ck_assert_str_eq(silence(c, "refund.*", NULL, -1), "a,b,c,d");
	ck_assert_str_eq(silence(c, "spam", NULL, -1), "a,b,d");
	conf_free(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("route");

	tcase_add_test(tc, first_match_wins);
	tcase_add_test(tc, no_match_no_receiver);
	tcase_add_test(tc, teams);
	tcase_add_test(tc, tag_lists);
	tcase_add_test(tc, rule_globs);
	tcase_add_test(tc, sources);
	tcase_add_test(tc, all_matchers);
	tcase_add_test(tc, continue_and_once);
	tcase_add_test(tc, bounded_out);
	tcase_add_test(tc, silence_receivers);
	tcase_add_test(tc, silence_tags_sources);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
