#!/bin/sh
# Labels: people's corrections kept in the spool. keluhctl label takes a
# mention's text from the spool (a complaint row, or a recent row for one
# that was not judged a complaint) and refuses an unknown one; the console's
# POST /v1/labels (login and CSRF as its other changes) and the admin API's
# POST /v1/admin/labels record a missed complaint or not a complaint; a case
# marked not a complaint labels its mentions "not"; --import reads NDJSON
# and CSV, says FILE:LINE:COL of a bad line and keeps the good ones;
# --export writes the latest label of each mention, across a restart.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hook
write_login_rules
TOKEN=labels-token-0123456789abcdef
printf '%s\n' "$TOKEN" >"$TMPD/ui.token"
chmod 600 "$TMPD/ui.token"
mkdir -p "$TMPD/ui"
printf '<!doctype html><title>keluh</title>\n' >"$TMPD/ui/index.html"
SOCK=$TMPD/admin.sock
{
	printf 'admin:\n  socket: %s\n' "$SOCK"
	printf 'ui:\n  enabled: true\n  listen: http\n  token_file: ui.token\n  root: ui\n'
	conf_alert_each hook /h
} | write_conf "$TMPD/k.yaml"
start_keluhd "$TMPD/k.yaml"

# api PATH [curl args]: "STATUS" of the console's API, the body in $TMPD/b
api() {
	p=$1
	shift
	curl -s -o "$TMPD/b" -w '%{http_code}' "$@" "$URL$p"
}
B="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
j() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$TMPD/b"; }
label() { "$KELUHCTL" label -c "$TMPD/k.yaml" "$@"; }
# exported FILE: FILE.txt, a line a label: id complaint team by at? text
exported() {
	python3 - "$1" >"$1.txt" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    print(o["id"], o["complaint"], o.get("team"), o.get("by"), o.get("at", "-"), o["text"])
PY
}
# the line of mention $2 in $1.txt, without its id
label_of() { sed -n "s/^$2 //p" "$1.txt"; }
# the error of the last answer
err() { sed -n 's/^{"error":"\(.*\)"}$/\1/p' "$TMPD/b"; }

is "a complaint and a mention that is not one" \
	"$(post '{"id":"x:1","text":"cannot login since morning"}
{"id":"x:2","text":"thanks, all good now"}')" '202 {"accepted":2,"complaints":1,"duplicates":0}'
wait_for 10 test -s "$hook_log"

# --- keluhctl label ----------------------------------------------------------------
label x:2 complaint --by ana >"$TMPD/o" 2>&1
is "a missed complaint from the shell: exit 0" "$?" 0
contains "it says what it recorded" "$TMPD/o" "x:2: labelled a complaint"
label x:404 not >"$TMPD/o" 2>&1
is "an unknown mention: exit 1" "$?" 1
contains "with the reason" "$TMPD/o" \
	"keluhctl: label: no mention 'x:404' in the spool (neither a complaint nor a recent mention)"
label x:1 maybe >"$TMPD/o" 2>&1
is "neither complaint nor not: exit 2" "$?" 2
contains "and how to say it" "$TMPD/o" "'maybe' is neither complaint nor not"
label --export "$TMPD/e1.ndjson" 2>"$TMPD/o"
is "export: exit 0" "$?" 0
exported "$TMPD/e1.ndjson"
case $(label_of "$TMPD/e1.ndjson" x:2) in
"True None ana 20"*"Z thanks, all good now") ok "the label has the recent row's text, who gave it and when" ;;
*) not_ok "the label has the recent row's text, who gave it and when" "$(cat "$TMPD/e1.ndjson")" ;;
esac
is "nothing else was labelled" "$(count_lines "$TMPD/e1.ndjson")" 1

# --- the console and the admin API --------------------------------------------------
is "the console: not a complaint" \
	"$(api /v1/labels -X POST -H "$B" -H "$J" -d '{"mention":"x:1","complaint":false}') $(j 'j["label"]["mention"], j["label"]["complaint"], j["label"]["platform"]')" \
	"201 x:1 False console"
is "without a login: 401" "$(api /v1/labels -X POST -H "$J" -d '{"mention":"x:1","complaint":true}')" 401
api /v1/session -X POST -H "$J" -d "{\"token\":\"$TOKEN\",\"name\":\"Ayu\"}" -D "$TMPD/h" >/dev/null
sid=$(tr -d '\r' <"$TMPD/h" | sed -n 's/^Set-Cookie: keluh_session=\([^;]*\);.*/\1/Ip')
csrf=$(j 'j["csrf"]')
C="Cookie: keluh_session=$sid"
is "a session without the CSRF token: 403" \
	"$(api /v1/labels -X POST -H "$C" -H "$J" -d '{"mention":"x:1","complaint":true}')" 403
