#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/model.h"
#include "engine/normalize.h"
#include "engine/rules_int.h"
#include "engine/rules_select.h"
#include "lib/util.h"
#include "lib/yamlx.h"

/*
 * The loader reads every file into a yaml tree first, collects the named
 * lists of all files (so a rule may use a list from another file), then
 * walks the rules. Every problem is reported and the walk goes on, so the
 * author sees all mistakes of all files at once.
 */

struct named_list {
	char *name;
	struct yfile *yf;
	yaml_node_t *node;
	uint32_t *kws;
	uint32_t nkws;
};

struct loader {
	struct ruleset *rs;
	struct diag *d;
	struct yfile *files;
	size_t nfiles;
	struct named_list *lists;
	size_t nlists;
	struct yfile *scoring_file;
	yaml_node_t *scoring_node;
	struct yfile *limits_file;
	yaml_node_t *limits_node;
	uint32_t *mark;		/* per keyword id: markgen when in the list being built */
	size_t capmark;
	uint32_t markgen;
	struct rules_spec sel; /* disables and overrides: the config's, then the files' */
	/*
	 * Ids of rules left out for an error of their own: a test naming one
	 * is not reported again as naming an unknown rule.
	 */
	char **failed;
	size_t nfailed;
	const struct rules_spec *spec; /* its models are loaded first (NULL: none) */
	/* files[draft_at] is read from draft's text (SIZE_MAX: none) */
	const struct rules_draft *draft;
	size_t draft_at;
};

static const char *const top_keys[] = {"lists",  "rules",   "scoring", "tests",
                                       "limits", "disable", "override"};
static const char *const rule_keys[] = {"id",   "description", "team",    "score",
                                        "tags", "when",        "enabled", "lang"};
static const char *const cond_keys[] = {"any",  "all",    "none",  "keywords",
                                        "regex", "near", "rating", "model"};
static const char *const model_keys[] = {"name", "above"};
static const char *const near_keys[] = {"words", "within", "ordered"};
static const char *const scoring_keys[] = {"thresholds", "max_extra", "boosts"};
static const char *const limit_keys[] = { "regex_window", "regex_tail_window", "regex_work",
	"regex_batch_work" };
static const char *const threshold_keys[] = { "critical", "high", "normal", "low" };
static const char *const boost_keys[] = { "followers", "verified" };
static const char *const step_keys[] = { "at_least", "add" };
static const char *const test_keys[] = {"text", "rules",  "not_rules", "priority", "complaint",
                                        "team", "author", "lang",      "rating"};
static const char *const author_keys[] = { "followers", "verified" };

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

static int
rules_valid_id(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' ||
		    *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* Three of the same letter in a row: folding makes them one. */
static int
keyword_has_run(const char *s, size_t len)
{
	for (size_t i = 2; i < len; i++) {
		char a = (char)(s[i - 2] | 0x20), b = (char)(s[i - 1] | 0x20), c = (char)(s[i] | 0x20);

		if (a == b && b == c && a >= 'a' && a <= 'z')
			return 1;
	}
	return 0;
}

/* Parses one keyword (not a list reference); returns its id or -1. */
static long
loader_keyword(struct loader *L, struct yfile *yf, yaml_node_t *n)
{
	const char *s, *written;
	size_t len, flen, wlen;
	enum kw_kind kind = KW_WORD;
	int star_start, star_end;
	char *folded, *inner;
	long id;

	if (yget_string(L->d, yf, n, "a keyword", &s) < 0)
		return -1;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	written = s;
	wlen = len;
	star_start = len && s[0] == '*';
	star_end = len > 1 && s[len - 1] == '*';
	if (star_start)
		s++, len--;
	if (star_end)
		len--;
	if (len == 0) {
		yerror(L->d, yf, n, "empty keyword; write a word or phrase, e.g. 'refund'");
		return -1;
	}
	if (memchr(s, '*', len)) {
		yerror(L->d, yf, n,
		    "'*' can only start or end a keyword ('word*' for a prefix, '*part*' for any "
		    "substring); use a regex for anything else");
		return -1;
	}
	if (star_start && star_end)
		kind = KW_SUBSTR;
	else if (star_start)
		kind = KW_SUFFIX;
	else if (star_end)
		kind = KW_PREFIX;
	if (utf8_valid_prefix(s, len) != len) {
		yerror(L->d, yf, n, "keyword is not valid UTF-8");
		return -1;
	}
	folded = norm_fold_key(s, len, &flen);
	if (flen == 0) {
		free(folded);
		yerror(L->d, yf, n, "keyword '%.*s' is only spaces or marks after folding", (int)len,
		    s);
		return -1;
	}
	if (flen <= 2 && keyword_has_run(s, len))
		diag_warning(L->d, yf->path, ynode_line(n), ynode_col(n),
		    "keyword '%.*s' is compared as '%.*s' (three or more of a letter count as one), "
		    "so it also matches '%.*s'; use a regex such as '\\b%.*s\\b' instead",
		    (int)len, s, (int)flen, folded, (int)flen, folded, (int)len, s);
	inner = xstrndup(written, wlen); /* shown as written, '*' marks and all */
	id = rules_add_keyword(L->rs, inner, folded, flen, kind);
	free(inner);
	free(folded);
	return id;
}

static struct named_list *
loader_find_list(struct loader *L, const char *name)
{
	for (size_t i = 0; i < L->nlists; i++)
		if (strcmp(L->lists[i].name, name) == 0)
			return &L->lists[i];
	return NULL;
}

static void
loader_unknown_list(struct loader *L, struct yfile *yf, yaml_node_t *n, const char *name)
{
	const char **names = xcalloc(L->nlists + 1, sizeof(char *));
	const char *s;

	for (size_t i = 0; i < L->nlists; i++)
		names[i] = L->lists[i].name;
	s = diag_suggest(name, names, L->nlists);
	if (s)
		yerror(L->d, yf, n, "unknown list '@%s'; did you mean '@%s'?", name, s);
	else
		yerror(L->d, yf, n, "unknown list '@%s'; define it under 'lists:' in any rule file",
		    name);
	free(names);
}

/*
 * The keyword ids of the list being built, as a stamp per id: a keyword
 * is already in it when its stamp is the list's. One compare per keyword,
 * where searching the list made a list of N keywords cost N^2 / 2.
 */
static void
loader_list_begin(struct loader *L)
{
	if (++L->markgen == 0) {
		memset(L->mark, 0, L->capmark * sizeof(*L->mark));
		L->markgen = 1;
	}
}

static void
push_id(struct loader *L, uint32_t **arr, uint32_t *n, uint32_t *cap, uint32_t id)
{
	if (id >= L->capmark) {
		size_t cap2 = L->capmark ? L->capmark : 256;

		while (cap2 <= id)
			cap2 *= 2;
		L->mark = xreallocarray(L->mark, cap2, sizeof(*L->mark));
		memset(L->mark + L->capmark, 0, (cap2 - L->capmark) * sizeof(*L->mark));
		L->capmark = cap2;
	}
	L->rs->load_probes++;
	if (L->mark[id] == L->markgen)
		return;
	L->mark[id] = L->markgen;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*arr = xreallocarray(*arr, *cap, sizeof(uint32_t));
	}
	(*arr)[(*n)++] = id;
}

