# SPDX-License-Identifier: GPL-2.0-or-later
# list --owners: every block of the golden images is attributed as the
# truth's owner field says (kho:fdt, kho:<blob>, memblock:<region>; the
# truth's "folio" blocks belong to no sub-format we decode: unclaimed).

G="$FIX/golden"
owners_of_truth() { jq -r '.blocks[] | "\(.[0]) \(.[1]) \(.[2] | if . == "folio" then "unclaimed" else . end)"' "$1" | LC_ALL=C sort; }
for v in v3-x86_64-4k v2-x86_64-4k v4-aarch64-64k v1-x86_64-4k-512 v1-x86_64-4k-page v3-aarch64-16k; do
	case $v in
	*.raw|*16k) img="$T/$v.raw"; xz -dc "$G/$v.raw.xz" >"$img"; set -- --base 0x80000000 ;;
	*) img="$T/$v.elf"; xz -dc "$G/$v.elf.xz" >"$img"; set -- ;;
	esac
	owners_of_truth "$G/$v.truth.json" >"$T/want-own"
	ki -j list --owners --blocks "$@" "$img"
	expect_rc "$v --owners: exits 0" 0
	jq -r '.blocks[] | "\(.phys) \(.order) \(.owner)"' "$T/out" | LC_ALL=C sort >"$T/got-own"
	expect_same "$v --owners: every block's owner = truth" "$T/want-own" "$T/got-own"
	rm -f "$img"
done

# ranges are split where the owner changes, and the text says it
xz -dc "$G/v3-x86_64-4k.elf.xz" >"$T/own.elf"
ki list --owners "$T/own.elf"
expect_grep "--owners text: kexec-metadata" "$T/out" '^  0x000128000-0x000129000  order  0  blocks   1       4 KiB  owner kho:kexec-metadata$'
expect_grep "--owners text: a reserve_mem region" "$T/out" 'owner memblock:oops-log$'
ki -j list --owners "$T/own.elf"
expect_jq "--owners JSON ranges: each has an owner" '[.ranges[] | has("owner")] | all'
expect_jq "--owners JSON ranges: same blocks as without" "([.ranges[].blocks] | add) == $(jq '.blocks | length' "$G/v3-x86_64-4k.truth.json")"
rm -f "$T/own.elf"
