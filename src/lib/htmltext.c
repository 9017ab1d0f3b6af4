#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/htmltext.h"

#define HT_MAX_SPANS 64

enum ht_span { HT_PLAIN, HT_INVISIBLE, HT_ELLIPSIS };

/* The writer: whitespace and line breaks are held back until text follows them. */
struct ht {
	struct buf *out;
	size_t start;		/* out->len when we began: breaks before any text are dropped */
	int brk;		/* line breaks owed (2: a blank line) */
	int space;		/* a space owed */
	int pre;		/* inside <pre>: whitespace is kept */
	int hidden;		/* open invisible spans */
	enum ht_span spans[HT_MAX_SPANS];
	size_t nspans;		/* open spans (beyond the array: plain) */
};

static int
ht_started(const struct ht *h)
{
	return h->out->len > h->start;
}

static void
ht_text(struct ht *h, const char *s, size_t n)
{
	if (h->hidden)
		return;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!h->pre && (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f')) {
			h->space = 1;
			continue;
		}
		if (h->pre && c == '\n') {
			h->brk++;
			continue;
		}
		if (h->brk && ht_started(h)) {
			for (int k = 0; k < h->brk; k++)
				buf_addc(h->out, '\n');
		} else if (h->space && ht_started(h) && h->out->data[h->out->len - 1] != '\n')
			buf_addc(h->out, ' ');
		h->brk = h->space = 0;
		buf_addc(h->out, c);
	}
}

static void
ht_break(struct ht *h, int n)
{
	if (h->hidden)
		return;
	if (n == 1)
		h->brk = h->brk < 2 ? h->brk + 1 : 2;	/* <br><br> is a blank line */
	else if (h->brk < 2)
		h->brk = 2;
	h->space = 0;
}

static void
ht_utf8(struct ht *h, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp == 0xa0) {
		/* a no-break space reads as a space (and patterns match it as one) */
		ht_text(h, " ", 1);
		return;
	}
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	ht_text(h, b, n);
}

static const struct {
	const char *name;
	uint32_t cp;
} ht_entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
	{ "nbsp", 0xa0 }, { "hellip", 0x2026 }, { "mdash", 0x2014 }, { "ndash", 0x2013 },
	{ "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "ldquo", 0x201c }, { "rdquo", 0x201d },
	{ "laquo", 0xab }, { "raquo", 0xbb }, { "middot", 0xb7 }, { "bull", 0x2022 },
	{ "copy", 0xa9 }, { "reg", 0xae }, { "trade", 0x2122 }, { "euro", 0x20ac },
	{ "pound", 0xa3 }, { "yen", 0xa5 }, { "cent", 0xa2 }, { "deg", 0xb0 }, { "times", 0xd7 },
	{ "divide", 0xf7 }, { "plusmn", 0xb1 }, { "shy", 0xad }, { "zwj", 0x200d },
	{ "zwnj", 0x200c }, { "thinsp", 0x2009 }, { "ensp", 0x2002 }, { "emsp", 0x2003 },
	{ "iexcl", 0xa1 }, { "iquest", 0xbf }, { "sect", 0xa7 }, { "para", 0xb6 },
	{ "Agrave", 0xc0 }, { "Aacute", 0xc1 }, { "Auml", 0xc4 }, { "Ccedil", 0xc7 },
	{ "Egrave", 0xc8 }, { "Eacute", 0xc9 }, { "Ntilde", 0xd1 }, { "Ouml", 0xd6 },
	{ "Uuml", 0xdc }, { "szlig", 0xdf }, { "agrave", 0xe0 }, { "aacute", 0xe1 },
	{ "acirc", 0xe2 }, { "atilde", 0xe3 }, { "auml", 0xe4 }, { "aring", 0xe5 },
	{ "ccedil", 0xe7 }, { "egrave", 0xe8 }, { "eacute", 0xe9 }, { "ecirc", 0xea },
	{ "euml", 0xeb }, { "igrave", 0xec }, { "iacute", 0xed }, { "icirc", 0xee },
	{ "iuml", 0xef }, { "ntilde", 0xf1 }, { "ograve", 0xf2 }, { "oacute", 0xf3 },
	{ "ocirc", 0xf4 }, { "otilde", 0xf5 }, { "ouml", 0xf6 }, { "oslash", 0xf8 },
	{ "ugrave", 0xf9 }, { "uacute", 0xfa }, { "ucirc", 0xfb }, { "uuml", 0xfc },
};