static long
loader_keywords(struct loader *L, struct yfile *yf, yaml_node_t *n)
{
	uint32_t *ids = NULL, nids = 0, capids = 0;
	size_t len;
	int bad = 0;

	if (yget_list(L->d, yf, n, "keywords", "[refund, 'uang kembali']") < 0)
		return -1;
	if ((len = yseq_len(n)) == 0) {
		yerror(L->d, yf, n, "empty keyword list; give at least one keyword or remove it");
		return -1;
	}
	loader_list_begin(L);
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *item = yseq_item(yf, n, i);
		const char *s = yscalar(item);

		if (s && s[0] == '@') {
			struct named_list *nl = loader_find_list(L, s + 1);

			if (nl == NULL) {
				loader_unknown_list(L, yf, item, s + 1);
				bad = 1;
				continue;
			}
			for (uint32_t k = 0; k < nl->nkws; k++)
				push_id(L, &ids, &nids, &capids, nl->kws[k]);
			continue;
		}
		long id = loader_keyword(L, yf, item);

		if (id < 0)
			bad = 1;
		else
			push_id(L, &ids, &nids, &capids, (uint32_t)id);
	}
	if (bad || nids == 0) {
		free(ids);
		return -1;
	}
	return rules_add_cond(L->rs, COND_KEYWORDS, ids, nids);
}

/*
 * The column of byte off inside a scalar, so that a regex error points at
 * the character PCRE2 complained about. Exact for single-line plain and
 * single-quoted scalars; for other styles it points at the scalar.
 */
static void
scalar_pos(const yaml_node_t *n, size_t off, unsigned *line, unsigned *col)
{
	const char *v = (const char *)n->data.scalar.value;
	unsigned c = ynode_col(n);
	yaml_scalar_style_t st = n->data.scalar.style;

	*line = ynode_line(n);
	*col = c;
	if (n->start_mark.line != n->end_mark.line)
		return;
	if (st == YAML_SINGLE_QUOTED_SCALAR_STYLE || st == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
		c++;
	else if (st != YAML_PLAIN_SCALAR_STYLE)
		return;
	if (off > n->data.scalar.length)
		off = n->data.scalar.length;
	for (size_t i = 0; i < off; i++) {
		unsigned char b = (unsigned char)v[i];

		if ((b & 0xc0) == 0x80)
			continue;
		c++;
		if (st == YAML_SINGLE_QUOTED_SCALAR_STYLE && b == '\'')
			c++; /* written as '' */
		else if (st == YAML_DOUBLE_QUOTED_SCALAR_STYLE && (b == '\\' || b == '"'))
			c++; /* written as \\ or \" */
	}
	*col = c;
}

static long
loader_regex(struct loader *L, struct yfile *yf, yaml_node_t *n)
{
	const char *s, *why;
	char err[256];
	size_t off = 0;
	struct regex *re;

	if (yget_string(L->d, yf, n, "regex", &s) < 0)
		return -1;
	if (yscalar_len(n) > REGEX_MAX_PATTERN) {
		yerror(L->d, yf, n, "regex is %zu bytes long, the limit is %d; split it into several "
		    "rules", yscalar_len(n), REGEX_MAX_PATTERN);
		return -1;
	}
	re = regex_compile(s, yscalar_len(n), err, sizeof(err), &off);
	if (re == NULL) {
		unsigned line, col;

		scalar_pos(n, off, &line, &col);
		diag_error(L->d, yf->path, line, col,
		    "regex does not compile: %s (at byte %zu of the pattern); fix the pattern, or "
		    "escape the character with a backslash",
		    err, off);
		return -1;
	}
	if (regex_lint(s, yscalar_len(n), &off, &why)) {
		unsigned line, col;

		scalar_pos(n, off, &line, &col);
		diag_warning(L->d, yf->path, line, col, "regex may take super-linear time: %s", why);
	}
	uint32_t rid = rules_add_regex(L->rs, s, re);
	uint32_t *items = xmalloc(sizeof(uint32_t));

	items[0] = rid;
	return rules_add_cond(L->rs, COND_REGEX, items, 1);
}

/* Words of a folded keyword: runs of word characters. */
static unsigned
near_words(const char *f, size_t len)
{
	unsigned n = 0;
	int prev = 0;

	for (size_t i = 0; i < len; i++) {
		int w;

		if (((unsigned char)f[i] & 0xc0) == 0x80)
			continue;
		w = norm_word_after(f, len, i);
		n += w && !prev;
		prev = w;
	}
	return n;
}

/* The near words being read: keyword ids, and the place of each. */
struct near_acc {
	uint32_t *terms, *tslot, n, cap;
};

/*
 * Adds keyword id as a choice for place j. A keyword can stand in one
 * place only; in the same place twice (through a list) it counts once.
 */
static int
near_add(struct loader *L, struct yfile *yf, yaml_node_t *item, struct near_acc *a, uint32_t j,
         uint32_t id)
{
	struct rs_keyword *k = &L->rs->kws[id];
	unsigned w = near_words(k->folded, k->flen);

	if (w == 0) {
		yerror(L->d, yf, item,
		       "near word '%s' has no letter or digit to count words by; "
		       "use a keyword or a regex for it",
		       k->src);
		return -1;
	}
	for (uint32_t i = 0; i < a->n; i++) {
		if (a->terms[i] != id)
			continue;
		if (a->tslot[i] == j)
			return 0;
		yerror(L->d, yf, item,
		       "near word '%s' is in two places (word %u and word %u, as "
		       "folded); list each word once",
		       k->src, a->tslot[i] + 1, j + 1);
		return -1;
	}
	k->nwords = (uint8_t)(w > 255 ? 255 : w);
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		a->terms = xreallocarray(a->terms, a->cap, sizeof(*a->terms));
		a->tslot = xreallocarray(a->tslot, a->cap, sizeof(*a->tslot));
	}
	a->terms[a->n] = id;
	a->tslot[a->n++] = j;
	return 0;
}

/* A keyword or '@list' (its keywords) as a choice for place j. */
static int
loader_near_choice(struct loader *L, struct yfile *yf, yaml_node_t *item, struct near_acc *a,
                   uint32_t j)
{
	const char *s = yscalar(item);
	long id;

	if (s != NULL && s[0] == '@') {
		struct named_list *nl = loader_find_list(L, s + 1);
		int rc = 0;

		if (nl == NULL) {
			loader_unknown_list(L, yf, item, s + 1);
			return -1;
		}
		for (uint32_t k = 0; k < nl->nkws; k++)
			if (near_add(L, yf, item, a, j, nl->kws[k]) < 0)
				rc = -1;
		return rc;
	}
	if ((id = loader_keyword(L, yf, item)) < 0)
		return -1;
	return near_add(L, yf, item, a, j, (uint32_t)id);
}

/* Place j of a near: a keyword, a '@list', or a list of those (any one will do). */
static int
loader_near_word(struct loader *L, struct yfile *yf, yaml_node_t *item, struct near_acc *a,
                 uint32_t j)
{
	int rc = 0;

	if (!yis_seq(item))
		return loader_near_choice(L, yf, item, a, j);
	if (yseq_len(item) == 0) {
		yerror(L->d, yf, item, "empty choice of words in near; give at least one word");
		return -1;
	}
	for (size_t i = 0; i < yseq_len(item); i++) {
		yaml_node_t *x = yseq_item(yf, item, i);

		if (yis_seq(x)) {
			yerror(L->d, yf, x,
			       "a choice of near words is one list of keywords, not "
			       "lists in a list");
			rc = -1;
		} else if (loader_near_choice(L, yf, x, a, j) < 0)
			rc = -1;
	}
	return rc;
}

/*
 * near: {words: [a, [b, c], ...], within: N, ordered: false}: a word for
 * every place (a, then b or c, ...), with at most N other words between
 * the first and the last of them (in the order written when ordered).
 */
