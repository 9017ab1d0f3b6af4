/*
 * /v1/hooks/NAME (daemon/hooks.h) on a real listener with a fake push
 * kind and a pass on a fake store: what is taken is answered 200 only
 * after the commit (503 when it fails); the gates and the bound answer
 * 503 before the kind sees anything; and the ownership rules hold when a
 * kind keeps a call for later: a client that leaves meanwhile leaves the
 * request readable and its answer dropped, and a source that stops gets
 * its calls answered 503, whether its stop answers them or not. Under
 * the sanitizers any use after free or leak here fails.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/hooks.h"
#include "daemon/pass.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "net/httpd.h"
#include "sources/source.h"
#include "unit.h"

enum mode { TAKE, HOLD, REPLY };

static struct event_base *base;
static struct httpd *srv;
static struct pass *pass;
static struct hooks *hk;
static int port, gate_closed, fail_commit, scheduled, kind_calls;
static enum mode mode;
/* what the kind holds in HOLD */
static struct source_hook *held[4];
static const struct source_hook_req *held_req[4];
static size_t nheld;
static char push_name[] = "push", pull_name[] = "pull";
static struct source push_src = {.name = push_name}, pull_src = {.name = pull_name};

/* --- the fake kind ---------------------------------------------------------- */

static void
fake_hook(struct source *s, const struct source_hook_req *r, struct source_hook *h)
{
	kind_calls++;
	if (mode == TAKE)
		source_hook_taken(h, "{\"taken\":1}");
	else if (mode == REPLY)
		source_hook_reply(h, 202, "text/plain", "now", 3);
	else {
		ck_assert_uint_lt(nheld, 4);
		held_req[nheld] = r;
		held[nheld++] = h;
	}
}

static const struct source_kind push_kind = {.hook = fake_hook}, pull_kind = {.hook = NULL};

static struct source *
find(void *arg, const char *name, const struct source_kind **kind)
{
	if (strcmp(name, "push") == 0)
		return *kind = &push_kind, &push_src;
	if (strcmp(name, "pull") == 0)
		return *kind = &pull_kind, &pull_src;
	return NULL;
}

static int
gate(void *arg, struct httpd_req *req)
{
	if (!gate_closed)
		return 0;
	httpd_reply(req, 503, "application/json", "Retry-After: 5\r\n", "{}", 2);
	return -1;
}

/* --- the pass on a fake store ----------------------------------------------- */

static int in_txn;
static uint64_t seq;

static int
s_begin(void *a)
{
	return in_txn = 1, 0;
}
static int
s_in_txn(void *a)
{
	return in_txn;
}
static int
s_commit(void *a)
{
	in_txn = 0;
	return fail_commit ? -1 : (seq++, 0);
}
static int
s_sync(void *a)
{
	return 0;
}
static uint64_t
s_seq(void *a)
{
	return seq;
}
static uint64_t
s_synced(void *a, int *err)
{
	*err = 0;
	return seq;
}
static const char *
s_error(void *a)
{
	return "the fake disk said no";
}

static void
p_schedule(void *arg)
{
	scheduled = 1;
}
static void
p_answer(void *arg, struct pass_wait *w, int ok)
{
	ck_assert_ptr_nonnull(w->answer);
	w->answer(w, ok);
}
static void
p_kick(void *arg, size_t r)
{
}

/* --- the listener and a client ---------------------------------------------- */

static void
handler(void *arg, struct httpd_req *req)
{
	if (!hooks_route(hk, req))
		httpd_reply_error(req, 418, "not a hook", NULL);
}

static void
setup(void)
{
	static const struct pass_store store = {s_begin, s_in_txn, s_commit, s_sync, s_sync,
	                                        s_seq,   s_synced, s_error,  NULL,   0};
	static const struct pass_hooks ph = {p_schedule, NULL, p_answer, p_kick, NULL, NULL};
	struct httpd_limits lim = {.max_body = 4096, .max_connections = 16};
	char err[200];

	metrics_init();
	base = event_base_new();
	srv = httpd_new(base, "127.0.0.1:0", &lim, handler, NULL, err, sizeof(err));
	ck_assert_msg(srv != NULL, "%s", err);
	port = httpd_port(srv);
	pass = pass_new(&store, NULL, &ph, 0);
	hk = hooks_new(&(struct hooks_env){pass, find, gate, NULL, 2});
	gate_closed = fail_commit = scheduled = kind_calls = 0;
	nheld = 0;
	mode = TAKE;
}

