#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "daemon/health.h"
#include "daemon/pass.h"
#include "engine/rules.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "store/spool.h"

static int
health_recovered(const struct source_health_note *n)
{
	return strcmp(n->state, "recovered") == 0;
}

/*
 * The headline of a state, as a sentence after "Source NAME": the watch's
 * states read as they are ("is silent"); the warnings of trouble ahead
 * (source_warn) say what the trouble is.
 */
static const char *
health_headline(const char *state)
{
	static const struct {
		const char *state, *says;
	} says[] = {
		{ "recovered", "recovered" },
		{ "quota_low", "is running out of quota" },
		{ "quota_exhausted", "has used its daily quota" },
		{ "token_expiring", "token expires soon" },
		{ "token_invalid", "token is no longer accepted" },
		{ "gap", "may have missed mentions" },
	};

	for (size_t i = 0; i < sizeof(says) / sizeof(says[0]); i++)
		if (strcmp(state, says[i].state) == 0)
			return says[i].says;
	return NULL;
}

char *
health_alert_json(const struct source_health_note *n, const char *alert_id, int64_t at_ms)
{
	char since[32], at[32], title[300], mid[300], group[300];
	const char *prio = health_recovered(n) ? "low" : "high", *says;
	json_t *alert, *mention, *body;
	char *out;

	util_iso8601(n->since_ms, since, sizeof(since));
	util_iso8601(at_ms, at, sizeof(at));
	/* the headline every chat format shows first: what and which */
	if ((says = health_headline(n->state)) != NULL)
		snprintf(title, sizeof(title), "Source %s %s", n->source, says);
	else
		snprintf(title, sizeof(title), "Source %s is %s", n->source, n->state);
	snprintf(mid, sizeof(mid), "health:%s:%lld", n->source, (long long)at_ms);
	/* PagerDuty folds a group into one incident: the raise and its recovery share it */
	snprintf(group, sizeof(group), "source-health:%s", n->source);
	mention = json_pack("{s:s,s:s,s:s,s:s,s:{s:s,s:s},s:i,s:s,s:[s],s:[]}",
	    "id", mid, "source", n->source, "text", n->detail, "created_at", at,
	    "author", "handle", "keluhd", "name", "source health", "score", 0, "priority", prio,
	    "rules", "source-health", "matches");
	alert = json_pack("{s:s,s:s,s:s,s:n,s:b,s:[s],s:[{s:s,s:s,s:i}],s:[s],s:i,s:i,s:i,"
	    "s:s,s:s,s:[],s:[o],s:{s:s,s:s,s:s,s:s,s:s}}",
	    "id", alert_id, "group", group, "priority", prio, "team", "incident", 0,
	    "rules", "source-health", "rule_info", "id", "source-health", "description", title,
	    "score", 0, "tags", "source-health", "count", 1, "total", 1, "suppressed", 0,
	    "first_at", since, "last_at", at, "top_authors", "mentions", mention,
	    "health", "source", n->source, "type", n->type ? n->type : "", "state", n->state,
	    "since", since, "detail", n->detail);
	body = json_pack("{s:s,s:o}", "type", "keluh.alert", "alert", alert);
	out = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return out;
}

