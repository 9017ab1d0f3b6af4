#!/bin/sh
# bench/run.sh: every benchmark figure of keluh in one run (make bench).
#
# Generates, once, a synthetic corpus and a 2,000-rule set under
# $top_builddir/bench/out/, then measures, pinned to one core when taskset
# works:
#   - keluh's throughput with the default pack (packs/core), through
#     bench_classify and through the real tool (keluhctl test --stats);
#   - the same rules with one model beside them (bench_classify model: a
#     model trained on BENCH_TRAIN_N corpus mentions the rules labelled,
#     the training timed, then rules only and rules + model in one run);
#   - the naive loop on the same packs: every rule's whole condition
#     (keyword lists as patterns too) on every mention, and every regex;
#   - keluh and the naive loop on the 2,000 rules, and their compile time;
#   - peak RSS of each run;
#   - the daemon: HTTP ingest rate into a real keluhd (bench_ingest ingest)
#     and the rate through one SSE source beside it (bench_ingest sse)
#     and the latency from a critical mention's 202 to its alert at a webhook
#     sink (bench_ingest alert), with keluhd's peak RSS (VmHWM) in each;
#   - the bluesky source: posts/s through a local Jetstream replay with the
#     default pack (bench/bluesky.sh; BENCH_BSKY_COUNT posts, 200000);
#   - complaint detection on the labelled sets (bench/eval.py), when
#     ../shared/eval is there.
# Figures are printed beside their targets; nothing here fails on a missed
# target (tests never assert timings), only on a broken run.
#
# Knobs (environment): BENCH_N (corpus size, 1000000), BENCH_RULES (2000),
# NAIVE_LIMIT (mentions for the naive loop on the generated rules, 20000),
# NAIVE_LIMIT_DEFAULT (same on the default packs, 20000), NAIVE_RULES_LIMIT
# (the whole-rule naive loop on the generated rules, 2000), BENCH_REPEAT
# (compile repetitions, 5), BENCH_TRAIN_N (mentions the model is trained
# on, 10000), PROFILE_LIMIT (mentions for the per-regex cost
# table, 50000), BENCH_RUNS (runs of each default-pack measurement, the
# fastest kept, 3), EVAL_DIR, BENCH_NO_PIN=1, PYTHON.
# Daemon figures: BENCH_DAEMON (1; 0 skips them, "only" runs nothing else),
# BENCH_INGEST_N (NDJSON corpus, 200000), BENCH_INGEST_BATCH (mentions per
# POST, 1000), BENCH_INGEST_CONNS (4), BENCH_INGEST_COUNT (bound on mentions
# sent, 2000000), BENCH_INGEST_SECONDS (bound on time, 10),
# BENCH_DAEMON_RUNS (ingest runs, the fastest kept, 3), BENCH_ALERT_COUNT
# (1000), BENCH_ALERT_RATE (critical mentions/s, 200), BENCH_ALERT_BG_RATE
# (background mentions/s, 10000; 0 = none), BENCH_ACTION_COUNT (button presses
# timed, one at a time, with the same background, 200), BENCH_SPOOL_DIR (where the
# temporary spool goes, ${TMPDIR:-/tmp}), BENCH_PERF=1 (perf record keluhd
# during the first ingest run), BENCH_SSE_COUNT (events through the SSE
# source, 400000), BENCH_META_BATCH and BENCH_META_COUNT (signed Meta webhooks
# beside unsigned POSTs of as many mentions each, 100 and 1000000),
# BENCH_STALL_MENTIONS and BENCH_STALL_BYTES (the worst-case
# requests of bench/stall.py, 130 mentions of 60000 bytes). BENCH_BIGLIST
# (keywords in the one-list load figure, 1000000).

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
NAIVE_LIMIT_DEFAULT=${NAIVE_LIMIT_DEFAULT:-20000}
NAIVE_RULES_LIMIT=${NAIVE_RULES_LIMIT:-2000}
BENCH_REPEAT=${BENCH_REPEAT:-5}
PROFILE_LIMIT=${PROFILE_LIMIT:-50000}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_TRAIN_N=${BENCH_TRAIN_N:-10000}
EVAL_DIR=${EVAL_DIR:-$top_srcdir/../shared/eval}
BENCH_DAEMON=${BENCH_DAEMON:-1}
BENCH_INGEST_N=${BENCH_INGEST_N:-200000}
BENCH_INGEST_BATCH=${BENCH_INGEST_BATCH:-1000}
BENCH_INGEST_CONNS=${BENCH_INGEST_CONNS:-4}
BENCH_INGEST_COUNT=${BENCH_INGEST_COUNT:-2000000}
BENCH_INGEST_SECONDS=${BENCH_INGEST_SECONDS:-10}
BENCH_DAEMON_RUNS=${BENCH_DAEMON_RUNS:-3}
BENCH_SSE_COUNT=${BENCH_SSE_COUNT:-400000}
BENCH_META_BATCH=${BENCH_META_BATCH:-100}
BENCH_META_COUNT=${BENCH_META_COUNT:-1000000}
BENCH_BIGLIST=${BENCH_BIGLIST:-1000000}
BENCH_STALL_MENTIONS=${BENCH_STALL_MENTIONS:-130}
BENCH_STALL_BYTES=${BENCH_STALL_BYTES:-60000}
BENCH_ALERT_COUNT=${BENCH_ALERT_COUNT:-1000}
BENCH_ALERT_RATE=${BENCH_ALERT_RATE:-200}
BENCH_ALERT_BG_RATE=${BENCH_ALERT_BG_RATE:-10000}
BENCH_ACTION_COUNT=${BENCH_ACTION_COUNT:-200}
BENCH_SPOOL_DIR=${BENCH_SPOOL_DIR:-${TMPDIR:-/tmp}}

