/*
 * source.h: where mentions come from, besides HTTP push. This is the base
 * every kind of source builds on (source.c: start and stop, the health
 * watch, the resume cursor, an item turned into a mention, the helpers
 * the network kinds share) and struct source_kind, which each kind defines
 * in its own file (source_*.c) and the registry (kinds.c) lists. Every
 * source hands its mentions to the same emit callback (the ingest path).
 * Loop thread only.
 */
#ifndef KELUH_SOURCE_H
#define KELUH_SOURCE_H

#include <event2/event.h>

#include "conf/conf_source.h"
#include "sources/source_conf.h"
#include "engine/mention.h"

struct source;
struct curlev;
struct spool;
struct stream;
struct source_watch;
struct stream_health;

/*
 * A change in a source's health (alert_after): it went silent, failing or
 * throttled for longer than alert_after, or it recovered. The daemon turns
 * it into an operational alert (health.c).
 */
struct source_health_note {
	const char *source;
	const char *type;	/* "mastodon", "x"... */
	const char *state;	/* "silent", "failing", "throttled" or "recovered" */
	const char *detail;	/* one sentence for people */
	char *const *to;	/* alert_to (none: the config's health_receivers) */
	size_t nto;
	int64_t since_ms;	/* Unix ms: when it went bad (recovered: when it had) */
};
typedef void (*source_health_fn)(void *arg, const struct source_health_note *);

/* What a source may use from the daemon. */
struct source_env {
	struct event_base *base;
	struct curlev *ce;	/* the shared libcurl multi handle */
	struct spool *spool;	/* resume cursors (spool_cursor_get/set); may be NULL */
	source_health_fn health;	/* NULL: alert_after is not watched */
	void *health_arg;
};

struct spool_mention;

/*
 * A reply by one of a source's brand_accounts to another post: the brand
 * answering in public (see source_brand.h). Both posts are named by their
 * mention ids, exactly as the source names a post it takes as a mention
 * ("mastodon:<host>:<status id>", "x:<post id>", "reddit:<fullname>"),
 * so the post replied to is found among the complaints whichever source
 * took it. The strings belong to the caller, for the call only.
 */
struct reply_record {
	const char *source;	/* the source that saw the reply */
	const char *mention_id;	/* the post replied to */
	const char *reply_id;	/* the reply itself */
	int64_t at_ms;		/* when the reply was posted (Unix ms); when read, if unsaid */
	const char *brand;	/* the brand account, as brand_accounts writes it */
	/*
	 * The complaint replied to: NULL from a source; the daemon fills it
	 * before it hands the record on (daemon/replies.h).
	 */
	const struct spool_mention *complaint;
};

/*
 * What a source hands to the daemon: a mention to classify, or a reply by
 * the brand (never a mention: the brand's own words are no complaint).
 */
enum source_record_kind { SOURCE_RECORD_MENTION, SOURCE_RECORD_REPLY };
struct source_record {
	enum source_record_kind kind;
	const char *source;			/* the source's name */
	const struct mention *mention;		/* SOURCE_RECORD_MENTION */
	const struct reply_record *reply;	/* SOURCE_RECORD_REPLY */
	/*
	 * A push kind's: the platform redelivers for hours, past any window
	 * kept in memory, so a complaint already stored is a duplicate.
	 */
	int redelivered;
};

/* Returns 0 when taken, -1 when the daemon cannot take it now (retry later). */
typedef int (*source_emit_fn)(void *arg, const struct source_record *);

/*
 * Starts the source cs describes, with its kind's start, and its health
 * watch when it has alert_after and a stream (or a health_read), or is a
 * push kind (then only "silent" applies: no webhook for alert_after).
 * NULL with err filled when it
 * cannot start.
 */
struct source *source_start(const struct source_env *, const struct conf_source *,
    source_emit_fn fn, void *arg, char *err, size_t errlen);
void source_stop(struct source *);
const char *source_name(const struct source *);
/* Mentions read, and lines skipped as bad input. */
unsigned long source_count(const struct source *);
unsigned long source_errors(const struct source *);
/*
 * A push source heard from its platform (a webhook it answered 2xx): its
 * health watch counts it as an event, so alert_after raises "silent" when
 * none came for that long.
 */
void source_heard(struct source *);
/* What its health watch (alert_after) reports now: "silent", "failing", "throttled"; NULL: fine. */
const char *source_health_state(const struct source *);

/*
 * One kind of source, defined in its own file (source_demo.c...) and
 * listed once in the registry (kinds.c). Its conf part is what the loader
 * sees (conf/conf_source.h); start makes a running source from a
 * conf_source of this kind (cs->opts are the kind's options), which the
 * source does not keep: it copies what it needs, as sources outlive the
 * conf on reload.
 */
