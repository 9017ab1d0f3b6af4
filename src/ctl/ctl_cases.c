/*
 * ctl_cases.c: keluhctl cases, show CASE, ack, assign, resolve and reopen,
 * through keluhd's admin API (GET /v1/admin/cases..., POST
 * /v1/admin/cases/ID/ACTION): an action is answered once keluhd has it on
 * disk.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ctl/ctl_int.h"
#include "daemon/cases.h"
#include "lib/util.h"

struct cases_opts {
	const char *conf_path, *socket, *team, *by, *note;
	int json, all, open;
	long limit;
};

static void
cases_usage(FILE *fp, const char *cmd)
{
	if (strcmp(cmd, "cases") == 0)
		fputs("usage: keluhctl cases [--open | --all] [--team T] [-n N] [--json]\n", fp);
	else if (strcmp(cmd, "show") == 0)
		fputs("usage: keluhctl show [--json] CASE\n", fp);
	else if (strcmp(cmd, "assign") == 0)
		fputs("usage: keluhctl assign [--by NAME] [--json] CASE PERSON\n", fp);
	else if (strcmp(cmd, "resolve") == 0)
		fputs("usage: keluhctl resolve [--by NAME] [--note TEXT] [--json] CASE\n", fp);
	else
		fprintf(fp, "usage: keluhctl %s [--by NAME] [--json] CASE\n", cmd);
	fputs("  each also takes [-c FILE | --socket PATH]; CASE is 42 or #42\n", fp);
}

/* Returns 0 to go on, 1 when --help was answered, -1 on a usage error. */
static int
cases_parse(int argc, char **argv, const char *cmd, struct cases_opts *o)
{
	/* one option a line, as tests/manual.sh reads them */
	// clang-format off
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "open", no_argument, NULL, 'o' },
		{ "all", no_argument, NULL, 'A' },
		{ "team", required_argument, NULL, 't' },
		{ "by", required_argument, NULL, 'b' },
		{ "note", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	// clang-format on
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->limit = 100;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:n:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->conf_path = optarg; break;
		case 'S': o->socket = optarg; break;
		case 'j': o->json = 1; break;
		case 'o': o->open = 1; break;
		case 'A': o->all = 1; break;
		case 't': o->team = optarg; break;
		case 'b': o->by = optarg; break;
		case 'N': o->note = optarg; break;
		case 'n':
			o->limit = strtol(optarg, &end, 10);
			if (*end || o->limit < 1 || o->limit > 100000) {
				fprintf(stderr,
				        "keluhctl: -n: '%s' is not a number from 1 to 100000\n",
				        optarg);
				return -1;
			}
			break;
		case 'h': cases_usage(stdout, cmd); return 1;
		default: cases_usage(stderr, cmd); return -1;
		}
	}
	return 0;
}

/* Options that belong to other commands are refused, not ignored. */
static int
cases_check(const struct cases_opts *o, const char *cmd, int nargs)
{
	int list = strcmp(cmd, "cases") == 0, act = !list && strcmp(cmd, "show") != 0;
	int want = list ? 0 : strcmp(cmd, "assign") == 0 ? 2 : 1;

	if (o->conf_path && o->socket)
		fprintf(stderr, "keluhctl: give either -c FILE or --socket PATH, not both\n");
	else if (!list && (o->open || o->all || o->team))
		fprintf(stderr, "keluhctl: --open, --all and --team belong to keluhctl cases\n");
	else if (o->open && o->all)
		fprintf(stderr, "keluhctl: cases takes --open or --all, not both\n");
	else if (!act && o->by)
		fprintf(stderr, "keluhctl: --by belongs to ack, assign, resolve and reopen\n");
	else if (o->note && strcmp(cmd, "resolve") != 0)
		fprintf(stderr, "keluhctl: --note belongs to resolve\n");
	else if (nargs != want)
		cases_usage(stderr, cmd);
	else
		return 0;
	return -1;
}

static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

