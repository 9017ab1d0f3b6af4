#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf/conf.h"
#include "conf/conf_parse.h"
#include "engine/mention.h"
#include "lib/sign.h"
#include "lib/tz.h"
#include "lib/util.h"
#include "lib/words.h"
#include "lib/yamlx.h"
#include "net/stream.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const conf_keys[] = { "http", "spool", "rules", "sources", "receivers",
	"routes", "grouping", "incidents", "duplicates", "admin", "health_receivers", "display" };
static const char *const http_keys[] = { "listen", "tokens_file", "signing_keys_file",
	"max_body", "max_headers", "max_connections", "max_connections_per_client", "timeout" };
static const char *const spool_keys[] = { "path", "max_pending", "keep_history" };
static const char *const source_keys[] = { "name", "type", "path", "rate", "loop", "url",
	"headers", "token_file", "fields", "events", "max_event", "stall", "reconnect",
	"backoff_max", "interval", "timeout", "items", "cursor", "cursor_param", "stream", "tag",
	"list", "reblogs", "alert_after", "alert_to", "subreddits", "query", "listing", "client_id",
	"client_secret_file", "username", "password_file", "user_agent", "token_url" };
static const char *const route_keys[] = { "match", "receivers", "continue" };
static const char *const match_keys[] = { "priority", "team", "tags", "rule", "source" };
static const char *const grouping_keys[] = { "by", "first_alert_after",
	"updates_at_most_every", "urgent_updates_at_most_every", "max_groups", "samples" };
static const char *const prio_keys[] = { "critical", "high", "normal", "low" };
static const char *const incident_keys[] = { "name", "rules", "at_least", "within", "spike",
	"cooldown" };
static const char *const dup_keys[] = { "window", "max_ids", "same_text" };
static const char *const admin_keys[] = { "socket" };
static const char *const display_keys[] = { "timezone", "language" };
static const char *const rules_keys[] = {"packs", "dir", "disable", "override", "packs_dir"};
static const char *const group_part_names[GK__N] = { "rule", "team", "priority", "source",
	"author", "mention" };
static const char *const source_type_names[SRC__N] = { "demo", "stdin", "file", "sse",
	"ndjson-stream", "json-poll", "mastodon", "x", "rss", "reddit" };
const char *const conf_source_field_names[SF__N] = { "id", "text", "url", "lang", "created_at",
	"author.handle", "author.name", "author.followers", "author.verified" };


const char *
conf_source_type_name(enum source_type t)
{
	return t < SRC__N ? source_type_names[t] : "?";
}




char *
conf_resolve(const struct conf *c, const char *path)
{
	return util_path_resolve(c->dir, path);
}

long
conf_receiver_index(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nreceivers; i++)
		if (strcmp(c->receivers[i].name, name) == 0)
			return (long)i;
	return -1;
}











static void
cl_http(struct confp *L, yaml_node_t *n)
{
	struct conf *c = L->c;
	const char *s;
	long x;

	if (!yis_map(n)) {
		yerror(L->d, L->yf, n, "'http' must be a mapping with listen, tokens_file, max_body...");
		return;
	}
	ycheck_keys(L->d, L->yf, n, "http", http_keys, NKEYS(http_keys));
	if (confp_string(L, n, "listen", &s) == 0 && s) {
		const char *colon = strrchr(s, ':');
		char *end;
		long port = colon ? strtol(colon + 1, &end, 10) : -1;

		if (colon == NULL || colon == s || *end != '\0' || port < 0 || port > 65535)
			yerror(L->d, L->yf, ymap_get(L->yf, n, "listen"),
			    "listen: '%s' must be host:port, e.g. 127.0.0.1:8470", s);
		else {
			free(c->listen);
			c->listen = xstrdup(s);
		}
	}
	if (confp_string(L, n, "tokens_file", &s) == 0 && s) {
		char *p = confp_secret_path(L, s);

		c->tokens = confp_read_lines(L, ymap_get(L->yf, n, "tokens_file"), p, "tokens_file",
		    &c->ntokens);
		free(p);
	}
	if (confp_string(L, n, "signing_keys_file", &s) == 0 && s) {
		char *p = confp_secret_path(L, s);

		c->signing_keys = confp_read_lines(L, ymap_get(L->yf, n, "signing_keys_file"), p,
		    "signing_keys_file", &c->nsigning_keys);
		for (size_t i = 0; i < c->nsigning_keys; i++) {
			struct sign_key k;
			char why[200];

			if (sign_key_parse(c->signing_keys[i], &k, why, sizeof(why)) < 0)
				yerror(L->d, L->yf, ymap_get(L->yf, n, "signing_keys_file"),
				    "%s: key %zu is not valid: %s", p, i + 1, why);
			sign_key_wipe(&k);
		}
		free(p);
	}
	confp_size(L, n, "max_body", &c->max_body);
	confp_size(L, n, "max_headers", &c->max_headers);
	if (confp_long(L, n, "max_connections", 1, 100000, &x) == 0 && ymap_get(L->yf, n,
	    "max_connections"))
		c->max_connections = (int)x;
	if (confp_long(L, n, "max_connections_per_client", 1, 100000, &x) == 0 && ymap_get(L->yf, n,
	    "max_connections_per_client"))
		c->max_connections_per_client = (int)x;
	confp_duration(L, n, "timeout", &c->http_timeout_ms);
}

/* Which keys each source type takes, past name and type. */
static int
source_key_allowed(enum source_type t, const char *key)
{
	static const char *const file_keys[] = { "path", "rate", "loop" };
	static const char *const net_keys[] = { "url", "headers", "token_file", "fields",
		"max_event", "reconnect", "backoff_max" };
	static const char *const stream_keys[] = { "stall" };
	static const char *const sse_keys[] = { "events" };
	static const char *const poll_keys[] = { "interval", "timeout", "items", "cursor",
		"cursor_param" };
	static const char *const health_keys[] = { "alert_after", "alert_to" };
	static const char *const mastodon_keys[] = { "stream", "tag", "list", "reblogs" };
	static const char *const reddit_keys[] = { "url", "headers", "max_event", "reconnect",
		"backoff_max", "interval", "timeout", "subreddits", "query", "listing", "client_id",
		"client_secret_file", "username", "password_file", "user_agent", "token_url" };

#define IN(a) for (size_t i = 0; i < NKEYS(a); i++) if (strcmp(key, a[i]) == 0) return 1
	if (strcmp(key, "name") == 0 || strcmp(key, "type") == 0)
		return 1;
	if (t == SRC_DEMO || t == SRC_STDIN || t == SRC_FILE) {
		IN(file_keys);
		return 0;
	}
	IN(health_keys);
	if (t == SRC_RSS) {
		/* the mapping is built in: no fields, items or cursor */
		if (strcmp(key, "fields") == 0)
			return 0;
		IN(net_keys);
		return strcmp(key, "interval") == 0 || strcmp(key, "timeout") == 0;
	}
	if (t == SRC_REDDIT) {
		/* the mapping and the bearer token are built in */
		IN(reddit_keys);
		return 0;
	}
	if (t == SRC_MASTODON || t == SRC_X) {
		/* the mapping is built in: no fields or events */
		if (strcmp(key, "fields") == 0)
			return 0;
		IN(net_keys);
		IN(stream_keys);
		if (t == SRC_MASTODON) {
			IN(mastodon_keys);
		} else if (strcmp(key, "reblogs") == 0)
			return 1;
		return 0;
	}
	IN(net_keys);
	if (t == SRC_SSE) {
		IN(sse_keys);
	}
	if (t == SRC_SSE || t == SRC_NDJSON_STREAM) {
		IN(stream_keys);
	}
	if (t == SRC_JSON_POLL) {
		IN(poll_keys);
	}
#undef IN
	return 0;
}


