#!/bin/sh
# rss: an RSS 2.0 feed (a review site) and an Atom feed (Google Alerts)
# polled every second. Each complaint becomes exactly one alert however
# many polls list it again; the validators come back as If-None-Match and
# If-Modified-Since and get 304s; a 403 is logged as refused credentials;
# a malformed answer is counted and the next poll recovers; 429 and 503
# with Retry-After are waited out; a restart resumes from the spool
# without alerting anything again.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hook
write_login_rules
add_rules <<'Y'
  - id: m.refund
    description: Refund
    team: billing
    score: 30
    when: {keywords: [refund, ditolak]}
Y

# feeds STEP: writes the script for the feeds as they are at STEP
feeds() {
	python3 - "$TMPD/script.json" "$1" <<'PY'
import json, sys
path, step = sys.argv[1], sys.argv[2]
# the review feed does not change while the alerts feed is throttled
rstep = "recovered" if step == "throttled" else step

def rss_item(n, title, desc, day, who=None, guid=True):
    g = '<guid isPermaLink="false">review-%d</guid>' % n if guid else ""
    c = "<dc:creator>%s</dc:creator>" % who if who else ""
    return ("<item><title>%s</title><link>https://reviews.example/acme/r/%d</link>"
            "<description>%s</description>%s"
            "<pubDate>%s Nov 2026 0%d:15:00 +0700</pubDate>%s</item>\n"
            % (title, n, desc, g, day, n % 10, c))

items = [
    rss_item(981, "Login gagal terus &amp; lambat",
             "<![CDATA[<p>Sudah <b>3 hari</b> tidak bisa login.</p><p>Tolong &amp; cepat!</p>]]>",
             "Sat, 21", "Budi S."),
    rss_item(982, "Kartu ditolak &#8212; refund?",
             "&lt;p&gt;Kartu saya ditolak &amp;amp; uang terpotong&lt;/p&gt;", "Sun, 22",
             guid=False),
    rss_item(983, "Pengiriman cepat", "<![CDATA[<p>Puas, barang bagus</p>]]>", "Sun, 22"),
    # a byte that is not UTF-8: this item alone is skipped, and counted once
    rss_item(984, "login \xff rusak", "x", "Sun, 22"),
]
if rstep in ("new", "bad", "recovered", "restart"):
    items.insert(0, rss_item(985, "Refund belum masuk", "<p>sudah seminggu</p>", "Mon, 23"))
if rstep in ("recovered", "restart"):
    items.insert(0, rss_item(986, "Tidak bisa login lagi", "<p>error 500</p>", "Mon, 23"))
if rstep == "restart":
    items.insert(0, rss_item(987, "Refund ditolak", "<p>kenapa?</p>", "Mon, 23"))
rss = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
       'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Acme reviews</title>'
       '<link>https://reviews.example/acme</link>\n' + "".join(items) + "</channel></rss>\n")

def entry(n, title, content):
    return ('<entry><id>tag:google.com,2013:googlealerts/feed:1095732765432109%04d</id>'
            '<title type="html">%s</title>'
            '<link href="https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://news.example/%d'
            '&amp;ct=ga&amp;usg=AOvVaw1"></link>'
            '<published>2026-11-2%dT04:51:12Z</published><updated>2026-11-23T04:55:00Z</updated>'
            '<content type="html">%s</content><author><name></name></author></entry>'
            % (n, title, n, n % 3, content))

atom = ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:idx="urn:atom-extension:indexing"><id>tag:google.com,2005:reader/user/'
        '06848471234567890123/state/com.google/alerts/1234567890123456789</id>'
        '<title>Google Alert - acme</title><link href="https://www.google.com/alerts/feeds/'
        '06848471234567890123/1234567890123456789" rel="self"></link>'
        '<updated>2026-11-23T04:51:12Z</updated>'
        + entry(1, "&lt;b&gt;Acme&lt;/b&gt; users can&amp;#39;t login for hours",
                "Customers of &lt;b&gt;Acme&lt;/b&gt; reported &amp;quot;login failed&amp;quot;")
        + entry(2, "&lt;b&gt;Acme&lt;/b&gt; opens a new office", "Good news &amp;middot; jobs")
        + "</feed>")

