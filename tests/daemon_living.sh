#!/bin/sh
# Slack and Mattermost as bots (token_file), against the fake platforms of
# tests/fake_chat.py: a complaint is one chat.postMessage (blocks, the bot
# token, the channel) and one Mattermost post, Telegram's sendMessage answers
# with the message, Discord posts with ?wait=true (its case's message); Slack's
# "ok":false answers are judged: invalid_auth is a dead letter with Slack's
# reason, ratelimited waits for Retry-After and then delivers.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_peer chat fake_chat.py
start_peer dead fake_chat.py --plan okfalse:invalid_auth
start_peer slow fake_chat.py --plan okfalse:ratelimited --retry-after 1
printf 'xoxb-test-1\n' >"$TMPD/slack.token"
printf 'mmtok0123\n' >"$TMPD/mm.token"
printf '123:ABC\n' >"$TMPD/tg.token"
printf 'bot-signing-secret\n' >"$TMPD/slack.signing"
chmod 600 "$TMPD/slack.token" "$TMPD/mm.token" "$TMPD/tg.token" "$TMPD/slack.signing"
write_login_rules
write_conf "$TMPD/c.yaml" <<Y
receivers:
  - {name: bot, type: slack, token_file: $TMPD/slack.token, channel: C0123ABCD, api_url: "http://127.0.0.1:$chat_port/api",
     signing_secret_file: $TMPD/slack.signing}
  - {name: mm, type: mattermost, token_file: $TMPD/mm.token, channel: chan0123, api_url: "http://127.0.0.1:$chat_port"}
  - {name: bad, type: slack, token_file: $TMPD/slack.token, channel: C0123ABCD, api_url: "http://127.0.0.1:$dead_port/api"}
  - {name: busy, type: slack, token_file: $TMPD/slack.token, channel: C0123ABCD, api_url: "http://127.0.0.1:$slow_port/api"}
  - {name: tg, type: telegram, url: "http://127.0.0.1:$chat_port", bot_token_file: $TMPD/tg.token, chat_id: "-100"}
  - {name: dc, type: discord, url: "http://127.0.0.1:$chat_port/api/webhooks/1/tok"}
routes:
  - {receivers: [bot, mm, bad, busy, tg, dc]}
$(conf_at_once)
Y
start_keluhd "$TMPD/c.yaml"
r=$(post '{"id":"l1","text":"gak bisa login dari pagi"}')
is "a complaint: 202" "${r%% *}" 202

wait_until 20 '[ "$(count_lines "$chat_log")" -ge 4 ]'
python3 - "$chat_log" >"$TMPD/calls" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    j = r["json"] or {}
    if r["platform"] == "slack":
        blocks = j.get("blocks") or []
        print("slack", r["method"], r["path"], r["op"], r["status"],
              r["headers"].get("authorization"), j.get("channel"),
              "blocks=%d" % len(blocks), "first=" + (blocks[0]["type"] if blocks else "-"),
              "login" in json.dumps(blocks), "attachments" in j, "ref=%s" % r["ref"])
    elif r["platform"] == "mattermost":
        att = ((j.get("props") or {}).get("attachments") or [{}])[0]
        print("mattermost", r["method"], r["path"], r["op"], r["status"],
              r["headers"].get("authorization"), j.get("channel_id"),
              "login" in json.dumps(att), "#### " in (j.get("message") or ""))
    elif r["platform"] in ("telegram", "discord"):
        print(r["platform"], r["method"], r["path"], r["query"] or "-", r["op"], r["status"],
              "ref=%s" % r["ref"], "reply_markup" in j or "components" in j)
    else:
        print("other", r["method"], r["path"])
PY
is "the Slack bot: one chat.postMessage" "$(grep -c '^slack POST /api/chat.postMessage post 200' "$TMPD/calls")" 1
contains "with the bot token, the channel and the blocks with the case's buttons (no attachment)" \
	"$TMPD/calls" \
	"slack POST /api/chat.postMessage post 200 Bearer xoxb-test-1 C0123ABCD blocks=3 first=section True False ref=C0123ABCD:"
