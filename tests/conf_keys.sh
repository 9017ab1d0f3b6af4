#!/bin/sh
# Every mapping of keluhd.yaml and of a rule file that has fixed keys says
# so about a misspelt key: one error, at the key's line and column, naming
# the key it is one letter off, and keluhd --check exits 1. Each case is
# the valid base below with one key changed, so that is the only error.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

base=$TMPD/base
mkdir -p "$base/rules.d"
printf 'secret-token\n' >"$base/mastodon.token"
printf 'reddit-app-secret\n' >"$base/reddit.secret"
chmod 600 "$base/mastodon.token" "$base/reddit.secret"

# A line ending in '#@TAG' holds the key of case TAG, first on its line
# (after the indentation and any '- '): so its column is known.
cat >"$base/keluhd.yaml" <<'Y'
rules:
  packs: []
  dir: rules.d
  disable: [billing.spare]
  override: #@rules
    billing.angry:
      score: 12 #@override
http:
  listen: 127.0.0.1:8470
  max_body: 1MiB
  timeout: 30s #@http
spool:
  path: spool.db
  keep_history: 7d #@spool
admin:
  socket: keluhd.sock #@admin
health_receivers: [console] #@top
sources:
  - name: demo
    type: demo
    rate: 2/s #@src-demo
  - name: stdin
    type: stdin
    loop: false #@src-stdin
  - name: file
    type: file
    path: mentions.ndjson
    loop: false #@src-file
  - name: sse
    type: sse
    url: http://127.0.0.1:1/events
    events: [mention] #@src-sse
    fields:
      text: /text
  - name: ndjson
    type: ndjson-stream
    url: http://127.0.0.1:1/stream
    stall: 2m #@src-ndjson
    fields:
      text: /text
  - name: poll
    type: json-poll
    url: http://127.0.0.1:1/poll
    items: /items
    cursor: /id
    cursor_param: since_id #@src-poll
    fields:
      text: /text
      author.handle: /user #@fields
  - name: masto
    type: mastodon
    url: http://127.0.0.1:1
    token_file: mastodon.token
    reblogs: false #@src-mastodon
    alert_after: 10m
    alert_to: [console] #@src-health
  - name: x
    type: x
    token_file: mastodon.token
    backoff_max: 10m #@src-x
  - name: feed
    type: rss
    url: http://127.0.0.1:1/feed.xml
    interval: 10m #@src-rss
  - name: reddit
    type: reddit
    subreddits: [AcmeSupport]
    client_id: abc123
    client_secret_file: reddit.secret
    user_agent: "linux:acme-keluh:1.0 (by /u/acme)" #@src-reddit
receivers:
  - name: console
    type: console
    samples: 3 #@rcv-console
  - name: hook
    type: webhook
    url: http://127.0.0.1:1/hook
    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
    max_concurrency: 2 #@rcv-webhook
  - name: slack
    type: slack
    url: http://127.0.0.1:1/slack
    channel: "#support" #@rcv-slack
    mention_on_critical: ["<!subteam^S0123ABC>"]
    mention_at_least: high #@rcv-page-min
  - name: mm
    type: mattermost
    url: http://127.0.0.1:1/mm
    username: keluh #@rcv-mattermost
  - name: discord
    type: discord
    url: http://127.0.0.1:1/discord
    rate: 1/s #@rcv-discord
    mention_on_critical: ["<@&222222222222222222>"] #@rcv-page
  - name: teams
    type: teams
    url: http://127.0.0.1:1/teams
    max_age: 1h #@rcv-teams
  - name: gchat
    type: googlechat
    url: http://127.0.0.1:1/gchat
    timeout: 10s #@rcv-googlechat
  - name: tg
    type: telegram
    bot_token: "123:abc"
    chat_id: "-100123"
    url: http://127.0.0.1:1 #@rcv-telegram
  - name: pd
    type: pagerduty
    routing_key: R0UT1NGKEY
    rate: 5/s #@rcv-pagerduty
  - name: mail
    type: email
    url: smtp://127.0.0.1:1
    username: keluh #@rcv-email
    password: hunter2
    from: keluh@example.com
    to: [support@example.com]
routes:
  - match:
      priority: critical
      team: billing #@match
    receivers: [pd]
    continue: true #@route
  - receivers: [console]
grouping:
  by: [rule, team]
  first_alert_after:
    critical: 0s
    normal: 2m #@first_alert_after
  updates_at_most_every: 5m #@grouping
incidents:
  - name: outage
    rules: [billing.refund]
    at_least: 5
    within: 5m
    cooldown: 30m #@incident
duplicates:
  window: 10m
  same_text: 40 #@duplicates
display:
  timezone: Asia/Jakarta
  language: id #@display
business_hours:
  timezone: Asia/Jakarta
  days: mon-fri
  hours: 08:00-17:00 #@bizhours
