/*
 * aho.c: Aho-Corasick compiled to a DFA over byte classes (see aho.h).
 *
 * Layout, chosen so that the scan does one table load per byte:
 *   - bytes that occur in no pattern all behave alike, so they share one
 *     class; every other byte gets a class of its own, and a row has one
 *     entry per class;
 *   - a state's id is the offset of its row in trans (premultiplied), so a
 *     step is trans[s + cls[byte]] with no multiply on the dependency chain
 *     from one byte to the next;
 *   - states are numbered so that every state needing attention (one with
 *     outputs, or a sparse one, below) has an id >= special: the hot loop
 *     tests one comparison that is almost never true;
 *   - a row's extra last entry is the offset of its output set in outs
 *     (count, then ids), already merged with the outputs of its suffixes
 *     (dictionary links), so a hit never walks failure links.
 *
 * A dense row costs (classes + 1) * 4 bytes, which for thousands of
 * keywords would be tens of MB. So only the first states in BFS order, the
 * shallow ones where a scan spends nearly all its time, get dense rows, up
 * to AHO_DENSE_MAX bytes; deeper states are sparse: the few transitions
 * that differ from those of their nearest dense failure state, searched
 * linearly, then that state's dense row. When everything fits in the
 * budget, the automaton is a plain dense DFA.
 *
 * When there are at most 65,536 states and 16-bit entries for all of them
 * fit in the budget, the table is narrow instead (see struct aho).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine/aho.h"
#include "lib/util.h"

#define AHO_NONE	UINT32_MAX

/*
 * 4 MiB of dense rows covers every state of a few thousand keywords (the
 * shipped packs: 17,000 of their 23,000 states), and the first few levels
 * of a bigger set. Measured on folded bench mentions with the shipped
 * packs, scans took 600 ns a mention with 1 MiB, 520 with 2 MiB, 450 with
 * 4 MiB, and no less with every state dense: a sparse step costs a
 * mispredicted branch or a cache miss often enough to matter.
 */
#define AHO_DENSE_MAX	((size_t)4 << 20)

/*
 * A sparse state is a record of 32-bit words, kept together so that a step
 * touches one cache line: the nearest dense state on its failure chain, its
 * output set (or AHO_NONE), its number of edges n, the n edge classes as
 * bytes (padded to a word), then the n targets.
 */
#define AHO_REC_FALLBACK	0
#define AHO_REC_OUT		1
#define AHO_REC_N		2
#define AHO_REC_CLS		3
#define AHO_REC_SIZE(n)		(AHO_REC_CLS + ((n) + 3) / 4 + (n))

struct aho_pat {
	size_t off, len;
	uint32_t id;
};

struct aho_builder {
	char *bytes;
	size_t nbytes, capbytes;
	struct aho_pat *pats;
	size_t npats, cappats;
};

struct aho {
	/*
	 * Narrow layout, when every state fits in 16 bits and all the
	 * transitions in AHO_DENSE_MAX: all states dense, numbered in BFS
	 * order (those with outputs last), the table stored by columns:
	 * trans16[c * nrows + s] is the state after s on class c, and
	 * colp[byte] the start of the byte's column. A step is then one
	 * load at a base that depends on the text alone, indexed by the
	 * state: nothing but the load on the chain from one byte to the
	 * next (the wide layout adds the class to the state first). The
	 * shallow states, where a scan spends its time, are the low
	 * numbers, so a column's first lines hold all of them. rowout[s]
	 * is the output set of state s.
	 */
	uint16_t *trans16;
	uint32_t *rowout;
	uint32_t nrows;
	int narrow;
	const uint16_t *colp[256];
	uint32_t *trans;	/* dense rows of nclass + 1 entries */
	uint32_t *outs;		/* output sets: count, then that many ids */
	uint32_t *sparse;	/* sparse state records */
	size_t ntrans, nouts, nsparse;
	size_t npatterns, nstates;
	uint32_t nclass;
	uint32_t special;	/* ids >= special have outputs or are sparse */
	uint32_t sparse_base;	/* ids >= sparse_base are at sparse[id - sparse_base] */
	uint8_t cls[256];
};

/* A growable uint32_t array. */
struct aho_vec {
	uint32_t *v;
	size_t n, cap;
};

/*
 * The trie while building: first-child/next-sibling lists over classes,
 * each state's own patterns (a list through pnext), then its failure link
 * and merged output set, and the BFS order of the states.
 */
