/*
 * normalize.h: the one text folding shared by keywords and mention text.
 *
 * Folding, in order, per code point:
 *   - Unicode compatibility decomposition, full case folding, marks stripped
 *     (utf8proc COMPAT|CASEFOLD|DECOMPOSE|STRIPMARK|IGNORE, applied one code
 *     point at a time so the result is context free): "Café" -> "cafe",
 *     fullwidth "ＬＯＧＩＮ" -> "login", "Straße" -> "strasse";
 *   - typographic apostrophes and quotes become ' and ";
 *   - every run of white space (any Unicode space, tab, newline) becomes
 *     one ' ', and leading/trailing white space is dropped;
 *   - a run of three or more equal letters (of any script, as they come
 *     out of the steps above) becomes one: "lamaaa" -> "lama", "parahhh"
 *     -> "parah", "GOOOD" -> "god", "sooo" -> "so". A run of two stays:
 *     "good", "off" and "Straße" -> "strasse" are unchanged, so keywords
 *     with doubled letters do not fold into other words. Keywords are
 *     folded the same way, so both sides agree. Digits, punctuation and
 *     symbols are never squeezed ("1000", "!!!").
 * ASCII input takes a fast path that never calls utf8proc.
 *
 * Offsets: map[i] is the byte offset in the original text of the code point
 * that produced folded byte i; map[len] is the original length. A letter
 * kept for a collapsed run maps to the first letter of the run. A folded
 * span [fs, fe) covers original bytes [map[fs], map[fe]) (this includes
 * letters squeezed away and marks stripped at its end).
 *
 * Substrings: if a string occurs in the original text (starting and ending
 * on code point boundaries) and its folding neither begins nor ends with
 * two equal letters, its folding occurs in the folded text. In particular
 * this holds for any string whose folding has no two equal letters in a
 * row. It does not hold in general for a string that begins or ends inside
 * a run of equal letters: "goo" occurs in "goood", but "goo" does not occur
 * in its folding "god". The prefilter relies on this, so it splits regex
 * literals at doubled letters ("good" into "go" and "od").
 *
 * Reduplication (norm_redup, a separate step after the fold, which
 * classify and keywords take and the rest of this contract leaves out):
 * Indonesian writes a doubled word with a hyphen ("masuk-masuk") or, in
 * chat, with a '2' ("masuk2", "gara2"). "X2" becomes "X-X" in the text and
 * in keywords, so "masuk2" and "masuk-masuk" match each other either way,
 * and the base word ("masuk", "ga masuk") matches both, as a hyphen ends a
 * word. A keyword with the words spaced ("masuk masuk") is also looked for
 * as "masuk-masuk" (norm_redup_spaced), so it matches all three; spaced
 * text is left alone ("minta minta" may be the verb twice). The base word X
 * must be at least NORM_REDUP_MIN ASCII letters (as folded), two of them
 * vowels (abbreviations like "ojk" or "gen" have one), start a word, be the
 * whole word before the '2', and not be a question word ("apa2" means
 * "anything", not "what"); the '2' must end the word and not start a
 * decimal ("web2.0"). So "b2b", "h2h", "mp3", "ojk2", "gen2", "covid19",
 * "x2", "ps2", "100rb2", "masuk2nya" and "apa2" stay as they are.
 */
#define NORM_REDUP_MIN 3
/*
 * The folding's version: bump it whenever a text folds differently, so that
 * a trained model (model.h), whose n-grams are of folded text, is refused
 * instead of silently scoring other n-grams than it learnt.
 */
#define NORM_VERSION 1
#ifndef KELUH_NORMALIZE_H
#define KELUH_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

struct norm_buf {
	char *text;	/* folded UTF-8, NUL-terminated, owned */
	uint32_t *map;	/* len + 1 entries, owned */
	size_t len;
	size_t cap;
};

void norm_init(struct norm_buf *);
void norm_free(struct norm_buf *);

/*
 * Folds s[0..len) into nb, reusing its memory. s must be valid UTF-8 (the
 * caller checks once per mention, see utf8_valid_prefix); texts over 4 GiB
 * are not supported. Returns 0.
 */
int norm_fold(struct norm_buf *nb, const char *s, size_t len);
/*
 * The same folded text without the map (nb->map is left as it was), for
 * callers that need offsets only now and then: the map costs a store per
 * byte. norm_fold on the same input gives the same text and its map.
 */
int norm_fold_text(struct norm_buf *nb, const char *s, size_t len);

/* Folds a literal at load time (no reduplication); returns a malloc'd string. */
char *norm_fold_str(const char *s, size_t len, size_t *outlen);
/* Folds a keyword at load time: norm_fold_str, then norm_redup. */
char *norm_fold_key(const char *s, size_t len, size_t *outlen);
/*
 * For a folded keyword with a doubled word spaced ("masuk masuk"), the
 * same with a '-' in each such space ("masuk-masuk"), malloc'd; NULL when
 * there is none.
 */
char *norm_redup_spaced(const char *k, size_t len, size_t *outlen);

/*
 * Rewrites folded text nb (from norm_fold, or norm_fold_text when
 * with_map is 0) into its reduplication form, in place; nb may grow, to
 * less than twice its length (each "X2" adds the length of X). The
 * map stays monotonic: for "X2" the first X keeps its offsets while the '-'
 * and the added copy of X map to the '2' (a span that starts in the copy
 * starts at the '2'; one that covers both copies covers "X2"). Text without
 * a '2' costs one memchr.
 */
void norm_redup(struct norm_buf *nb, int with_map);

/*
 * Word characters are letters, marks and digits of any script, and '_'.
 * These look at the folded text around a position: the code point ending
 * at pos, and the one starting at pos.
 */
int norm_word_before(const char *text, size_t pos);
int norm_word_after(const char *text, size_t len, size_t pos);
int norm_is_word_cp(int32_t cp);

#endif
