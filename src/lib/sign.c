#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/sign.h"
#include "lib/util.h"

/*
 * A header is a list the sender controls; bounding the entries we try keeps
 * a hostile header from costing us thousands of Ed25519 verifications.
 */
#define SIGN_MAX_ENTRIES 32

int
sign_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

static void
sign_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

/* Decodes standard base64, with or without the padding some tools drop. */
static int
sign_b64dec(unsigned char *bin, size_t max, const char *s, size_t len, size_t *binlen)
{
	if (sodium_base642bin(bin, max, s, len, NULL, binlen, NULL,
		sodium_base64_VARIANT_ORIGINAL) == 0)
		return 0;
	return sodium_base642bin(bin, max, s, len, NULL, binlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

int
sign_key_parse(const char *text, struct sign_key *k, char *err, size_t errlen)
{
	/* One byte more than any valid key, so an oversized one is seen as such. */
	unsigned char bin[sizeof(k->key) + 1];
	size_t len, binlen = 0;
	const char *b64;
	int kind;

	memset(k, 0, sizeof(*k));
	if (text == NULL || *text == '\0') {
		sign_err(err, errlen, "empty key");
		return -1;
	}
	if (strncmp(text, "whsec_", 6) == 0) {
		kind = 1;
		b64 = text + 6;
	} else if (strncmp(text, "whsk_", 5) == 0) {
		kind = 2;
		b64 = text + 5;
	} else if (strncmp(text, "whpk_", 5) == 0) {
		kind = 3;
		b64 = text + 5;
	} else {
		sign_err(err, errlen, "unknown key type: it must start with whsec_ (HMAC), "
		    "whsk_ (Ed25519 secret) or whpk_ (Ed25519 public)");
		return -1;
	}
	/* Key files usually end with a newline; it is not part of the key. */
	len = strlen(b64);
	while (len > 0 && (b64[len - 1] == '\n' || b64[len - 1] == '\r' || b64[len - 1] == ' ' ||
	    b64[len - 1] == '\t'))
		len--;
	if (len == 0) {
		sign_err(err, errlen, "the key has a prefix but nothing after it");
		return -1;
	}
	if (len > 4 * ((sizeof(bin) + 2) / 3) + 4 ||
	    sign_b64dec(bin, sizeof(bin), b64, len, &binlen) != 0) {
		if (len > 4 * ((sizeof(bin) + 2) / 3) + 4)
			sign_err(err, errlen, "the key is too long");
		else
			sign_err(err, errlen, "the key is not valid base64 after its prefix");
		sodium_memzero(bin, sizeof(bin));
		return -1;
	}
	switch (kind) {
	case 1:
		if (binlen < 24 || binlen > 64) {
			if (err && errlen)
				snprintf(err, errlen, "a whsec_ key must decode to 24 to 64 bytes, "
				    "not %zu", binlen);
			goto fail;
		}
		memcpy(k->key, bin, binlen);
		k->len = binlen;
		break;
	case 2:
		if (binlen == crypto_sign_SEEDBYTES) {
			unsigned char pk[crypto_sign_PUBLICKEYBYTES];

			crypto_sign_seed_keypair(pk, k->key, bin);
		} else if (binlen == crypto_sign_SECRETKEYBYTES) {
			/*
			 * A 64-byte key is seed || public key. A wrong public half
			 * would make signatures no one can verify, so check it.
			 */
			unsigned char pk[crypto_sign_PUBLICKEYBYTES];
			unsigned char sk[crypto_sign_SECRETKEYBYTES];

			crypto_sign_seed_keypair(pk, sk, bin);
			if (sodium_memcmp(pk, bin + crypto_sign_SEEDBYTES, sizeof(pk)) != 0) {
				sodium_memzero(sk, sizeof(sk));
				sign_err(err, errlen, "the whsk_ key's public half does not "
				    "match its seed");
				goto fail;
			}
			memcpy(k->key, sk, sizeof(sk));
			sodium_memzero(sk, sizeof(sk));
		} else {
			if (err && errlen)
				snprintf(err, errlen, "a whsk_ key must decode to 32 bytes (seed) "
				    "or 64 bytes (secret key), not %zu", binlen);
			goto fail;
		}
		k->len = crypto_sign_SECRETKEYBYTES;
		break;
	default:
		if (binlen != crypto_sign_PUBLICKEYBYTES) {
			if (err && errlen)
				snprintf(err, errlen, "a whpk_ key must decode to 32 bytes, "
				    "not %zu", binlen);
			goto fail;
		}
		memcpy(k->key, bin, binlen);
		k->len = binlen;
		break;
	}
	k->kind = kind;
	sodium_memzero(bin, sizeof(bin));
	return 0;
fail:
	sodium_memzero(bin, sizeof(bin));
	sodium_memzero(k, sizeof(*k));
	return -1;
}

void
sign_key_wipe(struct sign_key *k)
{
	if (k)
		sodium_memzero(k, sizeof(*k));
}

/* "<id>.<ts>.<body>" in one buffer: Ed25519 in libsodium 1.0.18 cannot stream. */
static unsigned char *
sign_content(const char *id, const char *ts, const char *body, size_t len, size_t *outlen)
{
	size_t idlen = strlen(id), tslen = strlen(ts);
	unsigned char *m = xmalloc(idlen + tslen + len + 2);

	memcpy(m, id, idlen);
	m[idlen] = '.';
	memcpy(m + idlen + 1, ts, tslen);
	m[idlen + 1 + tslen] = '.';
	if (len)
		memcpy(m + idlen + tslen + 2, body, len);
	*outlen = idlen + tslen + len + 2;
	return m;
}

static void
sign_hmac(const struct sign_key *k, const unsigned char *m, size_t mlen,
    unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256_state st;

	/* The init/update form takes any key length; the one-shot form wants 32 bytes. */
	crypto_auth_hmacsha256_init(&st, k->key, k->len);
	crypto_auth_hmacsha256_update(&st, m, mlen);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
}

int
sign_header(const struct sign_key *k, const char *id, int64_t ts, const char *body, size_t len,
    char *out, size_t outlen)
{
	unsigned char *m, sig[crypto_sign_BYTES];
	char tsbuf[24];
	const char *ver;
	size_t mlen, siglen, need;

	if (k == NULL || (k->kind != 1 && k->kind != 2) || id == NULL || *id == '\0')
		return -1;
	/* The spec forbids '.' in the id: it would make the signed content ambiguous. */
	if (strchr(id, '.') != NULL)
		return -1;
	snprintf(tsbuf, sizeof(tsbuf), "%" PRId64, ts);
	if (k->kind == 1) {
		ver = "v1,";
		siglen = crypto_auth_hmacsha256_BYTES;
	} else {
		ver = "v1a,";
		siglen = crypto_sign_BYTES;
	}
	need = strlen(ver) + sodium_base64_ENCODED_LEN(siglen, sodium_base64_VARIANT_ORIGINAL);
	if (out == NULL || outlen < need)
		return -1;
	m = sign_content(id, tsbuf, body, len, &mlen);
	if (k->kind == 1)
		sign_hmac(k, m, mlen, sig);
	else if (crypto_sign_detached(sig, NULL, m, mlen, k->key) != 0) {
		free(m);
		return -1;
	}
	free(m);
	strcpy(out, ver);
	sodium_bin2base64(out + strlen(ver), outlen - strlen(ver), sig, siglen,
	    sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

int
sign_parse_ts(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return -1;
	/* canonical: "0123" would be a second signed form of the same moment */
	if (s[0] == '0' && s[1] != '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

int
sign_verify(const struct sign_key *keys, size_t nkeys, const char *id, const char *ts,
    const char *sig_header, const char *body, size_t len, int64_t now_s, char *err,
    size_t errlen)
{
	unsigned char *m, *macs, got[crypto_sign_BYTES + 1];
	unsigned char *have;
	int ok = 0, entries = 0;
	int64_t t;
	size_t mlen = 0;
	const char *p;

	if (id == NULL || *id == '\0') {
		sign_err(err, errlen, "missing webhook-id");
		return -1;
	}
	if (strchr(id, '.') != NULL) {
		sign_err(err, errlen, "webhook-id must not contain '.'");
		return -1;
	}
	if (ts == NULL || *ts == '\0') {
		sign_err(err, errlen, "missing webhook-timestamp");
		return -1;
	}
	if (sign_parse_ts(ts, &t) < 0) {
		sign_err(err, errlen, "webhook-timestamp is not Unix seconds");
		return -1;
	}
	/* Both directions: a timestamp far in the future is as replayable as an old one. */
	if (t < now_s - SIGN_TOLERANCE_S) {
		sign_err(err, errlen, "timestamp too old");
		return -1;
	}
	if (t > now_s + SIGN_TOLERANCE_S) {
		sign_err(err, errlen, "timestamp too far in the future");
		return -1;
	}
	if (sig_header == NULL || *sig_header == '\0') {
		sign_err(err, errlen, "missing webhook-signature");
		return -1;
	}
	m = sign_content(id, ts, body ? body : "", body ? len : 0, &mlen);
	/* Each HMAC key's MAC is computed once, when a v1 entry first needs it. */
	macs = xcalloc(nkeys ? nkeys : 1, crypto_auth_hmacsha256_BYTES);
	have = xcalloc(nkeys ? nkeys : 1, 1);
	for (p = sig_header; *p && !ok && entries < SIGN_MAX_ENTRIES;) {
		const char *e, *comma;
		size_t n, glen;
		int v1a;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		e = strchr(p, ' ');
		n = e ? (size_t)(e - p) : strlen(p);
		entries++;
		comma = memchr(p, ',', n);
		if (comma == NULL)
			goto next;
		if ((size_t)(comma - p) == 2 && memcmp(p, "v1", 2) == 0)
			v1a = 0;
		else if ((size_t)(comma - p) == 3 && memcmp(p, "v1a", 3) == 0)
			v1a = 1;
		else
			goto next;	/* a version we do not know: another entry may do */
		if (sodium_base642bin(got, sizeof(got), comma + 1, n - (size_t)(comma + 1 - p),
			NULL, &glen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
			goto next;
		for (size_t i = 0; i < nkeys && !ok; i++) {
			const struct sign_key *k = &keys[i];
			unsigned char *mac = macs + i * crypto_auth_hmacsha256_BYTES;

			if (!v1a && k->kind == 1 && glen == crypto_auth_hmacsha256_BYTES) {
				if (!have[i]) {
					sign_hmac(k, m, mlen, mac);
					have[i] = 1;
				}
				ok = sodium_memcmp(got, mac, crypto_auth_hmacsha256_BYTES) == 0;
			} else if (v1a && (k->kind == 2 || k->kind == 3) &&
			    glen == crypto_sign_BYTES) {
				/* A secret key's second half is its public key. */
				const unsigned char *pk = k->kind == 3 ? k->key :
				    k->key + crypto_sign_SEEDBYTES;

				ok = crypto_sign_verify_detached(got, m, mlen, pk) == 0;
			}
		}
	next:
		p += n;
	}
	sodium_memzero(macs, (nkeys ? nkeys : 1) * crypto_auth_hmacsha256_BYTES);
	free(macs);
	free(have);
	free(m);
	if (!ok) {
		sign_err(err, errlen, "no valid signature");
		return -1;
	}
	return 0;
}

int
sign_token_equal(const char *a, const char *b)
{
	unsigned char ha[crypto_generichash_BYTES], hb[crypto_generichash_BYTES];
	int eq;

	if (a == NULL || b == NULL)
		return 0;
	/*
	 * Hashing first gives equal-length inputs to the constant-time compare,
	 * so neither the content nor the length of the secret leaks by timing.
	 */
	crypto_generichash(ha, sizeof(ha), (const unsigned char *)a, strlen(a), NULL, 0);
	crypto_generichash(hb, sizeof(hb), (const unsigned char *)b, strlen(b), NULL, 0);
	eq = sodium_memcmp(ha, hb, sizeof(ha)) == 0;
	sodium_memzero(ha, sizeof(ha));
	sodium_memzero(hb, sizeof(hb));
	return eq;
}

/*
 * The replay cache: a webhook-id (by its BLAKE2b hash, so entries have one
 * size whatever the sender puts in the header) is remembered for twice the
 * tolerance, the longest a message carrying it can still verify: its
 * timestamp is at most SIGN_TOLERANCE_S ahead of the moment it arrived,
 * and verifies until SIGN_TOLERANCE_S after that. Entries expire in the
 * order they came, so a FIFO list holds them and a chained hash finds them.
 */
struct sign_seen {
	unsigned char h[16];
	int64_t until;
	struct sign_seen *next;		/* FIFO, oldest first */
	struct sign_seen *hnext;	/* bucket chain */
};

struct sign_replay {
	size_t max, n, nbuckets;
	struct sign_seen **buckets;
	struct sign_seen *head, *tail;
};

struct sign_replay *
sign_replay_new(size_t max)
{
	struct sign_replay *r = xcalloc(1, sizeof(*r));

	r->max = max ? max : 1;
	for (r->nbuckets = 16; r->nbuckets < r->max; r->nbuckets *= 2)
		;
	r->buckets = xcalloc(r->nbuckets, sizeof(*r->buckets));
	return r;
}

void
sign_replay_free(struct sign_replay *r)
{
	if (r == NULL)
		return;
	while (r->head) {
		struct sign_seen *e = r->head;

		r->head = e->next;
		free(e);
	}
	free(r->buckets);
	free(r);
}

static size_t
sign_replay_bucket(const struct sign_replay *r, const unsigned char *h)
{
	uint64_t v;

	memcpy(&v, h, sizeof(v));
	return (size_t)(v & (r->nbuckets - 1));
}

/* Drops the oldest entry (the head of the FIFO). */
static void
sign_replay_pop(struct sign_replay *r)
{
	struct sign_seen *e = r->head, **pp;

	for (pp = &r->buckets[sign_replay_bucket(r, e->h)]; *pp != e; pp = &(*pp)->hnext)
		;
	*pp = e->hnext;
	r->head = e->next;
	if (r->head == NULL)
		r->tail = NULL;
	r->n--;
	free(e);
}

static void
sign_replay_hash(const char *id, unsigned char h[16])
{
	crypto_generichash(h, 16, (const unsigned char *)id, strlen(id), NULL, 0);
}

int
sign_replay_seen(struct sign_replay *r, const char *id, int64_t now_s)
{
	unsigned char h[16];

	while (r->head && r->head->until <= now_s)
		sign_replay_pop(r);
	sign_replay_hash(id, h);
	for (struct sign_seen *e = r->buckets[sign_replay_bucket(r, h)]; e; e = e->hnext)
		if (memcmp(e->h, h, sizeof(h)) == 0)
			return 1;
	return 0;
}

int
sign_replay_add(struct sign_replay *r, const char *id, int64_t now_s)
{
	struct sign_seen *e;
	size_t b;
	int full = 0;

	if (sign_replay_seen(r, id, now_s))
		return 0;
	if (r->n >= r->max) {
		sign_replay_pop(r);
		full = 1;
	}
	e = xcalloc(1, sizeof(*e));
	sign_replay_hash(id, e->h);
	e->until = now_s + 2 * SIGN_TOLERANCE_S;
	b = sign_replay_bucket(r, e->h);
	e->hnext = r->buckets[b];
	r->buckets[b] = e;
	if (r->tail)
		r->tail->next = e;
	else
		r->head = e;
	r->tail = e;
	r->n++;
	return full;
}
