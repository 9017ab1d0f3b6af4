#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#define DEDUP_NONE UINT32_MAX

/*
 * Recently seen mention ids: a FIFO of hashes in a fixed array (the oldest
 * is evicted first) with hash chains for lookup. Bounded by dedup_max.
 */
struct dedup_entry {
	uint64_t h;
	int64_t at;
	uint32_t next;
	int used;
};

struct ingest {
	const struct conf *conf;
	struct ruleset *rs;
	struct classify_ctx *ctx;
	struct spool *spool;
	struct group_engine *ge;

	struct dedup_entry *dd;
	uint32_t *buckets;
	size_t cap, nbuckets, oldest, count;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		h = (h ^ *c) * 1099511628211ULL;
	return h ? h : 1;
}

static void
dedup_setup(struct ingest *in, size_t cap)
{
	free(in->dd);
	free(in->buckets);
	in->cap = cap;
	in->nbuckets = cap * 2 + 1;
	in->dd = xcalloc(cap, sizeof(*in->dd));
	in->buckets = xmalloc(in->nbuckets * sizeof(uint32_t));
	for (size_t i = 0; i < in->nbuckets; i++)
		in->buckets[i] = DEDUP_NONE;
	in->oldest = in->count = 0;
}

static void
dedup_unlink(struct ingest *in, uint32_t idx)
{
	uint32_t *pp = &in->buckets[in->dd[idx].h % in->nbuckets];

	while (*pp != DEDUP_NONE && *pp != idx)
		pp = &in->dd[*pp].next;
	if (*pp == idx)
		*pp = in->dd[idx].next;
	in->dd[idx].used = 0;
	in->count--;
}

