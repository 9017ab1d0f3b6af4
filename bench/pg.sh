#!/bin/sh
# bench/pg.sh: several keluhd on one PostgreSQL spool (make bench runs it
# after run.sh). On a throw-away PostgreSQL cluster (initdb in a temporary
# directory, a Unix socket only, the server's defaults: fsync and
# synchronous_commit on), in one run:
#   - ingest: mentions/s accepted by 1, 2 and 3 keluhd on one database
#     (each on a fresh database, one bench_ingest per daemon posting
#     BENCH_PGB_BATCH mentions per POST over BENCH_PGB_CONNS connections
#     for BENCH_PGB_SECONDS), beside one keluhd on a SQLite spool; the
#     sum of what every daemon answered 202 over the longest run's time;
#     BENCH_PGB_ROUNDS rounds of the four, one after the other, and the
#     median round of each (a run's rate moves by a fifth from one run to
#     the next on a shared 2-core machine); after each run on PostgreSQL,
#     the complaints still waiting for the leader's claim and the time it
#     takes to claim them, the load gone;
#   - sustained: 3 daemons for BENCH_PGB_SUSTAIN_SECONDS, first as fast
#     as they take, then asked for BENCH_PGB_SUSTAIN_RATE mentions/s
#     together (bench_ingest --rate, a third each): what they accepted,
#     and the complaints waiting for the leader's claim at a third, two
#     thirds and the end of the run and the most seen (sampled each
#     second; a count that grows says the leader does not keep up);
#   - alert latency with 3 daemons: from the 202 of a critical mention
#     (posted to the daemons in turn) to its alert's arrival at a webhook
#     sink on 127.0.0.1 (bench_ingest alert), p50/p99, with background
#     load; alerts that arrived twice are printed;
#   - source failover: 3 daemons on one database with one SSE source (the
#     tests' stream_server.py on 127.0.0.1, 50 events/s, resumed after
#     Last-Event-ID); the owner of the stream is SIGKILLed
#     BENCH_PGB_FAILOVERS times, each time once it has committed 25 more
#     mentions, and started again as a spare; each time, from the kill to
#     the first mention row the next owner commits (the database polled
#     every 20 ms), median and max; then, the last owner given the rest at
#     once, the stream's events against the rows: lost and counted twice.
# Nothing is pinned: the daemons, the server and the load generators share
# the machine's cores. Figures only: nothing fails on a missed target.
# Knobs: BENCH_PGB_SECONDS (10), BENCH_PGB_ROUNDS (3), BENCH_PGB_SUSTAIN_RATE
# (100000), BENCH_PGB_SUSTAIN_SECONDS (30), BENCH_PGB_SERVER_OPTS (more
# postgres -c options, none by default), BENCH_PGB_BATCH (1000), BENCH_PGB_CONNS
# (2 per daemon), BENCH_PGB_ALERT_COUNT (1000), BENCH_PGB_ALERT_RATE
# (200), BENCH_PGB_ALERT_BG_RATE (10000), BENCH_PGB_FAILOVERS (5),
# BENCH_SPOOL_DIR (${TMPDIR:-/tmp}), PYTHON.
set -u
# absolute: the daemons resolve a relative rules: against their config's
# directory, a temporary one
top_builddir=$(cd "${top_builddir:-.}" && pwd) || exit 1
top_srcdir=$(cd "${top_srcdir:-$(dirname "$0")/..}" && pwd) || exit 1
SECONDS_=${BENCH_PGB_SECONDS:-10}
ROUNDS=${BENCH_PGB_ROUNDS:-3}
SERVER_OPTS=${BENCH_PGB_SERVER_OPTS:-}
SUS_RATE=${BENCH_PGB_SUSTAIN_RATE:-100000}
SUS_SECONDS=${BENCH_PGB_SUSTAIN_SECONDS:-30}
BATCH=${BENCH_PGB_BATCH:-1000}
CONNS=${BENCH_PGB_CONNS:-2}
A_COUNT=${BENCH_PGB_ALERT_COUNT:-1000}
A_RATE=${BENCH_PGB_ALERT_RATE:-200}
A_BG=${BENCH_PGB_ALERT_BG_RATE:-10000}
FO_RUNS=${BENCH_PGB_FAILOVERS:-5}
# the complaints waiting for the leader's claim (their ids, by batch)
WAITING='SELECT coalesce(sum(cardinality(ids)), 0) FROM waiting_batches'
FO_EACH=25
FO_GAP=0.02
case $FO_RUNS in
'' | *[!0-9]*) echo "bench/pg.sh: BENCH_PGB_FAILOVERS: '$FO_RUNS' is not a count"; exit 1 ;;
esac
for v in "$SUS_RATE" "$SUS_SECONDS"; do
	case $v in
	'' | *[!0-9]* | 0) echo "bench/pg.sh: BENCH_PGB_SUSTAIN_RATE and _SECONDS: '$v' is not a count of 1 or more"; exit 1 ;;
	esac
