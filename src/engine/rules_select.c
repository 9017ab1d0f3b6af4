#include "config.h"

#include <dirent.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/rules_int.h"
#include "engine/rules_select.h"
#include "lib/util.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const override_keys[] = {"score", "team"};

void
rules_spec_init(struct rules_spec *s)
{
	memset(s, 0, sizeof(*s));
}

void
rules_spec_free(struct rules_spec *s)
{
	for (size_t i = 0; i < s->ndirs; i++)
		free(s->dirs[i]);
	free(s->dirs);
	free(s->user_dir);
	for (size_t i = 0; i < s->ndisable; i++) {
		free(s->disable[i].pattern);
		free(s->disable[i].file);
	}
	free(s->disable);
	for (size_t i = 0; i < s->noverride; i++) {
		free(s->override[i].id);
		free(s->override[i].team);
		free(s->override[i].file);
	}
	free(s->override);
	for (size_t i = 0; i < s->nmodels; i++) {
		free(s->models[i].name);
		free(s->models[i].file);
		free(s->models[i].where);
	}
	free(s->models);
	memset(s, 0, sizeof(*s));
}

void
rules_spec_add_dir(struct rules_spec *s, const char *dir)
{
	s->dirs = xreallocarray(s->dirs, s->ndirs + 1, sizeof(char *));
	s->dirs[s->ndirs++] = xstrdup(dir);
}

void
rules_spec_add_model(struct rules_spec *s, const struct rules_model_spec *m)
{
	struct rules_model_spec *x;

	s->models = xreallocarray(s->models, s->nmodels + 1, sizeof(*s->models));
	x = &s->models[s->nmodels++];
	*x = *m;
	x->name = xstrdup(m->name);
	x->file = xstrdup(m->file);
	x->where = xstrdup(m->where);
}

int
rules_model_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' ||
		      *s == '_' || *s == '-'))
			return 0;
	return 1;
}

char *
rules_model_name_from_file(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 6 && strcmp(base + n - 6, ".model") == 0)
		n -= 6;
	return xstrndup(base, n);
}

const struct rules_model_spec *
rules_spec_model(const struct rules_spec *s, const char *name)
{
	for (size_t i = 0; i < s->nmodels; i++)
		if (strcmp(s->models[i].name, name) == 0)
			return &s->models[i];
	return NULL;
}

void
rules_spec_copy(struct rules_spec *dst, const struct rules_spec *src)
{
	rules_spec_init(dst);
	for (size_t i = 0; i < src->ndirs; i++)
		rules_spec_add_dir(dst, src->dirs[i]);
	dst->user_dir = src->user_dir ? xstrdup(src->user_dir) : NULL;
	rules_select_merge(dst, src);
	for (size_t i = 0; i < src->nmodels; i++)
		rules_spec_add_model(dst, &src->models[i]);
}

static void
add_disable(struct rules_spec *s, const char *pat, const char *file, unsigned line, unsigned col)
{
	struct rules_disable *x;

	s->disable = xreallocarray(s->disable, s->ndisable + 1, sizeof(*s->disable));
	x = &s->disable[s->ndisable++];
	x->pattern = xstrdup(pat);
	x->file = xstrdup(file);
	x->line = line;
	x->col = col;
}

static void
add_override(struct rules_spec *s, const struct rules_override *o)
{
	struct rules_override *x;

	s->override = xreallocarray(s->override, s->noverride + 1, sizeof(*s->override));
	x = &s->override[s->noverride++];
	*x = *o;
	x->id = xstrdup(o->id);
	x->team = o->team ? xstrdup(o->team) : NULL;
	x->file = xstrdup(o->file);
}

void
rules_select_merge(struct rules_spec *dst, const struct rules_spec *src)
{
	for (size_t i = 0; i < src->ndisable; i++)
		add_disable(dst, src->disable[i].pattern, src->disable[i].file,
		            src->disable[i].line, src->disable[i].col);
	for (size_t i = 0; i < src->noverride; i++)
		add_override(dst, &src->override[i]);
}

size_t
rules_spec_parse_disable(struct rules_spec *s, struct diag *d, struct yfile *yf, yaml_node_t *n)
{
	size_t e0 = d->errors;

	if (!yis_seq(n)) {
		yerror(d, yf, n,
		       "'disable' must be a list of rule ids or globs, e.g. [city.*, "
		       "general.harsh], not %s",
		       ynode_kind(n));
		return d->errors - e0;
	}
	for (size_t i = 0; i < yseq_len(n); i++) {
		yaml_node_t *item = yseq_item(yf, n, i);
		const char *pat;

		if (yget_string(d, yf, item, "a rule id or glob", &pat) < 0)
			continue;
		if (*pat == '\0') {
			yerror(d, yf, item,
			       "empty entry in 'disable'; write a rule id such as "
			       "city.traffic or a glob such as 'city.*'");
			continue;
		}
		add_disable(s, pat, yf->path, ynode_line(item), ynode_col(item));
	}
	return d->errors - e0;
}

