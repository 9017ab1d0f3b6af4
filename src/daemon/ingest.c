#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/complaint.h"
#include "daemon/dedup.h"
#include "daemon/ingest.h"
#include "daemon/pass.h"
#include "daemon/rollup.h"
#include "engine/classify.h"
#include "engine/normalize.h"
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
/*
 * Rule texts the leader read for its claims, kept from one claim to the
 * next: a text's id never names another text, and there are about as
 * many as rules. Past this many (rules changed often) they are forgotten.
 */
#define INGEST_CLAIM_TEXTS 4096

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
	/* its rules' texts by their ids in the spool */
	int64_t *refs;
	size_t caprefs;
	/* the complaint's text, folded */
	struct norm_buf nb;

	struct dedup *ids;	/* mention ids seen within duplicates.window */
	struct dedup *texts;	/* complaint texts seen within it (same_text) */
	struct rollup *rollup;	/* the trends' counts; borrowed, NULL: none */
	/* not the leader: complaints wait ungrouped, and wrote(arg) says one was written */
	void (*wrote)(void *arg);
	void *wrote_arg;
	json_t *claim_texts;	/* the leader's rule texts by id, read for its claims */
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
	norm_init(&in->nb);
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
	free(in->refs);
	norm_free(&in->nb);
	dedup_free(in->ids);
	dedup_free(in->texts);
	json_decref(in->claim_texts);
	free(in);
}

