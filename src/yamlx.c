#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "yamlx.h"

static int
yfile_parse(struct yfile *yf, yaml_parser_t *p, struct diag *d)
{
	yaml_document_t extra;

	if (!yaml_parser_load(p, &yf->doc)) {
		const char *what = p->problem ? p->problem : "malformed YAML";

		if (p->context)
			diag_error(d, yf->path, (unsigned)p->problem_mark.line + 1,
			    (unsigned)p->problem_mark.column + 1,
			    "YAML syntax: %s %s (the problem starts at line %u); check indentation "
			    "and quoting",
			    what, p->context, (unsigned)p->context_mark.line + 1);
		else
			diag_error(d, yf->path, (unsigned)p->problem_mark.line + 1,
			    (unsigned)p->problem_mark.column + 1,
			    "YAML syntax: %s; check indentation and quoting", what);
		return -1;
	}
	yf->loaded = 1;
	if (yaml_document_get_root_node(&yf->doc) == NULL)
		return 0;
	if (!yaml_parser_load(p, &extra)) {
		diag_error(d, yf->path, (unsigned)p->problem_mark.line + 1,
		    (unsigned)p->problem_mark.column + 1, "YAML syntax: %s",
		    p->problem ? p->problem : "malformed YAML");
		return -1;
	}
	if (yaml_document_get_root_node(&extra) != NULL) {
		yaml_node_t *n = yaml_document_get_root_node(&extra);

		diag_error(d, yf->path, (unsigned)n->start_mark.line + 1,
		    (unsigned)n->start_mark.column + 1,
		    "a second YAML document ('---') in one file; put it in a file of its own");
		yaml_document_delete(&extra);
		return -1;
	}
	yaml_document_delete(&extra);
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
	rc = yfile_parse(yf, &p, d);
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
	rc = yfile_parse(yf, &p, d);
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