is "with it: a missed complaint, by the session's user" \
	"$(api /v1/labels -X POST -H "$C" -H "X-CSRF-Token: $csrf" -H "$J" -d '{"mention":"x:2","complaint":true,"team":"billing"}') $(j 'j["label"]["by"], j["label"]["team"]')" \
	"201 Ayu billing"
is "complaint missing: 422 with the fix" \
	"$(api /v1/labels -X POST -H "$B" -H "$J" -d '{"mention":"x:1"}') $(err)" \
	"422 complaint must be true (a missed complaint) or false (not a complaint)"
is "an unknown key: 422" \
	"$(api /v1/labels -X POST -H "$B" -H "$J" -d '{"mention":"x:1","complaint":true,"who":"x"}') $(err)" \
	"422 unknown key 'who' (use mention, complaint, team, by)"
is "malformed JSON: 400" "$(api /v1/labels -X POST -H "$B" -H "$J" -d '{"mention":')" 400
is "an unknown mention: 404" "$(api /v1/labels -X POST -H "$B" -H "$J" -d '{"mention":"x:9","complaint":true}')" 404
is "a GET: 405" "$(api /v1/labels -H "$B")" 405
is "the admin API: a missed complaint by ops" \
	"$(curl -s -o "$TMPD/b" -w '%{http_code}' --unix-socket "$SOCK" -X POST -d '{"mention":"x:1","complaint":true,"by":"ops"}' http://keluhd/v1/admin/labels) $(j 'j["label"]["by"], j["label"]["platform"], j["label"]["team"]')" \
	"201 ops admin None"
is "labels counted by kind" \
	"$(metric_value 'keluh_labels_total{label="complaint"}') $(metric_value 'keluh_labels_total{label="not"}')" "2 1"

# --- a case marked not a complaint ---------------------------------------------------
wait_until 10 'api /v1/cases -H "$B" >/dev/null; grep -q "\"id\":[0-9]" "$TMPD/b"'
case_id=$(sed 's/.*"id":\([0-9]*\).*/\1/' "$TMPD/b")
is "the case is marked not a complaint" \
	"$(api "/v1/cases/$case_id/not_complaint" -X POST -H "$B" -d '{}')" 200
label --export >"$TMPD/e2.ndjson"
exported "$TMPD/e2.ndjson"
is "its mention's latest label is not, with the complaint's team and who said it" \
	"$(label_of "$TMPD/e2.ndjson" x:1 | cut -d' ' -f1-3,5-)" "False tech token cannot login since morning"
is "the other keeps the session's label" "$(label_of "$TMPD/e2.ndjson" x:2 | cut -d' ' -f1-3,5-)" \
	"True billing Ayu thanks, all good now"

# --- import, and export across a restart ---------------------------------------------
printf 'id,text,complaint,team\nf:1,"slow, again",1,net\nf:2,makasih,maybe\nf:3,"say ""hi""",not\n' >"$TMPD/in.csv"
label --import "$TMPD/in.csv" --by lead >"$TMPD/o" 2>"$TMPD/err"
is "a CSV with a bad line: exit 1" "$?" 1
contains "the bad line's place, what is wrong and the fix" "$TMPD/err" \
	"$TMPD/in.csv:3:13: error: complaint \"maybe\" is not one of 1/0, true/false, complaint/not"
contains "the good ones imported" "$TMPD/o" "2 labels imported (1 complaints, 1 not); 1 bad lines skipped"
printf '{"id":"f:4","text":"no signal","complaint":true,"by":"ana","at":"2026-12-01T10:00:00Z"}\n' >"$TMPD/in.ndjson"
label --import "$TMPD/in.ndjson" >"$TMPD/o" 2>&1
is "NDJSON: exit 0" "$?" 0
stop_keluhd
label --export "$TMPD/e3.ndjson" 2>/dev/null
is "export with keluhd stopped: every mention once" "$(count_lines "$TMPD/e3.ndjson")" 5
exported "$TMPD/e3.ndjson"
is "the CSV's labels, quoting undone" \
	"$(label_of "$TMPD/e3.ndjson" f:1 | cut -d' ' -f1-3,5-) | $(label_of "$TMPD/e3.ndjson" f:3 | cut -d' ' -f1-3,5-)" \
	"True net lead slow, again | False None lead say \"hi\""
is "the NDJSON's, with its own who and when" "$(label_of "$TMPD/e3.ndjson" f:4)" \
	"True None ana 2026-12-01T10:00:00Z no signal"
is "the spool keeps every label given (10), the export the latest of each mention" \
	"$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM labels").fetchone()[0])' "$TMPD/k.db")" 8

done_testing
