#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/actsig.h"
#include "receivers/receiver_int.h"

/*
 * Telegram Bot API sendMessage (core.telegram.org/bots/api) in HTML parse
 * mode: only < > & need escaping, and tags are easy to keep balanced
 * because every tag is opened and closed around text that was escaped
 * first. No colours in Telegram: the priority shows as an emoji, and
 * low-priority alerts arrive silently.
 */

/*
 * Bot API: text is 1-4096 characters after entity parsing, counted in UTF-16
 * units. We count the raw HTML, tags and entities included, which can only
 * be more.
 */
#define TG_TEXT_UNITS 4096
#define TG_SAMPLE_UNITS 700
#define TG_MIN_UNITS 60
#define TG_MORE_UNITS 40

struct tg_fill {
	const struct rcv_alert *a;
	struct buf piece, kept;
};

static size_t
tg_render_sample(void *arg, const json_t *m, size_t cap)
{
	struct tg_fill *f = arg;
	const char *link = rcv_link(m), *url = rcv_url(m);
	struct buf rest;

	buf_init(&rest);
	buf_reset(&f->piece);
	buf_adds(&f->piece, "\n\n");
	rcv_bolds(&f->piece, RCV_MK_HTML, rcv_handle(f->a, m));
	rcv_byline(f->a, m, &rest);
	rcv_esc(&f->piece, RCV_MK_HTML, rest.data, rest.len);
	buf_adds(&f->piece, "\n");
	rcv_emph_text(&f->piece, RCV_MK_HTML, m, cap);
	if (link) {
		buf_adds(&f->piece, "\n<a href=\"");
		rcv_escs(&f->piece, RCV_MK_HTML, link);
		buf_adds(&f->piece, "\">");
		buf_adds(&f->piece, rcv_w(f->a, W_OPEN_POST));
		buf_adds(&f->piece, "</a>");
	} else if (url) {
		buf_adds(&f->piece, "\n");
		rcv_url_text(&f->piece, RCV_MK_HTML, url);
	}
	buf_free(&rest);
	return rcv_ulen(f->piece.data, f->piece.len);
}

static void
tg_keep_sample(void *arg)
{
	struct tg_fill *f = arg;

	buf_add(&f->kept, f->piece.data, f->piece.len);
}

/* chat_id: an integer when it is one (-100123...), else a string ("@channel"). */
static json_t *
tg_chat_id(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s && *end == '\0' && errno == 0 && (*s == '-' || (*s >= '0' && *s <= '9')))
		return json_integer((json_int_t)v);
	return rcv_jstr(s, strlen(s));
}

/*
 * Living messages (Telegram Bot API): sendMessage answers the message
 * ({"ok":true,"result":{"message_id":N,"chat":{"id":C}}}), editMessageText
 * edits it, and a sendMessage with reply_parameters replies to it. The
 * buttons are an inline keyboard whose callback_data (at most 64 bytes) is
 * "<action>:<case id>".
 */
static int
tg_living(const struct receiver *r)
{
	(void)r;
	return 1;
}

static int
tg_buttons(const struct rcv_ctx *c)
{
	return c->a.kase != NULL && c->mode != RCV_M_REPLY;
}

/* Two buttons a row: the labels are short words, phones are narrow. */
static json_t *
tg_keyboard(const struct rcv_alert *a)
{
	const char *acts[RCV_MAX_ACTIONS];
	size_t n = rcv_case_actions(a, acts);
	json_t *rows = json_array(), *row = NULL;
	struct buf v;

	buf_init(&v);
	for (size_t i = 0; i < n; i++) {
		if (i % 2 == 0) {
			row = json_array();
			json_array_append_new(rows, row);
		}
		buf_reset(&v);
		rcv_action_value(a, acts[i], &v);
		json_array_append_new(row, json_pack("{s:s, s:s%}", "text",
		    rcv_action_label(a, acts[i]), "callback_data", v.data, v.len));
	}
	buf_free(&v);
	return json_pack("{s:o}", "inline_keyboard", rows);
}

