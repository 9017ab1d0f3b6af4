#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/dedup.h"
#include "daemon/ingest.h"
#include "daemon/pass.h"
#include "engine/classify.h"
#include "engine/verdict.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

#define INGEST_SOURCE_LABELS 16
/*
 * A mention's own "source" is chosen by whoever sends it: only this many
 * names that are not configured sources get a label of their own; the
 * rest are counted as source="other", so no client can fill /metrics.
 */
#define INGEST_FREE_SOURCES 32
#define INGEST_SOURCE_NAME 128

struct ingest {
	const struct conf *conf;
	struct ruleset *rs;
	struct classify_ctx *ctx;
	struct spool *spool;
	struct group_engine *ge;

	json_t **rule_json;	/* per rule of rs, made on first use */
	char **rule_text;
	int64_t *rule_ref;	/* its id in the spool (spool_rule_text), 0: not asked yet */
	uint64_t rule_ref_gen;	/* spool_rollbacks() when they were asked */
	char **rule_label;	/* 'rule="id"', for the hit counter */
	/*
	 * 'source="name"' of the sources seen last, a few of them: mentions of
	 * several sources come interleaved in one batch.
	 */
	struct {
		char name[INGEST_SOURCE_NAME];
		char label[160];
		int other;	/* counted as source="other" */
		struct metrics_ref accepted, duplicate;
	} src_labels[INGEST_SOURCE_LABELS];
	struct metrics_ref *rule_hits;	/* per rule of rs */
	struct metrics_ref complaints[PRIO__N];
	size_t nsrc_labels, src_next;
	char free_src[INGEST_FREE_SOURCES][INGEST_SOURCE_NAME];	/* never forgotten */
	size_t nfree_src;
	size_t nrule_cache;
	struct buf rec;		/* the spool row being written */

	struct dedup *ids;	/* mention ids seen within duplicates.window */
	struct dedup *texts;	/* complaint texts seen within it (same_text) */
};

static void
ingest_cache_free(struct ingest *in)
{
	for (size_t i = 0; i < in->nrule_cache; i++) {
		json_decref(in->rule_json[i]);
		free(in->rule_text[i]);
	}
	for (size_t i = 0; i < in->nrule_cache; i++)
		free(in->rule_label[i]);
	free(in->rule_json);
	free(in->rule_text);
	free(in->rule_ref);
	free(in->rule_label);
	free(in->rule_hits);
	in->rule_json = NULL;
	in->rule_text = NULL;
	in->rule_ref = NULL;
	in->rule_label = NULL;
	in->rule_hits = NULL;
	in->nrule_cache = 0;
}

struct ingest *
ingest_new(const struct conf *c, struct ruleset *rs, struct spool *spool, struct group_engine *ge)
{
	struct ingest *in = xcalloc(1, sizeof(*in));

	in->spool = spool;
	in->ge = ge;
	ingest_set(in, c, rs);
	return in;
}

static void
ingest_dedup_new(struct ingest *in)
{
	dedup_free(in->ids);
	dedup_free(in->texts);
	in->ids = dedup_new(in->conf->dedup_max, "dedup_ids",
	    "duplicate window is full; the oldest ids are forgotten early (raise "
	    "duplicates.max_ids)");
	in->texts = dedup_new(in->conf->dedup_max, "dedup_texts",
	    "duplicate window is full; the oldest texts are forgotten early (raise "
	    "duplicates.max_ids)");
}

void
ingest_set(struct ingest *in, const struct conf *c, struct ruleset *rs)
{
	int resize = in->conf == NULL || in->conf->dedup_max != c->dedup_max;

	in->conf = c;
	ingest_cache_free(in);
	/* a source configured now may have been "other" before */
	in->nsrc_labels = in->src_next = 0;
	in->nrule_cache = rules_count(rs);
	in->rule_json = xcalloc(in->nrule_cache + 1, sizeof(json_t *));
	in->rule_text = xcalloc(in->nrule_cache + 1, sizeof(char *));
	in->rule_ref = xcalloc(in->nrule_cache + 1, sizeof(int64_t));
	in->rule_label = xcalloc(in->nrule_cache + 1, sizeof(char *));
	in->rule_hits = xcalloc(in->nrule_cache + 1, sizeof(*in->rule_hits));
	if (in->ctx)
		classify_ctx_free(in->ctx);
	in->rs = rs;
	in->ctx = classify_ctx_new(rs);
	classify_set_evidence(in->ctx, CLASSIFY_EVIDENCE_COMPLAINTS);
	if (resize)
		ingest_dedup_new(in);
	metrics_set("keluh_rules", NULL, (double)rules_count(rs));
}

