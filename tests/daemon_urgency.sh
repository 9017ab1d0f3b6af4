#!/bin/sh
# Urgent news and the daemon's own health: a critical complaint, or one
# that raises its group's priority, goes out at once (at most every
# urgent_updates_at_most_every), not after updates_at_most_every; a
# receiver that starts failing and recovers says so in the log without
# -v; /healthz says "degraded" and why while a receiver fails or holds
# dead letters or a source is unhealthy; the reload gauges; keluhctl
# send-test, and the dead letter of a URL that is not the platform's.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink su
write_rules <<'Y'
rules:
  - id: u.slow
    description: App is slow
    team: tech
    score: 30
    when: {keywords: [slow]}
  - id: u.login
    description: Cannot log in
    team: tech
    score: 60
    when: {keywords: [login]}
  - id: u.stolen
    description: Money stolen
    team: tech
    score: 90
    when: {keywords: [stolen]}
Y
write_conf "$TMPD/u.yaml" <<Y
receivers:
  - {name: u, type: webhook, url: "http://127.0.0.1:$su_port/u"}
routes:
  - {receivers: [u]}
grouping:
  by: [team]
  first_alert_after: {critical: 0s, high: 0s, normal: 0s, low: 0s}
  updates_at_most_every: 1h
  urgent_updates_at_most_every: 2s
Y
start_keluhd "$TMPD/u.yaml"
# alerts: one line per alert the sink got: time count priority
cat >"$TMPD/alerts.py" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    a = json.loads(r["body"])["alert"]
    print("%.3f" % r["t"], a["count"], a["priority"])
PY
alerts() { python3 "$TMPD/alerts.py" "$su_log"; }
nalerts() { count_lines "$su_log"; }

post '{"id":"n1","text":"the app is slow"}' >/dev/null
wait_until 10 '[ "$(nalerts)" -ge 1 ]'
is "the first alert of a normal group goes out (first_alert_after 0s)" \
	"$(alerts | sed -n 1p | cut -d' ' -f2-)" "1 normal"
# a normal complaint after the alert waits updates_at_most_every (1h) ...
post '{"id":"n2","text":"still slow"}' >/dev/null
# ... until a high one raises the group's priority: then both go at once
post '{"id":"h1","text":"cannot login at all"}' >/dev/null
wait_until 10 '[ "$(nalerts)" -ge 2 ]'
is "a complaint that raises the group's priority goes out at once, with what waited" \
	"$(alerts | sed -n 2p | cut -d' ' -f2-)" "2 high"
gap=$(alerts | awk 'NR == 1 { t = $1 } NR == 2 { print ($1 - t >= 1.5) ? "ok" : "too soon: " $1 - t }')
is "... but not sooner than urgent_updates_at_most_every after the last alert" "$gap" ok

