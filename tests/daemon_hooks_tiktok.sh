#!/bin/sh
# The tiktok push source against the real keluhd, with a fake TikTok that
# signs and shapes its webhooks as TikTok documents them: the header
# "TikTok-Signature: t=<unix s>,s=<hex HMAC-SHA256 of '<t>.<body>' with
# the client secret>" (developers.tiktok.com/doc/webhooks-verification)
# and the body {client_key, event, create_time, user_openid, content},
# content a serialized JSON string (developers.tiktok.com/doc/
# webhooks-events). TikTok publishes no comment event name or content
# members we could find: the test's config names them (events:, fields:),
# as an operator would from TikTok's portal.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

write_login_rules
printf 'tt-client-secret-0123456789\n' >"$TMPD/tt.secret"
chmod 600 "$TMPD/tt.secret"
write_conf "$TMPD/c.yaml" <<Y
sources:
  - name: tt
    type: tiktok
    client_secret_file: $TMPD/tt.secret
    events: [comment.create]
    fields: {id: /comment_id, text: /text, reply_to: /parent_comment_id,
             author.handle: /username}
Y
start_keluhd "$TMPD/c.yaml"
is "keluhd starts with a tiktok source" "$?" 0

# sign EVENT CONTENT_JSON [HOW]: the fake TikTok's body ($TMPD/body) and
# TikTok-Signature ($TMPD/sig), signed as HOW says (good, wrong, none, late)
sign() {
	python3 - "$TMPD/tt.secret" "$1" "$2" "${3:-good}" "$TMPD/body" "$TMPD/sig" <<'PY'
import hashlib, hmac, json, sys, time
secret = open(sys.argv[1], "rb").read().rstrip()
event, content, how = sys.argv[2], sys.argv[3], sys.argv[4]
body = json.dumps({"client_key": "bwo2m45353a6k85", "event": event,
                   "create_time": int(time.time()),
                   "user_openid": "act.example12345Example12345Example",
                   "content": content}).encode()
t = int(time.time()) - (3600 if how == "late" else 0)
key = b"another secret" if how == "wrong" else secret
s = hmac.new(key, b"%d." % t + body, hashlib.sha256).hexdigest()
open(sys.argv[5], "wb").write(body)
open(sys.argv[6], "w").write("" if how == "none" else "t=%d,s=%s" % (t, s))
PY
}
# send: POSTs them to /v1/hooks/tt; prints "STATUS BODY"
send() {
	set --
	[ -s "$TMPD/sig" ] && set -- -H "TikTok-Signature: $(cat "$TMPD/sig")"
	curl -s -o "$TMPD/out" -w '%{http_code}' -H 'Content-Type: application/json' "$@" \
		--data-binary @"$TMPD/body" "$URL/v1/hooks/tt"
	printf ' '
	cat "$TMPD/out"
}
tiktok() { sign "$@" && send; }
row() {
	sqlite3 "$TMPD/c.db" "SELECT json_extract(json, '\$.entry.author.handle') FROM mentions WHERE mention_id = '$1'" 2>&1
}
count() { sqlite3 "$TMPD/c.db" "SELECT count(*) FROM mentions WHERE mention_id LIKE '$1'" 2>&1; }

C1='{"comment_id":"7301","video_id":"7290","text":"login gagal terus","username":"sari.id"}'
r=$(tiktok comment.create "$C1")
is "a signed comment event: 200 after the commit" "$r" '200 {"taken":1,"skipped":0}'
is "in the spool as tiktok:<comment id>, with its author" "$(row tiktok:7301)" sari.id
r=$(tiktok comment.create "$C1")
is "TikTok delivers it again: 200" "${r%% *}" 200
is "still one mention" "$(count tiktok:7301)" 1

r=$(tiktok comment.create '{"comment_id":"7302","text":"login susah"}' none)
is "no TikTok-Signature: 401" "${r%% *}" 401
r=$(tiktok comment.create '{"comment_id":"7302","text":"login susah"}' wrong)
is "signed with another secret: 401" "${r%% *}" 401
r=$(tiktok comment.create '{"comment_id":"7302","text":"login susah"}' late)
is "a timestamp an hour old: 401" "${r%% *}" 401
case $r in *'more than 5 minutes'*) ok=0 ;; *) ok=1 ;; esac
is "saying why ($r)" "$ok" 0
sign comment.create '{"comment_id":"7302","text":"login susah"}'
sed -i 's/login susah/login SUSAH/' "$TMPD/body"
r=$(send)
is "a body altered after signing: 401" "${r%% *}" 401
is "nothing of the refused ones was taken" "$(count tiktok:7302)" 0

r=$(tiktok authorization.removed '{"reason": 1 }')
is "an event that is no comment: 200, nothing taken" "$r" '200 {"taken":0,"skipped":1}'
is "counted as skipped" "$(metric_value 'keluh_source_skipped_total{source="tt",kind="event_type"}')" 1
r=$(tiktok comment.create '{"comment_id":"7303",')
is "content that is not JSON: 400" "${r%% *}" 400
case $r in *'content is not JSON: line 1'*) ok=0 ;; *) ok=1 ;; esac
is "naming where ($r)" "$ok" 0
r=$(tiktok comment.create '{"comment_id":"7304","video_id":"7290"}')
is "a comment without text: 200, skipped" "$r" '200 {"taken":0,"skipped":1}'
r=$(tiktok comment.create '{"comment_id":"7305","text":"tidak bisa login","parent_comment_id":"7301"}')
is "a reply: taken" "${r%% *}" 200
is "its reply_to is the comment it answers" \
	"$(sqlite3 "$TMPD/c.db" "SELECT json_extract(json, '\$.entry.reply_to') FROM mentions WHERE mention_id = 'tiktok:7305'")" 7301

grep -q 'tt-client-secret' "$klog"
is "the client secret never appears in the log" "$?" 1
stop_keluhd
done_testing
