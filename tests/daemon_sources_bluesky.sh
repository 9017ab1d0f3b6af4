#!/bin/sh
# The bluesky source (Jetstream over a WebSocket) against a fake Jetstream
# on 127.0.0.1 (tests/fake_jetstream.py: the server side of RFC 6455,
# checking that keluhd masks its frames).
#
# Posts become mentions with their fields (handle from an identity event,
# link facets written out, reply_to, lang); updates, deletes, accounts and
# other collections are skipped and counted; a complaint becomes an alert;
# a drop reconnects from the cursor minus rewind with no duplicate; a
# restart resumes from the saved cursor; a message over max_event is
# refused and counted; an unreachable server raises "failing"; SIGTERM
# with the WebSocket thread running exits cleanly.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

EV=$TMPD/events.ndjson
: >"$EV"
start_peer js fake_jetstream.py --events "$EV"
start_sink hook
start_sink ops
write_login_rules

# a free port with nobody on it: the unreachable server
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

write_conf "$TMPD/c.yaml" <<Y
health_receivers: [ops]
sources:
  - name: bsky
    type: bluesky
    url: ws://127.0.0.1:$js_port/subscribe
    collections: [app.bsky.feed.post, app.bsky.feed.like]
    dids: [did:plc:budi0000000000000000000a, did:plc:sari0000000000000000000b]
    rewind: 5s
    max_event: 64KB
    reconnect: 200ms
  - name: gone
    type: bluesky
    url: ws://127.0.0.1:$DEAD/subscribe
    reconnect: 200ms
    backoff_max: 1s
    alert_after: 1s
$(conf_alert_each hook /h ops /o)
Y
"$KELUHD" --check -c "$TMPD/c.yaml" >"$TMPD/check.out" 2>&1
is "--check accepts a bluesky source" "$?" 0
start_keluhd "$TMPD/c.yaml"
is "keluhd starts" "$?" 0

conns() { grep -c '"path": "/subscribe"' "$js_log"; }
wait_until 10 'test "$(conns)" -ge 1'
is "keluhd connects to Jetstream" "$(conns)" 1
python3 - "$js_log" >"$TMPD/q.out" <<'PY'
import json, sys
c = [json.loads(l) for l in open(sys.argv[1]) if '"path"' in l][0]
print(c["cursor"], c["query"].get("wantedCollections"), c["query"].get("wantedDids"))
PY
is "the first connection has no cursor and asks for the collections and dids" "$(cat "$TMPD/q.out")" \
	"None ['app.bsky.feed.post', 'app.bsky.feed.like'] ['did:plc:budi0000000000000000000a', 'did:plc:sari0000000000000000000b']"
wait_until 10 'grep -q "\"pong\"" "$js_log"'
contains "keluhd answers the ping with a masked pong" "$js_log" '"pong": true, "masked": true, "payload": "hi"'

# events: shapes from the Jetstream README (commit, identity, account) and
# the app.bsky.feed.post lexicon (facets over UTF-8 byte ranges, reply, langs)
T0=1765000000000000
ev() { python3 "$TMPD/ev.py" "$@" >>"$EV"; }
cat >"$TMPD/ev.py" <<'PY'
import json, sys
T0 = 1765000000000000
kind, n = sys.argv[1], int(sys.argv[2])
did = sys.argv[3] if len(sys.argv) > 3 else "did:plc:budi0000000000000000000a"
t = T0 + n * 1000000
if kind == "identity":
    e = {"did": did, "time_us": t, "kind": "identity",
         "identity": {"did": did, "handle": "budi.bsky.social", "seq": 1409752997,
                      "time": "2026-12-06T10:00:00.000Z"}}
elif kind == "account":
    e = {"did": did, "time_us": t, "kind": "account",
         "account": {"active": True, "did": did, "seq": 1409753013,
                     "time": "2026-12-06T10:00:00.000Z"}}
elif kind in ("update", "delete"):
    e = {"did": did, "time_us": t, "kind": "commit",
         "commit": {"rev": "3l3qo2vutsw2b", "operation": kind, "collection": "app.bsky.feed.post",
                    "rkey": "p%d" % n}}
    if kind == "update":
        e["commit"]["record"] = {"$type": "app.bsky.feed.post", "text": "login (edited)",
                                 "createdAt": "2026-12-06T10:00:00.000Z"}
elif kind == "like":
    e = {"did": did, "time_us": t, "kind": "commit",
         "commit": {"rev": "3l3qo2vutsw2b", "operation": "create",
                    "collection": "app.bsky.feed.like", "rkey": "l%d" % n,
                    "record": {"$type": "app.bsky.feed.like", "createdAt": "2026-12-06T10:00:00.000Z",
                               "subject": {"uri": "at://did:plc:x/app.bsky.feed.post/1", "cid": "bafy"}},
                    "cid": "bafyreia"}}
