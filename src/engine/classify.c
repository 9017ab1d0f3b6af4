#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine/classify.h"
#include "engine/model.h"
#include "engine/normalize.h"
#include "engine/rules_int.h"
#include "engine/rules_select.h"
#include "lib/util.h"

/*
 * An occurrence of a near word, as kept per slot: folded start and end,
 * the keyword, and its number of words.
 */
#define NEAR_REC 4

/*
 * Per-mention state lives in arrays indexed by keyword, regex and rule id,
 * tagged with a generation number instead of being cleared: a new mention
 * only bumps ctx->gen. That keeps the cost of a mention proportional to
 * what it contains, not to the size of the ruleset.
 */
struct classify_ctx {
	struct ruleset *rs;
	struct norm_buf nb;
	struct regex_scratch *scratch;
	uint32_t gen;

	uint32_t *kw_gen;	/* == gen: keyword seen (at a valid boundary) */
	uint32_t *kw_span;	/* first occurrence, folded [2k], [2k+1] */
	uint32_t *rx_gen;	/* == gen: one of the regex's literals was seen */
	uint32_t *rx_done;	/* == gen: the regex ran, result in rx_res */
	uint8_t *rx_res;
	size_t *rx_span;
	uint32_t *cond_gen;	/* == gen: a keyword of this condition was seen */
	/*
	 * For the evidence: the index in its condition of every keyword
	 * seen, as lists per condition: cond_head[ci] (valid when cond_gen
	 * is) starts one, cpos/cnext hold the entries.
	 */
	uint32_t *cond_head;
	uint32_t *cpos, *cnext;
	uint32_t ncpos;
	uint32_t *pos;		/* scratch for classify_evidence */
	/*
	 * near: conditions. near_gen[id] == gen: it holds, with the
	 * occurrences of its words in near_ev (NEAR_REC per slot). Per slot
	 * (a place of a near): its last occurrence (slot_gen, slot_ws: its
	 * first word's number, slot_rec) and, for ordered nears, the tightest
	 * chain of the places before it that ends with it (chain_gen,
	 * chain_ws, and its occurrences in chain_rec, RULES_NEAR_MAX_WORDS
	 * records).
	 */
	uint32_t *near_gen, *near_ev;
	uint32_t *slot_gen, *slot_ws, *slot_rec;
	uint32_t *chain_gen, *chain_ws, *chain_rec;
	size_t wpos; /* words counted in nb.text[0..wpos) */
	uint32_t wcount;
	int wprev;              /* nb.text[wpos - 1] is a word character */
	uint32_t *rule_gen;	/* == gen: rule already a candidate */
	uint32_t *cand;
	size_t ncand;

	uint32_t *matched;
	size_t nmatched;
	struct match *matches;
	size_t nmatches, capmatches;
	uint64_t *hits;

	int evidence;
	int rule_failed;	/* a regex of the rule being evaluated hit a limit */
	uint32_t cur_rule;	/* the rule being evaluated */
	struct bound_hit *bounds;	/* one per regex at most */
	size_t nbounds;
	size_t work_left;	/* regex bytes this mention may still look at */
	size_t batch_left;	/* ... and this batch, when in_batch */
	int in_batch;
	const char *text;	/* the original text being classified */
	size_t len;
	uint32_t rating;	/* the review's stars, 1..5; 0: no review */
	size_t regex_errors;

	/*
	 * The models (only when the set has some): a model's probability is
	 * asked once per mention, when a rule or its score needs it, and
	 * kept under model_gen with its place in vm; its explanation (for
	 * the evidence) likewise under why_gen, CLASSIFY_MODEL_WHY per model.
	 */
	struct model_scratch *mscratch;
	uint32_t *model_gen, *model_at, *why_gen;
	struct model_why *why;
	size_t *nwhy;
	struct verdict_model *vm;
	size_t nvm;
};