static void
cl_source_fields(struct confp *L, struct conf_source *src, yaml_node_t *n)
{
	if (!yis_map(n)) {
		yerror(L->d, L->yf, n, "fields must be a mapping from mention fields to JSON "
		    "pointers, like {text: /content, author.handle: /account/acct}");
		return;
	}
	ycheck_keys(L->d, L->yf, n, "fields", conf_source_field_names, SF__N);
	for (int f = 0; f < SF__N; f++) {
		yaml_node_t *v = ymap_get(L->yf, n, conf_source_field_names[f]);

		if (v)
			src->fields[f] = confp_jptr(L, v, conf_source_field_names[f]);
	}
	if (src->fields[SF_TEXT] == NULL && ymap_get(L->yf, n, "text") == NULL)
		yerror(L->d, L->yf, n, "fields needs text (the pointer to the mention's text)");
}

static void
cl_source_headers(struct confp *L, struct conf_source *src, yaml_node_t *n)
{
	if (!yis_map(n)) {
		yerror(L->d, L->yf, n, "headers must be a mapping such as {User-Agent: acme}");
		return;
	}
	for (size_t i = 0; i < ymap_len(n); i++) {
		yaml_node_t *k = ymap_key(L->yf, n, i), *v = ymap_value(L->yf, n, i);
		const char *name, *val;

		if (yget_string(L->d, L->yf, k, "a header name", &name) < 0 ||
		    yget_string(L->d, L->yf, v, "a header value", &val) < 0)
			continue;
		if (*name == '\0' || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789!#$%&'*+-.^_`|~") != strlen(name)) {
			yerror(L->d, L->yf, k, "'%s' is not a valid HTTP header name", name);
			continue;
		}
		if (strpbrk(val, "\r\n") || yscalar_len(v) != strlen(val)) {
			yerror(L->d, L->yf, v, "header %s: a value cannot contain line breaks or NUL",
			    name);
			continue;
		}
		src->headers = xreallocarray(src->headers, src->nheaders + 1, sizeof(char *));
		src->headers[src->nheaders++] = xasprintf("%s: %s", name, val);
	}
}

/* Mastodon and X: their settled defaults (X's come from its reconnect rules). */
static void
cl_source_social_defaults(struct conf_source *src)
{
	if (src->type == SRC_X) {
		src->url = xstrdup("https://api.x.com/2/tweets/search/stream");
		src->stall_ms = 20000;		/* X: keep-alives every 20 s at least */
		src->reconnect_ms = 5000;	/* X: HTTP errors wait 5 s, doubling */
		src->backoff_max_ms = 320000;	/* ... up to 320 s */
	} else
		src->stall_ms = 45000;		/* Mastodon: a heartbeat every 15 s */
}

static const char *const mastodon_streams[] = { "public", "public:local", "public:remote",
	"hashtag", "hashtag:local", "user", "list" };

/* mastodon's stream, tag, list; reblogs; and every network type's alert_after and alert_to. */
static void
cl_source_social(struct confp *L, struct conf_source *src, yaml_node_t *item)
{
	yaml_node_t *v;
	const char *s;

	if ((v = ymap_get(L->yf, item, "reblogs")) != NULL)
		yget_bool(L->d, L->yf, v, "reblogs", &src->reblogs);
	if (confp_duration(L, item, "alert_after", &src->alert_after_ms) == 0 &&
	    (v = ymap_get(L->yf, item, "alert_after")) != NULL && src->alert_after_ms < 1000)
		yerror(L->d, L->yf, v, "alert_after must be at least 1s (it is how long a source may "
		    "be silent, failing or throttled before one alert says so)");
	if ((v = ymap_get(L->yf, item, "alert_to")) != NULL) {
		confp_strings(L, v, "alert_to", &src->alert_to, &src->nalert_to);
		if (ymap_get(L->yf, item, "alert_after") == NULL)
			yerror(L->d, L->yf, v, "alert_to needs alert_after (how long a source may be "
			    "silent or failing before the alert)");
	}
	if (src->type != SRC_MASTODON)
		return;
	if (confp_string(L, item, "stream", &s) == 0) {
		size_t i, n = sizeof(mastodon_streams) / sizeof(mastodon_streams[0]);

		for (i = 0; s && i < n; i++)
			if (strcmp(s, mastodon_streams[i]) == 0)
				break;
		if (s && i == n) {
			const char *sug = diag_suggest(s, mastodon_streams, n);

			yerror(L->d, L->yf, ymap_get(L->yf, item, "stream"), "unknown Mastodon stream "
			    "'%s'%s%s%s; use public, public:local, public:remote, hashtag, "
			    "hashtag:local, user or list", s, sug ? "; did you mean '" : "",
			    sug ? sug : "", sug ? "'?" : "");
		} else
			src->stream = xstrdup(s ? s : "public");
	}
	if (confp_string(L, item, "tag", &s) == 0 && s) {
		if (*s == '#')
			s++;
		if (*s == '\0' || strpbrk(s, "#&?/= "))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "tag"), "tag: '%s' must be one "
			    "hashtag name, like acme (without #)", s);
		else
			src->tag = xstrdup(s);
	}
	if (confp_string(L, item, "list", &s) == 0 && s) {
		if (*s == '\0' || strspn(s, "0123456789") != strlen(s))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "list"), "list: '%s' must be a "
			    "list id (digits)", s);
		else
			src->list = xstrdup(s);
	}
	if (src->stream && strncmp(src->stream, "hashtag", 7) == 0 && src->tag == NULL &&
	    ymap_get(L->yf, item, "tag") == NULL)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "stream"), "stream %s needs tag: (the "
		    "hashtag to follow)", src->stream);
	if (src->stream && strcmp(src->stream, "list") == 0 && src->list == NULL &&
	    ymap_get(L->yf, item, "list") == NULL)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "stream"), "stream list needs list: (the "
		    "list id)");
	if (src->tag && ymap_get(L->yf, item, "stream") &&
	    strncmp(src->stream ? src->stream : "", "hashtag", 7) != 0)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "tag"), "tag is for stream: hashtag "
		    "(or hashtag:local)");
	if (src->token == NULL && ymap_get(L->yf, item, "token_file") == NULL &&
	    !(L->flags & CONF_NO_SECRETS))
		yerror(L->d, L->yf, item, "source '%s' of type mastodon needs token_file (a user "
		    "token with read:statuses; Mastodon 4.2 and later refuse streams without one)",
		    src->name);
}

