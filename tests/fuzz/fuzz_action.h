/*
 * fuzz_action.h: what the action parsers' harnesses (fuzz_action_*.c)
 * share: a request whose signature is right (so the input reaches the
 * body's parser), and the invariants of every result.
 */
#ifndef KELUH_FUZZ_ACTION_H
#define KELUH_FUZZ_ACTION_H

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "lib/actsig.h"
#include "lib/sign.h"
#include "lib/util.h"
#include "receivers/action.h"

#define FA_NOW 1796000000LL

static const unsigned char fa_link_key[ACTSIG_LINK_KEYBYTES] = "fuzz-link-key-0123456789abcdef!";

struct fa_headers {
	const char *name[2];
	char value[2][160];
};

static inline const char *
fa_get(void *arg, const char *name)
{
	struct fa_headers *h = arg;

	for (int i = 0; i < 2; i++)
		if (h->name[i] && strcasecmp(h->name[i], name) == 0)
			return h->value[i];
	return NULL;
}

static inline void
fa_init(void)
{
	static int ready;

	if (!ready && sign_init() < 0)
		fuzz_fail("sign_init failed");
	ready = 1;
}

/* A string member of out: NUL-terminated within its array, valid UTF-8, no control character. */
static inline void
fa_text(const char *s, size_t size, const char *what)
{
	size_t n = strnlen(s, size);

	fuzz_assert(n < size, "%s is not terminated", what);
	fuzz_assert(utf8_valid_prefix(s, n) == n, "%s is not UTF-8", what);
	for (size_t i = 0; i < n; i++)
		fuzz_assert((unsigned char)s[i] >= 0x20 && s[i] != 0x7f, "%s has a control char",
		            what);
}

/* What every result must be: a known code; a whole action when OK; an answer that is JSON. */
static inline void
fa_check(int rc, const struct rcv_action *a, const char *why)
{
	struct buf b;
	const char *ct;

	fuzz_assert(rc >= RCV_ACTION_ENOTSUP && rc <= RCV_ACTION_IGNORE, "code %d", rc);
	fuzz_assert(rc == RCV_ACTION_OK || rc == RCV_ACTION_PONG || *why,
	            "refused (%d) without a "
	            "reason",
	            rc);
	if (rc == RCV_ACTION_OK) {
		fuzz_assert(a->case_id >= 1 && a->case_id <= RCV_CASE_ID_MAX, "case id %lld",
		            (long long)a->case_id);
		fuzz_assert((unsigned)a->action < RCV_ACT__N, "action %d", a->action);
		fa_text(a->user_id, sizeof(a->user_id), "user_id");
		fa_text(a->user_name, sizeof(a->user_name), "user_name");
		fa_text(a->arg, sizeof(a->arg), "arg");
	}
	buf_init(&b);
	rcv_action_answer(a, rc, why, &b, &ct);
	if (ct) {
		json_error_t e;
		json_t *j = json_loadb(b.data, b.len, 0, &e);

		fuzz_assert(json_is_object(j), "the answer is not JSON: %.*s", (int)b.len, b.data);
		json_decref(j);
	}
	buf_free(&b);
}

/* The body as a NUL-terminated copy. */
static inline char *
fa_copy(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
