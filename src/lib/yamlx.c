#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "lib/yamlx.h"

/*
 * The document is built from the parser's events here rather than by
 * yaml_parser_load, so that nesting is counted as it is read: a file of
 * thousands of nested lists is refused at the first level too many, before
 * libyaml has spent seconds on it and before any recursive walk of the tree
 * could run out of stack. Aliases are weighed the same way: what they
 * repeat is counted, and one that refers to an open node (a loop) is
 * refused.
 */
struct yload {
	struct yfile *yf;
	struct diag *d;
	int stack[YAMLX_MAX_DEPTH];
	int key[YAMLX_MAX_DEPTH];	/* mappings: the key waiting for its value, or 0 */
	size_t depth;
	struct {
		char *name;
		int id;
	} *anchors;
	size_t nanchors;
	size_t *weight;			/* per node id: nodes it stands for, aliases expanded */
	size_t capweight;
	size_t repeated;		/* nodes that aliases repeat, in total */
	int docs;
	const char *text; /* the input, when it is a string */
	size_t textlen;
};

/* The longest line read back to word a hint; the rest is cut. */
#define YLOAD_LINE_MAX 1024

/*
 * Line lineno (0-based) of the input, without its newline, cut at
 * YLOAD_LINE_MAX bytes; NULL when it cannot be read again. A file is
 * reopened: this runs once, after a syntax error.
 */
static char *
yload_line(struct yload *Y, size_t lineno)
{
	struct buf line;
	size_t at = 0;
	FILE *fp = NULL;
	int c;

	if (Y->text == NULL && (fp = fopen(Y->yf->path, "rb")) == NULL)
		return NULL;
	buf_init(&line);
	buf_addc(&line, '\0');
	line.len = 0;
	for (;;) {
		if (fp)
			c = getc(fp);
		else
			c = at < Y->textlen ? (unsigned char)Y->text[at++] : EOF;
		if (c == EOF || (c == '\n' && lineno == 0))
			break;
		if (c == '\n')
			lineno--;
		else if (lineno == 0 && c != '\r' && line.len < YLOAD_LINE_MAX)
			buf_addc(&line, (char)c);
	}
	if (fp)
		fclose(fp);
	return line.data;
}

/* The byte offset of character column col (0-based) of line. */
static size_t
yload_col_byte(const char *line, size_t col)
{
	size_t b = 0;

	for (; line[b] && col > 0; col--)
		do
			b++;
		while ((line[b] & 0xc0) == 0x80);
	return b;
}

static void
ysingle_quote(struct buf *b, const char *s, size_t len)
{
	buf_addc(b, '\'');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\'')
			buf_addc(b, '\'');
		buf_addc(b, s[i]);
	}
	buf_addc(b, '\'');
}

/* The value that starts at v: to the end of the line, or of the flow item. */
static size_t
yload_value_len(const char *v, int flow)
{
	size_t len = flow ? strcspn(v, ",]}") : strlen(v);

	for (size_t i = 1; i < len; i++)
		if (v[i] == '#' && (v[i - 1] == ' ' || v[i - 1] == '\t'))
			len = i; /* a comment */
	while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	return len;
}

/*
 * What to do about the common slips, from the text at the error: a value
 * starting with a character YAML reserves (@dk_topup, `code`, 50%), a tab
 * in the indentation, ': ' inside a value, a line indented off its
 * neighbours. Empty when nothing better than the parser's words is known.
 */
static void
yload_hint(struct yload *Y, const yaml_parser_t *p, struct buf *hint)
{
	const char *what = p->problem ? p->problem : "";
	char *line = yload_line(Y, p->problem_mark.line);
	const char *at, *colon;
	size_t len;

	if (line == NULL)
		return;
	at = line + yload_col_byte(line, p->problem_mark.column);
	if (*at == '\t' || strstr(what, "tab character")) {
		buf_adds(hint, "found a tab in the indentation; YAML indents with spaces only: "
		               "replace the tab with spaces");
	} else if (strstr(what, "cannot start any token") && *at && strchr("@`%", *at)) {
		len = yload_value_len(at, p->flow_level > 0);
		buf_printf(hint, "%s; quote it: ", what);
		ysingle_quote(hint, at, len);
	} else if (strstr(what, "mapping values are not allowed")) {
		/* the key's own ': ' comes first; a later one is in the value */
		colon = strstr(line, ": ");
		if (colon && colon + 1 < at) {
			const char *v = colon + 2;

			while (*v == ' ')
				v++;
			buf_adds(hint, "a ': ' inside a value starts a mapping; quote the value: ");
			ysingle_quote(hint, v, yload_value_len(v, 0));
		} else
			buf_adds(hint, "this line is indented more than the keys above it; indent "
			               "it like them (with spaces)");
	} else if (strstr(what, "did not find expected key") ||
	           strstr(what, "did not find expected '-'")) {
		buf_printf(hint,
		           "%s; indent this line like the other items of its list or "
		           "mapping (with spaces), or quote a value that holds ': ' or starts with "
		           "a quote",
		           what);
	}
	free(line);
}

