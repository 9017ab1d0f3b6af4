/*
 * feed.h: an RSS 2.0, RSS 1.0 (RDF) or Atom document -> its items, each
 * as the fields a mention needs. Pure (no I/O, no network); parsed with
 * libxml2 without network access, DTD loading or entity substitution.
 *
 * The feed owns its items and every string in them; strings are valid
 * UTF-8 and NUL-terminated.
 */
#ifndef KELUH_FEED_H
#define KELUH_FEED_H

#include <stddef.h>
#include <stdint.h>

/* Items read from one document at most; the rest are counted in nextra. */
#define FEED_MAX_ITEMS 1000

struct feed_item {
	char *id;		/* guid, Atom id, else the link; NULL when none */
	char *text;		/* the title, a blank line, the body as plain text; NULL: neither */
	char *url;		/* the link (Atom: rel=alternate), absolute; or NULL */
	char *created_at;	/* ISO 8601 UTC, or NULL */
	int64_t created_ms;	/* Unix ms, or -1 when unknown */
	char *author;		/* dc:creator, author, Atom author/name; or NULL */
	int bad_utf8;		/* held bytes that were not UTF-8: skip it */
};

enum feed_kind { FEED_RSS, FEED_RDF, FEED_ATOM };

struct feed {
	enum feed_kind kind;
	struct feed_item *items;	/* in document order */
	size_t nitems;
	size_t nextra;		/* items past FEED_MAX_ITEMS, not read */
};

/*
 * Parses data[0..len). base resolves relative links (the feed's URL; may
 * be NULL). Returns 0, or -1 with what is wrong in err (a parse error with
 * its line and column, or "not a feed").
 */
int feed_parse(struct feed *, const char *data, size_t len, const char *base, char *err,
    size_t errlen);
void feed_free(struct feed *);

/* An RFC 822 (RSS pubDate) or RFC 3339 (Atom) date -> Unix ms, or -1. */
int64_t feed_date(const char *s);

#endif
