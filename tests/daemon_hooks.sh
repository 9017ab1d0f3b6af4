#!/bin/sh
# /v1/hooks/NAME against the real keluhd, with the generic webhook kind: a
# signed POST is answered 200 only once its mentions are in the spool; an
# unknown name or a pulling source is 404; oversize 413; a bad or missing
# signature 401; a body that is not JSON, not UTF-8, too deep, or without
# its items array 400, with nothing of it taken; an event without text is
# skipped and counted; the same event twice is one mention; Standard
# Webhooks with its timestamp window and webhook-id replays.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

write_login_rules
printf 'shh-a-long-shared-secret\n' >"$TMPD/secret"
printf 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n' >"$TMPD/whsec"
chmod 600 "$TMPD/secret" "$TMPD/whsec"
: >"$TMPD/empty.ndjson"
write_conf "$TMPD/c.yaml" <<Y
sources:
  - name: shop
    type: webhook
    secret_file: $TMPD/secret
    signature_header: X-Shop-Signature
    signature_prefix: "sha256="
    items: /events
    fields: {id: /id, text: /message, author.handle: /user/name}
  - name: b64
    type: webhook
    secret_file: $TMPD/secret
    signature: hmac-sha1
    signature_encoding: base64
  - name: std
    type: webhook
    secret_file: $TMPD/whsec
    signature: standard-webhooks
    fields: {id: /data/id, text: /data/text}
  - {name: feed, type: file, path: $TMPD/empty.ndjson}
Y
sed -i 's/^http:$/http:\n  max_body: 64KiB/' "$TMPD/c.yaml"
start_keluhd "$TMPD/c.yaml"
is "keluhd starts with three webhook sources" "$?" 0

# hook NAME [SIGN] [curl args...]: POSTs $TMPD/body to /v1/hooks/NAME, signed
# as SIGN says (sha256 default, sha1b64, none, wrong); prints "STATUS BODY"
hook() {
	name=$1
	how=${2:-sha256}
	if [ $# -ge 2 ]; then shift 2; else shift 1; fi
	sig=$(python3 - "$TMPD/secret" "$TMPD/body" "$how" <<'PY'
import base64, hashlib, hmac, sys
key = open(sys.argv[1], "rb").read().rstrip()
body = open(sys.argv[2], "rb").read()
how = sys.argv[3]
if how == "sha1b64":
    print(base64.b64encode(hmac.new(key, body, hashlib.sha1).digest()).decode())
elif how == "wrong":
    print("sha256=" + hmac.new(b"another secret", body, hashlib.sha256).hexdigest())
else:
    print("sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest())
PY
)
	hdr=X-Shop-Signature
	[ "$how" = sha1b64 ] && hdr=X-Signature
	if [ "$how" = none ]; then set -- "$@"; else set -- -H "$hdr: $sig" "$@"; fi
	curl -s -o "$TMPD/hook.out" -w '%{http_code}' -H 'Content-Type: application/json' \
		"$@" --data-binary @"$TMPD/body" "$URL/v1/hooks/$name"
	printf ' '
	cat "$TMPD/hook.out"
}
body() { printf '%s' "$1" >"$TMPD/body"; }
rows() { sqlite3 "$TMPD/c.db" "SELECT count(*) FROM mentions WHERE mention_id = '$1'" 2>&1; }
allrows() { sqlite3 "$TMPD/c.db" "SELECT count(*) FROM mentions" 2>&1; }

# a signed POST: 200 once the mentions are committed (read right after the answer)
body '{"events":[{"id":"ev-1","message":"login gagal terus","user":{"name":"sari"}},{"id":"ev-2","message":"tidak bisa login","user":{"name":"budi"}}]}'
r=$(hook shop)
is "a signed POST is answered 200 with what was taken" "$r" '200 {"taken":2,"skipped":0}'
is "both mentions are in the spool when the answer comes" "$(rows ev-1) $(rows ev-2)" "1 1"
is "with the author from the field map" \
	"$(sqlite3 "$TMPD/c.db" "SELECT json_extract(json, '\$.entry.author.handle') FROM mentions WHERE mention_id = 'ev-1'")" sari

# the same event again (a platform's retry) is one mention
r=$(hook shop)
is "the same events again are answered 200" "${r%% *}" 200
is "and stay one mention each (the mention id is the event's id)" "$(rows ev-1) $(rows ev-2)" "1 1"

# 404: unknown name, a pulling source, a path with more after the name
body '{"events":[]}'
r=$(hook nosuch)
is "an unknown source name is 404" "${r%% *}" 404
case $r in *'"error":"nosuch: no source of that name'*) ok=0 ;; *) ok=1 ;; esac
is "with a JSON error that names it ($r)" "$ok" 0
r=$(hook feed)
is "a source that reads a file is 404" "${r%% *}" 404
case $r in *'takes no webhooks'*) ok=0 ;; *) ok=1 ;; esac
is "with a JSON error that says why ($r)" "$ok" 0
r=$(hook shop/x)
is "a path below a source's name is 404" "${r%% *}" 404
is "the unknown paths are counted" "$(metric_value keluh_hook_not_found_total)" 3

