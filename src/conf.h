/*
 * conf.h: keluhd.yaml -> struct conf.
 *
 * The file is parsed into a fresh object and validated completely before
 * anything uses it, so --check, start-up and (later) reload share one path.
 * This version reads where the rules live; the daemon sections (http,
 * spool, sources, receivers, routes, grouping) are checked for their shape
 * only.
 */
#ifndef KELUH_CONF_H
#define KELUH_CONF_H

#include "diag.h"

#define CONF_DEFAULT_PATH KELUH_SYSCONFDIR "/keluhd.yaml"

struct conf {
	char *path;		/* the file it came from */
	char *dir;		/* its directory: relative paths resolve against it */
	char *rules_dir;	/* absolute or relative to the working directory */
};

/* Returns NULL with every error in d. */
struct conf *conf_load(const char *path, struct diag *d);
void conf_free(struct conf *);

/* Resolves a path from the config against its directory (malloc'd). */
char *conf_resolve(const struct conf *, const char *path);

#endif
