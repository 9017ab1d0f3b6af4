/*
 * hooks.c: /v1/hooks/NAME, the push sources' path (see hooks.h).
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/hooks.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

#define HOOKS_PREFIX "/v1/hooks/"
/* Calls the kinds may hold unanswered (a look-up before the answer); 503 above. */
#define MAX_WITH_KINDS 1024

enum call_state { WITH_KIND, ORPHANED, COMMITTING };

/* One request to /v1/hooks/NAME, from the kind's handle to its answer. */
struct call {
	struct pass_wait pw;  /* first: the pass hands it back (COMMITTING) */
	struct source_hook h; /* the kind's handle */
	struct source_hook_req r;
	struct hooks *hk;
	struct call *prev, *next; /* hk->calls: WITH_KIND and ORPHANED */
	enum call_state state;
	struct httpd_req *req; /* NULL: the client left, or answered 503 at the stop */
	struct source *src;    /* NULL once orphaned */
	char *source;          /* its name, for the metrics: the source may stop first */
	char *answer;          /* taken: the 200's body */
	char *copy;            /* the client left: method, query and body, copied */
};

struct hooks {
	struct hooks_env env;
	struct call *calls;
	size_t nwith, ncommitting;
};

static const struct source_hook_ops call_ops;

static void
gauges(const struct hooks *hk)
{
	metrics_set("keluh_hooks_pending", "state=\"with_source\"", (double)hk->nwith);
	metrics_set("keluh_hooks_pending", "state=\"commit\"", (double)hk->ncommitting);
}

static void
counted(const struct call *c, int status)
{
	char labels[300];

	snprintf(labels, sizeof(labels), "source=\"%s\",status=\"%d\"", c->source, status);
	metrics_add("keluh_hook_answers_total", labels, 1);
}

struct hooks *
hooks_new(const struct hooks_env *env)
{
	struct hooks *hk = xcalloc(1, sizeof(*hk));

	hk->env = *env;
	if (hk->env.max_with_sources == 0)
		hk->env.max_with_sources = MAX_WITH_KINDS;
	return hk;
}

static void
call_free(struct call *c)
{
	free(c->source);
	free(c->answer);
	free(c->copy);
	free(c);
}

static void
call_unlink(struct call *c)
{
	struct hooks *hk = c->hk;

	if (c->prev)
		c->prev->next = c->next;
	else
		hk->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	hk->nwith--;
	gauges(hk);
}

void
hooks_free(struct hooks *hk)
{
	if (hk == NULL)
		return;
	while (hk->calls) {
		struct call *c = hk->calls;

		call_unlink(c);
		call_free(c);
	}
	free(hk);
}

static struct call *
of_hook(struct source_hook *h)
{
	return (struct call *)(void *)((char *)h - offsetof(struct call, h));
}

static void
reply_503(struct httpd_req *req, const char *msg)
{
	char body[300];
	int n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}\n", msg);

	httpd_reply(req, 503, "application/json", "Retry-After: 5\r\n", body, (size_t)n);
}

/* The request goes (the client left, or it is answered now): what the kind may read is copied. */
static void
call_detach(struct call *c)
{
	size_t lm = strlen(c->r.method), lq = strlen(c->r.query);

	c->copy = xmalloc(lm + lq + c->r.len + 3);
	memcpy(c->copy, c->r.method, lm + 1);
	memcpy(c->copy + lm + 1, c->r.query, lq + 1);
	memcpy(c->copy + lm + lq + 2, c->r.body, c->r.len);
	c->copy[lm + lq + 2 + c->r.len] = '\0';
	c->r.method = c->copy;
	c->r.query = c->copy + lm + 1;
	c->r.body = c->copy + lm + lq + 2;
	c->req = NULL;
}

static void
cancel_with_kind(void *arg)
{
	struct call *c = arg;

	call_detach(c);
	log_debug("source %s: the client left before the answer; it will be dropped", c->source);
}

/* The client left while its call waits for the commit: what it carried stays taken. */
static void
cancel_committing(void *arg)
{
	struct call *c = arg;

	pass_cancel(c->hk->env.pass, &c->pw);
	c->hk->ncommitting--;
	gauges(c->hk);
	call_free(c);
}

static void
call_committed(struct pass_wait *pw, int ok)
{
	struct call *c = (struct call *)pw;

	c->hk->ncommitting--;
	gauges(c->hk);
	counted(c, ok ? 200 : 503);
	if (ok)
		httpd_reply(c->req, 200, "application/json", NULL, c->answer, strlen(c->answer));
	else
		reply_503(c->req, "could not store the events; send them again");
	call_free(c);
}