struct classify_ctx *
classify_ctx_new(struct ruleset *rs)
{
	struct classify_ctx *c = xcalloc(1, sizeof(*c));
	size_t nk = rs->nkws ? rs->nkws : 1, nx = rs->nrxs ? rs->nrxs : 1;
	size_t nr = rs->nrules ? rs->nrules : 1, ns = rs->nslots ? rs->nslots : 1;

	c->rs = rules_ref(rs);
	norm_init(&c->nb);
	c->scratch = regex_scratch_new();
	c->kw_gen = xcalloc(nk, sizeof(uint32_t));
	c->kw_span = xcalloc(nk * 2, sizeof(uint32_t));
	c->rx_gen = xcalloc(nx, sizeof(uint32_t));
	c->rx_done = xcalloc(nx, sizeof(uint32_t));
	c->rx_res = xcalloc(nx, 1);
	c->rx_span = xcalloc(nx * 2, sizeof(size_t));
	c->cond_gen = xcalloc(rs->nconds ? rs->nconds : 1, sizeof(uint32_t));
	c->cond_head = xcalloc(rs->nconds ? rs->nconds : 1, sizeof(uint32_t));
	c->cpos = xcalloc(rs->nkwconds ? rs->nkwconds : 1, sizeof(uint32_t));
	c->cnext = xcalloc(rs->nkwconds ? rs->nkwconds : 1, sizeof(uint32_t));
	c->pos = xcalloc(rs->nkwconds ? rs->nkwconds : 1, sizeof(uint32_t));
	c->rule_gen = xcalloc(nr, sizeof(uint32_t));
	c->near_gen = xcalloc(rs->nnears ? rs->nnears : 1, sizeof(uint32_t));
	c->near_ev = xcalloc(ns * NEAR_REC, sizeof(uint32_t));
	c->slot_gen = xcalloc(ns, sizeof(uint32_t));
	c->slot_ws = xcalloc(ns, sizeof(uint32_t));
	c->slot_rec = xcalloc(ns * NEAR_REC, sizeof(uint32_t));
	c->chain_gen = xcalloc(ns, sizeof(uint32_t));
	c->chain_ws = xcalloc(ns, sizeof(uint32_t));
	c->chain_rec = xcalloc(ns * NEAR_REC * RULES_NEAR_MAX_WORDS, sizeof(uint32_t));
	c->evidence = 1;
	c->cand = xcalloc(nr, sizeof(uint32_t));
	c->matched = xcalloc(nr, sizeof(uint32_t));
	c->hits = xcalloc(nr, sizeof(uint64_t));
	c->bounds = xcalloc(nx, sizeof(*c->bounds));
	if (rs->nmodels) {
		c->mscratch = model_scratch_new();
		c->model_gen = xcalloc(rs->nmodels, sizeof(uint32_t));
		c->model_at = xcalloc(rs->nmodels, sizeof(uint32_t));
		c->why_gen = xcalloc(rs->nmodels, sizeof(uint32_t));
		c->why = xcalloc(rs->nmodels * CLASSIFY_MODEL_WHY, sizeof(*c->why));
		c->nwhy = xcalloc(rs->nmodels, sizeof(size_t));
		c->vm = xcalloc(rs->nmodels, sizeof(*c->vm));
	}
	return c;
}

void
classify_ctx_free(struct classify_ctx *c)
{
	if (c == NULL)
		return;
	norm_free(&c->nb);
	regex_scratch_free(c->scratch);
	free(c->kw_gen);
	free(c->kw_span);
	free(c->rx_gen);
	free(c->rx_done);
	free(c->rx_res);
	free(c->rx_span);
	free(c->cond_gen);
	free(c->cond_head);
	free(c->cpos);
	free(c->cnext);
	free(c->pos);
	free(c->rule_gen);
	free(c->near_gen);
	free(c->near_ev);
	free(c->slot_gen);
	free(c->slot_ws);
	free(c->slot_rec);
	free(c->chain_gen);
	free(c->chain_ws);
	free(c->chain_rec);
	free(c->cand);
	free(c->matched);
	free(c->matches);
	free(c->hits);
	free(c->bounds);
	model_scratch_free(c->mscratch);
	free(c->model_gen);
	free(c->model_at);
	free(c->why_gen);
	free(c->why);
	free(c->nwhy);
	free(c->vm);
	rules_unref(c->rs);
	free(c);
}

const struct ruleset *
classify_ruleset(const struct classify_ctx *c)
{
	return c->rs;
}

void
classify_set_evidence(struct classify_ctx *c, int mode)
{
	c->evidence = mode;
}

const char *
classify_match_kind_name(enum match_kind k)
{
	return k == MATCH_KEYWORD ? "keyword" : k == MATCH_NEAR ? "near" :
	    k == MATCH_RATING ? "rating" : k == MATCH_MODEL ? "model" : "regex";
}

const char *
classify_bound_name(enum bound_kind k)
{
	static const char *const names[] = { "regex_window", "regex_tail_window", "regex_work",
		"regex_batch_work" };

	return names[k];
}

void
classify_batch(struct classify_ctx *c, int on)
{
	c->in_batch = on && c->rs->regex_batch_work > 0;
	c->batch_left = c->rs->regex_batch_work;
}

const char *
classify_folded(const struct classify_ctx *c, size_t *len)
{
	*len = c->nb.len;
	return c->nb.text != NULL ? c->nb.text : "";
}

const uint64_t *
classify_rule_hits(const struct classify_ctx *c)
{
	return c->hits;
}