# 401: missing, wrong, or over an altered body; nothing taken
before=$(allrows)
body '{"events":[{"id":"ev-3","message":"login gagal"}]}'
r=$(hook shop none)
is "no signature: 401" "${r%% *}" 401
case $r in *'signature header is missing'*) ok=0 ;; *) ok=1 ;; esac
is "saying it is missing ($r)" "$ok" 0
r=$(hook shop wrong)
is "a signature with another secret: 401" "${r%% *}" 401
sig=$(python3 -c 'import hashlib,hmac,sys; print(hmac.new(open(sys.argv[1],"rb").read().rstrip(), open(sys.argv[2],"rb").read(), hashlib.sha256).hexdigest())' "$TMPD/secret" "$TMPD/body")
body '{"events":[{"id":"ev-3","message":"login gagal!"}]}'
r=$(hook shop none -H "X-Shop-Signature: sha256=$sig")
is "the signature of another body (altered): 401" "${r%% *}" 401
r=$(hook shop none -H "X-Shop-Signature: $sig")
is "a signature without its prefix: 401" "${r%% *}" 401
is "nothing of the refused requests was taken" "$(allrows)" "$before"
is "the refusals are counted by reason" \
	"$(metric_value 'keluh_hook_refused_total{source="shop",reason="signature"}')" 4

# 400: not JSON (line and column), not UTF-8, too deep, no items array; nothing half-taken
printf '{"events":[{"id":"ev-4","message":"login gagal"}],\n "x": tru}' >"$TMPD/body"
r=$(hook shop)
is "a body that is not JSON: 400" "${r%% *}" 400
case $r in *'line 2, column'*) ok=0 ;; *) ok=1 ;; esac
is "naming the line and column ($r)" "$ok" 0
printf '{"events":[{"id":"ev-4","message":"login \377 gagal"}]}' >"$TMPD/body"
r=$(hook shop)
is "a body that is not UTF-8: 400" "${r%% *}" 400
case $r in *'not valid UTF-8 (at byte 41)'*) ok=0 ;; *) ok=1 ;; esac
is "naming the byte ($r)" "$ok" 0
python3 -c 'import sys; sys.stdout.write("{\"events\":[{\"id\":\"ev-4\",\"message\":\"login gagal\"},{\"id\":\"ev-5\",\"message\":\"x\",\"deep\":" + "[" * 70 + "]" * 70 + "}]}")' >"$TMPD/body"
r=$(hook shop)
is "a body nested 70 deep: 400" "${r%% *}" 400
case $r in *'deeper than 64'*) ok=0 ;; *) ok=1 ;; esac
is "saying it is too deep ($r)" "$ok" 0
is "counted as too_deep" "$(metric_value 'keluh_hook_refused_total{source="shop",reason="too_deep"}')" 1
body '{"events":{"id":"ev-4","message":"login gagal"}}'
r=$(hook shop)
is "no array at items: 400" "${r%% *}" 400
is "nothing of the 400s was taken" "$(rows ev-4) $(allrows)" "0 $before"

# an event without text is skipped and counted; the others are taken
body '{"events":[{"id":"ev-6","message":"login gagal lagi"},{"id":"ev-7","note":"no text"}]}'
r=$(hook shop)
is "one event without text: the others are taken" "$r" '200 {"taken":1,"skipped":1}'
is "the good one is in the spool" "$(rows ev-6)" 1
is "the skipped one is counted" "$(metric_value 'keluh_source_skipped_total{source="shop",kind="no_text"}')" 1

