/*
 * htmltext.h: the plain text a person reads in a post's HTML (Mastodon's
 * status content, sanitised HTML: <p> <br> <a> <span>, and on remote posts
 * a few block tags). Pure; no I/O.
 *
 * Tags go; <br> is a line break and paragraphs (<p>, and block tags) are
 * separated by a blank line; entities are decoded (named ones that posts
 * use, &#NN; and &#xNN;); links, @mentions and #hashtags keep their
 * visible text; spans of class "invisible" (the hidden parts of long
 * links) are dropped, and an "ellipsis" span keeps its text followed by
 * "…", as Mastodon shows it. Runs of spaces collapse as a browser does,
 * except inside <pre>.
 */
#ifndef KELUH_HTMLTEXT_H
#define KELUH_HTMLTEXT_H

#include <stddef.h>

#include "lib/util.h"

/* Appends the text of html[0..len) to out (valid UTF-8 in, valid UTF-8 out). */
void htmltext(struct buf *out, const char *html, size_t len);

/*
 * htmltext(), also adding to *steps (when not NULL) the bytes its tag and
 * comment scans looked at: a measure of work that tests check grows linearly
 * with hostile input ("<a" repeated, unclosed quotes).
 */
void htmltext_count(struct buf *out, const char *html, size_t len, size_t *steps);

#endif
