#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/model.h"
#include "engine/normalize.h"
#include "lib/util.h"

/*
 * The file (keluh-model(5)): a text header of "key value" lines, then the
 * weights as raw bytes.
 *
 *   keluh-model 2                the format's version (MODEL_FILE_VERSION)
 *   seed 1                       the n-gram hash seed (decimal, 64 bits)
 *   bits 18                      the table has 2^bits weights
 *   norm 1                       NORM_VERSION of the folding it was trained on
 *   date 2026-12-07T06:00:00Z    when it was trained, "-" when not given
 *   labels 812 1730              complaints and not-complaints it saw
 *   cv-f1 0.8123                 cross-validated F1 of "complaint"
 *   folds 5                      ... over this many folds (0: not measured)
 *   bias -0.57121398             the log-odds of an empty text (%.17g)
 *   scale 4.5781e-05             one step of a quantised weight (%.17g)
 *   weights 262144 int16le       then exactly 2^bits little-endian int16
 *
 * The keys come in this order, each once; the weights end the file. A
 * weight is q * scale: quantising to 16 bits halves the table against
 * floats, so more of it stays in the cache while scoring, and costs nothing
 * measurable in F1. Nothing in the file depends on the machine that wrote
 * it, and the same training gives the same bytes.
 */
#define MODEL_MAGIC      "keluh-model"
#define MODEL_HEADER_MAX 4096
#define MODEL_LINE_MAX   200
#define HDR_DAMAGED      "the file was edited or damaged: train it again with keluhctl learn"

/* Hashing constants: odd multipliers (from splitmix64) and tags per n-gram kind. */
#define H_MUL  0x9e3779b97f4a7c15ULL
#define H_MUL2 0xbf58476d1ce4e5b9ULL
#define H_WORD 0x94d049bb133111ebULL
#define H_UNI  0x2545f4914f6cdd1dULL
#define H_BI   0xd6e8feb86659fd93ULL

#define SGD_ETA0 2.0

struct model {
	unsigned bits;
	uint64_t seed, hseed;
	double bias, scale;
	int16_t *w; /* 2^bits */
	struct model_info info;
	char *name;
	atomic_uint refs; /* model_ref's, plus the maker's */
};

/* Model files read since the program started (model_files_read). */
static atomic_ulong files_read;

/* A feature occurrence as explain sees it: the slot, its kind, its code points [a, b]. */
enum feat_kind { FEAT_CHAR, FEAT_WORD, FEAT_PAIR };
struct feat {
	uint32_t idx;
	uint8_t kind;
	uint32_t a, b; /* code point numbers in the framed text (0 is the leading space) */
};

struct unit {
	uint32_t fs, fe; /* folded byte span */
	double weight;
};

struct model_scratch {
	struct norm_buf nb;
	uint32_t *idx;
	size_t capidx;
	/* explain only */
	struct feat *feats;
	size_t capfeats;
	uint32_t *cpoff; /* framed code point -> folded byte offset (start) */
	int32_t *tok;    /* framed code point -> its token's unit, -1 for none */
	struct unit *units;
	size_t capcp;
};

static uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
model_hash_seed(uint64_t seed)
{
	uint64_t s = seed;

	return splitmix64(&s);
}

void
model_opts_default(struct model_opts *o)
{
	o->bits = 18;
	o->l2 = 1e-5;
	o->epochs = 10;
	o->seed = 1;
}

/* --- features --------------------------------------------------------------- */

/* The code point at t[*i] (valid UTF-8: the fold's output), advancing *i. */
static inline uint32_t
model_next_cp(const unsigned char *t, size_t *i)
{
	uint32_t c = t[*i];

	if (c < 0x80) {
		*i += 1;
		return c;
	}
	if (c < 0xe0) {
		c = (c & 0x1f) << 6 | (t[*i + 1] & 0x3f);
		*i += 2;
	} else if (c < 0xf0) {
		c = (c & 0x0f) << 12 | (uint32_t)(t[*i + 1] & 0x3f) << 6 | (t[*i + 2] & 0x3f);
		*i += 3;
	} else {
		c = (c & 0x07) << 18 | (uint32_t)(t[*i + 1] & 0x3f) << 12 |
		    (uint32_t)(t[*i + 2] & 0x3f) << 6 | (t[*i + 3] & 0x3f);
		*i += 4;
	}
	return c;
}

/* At most this many feature occurrences for folded text of flen bytes. */
static size_t
model_feat_cap(size_t flen)
{
	return 6 * flen + 16;
}

/*
 * Where model_extract puts each n-gram: added to sum (scoring: nothing is
 * stored), stored as a slot in idx (training), or with its kind and code
 * points in fe (explain). model_extract is inlined into each caller with
 * the others NULL, so each gets a loop of its own without the tests.
 */
enum sink_mode { SINK_SUM, SINK_IDX, SINK_FEAT };
struct sink {
	const int16_t *w; /* SINK_SUM, SINK_FEAT */
	int64_t sum;
	uint32_t *idx;   /* SINK_IDX */
	struct feat *fe; /* SINK_FEAT */
	size_t n;
	unsigned shift;
};

