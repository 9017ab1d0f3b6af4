#include "config.h"

#include <string.h>

#include "receivers/receiver_int.h"

/*
 * Google Chat incoming webhooks (Google Chat API guide, "Send a message
 * using an incoming webhook"): a text line for the
 * notification and a cardsV2 card, whose text widgets take an HTML subset
 * (<b> <i> <a href> <br>), so mention text is HTML-escaped there.
 *
 * Every alert of a group goes to one thread: threadKey is the group, and
 * the URL asks to reply in that thread or start it
 * (messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD). The URL also
 * carries the idempotency key as requestId.
 */

/*
 * Google's "send a message" guide: a message, text and cards, is at most
 * 32,000 bytes. Keep the body under 30,000.
 */
#define GCHAT_BYTES 30000
#define GCHAT_MAX_WIDGETS 100	/* cards v2: at most 100 widgets per card */
#define GCHAT_TEXT_UNITS 300
#define GCHAT_SAMPLE_UNITS 1000
#define GCHAT_MIN_UNITS 80
#define GCHAT_MORE_BYTES 200
#define GCHAT_KEY_BYTES 120

struct gchat_fill {
	const struct rcv_alert *a;
	json_t *piece;
	json_t *sections;
	struct buf b;
};

static size_t
gchat_render_sample(void *arg, const json_t *m, size_t cap)
{
	struct gchat_fill *f = arg;
	const char *link = rcv_link(m), *url = rcv_url(m);
	struct buf rest;

	buf_init(&rest);
	buf_reset(&f->b);
	rcv_bolds(&f->b, RCV_MK_HTML, rcv_handle(f->a, m));
	rcv_byline(f->a, m, &rest);
	rcv_esc(&f->b, RCV_MK_HTML, rest.data, rest.len);
	buf_adds(&f->b, "<br>");
	rcv_emph_text(&f->b, RCV_MK_HTML, m, cap);
	if (link) {
		buf_adds(&f->b, "<br><a href=\"");
		rcv_escs(&f->b, RCV_MK_HTML, link);
		buf_adds(&f->b, "\">");
		buf_adds(&f->b, rcv_w(f->a, W_OPEN_POST));
		buf_adds(&f->b, "</a>");
	} else if (url) {
		buf_adds(&f->b, "<br>");
		rcv_url_text(&f->b, RCV_MK_HTML, url);
	}
	buf_free(&rest);
	json_decref(f->piece);
	f->piece = json_pack("{s:[{s:{s:o}}]}", "widgets", "textParagraph", "text",
	    rcv_jstr(f->b.data, f->b.len));
	return rcv_jlen(f->piece) + 1;
}

static void
gchat_keep_sample(void *arg)
{
	struct gchat_fill *f = arg;

	json_array_append_new(f->sections, f->piece);
	f->piece = NULL;
}

static void
gchat_urlencode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			buf_addc(b, (char)c);
		else
			buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
}

static json_t *
gchat_decorated(const char *label, const char *html, size_t len)
{
	return json_pack("{s:{s:s, s:o}}", "decoratedText", "topLabel", label, "text",
	    rcv_jstr(html, len));
}

