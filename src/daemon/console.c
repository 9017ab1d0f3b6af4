/*
 * console.c: the web console's listener, its static files, the checks of
 * every API request and the live stream of changes (see console.h). Who
 * may ask is console_auth.c's part.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/cases.h"
#include "daemon/console.h"
#include "daemon/console_auth.h"
#include "daemon/pass.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

#define CONSOLE_MAX_BODY    (1024 * 1024)     /* a playground draft with room to spare */
#define CONSOLE_MAX_FILE    (8 * 1024 * 1024) /* a static file */
#define CONSOLE_MAX_DEPTH   8                 /* directories below ui.root */
#define CONSOLE_PING_S      15
#define CONSOLE_EVENT_MAX   (64 * 1024)  /* one published event */
#define CONSOLE_PENDING_MAX (256 * 1024) /* events of one pass waiting for its commit */

/* Every answer; the CSP forbids inline script and style, and framing. */
#define CONSOLE_HEADERS                                                                            \
	"X-Content-Type-Options: nosniff\r\n"                                                      \
	"Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "       \
	"img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; "             \
	"form-action 'self'; frame-ancestors 'none'\r\n"                                           \
	"X-Frame-Options: DENY\r\n"                                                                \
	"Referrer-Policy: no-referrer\r\n"
/* The API's answers are never stored; static files are, but asked again each time (ETag). */
#define CONSOLE_API_HEADERS  CONSOLE_HEADERS "Cache-Control: no-store\r\n"
#define CONSOLE_FILE_HEADERS CONSOLE_HEADERS "Cache-Control: no-cache\r\n"

struct cstream {
	struct cstream *prev, *next;
	struct console *c;
	struct httpd_req *req;
};

/* The events of one pass, sent once its commit is durable. */
struct cpending {
	struct pass_wait w; /* first: the pass hands it back */
	struct cpending *prev, *next;
	struct console *c;
	struct buf text;
};

struct console {
	struct console_env env;
	struct cpending *pending; /* newest first */
	struct httpd *httpd;      /* NULL on http.listen */
	struct console_auth *auth;
	struct cstream *streams;
	size_t nstreams;
	struct event *tick; /* pings and the sweep of old sessions */
	int stopped;
};

/* The API's paths and the page label of keluh_ui_requests_total for each. */
static const struct {
	const char *prefix, *page;
} console_pages[] = {
    {"/v1/session", "session"},       {"/v1/events", "events"},
    {"/v1/cases", "cases"},           {"/v1/response-times", "response-times"},
    {"/v1/deliveries", "deliveries"}, {"/v1/trends", "trends"},
    {"/v1/rules", "rules"},           {"/v1/playground", "playground"},
    {"/v1/labels", "labels"},
};

static const struct {
	const char *ext, *type;
} console_types[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"json", "application/json"},
    {"ico", "image/x-icon"},
};

static void
console_count(void *arg, int status)
{
	char labels[96];

	snprintf(labels, sizeof(labels), "page=\"%s\",code=\"%d\"", (const char *)arg, status);
	metrics_add("keluh_ui_requests_total", labels, 1);
}

/* The page label of path, or NULL when the path is not the console's. */
static const char *
console_page(const char *path)
{
	if (strcmp(path, "/ui") == 0 || strncmp(path, "/ui/", 4) == 0)
		return "static";
	for (size_t i = 0; i < sizeof(console_pages) / sizeof(console_pages[0]); i++) {
		size_t n = strlen(console_pages[i].prefix);

		if (strncmp(path, console_pages[i].prefix, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/'))
			return console_pages[i].page;
	}
	return NULL;
}

/* An error answer with headers of its own (httpd_reply_error has none). */
static void
console_error_hdr(struct httpd_req *req, int status, const char *headers, const char *msg)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"error\":");
	buf_add_json_str(&b, msg, strlen(msg));
	buf_adds(&b, "}\n");
	httpd_reply(req, status, "application/json", headers, b.data, b.len);
	buf_free(&b);
}