static inline void
classify_candidate(struct classify_ctx *c, uint32_t rule)
{
	if (c->rule_gen[rule] != c->gen) {
		c->rule_gen[rule] = c->gen;
		c->cand[c->ncand++] = rule;
	}
}

/*
 * norm_word_before/after with the ASCII case inline: the bytes next to a
 * hit are nearly always ASCII, and this runs for most hits. The same word
 * characters as normalize.c: letters, digits and '_'.
 */
static inline int
classify_ascii_word(unsigned char ch)
{
	return (unsigned)((ch | 0x20) - 'a') < 26 || (unsigned)(ch - '0') < 10 || ch == '_';
}

static inline int
classify_word_before(const char *text, size_t pos)
{
	unsigned char ch;

	if (pos == 0)
		return 0;
	ch = (unsigned char)text[pos - 1];
	return ch < 0x80 ? classify_ascii_word(ch) : norm_word_before(text, pos);
}

static inline int
classify_word_after(const char *text, size_t len, size_t pos)
{
	unsigned char ch;

	if (pos >= len)
		return 0;
	ch = (unsigned char)text[pos];
	return ch < 0x80 ? classify_ascii_word(ch) : norm_word_after(text, len, pos);
}

/*
 * The number of the word that ends at folded offset end (1 for the first
 * word). Hits come in order of end offset, so the count only moves
 * forward: all the calls of a mention look at each byte once.
 */
static uint32_t
classify_word_number(struct classify_ctx *c, size_t end)
{
	const char *t = c->nb.text;
	size_t len = c->nb.len;

	while (c->wpos < end) {
		unsigned char ch = (unsigned char)t[c->wpos];
		size_t step = 1;
		int w;

		if (ch < 0x80)
			w = classify_ascii_word(ch);
		else {
			w = norm_word_after(t, len, c->wpos);
			while (c->wpos + step < len &&
			       ((unsigned char)t[c->wpos + step] & 0xc0) == 0x80)
				step++;
		}
		c->wcount += w && !c->wprev;
		c->wprev = w;
		c->wpos += step;
	}
	return c->wcount;
}

/* Whether the words from word ws to we hold at most within others. */
static int
near_close(const struct rs_near *nr, uint32_t ws, uint32_t we, uint32_t words)
{
	uint32_t span = we - ws + 1;

	return span <= words || span - words <= nr->within;
}

/* Unordered: the last occurrence of every place is the closest to this one. */
static void
classify_near_any(struct classify_ctx *c, const struct rs_near *nr, uint32_t id, uint32_t we)
{
	uint32_t ws = we, words = 0;

	for (uint32_t j = 0; j < nr->n; j++) {
		uint32_t s = nr->slot + j;

		if (c->slot_gen[s] != c->gen)
			return;
		if (c->slot_ws[s] < ws)
			ws = c->slot_ws[s];
		words += c->slot_rec[NEAR_REC * s + 3];
	}
	if (!near_close(nr, ws, we, words))
		return;
	c->near_gen[id] = c->gen;
	memcpy(c->near_ev + NEAR_REC * nr->slot, c->slot_rec + NEAR_REC * nr->slot,
	       NEAR_REC * nr->n * sizeof(uint32_t));
}

/*
 * Ordered: place j extends the chain of places 0..j-1 that starts last
 * and ends before it, which makes the tightest chain ending here.
 */
static void
classify_near_ordered(struct classify_ctx *c, const struct rs_near *nr, uint32_t id, uint32_t j,
                      uint32_t we)
{
	uint32_t s = nr->slot + j, words = 0;
	uint32_t *rec = c->chain_rec + NEAR_REC * RULES_NEAR_MAX_WORDS * (size_t)s;

	if (j == 0)
		c->chain_ws[s] = c->slot_ws[s];
	else {
		const uint32_t *prev = rec - NEAR_REC * RULES_NEAR_MAX_WORDS;

		if (c->chain_gen[s - 1] != c->gen ||
		    prev[NEAR_REC * (j - 1) + 1] > c->slot_rec[NEAR_REC * s])
			return;
		c->chain_ws[s] = c->chain_ws[s - 1];
		memcpy(rec, prev, NEAR_REC * j * sizeof(uint32_t));
	}
	memcpy(rec + NEAR_REC * j, c->slot_rec + NEAR_REC * s, NEAR_REC * sizeof(uint32_t));
	c->chain_gen[s] = c->gen;
	if (j + 1 < nr->n)
		return;
	for (uint32_t i = 0; i < nr->n; i++)
		words += rec[NEAR_REC * i + 3];
	if (!near_close(nr, c->chain_ws[s], we, words))
		return;
	c->near_gen[id] = c->gen;
	memcpy(c->near_ev + NEAR_REC * nr->slot, rec, NEAR_REC * nr->n * sizeof(uint32_t));
}

