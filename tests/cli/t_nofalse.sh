# SPDX-License-Identifier: GPL-2.0-or-later
# Never a false "same", "pass" or "0 blocks", and never harm an input
# (issue #14's table, one block per row; each failed before its fix).
# The real-kernel rows hold khoinspect against an independent byte
# comparison of the preserved blocks (the python below reads the ELF's
# PT_LOADs itself) over the block lists of the run's own decoder
# (blocks-before.txt, copied from ../shared/fixtures/realkernel-7.3*/).

G="$FIX/golden"
TRUTH="$G/v3-x86_64-4k.truth.json"
xz -dc "$G/v3-x86_64-4k.elf.xz" >"$T/v.elf"
nf_off() { echo $(( $1 >= 0x100000000 ? $1 - 0x100000000 + 0x801000 : $1 + 0x1000 )); }

# 1. an output that cannot be created: one line naming it, exit 2, no crash
ki snapshot "$T/v.elf" -o /nonexistent/x.json
expect_rc "row 1: snapshot -o /nonexistent: exits 2" 2
expect_grep "row 1: the error names the output" "$T/err" '^khoinspect: /nonexistent/x.json: cannot write the manifest'
if [ "$(wc -l <"$T/err")" -eq 1 ]; then ok "row 1: one line"; else bad "row 1: one line" "$(wc -l <"$T/err") lines"; fi
# a directory that exists but is not writable by anyone: the temp file is
# not left behind on a failure late in the run either (input unreadable)
mkdir -p "$T/outdir"
ki snapshot "$T/nonexistent.elf" -o "$T/outdir/x.json"
expect_rc "row 1: unreadable input: exits 2" 2
if [ -z "$(ls -A "$T/outdir")" ]; then ok "row 1: no temp file left"; else bad "row 1: no temp file left" "$(ls "$T/outdir")"; fi

# an output that is not a regular file is written, never replaced: a rename
# over a device node made /dev/null a regular file when run as root
mknod -m 666 "$T/null" c 1 3 2>/dev/null || true
if [ -c "$T/null" ]; then
	ki snapshot --no-hash "$T/v.elf" -o "$T/null"
	if [ -c "$T/null" ]; then ok "row 1: a device output stays a device"; else bad "row 1: a device output stays a device" "$(ls -l "$T/null")"; fi
	rm -f "$T/null"
fi
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fifo.out" &
ki snapshot --no-hash "$T/v.elf" -o "$T/fifo"
wait
if [ -p "$T/fifo" ] && jq -e '.khoinspect_manifest' "$T/fifo.out" >/dev/null 2>&1; then
	ok "row 1: a FIFO output is written through, not replaced"
else
	bad "row 1: a FIFO output is written through, not replaced" "$(ls -l "$T/fifo")"
fi
echo old >"$T/target.json"
ln -sf "$T/target.json" "$T/link.json"
ki snapshot --no-hash "$T/v.elf" -o "$T/link.json"
if [ -L "$T/link.json" ] && jq -e '.khoinspect_manifest' "$T/target.json" >/dev/null 2>&1; then
	ok "row 1: a symlinked output keeps its link, its target is replaced"
else
	bad "row 1: a symlinked output keeps its link, its target is replaced" "$(ls -l "$T/link.json")"
fi
ki snapshot --no-hash "$T/v.elf" -o "$T/outdir"
expect_rc "row 1: a directory as output: exits 2" 2
expect_grep "row 1: a directory as output: says so" "$T/err" 'is a directory'
rm -f "$T/fifo" "$T/fifo.out" "$T/link.json" "$T/target.json"

# 2. an output that is one of the inputs: refused, the input untouched
cp "$T/v.elf" "$T/keep.elf"
ki snapshot "$T/v.elf" -o "$T/v.elf"
expect_rc "row 2: snapshot v.elf -o v.elf: exits 2" 2
expect_grep "row 2: says why" "$T/err" 'the output is one of the inputs'
expect_same "row 2: input untouched" "$T/keep.elf" "$T/v.elf"
ln -sf "$T/v.elf" "$T/sym.elf"
ln -f "$T/v.elf" "$T/hard.elf"
ki snapshot "$T/sym.elf" -o "$T/hard.elf"
expect_rc "row 2: through a symlink and a hard link: exits 2" 2
ki snapshot "$T/v.elf" -o /proc/self/fd/3 3<"$T/v.elf"
expect_rc "row 2: through /proc/self/fd: exits 2" 2
expect_same "row 2: input still untouched" "$T/keep.elf" "$T/v.elf"
rm -f "$T/sym.elf" "$T/hard.elf" "$T/keep.elf"
# --mem is an input too
ki snapshot --mem "$T/v.elf" "$FIX/golden/debugfs/v3-x86_64-4k/out" -o "$T/v.elf"
expect_rc "row 2: -o the --mem file: exits 2" 2
ls "$T"/v.elf.tmp.* >/dev/null 2>&1 && bad "row 2: no temp file" "left" || ok "row 2: no temp file"

