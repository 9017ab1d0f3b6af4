/*
 * fuzz_model: model files (model_parse) from untrusted bytes.
 *
 * The input is a model file. Whatever it holds must not crash or read
 * past its end; a file refused has an error that names it. A file that
 * loads scores texts to probabilities in [0, 1], the same with and
 * without a scratch, and explains them with spans inside the text, on
 * code point boundaries, at most as many as asked.
 */
#include "config.h"

#include <string.h>

#include "engine/model.h"
#include "fuzz.h"
#include "lib/util.h"

static const char *const texts[] = {
	"", "refund", "Where is my REFUND?? app crashing 😡", "masuk2 belum juga, parahhh",
	"Café ＲＥＦＵＮＤ Straße",
};

static void
fuzz_scores(const struct model *m)
{
	struct model_scratch *s = model_scratch_new();
	struct model_why w[8];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t len = strlen(texts[i]), n;
		double p = model_prob(m, texts[i], len);

		fuzz_assert(p >= 0 && p <= 1, "p = %f for '%s'", p, texts[i]);
		fuzz_assert(model_prob_with(m, s, texts[i], len) == p, "scratch and none differ");
		n = model_explain_with(m, s, texts[i], len, w, 8);
		fuzz_assert(n <= 8, "%zu reasons for 8 asked", n);
		for (size_t j = 0; j < n; j++) {
			fuzz_assert(w[j].start < w[j].end && w[j].end <= len, "span [%zu, %zu) of %zu",
			            w[j].start, w[j].end, len);
			fuzz_assert(((unsigned char)texts[i][w[j].start] & 0xc0) != 0x80,
			            "a span starts inside a code point");
			fuzz_assert(strlen(w[j].gram) < sizeof(w[j].gram), "gram not terminated");
		}
	}
	model_scratch_free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "";
	struct model *m = model_parse("fuzz.model", data, size, err, sizeof(err));

	if (m == NULL) {
		fuzz_assert(strncmp(err, "fuzz.model:", 11) == 0 && strstr(err, "error: ") != NULL,
		            "a refusal without the file's name: '%s'", err);
		return 0;
	}
	fuzz_assert(strcmp(model_name(m), "fuzz") == 0, "name '%s'", model_name(m));
	fuzz_scores(m);
	model_free(m);
	return 0;
}
