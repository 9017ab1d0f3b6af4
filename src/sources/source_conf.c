#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf_parse.h"
#include "lib/diag.h"
#include "lib/util.h"
#include "lib/yamlx.h"
#include "net/stream.h"
#include "sources/source_conf.h"

const char *const source_field_names[SF__N] = {"id",
                                               "text",
                                               "url",
                                               "lang",
                                               "created_at",
                                               "author.handle",
                                               "author.name",
                                               "author.followers",
                                               "author.verified",
                                               "reply_to",
                                               "account",
                                               "rating",
                                               "app_version",
                                               "device"};

int
source_same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

int
source_same_strs(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

struct source_local *
source_local_parse(struct confp *L, const struct conf_source *cs, yaml_node_t *item, int need_path)
{
	struct source_local *o = xcalloc(1, sizeof(*o));
	yaml_node_t *v;
	const char *s;

	o->rate_per_s = 2;
	o->loop = 1;
	if (confp_string(L, item, "path", &s) == 0 && s)
		o->path = util_path_resolve(L->dir, s);
	o->fallback_path = util_path_resolve(L->dir, "samples/mentions.ndjson");
	if (need_path && o->path == NULL)
		yerror(L->d, L->yf, item, "source '%s' of type %s needs a path", cs->name,
		       cs->kind->name);
	if ((v = ymap_get(L->yf, item, "rate")) != NULL &&
	    yget_string(L->d, L->yf, v, "rate", &s) == 0) {
		double r = conf_parse_rate(s);

		if (r <= 0)
			yerror(L->d, L->yf, v, "rate: '%s' must look like 2/s or 30/min", s);
		else
			o->rate_per_s = r;
	}
	if ((v = ymap_get(L->yf, item, "loop")) != NULL)
		yget_bool(L->d, L->yf, v, "loop", &o->loop);
	return o;
}

int
source_local_same(const void *va, const void *vb)
{
	const struct source_local *a = va, *b = vb;

	return a->loop == b->loop && a->rate_per_s == b->rate_per_s &&
	       source_same_str(a->path, b->path);
}

void
source_local_free(void *v)
{
	struct source_local *o = v;

	free(o->path);
	free(o->fallback_path);
	free(o);
}

void
source_net_init(struct source_net *n, int polled)
{
	memset(n, 0, sizeof(*n));
	n->max_event = polled ? 8 * 1024 * 1024 : 1024 * 1024;
	n->stall_ms = 90000;
	n->reconnect_ms = 1000;
	n->backoff_max_ms = 5 * 60000;
	n->interval_ms = 60000;
	n->timeout_ms = 30000;
}

void
source_fields_parse(struct confp *L, char **fields, yaml_node_t *v)
{
	if (!yis_map(v)) {
		yerror(L->d, L->yf, v,
		       "fields must be a mapping from mention fields to JSON "
		       "pointers, like {text: /content, author.handle: /account/acct}");
		return;
	}
	ycheck_keys(L->d, L->yf, v, "fields", source_field_names, SF__N);
	for (int f = 0; f < SF__N; f++) {
		yaml_node_t *fv = ymap_get(L->yf, v, source_field_names[f]);

		if (fv)
			fields[f] = confp_jptr(L, fv, source_field_names[f]);
	}
	if (fields[SF_TEXT] == NULL && ymap_get(L->yf, v, "text") == NULL)
		yerror(L->d, L->yf, v, "fields needs text (the pointer to the mention's text)");
}

static void
net_headers(struct confp *L, struct source_net *n, yaml_node_t *v)
{
	if (!yis_map(v)) {
		yerror(L->d, L->yf, v, "headers must be a mapping such as {User-Agent: acme}");
		return;
	}
	for (size_t i = 0; i < ymap_len(v); i++) {
		yaml_node_t *k = ymap_key(L->yf, v, i), *hv = ymap_value(L->yf, v, i);
		const char *name, *val;

		if (yget_string(L->d, L->yf, k, "a header name", &name) < 0 ||
		    yget_string(L->d, L->yf, hv, "a header value", &val) < 0)
			continue;
		if (*name == '\0' ||
		    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                 "0123456789!#$%&'*+-.^_`|~") != strlen(name)) {
			yerror(L->d, L->yf, k, "'%s' is not a valid HTTP header name", name);
			continue;
		}
		if (strpbrk(val, "\r\n") || yscalar_len(hv) != strlen(val)) {
			yerror(L->d, L->yf, hv,
			       "header %s: a value cannot contain line breaks or NUL", name);
			continue;
		}
		n->headers = xreallocarray(n->headers, n->nheaders + 1, sizeof(char *));
		n->headers[n->nheaders++] = xasprintf("%s: %s", name, val);
	}
}

