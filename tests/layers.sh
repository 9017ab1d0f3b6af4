#!/bin/sh
# The layers of src/ hold (src/LAYERS): no file includes a header of a
# higher layer or another folder's private header, no circle appears
# between modules or objects, and the engine's archive links alone. The
# checker itself is first shown a small tree with each kind of fault.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
exec python3 "$top_srcdir/tests/layers.py" "$top_srcdir/src" "$top_builddir"
