/*
 * action.h: a platform's callback request, or a signed action link, turned
 * into a verified action on a case; and what keluhd answers.
 *
 * Callbacks arrive at /v1/actions/RECEIVER: Slack interactivity, Discord
 * interactions, Telegram webhook updates, Mattermost integration actions.
 * receiver_action_parse checks the platform's signature on the raw body
 * BEFORE reading any of it (lib/actsig.h), takes the request's one-time
 * value from the replay cache, and only then parses the body. Telegram
 * updates fetched by long polling (getUpdates) are trusted by transport
 * (keluhd asked Telegram over TLS) and read with rcv_telegram_updates.
 *
 * Buttons carry "<action>:<case id>" (e.g. "ack:42"), or
 * "<action>:<case id>:<arg>"; Slack's value, Discord's custom_id,
 * Telegram's callback_data. Mattermost signs nothing, so its buttons carry
 * a keluh token (rcv_mattermost_token) in their context instead.
 *
 * Signed links (/v1/actions/link/TOKEN) are for receivers without
 * buttons: a GET shows a confirmation page (rcv_link_page) and only its
 * POST (rcv_link_post) acts, so link previews and mail scanners cannot.
 *
 * Everything here is pure: no I/O, no clock, no global state. The caller
 * owns struct rcv_action and releases it with rcv_action_free.
 */
#ifndef KELUH_ACTION_H
#define KELUH_ACTION_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf_receiver.h"
#include "lib/sign.h"
#include "lib/util.h"
#include "receivers/receiver.h"

/* The canonical actions, in the order buttons and links list them. */
enum rcv_act {
	RCV_ACT_ACK,
	RCV_ACT_ASSIGN,  /* arg: the person; empty: the actor */
	RCV_ACT_RESOLVE, /* arg: an optional note */
	RCV_ACT_REOPEN,
	RCV_ACT_NOT_COMPLAINT,
	RCV_ACT_MUTE_AUTHOR, /* for the configured time (cases.mute_for) */
	RCV_ACT_SILENCE,     /* for the configured time (cases.silence_for) */
	RCV_ACT__N
};
const char *rcv_act_name(enum rcv_act);  /* "ack"; "unknown" out of range */
const char *rcv_act_label(enum rcv_act); /* "Acknowledge", for buttons and pages */
/* 0 and *a, or -1 when s[0..len) is no canonical name. */
int rcv_act_parse(const char *s, size_t len, enum rcv_act *a);

/* What receiver_action_parse and the link functions return. */
#define RCV_ACTION_OK      0  /* an action to take: act, then answer (rcv_action_answer) */
#define RCV_ACTION_PONG    1  /* a handshake (Discord PING): answer it, nothing to do */
#define RCV_ACTION_IGNORE  2  /* signed, fine, but nothing to act on: answer 200 */
#define RCV_ACTION_EAUTH   -1 /* unsigned, bad signature, stale, replayed, expired: 401 */
#define RCV_ACTION_EBAD    -2 /* not the platform's shape, unknown action, bad case id: 400 */
#define RCV_ACTION_ENOTSUP -3 /* this receiver takes no actions (kind or config): 404 */

/* The HTTP status for a code: 200, 401, 400 or 404. */
int rcv_action_status(int rc);

#define RCV_ACTION_ARG_MAX  64                 /* bytes of arg */
#define RCV_ACTION_ID_MAX   64                 /* bytes of a platform user id or callback id */
#define RCV_ACTION_NAME_MAX 128                /* bytes of a user's name */
#define RCV_CASE_ID_MAX     9007199254740991LL /* 2^53 - 1: exact in every JSON reader */

struct rcv_action {
	int64_t case_id;
	enum rcv_act action;
	char arg[RCV_ACTION_ARG_MAX + 1];
	/* Who acted, as the platform gives it ("" when it gives nothing). */
	char user_id[RCV_ACTION_ID_MAX + 1];
	char user_name[RCV_ACTION_NAME_MAX + 1];
	const char *platform; /* "slack", "discord", "telegram", "mattermost", "link" */
	/* Telegram: the callback_query id for answerCallbackQuery, and the update_id. */
	char callback_id[RCV_ACTION_ID_MAX + 1];
	int64_t update_id;
	int webhook;          /* Telegram: came by webhook (the answer can carry the method) */
	int replay_forgotten; /* the replay cache was full: count a bound hit */
};

/* The request as the HTTP layer got it; everything is borrowed. */
struct rcv_action_req {
	const char *body; /* the raw body, exactly as received */
	size_t len;
	/* A header's value by name (case-insensitive), or NULL when absent. */
	const char *(*header)(void *arg, const char *name);
	void *header_arg;
	int64_t now_s;
	struct sign_replay *replay;    /* the receiver's one-time values; NULL: no replay check */
	const unsigned char *link_key; /* ACTSIG_LINK_KEYBYTES: Mattermost's tokens */
};

/*
 * Verifies then parses a callback for receiver r into *out. Returns one of
 * the codes above; on a refusal why says what and what to do (for the
 * 4xx body and the log). *out is filled only on RCV_ACTION_OK (and its
 * platform on every code, for the answer).
 */
