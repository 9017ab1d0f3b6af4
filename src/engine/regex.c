#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/regex.h"
#include "lib/util.h"

struct regex {
	pcre2_code *code;
	int jit;
	int tail;	/* anchored at the end only: a window is the text's last bytes */
	int head;	/* anchored at the start */
};

struct regex_scratch {
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *stack;
};

/*
 * Whether every match must end at the end of the text: the pattern ends in
 * an unescaped '$', '\\z' or '\\Z' and has no '|' outside parentheses.
 */
static int
regex_end_anchored(const char *pat, size_t len)
{
	int depth = 0, cls = 0;
	size_t i, last = len;

	for (i = 0; i < len; i++) {
		if (pat[i] == '\\' && i + 1 < len) {
			last = i++;
			continue;
		}
		last = i;
		if (cls)
			cls = pat[i] != ']';
		else if (pat[i] == '[')
			cls = 1;
		else if (pat[i] == '(')
			depth++;
		else if (pat[i] == ')')
			depth--;
		else if (pat[i] == '|' && depth == 0)
			return 0;
	}
	if (last >= len || cls)
		return 0;
	if (pat[last] == '\\')
		return last + 1 < len && (pat[last + 1] == 'z' || pat[last + 1] == 'Z');
	return pat[last] == '$';
}

/* Whether an inline option group turns multiline on: '$' then matches at every line end. */
static int
regex_multiline(const char *pat, size_t len)
{
	for (size_t i = 0; i + 2 < len; i++) {
		if (pat[i] == '\\') {
			i++;
			continue;
		}
		if (pat[i] != '(' || pat[i + 1] != '?')
			continue;
		for (size_t j = i + 2; j < len && ((pat[j] | 0x20) >= 'a' && (pat[j] | 0x20) <= 'z');
		    j++)
			if (pat[j] == 'm')
				return 1;
	}
	return 0;
}

static int
regex_start_anchored(const pcre2_code *code)
{
	uint32_t opts = 0;

	return pcre2_pattern_info(code, PCRE2_INFO_ALLOPTIONS, &opts) == 0 &&
	    (opts & PCRE2_ANCHORED);
}

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
	re->head = regex_start_anchored(code);
	re->tail = regex_end_anchored(pat, len) && !re->head && !regex_multiline(pat, len);
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
regex_is_tail(const struct regex *re)
{
	return re->tail;
}

int
regex_is_head(const struct regex *re)
{
	return re->head;
}

int
regex_match(const struct regex *re, struct regex_scratch *rs, const char *s, size_t len,
    size_t *start, size_t *end)
{
	return regex_match_window(re, rs, s, len, len, start, end);
}

int
regex_match_window(const struct regex *re, struct regex_scratch *rs, const char *s, size_t len,
    size_t window, size_t *start, size_t *end)
{
	PCRE2_SIZE *ov, from = 0;
	uint32_t opts = PCRE2_NO_UTF_CHECK;
	int rc;

	if (len > window && re->tail) {
		/*
		 * The whole text is passed, so lookbehinds see before the
		 * window and '^' cannot match at its start; matches may only
		 * start inside it.
		 */
		from = len - window;
		while (from < len && ((unsigned char)s[from] & 0xc0) == 0x80)
			from++;
	} else if (len > window) {
		len = window;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
		opts |= PCRE2_NOTEOL;	/* the cut is not the end of the text */
	}
	rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, from, opts, rs->md, rs->mctx);
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

/* A run of literal characters ends: without its edge spaces, it is a candidate. */
static void
litrun_flush(struct buf *run, struct litset *best)
{
	struct litset cand = {0};
	size_t b = 0, e = run->len;

	while (b < e && run->data[b] == ' ')
		b++;
	while (e > b && run->data[e - 1] == ' ')
		e--;
	if (e > b) {
		litset_single(&cand, run->data + b, e - b);
		litset_take_best(best, &cand);
	}
	buf_reset(run);
}

/*
 * (?i) (?-i) (?i:...) and the like, q just past the '?'. The extended mode
 * is refused: spaces and '#' stop being literal in it. Returns as
 * litparse_group_head does.
 */
static int
litparse_group_options(struct litparse *lp, const char *q)
{
	const char *r = q;

	while (r < lp->end &&
	       ((*r >= 'a' && *r <= 'z') || (*r >= 'A' && *r <= 'Z') || *r == '-' || *r == '^'))
		r++;
	if (r == q || r >= lp->end) {
		lp->bad = 1;
		return -1;
	}
	for (const char *f = q; f < r; f++)
		if (*f == 'x' || *f == 'X') {
			lp->bad = 1;
			return -1;
		}
	if (*r == ')') {
		lp->p = r + 1;
		return 0;
	}
	if (*r != ':') {
		lp->bad = 1;
		return -1;
	}
	lp->p = r + 1;
	return 1;
}

