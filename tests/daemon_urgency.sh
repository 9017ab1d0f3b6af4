#!/bin/sh
# Urgent news and the daemon's own health: a critical complaint, or one
# that raises its group's priority, goes out at once (at most every
# urgent_updates_at_most_every), not after updates_at_most_every.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink su
mkdir -p "$TMPD/rules.d"
cat >"$TMPD/rules.d/10.yaml" <<'Y'
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
cat >"$TMPD/u.yaml" <<Y
rules: rules.d
http:
  listen: 127.0.0.1:0
spool:
  path: $TMPD/u.db
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

done_testing
