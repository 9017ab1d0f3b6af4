/*
 * playground.c: see console.h. Try a text against the live rules or a
 * draft of one rule file, backtest a draft over the recent mentions, and
 * save it into rules_dir when the admin allows it.
 *
 * The verdict is verdict_json's, as keluhctl test --json prints it. A
 * draft compiles once per (live set, file name, text): the last one is
 * kept with its diagnostics and tests, so that typing in the text box
 * only classifies. A backtest runs in a thread of its own over a spool of
 * its own (read-only) with classify contexts made here; the loop hears
 * of its end through a pipe. Loop thread only, except pg_bt_main.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/console.h"
#include "engine/classify.h"
#include "engine/rules_select.h"
#include "engine/verdict.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/util.h"

#define PG_TEXT_MAX     (64 * 1024)   /* a text to classify */
#define PG_BODY_MAX     (1024 * 1024) /* a request body (a draft escaped as JSON) */
#define PG_DIAG_MAX     100           /* diagnostics of a draft shown */
#define PG_TESTS_MAX    200           /* test results of a draft shown */
#define PG_LIST_MAX     50            /* new and lost mentions of a backtest */
#define PG_QUOTE_MAX    500           /* bytes of a mention's text quoted in them */
#define PG_DAYS_MAX     30
#define PG_DEFAULT_FILE "playground.yaml"

/* The last draft compiled, against the live set it was made from. */
struct pg_draft {
	struct ruleset *live; /* a reference: the pointer stays unique while kept */
	char *name;
	unsigned char key[crypto_generichash_BYTES];
	struct ruleset *rs; /* NULL when the draft has errors */
	struct classify_ctx *ctx;
	char *diag_json;  /* [{"file",...}] */
	char *tests_json; /* {"passed","failed","results"} */
};

struct pg_thread;

/*
 * A backtest. The thread reads what is above 'd' and writes d (the draft
 * it compiles first), out, complete and err; the loop makes and frees
 * the rest.
 */
struct pg_job {
	char *spool_path;
	struct rules_spec spec; /* a copy: the conf may be replaced meanwhile */
	char *text;             /* the draft */
	size_t len;
	struct classify_ctx *live;
	int64_t since_ms, budget_ms;
	size_t limit;
	int days;
	atomic_int stop; /* the client left, or keluhd stops */
	struct pg_draft d;
	struct buf out; /* the answer's body */
	int complete;   /* every mention of the window was checked */
	char err[256];  /* or why it failed */
	struct pg_thread *t;
	struct httpd_req *req; /* NULL once the client went away */
};

/* A draft compiling for a POST /v1/playground that waits for it. */
struct pg_compile {
	struct pg_compile *next;
	struct console *c;
	struct rules_spec spec;
	struct pg_draft d; /* live, name, key set by the loop; the rest by the thread */
	struct pg_body *body;
	struct pg_thread *t;
	struct httpd_req *req; /* NULL once the client went away */
};

#define PG_COMPILES_MAX 2 /* drafts compiling at once */

static struct {
	struct classify_ctx *live_ctx; /* bound to the live set last seen */
	struct pg_draft draft;         /* name NULL: none */
	struct pg_job *job;            /* the backtest running, or NULL */
	struct pg_compile *compiles;
	size_t ncompiles;
} pg;

/* ---- answers ------------------------------------------------------- */

static void
pg_reply(struct httpd_req *req, int status, const struct buf *b)
{
	/* the console adds its headers (no-store, nosniff, CSP) to every answer of its API */
	httpd_reply(req, status, "application/json", NULL, b->data, b->len);
}

static void
pg_error_extra(struct httpd_req *req, int status, const char *msg, const char *extra_hdr,
               const char *extra_json)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"error\":\"");
	buf_add_json_str(&b, msg, strlen(msg));
	buf_addc(&b, '"');
	if (extra_json)
		buf_printf(&b, ",%s", extra_json);
	buf_adds(&b, "}\n");
	httpd_reply(req, status, "application/json", extra_hdr, b.data, b.len);
	buf_free(&b);
}

static void
pg_error(struct httpd_req *req, int status, const char *msg)
{
	pg_error_extra(req, status, msg, NULL, NULL);
}

static void
json_key_str(struct buf *b, const char *key, const char *v)
{
	buf_printf(b, "\"%s\":", key);
	buf_add_json_quoted(b, v);
}

/* ---- the request body ---------------------------------------------- */

struct pg_body {
	json_t *root;
	const char *text, *lang, *rules, *file, *id;
	size_t text_len, rules_len;
	int rating;
	long days;
};

