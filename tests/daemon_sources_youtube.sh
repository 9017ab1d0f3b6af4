#!/bin/sh
# youtube sources against a local stand-in for the YouTube Data API v3
# (tests/fake_youtube.py, 127.0.0.1 only): comments and their replies become
# mentions with their fields, a complaint alerts, the brand channel's reply
# is a public reply; paging stops at the comments already taken; a restart
# resumes without repeats and goes on counting the quota spent; quota_low
# when the budget runs ahead of the day; 403 quotaExceeded stops the polls
# until the reset (KELUH_TEST_QUOTA_RESET moves the reset for tests), with a
# warning to the health receiver and the metric at 0; a bad key is failing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hook
start_sink ops
write_login_rules

V1=Vid1aaaaaaa
V2=Vid2bbbbbbb
BRAND=UCbrandbrandbrandbrand12

# state.py PHASE [QUOTA RESET_AT DAY]: the fake API's state for this phase
cat >"$TMPD/state.py" <<'PY'
import json, sys

out, phase = sys.argv[1], sys.argv[2]
quota = None if len(sys.argv) < 4 or sys.argv[3] == "-" else int(sys.argv[3])
reset_at = int(sys.argv[4]) if len(sys.argv) > 4 else 0
day = int(sys.argv[5]) if len(sys.argv) > 5 else 86400
V1, V2, BRAND = "Vid1aaaaaaa", "Vid2bbbbbbb", "UCbrandbrandbrandbrand12"

