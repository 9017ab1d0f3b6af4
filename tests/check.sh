#!/bin/sh
# keluhd --check: one summary line for a good configuration, every error
# with file:line:col for a bad one.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

"$KELUHD" --check -c "$top_srcdir/etc/keluhd.yaml" >"$TMPD/ok.out" 2>"$TMPD/ok.err"
is "shipped config: exit 0" "$?" 0
grep -Eq '^.*/etc/keluhd.yaml: ok: [0-9]+ rule files, [0-9]+ rules, [0-9]+ keywords, [0-9]+ regexes \([0-9]+ without a prefilter literal\), [0-9]+ lists, [0-9]+ tests, compiled in [0-9.]+ ms; [0-9]+ sources, [0-9]+ receivers, [0-9]+ routes$' "$TMPD/ok.out"
is "shipped config: one summary line" "$?" 0
# (a regex without a prefilter literal is reported rule by rule by tests/manual.sh)
is "shipped config: nothing on stderr" \
	"$(grep -v 'has no literal the prefilter can use' "$TMPD/ok.err")" ""

mkdir -p "$TMPD/c1/rules.d"
cat >"$TMPD/c1/keluhd.yaml" <<'Y'
rules: rules.d
rulez: x
sources: {name: demo}
Y
"$KELUHD" --check -c "$TMPD/c1/keluhd.yaml" >/dev/null 2>"$TMPD/c1.err"
is "bad config: exit 1" "$?" 1
contains "bad config: unknown key with a suggestion" "$TMPD/c1.err" \
	"$TMPD/c1/keluhd.yaml:2:1: error: unknown key 'rulez' in keluhd.yaml; did you mean 'rules'?"
contains "bad config: wrong section type" "$TMPD/c1.err" \
	"$TMPD/c1/keluhd.yaml:3:10: error: 'sources' must be a list ('- name: ...'), not a mapping"

mkdir -p "$TMPD/c2/rules.d"
printf 'rules: rules.d\n' >"$TMPD/c2/keluhd.yaml"
printf 'rules:\n  - id: x\n    score: 10\n    when: {regex: "(unclosed"}\n' >"$TMPD/c2/rules.d/10.yaml"
"$KELUHD" --check -c "$TMPD/c2/keluhd.yaml" >/dev/null 2>"$TMPD/c2.err"
is "broken rules: exit 1" "$?" 1
contains "broken rules: the regex error with its position" "$TMPD/c2.err" \
	"$TMPD/c2/rules.d/10.yaml:4:29: error: regex does not compile: missing closing parenthesis"

# Names given as one text with commas were meant as a list.
mkdir -p "$TMPD/c4/rules.d"
cat >"$TMPD/c4/keluhd.yaml" <<'Y'
rules: rules.d
receivers:
  - name: console
    type: console
routes:
  - match: {team: "billing, tech", priority: critical}
    receivers: console, console
Y
"$KELUHD" --check -c "$TMPD/c4/keluhd.yaml" >/dev/null 2>"$TMPD/c4.err"
is "names as text: exit 1" "$?" 1
contains "names as text: a route's teams, with the fix" "$TMPD/c4.err" \
	"$TMPD/c4/keluhd.yaml:6:19: error: team must be a list, not text; write team: [billing, tech]"
contains "names as text: a route's receivers, with the fix" "$TMPD/c4.err" \
	"$TMPD/c4/keluhd.yaml:7:16: error: receivers must be a list, not text; write receivers: [console, console]"

# The YAML slips a first config has: a bare '@handle', a tab, ': ' in a value.
mkdir -p "$TMPD/c5/rules.d"
printf 'rules: rules.d\nreceivers:\n  - name: tg\n    type: telegram\n    chat: @dk_support\n' \
	>"$TMPD/c5/at.yaml"
printf 'rules: rules.d\nhttp:\n\tlisten: 127.0.0.1:0\n' >"$TMPD/c5/tab.yaml"
printf 'rules: rules.d\nsources:\n  - name: x\n    type: rss\n    url: https://x.test/q=a: b\n' \
	>"$TMPD/c5/colon.yaml"
for f in at tab colon; do
	"$KELUHD" --check -c "$TMPD/c5/$f.yaml" >/dev/null 2>"$TMPD/c5-$f.err"
	is "YAML slip '$f': exit 1" "$?" 1
done
contains "YAML slip: a bare @handle is to be quoted" "$TMPD/c5-at.err" \
	"$TMPD/c5/at.yaml:5:11: error: YAML syntax: found character that cannot start any token; quote it: '@dk_support'"
contains "YAML slip: a tab in the indentation" "$TMPD/c5-tab.err" \
	"$TMPD/c5/tab.yaml:3:1: error: YAML syntax: found a tab in the indentation; YAML indents with spaces only: replace the tab with spaces"
contains "YAML slip: ': ' inside a value" "$TMPD/c5-colon.err" \
	"$TMPD/c5/colon.yaml:5:28: error: YAML syntax: a ': ' inside a value starts a mapping; quote the value: 'https://x.test/q=a: b'"

"$KELUHD" --check -c "$TMPD/nope.yaml" >/dev/null 2>"$TMPD/c3.err"
is "missing config: exit 1" "$?" 1
contains "missing config: says why" "$TMPD/c3.err" "$TMPD/nope.yaml: error: cannot open: No such file or directory"

"$KELUHD" --version >"$TMPD/v.out"
contains "--version" "$TMPD/v.out" "keluhd 0.1.0"

done_testing
