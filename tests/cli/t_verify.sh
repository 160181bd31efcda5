# SPDX-License-Identifier: GPL-2.0-or-later
# verify: golden images pass; each mangled invariant gives its finding id
# and exit 1; unreadable input exits 2.

G="$FIX/golden"
TR="$G/v3-x86_64-4k.truth.json"
xz -dc "$G/v3-x86_64-4k.elf.xz" >"$T/ver.elf"

# 1. every golden image: exit 0, no error finding
for v in v3-x86_64-4k v2-x86_64-4k v4-aarch64-64k v1-x86_64-4k-512 v1-x86_64-4k-page; do
	xz -dc "$G/$v.elf.xz" >"$T/g.elf"
	ki -j verify "$T/g.elf"
	expect_rc "verify $v: exits 0" 0
	expect_jq "verify $v: no errors, all blocks checked" ".summary.errors == 0 and .summary.result == \"pass\" and .summary.blocks_checked == $(jq '.blocks | length' "$G/$v.truth.json")"
done
xz -dc "$G/v3-aarch64-16k.raw.xz" >"$T/g.raw"
ki -j verify --base 0x80000000 "$T/g.raw"
expect_rc "verify 16k raw: exits 0" 0
xz -dc "$FIX/qemu/q35-5g-v3.kdump-zlib.xz" >"$T/g.kdump"
ki -j verify "$T/g.kdump"
expect_rc "verify qemu kdump: exits 0" 0
rm -f "$T/g.elf" "$T/g.raw" "$T/g.kdump"

# with the debugfs scratch area: still clean
ki -j verify --mem "$T/ver.elf" "$G/debugfs/v3-x86_64-4k"
expect_rc "verify debugfs + --mem with scratch: exits 0" 0
expect_jq "verify debugfs: scratch known" '[.findings[].id] | index("scratch-unknown") == null'
ki verify "$T/ver.elf"
expect_grep "verify text: pass line" "$T/out" '^result: +pass: 0 errors'

# 2. scratch areas against the golden blocks (truth: 0x128000 order 0 preserved)
ki -j verify --scratch 0x0:0x200000 "$T/ver.elf"
expect_rc "block in scratch: exits 1" 1
expect_jq "block in scratch: finding at the block" '[.findings[] | select(.id == "block-in-scratch" and .severity == "error" and .phys == "0x128000")] | length == 1'
ki verify --scratch 0x0:0x200000 "$T/ver.elf"
expect_grep "block in scratch: text groups errors" "$T/out" '^errors:'
expect_grep "block in scratch: text names it" "$T/out" '^  block-in-scratch at 0x128000: '
ROOT=$(jq -r .memory_map_phys "$TR")
ki -j verify --scratch "$(printf '0x%x' $((ROOT & ~0x1fffff)))":0x200000 "$T/ver.elf"
expect_jq "map page in scratch" "[.findings[] | select(.id == \"map-page-in-scratch\" and .phys == \"$ROOT\")] | length == 1"
ki -j verify --scratch 0x40000000:0x400000,0x40200000:0x400000 "$T/ver.elf"
expect_rc "overlapping scratch areas: exits 1" 1
expect_jq "overlapping scratch areas: finding" '[.findings[].id] | index("scratch-overlap") != null'
ki -j verify --scratch 0x40001000:0x1000 "$T/ver.elf"
expect_rc "unaligned scratch area: a warning, exits 0" 0
expect_jq "unaligned scratch area: finding" '[.findings[] | select(.id == "scratch-unaligned" and .severity == "warning")] | length == 1'