int
health_record(struct spool *sp, const struct conf *c, const struct source_health_note *n,
    size_t *recv, size_t maxrecv, size_t *nrecv)
{
	static unsigned seq;
	char *const *to = n->nto ? n->to : c->health_receivers;
	size_t nto = n->nto ? n->nto : c->nhealth_receivers;
	const char **names = xcalloc(nto + 1, sizeof(char *));
	int64_t *expires = xcalloc(nto + 1, sizeof(int64_t)), at = util_now_ms(), rowid;
	char id[64], group[300], *json;
	int prio = health_recovered(n) ? PRIO_LOW : PRIO_HIGH;
	size_t k = 0;

	*nrecv = 0;
	for (size_t i = 0; i < nto; i++) {
		long r = conf_receiver_index(c, to[i]);

		if (r < 0) {
			/* a reload removed it */
			log_warnx("source %s: health alert receiver '%s' is gone; skipped", n->source,
			    to[i]);
			continue;
		}
		names[k] = c->receivers[r].name;
		expires[k++] = at + c->receivers[r].max_age_ms;
		if (*nrecv < maxrecv)
			recv[(*nrecv)++] = (size_t)r;
	}
	snprintf(id, sizeof(id), "h-%llx-%u", (unsigned long long)at, ++seq);
	json = health_alert_json(n, id, at);
	snprintf(group, sizeof(group), "source-health:%s", n->source);
	pass_join(sp);
	rowid = spool_add_alert(sp, id, group, prio, NULL, at, json, NULL, 0, names,
	    expires, k, at);
	free(json);
	free(names);
	free(expires);
	if (rowid <= 0) {
		metrics_add("keluh_spool_errors_total", NULL, 1);
		log_warnx("spool: cannot record the health alert of source %s: %s", n->source,
		    spool_error(sp));
		*nrecv = 0;
		return -1;
	}
	{
		char labels[200];

		snprintf(labels, sizeof(labels), "source=\"%s\",state=\"%s\"", n->source, n->state);
		metrics_add("keluh_source_health_alerts_total", labels, 1);
	}
	if (k == 0)
		log_warnx("source %s: health alert %s has no receiver (health_receivers)", n->source,
		    id);
	return 0;
}

char *
health_test_alert_json(const char *receiver, const char *alert_id, int64_t at_ms)
{
	char at[32], mid[300], group[300], text[600];
	json_t *alert, *mention, *body;
	char *out;

	util_iso8601(at_ms, at, sizeof(at));
	snprintf(mid, sizeof(mid), "test:%s:%lld", receiver, (long long)at_ms);
	snprintf(group, sizeof(group), "test:%s", receiver);
	snprintf(text, sizeof(text), "This is a test alert, sent with keluhctl send-test to the "
	    "receiver %s at %s. It is not a complaint; nothing needs doing. If you read it "
	    "here, keluhd can post to this receiver.", receiver, at);
	mention = json_pack("{s:s,s:s,s:s,s:s,s:{s:s,s:s},s:i,s:s,s:[s],s:[]}",
	    "id", mid, "source", "keluhctl", "text", text, "created_at", at,
	    "author", "handle", "keluhd", "name", "keluhctl send-test", "score", 0,
	    "priority", "low", "rules", "keluh.test", "matches");
	alert = json_pack("{s:s,s:s,s:s,s:n,s:b,s:b,s:[s],s:[{s:s,s:s,s:i}],s:[s],s:i,s:i,s:i,"
	    "s:s,s:s,s:[],s:[o]}",
	    "id", alert_id, "group", group, "priority", "low", "team", "incident", 0, "test", 1,
	    "rules", "keluh.test", "rule_info", "id", "keluh.test", "description",
	    "TEST ALERT (keluhctl send-test), not a real complaint", "score", 0, "tags", "test",
	    "count", 1, "total", 1, "suppressed", 0, "first_at", at, "last_at", at,
	    "top_authors", "mentions", mention);
	body = json_pack("{s:s,s:o}", "type", "keluh.alert", "alert", alert);
	out = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return out;
}

int
health_record_test(struct spool *sp, const struct conf *c, size_t r, char *id, size_t idlen)
{
	static unsigned seq;
	const char *names[1] = { c->receivers[r].name };
	int64_t at = util_now_ms(), expires[1] = { at + c->receivers[r].max_age_ms }, rowid;
	char group[300], *json;

	snprintf(id, idlen, "t-%llx-%u", (unsigned long long)at, ++seq);
	json = health_test_alert_json(names[0], id, at);
	snprintf(group, sizeof(group), "test:%s", names[0]);
	pass_join(sp);
	rowid = spool_add_alert(sp, id, group, PRIO_LOW, NULL, at, json, NULL, 0, names, expires, 1,
	    at);
	free(json);
	if (rowid <= 0) {
		metrics_add("keluh_spool_errors_total", NULL, 1);
		log_warnx("spool: cannot record the test alert for receiver %s: %s", names[0],
		    spool_error(sp));
		return -1;
	}
	log_info("test alert %s for receiver %s recorded (keluhctl send-test)", id, names[0]);
	return 0;
}
