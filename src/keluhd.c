/*
 * keluhd: the daemon. This version validates its configuration and rules
 * (--check); the event loop, ingest and delivery come next.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "diag.h"
#include "log.h"
#include "rules.h"

static void
usage(FILE *fp)
{
	fputs("usage: keluhd [-c FILE] [--check] [-v] [--version]\n"
	      "  -c, --config FILE  configuration (default " CONF_DEFAULT_PATH ")\n"
	      "      --check        validate the configuration and rules, print a summary\n"
	      "  -v, --verbose      more log lines\n"
	      "      --version      print the version\n",
	    fp);
}

static int
check(const char *path)
{
	struct rules_summary s;
	struct ruleset *rs = NULL;
	struct conf *c;
	struct diag d;

	diag_init(&d);
	if ((c = conf_load(path, &d)) != NULL)
		rs = rules_load_dir(c->rules_dir, &d);
	diag_print(&d, stderr);
	if (rs == NULL) {
		fprintf(stderr, "keluhd: %s: %zu error%s\n", path, d.errors, d.errors == 1 ? "" : "s");
		diag_free(&d);
		conf_free(c);
		return 1;
	}
	rules_summary(rs, &s);
	printf("%s: ok: %zu rule files, %zu rules, %zu keywords, %zu regexes (%zu without a "
	       "prefilter literal), %zu lists, %zu tests, compiled in %.1f ms\n",
	    path, s.files, s.rules, s.keywords, s.regexes, s.regexes_no_literal, s.lists, s.tests,
	    s.compile_seconds * 1000.0);
	rules_unref(rs);
	conf_free(c);
	diag_free(&d);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONF_DEFAULT_PATH;
	int ch, do_check = 0, verbose = 0;

	while ((ch = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'k': do_check = 1; break;
		case 'v': verbose++; break;
		case 'V': printf("keluhd %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("keluhd", verbose);
	if (do_check)
		return check(path);
	log_warnx("this version only validates configuration and rules; run keluhd --check, or "
	    "keluhctl test to classify mentions");
	return 2;
}