def at(i):
    return "2026-12-01T%02d:%02d:%02dZ" % (i // 3600, i // 60 % 60, i % 60)

def th(i, text, video=V1, author=None, replies=(), **kw):
    t = {"id": "Ugz%05dthread" % i, "video": video, "channel": BRAND, "text": text,
         "author": author or "@user%d" % i, "author_channel": "UCuser%020d" % i, "at": at(i * 60),
         "replies": list(replies)}
    t.update(kw)
    return t

def rep(i, parent, text, author=None, channel=None, sec=30):
    return {"id": "Ugz%05dthread.AaB%d" % (parent, i), "text": text, "author": author or "@rep%d" % i,
            "author_channel": channel or "UCrep%021d" % i, "at": at(parent * 60 + sec)}

base = [
    th(1, "login gagal terus sejak update kemarin", author="@budi",
       replies=[rep(1, 1, "Halo kak, kami cek ya", author="@AcmeID", channel=BRAND, sec=40),
                rep(2, 1, "sama, login error juga", author="@sari", sec=20)]),
    th(2, "videonya keren \U0001F44D"),
    th(3, "update: login <b>masih</b> gagal", html_only=True, updated=at(3 * 60 + 500)),
    th(4, "Terima kasih sudah menonton", author="@AcmeID", author_channel=BRAND),
]
chan = [th(5, "tidak bisa login di aplikasi", video=V2), base[0]]
v1 = list(base)
if phase in ("more", "restart", "low", "quota"):
    # 150 new threads: two pages newer than what was taken; a complaint on the second
    v1 += [th(100 + i, "login hilang lagi %d" % i if i == 10 else "komentar %d" % i) for i in range(150)]
if phase in ("restart", "low", "quota"):
    v1.append(th(400, "masih tidak bisa login setelah restart"))
json.dump({"keys": ["AIzaSy-good-key", "AIzaSy-other-key"], "quota": quota, "reset_at": reset_at,
           "day": day, "disabled": ["video:Vid4ddddddd"],
           "threads": {"video:" + V1: v1, "channel:" + BRAND: chan}},
          open(out + ".tmp", "w"))
PY
state() { python3 "$TMPD/state.py" "$TMPD/state.json" "$@" && mv "$TMPD/state.json.tmp" "$TMPD/state.json"; }
state first
start_peer yt fake_youtube.py --state "$TMPD/state.json"
printf 'AIzaSy-good-key\n' >"$TMPD/yt.key"
printf 'AIzaSy-wrong-key\n' >"$TMPD/bad.key"
printf 'AIzaSy-other-key\n' >"$TMPD/other.key"
chmod 600 "$TMPD/yt.key" "$TMPD/bad.key" "$TMPD/other.key"

# conf DAILY_QUOTA: the keluhd.yaml of every phase
conf() {
	write_conf "$TMPD/c.yaml" <<Y
health_receivers: [ops]
sources:
  - name: yt
    type: youtube
    key_file: yt.key
    videos: [$V1]
    channel: $BRAND
    api_url: http://127.0.0.1:$yt_port/youtube/v3
    daily_quota: $1
    every: 200ms
  - name: ytbad
    type: youtube
    key_file: bad.key
    videos: [$V2]
    api_url: http://127.0.0.1:$yt_port/youtube/v3/
    alert_after: 1s
  - name: ytgone
    type: youtube
    key_file: other.key
    videos: [Vid3ccccccc, Vid4ddddddd]
    api_url: http://127.0.0.1:$yt_port/youtube/v3
    daily_quota: 1000000
    every: 300ms
$(conf_alert_each hook /h ops /o)
Y
}
conf 1000000
"$KELUHD" --check -c "$TMPD/c.yaml" >"$TMPD/check.out" 2>&1
is "--check accepts youtube sources" "$?" 0

NOW=$(date +%s)
# the quota day: its reset half a day away
export KELUH_TEST_QUOTA_RESET="$((NOW + 43200)):86400"
start_keluhd "$TMPD/c.yaml"
is "keluhd starts" "$?" 0

# "id<TAB>text<TAB>handle<TAB>name<TAB>url<TAB>created_at<TAB>reply_to<TAB>account" per mention
mentions() {
	python3 - "$hook_log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    for m in json.loads(json.loads(line)["body"])["alert"]["mentions"]:
        a = m.get("author") or {}
        print("\t".join(str(x) for x in (m["id"], json.dumps(m["text"], ensure_ascii=False),
              a.get("handle"), a.get("name"), m.get("url"), m.get("created_at"), m.get("reply_to"),
              m.get("account"))))
PY
}
ids() { mentions | cut -f1 | sort | tr '\n' ' '; }
ids_are() { [ "$(ids)" = "$1" ]; }
health() {
	python3 - "$ops_log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(json.loads(line)["body"])["alert"]
    print(a["health"]["source"], a["health"]["state"], a["health"]["detail"])
PY
}
Y=youtube:Ugz
want="${Y}00001thread ${Y}00001thread.AaB2 ${Y}00003thread ${Y}00005thread "
wait_for 20 ids_are "$want"
is "every complaint under the video and the channel alerted" "$(ids)" "$want"
is "... exactly once (the thread read through both too)" "$(mentions | cut -f1 | sort | uniq -d | wc -l | tr -d ' ')" 0
mentions >"$TMPD/m.out"
contains "a comment: text, @handle, name, watch URL with lc=, publishedAt, the video as account" \
	"$TMPD/m.out" \
	"${Y}00001thread	\"login gagal terus sejak update kemarin\"	@budi	@budi	https://www.youtube.com/watch?v=$V1&lc=Ugz00001thread	2026-12-01T00:01:00Z	None	youtube:$V1"
contains "a reply: its own id, reply_to its thread's comment" "$TMPD/m.out" \
	"${Y}00001thread.AaB2	\"sama, login error juga\"	@sari	@sari	https://www.youtube.com/watch?v=$V1&lc=Ugz00001thread.AaB2	2026-12-01T00:01:20Z	${Y}00001thread	youtube:$V1"
contains "textDisplay when there is no textOriginal; plain text as given" "$TMPD/m.out" \
	"${Y}00003thread	\"update: login <b>masih</b> gagal\""
contains "a channel's thread: the channel is the account, its video in the URL" "$TMPD/m.out" \
	"${Y}00005thread	\"tidak bisa login di aplikasi\"	@user5	@user5	https://www.youtube.com/watch?v=$V2&lc=Ugz00005thread	2026-12-01T00:05:00Z	None	youtube:$BRAND"
wait_for 10 grep -q "source yt: public reply to ${Y}00001thread by $BRAND" "$klog"
is "the brand channel's reply is a public reply to the complaint" "$?" 0
wait_until 10 'test "$(metric_value "keluh_source_skipped_total{source=\"yt\",kind=\"brand_post\"}")" = 1'
is "the brand channel's own comment is skipped and counted" "$?" 0

python3 - "$yt_log" >"$TMPD/reqs.out" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
g = [x for x in r if x["key_id"] == 0]
print("query", " ".join("%s=%s" % (k, g[0]["query"][k]) for k in sorted(g[0]["query"])))
print("key", all(x["key_ok"] for x in g), any(x["key_in_url"] for x in r))
print("both", sorted(set(next(iter(k for k in x["query"] if k in ("videoId", "allThreadsRelatedToChannelId"))) for x in g)))
PY
contains "the request: snippet and replies, newest first, 100 a page, plain text" "$TMPD/reqs.out" \
	"query maxResults=100 order=time part=snippet,replies textFormat=plainText videoId=$V1"
contains "the key goes in the X-Goog-Api-Key header, in no URL" "$TMPD/reqs.out" "key True False"
contains "a video and a channel are both read" "$TMPD/reqs.out" "both ['allThreadsRelatedToChannelId', 'videoId']"

# the bad key: failing, said clearly, and not asked again at once
wait_until 15 'health | grep -q "ytbad failing"'
is "a bad key makes the source failing (health receiver)" "$?" 0
contains "... and says to check key_file" "$klog" \
	"source ytbad: the API key is not valid (HTTP 400 badRequest): check key_file"
is "... asked once, not again at once" "$(grep -c '"key_ok": false' "$yt_log")" 1
lacks "the keys never reach the log" "$klog" "AIzaSy"

# a video not found, and one whose comments are off: said once each, the rest goes on
rounds() { grep -c '"videoId": "Vid4ddddddd"' "$yt_log"; }
wait_until 10 'test "$(rounds)" -ge 3'
is "a video not found and one without comments are asked again, round after round" "$?" 0
is "... the one not found logged once" \
	"$(grep -c 'source ytgone: video:Vid3ccccccc is not found (HTTP 404); it is tried again next round' "$klog")" 1
is "... the one without comments logged once" \
	"$(grep -c 'source ytgone: video:Vid4ddddddd: HTTP 403 commentsDisabled: its comments cannot be read' "$klog")" 1
lacks "... neither is taken for a refused key" "$klog" "source ytgone: the API refused the key"

# paging: 150 new threads, two pages newer than the cursor; page 2 reaches what was taken
l0=$(count_lines "$yt_log")
state more
wait_for 20 grep -q "${Y}00110thread" "$hook_log"
is "a complaint on the second page alerted" "$?" 0
wait_until 10 'test "$(tail -n +$((l0 + 1)) "$yt_log" | grep -c "\"videoId\": \"$V1\"")" -ge 4'
python3 - "$yt_log" "$l0" "$V1" >"$TMPD/pages.out" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]):]
v = [x for x in r if x["query"].get("videoId") == sys.argv[3] and x["status"] == 200]
starts = [x["page_start"] for x in v]
# the first poll after the change: 0, then 100; then only the newest page again
i = starts.index(100)
print("pages", starts[i - 1:i + 2], starts.count(100), 200 in starts)
PY
contains "paging stops at the comments already taken: page 2 once, never page 3" "$TMPD/pages.out" \
	"pages [0, 100, 0] 1 False"
