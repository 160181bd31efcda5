# SPDX-License-Identifier: GPL-2.0-or-later
# Our own QEMU-made dumps (tests/fixtures/qemu/make-q35-64m-v1-512.sh): a
# kho-v1 image with 512-byte bitmaps from khogen, loaded into a paused q35
# guest, dumped by QEMU as ELF and kdump-zlib. Every container lists the
# generator's blocks, without --fdt-phys.

Q="$FIX/qemu"
tar -xSJf "$Q/q35-64m-v1-512.elf.tar.xz" -C "$T"
xz -dc "$Q/q35-64m-v1-512.kdump-zlib.xz" >"$T/v1q.kdump"
xz -dc "$Q/q35-64m-v1-512.kdump-zlib.flat.xz" >"$T/v1q.flat"
gen_blocks "$Q/q35-64m-v1-512.truth" >"$T/wantq1"
expect_blocks "own QEMU ELF (kho-v1, 512-byte bitmaps)" "$T/wantq1" "$T/v1.elf"
expect_jq "own QEMU ELF: 512-byte bitmaps detected" '.map.bitmap_size == 512'
expect_blocks "own QEMU kdump-zlib" "$T/wantq1" "$T/v1q.kdump"
ki list "$T/v1q.flat"
expect_rc "own QEMU flattened kdump: exits 2" 2
expect_grep "own QEMU flattened kdump: makedumpfile -R hint" "$T/err" 'makedumpfile -R OUT < '
# The khogen that made this image wrote the memblock region "trace"
# (0xb60a00000, 0x302000 bytes) without preserving it: the one error.
ki -j verify "$T/v1.elf"
expect_rc "own QEMU ELF: verify finds the unpreserved reserve_mem region" 1
expect_jq "own QEMU ELF: the only error is memblock:trace not preserved" \
	'[.findings[] | select(.severity == "error") | [.id, .phys]] == [["object-not-preserved", "0xb60a00000"]]'

# (--present-only: blocks a side does not hold are not compared)
ki diff --present-only "$T/v1.elf" "$T/v1q.kdump"
expect_rc "own QEMU ELF vs kdump: the same" 0
ki -j locate "$T/v1q.kdump"
expect_jq "own QEMU kdump: locate finds the FDT with its kexec-metadata" "[.candidates[0] | .fdt_phys, .kexec_metadata.kexec_count] == [\"$(sed -n 's/.*fdt_phys \(0x[0-9a-f]*\).*/\1/p' "$Q/q35-64m-v1-512.truth")\", 1]"
rm -f "$T/v1.elf" "$T/v1q.kdump" "$T/v1q.flat"

# QEMU's aarch64 kdump (make-virt-1g-16k-v4.sh): a khogen kho-v4 image
# with 16 KiB pages in a paused 1 GiB virt guest. QEMU says block size
# 65536 and machine "Unknown"; the FDT (0x40144000) is 16 KiB- but not
# 64 KiB-aligned; QEMU's DTB fills PFN 0, so the first descriptor is not
# the zero page the other pages share.
xz -dc "$Q/virt-1g-16k-v4.kdump-zlib.xz" >"$T/v16.kdump"
bs=$(od -An -tu4 -j428 -N4 "$T/v16.kdump" | tr -d ' ')
mach=$(dd if="$T/v16.kdump" bs=1 skip=272 count=7 2>/dev/null)
if [ "$bs" = 65536 ] && [ "$mach" = Unknown ]; then ok "virt kdump: the header says block size 65536, machine Unknown"
else bad "virt kdump: the header says block size 65536, machine Unknown" "block size $bs, machine $mach"; fi
grep -v '^#' "$Q/virt-1g-16k-v4.truth" | cut -d' ' -f1,2 | LC_ALL=C sort >"$T/wantv16"
expect_blocks "QEMU aarch64 kdump, 16K pages, no --page-size" "$T/wantv16" "$T/v16.kdump"
expect_jq "QEMU aarch64 kdump: arch from the NT_PRSTATUS size, 16K from the data" \
	'.input.arch == "aarch64" and .input.page_size == 16384 and (.input.page_size_source | test("inferred from the data"))'
