#!/bin/sh
# Two keluhd on one PostgreSQL spool (tests/pg_lib.sh's throw-away
# cluster): one leads and groups every complaint. Copies of one complaint
# posted to both join one group and one case and count once (the second
# copy's row is dropped, not left pending); a silence added through the
# daemon that does not lead mutes on the leader; the leader killed with
# SIGKILL, the other leads within seconds and alerts the complaints that
# were pending exactly once.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
. "$top_srcdir/tests/pg_lib.sh"

pg_start

start_sink hook
write_login_rules
add_rules <<'Y'
  - id: t.refund
    team: billing
    score: 30
    when: {keywords: [refund]}
Y
# conf N: daemon N's keluhd.yaml, the same spool and receivers, its own admin socket
conf() {
	cat >"$TMPD/c$1.yaml" <<Y
rules: rules.d
http:
  listen: 127.0.0.1:0
spool:
  postgresql: "$PG_CONNINFO"
admin:
  socket: $TMPD/admin$1.sock
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$hook_port/hook"}
routes:
  - {receivers: [hook]}
grouping:
  by: [rule, team]
  first_alert_after: {critical: 3s, high: 3s, normal: 3s, low: 3s}
  updates_at_most_every: 1h
Y
}
conf 1
conf 2
# hook: one line per alert the sink got: group count suppressed ids
hook() {
	python3 - "$hook_log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(json.loads(line)["body"])["alert"]
    if "silence" in a.get("tags", []):
        continue
    print(a["group"], a["count"], a["suppressed"], ",".join(m["id"] for m in a["mentions"]))
PY
}

start_keluhd "$TMPD/c1.yaml" "$TMPD/k1.log"
is "the first daemon starts on the shared spool" "$?" 0
P1=$KPID
URL1=$URL
wait_for 15 grep -q "this daemon leads now" "$TMPD/k1.log"
is "... and leads" "$?" 0
start_keluhd "$TMPD/c2.yaml" "$TMPD/k2.log"
is "the second daemon starts beside it" "$?" 0
P2=$KPID
URL2=$URL
lacks "... and does not lead" "$TMPD/k2.log" "this daemon leads now"

# --- copies through two daemons: one group, one case, counted once ---------------
URL=$URL1
r=$(post '{"id":"c1","text":"cannot login since monday morning, please help"}')
is "a complaint to the leader: 202" "${r%% *}" 202
URL=$URL2
r=$(post '{"id":"c1","text":"cannot login since monday morning, please help"}
{"id":"c2","text":"login page broken again"}')
is "its copy and another complaint to the other daemon: 202" "${r%% *}" 202
wait_until 20 'hook | grep -q "^rule=t.login|team=tech "'
is "the group is alerted" "$?" 0
is "one alert, both complaints, the copy counted once" "$(hook | grep 'team=tech ')" \
	"rule=t.login|team=tech 2 0 c1,c2"
is "one case for the group" "$(psql_int "SELECT count(*) FROM cases WHERE group_key = 'rule=t.login|team=tech'")" 1
is "the copy's row is gone, not left pending" "$(psql_int "SELECT count(*) FROM mentions WHERE mention_id = 'c1'")" 1
is "nothing waits ungrouped or pending" \
	"$(psql_int 'SELECT count(*) FROM mentions_pending')" 0
is "both tied to the one alert" "$(psql_int 'SELECT count(*), count(DISTINCT alert_rowid) FROM mention_alerts')" "2|1"
URL=$URL1
is "the leader counts the copy" "$(metric_value 'keluh_mentions_copies_total{source="cluster"}')" 1

# --- a silence added through the daemon that does not lead -----------------------
"$KELUHCTL" silence add --socket "$TMPD/admin2.sock" --match 'words="gak bisa"' --for 1m \
	--reason "deploy" --author ana >"$TMPD/s.out" 2>&1
is "a silence added on the other daemon" "$?" 0
wait_until 10 '"$KELUHCTL" silence list --socket "$TMPD/admin1.sock" | grep -q "gak bisa"'
is "... reaches the leader" "$?" 0
URL=$URL2
r=$(post '{"id":"m1","text":"gak bisa login dari tadi pagi"}')
is "a complaint it matches, to the other daemon: 202" "${r%% *}" 202
wait_until 15 '[ "$(psql_int "SELECT suppressed FROM silences")" = 1 ]'
is "the leader mutes it" "$(psql_int 'SELECT suppressed FROM silences')" 1

# --- the leader killed: the other leads and alerts what was pending, once ------------
URL=$URL1
r=$(post '{"id":"r1","text":"where is my refund, three weeks now"}')
URL=$URL2
r2=$(post '{"id":"r2","text":"refund still not here"}
{"id":"r1","text":"where is my refund, three weeks now"}')
is "three refund complaints, one a copy: 202 from both" "${r%% *} ${r2%% *}" "202 202"
wait_until 10 '[ "$(psql_int "$PG_WAITING")" = 0 ] &&
	[ "$(psql_int "SELECT count(*) FROM mentions WHERE mention_id LIKE '"'r%'"'")" = 2 ]'
is "the leader claimed them before it dies" "$?" 0
kill -KILL "$P1"
wait "$P1" 2>/dev/null
KPID=$P2
wait_for 15 grep -q "this daemon leads now" "$TMPD/k2.log"
is "the other daemon leads within seconds" "$?" 0
wait_until 20 'hook | grep -q "^rule=t.refund|team=billing "'
is "it alerts the pending complaints" "$(hook | grep 'team=billing ')" \
	"rule=t.refund|team=billing 2 0 r1,r2"
is "... once: one case" "$(psql_int "SELECT count(*) FROM cases WHERE group_key = 'rule=t.refund|team=billing'")" 1
is "... and one alert" "$(psql_int "SELECT count(*) FROM alerts WHERE group_key = 'rule=t.refund|team=billing'")" 1
stop_keluhd

done_testing
