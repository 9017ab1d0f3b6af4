/*
 * case_json.h: cases as the admin API (admin.c) and the web console
 * (console_cases.c) show them, and the small readers of their requests,
 * so that both answer alike. Every json_t returned is a new reference.
 */
#ifndef KELUH_CASE_JSON_H
#define KELUH_CASE_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/cases.h"
#include "store/spool.h"

/* Answers req with o (taken) as one line of JSON; headers as httpd_reply's. */
struct httpd_req;
void case_json_reply(struct httpd_req *, int status, const char *headers, json_t *o);
/* An RFC 3339 UTC string, or null for 0 (unset). */
json_t *case_json_time(int64_t ms);
/*
 * The value of key in the query q, percent-decoded into out: 1, 0 when
 * absent, -1 when it does not fit or a %XX is bad.
 */
int case_json_query(const char *q, const char *key, char *out, size_t outlen);
/* cases_case_json plus group, priority, team and last_alert_at. */
json_t *case_json_row(const struct spool_case *);
/* The row with "events" (the timeline) and "alerts" (with their mentions): 1, 0 none, -1. */
int case_json_detail(struct spool *, int64_t id, json_t **out);
/* The HTTP status of what cases_act answered. */
int case_json_status(enum cases_rc);
/* A body member that must be a string of at most max bytes when given: 0, or -1 with msg. */
int case_json_field(const json_t *body, const char *key, size_t max, const char **out, char *msg,
                    size_t msglen);

#endif
