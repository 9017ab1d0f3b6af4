/*
 * The sources: part of keluhd.yaml, kind by kind: a minimal source loads
 * with the options it should, a wrong key or value gives its exact error
 * (and only that one), and a reload keeps a source whose options did not
 * change and restarts one whose options did (conf_source_same). Also the
 * registry itself: every kind is whole and named once.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/conf_source.h"
#include "lib/diag.h"
#include "sources/source.h"
#include "unit.h"

/* The head every test config shares: no rules to load, no spool to open. */
#define HEAD "rules: {packs: [], dir: .}\nsources:\n"

struct loaded {
	struct conf *c;
	char first[1024]; /* the first error, or "" */
	size_t errors;
};

/* Loads HEAD + text as a keluhd.yaml (flags: CONF_NO_SECRETS or 0). */
static struct loaded
load_flags(const char *text, int flags)
{
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	struct loaded l;
	struct diag d;
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), "%s/keluh-test-conf-sources.XXXXXX", tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "%s%s", HEAD, text);
	fclose(fp);
	diag_init(&d);
	l.c = conf_load_flags(path, &d, flags);
	snprintf(l.first, sizeof(l.first), "%s", d.n ? d.items[0].msg : "");
	l.errors = d.errors;
	diag_free(&d);
	unlink(path);
	return l;
}

static struct loaded
load(const char *text)
{
	return load_flags(text, 0);
}

/* A config that must load: its only source. */
static const struct conf_source *
one_source(struct loaded *l)
{
	ck_assert_msg(l->c != NULL, "the config does not load: %s", l->first);
	ck_assert_uint_eq(l->c->nsources, 1);
	return &l->c->sources[0];
}

/* A config that must fail with this one error. */
static void
fails_with(const char *text, int flags, const char *error)
{
	struct loaded l = load_flags(text, flags);

	ck_assert_ptr_null(l.c);
	ck_assert_str_eq(l.first, error);
	ck_assert_uint_eq(l.errors, 1);
}

/* Whether a source loaded from a may keep running when the config says b. */
static int
same(const char *a, const char *b, int flags)
{
	struct loaded la = load_flags(a, flags), lb = load_flags(b, flags);
	int r = conf_source_same(one_source(&la), one_source(&lb));

	conf_free(la.c);
	conf_free(lb.c);
	return r;
}

START_TEST(registry)
{
	size_t n = 0;

	for (; conf_source_kinds[n]; n++) {
		const struct conf_source_kind *k = conf_source_kinds[n];
		const struct source_kind *sk = (const struct source_kind *)k;

		ck_assert_ptr_nonnull(k->name);
		ck_assert_uint_gt(strlen(k->name), 0);
		ck_assert_ptr_nonnull(k->keys);
		ck_assert_ptr_nonnull(k->parse);
		ck_assert_ptr_nonnull(k->same);
		ck_assert_ptr_nonnull(k->free);
		ck_assert_ptr_nonnull(sk->start);
		ck_assert_ptr_eq(conf_source_kind_find(k->name), k);
		for (size_t j = 0; j < n; j++)
			ck_assert_str_ne(conf_source_kinds[j]->name, k->name);
	}
	ck_assert_uint_eq(n, 17);
	ck_assert_ptr_null(conf_source_kind_find("twitter"));
}
END_TEST

/*
 * The merged key list: the keys the "expected one of" message has always
 * shown keep their order in front, and every key of every kind is in it
 * once; the message lists exactly these.
 */
START_TEST(keys_listed)
{
	const char *keys[192];
	size_t n = conf_source_keys(keys, 192);
	char all[4096] = "", msg[4200];

	ck_assert_uint_lt(n, 192);
	for (size_t i = 0; i < n; i++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s", i ? ", " : "",
		         keys[i]);
	{
		static const char old[] = "name, type, path, rate, loop, url, headers, token_file, "
		                          "fields, events, max_event, stall, reconnect, backoff_max, "
		                          "interval, ";

		ck_assert_msg(strncmp(all, old, sizeof(old) - 1) == 0, "%s", all);
	}
	for (size_t k = 0; conf_source_kinds[k]; k++)
		for (const struct conf_key *ck = conf_source_kinds[k]->keys; ck->name; ck++) {
			size_t seen = 0;

			for (size_t i = 0; i < n; i++)
				seen += strcmp(keys[i], ck->name) == 0;
			ck_assert_msg(seen == 1, "%s: key %s listed %zu times",
			              conf_source_kinds[k]->name, ck->name, seen);
		}
	snprintf(msg, sizeof(msg), "unknown key 'zzzzzz' in a source; expected one of: %s", all);
	fails_with("  - {name: s, type: sse, url: 'http://127.0.0.1:1/', zzzzzz: 1}\n", 0, msg);
	fails_with("  - {name: s, type: sse, url: 'http://127.0.0.1:1/', evnts: [a]}\n", 0,
	           "unknown key 'evnts' in a source; did you mean 'events'?");
}
END_TEST

START_TEST(types)
{
	fails_with("  - {name: s}\n", 0,
	           "source 's' needs a type (demo, stdin, file, sse, "
	           "ndjson-stream, json-poll, rss, mastodon, x, reddit, webhook, youtube, google-play, "
	           "app-store, bluesky, meta or tiktok)");
	fails_with(
	    "  - {name: s, type: rsss}\n", 0,
	    "unknown source type 'rsss'; did you mean "
	    "'rss'?; this version has demo, stdin, file, sse, ndjson-stream, json-poll, rss, "
	    "mastodon, x, reddit, webhook, youtube, google-play, app-store, bluesky, meta and tiktok");
	fails_with(
	    "  - {name: s, type: twitter}\n", 0,
	    "unknown source type 'twitter'; this "
	    "version has demo, stdin, file, sse, ndjson-stream, json-poll, rss, mastodon, x, "
	    "reddit, webhook, youtube, google-play, app-store, bluesky, meta and tiktok");
	fails_with("  - {name: s, type: demo}\n  - {name: s, type: demo}\n", 0,
	           "duplicate source name 's'");
	fails_with("  - {type: demo}\n", 0, "a source needs a name");
}
END_TEST

