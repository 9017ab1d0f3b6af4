#!/bin/sh
# POST /v1/mentions against the real keluhd: accepted batches answer 202
# with counts after the spool commit; every kind of bad input gets its own
# status and JSON error, and the daemon keeps serving.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

printf 'tok-one\n# a comment\ntok-two\n' >"$TMPD/tokens"
printf 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n' >"$TMPD/keys"
cat >"$TMPD/keluhd.yaml" <<Y
rules: $top_srcdir/packs/core
http:
  listen: 127.0.0.1:0
  tokens_file: $TMPD/tokens
  max_body: 64KiB
  max_headers: 8KiB
  timeout: 2s
spool:
  path: $TMPD/spool.db
grouping:
  first_alert_after: {critical: 0s, high: 10m, normal: 10m, low: 10m}
Y
start_keluhd "$TMPD/keluhd.yaml"
is "keluhd starts" "$?" 0
AUTH="Authorization: Bearer tok-two"

# spool_sql DB SQL: what sqlite3 prints; when sqlite3 fails (or is missing:
# tools/quick installs it) its error, so the check that uses it fails loudly
spool_sql() {
	sqlite3 "$1" "$2" 2>&1 || echo "sqlite3 failed (status $?)"
}

r=$(post '{"id":"a1","text":"gak bisa login dari pagi, parah"}
{"id":"a2","text":"terima kasih, mantap"}
{"id":"a1","text":"gak bisa login dari pagi, parah"}' application/x-ndjson -H "$AUTH")
is "ndjson batch: 202 with counts" "$r" '202 {"accepted":2,"complaints":1,"duplicates":1}'
r=$(post '[{"id":"b1","text":"saldo saya terpotong dua kali"},{"id":"b2","text":"halo"}]' application/json -H "$AUTH")
is "json array: 202" "$r" '202 {"accepted":2,"complaints":1,"duplicates":0}'
r=$(post '{"text":"my parcel never arrived, refund please"}' 'application/json; charset=utf-8' -H "$AUTH")
is "one json object, no id: 202" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'
# committed rows only: that they are on disk (synced) before the 202 is
# shown by the fault-injection tests in tests/daemon_storage.sh
is "every complaint is committed to the spool when 202 is answered" \
	"$(spool_sql "$TMPD/spool.db" 'select count(*) from mentions')" 3

r=$(post '{"id":"c1","text":"ok"}
{"id":"c2","text":"broken
{"id":"c3","text":"ok"}' application/x-ndjson -H "$AUTH")
case $r in "400 "*'"line":2'*) ok "malformed NDJSON: 400 with the line number" ;; *) not_ok "malformed NDJSON: 400 with the line number" "$r" ;; esac
r=$(post '{"id":"d1","text":' application/json -H "$AUTH")
case $r in "400 "*"malformed JSON at line 1"*) ok "malformed JSON: 400 with the position" ;; *) not_ok "malformed JSON: 400" "$r" ;; esac
# jansson alone takes a NUL byte after a literal; the NDJSON reader does not
printf '{"id":"n1","text":"x",\n"reply":true\000}' >"$TMPD/nul.json"
r=$(curl -s -o "$TMPD/nul.out" -w '%{http_code}' -H 'Content-Type: application/json' -H "$AUTH" \
	--data-binary @"$TMPD/nul.json" "$URL/v1/mentions"; printf ' '; cat "$TMPD/nul.out")
case $r in "400 "*"line 2, column 13: a NUL byte"*) ok "a NUL byte in JSON: 400 with the position" ;; *) not_ok "a NUL byte in JSON: 400" "$r" ;; esac
r=$(post "$(printf '{"id":"e1","text":"bad \377 byte"}')" application/json -H "$AUTH")
case $r in "400 "*"not valid UTF-8 (at byte 23)"*) ok "invalid UTF-8: 400 with the byte offset" ;; *) not_ok "invalid UTF-8: 400" "$r" ;; esac
r=$(post '{"id":"f1"}' application/json -H "$AUTH")
case $r in "400 "*"'text' is missing"*) ok "no text: 400" ;; *) not_ok "no text: 400" "$r" ;; esac
r=$(post '[{"text":"x"},{"text":5}]' application/json -H "$AUTH")
case $r in "400 "*'"item":1'*) ok "bad array item: 400 naming the item" ;; *) not_ok "bad array item" "$r" ;; esac
r=$(post '{"text":"x"}' text/plain -H "$AUTH")
case $r in "415 "*"application/x-ndjson"*) ok "wrong content type: 415" ;; *) not_ok "wrong content type: 415" "$r" ;; esac
r=$(post '{"text":"x"}' application/json)
case $r in "401 "*"bearer token"*) ok "no token: 401" ;; *) not_ok "no token: 401" "$r" ;; esac
r=$(post '{"text":"x"}' application/json -H "Authorization: Bearer tok-three")
case $r in "401 "*) ok "wrong token: 401" ;; *) not_ok "wrong token: 401" "$r" ;; esac
r=$(post '{"text":"x"}' application/json -H "Authorization: Bearer # a comment")
case $r in "401 "*) ok "a comment line is not a token" ;; *) not_ok "comment is not a token" "$r" ;; esac
python3 -c 'import sys; sys.stdout.write("{\"text\":\"" + "a"*70000 + "\"}")' >"$TMPD/big.json"
r=$(curl -s -o "$TMPD/big.out" -w '%{http_code}' -H "$AUTH" -H 'Content-Type: application/json' --data-binary @"$TMPD/big.json" "$URL/v1/mentions")
is "oversized body: 413" "$r" 413