# 3. a radix root page all 0xff: never "same", and the manifest says why
ROOT=$(jq -r .memory_map_phys "$TRUTH")
cp "$T/v.elf" "$T/c.elf"
head -c 4096 /dev/zero | tr '\0' '\377' | dd of="$T/c.elf" bs=1 seek="$(nf_off $ROOT)" conv=notrunc 2>/dev/null
ki diff "$T/c.elf" "$T/c.elf"
expect_rc "row 3: diff of a map with errors with itself: exits 2" 2
expect_no_grep "row 3: never says same" "$T/out" '^result: same'
expect_grep "row 3: says why" "$T/out" '^incomplete: .*its map had [0-9]+ errors'
ki snapshot "$T/c.elf" -o "$T/c.json"
expect_rc "row 3: snapshot of it: exits 2" 2
cp "$T/c.json" "$T/out"
expect_jq "row 3: the manifest says incomplete and why" '.khoinspect_manifest == 3 and ([.incomplete[] | select(startswith("map-errors:"))] | length == 1)'
ki diff --present-only "$T/c.json" "$T/c.json"
expect_rc "row 3: an incomplete manifest vs itself: exits 2 (even --present-only)" 2
# version 2 manifests said so only in map_errors: read as incomplete
jq -c '.khoinspect_manifest = 2 | del(.incomplete)' "$T/c.json" >"$T/c2.json"
ki diff "$T/c2.json" "$T/c2.json"
expect_rc "row 3: a version-2 manifest with map_errors: exits 2" 2

# 4. two manifests of one hand-over, a range hashed in one and missing in
# the other (a copy of the manifest with one hashed range turned into a
# not_in_dump group, as a dump lacking it gives): never same
ki snapshot --page-size 4096 "$T/v.elf" -o "$T/m.json"
jq -c '(first(.ranges[] | select(.xxh3 != null and .blocks == 1))) as $r |
	.ranges |= map(if . == $r then {order: .order, owner: .owner, not_in_dump: [[.start, .blocks]]} else . end)' \
	"$T/m.json" >"$T/gap.json"
cp "$T/gap.json" "$T/out"
expect_jq "row 4: the copy lacks exactly one hashed range" "[.ranges[] | select(.xxh3 != null)] | length == $(jq '[.ranges[] | select(.xxh3 != null)] | length - 1' "$T/m.json")"
ki diff "$T/m.json" "$T/gap.json"
expect_rc "row 4: manifest diff, a range hashed on one side only: exits 2" 2
expect_no_grep "row 4: not same" "$T/out" '^result: same'
ki -j diff "$T/gap.json" "$T/m.json"
expect_jq "row 4: JSON same is false" '.same == false and .incomplete != null'
ki -j verify --against "$T/gap.json" "$T/v.elf"
expect_rc "row 4: verify --against a manifest with a gap: exits 2" 2
expect_jq "row 4: verify --against: incomplete, not pass" '.summary.result == "incomplete"'

# 5. a wrong --base: an empty map is an error with a hint, not "0 blocks"
xz -dc "$G/v3-aarch64-16k.raw.xz" >"$T/a16.raw"
ki list --base 0x7fff0000 "$T/a16.raw"
expect_rc "row 5: list with a wrong --base: exits 2" 2
expect_grep "row 5: fdt-not-preserved with the hint" "$T/out" 'fdt-not-preserved: .*is empty.*--base\?.*--page-size'
ki list --base 0x80000000 "$T/a16.raw"
expect_rc "row 5: the right base still lists: exits 0" 0
# kho-v1 before finalize (map pointer 0) has no map yet: not an error
rm -f "$T/a16.raw"

# 6. verify of a debugfs copy without memory: not a pass
ki verify "$FIX/golden/debugfs/v3-x86_64-4k/out"
expect_rc "row 6: verify without memory: exits 2" 2
expect_grep "row 6: says incomplete" "$T/out" '^incomplete: no memory to check the blocks \(give --mem'
expect_no_grep "row 6: no pass" "$T/out" 'result: +pass'
ki verify --fdt-only "$FIX/golden/debugfs/v3-x86_64-4k/out"
expect_rc "row 6: --fdt-only: exits 0" 0

# 7. an unknown kho-vN: the tool is too old, not a broken hand-over
FDT=$(jq -r .fdt_phys "$TRUTH")
cp "$T/v.elf" "$T/v9.elf"
fo=$(nf_off "$FDT")
co=$(dd if="$T/v9.elf" bs=4096 skip=$((fo / 4096)) count=1 2>/dev/null | LC_ALL=C grep -obUa 'kho-v3' | head -1 | cut -d: -f1)
printf '9' | dd of="$T/v9.elf" bs=1 seek=$((fo + co + 5)) conv=notrunc 2>/dev/null
ki verify "$T/v9.elf"
expect_rc "row 7: verify of kho-v9: exits 2" 2
expect_grep "row 7: says unsupported" "$T/out" '^result: +unsupported'
expect_no_grep "row 7: not FAIL" "$T/out" 'FAIL'
expect_no_grep "row 7: no 'no memory' on an ELF dump" "$T/out" 'no memory'
rm -f "$T/v9.elf" "$T/c.elf" "$T/c.json" "$T/c2.json" "$T/m.json" "$T/gap.json"

