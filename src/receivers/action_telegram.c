/*
 * action_telegram.c: Telegram button presses (core.telegram.org/bots/api):
 * an Update {"update_id", "callback_query": {"id", "from": {"id",
 * "username", "first_name"}, "data"}}, by webhook (X-Telegram-Bot-Api-
 * Secret-Token is the setWebhook secret_token; the update_id is the
 * one-time value, the secret being the same every time) or by long
 * polling getUpdates. A press is acknowledged with answerCallbackQuery,
 * which a webhook may send as its answer ("method" in the body).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/actsig.h"
#include "receivers/action_int.h"
#include "receivers/receiver_int.h"

int
act_telegram_update(const json_t *u, struct rcv_action *out, char *why, size_t whylen)
{
	const json_t *cq = json_object_get(u, "callback_query"), *from;
	const char *v;
	char tmp[32];

	out->platform = "telegram";
	if (json_is_integer(json_object_get(u, "update_id")))
		out->update_id = json_integer_value(json_object_get(u, "update_id"));
	if (cq == NULL)
		return act_fail(RCV_ACTION_IGNORE, why, whylen,
		                "an update that is no button press");
	if (!json_is_object(cq) || (v = json_string_value(json_object_get(cq, "id"))) == NULL ||
	    *v == '\0')
		return act_fail(RCV_ACTION_EBAD, why, whylen, "callback_query has no id");
	act_copy(out->callback_id, sizeof(out->callback_id), v);
	from = json_object_get(cq, "from");
	if ((v = act_jid(from, "id", tmp, sizeof(tmp))) == NULL)
		return act_fail(RCV_ACTION_EBAD, why, whylen, "callback_query has no from.id");
	act_copy(out->user_id, sizeof(out->user_id), v);
	v = json_string_value(json_object_get(from, "username"));
	if (v == NULL || *v == '\0')
		v = json_string_value(json_object_get(from, "first_name"));
	act_copy(out->user_name, sizeof(out->user_name), v);
	if ((v = json_string_value(json_object_get(cq, "data"))) == NULL)
		return act_fail(RCV_ACTION_EBAD, why, whylen,
		                "callback_query has no data (not a "
		                "button of keluh's)");
	return act_value(v, strlen(v), out, why, whylen);
}

int
act_telegram(const struct receiver *r, const struct rcv_action_req *req, struct rcv_action *out,
             char *why, size_t whylen)
{
	const char *reason = NULL;
	json_error_t jerr;
	json_t *j;
	char id[32];
	int rc;

	if (!r->updates_webhook || r->webhook_secret == NULL)
		return act_fail(RCV_ACTION_ENOTSUP, why, whylen,
		                "receiver '%s' (telegram) takes its "
		                "updates by poll: set updates: webhook and webhook_secret_file to "
		                "take them here",
		                r->name ? r->name : "");
	rc = actsig_telegram(r->webhook_secret, act_header(req, "X-Telegram-Bot-Api-Secret-Token"),
	                     &reason);
	if (rc != ACTSIG_OK)
		return act_sig(rc, "Telegram secret token", reason, why, whylen);
	out->webhook = 1;
	j = json_loadb(req->body, req->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(j) || !json_is_integer(json_object_get(j, "update_id"))) {
		rc = act_fail(RCV_ACTION_EBAD, why, whylen, "not a Telegram update: %s",
		              j ? "no integer update_id" : jerr.text);
		json_decref(j);
		return rc;
	}
	snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
	         json_integer_value(json_object_get(j, "update_id")));
	rc = act_once(req, "telegram", id, out, why, whylen);
	if (rc == RCV_ACTION_OK)
		rc = act_telegram_update(j, out, why, whylen);
	out->webhook = 1;
	json_decref(j);
	return rc;
}

/* The Bot API base without its trailing slashes, as the renderer uses it. */
static int
tg_base_len(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return (int)n;
}

char *
rcv_telegram_updates_url(const struct receiver *r, int64_t offset, int timeout_s)
{
	const char *base = r->url ? r->url : "https://api.telegram.org";

	return xasprintf("%.*s/bot%s/getUpdates?offset=%" PRId64 "&limit=%d&timeout=%d"
	                 "&allowed_updates=%%5B%%22callback_query%%22%%5D",
	                 tg_base_len(base), base, r->secret ? r->secret : "", offset,
	                 RCV_TG_UPDATES_MAX, timeout_s < 0 ? 0 : timeout_s);
}

int
rcv_telegram_updates(const char *body, size_t len, struct rcv_action *acts, size_t max,
                     int64_t *next_offset, size_t *skipped, char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *j = json_loadb(body, len, 0, &jerr), *res = json_object_get(j, "result"), *u;
	size_t i, n = 0;
	int rc;

	*skipped = 0;
	if (!json_is_true(json_object_get(j, "ok")) || !json_is_array(res)) {
		act_fail(-1, why, whylen, "not a getUpdates answer (no \"ok\":true and result)%s%s",
		         j ? "" : ": ", j ? "" : jerr.text);
		json_decref(j);
		return -1;
	}
	json_array_foreach(res, i, u)
	{
		struct rcv_action a;
		json_t *id = json_object_get(u, "update_id");

		if (!json_is_integer(id)) {
			(*skipped)++;
			continue;
		}
		if (json_integer_value(id) >= *next_offset)
			*next_offset = json_integer_value(id) + 1;
		memset(&a, 0, sizeof(a));
		rc = act_telegram_update(u, &a, NULL, 0);
		if (rc != RCV_ACTION_OK || n == max)
			(*skipped)++;
		else
			acts[n++] = a;
	}
	json_decref(j);
	return (int)n;
}

int
rcv_telegram_answer(const struct receiver *r, const struct rcv_action *a, const char *text,
                    struct rcv_msg *out)
{
	const char *base = r->url ? r->url : "https://api.telegram.org";
	json_t *o;

	memset(out, 0, sizeof(*out));
	if (r->secret == NULL || *r->secret == '\0')
		return -1;
	o = json_pack("{s:s}", "callback_query_id", a->callback_id);
	if (text)
		json_object_set_new(o, "text", rcv_jstr(text, strlen(text)));
	rcv_msg_post_json(
	    out, xasprintf("%.*s/bot%s/answerCallbackQuery", tg_base_len(base), base, r->secret),
	    o);
	return 0;
}
