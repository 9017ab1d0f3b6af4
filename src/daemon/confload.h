/*
 * confload.h: keluhd.yaml and its rules as the daemon loads them, at
 * start-up and on every reload (SIGHUP, the admin API): every diagnostic
 * into the log, the first error kept as file:line:col: message for the
 * caller, the --spool and --admin-socket overrides applied; and the record
 * of the reloads that the admin status, systemd's STATUS= and the
 * keluh_config_* gauges (as Alertmanager's) tell. Loop thread only.
 */
#ifndef KELUH_CONFLOAD_H
#define KELUH_CONFLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "engine/rules.h"

/* The command line's overrides of spool.path and admin.socket (NULL: none). */
struct confload_args {
	const char *path;
	const char *spool;
	const char *admin_socket;
};

struct confload_record {
	uint64_t reloads, failures;
	char summary[160]; /* for STATUS=: "; reloaded N time(s)", "; last reload failed: ..." */
	int64_t last_ms;   /* 0: no reload yet */
	int last_ok;
	char last_error[400];
};

/*
 * A new conf and its ruleset; NULL on any error (logged), with the first
 * error in why and the number of errors in *nerrors (when not NULL).
 */
struct conf *confload(const struct confload_args *, struct ruleset **rs, char *why, size_t whylen,
                      size_t *nerrors);

/*
 * Logs each model of rs (c's models:): its file, training figures and
 * score, at start-up and after each reload, so the log says which model
 * file runs.
 */
void confload_models_note(const struct conf *c, const struct ruleset *rs);

/* As Alertmanager's: whether the last load worked, and when one last worked. */
void confload_gauges(int ok);
/* A reload failed for why: counted, logged, and kept for the status. */
void confload_failed(struct confload_record *, const char *why);
/* A reload worked: counted, and kept for the status. */
void confload_done(struct confload_record *);
/* Settings a reload cannot change: said in the log (http.listen, spool.path). */
void confload_restart_notes(const struct conf *old, const struct conf *c);
/* The same for admin.socket, whose old value was old_admin ("" for none). */
void confload_admin_note(const char *old_admin, const struct conf *c);

#endif
