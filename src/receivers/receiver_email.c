#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "receivers/receiver_int.h"

/*
 * Email: an RFC 5322 message for libcurl's SMTP upload (which does the
 * dot-stuffing). The body is the plain-text alert, quoted-printable: a
 * mention can hold a line longer than SMTP's 998 octets, and QP keeps
 * every line short whatever the text, while ASCII stays readable.
 */

#define EMAIL_TEXT_UNITS 1000
#define EMAIL_SUBJECT_UNITS 150
#define EMAIL_QP_LINE 76	/* RFC 2045 6.7: encoded lines at most 76 characters */
#define EMAIL_HDR_LINE 76	/* RFC 2047 2: a line with encoded-words at most 76 */

static void
email_b64(struct buf *b, const unsigned char *p, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		buf_addc(b, t[v >> 18 & 63]);
		buf_addc(b, t[v >> 12 & 63]);
		buf_addc(b, i + 1 < n ? t[v >> 6 & 63] : '=');
		buf_addc(b, i + 2 < n ? t[v & 63] : '=');
	}
}

static int
email_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x7f || (unsigned char)s[i] < ' ')
			return 0;
	return 1;
}

/*
 * RFC 2047 encoded-words of s, whole code points each (a decoder may show
 * each word on its own), one per folded line. col is where the first one
 * starts; every line stays within 76 characters (RFC 2047 section 2).
 */
static void
email_words(struct buf *b, size_t col, const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		/* "=?UTF-8?B?" and "?=" take 12; base64 turns 3 bytes into 4. */
		size_t max = (EMAIL_HDR_LINE - col - 12) / 4 * 3, n = 0;

		while (i + n < len) {
			unsigned char c = (unsigned char)s[i + n];
			size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

			if (n + k > max)
				break;
			n += k;
		}
		if (n == 0)
			break;
		buf_adds(b, "=?UTF-8?B?");
		email_b64(b, (const unsigned char *)s + i, n);
		buf_adds(b, "?=");
		i += n;
		if (i < len) {
			buf_adds(b, "\r\n ");
			col = 1;
		}
	}
}

/* A header value: as is when it is short printable ASCII, else encoded-words. */
static void
email_header_text(struct buf *b, const char *name, const char *s, size_t len)
{
	buf_printf(b, "%s: ", name);
	if (email_ascii(s, len) && strlen(name) + 2 + len <= EMAIL_HDR_LINE)
		buf_add(b, s, len);
	else
		email_words(b, strlen(name) + 2, s, len);
	buf_adds(b, "\r\n");
}

/* The bare address of "Name <a@b>" or "a@b"; -1 when it is not one we can send to. */
static int
email_addr(const char *s, struct buf *out)
{
	const char *lt = strchr(s, '<'), *gt, *p, *e;

	for (p = s; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return -1;	/* CR or LF would let the value add headers */
	if (lt) {
		if ((gt = strchr(lt, '>')) == NULL || gt[1] != '\0')
			return -1;
		p = lt + 1;
		e = gt;
	} else {
		p = s;
		e = s + strlen(s);
		while (p < e && *p == ' ')
			p++;
		while (e > p && e[-1] == ' ')
			e--;
	}
	if (e <= p || memchr(p, '@', (size_t)(e - p)) == NULL)
		return -1;
	for (const char *q = p; q < e; q++)
		if (*q == ' ' || strchr("<>,;\"()[]\\", *q))
			return -1;
	buf_add(out, p, (size_t)(e - p));
	return 0;
}

/* A header carrying an address, its display name encoded when it is not ASCII. */
static void
email_header_addr(struct buf *b, const char *name, const char *v)
{
	const char *lt = strchr(v, '<');
	size_t n;

	if (lt == NULL || email_ascii(v, strlen(v))) {
		buf_printf(b, "%s: %s\r\n", name, v);
		return;
	}
	n = (size_t)(lt - v);
	while (n > 0 && v[n - 1] == ' ')
		n--;
	buf_printf(b, "%s: ", name);
	email_words(b, strlen(name) + 2, v, n);
	buf_printf(b, "\r\n %s\r\n", lt);
}

/* Quoted-printable with CRLF line ends; soft breaks keep each line <= 76. */
static void
email_qp(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int eol = i + 1 == len || s[i + 1] == '\n';
		char tok[4];
		size_t n;

		if (c == '\n') {
			buf_adds(b, "\r\n");
			col = 0;
			continue;
		}
		if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !eol)) {
			tok[0] = (char)c;
			n = 1;
		} else {
			/* Trailing spaces get stripped in transit; '=' is the escape itself. */
			tok[0] = '=';
			tok[1] = hex[c >> 4];
			tok[2] = hex[c & 15];
			n = 3;
		}
		/* Room for the token and, unless the line ends here, a soft break's '='. */
		if (col + n > EMAIL_QP_LINE - (eol ? 0 : 1)) {
			buf_adds(b, "=\r\n");
			col = 0;
		}
		buf_add(b, tok, n);
		col += n;
	}
}