out=$top_builddir/bench/out
bench=$top_builddir/bench/bench_classify
keluhctl=$top_builddir/keluhctl
keluhd=$top_builddir/keluhd
bench_ingest=$top_builddir/bench/bench_ingest
bench_report=$top_builddir/bench/bench_report
default_rules=$top_srcdir/packs/core
corpus=$out/corpus-$BENCH_N.txt
ndjson=$out/mentions-$BENCH_INGEST_N.ndjson
gen_rules=$out/rules-$BENCH_RULES
big_rules=$out/rules-biglist-$BENCH_BIGLIST

die() {
	echo "bench: $*" >&2
	exit 1
}

# newer A B: A was modified after B (POSIX test has no -nt)
newer() {
	[ -n "$(find "$1" -prune -newer "$2" 2>/dev/null)" ]
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

# The keluhd configs of the runs with a peer; $1 is the peer's port.
sse_conf() {
	cat <<Y
rules: $default_rules
http:
  listen: 127.0.0.1:0
spool:
  path: $dtmp/sse.db
duplicates:
  same_text: 0
sources:
  - name: bench-sse
    type: sse
    url: http://127.0.0.1:$1/
Y
}

alert_conf() {
	cat <<Y
rules: $default_rules
http:
  listen: 127.0.0.1:0
spool:
  path: $dtmp/alert.db
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$1/hook", rate: 100000/s, max_concurrency: 8, timeout: 5s}
routes:
  - {match: {priority: critical}, receivers: [hook]}
grouping:
  by: [mention]
  first_alert_after: {critical: 0s, high: 1h, normal: 1h, low: 1h}
  max_groups: 1000000
# every probe must alert, even one whose text another probe shares
duplicates:
  same_text: 0
Y
}

# $1: the port of bench_ingest's fake Slack Web API
action_conf() {
	echo xoxb-bench >"$dtmp/slack.token"
	echo bench-signing-secret >"$dtmp/slack.signing"
	cat <<Y
rules: $default_rules
http:
  listen: 127.0.0.1:0
spool:
  path: $dtmp/action.db
receivers:
  - {name: slack, type: slack, token_file: $dtmp/slack.token, channel: CBENCH,
     api_url: "http://127.0.0.1:$1/api", signing_secret_file: $dtmp/slack.signing,
     rate: 100000/s, max_concurrency: 8, timeout: 5s}
routes:
  - {match: {priority: critical}, receivers: [slack]}
grouping:
  by: [mention]
  first_alert_after: {critical: 0s, high: 1h, normal: 1h, low: 1h}
  max_groups: 1000000
duplicates:
  same_text: 0
Y
}

# with_peer NAME PID PORTFILE CONF: the bench_ingest process PID (started
# in the background, writing $out/NAME.txt and .err) is a peer keluhd talks
# to; once it wrote its port to PORTFILE, keluhd runs on what CONF PORT
# prints, its own port goes to $dtmp/keluhd.port for the peer, and the run
# lasts as long as the peer. Prints the peer's last line; a failure sets
# failed.
with_peer() {
	wp_rc=1
	DPIDS="$DPIDS $2"
	if wait_grep 60 . "$3"; then
		"$4" "$(cat "$3")" >"$dtmp/$1.yaml"
		if start_keluhd "$dtmp/$1.yaml" "$out/$1.log"; then
			echo "$KPORT" >"$dtmp/keluhd.port.tmp" && mv "$dtmp/keluhd.port.tmp" "$dtmp/keluhd.port"
			wait "$2" && wp_rc=0
			stop_keluhd "$1"
		fi
	fi
	if [ $wp_rc -ne 0 ]; then
		kill -TERM "$2" 2>/dev/null
		wait "$2" 2>/dev/null
	fi
	DPIDS=$(echo "$DPIDS" | sed "s/ $2\$//; s/ $2 / /")
	tail -n 1 "$out/$1.txt" | fold -w 150 | sed 's/^/  /'
	if [ $wp_rc -ne 0 ]; then
		failed=1
		echo "  (failed)"
		tail -n 5 "$out/$1.err" | sed 's/^/  ! /'
		[ -f "$out/$1.log" ] && tail -n 3 "$out/$1.log" | sed 's/^/  ! /'
	fi
}

if [ "$BENCH_DAEMON" != 0 ]; then
	if [ ! -x "$keluhd" ] && [ -f "$top_builddir/Makefile" ]; then
		echo "bench: building keluhd"
		make -C "$top_builddir" keluhd >&2 || die "build failed"
	fi
	[ -x "$keluhd" ] || die "$keluhd not found: run make bench from the build directory"
	# bench_ingest is plain C (sockets, pthreads, libsodium for a signature): built by make when the
	# Makefile knows it, else compiled here.
	if [ ! -x "$bench_ingest" ] || newer "$top_srcdir/bench/bench_ingest.c" "$bench_ingest"; then
		if [ -f "$top_builddir/Makefile" ] && grep -q '^bench_bench_ingest_SOURCES' "$top_builddir/Makefile"; then
			make -C "$top_builddir" bench/bench_ingest >&2 || die "build of bench_ingest failed"
		else
			echo "bench: compiling bench/bench_ingest"
			mkdir -p "$top_builddir/bench" &&
			    ${CC:-cc} -std=c11 -O2 -g -Wall -Wextra -pthread -o "$bench_ingest" \
			    "$top_srcdir/bench/bench_ingest.c" -lsodium || die "build of bench_ingest failed"
		fi
	fi
fi

# --- inputs ----------------------------------------------------------------

# regenerated when missing or older than their generator
if [ "$BENCH_DAEMON" != only ]; then
if [ ! -s "$corpus" ] || newer "$top_srcdir/bench/gen_corpus.py" "$corpus"; then
	echo "bench: generating $BENCH_N mentions into $corpus"
	if ! "$PYTHON" "$top_srcdir/bench/gen_corpus.py" --n "$BENCH_N" --out "$corpus.tmp"; then
		rm -f "$corpus.tmp"
		die "gen_corpus.py failed"
	fi
	mv "$corpus.tmp" "$corpus" || die "cannot write $corpus"
fi
if [ ! -f "$big_rules/.done" ] || newer "$top_srcdir/bench/gen_rules.py" "$big_rules/.done"; then
	rm -rf "$big_rules"
	"$PYTHON" "$top_srcdir/bench/gen_rules.py" --big-list "$BENCH_BIGLIST" --out "$big_rules" ||
	    die "gen_rules.py --big-list failed"
	: >"$big_rules/.done"
fi
if [ ! -f "$gen_rules/.done" ] || newer "$top_srcdir/bench/gen_rules.py" "$gen_rules/.done"; then
	echo "bench: generating $BENCH_RULES rules into $gen_rules"
	rm -rf "$gen_rules"
	if ! "$PYTHON" "$top_srcdir/bench/gen_rules.py" --n "$BENCH_RULES" --out "$gen_rules"; then
		die "gen_rules.py failed"
	fi
	: >"$gen_rules/.done"
fi
fi

PIN=
PIN_LOAD=
if [ -z "${BENCH_NO_PIN:-}" ] && command -v taskset >/dev/null 2>&1 &&
    taskset -c 0 true 2>/dev/null; then
	PIN="taskset -c 0"
	# the daemon figures: keluhd on core 0, the load generator on core 1
	taskset -c 1 true 2>/dev/null && PIN_LOAD="taskset -c 1"
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
[ "$BENCH_DAEMON" != only ] && echo "corpus:  $corpus ($(wc -l <"$corpus" | tr -d ' ') mentions, $(($(wc -c <"$corpus") / 1048576)) MiB)"
echo "rules:   $default_rules (default packs), $gen_rules (generated)"
echo "cpu:     $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)"
echo "pinned:  ${PIN:-no (taskset unavailable)}"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) (1/5/15 min) on $(getconf _NPROCESSORS_ONLN 2>/dev/null) cpus; other work on the machine slows every figure"
echo