done
case $ROUNDS in
'' | *[!0-9]* | 0) echo "bench/pg.sh: BENCH_PGB_ROUNDS: '$ROUNDS' is not a count of 1 or more"; exit 1 ;;
esac
PY=${PYTHON:-python3}
keluhd=$top_builddir/keluhd
keluhctl=$top_builddir/keluhctl
bench_ingest=$top_builddir/bench/bench_ingest
rules=$top_srcdir/packs/core
out=$top_builddir/bench/out
mkdir -p "$out" || exit 1

PG_BIN=
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && PG_BIN=$d
done
echo "== several daemons on one PostgreSQL"
if [ -z "$PG_BIN" ]; then
	echo "  skipped: no PostgreSQL server binaries (install postgresql)"
	exit 0
fi
for f in "$keluhd" "$keluhctl" "$bench_ingest"; do
	[ -x "$f" ] || { echo "bench/pg.sh: $f not found: run make bench"; exit 1; }
done

D=$(mktemp -d "${BENCH_SPOOL_DIR:-${TMPDIR:-/tmp}}/keluh-bench-pgs.XXXXXX") || exit 1
chmod 0755 "$D"
AS=
if [ "$(id -u)" = 0 ]; then
	u=postgres
	id "$u" >/dev/null 2>&1 || u=nobody
	chown "$u" "$D"
	AS="runuser -u $u --"
fi
KPIDS=
LPIDS=
cleanup() {
	for p in $KPIDS $LPIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $KPIDS $LPIDS; do
		wait "$p" 2>/dev/null
	done
	[ -d "$D/data" ] && $AS "$PG_BIN/pg_ctl" -D "$D/data" -m immediate -w stop >/dev/null 2>&1
	cp "$D/server.log" "$out/pgbench-server.log" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

$AS "$PG_BIN/initdb" -D "$D/data" -U keluh --auth=trust -E UTF8 --no-locale >"$D/initdb.log" 2>&1 ||
    { echo "  initdb failed"; cat "$D/initdb.log"; exit 1; }
$AS "$PG_BIN/pg_ctl" -D "$D/data" -l "$D/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$D' -c max_connections=50 $SERVER_OPTS" start >/dev/null ||
    { echo "  the server did not start"; cat "$D/server.log"; exit 1; }
CONNINFO="host=$D dbname=keluh user=keluh"
echo "server:  PostgreSQL $("$PG_BIN/postgres" --version | sed 's/^[^)]*) *\([^ ]*\).*/\1/') on a Unix socket, fsync on, synchronous_commit on${SERVER_OPTS:+, $SERVER_OPTS}"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) on $(getconf _NPROCESSORS_ONLN) cpus; nothing pinned"

fresh_db() {
	"$PG_BIN/dropdb" -h "$D" -U keluh --if-exists keluh >/dev/null 2>&1
	"$PG_BIN/createdb" -h "$D" -U keluh keluh || exit 1
}

# inputs: run.sh's, else made here
ndjson=$out/mentions-200000.ndjson
crit=$out/mentions-200000.critical.ndjson
bgm=$out/mentions-200000.background.ndjson
if [ ! -s "$ndjson" ]; then
	"$PY" "$top_srcdir/bench/gen_corpus.py" --n 200000 --ndjson --out "$ndjson" >/dev/null || exit 1
