/*
 * classify.h: one mention's text + a ruleset -> a verdict.
 *
 * A classify_ctx holds the scratch memory of one thread (folded text,
 * automaton hits, PCRE2 match data and JIT stack) so that classifying
 * allocates nothing in the steady state. A ctx is bound to one ruleset and
 * holds a reference on it.
 *
 * Per mention: validate UTF-8 once, fold once, one automaton scan over the
 * folded text, then only the rules whose literals were seen (plus the few
 * that cannot be prefiltered) are evaluated; a regex runs only when one of
 * its required literals was seen.
 */
#ifndef KELUH_CLASSIFY_H
#define KELUH_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "engine/rules.h"

struct classify_ctx;

enum match_kind { MATCH_KEYWORD, MATCH_REGEX, MATCH_NEAR, MATCH_RATING, MATCH_MODEL };

/* The rule of the evidence of a model that scores every verdict (models: with a score). */
#define CLASSIFY_NO_RULE UINT32_MAX

/* At most this many n-grams of one model are the evidence of one verdict. */
#define CLASSIFY_MODEL_WHY 5

/*
 * One piece of evidence: why a rule matched. A near: condition gives one
 * per word, in the order written, each at the occurrence that made it hold.
 * A rating: condition that held gives one with an empty span and its
 * comparison as the pattern ("<= 2"). A model gives the n-grams that pushed
 * its probability up most (model_explain), each with its weight: under the
 * rule whose model: condition held, or under CLASSIFY_NO_RULE for a model
 * that scores every verdict and added to this one.
 */
struct match {
	uint32_t rule;		/* index into the ruleset, or CLASSIFY_NO_RULE */
	enum match_kind kind;
	/*
	 * keyword, near word or regex as written (owned by the ruleset); a
	 * model's folded n-gram (owned by the ctx, until its next call)
	 */
	const char *pattern;
	size_t start, end;	/* byte span [start, end) in the ORIGINAL text */
	uint32_t model;		/* MATCH_MODEL: the model's index in the ruleset */
	float weight;		/* MATCH_MODEL: the n-gram's part of the log-odds */
};

/* "keyword", "regex", "near", "rating", "model": how output names a match's kind. */
const char *classify_match_kind_name(enum match_kind);

/* The bounds on regex work (limits: in keluh-rules(5)). */
enum bound_kind { BOUND_REGEX_WINDOW, BOUND_REGEX_TAIL_WINDOW, BOUND_REGEX_WORK,
	BOUND_REGEX_BATCH };

/*
 * A regex that met a bound on this mention: it saw only a window of the
 * text (the first regex_window bytes, or the last regex_tail_window ones
 * for a pattern anchored at the end: it still ran), or it did not run at
 * all because the mention's or the batch's work was spent (its rule is then
 * dropped).
 */
struct bound_hit {
	uint32_t rule;		/* the rule being evaluated when the regex was due */
	enum bound_kind kind;
	const char *pattern;	/* the regex as written; owned by the ruleset */
	size_t window;		/* the windows: the bytes it saw */
};

/* "regex_window", "regex_tail_window"...: the names of the limits keys. */
const char *classify_bound_name(enum bound_kind);

/* A model asked about a mention: its probability, and what it added to the score. */
struct verdict_model {
	uint32_t model; /* index in the ruleset */
	double p;       /* of a complaint */
	int score;      /* rules_model_score x (p - 0.5), rounded; 0 for model: conditions only */
};

struct verdict {
	int complaint;		/* score >= the low threshold */
	enum prio priority;
	int score;		/* rules + models + boosts */
	int boost;		/* the part of score that came from boosts */
	/*
	 * How the score was made: top + extra_counted + negative + model +
	 * boost, where top is the strongest positive rule's score (top_rule;
	 * 0 when none matched), extra the other positive rules' scores added
	 * up, extra_counted that sum cut at the scoring's max_extra, negative
	 * the rules of score 0 or less, model what the models with a score
	 * added (models: in keluhd.yaml), and boost = boost_followers +
	 * boost_verified.
	 */
	int top;
	uint32_t top_rule;
	int extra, extra_counted, negative;
	int boost_followers, boost_verified;
	int model;
	const struct verdict_model *models; /* the models asked, each once, in the order asked */
	size_t nmodels;
	const char *team;	/* team of the highest-scoring matched rule, or NULL */
	const uint32_t *rules;	/* matched rules, in load order */
	size_t nrules;
	/* evidence, rule by rule: one rule's are contiguous (the models' with no rule last) */
	const struct match *matches;
	size_t nmatches;
	size_t regex_errors;	/* regexes that hit a match limit (counted as no match) */
	const struct bound_hit *bounds;	/* at most one per regex */
	size_t nbounds;
	int rating;		/* the review stars classified with (0: no review) */
};

/*
 * What classify reads of a mention besides its text and language: the
 * author fields that boosts read, and the review stars that rating:
 * conditions read. NULL means all unknown (no review).
 */
struct classify_author {
	long followers;		/* -1 when unknown */
	int verified;
	int rating;		/* a review's stars, 1..5; 0 (or out of range): no review */
};

struct classify_ctx *classify_ctx_new(struct ruleset *);
void classify_ctx_free(struct classify_ctx *);
const struct ruleset *classify_ruleset(const struct classify_ctx *);

/*
 * Classifies text[0..len). Returns 0 and fills *v, whose arrays live in the
 * ctx until the next call; returns -1 if text is not valid UTF-8, with
 * *bad_offset set to the first invalid byte.
 */
int classify_text(struct classify_ctx *, const char *text, size_t len,
    const struct classify_author *author, struct verdict *v, size_t *bad_offset);
/*
 * The same for a mention in language lang ("id", "en-US"; NULL when
 * unknown): a rule with lang: fires only when lang is unknown or one of its
 * languages.
 */
int classify_mention(struct classify_ctx *, const char *text, size_t len, const char *lang,
                     const struct classify_author *author, struct verdict *v, size_t *bad_offset);

/*
 * Whether verdicts carry evidence (struct match): for every verdict (the
 * default), only for complaints (the daemon: alerts quote them), or never
 * (counting). Evidence needs a second fold with the offset map.
 */
#define CLASSIFY_EVIDENCE_NONE 0
#define CLASSIFY_EVIDENCE_ALL 1
#define CLASSIFY_EVIDENCE_COMPLAINTS 2
void classify_set_evidence(struct classify_ctx *, int mode);

/*
 * Between classify_batch(ctx, 1) and classify_batch(ctx, 0) the mentions
 * share one budget of regex work (regex_batch_work), so that one request
 * of many long mentions cannot hold the loop for long: keluhd opens a batch
 * around each request it classifies.
 */
void classify_batch(struct classify_ctx *, int on);

/*
 * The text the last classify_text/classify_mention that returned 0 folded
 * (norm_fold, norm_redup), owned by the ctx until its next call: a model
 * scores it without folding again (model_prob_folded).
 */
const char *classify_folded(const struct classify_ctx *, size_t *len);

/* Per-rule hit counters kept by the ctx since it was made (for --stats). */
const uint64_t *classify_rule_hits(const struct classify_ctx *);

#endif
