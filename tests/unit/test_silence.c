/*
 * Silences: the matchers (from JSON and from keluhctl's --match), whole
 * words on folded text, which receivers a silence is announced to, and
 * the active set against a real spool (muting counts, expiry, reload from
 * the spool).
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "daemon/route.h"
#include "daemon/silence.h"
#include "engine/normalize.h"
#include "lib/metrics.h"
#include "unit.h"
#include "lib/util.h"

static struct silence_match
match_of(const char *json)
{
	struct silence_match m;
	char err[300];
	json_t *o = json_loads(json, 0, NULL);

	ck_assert_ptr_nonnull(o);
	ck_assert_msg(silence_match_from_json(o, &m, err, sizeof(err)) == 0, "%s: %s", json, err);
	json_decref(o);
	return m;
}

static int
bad_match(const char *json, const char *want)
{
	struct silence_match m;
	char err[300];
	json_t *o = json_loads(json, 0, NULL);
	int rc = silence_match_from_json(o, &m, err, sizeof(err));

	json_decref(o);
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, want) != NULL, "%s: '%s' lacks '%s'", json, err, want);
	return 1;
}

/*
 * A complaint as group_add sees it: rules is "a,b" (the first is the top
 * rule), its text folded as ingest folds it.
 */
struct subject {
	struct complaint in;
	json_t *info;
	struct norm_buf nb;
};

static void
subject_init(struct subject *s, const char *rules, const char *team, int prio,
    const char *author, const char *text)
{
	char tmp[256], *save = NULL, *tok;

	memset(s, 0, sizeof(*s));
	s->info = json_array();
	snprintf(tmp, sizeof(tmp), "%s", rules);
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		json_array_append_new(s->info, json_pack("{s:s,s:s,s:i}", "id", tok,
		    "description", "", "score", 10));
		if (s->in.rule == NULL)
			s->in.rule = json_string_value(json_object_get(json_array_get(s->info, 0),
			    "id"));
	}
	s->in.rule_info = s->info;
	s->in.team = team;
	s->in.priority = prio;
	s->in.author = author;
	s->in.text = text;
	s->in.text_len = strlen(text);
	norm_init(&s->nb);
	norm_fold_text(&s->nb, text, strlen(text));
	s->in.folded = s->nb.text;
	s->in.folded_len = s->nb.len;
}

static void
subject_free(struct subject *s)
{
	json_decref(s->info);
	norm_free(&s->nb);
}

static int
hits(const char *match_json, const char *rules, const char *team, int prio, const char *author,
    const char *text)
{
	struct silence_match m = match_of(match_json);
	struct subject s;
	int r;

	subject_init(&s, rules, team, prio, author, text);
	r = silence_matches(&m, &s.in);
	subject_free(&s);
	silence_match_free(&m);
	return r;
}