static const char *const reddit_listings[] = { "new", "search", "comments" };


/* reddit: what to read (subreddits, query, listing) and the app's credentials. */
static void
cl_source_reddit(struct confp *L, struct conf_source *src, yaml_node_t *item)
{
	yaml_node_t *v;
	const char *s;

	if ((v = ymap_get(L->yf, item, "subreddits")) != NULL &&
	    confp_strings(L, v, "subreddits", &src->subreddits, &src->nsubreddits) == 0)
		for (size_t i = 0; i < src->nsubreddits; i++) {
			char *n = src->subreddits[i];
			size_t skip = strncmp(n, "/r/", 3) == 0 ? 3 : strncmp(n, "r/", 2) == 0 ? 2 : 0;

			memmove(n, n + skip, strlen(n + skip) + 1);
			if (strlen(n) < 2 || strlen(n) > 21 || strspn(n, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(n))
				yerror(L->d, L->yf, yis_seq(v) ? yseq_item(L->yf, v, i) : v,
				    "subreddits: '%s' is not a subreddit name (2 to 21 letters, digits "
				    "or _, like AcmeSupport, without r/)", n);
		}
	if (confp_string(L, item, "query", &s) == 0 && s) {
		if (*s == '\0' || strlen(s) > 512 || strpbrk(s, "\r\n"))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "query"), "query must be one line of "
			    "Reddit search syntax, at most 512 characters, like '\"acme\" (down OR "
			    "broken)'");
		else
			src->query = xstrdup(s);
	}
	if (confp_string(L, item, "listing", &s) == 0 && s) {
		size_t i, n = NKEYS(reddit_listings);

		for (i = 0; i < n; i++)
			if (strcmp(s, reddit_listings[i]) == 0)
				break;
		if (i == n) {
			const char *sug = diag_suggest(s, reddit_listings, n);

			yerror(L->d, L->yf, ymap_get(L->yf, item, "listing"), "unknown Reddit listing "
			    "'%s'%s%s%s; use new, search or comments", s, sug ? "; did you mean '" : "",
			    sug ? sug : "", sug ? "'?" : "");
		} else
			src->listing = xstrdup(s);
	}
	if (src->listing == NULL && ymap_get(L->yf, item, "listing") == NULL)
		src->listing = xstrdup(ymap_get(L->yf, item, "query") ? "search" : "new");
	if (src->listing && strcmp(src->listing, "search") == 0) {
		if (ymap_get(L->yf, item, "query") == NULL)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "listing"), "listing search needs "
			    "query: (what to search for)");
	} else if (src->listing) {
		if (ymap_get(L->yf, item, "subreddits") == NULL)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "listing") ?
			    ymap_get(L->yf, item, "listing") : item, "source '%s': listing %s needs "
			    "subreddits: (the subreddits to read), or give query: to search",
			    src->name, src->listing);
		if ((v = ymap_get(L->yf, item, "query")) != NULL)
			yerror(L->d, L->yf, v, "query is for listing: search (listing %s reads "
			    "everything posted)", src->listing);
	}
	if (confp_string(L, item, "client_id", &s) == 0 && s) {
		if (*s == '\0' || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-_") != strlen(s))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "client_id"), "client_id: '%s' is "
			    "not a Reddit app id (letters, digits, - and _, from "
			    "https://www.reddit.com/prefs/apps)", s);
		else
			src->client_id = xstrdup(s);
	} else if (ymap_get(L->yf, item, "client_id") == NULL)
		yerror(L->d, L->yf, item, "source '%s' of type reddit needs client_id (the app's id, "
		    "from https://www.reddit.com/prefs/apps)", src->name);
	src->client_secret = confp_secret_line(L, item, "client_secret_file");
	if (ymap_get(L->yf, item, "client_secret_file") == NULL)
		yerror(L->d, L->yf, item, "source '%s' of type reddit needs client_secret_file (a "
		    "file holding the app's secret)", src->name);
	if (confp_string(L, item, "username", &s) == 0 && s) {
		if (*s == '\0' || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-_") != strlen(s))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "username"), "username: '%s' is not "
			    "a Reddit user name (without u/)", s);
		else
			src->username = xstrdup(s);
	}
	src->password = confp_secret_line(L, item, "password_file");
	if ((ymap_get(L->yf, item, "username") == NULL) !=
	    (ymap_get(L->yf, item, "password_file") == NULL))
		yerror(L->d, L->yf, ymap_get(L->yf, item, "username") ?
		    ymap_get(L->yf, item, "username") : ymap_get(L->yf, item, "password_file"),
		    "username and password_file go together (a script app signs in as its "
		    "developer); give both, or neither for an app-only token");
	if (confp_string(L, item, "user_agent", &s) == 0 && s) {
		if (strlen(s) < 8 || strpbrk(s, "\r\n"))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "user_agent"), "user_agent must be "
			    "one descriptive line, like 'linux:acme-keluh:1.0 (by /u/acme_support)'; "
			    "Reddit throttles generic ones");
		else
			src->user_agent = xstrdup(s);
	}
	if (src->user_agent == NULL)
		src->user_agent = src->username ? xasprintf("linux:keluh:%s (by /u/%s)",
		    PACKAGE_VERSION, src->username) : xasprintf("linux:keluh:%s (keluhd source %s)",
		    PACKAGE_VERSION, src->name);
	if ((v = ymap_get(L->yf, item, "token_url")) != NULL && yget_string(L->d, L->yf, v,
	    "token_url", &s) == 0) {
		if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
			yerror(L->d, L->yf, v, "token_url: '%s' must start with https:// or http://", s);
		else {
			free(src->token_url);
			src->token_url = xstrdup(s);
		}
	}
}

