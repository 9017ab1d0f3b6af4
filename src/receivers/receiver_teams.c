#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "receivers/receiver_int.h"

/*
 * Microsoft Teams through a Workflows webhook (Microsoft Teams
 * developer documentation, "Create incoming webhooks with Workflows"): an
 * Adaptive Card in the "message" envelope with one attachment.
 *
 * Text that comes from mentions or rules goes into RichTextBlock TextRuns,
 * not TextBlocks: TextRuns take no Markdown, so user text needs no escaping
 * and cannot format itself, and a matched word is a run with
 * weight Bolder. Backslash escapes in TextBlock Markdown are rendered
 * differently by Teams desktop and mobile (AdaptiveCards issues #5590,
 * #7474), which this avoids. Only fixed strings go in TextBlocks.
 */

/* Teams: messages over 28 KB are refused; keep the whole body under 26,000 bytes. */
#define TEAMS_BYTES 26000
#define TEAMS_SAMPLE_UNITS 1000
#define TEAMS_MIN_UNITS 80
#define TEAMS_MORE_BYTES 200

struct teams_fill {
	const struct rcv_alert *a;
	json_t *piece;
	json_t *body;
};

static json_t *
teams_run(const char *s, size_t len, int bold)
{
	struct buf b;
	json_t *r;

	buf_init(&b);
	rcv_clean(&b, s, len);
	r = json_pack("{s:s, s:o}", "type", "TextRun", "text", rcv_jstr(b.data, b.len));
	if (bold) {
		json_object_set_new(r, "weight", json_string("Bolder"));
		json_object_set_new(r, "highlight", json_true());
	}
	buf_free(&b);
	return r;
}

static json_t *
teams_rich(json_t *inlines)
{
	return json_pack("{s:s, s:o}", "type", "RichTextBlock", "inlines", inlines);
}

/* The mention's text as runs, matched spans bold, cut to units. */
static json_t *
teams_text_runs(const json_t *m, size_t units)
{
	const json_t *t = json_object_get(m, "text");
	json_t *runs = json_array();
	struct rcv_span *sp;
	const char *text;
	size_t len, keep, n, pos = 0;
	int cut;

	if (!json_is_string(t))
		return runs;
	text = json_string_value(t);
	len = json_string_length(t);
	keep = rcv_text_cut(text, len, units, &cut);
	n = rcv_spans(m, text, keep, &sp);
	for (size_t i = 0; i < n; i++) {
		if (sp[i].s > pos)
			json_array_append_new(runs, teams_run(text + pos, sp[i].s - pos, 0));
		json_array_append_new(runs, teams_run(text + sp[i].s, sp[i].e - sp[i].s, 1));
		pos = sp[i].e;
	}
	if (keep > pos || cut) {
		struct buf b;

		buf_init(&b);
		buf_add(&b, text + pos, keep - pos);
		if (cut)
			buf_adds(&b, RCV_ELLIPSIS);
		json_array_append_new(runs, teams_run(b.data, b.len, 0));
		buf_free(&b);
	}
	free(sp);
	return runs;
}

static size_t
teams_render_sample(void *arg, const json_t *m, size_t cap)
{
	struct teams_fill *f = arg;
	const char *h = rcv_handle(f->a, m), *link = rcv_link(m), *url = rcv_url(m);
	json_t *items = json_array(), *who = json_array();
	struct buf rest;

	buf_init(&rest);
	rcv_byline(f->a, m, &rest);
	json_array_append_new(who, teams_run(h, strlen(h), 0));
	json_object_set_new(json_array_get(who, 0), "weight", json_string("Bolder"));
	json_array_append_new(who, teams_run(rest.data, rest.len, 0));
	json_array_append_new(items, teams_rich(who));
	json_array_append_new(items, teams_rich(teams_text_runs(m, cap)));
	if (link)
		json_array_append_new(items, teams_rich(json_pack("[{s:s, s:s, s:{s:s, s:s}}]",
		    "type", "TextRun", "text", rcv_w(f->a, W_OPEN_POST), "selectAction", "type",
		    "Action.OpenUrl", "url", link)));
	else if (url) {
		buf_reset(&rest);
		rcv_url_text(&rest, RCV_MK_PLAIN, url);
		json_array_append_new(items, teams_rich(json_pack("[o]", teams_run(rest.data,
		    rest.len, 0))));
	}
	buf_free(&rest);
	json_decref(f->piece);
	f->piece = json_pack("{s:s, s:b, s:s, s:o}", "type", "Container", "separator", 1,
	    "spacing", "Medium", "items", items);
	return rcv_jlen(f->piece) + 1;	/* and a comma */
}

static void
teams_keep_sample(void *arg)
{
	struct teams_fill *f = arg;

	json_array_append_new(f->body, f->piece);
	f->piece = NULL;
}