static void
cases_print_list(const json_t *arr, int all)
{
	const json_t *c;
	size_t i;

	if (json_array_size(arr) == 0) {
		printf("no %scases\n", all ? "" : "open ");
		return;
	}
	printf("%-7s %-13s %-9s %-10s %6s %-20s %-12s %s\n", "CASE", "STATE", "PRIORITY", "TEAM",
	       "TOTAL", "OPENED", "ASSIGNEE", "GROUP");
	json_array_foreach(arr, i, c)
	{
		char id[24];

		snprintf(id, sizeof(id), "#%lld",
		         (long long)json_integer_value(json_object_get(c, "id")));
		printf("%-7s %-13s %-9s %-10s %6lld %-20s %-12s %s\n", id, jstr(c, "state"),
		       jstr(c, "priority"), jstr(c, "team"),
		       (long long)json_integer_value(json_object_get(c, "total")),
		       jstr(c, "opened_at"), jstr(c, "assignee"), jstr(c, "group"));
	}
}

static void
cases_print_event(const json_t *e)
{
	const json_t *d = json_object_get(e, "detail");
	char *dt = json_is_object(d) ? json_dumps(d, JSON_COMPACT) : NULL;

	printf("  %-20s %-14s", jstr(e, "at"), jstr(e, "kind"));
	if (json_is_string(json_object_get(e, "actor")))
		printf(" by %s (%s)", jstr(e, "actor"), jstr(e, "platform"));
	else
		printf(" (%s)", jstr(e, "platform"));
	if (dt)
		printf(" %s", dt);
	putchar('\n');
	free(dt);
}

static void
cases_print_case(const json_t *c)
{
	const json_t *v, *a, *m;
	size_t i, j;

	printf("case #%lld: %s, %s, team %s, %lld complaint(s)\n",
	       (long long)json_integer_value(json_object_get(c, "id")), jstr(c, "state"),
	       jstr(c, "priority"), jstr(c, "team"),
	       (long long)json_integer_value(json_object_get(c, "total")));
	printf("group %s, opened %s", jstr(c, "group"), jstr(c, "opened_at"));
	if (json_integer_value(json_object_get(c, "reopened")))
		printf(", reopened %lld time(s)",
		       (long long)json_integer_value(json_object_get(c, "reopened")));
	putchar('\n');
	if (json_is_string(json_object_get(c, "acked_by")))
		printf("acknowledged by %s at %s\n", jstr(c, "acked_by"), jstr(c, "acked_at"));
	if (json_is_string(json_object_get(c, "assignee")))
		printf("assigned to %s by %s at %s\n", jstr(c, "assignee"), jstr(c, "assigned_by"),
		       jstr(c, "assigned_at"));
	if (json_is_string(json_object_get(c, "resolved_by")))
		printf("%s by %s at %s%s%s\n",
		       strcmp(jstr(c, "state"), "not_complaint") == 0 ? "marked not a complaint"
		                                                      : "resolved",
		       jstr(c, "resolved_by"), jstr(c, "resolved_at"),
		       json_is_string(json_object_get(c, "note")) ? ": " : "",
		       json_is_string(json_object_get(c, "note")) ? jstr(c, "note") : "");
	printf("timeline:\n");
	json_array_foreach(json_object_get(c, "events"), i, v) cases_print_event(v);
	printf("alerts and mentions:\n");
	json_array_foreach(json_object_get(c, "alerts"), i, a)
	{
		printf("  alert %s at %s (%s)\n", jstr(a, "id"), jstr(a, "at"),
		       jstr(a, "priority"));
		json_array_foreach(json_object_get(a, "mentions"), j, m)
		{
			const json_t *e = json_object_get(m, "entry");

			printf("    %s %s %s score %lld: %s\n", jstr(m, "id"), jstr(m, "rule"),
			       jstr(m, "priority"),
			       (long long)json_integer_value(json_object_get(e, "score")),
			       jstr(e, "text"));
		}
	}
}

/* GET PATH, printed by print (or raw with --json). */
static int
cases_get(const char *sock, const struct cases_opts *o, const char *path, const char *what,
          const char *member)
{
	struct ctl_reply r;
	const json_t *v;
	int rc = 0;

	if (ctl_request(sock, "GET", path, NULL, CTL_TIMEOUT_S, &r) < 0)
		return CTL_EXIT_FAIL;
	v = json_object_get(r.body, member);
	if (r.status != 200 || v == NULL)
		rc = ctl_refused(&r, what, o->json);
	else if (o->json)
		ctl_print_raw(&r);
	else if (json_is_array(v))
		cases_print_list(v, o->all);
	else
		cases_print_case(v);
	ctl_reply_free(&r);
	return rc;
}