/* An id-left that is a valid dot-atom: the key's characters where allowed, '-' elsewhere. */
static void
email_msgid_left(struct buf *b, const char *s)
{
	size_t start = b->len;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("!#$%&'*+/=?^_`{|}~-", c))
			buf_addc(b, (char)c);
		else if (c == '.' && b->len > start && b->data[b->len - 1] != '.' && s[1] != '\0')
			buf_addc(b, '.');
		else
			buf_addc(b, '-');
	}
	if (b->len == start)
		buf_adds(b, "keluh");
}

static void
email_domain(struct buf *b, const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t start = b->len;

	if (at)
		for (const char *p = at + 1; *p; p++)
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' || (*p == '.' && b->len > start))
				buf_addc(b, *p);
	if (b->len == start || b->data[b->len - 1] == '.')
		buf_adds(b, "keluh.invalid");
}

static int
rcv_render_email(struct rcv_ctx *c, struct rcv_msg *m)
{
	const struct receiver *r = c->r;
	struct buf b, t, addr;
	char date[RCV_TIMELEN];

	if (r->url == NULL || *r->url == '\0')
		return rcv_fail(c, "email receiver '%s' has no smtp:// url", rcv_rname(c));
	if (r->mail_from == NULL || *r->mail_from == '\0')
		return rcv_fail(c, "email receiver '%s' has no from address", rcv_rname(c));
	if (r->nmail_to == 0)
		return rcv_fail(c, "email receiver '%s' has no to addresses", rcv_rname(c));
	buf_init(&addr);
	if (email_addr(r->mail_from, &addr) < 0) {
		buf_free(&addr);
		return rcv_fail(c, "email: bad from address");
	}
	m->mail_from = xstrdup(addr.data);
	m->rcpt = xreallocarray(NULL, r->nmail_to, sizeof(*m->rcpt));
	for (size_t i = 0; i < r->nmail_to; i++) {
		buf_reset(&addr);
		if (email_addr(r->mail_to[i], &addr) < 0) {
			buf_free(&addr);
			return rcv_fail(c, "email: bad to address (number %zu)", i + 1);
		}
		m->rcpt[m->nrcpt++] = xstrdup(addr.data);
	}
	m->url = xstrdup(r->url);

	buf_init(&b);
	buf_init(&t);
	email_header_addr(&b, "From", r->mail_from);
	buf_adds(&b, "To: ");
	for (size_t i = 0; i < r->nmail_to; i++)
		buf_printf(&b, "%s%s", i ? ",\r\n " : "", m->rcpt[i]);
	buf_adds(&b, "\r\n");
	buf_adds(&t, "[keluh] ");
	rcv_headline(&c->a, &t, 0);
	buf_adds(&t, ": ");
	rcv_title(&c->a, &t, EMAIL_SUBJECT_UNITS);
	buf_adds(&t, " (");
	if (c->a.team) {
		rcv_team(&c->a, &t);
		buf_adds(&t, ", ");
	}
	rcv_counts(&c->a, &t);
	buf_adds(&t, ")");
	rcv_fit(&t, EMAIL_SUBJECT_UNITS + 80);
	buf_reset(&addr);
	rcv_clean(&addr, t.data, t.len);
	email_header_text(&b, "Subject", addr.data, addr.len);
	util_rfc5322(c->now_s, date, sizeof(date));
	buf_printf(&b, "Date: %s\r\n", date);
	buf_adds(&b, "Message-ID: <");
	email_msgid_left(&b, c->idem_key);
	buf_addc(&b, '@');
	email_domain(&b, m->mail_from);
	buf_adds(&b, ">\r\n");
	buf_adds(&b, "MIME-Version: 1.0\r\n");
	buf_adds(&b, "Content-Type: text/plain; charset=utf-8\r\n");
	buf_adds(&b, "Content-Transfer-Encoding: quoted-printable\r\n");
	/* RFC 3834: no vacation replies or bounces back to an alerting daemon. */
	buf_adds(&b, "Auto-Submitted: auto-generated\r\n");
	if (c->a.prio >= RCV_P_HIGH)
		buf_adds(&b, "Importance: high\r\n");
	buf_printf(&b, "X-Keluh-Priority: %s\r\n", c->a.style->label);
	buf_adds(&b, "\r\n");
	buf_reset(&t);
	rcv_plain_text(c, &t, EMAIL_TEXT_UNITS);
	email_qp(&b, t.data, t.len);
	buf_free(&t);
	buf_free(&addr);
	rcv_msg_text(m, &b);
	return 0;
}

