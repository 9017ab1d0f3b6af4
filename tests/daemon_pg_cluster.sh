#!/bin/sh
# Two keluhd on one PostgreSQL spool (tests/pg_lib.sh's throw-away
# cluster): the streaming source runs on one of them only, the owner of
# "source:feed". keluhctl cluster on either shows both daemons and who runs
# the source. The owner is killed (SIGKILL) mid-stream: the other takes
# the source within seconds and resumes from the cursor the dead one
# committed; every event of the stream becomes one mention, none is lost
# and none is counted twice. The dead daemon is then shown dead. The
# failover time is printed. On SQLite keluhctl cluster says one daemon;
# bad cluster: keys are refused at their place.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
. "$top_srcdir/tests/pg_lib.sh"

# bad keys first: no database needed
printf 'cluster:\n  name: "keluh a"\n' >"$TMPD/bad1.yaml"
"$KELUHD" --check -c "$TMPD/bad1.yaml" >/dev/null 2>"$TMPD/bad1.err"
is "a cluster.name with a space fails --check" "$?" 1
contains "... named where it is" "$TMPD/bad1.err" \
	"$TMPD/bad1.yaml:2:9: error: cluster.name: 'keluh a' must be 1 to 63 letters"
printf 'cluster:\n  dead_after: 1s\n' >"$TMPD/bad2.yaml"
"$KELUHD" --check -c "$TMPD/bad2.yaml" >/dev/null 2>"$TMPD/bad2.err"
contains "a dead_after under 2s is refused at its value" "$TMPD/bad2.err" \
	"$TMPD/bad2.yaml:2:15: error: cluster.dead_after must be between 2s and 1h"
printf 'cluster:\n  leader: yes\n' >"$TMPD/bad3.yaml"
"$KELUHD" --check -c "$TMPD/bad3.yaml" >/dev/null 2>"$TMPD/bad3.err"
contains "an unknown cluster key is named" "$TMPD/bad3.err" "$TMPD/bad3.yaml:2:3: error:"

pg_start

# The stream: 80 complaints, one every 0.25 s, resumed after Last-Event-ID.
N=80
python3 - "$TMPD/script.json" "$N" <<'PY'
import json, sys
n = int(sys.argv[2])
ev = [[str(i), "id: %d\ndata: %s\n\n" % (i, json.dumps({"id": "c%d" % i,
        "content": "cannot login, try %d" % i}))] for i in range(1, n + 1)]
json.dump({"/sse": [{"headers": {"Content-Type": "text/event-stream"}, "resume": ev,
                     "gap": 0.25, "after": "hold"}]}, open(sys.argv[1], "w"))
PY
start_stream_server srv "$TMPD/script.json"
write_login_rules
printf 'shh-a-long-shared-secret\n' >"$TMPD/secret"
chmod 600 "$TMPD/secret"

# streamed: the mentions of the stream in the database (the webhook's are not)
streamed() {
	psql_int "SELECT count(${1:-*}) FROM mentions WHERE json LIKE '%login, try%'"
}

# conf NAME: the keluhd.yaml of daemon NAME
conf() {
	cat >"$TMPD/$1.yaml" <<Y
rules: rules.d
http:
  listen: 127.0.0.1:0
spool:
  postgresql: "$PG_CONNINFO"
admin:
  socket: $1.sock
cluster:
  name: keluh-$1
  dead_after: 2s
sources:
  - name: feed
    type: sse
    url: http://127.0.0.1:$srv_port/sse
    fields: {id: /id, text: /content}
  - name: hook
    type: webhook
    secret_file: $TMPD/secret
    signature_header: X-Sig
    signature_prefix: "sha256="
$(conf_at_once)
Y
}
conf a
conf b

requests() {
	count_lines "$srv_log"
}

start_keluhd "$TMPD/a.yaml" "$TMPD/a.log"
is "daemon a starts on the PostgreSQL spool" "$?" 0
A_PID=$KPID
A_URL=$URL
wait_until 20 '[ "$(requests)" -ge 1 ]'
is "a takes the stream at once" "$(requests)" 1
contains "... and says it runs it" "$TMPD/a.log" "owns source:feed"
start_keluhd "$TMPD/b.yaml" "$TMPD/b.log"
is "daemon b starts beside it" "$?" 0
B_URL=$URL
B_PID=$KPID
wait_until 20 '[ "$(psql_int "SELECT count(*) FROM keluh_daemons")" = 2 ]'
is "both beat in keluh_daemons" "$(psql_int 'SELECT count(*) FROM keluh_daemons')" 2

