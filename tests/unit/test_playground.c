/*
 * The playground's endpoints over a real httpd on 127.0.0.1, with the
 * console's checks left out (playground_handle gets every request): the
 * loop runs here, a client thread sends the requests with libcurl.
 */
#include "config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/console.h"
#include "engine/classify.h"
#include "engine/verdict.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "store/spool.h"
#include "unit.h"

struct console {
	struct console_env env;
};

const struct console_env *
console_env(const struct console *c)
{
	return &c->env;
}

static char root[] = "/tmp/keluh-unit.XXXXXX";
static char rules_dir[300], conf_path[300];
static struct console con;
static struct conf *conf;
static struct event_base *base;
static struct httpd *srv;
static int port, reloads, quitpipe[2];
static struct event *quit_ev;

static const char billing_yaml[] =
    "scoring: {thresholds: {critical: 80, high: 50, normal: 25, low: 10}}\n"
    "rules:\n"
    "  - {id: bill.double, team: billing, score: 30, when: {keywords: [dobel, double charged]}}\n"
    "  - {id: login.fail, team: tech, score: 30, when: {regex: 'gagal\\s+login'}}\n";

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	struct buf b;
	char chunk[4096];
	size_t n;

	if (fp == NULL)
		return NULL;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	return b.data ? b.data : xstrdup("");
}

/* As SIGHUP would: the rules again, kept only when they load. */
static int
fake_reload(void *arg, char *err, size_t errlen, size_t *nerrors)
{
	struct diag d;
	struct ruleset *rs;

	(void)arg;
	reloads++;
	diag_init(&d);
	rs = rules_load_spec(&conf->rules, &d);
	*nerrors = d.errors;
	if (rs == NULL) {
		snprintf(err, errlen, "%s:%u:%u: %s", d.items[0].file, d.items[0].line,
		         d.items[0].col, d.items[0].msg);
		diag_free(&d);
		return -1;
	}
	diag_free(&d);
	rules_unref(con.env.rules);
	con.env.rules = rs;
	return 0;
}

static void
on_req(void *arg, struct httpd_req *req)
{
	struct console_user u = {"tester", CONSOLE_VIA_BEARER};

	(void)arg;
	if (!playground_handle(&con, req, &u))
		httpd_reply_error(req, 404, "not the playground's", NULL);
}

static void
on_quit(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(base);
}

static void
setup(void)
{
	struct diag d;
	char *spool;

	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(rules_dir, sizeof(rules_dir), "%s/rules.d", root);
	snprintf(conf_path, sizeof(conf_path), "%s/keluhd.yaml", root);
	ck_assert_int_eq(mkdir(rules_dir, 0755), 0);
	spool = xasprintf("%s/rules.d/billing.yaml", root);
	put(spool, billing_yaml);
	free(spool);
	put(conf_path, "rules: {packs: [], dir: rules.d}\nspool: {path: spool.db}\n");
	metrics_init();
	diag_init(&d);
	conf = conf_load(conf_path, &d);
	if (conf == NULL)
		diag_print(&d, stderr);
	ck_assert_ptr_nonnull(conf);
	conf->ui.backtest_keep = 100000;
	conf->ui.backtest_budget_ms = 5000;
	memset(&con, 0, sizeof(con));
	con.env.rules = rules_load_spec(&conf->rules, &d);
	ck_assert_ptr_nonnull(con.env.rules);
	diag_free(&d);
	base = event_base_new();
	con.env.base = base;
	con.env.conf = conf;
	con.env.reload = fake_reload;
	srv = httpd_new(base, "127.0.0.1:0", NULL, on_req, NULL, NULL, 0);
	ck_assert_ptr_nonnull(srv);
	port = httpd_port(srv);
	ck_assert_int_eq(pipe(quitpipe), 0);
	quit_ev = event_new(base, quitpipe[0], EV_READ, on_quit, NULL);
	event_add(quit_ev, NULL);
	reloads = 0;
}

