/*
 * console_auth.h: who may use the web console (console.c's part that
 * knows people): the login with ui.token_file's token, the sessions it
 * opens, the bearer token of tools, the reverse proxy's user_header, the
 * CSRF token of state-changing requests, and the limiter of failed logins.
 *
 * Sessions live in memory only (a restart logs people out). Their ids are
 * 32 random bytes, kept as a hash and compared in constant time; the table
 * holds at most ui.max_sessions (the oldest goes first). Loop thread only.
 */
#ifndef KELUH_CONSOLE_AUTH_H
#define KELUH_CONSOLE_AUTH_H

#include <stdint.h>

#include "conf/conf.h"
#include "daemon/console.h"
#include "net/httpd.h"

struct console_auth;

struct console_auth *console_auth_new(void);
void console_auth_free(struct console_auth *);

/* 1 with *u when req carries a valid session, bearer token or proxy header; else 0. */
int console_auth_user(struct console_auth *, const struct conf *, struct httpd_req *,
                      struct console_user *u);
/* 1 when a state-changing request of u may go on: bearer, or the right X-CSRF-Token. */
int console_auth_csrf_ok(struct console_auth *, const struct conf *, struct httpd_req *,
                         const struct console_user *u);

/* POST /v1/session, GET /v1/session, POST /v1/session/logout: each answers req. */
void console_auth_login(struct console_auth *, const struct conf *, struct httpd_req *);
void console_auth_get(struct console_auth *, const struct conf *, struct httpd_req *,
                      const struct console_user *u);
void console_auth_logout(struct console_auth *, const struct conf *, struct httpd_req *,
                         const struct console_user *u);

/* Drops expired sessions and limiter entries. */
void console_auth_sweep(struct console_auth *, const struct conf *, int64_t now_ms);

#endif
