/*
 * fuzz.h: what every harness under tests/fuzz/ shares.
 *
 * A harness is one LLVMFuzzerTestOneInput. It is linked twice: with
 * libFuzzer (clang, make fuzz) to search for new inputs, and with
 * replay.c (any compiler, make check) to run the seeds and every input
 * kept in tests/fuzz/regress/ on each test run. A harness reports a wrong
 * result (two paths that disagree, a broken invariant) with fuzz_fail,
 * which aborts: libFuzzer then keeps the input like any crash.
 */
#ifndef KELUH_FUZZ_H
#define KELUH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_fail(...)                                                                             \
	do {                                                                                       \
		fprintf(stderr, "fuzz: %s:%d: ", __FILE__, __LINE__);                              \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		abort();                                                                           \
	} while (0)

#define fuzz_assert(cond, ...)                                                                     \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(__VA_ARGS__);                                                    \
	} while (0)

#endif