contains "the Mattermost bot: one post through the REST API, token and channel id" "$TMPD/calls" \
	"mattermost POST /api/v4/posts post 201 Bearer mmtok0123 chan0123 True True"
contains "Telegram: sendMessage, whose answer names the message" "$TMPD/calls" \
	"telegram POST /bot123:ABC/sendMessage - post 200 ref=-100:"
contains "Discord: an alert of a case posts with ?wait=true (to learn its id) and buttons" \
	"$TMPD/calls" "discord POST /api/webhooks/1/tok wait=true post 200 ref=1300000000000000"
lacks "nothing else reached the fake" "$TMPD/calls" "other"

# invalid_auth: never works by trying again
wait_for 20 sh -c "'$KELUHCTL' queue --dead --spool '$TMPD/c.db' | grep -q invalid_auth"
"$KELUHCTL" queue --dead --spool "$TMPD/c.db" >"$TMPD/dead.out" 2>&1
contains "ok:false invalid_auth is a dead letter with Slack's reason" "$TMPD/dead.out" \
	"Slack's Web API 200: invalid_auth"
is "after one try" "$(count_lines "$dead_log")" 1

# ratelimited: retried after Retry-After (1 s), then delivered
wait_until 20 '[ "$(count_lines "$slow_log")" -ge 2 ]'
python3 - "$slow_log" >"$TMPD/slow" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("calls", len(rows), "statuses", [r["status"] for r in rows],
      "waited", rows[1]["t"] - rows[0]["t"] >= 0.9)
PY
contains "ok:false ratelimited: tried again after Retry-After, then delivered" "$TMPD/slow" \
	"calls 2 statuses [200, 200] waited True"
wait_until 10 '[ "$(metric_value "keluh_deliveries_total{receiver=\"busy\",outcome=\"ok\"}")" = 1 ]'
is "and counted delivered" "$(metric_value 'keluh_deliveries_total{receiver="busy",outcome="ok"}')" 1
stop_keluhd

# --- a case lives as one message per receiver -----------------------------------
# Slack, Mattermost, Telegram and Discord on the fake "live"; a Slack bot whose
# edits fail six times with 500 (flaky), one whose edits are refused forever
# (refuse), and a webhook, which cannot edit (hook).
start_peer live fake_chat.py
start_peer flaky fake_chat.py --edit-plan 500,500,500,500,500,500
start_peer refuse fake_chat.py --edit-plan 'okfalse:cant_update_message*'
start_sink hook
SOCK=$TMPD/admin.sock
write_conf "$TMPD/l.yaml" <<Y
admin:
  socket: $SOCK
receivers:
  - {name: bot, type: slack, token_file: $TMPD/slack.token, channel: C0123ABCD, api_url: "http://127.0.0.1:$live_port/api"}
  - {name: mm, type: mattermost, token_file: $TMPD/mm.token, channel: chan0123, api_url: "http://127.0.0.1:$live_port"}
  - {name: tg, type: telegram, url: "http://127.0.0.1:$live_port", bot_token_file: $TMPD/tg.token, chat_id: "-100"}
  - {name: dc, type: discord, url: "http://127.0.0.1:$live_port/api/webhooks/2/tok"}
  - {name: bot2, type: slack, token_file: $TMPD/slack.token, channel: C2, api_url: "http://127.0.0.1:$flaky_port/api"}
  - {name: bot3, type: slack, token_file: $TMPD/slack.token, channel: C3, api_url: "http://127.0.0.1:$refuse_port/api"}
  - {name: hook, type: webhook, url: "http://127.0.0.1:$hook_port/h"}
routes:
  - {receivers: [bot, mm, tg, dc, bot2, bot3, hook]}
grouping:
  by: [rule, team]
  first_alert_after: {critical: 0s, high: 0s, normal: 0s, low: 0s}
  updates_at_most_every: 1s
people:
  rina: {name: Rina, slack: U0RINA}
