#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf_source.h"
#include "lib/diag.h"
#include "lib/util.h"
#include "lib/yamlx.h"

/* More than every kind's keys together. */
#define SOURCE_KEYS_MAX 128

const struct conf_source_kind *
conf_source_kind_find(const char *name)
{
	for (size_t i = 0; conf_source_kinds[i]; i++)
		if (strcmp(conf_source_kinds[i]->name, name) == 0)
			return conf_source_kinds[i];
	return NULL;
}

static long
key_index(const char *const *keys, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0)
			return (long)i;
	return -1;
}

/*
 * The kinds' tables merged: a key not listed yet goes just before the next
 * key of its kind's table that is, else last. Each table's order holds in
 * the result, and the list reads the way the manual groups the keys.
 */
size_t
conf_source_keys(const char **out, size_t max)
{
	size_t n = 0;

	out[n++] = "name";
	out[n++] = "type";
	for (size_t k = 0; conf_source_kinds[k]; k++) {
		const struct conf_key *keys = conf_source_kinds[k]->keys;

		for (size_t i = 0; keys[i].name && n < max; i++) {
			long at = -1;

			if (key_index(out, n, keys[i].name) >= 0)
				continue;
			for (size_t j = i + 1; keys[j].name && at < 0; j++)
				at = key_index(out, n, keys[j].name);
			if (at < 0)
				at = (long)n;
			memmove(&out[at + 1], &out[at], (n - (size_t)at) * sizeof(*out));
			out[at] = keys[i].name;
			n++;
		}
	}
	return n;
}

static int
kind_takes(const struct conf_source_kind *k, const char *key)
{
	if (strcmp(key, "name") == 0 || strcmp(key, "type") == 0)
		return 1;
	for (size_t i = 0; k->keys[i].name; i++)
		if (strcmp(k->keys[i].name, key) == 0)
			return 1;
	return 0;
}

/* "demo, stdin, ..., x and reddit" (last: "and" or "or"). */
static char *
kind_list(const char *last)
{
	struct buf b;
	size_t n = 0;

	while (conf_source_kinds[n])
		n++;
	buf_init(&b);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s",
		           i == 0       ? ""
		           : i + 1 == n ? last
		                        : ", ",
		           conf_source_kinds[i]->name);
	return b.data;
}

/* type: its kind, or NULL with the error said. */
static const struct conf_source_kind *
source_kind(struct confp *L, struct conf_source *src, yaml_node_t *item)
{
	const char *names[SOURCE_KEYS_MAX];
	const struct conf_source_kind *k;
	yaml_node_t *v;
	const char *s, *sug;
	char *all;
	size_t n = 0;

	if ((v = ymap_get(L->yf, item, "type")) == NULL) {
		all = kind_list(" or ");
		yerror(L->d, L->yf, item, "source '%s' needs a type (%s)", src->name, all);
		free(all);
		return NULL;
	}
	if (yget_string(L->d, L->yf, v, "type", &s) < 0)
		return NULL;
	if ((k = conf_source_kind_find(s)) != NULL)
		return k;
	while (conf_source_kinds[n] && n < SOURCE_KEYS_MAX) {
		names[n] = conf_source_kinds[n]->name;
		n++;
	}
	sug = diag_suggest(s, names, n);
	all = kind_list(" and ");
	yerror(L->d, L->yf, v, "unknown source type '%s'%s%s%s; this version has %s", s,
	       sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "", all);
	free(all);
	return NULL;
}

/* "mastodon, x and reddit": the kinds that take key. */
static char *
kinds_taking(const char *key)
{
	const struct conf_source_kind *v[SOURCE_KEYS_MAX];
	struct buf b;
	size_t n = 0;

	for (size_t i = 0; conf_source_kinds[i] && n < SOURCE_KEYS_MAX; i++)
		if (kind_takes(conf_source_kinds[i], key))
			v[n++] = conf_source_kinds[i];
	buf_init(&b);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", v[i]->name);
	return b.data;
}

/*
 * A key of another kind is a mistake worth naming, not a silent no-op;
 * the kinds that take it say where it belongs.
 */
static void
source_foreign_keys(struct confp *L, const struct conf_source *src, yaml_node_t *item,
                    const char *const *known, size_t nknown)
{
	for (size_t k = 0; k < ymap_len(item); k++) {
		yaml_node_t *key = ymap_key(L->yf, item, k);
		const char *ks = yscalar(key);

		if (ks && key_index(known, nknown, ks) >= 0 && !kind_takes(src->kind, ks)) {
			char *who = kinds_taking(ks);

			yerror(L->d, L->yf, key, "source '%s': %s sources take no '%s' (%s sources "
			       "take it)", src->name, src->kind->name, ks, who);
			free(who);
		}
	}
}

/* One item of sources:, added to v[*n] when it has a name. */
static void
source_load(struct confp *L, yaml_node_t *item, const char *const *known, size_t nknown,
            struct conf_source **v, size_t *n)
{
	struct conf_source src;
	const char *s;

	memset(&src, 0, sizeof(src));
	if (!yis_map(item)) {
		yerror(L->d, L->yf, item, "a source must be a mapping with name and type");
		return;
	}
	ycheck_keys(L->d, L->yf, item, "a source", known, nknown);
	if (confp_string(L, item, "name", &s) < 0 || s == NULL) {
		if (s == NULL && ymap_get(L->yf, item, "name") == NULL)
			yerror(L->d, L->yf, item, "a source needs a name");
		return;
	}
	for (size_t j = 0; j < *n; j++)
		if (strcmp((*v)[j].name, s) == 0)
			yerror(L->d, L->yf, ymap_get(L->yf, item, "name"),
			       "duplicate source name '%s'", s);
	if (strpbrk(s, "\"\\\n"))
		yerror(L->d, L->yf, ymap_get(L->yf, item, "name"),
		       "a source name cannot contain quotes, backslashes or line breaks");
	src.name = xstrdup(s);
	if ((src.kind = source_kind(L, &src, item)) != NULL) {
		source_foreign_keys(L, &src, item, known, nknown);
		src.opts = src.kind->parse(L, &src, item);
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = src;
}

struct conf_source *
conf_sources_load(struct confp *L, yaml_node_t *n, size_t *count)
{
	const char *known[SOURCE_KEYS_MAX];
	size_t nknown = conf_source_keys(known, SOURCE_KEYS_MAX);
	struct conf_source *v = NULL;

	*count = 0;
	if (!yis_seq(n)) {
		yerror(L->d, L->yf, n, "'sources' must be a list ('- name: ...'), not %s",
		       ynode_kind(n));
		return NULL;
	}
	for (size_t i = 0; i < yseq_len(n); i++)
		source_load(L, yseq_item(L->yf, n, i), known, nknown, &v, count);
	return v;
}

int
conf_source_same(const struct conf_source *a, const struct conf_source *b)
{
	if (strcmp(a->name, b->name) != 0 || a->kind != b->kind ||
	    a->alert_after_ms != b->alert_after_ms || a->nalert_to != b->nalert_to)
		return 0;
	for (size_t i = 0; i < a->nalert_to; i++)
		if (strcmp(a->alert_to[i], b->alert_to[i]) != 0)
			return 0;
	if (a->kind == NULL || a->opts == NULL || b->opts == NULL)
		return a->opts == b->opts;
	return a->kind->same(a->opts, b->opts);
}

void
conf_source_free(struct conf_source *cs)
{
	free(cs->name);
	if (cs->kind && cs->opts)
		cs->kind->free(cs->opts);
	confp_free_strings(cs->alert_to, cs->nalert_to);
	memset(cs, 0, sizeof(*cs));
}
