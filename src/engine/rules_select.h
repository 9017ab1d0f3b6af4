/*
 * rules_select.h: which rules run, and how the user retunes shipped ones.
 *
 * A rule set is built from the shipped packs a configuration names (each a
 * directory of rule files under $(pkgdatadir)/packs/NAME) followed by the
 * user's own directory. The user switches rules off (enabled: false on a
 * rule; disable: [ids or globs]) and changes a rule's score or team
 * (override: {ID: {score: N, team: T}}) from keluhd.yaml or from any rule
 * file, so a pack is never edited and an upgrade may replace it whole.
 *
 * A rules_spec owns every string it holds. The loader (rules_load_spec in
 * rules.h) reads its directories, copies it, adds what the rule files say,
 * and applies it before compiling.
 */
#ifndef KELUH_RULES_SELECT_H
#define KELUH_RULES_SELECT_H

#include <stddef.h>

#include "engine/rules.h"
#include "lib/diag.h"
#include "lib/yamlx.h"

/* The shipped packs a configuration gets when it names none. */
#define RULES_DEFAULT_PACK "core"

struct rules_disable {
	char *pattern; /* a rule id, or a glob such as city.* */
	char *file;    /* where it was written, for the "names nothing" warning */
	unsigned line, col;
};

struct rules_override {
	char *id;
	int score, has_score;
	char *team; /* or NULL */
	char *file;
	unsigned line, col;
};

/*
 * A model the rules may use (keluhd.yaml's models:, keluhctl test
 * --model). Rules name it in a model: condition; with a score other than
 * 0 it also adds score x (p - 0.5) to every verdict. The loader reads its
 * file into the ruleset, so a reload reads it again.
 */
struct rules_model_spec {
	char *name;
	char *file;   /* the model file, as opened */
	double score; /* 0: only for model: conditions */
	char *where;  /* where it was given, for errors: a file, or "--model" */
	unsigned line, col;
};

struct rules_spec {
	char **dirs; /* packs first, then the user's directory */
	size_t ndirs;
	char *user_dir; /* may be missing on disk: then only the packs load */
	struct rules_disable *disable;
	size_t ndisable;
	struct rules_override *override;
	size_t noverride;
	struct rules_model_spec *models;
	size_t nmodels;
};

void rules_spec_init(struct rules_spec *);
void rules_spec_free(struct rules_spec *);
/* dst (uninitialised) becomes a copy of src that owns its own strings. */
void rules_spec_copy(struct rules_spec *dst, const struct rules_spec *src);
/* Adds a directory whose *.yaml files are loaded, in name order. */
void rules_spec_add_dir(struct rules_spec *, const char *dir);
/*
 * What a model adds to every verdict when its entry gives no score: a
 * sure model (p near 1) adds 20, and p 0.75 alone reaches the default low
 * threshold (10).
 */
#define RULES_MODEL_SCORE_DEFAULT 40
/* A model's name: 1 to 64 of a-z, 0-9, '.', '_' and '-' (rules name it). */
int rules_model_name_valid(const char *);
/* A model's name from its file's: /x/brand-complaints.model -> brand-complaints. */
char *rules_model_name_from_file(const char *path);
/* Adds a copy of a model (its strings copied). */
void rules_spec_add_model(struct rules_spec *, const struct rules_model_spec *);
/* The model of that name, or NULL. */
const struct rules_model_spec *rules_spec_model(const struct rules_spec *, const char *name);

/*
 * Parse a disable: list / override: mapping (keluhd.yaml's rules: section
 * or a rule file's top level) into the spec; errors as file:line:col.
 * Return the number of errors added.
 */
size_t rules_spec_parse_disable(struct rules_spec *, struct diag *, struct yfile *, yaml_node_t *);
size_t rules_spec_parse_override(struct rules_spec *, struct diag *, struct yfile *, yaml_node_t *);

/*
 * Where shipped packs are found when the configuration does not say
 * (rules.packs_dir): packs/ beside conf_dir (a source tree, whose
 * keluhd.yaml is etc/keluhd.yaml), then ../share/keluh/packs from the
 * running program (an install under another prefix or DESTDIR), then
 * $(pkgdatadir)/packs. Returns a new string, or NULL when none exists.
 */
char *rules_packs_dir_default(const char *conf_dir);
/* A pack name: a-z, 0-9, '_' and '-' (it becomes a directory name). */
int rules_pack_name_valid(const char *);
/* The names of the packs in packs_dir, sorted, as one string "a, b". */
char *rules_packs_list(const char *packs_dir);

/* Whether a mention in language mention_lang may fire a rule written for langs. */
int rules_lang_allows(const char *const *langs, size_t nlangs, const char *mention_lang);

#endif