static long
loader_near(struct loader *L, struct yfile *yf, yaml_node_t *n)
{
	yaml_node_t *w, *v;
	struct near_acc acc = {NULL, NULL, 0, 0};
	long within = 0;
	int ordered = 0, bad = 0;
	size_t len = 0;

	if (!yis_map(n)) {
		yerror(L->d, yf, n,
		       "near must be a mapping such as {words: [saldo, hilang], "
		       "within: 3}, not %s",
		       ynode_kind(n));
		return -1;
	}
	if (ycheck_keys(L->d, yf, n, "near", near_keys, NKEYS(near_keys)))
		bad = 1;
	if ((v = ymap_get(yf, n, "within")) == NULL) {
		yerror(L->d, yf, n,
		       "near needs 'within: N', the most other words allowed between "
		       "its words (1 to %d)",
		       RULES_NEAR_MAX_WITHIN);
		bad = 1;
	} else if (yget_long(L->d, yf, v, "within", LONG_MIN, LONG_MAX, &within) < 0)
		bad = 1;
	else if (within < 1 || within > RULES_NEAR_MAX_WITHIN) {
		yerror(L->d, yf, v,
		       "within must be from 1 to %d, not %ld: it counts the other "
		       "words allowed between the near words (for words side by side, write them "
		       "as one keyword)",
		       RULES_NEAR_MAX_WITHIN, within);
		bad = 1;
	}
	if ((v = ymap_get(yf, n, "ordered")) != NULL &&
	    yget_bool(L->d, yf, v, "ordered", &ordered) < 0)
		bad = 1;
	if ((w = ymap_get(yf, n, "words")) == NULL) {
		yerror(L->d, yf, n,
		       "near needs 'words:', 2 to %d words or phrases, e.g. "
		       "words: [saldo, hilang]",
		       RULES_NEAR_MAX_WORDS);
		bad = 1;
	} else if (!yis_seq(w)) {
		yerror(L->d, yf, w, "near words must be a list such as [saldo, hilang], not %s",
		       ynode_kind(w));
		bad = 1;
	} else if ((len = yseq_len(w)) < 2) {
		yerror(L->d, yf, w,
		       "near needs at least 2 words, not %zu; for one word use "
		       "'keywords'",
		       len);
		bad = 1;
	} else if (len > RULES_NEAR_MAX_WORDS) {
		yerror(L->d, yf, w,
		       "near takes at most %d words, not %zu; put several near "
		       "conditions under 'all'",
		       RULES_NEAR_MAX_WORDS, len);
		bad = 1;
	} else
		for (size_t i = 0; i < len; i++)
			if (loader_near_word(L, yf, yseq_item(yf, w, i), &acc, (uint32_t)i) < 0)
				bad = 1;
	if (bad) {
		free(acc.terms);
		free(acc.tslot);
		return -1;
	}
	uint32_t *items = xmalloc(sizeof(uint32_t));

	items[0] = rules_add_near(L->rs, acc.terms, acc.tslot, acc.n, (uint32_t)len,
	                          (uint32_t)within, ordered);
	return rules_add_cond(L->rs, COND_NEAR, items, 1);
}

#define RATING_HOW "(an operator <, <=, =, >=, > and a number from 1 to 5)"

/* "<= 2", "2" (meaning "= 2"): the operator, and where the number starts. */
static int
rating_op_parse(const char *s, uint32_t *op, const char **rest)
{
	static const struct {
		const char *text;
		uint32_t op;
	} ops[] = { { "<=", RATING_LE }, { ">=", RATING_GE }, { "<", RATING_LT },
		{ ">", RATING_GT }, { "=", RATING_EQ } };

	while (*s == ' ')
		s++;
	*op = RATING_EQ;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strncmp(s, ops[i].text, strlen(ops[i].text)) == 0) {
			*op = ops[i].op;
			s += strlen(ops[i].text);
			break;
		}
	while (*s == ' ')
		s++;
	*rest = s;
	return *s >= '0' && *s <= '9' ? 0 : -1;
}

/* The star counts 1..5 that op stars holds for, as bits 1..5. */
static uint32_t
rating_mask(uint32_t op, long stars)
{
	uint32_t mask = 0;

	for (long k = 1; k <= 5; k++)
		if ((op == RATING_LT && k < stars) || (op == RATING_LE && k <= stars) ||
		    (op == RATING_EQ && k == stars) || (op == RATING_GE && k >= stars) ||
		    (op == RATING_GT && k > stars))
			mask |= 1u << k;
	return mask;
}

/*
 * rating: <= 2: the review's stars compared with a number. A plain YAML
 * scalar, so "<= 2" and a bare 2 (meaning = 2) both arrive as text.
 */
static long
loader_rating(struct loader *L, struct yfile *yf, yaml_node_t *n)
{
	const char *s = yscalar(n), *rest;
	char *end;
	uint32_t op, *items;
	long stars = 0;
	int bad;

	if (s == NULL) {
		yerror(L->d, yf, n, "rating must be one comparison, not %s; write rating: <= 2 "
		    RATING_HOW, ynode_kind(n));
		return -1;
	}
	bad = rating_op_parse(s, &op, &rest) < 0;
	if (!bad) {
		errno = 0;
		stars = strtol(rest, &end, 10);
		bad = errno != 0 || end[strspn(end, " ")] != '\0';
	}
	if (bad) {
		yerror(L->d, yf, n, "rating '%s' is not a comparison; write rating: <= 2 " RATING_HOW,
		    s);
		return -1;
	}
	if (stars < 1 || stars > 5) {
		yerror(L->d, yf, n, "rating '%s' is out of range: reviews have 1 to 5 stars; write "
		    "a number from 1 to 5, e.g. rating: <= 2", s);
		return -1;
	}
	if (rating_mask(op, stars) == 0) {
		yerror(L->d, yf, n, "rating '%s' holds for no review (they have 1 to 5 stars); "
		    "write rating: %s", s, op == RATING_LT ? "<= 1" : ">= 5");
		return -1;
	}
	items = xcalloc(3, sizeof(uint32_t));
	items[0] = rating_mask(op, stars);
	items[1] = op;
	items[2] = (uint32_t)stars;
	return rules_add_cond(L->rs, COND_RATING, items, 3);
}

#define MODEL_HOW "such as {name: brand-complaints, above: 0.7}"

/* The configured models' names, "a, b", for messages. */
static char *
loader_model_names(const struct ruleset *rs)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < rs->nmodels; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", rs->models[i].name);
	return b.data ? b.data : xstrdup("");
}

static void
loader_unknown_model(struct loader *L, struct yfile *yf, yaml_node_t *n, const char *name)
{
	const struct ruleset *rs = L->rs;
	const char **names;
	const char *s;
	char *all;

	if (rs->nmodels == 0) {
		yerror(L->d, yf, n, "unknown model '%s': no model is configured; list it under "
		       "models: in keluhd.yaml (keluhd.yaml(5)), or give keluhctl test --model FILE",
		       name);
		return;
	}
	names = xcalloc(rs->nmodels, sizeof(char *));
	for (size_t i = 0; i < rs->nmodels; i++)
		names[i] = rs->models[i].name;
	s = diag_suggest(name, names, rs->nmodels);
	all = loader_model_names(rs);
	if (s)
		yerror(L->d, yf, n, "unknown model '%s'; did you mean '%s'? (the models configured "
		       "are: %s)", name, s, all);
	else
		yerror(L->d, yf, n, "unknown model '%s'; the models configured in keluhd.yaml's "
		       "models: are: %s", name, all);
	free(all);
	free(names);
}

