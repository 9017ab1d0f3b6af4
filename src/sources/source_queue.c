#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "sources/source_queue.h"

static void
source_queue_retry(evutil_socket_t fd, short what, void *arg)
{
	source_queue_drain(arg);
}

void
source_queue_init(struct source_queue *q, struct event_base *base, const char *name, size_t max,
                  source_queue_take_fn take, source_queue_done_fn done, void *arg)
{
	memset(q, 0, sizeof(*q));
	q->retry = evtimer_new(base, source_queue_retry, q);
	q->name = name;
	q->max = max;
	q->take = take;
	q->done = done;
	q->arg = arg;
}

int
source_queue_push(struct source_queue *q, json_t *item, void *aux)
{
	if (q->max && q->n >= q->max) {
		metrics_bound_hit("source_queue", "an answer holds more items than a source "
		                                  "queues; the rest wait for the next poll");
		log_warnx("source %s: more than %zu items in one answer; the rest are left for "
		          "the next poll",
		          q->name, q->max);
		json_decref(item);
		free(aux);
		return -1;
	}
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 16;
		q->v = xreallocarray(q->v, q->cap, sizeof(*q->v));
	}
	q->v[q->n].item = item;
	q->v[q->n].aux = aux;
	q->n++;
	return 0;
}

void
source_queue_clear(struct source_queue *q)
{
	for (size_t i = 0; i < q->n; i++) {
		json_decref(q->v[i].item);
		free(q->v[i].aux);
	}
	free(q->v);
	q->v = NULL;
	q->n = q->next = q->cap = 0;
	if (q->retry)
		evtimer_del(q->retry);
}

void
source_queue_drain(struct source_queue *q)
{
	while (q->next < q->n) {
		struct source_queue_entry *e = &q->v[q->next];

		if (q->take(q->arg, e->item, e->aux) < 0) {
			struct timeval tv = {0, SOURCE_QUEUE_RETRY_MS * 1000};

			/* the daemon cannot take it now: keep it, offer it again shortly */
			evtimer_add(q->retry, &tv);
			return;
		}
		json_decref(e->item);
		e->item = NULL;
		q->next++;
	}
	source_queue_clear(q);
	if (q->done)
		q->done(q->arg);
}

int
source_queue_busy(const struct source_queue *q)
{
	return q->next < q->n;
}

size_t
source_queue_len(const struct source_queue *q)
{
	return q->n - q->next;
}

void
source_queue_free(struct source_queue *q)
{
	source_queue_clear(q);
	if (q->retry)
		event_free(q->retry);
	q->retry = NULL;
}
