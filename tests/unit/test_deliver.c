#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "conf/conf.h"
#include "daemon/deliver.h"
#include "lib/diag.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "receivers/receiver.h"
#include "store/spool.h"
#include "unit.h"

/* The cap of a retry's full-jitter delay: 1 s, doubling per attempt, at most 5 min. */
START_TEST(backoff_cap)
{
	ck_assert_int_eq(deliver_backoff_cap(1), 1000);
	ck_assert_int_eq(deliver_backoff_cap(2), 2000);
	ck_assert_int_eq(deliver_backoff_cap(3), 4000);
	ck_assert_int_eq(deliver_backoff_cap(9), 256000);
	ck_assert_int_eq(deliver_backoff_cap(10), 300000);
	ck_assert_int_eq(deliver_backoff_cap(1000), 300000);
}
END_TEST

/* Each kind says how its requests travel: the console prints, email is SMTP, the rest HTTP. */
START_TEST(transport_per_kind)
{
	for (int t = 0; t < RCV__N; t++) {
		struct receiver r = { .type = (enum rcv_type)t };
		enum rcv_transport want = t == RCV_CONSOLE ? RCV_TR_CONSOLE :
		    t == RCV_EMAIL ? RCV_TR_SMTP : RCV_TR_HTTP;

		ck_assert_msg(receiver_transport(&r) == want, "%s: %s", receiver_type_name(r.type),
		    receiver_transport_name(receiver_transport(&r)));
	}
	ck_assert_str_eq(receiver_transport_name(RCV_TR_SMTP), "smtp");
	ck_assert_str_eq(receiver_transport_name(RCV_TR__N), "unknown");
}
END_TEST

/* --- a peer on 127.0.0.1 that answers one connection ------------------------ */

struct peer {
	int fd, port;
	int smtp;		/* speak SMTP; else HTTP */
	const char *answer;	/* HTTP: the whole answer; SMTP: the reply to RCPT TO */
	char first[1024];	/* the first line the client sent */
	pthread_t th;
};

static ssize_t
peer_line(int fd, char *line, size_t max)
{
	size_t n = 0;

	while (n + 1 < max) {
		ssize_t k = recv(fd, line + n, 1, 0);

		if (k <= 0)
			return -1;
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	return (ssize_t)n;
}

static void
peer_send(int fd, const char *s)
{
	ssize_t n = send(fd, s, strlen(s), MSG_NOSIGNAL);

	(void)n;
}

/* HTTP: the request's head and body are read whole before the answer goes. */
static void
peer_http(struct peer *p, int c)
{
	char line[1024];
	long len = 0;

	while (peer_line(c, line, sizeof(line)) > 0) {
		if (p->first[0] == '\0')
			snprintf(p->first, sizeof(p->first), "%s", line);
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			len = strtol(line + 15, NULL, 10);
		if (strcmp(line, "\r\n") == 0)
			break;
	}
	while (len > 0 && recv(c, line, len < (long)sizeof(line) ? (size_t)len : sizeof(line),
	    0) > 0)
		len -= len < (long)sizeof(line) ? len : (long)sizeof(line);
	peer_send(c, p->answer);
}

static void
peer_smtp(struct peer *p, int c)
{
	char line[1024];

	peer_send(c, "220 peer ESMTP\r\n");
	while (peer_line(c, line, sizeof(line)) > 0) {
		if (p->first[0] == '\0')
			snprintf(p->first, sizeof(p->first), "%s", line);
		if (strncmp(line, "RCPT", 4) == 0)
			peer_send(c, p->answer);
		else if (strncmp(line, "QUIT", 4) == 0) {
			peer_send(c, "221 bye\r\n");
			break;
		} else
			peer_send(c, "250 ok\r\n");
	}
}

static void *
peer_run(void *arg)
{
	struct peer *p = arg;
	struct timeval tv = { 10, 0 };
	int c = accept(p->fd, NULL, NULL);

	if (c < 0)
		return NULL;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (p->smtp)
		peer_smtp(p, c);
	else
		peer_http(p, c);
	close(c);
	return NULL;
}

static void
peer_start(struct peer *p, int smtp, const char *answer)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	memset(p, 0, sizeof(*p));
	p->smtp = smtp;
	p->answer = answer;
	p->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(p->fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(p->fd, 4), 0);
	ck_assert_int_eq(getsockname(p->fd, (struct sockaddr *)&sa, &len), 0);
	p->port = ntohs(sa.sin_port);
	ck_assert_int_eq(pthread_create(&p->th, NULL, peer_run, p), 0);
}

