/*
 * jit_probe: compiles a rule-like regex the way keluhd does (src/regex.c)
 * and prints "jit=1 match=1" when PCRE2's JIT took it and it matches.
 * Used by tests/systemd_unit.sh.
 *
 * --mdwe first turns on the kernel's memory-deny-write-execute for this
 * process (prctl PR_SET_MDWE, Linux >= 6.3), the restriction systemd's
 * MemoryDenyWriteExecute=yes imposes with seccomp: the JIT is then refused
 * and the regex must still match in the interpreter ("jit=0 match=1").
 * Exit status: 0 printed a result, 1 the match failed, 77 --mdwe unsupported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "engine/regex.h"

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif

int
main(int argc, char **argv)
{
	static const char pat[] = "refund\\s+(?:was\\s+)?(?:never|not)\\s+(?:received|paid)";
	static const char subject[] = "Day 12 and my refund was never received, what is going on";
	struct regex_scratch *rs;
	struct regex *re;
	char err[200], *buf;
	size_t erroff, start, end, len = sizeof(subject) - 1;
	int m;

	if (argc > 1 && strcmp(argv[1], "--mdwe") == 0 &&
	    prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0L, 0L, 0L) != 0) {
		perror("jit_probe: prctl(PR_SET_MDWE)");
		return 77;
	}
	if ((re = regex_compile(pat, sizeof(pat) - 1, err, sizeof(err), &erroff)) == NULL) {
		fprintf(stderr, "jit_probe: %s at %zu\n", err, erroff);
		return 1;
	}
	/* padded like a mention's text: the JIT may read past the end */
	if ((buf = calloc(1, len + 16)) == NULL)
		return 1;
	memcpy(buf, subject, len);
	rs = regex_scratch_new();
	m = regex_match(re, rs, buf, len, &start, &end);
	printf("jit=%d match=%d\n", regex_is_jit(re), m);
	regex_scratch_free(rs);
	regex_free(re);
	free(buf);
	return m == 1 ? 0 : 1;
}
