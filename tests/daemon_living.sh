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
chmod 600 "$TMPD/slack.token" "$TMPD/mm.token" "$TMPD/tg.token"
write_login_rules
write_conf "$TMPD/c.yaml" <<Y
receivers:
  - {name: bot, type: slack, token_file: $TMPD/slack.token, channel: C0123ABCD, api_url: "http://127.0.0.1:$chat_port/api"}
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
done_testing
