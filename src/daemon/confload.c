/*
 * confload.c: loading the configuration for the daemon (see confload.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/confload.h"
#include "engine/model.h"
#include "lib/diag.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

/* Every diagnostic into the log; the first error into why. */
static void
log_diags(const struct diag *d, char *why, size_t whylen, int *have_first)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->items[i];

		if (it->line)
			log_warnx("%s:%u:%u: %s: %s", it->file, it->line, it->col,
			          it->warning ? "warning" : "error", it->msg);
		else
			log_warnx("%s: %s: %s", it->file, it->warning ? "warning" : "error",
			          it->msg);
		if (!it->warning && !(*have_first)++) {
			if (it->line)
				snprintf(why, whylen, "%s:%u:%u: %s", it->file, it->line, it->col,
				         it->msg);
			else
				snprintf(why, whylen, "%s: %s", it->file, it->msg);
		}
	}
}

struct conf *
confload(const struct confload_args *a, struct ruleset **rs_out, char *why, size_t whylen,
         size_t *nerrors)
{
	int have_first = 0;
	struct diag d;
	struct conf *c;
	struct ruleset *rs = NULL;

	diag_init(&d);
	c = conf_load(a->path, &d);
	if (c) {
		if (a->spool) {
			free(c->spool_path);
			c->spool_path = xstrdup(a->spool);
		}
		if (a->admin_socket) {
			free(c->admin_socket);
			c->admin_socket = xstrdup(a->admin_socket);
		}
		rs = rules_load_spec(&c->rules, &d);
	}
	log_diags(&d, why, whylen, &have_first);
	if (nerrors)
		*nerrors = d.errors;
	if (c == NULL || rs == NULL) {
		if (!have_first)
			snprintf(why, whylen, "%zu error%s in %s or its rules (see the log)",
			         d.errors, d.errors == 1 ? "" : "s", a->path);
		conf_free(c);
		diag_free(&d);
		return NULL;
	}
	diag_free(&d);
	*rs_out = rs;
	return c;
}

void
confload_models_note(const struct conf *c, const struct ruleset *rs)
{
	for (size_t i = 0; i < rules_nmodels(rs) && i < c->rules.nmodels; i++) {
		const struct model_info *mi = model_info(rules_model(rs, i));

		log_info("model %s: %s (trained %s on %u complaints and %u others, cross-validated "
		         "F1 %.3f); score %g",
		         rules_model_name(rs, i), c->rules.models[i].file,
		         mi->date[0] ? mi->date : "at an unknown date", mi->n_pos, mi->n_neg,
		         mi->cv_f1, rules_model_score(rs, i));
	}
}

void
confload_gauges(int ok)
{
	metrics_set("keluh_config_last_reload_successful", NULL, ok);
	if (ok)
		metrics_set("keluh_config_last_reload_success_timestamp_seconds", NULL,
		            (double)util_now_ms() / 1000.0);
}

void
confload_failed(struct confload_record *r, const char *why)
{
	r->failures++;
	metrics_add("keluh_reloads_total", "result=\"failed\"", 1);
	snprintf(r->summary, sizeof(r->summary), "; last reload failed: %.120s", why);
	log_warnx("reload failed, keeping the running configuration: %s", why);
	r->last_ok = 0;
	confload_gauges(0);
	snprintf(r->last_error, sizeof(r->last_error), "%s", why);
}

void
confload_done(struct confload_record *r)
{
	r->reloads++;
	metrics_add("keluh_reloads_total", "result=\"ok\"", 1);
	snprintf(r->summary, sizeof(r->summary), "; reloaded %llu time(s)",
	         (unsigned long long)r->reloads);
	r->last_ok = 1;
	r->last_error[0] = '\0';
	confload_gauges(1);
}

void
confload_restart_notes(const struct conf *old, const struct conf *c)
{
	if ((c->listen == NULL) != (old->listen == NULL) ||
	    (c->listen && strcmp(c->listen, old->listen) != 0))
		log_warnx("http.listen changed: the new address takes effect after a restart");
	if (strcmp(c->spool_path, old->spool_path) != 0)
		log_warnx("the spool changed: the new one is used after a restart");
}

void
confload_admin_note(const char *old_admin, const struct conf *c)
{
	if ((c->admin_socket == NULL) != (old_admin[0] == '\0') ||
	    (c->admin_socket && strcmp(c->admin_socket, old_admin) != 0))
		log_warnx("admin.socket changed: the new socket is used after a restart");
}
