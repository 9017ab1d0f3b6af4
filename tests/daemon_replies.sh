#!/bin/sh
# The brand's public replies (brand_accounts) on mastodon, x and reddit
# sources, against the scripted local servers (127.0.0.1 only): a
# complaint, then the brand's reply to it. The complaint alerts as ever;
# the reply is no mention (not counted, classified or alerted, though its
# words would match a rule) but a public reply to that complaint: counted
# in keluh_public_replies_total{source} and logged. The brand's posts that
# answer nothing are skipped and counted, a reply to a post that is no
# complaint is counted as unmatched, an account of the same name on
# another Mastodon instance is not the brand, and a reddit comment
# answers a post another source took. Config errors name line:col.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hook
write_login_rules

python3 - "$TMPD/script.json" <<'PY'
import json, sys

budi = {"id": "7", "username": "budi", "acct": "budi@m.example", "display_name": "Budi"}
care = {"id": "9", "username": "dompetku_care", "acct": "dompetku_care", "display_name": "DK"}
fake = {"id": "10", "username": "dompetku_care", "acct": "dompetku_care@evil.example"}

def status(i, acct, content, to=None, **kw):
    s = {"id": str(i), "created_at": "2026-11-22T10:00:%02d.000Z" % (i % 60),
         "in_reply_to_id": to, "in_reply_to_account_id": "7" if to else None,
         "spoiler_text": "", "visibility": "public", "language": "id",
         "url": "https://127.0.0.1/@x/%d" % i, "edited_at": None, "content": content,
         "reblog": None, "account": acct}
    s.update(kw)
    return s

def ev(etype, obj):
    return "event: %s\ndata: %s\n\n" % (etype, json.dumps(obj))

reply = status(301, care, "<p>@budi maaf, login sedang kami perbaiki</p>", to="300")
masto = (":)\n" + ev("update", status(300, budi, "<p>gak bisa login dari pagi</p>"))
         + ev("update", reply)
         + ev("status.update", dict(reply, edited_at="2026-11-22T10:05:00.000Z"))
         + ev("update", status(302, care, "<p>info: login maintenance malam ini</p>"))
         + ev("update", status(303, fake, "<p>login? DM kami</p>", to="300"))
         + ev("update", status(304, care, "<p>terima kasih, login aman</p>", to="299")))

users = [{"id": "55", "username": "budi_s", "name": "Budi S"},
         {"id": "77", "username": "DompetKu_Care", "name": "DompetKu Care"}]
def post(i, author, text, **kw):
    d = {"id": str(i), "text": text, "author_id": author, "lang": "in",
         "created_at": "2026-11-22T10:35:%02d.000Z" % (i % 60)}
    d.update(kw)
    return json.dumps({"data": d, "includes": {"users": users}}) + "\r\n"
x = (post(500, "55", "login gagal terus @dompetku_care")
     + post(501, "77", "@budi_s maaf, login sudah pulih?",
            referenced_tweets=[{"type": "replied_to", "id": "500"}])
     + post(502, "77", "login maintenance malam ini"))

sse = {"Content-Type": "text/event-stream"}
nd = {"Content-Type": "application/json"}
script = {"/api/v1/streaming/public": [{"headers": sse, "body": masto, "after": "hold"}],
          "/x/stream": [{"headers": nd, "body": x, "after": "hold", "ka": "\r\n"}]}
json.dump(script, open(sys.argv[1], "w"))
PY

# reddit: PHASE first, then "later" adds the brand's answer to the post rnew took
cat >"$TMPD/reddit.py" <<'PY'
import json, sys

T0 = 1795000000.0
def item(kind, i, author, text, parent=None):
    d = {"subreddit": "acme", "author": author, "created_utc": T0 + i * 60,
         "permalink": "/r/acme/comments/1h001z/x/%s/" % i}
    if kind == "t3":
        d.update({"name": "t3_1h%03dz" % i, "id": "1h%03dz" % i, "title": text, "selftext": ""})
    else:
        d.update({"name": "t1_k%03d" % i, "id": "k%03d" % i, "body": text,
                  "link_id": "t3_1h001z", "parent_id": parent})
    return {"kind": kind, "data": d}

