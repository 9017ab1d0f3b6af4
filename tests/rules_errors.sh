#!/bin/sh
# Every kind of broken rule file gets its exact file:line:col error, all
# errors of a file are reported in one pass, and nothing is loaded.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

for f in "$top_srcdir"/tests/rules/broken/*.yaml; do
	name=$(basename "$f")
	dir=$TMPD/${name%.yaml}
	mkdir -p "$dir"
	cp "$f" "$dir/"
	"$KELUHCTL" test -r "$dir" --verify >"$dir.out" 2>"$dir.err"
	is "$name: exit status 2 for a rule error" "$?" 2
	want=$(grep -c '^# expect: ' "$f")
	got=$(grep -c ': error: ' "$dir.err")
	is "$name: $want error(s) reported in one pass" "$got" "$want"
	grep '^# expect: ' "$f" | sed 's/^# expect: //' | while IFS= read -r line; do
		line=$(printf '%s' "$line" | sed "s#@FILE@#$dir/$name#")
		if grep -qF -- "$dir/$name:$line" "$dir.err"; then
			echo "ok"
		else
			echo "not ok: $line"
		fi
	done >"$dir.res"
	if grep -q '^not ok' "$dir.res"; then
		not_ok "$name: exact positions and messages" "$(grep '^not ok' "$dir.res")
stderr:
$(cat "$dir.err")"
	else
		ok "$name: exact positions and messages"
	fi
done

# A duplicate id across two files names the first file and position.
mkdir -p "$TMPD/cross"
cat >"$TMPD/cross/10-a.yaml" <<'Y'
rules:
  - id: dup.rule
    score: 10
    when: {keywords: [refund]}
Y
cat >"$TMPD/cross/20-b.yaml" <<'Y'
rules:
  - id: dup.rule
    score: 10
    when: {keywords: [refund]}
Y
"$KELUHCTL" test -r "$TMPD/cross" --verify >/dev/null 2>"$TMPD/cross.err"
contains "duplicate id across files points at the first file" "$TMPD/cross.err" \
	"$TMPD/cross/20-b.yaml:2:9: error: duplicate rule id 'dup.rule' (first defined at $TMPD/cross/10-a.yaml:2:5)"

# A list defined in one file can be used from another (name order).
mkdir -p "$TMPD/lists"
cat >"$TMPD/lists/10-lists.yaml" <<'Y'
lists:
  late: [telat, terlambat, late]
Y
cat >"$TMPD/lists/20-rules.yaml" <<'Y'
rules:
  - id: delivery.late
    score: 30
    when: {keywords: ["@late"]}
tests:
  - text: paketnya telat lagi
    rules: [delivery.late]
Y
check "lists are shared across files" "$KELUHCTL" test -r "$TMPD/lists" --verify

# An unreadable directory is a clear error, not a crash.
"$KELUHCTL" test -r "$TMPD/does-not-exist" --verify >/dev/null 2>"$TMPD/nodir.err"
is "missing rules directory: exit 2" "$?" 2
contains "missing rules directory: says why" "$TMPD/nodir.err" "cannot read the rules directory"

# Conditions nested too deep: a located error, never a crash. deep_rule N
# writes a rule whose 'when' is N 'any' inside each other, in flow style.
deep_rule() {
	awk -v n="$1" 'BEGIN {
		printf "rules:\n  - id: deep\n    score: 10\n    when: "
		for (i = 0; i < n; i++) printf "{any: ["
		printf "{keywords: [x]}"
		for (i = 0; i < n; i++) printf "]}"
		printf "\n"
	}'
}
mkdir -p "$TMPD/deep32" "$TMPD/deep33" "$TMPD/deep30k/rules.d"
deep_rule 32 >"$TMPD/deep32/d.yaml"
deep_rule 33 >"$TMPD/deep33/d.yaml"
deep_rule 30000 >"$TMPD/deep30k/rules.d/d.yaml"
printf 'x\n' | "$KELUHCTL" test -r "$TMPD/deep32" --json >"$TMPD/deep32.out" 2>&1
contains "32 nested conditions load and match" "$TMPD/deep32.out" '"rules":["deep"]'
"$KELUHCTL" test -r "$TMPD/deep33" --verify >/dev/null 2>"$TMPD/deep33.err"
is "33 nested conditions: exit 2" "$?" 2
contains "33 nested conditions: the error at the 33rd" "$TMPD/deep33.err" \
	"$TMPD/deep33/d.yaml:4:242: error: conditions nested deeper than 32; flatten them"
"$KELUHCTL" test -r "$TMPD/deep30k/rules.d" --verify >/dev/null 2>"$TMPD/deep30k.err"
is "30,000 nested conditions: keluhctl exits 2" "$?" 2
contains "30,000 nested conditions: refused while reading" "$TMPD/deep30k.err" \
	"$TMPD/deep30k/rules.d/d.yaml:4:"
contains "30,000 nested conditions: says what is too deep" "$TMPD/deep30k.err" \
	"error: lists and mappings nested deeper than 128 levels; flatten the file"
printf 'rules: rules.d\n' >"$TMPD/deep30k/keluhd.yaml"
"$KELUHD" --check -c "$TMPD/deep30k/keluhd.yaml" >/dev/null 2>"$TMPD/deep30k.check"
is "30,000 nested conditions: keluhd --check exits 1" "$?" 1
contains "30,000 nested conditions: keluhd --check says where" "$TMPD/deep30k.check" \
	"$TMPD/deep30k/rules.d/d.yaml:4:"

# An alias that names its own node would make a loop of the tree.
mkdir -p "$TMPD/alias"
printf 'rules:\n  - &r {id: a, score: 10, when: {any: [*r]}}\n' >"$TMPD/alias/a.yaml"
"$KELUHCTL" test -r "$TMPD/alias" --verify >/dev/null 2>"$TMPD/alias.err"
is "an alias inside its own anchor: exit 2" "$?" 2
contains "an alias inside its own anchor: located error" "$TMPD/alias.err" \
	"$TMPD/alias/a.yaml:2:40: error: YAML alias inside the node it names"

# Aliases that double at every level would make a tree of 2^24 nodes.
mkdir -p "$TMPD/bomb"
awk 'BEGIN {
	print "lists:"
	print "  l0: &a0 [x, y]"
	for (i = 1; i < 25; i++) printf "  l%d: &a%d [*a%d, *a%d]\n", i, i, i - 1, i - 1
}' >"$TMPD/bomb/b.yaml"
"$KELUHCTL" test -r "$TMPD/bomb" --verify >/dev/null 2>"$TMPD/bomb.err"
is "aliases that repeat too much: exit 2" "$?" 2
contains "aliases that repeat too much: located error" "$TMPD/bomb.err" \
	"$TMPD/bomb/b.yaml:16:20: error: YAML aliases repeat more than 100000 nodes"

done_testing
