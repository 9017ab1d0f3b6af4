#!/bin/sh
# bench/run.sh: every benchmark figure of keluh in one run (make bench).
#
# Generates, once, a synthetic corpus and a 2,000-rule set under
# $top_builddir/bench/out/, then measures, pinned to one core when taskset
# works:
#   - keluh's throughput with the default packs (etc/rules.d), through
#     bench_classify and through the real tool (keluhctl test --stats);
#   - the naive loop (every regex on every mention) on the same packs;
#   - keluh and the naive loop on the 2,000 rules, and their compile time;
#   - peak RSS of each run;
#   - complaint detection on the labelled sets (bench/eval.py), when
#     ../shared/eval is there.
# Figures are printed beside their targets; nothing here fails on a missed
# target (tests never assert timings), only on a broken run.
#
# Knobs (environment): BENCH_N (corpus size, 1000000), BENCH_RULES (2000),
# NAIVE_LIMIT (mentions for the naive loop on the generated rules, 20000),
# NAIVE_LIMIT_DEFAULT (same on the default packs, 200000), BENCH_REPEAT
# (compile repetitions, 5), PROFILE_LIMIT (mentions for the per-regex cost
# table, 50000), BENCH_RUNS (runs of each default-pack measurement, the
# fastest kept, 3), EVAL_DIR, BENCH_NO_PIN=1, PYTHON.

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
	# make bench runs us from the build directory.
	if [ -f ./config.status ] || [ -x ./keluhctl ]; then
		top_builddir=$(pwd)
	else
		top_builddir=$top_srcdir
	fi
fi
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)

PYTHON=${PYTHON:-python3}
BENCH_N=${BENCH_N:-1000000}
BENCH_RULES=${BENCH_RULES:-2000}
NAIVE_LIMIT=${NAIVE_LIMIT:-20000}
NAIVE_LIMIT_DEFAULT=${NAIVE_LIMIT_DEFAULT:-200000}
BENCH_REPEAT=${BENCH_REPEAT:-5}
PROFILE_LIMIT=${PROFILE_LIMIT:-50000}
BENCH_RUNS=${BENCH_RUNS:-3}
EVAL_DIR=${EVAL_DIR:-$top_srcdir/../shared/eval}

out=$top_builddir/bench/out
bench=$top_builddir/bench/bench_classify
keluhctl=$top_builddir/keluhctl
default_rules=$top_srcdir/etc/rules.d
corpus=$out/corpus-$BENCH_N.txt
gen_rules=$out/rules-$BENCH_RULES

die() {
	echo "bench: $*" >&2
	exit 1
}

if [ ! -x "$bench" ] || [ ! -x "$keluhctl" ]; then
	if [ -f "$top_builddir/Makefile" ]; then
		echo "bench: building keluhctl and bench/bench_classify"
		make -C "$top_builddir" keluhctl bench/bench_classify >&2 ||
		    die "build failed"
	fi
	[ -x "$bench" ] || die "$bench not found: run make bench from the build directory"
	[ -x "$keluhctl" ] || die "$keluhctl not found: run make bench from the build directory"
fi
[ -d "$default_rules" ] || die "$default_rules not found"
mkdir -p "$out" || die "cannot create $out"

# --- inputs ----------------------------------------------------------------

# newer A B: A was modified after B (POSIX test has no -nt)
newer() {
	[ -n "$(find "$1" -prune -newer "$2" 2>/dev/null)" ]
}


# regenerated when missing or older than their generator
if [ ! -s "$corpus" ] || newer "$top_srcdir/bench/gen_corpus.py" "$corpus"; then
	echo "bench: generating $BENCH_N mentions into $corpus"
	if ! "$PYTHON" "$top_srcdir/bench/gen_corpus.py" --n "$BENCH_N" --out "$corpus.tmp"; then
		rm -f "$corpus.tmp"
		die "gen_corpus.py failed"
	fi
	mv "$corpus.tmp" "$corpus" || die "cannot write $corpus"
