/*
 * ctl_learn.c: keluhctl learn. With -o, trains a model on labelled
 * mentions (model_train), measures it by k-fold cross-validation first and
 * stores those figures in the file beside the label counts and the date.
 * With --suggest, proposes keywords for the labelled complaints the rules
 * miss: the words and phrases (word 1-3-grams of the text folded as the
 * rules fold it) that catch most of them with the fewest false alarms,
 * printed as rule YAML with a test each, to read, edit and paste. Copies
 * of one text (retweets, the same post labelled twice) count once: each
 * figure is of distinct folded texts, so a copied post does not make its
 * words look common.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/ctl_eval.h"
#include "engine/classify.h"
#include "engine/model.h"
#include "engine/normalize.h"
#include "lib/util.h"

#define EXIT_FAIL  1
#define EXIT_USAGE 2

#define SUGGEST_TOP       20
#define SUGGEST_MIN       3
#define SUGGEST_SCORE     25
#define SUGGEST_WORDS     3
#define SUGGEST_GRAM      64         /* bytes of one n-gram at most */
#define SUGGEST_GRAMS     (1u << 20) /* distinct n-grams counted at most */
#define SUGGEST_PRECISION 0.75

struct learn_opts {
	const char *conf_path, *labels, *gold, *out;
	const char *rules_dirs[16];
	size_t nrules_dirs;
	unsigned folds, top, min;
	int suggest;
};

static void
learn_usage(FILE *fp)
{
	fputs(
	    "usage: keluhctl learn --labels FILE [--gold CSV] -o NAME.model [--folds K]\n"
	    "       keluhctl learn --labels FILE [--gold CSV] --suggest [-c FILE | -r DIR...]\n"
	    "                      [--top N] [--min N]\n"
	    "  -o: train a model on the labelled mentions, measure it by K-fold\n"
	    "  cross-validation (default 5) and store those figures with it\n"
	    "  --suggest: keywords that catch labelled complaints the rules miss, with the\n"
	    "  complaints each catches and its false alarms, as rule YAML with tests:\n"
	    "  --labels FILE     NDJSON {\"id\",\"text\",\"complaint\"} or CSV id,text,complaint\n"
	    "  --gold CSV        FILE holds mentions, CSV their labels by id (id,complaint)\n"
	    "  -o, --output FILE the model file to write\n"
	    "  --folds K         folds of the cross-validation (2 to 20)\n"
	    "  --suggest         print suggested rules instead of training\n"
	    "  -c, --config FILE the rules keluhd would load; -r, --rules DIR: these rules\n"
	    "  --top N           suggestions at most (default 20)\n"
	    "  --min N           missed complaints a suggestion catches at least (default 3)\n",
	    fp);
}

static int
learn_number(const char *opt, const char *s, unsigned *v)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || end == s || *end || n < 1 || n > 100000) {
		fprintf(stderr, "keluhctl: %s takes a number from 1 to 100000, not '%s'\n", opt, s);
		return -1;
	}
	*v = (unsigned)n;
	return 0;
}

