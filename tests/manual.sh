#!/bin/sh
# The manual keeps up with the code: every key the configuration loader
# (src/conf.c) and the rule loader (src/rules_load.c) accept is documented
# in keluhd.yaml(5) and keluh-rules(5), every keluhctl command and option
# in keluhctl(1), every keluhd option and metric in keluhd(8); and mandoc finds
# nothing to warn about in any page.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

MAN=$top_srcdir/man

# keys_of FILE: "ARRAY KEY" for every string of every
# `static const char *const NAME_keys[] = { ... };` in FILE
keys_of() {
	awk '
	/static const char \*const [a-z_]+_keys\[\][ ]*=/ {
		on = 1; name = $0; sub(/.*const /, "", name); sub(/\[.*/, "", name)
		line = $0; sub(/^[^{]*\{/, "", line)
	}
	on {
		if (line == "") line = $0
		while (match(line, /"[^"]*"/)) {
			print name, substr(line, RSTART + 1, RLENGTH - 2)
			line = substr(line, RSTART + RLENGTH)
		}
		line = ""
		if (index($0, "};")) on = 0
	}' "$1"
}

# documented PAGE WORD MACROS: WORD is an argument of one of MACROS
# (a |-separated list, e.g. "Ic|Cm|Ss") somewhere in PAGE
documented() {
	grep -v '^\.\\"' "$1" | grep -Eq "(^\.|[ ])($3) $2([^A-Za-z0-9_-]|\$)"
}

# check_keys SRC PAGE: every key of SRC's *_keys arrays in PAGE
check_keys() {
	keys_of "$top_srcdir/$1" >"$TMPD/keys"
	n=$(wc -l <"$TMPD/keys" | tr -d ' ')
	if [ "$n" -lt 5 ]; then
		not_ok "$1: the *_keys arrays are found" "only $n keys parsed; did their form change?"
		return
	fi
	missing=
	while read -r arr key; do
		documented "$MAN/$2" "$key" 'Ic|Cm|Ss' || missing="$missing $arr:$key"
	done <"$TMPD/keys"
	is "every key of $1 ($n) is in man/$2" "${missing# }" ""
}

check_keys src/conf.c keluhd.yaml.5
check_keys src/rules_load.c keluh-rules.5

# every metric src/metrics.c declares is in keluhd(8)'s list
grep -o '{ "keluh_[a-z_]*"' "$top_srcdir/src/metrics.c" | sed 's/{ "//; s/"//' >"$TMPD/metrics"
n=$(wc -l <"$TMPD/metrics" | tr -d ' ')
missing=
while read -r m; do
	documented "$MAN/keluhd.8" "$m" 'It Ic' || missing="$missing $m"
done <"$TMPD/metrics"
if [ "$n" -lt 5 ]; then
	not_ok "src/metrics.c: the metric names are found" "only $n parsed; did their form change?"
else
	is "every metric of src/metrics.c ($n) is in man/keluhd.8" "${missing# }" ""
fi

# options_of: -x and --long options of a --help text on stdin (option lines only)
options_of() {
	grep -E '^ +-' | sed 's/^ *//; s/  .*//' | grep -oE '(^|[ ,|])--?[A-Za-z][A-Za-z-]*' |
		sed 's/^[ ,|]//' | sort -u
}

# check_options PAGE DESCRIPTION < help text
check_options() {
	options_of >"$TMPD/opts"
	n=$(wc -l <"$TMPD/opts" | tr -d ' ')
	missing=
	while read -r o; do
		documented "$MAN/$1" "$(printf '%s' "$o" | sed 's/^-//')" 'Fl' || missing="$missing $o"
	done <"$TMPD/opts"
	if [ "$n" -eq 0 ]; then
		not_ok "$2: options found in --help"
	else
		is "$2: every option of --help ($n) is in man/$1" "${missing# }" ""
	fi
}

"$top_builddir/keluhd" --help >"$TMPD/keluhd.help" 2>&1
check_options keluhd.8 keluhd <"$TMPD/keluhd.help"

"$top_builddir/keluhctl" --help >"$TMPD/keluhctl.help" 2>&1
# the commands: the indented words of the "commands:" block
sed -n '/^commands:/,/^$/p' "$TMPD/keluhctl.help" | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' |
	sort -u >"$TMPD/cmds"
n=$(wc -l <"$TMPD/cmds" | tr -d ' ')
missing=
while read -r c; do
	documented "$MAN/keluhctl.1" "$c" 'Cm' || missing="$missing $c"
done <"$TMPD/cmds"
if [ "$n" -eq 0 ]; then
	not_ok "keluhctl: commands found in --help" "$(head -5 "$TMPD/keluhctl.help")"
else
	is "keluhctl: every command of --help ($n) is in man/keluhctl.1" "${missing# }" ""
fi
check_options keluhctl.1 keluhctl <"$TMPD/keluhctl.help"

# mandoc -T lint -W warning: silent for every page
if command -v mandoc >/dev/null 2>&1; then
	for p in "$MAN"/*.[1-8]; do
		mandoc -T lint -W warning "$p" >"$TMPD/lint.out" 2>&1
		is "mandoc -T lint -W warning ${p##*/}: nothing" "$(cat "$TMPD/lint.out")" ""
	done
else
	for p in "$MAN"/*.[1-8]; do
		skip "mandoc -T lint -W warning ${p##*/}: nothing" "mandoc is not installed"
	done
fi

done_testing
