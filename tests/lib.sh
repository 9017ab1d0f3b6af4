# Shared helpers for the shell tests: TAP output for automake's tap-driver.
# Sourced by every tests/*.sh; top_srcdir and top_builddir come from make.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
KELUHCTL=${KELUHCTL:-$top_builddir/keluhctl}
KELUHD=${KELUHD:-$top_builddir/keluhd}
# The shipped packs: core (any brand, the default) and the opt-in ones.
PACKS=$top_srcdir/packs
RULES=$PACKS/core

tap_n=0
tap_failed=0
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/keluh-test.XXXXXX")
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMPD"' EXIT

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
	if [ -n "${2:-}" ]; then
		printf '%s\n' "$2" | sed 's/^/# /'
	fi
}

# skip DESCRIPTION REASON: a check that cannot run here is still reported,
# as TAP "ok N - DESCRIPTION # SKIP REASON"
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

# check DESCRIPTION COMMAND...: passes when the command succeeds
check() {
	desc=$1
	shift
	if "$@" >"$TMPD/check.out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc" "$(head -20 "$TMPD/check.out")"
	fi
}

# contains DESCRIPTION FILE STRING: passes when FILE has STRING as a fixed string
contains() {
	if grep -qF -- "$3" "$2"; then
		ok "$1"
	else
		not_ok "$1" "expected: $3
got:
$(head -20 "$2")"
	fi
}

lacks() {
	if grep -qF -- "$3" "$2"; then
		not_ok "$1" "unexpected: $3"
	else
		ok "$1"
	fi
}

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "got:  $2
want: $3"
	fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