/* mode is a constant where this is inlined: each caller gets only its own branch */
static inline __attribute__((always_inline)) void
sink_put(struct sink *k, enum sink_mode mode, uint64_t h, enum feat_kind kind, uint32_t a,
         uint32_t b)
{
	uint32_t ix = (uint32_t)(h >> k->shift);

	if (mode != SINK_IDX)
		k->sum += k->w[ix];
	if (mode == SINK_IDX)
		k->idx[k->n] = ix;
	if (mode == SINK_FEAT)
		k->fe[k->n] = (struct feat){ix, (uint8_t)kind, a, b};
	k->n++;
}

/* ASCII word characters (normalize.c's: letters, digits, '_'); the rest asks utf8proc. */
static const uint8_t model_ascii_word[128] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['_'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1,
    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1,
    ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1,
    ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1,
    ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
};

/* What model_extract carries from one code point to the next. */
struct xstate {
	uint32_t c1, c2, c3, c4; /* the code points before this one; 0 before the frame */
	uint64_t wh, prev;       /* the hash of the word being read, of the one before; 0: none */
	uint32_t ncp, wstart, pstart;
};

/* The n-grams that end at code point c, the ncp'th of the framed text. */
static inline __attribute__((always_inline)) void
model_step(uint64_t hseed, enum sink_mode mode, struct sink *k, struct xstate *x, uint32_t c,
           int isw)
{
	uint32_t ncp = x->ncp;
	uint64_t h = (hseed ^ c) * H_MUL;

	h = (h ^ x->c1) * H_MUL;
	sink_put(k, mode, h, FEAT_CHAR, ncp - 1, ncp);
	h = (h ^ x->c2) * H_MUL;
	sink_put(k, mode, h, FEAT_CHAR, ncp >= 2 ? ncp - 2 : 0, ncp);
	h = (h ^ x->c3) * H_MUL;
	sink_put(k, mode, h, FEAT_CHAR, ncp >= 3 ? ncp - 3 : 0, ncp);
	h = (h ^ x->c4) * H_MUL;
	sink_put(k, mode, h, FEAT_CHAR, ncp >= 4 ? ncp - 4 : 0, ncp);
	x->c4 = x->c3;
	x->c3 = x->c2;
	x->c2 = x->c1;
	x->c1 = c;
	if (isw) {
		if (x->wh == 0) {
			x->wh = hseed ^ H_WORD;
			x->wstart = ncp;
		}
		x->wh = (x->wh ^ c) * H_MUL;
	} else if (x->wh != 0) {
		sink_put(k, mode, (x->wh ^ H_UNI) * H_MUL2, FEAT_WORD, x->wstart, ncp - 1);
		if (x->prev != 0)
			sink_put(k, mode, ((x->prev * H_MUL2) ^ x->wh ^ H_BI) * H_MUL, FEAT_PAIR,
			         x->pstart, ncp - 1);
		x->prev = x->wh;
		x->pstart = x->wstart;
		x->wh = 0;
	}
	x->ncp = ncp + 1;
}

/*
 * The n-grams of folded text t[0..len), framed by a space on each side,
 * into the sink. At each code point, the character n-grams of length 2
 * to 5 that end there are hashed backwards from it, one multiply per
 * length, with the four code points before it at hand (those before the
 * frame are 0, so every code point gives four); a word's hash is built as
 * it goes and gives its unigram and, with the word before it, its pair.
 * At most model_feat_cap(len) n-grams.
 */
static inline __attribute__((always_inline)) void
model_extract(uint64_t hseed, enum sink_mode mode, const char *text, size_t len, struct sink *k)
{
	const unsigned char *t = (const unsigned char *)text;
	struct xstate x = {' ', 0, 0, 0, 0, 0, 1, 0, 0};
	size_t i = 0;

	while (i < len) {
		uint32_t c = model_next_cp(t, &i);
		int isw = c < 0x80 ? model_ascii_word[c] : norm_is_word_cp((int32_t)c);

		model_step(hseed, mode, k, &x, c, isw);
	}
	model_step(hseed, mode, k, &x, ' ', 0);
}

static void
scratch_grow(struct model_scratch *s, size_t flen, int explain)
{
	size_t need = model_feat_cap(flen);

	if (need > s->capidx) {
		s->idx = xreallocarray(s->idx, need, sizeof(*s->idx));
		s->capidx = need;
	}
	if (!explain)
		return;
	if (need > s->capfeats) {
		s->feats = xreallocarray(s->feats, need, sizeof(*s->feats));
		s->units = xreallocarray(s->units, need, sizeof(*s->units));
		s->capfeats = need;
	}
	if (flen + 3 > s->capcp) {
		s->capcp = flen + 3;
		s->cpoff = xreallocarray(s->cpoff, s->capcp, sizeof(*s->cpoff));
		s->tok = xreallocarray(s->tok, s->capcp, sizeof(*s->tok));
	}
}

struct model_scratch *
model_scratch_new(void)
{
	struct model_scratch *s = xcalloc(1, sizeof(*s));

	norm_init(&s->nb);
	return s;
}

void
model_scratch_free(struct model_scratch *s)
{
	if (s == NULL)
		return;
	norm_free(&s->nb);
	free(s->idx);
	free(s->feats);
	free(s->cpoff);
	free(s->tok);
	free(s->units);
	free(s);
}

