#!/bin/sh
# Two keluhd on one PostgreSQL spool (tests/pg_lib.sh): an alert made on
# one daemon whose receiver is told to wait (429, Retry-After: 30) is sent
# by the other, woken by the spool's keluh_due notification, not by its
# once-a-second look. The time from the POST to the sink is printed,
# beside that of alerts a daemon makes and sends itself.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
. "$top_srcdir/tests/pg_lib.sh"

pg_start

start_sink hook --plan "429:300" --default 200
write_login_rules
cat >"$TMPD/c.yaml" <<Y
rules: rules.d
http:
  listen: 127.0.0.1:0
spool:
  postgresql: "$PG_CONNINFO"
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$hook_port/hook", timeout: 5s}
routes:
  - {receivers: [hook]}
duplicates: {same_text: 0}
$(conf_at_once)
Y
start_keluhd "$TMPD/c.yaml" "$TMPD/ka.log"
pida=$KPID urla=$URL
start_keluhd "$TMPD/c.yaml" "$TMPD/kb.log"
pidb=$KPID urlb=$URL
is "two daemons start on one database" "$?" 0

# the first alert (sent by the daemon that made it, almost always): the
# daemon that sent it is told to wait 5 minutes
URL=$urla
r=$(post '{"id":"w0","text":"cannot login, take 0"}')
is "a complaint: 202" "${r%% *}" 202
wait_until 20 'grep -q "\"answer\": \"429:300\"" "$hook_log"'
is "... its alert is answered 429 with Retry-After: 300" "$?" 0
retried='keluh_deliveries_total{receiver="hook",outcome="retry"}'
wait_until 10 '[ "$(URL=$urla metric_value "$retried")$(URL=$urlb metric_value "$retried")" != 00 ]'
if [ "$(URL=$urla metric_value "$retried")" = 1 ]; then
	waiting=$urla free=$urlb
else
	waiting=$urlb free=$urla
fi

# five more, on the daemon told to wait; when each was posted (ms)
: >"$TMPD/posted"
for i in 1 2 3 4 5; do
	URL=$waiting
	echo "w$i $(date +%s%3N)" >>"$TMPD/posted"
	post "{\"id\":\"w$i\",\"text\":\"cannot login, take $i\"}" >/dev/null
done
# latencies: for each one posted, ms from its POST to the sink's 200
latencies() {
	python3 - "$hook_log" "$TMPD/posted" <<'PY'
import json, sys
t = {}
for line in open(sys.argv[1]):
    rec = json.loads(line)
    if rec["answer"] == "200":
        for m in json.loads(rec["body"])["alert"]["mentions"]:
            t.setdefault(m["id"], rec["t"])
for line in open(sys.argv[2]):
    i, at = line.split()
    if i in t:
        print(int(t[i] * 1000) - int(at))
PY
}
wait_until 20 '[ "$(latencies | grep -c .)" = 5 ]'
latencies >"$TMPD/lat"
is "five more alerts on the daemon told to wait: delivered" "$(grep -c . "$TMPD/lat")" 5
echo "# POST on one daemon to the sink's 200 from the other, ms: $(tr '\n' ' ' <"$TMPD/lat")"
# the same five on the free daemon, which sends its own alerts
: >"$TMPD/posted"
for i in 6 7 8 9 10; do
	URL=$free
	echo "w$i $(date +%s%3N)" >>"$TMPD/posted"
	post "{\"id\":\"w$i\",\"text\":\"cannot login, take $i\"}" >/dev/null
done
wait_until 20 '[ "$(latencies | grep -c .)" = 5 ]'
echo "# POST to the sink's 200 on one daemon, ms: $(latencies | tr '\n' ' ')"
URL=$free
is "... by the other daemon (and its own five)" \
	"$(metric_value 'keluh_deliveries_total{receiver="hook",outcome="ok"}')" 10
wakeups=$(metric_value 'keluh_delivery_wakeups_total{receiver="hook"}')
[ "$wakeups" -ge 5 ]
is "... woken by the notifications of the first ($wakeups)" "$?" 0
URL=$waiting
is "the daemon told to wait sent none" \
	"$(metric_value 'keluh_deliveries_total{receiver="hook",outcome="ok"}')" 0

KPID=$pidb
stop_keluhd
KPID=$pida
stop_keluhd
done_testing
