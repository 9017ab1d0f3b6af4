#include "config.h"

#include <string.h>

#include "lib/actsig.h"
#include "receivers/receiver_int.h"

/*
 * Discord webhooks (Discord developer documentation: Execute Webhook,
 * Embed limits): a short content line for the
 * notification and one embed with a field per sample. allowed_mentions
 * with an empty parse list keeps user text from pinging anyone.
 */

#define DISCORD_CONTENT_UNITS 2000	/* Discord: content <= 2000 */
#define DISCORD_TITLE_UNITS 256		/* Discord: embed title <= 256 */
#define DISCORD_DESC_UNITS 4096		/* Discord: description <= 4096 */
#define DISCORD_MAX_FIELDS 25		/* Discord: fields <= 25 */
#define DISCORD_NAME_UNITS 256		/* Discord: field name <= 256 */
#define DISCORD_VALUE_UNITS 1024	/* Discord: field value <= 1024 */
#define DISCORD_FOOTER_UNITS 2048	/* Discord: footer text <= 2048 */
#define DISCORD_EMBED_UNITS 6000	/* Discord: all embeds together <= 6000 */
#define DISCORD_SLACK_UNITS 100		/* kept free under the 6000 */
#define DISCORD_SAMPLE_UNITS 900
#define DISCORD_MIN_UNITS 80
#define DISCORD_NOTICE_UNITS 300
#define DISCORD_MORE_UNITS 40		/* the footer: "+N more mentions" */

struct discord_fill {
	const struct rcv_alert *a;
	struct buf name, value;
	json_t *fields;
};

static size_t
discord_render_sample(void *arg, const json_t *m, size_t cap)
{
	struct discord_fill *f = arg;
	const char *link = rcv_link(m), *url = rcv_url(m);
	struct buf t;
	size_t u, next;

	buf_init(&t);
	buf_reset(&f->name);
	buf_adds(&t, rcv_handle(f->a, m));
	rcv_byline(f->a, m, &t);
	rcv_esc_fit(&f->name, RCV_MK_MD, t.data, t.len, DISCORD_NAME_UNITS);
	buf_free(&t);
	/* The value has its own limit: shorten the text until it fits. */
	for (;;) {
		buf_reset(&f->value);
		rcv_emph_text(&f->value, RCV_MK_MD, m, cap);
		if (link)
			buf_printf(&f->value, "\n[%s](%s)", rcv_w(f->a, W_OPEN_POST), link);
		else if (url) {
			buf_adds(&f->value, "\n");
			rcv_url_text(&f->value, RCV_MK_MD, url);
		}
		if (f->value.len == 0)
			buf_adds(&f->value, "\xe2\x80\x94");	/* a value must not be empty */
		u = rcv_ulen(f->value.data, f->value.len);
		if (u <= DISCORD_VALUE_UNITS || cap == 0)
			break;
		next = (size_t)((double)cap * DISCORD_VALUE_UNITS / (double)u * 0.9);
		cap = next < cap ? next : cap - 1;
	}
	if (u > DISCORD_VALUE_UNITS)
		return (size_t)-1 / 2;	/* not even without its text: the samples end here */
	return rcv_ulen(f->name.data, f->name.len) + u;
}

static void
discord_keep_sample(void *arg)
{
	struct discord_fill *f = arg;

	json_array_append_new(f->fields, json_pack("{s:o, s:o, s:b}", "name",
	    rcv_jstr(f->name.data, f->name.len), "value", rcv_jstr(f->value.data, f->value.len),
	    "inline", 0));
}

/*
 * Nothing in user text pings ("parse": []); an alert that pages allows
 * exactly the users and roles of mention_on_critical (<@ID>, <@&ID>).
 */
static json_t *
discord_allowed(const struct rcv_ctx *c)
{
	json_t *o = json_pack("{s:[]}", "parse"), *users = json_array(), *roles = json_array();

	for (size_t i = 0; rcv_pages(c) && i < c->r->npage; i++) {
		const char *p = c->r->page[i];	/* "<@123>" or "<@&123>", checked by discord_page_valid */
		int role = p[2] == '&';

		json_array_append_new(role ? roles : users,
		    rcv_jstr(p + 2 + role, strlen(p) - 3 - (size_t)role));
	}
	if (json_array_size(users))
		json_object_set(o, "users", users);
	if (json_array_size(roles))
		json_object_set(o, "roles", roles);
	json_decref(users);
	json_decref(roles);
	return o;
}

/*
 * Living messages: a webhook answers a post made with ?wait=true with the
 * message (its "id"), and PATCH {webhook}/messages/{id} edits it (Discord
 * developer documentation: Execute Webhook, Edit Webhook Message). Webhook
 * messages have no threads of their own to reply in.
 */
static int
discord_living(const struct receiver *r)
{
	(void)r;
	return 1;
}

