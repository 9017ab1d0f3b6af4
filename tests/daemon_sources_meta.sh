#!/bin/sh
# meta sources against the real keluhd, with Meta's side played by
# tests/fake_meta.py on 127.0.0.1: it signs and sends webhooks as Meta does
# (X-Hub-Signature-256) in the shapes of Meta's documentation, and stands
# in for the Graph API (Instagram @mention look-ups with usage headers,
# debug_token). The subscription handshake (good and wrong token); the
# signature valid, missing, wrong and over an altered body; each product's
# payload as a mention with its fields (alerts to a webhook sink); a replay
# counted once, also after a restart; media-only messages skipped and
# counted; an id-only @mention read through the Graph API; look-ups in
# flight bounded by max_lookups (503 past it, counted); usage past 90%
# answered 503 with Retry-After and nothing looked up; bodies not JSON,
# too large or too deep refused with their 4xx and nothing taken; the page
# token about to expire raising an operational alert.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hook
start_sink ops
write_login_rules

now=$(date +%s)
# the Graph API's state: the page token, two @mentions, the usage it reports
graph_state() {
	cat >"$TMPD/graph.json.tmp" <<J
{"token": "EAAGm0PX4ZCpsBAPage",
 "comments": {"17918195224117851": {"text": "@acme login gagal terus sejak kemarin",
     "timestamp": "2026-12-06T09:19:36+0000",
     "media": {"id": "17887498072083520", "permalink": "https://www.instagram.com/p/CxAcme1/"}}},
 "media": {"17887498072083599": {"caption": "", "permalink": "https://www.instagram.com/p/CxAcme2/",
     "timestamp": "2026-12-06T09:20:00+0000", "username": "rina"}},
 "app_usage": {"call_count": $1, "total_time": 10, "total_cputime": 10},
 "buc_usage": {"104512345678901": [{"type": "pages", "call_count": 12, "total_cputime": 3,
     "total_time": 4, "estimated_time_to_regain_access": 0}]},
 "hold": "$TMPD/hold",
 "debug": {"is_valid": true, "expires_at": $((now + 3 * 86400)),
     "data_access_expires_at": $((now + 80 * 86400))}}
J
	mv "$TMPD/graph.json.tmp" "$TMPD/graph.json"
}
graph_state 20
start_peer graph fake_meta.py --state "$TMPD/graph.json"
printf 'acme-verify-3141\n' >"$TMPD/verify.token"
printf 'f7a1c0ffee5ecret\n' >"$TMPD/app.secret"
printf 'EAAGm0PX4ZCpsBAPage\n' >"$TMPD/page.token"

write_conf "$TMPD/c.yaml" <<Y
health_receivers: [ops]
sources:
  - name: meta
    type: meta
    verify_token_file: verify.token
    app_secret_file: app.secret
    page_token_file: page.token
    graph_url: http://127.0.0.1:$graph_port/v21.0
    max_body: 64KiB
    alert_to: [ops]
  - name: meta-one
    type: meta
    verify_token_file: verify.token
    app_secret_file: app.secret
    page_token_file: page.token
    graph_url: http://127.0.0.1:$graph_port/v21.0
    max_lookups: 1
    lookup_timeout: 60s
$(conf_alert_each hook /h ops /o)
Y
"$KELUHD" --check -c "$TMPD/c.yaml" >"$TMPD/check.out" 2>&1
is "--check accepts a meta source" "$?" 0
start_keluhd "$TMPD/c.yaml"
is "keluhd starts" "$?" 0
H=$URL/v1/hooks/meta

# send NAME [fake_meta.py send options]: posts $TMPD/NAME.json as Meta does;
# sets st (status), ra (Retry-After or -) and ans (the body)
send() {
	_f=$TMPD/$1.json
	shift
	python3 "$top_srcdir/tests/fake_meta.py" send --url "$H" --secret-file "$TMPD/app.secret" \
		--body-file "$_f" "$@" >"$TMPD/send.out" 2>&1
	st=$(sed -n 1p "$TMPD/send.out")
	ra=$(sed -n 2p "$TMPD/send.out")
	ans=$(sed -n '3,$p' "$TMPD/send.out")
}
taken() { metric_value 'keluh_mentions_total{source="meta"}'; }
alerts() { count_lines "$hook_log"; }

