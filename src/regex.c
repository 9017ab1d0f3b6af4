#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "regex.h"
#include "util.h"

struct regex {
	pcre2_code *code;
	int jit;
};

struct regex_scratch {
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *stack;
};

struct regex *
regex_compile(const char *pat, size_t len, char *err, size_t errlen, size_t *erroff)
{
	pcre2_compile_context *cctx;
	PCRE2_SIZE off = 0;
	struct regex *re;
	pcre2_code *code;
	int errcode = 0;
	size_t jitsize = 0;

	cctx = pcre2_compile_context_create(NULL);
	pcre2_set_max_pattern_length(cctx, REGEX_MAX_PATTERN);
	code = pcre2_compile((PCRE2_SPTR)pat, len,
	    PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_NEVER_BACKSLASH_C, &errcode, &off, cctx);
	pcre2_compile_context_free(cctx);
	if (code == NULL) {
		pcre2_get_error_message(errcode, (PCRE2_UCHAR *)err, errlen);
		*erroff = off;
		return NULL;
	}
	re = xcalloc(1, sizeof(*re));
	re->code = code;
	/*
	 * When JIT is refused (no executable memory, e.g. under
	 * MemoryDenyWriteExecute) PCRE2 falls back to the interpreter on its
	 * own; remember it so --check and the metrics can say so.
	 */
	if (pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0 &&
	    pcre2_pattern_info(code, PCRE2_INFO_JITSIZE, &jitsize) == 0 && jitsize > 0)
		re->jit = 1;
	return re;
}

void
regex_free(struct regex *re)
{
	if (re == NULL)
		return;
	pcre2_code_free(re->code);
	free(re);
}

int
regex_is_jit(const struct regex *re)
{
	return re->jit;
}

struct regex_scratch *
regex_scratch_new(void)
{
	struct regex_scratch *rs = xcalloc(1, sizeof(*rs));

	/* Only the whole match's span is ever read: one pair is enough. */
	rs->md = pcre2_match_data_create(1, NULL);
	rs->mctx = pcre2_match_context_create(NULL);
	if (rs->md == NULL || rs->mctx == NULL)
		abort();
	pcre2_set_match_limit(rs->mctx, REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(rs->mctx, REGEX_MATCH_LIMIT);
	pcre2_set_heap_limit(rs->mctx, 20 * 1024);
	rs->stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (rs->stack)
		pcre2_jit_stack_assign(rs->mctx, NULL, rs->stack);
	return rs;
}

void
regex_scratch_free(struct regex_scratch *rs)
{
	if (rs == NULL)
		return;
	pcre2_match_data_free(rs->md);
	pcre2_match_context_free(rs->mctx);
	if (rs->stack)
		pcre2_jit_stack_free(rs->stack);
	free(rs);
}

int
regex_match(const struct regex *re, struct regex_scratch *rs, const char *s, size_t len,
    size_t *start, size_t *end)
{
	PCRE2_SIZE *ov;
	int rc;

	rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, PCRE2_NO_UTF_CHECK, rs->md, rs->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0)
		return -1;
	ov = pcre2_get_ovector_pointer(rs->md);
	*start = ov[0];
	*end = ov[1];
	return 1;
}

/*
 * Literal extraction.
 *
 * A small recursive descent over the pattern that computes, for each
 * sub-pattern, a set of strings at least one of which every match must
 * contain. A sequence keeps the best set among its parts; an alternation
 * unions its branches' sets (and has none if a branch has none). Anything
 * optional, any construct not understood, and anything under a lookaround
 * contributes nothing. Runs of adjacent literal characters form the
 * strings. Being conservative is always correct: it only means the regex
 * runs more often.
 */

#define LIT_MAX_SET 24

struct litset {
	char **s;
	size_t n;
	int valid; /* 0: no requirement known */
};

struct litparse {
	const char *p, *end;
	int bad; /* a construct we refuse to reason about */
	int depth;
};

static void
litset_clear(struct litset *ls)
{
	regex_literals_free(ls->s, ls->n);
	ls->s = NULL;
	ls->n = 0;
	ls->valid = 0;
}

static void
litset_single(struct litset *ls, const char *s, size_t len)
{
	litset_clear(ls);
	ls->s = xmalloc(sizeof(char *));
	ls->s[0] = xstrndup(s, len);
	ls->n = 1;
	ls->valid = 1;
}

/* A set is as good as its weakest member: short literals fire often. */
static int
litset_strength(const struct litset *ls)
{
	int min = 1 << 30;

	if (!ls->valid || ls->n == 0)
		return -1;
	for (size_t i = 0; i < ls->n; i++) {
		int st = 0;

		for (const unsigned char *c = (const unsigned char *)ls->s[i]; *c; c++)
			st += (*c >= 0x80 || (*c | 0x20) >= 'a') ? 3 : (*c == ' ' ? 1 : 2);
		if (st < min)
			min = st;
	}
	if (min < 6) /* fewer than two letters: useless as a prefilter */
		return -1;
	return min * 4 - (int)ls->n;
}

