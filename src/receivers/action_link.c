/*
 * action_link.c: signed action links, for receivers without buttons. A
 * link is public_url + "/v1/actions/link/" + a token (lib/actsig.h) for
 * one case and one action, with an expiry. A GET shows what the link
 * would do and a form; only the form's POST acts, so link previews, mail
 * scanners and prefetchers, which only GET, can never act on a case.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lib/actsig.h"
#include "receivers/action_int.h"
#include "receivers/receiver_int.h"

/* What each action does: "This " + pre + "case #42" + post. */
static const struct {
	const char *pre, *post;
} does[RCV_ACT__N] = {
    [RCV_ACT_ACK] = {"marks ", " as acknowledged: the team sees someone is on it."},
    [RCV_ACT_ASSIGN] = {"assigns ", " to you (the name you give below)."},
    [RCV_ACT_RESOLVE] = {"marks ", " as resolved."},
    [RCV_ACT_REOPEN] = {"opens ", " again."},
    [RCV_ACT_NOT_COMPLAINT] = {"marks ", " as not a complaint."},
    [RCV_ACT_MUTE_AUTHOR] = {"mutes the author of the mentions of ", " for a while."},
    [RCV_ACT_SILENCE] = {"silences the group of ", " for a while."},
};

/* The actions each state offers, as bits of enum rcv_act. */
static const struct {
	const char *state;
	unsigned acts;
} offers[] = {
    {"open", 1u << RCV_ACT_ACK | 1u << RCV_ACT_ASSIGN | 1u << RCV_ACT_RESOLVE |
                 1u << RCV_ACT_NOT_COMPLAINT | 1u << RCV_ACT_MUTE_AUTHOR | 1u << RCV_ACT_SILENCE},
    {"acknowledged", 1u << RCV_ACT_ASSIGN | 1u << RCV_ACT_RESOLVE | 1u << RCV_ACT_NOT_COMPLAINT |
                         1u << RCV_ACT_MUTE_AUTHOR | 1u << RCV_ACT_SILENCE},
    {"resolved", 1u << RCV_ACT_REOPEN},
    {"not_complaint", 1u << RCV_ACT_REOPEN},
};

const char *const rcv_link_page_headers[] = {
    "Content-Type: text/html; charset=utf-8",
    "Content-Security-Policy: default-src 'none'; form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy: no-referrer",
    "Cache-Control: no-store",
    NULL,
};

int
rcv_link_make(const unsigned char *key, int64_t case_id, enum rcv_act act, int64_t expires_s,
              char *out, size_t outlen)
{
	char id[24];

	if (key == NULL || (unsigned)act >= RCV_ACT__N || case_id < 1 || case_id > RCV_CASE_ID_MAX)
		return -1;
	snprintf(id, sizeof(id), "%lld", (long long)case_id);
	return actsig_link_make(key, id, rcv_act_name(act), expires_s, out, outlen);
}

json_t *
rcv_link_actions(const char *public_url, const unsigned char *key, int64_t case_id,
                 const char *state, int64_t expires_s)
{
	char tok[ACTSIG_LINK_TOKEN_MAX];
	unsigned bits = 0, found = 0;
	json_t *arr, *o;

	for (size_t i = 0; state && i < sizeof(offers) / sizeof(offers[0]); i++)
		if (strcmp(offers[i].state, state) == 0) {
			bits = offers[i].acts;
			found = 1;
		}
	if (!found)
		return NULL;
	arr = json_array();
	for (int a = 0; a < RCV_ACT__N; a++) {
		if (!(bits & 1u << a))
			continue;
		o = json_pack("{s:s,s:s}", "action", rcv_act_name((enum rcv_act)a), "label",
		              rcv_act_label((enum rcv_act)a));
		if (public_url && key &&
		    rcv_link_make(key, case_id, (enum rcv_act)a, expires_s, tok, sizeof(tok)) == 0)
			json_object_set_new(o, "url",
			                    json_sprintf("%s/v1/actions/link/%s", public_url, tok));
		json_array_append_new(arr, o);
	}
	return arr;
}