expect_jq "QEMU aarch64 kdump: the FDT found by the scan" '.kho.fdt_phys == "0x40144000" and (.kho.fdt_found_by | test("^scan"))'
expect_jq "QEMU aarch64 kdump: no page called damaged (shared zero page)" '[.findings[] | select(.severity != "info")] == []'
ki -j list --blocks --owners "$T/v16.kdump"
jq -r '.blocks[] | "\(.phys) \(.order) \(.owner)"' "$T/out" | LC_ALL=C sort >"$T/gotv16"
gen_blocks "$Q/virt-1g-16k-v4.truth" >"$T/wantv16o"
expect_same "QEMU aarch64 kdump: every block's owner = khogen's" "$T/wantv16o" "$T/gotv16"
ki -j verify "$T/v16.kdump"
expect_rc "QEMU aarch64 kdump: verify exits 0" 0
expect_jq "QEMU aarch64 kdump: verify finds no error or warning" '[.findings[] | select(.severity != "info")] == []'
# a VMCOREINFO text appended and named by the sub-header (block 1 at
# 0x10000: offset_vmcoreinfo at +32, size_vmcoreinfo at +40), as
# makedumpfile writes it: its PAGESIZE decides, not the block size
chmod u+w "$T/v16.kdump"
vsz=$(stat -c %s "$T/v16.kdump")
printf 'OSRELEASE=7.3.4\nPAGESIZE=16384\n' >>"$T/v16.kdump"
put_u64 "$T/v16.kdump" $((0x10000 + 32)) "$vsz"
put_u64 "$T/v16.kdump" $((0x10000 + 40)) 31
expect_blocks "QEMU aarch64 kdump with VMCOREINFO PAGESIZE=16384" "$T/wantv16" "$T/v16.kdump"
expect_jq "kdump VMCOREINFO: the page size from it" '.input.page_size == 16384 and .input.page_size_source == "VMCOREINFO PAGESIZE"'
printf '65536\n' | dd of="$T/v16.kdump" bs=1 seek=$((vsz + 25)) conv=notrunc 2>/dev/null
put_u64 "$T/v16.kdump" $((0x10000 + 40)) 31
ki -j list --fdt-phys 0x40144000 "$T/v16.kdump"
expect_jq "kdump VMCOREINFO PAGESIZE=65536 (wrong for this map): believed" '.input.page_size == 65536 and .input.page_size_source == "VMCOREINFO PAGESIZE"'
expect_rc "kdump VMCOREINFO PAGESIZE=65536: the 16K map does not decode, exits 2" 2
rm -f "$T/v16.kdump"

# locate finds the truth's FDT in every golden image
for v in v3-x86_64-4k v2-x86_64-4k v4-aarch64-64k v1-x86_64-4k-512 v1-x86_64-4k-page; do
	xz -dc "$FIX/golden/$v.elf.xz" >"$T/g.elf"
	ki -j locate "$T/g.elf"
	expect_jq "locate $v: rank 1 is the truth's FDT" ".candidates[0].fdt_phys == \"$(jq -r .fdt_phys "$FIX/golden/$v.truth.json")\" and .candidates[0].clean"
done
xz -dc "$FIX/golden/v3-aarch64-16k.raw.xz" >"$T/g.raw"
ki -j locate --base 0x80000000 "$T/g.raw"
expect_jq "locate v3-aarch64-16k raw: rank 1 is the truth's FDT, clean at 16K" ".candidates[0].fdt_phys == \"$(jq -r .fdt_phys "$FIX/golden/v3-aarch64-16k.truth.json")\" and .candidates[0].clean_page_sizes == [16384]"
rm -f "$T/g.elf" "$T/g.raw"

# the ELF incomplete flag (e_flags bit 0) is a warning
xz -dc "$FIX/golden/v3-x86_64-4k.elf.xz" >"$T/inc.elf"
printf '\001' | dd of="$T/inc.elf" bs=1 seek=48 conv=notrunc 2>/dev/null
ki -j list --summary "$T/inc.elf"
expect_rc "ELF incomplete flag: still listed" 0
expect_jq "ELF incomplete flag: warning" '[.findings[] | select(.id == "incomplete-dump" and .severity == "warning")] | length == 1'
rm -f "$T/inc.elf"