static void
litset_take_best(struct litset *best, struct litset *cand)
{
	if (litset_strength(cand) > litset_strength(best)) {
		litset_clear(best);
		*best = *cand;
		memset(cand, 0, sizeof(*cand));
	} else
		litset_clear(cand);
}

static void litparse_alt(struct litparse *, struct litset *);

/* Skips a {n,m} quantifier at lp->p if there is one; *optional set when n == 0. */
static int
litparse_quant(struct litparse *lp, int *optional, int *repeat)
{
	const char *q = lp->p;

	*optional = *repeat = 0;
	if (q >= lp->end)
		return 0;
	if (*q == '?' || *q == '*') {
		*optional = 1;
		q++;
	} else if (*q == '+') {
		*repeat = 1;
		q++;
	} else if (*q == '{') {
		const char *r = q + 1;
		long lo = -1;

		if (r < lp->end && *r >= '0' && *r <= '9') {
			lo = 0;
			while (r < lp->end && *r >= '0' && *r <= '9')
				lo = lo * 10 + (*r++ - '0');
		} else if (r < lp->end && *r == ',')
			lo = 0;
		else
			return 0; /* a literal '{' */
		while (r < lp->end && ((*r >= '0' && *r <= '9') || *r == ','))
			r++;
		if (r >= lp->end || *r != '}')
			return 0;
		*optional = lo == 0;
		*repeat = 1;
		q = r + 1;
	} else
		return 0;
	if (q < lp->end && (*q == '?' || *q == '+'))
		q++;
	lp->p = q;
	return 1;
}

static void
litparse_skip_class(struct litparse *lp)
{
	/* lp->p is just past '[' */
	if (lp->p < lp->end && *lp->p == '^')
		lp->p++;
	if (lp->p < lp->end && *lp->p == ']')
		lp->p++;
	while (lp->p < lp->end && *lp->p != ']') {
		if (*lp->p == '\\' && lp->p + 1 < lp->end)
			lp->p += 2;
		else if (*lp->p == '[' && lp->p + 1 < lp->end && lp->p[1] == ':') {
			const char *c = strstr(lp->p + 2, ":]");

			lp->p = c && c < lp->end ? c + 2 : lp->p + 1;
		} else
			lp->p++;
	}
	if (lp->p >= lp->end)
		lp->bad = 1;
	else
		lp->p++;
}

static size_t
utf8_seqlen(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	return 2;
}

