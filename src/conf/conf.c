#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf/conf.h"
#include "conf/conf_models.h"
#include "conf/conf_parse.h"
#include "engine/mention.h"
#include "lib/sign.h"
#include "lib/tz.h"
#include "lib/util.h"
#include "lib/words.h"
#include "lib/yamlx.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const conf_keys[] = { "http", "spool", "rules", "sources", "receivers",
	"routes", "grouping", "incidents", "duplicates", "admin", "health_receivers", "display",
	"public_url", "business_hours", "sla", "escalation", "reports", "cases",
	"people", "ui", "models", "cluster" };
static const char *const http_keys[] = { "listen", "tokens_file", "signing_keys_file",
	"max_body", "max_headers", "max_connections", "max_connections_per_client", "timeout" };
static const char *const spool_keys[] = { "path", "postgresql", "postgresql_file", "max_pending",
	"keep_history" };
static const char *const route_keys[] = { "match", "receivers", "continue" };
static const char *const match_keys[] = { "priority", "team", "tags", "rule", "source" };
static const char *const grouping_keys[] = { "by", "first_alert_after",
	"updates_at_most_every", "urgent_updates_at_most_every", "max_groups", "samples" };
static const char *const prio_keys[] = { "critical", "high", "normal", "low" };
static const char *const incident_keys[] = { "name", "rules", "at_least", "within", "spike",
	"cooldown" };
static const char *const dup_keys[] = { "window", "max_ids", "same_text" };
static const char *const admin_keys[] = { "socket" };
static const char *const display_keys[] = { "timezone", "language" };
static const char *const rules_keys[] = {"packs", "dir", "disable", "override", "packs_dir"};
static const char *const group_part_names[GK__N] = { "rule", "team", "priority", "source",
	"author", "mention" };

char *
conf_resolve(const struct conf *c, const char *path)
{
	return util_path_resolve(c->dir, path);
}

long
conf_receiver_index(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nreceivers; i++)
		if (strcmp(c->receivers[i].name, name) == 0)
			return (long)i;
	return -1;
}

/*
 * Where the spool is: a file (path), or a PostgreSQL database (its libpq
 * conninfo, in postgresql or, as it may hold a password, in the file
 * postgresql_file names). The spool path is then "postgresql:<conninfo>",
 * which spool_open() hands to that backend; it is no file name, so it is
 * not resolved against the config's directory.
 */
static void
cl_spool_where(struct confp *L, yaml_node_t *n)
{
	static const char *const where[] = { "path", "postgresql", "postgresql_file" };
	struct conf *c = L->c;
	yaml_node_t *first = NULL, *second = NULL;
	const char *s;
	char *conninfo;
	int given, flags = L->flags;

	for (size_t i = 0; i < NKEYS(where); i++) {
		yaml_node_t *k = ymap_get(L->yf, n, where[i]);

		if (k && first)
			second = second ? second : k;
		else if (k)
			first = k;
	}
	if (second) {
		yerror(L->d, L->yf, second, "give one of spool.path, spool.postgresql and "
		       "spool.postgresql_file, not several: the spool is one file or one database");
		return;
	}
	if (ymap_get(L->yf, n, "path")) {
		if (confp_string(L, n, "path", &s) == 0 && s)
			c->spool_path = conf_resolve(c, s);
		return;
	}
	/* keluhctl reads no secrets, but it opens the spool: it needs the conninfo */
	L->flags &= ~CONF_NO_SECRETS;
	conninfo = confp_value_or_file(L, n, "postgresql", "postgresql_file", &given);
	L->flags = flags;
	if (!conninfo)
		return;
	if (strpbrk(conninfo, "\r\n")) {
		yerror(L->d, L->yf, first, "the PostgreSQL conninfo must be one line (libpq words "
		       "such as \"host=db1 dbname=keluh user=keluh\", or a postgresql:// URI)");
	} else if (*conninfo == '\0') {
		yerror(L->d, L->yf, first, "the PostgreSQL conninfo is empty: give at least "
		       "\"dbname=keluh\"");
	} else
		c->spool_path = xasprintf("postgresql:%s", conninfo);
	confp_free_secret(conninfo);
}

