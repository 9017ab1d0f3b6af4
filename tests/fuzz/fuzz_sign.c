/*
 * fuzz_sign: webhook signatures (sign_key_parse, sign_verify) and token
 * comparison.
 *
 * The input is lines: a key ("whsec_...", "whsk_...", "whpk_..."), a
 * webhook-id, a timestamp, a webhook-signature header, then the body.
 * Whatever they hold must not crash. A key that can sign must verify its
 * own signature of that id and body, and no longer once the body changes;
 * sign_token_equal must agree with strcmp.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "lib/sign.h"
#include "lib/util.h"

/* The next line of [*p, end) as a string (up to a NUL in it). */
static char *
field(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = xstrndup(*p, n);

	*p += nl ? n + 1 : n;
	return s;
}

static void
round_trip(const struct sign_key *k, const char *id, const char *body, size_t len)
{
	const int64_t now = 1700000000;
	char hdr[256], err[256], ts[24];
	char *copy;

	if (sign_header(k, id, now, body, len, hdr, sizeof(hdr)) < 0) {
		fuzz_assert(*id == '\0' || strchr(id, '.') != NULL, "cannot sign for id '%s'", id);
		return;
	}
	snprintf(ts, sizeof(ts), "%" PRId64, now);
	fuzz_assert(sign_verify(k, 1, id, ts, hdr, body, len, now, err, sizeof(err)) == 0,
	            "a signature of its own does not verify: %s", err);
	copy = xmalloc(len + 1);
	memcpy(copy, body, len);
	copy[len] = 'x';
	fuzz_assert(sign_verify(k, 1, id, ts, hdr, copy, len + 1, now, err, sizeof(err)) < 0,
	            "a signature verifies another body");
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const char *p = (const char *)data, *end = p + size;
	char *key, *id, *ts, *sig, *body, err[256];
	struct sign_key k;
	size_t blen;

	if (!ready && sign_init() < 0)
		fuzz_fail("sign_init failed");
	ready = 1;
	key = field(&p, end);
	id = field(&p, end);
	ts = field(&p, end);
	sig = field(&p, end);
	/* the body as it is, NULs and all */
	blen = (size_t)(end - p);
	body = xmalloc(blen + 1);
	memcpy(body, p, blen);
	body[blen] = '\0';
	err[0] = '\0';
	fuzz_assert(sign_token_equal(key, id) == (strcmp(key, id) == 0), "token comparison");
	if (sign_key_parse(key, &k, err, sizeof(err)) == 0) {
		fuzz_assert(k.kind >= 1 && k.kind <= 3 && k.len <= sizeof(k.key), "key kind %d",
		            k.kind);
		(void)sign_verify(&k, 1, id, ts, sig, body, blen, 1700000000, err, sizeof(err));
		if (k.kind == 1 || k.kind == 2)
			round_trip(&k, id, body, blen);
		sign_key_wipe(&k);
	} else
		fuzz_assert(err[0] != '\0', "a key refused without a reason");
	free(key);
	free(id);
	free(ts);
	free(sig);
	free(body);
	return 0;
}
