#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/model.h"
#include "engine/normalize.h"
#include "lib/util.h"
#include "unit.h"

/*
 * A toy domain: complaints talk of refunds, crashes and waiting; the rest
 * thanks and praises. Words of both sides appear in both, so that only the
 * pairs and the balance separate some of them.
 */
static const char *const complaint_texts[] = {
    "my refund never arrived",
    "the app keeps crashing when I login",
    "still waiting for my refund after two weeks",
    "crashing again, cannot pay my bill",
    "where is my refund? this is the third time I ask",
    "your service is broken, app crashing all day",
    "waiting on hold for an hour, nobody answers",
    "I want my money back, the order never came",
    "login broken since the update, cannot pay",
    "no refund, no answer, terrible service",
};
static const char *const other_texts[] = {
    "thanks for the quick help today",    "love the new update, great job",
    "great service, thank you team",      "the order came early, thanks a lot",
    "happy with the new app design",      "thank you, the update works great",
    "quick answer from support, love it", "nice job on the new features",
    "my order came today, great service", "thanks, paid my bill in the app, easy",
};

#define NTOY 20

static struct model_example toy[NTOY];

static void
toy_init(void)
{
	for (size_t i = 0; i < NTOY / 2; i++) {
		toy[i] = (struct model_example){complaint_texts[i], strlen(complaint_texts[i]), 1};
		toy[NTOY / 2 + i] =
		    (struct model_example){other_texts[i], strlen(other_texts[i]), 0};
	}
}

static struct model *
toy_model(void)
{
	struct model_opts o;
	char err[256] = "";
	struct model *m;

	toy_init();
	model_opts_default(&o);
	m = model_train(toy, NTOY, &o, err, sizeof(err));
	ck_assert_msg(m != NULL, "train: %s", err);
	return m;
}

/* A fresh path in a directory of this process's own under TMPDIR (or .). */
static char *
tmp_path(const char *name)
{
	const char *dir = getenv("TMPDIR");
	char *d = xasprintf("%s/test_model.%ld", dir ? dir : ".", (long)getpid());
	char *p = xasprintf("%s/%s", d, name);

	(void)mkdir(d, 0700);
	unlink(p);
	free(d);
	return p;
}

/* Removes p and the directory tmp_path made for it when it is empty. */
static void
tmp_done(char *p)
{
	char *slash = strrchr(p, '/');

	unlink(p);
	*slash = '\0';
	(void)rmdir(p);
	free(p);
}

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	ck_assert_ptr_nonnull(f);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return b.data;
}

static void
write_all(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_deterministic)
{
	struct model *a = toy_model(), *b = toy_model();
	struct model_info info;
	char err[256], *pa = tmp_path("a.model"), *pb = tmp_path("b.model"), *da, *db;
	size_t la, lb;

	/* the trainer's figures are part of the file: the same ones on both */
	info = *model_info(a);
	snprintf(info.date, sizeof(info.date), "2026-12-07T06:00:00Z");
	info.cv_f1 = 0.8125;
	info.folds = 5;
	model_set_info(a, &info);
	model_set_info(b, &info);
	ck_assert_int_eq(model_save(a, pa, err, sizeof(err)), 0);
	ck_assert_int_eq(model_save(b, pb, err, sizeof(err)), 0);
	da = read_all(pa, &la);
	db = read_all(pb, &lb);
	ck_assert_uint_eq(la, lb);
	ck_assert_msg(memcmp(da, db, la) == 0, "two trainings on the same data differ");
	/* and the file has the weights of 2^bits slots behind its header */
	ck_assert_uint_gt(la, (size_t)2 << model_bits(a));
	ck_assert(strncmp(da, "keluh-model 2\nseed 1\nbits 18\n", 29) == 0);
	free(da);
	free(db);
	tmp_done(pa);
	tmp_done(pb);
	model_free(a);
	model_free(b);
}
END_TEST