static void
teardown(void)
{
	httpd_free(srv);
	hooks_free(hk);
	pass_free(pass);
	event_base_free(base);
	metrics_free();
}

static void
spin(int n)
{
	for (int i = 0; i < n; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
}

/* A POST of body to path, sent now; the connection's fd. */
static int
post(const char *path, const char *body)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	char req[1024];
	int fd = socket(AF_INET, SOCK_STREAM, 0), n;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	n = snprintf(req, sizeof(req),
	             "POST %s HTTP/1.1\r\nHost: x\r\nX-Sig: abc\r\nContent-Length: %zu\r\n\r\n%s",
	             path, strlen(body), body);
	ck_assert_int_eq(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* What came back on fd by now, with the loop run meanwhile ("" when nothing). */
static const char *
answer(int fd, int spins)
{
	static char buf[4096];
	size_t len = 0;
	ssize_t r;

	buf[0] = '\0';
	for (int i = 0; i < spins && !strstr(buf, "\r\n\r\n"); i++) {
		spin(1);
		while ((r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0)) > 0)
			len += (size_t)r;
		buf[len] = '\0';
	}
	spin(5);
	while ((r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0)) > 0)
		len += (size_t)r;
	buf[len] = '\0';
	return buf;
}

static int
status_of(const char *a)
{
	int st = 0;

	return sscanf(a, "HTTP/1.1 %d", &st) == 1 ? st : 0;
}

/* --- tests ------------------------------------------------------------------- */

START_TEST(not_found)
{
	int fd = post("/v1/hooks/nosuch", "{}");
	const char *a = answer(fd, 200);

	ck_assert_int_eq(status_of(a), 404);
	ck_assert_ptr_nonnull(strstr(a, "nosuch: no source of that name"));
	close(fd);
	fd = post("/v1/hooks/pull", "{}");
	a = answer(fd, 200);
	ck_assert_int_eq(status_of(a), 404);
	ck_assert_ptr_nonnull(strstr(a, "takes no webhooks"));
	close(fd);
	fd = post("/v1/hooks/push/more", "{}");
	ck_assert_int_eq(status_of(answer(fd, 200)), 404);
	close(fd);
	fd = post("/v1/other", "{}");
	ck_assert_int_eq(status_of(answer(fd, 200)), 418);
	close(fd);
	ck_assert_int_eq(kind_calls, 0);
	ck_assert(metrics_get("keluh_hook_not_found_total", NULL) == 3);
}
END_TEST

/* 200 only once the pass is committed; 503 when the commit fails. */
START_TEST(taken_after_commit)
{
	int fd = post("/v1/hooks/push", "{\"a\":1}");
	const char *a = answer(fd, 100);

	ck_assert_int_eq(kind_calls, 1);
	ck_assert_str_eq(a, "");
	ck_assert_int_eq(scheduled, 1);
	ck_assert_uint_eq(hooks_waiting(hk), 1);
	pass_open(pass);
	pass_end(pass, 0);
	a = answer(fd, 200);
	ck_assert_int_eq(status_of(a), 200);
	ck_assert_ptr_nonnull(strstr(a, "{\"taken\":1}"));
	ck_assert_uint_eq(hooks_waiting(hk), 0);
	close(fd);

	fail_commit = 1;
	fd = post("/v1/hooks/push", "{\"a\":2}");
	spin(50);
	pass_open(pass);
	pass_end(pass, 0);
	a = answer(fd, 200);
	ck_assert_int_eq(status_of(a), 503);
	ck_assert_ptr_nonnull(strstr(a, "Retry-After: 5"));
	close(fd);
	ck_assert(metrics_get("keluh_hook_answers_total", "source=\"push\",status=\"503\"") == 1);
}
END_TEST

START_TEST(gates_first)
{
	int fd;

	gate_closed = 1;
	fd = post("/v1/hooks/push", "{}");
	ck_assert_int_eq(status_of(answer(fd, 200)), 503);
	ck_assert_int_eq(kind_calls, 0);
	close(fd);
	gate_closed = 0;
	mode = REPLY;
	fd = post("/v1/hooks/push", "{}");
	ck_assert_int_eq(status_of(answer(fd, 200)), 202);
	close(fd);
}
END_TEST