fi
if [ ! -s "$crit" ] || [ ! -s "$bgm" ]; then
	"$keluhctl" test -r "$rules" --json "$ndjson" >"$D/verdicts" 2>/dev/null
	"$PY" - "$ndjson" "$D/verdicts" "$crit" "$bgm" <<'PY' || exit 1
import json, sys
with open(sys.argv[1]) as fs, open(sys.argv[2]) as fv, open(sys.argv[3], "w") as fc, \
     open(sys.argv[4], "w") as fb:
    for line, v in zip(fs, fv):
        (fc if json.loads(v)["priority"] == "critical" else fb).write(line)
PY
fi

# start_keluhd NAME CONF: its pid in KPID and its port in KPORT; on failure
# says why and returns 1 with KPORT empty
start_keluhd() {
	KPORT=
	: >"$out/pgbench-$1.log"
	"$keluhd" -c "$2" >/dev/null 2>>"$out/pgbench-$1.log" &
	KPID=$!
	KPIDS="$KPIDS $KPID"
	n=0
	until grep -q 'http: port ' "$out/pgbench-$1.log"; do
		n=$((n + 1))
		if [ $n -gt 600 ] || ! kill -0 "$KPID" 2>/dev/null; then
			echo "  ! keluhd $1 did not start:"
			tail -n 3 "$out/pgbench-$1.log" | sed 's/^/  ! /'
			return 1
		fi
		sleep 0.05
	done
	KPORT=$(sed -n 's/.*http: port \([0-9]*\).*/\1/p' "$out/pgbench-$1.log" | tail -n 1)
}

stop_all() {
	for p in $KPIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $KPIDS; do
		wait "$p" 2>/dev/null
	done
	KPIDS=
}

# spool_conf SPOOL-LINES: an ingest config (no receivers, the default grouping)
ingest_conf() {
	cat <<Y
rules: $rules
http:
  listen: 127.0.0.1:0
spool:
$1
# the corpus is replayed with fresh ids: its texts repeat
duplicates:
  same_text: 0
Y
}

getkv() {
	awk -v k="$2" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) v = substr($i, length(k) + 2) }
	    END { print v }' "$1" 2>/dev/null
}

fmt_int() {
	[ -n "$1" ] || { echo n/a; return; }
	echo "$1" | awk '{ s = sprintf("%.0f", $1); o = ""
		while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
		print s o }'
}

# val VALUE [SUFFIX]: VALUE and SUFFIX, or n/a when nothing was measured
val() {
	if [ -n "$1" ] && [ "$1" != n/a ]; then echo "$1${2:-}"; else echo n/a; fi
}

row() {
	printf '  %-54s %14s   %-18s %s\n' "$1" "$2" "$3" "$4"
}

check() {
	[ -n "$1" ] || return 0
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
		ok = (op == ">=") ? (v + 0 >= t + 0) : (v + 0 < t + 0); print ok ? "ok" : "MISS" }'
}

failed=0
# load PREFIX SECONDS [OPTION...]: one bench_ingest ingest per port of $ports
# for SECONDS, with the OPTIONs, its figures in PREFIX-1.txt, PREFIX-2.txt...
load() {
	lp=$1
	ls=$2
	shift 2
	i=0
	for p in $ports; do
		i=$((i + 1))
		"$bench_ingest" ingest --port "$p" "$ndjson" --batch "$BATCH" --conns "$CONNS" \
		    --count 100000000 --seconds "$ls" "$@" >"$lp-$i.txt" 2>"$lp-$i.err" &
		LPIDS="$LPIDS $!"
	done
	for p in $LPIDS; do
		wait "$p" || failed=1
	done
	LPIDS=
}

