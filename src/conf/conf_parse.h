/*
 * conf_parse.h: reading keluhd.yaml's values, shared by the loader
 * (conf.c) and by every kind of source and receiver that parses its own
 * keys (their struct source_kind and struct rcv_kind).
 *
 * Every function reports its errors into the loader's diag as
 * file:line:col with a hint, and returns -1 or NULL; the loader goes on, so
 * that one run shows every error. Strings returned are malloc'd and owned
 * by the caller; nodes stay owned by the yfile.
 */
#ifndef KELUH_CONF_PARSE_H
#define KELUH_CONF_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/yamlx.h"

struct conf;

/*
 * CONF_NO_SECRETS: do not open *_file secrets, nor check their values (tools
 * that need paths only, and may not be allowed to read them): their fields
 * stay NULL.
 */
#define CONF_NO_SECRETS 1

/* "30s", "2m", "1h30m", "500ms", "1d" -> milliseconds; -1 on error. */
int64_t conf_parse_duration(const char *);
/* "8MiB", "512KiB", "1000" -> bytes; -1 on error. */
int64_t conf_parse_size(const char *);
/* "5/s", "20/min", "100/h" -> per second; -1 on error. */
double conf_parse_rate(const char *);

/*
 * What a key's value is, as its reader takes it: a kind's table of keys
 * (struct conf_key) says it for each key, so a test can try every key of a
 * type with a value of the wrong form.
 */
enum conf_type {
	CONF_STRING,      /* a scalar, maybe one of a fixed set */
	CONF_DURATION,    /* confp_duration: 30s, 2m, 500ms */
	CONF_SIZE,        /* confp_size: 8MiB, 65536 */
	CONF_RATE,        /* conf_parse_rate: 2/s, 30/min */
	CONF_INT,         /* confp_long, within bounds */
	CONF_BOOL,        /* yget_bool: true, false */
	CONF_LIST,        /* confp_strings or a list of its own */
	CONF_MAP,         /* a mapping of its own */
	CONF_JPTR,        /* confp_jptr: a JSON pointer */
	CONF_SECRET_FILE, /* a file name, read as a secret */
};

/* One key of a kind's table; the tables end with { NULL, 0 }. */
struct conf_key {
	const char *name;
	enum conf_type type;
};

/* The loader's state: the file, the diag, and the conf being built. */
struct confp {
	struct yfile *yf;
	struct diag *d;
	struct conf *c;
	const char *dir;	/* the config file's directory: relative paths resolve here */
	int flags;	/* CONF_NO_SECRETS */
};

/* A key's value, when present: 0 (also when absent: *out untouched or NULL), or -1. */
int confp_string(struct confp *, const yaml_node_t *map, const char *key, const char **out);
int confp_duration(struct confp *, const yaml_node_t *map, const char *key, int64_t *out);
int confp_size(struct confp *, const yaml_node_t *map, const char *key, size_t *out);
int confp_long(struct confp *, const yaml_node_t *map, const char *key, long min, long max,
    long *out);
/* A scalar or a list of scalars -> a string array. */
int confp_strings(struct confp *, yaml_node_t *v, const char *what, char ***out, size_t *n);
/* A JSON pointer, checked so a typo is a start-up error, not silence. */
char *confp_jptr(struct confp *, yaml_node_t *v, const char *what);

/*
 * Secrets. A relative name resolves against $CREDENTIALS_DIRECTORY when
 * systemd sets it, else against the config's directory. Under
 * CONF_NO_SECRETS no file is opened and NULL comes back without an error.
 * A file others may read is warned about at each load.
 */
char *confp_secret_path(struct confp *, const char *name);
/* A whole small file (at most 64 KiB), trailing white space dropped. */
char *confp_read_file(struct confp *, const yaml_node_t *n, const char *path, const char *what);
/* One entry per non-empty line, '#' comments skipped. */
char **confp_read_lines(struct confp *, const yaml_node_t *n, const char *path,
    const char *what, size_t *count);
/* The one-line secret in the file named by key. */
char *confp_secret_line(struct confp *, yaml_node_t *item, const char *key);
/* key's value, or the content of the file file_key names; *given: either was there. */
char *confp_value_or_file(struct confp *, yaml_node_t *item, const char *key,
    const char *file_key, int *given);

void confp_free_strings(char **v, size_t n);
/* Wipes a secret before it is freed. */
void confp_free_secret(char *s);

#endif