sla:
  critical:
    ack: 15m
    resolve: 4h #@sla-prio
  high: {ack: 1h} #@sla
  teams:
    billing:
      critical: {ack: 10m} #@sla-team
escalation:
  to: [console]
  repeat_every: 30m #@escalation
  critical:
    at_most: 5 #@escalation-prio
reports:
  - every: "mon 09:00"
    to: [console]
    since: 7d #@report
ui:
  enabled: false
  session_ttl: 12h #@ui
Y

cat >"$base/rules.d/10-all.yaml" <<'Y'
lists:
  money: [refund, "uang kembali"]
scoring:
  thresholds:
    critical: 80
    high: 50
    low: 10 #@thresholds
  boosts: #@scoring
    followers:
      - at_least: 10000
        add: 10 #@step
    verified: 10 #@boosts
rules:
  - id: billing.refund
    team: billing
    score: 30
    when:
      keywords: ["@money"]
  - id: billing.double
    description: charged twice #@rule
    score: 30
    when:
      regex: '\bcharged twice\b' #@when
  - id: billing.angry
    score: 10
    when:
      all:
        - keywords: [refund] #@cond
        - none:
            - keywords: [thanks]
  - id: billing.thanks
    score: -10
    when: {keywords: [thanks, makasih]}
  - id: billing.spare
    score: 5
    enabled: false
    lang: [id, en] #@rule2
    when: {keywords: [spare]}
override: #@top2
  billing.double: {team: billing}
tests: #@top
  - text: where is my refund
    rules: [billing.refund]
    not_rules: [billing.thanks] #@test
    author:
      followers: 10 #@author
Y

# TAG|KEY|TYPO|WHERE (as the error names the mapping)[|ERRORS]: ERRORS when the
# key is required, so its absence is a second error (1 if not given).
conf_cases='top|health_receivers|health_receiver|keluhd.yaml
rules|override|overide|rules
override|score|scor|an override
http|timeout|timeoat|http
spool|keep_history|keep_histry|spool
admin|socket|sockets|admin
src-demo|rate|rade|a source
ui|session_ttl|session_tl|ui
src-stdin|loop|lopp|a source
src-file|loop|loup|a source
src-sse|events|evants|a source
src-ndjson|stall|stoll|a source
src-poll|cursor_param|cursor_parm|a source
fields|author.handle|author.hondle|fields
src-mastodon|reblogs|reblog|a source
src-health|alert_to|alert_too|a source
src-x|backoff_max|backof_max|a source
src-rss|interval|intervall|a source
src-reddit|user_agent|usr_agent|a source
rcv-console|samples|sample|a receiver
rcv-webhook|max_concurrency|max_concurency|a receiver
rcv-slack|channel|chanel|a receiver
rcv-mattermost|username|usernme|a receiver
rcv-discord|rate|rat|a receiver
rcv-page|mention_on_critical|mention_on_critcal|a receiver
rcv-page-min|mention_at_least|mention_at_lest|a receiver
rcv-teams|max_age|max_ag|a receiver
rcv-googlechat|timeout|timout|a receiver
rcv-telegram|url|urk|a receiver
rcv-pagerduty|rate|rste|a receiver
rcv-email|username|user_name|a receiver
route|continue|contine|a route
match|team|teams|match
grouping|updates_at_most_every|updates_at_most_evry|grouping
first_alert_after|normal|normall|first_alert_after
incident|cooldown|cooldwn|an incident
duplicates|same_text|same_txt|duplicates
display|language|languag|display
bizhours|hours|hourss|business_hours|2
sla-prio|resolve|resolv|sla.critical
sla|high|hight|sla
sla-team|critical|critcal|sla.teams.billing
escalation|repeat_every|repeat_evry|escalation
escalation-prio|at_most|at_mots|escalation.critical
report|since|sinse|a report'

rules_cases='top|tests|test|a rule file
top2|override|overrid|a rule file
rule2|lang|lng|a rule
scoring|boosts|boost|scoring
thresholds|low|lov|thresholds
boosts|verified|verifed|boosts
step|add|ad|a followers step|2
rule|description|descripton|a rule
when|regex|regx|a condition
cond|keywords|keyword|a condition
test|not_rules|not_rule|a test
author|followers|follower|author'

# The base is valid: every case below fails because of its typo alone.
"$KELUHD" --check -c "$base/keluhd.yaml" >"$TMPD/base.out" 2>"$TMPD/base.err"
is "base config passes --check" "$?" 0
is "base config: nothing on stderr" "$(cat "$TMPD/base.err")" ""
contains "base config: the rule file as written" "$TMPD/base.out" \
	"1 rule files, 4 rules, 5 keywords, 1 regexes (0 without a prefilter literal), 1 lists, 1 tests"
contains "base config: every source and receiver kind" "$TMPD/base.out" \
	"10 sources, 10 receivers, 2 routes"

