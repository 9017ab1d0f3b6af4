#!/bin/sh
# keluhd.yaml's display: section against the real binary: a zone or a
# language that does not exist is a config error at its line and column;
# a Mattermost receiver on 127.0.0.1 gets Indonesian wording, post times
# in Asia/Jakarta, handles as they are (in code spans, so no one is
# pinged); and a dead letter that keluhctl retry sends minutes later says
# it is late, through the real outbox.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

# 1. --check: unknown zone, unknown language, display not a mapping
bad() {
	printf 'rules: %s\ndisplay:\n%s\n' "$RULES" "$2" >"$TMPD/$1.yaml"
	"$KELUHD" --check -c "$TMPD/$1.yaml" >/dev/null 2>"$TMPD/$1.err"
	is "$1: --check exits 1" "$?" 1
	contains "$1: file:line:col and the fix" "$TMPD/$1.err" "$TMPD/$1.yaml:$3"
}
bad zone '  timezone: Asia/Jakartaa' \
	"3:13: error: display.timezone: unknown time zone 'Asia/Jakartaa'"
contains "zone: says what a zone name looks like" "$TMPD/zone.err" "use an IANA name like Asia/Jakarta"
bad path '  timezone: ../../etc/passwd' \
	"3:13: error: display.timezone: '../../etc/passwd' is not a time zone name"
bad lang '  language: jv' \
	"3:13: error: display.language: unknown language 'jv'; the languages are en, id"
bad notmap '  Asia/Jakarta' "3:3: error: 'display' must be a mapping with timezone and language"
printf 'rules: %s\ndisplay:\n  timezone: Asia/Jakarta\n  language: id\n' "$RULES" >"$TMPD/good.yaml"
"$KELUHD" --check -c "$TMPD/good.yaml" >/dev/null 2>"$TMPD/good.err"
is "a known zone and language pass --check" "$?" 0

# 2. one complaint to Mattermost: the sink refuses it (400, a dead letter),
# then takes it when keluhctl retry sends it again
start_sink mm --plan 400
write_conf "$TMPD/c.yaml" "$RULES" <<Y
display:
  timezone: Asia/Jakarta
  language: id
receivers:
  - {name: mm, type: mattermost, url: "http://127.0.0.1:$mm_port/hooks/x"}
routes:
  - {receivers: [mm]}
$(conf_at_once)
Y
posted=$(($(date +%s) - 305))
created=$(date -u -d "@$posted" +%Y-%m-%dT%H:%M:%SZ)
local_hm=$(TZ=Asia/Jakarta date -d "@$posted" +%H:%M)
# a post from before midnight in Jakarta carries its date too ("6 Des 23:55")
posted_re="diunggah ([0-9]{1,2} [A-Z][a-z]{2} )?$local_hm WIB, 5 menit lalu"
start_keluhd "$TMPD/c.yaml" "$TMPD/k.log"
r=$(post '{"id":"p1","text":"Saldo saya hilang, saya lapor OJK dan YLKI! @channel","created_at":"'"$created"'","author":{"handle":"@budi_s","followers":15000}}')
is "a critical complaint: 202" "${r%% *}" 202
wait_for 30 sh -c "'$KELUHCTL' queue --dead --spool '$TMPD/c.db' | grep -q 'HTTP 400'"
is "the refused alert is a dead letter" "$?" 0

# the first try, on time: no late marker
python3 - "$mm_log" 0 >"$TMPD/first.txt" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2])]
b = json.loads(r["body"])
print(b["text"]); print(b["attachments"][0].get("text", "")); print(b["attachments"][0]["fallback"])
PY
contains "Indonesian wording from the table" "$TMPD/first.txt" "KRITIS: "
contains "and the counts in it" "$TMPD/first.txt" "1 sebutan"
check "the post time in Asia/Jakarta, with its age" grep -Eq "$posted_re" "$TMPD/first.txt"
contains "the alert id to quote" "$TMPD/first.txt" "peringatan "
contains "the handle as it is, in a code span" "$TMPD/first.txt" '**`@budi_s`**'
contains "@channel in the text cannot ping: a code span" "$TMPD/first.txt" '`@channel`'
lacks "no zero-width space in handles" "$TMPD/first.txt" "$(printf '\342\200\213')"
lacks "the first try is not marked late" "$TMPD/first.txt" "terlambat"

# hours pass (the delivery's creation moves back 8 minutes), then the retry
if command -v sqlite3 >/dev/null 2>&1; then
	id=$("$KELUHCTL" queue --dead --json --spool "$TMPD/c.db" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')
	sqlite3 "$TMPD/c.db" ".timeout 5000" \
		"UPDATE deliveries SET created_ms = created_ms - 480000 WHERE id = $id;" >/dev/null
	"$KELUHCTL" retry --spool "$TMPD/c.db" "$id" >"$TMPD/retry.out" 2>&1
	is "keluhctl retry: exit 0" "$?" 0
	wait_until 20 '[ "$(grep -c "\"answer\": \"200\"" "$mm_log")" -ge 1 ]'
	is "after the retry the alert is delivered" "$(grep -c '"answer": "200"' "$mm_log")" 1
	python3 - "$mm_log" 1 >"$TMPD/second.txt" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2])]
b = json.loads(r["body"])
print(b["text"]); print(b["attachments"][0].get("text", ""))
PY
	contains "the retried alert says it is late" "$TMPD/second.txt" \
		"terlambat 8 menit karena pengiriman gagal"
	check "its post's age counts to the time it is sent" grep -Eq "$posted_re" "$TMPD/second.txt"
else
	skip "the retried alert says it is late" "no sqlite3 to move the delivery back in time"
fi
stop_keluhd
done_testing
