#!/bin/sh
# The quick start, then keluhctl in another terminal: tools/quick writes the
# demo's config into the build directory and prints the commands to try;
# keluhd is started the way tools/quick run starts it, and the printed
# commands (status, alerts, silence) work from that directory with no
# flags. A missing config and an unreachable socket are said in keluh's
# words, naming the file or the socket.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

B=$TMPD/build
mkdir -p "$B"
ln -s "$KELUHD" "$B/keluhd"
ln -s "$KELUHCTL" "$B/keluhctl"
sh "$top_srcdir/tools/quick" demo-config "$B" >"$TMPD/banner" 2>&1
is "tools/quick demo-config: exit 0" "$?" 0
check "the demo config is there" test -f "$B/keluhd.yaml"
contains "the banner prints the exact command to try" "$TMPD/banner" "  cd $B && ./keluhctl status"
contains "and alerts" "$TMPD/banner" "  ./keluhctl alerts"
contains "and silence" "$TMPD/banner" "  ./keluhctl silence add --match"
# the shipped port may be taken on a shared machine; nothing else changes
sed -e 's/127\.0\.0\.1:8470/127.0.0.1:0/' -e 's/^\(ui:\)$/\1\n  listen: 127.0.0.1:0/' "$B/keluhd.yaml" >"$TMPD/k.yaml" && mv "$TMPD/k.yaml" "$B/keluhd.yaml"

cd "$B" || exit 1
KELUHD=./keluhd
start_keluhd keluhd.yaml
check "keluhd made its state directory" test -d "$B/demo"
is "the state directory is 0700" "$(stat -c %a "$B/demo")" 700

# the printed command, as printed
cmd=$(sed -n 's/^  cd .* && \(\.\/keluhctl status\)$/\1/p' "$TMPD/banner")
[ -n "$cmd" ] || cmd=false
(cd "$B" && $cmd) >"$TMPD/status.out" 2>&1
is "keluhctl status from the build directory, no flags: exit 0" "$?" 0
contains "status: it is the demo's keluhd" "$TMPD/status.out" "config keluhd.yaml"
contains "status: the demo source" "$TMPD/status.out" "demo "
contains "the banner says where the console is" "$TMPD/banner" "http://127.0.0.1:8017/ui/"
contains "and where its token is" "$TMPD/banner" "$B/demo/ui.token"
is "the demo's console token is the user's alone" "$(stat -c %a "$B/demo/ui.token")" 600
url=$(sed -n 's|^console: \(http://127\.0\.0\.1:[0-9]*/ui/\)$|\1|p' "$TMPD/status.out")
check "status: says where the console is" test -n "$url"
is "the console's page answers" "$(curl -s -o /dev/null -w '%{http_code}' "${url:-http://127.0.0.1:1/ui/}")" 200
is "the demo's token logs in" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	--data "{\"token\":\"$(cat "$B/demo/ui.token")\",\"name\":\"demo\"}" "${url%ui/}v1/session")" 200

wait_until 30 '[ "$(./keluhctl alerts --json | wc -l)" -ge 1 ]'
./keluhctl alerts >"$TMPD/alerts.out" 2>&1
is "keluhctl alerts from the build directory, no flags: exit 0" "$?" 0
check "alerts: the demo's alerts are listed" grep -Eq '^20[0-9-]+T.* (critical|high|normal|low) ' "$TMPD/alerts.out"
# the samples carry no time of their own: they are posted as they are replayed
check "the console shows a demo post's time and age" \
	grep -Eq 'posted [0-9]{2}:[0-9]{2} UTC, (just now|[0-9]+ (s|min) ago)' "$TMPD/keluhd.out"

./keluhctl silence add --match 'rule=access.*' --for 30m --reason 'trying silences' >"$TMPD/sil.out" 2>&1
is "keluhctl silence add from the build directory: exit 0" "$?" 0
contains "silence add: created" "$TMPD/sil.out" "created: rule=access.*"
./keluhctl silence list >"$TMPD/sl.out" 2>&1
contains "silence list: it is there" "$TMPD/sl.out" "trying silences"
./keluhctl queue >"$TMPD/q.out" 2>&1
is "keluhctl queue from the build directory: exit 0" "$?" 0

# -c overrides the file in the current directory
"$KELUHCTL" alerts -c "$TMPD/nope.yaml" >"$TMPD/nofile.out" 2>&1
is "a missing config: exit 2" "$?" 2
contains "a missing config says no such file, naming it" "$TMPD/nofile.out" \
	"keluhctl: cannot find the spool: $TMPD/nope.yaml: no such file (give -c FILE or --spool PATH)"
lacks "and not 'has errors'" "$TMPD/nofile.out" "has errors"
"$KELUHCTL" status -c "$TMPD/nope.yaml" >"$TMPD/nofile2.out" 2>&1
contains "status: a missing config says no such file" "$TMPD/nofile2.out" \
	"$TMPD/nope.yaml: no such file"
echo hi | "$KELUHCTL" test -c "$TMPD/nope.yaml" >"$TMPD/nofile3.out" 2>&1
contains "test: a missing config says no such file" "$TMPD/nofile3.out" \
	"$TMPD/nope.yaml: no such file"

stop_keluhd
# the demo's keluhd is gone: the socket it removed, and one left behind
./keluhctl status >"$TMPD/gone.out" 2>&1
is "no keluhd: exit 1" "$?" 1
contains "no socket: said in keluh's words, with the path" "$TMPD/gone.out" \
	"keluhctl: cannot reach keluhd: no socket at ./demo/keluhd.sock"
lacks "not curl's words" "$TMPD/gone.out" "port 80"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$B/demo/keluhd.sock"
./keluhctl status >"$TMPD/stale.out" 2>&1
is "a stale socket: exit 1" "$?" 1
contains "a stale socket: nothing listens there" "$TMPD/stale.out" \
	"keluhctl: cannot reach keluhd: nothing listens on ./demo/keluhd.sock"
: >"$TMPD/plain"
"$KELUHCTL" status --socket "$TMPD/plain" >"$TMPD/plain.out" 2>&1
contains "a file that is no socket says so" "$TMPD/plain.out" \
	"keluhctl: cannot reach keluhd: $TMPD/plain is not a socket"
cd / || exit 1
done_testing
