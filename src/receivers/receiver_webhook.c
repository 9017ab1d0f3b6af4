#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/sign.h"
#include "receivers/receiver_int.h"

/*
 * The generic webhook: the canonical alert JSON as the body, with the
 * Standard Webhooks headers (protocols.md C1). webhook-id is the delivery's
 * idempotency key, so a retried delivery carries the same id and the
 * consumer can drop the duplicate.
 */
int
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
