# SPDX-License-Identifier: GPL-2.0-or-later
# A real kernel's hand-over (tests/fixtures/realkernel-7.3: Linux 7.3.4 under
# QEMU, dumped before the KHO kexec, at the jump and after it; the guest's
# debugfs copies). Truth: blocks-*.txt (an independent decoder, checked
# against the clients' own records), the guest's command line and the
# clients' FDTs read with fdtget; never khoinspect's earlier output.

R="$FIX/realkernel-7.3"
_rk_t0=$(date +%s)
tar -xSJf "$R/khodumps-elf.tar.xz" -C "$T"
echo "   (realkernel-7.3 dumps unpacked in $(( $(date +%s) - _rk_t0 )) s)"
B="$R/guest-before/debugfs-kho"
A="$R/guest-after/debugfs-kho"
LC_ALL=C sort "$R/blocks-before.txt" >"$T/rk-before"
LC_ALL=C sort "$R/blocks-handover.txt" >"$T/rk-handover"
LC_ALL=C sort "$R/blocks-after.txt" >"$T/rk-after"

# -- kho_test keeps nr_folios, folios_info and csum in /data (lib/test_kho.c)
ki -j list --owners --blocks "$T/handover.elf"
expect_rc "realkernel kho_test: list --owners exits 0" 0
expect_jq "realkernel kho_test: no nr_folios warning" '[.findings[] | select(.id == "kho-test")] == []'
jq -r '.blocks[] | select(.owner | startswith("kho_test:")) | "\(.phys) \(.order)"' "$T/out" | LC_ALL=C sort >"$T/rk-kt"
# the clients' records: nr_folios folios plus folios_info's data pages and
# its one chunk (total_pages is the second little-endian word of the
# 16-byte struct kho_vmalloc), every one a preserved block
set -- $(fdtget -t x "$B/out/sub_fdts/kho_test" /data nr_folios) $(fdtget -t bx "$B/out/sub_fdts/kho_test" /data folios_info)
_kt_nr=$(( ((0x$1 & 0xff) << 24) | ((0x$1 >> 8 & 0xff) << 16) | ((0x$1 >> 16 & 0xff) << 8) | (0x$1 >> 24 & 0xff) ))
_kt_pages=$(( 0x${10} | (0x${11} << 8) ))
if [ "$(wc -l <"$T/rk-kt")" -eq $((_kt_nr + _kt_pages + 1)) ] && [ "$_kt_nr" -gt 0 ]; then
	ok "realkernel kho_test: nr_folios ($_kt_nr) + folios_info pages + chunk blocks owned by kho_test"
else
	bad "realkernel kho_test: owned blocks" "$(wc -l <"$T/rk-kt") owned, the FDT says $_kt_nr folios and $_kt_pages info pages"
fi
if [ -z "$(LC_ALL=C comm -23 "$T/rk-kt" "$T/rk-handover")" ]; then ok "realkernel kho_test: owned blocks are preserved blocks"; else bad "realkernel kho_test: owned blocks" "not all in blocks-handover.txt"; fi
# the folios add up to test_kho.max_mem of the guest's command line
_kt_max=$(sed -n 's/.*test_kho.max_mem=\([0-9]*\).*/\1/p' "$R/guest-before/cmdline.txt")
_kt_sum=$(jq -r '[.blocks[] | select(.owner == "kho_test:folio") | 4096 * pow(2; .order)] | add' "$T/out")
if [ "$_kt_sum" = "$_kt_max" ]; then ok "realkernel kho_test: folios add up to test_kho.max_mem"; else bad "realkernel kho_test: folio bytes" "$_kt_sum, max_mem $_kt_max"; fi
expect_jq "realkernel handover: every block has an owner" '[.blocks[] | select(.owner == "unclaimed")] == []'

