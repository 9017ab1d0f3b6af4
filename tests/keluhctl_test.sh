#!/bin/sh
# keluhctl test: verdicts, evidence, input errors and statistics against the
# real binary, with a small rule set of the test's own.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

R=$TMPD/rules
mkdir -p "$R"
cat >"$R/10-test.yaml" <<'Y'
scoring:
  thresholds: {critical: 80, high: 50, normal: 25, low: 10}
  boosts:
    followers: [{at_least: 10000, add: 15}]
    verified: 5
rules:
  - id: money.double
    description: Charged twice
    team: billing
    score: 45
    when:
      any:
        - keywords: [terpotong dua kali, charged twice, double charge*]
        - regex: 'saldo\s+(saya\s+)?hilang'
  - id: legal.threat
    team: legal
    score: 40
    when: {keywords: [ojk, lawyer, ylki]}
  - id: never.fires
    score: 10
    when: {keywords: [zzqqxx]}
Y

# --json: one object per line with the documented fields
printf '%s\n' 'Saldo saya hilang, lapor OJK!' >"$TMPD/one.txt"
"$KELUHCTL" test -r "$R" --json "$TMPD/one.txt" >"$TMPD/one.json"
is "--json: exit 0" "$?" 0
contains "--json: verdict fields" "$TMPD/one.json" \
	'{"id":"'"$TMPD"'/one.txt:1","complaint":true,"priority":"critical","score":85,"boost":0,"team":"billing","rules":["money.double","legal.threat"],'
contains "--json: regex evidence with its span in the original text" "$TMPD/one.json" \
	'{"rule":"money.double","kind":"regex","pattern":"saldo\\s+(saya\\s+)?hilang","start":0,"end":17,"text":"Saldo saya hilang"}'
contains "--json: keyword evidence" "$TMPD/one.json" \
	'{"rule":"legal.threat","kind":"keyword","pattern":"ojk","start":25,"end":28,"text":"OJK"}'

# NDJSON mentions: ids, authors and boosts; a missing id is derived
cat >"$TMPD/m.ndjson" <<'J'
{"id":"x:1","source":"x","text":"I was charged twice!!","author":{"handle":"@big","followers":25000,"verified":true}}
{"text":"I was charged twice!!"}
{"id":"x:3","text":"hello there"}
J
"$KELUHCTL" test -r "$R" --json "$TMPD/m.ndjson" >"$TMPD/m.json"
contains "ndjson: follower and verified boosts" "$TMPD/m.json" '"id":"x:1","complaint":true,"priority":"high","score":65,"boost":20'
contains "ndjson: no author, no boost" "$TMPD/m.json" '"complaint":true,"priority":"normal","score":45,"boost":0'
contains "ndjson: a missing id is derived from the content" "$TMPD/m.json" '{"id":"h:'
contains "ndjson: not a complaint" "$TMPD/m.json" '{"id":"x:3","complaint":false,"priority":"none","score":0'
"$KELUHCTL" test -r "$R" --json "$TMPD/m.ndjson" | grep -o '"id":"h:[0-9a-f]*"' >"$TMPD/id2"
grep -o '"id":"h:[0-9a-f]*"' "$TMPD/m.json" >"$TMPD/id1"
check "ndjson: the derived id is stable" cmp -s "$TMPD/id1" "$TMPD/id2"

# Bad input: each bad line is named with its line number and skipped; the
# rest is still classified; the exit status says something was wrong.
printf '%s\n' '{"id":"a","text":"charged twice"}' '{"id":"b","text":' '{"id":"c"}' \
	'{"id":"d","text":42}' '{"id":"e","text":"double charged","author":{"followers":"many"}}' \
	'{"id":"f","text":"ojk"}' >"$TMPD/bad.ndjson"
