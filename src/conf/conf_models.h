/*
 * conf_models.h: models: in keluhd.yaml (keluhd.yaml(5)), the models the
 * rules may name and that may score every verdict. They go into the
 * rules' spec (struct rules_model_spec), and the rules' loader reads their
 * files: so a model is loaded, and reloaded, with the rules.
 */
#ifndef KELUH_CONF_MODELS_H
#define KELUH_CONF_MODELS_H

#include "engine/rules_select.h"
#include "lib/yamlx.h"

/* At most this many models: each costs every mention it is asked about. */
#define CONF_MODELS_MAX 16

struct confp;

/* Reads models: of root (if any) into spec; errors as file:line:col. */
void conf_models_load(struct confp *, yaml_node_t *root, struct rules_spec *spec);

#endif