static void
cl_http(struct confp *L, yaml_node_t *n)
{
	struct conf *c = L->c;
	const char *s;
	long x;

	if (!yis_map(n)) {
		yerror(L->d, L->yf, n, "'http' must be a mapping with listen, tokens_file, max_body...");
		return;
	}
	ycheck_keys(L->d, L->yf, n, "http", http_keys, NKEYS(http_keys));
	if (confp_string(L, n, "listen", &s) == 0 && s) {
		const char *colon = strrchr(s, ':');
		char *end;
		long port = colon ? strtol(colon + 1, &end, 10) : -1;

		if (colon == NULL || colon == s || *end != '\0' || port < 0 || port > 65535)
			yerror(L->d, L->yf, ymap_get(L->yf, n, "listen"),
			    "listen: '%s' must be host:port, e.g. 127.0.0.1:8470", s);
		else {
			free(c->listen);
			c->listen = xstrdup(s);
		}
	}
	if (confp_string(L, n, "tokens_file", &s) == 0 && s) {
		char *p = confp_secret_path(L, s);

		c->tokens = confp_read_lines(L, ymap_get(L->yf, n, "tokens_file"), p, "tokens_file",
		    &c->ntokens);
		free(p);
	}
	if (confp_string(L, n, "signing_keys_file", &s) == 0 && s) {
		char *p = confp_secret_path(L, s);

		c->signing_keys = confp_read_lines(L, ymap_get(L->yf, n, "signing_keys_file"), p,
		    "signing_keys_file", &c->nsigning_keys);
		for (size_t i = 0; i < c->nsigning_keys; i++) {
			struct sign_key k;
			char why[200];

			if (sign_key_parse(c->signing_keys[i], &k, why, sizeof(why)) < 0)
				yerror(L->d, L->yf, ymap_get(L->yf, n, "signing_keys_file"),
				    "%s: key %zu is not valid: %s", p, i + 1, why);
			sign_key_wipe(&k);
		}
		free(p);
	}
	confp_size(L, n, "max_body", &c->max_body);
	confp_size(L, n, "max_headers", &c->max_headers);
	if (confp_long(L, n, "max_connections", 1, 100000, &x) == 0 && ymap_get(L->yf, n,
	    "max_connections"))
		c->max_connections = (int)x;
	if (confp_long(L, n, "max_connections_per_client", 1, 100000, &x) == 0 && ymap_get(L->yf, n,
	    "max_connections_per_client"))
		c->max_connections_per_client = (int)x;
	confp_duration(L, n, "timeout", &c->http_timeout_ms);
}

/* Receiver names of health_receivers and every alert_to, once receivers are known. */
static void
cl_health_names(struct confp *L, yaml_node_t *v, char *const *names, size_t n)
{
	for (size_t j = 0; j < n; j++)
		conf_receiver_lookup(L, v, L->c->receivers, L->c->nreceivers, names[j]);
}

static void
cl_health(struct confp *L, yaml_node_t *root)
{
	struct conf *c = L->c;
	yaml_node_t *v, *srcs = ymap_get(L->yf, root, "sources");

	if ((v = ymap_get(L->yf, root, "health_receivers")) != NULL &&
	    confp_strings(L, v, "health_receivers", &c->health_receivers,
	    &c->nhealth_receivers) == 0)
		cl_health_names(L, v, c->health_receivers, c->nhealth_receivers);
	for (size_t i = 0; srcs && yis_seq(srcs) && i < yseq_len(srcs); i++) {
		yaml_node_t *item = yseq_item(L->yf, srcs, i), *a;
		const char *name;

		if (!yis_map(item) || (a = ymap_get(L->yf, item, "alert_after")) == NULL)
			continue;
		name = yscalar(ymap_get(L->yf, item, "name"));
		for (size_t j = 0; name && j < c->nsources; j++) {
			struct conf_source *cs = &c->sources[j];

			if (strcmp(cs->name, name) != 0)
				continue;
			if (cs->nalert_to)
				cl_health_names(L, ymap_get(L->yf, item, "alert_to"), cs->alert_to,
				    cs->nalert_to);
			else if (c->nhealth_receivers == 0)
				yerror(L->d, L->yf, a, "source '%s' has alert_after but nowhere to "
				    "send the alert: add alert_to: [receiver] here or health_receivers: "
				    "[receiver] at the top", cs->name);
		}
	}
}

static void
cl_route_names(struct confp *L, yaml_node_t *m, const char *key, char ***out, size_t *n)
{
	yaml_node_t *v = ymap_get(L->yf, m, key);

	if (v)
		confp_strings(L, v, key, out, n);
}