size_t
rules_spec_parse_override(struct rules_spec *s, struct diag *d, struct yfile *yf, yaml_node_t *n)
{
	size_t e0 = d->errors;

	if (!yis_map(n)) {
		yerror(d, yf, n,
		       "'override' must be a mapping of rule id: {score: N, team: T}, "
		       "not %s",
		       ynode_kind(n));
		return d->errors - e0;
	}
	for (size_t i = 0; i < ymap_len(n); i++) {
		yaml_node_t *k = ymap_key(yf, n, i), *v = ymap_value(yf, n, i), *x;
		struct rules_override o;
		const char *s2;
		long score;

		memset(&o, 0, sizeof(o));
		if (yget_string(d, yf, k, "a rule id", &s2) < 0)
			continue;
		o.id = (char *)s2;
		if (!yis_map(v) || ymap_len(v) == 0) {
			yerror(d, yf, v,
			       "override of '%s' must be a mapping such as {score: 20} or "
			       "{team: billing}, not %s",
			       s2, ynode_kind(v));
			continue;
		}
		if (ycheck_keys(d, yf, v, "an override", override_keys, NKEYS(override_keys)))
			continue;
		if ((x = ymap_get(yf, v, "score")) != NULL) {
			if (yget_long(d, yf, x, "score", -1000, 1000, &score) < 0)
				continue;
			o.score = (int)score;
			o.has_score = 1;
		}
		if ((x = ymap_get(yf, v, "team")) != NULL) {
			if (yget_string(d, yf, x, "team", &s2) < 0)
				continue;
			o.team = (char *)s2;
		}
		o.file = yf->path;
		o.line = ynode_line(k);
		o.col = ynode_col(k);
		add_override(s, &o);
	}
	return d->errors - e0;
}

static int
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *
rules_packs_dir_default(const char *conf_dir)
{
	char exe[PATH_MAX], *slash, *p;
	ssize_t n;

	if (conf_dir) {
		p = xasprintf("%s/../packs", conf_dir);
		if (is_dir(p))
			return p;
		free(p);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			p = xasprintf("%s/../share/keluh/packs", exe);
			if (is_dir(p))
				return p;
			free(p);
		}
	}
	if (is_dir(KELUH_DATADIR "/packs"))
		return xstrdup(KELUH_DATADIR "/packs");
	return NULL;
}

int
rules_pack_name_valid(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '-'))
			return 0;
	return 1;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
rules_packs_list(const char *packs_dir)
{
	struct buf b;
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *dp = opendir(packs_dir);

	buf_init(&b);
	if (dp) {
		while ((de = readdir(dp)) != NULL) {
			char *p;

			if (de->d_name[0] == '.')
				continue;
			p = xasprintf("%s/%s", packs_dir, de->d_name);
			if (is_dir(p)) {
				names = xreallocarray(names, n + 1, sizeof(char *));
				names[n++] = xstrdup(de->d_name);
			}
			free(p);
		}
		closedir(dp);
	}
	if (n > 1)
		qsort(names, n, sizeof(char *), str_cmp);
	for (size_t i = 0; i < n; i++) {
		buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
		free(names[i]);
	}
	free(names);
	if (n == 0)
		buf_adds(&b, "none");
	return b.data; /* the buffer's memory becomes the caller's */
}

int
rules_lang_allows(const char *const *langs, size_t nlangs, const char *mention_lang)
{
	size_t len;

	if (nlangs == 0 || mention_lang == NULL)
		return 1;
	/* "id-ID", "en_US": the primary subtag is what rules name */
	len = strcspn(mention_lang, "-_");
	if (len == 0 || (len == 3 && strncasecmp(mention_lang, "und", 3) == 0))
		return 1;
	/* X and old ISO 639 say "in" for Indonesian */
	if (len == 2 && strncasecmp(mention_lang, "in", 2) == 0)
		mention_lang = "id";
	for (size_t i = 0; i < nlangs; i++)
		if (strlen(langs[i]) == len && strncasecmp(langs[i], mention_lang, len) == 0)
			return 1;
	return 0;
}

static int
pattern_matches(const char *pat, const char *id)
{
	return fnmatch(pat, id, 0) == 0;
}

