/*
 * pass.c: the commit and acknowledge of a loop pass (see pass.h).
 */
#include "config.h"

#include <stdlib.h>

#include "daemon/pass.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "store/spool.h"

struct pass {
	struct pass_store store;
	void *store_arg;
	struct pass_hooks hooks;
	struct spool *spool; /* pass_new_spool's, for pass_join */
	struct pass *next_pass;

	struct pass_wait *waiting;
	size_t nwaiting;
	size_t *kick; /* receivers with new alerts this pass */
	size_t nkick, nreceivers;
	uint64_t kick_seq;   /* the kicks wait for this commit to be durable */
	int broken;          /* ingest answers 503; a probe each second (keluhd's stats) */
	uint64_t broken_seq; /* the commit that, once durable, ends broken */
	uint64_t failures;   /* while broken, for the log line at the end */
};

/* The passes on a spool, so that its writers join with the spool they hold. */
static struct pass *passes;

struct pass *
pass_new(const struct pass_store *store, void *store_arg, const struct pass_hooks *hooks,
         size_t nreceivers)
{
	struct pass *p = xcalloc(1, sizeof(*p));

	p->store = *store;
	p->store_arg = store_arg;
	p->hooks = *hooks;
	p->nreceivers = nreceivers;
	p->kick = xcalloc(nreceivers + 1, sizeof(size_t));
	return p;
}

void
pass_free(struct pass *p)
{
	struct pass **pp;

	if (p == NULL)
		return;
	for (pp = &passes; *pp; pp = &(*pp)->next_pass)
		if (*pp == p) {
			*pp = p->next_pass;
			break;
		}
	if (p->spool) {
		if (spool_in_txn(p->spool) && spool_commit(p->spool) < 0)
			log_warnx("spool: final commit failed: %s", spool_error(p->spool));
		spool_on_begin(p->spool, NULL, NULL);
	}
	free(p->kick);
	free(p);
}

int
pass_open(struct pass *p)
{
	if (p->store.in_txn(p->store_arg))
		return 0;
	/* a batch that cannot even begin (the database is unreachable) fails like a commit */
	if (p->store.begin(p->store_arg) < 0) {
		pass_failing(p, "cannot begin a batch");
		return -1;
	}
	p->hooks.schedule(p->hooks.arg);
	return 0;
}

void
pass_schedule(struct pass *p)
{
	p->hooks.schedule(p->hooks.arg);
}

int
pass_join(struct spool *sp)
{
	for (struct pass *p = passes; p; p = p->next_pass)
		if (p->spool == sp)
			return pass_open(p);
	return spool_begin(sp);
}

static void
wait_unlink(struct pass *p, struct pass_wait *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		p->waiting = w->next;
	if (w->next)
		w->next->prev = w->prev;
	p->nwaiting--;
}

void
pass_wait(struct pass *p, struct pass_wait *w, int failed)
{
	w->seq = 0;
	w->failed = failed;
	w->committed = 0;
	w->prev = NULL;
	w->next = p->waiting;
	if (p->waiting)
		p->waiting->prev = w;
	p->waiting = w;
	p->nwaiting++;
	/* answered at the end of this pass, even when it writes nothing */
	p->hooks.schedule(p->hooks.arg);
}

void
pass_cancel(struct pass *p, struct pass_wait *w)
{
	wait_unlink(p, w);
}

size_t
pass_waiting(const struct pass *p)
{
	return p->nwaiting;
}

void
pass_alerted(struct pass *p, const size_t *receivers, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p->nkick = util_set_add(p->kick, p->nkick, p->nreceivers, receivers[i]);
}

void
pass_set_receivers(struct pass *p, size_t n)
{
	p->kick = xreallocarray(p->kick, n + 1, sizeof(size_t));
	p->nkick = 0;
	p->nreceivers = n;
}

int
pass_broken(const struct pass *p)
{
	return p->broken;
}

/*
 * A commit or a sync failed: what it carried is answered 503, and so is
 * ingest until a later commit is durable. Said once, not at every probe.
 */
void
pass_failing(struct pass *p, const char *what)
{
	const char *why = p->store.error(p->store_arg);

	metrics_add("keluh_spool_errors_total", NULL, 1);
	p->broken_seq = p->store.seq(p->store_arg) + 1;
	p->failures++;
	if (p->broken) {
		log_debug("spool: %s: %s", what, why);
		return;
	}
	p->broken = 1;
	log_warnx("spool: %s: %s; this pass is answered 503, and so is ingest until the spool "
	          "works again",
	          what, why);
}

/* The store works again: the daemon rebuilds what the failure may have lost. */
static void
pass_working(struct pass *p)
{
	if (!p->broken)
		return;
	p->broken = 0;
	log_info("spool: works again after %llu failed attempt(s); ingest is open",
	         (unsigned long long)p->failures);
	p->failures = 0;
	if (p->hooks.recovered)
		p->hooks.recovered(p->hooks.arg);
}

/*
 * Answers the requests whose commit is durable (up to commit done), or
 * all committed ones "not stored" when the sync failed; then the kicks.
 */
