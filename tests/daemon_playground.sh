#!/bin/sh
# The console's playground against the real keluhd: a verdict is byte for
# byte what keluhctl test --json prints for the same mention; a draft rule
# file is checked as --check checks it (file:line:col, did you mean), its
# tests: run, a catastrophic regex comes back bounded and says so; a
# backtest finds the new and lost complaints of recent mentions seeded
# through POST /v1/mentions, stops at ui.backtest_budget, runs one at a
# time, and keluhd stopping while one runs exits cleanly at once; save is
# refused without ui.rules_writable and with it writes the file and
# reloads (and puts the file back when the reload refuses it).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

TOK=playground-test-token-0123456789
echo "$TOK" >"$TMPD/ui.token"
mkdir -p "$TMPD/ui"
echo '<!doctype html><title>keluh</title>' >"$TMPD/ui/index.html"
write_login_rules
add_rules <<'Y'
  - id: t.refund
    team: billing
    score: 30
    when:
      any:
        - keywords: [dobel bayar, double charged]
        - regex: 'uang\s+(saya\s+)?belum\s+kembali'
Y
# ui_conf WRITABLE BUDGET: the configuration, with saving on or off
ui_conf() {
	write_conf "$TMPD/c.yaml" <<Y
ui:
  enabled: true
  listen: http
  token_file: $TMPD/ui.token
  root: $TMPD/ui
  rules_writable: $1
  backtest_keep: 50000
  backtest_budget: $2
Y
}
ui_conf false 5s
start_keluhd "$TMPD/c.yaml"
# hup: SIGHUP, and wait until keluhd says it reloaded
hup() {
	_n=$(grep -c "reloaded: " "$klog")
	kill -HUP "$KPID"
	wait_until 10 '[ "$(grep -c "reloaded: " "$klog")" -gt "$_n" ]'
}

# pg PATH FILE: POSTs FILE to /v1/playground[PATH] as a tool does (bearer
# token); the body to $TMPD/pg.out, the status printed
pg() {
	curl -s -o "$TMPD/pg.out" -D "$TMPD/pg.head" -w '%{http_code}' -H "Authorization: Bearer $TOK" \
		-H 'Content-Type: application/json' --data-binary @"$2" "$URL/v1/playground$1"
}
# jbody PY-EXPRESSION: from the JSON object j of the last answer
jbody() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$TMPD/pg.out"; }
# mkbody FILE PY-DICT: a JSON body; PY-DICT may read the file named by $DRAFT as d
mkbody() {
	python3 -c "import json,os,sys
d = open(os.environ['DRAFT']).read() if os.environ.get('DRAFT') else ''
json.dump($2, open(sys.argv[1], 'w'), ensure_ascii=False)" "$1"
}

# --- the verdict is keluhctl test --json's ------------------------------------
i=0
while IFS= read -r line; do
	i=$((i + 1))
	printf '%s\n' "$line" >"$TMPD/m$i.json"
	"$KELUHCTL" test -c "$TMPD/c.yaml" --json "$TMPD/m$i.json" >"$TMPD/want$i.json" 2>/dev/null
	code=$(pg "" "$TMPD/m$i.json")
	is "verdict $i: 200" "$code" 200
	if cmp -s "$TMPD/pg.out" "$TMPD/want$i.json"; then
		ok "verdict $i: byte for byte what keluhctl test --json prints"
	else
		not_ok "verdict $i: byte for byte what keluhctl test --json prints"
		sed 's/^/#   got:  /' "$TMPD/pg.out"
		sed 's/^/#   want: /' "$TMPD/want$i.json"
	fi
done <<'M'
{"id":"p1","text":"aku gak bisa login dari kemarin, tolong","lang":"id"}
{"id":"p2","text":"I was double charged and can't login","lang":"en"}
{"id":"p3","text":"Kak uang saya  belum kembali 😡 sudah 3 hari","lang":"id","rating":1}
{"id":"p4","text":"terima kasih, sudah beres","lang":"id"}
M
is "the evidence spans are byte offsets (emoji and double space)" \
	"$(python3 -c "import json; j=json.load(open('$TMPD/want3.json')); m=j['matches'][0]; print(m['start'], m['end'], m['text'])")" \
	"4 28 uang saya  belum kembali"

# --- authorisation (the console's own checks; one is enough) ------------------
is "without the token: 401" \
	"$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$TMPD/m1.json" "$URL/v1/playground")" 401

# --- drafts ------------------------------------------------------------------------
cat >"$TMPD/bad.yaml" <<'Y'
rules:
  - id: d.bad
    score: 30
    wen: {keywords: [x]}
Y
DRAFT=$TMPD/bad.yaml mkbody "$TMPD/b.json" '{"text": "gak bisa login", "rules": d, "file": "20-new.yaml"}'
is "a draft with an error: 200" "$(pg "" "$TMPD/b.json")" 200
is "its diagnostic: file:line:col and a did-you-mean" \
	"$(jbody '"%s:%s:%s: %s: %s" % tuple(j["draft"]["diagnostics"][0][k] for k in ("file", "line", "col", "severity", "message"))')" \
	"20-new.yaml:4:5: error: unknown key 'wen' in a rule; did you mean 'when'?"
