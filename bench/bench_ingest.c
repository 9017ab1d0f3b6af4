/*
 * bench_ingest: load generator and webhook sink for keluhd's daemon figures.
 * Plain sockets, only ever to 127.0.0.1; every run is bounded by a count and
 * a time limit.
 *
 *   bench_ingest ingest --port P CORPUS.ndjson [--batch 1000] [--conns 4]
 *           [--count 2000000] [--seconds 10] [--rate N]
 *	POST /v1/mentions with NDJSON batches of --batch mentions over --conns
 *	keep-alive connections (one request in flight per connection, as
 *	keluhd serves them), until --count mentions were sent or --seconds
 *	passed; with --rate, batch k is sent no sooner than k * batch / N
 *	seconds after the start (N mentions a second, at most). Mentions
 *	are the corpus lines in order (wrapping around), each with a fresh
 *	unique "id", so keluhd's duplicate check never fires.
 *	Every answer must be 202; the "accepted" counts are summed.
 *	  mode=ingest conns=C batch=B requests=R mentions=M accepted=A
 *	  complaints=K duplicates=D errors=E seconds=S mentions_per_s=A/S
 *	  req_p50_ms=.. req_p99_ms=.. req_max_ms=..
 *
 *   bench_ingest meta --port P --path /v1/hooks/NAME --secret APP_SECRET
 *           CORPUS.ndjson [--batch 1000] [--conns 4] [--count N] [--seconds 10]
 *	The same load as signed Meta webhooks: each request is a WhatsApp
 *	Cloud API body (Meta's documented shape) of --batch text messages
 *	(the corpus texts, fresh wamid ids), with X-Hub-Signature-256 made
 *	with the app secret as Meta makes it, POSTed to a meta source's
 *	hook. Every answer must be 200 (all of it in the spool).
 *	  mode=meta ... (the figures of ingest mode)
 *
 *   bench_ingest alert --sink-port-file F (--port P | --port-file G)
 *           CRITICAL.ndjson [--count 1000] [--rate 200]
 *           [--bg BACKGROUND.ndjson --bg-rate 20000 --bg-batch 1000]
 *           [--wait 10]
 *	Alert latency. Starts a webhook sink on 127.0.0.1 (port written to F),
 *	waits for keluhd's port (--port, or a file G the caller writes once
 *	keluhd listens), then POSTs --count mentions one by one at --rate per
 *	second, each a line of CRITICAL.ndjson (texts the default packs rate
 *	critical) with a unique id, and times from the 202 of each to the
 *	arrival (the last byte of the request) at the sink of the alert that
 *	names its id. Sender and sink run in this one process and read the same
 *	clock (CLOCK_MONOTONIC). With --bg, another connection sends batches of
 *	BACKGROUND.ndjson (non-critical mentions) at --bg-rate mentions/s
 *	meanwhile. The sink answers 200 at once, with keep-alive. Several
 *	daemons on one spool: --port-file G with one port per line (or
 *	--port P given again); the mentions go to them in turn, the
 *	background too, and an alert that arrives twice counts in repeated.
 *	  mode=alert alerts=N received=R missing=M lat_p50_ms=.. lat_p90_ms=..
 *	  lat_p99_ms=.. lat_max_ms=.. post_p50_ms=.. post_p99_ms=.. rate_per_s=..
 *	  bg_mentions=.. bg_per_s=.. bg_req_p99_ms=.. errors=E
 *
 *   bench_ingest sse --port-file F --keluhd-port-file G CORPUS.ndjson
 *           [--count 1000000] [--seconds 60]
 *	Mentions/s through an SSE source. Serves one Server-Sent Events stream
 *	on 127.0.0.1 (port written to F) and waits for keluhd to connect (its
 *	config names http://127.0.0.1:<F>/ as an sse source). The stream is
 *	--count events ("id: k" and one corpus mention with a fresh id each),
 *	written as fast as keluhd reads them. Once keluhd's HTTP port is in G,
 *	polls its /metrics every 5 ms until keluh_mentions_total (all labels)
 *	reaches --count; the time runs from the first byte of the stream.
 *	  mode=sse events=N bytes=B taken=T seconds=S mentions_per_s=T/S
 *	  write_seconds=W
 *
 *   bench_ingest action --sink-port-file F --port-file G --secret S
 *           CRITICAL.ndjson [--receiver slack] [--count 200]
 *           [--bg BACKGROUND.ndjson --bg-rate 10000 --bg-batch 1000]
 *	The round trip of a button press. Plays Slack's Web API on 127.0.0.1
 *	(port written to F; keluhd's Slack bot receiver has api_url
 *	http://127.0.0.1:<F>/api): chat.postMessage answers a ts made of the
 *	case id it finds in the Acknowledge button ("ack:<id>"). For each of
 *	--count critical mentions in turn: POSTs it, waits for its case's
 *	post, then POSTs Slack's signed block_actions "ack:<id>" to
 *	/v1/actions/<receiver> (signed with the signing secret S, as Slack
 *	signs) and times from that request to the chat.update of the same ts
 *	that says "acknowledged by". Background load as for alert.
 *	  mode=action actions=N done=D rt_p50_ms=.. rt_p99_ms=.. rt_max_ms=..
 *	  answer_p50_ms=.. answer_p99_ms=.. posts=.. updates=.. replies=..
 *	  bg_mentions=.. bg_per_s=.. errors=E
 *
 *   bench_ingest playground --port P --token T TEXTS.txt [--count 2000]
 *           [--rate 100] [--draft RULES.yaml]
 *           [--bg BACKGROUND.ndjson --bg-rate 10000 --bg-batch 1000]
 *	The console playground's round trip while keluhd ingests: POSTs
 *	{"text": line} (TEXTS.txt, one text a line, in turn; with --draft
 *	also {"rules": the file, "file": its base name}) to /v1/playground
 *	with "Authorization: Bearer T" over one keep-alive connection, one
 *	at a time at --rate a second (a person typing), and times each from
 *	the write of the request to the last byte of its 200. Background load
 *	as for alert, on connections of its own.
 *	  mode=playground requests=N rt_p50_ms=.. rt_p99_ms=.. rt_max_ms=..
 *	  bg_mentions=.. bg_per_s=.. bg_posted_per_s=.. bg_req_p99_ms=.. errors=E
 *	  (bg_mentions: accepted, not counting duplicates; posted: all sent)
 *
 * Exit status: 0 when every answer was the one expected (and, for alert,
 * every alert arrived; for action, every edit), 1 otherwise, 2 on usage errors.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#define IO_TIMEOUT_S 30		/* no single read or write waits longer */
#define SINK_MAX_CONNS 64
#define MAX_CONNS 64

