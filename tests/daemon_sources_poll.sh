#!/bin/sh
# json-poll: items at a JSON pointer, mapped by the field map, taken oldest
# first; ETag answers are revalidated (304); the cursor is stored in the
# spool, sent as cursor_param, and a restart resumes after it: every
# complaint becomes exactly one alert across restarts.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hook
write_login_rules

# script ETAG ID...: an answer with these items, newest first (as most APIs list them)
script() {
	etag=$1
	shift
	python3 - "$TMPD/script.json" "$etag" "$@" <<'PY'
import json, sys
ids = sys.argv[3:]
items = []
for i in reversed(ids):
    if i == "bad":
        items.append({"id": "0", "note": "no content"})
    else:
        items.append({"id": i, "content": "login gagal %s" % i, "account": {"acct": "u" + i}})
a = {"headers": {"Content-Type": "application/json"}, "body": json.dumps({"data": {"items": items}}),
     "stream": False}
if sys.argv[2] != "-":
    a["etag"] = sys.argv[2]
json.dump({"/api": [a]}, open(sys.argv[1] + ".tmp", "w"))
PY
	mv "$TMPD/script.json.tmp" "$TMPD/script.json"
}
script '"v1"' 9 10 bad 11
start_stream_server srv "$TMPD/script.json"
SP=$srv_port

write_conf "$TMPD/c.yaml" <<Y
sources:
  - name: api
    type: json-poll
    url: http://127.0.0.1:$SP/api?limit=40
    interval: 1s
    items: /data/items
    cursor: /id
    cursor_param: since_id
    fields: {id: /id, text: /content, author.handle: /account/acct}
$(conf_alert_each hook /h)
Y
start_keluhd "$TMPD/c.yaml"
is "keluhd starts" "$?" 0

reqs() { grep -c '"path": "/api"' "$TMPD/srv.log" 2>/dev/null || echo 0; }
ids_are() { [ "$(alert_ids | sort -n | tr '\n' ' ')" = "$1" ]; }
wait_for 15 ids_are "9 10 11 "
is "every item became one alert" "$(alert_ids | sort -n | tr '\n' ' ')" "9 10 11 "
wait_until 10 'test "$(reqs)" -ge 3'
python3 - "$TMPD/srv.log" >"$TMPD/reqs.out" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
print("q", " ".join(x["query"] for x in r[:2]))
print("inm", r[1]["headers"].get("if-none-match", "-"))
PY
contains "the first poll has no cursor, the next sends since_id (numeric order: 11 > 9)" \
	"$TMPD/reqs.out" "q limit=40 limit=40&since_id=11"
contains "ETag is revalidated with If-None-Match" "$TMPD/reqs.out" 'inm "v1"'
# a poll goes out only after the answer before it was taken in full, so the
# third request means the 304 to the second was handled: what it brought
# is counted by now
is "a 304 hands over no item again" "$(metric_value 'keluh_source_events_total{source="api"}')" 4
is "a 304 brings no alert again" "$(metric_value 'keluh_alerts_total{priority="normal"}')" 3
curl -s "$URL/metrics" >"$TMPD/metrics"
contains "an item that makes no mention is counted" "$TMPD/metrics" \
	'keluh_source_errors_total{source="api",kind="mapping"} 1'
contains "the poll source is connected" "$TMPD/metrics" 'keluh_source_connected{source="api"} 1'
contains "the bad item is logged and skipped" "$klog" "source api: an event does not make a mention: 'text' is missing"
stop_keluhd
if command -v sqlite3 >/dev/null 2>&1; then
	is "the cursor is in the spool" "$(sqlite3 "$TMPD/c.db" "select value from cursors where source='api'" 2>&1)" 11
else
	skip "the cursor is in the spool" "sqlite3 is not installed"
fi

# the API moved on while keluhd was down; it still lists the old items
script - 9 10 11 12 13
n0=$(reqs)
start_keluhd "$TMPD/c.yaml" "$TMPD/keluhd2.log"
contains "the restart resumes from the stored cursor" "$TMPD/keluhd2.log" "source api: resuming after cursor 11"
wait_for 15 ids_are "9 10 11 12 13 "
is "after the restart only the new items alert, once each" "$(alert_ids | sort -n | tr '\n' ' ')" "9 10 11 12 13 "
first=$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(r[int(sys.argv[2])]["query"])' "$TMPD/srv.log" "$n0")
is "the first poll after the restart sends the stored cursor" "$first" "limit=40&since_id=11"
# the second answer after the restart (old items again) was taken once the
# third request goes out; the counts start over with the new process
wait_until 10 'test "$(reqs)" -ge $((n0 + 3))'
is "after the restart the old items listed again are not handed over" \
	"$(metric_value 'keluh_source_events_total{source="api"}')" 2
is "after the restart only the two new items made alerts" \
	"$(metric_value 'keluh_alerts_total{priority="normal"}')" 2
is "no alert twice" "$(alert_ids | sort | uniq -d | wc -l | tr -d ' ')" 0

# a failing API: 500 is retried (not faster than interval), the daemon keeps going
python3 -c 'import json,sys; json.dump({"/api":[{"status":500,"body":"oops"}]}, open(sys.argv[1],"w"))' "$TMPD/script.json"
wait_for 10 grep -q 'source api: HTTP 500: oops' "$TMPD/keluhd2.log"
contains "a 500 is logged with the start of its body" "$TMPD/keluhd2.log" "source api: HTTP 500: oops; trying again in"
curl -s "$URL/metrics" >"$TMPD/metrics"
contains "a failing poll shows as not connected" "$TMPD/metrics" 'keluh_source_connected{source="api"} 0'
stop_keluhd

done_testing