static void
warn_unused_disable(const struct ruleset *rs, const struct rules_disable *x, struct diag *d)
{
	const char **ids = xcalloc(rs->nrules + rs->ndisabled + 1, sizeof(char *));
	size_t n = 0;
	const char *s;

	for (size_t i = 0; i < rs->nrules; i++)
		ids[n++] = rs->rules[i].id;
	s = diag_suggest(x->pattern, ids, n);
	if (s)
		diag_warning(d, x->file, x->line, x->col,
		             "disable: '%s' names no rule; did you "
		             "mean '%s'?",
		             x->pattern, s);
	else
		diag_warning(d, x->file, x->line, x->col,
		             "disable: '%s' names no rule (a typo, "
		             "or a pack that is not loaded?); nothing is disabled by it",
		             x->pattern);
	free(ids);
}

static void
warn_unused_override(const struct ruleset *rs, const struct rules_override *o, struct diag *d)
{
	const char **ids = xcalloc(rs->nrules + 1, sizeof(char *));
	const char *s;

	for (size_t i = 0; i < rs->nrules; i++)
		ids[i] = rs->rules[i].id;
	s = diag_suggest(o->id, ids, rs->nrules);
	if (s)
		diag_warning(d, o->file, o->line, o->col,
		             "override: no rule '%s'; did you mean "
		             "'%s'?",
		             o->id, s);
	else
		diag_warning(d, o->file, o->line, o->col,
		             "override: no rule '%s' (a typo, or a "
		             "pack that is not loaded?); nothing is changed by it",
		             o->id);
	free(ids);
}

/* Why rule r is out, as a new string, or NULL when it stays. */
static char *
disabled_why(const struct rs_rule *r, const struct rules_spec *sel, char *used)
{
	char *why = NULL;

	if (r->off)
		why = xasprintf("enabled: false at %s:%u", r->file, r->line);
	for (size_t i = 0; i < sel->ndisable; i++) {
		const struct rules_disable *x = &sel->disable[i];

		if (!pattern_matches(x->pattern, r->id))
			continue;
		used[i] = 1;
		if (why == NULL)
			why = xasprintf("disabled by '%s' at %s:%u", x->pattern, x->file, x->line);
	}
	return why;
}

static void
apply_overrides(struct ruleset *rs, const struct rules_spec *sel, struct diag *d)
{
	for (size_t i = 0; i < sel->noverride; i++) {
		const struct rules_override *o = &sel->override[i];
		int found = 0;

		for (size_t r = 0; r < rs->nrules && !found; r++) {
			struct rs_rule *rule = &rs->rules[r];

			if (strcmp(rule->id, o->id) != 0)
				continue;
			found = 1;
			if (o->has_score)
				rule->score = o->score;
			if (o->team) {
				free(rule->team);
				rule->team = xstrdup(o->team);
			}
		}
		if (!found)
			warn_unused_override(rs, o, d);
	}
}

static const char *
test_names(const struct rules_test *t, const char *id)
{
	for (size_t j = 0; j < t->n_want_rules; j++)
		if (strcmp(t->want_rules[j], id) == 0)
			return t->want_rules[j];
	for (size_t j = 0; j < t->n_not_rules; j++)
		if (strcmp(t->not_rules[j], id) == 0)
			return t->not_rules[j];
	return NULL;
}

static void
skip_tests(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->ntests; i++) {
		struct rs_test *t = &rs->tests[i];

		for (size_t k = 0; k < rs->ndisabled && t->pub.skip == NULL; k++) {
			char *why;

			if (test_names(&t->pub, rs->disabled[k]) == NULL)
				continue;
			why = xasprintf("names %s, which is %s", rs->disabled[k],
			                rs->disabled_why[k]);
			t->strs = xreallocarray(t->strs, t->nstrs + 1, sizeof(char *));
			t->strs[t->nstrs++] = why;
			t->pub.skip = why;
		}
	}
}

void
rules_select_apply(struct ruleset *rs, const struct rules_spec *sel, struct diag *d)
{
	char *used = xcalloc(sel->ndisable + 1, 1);
	size_t keep = 0;

	/* overrides first: one may name a rule that a glob then disables */
	apply_overrides(rs, sel, d);
	for (size_t r = 0; r < rs->nrules; r++) {
		char *why = disabled_why(&rs->rules[r], sel, used);

		if (why == NULL) {
			rs->rules[keep++] = rs->rules[r];
			continue;
		}
		rs->disabled = xreallocarray(rs->disabled, rs->ndisabled + 1, sizeof(char *));
		rs->disabled_why =
		    xreallocarray(rs->disabled_why, rs->ndisabled + 1, sizeof(char *));
		rs->disabled[rs->ndisabled] = xstrdup(rs->rules[r].id);
		rs->disabled_why[rs->ndisabled++] = why;
		rules_rule_free(&rs->rules[r]);
	}
	rs->nrules = keep;
	for (size_t i = 0; i < sel->ndisable; i++)
		if (!used[i])
			warn_unused_disable(rs, &sel->disable[i], d);
	free(used);
	skip_tests(rs);
}