/*
 * Whether a render draws the case's buttons (message components). Only
 * an application's webhook can carry components, and their presses reach
 * keluhd only when it knows the application's public key: this is the one
 * place that decides.
 */
static int
discord_buttons(const struct rcv_ctx *c)
{
	return discord_living(c->r) && c->r->has_public_key && c->a.kase != NULL &&
	    c->mode != RCV_M_REPLY;
}

/* The case's buttons: action rows of at most 5 buttons, custom_id "<action>:<case id>". */
static json_t *
discord_components(const struct rcv_alert *a)
{
	const char *acts[RCV_MAX_ACTIONS];
	size_t n = rcv_case_actions(a, acts);
	json_t *rows = json_array(), *row = NULL;
	struct buf v;

	buf_init(&v);
	for (size_t i = 0; i < n; i++) {
		if (i % 5 == 0) {
			row = json_array();
			json_array_append_new(rows, json_pack("{s:i, s:o}", "type", 1, "components",
			    row));
		}
		buf_reset(&v);
		rcv_action_value(a, acts[i], &v);
		/* style 1 primary (the first), 2 secondary */
		json_array_append_new(row, json_pack("{s:i, s:i, s:s, s:s%}", "type", 2, "style",
		    i == 0 ? 1 : 2, "label", rcv_action_label(a, acts[i]), "custom_id", v.data,
		    v.len));
	}
	buf_free(&v);
	return rows;
}

/* The webhook's URL with "/messages/ID" or "wait=true" put in front of any query. */
static char *
discord_url(const char *url, const char *path, const char *query)
{
	const char *q = strchr(url, '?');
	size_t n = q ? (size_t)(q - url) : strlen(url);

	if (query)
		return xasprintf("%s%c%s", url, q ? '&' : '?', query);
	return xasprintf("%.*s%s%s", (int)n, url, path, q ? q : "");
}

/* The post (with ?wait=true when it is a case's, to learn its id) or the edit of c->ref. */
static int
discord_send(struct rcv_ctx *c, struct rcv_msg *m, json_t *o)
{
	struct buf path;

	if (discord_buttons(c))
		json_object_set_new(o, "components", discord_components(&c->a));
	if (c->mode == RCV_M_POST) {
		rcv_msg_post_json(m, c->a.kase ? discord_url(c->r->url, NULL, "wait=true") :
		    xstrdup(c->r->url), o);
		return 0;
	}
	if (!rcv_ref_is(c->ref, "0123456789") || strlen(c->ref) > 24) {
		json_decref(o);
		return rcv_fail(c, "receiver '%s': '%.40s' is not a Discord message id",
		    rcv_rname(c), c->ref);
	}
	json_object_del(o, "username");	/* an edit keeps the message's author */
	buf_init(&path);
	buf_printf(&path, "/messages/%s", c->ref);
	rcv_msg_post_json(m, discord_url(c->r->url, path.data, NULL), o);
	m->method = xstrdup("PATCH");
	buf_free(&path);
	return 0;
}

/* The message an answer of ?wait=true holds: {"id":"1234...",...}. */
static int
discord_post_ref(const struct receiver *r, const json_t *j, char *ref, size_t reflen)
{
	const char *id = rcv_str(j, "id");

	(void)r;
	if (!rcv_ref_is(id, "0123456789") || strlen(id) >= reflen)
		return -1;
	memcpy(ref, id, strlen(id) + 1);
	return 0;
}