struct aho_trie {
	uint32_t *child, *sib, *fail, *own, *out, *pnext, *order;
	uint8_t *label;
	uint32_t root[256];	/* children of the root by class: most lookups end there */
	size_t n;
};

static void
aho_vec_push(struct aho_vec *a, uint32_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = x;
}

struct aho_builder *
aho_builder_new(void)
{
	return xcalloc(1, sizeof(struct aho_builder));
}

int
aho_add(struct aho_builder *b, const char *p, size_t len, uint32_t id)
{
	if (len == 0)
		return -1;
	while (b->nbytes + len > b->capbytes) {
		b->capbytes = b->capbytes ? b->capbytes * 2 : 1024;
		b->bytes = xreallocarray(b->bytes, b->capbytes, 1);
	}
	if (b->npats == b->cappats) {
		b->cappats = b->cappats ? b->cappats * 2 : 64;
		b->pats = xreallocarray(b->pats, b->cappats, sizeof(*b->pats));
	}
	memcpy(b->bytes + b->nbytes, p, len);
	b->pats[b->npats].off = b->nbytes;
	b->pats[b->npats].len = len;
	b->pats[b->npats].id = id;
	b->npats++;
	b->nbytes += len;
	return 0;
}

struct aho_bytefreq {
	size_t n;
	uint8_t byte;
};

static int
aho_cmp_freq(const void *a, const void *b)
{
	const struct aho_bytefreq *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->byte < y->byte ? -1 : x->byte > y->byte;
}

/*
 * Classes are numbered by how often the byte occurs in patterns, a proxy
 * for how often the text has it: the entries a scan reads most then share
 * the first cache line of each row. The shared class of all other bytes
 * comes last; there is none when patterns use all 256 bytes.
 */
static void
aho_classes(struct aho *a, const struct aho_builder *b)
{
	struct aho_bytefreq freq[256];
	size_t nused = 0;

	for (int c = 0; c < 256; c++) {
		freq[c].byte = (uint8_t)c;
		freq[c].n = 0;
	}
	for (size_t i = 0; i < b->nbytes; i++)
		freq[(unsigned char)b->bytes[i]].n++;
	qsort(freq, 256, sizeof(freq[0]), aho_cmp_freq);
	while (nused < 256 && freq[nused].n > 0)
		nused++;
	for (size_t k = 0; k < 256; k++)
		a->cls[freq[k].byte] = (uint8_t)(k < nused ? k : nused);
	a->nclass = (uint32_t)(nused + (nused < 256));
}

static uint32_t
aho_goto(const struct aho_trie *t, uint32_t u, uint32_t c)
{
	if (u == 0)
		return t->root[c];
	for (uint32_t v = t->child[u]; v != AHO_NONE; v = t->sib[v])
		if (t->label[v] == c)
			return v;
	return AHO_NONE;
}

static void
aho_trie_build(struct aho_trie *t, const struct aho *a, const struct aho_builder *b)
{
	/* At most one state per pattern byte, plus the root. */
	size_t maxn = b->nbytes + 1;

	if (maxn >= AHO_NONE)
		abort();
	t->child = xreallocarray(NULL, maxn, sizeof(uint32_t));
	t->sib = xreallocarray(NULL, maxn, sizeof(uint32_t));
	t->fail = xreallocarray(NULL, maxn, sizeof(uint32_t));
	t->own = xreallocarray(NULL, maxn, sizeof(uint32_t));
	t->out = xreallocarray(NULL, maxn, sizeof(uint32_t));
	t->label = xreallocarray(NULL, maxn, 1);
	t->pnext = xreallocarray(NULL, b->npats, sizeof(uint32_t));
	for (int c = 0; c < 256; c++)
		t->root[c] = AHO_NONE;
	t->child[0] = t->sib[0] = t->own[0] = AHO_NONE;
	t->fail[0] = 0;
	t->label[0] = 0;
	t->n = 1;

	for (size_t k = 0; k < b->npats; k++) {
		const unsigned char *p = (const unsigned char *)b->bytes + b->pats[k].off;
		uint32_t u = 0;

		for (size_t j = 0; j < b->pats[k].len; j++) {
			uint32_t c = a->cls[p[j]], v = aho_goto(t, u, c);

			if (v == AHO_NONE) {
				v = (uint32_t)t->n++;
				t->label[v] = (uint8_t)c;
				t->child[v] = t->own[v] = AHO_NONE;
				t->sib[v] = t->child[u];
				t->child[u] = v;
				if (u == 0)
					t->root[c] = v;
			}
			u = v;
		}
		t->pnext[k] = t->own[u];
		t->own[u] = (uint32_t)k;
	}
}

