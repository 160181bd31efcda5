# SPDX-License-Identifier: GPL-2.0-or-later
# Text for people: a golden rendering of a small image's ranges, written by
# hand from the blocks given to the generator (tests/cli/list-small.blocks,
# plus the FDT page khogen preserves at 0x10000): addresses zero-padded to
# the 9 digits of the highest end (0x100004000), orders in two columns,
# counts to the one digit of the largest per-order count (5 of order 0),
# sizes right-aligned in 10.

"$GEN" --format kho-v3 --blocks "$TESTS/list-small.blocks" --seed 1 -o "$T/small.elf" >"$T/gen.log" 2>&1 ||
	bad "khogen small image" "$(head -3 "$T/gen.log")"
ki list "$T/small.elf"
expect_rc "list of the small image exits 0" 0
sed -n '/^ranges/,$p' "$T/out" >"$T/ranges"
expect_same "list ranges = hand-written golden rendering" "$TESTS/list-small.expect" "$T/ranges"
ki -j list "$T/small.elf"
expect_jq "JSON ranges keep their unpadded addresses" '.ranges[0] == {"start": "0x1000", "end": "0x4000", "order": 0, "blocks": 3}'
ki --color=always list "$T/small.elf"
expect_no_grep "list has no colour even when asked (nothing to colour)" "$T/out" "$(printf '\033')"

# Colour: --color=always, or auto on a terminal without NO_COLOR; never in
# JSON, with --color=never or NO_COLOR, or to a pipe; and the text without
# its escapes is the same text.
ESC=$(printf '\033')
"$GEN" --format kho-v3 --blocks "$TESTS/list-small2.blocks" --seed 1 -o "$T/small2.elf" >"$T/gen.log" 2>&1 ||
	bad "khogen small2 image" "$(head -3 "$T/gen.log")"
# B lacks 0x200000 (order 9) and has 0x5000 (order 0) besides: the diff,
# written by hand with its colours (headers cyan, - red, + green)
(cd "$T" && cp small.elf A && cp small2.elf B && "$KI" --color=always diff --no-hash A B) >"$T/out" 2>"$T/err"; RC=$?
expect_rc "diff --color=always: different, exit 1" 1
expect_same "diff --color=always = hand-written coloured golden" "$TESTS/diff-small-color.expect" "$T/out"
(cd "$T" && "$KI" --color=never diff --no-hash A B) >"$T/never" 2>"$T/err"
sed "s/$ESC\[[0-9;]*m//g" "$T/out" >"$T/stripped"
expect_same "diff: the coloured text without escapes = --color=never" "$T/never" "$T/stripped"
(cd "$T" && "$KI" diff --no-hash A B) >"$T/auto" 2>"$T/err"
expect_same "diff to a pipe (auto): no colour" "$T/never" "$T/auto"
(cd "$T" && NO_COLOR=1 "$KI" diff --no-hash A B) >"$T/nc" 2>"$T/err"
expect_same "diff with NO_COLOR=1: no colour" "$T/never" "$T/nc"
ki --color=always -j diff "$T/small.elf" "$T/small2.elf"
expect_json "diff -j --color=always: JSON"
expect_no_grep "diff -j --color=always: no escape in JSON" "$T/out" "$ESC"
rm -f "$T/A" "$T/B"

# verify: a block in a scratch area is an error (red), the result FAIL
ki --color=always verify --scratch 0x1000:0x1000 "$T/small.elf"
expect_rc "verify --color=always: an error, exit 1" 1
expect_grep "verify --color=always: the errors title in red" "$T/out" "^$ESC\[1;31merrors:$ESC\[0m$"
expect_grep "verify --color=always: the finding id in red" "$T/out" "^  $ESC\[1;31mblock-in-scratch$ESC\[0m at 0x1000: "
expect_grep "verify --color=always: FAIL in red" "$T/out" "^result:   $ESC\[1;31mFAIL$ESC\[0m: "
sed "s/$ESC\[[0-9;]*m//g" "$T/out" >"$T/stripped"
ki --color=never verify --scratch 0x1000:0x1000 "$T/small.elf"
expect_same "verify: the coloured text without escapes = --color=never" "$T/out" "$T/stripped"
expect_no_grep "verify --color=never: no escape" "$T/out" "$ESC"
ki --color=always -j verify --scratch 0x1000:0x1000 "$T/small.elf"
expect_no_grep "verify -j --color=always: no escape" "$T/out" "$ESC"
ki --color=always verify "$T/small.elf"
expect_grep "verify --color=always: pass in green" "$T/out" "^result:   $ESC\[1;32mpass$ESC\[0m: "
if command -v script >/dev/null; then
	script -qec "$KI verify --scratch 0x1000:0x1000 $T/small.elf 2>/dev/null" /dev/null >"$T/out" 2>&1
	expect_grep "verify on a terminal: colour by default" "$T/out" "$ESC\[1;31m"
	NO_COLOR=1 script -qec "$KI verify --scratch 0x1000:0x1000 $T/small.elf 2>/dev/null" /dev/null >"$T/out" 2>&1
	expect_no_grep "verify on a terminal with NO_COLOR=1: none" "$T/out" "$ESC\["
	NO_COLOR= script -qec "$KI verify --scratch 0x1000:0x1000 $T/small.elf 2>/dev/null" /dev/null >"$T/out" 2>&1
	expect_grep "verify on a terminal with an empty NO_COLOR: colour" "$T/out" "$ESC\[1;31m"
fi
ki --color=sometimes list "$T/small.elf"
expect_rc "--color=sometimes: usage, exit 2" 2
rm -f "$T/small.elf" "$T/small2.elf"
