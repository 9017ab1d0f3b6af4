#!/bin/sh
# mastodon and x sources, and source health alerts, against a scripted
# local server (127.0.0.1 only).
#
# Mastodon: real-shaped status events cut at awkward places; a disconnect
# whose gap is filled through REST with min_id, exactly once; a restart
# that backfills from the stored cursor; HTML content read as plain text;
# boosts skipped; a 401 and a 429. X: "\r\n" keep-alives, author expansion,
# both field spellings, duplicates and retweets skipped, a stall reconnect,
# and the waits X demands after HTTP errors. Health: a source silent past
# alert_after raises one operational alert and one recovered note.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hook
start_sink ops
write_login_rules

python3 - "$TMPD/script.json" <<'PY'
import base64, json, sys

b64 = lambda b: base64.b64encode(b).decode()
acct = {"id": "7", "username": "budi", "acct": "budi@m.example", "display_name": "Budi S",
        "followers_count": 321, "bot": False,
        "fields": [{"name": "web", "value": "<a href=\"https://budi.example\">budi.example</a>",
                    "verified_at": "2026-01-01T00:00:00.000+00:00"}]}

def status(i, content, **kw):
    s = {"id": str(i), "created_at": "2026-11-22T10:00:%02d.000Z" % (i % 60),
         "in_reply_to_id": None, "in_reply_to_account_id": None, "sensitive": False,
         "spoiler_text": "", "visibility": "public", "language": "id",
         "uri": "https://m.example/users/budi/statuses/%d" % i,
         "url": "https://m.example/@budi/%d" % i, "replies_count": 0, "reblogs_count": 0,
         "favourites_count": 0, "edited_at": None, "content": content, "reblog": None,
         "account": acct, "media_attachments": [], "mentions": [], "tags": [], "emojis": []}
    s.update(kw)
    return s

def ev(etype, obj):
    return "event: %s\ndata: %s\n\n" % (etype, json.dumps(obj, ensure_ascii=False))

link = ('<a href="https://status.acme.example/incidents/1234567890" rel="nofollow noopener" '
        'translate="no"><span class="invisible">https://</span><span class="ellipsis">'
        'status.acme.example/incide</span><span class="invisible">nts/1234567890</span></a>')
mention = ('<span class="h-card" translate="no"><a href="https://acme.example/@acme" '
           'class="u-url mention">@<span>acme</span></a></span>')
tag = '<a href="https://m.example/tags/acme" class="mention hashtag" rel="tag">#<span>acme</span></a>'
s100 = status(100, "<p>gak bisa login dari pagi &amp; &quot;reset&quot; gagal \U0001F621</p>")
s90 = status(90, "<p>login error (the original of a boost)</p>")
s101 = status(101, "", reblog=s90)
s102 = status(102, "<p>%s login gagal terus<br>lihat %s</p><p>%s</p>" % (mention, link, tag),
              in_reply_to_id="99")
s103 = status(103, "<p>login lagi-lagi gagal</p>", spoiler_text="CW: rant")
s104 = status(104, "<p>akun terkunci, gak bisa login</p>")
s105 = status(105, "<p>login error 500</p>")
s106 = status(106, "<p>login masih gagal sesudah restart</p>")

c1 = (":)\n" + ev("update", s100) + ":thump\n" + "event: delete\ndata: 98\n\n"
      + ev("update", s101) + ev("update", s102)).encode()
cuts = [c1.index(b"event: update") + 3, c1.index(b"data: {") + 4,
        c1.index("\U0001F621".encode()) + 2, c1.index(b"\n\n") + 1]
cuts += list(range(1, len(c1), 97))
c2 = (":)\n" + ev("update", s104) + ev("update", s105)).encode()
sse = "text/event-stream; charset=utf-8"
hello = ev("update", status(200, "<p>halo semua</p>"))

# X: posts with expansions, keep-alives, a repeat, a retweet, an error, the other spelling
user = {"id": "55", "username": "budi_s", "name": "Budi S", "verified": True,
        "public_metrics": {"followers_count": 1234, "following_count": 1}}