# a numeric id is kept as its decimal text, and JSON and NDJSON bodies get
# the same answer on every boundary: the NDJSON pass sends the ids again,
# beside a fresh complaint, and each is a duplicate of its JSON twin
k=0
for id in 9223372036854775807 -9223372036854775808 -42; do
	k=$((k + 1))
	text=$(echo "paket belum sampai sudah seminggu|my order never arrived|akun saya diblokir tanpa alasan" | cut -d'|' -f$k)
	fresh=$(echo "refund belum masuk juga|double charge on my card|cannot log in to my account again" | cut -d'|' -f$k)
	r=$(post "{\"id\":$id,\"text\":\"$text\"}" application/json -H "$AUTH")
	is "application/json: numeric id $id: 202" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'
	r=$(post "{\"id\":$id,\"text\":\"$text\"}
{\"id\":\"fresh-$k\",\"text\":\"$fresh\"}" application/x-ndjson -H "$AUTH")
	is "application/x-ndjson: numeric id $id: 202, the same id" "$r" '202 {"accepted":1,"complaints":1,"duplicates":1}'
done
for ct in application/json application/x-ndjson; do
	for id in 9223372036854775808 -9223372036854775809 12345678901234567890 1e999; do
		r=$(post "{\"id\":$id,\"text\":\"halo\"}" $ct -H "$AUTH")
		case $r in "400 "*"too big"*|"400 "*"beyond 64 bits"*|"400 "*"overflow"*|"400 "*"too large"*)
			ok "$ct: numeric id $id: 400 saying it is too large" ;;
		*) not_ok "$ct: numeric id $id: 400 saying it is too large" "$r" ;; esac
	done
	for id in 1.5 0123; do
		r=$(post "{\"id\":$id,\"text\":\"halo\"}" $ct -H "$AUTH")
		is "$ct: id $id: 400" "${r%% *}" 400
	done
done
r=$(curl -s -o /dev/null -w '%{http_code}' -X GET "$URL/v1/mentions")
is "GET on the ingest endpoint: 405" "$r" 405
r=$(curl -s -o /dev/null -w '%{http_code}' "$URL/nope")
is "unknown path: 404" "$r" 404

# a slow client: the request head must arrive within the deadline
python3 - "$KPORT" >"$TMPD/slow.out" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(30)
start = time.time()
data = b""
try:
    for ch in b"POST /v1/mentions HTTP/1.1\r\nHost: x\r\n":
        s.send(bytes([ch]))
        time.sleep(0.3)
        if time.time() - start > 25:
            break
except OSError:
    pass
try:
    data = s.recv(4096)
except OSError:
    pass
print(data.split(b"\r\n")[0].decode() if data else "closed", round(time.time() - start))
PY
case $(cat "$TMPD/slow.out") in "HTTP/1.1 408"*) ok "slow client: 408 before the head is complete" ;; *) not_ok "slow client: 408" "$(cat "$TMPD/slow.out")" ;; esac

r=$(post '{"id":"g1","text":"still serving: cannot login"}' application/json -H "$AUTH")
is "the daemon keeps serving after bad input" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'
curl -s "$URL/metrics" >"$TMPD/metrics"
contains "metrics: rejected input is counted" "$TMPD/metrics" 'keluh_mentions_rejected_total{reason="unauthorized"}'
# (one a1 copy, and the three numeric ids sent again as NDJSON)
contains "metrics: duplicates are counted" "$TMPD/metrics" 'keluh_mentions_duplicate_total{source="http"} 4'

