/*
 * yamlx.h: a YAML file loaded as a node tree, with typed accessors that
 * report problems into a diag at the node's own file:line:col.
 *
 * Every accessor that takes a diag reports a specific error when the node
 * has the wrong shape and returns a failure value; callers go on checking
 * the rest of the file so that one pass reports every error.
 */
#ifndef KELUH_YAMLX_H
#define KELUH_YAMLX_H

#include <stddef.h>
#include <yaml.h>

#include "lib/diag.h"
#include "lib/util.h"

/*
 * Deepest nesting of lists and mappings accepted: a file nested deeper is
 * refused while it is read (rule conditions stop far below this).
 */
#define YAMLX_MAX_DEPTH 128
/* Nodes that aliases ('*name') may repeat in one file, in total. */
#define YAMLX_MAX_REPEATED 100000

struct yfile {
	char *path;
	yaml_document_t doc;
	int loaded;
};

/* Loads path. Returns 0, or -1 with the error in d (the file is then unusable). */
int yfile_load(struct yfile *, const char *path, struct diag *d);
/* Parses a string (tests); name is used in messages. */
int yfile_load_string(struct yfile *, const char *name, const char *text, size_t len,
    struct diag *d);
void yfile_free(struct yfile *);

/* NULL for an empty file. */
yaml_node_t *yfile_root(struct yfile *);

unsigned ynode_line(const yaml_node_t *);	/* 1-based */
unsigned ynode_col(const yaml_node_t *);	/* 1-based, in characters */
void yerror(struct diag *, struct yfile *, const yaml_node_t *, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
const char *ynode_kind(const yaml_node_t *);	/* "a mapping", "a list", "text" */

int yis_map(const yaml_node_t *);
int yis_seq(const yaml_node_t *);
int yis_scalar(const yaml_node_t *);
/* A scalar that is plain (unquoted) and spells null: "", "~", "null". */
int yis_null(const yaml_node_t *);

/* Scalar value, NUL-terminated, owned by the file (NULL if not a scalar). */
const char *yscalar(const yaml_node_t *);
size_t yscalar_len(const yaml_node_t *);

size_t ymap_len(const yaml_node_t *);
yaml_node_t *ymap_key(struct yfile *, const yaml_node_t *, size_t i);
yaml_node_t *ymap_value(struct yfile *, const yaml_node_t *, size_t i);
/* The value for key, or NULL. */
yaml_node_t *ymap_get(struct yfile *, const yaml_node_t *, const char *key);

size_t yseq_len(const yaml_node_t *);
yaml_node_t *yseq_item(struct yfile *, const yaml_node_t *, size_t i);

/*
 * Checks that map is a mapping whose keys are all scalars among known[],
 * each at most once. Unknown keys get "unknown key 'x' in <where>; did you
 * mean 'y'?" (or the list of known keys). Returns the number of errors.
 */
int ycheck_keys(struct diag *, struct yfile *, const yaml_node_t *map, const char *where,
    const char *const *known, size_t nknown);

/* Typed reads; on the wrong type they report "<what> must be ..." and return -1. */
int yget_string(struct diag *, struct yfile *, const yaml_node_t *, const char *what,
    const char **out);
int yget_long(struct diag *, struct yfile *, const yaml_node_t *, const char *what, long min,
    long max, long *out);
int yget_bool(struct diag *, struct yfile *, const yaml_node_t *, const char *what, int *out);

/*
 * Checks that n, the value of key, is a list. Text is refused with the list
 * it was meant to be: "keywords: a, b" gets "write keywords: [a, b]" (text
 * would otherwise be read as one item and silently never match). example
 * is shown for other shapes, such as "[refund, 'uang kembali']". Returns 0
 * for a list, -1 (reported) otherwise.
 */
int yget_list(struct diag *, struct yfile *, const yaml_node_t *n, const char *key,
              const char *example);
/* Appends s as one item of a flow list, quoted when YAML needs it. */
void yflow_item(struct buf *, const char *s, size_t len);

#endif