import base64
rss_answer = {"body_b64": base64.b64encode(rss.encode().replace(b"\xc3\xbf", b"\xff")).decode(),
              "headers": {"Content-Type": "application/rss+xml; charset=UTF-8"},
              "etag": '"r-%s"' % rstep, "last_modified": "Mon, 23 Nov 2026 0%d:00:00 GMT"
              % {"first": 1, "new": 2, "bad": 2, "recovered": 3, "restart": 4}[rstep]}
atom_answer = {"body": atom, "headers": {"Content-Type": "application/atom+xml"},
               "last_modified": "Mon, 23 Nov 2026 04:55:00 GMT"}
s = {"/reviews.rss": [rss_answer], "/alerts/feeds/1/2": [atom_answer],
     "/private.rss": [{"status": 403, "body": "Forbidden: sign in to see this feed"}]}
if step == "bad":
    s["/reviews.rss"] = [{"body": rss[:len(rss) // 2], "stream": False,
                          "headers": {"Content-Type": "application/rss+xml"}}]
if step == "throttled":
    s = {"/reviews.rss": [rss_answer],
         "/alerts/feeds/1/2": [{"status": 429, "headers": {"Retry-After": "3"}, "body": "slow down"},
                               {"status": 503, "headers": {"Retry-After": "2"}, "body": "busy"},
                               atom_answer]}
json.dump(s, open(path + ".tmp", "w"))
PY
	mv "$TMPD/script.json.tmp" "$TMPD/script.json"
}
feeds first
start_stream_server srv "$TMPD/script.json"
SP=$srv_port

write_conf "$TMPD/c.yaml" <<Y
sources:
  - name: reviews
    type: rss
    url: http://127.0.0.1:$SP/reviews.rss
    interval: 1s
  - name: galerts
    type: rss
    url: http://127.0.0.1:$SP/alerts/feeds/1/2
    interval: 1s
    timeout: 5s
    headers: {User-Agent: acme-support}
  - name: private
    type: rss
    url: http://127.0.0.1:$SP/private.rss
    interval: 1s
$(conf_alert_each hook /h)
Y
start_keluhd "$TMPD/c.yaml"
is "keluhd starts" "$?" 0

nalerts() { alert_ids | wc -l | tr -d ' '; }
# want ID...: the ids sorted as alert_ids are compared
want() { printf '%s\n' "$@" | sort | tr '\n' ' '; }
ids_are() { [ "$(alert_ids | sort | tr '\n' ' ')" = "$(want "$@")" ]; }
# reqs PATH: requests the server logged for PATH
reqs() { grep -c "\"path\": \"$1\"" "$TMPD/srv.log" 2>/dev/null || echo 0; }
metric() { curl -s "$URL/metrics" | grep -F "$1" | sed 's/.* //'; }

G=rss:tag:google.com,2013:googlealerts/feed:10957327654321090001
first="rss:https://reviews.example/acme/r/982 rss:review-981 $G"
# shellcheck disable=SC2086
wait_for 15 ids_are $first
# shellcheck disable=SC2086
is "each complaint in either feed became one alert" "$(alert_ids | sort | tr '\n' ' ')" "$(want $first)"

python3 - "$hook_log" >"$TMPD/mentions.out" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    for m in json.loads(json.loads(line)["body"])["alert"]["mentions"]:
        print(json.dumps(m, sort_keys=True, ensure_ascii=False))
PY
contains "CDATA HTML and entities become plain text" "$TMPD/mentions.out" \
	'"text": "Login gagal terus & lambat\n\nSudah 3 hari tidak bisa login.\n\nTolong & cepat!"'
contains "escaped HTML in a description becomes plain text" "$TMPD/mentions.out" \
	'"text": "Kartu ditolak — refund?\n\nKartu saya ditolak & uang terpotong"'
contains "Atom html title and content become plain text" "$TMPD/mentions.out" \
	"\"text\": \"Acme users can't login for hours\n\nCustomers of Acme reported \\\"login failed\\\"\""
contains "the item's link is the url" "$TMPD/mentions.out" '"url": "https://reviews.example/acme/r/981"'
contains "Atom's link is the url" "$TMPD/mentions.out" \
	'"url": "https://www.google.com/url?rct=j&sa=t&url=https://news.example/1&ct=ga&usg=AOvVaw1"'
