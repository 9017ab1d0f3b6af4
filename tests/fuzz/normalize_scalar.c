/*
 * normalize.c once more, built without its SSE2 and word-at-a-time paths
 * and under other names, for fuzz_normalize to compare with.
 */
#define NORM_SSE2        0
#define NORM_SWAR        0
#define norm_init        scalar_norm_init
#define norm_free        scalar_norm_free
#define norm_fold        scalar_norm_fold
#define norm_fold_text   scalar_norm_fold_text
#define norm_fold_str    scalar_norm_fold_str
#define norm_fold_key     scalar_norm_fold_key
#define norm_redup        scalar_norm_redup
#define norm_redup_spaced scalar_norm_redup_spaced
#define norm_word_before scalar_norm_word_before
#define norm_word_after  scalar_norm_word_after
#define norm_is_word_cp  scalar_norm_is_word_cp
#include "engine/normalize.c"
