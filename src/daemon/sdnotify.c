/*
 * sdnotify.c: keluhd's messages to systemd (see sdnotify.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "daemon/sdnotify.h"

void
sdnotify(const char *fmt, ...)
{
#ifdef HAVE_SYSTEMD
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_notify(0, buf);
#else
	(void)fmt;
#endif
}

#ifdef HAVE_SYSTEMD
static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	sdnotify("WATCHDOG=1");
}
#endif

struct event *
sdnotify_watchdog(struct event_base *base)
{
	struct event *ev = NULL;
#ifdef HAVE_SYSTEMD
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		struct timeval half = {(time_t)(usec / 2000000),
		                       (suseconds_t)((usec / 2) % 1000000)};

		ev = event_new(base, -1, EV_PERSIST, watchdog_cb, NULL);
		event_add(ev, &half);
	}
#else
	(void)base;
#endif
	return ev;
}
