/*
 * confcheck.h: the configuration check that keluhd --check (-t) and keluhctl
 * check share: the configuration with its secrets, then its rules, each
 * error as file:line:col, then a one-line summary.
 */
#ifndef KELUH_CONFCHECK_H
#define KELUH_CONFCHECK_H

/*
 * Checks the configuration at path as keluhd would load it. The summary
 * goes to stdout, errors and warnings to stderr, prefixed with prog.
 * Returns 0 when it would load, -1 when not.
 */
int confcheck_run(const char *path, const char *prog);

#endif