START_TEST(demo)
{
	struct loaded l = load("  - {name: d, type: demo}\n");
	const struct source_local *o = one_source(&l)->opts;

	ck_assert_str_eq(l.c->sources[0].kind->name, "demo");
	ck_assert_ptr_null(o->path);
	ck_assert_ptr_nonnull(strstr(o->fallback_path, "samples/mentions.ndjson"));
	ck_assert_double_eq(o->rate_per_s, 2);
	ck_assert_int_eq(o->loop, 1);
	conf_free(l.c);
	l = load("  - {name: d, type: demo, rate: 30/min, loop: false, path: /x/m.ndjson}\n");
	o = one_source(&l)->opts;
	ck_assert_double_eq(o->rate_per_s, 0.5);
	ck_assert_int_eq(o->loop, 0);
	ck_assert_str_eq(o->path, "/x/m.ndjson");
	conf_free(l.c);
	fails_with("  - {name: d, type: demo, rate: fast}\n", 0,
	           "rate: 'fast' must look like 2/s or 30/min");
	fails_with("  - {name: d, type: demo, url: 'http://127.0.0.1:1/'}\n", 0,
	           "source 'd': demo sources take no 'url'"
	           " (sse, ndjson-stream, json-poll, rss, mastodon, x, reddit and bluesky sources take it)");
	ck_assert(same("  - {name: d, type: demo, rate: 2/s}\n", "  - {name: d, type: demo}\n", 0));
	ck_assert(
	    !same("  - {name: d, type: demo}\n", "  - {name: d, type: demo, rate: 3/s}\n", 0));
	ck_assert(!same("  - {name: d, type: demo}\n", "  - {name: e, type: demo}\n", 0));
}
END_TEST

START_TEST(stdin_kind)
{
	struct loaded l = load("  - {name: i, type: stdin}\n");

	ck_assert_str_eq(one_source(&l)->kind->name, "stdin");
	conf_free(l.c);
	fails_with("  - {name: i, type: stdin, interval: 1m}\n", 0,
	           "source 'i': stdin sources take no 'interval'"
	           " (json-poll, rss and reddit sources take it)");
	ck_assert(same("  - {name: i, type: stdin}\n", "  - {name: i, type: stdin}\n", 0));
	ck_assert(!same("  - {name: i, type: stdin}\n", "  - {name: i, type: demo}\n", 0));
}
END_TEST

START_TEST(file_kind)
{
	struct loaded l = load("  - {name: f, type: file, path: /var/m.ndjson}\n");
	const struct source_local *o = one_source(&l)->opts;

	ck_assert_str_eq(o->path, "/var/m.ndjson");
	conf_free(l.c);
	fails_with("  - {name: f, type: file}\n", 0, "source 'f' of type file needs a path");
	ck_assert(!same("  - {name: f, type: file, path: /a}\n",
	                "  - {name: f, type: file, path: /b}\n", 0));
	ck_assert(same("  - {name: f, type: file, path: /a}\n",
	               "  - {name: f, type: file, path: /a}\n", 0));
}
END_TEST

#define SSE "  - {name: s, type: sse, url: 'http://127.0.0.1:1/e'"

START_TEST(sse)
{
	struct loaded l = load(SSE ", events: [post], fields: {text: /t}, stall: 10s}\n");
	const struct conf_source *cs = one_source(&l);
	const struct source_net *n = cs->opts;

	ck_assert_str_eq(n->url, "http://127.0.0.1:1/e");
	ck_assert_uint_eq(n->nevents, 1);
	ck_assert_str_eq(n->events[0], "post");
	ck_assert_str_eq(n->fields[SF_TEXT], "/t");
	ck_assert_int_eq(n->stall_ms, 10000);
	ck_assert_int_eq(n->reconnect_ms, 1000);
	ck_assert_uint_eq(n->max_event, 1024 * 1024);
	ck_assert_int_eq(cs->alert_after_ms, 0);
	conf_free(l.c);
	fails_with("  - {name: s, type: sse}\n", 0, "source 's' of type sse needs a url");
	fails_with(SSE ", stall: 500ms}\n", 0,
	           "stall must be at least 1s (or 0 to turn the "
	           "check off)");
	fails_with(SSE ", interval: 1m}\n", 0, "source 's': sse sources take no 'interval'"
	           " (json-poll, rss and reddit sources take it)");
	ck_assert(!same(SSE ", events: [a]}\n", SSE ", events: [b]}\n", 0));
	ck_assert(same(SSE ", events: [a]}\n", SSE ", events: [a]}\n", 0));
}
END_TEST

