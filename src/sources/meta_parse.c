#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/util.h"
#include "engine/jrd.h"
#include "sources/meta_parse.h"

/*
 * The shapes, as Meta's documentation gives them:
 *
 * Every body: {"object": "instagram" | "page" | "whatsapp_business_account",
 * "entry": [{"id": <account>, "time": <seconds>, "changes": [{"field": ..,
 * "value": {..}}]}]} (Graph API, Webhooks, Getting Started: "Event
 * Notifications"; https://developers.facebook.com/docs/graph-api/webhooks/getting-started).
 *
 * Instagram "comments" and "live_comments": value {"id", "text",
 * "from": {"id", "username"}, "media": {"id", "media_product_type"},
 * "parent_id" (a reply to another comment)}
 * (https://developers.facebook.com/docs/graph-api/webhooks/reference/instagram,
 * FBInstagramCommentsField; parent_id and from since the 2021-10-20
 * out-of-cycle change). "mentions": value {"media_id", "comment_id"}
 * only (comment_id absent for an @mention in a caption): the text is read
 * with GET /{ig-user-id}?fields=mentioned_comment.comment_id(..) or
 * mentioned_media.media_id(..) (Instagram Platform, Mentions).
 *
 * Page "feed": value {"item": "comment" | "status" | "post" | "photo" |
 * "video" | "share" | "reaction"..., "verb": "add" | "edited" | "remove"
 * | "hide"..., "post_id", "comment_id", "parent_id", "message",
 * "created_time", "from": {"id", "name"}, "post": {"permalink_url"}}
 * (https://developers.facebook.com/docs/graph-api/webhooks/reference/page,
 * feed).
 *
 * WhatsApp "messages": value {"messaging_product": "whatsapp",
 * "metadata": {"display_phone_number", "phone_number_id"}, "contacts":
 * [{"profile": {"name"}, "wa_id"}], "messages": [{"from", "id": "wamid..",
 * "timestamp": "<seconds>", "type": "text", "text": {"body"}, "context":
 * {"id"} (a reply)}], "statuses": [..] (receipts of what the business
 * sent)} (WhatsApp Cloud API, Webhooks reference, messages;
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages).
 */

#define FB_WEB "https://www.facebook.com/"

static struct meta_item *
batch_add(struct meta_batch *b, enum meta_item_kind kind)
{
	struct meta_item *it;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		b->items = xreallocarray(b->items, b->cap, sizeof(*b->items));
	}
	it = &b->items[b->n++];
	memset(it, 0, sizeof(*it));
	it->m.followers = -1;
	it->kind = kind;
	return it;
}

static void
batch_skip(struct meta_batch *b, const char *kind, const char *id)
{
	struct meta_item *it = batch_add(b, META_SKIP);

	it->skip = kind;
	it->id = id ? xstrdup(id) : NULL;
}

static void
item_free(struct meta_item *it)
{
	if (it->kind == META_MENTION)
		mention_free(&it->m);
	free(it->id);
	free(it->reply_to);
	free(it->brand);
	free(it->ig_user);
	free(it->media_id);
	free(it->comment_id);
}

void
meta_batch_free(struct meta_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		item_free(&b->items[i]);
	free(b->items);
	memset(b, 0, sizeof(*b));
}

int
meta_too_deep(const char *s, size_t len, int max)
{
	int depth = 0, str = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				str = 0;
		} else if (c == '"')
			str = 1;
		else if (c == '{' || c == '[') {
			if (++depth > max)
				return 1;
		} else if (c == '}' || c == ']')
			depth--;
	}
	return 0;
}

/* A string or a number (Meta sends ids as either) as a string in out, or NULL. */
static const char *
jid(json_t *o, const char *key, char *out, size_t outlen)
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < 200)
		return json_string_value(v);
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
		return out;
	}
	return NULL;
}

/* A string member; NULL when absent, not a string, or holding a NUL (\\u0000). */
static const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || memchr(json_string_value(v), '\0', json_string_length(v)))
		return NULL;
	return json_string_value(v);
}

/*
 * Seconds (or, from some products, milliseconds) since the epoch in ms, from
 * the text s when given, else from d; 0 when none.
 */
static int64_t
jtime_ms_of(const char *s, double d)
{
	if (s) {
		char *end;

		d = strtod(s, &end);
		if (*end != '\0')
			return 0;
	}
	if (d <= 0 || d >= 253402300800000.0)
		return 0;
	return d >= 100000000000.0 ? (int64_t)d : (int64_t)(d * 1000);
}

static int64_t
jtime_ms(json_t *v)
{
	if (json_is_number(v))
		return jtime_ms_of(NULL, json_number_value(v));
	if (json_is_string(v))
		return jtime_ms_of(json_string_value(v), 0);
	return 0;
}