/* 0 to go on, 1 when --help was answered, -1 on a usage error. */
static int
learn_parse(int argc, char **argv, struct learn_opts *o)
{
	/* one option a line, as tests/manual.sh reads them */
	// clang-format off
	static const struct option longopts[] = {
		{ "labels", required_argument, NULL, 'l' },
		{ "gold", required_argument, NULL, 'g' },
		{ "output", required_argument, NULL, 'o' },
		{ "folds", required_argument, NULL, 'k' },
		{ "suggest", no_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "rules", required_argument, NULL, 'r' },
		{ "top", required_argument, NULL, 'n' },
		{ "min", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	// clang-format on
	int ch;

	memset(o, 0, sizeof(*o));
	o->folds = CTL_FOLDS_DEFAULT;
	o->top = SUGGEST_TOP;
	o->min = SUGGEST_MIN;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:c:r:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': o->labels = optarg; break;
		case 'g': o->gold = optarg; break;
		case 'o': o->out = optarg; break;
		case 'k':
			if (ctl_folds_parse(optarg, &o->folds) < 0)
				return -1;
			break;
		case 's': o->suggest = 1; break;
		case 'c': o->conf_path = optarg; break;
		case 'r':
			if (o->nrules_dirs == sizeof(o->rules_dirs) / sizeof(o->rules_dirs[0])) {
				fprintf(stderr, "keluhctl: at most %zu -r directories\n",
				        o->nrules_dirs);
				return -1;
			}
			o->rules_dirs[o->nrules_dirs++] = optarg;
			break;
		case 'n':
			if (learn_number("--top", optarg, &o->top) < 0)
				return -1;
			break;
		case 'm':
			if (learn_number("--min", optarg, &o->min) < 0)
				return -1;
			break;
		case 'h': learn_usage(stdout); return 1;
		default: learn_usage(stderr); return -1;
		}
	}
	if (optind != argc || o->labels == NULL || !!o->out == !!o->suggest) {
		fprintf(stderr, "keluhctl: learn needs --labels FILE and one of -o NAME.model or "
		                "--suggest\n");
		learn_usage(stderr);
		return -1;
	}
	if (o->conf_path && o->nrules_dirs) {
		fprintf(stderr, "keluhctl: give either -c FILE or -r DIR, not both\n");
		return -1;
	}
	return 0;
}

/* SOURCE_DATE_EPOCH when set (the same labels then give the same file), else now. */
static void
learn_date(char *out, size_t len)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long t = sde ? strtoll(sde, &end, 10) : 0;

	if (sde == NULL || end == sde || *end || t < 0)
		t = (long long)time(NULL);
	util_iso8601((int64_t)t * 1000, out, len);
}

static int
learn_model(const struct learn_opts *o, struct ctl_exset *set)
{
	struct model_example *ex = xcalloc(set->n, sizeof(*ex));
	double *p = xcalloc(set->n, sizeof(*p));
	struct ctl_counts c = {0, 0, 0, 0};
	struct ctl_scores s;
	struct model_info info;
	struct model_opts mo;
	struct model *m = NULL;
	char err[512];
	int rc = EXIT_FAIL;

	ctl_exset_folds(set, o->folds);
	if (ctl_cv_probs(set, o->folds, p, err, sizeof(err)) < 0) {
		fprintf(stderr, "keluhctl: %s: cannot cross-validate: %s\n", o->labels, err);
		goto out;
	}
	for (size_t i = 0; i < set->n; i++) {
		ctl_counts_add(&c, set->ex[i].complaint, p[i] >= 0.5);
		ex[i] =
		    (struct model_example){set->ex[i].text, set->ex[i].len, set->ex[i].complaint};
	}
	ctl_scores_of(&c, &s);
	model_opts_default(&mo);
	if ((m = model_train(ex, set->n, &mo, err, sizeof(err))) == NULL) {
		fprintf(stderr, "keluhctl: %s: %s\n", o->labels, err);
		goto out;
	}
	info = *model_info(m);
	learn_date(info.date, sizeof(info.date));
	info.cv_f1 = s.macro_f1;
	info.folds = o->folds;
	model_set_info(m, &info);
	if (model_save(m, o->out, err, sizeof(err)) < 0) {
		fprintf(stderr, "keluhctl: %s\n", err);
		goto out;
	}
	printf("%s: trained on %zu labelled mentions (%u complaints, %u not)\n", o->out, set->n,
	       info.n_pos, info.n_neg);
	printf("  %u-fold cross-validated: macro-F1 %.1f, complaint P %.1f R %.1f F1 %.1f, "
	       "accuracy %.1f\n",
	       o->folds, 100 * s.macro_f1, 100 * s.p, 100 * s.r, 100 * s.f1, 100 * s.accuracy);
	printf("  stored: date %s, folds %u, cv_f1 %.4f, seed %llu, normalization %u\n", info.date,
	       info.folds, info.cv_f1, (unsigned long long)info.seed, info.norm_version);
	rc = 0;
out:
	if (m)
		model_free(m);
	free(ex);
	free(p);
	return rc;
}

