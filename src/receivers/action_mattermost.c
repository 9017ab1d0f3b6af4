/*
 * action_mattermost.c: Mattermost interactive message buttons
 * (developers.mattermost.com/integrate/plugins/interactive-messages/):
 * Mattermost POSTs JSON {"user_id", "user_name", "context": {...}} to the
 * button's integration URL. It signs nothing, so the context keluh gave
 * the button carries a token (rcv_mattermost_token) for that case and
 * action, HMAC'd with the link key: only who saw the post can have it, and
 * it is good for that one action on that one case. Mattermost does not
 * expose a button's context to users in the web app, but its API gives
 * posts' props to channel members: the token is a capability of the
 * channel, as the button is.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lib/actsig.h"
#include "receivers/action_int.h"

#define MM_PREFIX "mm."

int
rcv_mattermost_token(const unsigned char *key, int64_t case_id, enum rcv_act act, int64_t expires_s,
                     char *out, size_t outlen)
{
	char id[24], a[ACTSIG_LINK_FIELD_MAX + 1];

	if (key == NULL || (unsigned)act >= RCV_ACT__N || case_id < 1 || case_id > RCV_CASE_ID_MAX)
		return -1;
	snprintf(id, sizeof(id), "%lld", (long long)case_id);
	snprintf(a, sizeof(a), MM_PREFIX "%s", rcv_act_name(act));
	return actsig_link_make(key, id, a, expires_s, out, outlen);
}

/* The context's token checked against its case and action. */
static int
mm_token(const struct rcv_action_req *req, const json_t *ctx, struct rcv_action *out, char *why,
         size_t whylen)
{
	const char *tok = json_string_value(json_object_get(ctx, "token")), *reason = NULL, *v;
	struct actsig_link l;
	char tmp[32];
	int rc;

	if (tok == NULL)
		return act_fail(RCV_ACTION_EAUTH, why, whylen,
		                "context has no token: not a button "
		                "of keluh's");
	rc = actsig_link_parse(req->link_key, tok, req->now_s, &l, &reason);
	if (rc != ACTSIG_OK)
		return act_sig(rc, "Mattermost token", reason, why, whylen);
	if (strncmp(l.action, MM_PREFIX, strlen(MM_PREFIX)) != 0 ||
	    rcv_act_parse(l.action + 3, strlen(l.action + 3), &out->action) < 0 ||
	    act_case_id(l.case_id, strlen(l.case_id), &out->case_id) < 0)
		return act_fail(RCV_ACTION_EAUTH, why, whylen,
		                "Mattermost token: not a token of a "
		                "Mattermost button");
	v = json_string_value(json_object_get(ctx, "action"));
	if (v == NULL || strcmp(v, rcv_act_name(out->action)) != 0)
		return act_fail(RCV_ACTION_EAUTH, why, whylen,
		                "Mattermost token: made for another "
		                "action than context.action");
	v = act_jid(ctx, "case", tmp, sizeof(tmp));
	if (v == NULL || strcmp(v, l.case_id) != 0)
		return act_fail(RCV_ACTION_EAUTH, why, whylen,
		                "Mattermost token: made for another "
		                "case than context.case");
	return RCV_ACTION_OK;
}

int
act_mattermost(const struct receiver *r, const struct rcv_action_req *req, struct rcv_action *out,
               char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *j, *ctx;
	const char *v;
	int rc;

	if (req->link_key == NULL)
		return act_fail(RCV_ACTION_ENOTSUP, why, whylen,
		                "receiver '%s' (mattermost): no key "
		                "to check its buttons' tokens",
		                r->name ? r->name : "");
	j = json_loadb(req->body, req->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(j)) {
		rc = act_fail(RCV_ACTION_EBAD, why, whylen, "the body is not a JSON object: %s",
		              j ? "another value" : jerr.text);
		json_decref(j);
		return rc;
	}
	ctx = json_object_get(j, "context");
	if (!json_is_object(ctx))
		rc = act_fail(RCV_ACTION_EBAD, why, whylen, "not a Mattermost action: no context");
	else if ((v = json_string_value(json_object_get(j, "user_id"))) == NULL || *v == '\0')
		rc = act_fail(RCV_ACTION_EBAD, why, whylen, "not a Mattermost action: no user_id");
	else if ((rc = mm_token(req, ctx, out, why, whylen)) == RCV_ACTION_OK) {
		act_copy(out->user_id, sizeof(out->user_id), v);
		act_copy(out->user_name, sizeof(out->user_name),
		         json_string_value(json_object_get(j, "user_name")));
	}
	json_decref(j);
	return rc;
}
