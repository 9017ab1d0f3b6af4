/*
 * model_write: trains a model on labelled lines and writes its file, so the
 * shell tests have a real model without keluhctl learn. Each line of
 * standard input is "1 TEXT" (a complaint) or "0 TEXT" (not).
 *
 *   model_write OUT.model [BITS] < labelled.txt
 *
 * BITS: the weight table's size (default 16: a test's handful of lines).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/model.h"
#include "lib/util.h"

int
main(int argc, char **argv)
{
	struct model_example *ex = NULL;
	struct model_opts o;
	struct model *m;
	char *line = NULL, err[512];
	size_t cap = 0, n = 0;
	ssize_t len;
	int rc = 0;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: model_write OUT.model [BITS] < labelled.txt\n");
		return 2;
	}
	while ((len = getline(&line, &cap, stdin)) > 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len < 3 || (line[0] != '0' && line[0] != '1') || line[1] != ' ')
			continue;
		ex = xreallocarray(ex, n + 1, sizeof(*ex));
		ex[n].text = xstrndup(line + 2, (size_t)len - 2);
		ex[n].len = (size_t)len - 2;
		ex[n].label = line[0] == '1';
		n++;
	}
	model_opts_default(&o);
	o.bits = argc == 3 ? (unsigned)atoi(argv[2]) : 16;
	if ((m = model_train(ex, n, &o, err, sizeof(err))) == NULL ||
	    model_save(m, argv[1], err, sizeof(err)) < 0) {
		fprintf(stderr, "model_write: %s\n", err);
		rc = 1;
	}
	model_free(m);
	for (size_t i = 0; i < n; i++)
		free((char *)ex[i].text);
	free(ex);
	free(line);
	return rc;
}