/* One candidate keyword: the missed complaints it is in, the non-complaints it is in. */
struct gram {
	char *text;
	size_t *in; /* indices of missed complaints */
	size_t nin, capin;
	size_t false_alarms;
	size_t stamp; /* the last mention counted + 1 */
};

struct suggest {
	const struct learn_opts *o;
	struct ctl_exset *set;
	struct ruleset *rs;
	struct gram *g;
	size_t ng, *slot, nslot; /* open addressing over g, index + 1 */
	int full;                /* SUGGEST_GRAMS was reached */
	struct verdict_parts {
		int complaint, top, extra, negative;
	} * v;
	unsigned char *covered;
	unsigned char *copy; /* the folded text of an earlier mention of its label */
	char **seen;         /* open addressing over the folded texts of one label */
	size_t nseen;
	struct norm_buf nb;
};

static uint64_t
gram_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

/* The gram's index, added when add (and room is left); -1 when absent. */
static long
gram_find(struct suggest *sg, const char *s, size_t len, int add)
{
	size_t mask = sg->nslot - 1, i = gram_hash(s, len) & mask;

	for (; sg->slot[i]; i = (i + 1) & mask) {
		struct gram *g = &sg->g[sg->slot[i] - 1];

		if (strlen(g->text) == len && memcmp(g->text, s, len) == 0)
			return (long)(sg->slot[i] - 1);
	}
	if (!add || sg->ng == SUGGEST_GRAMS) {
		sg->full |= add;
		return -1;
	}
	if (sg->ng % 1024 == 0)
		sg->g = xreallocarray(sg->g, sg->ng + 1024, sizeof(*sg->g));
	memset(&sg->g[sg->ng], 0, sizeof(*sg->g));
	sg->g[sg->ng].text = xstrndup(s, len);
	sg->slot[i] = ++sg->ng;
	return (long)(sg->ng - 1);
}

static int
word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/*
 * Calls fn for every word 1-3-gram of the folded text: words are runs of
 * letters and digits, a gram's words are one space apart; @handles and
 * links are left out (they name one brand or page, not a complaint).
 */
static void
grams_each(struct suggest *sg, size_t mention, int add, void (*fn)(struct suggest *, long, size_t))
{
	const char *t = sg->nb.text;
	size_t len = sg->nb.len, ws[SUGGEST_WORDS], we[SUGGEST_WORDS], nw = 0;

	for (size_t i = 0; i < len;) {
		size_t s = i;
		int digits = 1;

		if (t[i] == '@' || strncmp(t + i, "http://", 7) == 0 ||
		    strncmp(t + i, "https://", 8) == 0 || strncmp(t + i, "www.", 4) == 0) {
			while (i < len && t[i] != ' ')
				i++;
			nw = 0;
			continue;
		}
		if (!word_byte((unsigned char)t[i])) {
			if (t[i] != ' ' || i + 1 >= len || !word_byte((unsigned char)t[i + 1]))
				nw = 0; /* not one space between two words: no gram across */
			i++;
			continue;
		}
		for (; i < len && word_byte((unsigned char)t[i]); i++)
			digits &= t[i] >= '0' && t[i] <= '9';
		if (nw == SUGGEST_WORDS) {
			memmove(ws, ws + 1, sizeof(ws[0]) * (SUGGEST_WORDS - 1));
			memmove(we, we + 1, sizeof(we[0]) * (SUGGEST_WORDS - 1));
			nw--;
		}
		ws[nw] = s;
		we[nw++] = i;
		for (size_t k = 1; k <= nw; k++) {
			size_t gs = ws[nw - k], ge = we[nw - 1];
			long g;

			if ((k == 1 && (digits || ge - gs < 2)) || ge - gs > SUGGEST_GRAM)
				continue;
			if ((g = gram_find(sg, t + gs, ge - gs, add)) >= 0)
				fn(sg, g, mention);
		}
	}
}

static void
gram_in_missed(struct suggest *sg, long gi, size_t mention)
{
	struct gram *g = &sg->g[gi];

	if (g->stamp == mention + 1)
		return;
	g->stamp = mention + 1;
	if (g->nin == g->capin) {
		g->capin = g->capin ? g->capin * 2 : 4;
		g->in = xreallocarray(g->in, g->capin, sizeof(*g->in));
	}
	g->in[g->nin++] = mention;
}

