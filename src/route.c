#include "config.h"

#include <string.h>

#include "route.h"

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

size_t
route_alert(const struct conf *c, const struct route_alert *a, size_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nroutes; i++) {
		const struct conf_route *r = &c->routes[i];

		if (!route_matches(r, a))
			continue;
		for (size_t j = 0; j < r->nreceivers; j++) {
			size_t k;

			for (k = 0; k < n; k++)
				if (out[k] == r->receivers[j])
					break;
			if (k == n && n < max)
				out[n++] = r->receivers[j];
		}
		if (!r->cont)
			break;
	}
	return n;
}
