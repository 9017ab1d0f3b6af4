/*
 * action_discord.c: Discord interactions
 * (discord.com/developers/docs/interactions/receiving-and-responding):
 * JSON {"type": 1 PING | 3 MESSAGE_COMPONENT, "data": {"custom_id"},
 * "member": {"user": {...}} in a server or "user" in a DM}, signed with
 * Ed25519 (X-Signature-Ed25519 over X-Signature-Timestamp + body); the
 * signature is the one-time value. A PING is answered {"type":1}.
 */
#include "config.h"

#include <string.h>

#include "lib/actsig.h"
#include "receivers/action_int.h"

#define DISCORD_PING      1
#define DISCORD_COMPONENT 3

static int
discord_body(const json_t *j, struct rcv_action *out, char *why, size_t whylen)
{
	const json_t *t = json_object_get(j, "type"), *user;
	const char *v;
	char tmp[32];

	if (!json_is_integer(t))
		return act_fail(RCV_ACTION_EBAD, why, whylen, "not a Discord interaction: no type");
	if (json_integer_value(t) == DISCORD_PING)
		return RCV_ACTION_PONG;
	if (json_integer_value(t) != DISCORD_COMPONENT)
		return act_fail(RCV_ACTION_EBAD, why, whylen,
		                "interaction type %lld is not a "
		                "button press (3)",
		                (long long)json_integer_value(t));
	user = json_object_get(json_object_get(j, "member"), "user");
	if (!json_is_object(user))
		user = json_object_get(j, "user");
	if ((v = act_jid(user, "id", tmp, sizeof(tmp))) == NULL || *v == '\0')
		return act_fail(RCV_ACTION_EBAD, why, whylen,
		                "the interaction has no member.user.id "
		                "nor user.id");
	act_copy(out->user_id, sizeof(out->user_id), v);
	v = json_string_value(json_object_get(user, "global_name"));
	if (v == NULL || *v == '\0')
		v = json_string_value(json_object_get(user, "username"));
	act_copy(out->user_name, sizeof(out->user_name), v);
	v = json_string_value(json_object_get(json_object_get(j, "data"), "custom_id"));
	if (v == NULL)
		return act_fail(RCV_ACTION_EBAD, why, whylen,
		                "the interaction has no data.custom_id");
	return act_value(v, strlen(v), out, why, whylen);
}

int
act_discord(const struct receiver *r, const struct rcv_action_req *req, struct rcv_action *out,
            char *why, size_t whylen)
{
	const char *sig = act_header(req, "X-Signature-Ed25519"), *reason = NULL;
	json_error_t jerr;
	json_t *j;
	int rc;

	if (!r->has_public_key)
		return act_fail(RCV_ACTION_ENOTSUP, why, whylen,
		                "receiver '%s' (discord) has no "
		                "public_key: add it to take button presses",
		                r->name ? r->name : "");
	rc = actsig_discord(r->public_key, sig, act_header(req, "X-Signature-Timestamp"), req->body,
	                    req->len, req->now_s, &reason);
	if (rc != ACTSIG_OK)
		return act_sig(rc, "Discord signature", reason, why, whylen);
	if ((rc = act_once(req, "discord", sig, out, why, whylen)) != RCV_ACTION_OK)
		return rc;
	j = json_loadb(req->body, req->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(j))
		rc = act_fail(RCV_ACTION_EBAD, why, whylen, "the body is not a JSON object: %s",
		              j ? "another value" : jerr.text);
	else
		rc = discord_body(j, out, why, whylen);
	json_decref(j);
	return rc;
}
