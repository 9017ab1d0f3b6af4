#!/bin/sh
# The trends and rules pages' API against the real keluhd: complaints
# posted to /v1/mentions come back as counts by team and by rule (each
# equal to what was posted), a spike, the words rising, the complaints of
# a span with their filters, every rule's hits and the rule's YAML; bad
# parameters answer 400 naming the parameter and what it takes, other
# methods 405 with Allow, and nothing is read without a login.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

write_login_rules
add_rules <<'Y'
  # money
  - id: t.refund
    team: billing
    score: 40
    when: {keywords: [refund, uang kembali]}
  - id: t.crash
    score: 30
    when: {keywords: [crash]}
  - id: t.never
    team: tech
    score: 30
    when: {keywords: [zzqqxx]}
Y
TOKEN=trends-token-0123456789abcdef
printf '%s\n' "$TOKEN" >"$TMPD/ui.token"
chmod 600 "$TMPD/ui.token"
mkdir -p "$TMPD/ui"
printf '<!doctype html><title>keluh</title>\n' >"$TMPD/ui/index.html"
printf '/* chart */\n' >"$TMPD/chart.js"
write_conf "$TMPD/k.yaml" <<Y
ui:
  enabled: true
  listen: http
  token_file: ui.token
  root: ui
  chart_js: chart.js
Y

# api PATH [curl args]: "STATUS" with the body in $TMPD/b, the head in $TMPD/h
api() {
	p=$1
	shift
	curl -s -o "$TMPD/b" -D "$TMPD/h" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		"$@" "$URL$p"
}
# j EXPR: EXPR over the last answer's JSON (j)
j() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$TMPD/b"; }
hdr() { tr -d '\r' <"$TMPD/h" | sed -n "s/^$1: //Ip" | head -n 1; }
# mentions N PREFIX TEXT: N NDJSON mentions with ids PREFIX1..N
mentions() {
	i=1
	while [ "$i" -le "$1" ]; do
		printf '{"id":"%s%d","text":"%s","author":{"handle":"@a%d"},"url":"https://x.test/%s%d"}\n' \
			"$2" "$i" "$3" "$i" "$2" "$i"
		i=$((i + 1))
	done
}

start_keluhd "$TMPD/k.yaml"

is "nothing counted yet: every bucket 0, no series" \
	"$(api "/v1/trends?by=rule") $(j 'sum(j["mentions"]), len(j["buckets"]), j["series"], j["spikes"]')" \
	"200 0 288 [] []"
is "no terms yet" "$(api "/v1/trends/terms") $(j 'j["terms"]')" "200 []"

# The counts are of 5-minute buckets: all of the posts go into one, not
# across the turn of one (the spike below needs them together).
now=$(date +%s)
left=$((300 - now % 300))
[ "$left" -lt 25 ] && sleep "$left"

body=$( (mentions 3 lg "cannot login again"
	mentions 2 rf "where is my refund"
	mentions 1 both "login fails and no refund"
	mentions 1 cr "the app crash on start"
	mentions 4 ok "thanks, all good") )
is "11 mentions posted, 7 complaints" "$(post "$body")" \
	'202 {"accepted":11,"complaints":7,"duplicates":0}'

is "no token: 401" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/trends")" 401
# the counts reach the spool within a second or two of the mentions
wait_until 10 '[ "$(api "/v1/trends?range=24h" >/dev/null; j "sum(j[\"mentions\"])")" = 11 ]'
is "by team: 24h in 5-minute buckets" "$(api "/v1/trends?range=24h&by=team") $(j 'j["range"], j["step_s"], len(j["buckets"]), j["by"]')" \
	"200 24h 300 288 team"
is "every mention counted" "$(j 'sum(j["mentions"])')" 11
is "every complaint counted" "$(j 'sum(j["complaints"])')" 7
is "by team, equal to what was posted (no team: \"\")" \
	"$(j 'sorted((s["key"], s["total"], sum(s["counts"])) for s in j["series"])')" \
	"[('', 1, 1), ('billing', 3, 3), ('tech', 3, 3)]"
