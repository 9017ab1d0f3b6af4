/*
 * log.h: the one logging facade.
 *
 * Lines go to stderr. When stderr is the journal (JOURNAL_STREAM set, as
 * systemd does) each line starts with a syslog priority prefix "<N>" so the
 * journal keeps the level. On a terminal, and only after
 * log_stamp_terminal(), each line starts with the local time, which the
 * journal adds itself. errno is preserved across every call.
 */
#ifndef KELUH_LOG_H
#define KELUH_LOG_H

#include <stdarg.h>

enum log_level { LOG_LEVEL_ERR = 3, LOG_LEVEL_WARN = 4, LOG_LEVEL_INFO = 6, LOG_LEVEL_DEBUG = 7 };

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void log_init(const char *progname, int verbose);
/* keluhd: time-stamp the lines when stderr is a terminal, not the journal. */
void log_stamp_terminal(void);
void log_set_verbose(int verbose);
int log_verbose(void);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);  /* appends strerror(errno) */
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_error(const char *fmt, ...) LOG_PRINTF(1, 2);  /* an error; the caller decides what next */
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Start-up failures and broken invariants only: logs and exits 1. */
void fatal(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));

#endif
