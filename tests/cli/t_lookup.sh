# SPDX-License-Identifier: GPL-2.0-or-later
# lookup: on every golden image and the real-kernel dumps, each block's
# first byte, last byte and the address one past its run are answered as
# the truth says (preserved, block, run, owner, neighbours, RAM), checked by
# tests/cli/lookup_check.py, which works the answers out from the truth.

G="$FIX/golden"
PY=/usr/bin/python3
LC="$TESTS/lookup_check.py"

# lookup_truth NAME TRUTH PAGE_SIZE ARGS... IMAGE
lookup_truth() {
	_lt_name=$1; _lt_truth=$2; _lt_ps=$3; shift 3
	"$PY" "$LC" queries "$_lt_truth" "$_lt_ps" >"$T/lq"
	ki -j lookup "$@" - <"$T/lq"
	expect_rc "$_lt_name: lookup - exits 0" 0
	expect_json "$_lt_name: lookup JSON"
	if "$PY" "$LC" check "$_lt_truth" "$_lt_ps" "$T/out" >"$T/lc"; then
		ok "$_lt_name: $(cat "$T/lc") answers = truth"
	else
		bad "$_lt_name: answers = truth" "$(head -5 "$T/lc")"
	fi
}

for v in v3-x86_64-4k v2-x86_64-4k v4-aarch64-64k v1-x86_64-4k-512 v1-x86_64-4k-page v3-aarch64-16k; do
	case $v in
	*16k) img="$T/$v.raw"; xz -dc "$G/$v.raw.xz" >"$img"; set -- --base 0x80000000 ;;
	*) img="$T/$v.elf"; xz -dc "$G/$v.elf.xz" >"$img"; set -- ;;
	esac
	lookup_truth "$v" "$G/$v.truth.json" "$(jq .page_size "$G/$v.truth.json")" "$@" "$img"
	[ "$v" = v3-x86_64-4k ] || rm -f "$img"
done

# text: the same answers for people; a range; a hole; the map's own page
img="$T/v3-x86_64-4k.elf"
ki lookup "$img" 0x128fff 0x129000 0x66fd00000+0x40000000 0x5000000000
expect_rc "lookup text exits 0" 0
expect_grep "text: the block" "$T/out" '^  block:      0x128000 order 0 \(4 KiB\)$'
expect_grep "text: the owner" "$T/out" '^  owner:      kho:kexec-metadata$'
expect_grep "text: the radix leaf" "$T/out" '^  map page:   radix leaf 0x[0-9a-f]+ bit [0-9]+$'
expect_grep "text: not preserved, the run below" "$T/out" '^  below:      0x128000-0x129000 \(order 0, 1 block, 4 KiB\)$'
expect_grep "text: a range of reserve_mem, all preserved" "$T/out" '^  preserved:  yes \(1 GiB in [0-9]+ runs\)$'
expect_grep "text: a hole" "$T/out" '^  memory:     a hole'
expect_grep "text: nothing above the last run" "$T/out" '^  above:      none$'
# the map's own pages are named (the truth's memory_map_phys is the root table)
root=$(jq -r .memory_map_phys "$G/v3-x86_64-4k.truth.json")
ki -j lookup "$img" "$root"
expect_jq "the radix root is one of the map's own pages" '.lookups[0].in_map_page == true'
# a scratch area given on the command line
ki -j lookup --scratch 0x400000:0x400000 "$img" 0x500000 0x800000
expect_jq "scratch: inside" '.lookups[0].scratch == {"start": "0x400000", "size": "0x400000"}'
expect_jq "scratch: past the end" '.lookups[1].scratch == null'
# a range partly preserved: the bytes add up to the truth's blocks in it
ki -j lookup "$img" 0x100000-0x400000
want=$(jq -r '.blocks[] | "\(.[0]) \(.[1])"' "$G/v3-x86_64-4k.truth.json" |
	while read -r pa o; do a=$((pa)); e=$((a + (4096 << o))); [ "$a" -ge $((0x100000)) ] && [ "$e" -le $((0x400000)) ] && echo $((e - a)); done |
	awk '{ s += $1 } END { printf "0x%x", s }')
expect_jq "a range: preserved bytes = the truth's blocks in it ($want)" ".lookups[0].preserved == \"partly\" and .lookups[0].preserved_bytes == \"$want\""

# bad addresses: one clear line each, exit 2, the good ones still answered
ki lookup "$img" 0x128000 zzz 0x2000-0x1000
expect_rc "bad addresses: exit 2" 2
expect_grep "bad address named" "$T/err" '^khoinspect: lookup: argument 2: "zzz" is not an address'
expect_grep "empty range named" "$T/err" 'argument 3: "0x2000-0x1000"'
expect_grep "the good address still answered" "$T/out" '^0x128000$'
# -j: the same, and the bad ones are the document's usage errors
ki -j lookup "$img" 0x128000 zzz 0x2000-0x1000
expect_rc "-j bad addresses: exit 2" 2
expect_jq "-j bad addresses: the good one answered, the bad ones in errors" '[.lookups[].query] == ["0x128000"] and [.errors[] | .code, .command] == ["usage", "lookup", "usage", "lookup"] and (.errors[0].message | test("argument 2: \"zzz\""))'
ki -j lookup "$img" 0x128000
expect_jq "-j good addresses: no errors member" 'has("errors") | not'
printf '0x128000\n\n# a comment\nnope\n' | "$KI" lookup "$img" - >"$T/out" 2>"$T/err"; RC=$?
expect_rc "stdin: a bad line: exit 2" 2
expect_grep "stdin: the line is named" "$T/err" 'stdin line 4: "nope"'
ki lookup "$img"
expect_rc "no address: usage, exit 2" 2
ki lookup "$FIX/golden/debugfs/v3-x86_64-4k" 0x1000
expect_rc "no memory: exit 2" 2
expect_grep "no memory: says --mem" "$T/err" 'give --mem FILE'
# a map with an error (the radix root's order-1 entry points outside the
# dump; PT_LOAD 1 of this image is at file 0x801000 for paddr 0x100000000):
# what is readable is answered, the exit status says trouble
cp "$img" "$T/bad.elf"
root=$(($(jq -r .memory_map_phys "$G/v3-x86_64-4k.truth.json")))
printf '\000\000\000\000\160\000\000\000' |
	dd of="$T/bad.elf" bs=1 seek=$((root - 0x100000000 + 0x801000 + 8)) conv=notrunc 2>/dev/null
ki -j lookup "$T/bad.elf" 0x128000
expect_rc "a map with errors: exit 2" 2
expect_jq "a map with errors: a readable order-0 block still answered" '.lookups[0].preserved == "yes" and .lookups[0].block.order == 0'
expect_jq "a map with errors: the finding is in the document" '[.findings[] | select(.id == "map-pointer-outside-dump")] | length == 1'
expect_grep "a map with errors: said on stderr" "$T/err" 'the answers may be incomplete'
rm -f "$img" "$T/bad.elf"

# the real kernel's dumps (Linux 7.3.4; blocks read by an independent decoder)
RK="$FIX/realkernel-7.3/khodumps-elf.tar.xz"
if [ -f "$RK" ]; then
	mkdir -p "$T/rk"
	tar -xSJf "$RK" -C "$T/rk" before.elf handover.elf after.elf
	for f in before handover after; do
		lookup_truth "realkernel-7.3 $f" "$FIX/realkernel-7.3/blocks-$f.txt" 4096 "$T/rk/$f.elf"
		rm -f "$T/rk/$f.elf"
	done
else
	bad "realkernel-7.3" "$RK missing"
fi