/* above: a probability strictly between 0 and 1. */
static int
loader_above(struct loader *L, struct yfile *yf, yaml_node_t *v, double *out)
{
	const char *s = yscalar(v);
	char *end;
	double x;

	if (s == NULL || yis_null(v)) {
		yerror(L->d, yf, v, "above must be a probability between 0 and 1, e.g. 0.7, not %s",
		       ynode_kind(v));
		return -1;
	}
	errno = 0;
	x = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(x > 0 && x < 1)) {
		yerror(L->d, yf, v, "above '%s' is not a probability between 0 and 1 (both "
		       "excluded), e.g. 0.7: the model: condition holds when the model's "
		       "probability of a complaint is above it", s);
		return -1;
	}
	*out = x;
	return 0;
}

/* model: {name: N, above: 0.7}: the named model's probability of a complaint above 0.7. */
static long
loader_model(struct loader *L, struct yfile *yf, yaml_node_t *n)
{
	yaml_node_t *v;
	const char *name = NULL;
	double above = 0;
	size_t m = 0;
	int bad = 0;

	if (!yis_map(n)) {
		yerror(L->d, yf, n, "model must be a mapping " MODEL_HOW ", not %s", ynode_kind(n));
		return -1;
	}
	if (ycheck_keys(L->d, yf, n, "model", model_keys, NKEYS(model_keys)))
		bad = 1;
	if ((v = ymap_get(yf, n, "name")) == NULL) {
		yerror(L->d, yf, n, "model needs 'name:', the name of a model of keluhd.yaml's "
		       "models:, " MODEL_HOW);
		bad = 1;
	} else if (yget_string(L->d, yf, v, "the model's name", &name) < 0)
		bad = 1;
	else {
		for (m = 0; m < L->rs->nmodels; m++)
			if (strcmp(L->rs->models[m].name, name) == 0)
				break;
		if (m == L->rs->nmodels) {
			loader_unknown_model(L, yf, v, name);
			bad = 1;
		}
	}
	if ((v = ymap_get(yf, n, "above")) == NULL) {
		yerror(L->d, yf, n, "model needs 'above:', the probability of a complaint (0 to 1) "
		       "the model must give for the condition to hold, " MODEL_HOW);
		bad = 1;
	} else if (loader_above(L, yf, v, &above) < 0)
		bad = 1;
	if (bad)
		return -1;
	uint32_t *items = xmalloc(sizeof(uint32_t));

	items[0] = rules_add_mcond(L->rs, (uint32_t)m, above);
	return rules_add_cond(L->rs, COND_MODEL, items, 1);
}

/* The draft's live set's model of that name and file, shared; NULL when it has none. */
static struct model *
loader_model_shared(const struct loader *L, const struct rules_model_spec *ms)
{
	const struct ruleset *from = L->draft ? L->draft->models_of : NULL;

	for (size_t i = 0; from && i < from->nmodels; i++) {
		const struct rs_model *x = &from->models[i];

		if (x->m && strcmp(x->name, ms->name) == 0 && strcmp(x->file, ms->file) == 0)
			return model_ref(x->m);
	}
	return NULL;
}

/*
 * The spec's models, loaded before any rule so that model: conditions can
 * name them. A file that does not load is an error where the model was
 * given: the set is refused, and on a reload the old one keeps running.
 */
static void
loader_models(struct loader *L)
{
	char err[512];

	for (size_t i = 0; L->spec && i < L->spec->nmodels; i++) {
		const struct rules_model_spec *ms = &L->spec->models[i];
		struct model *m = loader_model_shared(L, ms);

		if (m == NULL)
			m = model_load(ms->file, err, sizeof(err));

		/* kept without its model, so that the rules naming it say nothing more */
		if (m == NULL)
			diag_error(L->d, ms->where, ms->line, ms->col,
			           "model '%s' does not load: %s", ms->name, err);
		rules_add_model(L->rs, ms->name, ms->file, m, ms->score);
	}
}

static long loader_cond(struct loader *L, struct yfile *yf, yaml_node_t *n, const char *where,
    unsigned depth);

static long
loader_cond_list(struct loader *L, struct yfile *yf, yaml_node_t *n, enum cond_type type,
    const char *key, unsigned depth)
{
	uint32_t *items = NULL, nitems = 0;
	size_t len = yseq_len(n);
	int bad = 0;

	if (!yis_seq(n)) {
		yerror(L->d, yf, n, "'%s' must be a list of conditions (each a '- keywords: [...]', "
		    "'- regex: ...' or a nested any/all/none), not %s", key, ynode_kind(n));
		return -1;
	}
	if (len == 0) {
		yerror(L->d, yf, n, "'%s' is an empty list; give it at least one condition or remove "
		    "it", key);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		long c = loader_cond(L, yf, yseq_item(yf, n, i), key, depth);

		if (c < 0)
			bad = 1;
		else {
			items = xreallocarray(items, nitems + 1, sizeof(uint32_t));
			items[nitems++] = (uint32_t)c;
		}
	}
	if (bad) {
		free(items);
		return -1;
	}
	return rules_add_cond(L->rs, type, items, nitems);
}

/*
 * depth counts the any/all/none above n: the compiler and the classifier
 * walk condition trees recursively, so their depth is bounded here.
 */
static long
loader_cond(struct loader *L, struct yfile *yf, yaml_node_t *n, const char *where,
    unsigned depth)
{
	uint32_t *items = NULL, nitems = 0;
	size_t len;
	int bad = 0;

	if (depth > RULES_MAX_DEPTH) {
		yerror(L->d, yf, n, "conditions nested deeper than %d; flatten them (an 'any' "
		    "directly inside an 'any' is one 'any' with both lists)", RULES_MAX_DEPTH);
		return -1;
	}
	if (!yis_map(n)) {
		yerror(L->d, yf, n, "a condition in '%s' must be a mapping such as 'keywords: [...]' "
		    "or 'regex: ...', not %s", where, ynode_kind(n));
		return -1;
	}
	if ((len = ymap_len(n)) == 0) {
		yerror(L->d, yf, n,
		       "empty condition in '%s'; use any, all, none, keywords, regex, "
		       "near, rating or model",
		       where);
		return -1;
	}
	if (ycheck_keys(L->d, yf, n, "a condition", cond_keys, NKEYS(cond_keys)))
		bad = 1;
	for (size_t i = 0; i < len && !bad; i++) {
		const char *k = yscalar(ymap_key(yf, n, i));
		yaml_node_t *v = ymap_value(yf, n, i);
		long c;

		if (strcmp(k, "any") == 0)
			c = loader_cond_list(L, yf, v, COND_ANY, k, depth + 1);
		else if (strcmp(k, "all") == 0)
			c = loader_cond_list(L, yf, v, COND_ALL, k, depth + 1);
		else if (strcmp(k, "none") == 0)
			c = loader_cond_list(L, yf, v, COND_NONE, k, depth + 1);
		else if (strcmp(k, "keywords") == 0)
			c = loader_keywords(L, yf, v);
		else if (strcmp(k, "near") == 0)
			c = loader_near(L, yf, v);
		else if (strcmp(k, "rating") == 0)
			c = loader_rating(L, yf, v);
		else if (strcmp(k, "model") == 0)
			c = loader_model(L, yf, v);
		else
			c = loader_regex(L, yf, v);
		if (c < 0) {
			bad = 1;
			continue;
		}
		items = xreallocarray(items, nitems + 1, sizeof(uint32_t));
		items[nitems++] = (uint32_t)c;
	}
	if (bad) {
		free(items);
		return -1;
	}
	if (nitems == 1) {
		long c = items[0];

		free(items);
		return c;
	}
	/* several keys in one mapping: all of them must hold */
	return rules_add_cond(L->rs, COND_ALL, items, nitems);
}

