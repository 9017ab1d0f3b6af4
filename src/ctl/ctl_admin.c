/*
 * ctl_admin.c: keluhctl status, reload, silence and send-test, the client side of the
 * admin API (admin.h), with libcurl over the Unix socket.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "conf/conf.h"
#include "ctl/ctl_admin.h"
#include "ctl/ctl_int.h"
#include "daemon/silence.h"
#include "lib/diag.h"
#include "lib/util.h"
#include "store/spool.h"

/* a reload compiles every rule: give it time; the rest answers at once */
#define CTL_TIMEOUT_RELOAD_S 300

struct ctl_opts {
	const char *conf_path;
	const char *socket;
	const char *match, *dur, *until, *reason, *author;
	int json, all;
};


static void
ctl_usage(FILE *fp, const char *cmd)
{
	if (strcmp(cmd, "status") == 0)
		fputs("usage: keluhctl status [-c FILE | --socket PATH] [--json]\n", fp);
	else if (strcmp(cmd, "reload") == 0)
		fputs("usage: keluhctl reload [-c FILE | --socket PATH] [--json]\n", fp);
	else if (strcmp(cmd, "send-test") == 0)
		fputs("usage: keluhctl send-test [-c FILE | --socket PATH] [--json] RECEIVER\n", fp);
	else
		fputs("usage: keluhctl silence add --match M (--for DURATION | --until TIME) "
		      "--reason TEXT [--author NAME]\n"
		      "       keluhctl silence list [--all]\n"
		      "       keluhctl silence expire ID\n"
		      "  each also takes [-c FILE | --socket PATH] [--json]\n"
		      "  M: rule=ID,team=NAME,priority=P,author=HANDLE,words=\"TEXT\" (rule takes '*')\n",
		    fp);
}

/* Returns 0 to go on, 1 when --help was answered, -1 on a usage error. */
static int
ctl_parse(int argc, char **argv, const char *cmd, struct ctl_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "match", required_argument, NULL, 'm' },
		{ "for", required_argument, NULL, 'f' },
		{ "until", required_argument, NULL, 'u' },
		{ "reason", required_argument, NULL, 'r' },
		{ "author", required_argument, NULL, 'a' },
		{ "all", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->conf_path = optarg; break;
		case 'S': o->socket = optarg; break;
		case 'j': o->json = 1; break;
		case 'm': o->match = optarg; break;
		case 'f': o->dur = optarg; break;
		case 'u': o->until = optarg; break;
		case 'r': o->reason = optarg; break;
		case 'a': o->author = optarg; break;
		case 'A': o->all = 1; break;
		case 'h': ctl_usage(stdout, cmd); return 1;
		default: ctl_usage(stderr, cmd); return -1;
		}
	}
	if (o->conf_path && o->socket) {
		fprintf(stderr, "keluhctl: give either -c FILE or --socket PATH, not both\n");
		return -1;
	}
	return 0;
}

const char *
ctl_conf_default(void)
{
	return access(CTL_LOCAL_CONF, F_OK) == 0 ? CTL_LOCAL_CONF : CONF_DEFAULT_PATH;
}

int
ctl_conf_missing(const char *path, const char *what, const char *alt)
{
	if (access(path, F_OK) == 0)
		return 0;
	if (what)
		fprintf(stderr, "keluhctl: cannot find %s: %s: %s (give -c FILE or %s)\n", what,
		    path, errno == ENOENT ? "no such file" : strerror(errno), alt);
	else
		fprintf(stderr, "keluhctl: %s: %s (give -c FILE)\n", path,
		    errno == ENOENT ? "no such file" : strerror(errno));
	return -1;
}

struct conf *
ctl_conf_load(const char *path, const char *what, const char *alt)
{
	struct diag d;
	struct conf *c;

	if (path == NULL)
		path = ctl_conf_default();
	if (ctl_conf_missing(path, what, alt) < 0)
		return NULL;
	diag_init(&d);
	c = conf_load_flags(path, &d, CONF_NO_SECRETS);
	diag_print(&d, stderr);
	diag_free(&d);
	if (c == NULL)
		fprintf(stderr, "keluhctl: cannot find %s: %s has errors (or give %s)\n", what,
		    path, alt);
	return c;
}

/*
 * Without -c: the admin.socket of the default configuration when it sets
 * one. A broken one must not stop a reload that would report its errors,
 * so it only earns a note.
 */