# ingest NAME N SPOOL-LINES: N daemons on one spool, one load generator each;
# prints the sum's line and leaves it in $out/pgbench-NAME.txt
ingest() {
	ports=
	: >"$out/pgbench-$1.txt"
	for i in $(seq 1 "$2"); do
		ingest_conf "$3" >"$D/$1-$i.yaml"
		start_keluhd "$1-$i" "$D/$1-$i.yaml" || { failed=1; stop_all; return; }
		ports="$ports $KPORT"
	done
	load "$D/$1" "$SECONDS_"
	drain=
	case $3 in
	*postgresql*) drain=$(drain_time) ;;
	esac
	stop_all
	cat "$D/$1"-*.txt | awk -v drain="$drain" '
	{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	  acc += v["accepted"]; err += v["errors"]; if (v["seconds"] > secs) secs = v["seconds"]
	  if (v["req_p99_ms"] > p99) p99 = v["req_p99_ms"]; n++ }
	END { rate = secs > 0 ? acc / secs : 0
	      printf "mode=ingest daemons=%d accepted=%d errors=%d seconds=%.3f mentions_per_s=%.0f req_p99_ms=%.2f%s\n", n, acc, err, secs, rate, p99, drain == "" ? "" : " " drain }' >"$out/pgbench-$1.txt"
	sed 's/^/  /' "$out/pgbench-$1.txt"
	for e in "$D/$1"-*.err; do
		[ -s "$e" ] && tail -n 2 "$e" | sed 's/^/  ! /'
	done
}

# drain_time: once the load has stopped, the complaints waiting for the
# leader's claim and the seconds until none waits (polled every 50 ms, at
# most 120 s), as "waiting=N drain_s=S"
drain_time() {
	w=$("$PG_BIN/psql" -X -Atq -d "$CONNINFO" -c "$WAITING" 2>/dev/null)
	t0=$(date +%s%N)
	n=0
	while [ "$("$PG_BIN/psql" -X -Atq -d "$CONNINFO" -c "$WAITING" 2>/dev/null)" != 0 ] &&
	    [ $n -lt 2400 ]; do
		n=$((n + 1))
		sleep 0.05
	done
	echo "waiting=${w:-n/a} drain_s=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')"
}

# median NAME: of the rounds' $out/pgbench-NAME-rK.txt, the one of the
# median rate (of an even number, the lower middle one) becomes
# $out/pgbench-NAME.txt; prints every round's rate
median() {
	for f in "$out/pgbench-$1"-r*.txt; do
		echo "$(getkv "$f" mentions_per_s) $f"
	done | sort -n >"$D/rates"
	k=$((($(wc -l <"$D/rates") + 1) / 2))
	cp "$(sed -n "${k}p" "$D/rates" | cut -d' ' -f2)" "$out/pgbench-$1.txt"
	cut -d' ' -f1 "$D/rates" | paste -sd' ' -
}

echo "\$ bench_ingest ingest --batch $BATCH --conns $CONNS --seconds $SECONDS_, one per daemon, $ROUNDS round(s)"
rm -f "$out"/pgbench-sqlite-r*.txt "$out"/pgbench-pg[123]-r*.txt
for k in $(seq 1 "$ROUNDS"); do
	rm -f "$D/sqlite.db" "$D/sqlite.db-wal" "$D/sqlite.db-shm"
	echo "round $k: sqlite, 1 daemon:"
	ingest "sqlite-r$k" 1 "  path: $D/sqlite.db"
	for n in 1 2 3; do
		fresh_db
		echo "round $k: postgresql, $n daemon(s):"
		ingest "pg$n-r$k" "$n" "  postgresql: \"$CONNINFO\""
	done
done
RATES_sqlite=$(median sqlite)
for n in 1 2 3; do
	eval "RATES_pg$n=\$(median pg$n)"
done

