/*
 * bench_classify: throughput and compile-time figures for the rule engine.
 *
 *   bench_classify classify RULES_DIR CORPUS.txt [--limit N] [--no-evidence]
 *	keluh's own path: load the ruleset, then classify_text() on every
 *	line of the corpus, with evidence (struct match) as keluhd needs it;
 *	--no-evidence counts only, like keluhctl test --quiet --stats.
 *   bench_classify naive RULES_DIR CORPUS.txt [--limit N] [--per-regex | --whole-rules]
 *	the baseline keluh is measured against: every regex of the ruleset
 *	(rules_regex_source) compiled with PCRE2 UTF|UCP|CASELESS + JIT, UTF-8
 *	checked once per mention, then every regex run on every mention.
 *	--whole-rules: every rule's whole condition instead (rules_naive.h:
 *	each keyword list one pattern, each regex its own, the any/all/none
 *	tree walked per rule with no prefilter), the way a tool without
 *	keluh's automaton would run keyword rules; "complaints" then counts
 *	mentions whose matched rules' scores reach the low threshold.
 *	--per-regex times each regex and counts how often one of its
 *	required literals (regex_literals, folded) occurs in the folded text,
 *	i.e. how often keluh's prefilter lets it run: the costly regexes of a
 *	pack, most expensive first (mode=naive-profile; the instrumentation
 *	slows the loop, so its rate is not the baseline).
 *   bench_classify model RULES_DIR CORPUS.txt [--limit N] [--train N] [--model FILE]
 *	rules only beside rules + one model, in one run: the first --train
 *	mentions (10,000) labelled by the rules' verdict (the stand-in for a
 *	team's labels) train a model with the default options, timed
 *	(mode=train ... seconds=S); --model FILE loads one instead. Then the
 *	corpus is classified twice, with evidence as in classify mode: by the
 *	rules alone, then by the rules and the model's probability of the
 *	same folded text (classify_folded + model_prob_folded, as keluhd
 *	scores it). The last line holds both rates and their ratio:
 *	  mode=model ... rules_per_s=R mentions_per_s=RM ratio=RM/R
 *   bench_classify compile RULES_DIR [--repeat K]
 *	load + compile the ruleset K times (default 5), report the median.
 *   bench_classify html
 *	htmltext() on hostile post HTML ("<a" repeated: no tag ever closes)
 *	of 64 KiB, 256 KiB and 1 MiB; one line each, mode=html bytes=N ms=T
 *	mb_per_s=R. Linear time shows as a flat rate.
 *
 * The corpus is plain text, one mention per line, read through a fixed-size
 * buffer so memory stays flat whatever the corpus size. Each mode ends with
 * one line of key=value figures on stdout, e.g.
 *   mode=classify rules=N mentions=M complaints=K seconds=S mentions_per_s=R
 *   compile_ms=C peak_rss_kb=P
 * (one line); "seconds" covers reading and classifying, not loading rules.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "engine/classify.h"
#include "engine/model.h"
#include "engine/normalize.h"
#include "engine/regex.h"
#include "engine/rules.h"
#include "engine/rules_naive.h"
#include "lib/diag.h"
#include "lib/htmltext.h"
#include "lib/util.h"

#define READ_BUF_SIZE  (1024 * 1024) /* also the longest line kept */
#define DEFAULT_REPEAT 5

/* --- helpers ------------------------------------------------------------ */

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
peak_rss_kb(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss; /* kilobytes on Linux */
}

static int
parse_count(const char *s, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		return -1;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* --- line reader -------------------------------------------------------- */

struct reader {
	int fd;
	char *buf;
	size_t cap, start, end;
	int eof;
	int skipping;      /* inside a line longer than the buffer */
	uint64_t too_long; /* such lines, skipped */
};

static int
reader_open(struct reader *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	if (strcmp(path, "-") == 0) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			fprintf(stderr, "bench_classify: %s: %s\n", path, strerror(errno));
			return -1;
		}
		(void)posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	r->cap = READ_BUF_SIZE;
	r->buf = xmalloc(r->cap);
	return 0;
}

