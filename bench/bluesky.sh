#!/bin/sh
# bench/bluesky.sh: the bluesky source at full speed (make bench runs it
# from run.sh). tests/fake_jetstream.py --bench serves BENCH_BSKY_COUNT
# pre-encoded Jetstream post frames (a recorded shape, one in ten a
# complaint) as fast as the socket takes them; keluhd reads them through
# its bluesky source (the WebSocket thread, the queue, the event reader)
# and classifies each with the default pack (packs/core), as it would the
# real firehose. Prints the posts taken per second, counted from
# keluh_source_events_total in /metrics between the first and the last,
# and keluhd's CPU time over that span (user + system, per core), and the
# posts per CPU second that gives (what one core of keluhd can take, even
# on a machine busy with other work).
# Target: 20,000 posts/s (Bluesky's whole firehose is far below it).
# Knobs: BENCH_BSKY_COUNT (200000), BENCH_SPOOL_DIR (${TMPDIR:-/tmp}),
# PYTHON. Figures only: nothing fails on a missed target.
set -u
top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
N=${BENCH_BSKY_COUNT:-200000}
PY=${PYTHON:-python3}
D=$(mktemp -d "${BENCH_SPOOL_DIR:-${TMPDIR:-/tmp}}/keluh-bench-bsky.XXXXXX") || exit 1
trap 'for p in ${KPID:-} ${JPID:-}; do kill -TERM "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$D"' EXIT

"$PY" "$top_srcdir/tests/fake_jetstream.py" --port-file "$D/js.port" --log "$D/js.log" \
    --bench "$N" &
JPID=$!
i=0
while [ ! -s "$D/js.port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
mkdir -p "$D/rules.d"
cp "$top_srcdir"/packs/core/*.yaml "$D/rules.d/"
cat >"$D/c.yaml" <<Y
rules: $D/rules.d
http: {listen: 127.0.0.1:0}
spool: {path: $D/spool.db}
receivers: [{name: console, type: console}]
routes: [{receivers: [console]}]
sources:
  - name: bsky
    type: bluesky
    url: ws://127.0.0.1:$(cat "$D/js.port")/subscribe
Y
"$top_builddir/keluhd" -c "$D/c.yaml" >/dev/null 2>"$D/k.log" &
KPID=$!
i=0
while ! grep -q 'http: port ' "$D/k.log" && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
URL=http://127.0.0.1:$(sed -n 's/.*http: port \([0-9]*\).*/\1/p' "$D/k.log" | tail -n 1)

taken() {
	curl -s "$URL/metrics" | awk '/^keluh_source_events_total\{source="bsky"\}/ { print $NF; f = 1 }
	    END { if (!f) print 0 }'
}
# user + system ticks of keluhd
cpu() { awk '{ print $14 + $15 }' "/proc/$KPID/stat"; }
now() { date +%s.%N; }

# from the first post taken to the last (or 120 s)
i=0
while [ "$(taken)" = 0 ] && [ $i -lt 1200 ]; do sleep 0.02; i=$((i + 1)); done
c0=$(taken) t0=$(now) u0=$(cpu)
end=$(($(date +%s) + 120))
while [ "$(taken)" -lt "$N" ] && [ "$(date +%s)" -lt "$end" ]; do sleep 0.05; done
c1=$(taken) t1=$(now) u1=$(cpu)
hz=$(getconf CLK_TCK)
awk -v n="$((c1 - c0))" -v t0="$t0" -v t1="$t1" -v u="$((u1 - u0))" -v hz="$hz" -v all="$c1" \
    -v want="$N" 'BEGIN {
	s = t1 - t0; if (s <= 0) s = 0.001
	r = n / s
	printf "Bluesky source (Jetstream over a WebSocket, packs/core rules), %d posts\n", want
	printf "  %-44s %12s  %-14s %s\n", "posts taken / sent", all " / " want, "all", (all == want ? "ok" : "MISS")
	printf "  %-44s %10.0f/s  %-14s %s\n", "posts/s taken (keluh_source_events_total)", r, ">= 20,000/s", (r >= 20000 ? "ok" : "MISS")
	printf "  %-44s %10.0f %%  (of one core, over %.2f s)\n", "keluhd CPU (user + system)", 100 * u / hz / s, s
	# on a loaded machine the wall-clock rate shows the others; this shows keluhd
	if (u > 0)
		printf "  %-44s %10.0f/s  %-14s %s\n", "posts per CPU second of keluhd", n / (u / hz), ">= 20,000/s", (n / (u / hz) >= 20000 ? "ok" : "MISS")
}'
mentions=$(curl -s "$URL/metrics" | awk '/^keluh_mentions_total\{source="bsky"\}/ { print $NF }')
echo "  mentions classified: ${mentions:-0}; bound hits: $(curl -s "$URL/metrics" | grep -c 'bound="ws_queue"')"