START_TEST(ndjson)
{
	struct loaded l = load("  - {name: n, type: ndjson-stream, url: 'http://127.0.0.1:1/',"
	                       " headers: {X-A: b}}\n");
	const struct source_net *n = one_source(&l)->opts;

	ck_assert_uint_eq(n->nheaders, 1);
	ck_assert_str_eq(n->headers[0], "X-A: b");
	ck_assert_int_eq(n->stall_ms, 90000);
	conf_free(l.c);
	fails_with("  - {name: n, type: ndjson-stream, url: 'http://127.0.0.1:1/', events: [a]}\n",
	           0, "source 'n': ndjson-stream sources take no 'events'"
	           " (sse and tiktok sources take it)");
	fails_with("  - {name: n, type: ndjson-stream, url: 'ftp://127.0.0.1/'}\n", 0,
	           "url: 'ftp://127.0.0.1/' must start with https:// or http://");
	ck_assert(!same("  - {name: n, type: ndjson-stream, url: 'http://127.0.0.1:1/'}\n",
	                "  - {name: n, type: ndjson-stream, url: 'http://127.0.0.1:2/'}\n", 0));
}
END_TEST

/* Somewhere for health alerts to go. */
#define HEALTH "health_receivers: [a]\nreceivers: [{name: a, type: console}]\n"
#define POLL   "  - {name: p, type: json-poll, url: 'http://127.0.0.1:1/p'"

START_TEST(json_poll)
{
	struct loaded l = load(POLL ", interval: 2m, alert_after: 10m, alert_to: [a]}\n"
	                            "receivers: [{name: a, type: console}]\n");
	const struct conf_source *cs = one_source(&l);
	const struct source_net *n = cs->opts;

	ck_assert_uint_eq(n->max_event, 8 * 1024 * 1024);
	ck_assert_int_eq(n->interval_ms, 120000);
	ck_assert_int_eq(n->timeout_ms, 30000);
	ck_assert_int_eq(cs->alert_after_ms, 600000);
	conf_free(l.c);
	fails_with(POLL ", cursor_param: since_id}\n", 0,
	           "cursor_param needs cursor (the pointer to each item's cursor)");
	fails_with(POLL ", stall: 1m}\n", 0, "source 'p': json-poll sources take no 'stall'"
	           " (sse, ndjson-stream, mastodon, x and bluesky sources take it)");
	ck_assert(!same(POLL ", cursor: /id}\n", POLL ", cursor: /date}\n", 0));
	ck_assert(same(POLL ", cursor: /id}\n", POLL ", cursor: /id}\n", 0));
	ck_assert(!same(POLL "}\n" HEALTH, POLL ", alert_after: 1m}\n" HEALTH, 0));
}
END_TEST

#define RSS "  - {name: r, type: rss, url: 'http://127.0.0.1:1/feed'"

START_TEST(rss)
{
	struct loaded l = load(RSS "}\n");
	const struct source_net *n = one_source(&l)->opts;

	ck_assert_int_eq(n->interval_ms, 5 * 60000);
	ck_assert_uint_eq(n->max_event, 8 * 1024 * 1024);
	conf_free(l.c);
	fails_with(RSS ", fields: {text: /t}}\n", 0, "source 'r': rss sources take no 'fields'"
	           " (sse, ndjson-stream, json-poll, webhook and tiktok sources take it)");
	fails_with(RSS ", interval: 500ms}\n", 0, "interval must be at least 1s");
	ck_assert(!same(RSS "}\n", RSS ", interval: 10m}\n", 0));
	ck_assert(same(RSS "}\n", RSS ", interval: 5m}\n", 0));
}
END_TEST

#define BSKY "  - {name: b, type: bluesky"

START_TEST(bluesky)
{
	struct loaded l = load(BSKY "}\n");

	ck_assert_str_eq(one_source(&l)->kind->name, "bluesky");
	conf_free(l.c);
	fails_with(BSKY ", url: 'https://jetstream.example/subscribe'}\n", 0,
	           "url: 'https://jetstream.example/subscribe' must start with wss:// or ws:// (a "
	           "Jetstream address, like wss://jetstream2.us-east.bsky.network/subscribe)");
	fails_with(BSKY ", url: 'wss://:99/subscribe'}\n", 0, "url: 'wss://:99/subscribe' has no host, or a bad one (a "
	           "Jetstream address, like wss://jetstream2.us-east.bsky.network/subscribe)");
	fails_with(BSKY ", url: 'wss://h:0/subscribe'}\n", 0, "url: 'wss://h:0/subscribe' has a bad port (a "
	           "Jetstream address, like wss://jetstream2.us-east.bsky.network/subscribe)");
	fails_with(BSKY ", collections: ['app.bsky.feed.post&x=1']}\n", 0,
	           "collections: 'app.bsky.feed.post&x=1' is not a collection NSID (like "
	           "app.bsky.feed.post, or app.bsky.feed.*)");
	fails_with(BSKY ", dids: ['did:plc:a&b']}\n", 0, "dids: 'did:plc:a&b' is not a DID (like did:plc:eygmaihciaxprqvxpfvl6flk)");
	fails_with(BSKY ", dids: [bob]}\n", 0, "dids: 'bob' is not a DID (like did:plc:eygmaihciaxprqvxpfvl6flk)");
	fails_with(BSKY ", stall: 10ms}\n", 0, "stall must be at least 1s (or 0 to turn the check off)");
	fails_with(BSKY ", max_event: 100}\n", 0, "max_event must be at least 1KB (a post is up to 3000 bytes of text)");
	fails_with(BSKY ", reconnect: 10s, backoff_max: 1s}\n", 0,
	           "backoff_max must not be shorter than reconnect");
	fails_with(BSKY ", token_file: t}\n", 0, "source 'b': bluesky sources take no 'token_file' (sse, ndjson-stream, "
	           "json-poll, rss, mastodon and x sources take it)");
	ck_assert(same(BSKY "}\n", BSKY ", collections: [app.bsky.feed.post], rewind: 5s}\n", 0));
	ck_assert(!same(BSKY "}\n", BSKY ", rewind: 10s}\n", 0));
	ck_assert(!same(BSKY "}\n", BSKY ", dids: [did:plc:abc]}\n", 0));
	ck_assert(!same(BSKY "}\n", BSKY ", url: 'ws://127.0.0.1:1/subscribe'}\n", 0));
}
END_TEST