/* The request: sendMessage (a post, or a reply to c->ref) or editMessageText of c->ref. */
static int
tg_send(struct rcv_ctx *c, struct rcv_msg *m, const char *base, const struct buf *text)
{
	size_t blen = strlen(base);
	struct buf chat, id;
	json_t *o = json_object();

	buf_init(&chat);
	buf_init(&id);
	if (c->mode != RCV_M_POST && (rcv_ref_split(c, 0, &chat, &id) < 0 ||
	    !rcv_ref_is(id.data, "0123456789"))) {
		if (c->err && !*c->err)
			rcv_fail(c, "receiver '%s': '%.40s' is not a Telegram message reference",
			    rcv_rname(c), c->ref);
		json_decref(o);
		buf_free(&chat);
		buf_free(&id);
		return -1;
	}
	json_object_set_new(o, "chat_id", tg_chat_id(c->mode == RCV_M_POST ? c->r->chat_id :
	    chat.data));
	if (c->mode == RCV_M_EDIT)
		json_object_set_new(o, "message_id", json_integer(strtoll(id.data, NULL, 10)));
	json_object_set_new(o, "text", rcv_jstr(text->data, text->len));
	json_object_set_new(o, "parse_mode", json_string("HTML"));
	json_object_set_new(o, "link_preview_options", json_pack("{s:b}", "is_disabled", 1));
	if (c->mode != RCV_M_EDIT)
		json_object_set_new(o, "disable_notification", json_boolean(c->a.prio == RCV_P_LOW));
	if (c->mode == RCV_M_REPLY)
		json_object_set_new(o, "reply_parameters", json_pack("{s:I, s:b}", "message_id",
		    (json_int_t)strtoll(id.data, NULL, 10), "allow_sending_without_reply", 1));
	if (tg_buttons(c))
		json_object_set_new(o, "reply_markup", tg_keyboard(&c->a));
	rcv_page(c, o, "text", 1);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	rcv_msg_post_json(m, xasprintf("%.*s/bot%s/%s", (int)blen, base, c->r->secret,
	    c->mode == RCV_M_EDIT ? "editMessageText" : "sendMessage"), o);
	buf_free(&chat);
	buf_free(&id);
	return 0;
}

/* "CHAT:MESSAGE_ID": the chat as the answer gives it (an id even for "@channel"). */
static int
tg_post_ref(const struct receiver *r, const json_t *j, char *ref, size_t reflen)
{
	const json_t *res = json_object_get(j, "result");
	const json_t *id = json_object_get(res, "message_id");
	const json_t *chat = json_object_get(json_object_get(res, "chat"), "id");
	int n;

	if (!json_is_true(json_object_get(j, "ok")) || !json_is_integer(id))
		return -1;
	if (json_is_integer(chat))
		n = snprintf(ref, reflen, "%lld:%lld", (long long)json_integer_value(chat),
		    (long long)json_integer_value(id));
	else if (r->chat_id && *r->chat_id && strchr(r->chat_id, ':') == NULL)
		n = snprintf(ref, reflen, "%s:%lld", r->chat_id, (long long)json_integer_value(id));
	else
		return -1;
	return n > 0 && (size_t)n < reflen ? 0 : -1;
}

