#!/bin/sh
# The storage and acknowledge path of keluhd: every POST gets its answer,
# also when its pass writes nothing; 202 only once the spool is durable,
# 503 with Retry-After when the disk fails, and recovery after.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

# post_t BODY CONTENT-TYPE [curl args]: like post, but gives up after 5 s
# ("000" then); the answer's head is in $TMPD/post.head
post_t() {
	pb=$1 pc=$2
	shift 2
	post "$pb" "$pc" --max-time 5 -D "$TMPD/post.head" "$@"
}

# --- a pass that commits nothing still answers --------------------------
write_conf "$TMPD/idle.yaml" "$top_srcdir/packs/core" </dev/null
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
rules: $top_srcdir/packs/core
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

# --- the disk fails: 503, nothing sent that is not durable, recovery -----
# tests/faultfs.so, preloaded, fails calls on the spool's files as the
# control file says. Under ASan its runtime must come first.
SHIM=$top_builddir/tests/faultfs.so
FAULTS=$TMPD/faults
asan=$(ldd "$KELUHD" 2>/dev/null | awk '/libasan/ { print $3 }')
preload=$SHIM
[ -n "$asan" ] && preload=$asan:$SHIM
start_sink hook
write_conf "$TMPD/faults.yaml" "$top_srcdir/packs/core" <<Y
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$hook_port/hook", timeout: 2s}
routes:
  - {receivers: [hook]}
$(conf_at_once)
Y
: >"$FAULTS"
KELUHD_WRAPPER="env LD_PRELOAD=$preload KELUH_FAULTS=$FAULTS" start_keluhd "$TMPD/faults.yaml" "$TMPD/faults.log"
is "keluhd starts with the fault shim" "$?" 0

# metric NAME: its value in /metrics (0 if absent)
metric() {
	v=$(curl -s "$URL/metrics" | sed -n "s/^$1 //p")
	echo "${v:-0}"
}
r=$(post_t '{"id":"w0","text":"cannot login since monday"}' application/json)
is "before any fault: 202" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'
wait_for 15 grep -qF '\"w0\"' "$hook_log"
is "before any fault: its alert is delivered" "$?" 0

# fault_case NAME FAULT ID TEXT: the POST that meets FAULT is answered 503
# with Retry-After, its alert is not sent while the fault lasts, ingest
# stays closed; once the fault clears keluhd takes mentions again and the
# same mention sent again is taken and delivered.
fault_case() {
	name=$1 fault=$2 id=$3 text=$4
	errs=$(metric keluh_spool_errors_total)
	echo "$fault" >"$FAULTS"
	r=$(post_t "{\"id\":\"$id\",\"text\":\"$text\"}" application/json)
	is "$name: 503" "$r" '503 {"error":"could not store the mentions; send them again"}'
	contains "$name: with Retry-After" "$TMPD/post.head" "Retry-After: 5"
	# keluhd tries the spool again every second; two more failed tries are
	# two more delivery rounds in which nothing may go out
	wait_until 20 '[ "$(metric keluh_spool_errors_total)" -ge $((errs + 3)) ]'
	is "$name: the spool is tried again and still fails" "$?" 0
	lacks "$name: nothing of that batch is delivered" "$hook_log" "\\\"$id\\\""
	r=$(post_t '{"id":"x-'"$id"'","text":"my refund never arrived"}' application/json)
	is "$name: ingest answers 503 while the spool fails" "$r" '503 {"error":"the spool is failing; retry later"}'
	contains "$name: ... with Retry-After" "$TMPD/post.head" "Retry-After: 5"
	is "$name: /healthz says so" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 503
	lacks "$name: still nothing of that batch delivered" "$hook_log" "\\\"$id\\\""
	: >"$FAULTS"
	wait_until 20 '[ "$(curl -s -o /dev/null -w "%{http_code}" "$URL/healthz")" = 200 ]'
	is "$name: the spool works again once the fault clears" "$?" 0
	r=$(post_t "{\"id\":\"$id\",\"text\":\"$text\"}" application/json)
	is "$name: the same mention sent again: 202, taken again" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'
	wait_for 15 grep -qF "\\\"$id\\\"" "$hook_log"
	is "$name: now its alert is delivered" "$?" 0
}
fault_case "fdatasync fails (EIO)" "fdatasync EIO faults.db" w1 "the app crashes at checkout"
fault_case "the disk is full (ENOSPC)" "write ENOSPC faults.db" w2 "my parcel never arrived, refund please"
fault_case "the spool is read-only (EROFS)" "write EROFS faults.db" w3 "saldo saya terpotong dua kali"
contains "the failure is logged once, with the reason" "$TMPD/faults.log" "spool: sync failed: $TMPD/faults.db-wal: fdatasync: Input/output error"
contains "the disk full is logged" "$TMPD/faults.log" "spool: commit failed"
contains "the recovery is logged" "$TMPD/faults.log" "spool: works again after"
n=$(grep -cF '\"w2\"' "$hook_log")
is "a batch the disk lost and was sent again is delivered once" "$n" 1
stop_keluhd