START_TEST(test_match_fields)
{
	/* every given matcher must hold */
	ck_assert(hits("{\"team\":\"tech\"}", "access.login", "tech", PRIO_HIGH, "a", "x"));
	ck_assert(!hits("{\"team\":\"tech\"}", "access.login", "billing", PRIO_HIGH, "a", "x"));
	ck_assert(!hits("{\"team\":\"tech\"}", "access.login", NULL, PRIO_HIGH, "a", "x"));
	ck_assert(hits("{\"rule\":\"access.*\",\"team\":\"tech\"}", "access.login", "tech",
	    PRIO_HIGH, "a", "x"));
	ck_assert(!hits("{\"rule\":\"access.*\",\"team\":\"tech\"}", "money.refund", "tech",
	    PRIO_HIGH, "a", "x"));
	/* any rule the complaint matched, not only the top one */
	ck_assert(hits("{\"rule\":\"access.*\"}", "money.refund,access.otp", "tech", PRIO_HIGH,
	    "a", "x"));
	ck_assert(hits("{\"rule\":\"access.login\"}", "access.login", NULL, PRIO_LOW, "a", "x"));
	ck_assert(!hits("{\"rule\":\"access.log\"}", "access.login", NULL, PRIO_LOW, "a", "x"));
	ck_assert(hits("{\"rule\":\"*.login\"}", "access.login", NULL, PRIO_LOW, "a", "x"));
	ck_assert(hits("{\"priority\":\"low\"}", "r", NULL, PRIO_LOW, "a", "x"));
	ck_assert(!hits("{\"priority\":\"low\"}", "r", NULL, PRIO_NORMAL, "a", "x"));
	/* author: '@' and case do not matter */
	ck_assert(hits("{\"author\":\"@Budi\"}", "r", NULL, PRIO_LOW, "budi", "x"));
	ck_assert(hits("{\"author\":\"budi\"}", "r", NULL, PRIO_LOW, "@BUDI", "x"));
	ck_assert(!hits("{\"author\":\"budi\"}", "r", NULL, PRIO_LOW, "budiman", "x"));
	ck_assert(!hits("{\"author\":\"budi\"}", "r", NULL, PRIO_LOW, NULL, "x"));
	/* a complaint no rule matched that a model made: its rule is model:NAME */
	for (int i = 0; i < 3; i++) {
		static const char *const pat[] = { "{\"rule\":\"model:brand\"}",
			"{\"rule\":\"model:*\"}", "{\"rule\":\"model:other\"}" };
		struct silence_match m = match_of(pat[i]);
		struct subject s;

		subject_init(&s, "", NULL, PRIO_LOW, "a", "x");
		s.in.rule = "model:brand";
		s.in.model = "brand";
		ck_assert_int_eq(silence_matches(&m, &s.in), i < 2);
		subject_free(&s);
		silence_match_free(&m);
	}
}
END_TEST

START_TEST(test_match_words)
{
	const char *m = "{\"words\":\"gak bisa\"}";

	ck_assert(hits(m, "r", NULL, PRIO_LOW, "a", "gak bisa login"));
	ck_assert(hits(m, "r", NULL, PRIO_LOW, "a", "Kok GAK   bisa login"));
	ck_assert(hits(m, "r", NULL, PRIO_LOW, "a", "aplikasinya gak bisa."));
	ck_assert(hits(m, "r", NULL, PRIO_LOW, "a", "(gak bisa)"));
	/* folded as mention text: squeezed letters and fullwidth forms */
	ck_assert(hits(m, "r", NULL, PRIO_LOW, "a", "gaaaak bisaaa masuk"));
	ck_assert(hits(m, "r", NULL, PRIO_LOW, "a", "\xef\xbd\x87\xef\xbd\x81\xef\xbd\x8b bisa"));
	/* whole words only */
	ck_assert(!hits(m, "r", NULL, PRIO_LOW, "a", "gak bisanya login"));
	ck_assert(!hits(m, "r", NULL, PRIO_LOW, "a", "nggak bisa login"));
	ck_assert(!hits(m, "r", NULL, PRIO_LOW, "a", "gak-gak bisa_x"));
	ck_assert(!hits(m, "r", NULL, PRIO_LOW, "a", "bisa gak"));
	/* a later occurrence counts when the first is inside a word */
	ck_assert(hits(m, "r", NULL, PRIO_LOW, "a", "nggak bisa, gak bisa"));
	ck_assert(hits("{\"words\":\"caf\xc3\xa9\"}", "r", NULL, PRIO_LOW, "a", "CAFE tutup"));
	/* words and another matcher */
	ck_assert(!hits("{\"words\":\"gak bisa\",\"team\":\"tech\"}", "r", "billing", PRIO_LOW,
	    "a", "gak bisa"));
}
END_TEST

/*
 * Words are looked for in the folded text the complaint carries, never in
 * a folding of its own: what the maker folded is what counts.
 */
START_TEST(test_match_folded_given)
{
	struct silence_match m = match_of("{\"words\":\"gak bisa\"}");
	struct subject s;

	subject_init(&s, "r", NULL, PRIO_LOW, "a", "login error");
	ck_assert(!silence_matches(&m, &s.in));
	s.in.folded = "kok gak bisa login";
	s.in.folded_len = strlen(s.in.folded);
	ck_assert(silence_matches(&m, &s.in));
	/* only the given length counts */
	s.in.folded_len = strlen("kok gak bi");
	ck_assert(!silence_matches(&m, &s.in));
	subject_free(&s);

	subject_init(&s, "r", NULL, PRIO_LOW, "a", "gak bisa login");
	ck_assert(silence_matches(&m, &s.in));
	s.in.folded = NULL;
	s.in.folded_len = 0;
	ck_assert(!silence_matches(&m, &s.in));
	/* other matchers do not need it */
	silence_match_free(&m);
	m = match_of("{\"author\":\"a\"}");
	ck_assert(silence_matches(&m, &s.in));
	subject_free(&s);
	silence_match_free(&m);
}
END_TEST