is "the 150 new threads alerted once each" "$(mentions | cut -f1 | sort | uniq -d | wc -l | tr -d ' ')" 0
# keluh counts a request before it goes (one may be on its way), and polls on
# while this looks: the count lies between the requests seen before and after
made1=$(grep -c '"key_id": 0' "$yt_log")
spent=$((1000000 - $(metric_value 'keluh_source_quota_remaining{source="yt"}')))
made2=$(grep -c '"key_id": 0' "$yt_log")
is "the quota remaining counts every request made" "$((made1 <= spent && spent <= made2 + 1))" 1
stop_keluhd
made=$(grep -c '"key_id": 0' "$yt_log")

# restart: the spool has the cursor and the quota spent; one new thread
state restart
n0=$(count_lines "$hook_log")
start_keluhd "$TMPD/c.yaml" "$TMPD/keluhd2.log"
wait_for 20 grep -q "${Y}00400thread" "$hook_log"
is "after the restart the new complaint alerts" "$?" 0
spent=$(sed -n 's/.*source yt: resuming with \([0-9]*\) quota unit(s) spent today.*/\1/p' "$TMPD/keluhd2.log")
is "the restart resumes counting the quota spent (one may have been cut short)" \
	"$((${spent:-0} - made <= 1 && ${spent:-0} - made >= 0))" 1
l1=$(count_lines "$yt_log")
wait_until 10 'test "$(tail -n +$((l1 + 1)) "$yt_log" | grep -c "\"videoId\": \"$V1\"")" -ge 2'
is "after the restart only the new thread alerts" \
	"$(tail -n +$((n0 + 1)) "$hook_log" | grep -o 'youtube:Ugz[0-9]*thread[.A-Za-z0-9]*' | sort -u | tr '\n' ' ')" \
	"${Y}00400thread "
stop_keluhd