static void
yload_syntax(struct yload *Y, yaml_parser_t *p)
{
	const char *what = p->problem ? p->problem : "malformed YAML";
	unsigned line = (unsigned)p->problem_mark.line + 1,
	         col = (unsigned)p->problem_mark.column + 1;
	struct buf hint;

	buf_init(&hint);
	yload_hint(Y, p, &hint);
	if (hint.len)
		diag_error(Y->d, Y->yf->path, line, col, "YAML syntax: %s", hint.data);
	else if (p->context)
		diag_error(Y->d, Y->yf->path, line, col,
		           "YAML syntax: %s %s (the problem starts at line %u); check indentation "
		           "and quoting",
		           what, p->context, (unsigned)p->context_mark.line + 1);
	else
		diag_error(Y->d, Y->yf->path, line, col,
		           "YAML syntax: %s; check indentation and quoting", what);
	buf_free(&hint);
}

static int
yload_error(struct yload *Y, const yaml_mark_t *m, const char *msg)
{
	diag_error(Y->d, Y->yf->path, (unsigned)m->line + 1, (unsigned)m->column + 1, "%s", msg);
	return -1;
}

/* Puts node id in its parent (the root has none). */
static void
yload_attach(struct yload *Y, int id)
{
	yaml_document_t *doc = &Y->yf->doc;
	size_t top = Y->depth - 1;
	int parent;

	if (Y->depth == 0)
		return;	/* the root: the first node of the document */
	parent = Y->stack[top];
	Y->weight[parent] += Y->weight[id];
	if (yaml_document_get_node(doc, parent)->type == YAML_SEQUENCE_NODE)
		yaml_document_append_sequence_item(doc, parent, id);
	else if (Y->key[top] == 0)
		Y->key[top] = id;
	else {
		yaml_document_append_mapping_pair(doc, parent, Y->key[top], id);
		Y->key[top] = 0;
	}
}

/* A node just made: its marks, its anchor, its place. */
static void
yload_node(struct yload *Y, int id, const yaml_event_t *ev, const yaml_char_t *anchor)
{
	yaml_node_t *n;

	if (id == 0)
		abort(); /* out of memory in libyaml */
	n = yaml_document_get_node(&Y->yf->doc, id);
	n->start_mark = ev->start_mark;
	n->end_mark = ev->end_mark;
	if ((size_t)id >= Y->capweight) {
		size_t cap = Y->capweight ? Y->capweight * 2 : 256;

		Y->weight = xreallocarray(Y->weight, cap, sizeof(*Y->weight));
		Y->capweight = cap;
	}
	Y->weight[id] = 1;
	if (anchor) {
		Y->anchors = xreallocarray(Y->anchors, Y->nanchors + 1, sizeof(*Y->anchors));
		Y->anchors[Y->nanchors].name = xstrdup((const char *)anchor);
		Y->anchors[Y->nanchors++].id = id;
	}
	yload_attach(Y, id);
}

static int
yload_alias(struct yload *Y, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	size_t i = Y->nanchors;
	char msg[320];

	while (i > 0 && strcmp(Y->anchors[i - 1].name, name) != 0)
		i--;
	if (i == 0) {
		snprintf(msg, sizeof(msg), "YAML syntax: found undefined alias '*%.60s'; quote a "
		    "value that starts with '*', or define '&%.60s' before it", name, name);
		return yload_error(Y, &ev->start_mark, msg);
	}
	for (size_t k = 0; k < Y->depth; k++)
		if (Y->stack[k] == Y->anchors[i - 1].id)
			return yload_error(Y, &ev->start_mark, "YAML alias inside the node it names "
			    "(a loop); write the values out");
	Y->repeated += Y->weight[Y->anchors[i - 1].id];
	if (Y->repeated > YAMLX_MAX_REPEATED) {
		snprintf(msg, sizeof(msg), "YAML aliases repeat more than %d nodes; write the values "
		    "out, or use fewer aliases", YAMLX_MAX_REPEATED);
		return yload_error(Y, &ev->start_mark, msg);
	}
	yload_attach(Y, Y->anchors[i - 1].id);
	return 0;
}