/*
 * What follows a '(' (lp->p just past it) up to the group's body. Returns 1
 * with lp->p at the body, *discard set for a lookaround (what it sees is
 * not part of the match, so not required); 0 past a group with no body (a
 * comment, an option setting); -1 with lp->bad set for a verb or a
 * construct we do not understand.
 */
static int
litparse_group_head(struct litparse *lp, int *discard)
{
	const char *q, *e;

	if (lp->p < lp->end && *lp->p == '*') { /* (*VERB) */
		lp->bad = 1;
		return -1;
	}
	if (lp->p >= lp->end || *lp->p != '?')
		return 1;
	q = lp->p + 1;
	if (q >= lp->end) {
		lp->bad = 1;
		return -1;
	}
	if (*q == ':' || *q == '>' || *q == '|') {
		lp->p = q + 1;
		return 1;
	}
	if (*q == '=' || *q == '!' ||
	    (*q == '<' && q + 1 < lp->end && (q[1] == '=' || q[1] == '!'))) {
		*discard = 1;
		lp->p = q + (*q == '<' ? 2 : 1);
		return 1;
	}
	if (*q != '<' && *q != '\'' && !(*q == 'P' && q + 1 < lp->end && q[1] == '<') && *q != '#')
		return litparse_group_options(lp, q);
	/* a name, or a comment that runs to the first ')' */
	if (*q == '\'')
		e = memchr(q + 1, '\'', (size_t)(lp->end - q - 1));
	else
		e = memchr(q, *q == '#' ? ')' : '>', (size_t)(lp->end - q));
	if (e == NULL) {
		lp->bad = 1;
		return -1;
	}
	lp->p = e + 1;
	return *q == '#' ? 0 : 1;
}

/* A group at lp->p: its literals compete with the sequence's, unless it may be absent. */
static void
litparse_group(struct litparse *lp, struct litset *best)
{
	struct litset inner;
	int discard = 0, optional, repeat;

	lp->p++;
	if (litparse_group_head(lp, &discard) <= 0)
		return;
	if (++lp->depth > 64) {
		lp->bad = 1;
		return;
	}
	litparse_alt(lp, &inner);
	lp->depth--;
	if (lp->p >= lp->end || *lp->p != ')') {
		litset_clear(&inner);
		lp->bad = 1;
		return;
	}
	lp->p++;
	litparse_quant(lp, &optional, &repeat);
	if (discard || optional)
		litset_clear(&inner);
	litset_take_best(best, &inner);
}

/*
 * A backslash and a letter or digit at lp->p: classes, assertions, back
 * references, \x{..}, \p{..}, \Q...\E. None is a literal we keep; this
 * only steps over it and its quantifier.
 */
static void
litparse_skip_escape(struct litparse *lp, unsigned char e)
{
	int optional, repeat;

	if (e == 'Q') {
		const char *q = lp->p + 2;

		while (q + 1 < lp->end && !(q[0] == '\\' && q[1] == 'E'))
			q++;
		lp->p = q + 1 < lp->end ? q + 2 : lp->end;
		return;
	}
	lp->p += 2;
	if (lp->p < lp->end && *lp->p == '{' &&
	    (e == 'x' || e == 'p' || e == 'P' || e == 'o' || e == 'g' || e == 'k' || e == 'N')) {
		const char *q = memchr(lp->p, '}', (size_t)(lp->end - lp->p));

		lp->p = q ? q + 1 : lp->end;
	} else if (e == 'x') {
		for (int k = 0;
		     k < 2 && lp->p < lp->end && strchr("0123456789abcdefABCDEF", *lp->p); k++)
			lp->p++;
	} else if ((e == 'k' || e == 'g') && lp->p < lp->end && (*lp->p == '<' || *lp->p == '\'')) {
		const char *q =
		    memchr(lp->p, *lp->p == '<' ? '>' : '\'', (size_t)(lp->end - lp->p));

		lp->p = q ? q + 1 : lp->end;
	} else if (e == 'c' && lp->p < lp->end)
		lp->p++;
	litparse_quant(lp, &optional, &repeat);
}

