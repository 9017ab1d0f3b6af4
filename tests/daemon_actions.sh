#!/bin/sh
# Actions on cases from chat and from signed links, against a real keluhd:
# a complaint opens case #1; a signed Slack button press acknowledges it
# (by the person people: names), and a wrong signature, a stale timestamp
# and a replayed body are refused 401 with the case unchanged; Discord's
# PING gets its PONG and a signed component resolves the case; a press on a
# resolved case is answered 200 with why; Telegram by webhook (secret
# token) and by getUpdates (fake_chat.py's queue, answerCallbackQuery, the
# offset kept across a restart); Mattermost's context token; a link's GET
# does not act, its POST does, a tampered or expired one is refused;
# unknown receivers are 404; mute_author and silence make silences; an
# answered press survives a SIGKILL.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

TOKEN=${top_builddir:-.}/tests/action_token
[ -x "$TOKEN" ] || TOKEN=$(dirname "$KELUHD")/tests/action_token
start_peer chat fake_chat.py
start_sink hook
printf 'slack-signing-secret-0123\n' >"$TMPD/slack.secret"
printf 'tg-webhook-secret-0123\n' >"$TMPD/tgw.secret"
printf '123:ABC\n' >"$TMPD/tgw.token"
printf '456:DEF\n' >"$TMPD/tgp.token"
printf 'xoxb-test-1\n' >"$TMPD/slack.token"
printf 'mmtok0123\n' >"$TMPD/mm.token"
chmod 600 "$TMPD"/*.secret "$TMPD"/*.token
SEED=9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60
DPUB=$("$TOKEN" ed25519-key $SEED)
write_login_rules
SOCK=$TMPD/admin.sock
write_conf "$TMPD/c.yaml" <<Y
admin:
  socket: $SOCK
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$hook_port/h"}
  - {name: support-slack, type: slack, token_file: $TMPD/slack.token, channel: C0123ABCD, api_url: "http://127.0.0.1:$chat_port/api", signing_secret_file: $TMPD/slack.secret}
  - {name: dc, type: discord, url: "http://127.0.0.1:$chat_port/api/webhooks/1/tok", public_key: "$DPUB"}
  - {name: tgw, type: telegram, url: "http://127.0.0.1:$chat_port", bot_token_file: $TMPD/tgw.token, chat_id: "-100", updates: webhook, webhook_secret_file: $TMPD/tgw.secret}
  - {name: tgp, type: telegram, url: "http://127.0.0.1:$chat_port", bot_token_file: $TMPD/tgp.token, chat_id: "-200"}
  - {name: mm, type: mattermost, token_file: $TMPD/mm.token, channel: chan0123, api_url: "http://127.0.0.1:$chat_port"}
routes:
  - {receivers: [hook]}
grouping:
  by: [rule, team]
  first_alert_after: {critical: 0s, high: 0s, normal: 0s, low: 0s}
cases:
  mute_for: 1h
  silence_for: 30m
people:
  rina: {name: Rina, slack: U0RINA}
Y
start_keluhd "$TMPD/c.yaml"
ctl() {
	cmd=$1
	shift
	"$KELUHCTL" $cmd --socket "$SOCK" "$@"
}
state() { ctl show 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["case"]["state"])'; }

# act.py KIND ...: a platform's request to keluhd, signed as the platform
# signs it; prints "STATUS BODY" (and again for --twice)
cat >"$TMPD/act.py" <<'PY'
import hashlib, hmac, json, subprocess, sys, time, urllib.parse, urllib.request
url, kind, args = sys.argv[1], sys.argv[2], sys.argv[3:]
opt = dict(a.split("=", 1) for a in args if "=" in a)
flags = [a for a in args if "=" not in a]
headers = {}
if kind == "slack":
    payload = {"type": "block_actions", "trigger_id": str(time.time_ns()), "user": {"id": opt["user"], "username": opt.get("name", "")},
               "actions": [{"action_id": "keluh." + opt["value"].split(":")[0], "value": opt["value"]}]}
    body = ("payload=" + urllib.parse.quote(json.dumps(payload))).encode()
    ts = str(int(time.time()) + int(opt.get("skew", "0")))
    secret = open(opt["secret"]).read().strip().encode()
    sig = "v0=" + hmac.new(secret, b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    if "badsig" in flags:
        sig = sig[:-4] + "0000"
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}
elif kind == "discord":
    if opt["value"] == "PING":
        j = {"type": 1, "id": "1", "application_id": "2"}
    else:
        # every interaction has its own id, as on Discord: two presses in
        # one second must not be the same signed bytes
        j = {"type": 3, "id": str(time.time_ns()), "data": {"custom_id": opt["value"], "component_type": 2},
             "member": {"user": {"id": "80351110224678912", "username": opt["name"]}}}
    body = json.dumps(j).encode()
    ts = str(int(time.time()))
    open(opt["tmp"], "wb").write(ts.encode() + body)
    sig = subprocess.check_output([opt["tool"], "ed25519-sign", opt["seed"], opt["tmp"]]).decode().strip()
    headers = {"Content-Type": "application/json", "X-Signature-Ed25519": sig,
               "X-Signature-Timestamp": ts}
elif kind == "telegram":
    j = {"update_id": int(opt["update"]), "callback_query": {"id": "cb" + opt["update"],
         "from": {"id": 7001, "username": opt["name"], "first_name": "X"}, "data": opt["value"]}}
    body = json.dumps(j).encode()
    headers = {"Content-Type": "application/json",
               "X-Telegram-Bot-Api-Secret-Token": open(opt["secret"]).read().strip()}
elif kind == "mattermost":
    ctx = {"token": opt["token"], "action": opt["action"], "case": int(opt["case"])}
    body = json.dumps({"user_id": "mmu1", "user_name": opt["name"], "context": ctx}).encode()
    headers = {"Content-Type": "application/json"}
else:
    body = opt.get("body", "").encode()
    headers = {"Content-Type": opt.get("ct", "application/json")}
method = opt.get("method", "POST")
for _ in range(2 if "twice" in flags else 1):
    req = urllib.request.Request(url, data=body if method == "POST" else None, headers=headers,
                                 method=method)
    try:
        r = urllib.request.urlopen(req, timeout=10)
        st, out, hd = r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        st, out, hd = e.code, e.read().decode(), e.headers
    if "headers" in flags:
        print(" ".join("%s:%s" % (k.lower(), v) for k, v in hd.items()))
    print(st, out.replace("\n", " ").strip())
PY
act() { python3 "$TMPD/act.py" "$@"; }
A=$URL/v1/actions

# --- a complaint opens case #1 ------------------------------------------------------
post '{"id":"c1","text":"cannot login since morning","author":{"handle":"@budi"}}' application/json >/dev/null
wait_for 10 sh -c "'$KELUHCTL' show 1 --socket '$SOCK'"
is "case #1 is open" "$(state)" open

# --- Slack ---------------------------------------------------------------------------
is "an unsigned Slack request: 401" "$(act "$A/support-slack" raw body=payload=x | cut -c1-3)" 401
is "a wrong signature: 401" "$(act "$A/support-slack" slack secret="$TMPD/slack.secret" value=ack:1 user=U0RINA badsig | cut -c1-3)" 401
is "a timestamp 6 minutes old: 401" "$(act "$A/support-slack" slack secret="$TMPD/slack.secret" value=ack:1 user=U0RINA skew=-360 | cut -c1-3)" 401
is "the case is unchanged" "$(state)" open
act "$A/support-slack" slack secret="$TMPD/slack.secret" value=ack:1 user=U0RINA name=rina.s twice >"$TMPD/slack.out"
is "a signed press: 200, empty" "$(sed -n 1p "$TMPD/slack.out")" "200 "
contains "the same body again is a replay: 401" "$TMPD/slack.out" "401 "
is "case #1 is acknowledged" "$(state)" acknowledged
ctl show 1 >"$TMPD/show1.out" 2>&1
contains "by the Slack user, as people: names them" "$TMPD/show1.out" "acknowledged   by Rina (slack)"
is "keluh_action_requests_total ok" "$(metric_value 'keluh_action_requests_total{receiver="support-slack",outcome="ok"}')" 1
is "keluh_action_requests_total unauthorized" "$(metric_value 'keluh_action_requests_total{receiver="support-slack",outcome="unauthorized"}')" 4
is "keluh_case_actions_total{ack,slack}" "$(metric_value 'keluh_case_actions_total{action="ack",platform="slack"}')" 1
act "$A/support-slack" slack secret="$TMPD/slack.secret" value=frob:1 user=U0RINA >"$TMPD/bad.out"
contains "an unknown action: 400 with the reason" "$TMPD/bad.out" "400 "
contains "... that names it" "$TMPD/bad.out" "frob"

# --- Discord -------------------------------------------------------------------------
DARGS="tool=$TOKEN seed=$SEED tmp=$TMPD/d.msg"
is "a Discord PING: PONG" "$(act "$A/dc" discord $DARGS value=PING)" '200 {"type":1}'
is "a signed component: a deferred update" "$(act "$A/dc" discord $DARGS value=resolve:1 name=budi)" '200 {"type":6}'
is "case #1 is resolved" "$(state)" resolved
act "$A/dc" discord $DARGS value=resolve:1 name=budi >"$TMPD/d2.out"
contains "resolving again: 200, said to the one who pressed (type 4, ephemeral)" "$TMPD/d2.out" '200 {"type":4'
contains "... why" "$TMPD/d2.out" "already resolved"
is "keluh_action_requests_total refused" "$(metric_value 'keluh_action_requests_total{receiver="dc",outcome="refused"}')" 1

# --- Telegram by webhook ---------------------------------------------------------------
act "$A/tgw" telegram secret="$TMPD/tgw.secret" update=501 value=reopen:1 name=tini >"$TMPD/tg.out"
contains "a Telegram webhook: answerCallbackQuery in the answer" "$TMPD/tg.out" '200 {"method":"answerCallbackQuery","callback_query_id":"cb501"}'
is "case #1 is open again" "$(state)" open
printf 'wrong\n' >"$TMPD/wrong.secret"
is "a wrong secret token: 401" "$(act "$A/tgw" telegram secret="$TMPD/wrong.secret" update=502 value=ack:1 name=tini | cut -c1-3)" 401
is "the poll-mode receiver takes no webhook: 404" "$(act "$A/tgp" telegram secret="$TMPD/tgw.secret" update=503 value=ack:1 name=tini | cut -c1-3)" 404

# --- Telegram by getUpdates -------------------------------------------------------------
curl -s -d '{"update_id":900,"callback_query":{"id":"q900","from":{"id":7002,"username":"dewi"},"data":"ack:1"}}' "http://127.0.0.1:$chat_port/_fake/updates" >/dev/null
wait_until 20 '[ "$(state)" = acknowledged ]'
is "a press read by getUpdates acknowledges case #1" "$(state)" acknowledged
wait_for 10 grep -q '"op": "answer"' "$chat_log"
contains "and is answered with answerCallbackQuery" "$chat_log" '"callback_query_id": "q900"'
wait_for 10 grep -q 'offset=901' "$chat_log"
contains "the next getUpdates confirms it (offset 901)" "$chat_log" 'offset=901'
ctl show 1 >"$TMPD/show2.out" 2>&1
contains "by the Telegram user" "$TMPD/show2.out" "acknowledged   by dewi (telegram)"

# --- Mattermost ---------------------------------------------------------------------------
KEY=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select hex(value) from meta where key=\"action_key\"").fetchone()[0])' "$TMPD/c.db")
NOW=$(date +%s)
MT=$("$TOKEN" mattermost "$KEY" 1 resolve $((NOW + 600)))
act "$A/mm" mattermost token="$MT" action=resolve case=1 name=sari >"$TMPD/mm.out"
is "a Mattermost button with its token: 200 {}" "$(cat "$TMPD/mm.out")" "200 {}"
is "case #1 is resolved" "$(state)" resolved
is "a token for another case: 401" "$(act "$A/mm" mattermost token="$MT" action=resolve case=2 name=sari | cut -c1-3)" 401
LT=$("$TOKEN" link "$KEY" 1 resolve $((NOW + 600)))
is "a link token is no Mattermost token: 401" "$(act "$A/mm" mattermost token="$LT" action=resolve case=1 name=sari | cut -c1-3)" 401

# --- signed links --------------------------------------------------------------------------
LT=$("$TOKEN" link "$KEY" 1 reopen $((NOW + 600)))
act "$A/link/$LT" raw method=GET headers >"$TMPD/lg.out"
contains "a link's GET: a page" "$TMPD/lg.out" "200 "
contains "... that asks" "$TMPD/lg.out" "Reopen"
contains "... with its headers (no framing)" "$TMPD/lg.out" "frame-ancestors 'none'"
is "and does not act" "$(state)" resolved
act "$A/link/$LT" raw method=POST body=by=Rina ct=application/x-www-form-urlencoded >"$TMPD/lp.out"
contains "its POST acts: 200" "$TMPD/lp.out" "200 "
is "case #1 is open" "$(state)" open
TAMP=$(printf '%s' "$LT" | sed 's/.$/A/;t' | sed 's/A$/B/')
[ "$TAMP" = "$LT" ] && TAMP=${LT%?}C
is "a tampered link's POST: 401" "$(act "$A/link/$TAMP" raw method=POST | cut -c1-3)" 401
OLD=$("$TOKEN" link "$KEY" 1 ack $((NOW - 10)))
is "an expired link's POST: 401" "$(act "$A/link/$OLD" raw method=POST | cut -c1-3)" 401
is "the case is unchanged" "$(state)" open

# --- not ours --------------------------------------------------------------------------------
is "an unknown receiver: 404" "$(act "$A/nosuch" raw body={} | cut -c1-3)" 404
is "a receiver that takes no actions: 404" "$(act "$A/hook" raw body={} | cut -c1-3)" 404
is "a GET of a callback path: 405" "$(act "$A/support-slack" raw method=GET | cut -c1-3)" 405

# --- mute_author and silence -------------------------------------------------------------------
act "$A/support-slack" slack secret="$TMPD/slack.secret" value=mute_author:1 user=U0RINA >"$TMPD/mute.out"
is "mute_author: 200" "$(cat "$TMPD/mute.out")" "200 "
act "$A/support-slack" slack secret="$TMPD/slack.secret" value=silence:1 user=U0RINA >"$TMPD/sil.out"
is "silence: 200" "$(cat "$TMPD/sil.out")" "200 "
ctl silence list >"$TMPD/sl.out" 2>&1
contains "a silence on the complaint's author" "$TMPD/sl.out" "author=budi (case #1: mute_author)"
contains "a silence on the case's group" "$TMPD/sl.out" "rule=t.login,team=tech (case #1: silence)"
ctl show 1 >"$TMPD/show3.out" 2>&1
contains "both are events of the case" "$TMPD/show3.out" "muted_author"
contains "..." "$TMPD/show3.out" "silenced"

# --- SIGKILL right after an answered press; a restart does not replay Telegram's updates -----------
act "$A/support-slack" slack secret="$TMPD/slack.secret" value=resolve:1 user=U0RINA >"$TMPD/k.out"
is "a press answered 200" "$(cat "$TMPD/k.out")" "200 "
kill -KILL "$KPID"
wait "$KPID" 2>/dev/null
start_keluhd "$TMPD/c.yaml"
is "after SIGKILL and a restart the case is still resolved" "$(state)" resolved
wait_for 10 sh -c "grep 'reading button presses' '$klog' | grep -q 'offset 901'"
contains "after a restart getUpdates goes on from the stored offset" "$klog" "tgp: reading button presses by getUpdates from offset 901"
stop_keluhd
done_testing
