/*
 * kinds.c: the registry of receiver kinds, and the entry points of
 * receiver.h that find a receiver's kind in it.
 *
 * How to add a receiver kind, say "zulip":
 *  1. src/receivers/receiver_zulip.c: its render (struct rcv_ctx in, a
 *     struct rcv_msg out, built with receiver_int.h's helpers), and a
 *     `const struct rcv_kind rcv_kind_zulip` that names it, lists its own
 *     keys with their types (a struct conf_key zulip_keys[], each
 *     documented in keluhd.yaml(5): tests/manual.sh checks; each type is
 *     tried by tests/unit/test_conf_receivers.c, which needs a minimal
 *     receiver of the kind), gives its parse (its keys and
 *     their checks, with conf/conf_parse.h's confp_* readers), its default
 *     rate, its transport, its judge (rcv_judge_http with the answers its
 *     platform gives, or its own) and, when it pings people, page_valid,
 *     page_hint and page_example.
 *  2. RCV_ZULIP in enum rcv_type (conf/conf_receiver.h), and its line in
 *     rcv_kinds below, in the same place; a key no kind took before also
 *     goes into rcv_all_keys.
 *  3. The file in Makefile.am, the kind in man/keluhd.yaml.5, and a golden
 *     render in tests/fixtures (tests/unit/test_receivers.c).
 * The loader, the renderer's base and the delivery scheduler need no change:
 * they reach the kind through this table only. A new way of sending (not
 * HTTP, SMTP or the console) is a new enum rcv_transport and its sender in
 * daemon/deliver.c.
 */
#include "config.h"

#include <string.h>

#include "receivers/receiver_int.h"

extern const struct rcv_kind rcv_kind_console, rcv_kind_webhook, rcv_kind_slack,
    rcv_kind_mattermost, rcv_kind_discord, rcv_kind_teams, rcv_kind_gchat, rcv_kind_telegram,
    rcv_kind_pagerduty, rcv_kind_email;

const struct rcv_kind *const rcv_kinds[RCV__N] = {
	[RCV_CONSOLE] = &rcv_kind_console,
	[RCV_WEBHOOK] = &rcv_kind_webhook,
	[RCV_SLACK] = &rcv_kind_slack,
	[RCV_MATTERMOST] = &rcv_kind_mattermost,
	[RCV_DISCORD] = &rcv_kind_discord,
	[RCV_TEAMS] = &rcv_kind_teams,
	[RCV_GCHAT] = &rcv_kind_gchat,
	[RCV_TELEGRAM] = &rcv_kind_telegram,
	[RCV_PAGERDUTY] = &rcv_kind_pagerduty,
	[RCV_EMAIL] = &rcv_kind_email,
};

/*
 * Every key of a receiver, for the loader's "unknown key" error; the
 * registry's test checks that it is exactly the keys the kinds take.
 */
const char *const rcv_all_keys[] = { "name", "type", "url", "url_file", "secret",
	"secret_file", "bot_token", "bot_token_file", "routing_key", "routing_key_file", "chat_id",
	"channel", "username", "password", "password_file", "from", "to", "max_concurrency", "rate",
	"max_age", "timeout", "samples", "mention_on_critical", "mention_at_least", "token_file",
	"api_url", "signing_secret_file", "public_key", "updates", "webhook_secret_file" };
const size_t rcv_nall_keys = sizeof(rcv_all_keys) / sizeof(rcv_all_keys[0]);

const struct rcv_kind *
receiver_kind(enum rcv_type t)
{
	return (unsigned)t < RCV__N ? rcv_kinds[t] : NULL;
}

const struct rcv_conf_kind *
rcv_conf_kind(enum rcv_type t)
{
	return (unsigned)t < RCV__N ? &rcv_kinds[t]->conf : NULL;
}

const char *
receiver_type_name(enum rcv_type t)
{
	return (unsigned)t < RCV__N ? rcv_kinds[t]->conf.name : "unknown";
}

int
receiver_type_parse(const char *s, enum rcv_type *t)
{
	for (int i = 0; i < RCV__N; i++)
		if (strcmp(s, rcv_kinds[i]->conf.name) == 0) {
			*t = (enum rcv_type)i;
			return 0;
		}
	return -1;
}

const char *
receiver_transport_name(enum rcv_transport tr)
{
	static const char *const names[RCV_TR__N] = { [RCV_TR_CONSOLE] = "console",
		[RCV_TR_HTTP] = "http", [RCV_TR_SMTP] = "smtp" };

	return (unsigned)tr < RCV_TR__N ? names[tr] : "unknown";
}

enum rcv_transport
receiver_transport(const struct receiver *r)
{
	return rcv_kinds[r->type]->transport;
}

int
receiver_render(const struct receiver *r, const json_t *alert, const char *idem_key,
    int64_t now_s, struct rcv_msg *out, char *err, size_t errlen)
{
	return receiver_render_delayed(r, alert, idem_key, now_s, 0, out, err, errlen);
}

int
receiver_render_delayed(const struct receiver *r, const json_t *alert, const char *idem_key,
    int64_t now_s, int64_t delayed_s, struct rcv_msg *out, char *err, size_t errlen)
{
	return rcv_render(r ? receiver_kind(r->type) : NULL, r, alert, idem_key, now_s, delayed_s,
	    out, err, errlen);
}

enum rcv_verdict
receiver_judge(const struct receiver *r, long status, const char *body, size_t body_len,
    const char *retry_after, int64_t *wait_ms, char *reason, size_t reasonlen)
{
	return rcv_judge(rcv_kinds[r->type], status, body, body_len, retry_after, wait_ms, reason,
	    reasonlen);
}

int
receiver_living(const struct receiver *r)
{
	const struct rcv_kind *k = r ? receiver_kind(r->type) : NULL;

	return k && k->living && k->living(r);
}

int
receiver_post_ref(const struct receiver *r, const char *body, size_t len, char *ref,
    size_t reflen)
{
	return rcv_post_ref(r ? receiver_kind(r->type) : NULL, r, body, len, ref, reflen);
}

int
receiver_render_edit(const struct receiver *r, const json_t *alert, const char *ref,
    int64_t now_s, struct rcv_msg *out, char *err, size_t errlen)
{
	return rcv_render_living(r ? receiver_kind(r->type) : NULL, r, alert, RCV_M_EDIT, ref,
	    now_s, out, err, errlen);
}

int
receiver_render_reply(const struct receiver *r, const json_t *alert, const char *ref,
    int64_t now_s, struct rcv_msg *out, char *err, size_t errlen)
{
	return rcv_render_living(r ? receiver_kind(r->type) : NULL, r, alert, RCV_M_REPLY, ref,
	    now_s, out, err, errlen);
}
