#!/bin/sh
# Which rules run: keluhd.yaml's rules: {packs, dir, disable, override}, a
# rule's enabled: false and lang:, a rule file's disable:/override:. keluhd,
# keluhd --check and keluhctl test (without -r) load the same set, a reload
# picks up a change, --verify skips the tests of disabled rules and says so,
# and an entry that names no rule warns where it is written. Then the
# shipped default (a brand's view, the core pack) on the misfires the city
# tuning gave it.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

C=$TMPD/conf
mkdir -p "$C/rules.d"
cat >"$C/rules.d/10-mine.yaml" <<'Y'
rules:
  - id: mine.topup
    team: billing
    score: 30
    when: {keywords: [topup gagal, topup nyangkut]}
  - id: mine.off
    score: 30
    enabled: false
    when: {keywords: [zzqoff]}
disable: [general.harsh]
tests:
  - text: topup gagal lagi
    rules: [mine.topup]
    complaint: true
Y
conf() {
	cat >"$C/keluhd.yaml" <<Y
rules:
  packs: [core]
  packs_dir: $PACKS
  dir: rules.d
  disable: ['noise.*', city.nothing]
  override:
    money.fraud: {team: fraud, score: 45}
    money.frod: {score: 1}
$1
Y
}
conf "http: {listen: 127.0.0.1:0}
spool: {path: $TMPD/c.db}"

"$KELUHD" --check -c "$C/keluhd.yaml" >"$TMPD/check.out" 2>"$TMPD/check.err"
is "--check: the mapping form passes" "$?" 0
contains "--check: a disable entry that names no rule warns where it is written" "$TMPD/check.err" \
	"$C/keluhd.yaml:5:24: warning: disable: 'city.nothing' names no rule"
contains "--check: an override of no rule warns, with the near id" "$TMPD/check.err" \
	"$C/keluhd.yaml:8:5: warning: override: no rule 'money.frod'; did you mean 'money.fraud'?"