/*
 * An occurrence of near word k at folded [start, end), for each of its
 * slots: O(RULES_NEAR_MAX_WORDS) per slot, besides the word count.
 */
static void
classify_near_hit(struct classify_ctx *c, uint32_t k, const uint32_t *slots, uint32_t n,
                  size_t start, size_t end)
{
	const struct ruleset *rs = c->rs;
	uint32_t we = classify_word_number(c, end), nw = rs->kws[k].nwords;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = slots[i], id = rs->slot_near[s];
		const struct rs_near *nr = &rs->nears[id];
		uint32_t *rec = c->slot_rec + NEAR_REC * s;

		if (c->near_gen[id] == c->gen)
			continue;
		c->slot_gen[s] = c->gen;
		c->slot_ws[s] = we + 1 > nw ? we + 1 - nw : 0;
		rec[0] = (uint32_t)start;
		rec[1] = (uint32_t)end;
		rec[2] = k;
		rec[3] = nw;
		if (nr->ordered)
			classify_near_ordered(c, nr, id, s - nr->slot, we);
		else
			classify_near_any(c, nr, id, we);
	}
}

/* Whether a keyword hit at folded [start, end) stands at the word edges its kind wants. */
static inline __attribute__((always_inline)) int
classify_edges(const struct classify_ctx *c, unsigned kwkind, size_t start, size_t end)
{
	switch (kwkind) {
	case KW_WORD:
		return !classify_word_before(c->nb.text, start) &&
		       !classify_word_after(c->nb.text, c->nb.len, end);
	case KW_PREFIX: return !classify_word_before(c->nb.text, start);
	case KW_SUFFIX: return !classify_word_after(c->nb.text, c->nb.len, end);
	default: return 1;
	}
}

/* The first occurrence of keyword k: its span, its conditions and rules. */
static inline __attribute__((always_inline)) void
classify_keyword_seen(struct classify_ctx *c, const struct rs_pat *p, const uint32_t *l,
                      size_t start, size_t end)
{
	uint32_t k = p->target, n = p->nconds;

	c->kw_gen[k] = c->gen;
	c->kw_span[2 * k] = (uint32_t)start;
	c->kw_span[2 * k + 1] = (uint32_t)end;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t ci = l[i];

		if (c->cond_gen[ci] != c->gen) {
			c->cond_gen[ci] = c->gen;
			c->cond_head[ci] = UINT32_MAX;
		}
		c->cpos[c->ncpos] = l[n + i];
		c->cnext[c->ncpos] = c->cond_head[ci];
		c->cond_head[ci] = c->ncpos++;
	}
	l += 2 * n;
	for (uint32_t i = 0; i < p->nrules; i++)
		classify_candidate(c, l[i]);
}

/*
 * A keyword counts its first occurrence; a near word (its own pattern
 * kind, so that plain keywords pay nothing for it) counts every one.
 */
static int
classify_hit(void *arg, uint32_t id, size_t end)
{
	struct classify_ctx *c = arg;
	const struct ruleset *rs = c->rs;
	const struct rs_pat *p = &rs->pats[id];
	const uint32_t *l = rs->links + p->link;

	if (p->kind == PAT_KEYWORD) {
		size_t start = end - p->flen;

		if (c->kw_gen[p->target] == c->gen || !classify_edges(c, p->kwkind, start, end))
			return 0;
		classify_keyword_seen(c, p, l, start, end);
	} else if (p->kind == PAT_NEAR_WORD) {
		size_t start = end - p->flen;

		if (!classify_edges(c, p->kwkind, start, end))
			return 0;
		classify_near_hit(c, p->target, l + 2 * p->nconds + p->nrules, p->nnears, start,
		                  end);
		if (c->kw_gen[p->target] != c->gen)
			classify_keyword_seen(c, p, l, start, end);
	} else if (p->flen) {
		uint32_t x = p->target;

		if (c->rx_gen[x] == c->gen)
			return 0;
		c->rx_gen[x] = c->gen;
		for (uint32_t i = 0; i < p->nrules; i++)
			classify_candidate(c, l[i]);
	}
	return 0;
}

static void
classify_bound(struct classify_ctx *c, uint32_t x, enum bound_kind kind)
{
	struct bound_hit *b = &c->bounds[c->nbounds++];

	b->rule = c->cur_rule;
	b->kind = kind;
	b->pattern = c->rs->rxs[x].src;
	b->window = kind == BOUND_REGEX_TAIL_WINDOW ? c->rs->regex_tail_window :
	    c->rs->regex_window;
}

/*
 * Runs regex x on at most regex_window bytes, if the mention's (and the
 * batch's) budget of regex bytes still holds them. A regex over budget
 * decides nothing, like one that hits the match limit.
 */
