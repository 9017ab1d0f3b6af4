#!/bin/sh
# Grouping, routing and incidents end to end: mentions of one group wait
# first_alert_after and arrive as one digest; updates come no sooner than
# updates_at_most_every; routes pick receivers by priority, team and rule
# pattern (first match wins unless continue); a burst raises one critical
# incident alert.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink sa
start_sink sb
start_sink sc
start_sink sd
write_login_rules
add_rules <<'Y'
  - id: t.refund
    description: Refund missing
    team: billing
    score: 30
    when: {keywords: [refund]}
  - id: t.lawyer
    description: Legal threat
    team: legal
    score: 90
    when: {keywords: [lawyer]}
Y
write_conf "$TMPD/c.yaml" <<Y
receivers:
  - {name: a, type: webhook, url: "http://127.0.0.1:$sa_port/a"}
  - {name: b, type: webhook, url: "http://127.0.0.1:$sb_port/b"}
  - {name: c, type: webhook, url: "http://127.0.0.1:$sc_port/c"}
  - {name: d, type: webhook, url: "http://127.0.0.1:$sd_port/d"}
routes:
  - {match: {rule: "t.law*"}, receivers: [d], continue: true}
  - {match: {priority: critical}, receivers: [a], continue: true}
  - {match: {team: billing}, receivers: [c]}
  - {receivers: [b]}
grouping:
  by: [rule, team]
  first_alert_after: {critical: 0s, high: 1s, normal: 1500ms, low: 1s}
  updates_at_most_every: 10s
incidents:
  - {name: login-storm, rules: [t.*], at_least: 5, within: 1m, cooldown: 10m}
Y
start_keluhd "$TMPD/c.yaml"
# alerts LOG: one line per alert: group count total incident priority samples
cat >"$TMPD/alerts.py" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(json.loads(line)["body"])["alert"]
    print(a["group"], a["count"], a["total"], a["incident"], a["priority"], len(a["mentions"]))
PY
alerts() { python3 "$TMPD/alerts.py" "$1"; }

t0=$(date +%s.%N)
post '{"id":"l1","text":"cannot login"}
{"id":"l2","text":"login broken","author":{"handle":"@big","followers":90000}}
{"id":"l3","text":"login again"}' >/dev/null
# the group stays open for updates_at_most_every after its alert is made,
# however long the sink takes to get it: the next one is posted as soon as
# the alert exists
wait_for 10 sh -c "curl -s '$URL/metrics' | grep -q '^keluh_alerts_total{'"
post '{"id":"l4","text":"login still broken"}' >/dev/null
wait_for 10 test -s "$sb_log"
t1=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["t"])' "$sb_log")
python3 -c "import sys; sys.exit(0 if $t1 - $t0 >= 1.4 else 1)"
is "the first alert waits first_alert_after of its priority" "$?" 0
is "three mentions, one digest" "$(alerts "$sb_log" | head -n 1)" "rule=t.login|team=tech 3 3 False normal 3"
python3 - "$sb_log" >"$TMPD/top" <<'PY'
import json, sys
a = json.loads(json.loads(open(sys.argv[1]).readline())["body"])["alert"]
print(a["top_authors"][0]["handle"], a["rule_info"][0]["description"])
PY
is "the digest ranks authors by reach and carries the rule description" "$(cat "$TMPD/top")" "@big Cannot log in"

wait_for 20 sh -c "[ \$(grep -c t.login $sb_log) -ge 2 ]"
python3 - "$sb_log" >"$TMPD/gap" <<'PY'
import json, sys
ts = [json.loads(l)["t"] for l in open(sys.argv[1])]
print("ok" if ts[1] - ts[0] >= 9.9 else "too soon: %.2f s" % (ts[1] - ts[0]))
PY
is "an update waits updates_at_most_every" "$(cat "$TMPD/gap")" ok
is "the update carries the new mention and the running total" "$(alerts "$sb_log" | grep t.login | sed -n 2p)" "rule=t.login|team=tech 1 4 False normal 1"