# --- the handshake --------------------------------------------------------
out=$(curl -s -w ' %{http_code} %{content_type}' "$H?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=acme-verify-3141")
is "the handshake echoes the challenge for the verify token" "$out" "1158201444 200 text/plain"
out=$(curl -s -o "$TMPD/hs.out" -w '%{http_code}' "$H?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=acme-verify-3142")
is "a wrong verify token is refused with 403" "$out" 403
lacks "  and the challenge is not echoed" "$TMPD/hs.out" 1158201444

# --- payloads in the shapes of Meta's documentation ------------------------
cat >"$TMPD/wa.json" <<'J'
{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{
 "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",
 "phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},
 "wa_id":"6281234567890"}],"messages":[{"from":"6281234567890",
 "id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0","timestamp":"1765012000","type":"text",
 "context":{"from":"15550783881","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI5QTND"},
 "text":{"body":"Tidak bisa login ke aplikasi, OTP tidak masuk"}}]},"field":"messages"}]}]}
J
cat >"$TMPD/ig.json" <<'J'
{"object":"instagram","entry":[{"id":"17841405822304914","time":1765012100,"changes":[{
 "field":"comments","value":{"from":{"id":"232323232","username":"budi.s"},
 "media":{"id":"17887498072083520","media_product_type":"FEED"},"id":"17865799348089039",
 "parent_id":"17865799348089000","text":"Min, login error terus dari pagi"}}]}]}
J
cat >"$TMPD/fb.json" <<'J'
{"object":"page","entry":[{"id":"104512345678901","time":1765012200,"changes":[{"field":"feed",
 "value":{"from":{"id":"5550001","name":"Siti Rahma"},"post":{"status_type":"added_photos",
 "is_published":true,"id":"104512345678901_778899"},"message":"Sudah 2 hari gagal login, tolong",
 "post_id":"104512345678901_778899","comment_id":"778899_445566","created_time":1765012199,
 "item":"comment","parent_id":"104512345678901_778899","verb":"add"}}]}]}
J

# --- the signature ----------------------------------------------------------
send wa --no-signature
is "a POST without X-Hub-Signature-256 is refused with 401" "$st" 401
send wa --signature "sha256=$(printf '%064d' 0)"
is "a wrong signature is refused with 401" "$st" 401
send wa --alter
is "a signature over an altered body is refused with 401" "$st" 401
is "  each counted" "$(metric_value 'keluh_hook_refused_total{source="meta",reason="signature"}')" 3
is "  and nothing was taken" "$(taken)" 0

send wa
is "a signed WhatsApp message is taken (200)" "$st" 200
send ig
is "a signed Instagram comment is taken (200)" "$st" 200
send fb
is "a signed Facebook Page comment is taken (200)" "$st" 200
wait_until 20 '[ "$(alerts)" -ge 3 ]'
# "id|text|handle|name|account|reply_to|url" per mention the sink got
python3 - "$hook_log" >"$TMPD/mentions.txt" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    for m in json.loads(json.loads(line)["body"])["alert"]["mentions"]:
        a = m.get("author") or {}
        print("|".join(str(x) for x in (m["id"], m["text"], a.get("handle"), a.get("name"),
              m.get("account"), m.get("reply_to"), m.get("url"))))
PY
contains "WhatsApp: id, text, number, profile name, phone number id, the message answered" "$TMPD/mentions.txt" \
	"whatsapp:wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0|Tidak bisa login ke aplikasi, OTP tidak masuk|6281234567890|Sheena Nelson|whatsapp:106540352242922|whatsapp:wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI5QTND|None"
contains "Instagram: id, text, username, account, the comment answered" "$TMPD/mentions.txt" \
	"instagram:17865799348089039|Min, login error terus dari pagi|budi.s|None|instagram:17841405822304914|instagram:17865799348089000|None"
contains "Facebook: id, text, author, page, the post answered, permalink" "$TMPD/mentions.txt" \
	"facebook:778899_445566|Sudah 2 hari gagal login, tolong|5550001|Siti Rahma|facebook:104512345678901|facebook:104512345678901_778899|https://www.facebook.com/104512345678901_778899?comment_id=445566"

