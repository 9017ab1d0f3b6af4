#!/bin/sh
# bench/cases.sh: keluhd with many open cases (make bench runs it after
# run.sh). Fills a spool made by keluhd with BENCH_CASES open cases (and a
# fifth as many resolved ones), then prints:
#   - keluhd's RSS at rest with them;
#   - the time of keluhctl cases --open (the newest 100) and of listing
#     every open case (keluhctl cases --open -n N), against the target of
#     1 s;
#   - keluhd's RSS after that listing (target: under 128 MB).
# Knobs: BENCH_CASES (100000), BENCH_SPOOL_DIR (${TMPDIR:-/tmp}), PYTHON.
# Figures only: nothing fails on a missed target.
set -u
top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
N=${BENCH_CASES:-100000}
PY=${PYTHON:-python3}
D=$(mktemp -d "${BENCH_SPOOL_DIR:-${TMPDIR:-/tmp}}/keluh-bench-cases.XXXXXX") || exit 1
trap '[ -n "${KPID:-}" ] && kill -TERM "$KPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$D"' EXIT
mkdir -p "$D/rules.d"
cp "$top_srcdir"/packs/core/*.yaml "$D/rules.d/"
cat >"$D/c.yaml" <<Y
rules: $D/rules.d
spool: {path: $D/spool.db}
admin: {socket: $D/adm.sock}
receivers: [{name: console, type: console}]
routes: [{receivers: [console]}]
Y
start() {
	"$top_builddir/keluhd" -c "$D/c.yaml" >/dev/null 2>"$D/k.log" &
	KPID=$!
	i=0
	until [ -S "$D/adm.sock" ] && "$top_builddir/keluhctl" status --socket "$D/adm.sock" \
		>/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 600 ] && { echo "keluhd did not start"; cat "$D/k.log"; exit 1; }
		sleep 0.05
	done
}
rss() { awk '/^VmRSS/ { print $2 / 1024 " MB" }' "/proc/$KPID/status"; }
start
kill -TERM "$KPID"
wait "$KPID"
"$PY" - "$D/spool.db" "$N" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = int(sys.argv[2])
rows = ((f"rule=r{i}|team=t{i % 7}", "resolved" if i % 6 == 5 else "open", f"t{i % 7}",
         1700000000000 + i) for i in range(n + n // 5))
db.executemany("INSERT INTO cases (group_key, state, priority, team, opened_ms, total) "
               "VALUES (?, ?, 2, ?, ?, 1)", rows)
db.commit()
PY
start
echo "cases: $N open cases in the spool"
echo "  keluhd RSS at rest: $(rss)"
t0=$(date +%s.%N)
"$top_builddir/keluhctl" cases --open --socket "$D/adm.sock" >/dev/null
t1=$(date +%s.%N)
"$top_builddir/keluhctl" cases --open -n "$N" --socket "$D/adm.sock" >"$D/list.out"
t2=$(date +%s.%N)
echo "  keluhctl cases --open (newest 100): $(awk "BEGIN { printf \"%.3f\", $t1 - $t0 }") s (target < 1 s)"
echo "  keluhctl cases --open -n $N ($(($(wc -l <"$D/list.out") - 1)) rows): $(awk "BEGIN { printf \"%.3f\", $t2 - $t1 }") s (target < 1 s)"
echo "  keluhd RSS after listing them: $(rss) (target < 128 MB)"