static int
aho_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * BFS over the trie: the order, failure links, and each state's output
 * set, its own ids then those of its failure state (already complete, as
 * it is shallower). A state without ids of its own shares its failure
 * state's set. The same (bytes, id) added twice is one pattern; the same
 * id on another pattern that is a suffix of this one is reported for each,
 * since both occur.
 */
static void
aho_link(struct aho_trie *t, const struct aho_builder *b, struct aho_vec *outs)
{
	struct aho_vec ids = { NULL, 0, 0 };

	t->order = xreallocarray(NULL, t->n, sizeof(uint32_t));
	t->order[0] = 0;
	t->out[0] = AHO_NONE;
	for (size_t head = 0, tail = 1; head < t->n; head++) {
		uint32_t u = t->order[head], fo, fn;
		size_t nu;

		for (uint32_t v = t->child[u]; v != AHO_NONE; v = t->sib[v]) {
			uint32_t f = t->fail[u], g = AHO_NONE;

			if (u != 0) {
				while ((g = aho_goto(t, f, t->label[v])) == AHO_NONE && f != 0)
					f = t->fail[f];
			}
			t->fail[v] = g == AHO_NONE ? 0 : g;
			t->order[tail++] = v;
		}
		if (u == 0)
			continue;

		ids.n = 0;
		for (uint32_t k = t->own[u]; k != AHO_NONE; k = t->pnext[k])
			aho_vec_push(&ids, b->pats[k].id);
		if (ids.n == 0) {
			t->out[u] = t->out[t->fail[u]];
			continue;
		}
		qsort(ids.v, ids.n, sizeof(*ids.v), aho_cmp_u32);
		nu = 1;
		for (size_t k = 1; k < ids.n; k++)
			if (ids.v[k] != ids.v[nu - 1])
				ids.v[nu++] = ids.v[k];
		fo = t->out[t->fail[u]];
		fn = fo == AHO_NONE ? 0 : outs->v[fo];
		t->out[u] = (uint32_t)outs->n;
		aho_vec_push(outs, (uint32_t)nu + fn);
		for (size_t k = 0; k < nu; k++)
			aho_vec_push(outs, ids.v[k]);
		for (uint32_t k = 0; k < fn; k++)
			aho_vec_push(outs, outs->v[fo + 1 + k]);
	}
	free(ids.v);
}

/*
 * The tables. The dense states are a BFS prefix, so a state's failure
 * state is dense when it is, and its row can start as a copy of that one.
 */
