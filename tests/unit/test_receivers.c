/*
 * Renderers and receiver_judge.
 *
 * Every receiver type renders tests/fixtures/alert_basic.json (Indonesian
 * and English mentions, emoji, characters that need escaping) and the body
 * is checked against the limits each platform documents, then
 * compared byte for byte with tests/fixtures/expected/<type>.txt, so any
 * change of format shows up in review. Those golden files hold the URL,
 * the headers and the body (JSON bodies indented; the test also checks
 * that the real body is the compact form of the same JSON).
 *
 * After an intended change of format, regenerate them from the build
 * directory with
 *
 *     KELUH_UPDATE_GOLDEN=1 tests/unit/test_receivers
 *
 * and review the diff before committing it.
 *
 * Then a big alert built here (500 mentions of about 2 KB each, full of
 * multi-byte characters and markup) must render within every platform's
 * limits, as valid UTF-8 and valid JSON or markup, with cut texts ending
 * in an ellipsis and a "+N more mentions" line that adds up.
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/sign.h"
#include "lib/tz.h"
#include "lib/util.h"
#include "receivers/receiver.h"
#include "unit.h"
#include "lib/words.h"

#ifndef FIXTURES
#define FIXTURES "tests/fixtures"
#endif

#define NOW 1795342800	/* 2026-11-22T10:20:00Z: the basic alert's posts are minutes old */
#define IDEM "a-20261122-0007.ops"
#define ELLIPSIS "\xe2\x80\xa6"

/* --- helpers ---------------------------------------------------------- */

/* An independent strict UTF-8 check (no overlongs, no surrogates, <= U+10FFFF). */
static int
valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			n = 2, cp = p[i] & 0x1f;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			n = 3, cp = p[i] & 0x0f;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			n = 4, cp = p[i] & 0x07;
		else
			return 0;
		if (i + n > len)
			return 0;
		for (size_t k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n;
	}
	return 1;
}

/* UTF-16 code units, the strictest way platforms count characters. */
static size_t
units(const char *s)
{
	size_t u = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			u += *p >= 0xf0 ? 2 : 1;
	return u;
}

static const char *
jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_string(v), "\"%s\" is not a string", key);
	return json_string_value(v);
}

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static json_t *
load(const char *name)
{
	char path[1024];
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	j = json_load_file(path, 0, &e);
	ck_assert_msg(j != NULL, "%s:%d: %s", path, e.line, e.text);
	return j;
}

static char *to_list[] = { "ops@acme.co.id", "Lead Support <lead@acme.co.id>" };

/* A receiver of each type as a configuration would give it. Static strings: not freed. */
static struct receiver
rcv(enum rcv_type t, int samples)
{
	struct receiver r;

	memset(&r, 0, sizeof(r));
	r.name = (char *)"ops";
	r.type = t;
	r.max_samples = samples;
	switch (t) {
	case RCV_CONSOLE:
		break;
	case RCV_WEBHOOK:
		r.url = (char *)"https://hooks.example.com/keluh";
		r.secret = (char *)"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
		break;
	case RCV_SLACK:
		r.url = (char *)"https://hooks.slack.com/services/T000/B000/XXXX";
		break;
	case RCV_MATTERMOST:
		r.url = (char *)"https://chat.example.com/hooks/abc123";
		r.channel = (char *)"support-alerts";
		break;
	case RCV_DISCORD:
		r.url = (char *)"https://discord.com/api/webhooks/1/tok";
		r.username = (char *)"keluh";
		r.has_public_key = 1;	/* its presses can be checked: buttons */
		break;
	case RCV_TEAMS:
		r.url = (char *)"https://prod-01.westeurope.logic.azure.com/workflows/x/triggers/"
		    "manual/paths/invoke?api-version=2016-06-01";
		break;
	case RCV_GCHAT:
		r.url = (char *)"https://chat.googleapis.com/v1/spaces/AAA/messages?key=K&token=T";
		break;
	case RCV_TELEGRAM:
		r.url = (char *)"https://api.telegram.org/";
		r.secret = (char *)"123456:ABC-DEF_ghi";
		r.chat_id = (char *)"-1001234567890";
		break;
	case RCV_PAGERDUTY:
		r.url = (char *)"https://events.pagerduty.com/v2/enqueue";
		r.secret = (char *)"R0UT1NGKEY0123456789abcdefghijkl";
		break;
	case RCV_EMAIL:
		r.url = (char *)"smtps://smtp.example.com:465";
		r.mail_from = (char *)"keluh <alerts@acme.co.id>";
		r.mail_to = to_list;
		r.nmail_to = 2;
		break;
	default:
		break;
	}
	return r;
}

static void
render(const struct receiver *r, const json_t *alert, struct rcv_msg *m)
{
	char err[256] = "";

	ck_assert_msg(receiver_render(r, alert, IDEM, NOW, m, err, sizeof(err)) == 0, "%s: %s",
	    receiver_type_name(r->type), err);
	ck_assert(m->body != NULL);
	ck_assert_uint_eq(strlen(m->body), m->body_len);
	ck_assert_msg(valid_utf8(m->body, m->body_len), "%s: body is not UTF-8",
	    receiver_type_name(r->type));
}

static const char *
header(const struct rcv_msg *m, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < m->nheaders; i++)
		if (strncasecmp(m->headers[i], name, n) == 0 && m->headers[i][n] == ':')
			return m->headers[i] + n + 2;
	return NULL;
}

/* The body as JSON; it must be exactly jansson's compact form (what goldens show). */
static json_t *
body_json(const struct rcv_msg *m)
{
	json_error_t e;
	json_t *j = json_loadb(m->body, m->body_len, JSON_REJECT_DUPLICATES, &e);
	char *again;

	ck_assert_msg(j != NULL, "body is not JSON: %s", e.text);
	again = json_dumps(j, JSON_COMPACT);
	ck_assert_str_eq(again, m->body);
	free(again);
	ck_assert_str_eq(header(m, "Content-Type") ? header(m, "Content-Type") : "",
	    m->url && strstr(m->url, "googleapis") ? "application/json; charset=UTF-8" :
	    m->url && strstr(m->url, "/api/chat.") ? "application/json; charset=utf-8" :
						       "application/json");
	return j;
}

/*
 * Markup checks. Slack mrkdwn: '<' only opens <http...|...> links, '&' only
 * starts &amp; &lt; &gt;.
 */
static void
check_mrkdwn(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p == '<') {
			const char *e = strchr(p, '>');

			ck_assert_msg(strncmp(p, "<http", 5) == 0 && e != NULL &&
			    memchr(p + 1, '<', (size_t)(e - p - 1)) == NULL, "bad '<' in %s", p);
			p = e;
		} else if (*p == '>') {
			/* only as a quote at the start of a line */
			ck_assert_msg(p == s || p[-1] == '\n', "bad '>' in mrkdwn: %s", p);
		} else if (*p == '&')
			ck_assert_msg(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 ||
			    strncmp(p, "&gt;", 4) == 0, "bad '&' in mrkdwn: %.20s", p);
	}
}

/* HTML subset (Telegram, Google Chat): known tags, balanced; entities only. */
static void
check_html(const char *s, int allow_font)
{
	const char *stack[64];
	int depth = 0;

	for (const char *p = s; *p; p++) {
		if (*p == '&') {
			ck_assert_msg(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 ||
			    strncmp(p, "&gt;", 4) == 0 || strncmp(p, "&quot;", 6) == 0,
			    "bad entity at %.20s", p);
			continue;
		}
		ck_assert_msg(*p != '>', "stray '>' at %.30s", p);
		if (*p != '<')
			continue;
		const char *e = strchr(p, '>');

		ck_assert_msg(e != NULL, "unclosed tag at %.30s", p);
		ck_assert_msg(memchr(p + 1, '<', (size_t)(e - p - 1)) == NULL, "'<' in tag %.30s",
		    p);
		if (strncmp(p, "<br>", 4) == 0) {
			p = e;
			continue;
		}
		if (p[1] == '/') {
			ck_assert_msg(depth > 0, "close without open at %.30s", p);
			depth--;
			ck_assert_msg(strncmp(p + 2, stack[depth], strlen(stack[depth])) == 0 &&
			    p[2 + strlen(stack[depth])] == '>', "mismatched %.30s", p);
		} else {
			const char *name = strncmp(p, "<b>", 3) == 0 ? "b" :
			    strncmp(p, "<i>", 3) == 0 ? "i" :
			    strncmp(p, "<a href=\"http", 13) == 0 ? "a" :
			    allow_font && strncmp(p, "<font color=\"#", 14) == 0 ? "font" : NULL;

			ck_assert_msg(name != NULL, "unexpected tag %.30s", p);
			ck_assert(depth < 64);
			stack[depth++] = name;
		}
		p = e;
	}
	ck_assert_msg(depth == 0, "%d tags left open", depth);
}

/* --- per-platform shape, shared by the basic and the big alert -------- */

/* Returns how many samples the message shows. */
static size_t
check_slack(const struct rcv_msg *m, json_t *j)
{
	json_t *att = json_array_get(json_object_get(j, "attachments"), 0);
	json_t *blocks = json_object_get(att, "blocks"), *b;
	size_t i, total = 0, samples = 0;

	ck_assert_uint_le(units(jstr(j, "text")), 40000);
	check_mrkdwn(jstr(j, "text"));
	ck_assert_uint_le(json_array_size(json_object_get(j, "attachments")), 100);
	ck_assert(jstr(att, "color")[0] == '#');
	ck_assert(json_is_array(blocks));
	ck_assert_uint_ge(json_array_size(blocks), 1);
	ck_assert_uint_le(json_array_size(blocks), 50);
	json_array_foreach(blocks, i, b) {
		const char *type = jstr(b, "type"), *t;

		if (strcmp(type, "section") == 0) {
			ck_assert_str_eq(jstr(json_object_get(b, "text"), "type"), "mrkdwn");
			t = jstr(json_object_get(b, "text"), "text");
			ck_assert_uint_le(units(t), 3000);
			samples += i > 0;
		} else {
			ck_assert_str_eq(type, "context");
			t = jstr(json_array_get(json_object_get(b, "elements"), 0), "text");
			ck_assert_uint_le(units(t), 3000);
		}
		check_mrkdwn(t);
		total += units(t);
	}
	/* Slack answers msg_blocks_too_long from about 13k characters. */
	ck_assert_uint_le(total, 12000);
	ck_assert_str_eq(m->url, "https://hooks.slack.com/services/T000/B000/XXXX");
	return samples;
}

/*
 * Every '@' that could start a mention in Markdown text t is inside a code
 * span (after an odd number of unescaped backticks on its line), inside a
 * URL, or inside a word (an address, not a mention).
 */
static void
check_md_quiet(const char *t)
{
	for (const char *p = t; (p = strchr(p, '@')) != NULL; p++) {
		const char *q = p, *line = p;
		int ticks = 0;

		while (line > t && line[-1] != '\n')
			line--;
		for (const char *r = line; r < p; r++)
			if (*r == '`' && (r == line || r[-1] != '\\'))
				ticks++;
		while (q > t && !strchr(" \n(", q[-1]))
			q--;
		ck_assert_msg(ticks % 2 == 1 || strncmp(q, "http", 4) == 0 ||
		    (p > t && (isalnum((unsigned char)p[-1]) || p[-1] == '_')),
		    "live @ in %.40s", p);
	}
}

static size_t
check_mattermost(const struct rcv_msg *m, json_t *j)
{
	json_t *att = json_array_get(json_object_get(j, "attachments"), 0);
	const char *text = jstr(j, "text");
	const char *atext = json_is_string(json_object_get(att, "text")) ? jstr(att, "text") : "";

	ck_assert(strncmp(text, "#### ", 5) == 0);
	ck_assert_uint_le(units(text) + units(atext), 16383);
	ck_assert(strlen(jstr(att, "fallback")) > 0);
	ck_assert(jstr(att, "color")[0] == '#');
	ck_assert_str_eq(jstr(j, "channel"), "support-alerts");
	/* No live @: Mattermost notifies no one named inside a code span. */
	check_md_quiet(text);
	check_md_quiet(atext);
	check_md_quiet(jstr(att, "fallback"));
	ck_assert_ptr_ne(m->url, NULL);
	return count_of(atext, "\n> ");
}

static size_t
check_discord(const struct rcv_msg *m, json_t *j)
{
	json_t *embeds = json_object_get(j, "embeds"), *e, *f;
	size_t i, k, total = 0, samples = 0;

	ck_assert_uint_le(units(jstr(j, "content")), 2000);
	ck_assert(json_is_array(json_object_get(json_object_get(j, "allowed_mentions"),
	    "parse")));
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(j, "allowed_mentions"),
	    "parse")), 0);
	ck_assert_uint_ge(json_array_size(embeds), 1);
	ck_assert_uint_le(json_array_size(embeds), 10);
	json_array_foreach(embeds, i, e) {
		json_t *fields = json_object_get(e, "fields");

		ck_assert_uint_le(units(jstr(e, "title")), 256);
		ck_assert_uint_le(units(jstr(e, "description")), 4096);
		ck_assert(json_is_integer(json_object_get(e, "color")));
		total += units(jstr(e, "title")) + units(jstr(e, "description"));
		ck_assert_uint_le(json_array_size(fields), 25);
		json_array_foreach(fields, k, f) {
			ck_assert_uint_ge(units(jstr(f, "name")), 1);
			ck_assert_uint_le(units(jstr(f, "name")), 256);
			ck_assert_uint_ge(units(jstr(f, "value")), 1);
			ck_assert_uint_le(units(jstr(f, "value")), 1024);
			total += units(jstr(f, "name")) + units(jstr(f, "value"));
			samples++;
		}
		ck_assert_uint_le(units(jstr(json_object_get(e, "footer"), "text")), 2048);
		total += units(jstr(json_object_get(e, "footer"), "text"));
	}
	ck_assert_uint_le(total, 6000);
	ck_assert_ptr_ne(m->url, NULL);
	return samples;
}

