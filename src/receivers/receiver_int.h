/*
 * receiver_int.h: what the kinds (receiver_*.c, kinds.c) share and nothing
 * else uses: the base their tables point into, a borrowed view of the canonical alert, the wording every chat
 * message uses, text emphasis and escaping per markup, truncation that never
 * cuts a code point, the sample loop that keeps a message within its limits,
 * priority styles and time formats.
 *
 * Lengths: platforms limit "characters" and count them in different ways
 * (Telegram in UTF-16 code units, others in code points). rcv_ulen counts
 * UTF-16 code units, which is never less than code points, so a text that
 * fits in units fits however the platform counts. Limits in bytes (Teams,
 * Google Chat, PagerDuty) are checked on the serialised JSON.
 *
 * Truncation happens on the raw text, before escaping and markup are
 * added, so a cut can never split an entity, an escape or a tag.
 */
#ifndef KELUH_RECEIVER_INT_H
#define KELUH_RECEIVER_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/tz.h"
#include "lib/util.h"
#include "lib/words.h"
#include "receivers/receiver.h"

#define RCV_ELLIPSIS "\xe2\x80\xa6"	/* U+2026: 3 bytes, 1 unit */
#define RCV_DEFAULT_SAMPLES 5
#define RCV_TITLE_UNITS 200		/* rule descriptions in a headline */
#define RCV_TIMELEN 80			/* room for any formatted time, absurd years too */

enum rcv_prio { RCV_P_LOW, RCV_P_NORMAL, RCV_P_HIGH, RCV_P_CRITICAL };

/* How a priority looks on each platform. */
struct rcv_style {
	const char *label;		/* "CRITICAL" */
	const char *emoji;		/* for platforms without colour (Telegram) and titles */
	const char *hex;		/* "#E01E5A": Slack, Mattermost */
	unsigned long rgb;		/* Discord's integer colour */
	const char *card_style;		/* Adaptive Card Container.style */
	const char *card_color;		/* Adaptive Card TextBlock.color */
	const char *pd_severity;	/* PagerDuty payload.severity */
};

/* The canonical alert, borrowed from the JSON: valid while the json_t is. */
struct rcv_alert {
	const json_t *root;		/* {"type":"keluh.alert","alert":{...}} */
	const json_t *a;		/* the "alert" object */
	const char *id, *group, *priority, *team, *first_at, *last_at;	/* NULL if absent */
	enum rcv_prio prio;
	const struct rcv_style *style;
	int incident;
	long long count, total, suppressed;
	const json_t *mentions;		/* an array, maybe empty */
	size_t nall;			/* mentions the alert covers: max(count, listed) */
	const json_t *kase;		/* the "case" object, NULL when the alert has none */
	long long case_id;		/* > 0 with a case */
	const char *case_state;		/* "open", "acknowledged"...; "" when absent */

	/* How it is shown: set by receiver_render from the receiver's display. */
	enum words_lang lang;
	const struct tz *tz;		/* NULL: UTC */
	int64_t now_s;			/* when the message is made: ages count from here */
	int64_t delayed_s;		/* > 0: late by this much (delivery failures) */
	int links;			/* the case's action links go in the text: no buttons */
};

/* A word of the table (words.c) in the alert's language. */
static inline const char *
rcv_w(const struct rcv_alert *a, enum word w)
{
	return words_get(a->lang, w);
}

/* What a render makes: the first post, an edit of ref, or a reply in ref's thread. */
enum rcv_mode { RCV_M_POST, RCV_M_EDIT, RCV_M_REPLY };

/* One render call. */
struct rcv_ctx {
	enum rcv_mode mode;
	const char *ref;		/* RCV_M_EDIT, RCV_M_REPLY: the message reference */
	const struct receiver *r;
	struct rcv_alert a;
	const char *idem_key;
	int64_t now_s;
	size_t samples;			/* r->max_samples, or the default */
	char *err;
	size_t errlen;
};

/*
 * The base that every kind's table points into (receiver.c). kinds.c calls
 * these with the receiver's kind; the base calls the kind only through the
 * table's pointers.
 */
int rcv_render(const struct rcv_kind *, const struct receiver *r, const json_t *alert,
    const char *idem_key, int64_t now_s, int64_t delayed_s, struct rcv_msg *out, char *err,
    size_t errlen);
/* rcv_render of an edit or a reply of the message ref (mode and ref in the ctx). */
int rcv_render_living(const struct rcv_kind *, const struct receiver *r, const json_t *alert,
    enum rcv_mode mode, const char *ref, int64_t now_s, struct rcv_msg *out, char *err,
    size_t errlen);
