#!/bin/sh
# The SLA clocks in a real keluhd, with tiny targets (critical: ack 2s;
# escalation to the webhook sink esc every 2s, at most 2 steps): a
# critical case nobody acknowledges is escalated exactly twice, once per
# step, and a restart between its steps sends the next step only, not
# the first again; a case acknowledged before its target never escalates;
# keluh_case_ack_seconds counts the acks and keluh_sla_breaches_total the
# late one; keluh_cases_overdue follows them. The brand's public reply on
# the fake Mastodon server sets the case's first reply once, with its
# event and keluh_case_first_reply_seconds; a later reply changes
# nothing; a reply to a complaint that still
# waits in its group (no alert, no case yet) is counted apart.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hook
start_sink esc
write_login_rules
add_rules <<'Y'
  - id: t.stolen
    description: Money stolen
    team: tech
    score: 90
    when: {keywords: [stolen]}
  - id: t.slow
    description: App is slow
    team: tech
    score: 15
    when: {keywords: [lambat]}
Y

# 5 s after keluhd connects, complaints on Mastodon; 5 s later the brand's
# replies to them, 5 s later another reply to the first
python3 - "$TMPD/script.json" "$TMPD/first_reply" <<'PY'
import json, sys, time

now = time.time()
def at(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))
budi = {"id": "7", "username": "budi", "acct": "budi@m.example", "display_name": "Budi"}
care = {"id": "9", "username": "dompetku_care", "acct": "dompetku_care", "display_name": "DK"}
def status(i, acct, content, when, to=None):
    return {"id": str(i), "created_at": at(when), "in_reply_to_id": to,
            "in_reply_to_account_id": "7" if to else None, "spoiler_text": "",
            "visibility": "public", "language": "id", "url": "https://127.0.0.1/@x/%d" % i,
            "edited_at": None, "content": content, "reblog": None, "account": acct}
def ev(obj):
    return "event: update\ndata: %s\n\n" % json.dumps(obj)
first = ":)\n"
first_c = (ev(status(300, budi, "<p>gak bisa login dari pagi</p>", now))
           + ev(status(301, budi, "<p>aplikasinya lambat</p>", now)))
# 301 is low: it waits an hour in its group, so the reply to it finds no case
reply = (ev(status(302, care, "<p>@budi sedang kami cek</p>", now + 30, to="301"))
         + ev(status(303, care, "<p>@budi maaf, kami cek</p>", now + 60, to="300")))
again = ev(status(304, care, "<p>@budi sudah bisa?</p>", now + 90, to="300"))
open(sys.argv[2], "w").write(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 60)))
sse = {"Content-Type": "text/event-stream"}
json.dump({"/api/v1/streaming/public": [{"headers": sse, "body": first + first_c + reply + again,
                                          "cuts": [len(first), len(first + first_c),
                                                   len(first + first_c + reply)],
                                          "gap": 5, "after": "hold"}]},
          open(sys.argv[1], "w"))
PY
start_stream_server srv "$TMPD/script.json"
printf 'masto-token\n' >"$TMPD/m.token"
chmod 600 "$TMPD/m.token"

SOCK=$TMPD/admin.sock
write_conf "$TMPD/c.yaml" <<Y
admin:
  socket: $SOCK
sources:
  - name: masto
    type: mastodon
    url: http://127.0.0.1:$srv_port/
    token_file: m.token
    brand_accounts: ["@dompetku_care"]
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$hook_port/h"}
  - {name: esc, type: webhook, url: "http://127.0.0.1:$esc_port/e"}
routes:
  - {receivers: [hook]}
grouping:
  by: [mention]
  first_alert_after: {critical: 0s, high: 0s, normal: 0s, low: 1h}
sla:
  critical: {ack: 2s}
  normal: {first_reply: 1h}
escalation: {to: [esc], repeat_every: 2s, at_most: 2}
Y
start_keluhd "$TMPD/c.yaml"
ctl() {
	cmd=$1
	shift
	"$KELUHCTL" $cmd --socket "$SOCK" "$@"
}
jget() { python3 -c "import json,sys; j=json.load(open(sys.argv[2])); print($1)" "$2" "$2"; }
# case_of MENTION: the id of the case of the group of that one mention
case_of() {
	ctl cases --all --json >"$TMPD/cases.json" 2>/dev/null &&
		jget '" ".join(str(c["id"]) for c in j["cases"] if c["group"].endswith("'"$1"'"))' \
			"$TMPD/cases.json"
}
# steps CASE: the escalation steps esc got for the case, in order (no
# python: a step comes 2 s after the last, a loaded machine starts python slower)
steps() {
	grep -o '\\"escalation\\":{\\"case\\":'"$1"',\\"step\\":[0-9]*' "$esc_log" |
		sed 's/.*://' | tr '\n' ' '
}
metric() { metric_value "$1"; }
ACK='keluh_case_ack_seconds_count{team="tech",priority="critical"}'
BREACH='keluh_sla_breaches_total{team="tech",priority="critical",target="ack"}'