def post(i, text, **kw):
    d = {"id": str(i), "text": text, "author_id": "55", "lang": "in",
         "created_at": "2026-11-22T10:35:00.000Z", "edit_history_tweet_ids": [str(i)]}
    d.update(kw)
    return json.dumps({"data": d, "includes": {"users": [user]},
                       "matching_rules": [{"id": "1", "tag": "acme"}]})
x1 = ("\r\n" + post(1, "gak bisa login @acme") + "\r\n\r\n\r\n"
      + post(2, "RT @acme: login", referenced_tweets=[{"type": "retweeted", "id": "9"}]) + "\r\n"
      + post(1, "gak bisa login @acme") + "\r\n"
      + json.dumps({"errors": [{"title": "operational-disconnect", "detail": "test"}]}) + "\r\n"
      + post(3, "login...", note_post={"text": "login gagal, the whole long post"},
             referenced_posts=[{"type": "replied_to", "id": "8"}]) + "\r\n").encode()
x2 = (post(4, "login gagal lagi") + "\r\n").encode()
nd = {"Content-Type": "application/json"}

script = {
    "/api/v1/streaming/public": [
        {"headers": {"Content-Type": sse}, "body_b64": b64(c1), "cuts": sorted(set(cuts)),
         "gap": 0.005},
        {"headers": {"Content-Type": sse}, "body_b64": b64(c2), "after": "hold",
         "ka": ":thump\n"},
    ],
    "/api/v1/timelines/public": [
        {"status": 200, "stream": False, "headers": nd, "body": json.dumps([s104, s103])},
        {"status": 200, "stream": False, "headers": nd, "body": json.dumps([s106])},
    ],
    "/m401/api/v1/streaming/public": [{"status": 401, "body": "{\"error\":\"The access token is invalid\"}"}],
    "/m429/api/v1/streaming/hashtag": [
        {"status": 429, "headers": {"Retry-After": "1"}, "body": "{\"error\":\"Too many requests\"}"},
        {"headers": {"Content-Type": sse}, "body": ":)\n", "after": "hold"},
    ],
    "/quiet/api/v1/streaming/public/local": [
        {"headers": {"Content-Type": sse}, "body": ":)\n", "after": "hold", "hold_seconds": 4},
        {"headers": {"Content-Type": sse}, "body": ":)\n", "after": "hold", "ka": hello},
    ],
    "/x/stream": [
        {"headers": {"Content-Type": "application/json"}, "body_b64": b64(x1),
         "cuts": list(range(1, len(x1), 41)), "after": "hold", "hold_seconds": 3, "ka": "\r\n"},
        {"headers": {"Content-Type": "application/json"}, "body_b64": b64(x2), "after": "stall"},
        {"status": 503, "body": "{\"title\":\"Service Unavailable\"}"},
        {"status": 503, "body": "{\"title\":\"Service Unavailable\"}"},
        {"status": 503, "body": "{\"title\":\"Service Unavailable\"}"},
        {"headers": {"Content-Type": "application/json"}, "body": "\r\n", "after": "hold",
         "ka": "\r\n"},
    ],
}
json.dump(script, open(sys.argv[1], "w"))
PY
start_stream_server srv "$TMPD/script.json"
SP=$srv_port
printf 'masto-token-123\n' >"$TMPD/m.token"
printf 'x-bearer-456\n' >"$TMPD/x.token"

write_conf "$TMPD/c.yaml" <<Y
health_receivers: [ops]
sources:
  - name: masto
    type: mastodon
    url: http://127.0.0.1:$SP/
    token_file: m.token
    reconnect: 300ms
  - name: locked
    type: mastodon
    url: http://127.0.0.1:$SP/m401
    token_file: m.token
  - name: busy
    type: mastodon
    url: http://127.0.0.1:$SP/m429
    stream: hashtag
    tag: "#acme"
    token_file: m.token
  - name: quiet
    type: mastodon
    url: http://127.0.0.1:$SP/quiet
    stream: public:local
    token_file: m.token
    reconnect: 500ms
    alert_after: 2s
  - name: xs
    type: x
    url: http://127.0.0.1:$SP/x/stream
    token_file: x.token
    stall: 2s
    reconnect: 1s
