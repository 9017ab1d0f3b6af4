/*
 * ctl_exset.c: the labelled mentions keluhctl eval and learn read, their
 * folds for cross-validation, and precision, recall and F1.
 *
 * Two inputs: a labels file (what keluhctl label --export writes: NDJSON
 * {"id","text","complaint"}, or CSV id,text,complaint[,team]), or a pair:
 * mentions as keluhd takes them (NDJSON, no labels) and a CSV of their
 * labels joined by id, whose priority column, when there is one, is the
 * priority a person gave (keluhctl eval measures the verdicts' against it).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_eval.h"
#include "ctl/ctl_labels.h"
#include "engine/model.h"
#include "lib/util.h"

static struct ctl_ex *
exset_push(struct ctl_exset *s)
{
	struct ctl_ex *e;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->ex = xreallocarray(s->ex, s->cap, sizeof(*s->ex));
	}
	e = &s->ex[s->n++];
	memset(e, 0, sizeof(*e));
	e->prio = -1;
	return e;
}

void
ctl_exset_free(struct ctl_exset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->ex[i].id);
		free(s->ex[i].text);
	}
	free(s->ex);
	memset(s, 0, sizeof(*s));
}

static void
exset_take(struct ctl_exset *s, struct ctl_label *l)
{
	struct ctl_ex *e = exset_push(s);
	enum prio p;

	e->id = l->id;
	e->text = l->text;
	e->len = l->text_len;
	l->id = l->text = NULL;
	e->complaint = l->complaint != 0;
	if (l->priority && prio_parse(l->priority, &p) == 0)
		e->prio = (int)p;
}

int
ctl_exset_read(struct ctl_exset *s, const char *labels, const char *gold)
{
	struct ctl_labels_limits lim;
	struct ctl_labels ls;
	char err[512];
	int rc;

	memset(s, 0, sizeof(*s));
	ctl_labels_limits_default(&lim);
	rc = gold ? ctl_labels_read_pair(labels, gold, &lim, stderr, &ls, err, sizeof(err))
	          : ctl_labels_read(labels, CTL_LABELS_SNIFF, &lim, stderr, &ls, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "keluhctl: %s\n", err);
		return -1;
	}
	for (size_t i = 0; i < ls.n; i++)
		exset_take(s, &ls.v[i]);
	s->bad = ls.bad;
	ctl_labels_free(&ls);
	for (size_t i = 0; i < s->n; i++) {
		s->npos += s->ex[i].complaint;
		s->nprio += s->ex[i].prio >= 0;
	}
	if (s->bad)
		fprintf(stderr,
		        "keluhctl: %s: %zu line(s) refused (see above); the %zu others are "
		        "used\n",
		        gold ? gold : labels, s->bad, s->n);
	if (s->n == 0) {
		fprintf(stderr, "keluhctl: %s: no labelled mention to learn from or measure on\n",
		        gold ? gold : labels);
		ctl_exset_free(s);
		return -1;
	}
	return 0;
}

struct fold_key {
	uint64_t h;
	size_t i;
};

static int
fold_key_cmp(const void *a, const void *b)
{
	const struct fold_key *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

void
ctl_exset_folds(struct ctl_exset *s, unsigned k)
{
	struct fold_key *key = xcalloc(s->n ? s->n : 1, sizeof(*key));
	unsigned next[2] = {0, 0};

	for (size_t i = 0; i < s->n; i++) {
		/* id and text: the order of the file and the row's place never matter */
		key[i].h = util_hash_str(s->ex[i].id) * 31 + util_hash_str(s->ex[i].text);
		key[i].i = i;
	}
	qsort(key, s->n, sizeof(*key), fold_key_cmp);
	for (size_t j = 0; j < s->n; j++) {
		struct ctl_ex *e = &s->ex[key[j].i];

		e->fold = next[e->complaint != 0]++ % k;
	}
	free(key);
}

void
ctl_counts_add(struct ctl_counts *c, int label, int predicted)
{
	if (label && predicted)
		c->tp++;
	else if (predicted)
		c->fp++;
	else if (label)
		c->fn++;
	else
		c->tn++;
}

static double
ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static double
f1_of(double p, double r)
{
	return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

void
ctl_scores_of(const struct ctl_counts *c, struct ctl_scores *s)
{
	s->p = ratio(c->tp, c->tp + c->fp);
	s->r = ratio(c->tp, c->tp + c->fn);
	s->f1 = f1_of(s->p, s->r);
	s->np = ratio(c->tn, c->tn + c->fn);
	s->nr = ratio(c->tn, c->tn + c->fp);
	s->nf1 = f1_of(s->np, s->nr);
	s->macro_f1 = (s->f1 + s->nf1) / 2;
	s->accuracy = ratio(c->tp + c->tn, c->tp + c->tn + c->fp + c->fn);
}

int
ctl_folds_parse(const char *s, unsigned *k)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < 2 || v > CTL_FOLDS_MAX) {
		fprintf(stderr,
		        "keluhctl: --folds takes a number of folds from 2 to %d, not '%s'\n",
		        CTL_FOLDS_MAX, s);
		return -1;
	}
	*k = (unsigned)v;
	return 0;
}

int
ctl_cv_probs(const struct ctl_exset *s, unsigned k, double *p, char *err, size_t errlen)
{
	struct model_example *train = xcalloc(s->n ? s->n : 1, sizeof(*train));
	struct model_opts o;
	int rc = 0;

	model_opts_default(&o);
	for (unsigned f = 0; f < k && rc == 0; f++) {
		struct model *m;
		size_t n = 0;
		char why[256];

		for (size_t i = 0; i < s->n; i++)
			if (s->ex[i].fold != f)
				train[n++] = (struct model_example){s->ex[i].text, s->ex[i].len,
				                                    s->ex[i].complaint != 0};
		if ((m = model_train(train, n, &o, why, sizeof(why))) == NULL) {
			snprintf(err, errlen, "fold %u of %u: %s", f + 1, k, why);
			rc = -1;
			break;
		}
		for (size_t i = 0; i < s->n; i++)
			if (s->ex[i].fold == f)
				p[i] = model_prob(m, s->ex[i].text, s->ex[i].len);
		model_free(m);
	}
	free(train);
	return rc;
}
