/*
 * ctl_admin.h: keluhctl's commands that talk to a running keluhd over its
 * admin socket (admin.h): status, reload, silence add|list|expire, send-test.
 */
#ifndef KELUH_CTL_ADMIN_H
#define KELUH_CTL_ADMIN_H

/* Where keluhctl looks without --socket or -c: the systemd unit's RuntimeDirectory. */
#define CTL_ADMIN_SOCKET "/run/keluh/keluhd.sock"

/* argv[0] is the command. Exit status: 0 ok; 1 keluhd refused or is unreachable; 2 usage. */
int ctl_admin_main(int argc, char **argv);

#endif