int
rcv_link_check(const unsigned char *key, const char *token, int64_t now_s, struct rcv_action *out,
               char *why, size_t whylen)
{
	struct actsig_link l;
	const char *reason = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	out->platform = "link";
	if (why && whylen)
		*why = '\0';
	if (key == NULL)
		return act_fail(RCV_ACTION_ENOTSUP, why, whylen, "action links are off here");
	rc = actsig_link_parse(key, token, now_s, &l, &reason);
	if (rc != ACTSIG_OK && rc != ACTSIG_EEXPIRED)
		return act_sig(rc, "link", reason, why, whylen);
	if (rcv_act_parse(l.action, strlen(l.action), &out->action) < 0 ||
	    act_case_id(l.case_id, strlen(l.case_id), &out->case_id) < 0) {
		memset(out, 0, sizeof(*out));
		out->platform = "link";
		return act_fail(RCV_ACTION_EBAD, why, whylen, "link: not a link to a case action");
	}
	return rc == ACTSIG_OK ? RCV_ACTION_OK : act_sig(rc, "link", reason, why, whylen);
}

int
rcv_link_post(const unsigned char *key, const char *token, const char *body, size_t len,
              int64_t now_s, struct rcv_action *out, char *why, size_t whylen)
{
	int rc = rcv_link_check(key, token, now_s, out, why, whylen);
	char *by;

	if (rc != RCV_ACTION_OK)
		return rc;
	by = body ? act_form_value(body, len, "by") : NULL;
	if (by) {
		act_copy(out->user_name, sizeof(out->user_name), by);
		free(by);
	}
	return rc;
}

static void
page_head(struct buf *h, const char *title)
{
	buf_adds(h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	            "<meta name=\"viewport\" content=\"width=device-width\">"
	            "<meta name=\"robots\" content=\"noindex\"><title>");
	rcv_escs(h, RCV_MK_HTML, title);
	buf_adds(h, " - keluh</title></head>\n<body>\n<h1>");
	rcv_escs(h, RCV_MK_HTML, title);
	buf_adds(h, "</h1>\n");
}

void
rcv_link_page(struct buf *html, int rc, const struct rcv_action *a, const char *why)
{
	char t[160];
	long long id = (long long)a->case_id;
	int known = a->case_id > 0 && (unsigned)a->action < RCV_ACT__N;

	if (rc == RCV_ACTION_OK && known) {
		snprintf(t, sizeof(t), "%s case #%lld?", rcv_act_label(a->action), id);
		page_head(html, t);
		buf_printf(html, "<p>This %scase #%lld%s", does[a->action].pre, id,
		           does[a->action].post);
		buf_adds(html, " Nothing happens until you press the button.</p>\n"
		               "<form method=\"post\">\n<p><label>Your name (optional) <input "
		               "name=\"by\" maxlength=\"128\" autocomplete=\"name\"></label></p>\n"
		               "<p><button type=\"submit\">");
		buf_printf(html, "%s case #%lld", rcv_act_label(a->action), id);
		buf_adds(html, "</button></p>\n</form>\n</body></html>\n");
		return;
	}
	page_head(html, "This link does not work");
	buf_adds(html, "<p>");
	rcv_escs(html, RCV_MK_HTML, why && *why ? why : "the link is not valid");
	buf_adds(html, ".</p>\n");
	if (known)
		buf_printf(html,
		           "<p>It was for: %s case #%lld. Act from the chat message, or run "
		           "<code>keluhctl %s %lld</code>.</p>\n",
		           rcv_act_label(a->action), id, rcv_act_name(a->action), id);
	buf_adds(html, "</body></html>\n");
}

void
rcv_link_result_page(struct buf *html, const struct rcv_action *a, int done, const char *text)
{
	char t[160];

	snprintf(t, sizeof(t), "%s: %s case #%lld", done ? "Done" : "Not done",
	         rcv_act_label(a->action), (long long)a->case_id);
	page_head(html, t);
	if (text && *text) {
		buf_adds(html, "<p>");
		rcv_escs(html, RCV_MK_HTML, text);
		buf_adds(html, "</p>\n");
	}
	buf_adds(html, "</body></html>\n");
}