static void
teardown(void)
{
	char *cmd;

	playground_stop(&con);
	httpd_free(srv);
	event_free(quit_ev);
	close(quitpipe[0]);
	close(quitpipe[1]);
	event_base_free(base);
	rules_unref(con.env.rules);
	conf_free(conf);
	metrics_free();
	cmd = xasprintf("rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	memcpy(root + strlen(root) - 6, "XXXXXX", 6);
}

/* ---- the client thread ---------------------------------------------- */

struct resp {
	long code;
	struct buf body;
	json_t *json;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	buf_add(arg, p, size * n);
	return size * n;
}

static void
resp_free(struct resp *r)
{
	buf_free(&r->body);
	json_decref(r->json);
}

static void
call(const char *method, const char *path, const char *body, struct resp *r)
{
	CURL *h = curl_easy_init();
	char url[256];

	memset(r, 0, sizeof(*r));
	buf_init(&r->body);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->body);
	ck_assert_int_eq(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->code);
	curl_easy_cleanup(h);
	r->json = r->body.data ? json_loads(r->body.data, 0, NULL) : NULL;
}

static void
post(const char *path, json_t *body, struct resp *r)
{
	char *s = json_dumps(body, JSON_COMPACT);

	json_decref(body);
	call("POST", path, s, r);
	free(s);
}

static void (*script)(void);

static void *
client_main(void *arg)
{
	(void)arg;
	script();
	if (write(quitpipe[1], "q", 1) != 1)
		abort();
	return NULL;
}

static void
run(void (*fn)(void))
{
	pthread_t th;

	script = fn;
	ck_assert_int_eq(pthread_create(&th, NULL, client_main, NULL), 0);
	event_base_dispatch(base);
	pthread_join(th, NULL);
}

/* What keluhctl test --json prints for the text, from the same rules. */
static char *
expected_verdict(const char *id, const char *text, const char *lang, int rating)
{
	struct classify_ctx *ctx = classify_ctx_new(con.env.rules);
	struct classify_author a = {-1, 0, rating};
	struct verdict v;
	struct buf b;
	size_t bad;

	ck_assert_int_eq(classify_mention(ctx, text, strlen(text), lang, &a, &v, &bad), 0);
	buf_init(&b);
	verdict_json(&b, con.env.rules, id, text, strlen(text), &v);
	buf_addc(&b, '\n');
	classify_ctx_free(ctx);
	return b.data;
}

static const char *
jstr(json_t *o, const char *path)
{
	return json_string_value(json_object_get(o, path));
}

/* ---- the tests -------------------------------------------------------- */

static const char *const verdict_texts[] = {"saya kena dobel bayar, tolong", "I was double charged",
                                            "gagal   login terus sejak pagi", "terima kasih"};
static char *verdict_want[4];

static void
s_verdict(void)
{
	struct resp r;

	for (size_t i = 0; i < 4; i++) {
		const char *text = verdict_texts[i];

		post("/v1/playground",
		     i == 3 ? json_pack("{s:s,s:s,s:s,s:i}", "id", "m1", "text", text, "lang", "id",
		                        "rating", 2)
		            : json_pack("{s:s,s:s,s:s}", "id", "m1", "text", text, "lang",
		                        i % 2 ? "en" : "id"),
		     &r);
		ck_assert_int_eq(r.code, 200);
		ck_assert_str_eq(r.body.data, verdict_want[i]);
		resp_free(&r);
	}
}

/* the wanted verdicts are made before the loop runs: rulesets belong to its thread */
START_TEST(test_verdict_is_the_engines)
{
	for (size_t i = 0; i < 4; i++)
		verdict_want[i] =
		    expected_verdict("m1", verdict_texts[i], i % 2 ? "en" : "id", i == 3 ? 2 : 0);
	ck_assert_ptr_nonnull(strstr(verdict_want[0], "\"start\":10"));
	run(s_verdict);
	for (size_t i = 0; i < 4; i++)
		free(verdict_want[i]);
}
END_TEST

