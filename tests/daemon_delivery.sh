#!/bin/sh
# Delivery against real webhook sinks on 127.0.0.1: a sink that fails,
# throttles or hangs still gets every alert once it recovers (never sooner
# than its Retry-After allows); a 400 lands in the dead letters with the
# reason, and keluhctl retry sends it again; a delivery that cannot make it
# within max_age is dead-lettered; ingest answers 503 at max_pending.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

# conf NAME RECEIVER-YAML: one alert per mention, sent at once
conf() {
	write_conf "$TMPD/$1.yaml" "$top_srcdir/packs/core" <<Y
receivers:
$2
routes:
  - {receivers: [hook]}
$(conf_at_once)
Y
}

three='{"id":"m1","text":"gak bisa login dari pagi"}
{"id":"m2","text":"saldo saya terpotong dua kali"}
{"id":"m3","text":"paket belum sampai seminggu, kecewa"}'

# unique idempotency keys the sink answered 2xx to
delivered_keys() {
	python3 - "$1" <<'PY'
import json, sys
keys = set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["answer"] in ("200", "204", "hang"):
        keys.add(r["headers"].get("webhook-id"))
print(len(keys))
PY
}

# 1. 500, 500, then 200: everything arrives, signed and with an idempotency key
start_sink s1 --plan 500,500,500
conf c1 "  - {name: hook, type: webhook, url: \"http://127.0.0.1:$s1_port/hook\", secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, timeout: 2s}"
start_keluhd "$TMPD/c1.yaml" "$TMPD/k1.log"
r=$(post "$three")
is "three complaints accepted" "$r" '202 {"accepted":3,"complaints":3,"duplicates":0}'
wait_for 30 sh -c "[ \$(python3 -c 'import json,sys
print(len({json.loads(l)[\"headers\"][\"webhook-id\"] for l in open(sys.argv[1]) if json.loads(l)[\"answer\"]==\"200\"}))' $s1_log) -ge 3 ]"
is "after three 500s every alert arrives" "$(delivered_keys "$s1_log")" 3
python3 - "$s1_log" >"$TMPD/s1.check" <<'PY'
import base64, hashlib, hmac, json, sys
key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
bad = 0
for line in open(sys.argv[1]):
    r = json.loads(line); h = r["headers"]
    msg = ("%s.%s.%s" % (h["webhook-id"], h["webhook-timestamp"], r["body"])).encode()
    want = "v1," + base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()
    if want not in h.get("webhook-signature", "").split(" "):
        bad += 1
    body = json.loads(r["body"])
    if body.get("type") != "keluh.alert" or not body["alert"]["mentions"]:
        bad += 1
print(bad)
PY
is "every request is a signed keluh.alert body" "$(cat "$TMPD/s1.check")" 0
check "the failures are logged with the retry delay" \
	grep -Eq 'delivery [0-9]+ to hook: .*; retry in [0-9]+\.[0-9] s$' "$TMPD/k1.log"
stop_keluhd

# 2. 429 with Retry-After: 3 -> nothing arrives before 3 s have passed
start_sink s2 --plan 429 --retry-after 3
conf c2 "  - {name: hook, type: webhook, url: \"http://127.0.0.1:$s2_port/hook\", max_concurrency: 1}"
start_keluhd "$TMPD/c2.yaml" "$TMPD/k2.log"
post '{"id":"r1","text":"gak bisa login dari pagi"}' >/dev/null
wait_for 30 sh -c "grep -q '\"answer\": \"200\"' $s2_log"
python3 - "$s2_log" >"$TMPD/s2.gap" <<'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
t429 = [r["t"] for r in rs if r["answer"] == "429"][0]
t200 = [r["t"] for r in rs if r["answer"] == "200"][0]
print("ok" if t200 - t429 >= 2.95 else "early by %.2f s" % (3 - (t200 - t429)))
PY
is "429: the retry waits for Retry-After" "$(cat "$TMPD/s2.gap")" ok
stop_keluhd

# 2b. Retry-After as an HTTP-date and with a trailing space are waited
# for too; a negative or unreadable one falls back to the backoff; a huge
# one is capped at a day
# gaps LOG: seconds between the sink's requests, one decimal each
gaps() {
	python3 -c 'import json, sys
t = [json.loads(l)["t"] for l in open(sys.argv[1])]
print(" ".join("%.1f" % (b - a) for a, b in zip(t, t[1:])))' "$1"
}
start_sink s2b --plan "429:date+3,429:3 "
conf c2b "  - {name: hook, type: webhook, url: \"http://127.0.0.1:$s2b_port/hook\", max_concurrency: 1}"
start_keluhd "$TMPD/c2b.yaml" "$TMPD/k2b.log"
post '{"id":"r2","text":"gak bisa login dari pagi"}' >/dev/null
wait_for 30 sh -c "grep -q '\"answer\": \"200\"' $s2b_log"
set -- $(gaps "$s2b_log")
python3 -c 'import sys; sys.exit(not (float(sys.argv[1]) >= 1.9))' "${1:-0}"
is "Retry-After as an HTTP-date 3 s ahead is waited for ($1 s)" "$?" 0
python3 -c 'import sys; sys.exit(not (float(sys.argv[1]) >= 2.9))' "${2:-0}"
is "Retry-After \"3 \" (trailing space) is 3 s ($2 s)" "$?" 0
stop_keluhd

start_sink s2c --plan "429:-5,429:soon"
conf c2c "  - {name: hook, type: webhook, url: \"http://127.0.0.1:$s2c_port/hook\", max_concurrency: 1}"
start_keluhd "$TMPD/c2c.yaml" "$TMPD/k2c.log"
post '{"id":"r3","text":"gak bisa login dari pagi"}' >/dev/null
wait_for 30 sh -c "grep -q '\"answer\": \"200\"' $s2c_log"
is "a negative or unreadable Retry-After: the alert arrives on the next try" \
    "$(grep -c '"answer": "200"' "$s2c_log")" 1
n=$(grep -c 'HTTP 429.*retry in [0-2]\.[0-9] s' "$TMPD/k2c.log")
is "and each waited the backoff (at most 2 s) instead" "$n" 2
stop_keluhd

start_sink s2d --plan "429:99999999999"
conf c2d "  - {name: hook, type: webhook, url: \"http://127.0.0.1:$s2d_port/hook\", max_age: 48h}"
start_keluhd "$TMPD/c2d.yaml" "$TMPD/k2d.log"
post '{"id":"r4","text":"gak bisa login dari pagi"}' >/dev/null
wait_for 20 grep -q 'retry in' "$TMPD/k2d.log"
grep -q 'HTTP 429.*retry in 86400\.[0-9] s' "$TMPD/k2d.log"
is "a huge Retry-After is capped at a day" "$?" 0
stop_keluhd

# 3. a sink that hangs: the request times out, the alert arrives on a later try
start_sink s3 --plan hang --hang-seconds 4
conf c3 "  - {name: hook, type: webhook, url: \"http://127.0.0.1:$s3_port/hook\", timeout: 1s}"
start_keluhd "$TMPD/c3.yaml" "$TMPD/k3.log"
post '{"id":"h1","text":"gak bisa login dari pagi"}' >/dev/null
wait_for 30 sh -c "[ \$(grep -c '\"answer\": \"200\"' $s3_log) -ge 1 ]"
is "a hanging sink: the alert arrives after the timeout" "$(grep -c '"answer": "200"' "$s3_log")" 1
grep -q 'Timeout was reached\|timed out' "$TMPD/k3.log"
is "the timeout is logged" "$?" 0
stop_keluhd

# 4. 400: a dead letter with the reason; keluhctl shows it and retry sends it again
start_sink s4 --plan 400 --body '{"error":"invalid_payload"}'
conf c4 "  - {name: hook, type: webhook, url: \"http://127.0.0.1:$s4_port/hook\"}"
start_keluhd "$TMPD/c4.yaml" "$TMPD/k4.log"
post '{"id":"d1","text":"gak bisa login dari pagi"}' >/dev/null
wait_for 20 sh -c "'$KELUHCTL' queue --dead --spool '$TMPD/c4.db' | grep -q 'HTTP 400'"
"$KELUHCTL" queue --dead --spool "$TMPD/c4.db" >"$TMPD/dead.out" 2>&1
contains "keluhctl queue --dead shows the reason" "$TMPD/dead.out" "HTTP 400"
grep -q 'dead letter' "$TMPD/k4.log"
is "the dead letter is logged" "$?" 0
# the try that made the dead letter counts, in keluhctl as in the log (keluhd(8))
contains "the log counts that one try" "$TMPD/k4.log" "dead letter after 1 attempt(s)"
att=$("$KELUHCTL" queue --dead --json --spool "$TMPD/c4.db" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["attempts"])')
is "keluhctl queue counts it too: attempts 1" "$att" 1
id=$("$KELUHCTL" queue --dead --json --spool "$TMPD/c4.db" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')
"$KELUHCTL" retry --spool "$TMPD/c4.db" "$id" >"$TMPD/retry.out" 2>&1
is "keluhctl retry: exit 0" "$?" 0
wait_for 20 sh -c "grep -q '\"answer\": \"200\"' $s4_log"
is "after retry the alert is delivered" "$(grep -c '"answer": "200"' "$s4_log")" 1
n=$("$KELUHCTL" queue --dead --json --spool "$TMPD/c4.db" | wc -l)
is "and the dead letters are empty" "$n" 0
stop_keluhd

# 5. SIGTERM with a delivery in flight: keluhd waits for it, then exits
start_sink s5 --plan hang --hang-seconds 2
conf c5 "  - {name: hook, type: webhook, url: \"http://127.0.0.1:$s5_port/hook\", timeout: 10s}"
start_keluhd "$TMPD/c5.yaml" "$TMPD/k5.log"
post '{"id":"t1","text":"gak bisa login dari pagi"}' >/dev/null
wait_for 20 test -s "$s5_log"
stop_keluhd
contains "the drain is logged" "$TMPD/k5.log" "stopping: finishing 1 delivery(ies) in flight"
"$KELUHCTL" queue --json --spool "$TMPD/c5.db" >"$TMPD/q5"
is "the delivery in flight finished before the exit" "$(count_lines "$TMPD/q5")" 0

# 6. a sink that always fails: once the next try would come after max_age,
# the delivery goes to the dead letters instead of being retried for ever
start_sink s6 --default 500
conf c6 "  - {name: hook, type: webhook, url: \"http://127.0.0.1:$s6_port/hook\", max_age: 2s}"
start_keluhd "$TMPD/c6.yaml" "$TMPD/k6.log"
post '{"id":"x1","text":"gak bisa login dari pagi"}' >/dev/null
wait_for 20 sh -c "'$KELUHCTL' queue --dead --spool '$TMPD/c6.db' | grep -q 'expired after'"
"$KELUHCTL" queue --dead --spool "$TMPD/c6.db" >"$TMPD/dead6.out" 2>&1
contains "max_age: the failing delivery expires into the dead letters" "$TMPD/dead6.out" \
	"expired after"
contains "max_age: with the last error" "$TMPD/dead6.out" "HTTP 500"
stop_keluhd

# 7. spool.max_pending: with that many deliveries waiting, ingest answers 503
start_sink s7 --default 500
conf c7 "  - {name: hook, type: webhook, url: \"http://127.0.0.1:$s7_port/hook\"}"
sed -i 's/^spool:$/spool:\n  max_pending: 1/' "$TMPD/c7.yaml"
start_keluhd "$TMPD/c7.yaml" "$TMPD/k7.log"
post '{"id":"p1","text":"gak bisa login dari pagi"}' >/dev/null
wait_until 20 '[ "$(curl -s "$URL/metrics" | grep "^keluh_queue_depth{receiver=\"hook\"}")" = "keluh_queue_depth{receiver=\"hook\"} 1" ]'
r=$(post '{"id":"p2","text":"saldo saya terpotong dua kali"}')
is "max_pending: 1 waiting delivery: ingest answers 503" "${r%% *}" 503
stop_keluhd

# 8. an outage: while the sink answers 500, one probe at a time goes out,
# not every pending alert; once it answers, the backlog goes out at once
# at the receiver's rate instead of each alert waiting out its backoff
# ok_keys LOG: unique idempotency keys answered 200
ok_keys() {
	python3 -c 'import json, sys
print(len({json.loads(l)["headers"]["webhook-id"] for l in open(sys.argv[1]) if json.loads(l)["answer"] == "200"}))' "$1"
}
up_gauge() {
	curl -s "$URL/metrics" | sed -n 's/^keluh_receiver_up{receiver="hook"} //p'
}
touch "$TMPD/s8.down"
start_sink s8 --fail-while "$TMPD/s8.down"
conf c8 "  - {name: hook, type: webhook, url: \"http://127.0.0.1:$s8_port/hook\", rate: 20/s}"
start_keluhd "$TMPD/c8.yaml" "$TMPD/k8.log"
is "the receiver starts up" "$(up_gauge)" 1
body=
for i in $(seq 1 20); do
	body="$body{\"id\":\"o$i\",\"text\":\"gak bisa login dari pagi, sudah $i kali coba\"}
"
done
r=$(post "$body")
is "twenty complaints accepted" "$r" '202 {"accepted":20,"complaints":20,"duplicates":0}'
wait_until 30 '[ "$(up_gauge)" = 0 ]'
is "keluh_receiver_up is 0 while the sink fails" "$(up_gauge)" 0
contains "the failure is logged once" "$TMPD/k8.log" "receiver hook is failing"
wait_until 30 '[ "$(count_lines "$s8_log")" -ge 7 ]'
# three failures in a row open the circuit; then probes come at least
# 0.5, 1 and 2 s apart (every pending alert at 20/s would take 0.35 s)
span=$(python3 -c 'import json, sys
t = [json.loads(l)["t"] for l in open(sys.argv[1])][:7]
print("ok" if t[6] - t[0] >= 2.5 else "7 requests in %.2f s" % (t[6] - t[0]))' "$s8_log")
is "while it fails, one probe at a time at its backoff" "$span" ok
rm -f "$TMPD/s8.down"
wait_until 15 '[ "$(ok_keys "$s8_log")" -ge 20 ]'
is "after recovery all 20 arrive without waiting out their backoff" "$(ok_keys "$s8_log")" 20
grep -Eq 'receiver hook recovered after [0-9]+ failure\(s\) in [0-9]+s; draining [0-9]+ pending' "$TMPD/k8.log"
is "the recovery is logged with the backlog it drains" "$?" 0
is "keluh_receiver_up is 1 again" "$(up_gauge)" 1
is "a failing receiver logs its state once" "$(grep -c 'receiver hook is failing' "$TMPD/k8.log")" 1
stop_keluhd

# 9. a backlog backed off far into the future (as a long outage leaves
# it) is sent as soon as the receiver answers, not minutes later: the
# probes keep going whatever the backlog's own retry times say
touch "$TMPD/s9.down"
start_sink s9 --fail-while "$TMPD/s9.down"
conf c9 "  - {name: hook, type: webhook, url: \"http://127.0.0.1:$s9_port/hook\", rate: 20/s}"
start_keluhd "$TMPD/c9.yaml" "$TMPD/k9.log"
body=
for i in $(seq 1 10); do
	body="$body{\"id\":\"b$i\",\"text\":\"saldo saya terpotong dua kali, sudah $i hari\"}
"
done
r=$(post "$body")
is "ten complaints accepted" "${r%% *}" 202
wait_until 30 '[ "$(count_lines "$s9_log")" -ge 3 ]'
python3 - "$TMPD/c9.db" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=10)
now = int(time.time() * 1000)
db.execute("UPDATE deliveries SET due_ms = ?, attempts = 9, last_error = 'HTTP 500' "
           "WHERE state = 0", (now + 600000,))
db.commit()
PY
before=$(count_lines "$s9_log")
wait_until 15 '[ "$(count_lines "$s9_log")" -gt "$before" ]'
is "with every retry 10 minutes away, a probe still goes out" \
    "$([ "$(count_lines "$s9_log")" -gt "$before" ] && echo yes)" yes
rm -f "$TMPD/s9.down"
wait_until 20 '[ "$(ok_keys "$s9_log")" -ge 10 ]'
is "all 10 arrive once the sink answers" "$(ok_keys "$s9_log")" 10
"$KELUHCTL" queue --json --spool "$TMPD/c9.db" >"$TMPD/q7"
is "nothing is left in the queue" "$(count_lines "$TMPD/q7")" 0
stop_keluhd

# 10. while only probes go out, the deliveries that wait still go to the
# dead letters once past their max age
start_sink s10 --default 500
conf c10 "  - {name: hook, type: webhook, url: \"http://127.0.0.1:$s10_port/hook\", rate: 20/s, max_age: 4s}"
start_keluhd "$TMPD/c10.yaml" "$TMPD/k10.log"
body=
for i in $(seq 1 20); do
	body="$body{\"id\":\"x$i\",\"text\":\"paket belum sampai seminggu, kecewa, sudah $i hari\"}
"
done
r=$(post "$body")
is "twenty complaints accepted" "${r%% *}" 202
wait_until 20 '[ "$("$KELUHCTL" queue --dead --json --spool "$TMPD/c10.db" | wc -l)" -ge 20 ]'
"$KELUHCTL" queue --dead --json --spool "$TMPD/c10.db" >"$TMPD/dead8"
is "all 20 are dead letters after their max age" "$(count_lines "$TMPD/dead8")" 20
grep -q 'while the receiver was failing; last error: HTTP 500' "$TMPD/dead8"
is "those never tried say so, with the last error" "$?" 0
contains "and it is logged" "$TMPD/k10.log" "expired while it was failing: dead letters"
stop_keluhd

done_testing
