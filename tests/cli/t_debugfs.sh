# SPDX-License-Identifier: GPL-2.0-or-later
# debugfs copies (/sys/kernel/debug/kho, out/, in/) and bare FDT blobs:
# everything the blobs hold without memory; the blocks with --mem.

D="$FIX/golden/debugfs/v3-x86_64-4k"
TR="$FIX/golden/v3-x86_64-4k.truth.json"
xz -dc "$FIX/golden/v3-x86_64-4k.elf.xz" >"$T/dbg-mem.elf"

for dir in "$D" "$D/out"; do
	ki -j list "$dir"
	expect_rc "debugfs $(basename "$dir"): exits 0 without memory" 0
	expect_json "debugfs $(basename "$dir"): JSON valid"
	expect_jq "debugfs $(basename "$dir"): compatible and map pointer" ".kho.compatible == \"kho-v3\" and .kho.memory_map_phys == \"$(jq -r .memory_map_phys "$TR")\""
	expect_jq "debugfs $(basename "$dir"): container" '.input.container == "debugfs" and .map == null and .kho.fdt_phys == null'
	jq -c '[.subnodes[] | {name, phys}]' "$TR" >"$T/ws"
	jq -c '[.subnodes[] | {name, phys}]' "$T/out" >"$T/gs"
	expect_same "debugfs $(basename "$dir"): subnodes" "$T/ws" "$T/gs"
	jq -c '[.scratch[] | {start, size}]' "$TR" >"$T/wsc"
	jq -c '[.scratch[] | {start, size}]' "$T/out" >"$T/gsc"
	expect_same "debugfs $(basename "$dir"): scratch areas" "$T/wsc" "$T/gsc"
	expect_jq "debugfs $(basename "$dir"): says --mem is needed" '[.findings[] | select(.id == "no-memory") | .message | test("--mem")] == [true]'
	expect_jq "debugfs $(basename "$dir"): memblock blob is a memblock-v1 FDT" '[.subnodes[] | select(.name == "memblock") | .blob_file.compatible] == ["memblock-v1"]'
done
ki list "$D"
expect_grep "debugfs text: --mem hint" "$T/out" 'not walked.*--mem FILE'
expect_grep "debugfs text: scratch area" "$T/out" '^  0x400000-0x800000  4 MiB'

# with memory: the blocks of the truth
truth_blocks "$TR" >"$T/want"
expect_blocks "debugfs --mem" "$T/want" --mem "$T/dbg-mem.elf" "$D"
expect_jq "debugfs --mem: memory named" ".input.memory == \"$T/dbg-mem.elf\""

# a bare FDT file works the same way
expect_blocks "bare FDT --mem" "$T/want" --mem "$T/dbg-mem.elf" "$D/out/fdt"
ki -j list "$D/out/fdt"
expect_rc "bare FDT without memory: exits 0" 0
expect_jq "bare FDT: container fdt" '.input.container == "fdt"'

# --scratch overrides and is named as the source
ki -j list --scratch 0x1000000:0x400000,0x2000000:0x200000 "$D"
expect_jq "--scratch listed with its source" '.scratch == [{"start":"0x1000000","size":"0x400000","source":"--scratch"},{"start":"0x2000000","size":"0x200000","source":"--scratch"}]'
ki list --scratch 0x1000:0 "$D"
expect_rc "--scratch with size 0 is a usage error" 2

# broken pieces
mkdir -p "$T/dbg/sub_fdts"
cp "$D/out/fdt" "$T/dbg/fdt"
printf '0x400000\n0x900000\n' >"$T/dbg/scratch_phys"
printf '0x400000\n' >"$T/dbg/scratch_len"
ki -j list "$T/dbg"
expect_rc "mismatched scratch files: still exits 0" 0
expect_jq "mismatched scratch files: warning" '[.findings[] | select(.id == "debugfs-scratch" and .severity == "warning")] | length == 1'
printf 'zz\n' >"$T/dbg/scratch_len"
ki -j list "$T/dbg"
expect_jq "bad scratch_len: warning names the file" '[.findings[] | select(.id == "debugfs-scratch") | .message | test("scratch_len")] == [true]'
head -c 100 "$D/out/fdt" >"$T/dbg/fdt"
ki list "$T/dbg"
expect_rc "truncated debugfs fdt: exits 2" 2
expect_grep "truncated debugfs fdt: explained" "$T/err" 'FDT header says 0x161 bytes but only 0x64'
mkdir -p "$T/empty-dir"
ki list "$T/empty-dir"
expect_rc "directory without fdt: exits 2" 2
expect_grep "directory without fdt: explained" "$T/err" 'not a copy of /sys/kernel/debug/kho'
ki list --mem "$T/dbg-mem.elf" "$T/dbg-mem.elf"
expect_rc "--mem with a dump input: usage error" 2
ki list --mem "$T/nope" "$D"
expect_rc "--mem missing file: exits 2" 2
expect_grep "--mem missing file named" "$T/err" 'nope'