contains "pubDate becomes ISO 8601 UTC" "$TMPD/mentions.out" '"created_at": "2026-11-20T18:15:00Z"'
contains "dc:creator is the author" "$TMPD/mentions.out" '"name": "Budi S."'

# several polls later: validators sent back, 304s, nothing alerted again
wait_until 15 'test "$(reqs /reviews.rss)" -ge 4'
wait_until 15 'test "$(reqs /alerts/feeds/1/2)" -ge 4'
python3 - "$TMPD/srv.log" >"$TMPD/reqs.out" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
for p in ("/reviews.rss", "/alerts/feeds/1/2"):
    x = [q for q in r if q["path"] == p]
    print(p, "first", x[0]["headers"].get("if-none-match", "-"), x[0]["headers"].get("if-modified-since", "-"))
    print(p, "next", x[1]["headers"].get("if-none-match", "-"), x[1]["headers"].get("if-modified-since", "-"), x[1]["status"])
    print(p, "accept", x[0]["headers"].get("accept"))
print("ua", [q for q in r if q["path"] == "/alerts/feeds/1/2"][0]["headers"].get("user-agent"))
PY
contains "the first poll has no validators" "$TMPD/reqs.out" "/reviews.rss first - -"
contains "the next poll sends If-None-Match and If-Modified-Since and gets a 304" "$TMPD/reqs.out" \
	'/reviews.rss next "r-first" Mon, 23 Nov 2026 01:00:00 GMT 304'
contains "Last-Modified alone comes back as If-Modified-Since, and gets a 304" "$TMPD/reqs.out" \
	"/alerts/feeds/1/2 next - Mon, 23 Nov 2026 04:55:00 GMT 304"
contains "feeds are asked for as feeds" "$TMPD/reqs.out" \
	"/reviews.rss accept application/rss+xml, application/atom+xml"
contains "configured headers are sent" "$TMPD/reqs.out" "ua acme-support"
is "polls that list the same items bring no alert again" "$(nalerts)" 3
is "the source took each new item once (the non-complaints too)" \
	"$(metric 'keluh_source_events_total{source="reviews"}')" 3
is "a 304 source is connected" "$(metric 'keluh_source_connected{source="galerts"}')" 1
is "the item that is not UTF-8 is counted once, over several polls" \
	"$(metric 'keluh_source_errors_total{source="reviews",kind="utf8"}')" 1
contains "it is logged" "$klog" "source reviews: item 4 of the feed is not valid UTF-8; skipped"

# the feed moves on: one new item, one alert
feeds new
# shellcheck disable=SC2086
wait_for 15 ids_are $first rss:review-985
# shellcheck disable=SC2086
is "a new item alerts once" "$(alert_ids | sort | tr '\n' ' ')" "$(want $first rss:review-985)"

# a malformed answer: counted, logged, and the next good poll goes on
feeds bad
wait_for 15 grep -q 'source reviews: the feed is not usable' "$klog"
contains "a malformed feed is logged with what is wrong" "$klog" \
	"source reviews: the feed is not usable: not well-formed XML (line"
n=$(reqs /reviews.rss)
wait_until 10 'test "$(reqs /reviews.rss)" -ge $((n + 2))'
feeds recovered
# shellcheck disable=SC2086
wait_for 15 ids_are $first rss:review-985 rss:review-986
# shellcheck disable=SC2086
is "the next poll after a malformed one recovers" "$(alert_ids | sort | tr '\n' ' ')" \
	"$(want $first rss:review-985 rss:review-986)"
bad=$(metric 'keluh_source_errors_total{source="reviews",kind="xml"}')
check "the malformed answers are counted" test "${bad:-0}" -ge 2
is "still one alert per item" "$(alert_ids | sort | uniq -d | wc -l | tr -d ' ')" 0
is "answers that list old items with new ones: each item taken once" \
	"$(metric 'keluh_source_events_total{source="reviews"}')" 5

