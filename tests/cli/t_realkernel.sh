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