is "and the verdict is the live set's" "$(jbody 'j["draft"]["ok"], j["rules"]')" "False ['t.login']"

cat >"$TMPD/good.yaml" <<'Y'
rules:
  - id: d.otp
    team: tech
    score: 30
    when: {keywords: [otp, kode verifikasi]}
tests:
  - {text: otp tidak masuk, rules: [d.otp]}
  - {text: kode verifikasi telat, priority: high}
Y
DRAFT=$TMPD/good.yaml mkbody "$TMPD/g.json" '{"text": "OTP gak masuk2", "rules": d, "file": "20-new.yaml"}'
is "a good draft: 200" "$(pg "" "$TMPD/g.json")" 200
is "the verdict is the draft's" "$(jbody 'j["draft"]["ok"], j["rules"], j["matches"][0]["text"]')" \
	"True ['d.otp'] OTP"
is "its tests: one passes, one fails with why" \
	"$(jbody '[(r["line"], r["ok"], r["why"]) for r in j["draft"]["tests"]["results"]]')" \
	"[(7, True, None), (8, False, 'priority is normal, expected high (score 30)')]"
is "the live rules are untouched" \
	"$(mkbody "$TMPD/l.json" '{"text": "OTP gak masuk"}'; pg "" "$TMPD/l.json" >/dev/null; jbody 'j["rules"]')" "[]"

cat >"$TMPD/evil.yaml" <<'Y'
rules:
  - {id: d.evil, score: 30, when: {regex: '(a+)+$'}}
Y
DRAFT=$TMPD/evil.yaml mkbody "$TMPD/e.json" '{"text": "a" * 3000 + "b", "rules": d, "file": "evil.yaml"}'
is "a catastrophic regex: 200" "$(pg "" "$TMPD/e.json")" 200
is "it is stopped by its bound, no match, and the verdict says so" \
	"$(jbody 'j["complaint"], j["regex_errors"], [b["regex"] for b in j["bounds"]]')" \
	"False 1 ['(a+)+\$']"

# --- bad requests ------------------------------------------------------------------
printf '{"text": "x",' >"$TMPD/bad.json"
is "malformed JSON: 400" "$(pg "" "$TMPD/bad.json")" 400
contains "which says where" "$TMPD/pg.out" "malformed JSON at line 1"
mkbody "$TMPD/big.json" '{"text": "x" * 70000}'
is "a text over 64 KiB: 413" "$(pg "" "$TMPD/big.json")" 413
contains "which gives the limit" "$TMPD/pg.out" "at most 65536"

# --- backtests -----------------------------------------------------------------------
# recent mentions, through the ingest endpoint: two that the draft below
# makes complaints (new), one the live rules call one and the draft not
# (t.refund's file replaced), two that stay as they are
post '{"id":"b1","text":"otp tidak masuk dari tadi","lang":"id"}
{"id":"b2","text":"kode verifikasi telat terus","lang":"id"}
{"id":"b3","text":"saya kena dobel bayar","lang":"id"}
{"id":"b4","text":"gak bisa login","lang":"id"}
{"id":"b5","text":"halo kak","lang":"id"}' >"$TMPD/seed.out"
contains "seeded: 202" "$TMPD/seed.out" "202 "
cat >"$TMPD/10.yaml" <<'Y'
rules:
  - {id: t.login, team: tech, score: 30, when: {keywords: [login]}}
  - {id: d.otp, team: tech, score: 30, when: {keywords: [otp, kode verifikasi]}}
Y
DRAFT=$TMPD/10.yaml mkbody "$TMPD/bt.json" '{"rules": d, "file": "10.yaml", "days": 1}'
is "a backtest: 200" "$(pg /backtest "$TMPD/bt.json")" 200
if [ "$(jbody 'j["kept"]')" = 0 ]; then
	# the recent mentions are kept by the ingest pass (src/daemon/rollup.c)
	for t in "checked every recent mention" "before and after" "new complaints" \
		"lost complaints" "the budget" "one at a time (429)" "keluhd stops while one runs"; do
		skip "backtest: $t" "this keluhd keeps no recent mentions yet"
	done
	kill -TERM "$KPID"
	wait "$KPID"
else
is "it checked every recent mention, completely" \
	"$(jbody 'j["checked"], j["kept"], j["complete"], j["stopped"]')" "5 5 True None"
is "before and after" "$(jbody 'j["before"], j["after"]')" "2 3"
is "the new complaints, newest first, with the draft's rules" \
	"$(jbody '[(m["id"], m["rules"]) for m in j["new"]]')" "[('b2', ['d.otp']), ('b1', ['d.otp'])]"
is "the lost one, with the rules it had" "$(jbody '[(m["id"], m["text"], m["rules"]) for m in j["lost"]]')" \
	"[('b3', 'saya kena dobel bayar', ['t.refund'])]"