static const char *const card_types[] = { "Container", "TextBlock", "RichTextBlock",
	"TextRun", "FactSet", "ActionSet", "Action.OpenUrl", NULL };

static void
check_card_elements(json_t *arr)
{
	size_t i;
	json_t *el;

	ck_assert(json_is_array(arr));
	json_array_foreach(arr, i, el) {
		const char *type = jstr(el, "type");
		int known = 0;

		for (int k = 0; card_types[k]; k++)
			known |= strcmp(type, card_types[k]) == 0;
		ck_assert_msg(known, "unknown card element %s", type);
		if (strcmp(type, "TextBlock") == 0 || strcmp(type, "TextRun") == 0)
			jstr(el, "text");
		if (json_object_get(el, "items"))
			check_card_elements(json_object_get(el, "items"));
		if (json_object_get(el, "inlines"))
			check_card_elements(json_object_get(el, "inlines"));
		if (json_object_get(el, "selectAction"))
			ck_assert(strncmp(jstr(json_object_get(el, "selectAction"), "url"), "http",
			    4) == 0);
	}
}

static size_t
check_teams(const struct rcv_msg *m, json_t *j)
{
	json_t *atts = json_object_get(j, "attachments"), *att, *card, *body, *el;
	size_t i, samples = 0;

	ck_assert_uint_le(m->body_len, 28000);	/* B2: 28 KB */
	ck_assert_str_eq(jstr(j, "type"), "message");
	ck_assert_uint_eq(json_array_size(atts), 1);
	att = json_array_get(atts, 0);
	ck_assert_str_eq(jstr(att, "contentType"), "application/vnd.microsoft.card.adaptive");
	card = json_object_get(att, "content");
	ck_assert_str_eq(jstr(card, "type"), "AdaptiveCard");
	ck_assert(strlen(jstr(card, "version")) >= 3);
	body = json_object_get(card, "body");
	ck_assert_uint_ge(json_array_size(body), 1);
	check_card_elements(body);
	json_array_foreach(body, i, el)
		samples += i > 0 && strcmp(jstr(el, "type"), "Container") == 0;
	return samples;
}

static size_t
check_gchat(const struct rcv_msg *m, json_t *j)
{
	json_t *card = json_object_get(json_array_get(json_object_get(j, "cardsV2"), 0), "card");
	json_t *sections = json_object_get(card, "sections"), *s, *w;
	size_t i, k, widgets = 0;

	ck_assert_uint_le(m->body_len, 32000);	/* Google: a message is <= 32,000 bytes */
	ck_assert_uint_le(units(jstr(j, "text")), 4096);
	ck_assert(strstr(jstr(j, "text"), "<") == NULL);
	ck_assert(strlen(jstr(json_object_get(card, "header"), "title")) > 0);
	ck_assert(strlen(jstr(json_object_get(j, "thread"), "threadKey")) > 0);
	ck_assert(strstr(m->url, "&messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"));
	json_array_foreach(sections, i, s) {
		json_array_foreach(json_object_get(s, "widgets"), k, w) {
			json_t *tp = json_object_get(w, "textParagraph");
			json_t *dt = json_object_get(w, "decoratedText");

			ck_assert(tp || dt);
			check_html(jstr(tp ? tp : dt, "text"), 1);
			widgets++;
		}
	}
	ck_assert_uint_le(widgets, 100);
	/* The first section is the summary, the last may be the "more" line. */
	return json_array_size(sections) - 1 -
	    (strstr(m->body, " more mention") != NULL);
}

static size_t
check_telegram(const struct rcv_msg *m, json_t *j)
{
	const char *text = jstr(j, "text");

	ck_assert(json_is_integer(json_object_get(j, "chat_id")));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "chat_id")), -1001234567890LL);
	ck_assert_uint_ge(units(text), 1);
	ck_assert_uint_le(units(text), 4096);
	ck_assert_str_eq(jstr(j, "parse_mode"), "HTML");
	check_html(text, 0);
	ck_assert_str_eq(m->url, "https://api.telegram.org/bot123456:ABC-DEF_ghi/sendMessage");
	return count_of(text, "\n\n<b>");
}

static size_t
check_pagerduty(const struct rcv_msg *m, json_t *j)
{
	json_t *p = json_object_get(j, "payload");
	const char *sev;

	ck_assert_uint_le(m->body_len, 512 * 1024);
	ck_assert_str_eq(jstr(j, "routing_key"), "R0UT1NGKEY0123456789abcdefghijkl");
	ck_assert_str_eq(jstr(j, "event_action"), "trigger");
	ck_assert_uint_ge(strlen(jstr(j, "dedup_key")), 1);
	ck_assert_uint_le(strlen(jstr(j, "dedup_key")), 255);
	ck_assert_uint_ge(units(jstr(p, "summary")), 1);
	ck_assert_uint_le(units(jstr(p, "summary")), 1024);
	sev = jstr(p, "severity");
	ck_assert(strcmp(sev, "critical") == 0 || strcmp(sev, "error") == 0 ||
	    strcmp(sev, "warning") == 0 || strcmp(sev, "info") == 0);
	ck_assert_uint_ge(strlen(jstr(p, "source")), 1);
	ck_assert_str_eq(m->url, "https://events.pagerduty.com/v2/enqueue");
	return json_array_size(json_object_get(json_object_get(p, "custom_details"), "samples"));
}

/* Decodes quoted-printable (soft breaks and =XX) into out. */
static void
qp_decode(const char *s, struct buf *out)
{
	for (; *s; s++) {
		if (*s == '=' && s[1] == '\r' && s[2] == '\n') {
			s += 2;
		} else if (*s == '=') {
			unsigned v;

			ck_assert(sscanf(s + 1, "%2X", &v) == 1);
			buf_addc(out, (char)v);
			s += 2;
		} else if (*s == '\r' && s[1] == '\n') {
			buf_addc(out, '\n');
			s++;
		} else
			buf_addc(out, *s);
	}
}

static size_t
check_email(const struct rcv_msg *m, struct buf *text)
{
	const char *body = strstr(m->body, "\r\n\r\n"), *line;

	ck_assert_ptr_ne(body, NULL);
	ck_assert_str_eq(m->mail_from, "alerts@acme.co.id");
	ck_assert_uint_eq(m->nrcpt, 2);
	ck_assert_str_eq(m->rcpt[0], "ops@acme.co.id");
	ck_assert_str_eq(m->rcpt[1], "lead@acme.co.id");
	ck_assert(strncmp(m->url, "smtps://", 8) == 0);
	ck_assert_uint_eq(m->nheaders, 0);
	ck_assert(strncmp(m->body, "From: keluh <alerts@acme.co.id>\r\n", 33) == 0);
	ck_assert(strstr(m->body, "\r\nTo: ops@acme.co.id,\r\n lead@acme.co.id\r\n"));
	ck_assert(strstr(m->body, "\r\nSubject: "));
	ck_assert(strstr(m->body, "\r\nDate: Sun, 22 Nov 2026 10:20:00 +0000\r\n"));
	ck_assert(strstr(m->body, "\r\nMessage-ID: <a-20261122-0007.ops@acme.co.id>\r\n"));
	ck_assert(strstr(m->body, "\r\nMIME-Version: 1.0\r\n"));
	ck_assert(strstr(m->body, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
	ck_assert(strstr(m->body, "\r\nContent-Transfer-Encoding: quoted-printable\r\n"));
	/* CRLF only, short lines, 7-bit after the encoding. */
	for (line = m->body; *line;) {
		const char *e = strstr(line, "\r\n");

		ck_assert_msg(e != NULL, "last line without CRLF");
		ck_assert_uint_le((size_t)(e - line), 78);
		for (const char *p = line; p < e; p++)
			ck_assert_msg((unsigned char)*p < 0x80 && *p != '\n' && *p != '\r',
			    "raw byte in mail: %.20s", p);
		line = e + 2;
	}
	qp_decode(body + 4, text);
	ck_assert(valid_utf8(text->data, text->len));
	return count_of(text->data, "\n  https://x.com/") +
	    count_of(text->data, "\n  https://mastodon.") +
	    count_of(text->data, "\n  https://bsky.app/");
}

/* --- golden files ------------------------------------------------------- */

/* The golden file tests/fixtures/expected/<name>.txt. */
static void
golden_as(const char *name, const struct rcv_msg *m, json_t *j)
{
	char path[1024];
	struct buf b;
	FILE *f;
	char *want = NULL;
	long n;

	buf_init(&b);
	buf_printf(&b, "url: %s\n", m->url ? m->url : "(none)");
	if (m->method)
		buf_printf(&b, "method: %s\n", m->method);
	for (size_t i = 0; i < m->nheaders; i++)
		buf_printf(&b, "header: %s\n", m->headers[i]);
	if (m->mail_from)
		buf_printf(&b, "mail_from: %s\n", m->mail_from);
	for (size_t i = 0; i < m->nrcpt; i++)
		buf_printf(&b, "rcpt: %s\n", m->rcpt[i]);
	buf_adds(&b, "\n");
	if (j) {
		char *pretty = json_dumps(j, JSON_INDENT(2));

		buf_adds(&b, pretty);
		buf_adds(&b, "\n");
		free(pretty);
	} else
		buf_add(&b, m->body, m->body_len);
	snprintf(path, sizeof(path), "%s/expected/%s.txt", FIXTURES, name);
	if (getenv("KELUH_UPDATE_GOLDEN")) {
		f = fopen(path, "wb");
		ck_assert_msg(f != NULL, "cannot write %s", path);
		fwrite(b.data, 1, b.len, f);
		fclose(f);
		buf_free(&b);
		return;
	}
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s is missing: run KELUH_UPDATE_GOLDEN=1 tests/unit/"
	    "test_receivers", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	want = xmalloc((size_t)n + 1);
	ck_assert(fread(want, 1, (size_t)n, f) == (size_t)n);
	want[n] = '\0';
	fclose(f);
	if ((size_t)n != b.len || memcmp(want, b.data, b.len) != 0) {
		size_t i = 0;

		while (i < b.len && i < (size_t)n && want[i] == b.data[i])
			i++;
		ck_abort_msg("%s differs from the rendering at byte %zu: got \"%.60s\", want "
		    "\"%.60s\" (regenerate with KELUH_UPDATE_GOLDEN=1 if intended)", path, i,
		    b.data + i, want + i);
	}
	free(want);
	buf_free(&b);
}

static void
golden(enum rcv_type t, const struct rcv_msg *m, json_t *j)
{
	golden_as(receiver_type_name(t), m, j);
}

/* --- the basic alert ---------------------------------------------------- */

static json_t *basic;

static void
basic_setup(void)
{
	basic = load("alert_basic.json");
}

static void
basic_teardown(void)
{
	json_decref(basic);
}

/* Renders the basic alert (2 samples of 3: "+1 more mention") and checks the common part. */
static json_t *
basic_render(enum rcv_type t, struct rcv_msg *m)
{
	struct receiver r = rcv(t, 2);
	json_t *j;

	render(&r, basic, m);
	if (t == RCV_CONSOLE || t == RCV_EMAIL)
		return NULL;
	j = body_json(m);
	if (t != RCV_WEBHOOK && t != RCV_PAGERDUTY)
		ck_assert_msg(strstr(m->body, "+1 more mention") != NULL, "%s: no more line",
		    receiver_type_name(t));
	return j;
}

START_TEST(test_basic_console)
{
	struct rcv_msg m;

	basic_render(RCV_CONSOLE, &m);
	ck_assert_ptr_eq(m.url, NULL);
	ck_assert(starts(m.body, "CRITICAL INCIDENT: Charged twice <refund> & "
	    "\"urgent\" (+2 more rules)\nteam tech \xc2\xb7 3 new, 40 since 10:02 UTC, 2 muted\n"));
	ck_assert(strstr(m.body, "@budi_s (Budi Santoso) \xc2\xb7 x \xc2\xb7 12.3k followers "
	    "\xc2\xb7 verified \xc2\xb7 posted 10:14 UTC, 5 min ago\n  Udah 3 jam *gak bisa login* "
	    "\xf0\x9f\x98\xa1"));
	ck_assert(strstr(m.body, "\nalert a-20261122-0007 \xc2\xb7 group "
	    "rule=access.login|team=tech\n"));
	ck_assert(strstr(m.body, "*Charged twice* for my plan"));
	ck_assert(strstr(m.body, "\n+1 more mention\n"));
	ck_assert(strstr(m.body, "sari") == NULL);	/* the third is not shown */
	for (const char *p = m.body; *p; p++)
		ck_assert(*p == '\n' || (unsigned char)*p >= ' ');
	golden(RCV_CONSOLE, &m, NULL);
	receiver_msg_free(&m);
}
END_TEST

START_TEST(test_basic_webhook)
{
	struct receiver r = rcv(RCV_WEBHOOK, 2);
	struct sign_key k;
	struct rcv_msg m;
	char err[128], *want;
	json_t *j = basic_render(RCV_WEBHOOK, &m);

	/* Exactly the canonical JSON, every mention included. */
	want = json_dumps(basic, JSON_COMPACT);
	ck_assert_str_eq(m.body, want);
	free(want);
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(j, "alert"),
	    "mentions")), 3);
	ck_assert_str_eq(m.url, "https://hooks.example.com/keluh");
	ck_assert_str_eq(header(&m, "webhook-id"), "a-20261122-0007_ops");
	ck_assert_str_eq(header(&m, "webhook-timestamp"), "1795342800");
	ck_assert(strncmp(header(&m, "webhook-signature"), "v1,", 3) == 0);
	ck_assert_int_eq(sign_key_parse(r.secret, &k, err, sizeof(err)), 0);
	ck_assert_msg(sign_verify(&k, 1, header(&m, "webhook-id"), header(&m, "webhook-timestamp"),
	    header(&m, "webhook-signature"), m.body, m.body_len, NOW, err, sizeof(err)) == 0,
	    "%s", err);
	golden(RCV_WEBHOOK, &m, j);
	json_decref(j);
	receiver_msg_free(&m);
}
END_TEST