Y
start_keluhd "$TMPD/l.yaml" "$TMPD/l1.log"
# What a fake saw of the case, per platform: its posts, the thread replies to
# the first post's message and the edits of it (by its reference), as
# "edits TRIED/SAYING-THE-ACK/ANSWERED-2XX".
cat >"$TMPD/lives.py" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
want = "acknowledged by Rina"
j = lambda r: r["json"] or {}
def first(platform):
    for r in rows:
        if r["platform"] == platform and r["op"] == "post" and r["status"] < 300:
            return r["ref"]
def posts(platform):
    return sum(r["platform"] == platform and r["op"] == "post" for r in rows)
def of(platform, op, ref, key):
    got = [r for r in rows if r["platform"] == platform and r["op"] == op and key(r) == ref]
    return len(got), sum(want in r["body"] for r in got), sum(r["status"] < 300 for r in got)
ref = first("slack")
if ref:
    ts = ref.split(":", 1)[1]
    print("slack posts", posts("slack"),
          "replies", of("slack", "reply", ts, lambda r: j(r).get("thread_ts"))[0],
          "edits %d/%d/%d" % of("slack", "edit", ts, lambda r: j(r).get("ts")))
ref = first("mattermost")
if ref:
    print("mattermost posts", posts("mattermost"),
          "replies", of("mattermost", "reply", ref, lambda r: j(r).get("root_id"))[0],
          "edits %d/%d/%d" % of("mattermost", "edit", ref, lambda r: r["path"].rsplit("/", 1)[1]))
ref = first("telegram")
if ref:
    mid = int(ref.split(":")[1])
    print("telegram posts", posts("telegram"),
          "replies", of("telegram", "reply", mid,
                        lambda r: (j(r).get("reply_parameters") or {}).get("message_id"))[0],
          "edits %d/%d/%d" % of("telegram", "edit", mid, lambda r: j(r).get("message_id")))
ref = first("discord")
if ref:
    print("discord posts", posts("discord"),
          "edits %d/%d/%d" % of("discord", "edit", ref, lambda r: r["path"].rsplit("/", 1)[1]))
PY
lives() { python3 "$TMPD/lives.py" "$1"; }
r=$(post '{"id":"m1","text":"gak bisa login dari pagi"}')
is "the case's first complaint: 202" "${r%% *}" 202
wait_until 20 '[ "$(lives "$live_log" | grep -c "posts 1")" -ge 4 ]'
lives "$live_log" >"$TMPD/lv1"
contains "the first alert of the case: one Slack post" "$TMPD/lv1" "slack posts 1 replies 0 edits 0/0/0"
contains "one Mattermost post" "$TMPD/lv1" "mattermost posts 1 replies 0 edits 0/0/0"
contains "one Telegram message" "$TMPD/lv1" "telegram posts 1 replies 0 edits 0/0/0"
contains "one Discord message" "$TMPD/lv1" "discord posts 1 edits 0/0/0"

# a second complaint of the group: a thread reply and an edit of the same message
r=$(post '{"id":"m2","text":"login gagal terus"}')
is "a later complaint of the case: 202" "${r%% *}" 202
wait_until 20 '[ "$(lives "$live_log" | grep -c "edits 1/0/1")" -ge 4 ]'
lives "$live_log" >"$TMPD/lv2"
contains "Slack: chat.update of the same ts and a reply with thread_ts = the ts" "$TMPD/lv2" \
	"slack posts 1 replies 1 edits 1/0/1"
contains "Mattermost: PUT /api/v4/posts/ID and a reply with root_id = ID" "$TMPD/lv2" \
	"mattermost posts 1 replies 1 edits 1/0/1"
contains "Telegram: editMessageText of the message_id and a reply to it" "$TMPD/lv2" \
	"telegram posts 1 replies 1 edits 1/0/1"
contains "Discord: PATCH .../messages/ID (no threads: no reply)" "$TMPD/lv2" \
	"discord posts 1 edits 1/0/1"
wait_until 20 '[ "$(count_lines "$hook_log")" -ge 2 ]'
is "the webhook, which cannot edit, got both alerts" "$(count_lines "$hook_log")" 2