printf 'ok line\nbad \377 byte\n' >>"$TMPD/bad.ndjson"
"$KELUHCTL" test -r "$R" --json "$TMPD/bad.ndjson" >"$TMPD/bad.out" 2>"$TMPD/bad.err"
is "bad input: exit status 1" "$?" 1
contains "bad input: malformed JSON with its line" "$TMPD/bad.err" "$TMPD/bad.ndjson:2: error: malformed JSON"
contains "bad input: missing text" "$TMPD/bad.err" "$TMPD/bad.ndjson:3: error: 'text' is missing; line skipped"
contains "bad input: wrong type" "$TMPD/bad.err" "$TMPD/bad.ndjson:4: error: 'text' must be a string; line skipped"
contains "bad input: bad author field" "$TMPD/bad.err" "$TMPD/bad.ndjson:5: error: 'author.followers' must be a whole number >= 0"
contains "bad input: invalid UTF-8 with its byte offset" "$TMPD/bad.err" "$TMPD/bad.ndjson:8: error: invalid UTF-8 at byte 4; mention skipped"
is "bad input: the good lines are still classified" "$(grep -c '"id"' "$TMPD/bad.out")" 3

# --text: lines are text even when they start with '{'
printf '{charged twice}\n' | "$KELUHCTL" test -r "$R" --text --json >"$TMPD/t.json"
contains "--text: a brace line is plain text" "$TMPD/t.json" '"id":"stdin:1","complaint":true'

# human output: rule, description, evidence, highlighted text
printf 'Double charged again, calling my lawyer\n' | "$KELUHCTL" test -r "$R" --color never >"$TMPD/h.out"
contains "human: header" "$TMPD/h.out" "stdin:1  critical  score=85  team=billing"
contains "human: rule and description" "$TMPD/h.out" "  money.double (+45): Charged twice"
contains "human: evidence" "$TMPD/h.out" "    keyword 'double charge*' matched \"Double charge\" at 0-13"
contains "human: highlighted text" "$TMPD/h.out" "  | «Double charge»d again, calling my «lawyer»"
printf 'lawyer\n' | "$KELUHCTL" test -r "$R" --color always >"$TMPD/c.out"
contains "human: --color always uses ANSI bold red" "$TMPD/c.out" "$(printf '\033[1;31mlawyer\033[0m')"

# The score's breakdown: the strongest rule in full, the others up to
# max_extra together, negative rules, boosts, and the threshold reached.
S=$TMPD/scored
mkdir -p "$S"
cat >"$S/10-s.yaml" <<'Y'
scoring:
  thresholds: {critical: 80, high: 50, normal: 25, low: 10}
  max_extra: 30
  boosts:
    followers: [{at_least: 10000, add: 15}]
    verified: 5
rules:
  - {id: money.lost, team: billing, score: 45, when: {keywords: [saldo hilang]}}
  - {id: legal.threat, team: legal, score: 60, when: {keywords: [ojk]}}
  - {id: churn.leave, score: 35, when: {keywords: [pindah ke]}}
  - {id: tone.angry, score: 15, when: {keywords: [parah]}}
  - {id: noise.thanks, score: -20, when: {keywords: [makasih]}}
Y
printf '%s\n' '{"id":"p1","text":"saldo hilang, parah, pindah ke ovo, lapor ojk, makasih","author":{"followers":20000,"verified":true}}' \
	'{"id":"p2","text":"parah"}' '{"id":"p3","text":"makasih"}' >"$TMPD/p.ndjson"
"$KELUHCTL" test -r "$S" "$TMPD/p.ndjson" >"$TMPD/p.out"
contains "breakdown: a pile of rules is the strongest plus at most max_extra" "$TMPD/p.out" \
	"p1  critical  score=90 (boost +20)  team=legal"
contains "breakdown: which rule and which boost added what, and the threshold" "$TMPD/p.out" \
	"  score 90 = 60 legal.threat + 30 others (95, at most 30) - 20 negative + 15 followers + 5 verified: critical (80 or more)"
contains "breakdown: one rule alone" "$TMPD/p.out" \
	"  score 15 = 15 tone.angry: low (10 or more)"