static void
reader_close(struct reader *r)
{
	if (r->fd > STDIN_FILENO)
		close(r->fd);
	free(r->buf);
	r->buf = NULL;
}

/*
 * Next non-empty line, without its "\n" or "\r\n". Returns 1 and sets
 * *line (valid until the next call) and *len, 0 at end of input, -1 on a
 * read error.
 */
static int
reader_next(struct reader *r, const char **line, size_t *len)
{
	for (;;) {
		char *p = r->buf + r->start;
		char *nl = r->end > r->start ? memchr(p, '\n', r->end - r->start) : NULL;
		size_t n;

		if (nl != NULL || (r->eof && r->start < r->end)) {
			n = nl != NULL ? (size_t)(nl - p) : r->end - r->start;
			r->start += n + (nl != NULL);
			if (r->skipping) {
				r->skipping = 0;
				continue;
			}
			if (n > 0 && p[n - 1] == '\r')
				n--;
			if (n == 0)
				continue;
			*line = p;
			*len = n;
			return 1;
		}
		if (r->eof)
			return 0;
		/* Keep the partial line, then refill behind it. */
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->end == r->cap) {
			/* A line longer than the buffer: drop it up to its newline. */
			if (!r->skipping)
				r->too_long++;
			r->skipping = 1;
			r->end = 0;
		}
		ssize_t got = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "bench_classify: read: %s\n", strerror(errno));
			return -1;
		}
		if (got == 0)
			r->eof = 1;
		r->end += (size_t)got;
	}
}

/* --- rules -------------------------------------------------------------- */

static struct ruleset *
load_rules(const char *dir, double *ms, int quiet)
{
	struct diag d;
	struct ruleset *rs;
	double t0;

	diag_init(&d);
	t0 = now_seconds();
	rs = rules_load_dir(dir, &d);
	*ms = (now_seconds() - t0) * 1e3;
	if (rs == NULL) {
		diag_print(&d, stderr);
		fprintf(stderr, "bench_classify: %s: the rules did not load (%zu errors)\n", dir,
		        d.errors);
	} else if (d.warnings > 0 && !quiet) {
		fprintf(stderr, "bench_classify: %s: %zu warnings (keluhd --check shows them)\n",
		        dir, d.warnings);
	}
	diag_free(&d);
	return rs;
}

static void
print_summary(const struct ruleset *rs)
{
	struct rules_summary s;

	memset(&s, 0, sizeof(s));
	rules_summary(rs, &s);
	printf("ruleset files=%zu rules=%zu lists=%zu keywords=%zu regexes=%zu "
	       "regexes_no_literal=%zu rules_always=%zu aho_states=%zu aho_bytes=%zu "
	       "compile_seconds=%.6f\n",
	       s.files, s.rules, s.lists, s.keywords, s.regexes, s.regexes_no_literal,
	       s.rules_always, s.aho_states, s.aho_bytes, s.compile_seconds);
}

/* --- modes -------------------------------------------------------------- */

struct opts {
	const char *mode;
	const char *rules_dir;
	const char *corpus;
	unsigned long long limit; /* 0: no limit */
	unsigned long long repeat;
	int per_regex;
	int whole_rules;
	int no_evidence;
	unsigned long long train; /* model mode: mentions to train on */
	const char *model;        /* model mode: a model file instead */
};

/* --per-regex: what one regex costs and how often keluh would run it. */
struct rx_prof {
	size_t i;
	char **lits; /* folded required literals */
	size_t nlits;
	double seconds;
	uint64_t matches;
	uint64_t gated; /* mentions where a literal occurs (or all if none) */
};

static int
cmp_prof(const void *a, const void *b)
{
	const struct rx_prof *x = a, *y = b;

	return (x->seconds < y->seconds) - (x->seconds > y->seconds);
}

