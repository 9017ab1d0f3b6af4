#!/bin/sh
# The web console's core against the real keluhd: off unless enabled; its
# own listener serves the files of ui.root under /ui/ with the security
# headers, and nothing outside root; the API wants a login (session cookie
# with HttpOnly and SameSite=Strict, or a bearer token), a CSRF token on
# changes of a session, limits failed logins and sessions; live clients get
# server-sent events, at most ui.max_streams; listen: http serves it all on
# the ingest listener.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

write_login_rules
TOKEN=console-token-0123456789abcdef
printf '%s\n' "$TOKEN" >"$TMPD/ui.token"
chmod 600 "$TMPD/ui.token"
mkdir -p "$TMPD/ui/css" "$TMPD/ui/img"
printf '<!doctype html><title>keluh</title><script src="app.js"></script>\n' >"$TMPD/ui/index.html"
printf 'console.log("app");\n' >"$TMPD/ui/app.js"
printf 'body{margin:0}\n' >"$TMPD/ui/css/main.css"
printf '<svg xmlns="http://www.w3.org/2000/svg"/>\n' >"$TMPD/ui/img/logo.svg"
printf 'README\n' >"$TMPD/ui/notes.txt"
printf 'secret\n' >"$TMPD/secret.js"
ln -s "$TMPD/secret.js" "$TMPD/ui/evil.js"
ln -s "$TMPD" "$TMPD/ui/up"
printf '/* chart */\n' >"$TMPD/chart.js"

# hdr FILE NAME: the value of header NAME in a curl -D dump
hdr() { tr -d '\r' <"$1" | sed -n "s/^$2: //Ip" | head -n 1; }
# code URL [curl args]: the status of a request, its body in $TMPD/b, head in $TMPD/h
code() {
	u=$1
	shift
	rm -f "$TMPD/b"
	touch "$TMPD/b"
	curl -s -o "$TMPD/b" -D "$TMPD/h" -w '%{http_code}' "$@" "$u"
}
jget() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$2"; }

# --- off by default ------------------------------------------------------------
write_conf "$TMPD/off.yaml" </dev/null
start_keluhd "$TMPD/off.yaml"
lacks "without ui: no console is started" "$klog" "web console"
is "and the ingest listener does not serve /ui/" "$(code "$URL/ui/")" 404
stop_keluhd

# --- its own listener -------------------------------------------------------------
write_conf "$TMPD/c.yaml" <<Y
ui:
  enabled: true
  listen: 127.0.0.1:0
  token_file: ui.token
  root: ui
  chart_js: chart.js
  max_sessions: 3
  max_streams: 1
Y
start_keluhd "$TMPD/c.yaml"
wait_for 5 grep -q 'web console listens on' "$klog"
UPORT=$(sed -n 's/.*web console listens on .* (port \([0-9]*\)).*/\1/p' "$klog" | tail -n 1)
UI=http://127.0.0.1:$UPORT

is "/ui redirects to /ui/" "$(code "$UI/ui") $(hdr "$TMPD/h" Location)" "301 /ui/"
is "/ui/ is index.html" "$(code "$UI/ui/") $(cat "$TMPD/b")" \
	"200 $(cat "$TMPD/ui/index.html")"
is "as HTML" "$(hdr "$TMPD/h" Content-Type)" "text/html; charset=utf-8"
is "with the console's Content-Security-Policy" "$(hdr "$TMPD/h" Content-Security-Policy)" \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
is "no framing, no sniffing, no referrer" \
	"$(hdr "$TMPD/h" X-Frame-Options) $(hdr "$TMPD/h" X-Content-Type-Options) $(hdr "$TMPD/h" Referrer-Policy)" \
	"DENY nosniff no-referrer"
etag=$(hdr "$TMPD/h" ETag)
check "an ETag and a Last-Modified" test -n "$etag" -a -n "$(hdr "$TMPD/h" Last-Modified)"
is "the same ETag again: 304 without a body" \
	"$(code "$UI/ui/" -H "If-None-Match: $etag") $(wc -c <"$TMPD/b" | tr -d ' ')" "304 0"
is "JavaScript" "$(code "$UI/ui/app.js") $(hdr "$TMPD/h" Content-Type)" \
	"200 text/javascript; charset=utf-8"
is "CSS in a directory" "$(code "$UI/ui/css/main.css") $(hdr "$TMPD/h" Content-Type)" \
	"200 text/css; charset=utf-8"