# c2, c1, c3 in turn, before the Mastodon complaint (5 s after keluhd starts): cases #1, #2, #3
post '{"id":"c2","text":"stolen balance"}' application/json >/dev/null
wait_until 10 '[ "$(count_lines "$hook_log")" -ge 1 ]'
ctl ack 1 >"$TMPD/ack2.out" 2>&1
is "case #1 acknowledged before its target" "$?" 0
post '{"id":"c1","text":"money stolen from my account"}' application/json >/dev/null
wait_until 10 '[ "$(count_lines "$hook_log")" -ge 2 ]'
post '{"id":"c3","text":"my money was stolen"}' application/json >/dev/null
wait_until 10 '[ "$(count_lines "$hook_log")" -ge 3 ]'
C2=1 C1=2 C3=3

# --- the first step, then a restart -------------------------------------------
wait_until 15 'test "$(steps $C1)" = "1 " && test "$(steps $C3)" = "1 "'
is "the unacknowledged case of c1 is escalated to esc: step 1" "$(steps $C1)" "1 "
is "so is the case of c3" "$(steps $C3)" "1 "
stop_keluhd
start_keluhd "$TMPD/c.yaml" "$TMPD/k2.log"
wait_until 15 'test "$(steps $C1)" = "1 2 " && test "$(steps $C3)" = "1 2 "'
is "after a restart the case of c1 gets step 2, not step 1 again" "$(steps $C1)" "1 2 "
is "so does the case of c3" "$(steps $C3)" "1 2 "

for c in 1:c2 2:c1 3:c3; do
	ctl show "${c%:*}" --json >"$TMPD/s.json"
	is "case #${c%:*} is ${c#*:}'s" "$(jget 'j["case"]["group"]' "$TMPD/s.json")" "mention=${c#*:}"
done
ctl show $C1 --json >"$TMPD/s1.json"
is "the case is overdue, its timeline has the escalations by keluhd" \
	"$(jget 'j["case"]["overdue"], [(e["platform"], e["detail"]["step"]) for e in j["case"]["events"] if e["kind"] == "escalated"]' "$TMPD/s1.json")" \
	"True [('keluhd', 1), ('keluhd', 2)]"
python3 - "$esc_log" "$C1" >"$TMPD/esc1.txt" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(json.loads(line)["body"])["alert"]
    if str(a["escalation"]["case"]) == sys.argv[2]:
        print(a["priority"], a["mentions"][0]["id"], a["escalation"]["at_most"])
        break
PY
is "the escalation carries the case's alert: priority and complaint" "$(cat "$TMPD/esc1.txt")" \
	"critical c1 2"

# a new case's two steps take 4 s more: time for a third step of the others to show
post '{"id":"c4","text":"stolen again"}' application/json >/dev/null
wait_until 20 'test -n "$(case_of =c4)" && test "$(steps "$(case_of =c4)")" = "1 2 "'
is "a case opened after the restart escalates on its own clock" "$(steps "$(case_of =c4)")" "1 2 "
is "at_most 2: no third step for c1" "$(steps $C1)" "1 2 "
is "nor for c3" "$(steps $C3)" "1 2 "
is "none ever for the acknowledged case" "$(steps $C2)" ""
is "keluh_escalations_total counts the steps sent since the restart" \
	"$(metric 'keluh_escalations_total{team="tech",priority="critical"}')" 4
wait_until 10 'test "$(metric keluh_cases_overdue)" = 3'
is "keluh_cases_overdue: the three cases past their ack target" "$(metric keluh_cases_overdue)" 3

ctl ack $C1 >/dev/null 2>&1
is "keluh_case_ack_seconds counts the ack" "$(metric "$ACK")" 1
is "a late ack is a breach of the ack target" "$(metric "$BREACH")" 1
wait_until 10 'test "$(metric keluh_cases_overdue)" = 2'
is "an acknowledged case is overdue no more" "$(metric keluh_cases_overdue)" 2
ctl ack "$(case_of =c4)" --by rina >/dev/null 2>&1
is "the histogram counts every ack" "$(metric "$ACK")" 2
ctl show 1 --json >"$TMPD/s2.json"
is "the case acknowledged in time is not overdue" "$(jget 'j["case"]["overdue"]' "$TMPD/s2.json")" False

# --- the first public reply (the stream starts again with keluhd) -----------------
wait_until 30 'test "$(metric "keluh_public_replies_total{source=\"masto\"}")" = 3'
is "the brand's three replies are seen" "$(metric 'keluh_public_replies_total{source="masto"}')" 3
is "keluh_case_first_reply_seconds observes the first, by team and priority" \
	"$(metric 'keluh_case_first_reply_seconds_count{team="tech",priority="normal"}')" 1
is "a reply to a complaint still waiting in its group counts for no case" \
	"$(metric 'keluh_public_replies_uncased_total{source="masto"}')" 1
CM=$(case_of :300)
ctl show "$CM" --json >"$TMPD/sm.json"
is "the first reply sets the case's first reply; the later one changes nothing" \
	"$(jget 'j["case"]["first_reply_at"]' "$TMPD/sm.json")" "$(cat "$TMPD/first_reply")"
is "its event: replied_publicly by the brand account, on mastodon, once" \
	"$(jget '[(e["platform"], e["actor"]) for e in j["case"]["events"] if e["kind"] == "replied_publicly"]' "$TMPD/sm.json")" \
	"[('mastodon', '@dompetku_care')]"
stop_keluhd

done_testing
