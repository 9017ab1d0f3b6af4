#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "lib/diag.h"
#include "unit.h"

START_TEST(durations)
{
	ck_assert_int_eq(conf_parse_duration("0"), 0);
	ck_assert_int_eq(conf_parse_duration("500ms"), 500);
	ck_assert_int_eq(conf_parse_duration("30s"), 30000);
	ck_assert_int_eq(conf_parse_duration("2m"), 120000);
	ck_assert_int_eq(conf_parse_duration("2min"), 120000);
	ck_assert_int_eq(conf_parse_duration("1h"), 3600000);
	ck_assert_int_eq(conf_parse_duration("1d"), 86400000);
	ck_assert_int_eq(conf_parse_duration("1h30m"), 5400000);
	ck_assert_int_eq(conf_parse_duration("1.5s"), 1500);
	/* a number needs its unit: '5' could be seconds or milliseconds */
	ck_assert_int_eq(conf_parse_duration("5"), -1);
	ck_assert_int_eq(conf_parse_duration(""), -1);
	ck_assert_int_eq(conf_parse_duration("1w"), -1);
	ck_assert_int_eq(conf_parse_duration("-1s"), -1);
	ck_assert_int_eq(conf_parse_duration("s"), -1);
	ck_assert_int_eq(conf_parse_duration("1e300h"), -1);
}
END_TEST

START_TEST(sizes)
{
	ck_assert_int_eq(conf_parse_size("65536"), 65536);
	ck_assert_int_eq(conf_parse_size("512KiB"), 512 * 1024);
	ck_assert_int_eq(conf_parse_size("8MiB"), 8 * 1024 * 1024);
	ck_assert_int_eq(conf_parse_size("8 M"), 8 * 1024 * 1024);
	ck_assert_int_eq(conf_parse_size("1GiB"), 1024 * 1024 * 1024);
	ck_assert_int_eq(conf_parse_size("1TiB"), -1);
	ck_assert_int_eq(conf_parse_size("-1"), -1);
	ck_assert_int_eq(conf_parse_size("MiB"), -1);
}
END_TEST

START_TEST(rates)
{
	ck_assert_double_eq(conf_parse_rate("2/s"), 2.0);
	ck_assert_double_eq(conf_parse_rate("30/min"), 0.5);
	ck_assert_double_eq(conf_parse_rate("30/m"), 0.5);
	ck_assert_double_eq(conf_parse_rate("3600/h"), 1.0);
	ck_assert_double_eq(conf_parse_rate("0/s"), -1.0);
	ck_assert_double_eq(conf_parse_rate("2"), -1.0);
	ck_assert_double_eq(conf_parse_rate("2/d"), -1.0);
}
END_TEST

/* Loads text as a keluhd.yaml; the first error (or "") into first. */
static struct conf *
load(const char *text, char *first, size_t len)
{
	char path[] = "/tmp/keluh-test-conf.XXXXXX";
	int fd = mkstemp(path);
	struct conf *c;
	struct diag d;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	diag_init(&d);
	c = conf_load(path, &d);
	snprintf(first, len, "%s", d.n ? d.items[0].msg : "");
	diag_free(&d);
	unlink(path);
	return c;
}

START_TEST(incident_window)
{
	char err[300];
	struct conf *c;

	c = load("incidents:\n  - {name: storm, rules: [a.*], at_least: 3, within: 2m}\n", err,
	         sizeof(err));
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->incidents[0].window_ms, 120000);
	ck_assert_uint_eq(c->incidents[0].at_least, 3);
	conf_free(c);
	/* a window of nothing can never see at_least mentions */
	c = load("incidents:\n  - {name: storm, rules: [a.*], within: 0s}\n", err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, "incident 'storm': within must be more than 0s");
}
END_TEST

/* public_url: an http(s) base URL, kept without its trailing slashes. */
START_TEST(public_url)
{
	char err[300];
	struct conf *c;

	c = load("public_url: https://keluh.example.com/\n", err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->public_url, "https://keluh.example.com");
	conf_free(c);
	c = load("public_url: http://127.0.0.1:8470/keluh\n", err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->public_url, "http://127.0.0.1:8470/keluh");
	conf_free(c);
	c = load("http: {listen: \"127.0.0.1:8470\"}\n", err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_null(c->public_url);
	conf_free(c);
	c = load("public_url: keluh.example.com\n", err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, "public_url: 'keluh.example.com' is not an http(s) URL with a host; "
	                      "write how people reach keluhd, e.g. https://keluh.example.com");
	c = load("public_url: \"https://\"\n", err, sizeof(err));
	ck_assert_ptr_null(c);
	c = load("public_url: \"https://k.example.com/?a=1\"\n", err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, "public_url: 'https://k.example.com/?a=1' has a space, a control "
	                      "character, a query, a fragment or one of \" < > \\; give the base "
	                      "URL alone");
}
END_TEST

/* ui: off by default with its defaults; listen: http needs http.listen when enabled. */
START_TEST(ui_block)
{
	char err[400];
	struct conf *c;

	c = load("http: {listen: \"127.0.0.1:8470\"}\n", err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->ui.enabled, 0);
	ck_assert_str_eq(c->ui.listen, UI_LISTEN_DEFAULT);
	ck_assert_str_eq(c->ui.root, UI_ROOT_DEFAULT);
	ck_assert_str_eq(c->ui.chart_js, UI_CHART_JS_DEFAULT);
	ck_assert_int_eq(c->ui.session_ttl_ms, 12 * 3600 * 1000LL);
	ck_assert_uint_eq(c->ui.max_sessions, 256);
	ck_assert_uint_eq(c->ui.max_streams, 64);
	ck_assert_int_eq(c->ui.cookie_secure, 0);
	conf_free(c);
	c = load("public_url: https://k.example.com\nui: {listen: http, max_streams: 3}\n", err,
		 sizeof(err));
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->ui.cookie_secure, 1);
	ck_assert_ptr_null(c->ui.listen);
	ck_assert_uint_eq(c->ui.max_streams, 3);
	conf_free(c);
	c = load("ui: {enabled: true, listen: http, token_file: /nonexistent}\n", err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, "ui.listen: http serves the console on http.listen, which is not "
			      "set; set http.listen or give the console an address such as "
			      "127.0.0.1:8017");
	c = load("ui: {listen: \"8017\"}\n", err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, "ui.listen: '8017' must be host:port (e.g. 127.0.0.1:8017) or http "
			      "(on http.listen)");
	c = load("ui: {session_ttl: 10s}\n", err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, "ui.session_ttl must be at least 1m (e.g. 12h)");
	c = load("ui: {user_header: \"X User\"}\n", err, sizeof(err));
	ck_assert_ptr_null(c);
	c = load("ui: [enabled]\n", err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_int_eq(conf_ui_loopback("127.0.0.1:8017"), 1);
	ck_assert_int_eq(conf_ui_loopback("[::1]:8017"), 1);
	ck_assert_int_eq(conf_ui_loopback("localhost:8017"), 1);
	ck_assert_int_eq(conf_ui_loopback("0.0.0.0:8017"), 0);
	ck_assert_int_eq(conf_ui_loopback("[::]:8017"), 0);
	ck_assert_int_eq(conf_ui_loopback("10.0.0.127:8017"), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("conf");

	tcase_add_test(tc, durations);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, rates);
	tcase_add_test(tc, incident_window);
	tcase_add_test(tc, public_url);
	tcase_add_test(tc, ui_block);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
