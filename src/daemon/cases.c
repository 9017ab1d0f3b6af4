/*
 * cases.c: the lifecycle of cases (see cases.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/cases.h"
#include "daemon/labels.h"
#include "daemon/pass.h"
#include "daemon/silence.h"
#include "lib/actsig.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

struct cases {
	struct spool *spool;
	const struct conf *conf;
	unsigned char key[SPOOL_ACTION_KEY_BYTES];
	int64_t nopen, nacked;     /* the gauges, kept as the states change */
	uint64_t rollbacks;        /* spool_rollbacks() when they were last counted */
	struct silences *silences; /* mute_author and silence make theirs; NULL: not running */
	/* told of every change an action made (cases_set_changed) */
	void (*changed)(void *arg, int64_t id, const char *kind, int64_t now_ms);
	void *changed_arg;
	cases_watch_fn watch;  /* the SLA clocks (cases_set_watch) */
	void *watch_arg;
	cases_watch_fn observe; /* the web console (cases_set_observer) */
	void *observe_arg;
};

static const struct {
	const char *action, *label;
} case_actions[] = {
    {"ack", "Acknowledge"},
    {"assign", "Assign to me"},
    {"resolve", "Resolve"},
    {"reopen", "Reopen"},
    {"not_complaint", "Not a complaint"},
    {"mute_author", "Mute author"},
    {"silence", "Silence group"},
};
#define NACTIONS (sizeof(case_actions) / sizeof(case_actions[0]))
/* people offered in a chat's "Assign to" menu: Slack takes 100 options at most */
#define CASES_MENU_PEOPLE 100

int
cases_action_known(const char *s)
{
	for (size_t i = 0; s && i < NACTIONS; i++)
		if (strcmp(case_actions[i].action, s) == 0)
			return 1;
	return 0;
}

int64_t
cases_parse_id(const char *s)
{
	char *end;
	long long v;

	if (s == NULL)
		return -1;
	if (*s == '#')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return -1;
	return (int64_t)v;
}

static void
cases_gauges(const struct cases *cs)
{
	metrics_set("keluh_cases", "state=\"open\"", (double)cs->nopen);
	metrics_set("keluh_cases", "state=\"acknowledged\"", (double)cs->nacked);
}

/* How the live counts change when a case goes from state a to state b (NULL: none). */
static void
cases_moved(struct cases *cs, const char *a, const char *b)
{
	if (a && strcmp(a, "open") == 0)
		cs->nopen--;
	else if (a && strcmp(a, "acknowledged") == 0)
		cs->nacked--;
	if (b && strcmp(b, "open") == 0)
		cs->nopen++;
	else if (b && strcmp(b, "acknowledged") == 0)
		cs->nacked++;
	cases_gauges(cs);
}

/* A lost batch may have taken state changes with it: count again. */
static void
cases_recount(struct cases *cs)
{
	uint64_t rb = spool_rollbacks(cs->spool);

	if (rb == cs->rollbacks)
		return;
	if (spool_case_counts(cs->spool, &cs->nopen, &cs->nacked) == 0)
		cs->rollbacks = rb;
	cases_gauges(cs);
}

struct cases *
cases_new(struct spool *sp, const struct conf *c, char *err, size_t errlen)
{
	struct cases *cs = xcalloc(1, sizeof(*cs));

	cs->spool = sp;
	cs->conf = c;
	if (spool_action_key(sp, cs->key) < 0 ||
	    spool_case_counts(sp, &cs->nopen, &cs->nacked) < 0) {
		snprintf(err, errlen, "cases: %s", spool_error(sp));
		cases_free(cs);
		return NULL;
	}
	cs->rollbacks = spool_rollbacks(sp);
	cases_gauges(cs);
	return cs;
}

void
cases_free(struct cases *cs)
{
	if (cs == NULL)
		return;
	memset(cs->key, 0, sizeof(cs->key));
	free(cs);
}

void
cases_set_changed(struct cases *cs,
                  void (*fn)(void *arg, int64_t id, const char *kind, int64_t now_ms), void *arg)
{
	cs->changed = fn;
	cs->changed_arg = arg;
}

void
cases_set_conf(struct cases *cs, const struct conf *c)
{
	cs->conf = c;
}