#define MASTODON "  - {name: m, type: mastodon, url: 'http://127.0.0.1:1'"

START_TEST(mastodon)
{
	struct loaded l = load_flags(MASTODON ", stream: hashtag, tag: acme}\n", CONF_NO_SECRETS);
	const struct source_net *n = one_source(&l)->opts;

	ck_assert_int_eq(n->stall_ms, 45000);
	ck_assert_uint_eq(n->max_event, 1024 * 1024);
	conf_free(l.c);
	fails_with(
	    MASTODON ", stream: publik}\n", CONF_NO_SECRETS,
	    "unknown Mastodon stream "
	    "'publik'; did you mean 'public'?; use public, public:local, public:remote, hashtag, "
	    "hashtag:local, user or list");
	fails_with(MASTODON "}\n", 0,
	           "source 'm' of type mastodon needs token_file (a user token "
	           "with read:statuses; Mastodon 4.2 and later refuse streams without one)");
	fails_with("  - {name: m, type: mastodon}\n", CONF_NO_SECRETS,
	           "source 'm' of type "
	           "mastodon needs a url (the instance, like https://mastodon.social)");
	ck_assert(!same(MASTODON ", stream: hashtag, tag: a}\n",
	                MASTODON ", stream: hashtag, tag: b}\n", CONF_NO_SECRETS));
	ck_assert(!same(MASTODON "}\n", MASTODON ", reblogs: true}\n", CONF_NO_SECRETS));
	ck_assert(same(MASTODON "}\n", MASTODON ", stream: public}\n", CONF_NO_SECRETS));
}
END_TEST

START_TEST(x)
{
	struct loaded l = load("  - {name: x, type: x}\n");
	const struct source_net *n = one_source(&l)->opts;

	ck_assert_str_eq(n->url, "https://api.x.com/2/tweets/search/stream");
	ck_assert_int_eq(n->stall_ms, 20000);
	ck_assert_int_eq(n->reconnect_ms, 5000);
	ck_assert_int_eq(n->backoff_max_ms, 320000);
	conf_free(l.c);
	fails_with("  - {name: x, type: x, tag: acme}\n", 0, "source 'x': x sources take no 'tag'"
	           " (mastodon sources take it)");
	fails_with("  - {name: x, type: x, reconnect: 10m}\n", 0,
	           "backoff_max must not be shorter than reconnect");
	ck_assert(!same("  - {name: x, type: x}\n", "  - {name: x, type: x, reblogs: true}\n", 0));
	ck_assert(same("  - {name: x, type: x}\n", "  - {name: x, type: x, reblogs: false}\n", 0));
}
END_TEST

#define REDDIT "  - {name: rd, type: reddit, client_id: abc, client_secret_file: s"

START_TEST(reddit)
{
	struct loaded l = load_flags(REDDIT ", subreddits: [r/acme]}\n", CONF_NO_SECRETS);
	const struct source_net *n = one_source(&l)->opts;

	ck_assert_str_eq(n->url, "https://oauth.reddit.com");
	ck_assert_int_eq(n->interval_ms, 30000);
	ck_assert_uint_eq(n->max_event, 8 * 1024 * 1024);
	conf_free(l.c);
	fails_with(REDDIT ", subreddits: [acme], listing: neww}\n", CONF_NO_SECRETS,
	           "unknown "
	           "Reddit listing 'neww'; did you mean 'new'?; use new, search or comments");
	fails_with("  - {name: rd, type: reddit, client_secret_file: s, query: acme}\n",
	           CONF_NO_SECRETS,
	           "source 'rd' of type reddit needs client_id (the app's id, from "
	           "https://www.reddit.com/prefs/apps)");
	fails_with(REDDIT ", query: acme, token_file: t}\n", CONF_NO_SECRETS,
	           "source 'rd': reddit sources take no 'token_file'"
	           " (sse, ndjson-stream, json-poll, rss, mastodon and x sources take it)");
	ck_assert(!same(REDDIT ", subreddits: [acme]}\n",
	                REDDIT ", subreddits: [acme], "
	                       "listing: comments}\n",
	                CONF_NO_SECRETS));
	ck_assert(same(REDDIT ", subreddits: [acme]}\n",
	               REDDIT ", subreddits: [r/acme], "
	                      "listing: new}\n",
	               CONF_NO_SECRETS));
}
END_TEST

#define YOUTUBE "  - {name: yt, type: youtube, key_file: k"

