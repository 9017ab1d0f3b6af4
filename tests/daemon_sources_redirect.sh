#!/bin/sh
# Redirects and a source's secrets: a json-poll source and an sse source,
# each with a header that is a secret (X-Api-Key) and a bearer token, are
# redirected by their server to a second server on another port (another
# origin). Neither header may ever reach it: the request there is never
# sent, the source fails, its error is counted and logged with the new
# address, and its health alert says so. A redirect within the same origin
# is followed, headers and all.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hook
write_login_rules

# server NAME SCRIPT: a stream server with that script; sets NAME_port
server() {
	printf '%s\n' "$2" >"$TMPD/$1.json"
	start_stream_server "$1" "$TMPD/$1.json"
}

api='{"headers": {"Content-Type": "application/json"}, "stream": false,
      "body": "{\"items\": [{\"id\": \"1\", \"content\": \"login gagal\"}]}"}'
sse='{"headers": {"Content-Type": "text/event-stream"},
      "body": "data: {\"id\": \"s1\", \"content\": \"login gagal lagi\"}\n\n", "after": "hold"}'
# the other origin would answer as the real thing, to anyone
server other "{\"/api\": [$api], \"/sse\": [$sse]}"
server first "{
  \"/api\": [{\"status\": 302, \"headers\": {\"Location\": \"http://127.0.0.1:$other_port/api\"}}],
  \"/sse\": [{\"status\": 307, \"headers\": {\"Location\": \"http://127.0.0.1:$other_port/sse\"}}],
  \"/old\": [{\"status\": 301, \"headers\": {\"Location\": \"/new\"}}],
  \"/new\": [$api]}"
printf 'tok-secret-789\n' >"$TMPD/src.token"

write_conf "$TMPD/c.yaml" <<Y
sources:
  - name: api
    type: json-poll
    url: http://127.0.0.1:$first_port/api
    headers: {X-Api-Key: key-secret-123}
    token_file: src.token
    interval: 1s
    backoff_max: 1s
    alert_after: 1s
    items: /items
    fields: {id: /id, text: /content}
  - name: live
    type: sse
    url: http://127.0.0.1:$first_port/sse
    headers: {X-Api-Key: key-secret-123}
    token_file: src.token
    backoff_max: 1s
    fields: {id: /id, text: /content}
  - name: moved
    type: json-poll
    url: http://127.0.0.1:$first_port/old
    headers: {X-Api-Key: key-secret-123}
    interval: 1s
    items: /items
    fields: {id: /id, text: /content}
health_receivers: [hook]
$(conf_alert_each hook /h)
Y
start_keluhd "$TMPD/c.yaml"
is "keluhd starts" "$?" 0

metric() { curl -s "$URL/metrics" | grep -F "$1" | sed 's/.* //'; }
errors() { metric "keluh_source_errors_total{source=\"$1\",kind=\"redirect\"}"; }
reqs() { grep -c "\"path\": \"$2\"" "$TMPD/$1.log" 2>/dev/null || echo 0; }

# a redirect within the origin is followed, with its headers
wait_for 15 grep -q 'login gagal' "$hook_log"
is "a same-origin redirect is followed" "$(reqs first /new)" 1
check "the same-origin request carried the header" \
	grep -q '"path": "/new".*"x-api-key": "key-secret-123"' "$TMPD/first.log"

# a redirect to another origin: refused, counted, logged, and a health alert
wait_until 15 '[ "$(errors api)" -ge 2 ] && [ "$(errors live)" -ge 2 ]'
check "json-poll: the refused redirects are counted" [ "$(errors api)" -ge 2 ]
check "sse: the refused redirects are counted" [ "$(errors live)" -ge 2 ]
for s in api sse; do
	check "/$s was asked of the first server" [ "$(reqs first /$s)" -ge 2 ]
done
is "the other origin never got a request" "$(count_lines "$TMPD/other.log")" 0
lacks "the header never reached the other origin" "$TMPD/other.log" "key-secret-123"
lacks "the token never reached the other origin" "$TMPD/other.log" "tok-secret-789"
contains "json-poll: the log names the new address" "$klog" \
	"source api: HTTP 302 redirected to another host: http://127.0.0.1:$other_port/api; its headers and token are not sent there: set url to the new address"
contains "sse: the log names the new address" "$klog" \
	"source live: HTTP 307 redirected to another host: http://127.0.0.1:$other_port/sse"
is "json-poll shows as not connected" "$(metric 'keluh_source_connected{source="api"}')" 0
wait_for 15 grep -q "was redirected to another host" "$hook_log"
contains "the health alert says where the source was redirected" "$hook_log" \
	"it was redirected to another host: http://127.0.0.1:$other_port/api; set url to the new address."
lacks "no secret in keluhd's log" "$klog" "secret"
stop_keluhd
done_testing
