/*
 * silence.h: silences mute the complaints they match until they expire.
 *
 * A muted complaint is still accepted, stored in the spool and counted:
 * it stays in its group, and the group's next alert says how many were
 * muted ("suppressed"); it only does not alert by itself, and it does not
 * count towards incidents. A group that gets muted complaints only records
 * an alert without deliveries when it closes, so the rows never dangle.
 *
 * A silence is created with matchers (every given one must hold), the
 * name of who created it, a reason, and an expiry; it is stored in the
 * spool (table silences) and loaded at start. Its creation and its end are
 * announced, as low-priority alerts tagged "silence" written to the spool
 * like any alert, to the receivers whose routes could carry what it mutes.
 * One timer waits for the next expiry. Loop thread only.
 */
#ifndef KELUH_SILENCE_H
#define KELUH_SILENCE_H

#include <event2/event.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "daemon/complaint.h"
#include "lib/util.h"
#include "store/spool.h"

#define SILENCE_MAX_ACTIVE 1000
#define SILENCE_MAX_VALUE 256		/* bytes of one matcher value, author or reason */
#define SILENCE_MAX_MS (366LL * 24 * 3600 * 1000)

/* What a silence matches; NULL or -1 means "any". At least one is set. */
struct silence_match {
	char *rule;		/* a rule id; '*' matches any run of characters */
	char *team;
	int priority;		/* enum prio, or -1 */
	char *author;		/* the mention's author handle: case-insensitive, '@' ignored */
	char *words;		/* as given */
	char *words_folded;	/* folded like mention text (normalize.h) */
};

/*
 * {"rule":"access.*","team":"tech","priority":"high","author":"@x",
 * "words":"gak bisa"} -> m. Unknown keys, values that are not non-empty
 * strings, an unknown priority and an empty object are errors.
 */
int silence_match_from_json(const json_t *obj, struct silence_match *m, char *err,
    size_t errlen);
/* The same object back (as given, not folded). */
json_t *silence_match_json(const struct silence_match *m);
void silence_match_free(struct silence_match *m);
/* "rule=access.*,team=tech,words=\"gak bisa\"" (keluhctl --match) -> the JSON object. */
json_t *silence_spec_parse(const char *spec, char *err, size_t errlen);
/* "rule=access.* team=tech words=\"gak bisa\"": for humans. */
void silence_match_describe(const struct silence_match *m, struct buf *b);

/*
 * Whether complaint c matches. Words are looked for in c->folded, the text
 * as its maker folded it (norm_fold_text), never folded here; they match
 * whole words of it, so "gak bisa" matches "GAK  bisa login" but not "gak
 * bisanya", and nothing when c->folded is NULL.
 */
int silence_matches(const struct silence_match *m, const struct complaint *c);

struct silence {
	int64_t id;
	struct silence_match m;
	char *created_by;
	char *reason;
	int64_t created_ms, expires_ms;
	int64_t suppressed;	/* complaints muted so far */
	struct silence *next;
};

struct silences;

/* Called after an announcement and its deliveries were added to the spool. */
typedef void (*silence_kick_fn)(void *arg, const size_t *receivers, size_t n);

struct silences *silences_new(struct event_base *, struct spool *, const struct conf *,
                              silence_kick_fn kick, void *arg);
void silences_free(struct silences *);
/* On reload: the receivers of announcements follow the new routes. */
void silences_set_conf(struct silences *, const struct conf *);
/* The active silences from the spool; those past their expiry end now. */
int silences_load(struct silences *, char *err, size_t errlen);

/*
 * Several daemons on one database: fn(arg) after a silence was added or
 * ended here, in the pass that wrote it (the daemon tells the others).
 * silences_reload: the active set read again from the spool (another
 * daemon added or ended one); on error the set known before stays.
 * A silence another daemon ended first ends here without an announcement.
 */
void silences_set_changed(struct silences *, void (*fn)(void *arg), void *arg);
int silences_reload(struct silences *, char *err, size_t errlen);

/*
 * Creates a silence (m is taken, also on error) and announces it; all in
 * the current spool transaction. Returns it, or NULL with a reason.
 */
const struct silence *silences_add(struct silences *, struct silence_match *m,
    const char *created_by, const char *reason, int64_t expires_ms, char *err, size_t errlen);
/* Ends an active silence now and announces it: 1, or 0 when there is none with that id. */
int silences_expire(struct silences *, int64_t id, const char *by);

/*
 * The first active silence that matches c, after counting the complaint
 * as muted by it (in the spool too, unless c->restored: a complaint read
 * back at start was counted when it came). NULL when none matches.
 */
const struct silence *silences_mute(struct silences *, const struct complaint *c);

size_t silences_active(const struct silences *);
const struct silence *silences_get(const struct silences *, int64_t id);	/* active only */
/* The API's view: active ones from memory, or (all) every one the spool keeps. */
json_t *silences_json(struct silences *, int all);
json_t *silence_json(const struct silences *, const struct silence *);

/* RFC 3339 ("2025-03-01T12:00:00Z", "...+07:00") -> Unix ms; -1 if not one. */
int64_t silence_parse_time(const char *);

#endif