static struct rx_prof *
prof_new(const struct ruleset *rs, size_t nre)
{
	struct rx_prof *pr = xcalloc(nre, sizeof(*pr));

	for (size_t i = 0; i < nre; i++) {
		const char *src = rules_regex_source(rs, i);
		char **lits = NULL;
		size_t n = regex_literals(src, strlen(src), &lits);

		pr[i].i = i;
		pr[i].nlits = n;
		pr[i].lits = n ? xcalloc(n, sizeof(char *)) : NULL;
		for (size_t j = 0; j < n; j++) {
			size_t flen;

			pr[i].lits[j] = norm_fold_str(lits[j], strlen(lits[j]), &flen);
		}
		regex_literals_free(lits, n);
	}
	return pr;
}

static int
prof_gate(const struct rx_prof *p, const struct norm_buf *nb)
{
	if (p->nlits == 0)
		return 1;
	for (size_t j = 0; j < p->nlits; j++)
		if (p->lits[j][0] == '\0' ||
		    memmem(nb->text, nb->len, p->lits[j], strlen(p->lits[j])) != NULL)
			return 1;
	return 0;
}

static void
prof_report(const struct ruleset *rs, struct rx_prof *pr, size_t nre, uint64_t n)
{
	qsort(pr, nre, sizeof(*pr), cmp_prof);
	printf("# per regex, most expensive first: ns per mention when run on every "
	       "mention, %% of mentions matched, %% of mentions where a required literal "
	       "occurs (keluh runs it there), number of literals\n");
	for (size_t k = 0; k < nre; k++) {
		const struct rx_prof *p = &pr[k];

		printf("regex=%zu ns_per_mention=%.0f matched_pct=%.2f gated_pct=%.2f literals=%zu "
		       "src=%s\n",
		       p->i, n ? p->seconds * 1e9 / (double)n : 0.0,
		       n ? 100.0 * (double)p->matches / (double)n : 0.0,
		       n ? 100.0 * (double)p->gated / (double)n : 0.0, p->nlits,
		       rules_regex_source(rs, p->i));
	}
}

static void
prof_free(struct rx_prof *pr, size_t nre)
{
	if (pr == NULL)
		return;
	for (size_t k = 0; k < nre; k++) {
		for (size_t j = 0; j < pr[k].nlits; j++)
			free(pr[k].lits[j]);
		free(pr[k].lits);
	}
	free(pr);
}

static void
print_result(const char *mode, size_t rules, uint64_t mentions, uint64_t complaints, double seconds,
             double compile_ms)
{
	printf("mode=%s rules=%zu mentions=%llu complaints=%llu seconds=%.3f "
	       "mentions_per_s=%.0f compile_ms=%.1f peak_rss_kb=%ld\n",
	       mode, rules, (unsigned long long)mentions, (unsigned long long)complaints, seconds,
	       seconds > 0 ? (double)mentions / seconds : 0.0, compile_ms, peak_rss_kb());
}

static int
run_classify(const struct opts *o)
{
	struct ruleset *rs;
	struct classify_ctx *ctx;
	struct reader rd;
	struct verdict v;
	const char *line;
	size_t len, bad;
	uint64_t n = 0, complaints = 0, invalid = 0, regex_errors = 0;
	double compile_ms, t0, secs;
	int rc = 0;

	rs = load_rules(o->rules_dir, &compile_ms, 0);
	if (rs == NULL)
		return 1;
	print_summary(rs);
	if (reader_open(&rd, o->corpus) < 0) {
		rules_unref(rs);
		return 1;
	}
	ctx = classify_ctx_new(rs);
	classify_set_evidence(ctx, !o->no_evidence);

	t0 = now_seconds();
	while ((o->limit == 0 || n < o->limit) && (rc = reader_next(&rd, &line, &len)) > 0) {
		n++;
		if (classify_text(ctx, line, len, NULL, &v, &bad) < 0) {
			invalid++;
			continue;
		}
		complaints += v.complaint != 0;
		regex_errors += v.regex_errors;
	}
	secs = now_seconds() - t0;
	if (rc < 0) {
		classify_ctx_free(ctx);
		rules_unref(rs);
		reader_close(&rd);
		return 1;
	}

	printf("detail invalid_utf8=%llu regex_errors=%llu too_long=%llu\n",
	       (unsigned long long)invalid, (unsigned long long)regex_errors,
	       (unsigned long long)rd.too_long);
	print_result("classify", rules_count(rs), n, complaints, secs, compile_ms);

	classify_ctx_free(ctx);
	rules_unref(rs);
	reader_close(&rd);
	return 0;
}