START_TEST(test_seed_changes_file)
{
	struct model_opts o;
	struct model *a, *b;
	char err[256], *pa = tmp_path("s1.model"), *pb = tmp_path("s2.model"), *da, *db;
	size_t la, lb;

	toy_init();
	model_opts_default(&o);
	a = model_train(toy, NTOY, &o, err, sizeof(err));
	o.seed = 2;
	b = model_train(toy, NTOY, &o, err, sizeof(err));
	ck_assert_int_eq(model_save(a, pa, err, sizeof(err)), 0);
	ck_assert_int_eq(model_save(b, pb, err, sizeof(err)), 0);
	da = read_all(pa, &la);
	db = read_all(pb, &lb);
	ck_assert(la != lb || memcmp(da, db, la) != 0);
	ck_assert_uint_eq(model_info(b)->seed, 2);
	free(da);
	free(db);
	tmp_done(pa);
	tmp_done(pb);
	model_free(a);
	model_free(b);
}
END_TEST

START_TEST(test_learns)
{
	struct model *m = toy_model();
	/* texts it did not see, made of the same words */
	static const char *const yes[] = {"refund please, the app is crashing",
	                                  "still waiting, login broken"};
	static const char *const no[] = {"thanks, great update", "love the service, thank you"};

	for (size_t i = 0; i < NTOY; i++) {
		double p = model_prob(m, toy[i].text, toy[i].len);

		ck_assert_msg(toy[i].label ? p > 0.5 : p < 0.5, "%s: p = %f", toy[i].text, p);
	}
	for (size_t i = 0; i < 2; i++) {
		ck_assert_msg(model_prob(m, yes[i], strlen(yes[i])) > 0.5, "%s", yes[i]);
		ck_assert_msg(model_prob(m, no[i], strlen(no[i])) < 0.5, "%s", no[i]);
	}
	ck_assert_uint_eq(model_info(m)->n_pos, NTOY / 2);
	ck_assert_uint_eq(model_info(m)->n_neg, NTOY / 2);
	ck_assert_uint_eq(model_info(m)->norm_version, NORM_VERSION);
	model_free(m);
}
END_TEST

START_TEST(test_prob_range)
{
	struct model *m = toy_model();
	struct model_scratch *s = model_scratch_new();
	struct buf big;
	static const char *const odd[] = {
	    "", " ", "\xff\xfe not UTF-8", "😡😡😡", "!!!!", "ＲＥＦＵＮＤ", "refund\0hidden"};

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		size_t len = i == 6 ? 13 : strlen(odd[i]);
		double p = model_prob(m, odd[i], len);

		ck_assert_msg(p >= 0 && p <= 1, "p(%s) = %f", odd[i], p);
		ck_assert(model_prob_with(m, s, odd[i], len) == p);
	}
	/* many times the same strong n-gram: near 1, never above */
	buf_init(&big);
	for (int i = 0; i < 20000; i++)
		buf_adds(&big, "refund crashing ");
	ck_assert(model_prob(m, big.data, big.len) <= 1.0);
	ck_assert(model_prob(m, big.data, big.len) > 0.5);
	buf_free(&big);
	model_scratch_free(s);
	model_free(m);
}
END_TEST

START_TEST(test_roundtrip)
{
	struct model *m = toy_model(), *l;
	struct model_info info = *model_info(m);
	char err[256] = "", *p = tmp_path("brand-complaints.model");
	const char *t = "where is my refund?";

	snprintf(info.date, sizeof(info.date), "2026-12-07T06:00:00Z");
	info.cv_f1 = 0.75;
	info.folds = 5;
	model_set_info(m, &info);
	ck_assert_int_eq(model_save(m, p, err, sizeof(err)), 0);
	l = model_load(p, err, sizeof(err));
	ck_assert_msg(l != NULL, "%s", err);
	ck_assert_str_eq(model_name(l), "brand-complaints");
	ck_assert_str_eq(model_info(l)->date, "2026-12-07T06:00:00Z");
	ck_assert_uint_eq(model_info(l)->folds, 5);
	ck_assert(model_info(l)->cv_f1 == 0.75);
	ck_assert_uint_eq(model_info(l)->n_pos, NTOY / 2);
	ck_assert_uint_eq(model_info(l)->seed, 1);
	/* the trained model scores with the quantised weights it saves */
	ck_assert(model_prob(l, t, strlen(t)) == model_prob(m, t, strlen(t)));
	tmp_done(p);
	model_free(l);
	model_free(m);
}
END_TEST