static int
classify_regex_run(struct classify_ctx *c, uint32_t x)
{
	const struct ruleset *rs = c->rs;
	const struct regex *re = rs->rxs[x].re;
	size_t w = regex_is_tail(re) ? rs->regex_tail_window : rs->regex_window;
	int rc;

	if (c->len < w)
		w = c->len;
	if (w > c->work_left || (c->in_batch && w > c->batch_left)) {
		classify_bound(c, x, w > c->work_left ? BOUND_REGEX_WORK : BOUND_REGEX_BATCH);
		return -1;
	}
	c->work_left -= w;
	if (c->in_batch)
		c->batch_left -= w;
	/* a pattern anchored at the start looks at the start: its cut is not news */
	if (c->len > w && !regex_is_head(re))
		classify_bound(c, x, regex_is_tail(re) ? BOUND_REGEX_TAIL_WINDOW : BOUND_REGEX_WINDOW);
	rc = regex_match_window(re, c->scratch, c->text, c->len, w,
	    &c->rx_span[2 * x], &c->rx_span[2 * x + 1]);
	if (rc < 0)
		c->regex_errors++;
	return rc;
}

static int
classify_regex(struct classify_ctx *c, uint32_t x)
{
	const struct rs_regex *rx = &c->rs->rxs[x];
	int rc, failed;

	if (rx->nlits && c->rx_gen[x] != c->gen)
		return 0;
	if (c->rx_done[x] == c->gen) {
		if (c->rx_res[x] == 2)
			c->rule_failed = 1;
		return c->rx_res[x] == 1;
	}
	rc = classify_regex_run(c, x);
	failed = rc < 0;
	if (failed) {
		/*
		 * A runaway pattern must decide nothing: not match, and not
		 * veto either (under 'none'). The rule being evaluated is
		 * dropped for this mention.
		 */
		c->rule_failed = 1;
		rc = 0;
	}
	c->rx_done[x] = c->gen;
	/* only this regex's own failure is remembered: another rule may use it */
	c->rx_res[x] = failed ? 2 : (uint8_t)rc;
	return rc;
}

/*
 * Model m's probability of a complaint for this mention, asked once: the
 * folded text is the rules' own (norm_fold then norm_redup), so the
 * model reads what the rules read.
 */
static double
classify_model_p(struct classify_ctx *c, uint32_t m)
{
	struct verdict_model *vm;

	if (c->model_gen[m] == c->gen)
		return c->vm[c->model_at[m]].p;
	c->model_gen[m] = c->gen;
	c->model_at[m] = (uint32_t)c->nvm;
	vm = &c->vm[c->nvm++];
	vm->model = m;
	vm->score = 0;
	vm->p = model_prob_folded(c->rs->models[m].m, c->mscratch, c->nb.text, c->nb.len);
	return vm->p;
}

static int
classify_model_cond(struct classify_ctx *c, uint32_t mc)
{
	const struct rs_mcond *x = &c->rs->mconds[mc];

	return classify_model_p(c, x->model) > x->above;
}

/*
 * A rule's value, from its tree in ruleset.flat: the nodes a rule visits
 * sit together there, where the conditions and their item lists are
 * spread over the heap. The same as classify_eval below.
 */
static int
classify_eval_flat(struct classify_ctx *c, uint32_t at)
{
	const uint32_t *flat = c->rs->flat, *node = flat + at;
	uint32_t type = node[0] & 0xff, n = node[0] >> 8;
	int stop;

	/* leaves are the types after any/all/none: one compare sends nodes on their way */
	if (type >= COND_KEYWORDS) {
		if (type == COND_KEYWORDS)
			return c->cond_gen[node[1]] == c->gen;
		if (type == COND_REGEX)
			return classify_regex(c, node[1]);
		if (type == COND_NEAR)
			return c->near_gen[node[1]] == c->gen;
		if (type == COND_MODEL)
			return classify_model_cond(c, node[1]);
		return node[1] >> c->rating & 1; /* COND_RATING */
	}
	stop = type != COND_ALL;
	for (uint32_t i = 1; i <= n; i++) {
		const uint32_t *ch = flat + node[i];
		int r = (ch[0] & 0xff) == COND_KEYWORDS ? c->cond_gen[ch[1]] == c->gen :
		    classify_eval_flat(c, node[i]);

		if (r == stop)
			return type == COND_ANY;
	}
	return type != COND_ANY;
}

/*
 * A condition's value. Most children are keyword tests, a load and a
 * compare: they are done in place, and only any/all/none and regexes
 * recurse. Written with ifs: the switch's jump table was an indirect
 * branch per node, often mispredicted.
 */