failed=0
if [ "$BENCH_DAEMON" != only ]; then
run "$BENCH_RUNS" classify-default "$bench" classify "$default_rules" "$corpus" || failed=1
run "$BENCH_RUNS" classify-default-noev "$bench" classify "$default_rules" "$corpus" --no-evidence || failed=1
run "$BENCH_RUNS" classify-model "$bench" model "$default_rules" "$corpus" --train "$BENCH_TRAIN_N" || failed=1
run "$BENCH_RUNS" keluhctl-default "$keluhctl" test -r "$default_rules" --text --quiet --stats "$corpus" || failed=1
run "$BENCH_RUNS" naive-default "$bench" naive "$default_rules" "$corpus" --limit "$NAIVE_LIMIT_DEFAULT" --whole-rules || failed=1
run 1 naive-default-re "$bench" naive "$default_rules" "$corpus" --limit "$NAIVE_LIMIT_DEFAULT" || failed=1
run 1 classify-gen "$bench" classify "$gen_rules" "$corpus" || failed=1
run 1 naive-gen "$bench" naive "$gen_rules" "$corpus" --limit "$NAIVE_LIMIT" || failed=1
run 1 naive-gen-rules "$bench" naive "$gen_rules" "$corpus" --limit "$NAIVE_RULES_LIMIT" --whole-rules || failed=1
run 1 compile-gen "$bench" compile "$gen_rules" --repeat "$BENCH_REPEAT" || failed=1
run 1 compile-biglist "$bench" compile "$big_rules" --repeat 1 || failed=1
run 1 html "$bench" html || failed=1
if [ -x "$bench_report" ]; then
	run 1 report "$bench_report" 100000 || failed=1
fi
run 1 profile-default "$bench" naive "$default_rules" "$corpus" --limit "$PROFILE_LIMIT" --per-regex ||
    failed=1
echo

# --- figures ---------------------------------------------------------------

k_def=$(getkv "$out/classify-default.txt" mode= mentions_per_s)
k_def_noev=$(getkv "$out/classify-default-noev.txt" mode= mentions_per_s)
k_def_rules=$(getkv "$out/classify-default.txt" mode= rules)
m_rules=$(getkv "$out/classify-model.txt" mode=model rules_per_s)
m_both=$(getkv "$out/classify-model.txt" mode=model mentions_per_s)
m_ratio=$(getkv "$out/classify-model.txt" mode=model ratio)
m_train=$(getkv "$out/classify-model.txt" mode=train seconds)
m_train_n=$(getkv "$out/classify-model.txt" mode=train mentions)
k_def_ms=$(getkv "$out/classify-default.txt" mode= compile_ms)
c_def=$(getkv "$out/keluhctl-default.txt" mentions= mentions_per_s)
n_def=$(getkv "$out/naive-default.txt" mode= mentions_per_s)
n_def_pat=$(getkv "$out/naive-default.txt" naive patterns)
n_def_rx=$(getkv "$out/naive-default-re.txt" mode= mentions_per_s)
n_def_re=$(getkv "$out/naive-default-re.txt" naive regexes)
n_gen_w=$(getkv "$out/naive-gen-rules.txt" mode= mentions_per_s)
n_gen_wn=$(getkv "$out/naive-gen-rules.txt" mode= mentions)
k_gen=$(getkv "$out/classify-gen.txt" mode= mentions_per_s)
k_gen_rules=$(getkv "$out/classify-gen.txt" mode= rules)
n_gen=$(getkv "$out/naive-gen.txt" mode= mentions_per_s)
n_gen_n=$(getkv "$out/naive-gen.txt" mode= mentions)
n_gen_re=$(getkv "$out/naive-gen.txt" naive regexes)
comp=$(getkv "$out/compile-gen.txt" mode= median_ms)
comp_big=$(getkv "$out/compile-biglist.txt" mode= median_ms)
r_def=$(ratio "$k_def" "$n_def")
r_gen=$(ratio "$k_gen" "$n_gen")
r_def_rx=$(ratio "$k_def" "$n_def_rx")
r_gen_w=$(ratio "$k_gen" "$n_gen_w")

