/*
 * confcheck.c: keluhd --check and keluhctl check, one validation for both, so
 * that the two words people type give the same answer.
 */
#include "config.h"

#include <stdio.h>

#include "conf/conf.h"
#include "conf/confcheck.h"
#include "engine/rules.h"
#include "lib/diag.h"

int
confcheck_run(const char *path, const char *prog)
{
	struct rules_summary s;
	struct ruleset *rs = NULL;
	struct conf *c;
	struct diag d;

	diag_init(&d);
	if ((c = conf_load(path, &d)) != NULL)
		rs = rules_load_spec(&c->rules, &d);
	diag_print(&d, stderr);
	if (rs == NULL) {
		fprintf(stderr, "%s: %s: %zu error%s\n", prog, path, d.errors,
		    d.errors == 1 ? "" : "s");
		diag_free(&d);
		conf_free(c);
		return -1;
	}
	rules_summary(rs, &s);
	printf("%s: ok: %zu rule files, %zu rules, %zu keywords, %zu regexes (%zu without a "
	       "prefilter literal), %zu lists, %zu tests, compiled in %.1f ms; %zu sources, "
	       "%zu receivers, %zu routes\n",
	    path, s.files, s.rules, s.keywords, s.regexes, s.regexes_no_literal, s.lists, s.tests,
	    s.compile_seconds * 1000.0, c->nsources, c->nreceivers, c->nroutes);
	if (s.models)
		printf("%s: %zu model%s loaded (models:), %zu model: condition%s in the rules\n",
		       path, s.models, s.models == 1 ? "" : "s", s.model_conds,
		       s.model_conds == 1 ? "" : "s");
	rules_unref(rs);
	conf_free(c);
	diag_free(&d);
	return 0;
}