# a spool that cannot be opened for writing: keluhd does not start
echo "open EACCES unwritable.db" >"$FAULTS"
env LD_PRELOAD="$preload" KELUH_FAULTS="$FAULTS" "$KELUHD" -c "$TMPD/faults.yaml" --spool "$TMPD/unwritable.db" >/dev/null 2>"$TMPD/unwritable.log"
is "an unwritable spool: exit status 1" "$?" 1
contains "it names the spool and the reason" "$TMPD/unwritable.log" "cannot open the spool $TMPD/unwritable.db"
: >"$FAULTS"

# --- file modes: the spool is 0600 whatever the umask; open secrets are said
M=$TMPD/modes
mkdir "$M"
umask 022
printf 'tok-m\n' >"$M/tokens"
printf 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n' >"$M/hook.secret"
cat >"$M/keluhd.yaml" <<Y
rules: $top_srcdir/packs/core
http:
  listen: 127.0.0.1:0
  tokens_file: $M/tokens
spool:
  path: $M/spool.db
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:9/hook", secret_file: $M/hook.secret}
routes:
  - {receivers: [hook]}
Y
start_keluhd "$M/keluhd.yaml" "$M/k1.log"
r=$(post_t '{"id":"p1","text":"cannot login since monday"}' application/json -H "Authorization: Bearer tok-m")
is "umask 022: keluhd takes mentions" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'
is "umask 022: the spool is made 0600" "$(stat -c %a "$M/spool.db")" 600
is "umask 022: its write-ahead log is 0600" "$(stat -c %a "$M/spool.db-wal")" 600
is "umask 022: its shared-memory file is 0600" "$(stat -c %a "$M/spool.db-shm")" 600
contains "a tokens_file others can read: a warning that says what to do" "$M/k1.log" \
	"tokens_file $M/tokens is readable by others (mode 0644); chmod 600 $M/tokens"
contains "a receiver's secret_file others can read: the same" "$M/k1.log" \
	"secret_file $M/hook.secret is readable by others (mode 0644); chmod 600 $M/hook.secret"
is "the warning comes once per load" "$(grep -c 'tokens_file.*readable by others' "$M/k1.log")" 1
stop_keluhd
chmod 600 "$M/tokens" "$M/hook.secret"
# an existing spool keeps its mode, and works
chmod 640 "$M/spool.db"
start_keluhd "$M/keluhd.yaml" "$M/k2.log"
lacks "secrets at 0600: no warning" "$M/k2.log" "readable by others"
r=$(post_t '{"id":"p2","text":"my refund never arrived"}' application/json -H "Authorization: Bearer tok-m")
is "an existing spool of mode 0640: keluhd takes mentions" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'
is "... and it keeps its mode" "$(stat -c %a "$M/spool.db")" 640
stop_keluhd

# --- a failed checkpoint: nothing is lost, so no 503 ---------------------
# Copying the write-ahead log into the database runs on a thread every
# 4,000 pages (16 MB); when it fails the log keeps everything and keeps
# being synced, so mentions are still answered 202, and durable. The
# failure is logged and counted; the next copy after the fault works.
cat >"$TMPD/ckpt.yaml" <<Y
rules: $top_srcdir/packs/core
http:
  listen: 127.0.0.1:0
  max_body: 32MiB
spool:
  path: $TMPD/ckpt.db
duplicates:
  same_text: 0
Y
# big_batch PREFIX: 300 complaints of 60 KB each, about 18 MB in the log
big_batch() {
	python3 - "$1" >"$TMPD/big.ndjson" <<'PY'
import json, sys
for i in range(300):
    t = "cannot login since monday, order %s-%d " % (sys.argv[1], i)
    print(json.dumps({"id": "%s-%d" % (sys.argv[1], i), "text": t + "x" * (60000 - len(t))}))
PY
	curl -s --max-time 60 -o "$TMPD/big.out" -w '%{http_code}' -H 'Content-Type: application/x-ndjson' \
		--data-binary @"$TMPD/big.ndjson" "$URL/v1/mentions"
}
: >"$FAULTS"
: >"$FAULTS.hits"
KELUHD_WRAPPER="env LD_PRELOAD=$preload KELUH_FAULTS=$FAULTS" start_keluhd "$TMPD/ckpt.yaml" "$TMPD/ckpt.log"
# writes to the database file itself (not its -wal) are the checkpoint's
echo 'write EIO ckpt.db$' >"$FAULTS"
is "checkpoint failing: a big batch is still answered 202" "$(big_batch c1)" 202
wait_for 20 grep -q 'spool: checkpoint:' "$TMPD/ckpt.log"
is "the failed checkpoint is logged" "$?" 0
contains "... at the database file" "$FAULTS.hits" "write $TMPD/ckpt.db"
r=$(post_t '{"id":"c-small","text":"my refund never arrived"}' application/json)
is "checkpoint failed: ingest stays open (nothing is lost)" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'
is "checkpoint failed: /healthz stays ok" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 200
ck0=$(stat -c %s "$TMPD/ckpt.db")
: >"$FAULTS"
is "fault cleared: the next big batch: 202" "$(big_batch c2)" 202
wait_until 20 '[ "$(stat -c %s "$TMPD/ckpt.db")" -gt $((ck0 + 8000000)) ]'
is "fault cleared: the next checkpoint copies the log into the database" "$?" 0
stop_keluhd
is "every complaint is in the spool" \
	"$(sqlite3 "$TMPD/ckpt.db" 'select count(*) from mentions' 2>&1)" 601

done_testing
