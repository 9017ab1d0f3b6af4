#!/bin/sh
# bench/slowloris.sh: does /healthz answer while slow clients flood keluhd?
#
# From the build directory: sh ../bench/slowloris.sh [N]
#
# Starts keluhd (default http limits) on 127.0.0.1, then two floods of slow
# connections (tests/slow_clients.py: a request head that never ends, one
# byte a second): N connections (default 10000) from 127.0.0.1, then 32
# from each of 10 addresses (127.0.0.3-12), more than the 256 + 8 slots,
# reopening what the server closes (N opens at most).
# During each, 20 /healthz probes from 127.0.0.2, each with 2 s to answer.
# Prints the probes answered, their median and slowest time, and keluhd's
# bound counters. A figure, not a test: nothing here fails on a number.
set -u
n=${1:-10000}
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
keluhd=${KELUHD:-./keluhd}
[ -x "$keluhd" ] || { echo "slowloris: $keluhd not found: run from the build directory" >&2; exit 1; }
need=$((n + 200))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
	ulimit -n "$need" 2>/dev/null || { echo "slowloris: needs ulimit -n $need" >&2; exit 1; }
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keluh-slowloris.XXXXXX")
kpid=
cleanup() {
	[ -n "$kpid" ] && kill "$kpid" 2>/dev/null && wait "$kpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cat >"$tmp/k.yaml" <<Y
rules: $top_srcdir/packs/core
http:
  listen: 127.0.0.1:0
spool:
  path: $tmp/spool.db
Y
"$keluhd" -c "$tmp/k.yaml" 2>"$tmp/k.log" &
kpid=$!
for i in $(seq 100); do grep -q 'http: port ' "$tmp/k.log" && break; sleep 0.1; done
port=$(sed -n 's/.*http: port \([0-9]*\).*/\1/p' "$tmp/k.log")
[ -n "$port" ] || { echo "slowloris: keluhd did not start" >&2; cat "$tmp/k.log" >&2; exit 1; }

probes() {
	python3 - "$port" <<'PY'
import socket, statistics, sys, time
port = int(sys.argv[1])
ok, times = 0, []
for _ in range(20):
    t0 = time.monotonic()
    try:
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.settimeout(2)
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        if s.recv(64).startswith(b"HTTP/1.1 200"):
            ok += 1
            times.append(time.monotonic() - t0)
        s.close()
    except OSError:
        pass
    time.sleep(0.1)
med = statistics.median(times) * 1000 if times else 0
mx = max(times) * 1000 if times else 0
print(f"healthz {ok}/20 answered, median {med:.1f} ms, slowest {mx:.1f} ms")
PY
}

counters() {
	curl -s --interface 127.0.0.2 -m 5 "http://127.0.0.1:$port/metrics" |
		grep -E '^keluh_(bound_hits_total\{bound="http|http_connections |http_clients )' |
		tr '\n' ' '
	echo
}

flood() {
	label=$1
	shift
	rm -f "$tmp/ready" "$tmp/stop"
	python3 "$top_srcdir/tests/slow_clients.py" --port "$port" "$@" --duration 120 \
		--ready-file "$tmp/ready" --stop-file "$tmp/stop" --report "$tmp/report" &
	spid=$!
	while [ ! -s "$tmp/ready" ]; do sleep 0.1; done
	sleep 1
	echo "$label: $(probes)"
	echo "  $(counters)"
	touch "$tmp/stop"
	wait "$spid"
	echo "  clients saw: $(cat "$tmp/report")"
}

echo "keluhd on 127.0.0.1:$port, default http limits, $n slow connections per flood"
flood "one address, $n connections" --from 127.0.0.1 --count "$n"
# 10 addresses of 32 (the per-address default) want 320 of the 256 + 8 slots
froms=
for i in $(seq 3 12); do froms="$froms --from 127.0.0.$i"; done
# shellcheck disable=SC2086
flood "10 addresses, 32 each, reopened" --count 32 --keep --max-opens "$n" $froms
