/*
 * group.h: complaints -> alerts. Groups by configurable keys, waits
 * first_alert_after (per priority) before the first alert of a group and at
 * least updates_at_most_every between updates (urgent_updates_at_most_every
 * when an update holds a critical complaint or raises the group's priority),
 * builds the digest, routes it, and records alert + deliveries in the spool.
 * Also the velocity incidents.
 *
 * Every complaint handed to group_add has already been written to the
 * spool as a pending mention (same transaction as the 202), so a group in
 * memory can always be rebuilt after a crash (ingest_restore). Loop thread
 * only; all writes go into the current spool transaction.
 */
#ifndef KELUH_GROUP_H
#define KELUH_GROUP_H

#include <event2/event.h>
#include <jansson.h>
#include <stdint.h>

#include "conf/conf.h"
#include "daemon/complaint.h"
#include "store/spool.h"

struct group_engine;

/* Called after an alert and its deliveries were added to the spool. */
typedef void (*group_alert_fn)(void *arg, const size_t *receivers, size_t n);

struct group_engine *group_new(struct event_base *, const struct conf *, struct spool *,
    group_alert_fn fn, void *arg);
void group_free(struct group_engine *);
/* On reload: new timers and routes apply from the next event on. */
void group_set_conf(struct group_engine *, const struct conf *);

/*
 * Adds one complaint, under the key it carries (c->key: the group never
 * makes keys). The group copies c->entry, as text, if it keeps it as a
 * sample: it keeps at most grouping.samples of them for its next alert,
 * chosen by score and reach (followers, verified), and lists them in that
 * order (see sample_keep() in group.c). Silences (group_set_silences) see
 * the complaint first; a muted one only counts.
 */
void group_add(struct group_engine *, const struct complaint *c);

/* Silences mute what they match from then on (NULL: none). See silence.h. */
struct silences;
void group_set_silences(struct group_engine *, struct silences *);

/*
 * Each recorded alert that carries complaints joins its group's case
 * (cases_alert; NULL: no cases, as in the unit tests of the grouper).
 */
struct cases;
void group_set_cases(struct group_engine *, struct cases *);

size_t group_count(const struct group_engine *);

/* Alerts every group with unsent mentions now (used by tests and on demand). */
void group_flush_all(struct group_engine *);

#endif