# --- a replay ---------------------------------------------------------------
send wa
is "Meta sending the same message again is answered 200" "$st" 200
wait_until 20 '[ "$(metric_value "keluh_mentions_duplicate_total{source=\"meta\"}")" = 1 ]'
is "  and counted once: a duplicate" "$(metric_value 'keluh_mentions_duplicate_total{source="meta"}')" 1
is "  no second alert" "$(alerts)" 3

# --- media only -------------------------------------------------------------
cat >"$TMPD/wa-media.json" <<'J'
{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{
 "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",
 "phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},
 "wa_id":"6281234567890"}],"messages":[{"from":"6281234567890","id":"wamid.IMG1",
 "timestamp":"1765012300","type":"image","image":{"mime_type":"image/jpeg",
 "sha256":"H0dQb2zqCv4yC5kvwR84K5xl7Z5Z3Y6wlK6xxk=","id":"1003383421387256"}},
 {"from":"6281234567890","id":"wamid.STK1","timestamp":"1765012301","type":"sticker",
 "sticker":{"mime_type":"image/webp","sha256":"x","id":"2","animated":false}}],
 "statuses":[{"id":"wamid.OUT1","status":"delivered","timestamp":"1765012302",
 "recipient_id":"6281234567890"}]},"field":"messages"}]}]}
J
before=$(taken)
send wa-media
is "media-only messages are answered 200" "$st" 200
is "  skipped and counted as media_only" "$(metric_value 'keluh_source_skipped_total{source="meta",kind="media_only"}')" 2
is "  a delivery receipt counted as status" "$(metric_value 'keluh_source_skipped_total{source="meta",kind="status"}')" 1
is "  none taken as a mention" "$(taken)" "$before"

# --- an @mention with ids only: the Graph API -----------------------------------
cat >"$TMPD/ig-mention.json" <<'J'
{"object":"instagram","entry":[{"id":"17841405822304914","time":1765012400,"changes":[{
 "field":"mentions","value":{"media_id":"17887498072083520","comment_id":"17918195224117851"}}]}]}
J
send ig-mention
is "an Instagram @mention is answered 200 after its look-up" "$st" 200
contains "  the look-up went to the Graph API with the page token" "$graph_log" '"path": "/v21.0/17841405822304914", "query": {"fields": "mentioned_comment.comment_id(17918195224117851){id,text,timestamp,media{id,permalink}}"}, "token_ok": true, "status": 200'
wait_until 20 '[ "$(alerts)" -ge 4 ]'
tail -n 1 "$hook_log" >"$TMPD/last.json"
contains "  its text from the Graph API" "$TMPD/last.json" '@acme login gagal terus sejak kemarin'
contains "  its permalink" "$TMPD/last.json" 'https://www.instagram.com/p/CxAcme1/'
contains "  its id" "$TMPD/last.json" 'mentions\":[{\"id\":\"instagram:17918195224117851\"'
is "  the headroom the usage headers give" "$(metric_value 'keluh_source_quota_remaining{source="meta"}')" 80

cat >"$TMPD/ig-caption.json" <<'J'
{"object":"instagram","entry":[{"id":"17841405822304914","time":1765012500,"changes":[{
 "field":"mentions","value":{"media_id":"17887498072083599"}}]}]}
J
send ig-caption
is "an @mention in a caption without words is answered 200" "$st" 200
is "  and counted as media_only" "$(metric_value 'keluh_source_skipped_total{source="meta",kind="media_only"}')" 3

cat >"$TMPD/ig-gone.json" <<'J'
{"object":"instagram","entry":[{"id":"17841405822304914","time":1765012600,"changes":[{
 "field":"mentions","value":{"media_id":"17887498072083520","comment_id":"17918195224100000"}}]}]}
J
before=$(taken)
send ig-gone
is "a look-up the Graph API refuses is answered 503, for Meta to send again" "$st" 503
is "  nothing taken" "$(taken)" "$before"

# --- look-ups in flight are bounded ------------------------------------------------
touch "$TMPD/hold"
H=$URL/v1/hooks/meta-one
python3 "$top_srcdir/tests/fake_meta.py" send --url "$H" --secret-file "$TMPD/app.secret" \
	--body-file "$TMPD/ig-mention.json" >"$TMPD/slow.out" 2>&1 &
