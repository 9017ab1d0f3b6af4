#!/bin/sh
# keluhctl test --verify: the shipped packs meet their own expectations, and
# a broken expectation is reported where it is written.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

# core alone (the default, a brand's view) and core with every opt-in pack
"$KELUHCTL" test -r "$PACKS/core" --verify >"$TMPD/core.out" 2>&1
st=$?
is "core pack alone: every expectation holds" "$st" 0
[ "$st" -eq 0 ] || sed 's/^/# /' "$TMPD/core.out" | grep FAIL
set --
for p in "$PACKS"/*/; do
	p=${p%/}
	[ "${p##*/}" = core ] || set -- "$@" -r "$p"
done
"$KELUHCTL" test -r "$PACKS/core" "$@" --verify >"$TMPD/packs.out" 2>&1
st=$?
is "core with every other pack: every expectation holds" "$st" 0
[ "$st" -eq 0 ] || sed 's/^/# /' "$TMPD/packs.out" | grep FAIL
n=$(grep -c ': ok$' "$TMPD/packs.out")
[ "$n" -ge 30 ]
is "shipped packs: carry at least 30 expectations ($n)" "$?" 0
# each file that defines rules has expectations of its own that ran and held
# (not that every rule is covered: that is not checked here)
for f in "$PACKS"/*/*.yaml; do
	grep -q '^rules:' "$f" || continue
	n=$(grep -F "$f:" "$TMPD/packs.out" | grep -c ': ok$')
	check "$(basename "$f"): carries expectations of its own, and they hold ($n)" test "$n" -ge 1
done

mkdir -p "$TMPD/r"
cat >"$TMPD/r/10.yaml" <<'Y'
rules:
  - id: delivery.late
    team: logistics
    score: 30
    when: {keywords: [telat, late]}
tests:
  - text: paketnya telat tiga hari
    rules: [delivery.late]
    priority: normal
    team: logistics
  - text: paketnya sudah sampai
    rules: [delivery.late]
  - text: telat lagi
    priority: high
  - text: cuma nanya
    complaint: true
Y
"$KELUHCTL" test -r "$TMPD/r" --verify >"$TMPD/v.out" 2>&1
is "failing expectations: exit 1" "$?" 1
contains "a passing expectation" "$TMPD/v.out" "$TMPD/r/10.yaml:7:5: ok"
contains "a missing rule" "$TMPD/v.out" "$TMPD/r/10.yaml:11:5: FAIL: rule delivery.late did not match"
contains "a wrong priority" "$TMPD/v.out" "$TMPD/r/10.yaml:13:5: FAIL: priority is normal, expected high (score 30)"
contains "a wrong complaint flag" "$TMPD/v.out" "$TMPD/r/10.yaml:15:5: FAIL: is not a complaint, expected one (score 0)"
contains "the summary line" "$TMPD/v.out" "verify: 1 passed, 3 failed"

done_testing
