# SPDX-License-Identifier: GPL-2.0-or-later
# The source tree's layers (README "Source layout"), read by tools/layers.py
# from the objects of the binary under test (nm) and from the sources: no
# file calls into a higher layer, no call cycle between files, nothing in
# the library prints, exits, reads the environment or includes a CLI
# header. Then the checker itself, on a copy of those objects with one
# upward call put in: it must catch it.

lay_root=$(cd "$TESTS/../.." && pwd)
lay_build=$(dirname "$KI")
lay_py=/usr/bin/python3
[ -x "$lay_py" ] || lay_py=python3
"$lay_py" "$lay_root/tools/layers.py" "$lay_build" >"$T/out" 2>"$T/err"
RC=$?
if [ "$RC" = 0 ]; then
	ok "layers: $(cat "$T/out")"
else
	bad "layers: tools/layers.py $lay_build" "exit $RC: $(head -5 "$T/out" | tr '\n' ';')"
fi

# A memory-layer file that calls the model's map: an upward call.
mkdir -p "$T/layers"
cp "$lay_build"/*.o "$T/layers/"
printf 'struct ki_error *ki_map_open(void);\nvoid ki_up(void);\nvoid ki_up(void) { ki_map_open(); }\n' >"$T/up.c"
if ${CC:-cc} -c -o "$T/layers/pageset.o" "$T/up.c" 2>"$T/err"; then
	"$lay_py" "$lay_root/tools/layers.py" "$T/layers" >"$T/out" 2>"$T/err"
	RC=$?
	expect_rc "layers: an upward call fails the check" 1
	expect_grep "layers: it names the call" "$T/out" '^memory/pageset\.c calls up into model/map\.c \(ki_map_open\)$'
else
	bad "layers: compile the upward call" "cc failed"
fi
rm -rf "$T/layers" "$T/up.c"

# A library file that includes a CLI header (a copy of the sources).
mkdir -p "$T/layers-src"
cp -r "$lay_root/src" "$T/layers-src/"
printf '#include "ki_cli.h"\n' >>"$T/layers-src/src/lib/base/pipe.c"
"$lay_py" "$lay_root/tools/layers.py" "$lay_build" "$T/layers-src" >"$T/out" 2>"$T/err"
RC=$?
expect_rc "layers: a CLI header in the library fails the check" 1
expect_grep "layers: it names the include" "$T/out" '^src/lib/base/pipe\.c includes the CLI header ki_cli\.h'
rm -rf "$T/layers-src"
