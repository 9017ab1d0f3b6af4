/* Condition logic, keyword forms, prefiltering and scoring, end to end. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/classify.h"
#include "engine/rules.h"
#include "engine/rules_int.h"
#include "engine/rules_naive.h"
#include "unit.h"
#include "lib/util.h"

static const char *ruleset_yaml =
    "lists:\n"
    "  cannot: [gak bisa, tidak bisa, \"can't\", cannot]\n"
    "scoring:\n"
    "  thresholds: {critical: 80, high: 50, normal: 25, low: 10}\n"
    "  boosts:\n"
    "    followers: [{at_least: 1000, add: 5}, {at_least: 100000, add: 20}]\n"
    "    verified: 7\n"
    "rules:\n"
    "  - id: access.login\n"
    "    team: tech\n"
    "    score: 40\n"
    "    when:\n"
    "      any:\n"
    "        - regex: '\\b(cannot|unable to)\\s+log\\s?in\\b'\n"
    "        - all:\n"
    "            - keywords: [\"@cannot\"]\n"
    "            - keywords: [login, masuk]\n"
    "      none:\n"
    "        - keywords: [giveaway]\n"
    "  - id: words.prefix\n"
    "    team: ops\n"
    "    score: 10\n"
    "    when: {keywords: [lemot*]}\n"
    "  - id: words.suffix\n"
    "    score: 10\n"
    "    when: {keywords: ['*bayar']}\n"
    "  - id: words.substr\n"
    "    score: 10\n"
    "    when: {keywords: ['*rusak*']}\n"
    "  - id: legal.ojk\n"
    "    team: legal\n"
    "    score: 60\n"
    "    when: {keywords: [ojk, lapor polisi]}\n"
    "  - id: noise.thanks\n"
    "    score: -30\n"
    "    when: {keywords: [terima kasih, thanks]}\n"
    "  - id: order.number\n"
    "    score: 15\n"
    "    when:\n"
    "      regex: '\\d{6,}'\n"
    "      keywords: [order, pesanan]\n"
    "  - id: limit.veto\n"
    "    score: 20\n"
    "    when:\n"
    "      keywords: [zzlimit]\n"
    "      none:\n"
    "        - regex: '(a+)+$'\n"
    "  - id: limit.pair\n"
    "    score: 20\n"
    "    when:\n"
    "      keywords: [zzpair]\n"
    "      none:\n"
    "        - regex: '(a+)+$'\n"
    "      regex: 'zzpair\\s+\\w'\n"
    "  - id: limit.second\n"
    "    score: 20\n"
    "    when:\n"
    "      regex: 'zzpair\\s+\\w'\n"
    "  - id: evidence.order\n"
    "    score: 1\n"
    "    when:\n"
    "      keywords: [kw01, kw02, kw03, kw04, kw05, kw06, kw07, kw08, kw09, kw10, kw11,\n"
    "          kw12, kw13, kw14, kw15, kw16, kw17, kw18, kw19, kw20, kw21, kw22, kw23, kw24]\n"
    "  - id: evidence.dups\n"
    "    score: 1\n"
    "    when:\n"
    "      keywords: [dupa, dupb, DUPA, dupc, dupd, dupe, dupf, dupg, duph, dupi, dupj]\n"
    "  - id: index.nested\n"
    "    score: 1\n"
    "    when:\n"
    "      any:\n"
    "        - all:\n"
    "            - keywords: [aaidx1, aaidx2, aaidx3]\n"
    "            - keywords: [bbidx]\n"
    "        - regex: 'zzidx\\d'\n"
    "  - id: index.guarded\n"
    "    score: 1\n"
    "    when:\n"
    "      keywords: [zzguard]\n"
    "      all:\n"
    "        - keywords: [zzlong1, zzlong2]\n"
    "        - none:\n"
    "            - regex: '(a+)+$'\n"
    "  - id: only.none\n"
    "    score: 0\n"
    "    when:\n"
    "      none:\n"
    "        - keywords: [a1b2c3]\n";

static struct ruleset *rs;
static struct classify_ctx *ctx;
static char dir[] = "/tmp/keluh-unit.XXXXXX";
static char path[256];

static void
setup(void)
{
	struct diag d;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r.yaml", dir);
	fp = fopen(path, "w");
	fputs(ruleset_yaml, fp);
	fclose(fp);
	diag_init(&d);
	rs = rules_load_dir(dir, &d);
	if (rs == NULL)
		diag_print(&d, stderr);
	ck_assert_ptr_nonnull(rs);
	diag_free(&d);
	ctx = classify_ctx_new(rs);
}

static void
teardown(void)
{
	classify_ctx_free(ctx);
	rules_unref(rs);
	unlink(path);
	rmdir(dir);
}

static struct verdict
run(const char *text, long followers, int verified)
{
	struct classify_author a = { followers, verified, 0 };
	struct verdict v;
	size_t bad;

	ck_assert_int_eq(classify_text(ctx, text, strlen(text), &a, &v, &bad), 0);
	return v;
}

static int
matched(const struct verdict *v, const char *id)
{
	for (size_t i = 0; i < v->nrules; i++)
		if (strcmp(rules_id(rs, v->rules[i]), id) == 0)
			return 1;
	return 0;
}

START_TEST(test_any_all_none)
{
	struct verdict v = run("Gak bisa LOGIN dari tadi", -1, 0);

	ck_assert(matched(&v, "access.login"));
	v = run("gak bisa tidur", -1, 0); /* all: needs a login word too */
	ck_assert(!matched(&v, "access.login"));
	v = run("gak bisa login, ikut giveaway", -1, 0); /* none: vetoes */
	ck_assert(!matched(&v, "access.login"));
	v = run("I cannot log in since Monday", -1, 0); /* the regex branch */
	ck_assert(matched(&v, "access.login"));
	v = run("order 1234567 belum sampai", -1, 0); /* two keys in one mapping: both */
	ck_assert(matched(&v, "order.number"));
	v = run("order kemarin belum sampai", -1, 0);
	ck_assert(!matched(&v, "order.number"));
	v = run("nomor 1234567 saja", -1, 0);
	ck_assert(!matched(&v, "order.number"));
	v = run("apa saja", -1, 0); /* a rule of only 'none' runs on everything */
	ck_assert(matched(&v, "only.none"));
}
END_TEST