static void
gram_in_not(struct suggest *sg, long gi, size_t mention)
{
	struct gram *g = &sg->g[gi];

	if (g->stamp != mention + 1) {
		g->stamp = mention + 1;
		g->false_alarms++;
	}
}

/*
 * The folded text less a leading "rt @handle:" (a retweet's copy of a post
 * is the post), its length in *klen.
 */
static const char *
suggest_key(const char *t, size_t len, size_t *klen)
{
	while (len > 4 && memcmp(t, "rt @", 4) == 0) {
		const char *colon = memchr(t, ':', len), *sp = memchr(t + 3, ' ', len - 3);

		if (colon == NULL || (sp && sp < colon))
			break;
		len -= (size_t)(colon + 1 - t);
		t = colon + 1;
		for (; len && *t == ' '; len--)
			t++;
	}
	*klen = len;
	return t;
}

/* Whether the folded text in sg->nb was seen before in this pass; adds it when not. */
static int
suggest_seen(struct suggest *sg)
{
	size_t len, mask = sg->nseen - 1;
	const char *k = suggest_key(sg->nb.text, sg->nb.len, &len);
	size_t i = gram_hash(k, len) & mask;

	for (; sg->seen[i]; i = (i + 1) & mask)
		if (strlen(sg->seen[i]) == len && memcmp(sg->seen[i], k, len) == 0)
			return 1;
	sg->seen[i] = xstrndup(k, len);
	return 0;
}

static void
suggest_seen_clear(struct suggest *sg)
{
	for (size_t i = 0; i < sg->nseen; i++) {
		free(sg->seen[i]);
		sg->seen[i] = NULL;
	}
}

/* The rules' verdicts, then every gram of the missed complaints and the non-complaints. */
static int
suggest_count(struct suggest *sg)
{
	struct classify_ctx *ctx = classify_ctx_new(sg->rs);
	const struct ctl_exset *set = sg->set;

	classify_set_evidence(ctx, CLASSIFY_EVIDENCE_NONE);
	sg->v = xcalloc(set->n, sizeof(*sg->v));
	for (size_t i = 0; i < set->n; i++) {
		struct verdict v;
		size_t bad;

		if (classify_text(ctx, set->ex[i].text, set->ex[i].len, NULL, &v, &bad) < 0) {
			fprintf(stderr, "keluhctl: %s: mention %s: invalid UTF-8 at byte %zu\n",
			        sg->o->labels, set->ex[i].id, bad);
			classify_ctx_free(ctx);
			return -1;
		}
		sg->v[i] = (struct verdict_parts){v.complaint, v.top, v.extra, v.negative};
	}
	classify_ctx_free(ctx);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < set->n; i++) {
			const struct ctl_ex *e = &set->ex[i];

			if (pass == 0 ? !e->complaint : e->complaint)
				continue;
			norm_fold_text(&sg->nb, e->text, e->len);
			norm_redup(&sg->nb, 0);
			/* every copy is marked; only missed ones and non-complaints count */
			if ((sg->copy[i] = (unsigned char)suggest_seen(sg)) ||
			    (pass == 0 && sg->v[i].complaint))
				continue;
			grams_each(sg, i, pass == 0, pass == 0 ? gram_in_missed : gram_in_not);
		}
		suggest_seen_clear(sg);
	}
	return 0;
}

static size_t
gram_uncovered(const struct suggest *sg, const struct gram *g)
{
	size_t n = 0;

	for (size_t j = 0; j < g->nin; j++)
		n += !sg->covered[g->in[j]];
	return n;
}

/* On a tie the phrase of more words (the more specific), then the first in byte order. */
static int
gram_before(const struct gram *a, const struct gram *b)
{
	size_t wa = 0, wb = 0;

	for (const char *p = a->text; *p; p++)
		wa += *p == ' ';
	for (const char *p = b->text; *p; p++)
		wb += *p == ' ';
	return wa != wb ? wa > wb : strcmp(a->text, b->text) < 0;
}

