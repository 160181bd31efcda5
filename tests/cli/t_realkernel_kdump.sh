# SPDX-License-Identifier: GPL-2.0-or-later
# The real x86_64 kernel (Linux 7.3.4; ../shared/fixtures/realkernel-7.3,
# copied to tests/fixtures/realkernel-7.3) at the jump: its ELF core
# (no VMCOREINFO) and QEMU's kdump counterpart of a booted guest
# (make-kdump.sh: PFN 0 is not zero, so the zero pages share a stored
# page that is not the first descriptor's). Blocks are held against
# blocks-handover.txt (an independent decoder); the LUO tokens against
# what the guest's program chose (README: 0x1111 and 0x2222).

RX="$FIX/realkernel-7.3"
mkdir -p "$T/rx"
tar -xSJf "$RX/khodumps-elf.tar.xz" -C "$T/rx" handover.elf
LC_ALL=C sort "$RX/blocks-handover.txt" >"$T/want-rx"
expect_blocks "x86 handover.elf" "$T/want-rx" "$T/rx/handover.elf"
ki list --summary "$T/rx/handover.elf"
expect_grep "x86 handover.elf: the page size rule names the architecture" "$T/out" '^page size: +4096 \(x86_64 runs with 4 KiB pages only\)$'
ki fdt "$T/rx/handover.elf"
expect_rc "x86 handover.elf: fdt exits 0" 0
grep -o 'token = .*' "$T/out" | LC_ALL=C sort >"$T/rx/tok"
printf 'token = 0x1111\ntoken = 0x2222\n' >"$T/rx/tokw"
expect_same "x86 handover.elf: LUO tokens in hex, as the program wrote them" "$T/rx/tokw" "$T/rx/tok"
ki -j fdt "$T/rx/handover.elf"
expect_jq "x86 handover.elf: JSON tokens are \"0x…\" strings" '[.. | objects | select(has("token")) | .token] | sort == ["0x1111", "0x2222"]'
ki -j list --owners "$T/rx/handover.elf"
expect_jq "x86 handover.elf: memfd owners named by hex token" '[.ranges[].owner | select(test("/file 0x(1111|2222) \\(memfd\\)$"))] | length > 0'

xz -dc "$RX/handover.kdump.xz" >"$T/rx/handover.kdump"
mach=$(dd if="$T/rx/handover.kdump" bs=1 skip=272 count=7 2>/dev/null | tr -d '\0')
sysname=$(dd if="$T/rx/handover.kdump" bs=1 skip=12 count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
if [ "$mach" = x86_64 ] && [ "$sysname" = 0 ]; then ok "x86 kdump: header machine x86_64, sysname empty (libkdumpfile names no arch)"
else bad "x86 kdump: header machine x86_64, sysname empty (libkdumpfile names no arch)" "machine $mach, sysname byte $sysname"; fi
expect_blocks "x86 handover.kdump (booted guest)" "$T/want-rx" "$T/rx/handover.kdump"
expect_jq "x86 handover.kdump: arch x86_64, 4K from it" '.input.arch == "x86_64" and .input.page_size == 4096 and .input.page_size_source == "x86_64 runs with 4 KiB pages only"'
ki list --summary "$T/rx/handover.kdump"
expect_grep "x86 handover.kdump: the header names the arch" "$T/out" '^container: +kdump, x86_64, little-endian'
# the scratch areas, from the setup_data record the scan reads in a kdump
# as in an ELF core, against the kernel's own debugfs scratch_phys/len
paste -d' ' "$RX/guest-before/debugfs-kho/out/scratch_phys" "$RX/guest-before/debugfs-kho/out/scratch_len" >"$T/rx/scr-want"
for f in handover.elf handover.kdump; do
	ki -j list --summary "$T/rx/$f"
	jq -r '.scratch[] | "\(.start) \(.size)"' "$T/out" >"$T/rx/scr-got"
	expect_same "x86 $f: scratch areas = the kernel's debugfs scratch_phys/scratch_len" "$T/rx/scr-want" "$T/rx/scr-got"
	expect_jq "x86 $f: scratch areas from setup_data" '.scratch[0].source | test("x86 setup_data SETUP_KEXEC_KHO")'
done
ki -j verify "$T/rx/handover.kdump"
expect_rc "x86 handover.kdump: verify exits 0" 0
expect_jq "x86 handover.kdump: the scratch checks ran" '[.findings[].id] | index("scratch-unknown") == null'
expect_jq "x86 handover.kdump: no page called damaged" '[.findings[] | select(.id == "scan-page-damaged")] == [] and .summary.findings_not_listed == 0'
ki snapshot "$T/rx/handover.kdump" -o "$T/rx/m.json"
expect_rc "x86 handover.kdump: snapshot exits 0" 0
if jq -e '[.ranges[] | select(type != "object" or has("missing"))] == []' "$T/rx/m.json" >/dev/null 2>&1; then
	ok "x86 handover.kdump: snapshot records no range as missing (all-zero reserve_mem ranges hashed)"
else bad "x86 handover.kdump: snapshot records no range as missing (all-zero reserve_mem ranges hashed)" "$(jq -c '[.ranges[] | select(type != "object" or has("missing"))][0]' "$T/rx/m.json")"; fi
rm -rf "$T/rx"
