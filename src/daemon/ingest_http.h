/*
 * ingest_http.h: the HTTP ingest endpoint, POST /v1/mentions, a source
 * like the others: it owns the listener (http.listen), takes a JSON
 * mention, an array of them or NDJSON, checks the bearer token and the
 * webhook signature (a webhook-id is taken once, kept across reloads),
 * hands the mentions to ingest as one batch (one regex budget) and answers
 * once the pass that holds them is committed and durable (pass.h): 202
 * with the counts, or 503 when the spool could not store them. Bad
 * requests get a specific 4xx; when keluhd stops, the spool fails or too
 * much waits (replies, deliveries), 503 with Retry-After.
 *
 * Every other path goes to env.other (/healthz and /metrics are the
 * listener's spare paths: they get through when ingest has every
 * connection). Loop thread only.
 */
#ifndef KELUH_INGEST_HTTP_H
#define KELUH_INGEST_HTTP_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "daemon/ingest.h"
#include "daemon/pass.h"
#include "lib/sign.h"
#include "net/httpd.h"

struct ingest_http_env {
	struct event_base *base;
	struct ingest *ingest;
	struct pass *pass; /* its waits are the endpoint's requests: hooks.answer is ours */
	void (*other)(void *arg, struct httpd_req *); /* any path but /v1/mentions */
	/* a POST's batch closed the regex budget the sources' mentions shared */
	void (*budget_closed)(void *arg);
	void *arg;
};

struct ingest_http;

/* The http.signing_keys of c, parsed (logged on error): 0, or -1. free() *out. */
int ingest_http_load_keys(const struct conf *c, struct sign_key **out, size_t *nout);

/*
 * Listens on c->listen. keys stay the caller's (replaced with
 * ingest_http_set_conf). NULL with the reason in err.
 */
struct ingest_http *ingest_http_start(const struct ingest_http_env *, const struct conf *c,
                                      const struct sign_key *keys, size_t nkeys, char *err,
                                      size_t errlen);
/* Requests still waiting are cancelled (their pass waits forgotten). */
void ingest_http_free(struct ingest_http *);
/* On reload: tokens, keys and limits from now on (the listen address stays). */
void ingest_http_set_conf(struct ingest_http *, const struct conf *c, const struct sign_key *keys,
                          size_t nkeys);
/* The deliveries waiting in the spool (refreshed every second): 503 at max_pending_deliveries. */
void ingest_http_backlog(struct ingest_http *, int64_t queue_depth);
/* keluhd stops: no new connection; POSTs on open ones are answered 503. */
void ingest_http_stop(struct ingest_http *);
int ingest_http_port(const struct ingest_http *);
int ingest_http_connections(const struct ingest_http *);

/*
 * The gates a request that would take mentions passes first (keluhd stops,
 * the spool fails, too much waits): 0 when open, else -1 and answered 503
 * with Retry-After. /v1/hooks/NAME uses them too.
 */
int ingest_http_open(struct ingest_http *, struct httpd_req *);

/* The pass's answer hook for the endpoint's waits: 202 with the counts, or 503. */
void ingest_http_answer(struct pass_wait *, int ok);

#endif