/* A language code as mentions carry it: two or three letters (ISO 639). */
static int
lang_code_valid(const char *s)
{
	size_t len = strlen(s);

	if (len < 2 || len > 3)
		return 0;
	for (; *s; s++)
		if (*s < 'a' || *s > 'z')
			return 0;
	return 1;
}

/* lang: id, or lang: [id, su]: the mention languages the rule may fire on. */
static int
loader_rule_lang(struct loader *L, struct yfile *yf, yaml_node_t *v, struct rs_rule *r)
{
	size_t n = yis_seq(v) ? yseq_len(v) : 1;
	const char *s;

	if (!yis_seq(v) && !(yis_scalar(v) && !yis_null(v))) {
		yerror(L->d, yf, v,
		       "lang must be a language code such as id, or a list such as "
		       "[id, su], not %s",
		       ynode_kind(v));
		return -1;
	}
	if (n == 0) {
		yerror(L->d, yf, v,
		       "lang is an empty list; name a language such as id, or remove "
		       "it to fire on every language");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item = yis_seq(v) ? yseq_item(yf, v, i) : v;

		if (yget_string(L->d, yf, item, "a language code", &s) < 0)
			return -1;
		if (!lang_code_valid(s)) {
			yerror(L->d, yf, item,
			       "lang '%s' is not a language code; write two or three "
			       "lowercase letters as mentions carry them (id, en, su)",
			       s);
			return -1;
		}
		r->langs = xreallocarray(r->langs, r->nlangs + 1, sizeof(char *));
		r->langs[r->nlangs++] = xstrdup(s);
	}
	return 0;
}

static void
loader_rule(struct loader *L, struct yfile *yf, yaml_node_t *n)
{
	struct rs_rule r;
	yaml_node_t *v;
	const char *s;
	long score = 0, when;
	int bad = 0;

	memset(&r, 0, sizeof(r));
	if (!yis_map(n)) {
		yerror(L->d, yf, n, "a rule must be a mapping with id, description, team, score and "
		    "when, not %s", ynode_kind(n));
		return;
	}
	if (ycheck_keys(L->d, yf, n, "a rule", rule_keys, NKEYS(rule_keys)))
		bad = 1;

	if ((v = ymap_get(yf, n, "id")) == NULL) {
		yerror(L->d, yf, n, "rule has no 'id'; give it a unique name such as 'billing.refund'");
		bad = 1;
	} else if (yget_string(L->d, yf, v, "id", &s) == 0) {
		if (!rules_valid_id(s)) {
			yerror(L->d, yf, v, "rule id '%s' may only use a-z, 0-9, '.', '_' and '-'", s);
			bad = 1;
		}
		for (size_t i = 0; i < L->rs->nrules; i++)
			if (strcmp(L->rs->rules[i].id, s) == 0) {
				yerror(L->d, yf, v, "duplicate rule id '%s' (first defined at %s:%u:%u); "
				    "rename one of them", s, L->rs->rules[i].file,
				    L->rs->rules[i].line, L->rs->rules[i].col);
				bad = 1;
				break;
			}
		r.id = xstrdup(s);
	} else
		bad = 1;

	if ((v = ymap_get(yf, n, "description")) != NULL) {
		if (yget_string(L->d, yf, v, "description", &s) == 0)
			r.description = xstrdup(s);
		else
			bad = 1;
	}
	if ((v = ymap_get(yf, n, "team")) != NULL) {
		if (yget_string(L->d, yf, v, "team", &s) == 0)
			r.team = xstrdup(s);
		else
			bad = 1;
	}
	if ((v = ymap_get(yf, n, "score")) == NULL) {
		yerror(L->d, yf, n, "rule '%s' has no 'score'; give it a whole number (see the "
		    "thresholds under 'scoring:')", r.id ? r.id : "?");
		bad = 1;
	} else if (yget_long(L->d, yf, v, "score", -1000, 1000, &score) < 0)
		bad = 1;
	if ((v = ymap_get(yf, n, "tags")) != NULL) {
		if (yget_list(L->d, yf, v, "tags", "[outage, vip]") < 0)
			bad = 1;
		else
			for (size_t i = 0; i < yseq_len(v); i++) {
				if (yget_string(L->d, yf, yseq_item(yf, v, i), "a tag", &s) < 0) {
					bad = 1;
					continue;
				}
				r.tags = xreallocarray(r.tags, r.ntags + 1, sizeof(char *));
				r.tags[r.ntags++] = xstrdup(s);
			}
	}
	if ((v = ymap_get(yf, n, "enabled")) != NULL) {
		int on = 1;

		if (yget_bool(L->d, yf, v, "enabled", &on) < 0)
			bad = 1;
		r.off = !on;
	}
	if ((v = ymap_get(yf, n, "lang")) != NULL && loader_rule_lang(L, yf, v, &r) < 0)
		bad = 1;
	if ((v = ymap_get(yf, n, "when")) == NULL) {
		yerror(L->d, yf, n, "rule '%s' has no 'when'; say which keywords or regexes make it "
		    "match", r.id ? r.id : "?");
		bad = 1;
		when = -1;
	} else
		when = loader_cond(L, yf, v, "when", 0);
	if (when < 0)
		bad = 1;

	if (bad) {
		if (r.id) {
			L->failed = xreallocarray(L->failed, L->nfailed + 1, sizeof(char *));
			L->failed[L->nfailed++] = r.id;
			r.id = NULL;
		}
		rules_rule_free(&r);
		return;
	}
	r.score = (int)score;
	r.when = (uint32_t)when;
	r.file = xstrdup(yf->path);
	r.line = ynode_line(n);
	r.col = ynode_col(n);
	if (L->rs->nrules == L->rs->caprules) {
		L->rs->caprules = L->rs->caprules ? L->rs->caprules * 2 : 64;
		L->rs->rules = xreallocarray(L->rs->rules, L->rs->caprules, sizeof(struct rs_rule));
	}
	L->rs->rules[L->rs->nrules++] = r;
}

static void
loader_lists(struct loader *L, struct yfile *yf, yaml_node_t *n)
{
	if (!yis_map(n)) {
		yerror(L->d, yf, n, "'lists' must be a mapping of name: [keywords], not %s",
		    ynode_kind(n));
		return;
	}
	for (size_t i = 0; i < ymap_len(n); i++) {
		yaml_node_t *kn = ymap_key(yf, n, i), *v = ymap_value(yf, n, i);
		const char *name = yscalar(kn);
		struct named_list *prev;
		uint32_t cap = 0;

		if (name == NULL || !rules_valid_id(name)) {
			yerror(L->d, yf, kn, "list name must be plain text using a-z, 0-9, '.', '_' "
			    "and '-'");
			continue;
		}
		if ((prev = loader_find_list(L, name)) != NULL) {
			yerror(L->d, yf, kn, "duplicate list '%s' (first defined at %s:%u:%u); "
			    "merge them or rename one", name, prev->yf->path, ynode_line(prev->node),
			    ynode_col(prev->node));
			continue;
		}
		L->lists = xreallocarray(L->lists, L->nlists + 1, sizeof(*L->lists));
		prev = &L->lists[L->nlists++];
		memset(prev, 0, sizeof(*prev));
		prev->name = xstrdup(name);
		prev->yf = yf;
		prev->node = kn;
		if (yis_scalar(v) && !yis_null(v)) {
			yget_list(L->d, yf, v, name, "[refund, 'uang kembali']");
			continue;
		}
		if (!yis_seq(v) || yseq_len(v) == 0) {
			yerror(L->d, yf, v, "list '%s' must be a non-empty list of keywords, not %s",
			    name, yis_seq(v) ? "an empty list" : ynode_kind(v));
			continue;
		}
		loader_list_begin(L);
		for (size_t j = 0; j < yseq_len(v); j++) {
			yaml_node_t *item = yseq_item(yf, v, j);
			const char *s = yscalar(item);
			long id;

			if (s && s[0] == '@') {
				yerror(L->d, yf, item, "a list cannot refer to another list ('%s'); "
				    "refer to both lists from the rule instead", s);
				continue;
			}
			if ((id = loader_keyword(L, yf, item)) >= 0)
				push_id(L, &prev->kws, &prev->nkws, &cap, (uint32_t)id);
		}
	}
}

