/*
 * console.c: see console.h. Not built yet: ui.enabled is refused by the
 * conf until it is.
 */
#include "daemon/console.h"

#include <stdio.h>

struct console {
	struct console_env env;
};

struct console *
console_new(const struct console_env *env, char *err, size_t errlen)
{
	(void)env;
	snprintf(err, errlen, "the web console is not built yet");
	return NULL;
}

void
console_set(struct console *c, const struct console_env *env)
{
	c->env = *env;
}

int
console_route(struct console *c, struct httpd_req *req)
{
	(void)c;
	(void)req;
	return 0;
}

void
console_stop(struct console *c)
{
	(void)c;
}

void
console_free(struct console *c)
{
	playground_stop(c);
}

const struct console_env *
console_env(const struct console *c)
{
	return &c->env;
}

void
console_publish(struct console *c, const char *event, const char *data)
{
	(void)c;
	(void)event;
	(void)data;
}