# hmac-sha1, base64, no field map: the body is a mention object (or an array)
body '[{"id":"b-1","text":"login gagal sha1"},{"id":"b-2","text":"login susah"}]'
r=$(hook b64 sha1b64)
is "HMAC-SHA1 in base64 over an array of mention objects: 200" "$r" '200 {"taken":2,"skipped":0}'
is "both in the spool" "$(rows b-1) $(rows b-2)" "1 1"
r=$(hook b64 none -H "X-Signature: not base64!")
is "a signature that is not base64: 401" "${r%% *}" 401

# Standard Webhooks: signed, its timestamp in the window, its webhook-id once
std() {
	python3 - "$TMPD/whsec" "$TMPD/body" "$1" "$2" <<'PY'
import base64, hashlib, hmac, sys, time
key = base64.b64decode(open(sys.argv[1]).read().strip()[len("whsec_"):])
body = open(sys.argv[2], "rb").read()
ts = str(int(time.time()) + int(sys.argv[4]))
mac = base64.b64encode(hmac.new(key, b"%s.%s.%s" % (sys.argv[3].encode(), ts.encode(), body),
                                hashlib.sha256).digest()).decode()
print("-H webhook-id:%s -H webhook-timestamp:%s -H webhook-signature:v1,%s" % (sys.argv[3], ts, mac))
PY
}
body '{"type":"comment.created","data":{"id":"s-1","text":"login gagal std"}}'
# shellcheck disable=SC2046
r=$(hook std none $(std msg_1 0))
is "a Standard Webhooks message: 200" "$r" '200 {"taken":1,"skipped":0}'
is "in the spool" "$(rows s-1)" 1
# shellcheck disable=SC2046
r=$(hook std none $(std msg_1 0))
is "the same webhook-id again (a replay): 401" "${r%% *}" 401
case $r in *'already received'*) ok=0 ;; *) ok=1 ;; esac
is "saying it is a replay ($r)" "$ok" 0
# shellcheck disable=SC2046
r=$(hook std none $(std msg_2 -3600))
is "a timestamp an hour old: 401" "${r%% *}" 401

# 405 and 413
r=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/hooks/shop")
is "GET on a webhook that has no handshake: 405" "$r" 405
python3 -c 'import sys; sys.stdout.write("{\"events\":[{\"id\":\"big\",\"message\":\"" + "a" * 70000 + "\"}]}")' >"$TMPD/body"
r=$(hook shop)
is "a body over http.max_body: 413" "${r%% *}" 413
is "the answers are counted by source and status" \
	"$(metric_value 'keluh_hook_answers_total{source="shop",status="200"}')" 3

grep -q 'shh-a-long' "$klog"
is "the secret never appears in the log" "$?" 1


stop_keluhd

# health: a webhook source that hears nothing for alert_after raises one
# "silent" alert; a webhook it takes ends it with one "recovered" note
start_sink ops
write_conf "$TMPD/h.yaml" <<Y
sources:
  - name: quiet
    type: webhook
    secret_file: $TMPD/secret
    signature_header: X-Shop-Signature
    signature_prefix: "sha256="
    alert_after: 1s
receivers:
  - {name: ops, type: webhook, url: "http://127.0.0.1:$ops_port/o"}
health_receivers: [ops]
Y
start_keluhd "$TMPD/h.yaml" "$TMPD/k2.log"
health() {
	python3 - "$ops_log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(json.loads(line)["body"])["alert"]
    print(a["health"]["source"], a["health"]["state"], a["health"]["detail"])
PY
}
wait_until 20 'test "$(health | wc -l)" -ge 1'
is "a push source with no webhook for alert_after: one silent alert" "$(health | cut -d' ' -f1-2)" "quiet silent"
contains "saying no webhook came" "$TMPD/k2.log" "health: silent; raising an alert"
body '{"id":"q-1","text":"halo"}'
r=$(hook quiet)
is "then a webhook is taken" "${r%% *}" 200
wait_until 20 'test "$(health | wc -l)" -ge 2'
# (alert_after later, it goes silent again: only the first two count)
is "and one recovered note follows" "$(health | sed -n 1,2p | cut -d' ' -f1-2 | tr '\n' ' ')" \
	"quiet silent quiet recovered "
health | grep -q 'has received no webhook for'
is "the alert names what is missing" "$?" 0
stop_keluhd
done_testing
