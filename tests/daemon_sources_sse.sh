#!/bin/sh
# sse and ndjson-stream sources against a scripted local server: events cut
# at awkward byte boundaries, keep-alives, bad events, a disconnect, a
# stall, a 429 and a 401. Every complaint in the feed must become exactly
# one alert; reconnects send Last-Event-ID and wait the server's retry;
# a restart resumes from the stored event ID.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hook
write_login_rules

# The script: /sse answers in turn; /nd is an NDJSON stream; /auth says 401.
python3 - "$TMPD/script.json" <<'PY'
import base64, json, sys

def ev(i, text, eid=None, etype=None):
    d = json.dumps({"id": "s%d" % i, "content": text, "account": {"acct": "u%d" % i,
                    "followers_count": i * 10}, "created_at": "2026-11-22T10:00:0%dZ" % i},
                   ensure_ascii=False)
    out = ""
    if etype:
        out += "event: %s\r\n" % etype
    if eid:
        out += "id: %s\r\n" % eid
    return out + "data: " + d + "\r\n\r\n"

b64 = lambda b: base64.b64encode(b).decode()
c1 = ("\ufeff: welcome\r\nretry: 300\r\n\r\n" + ev(1, "gak bisa login dari pagi, parah", "1", "update")
      + ": keep-alive\r\n" + ev(2, "login gagal terus, café tutup", "2", "update")
      + "event: delete\r\ndata: 12345\r\n\r\n"
      + "event: update\r\ndata: {not json\r\n\r\n"
      + ev(3, "masih gak bisa login", "3", "update")).encode()
c1 += b"event: update\r\ndata: {\"id\":\"bad\",\"content\":\"login \xff\xfe\"}\r\n\r\n"
c1 += ("event: update\r\ndata: " + "x" * 5000 + "\r\n\r\n").encode()
# cuts: inside the CRLF after "retry: 300", inside "data:", inside the UTF-8 of é
cuts = [c1.index(b"retry: 300\r") + 11, c1.index(b"data: {\"id\": \"s1\"") + 3,
        c1.index("é".encode()) + 1, c1.index(b"\r\n\r\n") + 1, c1.index(b"\r\n\r\n") + 3]
cuts += list(range(1, 700, 37))
c2 = ev(4, "login error lagi", "4", "update").encode()
c4 = ev(5, "akun terkunci, gak bisa login", "5", "update").encode()
sse = "text/event-stream; charset=utf-8"
nd = (json.dumps({"id": "n1", "content": "ndjson: login gagal"}) + "\r\n\r\n{broken\n"
      + json.dumps({"id": "n2", "content": "ndjson: login lagi \u00e9"}) + "\n").encode()
script = {
    "/sse": [
        {"headers": {"Content-Type": sse}, "body_b64": b64(c1), "cuts": sorted(cuts), "gap": 0.01},
        {"headers": {"Content-Type": sse}, "body_b64": b64(c2), "after": "stall"},
        {"status": 429, "headers": {"Retry-After": "2"}, "body": "slow down"},
        {"headers": {"Content-Type": sse}, "body_b64": b64(c4)},
        {"headers": {"Content-Type": sse}, "body": ": hello\n\n", "after": "hold"},
    ],
    "/nd": [
        {"headers": {"Content-Type": "application/x-ndjson"}, "body_b64": b64(nd),
         "cuts": list(range(1, len(nd), 3)), "after": "hold"},
    ],
    "/auth": [{"status": 401, "body": "{\"error\":\"The access token is invalid\"}"}],
}
json.dump(script, open(sys.argv[1], "w"))
PY
start_stream_server srv "$TMPD/script.json"
SP=$srv_port
printf 'sekret-token-123\n' >"$TMPD/feed.token"

write_conf "$TMPD/c.yaml" <<Y
sources:
  - name: feed
    type: sse
    url: http://127.0.0.1:$SP/sse
    token_file: feed.token
    headers: {X-Test: yes}
    events: [update]
    fields: {id: /id, text: /content, author.handle: /account/acct,
             author.followers: /account/followers_count, created_at: /created_at}
    stall: 2s
    reconnect: 5s
    max_event: 4KiB
  - name: nd
    type: ndjson-stream
    url: http://127.0.0.1:$SP/nd
    fields: {id: /id, text: /content}
  - name: locked
    type: sse
    url: http://127.0.0.1:$SP/auth
    token_file: feed.token
$(conf_alert_each hook /h)
Y
"$KELUHD" --check -c "$TMPD/c.yaml" >"$TMPD/check.out" 2>&1
is "--check accepts sse and ndjson-stream sources" "$?" 0
start_keluhd "$TMPD/c.yaml"
is "keluhd starts" "$?" 0

reqs() { grep -c "\"path\": \"$1\"" "$TMPD/srv.log" 2>/dev/null || echo 0; }
has_all() { [ "$(alert_ids | sort | tr '\n' ' ')" = "n1 n2 s1 s2 s3 s4 s5 " ]; }
wait_for 30 has_all
is "every complaint in both feeds became an alert" "$(alert_ids | sort | tr '\n' ' ')" \
	"n1 n2 s1 s2 s3 s4 s5 "
is "... exactly once" "$(alert_ids | sort | uniq -d | wc -l | tr -d ' ')" 0
wait_until 10 'test "$(reqs /sse)" -ge 5'

python3 - "$TMPD/srv.log" >"$TMPD/reqs.out" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
s = [x for x in r if x["path"] == "/sse"]
print("lei", " ".join(x["headers"].get("last-event-id", "-") for x in s[:5]))
print("auth", s[0]["headers"].get("authorization"), s[0]["headers"].get("x-test"),
      s[0]["headers"].get("accept"))