/* password (the secret), from and to; username is read with the keys every kind shares. */
static void
email_parse(struct confp *L, yaml_node_t *item, struct receiver *r)
{
	yaml_node_t *v;
	const char *s;
	int given;

	r->secret = confp_value_or_file(L, item, "password", "password_file", &given);
	if (confp_string(L, item, "from", &s) == 0 && s)
		r->mail_from = xstrdup(s);
	else
		yerror(L->d, L->yf, item, "receiver '%s' (email) needs from", r->name);
	if ((v = ymap_get(L->yf, item, "to")) != NULL)
		confp_strings(L, v, "to", &r->mail_to, &r->nmail_to);
	else
		yerror(L->d, L->yf, item, "receiver '%s' (email) needs to", r->name);
}

/* An SMTP answer: 4xx is temporary by definition, 5xx final. */
static enum rcv_verdict
email_judge(const struct rcv_kind *k, struct rcv_answer *an)
{
	if (an->status == 0)
		return rcv_judge_say(RCV_RETRY, an, "SMTP", 0, NULL,
		    "no answer (connection failed or timed out)");
	if (an->status >= 200 && an->status < 400)
		return rcv_judge_say(RCV_OK, an, "SMTP", an->status, NULL, NULL);
	if (an->status >= 500 && an->status < 600)
		return rcv_judge_say(RCV_DEAD, an, "SMTP", an->status, NULL, NULL);
	/* anything else is not a final answer either */
	return rcv_judge_say(RCV_RETRY, an, "SMTP", an->status, NULL, NULL);
}

static const struct conf_key email_keys[] = {
    {"url", CONF_STRING},
    {"url_file", CONF_SECRET_FILE},
    {"username", CONF_STRING},
    {"password", CONF_STRING},
    {"password_file", CONF_SECRET_FILE},
    {"from", CONF_STRING},
    {"to", CONF_LIST},
    {NULL, 0},
};

const struct rcv_kind rcv_kind_email = {
	.conf = {
		.name = "email",
		.keys = email_keys,
		.needs_url = 1,
		.rate_per_s = 10,
		.parse = email_parse,
	},
	.render = rcv_render_email,
	.transport = RCV_TR_SMTP,
	.judge = email_judge,
};
