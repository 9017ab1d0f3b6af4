#!/bin/sh
# Mutation testing: each mutation of tests/mutants.txt is applied to a
# scratch copy of the tree, built, and tested. A mutation the tests do not
# notice (a survivor) is a behaviour no test holds down.
#
# usage: tests/mutants.sh [-l | -c] [N...]
#   -l   list the mutations with their numbers, run nothing
#   -c   check, as TAP, that each find: text is on exactly one line of the
#        tree as it is now (make check runs this), run nothing
#   N    run only these mutations (by number); all when none is given
#
# The tests a mutation names run first; only when they all pass does the
# whole suite run to confirm a survival. The scratch tree and its _build
# are kept between runs (MUTANTS_DIR, default $TMPDIR/keluh-mutants), so a
# mutation rebuilds one object and relinks. The real tree is only read.
#
# Environment: MUTANTS_DIR, MUTANTS_JOBS (make -j, default 2),
# MUTANTS_TEST_JOBS (make -j for the tests, which mostly wait: default
# MUTANTS_JOBS), MUTANTS_TIMEOUT (seconds per test run, default 900; a timeout kills).
# Exit status: 0 when every mutation was killed, 1 when one survived or
# did not apply or build, 2 on a usage or setup error.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
list=$top_srcdir/tests/mutants.txt
work=${MUTANTS_DIR:-${TMPDIR:-/tmp}/keluh-mutants}
jobs=${MUTANTS_JOBS:-2}
tjobs=${MUTANTS_TEST_JOBS:-$jobs}
tmo=${MUTANTS_TIMEOUT:-900}
confirm=${MUTANTS_CONFIRM:-1}
tree=$work/tree

die() {
	echo "mutants: $*" >&2
	exit 2
}

# Splits the list into $work/m/N/{file,find,replace,tests,why,known}.
# A block is 'key: value' lines; a blank line or a new 'file:' ends it.
parse_list() {
	rm -rf "$work/m"
	mkdir -p "$work/m"
	awk -v dir="$work/m" '
	function flush() {
		if (n && !("find" in f && "replace" in f)) {
			printf "%s:%d: mutation %d needs find: and replace:\n", FILENAME, start, n > "/dev/stderr"
			bad = 1
		}
		for (k in f) {
			p = dir "/" n "/" k
			printf "%s", f[k] > p
			close(p)
		}
		delete f
		open = 0
	}
	/^#/ { next }
	/^[ \t]*$/ { if (open) flush(); next }
	{
		c = index($0, ":")
		if (c == 0) {
			printf "%s:%d: not a key: value line\n", FILENAME, NR > "/dev/stderr"
			bad = 1
			next
		}
		k = substr($0, 1, c - 1)
		v = substr($0, c + 1)
		sub(/^ /, "", v)
		if (k == "file") {
			if (open) flush()
			n++
			start = NR
			open = 1
			system("mkdir -p \"" dir "/" n "\"")
		} else if (!open) {
			printf "%s:%d: %s: before any file:\n", FILENAME, NR, k > "/dev/stderr"
			bad = 1
			next
		}
		f[k] = v
	}
	END { if (open) flush(); print n + 0 > (dir "/count"); exit bad }' "$list"
}

field() {
	[ -f "$work/m/$1/$2" ] && cat "$work/m/$1/$2"
}

# apply N [TREE]: the one line holding find: gets replace: in its place.
apply() {
	f=$(field "$1" file)
	[ -f "${2:-$tree}/$f" ] || { echo "no such file" >"$work/apply.err"; return 1; }
	FIND=$(field "$1" find) REPL=$(field "$1" replace) awk '
	BEGIN { find = ENVIRON["FIND"]; repl = ENVIRON["REPL"] }
	{ lines[NR] = $0; if (index($0, find)) { hits++; at = NR } }
	END {
		if (hits != 1) {
			printf "matches %d lines, not 1\n", hits > "/dev/stderr"
			exit 1
		}
		for (i = 1; i <= NR; i++) {
			if (i == at) {
				s = lines[i]
				j = index(s, find)
				lines[i] = substr(s, 1, j - 1) repl substr(s, j + length(find))
			}
			print lines[i]
		}
		print at > "/dev/stderr"
	}' "${2:-$tree}/$f" >"$work/mutated" 2>"$work/apply.err" || return 1
	[ -n "${2:-}" ] || cp "$work/mutated" "$tree/$f"
}

# Which tests failed in a make check log, on one line.
failed_tests() {
	grep -E '^(FAIL|ERROR): ' "$1" | sed -E 's/^(FAIL|ERROR): ([^ ]*).*/\2/' | sort -u |
	    tr '\n' ' ' | sed 's/ $//'
}

# run_check TESTS LOG: make check of TESTS (all when empty), building only
# the unit programs among them. A failure must happen twice: a loaded
# machine makes a timing test fail now and then, and that is no kill.
run_check() {
	progs=$(printf '%s\n' $1 | grep '^tests/unit/' | tr '\n' ' ')
	check_once "$1" "$progs" "$2" && return 0
	again=$(failed_tests "$2")
	[ -n "$again" ] || return 1
	cp "$2" "$2.first"
	progs=$(printf '%s\n' $again | grep '^tests/unit/' | tr '\n' ' ')
	check_once "$again" "$progs" "$2"
}