post '{"id":"r1","text":"no refund yet"}' >/dev/null
wait_for 10 sh -c "python3 $TMPD/alerts.py $sc_log | grep -q rule=t.refund"
is "team billing goes to its route only" "$(alerts "$sc_log" | grep t.refund)" "rule=t.refund|team=billing 1 1 False normal 1"

post '{"id":"w1","text":"calling my lawyer"}' >/dev/null
wait_for 10 sh -c "grep -q lawyer $sa_log && grep -q lawyer $sd_log && [ \$(grep -c lawyer $sb_log) -ge 1 ]"
is "critical goes to a (continue) ..." "$(alerts "$sa_log" | grep t.lawyer)" "rule=t.lawyer|team=legal 1 1 False critical 1"
is "... and on to the next matching route" "$(alerts "$sb_log" | grep -c t.lawyer)" 1
# what c could get by mistake was routed when the alert was made: once the
# outbox is empty, every delivery of every alert so far is done
outbox_empty() { [ -z "$("$KELUHCTL" queue --json --spool "$TMPD/c.db")" ]; }
wait_for 10 outbox_empty
is "every delivery so far is done" "$?" 0
is "billing got nothing else but the incident" "$(alerts "$sc_log" | grep -vc 't.refund\|incident=')" 0
is "a takes critical alerts only" "$(alerts "$sa_log" | grep -vc ' critical ')" 0
is "a rule pattern (t.law*) picks its route" "$(alerts "$sd_log" | grep -c 'rule=t.lawyer|')" 1
is "... and only its rules" "$(alerts "$sd_log" | grep -v 'incident=' | grep -vc 'rule=t.lawyer|')" 0

# the fifth complaint of t.* within a minute: one critical incident alert
wait_for 10 grep -q '"incident": true\|incident=login-storm' "$sa_log"
n=$(alerts "$sa_log" | grep -c 'incident=login-storm')
is "a burst raises one incident alert" "$n" 1
is "the incident is critical and marked" "$(alerts "$sa_log" | grep 'incident=login-storm' | cut -d' ' -f4,5)" "True critical"
post '{"id":"l9","text":"login login"}' >/dev/null
post '{"id":"l10","text":"login!!"}' >/dev/null
# a post is answered after its complaints went through the incident window,
# so an incident they raised is counted by now; a receives every critical
# alert, so once it took as many as were made, it took every one of them
is "the cooldown keeps it to one: one incident counted" \
	"$(metric_value 'keluh_incidents_total{incident="login-storm"}')" 1
a_took_all() {
	[ "$(metric_value 'keluh_deliveries_total{receiver="a",outcome="ok"}')" -ge \
		"$(metric_value 'keluh_alerts_total{priority="critical"}')" ]
}
wait_for 10 a_took_all
is "a took every critical alert made" "$?" 0
is "the cooldown keeps it to one" "$(alerts "$sa_log" | grep -c 'incident=login-storm')" 1

"$KELUHCTL" alerts --spool "$TMPD/c.db" >"$TMPD/alerts.out"
contains "keluhctl alerts lists them" "$TMPD/alerts.out" "t.lawyer"
stop_keluhd

# max_groups: 2 open groups are allowed, the third complaint goes to 'overflow'
write_conf "$TMPD/g.yaml" <<Y
grouping:
  by: [mention]
  first_alert_after: {critical: 1h, high: 1h, normal: 1h, low: 1h}
  max_groups: 2
Y
start_keluhd "$TMPD/g.yaml" "$TMPD/kg.log"
groups_hit() {
	curl -s "$URL/metrics" | sed -n 's/^keluh_bound_hits_total{bound="groups"} //p'
}
post '{"id":"g1","text":"login one"}
{"id":"g2","text":"login two"}' >/dev/null
is "max_groups: two groups fit" "$(groups_hit)" ""
post '{"id":"g3","text":"login three"}' >/dev/null
wait_until 10 '[ "$(groups_hit)" = 1 ]'
is "max_groups: the third is a bound hit" "$(groups_hit)" 1
stop_keluhd
done_testing