is "SVG" "$(code "$UI/ui/img/logo.svg") $(hdr "$TMPD/h" Content-Type)" "200 image/svg+xml"
is "Chart.js from ui.chart_js" "$(code "$UI/ui/vendor/chart.js") $(cat "$TMPD/b")" \
	"200 /* chart */"
is "a file of another type is not served" "$(code "$UI/ui/notes.txt")" 404
is "a missing file: 404 JSON" "$(code "$UI/ui/nope.js") $(jget 'j["error"]' "$TMPD/b")" \
	"404 no such file in the console: /ui/nope.js"
is "../ does not leave root" "$(code "$UI/ui/../secret.js" --path-as-is)" 404
is "nor its percent-encoded form" "$(code "$UI/ui/%2e%2e/secret.js" --path-as-is)" 404
is "nor a symbolic link to a file outside" "$(code "$UI/ui/evil.js")" 404
is "nor a symbolic link to a directory" "$(code "$UI/ui/up/secret.js")" 404
is "a POST to a file: 405" "$(code "$UI/ui/app.js" -X POST) $(hdr "$TMPD/h" Allow)" \
	"405 GET, HEAD"

# --- login and sessions -----------------------------------------------------------
is "the API without a login: 401" "$(code "$UI/v1/session") $(cat "$TMPD/b")" \
	'401 {"error":"log in first"}'
is "and its answers are never stored" "$(hdr "$TMPD/h" Cache-Control)" "no-store"
is "nor a page module's path" "$(code "$UI/v1/cases")" 401
login() {
	code "$UI/v1/session" -X POST -H 'Content-Type: application/json' --data-binary "$1"
}
is "a wrong token: 401" "$(login '{"token":"wrong","name":"Ayu"}')" 401
is "a name with a control character: 400" "$(login '{"token":"'$TOKEN'","name":"A\u0007"}')" 400
is "no name: 400" "$(login '{"token":"'$TOKEN'"}') $(jget 'j["error"]' "$TMPD/b")" \
	"400 name: give your name, 1 to 64 characters without control or bidirectional override characters"
is "a name with a right-to-left override: 400" "$(login '{"token":"'$TOKEN'","name":"Ayu\u202e"}')" 400
is "the right token: 200" "$(login '{"token":"'$TOKEN'","name":"Ayu"}')" 200
cookie=$(hdr "$TMPD/h" Set-Cookie)
case $cookie in
"keluh_session="*"; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200") ok "the cookie is HttpOnly and SameSite=Strict, not Secure on http" ;;
*) not_ok "the cookie is HttpOnly and SameSite=Strict, not Secure on http" "$cookie" ;;
esac
sid=$(printf '%s' "$cookie" | sed 's/^keluh_session=\([^;]*\);.*/\1/')
is "the session id is 32 bytes (43 characters of base64url)" "${#sid}" 43
csrf=$(jget 'j["csrf"]' "$TMPD/b")
is "the login answers who is logged in" "$(jget 'j["user"], j["via"], len(j["csrf"])' "$TMPD/b")" \
	"Ayu session 43"
C="Cookie: keluh_session=$sid"
is "GET /v1/session with the cookie" \
	"$(code "$UI/v1/session" -H "$C") $(jget 'j["user"], j["via"], j["csrf"] == "'$csrf'", j["language"], j["rules_writable"]' "$TMPD/b")" \
	"200 Ayu session True en False"
is "an unknown API path: 404" "$(code "$UI/v1/cases/nope/x/y" -H "$C")" 404
is "a change without the CSRF token: 403" "$(code "$UI/v1/session/logout" -X POST -H "$C") $(cat "$TMPD/b")" \
	'403 {"error":"missing or wrong CSRF token"}'
is "with a wrong one: 403" "$(code "$UI/v1/session/logout" -X POST -H "$C" -H "X-CSRF-Token: x$csrf")" 403
# the last character changed, never to itself
case $sid in *A) forged=${sid%?}B ;; *) forged=${sid%?}A ;; esac
is "a cookie that is not a session's: 401" "$(code "$UI/v1/session" -H "Cookie: keluh_session=$forged")" 401
is "logout with the CSRF token: 200" "$(code "$UI/v1/session/logout" -X POST -H "$C" -H "X-CSRF-Token: $csrf")" 200
case $(hdr "$TMPD/h" Set-Cookie) in
"keluh_session=; "*"Max-Age=0") ok "and the cookie is cleared" ;;
*) not_ok "and the cookie is cleared" "$(hdr "$TMPD/h" Set-Cookie)" ;;
esac
is "the session is gone" "$(code "$UI/v1/session" -H "$C")" 401