static void
loader_scoring(struct loader *L, struct yfile *yf, yaml_node_t *n)
{
	struct ruleset *rs = L->rs;
	yaml_node_t *t, *b, *v;
	static const enum prio order[] = { PRIO_CRITICAL, PRIO_HIGH, PRIO_NORMAL, PRIO_LOW };

	if (L->scoring_file) {
		yerror(L->d, yf, n, "'scoring' is already set in %s:%u; keep one 'scoring:' block "
		    "for all rule files", L->scoring_file->path, ynode_line(L->scoring_node));
		return;
	}
	L->scoring_file = yf;
	L->scoring_node = n;
	if (!yis_map(n)) {
		yerror(L->d, yf, n, "'scoring' must be a mapping with thresholds and boosts");
		return;
	}
	ycheck_keys(L->d, yf, n, "scoring", scoring_keys, NKEYS(scoring_keys));
	if ((v = ymap_get(yf, n, "max_extra")) != NULL) {
		long x;

		if (yget_long(L->d, yf, v, "max_extra", 0, 100000, &x) == 0)
			rs->max_extra = (int)x;
	}
	if ((t = ymap_get(yf, n, "thresholds")) != NULL) {
		if (!yis_map(t))
			yerror(L->d, yf, t, "'thresholds' must be a mapping such as {critical: 80, "
			    "high: 50, normal: 25, low: 10}");
		else {
			ycheck_keys(L->d, yf, t, "thresholds", threshold_keys,
			    NKEYS(threshold_keys));
			for (size_t i = 0; i < NKEYS(order); i++) {
				long x;

				if ((v = ymap_get(yf, t, prio_name(order[i]))) != NULL &&
				    yget_long(L->d, yf, v, prio_name(order[i]), 1, 100000, &x) == 0)
					rs->thresholds[order[i]] = (int)x;
			}
			for (size_t i = 0; i + 1 < NKEYS(order); i++) {
				yaml_node_t *at;

				if (rs->thresholds[order[i]] > rs->thresholds[order[i + 1]])
					continue;
				/* point at whichever of the two the author wrote */
				at = ymap_get(yf, t, prio_name(order[i + 1]));
				if (at == NULL)
					at = ymap_get(yf, t, prio_name(order[i]));
				yerror(L->d, yf, at ? at : t, "thresholds must fall from critical to "
				    "low (%s %d is not above %s %d)", prio_name(order[i]),
				    rs->thresholds[order[i]], prio_name(order[i + 1]),
				    rs->thresholds[order[i + 1]]);
			}
		}
	}
	if ((b = ymap_get(yf, n, "boosts")) != NULL) {
		if (!yis_map(b)) {
			yerror(L->d, yf, b, "'boosts' must be a mapping with followers and verified");
			return;
		}
		ycheck_keys(L->d, yf, b, "boosts", boost_keys, NKEYS(boost_keys));
		if ((v = ymap_get(yf, b, "verified")) != NULL) {
			long x;

			if (yget_long(L->d, yf, v, "verified", -1000, 1000, &x) == 0)
				rs->verified_add = (int)x;
		}
		if ((v = ymap_get(yf, b, "followers")) != NULL) {
			if (!yis_seq(v)) {
				yerror(L->d, yf, v, "'followers' must be a list of {at_least: N, add: "
				    "M} steps");
				return;
			}
			for (size_t i = 0; i < yseq_len(v); i++) {
				yaml_node_t *st = yseq_item(yf, v, i), *a, *d;
				long at, add;

				if (!yis_map(st)) {
					yerror(L->d, yf, st, "a followers step must be {at_least: N, "
					    "add: M}, not %s", ynode_kind(st));
					continue;
				}
				ycheck_keys(L->d, yf, st, "a followers step", step_keys,
				    NKEYS(step_keys));
				a = ymap_get(yf, st, "at_least");
				d = ymap_get(yf, st, "add");
				if (a == NULL || d == NULL) {
					yerror(L->d, yf, st, "a followers step needs both at_least and "
					    "add");
					continue;
				}
				if (yget_long(L->d, yf, a, "at_least", 0, LONG_MAX, &at) < 0 ||
				    yget_long(L->d, yf, d, "add", -1000, 1000, &add) < 0)
					continue;
				if (rs->nfollower_steps &&
				    rs->follower_steps[rs->nfollower_steps - 1].at_least >= at) {
					yerror(L->d, yf, a, "followers steps must be in rising order of "
					    "at_least");
					continue;
				}
				rs->follower_steps = xreallocarray(rs->follower_steps,
				    rs->nfollower_steps + 1, sizeof(struct rs_step));
				rs->follower_steps[rs->nfollower_steps].at_least = at;
				rs->follower_steps[rs->nfollower_steps++].add = (int)add;
			}
		}
	}
}

/* The bounds on regex work (see rules_int.h); one 'limits:' for all files. */
static void
loader_limits(struct loader *L, struct yfile *yf, yaml_node_t *n)
{
	struct ruleset *rs = L->rs;
	size_t *const dst[] = { &rs->regex_window, &rs->regex_tail_window, &rs->regex_work,
		&rs->regex_batch_work };
	static const long lo[] = { 256, 64, 256, 0 }, hi[] = { 65536, 65536, 16 << 20, 1L << 30 };

	if (L->limits_file) {
		yerror(L->d, yf, n, "'limits' is already set in %s:%u; keep one 'limits:' block "
		    "for all rule files", L->limits_file->path, ynode_line(L->limits_node));
		return;
	}
	L->limits_file = yf;
	L->limits_node = n;
	if (!yis_map(n)) {
		yerror(L->d, yf, n, "'limits' must be a mapping such as {regex_window: 4096, "
		    "regex_work: 65536}, not %s", ynode_kind(n));
		return;
	}
	ycheck_keys(L->d, yf, n, "limits", limit_keys, NKEYS(limit_keys));
	for (size_t i = 0; i < NKEYS(limit_keys); i++) {
		yaml_node_t *v = ymap_get(yf, n, limit_keys[i]);
		long x;

		if (v && yget_long(L->d, yf, v, limit_keys[i], lo[i], hi[i], &x) == 0)
			*dst[i] = (size_t)x;
	}
}

static const char *
test_str(struct rs_test *t, const char *s)
{
	t->strs = xreallocarray(t->strs, t->nstrs + 1, sizeof(char *));
	return t->strs[t->nstrs++] = xstrdup(s);
}

static int
loader_test_ids(struct loader *L, struct yfile *yf, yaml_node_t *v, struct rs_test *t,
    const char *key, const char ***out, size_t *n)
{
	const char **arr = NULL;
	size_t cnt = 0;
	const char *s;

	if (yget_list(L->d, yf, v, key, "[money.refund, access.login]") < 0)
		return -1;
	for (size_t i = 0; i < yseq_len(v); i++) {
		yaml_node_t *item = yseq_item(yf, v, i);

		if (yget_string(L->d, yf, item, "a rule id", &s) < 0)
			continue;
		arr = xreallocarray(arr, cnt + 1, sizeof(char *));
		arr[cnt++] = test_str(t, s);
	}
	*out = arr;
	*n = cnt;
	return 0;
}

