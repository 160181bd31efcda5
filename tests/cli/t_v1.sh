# SPDX-License-Identifier: GPL-2.0-or-later
# kho-v1 chunk lists (Linux 6.16–7.0): both bitmap sizes under one compatible.

G="$FIX/golden"
for v in v1-x86_64-4k-512 v1-x86_64-4k-page; do
	xz -dc "$G/$v.elf.xz" >"$T/$v.elf"
	truth_blocks "$G/$v.truth.json" >"$T/want"
	expect_blocks "$v" "$T/want" "$T/$v.elf"
	expect_jq "$v: compatible kho-v1" '.kho.compatible == "kho-v1"'
	expect_jq "$v: map kind chunks" '.map.kind == "chunks"'
	expect_jq "$v: memory_map_phys" ".kho.memory_map_phys == \"$(jq -r .memory_map_phys "$G/$v.truth.json")\""
	expect_jq "$v: no error findings" '[.findings[] | select(.severity == "error")] | length == 0'
	jq -c '[.subnodes[] | {name, phys}]' "$G/$v.truth.json" >"$T/ws"
	jq -c '[.subnodes[] | {name, phys}]' "$T/out" >"$T/gs"
	expect_same "$v: subnodes (fdt property)" "$T/ws" "$T/gs"
done
ki -j list --summary "$T/v1-x86_64-4k-512.elf"
expect_jq "512-byte bitmaps detected" '.map.bitmap_size == 512 and (.map.bitmap_size_source | test("512"))'
expect_jq "bitmap size said as a finding" '[.findings[] | select(.id == "v1-bitmap-size" and .severity == "info")] | length == 1'
ki -j list --summary "$T/v1-x86_64-4k-page.elf"
expect_jq "page bitmaps detected" '.map.bitmap_size == 4096'

# Forcing the wrong size is reported, not silently decoded
ki -j list --v1-bitmap page "$T/v1-x86_64-4k-512.elf"
expect_rc "--v1-bitmap page on 512-byte bitmaps: exits 2" 2
expect_jq "--v1-bitmap page on 512-byte bitmaps: unaligned bitmaps reported" '[.findings[].id] | index("map-pointer-unaligned") != null'
expect_jq "--v1-bitmap page: source says given" '.map.bitmap_size_source == "--v1-bitmap page"'
ki -j list --v1-bitmap 512 --blocks "$T/v1-x86_64-4k-512.elf"
expect_rc "--v1-bitmap 512 on 512-byte bitmaps: exits 0" 0
ki list --v1-bitmap 1024 "$T/v1-x86_64-4k-512.elf"
expect_rc "--v1-bitmap 1024 is a usage error" 2