# -- a first kernel's debugfs out/fdt is sized when it is created (233 bytes)
# and the FDT in memory has grown since (405): with memory, the FDT is read
# there and the copy only says which one
expect_blocks "realkernel before: debugfs copy + --mem" "$T/rk-before" --mem "$T/before.elf" "$B"
# the FDT page is a preserved order-0 block (docs/formats.md §7.3)
expect_grep "realkernel before: FDT read from memory, at a preserved page" "$T/rk-before" "^$(jq -r .kho.fdt_phys "$T/out") 0\$"
expect_jq "realkernel before: found among its map's blocks (the map pointer read from the cut copy)" '.kho.fdt_found_by | test("truncated fdt file begins, an order-0 block of the map")'
expect_jq "realkernel before: the truncated copy is said" '[.findings[] | select(.id == "debugfs-fdt-truncated")] | length == 1'
expect_blocks "realkernel before: out/ + --mem" "$T/rk-before" --mem "$T/before.elf" "$B/out"
KHOINSPECT_LIVE_DEBUGFS="$B" KHOINSPECT_LIVE_MEM="$T/before.elf" expect_blocks "realkernel before: live on a first kernel" "$T/rk-before" live
ki list "$B"
expect_rc "realkernel before: truncated out/fdt without memory exits 2" 2
expect_grep "realkernel before: says debugfs truncated it and to give --mem" "$T/err" 'debugfs truncated it.*give --mem FILE'
ki -j fdt --mem "$T/before.elf" "$B"
expect_rc "realkernel before: fdt with --mem exits 0" 0
expect_jq "realkernel before: fdt shows the whole FDT's four sub-nodes" '[.tree.children[].name] | sort == ["LUO", "kexec-metadata", "kho_test", "memblock"]'