static char *
ctl_socket_default(void)
{
	const char *path = ctl_conf_default();
	struct diag d;
	struct conf *c;
	char *sock;

	if (access(path, F_OK) < 0)
		return xstrdup(CTL_ADMIN_SOCKET);
	diag_init(&d);
	c = conf_load_flags(path, &d, CONF_NO_SECRETS);
	diag_free(&d);
	if (c == NULL)
		fprintf(stderr, "keluhctl: note: %s has errors (keluhctl check shows them); trying "
		    "%s\n", path, CTL_ADMIN_SOCKET);
	sock = xstrdup(c && c->admin_socket ? c->admin_socket : CTL_ADMIN_SOCKET);
	conf_free(c);
	return sock;
}

/* --socket, else the admin.socket of -c FILE or of the default config, else the unit's path. */
static char *
ctl_socket(const struct ctl_opts *o, int *rc)
{
	struct conf *c;
	char *path;

	if (o->socket)
		return xstrdup(o->socket);
	if (o->conf_path == NULL)
		return ctl_socket_default();
	if ((c = ctl_conf_load(o->conf_path, "the admin socket", "--socket PATH")) == NULL) {
		*rc = CTL_EXIT_USAGE;
		return NULL;
	}
	if (c->admin_socket == NULL) {
		fprintf(stderr, "keluhctl: %s has no admin.socket: keluhd has no admin API\n",
		    o->conf_path);
		conf_free(c);
		*rc = CTL_EXIT_USAGE;
		return NULL;
	}
	path = xstrdup(c->admin_socket);
	conf_free(c);
	return path;
}

char *
ctl_admin_socket(const char *conf_path, const char *socket, int *rc)
{
	struct ctl_opts o;

	memset(&o, 0, sizeof(o));
	o.conf_path = conf_path;
	o.socket = socket;
	return ctl_socket(&o, rc);
}

/*
 * Says in keluh's words why the socket cannot be reached: curl would speak
 * of "localhost port 80", which is not where anything went.
 */
int
ctl_reachable(const char *sock)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, e;

	memset(&sa, 0, sizeof(sa));
	if (strlen(sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "keluhctl: the admin socket path %s is longer than %zu bytes; "
		    "choose a shorter one\n", sock, sizeof(sa.sun_path) - 1);
		return -1;
	}
	if (stat(sock, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "keluhctl: cannot reach keluhd: %s is not a socket (give the "
		    "admin.socket of keluhd.yaml)\n", sock);
		return -1;
	}
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, sock, strlen(sock));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0; /* curl will tell */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return 0;
	}
	e = errno;
	close(fd);
	if (e == ENOENT)
		fprintf(stderr, "keluhctl: cannot reach keluhd: no socket at %s (is keluhd running, "
		    "with admin.socket or --admin-socket set to this path?)\n", sock);
	else if (e == ECONNREFUSED)
		fprintf(stderr, "keluhctl: cannot reach keluhd: nothing listens on %s (keluhd is "
		    "not running; the file is left from an earlier run)\n", sock);
	else if (e == EACCES || e == EPERM)
		fprintf(stderr, "keluhctl: cannot reach keluhd at %s: permission denied (run as "
		    "keluhd's user, a member of its group, or root)\n", sock);
	else
		fprintf(stderr, "keluhctl: cannot reach keluhd at %s: %s\n", sock, strerror(e));
	return -1;
}

static size_t
ctl_write_cb(char *p, size_t size, size_t n, void *arg)
{
	buf_add(arg, p, size * n);
	return size * n;
}

/* One request; -1 (with a message printed) when keluhd could not be asked. */
int
ctl_request(const char *sock, const char *method, const char *path, const char *body,
    long timeout_s, struct ctl_reply *r)
{
	char url[256], errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL;
	CURL *h;
	CURLcode cc;

	memset(r, 0, sizeof(r[0]));
	buf_init(&r->raw);
	if ((h = curl_easy_init()) == NULL) {
		fprintf(stderr, "keluhctl: cannot start libcurl\n");
		return -1;
	}
	snprintf(url, sizeof(url), "http://localhost%s", path);
	errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ctl_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->raw);
	if (body != NULL) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	} else if (strcmp(method, "POST") == 0)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	if (cc != CURLE_OK) {
		fprintf(stderr, "keluhctl: no answer from keluhd at %s: %s\n", sock,
		    errbuf[0] ? errbuf : curl_easy_strerror(cc));
		return -1;
	}
	if (r->raw.len)
		r->body = json_loadb(r->raw.data, r->raw.len, 0, NULL);
	return 0;
}

