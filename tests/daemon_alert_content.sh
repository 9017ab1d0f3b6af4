#!/bin/sh
# What an alert says about its mentions: the samples are chosen by score
# and reach (not by arrival), keluhctl show lists every mention of an alert
# with its verdict, and the webhook's matches name their rule and pattern.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink wh
start_sink slk --body ok
mkdir -p "$TMPD/rules.d"
cat >"$TMPD/rules.d/10.yaml" <<'Y'
rules:
  - id: t.login
    description: Cannot log in
    team: tech
    score: 30
    when: {keywords: [login]}
  - id: t.broken
    description: Something broke
    team: tech
    score: 20
    when: {keywords: [broken]}
Y
cat >"$TMPD/c.yaml" <<Y
rules: rules.d
http:
  listen: 127.0.0.1:0
spool:
  path: $TMPD/c.db
receivers:
  - {name: wh, type: webhook, url: "http://127.0.0.1:$wh_port/wh"}
  - {name: slack, type: slack, url: "http://127.0.0.1:$slk_port/slack"}
routes:
  - {receivers: [wh, slack]}
grouping:
  by: [team]
  first_alert_after: {critical: 1s, high: 1s, normal: 1s, low: 1s}
  samples: 6
Y
start_keluhd "$TMPD/c.yaml"
# eight complaints of one group: the widely followed author comes seventh,
# the highest score last; grouping.samples keeps six of them for the alert
r=$(post '{"id":"m1","text":"cannot login","author":{"handle":"@a1","followers":10}}
{"id":"m2","text":"cannot login","author":{"handle":"@a2","followers":20}}
{"id":"m3","text":"cannot login","author":{"handle":"@a3","followers":30}}
{"id":"m4","text":"cannot login","author":{"handle":"@a4","followers":40}}
{"id":"m5","text":"cannot login","author":{"handle":"@a5","followers":50}}
{"id":"m6","text":"cannot login","author":{"handle":"@a6","followers":60}}
{"id":"m7","text":"cannot login today","author":{"handle":"@big199","followers":199000,"verified":true}}
{"id":"m8","text":"login broken","author":{"handle":"@a8","followers":5}}')
is "eight complaints: 202" "$r" '202 {"accepted":8,"complaints":8,"duplicates":0}'
wait_for 15 sh -c "test -s $wh_log && test -s $slk_log"
python3 - "$wh_log" >"$TMPD/order" <<'PY'
import json, sys
a = json.loads(json.loads(open(sys.argv[1]).readline())["body"])["alert"]
print(a["count"], " ".join(m["id"] for m in a["mentions"]))
PY
is "the alert lists the highest score, the widest reach, then by score and reach" \
	"$(cat "$TMPD/order")" "8 m8 m7 m6 m5 m4 m3"
contains "the 199k-follower author is in the chat message" "$slk_log" "@big199"
is "the samples left out are a bound hit" "$(metric_value 'keluh_bound_hits_total{bound="alert_samples"}')" 2

# the webhook's matches: each with its rule and pattern, once
python3 - "$wh_log" >"$TMPD/matches" <<'PY'
import json, sys
body = json.loads(json.loads(open(sys.argv[1]).readline())["body"])
m8 = [m for m in body["alert"]["mentions"] if m["id"] == "m8"][0]
print("version", body["version"])
for x in m8["matches"]:
    print(x["rule"], x["kind"], x["pattern"], x["start"], x["end"], x["text"])
PY
is "the webhook's matches name their rule and pattern" "$(cat "$TMPD/matches")" "version 2
t.login keyword login 0 5 login
t.broken keyword broken 6 12 broken"

# keluhctl show: every mention, the two left out of the alert too
id=$("$KELUHCTL" alerts --json --spool "$TMPD/c.db" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["alert"])')
"$KELUHCTL" show --spool "$TMPD/c.db" "$id" >"$TMPD/show.out" 2>&1
is "show: exit 0" "$?" 0
is "show: one block per mention, all eight" "$(grep -c '^m[0-9]  ' "$TMPD/show.out")" 8
contains "show: a mention left out of the alert is listed" "$TMPD/show.out" "m1  normal  score 30  @a1 (10 followers)"
contains "show: the verdict's rules with their scores" "$TMPD/show.out" "rules: t.login (30), t.broken (20)"
contains "show: the evidence" "$TMPD/show.out" "evidence: t.broken keyword 'broken' matched 'broken'"
contains "show: which mentions the alert carried" "$TMPD/show.out" "@big199 (199000 followers, verified)  [in the alert]"
"$KELUHCTL" show --json --spool "$TMPD/c.db" "$id" >"$TMPD/show.json"
python3 - "$TMPD/show.json" "$id" >"$TMPD/show.check" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(len(rows), all(r["alert"] == sys.argv[2] for r in rows))
print(" ".join(r["id"] for r in rows))
print(" ".join(r["id"] for r in rows if not r["listed"]))
m8 = [r for r in rows if r["id"] == "m8"][0]
print(m8["priority"], m8["score"], [x["id"] for x in m8["rule_info"]], m8["team"])
PY
is "show --json: every mention of the alert, by arrival, with its verdict" "$(cat "$TMPD/show.check")" "8 True
m1 m2 m3 m4 m5 m6 m7 m8
m1 m2
$(sed -n 's/^m8  \([a-z]*\)  score \([0-9]*\) .*/\1 \2/p' "$TMPD/show.out") ['t.login', 't.broken'] tech"
"$KELUHCTL" show --spool "$TMPD/c.db" a-nosuch-1 >"$TMPD/none.out" 2>&1
is "show: an unknown alert id exits 1" "$?" 1
contains "show: an unknown alert id says so" "$TMPD/none.out" "keluhctl: no alert 'a-nosuch-1' in the spool"
"$KELUHCTL" show --spool "$TMPD/c.db" >"$TMPD/noid.out" 2>&1
is "show without an id is a usage error" "$?" 2
contains "show without an id says what it takes" "$TMPD/noid.out" "show takes one alert id"
stop_keluhd
done_testing
