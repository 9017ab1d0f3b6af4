#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "source.h"
#include "stream.h"
#include "util.h"

struct source *
source_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn,
    void *arg, char *err, size_t errlen)
{
	switch (cs->type) {
	case SRC_DEMO:
		return source_demo_start(env->base, cs, fn, arg, err, errlen);
	case SRC_STDIN:
	case SRC_FILE:
		return source_file_start(env->base, cs, fn, arg, err, errlen);
	case SRC_SSE:
	case SRC_NDJSON_STREAM:
		return source_sse_start(env, cs, fn, arg, err, errlen);
	case SRC_JSON_POLL:
		return source_poll_start(env, cs, fn, arg, err, errlen);
	default:
		return NULL;
	}
}

void
source_stop(struct source *s)
{
	if (s)
		s->stop(s);
}

const char *
source_name(const struct source *s)
{
	return s->name;
}

unsigned long
source_count(const struct source *s)
{
	return s->count;
}

unsigned long
source_errors(const struct source *s)
{
	return s->errors;
}

void
source_fields_copy(char **dst, const struct conf_source *cs)
{
	for (int f = 0; f < SF__N; f++)
		dst[f] = cs->fields[f] ? xstrdup(cs->fields[f]) : NULL;
}

void
source_fields_free(char **f)
{
	for (int i = 0; i < SF__N; i++) {
		free(f[i]);
		f[i] = NULL;
	}
}

static void
source_bad(struct source *s, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
source_bad(struct source *s, const char *kind, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->errors++;
	stream_count_error(s->name, kind);
	log_warnx("source %s: %s; skipped", s->name, msg);
}

/* The item as a mention object: each mapped field copied to where mention_from_json looks. */
static json_t *
source_map(char *const *fields, json_t *item)
{
	json_t *obj = json_object(), *author = json_object();

	for (int f = 0; f < SF__N; f++) {
		const char *key = conf_source_field_names[f];
		json_t *v;

		if (fields[f] == NULL || (v = stream_jptr_get(item, fields[f])) == NULL ||
		    json_is_null(v))
			continue;
		if (strncmp(key, "author.", 7) == 0)
			json_object_set(author, key + 7, v);
		else
			json_object_set(obj, key, v);
	}
	if (json_object_size(author))
		json_object_set(obj, "author", author);
	json_decref(author);
	return obj;
}

static int
source_mapped(char *const *fields)
{
	for (int f = 0; f < SF__N; f++)
		if (fields[f])
			return 1;
	return 0;
}

int
source_take_item(struct source *s, char *const *fields, json_t *item)
{
	struct mention m;
	char err[256];
	json_t *obj;
	int rc;

	obj = source_mapped(fields) ? source_map(fields, item) : json_incref(item);
	rc = mention_from_json(&m, obj, err, sizeof(err));
	json_decref(obj);
	if (rc < 0) {
		source_bad(s, "mapping", "an event does not make a mention: %s%s", err,
		    source_mapped(fields) ? " (after the fields map)" : "");
		return 0;
	}
	if (s->emit(s->arg, &m, s->name) < 0) {
		mention_free(&m);
		return -1;
	}
	mention_free(&m);
	s->count++;
	return 1;
}

int
source_take_json(struct source *s, char *const *fields, const char *data, size_t len)
{
	size_t good = utf8_valid_prefix(data, len);
	json_error_t je;
	json_t *v;
	int rc;

	if (good != len) {
		source_bad(s, "utf8", "an event is not valid UTF-8 (at byte %zu)", good);
		return 0;
	}
	if ((v = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		source_bad(s, "json", "an event is not JSON (column %d: %s)", je.column, je.text);
		return 0;
	}
	rc = source_take_item(s, fields, v);
	json_decref(v);
	return rc;
}