void
cases_set_watch(struct cases *cs, cases_watch_fn fn, void *arg)
{
	cs->watch = fn;
	cs->watch_arg = arg;
}

void
cases_set_observer(struct cases *cs, cases_watch_fn fn, void *arg)
{
	cs->observe = fn;
	cs->observe_arg = arg;
}

static void
cases_watched(struct cases *cs, const struct spool_case *c, const char *kind, int64_t at)
{
	if (cs->watch)
		cs->watch(cs->watch_arg, c, kind, at);
	if (cs->observe)
		cs->observe(cs->observe_arg, c, kind, at);
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? xstrdup(v) : NULL;
}

const char *
cases_actor_name(const struct cases *cs, const struct cases_actor *a)
{
	const struct conf_cases *cc = &cs->conf->cases;
	const struct conf_person *p = conf_person_find(cc, a->platform, a->id);

	if (p == NULL && a->name)
		p = conf_person_find(cc, NULL, a->name);
	if (p)
		return p->name;
	if (a->name && *a->name)
		return a->name;
	if (a->id && *a->id)
		return a->id;
	return a->platform;
}

/* An event of the case, by actor (keluhd when NULL); detail is taken. 0, or -1. */
static int
case_event(struct cases *cs, int64_t id, int64_t at, const char *kind,
           const struct cases_actor *actor, const char *name, json_t *detail)
{
	char *d = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	int64_t r;

	json_decref(detail);
	r = spool_case_event_add(cs->spool, id, at, kind, actor ? actor->platform : "keluhd",
	                         actor ? actor->id : NULL, actor ? name : NULL, d);
	free(d);
	return r > 0 ? 0 : -1;
}

/* Back to open: who acknowledged and resolved it belongs to the closed round. */
static void
case_reopen_fields(struct spool_case *c)
{
	set_str(&c->state, "open");
	c->reopened++;
	c->acked_ms = c->resolved_ms = 0;
	set_str(&c->acked_by, NULL);
	set_str(&c->resolved_by, NULL);
	set_str(&c->note, NULL);
	c->overdue = 0;
}

static int
case_live(const struct spool_case *c)
{
	return strcmp(c->state, "open") == 0 || strcmp(c->state, "acknowledged") == 0;
}

/* The case an alert of group_key joins: 1 found or reopened, 0 none (open one), -1. */
static int
cases_current(struct cases *cs, const char *group_key, int64_t at, struct spool_case *c)
{
	int r = spool_case_find(cs->spool, group_key, c);
	const char *was;

	if (r <= 0)
		return r;
	if (case_live(c))
		return 1;
	if (at - c->resolved_ms >= cs->conf->cases.reopen_within_ms) {
		spool_case_free(c);
		return 0;
	}
	was = c->state[0] == 'r' ? "resolved" : "not_complaint";
	case_reopen_fields(c);
	if (spool_case_update(cs->spool, c) <= 0 ||
	    case_event(cs, c->id, at, "reopened", NULL, NULL,
	               json_pack("{s:s}", "reason", "a new complaint")) < 0 ||
	    spool_case_touch(cs->spool, c->id) < 0)
		return -1;
	cases_moved(cs, was, "open");
	cases_watched(cs, c, "reopened", at);
	log_info("case #%" PRId64 " (%s) reopened by a new complaint", c->id, group_key);
	return 1;
}

/* Opens a new case: 1 with c filled, -1. */
static int
cases_open_new(struct cases *cs, const char *group_key, int priority, const char *team, int64_t at,
               struct spool_case *c)
{
	int64_t id = spool_case_open(cs->spool, group_key, priority, team, at);

	if (id <= 0 ||
	    case_event(cs, id, at, "opened", NULL, NULL, json_pack("{s:s}", "group", group_key)) <
	        0 ||
	    spool_case_get(cs->spool, id, c) <= 0)
		return -1;
	cases_moved(cs, NULL, "open");
	cases_watched(cs, c, "opened", at);
	log_debug("case #%" PRId64 " opened for %s", id, group_key);
	return 1;
}