# sustain NAME RATE: 3 daemons for SUS_SECONDS, asked for RATE mentions/s
# together (0: as fast as they take), the waiting complaints sampled each
# second; the figures in $out/pgbench-NAME.txt
sustain() {
	fresh_db
	: >"$out/pgbench-$1.txt"
	ports=
	sus_up=1
	for i in 1 2 3; do
		ingest_conf "  postgresql: \"$CONNINFO\"" >"$D/$1-$i.yaml"
		if start_keluhd "$1-$i" "$D/$1-$i.yaml"; then
			ports="$ports $KPORT"
		else
			failed=1
			sus_up=0
		fi
	done
	if [ "$sus_up" = 1 ]; then
		(
			k=0
			while :; do
				k=$((k + 1))
				echo "$k $("$PG_BIN/psql" -X -Atq -d "$CONNINFO" -c "$WAITING" 2>/dev/null)"
				sleep 1
			done
		) >"$D/$1-waiting" &
		SP=$!
		if [ "$2" = 0 ]; then
			load "$D/$1-l" "$SUS_SECONDS"
		else
			load "$D/$1-l" "$SUS_SECONDS" --rate $(($2 / 3))
		fi
		kill "$SP" 2>/dev/null
		wait "$SP" 2>/dev/null
		drain=$(drain_time)
		w1=$(awk -v k=$((SUS_SECONDS / 3)) '$1 == k { print $2 }' "$D/$1-waiting")
		w2=$(awk -v k=$((2 * SUS_SECONDS / 3)) '$1 == k { print $2 }' "$D/$1-waiting")
		w3=$(awk 'END { print $2 }' "$D/$1-waiting")
		wmax=$(awk '$2 + 0 > m { m = $2 + 0 } END { print m + 0 }' "$D/$1-waiting")
		cat "$D/$1"-l-*.txt | awk -v drain="$drain" -v asked="$2" -v w="$w1/$w2/$w3" -v wmax="$wmax" '
		{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		  acc += v["accepted"]; err += v["errors"]; if (v["seconds"] > secs) secs = v["seconds"] }
		END { printf "mode=sustain daemons=3 asked_per_s=%d accepted=%d errors=%d seconds=%.3f mentions_per_s=%.0f waiting_thirds=%s waiting_max=%d %s\n", asked, acc, err, secs, (secs > 0 ? acc / secs : 0), w, wmax, drain }' \
		    >"$out/pgbench-$1.txt"
		sed 's/^/  /' "$out/pgbench-$1.txt"
		for e in "$D/$1"-l-*.err; do
			[ -s "$e" ] && tail -n 2 "$e" | sed 's/^/  ! /'
		done
	fi
	stop_all
}

echo "\$ bench_ingest ingest --seconds $SUS_SECONDS, one per daemon (3 daemons), as fast as they take"
sustain sustain-free 0
echo "\$ bench_ingest ingest --rate $((SUS_RATE / 3)) --seconds $SUS_SECONDS, one per daemon (3 daemons)"
sustain sustain "$SUS_RATE"

# alert latency, 3 daemons: grouped by mention, critical at once, one webhook;
# the ingest runs' writes flushed first, so that their writeback does not
# fall on the commits this measures
sync
fresh_db
rm -f "$D/sink.port" "$D/keluhd.ports"
echo "\$ bench_ingest alert $(basename "$crit") --count $A_COUNT --rate $A_RATE --bg $(basename "$bgm") --bg-rate $A_BG (3 daemons in turn)"
"$bench_ingest" alert --sink-port-file "$D/sink.port" --port-file "$D/keluhd.ports" "$crit" \
    --count "$A_COUNT" --rate "$A_RATE" --bg "$bgm" --bg-rate "$A_BG" --bg-batch "$BATCH" \
    >"$out/pgbench-alert.txt" 2>"$out/pgbench-alert.err" &
APID=$!
LPIDS=$APID
n=0
until [ -s "$D/sink.port" ] || [ $n -gt 600 ]; do
	n=$((n + 1))
	sleep 0.05
done
SINK=$(cat "$D/sink.port" 2>/dev/null)
ports=
alert_up=0
if [ -z "$SINK" ]; then
	echo "  ! bench_ingest alert did not start its sink:"
	tail -n 3 "$out/pgbench-alert.err" | sed 's/^/  ! /'
	failed=1
else
	alert_up=1
fi
for i in 1 2 3; do
	[ "$alert_up" = 1 ] || break
	cat >"$D/alert-$i.yaml" <<Y
rules: $rules
http:
  listen: 127.0.0.1:0
spool:
  postgresql: "$CONNINFO"
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$SINK/hook", rate: 100000/s, max_concurrency: 8, timeout: 5s}
routes:
  - {match: {priority: critical}, receivers: [hook]}
grouping:
  by: [mention]
  first_alert_after: {critical: 0s, high: 1h, normal: 1h, low: 1h}
  max_groups: 1000000
duplicates:
  same_text: 0