START_TEST(test_webhook_keys)
{
	struct receiver r = rcv(RCV_WEBHOOK, 2);
	unsigned char seed[32], pk[32], sk[64];
	char sktext[100], pktext[100], err[256];
	struct sign_key k;
	struct rcv_msg m;

	/* Ed25519: v1a, verified by the public key alone. */
	memset(seed, 7, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	strcpy(sktext, "whsk_");
	sodium_bin2base64(sktext + 5, sizeof(sktext) - 5, seed, 32,
	    sodium_base64_VARIANT_ORIGINAL);
	strcpy(pktext, "whpk_");
	sodium_bin2base64(pktext + 5, sizeof(pktext) - 5, pk, 32, sodium_base64_VARIANT_ORIGINAL);
	r.secret = sktext;
	render(&r, basic, &m);
	ck_assert(strncmp(header(&m, "webhook-signature"), "v1a,", 4) == 0);
	ck_assert_int_eq(sign_key_parse(pktext, &k, err, sizeof(err)), 0);
	ck_assert_int_eq(sign_verify(&k, 1, header(&m, "webhook-id"),
	    header(&m, "webhook-timestamp"), header(&m, "webhook-signature"), m.body, m.body_len,
	    NOW, err, sizeof(err)), 0);
	receiver_msg_free(&m);

	/* No secret: no signature header. */
	r.secret = NULL;
	render(&r, basic, &m);
	ck_assert_ptr_eq(header(&m, "webhook-signature"), NULL);
	ck_assert_ptr_ne(header(&m, "webhook-id"), NULL);
	receiver_msg_free(&m);

	/* Keys that cannot sign are render errors, with the reason. */
	r.secret = pktext;
	ck_assert_int_eq(receiver_render(&r, basic, IDEM, NOW, &m, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "whpk_") != NULL, "%s", err);
	ck_assert_ptr_eq(m.body, NULL);
	r.secret = (char *)"whsec_short";
	ck_assert_int_eq(receiver_render(&r, basic, IDEM, NOW, &m, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "webhook secret") != NULL, "%s", err);
}
END_TEST

START_TEST(test_basic_slack)
{
	struct rcv_msg m;
	json_t *j = basic_render(RCV_SLACK, &m);
	const char *t;

	ck_assert_uint_eq(check_slack(&m, j), 2);
	t = jstr(json_object_get(json_array_get(json_object_get(json_array_get(
	    json_object_get(j, "attachments"), 0), "blocks"), 1), "text"), "text");
	/* The handle bold, the match bold, &<> escaped, the link in Slack's syntax. */
	ck_assert(strncmp(t, "*@budi_s* (Budi Santoso)", 24) == 0);
	ck_assert(strstr(t, "*gak bisa login*"));
	ck_assert(strstr(t, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; *bintang*"));
	ck_assert(strstr(t, "\n<https://x.com/budi_s/status/1790|Open post>"));
	ck_assert(strstr(jstr(j, "text"), "\xf0\x9f\x94\xb4 CRITICAL INCIDENT: Charged twice"));
	ck_assert_str_eq(jstr(json_array_get(json_object_get(j, "attachments"), 0), "color"),
	    "#E01E5A");
	golden(RCV_SLACK, &m, j);
	json_decref(j);
	receiver_msg_free(&m);
}
END_TEST

START_TEST(test_basic_mattermost)
{
	struct rcv_msg m;
	json_t *j = basic_render(RCV_MATTERMOST, &m);
	const char *t;

	ck_assert_uint_eq(check_mattermost(&m, j), 2);
	t = jstr(json_array_get(json_object_get(j, "attachments"), 0), "text");
	/* Handles as they are, in code spans: a copied handle is the handle. */
	ck_assert(strstr(t, "**`@budi_s`**"));
	ck_assert(strstr(t, "**`@jane@mastodon.social`**"));
	ck_assert(strstr(t, "**gak bisa login**"));
	ck_assert(strstr(t, "\\<script\\>alert(1)\\</script\\> & \\*bintang\\* \\_miring\\_ "
	    "\\`kode\\` \"kutip\" \\\\ backslash `@everyone`"));
	ck_assert(strstr(t, "\xe2\x80\x8b") == NULL);
	/* URLs in the text stay intact so they still link. */
	ck_assert(strstr(t, "https://acme.co.id/status?x=1&y=2_z"));
	ck_assert(strstr(t, "[Open post](https://x.com/budi_s/status/1790)"));
	golden(RCV_MATTERMOST, &m, j);
	json_decref(j);
	receiver_msg_free(&m);
}
END_TEST

START_TEST(test_basic_discord)
{
	struct rcv_msg m;
	json_t *j = basic_render(RCV_DISCORD, &m);
	json_t *e = json_array_get(json_object_get(j, "embeds"), 0);
	const char *v;

	ck_assert_uint_eq(check_discord(&m, j), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "color")), 0xE01E5A);
	ck_assert_str_eq(jstr(e, "timestamp"), "2026-11-22T10:14:03Z");
	ck_assert_str_eq(jstr(j, "username"), "keluh");
	v = jstr(json_array_get(json_object_get(e, "fields"), 0), "value");
	ck_assert(strstr(v, "**gak bisa login**"));
	ck_assert(strstr(v, "\\*bintang\\* \\_miring\\_ \\`kode\\`"));
	ck_assert(strstr(v, "[Open post](https://x.com/budi_s/status/1790)"));
	ck_assert(strstr(v, "`@everyone`"));
	/* The handle as it is, so a copy finds its author; allowed_mentions keeps it quiet. */
	ck_assert(strstr(jstr(json_array_get(json_object_get(e, "fields"), 0), "name"),
	    "`@budi_s`"));
	ck_assert(strstr(m.body, "\xe2\x80\x8b") == NULL);
	ck_assert_str_eq(jstr(json_object_get(e, "footer"), "text"), "+1 more mention");
	golden(RCV_DISCORD, &m, j);
	json_decref(j);
	receiver_msg_free(&m);
}
END_TEST

START_TEST(test_basic_teams)
{
	struct rcv_msg m;
	json_t *j = basic_render(RCV_TEAMS, &m);

	ck_assert_uint_eq(check_teams(&m, j), 2);
	/* Matched words are bold runs; user text is never Markdown. */
	ck_assert(strstr(m.body, "{\"type\":\"TextRun\",\"text\":\"gak bisa login\","
	    "\"weight\":\"Bolder\",\"highlight\":true}"));
	ck_assert(strstr(m.body, "\"style\":\"attention\""));
	ck_assert(strstr(m.body, "\"url\":\"https://x.com/budi_s/status/1790\""));
	golden(RCV_TEAMS, &m, j);
	json_decref(j);
	receiver_msg_free(&m);
}
END_TEST

START_TEST(test_basic_gchat)
{
	struct rcv_msg m;
	json_t *j = basic_render(RCV_GCHAT, &m);

	ck_assert_uint_eq(check_gchat(&m, j), 2);
	ck_assert(strstr(m.body, "<b>gak bisa login</b> \xf0\x9f\x98\xa1 &lt;script&gt;"));
	ck_assert_str_eq(jstr(json_object_get(j, "thread"), "threadKey"),
	    "rule=access.login|team=tech");
	ck_assert(strstr(m.url, "&requestId=a-20261122-0007.ops"));
	golden(RCV_GCHAT, &m, j);
	json_decref(j);
	receiver_msg_free(&m);
}
END_TEST

START_TEST(test_basic_telegram)
{
	struct rcv_msg m;
	json_t *j = basic_render(RCV_TELEGRAM, &m);
	const char *t = jstr(j, "text");

	ck_assert_uint_eq(check_telegram(&m, j), 2);
	ck_assert(strncmp(t, "\xf0\x9f\x94\xb4 <b>CRITICAL INCIDENT</b>", 28) == 0);
	ck_assert(strstr(t, "<b>gak bisa login</b> \xf0\x9f\x98\xa1 &lt;script&gt;alert(1)"
	    "&lt;/script&gt; &amp; *bintang*"));
	ck_assert(strstr(t, "<a href=\"https://x.com/budi_s/status/1790\">Open post</a>"));
	ck_assert(json_is_false(json_object_get(j, "disable_notification")));
	golden(RCV_TELEGRAM, &m, j);
	json_decref(j);
	receiver_msg_free(&m);
}
END_TEST

START_TEST(test_basic_pagerduty)
{
	struct rcv_msg m;
	json_t *j = basic_render(RCV_PAGERDUTY, &m);
	json_t *p = json_object_get(j, "payload");

	ck_assert_uint_eq(check_pagerduty(&m, j), 2);
	ck_assert_str_eq(jstr(j, "dedup_key"), "rule=access.login|team=tech");
	ck_assert_str_eq(jstr(p, "severity"), "critical");
	ck_assert_str_eq(jstr(p, "source"), "keluh/tech");
	ck_assert(strncmp(jstr(p, "summary"), "CRITICAL INCIDENT: Charged twice", 32) == 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(p,
	    "custom_details"), "more_mentions")), 1);
	golden(RCV_PAGERDUTY, &m, j);
	json_decref(j);
	receiver_msg_free(&m);
}
END_TEST

START_TEST(test_basic_email)
{
	struct rcv_msg m;
	struct buf text;

	buf_init(&text);
	basic_render(RCV_EMAIL, &m);
	ck_assert_uint_eq(check_email(&m, &text), 2);
	ck_assert(strstr(text.data, "CRITICAL INCIDENT: Charged twice"));
	ck_assert(strstr(text.data, "*gak bisa login* \xf0\x9f\x98\xa1"));
	ck_assert(strstr(text.data, "\n+1 more mention\n"));
	ck_assert(strstr(m.body, "\r\nImportance: high\r\n"));
	golden(RCV_EMAIL, &m, NULL);
	buf_free(&text);
	receiver_msg_free(&m);
}
END_TEST

/* Severity and colour per priority; the brief's PagerDuty mapping. */
START_TEST(test_priorities)
{
	static const char *const prio[] = { "critical", "high", "normal", "low" };
	static const char *const sev[] = { "critical", "error", "warning", "info" };
	static const char *const hex[] = { "#E01E5A", "#F2711C", "#ECB22E", "#439FE0" };
	struct rcv_msg m;

	for (int i = 0; i < 4; i++) {
		json_t *a = json_deep_copy(basic), *j;
		struct receiver pd = rcv(RCV_PAGERDUTY, 2), sl = rcv(RCV_SLACK, 2);
		struct receiver tg = rcv(RCV_TELEGRAM, 2);

		json_object_set_new(json_object_get(a, "alert"), "priority", json_string(prio[i]));
		json_object_set_new(json_object_get(a, "alert"), "incident", json_false());
		render(&pd, a, &m);
		j = body_json(&m);
		ck_assert_str_eq(jstr(json_object_get(j, "payload"), "severity"), sev[i]);
		ck_assert(strstr(m.body, "INCIDENT") == NULL);
		json_decref(j);
		receiver_msg_free(&m);
		render(&sl, a, &m);
		ck_assert(strstr(m.body, hex[i]));
		receiver_msg_free(&m);
		render(&tg, a, &m);
		j = body_json(&m);
		ck_assert(json_is_boolean(json_object_get(j, "disable_notification")));
		ck_assert_int_eq(json_is_true(json_object_get(j, "disable_notification")), i == 3);
		json_decref(j);
		receiver_msg_free(&m);
		json_decref(a);
	}
}
END_TEST

/* The message text each platform notifies with, where mentions ping. */
static const char *
page_field(enum rcv_type t, json_t *j)
{
	return jstr(j, t == RCV_DISCORD ? "content" : "text");
}

/*
 * mention_on_critical: a critical alert starts its text with the mentions,
 * a high one does not (nor does it let Discord ping anyone); with
 * mention_at_least: high, high pings too and normal does not.
 */
START_TEST(test_paging)
{
	static const enum rcv_type types[] = { RCV_SLACK, RCV_MATTERMOST, RCV_DISCORD,
		RCV_TELEGRAM };
	static char *const pages[][2] = {
		{ (char *)"<!subteam^S0123ABC>", (char *)"<@U0456DEF>" },
		{ (char *)"@oncall", (char *)"@support.lead" },
		{ (char *)"<@&222222222222222222>", (char *)"<@111111111111111111>" },
		{ (char *)"@oncall_lead", (char *)"@support_lead" },
	};
	static const char *const heads[] = { "<!subteam^S0123ABC> <@U0456DEF> ",
		"@oncall @support.lead\n", "<@&222222222222222222> <@111111111111111111> ",
		"@oncall_lead @support_lead\n" };
	static const char *const prio[] = { "critical", "high", "normal" };
	struct rcv_msg m;

	for (size_t k = 0; k < 4; k++)
		for (int min = 2; min <= 3; min++)
			for (int i = 0; i < 3; i++) {
				struct receiver r = rcv(types[k], 2);
				json_t *a = json_deep_copy(basic), *j, *am;
				int pages_now = 3 - i >= min;

				r.page = (char **)pages[k];
				r.npage = 2;
				r.page_min = min;
				json_object_set_new(json_object_get(a, "alert"), "priority",
				    json_string(prio[i]));
				render(&r, a, &m);
				j = body_json(&m);
				ck_assert_msg(starts(page_field(types[k], j), heads[k]) == pages_now,
				    "%s at least %d, %s: %s", receiver_type_name(types[k]), min,
				    prio[i], page_field(types[k], j));
				ck_assert_uint_eq(count_of(m.body, pages[k][1]), pages_now ? 1 : 0);
				am = json_object_get(j, "allowed_mentions");
				if (types[k] == RCV_DISCORD) {
					ck_assert_uint_eq(json_array_size(json_object_get(am, "parse")), 0);
					ck_assert_uint_eq(json_array_size(json_object_get(am, "users")),
					    pages_now);
					ck_assert_uint_eq(json_array_size(json_object_get(am, "roles")),
					    pages_now);
					if (pages_now) {
						ck_assert_str_eq(json_string_value(json_array_get(
						    json_object_get(am, "users"), 0)), "111111111111111111");
						ck_assert_str_eq(json_string_value(json_array_get(
						    json_object_get(am, "roles"), 0)), "222222222222222222");
					}
				}
				json_decref(j);
				receiver_msg_free(&m);
				json_decref(a);
			}
}
END_TEST

