# SPDX-License-Identifier: GPL-2.0-or-later
# Real arm64 kernels (Linux 7.3.4, 16 KiB and 64 KiB pages; see
# ../shared/fixtures/realkernel-7.3-arm64/README.md): QEMU's aarch64 ELF
# cores carry no VMCOREINFO, QEMU's kdump files say block size 65536 for
# both kernels. Every dump must list exactly the blocks an independent
# decoder found (blocks-*.txt) without --page-size. At the jump
# (handover) the scratch array /chosen names is still zeros.

RA="$FIX/realkernel-7.3-arm64"
for p in 16k 64k; do
	case $p in 16k) ps=16384 ;; *) ps=65536 ;; esac
	mkdir -p "$T/ra"
	tar -xSJf "$RA/$p/dumps-elf.tar.xz" -C "$T/ra"
	for s in before handover after; do
		LC_ALL=C sort "$RA/$p/blocks-$s.txt" >"$T/want-ra"
		expect_blocks "arm64 $p $s.elf" "$T/want-ra" "$T/ra/$s.elf"
		expect_jq "arm64 $p $s.elf: aarch64, page size $ps from the data" \
			".input.arch == \"aarch64\" and .input.page_size == $ps and (.input.page_size_source | test(\"inferred from the data\"))"
	done

	# handover: the array is all zeros, no 0x0-0x0 scratch area
	ki -j list --summary "$T/ra/handover.elf"
	expect_jq "arm64 $p handover.elf: no scratch area of size 0" '.scratch == []'
	expect_jq "arm64 $p handover.elf: the array is not filled yet" '[.findings[] | select(.id == "scratch-array-unfilled")] | length == 1'
	ki list --summary "$T/ra/handover.elf"
	expect_grep "arm64 $p handover.elf: text says where the unfilled array is" "$T/out" '^scratch: +unknown: the scratch array at 0x[0-9a-f]+, named by the boot DTB.s /chosen linux,kho-scratch at 0x[0-9a-f]+ is not filled yet'
	expect_no_grep "arm64 $p handover.elf: no 0x0-0x0 area" "$T/out" '0x0-0x0'
	ki verify "$T/ra/handover.elf"
	expect_grep "arm64 $p handover.elf: verify does not claim the scratch checks" "$T/out" '^checked: .*scratch checks not done: scratch areas unknown$'

	# the kdump counterpart (make-kdump.sh): block size 65536, machine
	# "Unknown", zero pages sharing one stored page
	xz -dc "$RA/$p/handover.kdump.xz" >"$T/ra/handover.kdump"
	bs=$(od -An -tu4 -j428 -N4 "$T/ra/handover.kdump" | tr -d ' ')
	mach=$(dd if="$T/ra/handover.kdump" bs=1 skip=272 count=7 2>/dev/null)
	if [ "$bs" = 65536 ] && [ "$mach" = Unknown ]; then ok "arm64 $p kdump: header says block size 65536, machine Unknown"
	else bad "arm64 $p kdump: header says block size 65536, machine Unknown" "block size $bs, machine $mach"; fi
	LC_ALL=C sort "$RA/$p/blocks-handover.txt" >"$T/want-ra"
	expect_blocks "arm64 $p handover.kdump, no --page-size" "$T/want-ra" "$T/ra/handover.kdump"
	expect_jq "arm64 $p handover.kdump: aarch64, page size $ps from the data" \
		".input.arch == \"aarch64\" and .input.page_size == $ps and (.input.page_size_source | test(\"inferred from the data\"))"
	expect_jq "arm64 $p handover.kdump: no page called damaged, only the unfilled array" \
		'[.findings[] | select(.severity != "info") | .id] == ["scratch-array-unfilled"]'
	# zero pages (the reserve_mem regions) share one stored page: hashed,
	# not recorded as missing
	ki snapshot "$T/ra/handover.kdump" -o "$T/ra/m.json"
	expect_rc "arm64 $p handover.kdump: snapshot exits 0" 0
	if jq -e '[.ranges[] | select(type == "object" and has("missing"))] == [] and ([.ranges[] | select(type != "object")] == [])' "$T/ra/m.json" >/dev/null 2>&1; then
		ok "arm64 $p handover.kdump: snapshot records no range as missing"
	else bad "arm64 $p handover.kdump: snapshot records no range as missing" "$(jq -c '[.ranges[] | select(type != "object" or has("missing"))][0]' "$T/ra/m.json")"; fi
	rm -rf "$T/ra"
done