START_TEST(youtube)
{
	struct loaded l = load_flags(YOUTUBE ", videos: [dQw4w9WgXcQ]}\n", CONF_NO_SECRETS);
	const struct source_net *n = one_source(&l)->opts;

	/* the options begin with their network part */
	ck_assert_str_eq(n->url, "https://www.googleapis.com/youtube/v3");
	ck_assert_int_eq(n->interval_ms, 60000);
	conf_free(l.c);
	l = load_flags(YOUTUBE ", channel: UCabcdefghijklmnopqrstuv, every: 5m, "
	               "api_url: 'http://127.0.0.1:1/yt'}\n", CONF_NO_SECRETS);
	n = one_source(&l)->opts;
	ck_assert_str_eq(n->url, "http://127.0.0.1:1/yt");
	ck_assert_int_eq(n->interval_ms, 300000);
	conf_free(l.c);
	fails_with("  - {name: yt, type: youtube, videos: [dQw4w9WgXcQ]}\n", CONF_NO_SECRETS,
	           "source 'yt' of type youtube needs key_file (a file holding the API key, from "
	           "the Google Cloud console's Credentials page)");
	fails_with(YOUTUBE "}\n", CONF_NO_SECRETS,
	           "source 'yt' of type youtube needs videos: (video ids) or channel: (a channel "
	           "id), or both");
	fails_with(YOUTUBE ", videos: [dQw4w9WgXc]}\n", CONF_NO_SECRETS,
	           "videos: 'dQw4w9WgXc' is not a YouTube video id (the 11 characters after "
	           "watch?v=, like dQw4w9WgXcQ)");
	fails_with(YOUTUBE ", channel: '@acme'}\n", CONF_NO_SECRETS,
	           "channel: '@acme' is not a YouTube channel id (UC and 22 more characters, from "
	           "the channel's advanced settings; not its @handle)");
	fails_with(YOUTUBE ", channel: UCabcdefghijklmnopqrstuv, quota_share: 0.5}\n",
	           CONF_NO_SECRETS,
	           "quota_share: '0.5' must be a percent from 1% to 100%, like 50% (the part of "
	           "daily_quota this source may spend)");
	fails_with(YOUTUBE ", channel: UCabcdefghijklmnopqrstuv, every: 50ms}\n", CONF_NO_SECRETS,
	           "every must be at least 100ms (the quota spaces polls out anyway)");
	fails_with(YOUTUBE ", channel: UCabcdefghijklmnopqrstuv, api_url: ftp://x}\n",
	           CONF_NO_SECRETS, "api_url: 'ftp://x' must start with https:// or http://");
	fails_with(YOUTUBE ", channel: UCabcdefghijklmnopqrstuv, interval: 1m}\n", CONF_NO_SECRETS,
	           "source 'yt': youtube sources take no 'interval' (json-poll, rss and reddit "
	           "sources take it)");
	ck_assert(same(YOUTUBE ", videos: [dQw4w9WgXcQ], quota_share: 100%}\n",
	               YOUTUBE ", videos: [dQw4w9WgXcQ], daily_quota: 10000}\n", CONF_NO_SECRETS));
	ck_assert(!same(YOUTUBE ", videos: [dQw4w9WgXcQ], quota_share: 50%}\n",
	                YOUTUBE ", videos: [dQw4w9WgXcQ]}\n", CONF_NO_SECRETS));
	ck_assert(!same(YOUTUBE ", videos: [dQw4w9WgXcQ]}\n",
	                YOUTUBE ", videos: [dQw4w9WgXcQ], channel: UCabcdefghijklmnopqrstuv}\n",
	                CONF_NO_SECRETS));
}
END_TEST

/*
 * brand_accounts: the kinds that see replies take it, each handle checked
 * for its platform; the others name where it belongs.
 */
START_TEST(brand_accounts)
{
	struct loaded l = load("  - {name: x, type: x, brand_accounts: ['@DompetKu_Care', dk]}\n");
	const struct conf_source *cs = one_source(&l);

	ck_assert_str_eq(cs->kind->name, "x");
	conf_free(l.c);
	l = load_flags(MASTODON ", brand_accounts: ['@care@m.example', '@care']}\n",
	               CONF_NO_SECRETS);
	one_source(&l);
	conf_free(l.c);
	l = load_flags(REDDIT ", subreddits: [acme], brand_accounts: [u/dk_care, /u/dk-2]}\n",
	               CONF_NO_SECRETS);
	one_source(&l);
	conf_free(l.c);
	fails_with(RSS ", brand_accounts: ['@dk']}\n", 0,
	           "source 'r': rss sources take no 'brand_accounts' (mastodon, x and reddit "
	           "sources take it)");
	fails_with("  - {name: x, type: x, brand_accounts: ['@dk', '']}\n", 0,
	           "brand_accounts: an empty handle; write the account as @name, like "
	           "@dompetku_care");
	fails_with("  - {name: x, type: x, brand_accounts: ['@']}\n", 0,
	           "brand_accounts: an empty handle; write the account as @name, like "
	           "@dompetku_care");
	fails_with(REDDIT ", subreddits: [acme], brand_accounts: [u/]}\n", CONF_NO_SECRETS,
	           "brand_accounts: an empty handle; write the account as u/name, like "
	           "u/dompetku_care");
	fails_with("  - {name: x, type: x, brand_accounts: ['@dompet.care']}\n", 0,
	           "brand_accounts: '@dompet.care' is not an X username (1 to 15 letters, digits "
	           "or _, like @dompetku_care)");
	fails_with(REDDIT ", subreddits: [acme], brand_accounts: [u/dk]}\n", CONF_NO_SECRETS,
	           "brand_accounts: 'u/dk' is not a Reddit user name (3 to 20 letters, digits, "
	           "- or _, like u/dompetku_care)");
	fails_with(MASTODON ", brand_accounts: ['@care@']}\n", CONF_NO_SECRETS,
	           "brand_accounts: '@care@' is not a Mastodon account (@name for an account of "
	           "the instance read, or @name@domain, like @dompetku_care@mastodon.social)");
	fails_with("  - {name: x, type: x, brand_accounts: []}\n", 0,
	           "brand_accounts is an empty list; give at least one or remove it");
	ck_assert(!same("  - {name: x, type: x, brand_accounts: [a]}\n",
	                "  - {name: x, type: x, brand_accounts: [b]}\n", 0));
	ck_assert(!same("  - {name: x, type: x}\n", "  - {name: x, type: x, brand_accounts: [b]}\n",
	                0));
	ck_assert(same("  - {name: x, type: x, brand_accounts: [a, b]}\n",
	               "  - {name: x, type: x, brand_accounts: [a, b]}\n", 0));
}
END_TEST

