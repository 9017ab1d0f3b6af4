#!/bin/sh
# bench/trends.sh: the console's trends and rules API over a spool of
# BENCH_TRENDS_MENTIONS mentions (10,000,000) spread over 30 days, with
# BENCH_RULES generated rules (2000; gen_rules.py), built by bench_trends
# as the collector would have left it (make bench runs this after
# run.sh). Prints each request's time (median of 5) against the target of
# 200 ms. Knobs: BENCH_TRENDS_MENTIONS, BENCH_TRENDS_ROWS (complaint rows
# in the spool; default a quarter of the mentions), BENCH_RULES,
# BENCH_SPOOL_DIR (${TMPDIR:-/tmp}), PYTHON.
# Figures only: nothing fails on a missed target.
set -u
top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
N=${BENCH_TRENDS_MENTIONS:-10000000}
R=${BENCH_RULES:-2000}
PY=${PYTHON:-python3}
out=$top_builddir/bench/out
rules=$out/rules-$R
mkdir -p "$out"
if [ ! -f "$rules/.done" ]; then
	echo "bench: generating $R rules into $rules"
	"$PY" "$top_srcdir/bench/gen_rules.py" --n "$R" --out "$rules" >/dev/null || exit 1
	touch "$rules/.done"
fi
D=$(mktemp -d "${BENCH_SPOOL_DIR:-${TMPDIR:-/tmp}}/keluh-bench-trends.XXXXXX") || exit 1
trap 'rm -rf "$D"' EXIT
echo "== trends: $N mentions over 30 days, $R rules (spool in $D)"
echo "\$ bench_trends rules-$R spool.db --mentions $N${BENCH_TRENDS_ROWS:+ --rows $BENCH_TRENDS_ROWS}"
"$top_builddir/bench/bench_trends" "$rules" "$D/spool.db" --mentions "$N" \
	${BENCH_TRENDS_ROWS:+--rows "$BENCH_TRENDS_ROWS"} >"$out/trends.txt" || exit 1
sed 's/^trends //; s/^/  /' "$out/trends.txt"
worst=$(sed -n 's/.*worst_ms=\([0-9.]*\).*/\1/p' "$out/trends.txt")
echo "  slowest request: ${worst:-?} ms (target: under 200 ms)"