/* --- small helpers ------------------------------------------------------ */

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("bench_ingest: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_until(double t)
{
	struct timespec ts;

	if (t <= now_s())
		return;
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		die("out of memory");
	return p;
}

static unsigned long long
num_arg(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		die("%s: '%s' is not a number", opt, s);
	return v;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* nearest rank of a sorted array, in ms */
static double
pct_ms(const double *sorted, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)(p * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return sorted[k - 1] * 1000.0;
}

struct buf {
	char *data;
	size_t len, cap;
};

static void
buf_need(struct buf *b, size_t more)
{
	if (b->len + more + 1 > b->cap) {
		b->cap = (b->len + more + 1) * 2;
		b->data = xrealloc(b->data, b->cap);
	}
}

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_need(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void
buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_need(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* --- corpus: NDJSON mention objects, re-keyed with fresh ids ------------ */

struct corpus {
	char *data;
	const char **rest;	/* the object after its "id" member (or after '{') */
	size_t *restlen;
	unsigned char *comma;	/* rest needs a ',' before it */
	size_t n;
};

static void
corpus_load(struct corpus *c, const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	size_t cap = 0;
	char *p, *end;

	memset(c, 0, sizeof(*c));
	if (fp == NULL || fstat(fileno(fp), &st) < 0)
		die("%s: %s", path, strerror(errno));
	c->data = xmalloc((size_t)st.st_size + 1);
	if (fread(c->data, 1, (size_t)st.st_size, fp) != (size_t)st.st_size)
		die("%s: short read", path);
	fclose(fp);
	c->data[st.st_size] = '\0';
	for (p = c->data, end = c->data + st.st_size; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *q, *r;
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		while (l && (p[l - 1] == '\r' || p[l - 1] == ' '))
			l--;
		if (l >= 2 && p[0] == '{' && p[l - 1] == '}') {
			if (c->n == cap) {
				cap = cap ? cap * 2 : 4096;
				c->rest = xrealloc(c->rest, cap * sizeof(*c->rest));
				c->restlen = xrealloc(c->restlen, cap * sizeof(*c->restlen));
				c->comma = xrealloc(c->comma, cap);
			}
			/* {"id": "...",  -> drop the old id (generators put it first) */
			q = p + 1;
			while (*q == ' ')
				q++;
			r = NULL;
			if (strncmp(q, "\"id\"", 4) == 0) {
				q += 4;
				while (*q == ' ')
					q++;
				if (*q == ':') {
					q++;
					while (*q == ' ')
						q++;
					if (*q == '"') {
						for (q++; q < p + l && *q != '"'; q++)
							if (*q == '\\')
								q++;
						if (q < p + l)
							r = q + 1;
					}
				}
			}
			if (r) {
				c->rest[c->n] = r;	/* ", ...}" or "}" */
				c->comma[c->n] = 0;
			} else {
				c->rest[c->n] = p + 1;	/* "...}" */
				c->comma[c->n] = 1;
			}
			c->restlen[c->n] = (size_t)(p + l - c->rest[c->n]);
			c->n++;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (c->n == 0)
		die("%s: no mention objects", path);
}

/* Appends mention k (corpus line k % n) as {"id":"<tag><k>", ...}\n */
static void
corpus_line(struct buf *b, const struct corpus *c, const char *tag, uint64_t k)
{
	size_t i = (size_t)(k % c->n);

	buf_printf(b, "{\"id\":\"%s%llu\"%s", tag, (unsigned long long)k,
	    c->comma[i] && c->restlen[i] > 1 ? "," : "");
	buf_add(b, c->rest[i], c->restlen[i]);
	buf_add(b, "\n", 1);
}

/* --- HTTP client ----------------------------------------------------------- */

static int
tcp_connect(int port)
{
	struct sockaddr_in sa;
	struct timeval tv = { IO_TIMEOUT_S, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);	/* 127.0.0.1, never anything else */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

struct client {
	int port;
	int fd;
	struct buf req;
	char in[65536];
};

struct answer {
	int status;
	long accepted, complaints, duplicates;
	char body[512];
};

static long
json_num(const char *body, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if ((p = strstr(body, pat)) == NULL)
		return -1;
	return strtol(p + strlen(pat), NULL, 10);
}

/* Sends cl->req (a whole request) and reads the answer. 0, or -1 on I/O errors. */
static int
client_roundtrip(struct client *cl, struct answer *a)
{
	size_t off = 0, have = 0, need = 0;
	char *hend = NULL;
	int close_after = 0;

	memset(a, 0, sizeof(*a));
	if (cl->fd < 0 && (cl->fd = tcp_connect(cl->port)) < 0)
		return -1;
	while (off < cl->req.len) {
		ssize_t w = write(cl->fd, cl->req.data + off, cl->req.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	for (;;) {
		ssize_t r = read(cl->fd, cl->in + have, sizeof(cl->in) - 1 - have);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto fail;
		have += (size_t)r;
		cl->in[have] = '\0';
		if (hend == NULL && (hend = strstr(cl->in, "\r\n\r\n")) != NULL) {
			const char *p;

			if (sscanf(cl->in, "HTTP/1.%*d %d", &a->status) != 1)
				goto fail;
			p = strcasestr(cl->in, "\r\nContent-Length:");
			if (p == NULL || p > hend)
				goto fail;
			need = (size_t)(hend + 4 - cl->in) + strtoul(p + 17, NULL, 10);
			p = strcasestr(cl->in, "\r\nConnection: close");
			close_after = p != NULL && p < hend;
			if (need >= sizeof(cl->in))
				goto fail;
		}
		if (hend && have >= need)
			break;
		if (have == sizeof(cl->in) - 1)
			goto fail;
	}
	snprintf(a->body, sizeof(a->body), "%s", hend + 4);
	a->accepted = json_num(a->body, "accepted");
	a->complaints = json_num(a->body, "complaints");
	a->duplicates = json_num(a->body, "duplicates");
	if (close_after) {
		close(cl->fd);
		cl->fd = -1;
	}
	return 0;
fail:
	close(cl->fd);
	cl->fd = -1;
	return -1;
}

/* cl->req = request head + body (the body is built in place after a gap) */
static void
client_post(struct client *cl, const struct buf *body)
{
	cl->req.len = 0;
	buf_printf(&cl->req, "POST /v1/mentions HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	    "Content-Type: application/x-ndjson\r\nContent-Length: %zu\r\n\r\n", cl->port,
	    body->len);
	buf_add(&cl->req, body->data, body->len);
}

/* --- ingest mode ------------------------------------------------------------ */

struct ingest_run {
	const struct corpus *c;
	int port;
	size_t batch;
	uint64_t count;
	double t0, deadline;
	double rate; /* mentions a second at most; 0: as fast as answered */
	char tag[32];
	atomic_ullong next_batch;
	uint64_t nbatches;
	double *lat;		/* per batch; < 0 = not sent */
	atomic_ullong requests, mentions, accepted, complaints, duplicates, errors;
	pthread_mutex_t lock;
	char first_error[600];
	/* meta mode: signed WhatsApp webhooks to this path, with this app secret */
	const char *hook_path, *secret;
};

static void
note_error(pthread_mutex_t *lock, char *slot, size_t len, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(lock);
	if (slot[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(slot, len, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(lock);
}

/*
 * The "text" member of corpus line i, still JSON-escaped (the corpus is
 * gen_corpus.py's: a plain string member); NULL when it has none.
 */
static const char *
corpus_text(const struct corpus *c, size_t i, size_t *len)
{
	const char *p = memmem(c->rest[i], c->restlen[i], "\"text\":", 7), *end, *q;

	if (p == NULL)
		return NULL;
	end = c->rest[i] + c->restlen[i];
	for (p += 7; p < end && *p == ' '; p++)
		;
	if (p == end || *p++ != '"')
		return NULL;
	for (q = p; q < end && *q != '"'; q++)
		if (*q == '\\')
			q++;
	*len = (size_t)(q - p);
	return p;
}

/*
 * cl->req = a WhatsApp Cloud API webhook (the shape of Meta's
 * documentation) holding mentions first..first+n as text messages, signed
 * as Meta signs: X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>.
 */
static void
meta_post(struct client *cl, struct buf *body, const struct ingest_run *R, uint64_t first,
    uint64_t n)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char hex[2 * crypto_auth_hmacsha256_BYTES + 1];
	crypto_auth_hmacsha256_state st;

	buf_printf(body, "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":"
	    "\"102290129340398\",\"changes\":[{\"value\":{\"messaging_product\":\"whatsapp\","
	    "\"metadata\":{\"display_phone_number\":\"15550783881\",\"phone_number_id\":"
	    "\"106540352242922\"},\"contacts\":[{\"profile\":{\"name\":\"Pelanggan\"},"
	    "\"wa_id\":\"6281200000000\"}],\"messages\":[");
	for (uint64_t k = first; k < first + n; k++) {
		size_t len = 0;
		const char *text = corpus_text(R->c, (size_t)(k % R->c->n), &len);

		buf_printf(body, "%s{\"from\":\"6281200000000\",\"id\":\"wamid.%s%llu\","
		    "\"timestamp\":\"%lld\",\"type\":\"text\",\"text\":{\"body\":\"", k > first ? "," : "",
		    R->tag, (unsigned long long)k, (long long)time(NULL));
		if (text)
			buf_add(body, text, len);
		else
			buf_printf(body, "aplikasi error %llu", (unsigned long long)k);
		buf_add(body, "\"}}", 3);
	}
	buf_printf(body, "]},\"field\":\"messages\"}]}]}");
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)R->secret, strlen(R->secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body->data, body->len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	cl->req.len = 0;
	buf_printf(&cl->req, "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: "
	    "application/json\r\nUser-Agent: facebookexternalua\r\nX-Hub-Signature-256: "
	    "sha256=%s\r\nContent-Length: %zu\r\n\r\n", R->hook_path, cl->port, hex, body->len);
	buf_add(&cl->req, body->data, body->len);
}

static void *
ingest_worker(void *arg)
{
	struct ingest_run *R = arg;
	struct client cl;
	struct buf body = { 0 };
	struct answer a;

	memset(&cl, 0, sizeof(cl));
	cl.port = R->port;
	cl.fd = -1;
	for (;;) {
		uint64_t b = atomic_fetch_add(&R->next_batch, 1), first, n;
		double t;

		if (b >= R->nbatches || now_s() >= R->deadline)
			break;
		first = b * R->batch;
		n = R->count - first < R->batch ? R->count - first : R->batch;
		if (R->rate > 0) {
			sleep_until(R->t0 + (double)first / R->rate);
			if (now_s() >= R->deadline)
				break;
		}
		body.len = 0;
		if (R->hook_path)
			meta_post(&cl, &body, R, first, n);
		else {
			for (uint64_t k = first; k < first + n; k++)
				corpus_line(&body, R->c, R->tag, k);
			client_post(&cl, &body);
		}
		t = now_s();
		if (client_roundtrip(&cl, &a) < 0) {
			atomic_fetch_add(&R->errors, 1);
			note_error(&R->lock, R->first_error, sizeof(R->first_error),
			    "request %llu: connection failed: %s", (unsigned long long)b,
			    strerror(errno));
			break;
		}
		R->lat[b] = now_s() - t;
		atomic_fetch_add(&R->requests, 1);
		atomic_fetch_add(&R->mentions, n);
		if (R->hook_path && a.status == 200) {
			/* a hook's 200 says only that all of it is in the spool */
			atomic_fetch_add(&R->accepted, n);
			continue;
		}
		if (a.status != 202 || a.accepted < 0) {
			atomic_fetch_add(&R->errors, 1);
			note_error(&R->lock, R->first_error, sizeof(R->first_error),
			    "request %llu: HTTP %d %.300s", (unsigned long long)b, a.status, a.body);
			continue;
		}
		atomic_fetch_add(&R->accepted, (unsigned long long)a.accepted);
		atomic_fetch_add(&R->complaints, (unsigned long long)(a.complaints > 0 ? a.complaints : 0));
		atomic_fetch_add(&R->duplicates, (unsigned long long)(a.duplicates > 0 ? a.duplicates : 0));
	}
	if (cl.fd >= 0)
		close(cl.fd);
	free(cl.req.data);
	free(body.data);
	return NULL;
}

static int
run_ingest(int argc, char **argv, int meta)
{
	struct ingest_run *R = calloc(1, sizeof(*R));
	const char *path = NULL;
	unsigned long long conns = 4, seconds = 10;
	pthread_t th[MAX_CONNS];
	struct corpus c;
	double *sorted, t1;
	size_t ns = 0;

	if (R == NULL)
		die("out of memory");
	R->batch = 1000;
	R->count = 2000000;
	for (int i = 0; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--port") == 0 && i + 1 < argc)
			R->port = (int)num_arg(o, argv[++i]);
		else if (strcmp(o, "--batch") == 0 && i + 1 < argc)
			R->batch = (size_t)num_arg(o, argv[++i]);
		else if (strcmp(o, "--conns") == 0 && i + 1 < argc)
			conns = num_arg(o, argv[++i]);
		else if (strcmp(o, "--count") == 0 && i + 1 < argc)
			R->count = num_arg(o, argv[++i]);
		else if (strcmp(o, "--seconds") == 0 && i + 1 < argc)
			seconds = num_arg(o, argv[++i]);
		else if (strcmp(o, "--rate") == 0 && i + 1 < argc)
			R->rate = (double)num_arg(o, argv[++i]);
		else if (meta && strcmp(o, "--path") == 0 && i + 1 < argc)
			R->hook_path = argv[++i];
		else if (meta && strcmp(o, "--secret") == 0 && i + 1 < argc)
			R->secret = argv[++i];
		else if (o[0] != '-' && path == NULL)
			path = o;
		else
			die("ingest: unknown argument %s", o);
	}
	if (meta && (R->hook_path == NULL || R->secret == NULL || R->hook_path[0] != '/' ||
	    sodium_init() < 0))
		die("usage: bench_ingest meta --port P --path /v1/hooks/NAME --secret APP_SECRET "
		    "CORPUS.ndjson [--batch N] [--conns N] [--count N] [--seconds S]");
	if (path == NULL || R->port <= 0 || R->port > 65535 || R->batch == 0 || R->count == 0 ||
	    conns == 0 || conns > MAX_CONNS || seconds == 0 || seconds > 3600)
		die("usage: bench_ingest ingest --port P CORPUS.ndjson [--batch N] [--conns 1-%d] "
		    "[--count N] [--seconds 1-3600] [--rate N]", MAX_CONNS);
	corpus_load(&c, path);
	R->c = &c;
	R->nbatches = (R->count + R->batch - 1) / R->batch;
	R->lat = xmalloc(R->nbatches * sizeof(double));
	for (uint64_t b = 0; b < R->nbatches; b++)
		R->lat[b] = -1;
	snprintf(R->tag, sizeof(R->tag), "i%lx-%ld-", (long)getpid(), (long)time(NULL));
	pthread_mutex_init(&R->lock, NULL);
	R->t0 = now_s();
	R->deadline = R->t0 + (double)seconds;
	for (unsigned long long i = 0; i < conns; i++)
		if (pthread_create(&th[i], NULL, ingest_worker, R) != 0)
			die("cannot start a thread");
	for (unsigned long long i = 0; i < conns; i++)
		pthread_join(th[i], NULL);
	t1 = now_s();
	sorted = xmalloc(R->nbatches * sizeof(double));
	for (uint64_t b = 0; b < R->nbatches; b++)
		if (R->lat[b] >= 0)
			sorted[ns++] = R->lat[b];
	qsort(sorted, ns, sizeof(double), dbl_cmp);
	if (R->first_error[0])
		fprintf(stderr, "bench_ingest: %s\n", R->first_error);
	printf("mode=%s conns=%llu batch=%zu requests=%llu mentions=%llu accepted=%llu "
	       "complaints=%llu duplicates=%llu errors=%llu seconds=%.3f mentions_per_s=%.0f "
	       "req_p50_ms=%.2f req_p99_ms=%.2f req_max_ms=%.2f\n",
	    meta ? "meta" : "ingest", conns, R->batch, (unsigned long long)R->requests,
	    (unsigned long long)R->mentions,
	    (unsigned long long)R->accepted, (unsigned long long)R->complaints,
	    (unsigned long long)R->duplicates, (unsigned long long)R->errors, t1 - R->t0,
	    (double)R->accepted / (t1 - R->t0), pct_ms(sorted, ns, 0.50), pct_ms(sorted, ns, 0.99),
	    ns ? sorted[ns - 1] * 1000.0 : 0.0);
	return R->errors || R->accepted != R->mentions ? 1 : 0;
}

/* --- alert mode: sink ---------------------------------------------------- */

#define ALERT_PORTS 8

struct sink_conn {
	int fd;
	struct buf in;
};

struct alert_run {
	int sink_fd;
	atomic_int stop_sink, stop_bg;
	char tag[32];		/* ids of the critical mentions: <tag><i> */
	uint64_t count;
	double *sent;		/* POST written */
	double *acked;		/* 202 read */
	double *arrived;	/* alert read by the sink; 0 = not yet */
	atomic_ullong received, unknown, repeated, sink_requests;
	/* background */
	const struct corpus *bg;
	int port;
	int ports[ALERT_PORTS];	/* the daemons, taken in turn; ports[0] is port */
	size_t nports;
	double bg_rate;
	size_t bg_batch;
	uint64_t bg_mentions, bg_requests, bg_errors;
	uint64_t bg_posted; /* mentions sent in batches answered 202, duplicates too */
	double bg_t0, bg_t1;
	double *bg_lat;
	size_t bg_nlat, bg_cap;
	pthread_mutex_t lock;
	char first_error[600];
};

/* One whole request in c->in? Then handles it and returns 1. */
static int
sink_request(void *arg, struct sink_conn *c, double t)
{
	struct alert_run *A = arg;
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 2\r\nConnection: keep-alive\r\n\r\nok";
	char *hend = c->in.len ? strstr(c->in.data, "\r\n\r\n") : NULL, *cl, *body, *p;
	size_t need, idlen = strlen(A->tag);
	char pat[48];

	if (hend == NULL)
		return 0;
	cl = strcasestr(c->in.data, "\r\nContent-Length:");
	need = (size_t)(hend + 4 - c->in.data) + (cl && cl < hend ? strtoul(cl + 17, NULL, 10) : 0);
	if (c->in.len < need)
		return 0;
	atomic_fetch_add(&A->sink_requests, 1);
	body = hend + 4;
	snprintf(pat, sizeof(pat), "\"id\":\"%s", A->tag);
	(void)idlen;
	p = memmem(body, need - (size_t)(body - c->in.data), pat, strlen(pat));
	if (p) {
		uint64_t i = strtoull(p + strlen(pat), NULL, 10);

		if (i < A->count && A->arrived[i] == 0) {
			A->arrived[i] = t;
			atomic_fetch_add(&A->received, 1);
		} else
			atomic_fetch_add(&A->repeated, 1);
	} else
		atomic_fetch_add(&A->unknown, 1);
	if (write(c->fd, ok, sizeof(ok) - 1) < 0) {
		/* the daemon retries; nothing to do */
	}
	memmove(c->in.data, c->in.data + need, c->in.len - need);
	c->in.len -= need;
	c->in.data[c->in.len] = '\0';
	return 1;
}

/*
 * The sinks' loop: accepts on fd, reads every connection, and hands each
 * whole request to handle(arg, conn, read time) until *stop.
 */
static void
sink_serve(int fd, atomic_int *stop, int (*handle)(void *, struct sink_conn *, double), void *arg)
{
	struct sink_conn conns[SINK_MAX_CONNS];
	struct pollfd pf[SINK_MAX_CONNS + 1];
	size_t n = 0;

	memset(conns, 0, sizeof(conns));
	while (!atomic_load(stop)) {
		pf[0].fd = fd;
		pf[0].events = n < SINK_MAX_CONNS ? POLLIN : 0;
		for (size_t i = 0; i < n; i++) {
			pf[i + 1].fd = conns[i].fd;
			pf[i + 1].events = POLLIN;
		}
		if (poll(pf, n + 1, 50) <= 0)
			continue;
		for (size_t i = n; i-- > 0;) {
			struct sink_conn *c = &conns[i];
			ssize_t got;
			double t;

			if (!(pf[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			buf_need(&c->in, 65536);
			got = read(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len - 1);
			t = now_s();
			if (got <= 0) {
				close(c->fd);
				free(c->in.data);
				conns[i] = conns[--n];
				continue;
			}
			c->in.len += (size_t)got;
			c->in.data[c->in.len] = '\0';
			while (handle(arg, c, t))
				;
		}
		if (pf[0].revents & POLLIN) {
			int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC), one = 1;

			if (cfd >= 0) {
				setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				memset(&conns[n], 0, sizeof(conns[n]));
				conns[n++].fd = cfd;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		close(conns[i].fd);
		free(conns[i].in.data);
	}
}

static void *
sink_thread(void *arg)
{
	struct alert_run *A = arg;

	sink_serve(A->sink_fd, &A->stop_sink, sink_request, A);
	return NULL;
}

/* --- alert mode: background load ------------------------------------------ */

static void *
bg_thread(void *arg)
{
	struct alert_run *A = arg;
	struct client *cls;
	struct buf body = { 0 };
	struct answer a;
	char tag[40];
	uint64_t k = 0;
	double every = (double)A->bg_batch / A->bg_rate;

	/* the modes of one daemon set port only */
	if (A->nports == 0) {
		A->ports[0] = A->port;
		A->nports = 1;
	}
	cls = calloc(A->nports, sizeof(*cls));
	if (cls == NULL)
		die("out of memory");
	for (size_t i = 0; i < A->nports; i++) {
		cls[i].port = A->ports[i];
		cls[i].fd = -1;
	}
	snprintf(tag, sizeof(tag), "b%lx-%ld-", (long)getpid(), (long)time(NULL));
	A->bg_t0 = now_s();
	for (uint64_t b = 0; !atomic_load(&A->stop_bg); b++) {
		struct client *cl = &cls[b % A->nports];
		double t;

		sleep_until(A->bg_t0 + (double)b * every);
		if (atomic_load(&A->stop_bg))
			break;
		body.len = 0;
		for (size_t i = 0; i < A->bg_batch; i++)
			corpus_line(&body, A->bg, tag, k++);
		client_post(cl, &body);
		t = now_s();
		if (client_roundtrip(cl, &a) < 0 || a.status != 202) {
			A->bg_errors++;
			note_error(&A->lock, A->first_error, sizeof(A->first_error),
			    "background request %llu: HTTP %d %.300s", (unsigned long long)b, a.status,
			    a.body);
			if (cl->fd < 0)
				break;
			continue;
		}
		if (A->bg_nlat == A->bg_cap) {
			A->bg_cap = A->bg_cap ? A->bg_cap * 2 : 1024;
			A->bg_lat = xrealloc(A->bg_lat, A->bg_cap * sizeof(double));
		}
		A->bg_lat[A->bg_nlat++] = now_s() - t;
		A->bg_requests++;
		A->bg_mentions += (uint64_t)(a.accepted > 0 ? a.accepted : 0);
		A->bg_posted += A->bg_batch;
	}
	A->bg_t1 = now_s();
	for (size_t i = 0; i < A->nports; i++) {
		if (cls[i].fd >= 0)
			close(cls[i].fd);
		free(cls[i].req.data);
	}
	free(cls);
	free(body.data);
	return NULL;
}

/*
 * A listening socket on 127.0.0.1 and any free port, written to path
 * (through a rename, so a reader never sees half a number).
 */
static int
listen_port_file(const char *path, const char *what)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	char tmp[4096];
	FILE *fp;
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(int));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) < 0)
		die("%s: %s", what, strerror(errno));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fp = fopen(tmp, "w")) == NULL || fprintf(fp, "%d\n", ntohs(sa.sin_port)) < 0 ||
	    fclose(fp) != 0 || rename(tmp, path) < 0)
		die("%s: %s", path, strerror(errno));
	return fd;
}

/* --- alert mode --------------------------------------------------------------- */

/* The ports in path, one per line (up to max), once it has one: how many, or -1. */
static int
wait_ports_file(const char *path, double limit, int *ports, size_t max)
{
	double end = now_s() + limit;

	while (now_s() < end) {
		FILE *fp = fopen(path, "r");
		size_t n = 0;
		int port;

		if (fp) {
			while (n < max && fscanf(fp, "%d", &port) == 1 && port > 0 && port < 65536)
				ports[n++] = port;
			fclose(fp);
			if (n > 0)
				return (int)n;
		}
		usleep(20000);
	}
	return -1;
}

static int
wait_port_file(const char *path, double limit)
{
	double end = now_s() + limit;

	while (now_s() < end) {
		FILE *fp = fopen(path, "r");
		int port = 0;

		if (fp) {
			if (fscanf(fp, "%d", &port) != 1)
				port = 0;
			fclose(fp);
			if (port > 0 && port < 65536)
				return port;
		}
		usleep(20000);
	}
	return -1;
}

static int
run_alert(int argc, char **argv)
{
	struct alert_run *A = calloc(1, sizeof(*A));
	const char *path = NULL, *bgpath = NULL, *sink_port_file = NULL, *port_file = NULL;
	unsigned long long rate = 200, bg_rate = 20000, wait_s = 10;
	struct corpus crit, bg;
	pthread_t sink_th, bg_th;
	struct client *cls, *cl;
	struct buf body = { 0 };
	struct answer a;
	double *lat, *post, *e2e, t0, end;
	size_t nl = 0, np = 0;
	uint64_t errors = 0;

	if (A == NULL)
		die("out of memory");
	A->count = 1000;
	A->bg_batch = 1000;
	for (int i = 0; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--port") == 0 && i + 1 < argc && A->nports < ALERT_PORTS)
			A->ports[A->nports++] = (int)num_arg(o, argv[++i]);
		else if (strcmp(o, "--port-file") == 0 && i + 1 < argc)
			port_file = argv[++i];
		else if (strcmp(o, "--sink-port-file") == 0 && i + 1 < argc)
			sink_port_file = argv[++i];
		else if (strcmp(o, "--count") == 0 && i + 1 < argc)
			A->count = num_arg(o, argv[++i]);
		else if (strcmp(o, "--rate") == 0 && i + 1 < argc)
			rate = num_arg(o, argv[++i]);
		else if (strcmp(o, "--bg") == 0 && i + 1 < argc)
			bgpath = argv[++i];
		else if (strcmp(o, "--bg-rate") == 0 && i + 1 < argc)
			bg_rate = num_arg(o, argv[++i]);
		else if (strcmp(o, "--bg-batch") == 0 && i + 1 < argc)
			A->bg_batch = (size_t)num_arg(o, argv[++i]);
		else if (strcmp(o, "--wait") == 0 && i + 1 < argc)
			wait_s = num_arg(o, argv[++i]);
		else if (o[0] != '-' && path == NULL)
			path = o;
		else
			die("alert: unknown argument %s", o);
	}
	A->port = A->nports ? A->ports[0] : 0;
	if (path == NULL || sink_port_file == NULL || (A->port <= 0 && port_file == NULL) ||
	    A->port > 65535 || A->count == 0 || A->count > 10000000 || rate == 0 ||
	    rate > 1000000 || A->bg_batch == 0 || bg_rate == 0 || wait_s > 600)
		die("usage: bench_ingest alert --sink-port-file F (--port P | --port-file G) "
		    "CRITICAL.ndjson [--count N] [--rate N] [--bg FILE --bg-rate N --bg-batch N] "
		    "[--wait S]");
	corpus_load(&crit, path);
	if (bgpath) {
		corpus_load(&bg, bgpath);
		A->bg = &bg;
	}
	A->bg_rate = (double)bg_rate;
	A->sent = calloc(A->count, sizeof(double));
	A->acked = calloc(A->count, sizeof(double));
	A->arrived = calloc(A->count, sizeof(double));
	if (!A->sent || !A->acked || !A->arrived)
		die("out of memory");
	snprintf(A->tag, sizeof(A->tag), "L%lx-%ld-", (long)getpid(), (long)time(NULL));
	pthread_mutex_init(&A->lock, NULL);

	/* the sink, on 127.0.0.1 and any free port */
	A->sink_fd = listen_port_file(sink_port_file, "sink");
	if (pthread_create(&sink_th, NULL, sink_thread, A) != 0)
		die("cannot start the sink");

	if (A->nports == 0) {
		int n = wait_ports_file(port_file, 60, A->ports, ALERT_PORTS);

		if (n < 0) {
			atomic_store(&A->stop_sink, 1);
			pthread_join(sink_th, NULL);
			die("%s: no keluhd port within 60 s", port_file);
		}
		A->nports = (size_t)n;
		A->port = A->ports[0];
	}
	if (A->bg && pthread_create(&bg_th, NULL, bg_thread, A) != 0)
		die("cannot start the background load");

	cls = calloc(A->nports, sizeof(*cls));
	if (cls == NULL)
		die("out of memory");
	for (size_t i = 0; i < A->nports; i++) {
		cls[i].port = A->ports[i];
		cls[i].fd = -1;
	}
	/* let the background settle into its pace first */
	if (A->bg)
		sleep_until(now_s() + 0.5);
	t0 = now_s();
	for (uint64_t i = 0; i < A->count; i++) {
		uint64_t k;
		char id[64];

		sleep_until(t0 + (double)i / (double)rate);
		body.len = 0;
		/* corpus_line numbers from the tag; keep the index = the mention's number */
		k = i;
		snprintf(id, sizeof(id), "%s", A->tag);
		corpus_line(&body, &crit, id, k);
		cl = &cls[i % A->nports];
		client_post(cl, &body);
		A->sent[i] = now_s();
		if (client_roundtrip(cl, &a) < 0) {
			errors++;
			note_error(&A->lock, A->first_error, sizeof(A->first_error),
			    "critical mention %llu: connection failed: %s", (unsigned long long)i,
			    strerror(errno));
			break;
		}
		A->acked[i] = now_s();
		if (a.status != 202 || a.accepted != 1 || a.complaints != 1) {
			errors++;
			note_error(&A->lock, A->first_error, sizeof(A->first_error),
			    "critical mention %llu: HTTP %d %.300s", (unsigned long long)i, a.status,
			    a.body);
		}
	}
	/* every alert, or the time limit */
	end = now_s() + (double)wait_s;
	while (atomic_load(&A->received) < A->count && now_s() < end)
		usleep(5000);
	atomic_store(&A->stop_bg, 1);
	if (A->bg)
		pthread_join(bg_th, NULL);
	usleep(100000);	/* late repeats, if any */
	atomic_store(&A->stop_sink, 1);
	pthread_join(sink_th, NULL);
	for (size_t i = 0; i < A->nports; i++)
		if (cls[i].fd >= 0)
			close(cls[i].fd);

	lat = xmalloc(A->count * sizeof(double));
	e2e = xmalloc(A->count * sizeof(double));
	post = xmalloc(A->count * sizeof(double));
	for (uint64_t i = 0; i < A->count; i++) {
		if (A->acked[i] > 0)
			post[np++] = A->acked[i] - A->sent[i];
		if (A->acked[i] > 0 && A->arrived[i] > 0) {
			/* the 202 is read by another thread: a hair later than the alert, at worst */
			lat[nl] = A->arrived[i] > A->acked[i] ? A->arrived[i] - A->acked[i] : 0;
			e2e[nl++] = A->arrived[i] - A->sent[i];
		}
	}
	qsort(lat, nl, sizeof(double), dbl_cmp);
	qsort(e2e, nl, sizeof(double), dbl_cmp);
	qsort(post, np, sizeof(double), dbl_cmp);
	if (A->bg_nlat)
		qsort(A->bg_lat, A->bg_nlat, sizeof(double), dbl_cmp);
	if (A->first_error[0])
		fprintf(stderr, "bench_ingest: %s\n", A->first_error);
	if (A->received < A->count)
		fprintf(stderr, "bench_ingest: %llu of %llu alerts did not arrive within %llu s "
		    "of the last 202\n", (unsigned long long)(A->count - A->received),
		    (unsigned long long)A->count, wait_s);
	printf("mode=alert alerts=%llu received=%llu missing=%llu repeated=%llu unknown=%llu "
	       "lat_p50_ms=%.2f lat_p90_ms=%.2f lat_p99_ms=%.2f lat_max_ms=%.2f "
	       "e2e_p50_ms=%.2f e2e_p99_ms=%.2f post_p50_ms=%.2f post_p99_ms=%.2f rate_per_s=%llu "
	       "bg_mentions=%llu bg_per_s=%.0f bg_req_p50_ms=%.2f bg_req_p99_ms=%.2f errors=%llu\n",
	    (unsigned long long)A->count, (unsigned long long)A->received,
	    (unsigned long long)(A->count - A->received), (unsigned long long)A->repeated,
	    (unsigned long long)A->unknown, pct_ms(lat, nl, 0.5), pct_ms(lat, nl, 0.9),
	    pct_ms(lat, nl, 0.99), nl ? lat[nl - 1] * 1000.0 : 0.0, pct_ms(e2e, nl, 0.5),
	    pct_ms(e2e, nl, 0.99), pct_ms(post, np, 0.5), pct_ms(post, np, 0.99), rate,
	    (unsigned long long)A->bg_mentions,
	    A->bg && A->bg_t1 > A->bg_t0 ? (double)A->bg_mentions / (A->bg_t1 - A->bg_t0) : 0.0,
	    pct_ms(A->bg_lat, A->bg_nlat, 0.5), pct_ms(A->bg_lat, A->bg_nlat, 0.99),
	    (unsigned long long)(errors + A->bg_errors));
	return errors || A->bg_errors || A->received < A->count ? 1 : 0;
}

/* --- action mode: the fake Slack Web API ------------------------------------ */

#define ACT_QUEUE 4096

/*
 * What the fake Slack saw: the cases whose first post arrived (a queue the
 * sender takes from), and the arrival of the edit that shows the case it
 * waits for as acknowledged.
 */
struct act_sink {
	int fd;
	atomic_int stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	long long queue[ACT_QUEUE];
	size_t qhead, qtail;
	long long waiting;	/* the case whose acknowledged edit is awaited; 0: none */
	double edited;		/* when it arrived; 0: not yet */
	atomic_ullong posts, replies, updates, other;
};

/* The case id after needle in body ("ack:42", "\"ts\":\"42."), or 0. */
static long long
act_case_after(const char *body, size_t len, const char *needle)
{
	const char *p = memmem(body, len, needle, strlen(needle));

	return p ? strtoll(p + strlen(needle), NULL, 10) : 0;
}

static void
act_answer(int fd, long long id)
{
	char body[128], head[256];
	int n = snprintf(body, sizeof(body), "{\"ok\":true,\"channel\":\"CBENCH\",\"ts\":\"%lld.000100\"}",
	    id);
	int h = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: %d\r\nConnection: keep-alive\r\n\r\n", n);

	if (write(fd, head, (size_t)h) < 0 || write(fd, body, (size_t)n) < 0) {
		/* keluhd retries; nothing to do */
	}
}

/* One whole request in c->in? Then handles it and returns 1. */
static int
act_sink_request(void *arg, struct sink_conn *c, double t)
{
	struct act_sink *S = arg;
	char *hend = c->in.len ? strstr(c->in.data, "\r\n\r\n") : NULL, *cl, *body;
	size_t need, blen;
	long long id = 0;

	if (hend == NULL)
		return 0;
	cl = strcasestr(c->in.data, "\r\nContent-Length:");
	need = (size_t)(hend + 4 - c->in.data) + (cl && cl < hend ? strtoul(cl + 17, NULL, 10) : 0);
	if (c->in.len < need)
		return 0;
	body = hend + 4;
	blen = need - (size_t)(body - c->in.data);
	if (strncmp(c->in.data, "POST /api/chat.update ", 22) == 0) {
		atomic_fetch_add(&S->updates, 1);
		id = act_case_after(body, blen, "\"ts\":\"");
		pthread_mutex_lock(&S->lock);
		if (id && id == S->waiting && S->edited == 0 &&
		    memmem(body, blen, "acknowledged by ", 16) != NULL) {
			S->edited = t;
			pthread_cond_broadcast(&S->cond);
		}
		pthread_mutex_unlock(&S->lock);
	} else if (strncmp(c->in.data, "POST /api/chat.postMessage ", 27) == 0) {
		if (memmem(body, blen, "\"thread_ts\"", 11) != NULL) {
			atomic_fetch_add(&S->replies, 1);
			id = act_case_after(body, blen, "\"thread_ts\":\"");
		} else if ((id = act_case_after(body, blen, "ack:")) > 0) {
			atomic_fetch_add(&S->posts, 1);
			pthread_mutex_lock(&S->lock);
			if (S->qtail - S->qhead < ACT_QUEUE) {
				S->queue[S->qtail++ % ACT_QUEUE] = id;
				pthread_cond_broadcast(&S->cond);
			}
			pthread_mutex_unlock(&S->lock);
		} else
			atomic_fetch_add(&S->other, 1);
	} else
		atomic_fetch_add(&S->other, 1);
	act_answer(c->fd, id > 0 ? id : 1);
	memmove(c->in.data, c->in.data + need, c->in.len - need);
	c->in.len -= need;
	c->in.data[c->in.len] = '\0';
	return 1;
}

static void *
act_sink_thread(void *arg)
{
	struct act_sink *S = arg;

	sink_serve(S->fd, &S->stop, act_sink_request, S);
	return NULL;
}

/* --- action mode: the signed button press ----------------------------------- */

static void
url_encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			buf_add(b, s, 1);
		} else {
			char e[3] = { '%', hex[ch >> 4], hex[ch & 15] };

			buf_add(b, e, 3);
		}
	}
}

/*
 * cl->req = Slack's interactivity POST for "ack:<id>" to /v1/actions/<name>,
 * signed as Slack signs it: v0= hex HMAC-SHA256(secret, "v0:" ts ":" body).
 */
static void
act_request(struct client *cl, const char *name, const char *secret, long long id)
{
	struct buf payload = { 0 }, body = { 0 }, base = { 0 };
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char hex[2 * sizeof(mac) + 1];
	crypto_auth_hmacsha256_state st;
	long long ts = (long long)time(NULL);

	buf_printf(&payload, "{\"type\":\"block_actions\",\"user\":{\"id\":\"UBENCH\",\"username\":"
	    "\"bench\"},\"actions\":[{\"action_id\":\"keluh.ack\",\"value\":\"ack:%lld\"}]}", id);
	buf_add(&body, "payload=", 8);
	url_encode(&body, payload.data);
	buf_printf(&base, "v0:%lld:", ts);
	buf_add(&base, body.data, body.len);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)base.data, base.len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	cl->req.len = 0;
	buf_printf(&cl->req, "POST /v1/actions/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\nX-Slack-Request-Timestamp: %lld\r\n"
	    "X-Slack-Signature: v0=%s\r\nContent-Length: %zu\r\n\r\n", name, cl->port, ts, hex,
	    body.len);
	buf_add(&cl->req, body.data, body.len);
	free(payload.data);
	free(body.data);
	free(base.data);
}

/* Waits, S->lock held, until fn(S) holds or timeout_s passed: 1 when it holds. */
static int
act_wait(struct act_sink *S, int (*fn)(const struct act_sink *), int timeout_s)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_s;
	while (!fn(S) && pthread_cond_timedwait(&S->cond, &S->lock, &dl) == 0)
		;
	return fn(S);
}

static int
act_posted(const struct act_sink *S)
{
	return S->qtail > S->qhead;
}

static int
act_edited(const struct act_sink *S)
{
	return S->edited > 0;
}

/* --- action mode ---------------------------------------------------------------- */

struct act_times {
	double *rt, *ans;	/* action POST written -> edit arrived; -> keluhd's answer */
	size_t n;
};

/* One critical mention, its case's first post, the signed ack, its edit. 0 or -1. */
static int
act_one(struct alert_run *A, struct act_sink *S, struct client *ing, struct client *act,
    const struct corpus *crit, uint64_t i, const char *name, const char *secret,
    struct act_times *T)
{
	struct buf body = { 0 };
	struct answer a;
	long long id;
	double t0, t1, edited;

	corpus_line(&body, crit, A->tag, i);
	client_post(ing, &body);
	free(body.data);
	if (client_roundtrip(ing, &a) < 0 || a.status != 202 || a.complaints != 1) {
		note_error(&A->lock, A->first_error, sizeof(A->first_error),
		    "critical mention %llu: HTTP %d %.300s", (unsigned long long)i, a.status, a.body);
		return -1;
	}
	pthread_mutex_lock(&S->lock);
	if (!act_wait(S, act_posted, 10)) {
		pthread_mutex_unlock(&S->lock);
		note_error(&A->lock, A->first_error, sizeof(A->first_error),
		    "critical mention %llu: no chat.postMessage with buttons within 10 s",
		    (unsigned long long)i);
		return -1;
	}
	id = S->queue[S->qhead++ % ACT_QUEUE];
	S->waiting = id;
	S->edited = 0;
	pthread_mutex_unlock(&S->lock);
	act_request(act, name, secret, id);
	t0 = now_s();
	if (client_roundtrip(act, &a) < 0 || a.status != 200) {
		note_error(&A->lock, A->first_error, sizeof(A->first_error),
		    "action on case %lld: HTTP %d %.300s", id, a.status, a.body);
		return -1;
	}
	t1 = now_s();
	pthread_mutex_lock(&S->lock);
	edited = act_wait(S, act_edited, 10) ? S->edited : 0;
	S->waiting = 0;
	pthread_mutex_unlock(&S->lock);
	if (edited == 0) {
		note_error(&A->lock, A->first_error, sizeof(A->first_error),
		    "case %lld: no chat.update showing the ack within 10 s", id);
		return -1;
	}
	T->ans[T->n] = t1 - t0;
	T->rt[T->n++] = edited > t0 ? edited - t0 : 0;
	return 0;
}

static int
run_action(int argc, char **argv)
{
	struct alert_run *A = calloc(1, sizeof(*A));
	struct act_sink *S = calloc(1, sizeof(*S));
	const char *path = NULL, *bgpath = NULL, *sink_port_file = NULL, *port_file = NULL;
	const char *name = "slack", *secret = NULL;
	unsigned long long bg_rate = 10000;
	struct corpus crit, bg;
	pthread_t sink_th, bg_th;
	struct client ing, act;
	struct act_times T = { 0 };
	uint64_t errors = 0;

	if (A == NULL || S == NULL || sodium_init() < 0)
		die("cannot start");
	A->count = 200;
	A->bg_batch = 1000;
	for (int i = 0; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--port-file") == 0 && i + 1 < argc)
			port_file = argv[++i];
		else if (strcmp(o, "--sink-port-file") == 0 && i + 1 < argc)
			sink_port_file = argv[++i];
		else if (strcmp(o, "--receiver") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strcmp(o, "--secret") == 0 && i + 1 < argc)
			secret = argv[++i];
		else if (strcmp(o, "--count") == 0 && i + 1 < argc)
			A->count = num_arg(o, argv[++i]);
		else if (strcmp(o, "--bg") == 0 && i + 1 < argc)
			bgpath = argv[++i];
		else if (strcmp(o, "--bg-rate") == 0 && i + 1 < argc)
			bg_rate = num_arg(o, argv[++i]);
		else if (strcmp(o, "--bg-batch") == 0 && i + 1 < argc)
			A->bg_batch = (size_t)num_arg(o, argv[++i]);
		else if (o[0] != '-' && path == NULL)
			path = o;
		else
			die("action: unknown argument %s", o);
	}
	if (path == NULL || sink_port_file == NULL || port_file == NULL || secret == NULL ||
	    A->count == 0 || A->count > 100000 || A->bg_batch == 0 || bg_rate == 0)
		die("usage: bench_ingest action --sink-port-file F --port-file G --secret S "
		    "CRITICAL.ndjson [--receiver NAME] [--count N] [--bg FILE --bg-rate N --bg-batch N]");
	corpus_load(&crit, path);
	if (bgpath) {
		corpus_load(&bg, bgpath);
		A->bg = &bg;
	}
	A->bg_rate = (double)bg_rate;
	T.rt = xmalloc(A->count * sizeof(double));
	T.ans = xmalloc(A->count * sizeof(double));
	snprintf(A->tag, sizeof(A->tag), "K%lx-%ld-", (long)getpid(), (long)time(NULL));
	pthread_mutex_init(&A->lock, NULL);
	pthread_mutex_init(&S->lock, NULL);
	pthread_cond_init(&S->cond, NULL);

	S->fd = listen_port_file(sink_port_file, "fake Slack");
	if (pthread_create(&sink_th, NULL, act_sink_thread, S) != 0)
		die("cannot start the fake Slack");
	if ((A->port = wait_port_file(port_file, 60)) < 0) {
		atomic_store(&S->stop, 1);
		pthread_join(sink_th, NULL);
		die("%s: no keluhd port within 60 s", port_file);
	}
	if (A->bg && pthread_create(&bg_th, NULL, bg_thread, A) != 0)
		die("cannot start the background load");
	memset(&ing, 0, sizeof(ing));
	memset(&act, 0, sizeof(act));
	ing.port = act.port = A->port;
	ing.fd = act.fd = -1;
	if (A->bg)
		sleep_until(now_s() + 0.5);
	for (uint64_t i = 0; i < A->count; i++)
		if (act_one(A, S, &ing, &act, &crit, i, name, secret, &T) < 0 && ++errors >= 10)
			break;
	atomic_store(&A->stop_bg, 1);
	if (A->bg)
		pthread_join(bg_th, NULL);
	atomic_store(&S->stop, 1);
	pthread_join(sink_th, NULL);
	if (ing.fd >= 0)
		close(ing.fd);
	if (act.fd >= 0)
		close(act.fd);
	qsort(T.rt, T.n, sizeof(double), dbl_cmp);
	qsort(T.ans, T.n, sizeof(double), dbl_cmp);
	if (A->first_error[0])
		fprintf(stderr, "bench_ingest: %s\n", A->first_error);
	printf("mode=action actions=%llu done=%zu rt_p50_ms=%.2f rt_p99_ms=%.2f rt_max_ms=%.2f "
	       "answer_p50_ms=%.2f answer_p99_ms=%.2f posts=%llu updates=%llu replies=%llu "
	       "bg_mentions=%llu bg_per_s=%.0f errors=%llu\n",
	    (unsigned long long)A->count, T.n, pct_ms(T.rt, T.n, 0.5), pct_ms(T.rt, T.n, 0.99),
	    T.n ? T.rt[T.n - 1] * 1000.0 : 0.0, pct_ms(T.ans, T.n, 0.5), pct_ms(T.ans, T.n, 0.99),
	    (unsigned long long)S->posts, (unsigned long long)S->updates,
	    (unsigned long long)S->replies, (unsigned long long)A->bg_mentions,
	    A->bg && A->bg_t1 > A->bg_t0 ? (double)A->bg_mentions / (A->bg_t1 - A->bg_t0) : 0.0,
	    (unsigned long long)(errors + A->bg_errors));
	return errors || A->bg_errors || T.n < A->count ? 1 : 0;
}

/* --- sse mode ---------------------------------------------------------------- */

/* Sum of keluh_mentions_total over its labels, from GET /metrics; -1 on errors. */
static long long
metrics_mentions(int port)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\n\r\n";
	struct buf b = { 0 };
	long long sum = 0;
	int fd = tcp_connect(port);
	const char *p;

	if (fd < 0)
		return -1;
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t r;

		buf_need(&b, 65536);
		r = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		b.len += (size_t)r;
	}
	close(fd);
	if (b.data == NULL)
		return -1;
	b.data[b.len] = '\0';
	for (p = b.data; (p = strstr(p, "\nkeluh_mentions_total")) != NULL; p++) {
		const char *eol = strchr(p + 1, '\n'), *sp;

		if (eol == NULL)
			break;
		for (sp = eol; sp > p && *sp != ' '; sp--)
			;
		sum += strtoll(sp + 1, NULL, 10);
	}
	free(b.data);
	return sum;
}

struct sse_run {
	int fd;
	const struct buf *body;
	double t_written;
	int failed;
};

static void *
sse_writer(void *arg)
{
	struct sse_run *S = arg;
	size_t off = 0;

	while (off < S->body->len) {
		ssize_t w = write(S->fd, S->body->data + off, S->body->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			S->failed = 1;
			break;
		}
		off += (size_t)w;
	}
	S->t_written = now_s();
	return NULL;
}

static int
run_sse(int argc, char **argv)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
	    "Cache-Control: no-cache\r\n\r\n";
	const char *path = NULL, *port_file = NULL, *keluhd_port_file = NULL;
	unsigned long long count = 1000000, seconds = 60;
	struct sse_run S = { 0 };
	struct buf body = { 0 }, req = { 0 };
	struct timeval tv = { IO_TIMEOUT_S, 0 };
	struct pollfd pf;
	struct corpus c;
	char tag[32];
	long long got = 0;
	double t0, t1 = 0, deadline;
	pthread_t th;
	int lfd, port;

	for (int i = 0; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--port-file") == 0 && i + 1 < argc)
			port_file = argv[++i];
		else if (strcmp(o, "--keluhd-port-file") == 0 && i + 1 < argc)
			keluhd_port_file = argv[++i];
		else if (strcmp(o, "--count") == 0 && i + 1 < argc)
			count = num_arg(o, argv[++i]);
		else if (strcmp(o, "--seconds") == 0 && i + 1 < argc)
			seconds = num_arg(o, argv[++i]);
		else if (o[0] != '-' && path == NULL)
			path = o;
		else
			die("sse: unknown argument %s", o);
	}
	if (path == NULL || port_file == NULL || keluhd_port_file == NULL || count == 0 ||
	    seconds == 0 || seconds > 3600)
		die("usage: bench_ingest sse --port-file F --keluhd-port-file G CORPUS.ndjson "
		    "[--count N] [--seconds 1-3600]");
	corpus_load(&c, path);
	snprintf(tag, sizeof(tag), "s%lx-%ld-", (long)getpid(), (long)time(NULL));
	for (uint64_t k = 0; k < count; k++) {
		buf_printf(&body, "id: %llu\ndata: ", (unsigned long long)k);
		corpus_line(&body, &c, tag, k);
		buf_add(&body, "\n", 1);
	}

	lfd = listen_port_file(port_file, "sse");
	pf.fd = lfd;
	pf.events = POLLIN;
	if (poll(&pf, 1, 60000) != 1 || (S.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		die("sse: keluhd did not connect within 60 s");
	setsockopt(S.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(S.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* the request head, then the stream: no length, it ends when we close */
	while (req.data == NULL || strstr(req.data, "\r\n\r\n") == NULL) {
		ssize_t r;

		buf_need(&req, 4096);
		if (req.len > 65536 || (r = read(S.fd, req.data + req.len, req.cap - req.len - 1)) <= 0)
			die("sse: no request head from keluhd");
		req.len += (size_t)r;
		req.data[req.len] = '\0';
	}
	if (strncmp(req.data, "GET ", 4) != 0)
		die("sse: keluhd sent %.20s", req.data);
	if (write(S.fd, head, sizeof(head) - 1) != (ssize_t)(sizeof(head) - 1))
		die("sse: cannot answer: %s", strerror(errno));
	t0 = now_s();
	deadline = t0 + (double)seconds;
	S.body = &body;
	if (pthread_create(&th, NULL, sse_writer, &S) != 0)
		die("cannot start a thread");
	if ((port = wait_port_file(keluhd_port_file, 60)) < 0)
		die("sse: no keluhd port in %s", keluhd_port_file);
	/* taken = counted by keluhd; polled, so the end is known to within ~5 ms */
	while (now_s() < deadline) {
		got = metrics_mentions(port);
		if (got >= (long long)count) {
			t1 = now_s();
			break;
		}
		usleep(5000);
	}
	shutdown(S.fd, SHUT_RDWR);
	pthread_join(th, NULL);
	close(S.fd);
	close(lfd);
	if (t1 == 0) {
		t1 = now_s();
		fprintf(stderr, "bench_ingest: sse: %lld of %llu mentions taken in %llu s\n",
		    got < 0 ? 0 : got, count, seconds);
	}
	printf("mode=sse events=%llu bytes=%zu taken=%lld seconds=%.3f mentions_per_s=%.0f "
	       "write_seconds=%.3f\n",
	    count, body.len, got < 0 ? 0 : got, t1 - t0, (double)(got < 0 ? 0 : got) / (t1 - t0),
	    S.t_written - t0);
	free(body.data);
	free(req.data);
	return got == (long long)count && !S.failed ? 0 : 1;
}

/* --- playground mode ------------------------------------------------------- */

/* JSON string body of s (no quotes). */
static void
json_escape(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			buf_printf(b, "\\u%04x", c);
		else
			buf_add(b, &s[i], 1);
	}
}

static char *
read_all(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct buf b = { 0 };
	char chunk[65536];
	size_t n;

	if (fp == NULL)
		die("%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	if (b.data == NULL)
		die("%s: empty", path);
	*len = b.len;
	return b.data;
}

static int
run_playground(int argc, char **argv)
{
	struct alert_run *A = calloc(1, sizeof(*A));
	const char *path = NULL, *bgpath = NULL, *token = NULL, *draft = NULL;
	unsigned long long bg_rate = 10000, rate = 100;
	char *texts, *p, *draft_text = NULL;
	size_t tlen, dlen = 0, nlines = 0, nrt = 0;
	const char **line;
	size_t *linelen;
	struct corpus bg;
	struct client cl;
	struct answer a;
	struct buf body = { 0 };
	pthread_t bg_th;
	double *rt, t0, bgs;
	uint64_t errors = 0;

	if (A == NULL)
		die("cannot start");
	A->count = 2000;
	A->bg_batch = 1000;
	for (int i = 0; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--port") == 0 && i + 1 < argc)
			A->port = (int)num_arg(o, argv[++i]);
		else if (strcmp(o, "--token") == 0 && i + 1 < argc)
			token = argv[++i];
		else if (strcmp(o, "--count") == 0 && i + 1 < argc)
			A->count = num_arg(o, argv[++i]);
		else if (strcmp(o, "--rate") == 0 && i + 1 < argc)
			rate = num_arg(o, argv[++i]);
		else if (strcmp(o, "--draft") == 0 && i + 1 < argc)
			draft = argv[++i];
		else if (strcmp(o, "--bg") == 0 && i + 1 < argc)
			bgpath = argv[++i];
		else if (strcmp(o, "--bg-rate") == 0 && i + 1 < argc)
			bg_rate = num_arg(o, argv[++i]);
		else if (strcmp(o, "--bg-batch") == 0 && i + 1 < argc)
			A->bg_batch = (size_t)num_arg(o, argv[++i]);
		else if (o[0] != '-' && path == NULL)
			path = o;
		else
			die("playground: unknown argument %s", o);
	}
	if (path == NULL || token == NULL || A->port <= 0 || A->port > 65535 || A->count == 0 ||
	    A->count > 1000000 || rate == 0 || A->bg_batch == 0 || bg_rate == 0)
		die("usage: bench_ingest playground --port P --token T TEXTS.txt [--count N] "
		    "[--rate N] [--draft FILE] [--bg FILE --bg-rate N --bg-batch N]");
	texts = read_all(path, &tlen);
	line = xmalloc((tlen / 2 + 1) * sizeof(*line));
	linelen = xmalloc((tlen / 2 + 1) * sizeof(*linelen));
	for (p = texts; p < texts + tlen;) {
		char *nl = memchr(p, '\n', (size_t)(texts + tlen - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(texts + tlen - p);

		if (l) {
			line[nlines] = p;
			linelen[nlines++] = l;
		}
		p += l + 1;
	}
	if (nlines == 0)
		die("%s: no texts", path);
	if (draft)
		draft_text = read_all(draft, &dlen);
	if (bgpath) {
		corpus_load(&bg, bgpath);
		A->bg = &bg;
	}
	A->bg_rate = (double)bg_rate;
	pthread_mutex_init(&A->lock, NULL);
	rt = xmalloc(A->count * sizeof(double));
	if (A->bg && pthread_create(&bg_th, NULL, bg_thread, A) != 0)
		die("cannot start the background load");
	memset(&cl, 0, sizeof(cl));
	cl.port = A->port;
	cl.fd = -1;
	if (A->bg)
		sleep_until(now_s() + 0.5);
	t0 = now_s();
	for (uint64_t i = 0; i < A->count && errors < 10; i++) {
		double t;

		sleep_until(t0 + (double)i / (double)rate);
		body.len = 0;
		buf_printf(&body, "{\"text\":\"");
		json_escape(&body, line[i % nlines], linelen[i % nlines]);
		buf_printf(&body, "\"");
		if (draft_text) {
			const char *base = strrchr(draft, '/');

			buf_printf(&body, ",\"file\":\"%s\",\"rules\":\"", base ? base + 1 : draft);
			json_escape(&body, draft_text, dlen);
			buf_printf(&body, "\"");
		}
		buf_printf(&body, "}");
		cl.req.len = 0;
		buf_printf(&cl.req, "POST /v1/playground HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n", cl.port, token, body.len);
		buf_add(&cl.req, body.data, body.len);
		t = now_s();
		if (client_roundtrip(&cl, &a) < 0 || a.status != 200) {
			errors++;
			note_error(&A->lock, A->first_error, sizeof(A->first_error),
			    "playground request %llu: HTTP %d %.300s", (unsigned long long)i, a.status,
			    a.body);
			continue;
		}
		rt[nrt++] = now_s() - t;
	}
	atomic_store(&A->stop_bg, 1);
	if (A->bg)
		pthread_join(bg_th, NULL);
	qsort(rt, nrt, sizeof(double), dbl_cmp);
	if (A->bg_nlat)
		qsort(A->bg_lat, A->bg_nlat, sizeof(double), dbl_cmp);
	bgs = A->bg_t1 - A->bg_t0;
	printf("mode=playground requests=%zu rt_p50_ms=%.2f rt_p99_ms=%.2f rt_max_ms=%.2f "
	       "bg_mentions=%llu bg_per_s=%.0f bg_posted_per_s=%.0f bg_req_p99_ms=%.2f "
	       "errors=%llu\n",
	    nrt, pct_ms(rt, nrt, 0.5), pct_ms(rt, nrt, 0.99), pct_ms(rt, nrt, 1.0),
	    (unsigned long long)A->bg_mentions, bgs > 0 ? (double)A->bg_mentions / bgs : 0.0,
	    bgs > 0 ? (double)A->bg_posted / bgs : 0.0,
	    pct_ms(A->bg_lat, A->bg_nlat, 0.99),
	    (unsigned long long)(errors + A->bg_errors));
	if (A->first_error[0])
		fprintf(stderr, "bench_ingest: first error: %s\n", A->first_error);
	if (cl.fd >= 0)
		close(cl.fd);
	return errors + A->bg_errors ? 1 : 0;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && strcmp(argv[1], "ingest") == 0)
		return run_ingest(argc - 2, argv + 2, 0);
	if (argc >= 2 && strcmp(argv[1], "meta") == 0)
		return run_ingest(argc - 2, argv + 2, 1);
	if (argc >= 2 && strcmp(argv[1], "alert") == 0)
		return run_alert(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "sse") == 0)
		return run_sse(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "action") == 0)
		return run_action(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "playground") == 0)
		return run_playground(argc - 2, argv + 2);
	fprintf(stderr, "usage: bench_ingest ingest --port P CORPUS.ndjson [--batch N] [--conns N] "
			"[--count N] [--seconds S]\n"
			"       bench_ingest meta --port P --path /v1/hooks/NAME --secret S "
			"CORPUS.ndjson [--batch N] [--conns N]\n"
			"           [--count N] [--seconds S]\n"
			"       bench_ingest alert --sink-port-file F (--port P | --port-file G) "
			"CRITICAL.ndjson [--count N] [--rate N]\n"
			"           [--bg BACKGROUND.ndjson --bg-rate N --bg-batch N] [--wait S]\n"
			"       bench_ingest sse --port-file F --keluhd-port-file G CORPUS.ndjson "
			"[--count N] [--seconds S]\n"
			"       bench_ingest action --sink-port-file F --port-file G --secret S "
			"CRITICAL.ndjson [--receiver NAME]\n"
			"           [--count N] [--bg BACKGROUND.ndjson --bg-rate N --bg-batch N]\n"
			"       bench_ingest playground --port P --token T TEXTS.txt [--count N] "
			"[--rate N] [--draft FILE]\n"
			"           [--bg BACKGROUND.ndjson --bg-rate N --bg-batch N]\n");
	return 2;
}
