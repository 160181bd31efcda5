# SPDX-License-Identifier: GPL-2.0-or-later
# snapshot and diff: identical inputs are the same, a changed page, a
# removed and an added block are reported exactly, across containers too.

G="$FIX/golden"
xz -dc "$G/v3-x86_64-4k.elf.xz" >"$T/d1.elf"
cp "$T/d1.elf" "$T/d2.elf"

# the golden image lacks some preserved memory (blocks outside its two
# PT_LOADs): the manifest is written, marked incomplete, exit 2
ki snapshot "$T/d1.elf" -o "$T/m1.json"
expect_rc "snapshot of a dump lacking blocks: exits 2" 2
expect_grep "snapshot of a dump lacking blocks: says incomplete" "$T/err" 'm1.json is incomplete.* blocks not in the dump'
cp "$T/m1.json" "$T/out"
expect_json "snapshot: the manifest is JSON"
expect_jq "snapshot: versioned" '.khoinspect_manifest == 3 and .hash == "xxh3-128"'
expect_jq "snapshot: incomplete names the blocks not in the dump" '[.incomplete[] | select(startswith("not-in-dump:"))] | length == 1'
# a range is an object, or a [start, blocks] pair in a group (version 2)
expect_jq "snapshot: every truth block in the ranges" "[.ranges[] | .blocks // ([.not_in_dump[][1]] | add)] | add == $(jq '.blocks | length' "$G/v3-x86_64-4k.truth.json")"
expect_jq "snapshot: FDT hashed" '.kho.fdt_xxh3 | test("^[0-9a-f]{32}$")'
expect_jq "snapshot: ranges carry owners (kexec-metadata's page)" '[.ranges[] | select(.start == "0x128000") | .owner] == ["kho:kexec-metadata"]'
expect_jq "snapshot: ranges outside the dump say where" '[.ranges[] | select(has("start") and .xxh3 == null) | has("missing")] | all'
# the ranges the dump does not hold from their first byte are grouped, with
# the blocks the truth has there (independently: truth blocks outside the
# ELF's two PT_LOADs, [0, 0x800000) and [0x100000000, 0x100800000))
expect_jq "snapshot: content-less ranges grouped per order and owner" '[.ranges[] | select(has("not_in_dump"))] | length > 0 and all(has("order") and has("owner") and (has("start") | not))'
n_out=$(jq 'def hex: ltrimstr("0x") | explode | map(if . >= 97 then . - 87 else . - 48 end) | reduce .[] as $d (0; . * 16 + $d);
	[.blocks[] | (.[0] | hex) as $a | select(($a >= 8388608 and $a < 4294967296) or $a >= 4303355904)] | length' "$G/v3-x86_64-4k.truth.json")
expect_jq "snapshot: grouped blocks = truth blocks outside the dump ($n_out)" "$n_out > 0 and ([.ranges[] | select(has(\"not_in_dump\")) | .not_in_dump[][1]] | add) == $n_out"
ki snapshot --no-hash "$T/d1.elf"
expect_jq "snapshot --no-hash: every range in not_hashed groups" '(.hash == null) and ([.ranges[] | has("not_hashed")] | all)'
# the hash of a range is XXH3-128 of its bytes (second path: xxhsum)
if command -v xxhsum >/dev/null 2>&1; then
	r=$(jq -r '[.ranges[] | select(.xxh3 != null and (.start | startswith("0x1000")))][0] | "\(.start) \(.end) \(.xxh3)"' "$T/m1.json")
	set -- $r
	dd if="$T/d1.elf" bs=4096 skip=$(( ($1 - 0x100000000 + 0x801000) / 4096 )) count=$(( ($2 - $1) / 4096 )) 2>/dev/null >"$T/range.bin"
	h=$(xxhsum -H2 "$T/range.bin" 2>/dev/null | cut -d" " -f1)
	if [ "$h" = "$3" ]; then ok "snapshot: range hash = xxhsum -H2"; else bad "snapshot: range hash = xxhsum -H2" "$h vs $3"; fi
else
	bad "snapshot: range hash = xxhsum -H2" "xxhsum is not installed (Debian package xxhash; make deps)"
fi

# blocks whose contents neither dump holds are unknown, not equal
ki diff "$T/d1.elf" "$T/d2.elf"
expect_rc "diff of identical dumps lacking blocks: exits 2" 2
expect_grep "diff identical, lacking blocks: incomplete, not same" "$T/out" '^result: incomplete \(not known to be the same\)'
expect_grep "diff identical, lacking blocks: says why" "$T/out" '^incomplete: [0-9]+ blocks listed on both sides have their contents missing on a side'
ki diff --present-only "$T/d1.elf" "$T/d2.elf"
expect_rc "diff of identical dumps, --present-only: exits 0" 0
expect_grep "diff identical: says same" "$T/out" '^result: same'
ki diff "$T/m1.json" "$T/d2.elf"
expect_rc "diff manifest (gaps) vs identical dump: exits 2" 2
ki diff --present-only "$T/m1.json" "$T/d2.elf"
expect_rc "diff manifest vs identical dump, --present-only: exits 0" 0

# one preserved page's contents changed (0x10000d000, order 0)
printf 'XXXX' | dd of="$T/d2.elf" bs=1 seek=$((0x801000 + 0xd010)) conv=notrunc 2>/dev/null
ki -j diff "$T/m1.json" "$T/d2.elf"
expect_rc "changed page: exits 1 (a difference found, though incomplete)" 1
expect_jq "changed page: JSON says incomplete, not same" '.same == false and (.incomplete | test("missing on a side"))'
ki -j diff --present-only "$T/m1.json" "$T/d2.elf"
expect_rc "changed page: exits 1" 1
expect_json "changed page: JSON valid"
expect_jq "changed page: exactly that range" '.differences == [{"kind":"changed","start":"0x10000d000","end":"0x10000e000","order":0,"blocks":1}] and .same == false'
ki diff "$T/d1.elf" "$T/d2.elf"
expect_rc "changed page, dump vs dump: exits 1" 1
expect_grep "changed page: ! line" "$T/out" '^!0x10000d000-0x10000e000  blocks 1  \(contents differ\)'
ki diff --no-hash "$T/d1.elf" "$T/d2.elf"
expect_rc "--no-hash: addresses only, same" 0
ki diff --stat "$T/d1.elf" "$T/d2.elf"
expect_no_grep "--stat: no range lines" "$T/out" '^!'
expect_grep "--stat: order table" "$T/out" '^    0             0             0             1$'

# a block removed and one added, on the hand-built tree of the fuzz seed:
# order-0 blocks 0x0 0xc000 0x10000 0x11000 -> drop 0x11000, add 0x14000
tail -c +2 "$TESTS/../fuzz/corpus/raw/tree-4k" >"$T/t1.raw"
cp "$T/t1.raw" "$T/t2.raw"
# leaf at 0x6000: bits 0, 12, 16, 17 -> 0, 12, 16, 20 (byte 2: 0x03 -> 0x11)
printf '\021' | dd of="$T/t2.raw" bs=1 seek=$((0x6000 + 2)) conv=notrunc 2>/dev/null
ki -j diff --base 0 --page-size 4096 "$T/t1.raw" "$T/t2.raw"
expect_rc "block removed and added: exits 1" 1
expect_jq "block removed and added: exactly those" '[.differences[] | "\(.kind) \(.start) \(.order) \(.blocks)"] == ["only_a 0x11000 0 1", "only_b 0x14000 0 1"]'
expect_jq "block removed and added: per order" '.orders == [{"order":0,"only_a_blocks":1,"only_b_blocks":1,"changed_blocks":0,"not_compared_blocks":0}]'
ki snapshot --base 0 --page-size 4096 "$T/t1.raw" -o "$T/t1.json"
ki snapshot --base 0 --page-size 4096 "$T/t2.raw" -o "$T/t2.json"
ki -j diff "$T/t1.json" "$T/t2.json"
expect_rc "manifest vs manifest: exits 1" 1
expect_jq "manifest vs manifest: same differences" '[.differences[] | "\(.kind) \(.start)"] == ["only_a 0x11000", "only_b 0x14000"]'
ki diff --present-only "$T/t1.json" "$T/t1.json"
expect_rc "manifest vs itself: exits 0" 0

# two random states (orders 0 to 3 over 32 MiB, so they interleave and
# overlap, thousands of ranges: many batches): the blocks the text lines
# and the JSON differences name are exactly the truths' set differences
"$GEN" --random 3000 --max-order 3 --span 0x2000000 --dense 0x1000000:700 --seed 11 \
	--truth "$T/ra.truth" -o "$T/ra.elf" >/dev/null 2>&1
"$GEN" --random 3000 --max-order 3 --span 0x2000000 --dense 0x1000000:700 --seed 12 \
	--truth "$T/rb.truth" -o "$T/rb.elf" >/dev/null 2>&1
gen_blocks "$T/ra.truth" >"$T/ra.blocks"
gen_blocks "$T/rb.truth" >"$T/rb.blocks"
{ LC_ALL=C comm -23 "$T/ra.blocks" "$T/rb.blocks" | sed 's/^/- /'
  LC_ALL=C comm -13 "$T/ra.blocks" "$T/rb.blocks" | sed 's/^/+ /'; } | LC_ALL=C sort >"$T/want"
ki diff --no-hash "$T/ra.elf" "$T/rb.elf"
expect_rc "random states: exits 1" 1
awk '/^@@ order / { o = $3 } /^[-+]0x/ { split(substr($1, 2), r, "-"); print substr($1, 1, 1), r[1], r[2], o }' "$T/out" |
while read -r k s e o; do
	a=$((s)); step=$((4096 << o))
	while [ "$a" -lt "$((e))" ]; do printf '%s 0x%x %s\n' "$k" "$a" "$o"; a=$((a + step)); done
done | LC_ALL=C sort >"$T/got"
expect_same "random states: text lines = the truths' differences" "$T/want" "$T/got"
ki -j diff --no-hash "$T/ra.elf" "$T/rb.elf"
jq -r '.differences[] | "\(if .kind == "only_a" then "-" else "+" end) \(.start) \(.end) \(.order)"' "$T/out" |
while read -r k s e o; do
	a=$((s)); step=$((4096 << o))
	while [ "$a" -lt "$((e))" ]; do printf '%s 0x%x %s\n' "$k" "$a" "$o"; a=$((a + step)); done
done | LC_ALL=C sort >"$T/got"
expect_same "random states: JSON differences = the truths' differences" "$T/want" "$T/got"
# two dumps are compared word against word, manifests range against range:
# the second path names the same differences in the same order (its ranges
# are cut where the owner changes: joined here)
ki diff --no-hash "$T/ra.elf" "$T/rb.elf"
cp "$T/out" "$T/dd.out"
# the lines are sorted by address within an order, no two of a kind touching
awk 'function hex(x,  v, i) { v = 0; for (i = 3; i <= length(x); i++) v = v * 16 + index("0123456789abcdef", substr(x, i, 1)) - 1; return v }
/^@@ order / { last = ""; next } /^[-+]0x/ {
	k = substr($1, 1, 1); split(substr($1, 2), r, "-"); s = hex(r[1]); e = hex(r[2])
	if (last != "" && s < le) print "unsorted at " $1
	if (last == k && s == le) print "not maximal at " $1
	last = k; le = e }' "$T/dd.out" >"$T/bad"
expect_same "random states: differences sorted and maximal" /dev/null "$T/bad"
ki snapshot --no-hash "$T/ra.elf" -o "$T/ra.json"
ki snapshot --no-hash "$T/rb.elf" -o "$T/rb.json"
ki diff --no-hash "$T/ra.json" "$T/rb.json"
# "K START END ORDER" lines, touching ones of a kind joined
joined() {
	awk '/^@@ order / { o = $3; next } /^[-+]0x/ { k = substr($1, 1, 1); split(substr($1, 2), r, "-")
		if (k == lk && o == lo && r[1] == le) { le = r[2]; next }
		if (lk != "") print lk, ls, le, lo
		lk = k; ls = r[1]; le = r[2]; lo = o }
	END { if (lk != "") print lk, ls, le, lo }' "$1"
}
joined "$T/dd.out" >"$T/want"
joined "$T/out" >"$T/got"
expect_same "random states: dumps word by word = manifests range by range" "$T/want" "$T/got"
rm -f "$T/ra.elf" "$T/rb.elf" "$T/ra.truth" "$T/rb.truth" "$T/ra.blocks" "$T/rb.blocks" "$T/ra.json" "$T/rb.json" "$T/dd.out"

