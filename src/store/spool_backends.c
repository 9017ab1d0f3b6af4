/*
 * spool_backends.c: the backends keluh has, and the one a spool path
 * names. Apart from spool.c so that the backends, which use what spool.c
 * shares (spool_delivery_free), are not also used by it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "store/spool.h"
#include "store/spool_backend.h"

/* Those with a scheme first; the last one takes every other path. */
static const struct spool_backend *const spool_backends[] = {
    &spool_pg,
    &spool_sqlite,
};

#define SPOOL_NBACKENDS (sizeof(spool_backends) / sizeof(spool_backends[0]))

const struct spool_backend *
spool_backend_find(const char *path)
{
	for (size_t i = 0; i + 1 < SPOOL_NBACKENDS; i++) {
		const char *sc = spool_backends[i]->scheme;
		size_t n = strlen(sc);

		if (strncmp(path, sc, n) == 0 && path[n] == ':')
			return spool_backends[i];
	}
	return spool_backends[SPOOL_NBACKENDS - 1];
}

const char *
spool_describe(const char *path, char *buf, size_t len)
{
	const struct spool_backend *be = spool_backend_find(path);

	if (be->describe)
		be->describe(path, buf, len);
	else
		snprintf(buf, len, "%s", path);
	return buf;
}

int
spool_is_local(const char *path)
{
	return spool_backend_find(path) == &spool_sqlite;
}

struct spool *
spool_open(const char *path, int readonly, char *err, size_t errlen)
{
	return spool_open_with(spool_backend_find(path), path, readonly, err, errlen);
}
