#include "config.h"

#include <fnmatch.h>
#include <string.h>

#include "daemon/route.h"
#include "lib/util.h"

static int
route_any_in(char **names, size_t n, json_t *arr)
{
	size_t i;
	json_t *v;

	if (n == 0)
		return 1;
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);

		for (size_t k = 0; s && k < n; k++) {
			size_t len = strlen(names[k]);

			/* "outage.*" style prefixes for rule ids */
			if (len && names[k][len - 1] == '*' ? strncmp(s, names[k], len - 1) == 0 :
			    strcmp(s, names[k]) == 0)
				return 1;
		}
	}
	return 0;
}

static int
route_matches(const struct conf_route *r, const struct route_alert *a)
{
	if (r->prio_mask && !(r->prio_mask & (1u << a->priority)))
		return 0;
	if (r->nteams) {
		size_t k;

		for (k = 0; k < r->nteams; k++)
			if (a->team && strcmp(a->team, r->teams[k]) == 0)
				break;
		if (k == r->nteams)
			return 0;
	}
	return route_any_in(r->tags, r->ntags, a->tags) && route_any_in(r->rules, r->nrules, a->rules) &&
	    route_any_in(r->sources, r->nsources, a->sources);
}

/* Adds r's receivers to out[0..n) once each, up to max; the new count. */
static size_t
add_receivers(const struct conf_route *r, size_t *out, size_t n, size_t max)
{
	for (size_t j = 0; j < r->nreceivers; j++)
		n = util_set_add(out, n, max, r->receivers[j]);
	return n;
}

size_t
route_alert(const struct conf *c, const struct route_alert *a, size_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nroutes; i++) {
		const struct conf_route *r = &c->routes[i];

		if (!route_matches(r, a))
			continue;
		n = add_receivers(r, out, n, max);
		if (!r->cont)
			break;
	}
	return n;
}

/* The part of a pattern before its first '*': every id it matches starts with it. */
static size_t
route_literal_prefix(const char *pat)
{
	const char *star = strchr(pat, '*');

	return star ? (size_t)(star - pat) : strlen(pat);
}

/*
 * Whether a route's rule pattern (exact, or a prefix ending in '*') could
 * match an id that the silence pattern matches (surely: every such id).
 */
static int
route_rule_overlap(const char *rp, const char *sp, int *surely)
{
	size_t rlen = strlen(rp), slit = route_literal_prefix(sp);
	int rprefix = rlen && rp[rlen - 1] == '*';

	*surely = 0;
	if (!rprefix) {
		/* one id: is it among what the silence matches? */
		if (fnmatch(sp, rp, 0) != 0)
			return 0;
		*surely = strchr(sp, '*') == NULL;
		return 1;
	}
	rlen--;
	if (slit >= rlen) {
		if (strncmp(rp, sp, rlen) != 0)
			return 0;
		*surely = 1;
		return 1;
	}
	/* the silence's literal part is shorter: ids may or may not share the prefix */
	return strncmp(rp, sp, slit) == 0;
}

size_t
route_silence(const struct conf *c, const char *rule, const char *team, int priority,
    size_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nroutes; i++) {
		const struct conf_route *r = &c->routes[i];
		int could = 1, surely = 1;

		if (r->prio_mask) {
			if (priority >= 0 && !(r->prio_mask & (1u << priority)))
				could = 0;
			if (priority < 0)
				surely = 0;
		}
		if (r->nteams) {
			size_t k;

			for (k = 0; team && k < r->nteams; k++)
				if (strcmp(team, r->teams[k]) == 0)
					break;
			if (team == NULL)
				surely = 0;
			else if (k == r->nteams)
				could = 0;
		}
		if (r->nrules) {
			int any = 0, all = 0;

			for (size_t k = 0; k < r->nrules; k++) {
				int s = 0;

				if (rule == NULL || route_rule_overlap(r->rules[k], rule, &s))
					any = 1;
				if (rule != NULL && s)
					all = 1;
			}
			if (!any)
				could = 0;
			if (!all)
				surely = 0;
		}
		if (r->ntags || r->nsources)
			surely = 0;
		if (!could)
			continue;
		n = add_receivers(r, out, n, max);
		if (surely && !r->cont)
			break;
	}
	return n;
}