/*
 * An 'all' is looked for under its shortest keyword list only: the rule is
 * the same wherever the other lists or a regex beside it are seen.
 */
START_TEST(test_all_indexed_by_one_list)
{
	struct verdict v;

	v = run("aaidx2 dan bbidx", -1, 0);
	ck_assert(matched(&v, "index.nested"));
	v = run("aaidx2 saja", -1, 0);
	ck_assert(!matched(&v, "index.nested"));
	v = run("bbidx saja", -1, 0);
	ck_assert(!matched(&v, "index.nested"));
	v = run("aaidx3 zzidx7", -1, 0); /* the regex beside the 'all' */
	ck_assert(matched(&v, "index.nested"));
	v = run("zzidx7", -1, 0);
	ck_assert(matched(&v, "index.nested"));

	v = run("zzguard zzlong2 aaaa", -1, 0);
	ck_assert(!matched(&v, "index.guarded")); /* vetoed: the regex matches */
	v = run("zzguard zzlong2 b", -1, 0);
	ck_assert(matched(&v, "index.guarded"));
	/* without the guard the runaway regex never runs, as before */
	v = run("zzlong1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", -1, 0);
	ck_assert(!matched(&v, "index.guarded"));
	ck_assert_uint_eq(v.regex_errors, 0);
	v = run("zzguard zzlong1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", -1, 0);
	ck_assert(!matched(&v, "index.guarded"));
	ck_assert_uint_eq(v.regex_errors, 1);
}
END_TEST

START_TEST(test_keyword_forms)
{
	struct verdict v;

	v = run("aplikasinya lemooot banget", -1, 0); /* prefix + squeezed letters */
	ck_assert(matched(&v, "words.prefix"));
	v = run("sangat klemot", -1, 0); /* a prefix starts at a word boundary */
	ck_assert(!matched(&v, "words.prefix"));
	v = run("sudah dibayar kok", -1, 0);
	ck_assert(matched(&v, "words.suffix"));
	v = run("bayarannya", -1, 0);
	ck_assert(!matched(&v, "words.suffix"));
	v = run("jalannya kerusakan parah", -1, 0);
	ck_assert(matched(&v, "words.substr"));
	v = run("mau LAPOR   POLISI aja", -1, 0); /* phrase across folded white space */
	ck_assert(matched(&v, "legal.ojk"));
	v = run("laporan polisi", -1, 0); /* whole words only */
	ck_assert(!matched(&v, "legal.ojk"));
	v = run("#OJK tolong", -1, 0); /* '#' is a boundary */
	ck_assert(matched(&v, "legal.ojk"));
	v = run("ＯＪＫ", -1, 0); /* width folding */
	ck_assert(matched(&v, "legal.ojk"));
	v = run("ojk2", -1, 0);
	ck_assert(!matched(&v, "legal.ojk"));
	v = run("lapor kojk", -1, 0); /* a word starts at a boundary too */
	ck_assert(!matched(&v, "legal.ojk"));
	v = run("I can\xe2\x80\x99t login", -1, 0); /* typographic apostrophe in a keyword */
	ck_assert(matched(&v, "access.login"));
}
END_TEST