/* At max_with_sources held calls, the next is 503 and counted; the kind never sees it. */
START_TEST(bound)
{
	int f1, f2, f3;
	const char *a;

	mode = HOLD;
	f1 = post("/v1/hooks/push", "one");
	f2 = post("/v1/hooks/push", "two");
	spin(100);
	ck_assert_uint_eq(nheld, 2);
	f3 = post("/v1/hooks/push", "three");
	a = answer(f3, 200);
	ck_assert_int_eq(status_of(a), 503);
	ck_assert_ptr_nonnull(strstr(a, "too many webhooks wait"));
	ck_assert_int_eq(kind_calls, 2);
	ck_assert(metrics_get("keluh_bound_hits_total", "bound=\"hooks_with_sources\"") == 1);
	source_hook_reply(held[0], 200, "text/plain", "a", 1);
	source_hook_reply(held[1], 200, "text/plain", "b", 1);
	ck_assert_int_eq(status_of(answer(f1, 200)), 200);
	ck_assert_int_eq(status_of(answer(f2, 200)), 200);
	ck_assert_uint_eq(hooks_with_kinds(hk), 0);
	close(f1);
	close(f2);
	close(f3);
}
END_TEST

/* The client leaves while the kind holds the call: the request stays readable, the answer is
 * dropped. */
START_TEST(client_leaves)
{
	int fd;
	const struct source_hook_req *r;

	mode = HOLD;
	fd = post("/v1/hooks/push?x=1", "the body");
	spin(100);
	ck_assert_uint_eq(nheld, 1);
	r = held_req[0];
	ck_assert_str_eq(r->header(r, "X-Sig"), "abc");
	close(fd);
	for (int i = 0; i < 500 && r->header(r, "X-Sig") != NULL; i++)
		spin(1);
	ck_assert_ptr_null(r->header(r, "X-Sig"));
	ck_assert_str_eq(r->method, "POST");
	ck_assert_str_eq(r->query, "x=1");
	ck_assert_uint_eq(r->len, 8);
	ck_assert_mem_eq(r->body, "the body", 8);
	source_hook_taken(held[0], NULL);
	ck_assert_uint_eq(hooks_with_kinds(hk), 0);
	ck_assert_uint_eq(hooks_waiting(hk), 0);
	/* the same with a taken call waiting for its commit */
	mode = TAKE;
	fd = post("/v1/hooks/push", "x");
	spin(100);
	ck_assert_uint_eq(hooks_waiting(hk), 1);
	close(fd);
	for (int i = 0; i < 500 && hooks_waiting(hk); i++)
		spin(1);
	ck_assert_uint_eq(hooks_waiting(hk), 0);
	pass_open(pass);
	pass_end(pass, 0);
}
END_TEST

/* The source stops while its kind holds calls: 503 now, whatever its stop does with them. */
START_TEST(source_stops)
{
	int f1, f2;
	const char *a;

	mode = HOLD;
	f1 = post("/v1/hooks/push", "one");
	f2 = post("/v1/hooks/push", "two");
	spin(100);
	ck_assert_uint_eq(nheld, 2);
	hooks_source_stopping(hk, &pull_src);
	ck_assert_str_eq(answer(f1, 20), "");
	hooks_source_stopping(hk, &push_src);
	a = answer(f1, 200);
	ck_assert_int_eq(status_of(a), 503);
	ck_assert_ptr_nonnull(strstr(a, "the source stopped before it answered"));
	ck_assert_int_eq(status_of(answer(f2, 200)), 503);
	/* its stop answers one (dropped; the body is still there to read) and forgets the other */
	ck_assert_mem_eq(held_req[0]->body, "one", 3);
	source_hook_reply(held[0], 200, "text/plain", "late", 4);
	hooks_source_stopped(hk);
	ck_assert_uint_eq(hooks_with_kinds(hk), 0);
	close(f1);
	close(f2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hooks");
	TCase *tc = tcase_create("hooks");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, not_found);
	tcase_add_test(tc, taken_after_commit);
	tcase_add_test(tc, gates_first);
	tcase_add_test(tc, bound);
	tcase_add_test(tc, client_leaves);
	tcase_add_test(tc, source_stops);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
