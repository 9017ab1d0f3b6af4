/*
 * verdict.h: turning a verdict into text for people and for programs.
 * Spans are byte offsets into the original text (see classify.h).
 */
#ifndef KELUH_VERDICT_H
#define KELUH_VERDICT_H

#include "engine/classify.h"
#include "lib/util.h"

/* One JSON object, no trailing newline. id may be NULL. */
void verdict_json(struct buf *, const struct ruleset *, const char *id, const char *text,
    size_t len, const struct verdict *);

/*
 * The model that alone made v a complaint: no rule matched, and of the
 * models that score every verdict (models: with a score) it added most.
 * Its index in v->models, or -1 when a rule matched or v is none.
 * keluhd groups and names such a complaint by that model
 * (VERDICT_MODEL_RULE "brand" as its rule), keluhctl test and show say so.
 */
long verdict_model_found(const struct verdict *);
#define VERDICT_MODEL_RULE "model:"

/*
 * How the score was made, on one line for people (no newline):
 * "score 65 = 40 access.login + 15 others (at most 40) - 20 negative +
 * 10 verified: high (50 or more)". Only the parts that count are named.
 */
void verdict_breakdown_text(struct buf *, const struct ruleset *, const struct verdict *);

/*
 * The evidence as a JSON array, each match once:
 * [{"rule","kind":"keyword"|"regex"|"near","pattern","start","end","text"}],
 * start and end byte offsets into text. keluhctl test --json and the
 * alerts' mention entries both use it.
 */
void verdict_matches_json(struct buf *, const struct ruleset *, const char *text, size_t len,
    const struct verdict *);

/*
 * Appends text with every matched span wrapped in open/close (overlapping
 * spans merged), so people see the words that made the verdict.
 */
void verdict_highlight(struct buf *, const char *text, size_t len, const struct verdict *,
    const char *open, const char *close);

/*
 * Runs one inline expectation (tests: of a rule file) with ctx, which is
 * bound to the set it came from: 1 when it holds, 0 when it does not
 * (what differs in why, e.g. "rule x did not match; priority is low,
 * expected high (score 20)"), -1 when it is skipped (t->skip names a
 * disabled rule). *v is the verdict it got (zero on invalid UTF-8).
 * keluhctl test --verify and the console's playground both use it.
 */
int verdict_test(struct classify_ctx *, const struct rules_test *t, struct verdict *v,
    struct buf *why);

#endif