int
ingest_lost(struct ingest *in, struct group_engine *ge)
{
	in->ge = ge;
	ingest_dedup_new(in);
	return ingest_restore(in);
}

void
ingest_free(struct ingest *in)
{
	if (in == NULL)
		return;
	classify_ctx_free(in->ctx);
	ingest_cache_free(in);
	buf_free(&in->rec);
	dedup_free(in->ids);
	dedup_free(in->texts);
	free(in);
}

static void
jstr(struct buf *b, const char *s)
{
	if (s == NULL) {
		buf_adds(b, "null");
		return;
	}
	buf_addc(b, '"');
	buf_add_json_str(b, s, strlen(s));
	buf_addc(b, '"');
}

/*
 * Per rule, made once per ruleset: its {"id","description","score"} object
 * (for groups and alerts) and the same as text (for the spool row).
 */
static void
ingest_rule_cache(struct ingest *in, uint32_t r)
{
	struct buf b;

	if (in->rule_json[r])
		return;
	buf_init(&b);
	buf_adds(&b, "{\"id\":");
	jstr(&b, rules_id(in->rs, r));
	buf_adds(&b, ",\"description\":");
	jstr(&b, rules_description(in->rs, r));
	buf_printf(&b, ",\"score\":%d}", rules_score(in->rs, r));
	in->rule_text[r] = b.data;
	in->rule_json[r] = json_loads(b.data, 0, NULL);
}

/* The mention as an alert entry (see receiver.h), as JSON text. */
static void
ingest_entry(struct buf *b, const struct ruleset *rs, const struct mention *m,
    const char *source, const struct verdict *v)
{
	buf_adds(b, "{\"id\":");
	jstr(b, m->id);
	buf_adds(b, ",\"source\":");
	jstr(b, source);
	buf_adds(b, ",\"text\":\"");
	buf_add_json_str(b, m->text, m->text_len);
	buf_adds(b, "\",\"url\":");
	jstr(b, m->url);
	buf_adds(b, ",\"created_at\":");
	jstr(b, m->created_at);
	buf_adds(b, ",\"lang\":");
	jstr(b, m->lang);
	buf_adds(b, ",\"author\":{\"handle\":");
	jstr(b, m->author_handle);
	buf_adds(b, ",\"name\":");
	jstr(b, m->author_name);
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
	buf_adds(b, ",\"score\":");
	buf_add_int(b, v->score);
	buf_adds(b, ",\"priority\":\"");
	buf_adds(b, prio_name(v->priority));
	buf_adds(b, "\",\"rules\":[");
	for (size_t i = 0; i < v->nrules; i++) {
		if (i)
			buf_addc(b, ',');
		jstr(b, rules_id(rs, v->rules[i]));
	}
	buf_adds(b, "],\"matches\":");
	verdict_matches_json(b, rs, m->text, m->text_len, v);
	buf_addc(b, '}');
}

static void
ingest_group_input(struct group_input *gi, const char *rule, const char *team,
    const struct mention *m, const char *source, int prio, int64_t at, int64_t rowid)
{
	memset(gi, 0, sizeof(*gi));
	gi->rule = rule;
	gi->team = team;
	gi->priority = prio;
	gi->source = source;
	gi->author = m ? m->author_handle : NULL;
	gi->mention_id = m ? m->id : NULL;
	gi->followers = m ? m->followers : -1;
	gi->verified = m ? m->verified : 0;
	gi->at_ms = at;
	gi->rowid = rowid;
}

/*
 * The label value for a mention's own source src: itself when it is the
 * source the mention came through, a configured source's name, or one of
 * the first INGEST_FREE_SOURCES other names seen; otherwise NULL.
 */
static const char *
ingest_source_value(struct ingest *in, const char *src, const char *via)
{
	char name[INGEST_SOURCE_NAME];
	size_t i;

	if (strcmp(src, via) == 0)
		return src;
	for (i = 0; i < in->conf->nsources; i++)
		if (strcmp(in->conf->sources[i].name, src) == 0)
			return src;
	/* compared as the cache keeps it: cut to the same length */
	snprintf(name, sizeof(name), "%s", src);
	for (i = 0; i < in->nfree_src; i++)
		if (strcmp(in->free_src[i], name) == 0)
			return src;
	if (in->nfree_src < INGEST_FREE_SOURCES) {
		memcpy(in->free_src[in->nfree_src++], name, sizeof(name));
		return src;
	}
	return NULL;
}

