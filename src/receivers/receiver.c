#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "receivers/receiver_int.h"

void
receiver_msg_free(struct rcv_msg *m)
{
	if (m == NULL)
		return;
	free(m->url);
	free(m->method);
	for (size_t i = 0; i < m->nheaders; i++)
		free(m->headers[i]);
	free(m->headers);
	free(m->body);
	free(m->mail_from);
	for (size_t i = 0; i < m->nrcpt; i++)
		free(m->rcpt[i]);
	free(m->rcpt);
	memset(m, 0, sizeof(*m));
}

/* One render: the ctx is filled in here, the kind's render does the rest. */
static int
rcv_render_mode(const struct rcv_kind *k, const struct receiver *r, const json_t *alert,
    enum rcv_mode mode, const char *ref, const char *idem_key, int64_t now_s,
    int64_t delayed_s, struct rcv_msg *out, char *err, size_t errlen)
{
	struct rcv_ctx c;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (r == NULL || k == NULL) {
		if (err && errlen)
			snprintf(err, errlen, "unknown receiver type");
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.mode = mode;
	c.ref = ref;
	c.now_s = now_s;
	c.err = err;
	c.errlen = errlen;
	c.samples = r->max_samples > 0 ? (size_t)r->max_samples : RCV_DEFAULT_SAMPLES;
	if (rcv_alert_load(alert, &c.a, err, errlen) < 0)
		return -1;
	if (r->display) {
		c.a.lang = r->display->lang;
		c.a.tz = r->display->tz;
	}
	c.a.now_s = now_s;
	c.a.delayed_s = delayed_s >= RCV_LATE_AFTER_S ? delayed_s : 0;
	/*
	 * Buttons where the kind draws them; elsewhere the signed links, as
	 * text. A thread reply has neither: its message has the buttons.
	 */
	c.a.links = mode != RCV_M_REPLY && !(k->buttons && k->buttons(&c));
	c.idem_key = idem_key && *idem_key ? idem_key : c.a.id ? c.a.id : "keluh";
	if (k->render(&c, out) < 0) {
		receiver_msg_free(out);
		return -1;
	}
	return 0;
}

int
rcv_render(const struct rcv_kind *k, const struct receiver *r, const json_t *alert,
    const char *idem_key, int64_t now_s, int64_t delayed_s, struct rcv_msg *out, char *err,
    size_t errlen)
{
	return rcv_render_mode(k, r, alert, RCV_M_POST, NULL, idem_key, now_s, delayed_s, out,
	    err, errlen);
}

int
rcv_render_living(const struct rcv_kind *k, const struct receiver *r, const json_t *alert,
    enum rcv_mode mode, const char *ref, int64_t now_s, struct rcv_msg *out, char *err,
    size_t errlen)
{
	const char *why = NULL;

	memset(out, 0, sizeof(*out));
	if (r == NULL || k == NULL)
		why = "unknown receiver type";
	else if (k->living == NULL || !k->living(r))
		why = "edits no messages";
	else if (mode == RCV_M_REPLY && !k->threads)
		why = "has no threads to reply in";
	else if (ref == NULL || *ref == '\0')
		why = "got no message reference";
	if (why) {
		if (err && errlen)
			snprintf(err, errlen, "receiver '%s' %s", r && r->name ? r->name : "", why);
		return -1;
	}
	return rcv_render_mode(k, r, alert, mode, ref, NULL, now_s, 0, out, err, errlen);
}

int
rcv_post_ref(const struct rcv_kind *k, const struct receiver *r, const char *body, size_t len,
    char *ref, size_t reflen)
{
	json_t *j;
	int rc = -1;

	if (ref && reflen)
		ref[0] = '\0';
	if (r == NULL || k == NULL || k->post_ref == NULL || k->living == NULL || !k->living(r) ||
	    body == NULL || ref == NULL || reflen == 0)
		return -1;
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(j))
		rc = k->post_ref(r, j, ref, reflen);
	json_decref(j);
	if (rc < 0)
		ref[0] = '\0';
	return rc;
}

/* --- judging answers ------------------------------------------------------ */

/* The platform said how long to wait; a day at most, the delivery's max age does the rest. */
#define RCV_MAX_WAIT_MS UTIL_RETRY_AFTER_MAX_MS
#define RCV_EXCERPT 100		/* characters of an error body in a reason */

static int64_t
judge_clamp_ms(double ms)
{
	if (ms <= 0)
		return 0;
	if (ms >= (double)RCV_MAX_WAIT_MS)
		return RCV_MAX_WAIT_MS;
	return (int64_t)ms + ((double)(int64_t)ms < ms);	/* round up */
}

int64_t
rcv_retry_after(const char *v)
{
	int64_t ms;

	return util_retry_after_ms(v, util_now_ms(), &ms) == 0 ? ms : 0;
}

static json_t *
judge_json(const char *body, size_t len)
{
	if (body == NULL || len == 0)
		return NULL;
	return json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
}

/* Wait asked for in the body: Discord "retry_after", Telegram parameters.retry_after. */
static int64_t
judge_body_wait(const json_t *j)
{
	const json_t *v = json_object_get(j, "retry_after");

	if (v == NULL)
		v = json_object_get(json_object_get(j, "parameters"), "retry_after");
	if (json_is_number(v))
		return judge_clamp_ms(json_number_value(v) * 1000.0);
	return 0;
}

/*
 * A short, printable excerpt of an error answer: the message field of a
 * JSON error when there is one (Discord, Telegram, PagerDuty, Google), else
 * the start of the body. It ends up in logs and the dead letters, so no
 * control characters and a bounded length.
 */
static void
judge_excerpt(const json_t *j, const char *body, size_t len, struct buf *out)
{
	struct buf raw;
	const char *s = NULL;
	const json_t *e;
	size_t n, i;
	int space = 0;

	buf_init(&raw);
	if (json_is_object(j)) {
		e = json_object_get(j, "error");
		if ((s = rcv_str(j, "description")) == NULL && (s = rcv_str(j, "message")) == NULL)
			s = json_is_string(e) ? json_string_value(e) : rcv_str(e, "message");
		if (s)
			buf_adds(&raw, s);
		e = json_object_get(j, "errors");
		if (json_is_array(e) && json_is_string(json_array_get(e, 0))) {
			if (raw.len)
				buf_adds(&raw, ": ");
			buf_adds(&raw, json_string_value(json_array_get(e, 0)));
		}
	}
	if (raw.len == 0 && body)
		buf_add(&raw, body, len < 4 * RCV_EXCERPT ? len : 4 * RCV_EXCERPT);
	/* Runs of spaces and control characters become one space; bytes that are not UTF-8 go. */
	for (i = 0; i < raw.len;) {
		unsigned char c = (unsigned char)raw.data[i];

		n = utf8_valid_prefix(raw.data + i, raw.len - i > 4 ? 4 : raw.len - i);
		if (n == 0) {
			i++;
			continue;
		}
		if (c <= ' ' || c == 0x7f) {
			space = out->len > 0;
			i++;
			continue;
		}
		if (space)
			buf_addc(out, ' ');
		space = 0;
		n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		buf_add(out, raw.data + i, n);
		i += n;
	}
	if (rcv_ulen(out->data, out->len) > RCV_EXCERPT) {
		out->len = rcv_prefix(out->data, out->len, RCV_EXCERPT - 1);
		out->data[out->len] = '\0';
		buf_adds(out, RCV_ELLIPSIS);
	}
	buf_free(&raw);
}

