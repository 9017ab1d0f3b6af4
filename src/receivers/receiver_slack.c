#include "config.h"

#include <string.h>

#include "receivers/receiver_int.h"

/*
 * Slack incoming webhooks (Slack API documentation, Block Kit limits) and
 * Mattermost incoming webhooks (Mattermost developer documentation), which
 * take Slack-style attachments but speak Markdown.
 *
 * Slack: the top-level text is the notification; the colour bar needs a
 * (legacy, still supported) attachment, so the blocks go inside one.
 */

#define SLACK_SECTION_UNITS 3000	/* Slack: section text <= 3,000 */
#define SLACK_MAX_BLOCKS 50		/* Slack: <= 50 blocks */
/*
 * Slack answers msg_blocks_too_long from about 13k characters of
 * block text, well below the documented limits: stay under 11k.
 */
#define SLACK_BLOCK_UNITS 11000
#define SLACK_TEXT_UNITS 300		/* the notification line (40,000 allowed) */
#define SLACK_SAMPLE_UNITS 700		/* text of one mention */
#define SLACK_MIN_UNITS 80
#define SLACK_MORE_UNITS 40		/* room kept for "+N more mentions" */

/*
 * Mattermost: a post holds 16,383 characters; longer text is split into
 * several posts. Text plus attachment text stay under 15,000 so one alert
 * is one post.
 */
#define MM_UNITS 15000
#define MM_SAMPLE_UNITS 1000
#define MM_MIN_UNITS 80

struct slack_fill {
	const struct rcv_alert *a;
	struct buf piece;
	json_t *blocks;		/* Slack: kept sections */
	struct buf kept;	/* Mattermost: kept samples, as one Markdown text */
	struct buf t, notice;	/* scratch, and the notification line */
	enum rcv_markup mk;
};

/* The notification line: "🔴 CRITICAL INCIDENT: Cannot log in (team tech, 12 mentions)". */
static void
slack_notice(const struct rcv_alert *a, struct buf *out, enum rcv_markup mk, size_t units)
{
	struct buf t;

	buf_init(&t);
	rcv_headline(a, &t, 1);
	buf_adds(&t, ": ");
	rcv_title_counts(a, &t, RCV_TITLE_UNITS);
	rcv_esc_fit(out, mk, t.data, t.len, units);
	buf_free(&t);
}

/* One mention: bold handle and reach, the text quoted, then the link. */
static void
slack_sample_text(const struct rcv_alert *a, struct buf *b, enum rcv_markup mk, const json_t *m,
    size_t cap)
{
	const char *link = rcv_link(m), *url = rcv_url(m);
	struct buf rest;

	buf_init(&rest);
	rcv_bolds(b, mk, rcv_handle(a, m));
	rcv_byline(a, m, &rest);
	rcv_esc(b, mk, rest.data, rest.len);
	buf_adds(b, mk == RCV_MK_SLACK ? "\n>" : "\n> ");
	rcv_emph_text(b, mk, m, cap);
	if (mk == RCV_MK_SLACK && link && strchr(link, '&') == NULL)
		buf_printf(b, "\n<%s|%s>", link, rcv_w(a, W_OPEN_POST));
	else if (mk == RCV_MK_MD && link)
		buf_printf(b, "\n[%s](%s)", rcv_w(a, W_OPEN_POST), link);
	else if (url) {
		buf_adds(b, "\n");
		rcv_url_text(b, mk, url);
	}
	buf_free(&rest);
}

static json_t *
slack_section(const char *text, size_t len)
{
	return json_pack("{s:s, s:{s:s, s:o}}", "type", "section", "text", "type", "mrkdwn",
	    "text", rcv_jstr(text, len));
}

static size_t
slack_render_sample(void *arg, const json_t *m, size_t cap)
{
	struct slack_fill *f = arg;

	buf_reset(&f->piece);
	slack_sample_text(f->a, &f->piece, f->mk, m, cap);
	/* Mattermost samples are joined by a blank line: count it. */
	return rcv_ulen(f->piece.data, f->piece.len) + (f->mk == RCV_MK_MD ? 2 : 0);
}

static void
slack_keep_sample(void *arg)
{
	struct slack_fill *f = arg;

	if (f->mk == RCV_MK_SLACK) {
		json_array_append_new(f->blocks, slack_section(f->piece.data, f->piece.len));
		return;
	}
	if (f->kept.len)
		buf_adds(&f->kept, "\n\n");
	buf_add(&f->kept, f->piece.data, f->piece.len);
}

static void
slack_fill_init(struct slack_fill *f, const struct rcv_alert *a, enum rcv_markup mk)
{
	memset(f, 0, sizeof(*f));
	buf_init(&f->piece);
	buf_init(&f->kept);
	buf_init(&f->t);
	buf_init(&f->notice);
	f->mk = mk;
	f->a = a;
}

static void
slack_fill_free(struct slack_fill *f)
{
	buf_free(&f->piece);
	buf_free(&f->kept);
	buf_free(&f->t);
	buf_free(&f->notice);
}

