#!/bin/sh
# Cases through keluhctl and the admin API, against a real keluhd: a
# complaint opens case #1; ack, assign and resolve change it and show
# prints its timeline; a complaint within cases.reopen_within reopens it,
# one after the window (made 1ms by a reload) opens a new case; an ack
# answered ok survives a SIGKILL; unknown cases, bad actions and
# resolving twice are refused with clear errors.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hook
write_login_rules
SOCK=$TMPD/admin.sock
write_conf "$TMPD/c.yaml" <<Y
admin:
  socket: $SOCK
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$hook_port/h"}
routes:
  - {receivers: [hook]}
grouping:
  by: [rule, team]
  first_alert_after: {critical: 0s, high: 0s, normal: 0s, low: 0s}
  updates_at_most_every: 1s
cases:
  reopen_within: 1h
people:
  rina: {name: Rina, slack: U0RINA}
Y
start_keluhd "$TMPD/c.yaml"
ctl() {
	cmd=$1
	shift
	"$KELUHCTL" $cmd --socket "$SOCK" "$@"
}
jget() { python3 -c "import json,sys; j=json.load(open(sys.argv[2])); print($1)" "$2" "$2"; }
# the alerts that complaints made (not the updates an action sends the webhook)
alerts() { if [ -f "$hook_log" ]; then grep -vc '\\"update\\":' "$hook_log"; else echo 0; fi; }

# --- a complaint opens case #1 -------------------------------------------------
post '{"id":"c1","text":"cannot login since morning"}' application/json >/dev/null
wait_until 10 '[ "$(alerts)" -ge 1 ]'
is "the complaint was alerted" "$(alerts)" 1
ctl cases >"$TMPD/l1.out" 2>&1
is "keluhctl cases exits 0" "$?" 0
check "it lists case #1, open, of team tech" grep -Eq '^#1 +open +normal +tech +1 ' "$TMPD/l1.out"
ctl cases --json >"$TMPD/l1.json"
is "cases --json: id, state, group, total" \
	"$(jget '[(c["id"], c["state"], c["group"], c["total"]) for c in j["cases"]]' "$TMPD/l1.json")" \
	"[(1, 'open', 'rule=t.login|team=tech', 1)]"

# --- ack, assign, resolve -------------------------------------------------------
ctl ack 1 --by rina >"$TMPD/a1.out" 2>&1
is "keluhctl ack exits 0" "$?" 0
contains "and says the new state" "$TMPD/a1.out" "case #1: acknowledged"
ctl ack '#1' --by budi >"$TMPD/a2.out" 2>&1
is "acknowledging twice is no error" "$?" 0
contains "and changes nothing" "$TMPD/a2.out" "case #1: acknowledged (no change)"
ctl assign 1 budi >"$TMPD/as.out" 2>&1
is "keluhctl assign exits 0" "$?" 0
ctl resolve 1 --note "password reset sent" --by rina >"$TMPD/r1.out" 2>&1
is "keluhctl resolve exits 0" "$?" 0
contains "and the case is resolved" "$TMPD/r1.out" "case #1: resolved"
ctl resolve 1 >"$TMPD/r2.out" 2>"$TMPD/r2.err"
is "resolving twice: exit 1" "$?" 1
contains "with a clear error" "$TMPD/r2.err" "case #1 is already resolved"
ctl show 1 >"$TMPD/s1.out" 2>&1
is "keluhctl show exits 0" "$?" 0
contains "show: who resolved it, with the note" "$TMPD/s1.out" "resolved by Rina at"
contains "show: the note" "$TMPD/s1.out" ": password reset sent"
contains "show: the timeline has the ack, by the person people: names" "$TMPD/s1.out" "acknowledged   by Rina (keluhctl)"
contains "show: ... the assignment" "$TMPD/s1.out" '{"to":"budi"}'
contains "show: ... the opening by keluhd" "$TMPD/s1.out" "opened         (keluhd)"
contains "show: the mention with its rule and score" "$TMPD/s1.out" "c1 t.login normal score 30: cannot login since morning"
ctl show 1 --json >"$TMPD/s1.json"
is "show --json: the events in order" \
	"$(jget '[e["kind"] for e in j["case"]["events"]]' "$TMPD/s1.json")" \
	"['opened', 'alert', 'acknowledged', 'assigned', 'resolved']"