static const yaml_char_t *
yload_tag(const yaml_char_t *tag)
{
	return tag && strcmp((const char *)tag, "!") != 0 ? tag : NULL;
}

static int
yload_open(struct yload *Y, const yaml_event_t *ev)
{
	yaml_document_t *doc = &Y->yf->doc;
	char msg[160];
	int id;

	if (Y->depth == YAMLX_MAX_DEPTH) {
		snprintf(msg, sizeof(msg), "lists and mappings nested deeper than %d levels; flatten "
		    "the file", YAMLX_MAX_DEPTH);
		return yload_error(Y, &ev->start_mark, msg);
	}
	if (ev->type == YAML_SEQUENCE_START_EVENT) {
		id = yaml_document_add_sequence(doc,
		    (yaml_char_t *)yload_tag(ev->data.sequence_start.tag),
		    ev->data.sequence_start.style);
		yload_node(Y, id, ev, ev->data.sequence_start.anchor);
	} else {
		id = yaml_document_add_mapping(doc, (yaml_char_t *)yload_tag(ev->data.mapping_start.tag),
		    ev->data.mapping_start.style);
		yload_node(Y, id, ev, ev->data.mapping_start.anchor);
	}
	Y->key[Y->depth] = 0;
	Y->stack[Y->depth++] = id;
	return 0;
}

/* One event; returns 1 at the end of the stream, 0 to go on, -1 on an error. */
static int
yload_event(struct yload *Y, const yaml_event_t *ev)
{
	yaml_document_t *doc = &Y->yf->doc;
	int id;

	if (ev->type == YAML_DOCUMENT_START_EVENT)
		Y->docs++;
	if (Y->docs > 1 && (ev->type == YAML_SCALAR_EVENT || ev->type == YAML_ALIAS_EVENT ||
	    ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT))
		return yload_error(Y, &ev->start_mark, "a second YAML document ('---') in one file; "
		    "put it in a file of its own");
	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_ALIAS_EVENT:
		return yload_alias(Y, ev);
	case YAML_SCALAR_EVENT:
		id = yaml_document_add_scalar(doc, (yaml_char_t *)yload_tag(ev->data.scalar.tag),
		    ev->data.scalar.value, (int)ev->data.scalar.length, ev->data.scalar.style);
		yload_node(Y, id, ev, ev->data.scalar.anchor);
		return 0;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return yload_open(Y, ev);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		id = Y->stack[--Y->depth];
		yaml_document_get_node(doc, id)->end_mark = ev->end_mark;
		if (Y->depth > 0)
			Y->weight[Y->stack[Y->depth - 1]] += Y->weight[id] - 1;
		return 0;
	default:
		return 0;
	}
}

static int
yfile_parse(struct yfile *yf, yaml_parser_t *p, const char *text, size_t textlen, struct diag *d)
{
	struct yload Y;
	int rc = 0;

	memset(&Y, 0, sizeof(Y));
	Y.yf = yf;
	Y.d = d;
	Y.text = text;
	Y.textlen = textlen;
	if (!yaml_document_initialize(&yf->doc, NULL, NULL, NULL, 1, 1))
		abort();
	while (rc == 0) {
		yaml_event_t ev;

		if (!yaml_parser_parse(p, &ev)) {
			yload_syntax(&Y, p);
			rc = -1;
			break;
		}
		rc = yload_event(&Y, &ev);
		yaml_event_delete(&ev);
	}
	for (size_t i = 0; i < Y.nanchors; i++)
		free(Y.anchors[i].name);
	free(Y.anchors);
	free(Y.weight);
	if (rc < 0) {
		/* a file cut short is unusable: nothing of it is read */
		yaml_document_delete(&yf->doc);
		return -1;
	}
	yf->loaded = 1;
	return 0;
}