static int
ctl_cases_list(const char *sock, const struct cases_opts *o)
{
	struct buf path;
	int rc;

	buf_init(&path);
	buf_printf(&path, "/v1/admin/cases?state=%s&limit=%ld", o->all ? "all" : "open", o->limit);
	if (o->team) {
		char *t = curl_easy_escape(NULL, o->team, 0);

		buf_printf(&path, "&team=%s", t ? t : "");
		curl_free(t);
	}
	rc = cases_get(sock, o, path.data, "cases", "cases");
	buf_free(&path);
	return rc;
}

static int
ctl_case_act(const char *sock, const struct cases_opts *o, const char *cmd, int64_t id,
             const char *person)
{
	const char *action = strcmp(cmd, "ack") == 0 ? "ack" : cmd;
	struct ctl_reply r;
	char path[96], *body;
	json_t *req =
	    json_pack("{s:s,s:s}", "by", o->by ? o->by : ctl_login_name(), "via", "keluhctl");
	int rc = 0;

	if (req == NULL) {
		fprintf(stderr, "keluhctl: --by must be UTF-8\n");
		return CTL_EXIT_USAGE;
	}
	if (person)
		json_object_set_new(req, "to", json_string(person));
	if (o->note)
		json_object_set_new(req, "note", json_string(o->note));
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (body == NULL) {
		fprintf(stderr, "keluhctl: the person and --note must be UTF-8\n");
		return CTL_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/admin/cases/%lld/%s", (long long)id, action);
	rc = ctl_request(sock, "POST", path, body, CTL_TIMEOUT_S, &r);
	free(body);
	if (rc < 0)
		return CTL_EXIT_FAIL;
	if (r.status != 200 || r.body == NULL)
		rc = ctl_refused(&r, cmd, o->json);
	else if (o->json)
		ctl_print_raw(&r);
	else {
		const json_t *c = json_object_get(r.body, "case");

		printf("case #%lld: %s%s\n", (long long)id, jstr(c, "state"),
		       json_is_true(json_object_get(r.body, "changed")) ? "" : " (no change)");
	}
	ctl_reply_free(&r);
	return rc;
}

static int
cases_run(const char *sock, const struct cases_opts *o, const char *cmd, char **args)
{
	char path[64];
	int64_t id;

	if (strcmp(cmd, "cases") == 0)
		return ctl_cases_list(sock, o);
	if ((id = cases_parse_id(args[0])) < 0) {
		fprintf(stderr,
		        "keluhctl: %s: '%s' is not a case id: write it as 42 or #42 (see "
		        "keluhctl cases)\n",
		        cmd, args[0]);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(cmd, "show") == 0) {
		snprintf(path, sizeof(path), "/v1/admin/cases/%lld", (long long)id);
		return cases_get(sock, o, path, "show", "case");
	}
	return ctl_case_act(sock, o, cmd, id, strcmp(cmd, "assign") == 0 ? args[1] : NULL);
}

int
ctl_cases_main(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct cases_opts o;
	char *sock;
	int rc = 0, p;

	if ((p = cases_parse(argc, argv, cmd, &o)) != 0)
		return p > 0 ? 0 : CTL_EXIT_USAGE;
	if (cases_check(&o, cmd, argc - optind) < 0)
		return CTL_EXIT_USAGE;
	if ((sock = ctl_admin_socket(o.conf_path, o.socket, &rc)) == NULL)
		return rc;
	if (ctl_reachable(sock) < 0) {
		free(sock);
		return CTL_EXIT_FAIL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "keluhctl: cannot start libcurl\n");
		free(sock);
		return CTL_EXIT_FAIL;
	}
	rc = cases_run(sock, &o, cmd, argv + optind);
	fflush(stdout);
	curl_global_cleanup();
	free(sock);
	return rc;
}