def listing(*kids):
    kids = sorted(kids, key=lambda c: (len(c["data"]["id"]), c["data"]["id"]), reverse=True)
    return {"status": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"kind": "Listing", "data": {"after": None, "children": list(kids)}})}

new = [item("t3", 1, "user1", "login gagal sejak update"),
       item("t3", 2, "Dompetku_Care", "Info: login maintenance")]
com = [item("t1", 1, "c1", "login error terus", "t3_1h009z"),
       item("t1", 2, "DOMPETKU_CARE", "login sudah bisa?", "t1_k001")]
if sys.argv[2] == "later":
    com.append(item("t1", 3, "dompetku_care", "login kami cek ya", "t3_1h001z"))
s = {"clients": {"acmeapp": "s3cr3t"},
     "paths": {"/r/acme/new.json": [listing(*new)], "/r/acme/comments.json": [listing(*com)]}}
json.dump(s, open(sys.argv[1] + ".tmp", "w"))
PY
reddit_script() {
	python3 "$TMPD/reddit.py" "$TMPD/reddit.json" "$1" && mv "$TMPD/reddit.json.tmp" "$TMPD/reddit.json"
}
reddit_script first
start_stream_server srv "$TMPD/script.json"
start_peer rd reddit_server.py --script "$TMPD/reddit.json"
printf 'masto-token\n' >"$TMPD/m.token"
printf 'x-token\n' >"$TMPD/x.token"
printf 's3cr3t\n' >"$TMPD/reddit.secret"
chmod 600 "$TMPD/m.token" "$TMPD/x.token" "$TMPD/reddit.secret"

write_conf "$TMPD/c.yaml" <<Y
sources:
  - name: masto
    type: mastodon
    url: http://127.0.0.1:$srv_port/
    token_file: m.token
    brand_accounts: ["@DompetKu_Care"]
  - name: xs
    type: x
    url: http://127.0.0.1:$srv_port/x/stream
    token_file: x.token
    brand_accounts: ["@dompetku_care"]
  - name: rnew
    type: reddit
    subreddits: [acme]
    client_id: acmeapp
    client_secret_file: reddit.secret
    url: http://127.0.0.1:$rd_port
    token_url: http://127.0.0.1:$rd_port/api/v1/access_token
    interval: 1s
    brand_accounts: [u/dompetku_care]
  - name: rcom
    type: reddit
    listing: comments
    subreddits: [acme]
    client_id: acmeapp
    client_secret_file: reddit.secret
    url: http://127.0.0.1:$rd_port
    token_url: http://127.0.0.1:$rd_port/api/v1/access_token
    interval: 1s
    brand_accounts: [/u/Dompetku_Care]
$(conf_alert_each hook /h)
Y
"$KELUHD" --check -c "$TMPD/c.yaml" >"$TMPD/check.out" 2>&1
is "--check accepts brand_accounts on mastodon, x and reddit" "$?" 0
start_keluhd "$TMPD/c.yaml"
is "keluhd starts" "$?" 0

M=mastodon:127.0.0.1
ids() { alert_ids | sort | tr '\n' ' '; }
replies() { metric_value "keluh_public_replies_total{source=\"$1\"}"; }
wait_until 30 'test "$(replies masto)" = 2 && test "$(replies xs)" = 1 && test "$(replies rcom)" = 1'
is "mastodon: the brand's reply and its reply to no complaint are seen" "$(replies masto)" 2
is "x: the brand's reply is seen" "$(replies xs)" 1
is "reddit: the brand's comment answering a comment is seen" "$(replies rcom)" 1

