#!/bin/sh
# What an alert says about its mentions: the samples are chosen by score
# and reach (not by arrival), keluhctl show lists every mention of an alert
# with its verdict, and the webhook's matches name their rule and pattern.
# Then paging: receivers with mention_on_critical ping their people on a
# critical alert and not on a high one; bad mentions fail --check.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink wh
start_sink slk --body ok
write_login_rules
add_rules <<'Y'
  - id: t.broken
    description: Something broke
    team: tech
    score: 20
    when: {keywords: [broken]}
  - id: t.lawyer
    description: Legal threat
    team: legal
    score: 90
    when: {keywords: [lawyer]}
Y
write_conf "$TMPD/c.yaml" <<Y
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
{"id":"m2","text":"cannot login\u001b[2J\u009b1m","author":{"handle":"@a2","followers":20}}
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
is "show: no control character of a post reaches the terminal" \
	"$(LC_ALL=C grep -c "$(printf '\033')\\|$(printf '\302\233')" "$TMPD/show.out")" 0
contains "show: they are shown as spaces" "$TMPD/show.out" "  cannot login [2J 1m"
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

# a complaint spooled by an older keluh (bare [start, end] matches) and
# still pending goes out after the upgrade in the new shape
python3 - "$TMPD/c.db" <<'PY'
import json, sqlite3, sys, time
row = {"rule_info": [{"id": "t.login", "description": "Cannot log in", "score": 30}],
       "tags": [], "team": "tech", "rule": "t.login",
       "entry": {"id": "old1", "source": "http", "text": "old login", "url": None,
                 "created_at": None, "lang": None,
                 "author": {"handle": "@old", "name": None, "followers": 1, "verified": False},
                 "score": 30, "priority": "normal", "rules": ["t.login"], "matches": [[4, 9]]}}
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO mentions (mention_id, group_key, priority, at_ms, json) VALUES (?, ?, ?, ?, ?)",
           ("old1", "team=tech", 2, int(time.time() * 1000), json.dumps(row)))
db.commit()
PY
start_keluhd "$TMPD/c.yaml"
wait_for 15 sh -c "grep -q old1 $wh_log"
python3 - "$wh_log" >"$TMPD/old" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    for m in json.loads(json.loads(l)["body"])["alert"]["mentions"]:
        if m["id"] == "old1":
            print(json.dumps(m["matches"], sort_keys=True))
PY
is "a pending complaint from before the upgrade: its matches in the new shape" "$(cat "$TMPD/old")" \
	'[{"end": 9, "kind": null, "pattern": null, "rule": null, "start": 4, "text": "login"}]'
stop_keluhd

# paging: each kind of chat receiver, one critical and one high alert
start_sink hs --body '{"ok":true}'
write_conf "$TMPD/p.yaml" <<Y
receivers:
  - name: slack
    type: slack
    url: "http://127.0.0.1:$slk_port/pslack"
    mention_on_critical: ["<!subteam^S0123ABC>", "<@U0456DEF>"]
  - name: mm
    type: mattermost
    url: "http://127.0.0.1:$hs_port/mm"
    mention_on_critical: ["@oncall"]
  - name: discord
    type: discord
    url: "http://127.0.0.1:$hs_port/discord"
    mention_on_critical: ["<@&222222222222222222>", "<@111111111111111111>"]
  - name: tg
    type: telegram
    url: "http://127.0.0.1:$hs_port"
    bot_token: "123:abc"
    chat_id: "-100"
    mention_on_critical: ["@oncall_lead"]
    mention_at_least: high
routes:
  - {receivers: [slack, mm, discord, tg]}
