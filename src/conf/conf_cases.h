/*
 * conf_cases.h: the keys of keluhd.yaml about cases (daemon/cases.h):
 *
 *   cases: {reopen_within: 24h, mute_for: 24h, silence_for: 4h}
 *   people: {rina: {name: Rina, slack: U123, telegram: rina_cs}}
 *
 * people maps each person (the key, as keluhctl --by and assign name
 * them) to the name shown and to their ids on each platform, so one
 * person acting from Slack and from Telegram is one name. The conf owns
 * every string.
 */
#ifndef KELUH_CONF_CASES_H
#define KELUH_CONF_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "lib/yamlx.h"

/* The platforms a person's ids are given for. */
#define CONF_PERSON_PLATFORMS 4

struct conf_person {
	char *key;                        /* as written under people: */
	char *name;                       /* shown; the key when not given */
	char *ids[CONF_PERSON_PLATFORMS]; /* by conf_person_platforms[], NULL: none */
};

struct conf_cases {
	int64_t reopen_within_ms; /* a resolved case takes new complaints back this long */
	int64_t mute_for_ms;      /* mute_author lasts this long */
	int64_t silence_for_ms;   /* silence (the group) lasts this long */
	int64_t keep_ms;          /* a closed case is forgotten this long after it closed */
	struct conf_person *people;
	size_t npeople;
};

/* "slack", "discord", "telegram", "mattermost": the order of conf_person.ids. */
extern const char *const conf_person_platforms[CONF_PERSON_PLATFORMS];

struct confp;
void conf_cases_defaults(struct conf_cases *);
/* Reads cases: and people: from the top level of keluhd.yaml (root), when present. */
void conf_cases_load(struct confp *, yaml_node_t *root, struct conf_cases *);
void conf_cases_free(struct conf_cases *);

/*
 * The person whose id on platform is id, or who is called who (their key
 * or their name, case-insensitive) when platform is NULL; NULL if none.
 */
const struct conf_person *conf_person_find(const struct conf_cases *, const char *platform,
                                           const char *who);

#endif