slow=$!
wait_until 20 '[ "$(metric_value "keluh_source_lookups_in_flight{source=\"meta-one\"}")" = 1 ]'
send ig-caption
is "past max_lookups in flight a hook is answered 503" "$st" 503
is "  the bound hit is counted" "$(metric_value 'keluh_bound_hits_total{bound="meta_lookups"}')" 1
rm -f "$TMPD/hold"
wait "$slow"
is "  the look-up in flight is answered 200 when it is back" "$(head -n 1 "$TMPD/slow.out")" 200
H=$URL/v1/hooks/meta

# --- the rate limit ---------------------------------------------------------------
graph_state 95
send ig-mention
is "a look-up answered with 95% usage still completes" "$st" 200
is "  the headroom left is 5%" "$(metric_value 'keluh_source_quota_remaining{source="meta"}')" 5
n=$(grep -c '"mentioned_comment' "$graph_log")
send ig-mention
is "past 90% an @mention is answered 503" "$st" 503
check "  with a Retry-After in seconds" expr "$ra" : '[1-9][0-9]*$'
is "  and no look-up was made" "$(grep -c '"mentioned_comment' "$graph_log")" "$n"
wait_until 20 'grep -q quota_exhausted "$ops_log"'
contains "  an operational alert says the quota is used up" "$ops_log" quota_exhausted
send wa
is "  a body that needs no look-up is still taken" "$st" 200

# --- the page token ------------------------------------------------------------
wait_until 20 'grep -q token_expiring "$ops_log"'
contains "a page token expiring in 3 days raises an operational alert" "$ops_log" token_expiring
contains "  after debug_token was asked" "$graph_log" '"path": "/v21.0/debug_token"'
lacks "  the token is in no log line" "$klog" EAAGm0PX4ZCpsBAPage

# --- bad bodies -------------------------------------------------------------------
before=$(taken)
printf '{"object":"page","entry":[{"id":"1",' >"$TMPD/cut.json"
send cut
is "a body that is not JSON is refused with 400" "$st" 400
python3 -c 'import sys; sys.stdout.write("[" * 200 + "]" * 200)' >"$TMPD/deep.json"
send deep
is "a body nested 200 deep is refused with 400" "$st" 400
case $ans in *deeper*) ok "  saying it is too deep" ;; *) not_ok "  saying it is too deep" "$ans" ;; esac
python3 - "$TMPD/huge.json" <<'PY'
import json, sys
m = [{"from": "1", "id": "wamid.H%d" % i, "timestamp": "1", "type": "text",
      "text": {"body": "login gagal " + "x" * 200}} for i in range(400)]
json.dump({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
    {"value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "9"},
               "messages": m}, "field": "messages"}]}]}, open(sys.argv[1], "w"))
PY
send huge
is "a body larger than max_body is refused with 413" "$st" 413
printf '{"object":"page"}' >"$TMPD/shape.json"
send shape
is "JSON that is no Meta webhook is refused with 422" "$st" 422
is "  nothing of them taken" "$(taken)" "$before"
is "  each refusal counted by reason" \
	"$(metric_value 'keluh_hook_refused_total{source="meta",reason="json"}') $(metric_value 'keluh_hook_refused_total{source="meta",reason="too_deep"}') $(metric_value 'keluh_hook_refused_total{source="meta",reason="too_large"}') $(metric_value 'keluh_hook_refused_total{source="meta",reason="shape"}')" \
	"1 1 1 1"

# --- a replay after a restart ---------------------------------------------------
n=$(alerts)
stop_keluhd
graph_state 20
start_keluhd "$TMPD/c.yaml"
H=$URL/v1/hooks/meta
send fb
is "after a restart, Meta sending a comment again is answered 200" "$st" 200
wait_until 20 '[ "$(metric_value "keluh_mentions_duplicate_total{source=\"meta\"}")" = 1 ]'
is "  counted as a duplicate (the complaint is in the spool)" "$(metric_value 'keluh_mentions_duplicate_total{source="meta"}')" 1
is "  no second alert" "$(alerts)" "$n"
stop_keluhd
done_testing