echo "== figures (mentions/s on one core; targets beside)"
row "default packs (${k_def_rules:-?} rules): keluh" "$(fmt_int "$k_def")/s" ">= 1,000,000/s" "$(check "$k_def" ">=" 1000000)"
row "default packs: keluh, counting only (no evidence)" "$(fmt_int "$k_def_noev")/s" ">= 1,000,000/s" "$(check "$k_def_noev" ">=" 1000000)"
row "default packs: rules only, in the model's run" "$(fmt_int "$m_rules")/s" "" ""
row "default packs: rules + one model" "$(fmt_int "$m_both")/s" ">= 500,000/s" "$(check "$m_both" ">=" 500000)"
row "default packs: rules + model / rules only" "${m_ratio:-n/a}x" "" ""
row "model: training on $(fmt_int "$m_train_n") mentions" "${m_train:-n/a} s" "< 10 s" "$(check "$m_train" "<" 10)"
row "default packs: keluhctl test --stats" "$(fmt_int "$c_def")/s" ">= 1,000,000/s" "$(check "$c_def" ">=" 1000000)"
row "default packs: naive, every rule whole (${n_def_pat:-?} patterns)" "$(fmt_int "$n_def")/s" "" ""
row "default packs: keluh / naive" "${r_def:-n/a}x" ">= 10x" "$(check "$r_def" ">=" 10)"
row "default packs: naive, its ${n_def_re:-?} regexes only" "$(fmt_int "$n_def_rx")/s" "" ""
row "default packs: keluh / naive regexes only" "${r_def_rx:-n/a}x" "" ""
row "default packs: load + compile" "${k_def_ms:-n/a} ms" "" ""
row "${k_gen_rules:-$BENCH_RULES} rules: keluh" "$(fmt_int "$k_gen")/s" "" ""
row "$BENCH_RULES rules: naive loop (${n_gen_re:-?} regexes, ${n_gen_n:-?} mentions)" "$(fmt_int "$n_gen")/s" "" ""
row "$BENCH_RULES rules: keluh / naive" "${r_gen:-n/a}x" ">= 10x" "$(check "$r_gen" ">=" 10)"
row "$BENCH_RULES rules: naive, every rule whole (${n_gen_wn:-?} mentions)" "$(fmt_int "$n_gen_w")/s" "" ""
row "$BENCH_RULES rules: keluh / naive whole rules" "${r_gen_w:-n/a}x" "" ""
row "$BENCH_RULES rules: load + compile (median of $BENCH_REPEAT)" "${comp:-n/a} ms" "< 250 ms" "$(check "$comp" "<" 250)"
row "one list of $(fmt_int "$BENCH_BIGLIST") keywords: load + compile" "${comp_big:-n/a} ms" "" ""
[ -f "$out/report.1.txt" ] &&
    row "report of 100,000 cases over 30 days: one pass + JSON" \
	"$(getkv "$out/report.1.txt" "" ms) ms" "" ""
awk '/^mode=html/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	printf "  %-54s %14s\n", "htmltext, \"<a\" repeated, " f["bytes"] / 1024 " KiB", f["ms"] " ms" }' \
    "$out/html.txt"
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

# Each set is measured with the packs of its domain: the English set is
# brands' customer service (core, the default), the Indonesian one city
# services (core and city).
echo "== complaint detection on labelled sets (en: packs core; id: packs core,city)"
if [ -d "$EVAL_DIR" ]; then
	for packs in core core,city; do
		"$PYTHON" "$top_srcdir/bench/eval.py" --packs "$packs" "$keluhctl" "$EVAL_DIR" \
		    >"$out/eval-$packs.txt" 2>&1 || failed=1
	done
	grep -v '^eval set=' "$out/eval-core.txt" | sed -n '/^== en_/,/^== /p' | sed '$d'
	grep -v '^eval set=' "$out/eval-core,city.txt" | sed -n '/^== id_/,$p'
	echo
	for lang in en id; do
		case $lang in en) target=80 evalout=$out/eval-core.txt ;; id) target=85 evalout=$out/eval-core,city.txt ;; esac
		f1=$(getkv "$evalout" "eval set=${lang}_" macro_f1)
		acc=$(getkv "$evalout" "eval set=${lang}_" accuracy)
		if [ -n "$f1" ]; then
			row "$lang: macro-F1 (accuracy $acc)" "$f1" ">= $target" "$(check "$f1" ">=" "$target")"
		fi
	done
	echo "  (python3 bench/eval.py --errors --packs core KELUHCTL lists the worst misses)"
	# keluhctl eval: the rules beside a model trained on the same labels,
	# 5-fold cross-validated, alone and added to the rules
	echo "  macro-F1 by keluhctl eval: rules / model (5-fold CV) / rules + model (5-fold CV)"
	for name in en_complaint_tweets id_bandung_tweets; do
		case $name in
		en_*) rargs="-r $top_srcdir/packs/core" ;;
		*) rargs="-r $top_srcdir/packs/core -r $top_srcdir/packs/city" ;;
		esac
		# shellcheck disable=SC2086
		"$keluhctl" eval $rargs --labels "$EVAL_DIR/$name.dev.mentions.ndjson" \
		    --gold "$EVAL_DIR/$name.dev.gold.csv" --json >"$out/keluhctl-eval-$name.json" \
		    2>"$out/keluhctl-eval-$name.err" || failed=1
		"$PYTHON" -c 'import json, sys
