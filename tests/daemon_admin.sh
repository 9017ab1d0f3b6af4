#!/bin/sh
# The admin API on its Unix socket, through keluhctl: status shows what is
# loaded; reload applies a good change (exit 0) and keeps the running rules
# on a broken one (exit 1, the file:line:col on stderr); a silence mutes
# exactly what it matches, is announced at the receiver when it starts and
# when it ends, ends on time, survives a restart, and the next digest counts
# what it muted.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hook
write_login_rules
add_rules <<'Y'
  - id: t.refund
    team: billing
    score: 30
    when: {keywords: [refund]}
Y
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
  first_alert_after: {critical: 0s, high: 1s, normal: 1s, low: 1s}
  updates_at_most_every: 3s
Y
start_keluhd "$TMPD/c.yaml"
ctl() {
	cmd=$1
	shift
	"$KELUHCTL" $cmd --socket "$SOCK" "$@"
}
# jq-less JSON: jget EXPR FILE, EXPR over the object j
jget() { python3 -c "import json,sys; j=json.load(open(sys.argv[2])); print($1)" "$2" "$2"; }
# hook LOG: one line per request: id group count suppressed tags texts
cat >"$TMPD/hook.py" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(json.loads(line)["body"])["alert"]
    print(a["id"], a["group"], a["count"], a["suppressed"], ",".join(a["tags"]),
          "|".join(m["text"] for m in a["mentions"]))
PY
hook() { python3 "$TMPD/hook.py" "$hook_log"; }

is "the admin socket is there, mode 0660" "$(stat -c '%F %a' "$SOCK")" "socket 660"

# --- status ------------------------------------------------------------------
ctl status >"$TMPD/st.out" 2>&1
is "keluhctl status exits 0" "$?" 0
contains "status: rules and routes" "$TMPD/st.out" "2 rules, 1 routes"
check "status: receivers with their queues" grep -Eq '^  hook +webhook +[0-9]+ pending +[0-9]+ dead +[0-9]+ delivered$' "$TMPD/st.out"
contains "status: no reload yet" "$TMPD/st.out" "last reload: none"
ctl status --json >"$TMPD/st.json"
is "status --json: version, rules, receivers, reload" \
	"$(jget 'j["version"] != "" and j["rules"], [r["name"] for r in j["receivers"]], j["reload"]["last_at"], j["uptime_s"] >= 0' "$TMPD/st.json")" \
	"2 ['hook'] None True"
"$KELUHCTL" status -c "$TMPD/c.yaml" --json >"$TMPD/st2.json"
is "keluhctl -c FILE finds the socket through admin.socket" "$(jget 'j["rules"]' "$TMPD/st2.json")" 2
"$KELUHCTL" status --socket "$TMPD/nope.sock" 2>"$TMPD/nope.err"
is "no daemon there: exit 1" "$?" 1
contains "and it says so" "$TMPD/nope.err" "cannot reach keluhd"

# --- reload --------------------------------------------------------------------
add_rules <<'Y'
  - id: t.otp
    team: tech
    score: 30
    when: {keywords: [otp]}
Y
ctl reload >"$TMPD/rl.out" 2>&1
is "keluhctl reload of a good change exits 0" "$?" 0
contains "and reports the new set" "$TMPD/rl.out" "reloaded: 3 rules"
is "the new rules are live as soon as reload returns" \
	"$(curl -s "$URL/healthz" | sed -n 's/.*"rules":\([0-9]*\).*/\1/p')" 3
printf 'rules:\n  - id: t.bad\n    score: 10\n    when: {regex: "(oops"}\n' >"$TMPD/rules.d/20-bad.yaml"
ctl reload >"$TMPD/rl2.out" 2>"$TMPD/rl2.err"
is "keluhctl reload of a broken rule file exits 1" "$?" 1
contains "and prints the file:line:col of the error" "$TMPD/rl2.err" "20-bad.yaml:4:"
contains "and that the running configuration was kept" "$TMPD/rl2.err" "kept the running configuration"
is "the old rules keep running" "$(curl -s "$URL/healthz" | sed -n 's/.*"rules":\([0-9]*\).*/\1/p')" 3
ctl status --json >"$TMPD/st3.json"
is "status shows the failed reload and why" \
	"$(jget 'j["reload"]["ok"], "20-bad.yaml:4:" in j["reload"]["error"], j["reload"]["reloads"], j["reload"]["failures"]' "$TMPD/st3.json")" \
	"False True 1 1"