static void
loader_tests(struct loader *L, struct yfile *yf, yaml_node_t *n)
{
	struct ruleset *rs = L->rs;

	if (!yis_seq(n)) {
		yerror(L->d, yf, n, "'tests' must be a list of {text: ..., rules: [...], priority: "
		    "...} expectations");
		return;
	}
	for (size_t i = 0; i < yseq_len(n); i++) {
		yaml_node_t *item = yseq_item(yf, n, i), *v;
		struct rs_test t;
		const char *s;

		memset(&t, 0, sizeof(t));
		t.pub.want_priority = -1;
		t.pub.want_complaint = -1;
		t.pub.followers = -1;
		if (!yis_map(item)) {
			yerror(L->d, yf, item, "a test must be a mapping with at least 'text'");
			continue;
		}
		ycheck_keys(L->d, yf, item, "a test", test_keys, NKEYS(test_keys));
		if ((v = ymap_get(yf, item, "text")) == NULL) {
			yerror(L->d, yf, item, "a test needs 'text': the mention to classify");
			continue;
		}
		if (yget_string(L->d, yf, v, "text", &s) < 0)
			continue;
		t.pub.text = test_str(&t, s);
		t.pub.file = test_str(&t, yf->path);
		t.pub.line = ynode_line(item);
		t.pub.col = ynode_col(item);
		if ((v = ymap_get(yf, item, "rules")) != NULL)
			loader_test_ids(L, yf, v, &t, "rules", (const char ***)&t.pub.want_rules,
			    &t.pub.n_want_rules);
		if ((v = ymap_get(yf, item, "not_rules")) != NULL)
			loader_test_ids(L, yf, v, &t, "not_rules", (const char ***)&t.pub.not_rules,
			    &t.pub.n_not_rules);
		if ((v = ymap_get(yf, item, "priority")) != NULL &&
		    yget_string(L->d, yf, v, "priority", &s) == 0) {
			enum prio p;

			if (prio_parse(s, &p) < 0)
				yerror(L->d, yf, v, "unknown priority '%s'; use critical, high, normal, "
				    "low or none", s);
			else
				t.pub.want_priority = (int)p;
		}
		if ((v = ymap_get(yf, item, "complaint")) != NULL)
			yget_bool(L->d, yf, v, "complaint", &t.pub.want_complaint);
		if ((v = ymap_get(yf, item, "team")) != NULL &&
		    yget_string(L->d, yf, v, "team", &s) == 0)
			t.pub.team = test_str(&t, s);
		if ((v = ymap_get(yf, item, "lang")) != NULL &&
		    yget_string(L->d, yf, v, "lang", &s) == 0)
			t.pub.lang = test_str(&t, s);
		if ((v = ymap_get(yf, item, "rating")) != NULL) {
			long stars;

			if (yget_long(L->d, yf, v, "rating (the review's stars)", 1, 5, &stars) == 0)
				t.pub.rating = (int)stars;
		}
		if ((v = ymap_get(yf, item, "author")) != NULL) {
			yaml_node_t *a;

			if (!yis_map(v))
				yerror(L->d, yf, v, "'author' must be {followers: N, verified: "
				    "true|false}");
			else {
				ycheck_keys(L->d, yf, v, "author", author_keys, NKEYS(author_keys));
				if ((a = ymap_get(yf, v, "followers")) != NULL)
					yget_long(L->d, yf, a, "followers", 0, LONG_MAX,
					    &t.pub.followers);
				if ((a = ymap_get(yf, v, "verified")) != NULL)
					yget_bool(L->d, yf, a, "verified", &t.pub.verified);
			}
		}
		if (rs->ntests == rs->captests) {
			rs->captests = rs->captests ? rs->captests * 2 : 32;
			rs->tests = xreallocarray(rs->tests, rs->captests, sizeof(*rs->tests));
		}
		rs->tests[rs->ntests++] = t;
	}
}

static int
loader_failed(const struct loader *L, const char *id)
{
	for (size_t i = 0; i < L->nfailed; i++)
		if (strcmp(L->failed[i], id) == 0)
			return 1;
	return 0;
}

/* Checks that tests name rules that exist, once every file is read. */
static void
loader_check_test_ids(struct loader *L)
{
	struct ruleset *rs = L->rs;
	const char **ids = xcalloc(rs->nrules + 1, sizeof(char *));

	for (size_t i = 0; i < rs->nrules; i++)
		ids[i] = rs->rules[i].id;
	for (size_t i = 0; i < rs->ntests; i++) {
		const struct rules_test *t = &rs->tests[i].pub;

		if (t->skip)
			continue; /* it names a disabled rule: that is said at --verify */
		for (int pass = 0; pass < 2; pass++) {
			const char *const *arr = pass ? t->not_rules : t->want_rules;
			size_t n = pass ? t->n_not_rules : t->n_want_rules;

			for (size_t j = 0; j < n; j++) {
				size_t k;

				for (k = 0; k < rs->nrules; k++)
					if (strcmp(ids[k], arr[j]) == 0)
						break;
				if (k < rs->nrules || loader_failed(L, arr[j]))
					continue;
				const char *s = diag_suggest(arr[j], ids, rs->nrules);

				if (s)
					diag_error(L->d, t->file, t->line, t->col,
					    "test names unknown rule '%s'; did you mean '%s'?", arr[j],
					    s);
				else
					diag_error(L->d, t->file, t->line, t->col,
					    "test names unknown rule '%s'", arr[j]);
			}
		}
	}
	free(ids);
}

static struct ruleset *
loader_run(struct loader *L, const char *const *paths, size_t n)
{
	size_t errors0 = L->d->errors;

	L->rs = rules_new();
	loader_models(L);
	L->files = xcalloc(n ? n : 1, sizeof(struct yfile));
	L->nfiles = n;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *root, *v;

		if (i == L->draft_at ? yfile_load_string(&L->files[i], L->draft->name,
		                                         L->draft->text, L->draft->len, L->d) < 0
		                     : yfile_load(&L->files[i], paths[i], L->d) < 0)
			continue;
		root = yfile_root(&L->files[i]);
		if (root == NULL)
			continue;
		if (!yis_map(root)) {
			yerror(L->d, &L->files[i], root, "a rule file must be a mapping with lists, "
			    "rules, scoring and tests, not %s", ynode_kind(root));
			continue;
		}
		ycheck_keys(L->d, &L->files[i], root, "a rule file", top_keys, NKEYS(top_keys));
		if ((v = ymap_get(&L->files[i], root, "lists")) != NULL)
			loader_lists(L, &L->files[i], v);
	}
	for (size_t i = 0; i < n; i++) {
		struct yfile *yf = &L->files[i];
		yaml_node_t *root = yfile_root(yf), *v;

		if (!yis_map(root))
			continue;
		if ((v = ymap_get(yf, root, "scoring")) != NULL)
			loader_scoring(L, yf, v);
		if ((v = ymap_get(yf, root, "limits")) != NULL)
			loader_limits(L, yf, v);
		if ((v = ymap_get(yf, root, "rules")) != NULL) {
			if (!yis_seq(v))
				yerror(L->d, yf, v, "'rules' must be a list of rules ('- id: ...'), "
				    "not %s", ynode_kind(v));
			else
				for (size_t j = 0; j < yseq_len(v); j++)
					loader_rule(L, yf, yseq_item(yf, v, j));
		}
		if ((v = ymap_get(yf, root, "tests")) != NULL)
			loader_tests(L, yf, v);
		if ((v = ymap_get(yf, root, "disable")) != NULL)
			rules_spec_parse_disable(&L->sel, L->d, yf, v);
		if ((v = ymap_get(yf, root, "override")) != NULL)
			rules_spec_parse_override(&L->sel, L->d, yf, v);
	}
	if (L->d->errors == errors0)
		rules_select_apply(L->rs, &L->sel, L->d);
	loader_check_test_ids(L);
	L->rs->nfiles = n;
	L->rs->nlists = L->nlists;

	for (size_t i = 0; i < L->nlists; i++) {
		free(L->lists[i].name);
		free(L->lists[i].kws);
	}
	free(L->lists);
	free(L->mark);
	for (size_t i = 0; i < L->nfailed; i++)
		free(L->failed[i]);
	free(L->failed);
	for (size_t i = 0; i < n; i++)
		yfile_free(&L->files[i]);
	free(L->files);
	if (L->d->errors > errors0) {
		rules_free(L->rs);
		return NULL;
	}
	L->rs->diag = L->d;
	rules_compile(L->rs);
	L->rs->diag = NULL;
	return L->rs;
}

