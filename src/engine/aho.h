/*
 * aho.h: a multi-literal matcher (Aho-Corasick, compiled to a dense DFA over
 * byte classes) for every keyword and every regex literal of a ruleset.
 *
 * Patterns are byte strings (already folded); the caller gives each one a
 * 32-bit id. The same bytes may be added under several ids. The built
 * automaton is immutable and can be shared by any number of scans.
 */
#ifndef KELUH_AHO_H
#define KELUH_AHO_H

#include <stddef.h>
#include <stdint.h>

struct aho_builder;
struct aho;

struct aho_builder *aho_builder_new(void);
/* Adds pattern p[0..len) (len > 0) reported as id. Returns 0, -1 if len is 0. */
int aho_add(struct aho_builder *, const char *p, size_t len, uint32_t id);
/* Builds the automaton and frees the builder. Never fails (aborts on OOM). */
struct aho *aho_build(struct aho_builder *);
void aho_free(struct aho *);

/*
 * Called for every occurrence of every pattern, in order of end offset;
 * end is the exclusive end offset in text. Returning non-zero stops the
 * scan.
 */
typedef int (*aho_hit_fn)(void *arg, uint32_t id, size_t end);
void aho_scan(const struct aho *, const char *text, size_t len, aho_hit_fn fn, void *arg);
/* The same, with the hits in the same order, by one plain walk: a reference for tests. */
void aho_scan_serial(const struct aho *, const char *text, size_t len, aho_hit_fn fn,
    void *arg);

size_t aho_patterns(const struct aho *);
size_t aho_states(const struct aho *);
size_t aho_memory(const struct aho *); /* bytes held by the automaton */

#endif