j = json.load(open(sys.argv[1]))
print("  %-22s %s" % (sys.argv[2], " / ".join("%.1f" % (100 * r["macro_f1"] + 1e-6) for r in j["results"])))' \
		    "$out/keluhctl-eval-$name.json" "$name" || failed=1
	done
else
	echo "  $EVAL_DIR not found: skipped"
fi
echo
fi # BENCH_DAEMON != only

# --- the daemon: HTTP ingest and alert latency -------------------------------
#
# A real keluhd on 127.0.0.1:0 (the port comes from its log line "http:
# port N") with the default packs and a fresh spool in a temporary
# directory, pinned to core 0; bench_ingest, pinned to core 1, is the load
# generator and, for the latency, the webhook sink (one process, one clock).

DPIDS=
dtmp=
daemon_cleanup() {
	for p in $DPIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $DPIDS; do
		wait "$p" 2>/dev/null
	done
	DPIDS=
	[ -n "$dtmp" ] && rm -rf "$dtmp"
	dtmp=
}
trap daemon_cleanup EXIT
trap 'daemon_cleanup; exit 1' INT TERM

# wait_grep SECONDS PATTERN FILE
wait_grep() {
	wg_n=0
	while ! grep -q "$2" "$3" 2>/dev/null; do
		wg_n=$((wg_n + 1))
		[ "$wg_n" -gt $(($1 * 20)) ] && return 1
		sleep 0.05
	done
}

# start_keluhd CONF LOG: sets KPID and KPORT
start_keluhd() {
	: >"$2"
	# shellcheck disable=SC2086
	$PIN "$keluhd" -c "$1" >/dev/null 2>>"$2" &
	KPID=$!
	DPIDS="$DPIDS $KPID"
	if ! wait_grep 30 'http: port ' "$2"; then
		echo "  ! keluhd did not start:"
		tail -n 5 "$2" | sed 's/^/  ! /'
		return 1
	fi
	KPORT=$(sed -n 's/.*http: port \([0-9]*\).*/\1/p' "$2" | tail -n 1)
}

# cpu_ms PID: the CPU time (user + system) the process has used so far, in ms
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%d\n", ($12 + $13) * 1000 / hz }' \
	    "/proc/$1/stat" 2>/dev/null || echo 0
}

# stop_keluhd NAME: records VmHWM (KB) in $out/NAME.rss, then stops keluhd
stop_keluhd() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$KPID/status" >"$out/$1.rss" 2>/dev/null
	[ -s "$out/$1.rss" ] || rm -f "$out/$1.rss"
	kill -TERM "$KPID" 2>/dev/null
	wait "$KPID" 2>/dev/null
	DPIDS=$(echo "$DPIDS" | sed "s/ $KPID\$//; s/ $KPID / /")
}

if [ "$BENCH_DAEMON" != 0 ]; then
	# inputs: NDJSON mentions, and the same split by the verdict of the
	# default packs into critical ones (the latency probes) and the rest
	# (the background); the split follows the rules as they are now
	if [ ! -s "$ndjson" ] || newer "$top_srcdir/bench/gen_corpus.py" "$ndjson"; then
		echo "bench: generating $BENCH_INGEST_N NDJSON mentions into $ndjson"
		if ! "$PYTHON" "$top_srcdir/bench/gen_corpus.py" --n "$BENCH_INGEST_N" --ndjson \
		    --out "$ndjson.tmp"; then
			rm -f "$ndjson.tmp"
			die "gen_corpus.py --ndjson failed"
		fi
		mv "$ndjson.tmp" "$ndjson" || die "cannot write $ndjson"
	fi
	crit=${ndjson%.ndjson}.critical.ndjson
	bgm=${ndjson%.ndjson}.background.ndjson
	if [ ! -s "$crit" ] || [ ! -f "$bgm" ] || newer "$ndjson" "$crit" ||
	    [ -n "$(find "$default_rules" -newer "$crit" 2>/dev/null | head -n 1)" ]; then
		echo "bench: splitting $ndjson by priority (keluhctl test --json)"
		"$keluhctl" test -r "$default_rules" --json "$ndjson" >"$out/verdicts.tmp" 2>/dev/null
		"$PYTHON" - "$ndjson" "$out/verdicts.tmp" "$crit.tmp" "$bgm.tmp" <<'PY' ||
import json, sys
src, ver, crit, bg = sys.argv[1:5]
n = [0, 0]
with open(src, encoding="utf-8") as fs, open(ver, encoding="utf-8") as fv, \
     open(crit, "w", encoding="utf-8") as fc, open(bg, "w", encoding="utf-8") as fb:
    for line, v in zip(fs, fv):
        m, v = json.loads(line), json.loads(v)
        if m["id"] != v["id"]:
            sys.exit("verdicts out of step at %s" % m["id"])
        c = v["priority"] == "critical"
        (fc if c else fb).write(line)
        n[c] += 1
if n[1] == 0:
    sys.exit("no mention of the corpus is critical with these rules")
print("bench: %d critical, %d other" % (n[1], n[0]))
PY
		    die "cannot split $ndjson"
		mv "$crit.tmp" "$crit" && mv "$bgm.tmp" "$bgm" || die "cannot write $crit"
		rm -f "$out/verdicts.tmp"
	fi

	mkdir -p "$BENCH_SPOOL_DIR" 2>/dev/null
	dtmp=$(mktemp -d "$BENCH_SPOOL_DIR/keluh-bench.XXXXXX") || die "cannot create a directory in $BENCH_SPOOL_DIR"
	where_k="any core"
	where_l="any core"
	[ -n "$PIN" ] && where_k="core 0"
	[ -n "$PIN_LOAD" ] && where_l="core 1"
	echo "== daemon: keluhd on $where_k, load generator on $where_l; spool in $dtmp ($(stat -f -c %T "$dtmp" 2>/dev/null))"

	# 1. ingest rate: no receivers, no sources; the default grouping
	best=
	bestr=
	rates=
	i=1
	while [ "$i" -le "$BENCH_DAEMON_RUNS" ]; do
		name=daemon-ingest.$i
		rm -f "$dtmp"/ingest.db*
		cat >"$dtmp/ingest.yaml" <<Y
