/*
 * replay.c: a main() for a harness without libFuzzer. Runs
 * LLVMFuzzerTestOneInput once on every file named on the command line,
 * and on every file of every directory named (in name order, dot files
 * skipped), so that make check replays the seeds and the kept crashes
 * with the ordinary compiler and sanitizers.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "lib/util.h"

static int
replay_file(const char *path)
{
	struct buf b;
	char chunk[65536];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	/* the name first: a failing input aborts */
	fprintf(stderr, "%s\n", path);
	/* a copy of exactly the file's size, so ASan sees a read past the end */
	{
		uint8_t *data = xmalloc(b.len ? b.len : 1);

		if (b.len)
			memcpy(data, b.data, b.len);
		LLVMFuzzerTestOneInput(data, b.len);
		free(data);
	}
	buf_free(&b);
	return 0;
}

static int
replay_dir(const char *dir, size_t *count)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort), rc = 0;

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, ents[i]->d_name);
		struct stat st;

		if (ents[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) < 0)
				rc = -1;
			else
				(*count)++;
		}
		free(path);
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int
main(int argc, char **argv)
{
	size_t count = 0;
	int rc = 0;
	struct stat st;

	for (int i = 1; i < argc; i++) {
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) < 0)
				rc = 1;
		} else if (replay_file(argv[i]) < 0)
			rc = 1;
		else
			count++;
	}
	printf("%zu inputs\n", count);
	return rc;
}
