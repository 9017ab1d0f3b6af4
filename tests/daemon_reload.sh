#!/bin/sh
# keluhd under a notify socket the test owns: READY at start, RELOADING then
# READY around a reload, watchdog pings, STOPPING at the end. A reload with
# a broken rule file keeps the running rules and says why.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

python3 "$top_srcdir/tests/notify.py" "$TMPD/notify.sock" "$TMPD/notify.log" &
PIDS="$PIDS $!"
wait_for 10 grep -q LISTENING "$TMPD/notify.log"
write_rules <<'Y'
rules:
  - id: t.login
    team: tech
    score: 40
    when: {keywords: [login]}
Y
write_conf "$TMPD/c.yaml" </dev/null
NOTIFY_SOCKET=$TMPD/notify.sock WATCHDOG_USEC=400000 \
	start_keluhd "$TMPD/c.yaml"
wait_for 10 grep -q 'READY=1' "$TMPD/notify.log"
contains "READY=1 at start" "$TMPD/notify.log" "READY=1"
contains "STATUS at start" "$TMPD/notify.log" "STATUS=1 rules"
wait_for 10 grep -q 'WATCHDOG=1' "$TMPD/notify.log"
contains "watchdog pings" "$TMPD/notify.log" "WATCHDOG=1"

rules_now() { curl -s "$URL/healthz" | sed -n 's/.*"rules":\([0-9]*\).*/\1/p'; }

# a good change: two rules after the reload
add_rules <<'Y'
  - id: t.refund
    team: billing
    score: 40
    when: {keywords: [refund]}
Y
kill -HUP "$KPID"
wait_for 10 sh -c "[ \"\$(curl -s $URL/healthz | sed -n 's/.*\"rules\":\([0-9]*\).*/\1/p')\" = 2 ]"
is "after SIGHUP the new rules are live" "$(rules_now)" 2
grep -n 'RELOADING=1\|READY=1' "$TMPD/notify.log" | tail -2 | cut -d: -f2 | cut -c1-11 | tr '\n' ' ' >"$TMPD/seq"
contains "RELOADING=1 then READY=1 around the reload" "$TMPD/seq" "RELOADING=1 READY=1"
r=$(post '{"id":"x1","text":"where is my refund"}' application/json)
is "a mention matching the new rule is a complaint" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'

# a broken file: the old set keeps running, and the log and STATUS say why
printf 'rules:\n  - id: t.bad\n    score: 10\n    when: {regex: "(oops"}\n' >"$TMPD/rules.d/20-bad.yaml"
kill -HUP "$KPID"
wait_for 10 grep -q 'reload failed' "$TMPD/keluhd.log"
contains "a broken rule file is named in the log" "$TMPD/keluhd.log" "20-bad.yaml:4:"
contains "and the old set keeps running" "$TMPD/keluhd.log" "reload failed, keeping the running configuration"
wait_for 10 grep -q 'last reload failed' "$TMPD/notify.log"
contains "STATUS says the reload failed" "$TMPD/notify.log" "last reload failed"
is "the running rules are unchanged" "$(rules_now)" 2
r=$(post '{"id":"x2","text":"cannot login"}' application/json)
is "mentions are still classified with the running rules" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'

# a rule file nested 30,000 deep: refused while read, the daemon stays up
rm -f "$TMPD/rules.d/20-bad.yaml"
awk 'BEGIN {
	printf "rules:\n  - id: t.deep\n    score: 10\n    when: "
	for (i = 0; i < 30000; i++) printf "{any: ["
	printf "{keywords: [x]}"
	for (i = 0; i < 30000; i++) printf "]}"
	printf "\n"
}' >"$TMPD/rules.d/30-deep.yaml"
kill -HUP "$KPID"
wait_until 20 '[ "$(grep -c "reload failed" "$TMPD/keluhd.log")" -ge 2 ]'
contains "a deep rule file is named in the log" "$TMPD/keluhd.log" \
	"30-deep.yaml:4:"
is "keluhd is still running after the deep reload" "$(kill -0 "$KPID" 2>/dev/null && echo yes)" yes
is "it keeps the running rules" "$(rules_now)" 2
r=$(post '{"id":"x3","text":"cannot login"}' application/json)
is "and classifies with them" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'

stop_keluhd
contains "STOPPING=1 at shutdown" "$TMPD/notify.log" "STOPPING=1"

done_testing