int64_t
cases_alert(struct cases *cs, const char *group_key, int priority, const char *team,
            int64_t alert_rowid, const char *alert_id, int64_t at, int64_t count)
{
	struct spool_case c = {0};
	int r;

	pass_join(cs->spool);
	cases_recount(cs);
	r = cases_current(cs, group_key, at, &c);
	if (r == 0)
		r = cases_open_new(cs, group_key, priority, team, at, &c);
	if (r > 0 && (priority > c.priority || (team && c.team == NULL))) {
		if (priority > c.priority)
			c.priority = priority;
		if (c.team == NULL)
			set_str(&c.team, team);
		r = spool_case_update(cs->spool, &c) > 0 ? 1 : -1;
	}
	if (r > 0 &&
	    (spool_case_tie_alert(cs->spool, c.id, alert_rowid, at, count) <= 0 ||
	     case_event(cs, c.id, at, "alert", NULL, NULL,
	                json_pack("{s:s,s:I}", "alert", alert_id, "count", (json_int_t)count)) < 0))
		r = -1;
	if (r < 0) {
		metrics_add("keluh_spool_errors_total", NULL, 1);
		log_warnx("spool: cannot tie alert %s to a case: %s", alert_id,
		          spool_error(cs->spool));
		spool_case_free(&c);
		return -1;
	}
	if (cs->observe)
		cs->observe(cs->observe_arg, &c, "alert", at);
	spool_case_free(&c);
	return c.id;
}

/* An action's change to c: 0 changed, 1 already so, or an error with err. */
typedef enum cases_rc (*case_action_fn)(struct spool_case *c, const char *who, const char *arg,
                                        int64_t now, char *err, size_t errlen, const char **kind,
                                        json_t **detail);

static const char *
state_words(const char *state)
{
	return strcmp(state, "not_complaint") == 0 ? "marked not a complaint" : state;
}

static enum cases_rc
closed_error(const struct spool_case *c, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "case #%" PRId64 " is %s: reopen it first to %s it", c->id,
	         state_words(c->state), what);
	return CASES_ESTATE;
}

static enum cases_rc
act_ack(struct spool_case *c, const char *who, const char *arg, int64_t now, char *err,
        size_t errlen, const char **kind, json_t **detail)
{
	(void)arg;
	(void)detail;
	if (strcmp(c->state, "acknowledged") == 0)
		return CASES_UNCHANGED;
	if (!case_live(c))
		return closed_error(c, "acknowledge", err, errlen);
	set_str(&c->state, "acknowledged");
	c->acked_ms = now;
	set_str(&c->acked_by, who);
	*kind = "acknowledged";
	return CASES_CHANGED;
}

static enum cases_rc
act_assign(struct spool_case *c, const char *who, const char *to, int64_t now, char *err,
           size_t errlen, const char **kind, json_t **detail)
{
	if (!case_live(c))
		return closed_error(c, "assign", err, errlen);
	if (c->assignee && strcmp(c->assignee, to) == 0)
		return CASES_UNCHANGED;
	set_str(&c->assignee, to);
	set_str(&c->assigned_by, who);
	c->assigned_ms = now;
	*kind = "assigned";
	*detail = json_pack("{s:s}", "to", to);
	return CASES_CHANGED;
}

static enum cases_rc
act_resolve(struct spool_case *c, const char *who, const char *note, int64_t now, char *err,
            size_t errlen, const char **kind, json_t **detail)
{
	if (strcmp(c->state, "resolved") == 0) {
		snprintf(err, errlen, "case #%" PRId64 " is already resolved", c->id);
		return CASES_ESTATE;
	}
	if (!case_live(c))
		return closed_error(c, "resolve", err, errlen);
	set_str(&c->state, "resolved");
	c->resolved_ms = now;
	set_str(&c->resolved_by, who);
	set_str(&c->note, note && *note ? note : NULL);
	*kind = "resolved";
	if (c->note)
		*detail = json_pack("{s:s}", "note", c->note);
	return CASES_CHANGED;
}

static enum cases_rc
act_not_complaint(struct spool_case *c, const char *who, const char *note, int64_t now, char *err,
                  size_t errlen, const char **kind, json_t **detail)
{
	if (strcmp(c->state, "not_complaint") == 0) {
		snprintf(err, errlen, "case #%" PRId64 " is already marked not a complaint", c->id);
		return CASES_ESTATE;
	}
	set_str(&c->state, "not_complaint");
	c->resolved_ms = now;
	set_str(&c->resolved_by, who);
	if (note && *note)
		set_str(&c->note, note);
	*kind = "not_complaint";
	(void)detail;
	return CASES_CHANGED;
}