static int
classify_eval(struct classify_ctx *c, uint32_t ci)
{
	const struct rs_cond *conds = c->rs->conds, *cond = &conds[ci];
	int stop;

	if (cond->type >= COND_KEYWORDS) {
		if (cond->type == COND_KEYWORDS)
			return c->cond_gen[ci] == c->gen;
		if (cond->type == COND_REGEX)
			return classify_regex(c, cond->items[0]);
		if (cond->type == COND_NEAR)
			return c->near_gen[cond->items[0]] == c->gen;
		if (cond->type == COND_MODEL)
			return classify_model_cond(c, cond->items[0]);
		return cond->items[0] >> c->rating & 1; /* COND_RATING */
	}
	/* any stops at the first true child, all and none at the first false or true */
	stop = cond->type != COND_ALL;
	for (uint32_t i = 0; i < cond->n; i++) {
		uint32_t ch = cond->items[i];
		int r = conds[ch].type == COND_KEYWORDS ? c->cond_gen[ch] == c->gen :
		    classify_eval(c, ch);

		if (r == stop)
			return cond->type == COND_ANY;
	}
	return cond->type != COND_ANY;
}

static void
classify_add_match(struct classify_ctx *c, uint32_t rule, enum match_kind kind,
    const char *pattern, size_t start, size_t end)
{
	struct match *m;

	if (c->nmatches == c->capmatches) {
		c->capmatches = c->capmatches ? c->capmatches * 2 : 16;
		c->matches = xreallocarray(c->matches, c->capmatches, sizeof(*c->matches));
	}
	m = &c->matches[c->nmatches++];
	m->rule = rule;
	m->kind = kind;
	m->pattern = pattern;
	m->start = start;
	m->end = end;
	m->model = 0;
	m->weight = 0;
}

/*
 * The n-grams that pushed model m's probability up most, as evidence
 * under rule (or CLASSIFY_NO_RULE); explained once per mention.
 */
static void
classify_model_evidence(struct classify_ctx *c, uint32_t rule, uint32_t m)
{
	struct model_why *why = c->why + (size_t)m * CLASSIFY_MODEL_WHY;

	if (c->why_gen[m] != c->gen) {
		c->why_gen[m] = c->gen;
		c->nwhy[m] = model_explain_with(c->rs->models[m].m, c->mscratch, c->text, c->len,
		                                why, CLASSIFY_MODEL_WHY);
	}
	for (size_t i = 0; i < c->nwhy[m]; i++) {
		if (why[i].weight <= 0)
			continue;
		classify_add_match(c, rule, MATCH_MODEL, why[i].gram, why[i].start, why[i].end);
		c->matches[c->nmatches - 1].model = m;
		c->matches[c->nmatches - 1].weight = (float)why[i].weight;
	}
}

static void
classify_keyword_match(struct classify_ctx *c, uint32_t rule, uint32_t k)
{
	classify_add_match(c, rule, MATCH_KEYWORD, c->rs->kws[k].src,
	    c->nb.map[c->kw_span[2 * k]], c->nb.map[c->kw_span[2 * k + 1]]);
}