/* s[0] is '&': decodes one entity; returns the bytes used (0: not an entity, keep the '&'). */
static size_t
ht_entity(struct ht *h, const char *s, size_t n)
{
	size_t i = 1;
	uint32_t cp = 0;

	if (i < n && s[i] == '#') {
		int hex = 0, digits = 0;

		i++;
		if (i < n && (s[i] == 'x' || s[i] == 'X'))
			hex = 1, i++;
		for (; i < n && digits < 8; i++, digits++) {
			int c = (unsigned char)s[i];

			if (hex && isxdigit(c))
				cp = cp * 16 + (uint32_t)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
			else if (!hex && isdigit(c))
				cp = cp * 10 + (uint32_t)(c - '0');
			else
				break;
		}
		if (digits == 0 || i >= n || s[i] != ';')
			return 0;
		ht_utf8(h, cp);
		return i + 1;
	}
	for (; i < n && i < 12 && isalnum((unsigned char)s[i]); i++)
		;
	if (i == 1 || i >= n || s[i] != ';')
		return 0;
	for (size_t k = 0; k < sizeof(ht_entities) / sizeof(ht_entities[0]); k++)
		if (strlen(ht_entities[k].name) == i - 1 &&
		    memcmp(ht_entities[k].name, s + 1, i - 1) == 0) {
			if (ht_entities[k].cp != 0xad)	/* a soft hyphen is invisible */
				ht_utf8(h, ht_entities[k].cp);
			return i + 1;
		}
	return 0;
}

/* Text with entities, up to n bytes. */
static void
ht_chars(struct ht *h, const char *s, size_t n)
{
	size_t i = 0, run = 0;

	while (i < n) {
		size_t used;

		if (s[i] != '&') {
			i++;
			continue;
		}
		ht_text(h, s + run, i - run);
		if ((used = ht_entity(h, s + i, n - i)) == 0) {
			ht_text(h, "&", 1);
			used = 1;
		}
		i += used;
		run = i;
	}
	ht_text(h, s + run, n - run);
}

/* The class attribute's value in a tag's attributes a[0..n), or NULL. */
static const char *
ht_class(const char *a, size_t n, size_t *vlen)
{
	size_t i = 0;

	while (i < n) {
		size_t ns, ne, vs, ve;

		while (i < n && (isspace((unsigned char)a[i]) || a[i] == '/'))
			i++;
		ns = i;
		while (i < n && !isspace((unsigned char)a[i]) && a[i] != '=' && a[i] != '/')
			i++;
		ne = i;
		if (ns == ne) {
			i++;
			continue;
		}
		while (i < n && isspace((unsigned char)a[i]))
			i++;
		vs = ve = i;
		if (i < n && a[i] == '=') {
			i++;
			while (i < n && isspace((unsigned char)a[i]))
				i++;
			if (i < n && (a[i] == '"' || a[i] == '\'')) {
				char q = a[i++];

				vs = i;
				while (i < n && a[i] != q)
					i++;
				ve = i;
				if (i < n)
					i++;
			} else {
				vs = i;
				while (i < n && !isspace((unsigned char)a[i]))
					i++;
				ve = i;
			}
		}
		if (ne - ns == 5 && strncasecmp(a + ns, "class", 5) == 0) {
			*vlen = ve - vs;
			return a + vs;
		}
	}
	return NULL;
}

static int
ht_has_class(const char *cls, size_t len, const char *want)
{
	size_t wl = strlen(want), i = 0;

	while (i < len) {
		size_t s;

		while (i < len && isspace((unsigned char)cls[i]))
			i++;
		s = i;
		while (i < len && !isspace((unsigned char)cls[i]))
			i++;
		if (i - s == wl && memcmp(cls + s, want, wl) == 0)
			return 1;
	}
	return 0;
}

static int
ht_name_is(const char *name, size_t len, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == len && strncasecmp(name, *list, len) == 0)
			return 1;
	return 0;
}

static void
ht_tag(struct ht *h, const char *t, size_t n)
{
	static const char *const blocks[] = { "p", "div", "blockquote", "pre", "ul", "ol", "h1",
		"h2", "h3", "h4", "h5", "h6", "table", "tr", "hr", NULL };
	static const char *const lines[] = { "li", "dt", "dd", NULL };
	int close = 0;
	size_t i = 0, ns;

	if (i < n && t[i] == '/')
		close = 1, i++;
	ns = i;
	while (i < n && isalnum((unsigned char)t[i]))
		i++;
	if (i == ns)
		return;
	if (i - ns == 2 && strncasecmp(t + ns, "br", 2) == 0) {
		ht_break(h, 1);
		return;
	}
	if (i - ns == 4 && strncasecmp(t + ns, "span", 4) == 0) {
		enum ht_span k = HT_PLAIN;

		if (close) {
			if (h->nspans == 0)
				return;
			h->nspans--;
			if (h->nspans < HT_MAX_SPANS) {
				k = h->spans[h->nspans];
				if (k == HT_INVISIBLE)
					h->hidden--;
				else if (k == HT_ELLIPSIS)
					ht_text(h, "\xe2\x80\xa6", 3);
			}
			return;
		}
		if (n && t[n - 1] == '/')
			return;		/* <span/>: nothing inside */
		{
			size_t cl = 0;
			const char *c = ht_class(t + i, n - i, &cl);

			if (c && ht_has_class(c, cl, "invisible"))
				k = HT_INVISIBLE;
			else if (c && ht_has_class(c, cl, "ellipsis"))
				k = HT_ELLIPSIS;
		}
		if (h->nspans < HT_MAX_SPANS)
			h->spans[h->nspans] = k;
		h->nspans++;
		if (k == HT_INVISIBLE)
			h->hidden++;
		return;
	}
	if (i - ns == 3 && strncasecmp(t + ns, "pre", 3) == 0)
		h->pre = !close;
	if (ht_name_is(t + ns, i - ns, blocks))
		ht_break(h, 2);
	else if (ht_name_is(t + ns, i - ns, lines) && !close)
		ht_break(h, 1);
}