ctl reload --json >"$TMPD/rl3.json" 2>/dev/null
is "reload --json: the daemon's answer" "$(jget 'j["ok"], "20-bad.yaml:4:" in j["error"]' "$TMPD/rl3.json")" "False True"
rm "$TMPD/rules.d/20-bad.yaml"
post '{"id":"o1","text":"no otp"}' application/json >/dev/null

# --- silences --------------------------------------------------------------------
ctl silence add --match 'rule=t.*,team=tech,words="gak bisa"' --for 1m --reason "login fix deploying" \
	--author ana >"$TMPD/s1.out" 2>&1
is "silence add exits 0" "$?" 0
contains "and says what it mutes" "$TMPD/s1.out" 'silence 1 created: rule=t.*,team=tech,words="gak bisa"'
contains "and where it was announced" "$TMPD/s1.out" "announced to: hook"
wait_for 10 grep -q silence-1-created "$hook_log"
hook >"$TMPD/h1"
contains "the creation is announced at the receiver, tagged silence" "$TMPD/h1" "silence-1-created silence=1 0 0 silence"
python3 - "$hook_log" >"$TMPD/h1d" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(json.loads(line)["body"])["alert"]
    if a["id"] == "silence-1-created":
        print(a["priority"], a["rule_info"][0]["description"], a["silence"]["author"], a["silence"]["event"])
PY
contains "the announcement says who, until when, what and why" "$TMPD/h1d" \
	'low Silence 1 by ana until '
contains "... with matchers and reason" "$TMPD/h1d" 'rule=t.* team=tech words="gak bisa" (login fix deploying) ana created'
ctl silence list >"$TMPD/sl.out"
contains "silence list shows it" "$TMPD/sl.out" 'login fix deploying'
ctl silence list --json >"$TMPD/sl.json"
is "silence list --json" "$(jget '[(s["id"], s["active"], s["author"], s["matchers"]["words"]) for s in j["silences"]]' "$TMPD/sl.json")" \
	"[(1, True, 'ana', 'gak bisa')]"