B="Authorization: Bearer $TOKEN"
is "a bearer token: the session object" "$(code "$UI/v1/session" -H "$B") $(jget 'j["via"], j["csrf"]' "$TMPD/b")" \
	"200 bearer None"
is "a wrong bearer token: 401" "$(code "$UI/v1/session" -H "Authorization: Bearer x$TOKEN")" 401
is "a bearer needs no CSRF token" "$(code "$UI/v1/session/logout" -X POST -H "$B")" 200

# sessions: at most ui.max_sessions (3); the oldest goes
for n in 1 2 3 4; do
	login '{"token":"'$TOKEN'","name":"p'$n'"}' >/dev/null
	eval "s$n=\$(hdr "$TMPD/h" Set-Cookie | sed 's/^keluh_session=\([^;]*\);.*/\1/')"
done
is "past ui.max_sessions the oldest session goes" \
	"$(code "$UI/v1/session" -H "Cookie: keluh_session=$s1") $(code "$UI/v1/session" -H "Cookie: keluh_session=$s2")" \
	"401 200"
is "counted as a bound hit" "$(metric_value 'keluh_bound_hits_total{bound="ui_sessions"}')" 1
is "the sessions gauge" "$(metric_value keluh_ui_sessions)" 3

# --- server-sent events -----------------------------------------------------------
curl -s -N -H "Cookie: keluh_session=$s4" "$UI/v1/events" -D "$TMPD/sse.h" >"$TMPD/sse.out" &
SSE=$!
PIDS="$PIDS $SSE"
wait_until 5 'grep -q retry "$TMPD/sse.out"'
is "/v1/events is an event stream" "$(hdr "$TMPD/sse.h" Content-Type)" "text/event-stream; charset=utf-8"
is "a live client is counted" "$(metric_value keluh_ui_streams)" 1
is "past ui.max_streams: 503" "$(code "$UI/v1/events" -H "Cookie: keluh_session=$s4" -m 5)" 503
is "counted as a bound hit" "$(metric_value 'keluh_bound_hits_total{bound="ui_streams"}')" 1
kill "$SSE"
wait "$SSE" 2>/dev/null
wait_until 5 '[ "$(metric_value keluh_ui_streams)" = 0 ]'
is "a client that hangs up is no longer counted" "$(metric_value keluh_ui_streams)" 0

is "requests are counted by page and status" \
	"$(metric_value 'keluh_ui_requests_total{page="session",code="401"}') $(metric_value 'keluh_ui_requests_total{page="static",code="304"}')" \
	"6 1"

# failed logins: more than 10 a minute from one address are refused
for n in 1 2 3 4 5 6 7 8; do login '{"token":"nope","name":"x"}' >/dev/null; done
is "the 10th failed login is still answered 401" "$(login '{"token":"nope","name":"x"}')" 401
is "the 11th attempt: 429, even with the right token" \
	"$(login '{"token":"'$TOKEN'","name":"x"}') $(hdr "$TMPD/h" Retry-After | grep -c '^[1-9][0-9]*$')" "429 1"
is "failed logins are counted" "$(metric_value keluh_ui_logins_failed_total)" 10
stop_keluhd

# --- listen: http ------------------------------------------------------------------
write_conf "$TMPD/h.yaml" <<Y
ui:
  enabled: true
  listen: http
  token_file: ui.token
  root: ui
  chart_js: chart.js
  user_header: X-Remote-User
Y
start_keluhd "$TMPD/h.yaml"
is "listen: http: /ui/ on the ingest listener" "$(code "$URL/ui/")" 200
is "with its API" "$(code "$URL/v1/session" -H "$B") $(jget 'j["via"]' "$TMPD/b")" "200 bearer"
is "the ingest listener's own paths still answer" "$(code "$URL/healthz")" 200
is "and mentions are still taken" "$(post '{"id":"m1","text":"cannot login"}' | cut -c1-3)" 202
P="X-Remote-User: Rina"
is "ui.user_header names the user without a login" \
	"$(code "$URL/v1/session" -H "$P") $(jget 'j["user"], j["via"], len(j["csrf"])' "$TMPD/b")" "200 Rina proxy 43"
pcsrf=$(jget 'j["csrf"]' "$TMPD/b")
is "a proxy user's change needs the CSRF token too" "$(code "$URL/v1/session/logout" -X POST -H "$P")" 403
is "and passes with it" "$(code "$URL/v1/session/logout" -X POST -H "$P" -H "X-CSRF-Token: $pcsrf")" 200
is "another user's token does not fit" \
	"$(code "$URL/v1/session/logout" -X POST -H "X-Remote-User: Budi" -H "X-CSRF-Token: $pcsrf")" 403