/* Runs the sample loop over f's pieces; returns the mentions shown. */
static size_t
slack_fill_run(struct slack_fill *f, struct rcv_fill *fl)
{
	fl->render = slack_render_sample;
	fl->keep = slack_keep_sample;
	fl->arg = f;
	return rcv_fill(f->a, fl);
}

/* The text, the optional channel and username, and att as the one attachment. */
static json_t *
slack_payload(const struct rcv_ctx *c, const struct buf *text, json_t *att)
{
	json_t *o = json_object();

	json_object_set_new(o, "text", rcv_jstr(text->data, text->len));
	if (c->r->channel && *c->r->channel)
		json_object_set_new(o, "channel", rcv_jstr(c->r->channel, strlen(c->r->channel)));
	if (c->r->username && *c->r->username)
		json_object_set_new(o, "username",
		    rcv_jstr(c->r->username, strlen(c->r->username)));
	json_object_set_new(o, "attachments", json_pack("[o]", att));
	return o;
}

static int
rcv_render_slack(struct rcv_ctx *c, struct rcv_msg *m)
{
	const struct rcv_alert *a = &c->a;
	struct slack_fill f;
	struct rcv_fill fl;
	struct buf head;
	size_t shown, used, max;
	json_t *o, *att;

	if (c->r->url == NULL || *c->r->url == '\0')
		return rcv_fail(c, "slack receiver '%s' has no url", rcv_rname(c));
	slack_fill_init(&f, a, RCV_MK_SLACK);
	buf_init(&head);
	f.blocks = json_array();

	/* "*🔴 CRITICAL INCIDENT* · Cannot log in\nteam *tech* · 12 mentions" */
	rcv_headline(a, &f.t, 1);
	rcv_bold(&head, RCV_MK_SLACK, f.t.data, f.t.len);
	buf_adds(&head, " \xc2\xb7 ");
	buf_reset(&f.t);
	rcv_title(a, &f.t, RCV_TITLE_UNITS);
	rcv_esc(&head, RCV_MK_SLACK, f.t.data, f.t.len);
	buf_adds(&head, "\n");
	rcv_summary(a, &head, RCV_MK_SLACK);
	json_array_append_new(f.blocks, slack_section(head.data, head.len));
	used = rcv_ulen(head.data, head.len);

	max = SLACK_MAX_BLOCKS - 2;	/* the header section and the "more" line */
	fl.budget = SLACK_BLOCK_UNITS - used - SLACK_MORE_UNITS;
	fl.piece_max = SLACK_SECTION_UNITS;
	fl.cap = SLACK_SAMPLE_UNITS;
	fl.min_cap = SLACK_MIN_UNITS;
	fl.max_pieces = c->samples < max ? c->samples : max;
	shown = slack_fill_run(&f, &fl);
	if (a->nall > shown) {
		buf_reset(&f.t);
		rcv_more(a, &f.t, a->nall - shown);
		json_array_append_new(f.blocks, json_pack("{s:s, s:[{s:s, s:o}]}", "type",
		    "context", "elements", "type", "mrkdwn", "text", rcv_jstr(f.t.data, f.t.len)));
	}

	slack_notice(a, &f.notice, RCV_MK_SLACK, SLACK_TEXT_UNITS);
	att = json_object();
	json_object_set_new(att, "color", json_string(a->style->hex));
	json_object_set_new(att, "fallback", rcv_jstr(f.notice.data, f.notice.len));
	json_object_set_new(att, "blocks", f.blocks);
	o = slack_payload(c, &f.notice, att);
	rcv_page(c, o, "text", 0);	/* in the text: mentions in attachments ping nobody */
	rcv_msg_post_json(m, xstrdup(c->r->url), o);
	slack_fill_free(&f);
	buf_free(&head);
	return 0;
}

/*
 * Mattermost: the headline as a Markdown heading in text, the samples in a
 * coloured attachment. Handles go in code spans (RCV_MK_MD): a post's
 * mentions notify people on the server, but none inside code, and a code
 * span shows the handle as it is, so a copied handle still finds its author.
 */