/* Receiver names of health_receivers and every alert_to, once receivers are known. */
static void
cl_health_names(struct confp *L, yaml_node_t *v, char *const *names, size_t n)
{
	for (size_t j = 0; j < n; j++)
		if (conf_receiver_index(L->c, names[j]) < 0) {
			const char **all = xcalloc(L->c->nreceivers + 1, sizeof(char *));
			const char *sug;

			for (size_t k = 0; k < L->c->nreceivers; k++)
				all[k] = L->c->receivers[k].name;
			sug = diag_suggest(names[j], all, L->c->nreceivers);
			yerror(L->d, L->yf, v, "unknown receiver '%s'%s%s%s; define it under "
			    "receivers:", names[j], sug ? "; did you mean '" : "", sug ? sug : "",
			    sug ? "'?" : "");
			free(all);
		}
}

static void
cl_health(struct confp *L, yaml_node_t *root)
{
	struct conf *c = L->c;
	yaml_node_t *v, *srcs = ymap_get(L->yf, root, "sources");

	if ((v = ymap_get(L->yf, root, "health_receivers")) != NULL &&
	    confp_strings(L, v, "health_receivers", &c->health_receivers,
	    &c->nhealth_receivers) == 0)
		cl_health_names(L, v, c->health_receivers, c->nhealth_receivers);
	for (size_t i = 0; srcs && yis_seq(srcs) && i < yseq_len(srcs); i++) {
		yaml_node_t *item = yseq_item(L->yf, srcs, i), *a;
		const char *name;

		if (!yis_map(item) || (a = ymap_get(L->yf, item, "alert_after")) == NULL)
			continue;
		name = yscalar(ymap_get(L->yf, item, "name"));
		for (size_t j = 0; name && j < c->nsources; j++) {
			struct conf_source *cs = &c->sources[j];

			if (strcmp(cs->name, name) != 0)
				continue;
			if (cs->nalert_to)
				cl_health_names(L, ymap_get(L->yf, item, "alert_to"), cs->alert_to,
				    cs->nalert_to);
			else if (c->nhealth_receivers == 0)
				yerror(L->d, L->yf, a, "source '%s' has alert_after but nowhere to "
				    "send the alert: add alert_to: [receiver] here or health_receivers: "
				    "[receiver] at the top", cs->name);
		}
	}
}

/* The keys of the network source types. */
static void
cl_source_net(struct confp *L, struct conf_source *src, yaml_node_t *item)
{
	yaml_node_t *v;
	const char *s;
	const char *what = conf_source_type_name(src->type);

	/* a poll answer holds many posts; a stream event one */
	src->max_event = src->type == SRC_JSON_POLL || src->type == SRC_RSS ||
	    src->type == SRC_REDDIT ? 8 * 1024 * 1024 : 1024 * 1024;
	src->stall_ms = 90000;
	src->reconnect_ms = 1000;
	src->backoff_max_ms = 5 * 60000;
	/* feeds change slowly and their hosts ask to be polled gently */
	src->interval_ms = src->type == SRC_RSS ? 5 * 60000 : 60000;
	src->timeout_ms = 30000;
	if (src->type == SRC_MASTODON || src->type == SRC_X)
		cl_source_social_defaults(src);
	if (src->type == SRC_REDDIT) {
		src->url = xstrdup("https://oauth.reddit.com");
		src->token_url = xstrdup("https://www.reddit.com/api/v1/access_token");
		src->interval_ms = 30000;
	}
	if ((v = ymap_get(L->yf, item, "url")) == NULL) {
		if (src->url == NULL)
			yerror(L->d, L->yf, item, "source '%s' of type %s needs a url%s", src->name,
			    what, src->type == SRC_MASTODON ? " (the instance, like "
			    "https://mastodon.social)" : "");
	}
	else if (yget_string(L->d, L->yf, v, "url", &s) == 0) {
		if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
			yerror(L->d, L->yf, v, "url: '%s' must start with https:// or http://", s);
		else {
			free(src->url);
			src->url = xstrdup(s);
		}
	}
	if ((v = ymap_get(L->yf, item, "headers")) != NULL)
		cl_source_headers(L, src, v);
	if (confp_string(L, item, "token_file", &s) == 0 && s) {
		char *p = confp_secret_path(L, s);

		src->token = confp_read_file(L, ymap_get(L->yf, item, "token_file"), p, "token_file");
		free(p);
		if (src->token && strpbrk(src->token, "\r\n"))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "token_file"),
			    "token_file must hold one line (the token)");
	}
	if ((v = ymap_get(L->yf, item, "fields")) != NULL)
		cl_source_fields(L, src, v);
	if ((v = ymap_get(L->yf, item, "events")) != NULL)
		confp_strings(L, v, "events", &src->events, &src->nevents);
	confp_size(L, item, "max_event", &src->max_event);
	confp_duration(L, item, "stall", &src->stall_ms);
	confp_duration(L, item, "reconnect", &src->reconnect_ms);
	confp_duration(L, item, "backoff_max", &src->backoff_max_ms);
	confp_duration(L, item, "interval", &src->interval_ms);
	confp_duration(L, item, "timeout", &src->timeout_ms);
	if (ymap_get(L->yf, item, "stall") && src->stall_ms > 0 && src->stall_ms < 1000)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "stall"), "stall must be at least 1s "
		    "(or 0 to turn the check off)");
	if (src->backoff_max_ms < src->reconnect_ms)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "backoff_max") ?
		    ymap_get(L->yf, item, "backoff_max") : item,
		    "backoff_max must not be shorter than reconnect");
	if (ymap_get(L->yf, item, "interval") && src->interval_ms < 1000)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "interval"), "interval must be at least 1s");
	if (ymap_get(L->yf, item, "timeout") && src->timeout_ms < 100)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "timeout"), "timeout must be at least "
		    "100ms");
	if ((v = ymap_get(L->yf, item, "items")) != NULL)
		src->items = confp_jptr(L, v, "items");
	if ((v = ymap_get(L->yf, item, "cursor")) != NULL)
		src->cursor = confp_jptr(L, v, "cursor");
	if (confp_string(L, item, "cursor_param", &s) == 0 && s) {
		if (*s == '\0' || strpbrk(s, "&=?# "))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "cursor_param"),
			    "cursor_param: '%s' must be a plain query parameter name like since_id", s);
		else
			src->cursor_param = xstrdup(s);
		if (ymap_get(L->yf, item, "cursor") == NULL)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "cursor_param"),
			    "cursor_param needs cursor (the pointer to each item's cursor)");
	}
	cl_source_social(L, src, item);
	if (src->type == SRC_REDDIT)
		cl_source_reddit(L, src, item);
}