# slow mentions: the draft's regex spends its work limit on each
python3 - "$TMPD/slow.ndjson" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        f.write(json.dumps({"id": "s%d" % i, "text": "a" * 1500 + "b %d" % i}) + "\n")
PY
split -l 2000 "$TMPD/slow.ndjson" "$TMPD/slow."
for f in "$TMPD"/slow.??; do
	curl -s -o /dev/null -H 'Content-Type: application/x-ndjson' --data-binary @"$f" "$URL/v1/mentions"
done
cat >"$TMPD/slow.yaml" <<'Y'
rules:
  - {id: d.slow, score: 30, when: {regex: '^(a|aa)+$'}}
Y
DRAFT=$TMPD/slow.yaml mkbody "$TMPD/slow.json" '{"rules": d, "file": "slow.yaml"}'
ui_conf false 200ms
hup
is "the budget: 200" "$(pg /backtest "$TMPD/slow.json")" 200
is "it stopped, and says how far it got" \
	"$(jbody 'j["complete"], j["kept"], j["checked"] < j["kept"], j["stopped"].startswith("stopped after 0.") and j["stopped"].endswith(" of 20,005 mentions checked")')" \
	"False 20005 True True"

ui_conf false 60s
hup
curl -s -o "$TMPD/bt1.out" -w '%{http_code}' -H "Authorization: Bearer $TOK" \
	--data-binary @"$TMPD/slow.json" "$URL/v1/playground/backtest" >"$TMPD/bt1.code" &
BT=$!
# a body without rules is refused (400) unless a backtest runs (429): a
# probe that never starts one itself
echo '{"days": 1}' >"$TMPD/probe.json"
wait_until 20 '[ "$(pg /backtest "$TMPD/probe.json")" = 429 ]'
is "a second backtest while one runs: 429" "$(pg /backtest "$TMPD/slow.json")" 429
check "with Retry-After" grep -qi '^Retry-After: 60' "$TMPD/pg.head"
# keluhd stops while it runs (about 12 s more): it ends it and exits at once
kill -TERM "$KPID"
if wait_for 5 sh -c "! kill -0 $KPID"; then
	ok "keluhd stops at once while a backtest runs"
else
	not_ok "keluhd stops at once while a backtest runs"
fi
wait "$KPID"
is "and exits cleanly" "$?" 0
wait "$BT"
lacks "the backtest's client got no result" "$TMPD/bt1.out" '"complete"'

fi

# --- save ------------------------------------------------------------------------------
start_keluhd "$TMPD/c.yaml"
DRAFT=$TMPD/good.yaml mkbody "$TMPD/s.json" '{"rules": d, "file": "20-new.yaml"}'
is "save without ui.rules_writable: 403" "$(pg /save "$TMPD/s.json")" 403
check "and nothing is written" test ! -e "$TMPD/rules.d/20-new.yaml"
ui_conf true 5s
hup
is "save with it: 200" "$(pg /save "$TMPD/s.json")" 200
is "the reload took it" "$(jbody 'j["ok"], j["reload"]["ok"]')" "True True"
check "the file is written as sent" cmp -s "$TMPD/good.yaml" "$TMPD/rules.d/20-new.yaml"
mkbody "$TMPD/l.json" '{"text": "OTP gak masuk"}'
pg "" "$TMPD/l.json" >/dev/null
is "and its rules are live" "$(jbody 'j["rules"]')" "['d.otp']"
DRAFT=$TMPD/bad.yaml mkbody "$TMPD/sb.json" '{"rules": d, "file": "20-new.yaml"}'
is "a save the reload refuses: 200" "$(pg /save "$TMPD/sb.json")" 200
is "it says so, and the file is put back" \
	"$(jbody 'j["ok"], j["reload"]["ok"], j["restored"], "20-new.yaml:4:5" in j["reload"]["error"]')" \
	"False False True True"
check "the file is the one that runs" cmp -s "$TMPD/good.yaml" "$TMPD/rules.d/20-new.yaml"
mkbody "$TMPD/sx.json" '{"rules": "rules: []", "file": "../x.yaml"}'
is "a file name with a directory: 400" "$(pg /save "$TMPD/sx.json")" 400
stop_keluhd

# a save on the console's own listener whose reload turns the console off:
# the answer still goes out before the old console is freed
write_conf "$TMPD/c.yaml" <<Y
ui:
  enabled: true
  listen: 127.0.0.1:0
  token_file: $TMPD/ui.token
  root: $TMPD/ui
  rules_writable: true
Y
start_keluhd "$TMPD/c.yaml"
wait_until 10 'grep -q "web console listens on" "$klog"'
uport=$(sed -n 's/.*web console listens on .* (port \([0-9]*\)).*/\1/p' "$klog" | tail -1)
write_conf "$TMPD/c.yaml" <<Y
ui: {enabled: false}
Y
is "a save whose reload turns the console off is answered" "$(curl -s -o "$TMPD/pg.out" \
	-w '%{http_code}' -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' \
	--data-binary @"$TMPD/s.json" "http://127.0.0.1:${uport:-1}/v1/playground/save")" 200
is "... with the reload's result" "$(jbody 'j["ok"], j["reload"]["ok"]')" "True True"
check "the console is off after it" grep -q "the web console is off" "$klog"
check "keluhd runs on" kill -0 "$KPID"
stop_keluhd
done_testing
