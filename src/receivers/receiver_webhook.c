#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/sign.h"
#include "receivers/receiver_int.h"

/*
 * The generic webhook: the canonical alert JSON as the body, with the
 * Standard Webhooks headers (the specification at standardwebhooks.com:
 * webhook-id, webhook-timestamp, webhook-signature). webhook-id is the
 * delivery's idempotency key, so a retried delivery carries the same id
 * and the consumer can drop the duplicate.
 */
static int
rcv_render_webhook(struct rcv_ctx *c, struct rcv_msg *m)
{
	char sig[128], err[160];
	struct sign_key k;
	char *id;

	if (c->r->url == NULL || *c->r->url == '\0')
		return rcv_fail(c, "webhook receiver '%s' has no url", rcv_rname(c));
	/*
	 * The spec forbids '.' in the id (it is a separator of the signed
	 * content), and the spool's keys are "<alert>.<receiver>": map it to
	 * '_', along with anything that has no place in a header.
	 */
	id = xstrdup(c->idem_key);
	for (char *p = id; *p; p++)
		if (*p == '.' || (unsigned char)*p <= ' ' || *p == 0x7f)
			*p = '_';
	m->url = xstrdup(c->r->url);
	if ((m->body = json_dumps(c->a.root, JSON_COMPACT)) == NULL) {
		free(id);
		return rcv_fail(c, "the alert JSON cannot be serialised");
	}
	m->body_len = strlen(m->body);
	rcv_msg_header(m, "Content-Type: application/json");
	rcv_msg_header(m, "webhook-id: %s", id);
	rcv_msg_header(m, "webhook-timestamp: %lld", (long long)c->now_s);
	if (c->r->secret && *c->r->secret) {
		if (sign_key_parse(c->r->secret, &k, err, sizeof(err)) < 0) {
			free(id);
			return rcv_fail(c, "webhook secret: %s", err);
		}
		if (k.kind != 1 && k.kind != 2) {
			sign_key_wipe(&k);
			free(id);
			return rcv_fail(c, "webhook secret: a whpk_ key can only verify; sign with "
			    "whsec_ or whsk_");
		}
		if (sign_header(&k, id, c->now_s, m->body, m->body_len, sig, sizeof(sig)) < 0) {
			sign_key_wipe(&k);
			free(id);
			return rcv_fail(c, "webhook secret: cannot sign with this key");
		}
		sign_key_wipe(&k);
		rcv_msg_header(m, "webhook-signature: %s", sig);
	}
	free(id);
	return 0;
}

/* secret: a key that signs (whsec_ HMAC, whsk_ Ed25519), checked now rather than at the first alert. */
static void
webhook_parse(struct confp *L, yaml_node_t *item, struct receiver *r)
{
	yaml_node_t *at = ymap_get(L->yf, item, "secret");
	const char *secret;
	struct sign_key k;
	char why[200];

	rcv_parse_secret(L, item, r);
	if ((secret = r->secret) == NULL)
		return;
	if (at == NULL)
		at = ymap_get(L->yf, item, "secret_file");
	if (strncmp(secret, "whsec_", 6) != 0 && strncmp(secret, "whsk_", 5) != 0) {
		yerror(L->d, L->yf, at, "a webhook secret must start with whsec_ (HMAC) or whsk_ "
		    "(Ed25519)");
		return;
	}
	if (sign_key_parse(secret, &k, why, sizeof(why)) < 0)
		yerror(L->d, L->yf, at, "receiver '%s': the secret is not a valid key: %s", r->name,
		    why);
	sign_key_wipe(&k);
}

static const struct conf_key webhook_keys[] = {
    {"url", CONF_STRING},
    {"url_file", CONF_SECRET_FILE},
    {"secret", CONF_STRING},
    {"secret_file", CONF_SECRET_FILE},
    {NULL, 0},
};

const struct rcv_kind rcv_kind_webhook = {
	.conf = {
		.name = "webhook",
		.keys = webhook_keys,
		.needs_url = 1,
		.rate_per_s = 10,
		.parse = webhook_parse,
	},
	.render = rcv_render_webhook,
	.transport = RCV_TR_HTTP,
	.judge = rcv_judge_http,
	.answers = { .json = 1 },
};