START_TEST(test_train_errors)
{
	struct model_opts o;
	char err[256] = "";

	toy_init();
	model_opts_default(&o);
	ck_assert_ptr_null(model_train(toy, NTOY / 2, &o, err, sizeof(err)));
	ck_assert_msg(strstr(err, "labelled non-complaints") != NULL, "%s", err);
	ck_assert_ptr_null(model_train(toy, 0, &o, err, sizeof(err)));
	o.bits = 30;
	ck_assert_ptr_null(model_train(toy, NTOY, &o, err, sizeof(err)));
	ck_assert_msg(strstr(err, "bits 30") != NULL, "%s", err);
}
END_TEST

START_TEST(test_save_error)
{
	struct model *m = toy_model();
	char err[512] = "", *base = tmp_path("none"), *p = xasprintf("%s/no/dir.model", base);

	ck_assert_int_eq(model_save(m, p, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, p, strlen(p)) == 0 && strstr(err, "error: cannot write it") &&
	                  strstr(err, "directory exists"),
	              "%s", err);
	free(p);
	tmp_done(base);
	model_free(m);
}
END_TEST

/* --- load errors -------------------------------------------------------------- */

/* A valid model file's bytes, small: bits 10. */
static char *
small_file(size_t *len)
{
	struct model_opts o;
	struct model *m;
	char err[256], *p = tmp_path("small.model"), *d;

	toy_init();
	model_opts_default(&o);
	o.bits = 10;
	m = model_train(toy, NTOY, &o, err, sizeof(err));
	ck_assert_int_eq(model_save(m, p, err, sizeof(err)), 0);
	d = read_all(p, len);
	tmp_done(p);
	model_free(m);
	return d;
}

/* Loads data written to a file; the error must hold every one of want[]. */
static void
load_fails(const char *what, const char *data, size_t len, const char *const *want)
{
	char err[512] = "", *p = tmp_path("bad.model");
	struct model *m;

	write_all(p, data, len);
	m = model_load(p, err, sizeof(err));
	ck_assert_msg(m == NULL, "%s: loaded", what);
	ck_assert_msg(strncmp(err, p, strlen(p)) == 0, "%s: the path is not first: %s", what, err);
	ck_assert_msg(strstr(err, "error: ") != NULL, "%s: %s", what, err);
	for (; *want != NULL; want++)
		ck_assert_msg(strstr(err, *want) != NULL, "%s: no \"%s\" in: %s", what, *want, err);
	tmp_done(p);
}

/* data with its line'th line (1-based) replaced by repl */
static char *
replace_line(const char *data, size_t len, int line, const char *repl, size_t *outlen)
{
	const char *s = data, *e;
	struct buf b;

	for (int i = 1; i < line; i++)
		s = strchr(s, '\n') + 1;
	e = strchr(s, '\n');
	buf_init(&b);
	buf_add(&b, data, (size_t)(s - data));
	buf_adds(&b, repl);
	buf_add(&b, e, len - (size_t)(e - data));
	*outlen = b.len;
	return b.data;
}

START_TEST(test_load_missing)
{
	char err[512] = "", *p = tmp_path("none.model");

	ck_assert_ptr_null(model_load(p, err, sizeof(err)));
	ck_assert_msg(strstr(err, "no such file") != NULL && strstr(err, "keluhctl learn") != NULL,
	              "%s", err);
	ck_assert(strncmp(err, p, strlen(p)) == 0);
	tmp_done(p);
}
END_TEST

START_TEST(test_load_not_a_model)
{
	static const char yaml[] = "rules:\n  - name: x\n";

	load_fails("yaml", yaml, sizeof(yaml) - 1,
	           (const char *const[]){"not a keluh model", "keluhctl learn", NULL});
	load_fails("empty", "", 0, (const char *const[]){"not a keluh model", NULL});
	load_fails("version word", "keluh-model one\n", 16,
	           (const char *const[]){":1: error: bad header line", NULL});
}
END_TEST

START_TEST(test_load_newer)
{
	size_t len, nl;
	char *d = small_file(&len), *n = replace_line(d, len, 1, "keluh-model 3", &nl);

	load_fails("newer", n, nl,
	           (const char *const[]){"version 3 is newer than this keluh reads (2)",
	                                 "upgrade keluh", NULL});
	free(n);
	/* version 1 hashed other n-grams */
	n = replace_line(d, len, 1, "keluh-model 1", &nl);
	load_fails("older", n, nl,
	           (const char *const[]){"version 1 is older than this keluh reads (2)",
	                                 "train the model again", NULL});
	free(n);
	free(d);
}
END_TEST

