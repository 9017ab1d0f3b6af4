#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>

#include "engine/mention.h"
#include "lib/htmltext.h"
#include "lib/util.h"
#include "sources/feed.h"

#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

/*
 * A byte sequence that is not UTF-8 becomes U+FDD0 (a noncharacter, legal
 * in XML) before parsing, so that the one item holding it can be skipped
 * instead of the whole document failing.
 */
static const char bad_mark[] = "\xef\xb7\x90";

/*
 * No network, no DTD loading, no entity substitution (references to
 * declared entities stay reference nodes, which are never read), no
 * XInclude, default size limits (no XML_PARSE_HUGE). CDATA merges into text.
 */
#define FEED_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | \
	XML_PARSE_NOCDATA)

/* Whether the document is UTF-8: no BOM of UTF-16 and no other encoding declared. */
static int
feed_is_utf8(const char *d, size_t len)
{
	const char *end, *e;
	char q;
	size_t n;

	if (len >= 2 && (((unsigned char)d[0] == 0xfe && (unsigned char)d[1] == 0xff) ||
	    ((unsigned char)d[0] == 0xff && (unsigned char)d[1] == 0xfe)))
		return 0;
	if (len < 5 || memcmp(d, "<?xml", 5) != 0)
		return 1;
	n = len < 300 ? len : 300;
	if ((end = memmem(d, n, "?>", 2)) == NULL)
		return 1;
	if ((e = memmem(d, (size_t)(end - d), "encoding", 8)) == NULL)
		return 1;
	for (e += 8; e < end && (*e == ' ' || *e == '='); e++)
		;
	if (e >= end || (*e != '"' && *e != '\''))
		return 1;
	q = *e++;
	n = 0;
	while (e + n < end && e[n] != q)
		n++;
	return (n == 5 && strncasecmp(e, "utf-8", 5) == 0) ||
	    (n == 4 && strncasecmp(e, "utf8", 4) == 0);
}

/* A copy of d with every byte that does not start valid UTF-8 replaced by bad_mark. */
static char *
feed_mark_bad(const char *d, size_t len, size_t *outlen)
{
	struct buf b;

	buf_init(&b);
	while (len) {
		size_t good = utf8_valid_prefix(d, len);

		buf_add(&b, d, good);
		d += good;
		len -= good;
		if (len) {
			buf_add(&b, bad_mark, 3);
			d++;
			len--;
		}
	}
	*outlen = b.len;
	return b.data;
}

static int
feed_same_ns(const xmlNode *a, const xmlNode *b)
{
	if (a->ns == NULL || b->ns == NULL)
		return a->ns == b->ns;
	return xmlStrEqual(a->ns->href, b->ns->href);
}

/* n is an element called name, in namespace ns (NULL: the namespace of parent). */
static int
feed_is(const xmlNode *n, const xmlNode *parent, const char *name, const char *ns)
{
	if (n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, (const xmlChar *)name))
		return 0;
	if (ns == NULL)
		return feed_same_ns(n, parent);
	return n->ns && xmlStrEqual(n->ns->href, (const xmlChar *)ns);
}

static xmlNode *
feed_child(const xmlNode *parent, const char *name, const char *ns)
{
	for (xmlNode *c = parent->children; c; c = c->next)
		if (feed_is(c, parent, name, ns))
			return c;
	return NULL;
}

/* The character data inside n, at any depth; entity references are not followed. */
static void
feed_node_text(const xmlNode *n, struct buf *b)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			buf_adds(b, (const char *)c->content);
		else if (c->type == XML_ELEMENT_NODE)
			feed_node_text(c, b);
	}
}

static void
feed_trim(struct buf *b, size_t from)
{
	size_t s = from;

	while (b->len && isspace((unsigned char)b->data[b->len - 1]))
		b->len--;
	while (s < b->len && isspace((unsigned char)b->data[s]))
		s++;
	if (s > from) {
		memmove(b->data + from, b->data + s, b->len - s);
		b->len -= s - from;
	}
	if (b->data)
		b->data[b->len] = '\0';
}