/* Odd but valid alerts render everywhere; broken ones fail with a reason. */
START_TEST(test_odd_alerts)
{
	static const char *const odd[] = {
		"{\"type\":\"keluh.alert\",\"alert\":{}}",
		"{\"alert\":{\"id\":\"a.1\",\"priority\":\"weird\",\"mentions\":[1,\"x\",null,{}],"
		"\"count\":9,\"total\":2}}",
		"{\"alert\":{\"id\":\"a2\",\"count\":1,\"total\":5,"
		"\"first_at\":\"2026-11-21T23:50:00+07:00\","
		"\"last_at\":\"2026-11-22T01:00:00Z\",\"mentions\":[{\"text\":\"\","
		"\"matches\":[[5,2],[-1,3],[0,99],\"x\"],\"url\":\"javascript:alert(1)\","
		"\"author\":{\"followers\":1500000}}]}}",
	};
	char err[256];
	struct rcv_msg m;

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		json_t *a = json_loads(odd[i], 0, NULL);

		ck_assert_ptr_ne(a, NULL);
		for (int t = 0; t < RCV__N; t++) {
			struct receiver r = rcv((enum rcv_type)t, 5);

			render(&r, a, &m);
			if (t != RCV_CONSOLE && t != RCV_EMAIL)
				json_decref(body_json(&m));
			/* A javascript: URL is never a link. */
			ck_assert(strstr(m.body, "href=\"javascript") == NULL);
			ck_assert(strstr(m.body, "](javascript") == NULL);
			ck_assert(strstr(m.body, "\"url\":\"javascript") == NULL ||
			    t == RCV_WEBHOOK || t == RCV_PAGERDUTY);
			if (i == 2 && t == RCV_CONSOLE)
				ck_assert_msg(strstr(m.body, "1 new, 5 since 21 Nov 16:50 UTC"),
				    "%s", m.body);
			receiver_msg_free(&m);
		}
		json_decref(a);
	}
	{
		struct receiver r = rcv(RCV_SLACK, 5);
		json_t *a = json_loads("{\"type\":\"keluh.alert\"}", 0, NULL);

		ck_assert_int_eq(receiver_render(&r, a, IDEM, NOW, &m, err, sizeof(err)), -1);
		ck_assert(strstr(err, "\"alert\""));
		json_decref(a);
		r = rcv(RCV_TELEGRAM, 5);
		r.chat_id = NULL;
		ck_assert_int_eq(receiver_render(&r, basic, IDEM, NOW, &m, err, sizeof(err)), -1);
		ck_assert(strstr(err, "chat_id"));
		r = rcv(RCV_TELEGRAM, 5);
		r.secret = (char *)"123/../x";
		ck_assert_int_eq(receiver_render(&r, basic, IDEM, NOW, &m, err, sizeof(err)), -1);
		r = rcv(RCV_EMAIL, 5);
		r.mail_from = (char *)"a@b\r\nBcc: victim@example.com";
		ck_assert_int_eq(receiver_render(&r, basic, IDEM, NOW, &m, err, sizeof(err)), -1);
		r = rcv(RCV_PAGERDUTY, 5);
		r.secret = NULL;
		ck_assert_int_eq(receiver_render(&r, basic, IDEM, NOW, &m, err, sizeof(err)), -1);
		ck_assert(strstr(err, "routing key"));
	}
}
END_TEST

/*
 * Complaints no rule matched, made by a model: the headline says which
 * model found them, in each language, and how many other models found
 * the rest; without a model it stays "complaints".
 */
START_TEST(test_model_title)
{
	static const char by_model[] =
	    "{\"type\":\"keluh.alert\",\"alert\":{\"id\":\"a-1\",\"group\":\"rule=model:brand|team=\","
	    "\"priority\":\"low\",\"rules\":[],\"rule_info\":[],\"count\":3,\"total\":3,"
	    "\"mentions\":[{\"id\":\"m1\",\"text\":\"still waiting for my refund\",\"rules\":[],"
	    "\"model\":\"brand\",\"matches\":[{\"rule\":null,\"kind\":\"model\",\"pattern\":"
	    "\"refund\",\"model\":\"brand\",\"weight\":0.9,\"start\":21,\"end\":27,\"text\":"
	    "\"refund\"}]},{\"id\":\"m2\",\"text\":\"no refund\",\"rules\":[],\"model\":\"brand\"},"
	    "{\"id\":\"m3\",\"text\":\"so slow\",\"rules\":[],\"model\":\"slow\"}]}}";
	static const char *const want[][2] = {
		{ "Complaint found by model brand (+1 more model)",
		  "Keluhan ditemukan oleh model brand (+1 model lain)" },
		{ "Complaint found by model brand",
		  "Keluhan ditemukan oleh model brand" },
	};
	json_t *a = json_loads(by_model, 0, NULL);
	struct rcv_msg m;

	ck_assert_ptr_nonnull(a);
	for (int k = 0; k < 2; k++) {
		if (k == 1) /* the other model's complaint gone: one model */
			json_array_remove(json_object_get(json_object_get(a, "alert"), "mentions"), 2);
		for (int l = 0; l < WORDS__N; l++)
			for (int t = 0; t < RCV__N; t++) {
				struct rcv_display disp = { (enum words_lang)l, NULL };
				struct receiver r = rcv((enum rcv_type)t, 5);
				const char *w = want[k][l];
				const char *at;

				if (t == RCV_WEBHOOK || t == RCV_EMAIL)
					continue; /* no words; the subject is encoded */
				r.display = &disp;
				render(&r, a, &m);
				at = strstr(m.body, w);
				ck_assert_msg(at != NULL, "%s %s: no '%s' in:\n%s",
				    receiver_type_name((enum rcv_type)t), words_lang_name((enum words_lang)l),
				    w, m.body);
				if (k == 1)
					ck_assert_msg(strncmp(at + strlen(w), " (+", 3) != 0, "%s", m.body);
				receiver_msg_free(&m);
			}
	}
	json_array_clear(json_object_get(json_object_get(a, "alert"), "mentions"));
	{
		struct receiver r = rcv(RCV_CONSOLE, 5);

		render(&r, a, &m);
		ck_assert_msg(strstr(m.body, "complaints") && !strstr(m.body, "by model"), "%s",
		    m.body);
		receiver_msg_free(&m);
	}
	json_decref(a);
}
END_TEST

START_TEST(test_type_names)
{
	enum rcv_type t;

	for (int i = 0; i < RCV__N; i++) {
		ck_assert_int_eq(receiver_type_parse(receiver_type_name((enum rcv_type)i), &t), 0);
		ck_assert_int_eq(t, i);
	}
	ck_assert_str_eq(receiver_type_name(RCV_GCHAT), "googlechat");
	ck_assert_int_eq(receiver_type_parse("msteams", &t), -1);
}
END_TEST

/* --- the big alert ------------------------------------------------------ */

#define BIG_N 500

static json_t *big;

/* About 2 KB of text from pieces of several scripts, emoji and markup characters. */
static void
big_text(struct buf *b, size_t i, json_t *matches)
{
	static const char *const pieces[] = {
		"gagal login lagi \xf0\x9f\x98\xa1 ",
		"<b>&amp;</b> *tebal* _miring_ `kode` ~coret~ |spoiler| > kutip ",
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xad\xe3\x82"
		"\xb9\xe3\x83\x88 ",
		"saldo terpotong dua kali \xf0\x9f\x92\xb3\xf0\x9f\x92\xb3 ",
		"\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xd0\xbc\xd0\xb8\xd1\x80 ",
		"@everyone @here <users/all> <!channel> ",
		"\xe2\x80\xae" "reversed\xe2\x80\xac \x07 ",
		"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"
		" keluarga ",
		"https://acme.co.id/a_b?c=1&d=2 ",
		"\\ \"quoted\" [link](https://evil.example) # heading\n- item\n",
	};
	size_t k = i;

	while (b->len < 2048) {
		const char *p = pieces[k++ % (sizeof(pieces) / sizeof(pieces[0]))];
		size_t start = b->len;

		buf_adds(b, p);
		/* Spans on some words, some of them off the code point grid on purpose. */
		if (k % 3 == 0)
			json_array_append_new(matches, json_pack("[I,I]", (json_int_t)start,
			    (json_int_t)(start + 11)));
		if (k % 7 == 0)
			json_array_append_new(matches, json_pack("[I,I]", (json_int_t)start + 1,
			    (json_int_t)(start + 5)));
	}
	json_array_append_new(matches, json_pack("[I,I]", (json_int_t)b->len - 3,
	    (json_int_t)b->len + 40));
}

static void
big_setup(void)
{
	json_t *mentions = json_array(), *info = json_array(), *rules = json_array();
	struct buf b, d;

	buf_init(&b);
	buf_init(&d);
	for (size_t i = 0; i < BIG_N; i++) {
		json_t *matches = json_array();
		char handle[64], url[64];

		buf_reset(&b);
		big_text(&b, i, matches);
		snprintf(handle, sizeof(handle), "@pelanggan%zu", i);
		snprintf(url, sizeof(url), "https://x.com/p/status/%zu", i);
		json_array_append_new(mentions, json_pack("{s:s, s:s, s:s%, s:s, s:{s:s, s:s, s:I, "
		    "s:b}, s:o}", "id", url, "source", "x", "text", b.data, b.len, "url",
		    i % 50 == 7 ? "javascript:alert(1)" : url, "author", "handle", handle, "name",
		    "Pelanggan Setia \xf0\x9f\x98\xa4", "followers", (json_int_t)(i * 1234),
		    "verified", i % 2, "matches", matches));
	}
	for (int i = 0; i < 40; i++) {
		char id[32];

		snprintf(id, sizeof(id), "rule.%d", i);
		buf_reset(&d);
		for (int k = 0; k < 5; k++)
			buf_adds(&d, "Keluhan <berat> & \"mendesak\" \xf0\x9f\x94\xa5 ");
		json_array_append_new(info, json_pack("{s:s, s:s, s:i}", "id", id, "description",
		    d.data, "score", 10));
		json_array_append_new(rules, json_string(id));
	}
	buf_reset(&d);
	for (int k = 0; k < 40; k++)
		buf_adds(&d, "tim-\xe2\x9c\xa8-dukungan ");
	big = json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:I, s:I, s:I, s:s, s:s, "
	    "s:o}}", "type", "keluh.alert", "alert", "id", "a-big", "group", d.data, "priority",
	    "critical", "team", d.data, "incident", 1, "rules", rules, "rule_info", info, "count",
	    (json_int_t)BIG_N, "total", (json_int_t)5000, "suppressed", (json_int_t)3,
	    "first_at", "2026-11-22T09:00:00Z", "last_at", "2026-11-22T10:00:00Z", "mentions",
	    mentions);
	ck_assert_ptr_ne(big, NULL);
	buf_free(&b);
	buf_free(&d);
}

static void
big_teardown(void)
{
	json_decref(big);
}

/* The "+N more mentions" line says exactly how many were not shown. */
static void
check_more(enum rcv_type t, const char *text, size_t shown)
{
	char want[64];

	ck_assert_msg(shown >= 1, "%s shows no sample", receiver_type_name(t));
	snprintf(want, sizeof(want), "+%zu more mention", (size_t)BIG_N - shown);
	ck_assert_msg(strstr(text, want) != NULL, "%s: no \"%s\"", receiver_type_name(t), want);
}

START_TEST(test_big)
{
	enum rcv_type t = (enum rcv_type)_i;
	struct receiver r = rcv(t, 50);
	struct rcv_msg m;
	struct buf text;
	size_t shown = 0;
	json_t *j = NULL;

	buf_init(&text);
	render(&r, big, &m);
	if (t != RCV_CONSOLE && t != RCV_EMAIL)
		j = body_json(&m);
	switch (t) {
	case RCV_CONSOLE:
		shown = count_of(m.body, "\n@pelanggan");
		ck_assert_uint_eq(shown, 50);
		break;
	case RCV_WEBHOOK:
		ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(j, "alert"),
		    "mentions")), BIG_N);
		break;
	case RCV_SLACK:
		shown = check_slack(&m, j);
		break;
	case RCV_MATTERMOST:
		shown = check_mattermost(&m, j);
		break;
	case RCV_DISCORD:
		shown = check_discord(&m, j);
		break;
	case RCV_TEAMS:
		shown = check_teams(&m, j);
		break;
	case RCV_GCHAT:
		shown = check_gchat(&m, j);
		break;
	case RCV_TELEGRAM:
		shown = check_telegram(&m, j);
		break;
	case RCV_PAGERDUTY:
		shown = check_pagerduty(&m, j);
		ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
		    json_object_get(j, "payload"), "custom_details"), "more_mentions")),
		    BIG_N - (json_int_t)shown);
		break;
	case RCV_EMAIL:
		shown = check_email(&m, &text);
		ck_assert_uint_eq(shown, 50 - 50 / 50);	/* the javascript: one has no line */
		shown = count_of(text.data, "\n@pelanggan");
		break;
	default:
		break;
	}
	if (t != RCV_WEBHOOK && t != RCV_PAGERDUTY)
		check_more(t, t == RCV_EMAIL ? text.data : m.body, shown);
	if (t != RCV_WEBHOOK) {
		/* Texts were cut, with an ellipsis. */
		ck_assert_msg(strstr(t == RCV_EMAIL ? text.data : m.body, ELLIPSIS) != NULL,
		    "%s: nothing was cut?", receiver_type_name(t));
	}
	/* The bidi override never reaches a chat message, nor does the BEL. */
	if (t != RCV_WEBHOOK && t != RCV_PAGERDUTY) {
		ck_assert(strstr(m.body, "\xe2\x80\xae") == NULL);
		ck_assert(strstr(m.body, "\\u0007") == NULL && strchr(m.body, '\a') == NULL);
	}
	json_decref(j);
	buf_free(&text);
	receiver_msg_free(&m);
}
END_TEST

