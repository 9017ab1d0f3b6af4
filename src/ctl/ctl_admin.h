/*
 * ctl_admin.h: keluhctl's commands that talk to a running keluhd over its
 * admin socket (admin.h): status, reload, silence add|list|expire, send-test.
 */
#ifndef KELUH_CTL_ADMIN_H
#define KELUH_CTL_ADMIN_H

/* Where keluhctl looks without --socket or -c: the systemd unit's RuntimeDirectory. */
#define CTL_ADMIN_SOCKET "/run/keluh/keluhd.sock"

/*
 * The configuration keluhctl reads without -c: keluhd.yaml in the current
 * directory when there is one (the build tree after tools/quick run, or
 * /etc/keluh itself), else CONF_DEFAULT_PATH.
 */
#define CTL_LOCAL_CONF "keluhd.yaml"
const char *ctl_conf_default(void);

/*
 * 0 when path exists; else -1, having said "keluhctl: cannot find WHAT:
 * FILE: no such file (give -c FILE or ALT)" (WHAT NULL: "keluhctl: FILE:
 * no such file (give -c FILE)").
 */
int ctl_conf_missing(const char *path, const char *what, const char *alt);

struct conf;
/*
 * Loads path (NULL: ctl_conf_default()) without its secrets, for the
 * paths in it. On failure prints why, as "keluhctl: cannot find WHAT:
 * FILE: no such file (or give ALT)" or the file's errors, and returns
 * NULL.
 */
struct conf *ctl_conf_load(const char *path, const char *what, const char *alt);

struct spool;
/*
 * The spool at spool_path, else the one conf_path (NULL: the default)
 * names. A write (readonly 0) never creates a spool where keluhd never
 * ran. NULL having said why, with *rc set for the caller to return: 2 for
 * a broken configuration, 1 when the spool cannot be opened.
 */
struct spool *ctl_spool_open(const char *conf_path, const char *spool_path, int readonly,
                             int *rc);

/* argv[0] is the command. Exit status: 0 ok; 1 keluhd refused or is unreachable; 2 usage. */
int ctl_admin_main(int argc, char **argv);

#endif
