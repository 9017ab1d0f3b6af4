/*
 * conf_cluster.h: cluster: in keluhd.yaml (keluhd.yaml(5)), for several
 * daemons on one PostgreSQL spool: what this daemon is called among them
 * and when one that stopped beating is counted dead. A spool of one daemon
 * (SQLite) reads the keys and has no use for them. Strings are owned by
 * the conf.
 */
#ifndef KELUH_CONF_CLUSTER_H
#define KELUH_CONF_CLUSTER_H

#include <stdint.h>

#include "lib/yamlx.h"

#define CLUSTER_DEAD_AFTER_DEFAULT_MS 10000
#define CLUSTER_NAME_MAX              63

struct conf_cluster {
	char *name;            /* NULL: the host name */
	int64_t dead_after_ms; /* a daemon not seen for this long is dead; default 10 s */
};

struct confp;

void conf_cluster_load(struct confp *, yaml_node_t *root, struct conf_cluster *);
void conf_cluster_free(struct conf_cluster *);

#endif
