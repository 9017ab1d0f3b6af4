/*
 * source_bluesky.h: how the bluesky source reads one Jetstream event (a
 * JSON text message), apart from the connection, so that unit tests and
 * the fuzz harness can feed it. No state: the did -> handle map is the
 * caller's, through handle_fn.
 */
#ifndef KELUH_SOURCE_BLUESKY_H
#define KELUH_SOURCE_BLUESKY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The handle a did was last seen with (an identity event), or NULL. */
typedef const char *(*bluesky_handle_fn)(void *arg, const char *did);

/* One event, read. Everything is owned by it (bluesky_event_clear). */
struct bluesky_event {
	int64_t time_us;    /* Jetstream's cursor; 0 when the event had none */
	json_t *mention;    /* a new post: the mention object; else NULL */
	char *uri;          /* a new post: its at:// URI */
	const char *skip;   /* not a post to take: the kind counted ("update", "delete"...) */
	char *did, *handle; /* an identity event that names a handle */
	int links;          /* link facets whose text became the full URI */
};

/*
 * Reads data (len bytes, one message): 0 with ev filled, -1 when it is not
 * a Jetstream event (why says how, for the log; ev is empty).
 */
int bluesky_event_parse(const char *data, size_t len, bluesky_handle_fn handle, void *arg,
                        struct bluesky_event *ev, char *why, size_t whylen);
void bluesky_event_clear(struct bluesky_event *);

/*
 * text (len bytes of UTF-8) with its link facets turned into text: the
 * bytes a #link facet covers (a shortened "example.com/a..." as the app
 * shows it) become the facet's full URI, so rules see the whole address.
 * Mention (#mention) and tag (#tag) facets already read as "@handle" and
 * "#tag" and stay. A facet whose byte range is out of the text, empty,
 * overlaps another or cuts a UTF-8 character is ignored. Returns the new
 * text (malloc'd, NUL-ended, its length in *outlen); *links: how many
 * links were written out.
 */
char *bluesky_facet_text(const char *text, size_t len, json_t *facets, size_t *outlen, int *links);

#endif