struct source_hook_req;
struct source_hook;
struct source_kind {
	struct conf_source_kind conf;	/* first: the registry lists &kind.conf */
	struct source *(*start)(const struct source_env *, const struct conf_source *cs,
	    source_emit_fn fn, void *arg, char *err, size_t errlen);
	/*
	 * Push kinds (a platform's webhooks): one request to /v1/hooks/NAME,
	 * where NAME is the source's name. The kind checks it (signature
	 * first, then the body), emits its mentions with source_emit_mention
	 * or source_take_*, and answers h exactly once, now or later (after a
	 * look-up): see source_hook_taken. NULL for kinds that read or poll.
	 */
	void (*hook)(struct source *, const struct source_hook_req *, struct source_hook *h);
};
/* The kind of a conf_source (its conf part is the first member). */
const struct source_kind *source_kind_of(const struct conf_source *);

/*
 * A request to /v1/hooks/NAME, as keluhd's listener read it. Everything
 * belongs to the daemon and lives until h is answered; body is the raw
 * bytes as received (verify the signature over these, before parsing).
 */
struct source_hook_req {
	const char *method;	/* "GET", "POST"... */
	const char *query;	/* after '?', still %-encoded; "" when none */
	const char *body;
	size_t len;
	/* A request header, case-insensitive; NULL when absent. */
	const char *(*header)(const struct source_hook_req *, const char *name);
	void *ctx;		/* the daemon's, for header */
};

/*
 * How the daemon answers a hook: it makes h, hands it to the kind, and is
 * called back once. taken: the mentions the kind emitted since h was
 * made are in the pass now open; answer 200 (body, or "{}") once that
 * pass is committed, 503 if it fails. reply: answer now with status and
 * body (the handshake, a refusal), nothing taken.
 */
struct source_hook_ops {
	void (*taken)(struct source_hook *, const char *body);
	void (*reply)(struct source_hook *, int status, const char *content_type,
	    const char *extra_headers, const char *body, size_t len);
};
struct source_hook {
	const struct source_hook_ops *ops;
	void *arg;	/* the daemon's */
};

/*
 * The kind's answers to h (exactly one per hook; h is gone after it).
 * source_hook_taken: what it emitted is answered 200 after the commit
 * (body NULL: "{}"). source_hook_reply: an answer that takes nothing.
 * source_hook_refuse: a JSON {"error": msg} with status, counted in
 * keluh_hook_refused_total{source,reason} (reason: "signature", "json",
 * "too_deep"... a short word); logged at debug only, since anyone can send
 * them. source_hook_later: the same with 503 and Retry-After: retry_s,
 * for a hook the platform should send again (nothing of it taken).
 */
void source_hook_taken(struct source_hook *h, const char *body);
void source_hook_reply(struct source_hook *h, int status, const char *content_type,
    const char *body, size_t len);
void source_hook_refuse(struct source *, struct source_hook *h, int status, const char *reason,
    const char *msg);
void source_hook_later(struct source *, struct source_hook *h, const char *reason,
    const char *msg, int64_t retry_s);

/*
 * A trouble ahead that the stream cannot see: a daily quota running low,
 * a token or key about to expire, a gap the platform will not fill. It
 * becomes one operational alert (like the health watch's), to the
 * source's alert_to or health_receivers, and a warning in the log; the
 * same state again is not repeated. state is a short word
 * ("quota_low", "token_expiring", "gap"); detail one sentence for
 * people. source_warn_clear: that trouble is over ("recovered").
 */
void source_warn(struct source *, const char *state, const char *detail);
void source_warn_clear(struct source *, const char *detail);

/*
 * The last SOURCE_RECENT ids a source emitted, so a post seen twice (a
 * backfill overlapping the stream, a repeat after a reconnect) goes out
 * once. A ring: the oldest id is forgotten first.
 */
#define SOURCE_RECENT 1024
struct source_recent {
	char *ids[SOURCE_RECENT];
	size_t pos;
};
int source_recent_seen(const struct source_recent *, const char *id);
void source_recent_add(struct source_recent *, const char *id);
void source_recent_free(struct source_recent *);