void
ctl_reply_free(struct ctl_reply *r)
{
	json_decref(r->body);
	buf_free(&r->raw);
}

static const char *
ctl_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

static long long
ctl_int(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* --json prints the daemon's answer as it came, one line. */
void
ctl_print_raw(const struct ctl_reply *r)
{
	fwrite(r->raw.data ? r->raw.data : "", 1, r->raw.len, stdout);
	if (r->raw.len == 0 || r->raw.data[r->raw.len - 1] != '\n')
		putchar('\n');
}

/* A refusal: the daemon's error, or the status when it gave none. */
int
ctl_refused(const struct ctl_reply *r, const char *what, int json)
{
	const char *e = json_string_value(json_object_get(r->body, "error"));

	if (json)
		ctl_print_raw(r);
	if (e)
		fprintf(stderr, "keluhctl: %s: %s\n", what, e);
	else
		fprintf(stderr, "keluhctl: %s: keluhd answered HTTP %ld\n", what, r->status);
	return CTL_EXIT_FAIL;
}

/* Where the web console is, as an address to open (port 0 in the config: the one bound). */
static void
ctl_print_console(const json_t *ui)
{
	const char *listen = ctl_str(ui, "listen"), *colon = strrchr(listen, ':');

	if (!json_is_object(ui))
		return;
	if (strcmp(listen, "http") == 0 || colon == NULL)
		printf("console: on http.listen, under /ui/\n");
	else
		printf("console: http://%.*s:%lld/ui/\n", (int)(colon - listen), listen,
		    ctl_int(ui, "port"));
}

/* One line: alone on SQLite, or how many daemons share the spool and who leads. */
static void
ctl_print_cluster(const json_t *c)
{
	if (!json_is_object(c))
		return;
	if (!json_is_true(json_object_get(c, "shared")))
		printf("cluster: one daemon (SQLite spool)\n");
	else
		printf("cluster: %s, %lld daemon(s) alive, %lld dead, leader %s\n",
		    ctl_str(c, "instance"), ctl_int(c, "alive"), ctl_int(c, "dead"),
		    json_is_string(json_object_get(c, "leader")) ? ctl_str(c, "leader") : "none");
}

static void
ctl_print_status(const json_t *o)
{
	const json_t *rl = json_object_get(o, "reload"), *v;
	char up[32];
	size_t i;

	util_human_age(ctl_int(o, "uptime_s") * 1000, up, sizeof(up));
	printf("keluhd %s, %s, up %s\n", ctl_str(o, "version"), ctl_str(o, "state"), up);
	printf("config %s, spool %s\n", ctl_str(o, "config"), ctl_str(o, "spool"));
	ctl_print_console(json_object_get(o, "ui"));
	printf("%lld rules, %lld routes, %lld open groups, %lld active silences\n",
	    ctl_int(o, "rules"), ctl_int(o, "routes"), ctl_int(o, "groups"),
	    ctl_int(o, "silences"));
	printf("%lld deliveries pending, %lld dead letters, %lld complaints waiting in groups\n",
	    ctl_int(o, "pending"), ctl_int(o, "dead_letters"), ctl_int(o, "pending_mentions"));
	if (json_is_null(json_object_get(rl, "last_at")))
		printf("last reload: none since start\n");
	else if (json_is_true(json_object_get(rl, "ok")))
		printf("last reload: %s, ok (%lld ok, %lld failed)\n", ctl_str(rl, "last_at"),
		    ctl_int(rl, "reloads"), ctl_int(rl, "failures"));
	else
		printf("last reload: %s, FAILED, the previous configuration runs: %s (%lld ok, "
		    "%lld failed)\n", ctl_str(rl, "last_at"), ctl_str(rl, "error"),
		    ctl_int(rl, "reloads"), ctl_int(rl, "failures"));
	ctl_print_cluster(json_object_get(o, "cluster"));
	printf("sources:%s\n", json_array_size(json_object_get(o, "sources")) ? "" : " none");
	json_array_foreach(json_object_get(o, "sources"), i, v)
		printf("  %-20s %-14s %-8s %8lld mentions %6lld errors\n", ctl_str(v, "name"),
		    ctl_str(v, "type"), json_is_true(json_object_get(v, "running")) ? "running" :
		    "stopped", ctl_int(v, "mentions"), ctl_int(v, "errors"));
	printf("receivers:%s\n", json_array_size(json_object_get(o, "receivers")) ? "" : " none");
	json_array_foreach(json_object_get(o, "receivers"), i, v)
		printf("  %-20s %-14s %6lld pending %6lld dead %8lld delivered\n",
		    ctl_str(v, "name"), ctl_str(v, "type"), ctl_int(v, "pending"),
		    ctl_int(v, "dead"), ctl_int(v, "delivered"));
}

static void
ctl_print_matchers(const json_t *m, struct buf *b)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)m, k, v) {
		const char *s = json_string_value(v);

		if (s == NULL)
			continue;
		if (b->len)
			buf_addc(b, ',');
		if (strpbrk(s, " ,\"") != NULL)
			buf_printf(b, "%s=\"%s\"", k, s);
		else
			buf_printf(b, "%s=%s", k, s);
	}
}

