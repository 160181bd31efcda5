# SPDX-License-Identifier: GPL-2.0-or-later
# map: the picture of physical memory.
#  - SVG: well formed (xmllint), drawn by rsvg-convert, and in the PNG every
#    legend swatch, every preserved block's cell and every preserved class
#    are where the SVG's geometry and the truth say (tests/cli/map_probe.py,
#    which decodes the PNG itself);
#  - terminal: a golden rendering of v1-x86_64-4k-512 at 80 columns,
#    checked by hand: cell 0 of row 0 (0-128 MiB) is the FDT (0x3d6000;
#    it beats the order-0 blocks 0x21c000, 0x326000 and the map page at
#    0x197000), cell 3 the order-9 block 0x1c600000 ('6' in the legend),
#    cell 32 (0x100000000) the map's own pages of the second region, RAM
#    (16 MiB) and scratch hidden under blocks at 128 MiB a cell; colour only
#    when asked for or on a terminal, never with NO_COLOR.

G="$FIX/golden"
PY=/usr/bin/python3
MP="$TESTS/map_probe.py"

# map_png NAME SVG BLOCKS [owner]
map_png() {
	if xmllint --noout "$2" 2>"$T/err"; then ok "$1: SVG well formed"; else bad "$1: SVG well formed" "xmllint"; fi
	if rsvg-convert "$2" -o "$T/map.png" 2>"$T/err"; then ok "$1: rsvg-convert draws it"; else bad "$1: rsvg-convert draws it" "rsvg-convert failed"; fi
	if "$PY" "$MP" "$2" "$T/map.png" "$3" ${4:-} >"$T/mp"; then
		ok "$1: $(cat "$T/mp")"
	else
		bad "$1: colours where the legend says" "$(head -5 "$T/mp")"
	fi
}
truth_owned() { jq -r '.blocks[] | "\(.[0]) \(.[1]) \(.[2] | if . == "folio" then "unclaimed" else . end)"' "$1"; }

for v in v3-x86_64-4k v1-x86_64-4k-512 v4-aarch64-64k; do
	img="$T/$v.elf"; xz -dc "$G/$v.elf.xz" >"$img"
	truth_owned "$G/$v.truth.json" >"$T/map.blocks"
	ki map --svg "$T/map.svg" "$img"
	expect_rc "$v: map --svg exits 0" 0
	map_png "$v by order" "$T/map.svg" "$T/map.blocks"
	[ "$v" = v4-aarch64-64k ] && continue
	ki map --by owner --svg "$T/map.svg" "$img"
	expect_rc "$v: map --by owner --svg exits 0" 0
	map_png "$v by owner" "$T/map.svg" "$T/map.blocks" owner
done

# diff --svg: blocks only in A, only in B, as the two truths say
xz -dc "$G/v3-x86_64-4k.elf.xz" >"$T/a.elf"
xz -dc "$G/v2-x86_64-4k.elf.xz" >"$T/b.elf"
jq -r '.blocks[] | "\(.[0]) \(.[1])"' "$G/v3-x86_64-4k.truth.json" | LC_ALL=C sort >"$T/ta"
jq -r '.blocks[] | "\(.[0]) \(.[1])"' "$G/v2-x86_64-4k.truth.json" | LC_ALL=C sort >"$T/tb"
{ LC_ALL=C comm -23 "$T/ta" "$T/tb" | sed 's/$/ only in A (-)/'
  LC_ALL=C comm -13 "$T/ta" "$T/tb" | sed 's/$/ only in B (+)/'; } >"$T/map.blocks"
ki diff --stat --no-hash --svg "$T/map.svg" "$T/a.elf" "$T/b.elf"
expect_rc "diff --svg: different, exit 1" 1
map_png "diff --svg v3 v2" "$T/map.svg" "$T/map.blocks" owner
ki diff --no-hash --svg "$T/map.svg" "$T/a.elf" "$T/a.elf"
expect_rc "diff --no-hash --svg of a dump with itself: same, exit 0" 0
expect_no_grep "the same dump: nothing only in A" "$T/map.svg" 'only in A'
rm -f "$T/a.elf" "$T/b.elf"

# the terminal: golden rendering, colour rules
img="$T/v1-x86_64-4k-512.elf"
COLUMNS=80 "$KI" --color=never map --rows 16 "$img" >"$T/out" 2>"$T/err"; RC=$?
expect_rc "terminal map exits 0" 0
sed "s#^$img:#INPUT:#" "$T/out" >"$T/map.txt"
expect_same "terminal map = hand-checked golden rendering" "$TESTS/map-v1-512.expect" "$T/map.txt"
COLUMNS=80 "$KI" map --rows 16 "$img" >"$T/out" 2>"$T/err"
expect_no_grep "not a terminal: no colour" "$T/out" "$(printf '\033')"
COLUMNS=80 "$KI" --color=always map --rows 16 "$img" >"$T/out" 2>"$T/err"
expect_grep "--color=always: 24-bit colours" "$T/out" "$(printf '\033')\[38;2;"
expect_grep "--color=always: block characters" "$T/out" '█'
sed "s/$(printf '\033')\[[0-9;]*m//g; s/█/X/g" "$T/out" | awk -v w=80 '{ if (length($0) > w) bad = 1 } END { exit bad }' &&
	ok "--color=always: fits 80 columns" || bad "--color=always: fits 80 columns" "a line is wider"
if command -v script >/dev/null; then
	COLUMNS=80 script -qec "$KI map --rows 16 $img 2>/dev/null" /dev/null >"$T/out" 2>&1
	expect_grep "a terminal: colour by default" "$T/out" "$(printf '\033')\[38;2;"
	COLUMNS=80 NO_COLOR=1 script -qec "$KI map --rows 16 $img 2>/dev/null" /dev/null >"$T/out" 2>&1
	expect_no_grep "a terminal with NO_COLOR=1: no colour" "$T/out" "$(printf '\033')\["
fi
COLUMNS=132 "$KI" map "$img" >"$T/out" 2>"$T/err"
awk '/^0x/ { if (length($0) > 132) bad = 1; n++ } END { exit bad || !n }' "$T/out" &&
	ok "COLUMNS=132: rows fit" || bad "COLUMNS=132: rows fit" "a row is wider than 132 or none"
ki map --by nothing "$img"
expect_rc "--by nothing: usage, exit 2" 2
ki map --svg "$T/no/such/dir/x.svg" "$img"
expect_rc "unwritable SVG: exit 2" 2
expect_grep "unwritable SVG: named" "$T/err" "no/such/dir/x.svg: cannot write the SVG"
ki map "$G/debugfs/v3-x86_64-4k"
expect_rc "no memory: exit 2" 2
rm -f "$T"/v*.elf "$T/map.svg" "$T/map.png"

# a real kernel's hand-over, by order and by owner
RK="$FIX/realkernel-7.3/khodumps-elf.tar.xz"
mkdir -p "$T/rk"
if tar -xSJf "$RK" -C "$T/rk" handover.elf; then
	ki map --svg "$T/map.svg" "$T/rk/handover.elf"
	expect_rc "realkernel handover: map --svg exits 0" 0
	map_png "realkernel handover by order" "$T/map.svg" "$FIX/realkernel-7.3/blocks-handover.txt"
else
	bad "realkernel handover" "cannot unpack $RK"
fi
rm -rf "$T/rk" "$T/map.svg" "$T/map.png"
