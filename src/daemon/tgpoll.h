/*
 * tgpoll.h: Telegram button presses by long polling (updates: poll, the
 * default), for receivers behind NAT that Telegram cannot call.
 *
 * One getUpdates loop per telegram receiver with a bot token, on curlev
 * (never blocking the loop): a request waits up to TGPOLL_TIMEOUT_S for
 * updates; each button press becomes cases_act (actions_apply) in the loop
 * pass, together with the next offset in the spool's cursors
 * ("telegram:<name>"). Only once that commit is durable does keluhd
 * answer the presses (answerCallbackQuery) and ask for the next updates
 * with the new offset, which is what confirms them to Telegram: a crash
 * before the commit gets the same updates again, a restart after it does
 * not replay them. Errors back off from 1 s to TGPOLL_BACKOFF_MAX_S.
 * Loop thread only.
 */
#ifndef KELUH_TGPOLL_H
#define KELUH_TGPOLL_H

#include <event2/event.h>

#include "conf/conf.h"
#include "daemon/cases.h"
#include "daemon/pass.h"
#include "net/curlev.h"
#include "receivers/action.h"
#include "store/spool.h"

#define TGPOLL_TIMEOUT_S     25        /* getUpdates' long-polling timeout */
#define TGPOLL_BACKOFF_MAX_S 300       /* the longest wait after errors */
#define TGPOLL_MAX_BODY      (4 << 20) /* bytes of one getUpdates answer */
#define TGPOLL_MAX_ANSWERS   200       /* answerCallbackQuery requests in flight */

struct tgpoll_env {
	struct event_base *base;
	struct curlev *ce;
	struct spool *spool;
	struct pass *pass;
	struct cases *cases;
	/* applies a press and says what to answer (actions_apply of actions.h) */
	enum cases_rc (*apply)(struct cases *, const struct rcv_action *a, int64_t now_ms,
	                       char *text, size_t textlen);
};

struct tgpoll;

/* Starts a loop for every telegram receiver of c with updates: poll. */
struct tgpoll *tgpoll_new(const struct tgpoll_env *, const struct conf *c);
/* Stops every loop (their transfers cancelled, their pass waits forgotten). */
void tgpoll_free(struct tgpoll *);
/* On reload: loops of receivers gone (or now webhook) stop, new ones start. */
void tgpoll_set_conf(struct tgpoll *, const struct conf *c);

#endif
