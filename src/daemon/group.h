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
 * memory can always be rebuilt after a crash (group_restore). Loop thread
 * only; all writes go into the current spool transaction.
 */
#ifndef KELUH_GROUP_H
#define KELUH_GROUP_H

#include <event2/event.h>
#include <jansson.h>
#include <stdint.h>

#include "conf/conf.h"
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
 * Adds one complaint. entry_json is the mention's alert entry as JSON text
 * (see receiver.h, "mentions" items): the group copies it, as text, if it
 * keeps it as a sample. The group keeps at most grouping.samples of them for its
 * next alert, chosen by score and reach (followers, verified), and lists
 * them in that order: see sample_keep() in group.c. key_parts are the values
 * for rule, team, priority, source, author, mention. rule_info is an array
 * of {"id","description","score"} of the matched rules; tags the union of
 * their tags.
 */
struct group_input {
	const char *rule;	/* top rule id */
	const char *team;
	int priority;		/* enum prio */
	const char *source;
	const char *author;
	const char *mention_id;
	int64_t at_ms;
	int64_t rowid;		/* spool row of the pending mention */
	long followers;		/* -1 when unknown */
	int verified;		/* author verified: with followers and score, picks samples */
	int score;
	const char *entry_json;
	json_t *rule_info;
	json_t *tags;
	const char *text;	/* the mention's text, for silences that match words */
	size_t text_len;
	int restored;		/* read back from the spool at start (counted already) */
};
void group_add(struct group_engine *, const struct group_input *);

/* Silences mute what they match from then on (NULL: none). See silence.h. */
struct silences;
void group_set_silences(struct group_engine *, struct silences *);

/* The group key a mention would get (for the spool row). */
char *group_key(const struct conf *, const struct group_input *);

size_t group_count(const struct group_engine *);

/* Alerts every group with unsent mentions now (used by tests and on demand). */
void group_flush_all(struct group_engine *);

#endif
