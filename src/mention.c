#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mention.h"
#include "util.h"

static int
mention_str(const json_t *obj, const char *key, char **out, int required, char *err,
    size_t errlen)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required) {
			snprintf(err, errlen, "'%s' is missing", key);
			return -1;
		}
		return 0;
	}
	if (json_is_integer(v) && strcmp(key, "id") == 0) {
		*out = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return 0;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "'%s' must be a string", key);
		return -1;
	}
	*out = xstrndup(json_string_value(v), json_string_length(v));
	return 0;
}

int
mention_from_json(struct mention *m, const json_t *obj, char *err, size_t errlen)
{
	const json_t *a, *v;

	memset(m, 0, sizeof(*m));
	m->followers = -1;
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "a mention must be a JSON object");
		return -1;
	}
	v = json_object_get(obj, "text");
	if (v == NULL) {
		snprintf(err, errlen, "'text' is missing");
		return -1;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "'text' must be a string");
		return -1;
	}
	if (json_string_length(v) > MENTION_MAX_TEXT) {
		snprintf(err, errlen, "'text' is %zu bytes, the limit is %d", json_string_length(v),
		    MENTION_MAX_TEXT);
		return -1;
	}
	if (memchr(json_string_value(v), '\0', json_string_length(v))) {
		snprintf(err, errlen, "'text' contains a NUL character");
		return -1;
	}
	/*
	 * PCRE2's JIT reads the subject in 16-byte blocks and may look past its
	 * end (harmless, but memory checkers flag it): pad with defined bytes.
	 */
	m->text = xcalloc(1, json_string_length(v) + 16);
	memcpy(m->text, json_string_value(v), json_string_length(v));
	m->text_len = json_string_length(v);
	if (mention_str(obj, "id", &m->id, 0, err, errlen) < 0 ||
	    mention_str(obj, "source", &m->source, 0, err, errlen) < 0 ||
	    mention_str(obj, "url", &m->url, 0, err, errlen) < 0 ||
	    mention_str(obj, "lang", &m->lang, 0, err, errlen) < 0 ||
	    mention_str(obj, "created_at", &m->created_at, 0, err, errlen) < 0)
		goto fail;
	if ((a = json_object_get(obj, "author")) != NULL && !json_is_null(a)) {
		if (!json_is_object(a)) {
			snprintf(err, errlen, "'author' must be an object");
			goto fail;
		}
		if (mention_str(a, "handle", &m->author_handle, 0, err, errlen) < 0 ||
		    mention_str(a, "name", &m->author_name, 0, err, errlen) < 0)
			goto fail;
		if ((v = json_object_get(a, "followers")) != NULL && !json_is_null(v)) {
			if (!json_is_integer(v) || json_integer_value(v) < 0) {
				snprintf(err, errlen, "'author.followers' must be a whole number >= 0");
				goto fail;
			}
			m->followers = (long)json_integer_value(v);
		}
		if ((v = json_object_get(a, "verified")) != NULL && !json_is_null(v)) {
			if (!json_is_boolean(v)) {
				snprintf(err, errlen, "'author.verified' must be true or false");
				goto fail;
			}
			m->verified = json_is_true(v);
		}
	}
	if (m->id == NULL) {
		/* FNV-1a over source and text: stable across restarts and hosts */
		uint64_t h = 1469598103934665603ULL;
		const char *parts[2] = { m->source ? m->source : "", m->text };

		for (int p = 0; p < 2; p++) {
			for (const unsigned char *c = (const unsigned char *)parts[p]; *c; c++)
				h = (h ^ *c) * 1099511628211ULL;
			h = (h ^ 0xff) * 1099511628211ULL;
		}
		m->id = xasprintf("h:%016" PRIx64, h);
	}
	return 0;
fail:
	mention_free(m);
	return -1;
}

int
mention_parse(struct mention *m, const char *buf, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *obj;
	int rc;

	obj = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (obj == NULL) {
		memset(m, 0, sizeof(*m));
		snprintf(err, errlen, "malformed JSON at column %d: %s", je.column, je.text);
		return -1;
	}
	rc = mention_from_json(m, obj, err, errlen);
	json_decref(obj);
	return rc;
}

void
mention_free(struct mention *m)
{
	free(m->id);
	free(m->source);
	free(m->text);
	free(m->url);
	free(m->lang);
	free(m->created_at);
	free(m->author_handle);
	free(m->author_name);
	memset(m, 0, sizeof(*m));
	m->followers = -1;
}