static void
aho_lay_out(struct aho *a, const struct aho_trie *t)
{
	const uint32_t *order = t->order;
	size_t stride = (size_t)a->nclass + 1, ndense, nsparse, nd0, r0, r1, nsw;
	uint32_t *pos, *tstart, *fallback, *mark, *newid, *stack;
	struct aho_vec tedges = { NULL, 0, 0 };

	ndense = t->n;
	if (t->n * stride * sizeof(uint32_t) > AHO_DENSE_MAX)
		ndense = AHO_DENSE_MAX / (stride * sizeof(uint32_t));
	nsparse = t->n - ndense;
	pos = xreallocarray(NULL, t->n, sizeof(uint32_t));
	for (size_t k = 0; k < t->n; k++)
		pos[order[k]] = (uint32_t)k;

	/*
	 * A sparse state's edges: its own children, plus the edges of its
	 * failure state (when that is sparse too) that no child overrides;
	 * anything not listed is as in the nearest dense state on the
	 * failure chain, its fallback. Targets are trie nodes for now.
	 */
	tstart = xreallocarray(NULL, nsparse + 1, sizeof(uint32_t));
	fallback = xreallocarray(NULL, nsparse + 1, sizeof(uint32_t));
	mark = xcalloc(a->nclass, sizeof(uint32_t));
	for (size_t k = ndense; k < t->n; k++) {
		uint32_t v = order[k], f = t->fail[v], stamp = (uint32_t)(k - ndense + 1);

		fallback[k - ndense] = pos[f] < ndense ? f : fallback[pos[f] - ndense];
		tstart[k - ndense] = (uint32_t)tedges.n;
		for (uint32_t w = t->child[v]; w != AHO_NONE; w = t->sib[w]) {
			mark[t->label[w]] = stamp;
			aho_vec_push(&tedges, t->label[w]);
			aho_vec_push(&tedges, w);
		}
		if (pos[f] < ndense)
			continue;
		for (uint32_t j = tstart[pos[f] - ndense]; j < tstart[pos[f] - ndense + 1]; j += 2) {
			if (mark[tedges.v[j]] != stamp) {
				aho_vec_push(&tedges, tedges.v[j]);
				aho_vec_push(&tedges, tedges.v[j + 1]);
			}
		}
	}
	tstart[nsparse] = (uint32_t)tedges.n;
	free(mark);

	/* Dense ids: row offsets, the rows without outputs first. */
	newid = xreallocarray(NULL, t->n, sizeof(uint32_t));
	nd0 = 0;
	for (size_t k = 0; k < ndense; k++)
		nd0 += t->out[order[k]] == AHO_NONE;
	r0 = r1 = 0;
	for (size_t k = 0; k < ndense; k++) {
		uint32_t v = order[k];

		newid[v] = (uint32_t)((t->out[v] == AHO_NONE ? r0++ : nd0 + r1++) * stride);
	}

	/*
	 * Sparse ids: sparse_base plus the offset of the record. Records go
	 * in depth-first order: deep in a pattern, a scan moves from a state
	 * to its child, which is then the next record, usually in the same
	 * cache line; in BFS order it would be far away.
	 */
	nsw = 0;
	stack = xreallocarray(NULL, t->n, sizeof(uint32_t));
	stack[0] = 0;
	for (size_t sp = 1; sp > 0;) {
		uint32_t v = stack[--sp];

		if (pos[v] >= ndense) {
			size_t k = pos[v] - ndense;

			newid[v] = (uint32_t)(ndense * stride + nsw);
			nsw += AHO_REC_SIZE((tstart[k + 1] - tstart[k]) / 2);
			if ((uint64_t)ndense * stride + nsw >= AHO_NONE)
				abort();
		}
		for (uint32_t w = t->child[v]; w != AHO_NONE; w = t->sib[w])
			stack[sp++] = w;
	}
	free(stack);
	a->special = (uint32_t)(nd0 * stride);
	a->sparse_base = (uint32_t)(ndense * stride);

	a->ntrans = ndense * stride;
	a->trans = xcalloc(a->ntrans, sizeof(uint32_t));
	for (size_t k = 0; k < ndense; k++) {
		uint32_t v = order[k], *row = a->trans + newid[v];

		if (v != 0)
			memcpy(row, a->trans + newid[t->fail[v]], a->nclass * sizeof(uint32_t));
		for (uint32_t w = t->child[v]; w != AHO_NONE; w = t->sib[w])
			row[t->label[w]] = newid[w];
		row[a->nclass] = t->out[v] == AHO_NONE ? 0 : t->out[v];
	}

	a->nsparse = nsw;
	a->sparse = xcalloc(nsw, sizeof(uint32_t));
	for (size_t k = ndense; k < t->n; k++) {
		uint32_t v = order[k], *r = a->sparse + (newid[v] - a->sparse_base);
		uint32_t j0 = tstart[k - ndense], ne = (tstart[k - ndense + 1] - j0) / 2;
		uint8_t *rc = (uint8_t *)(r + AHO_REC_CLS);

		r[AHO_REC_FALLBACK] = newid[fallback[k - ndense]];
		r[AHO_REC_OUT] = t->out[v];
		r[AHO_REC_N] = ne;
		for (uint32_t e = 0; e < ne; e++) {
			rc[e] = (uint8_t)tedges.v[j0 + 2 * e];
			r[AHO_REC_CLS + (ne + 3) / 4 + e] = newid[tedges.v[j0 + 2 * e + 1]];
		}
	}
	free(tedges.v);
	free(tstart);
	free(fallback);
	free(newid);
	free(pos);
}

