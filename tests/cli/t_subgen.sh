# SPDX-License-Identifier: GPL-2.0-or-later
# Sub-formats end to end on khogen images: khogen writes LUO (luo-v1 FDT or
# luo-v5 block chains), memfd-v1/v2 with vmalloc folio arrays, kho-test (as
# 7.3 writes it: /data, a folios_info vmalloc area and its folios)
# and memblock from the format facts and records every block's owner;
# list --owners must agree with it block for block, verify must find
# nothing; then one field mangled at a time (addresses from khogen's
# --layout, in a raw image whose byte 0 is physical 0x80000000).

subgen() { # NAME then khogen options
	_n=$1; shift
	"$GEN" --truth-owners --truth "$T/sg.truth" --layout "$T/sg.layout" -o "$T/sg.img" "$@" 2>"$T/err" ||
		{ bad "$_n: khogen" "exit status $?"; return 1; }
	grep -v '^#' "$T/sg.truth" | LC_ALL=C sort >"$T/sg.want"
	return 0
}
owners_agree() { # NAME [khoinspect input options]
	_n=$1; shift
	ki -j list --owners --blocks "$@" "$T/sg.img"
	expect_rc "$_n: list --owners exits 0" 0
	jq -r '.blocks[] | "\(.phys) \(.order) \(.owner)"' "$T/out" | LC_ALL=C sort >"$T/sg.got"
	expect_same "$_n: every block's owner = khogen's" "$T/sg.want" "$T/sg.got"
	ki -j verify "$@" "$T/sg.img"
	expect_rc "$_n: verify exits 0" 0
	expect_jq "$_n: verify finds no error or warning" '[.findings[] | select(.severity != "info")] == []'
	expect_jq "$_n: verify checked sub-format objects" '.summary.objects_checked > 0'
}

for cfg in "v5 v2 4096 little" "v5 v1 16384 little" "v1 v2 4096 little" "v1 v1 65536 big" "v5 v2 65536 big"; do
	set -- $cfg
	n="luo-$1 memfd-$2 ${3}B $4-endian"
	arch=x86_64; [ "$4" = big ] && arch=ppc64
	subgen "$n" --format kho-v4 --luo "$1" --memfd "$2" --page-size "$3" --endian "$4" --arch "$arch" \
		--luo-session vm-1:3 --luo-session vm-42:2 --luo-flb 2 --kho-test 5 \
		--subnode memblock:4096 --subnode kexec-metadata:73 --random 40 --seed 11 &&
		owners_agree "$n"
done
# long chains: 70 files span two v5 file blocks (63 per 4K block); 300
# folios need 2 array pages, in order-1 pieces, 1 piece per vmalloc chunk
subgen "long chains" --luo v5 --luo-session big:70 --memfd-folios 300 --vmalloc-order 1 \
	--vmalloc-chunk-cap 1 --random 10 && owners_agree "long chains"
ki -j list --owners --blocks "$T/sg.img"
expect_jq "long chains: memfd folios attributed" '[.blocks[] | select(.owner | test("^luo:big/file 0x3e8 \\(memfd\\)$"))] | length > 300'
subgen "kho-v1 map with LUO" --format kho-v1 --luo v1 --luo-session s:4 --random 10 && owners_agree "kho-v1 map with LUO"

# fdt shows the decoded LUO: sessions, files, memfd folios
subgen "fdt view" --container raw --luo v5 --luo-session vm-1:2 --memfd-folios 3 --luo-flb 1
ki -j fdt --base 0x80000000 --page-size 4096 "$T/sg.img"
expect_rc "fdt LUO: exits 0" 0
expect_jq "fdt LUO: luo-v5 decoded" '[.tree.children[] | select(.name == "LUO") | .blob.format] == ["luo-v5"]'
expect_jq "fdt LUO: the session and its 2 files" '[.tree.children[] | select(.name == "LUO") | .blob.decoded.session_list[] | .name, .count, .file_list_total] == ["vm-1", 2, 2]'
tok=$(awk '$1 == "memfd" && $2 == "vm-1" { print $3; exit }' "$T/sg.layout")
hextok=$(printf '0x%x' "$tok")
expect_jq "fdt LUO: first file's token (hex string) and memfd-v2 folios" "[.tree.children[] | select(.name == \"LUO\") | .blob.decoded.session_list[0].file_list[0] | .token, .compatible, .[\"memfd-v2\"].nr_folios, .[\"memfd-v2\"].folios_total] == [\"$hextok\", \"memfd-v2\", 3, 3]"
want_folios=$(awk -v t="$tok" '$1 == "folio" && $3 == t { print $4 }' "$T/sg.layout" | tr '\n' ' ')
got_folios=$(jq -r '.tree.children[] | select(.name == "LUO") | .blob.decoded.session_list[0].file_list[0]["memfd-v2"].folios[].phys.phys' "$T/out" | tr '\n' ' ')
expect_same_str() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got \"$3\", expected \"$2\""; fi; }
expect_same_str "fdt LUO: folio addresses = khogen's" "$want_folios" "$got_folios"
ki fdt --base 0x80000000 --page-size 4096 "$T/sg.img"
expect_grep "fdt LUO text: decoded as luo-v5" "$T/out" 'blob: 32 bytes from memory at 0x[0-9a-f]*, luo-v5:$'
expect_grep "fdt LUO text: the session name" "$T/out" '^ *name = "vm-1"$'
expect_grep "fdt LUO text: the token in hex, as users write it" "$T/out" "^ *token = $hextok\$"

