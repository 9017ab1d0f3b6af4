#!/bin/sh
# bench/cases.sh: keluhd with many open cases (make bench runs it after
# run.sh). Fills a spool made by keluhd with BENCH_CASES open cases (and a
# fifth as many resolved ones), then prints:
#   - keluhd's RSS at rest with them;
#   - the time of keluhctl cases --open (the newest 100) and of listing
#     every open case (keluhctl cases --open -n N), against the target of
#     1 s;
#   - keluhd's RSS after that listing (target: under 128 MB);
#   - the time of keluhctl report --since 30d over every case (they are
#     opened over the last 30 days, a third acknowledged, a sixth
#     resolved, 7 teams, every priority, 40 topics; SLA targets with
#     business hours), read-only while keluhd runs (target: under 1 s).
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
business_hours: {timezone: Asia/Jakarta, days: mon-fri, hours: 08:00-17:00}
sla:
  critical: {ack: 15m, resolve: 4h}
  high: {ack: 1h, first_reply: 2h, resolve: 1d}
  normal: {ack: 4h, first_reply: 4h, resolve: 3d}
  low: {ack: 1d, resolve: 5d}
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
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
n = int(sys.argv[2])
total = n + n // 5
span = 30 * 86400 * 1000 - 60000
start = int(time.time() * 1000) - span
def row(i):
    at = start + span * i // total
    state = "resolved" if i % 6 == 5 else "acknowledged" if i % 3 == 1 else "open"
    acked = at + 60000 * (1 + i % 240) if state != "open" else None
    replied = at + 30000 * (1 + i % 97) if i % 2 == 0 else None
    resolved = acked + 3600000 * (1 + i % 50) if state == "resolved" else None
    return (f"rule=r{i}|team=t{i % 7}", state, 1 + i % 4, f"t{i % 7}", at, acked, replied,
            resolved, f"r{i % 40}")
db.executemany("INSERT INTO cases (group_key, state, priority, team, opened_ms, acked_ms, "
               "first_reply_ms, resolved_ms, topic, total) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)", (row(i) for i in range(total)))
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
t3=$(date +%s.%N)
"$top_builddir/keluhctl" report --since 30d -c "$D/c.yaml" --json >"$D/report.json"
t4=$(date +%s.%N)
echo "  keluhctl report --since 30d ($("$PY" -c 'import json,sys; print(sum(g["opened"] for g in json.load(open(sys.argv[1]))["groups"]))' "$D/report.json") cases): $(awk "BEGIN { printf \"%.3f\", $t4 - $t3 }") s (target < 1 s)"