/* 0, or -1 after answering req (400 or 413). keys: what this path takes. */
static int
pg_body_parse(struct httpd_req *req, struct pg_body *pb, const char *const *keys, size_t nkeys)
{
	json_error_t je;
	json_t *v;
	const char *k;
	char err[300];

	memset(pb, 0, sizeof(*pb));
	pb->days = 7;
	if (httpd_body_len(req) > PG_BODY_MAX) {
		snprintf(err, sizeof(err), "the body is %zu bytes; at most %d are taken",
		         httpd_body_len(req), PG_BODY_MAX);
		metrics_bound_hit("playground_body", "a playground request was too big");
		pg_error(req, 413, err);
		return -1;
	}
	pb->root = json_loadb(httpd_body(req), httpd_body_len(req), JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(pb->root)) {
		snprintf(err, sizeof(err),
		         pb->root ? "the body must be a JSON object"
		                  : "malformed JSON at line %d, column %d: %s",
		         je.line, je.column, je.text);
		goto bad;
	}
	json_object_foreach(pb->root, k, v)
	{
		size_t i;

		for (i = 0; i < nkeys && strcmp(k, keys[i]) != 0; i++)
			;
		if (i == nkeys) {
			struct buf l;

			buf_init(&l);
			for (i = 0; i < nkeys; i++)
				buf_printf(&l, "%s%s", i ? ", " : "", keys[i]);
			snprintf(err, sizeof(err), "unknown key '%.40s' (use %s)", k, l.data);
			buf_free(&l);
			goto bad;
		}
		if (strcmp(k, "rating") == 0 || strcmp(k, "days") == 0) {
			long lo = 1, hi = k[0] == 'r' ? 5 : PG_DAYS_MAX;

			if (!json_is_integer(v) || json_integer_value(v) < lo ||
			    json_integer_value(v) > hi) {
				snprintf(err, sizeof(err),
				         "'%s' must be a whole number from %ld to %ld", k, lo, hi);
				goto bad;
			}
			if (k[0] == 'r')
				pb->rating = (int)json_integer_value(v);
			else
				pb->days = (long)json_integer_value(v);
			continue;
		}
		if (!json_is_string(v)) {
			snprintf(err, sizeof(err), "'%s' must be a string", k);
			goto bad;
		}
		if (strcmp(k, "text") == 0) {
			pb->text = json_string_value(v);
			pb->text_len = json_string_length(v);
		} else if (strcmp(k, "rules") == 0) {
			pb->rules = json_string_value(v);
			pb->rules_len = json_string_length(v);
		} else if (strcmp(k, "lang") == 0)
			pb->lang = json_string_value(v);
		else if (strcmp(k, "file") == 0)
			pb->file = json_string_value(v);
		else if (strcmp(k, "id") == 0)
			pb->id = json_string_value(v);
	}
	if (pb->text_len > PG_TEXT_MAX || pb->rules_len > RULES_DRAFT_MAX) {
		int text = pb->text_len > PG_TEXT_MAX;

		snprintf(err, sizeof(err), "'%s' is %zu bytes; at most %d are taken",
		         text ? "text" : "rules", text ? pb->text_len : pb->rules_len,
		         text ? PG_TEXT_MAX : RULES_DRAFT_MAX);
		metrics_bound_hit("playground_body", "a playground text or draft was too big");
		json_decref(pb->root);
		pg_error(req, 413, err);
		return -1;
	}
	if (pb->rules && pb->file == NULL)
		pb->file = PG_DEFAULT_FILE;
	if (pb->file && rules_draft_name_valid(pb->file, err, sizeof(err)) < 0)
		goto bad;
	return 0;
bad:
	json_decref(pb->root);
	pg_error(req, 400, err);
	return -1;
}

/* ---- drafts -------------------------------------------------------- */

static void
pg_draft_clear(struct pg_draft *d)
{
	classify_ctx_free(d->ctx);
	if (d->rs)
		rules_unref(d->rs);
	if (d->live)
		rules_unref(d->live);
	free(d->name);
	free(d->diag_json);
	free(d->tests_json);
	memset(d, 0, sizeof(*d));
}