/* --- static files ----------------------------------------------------------- */

static const char *
console_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof(console_types) / sizeof(console_types[0]); i++)
		if (strcmp(dot + 1, console_types[i].ext) == 0)
			return console_types[i].type;
	return NULL;
}

/* A name of ours: letters, digits, '-', '_', '.' and '/', no empty, dot-led or '..' part. */
static int
console_name_ok(const char *rel)
{
	const char *p = rel;

	if (*p == '\0')
		return 0;
	for (; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.' ||
		      *p == '/'))
			return 0;
	for (p = rel; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
		if (*p == '.' || *p == '/' || *p == '\0')
			return 0;
	return 1;
}

/*
 * Opens rel below root one part at a time without following any symbolic
 * link, so nothing outside root can be reached. -1 with errno.
 */
static int
console_open_below(const char *root, const char *rel)
{
	char part[256];
	int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd, depth = 0;
	const char *p = rel, *slash;

	while (dfd >= 0 && (slash = strchr(p, '/')) != NULL) {
		if ((size_t)(slash - p) >= sizeof(part) || ++depth > CONSOLE_MAX_DEPTH) {
			close(dfd);
			errno = ENOENT;
			return -1;
		}
		snprintf(part, sizeof(part), "%.*s", (int)(slash - p), p);
		fd = openat(dfd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
		dfd = fd;
		p = slash + 1;
	}
	if (dfd < 0)
		return -1;
	fd = openat(dfd, p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	close(dfd);
	return fd;
}

static void
console_not_found(struct httpd_req *req, const char *what)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "no such file in the console: %s", what);
	httpd_reply_error(req, 404, msg, NULL);
}

/* Sends fd's regular file, or 304 when the client has this version. Closes fd. */
static void
console_send_file(struct httpd_req *req, int fd, const char *type)
{
	char etag[64], hdrs[256], date[64];
	const char *inm = httpd_header(req, "If-None-Match");
	struct stat st;
	char *data;
	ssize_t n;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CONSOLE_MAX_FILE) {
		close(fd);
		httpd_reply_error(req, 404, "not a file the console serves", NULL);
		return;
	}
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)st.st_size,
	         (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL + st.st_mtim.tv_nsec);
	util_http_date(st.st_mtim.tv_sec, date, sizeof(date));
	snprintf(hdrs, sizeof(hdrs), "ETag: %s\r\nLast-Modified: %s\r\n", etag, date);
	if (inm && strcmp(inm, etag) == 0) {
		close(fd);
		httpd_reply(req, 304, NULL, hdrs, NULL, 0);
		return;
	}
	data = xmalloc((size_t)st.st_size + 1);
	n = pread(fd, data, (size_t)st.st_size, 0);
	close(fd);
	if (n != st.st_size)
		httpd_reply_error(req, 500, "the file could not be read", NULL);
	else
		httpd_reply(req, 200, type, hdrs, data, (size_t)n);
	free(data);
}