static int
rcv_render_telegram(struct rcv_ctx *c, struct rcv_msg *m)
{
	const struct rcv_alert *a = &c->a;
	const char *base = c->r->url && *c->r->url ? c->r->url : "https://api.telegram.org";
	struct tg_fill f;
	struct rcv_fill fl;
	struct buf text, t;
	size_t shown;
	int rc;

	if (c->r->secret == NULL || *c->r->secret == '\0')
		return rcv_fail(c, "telegram receiver '%s' has no bot token", rcv_rname(c));
	if (c->r->chat_id == NULL || *c->r->chat_id == '\0')
		return rcv_fail(c, "telegram receiver '%s' has no chat_id", rcv_rname(c));
	/* The token goes into the URL path; anything else there would change the request. */
	for (const char *p = c->r->secret; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("/?#%", *p))
			return rcv_fail(c, "telegram receiver '%s': the bot token has characters "
			    "that cannot be part of a URL", rcv_rname(c));
	f.a = a;
	buf_init(&f.piece);
	buf_init(&f.kept);
	buf_init(&text);
	buf_init(&t);

	/* "🔴 <b>CRITICAL INCIDENT</b> · Cannot log in\nteam <b>tech</b> · 12 mentions" */
	buf_adds(&text, a->style->emoji);
	buf_adds(&text, " ");
	rcv_headline(a, &t, 0);
	rcv_bold(&text, RCV_MK_HTML, t.data, t.len);
	buf_adds(&text, " \xc2\xb7 ");
	buf_reset(&t);
	rcv_title(a, &t, RCV_TITLE_UNITS);
	rcv_esc(&text, RCV_MK_HTML, t.data, t.len);
	buf_adds(&text, "\n");
	rcv_summary(a, &text, RCV_MK_HTML);

	fl.budget = TG_TEXT_UNITS - rcv_ulen(text.data, text.len) - TG_MORE_UNITS -
	    rcv_page_units(c);
	fl.piece_max = fl.budget;
	fl.cap = TG_SAMPLE_UNITS;
	fl.min_cap = TG_MIN_UNITS;
	fl.max_pieces = c->samples;
	fl.render = tg_render_sample;
	fl.keep = tg_keep_sample;
	fl.arg = &f;
	shown = rcv_fill(a, &fl);
	buf_add(&text, f.kept.data ? f.kept.data : "", f.kept.len);
	if (a->nall > shown) {
		buf_adds(&text, "\n\n<i>");
		rcv_more(a, &text, a->nall - shown);
		buf_adds(&text, "</i>");
	}

	rc = tg_send(c, m, base, &text);
	buf_free(&f.piece);
	buf_free(&f.kept);
	buf_free(&text);
	buf_free(&t);
	return rc;
}

/*
 * How button presses come back (receivers/action.h): updates: poll (the
 * default: getUpdates, no public address needed) or webhook, which needs
 * webhook_secret_file (the setWebhook secret_token Telegram sends back).
 */
static void
telegram_parse_updates(struct confp *L, yaml_node_t *item, struct receiver *r)
{
	yaml_node_t *f = ymap_get(L->yf, item, "webhook_secret_file");
	const char *s = NULL, *why;

	if (confp_string(L, item, "updates", &s) == 0 && s) {
		if (strcmp(s, "webhook") == 0)
			r->updates_webhook = 1;
		else if (strcmp(s, "poll") != 0)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "updates"), "updates: '%s' is "
			    "neither poll nor webhook; write poll (keluhd asks Telegram, no public "
			    "address needed) or webhook (Telegram calls public_url)", s);
	}
	if (f && !r->updates_webhook) {
		yerror(L->d, L->yf, f, "webhook_secret_file is read with updates: webhook only; "
		    "add updates: webhook or remove it");
		return;
	}
	if (!r->updates_webhook)
		return;
	if (f == NULL) {
		yerror(L->d, L->yf, item, "receiver '%s' (telegram) with updates: webhook needs "
		    "webhook_secret_file (the secret_token given to setWebhook)", r->name);
		return;
	}
	r->webhook_secret = confp_secret_line(L, item, "webhook_secret_file");
	if (r->webhook_secret && actsig_telegram_secret_ok(r->webhook_secret, &why) != ACTSIG_OK) {
		yerror(L->d, L->yf, f, "webhook_secret_file: %s (it is the secret_token "
		    "given to setWebhook)", why);
		confp_free_secret(r->webhook_secret);
		r->webhook_secret = NULL;
	}
}

