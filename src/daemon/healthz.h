/*
 * healthz.h: the ingest listener's other paths (ingest_http.h hands them
 * here): GET /healthz, 200 while keluhd takes mentions (liveness), with
 * "degraded", still 200, when a receiver or a source is in trouble and
 * one sentence per problem, 503 while it stops or the spool fails; GET
 * /metrics, the Prometheus text of every metric; 405 and 404 for the rest.
 * Loop thread only.
 */
#ifndef KELUH_HEALTHZ_H
#define KELUH_HEALTHZ_H

#include <stdint.h>

#include "daemon/admin.h"
#include "daemon/deliver.h"
#include "net/httpd.h"

/* st: what runs now (as the admin status says it); queue: deliveries waiting. */
void healthz_handle(struct httpd_req *, const struct admin_status *st, struct deliver *,
                    int64_t queue);

#endif