rules: $default_rules
http:
  listen: 127.0.0.1:0
spool:
  path: $dtmp/ingest.db
# the corpus is replayed (with fresh ids) past its end: its texts repeat,
# and copies would skip the spool
duplicates:
  same_text: 0
Y
		if ! start_keluhd "$dtmp/ingest.yaml" "$out/$name.log"; then
			failed=1
			break
		fi
		[ $i -eq 1 ] && echo "\$ bench_ingest ingest --port $KPORT $(basename "$ndjson") --batch $BENCH_INGEST_BATCH --conns $BENCH_INGEST_CONNS --count $BENCH_INGEST_COUNT --seconds $BENCH_INGEST_SECONDS"
		perfpid=
		if [ $i -eq 1 ] && [ -n "${BENCH_PERF:-}" ] && [ "${BENCH_PERF}" != 0 ] && command -v perf >/dev/null 2>&1; then
			perf record -q -F 499 --call-graph dwarf,16384 -o "$out/daemon-ingest.perf.data" \
			    -p "$KPID" -- sleep "$BENCH_INGEST_SECONDS" >/dev/null 2>&1 &
			perfpid=$!
		fi
		# shellcheck disable=SC2086
		$PIN_LOAD "$bench_ingest" ingest --port "$KPORT" "$ndjson" --batch "$BENCH_INGEST_BATCH" \
		    --conns "$BENCH_INGEST_CONNS" --count "$BENCH_INGEST_COUNT" \
		    --seconds "$BENCH_INGEST_SECONDS" >"$out/$name.txt" 2>"$out/$name.err"
		rc=$?
		[ -n "$perfpid" ] && wait "$perfpid"
		stop_keluhd "$name"
		if [ $rc -ne 0 ]; then
			failed=1
			echo "  (failed)"
			tail -n 5 "$out/$name.err" | sed 's/^/  ! /'
			tail -n 3 "$out/$name.log" | sed 's/^/  ! /'
			best=$i
			break
		fi
		r=$(getkv "$out/$name.txt" mode= mentions_per_s)
		rates="$rates ${r:-?}"
		if [ -z "$best" ] || awk -v a="${r:-0}" -v b="${bestr:-0}" 'BEGIN { exit !(a > b) }'; then
			best=$i
			bestr=$r
		fi
		i=$((i + 1))
	done
	for ext in txt err rss log; do
		rm -f "$out/daemon-ingest.$ext"
		[ -n "$best" ] && [ -f "$out/daemon-ingest.$best.$ext" ] &&
		    cp "$out/daemon-ingest.$best.$ext" "$out/daemon-ingest.$ext"
	done
	[ -f "$out/daemon-ingest.txt" ] && tail -n 1 "$out/daemon-ingest.txt" | fold -w 150 | sed 's/^/  /'
	[ "$BENCH_DAEMON_RUNS" -gt 1 ] && [ -n "$rates" ] && echo "  (runs:$rates mentions/s; the fastest kept)"
	if [ -f "$out/daemon-ingest.log" ]; then
		nb=$(grep -c 'bound hit' "$out/daemon-ingest.log")
		[ "$nb" -gt 0 ] && echo "  ! keluhd: $(grep 'bound hit' "$out/daemon-ingest.log" | tail -n 1 | sed 's/^keluhd: //')"
	fi
	if [ -f "$out/daemon-ingest.perf.data" ] && [ -n "${BENCH_PERF:-}" ]; then
		perf report -i "$out/daemon-ingest.perf.data" --children --stdio -g none \
		    --percent-limit 2 2>/dev/null | grep -E '^ +[0-9]' |
		    grep -v '\[unknown\]\|0x0000\|libc_start\|_start$\| run$\|event_base_loop' \
		    >"$out/daemon-ingest.perf.txt"
		echo "  perf (keluhd, first run; % of its samples, with callees):"
		head -n 25 "$out/daemon-ingest.perf.txt" |
		    sed -E 's/^ +([0-9.]+%) +[0-9.]+% +[^ ]+ +[^ ]+ +\[.\] +/    \1  /'
	fi
	echo

	# 1b. the same corpus through one SSE source: bench_ingest serves the
	# stream and counts what keluhd took (keluh_mentions_total)
	rm -f "$dtmp"/sse.db* "$dtmp/sse.port" "$dtmp/keluhd.port"
	echo "\$ bench_ingest sse $(basename "$ndjson") --count $BENCH_SSE_COUNT"
	$PIN_LOAD "$bench_ingest" sse --port-file "$dtmp/sse.port" --keluhd-port-file "$dtmp/keluhd.port" \
	    "$ndjson" --count "$BENCH_SSE_COUNT" --seconds 120 >"$out/daemon-sse.txt" 2>"$out/daemon-sse.err" &
	with_peer daemon-sse $! "$dtmp/sse.port" sse_conf
	echo

	# 1c. signed Meta webhooks (WhatsApp messages, X-Hub-Signature-256
	# checked) beside unsigned POST /v1/mentions of the same batches, in
	# one keluhd: the unsigned run first, so the spool has grown for the
	# signed one
	rm -f "$dtmp"/meta.db*
	echo bench-verify-token >"$dtmp/meta-verify.token"
	echo bench-app-secret >"$dtmp/meta-app.secret"
	cat >"$dtmp/meta.yaml" <<Y
rules: $default_rules
http:
  listen: 127.0.0.1:0
spool:
  path: $dtmp/meta.db
duplicates:
  same_text: 0
