#!/bin/sh
# The storage and acknowledge path of keluhd: every POST gets its answer,
# also when its pass writes nothing; 202 only once the spool is durable,
# 503 with Retry-After when the disk fails, and recovery after.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

# post_t BODY CONTENT-TYPE: like post, but gives up after 5 s ("000" then)
post_t() {
	post "$1" "$2" --max-time 5 -D "$TMPD/post.head"
}

# --- a pass that commits nothing still answers --------------------------
cat >"$TMPD/idle.yaml" <<Y
rules: $top_srcdir/etc/rules.d
http:
  listen: 127.0.0.1:0
spool:
  path: $TMPD/idle.db
Y
start_keluhd "$TMPD/idle.yaml" "$TMPD/idle.log"
NC='what a lovely day at the beach'
r=$(post_t "{\"text\":\"$NC\"}" application/json)
is "idle daemon, JSON, no complaint: 202 at once" "$r" '202 {"accepted":1,"complaints":0,"duplicates":0}'
r=$(post_t "{\"text\":\"a sunny morning with good coffee\"}
{\"text\":\"thanks for the quick reply\"}" application/x-ndjson)
is "idle daemon, NDJSON, no complaint: 202 at once" "$r" '202 {"accepted":2,"complaints":0,"duplicates":0}'
r=$(post_t '{"id":"k1","text":"cannot login since monday"}' application/json)
is "a complaint: 202" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'
r=$(post_t '{"id":"k1","text":"cannot login since monday"}' application/json)
is "idle daemon, JSON, all duplicates: 202 at once" "$r" '202 {"accepted":0,"complaints":0,"duplicates":1}'
r=$(post_t '{"id":"k1","text":"cannot login since monday"}
{"id":"k1","text":"cannot login since monday"}' application/x-ndjson)
is "idle daemon, NDJSON, all duplicates: 202 at once" "$r" '202 {"accepted":0,"complaints":0,"duplicates":2}'
r=$(post_t "[{\"id\":\"k1\",\"text\":\"cannot login since monday\"},{\"id\":\"k2\",\"text\":\"see you all at the meetup tonight\"}]" application/json)
is "idle daemon, JSON, duplicate and no complaint: 202 at once" "$r" '202 {"accepted":1,"complaints":0,"duplicates":1}'
r=$(post_t "{\"id\":\"k1\",\"text\":\"cannot login since monday\"}
{\"id\":\"k3\",\"text\":\"the new colours look great on the app\"}" application/x-ndjson)
is "idle daemon, NDJSON, duplicate and no complaint: 202 at once" "$r" '202 {"accepted":1,"complaints":0,"duplicates":1}'
r=$(post_t "[{\"id\":\"k4\",\"text\":\"happy friday everyone at the office\"},{\"id\":\"k5\",\"text\":\"my refund never arrived\"}]" application/json)
is "idle daemon, JSON, a complaint among others: 202" "$r" '202 {"accepted":2,"complaints":1,"duplicates":0}'
r=$(post_t '[]' application/json)
case $r in "400 "*"the array is empty"*) ok "idle daemon, empty JSON array: 400 at once" ;; *) not_ok "idle daemon, empty JSON array: 400 at once" "$r" ;; esac
r=$(post_t '

' application/x-ndjson)
case $r in "400 "*"no mentions"*) ok "idle daemon, NDJSON without a mention: 400 at once" ;; *) not_ok "idle daemon, NDJSON without a mention: 400 at once" "$r" ;; esac
r=$(post_t '{"text":"what a lovely evening by the river"}' application/json)
is "no complaint after all that: still 202 at once" "$r" '202 {"accepted":1,"complaints":0,"duplicates":0}'
# --- a failed start leaves no admin socket behind -------------------------
cat >"$TMPD/taken.yaml" <<Y
rules: $top_srcdir/etc/rules.d
http:
  listen: 127.0.0.1:$KPORT
spool:
  path: $TMPD/taken.db
admin:
  socket: $TMPD/taken.sock
Y
${KELUHD_WRAPPER:-} "$KELUHD" -c "$TMPD/taken.yaml" >"$TMPD/taken.out" 2>"$TMPD/taken.log"
st=$?
is "keluhd on a port already taken: exit status 1" "$st" 1
contains "it says why" "$TMPD/taken.log" "http: cannot listen on 127.0.0.1:$KPORT"
contains "the admin socket had been made" "$TMPD/taken.log" "admin: listening on $TMPD/taken.sock"
check "the admin socket file is gone after the failed start" test ! -e "$TMPD/taken.sock"
stop_keluhd

done_testing