static void
ctl_print_silence(const json_t *s, const char *event)
{
	struct buf m, r;
	size_t i;
	json_t *v;

	buf_init(&m);
	buf_init(&r);
	ctl_print_matchers(json_object_get(s, "matchers"), &m);
	json_array_foreach(json_object_get(s, "receivers"), i, v)
		buf_printf(&r, "%s%s", r.len ? ", " : "", json_string_value(v));
	printf("silence %lld %s: %s\n", ctl_int(s, "id"), event, m.data ? m.data : "");
	printf("  by %s, until %s: %s\n", ctl_str(s, "author"), ctl_str(s, "expires_at"),
	    ctl_str(s, "reason"));
	printf("  announced to: %s; muted so far: %lld\n", r.len ? r.data : "no receiver",
	    ctl_int(s, "suppressed"));
	buf_free(&m);
	buf_free(&r);
}

static int
ctl_status(const char *sock, const struct ctl_opts *o)
{
	struct ctl_reply r;
	int rc = 0;

	if (ctl_request(sock, "GET", "/v1/admin/status", NULL, CTL_TIMEOUT_S, &r) < 0)
		return CTL_EXIT_FAIL;
	if (r.status != 200 || r.body == NULL)
		rc = ctl_refused(&r, "status", o->json);
	else if (o->json)
		ctl_print_raw(&r);
	else
		ctl_print_status(r.body);
	ctl_reply_free(&r);
	return rc;
}

static int
ctl_reload(const char *sock, const struct ctl_opts *o)
{
	struct ctl_reply r;
	int rc = 0;

	if (ctl_request(sock, "POST", "/v1/admin/reload", NULL, CTL_TIMEOUT_RELOAD_S, &r) < 0)
		return CTL_EXIT_FAIL;
	if (r.status != 200 || !json_is_true(json_object_get(r.body, "ok"))) {
		const char *e = json_string_value(json_object_get(r.body, "error"));
		long long n = ctl_int(r.body, "errors");

		if (o->json)
			ctl_print_raw(&r);
		fprintf(stderr, "keluhctl: reload failed; keluhd kept the running configuration: "
		    "%s", e ? e : "see its log");
		if (n > 1)
			fprintf(stderr, " (and %lld more error%s in the log)", n - 1,
			    n == 2 ? "" : "s");
		fputc('\n', stderr);
		rc = CTL_EXIT_FAIL;
	} else if (o->json)
		ctl_print_raw(&r);
	else
		printf("reloaded: %lld rules, %lld sources, %lld receivers, %lld routes\n",
		    ctl_int(r.body, "rules"), ctl_int(r.body, "sources"),
		    ctl_int(r.body, "receivers"), ctl_int(r.body, "routes"));
	ctl_reply_free(&r);
	return rc;
}

