#!/bin/sh
# Network faults for the polled sources, json-poll and rss side by side: a
# revoked bearer token (401) until the token file is rewritten and keluhd
# reloads; a 429 with Retry-After; a request that hangs (nothing at all,
# or headers then nothing) until timeout; a connection closed in the
# middle of a Content-Length body; invalid JSON, malformed XML and items
# that are not UTF-8. Each is logged and counted, the next poll recovers,
# and every complaint becomes exactly one alert.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hook
write_login_rules

# phase NAME: writes the server's script for that phase. Each path answers
# its list in turn, the last answer repeating; the lists start over when
# the script is written again.
phase() {
	python3 - "$TMPD/script.json" "$1" <<'PY'
import base64, json, sys
path, ph = sys.argv[1], sys.argv[2]
b64 = lambda b: base64.b64encode(b).decode()
NEW = "Bearer new-token-456"

def api(ids, bad=()):
    """json-poll: items newest first; ids in bad carry a byte that is not UTF-8."""
    items = []
    for i in sorted(ids + list(bad), reverse=True):
        text = "login gagal p%d" % i if i not in bad else "login rusak p%d \x00" % i
        items.append({"id": str(i), "content": text, "account": {"acct": "u%d" % i}})
    body = json.dumps({"data": {"items": items}}, ensure_ascii=False).encode()
    body = body.replace(b"\\u0000", b"\xff")
    return {"headers": {"Content-Type": "application/json"}, "body_b64": b64(body),
            "stream": False, "auth": NEW}

def feed(ids, bad=()):
    """rss: items newest first; ids in bad carry a byte that is not UTF-8."""
    out = ""
    for i in sorted(ids + list(bad), reverse=True):
        title = "login gagal r%d" % i if i not in bad else "login rusak r%d \x00" % i
        out += ('<item><title>%s</title><link>https://reviews.example/r/%d</link>'
                '<guid isPermaLink="false">r%d</guid>'
                '<pubDate>Mon, 23 Nov 2026 0%d:%02d:00 +0000</pubDate></item>\n'
                % (title, i, i, i // 60, i % 60))
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            '<title>Acme reviews</title><link>https://reviews.example/</link>\n'
            + out + '</channel></rss>\n').encode().replace(b"\x00", b"\xff")
    return {"headers": {"Content-Type": "application/rss+xml; charset=UTF-8"},
            "body_b64": b64(body), "stream": False, "auth": NEW}

def cut(a):
    """a promises its whole body and sends half of it, then closes."""
    a = dict(a)
    a["cut_at"] = len(base64.b64decode(a["body_b64"])) // 2
    return a

throttled = {"status": 429, "headers": {"Retry-After": "2", "Content-Type": "text/plain"},
             "body": "slow down"}
hang = {"hang": True}
# the status line and headers, then nothing
silent = {"status": 200, "headers": {"Content-Type": "application/json"}, "body": "{}" * 20,
          "stream": False, "cut_at": 0, "after": "stall"}
s = {
    "auth": {"/api": [api([1, 2])], "/feed.rss": [feed([1, 2])]},
    "throttle": {"/api": [throttled, api([1, 2, 3])], "/feed.rss": [throttled, feed([1, 2, 3])]},
    "hang": {"/api": [hang, silent, api([2, 3, 4])], "/feed.rss": [hang, silent, feed([2, 3, 4])]},
    "cut": {"/api": [cut(api([3, 4, 5, 6])), api([3, 4, 5, 6])],
            "/feed.rss": [cut(feed([3, 4, 5, 6])), feed([3, 4, 5, 6])]},
    "bad": {"/api": [{"body": '{"data": {"items": [{"id": 8, "content": "login p8"',
                      "headers": {"Content-Type": "application/json"}, "stream": False},
                     api([5, 6, 8], bad=[7]), api([5, 6, 8, 9], bad=[7])],
            "/feed.rss": [{"body": '<?xml version="1.0"?><rss><channel><item><title>login r8'
                           '</title></channel>', "headers": {"Content-Type": "application/rss+xml"},
                           "stream": False},
                          feed([5, 6, 8], bad=[7]), feed([5, 6, 8, 9], bad=[7])]},
}[ph]
json.dump(s, open(path + ".tmp", "w"))
PY
	mv "$TMPD/script.json.tmp" "$TMPD/script.json"
}
phase auth
start_stream_server srv "$TMPD/script.json"
SP=$srv_port
printf 'old-token-123\n' >"$TMPD/poll.token"

write_conf "$TMPD/c.yaml" <<Y
sources:
  - name: api
    type: json-poll
    url: http://127.0.0.1:$SP/api
    token_file: poll.token
    interval: 1s
    timeout: 1s
    backoff_max: 1s
    items: /data/items
    cursor: /id
    fields: {id: /id, text: /content, author.handle: /account/acct}
  - name: feed
    type: rss
    url: http://127.0.0.1:$SP/feed.rss
    token_file: poll.token
    interval: 1s
    timeout: 1s
    backoff_max: 1s
$(conf_alert_each hook /h)
Y
t0=$(date +%s)
start_keluhd "$TMPD/c.yaml"
is "keluhd starts" "$?" 0

# the mention ids in the alerts the sink got, one per line: in the escaped
# body a mention's id comes right before its source (no python here: this
# runs every 50 ms, and python is slow to start on a busy machine)
alert_ids() {
	grep -o '\\"id\\":\\"[^\\"]*\\",\\"source\\"' "$hook_log" | cut -d'"' -f4 | tr -d '\\'
}
# want P R: the ids of json-poll items 1..P and rss items 1..R but 7 (not
# UTF-8), sorted as compared
want() {
	{
		seq 1 "$1" | grep -vx 7
		seq 1 "$2" | grep -vx 7 | sed 's/^/rss:r/'
	} | sort | tr '\n' ' '
}
got() { alert_ids | sort | tr '\n' ' '; }
have() { [ "$(got)" = "$(want "$1" "$2")" ]; }
# reqs PATH: requests the server logged for PATH
reqs() { grep -c "\"path\": \"$1\"" "$TMPD/srv.log" 2>/dev/null || echo 0; }
reqs_ge() { [ "$(reqs "$1")" -ge "$2" ]; }
metric() { curl -s "$URL/metrics" | grep -F "$1" | sed 's/.* //'; }
errors() { metric "keluh_source_errors_total{source=\"$1\",kind=\"$2\"}"; }
# last PATH FIELD: FIELD of the last request logged for PATH (header names in lower case)
last() {
	python3 - "$TMPD/srv.log" "$1" "$2" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
r = [q for q in r if q["path"] == sys.argv[2]][-1]
print(r.get(sys.argv[3], r["headers"].get(sys.argv[3], "-")))
PY
}

# 1. a revoked token: 401 until the token file is rewritten and keluhd reloads
wait_for 10 grep -q 'source feed: the server refused our credentials' "$klog"
wait_for 10 grep -q 'source api: the server refused our credentials' "$klog"
for s in api feed; do
	contains "$s: a 401 is logged with the server's words" "$klog" \
		"source $s: the server refused our credentials (HTTP 401: {\"error\":\"invalid_token\"}); check token_file and headers; trying again in 10m"
	is "$s: a 401 is counted" "$(errors $s auth)" 1
	is "$s: a 401 shows as not connected" "$(metric "keluh_source_connected{source=\"$s\"}")" 0
done
is "the refused json-poll request carried the old token" "$(last /api authorization)" \
	"Bearer old-token-123"
is "the refused rss request carried the old token" "$(last /feed.rss authorization)" \
	"Bearer old-token-123"
lacks "the token never reaches the log" "$klog" "old-token-123"
printf 'new-token-456\n' >"$TMPD/poll.token"
kill -HUP "$KPID"
wait_for 10 grep -q 'reloaded:' "$klog"
wait_for 10 have 2 2
is "after the reload with the new token, items flow from both sources" "$(got)" "$(want 2 2)"
is "json-poll: one request with the old token, then the new token" \
	"$(grep '"path": "/api"' "$TMPD/srv.log" | head -n 2 | sed 's/.*"authorization": "\([^"]*\)".*/\1/' | tr '\n' ,)" \
	"Bearer old-token-123,Bearer new-token-456,"
is "rss: one request with the old token, then the new token" \
	"$(grep '"path": "/feed.rss"' "$TMPD/srv.log" | head -n 2 | sed 's/.*"authorization": "\([^"]*\)".*/\1/' | tr '\n' ,)" \
	"Bearer old-token-123,Bearer new-token-456,"
is "json-poll is connected again" "$(metric 'keluh_source_connected{source="api"}')" 1
is "rss is connected again" "$(metric 'keluh_source_connected{source="feed"}')" 1
lacks "the new token never reaches the log" "$klog" "new-token-456"

# 2. a 429 with Retry-After: 2
phase throttle
wait_for 15 have 3 3
is "after a 429 polling resumes" "$(got)" "$(want 3 3)"
python3 - "$TMPD/srv.log" >"$TMPD/throttle.out" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
for p in ("/api", "/feed.rss"):
    x = [q for q in r if q["path"] == p]
    i = [k for k, q in enumerate(x) if q["status"] == 429][0]
    g = x[i + 1]["t"] - x[i]["t"]
    # the scheduler may be late, never early
    print(p, "429 then", x[i + 1]["status"], "ok" if 2.0 <= g < 5 else "BAD", "after %.2fs" % g)
PY
sed 's/^/# /' "$TMPD/throttle.out"
contains "json-poll: the request after a 429 waits Retry-After: 2" "$TMPD/throttle.out" \
	"/api 429 then 200 ok"
contains "rss: the request after a 429 waits Retry-After: 2" "$TMPD/throttle.out" \
	"/feed.rss 429 then 200 ok"
for s in api feed; do
	contains "$s: the 429 is logged with its Retry-After" "$klog" \
		"source $s: rate limited (HTTP 429, Retry-After: 2); trying again in 2."
	is "$s: the 429 is counted" "$(errors $s rate_limited)" 1
done

# 3. a request that hangs: nothing at all, then headers and nothing; timeout: 1s ends each
phase hang
wait_for 20 have 4 4
is "after two hung requests the next poll takes the items" "$(got)" "$(want 4 4)"
python3 - "$TMPD/srv.log" >"$TMPD/hang.out" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
for p in ("/api", "/feed.rss"):
    x = [q for q in r if q["path"] == p]
    i = [k for k, q in enumerate(x) if q["fault"] == "hang"][0]
    g1, g2 = x[i + 1]["t"] - x[i]["t"], x[i + 2]["t"] - x[i + 1]["t"]
    # timeout 1s, then interval 1s (backoff_max 1s); the server sees the
    # request a little after keluhd starts its clock
    print(p, x[i + 1]["fault"], x[i + 2]["status"], "ok" if 1.9 <= g1 < 4 and 1.9 <= g2 < 4 else "BAD",
          "after %.2fs and %.2fs" % (g1, g2))
PY
sed 's/^/# /' "$TMPD/hang.out"
contains "json-poll: a hung request is given up after timeout, twice, then polling goes on" \
	"$TMPD/hang.out" "/api cut 200 ok"
contains "rss: a hung request is given up after timeout, twice, then polling goes on" \
	"$TMPD/hang.out" "/feed.rss cut 200 ok"
for s in api feed; do
	contains "$s: a request without any answer is logged as timed out" "$klog" \
		"source $s: no answer within 1.0s (timeout); trying again in"
	contains "$s: an answer that stops after its headers is logged as timed out" "$klog" \
		"source $s: the answer (HTTP 200) did not complete within 1.0s (timeout); trying again in"
	is "$s: both are counted" "$(errors $s timeout)" 2
done

# 4. the connection closes in the middle of the answer's body
phase cut
wait_for 15 have 6 6
is "after a cut answer the next poll takes its items" "$(got)" "$(want 6 6)"
for s in api feed; do
	contains "$s: the cut answer is logged" "$klog" \
		"source $s: the answer (HTTP 200) broke off: Transferred a partial file; trying again in"
	is "$s: the cut answer is counted" "$(errors $s network)" 1
done
is "nothing of the cut answers was taken as invalid" \
	"$(metric 'keluh_source_errors_total{source="api",kind="json"}')$(metric 'keluh_source_errors_total{source="feed",kind="xml"}')" ""

# 5. malformed answers, then an item that is not UTF-8 among good ones
phase bad
wait_for 20 have 9 9
is "after malformed answers and a bad item the stream goes on" "$(got)" "$(want 9 9)"
# two more polls each, which list the bad item again
na=$(reqs /api)
nf=$(reqs /feed.rss)
wait_for 10 reqs_ge /api $((na + 2))
wait_for 10 reqs_ge /feed.rss $((nf + 2))
contains "json-poll: invalid JSON is logged" "$klog" "source api: the answer is not JSON (line 1"
is "json-poll: invalid JSON is counted" "$(errors api json)" 1
contains "json-poll: the item that is not UTF-8 is logged" "$klog" \
	"source api: item 2 of the answer is not valid UTF-8; skipped"
is "json-poll: it is counted once, however many polls list it" "$(errors api utf8)" 1
contains "rss: malformed XML is logged" "$klog" "source feed: the feed is not usable: "
is "rss: malformed XML is counted" "$(errors feed xml)" 1
contains "rss: the item that is not UTF-8 is logged" "$klog" \
	"source feed: item 2 of the feed is not valid UTF-8; skipped"
is "rss: it is counted once, however many polls list it" "$(errors feed utf8)" 1

# 6. throughout: every complaint exactly once
is "no alert twice" "$(alert_ids | sort | uniq -d | tr '\n' ' ')" ""
is "json-poll took each good item once" "$(metric 'keluh_source_events_total{source="api"}')" 8
is "rss took each good item once" "$(metric 'keluh_source_events_total{source="feed"}')" 8
stop_keluhd
echo "# $(($(date +%s) - t0))s from start to stop"

done_testing
