#!/bin/sh
# keluhd killed with SIGKILL in the middle of deliveries, then restarted:
# every alert whose mention was answered 202 arrives (at least once; the
# idempotency key lets the sink see duplicates), and the groups that had
# not alerted yet are rebuilt from the spool, saying what their rules said
# when the mentions came in, from rows of this version and of the last.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink sk --plan hang,hang,hang,hang --hang-seconds 60
write_conf "$TMPD/c.yaml" "$top_srcdir/packs/core" <<Y
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$sk_port/hook", max_concurrency: 4, timeout: 30s}
routes:
  - {receivers: [hook]}
$(conf_at_once)
Y
start_keluhd "$TMPD/c.yaml" "$TMPD/k1.log"
accepted=0
for b in 1 2 3 4; do
	body=
	for i in 1 2 3 4 5; do
		body="$body{\"id\":\"k$b-$i\",\"text\":\"gak bisa login dari pagi, sudah $b$i kali coba\"}
"
	done
	r=$(post "$body")
	case $r in "202 "*) accepted=$((accepted + 5)) ;; esac
done
is "20 complaints answered 202" "$accepted" 20
wait_for 20 sh -c "[ \$(wc -l <$sk_log) -ge 4 ]"
is "four deliveries are hanging in flight" "$(count_lines "$sk_log")" 4
kill -KILL "$KPID"
wait "$KPID" 2>/dev/null

# one more: a group that has not alerted when the daemon dies
sed -i 's/high: 0s, normal: 0s, low: 0s/high: 2s, normal: 2s, low: 2s/' "$TMPD/c.yaml"
start_keluhd "$TMPD/c.yaml" "$TMPD/k2.log"
r=$(post '{"id":"late-1","text":"paket belum sampai seminggu, kecewa banget"}
{"id":"late-2","text":"paket belum sampai udah seminggu, kurirnya gak jelas"}')
is "complaints waiting in their groups: 202" "${r%% *}" 202
kill -KILL "$KPID"
wait "$KPID" 2>/dev/null

# late-1's row as schema 3 wrote it (its rules' texts inline), and the
# rules' descriptions edited before the restart
python3 - "$TMPD/c.db" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
texts = dict(db.execute("SELECT id, json FROM rule_texts"))
rowid, row = db.execute("SELECT id, json FROM mentions WHERE mention_id = 'late-1'").fetchone()
row = json.loads(row)
row["rule_info"] = [json.loads(texts[i]) for i in row.pop("rule_refs")]
db.execute("UPDATE mentions SET json = ? WHERE id = ?", (json.dumps(row), rowid))
# and without what schemas 5 and 6 added (the mention id index, cases)
db.executescript("DROP INDEX alerts_case; ALTER TABLE alerts DROP COLUMN case_id; "
                 "DROP TABLE case_messages; DROP TABLE case_events; DROP TABLE cases; "
                 "DROP TABLE meta; DROP INDEX mentions_id")
db.execute("PRAGMA user_version = 3")
db.commit()
PY
cp -R "$top_srcdir/packs/core" "$TMPD/rules.d"
chmod -R u+w "$TMPD/rules.d"
sed -i 's/description: /description: EDITED /' "$TMPD"/rules.d/*.yaml
sed -i "s|^rules: .*|rules: $TMPD/rules.d|" "$TMPD/c.yaml"
start_keluhd "$TMPD/c.yaml" "$TMPD/k3.log"
grep -q 'restored 2 pending complaint' "$TMPD/k3.log"
is "the waiting complaints are restored at start" "$?" 0
keys() {
	python3 - "$sk_log" <<'PY'
import json, sys
ok = set(); seen = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    k = r["headers"].get("webhook-id")
    seen.append(k)
    if r["answer"] == "200":
        ok.add(k)
print(len(ok), len(seen) - len(set(seen)))
PY
}
wait_for 60 sh -c "[ \"\$(python3 -c 'import json,sys
print(len({json.loads(l)[\"headers\"][\"webhook-id\"] for l in open(sys.argv[1]) if json.loads(l)[\"answer\"]==\"200\"}))' $sk_log)\" -ge 22 ]"
set -- $(keys)
is "after the restart all 22 alerts arrived" "$1" 22
python3 - "$sk_log" >"$TMPD/desc" <<'PY'
import json, sys
for late in ("late-1", "late-2"):
    for line in open(sys.argv[1]):
        r = json.loads(line)
        if r["answer"] == "200" and '"%s"' % late in r["body"]:
            ri = json.loads(r["body"])["alert"]["rule_info"]
            d = [x.get("description") or "" for x in ri]
            print(late, len(d) > 0 and all(d) and not any("EDITED" in x for x in d))
            break
PY
is "the restored alerts carry their rules' descriptions from before the edit" \
    "$(cat "$TMPD/desc" | tr '\n' ' ')" "late-1 True late-2 True "
[ "$2" -ge 4 ]
is "the sink saw the retried ones again under the same key ($2 duplicates)" "$?" 0
n=$("$KELUHCTL" queue --json --spool "$TMPD/c.db" | wc -l)
is "nothing is left in the queue" "$n" 0
stop_keluhd

done_testing