gap = lambda a, b: s[b]["t"] - s[a]["t"]
print("retry", "ok" if 0.3 <= gap(0, 1) < 3 else "bad %.2f" % gap(0, 1))
print("stall", "ok" if 2 <= gap(1, 2) < 5 else "bad %.2f" % gap(1, 2))
print("429", "ok" if 2 <= gap(2, 3) < 4 else "bad %.2f" % gap(2, 3))
PY
contains "reconnects send Last-Event-ID (none first, then the last ID seen)" "$TMPD/reqs.out" "lei - 3 4 4 5"
contains "the bearer token, the extra header and Accept are sent" "$TMPD/reqs.out" \
	"auth Bearer sekret-token-123 yes text/event-stream"
contains "the reconnect after a close waits the server's retry: 300 (not reconnect: 5s)" "$TMPD/reqs.out" "retry ok"
contains "a stall (2s without a byte) triggers a reconnect" "$TMPD/reqs.out" "stall ok"
contains "a 429 waits its Retry-After: 2" "$TMPD/reqs.out" "429 ok"

curl -s "$URL/metrics" >"$TMPD/metrics"
contains "bad JSON is counted" "$TMPD/metrics" 'keluh_source_errors_total{source="feed",kind="json"} 1'
contains "invalid UTF-8 is counted" "$TMPD/metrics" 'keluh_source_errors_total{source="feed",kind="utf8"} 1'
contains "a too-long event is counted" "$TMPD/metrics" 'keluh_source_errors_total{source="feed",kind="too_long"} 1'
contains "the stall is counted" "$TMPD/metrics" 'keluh_source_errors_total{source="feed",kind="stall"} 1'
contains "a bad NDJSON line is counted" "$TMPD/metrics" 'keluh_source_errors_total{source="nd",kind="json"} 1'
contains "the stream is connected" "$TMPD/metrics" 'keluh_source_connected{source="feed"} 1'
contains "events are counted (filtered types too)" "$TMPD/metrics" 'keluh_source_events_total{source="feed"} 8'
contains "reconnects are counted" "$TMPD/metrics" 'keluh_source_reconnects_total{source="feed"} 4'
contains "the event age is a metric" "$TMPD/metrics" 'keluh_source_last_event_age_seconds{source="feed"}'
contains "a stall is logged" "$klog" "source feed: nothing received for 2.0s (stall); reconnecting"
contains "bad events are logged and skipped" "$klog" "source feed: an event is not JSON"
contains "401 is logged clearly" "$klog" "source locked: the server refused our credentials (HTTP 401"
is "after a 401 the source backs off long (one request)" "$(reqs /auth)" 1
lacks "the token never reaches the log" "$klog" "sekret-token-123"
stop_keluhd

# a restart resumes after the last event taken
n0=$(reqs /sse)
start_keluhd "$TMPD/c.yaml" "$TMPD/keluhd2.log"
wait_until 10 'test "$(reqs /sse)" -gt "$n0"'
last=$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if "\"/sse\"" in l]; print(r[-1]["headers"].get("last-event-id", "-"))' "$TMPD/srv.log")
is "after a restart the first request sends the stored Last-Event-ID" "$last" 5
contains "the resume is logged" "$TMPD/keluhd2.log" "source feed: resuming after event ID 5"
# The SSE server sends nothing new after the restart, so what could alert
# again is the spool: pending mentions are read back at start. The NDJSON
# stream has no resume position: its server sends n1, n2 again, and once
# they alerted and every alert made was delivered, the sink has it all.
wait_until 15 'test "$(alert_ids | grep -c "^n")" -ge 4'
is "the NDJSON stream's n1 and n2 alert again after the restart" "$?" 0
delivered_all() { [ "$(metric_value 'keluh_deliveries_total{receiver="hook",outcome="ok"}')" -ge "$(metric_sum keluh_alerts_total)" ]; }
wait_for 10 delivered_all
is "every alert made after the restart was delivered" "$?" 0
stop_keluhd
is "no SSE alert twice across the restart (none from the spool)" \
	"$(alert_ids | grep '^s' | sort | uniq -d | wc -l | tr -d ' ')" 0

# config errors: file:line:col, did-you-mean, bad pointers and durations
cat >"$TMPD/bad.yaml" <<Y
sources:
  - name: a
    type: ssee
  - name: b
    type: sse
    url: http://127.0.0.1:1/x
    stal: 2s
    fields: {text: content, author.handel: /a}
  - name: c
    type: json-poll
    url: ftp://x
    interval: soon
    stall: 2s
Y
"$KELUHD" --check -c "$TMPD/bad.yaml" >"$TMPD/bad.out" 2>&1
is "--check rejects bad source settings" "$?" 1
contains "unknown type, with a suggestion" "$TMPD/bad.out" "bad.yaml:3:11: error: unknown source type 'ssee'; did you mean 'sse'?"
contains "unknown key, with a suggestion" "$TMPD/bad.out" "bad.yaml:7:5: error: unknown key 'stal' in a source; did you mean 'stall'?"
contains "a bad JSON pointer" "$TMPD/bad.out" "text: 'content' is not a JSON pointer"
contains "an unknown field, with a suggestion" "$TMPD/bad.out" \
	"bad.yaml:8:29: error: unknown key 'author.handel' in fields; did you mean 'author.handle'?"
contains "a bad url" "$TMPD/bad.out" "url: 'ftp://x' must start with https:// or http://"
contains "a bad duration" "$TMPD/bad.out" "interval: 'soon' is not a duration"
contains "a key of another source type" "$TMPD/bad.out" "json-poll sources take no 'stall'"

done_testing
