#!/bin/sh
# keluhctl on a configuration whose secrets it cannot read: the README's
# Slack receiver (url_file) and every other *_file secret, with the files
# missing or unreadable and no credentials directory. Every keluhctl
# command needs paths only (the spool, the admin socket, the rules), so
# each one works, never opens a secret and never judges its (unread) value.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

mkdir -p "$TMPD/etc"
write_rules <<'Y'
rules:
  - id: t.refund
    team: billing
    score: 60
    when: {keywords: [refund]}
tests:
  - {text: "where is my refund", rules: [t.refund]}
Y
start_sink hook --default 400
SOCK=$TMPD/admin.sock
# keluhd runs on a config of its own: the same spool, socket and rules
write_conf "$TMPD/d.yaml" "$TMPD/rules.d" "$TMPD/spool.db" <<Y
admin: {socket: $SOCK}
receivers:
  - {name: support-slack, type: webhook, url: "http://127.0.0.1:$hook_port/h"}
routes:
  - {receivers: [support-slack]}
grouping:
  first_alert_after: {critical: 0s, high: 0s, normal: 0s, low: 0s}
Y
# what keluhctl reads: secrets everywhere, none readable by it
printf 'not a url at all\n' >"$TMPD/etc/garbage.url"
printf 'https://hooks.slack.com/services/T/B/X\n' >"$TMPD/etc/locked.url"
chmod 000 "$TMPD/etc/locked.url"
cat >"$TMPD/etc/keluhd.yaml" <<Y
rules: $TMPD/rules.d
http:
  listen: 127.0.0.1:8470
  tokens_file: ingest.tokens
  signing_keys_file: ingest.keys
spool: {path: $TMPD/spool.db}
admin: {socket: $SOCK}
sources:
  - {name: r, type: reddit, subreddits: [indonesia], client_id: abcdef, client_secret_file: reddit.secret, user_agent: "linux:keluh-test:1.0 (by /u/someone)"}
  - {name: m, type: mastodon, url: "https://mastodon.example", token_file: mastodon.token}
receivers:
  - {name: console, type: console}
  - {name: support-slack, type: slack, url_file: slack.url}
  - {name: locked, type: slack, url_file: locked.url}
  - {name: garbage, type: discord, url_file: garbage.url}
  - {name: audit, type: webhook, url: "https://hooks.example.com/keluh", secret_file: audit.whsec}
  - {name: oncall, type: pagerduty, routing_key_file: pagerduty.key}
  - {name: tg, type: telegram, bot_token_file: telegram.token, chat_id: "-1001234567890"}
  - {name: mail, type: email, url: "smtps://smtp.example.com:465", username: keluh, password_file: smtp.password, from: k@example.com, to: [s@example.com]}
routes:
  - {receivers: [support-slack]}
Y
C=$TMPD/etc/keluhd.yaml
unset CREDENTIALS_DIRECTORY

start_keluhd "$TMPD/d.yaml"
post '{"id":"s1","text":"where is my refund"}' >/dev/null
wait_for 20 sh -c "'$KELUHCTL' queue --dead --spool '$TMPD/spool.db' | grep -q 'HTTP 400'"

# no_conf_error FILE: nothing about the config, its secrets or the spool's place
no_conf_error() {
	! grep -Eq 'must start|whsec_|cannot read|cannot find|has errors|error:' "$1"
}

"$KELUHCTL" alerts -c "$C" >"$TMPD/alerts.out" 2>&1
is "alerts -c: exit 0" "$?" 0
contains "alerts -c: lists the alert from the spool" "$TMPD/alerts.out" "t.refund"
check "alerts -c: no word about secrets" no_conf_error "$TMPD/alerts.out"

"$KELUHCTL" queue -c "$C" >"$TMPD/queue.out" 2>&1
is "queue -c: exit 0" "$?" 0
contains "queue -c: counts the outbox" "$TMPD/queue.out" "0 pending, 1 dead"
check "queue -c: no word about secrets" no_conf_error "$TMPD/queue.out"

"$KELUHCTL" queue -c "$C" --dead >"$TMPD/dead.out" 2>&1
is "queue --dead -c: exit 0" "$?" 0
contains "queue --dead -c: lists the dead letter" "$TMPD/dead.out" "support-slack"

id=$("$KELUHCTL" queue --dead --json --spool "$TMPD/spool.db" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')
"$KELUHCTL" retry -c "$C" "$id" >"$TMPD/retry1.out" 2>&1
is "retry ID -c: exit 0" "$?" 0
contains "retry ID -c: requeued" "$TMPD/retry1.out" "requeued"
wait_for 20 sh -c "'$KELUHCTL' queue --dead --spool '$TMPD/spool.db' | grep -q 'HTTP 400'"
"$KELUHCTL" retry -c "$C" --all-dead >"$TMPD/retry.out" 2>&1
is "retry --all-dead -c: exit 0" "$?" 0
contains "retry --all-dead -c: requeued" "$TMPD/retry.out" "requeued 1 dead delivery"
wait_for 20 sh -c "'$KELUHCTL' queue --dead --spool '$TMPD/spool.db' | grep -q 'HTTP 400'"
"$KELUHCTL" drop -c "$C" "$id" >"$TMPD/drop.out" 2>&1
is "drop ID -c: exit 0" "$?" 0
contains "drop ID -c: dropped" "$TMPD/drop.out" "dropped"

"$KELUHCTL" status -c "$C" >"$TMPD/status.out" 2>&1
is "status -c: exit 0" "$?" 0
contains "status -c: keluhd answered" "$TMPD/status.out" "1 rules"
check "status -c: no word about secrets" no_conf_error "$TMPD/status.out"

"$KELUHCTL" silence add -c "$C" --match rule=t.refund --for 1h --reason test >"$TMPD/sil.out" 2>&1
is "silence add -c: exit 0" "$?" 0
sid=$(sed -n 's/^silence \([0-9]*\) created.*/\1/p' "$TMPD/sil.out")
"$KELUHCTL" silence list -c "$C" >"$TMPD/sl.out" 2>&1
is "silence list -c: exit 0" "$?" 0
contains "silence list -c: shows it" "$TMPD/sl.out" "rule=t.refund"
"$KELUHCTL" silence expire -c "$C" "${sid:-0}" >"$TMPD/se.out" 2>&1
is "silence expire -c: exit 0" "$?" 0

"$KELUHCTL" reload -c "$C" >"$TMPD/reload.out" 2>&1
is "reload -c: exit 0" "$?" 0

echo 'where is my refund' | "$KELUHCTL" test -c "$C" >"$TMPD/test.out" 2>&1
is "test -c (no -r): exit 0" "$?" 0
contains "test -c: classified with the config's rules" "$TMPD/test.out" "t.refund"
check "test -c: no word about secrets" no_conf_error "$TMPD/test.out"
"$KELUHCTL" test -c "$C" --verify >"$TMPD/verify.out" 2>&1
is "test -c --verify: exit 0" "$?" 0

# a credentials directory that is not there changes nothing
CREDENTIALS_DIRECTORY=$TMPD/no-such-dir "$KELUHCTL" alerts -c "$C" >"$TMPD/alerts2.out" 2>&1
is "alerts -c with a missing CREDENTIALS_DIRECTORY: exit 0" "$?" 0

# keluhd itself still reads and checks them, and says which one is missing
"$KELUHD" --check -c "$C" >"$TMPD/kcheck.out" 2>&1
is "keluhd --check still refuses the unreadable secrets" "$?" 1
contains "keluhd --check names the secret file" "$TMPD/kcheck.out" "slack.url"

stop_keluhd
done_testing