check_once() {
	# its own process group: a timeout takes the test's daemons with it
	(cd "$tree/_build" && if [ -n "$1" ]; then
		timeout -k 30 "$tmo" make -j"$tjobs" check TESTS="$1" check_PROGRAMS="$2"
	else
		timeout -k 30 "$tmo" make -j"$tjobs" check
	fi) >"$3" 2>&1
}

setup() {
	command -v git >/dev/null && git -C "$top_srcdir" rev-parse >/dev/null 2>&1 ||
	    die "needs a git checkout of keluh at $top_srcdir"
	mkdir -p "$tree"
	echo "mutants: copying the tree to $tree"
	# tracked and new files as they are now; tar keeps their times, so an
	# unchanged file is not rebuilt
	(cd "$top_srcdir" && git ls-files -co --exclude-standard | tar -cf - -T -) |
	    (cd "$tree" && tar -xf -) || die "cannot copy the tree"
	# a run that stopped mid-mutation left a mutated object behind
	for i in $(seq 1 "$count"); do
		f=$(field "$i" file) && [ -f "$tree/$f" ] && touch "$tree/$f"
	done
	if [ ! -f "$tree/_build/Makefile" ]; then
		echo "mutants: configuring the scratch tree"
		(cd "$tree" && autoreconf -fi && mkdir -p _build && cd _build &&
		    ../configure --quiet) >"$work/configure.log" 2>&1 ||
		    die "configure failed: see $work/configure.log"
	fi
	echo "mutants: building the scratch tree"
	(cd "$tree/_build" && make -j"$jobs" check TESTS=) >"$work/build.log" 2>&1 ||
	    die "the unmutated tree does not build: see $work/build.log"
	named=$(for i in $sel; do field "$i" tests; echo; done | tr ' ' '\n' | sort -u |
	    tr '\n' ' ')
	echo "mutants: the named tests on the unmutated tree: $named"
	run_check "$named" "$work/baseline.log" ||
	    die "the unmutated tree fails $(failed_tests "$work/baseline.log"): see $work/baseline.log"
}

# one N: prints one result line and sets $result
one() {
	n=$1
	f=$(field "$n" file)
	tests=$(field "$n" tests)
	log=$work/$n.log
	t0=$(date +%s)
	cp "$tree/$f" "$work/orig"
	if ! apply "$n"; then
		result=error
		echo "#$n $f: does not apply: the find: text $(cat "$work/apply.err")"
		return
	fi
	where="$f:$(cat "$work/apply.err")"
	if ! (cd "$tree/_build" && make -j"$jobs" all) >"$log" 2>&1; then
		result=error
		what="does not build (see $log)"
	elif [ -n "$tests" ] && ! run_check "$tests" "$log"; then
		result=killed
		what="killed by $(failed_tests "$log")"
		[ -n "$(failed_tests "$log")" ] || what="killed (timeout or make error, see $log)"
	elif [ "$confirm" = 0 ]; then
		result=survived
		what="SURVIVED its tests (the whole suite not run: MUTANTS_CONFIRM=0)"
	elif ! run_check "" "$log"; then
		result=killed
		what="killed by the whole suite: $(failed_tests "$log") (name it in tests:)"
	else
		result=survived
		what="SURVIVED the whole suite"
	fi
	if [ $result = survived ] && k=$(field "$n" known); then
		what="$what (known: $k)"
	fi
	# back to the real line; newer than the mutated object, so it is rebuilt
	cp "$work/orig" "$tree/$f"
	touch "$tree/$f"
	echo "#$n $where: $what ($(($(date +%s) - t0)) s)"
}

listing=0
case ${1:-} in
-l) listing=1 && shift ;;
-c) listing=2 && shift && work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT ;;
esac
[ -f "$list" ] || die "no $list"
mkdir -p "$work"
parse_list || die "$list is malformed"
count=$(cat "$work/m/count")
sel=${*:-$(seq 1 "$count")}
for n in $sel; do
	case $n in
	*[!0-9]* | '') die "not a mutation number: $n" ;;
	esac
	[ "$n" -ge 1 ] && [ "$n" -le "$count" ] || die "no mutation $n (1 to $count)"
done
if [ $listing = 1 ]; then
	for n in $sel; do
		printf '#%s %s: %s\n    -> %s\n    %s\n' "$n" "$(field "$n" file)" \
		    "$(field "$n" find)" "$(field "$n" replace)" "$(field "$n" why)"
	done
	exit 0
fi
if [ $listing = 2 ]; then
	echo "1..$(echo $sel | wc -w)"
	bad=0
	for n in $sel; do
		if apply "$n" "$top_srcdir"; then
			echo "ok $n - mutation $n applies to $(field "$n" file)"
		else
			echo "not ok $n - mutation $n: $(field "$n" file): find: $(field "$n" find): $(cat "$work/apply.err")"
			bad=1
		fi
	done
	exit $bad
fi

setup
killed=0 survived=0 errors=0 left=""
for n in $sel; do
	one "$n"
	case $result in
	killed) killed=$((killed + 1)) ;;
	survived) survived=$((survived + 1)) left="$left #$n" ;;
	*) errors=$((errors + 1)) left="$left #$n" ;;
	esac
done
total=$((killed + survived))
echo "mutants: $killed killed, $survived survived, $errors not run, of $(echo $sel | wc -w);" \
    "kill rate $( [ $total -gt 0 ] && echo $((100 * killed / total)) || echo 0)%${left:+; look at$left}"
[ $survived -eq 0 ] && [ $errors -eq 0 ]
