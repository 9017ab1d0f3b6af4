/*
 * deliver.h: the delivery scheduler. Takes due deliveries from the spool,
 * renders them for their receiver, sends them through curlev, and writes
 * the outcome back: delivered, retry later (exponential backoff with full
 * jitter, never sooner than the platform's Retry-After), or dead letter
 * with the reason. Per receiver: at most max_concurrency requests in
 * flight and at most rate_per_s started per second. The same limits carry
 * the owed edits of living messages (daemon/living.h), after the due
 * deliveries. Loop thread only.
 */
#ifndef KELUH_DELIVER_H
#define KELUH_DELIVER_H

#include <event2/event.h>

#include "conf/conf.h"
#include "daemon/cases.h"
#include "net/curlev.h"
#include "store/spool.h"

struct deliver;

/*
 * Each receiver looks at the spool at least this often, whatever it was
 * told: it notices operator requeues, restored rows, and deliveries other
 * daemons made due when their notification was lost.
 */
#define DELIVER_POLL_MS 1000

struct deliver *deliver_new(struct event_base *, struct curlev *, struct spool *,
    const struct conf *);
void deliver_free(struct deliver *);
/* On reload: receivers are matched by name; in-flight requests finish. */
void deliver_set_conf(struct deliver *, const struct conf *);
/*
 * Cases: alerts of a case render with "case" as it is now, living
 * receivers post a case once and then edit that message (daemon/living.h).
 * NULL (the default): every alert renders as stored, nothing is edited.
 */
void deliver_set_cases(struct deliver *, struct cases *);
/*
 * fn(arg, id, "delivered" or "dead") when an attempt's outcome (or its age)
 * settles delivery id, in the pass that writes it (the web console). NULL: none.
 */
void deliver_set_observer(struct deliver *, void (*fn)(void *arg, int64_t id, const char *state),
    void *arg);
/* Something new may be due for receiver index i (of the current conf). */
void deliver_kick(struct deliver *, size_t receiver);
void deliver_kick_all(struct deliver *);
/*
 * Something may be due for the receiver of that name, made due by another
 * daemon on a shared spool (its SPOOL_DUE_CHANNEL notification); unknown
 * names are ignored. It only schedules a pump: safe from any callback.
 */
void deliver_kick_name(struct deliver *, const char *receiver);
/*
 * Several daemons on one database: every daemon sends deliveries, only the
 * leader makes the owed edits of living messages (on: the default).
 */
void deliver_set_edits(struct deliver *, int on);
/* Stops starting new requests; fn(arg) once nothing is in flight. */
void deliver_drain(struct deliver *, void (*fn)(void *arg), void *arg);
int deliver_inflight(const struct deliver *);
/*
 * 1 while the receiver is failing (failed attempts in a row, retried or
 * refused): its last error (owned by d, valid until the next loop pass) and
 * the wall clock ms it began. 0 when it is up or unknown.
 */
int deliver_failing(const struct deliver *, const char *receiver, const char **last_error,
    int64_t *since_ms);

/* Backoff for attempt n (1-based), in ms, before jitter: 1 s doubling to 5 min. */
int64_t deliver_backoff_cap(int attempt);

#endif