/* A test alert through the outbox: keluhd records it, we say how to follow it. */
static int
ctl_send_test(const char *sock, const struct ctl_opts *o, const char *receiver)
{
	struct ctl_reply r;
	json_t *req = json_pack("{s:s}", "receiver", receiver);
	char *body = json_dumps(req, JSON_COMPACT);
	int rc = 0;

	json_decref(req);
	if (body == NULL || ctl_request(sock, "POST", "/v1/admin/send-test", body, CTL_TIMEOUT_S,
	    &r) < 0) {
		free(body);
		return CTL_EXIT_FAIL;
	}
	free(body);
	if (r.status != 200 || !json_is_true(json_object_get(r.body, "ok")))
		rc = ctl_refused(&r, "send-test", o->json);
	else if (o->json)
		ctl_print_raw(&r);
	else
		printf("test alert %s queued for %s; follow it with keluhctl queue and keluhctl "
		    "alerts (a failure shows in keluhctl queue --dead)\n", ctl_str(r.body, "alert"),
		    receiver);
	ctl_reply_free(&r);
	return rc;
}

static const char *
ctl_author(const struct ctl_opts *o)
{
	return o->author ? o->author : ctl_login_name();
}

const char *
ctl_login_name(void)
{
	const struct passwd *pw;
	const char *s;

	/* under sudo the person is the one who ran sudo */
	if ((s = getenv("SUDO_USER")) != NULL && *s)
		return s;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_name && *pw->pw_name)
		return pw->pw_name;
	if ((s = getenv("USER")) != NULL && *s)
		return s;
	return "unknown";
}

/* "2 hours": the unit letter people meant, or 0 when the word is no unit. */
static char
ctl_unit_word(const char *w)
{
	static const struct {
		const char *word;
		char unit;
	} units[] = { { "s", 's' }, { "sec", 's' }, { "secs", 's' }, { "second", 's' },
		{ "seconds", 's' }, { "m", 'm' }, { "min", 'm' }, { "mins", 'm' },
		{ "minute", 'm' }, { "minutes", 'm' }, { "h", 'h' }, { "hr", 'h' },
		{ "hrs", 'h' }, { "hour", 'h' }, { "hours", 'h' }, { "d", 'd' }, { "day", 'd' },
		{ "days", 'd' } };

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcasecmp(w, units[i].word) == 0)
			return units[i].unit;
	return 0;
}

/*
 * silence add's arguments, judged before keluhd is asked: each mistake
 * said with the form expected, not only the usage.
 */
static int
ctl_silence_add_args(const struct ctl_opts *o, int nargs, char **args)
{
	int64_t ms = 0;
	char u;

	if (nargs > 0) {
		if (o->dur && (u = ctl_unit_word(args[0])) != 0)
			fprintf(stderr, "keluhctl: silence add: --for %s %s: write the duration as "
			    "one word, the number and its unit with no space: --for %s%c\n", o->dur,
			    args[0], o->dur, u);
		else
			fprintf(stderr, "keluhctl: silence add: unexpected '%s'; quote a value with "
			    "spaces, as in --reason \"known outage\"\n", args[0]);
		return -1;
	}
	if (o->match == NULL)
		fprintf(stderr, "keluhctl: silence add needs --match M, what to mute, e.g. "
		    "--match rule=access.login,team=tech\n");
	else if (o->reason == NULL)
		fprintf(stderr, "keluhctl: silence add needs --reason TEXT, why (shown in the "
		    "announcement)\n");
	else if (o->dur && o->until)
		fprintf(stderr, "keluhctl: silence add takes --for or --until, not both\n");
	else if (o->dur == NULL && o->until == NULL)
		fprintf(stderr, "keluhctl: silence add needs how long: --for DURATION (30m, 2h, 1d) "
		    "or --until TIME (2026-03-01T12:00:00Z)\n");
	else if (o->dur && (ms = conf_parse_duration(o->dur)) <= 0)
		fprintf(stderr, "keluhctl: --for: '%s' is not a duration: write a number and a unit "
		    "with no space, such as 30m, 2h or 1d (units: s, m, h, d)%s\n", o->dur,
		    ms == 0 ? "; it must be more than 0" : "");
	else if (o->until && silence_parse_time(o->until) < 0)
		fprintf(stderr, "keluhctl: --until: '%s' is not an RFC 3339 time: write it like "
		    "2026-03-01T12:00:00Z or 2026-03-01T19:00:00+07:00\n", o->until);
	else
		return 0;
	return -1;
}

