#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/health.h"
#include "lib/htmltext.h"
#include "conf/conf.h"
#include "receivers/receiver.h"
#include "sources/source.h"
#include "unit.h"
#include "lib/util.h"

/* Real-shaped Mastodon status content and what a person reads in it. */
static const struct {
	const char *html, *text;
} cases[] = {
	/* a hashtag link */
	{ "<p>Gak bisa login dari pagi <a href=\"https://mastodon.social/tags/acme\" "
	  "class=\"mention hashtag\" rel=\"tag\">#<span>acme</span></a></p>",
	  "Gak bisa login dari pagi #acme" },
	/* a mention, inside an h-card */
	{ "<p><span class=\"h-card\" translate=\"no\"><a href=\"https://mastodon.social/@acme\" "
	  "class=\"u-url mention\">@<span>acme</span></a></span> kartu saya ditolak dua kali</p>",
	  "@acme kartu saya ditolak dua kali" },
	/* a long link: the invisible parts go, the ellipsis part ends in ... */
	{ "<p>lihat <a href=\"https://status.acme.example/incidents/1234567890\" target=\"_blank\" "
	  "rel=\"nofollow noopener noreferrer\" translate=\"no\"><span class=\"invisible\">"
	  "https://</span><span class=\"ellipsis\">status.acme.example/incide</span><span "
	  "class=\"invisible\">nts/1234567890</span></a> down lagi</p>",
	  "lihat status.acme.example/incide\xe2\x80\xa6 down lagi" },
	/* a short link: no ellipsis */
	{ "<p><a href=\"https://acme.example/\" rel=\"nofollow noopener\"><span class=\"invisible\">"
	  "https://</span><span class=\"\">acme.example/</span><span class=\"invisible\"></span>"
	  "</a> refund?</p>", "acme.example/ refund?" },
	/* entities, numeric and named */
	{ "<p>Tom &amp; Jerry &lt;3 &quot;refund&quot; it&#39;s late &#8212; &#x1F600; "
	  "caf&eacute;&hellip; &copy;&nbsp;acme</p>",
	  "Tom & Jerry <3 \"refund\" it's late \xe2\x80\x94 \xf0\x9f\x98\x80 caf\xc3\xa9\xe2\x80\xa6 "
	  "\xc2\xa9 acme" },
	/* line breaks and paragraphs */
	{ "<p>line one<br>line two<br />line three</p><p>second paragraph</p><p>third</p>",
	  "line one\nline two\nline three\n\nsecond paragraph\n\nthird" },
	/* emoji and custom emoji shortcodes are text */
	{ "<p>parah \xf0\x9f\x98\xa1\xf0\x9f\x98\xa1 app crash terus \xf0\x9f\x93\xb1 :blobcat:</p>",
	  "parah \xf0\x9f\x98\xa1\xf0\x9f\x98\xa1 app crash terus \xf0\x9f\x93\xb1 :blobcat:" },
	/* source whitespace collapses as a browser shows it */
	{ "<p>  spaced   out\n text </p>\n<p>\n next</p>", "spaced out text\n\nnext" },
	/* a remote post's list */
	{ "<p>Issues:</p><ul><li>login</li><li>payment</li></ul>", "Issues:\n\nlogin\npayment" },
	/* not entities, not tags: kept as written */
	{ "<p>5 < 6 &foo; AT&T &amp 7 &#; x</p>", "5 < 6 &foo; AT&T &amp 7 &#; x" },
	/* a comment and an unknown tag go; numeric junk becomes U+FFFD */
	{ "<p>a<!-- hidden -->b <em>c</em> &#0; &#xD800;</p>",
	  "ab c \xef\xbf\xbd \xef\xbf\xbd" },
	/* a quote in an attribute does not end the tag early */
	{ "<p><a href=\"x\" title='a > b'>link</a> ok</p>", "link ok" },
	/* <br><br> is a blank line; breaks at the ends go */
	{ "<br><p>a<br><br>b<br></p><br>", "a\n\nb" },
	/* a reply's leading mention */
	{ "<p><span class=\"h-card\"><a href=\"https://x.example/@budi\" class=\"u-url mention\">"
	  "@<span>budi</span></a></span> <span class=\"h-card\"><a href=\"https://m.example/@acme\" "
	  "class=\"u-url mention\">@<span>acme</span></a></span> sama, saya juga gak bisa login</p>",
	  "@budi @acme sama, saya juga gak bisa login" },
	{ "", "" },
};

START_TEST(table)
{
	struct buf b;

	buf_init(&b);
	htmltext(&b, cases[_i].html, strlen(cases[_i].html));
	buf_addc(&b, '\0');
	ck_assert_msg(strcmp(b.data, cases[_i].text) == 0, "case %d: got [%s] want [%s]", _i,
	    b.data, cases[_i].text);
	ck_assert_int_eq(utf8_valid_prefix(b.data, b.len - 1), b.len - 1);
	buf_free(&b);
}
END_TEST