#define WEBHOOK "  - {name: w, type: webhook, secret_file: s"

START_TEST(webhook)
{
	struct loaded l = load_flags(WEBHOOK ", items: /events, fields: {id: /id, text: /msg}}\n",
	                             CONF_NO_SECRETS);

	ck_assert_str_eq(one_source(&l)->kind->name, "webhook");
	conf_free(l.c);
	fails_with("  - {name: w, type: webhook}\n", CONF_NO_SECRETS,
	           "source 'w' of type webhook needs secret_file (a file holding the signing "
	           "secret the platform shares)");
	fails_with(WEBHOOK ", signature: hmac-sha512}\n", CONF_NO_SECRETS,
	           "signature: 'hmac-sha512' is not one of hmac-sha256, hmac-sha1, "
	           "standard-webhooks");
	fails_with(WEBHOOK ", signature_encoding: b64}\n", CONF_NO_SECRETS,
	           "signature_encoding: 'b64' is not one of hex, base64");
	fails_with(WEBHOOK ", signature_header: 'X Sig'}\n", CONF_NO_SECRETS,
	           "signature_header: 'X Sig' is not an HTTP header name");
	fails_with(WEBHOOK ", signature: standard-webhooks, signature_prefix: v1}\n",
	           CONF_NO_SECRETS,
	           "standard-webhooks uses its webhook-id, webhook-timestamp and "
	           "webhook-signature headers; drop signature_header, signature_prefix and "
	           "signature_encoding");
	fails_with(WEBHOOK ", fields: {id: /id}}\n", CONF_NO_SECRETS,
	           "fields needs text (the pointer to the mention's text)");
	fails_with(WEBHOOK ", url: 'http://127.0.0.1:1/'}\n", CONF_NO_SECRETS,
	           "source 'w': webhook sources take no 'url'"
	           " (sse, ndjson-stream, json-poll, rss, mastodon, x, reddit and bluesky sources take it)");
	ck_assert(!same(WEBHOOK ", signature_prefix: a}\n", WEBHOOK ", signature_prefix: b}\n",
	                CONF_NO_SECRETS));
	ck_assert(!same(WEBHOOK ", items: /a}\n", WEBHOOK ", items: /b}\n", CONF_NO_SECRETS));
	ck_assert(!same(WEBHOOK "}\n", WEBHOOK ", signature: hmac-sha1}\n", CONF_NO_SECRETS));
	ck_assert(same(WEBHOOK ", signature: hmac-sha256}\n", WEBHOOK "}\n", CONF_NO_SECRETS));
}
END_TEST

#define TIKTOK "  - {name: t, type: tiktok, client_secret_file: s"

START_TEST(tiktok)
{
	struct loaded l = load_flags(TIKTOK ", events: [comment.create], fields: {id: /cid, "
	                                    "text: /text}}\n",
	                             CONF_NO_SECRETS);

	ck_assert_str_eq(one_source(&l)->kind->name, "tiktok");
	conf_free(l.c);
	fails_with("  - {name: t, type: tiktok, events: [a], fields: {text: /t}}\n", CONF_NO_SECRETS,
	           "source 't' of type tiktok needs client_secret_file (a file holding the app's "
	           "client secret, from TikTok's developer portal)");
	fails_with(TIKTOK ", fields: {text: /t}}\n", CONF_NO_SECRETS,
	           "source 't' of type tiktok needs events: the names of the comment events its "
	           "webhooks carry, as TikTok's portal lists them");
	fails_with(TIKTOK ", events: [a]}\n", CONF_NO_SECRETS,
	           "source 't' of type tiktok needs fields: where the comment's id and text are in "
	           "the event's content, like {id: /comment_id, text: /text}");
	fails_with(TIKTOK ", events: [a], fields: {text: /t}, secret_file: x}\n", CONF_NO_SECRETS,
	           "source 't': tiktok sources take no 'secret_file' (webhook sources take it)");
	ck_assert(!same(TIKTOK ", events: [a], fields: {text: /t}}\n",
	                TIKTOK ", events: [b], fields: {text: /t}}\n", CONF_NO_SECRETS));
	ck_assert(same(TIKTOK ", events: [a], fields: {text: /t}}\n",
	               TIKTOK ", events: [a], fields: {text: /t}}\n", CONF_NO_SECRETS));
}
END_TEST

/* Two receivers for alert_to. */
#define RECEIVERS "receivers: [{name: a, type: console}, {name: b, type: console}]\n"