enum rcv_verdict
rcv_judge_say(enum rcv_verdict v, struct rcv_answer *an, const char *what, long status,
    const json_t *j, const char *note)
{
	struct buf ex;

	buf_init(&ex);
	if (note == NULL)
		judge_excerpt(j, an->body, an->len, &ex);
	if (an->reason && an->reasonlen)
		snprintf(an->reason, an->reasonlen, "%s %ld%s%s", what, status,
		    note || ex.len ? ": " : "", note ? note : ex.len ? ex.data : "");
	buf_free(&ex);
	return v;
}

/*
 * A 2xx that the platform never gives: the URL is something else (a proxy's
 * login page, another service, a test server). Retrying will not help;
 * the person reading the dead letter should check the URL.
 */
static enum rcv_verdict
judge_not_like(struct rcv_answer *an, const char *what, const char *who)
{
	struct buf ex;

	buf_init(&ex);
	judge_excerpt(NULL, an->body, an->len, &ex);
	if (an->reason && an->reasonlen)
		snprintf(an->reason, an->reasonlen, "HTTP %ld: this URL did not answer like %s; "
		    "is it a %s URL? (it answered %s%s%s)", an->status, what, who,
		    ex.len ? "\"" : "nothing", ex.len ? ex.data : "", ex.len ? "\"" : "");
	buf_free(&ex);
	return RCV_DEAD;
}

/* An answer that must be JSON (or nothing) is. */
static int
judge_json_shape(const json_t *j, const char *body, size_t len)
{
	while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' || body[len - 1] == ' '))
		len--;
	return len == 0 || json_is_object(j);
}

static int
judge_retryable(long status)
{
	/*
	 * Timeouts, too early, and server trouble. 501 and 505 say the server
	 * will never do what we ask, so those go with the other permanent ones.
	 */
	if (status == 408 || status == 425 || status == 429)
		return 1;
	return status >= 500 && status < 600 && status != 501 && status != 505;
}

static int
judge_body_is(const char *body, size_t len, const char *want)
{
	size_t n = strlen(want);

	while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' || body[len - 1] == ' '))
		len--;
	return body && len == n && memcmp(body, want, n) == 0;
}

int
rcv_body_has(const char *body, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	if (body == NULL)
		return 0;
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(body + i, needle, n) == 0)
			return 1;
	return 0;
}

/* A 2xx: delivered, unless its body is not the platform's or tells of a failure. */
static enum rcv_verdict
judge_2xx(const struct rcv_kind *k, struct rcv_answer *an)
{
	const struct rcv_answers *ka = &k->answers;

	if ((ka->ok_body && !judge_body_is(an->body, an->len, ka->ok_body)) ||
	    (ka->json_only && !judge_json_shape(an->j, an->body, an->len)))
		return judge_not_like(an, ka->what, ka->who);
	if (ka->judge_2xx)
		return ka->judge_2xx(k, an);
	return rcv_judge_say(RCV_OK, an, "HTTP", an->status, NULL, "OK");
}

enum rcv_verdict
rcv_judge_http(const struct rcv_kind *k, struct rcv_answer *an)
{
	enum rcv_verdict v;
	json_t *j = NULL;
	int64_t w;

	if (an->status == 0)
		return rcv_judge_say(RCV_RETRY, an, "HTTP", 0, NULL,
		    "no answer (connection failed or timed out)");
	if (k->answers.json)
		j = judge_json(an->body, an->len);
	an->j = j;
	if (an->status >= 200 && an->status < 300)
		v = judge_2xx(k, an);
	else if (an->status >= 300 && an->status < 400)
		v = rcv_judge_say(RCV_DEAD, an, "HTTP", an->status, NULL,
		    "redirects are not followed (update the receiver's url)");
	else if (judge_retryable(an->status)) {
		*an->wait_ms = rcv_retry_after(an->retry_after);
		w = judge_body_wait(j);
		if (w > *an->wait_ms)
			*an->wait_ms = w;
		v = rcv_judge_say(RCV_RETRY, an, "HTTP", an->status, j, NULL);
	} else if (an->status >= 400 && an->status < 600)
		v = rcv_judge_say(RCV_DEAD, an, "HTTP", an->status, j, NULL);
	else	/* 1xx as a final answer, or nonsense: not something to give up on */
		v = rcv_judge_say(RCV_RETRY, an, "HTTP", an->status, NULL, "unexpected status");
	an->j = NULL;
	json_decref(j);
	return v;
}

enum rcv_verdict
rcv_judge(const struct rcv_kind *k, long status, const char *body, size_t body_len,
    const char *retry_after, int64_t *wait_ms, char *reason, size_t reasonlen)
{
	struct rcv_answer an;
	int64_t dummy;

	if (wait_ms == NULL)
		wait_ms = &dummy;
	*wait_ms = 0;
	if (reason && reasonlen)
		reason[0] = '\0';
	if (body == NULL)
		body_len = 0;
	memset(&an, 0, sizeof(an));
	an.status = status;
	an.body = body;
	an.len = body_len;
	an.retry_after = retry_after;
	an.wait_ms = wait_ms;
	an.reason = reason;
	an.reasonlen = reasonlen;
	return k->judge(k, &an);
}

/* --- config --------------------------------------------------------------- */

void
rcv_parse_secret(struct confp *L, yaml_node_t *item, struct receiver *r)
{
	int given;

	r->secret = confp_value_or_file(L, item, "secret", "secret_file", &given);
}

