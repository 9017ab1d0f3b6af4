/*
 * action_int.h: what action.c and the platforms' action_*.c share, and
 * nothing else uses.
 */
#ifndef KELUH_ACTION_INT_H
#define KELUH_ACTION_INT_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>

#include "receivers/action.h"

/* Writes the reason to why and returns rc. */
int act_fail(int rc, char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/*
 * A button's value "<action>:<case id>" or "<action>:<case id>:<arg>" into
 * out's action, case_id and arg: OK, or EBAD with why.
 */
int act_value(const char *s, size_t len, struct rcv_action *out, char *why, size_t whylen);
/* A case id: decimal digits, no leading zero, 1..RCV_CASE_ID_MAX. 0, or -1. */
int act_case_id(const char *s, size_t len, int64_t *id);
/* Copies s (cleaned of control characters, cut on a code point) into dst of size n. */
void act_copy(char *dst, size_t n, const char *s);
/* A JSON member that is a string, or an integer written as a string; NULL when neither. */
const char *act_jid(const json_t *o, const char *key, char *tmp, size_t tmplen);
/* The value of name in a form body, percent-decoded (malloc'd), or NULL. */
char *act_form_value(const char *body, size_t len, const char *name);
/* A header by name through the request's getter (NULL when absent). */
const char *act_header(const struct rcv_action_req *, const char *name);
/* The verifier's code as ours, with its reason: EAUTH for every refusal. */
int act_sig(int rc, const char *what, const char *reason, char *why, size_t whylen);
/* The request's one-time value taken (actsig_once): OK or EAUTH. */
int act_once(const struct rcv_action_req *, const char *platform, const char *value,
             struct rcv_action *out, char *why, size_t whylen);

int act_slack(const struct receiver *, const struct rcv_action_req *, struct rcv_action *,
              char *why, size_t whylen);
int act_discord(const struct receiver *, const struct rcv_action_req *, struct rcv_action *,
                char *why, size_t whylen);
int act_telegram(const struct receiver *, const struct rcv_action_req *, struct rcv_action *,
                 char *why, size_t whylen);
/* A Telegram update (parsed) into out: OK, IGNORE (no callback query) or EBAD. */
int act_telegram_update(const json_t *u, struct rcv_action *out, char *why, size_t whylen);
int act_mattermost(const struct receiver *, const struct rcv_action_req *, struct rcv_action *,
                   char *why, size_t whylen);

#endif
