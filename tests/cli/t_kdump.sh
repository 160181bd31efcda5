# kdump-compressed dumps through libkdumpfile (QEMU 7.2 kdump-zlib after
# makedumpfile -R): same blocks as the ELF dump of the same guest.

xz -dc "$FIX/qemu/q35-5g-v3.kdump-zlib.xz" >"$T/q.kdump"
truth_blocks "$FIX/qemu/q35-5g-v3.truth.json" >"$T/wantk"
expect_blocks "qemu kdump-zlib" "$T/wantk" "$T/q.kdump"
expect_jq "kdump: container and page size source" '.input.container == "kdump" and .input.page_size == 4096 and (.input.page_size_source | test("kdump header"))'
expect_jq "kdump: fdt found by scan" ".kho.fdt_phys == \"$(jq -r .fdt_phys "$FIX/qemu/q35-5g-v3.truth.json")\""
expect_jq "kdump: complete dump, no warnings" '[.findings[] | select(.severity != "info")] | length == 0'

# status bit 0x8 (ENOSPC while writing): reported as a warning
printf '\011' | dd of="$T/q.kdump" bs=1 seek=424 conv=notrunc 2>/dev/null
ki -j list --summary "$T/q.kdump"
expect_rc "incomplete kdump: still listed" 0
expect_jq "incomplete kdump: warning" '[.findings[] | select(.id == "incomplete-dump" and .severity == "warning")] | length == 1'
ki list --summary "$T/q.kdump"
expect_grep "incomplete kdump: said in text" "$T/out" 'warning incomplete-dump: .*incomplete'

# a header libkdumpfile cannot make sense of
{ printf 'KDUMP   '; head -c 8184 /dev/zero; } >"$T/bad.kdump"
ki list "$T/bad.kdump"
expect_rc "broken kdump header: exits 2" 2
expect_grep "broken kdump header: named" "$T/err" 'bad.kdump: kdump-compressed header'
rm -f "$T/q.kdump"