static void
release_durable(struct pass *p, uint64_t done, int failed)
{
	struct pass_wait *w, *next;

	for (w = p->waiting; w; w = next) {
		next = w->next;
		if (!w->committed || (!failed && w->seq > done))
			continue;
		wait_unlink(p, w);
		p->hooks.answer(p->hooks.arg, w, !failed);
	}
	if (!failed && p->store.deferred && done >= p->broken_seq)
		pass_working(p);
	if (!failed && p->kick_seq <= done) {
		for (size_t i = 0; i < p->nkick; i++)
			p->hooks.kick(p->hooks.arg, p->kick[i]);
		p->nkick = 0;
	}
}

/* Commits the open batch, and with wait makes it durable: 1 if all went well. */
static int
pass_commit(struct pass *p, int wait)
{
	int ok = 1;

	if (p->store.in_txn(p->store_arg)) {
		if (p->store.commit(p->store_arg) < 0) {
			ok = 0;
			pass_failing(p, "commit failed");
		} else {
			/* without the deferred sync a commit is durable when it returns */
			if (!p->store.deferred)
				pass_working(p);
			metrics_add("keluh_spool_commits_total", NULL, 1);
		}
	}
	if (ok && p->store.deferred &&
	    (wait ? p->store.sync_now(p->store_arg) : p->store.sync_request(p->store_arg)) < 0) {
		ok = 0;
		pass_failing(p, "sync failed");
	}
	return ok;
}

void
pass_end(struct pass *p, int wait)
{
	struct pass_wait *w, *next;
	uint64_t seq;
	int ok;

	wait = wait || !p->store.deferred;
	if (p->hooks.before_commit)
		p->hooks.before_commit(p->hooks.arg);
	ok = pass_commit(p, wait);
	seq = p->store.seq(p->store_arg);
	for (w = p->waiting; w; w = next) {
		next = w->next;
		if (w->committed)
			continue;
		if (ok && !w->failed) {
			w->committed = 1;
			w->seq = seq;
			continue;
		}
		wait_unlink(p, w);
		p->hooks.answer(p->hooks.arg, w, 0);
	}
	if (ok && p->nkick)
		p->kick_seq = seq;
	if (!wait) {
		/*
		 * A pass that wrote nothing asked for no sync, so none will report:
		 * what its requests wait for (an earlier commit) may be durable now.
		 */
		pass_synced(p);
		return;
	}
	if (ok) {
		release_durable(p, seq, 0);
		return;
	}
	/* earlier passes waiting for their sync: everything committed is synced here */
	release_durable(p, seq, p->store.deferred && p->store.sync_now(p->store_arg) < 0);
}

void
pass_synced(struct pass *p)
{
	int err;
	uint64_t done = p->store.synced(p->store_arg, &err);

	if (err)
		pass_failing(p, "sync failed");
	release_durable(p, done, err != 0);
	if (p->store.after_sync)
		p->store.after_sync(p->store_arg);
}

/* ------------------------------------------------------------------ */
/* the spool as the pass's store */

static int
sp_begin(void *arg)
{
	return spool_begin(arg);
}

static int
sp_in_txn(void *arg)
{
	return spool_in_txn(arg);
}

static int
sp_commit(void *arg)
{
	return spool_commit(arg);
}

static int
sp_sync_request(void *arg)
{
	return spool_sync_request(arg);
}

static int
sp_sync_now(void *arg)
{
	return spool_sync_now(arg);
}

static uint64_t
sp_seq(void *arg)
{
	return spool_commit_seq(arg);
}

static uint64_t
sp_synced(void *arg, int *err)
{
	return spool_synced(arg, err);
}

static const char *
sp_error(void *arg)
{
	return spool_error(arg);
}

/* The checkpoints beside the loop report here, after each sync. */
static void
sp_after_sync(void *arg)
{
	struct spool *sp = arg;
	int ckfail;
	unsigned hits = spool_wal_bound_hits(sp, &ckfail);

	while (hits-- > 0)
		metrics_bound_hit("spool_wal", "the spool's write-ahead log passed its bound "
		                               "(16,000 pages) under load; it starts over");
	if (ckfail) {
		metrics_add("keluh_spool_errors_total", NULL, 1);
		log_warnx("spool: %s", spool_error(sp));
	}
}

/* A batch the spool opens by itself (spool_probe) ends with the pass too. */
static void
sp_opened(void *arg)
{
	struct pass *p = arg;

	p->hooks.schedule(p->hooks.arg);
}

struct pass *
pass_new_spool(struct spool *sp, int deferred, const struct pass_hooks *hooks, size_t nreceivers)
{
	struct pass_store store = {sp_begin, sp_in_txn, sp_commit, sp_sync_request, sp_sync_now,
	                           sp_seq,   sp_synced, sp_error,  sp_after_sync,   deferred};
	struct pass *p = pass_new(&store, sp, hooks, nreceivers);

	p->spool = sp;
	p->next_pass = passes;
	passes = p;
	spool_on_begin(sp, sp_opened, p);
	return p;
}