/* The narrow layout (see struct aho). */
static void
aho_lay_out_narrow(struct aho *a, const struct aho_trie *t)
{
	size_t n = t->n, nd0 = 0, r0 = 0, r1;
	uint32_t *row = xreallocarray(NULL, n, sizeof(uint32_t));
	uint16_t *tr;

	for (size_t k = 0; k < n; k++)
		nd0 += t->out[t->order[k]] == AHO_NONE;
	r1 = nd0;
	for (size_t k = 0; k < n; k++) {
		uint32_t v = t->order[k];

		row[v] = (uint32_t)(t->out[v] == AHO_NONE ? r0++ : r1++);
	}
	a->special = (uint32_t)nd0;
	a->sparse_base = UINT32_MAX;
	a->nrows = (uint32_t)n;
	a->ntrans = n * a->nclass;
	tr = a->trans16 = xcalloc(a->ntrans, sizeof(uint16_t));
	a->rowout = xcalloc(n, sizeof(uint32_t));
	/*
	 * In BFS order a state's failure state is complete before it: its
	 * transitions are a copy of those, then its own children. The root
	 * is row 0, which calloc left in every entry of its row.
	 */
	for (size_t k = 0; k < n; k++) {
		uint32_t v = t->order[k], r = row[v], f = row[t->fail[v]];

		if (k > 0)
			for (size_t c = 0; c < a->nclass; c++)
				tr[c * n + r] = tr[c * n + f];
		for (uint32_t w = t->child[v]; w != AHO_NONE; w = t->sib[w])
			tr[t->label[w] * n + r] = (uint16_t)row[w];
		a->rowout[r] = t->out[v];
	}
	for (int b = 0; b < 256; b++)
		a->colp[b] = tr + a->cls[b] * n;
	free(row);
}

struct aho *
aho_build(struct aho_builder *b)
{
	struct aho *a = xcalloc(1, sizeof(*a));
	struct aho_vec outs = { NULL, 0, 0 };
	struct aho_trie t;

	aho_classes(a, b);
	aho_trie_build(&t, a, b);
	aho_link(&t, b, &outs);
	if (t.n <= (size_t)UINT16_MAX + 1 && t.n * a->nclass * sizeof(uint16_t) <= AHO_DENSE_MAX) {
		a->narrow = 1;
		aho_lay_out_narrow(a, &t);
	} else
		aho_lay_out(a, &t);
	if (outs.n > 0 && outs.n < outs.cap)
		outs.v = xreallocarray(outs.v, outs.n, sizeof(*outs.v));
	a->outs = outs.v;
	a->nouts = outs.n;
	a->npatterns = b->npats;
	a->nstates = t.n;

	free(t.child);
	free(t.sib);
	free(t.fail);
	free(t.own);
	free(t.out);
	free(t.pnext);
	free(t.order);
	free(t.label);
	free(b->bytes);
	free(b->pats);
	free(b);
	return a;
}

void
aho_free(struct aho *a)
{
	if (a == NULL)
		return;
	free(a->trans);
	free(a->trans16);
	free(a->rowout);
	free(a->outs);
	free(a->sparse);
	free(a);
}

static int
aho_report(const uint32_t *o, aho_hit_fn fn, void *arg, size_t end)
{
	for (uint32_t k = 1; k <= o[0]; k++)
		if (fn(arg, o[k], end))
			return 1;
	return 0;
}

/* The state after s on class c, for a dense or a sparse s. */
static inline __attribute__((always_inline)) uint32_t
aho_next(const struct aho *a, uint32_t s, uint32_t c, int narrow)
{
	const uint32_t *r;
	const uint8_t *rc;
	uint32_t k, n;

	if (narrow)
		return a->trans16[(size_t)c * a->nrows + s];
	if (s < a->sparse_base)
		return a->trans[s + c];
	r = a->sparse + (s - a->sparse_base);
	rc = (const uint8_t *)(r + AHO_REC_CLS);
	n = r[AHO_REC_N];
	for (k = 0; k < n && rc[k] != c; k++)
		continue;
	return k < n ? r[AHO_REC_CLS + (n + 3) / 4 + k] : a->trans[r[AHO_REC_FALLBACK] + c];
}

/* The offset in outs of the output set of a state >= special, or AHO_NONE. */
static inline __attribute__((always_inline)) uint32_t
aho_out(const struct aho *a, uint32_t s, int narrow)
{
	if (narrow)
		return a->rowout[s];
	if (s < a->sparse_base)
		return a->trans[s + a->nclass];
	return a->sparse[s - a->sparse_base + AHO_REC_OUT];
}

