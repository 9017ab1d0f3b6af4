#!/bin/sh
# The spool's unit tests (tests/unit/test_spool*) on PostgreSQL: the same
# tests as on SQLite, on a throw-away cluster (tests/pg_lib.sh), each on
# an emptied database. Their TAP is renumbered into this one; the tests
# about SQLite itself are reported skipped, with the reason they print.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg_lib.sh"

pg_start

for t in test_spool test_spool_cases test_spool_stats test_spool_labels test_spool_lead; do
	bin=$top_builddir/tests/unit/$t
	if [ ! -x "$bin" ]; then
		skip "$t on PostgreSQL" "not built (configure found no Check)"
		continue
	fi
	# one test at a time: each empties the one database
	KELUH_TEST_SPOOL=$PG_SPOOL CK_FORK=no "$bin" >"$TMPD/$t.tap" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$t: ${line#ok * - }" ;;
		"not ok "*) not_ok "$t: ${line#not ok * - }" ;;
		"# SKIP "*) _r=${line#\# SKIP }; skip "$t: ${_r%%:*}" "on PostgreSQL:${_r#*:}" ;;
		*) echo "# $line" ;;
		esac
	done <"$TMPD/$t.tap"
	[ "$rc" = 0 ] || not_ok "$t exits 0 on PostgreSQL" "exit status $rc"
done

done_testing
