#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/util.h"

void
diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void
diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].file);
		free(d->items[i].msg);
	}
	free(d->items);
	memset(d, 0, sizeof(*d));
}

static void
diag_add(struct diag *d, int warning, const char *file, unsigned line, unsigned col,
    const char *fmt, va_list ap)
{
	struct diag_item *it;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->items = xreallocarray(d->items, d->cap, sizeof(*d->items));
	}
	it = &d->items[d->n++];
	it->file = xstrdup(file ? file : "-");
	it->line = line;
	it->col = col;
	it->warning = warning;
	it->msg = xvasprintf(fmt, ap);
	if (warning)
		d->warnings++;
	else
		d->errors++;
}

void
diag_error(struct diag *d, const char *file, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, 0, file, line, col, fmt, ap);
	va_end(ap);
}

void
diag_warning(struct diag *d, const char *file, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, 1, file, line, col, fmt, ap);
	va_end(ap);
}

void
diag_print(const struct diag *d, FILE *fp)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->items[i];
		const char *kind = it->warning ? "warning" : "error";

		if (it->line)
			fprintf(fp, "%s:%u:%u: %s: %s\n", it->file, it->line, it->col, kind, it->msg);
		else
			fprintf(fp, "%s: %s: %s\n", it->file, kind, it->msg);
	}
}

static size_t
diag_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64], prev, tmp;

	if (lb >= 64 || la >= 64)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = prev + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

const char *
diag_suggest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t bestd = 99, limit = strlen(word) <= 4 ? 1 : 2;

	for (size_t i = 0; i < n; i++) {
		size_t dist = diag_distance(word, cands[i]);

		if (dist < bestd) {
			bestd = dist;
			best = cands[i];
		}
	}
	return bestd <= limit ? best : NULL;
}