fi
if [ ! -f "$gen_rules/.done" ] || newer "$top_srcdir/bench/gen_rules.py" "$gen_rules/.done"; then
	echo "bench: generating $BENCH_RULES rules into $gen_rules"
	rm -rf "$gen_rules"
	if ! "$PYTHON" "$top_srcdir/bench/gen_rules.py" --n "$BENCH_RULES" --out "$gen_rules"; then
		die "gen_rules.py failed"
	fi
	: >"$gen_rules/.done"
fi

PIN=
if [ -z "${BENCH_NO_PIN:-}" ] && command -v taskset >/dev/null 2>&1 &&
    taskset -c 0 true 2>/dev/null; then
	PIN="taskset -c 0"
fi

# --- helpers ---------------------------------------------------------------

# getkv FILE PREFIX KEY: the value of KEY= on the last line of FILE that
# starts with PREFIX.
getkv() {
	[ -f "$1" ] || return 0
	awk -v p="$2" -v k="$3" '
	p == "" || index($0, p) == 1 {
		v = ""
		for (i = 1; i <= NF; i++)
			if (index($i, k "=") == 1)
				v = substr($i, length(k) + 2)
		last = v
	}
	END { print last }' "$1"
}

# GNU time, to measure the peak RSS of keluhctl (bench_classify reports its
# own from getrusage). Run from this small shell, not from python: Linux
# carries a parent's resident size across fork+exec into ru_maxrss.
GNUTIME=
if [ -x /usr/bin/time ] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
	GNUTIME=/usr/bin/time
fi

# run1 NAME CMD...: runs CMD (pinned) once with its output in $out/NAME.txt
# and its peak RSS (KB) in $out/NAME.rss.
run1() {
	name1=$1
	shift
	rm -f "$out/$name1.rss" "$out/$name1.time"
	if [ -n "$GNUTIME" ]; then
		# shellcheck disable=SC2086
		$GNUTIME -f %M -o "$out/$name1.time" $PIN "$@" >"$out/$name1.txt" 2>"$out/$name1.err"
	else
		# shellcheck disable=SC2086
		$PIN "$@" >"$out/$name1.txt" 2>"$out/$name1.err"
	fi
	rc1=$?
	v=$(getkv "$out/$name1.txt" mode= peak_rss_kb)
	if [ -z "$v" ] && [ -f "$out/$name1.time" ]; then
		v=$(tail -n 1 "$out/$name1.time")
	fi
	[ -n "$v" ] && echo "$v" >"$out/$name1.rss"
	return $rc1
}

# run RUNS NAME CMD...: runs CMD RUNS times and keeps the fastest run (highest
# mentions_per_s; other sessions on the machine only ever slow a run down)
# as $out/NAME.txt / NAME.rss; echoes the interesting part.
run() {
	runs=$1
	name=$2
	shift 2
	echo "\$ $*" | sed "s|$top_builddir/||g; s|$top_srcdir/||g"
	i=1
	best=
	bestr=
	rates=
	rc=0
	while [ "$i" -le "$runs" ]; do
		if ! run1 "$name.$i" "$@"; then
			rc=1
			best=$i
			break
		fi
		r=$(getkv "$out/$name.$i.txt" "" mentions_per_s)
		rates="$rates ${r:-?}"
		if [ -z "$best" ] || awk -v a="${r:-0}" -v b="${bestr:-0}" 'BEGIN { exit !(a > b) }'; then
			best=$i
			bestr=$r
		fi
		i=$((i + 1))
	done
	for ext in txt err rss; do
		rm -f "$out/$name.$ext"
		[ -f "$out/$name.$best.$ext" ] && cp "$out/$name.$best.$ext" "$out/$name.$ext"
	done
	# the per-rule hit table of keluhctl --stats is long: show its tail
	tail -n 3 "$out/$name.txt" | cut -c1-160 | sed 's/^/  /'
	[ "$runs" -gt 1 ] && [ $rc -eq 0 ] && echo "  (runs:$rates mentions/s; the fastest kept)"
	if [ $rc -ne 0 ]; then
		echo "  (failed)"
		tail -n 5 "$out/$name.err" | sed 's/^/  ! /'
	elif [ -s "$out/$name.err" ]; then
		head -n 3 "$out/$name.err" | sed 's/^/  ! /'
	fi
	return $rc
}

