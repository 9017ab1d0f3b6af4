/*
 * conf_parse.c: the pieces every part of the configuration is read with;
 * see conf_parse.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf/conf_parse.h"
#include "lib/util.h"
#include "net/stream.h"

int64_t
conf_parse_duration(const char *s)
{
	int64_t total = 0;
	int any = 0;

	if (s == NULL || *s == '\0')
		return -1;
	if (strcmp(s, "0") == 0)
		return 0;
	while (*s) {
		char *end;
		double v;
		int64_t unit;

		errno = 0;
		v = strtod(s, &end);
		if (end == s || errno || v < 0)
			return -1;
		s = end;
		if (strncmp(s, "ms", 2) == 0)
			unit = 1, s += 2;
		else if (*s == 's')
			unit = 1000, s++;
		else if (strncmp(s, "min", 3) == 0)
			unit = 60000, s += 3;
		else if (*s == 'm')
			unit = 60000, s++;
		else if (*s == 'h')
			unit = 3600000, s++;
		else if (*s == 'd')
			unit = 86400000, s++;
		else
			return -1;
		if (v * (double)unit > 9.0e15)
			return -1;
		total += (int64_t)(v * (double)unit);
		any = 1;
	}
	return any ? total : -1;
}

int64_t
conf_parse_size(const char *s)
{
	char *end;
	double v;
	int64_t mul = 1;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	if (*end == '\0' || strcmp(end, "B") == 0)
		mul = 1;
	else if (strcmp(end, "KiB") == 0 || strcmp(end, "K") == 0 || strcmp(end, "KB") == 0)
		mul = 1024;
	else if (strcmp(end, "MiB") == 0 || strcmp(end, "M") == 0 || strcmp(end, "MB") == 0)
		mul = 1024 * 1024;
	else if (strcmp(end, "GiB") == 0 || strcmp(end, "G") == 0 || strcmp(end, "GB") == 0)
		mul = 1024 * 1024 * 1024;
	else
		return -1;
	if (v * (double)mul > 1.0e15)
		return -1;
	return (int64_t)(v * (double)mul);
}

double
conf_parse_rate(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v <= 0 || *end != '/')
		return -1;
	end++;
	if (strcmp(end, "s") == 0 || strcmp(end, "sec") == 0)
		return v;
	if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		return v / 60.0;
	if (strcmp(end, "h") == 0)
		return v / 3600.0;
	return -1;
}

/* Secrets: relative names come from systemd's credentials directory when there is one. */
char *
confp_secret_path(struct confp *L, const char *name)
{
	const char *cred = getenv("CREDENTIALS_DIRECTORY");

	if (name[0] != '/' && cred && *cred)
		return xasprintf("%s/%s", cred, name);
	return util_path_resolve(L->dir, name);
}

/*
 * A secret that others on the machine can read is no secret: said at every
 * load, as ssh does, but not refused (a file shared with a group may be
 * meant so).
 */
static void
confp_check_mode(struct confp *L, const yaml_node_t *n, FILE *fp, const char *path,
    const char *what)
{
	struct stat st;

	if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) == 0)
		return;
	diag_warning(L->d, L->yf->path, n ? ynode_line(n) : 0, n ? ynode_col(n) : 0,
	    "%s %s is %s by others (mode %04o); chmod 600 %s", what, path,
	    (st.st_mode & 044) ? "readable" : "writable", (unsigned)(st.st_mode & 07777), path);
}

/* Reads a whole small file; trailing white space dropped. */
char *
confp_read_file(struct confp *L, const yaml_node_t *n, const char *path, const char *what)
{
	char buf[65536];
	size_t len;
	FILE *fp;

	/*
	 * keluhctl needs paths, not secrets it may not be allowed to read:
	 * NULL without an error, and the checks of the value are skipped.
	 */
	if (L->flags & CONF_NO_SECRETS)
		return NULL;
	fp = fopen(path, "rb");

	if (fp == NULL) {
		yerror(L->d, L->yf, n, "cannot read %s from %s: %s", what, path, strerror(errno));
		return NULL;
	}
	confp_check_mode(L, n, fp, path, what);
	len = fread(buf, 1, sizeof(buf) - 1, fp);
	if (!feof(fp)) {
		fclose(fp);
		yerror(L->d, L->yf, n, "%s in %s is larger than 64 KiB", what, path);
		return NULL;
	}
	fclose(fp);
	while (len && isspace((unsigned char)buf[len - 1]))
		len--;
	if (len == 0) {
		yerror(L->d, L->yf, n, "%s file %s is empty", what, path);
		return NULL;
	}
	return xstrndup(buf, len);
}

/* One entry per non-empty line, '#' comments skipped. */
char **
confp_read_lines(struct confp *L, const yaml_node_t *n, const char *path, const char *what,
    size_t *count)
{
	char *all = confp_read_file(L, n, path, what), *save = NULL, **out = NULL;

	*count = 0;
	if (all == NULL)
		return NULL;
	for (char *line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);

		while (len && isspace((unsigned char)line[len - 1]))
			line[--len] = '\0';
		while (*line && isspace((unsigned char)*line))
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		out = xreallocarray(out, *count + 1, sizeof(char *));
		out[(*count)++] = xstrdup(line);
	}
	free(all);
	if (*count == 0)
		yerror(L->d, L->yf, n, "%s file %s has no entries", what, path);
	return out;
}

