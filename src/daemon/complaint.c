/*
 * complaint.c: the complaint's group key and its pending row in the spool,
 * written and read back (complaint.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/complaint.h"
#include "engine/jrd.h"

char *
complaint_key(const struct conf *conf, const struct complaint *c)
{
	static const char *const names[GK__N] = {"rule",   "team",   "priority",
	                                         "source", "author", "mention"};
	const char *vals[GK__N] = {c->rule,   c->team,   prio_name((enum prio)c->priority),
	                           c->source, c->author, c->mention_id};
	struct buf b;

	buf_init(&b);
	for (int k = 0; k < GK__N; k++) {
		if (!(conf->group_by & (1u << k)))
			continue;
		if (b.len)
			buf_addc(&b, '|');
		buf_adds(&b, names[k]);
		buf_addc(&b, '=');
		buf_adds(&b, vals[k] ? vals[k] : "");
	}
	if (b.len == 0)
		buf_adds(&b, "all");
	return b.data;
}

char *
complaint_rule_text(const struct ruleset *rs, uint32_t r)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"id\":");
	buf_add_json_quoted(&b, rules_id(rs, r));
	buf_adds(&b, ",\"description\":");
	buf_add_json_quoted(&b, rules_description(rs, r));
	buf_printf(&b, ",\"score\":%d}", rules_score(rs, r));
	return b.data;
}

/* The mention as an alert entry (see receiver.h), as JSON text. */
static void
complaint_entry(struct buf *b, const struct ruleset *rs, const struct mention *m,
                const struct complaint *c, const struct verdict *v)
{
	buf_adds(b, "{\"id\":");
	buf_add_json_quoted(b, m->id);
	buf_adds(b, ",\"source\":");
	buf_add_json_quoted(b, c->source);
	buf_adds(b, ",\"text\":\"");
	buf_add_json_str(b, m->text, m->text_len);
	buf_adds(b, "\",\"url\":");
	buf_add_json_quoted(b, m->url);
	buf_adds(b, ",\"created_at\":");
	buf_add_json_quoted(b, m->created_at);
	buf_adds(b, ",\"lang\":");
	buf_add_json_quoted(b, m->lang);
	buf_adds(b, ",\"author\":{\"handle\":");
	buf_add_json_quoted(b, m->author_handle);
	buf_adds(b, ",\"name\":");
	buf_add_json_quoted(b, m->author_name);
	buf_adds(b, ",\"followers\":");
	if (m->followers >= 0)
		buf_add_int(b, m->followers);
	else
		buf_adds(b, "null");
	buf_adds(b, m->verified ? ",\"verified\":true}" : ",\"verified\":false}");
	/* only when set: most mentions are neither, and the row stays short */
	if (m->reply)
		buf_adds(b, ",\"reply\":true");
	if (m->reblog)
		buf_adds(b, ",\"reblog\":true");
	if (m->reply_to) {
		buf_adds(b, ",\"reply_to\":");
		buf_add_json_quoted(b, m->reply_to);
	}
	if (m->account) {
		buf_adds(b, ",\"account\":");
		buf_add_json_quoted(b, m->account);
	}
	if (m->rating > 0) {
		buf_adds(b, ",\"rating\":");
		buf_add_int(b, m->rating);
	}
	if (m->app_version) {
		buf_adds(b, ",\"app_version\":");
		buf_add_json_quoted(b, m->app_version);
	}
	if (m->device) {
		buf_adds(b, ",\"device\":");
		buf_add_json_quoted(b, m->device);
	}
	buf_adds(b, ",\"score\":");
	buf_add_int(b, v->score);
	buf_adds(b, ",\"priority\":\"");
	buf_adds(b, prio_name(v->priority));
	buf_adds(b, "\",\"rules\":[");
	for (size_t i = 0; i < v->nrules; i++) {
		if (i)
			buf_addc(b, ',');
		buf_add_json_quoted(b, rules_id(rs, v->rules[i]));
	}
	buf_addc(b, ']');
	/* only then: the chat headline and keluhctl show name the model */
	if (c->model) {
		buf_adds(b, ",\"model\":");
		buf_add_json_quoted(b, c->model);
	}
	buf_adds(b, ",\"matches\":");
	verdict_matches_json(b, rs, m->text, m->text_len, v);
	buf_addc(b, '}');
}

/*
 * The row holds everything group_add needs, so that a restart can rebuild
 * the group; the rules' texts by their ids in the spool, since every
 * complaint of a rule would repeat the same text.
 */