/*
 * Where a tag scan (from a '<', looking for a '>' outside quotes) is known to
 * fail. A scan is a machine with three states (outside quotes, inside "...",
 * inside '...'); two scans in the same state at the same byte go on alike.
 * So once a scan from some byte failed, every later scan that meets it in the
 * same state fails too. dead holds the states known to fail at byte pos; it
 * is carried forward lazily, a byte at a time, so all the scans of one input
 * together read each byte a bounded number of times: without it, "<a"
 * repeated would rescan the rest of the input from every '<' (quadratic).
 */
struct ht_scan {
	const char *s;
	size_t n;
	size_t pos;
	unsigned dead;		/* bit 0: outside quotes, 1: in "...", 2: in '...' */
	size_t *steps;		/* bytes looked at, or NULL */
};

static int
ht_qstate(char q)
{
	return q == '"' ? 1 : q == '\'' ? 2 : 0;
}

static unsigned
ht_step(unsigned dead, char c)
{
	unsigned next = 0;

	if (dead & 1u) {
		if (c == '"' || c == '\'')
			next |= 1u << ht_qstate(c);
		else if (c != '>')	/* cannot happen: a dead scan met no '>' */
			next |= 1u;
	}
	for (int k = 1; k <= 2; k++)
		if (dead & (1u << k))
			next |= (c == (k == 1 ? '"' : '\'')) ? 1u : 1u << k;
	return next;
}

static void
ht_scan_move(struct ht_scan *sc, size_t to)
{
	if (to <= sc->pos)
		return;
	if (sc->steps)
		*sc->steps += sc->dead ? to - sc->pos : 1;
	if (!sc->dead) {
		sc->pos = to;
		return;
	}
	for (; sc->pos < to && sc->dead; sc->pos++)
		sc->dead = ht_step(sc->dead, sc->s[sc->pos]);
	sc->pos = to;
}

/* The '>' that ends a tag whose name starts at from, or n: none. */
static size_t
ht_tag_end(struct ht_scan *sc, size_t from)
{
	char q = 0;
	size_t j;

	ht_scan_move(sc, from);
	if (sc->dead & 1u)
		return sc->n;
	for (j = from; j < sc->n; j++) {
		if (sc->steps)
			++*sc->steps;
		if (q) {
			if (sc->s[j] == q)
				q = 0;
		} else if (sc->s[j] == '"' || sc->s[j] == '\'')
			q = sc->s[j];
		else if (sc->s[j] == '>')
			return j;
	}
	/* this scan failed: a later one at from, outside quotes, fails too */
	sc->dead |= 1u;
	return sc->n;
}

/* The end of a comment that starts at s[i] ("<!--"): just past its "-->", or n. */
static size_t
ht_comment_end(const char *s, size_t n, size_t i, size_t *steps)
{
	for (size_t j = i + 4; j + 2 < n; j++) {
		if (steps)
			++*steps;
		if (memcmp(s + j, "-->", 3) == 0)
			return j + 3;
	}
	return n;
}

void
htmltext_count(struct buf *out, const char *s, size_t n, size_t *steps)
{
	struct ht h;
	struct ht_scan sc = { s, n, 0, 0, steps };
	size_t i = 0, run = 0;

	memset(&h, 0, sizeof(h));
	h.out = out;
	h.start = out->len;
	if (steps)
		*steps += n;	/* the loop below reads each byte once */
	while (i < n) {
		size_t j;

		if (s[i] != '<') {
			i++;
			continue;
		}
		ht_chars(&h, s + run, i - run);
		if (i + 3 < n && memcmp(s + i, "<!--", 4) == 0) {
			i = run = ht_comment_end(s, n, i, steps);
			continue;
		}
		if (i + 1 >= n || !(isalpha((unsigned char)s[i + 1]) || s[i + 1] == '/' ||
		    s[i + 1] == '!' || s[i + 1] == '?') || (j = ht_tag_end(&sc, i + 1)) >= n) {
			/* not a tag: "a < b" is text */
			ht_text(&h, "<", 1);
			i++;
			run = i;
			continue;
		}
		ht_tag(&h, s + i + 1, j - i - 1);
		i = j + 1;
		run = i;
	}
	ht_chars(&h, s + run, n - run);
}

void
htmltext(struct buf *out, const char *s, size_t n)
{
	htmltext_count(out, s, n, NULL);
}
