/*
 * conf_receiver.h: a receiver as keluhd.yaml's receivers: describes it
 * (struct receiver), and what the loader needs to know of each kind of
 * receiver to read one (struct rcv_conf_kind).
 *
 * The kinds live above this layer, one per file in src/receivers/, and are
 * listed once in src/receivers/kinds.c; that registry defines the
 * functions and the key list declared at the end of this header, so that
 * the loader (conf_receiver.c) can find a kind by its name without
 * including the receivers. The loader reads the keys every kind shares;
 * the kind's parse reads its own.
 *
 * A struct receiver is owned by the conf that loaded it (receiver_free
 * releases its members); receivers and deliveries borrow it.
 */
#ifndef KELUH_CONF_RECEIVER_H
#define KELUH_CONF_RECEIVER_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf_parse.h"
#include "lib/words.h"
#include "lib/yamlx.h"

struct tz;

/* The kinds, in the registry's order (src/receivers/kinds.c). */
enum rcv_type {
	RCV_CONSOLE,
	RCV_WEBHOOK,
	RCV_SLACK,
	RCV_MATTERMOST,
	RCV_DISCORD,
	RCV_TEAMS,
	RCV_GCHAT,
	RCV_TELEGRAM,
	RCV_PAGERDUTY,
	RCV_EMAIL,
	RCV__N
};

/*
 * How chat messages read (keluhd.yaml's display: section): the words'
 * language and the time zone of post times. Owned by the conf; receivers
 * point at it. A receiver without one shows English and UTC.
 */
struct rcv_display {
	enum words_lang lang;
	struct tz *tz;		/* NULL: UTC */
};

struct receiver {
	char *name;
	enum rcv_type type;
	char *url;		/* endpoint; email: smtp:// or smtps:// URL; telegram: API base */
	char *secret;		/* webhook: whsec_/whsk_ key; telegram: bot token;
				 * pagerduty: routing key; email: SMTP password */
	char *chat_id;		/* telegram */
	char *channel;		/* slack, mattermost: optional override; with token: the
				 * channel posted to (Slack: name or id; Mattermost: id) */
	char *token;		/* slack, mattermost: bot token (token_file): the platform's
				 * API instead of an incoming webhook, and living messages */
	char *api_url;		/* slack, mattermost with token: the API base */
	char *username;		/* slack, mattermost: optional; email: SMTP user */
	char *mail_from;	/* email */
	char **mail_to;		/* email */
	size_t nmail_to;
	int max_concurrency;	/* requests in flight at once */
	double rate_per_s;	/* requests per second, at most */
	int64_t max_age_ms;	/* a delivery older than this goes to the dead letters */
	int64_t timeout_ms;	/* one request */
	int max_samples;	/* mentions shown in chat formats */
	const struct rcv_display *display;	/* borrowed from the conf; NULL: defaults */
	char **page;		/* mention_on_critical: who an alert pings (slack, mattermost,
				 * discord, telegram), in the platform's syntax, checked by the
				 * kind's page_valid */
	size_t npage;
	int page_min;		/* mention_at_least: 0 low, 1 normal, 2 high, 3 critical */

	/* Taking actions back (receivers/action.h); each kind checks its own. */
	char *signing_secret;	/* slack: signing_secret_file; NULL: no actions */
	unsigned char public_key[32];	/* discord: public_key, when has_public_key */
	int has_public_key;
	int updates_webhook;	/* telegram: 1 for updates: webhook, 0 for poll */
	char *webhook_secret;	/* telegram: webhook_secret_file (webhook only) */
};
#define RCV_MAX_PAGE 10		/* mention_on_critical entries per receiver */

void receiver_free(struct receiver *);	/* frees the members, not r itself */

/*
 * What the loader knows of a kind. Every kind takes conf_receiver_keys
 * (name, type, max_concurrency, rate, max_age, timeout and samples); keys
 * lists the others it takes, with their types (a NULL name last; NULL:
 * none). A key some other kind takes is refused by name ("slack receivers
 * take no 'secret'").
 */
struct rcv_conf_kind {
	const char *name;		/* type: in keluhd.yaml */
	const struct conf_key *keys;
	int needs_url;			/* url or url_file must be given */
	double rate_per_s;		/* rate: when none is given */
	/*
	 * Reads the kind's own keys into r (url, channel, username and the
	 * shared keys are read by the loader) and reports every error with
	 * yerror. NULL: nothing of its own.
	 */
	void (*parse)(struct confp *, yaml_node_t *item, struct receiver *r);
	/*
	 * mention_on_critical, for kinds that take it: whether s is a mention
	 * in the platform's own syntax, how to write one (after "is not a
	 * <kind> mention; "), and an example for "must be a list, e.g.".
	 */
	int (*page_valid)(const char *s);
	const char *page_hint;
	const char *page_example;
};

/* --- defined by the registry, src/receivers/kinds.c ----------------------- */

const struct rcv_conf_kind *rcv_conf_kind(enum rcv_type);
const char *receiver_type_name(enum rcv_type);	/* "unknown" when out of range */
int receiver_type_parse(const char *, enum rcv_type *);	/* 0, or -1 if no kind has it */
/* Every key some kind takes, in the order error messages list them. */
extern const char *const rcv_all_keys[];
extern const size_t rcv_nall_keys;

/* --- the loader ----------------------------------------------------------- */

/* The keys every kind takes, with their types, a NULL name last. */
extern const struct conf_key conf_receiver_keys[];

/* keluhd.yaml's receivers: list, appended to the *n receivers of *out (malloc'd). */
void conf_receivers_load(struct confp *L, yaml_node_t *list, struct receiver **out,
    size_t *n);
/*
 * The index of the receiver called name in rcv[0..n), or -1 with "unknown
 * receiver 'x'; did you mean 'y'?" reported at v (a route's, an
 * escalation's or a report's receivers).
 */
long conf_receiver_lookup(struct confp *L, const yaml_node_t *v, const struct receiver *rcv,
    size_t n, const char *name);

#endif
