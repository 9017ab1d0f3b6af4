/*
 * tz.h: local time in one IANA time zone (display.timezone), read from
 * the system's compiled zone files (TZif, RFC 8536), without touching TZ
 * or the process's local time: logs and JSON timestamps stay UTC.
 *
 * A zone is read once, when the configuration is loaded; looking a time
 * up does no I/O. Times past the file's last transition follow its footer
 * rule (RFC 8536 section 3.3, POSIX TZ with M-form dates).
 */
#ifndef KELUH_TZ_H
#define KELUH_TZ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct tz;

/*
 * Loads zone name ("Asia/Jakarta") from $TZDIR or /usr/share/zoneinfo.
 * Returns NULL with a reason in err when the name is not a zone.
 */
struct tz *tz_load(const char *name, char *err, size_t errlen);
void tz_free(struct tz *);
const char *tz_name(const struct tz *); /* "UTC" for NULL */

/*
 * The local time of t in tz (UTC when tz is NULL): *tm as gmtime_r fills
 * it, *abbr the zone's abbreviation at that time ("WIB", "CEST", "+07").
 */
void tz_local(const struct tz *, int64_t t, struct tm *tm, const char **abbr);

#endif