# a mention's source is outside input: escaped in the label, /metrics stays well-formed
r=$(post '{"id":"q1","source":"a\"b\\c\nd","text":"cannot login since monday"}' application/json -H "$AUTH")
is "a source with quotes and a newline: 202" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'
curl -s "$URL/metrics" >"$TMPD/metrics"
contains "its label is escaped" "$TMPD/metrics" 'keluh_mentions_total{source="a\"b\\c\nd"} 1'
is "no line of /metrics starts with the part after the newline" "$(grep -c '^d' "$TMPD/metrics")" 0

# The same complaint text under other ids (a copy-paste storm, or one post
# through two sources) counts once per window; short texts that people
# write alike on their own do not.
COPY='@acme my card was charged twice for one order and nobody answers'
r=$(post "{\"id\":\"h1\",\"text\":\"$COPY https://t.co/aaa\"}
{\"id\":\"h2\",\"source\":\"x\",\"text\":\"$COPY https://t.co/bbb\"}
{\"id\":\"h3\",\"source\":\"mastodon\",\"text\":\"  @ACME my card was charged twice  for one order and nobody answers\"}
{\"id\":\"h4\",\"text\":\"@acme my card was charged twice for two orders and nobody answers\"}
{\"id\":\"h5\",\"text\":\"refund please, charged twice\"}
{\"id\":\"h6\",\"text\":\"refund please, charged twice\"}" application/x-ndjson -H "$AUTH")
is "copies of one complaint: counted once" "$r" '202 {"accepted":4,"complaints":4,"duplicates":2}'
is "only the first copy is in the spool" \
	"$(spool_sql "$TMPD/spool.db" "select count(*) from mentions where mention_id in ('h1','h2','h3','h4','h5','h6')")" 4
curl -s "$URL/metrics" >"$TMPD/metrics"
contains "metrics: copies are counted per source" "$TMPD/metrics" 'keluh_mentions_copies_total{source="x"} 1'
contains "metrics: copies are counted per source (2)" "$TMPD/metrics" 'keluh_mentions_copies_total{source="mastodon"} 1'
stop_keluhd

# duplicates.same_text: 0 turns the copy check off
write_conf "$TMPD/nocopy.yaml" "$top_srcdir/packs/core" "$TMPD/spool-nocopy.db" <<Y
duplicates:
  same_text: 0
Y
start_keluhd "$TMPD/nocopy.yaml" "$TMPD/keluhd-nocopy.log"
r=$(post "{\"id\":\"i1\",\"text\":\"$COPY\"}
{\"id\":\"i2\",\"text\":\"$COPY\"}" application/x-ndjson)
is "same_text: 0 takes every copy" "$r" '202 {"accepted":2,"complaints":2,"duplicates":0}'
stop_keluhd

# same_text: N: a text of exactly N characters is long enough to be a copy
SHORT='refund please, charged twice'
sed 's/same_text: 0/same_text: 28/; s/spool-nocopy.db/spool-edge.db/' "$TMPD/nocopy.yaml" >"$TMPD/edge.yaml"
start_keluhd "$TMPD/edge.yaml" "$TMPD/keluhd-edge.log"
r=$(post "{\"id\":\"j1\",\"text\":\"$SHORT\"}
{\"id\":\"j2\",\"text\":\"$SHORT\"}" application/x-ndjson)
is "same_text: ${#SHORT} counts a copy of ${#SHORT} characters once" "$r" '202 {"accepted":1,"complaints":1,"duplicates":1}'
stop_keluhd

# Standard Webhooks signatures, when signing keys are configured
cat >"$TMPD/signed.yaml" <<Y
rules: $top_srcdir/packs/core
http:
  listen: 127.0.0.1:0
  signing_keys_file: $TMPD/keys
spool:
  path: $TMPD/spool2.db
Y
start_keluhd "$TMPD/signed.yaml" "$TMPD/keluhd2.log"
sig() {
	python3 - "$1" "$2" "$3" <<'PY'
import base64, hashlib, hmac, sys
key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
msg = ("%s.%s.%s" % (sys.argv[1], sys.argv[2], sys.argv[3])).encode()
print("v1," + base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode())
PY
}
body='{"id":"s1","text":"cannot login since monday"}'
now=$(date +%s)
r=$(post "$body" application/json -H "webhook-id: msg_1" -H "webhook-timestamp: $now" -H "webhook-signature: $(sig msg_1 "$now" "$body")")
is "signed request: 202" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'
r=$(post "$body" application/json -H "webhook-id: msg_2" -H "webhook-timestamp: $now" -H "webhook-signature: $(sig msg_2 "$now" "$body x")")
case $r in "401 "*"bad signature"*) ok "bad signature: 401" ;; *) not_ok "bad signature: 401" "$r" ;; esac
# a replay of the accepted message, inside the tolerance: refused
r=$(post "$body" application/json -H "webhook-id: msg_1" -H "webhook-timestamp: $now" -H "webhook-signature: $(sig msg_1 "$now" "$body")")
case $r in "401 "*"webhook-id msg_1 was already received (a replay)"*) ok "a replayed webhook-id: 401" ;; *) not_ok "a replayed webhook-id: 401" "$r" ;; esac
# a message refused before (msg_2) may come again, correctly signed
body2='{"id":"s2","text":"saldo terpotong tapi transaksi gagal"}'
r=$(post "$body2" application/json -H "webhook-id: msg_2" -H "webhook-timestamp: $now" -H "webhook-signature: $(sig msg_2 "$now" "$body2")")
is "a refused webhook-id may be sent again: 202" "${r%% *}" 202
# a timestamp with a leading zero, signed as written, is not canonical
r=$(post "$body" application/json -H "webhook-id: msg_4" -H "webhook-timestamp: 0$now" -H "webhook-signature: $(sig msg_4 "0$now" "$body")")
case $r in "401 "*"not Unix seconds"*) ok "a timestamp with a leading zero: 401" ;; *) not_ok "a timestamp with a leading zero: 401" "$r" ;; esac
old=$((now - 3600))
r=$(post "$body" application/json -H "webhook-id: msg_3" -H "webhook-timestamp: $old" -H "webhook-signature: $(sig msg_3 "$old" "$body")")
case $r in "401 "*) ok "stale timestamp: 401" ;; *) not_ok "stale timestamp: 401" "$r" ;; esac
r=$(post "$body" application/json)
case $r in "401 "*"signature required"*) ok "no signature: 401" ;; *) not_ok "no signature: 401" "$r" ;; esac
stop_keluhd