static void
peer_stop(struct peer *p)
{
	shutdown(p->fd, SHUT_RDWR);	/* an accept() still waiting returns */
	pthread_join(p->th, NULL);
	close(p->fd);
}

/* --- the scheduler on a spool, with one receiver --------------------------- */

static char dir[256];
static struct spool *sp;
static struct event_base *base;
static struct curlev *ce;
static struct conf *cf;
static struct deliver *dl;

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char path[300], err[300];

	metrics_init();
	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	snprintf(dir, sizeof(dir), "%s/keluh-deliver.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/spool.db", dir);
	sp = spool_open(path, 0, err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
	base = event_base_new();
	ce = curlev_new(base);
	cf = NULL;
	dl = NULL;
}

static void
teardown(void)
{
	DIR *d;
	struct dirent *e;
	char p[600];

	deliver_free(dl);
	curlev_free(ce);
	conf_free(cf);
	spool_close(sp);
	event_base_free(base);
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
	curl_global_cleanup();
	metrics_free();
}

static const char alert_json[] = "{\"type\":\"keluh.alert\",\"version\":2,\"alert\":{"
    "\"id\":\"a-1\",\"group\":\"rule=r\",\"priority\":\"high\",\"team\":\"tech\","
    "\"incident\":false,\"rules\":[\"r\"],\"rule_info\":[{\"id\":\"r\",\"description\":"
    "\"Login fails\",\"score\":5}],\"tags\":[],\"count\":1,\"total\":1,\"suppressed\":0,"
    "\"first_at\":\"2026-11-22T03:00:00Z\",\"last_at\":\"2026-11-22T03:00:00Z\","
    "\"top_authors\":[],\"mentions\":[{\"id\":\"m1\",\"source\":\"tw\",\"text\":"
    "\"cannot login since this morning\",\"author\":{\"handle\":\"ani\"},\"score\":5,"
    "\"priority\":\"high\",\"rules\":[\"r\"],\"matches\":[]}]}}";

/* keluhd.yaml with this one receiver, named r; the scheduler on it; one alert due for r. */
static int64_t
one_delivery(const char *receiver_yaml)
{
	const char *names[] = { "r" };
	int64_t expires[1], now = util_now_ms(), id;
	char path[300];
	struct spool_delivery sd;
	struct diag d;
	FILE *f;

	snprintf(path, sizeof(path), "%s/keluhd.yaml", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "receivers:\n  - %s\nroutes:\n  - receivers: [r]\n", receiver_yaml);
	fclose(f);
	diag_init(&d);
	cf = conf_load(path, &d);
	ck_assert_msg(cf != NULL, "%s", d.n ? d.items[0].msg : "?");
	diag_free(&d);
	expires[0] = now + 3600 * 1000;
	spool_begin(sp);
	ck_assert_int_gt(spool_add_alert(sp, "a-1", "rule=r", 3, "tech", now, alert_json, NULL, 0,
	    names, expires, 1, now), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_due(sp, "r", now, NULL, 0, &sd, 1), 1);
	id = sd.id;
	spool_delivery_free(&sd);
	dl = deliver_new(base, ce, sp, cf);
	return id;
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
}

/*
 * Runs the loop, committing at the end of each pass as keluhd does, until
 * delivery id has an outcome: delivered, dead, or an attempt counted.
 */
static void
outcome(int64_t id, struct spool_delivery *sd)
{
	struct timeval tv = { 0, 20000 };
	struct event *t = event_new(base, -1, EV_PERSIST, tick, NULL);
	int64_t until = util_now_ms() + 20000;

	evtimer_add(t, &tv);
	deliver_kick(dl, 0);
	for (;;) {
		event_base_loop(base, EVLOOP_ONCE);
		ck_assert_int_eq(spool_commit(sp), 0);
		ck_assert_int_eq(spool_get_delivery(sp, id, sd), 1);
		if (sd->state != SPOOL_PENDING || sd->attempts > 0)
			break;
		spool_delivery_free(sd);
		ck_assert_msg(util_now_ms() < until, "no outcome for delivery %lld",
		    (long long)id);
	}
	event_free(t);
}

