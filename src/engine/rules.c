#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <utf8proc.h>

#include "engine/model.h"
#include "engine/normalize.h"
#include "engine/rules_int.h"
#include "lib/util.h"

static const char *const prio_names[PRIO__N] = { "none", "low", "normal", "high", "critical" };

const char *
prio_name(enum prio p)
{
	return p < PRIO__N ? prio_names[p] : "none";
}

int
prio_parse(const char *s, enum prio *p)
{
	for (int i = 0; i < PRIO__N; i++)
		if (strcmp(s, prio_names[i]) == 0) {
			*p = (enum prio)i;
			return 0;
		}
	return -1;
}

#define GROW(arr, n, cap)                                                                          \
	do {                                                                                       \
		if ((n) == (cap)) {                                                                \
			(cap) = (cap) ? (cap) * 2 : 16;                                            \
			(arr) = xreallocarray((arr), (cap), sizeof(*(arr)));                       \
		}                                                                                  \
	} while (0)

struct ruleset *
rules_new(void)
{
	struct ruleset *rs = xcalloc(1, sizeof(*rs));

	rs->refs = 1;
	rs->thresholds[PRIO_NONE] = 0;
	rs->thresholds[PRIO_LOW] = 10;
	rs->thresholds[PRIO_NORMAL] = 25;
	rs->thresholds[PRIO_HIGH] = 50;
	rs->thresholds[PRIO_CRITICAL] = 80;
	rs->max_extra = RULES_MAX_EXTRA;
	rs->regex_window = RULES_REGEX_WINDOW;
	rs->regex_tail_window = RULES_REGEX_TAIL_WINDOW;
	rs->regex_work = RULES_REGEX_WORK;
	rs->regex_batch_work = RULES_REGEX_BATCH_WORK;
	return rs;
}