Y
	if start_keluhd "alert-$i" "$D/alert-$i.yaml"; then
		ports="$ports$KPORT
"
	else
		failed=1
		alert_up=0
	fi
done
if [ "$alert_up" = 1 ]; then
	printf '%s' "$ports" >"$D/keluhd.ports.tmp" && mv "$D/keluhd.ports.tmp" "$D/keluhd.ports"
	wait "$APID" || failed=1
else
	echo "  ! alert latency not measured"
	kill -TERM "$APID" 2>/dev/null
	wait "$APID" 2>/dev/null
	: >"$out/pgbench-alert.txt"
fi
LPIDS=
stop_all
tail -n 1 "$out/pgbench-alert.txt" | fold -w 150 | sed 's/^/  /'
[ -s "$out/pgbench-alert.err" ] && tail -n 2 "$out/pgbench-alert.err" | sed 's/^/  ! /'

# source failover: three daemons on one database, one SSE source (the
# tests' scripted stream server); the owner of "source:feed" is killed
# FO_RUNS times, each time restarted as a spare once the next owner has
# taken the stream
fresh_db
# room for each owner's FO_EACH and up to 2.5 s of each restart
FO_EVENTS=$((FO_RUNS * 150 + 100))
mkdir -p "$D/fo-rules"
cat >"$D/fo-rules/10.yaml" <<'Y'
rules:
  - id: b.login
    description: Cannot log in
    team: tech
    score: 30
    when: {keywords: [login]}
Y
# fo_script GAP: the stream, FO_EVENTS complaints GAP seconds apart, each
# request resumed after its Last-Event-ID (the server reads the file again
# when it changes: it is replaced whole)
fo_script() {
	"$PY" - "$D/fo-script.json.tmp" "$FO_EVENTS" "$1" <<'PY' && mv "$D/fo-script.json.tmp" "$D/fo-script.json"
import json, sys
n, gap = int(sys.argv[2]), float(sys.argv[3])
ev = [[str(i), "id: %d\ndata: %s\n\n" % (i, json.dumps({"id": "s%d" % i,
        "content": "cannot login, try %d" % i}))] for i in range(1, n + 1)]
json.dump({"/sse": [{"headers": {"Content-Type": "text/event-stream"}, "resume": ev,
                     "gap": gap, "after": "hold"}]}, open(sys.argv[1], "w"))
PY
}
fo_script "$FO_GAP" || failed=1
echo "\$ source failover: 3 daemons, one SSE stream of $FO_EVENTS events (one per ${FO_GAP} s), its owner SIGKILLed $FO_RUNS times"
: >"$out/pgbench-failover.txt"
: >"$D/fo-stream.log"
"$PY" "$top_srcdir/tests/stream_server.py" --port-file "$D/fo-stream.port" --log "$D/fo-stream.log" \
    --script "$D/fo-script.json" 2>"$D/fo-stream.err" &
FO_SRV=$!
LPIDS=$FO_SRV

fo_psql() {
	"$PG_BIN/psql" -X -Atq -d "$CONNINFO" -c "$1" 2>/dev/null
}

fo_rows() {
	fo_n=$(fo_psql "SELECT count(*) FROM mentions")
	echo "${fo_n:-0}"
}

# fo_wait SECONDS COMMAND...: runs it every 20 ms until it succeeds (0) or
# SECONDS have passed (1)
fo_wait() {
	end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.02
	done
}

# fo_more_than N: more than N mention rows
fo_more_than() {
	[ "$(fo_rows)" -gt "$1" ]
}

# fo_pid NAME: the pid of daemon NAME (a, b or c)
fo_pid() {
	eval "echo \${fo_pid_$1:-}"
}

# fo_find_owner: the running daemon whose heartbeat row says it streams
# feed (the row of a killed one may still say so), in fo_owner
fo_find_owner() {
	fo_owner=
	for p in $(fo_psql "SELECT pid FROM keluh_daemons WHERE 'feed' = ANY (sources)"); do
		for n in a b c; do
			[ "$p" = "$(fo_pid $n)" ] && kill -0 "$p" 2>/dev/null && { fo_owner=$n; return 0; }
		done
	done
	return 1
}

