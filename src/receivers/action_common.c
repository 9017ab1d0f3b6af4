/*
 * action_common.c: what the platforms' parsers and the links share: the
 * actions' names, a button's value, case ids, form bodies, and the
 * verifiers' codes as ours.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/actsig.h"
#include "receivers/action_int.h"
#include "receivers/receiver_int.h"

static const struct {
	const char *name, *label;
} acts[RCV_ACT__N] = {
    [RCV_ACT_ACK] = {"ack", "Acknowledge"},
    [RCV_ACT_ASSIGN] = {"assign", "Assign to me"},
    [RCV_ACT_RESOLVE] = {"resolve", "Resolve"},
    [RCV_ACT_REOPEN] = {"reopen", "Reopen"},
    [RCV_ACT_NOT_COMPLAINT] = {"not_complaint", "Not a complaint"},
    [RCV_ACT_MUTE_AUTHOR] = {"mute_author", "Mute this author"},
    [RCV_ACT_SILENCE] = {"silence", "Silence this group"},
};

const char *
rcv_act_name(enum rcv_act a)
{
	return (unsigned)a < RCV_ACT__N ? acts[a].name : "unknown";
}

const char *
rcv_act_label(enum rcv_act a)
{
	return (unsigned)a < RCV_ACT__N ? acts[a].label : "Unknown";
}

int
rcv_act_parse(const char *s, size_t len, enum rcv_act *a)
{
	for (int i = 0; i < RCV_ACT__N; i++)
		if (strlen(acts[i].name) == len && memcmp(acts[i].name, s, len) == 0) {
			*a = (enum rcv_act)i;
			return 0;
		}
	return -1;
}

int
act_fail(int rc, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

int
act_case_id(const char *s, size_t len, int64_t *id)
{
	int64_t v = 0;

	if (len == 0 || len > 16 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > RCV_CASE_ID_MAX)
		return -1;
	*id = v;
	return 0;
}

/* An arg: printable ASCII but ':' (it ends fields), at most RCV_ACTION_ARG_MAX bytes. */
static int
act_arg_ok(const char *s, size_t len)
{
	if (len == 0 || len > RCV_ACTION_ARG_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

int
act_value(const char *s, size_t len, struct rcv_action *out, char *why, size_t whylen)
{
	const char *c1 = memchr(s, ':', len), *c2, *end = s + len;
	size_t idlen;

	if (c1 == NULL)
		return act_fail(RCV_ACTION_EBAD, why, whylen,
		                "the button's value '%.*s' is not "
		                "<action>:<case id>",
		                (int)(len > 64 ? 64 : len), s);
	if (rcv_act_parse(s, (size_t)(c1 - s), &out->action) < 0)
		return act_fail(RCV_ACTION_EBAD, why, whylen, "unknown action '%.*s'",
		                (int)(c1 - s > 32 ? 32 : c1 - s), s);
	c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
	idlen = (size_t)((c2 ? c2 : end) - c1 - 1);
	if (act_case_id(c1 + 1, idlen, &out->case_id) < 0)
		return act_fail(RCV_ACTION_EBAD, why, whylen,
		                "bad case id '%.*s': a case id is a "
		                "number from 1",
		                (int)(idlen > 20 ? 20 : idlen), c1 + 1);
	out->arg[0] = '\0';
	if (c2) {
		if (!act_arg_ok(c2 + 1, (size_t)(end - c2 - 1)))
			return act_fail(RCV_ACTION_EBAD, why, whylen,
			                "bad argument after the case "
			                "id: 1 to %d printable characters, no space or ':'",
			                RCV_ACTION_ARG_MAX);
		memcpy(out->arg, c2 + 1, (size_t)(end - c2 - 1));
		out->arg[end - c2 - 1] = '\0';
	}
	return RCV_ACTION_OK;
}

void
act_copy(char *dst, size_t n, const char *s)
{
	struct buf b;
	size_t keep;

	buf_init(&b);
	if (s)
		rcv_clean(&b, s, strlen(s));
	keep = b.len < n - 1 ? b.len : n - 1;
	keep = utf8_valid_prefix(b.data ? b.data : "", keep);
	if (keep)
		memcpy(dst, b.data, keep);
	dst[keep] = '\0';
	buf_free(&b);
}

const char *
act_jid(const json_t *o, const char *key, char *tmp, size_t tmplen)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, tmplen, "%lld", (long long)json_integer_value(v));
		return tmp;
	}
	return NULL;
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* Percent-decodes s[0..len), '+' as a space; NULL when an escape is broken or gives a NUL. */
static char *
act_unescape(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;
	int hi, lo;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			*o++ = s[i] == '+' ? ' ' : s[i];
			continue;
		}
		hi = i + 2 < len ? hexval((unsigned char)s[i + 1]) : -1;
		lo = i + 2 < len ? hexval((unsigned char)s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi | lo) == 0) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hi * 16 + lo);
		i += 2;
	}
	*o = '\0';
	return out;
}

char *
act_form_value(const char *body, size_t len, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *f = amp ? amp : end;

		if ((size_t)(f - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=')
			return act_unescape(p + nlen + 1, (size_t)(f - p - nlen - 1));
		p = f + 1;
	}
	return NULL;
}

const char *
act_header(const struct rcv_action_req *req, const char *name)
{
	return req->header ? req->header(req->header_arg, name) : NULL;
}

int
act_sig(int rc, const char *what, const char *reason, char *why, size_t whylen)
{
	if (rc == ACTSIG_OK)
		return RCV_ACTION_OK;
	return act_fail(RCV_ACTION_EAUTH, why, whylen, "%s: %s", what,
	                reason ? reason : actsig_reason(rc));
}

int
act_once(const struct rcv_action_req *req, const char *platform, const char *value,
         struct rcv_action *out, char *why, size_t whylen)
{
	const char *reason = NULL;
	int rc;

	if (req->replay == NULL)
		return RCV_ACTION_OK;
	rc = actsig_once(req->replay, platform, value, req->now_s, &reason);
	if (rc == 1)
		out->replay_forgotten = 1;
	return rc >= 0 ? RCV_ACTION_OK : act_sig(rc, "replayed", reason, why, whylen);
}