$(conf_alert_each hook /h ops /o)
Y
"$KELUHD" --check -c "$TMPD/c.yaml" >"$TMPD/check.out" 2>&1
is "--check accepts mastodon and x sources with health settings" "$?" 0
start_keluhd "$TMPD/c.yaml"
is "keluhd starts" "$?" 0

# "id<TAB>text<TAB>handle<TAB>name<TAB>followers<TAB>verified<TAB>url" per mention the sink got
mentions() {
	python3 - "$hook_log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    for m in json.loads(json.loads(line)["body"])["alert"]["mentions"]:
        a = m.get("author") or {}
        print("\t".join(str(x) for x in (m["id"], json.dumps(m["text"], ensure_ascii=False),
              a.get("handle"), a.get("name"), a.get("followers"), a.get("verified"), m.get("url"))))
PY
}
ids() { mentions | cut -f1 | sort | tr '\n' ' '; }
reqs() { grep -c "\"path\": \"$1\"" "$TMPD/srv.log" 2>/dev/null || echo 0; }
M=mastodon:127.0.0.1
want="$M:100 $M:102 $M:103 $M:104 $M:105 x:1 x:3 x:4 "
wait_until 30 'test "$(ids)" = "$want"'
is "every Mastodon and X complaint became an alert (boosts, retweets, repeats skipped)" "$(ids)" "$want"
is "... exactly once" "$(mentions | cut -f1 | sort | uniq -d | wc -l | tr -d ' ')" 0

mentions >"$TMPD/m.out"
contains "HTML entities and emoji become text" "$TMPD/m.out" \
	"$M:100	\"gak bisa login dari pagi & \\\"reset\\\" gagal 😡\""
contains "mentions, links (invisible parts dropped, ellipsis kept), <br>, paragraphs, hashtags" \
	"$TMPD/m.out" "$M:102	\"@acme login gagal terus\\nlihat status.acme.example/incide…\\n\\n#acme\"" 
contains "the content warning comes first" "$TMPD/m.out" "$M:103	\"CW: rant\\n\\nlogin lagi-lagi gagal\""
contains "the Mastodon author: @acct, display name, followers, verified link, url" "$TMPD/m.out" \
	"$M:100	\"gak bisa login dari pagi & \\\"reset\\\" gagal 😡\"	@budi@m.example	Budi S	321	True	https://m.example/@budi/100"
contains "X: the author comes from includes.users" "$TMPD/m.out" \
	"x:1	\"gak bisa login @acme\"	@budi_s	Budi S	1234	True	https://x.com/budi_s/status/1"
contains "X: note_post (the other spelling) gives the whole long text" "$TMPD/m.out" \
	"x:3	\"login gagal, the whole long post\""

python3 - "$hook_log" >"$TMPD/flags.out" <<'PY'
import json, sys
seen = {}
for line in open(sys.argv[1]):
    for m in json.loads(json.loads(line)["body"])["alert"]["mentions"]:
        seen[m["id"]] = " ".join(k for k in ("reply", "reblog") if m.get(k) is True) or "-"
print(" ".join("%s=%s" % (k, seen[k]) for k in sorted(seen)))
PY
is "replies are flagged (Mastodon in_reply_to_id, X replied_to), nothing else is" \
	"$(cat "$TMPD/flags.out")" \
	"$M:100=- $M:102=reply $M:103=- $M:104=- $M:105=- x:1=- x:3=reply x:4=-"