static int
ctl_silence_add(const char *sock, const struct ctl_opts *o)
{
	struct ctl_reply r;
	json_t *m, *req;
	char err[300], *body;
	int rc = 0;

	if ((m = silence_spec_parse(o->match, err, sizeof(err))) == NULL) {
		fprintf(stderr, "keluhctl: --match: %s\n", err);
		return CTL_EXIT_USAGE;
	}
	req = json_pack("{s:o,s:s,s:s}", "matchers", m, "author", ctl_author(o), "reason",
	    o->reason);
	if (req == NULL) {
		fprintf(stderr, "keluhctl: --reason and --author must be UTF-8\n");
		return CTL_EXIT_USAGE;
	}
	json_object_set_new(req, o->dur ? "for" : "until", json_string(o->dur ? o->dur : o->until));
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (ctl_request(sock, "POST", "/v1/admin/silences", body, CTL_TIMEOUT_S, &r) < 0) {
		free(body);
		return CTL_EXIT_FAIL;
	}
	free(body);
	if (r.status != 201 || r.body == NULL)
		rc = ctl_refused(&r, "silence add", o->json);
	else if (o->json)
		ctl_print_raw(&r);
	else
		ctl_print_silence(json_object_get(r.body, "silence"), "created");
	ctl_reply_free(&r);
	return rc;
}

static int
ctl_silence_list(const char *sock, const struct ctl_opts *o)
{
	struct ctl_reply r;
	const json_t *arr, *s;
	size_t i;
	int rc = 0;

	if (ctl_request(sock, "GET", o->all ? "/v1/admin/silences?all=1" : "/v1/admin/silences",
	    NULL, CTL_TIMEOUT_S, &r) < 0)
		return CTL_EXIT_FAIL;
	arr = json_object_get(r.body, "silences");
	if (r.status != 200 || !json_is_array(arr))
		rc = ctl_refused(&r, "silence list", o->json);
	else if (o->json)
		ctl_print_raw(&r);
	else if (json_array_size(arr) == 0)
		printf("no %ssilences\n", o->all ? "" : "active ");
	else {
		printf("%-5s %-7s %-20s %-12s %-6s %s\n", "ID", "STATE", "EXPIRES", "AUTHOR", "MUTED",
		    "MATCHERS (REASON)");
		json_array_foreach(arr, i, s) {
			struct buf m;

			buf_init(&m);
			ctl_print_matchers(json_object_get(s, "matchers"), &m);
			printf("%-5lld %-7s %-20s %-12s %-6lld %s (%s)\n", ctl_int(s, "id"),
			    json_is_true(json_object_get(s, "active")) ? "active" : "ended",
			    ctl_str(s, json_is_true(json_object_get(s, "active")) ? "expires_at" :
			    "ended_at"), ctl_str(s, "author"), ctl_int(s, "suppressed"),
			    m.data ? m.data : "", ctl_str(s, "reason"));
			buf_free(&m);
		}
	}
	ctl_reply_free(&r);
	return rc;
}

static int
ctl_silence_expire(const char *sock, const struct ctl_opts *o, const char *id)
{
	struct ctl_reply r;
	char path[96], *end, *body;
	json_t *req;
	long long v;
	int rc = 0;

	v = strtoll(id, &end, 10);
	if (end == id || *end || v <= 0) {
		fprintf(stderr, "keluhctl: silence expire: '%s' is not a silence id (see keluhctl "
		    "silence list)\n", id);
		return CTL_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/admin/silences/%lld/expire", v);
	req = json_pack("{s:s}", "author", ctl_author(o));
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (ctl_request(sock, "POST", path, body ? body : "{}", CTL_TIMEOUT_S, &r) < 0) {
		free(body);
		return CTL_EXIT_FAIL;
	}
	free(body);
	if (r.status != 200 || r.body == NULL)
		rc = ctl_refused(&r, "silence expire", o->json);
	else if (o->json)
		ctl_print_raw(&r);
	else {
		const json_t *s = json_object_get(r.body, "silence");

		printf("silence %lld expired; it muted %lld complaint%s\n", ctl_int(s, "id"),
		    ctl_int(s, "suppressed"), ctl_int(s, "suppressed") == 1 ? "" : "s");
	}
	ctl_reply_free(&r);
	return rc;
}

struct spool *
ctl_spool_open(const char *conf_path, const char *spool_path, int readonly, int *rc)
{
	char err[1024], *path;
	struct spool *s;

	if (spool_path)
		path = xstrdup(spool_path);
	else {
		struct conf *c = ctl_conf_load(conf_path, "the spool", "--spool PATH");

		if (c == NULL) {
			*rc = CTL_EXIT_USAGE;
			return NULL;
		}
		path = xstrdup(c->spool_path);
		conf_free(c);
	}
	/* Changing the outbox must not create one where keluhd never ran. */
	if (!readonly && spool_is_local(path) && access(path, F_OK) < 0 && errno == ENOENT) {
		fprintf(stderr, "keluhctl: no spool at %s: has keluhd run with this config?\n", path);
		free(path);
		*rc = CTL_EXIT_FAIL;
		return NULL;
	}
	/* nor make the tables in a database keluhd never used: a read-only open refuses it */
	if (!readonly && !spool_is_local(path)) {
		if ((s = spool_open(path, 1, err, sizeof(err))) == NULL) {
			fprintf(stderr, "keluhctl: %s\n", err);
			free(path);
			*rc = CTL_EXIT_FAIL;
			return NULL;
		}
		spool_close(s);
	}
	s = spool_open(path, readonly, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "keluhctl: %s\n", err);
		*rc = CTL_EXIT_FAIL;
	}
	free(path);
	return s;
}

