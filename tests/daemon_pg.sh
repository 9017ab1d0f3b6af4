#!/bin/sh
# keluhd on a PostgreSQL spool (tests/pg_lib.sh's throw-away cluster):
# complaints are answered 202 and their alerts delivered; a restart keeps
# the cases and the deliveries still pending; with the database stopped
# ingest answers 503 with Retry-After and /healthz says the spool fails;
# started again, everything resumes by itself and nothing accepted is
# lost. The conninfo's password never shows in a log line or keluhctl.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
. "$top_srcdir/tests/pg_lib.sh"

pg_start

# psql_int SQL: one number from the spool's database, behind keluhd's back
# the spool is one file or one database: two of its keys are refused where they are
printf 'spool:\n  path: s.db\n  postgresql: "dbname=keluh"\n' >"$TMPD/two.yaml"
"$KELUHD" --check -c "$TMPD/two.yaml" >/dev/null 2>"$TMPD/two.err"
is "spool.path and spool.postgresql together fail --check" "$?" 1
contains "... named at the second key" "$TMPD/two.err" \
	"$TMPD/two.yaml:3:15: error: give one of spool.path, spool.postgresql and spool.postgresql_file, not several"
printf 'spool:\n  postgresql_file: nowhere.conninfo\n' >"$TMPD/nofile.yaml"
"$KELUHD" --check -c "$TMPD/nofile.yaml" >/dev/null 2>"$TMPD/nofile.err"
contains "a missing postgresql_file is named" "$TMPD/nofile.err" \
	"$TMPD/nofile.yaml:2:20: error: cannot read postgresql_file from $TMPD/nowhere.conninfo"

start_sink hook --fail-while "$TMPD/hook.down"
# a password the server does not check (trust), which must show nowhere
printf '%s password=Sekr1tPw\n' "$PG_CONNINFO" >"$TMPD/pg.conninfo"
chmod 600 "$TMPD/pg.conninfo"
write_login_rules
cat >"$TMPD/c.yaml" <<Y
rules: rules.d
http:
  listen: 127.0.0.1:0
spool:
  postgresql_file: pg.conninfo
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$hook_port/hook"}
routes:
  - {receivers: [hook]}
$(conf_at_once)
Y
start_keluhd "$TMPD/c.yaml" "$TMPD/k1.log"
is "keluhd starts on a PostgreSQL spool" "$?" 0
contains "the log names the database" "$TMPD/k1.log" "spool postgresql: user=keluh"
contains "... and says commits need no deferred sync" "$TMPD/k1.log" \
	"spool: PostgreSQL commits are durable when they return"
is "the spool's tables are made in the database" "$(psql_int 'SELECT version FROM keluh_schema')" \
	"$(sed -n 's/^#define PG_SCHEMA \([0-9]*\).*/\1/p' "$top_srcdir/src/store/pg_int.h")"
is "... by keluh, a role that is no superuser and only owns the database" \
	"$(psql_int "SELECT rolsuper::text || rolcreatedb::text || rolcreaterole::text FROM pg_roles WHERE rolname = current_user")" \
	falsefalsefalse

# delivered: the sink got each one (200) once
delivered() {
	n=0
	for id in "$@"; do
		grep '"answer": "200"' "$hook_log" | grep -qF "\\\"$id\\\"" && n=$((n + 1))
	done
	echo "$n"
}
r=$(post '{"id":"p1","text":"cannot login since monday"}
{"id":"p2","text":"login fails again"}
{"id":"p3","text":"the login page is broken"}')
is "three complaints: 202 after the commit" "${r%% *}" 202
wait_until 20 '[ "$(delivered p1 p2 p3)" = 3 ]'
is "their alerts are delivered" "$(delivered p1 p2 p3)" 3

# the receiver fails: the deliveries stay pending, across a restart
touch "$TMPD/hook.down"
r=$(post '{"id":"q1","text":"login broken on android"}
{"id":"q2","text":"cannot login with google"}')
is "two more while the receiver fails: 202" "${r%% *}" 202
wait_until 20 'grep -qF "\\\"q2\\\"" "$hook_log" && grep -qF "\\\"q1\\\"" "$hook_log"'
is "... they were tried" "$?" 0
cases=$(psql_int 'SELECT count(*) FROM cases')
[ "$cases" -ge 5 ]
is "a case for each ($cases)" "$?" 0
"$KELUHCTL" queue --spool "$PG_SPOOL" --json >"$TMPD/queue" 2>"$TMPD/queue.err"
is "keluhctl reads the queue from PostgreSQL" "$(wc -l <"$TMPD/queue" | tr -d ' ')" 2
stop_keluhd
start_keluhd "$TMPD/c.yaml" "$TMPD/k2.log"
is "after a restart the cases are all there" "$(psql_int 'SELECT count(*) FROM cases')" "$cases"
is "... and the two deliveries still pending" \
	"$(psql_int 'SELECT count(*) FROM deliveries WHERE state = 0')" 2
rm -f "$TMPD/hook.down"
wait_until 30 '[ "$(delivered q1 q2)" = 2 ]'
is "once the receiver is back they are delivered" "$(delivered q1 q2)" 2

# the database stops, with a delivery pending
touch "$TMPD/hook.down"
r=$(post '{"id":"s1","text":"login loops forever"}')
is "accepted before the database stops: 202" "${r%% *}" 202
pg_down
code=$(curl -s -D "$TMPD/h503" -o "$TMPD/b503" -w '%{http_code}' \
	-H 'Content-Type: application/x-ndjson' --data-binary '{"id":"d1","text":"login fails"}' \
	"$URL/v1/mentions")
is "while the database is down: 503" "$code" 503
contains "... with Retry-After" "$TMPD/h503" "Retry-After: 5"
wait_until 20 '[ "$(curl -s -o /dev/null -w "%{http_code}" "$URL/healthz")" = 503 ]'
is "/healthz says the spool fails" "$?" 0
curl -s "$URL/healthz" >"$TMPD/health"
contains "... and why" "$TMPD/health" "spool"
pg_up
rm -f "$TMPD/hook.down"
wait_until 30 '[ "$(curl -s -o /dev/null -w "%{http_code}" "$URL/healthz")" = 200 ]'
is "started again, the daemon resumes by itself" "$?" 0
r=$(post '{"id":"d1","text":"login fails"}')
is "the refused complaint sent again: 202" "${r%% *}" 202
wait_until 30 '[ "$(delivered s1 d1)" = 2 ]'
is "nothing accepted is lost: both delivered" "$(delivered s1 d1)" 2
stop_keluhd
lacks "no log line shows the password" "$TMPD/k1.log" "Sekr1tPw"
lacks "... nor after the restart" "$TMPD/k2.log" "Sekr1tPw"
"$KELUHCTL" queue -c "$TMPD/c.yaml" >"$TMPD/ctl.out" 2>&1
lacks "... nor keluhctl" "$TMPD/ctl.out" "Sekr1tPw"

# keluhctl changes no database keluhd never used (and makes no tables in it)
"$PG_BIN/createdb" -h "$PG_DIR" -U keluh_admin empty
"$KELUHCTL" retry --spool "postgresql:host=$PG_DIR dbname=empty user=keluh" 1 \
	>"$TMPD/retry.out" 2>&1
is "keluhctl retry on an empty database fails" "$?" 1
contains "... saying there is no spool" "$TMPD/retry.out" \
	"keluhctl: no spool in PostgreSQL database empty: has keluhd run with this config?"
is "... and makes no tables there" "$("$PG_BIN/psql" -X -Atq -h "$PG_DIR" -U keluh -d empty \
	-c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0

done_testing
