#!/bin/sh
# Every fuzzing harness (tests/fuzz/fuzz_*.c), built with the ordinary
# compiler around tests/fuzz/replay.c, runs over its seeds and over every
# input kept in tests/fuzz/regress/NAME/: what fuzzing once found stays
# fixed, under the sanitizers too when the tree is built with them.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
top=$top_srcdir
. "$top/tests/fuzz/seeds.sh"

for t in $(fuzz_names); do
	bin=$top_builddir/tests/fuzz/replay_$t
	if [ ! -x "$bin" ]; then
		tap_n=$((tap_n + 1))
		echo "ok $tap_n # SKIP $t: $bin is not built"
		continue
	fi
	set -- $(fuzz_seeds "$t")
	[ -d "$top/tests/fuzz/regress/$t" ] && set -- "$@" "$top/tests/fuzz/regress/$t"
	if "$bin" "$@" >"$TMPD/$t.out" 2>&1; then
		ok "$t: $(tail -1 "$TMPD/$t.out") replayed (seeds and tests/fuzz/regress/$t)"
	else
		not_ok "$t: an input fails" "$(tail -30 "$TMPD/$t.out")"
	fi
done

done_testing
