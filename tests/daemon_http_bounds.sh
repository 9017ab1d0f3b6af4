#!/bin/sh
# Hostile HTTP clients against the real keluhd: one address cannot take
# every connection, slow heads are cut short while the server is busy,
# /healthz and the admin socket keep answering through it all, and
# client-chosen mention sources cannot fill the metrics table.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

# from ADDR PATH: GET PATH from a client address of 127.0.0.0/8
from() {
	curl -s -m 4 --interface "$1" "$URL$2"
}
# metric_from ADDR SERIES: its value (0 when absent)
metric_from() {
	from "$1" /metrics | awk -v s="$2" '$1 == s { print $2; f = 1 } END { if (!f) print 0 }'
}
# probe ADDR: of 10 /healthz requests from ADDR, how many got 200
probe() {
	n=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		c=$(curl -s -o /dev/null -m 4 --interface "$1" -w '%{http_code}' "$URL/healthz")
		[ "$c" = 200 ] && n=$((n + 1))
	done
	echo "$n"
}
json() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

printf 'rules: %s\nhttp:\n  listen: 127.0.0.1:0\n  max_connections_per_client: 0\nspool:\n  path: %s\n' \
	"$top_srcdir/packs/core" "$TMPD/bad.db" >"$TMPD/bad.yaml"
"$KELUHD" --check -c "$TMPD/bad.yaml" >"$TMPD/bad.out" 2>&1
is "max_connections_per_client: 0 is refused" "$?" 1
contains "with the place and the range" "$TMPD/bad.out" \
	"bad.yaml:4:31: error: max_connections_per_client must be between 1 and 100000, not 0"

SOCK=$TMPD/admin.sock
cat >"$TMPD/conn.yaml" <<Y
rules: $top_srcdir/packs/core
http:
  listen: 127.0.0.1:0
  max_connections: 40
  max_connections_per_client: 10
spool:
  path: $TMPD/conn.db
admin:
  socket: $SOCK
Y
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 400 ]; then
	for t in "one address" "many addresses"; do
		ok "slow clients from $t # SKIP needs 400 file descriptors, ulimit -n is $(ulimit -n)"
	done