int
yfile_load(struct yfile *yf, const char *path, struct diag *d)
{
	yaml_parser_t p;
	FILE *fp;
	int rc;

	memset(yf, 0, sizeof(*yf));
	yf->path = xstrdup(path);
	if ((fp = fopen(path, "rb")) == NULL) {
		diag_error(d, path, 0, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, fp);
	rc = yfile_parse(yf, &p, NULL, 0, d);
	yaml_parser_delete(&p);
	fclose(fp);
	return rc;
}

int
yfile_load_string(struct yfile *yf, const char *name, const char *text, size_t len, struct diag *d)
{
	yaml_parser_t p;
	int rc;

	memset(yf, 0, sizeof(*yf));
	yf->path = xstrdup(name);
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	rc = yfile_parse(yf, &p, text, len, d);
	yaml_parser_delete(&p);
	return rc;
}

void
yfile_free(struct yfile *yf)
{
	if (yf->loaded)
		yaml_document_delete(&yf->doc);
	free(yf->path);
	memset(yf, 0, sizeof(*yf));
}

yaml_node_t *
yfile_root(struct yfile *yf)
{
	return yf->loaded ? yaml_document_get_root_node(&yf->doc) : NULL;
}

unsigned
ynode_line(const yaml_node_t *n)
{
	return (unsigned)n->start_mark.line + 1;
}

unsigned
ynode_col(const yaml_node_t *n)
{
	return (unsigned)n->start_mark.column + 1;
}

void
yerror(struct diag *d, struct yfile *yf, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_error(d, yf->path, n ? ynode_line(n) : 0, n ? ynode_col(n) : 0, "%s", msg);
	free(msg);
}

const char *
ynode_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE: return "a mapping";
	case YAML_SEQUENCE_NODE: return "a list";
	default: return yis_null(n) ? "empty" : "text";
	}
}

int
yis_map(const yaml_node_t *n)
{
	return n && n->type == YAML_MAPPING_NODE;
}

int
yis_seq(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE;
}

int
yis_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