/* Loads files with the disables and overrides of sel (or none); files[draft_at] from draft. */
static struct ruleset *
rules_load_files_sel(const char *const *files, size_t n, const struct rules_spec *sel,
                     const struct rules_draft *draft, size_t draft_at, struct diag *d)
{
	struct ruleset *rs;
	struct loader L;

	memset(&L, 0, sizeof(L));
	L.d = d;
	L.spec = sel;
	L.draft = draft;
	L.draft_at = draft ? draft_at : SIZE_MAX;
	rules_spec_init(&L.sel);
	if (sel)
		rules_select_merge(&L.sel, sel);
	rs = loader_run(&L, files, n);
	rules_spec_free(&L.sel);
	return rs;
}

struct ruleset *
rules_load_files(const char *const *files, size_t n, struct diag *d)
{
	return rules_load_files_sel(files, n, NULL, NULL, 0, d);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_yaml_name(const char *s)
{
	size_t len = strlen(s);

	if (s[0] == '.')
		return 0;
	return (len > 5 && strcmp(s + len - 5, ".yaml") == 0) ||
	       (len > 4 && strcmp(s + len - 4, ".yml") == 0);
}

/* Appends the rule files of dir, in name order; -1 when dir cannot be read. */
static int
add_dir_files(const char *dir, char ***paths, size_t *n, struct diag *d)
{
	struct dirent *de;
	size_t first = *n;
	DIR *dp;

	if ((dp = opendir(dir)) == NULL) {
		diag_error(d, dir, 0, 0, "cannot read the rules directory: %s", strerror(errno));
		return -1;
	}
	while ((de = readdir(dp)) != NULL) {
		if (!is_yaml_name(de->d_name))
			continue;
		*paths = xreallocarray(*paths, *n + 1, sizeof(char *));
		(*paths)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(dp);
	if (*n - first > 1)
		qsort(*paths + first, *n - first, sizeof(char *), name_cmp);
	for (size_t i = first; i < *n; i++) {
		char *full = xasprintf("%s/%s", dir, (*paths)[i]);

		free((*paths)[i]);
		(*paths)[i] = full;
	}
	return 0;
}

int
rules_draft_name_valid(const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);

	if (len == 0 || len > 255 || strchr(name, '/') || name[0] == '.' ||
	    len <= 5 || strcmp(name + len - 5, ".yaml") != 0) {
		snprintf(err, errlen, "a rule file name is a plain name ending in .yaml, such as "
		         "billing.yaml (no directory, not starting with a dot), not '%.64s'", name);
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f || name[i] == '\\') {
			snprintf(err, errlen, "a rule file name has no control characters or "
			         "backslashes");
			return -1;
		}
	return 0;
}

/*
 * Where the draft goes among paths: the index of the user directory's
 * file of its name, or a new path of that name inserted in name order
 * among the user directory's files (appended when the directory is
 * missing or not in the spec). Returns its index.
 */
static size_t
draft_place(const struct rules_spec *spec, const struct rules_draft *draft, char ***paths,
            size_t *n, size_t user_first, size_t user_end)
{
	const char *dir = spec->user_dir ? spec->user_dir
	                  : spec->ndirs  ? spec->dirs[spec->ndirs - 1]
	                                 : ".";
	char *full = xasprintf("%s/%s", dir, draft->name);
	size_t at = user_end;

	for (size_t i = user_first; i < user_end; i++) {
		int c = strcmp((*paths)[i], full);

		if (c == 0) {
			free(full);
			return i;
		}
		if (c > 0 && at == user_end)
			at = i;
	}
	*paths = xreallocarray(*paths, *n + 1, sizeof(char *));
	memmove(*paths + at + 1, *paths + at, (*n - at) * sizeof(char *));
	(*paths)[at] = full;
	(*n)++;
	return at;
}

static struct ruleset *
load_spec(const struct rules_spec *spec, const struct rules_draft *draft, struct diag *d)
{
	struct ruleset *rs = NULL;
	char **paths = NULL;
	size_t n = 0, errors0 = d->errors, user_first = SIZE_MAX, user_end = 0, draft_at = 0;

	for (size_t i = 0; i < spec->ndirs; i++) {
		int user = spec->user_dir ? strcmp(spec->dirs[i], spec->user_dir) == 0
		                          : i + 1 == spec->ndirs;

		/* the user's directory may be absent: a fresh setup runs the packs alone */
		if (spec->user_dir && user && access(spec->dirs[i], F_OK) < 0 && errno == ENOENT &&
		    (spec->ndirs > 1 || draft))
			continue;
		if (user && user_first == SIZE_MAX)
			user_first = n;
		add_dir_files(spec->dirs[i], &paths, &n, d);
		if (user)
			user_end = n;
	}
	if (user_first == SIZE_MAX)
		user_first = user_end = n;
	if (draft && d->errors == errors0)
		draft_at = draft_place(spec, draft, &paths, &n, user_first, user_end);
	if (d->errors == errors0) {
		if (n == 0)
			diag_warning(
			    d, spec->ndirs ? spec->dirs[0] : "rules", 0, 0,
			    "no *.yaml rule files: nothing will be classified as a complaint");
		rs = rules_load_files_sel((const char *const *)paths, n, spec, draft, draft_at, d);
	}
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return rs;
}

struct ruleset *
rules_load_spec(const struct rules_spec *spec, struct diag *d)
{
	return load_spec(spec, NULL, d);
}

struct ruleset *
rules_load_spec_draft(const struct rules_spec *spec, const struct rules_draft *draft,
                      struct diag *d)
{
	char err[256];

	if (rules_draft_name_valid(draft->name, err, sizeof(err)) < 0) {
		diag_error(d, draft->name, 0, 0, "%s", err);
		return NULL;
	}
	if (draft->len > RULES_DRAFT_MAX) {
		diag_error(d, draft->name, 0, 0, "the draft is %zu bytes; at most %d are checked",
		           draft->len, RULES_DRAFT_MAX);
		return NULL;
	}
	return load_spec(spec, draft, d);
}

struct ruleset *
rules_load_dir(const char *dir, struct diag *d)
{
	struct rules_spec spec;
	struct ruleset *rs;

	rules_spec_init(&spec);
	rules_spec_add_dir(&spec, dir);
	rs = rules_load_spec(&spec, d);
	rules_spec_free(&spec);
	return rs;
}