static enum cases_rc
act_reopen(struct spool_case *c, const char *who, const char *arg, int64_t now, char *err,
           size_t errlen, const char **kind, json_t **detail)
{
	(void)who;
	(void)arg;
	(void)now;
	(void)detail;
	if (case_live(c)) {
		snprintf(err, errlen,
		         "case #%" PRId64 " is %s, not resolved: there is nothing to "
		         "reopen",
		         c->id, c->state);
		return CASES_ESTATE;
	}
	case_reopen_fields(c);
	*kind = "reopened";
	return CASES_CHANGED;
}

static case_action_fn
action_fn(const char *action)
{
	static const struct {
		const char *name;
		case_action_fn fn;
	} fns[] = {
	    {"ack", act_ack},         {"assign", act_assign},
	    {"resolve", act_resolve}, {"not_complaint", act_not_complaint},
	    {"reopen", act_reopen},
	};

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (strcmp(fns[i].name, action) == 0)
			return fns[i].fn;
	return NULL;
}

static int
case_silencing(const char *action)
{
	return strcmp(action, "mute_author") == 0 || strcmp(action, "silence") == 0;
}

/* Checks the action and its argument before the spool is touched. */
static enum cases_rc
act_check(const char *action, const struct cases_actor *actor, const char *arg, char *err,
          size_t errlen)
{
	if (!cases_action_known(action)) {
		snprintf(err, errlen,
		         "unknown action '%s': the actions are ack, assign, resolve, "
		         "reopen, not_complaint, mute_author and silence",
		         action ? action : "");
		return CASES_EACTION;
	}
	if (action_fn(action) == NULL && !case_silencing(action)) {
		snprintf(err, errlen,
		         "%s is not available on a case yet; use keluhctl silence "
		         "add with a matcher instead",
		         action);
		return CASES_ENOTYET;
	}
	if (actor == NULL || actor->platform == NULL ||
	    (actor->id && strlen(actor->id) > CASES_MAX_NAME) ||
	    (actor->name && strlen(actor->name) > CASES_MAX_NAME)) {
		snprintf(err, errlen, "who acted must be named, in at most %d bytes",
		         CASES_MAX_NAME);
		return CASES_EACTION;
	}
	if (arg &&
	    strlen(arg) > (strcmp(action, "assign") == 0 ? CASES_MAX_NAME : CASES_MAX_NOTE)) {
		snprintf(err, errlen, "%s: the %s is longer than %d bytes", action,
		         strcmp(action, "assign") == 0 ? "person" : "note",
		         strcmp(action, "assign") == 0 ? CASES_MAX_NAME : CASES_MAX_NOTE);
		return CASES_EACTION;
	}
	return CASES_CHANGED;
}

/* Whom assign names: a person of people: by key, name or platform id, else as given. */
static const char *
assign_target(const struct cases *cs, const char *to, const char *who)
{
	const struct conf_cases *cc = &cs->conf->cases;
	const struct conf_person *p;

	if (to == NULL || *to == '\0')
		return who;
	if ((p = conf_person_find(cc, NULL, to)) != NULL)
		return p->name;
	for (size_t k = 0; k < CONF_PERSON_PLATFORMS; k++)
		if ((p = conf_person_find(cc, conf_person_platforms[k], to)) != NULL)
			return p->name;
	return to;
}

static void
act_counted(const char *action, const char *platform)
{
	char labels[160], p[64];

	metrics_label_value(p, sizeof(p), platform);
	snprintf(labels, sizeof(labels), "action=\"%s\",platform=\"%s\"", action, p);
	metrics_add("keluh_case_actions_total", labels, 1);
}

/* Writes the changed case, its event, and the edits it owes. */
static enum cases_rc
act_write(struct cases *cs, const struct spool_case *c, const struct cases_actor *actor,
          const char *who, const char *kind, json_t *detail, int64_t now, char *err, size_t errlen)
{
	if (spool_case_update(cs->spool, c) <= 0 ||
	    case_event(cs, c->id, now, kind, actor, who, detail) < 0 ||
	    spool_case_touch(cs->spool, c->id) < 0) {
		snprintf(err, errlen, "the spool failed: %s", spool_error(cs->spool));
		metrics_add("keluh_spool_errors_total", NULL, 1);
		return CASES_ESTORE;
	}
	return CASES_CHANGED;
}