# runs that end at a word's end, at a leaf's end, go on into the next leaf,
# or are followed by another order (an order-0 leaf spans 128 MiB): worked
# out by hand
printf '0x3e000 0\n0x7ffd000 0\n0x7fff000 0\n0x8000000 0\n0x8001000 0\n0x17ffe000 0\n0x17fff000 0\n0x20000000 1\n' >"$T/wa.blocks"
printf '0x3e000 0\n0x3f000 0\n0x7ffe000 0\n0x20000000 1\n0x20002000 1\n' >"$T/wb.blocks"
"$GEN" --blocks "$T/wa.blocks" -o "$T/wa.elf" >/dev/null 2>&1
"$GEN" --blocks "$T/wb.blocks" -o "$T/wb.elf" >/dev/null 2>&1
printf '%s\n' '@@ order 0 @@' '+0x3f000-0x40000  blocks 1' '-0x7ffd000-0x7ffe000  blocks 1' \
	'+0x7ffe000-0x7fff000  blocks 1' '-0x7fff000-0x8002000  blocks 3' '-0x17ffe000-0x18000000  blocks 2' '@@ order 1 @@' \
	'+0x20002000-0x20004000  blocks 1' >"$T/want"
ki diff --no-hash "$T/wa.elf" "$T/wb.elf"
grep -e '^@@' -e '^[-+]0x' "$T/out" >"$T/got"
expect_same "word boundaries: runs end and go on where they should" "$T/want" "$T/got"
ki diff --no-hash "$T/wb.elf" "$T/wa.elf"
grep -e '^@@' -e '^[-+]0x' "$T/out" >"$T/got"
sed 's/^-0x/=0x/; s/^+0x/-0x/; s/^=0x/+0x/' "$T/want" >"$T/want2"
mv "$T/want2" "$T/want"
expect_same "word boundaries: B against A, the signs swapped" "$T/want" "$T/got"
rm -f "$T/wa.elf" "$T/wb.elf" "$T/wa.blocks" "$T/wb.blocks"

