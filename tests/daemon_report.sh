#!/bin/sh
# keluhctl report and the digests, against a real keluhd: complaints open
# cases that keluhctl acknowledges and resolves; with their clocks aged to
# known lengths in the spool, `keluhctl report --json` (read-only, while
# keluhd runs) has the right counts, medians, p90s, breaches and topics per
# team and priority, and --team keeps one team. A digest sent on demand
# (keluhctl report --send N) reaches its webhook once, text for chat and
# JSON for machines; one whose due time passed while keluhd was down goes
# out once at start, and never again after another restart.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hook
start_sink dig
write_login_rules
add_rules <<'Y'
  - id: t.password
    description: Password reset broken
    team: tech
    score: 30
    when: {keywords: [password]}
  - id: t.otp
    description: OTP never arrives
    team: tech
    score: 30
    when: {keywords: [otp]}
  - id: t.legal
    description: Legal threat
    team: legal
    score: 90
    when: {keywords: [lawyer]}
Y
SOCK=$TMPD/admin.sock
# a daily digest whose time today (UTC) has passed ten minutes ago
DUE=$(python3 -c 'import time; print(time.strftime("%H:%M", time.gmtime(time.time() - 600)))')
write_conf "$TMPD/c.yaml" <<Y
admin:
  socket: $SOCK
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$hook_port/h"}
  - {name: dig, type: webhook, url: "http://127.0.0.1:$dig_port/d"}
routes:
  - {receivers: [hook]}
grouping:
  by: [rule, team]
  first_alert_after: {critical: 0s, high: 0s, normal: 0s, low: 0s}
  updates_at_most_every: 1s
sla:
  normal: {ack: 5m, resolve: 1ms}
  critical: {ack: 1h, resolve: 1ms}
reports:
  - {every: "daily $DUE", to: [dig], since: 1d}
Y
DB=$TMPD/c.db
start_keluhd "$TMPD/c.yaml"
ctl() {
	cmd=$1
	shift
	"$KELUHCTL" $cmd --socket "$SOCK" "$@"
}
sql() { python3 -c 'import sqlite3,sys; d=sqlite3.connect(sys.argv[1], timeout=10); r=d.execute(sys.argv[2]).fetchall(); d.commit(); print(r[0][0] if r else "")' "$DB" "$1"; }
jget() { python3 -c "import json,sys; j=json.load(open(sys.argv[2])); print($1)" "$2" "$2"; }
report() { "$KELUHCTL" report -c "$TMPD/c.yaml" "$@"; }
digests() { sql "SELECT count(*) FROM alerts WHERE group_key LIKE 'report:%'"; }

# --- a digest seen for the first time sends nothing for the past ---------------
is "a new digest is not sent for its past due time" "$(digests)" 0
check "its due time is kept" test -n "$(sql "SELECT value FROM cursors WHERE source LIKE 'report:%'")"

# --- five cases, acted on through keluhctl --------------------------------------
for t in "cannot login" "password reset fails" "otp never comes" "my lawyer will call"; do
	post "{\"id\":\"$(echo "$t" | tr ' ' _)\",\"text\":\"$t\"}" application/json >/dev/null
done
wait_until 15 '[ "$(count_lines "$hook_log")" -ge 4 ]'
is "four complaints, four cases" "$(sql 'SELECT count(*) FROM cases')" 4
id_of() { sql "SELECT id FROM cases WHERE group_key LIKE 'rule=$1|%'"; }
for r in t.login t.password t.otp t.legal; do
	ctl ack "$(id_of $r)" --by rina >/dev/null 2>&1 || echo "# ack of $r failed"
done
ctl resolve "$(id_of t.login)" --by rina >/dev/null 2>&1
ctl resolve "$(id_of t.legal)" --by rina >/dev/null 2>&1
is "acks and resolves are in the spool" \
	"$(sql "SELECT count(acked_ms) || '/' || count(resolved_ms) FROM cases")" "4/2"
# clocks of known length: ack after 60 s, 120 s, 600 s (tech) and 30 s (legal)
sql "UPDATE cases SET opened_ms = acked_ms - 60000 WHERE id = $(id_of t.login)"
sql "UPDATE cases SET opened_ms = acked_ms - 120000 WHERE id = $(id_of t.password)"
sql "UPDATE cases SET opened_ms = acked_ms - 600000 WHERE id = $(id_of t.otp)"
sql "UPDATE cases SET opened_ms = acked_ms - 30000 WHERE id = $(id_of t.legal)"

# --- keluhctl report --json, while keluhd runs -----------------------------------
report --json >"$TMPD/r.json" 2>"$TMPD/r.err"
is "report --json exits 0 while keluhd runs" "$?" 0
is "one group per team and priority" \
	"$(jget '[(g["team"], g["priority"], g["opened"], g["acked"], g["resolved"]) for g in j["groups"]]' "$TMPD/r.json")" \
	"[('legal', 'critical', 1, 1, 1), ('tech', 'normal', 3, 3, 1)]"
is "tech: median and p90 of the time to ack, against 5m" \
	"$(jget '[(g["ack"]["count"], g["ack"]["median_s"], g["ack"]["p90_s"], g["ack"]["target_s"], g["ack"]["breaches"]) for g in j["groups"] if g["team"] == "tech"]' "$TMPD/r.json")" \
	"[(3, 120, 600, 300, 1)]"