/* Folds as classify does: valid prefix only (classify refuses the rest). */
static void
model_fold(struct norm_buf *nb, const char *text, size_t len, int with_map)
{
	len = utf8_valid_prefix(text, len);
	if (with_map)
		norm_fold(nb, text, len);
	else
		norm_fold_text(nb, text, len);
	norm_redup(nb, with_map);
}

static double
model_sigmoid(double z)
{
	return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

/* bias + the weights of the n-grams / sqrt(their count): the log-odds. */
static double
model_logit(const struct model *m, int64_t sum, size_t n)
{
	return n == 0 ? m->bias : m->bias + m->scale * (double)sum / sqrt((double)n);
}

/*
 * model_extract's SINK_SUM by hand, for the scoring path: the same
 * n-grams and hashes with fewer values alive at once, so that they stay
 * in registers (a hash of 0 stands for "no word"; it is one in 2^64).
 * test_model checks that it agrees with the explanation's sum.
 */
static inline __attribute__((always_inline)) uint64_t
model_sum_step(const int16_t *w, unsigned shift, uint64_t hseed, uint32_t c, uint32_t c1,
               uint32_t c2, uint32_t c3, uint32_t c4, int64_t *sum)
{
	uint64_t h = (hseed ^ c) * H_MUL;
	int64_t s;

	h = (h ^ c1) * H_MUL;
	s = w[h >> shift];
	h = (h ^ c2) * H_MUL;
	s += w[h >> shift];
	h = (h ^ c3) * H_MUL;
	s += w[h >> shift];
	h = (h ^ c4) * H_MUL;
	*sum += s + w[h >> shift];
	return h;
}

static double
model_prob_scratch(const struct model *m, const char *f, size_t len)
{
	const unsigned char *t = (const unsigned char *)f;
	const int16_t *w = m->w;
	unsigned shift = 64 - m->bits;
	uint64_t hseed = m->hseed, wh = 0, prev = 0;
	uint32_t c1 = ' ', c2 = 0, c3 = 0, c4 = 0;
	int64_t sum = 0;
	size_t i = 0, steps = 1, words = 0, pairs = 0;

	while (i < len) {
		uint32_t c = model_next_cp(t, &i);
		int isw = c < 0x80 ? model_ascii_word[c] : norm_is_word_cp((int32_t)c);

		model_sum_step(w, shift, hseed, c, c1, c2, c3, c4, &sum);
		steps++;
		c4 = c3;
		c3 = c2;
		c2 = c1;
		c1 = c;
		if (isw) {
			wh = ((wh ? wh : hseed ^ H_WORD) ^ c) * H_MUL;
		} else if (wh) {
			sum += w[((wh ^ H_UNI) * H_MUL2) >> shift];
			words++;
			if (prev) {
				sum += w[(((prev * H_MUL2) ^ wh ^ H_BI) * H_MUL) >> shift];
				pairs++;
			}
			prev = wh;
			wh = 0;
		}
	}
	model_sum_step(w, shift, hseed, ' ', c1, c2, c3, c4, &sum);
	if (wh) {
		sum += w[((wh ^ H_UNI) * H_MUL2) >> shift];
		words++;
		if (prev) {
			sum += w[(((prev * H_MUL2) ^ wh ^ H_BI) * H_MUL) >> shift];
			pairs++;
		}
	}
	return model_sigmoid(model_logit(m, sum, 4 * steps + words + pairs));
}

double
model_prob_with(const struct model *m, struct model_scratch *s, const char *text, size_t len)
{
	model_fold(&s->nb, text, len, 0);
	return model_prob_scratch(m, s->nb.text, s->nb.len);
}

double
model_prob_folded(const struct model *m, struct model_scratch *s, const char *folded, size_t flen)
{
	(void)s;
	return model_prob_scratch(m, folded, flen);
}

double
model_prob(const struct model *m, const char *text, size_t len)
{
	struct model_scratch *s = model_scratch_new();
	double p = model_prob_with(m, s, text, len);

	model_scratch_free(s);
	return p;
}

/* --- explanation ------------------------------------------------------------ */

static int
unit_cmp_desc(const void *a, const void *b)
{
	const struct unit *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight < y->weight ? 1 : -1;
	if (x->fs != y->fs)
		return x->fs < y->fs ? -1 : 1;
	return (x->fe > y->fe) - (x->fe < y->fe);
}

static int
unit_cmp_asc(const void *a, const void *b)
{
	const struct unit *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? 1 : -1;
	if (x->fs != y->fs)
		return x->fs < y->fs ? -1 : 1;
	return (x->fe > y->fe) - (x->fe < y->fe);
}

/* Folded byte offset where framed code point k starts (the frame is empty). */
static uint32_t
cp_start(const struct model_scratch *s, uint32_t k, uint32_t ncp)
{
	return k == 0 ? 0 : k >= ncp - 1 ? (uint32_t)s->nb.len : s->cpoff[k];
}

static uint32_t
cp_end(const struct model_scratch *s, uint32_t k, uint32_t ncp)
{
	return k == 0 ? 0 : k >= ncp - 1 ? (uint32_t)s->nb.len : cp_start(s, k + 1, ncp);
}

/*
 * The tokens of the folded text: runs of word characters and runs of
 * other characters that are not white space ("??", an emoji). tok[k] is
 * the unit of framed code point k, -1 for a space or the frame; units
 * 0..ntok-1 are the tokens, in order. Returns ntok.
 */
static uint32_t
explain_tokens(struct model_scratch *s, uint32_t ncp)
{
	const unsigned char *t = (const unsigned char *)s->nb.text;
	uint32_t ntok = 0;
	int prev = 0; /* class of the code point before: 0 space, 1 word, 2 other */

	s->tok[0] = s->tok[ncp - 1] = -1;
	for (uint32_t k = 1; k + 1 < ncp; k++) {
		size_t i = s->cpoff[k];
		uint32_t c = model_next_cp(t, &i);
		int cls = c == ' '                                                         ? 0
		          : (c < 0x80 ? model_ascii_word[c] : norm_is_word_cp((int32_t)c)) ? 1
		                                                                           : 2;

		if (cls != 0 && cls != prev)
			s->units[ntok++] = (struct unit){cp_start(s, k, ncp), 0, 0};
		if (cls != 0)
			s->units[ntok - 1].fe = cp_end(s, k, ncp);
		s->tok[k] = cls != 0 ? (int32_t)ntok - 1 : -1;
		prev = cls;
	}
	return ntok;
}

/*
 * One unit per token (a word's unigram, and its share of every character
 * n-gram that touches it), and one per word pair. Returns the number of
 * units.
 */
static size_t
explain_units(const struct model *m, struct model_scratch *s, size_t nf, uint32_t ncp, double x)
{
	size_t nu = explain_tokens(s, ncp);

	for (size_t i = 0; i < nf; i++) {
		const struct feat *f = &s->feats[i];
		double c = m->scale * m->w[f->idx] * x;
		int32_t toks[5];
		uint32_t ntoks = 0;

		if (f->kind == FEAT_WORD) {
			s->units[s->tok[f->a]].weight += c;
			continue;
		}
		if (f->kind == FEAT_PAIR) {
			s->units[nu++] =
			    (struct unit){cp_start(s, f->a, ncp), cp_end(s, f->b, ncp), c};
			continue;
		}
		/* a character n-gram: shared by the tokens it touches (none: the frame alone) */
		for (uint32_t k = f->a; k <= f->b; k++)
			if (s->tok[k] >= 0 && (ntoks == 0 || toks[ntoks - 1] != s->tok[k]))
				toks[ntoks++] = s->tok[k];
		for (uint32_t j = 0; j < ntoks; j++)
			s->units[toks[j]].weight += c / ntoks;
	}
	return nu;
}

static void
explain_gram(const struct norm_buf *nb, uint32_t fs, uint32_t fe, char *out, size_t outlen)
{
	size_t n = fe - fs;

	if (n >= outlen) {
		n = outlen - 1;
		while (n > 0 && ((unsigned char)nb->text[fs + n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, nb->text + fs, n);
	out[n] = '\0';
}

size_t
model_explain_with(const struct model *m, struct model_scratch *s, const char *text, size_t len,
                   struct model_why *out, size_t max)
{
	struct sink k = {m->w, 0, NULL, NULL, 0, 64 - m->bits};
	size_t nu, got = 0;
	uint32_t ncp = 0;
	double z;

	model_fold(&s->nb, text, len, 1);
	scratch_grow(s, s->nb.len, 1);
	for (size_t i = 0; i < s->nb.len; ncp++) {
		s->cpoff[ncp + 1] = (uint32_t)i;
		model_next_cp((const unsigned char *)s->nb.text, &i);
	}
	ncp += 2;
	k.fe = s->feats;
	model_extract(m->hseed, SINK_FEAT, s->nb.text, s->nb.len, &k);
	z = model_logit(m, k.sum, k.n);
	nu = explain_units(m, s, k.n, ncp, k.n ? 1.0 / sqrt((double)k.n) : 0);
	qsort(s->units, nu, sizeof(*s->units), z >= 0 ? unit_cmp_desc : unit_cmp_asc);
	for (size_t j = 0; j < nu && got < max; j++) {
		const struct unit *u = &s->units[j];

		if (u->weight == 0 || u->fe <= u->fs)
			continue;
		out[got].start = s->nb.map[u->fs];
		out[got].end = s->nb.map[u->fe];
		if (out[got].end <= out[got].start) {
			/* the '-' of "X2" folded to "X-X" maps to the '2': show it there */
			if (out[got].start >= len)
				continue;
			out[got].end = out[got].start + 1;
			while (out[got].end < len &&
			       ((unsigned char)text[out[got].end] & 0xc0) == 0x80)
				out[got].end++;
		}
		out[got].weight = u->weight;
		explain_gram(&s->nb, u->fs, u->fe, out[got].gram, sizeof(out[got].gram));
		got++;
	}
	return got;
}

size_t
model_explain(const struct model *m, const char *text, size_t len, struct model_why *out,
              size_t max)
{
	struct model_scratch *s = model_scratch_new();
	size_t n = model_explain_with(m, s, text, len, out, max);

	model_scratch_free(s);
	return n;
}

/* --- training --------------------------------------------------------------- */

struct trainset {
	uint32_t *idx;
	size_t *off; /* example i's slots are idx[off[i]..off[i + 1]) */
	size_t n;
};

static void
trainset_build(struct trainset *ts, uint64_t hseed, unsigned bits, const struct model_example *ex,
               size_t n)
{
	struct model_scratch *s = model_scratch_new();
	size_t cap = 1024, used = 0;

	ts->idx = xmalloc(cap * sizeof(*ts->idx));
	ts->off = xmalloc((n + 1) * sizeof(*ts->off));
	ts->n = n;
	for (size_t i = 0; i < n; i++) {
		struct sink k;
		size_t need;

		model_fold(&s->nb, ex[i].text, ex[i].len, 0);
		need = model_feat_cap(s->nb.len);
		if (used + need > cap) {
			while (used + need > cap)
				cap *= 2;
			ts->idx = xreallocarray(ts->idx, cap, sizeof(*ts->idx));
		}
		ts->off[i] = used;
		k = (struct sink){NULL, 0, ts->idx + used, NULL, 0, 64 - bits};
		model_extract(hseed, SINK_IDX, s->nb.text, s->nb.len, &k);
		used += k.n;
	}
	ts->off[n] = used;
	model_scratch_free(s);
}

/*
 * SGD on the logistic loss + l2/2 |w|^2 per example, with the weights kept
 * as scale * v so that the L2 shrink of every weight costs one multiply
 * per step (Bottou's trick), and the step eta0 / (1 + eta0 * l2 * t).
 */
static double
train_sgd(const struct trainset *ts, const struct model_example *ex, double *v, size_t nslots,
          const struct model_opts *o)
{
	size_t *order = xmalloc(ts->n * sizeof(*order));
	uint64_t rng = o->seed;
	double scale = 1, bias = 0, t = 0;

	for (size_t i = 0; i < ts->n; i++)
		order[i] = i;
	for (unsigned e = 0; e < o->epochs; e++) {
		for (size_t i = ts->n; i > 1; i--) {
			size_t j = (size_t)(splitmix64(&rng) % i), tmp = order[i - 1];

			order[i - 1] = order[j];
			order[j] = tmp;
		}
		for (size_t r = 0; r < ts->n; r++) {
			size_t i = order[r], a = ts->off[i], b = ts->off[i + 1];
			double eta = SGD_ETA0 / (1 + SGD_ETA0 * o->l2 * t++), x, z = 0, g;

			x = b > a ? 1.0 / sqrt((double)(b - a)) : 0;
			for (size_t k = a; k < b; k++)
				z += v[ts->idx[k]];
			z = bias + scale * z * x;
			g = model_sigmoid(z) - (ex[i].label ? 1 : 0);
			scale *= 1 - eta * o->l2;
			for (size_t k = a; k < b; k++)
				v[ts->idx[k]] -= eta * g * x / scale;
			bias -= eta * g;
			if (scale < 1e-9) {
				for (size_t k = 0; k < nslots; k++)
					v[k] *= scale;
				scale = 1;
			}
		}
	}
	for (size_t k = 0; k < nslots; k++)
		v[k] *= scale;
	free(order);
	return bias;
}

static void
model_quantise(struct model *m, const double *v, size_t nslots)
{
	double maxabs = 0;

	for (size_t k = 0; k < nslots; k++)
		if (fabs(v[k]) > maxabs)
			maxabs = fabs(v[k]);
	m->scale = maxabs > 0 ? maxabs / 32767.0 : 1.0;
	for (size_t k = 0; k < nslots; k++)
		m->w[k] = (int16_t)lrint(v[k] / m->scale);
}

static struct model *
model_alloc(void)
{
	struct model *m = xcalloc(1, sizeof(*m));

	atomic_init(&m->refs, 1);
	return m;
}

static struct model *
model_new(unsigned bits, uint64_t seed)
{
	struct model *m = model_alloc();

	m->bits = bits;
	m->seed = seed;
	m->hseed = model_hash_seed(seed);
	m->w = xcalloc((size_t)1 << bits, sizeof(*m->w));
	m->info.seed = seed;
	m->info.norm_version = NORM_VERSION;
	return m;
}

static int
model_check_train(const struct model_example *ex, size_t n, const struct model_opts *o, char *err,
                  size_t errlen, unsigned *pos)
{
	*pos = 0;
	if (o->bits < MODEL_BITS_MIN || o->bits > MODEL_BITS_MAX) {
		snprintf(err, errlen, "bits %u is out of range: give %d to %d", o->bits,
		         MODEL_BITS_MIN, MODEL_BITS_MAX);
		return -1;
	}
	if (!(o->l2 > 0 && o->l2 < 1) || o->epochs == 0 || o->epochs > 1000) {
		snprintf(err, errlen, "l2 must be in (0, 1) and epochs in 1..1000");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		*pos += ex[i].label != 0;
	if (*pos == 0 || *pos == n) {
		snprintf(err, errlen,
		         "%zu examples, %u complaints: a model needs labelled complaints and "
		         "labelled non-complaints (label some of each)",
		         n, *pos);
		return -1;
	}
	return 0;
}

struct model *
model_train(const struct model_example *ex, size_t n, const struct model_opts *o, char *err,
            size_t errlen)
{
	struct trainset ts;
	struct model *m;
	size_t nslots;
	unsigned pos;
	double *v;

	if (model_check_train(ex, n, o, err, errlen, &pos) < 0)
		return NULL;
	m = model_new(o->bits, o->seed);
	nslots = (size_t)1 << o->bits;
	trainset_build(&ts, m->hseed, m->bits, ex, n);
	v = xcalloc(nslots, sizeof(*v));
	m->bias = train_sgd(&ts, ex, v, nslots, o);
	model_quantise(m, v, nslots);
	free(v);
	free(ts.idx);
	free(ts.off);
	m->info.n_pos = pos;
	m->info.n_neg = (unsigned)(n - pos);
	m->name = xstrdup("model");
	return m;
}

/* --- accessors -------------------------------------------------------------- */

struct model *
model_ref(struct model *m)
{
	atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
	return m;
}

void
model_free(struct model *m)
{
	/* the last holder frees; acq_rel so that it sees the others' reads done */
	if (m == NULL || atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) > 1)
		return;
	free(m->w);
	free(m->name);
	free(m);
}

const char *
model_name(const struct model *m)
{
	return m->name;
}

const struct model_info *
model_info(const struct model *m)
{
	return &m->info;
}

void
model_set_info(struct model *m, const struct model_info *info)
{
	m->info = *info;
	m->info.date[sizeof(m->info.date) - 1] = '\0';
	/* what the weights were made with is not the caller's to change */
	m->info.seed = m->seed;
	m->info.norm_version = NORM_VERSION;
}

unsigned
model_bits(const struct model *m)
{
	return m->bits;
}

/* --- the file --------------------------------------------------------------- */

static void
model_header(const struct model *m, struct buf *b)
{
	const struct model_info *in = &m->info;
	int date_ok = in->date[0] != '\0' && strpbrk(in->date, " \t\r\n") == NULL;

	buf_printf(b, "%s %d\n", MODEL_MAGIC, MODEL_FILE_VERSION);
	buf_printf(b, "seed %llu\nbits %u\nnorm %u\n", (unsigned long long)m->seed, m->bits,
	           in->norm_version);
	buf_printf(b, "date %s\nlabels %u %u\ncv-f1 %.4f\nfolds %u\n", date_ok ? in->date : "-",
	           in->n_pos, in->n_neg, in->cv_f1, in->folds);
	buf_printf(b, "bias %.17g\nscale %.17g\nweights %zu int16le\n", m->bias, m->scale,
	           (size_t)1 << m->bits);
}

static void
save_error(const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen,
	         "%s: error: cannot write it: %s; check that its directory exists and is "
	         "writable",
	         path, strerror(errno));
}

int
model_save(const struct model *m, const char *path, char *err, size_t errlen)
{
	size_t nslots = (size_t)1 << m->bits;
	char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	struct buf b;
	int fd, rc = -1;
	FILE *f;

	buf_init(&b);
	model_header(m, &b);
	buf_reserve(&b, nslots * 2);
	for (size_t k = 0; k < nslots; k++) {
		uint16_t u = (uint16_t)m->w[k];

		b.data[b.len++] = (char)(u & 0xff);
		b.data[b.len++] = (char)(u >> 8);
	}
	if ((fd = mkstemp(tmp)) < 0) {
		save_error(path, err, errlen);
		goto out;
	}
	if ((f = fdopen(fd, "wb")) == NULL) {
		save_error(path, err, errlen);
		close(fd);
		unlink(tmp);
		goto out;
	}
	(void)fchmod(fd, 0644);
	if (fwrite(b.data, 1, b.len, f) != b.len || fflush(f) != 0 || fsync(fd) != 0) {
		save_error(path, err, errlen);
		fclose(f);
		unlink(tmp);
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		save_error(path, err, errlen);
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	buf_free(&b);
	free(tmp);
	return rc;
}

/* The parsed header, checked line by line. */
struct header {
	const char *path;
	unsigned line;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 3, 4)))
hdr_fail(struct header *h, const char *fix, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(h->err, h->errlen, "%s:%u: error: %s; %s", h->path, h->line, what, fix);
	return -1;
}

/* "key VALUE" on line; returns VALUE or NULL (with the error set). */
static const char *
hdr_value(struct header *h, const char *line, const char *key)
{
	size_t kl = strlen(key);

	if (strncmp(line, key, kl) != 0 || line[kl] != ' ' || line[kl + 1] == '\0') {
		hdr_fail(h, "the keys come in the order keluh-model(5) gives; " HDR_DAMAGED,
		         "bad header line \"%s\": expected \"%s VALUE\"", line, key);
		return NULL;
	}
	return line + kl + 1;
}

static int
hdr_u64(struct header *h, const char *line, const char *key, uint64_t *out)
{
	const char *v = hdr_value(h, line, key);
	char *end;

	if (v == NULL)
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || v[0] == '-' || v[0] == ' ')
		return hdr_fail(h, HDR_DAMAGED, "bad header line \"%s\": not a whole number", line);
	return 0;
}

static int
hdr_double(struct header *h, const char *line, const char *key, double *out)
{
	const char *v = hdr_value(h, line, key);
	char *end;

	if (v == NULL)
		return -1;
	errno = 0;
	*out = strtod(v, &end);
	if (errno != 0 || *end != '\0' || v[0] == ' ' || !isfinite(*out))
		return hdr_fail(h, HDR_DAMAGED, "bad header line \"%s\": not a number", line);
	return 0;
}

/* Line number i of the header (NUL-terminated copies in lines[]). */
static int
hdr_parse(struct header *h, char **lines, size_t nlines, struct model *m)
{
	uint64_t u, bits, norm, pos, neg, folds;
	const char *v;
	char *end;

#define LINE(i) (h->line = (unsigned)(i) + 1, lines[i])
	if (hdr_u64(h, LINE(1), "seed", &m->seed) < 0 || hdr_u64(h, LINE(2), "bits", &bits) < 0)
		return -1;
	if (bits < MODEL_BITS_MIN || bits > MODEL_BITS_MAX)
		return hdr_fail(h,
		                "keluh reads 10 to 24: train the model again with keluhctl learn",
		                "bits %s is out of range", lines[2] + 5);
	m->bits = (unsigned)bits;
	if (hdr_u64(h, LINE(3), "norm", &norm) < 0)
		return -1;
	if (norm != NORM_VERSION) {
		char what[64];

		snprintf(what, sizeof(what), "%llu, but this keluh folds text with version %d",
		         (unsigned long long)norm, NORM_VERSION);
		return hdr_fail(
		    h, "its n-grams would not match: train it again with keluhctl learn",
		    "the model was trained on text folded by normalisation version %s", what);
	}
	if ((v = hdr_value(h, LINE(4), "date")) == NULL)
		return -1;
	snprintf(m->info.date, sizeof(m->info.date), "%s", strcmp(v, "-") == 0 ? "" : v);
	if ((v = hdr_value(h, LINE(5), "labels")) == NULL)
		return -1;
	errno = 0;
	pos = strtoull(v, &end, 10);
	if (*end != ' ' || end[1] < '0' || end[1] > '9')
		return hdr_fail(h, HDR_DAMAGED, "bad header line \"%s\": want two counts",
		                lines[5]);
	neg = strtoull(end + 1, &end, 10);
	if (errno != 0 || *end != '\0' || v[0] < '0' || v[0] > '9' || pos > UINT32_MAX ||
	    neg > UINT32_MAX)
		return hdr_fail(h, HDR_DAMAGED, "bad header line \"%s\": want two counts",
		                lines[5]);
	if (hdr_double(h, LINE(6), "cv-f1", &m->info.cv_f1) < 0 ||
	    hdr_u64(h, LINE(7), "folds", &folds) < 0 ||
	    hdr_double(h, LINE(8), "bias", &m->bias) < 0 ||
	    hdr_double(h, LINE(9), "scale", &m->scale) < 0)
		return -1;
	if ((v = hdr_value(h, LINE(10), "weights")) == NULL)
		return -1;
	u = strtoull(v, &end, 10);
	if (strcmp(end, " int16le") != 0)
		return hdr_fail(h, HDR_DAMAGED,
		                "bad header line \"%s\": want \"weights COUNT int16le\"",
		                lines[10]);
	if (u != (uint64_t)1 << bits)
		return hdr_fail(
		    h, HDR_DAMAGED, "wrong size: %llu weights, but bits %llu needs %llu",
		    (unsigned long long)u, (unsigned long long)bits, (unsigned long long)1 << bits);
#undef LINE
	(void)nlines;
	m->info.n_pos = (unsigned)pos;
	m->info.n_neg = (unsigned)neg;
	m->info.folds = folds > UINT32_MAX ? UINT32_MAX : (unsigned)folds;
	m->info.norm_version = (unsigned)norm;
	m->info.seed = m->seed;
	m->hseed = model_hash_seed(m->seed);
	return 0;
}

#define HDR_LINES 11

/*
 * Splits the header off data: the first HDR_LINES lines. Returns the
 * offset of the weights, or 0 with the error set.
 */
static size_t
hdr_split(struct header *h, char *data, size_t len, char **lines)
{
	size_t off = 0;

	for (size_t i = 0; i < HDR_LINES; i++) {
		char *nl = memchr(data + off, '\n',
		                  len - off < MODEL_LINE_MAX ? len - off : MODEL_LINE_MAX);

		h->line = (unsigned)i + 1;
		if (nl == NULL && len - off < MODEL_LINE_MAX) {
			snprintf(
			    h->err, h->errlen,
			    "%s: error: truncated: the header ends after %zu of its %d lines; the "
			    "file was cut short: copy it again, or train it again with keluhctl "
			    "learn",
			    h->path, i, HDR_LINES);
			return 0;
		}
		if (nl == NULL) {
			hdr_fail(h, HDR_DAMAGED, "header line longer than %s bytes", "200");
			return 0;
		}
		*nl = '\0';
		lines[i] = data + off;
		if (strlen(lines[i]) != (size_t)(nl - lines[i])) {
			hdr_fail(h,
			         "the file is damaged: train it "
			         "again with keluhctl learn",
			         "a NUL byte in header line %s", "");
			return 0;
		}
		off = (size_t)(nl - data) + 1;
	}
	return off;
}

static int
model_check_magic(struct header *h, const char *data, size_t len)
{
	size_t ml = strlen(MODEL_MAGIC);
	char *end;
	unsigned long ver;

	h->line = 1;
	if (len < ml + 1 || memcmp(data, MODEL_MAGIC " ", ml + 1) != 0) {
		snprintf(
		    h->err, h->errlen,
		    "%s: error: not a keluh model (it does not begin with \"%s VERSION\"); give "
		    "the path of a file made by keluhctl learn",
		    h->path, MODEL_MAGIC);
		return -1;
	}
	errno = 0;
	ver = strtoul(data + ml + 1, &end, 10);
	if (errno != 0 || end == data + ml + 1 || *end != '\n')
		return hdr_fail(h, "give the path of a file made by keluhctl learn",
		                "bad header line: the version after \"%s\" is not a number",
		                MODEL_MAGIC);
	if (ver > MODEL_FILE_VERSION) {
		snprintf(h->err, h->errlen,
		         "%s: error: model format version %lu is newer than this keluh reads (%d); "
		         "upgrade keluh, or train the model again with this keluh's keluhctl learn",
		         h->path, ver, MODEL_FILE_VERSION);
		return -1;
	}
	if (ver < MODEL_FILE_VERSION) {
		/* version 1 hashed other n-grams: its weights would score the wrong ones */
		snprintf(h->err, h->errlen,
		         "%s: error: model format version %lu is older than this keluh reads (%d); "
		         "train the model again with this keluh's keluhctl learn",
		         h->path, ver, MODEL_FILE_VERSION);
		return -1;
	}
	return 0;
}

static char *
model_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	size_t max = MODEL_HEADER_MAX + ((size_t)2 << MODEL_BITS_MAX);
	struct stat st;
	char *data;
	ssize_t got;
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen,
		         "%s: error: %s; give the path of a model made by keluhctl learn", path,
		         errno == ENOENT ? "no such file" : strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		int e = errno;

		snprintf(err, errlen,
		         "%s: error: %s; give the path of a model made by keluhctl learn", path,
		         fstat(fd, &st) != 0    ? strerror(e)
		         : !S_ISREG(st.st_mode) ? "not a regular file"
		                                : "too large for a model");
		close(fd);
		return NULL;
	}
	data = xmalloc((size_t)st.st_size + 1);
	while (off < (size_t)st.st_size &&
	       (got = read(fd, data + off, (size_t)st.st_size - off)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "%s: error: cannot read it: %s", path,
			         strerror(errno));
			close(fd);
			free(data);
			return NULL;
		}
		off += (size_t)got;
	}
	close(fd);
	data[off] = '\0';
	*len = off;
	return data;
}