is "an empty proxy header is no user" "$(code "$URL/v1/session" -H "X-Remote-User;")" 401
stop_keluhd

# --- cases, response times and deliveries -------------------------------------------
start_sink hook
start_sink bad --default 400
write_conf "$TMPD/k.yaml" <<Y
ui:
  enabled: true
  listen: http
  token_file: ui.token
  root: ui
  chart_js: chart.js
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$hook_port/h"}
  - {name: bad, type: webhook, url: "http://127.0.0.1:$bad_port/b"}
routes:
  - {receivers: [hook, bad]}
sla:
  critical: {ack: 1h, resolve: 1d}
  high: {ack: 1h, resolve: 1d}
  normal: {ack: 1h, resolve: 1d}
  low: {ack: 1h, resolve: 1d}
$(conf_at_once)
Y
start_keluhd "$TMPD/k.yaml"
UI=$URL
login '{"token":"'$TOKEN'","name":"Ayu"}' >/dev/null
sid=$(hdr "$TMPD/h" Set-Cookie | sed 's/^keluh_session=\([^;]*\);.*/\1/')
csrf=$(jget 'j["csrf"]' "$TMPD/b")
C="Cookie: keluh_session=$sid"
X="X-CSRF-Token: $csrf"
curl -s -N -H "$C" "$UI/v1/events" >"$TMPD/ev.out" &
SSE=$!
PIDS="$PIDS $SSE"
wait_until 5 'grep -q retry "$TMPD/ev.out"'
is "a mention is taken" "$(post '{"id":"m1","text":"cannot login since morning"}' | cut -c1-3)" 202
wait_until 10 'grep -q "event: alert" "$TMPD/ev.out"'
contains "a new case is published once committed" "$TMPD/ev.out" 'data: {"id":1,"state":"open","kind":"opened"}'
contains "and the alert that joined it" "$TMPD/ev.out" 'data: {"case":1}'
is "GET /v1/cases: the open case with its title, age and SLA clock" \
	"$(code "$UI/v1/cases" -H "$B") $(jget 'len(j["cases"]), j["cases"][0]["id"], j["cases"][0]["title"], j["cases"][0]["state"], j["cases"][0]["age_s"] >= 0, j["cases"][0]["sla"]["clock"], j["cases"][0]["sla"]["target_s"], j["cases"][0]["sla"]["overdue"], j["now_at"] > j["cases"][0]["sla"]["due_at"]' "$TMPD/b")" \
	"200 1 1 t.login open True ack 3600 False False"
is "a bad state: 400" "$(code "$UI/v1/cases?state=closed" -H "$B") $(jget 'j["error"]' "$TMPD/b")" \
	"400 state is open (open and acknowledged cases) or all"
is "a bad limit: 400" "$(code "$UI/v1/cases?limit=0" -H "$B")" 400
is "GET /v1/cases/1: its timeline and alerts" \
	"$(code "$UI/v1/cases/1" -H "$B") $(jget 'j["events"][0]["kind"], len(j["alerts"]), j["alerts"][0]["mentions"][0]["id"]' "$TMPD/b")" \
	"200 opened 1 m1"
is "an unknown case: 404" "$(code "$UI/v1/cases/99" -H "$B") $(jget 'j["error"]' "$TMPD/b")" "404 no case #99"
is "an action without the CSRF token: 403" "$(code "$UI/v1/cases/1/ack" -X POST -H "$C")" 403
is "ack with the session: 200 after the commit, the case as the list shows it" \
	"$(code "$UI/v1/cases/1/ack" -X POST -H "$C" -H "$X" -d '{}') $(jget 'j["ok"], j["case"]["state"], j["case"]["acked_by"], j["case"]["sla"]["clock"]' "$TMPD/b")" \
	"200 True acknowledged Ayu resolve"
wait_until 5 'grep -q "\"kind\":\"acknowledged\"" "$TMPD/ev.out"'
contains "the change is published" "$TMPD/ev.out" 'data: {"id":1,"state":"acknowledged","kind":"acknowledged"}'
code "$UI/v1/cases/1" -H "$B" >/dev/null
is "the timeline names the console's user" "$(jget '[(e["platform"], e["actor"]) for e in j["events"] if e["kind"] == "acknowledged"]' "$TMPD/b")" \
	"[('console', 'Ayu')]"
