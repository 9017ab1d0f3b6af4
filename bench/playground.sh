#!/bin/sh
# bench/playground.sh: the console playground's verdict round trip while
# keluhd ingests (make bench runs it after run.sh). keluhd runs the
# default pack with the console on its HTTP listener; bench_ingest sends
# background batches to POST /v1/mentions at BENCH_PG_BG_RATE mentions/s
# and, over one keep-alive connection of its own, BENCH_PG_COUNT texts of
# the corpus one at a time to POST /v1/playground (bearer token) at
# BENCH_PG_RATE a second, then prints the round trip's p50/p99/max and
# the ingest rate reached, against the target: p99 under 20 ms at 10,000
# mentions/s. It runs twice: with the live rules, and with a draft rule
# file in every request (the same draft: compiled once, then cached).
# Knobs: BENCH_PG_COUNT (3000), BENCH_PG_RATE (100), BENCH_PG_BG_RATE
# (10000), BENCH_PG_N (corpus mentions, 100000), BENCH_SPOOL_DIR
# (${TMPDIR:-/tmp}), PYTHON. Figures only: nothing fails on a missed target.
set -u
top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
COUNT=${BENCH_PG_COUNT:-3000}
RATE=${BENCH_PG_RATE:-100}
BG_RATE=${BENCH_PG_BG_RATE:-10000}
N=${BENCH_PG_N:-100000}
PY=${PYTHON:-python3}
D=$(mktemp -d "${BENCH_SPOOL_DIR:-${TMPDIR:-/tmp}}/keluh-bench-pg.XXXXXX") || exit 1
trap '[ -n "${KPID:-}" ] && kill -TERM "$KPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$D"' EXIT
mkdir -p "$D/rules.d"
cp "$top_srcdir"/packs/core/*.yaml "$D/rules.d/"
"$PY" "$top_srcdir/bench/gen_corpus.py" --n "$N" --ndjson --out "$D/corpus.ndjson" || exit 1
"$PY" - "$D/corpus.ndjson" "$D/texts.txt" <<'PY' || exit 1
import json, sys
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as o:
    for i, line in enumerate(f):
        if i >= 5000:
            break
        t = json.loads(line)["text"].replace("\n", " ").replace("\r", " ")
        if t:
            o.write(t + "\n")
PY
cat >"$D/draft.yaml" <<'Y'
rules:
  - id: draft.refund
    team: billing
    score: 30
    when: {keywords: [refund, dana belum kembali, uang belum masuk]}
  - id: draft.app
    score: 20
    when: {regex: '\b(apl?ikasi|app)\s+(error|crash|force close)\b'}
tests:
  - {text: refund belum masuk, rules: [draft.refund]}
Y
echo bench-playground-token >"$D/ui.token"
mkdir -p "$D/ui"
echo '<!doctype html><title>keluh</title>' >"$D/ui/index.html"
cat >"$D/c.yaml" <<Y
rules: $D/rules.d
http: {listen: 127.0.0.1:0}
spool: {path: $D/spool.db}
ui: {enabled: true, listen: http, token_file: $D/ui.token, root: $D/ui}
receivers: [{name: nul, type: console}]
routes: [{match: {priority: critical}, receivers: [nul]}]
Y
"$top_builddir/keluhd" -c "$D/c.yaml" >/dev/null 2>"$D/k.log" &
KPID=$!
i=0
until grep -q 'http: port ' "$D/k.log"; do
	i=$((i + 1))
	[ $i -gt 600 ] && { echo "keluhd did not start"; cat "$D/k.log"; exit 1; }
	sleep 0.05
done
PORT=$(sed -n 's/.*http: port \([0-9]*\).*/\1/p' "$D/k.log" | tail -n 1)
echo "playground round trip while ingesting (target: p99 under 20 ms at 10,000 mentions/s)"
for mode in live draft; do
	extra=
	[ "$mode" = draft ] && extra="--draft $D/draft.yaml"
	echo "\$ bench_ingest playground texts.txt --count $COUNT --rate $RATE${extra:+ --draft draft.yaml} --bg corpus.ndjson --bg-rate $BG_RATE"
	# shellcheck disable=SC2086
	"$top_builddir/bench/bench_ingest" playground --port "$PORT" --token bench-playground-token \
	    "$D/texts.txt" --count "$COUNT" --rate "$RATE" $extra \
	    --bg "$D/corpus.ndjson" --bg-rate "$BG_RATE" --bg-batch 1000 >"$D/$mode.txt" 2>"$D/$mode.err"
	sed 's/^/  /' "$D/$mode.txt"
	[ -s "$D/$mode.err" ] && tail -n 3 "$D/$mode.err" | sed 's/^/  ! /'
	awk -v m="$mode" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
	    END { printf "  %s: p99 %.2f ms (target 20) at %d mentions/s posted (target 10000; " \
	    "%d/s accepted, the rest duplicates of the corpus)\n",
	    m, v["rt_p99_ms"], v["bg_posted_per_s"], v["bg_per_s"] }' "$D/$mode.txt"
done
kill -TERM "$KPID"
wait "$KPID"
KPID=