# version 1 (one object per range) is still read: m1.json's groups written
# out as version-1 objects (jq does the address arithmetic) give the same
# answers
jq -c 'def hex: ltrimstr("0x") | explode | map(if . >= 97 then . - 87 else . - 48 end) | reduce .[] as $d (0; . * 16 + $d);
	def tohex: "0x" + ([recurse(if . >= 16 then (. / 16 | floor) else empty end) | . % 16 | if . < 10 then . + 48 else . + 87 end] | reverse | implode);
	.khoinspect_manifest = 1 | .input.page_size as $ps |
	.ranges |= [.[] | if has("not_in_dump") then . as $g | .not_in_dump[] |
		{start: .[0], end: ((.[0] | hex) + .[1] * $ps * pow(2; $g.order) | tohex),
		 order: $g.order, blocks: .[1], owner: $g.owner, xxh3: null, missing: .[0]}
		else . end]' "$T/m1.json" >"$T/m1v1.json"
cp "$T/m1v1.json" "$T/out"
expect_jq "version-1 copy: objects only" '.khoinspect_manifest == 1 and ([.ranges[] | has("start")] | all)'
ki diff --present-only "$T/m1v1.json" "$T/m1.json"
expect_rc "version-1 manifest vs the version-3 one: same" 0
ki -j verify --present-only --against "$T/m1v1.json" "$T/d2.elf"
jq -c .summary "$T/out" >"$T/sum1"
ki -j verify --present-only --against "$T/m1.json" "$T/d2.elf"
jq -c .summary "$T/out" >"$T/sum2"
jq -c .summary "$T/out" | sed 's/"incomplete":null,//' >"$T/sum2"
sed 's/"incomplete":null,//' "$T/sum1" >"$T/sum1b"; mv "$T/sum1b" "$T/sum1"
expect_same "verify --against: version 1 and 3 agree" "$T/sum1" "$T/sum2"
expect_jq "verify --against: grouped ranges count as without hash" '.summary.ranges_without_hash > 0'
# indented, a group's pairs are read by the general path: the same answers
ki -p snapshot "$T/d1.elf" -o "$T/mp.json"
ki diff --present-only "$T/mp.json" "$T/m1.json"
expect_rc "indented manifest vs compact: same" 0
ki -j verify --present-only --against "$T/mp.json" "$T/d2.elf"
jq -c .summary "$T/out" | sed 's/"incomplete":null,//' >"$T/sump"
expect_same "verify --against: indented manifest agrees" "$T/sum2" "$T/sump"
# malformed groups are refused with the line
jq -c '.ranges |= map(if has("not_in_dump") then {owner, not_in_dump, order} else . end)' "$T/m1.json" >"$T/g1.json"
ki diff "$T/g1.json" "$T/m1.json"
expect_rc "group with its order after the array: exits 2" 2
expect_grep "group with its order after the array: says so" "$T/err" 'g1.json: manifest line 1: a group of ranges has its order'
jq -c '(first(.ranges[] | select(has("not_in_dump"))) | .not_in_dump[0][0]) = null' "$T/m1.json" >"$T/g2.json"
ki diff "$T/g2.json" "$T/m1.json"
expect_rc "group range starting at null: exits 2" 2
expect_grep "group range starting at null: says so" "$T/err" "a group's range starts at an address"
jq -c '(first(.ranges[] | select(has("not_in_dump"))) | .not_in_dump[0]) = ["0xfffffffffffff000", 2]' "$T/m1.json" >"$T/g3.json"
ki diff "$T/g3.json" "$T/m1.json"
expect_rc "group range past 2^64: exits 2" 2
expect_grep "group range past 2^64: says so" "$T/err" 'reaches past the 64-bit address space'
rm -f "$T/m1v1.json" "$T/mp.json" "$T/g1.json" "$T/g2.json" "$T/g3.json"