/* The next best gram: most newly caught complaints less false alarms; -1 when none is good. */
static long
suggest_pick(const struct suggest *sg, unsigned min)
{
	long best = -1;
	long long bscore = 0;

	for (size_t i = 0; i < sg->ng; i++) {
		const struct gram *g = &sg->g[i];
		size_t c = g->nin >= min ? gram_uncovered(sg, g) : 0;
		long long score = (long long)c - (long long)g->false_alarms;

		if (c < min || (double)c < SUGGEST_PRECISION * (double)(c + g->false_alarms))
			continue;
		if (best < 0 || score > bscore ||
		    (score == bscore && gram_before(g, &sg->g[best]))) {
			best = (long)i;
			bscore = score;
		}
	}
	return best;
}

/* Whether YAML can quote the text (no C0/C1 control, no DEL) and it is short enough. */
static int
yaml_printable(const char *s, size_t len)
{
	if (len > 280)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f ||
		    (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] < 0xa0))
			return 0;
	}
	return 1;
}

/*
 * A missed complaint the keyword would make a complaint (its score with the
 * suggested rule's added as the engine adds it reaches low), for the test;
 * -1 when none of them would.
 */
static long
suggest_example(const struct suggest *sg, const struct gram *g, int *complaint)
{
	int low = rules_threshold(sg->rs, PRIO_LOW), max_extra = rules_max_extra(sg->rs);
	long any = -1;

	for (size_t j = 0; j < g->nin; j++) {
		const struct verdict_parts *v = &sg->v[g->in[j]];
		const struct ctl_ex *e = &sg->set->ex[g->in[j]];
		int top = v->top > SUGGEST_SCORE ? v->top : SUGGEST_SCORE;
		int extra = v->top + v->extra + SUGGEST_SCORE - top;

		if (!yaml_printable(e->text, e->len))
			continue;
		if (top + (extra < max_extra ? extra : max_extra) + v->negative >= low) {
			*complaint = 1;
			return (long)g->in[j];
		}
		if (any < 0)
			any = (long)g->in[j];
	}
	*complaint = 0;
	return any;
}

/* rules ids: a-z, 0-9, '.', '_', '-'; the gram's ASCII letters, numbered to stay unique. */
static void
suggest_id(struct buf *b, size_t k, const char *gram)
{
	size_t n = 0;

	buf_printf(b, "suggested.%02zu_", k + 1);
	for (const char *p = gram; *p && n < 32; p++, n++)
		buf_addc(b, word_byte((unsigned char)*p) && (unsigned char)*p < 0x80 ? *p : '_');
}

static void
suggest_print(struct suggest *sg, const long *pick, size_t npick, size_t missed, size_t copies)
{
	struct buf b, tests;

	buf_init(&b);
	buf_init(&tests);
	buf_printf(&b,
	           "# Suggested by keluhctl learn --suggest from %s: %zu labelled complaints\n"
	           "# the rules do not catch. Each rule: how many of them its keyword catches\n"
	           "# (beyond the rules above it), and its false alarms, the labelled\n"
	           "# non-complaints that have it. Copies of one text count once (the same\n"
	           "# folded text, a retweet's \"RT @handle:\" left out): %zu copies left out.\n"
	           "# Read each before use: change the id, the score and the team, merge the\n"
	           "# keywords into your rules.\n",
	           sg->o->gold ? sg->o->gold : sg->o->labels, missed, copies);
	if (npick == 0)
		buf_printf(&b,
		           "# No keyword catches %u or more of them at %.0f%% precision or "
		           "better.\nrules: []\n",
		           sg->o->min, 100 * SUGGEST_PRECISION);
	else
		buf_adds(&b, "rules:\n");
	for (size_t k = 0; k < npick; k++) {
		const struct gram *g = &sg->g[pick[k]];
		size_t c = gram_uncovered(sg, g);
		int complaint;
		long ex = suggest_example(sg, g, &complaint);

		for (size_t j = 0; j < g->nin; j++)
			sg->covered[g->in[j]] = 1;
		buf_adds(&b, "  - id: ");
		suggest_id(&b, k, g->text);
		buf_printf(&b,
		           "\n    # catches %zu missed complaint%s, %zu false alarm%s (%.0f%% "
		           "precision)\n    description: ",
		           c, c == 1 ? "" : "s", g->false_alarms, g->false_alarms == 1 ? "" : "s",
		           100.0 * (double)c / (double)(c + g->false_alarms));
		buf_add_json_quoted(&b, g->text);
		buf_printf(&b, "\n    score: %d\n    when:\n      keywords: [", SUGGEST_SCORE);
		buf_add_json_quoted(&b, g->text);
		buf_adds(&b, "]\n");
		if (ex < 0)
			continue;
		buf_adds(&tests, "  - text: \"");
		buf_add_json_str(&tests, sg->set->ex[ex].text, sg->set->ex[ex].len);
		buf_adds(&tests, "\"\n    rules: [");
		suggest_id(&tests, k, g->text);
		buf_adds(&tests, complaint ? "]\n    complaint: true\n" : "]\n");
	}
	if (tests.len) {
		buf_adds(&b, "\ntests:\n");
		buf_add(&b, tests.data, tests.len);
	}
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	buf_free(&tests);
}