START_TEST(test_scoring)
{
	struct verdict v;

	v = run("halo apa kabar", -1, 0);
	ck_assert_int_eq(v.complaint, 0);
	ck_assert_int_eq(v.priority, PRIO_NONE);
	ck_assert_int_eq(v.score, 0);

	v = run("gak bisa login", -1, 0);
	ck_assert_int_eq(v.score, 40);
	ck_assert_int_eq(v.priority, PRIO_NORMAL);
	ck_assert_str_eq(v.team, "tech");

	/* two rules add up; the team is the highest scoring rule's */
	v = run("gak bisa login, lapor OJK", -1, 0);
	ck_assert_int_eq(v.score, 100);
	ck_assert_int_eq(v.priority, PRIO_CRITICAL);
	ck_assert_str_eq(v.team, "legal");

	/*
	 * rules pile up no further than the strongest plus max_extra (40 by
	 * default): 60 + min(40 + 10 + 10, 40), where the sum was 120
	 */
	v = run("gak bisa login, lapor OJK, lemot, rusak", -1, 0);
	ck_assert_int_eq(v.score, 100);
	ck_assert_int_eq(v.top, 60);
	ck_assert_str_eq(rules_id(rs, v.top_rule), "legal.ojk");
	ck_assert_int_eq(v.extra, 60);
	ck_assert_int_eq(v.extra_counted, 40);
	ck_assert_int_eq(v.negative, 0);
	ck_assert_int_eq(rules_max_extra(rs), RULES_MAX_EXTRA);

	/* a negative rule pulls the score down */
	v = run("gak bisa login, terima kasih", -1, 0);
	ck_assert_int_eq(v.score, 10);
	ck_assert_int_eq(v.negative, -30);
	ck_assert_int_eq(v.priority, PRIO_LOW);

	/* boosts: only the highest follower step applies, plus verified */
	v = run("gak bisa login", 150000, 1);
	ck_assert_int_eq(v.boost, 27);
	ck_assert_int_eq(v.boost_followers, 20);
	ck_assert_int_eq(v.boost_verified, 7);
	ck_assert_int_eq(v.score, 67);
	ck_assert_int_eq(v.priority, PRIO_HIGH);
	v = run("gak bisa login", 999, 0);
	ck_assert_int_eq(v.boost, 0);
	v = run("gak bisa login", 1000, 0); /* at_least is reached at its value */
	ck_assert_int_eq(v.boost, 5);
	ck_assert_int_eq(v.score, 45);

	/* no boost without a complaint rule: a famous fan is not a complaint */
	v = run("terima kasih banyak", 1000000, 1);
	ck_assert_int_eq(v.boost, 0);
	ck_assert_int_eq(v.complaint, 0);
	/* nor below the low threshold: a weak hit by a famous author stays quiet */
	v = run("kw01", 1000000, 1);
	ck_assert_int_eq(v.score, 1);
	ck_assert_int_eq(v.boost, 0);
	ck_assert_int_eq(v.complaint, 0);
}
END_TEST

START_TEST(test_spans_in_original_text)
{
	const char *t = "Parahhh, GAAAK   bisa Masuk 😡";
	struct verdict v = run(t, -1, 0);
	int seen_phrase = 0, seen_word = 0;

	ck_assert(matched(&v, "access.login"));
	for (size_t i = 0; i < v.nmatches; i++) {
		const struct match *m = &v.matches[i];
		size_t len = m->end - m->start;

		if (strcmp(m->pattern, "gak bisa") == 0) {
			ck_assert_uint_eq(m->start, 9);
			ck_assert(len == strlen("GAAAK   bisa") && !memcmp(t + m->start, "GAAAK   bisa", len));
			seen_phrase = 1;
		}
		if (strcmp(m->pattern, "masuk") == 0) {
			ck_assert(len == 5 && memcmp(t + m->start, "Masuk", 5) == 0);
			seen_word = 1;
		}
	}
	ck_assert(seen_phrase && seen_word);
}
END_TEST

/*
 * Keyword evidence comes in the order of the list, whatever the order in
 * the text, each keyword once at its first occurrence, also one listed
 * twice (dupa and DUPA fold alike). Long lists take another way there
 * than short ones (classify_evidence).
 */
START_TEST(test_evidence_order)
{
	const char *t = "kw09 then KW02, kw09 again and kw05; dupc dupa";
	static const char *const want[][2] = {
		{ "evidence.order", "kw02" }, { "evidence.order", "kw05" },
		{ "evidence.order", "kw09" }, { "evidence.dups", "dupa" },
		{ "evidence.dups", "dupc" },
	};
	static const size_t start[] = { 10, 31, 0, 42, 37 };
	struct verdict v = run(t, -1, 0);

	ck_assert_uint_eq(v.nmatches, 5);
	for (size_t i = 0; i < v.nmatches; i++) {
		const struct match *m = &v.matches[i];

		ck_assert_str_eq(rules_id(rs, m->rule), want[i][0]);
		ck_assert_str_eq(m->pattern, want[i][1]);
		ck_assert_uint_eq(m->start, start[i]);
		ck_assert_uint_eq(m->end, start[i] + 4);
	}
}
END_TEST

START_TEST(test_runaway_regex_decides_nothing)
{
	/* a regex that hits the match limit under 'none' must not let the rule through */
	struct verdict v = run("zzlimit aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", -1, 0);

	ck_assert(!matched(&v, "limit.veto"));
	ck_assert_uint_eq(v.regex_errors, 1);
	v = run("zzlimit aaaa", -1, 0); /* the regex matches: vetoed as written */
	ck_assert(!matched(&v, "limit.veto"));
	v = run("zzlimit b", -1, 0);
	ck_assert(matched(&v, "limit.veto"));
	ck_assert_uint_eq(v.regex_errors, 0);
	/* the runaway drops its own rule, not another regex's result */
	v = run("zzpair aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", -1, 0);
	ck_assert_uint_eq(v.regex_errors, 1);
	ck_assert(!matched(&v, "limit.pair"));
	ck_assert(matched(&v, "limit.second"));
}
END_TEST

/*
 * The benchmarks' naive baseline agrees with the engine wherever folding
 * plays no part, so the two measure the same work.
 */
START_TEST(test_naive_baseline)
{
	static const char *const texts[] = {
		"Gak bisa LOGIN dari tadi", "cannot login, giveaway", "unable to log in again",
		"app lemotnya parah", "sudah bayar, gagal bayar", "barang rusak parah", "akunrusakkah",
		"mau lapor   polisi soal ojk", "terima kasih", "order 1234567 belum", "order 12345",
		"zzlimit b", "zzlimit aaaa", "nothing here",
	};
	char err[300];
	struct rules_naive *nv = rules_naive_new(rs, err, sizeof(err));

	ck_assert_msg(nv != NULL, "%s", err);
	ck_assert_uint_gt(rules_naive_patterns(nv), 10);
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		struct verdict v = run(texts[t], -1, 0);

		for (size_t r = 0; r < rules_count(rs); r++) {
			int m = rules_naive_match(nv, r, texts[t], strlen(texts[t]));

			ck_assert_msg(m == matched(&v, rules_id(rs, r)), "%s on '%s': naive %d",
			    rules_id(rs, r), texts[t], m);
		}
	}
	rules_naive_free(nv);
}
END_TEST