nrules=$(sed -n 's/.* rule files, \([0-9]*\) rules,.*/\1/p' "$TMPD/check.out")
ncore=$(grep -c '^  - id:' "$PACKS"/core/*.yaml | awk -F: '{ n += $2 } END { print n }')
nnoise=$(grep -c '^  - id: noise\.' "$PACKS/core/95-noise.yaml")
# core, minus general.harsh and noise.*, plus mine.topup (mine.off is off)
is "--check: the packs, the user's rules, less what is disabled" "$nrules" \
	"$((ncore - 1 - nnoise + 1))"

# keluhctl test without -r: the same set as keluhd
printf '%s\n' 'ini penipuan, scam' 'topup gagal lagi' 'zzqoff' 'GIVEAWAY! follow and RT to win' \
	'wtf' >"$TMPD/in.txt"
"$KELUHCTL" test -c "$C/keluhd.yaml" --json --text "$TMPD/in.txt" >"$TMPD/t.json" 2>"$TMPD/t.err"
is "keluhctl test -c: exit 0" "$?" 0
is "keluhctl test -c: one verdict per line" "$(grep -c '"complaint"' "$TMPD/t.json")" 5
contains "keluhctl test -c: the override's team" "$TMPD/t.json" '"team":"fraud"'
contains "keluhctl test -c: the override's score" "$TMPD/t.json" '"score":45'
contains "keluhctl test -c: the user's rule" "$TMPD/t.json" '"rules":["mine.topup"]'
lacks "keluhctl test -c: enabled: false never matches" "$TMPD/t.json" 'mine.off'
lacks "keluhctl test -c: a glob disables a family" "$TMPD/t.json" 'noise.promo'
lacks "keluhctl test -c: a rule file's disable: applies" "$TMPD/t.json" 'general.harsh'
contains "keluhctl test -c: the same warnings as --check" "$TMPD/t.err" "names no rule"

# --verify: the user's tests run; the packs' tests of disabled rules are
# skipped, each with its reason, and counted
"$KELUHCTL" test -c "$C/keluhd.yaml" --verify >"$TMPD/v.out" 2>&1
contains "--verify: the user's test runs" "$TMPD/v.out" "$C/rules.d/10-mine.yaml:12:5: ok"
contains "--verify: a skipped test says which rule and why" "$TMPD/v.out" \
	"skipped: names noise.promo, which is disabled by 'noise.*' at $C/keluhd.yaml:5"
nskip=$(grep -c ': skipped: ' "$TMPD/v.out")
contains "--verify: the summary counts the skipped tests" "$TMPD/v.out" \
	"$nskip skipped (they name rules that are disabled)"
[ "$nskip" -gt 0 ]
is "--verify: some pack tests were skipped ($nskip)" "$?" 0

# the old string form: that directory alone
printf 'rules: rules.d\n' >"$C/old.yaml"
"$KELUHD" --check -c "$C/old.yaml" >"$TMPD/old.out" 2>&1
contains "rules: DIR loads that directory alone" "$TMPD/old.out" "1 rule files, 1 rules,"

# errors in the rules: mapping, with their position
printf 'rules:\n  packs: [core, citty]\n  packs_dir: %s\n' "$PACKS" >"$C/bad.yaml"
"$KELUHD" --check -c "$C/bad.yaml" >/dev/null 2>"$TMPD/bad.err"
is "an unknown pack: exit 1" "$?" 1
contains "an unknown pack is named with the packs there are" "$TMPD/bad.err" \
	"$C/bad.yaml:2:17: error: no pack 'citty' in $PACKS; the packs there are: city, core"
printf 'rules:\n  packs: [core]\n  packs_dir: %s\n  override: {money.fraud: {score: high}}\n' \
	"$PACKS" >"$C/bad2.yaml"
"$KELUHD" --check -c "$C/bad2.yaml" >/dev/null 2>"$TMPD/bad2.err"
is "an override's score must be a number: exit 1" "$?" 1
contains "an override's bad score is pointed at" "$TMPD/bad2.err" "$C/bad2.yaml:4:35: error: score"
cat >"$C/rules.d/20-lang.yaml" <<'Y'
rules:
  - id: mine.lang
    score: 10
    lang: indonesian
    when: {keywords: [x]}
Y
"$KELUHD" --check -c "$C/keluhd.yaml" >/dev/null 2>"$TMPD/lang.err"
is "lang: must be a language code: exit 1" "$?" 1
contains "a bad lang is pointed at, with the fix" "$TMPD/lang.err" \
	"$C/rules.d/20-lang.yaml:4:11: error: lang 'indonesian' is not a language code"

# lang: a rule for Indonesian does not fire on an English mention; it does
# on Indonesian (X's "in" too) and on a mention of unknown language
cat >"$C/rules.d/20-lang.yaml" <<'Y'
rules:
  - id: mine.got
    score: 20
    lang: [id, su]
    when: {keywords: [got]}
tests:
  - text: got mampet
    lang: id
    rules: [mine.got]
  - text: I got it
    lang: en
    not_rules: [mine.got]
Y
printf '%s\n' '{"id":"en","lang":"en","text":"I got my parcel"}' \
	'{"id":"id","lang":"id","text":"got mampet"}' '{"id":"in","lang":"in","text":"got mampet"}' \
	'{"id":"enus","lang":"en-US","text":"got it"}' '{"id":"unk","text":"got mampet"}' >"$TMPD/lang.ndjson"
"$KELUHCTL" test -c "$C/keluhd.yaml" --json "$TMPD/lang.ndjson" >"$TMPD/lang.json" 2>/dev/null
is "lang: every mention is classified" "$(grep -c '"complaint"' "$TMPD/lang.json")" 5
for id in en enus; do
	grep "\"id\":\"$id\"" "$TMPD/lang.json" >"$TMPD/one"
	lacks "lang: [id, su] does not fire on lang $id" "$TMPD/one" mine.got
done
for id in id in unk; do
	grep "\"id\":\"$id\"" "$TMPD/lang.json" >"$TMPD/one"
	contains "lang: [id, su] fires on lang $id" "$TMPD/one" mine.got
done
"$KELUHCTL" test -c "$C/keluhd.yaml" --verify >"$TMPD/lv.out" 2>&1
contains "a test's lang: is the mention's language" "$TMPD/lv.out" "$C/rules.d/20-lang.yaml:10:5: ok"

# keluhd runs the same set, and a reload (SIGHUP) picks up a change
if start_keluhd "$C/keluhd.yaml"; then
	rules_now() { curl -s "$URL/healthz" | sed -n 's/.*"rules":\([0-9]*\).*/\1/p'; }
	is "keluhd: the set --check counted, with mine.got" "$(rules_now)" "$((nrules + 1))"
	r=$(post '{"id":"p1","text":"GIVEAWAY! follow and RT to win, topup nyangkut"}' application/json)
	is "keluhd: a disabled noise rule does not pull a complaint down" "$r" \
		'202 {"accepted":1,"complaints":1,"duplicates":0}'
	# drop the glob: the noise rules come back
	sed -i "s/disable: \['noise.\*', city.nothing\]/disable: []/" "$C/keluhd.yaml"
	kill -HUP "$KPID"
	wait_for 10 sh -c "[ \"\$(curl -s $URL/healthz | sed -n 's/.*\"rules\":\([0-9]*\).*/\1/p')\" = $((nrules + 1 + nnoise)) ]"
	is "after SIGHUP the noise rules are back" "$(rules_now)" "$((nrules + 1 + nnoise))"
	r=$(post '{"id":"p2","text":"GIVEAWAY today: follow us and RT to win a bike, topup nyangkut"}' application/json)
	is "keluhd: and they pull the promotion down again" "$r" \
		'202 {"accepted":1,"complaints":0,"duplicates":0}'
	stop_keluhd
else
	not_ok "keluhd starts on the mapping form" "$(tail -n 20 "$klog")"
fi

# The shipped default configuration is a brand's view: the core pack only.
D=$top_srcdir/etc/keluhd.yaml
contains "etc/keluhd.yaml loads the core pack" "$D" "  packs: [core]"
mis() {
	printf '%s\n' "$1" | "$KELUHCTL" test -c "$2" --json --text 2>/dev/null
}
v=$(mis 'jalanan depan kantor DompetKu macet parah gara2 antrian ojol' "$D")
case $v in *'"priority":"high"'* | *'"priority":"critical"'* | *city.*) r=no ;; *'"complaint"'*) r=yes ;; *) r="no verdict" ;; esac
is "default: a traffic jam in front of the brand's office is not high for the brand" "$r" yes
printf 'rules: {packs: [core, city], packs_dir: %s, dir: none}\n' "$PACKS" >"$TMPD/city.yaml"
v=$(mis 'jalanan depan kantor DompetKu macet parah gara2 antrian ojol' "$TMPD/city.yaml")
case $v in *city.traffic*) r=yes ;; *) r=no ;; esac
is "core+city: the same jam is the city's traffic" "$r" yes
v=$(mis 'saldo sy raib tiba2, dompet maling' "$D")
case $v in *'"team":"billing"'*) r=yes ;; *) r="no: $v" ;; esac
is "default: a stolen balance goes to the money team" "$r" yes
case $v in *safety.crime*) r=no ;; *'"complaint"'*) r=yes ;; *) r="no verdict" ;; esac
is "default: ... and is not a safety crime" "$r" yes
v=$(mis 'cashback ga masuk2, CS lemot, mending pindah ke ovo' "$D")
case $v in *'"complaint":true'*) r=yes ;; *) r="no: $v" ;; esac
is "default: a promo word does not cancel a failed cashback and a threat to leave" "$r" yes
printf '{"id":"g","lang":"en","text":"I got my package but the box was open"}\n' |
	"$KELUHCTL" test -c "$TMPD/city.yaml" --json >"$TMPD/got.json" 2>/dev/null
contains "core+city: the English mention is classified" "$TMPD/got.json" '"id":"g"'
lacks "core+city: English 'got' does not fire the Indonesian street words" "$TMPD/got.json" \
	general.city_topic

done_testing