# the same priority again is no news: it waits for the normal update
post '{"id":"h2","text":"login broken"}' >/dev/null
# a burst of critical complaints in several posts: each goes out within
# seconds, in a few updates at most every 2 s, never in one an hour later
i=0
while [ $i -lt 6 ]; do
	post "{\"id\":\"c$i.1\",\"text\":\"money stolen $i\"}
{\"id\":\"c$i.2\",\"text\":\"stolen again $i\"}" >/dev/null
	i=$((i + 1))
done
critical_count() { alerts | awk '$3 == "critical" { n += $2 } END { print n + 0 }'; }
wait_until 15 '[ "$(critical_count)" -ge 13 ]'
is "every complaint of a critical burst goes out within seconds (12 + the waiting high)" \
	"$(critical_count)" 13
alerts | awk 'NR > 1 && $1 - t < 1.5 { bad = bad " " $1 - t } { t = $1 }
	END { print bad == "" ? "ok" : "too close:" bad }' >"$TMPD/gaps"
is "urgent updates keep urgent_updates_at_most_every apart" "$(cat "$TMPD/gaps")" ok
stop_keluhd

# --- receivers and sources in trouble -------------------------------------
# hook answers 500 (retried), dl answers 400 (refused: dead letters) while
# their .down files exist; feed is an sse source whose server answers 501
touch "$TMPD/hook.down" "$TMPD/dl.down"
start_sink hook --fail-while "$TMPD/hook.down" --fail-status 500
start_sink dl --fail-while "$TMPD/dl.down" --fail-status 400
start_sink ops
hconf() {
	write_conf "$TMPD/h.yaml" <<Y
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$hook_port/h"}
  - {name: dl, type: webhook, url: "http://127.0.0.1:$dl_port/d"}
  - {name: ops, type: webhook, url: "http://127.0.0.1:$ops_port/o"}
routes:
  - {receivers: [hook, dl]}
$(conf_at_once)
Y
	[ "${1:-}" = feed ] && cat >>"$TMPD/h.yaml" <<Y
sources:
  - {name: feed, type: sse, url: "http://127.0.0.1:$hook_port/events", alert_after: 1s,
     alert_to: [ops]}
Y
}
hconf feed
start_keluhd "$TMPD/h.yaml" "$TMPD/kh.log"
healthz() { curl -s "$URL/healthz"; }
post '{"id":"f1","text":"the app is slow"}
{"id":"f2","text":"slow again"}
{"id":"f3","text":"so slow"}' >/dev/null
wait_until 30 'healthz | grep -q "receiver hook is failing since" &&
	healthz | grep -q "receiver dl is failing since" &&
	healthz | grep -q "receiver dl has 3 dead letter(s)" &&
	healthz | grep -q "source feed is failing"'
healthz >"$TMPD/hz.json"
is "/healthz still answers 200 for liveness" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 200
python3 - "$TMPD/hz.json" >"$TMPD/hz.out" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))
print(h["status"], sorted(h) == ["groups", "queue", "reasons", "rules", "status"])
for r in h["reasons"]:
    print(r)
PY
is "/healthz says degraded, and keeps its fields" "$(head -n 1 "$TMPD/hz.out")" "degraded True"
contains "/healthz names the failing receiver and its last error" "$TMPD/hz.out" \
	"): HTTP 500"
contains "/healthz counts dead letters" "$TMPD/hz.out" \
	"receiver dl has 3 dead letter(s): see keluhctl queue --dead"
contains "/healthz names the unhealthy source" "$TMPD/hz.out" "source feed is failing (alert_after)"
contains "without -v: a receiver that refuses every alert is failing, with the reason" \
	"$TMPD/kh.log" "receiver dl is failing (3 failed attempt(s) in a row, last: HTTP 400"
contains "without -v: a receiver that does not answer is failing, with the reason" \
	"$TMPD/kh.log" "receiver hook is failing (3 failed attempt(s) in a row, last: HTTP 500"

# reloads: a bad one sets keluh_config_last_reload_successful to 0 and
# keeps the time of the last good one; a good one sets both
is "the start counts as a good load" "$(metric_value keluh_config_last_reload_successful)" 1
t0=$(metric_value keluh_config_last_reload_success_timestamp_seconds)
python3 -c "import sys, time; sys.exit(0 if abs(time.time() - $t0) < 600 else 1)"
is "... and its time is now" "$?" 0
echo "receivers: [oops" >>"$TMPD/h.yaml"
kill -HUP "$KPID"
wait_until 10 '[ "$(metric_value keluh_config_last_reload_successful)" = 0 ]'
is "a bad reload: keluh_config_last_reload_successful 0" \
	"$(metric_value keluh_config_last_reload_successful)" 0
is "a bad reload keeps the time of the last good one" \
	"$(metric_value keluh_config_last_reload_success_timestamp_seconds)" "$t0"
hconf
kill -HUP "$KPID"
wait_until 10 '[ "$(metric_value keluh_config_last_reload_successful)" = 1 ]'
is "a good reload: keluh_config_last_reload_successful 1" \
	"$(metric_value keluh_config_last_reload_successful)" 1
t1=$(metric_value keluh_config_last_reload_success_timestamp_seconds)
python3 -c "import sys; sys.exit(0 if $t1 > $t0 else 1)"
is "a good reload moves the success time on" "$?" 0

# the receivers answer again: one line each says so, with how long and how
# many attempts failed; once the dead letters are sent, /healthz is ok
rm -f "$TMPD/hook.down" "$TMPD/dl.down"
post '{"id":"f4","text":"slow today"}' >/dev/null
wait_until 20 'grep -q "receiver hook recovered" "$TMPD/kh.log" &&
	grep -q "receiver dl recovered" "$TMPD/kh.log"'