static void
cl_routes(struct confp *L, yaml_node_t *n)
{
	struct conf *c = L->c;

	if (!yis_seq(n)) {
		yerror(L->d, L->yf, n, "'routes' must be a list ('- receivers: [...]'), not %s",
		    ynode_kind(n));
		return;
	}
	for (size_t i = 0; i < yseq_len(n); i++) {
		yaml_node_t *item = yseq_item(L->yf, n, i), *m, *v;
		struct conf_route rt;
		char **names = NULL;
		size_t nnames = 0;

		memset(&rt, 0, sizeof(rt));
		rt.line = ynode_line(item);
		if (!yis_map(item)) {
			yerror(L->d, L->yf, item, "a route must be a mapping with match and receivers");
			continue;
		}
		ycheck_keys(L->d, L->yf, item, "a route", route_keys, NKEYS(route_keys));
		if ((m = ymap_get(L->yf, item, "match")) != NULL) {
			if (!yis_map(m))
				yerror(L->d, L->yf, m, "match must be a mapping such as {priority: "
				    "critical, team: billing}");
			else {
				ycheck_keys(L->d, L->yf, m, "match", match_keys, NKEYS(match_keys));
				if ((v = ymap_get(L->yf, m, "priority")) != NULL) {
					char **p;
					size_t np;

					if (confp_strings(L, v, "priority", &p, &np) == 0)
						for (size_t j = 0; j < np; j++) {
							enum prio pr;

							if (prio_parse(p[j], &pr) < 0 || pr == PRIO_NONE)
								yerror(L->d, L->yf, v, "unknown priority "
								    "'%s'; use critical, high, normal or "
								    "low", p[j]);
							else
								rt.prio_mask |= 1u << pr;
						}
					confp_free_strings(p, np);
				}
				cl_route_names(L, m, "team", &rt.teams, &rt.nteams);
				cl_route_names(L, m, "tags", &rt.tags, &rt.ntags);
				cl_route_names(L, m, "rule", &rt.rules, &rt.nrules);
				cl_route_names(L, m, "source", &rt.sources, &rt.nsources);
			}
		}
		if ((v = ymap_get(L->yf, item, "receivers")) == NULL)
			yerror(L->d, L->yf, item, "a route needs receivers: [names]");
		else if (confp_strings(L, v, "receivers", &names, &nnames) == 0) {
			for (size_t j = 0; j < nnames; j++) {
				long idx = conf_receiver_lookup(L, v, c->receivers, c->nreceivers,
				    names[j]);

				if (idx < 0)
					continue;
				rt.receivers = xreallocarray(rt.receivers, rt.nreceivers + 1,
				    sizeof(size_t));
				rt.receivers[rt.nreceivers++] = (size_t)idx;
			}
			confp_free_strings(names, nnames);
		}
		if ((v = ymap_get(L->yf, item, "continue")) != NULL)
			yget_bool(L->d, L->yf, v, "continue", &rt.cont);
		c->routes = xreallocarray(c->routes, c->nroutes + 1, sizeof(rt));
		c->routes[c->nroutes++] = rt;
	}
}

static void
cl_grouping(struct confp *L, yaml_node_t *n)
{
	struct conf *c = L->c;
	yaml_node_t *v;
	long x;

	if (!yis_map(n)) {
		yerror(L->d, L->yf, n, "'grouping' must be a mapping with by, first_alert_after and "
		    "updates_at_most_every");
		return;
	}
	ycheck_keys(L->d, L->yf, n, "grouping", grouping_keys, NKEYS(grouping_keys));
	if ((v = ymap_get(L->yf, n, "by")) != NULL) {
		char **parts;
		size_t np;

		c->group_by = 0;
		if (confp_strings(L, v, "by", &parts, &np) == 0) {
			for (size_t i = 0; i < np; i++) {
				int k;

				for (k = 0; k < GK__N; k++)
					if (strcmp(parts[i], group_part_names[k]) == 0)
						break;
				if (k == GK__N)
					yerror(L->d, L->yf, v, "unknown grouping key '%s'; use rule, "
					    "team, priority, source, author or mention", parts[i]);
				else
					c->group_by |= 1u << k;
			}
			confp_free_strings(parts, np);
		}
	}
	if ((v = ymap_get(L->yf, n, "first_alert_after")) != NULL) {
		if (!yis_map(v))
			yerror(L->d, L->yf, v, "first_alert_after must be a mapping such as "
			    "{critical: 0s, high: 30s, normal: 2m, low: 10m}");
		else {
			ycheck_keys(L->d, L->yf, v, "first_alert_after", prio_keys, NKEYS(prio_keys));
			for (int p = PRIO_LOW; p <= PRIO_CRITICAL; p++)
				confp_duration(L, v, prio_name((enum prio)p), &c->first_alert_after_ms[p]);
		}
	}
	confp_duration(L, n, "updates_at_most_every", &c->updates_every_ms);
	confp_duration(L, n, "urgent_updates_at_most_every", &c->urgent_every_ms);
	if (confp_long(L, n, "max_groups", 1, 10000000, &x) == 0 && ymap_get(L->yf, n, "max_groups"))
		c->max_groups = (size_t)x;
	if (confp_long(L, n, "samples", 1, 1000, &x) == 0 && ymap_get(L->yf, n, "samples"))
		c->max_samples = (size_t)x;
}

