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
