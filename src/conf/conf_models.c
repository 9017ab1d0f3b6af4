/*
 * conf_models.c: models: in keluhd.yaml (see conf_models.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/conf_models.h"
#include "conf/conf_parse.h"
#include "lib/util.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const model_keys[] = {"name", "file", "score"};

/* score: a number (decimals allowed) from -1000 to 1000. */
static int
cm_score(struct confp *L, yaml_node_t *v, double *out)
{
	const char *s;
	char *end;
	double x;

	if (yget_string(L->d, L->yf, v, "score", &s) < 0)
		return -1;
	errno = 0;
	x = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(x >= -1000 && x <= 1000)) {
		yerror(L->d, L->yf, v,
		       "score '%s' must be a number from -1000 to 1000: the model "
		       "adds score x (p - 0.5) to every verdict (0: only for model: conditions)",
		       s);
		return -1;
	}
	*out = x;
	return 0;
}

/* The name: given, or the file's; unique and usable in rules. */
static char *
cm_name(struct confp *L, yaml_node_t *item, const char *file, const struct rules_spec *spec)
{
	yaml_node_t *v = ymap_get(L->yf, item, "name");
	const struct rules_model_spec *prev;
	const char *s;
	char *name;

	if (v != NULL) {
		if (yget_string(L->d, L->yf, v, "name", &s) < 0)
			return NULL;
		name = xstrdup(s);
	} else
		name = rules_model_name_from_file(file);
	if (!rules_model_name_valid(name)) {
		yerror(L->d, L->yf, v ? v : item,
		       "model name '%s' may only use a-z, 0-9, '.', '_' "
		       "and '-' (at most 64)%s",
		       name,
		       v ? ""
		         : "; it comes from the file name: "
		           "give name: to choose another");
		free(name);
		return NULL;
	}
	if ((prev = rules_spec_model(spec, name)) != NULL) {
		yerror(L->d, L->yf, v ? v : item,
		       "duplicate model '%s' (first at line %u); give "
		       "each model its own name",
		       name, prev->line);
		free(name);
		return NULL;
	}
	return name;
}

static void
cm_model(struct confp *L, yaml_node_t *item, struct rules_spec *spec)
{
	struct rules_model_spec m;
	yaml_node_t *f, *v;
	const char *s;

	if (!yis_map(item)) {
		yerror(L->d, L->yf, item,
		       "a model must be a mapping such as {name: brand, file: "
		       "brand.model, score: 40}, not %s",
		       ynode_kind(item));
		return;
	}
	ycheck_keys(L->d, L->yf, item, "a model", model_keys, NKEYS(model_keys));
	if ((f = ymap_get(L->yf, item, "file")) == NULL) {
		yerror(L->d, L->yf, item,
		       "a model needs 'file:', the model file (as keluhctl learn "
		       "writes it), e.g. file: brand.model");
		return;
	}
	if (yget_string(L->d, L->yf, f, "file", &s) < 0)
		return;
	memset(&m, 0, sizeof(m));
	m.score = RULES_MODEL_SCORE_DEFAULT;
	if ((v = ymap_get(L->yf, item, "score")) != NULL && cm_score(L, v, &m.score) < 0)
		return;
	m.file = conf_resolve(L->c, s);
	m.where = xstrdup(L->yf->path);
	m.line = ynode_line(f);
	m.col = ynode_col(f);
	if ((m.name = cm_name(L, item, m.file, spec)) != NULL)
		rules_spec_add_model(spec, &m);
	free(m.name);
	free(m.file);
	free(m.where);
}

void
conf_models_load(struct confp *L, yaml_node_t *root, struct rules_spec *spec)
{
	yaml_node_t *n = ymap_get(L->yf, root, "models");

	if (n == NULL || yis_null(n))
		return;
	if (!yis_seq(n)) {
		yerror(L->d, L->yf, n,
		       "'models' must be a list of {name, file, score} entries, "
		       "not %s",
		       ynode_kind(n));
		return;
	}
	if (yseq_len(n) > CONF_MODELS_MAX) {
		yerror(L->d, L->yf, n, "%zu models; at most %d: each is asked about every mention",
		       yseq_len(n), CONF_MODELS_MAX);
		return;
	}
	for (size_t i = 0; i < yseq_len(n); i++)
		cm_model(L, yseq_item(L->yf, n, i), spec);
}