static void
litparse_seq(struct litparse *lp, struct litset *best)
{
	struct buf run;
	struct litset cand = { 0 };

	buf_init(&run);
	memset(best, 0, sizeof(*best));

#define FLUSH()                                                                                    \
	do {                                                                                       \
		size_t b_ = 0, e_ = run.len;                                                       \
		while (b_ < e_ && run.data[b_] == ' ')                                             \
			b_++;                                                                      \
		while (e_ > b_ && run.data[e_ - 1] == ' ')                                         \
			e_--;                                                                      \
		if (e_ > b_) {                                                                     \
			litset_single(&cand, run.data + b_, e_ - b_);                              \
			litset_take_best(best, &cand);                                             \
		}                                                                                  \
		buf_reset(&run);                                                                   \
	} while (0)

	while (lp->p < lp->end && !lp->bad) {
		const char *atom = lp->p;
		size_t alen;
		int optional, repeat;
		unsigned char c = (unsigned char)*lp->p;

		if (c == '|' || c == ')')
			break;
		if (c == '(') {
			struct litset inner;
			int discard = 0;

			FLUSH();
			lp->p++;
			if (lp->p < lp->end && *lp->p == '*') { /* (*VERB) */
				lp->bad = 1;
				break;
			}
			if (lp->p < lp->end && *lp->p == '?') {
				const char *q = lp->p + 1;

				if (q >= lp->end) {
					lp->bad = 1;
					break;
				}
				if (*q == ':' || *q == '>' || *q == '|')
					lp->p = q + 1;
				else if (*q == '=' || *q == '!')
					discard = 1, lp->p = q + 1;
				else if (*q == '<' && q + 1 < lp->end && (q[1] == '=' || q[1] == '!'))
					discard = 1, lp->p = q + 2;
				else if (*q == '<' || *q == '\'' || (*q == 'P' && q + 1 < lp->end &&
				    q[1] == '<')) {
					const char *e = *q == '\''
					    ? memchr(q + 1, '\'', (size_t)(lp->end - q - 1))
					    : memchr(q, '>', (size_t)(lp->end - q));

					if (e == NULL) {
						lp->bad = 1;
						break;
					}
					lp->p = e + 1;
				} else if (*q == '#') {
					const char *e = memchr(q, ')', (size_t)(lp->end - q));

					if (e == NULL) {
						lp->bad = 1;
						break;
					}
					lp->p = e + 1;
					continue;
				} else {
					/* option setting: (?i) (?-i) (?i:...) and the like */
					const char *r = q;

					while (r < lp->end && ((*r >= 'a' && *r <= 'z') ||
					    (*r >= 'A' && *r <= 'Z') || *r == '-' || *r == '^'))
						r++;
					if (r == q || r >= lp->end) {
						lp->bad = 1;
						break;
					}
					for (const char *f = q; f < r; f++)
						if (*f == 'x' || *f == 'X') /* extended mode */
							lp->bad = 1;
					if (lp->bad)
						break;
					if (*r == ')') {
						lp->p = r + 1;
						continue;
					}
					if (*r != ':') {
						lp->bad = 1;
						break;
					}
					lp->p = r + 1;
				}
			}
			if (++lp->depth > 64) {
				lp->bad = 1;
				break;
			}
			litparse_alt(lp, &inner);
			lp->depth--;
			if (lp->p >= lp->end || *lp->p != ')') {
				litset_clear(&inner);
				lp->bad = 1;
				break;
			}
			lp->p++;
			litparse_quant(lp, &optional, &repeat);
			if (discard || optional)
				litset_clear(&inner);
			litset_take_best(best, &inner);
			continue;
		}
		if (c == '[') {
			FLUSH();
			lp->p++;
			litparse_skip_class(lp);
			litparse_quant(lp, &optional, &repeat);
			continue;
		}
		if (c == '.' || c == '^' || c == '$') {
			FLUSH();
			lp->p++;
			litparse_quant(lp, &optional, &repeat);
			continue;
		}
		if (c == '*' || c == '+' || c == '?' || (c == '{' && litparse_quant(lp, &optional, &repeat))) {
			/* a quantifier with nothing we kept before it */
			if (c != '{')
				lp->p++;
			FLUSH();
			continue;
		}
		if (c == '\\') {
			unsigned char e;

			if (lp->p + 1 >= lp->end) {
				lp->bad = 1;
				break;
			}
			e = (unsigned char)lp->p[1];
			if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
				/* classes, assertions, back references, \x{..}, \p{..}, \Q: none literal */
				FLUSH();
				if (e == 'Q') {
					const char *q = lp->p + 2;

					while (q + 1 < lp->end && !(q[0] == '\\' && q[1] == 'E'))
						q++;
					lp->p = q + 1 < lp->end ? q + 2 : lp->end;
					continue;
				}
				lp->p += 2;
				if (lp->p < lp->end && *lp->p == '{' &&
				    (e == 'x' || e == 'p' || e == 'P' || e == 'o' || e == 'g' ||
				    e == 'k' || e == 'N')) {
					const char *q = memchr(lp->p, '}', (size_t)(lp->end - lp->p));

					lp->p = q ? q + 1 : lp->end;
				} else if (e == 'x') {
					for (int k = 0; k < 2 && lp->p < lp->end &&
					    strchr("0123456789abcdefABCDEF", *lp->p); k++)
						lp->p++;
				} else if ((e == 'k' || e == 'g') && lp->p < lp->end &&
				    (*lp->p == '<' || *lp->p == '\'')) {
					const char *q = memchr(lp->p, *lp->p == '<' ? '>' : '\'',
					    (size_t)(lp->end - lp->p));

					lp->p = q ? q + 1 : lp->end;
				} else if (e == 'c' && lp->p < lp->end)
					lp->p++;
				litparse_quant(lp, &optional, &repeat);
				continue;
			}
			atom = lp->p + 1;
			alen = utf8_seqlen(e);
			lp->p += 1 + alen;
		} else {
			alen = utf8_seqlen(c);
			lp->p += alen;
		}
		if (lp->p > lp->end) {
			lp->bad = 1;
			break;
		}
		if (litparse_quant(lp, &optional, &repeat)) {
			if (optional) {
				FLUSH();
				continue;
			}
			buf_add(&run, atom, alen);
			FLUSH();
			continue;
		}
		buf_add(&run, atom, alen);
	}
	FLUSH();
#undef FLUSH
	buf_free(&run);
}

static void
litparse_alt(struct litparse *lp, struct litset *out)
{
	struct litset acc = { 0 };
	int first = 1, none = 0;

	for (;;) {
		struct litset br;

		litparse_seq(lp, &br);
		if (!br.valid || lp->bad)
			none = 1;
		if (!none) {
			if (first)
				acc = br, memset(&br, 0, sizeof(br));
			else {
				acc.s = xreallocarray(acc.s, acc.n + br.n, sizeof(char *));
				memcpy(acc.s + acc.n, br.s, br.n * sizeof(char *));
				acc.n += br.n;
				free(br.s);
				memset(&br, 0, sizeof(br));
				if (acc.n > LIT_MAX_SET)
					none = 1;
			}
		}
		litset_clear(&br);
		first = 0;
		if (lp->p < lp->end && *lp->p == '|' && !lp->bad) {
			lp->p++;
			continue;
		}
		break;
	}
	if (none)
		litset_clear(&acc);
	*out = acc;
}

size_t
regex_literals(const char *pat, size_t len, char ***out)
{
	struct litparse lp = { pat, pat + len, 0, 0 };
	struct litset ls;

	*out = NULL;
	litparse_alt(&lp, &ls);
	if (lp.bad || lp.p != lp.end || !ls.valid || litset_strength(&ls) < 0) {
		litset_clear(&ls);
		return 0;
	}
	*out = ls.s;
	return ls.n;
}

void
regex_literals_free(char **lits, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lits[i]);
	free(lits);
}
