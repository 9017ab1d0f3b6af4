/*
 * fuzz_rules: a rule file (YAML) through the loader and compiler
 * (rules_load_files on a memory file), then the texts of its own tests
 * and a few fixed ones through the classifier (as reviews of every
 * rating, and as no review).
 *
 * A refused file has at least one error, each with a message; a loaded
 * one classifies its texts with matches inside the text and matched rules
 * that exist, in load order.
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/classify.h"
#include "lib/diag.h"
#include "fuzz.h"
#include "engine/rules.h"
#include "lib/util.h"

static void
classify_one(struct classify_ctx *ctx, const struct ruleset *rs, const char *text, int rating)
{
	size_t len = strlen(text), bad;
	struct classify_author a = {1000, 0, rating};
	struct verdict v;
	/* PCRE2's JIT may read up to 16 bytes past the end: pad as mention.c does */
	char *t = xcalloc(1, len + 16);

	memcpy(t, text, len);
	if (classify_text(ctx, t, len, &a, &v, &bad) == 0) {
		fuzz_assert(v.nrules <= rules_count(rs), "%zu rules matched", v.nrules);
		for (size_t i = 0; i < v.nrules; i++)
			fuzz_assert(v.rules[i] < rules_count(rs) &&
			                (i == 0 || v.rules[i - 1] < v.rules[i]),
			            "matched rules out of order");
		for (size_t i = 0; i < v.nmatches; i++)
			fuzz_assert(v.matches[i].start <= v.matches[i].end &&
			                v.matches[i].end <= len,
			            "a match [%zu, %zu) outside the text (%zu)", v.matches[i].start,
			            v.matches[i].end, len);
	} else
		fuzz_assert(bad <= len, "bad offset %zu", bad);
	free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const texts[] = {
	    "", "my order never arrived and support is useless",
	    "LOGIN BROKEN!!! cannot log in since the update, refund please",
	    "Café straße ＬＯＧＩＮ sooo baaad", "\xe2\x80\x9cscam\xe2\x80\x9d @brand #fail"};
	static int fd = -1;
	char path[64];
	const char *paths[1] = {path};
	struct ruleset *rs;
	struct diag d;

	if (fd < 0 && (fd = memfd_create("rules.yaml", 0)) < 0)
		fuzz_fail("memfd_create failed");
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		fuzz_fail("cannot write the memory file");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	diag_init(&d);
	rs = rules_load_files(paths, 1, &d);
	if (rs == NULL) {
		fuzz_assert(d.errors > 0, "a file refused without an error");
		for (size_t i = 0; i < d.n; i++)
			fuzz_assert(d.items[i].msg != NULL && *d.items[i].msg != '\0',
			            "an empty message");
	} else {
		struct classify_ctx *ctx = classify_ctx_new(rs);

		for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
			for (int r = 0; r <= 5; r++)
				classify_one(ctx, rs, texts[i], r);
		for (size_t i = 0; i < rules_ntests(rs); i++)
			classify_one(ctx, rs, rules_test_get(rs, i)->text,
			             rules_test_get(rs, i)->rating);
		classify_ctx_free(ctx);
		rules_unref(rs);
	}
	diag_free(&d);
	return 0;
}
