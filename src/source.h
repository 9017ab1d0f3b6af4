/*
 * source.h: where mentions come from, besides HTTP push. Every source hands
 * its mentions to the same emit callback (the ingest path). Loop thread
 * only.
 */
#ifndef KELUH_SOURCE_H
#define KELUH_SOURCE_H

#include <event2/event.h>

#include "conf.h"
#include "mention.h"

struct source;

/* Returns 0 when taken, -1 when the daemon cannot take it now (retry later). */
typedef int (*source_emit_fn)(void *arg, const struct mention *m, const char *source);

struct source *source_start(struct event_base *, const struct conf_source *, source_emit_fn fn,
    void *arg, char *err, size_t errlen);
void source_stop(struct source *);
const char *source_name(const struct source *);
/* Mentions read, and lines skipped as bad input. */
unsigned long source_count(const struct source *);
unsigned long source_errors(const struct source *);

/* source_demo.c, source_file.c */
struct source *source_demo_start(struct event_base *, const struct conf_source *, source_emit_fn,
    void *, char *, size_t);
struct source *source_file_start(struct event_base *, const struct conf_source *, source_emit_fn,
    void *, char *, size_t);

/* What every source kind shares. */
struct source {
	char *name;
	unsigned long count, errors;
	source_emit_fn emit;
	void *arg;
	void (*stop)(struct source *);
};

#endif