fo_server_up() {
	[ -s "$D/fo-stream.port" ] || ! kill -0 "$FO_SRV" 2>/dev/null
}

# fo_start NAME LOG: daemon NAME (a, b or c) on the stream; its pid in fo_pid_NAME
fo_start() {
	cat >"$D/fo-$1.yaml" <<Y
rules: $D/fo-rules
http:
  listen: 127.0.0.1:0
spool:
  postgresql: "$CONNINFO"
cluster:
  name: bench-$1
sources:
  - name: feed
    type: sse
    url: http://127.0.0.1:$FO_PORT/sse
    fields: {id: /id, text: /content}
Y
	eval "fo_pid_$1="
	start_keluhd "$2" "$D/fo-$1.yaml" || return 1
	eval "fo_pid_$1=$KPID"
}

fo_ms=
fo_up=0
if fo_wait 30 fo_server_up && [ -s "$D/fo-stream.port" ]; then
	FO_PORT=$(cat "$D/fo-stream.port")
	fo_start a fo-a && fo_start b fo-b && fo_start c fo-c && fo_up=1
else
	echo "  ! the stream server did not start:"
	tail -n 3 "$D/fo-stream.err" | sed 's/^/  ! /'
fi
[ "$fo_up" = 1 ] || failed=1
# fo_once I: the Ith failover; its time goes to fo_ms
fo_once() {
	if ! fo_wait 30 fo_find_owner; then
		echo "  ! failover $1: no daemon streams feed after 30 s"
		return 1
	fi
	owner=$fo_owner
	# the owner has taken a part of the stream when it dies
	if ! fo_wait 30 fo_more_than $(($(fo_rows) + FO_EACH - 1)); then
		echo "  ! failover $1: bench-$owner took no $FO_EACH mentions in 30 s"
		return 1
	fi
	# the last new owner streams the rest at once: nothing is timed after it
	[ "$1" = "$FO_RUNS" ] && fo_script 0.002
	victim=$(fo_pid "$owner")
	others=
	for n in a b c; do
		[ "$n" = "$owner" ] || others="$others $(fo_pid $n)"
	done
	# the others wait while what the dead one committed is counted: every
	# mention past it is the next owner's
	kill -STOP $others
	t0=$(date +%s%N)
	kill -KILL "$victim"
	wait "$victim" 2>/dev/null
	KPIDS=$(echo " $KPIDS " | sed "s/ $victim / /")
	had=$(fo_rows)
	kill -CONT $others
	if ! fo_wait 30 fo_more_than "$had"; then
		echo "  ! failover $1: no mention in the 30 s after bench-$owner was killed"
		return 1
	fi
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	fo_ms="$fo_ms $ms"
	fo_wait 5 fo_find_owner || fo_owner="?"
	echo "  failover $1: bench-$owner killed at $had mentions; $ms ms to the first mention taken by bench-$fo_owner"
	fo_start "$owner" "fo-$owner-$1"
}

i=0
while [ "$fo_up" = 1 ] && [ $i -lt "$FO_RUNS" ]; do
	i=$((i + 1))
	fo_once $i || { failed=1; break; }
done
fo_total=
fo_distinct=
if [ -n "$fo_ms" ]; then
	# the rest of the stream, then every event once?
	fo_wait 60 fo_more_than $((FO_EVENTS - 1))
	fo_total=$(fo_rows)
	fo_distinct=$(fo_psql "SELECT count(DISTINCT mention_id) FROM mentions")
	echo "$fo_ms" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk -v ev="$FO_EVENTS" -v tot="$fo_total" \
	    -v dis="$fo_distinct" -v asked="$(wc -l <"$D/fo-stream.log")" '
	{ v[++n] = $1; all = all (n > 1 ? "," : "") $1 }
	END { med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	      printf "mode=failover runs=%d failover_ms=%s median_ms=%.0f max_ms=%d events=%d rows=%d distinct=%d lost=%d doubled=%d stream_requests=%d\n",
	          n, all, med, v[n], ev, tot, dis, ev - dis, tot - dis, asked }' >"$out/pgbench-failover.txt"
	sed 's/^/  /' "$out/pgbench-failover.txt"