# -- after the kexec: in/ is the consumed hand-over, out/ has no fdt
expect_blocks "realkernel after: debugfs root + --mem lists the outgoing hand-over" "$T/rk-after" --mem "$T/after.elf" "$A"
expect_grep "realkernel after: its FDT is a preserved page of its own map" "$T/rk-after" "^$(jq -r .kho.fdt_phys "$T/out") 0\$"
expect_jq "realkernel after: says in/ was consumed at boot" '[.findings[] | select(.id == "debugfs-in-too") | .message | test("consumed at boot")] == [true]'
expect_jq "realkernel after: the incoming map is not walked" '[.findings[] | select(.severity == "error")] == []'
expect_blocks "realkernel after: out/ without fdt + --mem" "$T/rk-after" --mem "$T/after.elf" "$A/out"
KHOINSPECT_LIVE_DEBUGFS="$A" KHOINSPECT_LIVE_MEM="$T/after.elf" expect_blocks "realkernel after: live on a kexec'd kernel" "$T/rk-after" live
# a copy with nothing that names the FDT (scratch files only): the scan's choice
rm -rf "$T/rk-bare-out"
mkdir "$T/rk-bare-out"
cp "$A/out/scratch_phys" "$A/out/scratch_len" "$T/rk-bare-out/"
expect_blocks "realkernel after: out/ with scratch files only + --mem" "$T/rk-after" --mem "$T/after.elf" "$T/rk-bare-out"
expect_jq "realkernel after: out/ with scratch files only: said" '[.findings[] | select(.id == "debugfs-names-nothing")] | length == 1'
rm -rf "$T/rk-bare-out"
ki list "$A"
expect_rc "realkernel after: no memory: exits 2" 2
expect_grep "realkernel after: no memory: says where the outgoing FDT is and that in/ was consumed" "$T/err" 'outgoing FDT only in memory; give --mem FILE.*consumed at boot'
ki list "$A/out"
expect_rc "realkernel after: out/ without fdt, no memory: exits 2" 2
expect_no_grep "realkernel after: out/ without fdt is a copy" "$T/err" 'not a copy'
expect_grep "realkernel after: out/ without fdt: asks for memory" "$T/err" 'give --mem FILE'
# in/ asked for explicitly: its FDT and blobs; its blocks are not checkable
# from memory the new kernel has reused
ki -j list "$A/in"
expect_rc "realkernel after: in/ without memory: FDT and blobs, exits 0" 0
expect_jq "realkernel after: in/ is named consumed" '[.findings[] | select(.id == "debugfs-incoming") | .message | test("consumed at boot")] == [true]'
expect_jq "realkernel after: in/ shows the old hand-over's sub-nodes" '[.subnodes[].name] | sort == ["LUO", "kexec-metadata", "kho_test", "memblock"]'
ki -j list --blocks --mem "$T/after.elf" "$A/in"
expect_rc "realkernel after: in/ with the new kernel's memory: exits 2" 2
expect_jq "realkernel after: in/: one error, incoming-consumed, no blocks" '[.findings[] | select(.severity == "error") | .id] == ["incoming-consumed"] and .blocks == [] and .map == null'
ki verify --mem "$T/after.elf" "$A/in"
expect_rc "realkernel after: verify in/ with the new kernel's memory: could not verify, exits 2" 2
expect_grep "realkernel after: verify in/: says the blocks cannot be checked" "$T/out" 'consumed: its blocks cannot be checked'
ki snapshot --mem "$T/after.elf" "$A/in" -o "$T/rk-snap.json"
expect_rc "realkernel after: snapshot in/ with the new kernel's memory: exits 2" 2
expect_grep "realkernel after: snapshot in/: says consumed" "$T/err" 'consumed at boot'
KHOINSPECT_LIVE_DEBUGFS="$A/in" KHOINSPECT_LIVE_MEM="$T/after.elf" ki -j list live
expect_rc "realkernel after: live in/: exits 2" 2
expect_jq "realkernel after: live in/: not walked, incoming-consumed" '[.findings[] | select(.severity == "error") | .id] == ["incoming-consumed"] and .map == null'
# after.elf alone holds three KHO FDTs: the new one, the consumed one and a
# copy in a tmpfs; only the new one's map decodes, and it is rank 1
ki -j locate "$T/after.elf"
expect_jq "realkernel after: locate finds three KHO FDTs" '.candidates | length == 3'
expect_grep "realkernel after: locate rank 1 is the new hand-over's FDT page" "$T/rk-after" "^$(jq -r '.candidates[0].fdt_phys' "$T/out") 0\$"
expect_jq "realkernel after: locate: only rank 1 decodes, with the block count of the truth" "[.candidates[] | .clean] == [true, false, false] and .candidates[0].blocks == $(wc -l <"$T/rk-after")"
expect_grep "realkernel after: locate rank 2 or 3 is the consumed FDT page" "$T/rk-handover" "^($(jq -r '.candidates[1].fdt_phys' "$T/out")|$(jq -r '.candidates[2].fdt_phys' "$T/out")) 0\$"
expect_blocks "realkernel after: list after.elf picks the new hand-over" "$T/rk-after" "$T/after.elf"

# -- in/ with memory taken at the jump: the blobs come from memory, not from
# sub_fdts (LUO freed its incoming blob after restoring: garbage there)
ki fdt --mem "$T/handover.elf" "$A/in"
expect_rc "realkernel in/ + handover memory: fdt exits 0" 0
expect_grep "realkernel in/ + handover memory: LUO blob read from memory" "$T/out" 'blob: 32 bytes from memory at 0x[0-9a-f]+, luo-v5'
expect_grep "realkernel in/ + handover memory: the stale sub_fdts/LUO is named" "$T/out" 'warning blob-differs-from-debugfs: KHO blob "LUO"'
ki -j list --owners --blocks --mem "$T/handover.elf" "$A/in"
expect_rc "realkernel in/ + handover memory: list --owners exits 0" 0
got_blocks >"$T/got"
expect_same "realkernel in/ + handover memory: blocks = blocks-handover.txt" "$T/rk-handover" "$T/got"
expect_jq "realkernel in/ + handover memory: every block has an owner" '[.blocks[] | select(.owner == "unclaimed")] == []'
# each memfd (1 MiB + 12 KiB and 64 KiB, the README's client records) owns
# its folios, its header page, its folio array (16 bytes a folio) and the
# array's one vmalloc chunk
for _mf in 1060864 65536; do
	_n=$((_mf / 4096)); _want=$((_n + 1 + (_n * 16 + 4095) / 4096 + 1))
	expect_jq "realkernel in/ + handover memory: a memfd of $_mf bytes owns $_want blocks" "[.blocks[] | select(.owner | test(\"memfd\")) | .owner] | group_by(.) | map(length) | index($_want) != null"
