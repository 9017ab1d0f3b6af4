#!/bin/sh
# keluhd stops while a delivery is still in flight: a webhook whose request
# is already on an open connection is answered 503 with Retry-After (not
# 404: the sources are gone, and the platform must retry, not give up),
# and the daemon still exits cleanly.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

write_login_rules
printf 'shh-a-long-shared-secret\n' >"$TMPD/secret"
chmod 600 "$TMPD/secret"
# long enough for a slow machine; keluhd gives up waiting on it after 10 s
start_sink slow --plan hang --hang-seconds 30
write_conf "$TMPD/c.yaml" <<Y
sources:
  - {name: shop, type: webhook, secret_file: $TMPD/secret}
$(conf_alert_each slow /s)
Y
start_keluhd "$TMPD/c.yaml"
is "keluhd starts" "$?" 0

# signed SECRET BODY: the X-Signature of BODY
signed() {
	python3 -c 'import hashlib,hmac,sys; print(hmac.new(open(sys.argv[1],"rb").read().rstrip(), sys.argv[2].encode(), hashlib.sha256).hexdigest())' "$1" "$2"
}
b='{"id":"w-1","text":"login gagal"}'
b2='{"id":"w-2","text":"login gagal lagi"}'
s2=$(signed "$TMPD/secret" "$b2")
r=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Signature: $(signed "$TMPD/secret" "$b")" \
	--data-binary "$b" "$URL/v1/hooks/shop")
is "a complaint by webhook: 200" "$r" 200
wait_until 10 'test "$(count_lines "$slow_log")" -ge 1'
is "its alert's delivery hangs at the receiver" "$?" 0

# a request half sent, SIGTERM, then the rest of it: keluhd is stopping by then
python3 - "$KPID" "$KPORT" "$klog" "$b2" "$s2" >"$TMPD/late.out" <<'PY'
import os, signal, socket, sys, time
pid, port, klog, body, sig = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
s = socket.create_connection(("127.0.0.1", port))
head = ("POST /v1/hooks/shop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "X-Signature: %s\r\nContent-Length: %d\r\n\r\n" % (sig, len(body)))
s.sendall(head.encode() + body[:5].encode())
time.sleep(0.2)
os.kill(pid, signal.SIGTERM)
deadline = time.time() + 10
while time.time() < deadline and "stopping: finishing" not in open(klog).read():
    time.sleep(0.05)
s.sendall(body[5:].encode())
s.settimeout(10)
out = b""
while b"\r\n\r\n" not in out or not out.rstrip().endswith(b"}"):
    chunk = s.recv(4096)
    if not chunk:
        break
    out += chunk
print(out.decode("utf-8", "replace"))
PY
contains "a webhook while keluhd stops: 503" "$TMPD/late.out" "HTTP/1.1 503"
contains "with Retry-After" "$TMPD/late.out" "Retry-After: 5"
contains "saying it shuts down" "$TMPD/late.out" "keluhd is shutting down; retry later"
wait "$KPID"
is "keluhd then exits cleanly" "$?" 0
n=$(sqlite3 "$TMPD/c.db" "SELECT count(*) FROM mentions WHERE mention_id = 'w-2'" 2>&1)
is "nothing of the refused webhook was taken" "$n" 0
done_testing
