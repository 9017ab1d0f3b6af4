#!/bin/sh
# PostgreSQL stopped and started again under load: a client posts
# complaints to keluhd all along; while the database is down every post is
# answered 503 with Retry-After, keluhd resumes by itself once it is back,
# and every complaint answered 202, before or after, is delivered: nothing
# accepted is lost. keluhd runs as a role with only the grants keluhd(8)
# asks for: it owns a schema of its name in a database it does not own.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
. "$top_srcdir/tests/pg_lib.sh"

pg_start

# the setup keluhd(8) gives for a database that is not keluh's own
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$PG_ADMIN" -c "CREATE DATABASE shop" \
	-c "CREATE ROLE keluh_app LOGIN" >/dev/null
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "host=$PG_DIR dbname=shop user=keluh_admin" \
	-c "CREATE SCHEMA keluh_app AUTHORIZATION keluh_app" >/dev/null
APP="host=$PG_DIR dbname=shop user=keluh_app"

start_sink hook
write_login_rules
cat >"$TMPD/c.yaml" <<Y
rules: rules.d
http:
  listen: 127.0.0.1:0
spool:
  postgresql: "$APP"
$(conf_alert_each hook /hook)
Y
start_keluhd "$TMPD/c.yaml"
is "keluhd starts as a role that owns only its schema" "$?" 0
is "... whose tables are made there" "$("$PG_BIN/psql" -X -Atq -d "$APP" \
	-c "SELECT count(*) FROM pg_tables WHERE schemaname = 'keluh_app' AND tablename = 'mentions'")" 1

# the client: three complaints a request, one request at a time, until
# $TMPD/stop; a line per complaint: its id, the answer's status and
# Retry-After ("-" when none)
python3 - "$KPORT" "$TMPD/posts.log" "$TMPD/stop" <<'PY' &
import http.client, os, sys, time
port, log, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = open(log, "a", buffering=1)
conn, k = None, 0
while not os.path.exists(stop):
    ids = ["r%d" % (k + i) for i in range(3)]
    k += 3
    body = "".join('{"id":"%s","text":"cannot login since the update, %s"}\n' % (i, i) for i in ids)
    try:
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        conn.request("POST", "/v1/mentions", body, {"Content-Type": "application/x-ndjson"})
        r = conn.getresponse()
        r.read()
        status, ra = r.status, r.getheader("Retry-After") or "-"
    except OSError:
        conn, status, ra = None, 0, "-"
    for i in ids:
        out.write("%s %d %s\n" % (i, status, ra))
    time.sleep(0.01)
PY
CLIENT=$!
PIDS="$PIDS $CLIENT"

n202() {
	grep -c ' 202 ' "$TMPD/posts.log" 2>/dev/null || echo 0
}
wait_until 20 '[ "$(n202)" -ge 30 ]'
is "complaints are answered 202 while the database is up" "$?" 0

pg_down
mark=$(count_lines "$TMPD/posts.log")
wait_until 30 'tail -n +$((mark + 1)) "$TMPD/posts.log" | grep -q " 503 "'
is "the database stops: posts are answered 503" "$?" 0
tail -n +$((mark + 1)) "$TMPD/posts.log" | awk '$2 == 503 && $3 == "-"' >"$TMPD/no-retry"
is "... every 503 with Retry-After" "$(count_lines "$TMPD/no-retry")" 0
# down a while: many posts refused, several reconnects tried
wait_until 30 '[ "$(tail -n +$((mark + 1)) "$TMPD/posts.log" | grep -c " 503 ")" -ge 15 ]'

pg_up
mark=$(count_lines "$TMPD/posts.log")
wait_until 30 'tail -n +$((mark + 1)) "$TMPD/posts.log" | grep -q " 202 "'
is "started again, keluhd takes complaints by itself" "$?" 0
before=$(n202)
wait_until 20 '[ "$(n202)" -ge $((before + 30)) ]'
touch "$TMPD/stop"
wait "$CLIENT"
awk '$2 != 202 && $2 != 503' "$TMPD/posts.log" >"$TMPD/other"
is "every answer was 202 or 503" "$(count_lines "$TMPD/other")" 0
sed 's/^/# /' "$TMPD/other" | head -n 5

# every complaint answered 202 is delivered, once the queue drains
awk '$2 == 202 { print $1 }' "$TMPD/posts.log" | sort -u >"$TMPD/accepted"
delivered_missing() {
	alert_ids | sort -u >"$TMPD/delivered"
	comm -23 "$TMPD/accepted" "$TMPD/delivered" | wc -l | tr -d ' '
}
wait_until 40 '[ "$(delivered_missing)" = 0 ]'
is "nothing accepted is lost: all $(count_lines "$TMPD/accepted") complaints answered 202 are delivered" \
	"$(delivered_missing)" 0
comm -23 "$TMPD/accepted" "$TMPD/delivered" | head -n 5 | sed 's/^/# missing: /'
stop_keluhd

done_testing
