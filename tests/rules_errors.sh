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

done_testing
