#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <sys/stat.h>

#include "lib/log.h"
#include "lib/util.h"
#include "sources/source.h"

#define FILE_MAX_LINE (1024 * 1024)

/*
 * NDJSON mentions from standard input or a file, one object per line.
 * A bad line is counted, logged with its number, and skipped. When the
 * daemon cannot take a mention (the spool refused it), reading pauses and
 * tries again shortly: nothing read is dropped.
 */
struct fsrc {
	struct source src;
	struct evbuffer *in;
	struct event *ev;	/* readable (pipe, tty) or a 0 s timer (regular file) */
	struct event *retry;
	unsigned long lineno;
	int fd, eof, regular, paused;
};

static void fsrc_drain(struct fsrc *f);

static void
fsrc_arm(struct fsrc *f)
{
	struct timeval now = { 0, 0 };

	if (f->eof || f->paused)
		return;
	/* epoll cannot watch regular files: read them a chunk per loop pass */
	event_add(f->ev, f->regular ? &now : NULL);
}

static void
fsrc_retry(evutil_socket_t fd, short what, void *arg)
{
	struct fsrc *f = arg;

	f->paused = 0;
	fsrc_drain(f);
	fsrc_arm(f);
}

static void
fsrc_drain(struct fsrc *f)
{
	struct evbuffer *in = f->in;

	while (!f->paused) {
		size_t len = 0, n;
		struct evbuffer_ptr p = evbuffer_search_eol(in, NULL, &len, EVBUFFER_EOL_LF);
		char *line, err[256];
		struct mention m;

		if (p.pos < 0) {
			if (evbuffer_get_length(in) > FILE_MAX_LINE) {
				f->src.errors++;
				log_warnx("source %s: line %lu is longer than %d bytes; skipped",
				    f->src.name, f->lineno + 1, FILE_MAX_LINE);
				evbuffer_drain(in, evbuffer_get_length(in));
			}
			if (!f->eof || evbuffer_get_length(in) == 0)
				return;
			/* the last line, without a newline */
			n = evbuffer_get_length(in);
			len = 0;
		} else
			n = (size_t)p.pos;
		line = xmalloc(n + 1);
		evbuffer_copyout(in, line, n);
		line[n] = '\0';
		while (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n && mention_parse(&m, line, n, err, sizeof(err)) < 0) {
			f->src.errors++;
			log_warnx("source %s: line %lu: %s; skipped", f->src.name, f->lineno + 1, err);
		} else if (n) {
			if (source_emit_mention(&f->src, &m) < 0) {
				/* keep the line and try again shortly: nothing read is dropped */
				struct timeval tv = { 0, 200000 };

				mention_free(&m);
				free(line);
				f->paused = 1;
				event_del(f->ev);
				evtimer_add(f->retry, &tv);
				return;
			}
			mention_free(&m);
		}
		free(line);
		evbuffer_drain(in, (p.pos < 0 ? evbuffer_get_length(in) : (size_t)p.pos) + len);
		f->lineno++;
	}
}

static void
fsrc_readable(evutil_socket_t fd, short what, void *arg)
{
	struct fsrc *f = arg;
	int n = evbuffer_read(f->in, f->fd, 65536);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		if (n < 0)
			log_warnx("source %s: read error: %s", f->src.name, strerror(errno));
		f->eof = 1;
		event_del(f->ev);
		fsrc_drain(f);
		log_info("source %s: end of input after %lu mention(s), %lu bad line(s)",
		    f->src.name, f->src.count, f->src.errors);
		return;
	}
	fsrc_drain(f);
	if (f->regular)
		fsrc_arm(f);
}

static void
fsrc_stop(struct source *s)
{
	struct fsrc *f = (struct fsrc *)s;

	event_free(f->ev);
	event_free(f->retry);
	evbuffer_free(f->in);
	close(f->fd);
}

/* what: "stdin" or the file's path, for the error. */
static struct source *
fsrc_start(const struct source_env *env, const struct conf_source *cs, int fd, const char *what,
    source_emit_fn fn, void *arg, char *err, size_t errlen)
{
	struct fsrc *f;
	struct stat st;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", what, strerror(errno));
		return NULL;
	}
	f = source_new(sizeof(*f), env, cs, fn, arg, fsrc_stop);
	f->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (!f->regular)
		evutil_make_socket_nonblocking(fd);
	f->fd = fd;
	f->in = evbuffer_new();
	f->ev = f->regular ? evtimer_new(env->base, fsrc_readable, f) :
	    event_new(env->base, fd, EV_READ | EV_PERSIST, fsrc_readable, f);
	f->retry = evtimer_new(env->base, fsrc_retry, f);
	fsrc_arm(f);
	return &f->src;
}

static struct source *
stdin_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn,
    void *arg, char *err, size_t errlen)
{
	return fsrc_start(env, cs, dup(STDIN_FILENO), "stdin", fn, arg, err, errlen);
}

static struct source *
file_start(const struct source_env *env, const struct conf_source *cs, source_emit_fn fn,
    void *arg, char *err, size_t errlen)
{
	const struct source_local *o = cs->opts;

	return fsrc_start(env, cs, open(o->path, O_RDONLY | O_CLOEXEC), o->path, fn, arg, err,
	    errlen);
}

static void *
stdin_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	return source_local_parse(L, cs, item, 0);
}

static void *
file_parse(struct confp *L, struct conf_source *cs, yaml_node_t *item)
{
	return source_local_parse(L, cs, item, 1);
}

/* stdin reads no path, rate nor loop, but has always taken them */
static const struct conf_key file_keys[] = {
    {"path", CONF_STRING},
    {"rate", CONF_RATE},
    {"loop", CONF_BOOL},
    {NULL, 0},
};

const struct source_kind source_kind_stdin = {
	.conf = {
		.name = "stdin",
		.keys = file_keys,
		.parse = stdin_parse,
		.same = source_local_same,
		.free = source_local_free,
	},
	.start = stdin_start,
};

const struct source_kind source_kind_file = {
	.conf = {
		.name = "file",
		.keys = file_keys,
		.parse = file_parse,
		.same = source_local_same,
		.free = source_local_free,
	},
	.start = file_start,
};