int
yis_null(const yaml_node_t *n)
{
	const char *s;

	if (!yis_scalar(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = (const char *)n->data.scalar.value;
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

const char *
yscalar(const yaml_node_t *n)
{
	return yis_scalar(n) ? (const char *)n->data.scalar.value : NULL;
}

size_t
yscalar_len(const yaml_node_t *n)
{
	return yis_scalar(n) ? n->data.scalar.length : 0;
}

size_t
ymap_len(const yaml_node_t *n)
{
	if (!yis_map(n))
		return 0;
	return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

yaml_node_t *
ymap_key(struct yfile *yf, const yaml_node_t *n, size_t i)
{
	return yaml_document_get_node(&yf->doc, n->data.mapping.pairs.start[i].key);
}

yaml_node_t *
ymap_value(struct yfile *yf, const yaml_node_t *n, size_t i)
{
	return yaml_document_get_node(&yf->doc, n->data.mapping.pairs.start[i].value);
}

yaml_node_t *
ymap_get(struct yfile *yf, const yaml_node_t *n, const char *key)
{
	size_t len = ymap_len(n);

	for (size_t i = 0; i < len; i++) {
		const char *k = yscalar(ymap_key(yf, n, i));

		if (k && strcmp(k, key) == 0)
			return ymap_value(yf, n, i);
	}
	return NULL;
}

size_t
yseq_len(const yaml_node_t *n)
{
	if (!yis_seq(n))
		return 0;
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

yaml_node_t *
yseq_item(struct yfile *yf, const yaml_node_t *n, size_t i)
{
	return yaml_document_get_node(&yf->doc, n->data.sequence.items.start[i]);
}

int
ycheck_keys(struct diag *d, struct yfile *yf, const yaml_node_t *map, const char *where,
    const char *const *known, size_t nknown)
{
	size_t len = ymap_len(map);
	int errors = 0;

	for (size_t i = 0; i < len; i++) {
		yaml_node_t *kn = ymap_key(yf, map, i);
		const char *k = yscalar(kn);
		size_t j;

		if (k == NULL) {
			yerror(d, yf, kn, "a key in %s must be plain text, not %s", where,
			    ynode_kind(kn));
			errors++;
			continue;
		}
		for (j = 0; j < nknown; j++)
			if (strcmp(k, known[j]) == 0)
				break;
		if (j == nknown) {
			const char *s = diag_suggest(k, known, nknown);
			struct buf all;

			if (s) {
				yerror(d, yf, kn, "unknown key '%s' in %s; did you mean '%s'?", k,
				    where, s);
			} else {
				buf_init(&all);
				for (j = 0; j < nknown; j++)
					buf_printf(&all, "%s%s", j ? ", " : "", known[j]);
				yerror(d, yf, kn, "unknown key '%s' in %s; expected one of: %s", k,
				    where, all.data);
				buf_free(&all);
			}
			errors++;
			continue;
		}
		for (j = 0; j < i; j++) {
			const char *prev = yscalar(ymap_key(yf, map, j));

			if (prev && strcmp(prev, k) == 0) {
				yaml_node_t *pn = ymap_key(yf, map, j);

				yerror(d, yf, kn,
				    "duplicate key '%s' in %s (first given at line %u); keep one",
				    k, where, ynode_line(pn));
				errors++;
				break;
			}
		}
	}
	return errors;
}

int
yget_string(struct diag *d, struct yfile *yf, const yaml_node_t *n, const char *what,
    const char **out)
{
	if (yis_map(n) && ymap_len(n) == 1 && yis_scalar(ymap_key(yf, n, 0)) &&
	    yis_scalar(ymap_value(yf, n, 0))) {
		/* "note: late" unquoted reads as a mapping */
		char *t =
		    xasprintf("%s: %s", yscalar(ymap_key(yf, n, 0)), yscalar(ymap_value(yf, n, 0)));
		struct buf q;

		buf_init(&q);
		ysingle_quote(&q, t, strlen(t));
		yerror(d, yf, n,
		       "%s must be text, not a mapping; a ': ' inside text makes a "
		       "mapping: quote it, as in %s",
		       what, q.data);
		buf_free(&q);
		free(t);
		return -1;
	}
	if (!yis_scalar(n) || yis_null(n)) {
		yerror(d, yf, n, "%s must be text, not %s", what, ynode_kind(n));
		return -1;
	}
	*out = yscalar(n);
	return 0;
}

int
yget_long(struct diag *d, struct yfile *yf, const yaml_node_t *n, const char *what, long min,
    long max, long *out)
{
	const char *s = yscalar(n);
	char *end;
	long v;

	if (s == NULL || yis_null(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		yerror(d, yf, n, "%s must be a whole number, not %s", what,
		    s && !yis_null(n) ? "quoted text" : ynode_kind(n));
		return -1;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno == ERANGE) {
		yerror(d, yf, n, "%s must be a whole number, not '%s'", what, s);
		return -1;
	}
	if (v < min || v > max) {
		yerror(d, yf, n, "%s must be between %ld and %ld, not %ld", what, min, max, v);
		return -1;
	}
	*out = v;
	return 0;
}

int
yget_bool(struct diag *d, struct yfile *yf, const yaml_node_t *n, const char *what, int *out)
{
	const char *s = yscalar(n);

	if (s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")) {
			*out = 1;
			return 0;
		}
		if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")) {
			*out = 0;
			return 0;
		}
	}
	yerror(d, yf, n, "%s must be true or false", what);
	return -1;
}

/* Whether s can stand unquoted as an item of a flow list. */
static int
yflow_plain(const char *s, size_t len)
{
	if (len == 0 || strchr("-?:,[]{}#&*!|>'\"%@`", s[0]) || s[len - 1] == ' ' || s[0] == ' ')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (strchr(",[]{}\t\n", s[i]))
			return 0;
		if (s[i] == ':' && (i + 1 == len || s[i + 1] == ' '))
			return 0;
		if (s[i] == '#' && i > 0 && s[i - 1] == ' ')
			return 0;
	}
	return 1;
}

void
yflow_item(struct buf *b, const char *s, size_t len)
{
	if (yflow_plain(s, len))
		buf_add(b, s, len);
	else
		ysingle_quote(b, s, len);
}

int
yget_list(struct diag *d, struct yfile *yf, const yaml_node_t *n, const char *key,
          const char *example)
{
	const char *s = yscalar(n);
	struct buf fix;

	if (yis_seq(n))
		return 0;
	if (s == NULL || yis_null(n) || strpbrk(s, "\n") != NULL) {
		yerror(d, yf, n, "%s must be a list, e.g. %s, not %s", key, example, ynode_kind(n));
		return -1;
	}
	/* the commas of text were meant to separate items */
	buf_init(&fix);
	buf_addc(&fix, '[');
	for (const char *p = s;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		while (len && (*p == ' ' || *p == '\t'))
			p++, len--;
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len) {
			if (fix.len > 1)
				buf_adds(&fix, ", ");
			yflow_item(&fix, p, len);
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	buf_addc(&fix, ']');
	yerror(d, yf, n, "%s must be a list, not text; write %s: %s", key, key,
	       fix.len > 2 ? fix.data : example);
	buf_free(&fix);
	return -1;
}
