/*
 * ctl_cluster.c: keluhctl cluster, the daemons that share the spool of
 * the keluhd asked (GET /v1/admin/cluster): alive or dead, the leader,
 * the sources each runs, when each was last seen. Any daemon of the
 * cluster answers for all of them.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ctl/ctl_int.h"
#include "lib/util.h"

struct cluster_opts {
	const char *conf_path, *socket;
	int json;
};

static void
cluster_usage(FILE *fp)
{
	fputs("usage: keluhctl cluster [-c FILE | --socket PATH] [--json]\n"
	      "  the daemons that share keluhd's spool: alive or dead, the leader, the sources\n"
	      "  each runs, when each was last seen\n",
	      fp);
}

/* Returns 0 to go on, 1 when --help was answered, -1 on a usage error. */
static int
cluster_parse(int argc, char **argv, struct cluster_opts *o)
{
	/* one option a line, as tests/manual.sh reads them */
	// clang-format off
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	// clang-format on
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->conf_path = optarg; break;
		case 'S': o->socket = optarg; break;
		case 'j': o->json = 1; break;
		case 'h': cluster_usage(stdout); return 1;
		default: cluster_usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "keluhctl: cluster takes no argument '%s'\n", argv[optind]);
		cluster_usage(stderr);
		return -1;
	}
	return 0;
}

static const char *
cluster_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

static void
cluster_print(const json_t *o)
{
	const json_t *d, *v;
	size_t i, j;
	char ago[32];

	if (!json_is_true(json_object_get(o, "shared")))
		printf("one daemon (SQLite spool): %s\n", cluster_str(o, "instance"));
	else
		printf("%lld daemon(s) alive, %lld dead (dead after %llds without a heartbeat)\n",
		       (long long)json_integer_value(json_object_get(o, "alive")),
		       (long long)json_integer_value(json_object_get(o, "dead")),
		       (long long)json_integer_value(json_object_get(o, "dead_after_ms")) / 1000);
	json_array_foreach(json_object_get(o, "daemons"), i, d)
	{
		struct buf b;

		buf_init(&b);
		json_array_foreach(json_object_get(d, "sources"), j, v)
		    buf_printf(&b, "%s%s", b.len ? "," : "", json_string_value(v));
		util_human_age(json_integer_value(json_object_get(d, "seen_ago_ms")), ago,
		               sizeof(ago));
		printf("  %-36s %-5s %-6s seen %s ago, up since %s, sources: %s%s\n",
		       cluster_str(d, "instance"),
		       json_is_true(json_object_get(d, "alive")) ? "alive" : "DEAD",
		       json_is_true(json_object_get(d, "leader")) ? "leader" : "-", ago,
		       cluster_str(d, "started_at"), b.len ? b.data : "none",
		       json_is_true(json_object_get(d, "self")) ? " (asked)" : "");
		buf_free(&b);
	}
}

int
ctl_cluster_main(int argc, char **argv)
{
	struct cluster_opts o;
	struct ctl_reply r;
	char *sock;
	int p, rc = 0;

	if ((p = cluster_parse(argc, argv, &o)) != 0)
		return p > 0 ? 0 : CTL_EXIT_USAGE;
	if ((sock = ctl_admin_socket(o.conf_path, o.socket, &rc)) == NULL)
		return rc;
	if (ctl_reachable(sock) < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(sock);
		return CTL_EXIT_FAIL;
	}
	if (ctl_request(sock, "GET", "/v1/admin/cluster", NULL, CTL_TIMEOUT_S, &r) < 0)
		rc = CTL_EXIT_FAIL;
	else {
		if (r.status != 200 || r.body == NULL)
			rc = ctl_refused(&r, "cluster", o.json);
		else if (o.json)
			ctl_print_raw(&r);
		else
			cluster_print(r.body);
		ctl_reply_free(&r);
	}
	curl_global_cleanup();
	free(sock);
	fflush(stdout);
	return rc;
}