START_TEST(health)
{
	fails_with(SSE ", alert_after: 500ms, alert_to: [a]}\nreceivers: [{name: a, type: "
	               "console}]\n",
	           0,
	           "alert_after must be at least 1s (it is how "
	           "long a source may be silent, failing or throttled before one alert says so)");
	fails_with(SSE ", alert_to: [ops]}\n", 0,
	           "alert_to needs alert_after (how long a source "
	           "may be silent or failing before the alert)");
	fails_with(
	    SSE ", alert_after: 1m}\n", 0,
	    "source 's' has alert_after but nowhere to send "
	    "the alert: add alert_to: [receiver] here or health_receivers: [receiver] at the top");
	ck_assert(!same(SSE ", alert_after: 1m, alert_to: [a]}\nreceivers: [{name: a, type: "
	                    "console}, {name: b, type: console}]\n",
	                SSE ", alert_after: 1m, alert_to: [b]}\n"
	                    "receivers: [{name: a, type: console}, {name: b, type: console}]\n",
	                0));
	ck_assert(!same(SSE ", alert_after: 1m, alert_to: [a]}\n" RECEIVERS,
	                SSE ", alert_after: 1m, alert_to: [a, b]}\n" RECEIVERS, 0));
	ck_assert(!same(SSE ", alert_after: 1m, alert_to: [a]}\n" RECEIVERS,
	                SSE ", alert_after: 2m, alert_to: [a]}\n" RECEIVERS, 0));
	ck_assert(same(SSE ", alert_after: 1m, alert_to: [a, b]}\n" RECEIVERS,
	               SSE ", alert_after: 60s, alert_to: [a, b]}\n" RECEIVERS, 0));
}
END_TEST

#define GPLAY "  - {name: gp, type: google-play, service_account_file: sa.json"
#define APPSTORE                                                                                   \
	"  - {name: as, type: app-store, key_file: k.p8, key_id: 2X9R4HXF34, issuer_id: "          \
	"57246542-96fe-1a63-e053-0824d011072a"

/* google-play and app-store: their keys (the key files themselves: daemon_sources_reviews.sh). */
START_TEST(reviews)
{
	struct loaded l =
	    load_flags(GPLAY ", packages: [com.acme.app, id.acme.lite]}\n", CONF_NO_SECRETS);

	ck_assert_ptr_nonnull(l.c);
	conf_free(l.c);
	fails_with(GPLAY "}\n", CONF_NO_SECRETS,
	           "source 'gp' of type google-play needs package (the app's package name, like "
	           "com.acme.app) or packages");
	fails_with("  - {name: gp, type: google-play, package: com.acme.app}\n", CONF_NO_SECRETS,
	           "source 'gp' of type google-play needs service_account_file");
	fails_with(GPLAY ", package: a.b, packages: [a.c]}\n", CONF_NO_SECRETS,
	           "give package or packages, not both");
	fails_with(
	    GPLAY ", package: com..app}\n", CONF_NO_SECRETS,
	    "'com..app' is not an Android package name (letters, digits and _ in two or more "
	    "parts joined by dots, like com.acme.app)");
	fails_with(GPLAY ", package: a.b, every: 500ms}\n", CONF_NO_SECRETS,
	           "every must be 1s or more");
	fails_with(GPLAY ", package: a.b, api_url: ftp://x}\n", CONF_NO_SECRETS,
	           "api_url: 'ftp://x' must start with https:// or http://");
	fails_with(GPLAY ", package: a.b, url: 'http://x'}\n", CONF_NO_SECRETS,
	           "source 'gp': google-play sources take no 'url' (sse, ndjson-stream, json-poll, "
	           "rss, mastodon, x, reddit and bluesky sources take it)");
	ck_assert(!same(GPLAY ", package: a.b}\n", GPLAY ", package: a.c}\n", CONF_NO_SECRETS));
	ck_assert(same(GPLAY ", package: a.b}\n", GPLAY ", packages: [a.b], every: 15m}\n",
	               CONF_NO_SECRETS));
	l = load_flags(APPSTORE ", app_ids: ['682658836', '1']}\n", CONF_NO_SECRETS);
	ck_assert_ptr_nonnull(l.c);
	conf_free(l.c);
	fails_with(APPSTORE ", app_id: 12a}\n", CONF_NO_SECRETS,
	           "'12a' is not an Apple ID of an app (digits, like 682658836)");
	fails_with("  - {name: as, type: app-store, key_file: k.p8, key_id: 2X9R4HXF34, app_id: "
	           "'1'}\n",
	           CONF_NO_SECRETS, "source 'as' of type app-store needs issuer_id");
	fails_with(APPSTORE ", app_id: '1', translation_language: en}\n", CONF_NO_SECRETS,
	           "source 'as': app-store sources take no 'translation_language' (google-play "
	           "sources take it)");
	ck_assert(!same(APPSTORE ", app_id: '1'}\n", APPSTORE ", app_id: '2'}\n", CONF_NO_SECRETS));
}
END_TEST

#define META "  - {name: m, type: meta, verify_token_file: v, app_secret_file: a"

START_TEST(meta)
{
	struct loaded l = load_flags(META "}\n", CONF_NO_SECRETS);

	ck_assert_str_eq(one_source(&l)->kind->name, "meta");
	conf_free(l.c);
	l = load_flags(META ", page_token_file: p, graph_url: 'http://127.0.0.1:9/v21.0', "
	               "max_body: 64KiB, max_lookups: 4, lookup_timeout: 2s, alert_to: [a]}\n"
	               RECEIVERS, CONF_NO_SECRETS);
	ck_assert_str_eq(one_source(&l)->kind->name, "meta");
	conf_free(l.c);
	fails_with("  - {name: m, type: meta, app_secret_file: a}\n", CONF_NO_SECRETS,
	           "source 'm' of type meta needs verify_token_file (a file holding the verify "
	           "token you type into the app's Webhooks settings)");
	fails_with("  - {name: m, type: meta, verify_token_file: v}\n", CONF_NO_SECRETS,
	           "source 'm' of type meta needs app_secret_file (a file holding the app secret "
	           "(App settings, Basic), which signs every webhook)");
	fails_with(META ", graph_url: graph.facebook.com}\n", CONF_NO_SECRETS,
	           "graph_url: 'graph.facebook.com' must start with https:// (or http://), like "
	           "https://graph.facebook.com/v21.0");
	fails_with(META ", max_body: 10}\n", CONF_NO_SECRETS,
	           "max_body must be between 1KiB and 64MiB");
	fails_with(META ", lookup_timeout: 5m}\n", CONF_NO_SECRETS,
	           "lookup_timeout must be between 100ms and 60s (Meta waits about 20s for an "
	           "answer)");
	fails_with(META ", page_tokn_file: p}\n", CONF_NO_SECRETS,
	           "unknown key 'page_tokn_file' in a source; did you mean 'page_token_file'?");
	ck_assert(!same(META ", max_lookups: 4}\n", META ", max_lookups: 5}\n", CONF_NO_SECRETS));
	ck_assert(same(META ", lookup_timeout: 2s}\n", META ", lookup_timeout: 2000ms}\n",
	               CONF_NO_SECRETS));
}
END_TEST