/* url (over a kind's default), headers and the bearer token's file. */
static void
net_endpoint(struct confp *L, const struct conf_source *cs, struct source_net *n, yaml_node_t *item,
             const char *url_hint)
{
	yaml_node_t *v;
	const char *s;

	if ((v = ymap_get(L->yf, item, "url")) == NULL) {
		if (n->url == NULL)
			yerror(L->d, L->yf, item, "source '%s' of type %s needs a url%s", cs->name,
			       cs->kind->name, url_hint ? url_hint : "");
	} else if (yget_string(L->d, L->yf, v, "url", &s) == 0) {
		if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
			yerror(L->d, L->yf, v, "url: '%s' must start with https:// or http://", s);
		else {
			free(n->url);
			n->url = xstrdup(s);
		}
	}
	if ((v = ymap_get(L->yf, item, "headers")) != NULL)
		net_headers(L, n, v);
	if (confp_string(L, item, "token_file", &s) == 0 && s) {
		char *p = confp_secret_path(L, s);

		n->token = confp_read_file(L, ymap_get(L->yf, item, "token_file"), p, "token_file");
		free(p);
		if (n->token && strpbrk(n->token, "\r\n"))
			yerror(L->d, L->yf, ymap_get(L->yf, item, "token_file"),
			       "token_file must hold one line (the token)");
	}
}

void
source_net_parse(struct confp *L, const struct conf_source *cs, struct source_net *n,
                 yaml_node_t *item, const char *url_hint)
{
	yaml_node_t *v;

	net_endpoint(L, cs, n, item, url_hint);
	if ((v = ymap_get(L->yf, item, "fields")) != NULL)
		source_fields_parse(L, n->fields, v);
	if ((v = ymap_get(L->yf, item, "events")) != NULL)
		confp_strings(L, v, "events", &n->events, &n->nevents);
	confp_size(L, item, "max_event", &n->max_event);
	confp_duration(L, item, "stall", &n->stall_ms);
	confp_duration(L, item, "reconnect", &n->reconnect_ms);
	confp_duration(L, item, "backoff_max", &n->backoff_max_ms);
	confp_duration(L, item, "interval", &n->interval_ms);
	confp_duration(L, item, "timeout", &n->timeout_ms);
	if (ymap_get(L->yf, item, "stall") && n->stall_ms > 0 && n->stall_ms < 1000)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "stall"),
		       "stall must be at least 1s "
		       "(or 0 to turn the check off)");
	if (n->backoff_max_ms < n->reconnect_ms)
		yerror(L->d, L->yf,
		       ymap_get(L->yf, item, "backoff_max") ? ymap_get(L->yf, item, "backoff_max")
		                                            : item,
		       "backoff_max must not be shorter than reconnect");
	if (ymap_get(L->yf, item, "interval") && n->interval_ms < 1000)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "interval"),
		       "interval must be at least 1s");
	if (ymap_get(L->yf, item, "timeout") && n->timeout_ms < 100)
		yerror(L->d, L->yf, ymap_get(L->yf, item, "timeout"),
		       "timeout must be at least "
		       "100ms");
}

int
source_net_same(const struct source_net *a, const struct source_net *b)
{
	if (!source_same_str(a->url, b->url) || !source_same_str(a->token, b->token) ||
	    !source_same_strs(a->headers, a->nheaders, b->headers, b->nheaders) ||
	    !source_same_strs(a->events, a->nevents, b->events, b->nevents) ||
	    a->max_event != b->max_event || a->stall_ms != b->stall_ms ||
	    a->reconnect_ms != b->reconnect_ms || a->backoff_max_ms != b->backoff_max_ms ||
	    a->interval_ms != b->interval_ms || a->timeout_ms != b->timeout_ms)
		return 0;
	for (int f = 0; f < SF__N; f++)
		if (!source_same_str(a->fields[f], b->fields[f]))
			return 0;
	return 1;
}

void
source_net_free(struct source_net *n)
{
	free(n->url);
	confp_free_strings(n->headers, n->nheaders);
	if (n->token) {
		explicit_bzero(n->token, strlen(n->token));
		free(n->token);
	}
	for (int f = 0; f < SF__N; f++)
		free(n->fields[f]);
	confp_free_strings(n->events, n->nevents);
	memset(n, 0, sizeof(*n));
}

void
source_health_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	yaml_node_t *v;

	if (confp_duration(L, item, "alert_after", &cs->alert_after_ms) == 0 &&
	    (v = ymap_get(L->yf, item, "alert_after")) != NULL && cs->alert_after_ms < 1000)
		yerror(L->d, L->yf, v,
		       "alert_after must be at least 1s (it is how long a source may "
		       "be silent, failing or throttled before one alert says so)");
	if ((v = ymap_get(L->yf, item, "alert_to")) != NULL) {
		confp_strings(L, v, "alert_to", &cs->alert_to, &cs->nalert_to);
		if (ymap_get(L->yf, item, "alert_after") == NULL)
			yerror(L->d, L->yf, v,
			       "alert_to needs alert_after (how long a source may be "
			       "silent or failing before the alert)");
	}
}

void
source_stream_opts(struct stream_opts *o, const char *name, const struct source_net *n,
                   const char *url, int mode)
{
	memset(o, 0, sizeof(*o));
	o->name = name;
	o->url = url ? url : n->url;
	o->headers = n->headers;
	o->nheaders = n->nheaders;
	o->token = n->token;
	o->mode = (enum stream_mode)mode;
	o->max_event = n->max_event;
	o->reconnect_ms = n->reconnect_ms;
	o->backoff_max_ms = n->backoff_max_ms;
	if (mode == STREAM_POLL) {
		o->interval_ms = n->interval_ms;
		o->timeout_ms = n->timeout_ms;
	} else
		o->stall_ms = n->stall_ms;
}