/* bot_token (the secret) and chat_id; the Bot API's base URL unless url is given. */
static void
telegram_parse(struct confp *L, yaml_node_t *item, struct receiver *r)
{
	const char *s;
	int given;

	r->secret = confp_value_or_file(L, item, "bot_token", "bot_token_file", &given);
	if (!given)
		yerror(L->d, L->yf, item, "receiver '%s' (telegram) needs bot_token or "
		    "bot_token_file", r->name);
	if (confp_string(L, item, "chat_id", &s) == 0 && s)
		r->chat_id = xstrdup(s);
	else if (!ymap_get(L->yf, item, "chat_id"))
		yerror(L->d, L->yf, item, "receiver '%s' (telegram) needs chat_id", r->name);
	if (r->url == NULL)
		r->url = xstrdup("https://api.telegram.org");
	telegram_parse_updates(L, item, r);
}

/* Whether s is a Telegram mention: @username. */
static int
telegram_page_valid(const char *s)
{
	return s[0] == '@' && ((s[1] >= 'a' && s[1] <= 'z') || (s[1] >= 'A' && s[1] <= 'Z')) &&
	    rcv_page_name(s + 1, 5, 32, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_");
}

/* Telegram's verdict is in the body: "ok":false with an error code is judged by that code. */
static enum rcv_verdict
telegram_judge_2xx(const struct rcv_kind *k, struct rcv_answer *an)
{
	const json_t *code = json_object_get(an->j, "error_code");
	struct rcv_answer in;

	if (json_is_true(json_object_get(an->j, "ok")))
		return rcv_judge_say(RCV_OK, an, "HTTP", an->status, NULL, "OK");
	if (json_is_integer(code) && an->depth == 0 && json_integer_value(code) >= 300 &&
	    json_integer_value(code) < 600) {
		in = *an;
		in.status = (long)json_integer_value(code);
		in.depth = 1;
		return rcv_judge_http(k, &in);
	}
	return rcv_judge_say(RCV_DEAD, an, "HTTP", an->status, an->j,
	    json_is_object(an->j) ? NULL : "Telegram answered without \"ok\":true");
}

/*
 * An edit that changes nothing (the case looks as it did) is answered 400
 * "Bad Request: message is not modified": the message already shows it.
 */
static enum rcv_verdict
telegram_judge(const struct rcv_kind *k, struct rcv_answer *an)
{
	if (an->status == 400 && rcv_body_has(an->body, an->len, "message is not modified"))
		return rcv_judge_say(RCV_OK, an, "HTTP", an->status, NULL,
		    "the message already says this");
	return rcv_judge_http(k, an);
}

static const struct conf_key telegram_keys[] = {
    {"url", CONF_STRING},
    {"url_file", CONF_SECRET_FILE},
    {"bot_token", CONF_STRING},
    {"bot_token_file", CONF_SECRET_FILE},
    {"chat_id", CONF_STRING},
    {"mention_on_critical", CONF_LIST},
    {"mention_at_least", CONF_STRING},
    {"updates", CONF_STRING},
    {"webhook_secret_file", CONF_SECRET_FILE},
    {NULL, 0},
};

const struct rcv_kind rcv_kind_telegram = {
	.conf = {
		.name = "telegram",
		.keys = telegram_keys,
		.rate_per_s = 1,
		.parse = telegram_parse,
		.page_valid = telegram_page_valid,
		.page_hint = "write \"@username\" (5 to 32 letters, digits or '_', starting with a "
		    "letter)",
		.page_example = "@oncall_lead",
	},
	.render = rcv_render_telegram,
	.transport = RCV_TR_HTTP,
	.judge = telegram_judge,
	.answers = { .json = 1, .json_only = 1, .what = "Telegram's Bot API", .who = "Telegram",
	    .judge_2xx = telegram_judge_2xx },
	.living = tg_living,
	.post_ref = tg_post_ref,
	.threads = 1,
	.buttons = tg_buttons,
};