is "the buckets are RFC 3339, the last one holds now" \
	"$(j 'j["buckets"][-1] <= j["until_at"] and j["buckets"][0] == j["since_at"] and j["buckets"][-1].endswith("Z")')" True
is "no spike yet" "$(j 'j["spikes"]')" "[]"
is "by rule" "$(api "/v1/trends?range=24h&by=rule") $(j 'sorted((s["key"], s["total"]) for s in j["series"])')" \
	"200 [('t.crash', 1), ('t.login', 4), ('t.refund', 3)]"
is "by rule, complaints counted once" "$(j 'sum(j["complaints"])')" 7
is "7 days: hourly" "$(api "/v1/trends?range=7d") $(j 'j["step_s"], len(j["buckets"]), sum(j["complaints"])')" \
	"200 3600 168 7"
is "30 days: daily" "$(api "/v1/trends?range=30d&by=rule") $(j 'j["step_s"], len(j["buckets"]), sum(j["mentions"])')" \
	"200 86400 30 11"

# step= takes any of the three steps over any range; counts stay what was posted
is "7 days in 5-minute buckets" "$(api "/v1/trends?range=7d&step=5m") $(j 'j["step"], j["step_s"], len(j["buckets"]), sum(j["mentions"]), sum(j["complaints"])')" \
	"200 5m 300 2016 11 7"
is "each team's complaints in one 5-minute bucket, as posted" \
	"$(j 'sorted((s["key"], s["total"], [c for c in s["counts"] if c]) for s in j["series"])')" \
	"[('', 1, [1]), ('billing', 3, [3]), ('tech', 3, [3])]"
is "30 days in 5-minute buckets, by rule" "$(api "/v1/trends?range=30d&step=5m&by=rule") $(j 'j["step_s"], len(j["buckets"]), [c for c in j["complaints"] if c]')" \
	"200 300 8640 [7]"
is "each rule's hits in one 5-minute bucket, as posted" \
	"$(j 'sorted((s["key"], s["total"], [c for c in s["counts"] if c]) for s in j["series"])')" \
	"[('t.crash', 1, [1]), ('t.login', 4, [4]), ('t.refund', 3, [3])]"
is "the 5-minute buckets follow each other" \
	"$(j 'j["buckets"][1] > j["buckets"][0] and j["buckets"][0] == j["since_at"]')" True
is "30 days hourly" "$(api "/v1/trends?range=30d&step=1h&by=rule") $(j 'j["step"], len(j["buckets"]), sorted((s["key"], s["total"]) for s in j["series"])')" \
	"200 1h 720 [('t.crash', 1), ('t.login', 4), ('t.refund', 3)]"
is "a day over 24 hours: one bucket" "$(api "/v1/trends?range=24h&step=1d") $(j 'j["step_s"], len(j["buckets"]), j["mentions"]')" \
	"200 86400 1 [11]"
is "24 hours in 5-minute buckets, named" "$(api "/v1/trends?range=24h&step=5m") $(j 'j["step"], len(j["buckets"])')" \
	"200 5m 288"

# two more for tech: 5 in a bucket after 12 empty ones is a spike
post "$(mentions 2 lg2 "login broken")" >/dev/null
wait_until 10 '[ "$(api "/v1/trends?range=24h" >/dev/null; j "sum(j[\"mentions\"])")" = 13 ]'
api "/v1/trends?range=24h" >/dev/null
is "a spike of tech, against a baseline of 0" \
	"$(j '[(s["key"], s["count"], s["baseline"], s["at"] == j["buckets"][-1]) for s in j["spikes"]]')" \
	"[('tech', 5, 0.0, True)]"

is "terms: the matched words, rising" "$(api "/v1/trends/terms?range=24h") $(j '[(t["term"], t["count"], t["previous"], t["growth"]) for t in j["terms"]]')" \
	"200 [('login', 6, 0, 7.0), ('refund', 3, 0, 4.0)]"
is "terms: the spans" "$(j 'j["range"], j["previous_since_at"] < j["since_at"] < j["until_at"]')" "24h True"
is "terms: limit" "$(api "/v1/trends/terms?range=7d&limit=1") $(j '[t["term"] for t in j["terms"]]')" "200 ['login']"

