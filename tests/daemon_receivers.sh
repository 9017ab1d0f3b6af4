#!/bin/sh
# One critical complaint, routed to every kind of receiver, each pointed at
# a local peer: every platform gets one request of its own shape through the
# real delivery path (email through a local SMTP server).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hs --body '{"ok":true}'
start_sink slk --body ok
start_peer smtp smtp_sink.py
printf 'R3sT0ken\n' >"$TMPD/pd.key"
printf '123:ABC\n' >"$TMPD/tg.token"
H="http://127.0.0.1:$hs_port"
write_conf "$TMPD/c.yaml" "$top_srcdir/packs/core" <<Y
receivers:
  - {name: slack, type: slack, url: "http://127.0.0.1:$slk_port/slack"}
  - {name: mattermost, type: mattermost, url: "$H/mattermost"}
  - {name: discord, type: discord, url: "$H/discord"}
  - {name: teams, type: teams, url: "$H/teams"}
  - {name: gchat, type: googlechat, url: "$H/gchat"}
  - {name: telegram, type: telegram, url: "$H/tg", bot_token_file: $TMPD/tg.token, chat_id: "-100"}
  - {name: pagerduty, type: pagerduty, url: "$H/pd", routing_key_file: $TMPD/pd.key}
  - {name: webhook, type: webhook, url: "$H/webhook"}
  - {name: mail, type: email, url: "smtp://127.0.0.1:$smtp_port", from: keluh@example.com, to: [support@example.com, lead@example.com]}
routes:
  - {receivers: [slack, mattermost, discord, teams, gchat, telegram, pagerduty, webhook, mail]}
$(conf_at_once)
Y
start_keluhd "$TMPD/c.yaml"
r=$(post '{"id":"x1","text":"Saldo saya hilang, saya lapor OJK dan YLKI!","url":"https://example.com/p/1","author":{"handle":"@budi","followers":15000}}')
is "a critical complaint: 202" "${r%% *}" 202
wait_for 30 sh -c "[ \$(wc -l <$hs_log) -ge 7 ] && [ -s $slk_log ] && [ -s $TMPD/smtp.log ]"
python3 - "$hs_log" "$slk_log" >"$TMPD/shapes" <<'PY'
import json, sys
rows = [json.loads(l) for f in sys.argv[1:] for l in open(f)]
by = {r["path"].split("?")[0]: r for r in rows}
def body(p): return json.loads(by[p]["body"])
out = []
sl = body("/slack"); out.append("slack " + str(bool(sl["text"]) and sl["attachments"][0]["blocks"][0]["type"] == "section" and "OJK" in by["/slack"]["body"]))
out.append("mattermost " + str("text" in body("/mattermost") or "attachments" in body("/mattermost")))
d = body("/discord"); out.append("discord " + str(len(d.get("content", "")) <= 2000 and "embeds" in d))
t = body("/teams"); out.append("teams " + str(t["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"))
out.append("gchat " + str(isinstance(body("/gchat"), dict)))
tg = body("/tg/bot123:ABC/sendMessage"); out.append("telegram " + str(str(tg["chat_id"]) == "-100" and tg["parse_mode"] == "HTML"))
pd = body("/pd"); out.append("pagerduty " + str(pd["routing_key"] == "R3sT0ken" and pd["event_action"] == "trigger" and pd["payload"]["severity"] == "critical"))
w = body("/webhook"); out.append("webhook " + str(w["type"] == "keluh.alert" and w["alert"]["priority"] == "critical"))
ct = all(r["headers"].get("content-type", "").startswith("application/json") for r in rows)
out.append("content-type " + str(ct))
print("\n".join(out))
PY
for p in slack mattermost discord teams gchat telegram pagerduty webhook content-type; do
	contains "$p: the platform's shape" "$TMPD/shapes" "$p True"
done
python3 - "$TMPD/smtp.log" >"$TMPD/mail" <<'PY'
import email, email.policy, json, sys
m = json.loads(open(sys.argv[1]).readline())
print(m["from"], sorted(m["to"]))
# the Subject decoded (it is RFC 2047 encoded-words), not any header
print("subject:", email.message_from_string(m["data"], policy=email.policy.default)["Subject"])
PY
contains "email: envelope sender and recipients" "$TMPD/mail" "<keluh@example.com> ['<lead@example.com>', '<support@example.com>']"
contains "email: the subject carries the priority" "$TMPD/mail" "subject: [keluh] CRITICAL: "
stop_keluhd
done_testing