static void
pg_diag_json(struct buf *b, const struct diag *dg)
{
	buf_addc(b, '[');
	for (size_t i = 0; i < dg->n && i < PG_DIAG_MAX; i++) {
		const struct diag_item *it = &dg->items[i];

		buf_adds(b, i ? ",{" : "{");
		json_key_str(b, "file", it->file);
		buf_printf(b, ",\"line\":%u,\"col\":%u,\"severity\":\"%s\",", it->line, it->col,
		           it->warning ? "warning" : "error");
		json_key_str(b, "message", it->msg);
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

/* What an inline test expects, in words: "rules a, b; priority high". */
static void
pg_test_expect(struct buf *b, const struct rules_test *t)
{
	size_t len0 = b->len;

	for (size_t j = 0; j < t->n_want_rules; j++)
		buf_printf(b, "%s%s", j ? ", " : "rules ", t->want_rules[j]);
	for (size_t j = 0; j < t->n_not_rules; j++)
		buf_printf(b, "%s%s",
		           j               ? ", "
		           : b->len > len0 ? "; not "
		                           : "not ",
		           t->not_rules[j]);
	if (t->want_priority >= 0)
		buf_printf(b, "%spriority %s", b->len > len0 ? "; " : "",
		           prio_name((enum prio)t->want_priority));
	if (t->want_complaint >= 0)
		buf_printf(b, "%s%s", b->len > len0 ? "; " : "",
		           t->want_complaint ? "a complaint" : "not a complaint");
	if (t->team)
		buf_printf(b, "%steam %s", b->len > len0 ? "; " : "", t->team);
}

static void
pg_verdict_words(struct buf *b, const struct ruleset *rs, const struct verdict *v)
{
	for (size_t j = 0; j < v->nrules; j++)
		buf_printf(b, "%s%s", j ? ", " : "rules ", rules_id(rs, v->rules[j]));
	buf_printf(b, "%spriority %s (score %d)", v->nrules ? "; " : "", prio_name(v->priority),
	           v->score);
	if (v->team)
		buf_printf(b, "; team %s", v->team);
}

/* The inline tests of the draft's own file, run as keluhctl test --verify runs them. */
static char *
pg_tests_json(struct classify_ctx *ctx, const char *file)
{
	const struct ruleset *rs = classify_ruleset(ctx);
	size_t passed = 0, failed = 0, shown = 0;
	struct buf b, res, s, why;
	struct verdict v;
	char *out;

	buf_init(&res);
	buf_init(&s);
	buf_init(&why);
	for (size_t i = 0; i < rules_ntests(rs); i++) {
		const struct rules_test *t = rules_test_get(rs, i);
		int ok;

		if (strcmp(t->file, file) != 0)
			continue;
		buf_reset(&why);
		if ((ok = verdict_test(ctx, t, &v, &why)) < 0)
			continue;
		ok ? passed++ : failed++;
		if (shown++ >= PG_TESTS_MAX)
			continue;
		buf_printf(&res, "%s{\"line\":%u,", shown > 1 ? "," : "", t->line);
		json_key_str(&res, "text", t->text);
		buf_reset(&s);
		pg_test_expect(&s, t);
		buf_addc(&res, ',');
		json_key_str(&res, "expect", s.data ? s.data : "");
		buf_reset(&s);
		pg_verdict_words(&s, rs, &v);
		buf_addc(&res, ',');
		json_key_str(&res, "got", s.data);
		buf_addc(&res, ',');
		json_key_str(&res, "why", ok ? NULL : why.data);
		buf_printf(&res, ",\"ok\":%s}", ok ? "true" : "false");
	}
	buf_init(&b);
	buf_printf(&b, "{\"passed\":%zu,\"failed\":%zu,\"results\":[%s]}", passed, failed,
	           res.data ? res.data : "");
	buf_free(&res);
	buf_free(&s);
	buf_free(&why);
	out = xstrdup(b.data);
	buf_free(&b);
	return out;
}

static void
pg_draft_key(unsigned char *key, const char *name, const char *text, size_t len)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, crypto_generichash_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)name, strlen(name) + 1);
	crypto_generichash_update(&st, (const unsigned char *)text, len);
	crypto_generichash_final(&st, key, crypto_generichash_BYTES);
}

/*
 * Compiles a draft against spec into d (rs, ctx, diag_json, tests_json):
 * in a worker thread, on rules and memory of its own.
 */
static void
pg_compile(struct pg_draft *d, const struct rules_spec *spec, const char *text, size_t len)
{
	struct rules_draft dr = {d->name, text, len, d->live};
	struct diag dg;
	struct buf b;

	diag_init(&dg);
	d->rs = rules_load_spec_draft(spec, &dr, &dg);
	buf_init(&b);
	pg_diag_json(&b, &dg);
	d->diag_json = xstrdup(b.data);
	buf_free(&b);
	diag_free(&dg);
	if (d->rs) {
		d->ctx = classify_ctx_new(d->rs);
		d->tests_json = pg_tests_json(d->ctx, d->name);
	} else
		d->tests_json = xstrdup("{\"passed\":0,\"failed\":0,\"results\":[]}");
}

/* The last draft compiled, when it is this one against the live set; else NULL. */
static const struct pg_draft *
pg_draft_cached(const struct console_env *env, const char *name, const unsigned char *key)
{
	const struct pg_draft *d = &pg.draft;

	if (d->name && d->live == env->rules && strcmp(d->name, name) == 0 &&
	    sodium_memcmp(d->key, key, crypto_generichash_BYTES) == 0)
		return d;
	return NULL;
}

/* ---- worker threads ----------------------------------------------- */

