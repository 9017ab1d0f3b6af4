/*
 * model.h: a linear classifier beside the rules, trained on the team's own
 * labelled mentions.
 *
 * Features are hashed n-grams of the text folded exactly as the rules fold
 * it (norm_fold_text then norm_redup, see normalize.h): word 1-2-grams and
 * character 2-5-grams (code points, the text framed by a space on each
 * side). Each occurrence of an n-gram adds its weight / sqrt(number of
 * n-gram occurrences of the text); p = 1 / (1 + exp(-(bias + that sum))).
 * Training is L2-regularised logistic regression by SGD in a fixed order
 * drawn from the seed: the same examples and options give a byte-identical
 * model file. The file format is described in model.c and keluh-model(5).
 *
 * A struct model is immutable once made (trained or loaded) and may be read
 * by any number of threads at once. Its maker holds one reference;
 * model_ref adds one (from any thread) and model_free drops one, the last
 * frees it: rule sets share the loaded models this way. Scoring needs
 * scratch memory (the folded text); model_prob and model_explain make
 * their own per call, the *_with forms reuse a struct model_scratch owned
 * by one thread, so that scoring allocates nothing in the steady state.
 */
#ifndef KELUH_MODEL_H
#define KELUH_MODEL_H

#include <stddef.h>
#include <stdint.h>

struct model;
struct model_scratch;

/* One labelled mention: text is raw UTF-8 (not NUL-terminated), label 1 complaint, 0 not. */
struct model_example {
	const char *text;
	size_t len;
	int label;
};

struct model_opts {
	unsigned bits;   /* the weight table has 2^bits slots (MODEL_BITS_MIN..MODEL_BITS_MAX) */
	double l2;       /* L2 penalty per example */
	unsigned epochs; /* passes over the examples */
	uint64_t seed;   /* n-gram hash seed and the order of the passes */
};

#define MODEL_BITS_MIN     10
#define MODEL_BITS_MAX     24
#define MODEL_FILE_VERSION 2

/* bits 18, l2 1e-5, epochs 10, seed 1. */
void model_opts_default(struct model_opts *);

/*
 * Fits a model to ex[0..n). Needs at least one example of each label, valid
 * UTF-8 texts and sane options; otherwise NULL with err set. The info's
 * label counts, seed and norm_version are filled; date, cv_f1 and folds are
 * the trainer's to set (model_set_info) before saving.
 */
struct model *model_train(const struct model_example *ex, size_t n, const struct model_opts *,
                          char *err, size_t errlen);
/* Loads a model file. On error NULL, with err "PATH: error: what, and how to fix it". */
struct model *model_load(const char *path, char *err, size_t errlen);
/*
 * The same from a file's bytes in memory; path names it in errors and in
 * model_name.
 */
struct model *model_parse(const char *path, const void *data, size_t len, char *err, size_t errlen);
/* Writes the model to path (through a temporary file renamed in place). 0, or -1 with err. */
int model_save(const struct model *, const char *path, char *err, size_t errlen);
/* Another reference to m (returned); each is dropped with model_free. */
struct model *model_ref(struct model *);
void model_free(struct model *);
/*
 * Model files read (model_load) since the program started, for the
 * metric that shows a file is not read again where a loaded model can do.
 */
unsigned long model_files_read(void);
/* From the file name: brand-complaints.model -> brand-complaints; "model" when trained. */
const char *model_name(const struct model *);

/* Probability of "complaint" for a mention's text (raw UTF-8; the model folds it as the rules do).
 */
double model_prob(const struct model *, const char *text, size_t len);

/*
 * The n-grams that pushed the score most. start/end: byte span in the raw
 * text; weight: the n-gram's part of the score (log-odds; > 0 towards a
 * complaint); gram: the folded n-gram, NUL-terminated, cut at a code point.
 * A word's character n-grams are counted into the word, so the units are
 * words, word pairs (one span from the first word's start to the second's
 * end) and the character n-grams outside any word ("!!"). Sorted with the
 * strongest towards the verdict first: positive ones first when p >= 0.5,
 * negative ones first otherwise. Returns the number filled (<= max).
 */
struct model_why {
	size_t start, end;
	double weight;
	char gram[64];
};
size_t model_explain(const struct model *, const char *text, size_t len, struct model_why *out,
                     size_t max);

/* Training figures stored in the file (set by the trainer/CLI before save). */
struct model_info {
	char date[32];
	unsigned n_pos, n_neg;
	double cv_f1;
	unsigned folds;
	unsigned norm_version;
	uint64_t seed;
};
const struct model_info *model_info(const struct model *);
void model_set_info(struct model *, const struct model_info *);
/* The table size it was made with (2^bits slots). */
unsigned model_bits(const struct model *);

/*
 * Scratch for one thread: the folded text and the explanation's work
 * arrays, grown as needed and kept. model_prob_with and model_explain_with
 * are model_prob and model_explain without the allocation per call.
 */
struct model_scratch *model_scratch_new(void);
void model_scratch_free(struct model_scratch *);
double model_prob_with(const struct model *, struct model_scratch *, const char *text, size_t len);
size_t model_explain_with(const struct model *, struct model_scratch *, const char *text,
                          size_t len, struct model_why *out, size_t max);
/*
 * The same score on text already folded as the rules fold it (norm_fold or
 * norm_fold_text, then norm_redup): classify has it at hand.
 */
double model_prob_folded(const struct model *, struct model_scratch *, const char *folded,
                         size_t flen);

#endif
