# SPDX-License-Identifier: GPL-2.0-or-later
# Sub-format objects in verify, on the golden v3 image: one field of the
# memblock sub-FDT mangled at a time (addresses from the truth file), and
# NUMA boundaries placed by hand against the truth's blocks.

G="$FIX/golden"
TRUTH="$G/v3-x86_64-4k.truth.json"
xz -dc "$G/v3-x86_64-4k.elf.xz" >"$T/sub.elf"
MB=$(jq -r '.subnodes[] | select(.name == "memblock") | .phys' "$TRUTH")
TR_START=$(jq -r '.reserve_mem[] | select(.name == "trace") | .start' "$TRUTH")
OOPS_START=$(jq -r '.reserve_mem[] | select(.name == "oops-log") | .start' "$TRUTH")
# the memblock FDT lies in the first PT_LOAD (paddr 0 at file 0x1000)
MB_OFF=$((MB + 0x1000))

ki -j verify "$T/sub.elf"
expect_rc "sub: clean golden verifies" 0
expect_jq "sub: both reserve_mem regions checked as objects" '.summary.objects_checked == 2'

# 1. trace moved where nothing is preserved
cp "$T/sub.elf" "$T/sub-m.elf"
off=$(offset_of_u64 "$T/sub-m.elf" "$TR_START" "$MB_OFF")
put_u64 "$T/sub-m.elf" "$off" $((0x7ff0000000))
ki -j verify "$T/sub-m.elf"
expect_rc "sub: unpreserved memblock region: exits 1" 1
expect_jq "sub: object-not-preserved names memblock:trace and its address" \
	'[.findings[] | select(.id == "object-not-preserved" and .phys == "0x7ff0000000" and (.message | startswith("memblock:trace:")))] | length == 1'

# 2. oops-log moved onto trace: the same memory claimed twice
cp "$T/sub.elf" "$T/sub-m.elf"
off=$(offset_of_u64 "$T/sub-m.elf" "$OOPS_START" "$MB_OFF")
put_u64 "$T/sub-m.elf" "$off" "$TR_START"
ki -j verify "$T/sub-m.elf"
expect_rc "sub: overlapping regions: exits 1" 1
expect_jq "sub: claimed-twice at trace's start, naming both" \
	"[.findings[] | select(.id == \"claimed-twice\" and .phys == \"$TR_START\" and (.message | test(\"memblock:trace\")) and (.message | test(\"memblock:oops-log\")))] | length == 1"


# 4. NUMA boundaries: one inside the truth's largest block, one on a block edge
big=$(jq -r '.blocks | max_by(.[1]) | "\(.[0]) \(.[1])"' "$TRUTH")
bpa=${big% *}; bord=${big#* }
mid=$(printf '0x%x' $(( bpa + (4096 << bord) / 2 )))
ki -j verify --numa "0-$(printf '0x%x' $((mid - 1))),$mid-0xffffffffffff" "$T/sub.elf"
expect_rc "sub: a block across a node is a warning: exits 0" 0
expect_jq "sub: block-crosses-node at the block" "[.findings[] | select(.id == \"block-crosses-node\")] | map(.phys) == [\"$bpa\"]"
ki -j verify --numa "0-$(printf '0x%x' $((bpa - 1))),$bpa-0xffffffffffff" "$T/sub.elf"
expect_jq "sub: a boundary on a block edge is no finding" '[.findings[] | select(.id == "block-crosses-node")] | length == 0'
ki verify --numa "5-3" "$T/sub.elf"
expect_rc "sub: --numa with END before START: exits 2" 2
expect_grep "sub: --numa error says the syntax" "$T/err" 'expected START-END'
rm -f "$T/sub.elf" "$T/sub-m.elf"

# a debugfs copy without memory: the sub-blobs are still decoded
D="$FIX/golden/debugfs/v3-x86_64-4k/out"
ki -j verify "$D"
expect_rc "sub: debugfs without memory: not a pass (no memory to check the blocks)" 2
expect_jq "sub: debugfs without memory: result incomplete" '.summary.result == "incomplete" and .summary.checked == "fdt and sub-blobs only"'
ki -j verify --fdt-only "$D"
expect_rc "sub: debugfs without memory, --fdt-only: verifies" 0
expect_jq "sub: debugfs without memory: no warning" '[.findings[] | select(.severity == "warning")] == []'
mkdir -p "$T/dbgk/sub_fdts"
cp "$D/fdt" "$T/dbgk/"
cp "$D/sub_fdts/"* "$T/dbgk/sub_fdts/"
chmod u+w "$T/dbgk/sub_fdts/kexec-metadata"
printf '\002' | dd of="$T/dbgk/sub_fdts/kexec-metadata" bs=1 conv=notrunc 2>/dev/null
ki -j verify "$T/dbgk"
expect_jq "sub: debugfs kexec-metadata version 2 is a warning at its blob" "[.findings[] | select(.id == \"kexec-metadata\") | .phys] == [\"$(jq -r '.subnodes[] | select(.name == "kexec-metadata") | .phys' "$TRUTH")\"]"
ki verify "$T/dbgk"
expect_grep "sub: debugfs verify says what it checked" "$T/out" '^checked:  the FDT and its sub-blobs only'
rm -rf "$T/dbgk"