static void
cl_incidents(struct confp *L, yaml_node_t *n)
{
	struct conf *c = L->c;

	if (!yis_seq(n)) {
		yerror(L->d, L->yf, n, "'incidents' must be a list ('- name: ...'), not %s",
		    ynode_kind(n));
		return;
	}
	for (size_t i = 0; i < yseq_len(n); i++) {
		yaml_node_t *item = yseq_item(L->yf, n, i), *v;
		struct conf_incident in;
		const char *s;
		long x;

		memset(&in, 0, sizeof(in));
		in.window_ms = 5 * 60000;
		in.cooldown_ms = 30 * 60000;
		in.at_least = 10;
		if (!yis_map(item)) {
			yerror(L->d, L->yf, item, "an incident must be a mapping with name, rules, "
			    "at_least and within");
			continue;
		}
		ycheck_keys(L->d, L->yf, item, "an incident", incident_keys, NKEYS(incident_keys));
		if (confp_string(L, item, "name", &s) == 0 && s)
			in.name = xstrdup(s);
		else {
			yerror(L->d, L->yf, item, "an incident needs a name");
			continue;
		}
		if ((v = ymap_get(L->yf, item, "rules")) == NULL)
			yerror(L->d, L->yf, item, "incident '%s' needs rules: [rule ids]", in.name);
		else
			confp_strings(L, v, "rules", &in.rules, &in.nrules);
		if (confp_long(L, item, "at_least", 1, 1000000, &x) == 0 &&
		    ymap_get(L->yf, item, "at_least"))
			in.at_least = (unsigned)x;
		confp_duration(L, item, "within", &in.window_ms);
		confp_duration(L, item, "cooldown", &in.cooldown_ms);
		if (in.window_ms <= 0)
			yerror(L->d, L->yf, item, "incident '%s': within must be more than 0s", in.name);
		if ((v = ymap_get(L->yf, item, "spike")) != NULL &&
		    yget_string(L->d, L->yf, v, "spike", &s) == 0) {
			char *end;
			double f = strtod(s, &end);

			if (end == s || (*end != 'x' && *end != '\0') || (*end == 'x' && end[1]) ||
			    f <= 1)
				yerror(L->d, L->yf, v, "spike: '%s' must be a factor above 1, like 3x",
				    s);
			else
				in.spike = f;
		}
		c->incidents = xreallocarray(c->incidents, c->nincidents + 1, sizeof(in));
		c->incidents[c->nincidents++] = in;
	}
}

/* display: the time zone of post times and the language of chat messages. */
static void
cl_display(struct confp *L, yaml_node_t *n)
{
	struct conf *c = L->c;
	yaml_node_t *v;
	const char *s;
	char err[400];

	if (!yis_map(n)) {
		yerror(L->d, L->yf, n, "'display' must be a mapping with timezone and language");
		return;
	}
	ycheck_keys(L->d, L->yf, n, "display", display_keys, NKEYS(display_keys));
	if (confp_string(L, n, "timezone", &s) == 0 && s) {
		v = ymap_get(L->yf, n, "timezone");
		if ((c->display.tz = tz_load(s, err, sizeof(err))) == NULL)
			yerror(L->d, L->yf, v, "display.timezone: %s", err);
	}
	if (confp_string(L, n, "language", &s) == 0 && s &&
	    words_lang_parse(s, &c->display.lang) < 0)
		yerror(L->d, L->yf, ymap_get(L->yf, n, "language"), "display.language: unknown "
		    "language '%s'; the languages are %s (en when not set)", s, words_lang_list());
}