# the backfill: after the disconnect, min_id = the last status seen; once
python3 - "$TMPD/srv.log" >"$TMPD/reqs.out" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
tl = [x for x in r if x["path"] == "/api/v1/timelines/public"]
st = [x for x in r if x["path"] == "/api/v1/streaming/public"]
print("backfill", " ".join(x["query"] for x in tl))
print("auth", st[0]["headers"].get("authorization"), tl[0]["headers"].get("authorization"))
x = [v for v in r if v["path"] == "/x/stream"]
print("xauth", x[0]["headers"].get("authorization"), "expansions=author_id" in x[0]["query"])
PY
contains "the gap after the disconnect is read from the timeline with min_id" "$TMPD/reqs.out" \
	"backfill min_id=102&limit=40"
contains "the user token goes to the stream and the timeline" "$TMPD/reqs.out" \
	"auth Bearer masto-token-123 Bearer masto-token-123"
contains "X: the bearer token, and the expansions asked for" "$TMPD/reqs.out" "xauth Bearer x-bearer-456 True"

wait_until 20 'test "$(reqs /x/stream)" -ge 6'
python3 - "$TMPD/srv.log" >>"$TMPD/reqs.out" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
x = [v for v in r if v["path"] == "/x/stream"]
g = [x[i + 1]["t"] - x[i]["t"] for i in range(len(x) - 1)]
ok = lambda v, lo, hi: "ok" if lo <= v < hi else "bad %.1f" % v
print("xhold", ok(g[0], 2.9, 4.8))
print("xstall", ok(g[1], 1.9, 2.8))
print("xhttp", ok(g[2], 0.9, 1.5), ok(g[3], 1.9, 2.5), ok(g[4], 3.9, 4.6))
m4 = [v for v in r if v["path"] == "/m429/api/v1/streaming/hashtag"]
print("m429", ok(m4[1]["t"] - m4[0]["t"], 0.9, 2.5), m4[0]["query"])
PY
contains "X: CRLF keep-alives keep the stream up; a close after posts reconnects at once" \
	"$TMPD/reqs.out" "xhold ok"
contains "X: 2s of silence (stall) reconnects, at once after a stream that had posts" \
	"$TMPD/reqs.out" "xstall ok"
contains "X: HTTP errors wait 1s, 2s, 4s (doubling from reconnect, as X demands)" \
	"$TMPD/reqs.out" "xhttp ok ok ok"
contains "Mastodon 429: Retry-After is honoured; the hashtag goes without #" "$TMPD/reqs.out" \
	"m429 ok tag=acme"
contains "X: a stream error object is logged" "$klog" "source xs: X says: operational-disconnect: test"
contains "X: the waits are logged" "$klog" "source xs: HTTP 503"
contains "Mastodon 401 is logged clearly" "$klog" "source locked: the server refused our credentials (HTTP 401"
contains "Mastodon 429 is logged" "$klog" "source busy: rate limited (HTTP 429, Retry-After: 1)"
contains "the backfill is logged" "$klog" "source masto: backfilled 2 status(es) missed while disconnected"
lacks "tokens never reach the log" "$klog" "masto-token-123"
lacks "... nor the X token" "$klog" "x-bearer-456"

# health: quiet was silent for 2s (one alert), then an event came (one recovered note)
health() {
	python3 - "$ops_log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(json.loads(line)["body"])["alert"]
    print(a["priority"], a["health"]["source"], a["health"]["state"], a["tags"][0], a["rule_info"][0]["description"])
PY
}
wait_until 20 'test "$(health | wc -l)" -ge 2'
# nothing else: the watch looks at quiet every 0.2 s; after both notes came
# it looks three more times, and still two notes were raised for quiet
looks() { metric_value 'keluh_source_health_checks_total{source="quiet"}'; }
notes() {
	curl -s "$URL/metrics" |
		awk '/^keluh_source_health_alerts_total\{source="quiet",/ { n += $NF } END { print n + 0 }'
}
c0=$(looks)
wait_until 10 'test "$(looks)" -ge $((c0 + 3))'
is "health: the watch went on looking at quiet" "$?" 0
is "health: two notes raised for quiet, no more" "$(notes)" 2
health >"$TMPD/health.out"
is "health: one alert and one recovered note, nothing else" "$(cut -d' ' -f1-3 "$TMPD/health.out" | tr '\n' ' ')" \
	"high quiet silent low quiet recovered "