static void
cl_sources(struct confp *L, yaml_node_t *n)
{
	struct conf *c = L->c;

	if (!yis_seq(n)) {
		yerror(L->d, L->yf, n, "'sources' must be a list ('- name: ...'), not %s",
		    ynode_kind(n));
		return;
	}
	for (size_t i = 0; i < yseq_len(n); i++) {
		yaml_node_t *item = yseq_item(L->yf, n, i), *v;
		struct conf_source src;
		const char *s;
		int typed = 0;

		memset(&src, 0, sizeof(src));
		src.rate_per_s = 2;
		src.loop = 1;
		if (!yis_map(item)) {
			yerror(L->d, L->yf, item, "a source must be a mapping with name and type");
			continue;
		}
		ycheck_keys(L->d, L->yf, item, "a source", source_keys, NKEYS(source_keys));
		if (confp_string(L, item, "name", &s) < 0 || s == NULL) {
			if (s == NULL && ymap_get(L->yf, item, "name") == NULL)
				yerror(L->d, L->yf, item, "a source needs a name");
			continue;
		}
		for (size_t j = 0; j < c->nsources; j++)
			if (strcmp(c->sources[j].name, s) == 0)
				yerror(L->d, L->yf, ymap_get(L->yf, item, "name"),
				    "duplicate source name '%s'", s);
		if (strpbrk(s, "\"\\\n"))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "name"),
			    "a source name cannot contain quotes, backslashes or line breaks");
		src.name = xstrdup(s);
		if ((v = ymap_get(L->yf, item, "type")) == NULL)
			yerror(L->d, L->yf, item, "source '%s' needs a type (demo, stdin, file, sse, "
			    "ndjson-stream, json-poll, rss, mastodon, x or reddit)", src.name);
		else if (yget_string(L->d, L->yf, v, "type", &s) == 0) {
			size_t t;

			for (t = 0; t < SRC__N; t++)
				if (strcmp(s, source_type_names[t]) == 0)
					break;
			if (t == SRC__N) {
				const char *sug = diag_suggest(s, source_type_names, SRC__N);

				yerror(L->d, L->yf, v, "unknown source type '%s'%s%s%s; this version "
				    "has demo, stdin, file, sse, ndjson-stream, json-poll, rss, mastodon, "
				    "x and reddit", s,
				    sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
			} else {
				src.type = (enum source_type)t;
				typed = 1;
			}
		}
		/* a key of another type is a mistake worth naming, not a silent no-op */
		for (size_t k = 0; typed && k < ymap_len(item); k++) {
			yaml_node_t *key = ymap_key(L->yf, item, k);
			const char *ks = yscalar(key);
			int known = 0;

			for (size_t j = 0; ks && j < NKEYS(source_keys); j++)
				known |= strcmp(ks, source_keys[j]) == 0;
			if (known && !source_key_allowed(src.type, ks))
				yerror(L->d, L->yf, key, "source '%s': %s sources take no '%s'",
				    src.name, source_type_names[src.type], ks);
		}
		if (confp_string(L, item, "path", &s) == 0 && s)
			src.path = conf_resolve(c, s);
		src.fallback_path = conf_resolve(c, "samples/mentions.ndjson");
		if (src.type == SRC_FILE && src.path == NULL)
			yerror(L->d, L->yf, item, "source '%s' of type file needs a path", src.name);
		if ((v = ymap_get(L->yf, item, "rate")) != NULL &&
		    yget_string(L->d, L->yf, v, "rate", &s) == 0) {
			double r = conf_parse_rate(s);

			if (r <= 0)
				yerror(L->d, L->yf, v, "rate: '%s' must look like 2/s or 30/min", s);
			else
				src.rate_per_s = r;
		}
		if ((v = ymap_get(L->yf, item, "loop")) != NULL)
			yget_bool(L->d, L->yf, v, "loop", &src.loop);
		if (typed && src.type >= SRC_SSE)
			cl_source_net(L, &src, item);
		c->sources = xreallocarray(c->sources, c->nsources + 1, sizeof(*c->sources));
		c->sources[c->nsources++] = src;
	}
}