/* Returns 1 if id was seen within the window, else records it and returns 0. */
static int
dedup_check(struct ingest *in, const char *id, int64_t now)
{
	uint64_t h = hash_str(id);
	int64_t window = in->conf->dedup_window_ms;
	uint32_t idx, slot;

	/* expire from the oldest end */
	while (in->count && in->dd[in->oldest].used && now - in->dd[in->oldest].at > window) {
		dedup_unlink(in, (uint32_t)in->oldest);
		in->oldest = (in->oldest + 1) % in->cap;
	}
	for (idx = in->buckets[h % in->nbuckets]; idx != DEDUP_NONE; idx = in->dd[idx].next)
		if (in->dd[idx].h == h && now - in->dd[idx].at <= window)
			return 1;
	if (in->count == in->cap) {
		/* full inside the window: the oldest id is forgotten early */
		metrics_bound_hit("dedup_ids", "duplicate window is full; the oldest ids are "
		    "forgotten early (raise duplicates.max_ids)");
		dedup_unlink(in, (uint32_t)in->oldest);
		in->oldest = (in->oldest + 1) % in->cap;
	}
	slot = (uint32_t)((in->oldest + in->count) % in->cap);
	in->dd[slot].h = h;
	in->dd[slot].at = now;
	in->dd[slot].used = 1;
	in->dd[slot].next = in->buckets[h % in->nbuckets];
	in->buckets[h % in->nbuckets] = slot;
	in->count++;
	return 0;
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

void
ingest_set(struct ingest *in, const struct conf *c, struct ruleset *rs)
{
	int resize = in->conf == NULL || in->conf->dedup_max != c->dedup_max;

	in->conf = c;
	if (in->ctx)
		classify_ctx_free(in->ctx);
	in->rs = rs;
	in->ctx = classify_ctx_new(rs);
	if (resize)
		dedup_setup(in, c->dedup_max);
	metrics_set("keluh_rules", NULL, (double)rules_count(rs));
}

void
ingest_free(struct ingest *in)
{
	if (in == NULL)
		return;
	classify_ctx_free(in->ctx);
	free(in->dd);
	free(in->buckets);
	free(in);
}

static json_t *
json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The mention as an alert entry (see receiver.h). */
static json_t *
ingest_entry(const struct ruleset *rs, const struct mention *m, const char *source,
    const struct verdict *v)
{
	json_t *rules = json_array(), *matches = json_array(), *author;

	for (size_t i = 0; i < v->nrules; i++)
		json_array_append_new(rules, json_string(rules_id(rs, v->rules[i])));
	for (size_t i = 0; i < v->nmatches; i++)
		json_array_append_new(matches, json_pack("[I,I]", (json_int_t)v->matches[i].start,
		    (json_int_t)v->matches[i].end));
	author = json_pack("{s:o,s:o,s:o,s:b}", "handle", json_str_or_null(m->author_handle),
	    "name", json_str_or_null(m->author_name), "followers",
	    m->followers >= 0 ? json_integer(m->followers) : json_null(), "verified", m->verified);
	return json_pack("{s:s,s:s,s:s%,s:o,s:o,s:o,s:o,s:i,s:s,s:o,s:o}", "id", m->id, "source",
	    source, "text", m->text, m->text_len, "url", json_str_or_null(m->url), "created_at",
	    json_str_or_null(m->created_at), "lang", json_str_or_null(m->lang), "author", author,
	    "score", v->score, "priority", prio_name(v->priority), "rules", rules, "matches",
	    matches);
}

/* Everything group_add needs, kept in the spool row so a restart can rebuild it. */
static json_t *
ingest_record(const struct ruleset *rs, const struct verdict *v, json_t *entry, const char **top)
{
	json_t *info = json_array(), *tags = json_array();
	int best = -100000;

	*top = NULL;
	for (size_t i = 0; i < v->nrules; i++) {
		uint32_t r = v->rules[i];
		const char *d = rules_description(rs, r);

		json_array_append_new(info, json_pack("{s:s,s:o,s:i}", "id", rules_id(rs, r),
		    "description", json_str_or_null(d), "score", rules_score(rs, r)));
		for (size_t t = 0; t < rules_ntags(rs, r); t++) {
			const char *tag = rules_tag(rs, r, t);
			size_t k;
			json_t *x;

			json_array_foreach(tags, k, x)
				if (strcmp(json_string_value(x), tag) == 0)
					break;
			if (k == json_array_size(tags))
				json_array_append_new(tags, json_string(tag));
		}
		if (rules_score(rs, r) > best) {
			best = rules_score(rs, r);
			*top = rules_id(rs, r);
		}
	}
	return json_pack("{s:o,s:o,s:O,s:o,s:o}", "rule_info", info, "tags", tags, "entry", entry,
	    "team", json_str_or_null(v->team), "rule", json_str_or_null(*top));
}

static void
ingest_group_input(struct group_input *gi, json_t *rec, const struct mention *m,
    const char *source, int prio, int64_t at, int64_t rowid)
{
	memset(gi, 0, sizeof(*gi));
	gi->rule = json_string_value(json_object_get(rec, "rule"));
	gi->team = json_string_value(json_object_get(rec, "team"));
	gi->priority = prio;
	gi->source = source;
	gi->author = m ? m->author_handle : NULL;
	gi->mention_id = m ? m->id : NULL;
	gi->followers = m ? m->followers : -1;
	gi->at_ms = at;
	gi->rowid = rowid;
	gi->entry = json_object_get(rec, "entry");
	gi->rule_info = json_object_get(rec, "rule_info");
	gi->tags = json_object_get(rec, "tags");
}

int
ingest_mention(struct ingest *in, const struct mention *m, const char *source,
    struct ingest_counts *counts)
{
	struct classify_author a = { m->followers, m->verified };
	const char *src = m->source ? m->source : source;
	int64_t now = now_ms();
	struct verdict v;
	char labels[160];
	size_t bad;

	snprintf(labels, sizeof(labels), "source=\"%s\"", src);
	if (dedup_check(in, m->id, now)) {
		metrics_add("keluh_mentions_duplicate_total", labels, 1);
		counts->duplicates++;
		return 0;
	}
	if (classify_text(in->ctx, m->text, m->text_len, &a, &v, &bad) < 0) {
		/* sources hand in valid UTF-8 (JSON guarantees it); count and move on */
		metrics_add("keluh_mentions_rejected_total", "reason=\"invalid_utf8\"", 1);
		return 0;
	}
	metrics_add("keluh_mentions_total", labels, 1);
	counts->accepted++;
	if (v.regex_errors)
		metrics_add("keluh_regex_errors_total", NULL, (double)v.regex_errors);
	for (size_t i = 0; i < v.nrules; i++) {
		snprintf(labels, sizeof(labels), "rule=\"%s\"", rules_id(in->rs, v.rules[i]));
		metrics_add("keluh_rule_hits_total", labels, 1);
	}
	if (!v.complaint)
		return 0;
	counts->complaints++;
	snprintf(labels, sizeof(labels), "priority=\"%s\"", prio_name(v.priority));
	metrics_add("keluh_complaints_total", labels, 1);

	json_t *entry = ingest_entry(in->rs, m, src, &v);
	const char *top;
	json_t *rec = ingest_record(in->rs, &v, entry, &top);
	struct group_input gi;
	char *key, *json;
	int64_t rowid;

	ingest_group_input(&gi, rec, m, src, v.priority, now, 0);
	key = group_key(in->conf, &gi);
	json = json_dumps(rec, JSON_COMPACT);
	spool_begin(in->spool);
	rowid = spool_add_mention(in->spool, m->id, key, v.priority, now, json);
	free(json);
	free(key);
	if (rowid <= 0) {
		log_warnx("spool: cannot record mention %s: %s", m->id, spool_error(in->spool));
		metrics_add("keluh_spool_errors_total", NULL, 1);
		json_decref(entry);
		json_decref(rec);
		return -1;
	}
	gi.rowid = rowid;
	group_add(in->ge, &gi);
	json_decref(entry);
	json_decref(rec);
	return 0;
}

struct restore_ctx {
	struct ingest *in;
	size_t n, bad;
};

static void
ingest_restore_one(void *arg, const struct spool_mention *sm)
{
	struct restore_ctx *rc = arg;
	json_error_t je;
	json_t *rec = json_loads(sm->json, 0, &je), *entry, *author;
	struct group_input gi;
	struct mention m;

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
	ingest_group_input(&gi, rec, &m, json_string_value(json_object_get(entry, "source")),
	    sm->priority, sm->at_ms, sm->rowid);
	group_add(rc->in->ge, &gi);
	rc->n++;
	json_decref(rec);
}

int
ingest_restore(struct ingest *in)
{
	struct restore_ctx rc = { in, 0, 0 };

	if (spool_pending_mentions(in->spool, ingest_restore_one, &rc) < 0) {
		log_warnx("spool: cannot read pending mentions: %s", spool_error(in->spool));
		return -1;
	}
	if (rc.n)
		log_info("restored %zu pending complaint(s) into %zu group(s)", rc.n,
		    group_count(in->ge));
	if (rc.bad)
		log_warnx("spool: %zu pending mention(s) could not be read and were skipped", rc.bad);
	return 0;
}