static void
s_draft(void)
{
	struct resp r;
	json_t *d, *t;
	double compiles;
	static const char draft[] =
	    "scoring: {thresholds: {critical: 80, high: 50, normal: 25, low: 10}}\n"
	    "rules:\n"
	    "  - {id: bill.refund, team: billing, score: 30, when: {keywords: [refund]}}\n"
	    "tests:\n"
	    "  - {text: minta refund, rules: [bill.refund]}\n"
	    "  - {text: refund lama, priority: high}\n";

	post("/v1/playground",
	     json_pack("{s:s,s:s,s:s}", "text", "minta refund dong", "rules", draft, "file",
	               "billing.yaml"),
	     &r);
	ck_assert_int_eq(r.code, 200);
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"rules\":[\"bill.refund\"]"));
	d = json_object_get(r.json, "draft");
	ck_assert(json_is_true(json_object_get(d, "ok")));
	t = json_object_get(d, "tests");
	ck_assert_int_eq(json_integer_value(json_object_get(t, "passed")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(t, "failed")), 1);
	t = json_array_get(json_object_get(t, "results"), 1);
	ck_assert(json_is_false(json_object_get(t, "ok")));
	ck_assert_int_eq(json_integer_value(json_object_get(t, "line")), 6);
	ck_assert_str_eq(jstr(t, "expect"), "priority high");
	ck_assert_str_eq(jstr(t, "got"),
	                 "rules bill.refund; priority normal (score 30); team billing");
	ck_assert_str_eq(jstr(t, "why"), "priority is normal, expected high (score 30)");
	resp_free(&r);

	/* the same draft again: not compiled again; the live set is what it was */
	compiles = metrics_get("keluh_ui_playground_compiles_total", NULL);
	post("/v1/playground",
	     json_pack("{s:s,s:s,s:s}", "text", "refund", "rules", draft, "file", "billing.yaml"),
	     &r);
	ck_assert_int_eq(r.code, 200);
	ck_assert(metrics_get("keluh_ui_playground_compiles_total", NULL) == compiles);
	resp_free(&r);
	post("/v1/playground", json_pack("{s:s}", "text", "minta refund dong"), &r);
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"rules\":[]"));
	ck_assert_ptr_null(json_object_get(r.json, "draft"));
	resp_free(&r);
	post("/v1/playground", json_pack("{s:s}", "text", "kena dobel"), &r);
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"rules\":[\"bill.double\"]"));
	resp_free(&r);
}

START_TEST(test_draft_and_its_tests)
{
	run(s_draft);
}
END_TEST

static void
s_draft_errors(void)
{
	struct resp r;
	json_t *d, *g;

	post("/v1/playground",
	     json_pack("{s:s,s:s,s:s}", "text", "kena dobel", "file", "new.yaml", "rules",
	               "rules:\n  - id: x.y\n    score: 30\n    wen: {keywords: [a]}\n"),
	     &r);
	ck_assert_int_eq(r.code, 200);
	/* the live set's verdict */
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"rules\":[\"bill.double\"]"));
	d = json_object_get(r.json, "draft");
	ck_assert(json_is_false(json_object_get(d, "ok")));
	g = json_array_get(json_object_get(d, "diagnostics"), 0);
	ck_assert_str_eq(jstr(g, "file"), "new.yaml");
	ck_assert_int_eq(json_integer_value(json_object_get(g, "line")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(g, "col")), 5);
	ck_assert_str_eq(jstr(g, "severity"), "error");
	ck_assert_ptr_nonnull(strstr(jstr(g, "message"), "did you mean 'when'"));
	resp_free(&r);
}

START_TEST(test_draft_errors)
{
	run(s_draft_errors);
}
END_TEST

