/*
 * health.h: operational alerts about the daemon's own sources (alert_after),
 * kept apart from complaint alerts but carried the same way: a canonical
 * keluh.alert (priority high, rule and tag "source-health", one entry in
 * "mentions" holding the sentence, and a "health" object for machines)
 * written to the spool, so every receiver renders it and it survives a
 * restart like any alert. Loop thread only.
 */
#ifndef KELUH_HEALTH_H
#define KELUH_HEALTH_H

#include <stddef.h>

#include "conf/conf.h"
#include "sources/source.h"

struct spool;

/*
 * Records the note as an alert for its receivers (alert_to, else
 * c->health_receivers) and fills recv[0..*nrecv) with their indexes in
 * c->receivers (to kick their delivery once the spool commits). Returns 0,
 * or -1 when the spool refused it (logged).
 */
int health_record(struct spool *, const struct conf *c, const struct source_health_note *,
    size_t *recv, size_t maxrecv, size_t *nrecv);

/*
 * A test alert for receiver r of c only (keluhctl send-test), recorded
 * like any alert so that it goes through the outbox: retried, dead
 * lettered, listed. Its texts say it is a test. id gets the alert id.
 * Returns 0, or -1 when the spool refused it (logged).
 */
int health_record_test(struct spool *, const struct conf *c, size_t r, char *id, size_t idlen);
char *health_test_alert_json(const char *receiver, const char *alert_id, int64_t at_ms);

/* The alert JSON for a note (for tests); free() it. at_ms is Unix ms. */
char *health_alert_json(const struct source_health_note *, const char *alert_id, int64_t at_ms);

#endif
