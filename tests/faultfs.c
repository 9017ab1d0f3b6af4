/*
 * faultfs: a test shim, preloaded into keluhd (LD_PRELOAD), that makes
 * calls on some files fail on demand, as a failing or full disk would.
 *
 * KELUH_FAULTS names a control file, read again on every call, so a test
 * turns faults on and off while the daemon runs. Each line is
 *
 *   CALL ERRNO PATH-PART
 *
 * CALL is fdatasync (also fsync), write (write, pwrite, pwrite64) or open
 * (an open for writing); ERRNO is EIO, ENOSPC, EROFS, EACCES or EDQUOT;
 * the call fails on a file whose path contains PATH-PART (ends with it,
 * when PATH-PART ends with '$'). A missing or
 * empty control file: no faults. Each fault made is counted in the file
 * named by KELUH_FAULTS with ".hits" added, one line per call, so a test
 * can wait until a fault has happened.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

enum { F_SYNC, F_WRITE, F_OPEN };

static const struct {
	const char *name;
	int e;
} errnos[] = {
    {"EIO", EIO}, {"ENOSPC", ENOSPC}, {"EROFS", EROFS}, {"EACCES", EACCES}, {"EDQUOT", EDQUOT},
};

static const char *const calls[] = {"fdatasync", "write", "open"};

/* The control file, read with raw system calls so that nothing here recurses. */
static int
faultfs_read(char *buf, size_t len)
{
	const char *path = getenv("KELUH_FAULTS");
	ssize_t n;
	int fd;

	if (path == NULL)
		return 0;
	if ((fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = syscall(SYS_read, fd, buf, len - 1);
	syscall(SYS_close, fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return 1;
}

static void
faultfs_hit(const char *call, const char *path)
{
	const char *ctl = getenv("KELUH_FAULTS");
	char name[PATH_MAX], line[PATH_MAX + 32];
	int fd, n;

	if (snprintf(name, sizeof(name), "%s.hits", ctl) >= (int)sizeof(name))
		return;
	fd = (int)syscall(SYS_openat, AT_FDCWD, name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	                  0600);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s %s\n", call, path);
	if (n > 0)
		syscall(SYS_write, fd, line,
		        (size_t)(n < (int)sizeof(line) ? n : (int)sizeof(line) - 1));
	syscall(SYS_close, fd);
}

/* The errno the call on path is to fail with, or 0. */
static int
faultfs_check(int call, const char *path)
{
	char buf[4096], *save = NULL;

	if (path == NULL || !faultfs_read(buf, sizeof(buf)))
		return 0;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char c[16], e[16], part[1024];

		size_t pl, l2 = strlen(path);

		if (sscanf(l, "%15s %15s %1023s", c, e, part) != 3 || strcmp(c, calls[call]) != 0)
			continue;
		pl = strlen(part);
		if (pl > 1 && part[pl - 1] == '$') {
			if (pl - 1 > l2 || memcmp(path + l2 - (pl - 1), part, pl - 1) != 0)
				continue;
		} else if (strstr(path, part) == NULL)
			continue;
		for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
			if (strcmp(e, errnos[i].name) == 0) {
				faultfs_hit(c, path);
				return errnos[i].e;
			}
	}
	return 0;
}

static int
faultfs_fd(int call, int fd)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	if (getenv("KELUH_FAULTS") == NULL)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof(path) - 1)) <= 0)
		return 0;
	path[n] = '\0';
	return faultfs_check(call, path);
}

static void *
faultfs_next(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL)
		abort();
	return f;
}

int
fdatasync(int fd)
{
	static int (*next)(int);
	int e = faultfs_fd(F_SYNC, fd);

	if (e) {
		errno = e;
		return -1;
	}
	if (next == NULL)
		next = (int (*)(int))faultfs_next("fdatasync");
	return next(fd);
}

int
fsync(int fd)
{
	static int (*next)(int);
	int e = faultfs_fd(F_SYNC, fd);

	if (e) {
		errno = e;
		return -1;
	}
	if (next == NULL)
		next = (int (*)(int))faultfs_next("fsync");
	return next(fd);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	static ssize_t (*next)(int, const void *, size_t);
	int e = faultfs_fd(F_WRITE, fd);

	if (e) {
		errno = e;
		return -1;
	}
	if (next == NULL)
		next = (ssize_t(*)(int, const void *, size_t))faultfs_next("write");
	return next(fd, buf, len);
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	static ssize_t (*next)(int, const void *, size_t, off_t);
	int e = faultfs_fd(F_WRITE, fd);

	if (e) {
		errno = e;
		return -1;
	}
	if (next == NULL)
		next = (ssize_t(*)(int, const void *, size_t, off_t))faultfs_next("pwrite");
	return next(fd, buf, len, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	static ssize_t (*next)(int, const void *, size_t, off64_t);
	int e = faultfs_fd(F_WRITE, fd);

	if (e) {
		errno = e;
		return -1;
	}
	if (next == NULL)
		next = (ssize_t(*)(int, const void *, size_t, off64_t))faultfs_next("pwrite64");
	return next(fd, buf, len, off);
}

static int
faultfs_open(const char *name, const char *path, int flags, mode_t mode)
{
	static int (*next[2])(const char *, int, ...);
	int i = strcmp(name, "open") == 0 ? 0 : 1, e = 0;

	if ((flags & (O_WRONLY | O_RDWR | O_CREAT)) && getenv("KELUH_FAULTS"))
		e = faultfs_check(F_OPEN, path);
	if (e) {
		errno = e;
		return -1;
	}
	if (next[i] == NULL)
		next[i] = (int (*)(const char *, int, ...))faultfs_next(name);
	return next[i](path, flags, mode);
}

int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return faultfs_open("open", path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return faultfs_open("open64", path, flags, mode);
}
