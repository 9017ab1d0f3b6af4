/*
 * rules_int.h: the compiled ruleset's insides, shared by the loader
 * (rules_load.c), the compiler and accessors (rules.c), the classifier
 * (classify.c), the benchmarks' baseline (rules_naive.c) and the unit
 * tests of the rules. Nothing else includes this file.
 *
 * Everything is stored in flat arrays indexed by uint32_t ids; a ruleset is
 * immutable once rules_compile() returns.
 */
#ifndef KELUH_RULES_INT_H
#define KELUH_RULES_INT_H

#include <stdint.h>

#include "engine/aho.h"
#include "engine/regex.h"
#include "engine/rules.h"

enum kw_kind { KW_WORD, KW_PREFIX, KW_SUFFIX, KW_SUBSTR };

struct rs_keyword {
	char *src;		/* as written, '*' marks and all */
	char *folded;
	char *alt;              /* also looked for: "x-x" for "x x" (norm_redup_spaced), or NULL */
	uint32_t flen;          /* of both */
	uint8_t kind;		/* enum kw_kind */
	uint32_t *rules;	/* rules that can become true when it is seen */
	uint32_t nrules;
	uint32_t *nears;	/* near slots (struct rs_near) it is a word of */
	uint32_t nnears;
	uint8_t nwords;		/* words in its folding, when a near word */
	uint32_t *conds;	/* keyword conditions it belongs to */
	uint32_t *condpos;	/* its index in the items of each of conds */
	uint32_t nconds;
};

struct rs_regex {
	char *src;
	struct regex *re;
	uint32_t nlits;		/* 0: runs whenever its rule is evaluated */
	uint32_t *rules;
	uint32_t nrules;
};

/* any/all/none first: the classifier tells them from leaves by type < COND_KEYWORDS */
enum cond_type { COND_ALL, COND_ANY, COND_NONE, COND_KEYWORDS, COND_REGEX, COND_NEAR,
	COND_RATING, COND_MODEL };

/*
 * A model of the configuration, loaded with the rules and freed with
 * them. A model: condition is a leaf whose one item is an rs_mcond: the
 * model, and the probability it must be above.
 */
struct rs_model {
	char *name;
	char *file; /* the file it was read from, as the spec gave it */
	struct model *m;
	double score; /* adds score x (p - 0.5) to every verdict; 0: none */
};

struct rs_mcond {
	uint32_t model;
	double above;
};

/*
 * A rating: condition is a leaf with three items: the set of star counts
 * that satisfy it (bit k for k stars, 1..5: bit 0, no review, is never
 * set), then its operator and number as written, for the evidence.
 */
enum rating_op { RATING_LT, RATING_LE, RATING_EQ, RATING_GE, RATING_GT };
/* "<= 2": a rating condition as keluhctl and the evidence show it (static). */
const char *rules_rating_text(uint32_t op, uint32_t stars);

/*
 * A near: condition: n places, each filled by one of its keywords. Each
 * place has a slot, a number of its own across all nears (slot + j for
 * place j), under which the classifier keeps its last occurrence.
 */
struct rs_near {
	uint32_t *terms;	/* keyword ids, as written */
	uint32_t *tslot;	/* the place of each, 0..n-1 */
	uint32_t nterms;
	uint32_t n;		/* places: 2..RULES_NEAR_MAX_WORDS */
	uint32_t within;	/* other words allowed between the first and the last */
	uint32_t slot;
	int ordered;
};

struct rs_cond {
	uint8_t type;		/* enum cond_type */
	uint8_t dups;		/* keywords: some keyword is listed twice */
	uint32_t n;
	uint32_t *items;	/* child conds, keyword ids, or the one regex id */
};

enum pat_kind { PAT_KEYWORD, PAT_REGEX_LITERAL, PAT_NEAR_WORD /* a keyword that is a near word */ };

/*
 * What an automaton id stands for, with what a hit on it touches, so that
 * a hit reads one record and one stretch of links: links[link] on are the
 * keyword's nconds conditions, its index in each (condpos), then the
 * nrules rules of the keyword or regex, then the keyword's nnears near
 * slots.
 */
struct rs_pat {
	uint8_t kind;		/* enum pat_kind */
	uint8_t kwkind;		/* for keywords */
	uint32_t target;	/* keyword or regex id */
	uint32_t flen;		/* folded length */
	uint32_t link;
	uint32_t nconds, nrules, nnears;
};

struct rs_rule {
	char *id, *description, *team;
	int score;
	char **tags;
	size_t ntags;
	uint32_t when;		/* root cond */
	uint32_t flat;		/* offset of the root in ruleset.flat */
	char *file;
	unsigned line, col;
	int always;		/* cannot be prefiltered */
	int rated;		/* cannot be prefiltered on a review: a rating: condition */
	char **langs;           /* lang: the mention languages it may fire on (none: any) */
	size_t nlangs;
	int off; /* enabled: false (rules_select_apply takes it out) */
};

