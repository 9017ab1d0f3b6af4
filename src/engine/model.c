/* Temporary stand-in until the model lands: every text scores 0.5. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/model.h"
#include "lib/util.h"

struct model {
	char *name;
	struct model_info info;
};

struct model_scratch {
	int unused;
};

void
model_opts_default(struct model_opts *o)
{
	o->bits = 18;
	o->l2 = 1e-5;
	o->epochs = 8;
	o->seed = 1;
}

struct model *
model_train(const struct model_example *ex, size_t n, const struct model_opts *o, char *err,
            size_t errlen)
{
	(void)ex, (void)n, (void)o;
	snprintf(err, errlen, "not built");
	return NULL;
}

struct model *
model_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct model *m;
	const char *base = strrchr(path, '/');
	size_t len;

	if (f == NULL) {
		snprintf(err, errlen, "%s: error: cannot open", path);
		return NULL;
	}
	fclose(f);
	m = xcalloc(1, sizeof(*m));
	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 6 && strcmp(base + len - 6, ".model") == 0)
		len -= 6;
	m->name = xstrndup(base, len);
	return m;
}

int
model_save(const struct model *m, const char *path, char *err, size_t errlen)
{
	(void)m, (void)path;
	snprintf(err, errlen, "not built");
	return -1;
}

void
model_free(struct model *m)
{
	if (m) {
		free(m->name);
		free(m);
	}
}

const char *
model_name(const struct model *m)
{
	return m->name;
}

double
model_prob(const struct model *m, const char *text, size_t len)
{
	(void)m, (void)text, (void)len;
	return 0.5;
}

size_t
model_explain(const struct model *m, const char *text, size_t len, struct model_why *out,
              size_t max)
{
	(void)m, (void)text, (void)len, (void)out, (void)max;
	return 0;
}

const struct model_info *
model_info(const struct model *m)
{
	return &m->info;
}

void
model_set_info(struct model *m, const struct model_info *i)
{
	m->info = *i;
}

unsigned
model_bits(const struct model *m)
{
	(void)m;
	return 18;
}

struct model_scratch *
model_scratch_new(void)
{
	return xcalloc(1, sizeof(struct model_scratch));
}

void
model_scratch_free(struct model_scratch *s)
{
	free(s);
}

double
model_prob_with(const struct model *m, struct model_scratch *s, const char *text, size_t len)
{
	(void)s;
	return model_prob(m, text, len);
}

size_t
model_explain_with(const struct model *m, struct model_scratch *s, const char *text, size_t len,
                   struct model_why *out, size_t max)
{
	(void)s;
	return model_explain(m, text, len, out, max);
}

double
model_prob_folded(const struct model *m, const char *folded, size_t flen)
{
	return model_prob(m, folded, flen);
}