static uint64_t
rules_hash(const char *s, size_t len, unsigned kind)
{
	uint64_t h = 1469598103934665603ULL ^ kind;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static void
rules_kwhash_insert(struct ruleset *rs, uint32_t id)
{
	const struct rs_keyword *k = &rs->kws[id];
	size_t mask = rs->kwhashcap - 1;
	size_t i = rules_hash(k->folded, k->flen, k->kind) & mask;

	while (rs->kwhash[i])
		i = (i + 1) & mask;
	rs->kwhash[i] = id + 1;
}

uint32_t
rules_add_keyword(struct ruleset *rs, const char *src, const char *folded, size_t flen,
    enum kw_kind kind)
{
	struct rs_keyword *k;
	size_t mask, i;
	uint32_t id;

	if (rs->nkws * 2 >= rs->kwhashcap) {
		size_t old = rs->kwhashcap;

		rs->kwhashcap = old ? old * 2 : 256;
		free(rs->kwhash);
		rs->kwhash = xcalloc(rs->kwhashcap, sizeof(*rs->kwhash));
		for (uint32_t j = 0; j < rs->nkws; j++)
			rules_kwhash_insert(rs, j);
	}
	mask = rs->kwhashcap - 1;
	for (i = rules_hash(folded, flen, kind) & mask; rs->kwhash[i]; i = (i + 1) & mask) {
		k = &rs->kws[rs->kwhash[i] - 1];
		if (k->kind == kind && k->flen == flen && memcmp(k->folded, folded, flen) == 0)
			return rs->kwhash[i] - 1;
	}
	GROW(rs->kws, rs->nkws, rs->capkws);
	id = (uint32_t)rs->nkws++;
	k = &rs->kws[id];
	memset(k, 0, sizeof(*k));
	k->src = xstrdup(src);
	k->folded = xstrndup(folded, flen);
	k->alt = norm_redup_spaced(folded, flen, &flen);
	k->flen = (uint32_t)flen;
	k->kind = (uint8_t)kind;
	rs->kwhash[i] = id + 1;
	return id;
}

uint32_t
rules_add_cond(struct ruleset *rs, enum cond_type type, uint32_t *items, uint32_t n)
{
	struct rs_cond *c;

	GROW(rs->conds, rs->nconds, rs->capconds);
	c = &rs->conds[rs->nconds];
	c->type = (uint8_t)type;
	c->dups = 0;
	c->n = n;
	c->items = items;
	return (uint32_t)rs->nconds++;
}

uint32_t
rules_add_regex(struct ruleset *rs, const char *src, struct regex *re)
{
	struct rs_regex *x;

	GROW(rs->rxs, rs->nrxs, rs->caprxs);
	x = &rs->rxs[rs->nrxs];
	memset(x, 0, sizeof(*x));
	x->src = xstrdup(src);
	x->re = re;
	return (uint32_t)rs->nrxs++;
}

uint32_t
rules_add_model(struct ruleset *rs, const char *name, const char *file, struct model *m,
                double score)
{
	struct rs_model *x;

	rs->models = xreallocarray(rs->models, rs->nmodels + 1, sizeof(*rs->models));
	x = &rs->models[rs->nmodels];
	x->name = xstrdup(name);
	x->file = xstrdup(file);
	x->m = m;
	x->score = score;
	if (score != 0) {
		rs->scored = xreallocarray(rs->scored, rs->nscored + 1, sizeof(*rs->scored));
		rs->scored[rs->nscored++] = (uint32_t)rs->nmodels;
	}
	return (uint32_t)rs->nmodels++;
}

uint32_t
rules_add_mcond(struct ruleset *rs, uint32_t model, double above)
{
	rs->mconds = xreallocarray(rs->mconds, rs->nmconds + 1, sizeof(*rs->mconds));
	rs->mconds[rs->nmconds].model = model;
	rs->mconds[rs->nmconds].above = above;
	return (uint32_t)rs->nmconds++;
}

uint32_t
rules_add_near(struct ruleset *rs, uint32_t *terms, uint32_t *tslot, uint32_t nterms, uint32_t n,
               uint32_t within, int ordered)
{
	struct rs_near *nr;

	GROW(rs->nears, rs->nnears, rs->capnears);
	nr = &rs->nears[rs->nnears];
	nr->terms = terms;
	nr->tslot = tslot;
	nr->nterms = nterms;
	nr->n = n;
	nr->within = within;
	nr->ordered = ordered;
	nr->slot = (uint32_t)rs->nslots;
	rs->slot_near = xreallocarray(rs->slot_near, rs->nslots + n, sizeof(uint32_t));
	for (uint32_t j = 0; j < n; j++)
		rs->slot_near[rs->nslots++] = (uint32_t)rs->nnears;
	return (uint32_t)rs->nnears++;
}

static void
rules_add_pat(struct ruleset *rs, struct aho_builder *ab, enum pat_kind kind, uint8_t kwkind,
    uint32_t target, const char *folded, size_t flen)
{
	struct rs_pat *p;

	GROW(rs->pats, rs->npats, rs->cappats);
	p = &rs->pats[rs->npats];
	p->kind = (uint8_t)kind;
	p->kwkind = kwkind;
	p->target = target;
	p->flen = (uint32_t)flen;
	aho_add(ab, folded, flen, (uint32_t)rs->npats);
	rs->npats++;
}

const char *
rules_rating_text(uint32_t op, uint32_t stars)
{
#define RATING_TEXTS(op) { op " 1", op " 2", op " 3", op " 4", op " 5" }
	static const char *const text[][5] = { RATING_TEXTS("<"), RATING_TEXTS("<="),
		RATING_TEXTS("="), RATING_TEXTS(">="), RATING_TEXTS(">") };
#undef RATING_TEXTS

	return op <= RATING_GT && stars >= 1 && stars <= 5 ? text[op][stars - 1] : "?";
}

/*
 * Whether a condition can be true (want = 1) or false (want = 0) on a
 * mention in which no literal of the automaton was seen, which is a review
 * (rated) or not. Regexes with no literal are unknown, so they can be
 * either; so is a rating: condition on a review, and on anything else it
 * is false.
 */
static int
rules_possible(const struct ruleset *rs, uint32_t ci, int want, int rated)
{
	const struct rs_cond *c = &rs->conds[ci];

	switch (c->type) {
	case COND_KEYWORDS:
	case COND_NEAR: return !want;
	case COND_RATING: return rated || !want;
	case COND_MODEL: return 1; /* the model may say anything of any text */
	case COND_REGEX:
		return rs->rxs[c->items[0]].nlits ? !want : 1;
	case COND_ANY:
		for (uint32_t i = 0; i < c->n; i++) {
			int r = rules_possible(rs, c->items[i], want, rated);

			if (want && r)
				return 1;
			if (!want && !r)
				return 0;
		}
		return !want;
	case COND_ALL:
		for (uint32_t i = 0; i < c->n; i++) {
			int r = rules_possible(rs, c->items[i], want, rated);

			if (want && !r)
				return 0;
			if (!want && r)
				return 1;
		}
		return want;
	case COND_NONE:
		/* NONE is true when every child is false */
		for (uint32_t i = 0; i < c->n; i++) {
			int r = rules_possible(rs, c->items[i], !want ? 1 : 0, rated);

			if (want && !r)
				return 0;
			if (!want && r)
				return 1;
		}
		return want;
	}
	return 1;
}

static void
rules_index_add(uint32_t **arr, uint32_t *n, uint32_t rule)
{
	if (*n && (*arr)[*n - 1] == rule)
		return;
	*arr = xreallocarray(*arr, *n + 1, sizeof(**arr));
	(*arr)[(*n)++] = rule;
}

/*
 * Records rule under the literals whose sighting can make it true: every
 * literal with positive polarity, except that an 'all' with keyword
 * children needs only one of them, the shortest list. A mention without
 * that list's keywords cannot satisfy the 'all', and evaluating the rule
 * on it would have no effect: keyword children come first (rules_order),
 * so the 'all' stops at that list, or at an earlier false one, before any
 * regex runs. Fewer rules per keyword means less work per hit and fewer
 * rules evaluated in vain.
 */
static void
rules_index(struct ruleset *rs, uint32_t ci, uint32_t rule, int positive)
{
	const struct rs_cond *c = &rs->conds[ci];

	if (c->type == COND_ALL && positive) {
		uint32_t best = UINT32_MAX;

		for (uint32_t i = 0; i < c->n; i++) {
			const struct rs_cond *k = &rs->conds[c->items[i]];

			if (k->type == COND_KEYWORDS &&
			    (best == UINT32_MAX || k->n < rs->conds[best].n))
				best = c->items[i];
		}
		if (best != UINT32_MAX) {
			rules_index(rs, best, rule, positive);
			return;
		}
	}
	switch (c->type) {
	case COND_KEYWORDS:
		if (positive)
			for (uint32_t i = 0; i < c->n; i++) {
				struct rs_keyword *k = &rs->kws[c->items[i]];

				rules_index_add(&k->rules, &k->nrules, rule);
			}
		break;
	case COND_REGEX:
		if (positive) {
			struct rs_regex *x = &rs->rxs[c->items[0]];

			rules_index_add(&x->rules, &x->nrules, rule);
		}
		break;
	case COND_NEAR:
		/* every place must be filled: the first one will do */
		if (positive) {
			const struct rs_near *nr = &rs->nears[c->items[0]];

			for (uint32_t t = 0; t < nr->nterms; t++)
				if (nr->tslot[t] == 0) {
					struct rs_keyword *k = &rs->kws[nr->terms[t]];

					rules_index_add(&k->rules, &k->nrules, rule);
				}
		}
		break;
	case COND_RATING: break; /* no literal: the rated list (rules_compile) */
	case COND_MODEL: break;  /* no literal: evaluated on every mention (always) */
	case COND_NONE:
		for (uint32_t i = 0; i < c->n; i++)
			rules_index(rs, c->items[i], rule, !positive);
		break;
	default:
		for (uint32_t i = 0; i < c->n; i++)
			rules_index(rs, c->items[i], rule, positive);
	}
}

/*
 * The part of a folded regex literal the folded text is sure to contain.
 * A letter doubled in the literal may stand for a longer run in the text,
 * which folds to one letter ("coool" -> "col"), so the literal is cut
 * between every doubled letter, each side keeping one copy ("cool" ->
 * "co", "ol"); a piece without doubles is always found. A '2' that may
 * end a word is cut out too: reduplication can turn it into a '-' and a
 * copy of the word before. Returns the
 * length of the longest piece and its offset in *off.
 */
/* Letters squeeze; digits, punctuation and spaces do not. */
static int
rules_squeezable(const char *p, size_t n)
{
	utf8proc_int32_t cp;

	if (n == 1)
		return *p >= 'a' && *p <= 'z';
	if (utf8proc_iterate((const utf8proc_uint8_t *)p, (utf8proc_ssize_t)n, &cp) < 0)
		return 1;
	return norm_is_word_cp(cp) && !(utf8proc_category(cp) >= UTF8PROC_CATEGORY_ND &&
	    utf8proc_category(cp) <= UTF8PROC_CATEGORY_NO);
}

static size_t
rules_literal_piece(const char *f, size_t len, size_t *off)
{
	size_t start = 0, best = 0, bestoff = 0, i = 0;

	while (i < len) {
		size_t n = 1, m;

		if (f[i] == '2' && !norm_word_after(f, len, i + 1)) {
			/* reduplication may rewrite it in the text (norm_redup): cut it out */
			if (i - start > best) {
				best = i - start;
				bestoff = start;
			}
			start = ++i;
			continue;
		}
		while (i + n < len && ((unsigned char)f[i + n] & 0xc0) == 0x80)
			n++;
		m = n;
		if (i + n + m <= len && memcmp(f + i, f + i + n, n) == 0 &&
		    rules_squeezable(f + i, n)) {
			/* piece [start, i + n), next piece starts at the second copy */
			if (i + n - start > best) {
				best = i + n - start;
				bestoff = start;
			}
			start = i + n;
		}
		i += n;
	}
	if (len - start > best) {
		best = len - start;
		bestoff = start;
	}
	*off = bestoff;
	return best;
}

/* What a condition costs to evaluate once the automaton has run. */
static int
rules_cost(const struct ruleset *rs, uint32_t ci)
{
	const struct rs_cond *c = &rs->conds[ci];
	int cost = 0;

	switch (c->type) {
	case COND_KEYWORDS:
	case COND_NEAR:
	case COND_RATING: return 0;
	case COND_REGEX:
		return rs->rxs[c->items[0]].nlits ? 10 : 20;
	case COND_MODEL: return 30; /* scores every n-gram of the text, once per mention */
	default:
		for (uint32_t i = 0; i < c->n; i++)
			cost += rules_cost(rs, c->items[i]);
		return cost + 1;
	}
}

/*
 * any/all/none are pure: the order of their children does not change the
 * result, so keyword tests go first and a regex only runs when the cheap
 * tests have not already decided.
 */
static void
rules_order(struct ruleset *rs, uint32_t ci)
{
	struct rs_cond *c = &rs->conds[ci];

	if (c->type >= COND_KEYWORDS)
		return;
	for (uint32_t i = 0; i < c->n; i++)
		rules_order(rs, c->items[i]);
	for (uint32_t i = 1; i < c->n; i++) {
		uint32_t x = c->items[i];
		int cx = rules_cost(rs, x);
		uint32_t j = i;

		while (j > 0 && rules_cost(rs, c->items[j - 1]) > cx) {
			c->items[j] = c->items[j - 1];
			j--;
		}
		c->items[j] = x;
	}
}

static void
rules_link_add(struct ruleset *rs, size_t *cap, const uint32_t *v, uint32_t n)
{
	while (rs->nlinks + n > *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		rs->links = xreallocarray(rs->links, *cap, sizeof(uint32_t));
	}
	if (n > 0)
		memcpy(rs->links + rs->nlinks, v, n * sizeof(uint32_t));
	rs->nlinks += n;
}

/* Appends condition ci, children first, to rs->flat; returns its offset. */
static uint32_t
rules_flatten(struct ruleset *rs, uint32_t ci)
{
	const struct rs_cond *c = &rs->conds[ci];
	int leaf = c->type >= COND_KEYWORDS;
	uint32_t n = leaf ? 1 : c->n;
	uint32_t *kids = xcalloc(n ? n : 1, sizeof(uint32_t)), at;

	if (c->type == COND_KEYWORDS)
		kids[0] = ci;
	else if (leaf)
		kids[0] = c->items[0];
	else
		for (uint32_t i = 0; i < n; i++)
			kids[i] = rules_flatten(rs, c->items[i]);
	while (rs->nflat + n + 1 > rs->capflat) {
		rs->capflat = rs->capflat ? rs->capflat * 2 : 256;
		rs->flat = xreallocarray(rs->flat, rs->capflat, sizeof(uint32_t));
	}
	at = (uint32_t)rs->nflat;
	rs->flat[rs->nflat++] = c->type | n << 8;
	memcpy(rs->flat + rs->nflat, kids, n * sizeof(uint32_t));
	rs->nflat += n;
	free(kids);
	return at;
}

/* The links of every automaton id (struct rs_pat). */
static void
rules_link(struct ruleset *rs)
{
	size_t cap = 0;

	rs->nlinks = 0;
	rs->nkwconds = 0;
	for (size_t i = 0; i < rs->nkws; i++)
		rs->nkwconds += rs->kws[i].nconds;
	for (size_t i = 0; i < rs->npats; i++) {
		struct rs_pat *p = &rs->pats[i];

		p->link = (uint32_t)rs->nlinks;
		if (p->kind == PAT_KEYWORD) {
			const struct rs_keyword *k = &rs->kws[p->target];

			p->nconds = k->nconds;
			p->nrules = k->nrules;
			p->nnears = k->nnears;
			if (k->nnears != 0)
				p->kind = PAT_NEAR_WORD;
			rules_link_add(rs, &cap, k->conds, k->nconds);
			rules_link_add(rs, &cap, k->condpos, k->nconds);
			rules_link_add(rs, &cap, k->rules, k->nrules);
			rules_link_add(rs, &cap, k->nears, k->nnears);
		} else {
			const struct rs_regex *x = &rs->rxs[p->target];

			p->nconds = 0;
			p->nnears = 0;
			p->nrules = x->nrules;
			rules_link_add(rs, &cap, x->rules, x->nrules);
		}
	}
	/*
	 * Keywords of a list that no rule uses are in the automaton without
	 * links; classify_hit still adds their (empty) range to rs->links,
	 * which must then not be NULL (an offset on NULL is undefined).
	 */
	if (rs->links == NULL)
		rs->links = xcalloc(1, sizeof(uint32_t));
}

/*
 * Warns about each regex under rule's condition ci that has no required
 * literal: it runs on every mention the rule is evaluated on, which is the
 * cost keluhd --check counts as "without a prefilter literal".
 */
static void
rules_warn_unfiltered(struct ruleset *rs, const struct rs_rule *rule, uint32_t ci)
{
	const struct rs_cond *c = &rs->conds[ci];

	if (c->type == COND_REGEX) {
		const char *src = rs->rxs[c->items[0]].src;
		size_t len = strcspn(src, "\n");

		if (rs->rxs[c->items[0]].nlits)
			return;
		/* the pattern's first line, at most 80 bytes, cut between characters */
		len = utf8_valid_prefix(src, len < 80 ? len : 80);
		diag_warning(rs->diag, rule->file, rule->line, rule->col,
		    "rule '%s': regex '%.*s%s' has no literal the prefilter can use, so it runs "
		    "on every mention the rule is evaluated on; make every match hold a plain "
		    "word of two letters or more, or use keywords (see Required literals in "
		    "keluh-rules(5))",
		    rule->id, (int)len, src, src[len] ? "..." : "");
		return;
	}
	if (c->type >= COND_KEYWORDS)
		return;
	for (uint32_t i = 0; i < c->n; i++)
		rules_warn_unfiltered(rs, rule, c->items[i]);
}

static int
rules_uses_model(const struct ruleset *rs, uint32_t ci)
{
	const struct rs_cond *c = &rs->conds[ci];

	if (c->type == COND_MODEL)
		return 1;
	if (c->type >= COND_KEYWORDS)
		return 0;
	for (uint32_t i = 0; i < c->n; i++)
		if (rules_uses_model(rs, c->items[i]))
			return 1;
	return 0;
}

void
rules_compile(struct ruleset *rs)
{
	struct aho_builder *ab = aho_builder_new();
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint32_t i = 0; i < rs->nkws; i++) {
		const struct rs_keyword *k = &rs->kws[i];

		rules_add_pat(rs, ab, PAT_KEYWORD, k->kind, i, k->folded, k->flen);
		if (k->alt != NULL)
			rules_add_pat(rs, ab, PAT_KEYWORD, k->kind, i, k->alt, k->flen);
	}
	for (uint32_t i = 0; i < rs->nrxs; i++) {
		struct rs_regex *x = &rs->rxs[i];
		char **lits;
		size_t n = regex_literals(x->src, strlen(x->src), &lits);

		for (size_t j = 0; j < n; j++) {
			size_t flen, off;
			char *f = norm_fold_str(lits[j], strlen(lits[j]), &flen);

			flen = rules_literal_piece(f, flen, &off);
			if (flen < 2) {
				/* folds to nothing: no requirement can be kept */
				free(f);
				x->nlits = 0;
				break;
			}
			rules_add_pat(rs, ab, PAT_REGEX_LITERAL, 0, i, f + off, flen);
			x->nlits++;
			free(f);
		}
		regex_literals_free(lits, n);
	}
	/*
	 * A regex whose literal list was cut short above must not be
	 * prefiltered at all: drop the literals it did add.
	 */
	for (size_t p = 0; p < rs->npats; p++)
		if (rs->pats[p].kind == PAT_REGEX_LITERAL && rs->rxs[rs->pats[p].target].nlits == 0)
			rs->pats[p].flen = 0;
	rs->aho = aho_build(ab);

	for (uint32_t ci = 0; ci < rs->nconds; ci++) {
		struct rs_cond *c = &rs->conds[ci];

		if (c->type != COND_KEYWORDS)
			continue;
		for (uint32_t i = 0; i < c->n; i++) {
			struct rs_keyword *k = &rs->kws[c->items[i]];

			if (k->nconds && k->conds[k->nconds - 1] == ci) {
				c->dups = 1;
				continue;
			}
			k->condpos = xreallocarray(k->condpos, k->nconds + 1, sizeof(uint32_t));
			k->condpos[k->nconds] = i;
			rules_index_add(&k->conds, &k->nconds, ci);
		}
	}
	for (uint32_t i = 0; i < rs->nnears; i++) {
		const struct rs_near *nr = &rs->nears[i];

		for (uint32_t j = 0; j < nr->nterms; j++) {
			struct rs_keyword *k = &rs->kws[nr->terms[j]];

			k->nears = xreallocarray(k->nears, k->nnears + 1, sizeof(uint32_t));
			k->nears[k->nnears++] = nr->slot + nr->tslot[j];
		}
	}
	for (uint32_t r = 0; r < rs->nrules; r++) {
		struct rs_rule *rule = &rs->rules[r];

		rules_order(rs, rule->when);
		rules_index(rs, rule->when, r, 1);
		rule->always = rules_possible(rs, rule->when, 1, 0);
		rule->rated = !rule->always && rules_possible(rs, rule->when, 1, 1);
		if (rs->diag)
			rules_warn_unfiltered(rs, rule, rule->when);
		/* a model: condition reads every mention by design (keluh-rules(5)) */
		if (rule->always && rs->diag && !rules_uses_model(rs, rule->when))
			diag_warning(rs->diag, rule->file, rule->line, rule->col,
			    "rule '%s' can match without any of its keywords or regex literals, so "
			    "it is evaluated on every mention; a lone 'none' matches everything "
			    "else (did you mean to put it beside an 'any'?)",
			    rule->id);
		if (rule->always) {
			rs->always = xreallocarray(rs->always, rs->nalways + 1, sizeof(uint32_t));
			rs->always[rs->nalways++] = r;
		}
		if (rule->rated) {
			rs->rated = xreallocarray(rs->rated, rs->nrated + 1, sizeof(uint32_t));
			rs->rated[rs->nrated++] = r;
		}
	}
	rules_link(rs);
	rs->nflat = 0;
	for (uint32_t r = 0; r < rs->nrules; r++)
		rs->rules[r].flat = rules_flatten(rs, rs->rules[r].when);
	free(rs->kwhash);
	rs->kwhash = NULL;
	rs->kwhashcap = 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rs->compile_seconds += (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}

void
rules_rule_free(struct rs_rule *r)
{
	free(r->id);
	free(r->description);
	free(r->team);
	for (size_t j = 0; j < r->ntags; j++)
		free(r->tags[j]);
	free(r->tags);
	free(r->file);
	for (size_t j = 0; j < r->nlangs; j++)
		free(r->langs[j]);
	free(r->langs);
}

void
rules_free(struct ruleset *rs)
{
	if (rs == NULL)
		return;
	for (size_t i = 0; i < rs->nrules; i++)
		rules_rule_free(&rs->rules[i]);
	free(rs->rules);
	for (size_t i = 0; i < rs->ndisabled; i++) {
		free(rs->disabled[i]);
		free(rs->disabled_why[i]);
	}
	free(rs->disabled);
	free(rs->disabled_why);
	for (size_t i = 0; i < rs->nconds; i++)
		free(rs->conds[i].items);
	free(rs->conds);
	for (size_t i = 0; i < rs->nkws; i++) {
		free(rs->kws[i].src);
		free(rs->kws[i].folded);
		free(rs->kws[i].alt);
		free(rs->kws[i].rules);
		free(rs->kws[i].conds);
		free(rs->kws[i].condpos);
		free(rs->kws[i].nears);
	}
	free(rs->kws);
	for (size_t i = 0; i < rs->nnears; i++) {
		free(rs->nears[i].terms);
		free(rs->nears[i].tslot);
	}
	free(rs->nears);
	free(rs->slot_near);
	for (size_t i = 0; i < rs->nrxs; i++) {
		free(rs->rxs[i].src);
		regex_free(rs->rxs[i].re);
		free(rs->rxs[i].rules);
	}
	free(rs->rxs);
	free(rs->pats);
	free(rs->links);
	free(rs->flat);
	for (size_t i = 0; i < rs->ntests; i++) {
		for (size_t j = 0; j < rs->tests[i].nstrs; j++)
			free(rs->tests[i].strs[j]);
		free(rs->tests[i].strs);
		free((void *)rs->tests[i].pub.want_rules);
		free((void *)rs->tests[i].pub.not_rules);
	}
	free(rs->tests);
	free(rs->always);
	free(rs->rated);
	for (size_t i = 0; i < rs->nmodels; i++) {
		free(rs->models[i].name);
		free(rs->models[i].file);
		if (rs->models[i].m)
			model_free(rs->models[i].m);
	}
	free(rs->models);
	free(rs->scored);
	free(rs->mconds);
	free(rs->follower_steps);
	free(rs->kwhash);
	if (rs->aho)
		aho_free(rs->aho);
	free(rs);
}

struct ruleset *
rules_ref(struct ruleset *rs)
{
	rs->refs++;
	return rs;
}

void
rules_unref(struct ruleset *rs)
{
	if (rs && --rs->refs == 0)
		rules_free(rs);
}

void
rules_summary(const struct ruleset *rs, struct rules_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->files = rs->nfiles;
	s->rules = rs->nrules;
	s->lists = rs->nlists;
	s->keywords = rs->nkws;
	s->regexes = rs->nrxs;
	for (size_t i = 0; i < rs->nrxs; i++)
		if (rs->rxs[i].nlits == 0)
			s->regexes_no_literal++;
	s->rules_always = rs->nalways;
	s->rules_rated = rs->nrated;
	s->tests = rs->ntests;
	s->models = rs->nmodels;
	s->model_conds = rs->nmconds;
	s->aho_states = rs->aho ? aho_states(rs->aho) : 0;
	s->aho_bytes = rs->aho ? aho_memory(rs->aho) : 0;
	s->compile_seconds = rs->compile_seconds;
}

size_t
rules_nmodels(const struct ruleset *rs)
{
	return rs->nmodels;
}

const char *
rules_model_name(const struct ruleset *rs, size_t i)
{
	return rs->models[i].name;
}

double
rules_model_score(const struct ruleset *rs, size_t i)
{
	return rs->models[i].score;
}

const struct model *
rules_model(const struct ruleset *rs, size_t i)
{
	return rs->models[i].m;
}

size_t
rules_count(const struct ruleset *rs)
{
	return rs->nrules;
}

const char *
rules_id(const struct ruleset *rs, size_t r)
{
	return rs->rules[r].id;
}

const char *
rules_description(const struct ruleset *rs, size_t r)
{
	return rs->rules[r].description;
}

const char *
rules_team(const struct ruleset *rs, size_t r)
{
	return rs->rules[r].team;
}

int
rules_score(const struct ruleset *rs, size_t r)
{
	return rs->rules[r].score;
}

size_t
rules_ntags(const struct ruleset *rs, size_t r)
{
	return rs->rules[r].ntags;
}

const char *
rules_tag(const struct ruleset *rs, size_t r, size_t i)
{
	return rs->rules[r].tags[i];
}

const char *
rules_file(const struct ruleset *rs, size_t r)
{
	return rs->rules[r].file;
}

unsigned
rules_line(const struct ruleset *rs, size_t r)
{
	return rs->rules[r].line;
}

size_t
rules_nregex(const struct ruleset *rs)
{
	return rs->nrxs;
}

const char *
rules_regex_source(const struct ruleset *rs, size_t i)
{
	return rs->rxs[i].src;
}

int
rules_threshold(const struct ruleset *rs, enum prio p)
{
	return rs->thresholds[p < PRIO__N ? p : PRIO_NONE];
}

int
rules_max_extra(const struct ruleset *rs)
{
	return rs->max_extra;
}

size_t
rules_ntests(const struct ruleset *rs)
{
	return rs->ntests;
}

size_t
rules_ndisabled(const struct ruleset *rs)
{
	return rs->ndisabled;
}

const char *
rules_disabled_id(const struct ruleset *rs, size_t i)
{
	return rs->disabled[i];
}

const char *
rules_disabled_why(const struct ruleset *rs, size_t i)
{
	return rs->disabled_why[i];
}

const struct rules_test *
rules_test_get(const struct ruleset *rs, size_t i)
{
	return &rs->tests[i].pub;
}