START_TEST(test_invalid_utf8)
{
	struct verdict v;
	size_t bad = 0;

	ck_assert_int_eq(classify_text(ctx, "ok \xff nope", 9, NULL, &v, &bad), -1);
	ck_assert_uint_eq(bad, 3);
}
END_TEST

START_TEST(test_summary)
{
	struct rules_summary s;

	rules_summary(rs, &s);
	ck_assert_uint_eq(s.rules, 15);
	ck_assert_uint_eq(s.regexes, 8);
	ck_assert_uint_eq(s.regexes_no_literal, 4); /* \d{6,} and (a+)+$ three times */
	ck_assert_uint_eq(s.lists, 1);
	ck_assert_uint_eq(s.rules_always, 1);	/* only.none */
	ck_assert_uint_gt(s.aho_states, 10);
}
END_TEST

/* Loads yaml as a file of its own beside the fixture's; NULL on errors (in d). */
static struct ruleset *
load_other(const char *yaml, struct diag *d)
{
	char other[300];
	const char *files[1] = { other };
	struct ruleset *o;
	FILE *fp;

	snprintf(other, sizeof(other), "%s/other.yml.txt", dir);
	fp = fopen(other, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(yaml, fp);
	fclose(fp);
	o = rules_load_files(files, 1, d);
	unlink(other);
	return o;
}

START_TEST(test_lists_without_rules)
{
	/* the list's keywords are in the automaton, with nothing linked to them */
	struct diag d;
	struct ruleset *o;
	struct classify_ctx *c;
	struct verdict v;
	size_t bad;

	diag_init(&d);
	o = load_other("lists:\n  words: [refund, broken]\n", &d);
	ck_assert_ptr_nonnull(o);
	c = classify_ctx_new(o);
	ck_assert_int_eq(classify_text(c, "refund please, it is broken", 27, NULL, &v, &bad), 0);
	ck_assert_uint_eq(v.nrules, 0);
	ck_assert(!v.complaint);
	classify_ctx_free(c);
	rules_unref(o);
	diag_free(&d);
}
END_TEST

/* n distinct keywords in a list, each repeated in a rule that also uses the list */
static struct ruleset *
load_keywords(size_t n, struct diag *d)
{
	struct buf b;
	struct ruleset *o;

	buf_init(&b);
	buf_printf(&b, "lists:\n  many:\n");
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "    - w%zux\n    - w%zux\n", i, i);
	buf_printf(&b, "rules:\n  - id: many\n    score: 10\n    when:\n      keywords:\n"
	    "        - \"@many\"\n");
	for (size_t i = n; i-- > 0;)
		buf_printf(&b, "        - w%zux\n", i);
	o = load_other(b.data, d);
	buf_free(&b);
	return o;
}

START_TEST(test_keyword_duplicates_linear)
{
	struct diag d;
	struct ruleset *a, *b;
	uint64_t pa, pb;

	diag_init(&d);
	a = load_keywords(1000, &d);
	b = load_keywords(4000, &d);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	/* every keyword once: in the list, and in the rule's condition */
	ck_assert_uint_eq(a->nkws, 1000);
	ck_assert_uint_eq(b->conds[b->rules[0].when].n, 4000);
	ck_assert_uint_eq(b->kws[b->conds[b->rules[0].when].items[3999]].src[1], '3');
	pa = a->load_probes;
	pb = b->load_probes;
	/* four times the keywords: four times the work, where it was sixteen */
	ck_assert_msg(pb < 8 * pa, "duplicate checks: %llu for 1000 keywords, %llu for 4000",
	    (unsigned long long)pa, (unsigned long long)pb);
	rules_unref(a);
	rules_unref(b);
	diag_free(&d);
}
END_TEST

static const char *bounded_yaml =
    "limits: {regex_window: 256, regex_tail_window: 64, regex_work: 600, "
    "regex_batch_work: 2000}\n"
    "rules:\n"
    "  - id: r.one\n"
    "    score: 10\n"
    "    when: {regex: 'zzone\\s+\\w+'}\n"
    "  - id: r.two\n"
    "    score: 10\n"
    "    when: {regex: 'zztwo\\s+\\w+'}\n"
    "  - id: r.three\n"
    "    score: 10\n"
    "    when: {regex: 'zzthree\\s+\\w+'}\n"
    "  - id: r.tail\n"
    "    score: 10\n"
    "    when: {regex: 'zzend\\s*+(?:x\\S++\\s*+)*+$'}\n";

static int
has_bound(const struct ruleset *o, const struct verdict *v, const char *rule, enum bound_kind k)
{
	for (size_t i = 0; i < v->nbounds; i++)
		if (v->bounds[i].kind == k && strcmp(rules_id(o, v->bounds[i].rule), rule) == 0)
			return 1;
	return 0;
}

static int
has_rule(const struct ruleset *o, const struct verdict *v, const char *id)
{
	for (size_t i = 0; i < v->nrules; i++)
		if (strcmp(rules_id(o, v->rules[i]), id) == 0)
			return 1;
	return 0;
}