/* One shipped pack by name: its directory under packs_dir. */
static void
cl_rules_pack(struct confp *L, yaml_node_t *item, const char *name, const char *packs_dir)
{
	char *dir, *have;
	struct stat st;

	if (!rules_pack_name_valid(name)) {
		yerror(L->d, L->yf, item, "pack name '%s' may only use a-z, 0-9, '_' and '-'",
		       name);
		return;
	}
	if (packs_dir == NULL) {
		yerror(L->d, L->yf, item,
		       "pack '%s': the shipped packs are not installed (no " KELUH_DATADIR
		       "/packs); set rules.packs_dir to their directory",
		       name);
		return;
	}
	dir = xasprintf("%s/%s", packs_dir, name);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		have = rules_packs_list(packs_dir);
		yerror(L->d, L->yf, item, "no pack '%s' in %s; the packs there are: %s", name,
		       packs_dir, have);
		free(have);
	} else
		rules_spec_add_dir(&L->c->rules, dir);
	free(dir);
}

/*
 * rules: {packs: [core], dir: rules.d, disable: [...], override: {...}}:
 * the shipped packs in the order given, then the user's directory.
 */
static void
cl_rules(struct confp *L, yaml_node_t *n)
{
	struct conf *c = L->c;
	yaml_node_t *v, *p = ymap_get(L->yf, n, "packs");
	char *packs_dir = NULL;
	const char *s;

	ycheck_keys(L->d, L->yf, n, "rules", rules_keys, NKEYS(rules_keys));
	if (confp_string(L, n, "packs_dir", &s) == 0 && s)
		packs_dir = conf_resolve(c, s);
	else
		packs_dir = rules_packs_dir_default(c->dir);
	if (p == NULL)
		cl_rules_pack(L, n, RULES_DEFAULT_PACK, packs_dir);
	else if (yis_seq(p))
		for (size_t i = 0; i < yseq_len(p); i++) {
			yaml_node_t *item = yseq_item(L->yf, p, i);

			if (yget_string(L->d, L->yf, item, "a pack name", &s) == 0)
				cl_rules_pack(L, item, s, packs_dir);
		}
	else if (!yis_null(p))
		yerror(L->d, L->yf, p,
		       "rules.packs must be a list of pack names such as [core, "
		       "city], or [] for none, not %s",
		       ynode_kind(p));
	free(packs_dir);
	if (confp_string(L, n, "dir", &s) == 0)
		c->rules_dir = conf_resolve(c, s ? s : "rules.d");
	if (c->rules_dir) {
		rules_spec_add_dir(&c->rules, c->rules_dir);
		c->rules.user_dir = xstrdup(c->rules_dir);
	}
	if ((v = ymap_get(L->yf, n, "disable")) != NULL)
		rules_spec_parse_disable(&c->rules, L->d, L->yf, v);
	if ((v = ymap_get(L->yf, n, "override")) != NULL)
		rules_spec_parse_override(&c->rules, L->d, L->yf, v);
}

static void
conf_defaults(struct conf *c)
{
	c->max_body = 8 * 1024 * 1024;
	c->max_headers = 16 * 1024;
	c->max_connections = 256;
	c->max_connections_per_client = 32;
	c->http_timeout_ms = 30000;
	c->group_by = (1u << GK_RULE) | (1u << GK_TEAM);
	c->first_alert_after_ms[PRIO_CRITICAL] = 0;
	c->first_alert_after_ms[PRIO_HIGH] = 30000;
	c->first_alert_after_ms[PRIO_NORMAL] = 120000;
	c->first_alert_after_ms[PRIO_LOW] = 600000;
	c->updates_every_ms = 300000;
	c->urgent_every_ms = 10000;
	c->max_groups = 10000;
	c->max_samples = 100;
	c->dedup_window_ms = 600000;
	c->dedup_max = 100000;
	c->dedup_same_text = 40;
	c->max_pending_deliveries = 100000;
	c->keep_history_ms = 7 * 86400000LL;
	conf_cases_defaults(&c->cases);
}

struct conf *
conf_load(const char *path, struct diag *d)
{
	return conf_load_flags(path, d, 0);
}

