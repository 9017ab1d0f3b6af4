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
 * A dense row costs (classes + 1) * 4 bytes per state, which for thousands
 * of keywords would be tens of MB. So only the first states in BFS order,
 * which are the shallow ones where a scan spends nearly all its time, get
 * dense rows, up to AHO_DENSE_MAX bytes; deeper states are sparse: the few
 * transitions that differ from those of their nearest dense failure state,
 * searched linearly, then that state's dense row. When everything fits in
 * the budget, the automaton is a plain dense DFA.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aho.h"
#include "util.h"

#define AHO_NONE	UINT32_MAX
#define AHO_DENSE_MAX	((size_t)1 << 20)

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

struct aho_edge {
	uint32_t cls, to;
};

struct aho_sparse {
	uint32_t fallback;	/* nearest dense state on the failure chain */
	uint32_t edges;		/* first of nedges in aho->edges */
	uint32_t nedges;
	uint32_t out;		/* offset in aho->outs, or AHO_NONE */
};

struct aho {
	uint32_t *trans;	/* dense rows of nclass + 1 entries */
	uint32_t *outs;		/* output sets: count, then that many ids */
	struct aho_sparse *sparse;
	struct aho_edge *edges;
	size_t ntrans, nouts, nsparse, nedges;
	size_t npatterns, nstates;
	uint32_t nclass;
	uint32_t special;	/* ids >= special have outputs or are sparse */
	uint32_t sparse_base;	/* ids >= sparse_base are sparse[id - sparse_base] */
	uint8_t cls[256];
};