is "an unknown member of the body: 400" "$(code "$UI/v1/cases/1/resolve" -X POST -H "$B" -d '{"by":"x"}') $(jget 'j["error"]' "$TMPD/b")" \
	"400 unknown member 'by': the body takes to, note and for"
is "a bad duration: 400" "$(code "$UI/v1/cases/1/silence" -X POST -H "$B" -d '{"for":"soon"}')" 400
is "resolve by bearer" "$(code "$UI/v1/cases/1/resolve" -X POST -H "$B" -d '{"note":"fixed"}') $(jget 'j["case"]["state"], j["case"]["note"]' "$TMPD/b")" \
	"200 resolved fixed"
is "a state conflict: 409 as the admin API says it" "$(code "$UI/v1/cases/1/ack" -X POST -H "$B") $(jget 'j["error"]' "$TMPD/b")" \
	"409 case #1 is resolved: reopen it first to acknowledge it"
is "an unknown action: 404" "$(code "$UI/v1/cases/1/explode" -X POST -H "$B")" 404
is "GET on an action: 405" "$(code "$UI/v1/cases/1/ack" -H "$B") $(hdr "$TMPD/h" Allow)" "405 POST"

is "GET /v1/response-times: the report, breaches and every day" \
	"$(code "$UI/v1/response-times?days=3" -H "$B") $(jget 'len(j["daily"]), sorted(j["daily"][2]), [g["ack"]["count"] for g in j["groups"]], type(j["breaches"]).__name__, sorted(j["daily"][2]["groups"][0])' "$TMPD/b")" \
	"200 3 ['day_at', 'groups'] [1] list ['ack', 'first_reply', 'priority', 'resolve', 'team']"
is "days out of range: 400" "$(code "$UI/v1/response-times?days=91" -H "$B") $(jget 'j["error"]' "$TMPD/b")" \
	"400 days is a number from 1 to 90"

wait_until 10 '[ "$(metric_value "keluh_deliveries_total{receiver=\"bad\",result=\"dead\"}")" -ge 1 ] || code "$UI/v1/deliveries?state=dead" -H "$B" >/dev/null && [ "$(jget "len(j[\"deliveries\"])" "$TMPD/b")" -ge 1 ]'
is "GET /v1/deliveries?state=dead: the dead letter with its reason" \
	"$(code "$UI/v1/deliveries?state=dead" -H "$B") $(jget 'set(d["receiver"] for d in j["deliveries"]), j["deliveries"][0]["state"], j["deliveries"][0]["last_error"] is not None, j["deliveries"][0]["case"], j["deliveries"][0]["title"], j["counts"]["dead"] == len(j["deliveries"])' "$TMPD/b")" \
	"200 {'bad'} dead True 1 t.login True"
dead=$(jget 'j["deliveries"][0]["id"]' "$TMPD/b")
code "$UI/v1/deliveries?state=all" -H "$B" >/dev/null
good=$(jget '[d["id"] for d in j["deliveries"] if d["receiver"] == "hook"][0]' "$TMPD/b")
is "retry of a delivered one: 409" "$(code "$UI/v1/deliveries/$good/retry" -X POST -H "$B")" 409
is "a bad state filter: 400" "$(code "$UI/v1/deliveries?state=late" -H "$B")" 400
n0=$(count_lines "$bad_log")
is "retry of the dead one: 200" "$(code "$UI/v1/deliveries/$dead/retry" -X POST -H "$C" -H "$X") $(cat "$TMPD/b")" \
	'200 {"ok":true}'
wait_until 10 '[ "$(count_lines "$bad_log")" -gt "$n0" ]'
check "its receiver is tried again at once" test "$(count_lines "$bad_log")" -gt "$n0"
contains "and the change is published" "$TMPD/ev.out" "data: {\"id\":$dead,\"state\":\"pending\"}"
wait_until 10 'grep -q "data: {\"id\":$dead,\"state\":\"dead\"}" "$TMPD/ev.out"'
contains "a delivery that dies is published" "$TMPD/ev.out" "data: {\"id\":$dead,\"state\":\"dead\"}"
contains "and one delivered" "$TMPD/ev.out" "data: {\"id\":$good,\"state\":\"delivered\"}"
is "drop: 200" "$(code "$UI/v1/deliveries/$dead/drop" -X POST -H "$B")" 200
is "dropped: gone" "$(code "$UI/v1/deliveries/$dead/drop" -X POST -H "$B")" 404
is "an unknown delivery path: 404" "$(code "$UI/v1/deliveries/$dead/explode" -X POST -H "$B")" 404
wait_until 20 'grep -q "^: ping" "$TMPD/ev.out"'
contains "a live client gets a ping every 15 s" "$TMPD/ev.out" ": ping"
kill "$SSE"
stop_keluhd