else:
    text = sys.argv[4] if len(sys.argv) > 4 else "post %d" % n
    rec = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-12-06T10:00:%02d.000Z" % (n % 60),
           "langs": ["id", "en"]}
    if kind == "link":
        # "cek status.acme.example/inc... 😡 @acme": the app shortens the link text
        text = "gak bisa login, cek status.acme.example/inc... \U0001F621 @acme.bsky.social"
        b = text.encode()
        s = b.index(b"status.acme")
        m = b.index(b"@acme")
        rec["text"] = text
        rec["facets"] = [
            {"index": {"byteStart": s, "byteEnd": s + len("status.acme.example/inc...")},
             "features": [{"$type": "app.bsky.richtext.facet#link",
                           "uri": "https://status.acme.example/incidents/12345"}]},
            {"index": {"byteStart": m, "byteEnd": len(b)},
             "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:acme"}]},
            {"index": {"byteStart": 5000, "byteEnd": 5010},
             "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://out.example"}]}]
        rec["reply"] = {"root": {"uri": "at://did:plc:acme/app.bsky.feed.post/root1", "cid": "bafyr"},
                        "parent": {"uri": "at://did:plc:acme/app.bsky.feed.post/par1", "cid": "bafyp"}}
    e = {"did": did, "time_us": t, "kind": "commit",
         "commit": {"rev": "3l3qo2vutsw2b", "operation": "create", "collection": "app.bsky.feed.post",
                    "rkey": "p%d" % n, "record": rec, "cid": "bafyreidfayvfuwqa7qlnop"}}
print(json.dumps(e, ensure_ascii=False))
PY

B=did:plc:budi0000000000000000000a
S=did:plc:sari0000000000000000000b
ev identity 1
ev link 2
ev post 3 "$S" "makan siang enak"
ev update 4
ev delete 5
ev account 6
ev like 7
ev post 8 "$S" "aplikasi error terus, login gagal"

alerted() { alert_ids | sort | tr '\n' ' '; }
# add ID: want gets one more id, kept sorted like alerted
add() { want=$(printf '%s\n' $want "$1" | sort | tr '\n' ' '); }
AT=bluesky:at://
want=
add "${AT}$B/app.bsky.feed.post/p2"
add "${AT}$S/app.bsky.feed.post/p8"
wait_until 15 'test "$(alerted)" = "$want"'
is "the complaints became alerts (the other post only a mention)" "$(alerted)" "$want"
wait_until 10 'test "$(metric_value "keluh_mentions_total{source=\"bsky\"}")" = 3'
is "every post became a mention" "$(metric_value 'keluh_mentions_total{source="bsky"}')" 3

python3 - "$hook_log" >"$TMPD/m.out" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    for m in json.loads(json.loads(line)["body"])["alert"]["mentions"]:
        print("\t".join(str(m.get(k)) for k in ("id", "url", "lang", "reply_to", "created_at")),
              (m.get("author") or {}).get("handle"), json.dumps(m["text"], ensure_ascii=False), sep="\t")
PY
contains "a post's id, url, lang, reply_to and created_at" "$TMPD/m.out" \
	"${AT}$B/app.bsky.feed.post/p2	https://bsky.app/profile/$B/post/p2	id	${AT}did:plc:acme/app.bsky.feed.post/par1	2026-12-06T10:00:02.000Z"
contains "the handle comes from the identity event; a link facet's text becomes its full URI" "$TMPD/m.out" \
	"@budi.bsky.social	\"gak bisa login, cek https://status.acme.example/incidents/12345 😡 @acme.bsky.social\""
contains "without an identity event the author is the did" "$TMPD/m.out" \
	"$S	\"aplikasi error terus, login gagal\""
curl -s "$URL/metrics" >"$TMPD/metrics"
for k in update delete account collection identity; do
	contains "a skipped $k is counted" "$TMPD/metrics" "keluh_source_skipped_total{source=\"bsky\",kind=\"$k\"} 1"
done

