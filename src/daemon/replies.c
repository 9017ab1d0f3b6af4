/*
 * replies.c: the brand's public replies (see replies.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/replies.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

struct replies {
	struct spool *spool;
	replies_fn fn;
	void *arg;
};

struct replies *
replies_new(struct spool *spool)
{
	struct replies *rp = xcalloc(1, sizeof(*rp));

	rp->spool = spool;
	return rp;
}

void
replies_free(struct replies *rp)
{
	free(rp);
}

void
replies_set_fn(struct replies *rp, replies_fn fn, void *arg)
{
	rp->fn = fn;
	rp->arg = arg;
}

/* The complaint's row, handed on while the spool still holds it in memory. */
struct replies_match {
	struct replies *rp;
	const struct reply_record *r;
	int matched;
	int rc;
};

static void
replies_matched(void *arg, const struct spool_mention *sm)
{
	struct replies_match *mt = arg;
	struct reply_record r = *mt->r;

	mt->matched = 1;
	r.complaint = sm;
	if (mt->rp->fn)
		mt->rc = mt->rp->fn(mt->rp->arg, &r);
}

int
replies_take(struct replies *rp, const struct reply_record *r)
{
	struct replies_match mt = {rp, r, 0, 0};
	char labels[200], esc[160], when[32];

	if (spool_mention_by_id(rp->spool, r->mention_id, replies_matched, &mt) < 0) {
		log_warnx("spool: cannot look up mention %s for a public reply: %s", r->mention_id,
		          spool_error(rp->spool));
		metrics_add("keluh_spool_errors_total", NULL, 1);
		return -1;
	}
	if (mt.rc < 0)
		return -1;
	metrics_label_value(esc, sizeof(esc), r->source);
	snprintf(labels, sizeof(labels), "source=\"%s\"", esc);
	metrics_add("keluh_public_replies_total", labels, 1);
	util_iso8601(r->at_ms, when, sizeof(when));
	if (!mt.matched) {
		metrics_add("keluh_public_replies_unmatched_total", labels, 1);
		log_debug("source %s: public reply %s to %s by %s at %s: no complaint has that id",
		          r->source, r->reply_id, r->mention_id, r->brand, when);
		return 0;
	}
	log_info("source %s: public reply to %s by %s at %s", r->source, r->mention_id, r->brand,
	         when);
	return 0;
}
