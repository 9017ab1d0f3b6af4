#!/bin/sh
# Hostile HTTP clients against the real keluhd: client-chosen mention
# sources cannot fill the metrics table.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

: >"$TMPD/empty.ndjson"
cat >"$TMPD/keluhd.yaml" <<Y
rules: $top_srcdir/etc/rules.d
http:
  listen: 127.0.0.1:0
spool:
  path: $TMPD/spool.db
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
