/*
 * complaint.c: the complaint's group key and its pending row in the spool,
 * written and read back (complaint.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/complaint.h"

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

int
complaint_row_read(struct complaint_read *cr, const struct conf *conf,
                   const struct spool_mention *sm, struct norm_buf *nb, complaint_rule_fn rule,
                   void *arg)
{
	struct complaint *c = &cr->c;
	json_t *entry, *author, *followers;

	memset(cr, 0, sizeof(*cr));
	cr->row = json_loads(sm->json, 0, NULL);
	if (cr->row == NULL || (entry = json_object_get(cr->row, "entry")) == NULL)
		return -1;
	author = json_object_get(entry, "author");
	followers = json_object_get(author, "followers");
	c->rule = json_string_value(json_object_get(cr->row, "rule"));
	c->model = json_string_value(json_object_get(entry, "model"));
	c->team = json_string_value(json_object_get(cr->row, "team"));
	c->priority = sm->priority;
	c->score = (int)json_integer_value(json_object_get(entry, "score"));
	c->source = json_string_value(json_object_get(entry, "source"));
	c->author = json_string_value(json_object_get(author, "handle"));
	c->mention_id = sm->mention_id;
	c->followers = json_is_integer(followers) ? (long)json_integer_value(followers) : -1;
	c->verified = json_is_true(json_object_get(author, "verified"));
	c->at_ms = sm->at_ms;
	c->rowid = sm->rowid;
	c->rule_info = cr->rule_info = complaint_read_rules(cr->row, rule, arg);
	c->tags = json_object_get(cr->row, "tags");
	c->text = json_string_value(json_object_get(entry, "text"));
	c->text_len = json_string_length(json_object_get(entry, "text"));
	c->restored = 1;
	complaint_read_matches(entry);
	cr->entry = json_dumps(entry, JSON_COMPACT);
	c->entry = cr->entry ? cr->entry : "{}";
	c->entry_len = strlen(c->entry);
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
	free(cr->entry);
	free(cr->key);
	memset(cr, 0, sizeof(*cr));
}