START_TEST(test_load_truncated)
{
	size_t len;
	char *d = small_file(&len);
	const char *w = strstr(d, "int16le\n") + 8;

	/* in the header */
	load_fails(
	    "header cut", d, 40,
	    (const char *const[]){"truncated: the header ends after 4 of its 11 lines", NULL});
	/* in the weights */
	load_fails(
	    "weights cut", d, len - 100,
	    (const char *const[]){"truncated: the weights end after 1948 of their 2048 bytes",
	                          "copy it again", NULL});
	/* right after the header */
	load_fails("no weights", d, (size_t)(w - d),
	           (const char *const[]){"truncated", "after 0 of their 2048 bytes", NULL});
	free(d);
}
END_TEST

START_TEST(test_load_wrong_size)
{
	size_t len, nl;
	char *d = small_file(&len), *big = xmalloc(len + 3), *n;

	memcpy(big, d, len);
	memcpy(big + len, "xyz", 3);
	load_fails(
	    "trailing bytes", big, len + 3,
	    (const char *const[]){"wrong size: 3 bytes after the 2048 bytes of weights", NULL});
	n = replace_line(d, len, 11, "weights 2048 int16le", &nl);
	load_fails("count", n, nl,
	           (const char *const[]){
	               ":11: error: wrong size: 2048 weights, but bits 10 needs 1024", NULL});
	free(n);
	/* bits says 11: the weights of bits 10 are half of what it needs */
	n = replace_line(d, len, 3, "bits 11", &nl);
	load_fails("bits", n, nl, (const char *const[]){":11: error: wrong size", NULL});
	free(n);
	free(big);
	free(d);
}
END_TEST

START_TEST(test_load_bad_header)
{
	static const struct {
		int line;
		const char *repl, *want;
	} cases[] = {
	    {2, "seed x", ":2: error: bad header line \"seed x\": not a whole number"},
	    {2, "sed 1", ":2: error: bad header line \"sed 1\": expected \"seed VALUE\""},
	    {3, "bits 99", ":3: error: bits 99 is out of range"},
	    {4, "norm 99",
	     ":4: error: the model was trained on text folded by normalisation "
	     "version 99"},
	    {6, "labels 3", ":6: error: bad header line \"labels 3\": want two counts"},
	    {7, "cv-f1 nan", ":7: error: bad header line \"cv-f1 nan\": not a number"},
	    {9, "bias", ":9: error: bad header line \"bias\""},
	    {11, "weights 1024 float", ":11: error: bad header line"},
	};
	size_t len, nl;
	char *d = small_file(&len);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *n = replace_line(d, len, cases[i].line, cases[i].repl, &nl);

		load_fails(cases[i].repl, n, nl,
		           (const char *const[]){cases[i].want, "keluhctl learn", NULL});
		free(n);
	}
	free(d);
}
END_TEST

START_TEST(test_parse_mem)
{
	size_t len;
	char *d = small_file(&len), err[256];
	struct model *m = model_parse("x/id-example.model", d, len, err, sizeof(err));

	ck_assert_msg(m != NULL, "%s", err);
	ck_assert_str_eq(model_name(m), "id-example");
	ck_assert_uint_eq(model_bits(m), 10);
	model_free(m);
	free(d);
}
END_TEST

/* --- explanation -------------------------------------------------------------- */

/*
 * Every span is inside the text on code point boundaries, and the raw
 * bytes it covers fold to the n-gram.
 */
static void
spans_sound(const char *text, const struct model_why *w, size_t n)
{
	size_t len = strlen(text);

	for (size_t i = 0; i < n; i++) {
		size_t flen;
		char *f;

		ck_assert_uint_lt(w[i].start, w[i].end);
		ck_assert_uint_le(w[i].end, len);
		ck_assert(((unsigned char)text[w[i].start] & 0xc0) != 0x80);
		ck_assert(w[i].end == len || ((unsigned char)text[w[i].end] & 0xc0) != 0x80);
		f = norm_fold_str(text + w[i].start, w[i].end - w[i].start, &flen);
		ck_assert_msg(strcmp(f, w[i].gram) == 0,
		              "span [%zu, %zu) of \"%s\" folds to \"%s\", "
		              "the n-gram is \"%s\"",
		              w[i].start, w[i].end, text, f, w[i].gram);
		free(f);
	}
}

