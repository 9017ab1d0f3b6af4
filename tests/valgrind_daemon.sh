#!/bin/sh
# The daemon's whole lifecycle under valgrind: start, ingest, group, deliver
# to a sink, reload, SIGTERM. Any memory error or leak fails the run.
# Run by .ci/run against the plain build (valgrind cannot run ASan builds).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	echo "1..0 # SKIP valgrind is not installed"
	exit 0
fi
start_sink vs
write_conf "$TMPD/c.yaml" "$top_srcdir/packs/core" <<Y
sources:
  - {name: demo, type: demo, rate: 20/s, path: $top_srcdir/etc/samples/mentions.ndjson}
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$vs_port/hook", secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw}
  - {name: console, type: console}
routes:
  - {receivers: [hook, console]}
grouping:
  first_alert_after: {critical: 0s, high: 0s, normal: 0s, low: 0s}
  updates_at_most_every: 1s
incidents:
  - {name: burst, rules: ["*"], at_least: 5, within: 1m}
Y
KELUHD_START_TIMEOUT=90 KELUHD_WRAPPER="valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file=$TMPD/vg.log" \
	start_keluhd "$TMPD/c.yaml"
is "keluhd starts under valgrind" "$?" 0
r=$(post '{"id":"v1","text":"gak bisa login dari pagi, lapor OJK"}
{"id":"v2","text":"broken json')
case $r in "400 "*) ok "a bad request under valgrind" ;; *) not_ok "a bad request" "$r" ;; esac
r=$(post '{"id":"v3","text":"gak bisa login dari pagi, lapor OJK"}')
is "a good request under valgrind" "${r%% *}" 202
wait_for 60 test -s "$vs_log"
is "an alert reached the sink" "$?" 0
kill -HUP "$KPID"
wait_for 60 grep -q 'reloaded' "$TMPD/keluhd.log"
is "a reload under valgrind" "$?" 0
kill -TERM "$KPID"
wait "$KPID"
st=$?
is "keluhd exits 0 under valgrind: no memory errors, no leaks" "$st" 0
[ "$st" -eq 0 ] || sed 's/^/# /' "$TMPD/vg.log" | head -60
done_testing
