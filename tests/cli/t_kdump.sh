# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-compressed dumps through libkdumpfile (QEMU 7.2 kdump-zlib after
# makedumpfile -R): same blocks as the ELF dump of the same guest.

xz -dc "$FIX/qemu/q35-5g-v3.kdump-zlib.xz" >"$T/q.kdump"
truth_blocks "$FIX/qemu/q35-5g-v3.truth.json" >"$T/wantk"
expect_blocks "qemu kdump-zlib" "$T/wantk" "$T/q.kdump"
expect_jq "kdump: container, arch from the header's machine, page size from the arch" '.input.container == "kdump" and .input.arch == "x86_64" and .input.page_size == 4096 and .input.page_size_source == "x86_64 runs with 4 KiB pages only"'
expect_jq "kdump: fdt found by scan" ".kho.fdt_phys == \"$(jq -r .fdt_phys "$FIX/qemu/q35-5g-v3.truth.json")\""
expect_jq "kdump: complete dump, no warnings" '[.findings[] | select(.severity != "info")] | length == 0'

# status bit 0x8 (ENOSPC while writing): reported as a warning
printf '\011' | dd of="$T/q.kdump" bs=1 seek=424 conv=notrunc 2>/dev/null
ki -j list --summary "$T/q.kdump"
expect_rc "incomplete kdump: still listed" 0
expect_jq "incomplete kdump: warning" '[.findings[] | select(.id == "incomplete-dump" and .severity == "warning")] | length == 1'
ki list --summary "$T/q.kdump"
expect_grep "incomplete kdump: said in text" "$T/out" 'warning incomplete-dump: .*incomplete'

# a header libkdumpfile cannot make sense of
{ printf 'KDUMP   '; head -c 8184 /dev/zero; } >"$T/bad.kdump"
ki list "$T/bad.kdump"
expect_rc "broken kdump header: exits 2" 2
expect_grep "broken kdump header: named" "$T/err" 'bad.kdump: kdump-compressed header'
rm -f "$T/q.kdump"

# Damaged page descriptors are refused before libkdumpfile reads them
# (a 1 MiB QEMU q35 guest, kdump-zlib: 4K blocks, sub_hdr_size 1,
# bitmap_blocks 64, so descriptors start at (1 + 1 + 64) * 4096 = 0x42000,
# one per RAM page from PFN 0; the KHO FDT is at 0x50000 = PFN 0x50).
KS="$TESTS/../fuzz/corpus/kdump"
cp "$KS/qemu-q35-khov3.kdump" "$T/pd.kdump"
ki -j list --blocks "$T/pd.kdump"
expect_rc "small QEMU kdump: lists" 0
expect_jq "small QEMU kdump: FDT at PFN 0x50, all 0x110000 bytes scanned" '.kho.fdt_phys == "0x50000" and (.kho.fdt_found_by | test("in 0x110000 bytes"))'
chmod u+w "$T/pd.kdump"
printf '\0\0\0\0' | dd of="$T/pd.kdump" bs=1 seek=$((0x42000 + 0x50 * 24 + 8)) conv=notrunc 2>/dev/null
ki list --fdt-phys 0x50000 "$T/pd.kdump"
expect_rc "kdump descriptor of size 0 under the FDT: exits 2" 2
expect_grep "kdump descriptor of size 0: named with PFN and offset" "$T/err" "page descriptor of PFN 0x50 at offset 0x42780 is damaged"
ki list "$T/pd.kdump"
expect_rc "kdump damaged FDT page: no FDT found, exits 2" 2
expect_grep "kdump damaged page: the scan skips it and says so" "$T/err" 'warning: scan skipped the page at 0x50000: .*PFN 0x50 '
# 0x110000 bytes less the one damaged page
expect_grep "kdump damaged page: the scan went on past it" "$T/err" 'scanned 0x10f000 bytes'

