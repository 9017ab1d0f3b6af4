/*
 * cases.h: the lifecycle of cases, the unit people act on (one per alert
 * group while it lives), kept in the spool (spool_case_*).
 *
 * States: open -> acknowledged -> resolved; not_complaint (a verdict
 * correction) from any state but itself; reopen takes a resolved or
 * not_complaint case back to open. Assignment is an attribute, not a
 * state. When the grouper records an alert (group_emit), cases_alert ties
 * it to its group's case: the open or acknowledged one; else the newest
 * resolved or not_complaint one when it was closed less than
 * cases.reopen_within ago (reopened, by keluhd); else a new case.
 *
 * Every change writes an event (the timeline) and marks every message
 * posted for the case edit-pending, in the current pass (pass_join), so
 * an action answered "ok" after the pass's commit is never lost and the
 * edit it owes is made after a crash too. Loop thread only.
 */
#ifndef KELUH_CASES_H
#define KELUH_CASES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "store/spool.h"

/* Signed action links in "case" objects live this long from the render. */
#define CASES_LINK_TTL_S (7 * 24 * 3600)
/* Bytes of an assignee, an actor's name or id, or a note. */
#define CASES_MAX_NAME 128
#define CASES_MAX_NOTE 2000

/* Who acted: platform is slack, discord, telegram, mattermost, link, keluhctl, api or keluhd. */
struct cases_actor {
	const char *platform;
	const char *id;   /* the platform's user id; NULL when unknown */
	const char *name; /* as the platform gave it; NULL when unknown */
};

/* What cases_act answers; the errors come with a message for people. */
enum cases_rc {
	CASES_CHANGED = 0,
	CASES_UNCHANGED = 1, /* already so (ack twice, assign to the same person) */
	CASES_ENOCASE = -1,  /* no such case */
	CASES_EACTION = -2,  /* not an action, or a bad argument */
	CASES_ESTATE = -3,   /* not allowed in the case's state ("already resolved") */
	CASES_ENOTYET = -4,  /* mute_author, silence without silences running */
	CASES_ESTORE = -5,   /* the spool failed */
};

struct cases;

/* Reads the gauges and the action link key from the spool; NULL with err. */
struct cases *cases_new(struct spool *, const struct conf *, char *err, size_t errlen);
void cases_free(struct cases *);
struct silences;
/* Where mute_author and silence add their silences (silence.h); NULL: they are refused. */
void cases_set_silences(struct cases *, struct silences *);
/* On reload: reopen_within and people: apply from the next call. */
void cases_set_conf(struct cases *, const struct conf *);

/*
 * The alert alert_rowid (of group_key, carrying count complaints) was just
 * recorded: finds, reopens or opens its case and ties the alert to it.
 * The case id, or -1 (logged; the alert stays recorded, without a case).
 */
int64_t cases_alert(struct cases *, const char *group_key, int priority, const char *team,
                    int64_t alert_rowid, const char *alert_id, int64_t at_ms, int64_t count);

/*
 * Applies action ("ack", "assign", "resolve", "reopen", "not_complaint",
 * "mute_author", "silence") to case id. arg: assign's person (NULL or
 * empty: the actor), resolve's note; else ignored. The actor's name comes
 * from people: when their platform id or name is there. On an error, err
 * says why in words for the person who acted ("case #42 is already
 * resolved").
 */
enum cases_rc cases_act(struct cases *, int64_t id, const char *action,
                        const struct cases_actor *actor, const char *arg, int64_t now_ms, char *err,
                        size_t errlen);
/* The same; for_ms > 0: mute_author's or silence's time instead of cases.mute_for/silence_for. */
enum cases_rc cases_act_for(struct cases *, int64_t id, const char *action,
                            const struct cases_actor *actor, const char *arg, int64_t for_ms,
                            int64_t now_ms, char *err, size_t errlen);

/*
 * fn(arg, id, event kind, now) after each action that changed case id, in
 * the action's pass (its writes join it): living messages record the
 * updates the change owes and kick the senders once the pass is durable.
 */
void cases_set_changed(struct cases *,
                       void (*fn)(void *arg, int64_t id, const char *kind, int64_t now_ms),
                       void *arg);

/*
 * The "case" object of the canonical alert JSON (receivers/receiver.h)
 * for case id as it is now: a new reference, or NULL when there is no
 * such case. actions[] carry a signed link ("url") when public_url is not
 * NULL.
 */
json_t *cases_json(struct cases *, int64_t id, const char *public_url, int64_t now_ms);

/* The fields of cases_json() but actions, for any case row (the admin API adds to them). */
json_t *cases_case_json(const struct spool_case *);

/* The person's display name for an actor (people: first), never NULL; valid until reload. */
const char *cases_actor_name(const struct cases *, const struct cases_actor *);

/*
 * The SLA clocks (daemon/sla_timer.h) watch every change a case goes
 * through: kind is the event written ("opened", "reopened",
 * "acknowledged", "assigned", "resolved", "not_complaint"), c the case as
 * it is now, at when. Called in the pass that wrote it.
 */
typedef void (*cases_watch_fn)(void *arg, const struct spool_case *c, const char *kind,
                               int64_t at_ms);
void cases_set_watch(struct cases *, cases_watch_fn fn, void *arg);
/*
 * A second watcher, the web console (console.h): the changes the watch
 * sees, and "alert" when an alert joins the case. NULL: none.
 */
void cases_set_observer(struct cases *, cases_watch_fn fn, void *arg);

/*
 * The case's first public reply, at at_ms by the brand account `by`
 * (platform: the source's kind): records first_reply_ms, the event
 * replied_publicly (detail is taken) and marks its messages for an edit.
 * 1 when recorded, 0 when the case has one already (or is gone), -1 when
 * the spool failed.
 */
int cases_first_reply(struct cases *, int64_t id, int64_t at_ms, const struct cases_actor *by,
                      json_t *detail);
/*
 * An escalation of case id was sent: overdue = steps (the steps sent so
 * far), the event escalated by keluhd (detail is taken), its messages
 * marked for an edit (they show it overdue). 1, 0 when there is no such
 * case, -1 when the spool failed.
 */
int cases_escalated(struct cases *, int64_t id, int steps, int64_t at_ms, json_t *detail);

/* "42" or "#42" -> 42; -1 when it is not a case id. */
int64_t cases_parse_id(const char *);

/* Whether s is one of the actions cases_act takes. */
int cases_action_known(const char *s);

#endif