static void
call_taken(struct source_hook *h, const char *body)
{
	struct call *c = of_hook(h);
	struct hooks *hk = c->hk;

	call_unlink(c);
	if (c->src)
		source_heard(c->src);
	if (c->req == NULL) {
		call_free(c);
		return;
	}
	c->state = COMMITTING;
	c->answer = xstrdup(body ? body : "{}");
	c->pw.answer = call_committed;
	hk->ncommitting++;
	gauges(hk);
	httpd_req_on_cancel(c->req, cancel_committing, c);
	/* answered after the commit that holds what the kind emitted (one per pass) */
	pass_wait(hk->env.pass, &c->pw, 0);
}

static void
call_reply(struct source_hook *h, int status, const char *content_type, const char *extra_headers,
           const char *body, size_t len)
{
	struct call *c = of_hook(h);

	call_unlink(c);
	if (c->src && status >= 200 && status < 300)
		source_heard(c->src);
	if (c->req) {
		counted(c, status);
		httpd_reply(c->req, status, content_type, extra_headers, body, len);
	}
	call_free(c);
}

static const struct source_hook_ops call_ops = {call_taken, call_reply};

static const char *
call_header(const struct source_hook_req *r, const char *name)
{
	const struct call *c = r->ctx;

	return c->req ? httpd_header(c->req, name) : NULL;
}

/* Hands req to src's kind, which answers it through call_ops, now or later. */
static void
call_start(struct hooks *hk, struct source *src, const struct source_kind *kind,
           struct httpd_req *req)
{
	struct call *c = xcalloc(1, sizeof(*c));

	c->hk = hk;
	c->h.ops = &call_ops;
	c->h.arg = c;
	c->req = req;
	c->src = src;
	c->source = xstrdup(source_name(src));
	c->r.method = httpd_method(req);
	c->r.query = httpd_query(req);
	c->r.body = httpd_body(req);
	c->r.len = httpd_body_len(req);
	c->r.header = call_header;
	c->r.ctx = c;
	c->next = hk->calls;
	if (hk->calls)
		hk->calls->prev = c;
	hk->calls = c;
	hk->nwith++;
	gauges(hk);
	httpd_req_on_cancel(req, cancel_with_kind, c);
	/* c may be gone when this returns (answered at once) */
	kind->hook(src, &c->r, &c->h);
}

static void
not_found(struct httpd_req *req, const char *name, const char *why)
{
	char msg[300];

	metrics_add("keluh_hook_not_found_total", NULL, 1);
	snprintf(msg, sizeof(msg), "%.80s: %s", name, why);
	httpd_reply_error(req, 404, msg, NULL);
}

int
hooks_route(struct hooks *hk, struct httpd_req *req)
{
	const char *path = httpd_path(req), *name;
	const struct source_kind *kind = NULL;
	struct source *src;

	if (strncmp(path, HOOKS_PREFIX, strlen(HOOKS_PREFIX)) != 0)
		return 0;
	name = path + strlen(HOOKS_PREFIX);
	/* first: while keluhd stops, its sources are gone; a 404 would make the platform give up */
	if (hk->env.open(hk->env.arg, req) < 0)
		return 1;
	src = *name && !strchr(name, '/') ? hk->env.find(hk->env.arg, name, &kind) : NULL;
	if (src == NULL) {
		not_found(req, name,
		          "no source of that name runs here (the path is /v1/hooks/ and "
		          "the name: of a push source in keluhd.yaml)");
		return 1;
	}
	if (kind->hook == NULL) {
		not_found(req, name, "this source reads or polls; it takes no webhooks");
		return 1;
	}
	if (hk->nwith >= hk->env.max_with_sources) {
		metrics_bound_hit("hooks_with_sources",
		                  "webhooks answer 503 until the sources answer those they hold");
		reply_503(req, "too many webhooks wait for an answer; retry later");
		return 1;
	}
	call_start(hk, src, kind, req);
	return 1;
}

void
hooks_source_stopping(struct hooks *hk, const struct source *src)
{
	for (struct call *c = hk->calls; c; c = c->next)
		if (c->state == WITH_KIND && c->src == src) {
			c->state = ORPHANED;
			c->src = NULL;
			if (c->req) {
				struct httpd_req *req = c->req;

				call_detach(c);
				counted(c, 503);
				reply_503(req,
				          "the source stopped before it answered; send it again");
			}
		}
}

void
hooks_source_stopped(struct hooks *hk)
{
	struct call *c = hk->calls, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->state == ORPHANED) {
			call_unlink(c);
			call_free(c);
		}
	}
}

size_t
hooks_with_kinds(const struct hooks *hk)
{
	return hk->nwith;
}

size_t
hooks_waiting(const struct hooks *hk)
{
	return hk->ncommitting;
}