/* Cut anywhere (truncated input): never past the end, always valid UTF-8. */
START_TEST(every_prefix)
{
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (size_t n = 0; n <= strlen(cases[c].html); n++) {
			struct buf b;

			buf_init(&b);
			htmltext(&b, cases[c].html, n);
			if (utf8_valid_prefix(cases[c].html, n) == n)
				ck_assert_int_eq(utf8_valid_prefix(b.data ? b.data : "", b.len), b.len);
			buf_free(&b);
		}
}
END_TEST

/* Hostile shapes: n copies of unit, then tail. */
static const struct {
	const char *unit, *tail;
} hostile[] = {
	{ "<a", "" },			/* every '<' looks for a '>' that never comes */
	{ "< a", "" },			/* not a tag: no need to look for its end */
	{ "<a", "\"'>" },		/* a '>' at the very end, but inside quotes */
	{ "<a\"", ">" },		/* quotes: scans from alternate '<' disagree */
	{ "<a'<b\"", "'\">" },		/* both quote kinds */
	{ "<!--<a", "" },		/* an unclosed comment */
	{ "<!-<a\"", "" },
};

static size_t
hostile_steps(size_t h, size_t n)
{
	struct buf in, out;
	size_t steps = 0;

	buf_init(&in);
	buf_init(&out);
	for (size_t k = 0; k < n; k++)
		buf_add(&in, hostile[h].unit, strlen(hostile[h].unit));
	buf_add(&in, hostile[h].tail, strlen(hostile[h].tail));
	htmltext_count(&out, in.data, in.len, &steps);
	ck_assert_int_eq(utf8_valid_prefix(out.data ? out.data : "", out.len), out.len);
	ck_assert_msg(steps <= 5 * in.len + 16, "hostile %d: %zu steps for %zu bytes", (int)h,
	    steps, in.len);
	buf_free(&in);
	buf_free(&out);
	return steps;
}

/* The tag scans do work linear in the input: 4x the input, about 4x the steps. */
START_TEST(linear)
{
	size_t small = hostile_steps((size_t)_i, 4096), big = hostile_steps((size_t)_i, 16384);

	ck_assert_msg(big < 8 * small, "hostile %d: %zu steps at 4096 copies, %zu at 16384", _i,
	    small, big);
}
END_TEST

/* What hostile shapes read as: an unclosed '<' is text, a closed tag goes. */
START_TEST(hostile_text)
{
	static const struct {
		const char *html, *text;
	} c[] = {
		{ "<a<a<a", "<a<a<a" },
		{ "<a<a<a\"'>x", "<a<a<a\"'>x" },
		{ "<a\"<a\"<a\">x", "<a\"x" },
		{ "<a'<b\"<a'<b\"'\">x", "x" },
		{ "<!--<a<a", "" },
		{ "a < b > c <b>d</b>", "a < b > c d" },
	};

	for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		struct buf b;

		buf_init(&b);
		htmltext(&b, c[k].html, strlen(c[k].html));
		buf_addc(&b, '\0');
		ck_assert_msg(strcmp(b.data, c[k].text) == 0, "[%s]: got [%s] want [%s]", c[k].html,
		    b.data, c[k].text);
		buf_free(&b);
	}
}
END_TEST

/* A health alert renders through the receivers: the headline says which source and what. */
START_TEST(health_renders)
{
	char *const to[] = { NULL };
	struct source_health_note n = { "mastodon-acme", "mastodon", "silent",
		"Source mastodon-acme (mastodon) has had no event for 12m.", to, 0,
		1795000000000LL };
	struct receiver r;
	struct rcv_msg m;
	char err[200], *json = health_alert_json(&n, "h-1", 1795000720000LL);
	json_t *j = json_loads(json, 0, NULL);

	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "alert"),
	    "priority")), "high");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(j,
	    "alert"), "health"), "state")), "silent");
	for (int t = 0; t < RCV__N; t++) {
		memset(&r, 0, sizeof(r));
		r.name = "ops";
		r.type = (enum rcv_type)t;
		r.url = t == RCV_EMAIL ? "smtp://127.0.0.1:25" : "https://hooks.example/x";
		r.secret = t == RCV_WEBHOOK ? NULL : "secret";
		r.chat_id = "1";
		r.mail_from = "keluh@example.com";
		r.mail_to = (char *[]){ "ops@example.com" };
		r.nmail_to = 1;
		r.max_samples = 5;
		memset(&m, 0, sizeof(m));
		ck_assert_msg(receiver_render(&r, j, "h-1.ops", 1795000720, &m, err, sizeof(err)) == 0,
		    "%s: %s", receiver_type_name(r.type), err);
		ck_assert_msg(memmem(m.body, m.body_len, "mastodon-acme", 13) != NULL,
		    "%s does not name the source", receiver_type_name(r.type));
		receiver_msg_free(&m);
	}
	json_decref(j);
	free(json);
}
END_TEST