contains "breakdown: only a negative rule" "$TMPD/p.out" \
	"  score -20 = -20 negative: not a complaint (low needs 10)"
"$KELUHCTL" test -r "$S" --json "$TMPD/p.ndjson" >"$TMPD/p.json"
contains "breakdown --json: the verdict's fields are kept" "$TMPD/p.json" \
	'{"id":"p1","complaint":true,"priority":"critical","score":90,"boost":20,"team":"legal","rules":["money.lost","legal.threat","churn.leave","tone.angry","noise.thanks"],'
contains "breakdown --json: every part" "$TMPD/p.json" \
	'"breakdown":{"top":{"rule":"legal.threat","score":60},"extra":{"rules":[{"rule":"money.lost","score":45},{"rule":"churn.leave","score":35},{"rule":"tone.angry","score":15}],"sum":95,"max":30,"counted":30},"negative":{"rules":[{"rule":"noise.thanks","score":-20}],"sum":-20},"boosts":{"followers":15,"verified":5},"threshold":{"priority":"critical","at_least":80}}}'
contains "breakdown --json: below the low threshold" "$TMPD/p.json" \
	'"threshold":{"priority":"none","below":10}}}'

# --verify: a test that fails on its priority shows how the score was made
mkdir -p "$TMPD/scored2"
cp "$S/10-s.yaml" "$TMPD/scored2/"
printf 'tests:\n  - text: saldo hilang, parah\n    priority: critical\n' >"$TMPD/scored2/20-t.yaml"
"$KELUHCTL" test -r "$TMPD/scored2" --verify >"$TMPD/v2.out"
is "--verify: a failed test exits 1" "$?" 1
contains "--verify: the failure names the parts of the score" "$TMPD/v2.out" \
	"    score 60 = 45 money.lost + 15 others (at most 30): high (50 or more)"

# --stats: hits per rule and priority, rules that never fired, throughput
printf 'charged twice\nojk\nhello\ncharged twice, ojk\n' | "$KELUHCTL" test -r "$R" --quiet --stats >"$TMPD/s.out"
contains "--stats: hits per rule" "$TMPD/s.out" "  money.double                            2"
contains "--stats: priorities" "$TMPD/s.out" "priorities: critical=1 high=0 normal=2 low=0 none=1"
contains "--stats: rules that never fired" "$TMPD/s.out" "never fired (1): never.fires"
tail -n 1 "$TMPD/s.out" | grep -Eq '^mentions=4 complaints=3 seconds=[0-9.]+ mentions_per_s=[0-9]+$'
is "--stats: the last line is the throughput line" "$?" 0
lacks "--quiet: no verdicts" "$TMPD/s.out" "stdin:1"

# -c: the rules directory comes from the config, relative to it
mkdir -p "$TMPD/conf/rules.d"
cp "$R/10-test.yaml" "$TMPD/conf/rules.d/"
printf 'rules: rules.d\n' >"$TMPD/conf/keluhd.yaml"
printf 'ojk\n' | "$KELUHCTL" test -c "$TMPD/conf/keluhd.yaml" --json >"$TMPD/cf.out"
contains "-c: rules found relative to the config file" "$TMPD/cf.out" '"rules":["legal.threat"]'

# usage errors
"$KELUHCTL" test --bogus </dev/null >/dev/null 2>&1
is "unknown option: exit 2" "$?" 2
"$KELUHCTL" frobnicate >/dev/null 2>&1
is "unknown command: exit 2" "$?" 2
"$KELUHCTL" test -r "$R" -c "$TMPD/conf/keluhd.yaml" </dev/null >/dev/null 2>&1
is "-c with -r: exit 2" "$?" 2
"$KELUHCTL" --version >"$TMPD/v.out"
contains "--version" "$TMPD/v.out" "keluhctl "