/* The unit for gram, or NULL. */
static const struct model_why *
why_find(const struct model_why *w, size_t n, const char *gram)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(w[i].gram, gram) == 0)
			return &w[i];
	return NULL;
}

START_TEST(test_explain_ascii)
{
	struct model *m = toy_model();
	const char *t = "Where is my refund? The app is crashing";
	struct model_why w[16];
	size_t n = model_explain(m, t, strlen(t), w, 16);
	const struct model_why *r;

	ck_assert_uint_gt(n, 3);
	spans_sound(t, w, n);
	/* a complaint: the strongest push towards it first, in order */
	ck_assert(model_prob(m, t, strlen(t)) > 0.5);
	ck_assert(w[0].weight > 0);
	for (size_t i = 1; i < n; i++)
		ck_assert(w[i - 1].weight >= w[i].weight);
	r = why_find(w, n, "refund");
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->start, 12);
	ck_assert_uint_eq(r->end, 18);
	ck_assert(r->weight > 0);
	/* a word pair covers both words */
	r = why_find(w, n, "is crashing");
	if (r != NULL) {
		ck_assert_uint_eq(r->start, 28);
		ck_assert_uint_eq(r->end, 39);
	}
	/* fewer asked, the same first ones */
	ck_assert_uint_eq(model_explain(m, t, strlen(t), w, 2), 2);
	ck_assert_str_eq(w[0].gram, n > 0 ? w[0].gram : "");
	model_free(m);
}
END_TEST

START_TEST(test_explain_not_complaint)
{
	struct model *m = toy_model();
	const char *t = "thanks, great update!";
	struct model_why w[16];
	size_t n = model_explain(m, t, strlen(t), w, 16);

	ck_assert(model_prob(m, t, strlen(t)) < 0.5);
	ck_assert_uint_gt(n, 0);
	ck_assert(w[0].weight < 0);
	for (size_t i = 1; i < n; i++)
		ck_assert(w[i - 1].weight <= w[i].weight);
	spans_sound(t, w, n);
	model_free(m);
}
END_TEST

START_TEST(test_explain_folded_lengths)
{
	struct model *m = toy_model();
	/* fullwidth letters fold to ASCII (3 bytes to 1), marks go, runs squeeze */
	const char *t = "Café: ＲＥＦＵＮＤ?? Straße WAAAITING for my Refund 😡";
	struct model_why w[32];
	size_t n = model_explain(m, t, strlen(t), w, 32);
	const struct model_why *r;
	const char *fw = strstr(t, "ＲＥＦＵＮＤ"), *ascii = strstr(t, "Refund");

	spans_sound(t, w, n);
	/* both occurrences of "refund", each at its own raw bytes */
	for (size_t i = 0, seen = 0; i < n; i++) {
		if (strcmp(w[i].gram, "refund") != 0)
			continue;
		ck_assert(w[i].start == (size_t)(fw - t) || w[i].start == (size_t)(ascii - t));
		ck_assert_uint_eq(w[i].end - w[i].start, w[i].start == (size_t)(fw - t) ? 18 : 6);
		ck_assert_uint_lt(seen++, 2);
	}
	ck_assert_ptr_nonnull(why_find(w, n, "refund"));
	r = why_find(w, n, "waiting");
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->start, (size_t)(strstr(t, "WAAAITING") - t));
	ck_assert_uint_eq(r->end, r->start + 9);
	r = why_find(w, n, "strasse");
	if (r != NULL)
		ck_assert_uint_eq(r->end - r->start, 7); /* "Straße": ß is two bytes */
	model_free(m);
}
END_TEST