/* A regex that backtracks without end comes back bounded, and says so. */
static void
s_catastrophic(void)
{
	char text[6002];
	struct resp r;
	json_t *d;

	memset(text, 'a', sizeof(text) - 2);
	text[sizeof(text) - 2] = 'b';
	text[sizeof(text) - 1] = '\0';
	post("/v1/playground",
	     json_pack("{s:s,s:s,s:s}", "text", text, "file", "evil.yaml", "rules",
	               "rules:\n  - {id: evil.re, score: 30, when: {regex: '(a+)+$'}}\n"
	               "  - {id: evil.re2, score: 30, when: {regex: '^(a|aa)+c'}}\n"),
	     &r);
	ck_assert_int_eq(r.code, 200);
	d = json_object_get(r.json, "draft");
	ck_assert(json_is_true(json_object_get(d, "ok")));
	ck_assert_msg(json_object_get(r.json, "regex_errors") || json_object_get(r.json, "bounds"),
	              "no bound noted: %s", r.body.data);
	ck_assert(json_is_false(json_object_get(r.json, "complaint")));
	resp_free(&r);
}

START_TEST(test_catastrophic_regex_bounded)
{
	run(s_catastrophic);
}
END_TEST

static void
s_bad_requests(void)
{
	struct resp r;
	char *big;

	call("POST", "/v1/playground", "{\"text\": ", &r);
	ck_assert_int_eq(r.code, 400);
	ck_assert_ptr_nonnull(strstr(jstr(r.json, "error"), "malformed JSON at line 1"));
	resp_free(&r);
	post("/v1/playground", json_pack("{s:s,s:i}", "text", "x", "ratin", 2), &r);
	ck_assert_int_eq(r.code, 400);
	ck_assert_str_eq(jstr(r.json, "error"),
	                 "unknown key 'ratin' (use text, lang, rating, rules, file, id)");
	resp_free(&r);
	post("/v1/playground", json_pack("{s:s,s:i}", "text", "x", "rating", 6), &r);
	ck_assert_int_eq(r.code, 400);
	resp_free(&r);
	post("/v1/playground", json_pack("{s:s}", "lang", "id"), &r);
	ck_assert_int_eq(r.code, 400);
	resp_free(&r);
	post("/v1/playground",
	     json_pack("{s:s,s:s,s:s}", "text", "x", "rules", "", "file", "../x.yaml"), &r);
	ck_assert_int_eq(r.code, 400);
	ck_assert_ptr_nonnull(strstr(jstr(r.json, "error"), "plain name ending in .yaml"));
	resp_free(&r);
	big = xmalloc(70 * 1024);
	memset(big, 'x', 70 * 1024 - 1);
	big[70 * 1024 - 1] = '\0';
	post("/v1/playground", json_pack("{s:s}", "text", big), &r);
	ck_assert_int_eq(r.code, 413);
	ck_assert_str_eq(jstr(r.json, "error"), "'text' is 71679 bytes; at most 65536 are taken");
	resp_free(&r);
	free(big);
	call("GET", "/v1/playground", NULL, &r);
	ck_assert_int_eq(r.code, 405);
	resp_free(&r);
	call("POST", "/v1/playgroundx", "{}", &r);
	ck_assert_int_eq(r.code, 404);
	resp_free(&r);
}

START_TEST(test_bad_requests)
{
	run(s_bad_requests);
}
END_TEST