/*
 * The slot of src in src_labels. Labels (and their counters) are made
 * once per source: formatting them per mention showed in profiles.
 */
static size_t
ingest_source_label(struct ingest *in, const char *src, const char *via)
{
	const char *value;
	char esc[128];
	size_t i;

	for (i = 0; i < in->nsrc_labels; i++)
		if (strcmp(in->src_labels[i].name, src) == 0)
			return i;
	if (in->nsrc_labels < INGEST_SOURCE_LABELS)
		i = in->nsrc_labels++;
	else {
		i = in->src_next;
		in->src_next = (in->src_next + 1) % INGEST_SOURCE_LABELS;
	}
	snprintf(in->src_labels[i].name, sizeof(in->src_labels[i].name), "%s", src);
	/* a mention's own source is outside input: escaped, it cannot break /metrics */
	value = ingest_source_value(in, src, via);
	in->src_labels[i].other = value == NULL;
	metrics_label_value(esc, sizeof(esc), value != NULL ? value : "other");
	snprintf(in->src_labels[i].label, sizeof(in->src_labels[i].label), "source=\"%s\"", esc);
	memset(&in->src_labels[i].accepted, 0, sizeof(in->src_labels[i].accepted));
	memset(&in->src_labels[i].duplicate, 0, sizeof(in->src_labels[i].duplicate));
	return i;
}

/* A regex that met a bound of the rule files' limits: block (see classify.h). */
static void
ingest_bound_hit(struct ingest *in, const struct bound_hit *h)
{
	char what[300];

	if (h->kind == BOUND_REGEX_WINDOW || h->kind == BOUND_REGEX_TAIL_WINDOW)
		snprintf(what, sizeof(what), "rule %s: a regex saw only %zu bytes of a long mention "
		    "(limits: %s in the rule files)", rules_id(in->rs, h->rule), h->window,
		    classify_bound_name(h->kind));
	else
		snprintf(what, sizeof(what), "rule %s: a regex did not run, the %s's regex work was "
		    "spent, so the rule counted as no match (limits: %s in the rule files)",
		    rules_id(in->rs, h->rule), h->kind == BOUND_REGEX_WORK ? "mention" : "request",
		    classify_bound_name(h->kind));
	metrics_bound_hit(classify_bound_name(h->kind), what);
}

void
ingest_batch(struct ingest *in, int on)
{
	classify_batch(in->ctx, on);
}

int
ingest_mention(struct ingest *in, const struct mention *m, const char *source,
    struct ingest_counts *counts)
{
	struct classify_author a = { m->followers, m->verified };
	const char *src = m->source ? m->source : source;
	int64_t now = util_now_ms();
	struct verdict v;
	const char *labels;
	size_t bad, sl;

	sl = ingest_source_label(in, src, source);
	labels = in->src_labels[sl].label;
	if (in->src_labels[sl].other)
		metrics_bound_hit("source_labels", "more mention sources than have labels of their "
		    "own; the rest are counted as source=\"other\"");
	if (dedup_seen(in->ids, util_hash_str(m->id), now, in->conf->dedup_window_ms)) {
		metrics_add_ref(&in->src_labels[sl].duplicate, "keluh_mentions_duplicate_total", labels,
		    1);
		counts->duplicates++;
		return 0;
	}
	if (classify_mention(in->ctx, m->text, m->text_len, m->lang, &a, &v, &bad) < 0) {
		/* sources hand in valid UTF-8 (JSON guarantees it); count and move on */
		metrics_add("keluh_mentions_rejected_total", "reason=\"invalid_utf8\"", 1);
		return 0;
	}
	if (v.complaint && in->conf->dedup_same_text > 0) {
		size_t kept;
		uint64_t h = dedup_hash_text(m->text, m->text_len, &kept);

		/* short texts are written alike by different people: not copies */
		if (kept >= in->conf->dedup_same_text &&
		    dedup_seen(in->texts, h, now, in->conf->dedup_window_ms)) {
			metrics_add("keluh_mentions_copies_total", labels, 1);
			counts->duplicates++;
			return 0;
		}
	}
	metrics_add_ref(&in->src_labels[sl].accepted, "keluh_mentions_total", labels, 1);
	counts->accepted++;
	if (v.regex_errors)
		metrics_add("keluh_regex_errors_total", NULL, (double)v.regex_errors);
	for (size_t i = 0; i < v.nbounds; i++)
		ingest_bound_hit(in, &v.bounds[i]);
	for (size_t i = 0; i < v.nrules; i++) {
		uint32_t r = v.rules[i];

		if (in->rule_label[r] == NULL)
			in->rule_label[r] = xasprintf("rule=\"%s\"", rules_id(in->rs, r));
		metrics_add_ref(&in->rule_hits[r], "keluh_rule_hits_total", in->rule_label[r], 1);
	}
	if (!v.complaint)
		return 0;
	counts->complaints++;
	{
		static const char *const prio_labels[PRIO__N] = { "priority=\"none\"",
			"priority=\"low\"", "priority=\"normal\"", "priority=\"high\"",
			"priority=\"critical\"" };

		metrics_add_ref(&in->complaints[v.priority], "keluh_complaints_total",
		    prio_labels[v.priority], 1);
	}

