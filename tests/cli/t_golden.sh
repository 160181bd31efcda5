# SPDX-License-Identifier: GPL-2.0-or-later
# list on the golden images (an independent model of the kernel's writer):
# every block of truth.json, nothing else, through two output paths.

G="$FIX/golden"
for img in v3-x86_64-4k.elf v2-x86_64-4k.elf v4-aarch64-64k.elf v3-aarch64-16k.raw; do
	xz -dc "$G/$img.xz" >"$T/$img"
done

for v in v3-x86_64-4k v2-x86_64-4k v4-aarch64-64k; do
	truth="$G/$v.truth.json"
	truth_blocks "$truth" >"$T/want"
	expect_blocks "$v" "$T/want" "$T/$v.elf"
	expect_json "$v: JSON valid"
	expect_jq "$v: fdt_phys" ".kho.fdt_phys == \"$(jq -r .fdt_phys "$truth")\""
	expect_jq "$v: memory_map_phys" ".kho.memory_map_phys == \"$(jq -r .memory_map_phys "$truth")\""
	expect_jq "$v: compatible" ".kho.compatible == \"$(jq -r .format "$truth")\""
	expect_jq "$v: page size" ".input.page_size == $(jq -r .page_size "$truth") and (.input.page_size_source | test(\"VMCOREINFO\"))"
	expect_jq "$v: arch" ".input.arch == \"$(jq -r .arch "$truth")\""
	expect_jq "$v: found by scan" '.kho.fdt_found_by | test("^scan")'
	# subnodes: name, address and size as truth says (size only for v3+)
	jq -c '[.subnodes[] | {name, phys}]' "$truth" >"$T/ws"
	jq -c '[.subnodes[] | {name, phys}]' "$T/out" >"$T/gs"
	expect_same "$v: subnodes" "$T/ws" "$T/gs"
	# per-order totals in JSON agree with the truth's own count
	jq -c '[.blocks | group_by(.[1])[] | {order: .[0][1], blocks: length}]' "$truth" >"$T/wo"
	jq -c '[.orders[] | {order, blocks}]' "$T/out" >"$T/go"
	expect_same "$v: per-order counts" "$T/wo" "$T/go"
	expect_jq "$v: total" ".total.blocks == $(jq '.blocks | length' "$truth")"
	expect_jq "$v: no findings" '.findings | length == 0'
done

# v2 has no blob-size: sizes are null; v3 sizes are the truth's
ki -j list --summary "$T/v2-x86_64-4k.elf"
expect_jq "v2: no blob-size" '[.subnodes[].size] | all(. == null)'
ki -j list --summary "$T/v3-x86_64-4k.elf"
expect_jq "v3 --summary: no ranges" 'has("ranges") | not'
sizes=$(jq -c '[.subnodes[].size]' "$G/v3-x86_64-4k.truth.json")
expect_jq "v3: blob sizes" "[.subnodes[].size | ltrimstr(\"0x\") | explode | reduce .[] as \$c (0; . * 16 + (if \$c >= 97 then \$c - 87 else \$c - 48 end))] == $sizes"

# 16K raw image: the depth-5 tree, with the page size given and inferred
truth_blocks "$G/v3-aarch64-16k.truth.json" >"$T/want16"
expect_blocks "16k raw --page-size" "$T/want16" --base 0x80000000 --page-size 16384 "$T/v3-aarch64-16k.raw"
expect_blocks "16k raw inferred" "$T/want16" --base 0x80000000 "$T/v3-aarch64-16k.raw"
expect_jq "16k raw: page size inferred" '.input.page_size == 16384 and (.input.page_size_source | test("inferred"))'
expect_jq "16k raw: container raw, arch unknown" '.input.container == "raw" and .input.arch == null'
expect_jq "16k raw: depth 5" '.map.depth == 5'

# --order filters the listing, not the summary
ki -j list --order 9 "$T/v3-x86_64-4k.elf"
n9=$(jq '[.blocks[] | select(.[1] == 9)] | length' "$G/v3-x86_64-4k.truth.json")
expect_jq "--order 9: only order 9" '[.ranges[].order] | all(. == 9)'
expect_jq "--order 9: all of them" "[.ranges[].blocks] | add == $n9"

# Text output: the per-order table agrees with the truth (second path: jq)
ki list --summary "$T/v3-x86_64-4k.elf"
expect_rc "text --summary exits 0" 0
jq -r '.blocks | group_by(.[1])[] | "\(.[0][1]) \(length)"' "$G/v3-x86_64-4k.truth.json" >"$T/wt"
awk '/^ *order/ {t=1; next} t && $1 ~ /^[0-9]+$/ {print $1, $4}' "$T/out" >"$T/gt"
expect_same "text summary table" "$T/wt" "$T/gt"
expect_grep "text header: compatible" "$T/out" '^compatible: +kho-v3$'
expect_grep "text header: fdt" "$T/out" '^fdt: +0x100608000 '
expect_grep "text header: page size source" "$T/out" '^page size: +4096 \(VMCOREINFO PAGESIZE\)'
ki list "$T/v3-x86_64-4k.elf"
awk '/^ranges/ {t=1; next} t && /^  0x/ {split($1, a, "-"); print a[1], $3, $5}' "$T/out" |
	while read -r s o n; do i=0; a=$((s)); while [ $i -lt "$n" ]; do printf '0x%x %s\n' $a "$o"; a=$((a + (4096 << o))); i=$((i + 1)); done; done |
	LC_ALL=C sort >"$T/gtext"
truth_blocks "$G/v3-x86_64-4k.truth.json" >"$T/want"
expect_same "text ranges = truth" "$T/want" "$T/gtext"

# --fdt-phys given: used as is
ki -j list --fdt-phys 0x100608000 "$T/v3-x86_64-4k.elf"
expect_rc "--fdt-phys exits 0" 0
expect_jq "--fdt-phys reported" '.kho.fdt_found_by == "--fdt-phys"'
ki list --fdt-phys 0x100609000 "$T/v3-x86_64-4k.elf"
expect_rc "--fdt-phys at a non-FDT page exits 2" 2
expect_grep "--fdt-phys wrong: message names the address" "$T/err" '0x100609000.*no FDT there'

# QEMU-written ELF (EM_386, unaligned p_offset, sparse 5 GiB)
tar -xSJf "$FIX/qemu/q35-5g-v3.elf.tar.xz" -C "$T"
truth_blocks "$FIX/qemu/q35-5g-v3.truth.json" >"$T/wantq"
expect_blocks "qemu elf" "$T/wantq" "$T/q35-5g-v3.elf"
expect_jq "qemu elf: i386, 4K from the architecture" '.input.arch == "i386" and .input.page_size_source == "x86 runs with 4 KiB pages only; EM_386 is a QEMU guest still in real mode"'
rm -f "$T/q35-5g-v3.elf"