int
rcv_page_id(const char *s, size_t len, int digits)
{
	if (len < 1 || len > 32)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (digits ? !(s[i] >= '0' && s[i] <= '9') :
		    !((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

int
rcv_page_name(const char *s, size_t min, size_t max, const char *chars)
{
	size_t len = strlen(s);

	return len >= min && len <= max && strspn(s, chars) == len;
}

/* --- the alert ------------------------------------------------------------ */

static const struct rcv_style rcv_styles[] = {
	[RCV_P_LOW] = { "LOW", "\xf0\x9f\x94\xb5", "#439FE0", 0x439FE0, "default", "default",
	    "info" },
	[RCV_P_NORMAL] = { "NORMAL", "\xf0\x9f\x9f\xa1", "#ECB22E", 0xECB22E, "emphasis",
	    "accent", "warning" },
	[RCV_P_HIGH] = { "HIGH", "\xf0\x9f\x9f\xa0", "#F2711C", 0xF2711C, "warning", "warning",
	    "error" },
	[RCV_P_CRITICAL] = { "CRITICAL", "\xf0\x9f\x94\xb4", "#E01E5A", 0xE01E5A, "attention",
	    "attention", "critical" },
};

const struct rcv_style *
rcv_style(enum rcv_prio p)
{
	return &rcv_styles[p <= RCV_P_CRITICAL ? p : RCV_P_NORMAL];
}

const char *
rcv_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long
rcv_int(const json_t *o, const char *key, long long dflt)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	return dflt;
}

size_t
rcv_nlisted(const struct rcv_alert *a)
{
	return json_array_size(a->mentions);
}

const json_t *
rcv_mention(const struct rcv_alert *a, size_t i)
{
	const json_t *m = json_array_get(a->mentions, i);

	return json_is_object(m) ? m : NULL;
}

int
rcv_alert_load(const json_t *root, struct rcv_alert *a, char *err, size_t errlen)
{
	const char *p;
	size_t listed;

	memset(a, 0, sizeof(*a));
	a->root = root;
	a->a = json_object_get(root, "alert");
	if (!json_is_object(a->a)) {
		if (err && errlen)
			snprintf(err, errlen, "the alert JSON has no \"alert\" object");
		return -1;
	}
	a->id = rcv_str(a->a, "id");
	a->group = rcv_str(a->a, "group");
	a->priority = p = rcv_str(a->a, "priority");
	a->team = rcv_str(a->a, "team");
	if (a->team && *a->team == '\0')
		a->team = NULL;
	a->first_at = rcv_str(a->a, "first_at");
	a->last_at = rcv_str(a->a, "last_at");
	if (p && strcmp(p, "critical") == 0)
		a->prio = RCV_P_CRITICAL;
	else if (p && strcmp(p, "high") == 0)
		a->prio = RCV_P_HIGH;
	else if (p && (strcmp(p, "low") == 0 || strcmp(p, "none") == 0))
		a->prio = RCV_P_LOW;
	else
		a->prio = RCV_P_NORMAL;
	a->style = rcv_style(a->prio);
	a->incident = json_is_true(json_object_get(a->a, "incident"));
	a->mentions = json_object_get(a->a, "mentions");
	if (!json_is_array(a->mentions))
		a->mentions = NULL;
	listed = rcv_nlisted(a);
	a->count = rcv_int(a->a, "count", (long long)listed);
	if (a->count < 0)
		a->count = 0;
	a->total = rcv_int(a->a, "total", a->count);
	a->suppressed = rcv_int(a->a, "suppressed", 0);
	a->nall = (size_t)a->count > listed ? (size_t)a->count : listed;
	a->case_state = "";
	a->kase = json_object_get(a->a, "case");
	if (json_is_object(a->kase) && rcv_int(a->kase, "id", 0) > 0) {
		a->case_id = rcv_int(a->kase, "id", 0);
		p = rcv_str(a->kase, "state");
		a->case_state = p ? p : "open";
	} else
		a->kase = NULL;
	return 0;
}

int
rcv_fail(struct rcv_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* --- the request ---------------------------------------------------------- */

void
rcv_msg_header(struct rcv_msg *m, const char *fmt, ...)
{
	va_list ap;

	m->headers = xreallocarray(m->headers, m->nheaders + 1, sizeof(*m->headers));
	va_start(ap, fmt);
	m->headers[m->nheaders++] = xvasprintf(fmt, ap);
	va_end(ap);
}

void
rcv_msg_json(struct rcv_msg *m, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (s == NULL) {
		/* Only out of memory gets here: everything added was checked UTF-8. */
		fputs("keluh: out of memory\n", stderr);
		abort();
	}
	free(m->body);
	m->body = s;
	m->body_len = strlen(s);
}

void
rcv_msg_post_json(struct rcv_msg *m, char *url, json_t *o)
{
	m->url = url;
	rcv_msg_header(m, "Content-Type: application/json");
	rcv_msg_json(m, o);
}

void
rcv_msg_text(struct rcv_msg *m, struct buf *b)
{
	free(m->body);
	if (b->data == NULL)
		buf_adds(b, "");
	m->body = b->data;
	m->body_len = b->len;
	buf_init(b);
}

json_t *
rcv_jstr(const char *s, size_t len)
{
	json_t *j;
	struct buf b;

	if (s == NULL)
		s = "";
	if ((j = json_stringn(s, len)) != NULL)
		return j;
	/* Not reached with our own text; keep the message rather than lose it. */
	buf_init(&b);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_valid_prefix(s + i, len - i);

		buf_add(&b, s + i, n);
		i += n;
		if (i < len) {
			buf_adds(&b, "\xef\xbf\xbd");
			i++;
		}
	}
	for (size_t i = 0; i < b.len; i++)
		if (b.data[i] == '\0')
			b.data[i] = ' ';
	j = json_stringn(b.data ? b.data : "", b.len);
	buf_free(&b);
	return j;
}

size_t
rcv_jlen(const json_t *o)
{
	return json_dumpb(o, NULL, 0, JSON_COMPACT);
}

static uint64_t
rcv_fnv(const char *s, uint64_t h)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

void
rcv_short_key(struct buf *b, const char *s, size_t max)
{
	if (strlen(s) <= max) {
		buf_adds(b, s);
		return;
	}
	/* Two differently seeded FNV-1a runs: 128 bits, plenty to keep groups apart. */
	buf_printf(b, "keluh-%016llx%016llx",
	    (unsigned long long)rcv_fnv(s, 1469598103934665603ULL),
	    (unsigned long long)rcv_fnv(s, 0x84222325cbf29ce4ULL));
}

/* --- text ----------------------------------------------------------------- */

/* Length of the UTF-8 sequence at p (valid input assumed by callers), and its code point. */
static size_t
rcv_cp(const unsigned char *p, size_t len, uint32_t *cp)
{
	size_t n = utf8_valid_prefix((const char *)p, len < 4 ? len : 4);

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xf0)
		n = n >= 4 ? 4 : 0;
	else if (p[0] >= 0xe0)
		n = n >= 3 ? 3 : 0;
	else
		n = n >= 2 ? 2 : 0;
	if (n == 0) {
		*cp = 0xfffd;
		return 1;
	}
	*cp = p[0] & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
	for (size_t k = 1; k < n; k++)
		*cp = (*cp << 6) | (p[k] & 0x3f);
	return n;
}

size_t
rcv_ulen(const char *s, size_t len)
{
	size_t u = 0;

	/* Every byte that starts a code point is one unit; 4-byte ones need two. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c & 0xc0) != 0x80)
			u += c >= 0xf0 ? 2 : 1;
	}
	return u;
}

size_t
rcv_prefix(const char *s, size_t len, size_t units)
{
	size_t u = 0, i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		size_t w = c >= 0xf0 ? 2 : 1;

		if (i + n > len || u + w > units)
			break;
		u += w;
		i += n;
	}
	return i;
}

size_t
rcv_text_cut(const char *s, size_t len, size_t units, int *cut)
{
	size_t n, k;

	*cut = 0;
	if (rcv_ulen(s, len) <= units)
		return len;
	*cut = 1;
	if (units == 0)
		return 0;
	n = rcv_prefix(s, len, units - 1);
	/* A cut word reads worse than a slightly shorter line. */
	for (k = n; k > 0 && n - k < 24; k--)
		if (s[k - 1] == ' ' || s[k - 1] == '\n' || s[k - 1] == '\t')
			break;
	if (k > 0 && n - k < 24 && k > n / 2)
		n = k - 1;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t'))
		n--;
	return n;
}

void
rcv_fit(struct buf *b, size_t units)
{
	int cut;
	size_t n;

	if (b->data == NULL)
		return;
	n = rcv_text_cut(b->data, b->len, units, &cut);
	if (!cut)
		return;
	b->len = n;
	b->data[n] = '\0';
	if (units > 0)
		buf_adds(b, RCV_ELLIPSIS);
}

static int
rcv_is_bidi(uint32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* The length of an http(s) URL starting at s, or 0. Only for markups that autolink. */
static size_t
rcv_url_at(const char *s, size_t len)
{
	size_t i;

	if (len >= 8 && strncasecmp(s, "https://", 8) == 0)
		i = 8;
	else if (len >= 7 && strncasecmp(s, "http://", 7) == 0)
		i = 7;
	else
		return 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"')
			break;
		i++;
	}
	return i;
}

/*
 * The length of an @handle at s[i] ("@budi_s", "@jane@mastodon.social",
 * "@channel"), or 0. Only where a mention can start: not inside a word or
 * an address. A trailing '.' is the sentence's, not the handle's.
 */
static size_t
rcv_handle_at(const char *s, size_t i, size_t len)
{
	size_t n = 1;

	if (i > 0 && ((s[i - 1] >= 'a' && s[i - 1] <= 'z') || (s[i - 1] >= 'A' &&
	    s[i - 1] <= 'Z') || (s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '_'))
		return 0;
	while (i + n < len) {
		char c = s[i + n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.' || c == '-' || c == '@' || c == ':'))
			break;
		n++;
	}
	while (n > 1 && (s[i + n - 1] == '.' || s[i + n - 1] == ':' || s[i + n - 1] == '-'))
		n--;
	return n;
}

void
rcv_esc(struct buf *b, enum rcv_markup mk, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	buf_reserve(b, len + len / 8);
	while (i < len) {
		unsigned char c = p[i];
		uint32_t cp;
		size_t n;

		if (c >= 0x80) {
			n = rcv_cp(p + i, len - i, &cp);
			if (cp >= 0x80 && cp <= 0x9f)
				buf_addc(b, ' ');
			else if (rcv_is_bidi(cp))
				;
			else if (n == 1)
				buf_adds(b, "\xef\xbf\xbd");
			else
				buf_add(b, p + i, n);
			i += n;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			buf_addc(b, ' ');
			i++;
			continue;
		}
		switch (mk) {
		case RCV_MK_SLACK:
		case RCV_MK_HTML:
			/* Slack has no entity for '"' and needs none: only HTML attributes do. */
			if (c == '&')
				buf_adds(b, "&amp;");
			else if (c == '<')
				buf_adds(b, "&lt;");
			else if (c == '>')
				buf_adds(b, "&gt;");
			else if (c == '"' && mk == RCV_MK_HTML)
				buf_adds(b, "&quot;");
			else
				buf_addc(b, (char)c);
			break;
		case RCV_MK_GTEXT:
			/* Google Chat text has no escape; '<' would start a link or <users/all>. */
			if (c == '<')
				buf_adds(b, "\xe2\x80\xb9");
			else if (c == '>')
				buf_adds(b, "\xe2\x80\xba");
			else
				buf_addc(b, (char)c);
			break;
		case RCV_MK_MD:
			/*
			 * URLs are kept as they are: the platforms autolink the raw
			 * text, and a backslash inside would end up in the link.
			 */
			if ((n = rcv_url_at(s + i, len - i)) > 0) {
				buf_add(b, s + i, n);
				i += n;
				continue;
			}
			if (strchr("\\*_~`|<>[]#", c) || (i == 0 && (c == '-' || c == '+'))) {
				buf_addc(b, '\\');
				buf_addc(b, (char)c);
			} else if (c == '@' && (n = rcv_handle_at(s, i, len)) > 1) {
				/*
				 * A handle goes in a code span, as it is: Mattermost
				 * notifies no one named inside code (Discord is kept
				 * quiet by allowed_mentions), and the text a person
				 * copies is the handle byte for byte.
				 */
				buf_addc(b, '`');
				buf_add(b, s + i, n);
				buf_addc(b, '`');
				i += n;
				continue;
			} else
				buf_addc(b, (char)c);
			break;
		default:
			buf_addc(b, (char)c);
		}
		i++;
	}
}

void
rcv_escs(struct buf *b, enum rcv_markup mk, const char *s)
{
	rcv_esc(b, mk, s, strlen(s));
}

void
rcv_esc_fit(struct buf *b, enum rcv_markup mk, const char *s, size_t len, size_t limit)
{
	size_t cap = limit, mark = b->len, keep, u, next;
	int cut;

	for (;;) {
		keep = rcv_text_cut(s, len, cap, &cut);
		rcv_esc(b, mk, s, keep);
		if (cut && cap > 0)
			buf_adds(b, RCV_ELLIPSIS);
		u = rcv_ulen(b->data + mark, b->len - mark);
		if (u <= limit || cap == 0)
			return;
		/* Escapes made it longer: cut the source in proportion and try again. */
		b->len = mark;
		b->data[mark] = '\0';
		next = (size_t)((double)cap * (double)limit / (double)u);
		cap = next < cap ? next : cap - 1;
	}
}

void
rcv_url_text(struct buf *b, enum rcv_markup mk, const char *url)
{
	rcv_esc_fit(b, mk, url, strlen(url), 300);
}

void
rcv_clean(struct buf *b, const char *s, size_t len)
{
	rcv_esc(b, RCV_MK_PLAIN, s, len);
}

static void
rcv_marks(enum rcv_markup mk, const char **open, const char **close)
{
	switch (mk) {
	case RCV_MK_SLACK:
	case RCV_MK_GTEXT:
		*open = *close = "*";
		break;
	case RCV_MK_MD:
		*open = *close = "**";
		break;
	case RCV_MK_HTML:
		*open = "<b>";
		*close = "</b>";
		break;
	default:
		*open = *close = "";
	}
}

void
rcv_bold(struct buf *b, enum rcv_markup mk, const char *s, size_t len)
{
	const char *open, *close;

	rcv_marks(mk, &open, &close);
	buf_adds(b, open);
	rcv_esc(b, mk, s, len);
	buf_adds(b, close);
}

void
rcv_bolds(struct buf *b, enum rcv_markup mk, const char *s)
{
	rcv_bold(b, mk, s, strlen(s));
}

static int
rcv_span_cmp(const void *x, const void *y)
{
	const struct rcv_span *a = x, *b = y;

	if (a->s != b->s)
		return a->s < b->s ? -1 : 1;
	return (a->e > b->e) - (a->e < b->e);
}

size_t
rcv_spans(const json_t *m, const char *text, size_t len, struct rcv_span **out)
{
	const json_t *ms = json_object_get(m, "matches"), *v;
	size_t n = 0, k = 0, i;

	*out = xreallocarray(NULL, json_array_size(ms) + 1, sizeof(**out));
	json_array_foreach(ms, i, v) {
		json_int_t s, e;

		/* {"start","end",...} since payload version 2; [start, end] before */
		const json_t *js = json_is_object(v) ? json_object_get(v, "start") :
		    json_array_get(v, 0);
		const json_t *je = json_is_object(v) ? json_object_get(v, "end") :
		    json_array_get(v, 1);

		if (!json_is_integer(js) || !json_is_integer(je))
			continue;
		s = json_integer_value(js);
		e = json_integer_value(je);
		if (s < 0 || e <= s || (size_t)s >= len)
			continue;
		if ((size_t)e > len)
			e = (json_int_t)len;
		/* Spans come from the engine in bytes; never let one split a code point. */
		while (s > 0 && ((unsigned char)text[s] & 0xc0) == 0x80)
			s--;
		while ((size_t)e < len && ((unsigned char)text[e] & 0xc0) == 0x80)
			e++;
		(*out)[n].s = (size_t)s;
		(*out)[n].e = (size_t)e;
		n++;
	}
	if (n == 0)
		return 0;
	qsort(*out, n, sizeof(**out), rcv_span_cmp);
	for (i = 1; i < n; i++) {
		if ((*out)[i].s <= (*out)[k].e) {
			if ((*out)[i].e > (*out)[k].e)
				(*out)[k].e = (*out)[i].e;
		} else
			(*out)[++k] = (*out)[i];
	}
	return k + 1;
}

static int
rcv_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Markdown: widens [*s, *e) to whole @handles, so that no '@' is left out
 * of the code span its handle goes into (rcv_esc).
 */
static void
rcv_span_handles(const char *t, size_t len, size_t *s, size_t *e)
{
	size_t k = *s, n;

	while (k > 0 && t[k - 1] != ' ' && t[k - 1] != '\n' && *s - k < 64)
		k--;
	for (; k < *e && k < len; k++) {
		if (t[k] != '@' || (n = rcv_handle_at(t, k, len)) <= 1)
			continue;
		if (k + n > *s) {
			if (k < *s)
				*s = k;
			if (k + n > *e)
				*e = k + n;
		}
		k += n - 1;
	}
}

void
rcv_emph_text(struct buf *b, enum rcv_markup mk, const json_t *m, size_t units)
{
	const json_t *t = json_object_get(m, "text");
	const char *text, *open, *close;
	struct rcv_span *sp;
	size_t len, keep, n, pos = 0;
	int cut;

	if (!json_is_string(t))
		return;
	text = json_string_value(t);
	len = json_string_length(t);
	keep = rcv_text_cut(text, len, units, &cut);
	n = rcv_spans(m, text, keep, &sp);
	rcv_marks(mk, &open, &close);
	if (mk == RCV_MK_PLAIN)
		open = close = "*";
	for (size_t i = 0; i < n; i++) {
		size_t s = sp[i].s, e = sp[i].e;

		if (mk == RCV_MK_MD)
			rcv_span_handles(text, keep, &s, &e);
		/* Delimiters next to a space do not make emphasis in mrkdwn or Markdown. */
		while (s < e && rcv_is_space(text[s]))
			s++;
		while (e > s && rcv_is_space(text[e - 1]))
			e--;
		if (s >= e || s < pos)
			continue;
		rcv_esc(b, mk, text + pos, s - pos);
		buf_adds(b, open);
		rcv_esc(b, mk, text + s, e - s);
		buf_adds(b, close);
		pos = e;
	}
	rcv_esc(b, mk, text + pos, keep - pos);
	if (cut)
		buf_adds(b, RCV_ELLIPSIS);
	free(sp);
}

const char *
rcv_url(const json_t *m)
{
	const char *u = rcv_str(m, "url");

	return u && *u ? u : NULL;
}

const char *
rcv_link(const json_t *m)
{
	const char *u = rcv_url(m);
	size_t len;

	if (u == NULL)
		return NULL;
	if (strncasecmp(u, "https://", 8) != 0 && strncasecmp(u, "http://", 7) != 0)
		return NULL;
	len = strlen(u);
	if (len > 2000)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)u[i];

		if (c <= ' ' || c >= 0x7f || strchr("<>\"'\\^`{}|()[]", c))
			return NULL;
	}
	return u;
}

/* --- wording -------------------------------------------------------------- */

const char *
rcv_label(const struct rcv_alert *a)
{
	static const enum word labels[] = { [RCV_P_LOW] = W_LOW, [RCV_P_NORMAL] = W_NORMAL,
		[RCV_P_HIGH] = W_HIGH, [RCV_P_CRITICAL] = W_CRITICAL };

	return rcv_w(a, labels[a->prio <= RCV_P_CRITICAL ? a->prio : RCV_P_NORMAL]);
}

void
rcv_headline(const struct rcv_alert *a, struct buf *b, int emoji)
{
	if (emoji) {
		buf_adds(b, a->style->emoji);
		buf_addc(b, ' ');
	}
	if (a->incident)
		buf_adds(b, rcv_w(a, W_INCIDENT_PRE));
	buf_adds(b, rcv_label(a));
	if (a->incident)
		buf_adds(b, rcv_w(a, W_INCIDENT_POST));
}

/*
 * An alert no rule matched: the model that made its first listed complaint
 * ("model" of a mention entry) and how many other models made the others,
 * "Complaint found by model brand (+1 more model)"; 0 when none did.
 */
static int
rcv_title_model(const struct rcv_alert *a, struct buf *b)
{
	const char *first = NULL;
	size_t i, n = 0;
	const json_t *m;

	json_array_foreach(a->mentions, i, m) {
		const char *name = rcv_str(m, "model");
		size_t j;
		const json_t *o;

		if (name == NULL || *name == '\0')
			continue;
		/* counted once: a name seen in an earlier entry is not another model */
		json_array_foreach(a->mentions, j, o) {
			const char *seen = rcv_str(o, "model");

			if (j == i || (seen && strcmp(seen, name) == 0))
				break;
		}
		if (j < i)
			continue;
		if (first == NULL)
			first = name;
		n++;
	}
	if (first == NULL)
		return 0;
	buf_adds(b, rcv_w(a, W_BY_MODEL));
	buf_adds(b, first);
	if (n > 1)
		buf_printf(b, " (+%zu%s)", n - 1, rcv_w(a, n > 2 ? W_MORE_MODELS : W_MORE_MODEL));
	return 1;
}

/*
 * The headline names the strongest rule (rule_info is ordered by score) and
 * says how many others matched: staff read the first few words only. With
 * no rule, the model that found the complaints.
 */
void
rcv_title(const struct rcv_alert *a, struct buf *out, size_t units)
{
	const json_t *info = json_object_get(a->a, "rule_info"), *v;
	const char *first = NULL;
	size_t i, n = 0;
	struct buf b;

	buf_init(&b);
	json_array_foreach(info, i, v) {
		const char *d = rcv_str(v, "description");

		if (d == NULL || *d == '\0')
			d = rcv_str(v, "id");
		if (d == NULL || *d == '\0')
			continue;
		if (first == NULL)
			first = d;
		n++;
	}
	if (first == NULL)
		json_array_foreach(json_object_get(a->a, "rules"), i, v) {
			if (!json_is_string(v) || json_string_length(v) == 0)
				continue;
			if (first == NULL)
				first = json_string_value(v);
			n++;
		}
	if (first == NULL && rcv_title_model(a, &b))
		n = 0;
	else
		buf_adds(&b, first ? first : rcv_w(a, W_COMPLAINTS));
	if (n > 1)
		buf_printf(&b, " (+%zu%s)", n - 1, rcv_w(a, n > 2 ? W_MORE_RULES : W_MORE_RULE));
	rcv_fit(&b, units);
	buf_add(out, b.data, b.len);
	buf_free(&b);
}

void
rcv_time_local(const struct rcv_alert *a, int64_t t, int64_t day_of, struct buf *b)
{
	struct tm tm, td;
	const char *abbr, *dabbr;

	tz_local(a->tz, t, &tm, &abbr);
	tz_local(a->tz, day_of, &td, &dabbr);
	/* An hour alone would be ambiguous on another day. */
	if (td.tm_yday != tm.tm_yday || td.tm_year != tm.tm_year)
		buf_printf(b, "%d %s ", tm.tm_mday, rcv_w(a, (enum word)(W_JAN + tm.tm_mon)));
	buf_printf(b, "%02d:%02d %s", tm.tm_hour, tm.tm_min, abbr);
}

void
rcv_counts(const struct rcv_alert *a, struct buf *b)
{
	int64_t t, last;

	if (a->total > a->count) {
		buf_printf(b, "%lld%s, %lld", a->count, rcv_w(a, W_NEW), a->total);
		if (a->first_at && util_rfc3339_parse(a->first_at, &t) == 0) {
			buf_adds(b, rcv_w(a, W_SINCE));
			if (!a->last_at || util_rfc3339_parse(a->last_at, &last) < 0)
				last = t;
			rcv_time_local(a, t, last, b);
		} else
			buf_adds(b, rcv_w(a, W_IN_ALL));
	} else
		buf_printf(b, "%lld%s", a->count, rcv_w(a, a->count == 1 ? W_MENTION : W_MENTIONS));
	if (a->suppressed > 0)
		buf_printf(b, ", %lld%s", a->suppressed, rcv_w(a, W_MUTED));
}

void
rcv_more(const struct rcv_alert *a, struct buf *b, size_t n)
{
	buf_printf(b, "+%zu%s", n, rcv_w(a, n == 1 ? W_MORE_MENTION : W_MORE_MENTIONS));
}

void
rcv_team(const struct rcv_alert *a, struct buf *b)
{
	if (a->team == NULL)
		return;
	buf_adds(b, rcv_w(a, W_TEAM));
	buf_addc(b, ' ');
	rcv_esc_fit(b, RCV_MK_PLAIN, a->team, strlen(a->team), 100);
}

void
rcv_idline(const struct rcv_alert *a, struct buf *b)
{
	if (a->id == NULL || *a->id == '\0')
		return;
	buf_adds(b, rcv_w(a, W_ALERT));
	buf_addc(b, ' ');
	rcv_esc_fit(b, RCV_MK_PLAIN, a->id, strlen(a->id), 100);
	if (a->group && *a->group) {
		buf_printf(b, " \xc2\xb7 %s ", rcv_w(a, W_GROUP));
		rcv_esc_fit(b, RCV_MK_PLAIN, a->group, strlen(a->group), 200);
	}
}

void
rcv_duration(const struct rcv_alert *a, struct buf *b, int64_t secs)
{
	int64_t m = secs / 60, h = m / 60, d = h / 24;

	if (m < 60)
		buf_printf(b, "%lld%s", (long long)m, rcv_w(a, W_MIN));
	else if (h < 24) {
		buf_printf(b, "%lld%s", (long long)h, rcv_w(a, W_HOURS));
		if (m % 60)
			buf_printf(b, " %lld%s", (long long)(m % 60), rcv_w(a, W_MIN));
	} else {
		buf_printf(b, "%lld%s", (long long)d, rcv_w(a, W_DAYS));
		if (h % 24)
			buf_printf(b, " %lld%s", (long long)(h % 24), rcv_w(a, W_HOURS));
	}
}

void
rcv_late(const struct rcv_alert *a, struct buf *b)
{
	if (a->delayed_s <= 0)
		return;
	buf_adds(b, rcv_w(a, W_DELAYED_PRE));
	rcv_duration(a, b, a->delayed_s);
	buf_adds(b, rcv_w(a, W_DELAYED_POST));
}

void
rcv_ref_lines(const struct rcv_alert *a, struct buf *b, enum rcv_markup mk, const char *nl)
{
	struct buf t;

	buf_init(&t);
	rcv_case_lines(a, b, mk, nl);
	rcv_idline(a, &t);
	if (t.len) {
		buf_adds(b, nl);
		rcv_esc(b, mk, t.data, t.len);
	}
	buf_reset(&t);
	rcv_late(a, &t);
	if (t.len) {
		buf_adds(b, nl);
		rcv_esc(b, mk, t.data, t.len);
	}
	buf_free(&t);
}

void
rcv_title_counts(const struct rcv_alert *a, struct buf *b, size_t units)
{
	rcv_title(a, b, units);
	buf_adds(b, " (");
	if (a->team) {
		rcv_team(a, b);
		buf_adds(b, ", ");
	}
	rcv_counts(a, b);
	buf_adds(b, ")");
}

void
rcv_summary(const struct rcv_alert *a, struct buf *b, enum rcv_markup mk)
{
	struct buf t;

	buf_init(&t);
	if (a->team) {
		buf_adds(b, rcv_w(a, W_TEAM));
		buf_addc(b, ' ');
		rcv_esc_fit(&t, RCV_MK_PLAIN, a->team, strlen(a->team), 100);
		rcv_bold(b, mk, t.data, t.len);
		buf_adds(b, " \xc2\xb7 ");
	}
	buf_reset(&t);
	rcv_counts(a, &t);
	rcv_esc(b, mk, t.data, t.len);
	rcv_ref_lines(a, b, mk, "\n");
	buf_free(&t);
}

void
rcv_posted(const struct rcv_alert *a, const json_t *m, struct buf *b)
{
	int64_t t, age;

	if (util_rfc3339_parse(rcv_str(m, "created_at"), &t) < 0)
		return;
	buf_adds(b, rcv_w(a, W_POSTED));
	buf_addc(b, ' ');
	rcv_time_local(a, t, a->now_s, b);
	buf_adds(b, ", ");
	age = a->now_s - t;
	/* A post "from the future" is clock skew between the source and us. */
	if (age < 60) {
		buf_adds(b, rcv_w(a, W_JUST_NOW));
		return;
	}
	buf_adds(b, rcv_w(a, W_AGO_PRE));
	rcv_duration(a, b, age);
	buf_adds(b, rcv_w(a, W_AGO_POST));
}

void
rcv_byline(const struct rcv_alert *a, const json_t *m, struct buf *b)
{
	size_t mark;

	rcv_author_rest(a, m, b);
	buf_adds(b, " \xc2\xb7 ");
	mark = b->len;
	rcv_posted(a, m, b);
	if (b->len == mark) {
		b->len = mark - 4;	/* no post time: no separator either */
		b->data[b->len] = '\0';
	}
}

const char *
rcv_handle(const struct rcv_alert *a, const json_t *m)
{
	const json_t *au = json_object_get(m, "author");
	const char *h = rcv_str(au, "handle");

	if (h && *h)
		return h;
	h = rcv_str(au, "name");
	return h && *h ? h : rcv_w(a, W_UNKNOWN_AUTHOR);
}

void
rcv_followers(struct buf *b, long long n)
{
	/* Truncated, not rounded: 99,999 must not become "100.0k". */
	if (n < 1000)
		buf_printf(b, "%lld", n);
	else if (n < 100000 && n % 1000 >= 100)
		buf_printf(b, "%lld.%lldk", n / 1000, n % 1000 / 100);
	else if (n < 1000000)
		buf_printf(b, "%lldk", n / 1000);
	else if (n < 100000000 && n % 1000000 >= 100000)
		buf_printf(b, "%lld.%lldM", n / 1000000, n % 1000000 / 100000);
	else
		buf_printf(b, "%lldM", n / 1000000);
}

void
rcv_author_rest(const struct rcv_alert *a, const json_t *m, struct buf *b)
{
	const json_t *au = json_object_get(m, "author"), *f;
	const char *h = rcv_str(au, "handle"), *name = rcv_str(au, "name");
	const char *src = rcv_str(m, "source");

	if (h && *h && name && *name) {
		const char *hh = *h == '@' ? h + 1 : h;

		if (strcasecmp(hh, name) != 0)
			buf_printf(b, " (%s)", name);
	}
	if (src && *src)
		buf_printf(b, " \xc2\xb7 %s", src);
	f = json_object_get(au, "followers");
	if (json_is_integer(f) && json_integer_value(f) >= 0) {
		buf_adds(b, " \xc2\xb7 ");
		rcv_followers(b, json_integer_value(f));
		buf_adds(b, rcv_w(a, json_integer_value(f) == 1 ? W_FOLLOWER : W_FOLLOWERS));
	}
	if (json_is_true(json_object_get(au, "verified")))
		buf_printf(b, " \xc2\xb7 %s", rcv_w(a, W_VERIFIED));
	if (json_is_true(json_object_get(m, "reply")))
		buf_printf(b, " \xc2\xb7 %s", rcv_w(a, W_REPLY));
	if (json_is_true(json_object_get(m, "reblog")))
		buf_printf(b, " \xc2\xb7 %s", rcv_w(a, W_REPOST));
}

/* --- the sample loop ------------------------------------------------------ */

size_t
rcv_fill(const struct rcv_alert *a, const struct rcv_fill *f)
{
	size_t used = 0, kept = 0, listed = rcv_nlisted(a);

	for (size_t i = 0; i < listed && kept < f->max_pieces; i++) {
		const json_t *m = rcv_mention(a, i);
		size_t room = f->budget - used, cap = f->cap, cost;

		if (m == NULL)
			continue;
		if (room > f->piece_max)
			room = f->piece_max;
		cost = f->render(f->arg, m, cap);
		while (cost > room) {
			size_t next;

			if (cap <= f->min_cap)
				return kept;
			/* Shrink in proportion, and a little more: markup does not shrink. */
			next = (size_t)((double)cap * (double)room / (double)cost * 0.9);
			if (next >= cap)
				next = cap - 1;
			if (next < f->min_cap)
				next = f->min_cap;
			cap = next;
			cost = f->render(f->arg, m, cap);
		}
		f->keep(f->arg);
		used += cost;
		kept++;
	}
	return kept;
}

int
rcv_pages(const struct rcv_ctx *c)
{
	return c->r->npage > 0 && (int)c->a.prio >= c->r->page_min;
}

size_t
rcv_page_units(const struct rcv_ctx *c)
{
	size_t n = 0;

	if (!rcv_pages(c))
		return 0;
	for (size_t i = 0; i < c->r->npage; i++)
		n += rcv_ulen(c->r->page[i], strlen(c->r->page[i])) + 1;
	return n;
}

void
rcv_page(const struct rcv_ctx *c, json_t *o, const char *key, int nl)
{
	const char *was = rcv_str(o, key);
	struct buf b;

	if (!rcv_pages(c))
		return;
	buf_init(&b);
	for (size_t i = 0; i < c->r->npage; i++) {
		if (i)
			buf_addc(&b, ' ');
		buf_adds(&b, c->r->page[i]);
	}
	buf_addc(&b, nl ? '\n' : ' ');
	if (was)
		buf_adds(&b, was);
	json_object_set_new(o, key, rcv_jstr(b.data, b.len));
	buf_free(&b);
}

/* --- cases ---------------------------------------------------------------- */

/*
 * A case as every kind shows it: one line of state, the buttons' actions
 * and labels, the signed links where a kind has no buttons, and the
 * message references of living messages.
 */

/* Times in the case are RFC 3339 ("acked_at"); -1 when absent or bad. */
static int64_t
case_time(const struct rcv_alert *a, const char *key)
{
	const char *s = rcv_str(a->kase, key);
	int64_t t;

	return s && util_rfc3339_parse(s, &t) == 0 ? t : -1;
}

/* " · " then word, who (cut to 100) and " 09:52 UTC" when the time is there. */
static void
case_who(const struct rcv_alert *a, struct buf *b, enum word w, const char *who, int64_t at)
{
	buf_adds(b, " \xc2\xb7 ");
	buf_adds(b, rcv_w(a, w));
	rcv_esc_fit(b, RCV_MK_PLAIN, who, strlen(who), 100);
	if (at >= 0) {
		buf_addc(b, ' ');
		rcv_time_local(a, at, a->now_s, b);
	}
}

void
rcv_case_line(const struct rcv_alert *a, struct buf *b)
{
	const char *acked = rcv_str(a->kase, "acked_by"), *who = rcv_str(a->kase, "assignee");
	const char *res = rcv_str(a->kase, "resolved_by"), *note = rcv_str(a->kase, "note");
	int64_t opened = case_time(a, "opened_at"), at = case_time(a, "acked_at");

	if (a->kase == NULL)
		return;
	buf_printf(b, "%s #%lld", rcv_w(a, W_CASE), a->case_id);
	if (strcmp(a->case_state, "open") == 0 || strcmp(a->case_state, "acknowledged") == 0) {
		if (acked == NULL)
			buf_printf(b, " \xc2\xb7 %s", rcv_w(a, json_integer_value(json_object_get(
			    a->kase, "reopened")) > 0 ? W_C_REOPENED : W_C_OPEN));
	}
	if (acked) {
		case_who(a, b, W_C_ACKED_BY, acked, at);
		if (at >= 0 && opened >= 0 && at >= opened) {
			buf_adds(b, ", ");
			buf_adds(b, rcv_w(a, W_C_AFTER_PRE));
			rcv_duration(a, b, at - opened);
			buf_adds(b, rcv_w(a, W_C_AFTER_POST));
		}
	}
	if (who)
		case_who(a, b, W_C_ASSIGNED_TO, who, -1);
	if (strcmp(a->case_state, "resolved") == 0)
		case_who(a, b, W_C_RESOLVED_BY, res ? res : "?", case_time(a, "resolved_at"));
	else if (strcmp(a->case_state, "not_complaint") == 0)
		case_who(a, b, W_C_NOT_COMPLAINT_BY, res ? res : "?", -1);
	if (note && *note) {
		buf_printf(b, " \xc2\xb7 %s", rcv_w(a, W_C_NOTE));
		rcv_esc_fit(b, RCV_MK_PLAIN, note, strlen(note), 300);
	}
	if (json_is_true(json_object_get(a->kase, "overdue")))
		buf_printf(b, " \xc2\xb7 %s", rcv_w(a, W_C_OVERDUE));
}

void
rcv_case_lines(const struct rcv_alert *a, struct buf *b, enum rcv_markup mk, const char *nl)
{
	const json_t *acts = json_object_get(a->kase, "actions"), *e;
	struct buf t;
	size_t i;

	if (a->kase == NULL)
		return;
	buf_init(&t);
	rcv_case_line(a, &t);
	buf_adds(b, nl);
	rcv_esc(b, mk, t.data, t.len);
	json_array_foreach(acts, i, e) {
		const char *act = rcv_str(e, "action"), *url = rcv_str(e, "url");

		if (!a->links || act == NULL || url == NULL || i >= 2 * RCV_MAX_ACTIONS)
			continue;
		buf_reset(&t);
		buf_adds(&t, rcv_action_label(a, act));
		buf_adds(&t, ": ");
		buf_adds(b, nl);
		rcv_esc(b, mk, t.data, t.len);
		rcv_url_text(b, mk, url);
	}
	buf_free(&t);
}

static const struct {
	const char *name;
	enum word label;
} case_acts[] = {
	{ "ack", W_A_ACK },
	{ "assign", W_A_ASSIGN },
	{ "resolve", W_A_RESOLVE },
	{ "not_complaint", W_A_NOT_COMPLAINT },
	{ "mute_author", W_A_MUTE_AUTHOR },
	{ "silence", W_A_SILENCE },
	{ "reopen", W_A_REOPEN },
};

size_t
rcv_case_actions(const struct rcv_alert *a, const char *out[RCV_MAX_ACTIONS])
{
	size_t n = 0;

	if (a->kase == NULL)
		return 0;
	if (strcmp(a->case_state, "resolved") == 0 || strcmp(a->case_state, "not_complaint") == 0) {
		out[0] = "reopen";
		return 1;
	}
	for (size_t i = 0; i < RCV_MAX_ACTIONS; i++) {
		if (i == 0 && strcmp(a->case_state, "acknowledged") == 0)
			continue;
		out[n++] = case_acts[i].name;
	}
	return n;
}

const char *
rcv_action_label(const struct rcv_alert *a, const char *action)
{
	for (size_t i = 0; i < sizeof(case_acts) / sizeof(case_acts[0]); i++)
		if (strcmp(action, case_acts[i].name) == 0)
			return rcv_w(a, case_acts[i].label);
	return action;
}

void
rcv_action_value(const struct rcv_alert *a, const char *action, struct buf *b)
{
	buf_printf(b, "%s:%lld", action, a->case_id);
}

int
rcv_ref_is(const char *ref, const char *chars)
{
	return ref && *ref && strspn(ref, chars) == strlen(ref);
}

int
rcv_ref_split(struct rcv_ctx *c, int first, struct buf *left, struct buf *right)
{
	const char *ref = c->ref, *sep = first ? strchr(ref, ':') : strrchr(ref, ':');

	for (const char *p = ref; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("/?#%\"\\", *p))
			sep = NULL;
	if (sep == NULL || sep == ref || sep[1] == '\0')
		return rcv_fail(c, "receiver '%s': '%.40s' is not a message reference",
		    rcv_rname(c), ref);
	buf_add(left, ref, (size_t)(sep - ref));
	buf_adds(right, sep + 1);
	return 0;
}

int
rcv_bearer(struct rcv_ctx *c, struct rcv_msg *m, const char *token)
{
	if (token == NULL || *token == '\0')
		return rcv_fail(c, "receiver '%s' has no token", rcv_rname(c));
	for (const char *p = token; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return rcv_fail(c, "receiver '%s': the token has characters that cannot "
			    "be part of a header", rcv_rname(c));
	rcv_msg_header(m, "Authorization: Bearer %s", token);
	return 0;
}
