#!/bin/sh
# What people type from habit: keluhd -t (nginx, sshd) and keluhctl check
# do what keluhd --check does; a bad silence add (--for 2 hours, a time
# that is none, a missing --reason) says what is wrong and the form
# expected, before any daemon is asked.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

mkdir -p "$TMPD/c/rules.d" "$TMPD/bad/rules.d"
cat >"$TMPD/c/rules.d/10.yaml" <<'Y'
rules:
  - id: t.refund
    score: 30
    when: {keywords: [refund]}
Y
cat >"$TMPD/c/keluhd.yaml" <<'Y'
rules: rules.d
receivers:
  - {name: console, type: console}
routes:
  - {receivers: [console]}
Y
printf 'rules: rules.d\nrulez: x\n' >"$TMPD/bad/keluhd.yaml"

# summary PROGRAM-OUTPUT: the summary line without its timing
summary() { sed 's/compiled in [0-9.]* ms/compiled/' "$1"; }

"$KELUHD" --check -c "$TMPD/c/keluhd.yaml" >"$TMPD/check.out" 2>&1
is "keluhd --check: exit 0" "$?" 0
"$KELUHD" -t -c "$TMPD/c/keluhd.yaml" >"$TMPD/t.out" 2>&1
is "keluhd -t: exit 0" "$?" 0
is "keluhd -t says what --check says" "$(summary "$TMPD/t.out")" "$(summary "$TMPD/check.out")"
contains "keluhd -t: the summary" "$TMPD/t.out" "$TMPD/c/keluhd.yaml: ok: 1 rule files, 1 rules"
"$KELUHD" -t -c "$TMPD/bad/keluhd.yaml" >"$TMPD/tbad.out" 2>&1
is "keluhd -t on a broken config: exit 1" "$?" 1
contains "keluhd -t: the error with its position" "$TMPD/tbad.out" \
	"$TMPD/bad/keluhd.yaml:2:1: error: unknown key 'rulez' in keluhd.yaml"
"$KELUHD" --help >"$TMPD/help.out"
contains "keluhd --help names -t" "$TMPD/help.out" "-t, --check"

"$KELUHCTL" check -c "$TMPD/c/keluhd.yaml" >"$TMPD/cc.out" 2>&1
is "keluhctl check: exit 0" "$?" 0
is "keluhctl check says what keluhd --check says" "$(summary "$TMPD/cc.out")" "$(summary "$TMPD/check.out")"
"$KELUHCTL" check -c "$TMPD/bad/keluhd.yaml" >"$TMPD/ccbad.out" 2>&1
is "keluhctl check on a broken config: exit 2" "$?" 2
contains "keluhctl check: the error with its position" "$TMPD/ccbad.out" \
	"$TMPD/bad/keluhd.yaml:2:1: error: unknown key 'rulez' in keluhd.yaml"
contains "keluhctl check: the count" "$TMPD/ccbad.out" "keluhctl: $TMPD/bad/keluhd.yaml: 1 error"
(cd "$TMPD/c" && "$KELUHCTL" check) >"$TMPD/cwd.out" 2>&1
is "keluhctl check without -c: keluhd.yaml of the current directory" "$?" 0
contains "and names it" "$TMPD/cwd.out" "keluhd.yaml: ok: 1 rule files"
"$KELUHCTL" check -c "$TMPD/none.yaml" >"$TMPD/ccnone.out" 2>&1
is "keluhctl check on a missing file: exit 2" "$?" 2
contains "keluhctl check: no such file" "$TMPD/ccnone.out" "keluhctl: $TMPD/none.yaml: no such file"
"$KELUHCTL" --help >"$TMPD/chelp.out"
contains "keluhctl --help lists check" "$TMPD/chelp.out" "check [-c FILE]"

# silence add: each mistake with the form expected; nothing is sent, so
# the socket need not exist
S="--socket $TMPD/none.sock"
# sa EXPECTED-STATUS OUTFILE ARGS...
sa() {
	want=$1 out=$2
	shift 2
	"$KELUHCTL" silence add $S "$@" >"$out" 2>&1
	is "silence add $*: exit $want" "$?" "$want"
}
sa 2 "$TMPD/s1" --match rule=x --for 2 hours --reason outage
contains "--for 2 hours: one word, and which" "$TMPD/s1" \
	"keluhctl: silence add: --for 2 hours: write the duration as one word, the number and its unit with no space: --for 2h"
sa 2 "$TMPD/s2" --match rule=x --for '2 hours' --reason outage
contains "--for '2 hours': not a duration, the form expected" "$TMPD/s2" \
	"keluhctl: --for: '2 hours' is not a duration: write a number and a unit with no space, such as 30m, 2h or 1d (units: s, m, h, d)"
sa 2 "$TMPD/s3" --match rule=x --for 2 --reason outage
contains "--for 2: not a duration" "$TMPD/s3" "keluhctl: --for: '2' is not a duration"
sa 2 "$TMPD/s4" --match rule=x --for 0 --reason outage
contains "--for 0: more than 0" "$TMPD/s4" "it must be more than 0"
sa 2 "$TMPD/s5" --match rule=x --until tomorrow --reason outage
contains "--until tomorrow: the RFC 3339 form" "$TMPD/s5" \
	"keluhctl: --until: 'tomorrow' is not an RFC 3339 time: write it like 2026-03-01T12:00:00Z"
sa 2 "$TMPD/s6" --match rule=x --for 2h
contains "no --reason: says so" "$TMPD/s6" "keluhctl: silence add needs --reason TEXT"
sa 2 "$TMPD/s7" --match rule=x --reason outage
contains "no --for or --until: says so" "$TMPD/s7" \
	"keluhctl: silence add needs how long: --for DURATION (30m, 2h, 1d) or --until TIME"
sa 2 "$TMPD/s8" --match rule=x --for 2h --until 2030-01-01T00:00:00Z --reason outage
contains "both: says so" "$TMPD/s8" "keluhctl: silence add takes --for or --until, not both"
sa 2 "$TMPD/s9" --match rule=x --for 2h --reason known outage
contains "an unquoted reason: which word, and how to quote" "$TMPD/s9" \
	"keluhctl: silence add: unexpected 'outage'; quote a value with spaces"
sa 2 "$TMPD/s10" --for 2h --reason outage
contains "no --match: says so" "$TMPD/s10" "keluhctl: silence add needs --match M"
for f in 1 2 3 5 6 7 9; do
	lacks "silence add case $f: no daemon was asked" "$TMPD/s$f" "cannot reach"
done
# a good one gets as far as the socket
sa 1 "$TMPD/s11" --match rule=x --for 2h --reason outage
contains "a good silence add goes on to the socket" "$TMPD/s11" "no socket at $TMPD/none.sock"

done_testing
