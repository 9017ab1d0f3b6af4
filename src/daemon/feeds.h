/*
 * feeds.h: the running sources of keluhd.yaml (sources/source.h), started
 * at start-up and across reloads, their mentions into ingest and their
 * health notes (alert_after) into the spool as operational alerts.
 *
 * The mentions sources hand over in one loop pass (a poll answer of a
 * thousand items) share one regex budget, as those of one POST do, so
 * they cannot hold the loop either: the first opens it and schedules the
 * end of the pass, whose before_commit hook (feeds_end_pass) closes it.
 * While keluhd stops or the spool fails (pass_broken) a mention is
 * refused, and the source keeps it for later. Loop thread only.
 */
#ifndef KELUH_FEEDS_H
#define KELUH_FEEDS_H

#include <event2/event.h>
#include <stddef.h>

#include "conf/conf.h"
#include "daemon/cluster.h"
#include "daemon/ingest.h"
#include "daemon/pass.h"
#include "net/curlev.h"
#include "daemon/replies.h"
#include "sources/source.h"
#include "store/spool.h"

struct hooks;

struct feeds_env {
	struct event_base *base;
	struct curlev *ce;
	struct spool *spool;
	struct ingest *ingest;
	struct pass *pass; /* health alerts kick their receivers through it */
	/* the push sources' calls, answered 503 when their source stops; may be NULL */
	struct hooks *hooks;
	/* who runs each pull or stream source; NULL: every one runs here */
	struct cluster *cluster;
};

struct feeds;

struct feeds *feeds_new(const struct feeds_env *);
/* Stops the sources. */
void feeds_free(struct feeds *);

/*
 * Starts the sources of c. With old (a reload), a source whose settings
 * did not change keeps running where it is (a file is not read again); the
 * others stop and the new ones start. A pull or stream source starts where
 * its ownership "source:NAME" is held (see feeds.c). At start-up a source
 * that fails to start here is fatal (-1, logged); on reload, or when it
 * starts later on a shared spool, it is logged and left out (its slot
 * NULL).
 */
int feeds_start(struct feeds *, const struct conf *c, const struct conf *old);
/* keluhd stops: every source stops, and no mention is taken any more. */
void feeds_stop(struct feeds *);
/*
 * The running source called name, and its kind in *kind (push kinds have a
 * hook); NULL when none runs under that name.
 */
struct source *feeds_find(const struct feeds *, const char *name, const struct source_kind **kind);
/* The sources, following c->sources of the last feeds_start (NULL: left out). */
struct source *const *feeds_sources(const struct feeds *, size_t *n);

/*
 * The brand's public replies the sources hand over (daemon/replies.h):
 * set its callback there. Owned by feeds, alive until feeds_free.
 */
struct replies *feeds_replies(const struct feeds *);

/* The pass ends: the sources' regex budget closes. */
void feeds_end_pass(struct feeds *);
/* A POST's batch closed the budget: the sources' next mention opens another. */
void feeds_budget_closed(struct feeds *);

#endif