void
cases_set_silences(struct cases *cs, struct silences *ss)
{
	cs->silences = ss;
}

/* The silence matchers of a group key ("rule=x|team=y|..."): those a silence can match. */
static json_t *
case_group_matchers(const char *key)
{
	static const char *const keys[] = {"rule", "team", "priority", "author"};
	json_t *o = json_object();
	const char *p = key;

	while (p && *p) {
		const char *eq = strchr(p, '='), *bar = strchr(p, '|');
		size_t vlen;

		if (eq == NULL || (bar && bar < eq))
			break;
		vlen = bar ? (size_t)(bar - eq - 1) : strlen(eq + 1);
		for (size_t i = 0; vlen && i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strlen(keys[i]) == (size_t)(eq - p) && strncmp(p, keys[i], eq - p) == 0)
				json_object_set_new(o, keys[i], json_stringn(eq + 1, vlen));
		p = bar ? bar + 1 : NULL;
	}
	return o;
}

static void
case_last_alert(void *arg, const struct spool_alert *a)
{
	/* an update alert (living.c) carries no complaint of its own */
	if (a->mentions > 0)
		*(int64_t *)arg = a->rowid;
}

static void
case_last_author(void *arg, const struct spool_mention *m)
{
	/* the row's JSON: {"rule",...,"entry": the mention as alerts carry it} */
	json_t *j = json_loads(m->json, 0, NULL), *e = json_object_get(j, "entry");
	const char *h = json_string_value(json_object_get(json_object_get(e, "author"), "handle"));

	if (h && *h) {
		json_decref(*(json_t **)arg);
		*(json_t **)arg = json_pack("{s:s}", "author", h);
	}
	json_decref(j);
}

