#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "engine/rules_int.h"
#include "engine/rules_naive.h"
#include "lib/util.h"

struct rules_naive {
	const struct ruleset *rs;
	pcre2_code **kwc;	/* per keyword condition (by cond id); NULL for others */
	pcre2_code **rxc;	/* per regex */
	pcre2_match_data *md;
	size_t npat;
	int failed;
};

/*
 * kw (as written) as a pattern: the '*' marks dropped (the kind says what
 * they meant), metacharacters escaped, each run of spaces any white space.
 */
static void
naive_literal(struct buf *b, const char *kw)
{
	for (const char *p = kw; *p; p++) {
		if (*p == '*')
			continue;
		if (*p == ' ') {
			buf_adds(b, "\\s+");
			while (p[1] == ' ')
				p++;
		} else if (strchr("\\^$.|?*+()[]{}-#/", *p) != NULL) {
			buf_addc(b, '\\');
			buf_addc(b, *p);
		} else
			buf_addc(b, *p);
	}
}

static pcre2_code *
naive_compile(const char *src, char *err, size_t errlen)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	pcre2_code *c;
	int e;

	c = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &e, &off, NULL);
	if (c == NULL) {
		pcre2_get_error_message(e, msg, sizeof(msg));
		snprintf(err, errlen, "/%.60s/: %s at offset %zu", src, (const char *)msg,
		    (size_t)off);
		return NULL;
	}
	pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	return c;
}

struct rules_naive *
rules_naive_new(const struct ruleset *rs, char *err, size_t errlen)
{
	struct rules_naive *n = xcalloc(1, sizeof(*n));
	struct buf b;

	n->rs = rs;
	n->kwc = xcalloc(rs->nconds + 1, sizeof(*n->kwc));
	n->rxc = xcalloc(rs->nrxs + 1, sizeof(*n->rxc));
	buf_init(&b);
	for (size_t c = 0; c < rs->nconds; c++) {
		const struct rs_cond *cd = &rs->conds[c];

		if (cd->type == COND_NEAR) {
			snprintf(err, errlen, "near: conditions have no naive form");
			goto fail;
		}
		if (cd->type != COND_KEYWORDS)
			continue;
		/* one alternation per kind, the word boundaries outside it */
		buf_reset(&b);
		for (int kind = KW_WORD; kind <= KW_SUBSTR; kind++) {
			int first = 1;

			for (uint32_t i = 0; i < cd->n; i++) {
				const struct rs_keyword *k = &rs->kws[cd->items[i]];

				if (k->kind != kind)
					continue;
				if (first) {
					if (b.len)
						buf_addc(&b, '|');
					if (kind == KW_WORD || kind == KW_PREFIX)
						buf_adds(&b, "(?<!\\w)");
					buf_adds(&b, "(?:");
				} else
					buf_addc(&b, '|');
				first = 0;
				naive_literal(&b, k->src);
			}
			if (!first) {
				buf_addc(&b, ')');
				if (kind == KW_WORD || kind == KW_SUFFIX)
					buf_adds(&b, "(?!\\w)");
			}
		}
		if ((n->kwc[c] = naive_compile(b.data ? b.data : "", err, errlen)) == NULL)
			goto fail;
		n->npat++;
	}
	for (size_t x = 0; x < rs->nrxs; x++) {
		if ((n->rxc[x] = naive_compile(rs->rxs[x].src, err, errlen)) == NULL)
			goto fail;
		n->npat++;
	}
	n->md = pcre2_match_data_create(1, NULL);
	buf_free(&b);
	return n;
fail:
	buf_free(&b);
	rules_naive_free(n);
	return NULL;
}

void
rules_naive_free(struct rules_naive *n)
{
	if (n == NULL)
		return;
	for (size_t c = 0; c < n->rs->nconds; c++)
		pcre2_code_free(n->kwc[c]);
	for (size_t x = 0; x < n->rs->nrxs; x++)
		pcre2_code_free(n->rxc[x]);
	free(n->kwc);
	free(n->rxc);
	pcre2_match_data_free(n->md);
	free(n);
}

size_t
rules_naive_patterns(const struct rules_naive *n)
{
	return n->npat;
}

static int
naive_run(struct rules_naive *n, pcre2_code *c, const char *text, size_t len)
{
	int rc = pcre2_match(c, (PCRE2_SPTR)text, len, 0, PCRE2_NO_UTF_CHECK, n->md, NULL);

	if (rc >= 0)
		return 1;
	if (rc != PCRE2_ERROR_NOMATCH)
		n->failed = 1;
	return 0;
}

/* Same short cuts as the engine: any stops at a true child, all and none at a false one. */
static int
naive_cond(struct rules_naive *n, uint32_t c, const char *text, size_t len)
{
	const struct rs_cond *cd = &n->rs->conds[c];

	switch (cd->type) {
	case COND_KEYWORDS:
		return naive_run(n, n->kwc[c], text, len);
	case COND_REGEX:
		return naive_run(n, n->rxc[cd->items[0]], text, len);
	case COND_RATING: return 0; /* the baseline classifies text alone: no review */
	case COND_MODEL: return 0;  /* ... and has no models */
	case COND_ANY:
		for (uint32_t i = 0; i < cd->n; i++)
			if (naive_cond(n, cd->items[i], text, len))
				return 1;
		return 0;
	case COND_ALL:
		for (uint32_t i = 0; i < cd->n; i++)
			if (!naive_cond(n, cd->items[i], text, len))
				return 0;
		return 1;
	case COND_NONE:
		for (uint32_t i = 0; i < cd->n; i++)
			if (naive_cond(n, cd->items[i], text, len))
				return 0;
		return 1;
	}
	return 0;
}

int
rules_naive_match(struct rules_naive *n, size_t rule, const char *text, size_t len)
{
	int r;

	n->failed = 0;
	r = naive_cond(n, n->rs->rules[rule].when, text, len);
	return n->failed ? -1 : r;
}