static int
rcv_render_gchat(struct rcv_ctx *c, struct rcv_msg *m)
{
	const struct rcv_alert *a = &c->a;
	struct gchat_fill f;
	struct rcv_fill fl;
	struct buf t, h, key, url;
	json_t *o, *widgets;
	size_t shown, base, max, nwidgets;

	if (c->r->url == NULL || *c->r->url == '\0')
		return rcv_fail(c, "googlechat receiver '%s' has no url", rcv_rname(c));
	memset(&f, 0, sizeof(f));
	f.a = a;
	buf_init(&f.b);
	buf_init(&t);
	buf_init(&h);
	buf_init(&key);
	buf_init(&url);
	f.sections = json_array();

	/* The first section: priority in its colour, team, counts. */
	widgets = json_array();
	buf_printf(&h, "<font color=\"%s\"><b>", a->style->hex);
	rcv_headline(a, &h, 0);
	buf_adds(&h, "</b></font>");
	json_array_append_new(widgets, gchat_decorated(rcv_w(a, W_L_PRIORITY), h.data, h.len));
	if (a->team) {
		buf_reset(&h);
		rcv_esc_fit(&h, RCV_MK_HTML, a->team, strlen(a->team), 100);
		json_array_append_new(widgets, gchat_decorated(rcv_w(a, W_L_TEAM), h.data, h.len));
	}
	buf_reset(&t);
	rcv_counts(a, &t);
	buf_reset(&h);
	rcv_esc(&h, RCV_MK_HTML, t.data, t.len);
	json_array_append_new(widgets, gchat_decorated(rcv_w(a, W_L_MENTIONS), h.data, h.len));
	/* The alert's id and group (to quote it), and any delay. */
	buf_reset(&h);
	rcv_ref_lines(a, &h, RCV_MK_HTML, "<br>");
	if (h.len > 4)
		json_array_append_new(widgets, json_pack("{s:{s:o}}", "textParagraph", "text",
		    rcv_jstr(h.data + 4, h.len - 4)));
	nwidgets = json_array_size(widgets);
	json_array_append_new(f.sections, json_pack("{s:o}", "widgets", widgets));

	/* The notification: "🔴 *CRITICAL INCIDENT*: Cannot log in (team tech, 12 mentions)" */
	buf_reset(&h);
	buf_reset(&t);
	rcv_headline(a, &t, 1);
	rcv_bold(&h, RCV_MK_GTEXT, t.data, t.len);
	buf_adds(&h, ": ");
	buf_reset(&t);
	rcv_title_counts(a, &t, RCV_TITLE_UNITS);
	rcv_esc_fit(&h, RCV_MK_GTEXT, t.data, t.len, GCHAT_TEXT_UNITS);

	/* Card header fields are plain text: t the title, key (for now) the subtitle. */
	buf_reset(&t);
	rcv_headline(a, &t, 1);
	buf_reset(&url);
	rcv_title(a, &url, RCV_TITLE_UNITS);
	buf_reset(&key);
	rcv_clean(&key, url.data, url.len);
	o = json_pack("{s:o, s:[{s:s, s:{s:{s:o, s:o}, s:O}}]}", "text", rcv_jstr(h.data, h.len),
	    "cardsV2", "cardId", "keluh-alert", "card", "header", "title",
	    rcv_jstr(t.data, t.len), "subtitle", rcv_jstr(key.data, key.len), "sections",
	    f.sections);
	buf_reset(&key);
	rcv_short_key(&key, a->group ? a->group : a->id ? a->id : "keluh", GCHAT_KEY_BYTES);
	json_object_set_new(o, "thread", json_pack("{s:o}", "threadKey",
	    rcv_jstr(key.data, key.len)));

	base = rcv_jlen(o);
	max = GCHAT_BYTES - GCHAT_MORE_BYTES;
	fl.budget = base < max ? max - base : 0;
	fl.piece_max = fl.budget;
	fl.cap = GCHAT_SAMPLE_UNITS;
	fl.min_cap = GCHAT_MIN_UNITS;
	max = GCHAT_MAX_WIDGETS - nwidgets - 1;	/* a widget per sample, one for "more" */
	fl.max_pieces = c->samples < max ? c->samples : max;
	fl.render = gchat_render_sample;
	fl.keep = gchat_keep_sample;
	fl.arg = &f;
	shown = rcv_fill(a, &fl);
	json_decref(f.piece);
	if (a->nall > shown) {
		buf_reset(&t);
		buf_adds(&t, "<i>");
		rcv_more(a, &t, a->nall - shown);
		buf_adds(&t, "</i>");
		json_array_append_new(f.sections, json_pack("{s:[{s:{s:o}}]}", "widgets",
		    "textParagraph", "text", rcv_jstr(t.data, t.len)));
	}
	json_decref(f.sections);

	buf_reset(&url);
	buf_adds(&url, c->r->url);
	if (strstr(c->r->url, "messageReplyOption=") == NULL)
		buf_printf(&url, "%cmessageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD",
		    strchr(c->r->url, '?') ? '&' : '?');
	/*
	 * requestId makes the create idempotent: a retry after a lost answer
	 * returns the message the first try made instead of posting it twice.
	 */
	buf_printf(&url, "%crequestId=", strchr(url.data, '?') ? '&' : '?');
	gchat_urlencode(&url, c->idem_key);
	m->url = xstrdup(url.data);
	rcv_msg_header(m, "Content-Type: application/json; charset=UTF-8");
	rcv_msg_json(m, o);
	buf_free(&f.b);
	buf_free(&t);
	buf_free(&h);
	buf_free(&key);
	buf_free(&url);
	return 0;
}

static const struct conf_key gchat_keys[] = {
    {"url", CONF_STRING},
    {"url_file", CONF_SECRET_FILE},
    {NULL, 0},
};

const struct rcv_kind rcv_kind_gchat = {
	.conf = {
		.name = "googlechat",
		.keys = gchat_keys,
		.needs_url = 1,
		.rate_per_s = 10,
		.parse = rcv_parse_secret,
	},
	.render = rcv_render_gchat,
	.transport = RCV_TR_HTTP,
	.judge = rcv_judge_http,
	.answers = { .json = 1, .json_only = 1, .what = "Google Chat's webhook",
	    .who = "Google Chat" },
};