static int
rcv_render_mattermost(struct rcv_ctx *c, struct rcv_msg *m)
{
	const struct rcv_alert *a = &c->a;
	struct slack_fill f;
	struct rcv_fill fl;
	struct buf text;
	size_t shown;
	json_t *o, *att;

	if (c->r->url == NULL || *c->r->url == '\0')
		return rcv_fail(c, "mattermost receiver '%s' has no url", rcv_rname(c));
	slack_fill_init(&f, a, RCV_MK_MD);
	buf_init(&text);

	/* "#### 🔴 CRITICAL INCIDENT · Cannot log in\nteam **tech** · 12 mentions" */
	buf_adds(&text, "#### ");
	rcv_headline(a, &text, 1);
	buf_adds(&text, " \xc2\xb7 ");
	rcv_title(a, &f.t, RCV_TITLE_UNITS);
	rcv_esc(&text, RCV_MK_MD, f.t.data, f.t.len);
	buf_adds(&text, "\n");
	rcv_summary(a, &text, RCV_MK_MD);
	slack_notice(a, &f.notice, RCV_MK_PLAIN, SLACK_TEXT_UNITS);

	fl.budget = MM_UNITS - rcv_ulen(text.data, text.len) -
	    rcv_ulen(f.notice.data, f.notice.len) - SLACK_MORE_UNITS;
	fl.piece_max = fl.budget;
	fl.cap = MM_SAMPLE_UNITS;
	fl.min_cap = MM_MIN_UNITS;
	fl.max_pieces = c->samples;
	shown = slack_fill_run(&f, &fl);
	if (a->nall > shown) {
		if (f.kept.len)
			buf_adds(&f.kept, "\n\n");
		buf_adds(&f.kept, "_");
		rcv_more(a, &f.kept, a->nall - shown);
		buf_adds(&f.kept, "_");
	}

	att = json_object();
	json_object_set_new(att, "fallback", rcv_jstr(f.notice.data, f.notice.len));
	json_object_set_new(att, "color", json_string(a->style->hex));
	if (f.kept.len)
		json_object_set_new(att, "text", rcv_jstr(f.kept.data, f.kept.len));
	o = slack_payload(c, &text, att);
	rcv_page(c, o, "text", 1);	/* a line of its own: the heading must start one */
	rcv_msg_post_json(m, xstrdup(c->r->url), o);
	slack_fill_free(&f);
	buf_free(&text);
	return 0;
}

/* Whether s is a Slack mention (Slack's message formatting): a user, a user group, or @here. */
static int
slack_page_valid(const char *s)
{
	size_t len = strlen(s);

	if (strcmp(s, "<!here>") == 0 || strcmp(s, "<!channel>") == 0)
		return 1;
	if (strncmp(s, "<@", 2) == 0 && len > 4 && (s[2] == 'U' || s[2] == 'W') &&
	    s[len - 1] == '>')
		return rcv_page_id(s + 3, len - 4, 0);
	if (strncmp(s, "<!subteam^S", 11) == 0 && len > 12 && s[len - 1] == '>')
		return rcv_page_id(s + 11, len - 12, 0);
	return 0;
}

/* Whether s is a Mattermost mention: a user or a group. */
static int
mattermost_page_valid(const char *s)
{
	return s[0] == '@' && rcv_page_name(s + 1, 1, 64, "abcdefghijklmnopqrstuvwxyz0123456789._-");
}

/*
 * Slack's signing_secret_file: interactivity requests are taken only with
 * it (receivers/action.h). Mattermost shares Slack's keys but signs
 * nothing: its buttons carry keluh's own token instead.
 */
static void
slack_parse(struct confp *L, yaml_node_t *item, struct receiver *r)
{
	yaml_node_t *n = ymap_get(L->yf, item, "signing_secret_file");

	rcv_parse_secret(L, item, r);
	if (n == NULL)
		return;
	if (r->type != RCV_SLACK) {
		yerror(L->d, L->yf, n, "signing_secret_file: mattermost receivers take none "
		    "(Mattermost does not sign its requests; keluh signs its buttons itself): "
		    "remove it");
		return;
	}
	r->signing_secret = confp_secret_line(L, item, "signing_secret_file");
	if (r->signing_secret && *r->signing_secret == '\0') {
		yerror(L->d, L->yf, n, "signing_secret_file: the file is empty; put the Signing "
		    "Secret of the Slack app's Basic Information page in it");
		confp_free_secret(r->signing_secret);
		r->signing_secret = NULL;
	}
}

static const struct conf_key slack_keys[] = {
    {"url", CONF_STRING},
    {"url_file", CONF_SECRET_FILE},
    {"channel", CONF_STRING},
    {"username", CONF_STRING},
    {"mention_on_critical", CONF_LIST},
    {"mention_at_least", CONF_STRING},
    {"signing_secret_file", CONF_SECRET_FILE},
    {NULL, 0},
};

const struct rcv_kind rcv_kind_slack = {
	.conf = {
		.name = "slack",
		.keys = slack_keys,
		.needs_url = 1,
		.rate_per_s = 1,
		.parse = slack_parse,
		.page_valid = slack_page_valid,
		.page_hint = "write \"<@U123ABC>\" for a user, \"<!subteam^S123ABC>\" for a user "
		    "group (their ids, not names), or \"<!here>\"",
		.page_example = "<@U123ABC>",
	},
	.render = rcv_render_slack,
	.transport = RCV_TR_HTTP,
	.judge = rcv_judge_http,
	.answers = { .ok_body = "ok", .what = "Slack's webhook", .who = "Slack" },
};

const struct rcv_kind rcv_kind_mattermost = {
	.conf = {
		.name = "mattermost",
		.keys = slack_keys,
		.needs_url = 1,
		.rate_per_s = 10,
		.parse = slack_parse,
		.page_valid = mattermost_page_valid,
		.page_hint = "write \"@username\" or \"@groupname\" (lower case, digits, '.', '_', "
		    "'-')",
		.page_example = "@oncall_lead",
	},
	.render = rcv_render_mattermost,
	.transport = RCV_TR_HTTP,
	.judge = rcv_judge_http,
};
