/*
 * ctl_int.h: what keluhctl's admin commands share (ctl_admin.c, and the
 * cases commands of ctl_cases.c): asking keluhd over its admin socket.
 */
#ifndef KELUH_CTL_INT_H
#define KELUH_CTL_INT_H

#include <jansson.h>

#include "lib/util.h"

#define CTL_EXIT_FAIL  1
#define CTL_EXIT_USAGE 2
#define CTL_TIMEOUT_S  30

struct ctl_reply {
	long status;
	json_t *body; /* NULL when the answer was not JSON */
	struct buf raw;
};

/* The socket: socket, else the admin.socket of conf_path or the default config; NULL, *rc set. */
char *ctl_admin_socket(const char *conf_path, const char *socket, int *rc);
/* 0, or -1 having said why the socket cannot be reached. */
int ctl_reachable(const char *sock);
/* One request (curl_global_init done); -1 (with a message printed) when keluhd could not be asked.
 */
int ctl_request(const char *sock, const char *method, const char *path, const char *body,
                long timeout_s, struct ctl_reply *r);
void ctl_reply_free(struct ctl_reply *r);
/* --json: the daemon's answer as it came, one line. */
void ctl_print_raw(const struct ctl_reply *r);
/* Says the daemon's error (and prints the answer with json); CTL_EXIT_FAIL. */
int ctl_refused(const struct ctl_reply *r, const char *what, int json);
/* Who runs keluhctl: SUDO_USER, else the login name, else $USER. */
const char *ctl_login_name(void);

/* keluhctl cases, show CASE, ack, assign, resolve, reopen (ctl_cases.c); argv[0] the command. */
int ctl_cases_main(int argc, char **argv);
/* keluhctl report [--send N] (ctl_report.c); argv[0] "report". */
int ctl_report_main(int argc, char **argv);
/* keluhctl label MENTION complaint|not, --import FILE, --export [FILE] (ctl_label.c). */
int ctl_label_main(int argc, char **argv);
/* keluhctl cluster (ctl_cluster.c); argv[0] "cluster". */
int ctl_cluster_main(int argc, char **argv);

#endif