void
complaint_row_write(struct buf *row, struct complaint *c, const int64_t *refs,
                    const struct ruleset *rs, const struct mention *m, const struct verdict *v)
{
	size_t at;

	buf_reset(row);
	buf_adds(row, "{\"rule_refs\":[");
	for (size_t i = 0; i < v->nrules; i++) {
		if (i)
			buf_addc(row, ',');
		buf_add_int(row, refs[i]);
	}
	buf_adds(row, "],\"tags\":[");
	for (size_t k = 0; k < json_array_size(c->tags); k++) {
		if (k)
			buf_addc(row, ',');
		buf_add_json_quoted(row, json_string_value(json_array_get(c->tags, k)));
	}
	buf_adds(row, "],\"team\":");
	buf_add_json_quoted(row, c->team);
	buf_adds(row, ",\"rule\":");
	buf_add_json_quoted(row, c->rule);
	buf_adds(row, ",\"entry\":");
	at = row->len;
	complaint_entry(row, rs, m, c, v);
	c->entry_len = row->len - at;
	buf_addc(row, '}');
	c->entry = row->data + at;
}

/* A row's rules: their texts by id (schema 4), or held in the row. */
static json_t *
complaint_read_rules(json_t *row, complaint_rule_fn rule, void *arg)
{
	json_t *refs = json_object_get(row, "rule_refs"), *info, *v, *t;
	size_t i;

	if (refs == NULL)
		return json_incref(json_object_get(row, "rule_info"));
	info = json_array();
	json_array_foreach(refs, i, v)
	{
		if (json_is_integer(v) && (t = rule(arg, json_integer_value(v))) != NULL)
			json_array_append(info, t);
	}
	return info;
}

/*
 * A mention spooled by an older keluh has bare [start, end] matches: give
 * them the shape of the alerts made now, with the words, and rule, kind
 * and pattern null since the row does not say which rule matched.
 */
static void
complaint_read_matches(json_t *entry)
{
	json_t *ms = json_object_get(entry, "matches"), *v;
	const char *text = json_string_value(json_object_get(entry, "text"));
	size_t len = json_string_length(json_object_get(entry, "text")), i;

	json_array_foreach(ms, i, v)
	{
		json_int_t s = json_integer_value(json_array_get(v, 0));
		json_int_t e = json_integer_value(json_array_get(v, 1));
		json_t *o, *words;

		if (!json_is_array(v))
			continue;
		o = json_pack("{s:n,s:n,s:n,s:I,s:I}", "rule", "kind", "pattern", "start", s, "end",
		              e);
		words = text && s >= 0 && s <= e && (size_t)e <= len
		            ? json_stringn(text + s, (size_t)(e - s))
		            : NULL;
		json_object_set_new(o, "text", words ? words : json_string(""));
		json_array_set_new(ms, i, o);
	}
}

/* A row of any version through a jansson tree (complaint_row_read). */
static int
complaint_row_tree(struct complaint_read *cr, const struct spool_mention *sm,
                   complaint_rule_fn rule, void *arg)
{
	struct complaint *c = &cr->c;
	json_t *entry, *author, *followers;

	cr->row = json_loads(sm->json, 0, NULL);
	if (cr->row == NULL || (entry = json_object_get(cr->row, "entry")) == NULL)
		return -1;
	author = json_object_get(entry, "author");
	followers = json_object_get(author, "followers");
	c->rule = json_string_value(json_object_get(cr->row, "rule"));
	c->model = json_string_value(json_object_get(entry, "model"));
	c->team = json_string_value(json_object_get(cr->row, "team"));
	c->score = (int)json_integer_value(json_object_get(entry, "score"));
	c->source = json_string_value(json_object_get(entry, "source"));
	c->author = json_string_value(json_object_get(author, "handle"));
	c->followers = json_is_integer(followers) ? (long)json_integer_value(followers) : -1;
	c->verified = json_is_true(json_object_get(author, "verified"));
	c->rule_info = cr->rule_info = complaint_read_rules(cr->row, rule, arg);
	c->tags = json_object_get(cr->row, "tags");
	c->text = json_string_value(json_object_get(entry, "text"));
	c->text_len = json_string_length(json_object_get(entry, "text"));
	complaint_read_matches(entry);
	cr->entry = json_dumps(entry, JSON_COMPACT);
	c->entry = cr->entry ? cr->entry : "{}";
	c->entry_len = strlen(c->entry);
	return 0;
}

