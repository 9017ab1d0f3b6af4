/*
 * receiver.h: where alerts go, and how an alert becomes a request for each
 * platform (one renderer per chat format, in receiver_*.c).
 *
 * Renderers are pure: canonical alert JSON in, a request out. They never
 * do I/O; the delivery scheduler (deliver.c) sends the request with libcurl
 * and asks receiver_judge() what the answer means.
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
 *                  "score","priority","rules":[...],
 *                  "matches":[{"rule","kind","pattern","start","end","text"}]}]}}
 * "matches" are the evidence, each once; start and end are byte offsets
 * of "text", for emphasis. Version 1 (no "version" member: alerts spooled
 * by an older keluh) had bare [start,end] pairs; renderers read both.
 * "mentions" are listed in the order group.c chooses samples (score and
 * reach), so chat formats show the first few and say "+N more"; the
 * webhook carries them all.
 */
#ifndef KELUH_RECEIVER_H
#define KELUH_RECEIVER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/words.h"

struct tz;

enum rcv_type {
	RCV_CONSOLE,
	RCV_WEBHOOK,
	RCV_SLACK,
	RCV_MATTERMOST,
	RCV_DISCORD,
	RCV_TEAMS,
	RCV_GCHAT,
	RCV_TELEGRAM,
	RCV_PAGERDUTY,
	RCV_EMAIL,
	RCV__N
};

/*
 * How chat messages read (keluhd.yaml's display: section): the words'
 * language and the time zone of post times. Owned by the conf; receivers
 * point at it. A receiver without one shows English and UTC.
 */
struct rcv_display {
	enum words_lang lang;
	struct tz *tz;		/* NULL: UTC */
};

struct receiver {
	char *name;
	enum rcv_type type;
	char *url;		/* endpoint; email: smtp:// or smtps:// URL; telegram: API base */
	char *secret;		/* webhook: whsec_/whsk_ key; telegram: bot token;
				 * pagerduty: routing key; email: SMTP password */
	char *chat_id;		/* telegram */
	char *channel;		/* slack, mattermost: optional override */
	char *username;		/* slack, mattermost: optional; email: SMTP user */
	char *mail_from;	/* email */
	char **mail_to;		/* email */
	size_t nmail_to;
	int max_concurrency;	/* requests in flight at once */
	double rate_per_s;	/* requests per second, at most */
	int64_t max_age_ms;	/* a delivery older than this goes to the dead letters */
	int64_t timeout_ms;	/* one request */
	int max_samples;	/* mentions shown in chat formats */
	const struct rcv_display *display;	/* borrowed from the conf; NULL: defaults */
	char **page;		/* mention_on_critical: who an alert pings (slack, mattermost,
				 * discord, telegram), in the platform's syntax, checked by conf.c */
	size_t npage;
	int page_min;		/* mention_at_least: 0 low, 1 normal, 2 high, 3 critical */
};
#define RCV_MAX_PAGE 10		/* mention_on_critical entries per receiver */

const char *receiver_type_name(enum rcv_type);
int receiver_type_parse(const char *, enum rcv_type *);
void receiver_free(struct receiver *);	/* frees the members, not r itself */

/* A rendered request. All members malloc'd; receiver_msg_free releases them. */
struct rcv_msg {
	char *url;		/* NULL for console */
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

#endif