# ---- mangles, on a raw luo-v5 image (offset = PA - 0x80000000) ----
RAWIN="--base 0x80000000 --page-size 4096"
subgen "mangle base" --container raw --luo v5 --memfd v2 --luo-session vm-1:3 --luo-session vm-2:2 --random 10
cp "$T/sg.img" "$T/sg.clean"
off() { echo $(( $1 - 0x80000000 )); }
lay() { awk "$1" "$T/sg.layout" | head -1; }
SBLK=$(lay '$1 == "luo-block" && $2 == "sessions" { print $3 }')
FBLK=$(lay '$1 == "luo-block" && $2 == "files:vm-1" { print $3 }')
MEMFD0=$(lay '$1 == "memfd" && $2 == "vm-1" { print $4 }')
MEMFD1=$(lay '$1 == "memfd" && $2 == "vm-1" && ++n == 2 { print $4 }')
DATA0=$(lay '$1 == "vmalloc-data" && $2 == "vm-1" { print $4 }')
mangle() { # NAME ID PHYS EXIT [decoder]: verify finds ID at PHYS; list --owners
	# still exits 0 (and shows a decoder's finding)
	ki -j verify $RAWIN "$T/sg.img"
	expect_rc "$1: verify exits $4" "$4"
	expect_jq "$1: $2 at $3" "[.findings[] | select(.id == \"$2\" and .phys == \"$(printf '0x%x' $(($3)))\")] | length >= 1"
	ki -j list --owners $RAWIN "$T/sg.img"
	expect_rc "$1: list --owners still exits 0" 0
	[ "${5:-}" = decoder ] && expect_jq "$1: list --owners shows $2" "[.findings[].id] | index(\"$2\") != null"
	cp "$T/sg.clean" "$T/sg.img"
}
# session vm-1 says 4 files, its chain holds 3 (count at record + 72)
put_u64 "$T/sg.img" $(( $(off $SBLK) + 16 + 72 )) 4
mangle "file count" luo-file-count "$FBLK" 1 decoder
# the sessions block says 0 entries
put_u64 "$T/sg.img" $(( $(off $SBLK) + 8 )) 0
mangle "block count 0" block-count "$SBLK" 1 decoder
# vm-1's file block points back at itself
put_u64 "$T/sg.img" $(off $FBLK) "$FBLK"
mangle "block cycle" block-chain-cycle "$FBLK" 1 decoder
# vm-1's files pointer not page aligned
put_u64 "$T/sg.img" $(( $(off $SBLK) + 16 + 64 )) $((FBLK + 8))
mangle "files unaligned" sub-unaligned $((FBLK + 8)) 1 decoder
# the first memfd: nr_folios far beyond its one-page array (v2: at +24)
put_u64 "$T/sg.img" $(( $(off $MEMFD0) + 24 )) 100000
mangle "nr_folios" memfd-nr-folios "$MEMFD0" 1 decoder
# its vmalloc total_pages (u32 at +32+8) says 3 pages, one piece is listed
printf '\003' | dd of="$T/sg.img" bs=1 seek=$(( $(off $MEMFD0) + 40 )) conv=notrunc 2>/dev/null
CH0=$(lay '$1 == "vmalloc-chunk" && $2 == "vm-1" { print $4 }')
mangle "total_pages" vmalloc-total-pages "$CH0" 1 decoder
# its first folio moved to memory nobody preserved (PFN 0x7ff00)
put_u64 "$T/sg.img" $(off $DATA0) $(( 0x7ff00 | (2 << 52) ))
mangle "folio not preserved" object-not-preserved 0x7ff00000 1
# the second file's data pointer = the first file's: the same memory claimed twice
F1=$(( $(off $FBLK) + 16 + 64 + 48 ))
put_u64 "$T/sg.img" $F1 "$MEMFD0"
mangle "claimed twice" claimed-twice "$MEMFD0" 1
rm -f "$T/sg.img" "$T/sg.clean" "$T/sg.truth" "$T/sg.layout"