static int
learn_suggest(const struct learn_opts *o, struct ctl_exset *set, ctl_rules_loader load)
{
	struct suggest sg;
	long pick[256];
	size_t npick = 0, missed = 0, copies = 0;
	int rc = EXIT_FAIL;

	memset(&sg, 0, sizeof(sg));
	sg.o = o;
	sg.set = set;
	sg.nslot = 2 * (size_t)SUGGEST_GRAMS;
	sg.slot = xcalloc(sg.nslot, sizeof(*sg.slot));
	sg.covered = xcalloc(set->n, 1);
	sg.copy = xcalloc(set->n, 1);
	for (sg.nseen = 16; sg.nseen < 2 * set->n; sg.nseen *= 2)
		;
	sg.seen = xcalloc(sg.nseen, sizeof(*sg.seen));
	norm_init(&sg.nb);
	if ((sg.rs = load(o->conf_path, o->rules_dirs, o->nrules_dirs)) == NULL) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (suggest_count(&sg) < 0)
		goto out;
	if (sg.full)
		fprintf(stderr,
		        "keluhctl: more than %u distinct words and phrases; the first %u "
		        "were counted\n",
		        SUGGEST_GRAMS, SUGGEST_GRAMS);
	for (size_t i = 0; i < set->n; i++) {
		missed += set->ex[i].complaint && !sg.v[i].complaint && !sg.copy[i];
		copies += sg.copy[i];
	}
	while (npick < o->top && npick < sizeof(pick) / sizeof(pick[0])) {
		long g = suggest_pick(&sg, o->min);

		if (g < 0)
			break;
		pick[npick++] = g;
		for (size_t j = 0; j < sg.g[g].nin; j++)
			sg.covered[sg.g[g].in[j]] = 1;
	}
	memset(sg.covered, 0, set->n);
	suggest_print(&sg, pick, npick, missed, copies);
	rc = 0;
out:
	for (size_t i = 0; i < sg.ng; i++) {
		free(sg.g[i].text);
		free(sg.g[i].in);
	}
	free(sg.g);
	free(sg.slot);
	free(sg.covered);
	free(sg.copy);
	if (sg.seen)
		suggest_seen_clear(&sg);
	free(sg.seen);
	free(sg.v);
	norm_free(&sg.nb);
	if (sg.rs)
		rules_unref(sg.rs);
	return rc;
}

int
ctl_learn_main(int argc, char **argv, ctl_rules_loader load)
{
	struct learn_opts o;
	struct ctl_exset set;
	int rc;

	if ((rc = learn_parse(argc, argv, &o)) != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	if (ctl_exset_read(&set, o.labels, o.gold) < 0)
		return EXIT_FAIL;
	rc = o.suggest ? learn_suggest(&o, &set, load) : learn_model(&o, &set);
	if (rc == 0 && set.bad)
		rc = EXIT_FAIL;
	ctl_exset_free(&set);
	return rc;
}
