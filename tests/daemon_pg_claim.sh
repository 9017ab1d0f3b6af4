#!/bin/sh
# Two keluhd on one PostgreSQL spool: while the leader takes a backlog of
# complaints the other daemon wrote (more than one claim's worth), it
# still serves its own clients: a mention posted to it is answered after
# a claim or two, not after the whole backlog. A daemon that takes the lead
# over such a backlog claims it the same way.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
. "$top_srcdir/tests/pg_lib.sh"

pg_start

write_login_rules
add_rules <<'Y'
  - id: t.refund
    team: billing
    score: 30
    when: {keywords: [refund]}
Y
conf() {
	cat >"$TMPD/c$1.yaml" <<Y
rules: rules.d
http:
  listen: 127.0.0.1:0
spool:
  postgresql: "$PG_CONNINFO"
admin:
  socket: $TMPD/admin$1.sock
grouping:
  by: [rule]
  first_alert_after: {critical: 1h, high: 1h, normal: 1h, low: 1h}
duplicates:
  same_text: 0
Y
}
conf 1
conf 2
start_keluhd "$TMPD/c1.yaml" "$TMPD/k1.log"
is "the first daemon starts on the shared spool" "$?" 0
P1=$KPID
URL1=$URL
wait_for 15 grep -q "this daemon leads now" "$TMPD/k1.log"
is "... and leads" "$?" 0
start_keluhd "$TMPD/c2.yaml" "$TMPD/k2.log"
is "the second daemon starts beside it" "$?" 0
URL2=$URL

# backlog FIRST LAST: batches FIRST..LAST of 512 complaints posted to $URL;
# how many were answered 202
backlog() {
	n=0
	for b in $(seq "$1" "$2"); do
		seq 1 512 | awk -v b="$b" '{ printf "{\"id\":\"w%d-%d\",\"text\":\"where is my refund %d\"}\n", b, $1, $1 }' \
		    >"$TMPD/batch"
		r=$(post "$(cat "$TMPD/batch")")
		[ "${r%% *}" = 202 ] && n=$((n + 1))
	done
	echo "$n"
}

# the leader stopped: the other daemon's complaints wait, 40 claims' worth
kill -STOP "$P1"
URL=$URL2
is "40 batches of 512 complaints to the other daemon: 202" "$(backlog 1 40)" 40
is "... all waiting for the leader" "$(psql_int "$PG_WAITING")" 20480

# a mention to the leader, sent while it is stopped: it is read when it wakes
URL=$URL1
post '{"id":"own1","text":"where is my refund, mine"}' >"$TMPD/own.code" &
CP=$!
wait_for 10 sh -c "ss -tn state established | grep -q ':${URL1##*:} '"
kill -CONT "$P1"
wait "$CP"
left=$(psql_int "$PG_WAITING")
r=$(cat "$TMPD/own.code")
is "the leader answers its own client: 202" "${r%% *}" 202
# counted after the answer, while the leader goes on claiming: how many is
# a matter of the machine's speed; that some still wait is not (before a
# claim waited for the next turn, the answer came after the last claim)
check "... while the backlog still waits (${left} of 20480)" [ "$left" -gt 0 ]
wait_until 60 '[ "$(psql_int "$PG_WAITING")" = 0 ]'
is "the leader takes the whole backlog then" "$?" 0
is "... every complaint once, its own too" \
    "$(psql_int "SELECT count(*), count(DISTINCT mention_id) FROM mentions")" "20481|20481"

# --- a new leader over a backlog ---------------------------------------------
# The leader stopped again, as many complaints waiting for it, then killed:
# the other daemon takes the lead, reads back what the dead one had claimed
# (its groups) and claims the waiting ones as any others, a batch a turn,
# not all at once on taking over
kill -STOP "$P1"
URL=$URL2
is "40 more batches to the other daemon: 202" "$(backlog 41 80)" 40
is "... waiting for the stopped leader" "$(psql_int "$PG_WAITING")" 20480
kill -KILL "$P1"
wait "$P1" 2>/dev/null
wait_for 30 grep -q "group(s) read back from the spool" "$TMPD/k2.log"
is "the other daemon takes the lead" "$?" 0
is "... reads back the complaints the dead leader had claimed, not the waiting ones" \
    "$(sed -n 's/.*restored \([0-9]*\) pending complaint.*/\1/p' "$TMPD/k2.log")" 20481
wait_until 60 '[ "$(psql_int "$PG_WAITING")" = 0 ]'
is "... and claims those" "$?" 0
is "... each of them once" "$(metric_value keluh_leader_claimed_total)" 20480
# claims of 512, 1024, 2048, then 4096 while they come back full: 8 for
# these (40 when each took 512)
claims=$(metric_value keluh_leader_claims_total)
check "... in claims that grow while the backlog lasts (${claims})" test "$claims" -ge 5 -a "$claims" -le 10
is "every complaint once, none left out" \
    "$(psql_int "SELECT count(*), count(DISTINCT mention_id), (SELECT count(*) FROM mentions_pending) FROM mentions")" \
    "40961|40961|40961"
is "... all in the new leader's one group" "$(metric_value keluh_groups)" 1

done_testing
