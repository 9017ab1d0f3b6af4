/*
 * ws.h: a WebSocket client (ws:// or wss://) that reads whole text
 * messages. libwebsockets runs on a thread of its own with its own service
 * loop (Debian's build has no libevent loop for it): one context and one
 * thread for every ws of the process. Complete messages come back to the
 * libevent loop through each ws's bounded queue, in batches of 512.
 *
 * Threads: every ws_* call is made on the loop thread, and every handler
 * is called there. The service thread only reads, reassembles messages
 * and queues them.
 *
 * The queue holds at most queue_max messages. When it is full, the
 * service thread stops reading from the socket (TCP pushes back on the
 * server) until the loop has taken half of them: nothing is dropped. A
 * message that still arrives when twice queue_max wait (bytes libwebsockets
 * had read already) is dropped and the connection closed, so that the
 * source reconnects from its cursor and reads it again (a "gap" note).
 * Each time the queue fills is counted as
 * keluh_bound_hits_total{bound="ws_queue"} and logged.
 *
 * A message longer than max_msg is refused (its fragments are read and
 * thrown away, up to the end of the message) and reported to toolong.
 * wss:// verifies the server's certificate against the system's CAs.
 */
#ifndef KELUH_WS_H
#define KELUH_WS_H

#include <stddef.h>

#include <event2/event.h>

struct ws;

struct ws_opts {
	const char *name; /* the source: logs */
	size_t max_msg;   /* longest message taken */
	size_t queue_max; /* messages waiting for the loop */
};

struct ws_handlers {
	/* A whole text message: 0 when done with it, -1 to be offered again later. */
	int (*message)(void *arg, const char *data, size_t len);
	/* The connection is up (up 1) or down (up 0: why says how, one line). */
	void (*state)(void *arg, int up, const char *why);
	/* A message was refused: too long (len bytes, or more), or not text. */
	void (*refused)(void *arg, const char *kind, size_t len);
	/* The queue overflowed and a message was dropped: the connection is being closed. */
	void (*gap)(void *arg);
	/* After each batch of messages handed over (a place to save a cursor once). */
	void (*batch_end)(void *arg);
	void *arg;
};

/* NULL with err filled when libwebsockets cannot start. */
struct ws *ws_new(struct event_base *, const struct ws_opts *, const struct ws_handlers *,
                  char *err, size_t errlen);
/*
 * Connects to url (ws:// or wss://host[:port]/path?query) while not
 * connected: state() tells how it went. -1 with err when the URL is not
 * one.
 */
int ws_connect(struct ws *, const char *url, char *err, size_t errlen);
/* Drops the connection (a stalled one): state(0) follows. */
void ws_close(struct ws *);
/* Messages queued and not yet handed over. */
size_t ws_pending(struct ws *);
/* Stops the service thread, joins it and frees everything (no handler is called). */
void ws_free(struct ws *);

/* Splits a ws:// or wss:// URL: 0, or -1 (why in err). The strings point into buf (a copy). */
struct ws_url {
	char *buf;
	int tls;
	const char *host;
	int port;
	const char *path; /* "/..." with the query */
};
int ws_url_parse(struct ws_url *, const char *url, char *err, size_t errlen);
void ws_url_free(struct ws_url *);

#endif