/* --- model mode --------------------------------------------------------- */

struct lines {
	char **text;
	size_t *len, n;
};

static void
lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->text[i]);
	free(l->text);
	free(l->len);
}

/* The first max valid lines of the corpus, labelled by the rules. */
static struct model_example *
model_examples(struct classify_ctx *ctx, const char *corpus, size_t max, struct lines *l,
               size_t *pos)
{
	struct model_example *ex = xcalloc(max ? max : 1, sizeof(*ex));
	struct reader rd;
	struct verdict v;
	const char *line;
	size_t len, bad;

	memset(l, 0, sizeof(*l));
	l->text = xcalloc(max ? max : 1, sizeof(char *));
	l->len = xcalloc(max ? max : 1, sizeof(size_t));
	*pos = 0;
	if (reader_open(&rd, corpus) < 0)
		return ex;
	while (l->n < max && reader_next(&rd, &line, &len) > 0) {
		if (classify_text(ctx, line, len, NULL, &v, &bad) < 0)
			continue;
		l->text[l->n] = xstrndup(line, len);
		l->len[l->n] = len;
		ex[l->n] = (struct model_example){l->text[l->n], len, v.complaint != 0};
		*pos += v.complaint != 0;
		l->n++;
	}
	reader_close(&rd);
	return ex;
}

static struct model *
model_get(const struct opts *o, struct classify_ctx *ctx)
{
	struct model_example *ex;
	struct model_opts mo;
	struct model *m;
	struct lines l;
	size_t pos;
	char err[512];
	double t0;

	if (o->model != NULL) {
		if ((m = model_load(o->model, err, sizeof(err))) == NULL)
			fprintf(stderr, "bench_classify: %s\n", err);
		return m;
	}
	ex = model_examples(ctx, o->corpus, o->train ? o->train : 10000, &l, &pos);
	model_opts_default(&mo);
	t0 = now_seconds();
	m = model_train(ex, l.n, &mo, err, sizeof(err));
	if (m == NULL)
		fprintf(stderr, "bench_classify: training: %s\n", err);
	else
		printf("mode=train mentions=%zu complaints=%zu bits=%u epochs=%u seconds=%.3f "
		       "peak_rss_kb=%ld\n",
		       l.n, pos, mo.bits, mo.epochs, now_seconds() - t0, peak_rss_kb());
	free(ex);
	lines_free(&l);
	return m;
}

/* One pass over the corpus; with m, each verdict's folded text is scored too. */
static int
model_pass(const struct opts *o, struct classify_ctx *ctx, const struct model *m,
           struct model_scratch *s, uint64_t *n, uint64_t *hits, double *secs)
{
	struct reader rd;
	struct verdict v;
	const char *line, *f;
	size_t len, bad, flen;
	double t0;
	int rc = 0;

	*n = *hits = 0;
	if (reader_open(&rd, o->corpus) < 0)
		return -1;
	t0 = now_seconds();
	while ((o->limit == 0 || *n < o->limit) && (rc = reader_next(&rd, &line, &len)) > 0) {
		(*n)++;
		if (classify_text(ctx, line, len, NULL, &v, &bad) < 0)
			continue;
		if (m == NULL) {
			*hits += v.complaint != 0;
			continue;
		}
		f = classify_folded(ctx, &flen);
		*hits += model_prob_folded(m, s, f, flen) >= 0.5;
	}
	*secs = now_seconds() - t0;
	reader_close(&rd);
	return rc < 0 ? -1 : 0;
}