# an edit refused in a way that can never work ends, with a log line
wait_until 20 '[ "$(metric_value "keluh_case_edits_total{receiver=\"bot3\",outcome=\"dead\"}")" = 1 ]'
contains "the refused edit is given up, with the reason" "$TMPD/l1.log" \
	"the edit of its message on bot3 is given up: Slack's Web API 200: cant_update_message"

# SIGKILL while an edit is owed (the flaky fake answers 500 six times; the
# retries back off, the seventh try comes 7 s at the earliest after the first):
# the edit is sent again after the restart, and made once
wait_until 20 '[ "$(metric_value "keluh_case_edits_total{receiver=\"bot\",outcome=\"ok\"}")" = 1 ]'
wait_until 20 'grep -q "\"status\": 500" "$flaky_log"'
kill -KILL "$KPID"
wait "$KPID" 2>/dev/null
killed_at=$(python3 -c "import time; print(time.time())")
echo "# killed at $killed_at"
start_keluhd "$TMPD/l.yaml" "$TMPD/l2.log"
wait_until 40 '[ "$(lives "$flaky_log" | grep -c "edits 7/0/1")" -ge 1 ]'
python3 - "$flaky_log" "$killed_at" >"$TMPD/flaky" <<'PY'
import json, sys
up = [r for r in map(json.loads, open(sys.argv[1])) if r["path"] == "/api/chat.update"]
print("sent after the restart", sum(r["t"] > float(sys.argv[2]) for r in up) >= 1,
      "statuses", [r["status"] for r in up])
PY
contains "the owed edit is sent again after the restart, until it is made" "$TMPD/flaky" \
	"sent after the restart True statuses [500, 500, 500, 500, 500, 500, 200]"

# keluhctl ack: one more edit on every living message, saying who; a new message to the webhook
"$KELUHCTL" ack 1 --by rina --socket "$SOCK" >"$TMPD/ack.out" 2>&1
is "keluhctl ack 1 exits 0" "$?" 0
wait_until 20 '[ "$(lives "$live_log" | grep -c "edits 2/1/2")" -ge 4 ]'
wait_until 20 '[ "$(count_lines "$hook_log")" -ge 3 ]'
lives "$live_log" >"$TMPD/lv3"
contains "Slack: one more chat.update, acknowledged by Rina" "$TMPD/lv3" \
	"slack posts 1 replies 1 edits 2/1/2"
contains "Mattermost: one more PUT, acknowledged by Rina" "$TMPD/lv3" \
	"mattermost posts 1 replies 1 edits 2/1/2"
contains "Telegram: one more editMessageText, acknowledged by Rina" "$TMPD/lv3" \
	"telegram posts 1 replies 1 edits 2/1/2"
contains "Discord: one more PATCH, acknowledged by Rina" "$TMPD/lv3" "discord posts 1 edits 2/1/2"
wait_until 20 '[ "$(lives "$flaky_log" | grep -c "edits 8/1/2")" -ge 1 ]'
lives "$flaky_log" >"$TMPD/fl2"
contains "the owed edit was made exactly once; the ack's edit after it" "$TMPD/fl2" \
	"slack posts 1 replies 1 edits 8/1/2"
python3 - "$hook_log" >"$TMPD/hook3" <<'PY'
import json, sys
rows = [json.loads(json.loads(l)["body"])["alert"] for l in open(sys.argv[1])]
a = rows[-1]
print(len(rows), a.get("update"), a["case"]["id"], a["case"]["state"], a["case"]["acked_by"])
PY
contains "the webhook got a new message: case #1, acknowledged by Rina" "$TMPD/hook3" \
	"3 acknowledged 1 acknowledged Rina"
# (the counters began again at the restart)
wait_until 20 '[ "$(metric_value "keluh_case_edits_total{receiver=\"bot3\",outcome=\"dead\"}")" = 1 ]'
is "the refused edits: one try each (the second complaint's, the ack's), never more" \
	"$(grep -c chat.update "$refuse_log")" 2
stop_keluhd
done_testing