# 8. changed contents counted per block, the same figure for every pair of
# input kinds: the real 7.3 dumps before and at the kexec
RK="$FIX/realkernel-7.3/khodumps-elf.tar.xz"
mkdir -p "$T/rk"
tar -xSJf "$RK" -C "$T/rk" before.elf handover.elf
chmod u+r "$T/rk/before.elf" "$T/rk/handover.elf"
python3 - "$T/rk/before.elf" "$T/rk/handover.elf" "$FIX/realkernel-7.3/blocks-before.txt" >"$T/want" <<'PY' 2>/dev/null ||
import struct, sys
def loads(path):
    f = open(path, 'rb'); h = f.read(64)
    phoff, = struct.unpack_from('<Q', h, 32); phentsize, phnum = struct.unpack_from('<HH', h, 54)
    segs = []
    for i in range(phnum):
        f.seek(phoff + i * phentsize)
        t, _, off, _, pa, fsz, _, _ = struct.unpack('<IIQQQQQQ', f.read(56))
        if t == 1: segs.append((pa, fsz, off))
    return f, segs
def read(fs, pa, n):
    f, segs = fs
    for p, sz, off in segs:
        if p <= pa and pa + n <= p + sz:
            f.seek(off + pa - p); return f.read(n)
a, b = loads(sys.argv[1]), loads(sys.argv[2])
for line in open(sys.argv[3]):
    pa, order = line.split()[:2]; pa = int(pa, 0); order = int(order)
    x, y = read(a, pa, 4096 << order), read(b, pa, 4096 << order)
    if x is not None and y is not None and x != y: print('0x%x %d' % (pa, order))
PY
	bad "row 8: independent comparison" "python3 failed"
want_n=$(wc -l <"$T/want")
if [ "$want_n" -gt 0 ]; then ok "row 8: the independent comparison finds changed blocks ($want_n)"; else bad "row 8: independent comparison" "no changed block found"; fi
changed_blocks() {
	awk '/^@@ order / { o = $3 } /^!0x/ { split(substr($1, 2), r, "-"); print r[1], r[2], o }' "$T/out" |
	while read -r s e o; do a=$((s)); while [ "$a" -lt "$((e))" ]; do printf '0x%x %s\n' "$a" "$o"; a=$((a + (4096 << o))); done; done | LC_ALL=C sort
}
LC_ALL=C sort "$T/want" -o "$T/want"
ki diff "$T/rk/before.elf" "$T/rk/handover.elf"
expect_rc "row 8: dump/dump: exits 1" 1
changed_blocks >"$T/got"
expect_same "row 8: dump/dump: the changed blocks, one by one" "$T/want" "$T/got"
ki snapshot "$T/rk/before.elf" -o "$T/rk/b.json"
expect_rc "row 8: snapshot of before.elf: exits 0 (complete)" 0
ki snapshot "$T/rk/handover.elf" -o "$T/rk/h.json"
for pair in "b.json handover.elf" "before.elf h.json" "b.json h.json"; do
	set -- $pair
	ki diff "$T/rk/$1" "$T/rk/$2"
	expect_rc "row 8: $1 vs $2: exits 1" 1
	changed_blocks >"$T/got"
	expect_same "row 8: $1 vs $2: the same changed blocks" "$T/want" "$T/got"
	ki -j diff "$T/rk/$1" "$T/rk/$2"
	expect_jq "row 8: $1 vs $2: changed_blocks = $want_n, per block" "([.orders[].changed_blocks] | add) == $want_n and .changes_counted_per == \"block\""
done
rm -rf "$T/rk"

# 9. --radix-depth narrows, never switches the checks off; a short 16K
# tree is impossible under kho-v4
mkdir -p "$T/a64"
tar -xSJf "$FIX/realkernel-7.3-arm64/64k/dumps-elf.tar.xz" -C "$T/a64" before.elf
chmod u+r "$T/a64/before.elf"
A64="$FIX/realkernel-7.3-arm64/64k/blocks-before.txt"
ki -j list --blocks --radix-depth 4 "$T/a64/before.elf"
expect_rc "row 9: --radix-depth 4: exits 0" 0
expect_jq "row 9: --radix-depth 4: 64 KiB pages, from the data" '.input.page_size == 65536'
got_blocks >"$T/got"; awk '{print $1, $2}' "$A64" | LC_ALL=C sort >"$T/want"
expect_same "row 9: --radix-depth 4: the blocks of the run's own decoder" "$T/want" "$T/got"
ki list --page-size 16384 "$T/a64/before.elf"
expect_rc "row 9: --page-size 16384 on a 64K kho-v4 tree: exits 2" 2
expect_grep "row 9: names the page size that decodes" "$T/out" 'page-size-contradicted: .*give --page-size 65536 \(a short 16 KiB tree is impossible under kho-v4'
expect_no_grep "row 9: no short-tree reading" "$T/out" 'radix-short-tree'
rm -rf "$T/a64"
rm -f "$T/v.elf" "$T/want" "$T/got"