rss() {
	[ -f "$out/$1.rss" ] && cat "$out/$1.rss"
}

# fmt_int N: 1234567 -> 1,234,567 (empty -> n/a)
fmt_int() {
	if [ -z "$1" ]; then
		echo "n/a"
		return
	fi
	echo "$1" | awk '{
		s = sprintf("%.0f", $1); o = ""
		while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
		print s o }'
}

# ratio A B: A / B with one decimal, or empty
ratio() {
	[ -n "$1" ] && [ -n "$2" ] || return 0
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f\n", a / b }'
}

# check VALUE OP TARGET: "ok" or "MISS" (or "" without a value)
check() {
	[ -n "$1" ] || return 0
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
		ok = (op == ">=") ? (v + 0 >= t + 0) : (v + 0 < t + 0)
		print ok ? "ok" : "MISS" }'
}

row() {
	printf '  %-54s %14s   %-18s %s\n' "$1" "$2" "$3" "$4"
}

# --- runs ------------------------------------------------------------------

echo "== keluh benchmark"
echo "source:  $top_srcdir"
echo "build:   $top_builddir"
echo "corpus:  $corpus ($(wc -l <"$corpus" | tr -d ' ') mentions, $(($(wc -c <"$corpus") / 1048576)) MiB)"
echo "rules:   $default_rules (default packs), $gen_rules (generated)"
echo "cpu:     $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)"
echo "pinned:  ${PIN:-no (taskset unavailable)}"
echo

failed=0
run "$BENCH_RUNS" classify-default "$bench" classify "$default_rules" "$corpus" || failed=1
run "$BENCH_RUNS" classify-default-noev "$bench" classify "$default_rules" "$corpus" --no-evidence || failed=1
run "$BENCH_RUNS" keluhctl-default "$keluhctl" test -r "$default_rules" --text --quiet --stats "$corpus" || failed=1
run "$BENCH_RUNS" naive-default "$bench" naive "$default_rules" "$corpus" --limit "$NAIVE_LIMIT_DEFAULT" || failed=1
run 1 classify-gen "$bench" classify "$gen_rules" "$corpus" || failed=1
run 1 naive-gen "$bench" naive "$gen_rules" "$corpus" --limit "$NAIVE_LIMIT" || failed=1
run 1 compile-gen "$bench" compile "$gen_rules" --repeat "$BENCH_REPEAT" || failed=1
run 1 profile-default "$bench" naive "$default_rules" "$corpus" --limit "$PROFILE_LIMIT" --per-regex ||
    failed=1
echo

# --- figures ---------------------------------------------------------------

k_def=$(getkv "$out/classify-default.txt" mode= mentions_per_s)
k_def_noev=$(getkv "$out/classify-default-noev.txt" mode= mentions_per_s)
k_def_rules=$(getkv "$out/classify-default.txt" mode= rules)
k_def_ms=$(getkv "$out/classify-default.txt" mode= compile_ms)
c_def=$(getkv "$out/keluhctl-default.txt" mentions= mentions_per_s)
n_def=$(getkv "$out/naive-default.txt" mode= mentions_per_s)
n_def_re=$(getkv "$out/naive-default.txt" naive regexes)
k_gen=$(getkv "$out/classify-gen.txt" mode= mentions_per_s)
k_gen_rules=$(getkv "$out/classify-gen.txt" mode= rules)
n_gen=$(getkv "$out/naive-gen.txt" mode= mentions_per_s)
n_gen_n=$(getkv "$out/naive-gen.txt" mode= mentions)
n_gen_re=$(getkv "$out/naive-gen.txt" naive regexes)
comp=$(getkv "$out/compile-gen.txt" mode= median_ms)
r_def=$(ratio "$k_def" "$n_def")
r_gen=$(ratio "$k_gen" "$n_gen")

