/*
 * source_queue.h: the items of a polled answer (or a backfill page) that a
 * source has not handed to the daemon yet, oldest first, with the timer
 * that offers them again when the daemon cannot take one now. json-poll,
 * rss, reddit and mastodon's backfill share it. Loop thread only.
 *
 * The queue owns the items pushed (one reference each) and their aux
 * (freed with free()); the source owns the queue, which lives inside it.
 */
#ifndef KELUH_SOURCE_QUEUE_H
#define KELUH_SOURCE_QUEUE_H

#include <stddef.h>

#include <event2/event.h>
#include <jansson.h>

/* A pause before an item refused is offered again. */
#define SOURCE_QUEUE_RETRY_MS 200

/*
 * Hands one item to the daemon: < 0 when it cannot take it now (the item
 * stays first, offered again after SOURCE_QUEUE_RETRY_MS), else it is done
 * with (taken or skipped). item may be NULL when NULL was pushed.
 */
typedef int (*source_queue_take_fn)(void *arg, json_t *item, void *aux);
/* Called once the queue has been emptied, after it is cleared: may push again. */
typedef void (*source_queue_done_fn)(void *arg);

struct source_queue_entry {
	json_t *item;
	void *aux;
};

struct source_queue {
	struct event *retry;
	struct source_queue_entry *v;
	size_t n, next, cap;
	/* at most this many items (0: the answer's size, bounded by its producer, is the bound) */
	size_t max;
	const char *name; /* the source's, for the log: owned by the source */
	source_queue_take_fn take;
	source_queue_done_fn done;
	void *arg;
};

void source_queue_init(struct source_queue *, struct event_base *, const char *name, size_t max,
                       source_queue_take_fn take, source_queue_done_fn done, void *arg);
/*
 * Adds an item last (the queue takes the reference, and aux). -1 when the
 * queue holds max already: the item and aux are freed, the bound counted
 * (keluh_bound_hits_total{bound="source_queue"}) and logged.
 */
int source_queue_push(struct source_queue *, json_t *item, void *aux);
/* Offers the items in order until one is refused or all are done. */
void source_queue_drain(struct source_queue *);
/* Whether items wait: a new poll waits until they are all taken. */
int source_queue_busy(const struct source_queue *);
size_t source_queue_len(const struct source_queue *);
/* Drops the items left (the retry timer too). */
void source_queue_clear(struct source_queue *);
void source_queue_free(struct source_queue *);

#endif