START_TEST(test_regex_work_bounded)
{
	struct diag d;
	struct ruleset *o;
	struct classify_ctx *c;
	struct verdict v;
	char text[400];
	size_t bad;

	diag_init(&d);
	o = load_other(bounded_yaml, &d);
	ck_assert_ptr_nonnull(o);
	c = classify_ctx_new(o);
	/* 300 bytes: each regex sees the first 256; two fit in 600, the third does not */
	memset(text, '.', sizeof(text));
	memcpy(text, "zzone a zztwo b zzthree c", 25);
	ck_assert_int_eq(classify_text(c, text, 300, NULL, &v, &bad), 0);
	ck_assert(has_rule(o, &v, "r.one") && has_rule(o, &v, "r.two"));
	ck_assert(!has_rule(o, &v, "r.three"));
	ck_assert(has_bound(o, &v, "r.one", BOUND_REGEX_WINDOW));
	ck_assert(has_bound(o, &v, "r.three", BOUND_REGEX_WORK));
	ck_assert_uint_eq(v.nbounds, 3);
	ck_assert_uint_eq(v.regex_errors, 0);
	/* a short mention: no window cut, all three fit */
	ck_assert_int_eq(classify_text(c, text, 40, NULL, &v, &bad), 0);
	ck_assert_uint_eq(v.nrules, 3);
	ck_assert_uint_eq(v.nbounds, 0);
	/* a pattern anchored at the end sees the tail window */
	memcpy(text + 300, " zzend xa xb", 12);
	ck_assert_int_eq(classify_text(c, text + 100, 212, NULL, &v, &bad), 0);
	ck_assert(has_rule(o, &v, "r.tail"));
	ck_assert(has_bound(o, &v, "r.tail", BOUND_REGEX_TAIL_WINDOW));
	/* a batch shares its budget: 2000 bytes are seven 256-byte windows, two a mention */
	classify_batch(c, 1);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(classify_text(c, text, 300, NULL, &v, &bad), 0);
		ck_assert(has_rule(o, &v, "r.one") && has_rule(o, &v, "r.two"));
	}
	ck_assert_int_eq(classify_text(c, text, 300, NULL, &v, &bad), 0);
	ck_assert(has_rule(o, &v, "r.one"));
	ck_assert(has_bound(o, &v, "r.two", BOUND_REGEX_BATCH));
	ck_assert(!has_rule(o, &v, "r.two"));
	classify_batch(c, 0);
	ck_assert_int_eq(classify_text(c, text, 300, NULL, &v, &bad), 0);
	ck_assert(has_rule(o, &v, "r.one") && has_rule(o, &v, "r.two"));
	classify_ctx_free(c);
	rules_unref(o);
	diag_free(&d);
}
END_TEST

START_TEST(test_limits_errors)
{
	struct diag d;
	struct ruleset *o;

	diag_init(&d);
	o = load_other("limits: {regex_window: 10, regex_wrok: 5}\n", &d);
	ck_assert_ptr_null(o);
	ck_assert_uint_eq(d.errors, 2);
	diag_free(&d);
	diag_init(&d);
	o = load_other("limits: {regex_work: 1000}\nrules:\n  - id: a\n    score: 10\n"
	    "    when: {regex: '(a+)+$'}\n", &d);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(o->regex_work, 1000);
	ck_assert_uint_eq(o->regex_window, RULES_REGEX_WINDOW);
	/* the nested repeat; no literal to prefilter: for the regex, for its rule */
	ck_assert_uint_eq(d.warnings, 3);
	rules_unref(o);
	diag_free(&d);
}
END_TEST

static int
has_match(const struct verdict *v, const struct ruleset *o, const char *rule, const char *text,
          const char *pattern, const char *span)
{
	for (size_t i = 0; i < v->nmatches; i++) {
		const struct match *m = &v->matches[i];

		if (strcmp(rules_id(o, m->rule), rule) == 0 && strcmp(m->pattern, pattern) == 0 &&
		    m->end - m->start == strlen(span) &&
		    memcmp(text + m->start, span, m->end - m->start) == 0)
			return 1;
	}
	return 0;
}

static int
matched_in(const struct verdict *v, const struct ruleset *o, const char *id)
{
	for (size_t i = 0; i < v->nrules; i++)
		if (strcmp(rules_id(o, v->rules[i]), id) == 0)
			return 1;
	return 0;
}

/*
 * Reduplication: "masuk2" and "masuk-masuk" are one form on both sides, a
 * keyword written spaced matches them too, the base word matches all
 * three, numbers and question words are left alone, and a regex literal
 * with a '2' still lets its regex run.
 */