echo "== figures (mentions/s on one core; targets beside)"
row "default packs (${k_def_rules:-?} rules): keluh" "$(fmt_int "$k_def")/s" ">= 1,000,000/s" "$(check "$k_def" ">=" 1000000)"
row "default packs: keluh, counting only (no evidence)" "$(fmt_int "$k_def_noev")/s" ">= 1,000,000/s" "$(check "$k_def_noev" ">=" 1000000)"
row "default packs: keluhctl test --stats" "$(fmt_int "$c_def")/s" ">= 1,000,000/s" "$(check "$c_def" ">=" 1000000)"
row "default packs: naive loop (${n_def_re:-?} regexes)" "$(fmt_int "$n_def")/s" "" ""
row "default packs: keluh / naive" "${r_def:-n/a}x" ">= 10x" "$(check "$r_def" ">=" 10)"
row "default packs: load + compile" "${k_def_ms:-n/a} ms" "" ""
row "${k_gen_rules:-$BENCH_RULES} rules: keluh" "$(fmt_int "$k_gen")/s" "" ""
row "$BENCH_RULES rules: naive loop (${n_gen_re:-?} regexes, ${n_gen_n:-?} mentions)" "$(fmt_int "$n_gen")/s" "" ""
row "$BENCH_RULES rules: keluh / naive" "${r_gen:-n/a}x" ">= 10x" "$(check "$r_gen" ">=" 10)"
row "$BENCH_RULES rules: load + compile (median of $BENCH_REPEAT)" "${comp:-n/a} ms" "< 250 ms" "$(check "$comp" "<" 250)"
echo
echo "== costliest regexes of the default packs (first $PROFILE_LIMIT mentions)"
echo "  ns/run: cost of one run on one mention; gated: share of mentions where one of"
echo "  its required literals occurs, so keluh runs it; ns/mention = ns/run x gated"
awk '/^regex=/ {
	for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	src = substr($0, index($0, "src=") + 4)
	est = f["ns_per_mention"] * f["gated_pct"] / 100; total += est
	printf "%10.0f %8.0f %7.1f%%  %s\n", est, f["ns_per_mention"], f["gated_pct"], substr(src, 1, 90)
} END { if (NR) printf "%10.0f ns per mention in all (estimate)\n", total }' \
    "$out/profile-default.txt" | sort -k1 -n -r | head -n 6 |
    awk 'BEGIN { printf "  %10s %8s %8s  %s\n", "ns/mention", "ns/run", "gated", "regex" } { print "  " $0 }'
echo
echo "== peak RSS (KB)"
for name in classify-default classify-default-noev keluhctl-default naive-default classify-gen naive-gen compile-gen; do
	v=$(rss "$name")
	row "$name" "${v:-n/a}" "< 65,536 (64 MB)" "$(check "$v" "<" 65536)"
done
echo

echo "== complaint detection on labelled sets (default packs)"
evalout=$out/eval.txt
if [ -d "$EVAL_DIR" ]; then
	"$PYTHON" "$top_srcdir/bench/eval.py" "$keluhctl" "$default_rules" "$EVAL_DIR" >"$evalout" 2>&1 ||
	    failed=1
	grep -v '^eval set=' "$evalout"
	echo
	for lang in en id; do
		case $lang in en) target=80 ;; id) target=85 ;; esac
		f1=$(getkv "$evalout" "eval set=${lang}_" macro_f1)
		acc=$(getkv "$evalout" "eval set=${lang}_" accuracy)
		if [ -n "$f1" ]; then
			row "$lang: macro-F1 (accuracy $acc)" "$f1" ">= $target" "$(check "$f1" ">=" "$target")"
		fi
	done
	echo "  (python3 bench/eval.py --errors KELUHCTL RULES_DIR lists the worst misses)"
else
	echo "  $EVAL_DIR not found: skipped"
fi
echo
echo "raw output: $out/*.txt"
exit $failed