/*
 * Fills m as mention_from_json would from the same fields, without a JSON
 * object in between (this is the ingest path): the text cut to
 * MENTION_MAX_TEXT at a code point and padded for PCRE2's JIT, the others
 * copied.
 */
static void
mention_fill(struct mention *m, const char *id, const char *text, const char *account,
             int64_t at_ms)
{
	size_t len = strlen(text);

	memset(m, 0, sizeof(*m));
	m->followers = -1;
	m->id = xstrdup(id);
	if (len > MENTION_MAX_TEXT) {
		len = MENTION_MAX_TEXT;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	m->text = xcalloc(1, len + 16);
	memcpy(m->text, text, len);
	m->text_len = len;
	m->account = xstrdup(account);
	if (at_ms > 0) {
		char ts[40];

		util_iso8601(at_ms, ts, sizeof(ts));
		m->created_at = xstrdup(ts);
	}
}

/* The author, and what it answers (prefix and id: "instagram:" "123"), when given. */
static void
mention_more(struct mention *m, const char *handle, const char *name, const char *prefix,
             const char *reply_to)
{
	m->author_handle = handle ? xstrdup(handle) : NULL;
	m->author_name = name ? xstrdup(name) : NULL;
	if (reply_to) {
		m->reply_to = xasprintf("%s%s", prefix, reply_to);
		m->reply = 1;
	}
}

static struct mention *
batch_mention(struct meta_batch *b, const char *id, const char *text, const char *account,
              int64_t at_ms)
{
	struct meta_item *it = batch_add(b, META_MENTION);

	it->id = xstrdup(id);
	mention_fill(&it->m, id, text, account, at_ms);
	return &it->m;
}

/* Instagram comments and live_comments. */
static void
ig_comment(struct meta_batch *b, const char *account, int64_t at, json_t *v)
{
	char n1[32], n2[32], *id;
	const char *cid = jid(v, "id", n1, sizeof(n1)), *text = jstr(v, "text");
	const char *parent = jid(v, "parent_id", n2, sizeof(n2));
	json_t *from = json_object_get(v, "from");
	struct mention *m;

	if (cid == NULL) {
		batch_skip(b, "no_id", NULL);
		return;
	}
	id = xasprintf("instagram:%s", cid);
	if (text == NULL || *text == '\0') {
		batch_skip(b, "media_only", id);
		free(id);
		return;
	}
	m = batch_mention(b, id, text, account, at);
	free(id);
	mention_more(m, jstr(from, "username"), NULL, "instagram:", parent);
}

static int
numeric(const char *s)
{
	return s && *s && strspn(s, "0123456789") == strlen(s);
}

/* Instagram mentions: ids only; the look-up fills the rest. */
static void
ig_mention(struct meta_batch *b, const char *user, json_t *v)
{
	char n1[32], n2[32];
	const char *media = jid(v, "media_id", n1, sizeof(n1));
	const char *comment = jid(v, "comment_id", n2, sizeof(n2));
	struct meta_item *it;

	if ((media == NULL && comment == NULL) || !numeric(user) || (media && !numeric(media)) ||
	    (comment && !numeric(comment))) {
		/* the ids go into a Graph API path: Meta's are numbers */
		batch_skip(b, "no_id", NULL);
		return;
	}
	it = batch_add(b, META_LOOKUP);
	it->id = xasprintf("instagram:%s", comment ? comment : media);
	it->ig_user = xstrdup(user);
	it->media_id = media ? xstrdup(media) : NULL;
	it->comment_id = comment ? xstrdup(comment) : NULL;
}

/* The permalink of a Page post or comment: the API's when it sent one. */
static char *
fb_url(json_t *v, const char *post, const char *comment)
{
	const char *p = jstr(json_object_get(v, "post"), "permalink_url"), *u;

	if (p && strncmp(p, "https://", 8) == 0 && !comment)
		return xstrdup(p);
	if (post == NULL)
		return NULL;
	if (comment && (u = strchr(comment, '_')) != NULL && u[1])
		return xasprintf(FB_WEB "%s?comment_id=%s", post, u + 1);
	return comment ? NULL : xasprintf(FB_WEB "%s", post);
}

static int
fb_item_taken(const char *item)
{
	static const char *const items[] = {"comment", "status", "post", "photo",
	                                    "video",   "share",  NULL};

	for (int i = 0; items[i]; i++)
		if (strcmp(item, items[i]) == 0)
			return 1;
	return 0;
}

/* The Page's own comment: an answer to the post or comment it names. */
static void
fb_brand(struct meta_batch *b, const char *page, const char *id, const char *to, int64_t at)
{
	struct meta_item *it = batch_add(b, META_BRAND);

	it->id = xstrdup(id);
	it->reply_to = to ? xasprintf("facebook:%s", to) : NULL;
	it->brand = xasprintf("facebook:%s", page);
	it->at_ms = at;
}

/* A Page feed change. */
static void
fb_feed(struct meta_batch *b, const char *page, const char *account, int64_t at, json_t *v)
{
	char n1[48], n2[48], n3[48], n4[48], *id;
	const char *item = jstr(v, "item"), *verb = jstr(v, "verb"), *msg = jstr(v, "message");
	const char *post = jid(v, "post_id", n1, sizeof(n1));
	const char *comment = jid(v, "comment_id", n2, sizeof(n2));
	const char *parent = jid(v, "parent_id", n3, sizeof(n3));
	json_t *from = json_object_get(v, "from");
	struct mention *m;
	const char *from_id = jid(from, "id", n4, sizeof(n4));
	int is_comment = item && strcmp(item, "comment") == 0;
	const char *oid = is_comment ? comment : post;
	int64_t t = jtime_ms(json_object_get(v, "created_time"));

	if (item == NULL || !fb_item_taken(item)) {
		batch_skip(b, "reaction", NULL); /* likes, reactions, Page changes */
		return;
	}
	if (oid == NULL) {
		batch_skip(b, "no_id", NULL);
		return;
	}
	id = xasprintf("facebook:%s", oid);
	if (verb && strcmp(verb, "add") != 0) {
		batch_skip(b, strcmp(verb, "edited") == 0 ? "edit" : "delete", id);
		free(id);
		return;
	}
	if (from_id && strcmp(from_id, page) == 0) {
		fb_brand(b, page, id, is_comment ? (parent ? parent : post) : NULL, t ? t : at);
		free(id);
		return;
	}
	if (msg == NULL || *msg == '\0') {
		batch_skip(b, "media_only", id);
		free(id);
		return;
	}
	m = batch_mention(b, id, msg, account, t ? t : at);
	free(id);
	mention_more(m, from_id, jstr(from, "name"),
	             "facebook:", is_comment ? (parent ? parent : post) : NULL);
	m->url = fb_url(v, post, is_comment ? comment : NULL);
}

/* A WhatsApp message's words: the text, a caption, a button's title; NULL: none. */
static const char *
wa_text(json_t *msg, const char *type, const char **skip)
{
	json_t *part = json_object_get(msg, type);
	const char *s = NULL;

	*skip = "media_only";
	if (strcmp(type, "text") == 0)
		s = jstr(part, "body");
	else if (strcmp(type, "image") == 0 || strcmp(type, "video") == 0 ||
	         strcmp(type, "document") == 0)
		s = jstr(part, "caption");
	else if (strcmp(type, "button") == 0)
		s = jstr(part, "text");
	else if (strcmp(type, "interactive") == 0) {
		s = jstr(json_object_get(part, "button_reply"), "title");
		if (s == NULL)
			s = jstr(json_object_get(part, "list_reply"), "title");
	} else if (strcmp(type, "reaction") == 0)
		*skip = "reaction";
	else if (strcmp(type, "sticker") != 0 && strcmp(type, "audio") != 0 &&
	         strcmp(type, "location") != 0 && strcmp(type, "contacts") != 0)
		*skip = "unsupported"; /* "unsupported", "system", "order"... */
	return s && *s ? s : NULL;
}

/* The sender's profile name, from contacts[] (by wa_id, else the only one). */
static const char *
wa_name(json_t *contacts, const char *from)
{
	size_t i;
	json_t *c;

	json_array_foreach(contacts, i, c)
	{
		const char *wa = jstr(c, "wa_id");

		if ((from && wa && strcmp(wa, from) == 0) || json_array_size(contacts) == 1)
			return jstr(json_object_get(c, "profile"), "name");
	}
	return NULL;
}

static void
wa_message(struct meta_batch *b, const char *account, json_t *contacts, json_t *msg)
{
	const char *mid = jstr(msg, "id"), *type = jstr(msg, "type"), *from = jstr(msg, "from");
	const char *text, *skip;
	struct mention *m;
	char *id;

	if (mid == NULL || *mid == '\0' || strlen(mid) > 200) {
		batch_skip(b, "no_id", NULL);
		return;
	}
	id = xasprintf("whatsapp:%s", mid);
	if ((text = wa_text(msg, type ? type : "", &skip)) == NULL) {
		batch_skip(b, skip, id);
		free(id);
		return;
	}
	m = batch_mention(b, id, text, account, jtime_ms(json_object_get(msg, "timestamp")));
	free(id);
	mention_more(m, from, wa_name(contacts, from),
	             "whatsapp:", jstr(json_object_get(msg, "context"), "id"));
}

static void
wa_change(struct meta_batch *b, json_t *v)
{
	const char *phone = jstr(json_object_get(v, "metadata"), "phone_number_id");
	json_t *msgs = json_object_get(v, "messages"), *sts = json_object_get(v, "statuses");
	json_t *contacts = json_object_get(v, "contacts"), *msg;
	char *account;
	size_t i;

	/* receipts of what the business sent: nobody's words */
	for (i = 0; i < json_array_size(sts); i++)
		batch_skip(b, "status", NULL);
	if (!json_is_array(msgs))
		return;
	if (phone == NULL || *phone == '\0') {
		for (i = 0; i < json_array_size(msgs); i++)
			batch_skip(b, "no_account", NULL);
		return;
	}
	account = xasprintf("whatsapp:%s", phone);
	json_array_foreach(msgs, i, msg)
	{
		if (b->n >= META_MAX_ITEMS)
			break;
		wa_message(b, account, contacts, msg);
	}
	free(account);
}

enum meta_object { OBJ_INSTAGRAM, OBJ_PAGE, OBJ_WHATSAPP, OBJ_OTHER };

static void
entry_change(struct meta_batch *b, enum meta_object obj, const char *eid, int64_t at, json_t *ch)
{
	const char *field = jstr(ch, "field");
	json_t *v = json_object_get(ch, "value");
	char *account;

	if (field == NULL || !json_is_object(v)) {
		batch_skip(b, "field", NULL);
		return;
	}
	if (obj == OBJ_WHATSAPP) {
		if (strcmp(field, "messages") == 0)
			wa_change(b, v);
		else
			batch_skip(b, "field", NULL);
		return;
	}
	account = xasprintf("%s:%s", obj == OBJ_INSTAGRAM ? "instagram" : "facebook", eid);
	if (obj == OBJ_INSTAGRAM &&
	    (strcmp(field, "comments") == 0 || strcmp(field, "live_comments") == 0))
		ig_comment(b, account, at, v);
	else if (obj == OBJ_INSTAGRAM && strcmp(field, "mentions") == 0)
		ig_mention(b, eid, v);
	else if (obj == OBJ_PAGE && strcmp(field, "feed") == 0)
		fb_feed(b, eid, account, at, v);
	else
		batch_skip(b, "field",
		           NULL); /* a field keluh does not read (messages, story_insights...) */
	free(account);
}

static int
entries(struct meta_batch *b, enum meta_object obj, json_t *list)
{
	json_t *e, *ch, *changes;
	size_t i, j;
	char n1[48];

	json_array_foreach(list, i, e)
	{
		const char *eid = jid(e, "id", n1, sizeof(n1));
		int64_t at = jtime_ms(json_object_get(e, "time"));

		changes = json_object_get(e, "changes");
		if (!json_is_object(e) || (obj != OBJ_WHATSAPP && eid == NULL))
			return -1;
		if (!json_is_array(changes)) {
			batch_skip(b, "field", NULL); /* messaging, standby: not the fields read */
			continue;
		}
		json_array_foreach(changes, j, ch)
		{
			if (b->n >= META_MAX_ITEMS)
				return -2;
			entry_change(b, obj, eid, at, ch);
		}
	}
	return 0;
}

/* ---- the WhatsApp text fast path: no tree ---------------------------------------- */

/*
 * The hot shape (WhatsApp text messages) walked with the direct reader,
 * building only the items: the tree jansson builds of a whole body cost
 * more than the rest of the parse. Anything else, or anything unusual
 * (another object, a duplicate key, a non-text message, fields in an
 * order this walk cannot follow, malformed JSON), gives up with 1 and the
 * caller reads the body again the general way: the results are the same.
 */
#define FAST_STR      256
#define FAST_CONTACTS 8

struct fast {
	struct meta_batch *b;
	struct buf k, v, text; /* decoded keys, values; a message's text */
	char phone[FAST_STR];
	int has_phone, nstatus, stat_done, seen, vseen, has_changes;
	char wa[FAST_CONTACTS][FAST_STR], name[FAST_CONTACTS][FAST_STR];
	int has_wa[FAST_CONTACTS], has_name[FAST_CONTACTS], ncontacts;
	int root_obj, root_entry;
	/* one message */
	char mid[FAST_STR], from[FAST_STR], ts[64], ctx[FAST_STR];
	int has_mid, has_from, has_ctx, is_text, has_text, has_body;
	int64_t at;
	/* one change */
	int field_msgs, has_field, has_value;
};

#define FAST_GIVE_UP 1

/* A string value copied into out (NUL-terminated); other kinds and long ones give up. */
static int
fast_str(struct jrd *r, struct fast *f, char *out, size_t outlen)
{
	const char *s;
	size_t n;

	jrd_ws(r);
	if (r->p >= r->end || *r->p != '"' || jrd_string_ref(r, &f->v, &s, &n) < 0 || n >= outlen)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

#define FAST_KEY(key, klen, lit) ((klen) == sizeof(lit) - 1 && memcmp((key), (lit), (klen)) == 0)

/* fast_array's function and its state, for jrd_array */
struct fast_each {
	int (*fn)(struct jrd *, struct fast *);
	struct fast *f;
};

static int
fast_item(struct jrd *r, void *arg)
{
	struct fast_each *e = arg;

	return e->fn(r, e->f);
}

/* Each element of an array, or gives up on another kind. */
static int
fast_array(struct jrd *r, int (*fn)(struct jrd *, struct fast *), struct fast *f)
{
	struct fast_each e = {fn, f};

	return jrd_array(r, fast_item, &e);
}

static int
fast_seen(struct fast *f, int bit)
{
	if (f->seen & bit)
		return -1; /* a duplicate key: jansson keeps the last; the general way */
	f->seen |= bit;
	return 0;
}

static int
fast_body(struct jrd *r, void *arg, const char *key, size_t klen)
{
	struct fast *f = arg;
	const char *s;
	size_t n;

	if (!FAST_KEY(key, klen, "body"))
		return jrd_skip(r, 1);
	jrd_ws(r);
	if (f->has_body || r->p >= r->end || *r->p != '"' || jrd_string_ref(r, &f->v, &s, &n) < 0)
		return -1;
	f->has_body = 1;
	buf_reset(&f->text);
	buf_add(&f->text, s, n);
	return 0;
}

static int
fast_ctx(struct jrd *r, void *arg, const char *key, size_t klen)
{
	struct fast *f = arg;

	if (!FAST_KEY(key, klen, "id"))
		return jrd_skip(r, 1);
	if (f->has_ctx)
		return -1;
	f->has_ctx = 1;
	return fast_str(r, f, f->ctx, sizeof(f->ctx));
}

static int
fast_obj(struct jrd *r, struct fast *f, int (*fn)(struct jrd *, void *, const char *, size_t))
{
	jrd_ws(r);
	if (r->p >= r->end || *r->p != '{')
		return -1;
	return jrd_object(r, &f->k, fn, f);
}

static int
fast_msg_key(struct jrd *r, void *arg, const char *key, size_t klen)
{
	struct fast *f = arg;
	char type[16];
	long long iv;
	int bv;
	enum jrd_kind kind;
	const char *s;
	size_t n;

	if (FAST_KEY(key, klen, "id"))
		return fast_seen(f, 1) < 0
		           ? -1
		           : (f->has_mid = 1, fast_str(r, f, f->mid, sizeof(f->mid)));
	if (FAST_KEY(key, klen, "from"))
		return fast_seen(f, 2) < 0
		           ? -1
		           : (f->has_from = 1, fast_str(r, f, f->from, sizeof(f->from)));
	if (FAST_KEY(key, klen, "type")) {
		if (fast_seen(f, 4) < 0 || fast_str(r, f, type, sizeof(type)) < 0)
			return -1;
		f->is_text = strcmp(type, "text") == 0;
		return f->is_text ? 0 : -1;
	}
	if (FAST_KEY(key, klen, "text"))
		return fast_seen(f, 8) < 0 ? -1 : (f->has_text = 1, fast_obj(r, f, fast_body));
	if (FAST_KEY(key, klen, "context"))
		return fast_seen(f, 16) < 0 ? -1 : fast_obj(r, f, fast_ctx);
	if (FAST_KEY(key, klen, "timestamp")) {
		if (fast_seen(f, 32) < 0 || jrd_value(r, &f->v, &s, &n, &iv, &bv, &kind) < 0)
			return -1;
		if (kind == JK_INT) {
			f->at = jtime_ms_of(NULL, (double)iv);
			return 0;
		}
		if (kind != JK_STRING || n >= sizeof(f->ts))
			return -1;
		memcpy(f->ts, s, n);
		f->ts[n] = '\0';
		f->at = jtime_ms_of(f->ts, 0);
		return 0;
	}
	return jrd_skip(r, 1);
}

/* wa_name over the contacts read. */
static const char *
fast_name(struct fast *f, const char *from)
{
	for (int i = 0; i < f->ncontacts; i++)
		if ((from && f->has_wa[i] && strcmp(f->wa[i], from) == 0) || f->ncontacts == 1)
			return (f->has_name[i] & 1) ? f->name[i] : NULL;
	return NULL;
}

static int
fast_message(struct jrd *r, struct fast *f)
{
	struct meta_item *it;
	struct mention *m;
	const char *text;
	char account[FAST_STR + 16];

	if (f->b->n >= META_MAX_ITEMS)
		return jrd_skip(r, 1);
	f->seen = 0;
	f->has_mid = f->has_from = f->has_ctx = f->is_text = f->has_text = f->has_body = 0;
	f->at = 0;
	if (fast_obj(r, f, fast_msg_key) < 0 || !f->is_text || !f->has_text)
		return -1;
	if (!f->has_mid || f->mid[0] == '\0' || strlen(f->mid) > 200)
		return -1; /* no_id: the general way says so */
	text = f->has_body ? f->text.data : NULL;
	if (text == NULL || *text == '\0')
		return -1; /* media_only: the same */
	snprintf(account, sizeof(account), "whatsapp:%s", f->phone);
	it = batch_add(f->b, META_MENTION);
	it->id = xasprintf("whatsapp:%s", f->mid);
	mention_fill(&it->m, it->id, text, account, f->at);
	m = &it->m;
	mention_more(m, f->has_from ? f->from : NULL, fast_name(f, f->has_from ? f->from : NULL),
	             "whatsapp:", f->has_ctx ? f->ctx : NULL);
	return 0;
}

static int
fast_profile(struct jrd *r, void *arg, const char *key, size_t klen)
{
	struct fast *f = arg;
	int i = f->ncontacts - 1;

	if (!FAST_KEY(key, klen, "name"))
		return jrd_skip(r, 1);
	if (f->has_name[i] & 1)
		return -1;
	f->has_name[i] |= 1;
	return fast_str(r, f, f->name[i], FAST_STR);
}

static int
fast_contact_key(struct jrd *r, void *arg, const char *key, size_t klen)
{
	struct fast *f = arg;
	int i = f->ncontacts - 1;

	if (FAST_KEY(key, klen, "wa_id")) {
		if (f->has_wa[i])
			return -1;
		f->has_wa[i] = 1;
		return fast_str(r, f, f->wa[i], FAST_STR);
	}
	if (FAST_KEY(key, klen, "profile")) {
		if (f->has_name[i] & 2)
			return -1;
		f->has_name[i] |= 2;
		return fast_obj(r, f, fast_profile);
	}
	return jrd_skip(r, 1);
}

static int
fast_contact(struct jrd *r, struct fast *f)
{
	if (f->ncontacts == FAST_CONTACTS)
		return -1;
	f->ncontacts++;
	return fast_obj(r, f, fast_contact_key);
}

static int
fast_status(struct jrd *r, struct fast *f)
{
	f->nstatus++;
	return jrd_skip(r, 1);
}

static int
fast_metadata(struct jrd *r, void *arg, const char *key, size_t klen)
{
	struct fast *f = arg;

	if (!FAST_KEY(key, klen, "phone_number_id"))
		return jrd_skip(r, 1);
	if (f->has_phone)
		return -1;
	f->has_phone = 1;
	return fast_str(r, f, f->phone, sizeof(f->phone));
}

static void
fast_statuses(struct fast *f)
{
	for (; f->stat_done < f->nstatus; f->stat_done++)
		batch_skip(f->b, "status", NULL);
}

/* A change's value, read as wa_change would (messages last: they need the rest). */
static int
fast_value_key(struct jrd *r, void *arg, const char *key, size_t klen)
{
	struct fast *f = arg;
	int bit = FAST_KEY(key, klen, "metadata")   ? 1
	          : FAST_KEY(key, klen, "contacts") ? 2
	          : FAST_KEY(key, klen, "statuses") ? 4
	          : FAST_KEY(key, klen, "messages") ? 8
	                                            : 0;

	if (bit == 0)
		return jrd_skip(r, 1);
	if ((f->vseen & bit) || (f->vseen & 8))
		return -1; /* a duplicate, or something after the messages */
	f->vseen |= bit;
	if (bit == 1)
		return fast_obj(r, f, fast_metadata);
	if (bit == 2)
		return fast_array(r, fast_contact, f);
	if (bit == 4)
		return fast_array(r, fast_status, f);
	fast_statuses(f);
	if (!f->has_phone || f->phone[0] == '\0')
		return -1;
	return fast_array(r, fast_message, f);
}

static int
fast_value(struct jrd *r, struct fast *f)
{
	f->vseen = 0;
	f->has_phone = 0;
	f->nstatus = f->stat_done = 0;
	f->ncontacts = 0;
	memset(f->has_wa, 0, sizeof(f->has_wa));
	memset(f->has_name, 0, sizeof(f->has_name));
	if (fast_obj(r, f, fast_value_key) < 0)
		return -1;
	fast_statuses(f);
	return 0;
}

static int
fast_change_key(struct jrd *r, void *arg, const char *key, size_t klen)
{
	struct fast *f = arg;
	char field[32];

	if (FAST_KEY(key, klen, "field")) {
		if (f->has_field)
			return -1;
		f->has_field = 1;
		jrd_ws(r);
		if (r->p < r->end && *r->p != '"')
			return jrd_skip(r, 1); /* not a string: no field */
		if (fast_str(r, f, field, sizeof(field)) < 0)
			return -1;
		f->field_msgs = strcmp(field, "messages") == 0;
		return 0;
	}
	if (!FAST_KEY(key, klen, "value"))
		return jrd_skip(r, 1);
	if (f->has_value)
		return -1;
	f->has_value = 1;
	if (f->has_field && !f->field_msgs)
		return jrd_skip(r, 1);
	return fast_value(r, f);
}

/*
 * One change of a WhatsApp entry. The value often comes before the field:
 * it is read as messages, and its items dropped when the field is another.
 */
static int
fast_change(struct jrd *r, struct fast *f)
{
	size_t n0 = f->b->n;

	if (f->b->n >= META_MAX_ITEMS)
		return -1; /* too_many: the general way says so */
	f->has_field = f->has_value = f->field_msgs = 0;
	if (fast_obj(r, f, fast_change_key) < 0)
		return -1;
	if (f->field_msgs && f->has_value)
		return 0;
	while (f->b->n > n0)
		item_free(&f->b->items[--f->b->n]);
	batch_skip(f->b, "field", NULL);
	return 0;
}

static int
fast_entry_key(struct jrd *r, void *arg, const char *key, size_t klen)
{
	struct fast *f = arg;

	if (!FAST_KEY(key, klen, "changes"))
		return jrd_skip(r, 1);
	if (f->has_changes)
		return -1;
	f->has_changes = 1;
	return fast_array(r, fast_change, f);
}

static int
fast_entry(struct jrd *r, struct fast *f)
{
	f->has_changes = 0;
	if (fast_obj(r, f, fast_entry_key) < 0)
		return -1;
	if (!f->has_changes)
		batch_skip(f->b, "field", NULL);
	return 0;
}

static int
fast_root_key(struct jrd *r, void *arg, const char *key, size_t klen)
{
	struct fast *f = arg;
	char object[32];

	if (FAST_KEY(key, klen, "object")) {
		if (f->root_obj || fast_str(r, f, object, sizeof(object)) < 0 ||
		    strcmp(object, "whatsapp_business_account") != 0)
			return -1;
		f->root_obj = 1;
		return 0;
	}
	if (!FAST_KEY(key, klen, "entry"))
		return jrd_skip(r, 1);
	if (!f->root_obj || f->root_entry)
		return -1; /* the entries before the object, or twice */
	f->root_entry = 1;
	return fast_array(r, fast_entry, f);
}

/* 0: b holds the items; 1: not a body this walk reads (b empty). */
static int
meta_parse_fast(struct meta_batch *b, const char *body, size_t len)
{
	char err[160];
	struct jrd r = {body, body + len, body, err, sizeof(err), 0, 0};
	struct fast *f = xcalloc(1, sizeof(*f));
	int rc;

	f->b = b;
	buf_init(&f->k);
	buf_init(&f->v);
	buf_init(&f->text);
	rc = fast_obj(&r, f, fast_root_key);
	jrd_ws(&r);
	if (rc < 0 || r.p != r.end || !f->root_entry) {
		meta_batch_free(b);
		rc = FAST_GIVE_UP;
	}
	buf_free(&f->k);
	buf_free(&f->v);
	buf_free(&f->text);
	free(f);
	return rc;
}

int
meta_parse(struct meta_batch *b, const char *body, size_t len, const char **reason, char *err,
           size_t errlen)
{
	json_error_t je;
	json_t *root, *list;
	const char *object;
	enum meta_object obj;
	int rc;

	memset(b, 0, sizeof(*b));
	if (meta_too_deep(body, len, META_MAX_DEPTH)) {
		*reason = "too_deep";
		snprintf(err, errlen, "the body nests deeper than %d levels; Meta's bodies do not",
		         META_MAX_DEPTH);
		return -1;
	}
	if (meta_parse_fast(b, body, len) == 0)
		return 0;
	if ((root = mention_json_loadb(body, len, 0, &je)) == NULL) {
		*reason = "json";
		snprintf(err, errlen, "the body is not JSON (line %d, column %d: %s)", je.line,
		         je.column, je.text);
		return -1;
	}
	object = jstr(root, "object");
	list = json_object_get(root, "entry");
	if (object == NULL || !json_is_array(list)) {
		json_decref(root);
		*reason = "shape";
		snprintf(err, errlen,
		         "the body is not a Meta webhook (it needs \"object\" and an "
		         "\"entry\" list)");
		return -1;
	}
	obj = strcmp(object, "instagram") == 0                   ? OBJ_INSTAGRAM
	      : strcmp(object, "page") == 0                      ? OBJ_PAGE
	      : strcmp(object, "whatsapp_business_account") == 0 ? OBJ_WHATSAPP
	                                                         : OBJ_OTHER;
	if (obj == OBJ_OTHER) {
		/* a subscription keluh does not read (user, permissions...): nothing to take */
		batch_skip(b, "object", NULL);
		json_decref(root);
		return 0;
	}
	rc = entries(b, obj, list);
	json_decref(root);
	if (rc < 0) {
		meta_batch_free(b);
		*reason = rc == -2 ? "too_many" : "shape";
		if (rc == -2)
			snprintf(err, errlen, "the body holds more than %d changes",
			         META_MAX_ITEMS);
		else
			snprintf(err, errlen, "an entry is not an object with an id");
		return -1;
	}
	return 0;
}

/* ---- the Graph API's answers --------------------------------------------------- */

char *
meta_lookup_path(const struct meta_item *it)
{
	if (it->comment_id)
		return xasprintf("/%s?fields=mentioned_comment.comment_id(%s)%%7Bid,text,timestamp,"
		                 "media%%7Bid,permalink%%7D%%7D",
		                 it->ig_user, it->comment_id);
	return xasprintf(
	    "/%s?fields=mentioned_media.media_id(%s)%%7Bid,caption,permalink,timestamp,"
	    "username%%7D",
	    it->ig_user, it->media_id);
}

/* The Graph API's "2017-05-18T23:19:36+0000" (RFC 3339 but for the colon) in ms; 0: none. */
static int64_t
ig_time_ms(const char *ts)
{
	char b[40];
	size_t n = ts ? strlen(ts) : 0;
	int64_t t;

	if (n < 20 || n > 30)
		return 0;
	memcpy(b, ts, n + 1);
	if ((b[n - 5] == '+' || b[n - 5] == '-') && strspn(b + n - 4, "0123456789") == 4) {
		memmove(b + n - 1, b + n - 2, 3);
		b[n - 2] = ':';
	}
	return util_rfc3339_parse(b, &t) == 0 && t > 0 ? t * 1000 : 0;
}

int
meta_lookup_done(struct meta_item *it, const char *body, size_t len, char *err, size_t errlen)
{
	json_t *root = mention_json_loadb(body, len, 0, NULL), *d;
	const char *text, *url, *user;
	char *account;
	int64_t at = 0;

	d = json_object_get(root, it->comment_id ? "mentioned_comment" : "mentioned_media");
	if (!json_is_object(d)) {
		snprintf(err, errlen, "the Graph API answered without %s",
		         it->comment_id ? "mentioned_comment" : "mentioned_media");
		json_decref(root);
		return -1;
	}
	text = jstr(d, it->comment_id ? "text" : "caption");
	url =
	    it->comment_id ? jstr(json_object_get(d, "media"), "permalink") : jstr(d, "permalink");
	user = jstr(d, "username");
	at = ig_time_ms(jstr(d, "timestamp"));
	if (text == NULL || *text == '\0') {
		it->kind = META_SKIP;
		it->skip = "media_only";
		json_decref(root);
		return 0;
	}
	account = xasprintf("instagram:%s", it->ig_user);
	mention_fill(&it->m, it->id, text, account, at);
	free(account);
	mention_more(&it->m, user, NULL, "", NULL);
	if (url && strncmp(url, "https://", 8) == 0)
		it->m.url = xstrdup(url);
	json_decref(root);
	it->kind = META_MENTION;
	return 0;
}

static void
usage_scan(json_t *o, double *max, int64_t *regain)
{
	static const char *const keys[] = {"call_count", "total_time", "total_cputime", NULL};
	json_t *v;

	for (int k = 0; keys[k]; k++) {
		v = json_object_get(o, keys[k]);
		if (json_is_number(v) && json_number_value(v) > *max)
			*max = json_number_value(v);
	}
	v = json_object_get(o, "estimated_time_to_regain_access");
	if (json_is_integer(v) && json_integer_value(v) > *regain &&
	    json_integer_value(v) < 24 * 60)
		*regain = json_integer_value(v);
}

double
meta_usage(const char *header, int64_t *regain_min)
{
	json_t *root = header ? json_loads(header, 0, NULL) : NULL, *v, *e;
	double max = -1;
	const char *k;
	size_t i;

	*regain_min = 0;
	if (!json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	usage_scan(root, &max, regain_min);
	/* the business use case form: per business, a list of per-type usages */
	json_object_foreach(root, k, v)
	{
		json_array_foreach(v, i, e) usage_scan(e, &max, regain_min);
	}
	json_decref(root);
	return max;
}

int
meta_debug_token(const char *body, size_t len, int *valid, int64_t *expires_s)
{
	json_t *root = json_loadb(body, len, 0, NULL);
	json_t *d = json_object_get(root, "data"), *v;
	static const char *const keys[] = {"expires_at", "data_access_expires_at", NULL};

	if (!json_is_object(d) || !json_is_boolean(json_object_get(d, "is_valid"))) {
		json_decref(root);
		return -1;
	}
	*valid = json_is_true(json_object_get(d, "is_valid"));
	*expires_s = 0;
	for (int k = 0; keys[k]; k++) {
		v = json_object_get(d, keys[k]);
		/* 0 means never */
		if (json_is_integer(v) && json_integer_value(v) > 0 &&
		    (*expires_s == 0 || json_integer_value(v) < *expires_s))
			*expires_s = json_integer_value(v);
	}
	json_decref(root);
	return 0;
}