/* A source of each kind that loads (secrets not read), to which one key is added. */
static const struct {
	const char *kind, *source;
} minimal[] = {
    {"demo", "name: s, type: demo"},
    {"stdin", "name: s, type: stdin"},
    {"file", "name: s, type: file, path: /x/m.ndjson"},
    {"sse", "name: s, type: sse, url: 'http://127.0.0.1:1/e'"},
    {"ndjson-stream", "name: s, type: ndjson-stream, url: 'http://127.0.0.1:1/e'"},
    {"json-poll", "name: s, type: json-poll, url: 'http://127.0.0.1:1/p'"},
    {"rss", "name: s, type: rss, url: 'http://127.0.0.1:1/feed'"},
    {"mastodon", "name: s, type: mastodon, url: 'http://127.0.0.1:1'"},
    {"x", "name: s, type: x"},
    {"reddit", "name: s, type: reddit, client_id: abc, client_secret_file: s, subreddits: [acme]"},
    {"webhook", "name: s, type: webhook, secret_file: s"},
    {"youtube", "name: s, type: youtube, key_file: k, videos: [dQw4w9WgXcQ]"},
    {"google-play", "name: s, type: google-play, service_account_file: sa.json, package: a.b"},
    {"app-store", "name: s, type: app-store, key_file: k.p8, key_id: 2X9R4HXF34, issuer_id: "
                  "57246542-96fe-1a63-e053-0824d011072a, app_id: '1'"},
    {"bluesky", "name: s, type: bluesky"},
    {"meta", "name: s, type: meta, verify_token_file: v, app_secret_file: a"},
    {"tiktok", "name: s, type: tiktok, client_secret_file: s, events: [comment.create], "
               "fields: {id: /comment_id, text: /text}"},
};

static const char *
minimal_source(const char *kind)
{
	for (size_t i = 0; i < sizeof(minimal) / sizeof(minimal[0]); i++)
		if (strcmp(minimal[i].kind, kind) == 0)
			return minimal[i].source;
	ck_abort_msg("no minimal source of kind %s", kind);
	return NULL;
}

/* The types in the kinds' tables are the ones their parsers read: a value of the
 * wrong form for a key of type DURATION, SIZE, RATE, INT or BOOL is refused, named. */
START_TEST(key_types)
{
	char text[512];

	for (size_t k = 0; conf_source_kinds[k]; k++) {
		const struct conf_source_kind *kind = conf_source_kinds[k];
		const char *base = minimal_source(kind->name);
		struct loaded l;

		snprintf(text, sizeof(text), "  - {%s}\n" HEALTH, base);
		l = load_flags(text, CONF_NO_SECRETS);
		ck_assert_str_eq(one_source(&l)->kind->name, kind->name);
		conf_free(l.c);
		for (size_t i = 0; kind->keys[i].name; i++) {
			const struct conf_key *key = &kind->keys[i];
			size_t n = strlen(key->name);

			if (key->type != CONF_DURATION && key->type != CONF_SIZE &&
			    key->type != CONF_RATE && key->type != CONF_INT &&
			    key->type != CONF_BOOL)
				continue;
			snprintf(text, sizeof(text), "  - {%s, %s: zz}\n" HEALTH, base, key->name);
			l = load_flags(text, CONF_NO_SECRETS);
			ck_assert_msg(l.c == NULL, "loaded: %s", text);
			ck_assert_msg(strncmp(l.first, key->name, n) == 0 &&
			                  (l.first[n] == ':' || l.first[n] == ' '),
			              "%s: %s", text, l.first);
		}
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf_sources");
	TCase *tc = tcase_create("conf_sources");

	tcase_add_test(tc, registry);
	tcase_add_test(tc, keys_listed);
	tcase_add_test(tc, types);
	tcase_add_test(tc, demo);
	tcase_add_test(tc, stdin_kind);
	tcase_add_test(tc, file_kind);
	tcase_add_test(tc, sse);
	tcase_add_test(tc, ndjson);
	tcase_add_test(tc, json_poll);
	tcase_add_test(tc, rss);
	tcase_add_test(tc, mastodon);
	tcase_add_test(tc, x);
	tcase_add_test(tc, reddit);
	tcase_add_test(tc, webhook);
	tcase_add_test(tc, youtube);
	tcase_add_test(tc, reviews);
	tcase_add_test(tc, bluesky);
	tcase_add_test(tc, meta);
	tcase_add_test(tc, tiktok);
	tcase_add_test(tc, brand_accounts);
	tcase_add_test(tc, health);
	tcase_add_test(tc, key_types);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