static int
rcv_render_discord(struct rcv_ctx *c, struct rcv_msg *m)
{
	const struct rcv_alert *a = &c->a;
	struct discord_fill f;
	struct rcv_fill fl;
	struct buf content, title, desc, footer, t;
	size_t shown, used;
	int64_t ts;
	int rc;
	char tsbuf[RCV_TIMELEN];
	json_t *o, *embed;

	if (c->r->url == NULL || *c->r->url == '\0')
		return rcv_fail(c, "discord receiver '%s' has no url", rcv_rname(c));
	buf_init(&content);
	buf_init(&title);
	buf_init(&desc);
	buf_init(&footer);
	buf_init(&t);
	buf_init(&f.name);
	buf_init(&f.value);
	f.fields = json_array();
	f.a = a;

	/* content: "🔴 **CRITICAL INCIDENT** · Cannot log in" */
	rcv_headline(a, &t, 1);
	rcv_bold(&content, RCV_MK_MD, t.data, t.len);
	buf_adds(&content, " \xc2\xb7 ");
	buf_reset(&t);
	rcv_title(a, &t, RCV_TITLE_UNITS);
	rcv_esc_fit(&content, RCV_MK_MD, t.data, t.len, DISCORD_NOTICE_UNITS);
	rcv_esc_fit(&title, RCV_MK_MD, t.data, t.len, DISCORD_TITLE_UNITS);
	/* description: "team **tech** · 3 new, 40 since 10:02 UTC", then id, group, delay */
	rcv_summary(a, &desc, RCV_MK_MD);
	used = rcv_ulen(title.data, title.len) + rcv_ulen(desc.data, desc.len);

	fl.budget = DISCORD_EMBED_UNITS - DISCORD_SLACK_UNITS - used - DISCORD_MORE_UNITS;
	fl.piece_max = DISCORD_NAME_UNITS + DISCORD_VALUE_UNITS;
	fl.cap = DISCORD_SAMPLE_UNITS;
	fl.min_cap = DISCORD_MIN_UNITS;
	fl.max_pieces = c->samples < DISCORD_MAX_FIELDS ? c->samples : DISCORD_MAX_FIELDS;
	fl.render = discord_render_sample;
	fl.keep = discord_keep_sample;
	fl.arg = &f;
	shown = rcv_fill(a, &fl);
	/* The footer is plain text (no Markdown there). */
	if (a->nall > shown)
		rcv_more(a, &footer, a->nall - shown);
	else
		buf_adds(&footer, "keluh");

	o = json_object();
	json_object_set_new(o, "content", rcv_jstr(content.data, content.len));
	if (c->r->username && *c->r->username)
		json_object_set_new(o, "username",
		    rcv_jstr(c->r->username, strlen(c->r->username)));
	json_object_set_new(o, "allowed_mentions", discord_allowed(c));
	rcv_page(c, o, "content", 0);	/* embeds ping nobody */
	embed = json_object();
	json_object_set_new(embed, "title", rcv_jstr(title.data, title.len));
	json_object_set_new(embed, "description", rcv_jstr(desc.data, desc.len));
	json_object_set_new(embed, "color", json_integer((json_int_t)a->style->rgb));
	if (a->last_at && util_rfc3339_parse(a->last_at, &ts) == 0) {
		util_iso8601(ts * 1000, tsbuf, sizeof(tsbuf));
		json_object_set_new(embed, "timestamp", json_string(tsbuf));
	}
	if (json_array_size(f.fields))
		json_object_set_new(embed, "fields", f.fields);
	else
		json_decref(f.fields);
	json_object_set_new(embed, "footer", json_pack("{s:o}", "text",
	    rcv_jstr(footer.data, footer.len)));
	json_object_set_new(o, "embeds", json_pack("[o]", embed));
	rc = discord_send(c, m, o);
	buf_free(&content);
	buf_free(&title);
	buf_free(&desc);
	buf_free(&footer);
	buf_free(&t);
	buf_free(&f.name);
	buf_free(&f.value);
	return rc;
}

/* Whether s is a Discord mention (<@id> or <@&id>): a user or a role, by numeric id. */
static int
discord_page_valid(const char *s)
{
	size_t len = strlen(s);

	if (strncmp(s, "<@&", 3) == 0 && len > 4 && s[len - 1] == '>')
		return rcv_page_id(s + 3, len - 4, 1);
	if (strncmp(s, "<@", 2) == 0 && len > 3 && s[len - 1] == '>')
		return rcv_page_id(s + 2, len - 3, 1);
	return 0;
}

/*
 * public_key: the Discord application's public key (its General
 * Information page), read once here; interactions are taken only with it.
 */
static void
discord_parse(struct confp *L, yaml_node_t *item, struct receiver *r)
{
	const char *s = NULL, *why;

	rcv_parse_secret(L, item, r);
	if (confp_string(L, item, "public_key", &s) < 0 || s == NULL)
		return;
	if (actsig_discord_key(s, r->public_key, &why) != ACTSIG_OK) {
		yerror(L->d, L->yf, ymap_get(L->yf, item, "public_key"), "public_key: %s; copy the "
		    "application's Public Key (64 hex digits) from its General Information page",
		    why);
		return;
	}
	r->has_public_key = 1;
}

static const struct conf_key discord_keys[] = {
    {"url", CONF_STRING},
    {"url_file", CONF_SECRET_FILE},
    {"username", CONF_STRING},
    {"mention_on_critical", CONF_LIST},
    {"mention_at_least", CONF_STRING},
    {"public_key", CONF_STRING},
    {NULL, 0},
};

const struct rcv_kind rcv_kind_discord = {
	.conf = {
		.name = "discord",
		.keys = discord_keys,
		.needs_url = 1,
		.rate_per_s = 1,
		.parse = discord_parse,
		.page_valid = discord_page_valid,
		.page_hint = "write \"<@123456789012345678>\" for a user or "
		    "\"<@&123456789012345678>\" for a role (their numeric ids)",
		.page_example = "<@&123456789012345678>",
	},
	.render = rcv_render_discord,
	.transport = RCV_TR_HTTP,
	.judge = rcv_judge_http,
	.answers = { .json = 1, .json_only = 1, .what = "Discord's webhook", .who = "Discord" },
	.living = discord_living,
	.post_ref = discord_post_ref,
	.buttons = discord_buttons,
};