static void
s_save(void)
{
	static const char good[] =
	    "scoring: {thresholds: {critical: 80, high: 50, normal: 25, low: 10}}\n"
	    "rules:\n  - {id: bill.refund, team: billing, score: 30, when: {keywords: [refund]}}\n";
	char *path = xasprintf("%s/billing.yaml", rules_dir), *s;
	struct resp r;

	post("/v1/playground/save", json_pack("{s:s,s:s}", "rules", good, "file", "billing.yaml"),
	     &r);
	ck_assert_int_eq(r.code, 403);
	ck_assert_int_eq(reloads, 0);
	resp_free(&r);
	conf->ui.rules_writable = 1;
	post("/v1/playground/save", json_pack("{s:s,s:s}", "rules", good, "file", "sub/x.yaml"),
	     &r);
	ck_assert_int_eq(r.code, 400);
	resp_free(&r);
	post("/v1/playground/save", json_pack("{s:s,s:s}", "rules", good, "file", "billing.yaml"),
	     &r);
	ck_assert_int_eq(r.code, 200);
	ck_assert(json_is_true(json_object_get(r.json, "ok")));
	ck_assert_int_eq(reloads, 1);
	resp_free(&r);
	s = slurp(path);
	ck_assert_str_eq(s, good);
	free(s);
	post("/v1/playground", json_pack("{s:s}", "text", "refund"), &r);
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"rules\":[\"bill.refund\"]"));
	resp_free(&r);

	/* refused by the reload: the file goes back to what runs */
	post("/v1/playground/save",
	     json_pack("{s:s,s:s}", "rules", "rules: [\n", "file", "billing.yaml"), &r);
	ck_assert_int_eq(r.code, 200);
	ck_assert(json_is_false(json_object_get(r.json, "ok")));
	ck_assert(json_is_true(json_object_get(r.json, "restored")));
	ck_assert(json_is_false(json_object_get(json_object_get(r.json, "reload"), "ok")));
	ck_assert_ptr_nonnull(
	    strstr(jstr(json_object_get(r.json, "reload"), "error"), "billing.yaml"));
	resp_free(&r);
	s = slurp(path);
	ck_assert_str_eq(s, good);
	free(s);
	/* a new file refused is taken away again */
	post("/v1/playground/save",
	     json_pack("{s:s,s:s}", "rules", "rules: 3\n", "file", "new.yaml"), &r);
	ck_assert(json_is_false(json_object_get(r.json, "ok")));
	resp_free(&r);
	free(path);
	path = xasprintf("%s/new.yaml", rules_dir);
	ck_assert_int_eq(access(path, F_OK), -1);
	free(path);
}

START_TEST(test_save)
{
	run(s_save);
}
END_TEST

/* ---- backtests ------------------------------------------------------- */

/* Recent mentions as keluhd keeps them: n of text, then the extra ones. */
static void
seed(size_t n, const char *text, const char *const *extra, size_t nextra)
{
	char err[256], *path = xasprintf("%s/spool.db", root), *js;
	struct spool *sp = spool_open(path, 0, err, sizeof(err));
	int64_t now = util_now_ms();

	ck_assert_msg(sp != NULL, "%s", err);
	ck_assert_int_eq(spool_begin(sp), 0);
	for (size_t i = 0; i < n + nextra; i++) {
		json_t *o = json_pack("{s:s,s:s,s:s}", "id", "", "text",
		                      i < n ? text : extra[i - n], "lang", "id");

		json_object_set_new(o, "id", json_sprintf("r%zu", i));
		js = json_dumps(o, JSON_COMPACT);
		ck_assert_int_ge(spool_recent_add(sp, now - 60000 + (int64_t)i, 0,
		                                  json_string_value(json_object_get(o, "id")), js),
		                 0);
		free(js);
		json_decref(o);
	}
	ck_assert_int_eq(spool_commit(sp), 0);
	spool_close(sp);
	free(path);
}

static const char bt_draft[] =
    "rules:\n"
    "  - {id: bill.refund, team: billing, score: 30, when: {keywords: [refund]}}\n"
    "  - {id: login.fail, team: tech, score: 30, when: {regex: 'gagal\\s+login'}}\n";