/* Matched rules and keywords seen are few: an insertion sort will do. */
static void
u32_sort(uint32_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t x = v[i];
		size_t j = i;

		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* Records the evidence of a matched rule: every true leaf not under 'none'. */
static void
classify_evidence(struct classify_ctx *c, uint32_t rule, uint32_t ci)
{
	const struct rs_cond *cond = &c->rs->conds[ci];
	size_t npos;

	switch (cond->type) {
	case COND_KEYWORDS:
		if (cond->dups) {
			for (uint32_t i = 0; i < cond->n; i++)
				if (c->kw_gen[cond->items[i]] == c->gen)
					classify_keyword_match(c, rule, cond->items[i]);
			break;
		}
		/*
		 * A list of hundreds of keywords and a mention that has a few:
		 * the hits recorded the index of each keyword seen in the
		 * list, so only those are visited, put back in list order.
		 */
		if (c->cond_gen[ci] != c->gen)
			break;
		npos = 0;
		for (uint32_t q = c->cond_head[ci]; q != UINT32_MAX; q = c->cnext[q])
			c->pos[npos++] = c->cpos[q];
		u32_sort(c->pos, npos);
		for (size_t i = 0; i < npos; i++)
			classify_keyword_match(c, rule, cond->items[c->pos[i]]);
		break;
	case COND_REGEX:
		if (classify_regex(c, cond->items[0])) {
			uint32_t x = cond->items[0];

			classify_add_match(c, rule, MATCH_REGEX, c->rs->rxs[x].src,
			    c->rx_span[2 * x], c->rx_span[2 * x + 1]);
		}
		break;
	case COND_NEAR:
		if (c->near_gen[cond->items[0]] == c->gen) {
			const struct rs_near *nr = &c->rs->nears[cond->items[0]];
			const uint32_t *ev = c->near_ev + NEAR_REC * nr->slot;

			for (uint32_t j = 0; j < nr->n; j++, ev += NEAR_REC)
				classify_add_match(c, rule, MATCH_NEAR, c->rs->kws[ev[2]].src,
				                   c->nb.map[ev[0]], c->nb.map[ev[1]]);
		}
		break;
	case COND_MODEL:
		if (classify_model_cond(c, cond->items[0]))
			classify_model_evidence(c, rule, c->rs->mconds[cond->items[0]].model);
		break;
	case COND_RATING:
		if (cond->items[0] >> c->rating & 1)
			classify_add_match(c, rule, MATCH_RATING,
			                   rules_rating_text(cond->items[1], cond->items[2]), 0, 0);
		break;
	case COND_ANY:
	case COND_ALL:
		for (uint32_t i = 0; i < cond->n; i++)
			if (classify_eval(c, cond->items[i]))
				classify_evidence(c, rule, cond->items[i]);
		break;
	case COND_NONE:
		break;
	}
}

/*
 * The rules' part of the score (keluh-rules(5), HOW A MENTION IS SCORED):
 * the strongest positive rule in full, the other positive ones added up
 * but at most max_extra together, and every rule of score 0 or less. So
 * packs that each match the same post do not pile up past what one strong
 * rule and some support can reach. matched is in load order, so on a tie
 * the rule loaded first is the strongest.
 */
static int
classify_combine(const struct ruleset *rs, const uint32_t *matched, size_t n, struct verdict *v)
{
	int sum = 0;

	for (size_t i = 0; i < n; i++) {
		int s = rs->rules[matched[i]].score;

		if (s <= 0)
			v->negative += s;
		else if (s > v->top) {
			sum += v->top;
			v->top = s;
			v->top_rule = matched[i];
		} else
			sum += s;
	}
	v->extra = sum;
	v->extra_counted = sum < rs->max_extra ? sum : rs->max_extra;
	return v->top + v->extra_counted + v->negative;
}

/* A whole number of points, halves away from zero (no libm on this path). */
static int
classify_round(double x)
{
	return x >= 0 ? (int)(x + 0.5) : -(int)(-x + 0.5);
}

/* What the models with a score add: score x (p - 0.5) each (keluh-rules(5)). */
static int
classify_models_score(struct classify_ctx *c)
{
	const struct ruleset *rs = c->rs;
	int sum = 0;

	for (size_t i = 0; i < rs->nscored; i++) {
		uint32_t m = rs->scored[i];
		double p = classify_model_p(c, m);
		int add = classify_round(rs->models[m].score * (p - 0.5));

		c->vm[c->model_at[m]].score = add;
		sum += add;
	}
	return sum;
}

int
classify_text(struct classify_ctx *c, const char *text, size_t len,
    const struct classify_author *author, struct verdict *v, size_t *bad_offset)
{
	return classify_mention(c, text, len, NULL, author, v, bad_offset);
}

int
classify_mention(struct classify_ctx *c, const char *text, size_t len, const char *lang,
                 const struct classify_author *author, struct verdict *v, size_t *bad_offset)
{
	const struct ruleset *rs = c->rs;
	size_t valid = utf8_valid_prefix(text, len);
	int score, best = 0;
	const char *team = NULL;

	memset(v, 0, sizeof(*v));
	if (valid != len) {
		if (bad_offset)
			*bad_offset = valid;
		return -1;
	}
	if (++c->gen == 0) {
		/* wrapped after 4 billion mentions: start the tags afresh */
		memset(c->kw_gen, 0, (rs->nkws ? rs->nkws : 1) * sizeof(uint32_t));
		memset(c->rx_gen, 0, (rs->nrxs ? rs->nrxs : 1) * sizeof(uint32_t));
		memset(c->rx_done, 0, (rs->nrxs ? rs->nrxs : 1) * sizeof(uint32_t));
		memset(c->rule_gen, 0, (rs->nrules ? rs->nrules : 1) * sizeof(uint32_t));
		memset(c->cond_gen, 0, (rs->nconds ? rs->nconds : 1) * sizeof(uint32_t));
		memset(c->near_gen, 0, (rs->nnears ? rs->nnears : 1) * sizeof(uint32_t));
		memset(c->slot_gen, 0, (rs->nslots ? rs->nslots : 1) * sizeof(uint32_t));
		memset(c->chain_gen, 0, (rs->nslots ? rs->nslots : 1) * sizeof(uint32_t));
		if (rs->nmodels) {
			memset(c->model_gen, 0, rs->nmodels * sizeof(uint32_t));
			memset(c->why_gen, 0, rs->nmodels * sizeof(uint32_t));
		}
		c->gen = 1;
	}
	c->text = text;
	c->len = len;
	/* out of range is no review: the shift below must stay under 32 */
	c->rating = author && author->rating >= 1 && author->rating <= 5 ? (uint32_t)author->rating : 0;
	c->ncand = 0;
	c->ncpos = 0;
	c->wpos = 0;
	c->wcount = 0;
	c->wprev = 0;
	c->nmatched = 0;
	c->nmatches = 0;
	c->regex_errors = 0;
	c->nbounds = 0;
	c->nvm = 0;
	c->work_left = rs->regex_work;

	/*
	 * Only the evidence of matched rules needs the offset map. With
	 * evidence for every verdict most mentions match something, and one
	 * fold with the map costs less than a fold without it and another
	 * with it; otherwise the map is made below when needed.
	 */
	if (c->evidence == CLASSIFY_EVIDENCE_ALL)
		norm_fold(&c->nb, text, len);
	else
		norm_fold_text(&c->nb, text, len);
	norm_redup(&c->nb, c->evidence == CLASSIFY_EVIDENCE_ALL);
	aho_scan(rs->aho, c->nb.text, c->nb.len, classify_hit, c);
	for (size_t i = 0; i < rs->nalways; i++)
		classify_candidate(c, rs->always[i]);
	if (c->rating)
		for (size_t i = 0; i < rs->nrated; i++)
			classify_candidate(c, rs->rated[i]);
	for (size_t i = 0; i < c->ncand; i++) {
		uint32_t r = c->cand[i];
		const struct rs_rule *rule = &rs->rules[r];

		if (rule->nlangs &&
		    !rules_lang_allows((const char *const *)rule->langs, rule->nlangs, lang))
			continue;
		c->rule_failed = 0;
		c->cur_rule = r;
		if (!classify_eval_flat(c, rule->flat) || c->rule_failed)
			continue;
		c->matched[c->nmatched++] = r;
		c->hits[r]++;
	}
	u32_sort(c->matched, c->nmatched);
	for (size_t i = 0; i < c->nmatched; i++) {
		const struct rs_rule *rule = &rs->rules[c->matched[i]];

		if (rule->score > best && rule->team) {
			best = rule->score;
			team = rule->team;
		}
	}
	score = classify_combine(rs, c->matched, c->nmatched, v);
	if (rs->nscored) {
		v->model = classify_models_score(c);
		score += v->model;
	}

	/*
	 * Boosts rank complaints; they never make one: a famous account
	 * saying something mildly negative is not a complaint.
	 */
	if ((v->top > 0 || v->model > 0) && score >= rs->thresholds[PRIO_LOW]) {
		if (author && author->followers >= 0)
			for (size_t i = rs->nfollower_steps; i-- > 0;)
				if (author->followers >= rs->follower_steps[i].at_least) {
					v->boost_followers = rs->follower_steps[i].add;
					break;
				}
		if (author && author->verified)
			v->boost_verified = rs->verified_add;
		v->boost = v->boost_followers + v->boost_verified;
		score += v->boost;
	}
	v->score = score;
	v->priority = PRIO_NONE;
	for (int p = PRIO_CRITICAL; p >= PRIO_LOW; p--)
		if (score >= rs->thresholds[p]) {
			v->priority = (enum prio)p;
			break;
		}
	v->complaint = v->priority != PRIO_NONE;
	if ((c->nmatched > 0 || v->model > 0) && (c->evidence == CLASSIFY_EVIDENCE_ALL ||
	    (c->evidence == CLASSIFY_EVIDENCE_COMPLAINTS && v->complaint))) {
		if (c->evidence != CLASSIFY_EVIDENCE_ALL && c->nmatched > 0) {
			norm_fold(&c->nb, text, len);	/* the same text, now with the map */
			norm_redup(&c->nb, 1);
		}
		for (size_t i = 0; i < c->nmatched; i++) {
			/* a regex first run for evidence reports its bounds under this rule */
			c->cur_rule = c->matched[i];
			classify_evidence(c, c->matched[i], rs->rules[c->matched[i]].when);
		}
		for (size_t i = 0; i < c->nvm; i++)
			if (c->vm[i].score > 0)
				classify_model_evidence(c, CLASSIFY_NO_RULE, c->vm[i].model);
	}
	v->team = team;
	v->rules = c->matched;
	v->nrules = c->nmatched;
	v->matches = c->matches;
	v->nmatches = c->nmatches;
	v->regex_errors = c->regex_errors;
	v->bounds = c->bounds;
	v->nbounds = c->nbounds;
	v->rating = (int)c->rating;
	v->models = c->vm;
	v->nmodels = c->nvm;
	return 0;
}