fi
stop_all
kill -TERM "$FO_SRV" 2>/dev/null
wait "$FO_SRV" 2>/dev/null
LPIDS=

echo
echo "== several daemons on one PostgreSQL: figures (targets beside)"
s1=$(getkv "$out/pgbench-sqlite.txt" mentions_per_s)
row "ingest, SQLite, 1 daemon (median)" "$(val "$(fmt_int "$s1")" /s)" "" ""
row "  each round" "$RATES_sqlite" "" ""
for n in 1 2 3; do
	r=$(getkv "$out/pgbench-pg$n.txt" mentions_per_s)
	t=
	c=
	if [ "$n" = 3 ]; then
		t=">= 100,000/s"
		c=$(check "$r" ">=" 100000)
	fi
	row "ingest, PostgreSQL, $n daemon(s) together (median)" "$(val "$(fmt_int "$r")" /s)" "$t" "$c"
	eval "row '  each round' \"\$RATES_pg$n\" '' ''"
	row "  then waiting for the leader / claimed in" \
	    "$(val "$(fmt_int "$(getkv "$out/pgbench-pg$n.txt" waiting)")") / $(val "$(getkv "$out/pgbench-pg$n.txt" drain_s)" " s")" "" ""
done
for f in sustain-free sustain; do
	sr=$(getkv "$out/pgbench-$f.txt" mentions_per_s)
	if [ "$f" = sustain ]; then
		row "sustained, 3 daemons, asked $(fmt_int "$SUS_RATE")/s for ${SUS_SECONDS} s" "$(val "$(fmt_int "$sr")" /s)" "" ""
	else
		row "sustained, 3 daemons, as fast as they take, ${SUS_SECONDS} s" "$(val "$(fmt_int "$sr")" /s)" "" ""
	fi
	row "  waiting for the leader at 1/3, 2/3, the end; most" \
	    "$(val "$(getkv "$out/pgbench-$f.txt" waiting_thirds)")""; $(fmt_int "$(getkv "$out/pgbench-$f.txt" waiting_max)")" "" ""
	row "  then claimed in" "$(val "$(getkv "$out/pgbench-$f.txt" drain_s)" " s")" "" ""
done
a50=$(getkv "$out/pgbench-alert.txt" lat_p50_ms)
a99=$(getkv "$out/pgbench-alert.txt" lat_p99_ms)
row "alert latency 202 -> webhook, 3 daemons: p50" "$(val "$a50" " ms")" "" ""
row "alert latency 202 -> webhook, 3 daemons: p99" "$(val "$a99" " ms")" "< 50 ms" "$(check "$a99" "<" 50)"
row "  alerts received / sent" "$(val "$(getkv "$out/pgbench-alert.txt" received)" " / $A_COUNT")" "all" ""
row "  alerts that arrived twice" "$(val "$(getkv "$out/pgbench-alert.txt" repeated)")" "" ""
row "  background during it (asked $(fmt_int "$A_BG")/s)" "$(val "$(fmt_int "$(getkv "$out/pgbench-alert.txt" bg_per_s)")" /s)" "" ""
fm=$(getkv "$out/pgbench-failover.txt" median_ms)
fx=$(getkv "$out/pgbench-failover.txt" max_ms)
fr=$(getkv "$out/pgbench-failover.txt" runs)
row "source failover: owner killed -> first mention, median" "$(val "$(fmt_int "$fm")" " ms")" "< 10,000 ms" "$(check "$fm" "<" 10000)"
row "source failover: the slowest of ${fr:-$FO_RUNS}" "$(val "$(fmt_int "$fx")" " ms")" "< 10,000 ms" "$(check "$fx" "<" 10000)"
fl=$(getkv "$out/pgbench-failover.txt" lost)
fd=$(getkv "$out/pgbench-failover.txt" doubled)
row "  stream events lost / counted twice (of $FO_EVENTS)" "$(val "$fl" " / $fd")" "0 / 0" \
    "$( [ -n "$fl" ] && { [ "$fl$fd" = 00 ] && echo ok || echo MISS; })"
echo "raw output: $out/pgbench-*.txt"
exit $failed
