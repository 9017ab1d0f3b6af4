/*
 * regex.h: PCRE2 (8-bit, UTF, UCP, caseless by default) with JIT and limits,
 * and the extraction of the literals a pattern requires.
 *
 * Subjects passed to regex_match must already be valid UTF-8: the check is
 * done once per mention by the caller, so every match runs with
 * PCRE2_NO_UTF_CHECK.
 */
#ifndef KELUH_REGEX_H
#define KELUH_REGEX_H

#include <stddef.h>

struct regex;
struct regex_scratch;

/* Longest pattern accepted, in bytes. */
#define REGEX_MAX_PATTERN 4096
/* Backtracking budget per match; exceeding it counts as an error, not a match. */
#define REGEX_MATCH_LIMIT 200000

/*
 * Compiles pat[0..len). On failure returns NULL, writes PCRE2's message to
 * err and the byte offset in the pattern where it stopped to *erroff.
 */
struct regex *regex_compile(const char *pat, size_t len, char *err, size_t errlen,
    size_t *erroff);
void regex_free(struct regex *);
int regex_is_jit(const struct regex *);

/* Per-thread match state: match data, match context, JIT stack. */
struct regex_scratch *regex_scratch_new(void);
void regex_scratch_free(struct regex_scratch *);

/*
 * Returns 1 on a match with the span [*start, *end) in bytes of s, 0 on no
 * match, -1 when a limit was hit (match limit, JIT stack).
 */
int regex_match(const struct regex *, struct regex_scratch *, const char *s, size_t len,
    size_t *start, size_t *end);

/*
 * regex_match on at most window bytes of s: its last ones when the pattern
 * is anchored at the end only (regex_is_tail), its first ones otherwise
 * (then '$' does not match at the cut). PCRE2's match limit holds for each
 * start position, so a pattern that scans to the end of the text from
 * every start takes time quadratic in the length: the window bounds that.
 */
int regex_match_window(const struct regex *, struct regex_scratch *, const char *s, size_t len,
    size_t window, size_t *start, size_t *end);
int regex_is_tail(const struct regex *);
/* Anchored at the start ('^' in every branch): only a window's start matters. */
int regex_is_head(const struct regex *);

/*
 * A heuristic, not a proof: finds a shape known to take super-linear time
 * on some texts (nested unbounded repeats, an unbounded repeated group
 * that must reach '$', two unbounded '.*' in a row). Returns 0, or 1 with
 * the byte offset of the construct in *off and why in *why (static text).
 */
int regex_lint(const char *pat, size_t len, size_t *off, const char **why);

/*
 * Literals required by a pattern: any match of the pattern contains at
 * least one of out[0..n) (as written in the pattern, not folded). Returns
 * n (0: no usable literal, the regex must run on every mention); the
 * strings are malloc'd, free them with regex_literals_free. When the
 * pattern uses constructs this extractor does not understand it returns 0:
 * the answer is always safe, never a guess.
 */
size_t regex_literals(const char *pat, size_t len, char ***out);
void regex_literals_free(char **lits, size_t n);

#endif