static int
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static int
same_strs(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

int
conf_source_same(const struct conf_source *a, const struct conf_source *b)
{
	if (strcmp(a->name, b->name) != 0 || a->type != b->type || a->loop != b->loop ||
	    a->rate_per_s != b->rate_per_s || !same_str(a->path, b->path) ||
	    !same_str(a->url, b->url) || !same_str(a->token, b->token) ||
	    !same_strs(a->headers, a->nheaders, b->headers, b->nheaders) ||
	    !same_strs(a->events, a->nevents, b->events, b->nevents) ||
	    a->max_event != b->max_event || a->stall_ms != b->stall_ms ||
	    a->reconnect_ms != b->reconnect_ms || a->backoff_max_ms != b->backoff_max_ms ||
	    a->interval_ms != b->interval_ms || a->timeout_ms != b->timeout_ms ||
	    !same_str(a->items, b->items) || !same_str(a->cursor, b->cursor) ||
	    !same_str(a->cursor_param, b->cursor_param) || !same_str(a->stream, b->stream) ||
	    !same_str(a->tag, b->tag) || !same_str(a->list, b->list) || a->reblogs != b->reblogs ||
	    a->alert_after_ms != b->alert_after_ms ||
	    !same_strs(a->alert_to, a->nalert_to, b->alert_to, b->nalert_to) ||
	    !same_strs(a->subreddits, a->nsubreddits, b->subreddits, b->nsubreddits) ||
	    !same_str(a->query, b->query) || !same_str(a->listing, b->listing) ||
	    !same_str(a->client_id, b->client_id) || !same_str(a->client_secret, b->client_secret) ||
	    !same_str(a->username, b->username) || !same_str(a->password, b->password) ||
	    !same_str(a->user_agent, b->user_agent) || !same_str(a->token_url, b->token_url))
		return 0;
	for (int f = 0; f < SF__N; f++)
		if (!same_str(a->fields[f], b->fields[f]))
			return 0;
	return 1;
}

static void
cl_route_names(struct confp *L, yaml_node_t *m, const char *key, char ***out, size_t *n)
{
	yaml_node_t *v = ymap_get(L->yf, m, key);

	if (v)
		confp_strings(L, v, key, out, n);
}

static void
cl_routes(struct confp *L, yaml_node_t *n)
{
	struct conf *c = L->c;

	if (!yis_seq(n)) {
		yerror(L->d, L->yf, n, "'routes' must be a list ('- receivers: [...]'), not %s",
		    ynode_kind(n));
		return;
	}
	for (size_t i = 0; i < yseq_len(n); i++) {
		yaml_node_t *item = yseq_item(L->yf, n, i), *m, *v;
		struct conf_route rt;
		char **names = NULL;
		size_t nnames = 0;

		memset(&rt, 0, sizeof(rt));
		rt.line = ynode_line(item);
		if (!yis_map(item)) {
			yerror(L->d, L->yf, item, "a route must be a mapping with match and receivers");
			continue;
		}
		ycheck_keys(L->d, L->yf, item, "a route", route_keys, NKEYS(route_keys));
		if ((m = ymap_get(L->yf, item, "match")) != NULL) {
			if (!yis_map(m))
				yerror(L->d, L->yf, m, "match must be a mapping such as {priority: "
				    "critical, team: billing}");
			else {
				ycheck_keys(L->d, L->yf, m, "match", match_keys, NKEYS(match_keys));
				if ((v = ymap_get(L->yf, m, "priority")) != NULL) {
					char **p;
					size_t np;

					if (confp_strings(L, v, "priority", &p, &np) == 0)
						for (size_t j = 0; j < np; j++) {
							enum prio pr;

							if (prio_parse(p[j], &pr) < 0 || pr == PRIO_NONE)
								yerror(L->d, L->yf, v, "unknown priority "
								    "'%s'; use critical, high, normal or "
								    "low", p[j]);
							else
								rt.prio_mask |= 1u << pr;
						}
					confp_free_strings(p, np);
				}
				cl_route_names(L, m, "team", &rt.teams, &rt.nteams);
				cl_route_names(L, m, "tags", &rt.tags, &rt.ntags);
				cl_route_names(L, m, "rule", &rt.rules, &rt.nrules);
				cl_route_names(L, m, "source", &rt.sources, &rt.nsources);
			}
		}
		if ((v = ymap_get(L->yf, item, "receivers")) == NULL)
			yerror(L->d, L->yf, item, "a route needs receivers: [names]");
		else if (confp_strings(L, v, "receivers", &names, &nnames) == 0) {
			for (size_t j = 0; j < nnames; j++) {
				long idx = conf_receiver_index(c, names[j]);

				if (idx < 0) {
					const char **all = xcalloc(c->nreceivers + 1, sizeof(char *));
					const char *sug;

					for (size_t k = 0; k < c->nreceivers; k++)
						all[k] = c->receivers[k].name;
					sug = diag_suggest(names[j], all, c->nreceivers);
					yerror(L->d, L->yf, v, "unknown receiver '%s'%s%s%s; define it "
					    "under receivers:", names[j], sug ? "; did you mean '" : "",
					    sug ? sug : "", sug ? "'?" : "");
					free(all);
					continue;
				}
				rt.receivers = xreallocarray(rt.receivers, rt.nreceivers + 1,
				    sizeof(size_t));
				rt.receivers[rt.nreceivers++] = (size_t)idx;
			}
			confp_free_strings(names, nnames);
		}
		if ((v = ymap_get(L->yf, item, "continue")) != NULL)
			yget_bool(L->d, L->yf, v, "continue", &rt.cont);
		c->routes = xreallocarray(c->routes, c->nroutes + 1, sizeof(rt));
		c->routes[c->nroutes++] = rt;
	}
}

static void
cl_grouping(struct confp *L, yaml_node_t *n)
{
	struct conf *c = L->c;
	yaml_node_t *v;
	long x;

	if (!yis_map(n)) {
		yerror(L->d, L->yf, n, "'grouping' must be a mapping with by, first_alert_after and "
		    "updates_at_most_every");
		return;
	}
	ycheck_keys(L->d, L->yf, n, "grouping", grouping_keys, NKEYS(grouping_keys));
	if ((v = ymap_get(L->yf, n, "by")) != NULL) {
		char **parts;
		size_t np;

		c->group_by = 0;
		if (confp_strings(L, v, "by", &parts, &np) == 0) {
			for (size_t i = 0; i < np; i++) {
				int k;

				for (k = 0; k < GK__N; k++)
					if (strcmp(parts[i], group_part_names[k]) == 0)
						break;
				if (k == GK__N)
					yerror(L->d, L->yf, v, "unknown grouping key '%s'; use rule, "
					    "team, priority, source, author or mention", parts[i]);
				else
					c->group_by |= 1u << k;
			}
			confp_free_strings(parts, np);
		}
	}
	if ((v = ymap_get(L->yf, n, "first_alert_after")) != NULL) {
		if (!yis_map(v))
			yerror(L->d, L->yf, v, "first_alert_after must be a mapping such as "
			    "{critical: 0s, high: 30s, normal: 2m, low: 10m}");
		else {
			ycheck_keys(L->d, L->yf, v, "first_alert_after", prio_keys, NKEYS(prio_keys));
			for (int p = PRIO_LOW; p <= PRIO_CRITICAL; p++)
				confp_duration(L, v, prio_name((enum prio)p), &c->first_alert_after_ms[p]);
		}
	}
	confp_duration(L, n, "updates_at_most_every", &c->updates_every_ms);
	confp_duration(L, n, "urgent_updates_at_most_every", &c->urgent_every_ms);
	if (confp_long(L, n, "max_groups", 1, 10000000, &x) == 0 && ymap_get(L->yf, n, "max_groups"))
		c->max_groups = (size_t)x;
	if (confp_long(L, n, "samples", 1, 1000, &x) == 0 && ymap_get(L->yf, n, "samples"))
		c->max_samples = (size_t)x;
}

static void
cl_incidents(struct confp *L, yaml_node_t *n)
{
	struct conf *c = L->c;

	if (!yis_seq(n)) {
		yerror(L->d, L->yf, n, "'incidents' must be a list ('- name: ...'), not %s",
		    ynode_kind(n));
		return;
	}
	for (size_t i = 0; i < yseq_len(n); i++) {
		yaml_node_t *item = yseq_item(L->yf, n, i), *v;
		struct conf_incident in;
		const char *s;
		long x;

		memset(&in, 0, sizeof(in));
		in.window_ms = 5 * 60000;
		in.cooldown_ms = 30 * 60000;
		in.at_least = 10;
		if (!yis_map(item)) {
			yerror(L->d, L->yf, item, "an incident must be a mapping with name, rules, "
			    "at_least and within");
			continue;
		}
		ycheck_keys(L->d, L->yf, item, "an incident", incident_keys, NKEYS(incident_keys));
		if (confp_string(L, item, "name", &s) == 0 && s)
			in.name = xstrdup(s);
		else {
			yerror(L->d, L->yf, item, "an incident needs a name");
			continue;
		}
		if ((v = ymap_get(L->yf, item, "rules")) == NULL)
			yerror(L->d, L->yf, item, "incident '%s' needs rules: [rule ids]", in.name);
		else
			confp_strings(L, v, "rules", &in.rules, &in.nrules);
		if (confp_long(L, item, "at_least", 1, 1000000, &x) == 0 &&
		    ymap_get(L->yf, item, "at_least"))
			in.at_least = (unsigned)x;
		confp_duration(L, item, "within", &in.window_ms);
		confp_duration(L, item, "cooldown", &in.cooldown_ms);
		if (in.window_ms <= 0)
			yerror(L->d, L->yf, item, "incident '%s': within must be more than 0s", in.name);
		if ((v = ymap_get(L->yf, item, "spike")) != NULL &&
		    yget_string(L->d, L->yf, v, "spike", &s) == 0) {
			char *end;
			double f = strtod(s, &end);

			if (end == s || (*end != 'x' && *end != '\0') || (*end == 'x' && end[1]) ||
			    f <= 1)
				yerror(L->d, L->yf, v, "spike: '%s' must be a factor above 1, like 3x",
				    s);
			else
				in.spike = f;
		}
		c->incidents = xreallocarray(c->incidents, c->nincidents + 1, sizeof(in));
		c->incidents[c->nincidents++] = in;
	}
}

/* display: the time zone of post times and the language of chat messages. */
static void
cl_display(struct confp *L, yaml_node_t *n)
{
	struct conf *c = L->c;
	yaml_node_t *v;
	const char *s;
	char err[400];

	if (!yis_map(n)) {
		yerror(L->d, L->yf, n, "'display' must be a mapping with timezone and language");
		return;
	}
	ycheck_keys(L->d, L->yf, n, "display", display_keys, NKEYS(display_keys));
	if (confp_string(L, n, "timezone", &s) == 0 && s) {
		v = ymap_get(L->yf, n, "timezone");
		if ((c->display.tz = tz_load(s, err, sizeof(err))) == NULL)
			yerror(L->d, L->yf, v, "display.timezone: %s", err);
	}
	if (confp_string(L, n, "language", &s) == 0 && s &&
	    words_lang_parse(s, &c->display.lang) < 0)
		yerror(L->d, L->yf, ymap_get(L->yf, n, "language"), "display.language: unknown "
		    "language '%s'; the languages are %s (en when not set)", s, words_lang_list());
}

/* One shipped pack by name: its directory under packs_dir. */
static void
cl_rules_pack(struct confp *L, yaml_node_t *item, const char *name, const char *packs_dir)
{
	char *dir, *have;
	struct stat st;

	if (!rules_pack_name_valid(name)) {
		yerror(L->d, L->yf, item, "pack name '%s' may only use a-z, 0-9, '_' and '-'",
		       name);
		return;
	}
	if (packs_dir == NULL) {
		yerror(L->d, L->yf, item,
		       "pack '%s': the shipped packs are not installed (no " KELUH_DATADIR
		       "/packs); set rules.packs_dir to their directory",
		       name);
		return;
	}
	dir = xasprintf("%s/%s", packs_dir, name);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		have = rules_packs_list(packs_dir);
		yerror(L->d, L->yf, item, "no pack '%s' in %s; the packs there are: %s", name,
		       packs_dir, have);
		free(have);
	} else
		rules_spec_add_dir(&L->c->rules, dir);
	free(dir);
}