# 3. a blob that is not preserved: kexec-metadata pointed at a free page
off_of() { echo $(( $1 >= 0x100000000 ? $1 - 0x100000000 + 0x801000 : $1 + 0x1000 )); }
put_u64() {
	v=$3; s=""
	for _ in 1 2 3 4 5 6 7 8; do s="$s$(printf '\\%03o' $((v & 255)))"; v=$((v >> 8)); done
	printf "$s" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
cp "$T/ver.elf" "$T/m.elf"
FDTPA=$(jq -r .fdt_phys "$TR")
META=$(jq -r '.subnodes[] | select(.name == "kexec-metadata") | .phys' "$TR")
pat=$(printf '%016x' $((META)) | sed 's/\(..\)/\1 /g' | awk '{for (i = 8; i >= 1; i--) printf "\\x%s", $i}')
poff=$(dd if="$T/m.elf" bs=4096 skip=$(( $(off_of $FDTPA) / 4096 )) count=1 2>/dev/null | LC_ALL=C grep -obUaP "$pat" | head -1 | cut -d: -f1)
put_u64 "$T/m.elf" $(( $(off_of $FDTPA) + poff )) $((0x7ff000))
ki -j verify "$T/m.elf"
expect_rc "blob not preserved: exits 1" 1
expect_jq "blob not preserved: finding names the blob" '[.findings[] | select(.id == "blob-not-preserved" and .phys == "0x7ff000") | .message | test("kexec-metadata")] == [true]'

# 4. the FDT page not preserved: a copy of it at a free page, chosen by --fdt-phys
cp "$T/ver.elf" "$T/m.elf"
dd if="$T/m.elf" of="$T/m.elf" bs=4096 skip=$(( $(off_of $FDTPA) / 4096 )) seek=$(( $(off_of 0x7fe000) / 4096 )) count=1 conv=notrunc 2>/dev/null
ki -j verify --fdt-phys 0x7fe000 "$T/m.elf"
expect_rc "FDT not preserved: exits 1" 1
expect_jq "FDT not preserved: finding" '[.findings[] | select(.id == "fdt-not-preserved" and .phys == "0x7fe000")] | length == 1'

# 5. decoder findings are verify findings: a map cycle
cp "$T/ver.elf" "$T/m.elf"
put_u64 "$T/m.elf" $(( $(off_of $ROOT) + 16 )) $((ROOT))
ki -j verify "$T/m.elf"
expect_rc "map cycle: exits 1" 1
expect_jq "map cycle: finding" '[.findings[].id] | index("map-cycle") != null'

# 6. two orders claiming the same memory, in a hand-built raw image:
#    KHO FDT (dtc) at 0, radix tree at 0x1000.., order-0 block 0x10000 and
#    order-1 block 0x10000 (4K: root index 2 for order 0, 1 for order 1).
cat >"$T/kho.dts" <<'DTS'
/dts-v1/;
/ {
	compatible = "kho-v3";
	preserved-memory-map = [00 10 00 00 00 00 00 00];
};
DTS
if dtc -I dts -O dtb -o "$T/kho.dtb" "$T/kho.dts" 2>/dev/null; then
	head -c $((0x20000)) /dev/zero >"$T/ov.raw"
	dd if="$T/kho.dtb" of="$T/ov.raw" conv=notrunc 2>/dev/null
	# order 0: root[2] -> 0x2000 -> 0x3000 -> 0x4000 -> 0x5000 -> leaf 0x6000
	put_u64 "$T/ov.raw" $((0x1000 + 16)) $((0x2000))
	put_u64 "$T/ov.raw" $((0x2000)) $((0x3000))
	put_u64 "$T/ov.raw" $((0x3000)) $((0x4000))
	put_u64 "$T/ov.raw" $((0x4000)) $((0x5000))
	put_u64 "$T/ov.raw" $((0x5000)) $((0x6000))
	# leaf bits: 0 (the FDT page 0x0) and 16 (0x10000)
	put_u64 "$T/ov.raw" $((0x6000)) $(( (1 << 0) | (1 << 16) ))
	# order 1: root[1] -> 0x7000 -> 0x8000 -> 0x9000 -> 0xa000 -> leaf 0xb000, bit 8 (0x10000)
	put_u64 "$T/ov.raw" $((0x1000 + 8)) $((0x7000))
	put_u64 "$T/ov.raw" $((0x7000)) $((0x8000))
	put_u64 "$T/ov.raw" $((0x8000)) $((0x9000))
	put_u64 "$T/ov.raw" $((0x9000)) $((0xa000))
	put_u64 "$T/ov.raw" $((0xa000)) $((0xb000))
	put_u64 "$T/ov.raw" $((0xb000)) $(( 1 << 8 ))
	ki -j list --blocks --base 0 --page-size 4096 "$T/ov.raw"
	expect_jq "hand-built tree decodes as worked out" '[.blocks[] | "\(.phys)/\(.order)"] == ["0x0/0","0x10000/0","0x10000/1"]'
	ki -j verify --base 0 --page-size 4096 "$T/ov.raw"
	expect_rc "overlap: exits 1" 1
	expect_jq "overlap: block-overlap at 0x10000" '[.findings[] | select(.id == "block-overlap" and .phys == "0x10000")] | length == 1'
	expect_jq "overlap: FDT page preserved" '[.findings[].id] | index("fdt-not-preserved") == null'
	# a map page that is itself preserved: set the leaf bit for 0x6000
	put_u64 "$T/ov.raw" $((0x6000)) $(( (1 << 0) | (1 << 6) ))
	ki -j verify --base 0 --page-size 4096 "$T/ov.raw"
	expect_jq "map page preserved: warning at the leaf" '[.findings[] | select(.id == "map-page-preserved" and .phys == "0x6000")] | length == 1'
else
	bad "dtc" "could not build the hand-made KHO FDT"
fi

# 7. unknown compatible: a finding, exit 2 (the tool is too old for it:
# not a broken hand-over)
sed 's/kho-v3/kho-v9/' "$T/kho.dts" >"$T/kho9.dts"
dtc -I dts -O dtb -o "$T/kho9.dtb" "$T/kho9.dts" 2>/dev/null
dd if="$T/kho9.dtb" of="$T/ov.raw" conv=notrunc 2>/dev/null
ki -j verify --base 0 --page-size 4096 "$T/ov.raw"
expect_rc "unknown compatible: exits 2" 2
expect_jq "unknown compatible: result unsupported" '.summary.result == "unsupported"'
expect_jq "unknown compatible: finding" '[.findings[] | select(.id == "unknown-compatible" and .severity == "error")] | length == 1'

# 8. trouble: exit 2
ki verify "$T/nonexistent"
expect_rc "verify missing file: exits 2" 2
ki -j verify "$T/nonexistent"
expect_json "verify missing file: JSON error document"
ki verify
expect_rc "verify without input: exits 2" 2
rm -f "$T/ver.elf" "$T/m.elf" "$T/ov.raw"
