#include "config.h"

#include <stdlib.h>

#include "source.h"

struct source *
source_start(struct event_base *base, const struct conf_source *cs, source_emit_fn fn, void *arg,
    char *err, size_t errlen)
{
	switch (cs->type) {
	case SRC_DEMO:
		return source_demo_start(base, cs, fn, arg, err, errlen);
	case SRC_STDIN:
	case SRC_FILE:
		return source_file_start(base, cs, fn, arg, err, errlen);
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