/* What every source kind shares. */
struct source {
	char *name;
	unsigned long count, errors;
	source_emit_fn emit;
	void *arg;
	struct spool *spool;		/* cursors (source_cursor_get/set); may be NULL */
	void (*stop)(struct source *);	/* frees the kind's part; the base frees the rest */
	struct stream *stream;		/* network sources: what the health watch reads */
	/*
	 * A kind that reads without a struct stream (bluesky: a WebSocket)
	 * tells the health watch its state here instead; NULL otherwise.
	 */
	void (*health_read)(const struct source *, struct stream_health *);
	struct source_watch *watch;	/* alert_after, or NULL */
	int64_t heard_ms;		/* push kinds: the last webhook taken (monotonic ms) */
	/* source_warn: where its notes go, and the state it last raised */
	source_health_fn health;
	void *health_arg;
	char *type;
	char **alert_to;
	size_t nalert_to;
	char *warned;
	int pushed;	/* its kind has a hook: see source_record.redelivered */
};

/*
 * The start of every kind's start: a zeroed struct of size bytes, whose
 * first member is a struct source, with its name, emit, arg, spool and stop
 * set. source_stop calls stop, then frees the name and the struct.
 */
void *source_new(size_t size, const struct source_env *, const struct conf_source *,
    source_emit_fn fn, void *arg, void (*stop)(struct source *));

/*
 * The resume point of a source in the spool: the last event ID, cursor,
 * status id... (malloc'd; NULL without a spool or when none is stored).
 * Set it with the mention it follows (same spool transaction); a failure
 * is logged as "cannot store WHAT".
 */
char *source_cursor_get(const struct source *);
void source_cursor_set(struct source *, const char *value, const char *what);
/*
 * The same for a cursor kept as a JSON object (several apps, videos, a
 * quota spent...). _get: a new reference, NULL when none is stored or it
 * is not an object (logged: "the stored cursor is not one of ours").
 * _set: o stays the caller's; its text has its keys sorted.
 */
json_t *source_cursor_get_json(const struct source *);
void source_cursor_set_json(struct source *, json_t *o, const char *what);

/* Copies of a field map (sources outlive the conf on reload). */
void source_fields_copy(char **dst, char *const *fields);
void source_fields_free(char **);
/*
 * One item of a network source: maps it through fields (a JSON pointer per
 * mention field; none: the item is a mention object) and emits it. Bad
 * input (invalid UTF-8, bad JSON, a missing text) is counted in
 * keluh_source_errors_total, logged and skipped. Returns 1 when emitted, 0
 * when skipped, -1 when the daemon cannot take it now (offer it again).
 */
int source_take_json(struct source *, char *const *fields, const char *data, size_t len);
int source_take_item(struct source *, char *const *fields, json_t *item);
/*
 * item mapped through fields (none: it is a mention object) into m,
 * without emitting it (a push kind maps a whole request before it takes
 * any): 0, or -1 with the reason in err. mention_free(m) after 0.
 */
int source_item_mention(char *const *fields, json_t *item, struct mention *m, char *err,
    size_t errlen);
/* Hands a mention to the daemon (counted): 0 when taken, -1 when refused for now. */
int source_emit_mention(struct source *, const struct mention *);
/*
 * A post by one of the brand's accounts (brand names it): a reply to the
 * post whose mention id is replied_to becomes a reply record for the
 * daemon; with replied_to NULL (not a reply) it is skipped and counted as
 * kind "brand_post". Returns 1 when handed over, 0 when skipped, -1 when
 * the daemon cannot take it now (offer it again).
 */
int source_take_brand(struct source *, const char *brand, const char *replied_to,
    const char *reply_id, int64_t at_ms);

/*
 * What the network kinds share. source_skipped counts a post skipped on
 * purpose (a reblog, a deleted one...) in
 * keluh_source_skipped_total{source,kind=what}.
 */
void source_skipped(const struct source *, const char *what);
/* o's key when it is a string (owned by o); NULL otherwise. */
const char *source_json_str(json_t *o, const char *key);
/* How much of s (len bytes) fits max bytes without cutting a code point. */
size_t source_utf8_fit(const char *s, size_t len, size_t max);
/*
 * Ids that order by length, then as text: Mastodon's (opaque strings its
 * guidelines sort so) and reddit's base-36 ones. <0, 0 or >0 as strcmp.
 */
int source_idcmp(const char *a, const char *b);
/* url without its trailing slashes (malloc'd): what the API paths follow. */
char *source_url_base(const char *url);
/* 0 when the daemon has an HTTP client; -1 with err "no HTTP client to VERB with". */
int source_need_http(const struct source_env *, const char *verb, char *err, size_t errlen);
struct stream_opts;
struct stream_handlers;
/* One request header, "Name: value"; its copy is wiped (it may hold a token). */
void source_add_header(struct stream *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The kind's stream (owned by the kind), also src->stream for the health watch. */
struct stream *source_stream_new(struct source *src, const struct source_env *,
    const struct stream_opts *, const struct stream_handlers *);

#endif
