#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "util.h"
#include "yamlx.h"

static const char *const conf_keys[] = { "http", "spool", "rules", "sources", "receivers",
	"routes", "grouping" };

char *
conf_resolve(const struct conf *c, const char *path)
{
	if (path[0] == '/' || c->dir == NULL)
		return xstrdup(path);
	return xasprintf("%s/%s", c->dir, path);
}

struct conf *
conf_load(const char *path, struct diag *d)
{
	struct conf *c = xcalloc(1, sizeof(*c));
	size_t errors0 = d->errors;
	struct yfile yf;
	yaml_node_t *root, *v;
	const char *slash;

	c->path = xstrdup(path);
	slash = strrchr(path, '/');
	c->dir = slash ? xstrndup(path, (size_t)(slash - path ? slash - path : 1)) : xstrdup(".");
	if (yfile_load(&yf, path, d) < 0) {
		yfile_free(&yf);
		conf_free(c);
		return NULL;
	}
	root = yfile_root(&yf);
	if (root == NULL) {
		diag_error(d, path, 1, 1, "the configuration is empty; start from the shipped "
		    "keluhd.yaml");
		goto out;
	}
	if (!yis_map(root)) {
		yerror(d, &yf, root, "the configuration must be a mapping of sections (http, spool, "
		    "rules, sources, receivers, routes, grouping), not %s", ynode_kind(root));
		goto out;
	}
	ycheck_keys(d, &yf, root, "keluhd.yaml", conf_keys,
	    sizeof(conf_keys) / sizeof(conf_keys[0]));
	if ((v = ymap_get(&yf, root, "rules")) != NULL) {
		const char *s;

		if (yget_string(d, &yf, v, "rules (the rules directory)", &s) == 0)
			c->rules_dir = conf_resolve(c, s);
	} else
		c->rules_dir = conf_resolve(c, "rules.d");
	static const char *const maps[] = { "http", "spool", "grouping" };
	static const char *const seqs[] = { "sources", "receivers", "routes" };
	for (size_t i = 0; i < 3; i++) {
		if ((v = ymap_get(&yf, root, maps[i])) != NULL && !yis_map(v) && !yis_null(v))
			yerror(d, &yf, v, "'%s' must be a mapping, not %s", maps[i], ynode_kind(v));
		if ((v = ymap_get(&yf, root, seqs[i])) != NULL && !yis_seq(v) && !yis_null(v))
			yerror(d, &yf, v, "'%s' must be a list ('- name: ...'), not %s", seqs[i],
			    ynode_kind(v));
	}
out:
	yfile_free(&yf);
	if (d->errors > errors0) {
		conf_free(c);
		return NULL;
	}
	return c;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->dir);
	free(c->rules_dir);
	free(c);
}