# 429 then 503, each with Retry-After: no request sooner than allowed
n0=$(reqs /alerts/feeds/1/2)
feeds throttled
# until the request after the 503 is in the log
wait_until 20 'grep "/alerts/feeds/1/2" "$TMPD/srv.log" | grep -A1 "\"status\": 503" | sed -n 2p | grep -q .'
python3 - "$TMPD/srv.log" >"$TMPD/throttle.out" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if '"/alerts/feeds/1/2"' in l]
for i, q in enumerate(r[:-1]):
    if q["status"] in (429, 503):
        print(q["status"], "then", r[i + 1]["status"], "after %.1f" % (r[i + 1]["t"] - q["t"]),
              "ok" if r[i + 1]["t"] - q["t"] >= {429: 3, 503: 2}[q["status"]] else "TOO SOON")
PY
contains "after a 429 with Retry-After: 3 the next request waits 3 s" "$TMPD/throttle.out" "429 then 503"
contains "after a 503 with Retry-After: 2 the next request waits 2 s" "$TMPD/throttle.out" "503 then 304"
lacks "no request came sooner than Retry-After allowed" "$TMPD/throttle.out" "TOO SOON"
sed 's/^/# /' "$TMPD/throttle.out"
contains "the 429 is logged with its Retry-After" "$klog" \
	"source galerts: rate limited (HTTP 429, Retry-After: 3); trying again in"
contains "the 503 is logged with its Retry-After" "$klog" \
	"source galerts: HTTP 503, Retry-After: 2; trying again in"
contains "a 403 is logged as refused credentials, with the server's words" "$klog" \
	"source private: the server refused our credentials (HTTP 403: Forbidden: sign in to see this feed); check token_file and headers; trying again in 10m"
is "a 403 is counted" "$(metric 'keluh_source_errors_total{source="private",kind="auth"}')" 1
is "and not asked again every interval" "$(reqs /private.rss)" 1
stop_keluhd

if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$TMPD/c.db" "select value from cursors where source='reviews'" >"$TMPD/cursor.out" 2>&1
	contains "the validators are in the spool" "$TMPD/cursor.out" '"etag":"\"r-recovered\""'
	contains "the newest item's date is in the spool" "$TMPD/cursor.out" '"newest":"2026-11-22T23:15:00Z"'
else
	skip "the validators are in the spool" "sqlite3 is not installed"
	skip "the newest item's date is in the spool" "sqlite3 is not installed"
fi

# while keluhd was down the feed got one more item; it still lists the old ones
feeds restart
n0=$(reqs /reviews.rss)
start_keluhd "$TMPD/c.yaml" "$TMPD/keluhd2.log"
contains "the restart resumes from the spool" "$TMPD/keluhd2.log" \
	"source reviews: resuming: 6 item(s) seen before, the newest from 2026-11-22T23:15:00Z"
all="$first rss:review-985 rss:review-986 rss:review-987"
# shellcheck disable=SC2086
wait_for 15 ids_are $all
# shellcheck disable=SC2086
is "after the restart only the new item alerts" "$(alert_ids | sort | tr '\n' ' ')" "$(want $all)"
python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; r=[q for q in r if q["path"]=="/reviews.rss"]; print(r[int(sys.argv[2])]["headers"].get("if-none-match","-"))' \
	"$TMPD/srv.log" "$n0" >"$TMPD/inm.out"
contains "the first poll after the restart sends the stored ETag" "$TMPD/inm.out" '"r-recovered"'
wait_until 10 'test "$(reqs /reviews.rss)" -ge $((n0 + 3))'
is "after the restart the source took the new item only" \
	"$(metric 'keluh_source_events_total{source="reviews"}')" 1
is "the Atom source took nothing again" "$(metric 'keluh_source_events_total{source="galerts"}')" 0
is "no alert twice" "$(alert_ids | sort | uniq -d | wc -l | tr -d ' ')" 0

# a key of another type is named
cat >"$TMPD/bad.yaml" <<Y
sources:
  - name: r
    type: rss
    url: http://127.0.0.1:1/feed
    fields: {text: /x}
Y
"$KELUHD" --check -c "$TMPD/bad.yaml" >"$TMPD/bad.out" 2>&1
contains "rss takes no field map" "$TMPD/bad.out" "rss sources take no 'fields'"
stop_keluhd

done_testing