	struct group_input gi;
	const char *top = NULL;
	json_t *info = json_array(), *tags = json_array();
	int best = -100000;
	size_t entry_at, entry_len;
	char *key;
	int64_t rowid;

	/*
	 * The spool row: everything group_add needs, so a restart can rebuild
	 * the group; the rules' texts by their ids in the spool.
	 */
	pass_join(in->spool);
	if (in->rule_ref_gen != spool_rollbacks(in->spool)) {
		/* a lost batch took the texts it added with it */
		memset(in->rule_ref, 0, in->nrule_cache * sizeof(int64_t));
		in->rule_ref_gen = spool_rollbacks(in->spool);
	}
	buf_reset(&in->rec);
	buf_adds(&in->rec, "{\"rule_refs\":[");
	for (size_t i = 0; i < v.nrules; i++) {
		uint32_t r = v.rules[i];

		ingest_rule_cache(in, r);
		if (in->rule_ref[r] <= 0)
			in->rule_ref[r] = spool_rule_text(in->spool, in->rule_text[r]);
		if (in->rule_ref[r] <= 0) {
			log_warnx("spool: cannot record mention %s: %s", m->id,
			    spool_error(in->spool));
			metrics_add("keluh_spool_errors_total", NULL, 1);
			json_decref(info);
			json_decref(tags);
			return -1;
		}
		if (i)
			buf_addc(&in->rec, ',');
		buf_add_int(&in->rec, in->rule_ref[r]);
		if (in->rule_json[r])
			json_array_append(info, in->rule_json[r]);
		for (size_t t = 0; t < rules_ntags(in->rs, r); t++) {
			const char *tag = rules_tag(in->rs, r, t);
			size_t k;
			json_t *x;

			json_array_foreach(tags, k, x)
				if (strcmp(json_string_value(x), tag) == 0)
					break;
			if (k == json_array_size(tags))
				json_array_append_new(tags, json_string(tag));
		}
		if (rules_score(in->rs, r) > best) {
			best = rules_score(in->rs, r);
			top = rules_id(in->rs, r);
		}
	}
	buf_adds(&in->rec, "],\"tags\":[");
	for (size_t k = 0; k < json_array_size(tags); k++) {
		if (k)
			buf_addc(&in->rec, ',');
		jstr(&in->rec, json_string_value(json_array_get(tags, k)));
	}
	buf_adds(&in->rec, "],\"team\":");
	jstr(&in->rec, v.team);
	buf_adds(&in->rec, ",\"rule\":");
	jstr(&in->rec, top);
	buf_adds(&in->rec, ",\"entry\":");
	entry_at = in->rec.len;
	ingest_entry(&in->rec, in->rs, m, src, &v);
	entry_len = in->rec.len - entry_at;
	buf_addc(&in->rec, '}');

	ingest_group_input(&gi, top, v.team, m, src, v.priority, now, 0);
	gi.score = v.score;
	gi.rule_info = info;
	gi.tags = tags;
	key = group_key(in->conf, &gi);
	rowid = spool_add_mention(in->spool, m->id, key, v.priority, now, in->rec.data);
	free(key);
	if (rowid <= 0) {
		log_warnx("spool: cannot record mention %s: %s", m->id, spool_error(in->spool));
		metrics_add("keluh_spool_errors_total", NULL, 1);
		json_decref(info);
		json_decref(tags);
		return -1;
	}
	gi.rowid = rowid;
	gi.text = m->text;
	gi.text_len = m->text_len;
	/* the entry, as its own string, for the group to parse if it keeps a sample */
	in->rec.data[entry_at + entry_len] = '\0';
	gi.entry_json = in->rec.data + entry_at;
	group_add(in->ge, &gi);
	json_decref(info);
	json_decref(tags);
	return 0;
}

struct restore_ctx {
	struct ingest *in;
	size_t n, bad;
	json_t *texts;		/* rule texts read so far, by id */
};