static void
console_static(struct console *c, struct httpd_req *req)
{
	const struct conf_ui *ui = &c->env.conf->ui;
	const char *path = httpd_path(req), *rel = path + 4, *type;
	int fd;

	if (strcmp(httpd_method(req), "GET") != 0 && strcmp(httpd_method(req), "HEAD") != 0) {
		console_error_hdr(req, 405, "Allow: GET, HEAD\r\n",
		                  "the console's files are read with GET");
		return;
	}
	if (strcmp(path, "/ui") == 0) {
		httpd_reply(req, 301, "text/plain", "Location: /ui/\r\n", "/ui/\n", 5);
		return;
	}
	if (*rel == '\0')
		rel = "index.html";
	if (strcmp(rel, "vendor/chart.js") == 0) {
		if ((fd = open(ui->chart_js, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
			httpd_reply_error(req, 404,
			                  "Chart.js is not installed (ui.chart_js): the "
			                  "pages show no charts",
			                  NULL);
		else
			console_send_file(req, fd, "text/javascript; charset=utf-8");
		return;
	}
	if (!console_name_ok(rel) || (type = console_type(rel)) == NULL ||
	    (fd = console_open_below(ui->root, rel)) < 0) {
		console_not_found(req, path);
		return;
	}
	console_send_file(req, fd, type);
}

/* --- the live stream ----------------------------------------------------------- */

static void
console_streams_gauge(const struct console *c)
{
	metrics_set("keluh_ui_streams", NULL, (double)c->nstreams);
}

static void
cstream_unlink(struct cstream *s)
{
	struct console *c = s->c;

	if (s->prev)
		s->prev->next = s->next;
	else
		c->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	c->nstreams--;
	console_streams_gauge(c);
	free(s);
}

/* The client went away (or its connection was closed): req is gone. */
static void
cstream_cancel(void *arg)
{
	cstream_unlink(arg);
}

static void
cstream_end(struct cstream *s)
{
	httpd_stream_end(s->req);
	cstream_unlink(s);
}

/* Writes text to every stream; a client that does not read is let go. */
static void
console_stream_all(struct console *c, const char *text, size_t len)
{
	struct cstream *s, *next;

	for (s = c->streams; s; s = next) {
		next = s->next;
		if (httpd_stream_write(s->req, text, len) < 0) {
			metrics_bound_hit("ui_stream_output",
			                  "unread server-sent events of a client");
			cstream_end(s);
		}
	}
}

static void
console_events(struct console *c, struct httpd_req *req)
{
	struct cstream *s;

	if (strcmp(httpd_method(req), "GET") != 0) {
		console_error_hdr(req, 405, "Allow: GET\r\n", "/v1/events is read with GET");
		return;
	}
	if (c->stopped) {
		console_error_hdr(req, 503, "Retry-After: 30\r\n", "keluhd is stopping");
		return;
	}
	if (c->nstreams >= c->env.conf->ui.max_streams) {
		metrics_bound_hit("ui_streams", "live console clients (ui.max_streams)");
		console_error_hdr(req, 503, "Retry-After: 30\r\n",
		                  "too many live clients (ui.max_streams); try again later");
		return;
	}
	s = xcalloc(1, sizeof(*s));
	s->c = c;
	s->req = req;
	s->next = c->streams;
	if (c->streams)
		c->streams->prev = s;
	c->streams = s;
	c->nstreams++;
	console_streams_gauge(c);
	httpd_req_on_cancel(req, cstream_cancel, s);
	httpd_stream_begin(req, 200, "text/event-stream; charset=utf-8",
	                   "X-Accel-Buffering: no\r\n");
	httpd_stream_write(req, "retry: 5000\n\n", 13);
}

void
console_publish(struct console *c, const char *event, const char *data)
{
	struct buf b;

	if (c == NULL || c->streams == NULL)
		return;
	if (strlen(data) > CONSOLE_EVENT_MAX || strpbrk(event, "\r\n") || strpbrk(data, "\r\n")) {
		log_warnx("ui: event %s not sent: too long or more than one line", event);
		return;
	}
	buf_init(&b);
	buf_printf(&b, "event: %s\ndata: %s\n\n", event, data);
	console_stream_all(c, b.data, b.len);
	buf_free(&b);
}

static void
cpending_unlink(struct cpending *p)
{
	struct console *c = p->c;

	if (p->prev)
		p->prev->next = p->next;
	else
		c->pending = p->next;
	if (p->next)
		p->next->prev = p->prev;
	buf_free(&p->text);
	free(p);
}

/* The pass's commit is durable (ok) or failed: then the changes never happened. */
static void
cpending_answer(struct pass_wait *w, int ok)
{
	struct cpending *p = (struct cpending *)w;

	if (ok)
		console_stream_all(p->c, p->text.data, p->text.len);
	cpending_unlink(p);
}

/* Queues an event until the pass that wrote its change is durable. */
static void
console_queue(struct console *c, const char *event, const char *data)
{
	struct cpending *p = c->pending;

	if (c->streams == NULL)
		return;
	if (c->env.pass == NULL) {
		console_publish(c, event, data);
		return;
	}
	if (p == NULL || p->w.committed) {
		p = xcalloc(1, sizeof(*p));
		p->c = c;
		buf_init(&p->text);
		p->w.answer = cpending_answer;
		p->next = c->pending;
		if (c->pending)
			c->pending->prev = p;
		c->pending = p;
		pass_wait(c->env.pass, &p->w, 0);
	}
	if (p->text.len + strlen(data) > CONSOLE_PENDING_MAX) {
		metrics_bound_hit("ui_events_pending", "console events of one pass");
		return;
	}
	buf_printf(&p->text, "event: %s\ndata: %s\n\n", event, data);
}

void
console_delivery_changed(void *arg, int64_t id, const char *state)
{
	char data[128];

	snprintf(data, sizeof(data), "{\"id\":%lld,\"state\":\"%s\"}", (long long)id, state);
	console_queue(arg, "delivery", data);
}

/* The cases' second watcher (cases_set_observer). */
static void
console_case_seen(void *arg, const struct spool_case *sc, const char *kind, int64_t at)
{
	struct console *c = arg;
	char data[160];

	(void)at;
	if (strcmp(kind, "alert") == 0) {
		snprintf(data, sizeof(data), "{\"case\":%lld}", (long long)sc->id);
		console_queue(c, "alert", data);
		return;
	}
	snprintf(data, sizeof(data), "{\"id\":%lld,\"state\":\"%s\",\"kind\":\"%s\"}",
	         (long long)sc->id, sc->state ? sc->state : "", kind);
	console_queue(c, "case", data);
}

static void
console_tick(evutil_socket_t fd, short what, void *arg)
{
	struct console *c = arg;

	(void)fd;
	(void)what;
	console_stream_all(c, ": ping\n\n", 8);
	console_auth_sweep(c->auth, c->env.conf, util_now_ms());
}

/* --- the API -------------------------------------------------------------------- */

static int
console_is(struct httpd_req *req, const char *method)
{
	return strcmp(httpd_method(req), method) == 0;
}

/* The console's own paths, once req passed the checks. */
static int
console_own(struct console *c, struct httpd_req *req, const struct console_user *u)
{
	const char *path = httpd_path(req);
	const struct conf *conf = c->env.conf;

	if (strcmp(path, "/v1/session") == 0) {
		if (console_is(req, "GET") || console_is(req, "HEAD"))
			console_auth_get(c->auth, conf, req, u);
		else
			console_error_hdr(req, 405, "Allow: GET, POST\r\n",
			                  "/v1/session: GET it, or POST a login");
		return 1;
	}
	if (strcmp(path, "/v1/session/logout") == 0) {
		if (console_is(req, "POST"))
			console_auth_logout(c->auth, conf, req, u);
		else
			console_error_hdr(req, 405, "Allow: POST\r\n", "log out with POST");
		return 1;
	}
	if (strcmp(path, "/v1/events") == 0) {
		console_events(c, req);
		return 1;
	}
	return 0;
}

static void
console_api(struct console *c, struct httpd_req *req)
{
	const struct conf *conf = c->env.conf;
	struct console_user u;

	if (strcmp(httpd_path(req), "/v1/session") == 0 && console_is(req, "POST")) {
		console_auth_login(c->auth, conf, req);
		return;
	}
	if (!console_auth_user(c->auth, conf, req, &u)) {
		httpd_reply_error(req, 401, "log in first", NULL);
		return;
	}
	if (!console_is(req, "GET") && !console_is(req, "HEAD") &&
	    !console_auth_csrf_ok(c->auth, conf, req, &u)) {
		httpd_reply_error(req, 403, "missing or wrong CSRF token", NULL);
		return;
	}
	if (console_own(c, req, &u))
		return;
	for (size_t i = 0; i < CONSOLE_PAGES; i++)
		if (c->env.pages[i] && c->env.pages[i](c, req, &u))
			return;
	httpd_reply_error(req, 404, "no such path in the console's API", NULL);
}

int
console_route(struct console *c, struct httpd_req *req)
{
	const char *path = httpd_path(req), *page;

	if (c == NULL || (page = console_page(path)) == NULL)
		return 0;
	httpd_req_on_reply(req, console_count, (void *)page);
	if (strcmp(page, "static") == 0) {
		httpd_req_set_headers(req, CONSOLE_FILE_HEADERS);
		console_static(c, req);
	} else {
		httpd_req_set_headers(req, CONSOLE_API_HEADERS);
		console_api(c, req);
	}
	return 1;
}

/* --- the console ------------------------------------------------------------------ */

static void
console_handler(void *arg, struct httpd_req *req)
{
	struct console *c = arg;

	if (console_route(c, req))
		return;
	httpd_req_set_headers(req, CONSOLE_API_HEADERS);
	httpd_reply_error(req, 404, "not a page of the console; open /ui/", NULL);
}

static void
console_limits(const struct conf *conf, struct httpd_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->max_body = CONSOLE_MAX_BODY;
	lim->max_connections = (int)conf->ui.max_streams + 64;
	lim->idle_timeout_ms = 60000;
	lim->max_per_client = (int)conf->ui.max_streams + 32;
	lim->no_gauges = 1;
}

struct console *
console_new(const struct console_env *env, char *err, size_t errlen)
{
	struct console *c = xcalloc(1, sizeof(*c));
	const struct conf_ui *ui = &env->conf->ui;
	struct timeval ping = {CONSOLE_PING_S, 0};
	struct httpd_limits lim;

	c->env = *env;
	if (ui->listen) {
		console_limits(env->conf, &lim);
		c->httpd = httpd_new(env->base, ui->listen, &lim, console_handler, c, err, errlen);
		if (c->httpd == NULL) {
			free(c);
			return NULL;
		}
		log_info("ui: the web console listens on %s (port %d)", ui->listen,
		         httpd_port(c->httpd));
	} else
		log_info("ui: the web console is served on http.listen under /ui/");
	c->auth = console_auth_new();
	c->tick = event_new(env->base, -1, EV_PERSIST, console_tick, c);
	event_add(c->tick, &ping);
	metrics_set("keluh_ui_sessions", NULL, 0);
	console_streams_gauge(c);
	if (env->cases)
		cases_set_observer(env->cases, console_case_seen, c);
	return c;
}

void
console_set(struct console *c, const struct console_env *env)
{
	struct httpd_limits lim;

	c->env = *env;
	if (env->cases)
		cases_set_observer(env->cases, console_case_seen, c);
	if (c->httpd) {
		console_limits(env->conf, &lim);
		httpd_set_limits(c->httpd, &lim);
	}
}

int
console_port(const struct console *c)
{
	return c->httpd ? httpd_port(c->httpd) : 0;
}

int
console_connections(const struct console *c)
{
	return c->httpd ? httpd_connections(c->httpd) : 0;
}

void
console_stop(struct console *c)
{
	if (c == NULL)
		return;
	if (c->env.cases && !c->stopped)
		cases_set_observer(c->env.cases, NULL, NULL);
	c->stopped = 1;
	while (c->streams)
		cstream_end(c->streams);
	if (c->httpd)
		httpd_stop_accepting(c->httpd);
}

void
console_free(struct console *c)
{
	if (c == NULL)
		return;
	while (c->pending) {
		pass_cancel(c->env.pass, &c->pending->w);
		cpending_unlink(c->pending);
	}
	/* a stopped console gave its slot back; another may have it now */
	if (c->env.cases && !c->stopped)
		cases_set_observer(c->env.cases, NULL, NULL);
	if (c->env.on_free)
		c->env.on_free(c);
	while (c->streams)
		cstream_end(c->streams);
	httpd_free(c->httpd);
	if (c->tick)
		event_free(c->tick);
	console_auth_free(c->auth);
	free(c);
}

const struct console_env *
console_env(const struct console *c)
{
	return &c->env;
}