# The shipped packs classify the bundled demo mentions
"$KELUHCTL" test -r "$RULES" --json "$top_srcdir/etc/samples/mentions.ndjson" >"$TMPD/demo.json"
is "demo samples: exit 0" "$?" 0
n=$(grep -c '"complaint":true' "$TMPD/demo.json")
[ "$n" -gt 5 ]
is "demo samples: the packs find complaints ($n)" "$?" 0
n=$(grep -c '"complaint":false' "$TMPD/demo.json")
[ "$n" -gt 5 ]
is "demo samples: and leave other mentions alone ($n)" "$?" 0

# A long mention: the regex anchored at the end sees only the last
# regex_tail_window bytes, and the verdict says which rule's regex it was.
awk 'BEGIN {
	printf "{\"id\":\"long\",\"text\":\""
	for (i = 0; i < 3000; i++) printf "\342\200\246https://a"
	printf " x\"}\n{\"id\":\"short\",\"text\":\"read this\342\200\246 https://t.co/x\"}\n"
}' >"$TMPD/long.ndjson"
"$KELUHCTL" test -r "$RULES" --json "$TMPD/long.ndjson" >"$TMPD/long.json" 2>&1
contains "long mention, --json: the bound and the rule whose regex hit it" "$TMPD/long.json" \
	'"bounds":[{"rule":"noise.truncated_share","regex":"…\\s*+(?:https?://\\S++\\s*+)*+$","bound":"regex_tail_window"}]}'
grep '"id":"short"' "$TMPD/long.json" >"$TMPD/short.json"
lacks "short mention, --json: no bounds field" "$TMPD/short.json" '"bounds"'
contains "short mention: the tail regex still matches" "$TMPD/short.json" '"rules":["noise.truncated_share"]'
"$KELUHCTL" test -r "$RULES" "$TMPD/long.ndjson" >"$TMPD/long.txt" 2>&1
contains "long mention, text: the bound and the rule" "$TMPD/long.txt" \
	"  ! noise.truncated_share: regex '…\\s*+(?:https?://\\S++\\s*+)*+\$' saw only the last 1024 bytes of the text (limits: regex_tail_window)"

# A regex that first runs when the evidence of a matched rule is gathered
# (its rule matched on keywords) reports its bound under that rule.
awk 'BEGIN {
	printf "{\"id\":\"ev\",\"text\":\"aduh gak bisa login"
	for (i = 0; i < 600; i++) printf " lagi dan"
	printf " \342\200\246https://a\"}\n"
}' >"$TMPD/ev.ndjson"
"$KELUHCTL" test -r "$RULES" --json "$TMPD/ev.ndjson" >"$TMPD/ev.json" 2>&1
contains "a bound met while gathering evidence names the rule gathered for" "$TMPD/ev.json" \
	'{"rule":"access.login","regex":"\\b(can'

# near: the words of one condition in any order, a few words apart, each
# shown as evidence with its span; and a word doubled with a 2 matches the
# keyword written with a hyphen.
N=$TMPD/near
mkdir -p "$N"
cat >"$N/10-near.yaml" <<'Y'
rules:
  - id: money.lost
    score: 60
    when:
      near: {words: [saldo, ilang], within: 3}
  - id: money.late
    score: 30
    when:
      near: {words: [uang, belum masuk], within: 2, ordered: true}
  - id: money.cashback
    score: 30
    when: {keywords: [ga masuk-masuk]}
Y
printf '%s\n' 'saldo gue ilang' 'Ilang saldo gue!' 'saldo a b c d ilang' 'belum masuk uangnya' \
	'uang saya belum masuk' 'cashback ga masuk2' >"$N/in.txt"
"$KELUHCTL" test -r "$N" --color never "$N/in.txt" >"$N/out.txt" 2>&1
is "near: exit 0" "$?" 0
contains "near: evidence of the first word" "$N/out.txt" "    near 'saldo' matched \"saldo\" at 0-5"
contains "near: evidence of the second word" "$N/out.txt" "    near 'ilang' matched \"ilang\" at 10-15"
contains "near: in the other order too" "$N/out.txt" "    near 'ilang' matched \"Ilang\" at 0-5"
contains "near: both words highlighted" "$N/out.txt" '  | «Ilang» «saldo» gue!'
contains "near: a phrase as a word, in order" "$N/out.txt" \
	"    near 'belum masuk' matched \"belum masuk\" at 10-21"