int
confp_string(struct confp *L, const yaml_node_t *map, const char *key, const char **out)
{
	yaml_node_t *v = ymap_get(L->yf, map, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	return yget_string(L->d, L->yf, v, key, out);
}

int
confp_duration(struct confp *L, const yaml_node_t *map, const char *key, int64_t *out)
{
	yaml_node_t *v = ymap_get(L->yf, map, key);
	const char *s;
	int64_t ms;

	if (v == NULL)
		return 0;
	if (yget_string(L->d, L->yf, v, key, &s) < 0)
		return -1;
	if ((ms = conf_parse_duration(s)) < 0) {
		yerror(L->d, L->yf, v, "%s: '%s' is not a duration; write it like 30s, 2m, 1h or 500ms",
		    key, s);
		return -1;
	}
	*out = ms;
	return 0;
}

int
confp_size(struct confp *L, const yaml_node_t *map, const char *key, size_t *out)
{
	yaml_node_t *v = ymap_get(L->yf, map, key);
	const char *s;
	int64_t b;

	if (v == NULL)
		return 0;
	if (yget_string(L->d, L->yf, v, key, &s) < 0)
		return -1;
	if ((b = conf_parse_size(s)) <= 0) {
		yerror(L->d, L->yf, v, "%s: '%s' is not a size; write it like 8MiB, 512KiB or 65536",
		    key, s);
		return -1;
	}
	*out = (size_t)b;
	return 0;
}

int
confp_long(struct confp *L, const yaml_node_t *map, const char *key, long min, long max, long *out)
{
	yaml_node_t *v = ymap_get(L->yf, map, key);

	if (v == NULL)
		return 0;
	return yget_long(L->d, L->yf, v, key, min, max, out);
}

/* A scalar or a list of scalars -> a string array. */
int
confp_strings(struct confp *L, yaml_node_t *v, const char *what, char ***out, size_t *n)
{
	size_t len = yis_seq(v) ? yseq_len(v) : 1;

	*out = NULL;
	*n = 0;
	if (!yis_seq(v) && !(yis_scalar(v) && !yis_null(v))) {
		yerror(L->d, L->yf, v, "%s must be a name or a list of names, not %s", what,
		    ynode_kind(v));
		return -1;
	}
	/* no name holds a comma: "a, b" was meant as a list, not as one name */
	if (yis_scalar(v) && strchr(yscalar(v), ',') &&
	    yget_list(L->d, L->yf, v, what, "[a, b]") < 0)
		return -1;
	if (len == 0) {
		yerror(L->d, L->yf, v, "%s is an empty list; give at least one or remove it", what);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *item = yis_seq(v) ? yseq_item(L->yf, v, i) : v;
		const char *s;

		if (yget_string(L->d, L->yf, item, what, &s) < 0)
			continue;
		*out = xreallocarray(*out, *n + 1, sizeof(char *));
		(*out)[(*n)++] = xstrdup(s);
	}
	return 0;
}

void
confp_free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
confp_free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* A JSON pointer from the config: checked here so a typo is a startup error, not silence. */
char *
confp_jptr(struct confp *L, yaml_node_t *v, const char *what)
{
	const char *s;
	char why[200];

	if (yget_string(L->d, L->yf, v, what, &s) < 0)
		return NULL;
	if (stream_jptr_check(s, why, sizeof(why)) < 0) {
		yerror(L->d, L->yf, v, "%s: '%s' is not a JSON pointer: %s", what, s, why);
		return NULL;
	}
	return xstrdup(s);
}

/* A secret from a *_file key: one line. */
char *
confp_secret_line(struct confp *L, yaml_node_t *item, const char *key)
{
	const char *s;
	char *p, *v;

	if (confp_string(L, item, key, &s) < 0 || s == NULL)
		return NULL;
	p = confp_secret_path(L, s);
	v = confp_read_file(L, ymap_get(L->yf, item, key), p, key);
	free(p);
	if (v && strpbrk(v, "\r\n")) {
		yerror(L->d, L->yf, ymap_get(L->yf, item, key), "%s must hold one line", key);
		explicit_bzero(v, strlen(v));
		free(v);
		return NULL;
	}
	return v;
}

char *
confp_value_or_file(struct confp *L, yaml_node_t *item, const char *key, const char *file_key,
    int *given)
{
	const char *s;
	yaml_node_t *v = ymap_get(L->yf, item, key), *f = ymap_get(L->yf, item, file_key);

	*given = v || f;
	if (v && f) {
		yerror(L->d, L->yf, f, "give either %s or %s, not both", key, file_key);
		return NULL;
	}
	if (v)
		return yget_string(L->d, L->yf, v, key, &s) == 0 ? xstrdup(s) : NULL;
	if (f && yget_string(L->d, L->yf, f, file_key, &s) == 0) {
		char *p = confp_secret_path(L, s), *val = confp_read_file(L, f, p, file_key);

		free(p);
		return val;
	}
	return NULL;
}