/* Per rule, made once per ruleset: its text for the spool, and that text parsed. */
static void
ingest_rule_cache(struct ingest *in, uint32_t r)
{
	if (in->rule_text[r])
		return;
	in->rule_text[r] = complaint_rule_text(in->rs, r);
	in->rule_json[r] = json_loads(in->rule_text[r], 0, NULL);
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
ingest_set_rollup(struct ingest *in, struct rollup *r)
{
	in->rollup = r;
}

void
ingest_batch(struct ingest *in, int on)
{
	classify_batch(in->ctx, on);
}

/* The metrics of a verdict: rule hits, regex errors, the bounds it met. */
static void
ingest_count_verdict(struct ingest *in, const struct verdict *v)
{
	if (v->regex_errors)
		metrics_add("keluh_regex_errors_total", NULL, (double)v->regex_errors);
	for (size_t i = 0; i < v->nbounds; i++)
		ingest_bound_hit(in, &v->bounds[i]);
	for (size_t i = 0; i < v->nrules; i++) {
		uint32_t r = v->rules[i];

		if (in->rule_label[r] == NULL)
			in->rule_label[r] = xasprintf("rule=\"%s\"", rules_id(in->rs, r));
		metrics_add_ref(&in->rule_hits[r], "keluh_rule_hits_total", in->rule_label[r], 1);
	}
}

/*
 * Checks and counts a mention: 1 when it goes on as a complaint, with its
 * verdict in *v; 0 when it is a duplicate, a copy, not valid UTF-8, or no
 * complaint.
 */
static void
ingest_stored_fn(void *arg, const struct spool_mention *sm)
{
	(void)sm;
	*(int *)arg = 1;
}

/* Whether a complaint with this id is in the spool already (a failed look-up says no). */
static int
ingest_stored(struct ingest *in, const char *id)
{
	int found = 0;

	return spool_mention_by_id(in->spool, id, ingest_stored_fn, &found) == 1 && found;
}

static int
ingest_check(struct ingest *in, const struct mention *m, const char *source, int64_t now,
             struct verdict *v, struct ingest_counts *counts, int once)
{
	static const char *const prio_labels[PRIO__N] = {"priority=\"none\"", "priority=\"low\"",
	                                                 "priority=\"normal\"", "priority=\"high\"",
	                                                 "priority=\"critical\""};
	struct classify_author a = { m->followers, m->verified, m->rating };
	const char *src = m->source ? m->source : source;
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
	if (classify_mention(in->ctx, m->text, m->text_len, m->lang, &a, v, &bad) < 0) {
		/* sources hand in valid UTF-8 (JSON guarantees it); count and move on */
		metrics_add("keluh_mentions_rejected_total", "reason=\"invalid_utf8\"", 1);
		return 0;
	}
	if (v->complaint && once && ingest_stored(in, m->id)) {
		metrics_add_ref(&in->src_labels[sl].duplicate, "keluh_mentions_duplicate_total", labels,
		                1);
		counts->duplicates++;
		return 0;
	}
	if (v->complaint && in->conf->dedup_same_text > 0) {
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
	ingest_count_verdict(in, v);
	/* a failed write fails the pass's batch, which answers "not stored" */
	if (in->rollup)
		rollup_mention(in->rollup, in->conf, m, src, v->complaint, now);
	if (!v->complaint)
		return 0;
	counts->complaints++;
	metrics_add_ref(&in->complaints[v->priority], "keluh_complaints_total",
	                prio_labels[v->priority], 1);
	return 1;
}

/* Adds rule r's tags to tags, each once. */
static void
ingest_tags(struct ingest *in, uint32_t r, json_t *tags)
{
	for (size_t t = 0; t < rules_ntags(in->rs, r); t++) {
		const char *tag = rules_tag(in->rs, r, t);
		size_t k;
		json_t *x;

		json_array_foreach(tags, k, x)
		{
			if (strcmp(json_string_value(x), tag) == 0)
				break;
		}
		if (k == json_array_size(tags))
			json_array_append_new(tags, json_string(tag));
	}
}

/*
 * The verdict's rules for c: their {"id","description","score"} objects,
 * the union of their tags and the top rule; and the ids of their texts in
 * the spool, into in->refs. -1 when the spool cannot record a text.
 */
static int
ingest_rules(struct ingest *in, const struct mention *m, const struct verdict *v,
             struct complaint *c)
{
	int best = -100000;

	if (in->rule_ref_gen != spool_rollbacks(in->spool)) {
		/* a lost batch took the texts it added with it */
		memset(in->rule_ref, 0, in->nrule_cache * sizeof(int64_t));
		in->rule_ref_gen = spool_rollbacks(in->spool);
	}
	if (in->caprefs < v->nrules) {
		in->refs = xreallocarray(in->refs, v->nrules, sizeof(*in->refs));
		in->caprefs = v->nrules;
	}
	for (size_t i = 0; i < v->nrules; i++) {
		uint32_t r = v->rules[i];

		ingest_rule_cache(in, r);
		if (in->rule_ref[r] <= 0)
			in->rule_ref[r] = spool_rule_text(in->spool, in->rule_text[r]);
		if (in->rule_ref[r] <= 0) {
			log_warnx("spool: cannot record mention %s: %s", m->id,
			    spool_error(in->spool));
			metrics_add("keluh_spool_errors_total", NULL, 1);
			return -1;
		}
		in->refs[i] = in->rule_ref[r];
		if (in->rule_json[r])
			json_array_append(c->rule_info, in->rule_json[r]);
		ingest_tags(in, r, c->tags);
		if (rules_score(in->rs, r) > best) {
			best = rules_score(in->rs, r);
			c->rule = rules_id(in->rs, r);
		}
	}
	return 0;
}

/*
 * A complaint: its pending row in the spool (in the current transaction)
 * with everything group_add needs, so a restart can rebuild the group,
 * then its place in its group. -1 when the spool could not record it.
 */
static int
ingest_complaint(struct ingest *in, const struct mention *m, const char *src,
                 const struct verdict *v, int64_t now)
{
	struct complaint c;
	char *key = NULL, by_model[80]; /* "model:" and a model name (64 at most) */
	long fm;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	c.team = v->team;
	c.priority = v->priority;
	c.score = v->score;
	c.source = src;
	c.author = m->author_handle;
	c.mention_id = m->id;
	c.followers = m->followers;
	c.verified = m->verified;
	c.at_ms = now;
	c.rule_info = json_array();
	c.tags = json_array();
	pass_join(in->spool);
	if (ingest_rules(in, m, v, &c) < 0)
		goto out;
	if ((fm = verdict_model_found(v)) >= 0) {
		c.model = rules_model_name(in->rs, v->models[fm].model);
		snprintf(by_model, sizeof(by_model), VERDICT_MODEL_RULE "%s", c.model);
		c.rule = by_model;
	}
	c.key = key = complaint_key(in->conf, &c);
	complaint_row_write(&in->rec, &c, in->refs, in->rs, m, v);
	if (in->wrote)
		c.rowid = spool_add_mention_ungrouped(in->spool, m->id, c.key, v->priority, now,
		                                      in->rec.data);
	else
		c.rowid = spool_add_mention(in->spool, m->id, c.key, v->priority, now,
		                            in->rec.data);
	if (c.rowid <= 0) {
		log_warnx("spool: cannot record mention %s: %s", m->id, spool_error(in->spool));
		metrics_add("keluh_spool_errors_total", NULL, 1);
		goto out;
	}
	if (in->wrote)
		in->wrote(in->wrote_arg); /* the leader groups it */
	else {
		c.text = m->text;
		c.text_len = m->text_len;
		norm_fold_text(&in->nb, m->text, m->text_len);
		c.folded = in->nb.text;
		c.folded_len = in->nb.len;
		group_add(in->ge, &c);
	}
	if (in->rollup)
		rollup_complaint(in->rollup, in->rs, v, m->text, now);
	rc = 0;
out:
	free(key);
	json_decref(c.rule_info);
	json_decref(c.tags);
	return rc;
}

static int
ingest_take(struct ingest *in, const struct mention *m, const char *source,
            struct ingest_counts *counts, int once)
{
	int64_t now = util_now_ms();
	struct verdict v;

	if (!ingest_check(in, m, source, now, &v, counts, once))
		return 0;
	return ingest_complaint(in, m, m->source ? m->source : source, &v, now);
}

int
ingest_mention(struct ingest *in, const struct mention *m, const char *source,
               struct ingest_counts *counts)
{
	return ingest_take(in, m, source, counts, 0);
}

int
ingest_mention_once(struct ingest *in, const struct mention *m, const char *source,
                    struct ingest_counts *counts)
{
	return ingest_take(in, m, source, counts, 1);
}

struct restore_ctx {
	struct ingest *in;
	size_t n, bad, copies;
	json_t *texts;		/* rule texts read so far, by id */
	int dedup;		/* copies of a complaint (through two daemons) are dropped */
	int claimed;		/* rows another daemon took: not counted anywhere yet */
};

/* A rule text by its id in the spool (complaint_rule_fn), read once per restore. */
static json_t *
ingest_restore_rule(void *arg, int64_t ref)
{
	struct restore_ctx *rc = arg;
	char key[24];
	json_t *t;

	snprintf(key, sizeof(key), "%lld", (long long)ref);
	if ((t = json_object_get(rc->texts, key)) == NULL) {
		char *s = spool_rule_text_get(rc->in->spool, ref);

		t = s ? json_loads(s, 0, NULL) : NULL;
		free(s);
		if (t == NULL)
			return NULL;
		json_object_set_new(rc->texts, key, t);
	}
	return t;
}

/*
 * Whether a complaint read back is a copy of one the duplicate windows
 * hold: the same id, or (same_text) the same text, within the window of
 * its own time. Records it when it is not.
 */
static int
ingest_copy(struct ingest *in, const struct complaint *c)
{
	int64_t w = in->conf->dedup_window_ms;
	size_t kept;
	uint64_t h;

	if (dedup_seen(in->ids, util_hash_str(c->mention_id), c->at_ms, w))
		return 1;
	if (in->conf->dedup_same_text == 0 || c->text == NULL)
		return 0;
	h = dedup_hash_text(c->text, c->text_len, &kept);
	return kept >= in->conf->dedup_same_text && dedup_seen(in->texts, h, c->at_ms, w);
}

static void
ingest_restore_one(void *arg, const struct spool_mention *sm)
{
	struct restore_ctx *rc = arg;
	struct complaint_read cr;

	if (complaint_row_read(&cr, rc->in->conf, sm, &rc->in->nb, ingest_restore_rule, rc) < 0)
		rc->bad++;
	else if (rc->dedup && ingest_copy(rc->in, &cr.c)) {
		/* the first copy counts; the second must neither wait nor alert */
		if (spool_drop_mention(rc->in->spool, sm->rowid) < 0)
			log_warnx("spool: cannot drop the copy of mention %s: %s", sm->mention_id,
			          spool_error(rc->in->spool));
		metrics_add("keluh_mentions_copies_total", "source=\"cluster\"", 1);
		rc->copies++;
	} else {
		cr.c.restored = !rc->claimed;
		group_add(rc->in->ge, &cr.c);
		rc->n++;
	}
	complaint_read_free(&cr);
}

/* The pending rows into the groups (ingest_restore, ingest_lead): 0, or -1 (logged). */
static int
ingest_reread(struct ingest *in, int dedup)
{
	struct restore_ctx rc = { in, 0, 0, 0, json_object(), dedup, 0 };

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
	if (rc.copies)
		log_info("dropped %zu pending complaint(s) that were copies of others", rc.copies);
	if (rc.bad)
		log_warnx("spool: %zu pending mention(s) could not be read and were skipped", rc.bad);
	return 0;
}

int
ingest_restore(struct ingest *in)
{
	return ingest_reread(in, 0);
}

void
ingest_follow(struct ingest *in, struct group_engine *ge, void (*wrote)(void *arg), void *arg)
{
	in->ge = ge;
	in->wrote = wrote;
	in->wrote_arg = arg;
}

static void
ingest_window_fn(void *arg, const struct spool_mention *sm)
{
	struct spool_mention **tail = arg;
	struct spool_mention *m = (*tail)++;

	m->rowid = sm->rowid;
	m->at_ms = sm->at_ms;
	m->mention_id = xstrdup(sm->mention_id);
	m->json = xstrdup(sm->json);
}

/*
 * The duplicate windows from the complaints of the last window that are
 * alerted (the pending ones go through them next): read newest first, at
 * most the windows' size, fed oldest first.
 */
static int
ingest_seed_windows(struct ingest *in, struct restore_ctx *rc)
{
	size_t cap = in->conf->dedup_max;
	struct spool_mention *v = xcalloc(cap + 1, sizeof(*v)), *tail = v;
	int64_t since = util_now_ms() - in->conf->dedup_window_ms;
	int r = spool_mentions_alerted(in->spool, since, cap, ingest_window_fn, &tail);

	for (struct spool_mention *m = tail; r == 0 && m-- > v;) {
		struct complaint_read cr;

		if (complaint_row_read(&cr, in->conf, m, &in->nb, ingest_restore_rule, rc) == 0)
			(void)ingest_copy(in, &cr.c);
		complaint_read_free(&cr);
	}
	for (struct spool_mention *m = v; m < tail; m++) {
		free(m->mention_id);
		free(m->json);
	}
	free(v);
	if (r < 0)
		log_warnx("spool: cannot read the complaints of the duplicate window: %s",
		          spool_error(in->spool));
	return r;
}

int
ingest_lead(struct ingest *in, struct group_engine *ge)
{
	struct restore_ctx rc = { in, 0, 0, 0, json_object(), 1, 0 };
	int r;

	in->ge = ge;
	in->wrote = NULL;
	ingest_dedup_new(in);
	/*
	 * The rows the last leader had claimed, not those still waiting:
	 * they are claimed as any others, a bounded batch a turn (the
	 * caller asks for the first claim). Claiming them all here read a
	 * backlog of any size in one statement on the loop: a new leader
	 * taking over 100,000 waiting complaints stalled for seconds.
	 */
	r = ingest_seed_windows(in, &rc);
	json_decref(rc.texts);
	return r < 0 ? -1 : ingest_reread(in, 1);
}

int
ingest_claim(struct ingest *in, size_t max)
{
	struct restore_ctx rc = { in, 0, 0, 0, NULL, 1, 1 };
	int n;

	if (in->claim_texts == NULL)
		in->claim_texts = json_object();
	if (json_object_size(in->claim_texts) >= INGEST_CLAIM_TEXTS) {
		metrics_bound_hit("claim_rule_texts", "rule texts kept for the leader's claims: "
		    "forgotten, read again from the spool");
		json_object_clear(in->claim_texts);
	}
	rc.texts = in->claim_texts;
	pass_join(in->spool);
	n = spool_claim_mentions(in->spool, max, ingest_restore_one, &rc);
	if (n < 0) {
		log_warnx("spool: cannot claim the complaints other daemons took: %s",
		          spool_error(in->spool));
		metrics_add("keluh_spool_errors_total", NULL, 1);
		return -1;
	}
	if (rc.bad)
		log_warnx("spool: %zu claimed mention(s) could not be read and were skipped", rc.bad);
	if (rc.copies)
		log_info("dropped %zu claimed complaint(s) that were copies of others", rc.copies);
	return n;
}