# descriptor 0xe5 (PFN 0xe5) pointing far past the file: the scan skips
# that page and goes on with a 1 MiB read from 0xe6000 that runs past the
# last RAM page, then reads 0xe6000 alone again; libkdumpfile 0.5.1
# crashed on that sequence (found by fuzzing), so excluded pages never
# reach it.
cp "$KS/qemu-q35-khov3.kdump" "$T/pd.kdump"
chmod u+w "$T/pd.kdump"
printf '\100' | dd of="$T/pd.kdump" bs=1 seek=$((0x42000 + 0xe5 * 24 + 6)) conv=notrunc 2>/dev/null
ki -j list "$T/pd.kdump"
expect_rc "kdump descriptor past the file: lists" 0
expect_jq "kdump descriptor past the file: the page is skipped and named" '[.findings[] | select(.id == "scan-page-damaged") | .phys] == ["0xe5000"]'
expect_jq "kdump descriptor past the file: the FDT is still found" '.kho.fdt_phys == "0x50000"'

# one extra bit in the 2nd bitmap, byte 58090 bit 1 (offset 0x22000 +
# 58090 = 197354): PFN 58090 * 8 + 1 = 0x71751, stored but not RAM
# (libkdumpfile 0.5.1 wrote through NULL on this one; found by fuzzing)
ki list "$KS/crash-bitmap2-extra-bit"
expect_rc "kdump with an extra 2nd-bitmap bit: exits 2" 2
expect_grep "kdump extra bit: PFN named" "$T/err" 'PFN 0x71751 is stored \(2nd bitmap\) but not RAM'
# the same bit in the 1st bitmap too (0x2000 + 58090): 273 pages stored,
# descriptors for 272
cp "$KS/crash-bitmap2-extra-bit" "$T/pd.kdump"
chmod u+w "$T/pd.kdump"
printf '\002' | dd of="$T/pd.kdump" bs=1 seek=$((0x2000 + 58090)) conv=notrunc 2>/dev/null
ki list "$T/pd.kdump"
expect_rc "kdump with more pages than descriptors: exits 2" 2
expect_grep "kdump more pages than descriptors: counts named" "$T/err" 'says 273 pages are stored, the descriptor table \(0x42000-0x43980\) has room for 272'
rm -f "$T/pd.kdump"

# sub-header offsets outside the file are refused before libkdumpfile
# tries to allocate them (kdump_sub_header at block 1 = 0x1000; offset_note
# at +48, size_note at +56 on 64-bit writers)
cp "$KS/qemu-q35-khov3.kdump" "$T/pd.kdump"
chmod u+w "$T/pd.kdump"
put_u64 "$T/pd.kdump" $((0x1000 + 56)) $((0x27000000000))
ki list "$T/pd.kdump"
expect_rc "kdump notes past the file: exits 2" 2
expect_grep "kdump notes past the file: field named" "$T/err" 'the ELF notes \(offset 0x1068, 0x27000000000 bytes; fields at 0x1030\) lie outside'
rm -f "$T/pd.kdump"

# a 32-bit machine's dump (utsname machine at 12 + 4 * 65 = 0x110): KHO is
# 64-bit only, and libkdumpfile would read its sub-header with 64-bit
# fields (fuzzing: an "armv7l" header made it allocate 17 PB); refused by
# name, before libkdumpfile
cp "$KS/qemu-q35-khov3.kdump" "$T/pd.kdump"
chmod u+w "$T/pd.kdump"
printf 'armv7l\000' | dd of="$T/pd.kdump" bs=1 seek=$((0x110)) conv=notrunc 2>/dev/null
ki list "$T/pd.kdump"
expect_rc "kdump of a 32-bit machine: exits 2" 2
expect_grep "kdump of a 32-bit machine: said, with the field" "$T/err" \
	'kdump-compressed dump of a 32-bit machine \(utsname machine "armv7l" at offset 0x110\): KHO exists only on 64-bit kernels'
rm -f "$T/pd.kdump"

# the compressed data of PFN 0x63 (the map's order-10 bitmap page) damaged:
# the read fails, libkdumpfile's cache is emptied, and reading earlier
# pages again works (0.5.1 wrote through NULL here; found by fuzzing)
ki -j list "$KS/crash-cache-after-error"
expect_rc "kdump page that does not decompress: listing incomplete, exits 2" 2
expect_jq "kdump page that does not decompress: map-read-error at it" '[.findings[] | select(.id == "map-read-error") | .phys] == ["0x63000"]'