static int
model_weights(struct header *h, struct model *m, const unsigned char *p, size_t have)
{
	size_t nslots = (size_t)1 << m->bits, want = nslots * 2;

	if (have < want) {
		snprintf(
		    h->err, h->errlen,
		    "%s: error: truncated: the weights end after %zu of their %zu bytes; the file "
		    "was cut short: copy it again, or train it again with keluhctl learn",
		    h->path, have, want);
		return -1;
	}
	if (have > want) {
		snprintf(
		    h->err, h->errlen,
		    "%s: error: wrong size: %zu bytes after the %zu bytes of weights; the file "
		    "was damaged or two were joined: copy it again, or train it again with "
		    "keluhctl learn",
		    h->path, have - want, want);
		return -1;
	}
	m->w = xmalloc(want);
	for (size_t k = 0; k < nslots; k++)
		m->w[k] = (int16_t)(uint16_t)(p[2 * k] | p[2 * k + 1] << 8);
	return 0;
}

static char *
model_name_of(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 6 && strcmp(base + n - 6, ".model") == 0)
		n -= 6;
	return n ? xstrndup(base, n) : xstrdup("model");
}

struct model *
model_parse(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
	struct header h = {path, 0, err, errlen};
	size_t hl = len < MODEL_HEADER_MAX ? len : MODEL_HEADER_MAX, off = 0;
	char *lines[HDR_LINES], *head = xmalloc(hl + 1);
	struct model *m = model_alloc();

	/* the header is split into lines in a copy; the weights are read in place */
	memcpy(head, data, hl);
	head[hl] = '\0';
	if (model_check_magic(&h, head, hl) < 0 || (off = hdr_split(&h, head, hl, lines)) == 0 ||
	    hdr_parse(&h, lines, HDR_LINES, m) < 0 ||
	    model_weights(&h, m, (const unsigned char *)data + off, len - off) < 0) {
		free(head);
		model_free(m);
		return NULL;
	}
	free(head);
	m->name = model_name_of(path);
	return m;
}

struct model *
model_load(const char *path, char *err, size_t errlen)
{
	struct model *m;
	size_t len;
	char *data;

	atomic_fetch_add_explicit(&files_read, 1, memory_order_relaxed);
	if ((data = model_read_file(path, &len, err, errlen)) == NULL)
		return NULL;
	m = model_parse(path, data, len, err, errlen);
	free(data);
	return m;
}

unsigned long
model_files_read(void)
{
	return atomic_load_explicit(&files_read, memory_order_relaxed);
}
