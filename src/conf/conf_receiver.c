/*
 * conf_receiver.c: keluhd.yaml's receivers: into struct receiver. The keys
 * every kind shares are read here; a kind's own keys by its parse (see
 * conf_receiver.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_receiver.h"
#include "engine/rules.h"
#include "lib/diag.h"
#include "lib/util.h"
#include "lib/yamlx.h"

const struct conf_key conf_receiver_keys[] = {
    {"name", CONF_STRING},         {"type", CONF_STRING},
    {"max_concurrency", CONF_INT}, {"rate", CONF_RATE},
    {"max_age", CONF_DURATION},    {"timeout", CONF_DURATION},
    {"samples", CONF_INT},         {NULL, 0},
};

void
receiver_free(struct receiver *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->url);
	free(r->secret);
	free(r->chat_id);
	free(r->channel);
	free(r->username);
	confp_free_secret(r->token);
	free(r->api_url);
	free(r->mail_from);
	for (size_t i = 0; i < r->nmail_to; i++)
		free(r->mail_to[i]);
	free(r->mail_to);
	for (size_t i = 0; i < r->npage; i++)
		free(r->page[i]);
	free(r->page);
	confp_free_secret(r->signing_secret);
	confp_free_secret(r->webhook_secret);
	r->signing_secret = r->webhook_secret = NULL;
	r->page = NULL;
	r->npage = 0;
	r->name = r->url = r->secret = r->chat_id = r->channel = r->username = NULL;
	r->token = r->api_url = r->mail_from = NULL;
	r->mail_to = NULL;
	r->nmail_to = 0;
}

/* Whether a receiver of kind k takes key. */
static int
rcv_key_allowed(const struct rcv_conf_kind *k, const char *key)
{
	for (size_t i = 0; conf_receiver_keys[i].name; i++)
		if (strcmp(key, conf_receiver_keys[i].name) == 0)
			return 1;
	for (size_t i = 0; k->keys && k->keys[i].name; i++)
		if (strcmp(key, k->keys[i].name) == 0)
			return 1;
	return 0;
}