# --- reopen window ---------------------------------------------------------------
post '{"id":"c2","text":"login still broken"}' application/json >/dev/null
wait_until 10 '[ "$(alerts)" -ge 2 ]'
ctl show 1 --json >"$TMPD/s2.json"
is "a complaint within reopen_within reopens case #1" \
	"$(jget 'j["case"]["state"], j["case"]["reopened"], j["case"]["total"], j["case"]["events"][-2]["kind"]' "$TMPD/s2.json")" \
	"open 1 2 reopened"
ctl resolve 1 >/dev/null 2>&1
# a window of 1ms has passed by the next complaint: no clock to wait on
sed -i 's/reopen_within: 1h/reopen_within: 1ms/' "$TMPD/c.yaml"
ctl reload >"$TMPD/rl.out" 2>&1
is "reload takes the new reopen_within" "$?" 0
post '{"id":"c3","text":"login broken again"}' application/json >/dev/null
wait_until 10 '[ "$(alerts)" -ge 3 ]'
ctl cases --all --json >"$TMPD/l2.json"
is "after the window a new case #2 opens, #1 stays resolved" \
	"$(jget '[(c["id"], c["state"]) for c in j["cases"]]' "$TMPD/l2.json")" \
	"[(2, 'open'), (1, 'resolved')]"
ctl cases --team billing >"$TMPD/l3.out"
contains "cases --team: none of another team" "$TMPD/l3.out" "no open cases"

# --- an ack answered ok survives SIGKILL -------------------------------------------
ctl ack 2 >"$TMPD/a3.out" 2>&1
is "ack #2 answered ok" "$?" 0
is "keluh_case_actions_total counts the acks from keluhctl" \
	"$(metric_value 'keluh_case_actions_total{action="ack",platform="keluhctl"}')" 3
is "keluh_cases counts the acknowledged case" "$(metric_value 'keluh_cases{state="acknowledged"}')" 1
kill -KILL "$KPID"
wait "$KPID" 2>/dev/null
start_keluhd "$TMPD/c.yaml" "$TMPD/k2.log"
ctl show 2 --json >"$TMPD/s3.json"
is "after SIGKILL and a restart case #2 is still acknowledged, by the login name" \
	"$(jget 'j["case"]["state"], j["case"]["acked_by"] == "'"$(id -un)"'"' "$TMPD/s3.json")" \
	"acknowledged True"
is "the gauges are read back from the spool" "$(metric_value 'keluh_cases{state="acknowledged"}')" 1

# --- bad inputs -------------------------------------------------------------------
ctl show 99 >/dev/null 2>"$TMPD/e1.err"
is "an unknown case: exit 1" "$?" 1
contains "no case #99" "$TMPD/e1.err" "no case #99"
ctl ack x1 2>"$TMPD/e2.err"
is "a case id that is not one: exit 2" "$?" 2
contains "and says how to write one" "$TMPD/e2.err" "'x1' is not a case id: write it as 42 or #42"
code=$(curl -s -o "$TMPD/e3.out" -w '%{http_code}' --unix-socket "$SOCK" -X POST \
	-d '{"by":"ana"}' http://localhost/v1/admin/cases/2/close)
is "the API refuses an unknown action: 400" "$code" 400
contains "naming the actions" "$TMPD/e3.out" "unknown action 'close': the actions are ack, assign"
code=$(curl -s -o "$TMPD/e4.out" -w '%{http_code}' --unix-socket "$SOCK" -X POST \
	-d '{"by":"ana","color":"red"}' http://localhost/v1/admin/cases/2/resolve)
is "an unknown member of the body: 400" "$code" 400
code=$(curl -s -o "$TMPD/e5.out" -w '%{http_code}' --unix-socket "$SOCK" -X POST \
	-d '{}' http://localhost/v1/admin/cases/2/resolve)
is "an action without by: 400" "$code" 400
code=$(curl -s -o "$TMPD/e6.out" -w '%{http_code}' --unix-socket "$SOCK" \
	'http://localhost/v1/admin/cases?state=closed')
is "a listing of an unknown state: 400" "$code" 400
ctl show 2 --json >"$TMPD/s4.json"
is "nothing refused changed case #2" "$(jget 'j["case"]["state"]' "$TMPD/s4.json")" acknowledged
ctl reopen 2 2>"$TMPD/e7.err"
is "reopening an acknowledged case: exit 1" "$?" 1
contains "it says there is nothing to reopen" "$TMPD/e7.err" "case #2 is acknowledged, not resolved"

stop_keluhd
done_testing