# verify --against: the next kernel's dump checked against the manifest
ki -j verify --against "$T/m1.json" "$T/d1.elf"
expect_rc "verify --against the same dump, the manifest's gaps: exits 2" 2
expect_jq "verify --against with gaps: incomplete, not pass" '.summary.result == "incomplete" and (.summary.incomplete | test("without a recorded hash"))'
ki -j verify --present-only --against "$T/m1.json" "$T/d1.elf"
expect_rc "verify --against the same dump: exits 0" 0
expect_jq "verify --against the same dump: every hashed range the same" '.summary.ranges_changed == 0 and .summary.ranges_same > 0 and .summary.result == "pass"'
ki -j verify --against "$T/m1.json" "$T/d2.elf"
expect_rc "verify --against a changed page: exits 1" 1
expect_jq "verify --against a changed page: names exactly that page" '[.findings[] | select(.id == "range-changed") | .phys] == ["0x10000d000"]'
# the third page of the 4-page range 0x1000c7000-0x1000cb000
cp "$T/d1.elf" "$T/d3.elf"
printf 'Y' | dd of="$T/d3.elf" bs=1 seek=$((0x801000 + 0xc9000 + 100)) conv=notrunc 2>/dev/null
ki verify --against "$T/m1.json" "$T/d3.elf"
expect_rc "verify --against inside a range: exits 1" 1
expect_grep "verify --against narrows to the page and names the owner" "$T/out" 'range-changed at 0x1000c9000: range 0x1000c7000-0x1000cb000 \(order 0, 4 blocks, owner unclaimed\) differs from the manifest, first at 0x1000c9000-0x1000ca000'
# a sub-blob changed (kho_test at 0x1007bc000), inside the manifest's scratch area
cp "$T/d1.elf" "$T/d3.elf"
printf 'Z' | dd of="$T/d3.elf" bs=1 seek=$((0x801000 + 0x7bc000 + 7)) conv=notrunc 2>/dev/null
ki snapshot --scratch 0x100600000:0x400000 "$T/d1.elf" -o "$T/ms.json"
ki -j verify --against "$T/ms.json" "$T/d3.elf"
expect_jq "verify --against: blob-changed names the blob and the scratch area" '[.findings[] | select(.id == "blob-changed") | .message | test("kho_test.*scratch area 0x100600000-0x100a00000")] == [true]'
rm -f "$T/d3.elf"

