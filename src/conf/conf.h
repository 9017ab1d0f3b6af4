/*
 * conf.h: keluhd.yaml -> struct conf.
 *
 * The file is parsed into a fresh object and validated completely (every
 * error as file:line:col) before anything uses it, so --check, start-up and
 * reload share one path: build a new conf, and only swap it in when it is
 * whole. Secrets named by *_file keys are read here; a relative *_file
 * path resolves against $CREDENTIALS_DIRECTORY when systemd sets it, else
 * against the config file's directory. Secrets never reach logs.
 */
#ifndef KELUH_CONF_H
#define KELUH_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "engine/rules.h"
#include "engine/rules_select.h"
#include "conf/conf_cases.h"
#include "conf/conf_parse.h"
#include "conf/conf_receiver.h"
#include "conf/conf_sla.h"
#include "conf/conf_source.h"
#include "conf/conf_cluster.h"
#include "conf/conf_ui.h"
#include "lib/diag.h"

#define CONF_DEFAULT_PATH KELUH_SYSCONFDIR "/keluhd.yaml"
#define CONF_DEFAULT_SPOOL "/var/lib/keluh/spool.db"

/* A route: every given matcher must hold; lists mean "any of". */
struct conf_route {
	unsigned prio_mask;	/* bit (1 << enum prio); 0 = any */
	char **teams;
	size_t nteams;
	char **tags;
	size_t ntags;
	char **rules;
	size_t nrules;
	char **sources;
	size_t nsources;
	size_t *receivers;	/* indexes into conf.receivers */
	size_t nreceivers;
	int cont;		/* continue: true */
	unsigned line;
};

enum group_key_part { GK_RULE, GK_TEAM, GK_PRIORITY, GK_SOURCE, GK_AUTHOR, GK_MENTION, GK__N };

/* Velocity: at_least complaints of these rules within window -> one critical alert. */
struct conf_incident {
	char *name;
	char **rules;		/* rule ids; a trailing '*' is a prefix */
	size_t nrules;
	unsigned at_least;
	int64_t window_ms;
	double spike;		/* 0: off; else also when the window count > spike x baseline */
	int64_t cooldown_ms;
};

struct conf {
	char *path;		/* the file it came from */
	char *dir;		/* its directory: relative paths resolve against it */
	char *rules_dir;        /* the user's rule files */
	struct rules_spec rules; /* what rules_load_spec loads: packs, rules_dir, tuning */
	char *spool_path;
	int64_t keep_history_ms;	/* delivered alerts are forgotten after this */

	/* http */
	char *listen;		/* host:port, or NULL for no HTTP */
	char **tokens;		/* bearer tokens; none = no auth */
	size_t ntokens;
	char **signing_keys;	/* whsec_/whpk_ keys: signatures required when set */
	size_t nsigning_keys;
	size_t max_body;
	size_t max_headers;
	int max_connections;
	int max_connections_per_client;	/* from one address (IPv6: one /64) */
	int64_t http_timeout_ms;
	char *admin_socket;	/* Unix socket path, or NULL */
	char *public_url;	/* how people reach the listener, no trailing '/'; NULL: none */

	struct conf_source *sources;
	size_t nsources;
	struct receiver *receivers;
	size_t nreceivers;
	struct conf_route *routes;
	size_t nroutes;
	struct conf_incident *incidents;
	size_t nincidents;
	char **health_receivers;	/* source health alerts go here (alert_to overrides) */
	size_t nhealth_receivers;

	/* grouping */
	unsigned group_by;	/* bits of enum group_key_part */
	int64_t first_alert_after_ms[PRIO__N];
	int64_t updates_every_ms;
	int64_t urgent_every_ms;	/* updates that carry a critical or raised priority */
	size_t max_groups;
	size_t max_samples;	/* mentions kept per alert for the body */

	/* duplicates */
	int64_t dedup_window_ms;
	size_t dedup_max;
	size_t dedup_same_text;	/* complaints of at least this many bytes (0: off) */

	/* backpressure */
	size_t max_pending_deliveries;	/* 503 above this */

	/* cases: and people: (conf_cases.h) */
	struct conf_cases cases;

	/* display: how chat messages read; every receiver points here */
	struct rcv_display display;

	/* business_hours, sla, escalation, reports (conf_sla.c) */
	struct conf_sla sla;

	/* ui: the web console (conf_ui.h) */
	struct conf_ui ui;

	/* cluster: several daemons on one PostgreSQL spool (conf_cluster.h) */
	struct conf_cluster cluster;
};

/* Returns NULL with every error in d. */
struct conf *conf_load(const char *path, struct diag *d);
struct conf *conf_load_flags(const char *path, struct diag *d, int flags);
void conf_free(struct conf *);

/* Resolves a path from the config against its directory (malloc'd). */
char *conf_resolve(const struct conf *, const char *path);
/* Index of the receiver called name, or -1. */
long conf_receiver_index(const struct conf *, const char *name);


#endif