struct rs_step {
	long at_least;
	int add;
};

struct rs_test {
	struct rules_test pub;
	char **strs;		/* every string pub points to */
	size_t nstrs;
};

struct ruleset {
	int refs;

	struct rs_rule *rules;
	size_t nrules, caprules;
	struct rs_cond *conds;
	size_t nconds, capconds;
	struct rs_keyword *kws;
	size_t nkws, capkws;
	struct rs_regex *rxs;
	size_t nrxs, caprxs;
	struct rs_pat *pats;
	size_t npats, cappats;
	struct rs_near *nears;
	size_t nnears, capnears;
	uint32_t *slot_near;	/* per near slot: its near */
	size_t nslots;
	struct rs_model *models;
	size_t nmodels;
	uint32_t *scored; /* the models with a score: asked about every mention */
	size_t nscored;
	struct rs_mcond *mconds;
	size_t nmconds;
	/*
	 * Every rule's condition tree again, in one array for evaluation:
	 * a node is a word type | n << 8, then n words: the offsets of the
	 * children (any/all/none), the condition id (keywords, n = 1) or
	 * the regex id (regex, n = 1).
	 */
	uint32_t *flat;
	size_t nflat, capflat;
	uint32_t *links;	/* see struct rs_pat */
	size_t nlinks;
	size_t nkwconds;	/* the nconds of every keyword, added up */
	struct rs_test *tests;
	size_t ntests, captests;
	/* Rules taken out by enabled: false or disable:, and why (rules_select.c). */
	char **disabled, **disabled_why;
	size_t ndisabled;

	uint32_t *always;	/* rules evaluated on every mention */
	size_t nalways;
	/*
	 * Rules that a rating: condition can make true without any literal:
	 * evaluated on every review only, so mentions that are no review pay
	 * nothing for them.
	 */
	uint32_t *rated;
	size_t nrated;

	/*
	 * Bounds on regex work (limits: in a rule file). A regex sees at most
	 * regex_window bytes of a mention, one anchored at the end only its
	 * last regex_tail_window bytes; the regexes of one mention look at
	 * regex_work bytes in all, those of one batch (classify_batch) at
	 * regex_batch_work (0: no batch bound). What is over a bound does not
	 * run, and its rule is dropped for that mention.
	 */
	size_t regex_window, regex_tail_window, regex_work, regex_batch_work;

	int thresholds[PRIO__N];
	int max_extra; /* what the rules besides the strongest add, at most */
	struct rs_step *follower_steps;
	size_t nfollower_steps;
	int verified_add;

	struct aho *aho;
	/* keyword dedup table, only while loading: open addressing, id + 1 */
	uint32_t *kwhash;
	size_t kwhashcap;
	size_t nfiles, nlists;
	double compile_seconds;
	/* keyword ids compared by the loader's duplicate checks (unit tests) */
	uint64_t load_probes;
	struct diag *diag;	/* only while loading: where warnings go */
};

/* rules.c */
struct ruleset *rules_new(void);
/* Returns the id of the keyword (kind, folded), adding it once. */
uint32_t rules_add_keyword(struct ruleset *, const char *src, const char *folded, size_t flen,
    enum kw_kind kind);
uint32_t rules_add_cond(struct ruleset *, enum cond_type, uint32_t *items, uint32_t n);
uint32_t rules_add_regex(struct ruleset *, const char *src, struct regex *re);
/* Takes m (read from file); returns the model's id. */
uint32_t rules_add_model(struct ruleset *, const char *name, const char *file, struct model *m,
    double score);
/* Returns the id of a model: condition's record. */
uint32_t rules_add_mcond(struct ruleset *, uint32_t model, double above);
struct rules_spec;
/* rules_select.c: merges the files' disable:/override: into sel's copy. */
void rules_select_merge(struct rules_spec *dst, const struct rules_spec *src);
/*
 * rules_select.c: takes disabled rules out, applies overrides, marks the
 * tests of disabled rules skipped; warns of entries that name no rule.
 * Runs before the tests' rule ids are checked and before compiling.
 */
void rules_select_apply(struct ruleset *, const struct rules_spec *sel, struct diag *d);
void rules_rule_free(struct rs_rule *);
/* Takes terms and tslot (nterms entries each); returns the near's id. */
uint32_t rules_add_near(struct ruleset *, uint32_t *terms, uint32_t *tslot, uint32_t nterms,
    uint32_t n, uint32_t within, int ordered);
/* Indexes literals, builds the automaton; the ruleset is immutable after. */
void rules_compile(struct ruleset *);
void rules_free(struct ruleset *);

#endif