/*
 * public_url: how people reach keluhd's listener, for signed action links
 * and platform callbacks. An http(s) URL with a host and no query or
 * fragment; trailing slashes are dropped so paths can be appended.
 */
static void
cl_public_url(struct confp *L, yaml_node_t *root)
{
	yaml_node_t *n = ymap_get(L->yf, root, "public_url");
	const char *s = NULL, *host;
	size_t len;

	if (confp_string(L, root, "public_url", &s) < 0 || s == NULL)
		return;
	host = strncmp(s, "https://", 8) == 0 ? s + 8 : strncmp(s, "http://", 7) == 0 ? s + 7 : NULL;
	if (host == NULL || *host == '\0' || *host == '/') {
		yerror(L->d, L->yf, n, "public_url: '%s' is not an http(s) URL with a host; write "
		    "how people reach keluhd, e.g. https://keluh.example.com", s);
		return;
	}
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '?' || *p == '#' || *p == '"' ||
		    *p == '<' || *p == '>' || *p == '\\') {
			yerror(L->d, L->yf, n, "public_url: '%s' has a space, a control character, "
			    "a query, a fragment or one of \" < > \\; give the base URL alone", s);
			return;
		}
	len = strlen(s);
	while (len > 0 && s[len - 1] == '/')
		len--;
	free(L->c->public_url);
	L->c->public_url = xstrndup(s, len);
}

