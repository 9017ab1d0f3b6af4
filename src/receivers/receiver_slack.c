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
#define SLACK_ACTIONS_UNITS 300		/* room kept for the buttons' labels and values */

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

/* Slack's Web API (a bot token), not an incoming webhook. */
static int
slack_api(const struct receiver *r)
{
	return r->token != NULL;
}

/*
 * "Assign to..." (a static_select) when the case lists people: each
 * option's value is "assign:<case id>:<person's key>", as a button's value
 * with the person after it. Keys that cannot be such an argument are left
 * out; NULL when none is left.
 */
static json_t *
slack_assign_menu(const struct rcv_alert *a)
{
	const json_t *people = json_object_get(a->kase, "people"), *p;
	json_t *opts = json_array();
	struct buf v;
	size_t i;

	buf_init(&v);
	json_array_foreach(people, i, p)
	{
		const char *key = rcv_str(p, "key"), *name = rcv_str(p, "name");

		if (key == NULL || name == NULL || *key == '\0' || strlen(key) > 64 ||
		    strpbrk(key, ": \t\r\n") != NULL)
			continue;
		buf_reset(&v);
		rcv_action_value(a, "assign", &v);
		buf_printf(&v, ":%s", key);
		/* Slack: an option's text is at most 75 characters */
		json_array_append_new(opts, json_pack("{s:{s:s, s:s%}, s:s%}", "text", "type",
		    "plain_text", "text", name, rcv_prefix(name, strlen(name), 75), "value", v.data,
		    v.len));
	}
	buf_free(&v);
	if (json_array_size(opts) == 0) {
		json_decref(opts);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:{s:s, s:s}, s:o}", "type", "static_select", "action_id",
	    "keluh.assign_to", "placeholder", "type", "plain_text", "text",
	    rcv_w(a, W_A_ASSIGN_TO), "options", opts);
}

/*
 * The case's buttons (Block Kit actions block). An action_id is
 * "keluh.<action>", the value "<action>:<case id>": what an interaction
 * payload sends back. After them, the menu of people to assign to.
 */
static json_t *
slack_actions(const struct rcv_alert *a)
{
	const char *acts[RCV_MAX_ACTIONS];
	size_t n = rcv_case_actions(a, acts);
	json_t *els = json_array();
	struct buf id, v;

	buf_init(&id);
	buf_init(&v);
	for (size_t i = 0; i < n; i++) {
		json_t *b;

		buf_reset(&id);
		buf_reset(&v);
		buf_printf(&id, "keluh.%s", acts[i]);
		rcv_action_value(a, acts[i], &v);
		b = json_pack("{s:s, s:s%, s:{s:s, s:s}, s:s%}", "type", "button", "action_id",
		    id.data, id.len, "text", "type", "plain_text", "text",
		    rcv_action_label(a, acts[i]), "value", v.data, v.len);
		if (i == 0)
			json_object_set_new(b, "style", json_string("primary"));
		json_array_append_new(els, b);
		if (strcmp(acts[i], "assign") == 0 && (b = slack_assign_menu(a)) != NULL)
			json_array_append_new(els, b);
	}
	buf_free(&id);
	buf_free(&v);
	return json_pack("{s:s, s:s, s:o}", "type", "actions", "block_id", "keluh.case",
	    "elements", els);
}

/*
 * Whether a Slack render draws buttons: the Web API, with a case, not in a
 * thread reply, and only when keluhd can check Slack's signature on the
 * presses (signing_secret_file); else the case's signed links stand in.
 */
static int
slack_buttons(const struct rcv_ctx *c)
{
	return slack_api(c->r) && c->r->signing_secret != NULL && c->a.kase != NULL &&
	    c->mode != RCV_M_REPLY;
}

/*
 * The Web API request (Slack: chat.postMessage, chat.update): the blocks at
 * the top (a colour bar would need a legacy attachment, and buttons belong
 * in the message), the notice as text. ref is "CHANNEL:TS".
 */