/* The console prints the rendered text at once, and the delivery is done. */
START_TEST(console_prints)
{
	int64_t id = one_delivery("{name: r, type: console}");
	struct spool_delivery sd;
	char out[300], got[4096];
	int saved, fd;
	ssize_t n;

	snprintf(out, sizeof(out), "%s/stdout", dir);
	fflush(stdout);
	saved = dup(1);
	ck_assert_int_ge(fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600), 0);
	dup2(fd, 1);
	close(fd);
	outcome(id, &sd);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	ck_assert_int_eq(sd.state, SPOOL_DELIVERED);
	ck_assert_int_eq(deliver_inflight(dl), 0);
	spool_delivery_free(&sd);
	ck_assert_int_ge(fd = open(out, O_RDONLY), 0);
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	got[n] = '\0';
	ck_assert_msg(strstr(got, "HIGH") && strstr(got, "cannot login since this morning"),
	    "printed:\n%s", got);
}
END_TEST

/* A webhook goes by HTTP: a 503 is retried, when the platform asks and with its reason. */
START_TEST(http_retry)
{
	struct peer p;
	char yaml[300];
	struct spool_delivery sd;
	int64_t id, t0;

	peer_start(&p, 0, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120\r\n"
	    "Content-Length: 4\r\nConnection: close\r\n\r\nbusy");
	snprintf(yaml, sizeof(yaml), "{name: r, type: webhook, url: \"http://127.0.0.1:%d/hook\"}",
	    p.port);
	id = one_delivery(yaml);
	t0 = util_now_ms();
	outcome(id, &sd);
	peer_stop(&p);
	ck_assert_str_eq(p.first, "POST /hook HTTP/1.1\r\n");
	ck_assert_int_eq(sd.state, SPOOL_PENDING);
	ck_assert_int_eq(sd.attempts, 1);
	ck_assert_str_eq(sd.last_error, "HTTP 503: busy");
	ck_assert_int_ge(sd.due_ms, t0 + 120000);	/* never sooner than Retry-After */
	spool_delivery_free(&sd);
}
END_TEST

/* A 2xx that is not Slack's "ok" is not Slack: a dead letter that says so. */
START_TEST(http_dead)
{
	struct peer p;
	char yaml[300];
	struct spool_delivery sd;
	int64_t id;

	peer_start(&p, 0, "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n\r\n"
	    "<html></html>");
	snprintf(yaml, sizeof(yaml), "{name: r, type: slack, url: \"http://127.0.0.1:%d/s\"}",
	    p.port);
	id = one_delivery(yaml);
	outcome(id, &sd);
	peer_stop(&p);
	ck_assert_str_eq(p.first, "POST /s HTTP/1.1\r\n");
	ck_assert_int_eq(sd.state, SPOOL_DEAD);
	ck_assert_int_eq(sd.attempts, 1);
	ck_assert_str_eq(sd.last_error, "HTTP 200: this URL did not answer like Slack's webhook; "
	    "is it a Slack URL? (it answered \"<html></html>\")");
	spool_delivery_free(&sd);
}
END_TEST

/* Email goes by SMTP: a recipient refused for good is a dead letter. */
START_TEST(smtp_dead)
{
	struct peer p;
	char yaml[300];
	struct spool_delivery sd;
	int64_t id;

	peer_start(&p, 1, "550 5.1.1 user unknown\r\n");
	snprintf(yaml, sizeof(yaml), "{name: r, type: email, url: \"smtp://127.0.0.1:%d\", "
	    "from: keluh@example.com, to: [support@example.com]}", p.port);
	id = one_delivery(yaml);
	outcome(id, &sd);
	peer_stop(&p);
	ck_assert_msg(strncmp(p.first, "EHLO ", 5) == 0, "first line: %s", p.first);
	ck_assert_int_eq(sd.state, SPOOL_DEAD);
	ck_assert_msg(strncmp(sd.last_error, "SMTP 550", 8) == 0, "%s", sd.last_error);
	spool_delivery_free(&sd);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("deliver");
	TCase *tc = tcase_create("deliver");

	tcase_add_test(tc, backoff_cap);
	tcase_add_test(tc, transport_per_kind);
	suite_add_tcase(s, tc);
	tc = tcase_create("transport");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, console_prints);
	tcase_add_test(tc, http_retry);
	tcase_add_test(tc, http_dead);
	tcase_add_test(tc, smtp_dead);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