struct conf *
conf_load_flags(const char *path, struct diag *d, int flags)
{
	struct conf *c = xcalloc(1, sizeof(*c));
	size_t errors0 = d->errors;
	struct yfile yf;
	struct confp L = { .yf = &yf, .d = d, .c = c, .flags = flags };
	yaml_node_t *root, *v;
	const char *slash, *s;

	conf_defaults(c);
	c->path = xstrdup(path);
	slash = strrchr(path, '/');
	c->dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	L.dir = c->dir;
	if (yfile_load(&yf, path, d) < 0) {
		yfile_free(&yf);
		conf_free(c);
		return NULL;
	}
	root = yfile_root(&yf);
	if (root == NULL) {
		diag_error(d, path, 1, 1, "the configuration is empty; start from the shipped "
		    "keluhd.yaml");
		goto out;
	}
	if (!yis_map(root)) {
		yerror(d, &yf, root, "the configuration must be a mapping of sections (http, spool, "
		    "rules, sources, receivers, routes, grouping), not %s", ynode_kind(root));
		goto out;
	}
	ycheck_keys(d, &yf, root, "keluhd.yaml", conf_keys, NKEYS(conf_keys));
	if ((v = ymap_get(&yf, root, "rules")) != NULL && yis_map(v))
		cl_rules(&L, v);
	else {
		/* rules: DIR (or nothing: rules.d) is that directory alone */
		if (v == NULL)
			c->rules_dir = conf_resolve(c, "rules.d");
		else if (yget_string(d, &yf, v,
		                     "rules (the rules directory, or a mapping with "
		                     "packs and dir)",
		                     &s) == 0)
			c->rules_dir = conf_resolve(c, s);
		if (c->rules_dir)
			rules_spec_add_dir(&c->rules, c->rules_dir);
	}
	conf_models_load(&L, root, &c->rules);
	if ((v = ymap_get(&yf, root, "http")) != NULL && !yis_null(v))
		cl_http(&L, v);
	if ((v = ymap_get(&yf, root, "spool")) != NULL && !yis_null(v)) {
		if (!yis_map(v))
			yerror(d, &yf, v, "'spool' must be a mapping with path (or postgresql)");
		else {
			long x;

			ycheck_keys(d, &yf, v, "spool", spool_keys, NKEYS(spool_keys));
			cl_spool_where(&L, v);
			if (confp_long(&L, v, "max_pending", 1, 100000000, &x) == 0 &&
			    ymap_get(&yf, v, "max_pending"))
				c->max_pending_deliveries = (size_t)x;
			confp_duration(&L, v, "keep_history", &c->keep_history_ms);
		}
	}
	if (c->spool_path == NULL)
		c->spool_path = xstrdup(CONF_DEFAULT_SPOOL);
	if ((v = ymap_get(&yf, root, "sources")) != NULL && !yis_null(v))
		c->sources = conf_sources_load(&L, v, &c->nsources);
	if ((v = ymap_get(&yf, root, "receivers")) != NULL && !yis_null(v))
		conf_receivers_load(&L, v, &c->receivers, &c->nreceivers);
	if ((v = ymap_get(&yf, root, "routes")) != NULL && !yis_null(v))
		cl_routes(&L, v);
	if ((v = ymap_get(&yf, root, "grouping")) != NULL && !yis_null(v))
		cl_grouping(&L, v);
	if ((v = ymap_get(&yf, root, "incidents")) != NULL && !yis_null(v))
		cl_incidents(&L, v);
	if ((v = ymap_get(&yf, root, "duplicates")) != NULL && !yis_null(v)) {
		long x;

		if (!yis_map(v))
			yerror(d, &yf, v, "'duplicates' must be a mapping with window, max_ids and same_text");
		else {
			ycheck_keys(d, &yf, v, "duplicates", dup_keys, NKEYS(dup_keys));
			confp_duration(&L, v, "window", &c->dedup_window_ms);
			if (confp_long(&L, v, "max_ids", 1, 100000000, &x) == 0 &&
			    ymap_get(&yf, v, "max_ids"))
				c->dedup_max = (size_t)x;
			if (confp_long(&L, v, "same_text", 0, MENTION_MAX_TEXT, &x) == 0 &&
			    ymap_get(&yf, v, "same_text"))
				c->dedup_same_text = (size_t)x;
		}
	}
	if ((v = ymap_get(&yf, root, "admin")) != NULL && !yis_null(v)) {
		if (!yis_map(v))
			yerror(d, &yf, v, "'admin' must be a mapping with socket");
		else {
			ycheck_keys(d, &yf, v, "admin", admin_keys, NKEYS(admin_keys));
			if (confp_string(&L, v, "socket", &s) == 0 && s)
				c->admin_socket = conf_resolve(c, s);
		}
	}
	cl_health(&L, root);
	cl_public_url(&L, root);
	conf_cases_load(&L, root, &c->cases);
	if ((v = ymap_get(&yf, root, "display")) != NULL && !yis_null(v))
		cl_display(&L, v);
	for (size_t i = 0; i < c->nreceivers; i++)
		c->receivers[i].display = &c->display;
	conf_sla_load(&L, root, &c->sla, c->receivers, c->nreceivers, c->display.tz);
	conf_ui_load(&L, root, &c->ui, c->listen, c->public_url);
	conf_cluster_load(&L, root, &c->cluster);
	if (c->nreceivers && c->nroutes == 0)
		diag_warning(d, path, ynode_line(root), ynode_col(root),
		    "receivers are defined but there are no routes: no alert will be sent; add "
		    "'routes: [{receivers: [name]}]'");
out:
	yfile_free(&yf);
	if (d->errors > errors0) {
		conf_free(c);
		return NULL;
	}
	return c;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->dir);
	free(c->rules_dir);
	rules_spec_free(&c->rules);
	confp_free_secret(c->spool_path); /* a conninfo may hold a password */
	free(c->listen);
	confp_free_strings(c->tokens, c->ntokens);
	confp_free_strings(c->signing_keys, c->nsigning_keys);
	confp_free_strings(c->health_receivers, c->nhealth_receivers);
	free(c->admin_socket);
	free(c->public_url);
	conf_cases_free(&c->cases);
	tz_free(c->display.tz);
	conf_sla_free(&c->sla);
	conf_ui_free(&c->ui);
	conf_cluster_free(&c->cluster);
	for (size_t i = 0; i < c->nsources; i++)
		conf_source_free(&c->sources[i]);
	free(c->sources);
	for (size_t i = 0; i < c->nreceivers; i++)
		receiver_free(&c->receivers[i]);
	free(c->receivers);
	for (size_t i = 0; i < c->nroutes; i++) {
		struct conf_route *r = &c->routes[i];

		confp_free_strings(r->teams, r->nteams);
		confp_free_strings(r->tags, r->ntags);
		confp_free_strings(r->rules, r->nrules);
		confp_free_strings(r->sources, r->nsources);
		free(r->receivers);
	}
	free(c->routes);
	for (size_t i = 0; i < c->nincidents; i++) {
		free(c->incidents[i].name);
		confp_free_strings(c->incidents[i].rules, c->nincidents ? c->incidents[i].nrules : 0);
	}
	free(c->incidents);
	free(c);
}
