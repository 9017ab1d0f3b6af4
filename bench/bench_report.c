/*
 * bench_report: the arithmetic of `keluhctl report --since 30d` over many
 * cases, without the spool query that feeds it.
 *
 *   bench_report [N]
 *	N cases (default 100000) opened over 30 days, 5 teams, every
 *	priority, 8 topics, acks within 2 hours, half with a first reply,
 *	two thirds resolved within 3 days; business hours Asia/Jakarta
 *	mon-fri 08:00-17:00 for all but critical. One pass of
 *	sla_report_add, then sla_report_json. Prints one line:
 *	  mode=report cases=N ms=T json_bytes=B peak_rss_kb=P
 *	where T covers the pass and the render, not loading the config.
 *
 * The cases come from a fixed seed, so runs compare.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/sla_report.h"
#include "lib/diag.h"

static const char yaml[] = "business_hours: {timezone: Asia/Jakarta, days: mon-fri, "
                           "hours: 08:00-17:00, holidays: [2026-12-25]}\n"
                           "sla:\n"
                           "  critical: {ack: 15m, resolve: 4h}\n"
                           "  high: {ack: 1h, first_reply: 2h, resolve: 1d}\n"
                           "  normal: {ack: 4h, first_reply: 4h, resolve: 3d}\n"
                           "  low: {ack: 1d, resolve: 5d}\n"
                           "  teams: {billing: {critical: {ack: 10m}}}\n";

static struct conf *
load(void)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[512];
	struct conf *c;
	struct diag d;
	int fd;

	snprintf(path, sizeof(path), "%s/bench-report.XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0 || write(fd, yaml, sizeof(yaml) - 1) < 0) {
		perror(path);
		exit(1);
	}
	close(fd);
	diag_init(&d);
	c = conf_load(path, &d);
	unlink(path);
	if (c == NULL)
		diag_print(&d, stderr);
	diag_free(&d);
	return c;
}

/* A small fixed-seed generator: the same cases on every run and libc. */
static uint64_t
next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int
main(int argc, char **argv)
{
	static const char *const teams[] = {"billing", "tech", "cs", "app", "ops"};
	static const char *const topics[] = {"refund", "login",     "topup",    "fraud",
	                                     "ads",    "app.crash", "delivery", "promo"};
	long n = argc > 1 ? atol(argv[1]) : 100000;
	int64_t until = 1796000000000LL, since = until - 30 * 86400000LL;
	struct conf *c = load();
	struct timespec a, b;
	struct rusage ru;
	struct buf out;
	uint64_t s = 88172645463325252ULL;

	if (c == NULL || n <= 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct sla_report *r = sla_report_new(c, since, until, NULL);
	for (long i = 0; i < n; i++) {
		int64_t o = since + (int64_t)(next(&s) % (30 * 86400000ULL));
		struct sla_report_case k = {
		    teams[i % 5],
		    (enum prio)(1 + i % 4),
		    topics[next(&s) % 8],
		    o,
		    o + (int64_t)(next(&s) % 7200000),
		    next(&s) % 2 ? o + (int64_t)(next(&s) % 86400000) : -1,
		    next(&s) % 3 ? o + (int64_t)(next(&s) % (3 * 86400000ULL)) : -1,
		};

		sla_report_add(r, &k);
	}
	buf_init(&out);
	sla_report_json(r, &out);
	clock_gettime(CLOCK_MONOTONIC, &b);
	getrusage(RUSAGE_SELF, &ru);
	printf("mode=report cases=%ld ms=%.1f json_bytes=%zu peak_rss_kb=%ld\n", n,
	       (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6, out.len,
	       ru.ru_maxrss);
	buf_free(&out);
	sla_report_free(r);
	conf_free(c);
	return 0;
}