since=$(date -u -d @$(($(date +%s) - 600)) +%Y-%m-%dT%H:%M:%SZ)
until=$(date -u -d @$(($(date +%s) + 60)) +%Y-%m-%dT%H:%M:%SZ)
is "mentions of a span: the complaints, newest first" \
	"$(api "/v1/trends/mentions?since=$since&until=$until") $(j 'len(j["mentions"]), j["more"], sorted(m["id"] for m in j["mentions"])[:3]')" \
	"200 9 False ['both1', 'cr1', 'lg1']"
is "each with its text, author, url, source, priority, team and rules" \
	"$(j '[(m["text"], m["author"], m["url"], m["source"], m["priority"], m["team"], m["rules"]) for m in j["mentions"] if m["id"] == "both1"]')" \
	"[('login fails and no refund', '@a1', 'https://x.test/both1', 'http', 'high', 'billing', ['t.login', 't.refund'])]"
is "by team" "$(api "/v1/trends/mentions?since=$since&until=$until&team=billing") $(j 'sorted(m["id"] for m in j["mentions"])')" \
	"200 ['both1', 'rf1', 'rf2']"
is "by rule" "$(api "/v1/trends/mentions?since=$since&until=$until&rule=t.login") $(j 'len(j["mentions"])')" "200 6"
is "no team: team=" "$(api "/v1/trends/mentions?since=$since&until=$until&team=") $(j '[m["id"] for m in j["mentions"]]')" "200 ['cr1']"
is "a limit, and more" "$(api "/v1/trends/mentions?since=$since&until=$until&limit=2") $(j 'len(j["mentions"]), j["more"]')" \
	"200 2 True"
is "an empty span" "$(api "/v1/trends/mentions?since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z") $(j 'j')" \
	"200 {'mentions': [], 'more': False}"

is "rules: every rule of the rule set" "$(api "/v1/rules?days=7") $(j '[(r["id"], r["total"], sum(r["hits"]), len(r["hits"]), r["team"], r["line"] > 0) for r in j["rules"]]')" \
	"200 [('t.login', 6, 6, 7, 'tech', True), ('t.refund', 3, 3, 7, 'billing', True), ('t.crash', 1, 1, 7, None, True), ('t.never', 0, 0, 7, 'tech', True)]"
is "the hits are today's" "$(j '[r["hits"][-1] for r in j["rules"]], len(j["days"]), j["days"][-1] < j["until_at"]')" \
	"[6, 3, 1, 0] 7 True"
is "a last hit for the rules that fired, none for the one that never did" \
	"$(j '[r["last_hit_at"] is not None for r in j["rules"]]')" "[True, True, True, False]"
is "precision: the share of a rule's cases not corrected, null without cases" \
	"$(j 'all(r["precision"] == (round((r["cases"] - r["not_complaint"]) / r["cases"], 2) if r["cases"] else None) for r in j["rules"])')" True
is "never fired" "$(j 'j["never_fired"]')" "['t.never']"
is "a rule's YAML: its lines only" "$(api "/v1/rules/t.refund") $(j 'j["id"], j["line"], j["file"].endswith("rules.d/10.yaml"), j["truncated"]')" \
	"200 t.refund 8 True False"
is "from its id to the next rule, without the list's indentation" "$(j 'j["yaml"]')" "- id: t.refund
  team: billing
  score: 40
  when: {keywords: [refund, uang kembali]}"
is "the last rule of its file" "$(api "/v1/rules/t.never") $(j 'j["yaml"].splitlines()[-1]')" \
	"200   when: {keywords: [zzqqxx]}"
is "an unknown rule: 404" "$(api "/v1/rules/t.nope") $(j 'j["error"]')" "404 no rule t.nope in the rules loaded now"

