/*
 * ctl_report.c: keluhctl report, the response times of the cases opened in
 * the last --since, read from the spool (read-only, so it runs beside
 * keluhd) against the SLA targets of keluhd.yaml; and keluhctl report
 * --send N, which asks keluhd to make digest N of reports: and send it.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "conf/conf.h"
#include "conf/conf_parse.h"
#include "ctl/ctl_admin.h"
#include "ctl/ctl_int.h"
#include "daemon/digest.h"
#include "daemon/sla_report.h"
#include "lib/util.h"
#include "store/spool.h"

#define REPORT_SINCE_DEFAULT "7d"

struct report_opts {
	const char *conf_path, *spool_path, *socket, *team, *since;
	int json;
	unsigned long send; /* 0: print the report */
};

static void
report_usage(FILE *fp)
{
	fputs(
	    "usage: keluhctl report [-c FILE] [--spool PATH] [--since D] [--team T] [--json]\n"
	    "       keluhctl report --send N [-c FILE | --socket PATH] [--json]\n"
	    "  the response times of the cases opened in the last D (default " REPORT_SINCE_DEFAULT
	    "),\n"
	    "  per team and priority, against the SLA targets of FILE; --send N: keluhd makes\n"
	    "  the digest N of reports: (1 for the first) and sends it to its receivers now\n",
	    fp);
}

/* Returns 0 to go on, 1 when --help was answered, -1 on a usage error. */
static int
report_parse(int argc, char **argv, struct report_opts *o)
{
	/* one option a line, as tests/manual.sh reads them */
	// clang-format off
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "spool", required_argument, NULL, 'P' },
		{ "socket", required_argument, NULL, 'S' },
		{ "since", required_argument, NULL, 's' },
		{ "team", required_argument, NULL, 't' },
		{ "send", required_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	// clang-format on
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->since = REPORT_SINCE_DEFAULT;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->conf_path = optarg; break;
		case 'P': o->spool_path = optarg; break;
		case 'S': o->socket = optarg; break;
		case 's': o->since = optarg; break;
		case 't': o->team = optarg; break;
		case 'j': o->json = 1; break;
		case 'N':
			errno = 0;
			o->send = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || o->send == 0) {
				fprintf(stderr,
				        "keluhctl: --send takes the number of a report, 1 for "
				        "the first of reports:, not '%s'\n",
				        optarg);
				return -1;
			}
			break;
		case 'h': report_usage(stdout); return 1;
		default: report_usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "keluhctl: report takes no argument '%s'\n", argv[optind]);
		report_usage(stderr);
		return -1;
	}
	return 0;
}

/* --send N: keluhd makes the digest; it answers once it has started. */
static int
report_send(const struct report_opts *o)
{
	struct ctl_reply r;
	char path[64], *sock;
	int rc = 0;

	if ((sock = ctl_admin_socket(o->conf_path, o->socket, &rc)) == NULL)
		return rc;
	if (ctl_reachable(sock) < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(sock);
		return CTL_EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "/v1/admin/reports/%lu/send", o->send);
	if (ctl_request(sock, "POST", path, NULL, CTL_TIMEOUT_S, &r) < 0)
		rc = CTL_EXIT_FAIL;
	else if (r.status != 202)
		rc = ctl_refused(&r, "report --send", o->json);
	else if (o->json)
		ctl_print_raw(&r);
	else
		printf("keluhd is making report %lu and will send it to its receivers\n", o->send);
	ctl_reply_free(&r);
	curl_global_cleanup();
	free(sock);
	return rc;
}

static int
report_print(const struct report_opts *o)
{
	int64_t span = conf_parse_duration(o->since), now = util_now_ms();
	struct conf *c;
	struct spool *s;
	struct sla_report *r;
	char err[1024];
	struct buf b;
	int rc = 0;

	if (span <= 0) {
		fprintf(stderr,
		        "keluhctl: --since takes a duration such as 7d, 24h or 30d, not '%s'\n",
		        o->since);
		return CTL_EXIT_USAGE;
	}
	/* the targets, business hours and zone come from the configuration */
	if ((c = ctl_conf_load(o->conf_path, NULL, NULL)) == NULL)
		return CTL_EXIT_USAGE;
	s = spool_open(o->spool_path ? o->spool_path : c->spool_path, 1, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "keluhctl: %s\n", err);
		conf_free(c);
		return CTL_EXIT_FAIL;
	}
	if ((r = digest_report(s, c, now - span, now, o->team)) == NULL) {
		fprintf(stderr, "keluhctl: cannot read the cases: %s\n", spool_error(s));
		rc = CTL_EXIT_FAIL;
	} else {
		buf_init(&b);
		if (o->json)
			sla_report_json(r, &b);
		else
			sla_report_text(r, &b);
		if (b.len && b.data[b.len - 1] != '\n')
			buf_addc(&b, '\n');
		fwrite(b.data, 1, b.len, stdout);
		buf_free(&b);
		sla_report_free(r);
	}
	spool_close(s);
	conf_free(c);
	return rc;
}

int
ctl_report_main(int argc, char **argv)
{
	struct report_opts o;
	int p, rc;

	if ((p = report_parse(argc, argv, &o)) != 0)
		return p > 0 ? 0 : CTL_EXIT_USAGE;
	if (o.send && (o.team || o.spool_path || strcmp(o.since, REPORT_SINCE_DEFAULT) != 0)) {
		fprintf(stderr, "keluhctl: report --send takes the span and team of the report in "
		                "keluhd.yaml; drop --since, --team and --spool\n");
		return CTL_EXIT_USAGE;
	}
	if (!o.send && o.socket) {
		fprintf(stderr, "keluhctl: report reads the spool; --socket goes with --send N\n");
		return CTL_EXIT_USAGE;
	}
	rc = o.send ? report_send(&o) : report_print(&o);
	fflush(stdout);
	return rc;
}