/* A row's rules: their texts by id (schema 4), or held in the row. */
static json_t *
ingest_restore_rules(struct restore_ctx *rc, json_t *rec)
{
	json_t *refs = json_object_get(rec, "rule_refs"), *info, *v;
	size_t i;

	if (refs == NULL)
		return json_incref(json_object_get(rec, "rule_info"));
	info = json_array();
	json_array_foreach(refs, i, v) {
		char key[24];
		json_t *t;

		if (!json_is_integer(v))
			continue;
		snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(v));
		if ((t = json_object_get(rc->texts, key)) == NULL) {
			char *s = spool_rule_text_get(rc->in->spool, json_integer_value(v));

			t = s ? json_loads(s, 0, NULL) : NULL;
			free(s);
			if (t == NULL)
				continue;
			json_object_set_new(rc->texts, key, t);
		}
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
ingest_restore_matches(json_t *entry)
{
	json_t *ms = json_object_get(entry, "matches"), *v;
	const char *text = json_string_value(json_object_get(entry, "text"));
	size_t len = json_string_length(json_object_get(entry, "text")), i;

	json_array_foreach(ms, i, v) {
		json_int_t s = json_integer_value(json_array_get(v, 0));
		json_int_t e = json_integer_value(json_array_get(v, 1));
		json_t *o, *words;

		if (!json_is_array(v))
			continue;
		o = json_pack("{s:n,s:n,s:n,s:I,s:I}", "rule", "kind", "pattern", "start", s,
		    "end", e);
		words = text && s >= 0 && s <= e && (size_t)e <= len ?
		    json_stringn(text + s, (size_t)(e - s)) : NULL;
		json_object_set_new(o, "text", words ? words : json_string(""));
		json_array_set_new(ms, i, o);
	}
}

static void
ingest_restore_one(void *arg, const struct spool_mention *sm)
{
	struct restore_ctx *rc = arg;
	json_error_t je;
	json_t *rec = json_loads(sm->json, 0, &je), *entry, *author;
	struct group_input gi;
	struct mention m;
	char *entry_json;

	if (rec == NULL || (entry = json_object_get(rec, "entry")) == NULL) {
		rc->bad++;
		json_decref(rec);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.id = (char *)sm->mention_id;
	author = json_object_get(entry, "author");
	m.author_handle = (char *)json_string_value(json_object_get(author, "handle"));
	m.followers = json_is_integer(json_object_get(author, "followers")) ?
	    (long)json_integer_value(json_object_get(author, "followers")) : -1;
	m.verified = json_is_true(json_object_get(author, "verified"));
	ingest_group_input(&gi, json_string_value(json_object_get(rec, "rule")),
	    json_string_value(json_object_get(rec, "team")), &m,
	    json_string_value(json_object_get(entry, "source")), sm->priority, sm->at_ms, sm->rowid);
	gi.score = (int)json_integer_value(json_object_get(entry, "score"));
	gi.rule_info = ingest_restore_rules(rc, rec);
	gi.tags = json_object_get(rec, "tags");
	gi.text = json_string_value(json_object_get(entry, "text"));
	gi.text_len = json_string_length(json_object_get(entry, "text"));
	gi.restored = 1;
	ingest_restore_matches(entry);
	entry_json = json_dumps(entry, JSON_COMPACT);
	gi.entry_json = entry_json ? entry_json : "{}";
	group_add(rc->in->ge, &gi);
	rc->n++;
	free(entry_json);
	json_decref(gi.rule_info);
	json_decref(rec);
}

int
ingest_restore(struct ingest *in)
{
	struct restore_ctx rc = { in, 0, 0, json_object() };

	if (spool_pending_mentions(in->spool, ingest_restore_one, &rc) < 0) {
		log_warnx("spool: cannot read pending mentions: %s", spool_error(in->spool));
		json_decref(rc.texts);
		return -1;
	}
	json_decref(rc.texts);
	/* texts of rules no pending mention names any more; ids asked before are stale */
	if (spool_prune_rule_texts(in->spool) < 0)
		log_warnx("spool: cannot forget old rule texts: %s", spool_error(in->spool));
	memset(in->rule_ref, 0, in->nrule_cache * sizeof(int64_t));
	if (rc.n)
		log_info("restored %zu pending complaint(s) into %zu group(s)", rc.n,
		    group_count(in->ge));
	if (rc.bad)
		log_warnx("spool: %zu pending mention(s) could not be read and were skipped", rc.bad);
	return 0;
}
