# Helpers for tests that run the real keluhd against peers on 127.0.0.1.
# Sourced after tests/lib.sh.

PIDS=
cleanup_daemons() {
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
}
trap 'cleanup_daemons; [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMPD"' EXIT

# wait_for SECONDS COMMAND...: runs COMMAND until it succeeds or time runs out
wait_for() {
	limit=$1
	shift
	end=$(($(date +%s) + limit))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.05
	done
	return 0
}

# wait_until SECONDS 'shell condition': like wait_for, but the condition is
# evaluated afresh each time, so "$(...)" inside it is read again
wait_until() {
	limit=$1
	shift
	end=$(($(date +%s) + limit))
	while ! eval "$*" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.05
	done
	return 0
}

# start_peer NAME SCRIPT [options]: one of the fake peers in tests/ (a
# python SCRIPT that takes --port-file and --log), waited for until it
# listens; sets NAME_port, NAME_log and NAME_pid
start_peer() {
	name=$1
	_peer=$2
	shift 2
	rm -f "$TMPD/$name.port" "$TMPD/$name.log"
	touch "$TMPD/$name.log"
	python3 "$top_srcdir/tests/$_peer" --port-file "$TMPD/$name.port" --log "$TMPD/$name.log" "$@" &
	PIDS="$PIDS $!"
	eval "${name}_pid=$!"
	wait_for 10 test -s "$TMPD/$name.port" || { echo "# $_peer $name did not start"; return 1; }
	eval "${name}_port=$(cat "$TMPD/$name.port")"
	eval "${name}_log=$TMPD/$name.log"
}

# start_sink NAME [sink.py options]: a webhook sink; sets NAME_port and NAME_log
start_sink() {
	_sink=$1
	shift
	start_peer "$_sink" sink.py "$@"
}

# start_stream_server NAME SCRIPT_FILE: the scripted HTTP server the
# sources read (tests/stream_server.py); sets NAME_port and NAME_log
start_stream_server() {
	start_peer "$1" stream_server.py --script "$2"
}

# write_rules [FILE]: the rule file FILE (default $TMPD/rules.d/10.yaml), from stdin
write_rules() {
	_rules=${1:-$TMPD/rules.d/10.yaml}
	mkdir -p "$(dirname "$_rules")"
	cat >"$_rules"
}

# add_rules [FILE]: appends the rules on stdin (list items, indented as
# under rules:) to the rule file FILE (default $TMPD/rules.d/10.yaml)
add_rules() {
	cat >>"${1:-$TMPD/rules.d/10.yaml}"
}

# write_login_rules [FILE]: the rule file most daemon tests alert on, with
# one rule: t.login ('login'; team tech, score 30); add_rules adds others
write_login_rules() {
	write_rules "$@" <<'Y'
rules:
  - id: t.login
    description: Cannot log in
    team: tech
    score: 30
    when: {keywords: [login]}
Y
}

# write_conf FILE [RULES [SPOOL]]: a keluhd.yaml at FILE with the rules
# RULES (default rules.d, beside FILE), HTTP on a free port of 127.0.0.1
# and the spool SPOOL (default FILE with .db for .yaml); the rest of it
# (receivers, routes, grouping, sources...) comes from stdin
write_conf() {
	{
		printf 'rules: %s\nhttp:\n  listen: 127.0.0.1:0\nspool:\n  path: %s\n' \
			"${2:-rules.d}" "${3:-${1%.yaml}.db}"
		cat
	} >"$1"
}

# conf_at_once: the grouping of a keluhd.yaml that makes one alert a
# mention and sends it at once, whatever its priority
conf_at_once() {
	cat <<'Y'
grouping:
  by: [mention]
  first_alert_after: {critical: 0s, high: 0s, normal: 0s, low: 0s}
Y
}

# conf_alert_each SINK PATH [OTHER PATH]...: the end of a keluhd.yaml that
# sends every complaint to the webhook sink SINK (start_sink) at PATH, one
# alert a mention, at once. The OTHER sinks are receivers too, with no
# route (for health_receivers or alert_to).
conf_alert_each() {
	_route=$1
	echo 'receivers:'
	while [ $# -ge 2 ]; do
		eval "_port=\$${1}_port"
		echo "  - {name: $1, type: webhook, url: \"http://127.0.0.1:$_port$2\"}"
		shift 2
	done
	printf 'routes:\n  - {receivers: [%s]}\n' "$_route"
	conf_at_once
}

# alert_ids [LOG]: the id of every mention in the alerts a webhook sink got
# (its log; default $hook_log), one a line, in the order they came
alert_ids() {
	python3 - "${1:-$hook_log}" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    for m in json.loads(json.loads(line)["body"])["alert"]["mentions"]:
        print(m["id"])
PY
}

# start_keluhd CONF [LOG]: runs keluhd, waits until it answers /healthz; sets KPID and KPORT
start_keluhd() {
	klog=${2:-$TMPD/keluhd.log}
	: >"$klog"
	${KELUHD_WRAPPER:-} "$KELUHD" ${KELUHD_FLAGS:-} -c "$1" >>"$TMPD/keluhd.out" 2>>"$klog" &
	KPID=$!
	PIDS="$PIDS $KPID"
	wait_for ${KELUHD_START_TIMEOUT:-15} grep -q 'http: port ' "$klog" || { echo "# keluhd did not start:"; sed 's/^/#   /' "$klog"; return 1; }
	KPORT=$(sed -n 's/.*http: port \([0-9]*\).*/\1/p' "$klog" | tail -n 1)
	URL=http://127.0.0.1:$KPORT
	wait_for ${KELUHD_START_TIMEOUT:-10} curl -sf "$URL/healthz"
}

# stop_keluhd: SIGTERM, and the daemon must exit 0 (under ASan that also
# means no leaks)
stop_keluhd() {
	kill -TERM "$KPID" 2>/dev/null
	wait "$KPID"
	st=$?
	is "keluhd exits cleanly after SIGTERM" "$st" 0
	[ "$st" -eq 0 ] || tail -n 30 "$klog" | sed 's/^/# /'
}

# post BODY [CONTENT-TYPE] [extra curl args]: prints "STATUS BODY"
post() {
	body=$1
	ct=${2:-application/x-ndjson}
	if [ $# -ge 2 ]; then shift 2; else shift $#; fi
	printf '%s' "$body" >"$TMPD/post.body"
	curl -s -o "$TMPD/post.out" -w '%{http_code}' -H "Content-Type: $ct" "$@" \
		--data-binary @"$TMPD/post.body" "$URL/v1/mentions"
	printf ' '
	cat "$TMPD/post.out"
}

# metric_value SERIES: the value /metrics gives SERIES now (name and labels
# as printed there, e.g. 'keluh_alerts_total{priority="high"}'); 0 when the
# series is not there yet
metric_value() {
	curl -s "$URL/metrics" | awk -v s="$1 " \
		'index($0, s) == 1 { v = substr($0, length(s) + 1) } END { print v == "" ? 0 : v }'
}

# metric_sum NAME: the sum of every series of NAME in /metrics now (0 if none)
metric_sum() {
	curl -s "$URL/metrics" | awk -v n="$1" \
		'index($0, n "{") == 1 || index($0, n " ") == 1 { s += $NF } END { print s + 0 }'
}

# count_lines FILE: lines in FILE (0 if missing)
count_lines() {
	if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi
}
