/*
 * route.h: which receivers get an alert. Routes are tried in order; the
 * first that matches wins unless it says continue: true. Silences (later)
 * sit here too.
 */
#ifndef KELUH_ROUTE_H
#define KELUH_ROUTE_H

#include <jansson.h>
#include <stddef.h>

#include "conf.h"

struct route_alert {
	int priority;
	const char *team;
	json_t *tags;		/* array of strings */
	json_t *rules;		/* array of rule ids */
	json_t *sources;	/* array of source names */
	int incident;
};

/* Fills out[0..max) with receiver indexes (each at most once); returns the count. */
size_t route_alert(const struct conf *, const struct route_alert *, size_t *out, size_t max);

#endif
