#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

static const char *log_progname = "keluh";
static int log_verb;
static int log_prefix; /* journal wants "<N>" priority prefixes */
static int log_stamp;  /* a terminal has no clock of its own */

void
log_init(const char *progname, int verbose)
{
	log_progname = progname;
	log_verb = verbose;
	log_prefix = getenv("JOURNAL_STREAM") != NULL;
}

void
log_stamp_terminal(void)
{
	log_stamp = !log_prefix && isatty(STDERR_FILENO);
}

/* Local time with its offset, to the millisecond: 2026-11-23T09:12:40.123+0700 */
static void
log_time(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char ymd[32], zone[8];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (localtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(ymd, sizeof(ymd), "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
	    strftime(zone, sizeof(zone), "%z", &tm) == 0) {
		out[0] = '\0';
		return;
	}
	snprintf(out, len, "%.19s.%03ld%.5s ", ymd, ts.tv_nsec / 1000000, zone);
}

void
log_set_verbose(int verbose)
{
	log_verb = verbose;
}

int
log_verbose(void)
{
	return log_verb;
}

static void
log_vwrite(int level, const char *tag, const char *fmt, va_list ap, int with_errno)
{
	int saved = errno;
	char buf[2048], when[64];

	when[0] = '\0';
	if (log_stamp)
		log_time(when, sizeof(when));
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_prefix)
		fprintf(stderr, "<%d>%s%s%s%s\n", level, tag, buf, with_errno ? ": " : "",
		    with_errno ? strerror(saved) : "");
	else
		fprintf(stderr, "%s%s: %s%s%s%s\n", when, log_progname, tag, buf,
		    with_errno ? ": " : "", with_errno ? strerror(saved) : "");
	errno = saved;
}

#define LOG_BODY(level, tag, with_errno)                                                           \
	do {                                                                                       \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		log_vwrite(level, tag, fmt, ap, with_errno);                                       \
		va_end(ap);                                                                        \
	} while (0)

void
log_warn(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, "warning: ", 1);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, "warning: ", 0);
}

void
log_error(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERR, "error: ", 0);
}

void
log_info(const char *fmt, ...)
{
	if (log_verb < 0)
		return;
	LOG_BODY(LOG_LEVEL_INFO, "", 0);
}

void
log_debug(const char *fmt, ...)
{
	if (log_verb < 1)
		return;
	LOG_BODY(LOG_LEVEL_DEBUG, "debug: ", 0);
}

void
fatal(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERR, "error: ", 1);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERR, "error: ", 0);
	exit(1);
}
