# SPDX-License-Identifier: GPL-2.0-or-later
# fdt: the KHO FDT as a tree with blobs decoded inline, from a debugfs copy
# and from a dump. Expectations come from the truth file and from the raw
# blob bytes (od), not from khoinspect.

G="$FIX/golden"
TR="$G/v3-x86_64-4k.truth.json"
D="$G/debugfs/v3-x86_64-4k/out"
rel=$(dd if="$D/sub_fdts/kexec-metadata" bs=1 skip=4 count=65 2>/dev/null | tr -d '\000')
cnt=$(od -An -tu4 -j69 -N4 "$D/sub_fdts/kexec-metadata" | tr -d ' ')

ki fdt "$D"
expect_rc "fdt on debugfs out: exits 0" 0
expect_grep "fdt: kexec-metadata decoded" "$T/out" "blob: 73 bytes from sub_fdts/kexec-metadata, kexec-metadata:\$"
expect_grep "fdt: kexec-metadata release" "$T/out" "^ +previous_release = \"$rel\"\$"
expect_grep "fdt: kexec-metadata count" "$T/out" "^ +kexec_count = $cnt\$"
# nr_folios is a native (little-endian here) u32: from its bytes
set -- $(fdtget -t bx "$D/sub_fdts/kho_test" / nr_folios)
expect_grep "fdt: kho_test nr_folios decoded" "$T/out" "^ +nr_folios = $(( (0x$4 << 24) | (0x$3 << 16) | (0x$2 << 8) | 0x$1 ))\$"
for r in $(jq -r '.reserve_mem[] | "\(.name),\(.start),\(.size)"' "$TR"); do
	n=${r%%,*}; rest=${r#*,}; st=${rest%%,*}; sz=${rest#*,}
	expect_grep "fdt: memblock region $n" "$T/out" "^ +$n \\{"
	expect_grep "fdt: memblock region $n start" "$T/out" "^ +start = $st "
	expect_grep "fdt: memblock region $n size" "$T/out" "^ +size = $sz "
done
ki -j fdt "$D"
expect_json "fdt -j: valid JSON"
jq -c '[.reserve_mem[] | {name, start}]' "$TR" >"$T/w-mb"
jq -c '[.tree.children[] | select(.name == "memblock") | .blob.tree.children[] | {name, start: (.properties[] | select(.name == "start") | .u64)}]' "$T/out" >"$T/g-mb"
expect_same "fdt -j: memblock regions = truth" "$T/w-mb" "$T/g-mb"
expect_jq "fdt -j: kexec-metadata decoded" "[.tree.children[] | select(.name == \"kexec-metadata\") | .blob | .format, .decoded.previous_release, .decoded.kexec_count] == [\"kexec-metadata\", \"$rel\", $cnt]"
jq -c '[.reserve_mem[] | {name, start, size: (.size | ltrimstr("0x") | explode | reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end)))}]' "$TR" >"$T/w-mb2"
jq -c '[.tree.children[] | select(.name == "memblock") | .blob.decoded.regions[] | {name, start: .start.phys, size}]' "$T/out" >"$T/g-mb2"
expect_same "fdt -j: decoded memblock regions = truth" "$T/w-mb2" "$T/g-mb2"

# from the dump: addresses say whether they are in the dump and preserved
xz -dc "$G/v3-x86_64-4k.elf.xz" >"$T/fdt.elf"
ki -j fdt "$T/fdt.elf"
expect_rc "fdt on a dump: exits 0" 0
expect_jq "fdt: the map pointer is in the dump and not preserved" '[.tree.properties[] | select(.name == "preserved-memory-map") | .in_dump, .preserved] == [true, false]'
expect_jq "fdt: each blob pointer is preserved" '[.tree.children[].properties[] | select(.name == "preserved-data") | .preserved] | all'
expect_jq "fdt: blobs read from memory" '[.tree.children[].blob.source] | all(startswith("memory at 0x"))'
ki fdt --raw "$T/fdt.elf"
expect_grep "fdt --raw: hex values" "$T/out" '^  compatible = \[6b 68 6f 2d 76 33 00\]$'

# a kexec-metadata blob of another version is said to be one
mkdir -p "$T/dbg2/sub_fdts"
cp "$D/fdt" "$D/scratch_phys" "$D/scratch_len" "$T/dbg2/"
cp "$D/sub_fdts/"* "$T/dbg2/sub_fdts/"
chmod u+w "$T/dbg2/sub_fdts/kexec-metadata"
printf '\002' | dd of="$T/dbg2/sub_fdts/kexec-metadata" bs=1 seek=0 conv=notrunc 2>/dev/null
ki fdt "$T/dbg2"
expect_rc "fdt with a version-2 kexec-metadata: still exits 0" 0
expect_grep "fdt: version-2 kexec-metadata explained" "$T/out" '^ +! warning kexec-metadata: kexec-metadata: version 2 '
ki fdt "$T/nonexistent"
expect_rc "fdt on a missing file: exits 2" 2
rm -rf "$T/fdt.elf" "$T/dbg2"

# a string list: the JSON names every string of it, as the text does
printf '/dts-v1/;\n/ { compatible = "kho-v3"; preserved-memory-map = /bits/ 64 <0x0>;\n  memblock { names = "a", "b", "c"; one = "x"; }; };\n' >"$T/strlist.dts"
if dtc -I dts -O dtb -o "$T/strlist.dtb" "$T/strlist.dts" 2>"$T/err"; then
	ki -j fdt "$T/strlist.dtb"
	expect_jq "fdt -j: a string list gives every string" '[.tree.children[0].properties[] | select(.name == "names") | .string, .strings] == ["a", ["a", "b", "c"]]'
	expect_jq "fdt -j: one string gives no list" '[.tree.children[0].properties[] | select(.name == "one") | has("strings")] == [false]'
	ki fdt "$T/strlist.dtb"
	expect_grep "fdt: the text shows the same strings" "$T/out" 'names = "a", "b", "c"'
else
	bad "fdt: a string list" "dtc failed"
fi
rm -f "$T/strlist.dts" "$T/strlist.dtb"