# live needs root and debugfs; here neither exists: a clear message, exit 2
if [ ! -e /sys/kernel/debug/kho ]; then
	ki list live
	expect_rc "live without debugfs: exits 2" 2
	expect_grep "live: names the path" "$T/err" '/sys/kernel/debug/kho'
fi
rm -f "$T/dbg-mem.elf"

# With memory, a bare FDT file is found in memory by its bytes; a copy of
# the same FDT elsewhere (say, a file in a tmpfs) is told apart by which one
# its own map preserves. Here the FDT page of the 16K golden raw image is
# copied into its last page (zeros, not preserved): both match the file.
G16="$FIX/golden/v3-aarch64-16k.truth.json"
xz -dc "$FIX/golden/v3-aarch64-16k.raw.xz" >"$T/dbg16.raw"
_off=$(( $(jq -r .fdt_phys "$G16") - 0x80000000 ))
_ts=$(od -An -tu1 -j $((_off + 4)) -N4 "$T/dbg16.raw" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
dd if="$T/dbg16.raw" of="$T/dbg16.fdt" bs=1 skip="$_off" count="$_ts" 2>/dev/null
_last=$(( $(wc -c <"$T/dbg16.raw") / 16384 - 1 ))
if cmp -s -n 16384 -i $((_last * 16384)):0 "$T/dbg16.raw" /dev/zero; then ok "16K raw: last page is free"; else bad "16K raw: last page is free" "it is not zeros"; fi
dd if="$T/dbg16.fdt" of="$T/dbg16.raw" bs=16384 seek="$_last" conv=notrunc 2>/dev/null
truth_blocks "$G16" >"$T/want16"
# the page size undecided: the scan finds both, the map tells them apart
ki -j list --blocks --mem "$T/dbg16.raw" --base 0x80000000 "$T/dbg16.fdt"
expect_rc "FDT file + memory with a copy of the FDT: exits 0" 0
expect_jq "FDT file + memory with a copy: the FDT its own map preserves" ".kho.fdt_phys == \"$(jq -r .fdt_phys "$G16")\" and (.kho.fdt_found_by | test(\"its own map preserves\"))"
got_blocks >"$T/got16"
expect_same "FDT file + memory with a copy: blocks = truth" "$T/want16" "$T/got16"
# the page size known: the FDT is looked for among its own map's blocks
ki -j list --blocks --mem "$T/dbg16.raw" --base 0x80000000 --page-size 16384 "$T/dbg16.fdt"
expect_jq "FDT file + memory, page size known: found in its own map" ".kho.fdt_phys == \"$(jq -r .fdt_phys "$G16")\" and (.kho.fdt_found_by | test(\"order-0 block of the map it names\"))"
got_blocks >"$T/got16"
expect_same "FDT file + memory, page size known: blocks = truth" "$T/want16" "$T/got16"
# a file that is no FDT of this memory: warned, the file's FDT used
xz -dc "$FIX/golden/v3-x86_64-4k.elf.xz" >"$T/dbg-mem.elf"
ki -j list --mem "$T/dbg-mem.elf" "$T/dbg16.fdt"
expect_jq "FDT file not in memory: warning, address unknown" '([.findings[] | select(.id == "debugfs-fdt-not-in-memory" and .severity == "warning")] | length == 1) and .kho.fdt_phys == null'
ki list --fdt-phys 0x1000 "$D"
expect_rc "--fdt-phys with a debugfs copy and no memory: usage error" 2
expect_grep "--fdt-phys without memory: asks for --mem" "$T/err" 'fdt-phys needs the memory.*--mem'
rm -f "$T/dbg16.raw" "$T/dbg16.fdt" "$T/dbg-mem.elf"