/*
 * The direct read of a row as this version writes it, without a jansson
 * tree of the whole row: the leader reads every complaint the other
 * daemons took, and building and dumping a tree of each cost it more than
 * the rest of its work on them. Anything else (a row of an older version,
 * a value of an unexpected kind) is left to complaint_row_tree.
 */
struct crow {
	struct complaint_read *cr;
	complaint_rule_fn rule;
	void *arg;
	struct buf tmp, keys;
	int (*item)(struct jrd *, struct crow *); /* crow_array's, per element */
};

#define CROW_KEY(k, klen, lit) ((klen) == sizeof(lit) - 1 && memcmp((k), lit, (klen)) == 0)

/* A string (owned copy into *out, with its length) or null; -1 for anything else. */
static int
crow_str(struct jrd *r, struct crow *w, char **out, size_t *len)
{
	const char *v = NULL;
	size_t n = 0;
	long long iv;
	int bv;
	enum jrd_kind k;

	if (jrd_value(r, &w->tmp, &v, &n, &iv, &bv, &k) < 0 || (k != JK_STRING && k != JK_NULL))
		return -1;
	free(*out);
	*out = k == JK_STRING ? xstrndup(v, n) : NULL;
	if (len)
		*len = k == JK_STRING ? n : 0;
	return 0;
}

static int
crow_item(struct jrd *r, void *arg)
{
	struct crow *w = arg;

	return w->item(r, w);
}

/* An array, its elements through w->item; -1 for anything else. */
static int
crow_array(struct jrd *r, struct crow *w)
{
	return jrd_array(r, crow_item, w);
}

/* A rule_refs element: its text appended to the rules when it is known. */
static int
crow_ref(struct jrd *r, struct crow *w)
{
	const char *v;
	size_t n;
	long long iv;
	int bv;
	enum jrd_kind k;
	json_t *t;

	if (jrd_value(r, &w->tmp, &v, &n, &iv, &bv, &k) < 0)
		return -1;
	if (k == JK_INT && (t = w->rule(w->arg, iv)) != NULL)
		json_array_append(w->cr->rule_info, t);
	return 0;
}

static int
crow_tag(struct jrd *r, struct crow *w)
{
	char *tag = NULL;
	size_t n;

	if (crow_str(r, w, &tag, &n) < 0 || tag == NULL)
		return -1;
	json_array_append_new(w->cr->tags, json_stringn(tag, n));
	free(tag);
	return 0;
}

/* A match of this version is an object; a bare [start, end] is an older row's. */
static int
crow_match(struct jrd *r, struct crow *w)
{
	(void)w;
	jrd_ws(r);
	if (r->p < r->end && *r->p == '[')
		return -1;
	return jrd_skip(r, 2);
}

static int
crow_author(struct jrd *r, void *arg, const char *k, size_t klen)
{
	struct crow *w = arg;
	struct complaint *c = &w->cr->c;
	const char *v;
	size_t n;
	long long iv;
	int bv = 0;
	enum jrd_kind kind;

	if (CROW_KEY(k, klen, "handle"))
		return crow_str(r, w, &w->cr->author, NULL);
	if (!CROW_KEY(k, klen, "followers") && !CROW_KEY(k, klen, "verified"))
		return jrd_skip(r, 2);
	if (jrd_value(r, &w->tmp, &v, &n, &iv, &bv, &kind) < 0)
		return -1;
	if (CROW_KEY(k, klen, "verified"))
		c->verified = kind == JK_BOOL && bv;
	else
		c->followers = kind == JK_INT ? (long)iv : -1;
	return 0;
}

static int
crow_entry(struct jrd *r, void *arg, const char *k, size_t klen)
{
	struct crow *w = arg;
	struct complaint_read *cr = w->cr;
	const char *v;
	size_t n;
	long long iv;
	int bv;
	enum jrd_kind kind;

	if (CROW_KEY(k, klen, "source"))
		return crow_str(r, w, &cr->source, NULL);
	if (CROW_KEY(k, klen, "text"))
		return crow_str(r, w, &cr->text, &cr->c.text_len);
	if (CROW_KEY(k, klen, "model"))
		return crow_str(r, w, &cr->model, NULL);
	if (CROW_KEY(k, klen, "author")) {
		jrd_ws(r);
		return r->p < r->end && *r->p == '{' ? jrd_object(r, &w->keys, crow_author, w) : -1;
	}
	if (CROW_KEY(k, klen, "matches")) {
		w->item = crow_match;
		jrd_ws(r);
		return r->p < r->end && *r->p == '[' ? crow_array(r, w) : jrd_skip(r, 1);
	}
	if (!CROW_KEY(k, klen, "score"))
		return jrd_skip(r, 1);
	if (jrd_value(r, &w->tmp, &v, &n, &iv, &bv, &kind) < 0)
		return -1;
	cr->c.score = kind == JK_INT ? (int)iv : 0;
	return 0;
}