START_TEST(test_explain_redup)
{
	/* reduplication marks complaints here, so its n-grams weigh */
	static const char *const texts[] = {"saldo belum masuk2",  "gara2 error terus",
	                                    "nunggu2 lama",        "terima kasih",
	                                    "mantap pelayanannya", "sudah beres"};
	struct model_example ex[6];
	struct model_opts o;
	struct model *m;
	/* "masuk2" folds to "masuk-masuk": the '-' and the copy map to the '2' */
	const char *t = "refund belum masuk2 juga";
	struct model_why w[32];
	char err[256];
	size_t n, seen = 0;

	for (size_t i = 0; i < 6; i++)
		ex[i] = (struct model_example){texts[i], strlen(texts[i]), i < 3};
	model_opts_default(&o);
	m = model_train(ex, 6, &o, err, sizeof(err));
	ck_assert_msg(m != NULL, "%s", err);
	n = model_explain(m, t, strlen(t), w, 32);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(w[i].start < w[i].end, "\"%s\": empty span at %zu", w[i].gram,
		              w[i].start);
		ck_assert_uint_le(w[i].end, strlen(t));
		if (strcmp(w[i].gram, "masuk") == 0)
			ck_assert(w[i].start == 13 || (w[i].start == 18 && w[i].end == 19));
		if (strcmp(w[i].gram, "-") == 0) {
			ck_assert_uint_eq(w[i].start, 18);
			ck_assert_uint_eq(w[i].end, 19);
			seen++;
		}
	}
	ck_assert_uint_eq(seen, 1);
	model_free(m);
}
END_TEST

/*
 * The explanation shares out every n-gram's weight: its parts and the
 * bias add up to the score that model_prob turned into p. That ties the
 * scoring loop to the explanation's, which are written apart.
 */
START_TEST(test_explain_adds_up)
{
	static const char *const texts[] = {
	    "Where is my refund? The app is crashing",
	    "thanks, great update!",
	    "Café: ＲＥＦＵＮＤ?? Straße WAAAITING for my Refund 😡",
	    "refund belum masuk2 juga",
	    "a",
	    "😡😡 !! ??",
	    "  spaces   and\ttabs\n",
	};
	struct model *m = toy_model();
	struct model_why *w = xcalloc(4096, sizeof(*w));
	char err[256], *p = tmp_path("sum.model"), *d, *b;
	double bias;
	size_t len;

	ck_assert_int_eq(model_save(m, p, err, sizeof(err)), 0);
	d = read_all(p, &len);
	b = strstr(d, "\nbias ");
	ck_assert_ptr_nonnull(b);
	bias = strtod(b + 6, NULL);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t tl = strlen(texts[i]), n = model_explain(m, texts[i], tl, w, 4096);
		double pr = model_prob(m, texts[i], tl), sum = bias;

		for (size_t j = 0; j < n; j++)
			sum += w[j].weight;
		ck_assert_msg(fabs(sum - log(pr / (1 - pr))) < 1e-9,
		              "\"%s\": the parts add up to %.12f, the score is %.12f", texts[i],
		              sum, log(pr / (1 - pr)));
	}
	free(d);
	free(w);
	tmp_done(p);
	model_free(m);
}
END_TEST

START_TEST(test_explain_long_gram)
{
	struct model *m = toy_model();
	struct buf b;
	struct model_why w[4];
	size_t n;

	/* one word of 100 letters (no run of three) and of 2-byte ones: cut at 63 bytes, whole code
	 * points */
	buf_init(&b);
	buf_adds(&b, "refund ");
	for (int i = 0; i < 50; i++)
		buf_adds(&b, "ab");
	buf_adds(&b, " ");
	for (int i = 0; i < 50; i++)
		buf_adds(&b, "éa");
	n = model_explain(m, b.data, b.len, w, 4);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_lt(strlen(w[i].gram), 64);
		ck_assert_uint_eq(utf8_valid_prefix(w[i].gram, strlen(w[i].gram)),
		                  strlen(w[i].gram));
	}
	buf_free(&b);
	model_free(m);
}
END_TEST

static Suite *
model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_seed_changes_file);
	tcase_add_test(tc, test_learns);
	tcase_add_test(tc, test_prob_range);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_train_errors);
	tcase_add_test(tc, test_save_error);
	tcase_add_test(tc, test_load_missing);
	tcase_add_test(tc, test_load_not_a_model);
	tcase_add_test(tc, test_load_newer);
	tcase_add_test(tc, test_load_truncated);
	tcase_add_test(tc, test_load_wrong_size);
	tcase_add_test(tc, test_load_bad_header);
	tcase_add_test(tc, test_parse_mem);
	tcase_add_test(tc, test_explain_ascii);
	tcase_add_test(tc, test_explain_not_complaint);
	tcase_add_test(tc, test_explain_folded_lengths);
	tcase_add_test(tc, test_explain_redup);
	tcase_add_test(tc, test_explain_adds_up);
	tcase_add_test(tc, test_explain_long_gram);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(model_suite());
}