# --- reload -------------------------------------------------------------------------
SOCK=$TMPD/admin.sock
write_conf "$TMPD/r.yaml" <<Y
admin: {socket: $SOCK}
Y
start_keluhd "$TMPD/r.yaml"
write_conf "$TMPD/r.yaml" <<Y
admin: {socket: $SOCK}
ui: {enabled: true, listen: "127.0.0.1:0", token_file: ui.token, root: ui, chart_js: chart.js}
Y
"$KELUHCTL" reload --socket "$SOCK" >"$TMPD/rl.out" 2>&1
is "a reload turns the console on" "$?" 0
wait_for 5 grep -q 'web console listens on' "$klog"
UPORT=$(sed -n 's/.*web console listens on .* (port \([0-9]*\)).*/\1/p' "$klog" | tail -n 1)
is "and it answers" "$(code "http://127.0.0.1:$UPORT/ui/")" 200
"$KELUHCTL" status --json --socket "$SOCK" >"$TMPD/st.json"
is "the admin status shows its listener" "$(jget 'j["ui"]["listen"], j["ui"]["port"] == '"$UPORT" "$TMPD/st.json")" \
	"127.0.0.1:0 True"
write_conf "$TMPD/r.yaml" <<Y
admin: {socket: $SOCK}
ui: {enabled: true, listen: "127.0.0.1:$KPORT", token_file: ui.token, root: ui, chart_js: chart.js}
Y
"$KELUHCTL" reload --socket "$SOCK" >"$TMPD/rl.out" 2>&1
is "a reload that moves it onto a port in use fails" "$?" 1
contains "and says why" "$TMPD/rl.out" "ui: cannot start the web console on 127.0.0.1:$KPORT"
is "the running console goes on" "$(code "http://127.0.0.1:$UPORT/ui/")" 200
write_conf "$TMPD/r.yaml" <<Y
admin: {socket: $SOCK}
ui: {enabled: false}
Y
"$KELUHCTL" reload --socket "$SOCK" >"$TMPD/rl.out" 2>&1
is "a reload turns it off" "$?" 0
contains "and it says so" "$klog" "ui: the web console is off"
is "its listener is closed" "$(code "http://127.0.0.1:$UPORT/ui/")" 000
"$KELUHCTL" status --json --socket "$SOCK" >"$TMPD/st.json"
is "and the admin status says it is off" "$(jget 'j["ui"]' "$TMPD/st.json")" None
stop_keluhd

# --- configuration errors --------------------------------------------------------------
write_conf "$TMPD/bad.yaml" <<Y
ui:
  enabled: true
  root: ui
Y
"$KELUHD" --check -c "$TMPD/bad.yaml" >"$TMPD/bad.out" 2>&1
is "enabled without token_file: --check fails" "$?" 1
contains "and says where and what to do" "$TMPD/bad.out" "bad.yaml:7:3: error: ui: token_file is required when the console is enabled"
write_conf "$TMPD/bad2.yaml" <<Y
ui:
  enabled: true
  token_file: ui.token
  root: nowhere
  chart_js: nochart.js
  listen: 0.0.0.0:0
Y
"$KELUHD" --check -c "$TMPD/bad2.yaml" >"$TMPD/bad2.out" 2>&1
contains "a root that is not there is an error" "$TMPD/bad2.out" "bad2.yaml:9:9: error: ui.root: $TMPD/nowhere is not a directory"
contains "a missing Chart.js is a warning" "$TMPD/bad2.out" "bad2.yaml:10:13: warning: ui.chart_js: $TMPD/nochart.js is not a readable file"
contains "a listener that is not loopback without TLS or a proxy is warned about" "$TMPD/bad2.out" "warning: ui: the console listens on 0.0.0.0:0, which is not a loopback address"
printf 'short\n' >"$TMPD/short.token"
chmod 600 "$TMPD/short.token"
write_conf "$TMPD/bad3.yaml" <<Y
ui: {enabled: true, token_file: short.token, root: ui, listen: http}
Y
"$KELUHD" --check -c "$TMPD/bad3.yaml" >"$TMPD/bad3.out" 2>&1
contains "a short token is refused" "$TMPD/bad3.out" "is 5 characters; use at least 16"

done_testing