/*
 * One walk over p[i..to) from state *sp, whose hits (ending at i) have
 * been reported already. Leaves the state at to in *sp; returns 1 when fn
 * asked to stop.
 */
static inline __attribute__((always_inline)) int
aho_walk(const struct aho *a, const unsigned char *p, size_t i, size_t to, uint32_t *sp,
    aho_hit_fn fn, void *arg, int narrow)
{
	const uint32_t *tr = a->trans;
	const uint8_t *cls = a->cls;
	const uint32_t special = a->special, sbase = a->sparse_base;
	uint32_t s = *sp, o;

	while (i < to) {
		if (!narrow && s < sbase)
			s = tr[s + cls[p[i++]]];
		else
			s = aho_next(a, s, cls[p[i++]], narrow);
		if (s < special)
			continue;
		o = aho_out(a, s, narrow);
		if (o != AHO_NONE && aho_report(a->outs + o, fn, arg, i))
			return 1;
	}
	*sp = s;
	return 0;
}

/*
 * A walk is a chain of dependent loads, one per byte: each step needs the
 * state the step before produced, so a lone walk leaves the core mostly
 * waiting, more so when the rows it reads are not in L1. So a text is cut
 * into AHO_WALKS pieces and as many walks go through them in one loop,
 * their chains in flight together; piece j > 0 starts at the root. Its
 * walk is then exact from the first position where the walk of piece j - 1,
 * carried on past its piece, is in the same state: both go the same way
 * from there. Walks record their first AHO_SYNC states to find that point,
 * which comes as soon as the state of the walk before is no deeper than
 * the distance walked into the next piece: a few bytes, as most states
 * are shallow. The hits of later pieces wait in a buffer until the walks
 * before have met them, and those ending before the meeting point are
 * dropped (the walk before reported them), so hits come in the same order
 * as from one walk. Should the walk before not meet the next one within
 * the states recorded (only with very long patterns), it goes on alone.
 * Long texts are taken a window of AHO_WALKS * AHO_LANE bytes at a time,
 * which bounds the buffers; short ones gain too little for the setup.
 */
#define AHO_WALKS	2
#define AHO_LANE	256
#define AHO_SYNC	64
#define AHO_MULTI_MIN	32

struct aho_pend {
	uint32_t out;	/* offset of the output set in outs */
	uint32_t end;
};

/*
 * Scans p[w0..w1), AHO_WALKS <= w1 - w0 <= AHO_WALKS * AHO_LANE, from the
 * state *sp at w0, as aho_walk does.
 */
