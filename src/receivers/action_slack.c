/*
 * action_slack.c: Slack interactivity (api.slack.com/interactivity/handling):
 * a form body with one field, payload, holding JSON of type block_actions:
 * {"user": {"id", "username", "name"}, "actions": [{"action_id",
 * "value"}], ...}. Signed with the app's signing secret (X-Slack-Signature
 * over "v0:" + X-Slack-Request-Timestamp + ":" + body); the signature is
 * the one-time value.
 */
#include "config.h"

#include <string.h>

#include "lib/actsig.h"
#include "receivers/action_int.h"

/* The payload's block_actions into out. */
static int
slack_payload(const json_t *p, struct rcv_action *out, char *why, size_t whylen)
{
	const char *type = json_string_value(json_object_get(p, "type")), *v;
	const json_t *user = json_object_get(p, "user"), *a;

	if (type == NULL || strcmp(type, "block_actions") != 0)
		return act_fail(RCV_ACTION_EBAD, why, whylen,
		                "payload type '%.40s' is not "
		                "block_actions: only button presses are taken",
		                type ? type : "(none)");
	if (!json_is_object(user) || (v = json_string_value(json_object_get(user, "id"))) == NULL ||
	    *v == '\0')
		return act_fail(RCV_ACTION_EBAD, why, whylen, "payload has no user.id");
	act_copy(out->user_id, sizeof(out->user_id), v);
	v = json_string_value(json_object_get(user, "username"));
	if (v == NULL || *v == '\0')
		v = json_string_value(json_object_get(user, "name"));
	act_copy(out->user_name, sizeof(out->user_name), v);
	a = json_array_get(json_object_get(p, "actions"), 0);
	if (!json_is_object(a))
		return act_fail(RCV_ACTION_EBAD, why, whylen, "payload has no actions[0]");
	v = json_string_value(json_object_get(a, "value"));
	/* the "Assign to..." menu sends the chosen option */
	if (v == NULL)
		v = json_string_value(json_object_get(json_object_get(a, "selected_option"), "value"));
	if (v == NULL)
		v = json_string_value(json_object_get(a, "action_id"));
	if (v == NULL)
		return act_fail(RCV_ACTION_EBAD, why, whylen, "actions[0] has no value");
	return act_value(v, strlen(v), out, why, whylen);
}

int
act_slack(const struct receiver *r, const struct rcv_action_req *req, struct rcv_action *out,
          char *why, size_t whylen)
{
	const char *sig = act_header(req, "X-Slack-Signature"), *reason = NULL;
	json_error_t jerr;
	json_t *p;
	char *payload;
	int rc;

	if (r->signing_secret == NULL)
		return act_fail(RCV_ACTION_ENOTSUP, why, whylen,
		                "receiver '%s' (slack) has no "
		                "signing_secret_file: add it to take button presses",
		                r->name ? r->name : "");
	rc = actsig_slack(r->signing_secret, act_header(req, "X-Slack-Request-Timestamp"), sig,
	                  req->body, req->len, req->now_s, &reason);
	if (rc != ACTSIG_OK)
		return act_sig(rc, "Slack signature", reason, why, whylen);
	if ((rc = act_once(req, "slack", sig, out, why, whylen)) != RCV_ACTION_OK)
		return rc;
	payload = act_form_value(req->body, req->len, "payload");
	if (payload == NULL)
		return act_fail(RCV_ACTION_EBAD, why, whylen,
		                "not Slack's interactivity form: no "
		                "well-formed payload= field");
	p = json_loads(payload, JSON_REJECT_DUPLICATES, &jerr);
	free(payload);
	if (!json_is_object(p))
		rc = act_fail(RCV_ACTION_EBAD, why, whylen, "payload is not a JSON object: %s",
		              p ? "another value" : jerr.text);
	else
		rc = slack_payload(p, out, why, whylen);
	json_decref(p);
	return rc;
}
