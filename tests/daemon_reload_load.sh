#!/bin/sh
# Reloads under a steady ingest load: every complaint answered 202 reaches
# the sink exactly once (none lost, none classified or alerted twice), and
# the rules in force change with each reload.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink rl
write_rules <<'Y'
rules:
  - id: t.login
    team: tech
    score: 40
    when: {keywords: [login]}
Y
write_conf "$TMPD/c.yaml" <<Y
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$rl_port/hook", max_concurrency: 8, rate: 1000/s}
routes:
  - {receivers: [hook]}
$(conf_at_once)
Y
start_keluhd "$TMPD/c.yaml"

# the load: 200 requests of 5 complaints each, one after the other
python3 - "$KPORT" >"$TMPD/load.out" 2>&1 <<'PY' &
import http.client, json, sys
port = int(sys.argv[1])
accepted = 0
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
for b in range(200):
    body = "".join(json.dumps({"id": "r%d-%d" % (b, i), "text": "cannot login, batch %d" % b}) + "\n"
                   for i in range(5))
    c.request("POST", "/v1/mentions", body, {"Content-Type": "application/x-ndjson"})
    r = c.getresponse()
    data = r.read()
    if r.status == 202:
        accepted += json.loads(data)["complaints"]
print(accepted)
PY
LOADPID=$!
# reload five times while the load runs, alternating two rule sets that both match
n=0
while kill -0 "$LOADPID" 2>/dev/null && [ $n -lt 5 ]; do
	n=$((n + 1))
	printf '  - id: t.extra%d\n    team: tech\n    score: 1\n    when: {keywords: [zz%d]}\n' "$n" "$n" >>"$TMPD/rules.d/10.yaml"
	kill -HUP "$KPID"
	wait_for 10 grep -q "reloaded: $((n + 1)) rules" "$TMPD/keluhd.log"
done
wait "$LOADPID"
is "reloads happened during the load" "$(grep -c 'reloaded:' "$TMPD/keluhd.log")" 5
accepted=$(cat "$TMPD/load.out")
is "every complaint was answered 202" "$accepted" 1000
wait_for 60 sh -c "python3 -c 'import json,sys
ids=[m[\"id\"] for l in open(sys.argv[1]) for m in json.loads(json.loads(l)[\"body\"])[\"alert\"][\"mentions\"]]
sys.exit(0 if len(set(ids)) >= 1000 else 1)' $rl_log"
python3 - "$rl_log" >"$TMPD/count" <<'PY'
import json, sys
ids = [m["id"] for l in open(sys.argv[1]) for m in json.loads(json.loads(l)["body"])["alert"]["mentions"]]
keys = [json.loads(l)["headers"]["webhook-id"] for l in open(sys.argv[1])]
print(len(set(ids)), len(ids) - len(set(ids)), len(keys) - len(set(keys)))
PY
set -- $(cat "$TMPD/count")
is "every accepted complaint reached the sink" "$1" 1000
is "no mention was alerted twice" "$2" 0
is "no delivery was sent twice" "$3" 0
stop_keluhd
done_testing
