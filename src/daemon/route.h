/*
 * route.h: which receivers get an alert. Routes are tried in order; the
 * first that matches wins unless it says continue: true. Silences mute
 * complaints before they get here (silence.h, group.c).
 */
#ifndef KELUH_ROUTE_H
#define KELUH_ROUTE_H

#include <jansson.h>
#include <stddef.h>

#include "conf/conf.h"

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

/*
 * The receivers that could get complaints matching a silence's rule
 * pattern ('*' anywhere), team and priority (NULL / -1: any): every route
 * that could match contributes, in order, until one that surely matches
 * all of them and does not continue. For announcing the silence there.
 */
size_t route_silence(const struct conf *, const char *rule, const char *team, int priority,
    size_t *out, size_t max);

#endif
