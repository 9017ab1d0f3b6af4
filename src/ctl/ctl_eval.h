/*
 * ctl_eval.h: what keluhctl eval (ctl_eval.c) and keluhctl learn
 * (ctl_learn.c) share: the labelled mentions they read, the folds of the
 * cross-validation, and the scores they print.
 */
#ifndef KELUH_CTL_EVAL_H
#define KELUH_CTL_EVAL_H

#include <stddef.h>

#include "engine/rules.h"

/* One labelled mention; the set owns the strings. */
struct ctl_ex {
	char *id;
	char *text;
	size_t len;
	int complaint; /* the label: 1 complaint, 0 not */
	int prio;      /* a labelled priority (enum prio), or -1 when none */
	unsigned fold; /* 0..folds-1 (ctl_exset_folds) */
};

struct ctl_exset {
	struct ctl_ex *ex;
	size_t n, cap;
	size_t npos, nprio; /* complaints, mentions with a labelled priority */
	size_t bad;         /* lines the reader refused (and told) */
};

/*
 * Reads labels (NDJSON or CSV, the files keluhctl label --export writes)
 * with ctl_labels.h; with gold, labels holds the mentions (NDJSON, no
 * labels) and gold the CSV of their labels joined by id (id, complaint, and
 * priority when it has one). Bad lines are told and left out (counted in
 * bad); returns 0, or -1 having said why when nothing can be used.
 */
int ctl_exset_read(struct ctl_exset *, const char *labels, const char *gold);
void ctl_exset_free(struct ctl_exset *);

/*
 * Deals the mentions into k folds, the same way for the same labels in
 * any order: sorted by a hash of id and text, then each class dealt in
 * turn, so every fold has its share of complaints.
 */
void ctl_exset_folds(struct ctl_exset *, unsigned k);

/* A confusion matrix, complaint being the positive class. */
struct ctl_counts {
	size_t tp, fp, fn, tn;
};

struct ctl_scores {
	double p, r, f1;    /* of the complaint class */
	double np, nr, nf1; /* of the not-complaint class */
	double macro_f1, accuracy;
};

void ctl_counts_add(struct ctl_counts *, int label, int predicted);
void ctl_scores_of(const struct ctl_counts *, struct ctl_scores *);

/* The folds option: 2 to CTL_FOLDS_MAX; 0, or -1 having said why. */
#define CTL_FOLDS_DEFAULT 5
#define CTL_FOLDS_MAX     20
int ctl_folds_parse(const char *s, unsigned *k);

/*
 * Cross-validated probabilities of a model: for each fold, a model trained
 * on the other folds (model_opts_default) scores the fold's mentions into
 * p[i]. 0, or -1 with err (a fold without both labels to learn from).
 */
int ctl_cv_probs(const struct ctl_exset *, unsigned k, double *p, char *err, size_t errlen);

/*
 * The rules keluhctl test loads for -c FILE, -r DIR... or neither (the
 * configuration's, or the default packs); NULL having said why. keluhctl.c
 * passes its own loader, so eval and learn measure what test classifies
 * with.
 */
typedef struct ruleset *(*ctl_rules_loader)(const char *conf_path, const char *const *dirs,
                                            size_t ndirs);

/* keluhctl eval and keluhctl learn; argv[0] the command. */
int ctl_eval_main(int argc, char **argv, ctl_rules_loader);
int ctl_learn_main(int argc, char **argv, ctl_rules_loader);

#endif