static int
run_model(const struct opts *o)
{
	struct ruleset *rs;
	struct classify_ctx *ctx;
	struct model_scratch *s;
	struct model *m;
	uint64_t n, nm, hits, mhits;
	double compile_ms, secs, msecs;
	int rc = 1;

	if ((rs = load_rules(o->rules_dir, &compile_ms, 0)) == NULL)
		return 1;
	ctx = classify_ctx_new(rs);
	s = model_scratch_new();
	m = model_get(o, ctx);
	classify_set_evidence(ctx, !o->no_evidence);
	if (m == NULL)
		goto out;
	if (model_pass(o, ctx, NULL, s, &n, &hits, &secs) < 0 ||
	    model_pass(o, ctx, m, s, &nm, &mhits, &msecs) < 0)
		goto out;
	printf("mode=model rules=%zu mentions=%llu complaints=%llu model_complaints=%llu bits=%u "
	       "rules_per_s=%.0f mentions_per_s=%.0f ratio=%.2f peak_rss_kb=%ld\n",
	       rules_count(rs), (unsigned long long)n, (unsigned long long)hits,
	       (unsigned long long)mhits, model_bits(m), secs > 0 ? (double)n / secs : 0.0,
	       msecs > 0 ? (double)nm / msecs : 0.0, secs > 0 && msecs > 0 ? secs / msecs : 0.0,
	       peak_rss_kb());
	rc = 0;
out:
	model_free(m);
	model_scratch_free(s);
	classify_ctx_free(ctx);
	rules_unref(rs);
	return rc;
}