contains "near: too far apart, out of order or not a whole word is no match" "$N/out.txt" \
	"in.txt:3  not-a-complaint  score=0"
contains "near: out of order is no match when ordered" "$N/out.txt" \
	"in.txt:4  not-a-complaint  score=0"
contains "reduplication: the keyword with a hyphen matches the 2" "$N/out.txt" \
	"    keyword 'ga masuk-masuk' matched \"ga masuk2\" at 9-18"
"$KELUHCTL" test -r "$N" --json "$N/in.txt" >"$N/out.json" 2>&1
contains "near --json: each word with its kind and span" "$N/out.json" \
	'"matches":[{"rule":"money.lost","kind":"near","pattern":"saldo","start":6,"end":11,"text":"saldo"},{"rule":"money.lost","kind":"near","pattern":"ilang","start":0,"end":5,"text":"Ilang"}]'

# rating: a review's stars, from --rating N or the mention's own "rating"
S=$TMPD/rating
mkdir -p "$S"
cat >"$S/r.yaml" <<'Y'
rules:
  - id: review.low
    score: 30
    when: {rating: <= 2}
  - id: review.crash
    score: 20
    when: {keywords: [crash*], rating: < 3}
tests:
  - {text: app keeps crashing, rating: 1, rules: [review.low, review.crash]}
  - {text: app keeps crashing, not_rules: [review.low, review.crash]}
  - {text: app keeps crashing, rating: 5, not_rules: [review.low, review.crash]}
Y
printf 'app keeps crashing\n' >"$S/in.txt"
"$KELUHCTL" test -r "$S" --rating 1 "$S/in.txt" >"$S/out.txt" 2>&1
is "--rating 1: exit 0" "$?" 0
contains "--rating 1: the rating rule matched" "$S/out.txt" "  review.low (+30)"
contains "--rating 1: the evidence says the rating held" "$S/out.txt" "    rating 1 <= 2"
contains "--rating 1: the keyword of a rule with both" "$S/out.txt" \
	"    keyword 'crash*' matched \"crash\" at 10-15"
"$KELUHCTL" test -r "$S" "$S/in.txt" >"$S/none.txt" 2>&1
contains "no --rating: no review, no rating rule" "$S/none.txt" "in.txt:1  not-a-complaint  score=0"
"$KELUHCTL" test -r "$S" --rating 5 --json "$S/in.txt" >"$S/five.json" 2>&1
contains "--rating 5 --json: the rating is in the verdict, nothing matched" "$S/five.json" \
	'"complaint":false,"priority":"none","score":0,"boost":0,"rating":5,"team":null,"rules":[]'
printf '{"id":"r1","text":"app keeps crashing","rating":2}\n' >"$S/in.ndjson"
"$KELUHCTL" test -r "$S" --json "$S/in.ndjson" >"$S/own.json" 2>&1
contains "a mention's own rating: its evidence in --json" "$S/own.json" \
	'"rating":2,"team":null,"rules":["review.low","review.crash"],"matches":[{"rule":"review.low","kind":"rating","pattern":"<= 2","start":0,"end":0,"text":""}'
"$KELUHCTL" test -r "$S" --rating 6 "$S/in.txt" >/dev/null 2>"$S/bad.err"
is "--rating 6: usage error" "$?" 2
contains "--rating 6: says what it takes" "$S/bad.err" \
	"keluhctl: --rating takes the review's stars, a number from 1 to 5, not '6'"
"$KELUHCTL" test -r "$S" --verify >"$S/verify.txt" 2>&1
is "rating: in tests: all pass" "$?" 0
contains "rating: in tests: three run" "$S/verify.txt" "verify: 3 passed, 0 failed"

done_testing