static void
litparse_seq(struct litparse *lp, struct litset *best)
{
	struct buf run;

	buf_init(&run);
	memset(best, 0, sizeof(*best));
	while (lp->p < lp->end && !lp->bad) {
		const char *atom = lp->p;
		size_t alen;
		int optional, repeat;
		unsigned char c = (unsigned char)*lp->p;

		if (c == '|' || c == ')')
			break;
		if (c == '(') {
			litrun_flush(&run, best);
			litparse_group(lp, best);
			continue;
		}
		if (c == '[') {
			litrun_flush(&run, best);
			lp->p++;
			litparse_skip_class(lp);
			litparse_quant(lp, &optional, &repeat);
			continue;
		}
		if (c == '.' || c == '^' || c == '$') {
			litrun_flush(&run, best);
			lp->p++;
			litparse_quant(lp, &optional, &repeat);
			continue;
		}
		if (c == '*' || c == '+' || c == '?' || (c == '{' && litparse_quant(lp, &optional, &repeat))) {
			/* a quantifier with nothing we kept before it */
			if (c != '{')
				lp->p++;
			litrun_flush(&run, best);
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
				litrun_flush(&run, best);
				litparse_skip_escape(lp, e);
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
			/* a repeated character is required once; an optional one not at all */
			if (!optional)
				buf_add(&run, atom, alen);
			litrun_flush(&run, best);
			continue;
		}
		buf_add(&run, atom, alen);
	}
	litrun_flush(&run, best);
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

/*
 * The shape check. One pass over the pattern with a stack of open groups,
 * each remembering whether it holds an unbounded repeat (* + {n,}) and
 * whether one of those can give characters back (not possessive, not in
 * an atomic group). It knows three shapes:
 *
 *  - an unbounded repeat of a group that holds one that gives back, as in
 *    (a+)+ or (\s*x*)*: the text can be split between the two in
 *    exponentially many ways;
 *  - an unbounded repeat of a group holding an unbounded repeat, followed
 *    by the end '$', in a pattern not anchored at the start: PCRE2 tries
 *    it from every start position, each run going to the end of the text,
 *    so the time is quadratic even when everything is possessive (unless
 *    a lookahead such as (?=[\s\S]{0,400}+$) bounds the distance to '$',
 *    or the whole pattern is anchored at the end: it then only runs on
 *    the last regex_window bytes, see regex_match_window);
 *  - two unbounded '.' repeats that give back: cubic splits.
 */
#define LINT_DEPTH 64

struct lint_group {
	size_t at;	/* offset of its '(' */
	int look;	/* a lookaround: repeating it repeats no text */
	int atomic;
	int unbounded;	/* holds an unbounded repeat */
	int loose;	/* holds one that can give back */
};

/* The length of the quantifier at p (0: none); *unb for * + {n,}, *poss for a trailing +. */
static size_t
lint_quant(const char *p, const char *end, int *unb, int *poss)
{
	const char *q = p;

	*unb = *poss = 0;
	if (q >= end)
		return 0;
	if (*q == '*' || *q == '+') {
		*unb = 1;
		q++;
	} else if (*q == '?')
		q++;
	else if (*q == '{') {
		const char *r = q + 1;
		int digits = 0, comma = 0, after = 0;

		for (; r < end && ((*r >= '0' && *r <= '9') || *r == ','); r++)
			if (*r == ',')
				comma = 1;
			else if (comma)
				after = 1;
			else
				digits = 1;
		if (r >= end || *r != '}' || !digits)
			return 0; /* a literal '{' */
		*unb = comma && !after;
		q = r + 1;
	} else
		return 0;
	if (q < end && *q == '+') {
		*poss = 1;
		q++;
	} else if (q < end && *q == '?')
		q++;
	return (size_t)(q - p);
}

/* Skips what follows '(' up to the group's content; 1 for a group with no content. */
static int
lint_group_open(const char **pp, const char *end, struct lint_group *g)
{
	const char *p = *pp;

	if (p < end && *p == '*') { /* (*VERB) */
		while (p < end && *p != ')')
			p++;
		*pp = p < end ? p + 1 : end;
		return 1;
	}
	if (p >= end || *p != '?')
		return 0;
	p++;
	if (p < end && (*p == '=' || *p == '!'))
		g->look = 1, p++;
	else if (p + 1 < end && *p == '<' && (p[1] == '=' || p[1] == '!'))
		g->look = 1, p += 2;
	else if (p < end && *p == '>')
		g->atomic = 1, p++;
	else if (p < end && (*p == ':' || *p == '|'))
		p++;
	else if (p < end && (*p == '<' || *p == '\'' || *p == 'P')) {
		while (p < end && *p != '>' && !(p > *pp + 1 && *p == '\''))
			p++;
		p = p < end ? p + 1 : end;
	} else {
		while (p < end && *p != ':' && *p != ')')
			p++;
		if (p < end && *p == ')') {
			*pp = p + 1;
			return 1; /* (?i) or a comment */
		}
		p = p < end ? p + 1 : end;
	}
	*pp = p;
	return 0;
}

/* Skips one atom that is not a group; *dot when it is '.'. */
static void
lint_atom(const char **pp, const char *end, int *dot)
{
	const char *p = *pp;

	*dot = *p == '.';
	if (*p == '\\' && p + 1 < end) {
		char e = p[1];

		p += 2;
		if (e == 'Q') {
			while (p + 1 < end && !(p[0] == '\\' && p[1] == 'E'))
				p++;
			p = p + 1 < end ? p + 2 : end;
		} else if (p < end && *p == '{' && strchr("xpPogkN", e)) {
			while (p < end && *p != '}')
				p++;
			p = p < end ? p + 1 : end;
		}
	} else if (*p == '[') {
		p++;
		if (p < end && *p == '^')
			p++;
		if (p < end && *p == ']')
			p++;
		while (p < end && *p != ']')
			p += *p == '\\' && p + 1 < end ? 2 : 1;
		p = p < end ? p + 1 : end;
	} else
		p += utf8_seqlen((unsigned char)*p);
	*pp = p > end ? end : p;
}

static int
lint_at_end(const char *p, const char *end)
{
	return (end - p == 1 && *p == '$') ||
	    (end - p == 2 && p[0] == '\\' && (p[1] == 'z' || p[1] == 'Z'));
}

int
regex_lint(const char *pat, size_t len, size_t *off, const char **why)
{
	struct lint_group st[LINT_DEPTH + 1], g;
	const char *p = pat, *end = pat + len;
	size_t depth = 0;
	int dots = 0, bounded_end = 0, unb, poss, dot;
	int start_anchored = len > 0 && (pat[0] == '^' || (len > 1 && !memcmp(pat, "\\A", 2)));

	memset(st, 0, sizeof(st[0]));
	while (p < end) {
		if (*p == '|' || *p == '^' || *p == '$') {
			p++;
			continue;
		}
		if (*p == '(') {
			if (depth == LINT_DEPTH)
				return 0;
			memset(&g, 0, sizeof(g));
			g.at = (size_t)(p - pat);
			g.atomic = st[depth].atomic;
			p++;
			if (!lint_group_open(&p, end, &g))
				st[++depth] = g;
			continue;
		}
		if (*p == ')') {
			if (depth == 0)
				return 0;
			g = st[depth--];
			p++;
			p += lint_quant(p, end, &unb, &poss);
			if (g.look) {
				/* (?=[\s\S]{0,400}+$): the distance to the end is bounded */
				if (p[-1] == ')' && p - 2 > pat && p[-2] == '$' &&
				    memmem(pat + g.at, (size_t)(p - pat) - g.at, "{0,", 3))
					bounded_end = 1;
				continue;
			}
			if (unb && g.unbounded && g.loose && !poss && !g.atomic) {
				*off = g.at;
				*why = "nested unbounded repeats, as in (a+)+, can split a text in "
				    "exponentially many ways; make one of them possessive (++, *+) or "
				    "the group atomic (?>...)";
				return 1;
			}
			if (unb && g.unbounded && lint_at_end(p, end) && !start_anchored &&
			    !bounded_end && !regex_end_anchored(pat, len)) {
				*off = g.at;
				*why = "a repeated group with an unbounded repeat inside that must reach "
				    "'$' is run to the end of the text from every start, which is "
				    "quadratic; bound the distance, e.g. (?=[\\s\\S]{0,400}+$) after "
				    "the first character";
				return 1;
			}
			st[depth].unbounded |= g.unbounded || unb;
			st[depth].loose |= g.loose || (unb && !poss && !g.atomic);
			continue;
		}
		{
			const char *atom = p;

			lint_atom(&p, end, &dot);
			p += lint_quant(p, end, &unb, &poss);
			if (!unb)
				continue;
			st[depth].unbounded = 1;
			if (!poss && !st[depth].atomic)
				st[depth].loose = 1;
			if (dot && !poss && ++dots == 2) {
				*off = (size_t)(atom - pat);
				*why = "two unbounded '.' repeats can split a text in many ways, which "
				    "takes time cubic in its length; keep one, or use a class that "
				    "stops at what follows, e.g. [^,]*";
				return 1;
			}
		}
	}
	return 0;
}
