#!/bin/sh
# Every mutation of tests/mutants.txt still finds its one line: an edit
# elsewhere in the tree must not quietly retire a mutation.
exec sh "${top_srcdir:-$(dirname "$0")/..}/tests/mutants.sh" -c