/* The trimmed text of n, or NULL when n is missing or holds none. */
static char *
feed_plain(const xmlNode *n)
{
	struct buf b;

	if (n == NULL)
		return NULL;
	buf_init(&b);
	feed_node_text(n, &b);
	feed_trim(&b, 0);
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* Text that may hold markup: '<' before a letter, '/' or '!' starts a tag. */
static int
feed_looks_html(const char *s)
{
	for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<'))
		if (isalpha((unsigned char)p[1]) || p[1] == '/' || p[1] == '!')
			return 1;
	return 0;
}

enum ctype { CT_TEXT, CT_HTML, CT_XHTML };

/* Atom's type attribute (RFC 4287 3.1.1): text unless it says html or xhtml. */
static enum ctype
feed_atom_type(const xmlNode *n)
{
	xmlChar *t = xmlGetProp(n, (const xmlChar *)"type");
	enum ctype c = CT_TEXT;

	if (t && (xmlStrcasecmp(t, (const xmlChar *)"html") == 0 ||
	    xmlStrcasecmp(t, (const xmlChar *)"text/html") == 0))
		c = CT_HTML;
	else if (t && (xmlStrcasecmp(t, (const xmlChar *)"xhtml") == 0 ||
	    xmlStrcasecmp(t, (const xmlChar *)"application/xhtml+xml") == 0))
		c = CT_XHTML;
	xmlFree(t);
	return c;
}

/* Appends what a person reads in n to out, trimmed. */
static void
feed_add_content(struct buf *out, xmlDoc *doc, const xmlNode *n, enum ctype ct)
{
	size_t from = out->len;

	if (ct == CT_XHTML) {
		xmlBuffer *xb = xmlBufferCreate();

		for (xmlNode *c = n->children; c; c = c->next)
			xmlNodeDump(xb, doc, c, 0, 0);
		htmltext(out, (const char *)xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
		xmlBufferFree(xb);
	} else {
		struct buf t;

		buf_init(&t);
		feed_node_text(n, &t);
		if (ct == CT_HTML)
			htmltext(out, t.data ? t.data : "", t.len);
		else
			buf_add(out, t.data ? t.data : "", t.len);
		buf_free(&t);
	}
	feed_trim(out, from);
}

/* The title and the body as one text: the title, a blank line, the body. */
static char *
feed_join(xmlDoc *doc, const xmlNode *title, enum ctype tt, const xmlNode *body, enum ctype bt)
{
	struct buf b;
	size_t n;

	buf_init(&b);
	if (title)
		feed_add_content(&b, doc, title, tt);
	if (body) {
		size_t at = b.len;

		if (at)
			buf_adds(&b, "\n\n");
		feed_add_content(&b, doc, body, bt);
		if (b.len == at + 2 * (at > 0))
			b.len = at;	/* an empty body: no blank line after the title */
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	/* the longest text a mention takes, cut between code points */
	n = b.len;
	if (n > MENTION_MAX_TEXT) {
		n = MENTION_MAX_TEXT;
		while (n > 0 && ((unsigned char)b.data[n] & 0xc0) == 0x80)
			n--;
	}
	b.len = n;
	b.data[n] = '\0';
	return b.data;
}

/* A link made absolute against xml:base and the document's URL. */
static char *
feed_resolve(xmlDoc *doc, const xmlNode *n, char *link)
{
	xmlChar *base, *abs;
	char *r;

	if (link == NULL || strncasecmp(link, "http://", 7) == 0 ||
	    strncasecmp(link, "https://", 8) == 0)
		return link;
	base = xmlNodeGetBase(doc, n);
	abs = base ? xmlBuildURI((const xmlChar *)link, base) : NULL;
	xmlFree(base);
	if (abs == NULL)
		return link;
	free(link);
	r = xstrdup((const char *)abs);
	xmlFree(abs);
	return r;
}

/* RSS's author is "email (Name)": the name when there is one. */
static char *
feed_rss_author(char *a)
{
	char *o, *c;

	if (a == NULL || (o = strchr(a, '(')) == NULL || (c = strrchr(o, ')')) == NULL ||
	    c == o + 1)
		return a;
	memmove(a, o + 1, (size_t)(c - o - 1));
	a[c - o - 1] = '\0';
	return a;
}

static void
feed_set_date(struct feed_item *it, char *s)
{
	char iso[40];

	it->created_ms = s ? feed_date(s) : -1;
	if (it->created_ms >= 0) {
		util_iso8601(it->created_ms, iso, sizeof(iso));
		it->created_at = xstrdup(iso);
	}
	free(s);
}

/* An RSS 2.0 item, or an RSS 1.0 one (its rdf:about is its id). */
static void
feed_rss_item(struct feed_item *it, xmlDoc *doc, const xmlNode *n)
{
	const xmlNode *title = feed_child(n, "title", NULL), *body = feed_child(n, "description",
	    NULL);
	char *t, *d;
	enum ctype tt = CT_TEXT;

	if (body == NULL || (t = feed_plain(body)) == NULL)
		body = feed_child(n, "encoded", NS_CONTENT);
	else
		free(t);
	/* RSS titles are text, but feeds such as Google Alerts put escaped markup in them */
	if (title && (t = feed_plain(title)) != NULL) {
		tt = feed_looks_html(t) ? CT_HTML : CT_TEXT;
		free(t);
	}
	it->text = feed_join(doc, title, tt, body, CT_HTML);
	it->url = feed_resolve(doc, n, feed_plain(feed_child(n, "link", NULL)));
	it->id = feed_plain(feed_child(n, "guid", NULL));
	if (it->id == NULL) {
		xmlChar *about = xmlGetNsProp(n, (const xmlChar *)"about", (const xmlChar *)NS_RDF);

		if (about && *about)
			it->id = xstrdup((const char *)about);
		xmlFree(about);
	}
	if ((d = feed_plain(feed_child(n, "pubDate", NULL))) == NULL)
		d = feed_plain(feed_child(n, "date", NS_DC));
	feed_set_date(it, d);
	if ((it->author = feed_plain(feed_child(n, "creator", NS_DC))) == NULL)
		it->author = feed_rss_author(feed_plain(feed_child(n, "author", NULL)));
}

/* Atom's link to the entry itself: rel="alternate" (the default), HTML first. */
static char *
feed_atom_link(xmlDoc *doc, const xmlNode *n)
{
	char *best = NULL;
	int best_html = 0;

	for (xmlNode *c = n->children; c; c = c->next) {
		xmlChar *rel, *href, *type;
		int html;

		if (!feed_is(c, n, "link", NULL))
			continue;
		rel = xmlGetProp(c, (const xmlChar *)"rel");
		href = xmlGetProp(c, (const xmlChar *)"href");
		type = xmlGetProp(c, (const xmlChar *)"type");
		html = type == NULL || xmlStrcasecmp(type, (const xmlChar *)"text/html") == 0;
		if (href && *href &&
		    (rel == NULL || xmlStrEqual(rel, (const xmlChar *)"alternate")) &&
		    (best == NULL || (html && !best_html))) {
			free(best);
			best = xstrdup((const char *)href);
			best_html = html;
		}
		xmlFree(rel);
		xmlFree(href);
		xmlFree(type);
	}
	return feed_resolve(doc, n, best);
}

static void
feed_atom_entry(struct feed_item *it, xmlDoc *doc, const xmlNode *n)
{
	const xmlNode *title = feed_child(n, "title", NULL), *body = feed_child(n, "content", NULL);
	const xmlNode *author;
	xmlChar *src;
	char *d;

	/* out-of-line content (src=) has nothing to read here: the summary then */
	if (body && (src = xmlGetProp(body, (const xmlChar *)"src")) != NULL) {
		xmlFree(src);
		body = NULL;
	}
	if (body == NULL)
		body = feed_child(n, "summary", NULL);
	it->text = feed_join(doc, title, title ? feed_atom_type(title) : CT_TEXT, body,
	    body ? feed_atom_type(body) : CT_TEXT);
	it->url = feed_atom_link(doc, n);
	it->id = feed_plain(feed_child(n, "id", NULL));
	/* published is when it was said; updated moves with every edit (0.3: issued, modified) */
	if ((d = feed_plain(feed_child(n, "published", NULL))) == NULL &&
	    (d = feed_plain(feed_child(n, "updated", NULL))) == NULL &&
	    (d = feed_plain(feed_child(n, "issued", NULL))) == NULL)
		d = feed_plain(feed_child(n, "modified", NULL));
	feed_set_date(it, d);
	if ((author = feed_child(n, "author", NULL)) != NULL)
		it->author = feed_plain(feed_child(author, "name", NULL));
}

static int
feed_has_mark(const char *s)
{
	return s && strstr(s, bad_mark) != NULL;
}

static void
feed_item_free(struct feed_item *it)
{
	free(it->id);
	free(it->text);
	free(it->url);
	free(it->created_at);
	free(it->author);
}

/* Reads the items (RSS: item, Atom: entry) among n's children. */
static void
feed_items(struct feed *f, xmlDoc *doc, const xmlNode *n, const char *name)
{
	for (xmlNode *c = n->children; c; c = c->next) {
		struct feed_item *it;

		/* RSS 1.0 items are in the RSS namespace under rdf:RDF; Atom's in Atom's */
		if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, (const xmlChar *)name) ||
		    (f->kind == FEED_ATOM && !feed_same_ns(c, n)))
			continue;
		if (f->nitems >= FEED_MAX_ITEMS) {
			f->nextra++;
			continue;
		}
		f->items = xreallocarray(f->items, f->nitems + 1, sizeof(*f->items));
		it = &f->items[f->nitems++];
		memset(it, 0, sizeof(*it));
		it->created_ms = -1;
		if (f->kind == FEED_ATOM)
			feed_atom_entry(it, doc, c);
		else
			feed_rss_item(it, doc, c);
		if (it->id == NULL && it->url)
			it->id = xstrdup(it->url);
		it->bad_utf8 = feed_has_mark(it->id) || feed_has_mark(it->text) ||
		    feed_has_mark(it->url) || feed_has_mark(it->author);
	}
}

int
feed_parse(struct feed *f, const char *data, size_t len, const char *base, char *err,
    size_t errlen)
{
	xmlParserCtxt *ctxt;
	xmlDoc *doc;
	xmlNode *root, *ch;
	char *marked = NULL;
	size_t mlen = len;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	if (len == 0) {
		snprintf(err, errlen, "the answer is empty");
		return -1;
	}
	if (len > INT_MAX) {
		snprintf(err, errlen, "the document is over %d bytes", INT_MAX);
		return -1;
	}
	if (feed_is_utf8(data, len) && utf8_valid_prefix(data, len) != len)
		data = marked = feed_mark_bad(data, len, &mlen);
	if (mlen > INT_MAX || (ctxt = xmlNewParserCtxt()) == NULL) {
		snprintf(err, errlen, "cannot set up the XML parser");
		free(marked);
		return -1;
	}
	doc = xmlCtxtReadMemory(ctxt, data, (int)mlen, base, NULL, FEED_XML_OPTIONS);
	if (doc == NULL) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		size_t ml;

		if (e && e->message) {
			ml = strlen(e->message);
			while (ml && isspace((unsigned char)e->message[ml - 1]))
				ml--;
			snprintf(err, errlen, "not well-formed XML (line %d, column %d: %.*s)",
			    e->line, e->int2, (int)ml, e->message);
		} else
			snprintf(err, errlen, "not well-formed XML");
		goto out;
	}
	if ((root = xmlDocGetRootElement(doc)) == NULL) {
		snprintf(err, errlen, "the document has no root element");
		goto out;
	}
	if (xmlStrEqual(root->name, (const xmlChar *)"rss")) {
		f->kind = FEED_RSS;
		if ((ch = feed_child(root, "channel", NULL)) == NULL) {
			snprintf(err, errlen, "an <rss> document without a <channel>");
			goto out;
		}
		feed_items(f, doc, ch, "item");
	} else if (xmlStrEqual(root->name, (const xmlChar *)"RDF") && root->ns &&
	    xmlStrEqual(root->ns->href, (const xmlChar *)NS_RDF)) {
		f->kind = FEED_RDF;
		feed_items(f, doc, root, "item");
	} else if (xmlStrEqual(root->name, (const xmlChar *)"feed")) {
		f->kind = FEED_ATOM;
		feed_items(f, doc, root, "entry");
	} else {
		snprintf(err, errlen, "not an RSS or Atom feed (the root element is <%.40s>)",
		    (const char *)root->name);
		goto out;
	}
	rc = 0;
out:
	if (doc)
		xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	free(marked);
	if (rc < 0)
		feed_free(f);
	return rc;
}