START_TEST(test_reduplication)
{
	static const char *const yaml =
	    "rules:\n"
	    "  - {id: r.dash, score: 10, when: {keywords: [masuk-masuk]}}\n"
	    "  - {id: r.space, score: 10, when: {keywords: [masuk masuk]}}\n"
	    "  - {id: r.two, score: 10, when: {keywords: [Masuk2]}}\n"
	    "  - {id: r.base, score: 10, when: {keywords: [gara, masuk]}}\n"
	    "  - {id: r.phrase, score: 10, when: {keywords: [ga masuk]}}\n"
	    "  - {id: r.num, score: 10, when: {keywords: [b2b, x2, covid19]}}\n"
	    "  - {id: r.rx, score: 10, when: {regex: 'pelan2\\w*'}}\n"
	    "  - {id: r.question, score: 10, when: {keywords: [ada apa]}}\n";
	static const char *const all[] = {"cashback ga masuk2, CS lemot", "ga Masuk-Masuk"};
	static const char *const forms[] = {"r.dash", "r.space", "r.two", "r.base", "r.phrase"};
	struct diag d;
	struct ruleset *o;
	struct classify_ctx *c;
	struct verdict v;
	size_t bad;
	const char *t;

	diag_init(&d);
	o = load_other(yaml, &d);
	if (o == NULL)
		diag_print(&d, stderr);
	ck_assert_ptr_nonnull(o);
	c = classify_ctx_new(o);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		ck_assert_int_eq(classify_text(c, all[i], strlen(all[i]), NULL, &v, &bad), 0);
		for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++)
			ck_assert_msg(matched_in(&v, o, forms[f]), "%s on '%s'", forms[f], all[i]);
	}
	t = "cashback ga masuk2, CS lemot";
	ck_assert_int_eq(classify_text(c, t, strlen(t), NULL, &v, &bad), 0);
	ck_assert(has_match(&v, o, "r.dash", t, "masuk-masuk", "masuk2"));
	ck_assert(has_match(&v, o, "r.phrase", t, "ga masuk", "ga masuk"));
	ck_assert(has_match(&v, o, "r.base", t, "masuk", "masuk"));
	t = "macet gara2 ojol";
	ck_assert_int_eq(classify_text(c, t, strlen(t), NULL, &v, &bad), 0);
	ck_assert(has_match(&v, o, "r.base", t, "gara", "gara"));
	/* numbers and codes keep their '2' */
	t = "b2b x2 speed covid19";
	ck_assert_int_eq(classify_text(c, t, strlen(t), NULL, &v, &bad), 0);
	ck_assert(has_match(&v, o, "r.num", t, "b2b", "b2b"));
	ck_assert(has_match(&v, o, "r.num", t, "x2", "x2"));
	t = "masuk2nya gara-garanya";
	ck_assert_int_eq(classify_text(c, t, strlen(t), NULL, &v, &bad), 0);
	ck_assert(!matched_in(&v, o, "r.space"));
	/* spaced text: only the keyword written spaced, and the base word */
	t = "ga masuk   masuk!";
	ck_assert_int_eq(classify_text(c, t, strlen(t), NULL, &v, &bad), 0);
	ck_assert(has_match(&v, o, "r.space", t, "masuk masuk", "masuk   masuk"));
	ck_assert(matched_in(&v, o, "r.base") && matched_in(&v, o, "r.phrase"));
	ck_assert(!matched_in(&v, o, "r.dash") && !matched_in(&v, o, "r.two"));
	/* a question word doubled is an indefinite: "apa2" is not "apa" */
	t = "kalau ada apa2 kabari";
	ck_assert_int_eq(classify_text(c, t, strlen(t), NULL, &v, &bad), 0);
	ck_assert(!matched_in(&v, o, "r.question"));
	/* the regex's literal "pelan2" is cut at the '2', or it would not be found */
	t = "pelan2 saja";
	ck_assert_int_eq(classify_text(c, t, strlen(t), NULL, &v, &bad), 0);
	ck_assert(matched_in(&v, o, "r.rx"));
	classify_ctx_free(c);
	rules_unref(o);
	diag_free(&d);
}
END_TEST

/* The spans of a rule's near evidence, as "pattern=text" joined by ' '. */
static void
near_evidence(const struct verdict *v, const struct ruleset *o, const char *rule, const char *text,
              char *out, size_t cap)
{
	size_t at = 0;

	out[0] = '\0';
	for (size_t i = 0; i < v->nmatches; i++) {
		const struct match *m = &v->matches[i];

		if (m->kind != MATCH_NEAR || strcmp(rules_id(o, m->rule), rule) != 0)
			continue;
		at +=
		    (size_t)snprintf(out + at, cap - at, "%s%s=%.*s@%zu", at ? " " : "", m->pattern,
		                     (int)(m->end - m->start), text + m->start, m->start);
	}
}

/*
 * near: every word within 'within' other words of each other, in any
 * order or in the order written; words are keywords (phrases, prefixes,
 * folded); it works under any, all and none; the evidence is each word
 * at the occurrence that made it hold.
 */
