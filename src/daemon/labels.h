/*
 * labels.h: people's corrections recorded as labels (the spool's labels,
 * spool.h), the data keluhctl learn and eval read. A label needs the
 * mention's text, which the spool keeps in the complaint's row or, for a
 * mention that was not judged a complaint, in its recent row: a mention
 * in neither is unknown, and refused with a reason.
 *
 * Used by the admin API (POST /v1/admin/labels), the console (POST
 * /v1/labels), the "not a complaint" case action (cases.c) and keluhctl
 * label. Every write goes into the caller's batch; the caller commits.
 * Loop thread in keluhd.
 */
#ifndef KELUH_LABELS_H
#define KELUH_LABELS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct spool;
struct httpd_req;

#define LABELS_MAX_ID   512
#define LABELS_MAX_TEAM 128
#define LABELS_MAX_BY   128
/* The mentions one "not a complaint" of a case labels at most (keluh_bound_hits_total). */
#define LABELS_CASE_MAX 1000

/*
 * The text of mention_id as the spool keeps it: the newest complaint row's,
 * else the newest recent row's. 1 with *text (malloc'd) and *team (the
 * complaint's team, malloc'd, or NULL), 0 when the mention is unknown, -1
 * when the spool failed (spool_error says why).
 */
int labels_find(struct spool *, const char *mention_id, char **text, char **team);

/*
 * Records a label of mention_id; team NULL takes the complaint's own team.
 * 1 recorded, 0 unknown (err says so and how to fix it), -1 the spool
 * failed (err says why).
 */
int labels_record(struct spool *, const char *mention_id, int complaint, const char *team,
                  const char *platform, const char *by, int64_t at_ms, char *err, size_t errlen);

/*
 * The "not a complaint" of case case_id: each mention of its alerts gets
 * the label "not" (at most LABELS_CASE_MAX; past it the bound is counted
 * and logged). How many were labelled, or -1.
 */
int64_t labels_case_not(struct spool *, int64_t case_id, const char *platform, const char *by,
                        int64_t at_ms);

/*
 * A POST of {"mention", "complaint": true|false, "team"?, "by"?} checked
 * and recorded on platform; by_default names who when the body does not
 * (the console's user: the body cannot say). Answers req: 201 with the
 * label, 400/422 for a bad body, 404 for an unknown mention, 503 when the
 * spool failed. commit(arg) makes it durable before the answer.
 */
void labels_post(struct httpd_req *, struct spool *, const char *platform, const char *by_default,
                 int (*commit)(void *), void *arg);

#endif