static int
slack_api_msg(struct rcv_ctx *c, struct rcv_msg *m, const struct buf *notice, json_t *blocks)
{
	const char *base = c->r->api_url && *c->r->api_url ? c->r->api_url :
	    "https://slack.com/api";
	size_t blen = strlen(base);
	struct buf ch, ts;
	json_t *o = json_object();

	buf_init(&ch);
	buf_init(&ts);
	if (slack_buttons(c))
		json_array_append_new(blocks, slack_actions(&c->a));
	if (c->mode == RCV_M_POST && (c->r->channel == NULL || *c->r->channel == '\0')) {
		rcv_fail(c, "slack receiver '%s' has token_file but no channel", rcv_rname(c));
		goto fail;
	}
	if (c->mode != RCV_M_POST && rcv_ref_split(c, 1, &ch, &ts) < 0)
		goto fail;
	if (rcv_bearer(c, m, c->r->token) < 0)
		goto fail;
	json_object_set_new(o, "channel", c->mode == RCV_M_POST ? json_string(c->r->channel) :
	    rcv_jstr(ch.data, ch.len));
	if (c->mode != RCV_M_POST)
		json_object_set_new(o, c->mode == RCV_M_EDIT ? "ts" : "thread_ts",
		    rcv_jstr(ts.data, ts.len));
	json_object_set_new(o, "text", rcv_jstr(notice->data, notice->len));
	json_object_set_new(o, "blocks", blocks);
	if (c->r->username && *c->r->username)
		json_object_set_new(o, "username", json_string(c->r->username));
	rcv_page(c, o, "text", 0);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	/* Without the charset Slack answers with a "missing_charset" warning. */
	m->url = xasprintf("%.*s/chat.%s", (int)blen, base,
	    c->mode == RCV_M_EDIT ? "update" : "postMessage");
	rcv_msg_header(m, "Content-Type: application/json; charset=utf-8");
	rcv_msg_json(m, o);
	buf_free(&ch);
	buf_free(&ts);
	return 0;
fail:
	json_decref(blocks);
	json_decref(o);
	buf_free(&ch);
	buf_free(&ts);
	return -1;
}

static int
rcv_render_slack(struct rcv_ctx *c, struct rcv_msg *m)
{
	const struct rcv_alert *a = &c->a;
	struct slack_fill f;
	struct rcv_fill fl;
	struct buf head;
	size_t shown, used, max;
	int rc = 0, api = slack_api(c->r);
	json_t *o, *att;

	if (!api && (c->r->url == NULL || *c->r->url == '\0'))
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

	/* The header section, the "more" line and, with the Web API, the buttons. */
	max = SLACK_MAX_BLOCKS - 2 - (size_t)api;
	fl.budget = SLACK_BLOCK_UNITS - used - SLACK_MORE_UNITS - (api ? SLACK_ACTIONS_UNITS : 0);
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
	if (api)
		rc = slack_api_msg(c, m, &f.notice, f.blocks);
	else {
		att = json_object();
		json_object_set_new(att, "color", json_string(a->style->hex));
		json_object_set_new(att, "fallback", rcv_jstr(f.notice.data, f.notice.len));
		json_object_set_new(att, "blocks", f.blocks);
		o = slack_payload(c, &f.notice, att);
		rcv_page(c, o, "text", 0);	/* in the text: mentions in attachments ping nobody */
		rcv_msg_post_json(m, xstrdup(c->r->url), o);
	}
	slack_fill_free(&f);
	buf_free(&head);
	return rc;
}

/*
 * Mattermost's buttons call keluhd at <public_url>/v1/actions/<receiver>
 * with the context given here; its token is the one of the case's signed
 * link for the same action (<public_url>/v1/actions/link/<token>), which
 * keluhd checks. Without those links there is nothing to check: no button.
 */
#define MM_LINK_PATH "/v1/actions/link/"