# a drop: the reconnection asks for the last time_us minus rewind (5 s);
# the replayed posts are not taken twice, the new one is taken
echo '{"_ctl": "drop", "id": 1}' >>"$EV"
ev post 9 "$B" "login masih gagal sesudah putus"
add "${AT}$B/app.bsky.feed.post/p9"
wait_until 15 'test "$(alerted)" = "$want"'
is "after a drop the new post comes" "$(alerted)" "$want"
cursors() { python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["cursor"]) for l in open(sys.argv[1]) if "\"path\"" in l))' "$js_log"; }
is "the reconnection resumes from the cursor minus rewind" "$(cursors)" "None $((T0 + 8000000 - 5000000))"
is "no duplicate reaches the daemon" "$(metric_value 'keluh_mentions_duplicate_total{source="bsky"}')" 0
is "the replayed posts (p3, p8) were dropped by URI" "$(metric_value 'keluh_source_skipped_total{source="bsky",kind="seen_before"}')" 2
is "the reconnection is counted" "$(metric_value 'keluh_source_reconnects_total{source="bsky"}')" 1

# a message over max_event (64KB) is refused and counted; the next post comes
echo '{"_ctl": "big", "size": 300000, "id": 2}' >>"$EV"
ev post 10 "$S" "login error lagi"
add "${AT}$S/app.bsky.feed.post/p10"
wait_until 15 'test "$(alerted)" = "$want"'
is "a post after a message too long is still taken" "$(alerted)" "$want"
is "the message too long is counted" "$(metric_value 'keluh_source_errors_total{source="bsky",kind="too_long"}')" 1
contains "... and logged" "$klog" "source bsky: a message of 300000 bytes or more is over max_event (65536)"
is "the connection stayed up" "$(conns)" 2

# the unreachable server: failing, one operational alert
health() {
	python3 - "$ops_log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(json.loads(line)["body"])["alert"]
    print(a["health"]["source"], a["health"]["state"])
PY
}
wait_until 15 'health | grep -q "gone failing"'
is "an unreachable Jetstream raises failing" "$(health | sort -u | tr '\n' ' ')" "gone failing "
contains "... and the connection error is logged" "$klog" "source gone: "
is "the source that works raised nothing" "$(health | grep -c bsky)" 0

# SIGTERM with the WebSocket threads running (one connected, one retrying)
stop_keluhd
lacks "no ASan or leak report" "$klog" "ERROR: AddressSanitizer"

# a restart: a post came while keluhd was down; the saved cursor brings it
ev post 11 "$B" "login gagal waktu keluhd mati"
start_keluhd "$TMPD/c.yaml" "$TMPD/keluhd2.log"
add "${AT}$B/app.bsky.feed.post/p11"
wait_until 15 'test "$(alerted)" = "$want"'
is "after a restart the post missed comes" "$(alerted)" "$want"
is "the restart resumes from the saved cursor minus rewind" "$(cursors | cut -d' ' -f3)" \
	"$((T0 + 10000000 - 5000000))"
is "each complaint alerted once" "$(alert_ids | sort | uniq -d | wc -l | tr -d ' ')" 0
is "the replayed posts the last run took were skipped (p8, p9, p10)" \
	"$(metric_value 'keluh_source_skipped_total{source="bsky",kind="seen_before"}')" 3

# a reload that changes the source: the old one (its connection, its
# place on the WebSocket thread) is freed, the new one resumes from the cursor
sed 's/rewind: 5s/rewind: 7s/' "$TMPD/c.yaml" >"$TMPD/c2.yaml" && mv "$TMPD/c2.yaml" "$TMPD/c.yaml"
kill -HUP "$KPID"
wait_until 15 'test "$(conns)" -ge 4'
is "after a reload the changed source connects again" "$(conns)" 4
is "... from the cursor minus the new rewind" "$(cursors | cut -d' ' -f4)" "$((T0 + 11000000 - 7000000))"
ev post 12 "$S" "login gagal sesudah reload"
add "${AT}$S/app.bsky.feed.post/p12"
wait_until 15 'test "$(alerted)" = "$want"'
is "... and takes new posts, none twice" "$(alerted)" "$want"
stop_keluhd

# bad configuration: a clear message for each
write_conf "$TMPD/bad.yaml" <<Y
sources:
  - {name: b1, type: bluesky, url: "https://jetstream.example/subscribe"}
  - {name: b2, type: bluesky, collections: ["app bsky"]}
  - {name: b3, type: bluesky, dids: [bob]}
  - {name: b4, type: bluesky, rewnd: 5s}
Y
"$KELUHD" --check -c "$TMPD/bad.yaml" >"$TMPD/bad.out" 2>&1
is "--check refuses bad bluesky keys" "$?" 1
contains "a url that is not ws:// or wss://" "$TMPD/bad.out" "url: 'https://jetstream.example/subscribe' must start with wss:// or ws://"
contains "a bad collection" "$TMPD/bad.out" "collections: 'app bsky' is not a collection NSID"
contains "a bad did" "$TMPD/bad.out" "dids: 'bob' is not a DID"
contains "a misspelt key" "$TMPD/bad.out" "did you mean 'rewind'"

done_testing
