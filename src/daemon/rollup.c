/*
 * rollup.c: the counts of the trends and rules pages, per loop pass (see
 * rollup.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/rollup.h"
#include "engine/normalize.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

/* Open addressing at most half full: a probe is one or two slots. */
#define ROLLUP_SLOTS (2 * ROLLUP_MAX_KEYS)
/* The keys' bytes a pass keeps; past this they are written early too. */
#define ROLLUP_ARENA (256 * 1024)

struct rollup_slot {
	uint64_t h;
	int64_t bucket; /* 5 minutes; an hour for words */
	int64_t n;
	uint32_t off, len; /* the key in the arena */
	int kind;
	int used;
};

/* How many recent mentions are written between two trims of the ring. */
#define ROLLUP_RECENT_TRIM(keep) ((keep) / 16 > 256 ? (keep) / 16 : 256)

struct rollup {
	struct spool *sp;
	struct rollup_slot *slots;
	uint32_t *order; /* the slots in use, for the flush */
	size_t nkeys;
	char *arena;
	size_t arena_len;
	int64_t since_ms; /* when the oldest count not yet written was made; 0: none */
	/* every mention: one counter, its bucket changes every 5 minutes */
	int64_t m_bucket, m_n;
	/* the words of one complaint: folded, and their hashes to count each once */
	struct norm_buf nb;
	uint64_t seen[ROLLUP_TERMS];
	size_t nseen;
	struct buf rec; /* a recent mention's JSON */
	size_t recent_added; /* recent mentions written since the last trim */
};

struct rollup *
rollup_new(struct spool *sp)
{
	struct rollup *r = xcalloc(1, sizeof(*r));

	r->sp = sp;
	r->slots = xcalloc(ROLLUP_SLOTS, sizeof(*r->slots));
	r->order = xcalloc(ROLLUP_MAX_KEYS, sizeof(*r->order));
	r->arena = xmalloc(ROLLUP_ARENA);
	norm_init(&r->nb);
	return r;
}

void
rollup_free(struct rollup *r)
{
	if (r == NULL)
		return;
	free(r->slots);
	free(r->order);
	free(r->arena);
	norm_free(&r->nb);
	buf_free(&r->rec);
	free(r);
}

size_t
rollup_pending(const struct rollup *r)
{
	return r->nkeys + (r->m_n > 0);
}

int
rollup_pass_end(struct rollup *r, int64_t now_ms)
{
	if (rollup_pending(r) == 0 || now_ms - r->since_ms < ROLLUP_FLUSH_MS)
		return 0;
	return rollup_flush(r);
}

static int64_t
rollup_floor(int64_t at_ms, int64_t step)
{
	return at_ms - at_ms % step;
}

/* One key's rows: 5 minutes, hour and day; words hour and day. */
static int
rollup_write(struct rollup *r, int kind, int64_t bucket, const char *key, int64_t n)
{
	if (kind != SPOOL_STAT_TERM &&
	    spool_stat_add(r->sp, kind, SPOOL_STEP_5MIN, bucket, key, n) < 0)
		return -1;
	if (spool_stat_add(r->sp, kind, SPOOL_STEP_HOUR, bucket, key, n) < 0 ||
	    spool_stat_add(r->sp, kind, SPOOL_STEP_DAY, bucket, key, n) < 0)
		return -1;
	return 0;
}

int
rollup_flush(struct rollup *r)
{
	int rc = 0;

	if (r->m_n > 0 && rollup_write(r, SPOOL_STAT_MENTIONS, r->m_bucket, "", r->m_n) < 0)
		rc = -1;
	r->m_n = 0;
	for (size_t i = 0; i < r->nkeys; i++) {
		struct rollup_slot *s = &r->slots[r->order[i]];

		if (rc == 0 && rollup_write(r, s->kind, s->bucket, r->arena + s->off, s->n) < 0)
			rc = -1;
		s->used = 0;
	}
	r->nkeys = 0;
	r->arena_len = 0;
	r->since_ms = 0;
	if (rc < 0) {
		/* the batch fails with it: its mentions are answered "not stored" */
		log_warnx("spool: cannot write the rollups of this pass: %s", spool_error(r->sp));
		metrics_add("keluh_spool_errors_total", NULL, 1);
	}
	return rc;
}