START_TEST(test_match_errors)
{
	struct silence_match m;
	char err[200];

	bad_match("{}", "at least one matcher");
	bad_match("{\"colour\":\"red\"}", "unknown matcher");
	bad_match("{\"team\":\"\"}", "string of 1 to");
	bad_match("{\"team\":3}", "string of 1 to");
	bad_match("{\"priority\":\"urgent\"}", "not one of");
	bad_match("{\"words\":\"   \"}", "nothing to match");
	bad_match("[1]", "must be an object");
	ck_assert_int_eq(silence_match_from_json(NULL, &m, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_spec_parse)
{
	char err[200], *s;
	json_t *o;

	o = silence_spec_parse("rule=access.*,team=tech,words=\"gak bisa\"", err, sizeof(err));
	ck_assert_msg(o != NULL, "%s", err);
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(s, "{\"rule\":\"access.*\",\"team\":\"tech\",\"words\":\"gak bisa\"}");
	free(s);
	json_decref(o);
	/* quotes keep commas; spaces around keys and values go */
	o = silence_spec_parse(" words = \"a, \\\"b\\\"\" , priority=high ", err, sizeof(err));
	ck_assert_msg(o != NULL, "%s", err);
	ck_assert_str_eq(json_string_value(json_object_get(o, "words")), "a, \"b\"");
	ck_assert_str_eq(json_string_value(json_object_get(o, "priority")), "high");
	json_decref(o);
	ck_assert_ptr_null(silence_spec_parse("", err, sizeof(err)));
	ck_assert_ptr_null(silence_spec_parse("team", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "key=value"));
	ck_assert_ptr_null(silence_spec_parse("team=a,team=b", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "twice"));
	ck_assert_ptr_null(silence_spec_parse("words=\"open", err, sizeof(err)));
	ck_assert_ptr_null(silence_spec_parse("words=\"a\"b", err, sizeof(err)));
}
END_TEST

START_TEST(test_parse_time)
{
	ck_assert_int_eq(silence_parse_time("2025-03-01T12:00:00Z"), 1740830400000LL);
	ck_assert_int_eq(silence_parse_time("2025-03-01T19:00:00+07:00"), 1740830400000LL);
	ck_assert_int_eq(silence_parse_time("tomorrow"), -1);
	ck_assert_int_eq(silence_parse_time(NULL), -1);
}
END_TEST

/* --- announcements go where the routes would send what is muted ----------- */

static struct conf *
conf_with_routes(void)
{
	static char *teams_tech[] = { "tech" }, *rules_money[] = { "money.*" },
		    *rules_login[] = { "access.login" };
	static size_t r0[] = { 0 }, r1[] = { 1 }, r2[] = { 2 };
	struct conf *c = xcalloc(1, sizeof(*c));

	c->nreceivers = 3;
	c->receivers = xcalloc(3, sizeof(*c->receivers));
	c->receivers[0].name = (char *)"tech-chat";
	c->receivers[1].name = (char *)"money-chat";
	c->receivers[2].name = (char *)"all";
	c->nroutes = 4;
	c->routes = xcalloc(4, sizeof(*c->routes));
	c->routes[0] = (struct conf_route){ .teams = teams_tech, .nteams = 1, .receivers = r0,
		.nreceivers = 1, .cont = 1 };
	c->routes[1] = (struct conf_route){ .rules = rules_money, .nrules = 1, .receivers = r1,
		.nreceivers = 1 };
	c->routes[2] = (struct conf_route){ .rules = rules_login, .nrules = 1, .receivers = r0,
		.nreceivers = 1 };
	c->routes[3] = (struct conf_route){ .receivers = r2, .nreceivers = 1 };
	return c;
}

static size_t
announce_to(const struct conf *c, const char *rule, const char *team, int prio, char *out)
{
	size_t recv[8], n = route_silence(c, rule, team, prio, recv, 8);

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		sprintf(out + strlen(out), "%s%s", i ? "," : "", c->receivers[recv[i]].name);
	return n;
}

START_TEST(test_route_silence)
{
	struct conf *c = conf_with_routes();
	char got[128];

	/* money.* is caught by route 1 for sure (it does not continue) */
	announce_to(c, "money.*", NULL, -1, got);
	ck_assert_str_eq(got, "tech-chat,money-chat");
	announce_to(c, "money.refund", "billing", -1, got);
	ck_assert_str_eq(got, "money-chat");
	/* access.login for sure stops at route 2 */
	announce_to(c, "access.login", "billing", -1, got);
	ck_assert_str_eq(got, "tech-chat");
	/* access.* may be access.login or not: both routes 2 and 3 */
	announce_to(c, "access.*", "billing", -1, got);
	ck_assert_str_eq(got, "tech-chat,all");
	announce_to(c, NULL, "tech", -1, got);
	ck_assert_str_eq(got, "tech-chat,money-chat,all");
	announce_to(c, "m*", "ops", -1, got);
	ck_assert_str_eq(got, "money-chat,all");
	free(c->receivers);
	free(c->routes);
	free(c);
}
END_TEST

/* --- the active set against a spool ----------------------------------------- */

static char dir[64], path[128];
static struct spool *sp;
static struct event_base *base;
static struct conf *rc;
static int kicked;

static void
kick(void *arg, const size_t *receivers, size_t n)
{
	(void)arg;
	(void)receivers;
	kicked += (int)n;
}

static void
set_setup(void)
{
	char err[300];

	metrics_init();
	snprintf(dir, sizeof(dir), "/tmp/keluh-silence.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/spool.db", dir);
	sp = spool_open(path, 0, err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
	base = event_base_new();
	rc = conf_with_routes();
	kicked = 0;
}

static void
set_teardown(void)
{
	DIR *d;
	struct dirent *e;
	char p[512];

	spool_close(sp);
	event_base_free(base);
	free(rc->receivers);
	free(rc->routes);
	free(rc);
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

static int64_t
count_alerts(void)
{
	struct spool_counts c;

	ck_assert_int_eq(spool_counts(sp, NULL, &c), 0);
	return c.alerts;
}

START_TEST(test_set_mute_expire_reload)
{
	struct silences *ss = silences_new(base, sp, rc, kick, NULL);
	struct silence_match m = match_of("{\"team\":\"tech\",\"words\":\"gak bisa\"}");
	const struct silence *s;
	struct subject yes, no;
	char err[300];
	json_t *list;
	int64_t id;

	ck_assert_int_eq(silences_load(ss, err, sizeof(err)), 0);
	ck_assert_uint_eq(silences_active(ss), 0);
	s = silences_add(ss, &m, "ana", "deploy", util_now_ms() + 3600 * 1000, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	id = s->id;
	ck_assert_int_eq(spool_commit(sp), 0);
	/* announced: one alert, to the receivers of team tech */
	ck_assert_int_eq(count_alerts(), 1);
	ck_assert_int_eq(kicked, 3);

	subject_init(&yes, "access.login", "tech", PRIO_HIGH, "a", "Gak bisa login");
	subject_init(&no, "access.login", "tech", PRIO_HIGH, "a", "login error");
	ck_assert_ptr_eq(silences_mute(ss, &yes.in), silences_get(ss, id));
	ck_assert_ptr_null(silences_mute(ss, &no.in));
	ck_assert_int_eq(silences_get(ss, id)->suppressed, 1);
	/* a complaint read back at start was counted when it came */
	yes.in.restored = 1;
	ck_assert_ptr_nonnull(silences_mute(ss, &yes.in));
	ck_assert_int_eq(silences_get(ss, id)->suppressed, 2);
	ck_assert_int_eq(spool_commit(sp), 0);
	silences_free(ss);

	/* loaded again from the spool, with the count it stored */
	ss = silences_new(base, sp, rc, kick, NULL);
	ck_assert_int_eq(silences_load(ss, err, sizeof(err)), 0);
	ck_assert_uint_eq(silences_active(ss), 1);
	ck_assert_int_eq(silences_get(ss, id)->suppressed, 1);
	list = silences_json(ss, 0);
	ck_assert_uint_eq(json_array_size(list), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(list, 0),
	    "matchers"), "words")), "gak bisa");
	json_decref(list);

	/* the folded text the complaint carries decides, not its text */
	no.in.folded = yes.in.folded;
	no.in.folded_len = yes.in.folded_len;
	ck_assert_ptr_eq(silences_mute(ss, &no.in), silences_get(ss, id));
	ck_assert_int_eq(silences_get(ss, id)->suppressed, 2);

	/* ended by hand: announced, gone from the set, kept in the listing of all */
	ck_assert_int_eq(silences_expire(ss, id, "budi"), 1);
	ck_assert_int_eq(silences_expire(ss, id, "budi"), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(count_alerts(), 2);
	ck_assert_ptr_null(silences_mute(ss, &yes.in));
	list = silences_json(ss, 1);
	ck_assert_uint_eq(json_array_size(list), 1);
	ck_assert(json_is_false(json_object_get(json_array_get(list, 0), "active")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "ended_by")),
	    "budi");
	json_decref(list);
	subject_free(&yes);
	subject_free(&no);
	silences_free(ss);
}
END_TEST

START_TEST(test_set_expires_on_time)
{
	struct silences *ss = silences_new(base, sp, rc, kick, NULL);
	struct silence_match m = match_of("{\"rule\":\"money.*\"}");
	struct silence_match m2 = match_of("{\"team\":\"x\"}");
	struct timeval limit = { 5, 0 };
	char err[300];
	int64_t t0 = util_now_ms();

	ck_assert_ptr_nonnull(silences_add(ss, &m, "ana", "r", t0 + 300, err, sizeof(err)));
	ck_assert_ptr_nonnull(silences_add(ss, &m2, "ana", "r", t0 + 3600 * 1000, err,
	    sizeof(err)));
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_uint_eq(silences_active(ss), 2);
	event_base_loopexit(base, &limit);
	while (silences_active(ss) == 2 && util_now_ms() - t0 < 5000)
		event_base_loop(base, EVLOOP_ONCE);
	ck_assert_uint_eq(silences_active(ss), 1);
	ck_assert_int_ge(util_now_ms() - t0, 300);
	ck_assert_int_lt(util_now_ms() - t0, 2000);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(count_alerts(), 3);	/* 2 created, 1 expired */
	silences_free(ss);

	/* an ended one is not loaded again */
	ss = silences_new(base, sp, rc, kick, NULL);
	ck_assert_int_eq(spool_end_silence(sp, 2, 1, "test"), 1);
	ck_assert_int_eq(silences_load(ss, err, sizeof(err)), 0);
	ck_assert_uint_eq(silences_active(ss), 0);
	silences_free(ss);
}
END_TEST

START_TEST(test_set_ends_overdue_at_load)
{
	struct silences *ss = silences_new(base, sp, rc, kick, NULL);
	char err[300];

	ck_assert_int_gt(spool_add_silence(sp, "{\"team\":\"tech\"}", "ana", "r", 1000, 2000), 0);
	ck_assert_int_eq(silences_load(ss, err, sizeof(err)), 0);
	ck_assert_uint_eq(silences_active(ss), 0);
	ck_assert_int_eq(count_alerts(), 1);	/* its end was announced */
	silences_free(ss);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("silence");
	TCase *tc = tcase_create("match"), *ts = tcase_create("set");

	tcase_add_test(tc, test_match_fields);
	tcase_add_test(tc, test_match_words);
	tcase_add_test(tc, test_match_folded_given);
	tcase_add_test(tc, test_match_errors);
	tcase_add_test(tc, test_spec_parse);
	tcase_add_test(tc, test_parse_time);
	tcase_add_test(tc, test_route_silence);
	suite_add_tcase(s, tc);
	tcase_set_timeout(ts, 30);
	tcase_add_checked_fixture(ts, set_setup, set_teardown);
	tcase_add_test(ts, test_set_mute_expire_reload);
	tcase_add_test(ts, test_set_expires_on_time);
	tcase_add_test(ts, test_set_ends_overdue_at_load);
	suite_add_tcase(s, ts);
	return unit_run(s);
}