static int
crow_top(struct jrd *r, void *arg, const char *k, size_t klen)
{
	struct crow *w = arg;
	struct complaint_read *cr = w->cr;

	if (CROW_KEY(k, klen, "rule"))
		return crow_str(r, w, &cr->rule, NULL);
	if (CROW_KEY(k, klen, "team"))
		return crow_str(r, w, &cr->team, NULL);
	if (CROW_KEY(k, klen, "rule_refs")) {
		w->item = crow_ref;
		return crow_array(r, w);
	}
	if (CROW_KEY(k, klen, "tags")) {
		w->item = crow_tag;
		return crow_array(r, w);
	}
	if (CROW_KEY(k, klen, "entry")) {
		jrd_ws(r);
		cr->c.entry = r->p;
		if (r->p >= r->end || *r->p != '{' || jrd_object(r, &w->keys, crow_entry, w) < 0)
			return -1;
		cr->c.entry_len = (size_t)(r->p - cr->c.entry);
		return 0;
	}
	/* rules held in the row: an older version's */
	return CROW_KEY(k, klen, "rule_info") ? -1 : jrd_skip(r, 1);
}

/* 0, or -1: the row is for complaint_row_tree (cr is cleared then). */
static int
complaint_row_direct(struct complaint_read *cr, const struct spool_mention *sm,
                     complaint_rule_fn rule, void *arg)
{
	char err[128];
	struct jrd r = {sm->json, sm->json + strlen(sm->json), sm->json, err, sizeof(err), 0, 0};
	struct crow w = {.cr = cr, .rule = rule, .arg = arg};
	struct complaint *c = &cr->c;
	int rc;

	buf_init(&w.tmp);
	buf_init(&w.keys);
	c->followers = -1;
	cr->rule_info = json_array();
	cr->tags = json_array();
	rc = jrd_object(&r, &w.keys, crow_top, &w);
	jrd_ws(&r);
	if (rc == 0 && (r.p != r.end || c->entry == NULL))
		rc = -1;
	buf_free(&w.tmp);
	buf_free(&w.keys);
	if (rc < 0) {
		complaint_read_free(cr);
		return -1;
	}
	/* the entry as it is in the row, copied: sm's text is the caller's */
	c->entry = cr->entry = xstrndup(c->entry, c->entry_len);
	c->rule = cr->rule;
	c->team = cr->team;
	c->source = cr->source;
	c->author = cr->author;
	c->text = cr->text;
	c->model = cr->model;
	c->rule_info = cr->rule_info;
	c->tags = cr->tags;
	return 0;
}

int
complaint_row_read(struct complaint_read *cr, const struct conf *conf,
                   const struct spool_mention *sm, struct norm_buf *nb, complaint_rule_fn rule,
                   void *arg)
{
	struct complaint *c = &cr->c;

	memset(cr, 0, sizeof(*cr));
	if (complaint_row_direct(cr, sm, rule, arg) < 0 &&
	    complaint_row_tree(cr, sm, rule, arg) < 0)
		return -1;
	c->priority = sm->priority;
	c->mention_id = sm->mention_id;
	c->at_ms = sm->at_ms;
	c->rowid = sm->rowid;
	c->restored = 1;
	c->key = cr->key = complaint_key(conf, c);
	if (c->text != NULL) {
		norm_fold_text(nb, c->text, c->text_len);
		c->folded = nb->text;
		c->folded_len = nb->len;
	}
	return 0;
}

void
complaint_read_free(struct complaint_read *cr)
{
	json_decref(cr->row);
	json_decref(cr->rule_info);
	json_decref(cr->tags);
	free(cr->entry);
	free(cr->key);
	free(cr->rule);
	free(cr->team);
	free(cr->source);
	free(cr->author);
	free(cr->text);
	free(cr->model);
	memset(cr, 0, sizeof(*cr));
}
