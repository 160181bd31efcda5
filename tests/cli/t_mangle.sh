# SPDX-License-Identifier: GPL-2.0-or-later
# Mangle one field of a golden image (dtc's habit) and check the exact
# finding, the exit status, and that the rest of the map is still listed.
# v3-x86_64-4k.elf: PT_LOAD 0 at file 0x1000 (paddr 0), PT_LOAD 1 at file
# 0x801000 (paddr 0x100000000). Radix root (truth memory_map_phys) holds, at
# 4K, index 0 for orders >= 2, index 1 for order 1, index 2 for order 0.

G="$FIX/golden"
TRUTH="$G/v3-x86_64-4k.truth.json"
xz -dc "$G/v3-x86_64-4k.elf.xz" >"$T/clean.elf"
ROOT=$(jq -r .memory_map_phys "$TRUTH")
FDT=$(jq -r .fdt_phys "$TRUTH")
off_of() { echo $(( $1 >= 0x100000000 ? $1 - 0x100000000 + 0x801000 : $1 + 0x1000 )); }
# blocks of the truth with order in a set (awk condition on $2)
truth_where() { truth_blocks "$TRUTH" | awk "$1"; }

mangled() { cp "$T/clean.elf" "$T/m.elf"; }

# 1. root entry 2 (order 0) points back at the root: a cycle
mangled; put_u64 "$T/m.elf" $(( $(off_of $ROOT) + 16 )) $((ROOT))
ki -j list --blocks "$T/m.elf"
expect_rc "cycle: exits 2" 2
expect_json "cycle: JSON valid"
expect_jq "cycle: map-cycle at the root" "[.findings[] | select(.id == \"map-cycle\" and .phys == \"$ROOT\")] | length == 1"
truth_where '$2 != 0' >"$T/want"; got_blocks >"$T/got"
expect_same "cycle: every other order still listed" "$T/want" "$T/got"

# 2. root entry 1 (order 1) not page aligned
mangled; put_u64 "$T/m.elf" $(( $(off_of $ROOT) + 8 )) $((ROOT + 8))
ki -j list --blocks "$T/m.elf"
expect_rc "unaligned: exits 2" 2
expect_jq "unaligned: map-pointer-unaligned" "[.findings[] | select(.id == \"map-pointer-unaligned\" and .phys == \"0x$(printf %x $((ROOT + 8)))\")] | length == 1"
truth_where '$2 != 1' >"$T/want"; got_blocks >"$T/got"
expect_same "unaligned: orders other than 1 still listed" "$T/want" "$T/got"

# 3. root entry 1 points outside the dump
mangled; put_u64 "$T/m.elf" $(( $(off_of $ROOT) + 8 )) $((0x7000000000))
ki -j list --blocks "$T/m.elf"
expect_rc "outside: exits 2" 2
expect_jq "outside: map-pointer-outside-dump names the address" '[.findings[] | select(.id == "map-pointer-outside-dump" and .phys == "0x7000000000")] | length == 1'
truth_where '$2 != 1' >"$T/want"; got_blocks >"$T/got"
expect_same "outside: orders other than 1 still listed" "$T/want" "$T/got"

# 4. a root index keys can never reach (4K: at most 3)
mangled; put_u64 "$T/m.elf" $(( $(off_of $ROOT) + 8 * 7 )) $((ROOT))
ki -j list --blocks "$T/m.elf"
expect_rc "key out of range: exits 2" 2
expect_jq "key out of range: key-out-of-range" '[.findings[].id] | index("key-out-of-range") != null'
truth_blocks "$TRUTH" >"$T/want"; got_blocks >"$T/got"
expect_same "key out of range: all real blocks still listed" "$T/want" "$T/got"

# 5. preserved-memory-map outside the dump: nothing to list, exit 2
mangled
pat=$(printf '%016x' $((ROOT)) | sed 's/\(..\)/\1 /g' | awk '{for (i = 8; i >= 1; i--) printf "\\x%s", $i}')
poff=$(LC_ALL=C grep -obUaP "$pat" "$T/m.elf" | head -1 | cut -d: -f1)
if [ -n "$poff" ]; then
	put_u64 "$T/m.elf" "$poff" $((0x7000000000))
	ki -j list "$T/m.elf"
	expect_rc "map pointer outside: exits 2" 2
	expect_jq "map pointer outside: finding" '[.findings[] | select(.id == "map-pointer-outside-dump" and .phys == "0x7000000000")] | length == 1'
	expect_jq "map pointer outside: nothing listed" '.total.blocks == 0'
	put_u64 "$T/m.elf" "$poff" $((ROOT + 0x10))
	ki -j list "$T/m.elf"
	expect_jq "map pointer unaligned: finding" '[.findings[].id] | index("map-pointer-unaligned") != null'
else
	bad "map pointer outside" "preserved-memory-map value not found in the image"
fi

# 6. FDT header: totalsize beyond a page
mangled; printf '\000\001\000\000' | dd of="$T/m.elf" bs=1 seek=$(( $(off_of $FDT) + 4 )) conv=notrunc 2>/dev/null
ki list "$T/m.elf"
expect_rc "FDT totalsize 64K+: scan finds nothing, exits 2" 2
ki list --fdt-phys "$FDT" "$T/m.elf"
expect_rc "FDT totalsize 64K+ at --fdt-phys: exits 2" 2
expect_grep "FDT totalsize explained" "$T/err" "FDT at paddr $FDT: header totalsize 0x10000 is outside"

# 7. FDT structure block offset broken: fdt_check_full says so
mangled; printf '\000\000\377\000' | dd of="$T/m.elf" bs=1 seek=$(( $(off_of $FDT) + 8 )) conv=notrunc 2>/dev/null
ki list --fdt-phys "$FDT" "$T/m.elf"
expect_rc "FDT off_dt_struct broken: exits 2" 2
expect_grep "FDT off_dt_struct: libfdt error worded" "$T/err" "paddr $FDT: FDT: .*libfdt error"