is "legal: acked within its 1h target" \
	"$(jget '[(g["ack"]["median_s"], g["ack"]["breaches"]) for g in j["groups"] if g["team"] == "legal"]' "$TMPD/r.json")" \
	"[(30, 0)]"
# a case still open past its target is a breach too: tech's two open ones
is "resolve targets of 1ms: every case breached, resolved or not" \
	"$(jget '[(g["team"], g["resolve"]["count"], g["resolve"]["breaches"]) for g in j["groups"]]' "$TMPD/r.json")" \
	"[('legal', 1, 1), ('tech', 1, 3)]"
is "busiest topics are the rules of the cases" \
	"$(jget 'sorted(t["topic"] for g in j["groups"] if g["team"] == "tech" for t in g["busiest_topics"])' "$TMPD/r.json")" \
	"['t.login', 't.otp', 't.password']"
report --json --team legal >"$TMPD/rl.json"
is "--team keeps one team" "$(jget '[(j["team"], [g["team"] for g in j["groups"]])]' "$TMPD/rl.json")" \
	"[('legal', ['legal'])]"
report >"$TMPD/r.txt"
is "the text report exits 0" "$?" 0
contains "the text report names the group" "$TMPD/r.txt" "tech, normal: 3 opened, 3 acknowledged, 1 resolved"
report --since 10s --json >"$TMPD/r1m.json"
is "--since 10s: the aged cases opened before it are left out" \
	"$(jget '[g["team"] for g in j["groups"]]' "$TMPD/r1m.json")" "[]"
report --since soon >/dev/null 2>"$TMPD/bad.err"
is "a bad --since: exit 2" "$?" 2
contains "with a clear error" "$TMPD/bad.err" "--since takes a duration such as 7d"

sed "s|path: .*c.db|path: $TMPD/none/x.db|" "$TMPD/c.yaml" >"$TMPD/none.yaml"
report_none() { "$KELUHCTL" report -c "$TMPD/none.yaml"; }
report_none >/dev/null 2>"$TMPD/none.err"
is "a spool keluhd never made: exit 1" "$?" 1
contains "with a clear error" "$TMPD/none.err" "no spool at $TMPD/none/x.db"
check "and none is made" test ! -e "$TMPD/none/x.db"
report extra >/dev/null 2>"$TMPD/extra.err"
is "an argument: exit 2" "$?" 2
contains "with a clear error" "$TMPD/extra.err" "report takes no argument 'extra'"
"$KELUHCTL" report --send 1 --team tech --socket "$SOCK" >/dev/null 2>"$TMPD/st.err"
is "--send with --team: exit 2" "$?" 2
contains "with a clear error" "$TMPD/st.err" "report --send takes the span and team of the report in keluhd.yaml"
is "the admin API refuses a report that is not a number" \
	"$(curl -s -o /dev/null -w '%{http_code}' -X POST --unix-socket "$SOCK" http://localhost/v1/admin/reports/one/send)" 404
is "and a GET of a digest" \
	"$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" http://localhost/v1/admin/reports/1/send)" 405

# --- a digest on demand -----------------------------------------------------------
"$KELUHCTL" report --send 9 --socket "$SOCK" >/dev/null 2>"$TMPD/s9.err"
is "report --send of no such digest: exit 1" "$?" 1
contains "with a clear error" "$TMPD/s9.err" "no report 9: keluhd.yaml has 1 under reports:"
"$KELUHCTL" report --send 1 --socket "$SOCK" >"$TMPD/s1.out" 2>&1
is "report --send 1 exits 0" "$?" 0
wait_until 15 '[ "$(count_lines "$dig_log")" -ge 1 ]'
is "the digest reached its webhook, once" "$(count_lines "$dig_log")" 1
python3 - "$dig_log" >"$TMPD/d1.txt" <<'PY'
import json, sys
rec = json.loads(open(sys.argv[1]).readline())
a = json.loads(rec["body"])["alert"]
print(a["rules"], a["priority"], len(a["report"]["groups"]))
print(a["mentions"][0]["text"])
PY
contains "it is a keluh.report alert with the report's JSON" "$TMPD/d1.txt" "['keluh.report'] low 2"
contains "and the report's text for chat" "$TMPD/d1.txt" "tech, normal: 3 opened, 3 acknowledged, 1 resolved"
is "a digest on demand keeps its schedule" "$(digests)" 1

# --- missed while down: sent once at start, never twice ---------------------------
stop_keluhd
sql "UPDATE cursors SET value = CAST(value AS INTEGER) - 86400000 WHERE source LIKE 'report:%'"
start_keluhd "$TMPD/c.yaml"
wait_until 15 '[ "$(count_lines "$dig_log")" -ge 2 ]'
is "the digest missed while keluhd was down is sent at start" "$(count_lines "$dig_log")" 2
contains "and the log says so" "$klog" "was not sent; sending it now"
stop_keluhd
start_keluhd "$TMPD/c.yaml"
is "after another restart it is not sent again" "$(digests)" 2
lacks "nor said to be missed" "$klog" "was not sent"

# --- a reload arms the digests again ----------------------------------------------
n=$(grep -c 'digest 1 (keluhd.yaml line [0-9]*): next at' "$klog")
ctl reload >/dev/null 2>&1
is "reload exits 0" "$?" 0
is "a reload arms the digest again" "$(grep -c 'digest 1 (keluhd.yaml line [0-9]*): next at' "$klog")" $((n + 1))
is "and sends nothing" "$(digests)" 2
stop_keluhd
done_testing
