/*
 * pass.h: the one flush point of a loop pass, in the spirit of Redis's
 * beforeSleep. Everything a pass writes goes into one spool transaction
 * that the pass opens (pass_join) and commits at its end (pass_end); only
 * when that commit is on the disk do the requests waiting for it get their
 * answer and the receivers with new alerts their delivery kick.
 *
 * The order, which tests/unit/test_pass.c holds:
 *   - no answer "stored" (202) before the commit that holds the request
 *     is durable, and no delivery kick before that either;
 *   - a commit that fails answers its requests "not stored" (503) and
 *     acknowledges nothing; ingest then stays closed (pass_broken) until a
 *     later commit is durable, when hooks.recovered runs;
 *   - a pass that writes nothing still answers the requests whose commit
 *     became durable meanwhile (with a deferred sync nothing else would).
 *
 * With a deferred sync (pass_store.deferred) a commit returns before the
 * disk has it: pass_end asks for the sync and returns, and pass_synced,
 * called when the store says a sync finished, answers and kicks. Without
 * it, and in pass_end(p, 1), the commit is durable when pass_end returns.
 *
 * The pass owns its struct pass_wait entries while they wait (the caller
 * embeds one per request, first in its own struct, and gets it back in
 * hooks.answer, after which the pass forgets it). Loop thread only.
 */
#ifndef KELUH_PASS_H
#define KELUH_PASS_H

#include <stddef.h>
#include <stdint.h>

struct spool;

/* The batch and sync calls of the store the pass commits (spool.h for the daemon). */
struct pass_store {
	int (*begin)(void *arg);                 /* opens the batch; 0 or -1 */
	int (*in_txn)(void *arg);                /* whether a batch is open */
	int (*commit)(void *arg);                /* 0, or -1: failed and rolled back */
	int (*sync_request)(void *arg);          /* deferred: start syncing what is committed */
	int (*sync_now)(void *arg);              /* every commit so far durable on return */
	uint64_t (*seq)(void *arg);              /* commits so far */
	uint64_t (*synced)(void *arg, int *err); /* durable up to; err: a sync failed */
	const char *(*error)(void *arg);         /* the last error, for the log */
	void (*after_sync)(void *arg);           /* optional: the store's own checks after a sync */
	int deferred; /* commits are made durable by a sync beside the loop */
};

/* A request waiting for the commit of its pass; embed it first in the caller's struct. */
struct pass_wait {
	struct pass_wait *prev, *next;
	uint64_t seq; /* the commit that holds it, once committed */
	int failed;   /* its own writes failed: answered "not stored" at the end of the pass */
	int committed;
	/* optional: answers this wait instead of hooks.answer (keluhd's on_answer asks) */
	void (*answer)(struct pass_wait *w, int ok);
};

struct pass_hooks {
	void (*schedule)(void *arg);      /* run pass_end(p, 0) at the end of this loop pass */
	void (*before_commit)(void *arg); /* optional: what closes with the pass */
	/* ok 1: stored (202); 0: not stored (503). The pass has forgotten w. */
	void (*answer)(void *arg, struct pass_wait *w, int ok);
	void (*kick)(void *arg, size_t receiver); /* deliver what the durable commit holds */
	void (*recovered)(void *arg); /* optional: the store works again after failing */
	void *arg;
};

struct pass;

/* kicks: receivers 0..nreceivers-1. store_arg is passed to every store call. */
struct pass *pass_new(const struct pass_store *, void *store_arg, const struct pass_hooks *,
                      size_t nreceivers);
/* The daemon's pass on a spool; deferred when spool_defer_sync worked. */
struct pass *pass_new_spool(struct spool *, int deferred, const struct pass_hooks *,
                            size_t nreceivers);
/*
 * Commits what is still open (the spool's pass: logged if that fails).
 * Requests still waiting are forgotten, unanswered: free their connections
 * first (ingest_http_free).
 */
void pass_free(struct pass *);

/*
 * Joins the pass's transaction: opens it when none is open and schedules
 * the end of the pass. pass_join(sp) is the call every writer of the
 * daemon makes before its writes; with no pass on sp (unit tests of a
 * module) it opens a plain spool batch that the caller commits.
 */
int pass_open(struct pass *);
int pass_join(struct spool *);
/* The end of this pass runs even if nothing is written (something closes with it). */
void pass_schedule(struct pass *);

/*
 * w waits for the end of this pass, which is scheduled (failed: answered
 * "not stored" there).
 */
void pass_wait(struct pass *, struct pass_wait *w, int failed);
/* The client left: w is forgotten, what it carried is kept. */
void pass_cancel(struct pass *, struct pass_wait *w);
size_t pass_waiting(const struct pass *);

/* Receivers with new alerts in this pass: kicked once its commit is durable. */
void pass_alerted(struct pass *, const size_t *receivers, size_t n);
/* On reload (after pass_end(p, 1)): the receivers now number n; no kick is left. */
void pass_set_receivers(struct pass *, size_t n);

/*
 * The end of the pass: commits, then answers and kicks what is durable.
 * wait 0 is the end of a loop pass (with a deferred sync the answers come
 * from pass_synced); wait 1 (start, reload, admin, stop) returns with the
 * batch durable and everything it holds answered.
 */
void pass_end(struct pass *, int wait);
/* The store says a deferred sync finished (its fd became readable). */
void pass_synced(struct pass *);

/* Whether the store is failing: ingest answers 503 until a commit is durable again. */
int pass_broken(const struct pass *);
/* A write outside the pass (a probe) failed: the store is failing. */
void pass_failing(struct pass *, const char *what);

#endif
