/*
 * engine_link: the proof that libkeluh-engine.a stands on its own. It is
 * linked with the whole archive (every object, not only those this file
 * needs) and with nothing but the engine's own libraries: PCRE2, libyaml,
 * jansson, utf8proc, libsodium and libcrypto (lib/jwt.c signs with it). A
 * module of src/lib or src/engine that
 * calls into libevent, libcurl, SQLite, libxml2 or a layer above breaks
 * this link. tests/layers.sh runs it:
 *
 *   engine_link RULES_DIR TEXT   prints the verdict of TEXT as JSON
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "engine/classify.h"
#include "engine/rules.h"
#include "engine/verdict.h"
#include "lib/diag.h"
#include "lib/util.h"

int
main(int argc, char **argv)
{
	struct diag d;
	struct ruleset *rs;
	struct classify_ctx *ctx;
	struct verdict v;
	struct buf out;
	size_t bad;
	int rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: engine_link RULES_DIR TEXT\n");
		return 2;
	}
	diag_init(&d);
	rs = rules_load_dir(argv[1], &d);
	diag_print(&d, stderr);
	diag_free(&d);
	if (rs == NULL)
		return 1;
	ctx = classify_ctx_new(rs);
	if (classify_text(ctx, argv[2], strlen(argv[2]), NULL, &v, &bad) != 0) {
		fprintf(stderr, "engine_link: invalid UTF-8 at byte %zu\n", bad);
		rc = 1;
	} else {
		buf_init(&out);
		verdict_json(&out, rs, "1", argv[2], strlen(argv[2]), &v);
		printf("%.*s\n", (int)out.len, out.data);
		buf_free(&out);
	}
	classify_ctx_free(ctx);
	rules_unref(rs);
	return rc;
}