/*
 * rules: {packs: [core], dir: rules.d, disable: [...], override: {...}}:
 * the shipped packs in the order given, then the user's directory.
 */
static void
cl_rules(struct confp *L, yaml_node_t *n)
{
	struct conf *c = L->c;
	yaml_node_t *v, *p = ymap_get(L->yf, n, "packs");
	char *packs_dir = NULL;
	const char *s;

	ycheck_keys(L->d, L->yf, n, "rules", rules_keys, NKEYS(rules_keys));
	if (confp_string(L, n, "packs_dir", &s) == 0 && s)
		packs_dir = conf_resolve(c, s);
	else
		packs_dir = rules_packs_dir_default(c->dir);
	if (p == NULL)
		cl_rules_pack(L, n, RULES_DEFAULT_PACK, packs_dir);
	else if (yis_seq(p))
		for (size_t i = 0; i < yseq_len(p); i++) {
			yaml_node_t *item = yseq_item(L->yf, p, i);

			if (yget_string(L->d, L->yf, item, "a pack name", &s) == 0)
				cl_rules_pack(L, item, s, packs_dir);
		}
	else if (!yis_null(p))
		yerror(L->d, L->yf, p,
		       "rules.packs must be a list of pack names such as [core, "
		       "city], or [] for none, not %s",
		       ynode_kind(p));
	free(packs_dir);
	if (confp_string(L, n, "dir", &s) == 0)
		c->rules_dir = conf_resolve(c, s ? s : "rules.d");
	if (c->rules_dir) {
		rules_spec_add_dir(&c->rules, c->rules_dir);
		c->rules.user_dir = xstrdup(c->rules_dir);
	}
	if ((v = ymap_get(L->yf, n, "disable")) != NULL)
		rules_spec_parse_disable(&c->rules, L->d, L->yf, v);
	if ((v = ymap_get(L->yf, n, "override")) != NULL)
		rules_spec_parse_override(&c->rules, L->d, L->yf, v);
}

static void
conf_defaults(struct conf *c)
{
	c->max_body = 8 * 1024 * 1024;
	c->max_headers = 16 * 1024;
	c->max_connections = 256;
	c->max_connections_per_client = 32;
	c->http_timeout_ms = 30000;
	c->group_by = (1u << GK_RULE) | (1u << GK_TEAM);
	c->first_alert_after_ms[PRIO_CRITICAL] = 0;
	c->first_alert_after_ms[PRIO_HIGH] = 30000;
	c->first_alert_after_ms[PRIO_NORMAL] = 120000;
	c->first_alert_after_ms[PRIO_LOW] = 600000;
	c->updates_every_ms = 300000;
	c->urgent_every_ms = 10000;
	c->max_groups = 10000;
	c->max_samples = 100;
	c->dedup_window_ms = 600000;
	c->dedup_max = 100000;
	c->dedup_same_text = 40;
	c->max_pending_deliveries = 100000;
	c->keep_history_ms = 7 * 86400000LL;
}

struct conf *
conf_load(const char *path, struct diag *d)
{
	return conf_load_flags(path, d, 0);
}