# across containers: a manifest of the QEMU ELF dump against the kdump one
tar -xSJf "$FIX/qemu/q35-5g-v3.elf.tar.xz" -C "$T"
xz -dc "$FIX/qemu/q35-5g-v3.kdump-zlib.xz" >"$T/q.kdump"
ki snapshot "$T/q35-5g-v3.elf" -o "$T/q.json"
expect_rc "snapshot of the QEMU ELF (blocks outside its RAM): exits 2" 2
ki -j diff --present-only "$T/q.json" "$T/q.kdump"
expect_rc "ELF manifest vs kdump of the same guest: same" 0
expect_jq "across containers: no differences" '.same == true and (.differences | length) == 0'
ki -j verify --present-only --against "$T/q.json" "$T/q.kdump"
expect_rc "verify --against across containers (ELF manifest, kdump dump): exits 0" 0
rm -f "$T/q35-5g-v3.elf" "$T/q.kdump"

# trouble: a manifest of another version, a truncated one, one input
sed 's/"khoinspect_manifest":3/"khoinspect_manifest":4/' "$T/t1.json" >"$T/v3.json"
ki diff "$T/v3.json" "$T/t1.json"
expect_rc "manifest version 4: exits 2" 2
expect_grep "manifest version 4: clear message" "$T/err" 'manifest format version 4; this khoinspect reads versions 1 to 3'
head -c 300 "$T/t1.json" >"$T/cut.json"
ki diff "$T/cut.json" "$T/t1.json"
expect_rc "truncated manifest: exits 2" 2
expect_grep "truncated manifest: names the file" "$T/err" 'cut.json: manifest'
ki diff "$T/t1.json"
expect_rc "diff with one input: exits 2" 2
ki verify --against "$T/v3.json" "$T/t1.raw"
expect_rc "verify --against a version-3 manifest: exits 2" 2
expect_grep "verify --against a version-4 manifest: says so" "$T/err" 'format version 4'
ki snapshot "$G/debugfs/v3-x86_64-4k"
expect_rc "snapshot without memory: exits 2" 2
expect_grep "snapshot without memory: says --mem" "$T/err" '--mem'
rm -f "$T/d1.elf" "$T/d2.elf" "$T/t1.raw" "$T/t2.raw"

# diff -j with an error part-way: still one JSON document on stdout
jq -c '.ranges |= reverse' "$T/t1.json" >"$T/unsorted.json"
ki -j diff "$T/unsorted.json" "$T/t1.json"
expect_rc "unsorted manifest: exits 2" 2
expect_json "unsorted manifest: stdout is one JSON document"
expect_jq "unsorted manifest: the error is in it" '.errors[0].message | test("not sorted")'