START_TEST(test_near)
{
	static const char *const yaml =
	    "lists:\n"
	    "  lost: [ilang, hilang, raib]\n"
	    "rules:\n"
	    "  - {id: n.any, score: 10, when: {near: {words: [saldo, ilang], within: 3}}}\n"
	    "  - {id: n.alt, score: 10, when: {near: {words: [[saldo, uang, dana], '@lost'],\n"
	    "      within: 2}}}\n"
	    "  - {id: n.ord, score: 10, when: {near: {words: [uang, belum masuk, 'sald*'],\n"
	    "      within: 2, ordered: true}}}\n"
	    "  - id: n.none\n"
	    "    score: 10\n"
	    "    when:\n"
	    "      keywords: [promo]\n"
	    "      none: [{near: {words: [gak, dapat], within: 1}}]\n"
	    "  - id: n.all\n"
	    "    score: 10\n"
	    "    when:\n"
	    "      all: [{near: {words: [akun, blokir*], within: 2}}, {keywords: [tolong]}]\n";
	static const struct {
		const char *text, *rule;
		int want;
		const char *ev;
	} cases[] = {
	    {"saldo gue ilang", "n.any", 1, "saldo=saldo@0 ilang=ilang@10"},
	    {"ILANG saldo gue!!", "n.any", 1, "saldo=saldo@6 ilang=ILANG@0"},
	    {"saldo a b c ilang", "n.any", 1, "saldo=saldo@0 ilang=ilang@12"},
	    {"saldo a b c d ilang", "n.any", 0, ""},
	    {"saldonya ilang", "n.any", 0, ""},
	    {"saldo\xe2\x80\xa6 \xf0\x9f\x98\xad ilang", "n.any", 1, NULL},
	    /* the closest pair counts, wherever it is */
	    {"saldo a b c d e saldo ilang", "n.any", 1, "saldo=saldo@16 ilang=ilang@22"},
	    {"ilang a b c d e f ilang x saldo", "n.any", 1, "saldo=saldo@26 ilang=ilang@18"},
	    /* a doubled word counts as two */
	    {"saldo a tiba2 ilang", "n.any", 1, NULL},
	    {"saldo a b tiba2 ilang", "n.any", 0, ""},
	    {"uang aku belum masuk ke saldonya", "n.ord", 1,
	     "uang=uang@0 belum masuk=belum masuk@9 sald*=sald@24"},
	    {"belum masuk uang x saldo", "n.ord", 0, ""},
	    {"uang belum masuk, a b c saldo", "n.ord", 0, ""},
	    {"uang belum masuk, a b saldo", "n.ord", 1, NULL},
	    {"uang x belum masuk lalu uang belum masuk ke saldo", "n.ord", 1,
	     "uang=uang@24 belum masuk=belum masuk@29 sald*=sald@44"},
	    {"promo ini gak dapat apa2", "n.none", 0, ""},
	    {"promo ini gak pernah bisa dapat", "n.none", 1, ""},
	    {"promo ini gak pernah dapat", "n.none", 0, ""},
	    {"tolong akun saya diblokir", "n.all", 0, ""},
	    {"tolong akun saya blokir", "n.all", 1, "akun=akun@7 blokir*=blokir@17"},
	    /* a place filled by any of its words, from a list or not */
	    {"dana gue raib", "n.alt", 1, "dana=dana@0 raib=raib@9"},
	    {"HILANG semua uang", "n.alt", 1, "uang=uang@13 hilang=HILANG@0"},
	    {"saldo a b c ilang", "n.alt", 0, ""},
	    {"ilang ilang", "n.alt", 0, ""},
	};
	struct diag d;
	struct ruleset *o;
	struct classify_ctx *c;
	char err[200], ev[300];

	diag_init(&d);
	o = load_other(yaml, &d);
	if (o == NULL)
		diag_print(&d, stderr);
	ck_assert_ptr_nonnull(o);
	c = classify_ctx_new(o);
	for (int pass = 0; pass < 2; pass++) {
		/* with evidence for all, then only for complaints (a second fold) */
		classify_set_evidence(c,
		                      pass ? CLASSIFY_EVIDENCE_COMPLAINTS : CLASSIFY_EVIDENCE_ALL);
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct verdict v;
			size_t bad;

			ck_assert_int_eq(
			    classify_text(c, cases[i].text, strlen(cases[i].text), NULL, &v, &bad),
			    0);
			ck_assert_msg(matched_in(&v, o, cases[i].rule) == cases[i].want,
			              "%s on '%s': want %d", cases[i].rule, cases[i].text,
			              cases[i].want);
			if (cases[i].ev == NULL)
				continue;
			near_evidence(&v, o, cases[i].rule, cases[i].text, ev, sizeof(ev));
			ck_assert_msg(strcmp(ev, cases[i].ev) == 0, "%s on '%s': evidence '%s'",
			              cases[i].rule, cases[i].text, ev);
		}
	}
	/* the naive baseline has no near, and says so */
	ck_assert_ptr_null(rules_naive_new(o, err, sizeof(err)));
	ck_assert_str_eq(err, "near: conditions have no naive form");
	classify_ctx_free(c);
	rules_unref(o);
	diag_free(&d);
}
END_TEST

/* Classifies text in o as a review of rating stars (0: no review). */
static struct verdict
run_rated(struct classify_ctx *c, const char *text, int rating)
{
	struct classify_author a = { -1, 0, rating };
	struct verdict v;
	size_t bad;

	ck_assert_int_eq(classify_text(c, text, strlen(text), &a, &v, &bad), 0);
	return v;
}

static int
has_rating_match(const struct verdict *v, const struct ruleset *o, const char *rule,
                 const char *pattern)
{
	for (size_t i = 0; i < v->nmatches; i++) {
		const struct match *m = &v->matches[i];

		if (m->kind == MATCH_RATING && strcmp(rules_id(o, m->rule), rule) == 0 &&
		    strcmp(m->pattern, pattern) == 0 && m->start == 0 && m->end == 0)
			return 1;
	}
	return 0;
}

/*
 * rating: alone, with keywords in one mapping, under any and none; every
 * operator and a bare number; false on a mention that is no review, which
 * does not even evaluate the rules that only a rating can make true.
 */
