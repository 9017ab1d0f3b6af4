/*
 * upkeep.c: the daemon's timed look at its spool (see upkeep.h).
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "daemon/pass.h"
#include "daemon/rollup.h"
#include "daemon/upkeep.h"
#include "lib/log.h"
#include "lib/metrics.h"

int
upkeep_queue(struct spool *sp, const struct conf *c, int64_t *depth_out)
{
	int64_t depth = 0;
	int ok = 1;

	/* per receiver only: a spool-wide count walks every pending mention, every second */
	for (size_t i = 0; i < c->nreceivers; i++) {
		int64_t pending, dead;
		char labels[160];

		if (spool_queue_counts(sp, c->receivers[i].name, &pending, &dead) < 0) {
			ok = 0;
			continue;
		}
		depth += pending;
		snprintf(labels, sizeof(labels), "receiver=\"%s\"", c->receivers[i].name);
		metrics_set("keluh_queue_depth", labels, (double)pending);
		metrics_set("keluh_dead_letters", labels, (double)dead);
	}
	if (!ok)
		return -1;
	*depth_out = depth;
	return 0;
}

void
upkeep_prune(struct spool *sp, const struct conf *c)
{
	int64_t n, before = (int64_t)time(NULL) * 1000 - c->keep_history_ms;

	pass_join(sp);
	if ((n = spool_prune(sp, before)) < 0)
		log_warnx("spool: pruning old history failed: %s", spool_error(sp));
	else if (n > 0)
		log_info("spool: forgot %lld delivered alert(s) older than %lld h", (long long)n,
		         (long long)(c->keep_history_ms / 3600000));
	before = (int64_t)time(NULL) * 1000 - c->cases.keep_ms;
	if ((n = spool_prune_cases(sp, before)) < 0)
		log_warnx("spool: pruning old cases failed: %s", spool_error(sp));
	else if (n > 0)
		log_info("spool: forgot %lld case(s) closed more than %lld day(s) ago", (long long)n,
		         (long long)(c->cases.keep_ms / 86400000));
	rollup_prune(sp, c, (int64_t)time(NULL) * 1000);
}

static void
orphan_cb(void *arg, const char *receiver, int64_t n)
{
	const struct conf *c = arg;

	if (conf_receiver_index(c, receiver) < 0)
		log_warnx("%lld deliveries wait for receiver '%s', which is no longer configured: "
		          "add it back, or drop them with keluhctl drop",
		          (long long)n, receiver);
}

void
upkeep_orphans(struct spool *sp, const struct conf *c)
{
	spool_pending_by_receiver(sp, orphan_cb, (void *)c);
}
