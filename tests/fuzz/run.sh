#!/bin/sh
# tests/fuzz/run.sh (make fuzz): builds the libFuzzer harnesses with clang
# in a tree of their own and runs them, one per core at a time. Prints TAP;
# exits 1 when a harness crashed, leaked, hung or ran out of memory. The
# input that did it is saved as tests/fuzz/regress/NAME/{crash,leak,timeout,oom}-<sha1>:
# commit it with the fix, and make check replays it from then on.
#
#   FUZZ_SECONDS  seconds per harness (default 60)
#   FUZZ_TARGETS  harnesses to run (default: all, see tests/fuzz/fuzz_*.c)
#   FUZZ_PARALLEL harnesses run at the same time (default: one per core)
#   FUZZ_JOBS     fuzzing processes per harness (libFuzzer -fork; default 1)
#   FUZZ_TIMEOUT  seconds one input may take (default 10)
#   FUZZ_RSS_MB   memory limit (default 2048)
#   FUZZ_FLAGS    more libFuzzer flags
#   FUZZ_BUILD    the clang tree (default: _build-fuzz in the source tree)
#   FUZZ_CC       the compiler (default clang)
#   FUZZ_OPT      its optimisation and debug flags (default -O1 -gline-tables-only)
#
# The corpus each harness grows is kept in FUZZ_BUILD/corpus/NAME, so a
# second run starts where the first stopped.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/fuzz/seeds.sh"
secs=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-$top/_build-fuzz}
cc=${FUZZ_CC:-clang}
jobs=${FUZZ_JOBS:-1}

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "run.sh: $cc not found: apt-get install clang libclang-rt-14-dev (tools/quick deps)" >&2
	exit 2
fi
if [ ! -x "$top/configure" ]; then
	(cd "$top" && autoreconf -fi) || exit 2
fi
mkdir -p "$build" || exit 2
cd "$build" || exit 2
if [ ! -f Makefile ]; then
	echo "run.sh: configuring $build with $cc" >&2
	# -O1 and line tables only: a third quicker to build than -O2 -g, and
	# the traces still name file and line
	"$top/configure" --quiet --enable-fuzz CC="$cc" CFLAGS="${FUZZ_OPT:--O1 -gline-tables-only}" ||
		exit 2
fi
targets=${FUZZ_TARGETS:-$(fuzz_names)}
progs=
for t in $targets; do
	progs="$progs tests/fuzz/fuzz_$t"
done
# shellcheck disable=SC2086
make -j"$(nproc)" --no-print-directory $progs >build.log 2>&1 || {
	tail -40 build.log >&2
	exit 2
}

# make the traces readable, and fail on undefined behaviour
sym=$(command -v llvm-symbolizer || ls /usr/lib/llvm-*/bin/llvm-symbolizer 2>/dev/null | tail -1)
[ -n "$sym" ] && ASAN_SYMBOLIZER_PATH=$sym && export ASAN_SYMBOLIZER_PATH
ASAN_OPTIONS=detect_leaks=1
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS

# fuzz_one NAME: runs one harness; its TAP line (without the number) goes
# to $build/result-NAME
fuzz_one() {
	t=$1
	corpus=$build/corpus/$t
	seeds=$build/seeds/$t
	regress=$top/tests/fuzz/regress/$t
	log=$build/fuzz-$t.log
	rm -rf "$seeds"
	mkdir -p "$corpus" "$seeds" "$regress"
	for s in $(fuzz_seeds "$t"); do
		if [ -d "$s" ]; then
			find "$s" -type f ! -name '.*' -exec cp {} "$seeds/" \;
		else
			cp "$s" "$seeds/"
		fi
	done
	dict=$(fuzz_dict "$t")
	fork=
	[ "$jobs" -gt 1 ] && fork="-fork=$jobs"
	# shellcheck disable=SC2086
	(cd "$build" && "./tests/fuzz/fuzz_$t" -max_total_time="$secs" \
		-max_len="$(fuzz_max_len "$t")" -timeout="${FUZZ_TIMEOUT:-10}" \
		-rss_limit_mb="${FUZZ_RSS_MB:-2048}" -detect_leaks=1 -print_final_stats=1 \
		-artifact_prefix="$regress/" ${dict:+-dict="$dict"} $fork ${FUZZ_FLAGS:-} \
		"$corpus" "$seeds") >"$log" 2>&1
	st=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	size=$(find "$corpus" -type f | wc -l)
	if [ $st -eq 0 ]; then
		echo "ok - $t: ${rate:-?} execs/s, ${runs:-?} runs in ${secs}s, corpus $size"
	else
		found=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
		echo "not ok - $t: exit $st, input kept as ${found:-(none)}"
		# the reason, and the frames in our code
		grep -E 'runtime error|ERROR:|SUMMARY|^fuzz: |#[0-9]+ 0x.* (/[^ ]*)?(src|tests)/' "$log" |
			head -30 | sed 's/^/# /'
		echo "# full log: $log"
	fi >"$build/result-$t"
}

# FUZZ_PARALLEL harnesses at a time (default: one per core)
par=${FUZZ_PARALLEL:-$(nproc)}
i=0
for t in $targets; do
	fuzz_one "$t" &
	i=$((i + 1))
	[ $((i % par)) -eq 0 ] && wait
done
wait
n=0
failed=0
for t in $targets; do
	n=$((n + 1))
	sed "1s/^\(\(not \)\?ok\) -/\1 $n -/" "$build/result-$t"
	grep -q '^not ok' "$build/result-$t" && failed=$((failed + 1))
done
echo "1..$n"
[ $failed -eq 0 ]
