/*
 * receiver.h: where alerts go, and how an alert becomes a request for each
 * platform (one renderer per chat format, in receiver_*.c).
 *
 * Renderers are pure: canonical alert JSON in, a request out. They never
 * do I/O; the delivery scheduler (daemon/deliver.c) sends the request by
 * the kind's transport (receiver_transport) and asks receiver_judge() what
 * the answer means.
 *
 * Each kind is one struct rcv_kind, in its own receiver_*.c, listed once in
 * the registry (kinds.c); the functions below find a receiver's kind there.
 *
 * The canonical alert JSON is the generic webhook body:
 *   {"type":"keluh.alert","version":2,"alert":{
 *     "id","group","priority","team","incident":bool,
 *     "rules":["id",...], "rule_info":[{"id","description","score"}],
 *     "tags":[...], "count":N (mentions in this alert), "total":N (in the
 *     group since it opened), "suppressed":N (muted by silences),
 *     "first_at","last_at" (RFC 3339 UTC),
 *     "top_authors":[{"handle","followers","count"}],
 *     "mentions":[{"id","source","text","url","created_at","lang",
 *                  "author":{"handle","name","followers","verified"},
 *                  "score","priority","rules":[...], "model" (only when
 *                  a model made it a complaint no rule matched),
 *                  "matches":[{"rule","kind","pattern","start","end","text"}]}]}}
 * "matches" are the evidence, each once; start and end are byte offsets
 * of "text", for emphasis. Version 1 (no "version" member: alerts spooled
 * by an older keluh) had bare [start,end] pairs; renderers read both.
 * "mentions" are listed in the order group.c chooses samples (score and
 * reach), so chat formats show the first few and say "+N more"; the
 * webhook carries them all.
 *
 * An alert of a case also carries "case" inside "alert" (the case's state
 * when the message is made): {"id","state","opened_at","reopened",
 * "acked_by","acked_at","assignee","assigned_by","assigned_at",
 * "resolved_by","resolved_at","note","overdue","first_reply_at","total",
 * "actions":[{"action","label","url"}]}. Every kind shows it (a line
 * "Case #42 · acknowledged by Rina 09:52 UTC, 4 min after the post"), and
 * either buttons (Slack Web API, Discord, Telegram, Mattermost bot) whose
 * value is "<action>:<case id>", or the actions' signed links as text.
 * Without "case" a render is what it was before cases existed.
 */
#ifndef KELUH_RECEIVER_H
#define KELUH_RECEIVER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf_receiver.h"
#include "lib/words.h"

/* A rendered request. All members malloc'd; receiver_msg_free releases them. */
struct rcv_msg {
	char *url;		/* NULL for console */
	char *method;		/* HTTP: "PATCH", "PUT"...; NULL: POST */
	char **headers;		/* "Name: value" */
	size_t nheaders;
	char *body;		/* console: the text to print */
	size_t body_len;
	char *mail_from;	/* email only */
	char **rcpt;
	size_t nrcpt;
};
void receiver_msg_free(struct rcv_msg *);

/*
 * Renders alert (the whole canonical object) for r. idem_key is the
 * delivery's idempotency key (sent as webhook-id and where the platform
 * has a dedup field); now_s is the signing time. Returns 0, or -1 with a
 * reason (the delivery then goes to the dead letters: it can never work).
 *
 * Where the key goes: webhook-id (with '.' replaced by '_': Standard
 * Webhooks forbids '.' in ids), Google Chat's requestId, email's
 * Message-ID. PagerDuty's dedup_key is the alert's group instead, so that
 * every update of a group folds into one incident.
 */
int receiver_render(const struct receiver *r, const json_t *alert, const char *idem_key,
    int64_t now_s, struct rcv_msg *out, char *err, size_t errlen);

/*
 * A delivery is late when delivery failures held it back this long since
 * its alert was made; chat messages then say "delayed 8 min by delivery
 * failures". Shorter waits are the ordinary retries of a brief hiccup.
 */
#define RCV_LATE_AFTER_S 120
/*
 * receiver_render for a delivery that failed before: delayed_s is how long
 * ago its alert was made. At RCV_LATE_AFTER_S or more a chat message is
 * marked late; the generic webhook's body stays the canonical alert.
 */
int receiver_render_delayed(const struct receiver *r, const json_t *alert,
    const char *idem_key, int64_t now_s, int64_t delayed_s, struct rcv_msg *out, char *err,
    size_t errlen);

/*
 * Living messages. A living receiver posts a case's first alert once and
 * afterwards edits that message; where the platform has threads, updates
 * also go there as replies. The message reference is a string the caller
 * keeps (in the spool) between the post and the edits:
 *   Slack (Web API)   "CHANNEL:TS"          Discord  the message id
 *   Telegram          "CHAT:MESSAGE_ID"     Mattermost (bot)  the post id
 */