int
ctl_admin_main(int argc, char **argv)
{
	const char *cmd = argv[0], *sub = NULL;
	struct ctl_opts o;
	char *sock;
	int rc = 0, nargs, p, want;

	/* options may come before or after silence's subcommand: getopt permutes */
	if ((p = ctl_parse(argc, argv, cmd, &o)) != 0)
		return p > 0 ? 0 : CTL_EXIT_USAGE;
	if (strcmp(cmd, "silence") == 0) {
		if (optind == argc) {
			ctl_usage(stderr, cmd);
			return CTL_EXIT_USAGE;
		}
		sub = argv[optind++];
		if (strcmp(sub, "add") != 0 && strcmp(sub, "list") != 0 &&
		    strcmp(sub, "expire") != 0) {
			fprintf(stderr, "keluhctl: unknown silence command '%s'\n", sub);
			ctl_usage(stderr, cmd);
			return CTL_EXIT_USAGE;
		}
	}
	if ((sub == NULL || strcmp(sub, "add") != 0) &&
	    (o.match || o.dur || o.until || o.reason)) {
		fprintf(stderr, "keluhctl: --match, --for, --until and --reason belong to silence "
		    "add\n");
		ctl_usage(stderr, cmd);
		return CTL_EXIT_USAGE;
	}
	if (o.author && (sub == NULL || strcmp(sub, "list") == 0)) {
		fprintf(stderr, "keluhctl: --author belongs to silence add and silence expire\n");
		return CTL_EXIT_USAGE;
	}
	if (o.all && (sub == NULL || strcmp(sub, "list") != 0)) {
		fprintf(stderr, "keluhctl: --all belongs to silence list\n");
		return CTL_EXIT_USAGE;
	}
	nargs = argc - optind;
	want = (sub && strcmp(sub, "expire") == 0) || strcmp(cmd, "send-test") == 0 ? 1 : 0;
	if (sub && strcmp(sub, "add") == 0) {
		if (ctl_silence_add_args(&o, nargs, argv + optind) < 0) {
			fprintf(stderr, "(keluhctl silence --help shows the usage)\n");
			return CTL_EXIT_USAGE;
		}
	} else if (nargs != want) {
		ctl_usage(stderr, cmd);
		return CTL_EXIT_USAGE;
	}
	if ((sock = ctl_socket(&o, &rc)) == NULL)
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
	if (strcmp(cmd, "status") == 0)
		rc = ctl_status(sock, &o);
	else if (strcmp(cmd, "reload") == 0)
		rc = ctl_reload(sock, &o);
	else if (strcmp(cmd, "send-test") == 0)
		rc = ctl_send_test(sock, &o, argv[optind]);
	else if (strcmp(sub, "add") == 0)
		rc = ctl_silence_add(sock, &o);
	else if (strcmp(sub, "list") == 0)
		rc = ctl_silence_list(sock, &o);
	else
		rc = ctl_silence_expire(sock, &o, argv[optind]);
	fflush(stdout);
	curl_global_cleanup();
	free(sock);
	return rc;
}