"$KELUHCTL" cluster -c "$TMPD/b.yaml" >"$TMPD/cl1" 2>&1
is "keluhctl cluster answers on b" "$?" 0
contains "... 2 daemons, both alive" "$TMPD/cl1" "2 daemon(s) alive, 0 dead"
grep 'keluh-a:' "$TMPD/cl1" | grep -q ' alive .*sources: feed$'
is "... a runs feed" "$?" 0
grep 'keluh-b:' "$TMPD/cl1" | grep -q ' alive .*sources: none (asked)'
is "... b runs nothing and answered" "$?" 0
"$KELUHCTL" cluster --json -c "$TMPD/a.yaml" >"$TMPD/cl1.json" 2>&1
is "keluhctl cluster --json on a shows the same two" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sorted((x["name"], x["alive"], x["sources"]) for x in d["daemons"]))' "$TMPD/cl1.json")" \
	"[('keluh-a', True, ['feed']), ('keluh-b', True, [])]"
"$KELUHCTL" status -c "$TMPD/b.yaml" >"$TMPD/status" 2>&1
contains "keluhctl status has its cluster line" "$TMPD/status" "cluster: keluh-b:"
# the push source runs on both: its webhook answers on b too
body='{"id":"w1","text":"login broken here"}'
sig=$(python3 -c 'import hmac, hashlib, sys
print(hmac.new(b"shh-a-long-shared-secret", sys.argv[1].encode(), hashlib.sha256).hexdigest())' "$body")
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	-H "X-Sig: sha256=$sig" --data-binary "$body" "$B_URL/v1/hooks/hook")
is "a push source's webhook is taken on b too" "$code" 200

# a has committed a part of the stream: it dies
wait_until 20 '[ "$(streamed)" -ge 10 ]'
# b waits (SIGSTOP) while what a left is read, so that it is a's alone
kill -STOP "$B_PID"
t_kill=$(date +%s%N)
kill -9 "$A_PID"
wait "$A_PID" 2>/dev/null
had=$(streamed)
last=$(psql_int "SELECT value FROM cursors WHERE source = 'feed'")
kill -CONT "$B_PID"
echo "# a was killed with $had mentions committed, its cursor at event $last"
[ "$had" -ge 10 ] && [ "$had" -lt "$N" ]
is "a died mid-stream" "$?" 0
wait_until 20 '[ "$(streamed)" -gt "$had" ]'
is "b takes the stream over" "$?" 0
t_first=$(date +%s%N)
echo "# failover: $(( (t_first - t_kill) / 1000000 )) ms from the kill to the first mention b took"
[ $(( (t_first - t_kill) / 1000000 )) -lt 10000 ]
is "... within 10 s" "$?" 0
is "b asked the stream once" "$(requests)" 2
is "... resuming after a's cursor" \
	"$(tail -n 1 "$srv_log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["headers"].get("last-event-id"))')" \
	"$last"
contains "b says it owns the source now" "$TMPD/b.log" "owns source:feed"
wait_until 30 '[ "$(streamed)" -ge "$N" ]'
is "every event of the stream is a mention" "$(streamed 'DISTINCT mention_id')" "$N"
is "... none counted twice" "$(streamed)" "$N"

URL=$B_URL
wait_until 20 '"$KELUHCTL" cluster -c "$TMPD/b.yaml" | grep "keluh-a:" | grep -q " DEAD "'
is "keluhctl cluster on b shows a dead" "$?" 0
"$KELUHCTL" cluster -c "$TMPD/b.yaml" >"$TMPD/cl2" 2>&1
contains "... one alive, one dead" "$TMPD/cl2" "1 daemon(s) alive, 1 dead"
grep 'keluh-b:' "$TMPD/cl2" | grep -q ' alive .*sources: feed (asked)'
is "... b runs feed now" "$?" 0
stop_keluhd
is "b's row goes when it stops" \
	"$(psql_int "SELECT count(*) FROM keluh_daemons WHERE name = 'keluh-b'")" 0

# one daemon on SQLite: alone, leader, running its source
write_conf "$TMPD/s.yaml" <<Y
admin:
  socket: s.sock
sources:
  - name: feed
    type: sse
    url: http://127.0.0.1:$srv_port/sse
    fields: {id: /id, text: /content}
Y
start_keluhd "$TMPD/s.yaml" "$TMPD/s.log"
"$KELUHCTL" cluster -c "$TMPD/s.yaml" >"$TMPD/cl3" 2>&1
contains "on SQLite keluhctl cluster says one daemon" "$TMPD/cl3" "one daemon (SQLite spool)"
grep -q ' alive leader .*sources: feed (asked)' "$TMPD/cl3"
is "... the leader, running the source" "$?" 0
"$KELUHCTL" status -c "$TMPD/s.yaml" >"$TMPD/status2" 2>&1
contains "... and status says so" "$TMPD/status2" "cluster: one daemon (SQLite spool)"
stop_keluhd

done_testing