# a matching and a non-matching complaint of the same group: only the second alerts
r=$(post '{"id":"m1","text":"GAK bisa login dari tadi"}
{"id":"m2","text":"login error terus"}')
is "both are accepted and counted as complaints" "$r" '202 {"accepted":2,"complaints":2,"duplicates":0}'
wait_for 10 sh -c "python3 $TMPD/hook.py $hook_log | grep -q 'rule=t.login|team=tech'"
hook | grep 'rule=t.login|team=tech' >"$TMPD/h2"
is "the digest carries the non-matching one only and counts the muted one" \
	"$(cut -d' ' -f2- "$TMPD/h2")" "rule=t.login|team=tech 1 1  login error terus"
# the next digest of the group counts what was muted since
post '{"id":"m3","text":"masih gak bisa login"}
{"id":"m4","text":"login lemot"}' >/dev/null
wait_for 10 sh -c "[ \$(python3 $TMPD/hook.py $hook_log | grep -c 'rule=t.login|team=tech') -ge 2 ]"
is "the next digest counts what was suppressed since" \
	"$(hook | grep 'rule=t.login|team=tech' | sed -n 2p | cut -d' ' -f2-)" "rule=t.login|team=tech 1 1  login lemot"
lacks "no muted text reached the receiver" "$hook_log" "gak bisa login"
is "the metric counts muted complaints" \
	"$(curl -s "$URL/metrics" | sed -n 's/^keluh_complaints_muted_total \([0-9]*\).*/\1/p')" 2
ctl silence expire 1 --author budi >"$TMPD/se.out" 2>&1
is "silence expire exits 0" "$?" 0
contains "and reports what it muted" "$TMPD/se.out" "silence 1 expired; it muted 2 complaints"
wait_for 10 grep -q silence-1-expired "$hook_log"
hook >"$TMPD/h3"
contains "the end is announced, with the count" "$TMPD/h3" "silence-1-expired silence=1 0 2 silence"
ctl silence expire 1 2>"$TMPD/se2.err"
is "expiring it again exits 1" "$?" 1
contains "saying there is no such active silence" "$TMPD/se2.err" "no active silence 1"
post '{"id":"m5","text":"gak bisa login lagi"}' >/dev/null
wait_for 10 sh -c "python3 $TMPD/hook.py $hook_log | grep -q 'gak bisa login lagi'"
hook >"$TMPD/h4"
contains "after it ended, the same words alert again" "$TMPD/h4" "gak bisa login lagi"

# on time: a 2 s silence ends by itself, announced at the receiver
ctl silence add --match 'author=spammer' --for 2s --reason "short" >/dev/null
wait_for 10 grep -q silence-2-expired "$hook_log"
python3 - "$hook_log" >"$TMPD/gap" <<'PY'
import json, sys
t = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    t[json.loads(r["body"])["alert"]["id"]] = r["t"]
d = t["silence-2-expired"] - t["silence-2-created"]
print("ok" if 1.5 <= d <= 4 else "ended %.2f s after it started" % d)
PY
is "a 2 s silence ends on time" "$(cat "$TMPD/gap")" ok
ctl silence list >"$TMPD/sl2.out"
contains "then no silence is active" "$TMPD/sl2.out" "no active silences"
ctl silence list --all --json >"$TMPD/sl3.json"
is "list --all keeps the ended ones" "$(jget '[(s["id"], s["active"], s["ended_by"]) for s in j["silences"]]' "$TMPD/sl3.json")" \
	"[(2, False, 'expiry'), (1, False, 'budi')]"

# bad requests
ctl silence add --match team=tech --reason r >/dev/null 2>&1
is "silence add without --for or --until: usage, exit 2" "$?" 2
ctl silence add --match 'team' --for 1h --reason r >/dev/null 2>&1
is "a malformed --match: exit 2" "$?" 2
ctl silence add --match 'colour=red' --for 1h --reason r 2>"$TMPD/bad.err" >/dev/null
is "an unknown matcher is refused by keluhd: exit 1" "$?" 1
contains "with its reason" "$TMPD/bad.err" "unknown matcher"
ctl silence add --match 'team=x' --until 2001-01-01T00:00:00Z --reason r 2>"$TMPD/bad2.err" >/dev/null
is "an expiry in the past: exit 1" "$?" 1
contains "saying so" "$TMPD/bad2.err" "in the past"
curl -s --unix-socket "$SOCK" -X DELETE -o /dev/null -w '%{http_code}' http://x/v1/admin/reload >"$TMPD/405"
is "a wrong method is 405" "$(cat "$TMPD/405")" 405

# a silence survives a restart
ctl silence add --match 'team=billing' --for 10m --reason "persist" >/dev/null
stop_keluhd
is "the socket file goes when keluhd stops" "$(test -e "$SOCK" && echo there || echo gone)" gone
start_keluhd "$TMPD/c.yaml"
ctl silence list --json >"$TMPD/sl4.json"
is "after a restart the active silence is back" "$(jget '[(s["id"], s["reason"]) for s in j["silences"]]' "$TMPD/sl4.json")" \
	"[(3, 'persist')]"

# expire takes an author as add does: UTF-8 of at most 256 bytes
expire3() {
	python3 -c 'import json, sys; print(json.dumps({"author": "a" * int(sys.argv[1])}))' "$1" \
		>"$TMPD/exp.json"
	curl -s --unix-socket "$SOCK" -X POST -H 'Content-Type: application/json' \
		--data-binary @"$TMPD/exp.json" -o "$TMPD/exp.out" -w '%{http_code}' \
		http://x/v1/admin/silences/3/expire
}
is "expire with a 257-byte author: 422" "$(expire3 257)" 422
contains "saying why" "$TMPD/exp.out" "author is UTF-8 of at most 256 bytes"
ctl silence list --json >"$TMPD/sl5.json"
is "and the silence stays active" "$(jget '[s["id"] for s in j["silences"]]' "$TMPD/sl5.json")" "[3]"
is "expire with a 256-byte author: 200" "$(expire3 256)" 200
ctl silence list --all --json >"$TMPD/sl6.json"
is "it ended, by that author" "$(jget '[len(s["ended_by"]) for s in j["silences"] if s["id"] == 3]' "$TMPD/sl6.json")" "[256]"
stop_keluhd

done_testing