/* The mentions of a big critical alert count in Telegram's 4096 units too. */
START_TEST(test_big_paging)
{
	static char *const ten[] = { (char *)"@a123456789012345678901234567890b",
		(char *)"@c123456789012345678901234567890d", (char *)"@e123456789012345678901234567890f",
		(char *)"@g123456789012345678901234567890h", (char *)"@i123456789012345678901234567890j",
		(char *)"@k123456789012345678901234567890l", (char *)"@m123456789012345678901234567890n",
		(char *)"@o123456789012345678901234567890p", (char *)"@q123456789012345678901234567890r",
		(char *)"@s123456789012345678901234567890t" };
	struct receiver r = rcv(RCV_TELEGRAM, 50);
	struct rcv_msg m;
	json_t *j;

	r.page = (char **)ten;
	r.npage = 10;
	r.page_min = 3;
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(big, "alert"),
	    "priority")), "critical");
	render(&r, big, &m);
	j = body_json(&m);
	check_telegram(&m, j);
	ck_assert(starts(jstr(j, "text"), "@a123456789012345678901234567890b @c"));
	json_decref(j);
	receiver_msg_free(&m);
}
END_TEST

/* One sample of 30 KB of 4-byte characters: cut on a code point, whatever the budget. */
START_TEST(test_one_huge_mention)
{
	struct buf b;
	struct rcv_msg m;
	json_t *a;

	buf_init(&b);
	while (b.len < 30000)
		buf_adds(&b, "\xf0\x9f\x98\xa1");
	a = json_pack("{s:{s:s, s:i, s:[{s:s, s:[[i,i]]}]}}", "alert", "priority", "high", "count",
	    1, "mentions", "text", b.data, "matches", 2, 29999);
	for (int t = 0; t < RCV__N; t++) {
		struct receiver r = rcv((enum rcv_type)t, 5);

		render(&r, a, &m);
		if (t != RCV_CONSOLE && t != RCV_EMAIL) {
			json_t *j = body_json(&m);

			if (t == RCV_TELEGRAM)
				check_telegram(&m, j);
			else if (t == RCV_DISCORD)
				check_discord(&m, j);
			else if (t == RCV_SLACK)
				check_slack(&m, j);
			else if (t == RCV_TEAMS)
				check_teams(&m, j);
			else if (t == RCV_GCHAT)
				check_gchat(&m, j);
			json_decref(j);
		}
		receiver_msg_free(&m);
	}
	json_decref(a);
	buf_free(&b);
}
END_TEST

/* --- judging answers ---------------------------------------------------- */

static enum rcv_verdict
judge(enum rcv_type t, long status, const char *body, const char *retry_after, int64_t *wait,
    char *reason, size_t len)
{
	struct receiver r = rcv(t, 5);

	return receiver_judge(&r, status, body, body ? strlen(body) : 0, retry_after, wait, reason,
	    len);
}

START_TEST(test_judge_success)
{
	char why[200];
	int64_t w = -1;

	ck_assert_int_eq(judge(RCV_SLACK, 200, "ok", NULL, &w, why, sizeof(why)), RCV_OK);
	ck_assert_int_eq(w, 0);
	ck_assert_int_eq(judge(RCV_SLACK, 200, "ok\n", NULL, &w, why, sizeof(why)), RCV_OK);
	ck_assert_int_eq(judge(RCV_SLACK, 200, "", NULL, &w, why, sizeof(why)), RCV_DEAD);
	ck_assert_int_eq(judge(RCV_SLACK, 200, "no_text", NULL, &w, why, sizeof(why)), RCV_DEAD);
	ck_assert_str_eq(why, "HTTP 200: this URL did not answer like Slack's webhook; is it a "
	    "Slack URL? (it answered \"no_text\")");
	ck_assert_int_eq(judge(RCV_SLACK, 200, "", NULL, &w, why, sizeof(why)), RCV_DEAD);
	ck_assert_str_eq(why, "HTTP 200: this URL did not answer like Slack's webhook; is it a "
	    "Slack URL? (it answered nothing)");
	ck_assert_int_eq(judge(RCV_PAGERDUTY, 200, "<html><body>Sign in</body></html>", NULL, &w,
	    why, sizeof(why)), RCV_DEAD);
	ck_assert_str_eq(why, "HTTP 200: this URL did not answer like PagerDuty's Events API v2; "
	    "is it a PagerDuty URL? (it answered \"<html><body>Sign in</body></html>\")");
	ck_assert_int_eq(judge(RCV_DISCORD, 200, "hello", NULL, &w, why, sizeof(why)), RCV_DEAD);
	ck_assert_int_eq(judge(RCV_GCHAT, 200, "ok", NULL, &w, why, sizeof(why)), RCV_DEAD);
	ck_assert_int_eq(judge(RCV_DISCORD, 200, "{\"id\":\"1\"}", NULL, &w, why, sizeof(why)),
	    RCV_OK);
	ck_assert_int_eq(judge(RCV_WEBHOOK, 200, "hello", NULL, &w, why, sizeof(why)), RCV_OK);
	ck_assert_int_eq(judge(RCV_DISCORD, 204, NULL, NULL, &w, why, sizeof(why)), RCV_OK);
	ck_assert_int_eq(judge(RCV_TEAMS, 202, "", NULL, &w, why, sizeof(why)), RCV_OK);
	ck_assert_int_eq(judge(RCV_PAGERDUTY, 202, "{\"status\":\"success\",\"dedup_key\":\"x\"}",
	    NULL, &w, why, sizeof(why)), RCV_OK);
	ck_assert_int_eq(judge(RCV_GCHAT, 200, "{\"name\":\"spaces/A/messages/B\"}", NULL, &w,
	    why, sizeof(why)), RCV_OK);
	ck_assert_int_eq(judge(RCV_MATTERMOST, 200, "ok", NULL, &w, why, sizeof(why)), RCV_OK);
	ck_assert_int_eq(judge(RCV_WEBHOOK, 204, NULL, NULL, &w, why, sizeof(why)), RCV_OK);
	ck_assert_int_eq(judge(RCV_TELEGRAM, 200, "{\"ok\":true,\"result\":{}}", NULL, &w, why,
	    sizeof(why)), RCV_OK);
	ck_assert_int_eq(judge(RCV_TELEGRAM, 200, "<html>", NULL, &w, why, sizeof(why)),
	    RCV_DEAD);
	ck_assert_str_eq(why, "HTTP 200: this URL did not answer like Telegram's Bot API; is it a "
	    "Telegram URL? (it answered \"<html>\")");
}
END_TEST