static int
rcv_render_teams(struct rcv_ctx *c, struct rcv_msg *m)
{
	const struct rcv_alert *a = &c->a;
	struct teams_fill f = { a, NULL, NULL };
	struct rcv_fill fl;
	struct buf t;
	json_t *o, *card, *head, *line;
	size_t shown, base, max;

	if (c->r->url == NULL || *c->r->url == '\0')
		return rcv_fail(c, "teams receiver '%s' has no url", rcv_rname(c));
	buf_init(&t);
	f.body = json_array();

	/* Header: the priority in its colour, the rules, then team and counts. */
	rcv_headline(a, &t, 1);
	head = json_array();
	json_array_append_new(head, json_pack("{s:s, s:o, s:s, s:s, s:s, s:b}", "type", "TextBlock",
	    "text", rcv_jstr(t.data, t.len), "weight", "Bolder", "size", "Medium", "color",
	    a->style->card_color, "wrap", 1));
	buf_reset(&t);
	rcv_title(a, &t, RCV_TITLE_UNITS);
	line = teams_run(t.data, t.len, 0);
	json_object_set_new(line, "weight", json_string("Bolder"));
	json_array_append_new(head, teams_rich(json_pack("[o]", line)));
	line = json_array();
	if (a->team) {
		buf_reset(&t);
		rcv_esc_fit(&t, RCV_MK_PLAIN, a->team, strlen(a->team), 100);
		json_array_append_new(line, teams_run(t.data, t.len, 0));
		json_object_set_new(json_array_get(line, 0), "weight", json_string("Bolder"));
		buf_reset(&t);
		buf_printf(&t, "%s ", rcv_w(a, W_TEAM));
		json_array_insert_new(line, 0, teams_run(t.data, t.len, 0));
		json_array_append_new(line, teams_run(" \xc2\xb7 ", 4, 0));
	}
	buf_reset(&t);
	rcv_counts(a, &t);
	json_array_append_new(line, teams_run(t.data, t.len, 0));
	json_array_append_new(head, teams_rich(line));
	/* The case and its links, the alert's id and group (to quote it), any delay: a line each. */
	buf_reset(&t);
	rcv_case_lines(a, &t, RCV_MK_PLAIN, "\n");
	for (char *p = t.data, *nl; p && p < t.data + t.len; p = nl) {
		nl = memchr(p + 1, '\n', (size_t)(t.data + t.len - p - 1));
		if (nl == NULL)
			nl = t.data + t.len;
		json_array_append_new(head, teams_rich(json_pack("[o]", teams_run(p + 1,
		    (size_t)(nl - p - 1), 0))));
	}
	buf_reset(&t);
	rcv_idline(a, &t);
	if (t.len)
		json_array_append_new(head, teams_rich(json_pack("[o]", teams_run(t.data, t.len,
		    0))));
	buf_reset(&t);
	rcv_late(a, &t);
	if (t.len)
		json_array_append_new(head, teams_rich(json_pack("[o]", teams_run(t.data, t.len,
		    1))));
	json_array_append_new(f.body, json_pack("{s:s, s:s, s:b, s:o}", "type", "Container",
	    "style", a->style->card_style, "bleed", 1, "items", head));

	card = json_pack("{s:s, s:s, s:s, s:{s:s}, s:O}", "$schema",
	    "http://adaptivecards.io/schemas/adaptive-card.json", "type", "AdaptiveCard",
	    "version", "1.4", "msteams", "width", "Full", "body", f.body);
	buf_reset(&t);
	rcv_headline(a, &t, 0);
	buf_adds(&t, ": ");
	rcv_title(a, &t, RCV_TITLE_UNITS);
	json_object_set_new(card, "fallbackText", rcv_jstr(t.data, t.len));
	o = json_pack("{s:s, s:[{s:s, s:n, s:o}]}", "type", "message", "attachments",
	    "contentType", "application/vnd.microsoft.card.adaptive", "contentUrl", "content",
	    card);

	/* The samples go into the body the envelope already holds; measure what is there. */
	base = rcv_jlen(o);
	max = TEAMS_BYTES - TEAMS_MORE_BYTES;
	fl.budget = base < max ? max - base : 0;
	fl.piece_max = fl.budget;
	fl.cap = TEAMS_SAMPLE_UNITS;
	fl.min_cap = TEAMS_MIN_UNITS;
	fl.max_pieces = c->samples;
	fl.render = teams_render_sample;
	fl.keep = teams_keep_sample;
	fl.arg = &f;
	shown = rcv_fill(a, &fl);
	json_decref(f.piece);
	if (a->nall > shown) {
		buf_reset(&t);
		rcv_more(a, &t, a->nall - shown);
		json_array_append_new(f.body, json_pack("{s:s, s:o, s:b, s:b, s:b}", "type",
		    "TextBlock", "text", rcv_jstr(t.data, t.len), "isSubtle", 1, "wrap", 1,
		    "separator", 1));
	}
	json_decref(f.body);	/* the card holds its own reference */
	rcv_msg_post_json(m, xstrdup(c->r->url), o);
	buf_free(&t);
	return 0;
}

/* Legacy Office 365 connectors report throttling as "HTTP error 429" in a 200 body. */
static enum rcv_verdict
teams_judge_2xx(const struct rcv_kind *k, struct rcv_answer *an)
{
	if (!rcv_body_has(an->body, an->len, "HTTP error 429"))
		return rcv_judge_say(RCV_OK, an, "HTTP", an->status, NULL, "OK");
	*an->wait_ms = rcv_retry_after(an->retry_after);
	return rcv_judge_say(RCV_RETRY, an, "HTTP", an->status, NULL,
	    "throttled (HTTP error 429 in the body)");
}

static const struct conf_key teams_keys[] = {
    {"url", CONF_STRING},
    {"url_file", CONF_SECRET_FILE},
    {NULL, 0},
};

const struct rcv_kind rcv_kind_teams = {
	.conf = {
		.name = "teams",
		.keys = teams_keys,
		.needs_url = 1,
		.rate_per_s = 10,
		.parse = rcv_parse_secret,
	},
	.render = rcv_render_teams,
	.transport = RCV_TR_HTTP,
	.judge = rcv_judge_http,
	.answers = { .json = 1, .judge_2xx = teams_judge_2xx },
};