# run_case FILE(relative to the case dir) TAG KEY TYPO WHERE [ERRORS]
run_case() {
	rel=$1 tag=$2 key=$3 typo=$4 where=$5 nerr=${6:-1}
	dir=$TMPD/case-${rel%%/*}-$tag
	rm -rf "$dir"
	cp -R "$base" "$dir"
	line=$(grep -n "#@$tag\$" "$base/$rel" | cut -d: -f1)
	if [ "$(printf '%s\n' "$line" | grep -c .)" != 1 ]; then
		not_ok "$rel $tag: one line marked #@$tag" "lines: $line"
		return
	fi
	col=$(awk -v L="$line" -v k="$key:" 'NR == L {
		match($0, /^[ -]*/)
		if (index(substr($0, RLENGTH + 1), k) != 1) exit 1
		print RLENGTH + 1 }' "$base/$rel")
	if [ -z "$col" ]; then
		not_ok "$rel $tag: '$key' starts line $line"
		return
	fi
	awk -v L="$line" -v c="$col" -v k="$key" -v t="$typo" 'NR == L {
		$0 = substr($0, 1, c - 1) t substr($0, c + length(k)) } { print }' \
		"$base/$rel" >"$dir/$rel"
	"$KELUHD" --check -c "$dir/keluhd.yaml" >/dev/null 2>"$dir.err"
	is "$rel $tag: '$typo' fails --check with exit 1" "$?" 1
	contains "$rel $tag: '$typo' at $line:$col with a suggestion" "$dir.err" \
		"$dir/$rel:$line:$col: error: unknown key '$typo' in $where; did you mean '$key'?"
	is "$rel $tag: no error but the typo's ($nerr)" "$(grep -c ': error: ' "$dir.err")" "$nerr"
}

printf '%s\n' "$conf_cases" >"$TMPD/conf_cases"
while IFS='|' read -r tag key typo where nerr; do
	run_case keluhd.yaml "$tag" "$key" "$typo" "$where" "$nerr"
done <"$TMPD/conf_cases"

# A real key of another source or receiver type is named too, not
# ignored: TAG|KEY: VALUE|TYPE|NAME, the line added after TAG's.
foreign_cases='src-demo|url: http://127.0.0.1:1/x|demo|demo|sources
src-stdin|interval: 1m|stdin|stdin|sources
src-file|events: [mention]|file|file|sources
src-sse|interval: 1m|sse|sse|sources
src-ndjson|events: [mention]|ndjson-stream|ndjson|sources
src-poll|stall: 1m|json-poll|poll|sources
src-mastodon|subreddits: [acme]|mastodon|masto|sources
src-x|tag: acme|x|x|sources
src-rss|items: /items|rss|feed|sources
src-reddit|token_file: mastodon.token|reddit|reddit|sources
rcv-console|url: http://127.0.0.1:1/x|console|console|receivers
rcv-webhook|channel: "#support"|webhook|hook|receivers
rcv-slack|chat_id: "-100123"|slack|slack|receivers
rcv-mattermost|secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw|mattermost|mm|receivers
rcv-discord|channel: "#support"|discord|discord|receivers
rcv-teams|username: keluh|teams|teams|receivers
rcv-googlechat|routing_key: R0UT1NGKEY|googlechat|gchat|receivers
rcv-telegram|from: keluh@example.com|telegram|tg|receivers
rcv-pagerduty|bot_token: "123:abc"|pagerduty|pd|receivers
rcv-email|channel: "#support"|email|mail|receivers'

printf '%s\n' "$foreign_cases" >"$TMPD/foreign_cases"
while IFS='|' read -r tag kv type name what; do
	dir=$TMPD/foreign-$tag
	rm -rf "$dir"
	cp -R "$base" "$dir"
	line=$(grep -n "#@$tag\$" "$base/keluhd.yaml" | cut -d: -f1)
	indent=$(sed -n "${line}p" "$base/keluhd.yaml" | sed 's/[^ ].*//')
	awk -v L="$line" -v add="$indent$kv" '{ print } NR == L { print add }' \
		"$base/keluhd.yaml" >"$dir/keluhd.yaml"
	"$KELUHD" --check -c "$dir/keluhd.yaml" >/dev/null 2>"$dir.err"
	is "$type: '${kv%%:*}' of another type fails --check with exit 1" "$?" 1
	contains "$type: '${kv%%:*}' of another type is named" "$dir.err" \
		"$dir/keluhd.yaml:$((line + 1)):$((${#indent} + 1)): error: ${what%s} '$name': $type $what take no '${kv%%:*}'"
	is "$type: '${kv%%:*}' of another type: no other error" "$(grep -c ': error: ' "$dir.err")" 1
done <"$TMPD/foreign_cases"

printf '%s\n' "$rules_cases" >"$TMPD/rules_cases"
while IFS='|' read -r tag key typo where nerr; do
	run_case rules.d/10-all.yaml "$tag" "$key" "$typo" "$where" "$nerr"
done <"$TMPD/rules_cases"

done_testing