done
expect_jq "realkernel in/ + handover memory: two memfds" '[.blocks[] | select(.owner | test("memfd")) | .owner] | unique | length == 2'

# -- locate live: the running kernel's memory, or what is missing
KHOINSPECT_LIVE_MEM="$T/no-kcore" ki locate live
expect_rc "locate live without memory: exits 2" 2
expect_grep "locate live without memory: names what is missing" "$T/err" 'no-kcore: cannot read the running kernel.s memory.*CONFIG_PROC_KCORE'
expect_no_grep "locate live without memory: not \"cannot open the dump\"" "$T/err" 'cannot open the dump'
KHOINSPECT_LIVE_MEM="$T/before.elf" ki -j locate live
expect_rc "locate live: exits 0" 0
expect_grep "locate live: rank 1 is the FDT page" "$T/rk-before" "^$(jq -r '.candidates[0].fdt_phys' "$T/out") 0\$"
ki snapshot --mem "$T/before.elf" "$B" -o "$T/rk-before.json"
expect_rc "snapshot of a first kernel's debugfs + memory: exits 0" 0
expect_jq "snapshot: the whole FDT from memory (405 bytes, not debugfs' 233) and every block" ".kho.fdt_size == \"0x195\" and .total.blocks == $(wc -l <"$T/rk-before")"
KHOINSPECT_LIVE_MEM="$T/no-kcore" ki verify --against "$T/rk-before.json" live
expect_rc "verify --against live without memory: exits 2" 2
expect_grep "verify --against live without memory: names what is missing" "$T/err" 'cannot read the running kernel.s memory'
KHOINSPECT_LIVE_DEBUGFS="$B" KHOINSPECT_LIVE_MEM="$T/no-kcore" ki list live
expect_rc "list live without memory: exits 2" 2
expect_grep "list live without memory: names what is missing" "$T/err" 'cannot read the running kernel.s memory'

# -- Linux 7.4 names the scratch files bootmem_phys/bootmem_len (docs/formats.md §1.3):
# the same copy under the new names gives the same areas, named boot memory
rm -rf "$T/rk-74"
cp -r "$B/out" "$T/rk-74"
mv "$T/rk-74/scratch_phys" "$T/rk-74/bootmem_phys"
mv "$T/rk-74/scratch_len" "$T/rk-74/bootmem_len"
paste -d' ' "$B/out/scratch_phys" "$B/out/scratch_len" >"$T/rk-scr-want"
ki -j list --summary --mem "$T/before.elf" "$T/rk-74"
expect_rc "7.4 bootmem_* names: exits 0" 0
jq -r '.scratch[] | "\(.start) \(.size)"' "$T/out" >"$T/rk-scr-got"
expect_same "7.4 bootmem_* names: the scratch areas of scratch_phys/scratch_len" "$T/rk-scr-want" "$T/rk-scr-got"
expect_jq "7.4 bootmem_* names: source names the files" '[.scratch[].source | test("bootmem_phys/bootmem_len")] | all'
ki list --summary --mem "$T/before.elf" "$T/rk-74"
expect_grep "7.4 bootmem_* names: text says boot memory and scratch" "$T/out" '^scratch: +\(boot memory; from debugfs bootmem_phys/bootmem_len'
rm -rf "$T/rk-74"
unset KHOINSPECT_LIVE_DEBUGFS KHOINSPECT_LIVE_MEM
rm -f "$T/before.elf" "$T/handover.elf" "$T/after.elf"
