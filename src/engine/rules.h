/*
 * rules.h: rule files -> one immutable compiled ruleset.
 *
 * A ruleset is built from every *.yaml file of a directory, in name order,
 * validated completely (all errors go to the diag, with file:line:col) and
 * compiled: keywords and regex literals folded into one automaton, regexes
 * JIT-compiled. Once built it is never modified, so the daemon can swap in
 * a new one on reload while classifications in flight finish on the old one
 * (reference counted; loop thread only).
 */
#ifndef KELUH_RULES_H
#define KELUH_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "lib/diag.h"

enum prio { PRIO_NONE = 0, PRIO_LOW, PRIO_NORMAL, PRIO_HIGH, PRIO_CRITICAL, PRIO__N };

const char *prio_name(enum prio);	/* "none", "low", ... "critical" */
int prio_parse(const char *, enum prio *); /* 0, or -1 if unknown */

struct ruleset;

/* Deepest nesting of any/all/none in a rule's 'when' accepted. */
#define RULES_MAX_DEPTH 32

/* A near: condition has 2 to this many words ... */
#define RULES_NEAR_MAX_WORDS 8
/* ... and allows 1 to this many other words between them (within:). */
#define RULES_NEAR_MAX_WITHIN 20

/* Defaults of the 'limits:' block of the rule files (keluh-rules(5)). */
#define RULES_REGEX_WINDOW 4096
#define RULES_REGEX_TAIL_WINDOW 1024
#define RULES_REGEX_WORK (64 * 1024)
#define RULES_REGEX_BATCH_WORK (4 * 1024 * 1024)

struct rules_summary {
	size_t files;
	size_t rules;
	size_t lists;
	size_t keywords;		/* distinct keyword patterns */
	size_t regexes;
	size_t regexes_no_literal;	/* regexes that run on every mention */
	size_t rules_always;		/* rules evaluated on every mention */
	size_t rules_rated;		/* ... on every review (rating:), besides those */
	size_t tests;			/* inline expectations (tests:) */
	size_t models;			/* models loaded (models: in keluhd.yaml) */
	size_t model_conds;		/* model: conditions of the rules */
	size_t aho_states;
	size_t aho_bytes;
	double compile_seconds;
};

/*
 * Loads every *.yaml (and *.yml) file of dir, in byte order of name.
 * On any error returns NULL with the errors in d (warnings may be added
 * on success too).
 */
struct ruleset *rules_load_dir(const char *dir, struct diag *d);
/* Loads exactly the given files, in the given order. */
struct ruleset *rules_load_files(const char *const *files, size_t n, struct diag *d);
/*
 * Loads the directories of a spec (rules_select.h) as one set: lists and
 * scoring are shared, rules of every file, then the disables and
 * overrides of the spec and of the files applied. Tests that name a
 * disabled rule are kept and marked skipped (rules_test.skip).
 */
struct rules_spec;
struct ruleset *rules_load_spec(const struct rules_spec *, struct diag *);

/*
 * A draft of one rule file (the console's playground): the set of a spec
 * as rules_load_spec loads it, with the user directory's file of that base
 * name read from text instead, or added there (in name order) when it has
 * none. Diagnostics name the draft by name. name must pass
 * rules_draft_name_valid and len be at most RULES_DRAFT_MAX (else one
 * error). The text is only read during the call.
 *
 * A draft is tried again and again as it is typed: with models_of (the
 * live set, which must outlive the call), a model of the spec that set
 * has loaded from the same file is shared (model_ref) rather than read
 * again; the others are read from their files.
 */
#define RULES_DRAFT_MAX (256 * 1024)
struct rules_draft {
	const char *name;	/* "billing.yaml" */
	const char *text;
	size_t len;
	const struct ruleset *models_of; /* NULL: every model is read from its file */
};
struct ruleset *rules_load_spec_draft(const struct rules_spec *, const struct rules_draft *,
                                      struct diag *);
/* 0 for a plain base name ending in .yaml, not starting with '.'; else -1 and why. */
int rules_draft_name_valid(const char *name, char *err, size_t errlen);

struct ruleset *rules_ref(struct ruleset *);
void rules_unref(struct ruleset *);

void rules_summary(const struct ruleset *, struct rules_summary *);

/* Rules, in load order. Strings belong to the ruleset. */
size_t rules_count(const struct ruleset *);
const char *rules_id(const struct ruleset *, size_t rule);
const char *rules_description(const struct ruleset *, size_t rule);
const char *rules_team(const struct ruleset *, size_t rule);
int rules_score(const struct ruleset *, size_t rule);
size_t rules_ntags(const struct ruleset *, size_t rule);
const char *rules_tag(const struct ruleset *, size_t rule, size_t i);
/* Where the rule is defined, for messages. */
const char *rules_file(const struct ruleset *, size_t rule);
unsigned rules_line(const struct ruleset *, size_t rule);

/*
 * The models of the set (keluhd.yaml's models:, read with the rules), in
 * the order given. A model is immutable and belongs to the ruleset.
 */
struct model;
size_t rules_nmodels(const struct ruleset *);
const char *rules_model_name(const struct ruleset *, size_t i);
/* What it adds to every verdict: score x (p - 0.5); 0: it serves model: conditions only. */
double rules_model_score(const struct ruleset *, size_t i);
const struct model *rules_model(const struct ruleset *, size_t i);

/* Every regex of every rule, as written (for tools and benchmarks). */
size_t rules_nregex(const struct ruleset *);
const char *rules_regex_source(const struct ruleset *, size_t i);

/* Priority thresholds: the lowest score for each priority (PRIO_LOW..). */
int rules_threshold(const struct ruleset *, enum prio);
/* Default of scoring.max_extra: what rules besides the strongest add at most. */
#define RULES_MAX_EXTRA 40
/* scoring.max_extra of the ruleset. */
int rules_max_extra(const struct ruleset *);

/* Inline expectations (tests: in rule files), for keluhctl test --verify. */
struct rules_test {
	const char *file;
	unsigned line, col;
	const char *text;
	const char *const *want_rules;	/* rules that must match */
	size_t n_want_rules;
	const char *const *not_rules;	/* rules that must not match */
	size_t n_not_rules;
	int want_priority;		/* enum prio, or -1 when not given */
	int want_complaint;		/* 0/1, or -1 when not given */
	const char *team;		/* or NULL */
	long followers;			/* author, for boosts */
	int verified;
	int rating;			/* a review's stars, 1..5; 0: no review */
	const char *lang; /* the mention's language, or NULL */
	const char *skip; /* why it is not run (it names a disabled rule), or NULL */
};
size_t rules_ntests(const struct ruleset *);
/* Rules taken out by enabled: false or disable:, with the reason of each. */
size_t rules_ndisabled(const struct ruleset *);
const char *rules_disabled_id(const struct ruleset *, size_t i);
const char *rules_disabled_why(const struct ruleset *, size_t i);
const struct rules_test *rules_test_get(const struct ruleset *, size_t i);

#endif