static uint64_t
rollup_hash(int kind, int64_t bucket, const char *key)
{
	uint64_t h = util_hash_str(key) ^ ((uint64_t)kind * 0x9e3779b97f4a7c15ULL);

	h ^= (uint64_t)bucket * 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 31;
	return h * 0x94d049bb133111ebULL;
}

/* The table is full: its counts go into the batch now, so none is lost. */
static void
rollup_full(struct rollup *r)
{
	metrics_bound_hit("rollup_keys", "a loop pass counted more distinct trend keys than the "
	                                 "rollup holds in memory; they are written to the spool "
	                                 "early (more writes, nothing lost)");
	rollup_flush(r);
}

/* Adds n to (kind, bucket, key[0..len)), key NUL-terminated. */
static void
rollup_count(struct rollup *r, int kind, int64_t bucket, const char *key, size_t len, int64_t n)
{
	uint64_t h = rollup_hash(kind, bucket, key);
	size_t i = h & (ROLLUP_SLOTS - 1);
	struct rollup_slot *s;

	for (;; i = (i + 1) & (ROLLUP_SLOTS - 1)) {
		s = &r->slots[i];
		if (!s->used)
			break;
		if (s->h == h && s->kind == kind && s->bucket == bucket && s->len == len &&
		    memcmp(r->arena + s->off, key, len) == 0) {
			s->n += n;
			return;
		}
	}
	if (r->nkeys == ROLLUP_MAX_KEYS || r->arena_len + len + 1 > ROLLUP_ARENA) {
		rollup_full(r);
		rollup_count(r, kind, bucket, key, len, n);
		return;
	}
	memcpy(r->arena + r->arena_len, key, len + 1);
	*s = (struct rollup_slot){h, bucket, n, (uint32_t)r->arena_len, (uint32_t)len, kind, 1};
	r->arena_len += len + 1;
	r->order[r->nkeys++] = (uint32_t)i;
}

static void
rollup_json_str(struct buf *b, const char *s, size_t len)
{
	buf_addc(b, '"');
	buf_add_json_str(b, s, len);
	buf_addc(b, '"');
}

/* {"id","text","lang","followers","verified","rating","source"}: what a backtest reads. */
static void
rollup_recent_json(struct buf *b, const struct mention *m, const char *source)
{
	buf_reset(b);
	buf_adds(b, "{\"id\":");
	rollup_json_str(b, m->id, strlen(m->id));
	buf_adds(b, ",\"text\":");
	rollup_json_str(b, m->text, m->text_len);
	if (m->lang) {
		buf_adds(b, ",\"lang\":");
		rollup_json_str(b, m->lang, strlen(m->lang));
	}
	if (m->followers >= 0) {
		buf_adds(b, ",\"followers\":");
		buf_add_int(b, m->followers);
	}
	buf_adds(b, m->verified ? ",\"verified\":true" : ",\"verified\":false");
	if (m->rating > 0) {
		buf_adds(b, ",\"rating\":");
		buf_add_int(b, m->rating);
	}
	buf_adds(b, ",\"source\":");
	rollup_json_str(b, source, strlen(source));
	buf_adds(b, "}");
}

int
rollup_mention(struct rollup *r, const struct conf *c, const struct mention *m, const char *source,
               int complaint, int64_t at_ms)
{
	int64_t bucket = rollup_floor(at_ms, SPOOL_STEP_5MIN);

	if (r->since_ms == 0)
		r->since_ms = at_ms;
	if (r->m_n > 0 && bucket != r->m_bucket) {
		/* the pass crossed into the next 5 minutes: the old bucket goes to the table */
		int64_t n = r->m_n;

		r->m_n = 0;
		rollup_count(r, SPOOL_STAT_MENTIONS, r->m_bucket, "", 0, n);
	}
	r->m_bucket = bucket;
	r->m_n++;
	if (!c->ui.enabled || c->ui.backtest_keep == 0)
		return 0;
	rollup_recent_json(&r->rec, m, source);
	if (spool_recent_add(r->sp, at_ms, complaint, m->id, r->rec.data) < 0) {
		log_warnx("spool: cannot record mention %s for backtests: %s", m->id,
		          spool_error(r->sp));
		metrics_add("keluh_spool_errors_total", NULL, 1);
		return -1;
	}
	/*
	 * A ring of backtest_keep rows: the oldest go as new ones come, a
	 * sixteenth at a time, not only at the hourly prune (at 10,000
	 * mentions/s an hour is 36 million rows).
	 */
	if (++r->recent_added >= ROLLUP_RECENT_TRIM(c->ui.backtest_keep)) {
		r->recent_added = 0;
		if (spool_recent_prune(r->sp, c->ui.backtest_keep, 0) < 0)
			log_warnx("spool: trimming the recent mentions kept for backtests failed: %s",
			          spool_error(r->sp));
	}
	return 0;
}

