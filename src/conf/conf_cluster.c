/*
 * conf_cluster.c: cluster: in keluhd.yaml (see conf_cluster.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf_cluster.h"
#include "conf/conf_parse.h"
#include "lib/util.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const cluster_keys[] = {"name", "dead_after"};

void
conf_cluster_free(struct conf_cluster *c)
{
	free(c->name);
	memset(c, 0, sizeof(*c));
}

/* The name is the first part of the instance id ("NAME:PID:STARTMS"): no ':' or spaces. */
static void
cc_name(struct confp *L, yaml_node_t *n, struct conf_cluster *c)
{
	const char *s = NULL;
	size_t len;

	if (confp_string(L, n, "name", &s) < 0 || s == NULL)
		return;
	len = strlen(s);
	if (len == 0 || len > CLUSTER_NAME_MAX ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != len) {
		yerror(L->d, L->yf, ymap_get(L->yf, n, "name"),
		       "cluster.name: '%s' must be 1 to %d letters, digits, '.', '-' or '_' "
		       "(e.g. keluh-a, or leave it out for the host name)",
		       s, CLUSTER_NAME_MAX);
		return;
	}
	c->name = xstrdup(s);
}

/*
 * Heartbeats come every second: under 2 s a daemon busy for a moment
 * would be counted dead.
 */
static void
cc_dead_after(struct confp *L, yaml_node_t *n, struct conf_cluster *c)
{
	yaml_node_t *v = ymap_get(L->yf, n, "dead_after");

	if (v == NULL || confp_duration(L, n, "dead_after", &c->dead_after_ms) < 0)
		return;
	if (c->dead_after_ms < 2000 || c->dead_after_ms > 3600000) {
		yerror(L->d, L->yf, v,
		       "cluster.dead_after must be between 2s and 1h (heartbeats come every "
		       "second; e.g. 10s)");
		c->dead_after_ms = CLUSTER_DEAD_AFTER_DEFAULT_MS;
	}
}

void
conf_cluster_load(struct confp *L, yaml_node_t *root, struct conf_cluster *c)
{
	yaml_node_t *n = ymap_get(L->yf, root, "cluster");

	memset(c, 0, sizeof(*c));
	c->dead_after_ms = CLUSTER_DEAD_AFTER_DEFAULT_MS;
	if (n == NULL || yis_null(n))
		return;
	if (!yis_map(n)) {
		yerror(
		    L->d, L->yf, n,
		    "'cluster' must be a mapping such as {name: keluh-a, dead_after: 10s}, not %s",
		    ynode_kind(n));
		return;
	}
	ycheck_keys(L->d, L->yf, n, "cluster", cluster_keys, NKEYS(cluster_keys));
	cc_name(L, n, c);
	cc_dead_after(L, n, c);
}
