/*
 * conf_source.h: the sources: part of keluhd.yaml.
 *
 * The loader knows no kind of source by itself: each kind (demo, file,
 * sse, mastodon...) brings a struct conf_source_kind with its name, the
 * keys it takes and the functions that read, compare and free its own
 * options. The kinds live in the sources layer, which defines the registry
 * conf_source_kinds[]; this header is all the loader sees of them.
 *
 * A struct conf_source holds what every source shares; the rest is the
 * kind's, behind opts, made by its parse and freed by its free. Everything
 * is owned by the struct conf the source belongs to.
 */
#ifndef KELUH_CONF_SOURCE_H
#define KELUH_CONF_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf_parse.h"
#include "lib/yamlx.h"

struct conf_source_kind;

struct conf_source {
	char *name;
	const struct conf_source_kind *kind;
	void *opts; /* the kind's own options: its parse made them */

	/* source health: one operational alert after this long silent, failing or
	 * throttled (0: off), to alert_to (none: conf.health_receivers) */
	int64_t alert_after_ms;
	char **alert_to;
	size_t nalert_to;
};

struct conf_source_kind {
	const char *name; /* its type: in keluhd.yaml(5) */
	/* The keys it takes besides name and type, with their types, a NULL
	 * name last. In the order the loader's "expected one of" lists them: a
	 * key new to the list goes just before the next key of this table
	 * already listed, else last. */
	const struct conf_key *keys;
	/*
	 * Reads the kind's keys of item (a mapping whose keys are all known)
	 * into new options, errors into L->d, and may set cs's shared fields
	 * (alert_after, alert_to). Returns the options, also after errors (the
	 * loader frees them with free).
	 */
	void *(*parse)(struct confp *L, struct conf_source *cs, yaml_node_t *item);
	/* Whether a source running with a's options may keep running with b's. */
	int (*same)(const void *a, const void *b);
	void (*free)(void *opts);
};

/* The registry: every kind, NULL last (defined by the sources layer). */
extern const struct conf_source_kind *const conf_source_kinds[];

/* The kind called name, or NULL. */
const struct conf_source_kind *conf_source_kind_find(const char *name);
/* Every source key, name and type first, in the order error messages list them. */
size_t conf_source_keys(const char **out, size_t max);

/* Reads sources: (a list); returns the array (*count entries), NULL for none. */
struct conf_source *conf_sources_load(struct confp *L, yaml_node_t *n, size_t *count);
/* Whether a running source started from a may keep running for b (a reload). */
int conf_source_same(const struct conf_source *a, const struct conf_source *b);
void conf_source_free(struct conf_source *);

#endif