/* The author of the case's latest complaint, as matchers; NULL when none is known. */
static json_t *
case_author_matchers(struct cases *cs, int64_t id)
{
	int64_t alert = 0;
	json_t *o = NULL;

	if (spool_case_alerts(cs->spool, id, case_last_alert, &alert) < 0 || alert == 0 ||
	    spool_alert_mentions(cs->spool, alert, case_last_author, &o) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * mute_author (cases.mute_for) and silence (cases.silence_for): a silence
 * like keluhctl silence add makes, in this pass, and the case's event.
 * The case's state stays.
 */
static enum cases_rc
case_silence(struct cases *cs, const struct spool_case *c, const char *action,
             const struct cases_actor *actor, const char *who, int64_t for_ms, int64_t now,
             char *err, size_t errlen)
{
	int mute = strcmp(action, "mute_author") == 0;
	int64_t until = now + (for_ms > 0 ? for_ms
	                       : mute     ? cs->conf->cases.mute_for_ms
	                                  : cs->conf->cases.silence_for_ms);
	json_t *mj = mute ? case_author_matchers(cs, c->id) : case_group_matchers(c->group_key);
	struct silence_match m;
	const struct silence *s;
	char reason[96], at[40];

	if (cs->silences == NULL) {
		json_decref(mj);
		snprintf(err, errlen, "silences are not running");
		return CASES_ENOTYET;
	}
	if (mj == NULL || json_object_size(mj) == 0) {
		json_decref(mj);
		snprintf(err, errlen,
		         mute ? "case #%" PRId64 " has no complaint with an author to mute"
		              : "the group of case #%" PRId64
		                " has no rule, team, priority or author "
		                "a silence can match; use keluhctl silence add",
		         c->id);
		return CASES_EACTION;
	}
	if (silence_match_from_json(mj, &m, err, errlen) < 0) {
		json_decref(mj);
		return CASES_EACTION;
	}
	json_decref(mj);
	snprintf(reason, sizeof(reason), "case #%" PRId64 ": %s", c->id,
	         mute ? "mute_author" : "silence");
	pass_join(cs->spool);
	if ((s = silences_add(cs->silences, &m, who, reason, until, err, errlen)) == NULL)
		return CASES_EACTION;
	util_iso8601(until, at, sizeof(at));
	if (case_event(cs, c->id, now, mute ? "muted_author" : "silenced", actor, who,
	               json_pack("{s:I,s:o,s:s}", "silence", (json_int_t)s->id, "matchers",
	                         silence_match_json(&s->m), "until", at)) < 0) {
		snprintf(err, errlen, "the spool failed: %s", spool_error(cs->spool));
		return CASES_ESTORE;
	}
	log_info("case #%" PRId64 ": %s by %s (%s): silence %" PRId64 " until %s", c->id, action,
	         who, actor->platform, s->id, at);
	return CASES_CHANGED;
}

enum cases_rc
cases_act(struct cases *cs, int64_t id, const char *action, const struct cases_actor *actor,
          const char *arg, int64_t now, char *err, size_t errlen)
{
	return cases_act_for(cs, id, action, actor, arg, 0, now, err, errlen);
}

enum cases_rc
cases_act_for(struct cases *cs, int64_t id, const char *action, const struct cases_actor *actor,
              const char *arg, int64_t for_ms, int64_t now, char *err, size_t errlen)
{
	struct spool_case c = {0};
	const char *who, *kind = NULL;
	char *was = NULL;
	json_t *detail = NULL;
	enum cases_rc rc;
	int r;

	if ((rc = act_check(action, actor, arg, err, errlen)) != CASES_CHANGED)
		return rc;
	cases_recount(cs);
	if ((r = spool_case_get(cs->spool, id, &c)) <= 0) {
		if (r < 0)
			snprintf(err, errlen, "the spool failed: %s", spool_error(cs->spool));
		else
			snprintf(err, errlen, "no case #%" PRId64, id);
		return r < 0 ? CASES_ESTORE : CASES_ENOCASE;
	}
	who = cases_actor_name(cs, actor);
	if (strcmp(action, "assign") == 0)
		arg = assign_target(cs, arg, who);
	was = xstrdup(c.state);
	if (case_silencing(action))
		rc = case_silence(cs, &c, action, actor, who, for_ms, now, err, errlen);
	else
		rc = action_fn(action)(&c, who, arg, now, err, errlen, &kind, &detail);
	if (rc == CASES_CHANGED && kind) {
		pass_join(cs->spool);
		rc = act_write(cs, &c, actor, who, kind, detail, now, err, errlen);
		/* a person's "not a complaint" is a label of each of its mentions */
		if (rc == CASES_CHANGED && strcmp(kind, "not_complaint") == 0 &&
		    labels_case_not(cs->spool, id, actor->platform, who, now) < 0) {
			snprintf(err, errlen, "the spool failed: %s", spool_error(cs->spool));
			rc = CASES_ESTORE;
		}
		if (rc == CASES_CHANGED) {
			cases_moved(cs, was, c.state);
			cases_watched(cs, &c, kind, now);
			log_info("case #%" PRId64 ": %s by %s (%s)", id, kind, who,
			         actor->platform);
			if (cs->changed)
				cs->changed(cs->changed_arg, id, kind, now);
		}
	} else
		json_decref(detail);
	if (rc >= 0)
		act_counted(action, actor->platform);
	free(was);
	spool_case_free(&c);
	return rc;
}

static json_t *
json_time(int64_t ms)
{
	char t[40];

	if (ms <= 0)
		return json_null();
	util_iso8601(ms, t, sizeof(t));
	return json_string(t);
}

static json_t *
json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The actions a case in its state offers, with signed links when public_url is set. */
static json_t *
case_actions_json(struct cases *cs, const struct spool_case *c, const char *public_url, int64_t now)
{
	json_t *a = json_array();
	int live = case_live(c);
	char idtxt[32], token[ACTSIG_LINK_TOKEN_MAX];
	size_t ulen = public_url ? strlen(public_url) : 0;

	snprintf(idtxt, sizeof(idtxt), "%" PRId64, c->id);
	while (ulen && public_url[ulen - 1] == '/')
		ulen--;
	for (size_t i = 0; i < NACTIONS; i++) {
		const char *act = case_actions[i].action;
		json_t *o;

		if ((strcmp(act, "reopen") == 0) == live || action_fn(act) == NULL ||
		    (strcmp(act, "ack") == 0 && strcmp(c->state, "open") != 0))
			continue;
		o = json_pack("{s:s,s:s}", "action", act, "label", case_actions[i].label);
		if (public_url &&
		    actsig_link_make(cs->key, idtxt, act, now / 1000 + CASES_LINK_TTL_S, token,
		                     sizeof(token)) == 0) {
			char *url =
			    xasprintf("%.*s/v1/actions/link/%s", (int)ulen, public_url, token);

			json_object_set_new(o, "url", json_string(url));
			free(url);
		}
		json_array_append_new(a, o);
	}
	return a;
}

json_t *
cases_case_json(const struct spool_case *c)
{
	return json_pack(
	    "{s:I,s:s,s:o,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:I}", "id",
	    (json_int_t)c->id, "state", c->state, "opened_at", json_time(c->opened_ms), "reopened",
	    c->reopened, "acked_by", json_str_or_null(c->acked_by), "acked_at",
	    json_time(c->acked_ms), "assignee", json_str_or_null(c->assignee), "assigned_by",
	    json_str_or_null(c->assigned_by), "assigned_at", json_time(c->assigned_ms),
	    "resolved_by", json_str_or_null(c->resolved_by), "resolved_at",
	    json_time(c->resolved_ms), "note", json_str_or_null(c->note), "overdue", c->overdue > 0,
	    "first_reply_at", json_time(c->first_reply_ms), "total", (json_int_t)c->total);
}

/*
 * The people a case can be assigned to from chat (people: in keluhd.yaml),
 * at most CASES_MENU_PEOPLE of them, in their order: {"key", "name"}.
 */
static json_t *
case_people_json(const struct conf_cases *cc)
{
	json_t *a = json_array();

	for (size_t i = 0; i < cc->npeople && i < CASES_MENU_PEOPLE; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "key", cc->people[i].key, "name",
		                                   cc->people[i].name));
	return a;
}

json_t *
cases_json(struct cases *cs, int64_t id, const char *public_url, int64_t now)
{
	struct spool_case c;
	json_t *o;

	if (spool_case_get(cs->spool, id, &c) <= 0)
		return NULL;
	o = cases_case_json(&c);
	json_object_set_new(o, "actions", case_actions_json(cs, &c, public_url, now));
	if (case_live(&c) && cs->conf->cases.npeople)
		json_object_set_new(o, "people", case_people_json(&cs->conf->cases));
	spool_case_free(&c);
	return o;
}

/* ------------------------------------------------------------------ */
/* what the SLA clocks write (daemon/sla_timer.h) */

int
cases_first_reply(struct cases *cs, int64_t id, int64_t at, const struct cases_actor *by,
                  json_t *detail)
{
	struct spool_case c = {0};
	int r;

	if ((r = spool_case_get(cs->spool, id, &c)) <= 0 || c.first_reply_ms > 0) {
		json_decref(detail);
		spool_case_free(&c);
		return r < 0 ? -1 : 0;
	}
	pass_join(cs->spool);
	c.first_reply_ms = at > 0 ? at : 1;
	r = spool_case_update(cs->spool, &c) > 0 &&
	            case_event(cs, id, at, "replied_publicly", by, by->name, detail) == 0 &&
	            spool_case_touch(cs->spool, id) >= 0
	        ? 1
	        : -1;
	if (r < 0)
		metrics_add("keluh_spool_errors_total", NULL, 1);
	else
		log_info("case #%" PRId64 ": answered publicly by %s (%s)", id, by->name,
		         by->platform);
	spool_case_free(&c);
	return r;
}

int
cases_escalated(struct cases *cs, int64_t id, int steps, int64_t at, json_t *detail)
{
	struct spool_case c = {0};
	int r;

	if ((r = spool_case_get(cs->spool, id, &c)) <= 0) {
		json_decref(detail);
		return r < 0 ? -1 : 0;
	}
	pass_join(cs->spool);
	c.overdue = steps;
	r = spool_case_update(cs->spool, &c) > 0 &&
	            case_event(cs, id, at, "escalated", NULL, NULL, detail) == 0 &&
	            spool_case_touch(cs->spool, id) >= 0
	        ? 1
	        : -1;
	if (r < 0)
		metrics_add("keluh_spool_errors_total", NULL, 1);
	spool_case_free(&c);
	return r;
}