static void
s_backtest(void)
{
	struct resp r;
	json_t *l;

	post("/v1/playground/backtest",
	     json_pack("{s:s,s:s,s:i}", "rules", bt_draft, "file", "billing.yaml", "days", 1), &r);
	ck_assert_int_eq(r.code, 200);
	ck_assert(json_is_true(json_object_get(r.json, "complete")));
	ck_assert(json_is_null(json_object_get(r.json, "stopped")));
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "checked")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "kept")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "before")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "after")), 2);
	l = json_object_get(r.json, "new");
	ck_assert_int_eq(json_array_size(l), 1);
	ck_assert_str_eq(jstr(json_array_get(l, 0), "id"), "r1");
	ck_assert_str_eq(jstr(json_array_get(l, 0), "text"), "minta refund dong");
	ck_assert_str_eq(
	    json_string_value(json_array_get(json_object_get(json_array_get(l, 0), "rules"), 0)),
	    "bill.refund");
	l = json_object_get(r.json, "lost");
	ck_assert_int_eq(json_array_size(l), 1);
	ck_assert_str_eq(jstr(json_array_get(l, 0), "id"), "r0");
	ck_assert_str_eq(
	    json_string_value(json_array_get(json_object_get(json_array_get(l, 0), "rules"), 0)),
	    "bill.double");
	resp_free(&r);

	/* a draft with errors is not backtested */
	post("/v1/playground/backtest",
	     json_pack("{s:s,s:s}", "rules", "rules: [", "file", "b.yaml"), &r);
	ck_assert_int_eq(r.code, 400);
	ck_assert(json_is_false(json_object_get(json_object_get(r.json, "draft"), "ok")));
	resp_free(&r);
	post("/v1/playground/backtest", json_pack("{s:s,s:i}", "rules", bt_draft, "days", 31), &r);
	ck_assert_int_eq(r.code, 400);
	ck_assert_str_eq(jstr(r.json, "error"), "'days' must be a whole number from 1 to 30");
	resp_free(&r);
}

START_TEST(test_backtest_new_and_lost)
{
	static const char *const rows[] = {"kena dobel bayar", "minta refund dong",
	                                   "gagal login lagi", "halo kak"};

	seed(0, NULL, rows, 4);
	run(s_backtest);
	ck_assert(metrics_get("keluh_ui_backtests_total", "result=\"complete\"") == 1);
}
END_TEST

/* Mentions that keep a bounded regex busy to its work limit: a slow backtest. */
static const char slow_draft[] =
    "rules:\n  - {id: slow.re, score: 30, when: {regex: '^(a|aa)+$'}}\n";
static char slow_text[1501];

static void
slow_seed(size_t n)
{
	memset(slow_text, 'a', sizeof(slow_text) - 2);
	slow_text[sizeof(slow_text) - 2] = 'b';
	seed(n, slow_text, NULL, 0);
}

static void
s_budget(void)
{
	struct resp r;
	const char *why;

	post("/v1/playground/backtest",
	     json_pack("{s:s,s:s}", "rules", slow_draft, "file", "s.yaml"), &r);
	ck_assert_int_eq(r.code, 200);
	ck_assert(json_is_false(json_object_get(r.json, "complete")));
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "kept")), 3000);
	ck_assert_int_lt(json_integer_value(json_object_get(r.json, "checked")), 3000);
	why = jstr(r.json, "stopped");
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strncmp(why, "stopped after ", 14) == 0 && strstr(why, " s: ") != NULL &&
	                  strstr(why, " of 3,000 mentions checked") != NULL,
	              "%s", why);
	resp_free(&r);
}

START_TEST(test_backtest_budget)
{
	slow_seed(3000);
	conf->ui.backtest_budget_ms = 1;
	run(s_budget);
	ck_assert(metrics_get("keluh_bound_hits_total", "bound=\"backtest_budget\"") == 1);
}
END_TEST

/* A request written on a socket of its own, its answer read later. */
static int
raw_post(const char *path, const char *body)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char *req = xasprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n%s", path,
	                      strlen(body), body);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	free(req);
	return fd;
}

static int
raw_status(int fd)
{
	char in[256];
	ssize_t n = read(fd, in, sizeof(in) - 1);
	int st = 0;

	close(fd);
	if (n <= 0)
		return 0;
	in[n] = '\0';
	sscanf(in, "HTTP/1.1 %d", &st);
	return st;
}

/*
 * One answer on another connection: the loop has read the raw request
 * written before it by then (it was accepted and readable first).
 */