/* The answer of a post as JSON, for the kinds' post_ref; NULL when it is not JSON. */
int rcv_post_ref(const struct rcv_kind *, const struct receiver *r, const char *body,
    size_t len, char *ref, size_t reflen);
enum rcv_verdict rcv_judge(const struct rcv_kind *, long status, const char *body,
    size_t body_len, const char *retry_after, int64_t *wait_ms, char *reason, size_t reasonlen);

/* An answer being judged (receiver_judge's arguments). */
struct rcv_answer {
	long status;
	const char *body;
	size_t len;
	const char *retry_after;
	const json_t *j;	/* the body as JSON, when the kind's answers are JSON */
	int depth;		/* 1: judging a status found inside the body */
	int64_t *wait_ms;
	char *reason;
	size_t reasonlen;
};
/* HTTP: the status, then the body as the kind's answers say (a kind's judge). */
enum rcv_verdict rcv_judge_http(const struct rcv_kind *, struct rcv_answer *);
/* Writes "<what> <status>: <note or excerpt of the body>" to reason; returns v. */
enum rcv_verdict rcv_judge_say(enum rcv_verdict v, struct rcv_answer *, const char *what,
    long status, const json_t *j, const char *note);
/* Retry-After: delay-seconds or an HTTP-date, in ms. 0 when absent or unusable. */
int64_t rcv_retry_after(const char *);
/* Whether len bytes of body hold needle. */
int rcv_body_has(const char *body, size_t len, const char *needle);

/* --- config: what several kinds' parse and page_valid share --------------- */

/*
 * secret or secret_file into r->secret. Only webhooks take them; the other
 * kinds that read them too have them refused by the key check, and a bad
 * secret_file is reported all the same.
 */
void rcv_parse_secret(struct confp *, yaml_node_t *item, struct receiver *r);
/* 1..32 characters, digits only (digits) or upper case letters and digits. */
int rcv_page_id(const char *s, size_t len, int digits);
/* min..max characters, all of chars. */
int rcv_page_name(const char *s, size_t min, size_t max, const char *chars);

/* The plain-text rendering shared by console and email (lines end in "\n"). */
void rcv_plain_text(const struct rcv_ctx *, struct buf *, size_t text_units);

/* --- alert ---------------------------------------------------------------- */