/* naive --whole-rules: every rule's whole condition, the plain way */
static int
run_naive_rules(const struct opts *o, struct ruleset *rs, double load_ms)
{
	struct rules_naive *nv;
	struct reader rd;
	const char *line;
	size_t len;
	uint64_t n = 0, complaints = 0, invalid = 0, matches = 0, errors = 0;
	double t0, compile_ms, secs;
	char err[300];
	int rc = 0;

	(void)load_ms;
	t0 = now_seconds();
	if ((nv = rules_naive_new(rs, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_classify: %s\n", err);
		rules_unref(rs);
		return 1;
	}
	compile_ms = (now_seconds() - t0) * 1e3;
	printf("naive patterns=%zu rules=%zu\n", rules_naive_patterns(nv), rules_count(rs));
	if (reader_open(&rd, o->corpus) < 0) {
		rules_naive_free(nv);
		rules_unref(rs);
		return 1;
	}
	t0 = now_seconds();
	while ((o->limit == 0 || n < o->limit) && (rc = reader_next(&rd, &line, &len)) > 0) {
		int score = 0;

		n++;
		if (utf8_valid_prefix(line, len) != len) {
			invalid++;
			continue;
		}

		for (size_t r = 0; r < rules_count(rs); r++) {
			int m = rules_naive_match(nv, r, line, len);

			if (m > 0) {
				score += rules_score(rs, r);
				matches++;
			} else if (m < 0)
				errors++;
		}
		complaints += score >= rules_threshold(rs, PRIO_LOW);
	}
	secs = now_seconds() - t0;
	printf("detail invalid_utf8=%llu rule_matches=%llu regex_errors=%llu too_long=%llu\n",
	       (unsigned long long)invalid, (unsigned long long)matches, (unsigned long long)errors,
	       (unsigned long long)rd.too_long);
	print_result("naive-rules", rules_count(rs), n, complaints, secs, compile_ms);
	reader_close(&rd);
	rules_naive_free(nv);
	rules_unref(rs);
	return rc < 0 ? 1 : 0;
}

static int
run_naive(const struct opts *o)
{
	struct ruleset *rs;
	struct reader rd;
	struct rx_prof *prof = NULL;
	struct norm_buf nb;
	pcre2_code **codes;
	pcre2_match_data *md;
	const char *line;
	size_t len, nre, ncodes = 0, no_jit = 0;
	uint32_t maxcap = 0;
	uint64_t n = 0, complaints = 0, invalid = 0, matches = 0, errors = 0;
	double load_ms, compile_ms, t0, secs;
	int rc = 0;

	rs = load_rules(o->rules_dir, &load_ms, 1);
	if (rs == NULL)
		return 1;

	if (o->whole_rules)
		return run_naive_rules(o, rs, load_ms);
	nre = rules_nregex(rs);
	codes = xcalloc(nre, sizeof(*codes));
	t0 = now_seconds();
	for (size_t i = 0; i < nre; i++) {
		const char *src = rules_regex_source(rs, i);
		PCRE2_UCHAR msg[256];
		PCRE2_SIZE off;
		uint32_t cap;
		int err;

		codes[i] = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
		                         PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &err, &off, NULL);
		if (codes[i] == NULL) {
			pcre2_get_error_message(err, msg, sizeof(msg));
			fprintf(stderr,
			        "bench_classify: regex %zu /%s/: %s at offset %zu (skipped)\n", i,
			        src, (const char *)msg, (size_t)off);
			continue;
		}
		ncodes++;
		if (pcre2_jit_compile(codes[i], PCRE2_JIT_COMPLETE) != 0)
			no_jit++;
		if (pcre2_pattern_info(codes[i], PCRE2_INFO_CAPTURECOUNT, &cap) == 0 &&
		    cap > maxcap)
			maxcap = cap;
	}
	compile_ms = (now_seconds() - t0) * 1e3;
	md = pcre2_match_data_create(maxcap + 1, NULL);
	printf("naive regexes=%zu compiled=%zu no_jit=%zu\n", nre, ncodes, no_jit);
	norm_init(&nb);
	if (o->per_regex)
		prof = prof_new(rs, nre);

	if (reader_open(&rd, o->corpus) < 0) {
		rc = 1;
		goto out;
	}
	t0 = now_seconds();
	while ((o->limit == 0 || n < o->limit) && (rc = reader_next(&rd, &line, &len)) > 0) {
		int hit = 0;

		n++;
		if (utf8_valid_prefix(line, len) != len) {
			invalid++;
			continue;
		}
		if (prof != NULL)
			norm_fold(&nb, line, len);
		for (size_t i = 0; i < nre; i++) {
			double r0 = 0;

			if (codes[i] == NULL)
				continue;
			if (prof != NULL) {
				prof[i].gated += (uint64_t)prof_gate(&prof[i], &nb);
				r0 = now_seconds();
			}
			int m = pcre2_match(codes[i], (PCRE2_SPTR)line, len, 0, PCRE2_NO_UTF_CHECK,
			                    md, NULL);
			if (prof != NULL) {
				prof[i].seconds += now_seconds() - r0;
				prof[i].matches += m >= 0;
			}
			if (m >= 0) {
				hit = 1;
				matches++;
			} else if (m != PCRE2_ERROR_NOMATCH) {
				errors++;
			}
		}
		complaints += hit;
	}
	secs = now_seconds() - t0;
	if (rc < 0) {
		reader_close(&rd);
		rc = 1;
		goto out;
	}

	printf("detail invalid_utf8=%llu regex_matches=%llu regex_errors=%llu too_long=%llu\n",
	       (unsigned long long)invalid, (unsigned long long)matches, (unsigned long long)errors,
	       (unsigned long long)rd.too_long);
	if (prof != NULL)
		prof_report(rs, prof, nre, n);
	/* complaints here: mentions on which at least one regex matched. */
	print_result(o->per_regex ? "naive-profile" : "naive", rules_count(rs), n, complaints, secs,
	             compile_ms);
	reader_close(&rd);
	rc = 0;
out:
	prof_free(prof, nre);
	norm_free(&nb);
	pcre2_match_data_free(md);
	for (size_t i = 0; i < nre; i++)
		pcre2_code_free(codes[i]);
	free(codes);
	rules_unref(rs);
	return rc;
}

static int
run_compile(const struct opts *o)
{
	unsigned long long k = o->repeat ? o->repeat : DEFAULT_REPEAT;
	double *ms = xcalloc(k, sizeof(*ms));
	double median;
	size_t rules = 0;

	for (unsigned long long i = 0; i < k; i++) {
		struct ruleset *rs = load_rules(o->rules_dir, &ms[i], i > 0);

		if (rs == NULL) {
			free(ms);
			return 1;
		}
		if (i == 0)
			print_summary(rs);
		rules = rules_count(rs);
		rules_unref(rs);
	}
	qsort(ms, k, sizeof(*ms), cmp_double);
	median = k % 2 ? ms[k / 2] : (ms[k / 2 - 1] + ms[k / 2]) / 2;
	printf("mode=compile rules=%zu repeat=%llu median_ms=%.1f min_ms=%.1f max_ms=%.1f "
	       "peak_rss_kb=%ld\n",
	       rules, k, median, ms[0], ms[k - 1], peak_rss_kb());
	free(ms);
	return 0;
}

static int
run_html(void)
{
	for (size_t kib = 64; kib <= 1024; kib *= 4) {
		struct buf in, out;
		double t0, ms;

		buf_init(&in);
		buf_init(&out);
		while (in.len < kib * 1024)
			buf_add(&in, "<a", 2);
		t0 = now_seconds();
		htmltext(&out, in.data, in.len);
		ms = (now_seconds() - t0) * 1e3;
		printf("mode=html bytes=%zu ms=%.3f mb_per_s=%.1f\n", in.len, ms,
		       ms > 0 ? in.len / 1048576.0 / (ms / 1e3) : 0);
		buf_free(&in);
		buf_free(&out);
	}
	return 0;
}

/* --- main --------------------------------------------------------------- */

static void __attribute__((noreturn)) usage(int status)
{
	fputs("usage: bench_classify classify RULES_DIR CORPUS.txt [--limit N] [--no-evidence]\n"
	      "       bench_classify naive RULES_DIR CORPUS.txt [--limit N] [--per-regex | --whole-rules]\n"
	      "       bench_classify model RULES_DIR CORPUS.txt [--limit N] [--train N] [--model FILE]\n"
	      "       bench_classify compile RULES_DIR [--repeat K]\n"
	      "       bench_classify html\n"
	      "CORPUS.txt: plain text, one mention per line (- for stdin)\n",
	      status ? stderr : stdout);
	exit(status);
}

int
main(int argc, char **argv)
{
	struct opts o;
	const char *pos[2] = {NULL, NULL};
	size_t npos = 0, want;

	memset(&o, 0, sizeof(o));
	if (argc < 2)
		usage(2);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		usage(0);
	o.mode = argv[1];
	if (strcmp(o.mode, "html") == 0)
		return argc == 2 ? run_html() : (usage(2), 2);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--limit") == 0 || strcmp(argv[i], "--repeat") == 0 ||
		    strcmp(argv[i], "--train") == 0) {
			unsigned long long *dst = argv[i][2] == 'l'   ? &o.limit
			                          : argv[i][2] == 'r' ? &o.repeat
			                                              : &o.train;

			if (i + 1 >= argc || parse_count(argv[i + 1], dst) < 0) {
				fprintf(stderr, "bench_classify: %s needs a number\n", argv[i]);
				usage(2);
			}
			i++;
		} else if (strcmp(argv[i], "--per-regex") == 0) {
			o.per_regex = 1;
		} else if (strcmp(argv[i], "--whole-rules") == 0) {
			o.whole_rules = 1;
		} else if (strcmp(argv[i], "--no-evidence") == 0) {
			o.no_evidence = 1;
		} else if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) {
			o.model = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "bench_classify: unknown option %s\n", argv[i]);
			usage(2);
		} else if (npos < 2) {
			pos[npos++] = argv[i];
		} else {
			usage(2);
		}
	}
	if (o.per_regex && o.whole_rules)
		usage(2);
	want = strcmp(o.mode, "compile") == 0 ? 1 : 2;
	if (npos != want)
		usage(2);
	o.rules_dir = pos[0];
	o.corpus = pos[1];

	/* Figures go to a pipe in run.sh: keep them in order with stderr. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(o.mode, "classify") == 0)
		return run_classify(&o);
	if (strcmp(o.mode, "naive") == 0)
		return run_naive(&o);
	if (strcmp(o.mode, "model") == 0)
		return run_model(&o);
	if (strcmp(o.mode, "compile") == 0)
		return run_compile(&o);
	fprintf(stderr, "bench_classify: unknown mode %s\n", o.mode);
	usage(2);
}