# --- bad parameters: 400 naming the parameter and what it takes -------------------
is "range" "$(api "/v1/trends?range=1y") $(j 'j["error"]')" "400 range is 24h, 7d or 30d"
is "by" "$(api "/v1/trends?by=author") $(j 'j["error"]')" "400 by is team or rule"
for st in 10m 5 1w ''; do
	is "step=$st" "$(api "/v1/trends?range=7d&step=$st") $(j 'j["error"]')" "400 step is 5m, 1h or 1d"
done
is "terms: range" "$(api "/v1/trends/terms?range=2d") $(j 'j["error"]')" "400 range is 24h, 7d or 30d"
is "terms: limit" "$(api "/v1/trends/terms?limit=0") $(j 'j["error"]')" "400 limit is a whole number from 1 to 100"
is "mentions: since" "$(api "/v1/trends/mentions?since=yesterday") $(j 'j["error"]')" \
	"400 since is an RFC 3339 instant such as 2026-12-07T03:00:00Z"
is "mentions: until before since" "$(api "/v1/trends/mentions?since=$until&until=$since") $(j 'j["error"]')" \
	"400 since must be before until"
is "mentions: limit" "$(api "/v1/trends/mentions?limit=501") $(j 'j["error"]')" "400 limit is a whole number from 1 to 500"
is "rules: days" "$(api "/v1/rules?days=x") $(j 'j["error"]')" "400 days is a whole number from 1 to 90"

# --- other methods: 405 with Allow --------------------------------------------
for p in /v1/trends /v1/trends/terms /v1/trends/mentions /v1/rules /v1/rules/t.login; do
	is "POST $p: 405" "$(api "$p" -X POST -d '{}') $(hdr Allow)" "405 GET, HEAD"
done
is "DELETE: 405 too" "$(api /v1/rules/t.login -X DELETE)" 405
is "answers are not cached" "$(api /v1/trends >/dev/null; hdr Cache-Control)" "no-store"

stop_keluhd

# Rollups of 10 and 20 days ago, at 5 minutes and hourly, survive the
# prune of a start: a 30-day view reads them at every step.
if command -v sqlite3 >/dev/null 2>&1; then
	now=$(date +%s)
	b5=$(((now - 10 * 86400) / 300 * 300))
	bh=$(((now - 20 * 86400) / 3600 * 3600))
	sqlite3 "$TMPD/k.db" ".timeout 5000" \
		"INSERT INTO stats (kind, step, bucket_ms, key, n) VALUES
		 (0, 300000, ${b5}000, '', 9), (1, 300000, ${b5}000, 'billing', 5),
		 (2, 300000, ${b5}000, 't.refund', 5), (1, 3600000, ${bh}000, 'tech', 4)"
	start_keluhd "$TMPD/k.yaml"
	at5=$(date -u -d "@$b5" +%Y-%m-%dT%H:%M:%SZ)
	ath=$(date -u -d "@$bh" +%Y-%m-%dT%H:%M:%SZ)
	is "a 5-minute row of 10 days ago is read" \
		"$(api "/v1/trends?range=30d&step=5m") $(j '[(j["buckets"][i], c) for i, c in enumerate(j["mentions"]) if c][0]')" \
		"200 ('$at5', 9)"
	is "by team, in its bucket" \
		"$(j '[(j["buckets"][i], c) for s in j["series"] if s["key"] == "billing" for i, c in enumerate(s["counts"]) if c][0]')" \
		"('$at5', 5)"
	is "by rule too" \
		"$(api "/v1/trends?range=30d&step=5m&by=rule") $(j '[(s["total"], [c for c in s["counts"] if c]) for s in j["series"] if s["key"] == "t.refund"]')" \
		"200 [(8, [5, 3])]"
	is "an hourly row of 20 days ago is read" \
		"$(api "/v1/trends?range=30d&step=1h") $(j '[(j["buckets"][i], c) for s in j["series"] if s["key"] == "tech" for i, c in enumerate(s["counts"]) if c][0]')" \
		"200 ('$ath', 4)"
	stop_keluhd
else
	for d in "a 5-minute row of 10 days ago is read" "by team, in its bucket" "by rule too" \
		"an hourly row of 20 days ago is read"; do
		skip "$d" "no sqlite3 to write old rollups into the spool"
	done
fi
done_testing