/* A growable uint32_t array, for building outs. */
struct aho_vec {
	uint32_t *v;
	size_t n, cap;
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

/* The trie while building: first-child/next-sibling lists over classes. */
struct aho_trie {
	uint32_t *child, *sib, *fail, *own, *out;
	uint8_t *label;
	uint32_t root[256];	/* children of the root, by class: most lookups end there */
	size_t n;
};

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

static int
aho_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct aho *
aho_build(struct aho_builder *b)
{
	struct aho *a = xcalloc(1, sizeof(*a));
	struct aho_trie t;
	struct aho_vec outs = { NULL, 0, 0 }, ids = { NULL, 0, 0 };
	uint32_t *pnext, *order, *newid, *mark;
	size_t nused = 0, maxn, stride, ndense, nd0, r0, r1, ne, capedges;
	uint8_t used[256] = { 0 };

	for (size_t i = 0; i < b->nbytes; i++)
		used[(unsigned char)b->bytes[i]] = 1;
	for (int c = 0; c < 256; c++)
		if (used[c])
			a->cls[c] = (uint8_t)nused++;
	for (int c = 0; c < 256; c++)
		if (!used[c])
			a->cls[c] = (uint8_t)nused;
	a->nclass = (uint32_t)(nused + (nused < 256));
	a->npatterns = b->npats;

	/* At most one state per pattern byte, plus the root. */
	maxn = b->nbytes + 1;
	if (maxn >= AHO_NONE)
		abort();
	t.child = xreallocarray(NULL, maxn, sizeof(uint32_t));
	t.sib = xreallocarray(NULL, maxn, sizeof(uint32_t));
	t.fail = xreallocarray(NULL, maxn, sizeof(uint32_t));
	t.own = xreallocarray(NULL, maxn, sizeof(uint32_t));
	t.out = xreallocarray(NULL, maxn, sizeof(uint32_t));
	t.label = xreallocarray(NULL, maxn, 1);
	pnext = xreallocarray(NULL, b->npats, sizeof(uint32_t));
	for (int c = 0; c < 256; c++)
		t.root[c] = AHO_NONE;
	t.child[0] = t.sib[0] = t.own[0] = AHO_NONE;
	t.fail[0] = 0;
	t.label[0] = 0;
	t.n = 1;

	for (size_t k = 0; k < b->npats; k++) {
		const unsigned char *p = (const unsigned char *)b->bytes + b->pats[k].off;
		uint32_t u = 0;

		for (size_t j = 0; j < b->pats[k].len; j++) {
			uint32_t c = a->cls[p[j]], v = aho_goto(&t, u, c);

			if (v == AHO_NONE) {
				v = (uint32_t)t.n++;
				t.label[v] = (uint8_t)c;
				t.child[v] = t.own[v] = AHO_NONE;
				t.sib[v] = t.child[u];
				t.child[u] = v;
				if (u == 0)
					t.root[c] = v;
			}
			u = v;
		}
		pnext[k] = t.own[u];
		t.own[u] = (uint32_t)k;
	}
	a->nstates = t.n;

	/* BFS: failure links, and each state's merged output set. */
	order = xreallocarray(NULL, t.n, sizeof(uint32_t));
	order[0] = 0;
	t.out[0] = AHO_NONE;
	for (size_t head = 0, tail = 1; head < t.n; head++) {
		uint32_t u = order[head], fo, fn;
		size_t nu;

		for (uint32_t v = t.child[u]; v != AHO_NONE; v = t.sib[v]) {
			uint32_t f = t.fail[u], g = AHO_NONE;

			if (u != 0) {
				while ((g = aho_goto(&t, f, t.label[v])) == AHO_NONE && f != 0)
					f = t.fail[f];
			}
			t.fail[v] = g == AHO_NONE ? 0 : g;
			order[tail++] = v;
		}
		if (u == 0)
			continue;

		/*
		 * The same (bytes, id) added twice is one pattern; the same id
		 * on a different pattern that is a suffix of this one is still
		 * reported for each, as both occur.
		 */
		ids.n = 0;
		for (uint32_t k = t.own[u]; k != AHO_NONE; k = pnext[k])
			aho_vec_push(&ids, b->pats[k].id);
		if (ids.n == 0) {
			t.out[u] = t.out[t.fail[u]];
			continue;
		}
		qsort(ids.v, ids.n, sizeof(*ids.v), aho_cmp_u32);
		nu = 1;
		for (size_t k = 1; k < ids.n; k++)
			if (ids.v[k] != ids.v[nu - 1])
				ids.v[nu++] = ids.v[k];
		fo = t.out[t.fail[u]];
		fn = fo == AHO_NONE ? 0 : outs.v[fo];
		t.out[u] = (uint32_t)outs.n;
		aho_vec_push(&outs, (uint32_t)nu + fn);
		for (size_t k = 0; k < nu; k++)
			aho_vec_push(&outs, ids.v[k]);
		for (uint32_t k = 0; k < fn; k++)
			aho_vec_push(&outs, outs.v[fo + 1 + k]);
	}
	free(ids.v);
	free(pnext);

	/* Dense states: a BFS prefix, so a state's failure state is dense too. */
	stride = (size_t)a->nclass + 1;
	ndense = t.n;
	if (t.n * stride * sizeof(uint32_t) > AHO_DENSE_MAX)
		ndense = AHO_DENSE_MAX / (stride * sizeof(uint32_t));
	if ((uint64_t)ndense * stride + (t.n - ndense) >= AHO_NONE)
		abort();
	nd0 = 0;
	for (size_t k = 0; k < ndense; k++)
		nd0 += t.out[order[k]] == AHO_NONE;
	newid = xreallocarray(NULL, t.n, sizeof(uint32_t));
	r0 = r1 = 0;
	for (size_t k = 0; k < ndense; k++) {
		uint32_t v = order[k];

		newid[v] = (uint32_t)((t.out[v] == AHO_NONE ? r0++ : nd0 + r1++) * stride);
	}
	for (size_t k = ndense; k < t.n; k++)
		newid[order[k]] = (uint32_t)(ndense * stride + (k - ndense));
	a->special = (uint32_t)(nd0 * stride);
	a->sparse_base = (uint32_t)(ndense * stride);

	a->ntrans = ndense * stride;
	a->trans = xcalloc(a->ntrans, sizeof(uint32_t));
	for (size_t k = 0; k < ndense; k++) {
		uint32_t v = order[k], *row = a->trans + newid[v];

		if (v != 0)
			memcpy(row, a->trans + newid[t.fail[v]], a->nclass * sizeof(uint32_t));
		for (uint32_t w = t.child[v]; w != AHO_NONE; w = t.sib[w])
			row[t.label[w]] = newid[w];
		row[a->nclass] = t.out[v] == AHO_NONE ? 0 : t.out[v];
	}

	a->nsparse = t.n - ndense;
	a->sparse = xreallocarray(NULL, a->nsparse, sizeof(*a->sparse));
	mark = xcalloc(a->nclass, sizeof(uint32_t));
	ne = 0;
	capedges = a->nsparse;
	a->edges = xreallocarray(NULL, capedges, sizeof(*a->edges));
	for (size_t k = ndense; k < t.n; k++) {
		uint32_t v = order[k], f = t.fail[v], stamp = (uint32_t)(k - ndense + 1);
		struct aho_sparse *sp = &a->sparse[k - ndense];
		const struct aho_sparse *fs = NULL;
		size_t need = a->nclass;

		if (newid[f] >= a->sparse_base)
			fs = &a->sparse[newid[f] - a->sparse_base];
		while (ne + need > capedges) {
			capedges *= 2;
			a->edges = xreallocarray(a->edges, capedges, sizeof(*a->edges));
		}
		sp->edges = (uint32_t)ne;
		sp->out = t.out[v];
		for (uint32_t w = t.child[v]; w != AHO_NONE; w = t.sib[w]) {
			mark[t.label[w]] = stamp;
			a->edges[ne].cls = t.label[w];
			a->edges[ne++].to = newid[w];
		}
		if (fs == NULL)
			sp->fallback = newid[f];
		else {
			/* Edges of the failure state this one does not override. */
			sp->fallback = fs->fallback;
			for (uint32_t j = 0; j < fs->nedges; j++) {
				const struct aho_edge *e = &a->edges[fs->edges + j];

				if (mark[e->cls] != stamp)
					a->edges[ne++] = *e;
			}
		}
		sp->nedges = (uint32_t)(ne - sp->edges);
	}
	a->nedges = ne;
	a->edges = xreallocarray(a->edges, ne, sizeof(*a->edges));
	if (outs.n > 0 && outs.n < outs.cap)
		outs.v = xreallocarray(outs.v, outs.n, sizeof(*outs.v));
	a->outs = outs.v;
	a->nouts = outs.n;

	free(mark);
	free(newid);
	free(order);
	free(t.child);
	free(t.sib);
	free(t.fail);
	free(t.own);
	free(t.out);
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
	free(a->outs);
	free(a->sparse);
	free(a->edges);
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

void
aho_scan(const struct aho *a, const char *text, size_t len, aho_hit_fn fn, void *arg)
{
	const unsigned char *p = (const unsigned char *)text;
	const uint32_t *tr = a->trans;
	const uint8_t *cls = a->cls;
	const uint32_t special = a->special, sbase = a->sparse_base;
	uint32_t s = 0;
	size_t i = 0;

	while (i < len) {
		s = tr[s + cls[p[i++]]];
		if (s < special)
			continue;
		while (s >= sbase) {
			const struct aho_sparse *sp = &a->sparse[s - sbase];
			const struct aho_edge *e = a->edges + sp->edges, *ee = e + sp->nedges;
			uint32_t c;

			if (sp->out != AHO_NONE && aho_report(a->outs + sp->out, fn, arg, i))
				return;
			if (i == len)
				return;
			c = cls[p[i++]];
			while (e < ee && e->cls != c)
				e++;
			s = e < ee ? e->to : tr[sp->fallback + c];
		}
		if (s >= special && aho_report(a->outs + tr[s + a->nclass], fn, arg, i))
			return;
	}
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
	return sizeof(*a) + a->ntrans * sizeof(*a->trans) + a->nouts * sizeof(*a->outs) +
	    a->nsparse * sizeof(*a->sparse) + a->nedges * sizeof(*a->edges);
}
