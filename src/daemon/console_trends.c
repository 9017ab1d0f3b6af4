/*
 * console_trends.c: see console.h. Not built yet: answers none of its paths.
 */
#include "daemon/console.h"

int
console_trends_handle(struct console *c, struct httpd_req *req, const struct console_user *u)
{
	(void)c;
	(void)req;
	(void)u;
	return 0;
}