static void
sync_loop(void)
{
	struct resp r;

	post("/v1/playground", json_pack("{s:s}", "text", "halo"), &r);
	ck_assert_int_eq(r.code, 200);
	resp_free(&r);
}

static void
s_one_at_a_time(void)
{
	char *body = xasprintf("{\"rules\":\"%s\",\"file\":\"s.yaml\"}",
	                       "rules: [{id: slow.re, score: 30, when: {regex: '^(a|aa)+$'}}]");
	int fd = raw_post("/v1/playground/backtest", body), first;
	struct resp r;

	post("/v1/playground/backtest",
	     json_pack("{s:s,s:s}", "rules", slow_draft, "file", "s.yaml"), &r);
	first = raw_status(fd);
	/* whichever came in first ran; the other was told to come back */
	ck_assert_msg((first == 200 && r.code == 429) || (first == 429 && r.code == 200),
	              "%d and %ld", first, r.code);
	if (r.code == 429)
		ck_assert_str_eq(jstr(r.json, "error"),
		                 "a backtest is running; one runs at a time");
	resp_free(&r);
	free(body);
}

START_TEST(test_backtest_one_at_a_time)
{
	slow_seed(3000);
	run(s_one_at_a_time);
	ck_assert(metrics_get("keluh_bound_hits_total", "bound=\"backtests\"") == 1);
}
END_TEST

/* The client leaves: the backtest stops early and its result is dropped. */
static void
s_client_leaves(void)
{
	int fd = raw_post(
	    "/v1/playground/backtest",
	    "{\"rules\":\"rules: [{id: slow.re, score: 30, when: {regex: '^(a|aa)+$'}}]\"}");
	struct resp r;
	int code;

	sync_loop();
	post("/v1/playground/backtest", json_pack("{s:s}", "rules", slow_draft), &r);
	ck_assert_int_eq(r.code, 429);
	resp_free(&r);
	close(fd);
	do {
		post("/v1/playground/backtest", json_pack("{s:s}", "rules", "rules: []\n"), &r);
		code = (int)r.code;
		resp_free(&r);
	} while (code == 429);
	ck_assert_int_eq(code, 200);
}

START_TEST(test_backtest_client_leaves)
{
	slow_seed(20000);
	conf->ui.backtest_budget_ms = 60000;
	run(s_client_leaves);
	ck_assert(metrics_get("keluh_ui_backtests_total", "result=\"dropped\"") == 1);
}
END_TEST

/* keluhd stops while a backtest runs: the thread is joined, nothing hangs or leaks. */
static int stop_fd;

static void
s_stop_running(void)
{
	struct resp r;

	stop_fd = raw_post(
	    "/v1/playground/backtest",
	    "{\"rules\":\"rules: [{id: slow.re, score: 30, when: {regex: '^(a|aa)+$'}}]\"}");
	sync_loop();
	post("/v1/playground/backtest", json_pack("{s:s}", "rules", slow_draft), &r);
	ck_assert_int_eq(r.code, 429);
	resp_free(&r);
}

START_TEST(test_backtest_stop_while_running)
{
	int64_t t0;

	slow_seed(20000);
	conf->ui.backtest_budget_ms = 60000;
	run(s_stop_running);
	t0 = util_mono_ms();
	playground_stop(&con);
	/* left alone it runs for about 12 s (20,000 mentions at the regex work limit) */
	ck_assert_int_lt(util_mono_ms() - t0, 5000);
	close(stop_fd);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("playground");
	TCase *tc = tcase_create("playground");

	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_verdict_is_the_engines);
	tcase_add_test(tc, test_draft_and_its_tests);
	tcase_add_test(tc, test_draft_errors);
	tcase_add_test(tc, test_catastrophic_regex_bounded);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_save);
	tcase_add_test(tc, test_backtest_new_and_lost);
	tcase_add_test(tc, test_backtest_budget);
	tcase_add_test(tc, test_backtest_one_at_a_time);
	tcase_add_test(tc, test_backtest_client_leaves);
	tcase_add_test(tc, test_backtest_stop_while_running);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