/* A thread that says it is done through a pipe the loop watches. */
struct pg_thread {
	pthread_t th;
	int pipefd[2];
	struct event *ev;
};

static int
pg_thread_start(struct pg_thread *t, struct event_base *base, void *(*fn)(void *),
                void (*done)(evutil_socket_t, short, void *), void *arg)
{
	if (pipe2(t->pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	t->ev = event_new(base, t->pipefd[0], EV_READ, done, arg);
	if (t->ev == NULL || pthread_create(&t->th, NULL, fn, arg) != 0) {
		if (t->ev)
			event_free(t->ev);
		close(t->pipefd[0]);
		close(t->pipefd[1]);
		return -1;
	}
	event_add(t->ev, NULL);
	return 0;
}

/* From the thread, last. */
static void
pg_thread_done(struct pg_thread *t)
{
	if (write(t->pipefd[1], "x", 1) < 0)
		abort(); /* the loop's end is open until it joins this thread */
}

static void
pg_thread_join(struct pg_thread *t)
{
	pthread_join(t->th, NULL);
	event_free(t->ev);
	close(t->pipefd[0]);
	close(t->pipefd[1]);
}

static struct classify_ctx *
pg_live_ctx(const struct console_env *env)
{
	if (pg.live_ctx && classify_ruleset(pg.live_ctx) != env->rules) {
		classify_ctx_free(pg.live_ctx);
		pg.live_ctx = NULL;
	}
	if (pg.live_ctx == NULL)
		pg.live_ctx = classify_ctx_new(env->rules);
	return pg.live_ctx;
}

static void
pg_draft_member(struct buf *b, const struct pg_draft *d)
{
	buf_printf(b, "\"draft\":{\"ok\":%s,\"diagnostics\":%s,\"tests\":%s}",
	           d->rs ? "true" : "false", d->diag_json, d->tests_json);
}

/* ---- POST /v1/playground ------------------------------------------- */

/* Answers a request: the verdict of its text, with the draft d (or NULL). */
static void
pg_answer(struct console *c, struct httpd_req *req, const struct pg_body *pb,
          const struct pg_draft *d)
{
	struct classify_ctx *ctx = d && d->ctx ? d->ctx : pg_live_ctx(console_env(c));
	struct classify_author a = {-1, 0, pb->rating};
	struct verdict v;
	struct buf b;
	size_t bad;

	if (classify_mention(ctx, pb->text, pb->text_len, pb->lang, &a, &v, &bad) < 0) {
		pg_error(req, 400, "'text' is not valid UTF-8");
		return;
	}
	buf_init(&b);
	verdict_json(&b, classify_ruleset(ctx), pb->id, pb->text, pb->text_len, &v);
	if (d) {
		b.len--; /* the verdict's closing brace */
		buf_addc(&b, ',');
		pg_draft_member(&b, d);
		buf_addc(&b, '}');
	}
	buf_addc(&b, '\n');
	metrics_add("keluh_ui_playground_verdicts_total", NULL, 1);
	pg_reply(req, 200, &b);
	buf_free(&b);
}

static void *
pg_compile_main(void *arg)
{
	struct pg_compile *job = arg;

	pg_compile(&job->d, &job->spec, job->body->rules, job->body->rules_len);
	pg_thread_done(job->t);
	return NULL;
}

static void
pg_compile_free(struct pg_compile *job)
{
	struct pg_compile **pp;

	for (pp = &pg.compiles; *pp != job; pp = &(*pp)->next)
		;
	*pp = job->next;
	pg.ncompiles--;
	free(job->t);
	pg_draft_clear(&job->d);
	rules_spec_free(&job->spec);
	json_decref(job->body->root);
	free(job->body);
	free(job);
}

/* The draft is compiled: it becomes the one kept, and the request is answered. */
static void
pg_compile_done(evutil_socket_t fd, short what, void *arg)
{
	struct pg_compile *job = arg;
	char x;

	(void)what;
	if (read(fd, &x, 1) < 0 && errno != EAGAIN)
		log_warn("playground: compile pipe");
	pg_thread_join(job->t);
	metrics_add("keluh_ui_playground_compiles_total", NULL, 1);
	pg_draft_clear(&pg.draft);
	pg.draft = job->d;
	memset(&job->d, 0, sizeof(job->d));
	if (job->req) {
		httpd_req_on_cancel(job->req, NULL, NULL);
		pg_answer(job->c, job->req, job->body, &pg.draft);
	}
	pg_compile_free(job);
}

static void
pg_compile_cancelled(void *arg)
{
	((struct pg_compile *)arg)->req = NULL;
}

/* Compiles pb's draft in a thread; req is answered when it is done. Takes pb's root. */
static void
pg_compile_start(struct console *c, struct httpd_req *req, struct pg_body *pb,
                 const unsigned char *key)
{
	const struct console_env *env = console_env(c);
	struct pg_compile *job;

	if (pg.ncompiles >= PG_COMPILES_MAX) {
		json_decref(pb->root);
		metrics_bound_hit("playground_compiles",
		                  "drafts were sent faster than they compile");
		pg_error_extra(req, 429, "drafts are compiling; send this one again in a moment",
		               "Retry-After: 1\r\n", NULL);
		return;
	}
	job = xcalloc(1, sizeof(*job));
	job->c = c;
	job->body = xmalloc(sizeof(*pb));
	*job->body = *pb;
	rules_spec_copy(&job->spec, &env->conf->rules);
	job->d.live = rules_ref(env->rules);
	job->d.name = xstrdup(pb->file);
	memcpy(job->d.key, key, sizeof(job->d.key));
	job->t = xcalloc(1, sizeof(*job->t));
	job->req = req;
	if (pg_thread_start(job->t, env->base, pg_compile_main, pg_compile_done, job) < 0) {
		log_warn("playground: cannot start a thread to compile a draft");
		pg_error(req, 503, "cannot compile a draft now");
		pg_draft_clear(&job->d);
		rules_spec_free(&job->spec);
		json_decref(job->body->root);
		free(job->body);
		free(job->t);
		free(job);
		return;
	}
	job->next = pg.compiles;
	pg.compiles = job;
	pg.ncompiles++;
	httpd_req_on_cancel(req, pg_compile_cancelled, job);
}

static void
pg_try(struct console *c, struct httpd_req *req)
{
	static const char *const keys[] = {"text", "lang", "rating", "rules", "file", "id"};
	unsigned char key[crypto_generichash_BYTES];
	const struct pg_draft *d = NULL;
	struct pg_body pb;

	if (pg_body_parse(req, &pb, keys, sizeof(keys) / sizeof(keys[0])) < 0)
		return;
	if (pb.text == NULL) {
		json_decref(pb.root);
		pg_error(req, 400, "'text' is missing: the text to classify");
		return;
	}
	if (pb.rules) {
		/* a draft not seen last compiles in a thread: the loop goes on meanwhile */
		pg_draft_key(key, pb.file, pb.rules, pb.rules_len);
		if ((d = pg_draft_cached(console_env(c), pb.file, key)) == NULL) {
			pg_compile_start(c, req, &pb, key);
			return;
		}
	}
	pg_answer(c, req, &pb, d);
	json_decref(pb.root);
}

/* ---- POST /v1/playground/backtest ---------------------------------- */

struct pg_list {
	struct buf b;
	size_t n;
};

struct pg_scan {
	struct pg_job *job;
	struct classify_ctx *draft;
	int64_t t0, stopped_at;
	size_t checked, kept, before, after;
	int over; /* the budget is spent: rows are only counted */
	struct pg_list added, lost;
};

static void
pg_list_add(struct pg_list *l, const struct ruleset *rs, const struct verdict *v, int64_t at_ms,
            const char *id, const char *text, size_t len)
{
	char at[32];

	if (l->n++ >= PG_LIST_MAX)
		return;
	util_iso8601(at_ms, at, sizeof(at));
	buf_adds(&l->b, l->n > 1 ? ",{" : "{");
	json_key_str(&l->b, "id", id);
	buf_printf(&l->b, ",\"at\":\"%s\",\"text\":\"", at);
	buf_add_json_str(&l->b, text,
	                 utf8_valid_prefix(text, len < PG_QUOTE_MAX ? len : PG_QUOTE_MAX));
	buf_adds(&l->b, "\",\"rules\":[");
	for (size_t i = 0; i < v->nrules; i++) {
		const char *r = rules_id(rs, v->rules[i]);

		buf_adds(&l->b, i ? ",\"" : "\"");
		buf_add_json_str(&l->b, r, strlen(r));
		buf_addc(&l->b, '"');
	}
	buf_adds(&l->b, "]}");
}

static long
pg_json_long(json_t *o, const char *key, long dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : dflt;
}

/* One recent mention (thread): classified with both sets, between budget checks. */
static int
pg_bt_row(void *arg, int64_t at_ms, int complaint, const char *json)
{
	struct pg_scan *s = arg;
	struct pg_job *job = s->job;
	struct classify_author a;
	struct verdict lv, dv;
	json_t *o, *t;
	size_t bad, len;
	const char *text, *lang;
	int was;

	(void)complaint;
	if (atomic_load(&job->stop))
		return 1;
	s->kept++;
	if (s->over)
		return 0;
	if (util_mono_ms() - s->t0 >= job->budget_ms) {
		s->over = 1;
		s->stopped_at = util_mono_ms();
		return 0;
	}
	o = json_loads(json, 0, NULL);
	t = json_object_get(o, "text");
	if (!json_is_string(t)) {
		json_decref(o);
		return 0;
	}
	text = json_string_value(t);
	len = json_string_length(t);
	lang = json_string_value(json_object_get(o, "lang"));
	a.followers = pg_json_long(o, "followers", -1);
	a.verified = json_is_true(json_object_get(o, "verified"));
	a.rating = (int)pg_json_long(o, "rating", 0);
	s->checked++;
	if (classify_mention(job->live, text, len, lang, &a, &lv, &bad) == 0 &&
	    classify_mention(s->draft, text, len, lang, &a, &dv, &bad) == 0) {
		was = lv.complaint;
		s->before += was;
		s->after += dv.complaint;
		if (!was && dv.complaint)
			pg_list_add(&s->added, classify_ruleset(s->draft), &dv, at_ms,
			            json_string_value(json_object_get(o, "id")), text, len);
		else if (was && !dv.complaint)
			pg_list_add(&s->lost, classify_ruleset(job->live), &lv, at_ms,
			            json_string_value(json_object_get(o, "id")), text, len);
	}
	json_decref(o);
	return 0;
}

/* 41200 -> "41,200" */
static void
pg_count(char *out, size_t len, size_t n)
{
	char raw[32];
	size_t r, o = 0;

	snprintf(raw, sizeof(raw), "%zu", n);
	r = strlen(raw);
	for (size_t i = 0; i < r && o + 2 < len; i++) {
		if (i && (r - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = raw[i];
	}
	out[o] = '\0';
}

static void
pg_bt_answer(struct pg_job *job, struct pg_scan *s, double secs)
{
	struct buf *b = &job->out;
	char done[32], all[32];
	int complete = !s->over;

	job->complete = complete;
	buf_printf(b, "{\"days\":%d,\"checked\":%zu,\"kept\":%zu,\"complete\":%s,\"stopped\":",
	           job->days, s->checked, s->kept, complete ? "true" : "false");
	if (complete)
		buf_adds(b, "null");
	else {
		pg_count(done, sizeof(done), s->checked);
		pg_count(all, sizeof(all), s->kept);
		buf_printf(b, "\"stopped after %.1f s: %s of %s mentions checked\"",
		           (double)(s->stopped_at - s->t0) / 1000.0, done, all);
	}
	buf_printf(b, ",\"seconds\":%.3f,\"before\":%zu,\"after\":%zu,\"new\":[%s],\"lost\":[%s]",
	           secs, s->before, s->after, s->added.b.data ? s->added.b.data : "",
	           s->lost.b.data ? s->lost.b.data : "");
	buf_printf(b, ",\"new_total\":%zu,\"lost_total\":%zu}\n", s->added.n, s->lost.n);
}

static void *
pg_bt_main(void *arg)
{
	struct pg_job *job = arg;
	struct classify_ctx *draft;
	struct pg_scan s;
	struct spool *sp;
	int64_t n;

	memset(&s, 0, sizeof(s));
	s.job = job;
	pg_compile(&job->d, &job->spec, job->text, job->len);
	if ((draft = job->d.ctx) == NULL) {
		pg_thread_done(job->t);
		return NULL;
	}
	classify_set_evidence(draft, CLASSIFY_EVIDENCE_NONE);
	buf_init(&s.added.b);
	buf_init(&s.lost.b);
	s.draft = draft;
	/* the budget is the scan's: the draft's compile and the open do not count */
	if ((sp = spool_open(job->spool_path, 1, job->err, sizeof(job->err))) != NULL) {
		s.t0 = util_mono_ms();
		if ((n = spool_recent_scan(sp, job->since_ms, job->limit, pg_bt_row, &s)) < 0)
			snprintf(job->err, sizeof(job->err),
			         "reading the recent mentions failed: %s", spool_error(sp));
		else
			pg_bt_answer(job, &s, (double)(util_mono_ms() - s.t0) / 1000.0);
		spool_close(sp);
	}
	buf_free(&s.added.b);
	buf_free(&s.lost.b);
	pg_thread_done(job->t);
	return NULL;
}

static void
pg_job_free(struct pg_job *job)
{
	classify_ctx_free(job->live);
	pg_draft_clear(&job->d);
	rules_spec_free(&job->spec);
	free(job->spool_path);
	free(job->text);
	free(job->t);
	buf_free(&job->out);
	free(job);
	pg.job = NULL;
}

/* The thread is done: answer, if the client is still there. */
static void
pg_bt_done(evutil_socket_t fd, short what, void *arg)
{
	struct pg_job *job = arg;
	const char *result;
	char x, label[32];
	struct buf b;

	(void)what;
	if (read(fd, &x, 1) < 0 && errno != EAGAIN)
		log_warn("playground: backtest pipe");
	pg_thread_join(job->t);
	result = job->req == NULL    ? "dropped"
	         : !job->d.rs        ? "draft_errors"
	         : job->out.len == 0 ? "failed"
	         : job->complete     ? "complete"
	                             : "stopped";
	snprintf(label, sizeof(label), "result=\"%s\"", result);
	metrics_add("keluh_ui_backtests_total", label, 1);
	if (strcmp(result, "stopped") == 0)
		metrics_bound_hit("backtest_budget", "a backtest ran out of ui.backtest_budget_ms");
	if (job->req) {
		httpd_req_on_cancel(job->req, NULL, NULL);
		if (!job->d.rs) {
			buf_init(&b);
			pg_draft_member(&b, &job->d);
			pg_error_extra(job->req, 400,
			               "the draft has errors; nothing was backtested", NULL,
			               b.data);
			buf_free(&b);
		} else if (job->out.len)
			pg_reply(job->req, 200, &job->out);
		else {
			log_warnx("playground: backtest failed: %s", job->err);
			pg_error(job->req, 500, job->err);
		}
	}
	pg_job_free(job);
}

static void
pg_bt_cancelled(void *arg)
{
	struct pg_job *job = arg;

	job->req = NULL;
	atomic_store(&job->stop, 1);
}

/* Takes pb's root. */
static void
pg_bt_start(struct console *c, struct httpd_req *req, struct pg_body *pb)
{
	const struct console_env *env = console_env(c);
	const struct conf_ui *ui = &env->conf->ui;
	struct pg_job *job = xcalloc(1, sizeof(*job));

	job->spool_path = xstrdup(env->conf->spool_path);
	rules_spec_copy(&job->spec, &env->conf->rules);
	job->d.live = rules_ref(env->rules); /* the draft shares its models */
	job->d.name = xstrdup(pb->file);
	job->text = xstrndup(pb->rules, pb->rules_len);
	job->len = pb->rules_len;
	json_decref(pb->root);
	job->live = classify_ctx_new(env->rules);
	classify_set_evidence(job->live, CLASSIFY_EVIDENCE_NONE);
	job->since_ms = util_now_ms() - pb->days * 86400000LL;
	job->budget_ms = ui->backtest_budget_ms > 0 ? ui->backtest_budget_ms : 5000;
	job->limit = ui->backtest_keep;
	job->days = (int)pb->days;
	buf_init(&job->out);
	job->t = xcalloc(1, sizeof(*job->t));
	job->req = req;
	if (pg_thread_start(job->t, env->base, pg_bt_main, pg_bt_done, job) < 0) {
		log_warn("playground: cannot start a backtest");
		pg_error(req, 503, "cannot start a backtest now");
		pg_job_free(job);
		return;
	}
	pg.job = job;
	httpd_req_on_cancel(req, pg_bt_cancelled, job);
}

static void
pg_backtest(struct console *c, struct httpd_req *req)
{
	static const char *const keys[] = {"rules", "file", "days"};
	const struct console_env *env = console_env(c);
	struct pg_body pb;
	char hdr[64];

	if (pg.job) {
		snprintf(hdr, sizeof(hdr), "Retry-After: %lld\r\n",
		         (long long)(env->conf->ui.backtest_budget_ms + 999) / 1000);
		metrics_bound_hit("backtests", "a backtest was asked for while one ran");
		pg_error_extra(req, 429, "a backtest is running; one runs at a time", hdr, NULL);
		return;
	}
	if (env->conf->ui.backtest_keep == 0) {
		pg_error(req, 409,
		         "no recent mentions are kept to backtest on (ui.backtest_keep is 0)");
		return;
	}
	if (pg_body_parse(req, &pb, keys, sizeof(keys) / sizeof(keys[0])) < 0)
		return;
	if (pb.rules == NULL) {
		json_decref(pb.root);
		pg_error(req, 400, "'rules' is missing: the draft rule file to backtest");
		return;
	}
	pg_bt_start(c, req, &pb);
}

/* ---- POST /v1/playground/save -------------------------------------- */

/* Writes data to dir/name through a temporary file, fsync and rename. 0, or -1 with err. */
static int
pg_write_atomic(const char *dir, const char *name, const char *data, size_t len, char *err,
                size_t errlen)
{
	char *tmp = xasprintf("%s/.%s.tmp", dir, name), *path = xasprintf("%s/%s", dir, name);
	int fd, rc = -1;
	size_t off = 0;

	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (off < len || fsync(fd) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	rc = 0;
out:
	free(tmp);
	free(path);
	return rc;
}

/* The file's content (NULL when there is none); -1 when it cannot be read. */
static int
pg_read_old(const char *dir, const char *name, char **out, size_t *len)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	free(path);
	*out = NULL;
	*len = 0;
	if (fp == NULL)
		return errno == ENOENT ? 0 : -1;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	if (ferror(fp)) {
		fclose(fp);
		buf_free(&b);
		return -1;
	}
	fclose(fp);
	*out = b.data ? b.data : xstrdup("");
	*len = b.len;
	return 0;
}

static void
pg_save_answer(struct httpd_req *req, int ok, const char *err, size_t nerrors, int restored)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "{\"ok\":%s,\"reload\":{\"ok\":%s,", ok ? "true" : "false",
	           ok ? "true" : "false");
	json_key_str(&b, "error", ok ? NULL : err);
	buf_printf(&b, ",\"errors\":%zu}", nerrors);
	if (!ok)
		buf_printf(&b, ",\"restored\":%s", restored ? "true" : "false");
	buf_adds(&b, "}\n");
	pg_reply(req, 200, &b);
	buf_free(&b);
}

static void
pg_save(struct console *c, struct httpd_req *req, const struct console_user *u)
{
	static const char *const keys[] = {"rules", "file"};
	const struct console_env *env = console_env(c);
	char err[512], *dir = NULL, *old = NULL, *path = NULL;
	struct pg_body pb;
	size_t oldlen, nerr = 0;
	int restored = 0;

	if (!env->conf->ui.rules_writable) {
		pg_error(req, 403, "saving rule files is off here (ui.rules_writable is false)");
		return;
	}
	if (pg_body_parse(req, &pb, keys, sizeof(keys) / sizeof(keys[0])) < 0)
		return;
	if (pb.rules == NULL || pb.file == NULL) {
		json_decref(pb.root);
		pg_error(req, 400,
		         "'rules' and 'file' are both needed: the text and its file name");
		return;
	}
	if (env->conf->rules_dir == NULL) {
		json_decref(pb.root);
		pg_error(req, 409, "no rules.dir is configured to save into");
		return;
	}
	/* the reload below replaces the conf: keep what is needed after it */
	dir = xstrdup(env->conf->rules_dir);
	path = xasprintf("%s/%s", dir, pb.file);
	if ((mkdir(dir, 0755) < 0 && errno != EEXIST) ||
	    pg_read_old(dir, pb.file, &old, &oldlen) < 0) {
		snprintf(err, sizeof(err), "cannot read %s: %s", path, strerror(errno));
		pg_error(req, 500, err);
		goto out;
	}
	if (pg_write_atomic(dir, pb.file, pb.rules, pb.rules_len, err, sizeof(err)) < 0) {
		pg_error(req, 500, err);
		goto out;
	}
	log_info("console: console:%s saved %s; reloading", u->name, path);
	if (env->reload(env->arg, err, sizeof(err), &nerr) == 0) {
		pg_save_answer(req, 1, NULL, 0, 0);
		goto out;
	}
	/* the old rules keep running: the file goes back to what they were loaded from */
	if (old)
		restored = pg_write_atomic(dir, pb.file, old, oldlen, err + strlen(err),
		                           sizeof(err) - strlen(err)) == 0;
	else
		restored = unlink(path) == 0;
	log_warnx("console: the reload refused %s (%s); %s", path, err,
	          restored ? "the file is back as it was" : "the file could not be put back");
	pg_save_answer(req, 0, err, nerr, restored);
out:
	json_decref(pb.root);
	free(old);
	free(path);
	free(dir);
}

/* ---- routing ------------------------------------------------------- */

int
playground_handle(struct console *c, struct httpd_req *req, const struct console_user *u)
{
	const char *path = httpd_path(req);
	int which;

	if (strcmp(path, "/v1/playground") == 0)
		which = 0;
	else if (strcmp(path, "/v1/playground/backtest") == 0)
		which = 1;
	else if (strcmp(path, "/v1/playground/save") == 0)
		which = 2;
	else
		return 0;
	if (strcmp(httpd_method(req), "POST") != 0) {
		pg_error_extra(req, 405, "use POST", "Allow: POST\r\n", NULL);
		return 1;
	}
	if (which == 0)
		pg_try(c, req);
	else if (which == 1)
		pg_backtest(c, req);
	else
		pg_save(c, req, u);
	return 1;
}

void
playground_stop(struct console *c)
{
	(void)c;
	if (pg.job) {
		struct pg_job *job = pg.job;

		atomic_store(&job->stop, 1);
		pg_thread_join(job->t);
		if (job->req) {
			httpd_req_on_cancel(job->req, NULL, NULL);
			pg_error(job->req, 503,
			         "keluhd is stopping; the backtest was not finished");
		}
		pg_job_free(job);
	}
	while (pg.compiles) {
		struct pg_compile *job = pg.compiles;

		pg_thread_join(job->t);
		if (job->req) {
			httpd_req_on_cancel(job->req, NULL, NULL);
			pg_error(job->req, 503, "keluhd is stopping");
		}
		pg_compile_free(job);
	}
	pg_draft_clear(&pg.draft);
	classify_ctx_free(pg.live_ctx);
	pg.live_ctx = NULL;
}