$(conf_at_once)
Y
start_keluhd "$TMPD/p.yaml"
: >"$slk_log"
r=$(post '{"id":"p1","text":"calling my lawyer"}
{"id":"p2","text":"login broken"}')
is "a critical and a high complaint: 202" "${r%% *}" 202
wait_for 20 sh -c "[ \$(wc -l <$hs_log) -ge 6 ] && [ \$(wc -l <$slk_log) -ge 2 ]"
python3 - "$hs_log" "$slk_log" >"$TMPD/pages" <<'PY'
import json, sys
for f in sys.argv[1:]:
    for l in open(f):
        r = json.loads(l)
        b = json.loads(r["body"])
        kind = r["path"].split("/")[1].split("?")[0]
        text = b.get("content") if kind == "discord" else b.get("text")
        prio = "critical" if "CRITICAL" in r["body"] else "high"
        if kind == "discord":
            print(kind, prio, "allowed", json.dumps(b["allowed_mentions"], sort_keys=True))
        print(kind, prio, json.dumps(text.split(" ")[:2] if kind in ("pslack", "discord") else text.split("\n")[0]))
PY
contains "slack: a critical alert mentions the group and the user" "$TMPD/pages" 'pslack critical ["<!subteam^S0123ABC>", "<@U0456DEF>"]'
lacks "slack: a high alert mentions nobody" "$TMPD/pages" 'pslack high ["<!subteam'
contains "mattermost: a critical alert mentions @oncall on a line of its own" "$TMPD/pages" 'mm critical "@oncall"'
lacks "mattermost: a high alert does not" "$TMPD/pages" 'mm high "@oncall"'
contains "discord: a critical alert mentions the role and the user" \
	"$TMPD/pages" 'discord critical ["<@&222222222222222222>", "<@111111111111111111>"]'
contains "discord: ... and allows exactly them to be pinged" "$TMPD/pages" \
	'discord critical allowed {"parse": [], "roles": ["222222222222222222"], "users": ["111111111111111111"]}'
contains "discord: a high alert lets nobody be pinged" "$TMPD/pages" 'discord high allowed {"parse": []}'
lacks "discord: a high alert mentions nobody" "$TMPD/pages" 'discord high ["<@'
contains "telegram (mention_at_least: high): the critical alert mentions" "$TMPD/pages" 'bot123:abc critical "@oncall_lead"'
contains "telegram (mention_at_least: high): the high alert too" "$TMPD/pages" 'bot123:abc high "@oncall_lead"'
stop_keluhd

# mentions that are not the platform's syntax fail at load, at their place
cat >"$TMPD/bad.yaml" <<'Y'
rules: rules.d
receivers:
  - name: slack
    type: slack
    url: https://hooks.slack.com/services/T/B/X
    mention_on_critical: ["<@U0456DEF>", "@here"]
  - name: discord
    type: discord
    url: https://discord.com/api/webhooks/1/t
    mention_on_critical: ["<@&12a>"]
  - name: tg
    type: telegram
    bot_token: "123:abc"
    chat_id: "-100"
    mention_on_critical: "@oncall_lead"
  - name: teams
    type: teams
    url: https://example.com/teams
    mention_on_critical: ["<at>x</at>"]
  - name: mm
    type: mattermost
    url: https://example.com/hooks/x
    mention_at_least: high
Y
"$KELUHD" --check -c "$TMPD/bad.yaml" >"$TMPD/bad.out" 2>&1
is "bad mentions: --check exits 1" "$?" 1
contains "slack: the bad entry, at its line and column, with the forms to use" "$TMPD/bad.out" \
	"bad.yaml:6:42: error: receiver 'slack': '@here' is not a slack mention; write \"<@U123ABC>\" for a user, \"<!subteam^S123ABC>\" for a user group (their ids, not names), or \"<!here>\""
contains "discord: ids are numbers" "$TMPD/bad.out" "bad.yaml:10:27: error: receiver 'discord': '<@&12a>' is not a discord mention"
contains "a string where a list is expected" "$TMPD/bad.out" "bad.yaml:15:26: error: receiver 'tg': mention_on_critical must be a list"
contains "teams cannot mention people" "$TMPD/bad.out" "bad.yaml:19:5: error: receiver 'teams': teams receivers cannot mention people"
contains "mention_at_least alone does nothing" "$TMPD/bad.out" "bad.yaml:23:23: error: receiver 'mm': mention_at_least says"
# a review's stars reach the rules: a 1-star review is an alert with the
# rating as evidence, a 5-star one with the same words is none
start_sink rv
mkdir -p "$TMPD/rv/rules.d"
write_rules "$TMPD/rv/rules.d/10.yaml" <<'Y'
rules:
  - id: t.low_review
    description: A review of one or two stars
    team: tech
    score: 30
    when: {rating: <= 2}
Y
conf_alert_each rv /rv | write_conf "$TMPD/rv/c.yaml"
start_keluhd "$TMPD/rv/c.yaml"
r=$(post '{"id":"google-play:r1","text":"meh","rating":1}
{"id":"google-play:r5","text":"meh","rating":5}
{"id":"x:1","text":"meh"}')
is "reviews: one complaint, the 1-star one" "$r" '202 {"accepted":3,"complaints":1,"duplicates":0}'
wait_for 15 test -s "$rv_log"
python3 - "$rv_log" >"$TMPD/rv/out" <<'PY'
import json, sys
m = json.loads(json.loads(open(sys.argv[1]).readline())["body"])["alert"]["mentions"][0]
print(m["id"], m["rating"], [(x["rule"], x["kind"], x["pattern"]) for x in m["matches"]])
PY
is "reviews: the alert carries the rating and its evidence" "$(cat "$TMPD/rv/out")" \
	"google-play:r1 1 [('t.low_review', 'rating', '<= 2')]"
stop_keluhd
done_testing