/* The signed link of action in the case, split at MM_LINK_PATH; NULL when there is none. */
static const char *
mm_link(const struct rcv_alert *a, const char *action, size_t *baselen)
{
	const json_t *acts = json_object_get(a->kase, "actions"), *e;
	size_t i;

	json_array_foreach(acts, i, e) {
		const char *act = rcv_str(e, "action"), *url = rcv_str(e, "url"), *p;

		if (act && url && strcmp(act, action) == 0 && (p = strstr(url, MM_LINK_PATH)) &&
		    p[strlen(MM_LINK_PATH)] != '\0') {
			*baselen = (size_t)(p - url);
			return url;
		}
	}
	return NULL;
}

static int
mm_buttons(const struct rcv_ctx *c)
{
	const char *acts[RCV_MAX_ACTIONS];
	size_t n = rcv_case_actions(&c->a, acts), bl;

	if (!slack_api(c->r) || c->mode == RCV_M_REPLY)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (mm_link(&c->a, acts[i], &bl))
			return 1;
	return 0;
}

/*
 * The attachment's actions. Mattermost routes a button by its id, which
 * must be letters and digits only (an id with '_' fails silently:
 * mattermost/mattermost#21939), so "not_complaint" is "notcomplaint" there;
 * the context carries the action's real name.
 */
static json_t *
mm_actions(const struct rcv_ctx *c)
{
	const char *acts[RCV_MAX_ACTIONS], *url;
	size_t n = rcv_case_actions(&c->a, acts), bl;
	json_t *out = json_array();
	struct buf id, hook;

	buf_init(&id);
	buf_init(&hook);
	for (size_t i = 0; i < n; i++) {
		if ((url = mm_link(&c->a, acts[i], &bl)) == NULL)
			continue;
		buf_reset(&id);
		buf_reset(&hook);
		for (const char *p = acts[i]; *p; p++)
			if (*p != '_')
				buf_addc(&id, *p);
		buf_printf(&hook, "%.*s/v1/actions/%s", (int)bl, url, rcv_rname(c));
		json_array_append_new(out, json_pack("{s:s%, s:s, s:s, s:{s:s%, s:{s:s, s:I, s:s}}}",
		    "id", id.data, id.len, "type", "button", "name", rcv_action_label(&c->a, acts[i]),
		    "integration", "url", hook.data, hook.len, "context", "action", acts[i], "case",
		    (json_int_t)c->a.case_id, "token", url + bl + strlen(MM_LINK_PATH)));
	}
	buf_free(&id);
	buf_free(&hook);
	return out;
}

/*
 * Mattermost's REST API with a bot token: POST /api/v4/posts (a reply
 * names its thread in root_id), PUT /api/v4/posts/{id} to edit. The
 * attachment goes in props, as in a webhook's payload.
 */
