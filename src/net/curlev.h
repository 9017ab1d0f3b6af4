/*
 * curlev.h: one libcurl multi handle driven by the libevent loop, shared by
 * every outgoing transfer: the deliveries, the sources' streams and polls
 * (stream.h), and the requests some sources make beside them (a token, a
 * backfill).
 *
 * A transfer is an easy handle the caller configured; when it finishes the
 * done callback runs from the loop (never from inside a libcurl callback),
 * after the handle was removed from the multi: the callback owns the easy
 * handle and must clean it up (or reuse it). Loop thread only.
 */
#ifndef KELUH_CURLEV_H
#define KELUH_CURLEV_H

#include <curl/curl.h>
#include <event2/event.h>

struct curlev;

typedef void (*curlev_done_fn)(void *arg, CURL *easy, CURLcode rc);

struct curlev *curlev_new(struct event_base *);
/* Aborts every transfer still running (their callbacks are not called). */
void curlev_free(struct curlev *);

/* Starts easy; fn(arg, easy, rc) when it ends. Returns 0 or -1. */
int curlev_add(struct curlev *, CURL *easy, curlev_done_fn fn, void *arg);
/* Stops a running transfer without calling its callback; the caller frees easy. */
void curlev_cancel(struct curlev *, CURL *easy);
int curlev_running(const struct curlev *);

/*
 * For a request that carries secrets (configured headers, a token): follow
 * redirects (up to 5) only within the origin (scheme, host and port) of the
 * first URL. A redirect to another origin (another host or port, or from
 * https to http) ends the transfer before any request goes there, with
 * CURLE_ABORTED_BY_CALLBACK: libcurl would send custom headers to any host.
 * Set before curlev_add().
 */
void curlev_same_origin(CURL *easy);
/*
 * After a transfer ended with rc: the address of the redirect that
 * curlev_same_origin() refused (valid until easy is cleaned up), or NULL.
 */
const char *curlev_refused_redirect(CURL *easy, CURLcode rc);
/* The origin curlev_same_origin() compares: "scheme://host:port" (port always given, host in
 * lower case), malloc'd, or NULL when url cannot be parsed. */
char *curlev_origin(const char *url);

#endif