sources:
  - name: meta-bench
    type: meta
    verify_token_file: $dtmp/meta-verify.token
    app_secret_file: $dtmp/meta-app.secret
Y
	if start_keluhd "$dtmp/meta.yaml" "$out/daemon-meta.log"; then
		echo "\$ bench_ingest ingest --port $KPORT $(basename "$ndjson") --batch $BENCH_META_BATCH --conns $BENCH_INGEST_CONNS --count $BENCH_META_COUNT --seconds $BENCH_INGEST_SECONDS"
		echo "\$ bench_ingest meta --port $KPORT --path /v1/hooks/meta-bench --secret bench-app-secret $(basename "$ndjson") (the same)"
		# keluhd's own CPU time per run as well: on two cores the client's
		# work (a bigger body, its HMAC) takes from keluhd's wall-clock rate
		c0=$(cpu_ms "$KPID")
		# shellcheck disable=SC2086
		$PIN_LOAD "$bench_ingest" ingest --port "$KPORT" "$ndjson" --batch "$BENCH_META_BATCH" \
		    --conns "$BENCH_INGEST_CONNS" --count "$BENCH_META_COUNT" \
		    --seconds "$BENCH_INGEST_SECONDS" >"$out/daemon-meta-plain.txt" 2>"$out/daemon-meta-plain.err" ||
		    failed=1
		c1=$(cpu_ms "$KPID")
		# shellcheck disable=SC2086
		$PIN_LOAD "$bench_ingest" meta --port "$KPORT" --path /v1/hooks/meta-bench \
		    --secret bench-app-secret "$ndjson" --batch "$BENCH_META_BATCH" \
		    --conns "$BENCH_INGEST_CONNS" --count "$BENCH_META_COUNT" \
		    --seconds "$BENCH_INGEST_SECONDS" >"$out/daemon-meta.txt" 2>"$out/daemon-meta.err" ||
		    failed=1
		c2=$(cpu_ms "$KPID")
		echo "plain_cpu_ms=$((c1 - c0)) meta_cpu_ms=$((c2 - c1))" >"$out/daemon-meta-cpu.txt"
		stop_keluhd daemon-meta
		for f in daemon-meta-plain daemon-meta; do
			tail -n 1 "$out/$f.txt" | fold -w 150 | sed 's/^/  /'
			[ -s "$out/$f.err" ] && tail -n 3 "$out/$f.err" | sed 's/^/  ! /'
		done
	else
		failed=1
	fi
	echo

	# 2. alert latency: one critical mention at a time, unique ids, grouped
	# by mention and sent at once to a webhook receiver (the sink in
	# bench_ingest); non-critical mentions in the background
	rm -f "$dtmp"/alert.db* "$dtmp/sink.port" "$dtmp/keluhd.port"
	bgargs=
	[ "$BENCH_ALERT_BG_RATE" -gt 0 ] && bgargs="--bg $bgm --bg-rate $BENCH_ALERT_BG_RATE --bg-batch $BENCH_INGEST_BATCH"
	echo "\$ bench_ingest alert $(basename "$crit") --count $BENCH_ALERT_COUNT --rate $BENCH_ALERT_RATE${bgargs:+ }$(echo "$bgargs" | sed "s|$out/||g")"
	# shellcheck disable=SC2086
	$PIN_LOAD "$bench_ingest" alert --sink-port-file "$dtmp/sink.port" --port-file "$dtmp/keluhd.port" \
	    "$crit" --count "$BENCH_ALERT_COUNT" --rate "$BENCH_ALERT_RATE" $bgargs \
	    >"$out/daemon-alert.txt" 2>"$out/daemon-alert.err" &
	with_peer daemon-alert $! "$dtmp/sink.port" alert_conf
	echo

	# 3. a button press: a signed Slack ack on a case's first post, timed to
	# the chat.update that shows it, with the same background load
	rm -f "$dtmp/sink.port" "$dtmp/keluhd.port"
	echo "\$ bench_ingest action $(basename "$crit") --count $BENCH_ACTION_COUNT${bgargs:+ }$(echo "$bgargs" | sed "s|$out/||g")"
	# shellcheck disable=SC2086
	$PIN_LOAD "$bench_ingest" action --sink-port-file "$dtmp/sink.port" --port-file "$dtmp/keluhd.port" \
	    --secret bench-signing-secret "$crit" --count "$BENCH_ACTION_COUNT" $bgargs \
	    >"$out/daemon-action.txt" 2>"$out/daemon-action.err" &
	with_peer daemon-action $! "$dtmp/sink.port" action_conf
	echo

	# 4. the loop's longest stall: requests of long mentions made to be
	# slow for the packs' regexes, while another process polls /healthz
	echo "\$ stall.py --mentions $BENCH_STALL_MENTIONS --bytes $BENCH_STALL_BYTES"
	$PYTHON "$top_srcdir/bench/stall.py" --keluhd "$keluhd" --rules "$default_rules" \
	    --mentions "$BENCH_STALL_MENTIONS" --bytes "$BENCH_STALL_BYTES" \
	    --log "$out/daemon-stall.log" >"$out/daemon-stall.txt" 2>"$out/daemon-stall.err" || {
		failed=1
		tail -n 5 "$out/daemon-stall.err" | sed 's/^/  ! /'
	}
	tail -n 1 "$out/daemon-stall.txt" | sed 's/^/  /'
	echo
	daemon_cleanup

	d_rate=$(getkv "$out/daemon-ingest.txt" mode= mentions_per_s)
	d_p50=$(getkv "$out/daemon-ingest.txt" mode= req_p50_ms)
	d_p99=$(getkv "$out/daemon-ingest.txt" mode= req_p99_ms)
	a_p50=$(getkv "$out/daemon-alert.txt" mode= lat_p50_ms)
	a_p99=$(getkv "$out/daemon-alert.txt" mode= lat_p99_ms)
	a_max=$(getkv "$out/daemon-alert.txt" mode= lat_max_ms)
	a_got=$(getkv "$out/daemon-alert.txt" mode= received)
	a_bg=$(getkv "$out/daemon-alert.txt" mode= bg_per_s)
	echo "== daemon figures (keluhd on one core; targets beside)"
	row "HTTP ingest: $BENCH_INGEST_CONNS conns x $BENCH_INGEST_BATCH mentions/POST" "$(fmt_int "$d_rate")/s" ">= 150,000/s" "$(check "$d_rate" ">=" 150000)"
	row "HTTP ingest: request latency p50 / p99" "${d_p50:-n/a} / ${d_p99:-n/a} ms" "" ""
	s_rate=$(getkv "$out/daemon-sse.txt" mode= mentions_per_s)
	s_ratio=$(awk -v a="${s_rate:-0}" -v b="${d_rate:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
	row "SSE source: one stream of $(fmt_int "$BENCH_SSE_COUNT") events" "$(fmt_int "$s_rate")/s" "" ""
	row "  SSE / HTTP ingest, same run" "${s_ratio:-n/a}x" "" ""
	m_plain=$(getkv "$out/daemon-meta-plain.txt" mode= mentions_per_s)
	m_rate=$(getkv "$out/daemon-meta.txt" mode= mentions_per_s)
	m_ratio=$(awk -v a="${m_rate:-0}" -v b="${m_plain:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
	row "POST /v1/mentions, $BENCH_META_BATCH mentions/POST (unsigned)" "$(fmt_int "$m_plain")/s" "" ""
	row "Meta webhooks, $BENCH_META_BATCH WhatsApp messages each, signed" "$(fmt_int "$m_rate")/s" "" ""
	row "  signed Meta / unsigned POST, same keluhd" "${m_ratio:-n/a}x" ">= 0.8x" "$(check "$m_ratio" ">=" 0.8)"
	m_pm=$(getkv "$out/daemon-meta-plain.txt" mode= mentions)
	m_mm=$(getkv "$out/daemon-meta.txt" mode= mentions)
	m_pc=$(getkv "$out/daemon-meta-cpu.txt" plain_cpu_ms= plain_cpu_ms)
	m_mc=$(getkv "$out/daemon-meta-cpu.txt" plain_cpu_ms= meta_cpu_ms)
	m_cratio=$(awk -v pm="${m_pm:-0}" -v mm="${m_mm:-0}" -v pc="${m_pc:-0}" -v mc="${m_mc:-0}" \
	    'BEGIN { if (pm > 0 && mm > 0 && pc > 0 && mc > 0) printf "%.2f", (mm / mc) / (pm / pc) }')
	row "  the same, mentions per keluhd CPU second" "${m_cratio:-n/a}x" ">= 0.8x" "$(check "$m_cratio" ">=" 0.8)"
	row "alert latency 202 -> webhook: p50" "${a_p50:-n/a} ms" "" ""
	row "alert latency 202 -> webhook: p99" "${a_p99:-n/a} ms" "< 10 ms" "$(check "$a_p99" "<" 10)"
	row "alert latency 202 -> webhook: max" "${a_max:-n/a} ms" "" ""
	row "  alerts received / sent" "${a_got:-0} / $BENCH_ALERT_COUNT" "all" "$([ "${a_got:-0}" = "$BENCH_ALERT_COUNT" ] && echo ok || echo MISS)"
	[ "$BENCH_ALERT_BG_RATE" -gt 0 ] &&
	    row "  background during it (asked $(fmt_int "$BENCH_ALERT_BG_RATE")/s)" "$(fmt_int "$a_bg")/s" "" ""
	x_p50=$(getkv "$out/daemon-action.txt" mode= rt_p50_ms)
	x_p99=$(getkv "$out/daemon-action.txt" mode= rt_p99_ms)
	x_done=$(getkv "$out/daemon-action.txt" mode= done)
	x_bg=$(getkv "$out/daemon-action.txt" mode= bg_per_s)
	row "button press: signed Slack ack -> chat.update, p50" "${x_p50:-n/a} ms" "" ""
	row "button press: signed Slack ack -> chat.update, p99" "${x_p99:-n/a} ms" "< 50 ms" "$(check "$x_p99" "<" 50)"
	row "  presses done / asked" "${x_done:-0} / $BENCH_ACTION_COUNT" "all" "$([ "${x_done:-0}" = "$BENCH_ACTION_COUNT" ] && echo ok || echo MISS)"
	[ "$BENCH_ALERT_BG_RATE" -gt 0 ] &&
	    row "  background during it (asked $(fmt_int "$BENCH_ALERT_BG_RATE")/s)" "$(fmt_int "$x_bg")/s" "" ""
	st_max=$(getkv "$out/daemon-stall.txt" mode= healthz_max_ms)
	st_post=$(getkv "$out/daemon-stall.txt" mode= post_max_ms)
	row "loop stall: /healthz max during $BENCH_STALL_MENTIONS x $(fmt_int "$BENCH_STALL_BYTES") B worst-case POSTs" "${st_max:-n/a} ms" "< 30,000 ms (WatchdogSec)" "$(check "$st_max" "<" 30000)"
	row "  the slowest of those POSTs" "${st_post:-n/a} ms" "" ""
	for name in daemon-ingest daemon-sse daemon-meta daemon-alert daemon-action; do
		v=$(rss "$name")
		row "keluhd peak RSS (VmHWM), $name" "${v:-n/a} KB" "" ""
	done
	echo
fi
if [ "$BENCH_DAEMON" != 0 ]; then
	echo "\$ bench/bluesky.sh"
	top_builddir=$top_builddir top_srcdir=$top_srcdir PYTHON=$PYTHON sh "$here/bluesky.sh" ||
	    failed=1
	echo
fi
echo "raw output: $out/*.txt"
exit $failed