static int
mm_api_msg(struct rcv_ctx *c, struct rcv_msg *m, const struct buf *text, json_t *att)
{
	const char *base = c->r->api_url ? c->r->api_url : "";
	size_t blen = strlen(base);
	json_t *o = json_object();

	if (c->mode != RCV_M_POST && !rcv_ref_is(c->ref, "abcdefghijklmnopqrstuvwxyz0123456789")) {
		json_decref(att);
		json_decref(o);
		return rcv_fail(c, "receiver '%s': '%.40s' is not a Mattermost post id",
		    rcv_rname(c), c->ref);
	}
	if (rcv_bearer(c, m, c->r->token) < 0) {
		json_decref(att);
		json_decref(o);
		return -1;
	}
	if (mm_buttons(c))
		json_object_set_new(att, "actions", mm_actions(c));
	if (c->mode == RCV_M_EDIT)
		json_object_set_new(o, "id", json_string(c->ref));
	json_object_set_new(o, "channel_id", json_string(c->r->channel ? c->r->channel : ""));
	if (c->mode == RCV_M_REPLY)
		json_object_set_new(o, "root_id", json_string(c->ref));
	json_object_set_new(o, "message", rcv_jstr(text->data, text->len));
	json_object_set_new(o, "props", json_pack("{s:[o]}", "attachments", att));
	rcv_page(c, o, "message", 1);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (c->mode == RCV_M_EDIT) {
		rcv_msg_post_json(m, xasprintf("%.*s/api/v4/posts/%s", (int)blen, base, c->ref), o);
		m->method = xstrdup("PUT");
	} else
		rcv_msg_post_json(m, xasprintf("%.*s/api/v4/posts", (int)blen, base), o);
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
	int rc = 0;
	json_t *o, *att;

	if (!slack_api(c->r) && (c->r->url == NULL || *c->r->url == '\0'))
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
	if (slack_api(c->r))
		rc = mm_api_msg(c, m, &text, att);
	else {
		o = slack_payload(c, &text, att);
		rcv_page(c, o, "text", 1);	/* a line of its own: the heading must start one */
		rcv_msg_post_json(m, xstrdup(c->r->url), o);
	}
	slack_fill_free(&f);
	buf_free(&text);
	return rc;
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
slack_parse_signing(struct confp *L, yaml_node_t *item, struct receiver *r)
{
	yaml_node_t *n = ymap_get(L->yf, item, "signing_secret_file");

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

/*
 * An incoming webhook (url or url_file), or a bot (token_file and channel;
 * api_url: Slack's by default, a Mattermost server's address). A bot edits
 * its messages; a webhook cannot.
 */
static void
slack_parse(struct confp *L, yaml_node_t *item, struct receiver *r)
{
	int mm = r->type == RCV_MATTERMOST;
	const char *s, *kind = mm ? "mattermost" : "slack";
	yaml_node_t *api = ymap_get(L->yf, item, "api_url");
	int hook = ymap_get(L->yf, item, "url") || ymap_get(L->yf, item, "url_file");

	rcv_parse_secret(L, item, r);
	slack_parse_signing(L, item, r);
	if (confp_string(L, item, "api_url", &s) == 0 && s) {
		if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
			yerror(L->d, L->yf, api, "receiver '%s': api_url must start with https:// "
			    "or http://", r->name);
		r->api_url = xstrdup(s);
	}
	if (ymap_get(L->yf, item, "token_file") == NULL) {
		if (!hook)
			yerror(L->d, L->yf, item, "receiver '%s' (%s) needs url or url_file (an "
			    "incoming webhook), or token_file and channel (a bot)", r->name, kind);
		if (api)
			yerror(L->d, L->yf, api, "receiver '%s': api_url goes with token_file; an "
			    "incoming webhook has only its url", r->name);
		return;
	}
	r->token = confp_secret_line(L, item, "token_file");
	if (hook)
		yerror(L->d, L->yf, item, "receiver '%s' (%s) takes url (an incoming webhook) or "
		    "token_file (a bot), not both: remove one", r->name, kind);
	if (ymap_get(L->yf, item, "channel") == NULL)
		yerror(L->d, L->yf, item, "receiver '%s' (%s) with token_file needs channel (%s)",
		    r->name, kind, mm ? "the channel's id" : "a channel id such as C0123ABCD");
	if (mm && api == NULL)
		yerror(L->d, L->yf, item, "receiver '%s' (mattermost) with token_file needs "
		    "api_url, the server's address (e.g. https://chat.example.com)", r->name);
}

static int
slack_living(const struct receiver *r)
{
	return slack_api(r);
}

/* chat.postMessage answers {"ok":true,"channel":"C123","ts":"1700000000.000100",...}. */
static int
slack_post_ref(const struct receiver *r, const json_t *j, char *ref, size_t reflen)
{
	const char *ch = rcv_str(j, "channel"), *ts = rcv_str(j, "ts");
	int n;

	(void)r;
	if (!json_is_true(json_object_get(j, "ok")) || ch == NULL || ts == NULL || !*ch || !*ts ||
	    strchr(ch, ':'))
		return -1;
	n = snprintf(ref, reflen, "%s:%s", ch, ts);
	return n > 0 && (size_t)n < reflen ? 0 : -1;
}

/* POST /api/v4/posts answers the post: {"id":"...",...}. */
static int
mm_post_ref(const struct receiver *r, const json_t *j, char *ref, size_t reflen)
{
	const char *id = rcv_str(j, "id");

	(void)r;
	if (!rcv_ref_is(id, "abcdefghijklmnopqrstuvwxyz0123456789") || strlen(id) >= reflen)
		return -1;
	memcpy(ref, id, strlen(id) + 1);
	return 0;
}

/*
 * The Web API answers 200 with {"ok":false,"error":"..."} on failure
 * (Slack API documentation, "Evaluating responses"). ratelimited waits
 * Retry-After; a server-side hiccup is retried; the rest (invalid_auth,
 * channel_not_found, not_in_channel, ...) will not work by trying again.
 */
static enum rcv_verdict
slack_api_judge(struct rcv_answer *an)
{
	static const char *const again[] = { "ratelimited", "internal_error", "fatal_error",
		"service_unavailable", "request_timeout", "team_added_to_org", NULL };
	const char *e = rcv_str(an->j, "error");

	if (json_is_true(json_object_get(an->j, "ok")))
		return rcv_judge_say(RCV_OK, an, "HTTP", an->status, NULL, "OK");
	for (size_t i = 0; e && again[i]; i++)
		if (strcmp(e, again[i]) == 0) {
			*an->wait_ms = rcv_retry_after(an->retry_after);
			return rcv_judge_say(RCV_RETRY, an, "Slack's Web API", an->status, NULL, e);
		}
	return rcv_judge_say(RCV_DEAD, an, "Slack's Web API", an->status, NULL,
	    e ? e : "\"ok\":false without an error");
}

/*
 * Slack's answers: the Web API's JSON (a bot) or the webhook's text "ok"
 * (a webhook). The judge does not see the receiver, so the body tells
 * them apart: a JSON object with "ok" is the Web API's.
 */
static enum rcv_verdict
slack_judge(const struct rcv_kind *k, struct rcv_answer *an)
{
	enum rcv_verdict v;
	json_t *j;

	if (an->status < 200 || an->status >= 300 || an->body == NULL)
		return rcv_judge_http(k, an);
	j = json_loadb(an->body, an->len, 0, NULL);
	if (!json_is_object(j) || json_object_get(j, "ok") == NULL) {
		json_decref(j);
		return rcv_judge_http(k, an);
	}
	an->j = j;
	v = slack_api_judge(an);
	an->j = NULL;
	json_decref(j);
	return v;
}

static const struct conf_key slack_keys[] = {
    {"url", CONF_STRING},
    {"url_file", CONF_SECRET_FILE},
    {"token_file", CONF_SECRET_FILE},
    {"api_url", CONF_STRING},
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
		.rate_per_s = 1,
		.parse = slack_parse,
		.page_valid = slack_page_valid,
		.page_hint = "write \"<@U123ABC>\" for a user, \"<!subteam^S123ABC>\" for a user "
		    "group (their ids, not names), or \"<!here>\"",
		.page_example = "<@U123ABC>",
	},
	.render = rcv_render_slack,
	.transport = RCV_TR_HTTP,
	.judge = slack_judge,
	.answers = { .ok_body = "ok", .what = "Slack's webhook", .who = "Slack" },
	.living = slack_living,
	.post_ref = slack_post_ref,
	.threads = 1,
	.buttons = slack_buttons,
};

const struct rcv_kind rcv_kind_mattermost = {
	.conf = {
		.name = "mattermost",
		.keys = slack_keys,
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
	.living = slack_living,
	.post_ref = mm_post_ref,
	.threads = 1,
	.buttons = mm_buttons,
};
