/*
 * sdnotify.h: what keluhd tells systemd (sd_notify(3)): READY=1,
 * RELOADING=1, STOPPING=1, STATUS=..., and WATCHDOG=1 at half the unit's
 * WatchdogSec=. Without libsystemd, or outside a unit, nothing is sent.
 */
#ifndef KELUH_SDNOTIFY_H
#define KELUH_SDNOTIFY_H

#include <event2/event.h>

void sdnotify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The timer that pets the watchdog when the unit has one (event_free it), else NULL. */
struct event *sdnotify_watchdog(struct event_base *);

#endif