void
feed_free(struct feed *f)
{
	for (size_t i = 0; i < f->nitems; i++)
		feed_item_free(&f->items[i]);
	free(f->items);
	memset(f, 0, sizeof(*f));
}

/* n digits at s -> value, or -1. */
static int
feed_digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* RFC 3339 (and a bare date): 2026-11-23T05:00:00.123+07:00. */
static int64_t
feed_rfc3339(const char *s)
{
	int y = feed_digits(s, 4), mo, d, h = 0, mi = 0, sec = 0, off = 0;
	struct tm tm;
	time_t t;

	if (y < 0 || s[4] != '-' || (mo = feed_digits(s + 5, 2)) < 1 || mo > 12 || s[7] != '-' ||
	    (d = feed_digits(s + 8, 2)) < 1 || d > 31)
		return -1;
	s += 10;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		if ((h = feed_digits(s + 1, 2)) < 0 || h > 23 || s[3] != ':' ||
		    (mi = feed_digits(s + 4, 2)) < 0 || mi > 59)
			return -1;
		s += 6;
		if (*s == ':') {
			if ((sec = feed_digits(s + 1, 2)) < 0 || sec > 60)
				return -1;
			s += 3;
			if (*s == '.' || *s == ',')
				for (s++; isdigit((unsigned char)*s); s++)
					;
		}
		if (*s == 'Z' || *s == 'z')
			s++;
		else if (*s == '+' || *s == '-') {
			int oh = feed_digits(s + 1, 2), om;

			if (oh < 0 || oh > 23)
				return -1;
			om = s[3] == ':' ? feed_digits(s + 4, 2) : feed_digits(s + 3, 2);
			if (om < 0 || om > 59)
				return -1;
			off = (oh * 60 + om) * 60 * (*s == '-' ? -1 : 1);
			s += s[3] == ':' ? 6 : 5;
		}
	}
	if (*s != '\0')
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	t -= off;
	return t < 0 ? -1 : (int64_t)t * 1000;
}

int64_t
feed_date(const char *s)
{
	time_t t;

	while (isspace((unsigned char)*s))
		s++;
	if (isdigit((unsigned char)s[0]) && strlen(s) >= 10 && s[4] == '-')
		return feed_rfc3339(s);
	/* RFC 822 with its zones (GMT, +0700, EST...): libcurl parses what HTTP dates are */
	if ((t = curl_getdate(s, NULL)) == (time_t)-1 || t < 0)
		return -1;
	return (int64_t)t * 1000;
}