/* "slack, mattermost, discord and telegram": the kinds that can mention people. */
static void
paging_kinds(char *out, size_t len)
{
	const char *names[RCV__N];
	size_t n = 0, at = 0;

	for (int t = 0; t < RCV__N; t++)
		if (rcv_conf_kind((enum rcv_type)t)->page_valid)
			names[n++] = rcv_conf_kind((enum rcv_type)t)->name;
	out[0] = '\0';
	for (size_t i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(out + at, len - at, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ",
		    names[i]);
}

/* A key of another receiver type would be a silent no-op: name it. */
static void
cl_receiver_keys(struct confp *L, yaml_node_t *item, const struct receiver *r)
{
	const struct rcv_conf_kind *kind = rcv_conf_kind(r->type);

	for (size_t k = 0; k < ymap_len(item); k++) {
		yaml_node_t *key = ymap_key(L->yf, item, k);
		const char *ks = yscalar(key);
		int known = 0;

		for (size_t j = 0; ks && j < rcv_nall_keys; j++)
			known |= strcmp(ks, rcv_all_keys[j]) == 0;
		if (known && !rcv_key_allowed(kind, ks) && strncmp(ks, "mention_", 8) == 0) {
			char who[200];

			paging_kinds(who, sizeof(who));
			yerror(L->d, L->yf, key, "receiver '%s': %s receivers cannot mention people "
			    "('%s'); it works on %s receivers", r->name, kind->name, ks, who);
		} else if (known && !rcv_key_allowed(kind, ks))
			yerror(L->d, L->yf, key, "receiver '%s': %s receivers take no '%s'", r->name,
			    kind->name, ks);
	}
}

/* mention_at_least: from which priority the people of mention_on_critical are pinged. */
static void
cl_receiver_page_min(struct confp *L, yaml_node_t *item, struct receiver *r)
{
	yaml_node_t *v = ymap_get(L->yf, item, "mention_at_least");
	const char *s;
	enum prio p;

	if (v == NULL || yget_string(L->d, L->yf, v, "mention_at_least", &s) < 0)
		return;
	if (prio_parse(s, &p) < 0 || p < PRIO_LOW)
		yerror(L->d, L->yf, v, "receiver '%s': mention_at_least: '%s' is not a "
		    "priority; use critical, high, normal or low", r->name, s);
	else
		r->page_min = (int)(p - PRIO_LOW);
}

/* mention_on_critical and mention_at_least: who a receiver pings, and from which priority. */
static void
cl_receiver_page(struct confp *L, yaml_node_t *item, struct receiver *r)
{
	const struct rcv_conf_kind *kind = rcv_conf_kind(r->type);
	yaml_node_t *v = ymap_get(L->yf, item, "mention_on_critical");
	const char *s;

	r->page_min = PRIO_CRITICAL - PRIO_LOW;
	if (!rcv_key_allowed(kind, "mention_on_critical") || kind->page_valid == NULL)
		return;
	if (v == NULL) {
		if ((v = ymap_get(L->yf, item, "mention_at_least")) != NULL)
			yerror(L->d, L->yf, v, "receiver '%s': mention_at_least says from which "
			    "priority the people of mention_on_critical are pinged; add "
			    "mention_on_critical or remove it", r->name);
		return;
	}
	if (!yis_seq(v)) {
		yerror(L->d, L->yf, v, "receiver '%s': mention_on_critical must be a list, e.g. "
		    "[\"%s\"]", r->name, kind->page_example);
		return;
	}
	if (yseq_len(v) > RCV_MAX_PAGE) {
		yerror(L->d, L->yf, v, "receiver '%s': mention_on_critical has %zu entries; at most "
		    "%d (mention a group instead)", r->name, yseq_len(v), RCV_MAX_PAGE);
		return;
	}
	for (size_t i = 0; i < yseq_len(v); i++) {
		yaml_node_t *e = yseq_item(L->yf, v, i);

		if (yget_string(L->d, L->yf, e, "mention_on_critical", &s) < 0)
			continue;
		if (!kind->page_valid(s)) {
			yerror(L->d, L->yf, e, "receiver '%s': '%s' is not a %s mention; %s", r->name,
			    s, kind->name, kind->page_hint);
			continue;
		}
		r->page = xreallocarray(r->page, r->npage + 1, sizeof(*r->page));
		r->page[r->npage++] = xstrdup(s);
	}
	cl_receiver_page_min(L, item, r);
}

/* type: one of the registry's kinds, or an error that lists them. */
static int
cl_receiver_type(struct confp *L, yaml_node_t *v, struct receiver *r)
{
	const char *names[RCV__N], *s, *sug;
	struct buf all;

	if (yget_string(L->d, L->yf, v, "type", &s) < 0)
		return -1;
	if (receiver_type_parse(s, &r->type) == 0)
		return 0;
	buf_init(&all);
	for (int t = 0; t < RCV__N; t++) {
		names[t] = receiver_type_name((enum rcv_type)t);
		buf_printf(&all, "%s%s", t ? ", " : "", names[t]);
	}
	sug = diag_suggest(s, names, RCV__N);
	yerror(L->d, L->yf, v, "unknown receiver type '%s'%s%s%s; types: %s", s,
	    sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "", all.data);
	buf_free(&all);
	return -1;
}

/* name and type, the keys everything else depends on; before: the receivers read so far. */
static int
cl_receiver_id(struct confp *L, yaml_node_t *item, struct receiver *r,
    const struct receiver *before, size_t nbefore)
{
	yaml_node_t *v;
	const char *s;

	if ((v = ymap_get(L->yf, item, "name")) == NULL) {
		yerror(L->d, L->yf, item, "a receiver needs a name, used by routes");
		return -1;
	}
	if (yget_string(L->d, L->yf, v, "name", &s) < 0)
		return -1;
	for (size_t i = 0; i < nbefore; i++)
		if (strcmp(before[i].name, s) == 0) {
			yerror(L->d, L->yf, v, "duplicate receiver name '%s'", s);
			break;
		}
	r->name = xstrdup(s);
	if ((v = ymap_get(L->yf, item, "type")) == NULL) {
		yerror(L->d, L->yf, item, "receiver '%s' needs a type", r->name);
		return -1;
	}
	return cl_receiver_type(L, v, r);
}

/* url, and the keys that are read for every kind that passed the key check. */
static void
cl_receiver_url(struct confp *L, yaml_node_t *item, struct receiver *r)
{
	const struct rcv_conf_kind *kind = rcv_conf_kind(r->type);
	int given;

	r->url = confp_value_or_file(L, item, "url", "url_file", &given);
	if (kind->needs_url && !given)
		yerror(L->d, L->yf, item, "receiver '%s' (%s) needs url or url_file", r->name,
		    kind->name);
	if (kind->parse)
		kind->parse(L, item, r);
	if (r->url && rcv_key_allowed(kind, "url") && strncmp(r->url, "http://", 7) != 0 &&
	    strncmp(r->url, "https://", 8) != 0 && strncmp(r->url, "smtp://", 7) != 0 &&
	    strncmp(r->url, "smtps://", 8) != 0)
		yerror(L->d, L->yf, item, "receiver '%s': the url must start with https:// or "
		    "http:// (smtp:// or smtps:// for email)", r->name);
}

/* The limits: max_concurrency, samples, rate, max_age, timeout. */
static void
cl_receiver_limits(struct confp *L, yaml_node_t *item, struct receiver *r)
{
	yaml_node_t *v;
	const char *s;
	long x;

	if (confp_long(L, item, "max_concurrency", 1, 64, &x) == 0 &&
	    ymap_get(L->yf, item, "max_concurrency"))
		r->max_concurrency = (int)x;
	if (confp_long(L, item, "samples", 1, 50, &x) == 0 && ymap_get(L->yf, item, "samples"))
		r->max_samples = (int)x;
	if ((v = ymap_get(L->yf, item, "rate")) != NULL &&
	    yget_string(L->d, L->yf, v, "rate", &s) == 0) {
		double rate = conf_parse_rate(s);

		if (rate <= 0)
			yerror(L->d, L->yf, v, "rate: '%s' must look like 1/s or 20/min", s);
		else
			r->rate_per_s = rate;
	}
	confp_duration(L, item, "max_age", &r->max_age_ms);
	confp_duration(L, item, "timeout", &r->timeout_ms);
}

/* One receiver; 0 when it is to be kept (maybe with errors), -1 when it was dropped. */
static int
cl_receiver(struct confp *L, yaml_node_t *item, struct receiver *r,
    const struct receiver *before, size_t nbefore)
{
	const char *s;

	memset(r, 0, sizeof(*r));
	r->max_concurrency = 2;
	r->max_age_ms = 24 * 3600 * 1000LL;
	r->timeout_ms = 15000;
	r->max_samples = 5;
	if (!yis_map(item)) {
		yerror(L->d, L->yf, item, "a receiver must be a mapping with name and type");
		return -1;
	}
	ycheck_keys(L->d, L->yf, item, "a receiver", rcv_all_keys, rcv_nall_keys);
	if (cl_receiver_id(L, item, r, before, nbefore) < 0) {
		receiver_free(r);
		return -1;
	}
	cl_receiver_keys(L, item, r);
	cl_receiver_url(L, item, r);
	if (confp_string(L, item, "channel", &s) == 0 && s)
		r->channel = xstrdup(s);
	if (confp_string(L, item, "username", &s) == 0 && s)
		r->username = xstrdup(s);
	cl_receiver_limits(L, item, r);
	cl_receiver_page(L, item, r);
	if (r->rate_per_s == 0)
		r->rate_per_s = rcv_conf_kind(r->type)->rate_per_s;
	return 0;
}

void
conf_receivers_load(struct confp *L, yaml_node_t *n, struct receiver **out, size_t *nout)
{
	struct receiver r;

	if (!yis_seq(n)) {
		yerror(L->d, L->yf, n, "'receivers' must be a list ('- name: ...'), not %s",
		    ynode_kind(n));
		return;
	}
	for (size_t i = 0; i < yseq_len(n); i++) {
		if (cl_receiver(L, yseq_item(L->yf, n, i), &r, *out, *nout) < 0)
			continue;
		*out = xreallocarray(*out, *nout + 1, sizeof(r));
		(*out)[(*nout)++] = r;
	}
}

long
conf_receiver_lookup(struct confp *L, const yaml_node_t *v, const struct receiver *rcv, size_t n,
    const char *name)
{
	const char **all, *sug;

	for (size_t i = 0; i < n; i++)
		if (strcmp(rcv[i].name, name) == 0)
			return (long)i;
	all = xcalloc(n + 1, sizeof(char *));
	for (size_t k = 0; k < n; k++)
		all[k] = rcv[k].name;
	sug = diag_suggest(name, all, n);
	yerror(L->d, L->yf, v, "unknown receiver '%s'%s%s%s; define it under receivers:", name,
	    sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
	free(all);
	return -1;
}
