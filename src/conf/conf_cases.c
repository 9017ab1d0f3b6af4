/*
 * conf_cases.c: cases: and people: in keluhd.yaml (see conf_cases.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf_cases.h"
#include "conf/conf_parse.h"
#include "lib/util.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))
/* A bound on people:, so a huge map cannot make every action's lookup slow. */
#define CONF_PEOPLE_MAX 10000

static const char *const cases_keys[] = {"reopen_within", "mute_for", "silence_for", "keep"};
static const char *const person_keys[] = {"name", "slack", "discord", "telegram", "mattermost"};

const char *const conf_person_platforms[CONF_PERSON_PLATFORMS] = {"slack", "discord", "telegram",
                                                                  "mattermost"};

void
conf_cases_defaults(struct conf_cases *cc)
{
	memset(cc, 0, sizeof(*cc));
	cc->reopen_within_ms = 24 * 3600 * 1000LL;
	cc->mute_for_ms = 24 * 3600 * 1000LL;
	cc->silence_for_ms = 4 * 3600 * 1000LL;
	cc->keep_ms = 90 * 86400 * 1000LL;
}

static void
cl_cases(struct confp *L, yaml_node_t *n, struct conf_cases *cc)
{
	if (!yis_map(n)) {
		yerror(L->d, L->yf, n,
		       "'cases' must be a mapping with reopen_within, mute_for, "
		       "silence_for and keep (durations such as 24h)");
		return;
	}
	ycheck_keys(L->d, L->yf, n, "cases", cases_keys, NKEYS(cases_keys));
	confp_duration(L, n, "reopen_within", &cc->reopen_within_ms);
	confp_duration(L, n, "mute_for", &cc->mute_for_ms);
	confp_duration(L, n, "silence_for", &cc->silence_for_ms);
	confp_duration(L, n, "keep", &cc->keep_ms);
	if (cc->mute_for_ms == 0)
		yerror(L->d, L->yf, ymap_get(L->yf, n, "mute_for"),
		       "cases.mute_for must be longer than 0 (e.g. 24h)");
	if (cc->silence_for_ms == 0)
		yerror(L->d, L->yf, ymap_get(L->yf, n, "silence_for"),
		       "cases.silence_for must be longer than 0 (e.g. 4h)");
	if (cc->keep_ms < 86400000LL)
		yerror(L->d, L->yf, ymap_get(L->yf, n, "keep"),
		       "cases.keep must be at least 1d: closed cases are the history reports "
		       "read (e.g. 90d)");
}

/* One person: its name and ids; 0, or -1. */
static int
cl_person(struct confp *L, yaml_node_t *k, yaml_node_t *v, struct conf_person *p)
{
	const char *s;

	p->key = xstrdup(yscalar(k));
	if (yis_null(v)) {
		p->name = xstrdup(p->key);
		return 0;
	}
	if (!yis_map(v)) {
		yerror(L->d, L->yf, v,
		       "people.%s must be a mapping such as {name: Rina, slack: U123, "
		       "telegram: rina_cs}, not %s",
		       p->key, ynode_kind(v));
		return -1;
	}
	ycheck_keys(L->d, L->yf, v, "a person", person_keys, NKEYS(person_keys));
	if (confp_string(L, v, "name", &s) == 0 && s && *s)
		p->name = xstrdup(s);
	else
		p->name = xstrdup(p->key);
	for (size_t i = 0; i < CONF_PERSON_PLATFORMS; i++)
		if (confp_string(L, v, conf_person_platforms[i], &s) == 0 && s && *s)
			p->ids[i] = xstrdup(s);
	return 0;
}

/* A platform id given to two people would make the actor ambiguous. */
static void
cl_people_unique(struct confp *L, yaml_node_t *n, struct conf_cases *cc)
{
	for (size_t i = 0; i < cc->npeople; i++)
		for (size_t j = 0; j < i; j++)
			for (size_t k = 0; k < CONF_PERSON_PLATFORMS; k++) {
				const char *a = cc->people[i].ids[k], *b = cc->people[j].ids[k];

				if (a && b && strcmp(a, b) == 0)
					yerror(L->d, L->yf, ymap_value(L->yf, n, i),
					       "people.%s: %s id '%s' is people.%s's already; give "
					       "each id to one person",
					       cc->people[i].key, conf_person_platforms[k], a,
					       cc->people[j].key);
			}
}

static void
cl_people(struct confp *L, yaml_node_t *n, struct conf_cases *cc)
{
	size_t len;

	if (!yis_map(n)) {
		yerror(L->d, L->yf, n,
		       "'people' must be a mapping of persons, e.g. {rina: {name: "
		       "Rina, slack: U123}}, not %s",
		       ynode_kind(n));
		return;
	}
	len = ymap_len(n);
	if (len > CONF_PEOPLE_MAX) {
		yerror(L->d, L->yf, n, "people: %zu persons, at most %d", len, CONF_PEOPLE_MAX);
		return;
	}
	cc->people = xcalloc(len ? len : 1, sizeof(*cc->people));
	for (size_t i = 0; i < len; i++) {
		if (cl_person(L, ymap_key(L->yf, n, i), ymap_value(L->yf, n, i),
		              &cc->people[cc->npeople++]) < 0)
			break;
	}
	/* only when the loop did not break: a failed load is thrown away anyway */
	if (cc->npeople == len && len < 1000)
		cl_people_unique(L, n, cc);
}

void
conf_cases_load(struct confp *L, yaml_node_t *root, struct conf_cases *cc)
{
	yaml_node_t *v;

	if ((v = ymap_get(L->yf, root, "cases")) != NULL && !yis_null(v))
		cl_cases(L, v, cc);
	if ((v = ymap_get(L->yf, root, "people")) != NULL && !yis_null(v))
		cl_people(L, v, cc);
}

void
conf_cases_free(struct conf_cases *cc)
{
	for (size_t i = 0; i < cc->npeople; i++) {
		free(cc->people[i].key);
		free(cc->people[i].name);
		for (size_t k = 0; k < CONF_PERSON_PLATFORMS; k++)
			free(cc->people[i].ids[k]);
	}
	free(cc->people);
	cc->people = NULL;
	cc->npeople = 0;
}

static long
platform_index(const char *platform)
{
	for (size_t k = 0; k < CONF_PERSON_PLATFORMS; k++)
		if (strcmp(conf_person_platforms[k], platform) == 0)
			return (long)k;
	return -1;
}

const struct conf_person *
conf_person_find(const struct conf_cases *cc, const char *platform, const char *who)
{
	long k = platform ? platform_index(platform) : -1;

	if (who == NULL || (platform && k < 0))
		return NULL;
	for (size_t i = 0; i < cc->npeople; i++) {
		const struct conf_person *p = &cc->people[i];

		if (platform ? (p->ids[k] && strcmp(p->ids[k], who) == 0)
		             : (strcasecmp(p->key, who) == 0 || strcasecmp(p->name, who) == 0))
			return p;
	}
	return NULL;
}