contains "health: the silent source raises a high operational alert" "$TMPD/health.out" \
	"high quiet silent source-health Source quiet is silent"
contains "health: then one recovered note" "$TMPD/health.out" "low quiet recovered source-health Source quiet recovered"
# a note's receivers are chosen when it is raised: once the outbox is empty,
# hook has everything it was ever going to get
outbox_empty() { [ -z "$("$KELUHCTL" queue --json --spool "$TMPD/c.db")" ]; }
wait_for 10 outbox_empty
is "health: every delivery so far is done" "$?" 0
is "health: complaint receivers do not get it" "$(grep -c source-health "$hook_log")" 0
curl -s "$URL/metrics" >"$TMPD/metrics"
contains "health alerts are counted" "$TMPD/metrics" 'keluh_source_health_alerts_total{source="quiet",state="silent"} 1'
contains "skipped boosts are counted" "$TMPD/metrics" 'keluh_source_skipped_total{source="masto",kind="reblog"} 1'
stop_keluhd

# a restart: the cursor (105) is read back; the timeline fills the gap from there
start_keluhd "$TMPD/c.yaml" "$TMPD/keluhd2.log"
contains "the restart resumes from the stored status id" "$TMPD/keluhd2.log" \
	"source masto: resuming after status 105"
wait_for 15 sh -c "mentions_n=\$(grep -c '$M:106' '$hook_log'); [ \"\$mentions_n\" -ge 1 ]"
is "after the restart the status missed while down arrives, once" "$(mentions | cut -f1 | grep -c "^$M:106\$")" 1
tl=$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if "\"/api/v1/timelines/public\"" in l]; print(r[-1]["query"])' "$TMPD/srv.log")
is "... asked with min_id=105" "$tl" "min_id=105&limit=40"
is "no status twice across the restart" "$(mentions | cut -f1 | sort | uniq -d | wc -l | tr -d ' ')" 0
stop_keluhd

# config errors: file:line:col, suggestions, the new keys' rules
cat >"$TMPD/bad.yaml" <<Y
health_receivers: [opz]
receivers:
  - {name: ops, type: webhook, url: "http://127.0.0.1:1/o"}
routes:
  - {receivers: [ops]}
sources:
  - name: a
    type: mastdon
  - name: b
    type: mastodon
    url: https://m.example
    token_file: m.token
    stream: pubic
  - name: c
    type: mastodon
    url: https://m.example
    token_file: m.token
    stream: hashtag
    fields: {text: /content}
  - name: d
    type: x
    token_file: x.token
    alert_after: 10m
    alert_to: [pager]
    tag: acme
  - name: e
    type: mastodon
    url: https://m.example
    alert_after: soon
Y
"$KELUHD" --check -c "$TMPD/bad.yaml" >"$TMPD/bad.out" 2>&1
is "--check rejects bad mastodon, x and health settings" "$?" 1
contains "unknown type, with a suggestion" "$TMPD/bad.out" "bad.yaml:8:11: error: unknown source type 'mastdon'; did you mean 'mastodon'?"
contains "unknown stream, with a suggestion" "$TMPD/bad.out" "bad.yaml:13:13: error: unknown Mastodon stream 'pubic'; did you mean 'public'?"
contains "hashtag needs tag" "$TMPD/bad.out" "stream hashtag needs tag"
contains "mastodon takes no fields" "$TMPD/bad.out" "mastodon sources take no 'fields'"
contains "x takes no tag" "$TMPD/bad.out" "x sources take no 'tag'"
contains "an unknown alert_to receiver" "$TMPD/bad.out" "unknown receiver 'pager'"
contains "an unknown health receiver, with a suggestion" "$TMPD/bad.out" "bad.yaml:1:19: error: unknown receiver 'opz'; did you mean 'ops'?"
contains "a bad alert_after" "$TMPD/bad.out" "alert_after: 'soon' is not a duration"
contains "mastodon needs a token" "$TMPD/bad.out" "source 'e' of type mastodon needs token_file"

done_testing