else
	start_keluhd "$TMPD/conn.yaml" "$TMPD/keluhd-conn.log"
	is "keluhd starts with max_connections_per_client" "$?" 0

	# 300 slow connections from one address: 10 are taken, 290 refused
	python3 "$top_srcdir/tests/slow_clients.py" --port "$KPORT" --from 127.0.0.1 --count 300 \
		--duration 30 --ready-file "$TMPD/r1" --stop-file "$TMPD/s1" --report "$TMPD/rep1" &
	SLOW=$!
	PIDS="$PIDS $SLOW"
	wait_for 10 test -s "$TMPD/r1"
	wait_until 10 '[ "$(metric_from 127.0.0.2 "keluh_bound_hits_total{bound=\"http_connections_per_client\"}")" = 290 ]'
	is "one address: the connections past 10 are refused and counted" \
		"$(metric_from 127.0.0.2 'keluh_bound_hits_total{bound="http_connections_per_client"}')" 290
	is "one address: /healthz from another address answers 10 of 10" "$(probe 127.0.0.2)" 10
	is "one address: keluh_http_clients counts the addresses" \
		"$(metric_from 127.0.0.2 keluh_http_clients)" 2
	r=$(curl -s -o /dev/null -m 4 -w '%{http_code}' --unix-socket "$SOCK" http://x/v1/admin/status)
	is "one address: the admin socket answers" "$r" 200
	touch "$TMPD/s1"
	wait "$SLOW"
	is "one address: 300 connected" "$(json "$TMPD/rep1" opened)" 300
	is "one address: 10 stayed open" "$(json "$TMPD/rep1" open_at_end)" 10
	check "one address: the refusal is logged" grep -q 'bound hit: 127.0.0.1:[0-9]* has max_connections_per_client' "$klog"
	is "one address: logged once, not per connection" \
		"$(grep -c 'has max_connections_per_client' "$klog")" 1

	# many addresses fill every connection and keep doing so: slow heads are
	# cut at the 2 s busy deadline, /healthz gets through, the admin socket too
	python3 "$top_srcdir/tests/slow_clients.py" --port "$KPORT" --count 10 --keep --max-opens 300 \
		--from 127.0.0.3 --from 127.0.0.4 --from 127.0.0.5 --from 127.0.0.6 --from 127.0.0.7 \
		--duration 40 --ready-file "$TMPD/r2" --stop-file "$TMPD/s2" --report "$TMPD/rep2" &
	SLOW=$!
	PIDS="$PIDS $SLOW"
	wait_for 10 test -s "$TMPD/r2"
	wait_until 10 '[ "$(metric_from 127.0.0.2 "keluh_bound_hits_total{bound=\"http_connections\"}")" -ge 1 ]'
	is "many addresses: /healthz answers 10 of 10 while every slot is wanted" "$(probe 127.0.0.2)" 10
	r=$(curl -s -o /dev/null -m 4 -w '%{http_code}' --unix-socket "$SOCK" http://x/v1/admin/status)
	is "many addresses: the admin socket answers" "$r" 200
	check "many addresses: the busy state is counted" \
		test "$(metric_from 127.0.0.2 'keluh_bound_hits_total{bound="http_busy"}')" -ge 1
	touch "$TMPD/s2"
	wait "$SLOW"
	life=$(json "$TMPD/rep2" max_life)
	check "many addresses: slow heads were cut well before 10 s (longest ${life} s)" \
		python3 -c "import sys; sys.exit(not 0 < $life < 6)"
	check "many addresses: with 408" test "$(json "$TMPD/rep2" timeout)" -ge 40
	stop_keluhd
fi

: >"$TMPD/empty.ndjson"
write_conf "$TMPD/keluhd.yaml" "$top_srcdir/packs/core" "$TMPD/spool.db" <<Y
sources:
  - {name: feed, type: file, path: $TMPD/empty.ndjson}
Y
start_keluhd "$TMPD/keluhd.yaml"
is "keluhd starts" "$?" 0

# bound counter series exist from the start, before any bound is hit
curl -s "$URL/metrics" >"$TMPD/metrics0"
contains "the metric_series bound counter is there from the start" "$TMPD/metrics0" \
	'keluh_bound_hits_total{bound="metric_series"} 0'

# 5,000 mentions, each with a source of its own (past the 4,096-series
# table), and one complaint so that the batch has something to commit
python3 -c '
for i in range(5000):
    print("{\"id\":\"s%d\",\"source\":\"src-%d\",\"text\":\"hello %d\"}" % (i, i, i))
print("{\"id\":\"c1\",\"text\":\"cannot login since monday\"}")
' >"$TMPD/sources.ndjson"
r=$(curl -s -m 30 -o "$TMPD/post.out" -w '%{http_code}' -H 'Content-Type: application/x-ndjson' \
	--data-binary @"$TMPD/sources.ndjson" "$URL/v1/mentions")
is "5,000 sources in one batch: 202" "$r $(cat "$TMPD/post.out")" \
	'202 {"accepted":5001,"complaints":1,"duplicates":0}'
r=$(post '{"id":"late-feed","source":"feed","text":"refund please, charged twice"}' application/x-ndjson -m 20)
is "a mention naming a configured source: 202" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'
r=$(curl -s -o /dev/null -w '%{http_code}' -H 'Expect: nothing' "$URL/healthz")
is "a new kind of /healthz answer after them: 417" "$r" 417
curl -s "$URL/metrics" >"$TMPD/metrics"
n=$(grep -c '^keluh_mentions_total{' "$TMPD/metrics")
is "sources past the first 32 share one series (32, other, feed, http)" "$n" 35
contains "the first names keep their own label" "$TMPD/metrics" 'keluh_mentions_total{source="src-31"} 1'
lacks "the 33rd does not" "$TMPD/metrics" 'source="src-32"'
contains "the rest are counted as other" "$TMPD/metrics" 'keluh_mentions_total{source="other"} 4968'
contains "a configured source keeps its label" "$TMPD/metrics" 'keluh_mentions_total{source="feed"} 1'
contains "the source label bound is counted" "$TMPD/metrics" \
	'keluh_bound_hits_total{bound="source_labels"} 4968'
contains "the later /healthz request is counted" "$TMPD/metrics" \
	'keluh_http_requests_total{path="/healthz",status="417"} 1'
contains "the metric_series bound was not hit" "$TMPD/metrics" \
	'keluh_bound_hits_total{bound="metric_series"} 0'
n=$(wc -l <"$TMPD/metrics")
check "/metrics stays small ($n lines)" test "$n" -lt 1000
grep -q 'bound hit: more mention sources than have labels' "$klog"
is "the bound is logged" "$?" 0
is "logged once, not per mention" "$(grep -c 'more mention sources than' "$klog")" 1

stop_keluhd
done_testing
