/*
 * The receivers: section of keluhd.yaml, kind by kind: a minimal receiver
 * of each kind loads with the values it says (and the kind's defaults), a
 * wrong key or value gives its exact error, and the registry of kinds
 * holds together.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "lib/diag.h"
#include "lib/util.h"
#include "receivers/receiver.h"
#include "unit.h"

/*
 * Loads "receivers:\n" + items, with a route to receiver name r. errs gets
 * every error, one a line (warnings left out).
 */
static struct conf *
load(const char *items, struct buf *errs)
{
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	struct conf *c;
	struct diag d;
	struct buf text;
	int fd;

	snprintf(path, sizeof(path), "%s/keluh-test-rcv.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	buf_init(&text);
	buf_printf(&text, "receivers:\n%sroutes:\n  - receivers: [r]\n", items);
	ck_assert_int_eq(write(fd, text.data, text.len), (ssize_t)text.len);
	close(fd);
	buf_free(&text);
	diag_init(&d);
	c = conf_load(path, &d);
	buf_init(errs);
	buf_adds(errs, "");
	for (size_t i = 0; i < d.n; i++)
		if (!d.items[i].warning)
			buf_printf(errs, "%s%s", errs->len ? "\n" : "", d.items[i].msg);
	diag_free(&d);
	unlink(path);
	return c;
}

/* The one receiver of a config that loads. */
static struct conf *
load_one(const char *items, enum rcv_type t)
{
	struct buf errs;
	struct conf *c = load(items, &errs);

	ck_assert_msg(c != NULL, "%s: %s", items, errs.data);
	ck_assert_str_eq(errs.data, "");
	buf_free(&errs);
	ck_assert_uint_eq(c->nreceivers, 1);
	ck_assert_str_eq(c->receivers[0].name, "r");
	ck_assert_int_eq(c->receivers[0].type, t);
	return c;
}

/* A config that fails with exactly these errors. */
static void
refused(const char *items, const char *want)
{
	struct buf errs;
	struct conf *c = load(items, &errs);

	ck_assert_msg(c == NULL, "loaded: %s", items);
	ck_assert_str_eq(errs.data, want);
	buf_free(&errs);
}

/* What every kind gets when nothing is said. */
static void
defaults(const struct receiver *r, double rate)
{
	ck_assert_int_eq(r->max_concurrency, 2);
	ck_assert_int_eq(r->max_age_ms, 24 * 3600 * 1000LL);
	ck_assert_int_eq(r->timeout_ms, 15000);
	ck_assert_int_eq(r->max_samples, 5);
	ck_assert_double_eq(r->rate_per_s, rate);
	ck_assert_int_eq(r->page_min, 3);
}

START_TEST(console)
{
	struct conf *c = load_one("  - {name: r, type: console}\n", RCV_CONSOLE);

	defaults(&c->receivers[0], 10);
	ck_assert_ptr_null(c->receivers[0].url);
	ck_assert_ptr_eq(c->receivers[0].display, &c->display);
	conf_free(c);
	c = load_one("  - {name: r, type: console, samples: 3, max_concurrency: 4, rate: 30/min, "
	    "max_age: 1h, timeout: 5s}\n", RCV_CONSOLE);
	ck_assert_int_eq(c->receivers[0].max_samples, 3);
	ck_assert_int_eq(c->receivers[0].max_concurrency, 4);
	ck_assert_double_eq(c->receivers[0].rate_per_s, 0.5);
	ck_assert_int_eq(c->receivers[0].max_age_ms, 3600000);
	ck_assert_int_eq(c->receivers[0].timeout_ms, 5000);
	conf_free(c);
	refused("  - {name: r, type: console, url: \"http://127.0.0.1:1/x\"}\n",
	    "receiver 'r': console receivers take no 'url'");
	refused("  - {name: r, type: console, samples: 51}\n",
	    "samples must be between 1 and 50, not 51");
	refused("  - {name: r, type: console, rate: fast}\n",
	    "rate: 'fast' must look like 1/s or 20/min");
}
END_TEST

START_TEST(webhook)
{
	struct conf *c = load_one("  - {name: r, type: webhook, url: \"http://127.0.0.1:1/h\", "
	    "secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw}\n", RCV_WEBHOOK);

	defaults(&c->receivers[0], 10);
	ck_assert_str_eq(c->receivers[0].url, "http://127.0.0.1:1/h");
	ck_assert_str_eq(c->receivers[0].secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	conf_free(c);
	refused("  - {name: r, type: webhook}\n", "receiver 'r' (webhook) needs url or url_file");
	refused("  - {name: r, type: webhook, url: \"http://127.0.0.1:1/h\", secret: abc}\n",
	    "a webhook secret must start with whsec_ (HMAC) or whsk_ (Ed25519)");
	refused("  - {name: r, type: webhook, url: \"ftp://127.0.0.1/h\"}\n",
	    "receiver 'r': the url must start with https:// or http:// (smtp:// or smtps:// for "
	    "email)");
	refused("  - {name: r, type: webhook, url: \"http://127.0.0.1:1/h\", chat_id: \"1\"}\n",
	    "receiver 'r': webhook receivers take no 'chat_id'");
}
END_TEST

START_TEST(slack)
{
	struct conf *c = load_one("  - {name: r, type: slack, url: \"https://127.0.0.1:1/s\", "
	    "channel: \"#support\", username: keluh, mention_on_critical: [\"<@U123ABC>\", "
	    "\"<!subteam^S0123ABC>\", \"<!here>\"], mention_at_least: high}\n", RCV_SLACK);
	const struct receiver *r = &c->receivers[0];

	ck_assert_double_eq(r->rate_per_s, 1);
	ck_assert_str_eq(r->channel, "#support");
	ck_assert_str_eq(r->username, "keluh");
	ck_assert_uint_eq(r->npage, 3);
	ck_assert_str_eq(r->page[1], "<!subteam^S0123ABC>");
	ck_assert_int_eq(r->page_min, 2);
	conf_free(c);
	refused("  - {name: r, type: slack, url: \"https://127.0.0.1:1/s\", "
	    "mention_on_critical: [\"@bob\"]}\n",
	    "receiver 'r': '@bob' is not a slack mention; write \"<@U123ABC>\" for a user, "
	    "\"<!subteam^S123ABC>\" for a user group (their ids, not names), or \"<!here>\"");
	refused("  - {name: r, type: slack, url: \"https://127.0.0.1:1/s\", "
	    "mention_on_critical: \"<@U123ABC>\"}\n",
	    "receiver 'r': mention_on_critical must be a list, e.g. [\"<@U123ABC>\"]");
	refused("  - {name: r, type: slack, url: \"https://127.0.0.1:1/s\", "
	    "mention_at_least: high}\n",
	    "receiver 'r': mention_at_least says from which priority the people of "
	    "mention_on_critical are pinged; add mention_on_critical or remove it");
	refused("  - {name: r, type: slack, url: \"https://127.0.0.1:1/s\", "
	    "mention_on_critical: [\"<!here>\"], mention_at_least: urgent}\n",
	    "receiver 'r': mention_at_least: 'urgent' is not a priority; use critical, high, "
	    "normal or low");
	refused("  - {name: r, type: slack, url: \"https://127.0.0.1:1/s\", chanel: x}\n",
	    "unknown key 'chanel' in a receiver; did you mean 'channel'?");
}
END_TEST

START_TEST(mattermost)
{
	struct conf *c = load_one("  - {name: r, type: mattermost, url: \"http://127.0.0.1:1/m\", "
	    "mention_on_critical: [\"@oncall.lead\"]}\n", RCV_MATTERMOST);

	defaults(&c->receivers[0], 10);
	ck_assert_str_eq(c->receivers[0].page[0], "@oncall.lead");
	conf_free(c);
	refused("  - {name: r, type: mattermost, url: \"http://127.0.0.1:1/m\", "
	    "mention_on_critical: [\"@Bob\"]}\n",
	    "receiver 'r': '@Bob' is not a mattermost mention; write \"@username\" or "
	    "\"@groupname\" (lower case, digits, '.', '_', '-')");
	refused("  - {name: r, type: mattermost, url: \"http://127.0.0.1:1/m\", "
	    "mention_on_critical: {a: b}}\n",
	    "receiver 'r': mention_on_critical must be a list, e.g. [\"@oncall_lead\"]");
}
END_TEST

/* Slack and Mattermost as bots: token_file, channel and api_url instead of an incoming webhook. */
START_TEST(bots)
{
	const char *tmp = getenv("TMPDIR");
	char path[512], items[1024];
	struct conf *c;
	int fd;

	snprintf(path, sizeof(path), "%s/keluh-test-token.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "xoxb-1-2\n", 9), 9);
	close(fd);
	chmod(path, 0600);
	snprintf(items, sizeof(items), "  - {name: r, type: slack, token_file: \"%s\", "
	    "channel: C0123ABCD}\n", path);
	c = load_one(items, RCV_SLACK);
	ck_assert_str_eq(c->receivers[0].token, "xoxb-1-2");
	ck_assert_str_eq(c->receivers[0].channel, "C0123ABCD");
	ck_assert_ptr_eq(c->receivers[0].api_url, NULL);	/* Slack's, by default */
	ck_assert_ptr_eq(c->receivers[0].url, NULL);
	conf_free(c);
	snprintf(items, sizeof(items), "  - {name: r, type: mattermost, token_file: \"%s\", "
	    "channel: abc123, api_url: \"http://127.0.0.1:1\"}\n", path);
	c = load_one(items, RCV_MATTERMOST);
	ck_assert_str_eq(c->receivers[0].api_url, "http://127.0.0.1:1");
	conf_free(c);
	snprintf(items, sizeof(items), "  - {name: r, type: slack, token_file: \"%s\"}\n", path);
	refused(items, "receiver 'r' (slack) with token_file needs channel (a channel id such as "
	    "C0123ABCD)");
	snprintf(items, sizeof(items), "  - {name: r, type: slack, token_file: \"%s\", channel: C1, "
	    "url: \"https://127.0.0.1:1/s\"}\n", path);
	refused(items, "receiver 'r' (slack) takes url (an incoming webhook) or token_file (a "
	    "bot), not both: remove one");
	snprintf(items, sizeof(items), "  - {name: r, type: mattermost, token_file: \"%s\", "
	    "channel: abc}\n", path);
	refused(items, "receiver 'r' (mattermost) with token_file needs api_url, the server's "
	    "address (e.g. https://chat.example.com)");
	snprintf(items, sizeof(items), "  - {name: r, type: slack, token_file: \"%s\", channel: C1, "
	    "api_url: \"slack.com/api\"}\n", path);
	refused(items, "receiver 'r': api_url must start with https:// or http://");
	unlink(path);
	refused("  - {name: r, type: slack}\n", "receiver 'r' (slack) needs url or url_file (an "
	    "incoming webhook), or token_file and channel (a bot)");
	refused("  - {name: r, type: mattermost, url: \"http://127.0.0.1:1/m\", api_url: "
	    "\"http://127.0.0.1:1\"}\n", "receiver 'r': api_url goes with token_file; an incoming "
	    "webhook has only its url");
}
END_TEST

START_TEST(discord)
{
	struct conf *c = load_one("  - {name: r, type: discord, url: \"http://127.0.0.1:1/d\", "
	    "username: keluh, mention_on_critical: [\"<@&123456789012345678>\", \"<@42>\"]}\n",
	    RCV_DISCORD);

	ck_assert_double_eq(c->receivers[0].rate_per_s, 1);
	ck_assert_str_eq(c->receivers[0].username, "keluh");
	ck_assert_uint_eq(c->receivers[0].npage, 2);
	conf_free(c);
	refused("  - {name: r, type: discord, url: \"http://127.0.0.1:1/d\", channel: x}\n",
	    "receiver 'r': discord receivers take no 'channel'");
	refused("  - {name: r, type: discord, url: \"http://127.0.0.1:1/d\", "
	    "mention_on_critical: \"x\"}\n",
	    "receiver 'r': mention_on_critical must be a list, e.g. [\"<@&123456789012345678>\"]");
	refused("  - {name: r, type: discord, url: \"http://127.0.0.1:1/d\", "
	    "mention_on_critical: [\"<@abc>\"]}\n",
	    "receiver 'r': '<@abc>' is not a discord mention; write \"<@123456789012345678>\" "
	    "for a user or \"<@&123456789012345678>\" for a role (their numeric ids)");
}
END_TEST

START_TEST(teams)
{
	struct conf *c = load_one("  - {name: r, type: teams, url: \"https://127.0.0.1:1/t\"}\n",
	    RCV_TEAMS);

	defaults(&c->receivers[0], 10);
	ck_assert_str_eq(c->receivers[0].url, "https://127.0.0.1:1/t");
	conf_free(c);
	refused("  - {name: r, type: teams, url: \"https://127.0.0.1:1/t\", "
	    "mention_on_critical: [\"@x\"]}\n",
	    "receiver 'r': teams receivers cannot mention people ('mention_on_critical'); it "
	    "works on slack, mattermost, discord and telegram receivers");
	refused("  - {name: r, type: teams, url: \"https://127.0.0.1:1/t\", username: x}\n",
	    "receiver 'r': teams receivers take no 'username'");
}
END_TEST

START_TEST(gchat)
{
	struct conf *c = load_one("  - {name: r, type: googlechat, url: \"https://127.0.0.1:1/g\", "
	    "timeout: 5s}\n", RCV_GCHAT);

	ck_assert_int_eq(c->receivers[0].timeout_ms, 5000);
	ck_assert_double_eq(c->receivers[0].rate_per_s, 10);
	conf_free(c);
	refused("  - {name: r, type: googlechat, url: \"smtp2://127.0.0.1\"}\n",
	    "receiver 'r': the url must start with https:// or http:// (smtp:// or smtps:// for "
	    "email)");
	refused("  - {name: r, type: googlechat, url: \"https://127.0.0.1:1/g\", "
	    "routing_key: x}\n",
	    "receiver 'r': googlechat receivers take no 'routing_key'");
}
END_TEST

START_TEST(telegram)
{
	struct conf *c = load_one("  - {name: r, type: telegram, bot_token: \"123:abc\", "
	    "chat_id: \"-100\", mention_on_critical: [\"@oncall_lead\"]}\n", RCV_TELEGRAM);
	const struct receiver *r = &c->receivers[0];

	ck_assert_double_eq(r->rate_per_s, 1);
	ck_assert_str_eq(r->url, "https://api.telegram.org");
	ck_assert_str_eq(r->secret, "123:abc");
	ck_assert_str_eq(r->chat_id, "-100");
	ck_assert_str_eq(r->page[0], "@oncall_lead");
	conf_free(c);
	refused("  - {name: r, type: telegram, chat_id: \"1\"}\n",
	    "receiver 'r' (telegram) needs bot_token or bot_token_file");
	refused("  - {name: r, type: telegram, bot_token: \"1:a\"}\n",
	    "receiver 'r' (telegram) needs chat_id");
	refused("  - {name: r, type: telegram, bot_token: \"1:a\", chat_id: \"1\", "
	    "mention_on_critical: [\"@abc\"]}\n",
	    "receiver 'r': '@abc' is not a telegram mention; write \"@username\" (5 to 32 "
	    "letters, digits or '_', starting with a letter)");
}
END_TEST

START_TEST(pagerduty)
{
	struct conf *c = load_one("  - {name: r, type: pagerduty, routing_key: R0123}\n",
	    RCV_PAGERDUTY);

	defaults(&c->receivers[0], 10);
	ck_assert_str_eq(c->receivers[0].url, "https://events.pagerduty.com/v2/enqueue");
	ck_assert_str_eq(c->receivers[0].secret, "R0123");
	conf_free(c);
	refused("  - {name: r, type: pagerduty}\n",
	    "receiver 'r' (pagerduty) needs routing_key or routing_key_file");
	refused("  - {name: r, type: pagerduty, routing_key: R, secret: x}\n",
	    "receiver 'r': pagerduty receivers take no 'secret'");
}
END_TEST

START_TEST(email)
{
	struct conf *c = load_one("  - {name: r, type: email, url: \"smtp://127.0.0.1:25\", "
	    "from: keluh@example.com, to: [a@example.com, b@example.com], username: u, "
	    "password: p}\n", RCV_EMAIL);
	const struct receiver *r = &c->receivers[0];

	defaults(r, 10);
	ck_assert_str_eq(r->mail_from, "keluh@example.com");
	ck_assert_uint_eq(r->nmail_to, 2);
	ck_assert_str_eq(r->mail_to[1], "b@example.com");
	ck_assert_str_eq(r->username, "u");
	ck_assert_str_eq(r->secret, "p");
	conf_free(c);
	refused("  - {name: r, type: email, url: \"smtp://127.0.0.1:25\", to: [a@example.com]}\n",
	    "receiver 'r' (email) needs from");
	refused("  - {name: r, type: email, url: \"smtp://127.0.0.1:25\", from: k@example.com}\n",
	    "receiver 'r' (email) needs to");
	refused("  - {name: r, type: email, from: k@example.com, to: [a@example.com]}\n",
	    "receiver 'r' (email) needs url or url_file");
}
END_TEST

/* What goes wrong before a kind is known; then the route names a receiver that is not there. */
#define DROPPED "\nunknown receiver 'r'; define it under receivers:"

START_TEST(names_and_types)
{
	struct buf want;
	size_t i;

	refused("  - {name: r, type: slak, url: \"http://127.0.0.1:1/s\"}\n",
	    "unknown receiver type 'slak'; did you mean 'slack'?; types: console, webhook, "
	    "slack, mattermost, discord, teams, googlechat, telegram, pagerduty, email" DROPPED);
	refused("  - {name: r}\n", "receiver 'r' needs a type" DROPPED);
	refused("  - {type: console}\n", "a receiver needs a name, used by routes" DROPPED);
	refused("  - {name: r, type: console}\n  - {name: r, type: console}\n",
	    "duplicate receiver name 'r'");
	refused("  - console\n", "a receiver must be a mapping with name and type" DROPPED);
	/* no key close enough: every key a receiver may have, in the registry's order */
	buf_init(&want);
	buf_adds(&want, "unknown key 'zzzzzzzzzzzz' in a receiver; expected one of: ");
	for (i = 0; i < rcv_nall_keys; i++)
		buf_printf(&want, "%s%s", i ? ", " : "", rcv_all_keys[i]);
	refused("  - {name: r, type: console, zzzzzzzzzzzz: 1}\n", want.data);
	ck_assert_str_eq(want.data, "unknown key 'zzzzzzzzzzzz' in a receiver; expected one of: "
	    "name, type, url, url_file, secret, secret_file, bot_token, bot_token_file, "
	    "routing_key, routing_key_file, chat_id, channel, username, password, password_file, "
	    "from, to, max_concurrency, rate, max_age, timeout, samples, mention_on_critical, "
	    "mention_at_least, token_file, api_url, signing_secret_file, public_key, updates, "
	    "webhook_secret_file");
	buf_free(&want);
}
END_TEST

static int
has_name(const char *const *names, const char *k)
{
	for (size_t i = 0; names && names[i]; i++)
		if (strcmp(names[i], k) == 0)
			return 1;
	return 0;
}

static int
has_key(const struct conf_key *keys, const char *k)
{
	for (size_t i = 0; keys && keys[i].name; i++)
		if (strcmp(keys[i].name, k) == 0)
			return 1;
	return 0;
}

static int
in_all_keys(const char *k)
{
	for (size_t i = 0; i < rcv_nall_keys; i++)
		if (strcmp(rcv_all_keys[i], k) == 0)
			return 1;
	return 0;
}

/* The registry: one entry per type, each whole; the key list is the kinds' keys. */
START_TEST(registry)
{
	static const char *const common[] = { "name", "type", "max_concurrency", "rate",
		"max_age", "timeout", "samples", NULL };

	for (int t = 0; t < RCV__N; t++) {
		const struct rcv_kind *k = receiver_kind((enum rcv_type)t);
		enum rcv_type back;

		ck_assert_ptr_nonnull(k);
		ck_assert_ptr_eq(k, rcv_kinds[t]);
		ck_assert_ptr_eq(rcv_conf_kind((enum rcv_type)t), &k->conf);
		ck_assert_ptr_nonnull(k->conf.name);
		ck_assert_int_eq(receiver_type_parse(k->conf.name, &back), 0);
		ck_assert_int_eq(back, t);	/* names are unique */
		ck_assert_str_eq(receiver_type_name((enum rcv_type)t), k->conf.name);
		ck_assert_msg(k->render && k->judge, "%s: render and judge", k->conf.name);
		ck_assert_msg((unsigned)k->transport < RCV_TR__N, "%s: transport", k->conf.name);
		ck_assert_msg(k->conf.rate_per_s > 0, "%s: a default rate", k->conf.name);
		/* a kind that pings people checks their syntax and can say how to write it */
		ck_assert_int_eq(has_key(k->conf.keys, "mention_on_critical"),
		    k->conf.page_valid != NULL);
		if (k->conf.page_valid)
			ck_assert_msg(k->conf.page_hint && k->conf.page_example &&
			    k->conf.page_valid(k->conf.page_example), "%s: page", k->conf.name);
		for (size_t i = 0; k->conf.keys && k->conf.keys[i].name; i++) {
			ck_assert_msg(!has_name(common, k->conf.keys[i].name), "%s: '%s' is common",
			              k->conf.name, k->conf.keys[i].name);
			ck_assert_msg(in_all_keys(k->conf.keys[i].name),
			              "%s: '%s' not in rcv_all_keys", k->conf.name,
			              k->conf.keys[i].name);
		}
	}
	ck_assert_ptr_null(receiver_kind(RCV__N));
	ck_assert_str_eq(receiver_type_name(RCV__N), "unknown");
	/* every key listed is common or some kind's, once */
	for (size_t i = 0; i < rcv_nall_keys; i++) {
		int owners = has_name(common, rcv_all_keys[i]);

		for (int t = 0; t < RCV__N; t++)
			owners += has_key(rcv_kinds[t]->conf.keys, rcv_all_keys[i]);
		ck_assert_msg(owners > 0, "'%s' belongs to no kind", rcv_all_keys[i]);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(rcv_all_keys[i], rcv_all_keys[j]);
	}
	for (int i = 0; common[i]; i++) {
		ck_assert_msg(in_all_keys(common[i]), "'%s' not listed", common[i]);
		ck_assert_str_eq(conf_receiver_keys[i].name, common[i]);
	}
	ck_assert_ptr_null(conf_receiver_keys[sizeof(common) / sizeof(common[0]) - 1].name);
}
END_TEST

/* A receiver of each kind that loads, to which one key is added. */
static const char *const minimal[RCV__N] = {
    [RCV_CONSOLE] = "name: r, type: console",
    [RCV_WEBHOOK] = "name: r, type: webhook, url: \"http://127.0.0.1:1/h\"",
    [RCV_SLACK] = "name: r, type: slack, url: \"https://127.0.0.1:1/s\"",
    [RCV_MATTERMOST] = "name: r, type: mattermost, url: \"http://127.0.0.1:1/m\"",
    [RCV_DISCORD] = "name: r, type: discord, url: \"http://127.0.0.1:1/d\"",
    [RCV_TEAMS] = "name: r, type: teams, url: \"https://127.0.0.1:1/t\"",
    [RCV_GCHAT] = "name: r, type: googlechat, url: \"https://127.0.0.1:1/g\"",
    [RCV_TELEGRAM] = "name: r, type: telegram, bot_token: \"123:abc\", chat_id: \"-100\"",
    [RCV_PAGERDUTY] = "name: r, type: pagerduty, routing_key: R0123",
    [RCV_EMAIL] = "name: r, type: email, url: \"smtp://127.0.0.1:25\", from: k@example.com, "
                  "to: [a@example.com]",
};

/* A key of type DURATION, SIZE, RATE, INT or BOOL with a value of the wrong form: refused. */
static void
nonsense_refused(enum rcv_type t, const struct conf_key *key)
{
	char items[512];
	struct buf errs;
	struct conf *c;
	size_t n = strlen(key->name);

	if (key->type != CONF_DURATION && key->type != CONF_SIZE && key->type != CONF_RATE &&
	    key->type != CONF_INT && key->type != CONF_BOOL)
		return;
	snprintf(items, sizeof(items), "  - {%s, %s: zz}\n", minimal[t], key->name);
	c = load(items, &errs);
	ck_assert_msg(c == NULL, "loaded: %s", items);
	ck_assert_msg(strncmp(errs.data, key->name, n) == 0 &&
	                  (errs.data[n] == ':' || errs.data[n] == ' '),
	              "%s: %s", items, errs.data);
	buf_free(&errs);
}

/* The types in the kinds' tables are the ones their parsers read. */
START_TEST(key_types)
{
	for (int t = 0; t < RCV__N; t++) {
		const struct rcv_conf_kind *k = rcv_conf_kind((enum rcv_type)t);
		char items[512];

		ck_assert_ptr_nonnull(minimal[t]);
		snprintf(items, sizeof(items), "  - {%s}\n", minimal[t]);
		conf_free(load_one(items, (enum rcv_type)t));
		for (size_t i = 0; conf_receiver_keys[i].name; i++)
			nonsense_refused((enum rcv_type)t, &conf_receiver_keys[i]);
		for (size_t i = 0; k->keys && k->keys[i].name; i++)
			nonsense_refused((enum rcv_type)t, &k->keys[i]);
	}
}
END_TEST

/* A secret file in TMPDIR holding text; its path in path. */
static void
secret_file(char *path, size_t len, const char *text)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	snprintf(path, len, "%s/keluh-test-secret.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

#define DISCORD_PK "e9d8b8ac9f3f2fe44a1f0b1cf5bbd3c1f1d6e6b9b5d1c2a3f4e5d6c7b8a9f0e1"
#define SLACK_R "  - {name: r, type: slack, url: \"https://127.0.0.1:1/s\", "
#define TG_R "  - {name: r, type: telegram, bot_token: \"123:abc\", chat_id: \"-100\", "

/* The keys that let a receiver take actions back: read, and refused with a way out. */
START_TEST(action_keys)
{
	char sec[4096], items[8192];
	struct conf *c;

	secret_file(sec, sizeof(sec), "8f742231b10e8888abcd99yyyzzz85a5\n");
	snprintf(items, sizeof(items), SLACK_R "signing_secret_file: \"%s\"}\n", sec);
	c = load_one(items, RCV_SLACK);
	ck_assert_str_eq(c->receivers[0].signing_secret, "8f742231b10e8888abcd99yyyzzz85a5");
	conf_free(c);
	snprintf(items, sizeof(items), "  - {name: r, type: mattermost, url: \"http://127.0.0.1:1/m"
	    "\", signing_secret_file: \"%s\"}\n", sec);
	refused(items, "signing_secret_file: mattermost receivers take none (Mattermost does not "
	    "sign its requests; keluh signs its buttons itself): remove it");
	c = load_one("  - {name: r, type: discord, url: \"http://127.0.0.1:1/d\", public_key: "
	    DISCORD_PK "}\n", RCV_DISCORD);
	ck_assert_int_eq(c->receivers[0].has_public_key, 1);
	ck_assert_int_eq(c->receivers[0].public_key[0], 0xe9);
	ck_assert_int_eq(c->receivers[0].public_key[31], 0xe1);
	conf_free(c);
	refused("  - {name: r, type: discord, url: \"http://127.0.0.1:1/d\", public_key: abc}\n",
	    "public_key: the public key is not 64 hex digits; copy the application's Public Key "
	    "(64 hex digits) from its General Information page");
	/* Telegram: poll unless told, webhook with its secret token */
	c = load_one(TG_R "updates: poll}\n", RCV_TELEGRAM);
	ck_assert_int_eq(c->receivers[0].updates_webhook, 0);
	conf_free(c);
	unlink(sec);
	secret_file(sec, sizeof(sec), "s3cret_token\n");
	snprintf(items, sizeof(items), TG_R "updates: webhook, webhook_secret_file: \"%s\"}\n",
	    sec);
	c = load_one(items, RCV_TELEGRAM);
	ck_assert_int_eq(c->receivers[0].updates_webhook, 1);
	ck_assert_str_eq(c->receivers[0].webhook_secret, "s3cret_token");
	conf_free(c);
	snprintf(items, sizeof(items), TG_R "webhook_secret_file: \"%s\"}\n", sec);
	refused(items, "webhook_secret_file is read with updates: webhook only; add updates: "
	    "webhook or remove it");
	refused(TG_R "updates: webhook}\n", "receiver 'r' (telegram) with updates: webhook needs "
	    "webhook_secret_file (the secret_token given to setWebhook)");
	refused(TG_R "updates: push}\n", "updates: 'push' is neither poll nor webhook; write poll "
	    "(keluhd asks Telegram, no public address needed) or webhook (Telegram calls "
	    "public_url)");
	unlink(sec);
	secret_file(sec, sizeof(sec), "not a token!\n");
	snprintf(items, sizeof(items), TG_R "updates: webhook, webhook_secret_file: \"%s\"}\n",
	    sec);
	refused(items, "webhook_secret_file: a secret token is 1 to 256 of A-Z a-z 0-9 _ - (it is "
	    "the secret_token given to setWebhook)");
	unlink(sec);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf_receivers");
	TCase *tc = tcase_create("kinds");

	tcase_add_test(tc, console);
	tcase_add_test(tc, webhook);
	tcase_add_test(tc, slack);
	tcase_add_test(tc, bots);
	tcase_add_test(tc, mattermost);
	tcase_add_test(tc, discord);
	tcase_add_test(tc, teams);
	tcase_add_test(tc, gchat);
	tcase_add_test(tc, telegram);
	tcase_add_test(tc, pagerduty);
	tcase_add_test(tc, email);
	tcase_add_test(tc, names_and_types);
	suite_add_tcase(s, tc);
	tc = tcase_create("registry");
	tcase_add_test(tc, registry);
	tcase_add_test(tc, key_types);
	suite_add_tcase(s, tc);
	tc = tcase_create("actions");
	tcase_add_test(tc, action_keys);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
