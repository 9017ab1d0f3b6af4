/*
 * hooks.h: the push sources' path on keluhd's listener, /v1/hooks/NAME,
 * where NAME is a running source whose kind has a hook (a platform's
 * webhooks: sources/source.h). The gates of POST /v1/mentions come first
 * (the listener's max_body: 413; keluhd stops, the spool fails, too much
 * waits: 503 with Retry-After, so that a platform retries rather than
 * drops its subscription while the sources are stopped); then an unknown
 * NAME, or a source that reads or polls, is answered 404; then a bound on
 * the calls the kinds hold unanswered; only then does the kind see the
 * request.
 *
 * The kind answers each call once (source_hook_taken/reply/refuse):
 * taken waits for the commit of the pass that holds what it emitted and
 * answers 200 (or 503 when that commit fails), like POST /v1/mentions;
 * reply answers at once.
 *
 * Ownership. hooks owns every call, from the request to its answer:
 *   - with the kind (not answered yet): the kind holds its struct
 *     source_hook and the request view (struct source_hook_req), both
 *     alive until it answers. If the client leaves meanwhile, the call
 *     keeps a copy of the method, query and body (the header lookup then
 *     finds nothing) and the kind's answer is dropped: what it emitted
 *     stays taken;
 *   - waiting for the commit (taken): the pass holds its pass_wait; a
 *     client that leaves makes hooks forget it (pass_cancel), what it
 *     carried stays taken;
 *   - a source that stops (reload, keluhd stops): whoever stops it calls
 *     hooks_source_stopping first, which answers 503 with Retry-After to
 *     every call the source's kind still holds and orphans them; the
 *     kind's stop may still answer them (the answer is dropped) but must
 *     not keep them past its return; hooks_source_stopped, after
 *     source_stop, frees those it did not answer.
 * Loop thread only.
 */
#ifndef KELUH_HOOKS_H
#define KELUH_HOOKS_H

#include <stddef.h>

#include "daemon/pass.h"
#include "net/httpd.h"
#include "sources/source.h"

struct hooks_env {
	struct pass *pass;
	/* the running source called name and its kind (feeds_find); NULL: none */
	struct source *(*find)(void *arg, const char *name, const struct source_kind **kind);
	/* the ingest gates: 0 when open, else the request was answered 503 */
	int (*open)(void *arg, struct httpd_req *);
	void *arg;
	size_t max_with_sources; /* calls the kinds may hold unanswered; 0: 1024 */
};

struct hooks;

struct hooks *hooks_new(const struct hooks_env *);
/* After the sources stopped and the listener is freed: frees what is left. */
void hooks_free(struct hooks *);

/*
 * A request on the listener: 1 when its path is under /v1/hooks/ (it is
 * then answered, now or later), 0 when it is not ours.
 */
int hooks_route(struct hooks *, struct httpd_req *);

/* src stops: the calls its kind holds are answered 503 (see above). */
void hooks_source_stopping(struct hooks *, const struct source *src);
/* After source_stop: the orphaned calls the kind did not answer are freed. */
void hooks_source_stopped(struct hooks *);

/* Calls the kinds hold unanswered, and calls waiting for a commit. */
size_t hooks_with_kinds(const struct hooks *);
size_t hooks_waiting(const struct hooks *);

#endif