const struct rcv_style *rcv_style(enum rcv_prio);
int rcv_alert_load(const json_t *root, struct rcv_alert *, char *err, size_t errlen);
/* The receiver's name for messages ("" when it has none). */
static inline const char *
rcv_rname(const struct rcv_ctx *c)
{
	return c->r->name ? c->r->name : "";
}
/* Returns -1 after writing the reason to ctx->err. */
int rcv_fail(struct rcv_ctx *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Member key of o when it is a string, else NULL. */
const char *rcv_str(const json_t *o, const char *key);
/* Mention i of the alert, or NULL when that entry is not an object. */
const json_t *rcv_mention(const struct rcv_alert *, size_t i);
size_t rcv_nlisted(const struct rcv_alert *);

/* --- request -------------------------------------------------------------- */

void rcv_msg_header(struct rcv_msg *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Serialises o compactly as the body and drops the reference. */
void rcv_msg_json(struct rcv_msg *, json_t *o);
void rcv_msg_text(struct rcv_msg *, struct buf *);	/* takes b's data */
/* A JSON POST: url (taken, malloc'd) and o (rcv_msg_json) as the body. */
void rcv_msg_post_json(struct rcv_msg *, char *url, json_t *o);
/* A JSON string from len bytes of valid UTF-8 (never NULL). */
json_t *rcv_jstr(const char *s, size_t len);
/* Length of o serialised compactly. */
size_t rcv_jlen(const json_t *o);
/* A key of at most max bytes: s itself, or "keluh-" and a hash of it when longer. */
void rcv_short_key(struct buf *, const char *s, size_t max);

/* --- text ----------------------------------------------------------------- */

size_t rcv_ulen(const char *s, size_t len);
/* Bytes of the longest prefix of s that is at most units long (never mid code point). */
size_t rcv_prefix(const char *s, size_t len, size_t units);
/*
 * Where to cut s so that it and an ellipsis fit in units: returns the byte
 * length to keep and sets *cut when the ellipsis is needed. Prefers a word
 * boundary near the end.
 */
size_t rcv_text_cut(const char *s, size_t len, size_t units, int *cut);
/* Shortens b (plain text) to at most units, ending in an ellipsis when cut. */
void rcv_fit(struct buf *, size_t units);

enum rcv_markup {
	RCV_MK_PLAIN,	/* console, email, plain JSON fields: no escaping, *emphasis* */
	RCV_MK_SLACK,	/* mrkdwn: & < > as entities, *bold* */
	RCV_MK_MD,	/* Discord, Mattermost: backslash escapes, **bold**, @handles as code */
	RCV_MK_HTML,	/* Telegram, Google Chat cards: & < > " as entities, <b>bold</b> */
	RCV_MK_GTEXT,	/* Google Chat message text: no escape exists, so < > are replaced */
};

/*
 * Appends s escaped for mk. In every markup, control characters become
 * spaces (a mention is shown as one paragraph) and bidirectional overrides
 * are dropped (they can make a text display as something it is not).
 */
void rcv_esc(struct buf *, enum rcv_markup, const char *s, size_t len);
void rcv_escs(struct buf *, enum rcv_markup, const char *s);
/* Appends s escaped, cut (with an ellipsis) so the escaped text is at most limit units. */
void rcv_esc_fit(struct buf *, enum rcv_markup, const char *s, size_t len, size_t limit);
/* A URL shown as text (not a link): escaped, and cut when absurdly long. */
void rcv_url_text(struct buf *, enum rcv_markup, const char *url);
void rcv_bold(struct buf *, enum rcv_markup, const char *s, size_t len);
void rcv_bolds(struct buf *, enum rcv_markup, const char *s);
/* Appends s with control characters and bidi overrides cleaned, no escaping. */
void rcv_clean(struct buf *, const char *s, size_t len);

/* A byte span of a mention's text to emphasise. */
struct rcv_span {
	size_t s, e;
};
/*
 * The mention's "matches" as sorted, merged spans within the first len
 * bytes of text, moved onto code point boundaries. Returns the count; *out
 * is malloc'd (free it even when 0 is returned).
 */
size_t rcv_spans(const json_t *mention, const char *text, size_t len, struct rcv_span **out);
/*
 * Appends the mention's text cut to units, in mk, with the matched spans in
 * bold and an ellipsis when it was cut.
 */
void rcv_emph_text(struct buf *, enum rcv_markup, const json_t *mention, size_t units);

/*
 * A link to the mention when its URL can go inside link markup (http or
 * https, printable ASCII, none of the characters that end a link in some
 * markup); NULL otherwise, and the URL is then shown as text.
 */
const char *rcv_link(const json_t *mention);
const char *rcv_url(const json_t *mention);	/* any URL given, or NULL */

/* --- wording -------------------------------------------------------------- */

/* "CRITICAL INCIDENT" with the priority emoji first when emoji is set. */
void rcv_headline(const struct rcv_alert *, struct buf *, int emoji);
/* The priority's label alone: "CRITICAL". */
const char *rcv_label(const struct rcv_alert *);
/* The rule descriptions (rule ids where none), plain, at most units long. */
void rcv_title(const struct rcv_alert *, struct buf *, size_t units);
/* "12 mentions", or "3 new, 40 since 10:02 UTC"; ", 2 muted" when some were. */
void rcv_counts(const struct rcv_alert *, struct buf *);
/* rcv_title at most units long, then " (team tech, 12 mentions)". Plain. */
void rcv_title_counts(const struct rcv_alert *, struct buf *, size_t units);
/*
 * "team *tech* · 3 new, 40 since 10:02 UTC" in mk (the team in bold, no
 * team part without one), then rcv_ref_lines on lines of their own.
 */
void rcv_summary(const struct rcv_alert *, struct buf *, enum rcv_markup);
/* "+N more mentions" (or "+1 more mention"). */
void rcv_more(const struct rcv_alert *, struct buf *, size_t n);
/* "team" then the team: "team tech" (nothing when there is no team). Plain. */
void rcv_team(const struct rcv_alert *, struct buf *);
/*
 * "alert a-20261122-0007 · group rule=access.login|team=tech", plain, so a
 * person can quote the alert (keluhctl takes the id). Nothing without an id.
 */
void rcv_idline(const struct rcv_alert *, struct buf *);
/* "delayed 8 min by delivery failures" when the alert is late, else nothing. Plain. */
void rcv_late(const struct rcv_alert *, struct buf *);
/* rcv_idline and rcv_late escaped for mk, each that is not empty after nl. */
void rcv_ref_lines(const struct rcv_alert *, struct buf *, enum rcv_markup, const char *nl);
/* The author's handle (or name, or "unknown"). */
const char *rcv_handle(const struct rcv_alert *, const json_t *mention);
/* What follows the handle: " (Name) · x · 12.3k followers · verified". Plain. */
void rcv_author_rest(const struct rcv_alert *, const json_t *mention, struct buf *);
/*
 * When the mention was posted and its age at the time of the message, in
 * display.timezone: "posted 09:40 WIB, 8 min ago" ("posted 17 Nov 09:40
 * WIB, 2 d ago" on another day). Nothing when created_at is absent or bad.
 */
void rcv_posted(const struct rcv_alert *, const json_t *mention, struct buf *);
/* rcv_author_rest, then " · " and rcv_posted when there is a post time. */
void rcv_byline(const struct rcv_alert *, const json_t *mention, struct buf *);
/* An age or a delay: "8 min", "3 h 5 min", "2 d 4 h". */
void rcv_duration(const struct rcv_alert *, struct buf *, int64_t secs);
/* 950, 12.3k, 1.2M */
void rcv_followers(struct buf *, long long n);

/* --- cases --------------------------------------------------------------- */

/*
 * "Case #42 · acknowledged by Rina 09:52 UTC, 4 min after the post ·
 * assigned to Budi · OVERDUE", plain. Nothing when the alert has no case.
 */
void rcv_case_line(const struct rcv_alert *, struct buf *);
/*
 * The case line, then (when a->links) a line "Acknowledge: URL" for each
 * of the case's actions that has a url, each escaped for mk after nl.
 */
void rcv_case_lines(const struct rcv_alert *, struct buf *, enum rcv_markup, const char *nl);
#define RCV_MAX_ACTIONS 6
/*
 * The actions a button row offers in the case's state, in order: an open
 * case ack, assign, resolve, not_complaint, mute_author, silence (an
 * acknowledged one the same without ack); a resolved one, or one found not
 * a complaint, reopen. Returns the count (0 without a case).
 */
size_t rcv_case_actions(const struct rcv_alert *, const char *out[RCV_MAX_ACTIONS]);
/* The button's label of an action in the alert's language ("Acknowledge"). */
const char *rcv_action_label(const struct rcv_alert *, const char *action);
/* "ack:42": a button's value. */
void rcv_action_value(const struct rcv_alert *, const char *action, struct buf *);
/*
 * Splits ref at its sep (the first one when first, else the last) into two
 * non-empty parts of printable ASCII without '/', '?', '#' or '%' (they go
 * into URLs and JSON). Returns 0, or -1 after rcv_fail.
 */
int rcv_ref_split(struct rcv_ctx *, int first, struct buf *left, struct buf *right);
/* Whether the ref is one non-empty token of the chars given (an id in a URL path). */
int rcv_ref_is(const char *ref, const char *chars);
/* A bot token as a header "Authorization: Bearer ..."; -1 after rcv_fail when it cannot be one. */
int rcv_bearer(struct rcv_ctx *, struct rcv_msg *, const char *token);

/* --- paging -------------------------------------------------------------- */

/*
 * Whether this alert pings the receiver's people: it has mention_on_critical
 * and the alert's priority is at least mention_at_least (critical unless
 * set).
 */
int rcv_pages(const struct rcv_ctx *);
/* What the mentions add to a text (0 when the alert does not page). */
size_t rcv_page_units(const struct rcv_ctx *);
/*
 * When the alert pages: puts the mentions, as written in the config, in
 * front of o's string member key (on a line of their own when nl is set,
 * else followed by a space). They are never escaped: the loader let through
 * only the platform's mention syntax (the kind's page_valid).
 */
void rcv_page(const struct rcv_ctx *, json_t *o, const char *key, int nl);

/* --- the sample loop ------------------------------------------------------ */

/*
 * Shows as many mentions as fit. For each mention in order, render() builds
 * a pending piece with the text cut to at most cap units and returns what
 * it costs (in the unit the platform limits); keep() keeps the pending
 * piece. A piece that does not fit is rendered again with a shorter text,
 * down to min_cap; then the loop stops. Returns the number kept.
 */
struct rcv_fill {
	size_t budget;		/* what all the pieces may cost together */
	size_t piece_max;	/* what one piece may cost */
	size_t cap;		/* text units a sample gets at most */
	size_t min_cap;		/* shorter than this a sample is not worth showing */
	size_t max_pieces;
	size_t (*render)(void *arg, const json_t *mention, size_t cap);
	void (*keep)(void *arg);
	void *arg;
};
size_t rcv_fill(const struct rcv_alert *, const struct rcv_fill *);

/* --- time ----------------------------------------------------------------- */

/* "10:02 WIB", with "22 Nov " first when day_of is on another local day. */
void rcv_time_local(const struct rcv_alert *, int64_t t, int64_t day_of, struct buf *);

#endif