struct conf *
conf_load_flags(const char *path, struct diag *d, int flags)
{
	struct conf *c = xcalloc(1, sizeof(*c));
	size_t errors0 = d->errors;
	struct yfile yf;
	struct confp L = { .yf = &yf, .d = d, .c = c, .flags = flags };
	yaml_node_t *root, *v;
	const char *slash, *s;

	conf_defaults(c);
	c->path = xstrdup(path);
	slash = strrchr(path, '/');
	c->dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	L.dir = c->dir;
	if (yfile_load(&yf, path, d) < 0) {
		yfile_free(&yf);
		conf_free(c);
		return NULL;
	}
	root = yfile_root(&yf);
	if (root == NULL) {
		diag_error(d, path, 1, 1, "the configuration is empty; start from the shipped "
		    "keluhd.yaml");
		goto out;
	}
	if (!yis_map(root)) {
		yerror(d, &yf, root, "the configuration must be a mapping of sections (http, spool, "
		    "rules, sources, receivers, routes, grouping), not %s", ynode_kind(root));
		goto out;
	}
	ycheck_keys(d, &yf, root, "keluhd.yaml", conf_keys, NKEYS(conf_keys));
	if ((v = ymap_get(&yf, root, "rules")) != NULL && yis_map(v))
		cl_rules(&L, v);
	else {
		/* rules: DIR (or nothing: rules.d) is that directory alone */
		if (v == NULL)
			c->rules_dir = conf_resolve(c, "rules.d");
		else if (yget_string(d, &yf, v,
		                     "rules (the rules directory, or a mapping with "
		                     "packs and dir)",
		                     &s) == 0)
			c->rules_dir = conf_resolve(c, s);
		if (c->rules_dir)
			rules_spec_add_dir(&c->rules, c->rules_dir);
	}
	if ((v = ymap_get(&yf, root, "http")) != NULL && !yis_null(v))
		cl_http(&L, v);
	if ((v = ymap_get(&yf, root, "spool")) != NULL && !yis_null(v)) {
		if (!yis_map(v))
			yerror(d, &yf, v, "'spool' must be a mapping with path");
		else {
			long x;

			ycheck_keys(d, &yf, v, "spool", spool_keys, NKEYS(spool_keys));
			if (confp_string(&L, v, "path", &s) == 0 && s)
				c->spool_path = conf_resolve(c, s);
			if (confp_long(&L, v, "max_pending", 1, 100000000, &x) == 0 &&
			    ymap_get(&yf, v, "max_pending"))
				c->max_pending_deliveries = (size_t)x;
			confp_duration(&L, v, "keep_history", &c->keep_history_ms);
		}
	}
	if (c->spool_path == NULL)
		c->spool_path = xstrdup(CONF_DEFAULT_SPOOL);
	if ((v = ymap_get(&yf, root, "sources")) != NULL && !yis_null(v))
		cl_sources(&L, v);
	if ((v = ymap_get(&yf, root, "receivers")) != NULL && !yis_null(v))
		conf_receivers_load(&L, v, &c->receivers, &c->nreceivers);
	if ((v = ymap_get(&yf, root, "routes")) != NULL && !yis_null(v))
		cl_routes(&L, v);
	if ((v = ymap_get(&yf, root, "grouping")) != NULL && !yis_null(v))
		cl_grouping(&L, v);
	if ((v = ymap_get(&yf, root, "incidents")) != NULL && !yis_null(v))
		cl_incidents(&L, v);
	if ((v = ymap_get(&yf, root, "duplicates")) != NULL && !yis_null(v)) {
		long x;

		if (!yis_map(v))
			yerror(d, &yf, v, "'duplicates' must be a mapping with window, max_ids and same_text");
		else {
			ycheck_keys(d, &yf, v, "duplicates", dup_keys, NKEYS(dup_keys));
			confp_duration(&L, v, "window", &c->dedup_window_ms);
			if (confp_long(&L, v, "max_ids", 1, 100000000, &x) == 0 &&
			    ymap_get(&yf, v, "max_ids"))
				c->dedup_max = (size_t)x;
			if (confp_long(&L, v, "same_text", 0, MENTION_MAX_TEXT, &x) == 0 &&
			    ymap_get(&yf, v, "same_text"))
				c->dedup_same_text = (size_t)x;
		}
	}
	if ((v = ymap_get(&yf, root, "admin")) != NULL && !yis_null(v)) {
		if (!yis_map(v))
			yerror(d, &yf, v, "'admin' must be a mapping with socket");
		else {
			ycheck_keys(d, &yf, v, "admin", admin_keys, NKEYS(admin_keys));
			if (confp_string(&L, v, "socket", &s) == 0 && s)
				c->admin_socket = conf_resolve(c, s);
		}
	}
	cl_health(&L, root);
	if ((v = ymap_get(&yf, root, "display")) != NULL && !yis_null(v))
		cl_display(&L, v);
	for (size_t i = 0; i < c->nreceivers; i++)
		c->receivers[i].display = &c->display;
	if (c->nreceivers && c->nroutes == 0)
		diag_warning(d, path, ynode_line(root), ynode_col(root),
		    "receivers are defined but there are no routes: no alert will be sent; add "
		    "'routes: [{receivers: [name]}]'");
out:
	yfile_free(&yf);
	if (d->errors > errors0) {
		conf_free(c);
		return NULL;
	}
	return c;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->dir);
	free(c->rules_dir);
	rules_spec_free(&c->rules);
	free(c->spool_path);
	free(c->listen);
	confp_free_strings(c->tokens, c->ntokens);
	confp_free_strings(c->signing_keys, c->nsigning_keys);
	confp_free_strings(c->health_receivers, c->nhealth_receivers);
	free(c->admin_socket);
	tz_free(c->display.tz);
	for (size_t i = 0; i < c->nsources; i++) {
		free(c->sources[i].name);
		free(c->sources[i].path);
		free(c->sources[i].fallback_path);
		free(c->sources[i].url);
		confp_free_strings(c->sources[i].headers, c->sources[i].nheaders);
		if (c->sources[i].token) {
			explicit_bzero(c->sources[i].token, strlen(c->sources[i].token));
			free(c->sources[i].token);
		}
		for (int f = 0; f < SF__N; f++)
			free(c->sources[i].fields[f]);
		confp_free_strings(c->sources[i].events, c->sources[i].nevents);
		free(c->sources[i].items);
		free(c->sources[i].cursor);
		free(c->sources[i].cursor_param);
		free(c->sources[i].stream);
		free(c->sources[i].tag);
		free(c->sources[i].list);
		confp_free_strings(c->sources[i].alert_to, c->sources[i].nalert_to);
		confp_free_strings(c->sources[i].subreddits, c->sources[i].nsubreddits);
		free(c->sources[i].query);
		free(c->sources[i].listing);
		free(c->sources[i].client_id);
		confp_free_secret(c->sources[i].client_secret);
		free(c->sources[i].username);
		confp_free_secret(c->sources[i].password);
		free(c->sources[i].user_agent);
		free(c->sources[i].token_url);
	}
	free(c->sources);
	for (size_t i = 0; i < c->nreceivers; i++)
		receiver_free(&c->receivers[i]);
	free(c->receivers);
	for (size_t i = 0; i < c->nroutes; i++) {
		struct conf_route *r = &c->routes[i];

		confp_free_strings(r->teams, r->nteams);
		confp_free_strings(r->tags, r->ntags);
		confp_free_strings(r->rules, r->nrules);
		confp_free_strings(r->sources, r->nsources);
		free(r->receivers);
	}
	free(c->routes);
	for (size_t i = 0; i < c->nincidents; i++) {
		free(c->incidents[i].name);
		confp_free_strings(c->incidents[i].rules, c->nincidents ? c->incidents[i].nrules : 0);
	}
	free(c->incidents);
	free(c);
}