/* Every receiver's message carries the headline of a warning, not its state name. */
START_TEST(health_warn_renders)
{
	char *const to[] = { NULL };
	struct source_health_note n = { "yt", "youtube", "quota_low",
		"Source yt (youtube) has 8% of its daily quota left.", to, 0, 1795000000000LL };
	struct receiver r;
	struct rcv_msg m;
	char err[200], *json = health_alert_json(&n, "h-1", 1795000720000LL);
	const char *says = "is running out of quota";
	json_t *j = json_loads(json, 0, NULL);

	ck_assert_ptr_nonnull(j);
	for (int t = 0; t < RCV__N; t++) {
		memset(&r, 0, sizeof(r));
		r.name = "ops";
		r.type = (enum rcv_type)t;
		r.url = t == RCV_EMAIL ? "smtp://127.0.0.1:25" : "https://hooks.example/x";
		r.secret = t == RCV_WEBHOOK ? NULL : "secret";
		r.chat_id = "1";
		r.mail_from = "keluh@example.com";
		r.mail_to = (char *[]){ "ops@example.com" };
		r.nmail_to = 1;
		r.max_samples = 5;
		memset(&m, 0, sizeof(m));
		ck_assert_msg(receiver_render(&r, j, "h-1.ops", 1795000720, &m, err, sizeof(err)) == 0,
		    "%s: %s", receiver_type_name(r.type), err);
		ck_assert_msg(memmem(m.body, m.body_len, says, strlen(says)) != NULL,
		    "%s does not say what the trouble is", receiver_type_name(r.type));
		receiver_msg_free(&m);
	}
	json_decref(j);
	free(json);
}
END_TEST

/* The headline of an alert for a note in state (the text chat shows first). */
static char *
health_title(const char *state)
{
	char *const to[] = { NULL };
	struct source_health_note n = { "yt", "youtube", state, "detail", to, 0, 1795000000000LL };
	char *json = health_alert_json(&n, "h-1", 1795000720000LL), *title;
	json_t *j = json_loads(json, 0, NULL);
	json_t *info = json_array_get(json_object_get(json_object_get(j, "alert"), "rule_info"), 0);

	ck_assert_ptr_nonnull(info);
	title = xstrdup(json_string_value(json_object_get(info, "description")));
	json_decref(j);
	free(json);
	return title;
}

/* The warnings of trouble ahead (source_warn) read as sentences, not state names. */
START_TEST(health_warn_titles)
{
	static const char *const want[][2] = {
		{ "quota_low", "Source yt is running out of quota" },
		{ "quota_exhausted", "Source yt has used its daily quota" },
		{ "token_expiring", "Source yt token expires soon" },
		{ "token_invalid", "Source yt token is no longer accepted" },
		{ "gap", "Source yt may have missed mentions" },
		{ "recovered", "Source yt recovered" },
		{ "silent", "Source yt is silent" },
		{ "failing", "Source yt is failing" },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *t = health_title(want[i][0]);

		ck_assert_str_eq(t, want[i][1]);
		free(t);
	}
}
END_TEST

struct notes {
	char states[8][32];
	size_t n;
};

static void
note_fn(void *arg, const struct source_health_note *n)
{
	struct notes *ns = arg;

	ck_assert_uint_lt(ns->n, 8);
	snprintf(ns->states[ns->n++], sizeof(ns->states[0]), "%s", n->state);
}

static void
stop_nothing(struct source *s)
{
	(void)s;
}

/* source_warn raises a state once, again only when it changes, and clears as "recovered". */
START_TEST(source_warn_once)
{
	struct notes ns = { .n = 0 };
	struct source_env env = { .health = note_fn, .health_arg = &ns };
	struct conf_source cs = { .name = "yt" };
	struct source *s = source_new(sizeof(struct source), &env, &cs, NULL, NULL, stop_nothing);

	source_warn_clear(s, "nothing raised: says nothing");
	ck_assert_uint_eq(ns.n, 0);
	source_warn(s, "quota_low", "10% of the daily quota left");
	source_warn(s, "quota_low", "5% of the daily quota left");
	ck_assert_uint_eq(ns.n, 1);
	source_warn(s, "quota_exhausted", "the daily quota is spent");
	ck_assert_uint_eq(ns.n, 2);
	source_warn_clear(s, "a new day");
	source_warn_clear(s, "a new day");
	ck_assert_uint_eq(ns.n, 3);
	ck_assert_str_eq(ns.states[0], "quota_low");
	ck_assert_str_eq(ns.states[1], "quota_exhausted");
	ck_assert_str_eq(ns.states[2], "recovered");
	source_warn(s, "quota_low", "low again");
	ck_assert_uint_eq(ns.n, 4);
	source_stop(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("htmltext");
	TCase *tc = tcase_create("htmltext");

	tcase_add_loop_test(tc, table, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, every_prefix);
	tcase_add_loop_test(tc, linear, 0, (int)(sizeof(hostile) / sizeof(hostile[0])));
	tcase_add_test(tc, hostile_text);
	tcase_add_test(tc, health_renders);
	tcase_add_test(tc, health_warn_titles);
	tcase_add_test(tc, health_warn_renders);
	tcase_add_test(tc, source_warn_once);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
