/*
 * action.c: a callback to the parser of its receiver's kind, and what
 * keluhd answers each platform.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "receivers/action_int.h"
#include "receivers/receiver_int.h"

int
rcv_action_status(int rc)
{
	switch (rc) {
	case RCV_ACTION_EAUTH: return 401;
	case RCV_ACTION_EBAD: return 400;
	case RCV_ACTION_ENOTSUP: return 404;
	default: return 200;
	}
}

int
receiver_action_parse(const struct receiver *r, const struct rcv_action_req *req,
                      struct rcv_action *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	out->platform = receiver_type_name(r->type);
	if (why && whylen)
		*why = '\0';
	switch (r->type) {
	case RCV_SLACK: return act_slack(r, req, out, why, whylen);
	case RCV_DISCORD: return act_discord(r, req, out, why, whylen);
	case RCV_TELEGRAM: return act_telegram(r, req, out, why, whylen);
	case RCV_MATTERMOST: return act_mattermost(r, req, out, why, whylen);
	default:
		return act_fail(RCV_ACTION_ENOTSUP, why, whylen,
		                "receiver '%s' (%s) has no buttons: "
		                "its alerts carry signed links (public_url)",
		                r->name ? r->name : "", out->platform);
	}
}

/* Discord's answer: PONG, a deferred update, or a message only the one who acted sees. */
static void
answer_discord(int rc, const char *text, struct buf *body)
{
	json_t *o;
	char *s;

	if (rc == RCV_ACTION_PONG)
		o = json_pack("{s:i}", "type", 1);
	else if (text == NULL)
		o = json_pack("{s:i}", "type", 6);
	else
		o = json_pack("{s:i,s:{s:o,s:i}}", "type", 4, "data", "content",
		              rcv_jstr(text, strlen(text)), "flags", 64);
	s = json_dumps(o, JSON_COMPACT);
	buf_adds(body, s);
	free(s);
	json_decref(o);
}

void
rcv_action_answer(const struct rcv_action *a, int rc, const char *text, struct buf *body,
                  const char **content_type)
{
	json_t *o = NULL;
	char *s;

	*content_type = NULL;
	if (a->platform && strcmp(a->platform, "discord") == 0) {
		answer_discord(rc, text, body);
		*content_type = "application/json";
		return;
	}
	if (a->platform && strcmp(a->platform, "mattermost") == 0)
		o = text ? json_pack("{s:o}", "ephemeral_text", rcv_jstr(text, strlen(text)))
		         : json_object();
	else if (a->platform && strcmp(a->platform, "telegram") == 0 && a->webhook &&
	         a->callback_id[0]) {
		o = json_pack("{s:s,s:s}", "method", "answerCallbackQuery", "callback_query_id",
		              a->callback_id);
		if (text)
			json_object_set_new(o, "text", rcv_jstr(text, strlen(text)));
	}
	if (o == NULL)
		return;
	s = json_dumps(o, JSON_COMPACT);
	buf_adds(body, s);
	free(s);
	json_decref(o);
	*content_type = "application/json";
}
