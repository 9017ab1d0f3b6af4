#!/bin/sh
# Three keluhd on one PostgreSQL spool (tests/pg_lib.sh's throw-away
# cluster) and one webhook sink that answers some requests 500 or 429:
# 10,000 complaints are posted round-robin to the three, in batches; one
# daemon (the leader) is SIGKILLed mid-storm, a second is stopped (SIGTERM) and
# started again. Every complaint answered 202 is delivered in one alert
# the sink answered 200, and a delivery is sent twice only when the
# killed daemon held its lease at the kill: the number sent twice is
# printed, and must not pass the number the killed daemon had in flight.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
. "$top_srcdir/tests/pg_lib.sh"

pg_start

N=${HA_COMPLAINTS:-10000}
BATCH=100

# a few failures, spread out, so every daemon retries some deliveries while
# the others go on, and slow answers ("hang": 200 after 1 s), so that some
# are in flight whenever the kill comes; then 200 for the rest. The
# timeout is well above the hang, so that a slow answer on a busy machine
# is not taken for a failure and sent again (that would be a second
# sending the kill did not cause)
plan=$(python3 -c 'print(",".join("500" if i % 41 == 7 else "429" if i % 67 == 13 else
	"hang" if i % 29 == 3 else "200" for i in range(3000)))')
start_sink hook --plan "$plan" --retry-after 1 --hang-seconds 1
write_login_rules
for i in 1 2 3; do
	cat >"$TMPD/c$i.yaml" <<Y
rules: rules.d
http:
  listen: 127.0.0.1:0
spool:
  postgresql: "$PG_CONNINFO"
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$hook_port/hook", max_concurrency: 8,
     rate: 2000/s, timeout: 5s}
routes:
  - {receivers: [hook]}
duplicates: {same_text: 0}
grouping:
  by: [author]
  first_alert_after: {critical: 0s, high: 0s, normal: 0s, low: 0s}
  updates_at_most_every: 1s
  urgent_updates_at_most_every: 1s
  samples: 1000
Y
done

# start N: daemon N (its conf and log), its pid in pidN and its URL in urlN
start() {
	start_keluhd "$TMPD/c$1.yaml" "$TMPD/k$1.$2.log" || return 1
	eval "pid$1=\$KPID; url$1=\$URL"
}
# urls: what the poster posts to, one line a daemon, "-" for those in $down
down=
urls() {
	for _i in 1 2 3; do
		case " $down " in
		*" $_i "*) echo - ;;
		*) eval "echo \$url$_i" ;;
		esac
	done >"$TMPD/urls.tmp" && mv "$TMPD/urls.tmp" "$TMPD/urls"
}

start 1 a && start 2 a && start 3 a
is "three daemons start on one database" "$?" 0
urls
# the leader (it groups for all) is the one killed; the next one is restarted
wait_until 20 '[ -n "$(psql_int "SELECT pid FROM keluh_daemons WHERE leader")" ]'
lpid=$(psql_int "SELECT pid FROM keluh_daemons WHERE leader")
k=1
for i in 1 2 3; do
	eval "[ \"\$pid$i\" = \"$lpid\" ]" && k=$i
done
r=$((k % 3 + 1))
echo "# daemon $k is the leader"