static inline __attribute__((always_inline)) int
aho_window(const struct aho *a, const unsigned char *p, size_t w0, size_t w1, uint32_t *sp,
    aho_hit_fn fn, void *arg, int narrow)
{
	const uint32_t *tr = a->trans;
	const uint8_t *cls = a->cls;
	const uint16_t *const *colp = a->colp;
	const uint32_t special = a->special, sbase = a->sparse_base;
	/* Written for two walks below; the rest takes any number. */
	_Static_assert(AHO_WALKS == 2, "the loop of aho_window has two walks");
	struct aho_pend pend[AHO_WALKS - 1][AHO_LANE];
	uint32_t rec[AHO_WALKS - 1][AHO_SYNC], s[AHO_WALKS];
	size_t npend[AHO_WALKS - 1], b[AHO_WALKS + 1], n = (w1 - w0) / AHO_WALKS, k = 0, nrec;

	/* Piece 0 takes what the division leaves over. */
	b[0] = w0;
	s[0] = *sp;
	for (int j = 1; j < AHO_WALKS; j++) {
		b[j] = w1 - (size_t)(AHO_WALKS - j) * n;
		s[j] = 0;
		rec[j - 1][0] = 0;
		npend[j - 1] = 0;
	}
	b[AHO_WALKS] = w1;
	/*
	 * The states stay in variables: kept in s[], they would go through
	 * memory, which puts a store and a load on the chains. Dense states
	 * take one load; the tests for the rare ones are predicted and not
	 * on the chains.
	 */
	{
		const unsigned char *p0 = p + b[0], *p1 = p + b[1];
		uint32_t s0 = s[0], s1 = s[1], o;

		while (k < n) {
			if (narrow) {
				s0 = colp[p0[k]][s0];
				s1 = colp[p1[k]][s1];
			} else {
				uint32_t c0 = cls[p0[k]], c1 = cls[p1[k]];

				s0 = s0 < sbase ? tr[s0 + c0] : aho_next(a, s0, c0, 0);
				s1 = s1 < sbase ? tr[s1 + c1] : aho_next(a, s1, c1, 0);
			}
			k++;
			if (k < AHO_SYNC)
				rec[0][k] = s1;
			if (s0 >= special && (o = aho_out(a, s0, narrow)) != AHO_NONE &&
			    aho_report(a->outs + o, fn, arg, b[0] + k))
				return 1;
			if (s1 >= special && (o = aho_out(a, s1, narrow)) != AHO_NONE) {
				pend[0][npend[0]].out = o;
				pend[0][npend[0]].end = (uint32_t)(b[1] + k);
				npend[0]++;
			}
		}
		s[0] = s0;
		s[1] = s1;
	}

	/* Piece 0's leftover, then each walk goes on until it meets the next. */
	if (aho_walk(a, p, b[0] + n, b[1], &s[0], fn, arg, narrow))
		return 1;
	nrec = n + 1 < AHO_SYNC ? n + 1 : AHO_SYNC;
	for (int j = 0; j + 1 < AHO_WALKS; j++) {
		size_t i = b[j + 1];

		while (i - b[j + 1] >= nrec || s[j] != rec[j][i - b[j + 1]]) {
			uint32_t o;

			if (i - b[j + 1] >= nrec || i == w1) {
				if (aho_walk(a, p, i, w1, &s[j], fn, arg, narrow))
					return 1;
				*sp = s[j];
				return 0;
			}
			s[j] = aho_next(a, s[j], cls[p[i++]], narrow);
			if (s[j] >= special && (o = aho_out(a, s[j], narrow)) != AHO_NONE &&
			    aho_report(a->outs + o, fn, arg, i))
				return 1;
		}
		for (size_t q = 0; q < npend[j]; q++)
			if (pend[j][q].end > i &&
			    aho_report(a->outs + pend[j][q].out, fn, arg, pend[j][q].end))
				return 1;
	}
	*sp = s[AHO_WALKS - 1];
	return 0;
}

static inline __attribute__((always_inline)) void
aho_scan_any(const struct aho *a, const char *text, size_t len, aho_hit_fn fn, void *arg,
    int narrow)
{
	const unsigned char *p = (const unsigned char *)text;
	uint32_t s = 0;
	size_t i = 0;

	/* Offsets are kept as 32 bits in the buffers of later pieces. */
	if (len <= UINT32_MAX) {
		while (len - i >= AHO_MULTI_MIN) {
			size_t w = len - i < AHO_WALKS * AHO_LANE ? len - i : AHO_WALKS * AHO_LANE;

			/* A window's loop starts from a dense state. */
			if (s >= a->sparse_base) {
				if (aho_walk(a, p, i, i + 1, &s, fn, arg, narrow))
					return;
				i++;
				continue;
			}
			if (aho_window(a, p, i, i + w, &s, fn, arg, narrow))
				return;
			i += w;
		}
	}
	aho_walk(a, p, i, len, &s, fn, arg, narrow);
}

void
aho_scan(const struct aho *a, const char *text, size_t len, aho_hit_fn fn, void *arg)
{
	if (a->narrow)
		aho_scan_any(a, text, len, fn, arg, 1);
	else
		aho_scan_any(a, text, len, fn, arg, 0);
}

void
aho_scan_serial(const struct aho *a, const char *text, size_t len, aho_hit_fn fn, void *arg)
{
	uint32_t s = 0;

	if (a->narrow)
		aho_walk(a, (const unsigned char *)text, 0, len, &s, fn, arg, 1);
	else
		aho_walk(a, (const unsigned char *)text, 0, len, &s, fn, arg, 0);
}

size_t
aho_patterns(const struct aho *a)
{
	return a->npatterns;
}

size_t
aho_states(const struct aho *a)
{
	return a->nstates;
}

size_t
aho_memory(const struct aho *a)
{
	if (a->narrow)
		return sizeof(*a) + a->ntrans * sizeof(uint16_t) +
		    (a->nouts + a->nrows) * sizeof(uint32_t);
	return sizeof(*a) + (a->ntrans + a->nouts + a->nsparse) * sizeof(uint32_t);
}
