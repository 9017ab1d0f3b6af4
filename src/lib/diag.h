/*
 * diag.h: diagnostics for config and rule files.
 *
 * Loaders never stop at the first problem: every error is appended here with
 * its position and all of them are printed at the end, one per line, as
 *   file:line:col: error: what is wrong, and how to fix it
 * Lines and columns are 1-based; columns count characters, not bytes.
 */
#ifndef KELUH_DIAG_H
#define KELUH_DIAG_H

#include <stddef.h>
#include <stdio.h>

struct diag_item {
	char *file;
	unsigned line, col;
	int warning;
	char *msg;
};

struct diag {
	struct diag_item *items;
	size_t n, cap;
	size_t errors, warnings;
};

void diag_init(struct diag *);
void diag_free(struct diag *);
void diag_error(struct diag *, const char *file, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void diag_warning(struct diag *, const char *file, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Prints every item in the order they were found. */
void diag_print(const struct diag *, FILE *);
/* The closest of cands[0..n) to word, or NULL when none is near enough. */
const char *diag_suggest(const char *word, const char *const *cands, size_t n);

#endif