check "without -v: the recovery says how many attempts failed and for how long" \
	grep -Eq 'receiver dl recovered after 3 failure\(s\) in [0-9]+s; draining' "$TMPD/kh.log"
is "... once" "$(grep -c 'receiver hook recovered' "$TMPD/kh.log")" 1
"$KELUHCTL" retry --spool "$TMPD/h.db" --all-dead --receiver dl >/dev/null
wait_until 20 'healthz | grep -q "\"status\":\"ok\""'
is "/healthz is ok again once the receivers answer and the dead letters went out" \
	"$(healthz | python3 -c 'import json, sys; h = json.load(sys.stdin); print(h["status"], h["reasons"])')" \
	"ok []"
stop_keluhd

# --- keluhctl send-test -------------------------------------------------------
# tw answers 500 once, then 200; notslack is a slack receiver whose URL
# answers 200 "hello", as a server that is not Slack does
start_sink tw --plan 500
start_sink notslack --body hello
SOCK=$TMPD/admin.sock
write_conf "$TMPD/t.yaml" <<Y
admin:
  socket: $SOCK
receivers:
  - {name: tw, type: webhook, url: "http://127.0.0.1:$tw_port/t"}
  - {name: notslack, type: slack, url: "http://127.0.0.1:$notslack_port/services/x"}
routes:
  - {receivers: [tw]}
Y
start_keluhd "$TMPD/t.yaml" "$TMPD/kt.log"
"$KELUHCTL" send-test --socket "$SOCK" tw >"$TMPD/st.out" 2>&1
is "send-test: exit 0" "$?" 0
contains "send-test says which alert it queued" "$TMPD/st.out" "queued for tw"
# the outbox retries it: the first try gets 500, the second 200
wait_until 20 '[ "$(count_lines "$tw_log")" -ge 2 ]'
python3 - "$tw_log" >"$TMPD/tw.out" <<'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
a = json.loads(rs[-1]["body"])["alert"]
print([r["answer"] for r in rs], rs[0]["headers"]["webhook-id"] == rs[1]["headers"]["webhook-id"])
print(a["test"], a["tags"], a["rule_info"][0]["description"])
print(a["mentions"][0]["text"])
PY
is "the test alert goes through the outbox: retried after a 500, delivered once" \
	"$(sed -n 1p "$TMPD/tw.out")" "['500', '200'] True"
is "the alert says it is a test" "$(sed -n 2p "$TMPD/tw.out")" \
	"True ['test'] TEST ALERT (keluhctl send-test), not a real complaint"
contains "its text says so too" "$TMPD/tw.out" "This is a test alert, sent with keluhctl send-test"
"$KELUHCTL" alerts --spool "$TMPD/t.db" >"$TMPD/talerts.out"
contains "keluhctl alerts lists it, with its rule keluh.test" "$TMPD/talerts.out" "keluh.test"

"$KELUHCTL" send-test --socket "$SOCK" notslack >/dev/null 2>&1
wait_until 20 '"$KELUHCTL" queue --dead --spool "$TMPD/t.db" | grep -q notslack'
"$KELUHCTL" queue --dead --json --spool "$TMPD/t.db" >"$TMPD/tdead.out"
contains "a Slack URL that does not answer like Slack: the dead letter says so" "$TMPD/tdead.out" \
	"this URL did not answer like Slack's webhook; is it a Slack URL? (it answered \\\"hello\\\")"
contains "the chat text it carried is marked as a test" "$notslack_log" "TEST ALERT"

"$KELUHCTL" send-test --socket "$SOCK" nope >"$TMPD/snope.out" 2>&1
is "send-test to an unknown receiver: exit 1" "$?" 1
contains "... and the error lists the receivers" "$TMPD/snope.out" \
	"keluhctl: send-test: unknown receiver 'nope'; the receivers are: tw, notslack"
"$KELUHCTL" send-test --socket "$SOCK" >"$TMPD/snone.out" 2>&1
is "send-test without a receiver: usage, exit 2" "$?" 2
stop_keluhd

done_testing