int receiver_action_parse(const struct receiver *r, const struct rcv_action_req *req,
                          struct rcv_action *out, char *why, size_t whylen);

/*
 * The body to answer a callback with, after acting (rc is what the parse
 * returned, or RCV_ACTION_OK). text, when not NULL, is a short note for
 * the one who acted only ("Case #42 is already resolved"). Sets
 * *content_type ("application/json", or NULL for an empty body).
 *   Discord: PONG {"type":1}; else {"type":6} (the message is edited
 *            later), or {"type":4,...} with the text, visible to them only.
 *   Slack: empty (edits follow through the Web API).
 *   Mattermost: {} or {"ephemeral_text": text}.
 *   Telegram webhook: the answerCallbackQuery call itself, as the Bot API
 *            allows in a webhook's answer; by poll: empty (see
 *            rcv_telegram_answer).
 */
void rcv_action_answer(const struct rcv_action *a, int rc, const char *text, struct buf *body,
                       const char **content_type);

/* --- Telegram by long polling -------------------------------------------- */

#define RCV_TG_UPDATES_MAX 100 /* getUpdates' limit: updates per answer */

/*
 * The getUpdates URL (malloc'd): offset, timeout_s (long polling), limit,
 * and allowed_updates=["callback_query"].
 */
char *rcv_telegram_updates_url(const struct receiver *r, int64_t offset, int timeout_s);
/*
 * Reads a getUpdates answer. Returns the number of actions written to
 * acts (at most max), or -1 with why when the answer is not {"ok":true,
 * "result":[...]}. *next_offset becomes the last update_id + 1 of every
 * update seen (also of those skipped: they would come back forever),
 * unchanged when there were none. Updates that are no button press of
 * keluh's are skipped and counted in *skipped.
 */
int rcv_telegram_updates(const char *body, size_t len, struct rcv_action *acts, size_t max,
                         int64_t *next_offset, size_t *skipped, char *why, size_t whylen);
/*
 * answerCallbackQuery for a by-poll action (stops the button's spinner;
 * text, when not NULL, is shown to the one who pressed). 0, or -1 when r
 * has no bot token.
 */
int rcv_telegram_answer(const struct receiver *r, const struct rcv_action *a, const char *text,
                        struct rcv_msg *out);

/* --- signed links, and Mattermost's tokens ------------------------------- */

#define RCV_LINK_TTL_S (7 * 86400) /* how long a link in an alert works, by default */

/*
 * A link token for action on case_id, valid until expires_s (written to
 * out, ACTSIG_LINK_TOKEN_MAX bytes are enough). 0, or -1.
 */
int rcv_link_make(const unsigned char *key, int64_t case_id, enum rcv_act act, int64_t expires_s,
                  char *out, size_t outlen);
/*
 * The case's "actions" array for the canonical alert: the actions that
 * make sense in state ("open", "acknowledged", "resolved",
 * "not_complaint"), each {"action","label"} and, when public_url and key
 * are given, "url": public_url + "/v1/actions/link/" + token. NULL when
 * state is unknown.
 */
json_t *rcv_link_actions(const char *public_url, const unsigned char *key, int64_t case_id,
                         const char *state, int64_t expires_s);
/*
 * A link's token verified into *out (platform "link", no user): OK,
 * EAUTH (bad signature, another key, expired: *out still says what the
 * link was for when only expired), EBAD (not a token of keluh's actions).
 */
int rcv_link_check(const unsigned char *key, const char *token, int64_t now_s,
                   struct rcv_action *out, char *why, size_t whylen);
/*
 * A link's POST: the token as rcv_link_check, then the form body
 * (application/x-www-form-urlencoded) may give "by", the name of who acts
 * (cleaned, at most RCV_ACTION_NAME_MAX bytes): it becomes user_name.
 */
int rcv_link_post(const unsigned char *key, const char *token, const char *body, size_t len,
                  int64_t now_s, struct rcv_action *out, char *why, size_t whylen);
/*
 * The page a GET shows (HTML, appended to html), for what rcv_link_check
 * returned: on OK a question ("Acknowledge case #42?") and a form that
 * POSTs back to the same URL; else why the link does not work. It never
 * acts. The HTTP status is rcv_action_status(rc).
 */
void rcv_link_page(struct buf *html, int rc, const struct rcv_action *a, const char *why);
/*
 * The headers of both pages: nothing but the page itself may load or run,
 * the form may post only back to keluhd, no page may frame it, and the
 * token in the URL goes to no other site nor into a cache.
 */
extern const char *const rcv_link_page_headers[]; /* "Name: value", NULL last */
/* The page after the POST: done is whether the action was taken; text says more. */
void rcv_link_result_page(struct buf *html, const struct rcv_action *a, int done, const char *text);

/*
 * The token a Mattermost button carries in its context ("token"), with
 * "action" and "case": like a link's, but for Mattermost only (a link
 * token is no Mattermost token and the other way round).
 */
int rcv_mattermost_token(const unsigned char *key, int64_t case_id, enum rcv_act act,
                         int64_t expires_s, char *out, size_t outlen);

#endif