# the post rnew took has alerted: now the brand answers it in the comments rcom reads
wait_until 20 'alert_ids | grep -qx "reddit:t3_1h001z"'
reddit_script later
wait_until 20 'test "$(replies rcom)" = 2'
is "reddit: the brand's comment answering a post another source took is seen" "$(replies rcom)" 2

want="$M:300 $M:303 reddit:t1_k001 reddit:t3_1h001z x:500 "
wait_until 10 'test "$(ids)" = "$want"'
is "the complaints alert as ever; no post of the brand does (its words match the rule)" \
	"$(ids)" "$want"

curl -s "$URL/metrics" >"$TMPD/metrics"
for s in masto:2 xs:1 rnew:1 rcom:1; do
	contains "${s%:*}: the brand's posts are no mentions" "$TMPD/metrics" \
		"keluh_mentions_total{source=\"${s%:*}\"} ${s#*:}"
done
is "mastodon: the reply to a post that is no complaint is unmatched" \
	"$(metric_value 'keluh_public_replies_unmatched_total{source="masto"}')" 1
is "x: its reply matched" "$(metric_value 'keluh_public_replies_unmatched_total{source="xs"}')" 0
is "reddit: both replies matched" "$(metric_value 'keluh_public_replies_unmatched_total{source="rcom"}')" 0
is "no source without brand replies has the counter" \
	"$(metric_value 'keluh_public_replies_total{source="rnew"}')" 0
for s in masto xs rnew; do
	contains "$s: the brand's post that answers nothing is skipped and counted" "$TMPD/metrics" \
		"keluh_source_skipped_total{source=\"$s\",kind=\"brand_post\"} 1"
done
contains "mastodon: the edit of the brand's reply is skipped, not a second reply" "$TMPD/metrics" \
	'keluh_source_skipped_total{source="masto",kind="brand_edit"} 1'

contains "mastodon: the reply is logged" "$klog" \
	"source masto: public reply to $M:300 by @DompetKu_Care at 2026-11-22T10:00:01Z"
contains "x: the reply is logged" "$klog" \
	"source xs: public reply to x:500 by @dompetku_care at 2026-11-22T10:35:21Z"
contains "reddit: the reply to a comment is logged" "$klog" \
	"source rcom: public reply to reddit:t1_k001 by /u/Dompetku_Care at 2026-11-18T11:08:40Z"
contains "reddit: the reply to a post is logged" "$klog" \
	"source rcom: public reply to reddit:t3_1h001z by /u/Dompetku_Care at 2026-11-18T11:09:40Z"
lacks "the unmatched reply is not logged as one" "$klog" "public reply to $M:299"
stop_keluhd

# config errors: file:line:col, what is wrong and where the key belongs
cat >"$TMPD/bad.yaml" <<Y
sources:
  - name: feed
    type: rss
    url: http://127.0.0.1:1/feed
    brand_accounts: ["@dk"]
  - name: xs
    type: x
    token_file: x.token
    brand_accounts: ["@dk", ""]
  - name: r
    type: reddit
    subreddits: [acme]
    client_id: acmeapp
    client_secret_file: reddit.secret
    brand_accounts: [u/dk]
Y
"$KELUHD" --check -c "$TMPD/bad.yaml" >"$TMPD/bad.out" 2>&1
is "--check rejects bad brand_accounts" "$?" 1
contains "brand_accounts on rss names the types that take it" "$TMPD/bad.out" \
	"bad.yaml:5:5: error: source 'feed': rss sources take no 'brand_accounts' (mastodon, x and reddit sources take it)"
contains "an empty handle" "$TMPD/bad.out" \
	"bad.yaml:9:29: error: brand_accounts: an empty handle; write the account as @name, like @dompetku_care"
contains "a Reddit name too short" "$TMPD/bad.out" \
	"bad.yaml:15:22: error: brand_accounts: 'u/dk' is not a Reddit user name"
is "no other error" "$(grep -c ': error: ' "$TMPD/bad.out")" 3

done_testing