/* Counts a word or phrase once per complaint. */
static void
rollup_term(struct rollup *r, int64_t hour, const char *term, size_t len)
{
	uint64_t h;

	if (len == 0 || len > ROLLUP_TERM_MAX)
		return;
	h = util_hash_str(term);
	for (size_t i = 0; i < r->nseen; i++)
		if (r->seen[i] == h)
			return;
	r->seen[r->nseen++] = h;
	rollup_count(r, SPOOL_STAT_TERM, hour, term, len, 1);
}

/* The evidence of a complaint, each span folded as the rules fold text. */
static void
rollup_evidence(struct rollup *r, const struct verdict *v, const char *text, int64_t hour)
{
	for (size_t i = 0; i < v->nmatches && r->nseen < ROLLUP_TERMS; i++) {
		const struct match *m = &v->matches[i];

		if (m->end <= m->start || m->end - m->start > 4 * ROLLUP_TERM_MAX)
			continue;
		norm_fold_text(&r->nb, text + m->start, m->end - m->start);
		norm_redup(&r->nb, 0);
		rollup_term(r, hour, r->nb.text, r->nb.len);
	}
}

void
rollup_complaint(struct rollup *r, const struct ruleset *rs, const struct verdict *v,
                 const char *text, int64_t at_ms)
{
	int64_t bucket = rollup_floor(at_ms, SPOOL_STEP_5MIN);
	int64_t hour = rollup_floor(at_ms, SPOOL_STEP_HOUR);
	const char *team = v->team ? v->team : "";

	rollup_count(r, SPOOL_STAT_TEAM, bucket, team, strlen(team), 1);
	for (size_t i = 0; i < v->nrules; i++) {
		const char *id = rules_id(rs, v->rules[i]);

		rollup_count(r, SPOOL_STAT_RULE, bucket, id, strlen(id), 1);
	}
	r->nseen = 0;
	rollup_evidence(r, v, text, hour);
}

static void
rollup_prune_one(struct spool *sp, int kind, int64_t step, int64_t before)
{
	if (spool_stat_prune(sp, kind, step, before) < 0)
		log_warnx("spool: pruning old rollups failed: %s", spool_error(sp));
}

void
rollup_prune(struct spool *sp, const struct conf *c, int64_t now_ms)
{
	size_t keep = c->ui.enabled ? c->ui.backtest_keep : 0;
	int64_t n;

	rollup_prune_one(sp, -1, SPOOL_STEP_5MIN, now_ms - ROLLUP_KEEP_5MIN_MS);
	rollup_prune_one(sp, -1, SPOOL_STEP_HOUR, now_ms - ROLLUP_KEEP_HOUR_MS);
	rollup_prune_one(sp, SPOOL_STAT_TERM, SPOOL_STEP_HOUR, now_ms - ROLLUP_KEEP_TERM_HOUR_MS);
	rollup_prune_one(sp, -1, SPOOL_STEP_DAY, now_ms - ROLLUP_KEEP_DAY_MS);
	if ((n = spool_recent_prune(sp, keep, now_ms - ROLLUP_KEEP_RECENT_MS)) < 0)
		log_warnx("spool: pruning recent mentions failed: %s", spool_error(sp));
	else if (n > 0)
		log_info("spool: forgot %lld recent mention(s) kept for backtests", (long long)n);
}