#define RCV_REFLEN 128	/* room for any reference, with its NUL */

/* Whether r edits its messages: Slack and Mattermost with token_file, Discord, Telegram. */
int receiver_living(const struct receiver *r);
/*
 * The message reference from the body of a post's 2xx answer, into ref.
 * Returns 0, or -1 when the answer has none (not living, not JSON, no id;
 * a Discord post without ?wait=true answers 204 and has none).
 */
int receiver_post_ref(const struct receiver *r, const char *body, size_t len, char *ref,
    size_t reflen);
/*
 * The request that edits the message ref into what alert says now (a
 * case's new totals and state). Returns 0, or -1 with a reason: the kind
 * does not edit, or ref is not one of its references.
 */
int receiver_render_edit(const struct receiver *r, const json_t *alert, const char *ref,
    int64_t now_s, struct rcv_msg *out, char *err, size_t errlen);
/*
 * The request that posts alert as a reply in the thread of the message
 * ref (no buttons: they stay on the message). -1 with a reason where the
 * platform has no threads (Discord webhooks) or ref is not a reference.
 */
int receiver_render_reply(const struct receiver *r, const json_t *alert, const char *ref,
    int64_t now_s, struct rcv_msg *out, char *err, size_t errlen);

enum rcv_verdict { RCV_OK, RCV_RETRY, RCV_DEAD };

/*
 * What an answer means. status is the HTTP status (or the SMTP code for
 * email; 0 when the transfer failed before any answer). retry_after is the
 * Retry-After header value or NULL. On RCV_RETRY *wait_ms is the wait the
 * platform asked for (0 if none: use backoff). reason gets a short text for
 * logs and the dead letters (e.g. "HTTP 400: invalid_payload").
 */
enum rcv_verdict receiver_judge(const struct receiver *r, long status, const char *body,
    size_t body_len, const char *retry_after, int64_t *wait_ms, char *reason,
    size_t reasonlen);

/* How a kind's requests travel; the delivery scheduler holds one sender for each. */
enum rcv_transport {
	RCV_TR_CONSOLE,	/* the body printed on stdout, delivered at once */
	RCV_TR_HTTP,	/* an HTTP(S) POST of the body with the headers to url */
	RCV_TR_SMTP,	/* the body as a mail to rcpt, through the SMTP(S) server at url */
	RCV_TR__N
};
const char *receiver_transport_name(enum rcv_transport);	/* "console", "http", "smtp" */
enum rcv_transport receiver_transport(const struct receiver *);

struct rcv_ctx;
struct rcv_answer;
struct rcv_alert;

/*
 * A kind of receiver. conf comes first: the loader sees only that part
 * (conf/conf_receiver.h). The rest is for sending: render builds the
 * request (receiver_int.h: struct rcv_ctx), transport says how it travels,
 * judge says what the answer means, with what the kind's platform answers
 * (answers) for the shared judge of HTTP answers, rcv_judge_http.
 */
struct rcv_kind {
	struct rcv_conf_kind conf;
	int (*render)(struct rcv_ctx *, struct rcv_msg *);
	enum rcv_transport transport;
	enum rcv_verdict (*judge)(const struct rcv_kind *, struct rcv_answer *);
	struct rcv_answers {
		int json;		/* error answers are JSON: messages and waits are read */
		int json_only;		/* a 2xx that is neither JSON nor empty is not the platform */
		const char *ok_body;	/* a 2xx must say exactly this (Slack: "ok") */
		const char *what, *who;	/* "Slack's webhook", "Slack": for a 2xx unlike theirs */
		/*
		 * A 2xx of the right shape that still tells of a failure (Telegram's
		 * "ok":false, Teams' throttling): its verdict. NULL: delivered.
		 */
		enum rcv_verdict (*judge_2xx)(const struct rcv_kind *, struct rcv_answer *);
	} answers;
	/*
	 * Living messages (NULL/0 for kinds that never edit): whether r edits,
	 * the reference in a post's answer (parsed JSON), whether replies go in
	 * a thread, and whether a render draws buttons (the ctx's receiver and
	 * alert decide; the other kinds show the actions' links as text).
	 */
	int (*living)(const struct receiver *);
	int (*post_ref)(const struct receiver *, const json_t *answer, char *ref, size_t reflen);
	int threads;
	int (*buttons)(const struct rcv_ctx *);
};

/* The registry (kinds.c): every kind, indexed by its type. */
extern const struct rcv_kind *const rcv_kinds[RCV__N];
/* The kind of t; NULL when t is out of range. */
const struct rcv_kind *receiver_kind(enum rcv_type t);

#endif
