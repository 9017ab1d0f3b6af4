/*
 * rules_naive.h: the baseline the engine is measured against (bench/). A
 * ruleset evaluated the plain way: every keyword condition is one PCRE2
 * pattern (its keywords as an alternation with word boundaries, no
 * folding) and every regex its own, and each rule's any/all/none tree runs
 * them on the text with no prefilter and nothing shared between rules.
 * Not used by keluhd or keluhctl.
 */
#ifndef KELUH_RULES_NAIVE_H
#define KELUH_RULES_NAIVE_H

#include <stddef.h>

#include "engine/rules.h"

struct rules_naive;

/* Compiles every pattern (JIT); NULL if one does not compile (err says which). */
struct rules_naive *rules_naive_new(const struct ruleset *, char *err, size_t errlen);
void rules_naive_free(struct rules_naive *);
size_t rules_naive_patterns(const struct rules_naive *);
/* Whether rule holds on text (valid UTF-8); -1 when a match hit a limit. */
int rules_naive_match(struct rules_naive *, size_t rule, const char *text, size_t len);

#endif