START_TEST(test_rating)
{
	static const char *const yaml =
	    "rules:\n"
	    "  - {id: r.low, score: 30, when: {rating: <= 2}}\n"
	    "  - {id: r.lt, score: 1, when: {rating: < 2}}\n"
	    "  - {id: r.eq, score: 1, when: {rating: 3}}\n"
	    "  - {id: r.eq2, score: 1, when: {rating: '= 4'}}\n"
	    "  - {id: r.ge, score: 1, when: {rating: '>=4'}}\n"
	    "  - {id: r.gt, score: 1, when: {rating: '> 4'}}\n"
	    "  - {id: r.crash, score: 20, when: {keywords: [crash], rating: <= 2}}\n"
	    "  - id: r.any\n"
	    "    score: 5\n"
	    "    when: {any: [{keywords: [lemot]}, {rating: 1}]}\n"
	    "  - id: r.none\n"
	    "    score: 5\n"
	    "    when: {keywords: [bagus], none: [{rating: <= 3}]}\n";
	static const struct {
		int rating;
		const char *text;
		const char *yes[6];
	} cases[] = {
		{ 0, "app crash terus, lemot, bagus", { "r.any", "r.none" } },
		{ 1, "app crash terus", { "r.low", "r.lt", "r.crash", "r.any" } },
		{ 2, "app crash terus", { "r.low", "r.crash" } },
		{ 3, "crash bagus", { "r.eq" } },
		{ 4, "bagus", { "r.eq2", "r.ge", "r.none" } },
		{ 5, "lemot tapi bagus", { "r.ge", "r.gt", "r.any", "r.none" } },
	};
	static const char *const all[] = { "r.low", "r.lt", "r.eq", "r.eq2", "r.ge", "r.gt",
		"r.crash", "r.any", "r.none" };
	struct diag d;
	struct ruleset *o;
	struct classify_ctx *c;
	struct rules_summary sum;
	struct verdict v;

	diag_init(&d);
	o = load_other(yaml, &d);
	if (o == NULL)
		diag_print(&d, stderr);
	ck_assert_ptr_nonnull(o);
	/* no rule is evaluated on every mention, so none is warned about */
	ck_assert_uint_eq(d.warnings, 0);
	rules_summary(o, &sum);
	ck_assert_uint_eq(sum.rules_always, 0);
	ck_assert_uint_eq(sum.rules_rated, 7); /* every rule but r.crash and r.none */
	c = classify_ctx_new(o);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		v = run_rated(c, cases[k].text, cases[k].rating);
		ck_assert_int_eq(v.rating, cases[k].rating);
		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
			int want = 0;

			for (size_t j = 0; j < 6 && cases[k].yes[j]; j++)
				want |= strcmp(cases[k].yes[j], all[i]) == 0;
			ck_assert_msg(matched_in(&v, o, all[i]) == want, "rating %d '%s': %s %s",
			              cases[k].rating, cases[k].text, all[i],
			              want ? "did not match" : "matched");
		}
	}
	/* the evidence says the rating held, beside the keyword */
	v = run_rated(c, "app crash terus", 1);
	ck_assert(has_rating_match(&v, o, "r.low", "<= 2"));
	ck_assert(has_rating_match(&v, o, "r.crash", "<= 2"));
	ck_assert(has_match(&v, o, "r.crash", "app crash terus", "crash", "crash"));
	ck_assert(has_rating_match(&v, o, "r.any", "= 1"));
	/* out of range is no review, not a shift past the mask */
	v = run_rated(c, "bagus", 40);
	ck_assert_int_eq(v.rating, 0);
	ck_assert(matched_in(&v, o, "r.none"));
	ck_assert_uint_eq(v.nrules, 1);
	classify_ctx_free(c);
	rules_unref(o);
	diag_free(&d);
}
END_TEST

/* Inline tests give the test mention's stars with rating: N. */
START_TEST(test_rating_inline_test)
{
	struct diag d;
	struct ruleset *o;
	const struct rules_test *t;

	diag_init(&d);
	o = load_other("rules:\n  - {id: r.low, score: 30, when: {rating: <= 2}}\n"
	               "tests:\n  - {text: jelek, rating: 1, rules: [r.low]}\n"
	               "  - {text: jelek, not_rules: [r.low]}\n", &d);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(rules_ntests(o), 2);
	t = rules_test_get(o, 0);
	ck_assert_int_eq(t->rating, 1);
	t = rules_test_get(o, 1);
	ck_assert_int_eq(t->rating, 0);
	rules_unref(o);
	diag_free(&d);
	diag_init(&d);
	o = load_other("rules:\n  - {id: r.low, score: 30, when: {rating: <= 2}}\n"
	               "tests:\n  - {text: jelek, rating: 6, rules: [r.low]}\n", &d);
	ck_assert_ptr_null(o);
	ck_assert_uint_eq(d.errors, 1);
	diag_free(&d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("rules");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_any_all_none);
	tcase_add_test(tc, test_all_indexed_by_one_list);
	tcase_add_test(tc, test_keyword_forms);
	tcase_add_test(tc, test_scoring);
	tcase_add_test(tc, test_spans_in_original_text);
	tcase_add_test(tc, test_evidence_order);
	tcase_add_test(tc, test_runaway_regex_decides_nothing);
	tcase_add_test(tc, test_naive_baseline);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_summary);
	tcase_add_test(tc, test_lists_without_rules);
	tcase_add_test(tc, test_keyword_duplicates_linear);
	tcase_add_test(tc, test_regex_work_bounded);
	tcase_add_test(tc, test_limits_errors);
	tcase_add_test(tc, test_reduplication);
	tcase_add_test(tc, test_near);
	tcase_add_test(tc, test_rating);
	tcase_add_test(tc, test_rating_inline_test);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