START_TEST(test_judge_throttled)
{
	char why[200], date[64];
	int64_t w;
	time_t later = time(NULL) + 120;
	struct tm tm;
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mons[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
		"Sep", "Oct", "Nov", "Dec" };

	ck_assert_int_eq(judge(RCV_SLACK, 429, "rate_limited", "30", &w, why, sizeof(why)),
	    RCV_RETRY);
	ck_assert_int_eq(w, 30000);
	ck_assert_str_eq(why, "HTTP 429: rate_limited");
	/* An HTTP-date, two minutes ahead. */
	gmtime_r(&later, &tm);
	snprintf(date, sizeof(date), "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
	    tm.tm_mday, mons[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	ck_assert_int_eq(judge(RCV_WEBHOOK, 429, NULL, date, &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_msg(w > 110000 && w <= 121000, "%s -> %lld ms", date, (long long)w);
	/* The two obsolete forms RFC 9110 still asks recipients to accept. */
	snprintf(date, sizeof(date), "%sday, %02d-%s-%02d %02d:%02d:%02d GMT", "Any",
	    tm.tm_mday, mons[tm.tm_mon], tm.tm_year % 100, tm.tm_hour, tm.tm_min, tm.tm_sec);
	ck_assert_int_eq(judge(RCV_WEBHOOK, 429, NULL, date, &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_msg(w > 110000 && w <= 121000, "%s -> %lld ms", date, (long long)w);
	snprintf(date, sizeof(date), "%s %s %2d %02d:%02d:%02d %04d", days[tm.tm_wday],
	    mons[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
	ck_assert_int_eq(judge(RCV_WEBHOOK, 429, NULL, date, &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_msg(w > 110000 && w <= 121000, "%s -> %lld ms", date, (long long)w);
	ck_assert_int_eq(judge(RCV_WEBHOOK, 503, NULL, "Sun, 06 Nov 1994 08:49:37 GMT", &w, why,
	    sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(w, 0);	/* in the past: back off as usual */
	ck_assert_int_eq(judge(RCV_WEBHOOK, 503, NULL, "5", &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(w, 5000);
	ck_assert_int_eq(judge(RCV_WEBHOOK, 429, NULL, "99999999", &w, why, sizeof(why)),
	    RCV_RETRY);
	ck_assert_int_eq(w, 24 * 3600 * 1000LL);
	ck_assert_int_eq(judge(RCV_WEBHOOK, 429, NULL, "soon", &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(w, 0);
	/* the neighbours: 0, a trailing space, negative, fractional (not delay-seconds) */
	ck_assert_int_eq(judge(RCV_WEBHOOK, 429, NULL, "0", &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(w, 0);
	ck_assert_int_eq(judge(RCV_WEBHOOK, 429, NULL, "120 ", &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(w, 120000);
	ck_assert_int_eq(judge(RCV_WEBHOOK, 503, NULL, "\t7\r\n", &w, why, sizeof(why)),
	    RCV_RETRY);
	ck_assert_int_eq(w, 7000);
	ck_assert_int_eq(judge(RCV_WEBHOOK, 429, NULL, "-5", &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(w, 0);
	ck_assert_int_eq(judge(RCV_WEBHOOK, 429, NULL, "1.5", &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(w, 0);
	ck_assert_int_eq(judge(RCV_WEBHOOK, 429, NULL, "", &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(w, 0);
	/* Discord's body says it to the millisecond. */
	ck_assert_int_eq(judge(RCV_DISCORD, 429, "{\"message\":\"You are being rate limited.\","
	    "\"retry_after\":64.57,\"global\":false}", "65", &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(w, 65000);
	ck_assert_int_eq(judge(RCV_DISCORD, 429, "{\"message\":\"You are being rate limited.\","
	    "\"retry_after\":64.57,\"global\":false}", NULL, &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(w, 64570);
	ck_assert_str_eq(why, "HTTP 429: You are being rate limited.");
	/* Telegram's parameters.retry_after, as a 429 and inside a 200. */
	ck_assert_int_eq(judge(RCV_TELEGRAM, 429, "{\"ok\":false,\"error_code\":429,"
	    "\"description\":\"Too Many Requests: retry after 7\",\"parameters\":"
	    "{\"retry_after\":7}}", NULL, &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(w, 7000);
	ck_assert_str_eq(why, "HTTP 429: Too Many Requests: retry after 7");
	ck_assert_int_eq(judge(RCV_TELEGRAM, 200, "{\"ok\":false,\"error_code\":429,"
	    "\"parameters\":{\"retry_after\":3}}", NULL, &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(w, 3000);
	/* Teams' legacy connectors: throttling in a 200 body. */
	ck_assert_int_eq(judge(RCV_TEAMS, 200, "Microsoft Teams endpoint returned HTTP error 429 "
	    "with ContextId tcid=0", NULL, &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(judge(RCV_GCHAT, 429, "{\"error\":{\"code\":429,\"message\":\"Resource "
	    "has been exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"}}", NULL, &w, why, sizeof(why)),
	    RCV_RETRY);
	ck_assert_int_eq(w, 0);
	ck_assert_str_eq(why, "HTTP 429: Resource has been exhausted");
	ck_assert_int_eq(judge(RCV_PAGERDUTY, 429, NULL, NULL, &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_str_eq(why, "HTTP 429");
}
END_TEST

START_TEST(test_judge_failures)
{
	static const long retry[] = { 0, 408, 425, 500, 502, 503, 504, 599 };
	static const long dead[] = { 400, 401, 403, 404, 410, 413, 422, 501, 505 };
	char why[200], long_body[2000];
	int64_t w;

	for (size_t i = 0; i < sizeof(retry) / sizeof(retry[0]); i++)
		for (int t = 0; t < RCV__N; t++)
			if (t != RCV_EMAIL)
				ck_assert_msg(judge((enum rcv_type)t, retry[i], "x", NULL, &w, why,
				    sizeof(why)) == RCV_RETRY, "%ld", retry[i]);
	for (size_t i = 0; i < sizeof(dead) / sizeof(dead[0]); i++)
		for (int t = 0; t < RCV__N; t++)
			if (t != RCV_EMAIL)
				ck_assert_msg(judge((enum rcv_type)t, dead[i], "x", NULL, &w, why,
				    sizeof(why)) == RCV_DEAD, "%ld", dead[i]);
	ck_assert_int_eq(judge(RCV_WEBHOOK, 0, NULL, NULL, &w, why, sizeof(why)), RCV_RETRY);
	ck_assert(strstr(why, "no answer"));
	ck_assert_int_eq(judge(RCV_SLACK, 400, "invalid_payload", NULL, &w, why, sizeof(why)),
	    RCV_DEAD);
	ck_assert_str_eq(why, "HTTP 400: invalid_payload");
	ck_assert_int_eq(judge(RCV_SLACK, 404, "no_team", NULL, &w, why, sizeof(why)), RCV_DEAD);
	ck_assert_str_eq(why, "HTTP 404: no_team");
	ck_assert_int_eq(judge(RCV_WEBHOOK, 301, "Moved", "10", &w, why, sizeof(why)), RCV_DEAD);
	ck_assert(strstr(why, "HTTP 301: redirects are not followed"));
	ck_assert_int_eq(judge(RCV_WEBHOOK, 307, NULL, NULL, &w, why, sizeof(why)), RCV_DEAD);
	ck_assert_int_eq(judge(RCV_DISCORD, 400, "{\"message\":\"Invalid Form Body\",\"code\":"
	    "50035,\"errors\":{\"embeds\":{}}}", NULL, &w, why, sizeof(why)), RCV_DEAD);
	ck_assert_str_eq(why, "HTTP 400: Invalid Form Body");
	ck_assert_int_eq(judge(RCV_TELEGRAM, 400, "{\"ok\":false,\"error_code\":400,"
	    "\"description\":\"Bad Request: chat not found\"}", NULL, &w, why, sizeof(why)),
	    RCV_DEAD);
	ck_assert_str_eq(why, "HTTP 400: Bad Request: chat not found");
	ck_assert_int_eq(judge(RCV_PAGERDUTY, 400, "{\"status\":\"invalid event\",\"message\":"
	    "\"Event object is invalid\",\"errors\":[\"Length of 'routing_key' is incorrect\"]}",
	    NULL, &w, why, sizeof(why)), RCV_DEAD);
	ck_assert_str_eq(why, "HTTP 400: Event object is invalid: Length of 'routing_key' is "
	    "incorrect");
	/* Reasons are one printable line of bounded length, whatever the body. */
	ck_assert_int_eq(judge(RCV_WEBHOOK, 400, "bad\r\n\x01\tpayload\xff\xfe", NULL, &w, why,
	    sizeof(why)), RCV_DEAD);
	ck_assert_str_eq(why, "HTTP 400: bad payload");
	ck_assert_int_eq(judge(RCV_WEBHOOK, 400, "caf\xe9 \xe2\x82\xac ok", NULL, &w, why,
	    sizeof(why)), RCV_DEAD);
	ck_assert_str_eq(why, "HTTP 400: caf \xe2\x82\xac ok");
	memset(long_body, 'x', sizeof(long_body) - 1);
	long_body[sizeof(long_body) - 1] = '\0';
	ck_assert_int_eq(judge(RCV_WEBHOOK, 403, long_body, NULL, &w, why, sizeof(why)), RCV_DEAD);
	ck_assert_uint_le(strlen(why), 120);
	ck_assert(strstr(why, ELLIPSIS));
	ck_assert_int_eq(judge(RCV_WEBHOOK, 404, "", NULL, &w, why, sizeof(why)), RCV_DEAD);
	ck_assert_str_eq(why, "HTTP 404");
	/* NULLs are fine, and a tiny reason buffer is respected. */
	ck_assert_int_eq(judge(RCV_WEBHOOK, 500, NULL, NULL, NULL, NULL, 0), RCV_RETRY);
	ck_assert_int_eq(judge(RCV_SLACK, 400, "invalid_payload", NULL, &w, why, 6), RCV_DEAD);
	ck_assert_str_eq(why, "HTTP ");
}
END_TEST

START_TEST(test_judge_smtp)
{
	char why[200];
	int64_t w;

	ck_assert_int_eq(judge(RCV_EMAIL, 250, NULL, NULL, &w, why, sizeof(why)), RCV_OK);
	ck_assert_int_eq(judge(RCV_EMAIL, 354, NULL, NULL, &w, why, sizeof(why)), RCV_OK);
	ck_assert_int_eq(judge(RCV_EMAIL, 421, "4.7.0 try later", NULL, &w, why, sizeof(why)),
	    RCV_RETRY);
	ck_assert_int_eq(judge(RCV_EMAIL, 452, NULL, NULL, &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(judge(RCV_EMAIL, 550, "5.1.1 user unknown", NULL, &w, why, sizeof(why)),
	    RCV_DEAD);
	ck_assert_str_eq(why, "SMTP 550: 5.1.1 user unknown");
	ck_assert_int_eq(judge(RCV_EMAIL, 0, NULL, NULL, &w, why, sizeof(why)), RCV_RETRY);
}
END_TEST

/* --- display: language, time zone, late alerts ---------------------------- */

/*
 * An alert whose own texts (rules, team, posts) are Indonesian, so that
 * any English word in an Indonesian rendering can only be keluh's own.
 */
static const char display_alert[] =
    "{\"type\":\"keluh.alert\",\"alert\":{\"id\":\"a-20261122-0042\","
    "\"group\":\"akses.masuk/teknis\",\"priority\":\"critical\",\"team\":\"teknis\","
    "\"incident\":true,\"rules\":[\"akses.masuk\",\"uang.ganda\"],"
    "\"rule_info\":[{\"id\":\"akses.masuk\",\"description\":\"Tidak bisa masuk\",\"score\":40},"
    "{\"id\":\"uang.ganda\",\"description\":\"Terpotong dua kali\",\"score\":30}],"
    "\"count\":4,\"total\":9,\"suppressed\":1,\"first_at\":\"2026-11-21T23:50:00Z\","
    "\"last_at\":\"2026-11-22T10:12:00Z\",\"mentions\":["
    "{\"id\":\"m1\",\"source\":\"x\",\"text\":\"gak bisa masuk dari pagi @dompetku tolong\","
    "\"url\":\"https://x.com/budi_s/status/1\",\"created_at\":\"2026-11-22T10:12:00Z\","
    "\"author\":{\"handle\":\"@budi_s\",\"name\":\"Budi\",\"followers\":12345,"
    "\"verified\":true},\"reply\":true,\"matches\":[[4,14]]},"
    "{\"id\":\"m2\",\"source\":\"mastodon\",\"text\":\"saldo terpotong dua kali\","
    "\"url\":\"https://mastodon.social/@sari/2\",\"created_at\":\"2026-11-21T23:50:00Z\","
    "\"author\":{\"handle\":\"@sari\",\"followers\":1},\"reblog\":true}]}}";

/* The text a person reads: string values of a JSON body, minus machine fields. */
static void
human_text(const json_t *j, const char *key, struct buf *out)
{
	static const char *const machine[] = { "url", "color", "type", "style", "severity",
		"class", "contentType", "weight", "size", "spacing", "$schema", "version", "cardId",
		"parse_mode", "routing_key", "event_action", "dedup_key", "client", "href",
		"width", "timestamp", "priority", "first_at", "last_at", "threadKey", "channel",
		"username", "source", "component", "group", "rules" };
	const char *k;
	const json_t *v;
	size_t i;

	for (i = 0; key && i < sizeof(machine) / sizeof(machine[0]); i++)
		if (strcmp(key, machine[i]) == 0)
			return;
	if (json_is_string(j)) {
		buf_add(out, json_string_value(j), json_string_length(j));
		buf_adds(out, "\n");
	} else if (json_is_object(j)) {
		json_object_foreach((json_t *)j, k, v)
			human_text(v, k, out);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			human_text(v, key, out);
	}
}

/* An email's subject (RFC 2047 words decoded) and body (quoted-printable decoded). */
static void
email_text(const char *msg, struct buf *out)
{
	const char *p = strstr(msg, "\r\nSubject: "), *body = strstr(msg, "\r\n\r\n");
	unsigned char bin[512];
	size_t n;

	ck_assert(p && body);
	for (p += 11; (p = strstr(p, "=?UTF-8?B?")) != NULL && p < body;) {
		const char *e = strstr(p + 10, "?=");

		ck_assert(sodium_base642bin(bin, sizeof(bin), p + 10, (size_t)(e - p - 10), NULL,
		    &n, NULL, sodium_base64_VARIANT_ORIGINAL) == 0);
		buf_add(out, bin, n);
		p = e + 2;
	}
	buf_adds(out, "\n");
	for (p = body + 4; *p;) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n')
			p += 3;
		else if (p[0] == '=' && p[1] && p[2]) {
			char hex[3] = { p[1], p[2], 0 };

			buf_addc(out, (char)strtol(hex, NULL, 16));
			p += 3;
		} else
			buf_addc(out, *p++);
	}
}

/* Renders the display alert for type t in lang, zone tz, delayed_s late. */
static void
display_render(enum rcv_type t, enum words_lang lang, struct tz *tz, int64_t delayed_s,
    struct buf *out)
{
	struct rcv_display disp = { lang, tz };
	struct receiver r = rcv(t, 2);
	struct rcv_msg m;
	json_error_t e;
	json_t *a = json_loads(display_alert, 0, &e), *j;
	char err[256] = "";

	ck_assert_msg(a != NULL, "%s", e.text);
	r.display = &disp;
	ck_assert_msg(receiver_render_delayed(&r, a, IDEM, NOW, delayed_s, &m, err,
	    sizeof(err)) == 0, "%s: %s", receiver_type_name(t), err);
	buf_reset(out);
	if (t == RCV_CONSOLE)
		buf_add(out, m.body, m.body_len);
	else if (t == RCV_EMAIL)
		email_text(m.body, out);
	else {
		j = body_json(&m);
		human_text(j, NULL, out);
		json_decref(j);
	}
	receiver_msg_free(&m);
	json_decref(a);
}

/* Whether word w occurs in s as a whole word (not inside a longer one). */
static int
has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = s; (p = strstr(p, w)) != NULL; p++) {
		int before = p > s &&
		    (isalnum((unsigned char)p[-1]) || (unsigned char)p[-1] >= 0x80);
		int after = isalnum((unsigned char)p[n]) || (unsigned char)p[n] >= 0x80;

		if (!before && !after)
			return 1;
	}
	return 0;
}

/*
 * Every chat receiver words its message from the table: the same alert in
 * en and id carries each language's words, and the id rendering holds no
 * English word of the table (a word left in a renderer would show here).
 */
START_TEST(test_language)
{
	enum rcv_type t = (enum rcv_type)_i;
	static const enum word shown[] = { W_CRITICAL, W_INCIDENT_POST, W_INCIDENT_PRE,
		W_POSTED, W_ALERT, W_GROUP, W_AGO_POST, W_DELAYED_PRE, W_DELAYED_POST, W_MUTED };
	struct buf b, words;

	if (t == RCV_WEBHOOK)
		return;	/* a machine format: the canonical JSON, no words */
	buf_init(&b);
	buf_init(&words);
	for (int l = 0; l < WORDS__N; l++) {
		display_render(t, (enum words_lang)l, NULL, 480, &b);
		for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
			const char *w = words_get((enum words_lang)l, shown[i]);
			size_t k = strspn(w, " ");

			/* PagerDuty carries the group as its dedup_key and a detail */
			if (t == RCV_PAGERDUTY && shown[i] == W_GROUP)
				continue;
			buf_reset(&words);
			buf_adds(&words, w + k);
			while (words.len && words.data[words.len - 1] == ' ')
				words.data[--words.len] = '\0';
			if (words.len == 0)
				continue;
			ck_assert_msg(strstr(b.data, words.data) != NULL,
			    "%s in %s: no '%s' in:\n%s", receiver_type_name(t), words_lang_name((enum words_lang)l), words.data,
			    b.data);
		}
		if (t != RCV_PAGERDUTY)	/* its "more" is a number */
			ck_assert_msg(strstr(b.data, words_get((enum words_lang)l,
			    W_MORE_MENTIONS)) != NULL, "%s: no more line", receiver_type_name(t));
	}
	/* b holds the id rendering: no English word of the table is left in it. */
	for (int w = 0; w < W__N; w++) {
		char copy[64], *save = NULL, *tok;

		snprintf(copy, sizeof(copy), "%s", words_get(WORDS_EN, (enum word)w));
		for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			int shared = 0;

			if (strlen(tok) < 3)
				continue;
			for (int v = 0; v < W__N; v++)
				shared |= has_word(words_get(WORDS_ID, (enum word)v), tok);
			if (!shared)
				ck_assert_msg(!has_word(b.data, tok), "%s: English '%s' in the id "
				    "rendering:\n%s", receiver_type_name(t), tok, b.data);
		}
	}
	buf_free(&b);
	buf_free(&words);
}
END_TEST

/*
 * Post times in display.timezone with their age at NOW, and the late
 * marker only past RCV_LATE_AFTER_S.
 */
START_TEST(test_times_and_late)
{
	enum rcv_type t = (enum rcv_type)_i;
	char err[400];
	struct tz *jkt;
	struct buf b;

	if (t == RCV_WEBHOOK)
		return;
	if (access("/usr/share/zoneinfo/Asia/Jakarta", R_OK) != 0) {
		printf("# SKIP %s: no zone files (install tzdata)\n", receiver_type_name(t));
		return;
	}
	jkt = tz_load("Asia/Jakarta", err, sizeof(err));
	ck_assert_msg(jkt != NULL, "%s", err);
	buf_init(&b);
	display_render(t, WORDS_EN, jkt, 480, &b);
	/* 10:12Z is 17:12 WIB, 8 min before NOW (10:20Z) */
	ck_assert_msg(strstr(b.data, "posted 17:12 WIB, 8 min ago"), "%s:\n%s",
	    receiver_type_name(t), b.data);
	ck_assert_msg(strstr(b.data, "delayed 8 min by delivery failures"), "%s:\n%s",
	    receiver_type_name(t), b.data);
	ck_assert_msg(strstr(b.data, "alert a-20261122-0042"), "%s:\n%s", receiver_type_name(t),
	    b.data);
	if (t != RCV_PAGERDUTY)	/* PagerDuty has the group as dedup_key and a detail */
		ck_assert_msg(strstr(b.data, "group akses.masuk/teknis"), "%s:\n%s",
		    receiver_type_name(t), b.data);
	/* the other post and the counts' "since": 23:50Z is 06:50 WIB, today there */
	ck_assert_msg(strstr(b.data, "posted 06:50 WIB, 10 h 30 min ago"), "%s:\n%s",
	    receiver_type_name(t), b.data);
	ck_assert_msg(strstr(b.data, "since 06:50 WIB"), "%s:\n%s", receiver_type_name(t),
	    b.data);
	display_render(t, WORDS_ID, jkt, 3 * 3600 + 5 * 60, &b);
	ck_assert_msg(strstr(b.data, "diunggah 17:12 WIB, 8 menit lalu"), "%s:\n%s",
	    receiver_type_name(t), b.data);
	ck_assert_msg(strstr(b.data, "terlambat 3 jam 5 menit karena pengiriman gagal"),
	    "%s:\n%s", receiver_type_name(t), b.data);
	/* UTC when no zone is set: the other post was yesterday there, so it has its date */
	display_render(t, WORDS_EN, NULL, RCV_LATE_AFTER_S - 1, &b);
	ck_assert_msg(strstr(b.data, "posted 10:12 UTC, 8 min ago"), "%s:\n%s",
	    receiver_type_name(t), b.data);
	ck_assert_msg(strstr(b.data, "posted 21 Nov 23:50 UTC, 10 h 30 min ago"), "%s:\n%s",
	    receiver_type_name(t), b.data);
	ck_assert_msg(strstr(b.data, "since 21 Nov 23:50 UTC"), "%s:\n%s",
	    receiver_type_name(t), b.data);
	ck_assert_msg(strstr(b.data, "delayed") == NULL, "%s: late before %d s:\n%s",
	    receiver_type_name(t), RCV_LATE_AFTER_S, b.data);
	buf_free(&b);
	tz_free(jkt);
}
END_TEST


/* --- cases and living messages ------------------------------------------ */

/* "Case #42 ..." ('#' is escaped in Markdown: "Case \\#42") */
#define CASE_LINE "42 \xc2\xb7 acknowledged by Rina 10:06 UTC, 4 min after the post " \
    "\xc2\xb7 assigned to Rina"
#define ACK_LINK "Acknowledge: https://keluh.example.com/v1/actions/link/ack.42.tok0"

static json_t *kase;

static void
case_setup(void)
{
	kase = load("alert_case.json");
}

static void
case_teardown(void)
{
	json_decref(kase);
}

/* The bot receivers (Slack Web API, Mattermost posts API) the living tests use. */
static struct receiver
bot(enum rcv_type t)
{
	struct receiver r = rcv(t, 2);

	r.url = NULL;
	r.token = (char *)(t == RCV_SLACK ? "xoxb-1-2-abc" : "mmtoken0123");
	r.channel = (char *)(t == RCV_SLACK ? "C0123ABCD" : "chan0123");
	r.api_url = (char *)(t == RCV_SLACK ? NULL : "https://chat.example.com/");
	if (t == RCV_SLACK)
		r.signing_secret = (char *)"8f742231b10e8888abcd99yyyzzz85a5";
	return r;
}

static void
case_state(const char *state, int overdue)
{
	json_t *c = json_object_get(json_object_get(kase, "alert"), "case");

	json_object_set_new(c, "state", json_string(state));
	json_object_set_new(c, "overdue", json_boolean(overdue));
	if (strcmp(state, "resolved") == 0) {
		json_object_set_new(c, "resolved_by", json_string("Budi"));
		json_object_set_new(c, "resolved_at", json_string("2026-11-22T10:15:00Z"));
		json_object_set_new(c, "note", json_string("refund <sent>"));
	}
}

/* Every kind shows the case: its line, and buttons or links. Goldens: <type>_case.txt. */
START_TEST(test_case_render)
{
	enum rcv_type t = (enum rcv_type)_i;
	struct receiver r = rcv(t, 2);
	struct rcv_msg m;
	char name[64];
	json_t *j = NULL;
	int buttons = t == RCV_DISCORD || t == RCV_TELEGRAM;

	render(&r, kase, &m);
	if (t != RCV_CONSOLE && t != RCV_EMAIL)
		j = body_json(&m);
	if (t == RCV_WEBHOOK) {	/* the canonical alert: "case" as it came */
		ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(
		    j, "alert"), "case"), "id")), 42);
	} else if (t == RCV_EMAIL) {
		ck_assert_msg(strstr(m.body, "Case #42") != NULL, "email: no case line");
	} else {
		ck_assert_msg(strstr(m.body, CASE_LINE) != NULL, "%s: no case line in %s",
		    receiver_type_name(t), m.body);
		ck_assert_msg((strstr(m.body, ACK_LINK) == NULL) == buttons, "%s: links",
		    receiver_type_name(t));
	}
	ck_assert_msg((strstr(m.body, "\"ack:42\"") != NULL) == 0, "ack on an acked case");
	ck_assert_msg((strstr(m.body, "\"resolve:42\"") != NULL) == buttons, "%s: buttons",
	    receiver_type_name(t));
	snprintf(name, sizeof(name), "%s_case", receiver_type_name(t));
	golden_as(name, &m, j);
	json_decref(j);
	receiver_msg_free(&m);
}
END_TEST

/*
 * With people: in keluhd.yaml the case lists them, and a Slack bot offers
 * "Assign to..." after its buttons, one option per person whose key can
 * be an action's argument; a closed case offers no menu.
 */
START_TEST(test_case_assign_menu)
{
	struct receiver s = bot(RCV_SLACK);
	json_t *c = json_object_get(json_object_get(kase, "alert"), "case"), *j, *els, *menu;
	struct rcv_msg m;

	json_object_set_new(c, "people", json_pack("[{s:s,s:s},{s:s,s:s}]", "key", "rina", "name",
	    "Rina", "key", "tim cs", "name", "Tim CS"));
	render(&s, kase, &m);
	j = body_json(&m);
	els = NULL;
	for (size_t i = 0; i < json_array_size(json_object_get(j, "blocks")); i++) {
		json_t *b = json_array_get(json_object_get(j, "blocks"), i);

		if (strcmp(jstr(b, "type"), "actions") == 0)
			els = json_object_get(b, "elements");
	}
	menu = json_array_get(els, 1);
	ck_assert_str_eq(jstr(menu, "type"), "static_select");
	ck_assert_str_eq(jstr(menu, "action_id"), "keluh.assign_to");
	ck_assert_uint_eq(json_array_size(json_object_get(menu, "options")), 1);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(menu, "options"), 0), "value"),
	    "assign:42:rina");
	json_decref(j);
	receiver_msg_free(&m);
	case_state("resolved", 0);
	render(&s, kase, &m);
	ck_assert_msg(strstr(m.body, "static_select") == NULL, "a menu on a resolved case");
	receiver_msg_free(&m);
}
END_TEST

/*
 * Buttons only where keluhd can check the presses: a Slack bot without
 * signing_secret_file, a Discord webhook without public_key show the
 * case's signed links instead.
 */
START_TEST(test_case_buttons_need_keys)
{
	struct receiver s = bot(RCV_SLACK), d = rcv(RCV_DISCORD, 2);
	struct rcv_msg m;

	s.signing_secret = NULL;
	d.has_public_key = 0;
	render(&s, kase, &m);
	ck_assert_msg(strstr(m.body, "\"resolve:42\"") == NULL, "slack: buttons without a secret");
	ck_assert_msg(strstr(m.body, "Resolve: https://keluh.example.com/v1/actions/link/") != NULL,
	    "slack: no links in %s", m.body);
	receiver_msg_free(&m);
	render(&d, kase, &m);
	ck_assert_msg(strstr(m.body, "\"components\"") == NULL, "discord: buttons without a key");
	ck_assert_msg(strstr(m.body, "/v1/actions/link/") != NULL, "discord: no links in %s", m.body);
	receiver_msg_free(&m);
}
END_TEST

/* The bots: Slack's chat.postMessage with blocks and buttons, Mattermost's posts API. */
START_TEST(test_case_bots)
{
	struct receiver s = bot(RCV_SLACK), mm = bot(RCV_MATTERMOST);
	struct rcv_msg m;
	json_t *j, *acts, *b;

	render(&s, kase, &m);
	j = body_json(&m);
	ck_assert_str_eq(m.url, "https://slack.com/api/chat.postMessage");
	ck_assert_str_eq(header(&m, "Authorization"), "Bearer xoxb-1-2-abc");
	ck_assert_str_eq(jstr(j, "channel"), "C0123ABCD");
	ck_assert_ptr_eq(m.method, NULL);
	acts = json_array_get(json_object_get(j, "blocks"),
	    json_array_size(json_object_get(j, "blocks")) - 1);
	ck_assert_str_eq(jstr(acts, "type"), "actions");
	b = json_array_get(json_object_get(acts, "elements"), 0);
	ck_assert_str_eq(jstr(b, "action_id"), "keluh.assign");
	ck_assert_str_eq(jstr(b, "value"), "assign:42");
	ck_assert_msg(strstr(m.body, ACK_LINK) == NULL, "links beside buttons");
	ck_assert(strstr(m.body, CASE_LINE) != NULL);
	golden_as("slack_bot_case", &m, j);
	json_decref(j);
	receiver_msg_free(&m);

	render(&mm, kase, &m);
	j = body_json(&m);
	ck_assert_str_eq(m.url, "https://chat.example.com/api/v4/posts");
	ck_assert_str_eq(header(&m, "Authorization"), "Bearer mmtoken0123");
	ck_assert_str_eq(jstr(j, "channel_id"), "chan0123");
	b = json_array_get(json_object_get(json_array_get(json_object_get(json_object_get(j,
	    "props"), "attachments"), 0), "actions"), 2);
	ck_assert_str_eq(jstr(b, "id"), "notcomplaint");	/* letters and digits only */
	ck_assert_str_eq(jstr(json_object_get(b, "integration"), "url"),
	    "https://keluh.example.com/v1/actions/ops");
	ck_assert_str_eq(jstr(json_object_get(json_object_get(b, "integration"), "context"),
	    "token"), "notcomplaint.42.tok3");
	golden_as("mattermost_bot_case", &m, j);
	json_decref(j);
	receiver_msg_free(&m);
}
END_TEST

/* The action_ids of a Slack bot's buttons, joined by ' '. */
static void
slack_buttons_of(const json_t *alert, struct buf *out)
{
	struct receiver s = bot(RCV_SLACK);
	struct rcv_msg m;
	json_t *j, *blocks, *last, *e;
	size_t i;

	render(&s, alert, &m);
	j = body_json(&m);
	blocks = json_object_get(j, "blocks");
	last = json_array_get(blocks, json_array_size(blocks) - 1);
	buf_reset(out);
	buf_adds(out, "");
	if (strcmp(jstr(last, "type"), "actions") == 0)
		json_array_foreach(json_object_get(last, "elements"), i, e)
			buf_printf(out, "%s%s", i ? " " : "", jstr(e, "value"));
	json_decref(j);
	receiver_msg_free(&m);
}

START_TEST(test_case_states)
{
	struct buf b, t;
	struct receiver tg = rcv(RCV_TELEGRAM, 2);
	struct rcv_msg m;

	buf_init(&b);
	buf_init(&t);
	case_state("open", 1);
	json_object_set_new(json_object_get(json_object_get(kase, "alert"), "case"), "acked_by",
	    json_null());
	json_object_set_new(json_object_get(json_object_get(kase, "alert"), "case"), "assignee",
	    json_null());
	slack_buttons_of(kase, &b);
	ck_assert_str_eq(b.data, "ack:42 assign:42 resolve:42 not_complaint:42 mute_author:42 "
	    "silence:42");
	render(&tg, kase, &m);
	ck_assert(strstr(m.body, "Case #42 \xc2\xb7 open \xc2\xb7 OVERDUE") != NULL);
	ck_assert(strstr(m.body, "\"callback_data\":\"mute_author:42\"") != NULL);
	receiver_msg_free(&m);
	case_state("acknowledged", 0);
	slack_buttons_of(kase, &b);
	ck_assert_str_eq(b.data, "assign:42 resolve:42 not_complaint:42 mute_author:42 "
	    "silence:42");
	case_state("resolved", 0);
	slack_buttons_of(kase, &b);
	ck_assert_str_eq(b.data, "reopen:42");
	render(&tg, kase, &m);
	ck_assert_msg(strstr(m.body, "Case #42 \xc2\xb7 resolved by Budi 10:15 UTC \xc2\xb7 "
	    "note: refund &lt;sent&gt;") != NULL, "%s", m.body);
	receiver_msg_free(&m);
	case_state("not_complaint", 0);
	slack_buttons_of(kase, &b);
	ck_assert_str_eq(b.data, "reopen:42");
	/* Without a case: no buttons, as before cases. */
	json_object_del(json_object_get(kase, "alert"), "case");
	slack_buttons_of(kase, &t);
	ck_assert_str_eq(t.data, "");
	buf_free(&b);
	buf_free(&t);
}
END_TEST

/* Indonesian words for the case, buttons included. */
START_TEST(test_case_language)
{
	struct rcv_display disp = { WORDS_ID, NULL };
	struct receiver s = bot(RCV_SLACK);
	struct rcv_msg m;

	s.display = &disp;
	render(&s, kase, &m);
	ck_assert_msg(strstr(m.body, "Kasus #42 \xc2\xb7 ditangani Rina 10:06 UTC, 4 menit setelah "
	    "pesan \xc2\xb7 ditugaskan ke Rina") != NULL, "%s", m.body);
	ck_assert(strstr(m.body, "\"text\":\"Selesai\"") != NULL);
	receiver_msg_free(&m);
}
END_TEST

static int
post_ref(const struct receiver *r, const char *body, char *ref)
{
	return receiver_post_ref(r, body, strlen(body), ref, RCV_REFLEN);
}

START_TEST(test_post_ref)
{
	struct receiver s = bot(RCV_SLACK), mm = bot(RCV_MATTERMOST), d = rcv(RCV_DISCORD, 2);
	struct receiver tg = rcv(RCV_TELEGRAM, 2), hook = rcv(RCV_SLACK, 2), tm = rcv(RCV_TEAMS, 2);
	char ref[RCV_REFLEN];

	ck_assert(receiver_living(&s) && receiver_living(&mm) && receiver_living(&d) &&
	    receiver_living(&tg));
	ck_assert(!receiver_living(&hook) && !receiver_living(&tm));
	ck_assert_int_eq(post_ref(&s, "{\"ok\":true,\"channel\":\"C0123ABCD\",\"ts\":"
	    "\"1795342800.000100\",\"message\":{}}", ref), 0);
	ck_assert_str_eq(ref, "C0123ABCD:1795342800.000100");
	ck_assert_int_eq(post_ref(&s, "{\"ok\":false,\"error\":\"invalid_auth\"}", ref), -1);
	ck_assert_str_eq(ref, "");
	ck_assert_int_eq(post_ref(&s, "{\"ok\":true,\"channel\":\"C1\"}", ref), -1);
	ck_assert_int_eq(post_ref(&hook, "ok", ref), -1);
	ck_assert_int_eq(post_ref(&d, "{\"id\":\"1234567890123456789\",\"type\":0}", ref), 0);
	ck_assert_str_eq(ref, "1234567890123456789");
	ck_assert_int_eq(post_ref(&d, "", ref), -1);	/* 204: posted without ?wait=true */
	ck_assert_int_eq(post_ref(&d, "{\"id\":\"../x\"}", ref), -1);
	ck_assert_int_eq(post_ref(&tg, "{\"ok\":true,\"result\":{\"message_id\":77,\"chat\":{\"id\":"
	    "-1001234567890}}}", ref), 0);
	ck_assert_str_eq(ref, "-1001234567890:77");
	ck_assert_int_eq(post_ref(&tg, "{\"ok\":true,\"result\":{\"message_id\":78}}", ref), 0);
	ck_assert_str_eq(ref, "-1001234567890:78");
	ck_assert_int_eq(post_ref(&tg, "{\"ok\":true,\"result\":{}}", ref), -1);
	ck_assert_int_eq(post_ref(&mm, "{\"id\":\"q7n3xk5z1jfwtr8ebh6ydc4m9a\",\"message\":\"x\"}",
	    ref), 0);
	ck_assert_str_eq(ref, "q7n3xk5z1jfwtr8ebh6ydc4m9a");
	ck_assert_int_eq(post_ref(&mm, "{\"id\":\"a/b\"}", ref), -1);
	ck_assert_int_eq(post_ref(&tm, "{\"id\":\"1\"}", ref), -1);
	ck_assert_int_eq(receiver_post_ref(&s, "{\"ok\":true,\"channel\":\"C1\",\"ts\":\"1.2\"}",
	    33, ref, 4), -1);	/* no room */
}
END_TEST

static int
living(const struct receiver *r, int reply, const char *ref, struct rcv_msg *m, char *err)
{
	return (reply ? receiver_render_reply : receiver_render_edit)(r, kase, ref, NOW, m, err,
	    256);
}

START_TEST(test_render_edit)
{
	struct receiver s = bot(RCV_SLACK), mm = bot(RCV_MATTERMOST), d = rcv(RCV_DISCORD, 2);
	struct receiver tg = rcv(RCV_TELEGRAM, 2), hook = rcv(RCV_SLACK, 2);
	struct rcv_msg m;
	char err[256];
	json_t *j;

	ck_assert_int_eq(living(&s, 0, "C0123ABCD:1795342800.000100", &m, err), 0);
	j = body_json(&m);
	ck_assert_str_eq(m.url, "https://slack.com/api/chat.update");
	ck_assert_str_eq(jstr(j, "channel"), "C0123ABCD");
	ck_assert_str_eq(jstr(j, "ts"), "1795342800.000100");
	ck_assert(strstr(m.body, "\"resolve:42\"") && strstr(m.body, CASE_LINE));
	json_decref(j);
	receiver_msg_free(&m);
	ck_assert_int_eq(living(&d, 0, "1234567890123456789", &m, err), 0);
	ck_assert_str_eq(m.url, "https://discord.com/api/webhooks/1/tok/messages/"
	    "1234567890123456789");
	ck_assert_str_eq(m.method, "PATCH");
	j = body_json(&m);
	ck_assert_ptr_eq(json_object_get(j, "username"), NULL);
	ck_assert(json_array_size(json_object_get(j, "components")) == 1);
	json_decref(j);
	receiver_msg_free(&m);
	ck_assert_int_eq(living(&tg, 0, "-1001234567890:77", &m, err), 0);
	ck_assert_str_eq(m.url, "https://api.telegram.org/bot123456:ABC-DEF_ghi/editMessageText");
	j = body_json(&m);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "chat_id")), -1001234567890LL);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "message_id")), 77);
	ck_assert(json_object_get(j, "reply_markup") != NULL);
	golden_as("telegram_edit_case", &m, j);
	json_decref(j);
	receiver_msg_free(&m);
	ck_assert_int_eq(living(&mm, 0, "q7n3xk5z1jfwtr8ebh6ydc4m9a", &m, err), 0);
	ck_assert_str_eq(m.url, "https://chat.example.com/api/v4/posts/q7n3xk5z1jfwtr8ebh6ydc4m9a");
	ck_assert_str_eq(m.method, "PUT");
	j = body_json(&m);
	ck_assert_str_eq(jstr(j, "id"), "q7n3xk5z1jfwtr8ebh6ydc4m9a");
	json_decref(j);
	receiver_msg_free(&m);
	/* Refused: no such message, or a receiver that cannot edit. */
	ck_assert_int_eq(living(&s, 0, "C0123ABCD", &m, err), -1);
	ck_assert_str_eq(err, "receiver 'ops': 'C0123ABCD' is not a message reference");
	ck_assert_int_eq(living(&s, 0, "C1:1\"}", &m, err), -1);
	ck_assert_int_eq(living(&d, 0, "12/../34", &m, err), -1);
	ck_assert_str_eq(err, "receiver 'ops': '12/../34' is not a Discord message id");
	ck_assert_int_eq(living(&tg, 0, "-100:abc", &m, err), -1);
	ck_assert_int_eq(living(&mm, 0, "x?y", &m, err), -1);
	ck_assert_int_eq(living(&hook, 0, "C1:1.2", &m, err), -1);
	ck_assert_str_eq(err, "receiver 'ops' edits no messages");
	ck_assert_int_eq(living(&s, 0, "", &m, err), -1);
	ck_assert_str_eq(err, "receiver 'ops' got no message reference");
	s.channel = NULL;
	ck_assert_int_eq(receiver_render(&s, kase, IDEM, NOW, &m, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "slack receiver 'ops' has token_file but no channel");
	ck_assert_ptr_eq(m.body, NULL);
}
END_TEST

START_TEST(test_render_reply)
{
	struct receiver s = bot(RCV_SLACK), mm = bot(RCV_MATTERMOST), d = rcv(RCV_DISCORD, 2);
	struct receiver tg = rcv(RCV_TELEGRAM, 2);
	struct rcv_msg m;
	char err[256];
	json_t *j;

	ck_assert_int_eq(living(&s, 1, "C0123ABCD:1795342800.000100", &m, err), 0);
	j = body_json(&m);
	ck_assert_str_eq(m.url, "https://slack.com/api/chat.postMessage");
	ck_assert_str_eq(jstr(j, "thread_ts"), "1795342800.000100");
	ck_assert_ptr_eq(json_object_get(j, "ts"), NULL);
	ck_assert_msg(strstr(m.body, "\"actions\"") == NULL, "buttons in a reply");
	ck_assert_msg(strstr(m.body, ACK_LINK) == NULL, "links in a reply");
	ck_assert(strstr(m.body, CASE_LINE) != NULL);
	json_decref(j);
	receiver_msg_free(&m);
	ck_assert_int_eq(living(&tg, 1, "-1001234567890:77", &m, err), 0);
	ck_assert_str_eq(m.url, "https://api.telegram.org/bot123456:ABC-DEF_ghi/sendMessage");
	j = body_json(&m);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j,
	    "reply_parameters"), "message_id")), 77);
	ck_assert_ptr_eq(json_object_get(j, "reply_markup"), NULL);
	json_decref(j);
	receiver_msg_free(&m);
	ck_assert_int_eq(living(&mm, 1, "q7n3xk5z1jfwtr8ebh6ydc4m9a", &m, err), 0);
	ck_assert_str_eq(m.url, "https://chat.example.com/api/v4/posts");
	ck_assert_ptr_eq(m.method, NULL);
	j = body_json(&m);
	ck_assert_str_eq(jstr(j, "root_id"), "q7n3xk5z1jfwtr8ebh6ydc4m9a");
	ck_assert_msg(strstr(m.body, "\"actions\"") == NULL, "buttons in a reply");
	json_decref(j);
	receiver_msg_free(&m);
	ck_assert_int_eq(living(&d, 1, "1234567890123456789", &m, err), -1);
	ck_assert_str_eq(err, "receiver 'ops' has no threads to reply in");
}
END_TEST

/* Discord posts a case with ?wait=true (its answer holds the message id). */
START_TEST(test_discord_wait)
{
	struct receiver d = rcv(RCV_DISCORD, 2);
	struct rcv_msg m;

	render(&d, kase, &m);
	ck_assert_str_eq(m.url, "https://discord.com/api/webhooks/1/tok?wait=true");
	receiver_msg_free(&m);
	d.url = (char *)"https://discord.com/api/webhooks/1/tok?thread_id=9";
	render(&d, kase, &m);
	ck_assert_str_eq(m.url, "https://discord.com/api/webhooks/1/tok?thread_id=9&wait=true");
	receiver_msg_free(&m);
}
END_TEST

/* Slack's Web API answers 200 with "ok":false on failure. */
START_TEST(test_judge_slack_api)
{
	char why[200];
	int64_t w = -1;

	ck_assert_int_eq(judge(RCV_SLACK, 200, "{\"ok\":true,\"channel\":\"C1\",\"ts\":\"1.2\"}",
	    NULL, &w, why, sizeof(why)), RCV_OK);
	ck_assert_int_eq(judge(RCV_SLACK, 200, "{\"ok\":false,\"error\":\"ratelimited\"}", "30", &w,
	    why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(w, 30000);
	ck_assert_str_eq(why, "Slack's Web API 200: ratelimited");
	ck_assert_int_eq(judge(RCV_SLACK, 200, "{\"ok\":false,\"error\":\"invalid_auth\"}", NULL,
	    &w, why, sizeof(why)), RCV_DEAD);
	ck_assert_str_eq(why, "Slack's Web API 200: invalid_auth");
	ck_assert_int_eq(judge(RCV_SLACK, 200, "{\"ok\":false,\"error\":\"channel_not_found\"}",
	    NULL, &w, why, sizeof(why)), RCV_DEAD);
	ck_assert_str_eq(why, "Slack's Web API 200: channel_not_found");
	ck_assert_int_eq(judge(RCV_SLACK, 200, "{\"ok\":false,\"error\":\"internal_error\"}", NULL,
	    &w, why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(w, 0);
	ck_assert_int_eq(judge(RCV_SLACK, 200, "{\"ok\":false}", NULL, &w, why, sizeof(why)),
	    RCV_DEAD);
	ck_assert_int_eq(judge(RCV_SLACK, 429, "{\"ok\":false,\"error\":\"ratelimited\"}", "5", &w,
	    why, sizeof(why)), RCV_RETRY);
	ck_assert_int_eq(w, 5000);
	ck_assert_int_eq(judge(RCV_SLACK, 200, "ok", NULL, &w, why, sizeof(why)), RCV_OK);
}
END_TEST

/* Telegram refuses an edit that changes nothing; the message already says it. */
START_TEST(test_judge_telegram_edit)
{
	char why[200];
	int64_t w = -1;

	ck_assert_int_eq(judge(RCV_TELEGRAM, 400, "{\"ok\":false,\"error_code\":400,"
	    "\"description\":\"Bad Request: message is not modified: specified new message "
	    "content and reply markup are exactly the same\"}", NULL, &w, why, sizeof(why)),
	    RCV_OK);
	ck_assert_str_eq(why, "HTTP 400: the message already says this");
	ck_assert_int_eq(judge(RCV_TELEGRAM, 400, "{\"ok\":false,\"error_code\":400,"
	    "\"description\":\"Bad Request: message to edit not found\"}", NULL, &w, why,
	    sizeof(why)), RCV_DEAD);
}
END_TEST

static Suite *
receivers_suite(void)
{
	Suite *s = suite_create("receivers");
	TCase *tc = tcase_create("basic");

	tcase_add_checked_fixture(tc, basic_setup, basic_teardown);
	tcase_add_test(tc, test_basic_console);
	tcase_add_test(tc, test_basic_webhook);
	tcase_add_test(tc, test_webhook_keys);
	tcase_add_test(tc, test_basic_slack);
	tcase_add_test(tc, test_basic_mattermost);
	tcase_add_test(tc, test_basic_discord);
	tcase_add_test(tc, test_basic_teams);
	tcase_add_test(tc, test_basic_gchat);
	tcase_add_test(tc, test_basic_telegram);
	tcase_add_test(tc, test_basic_pagerduty);
	tcase_add_test(tc, test_basic_email);
	tcase_add_test(tc, test_priorities);
	tcase_add_test(tc, test_paging);
	tcase_add_test(tc, test_odd_alerts);
	tcase_add_test(tc, test_type_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("big");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, big_setup, big_teardown);
	tcase_add_loop_test(tc, test_big, 0, RCV__N);
	tcase_add_test(tc, test_one_huge_mention);
	tcase_add_test(tc, test_big_paging);
	suite_add_tcase(s, tc);
	tc = tcase_create("display");
	tcase_add_loop_test(tc, test_language, 0, RCV__N);
	tcase_add_test(tc, test_model_title);
	tcase_add_loop_test(tc, test_times_and_late, 0, RCV__N);
	suite_add_tcase(s, tc);
	tc = tcase_create("judge");
	tcase_add_test(tc, test_judge_success);
	tcase_add_test(tc, test_judge_throttled);
	tcase_add_test(tc, test_judge_failures);
	tcase_add_test(tc, test_judge_smtp);
	tcase_add_test(tc, test_judge_slack_api);
	tcase_add_test(tc, test_judge_telegram_edit);
	suite_add_tcase(s, tc);
	tc = tcase_create("cases");
	tcase_add_checked_fixture(tc, case_setup, case_teardown);
	tcase_add_loop_test(tc, test_case_render, 0, RCV__N);
	tcase_add_test(tc, test_case_bots);
	tcase_add_test(tc, test_case_buttons_need_keys);
	tcase_add_test(tc, test_case_assign_menu);
	tcase_add_test(tc, test_case_states);
	tcase_add_test(tc, test_case_language);
	tcase_add_test(tc, test_post_ref);
	tcase_add_test(tc, test_render_edit);
	tcase_add_test(tc, test_render_reply);
	tcase_add_test(tc, test_discord_wait);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if (sign_init() < 0)
		return EXIT_FAILURE;
	return unit_run(receivers_suite());
}