# quota_low: the budget is all but spent with half the day to go
state low
spent_low=$(grep -c '"key_id": 0' "$yt_log")
l1=$(count_lines "$yt_log")
conf $((spent_low + 3))
start_keluhd "$TMPD/c.yaml" "$TMPD/keluhd3.log"
wait_until 15 'health | grep -q "yt quota_low"'
is "quota_low reaches the health receiver" "$?" 0
health | grep "yt quota_low" >"$TMPD/low.out"
contains "... with the units left and the time to the reset" "$TMPD/low.out" \
	"of $((spent_low + 3)) quota units left, 11h"
# the budget cannot pay another round (2 units): the next one waits for the reset
looks() { metric_value "keluh_source_health_checks_total{source=\"$1\"}"; }
c0=$(looks ytbad)
wait_until 15 'test "$(looks ytbad)" -ge $((c0 + 3))'
n=$(tail -n +$((l1 + 1)) "$yt_log" | grep -c '"key_id": 0')
is "the polls stop while the budget cannot pay a round (1 or 2 requests)" "$((n >= 1 && n <= 2))" 1
is "the metric shows the units left (0 or 1)" "$(metric_value 'keluh_source_quota_remaining{source="yt"}' | awk '{print ($1 <= 1)}')" 1
stop_keluhd

# quotaExceeded: the project's quota runs out (3 more units), the reset 20 s away
NOW=$(date +%s)
RESET=$((NOW + 20))
export KELUH_TEST_QUOTA_RESET="$RESET:86400"
state quota 3 "$RESET" 86400
conf 10000
: >"$ops_log"
start_keluhd "$TMPD/c.yaml" "$TMPD/keluhd4.log"
wait_until 15 'health | grep -q "yt quota_exhausted"'
is "403 quotaExceeded: quota_exhausted reaches the health receiver" "$?" 0
contains "... saying the quota is used up" "$TMPD/keluhd4.log" "source yt: quota_exhausted: the API answers 403 quotaExceeded"
is "the metric shows 0 left" "$(metric_value 'keluh_source_quota_remaining{source="yt"}')" 0
lacks "not taken for refused credentials" "$TMPD/keluhd4.log" "source yt: the API refused the key"
wait_until 45 'health | grep -q "yt recovered"'
is "after the reset the warning clears by itself" "$?" 0
python3 - "$yt_log" "$RESET" >"$TMPD/quota.out" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
reset = float(sys.argv[2])
g = [x for x in r if x["key_id"] == 0]
first403 = next(i for i, x in enumerate(g) if x["status"] == 403)
print("403s", sum(1 for x in g if x["status"] == 403 and x["t"] < reset))
print("stopped", first403 + 1 < len(g) and g[first403 + 1]["t"] >= reset)
PY
contains "polling stops at the first 403, until the reset" "$TMPD/quota.out" "403s 1"
contains "... and resumes after it" "$TMPD/quota.out" "stopped True"
stop_keluhd

# config errors: file:line:col with how to fix them
cat >"$TMPD/bad.yaml" <<Y
sources:
  - name: a
    type: youtube
    videos: [Vid1aaaaaaa, "https://youtu.be/x"]
    channel: "@acme"
    quota_share: 150%
  - name: b
    type: youtube
    key_file: yt.key
    daily_quota: many
    every: 10ms
  - name: c
    type: youtube
    key_file: yt.key
    channel: $BRAND
    url: http://127.0.0.1:1/
    videoz: [Vid1aaaaaaa]
Y
"$KELUHD" --check -c "$TMPD/bad.yaml" >"$TMPD/bad.out" 2>&1
is "--check rejects bad youtube settings" "$?" 1
contains "a bad video id" "$TMPD/bad.out" "bad.yaml:4:27: error: videos: 'https://youtu.be/x' is not a YouTube video id"
contains "a handle for a channel id" "$TMPD/bad.out" "bad.yaml:5:14: error: channel: '@acme' is not a YouTube channel id"
contains "quota_share is a percent" "$TMPD/bad.out" "bad.yaml:6:18: error: quota_share: '150%' must be a percent from 1% to 100%"
contains "key_file is required" "$TMPD/bad.out" "bad.yaml:2:5: error: source 'a' of type youtube needs key_file"
contains "videos or channel is required" "$TMPD/bad.out" "source 'b' of type youtube needs videos: (video ids) or channel:"
contains "every has a floor" "$TMPD/bad.out" "every must be at least 100ms"
contains "daily_quota is a number" "$TMPD/bad.out" "daily_quota"
contains "youtube takes no url (api_url)" "$TMPD/bad.out" "youtube sources take no 'url'"
contains "a misspelt key, with a suggestion" "$TMPD/bad.out" "did you mean 'videos'?"

done_testing