# The storm: batches of BATCH complaints round-robin to the daemons up;
# the ids of every batch answered 202 go to accepted, the batches done to
# progress.
: >"$TMPD/accepted"
python3 - "$TMPD/urls" "$TMPD/accepted" "$TMPD/progress" "$N" "$BATCH" <<'PY' &
import sys, urllib.request, urllib.error
urls_file, accepted, progress, n, batch = sys.argv[1:4] + [int(sys.argv[4]), int(sys.argv[5])]
acc = open(accepted, "a", buffering=1)
AUTHOR = 20
k = 0
for start in range(0, n, batch):
    ids = ["ha%05d" % i for i in range(start, min(n, start + batch))]
    # AUTHOR complaints of one author come one after the other: one alert each, mostly
    body = "".join('{"id":"ha%05d","text":"cannot login to my account, case %d",'
                   '"author":{"handle":"user%d"}}\n' % (i, i, i // AUTHOR)
                   for i in range(start, min(n, start + batch))).encode()
    urls = [u for u in open(urls_file).read().split() if u != "-"]
    url = urls[k % len(urls)]
    k += 1
    req = urllib.request.Request(url + "/v1/mentions", data=body,
                                 headers={"Content-Type": "application/x-ndjson"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            if r.status == 202:
                acc.write("\n".join(ids) + "\n")
    except (urllib.error.URLError, OSError):
        pass
    with open(progress + ".tmp", "w") as f:
        f.write(str(min(n, start + batch)))
    import os
    os.rename(progress + ".tmp", progress)
PY
poster=$!

posted() {
	cat "$TMPD/progress" 2>/dev/null || echo 0
}

# leased: the deliveries daemon N holds a lease of and has not settled
leased() {
	eval "_pid=\$pid$1"
	psql_int "SELECT count(*) FROM deliveries WHERE state = 0 AND lease_owner LIKE '%:$_pid:%'"
}
# mid-storm, with deliveries in flight: the leader is killed
wait_until 60 '[ "$(posted)" -ge $((N * 3 / 10)) ]'
wait_until 30 '[ "$(leased $k)" -gt 0 ]'
eval "kpid=\$pid$k"
kill -KILL "$kpid"
wait "$kpid" 2>/dev/null
down=$k
urls
# what it leased and had not settled: the only deliveries that may go twice
inflight=$(leased $k)
echo "# in flight on the killed daemon at the kill: $inflight"

# another is stopped and started again, still mid-storm
wait_until 60 '[ "$(posted)" -ge $((N * 6 / 10)) ]'
down="$k $r"
urls
eval "KPID=\$pid$r"
stop_keluhd
start $r b
is "the stopped daemon starts again" "$?" 0
down=$k
urls

wait "$poster"
accepted=$(grep -c . "$TMPD/accepted")
echo "# $accepted of $N complaints answered 202"
[ "$accepted" -ge $((N / 2)) ]
is "most complaints are answered 202 ($accepted)" "$?" 0

# delivered: the accepted ids not yet in an alert the sink answered 200
undelivered() {
	python3 - "$hook_log" "$TMPD/accepted" <<'PY'
import json, sys
got = set()
for line in open(sys.argv[1]):
    rec = json.loads(line)
    if rec["answer"] not in ("200", "hang"):
        continue
    for m in json.loads(rec["body"])["alert"]["mentions"]:
        got.add(m["id"])
print(sum(1 for i in open(sys.argv[2]) if i.strip() and i.strip() not in got))
PY
}
# the killed daemon's leases expire after the receiver's timeout + 10 s
wait_until 40 '[ "$(undelivered)" = 0 ]'
is "every complaint answered 202 is delivered in an alert" "$(undelivered)" 0
wait_until 20 '[ "$(psql_int "SELECT count(*) FROM deliveries WHERE state <> 1")" = 0 ]'
is "no delivery is left pending or dead" "$(psql_int "SELECT count(*) FROM deliveries WHERE state <> 1")" 0

twice=$(python3 - "$hook_log" <<'PY'
import json, sys
ok = {}
for line in open(sys.argv[1]):
    rec = json.loads(line)
    if rec["answer"] in ("200", "hang"):
        k = rec["headers"]["webhook-id"]
        ok[k] = ok.get(k, 0) + 1
print(sum(1 for v in ok.values() if v > 1))
PY
)
# grouping runs on one leader: whichever daemon took a complaint, it joins one alert
inboth=$(python3 - "$hook_log" <<'PY'
import json, sys
seen = {}
for line in open(sys.argv[1]):
    rec = json.loads(line)
    if rec["answer"] in ("200", "hang"):
        for m in json.loads(rec["body"])["alert"]["mentions"]:
            seen.setdefault(m["id"], set()).add(rec["headers"]["webhook-id"])
print(sum(1 for v in seen.values() if len(v) > 1))
PY
)
is "no complaint is carried by two alerts" "$inboth" 0
failed=$(grep -c '"answer": "\(500\|429\)"' "$hook_log")
echo "# deliveries sent twice: $twice (in flight at the kill: $inflight); 500 and 429 answered: $failed"
[ "$twice" -le "$inflight" ]
is "sent twice at most as many as were in flight at the kill ($twice <= $inflight)" "$?" 0
[ "$failed" -gt 0 ]
is "the sink refused some ($failed), so some were retried" "$?" 0
owners=$(psql_int "SELECT count(DISTINCT lease_owner) FROM deliveries WHERE lease_owner IS NOT NULL")
is "no lease is left once every delivery is settled" "$owners" 0

for i in 1 2 3; do
	[ "$i" = "$k" ] && continue
	eval "KPID=\$pid$i"
	stop_keluhd
done
done_testing