# A long mention whose end-anchored regex sees only the tail: counted as a
# bound hit, logged once, and the request is still answered.
start_keluhd "$TMPD/keluhd.yaml" "$TMPD/keluhd3.log"
awk 'BEGIN {
	printf "{\"id\":\"long1\",\"text\":\""
	for (i = 0; i < 3000; i++) printf "\342\200\246https://a"
	printf " x\"}\n{\"id\":\"long2\",\"text\":\"gak bisa login dari pagi, parah\"}\n"
}' >"$TMPD/long.ndjson"
r=$(post "$(cat "$TMPD/long.ndjson")" application/x-ndjson -H "$AUTH")
is "long mention: 202" "$r" '202 {"accepted":2,"complaints":1,"duplicates":0}'
curl -s "$URL/metrics" >"$TMPD/metrics3"
contains "long mention: keluh_bound_hits_total counts the tail window" "$TMPD/metrics3" \
	'keluh_bound_hits_total{bound="regex_tail_window"} 1'
contains "long mention: the log names the rule" "$TMPD/keluhd3.log" \
	"bound hit: rule noise.truncated_share: a regex saw only 1024 bytes of a long mention (limits: regex_tail_window in the rule files)"
stop_keluhd

# Mentions a source hands over in one loop pass share one regex budget,
# as the mentions of one POST do: a file source's lines of about 1 KB,
# several to a read.
write_rules "$TMPD/budget.d/10.yaml" <<'Y'
limits: {regex_batch_work: 2000}
rules:
  - id: t.login
    description: Cannot log in
    team: tech
    score: 30
    when: {regex: 'login\s+gagal'}
Y
awk 'BEGIN {
	for (m = 1; m <= 10; m++) {
		printf "{\"id\":\"b%d\",\"text\":\"login", m
		for (i = 0; i < 180; i++) printf " lagi"
		printf " gagal\"}\n"
	}
}' >"$TMPD/budget.ndjson"
write_conf "$TMPD/budget.yaml" "$TMPD/budget.d" <<Y
sources:
  - {name: feed, type: file, path: $TMPD/budget.ndjson}
Y
start_keluhd "$TMPD/budget.yaml" "$TMPD/keluhd-budget.log"
wait_until 20 '[ "$(metric_sum keluh_mentions_total)" = 10 ]'
n=$(metric_value 'keluh_bound_hits_total{bound="regex_batch_work"}')
check "a source's mentions of one pass share the regex budget ($n hits)" test "${n:-0}" -ge 1
stop_keluhd

done_testing
