# SPDX-License-Identifier: GPL-2.0-or-later
# Images from the project's own generator (tests/gen/khogen, written from the
# spec independently of the decoder): every format, page size, container and
# byte order lists exactly the blocks the generator placed.

gen() { "$GEN" "$@" >"$T/gen.log" 2>&1 || { bad "khogen $*" "generator failed: $(head -3 "$T/gen.log")"; return 1; }; }

for ps in 4096 16384 65536; do
	for fmt in kho-v2 kho-v3 kho-v4 kho-v1; do
		name="$fmt-$ps-elf"
		arch=aarch64; [ "$ps" = 4096 ] && arch=x86_64
		gen --format "$fmt" --page-size "$ps" --arch "$arch" --random 400 --seed "$ps" \
			--dense 0x140000000:70 --subnode memblock:4096 --subnode kexec-metadata:73 \
			--truth "$T/$name.truth" -o "$T/$name" || continue
		gen_blocks "$T/$name.truth" >"$T/want"
		expect_blocks "$name" "$T/want" "$T/$name"
		expect_jq "$name: page size from VMCOREINFO" ".input.page_size == $ps and (.input.page_size_source | test(\"VMCOREINFO\"))"
		expect_jq "$name: fdt where the generator put it" ".kho.fdt_phys == \"$(sed -n 's/.*fdt_phys \(0x[0-9a-f]*\).*/\1/p' "$T/$name.truth")\""
		expect_jq "$name: coalesced the dense run" '[.ranges[] | select(.start == "0x140000000")] | length == 1'
		rm -f "$T/$name"
	done
done

# 512-byte kho-v1 bitmaps at every page size
for ps in 4096 16384 65536; do
	name="v1-512-$ps"
	arch=aarch64; [ "$ps" = 4096 ] && arch=x86_64
	gen --format kho-v1 --v1-bitmap 512 --page-size "$ps" --arch "$arch" --random 300 --seed 3 \
		--truth "$T/$name.truth" -o "$T/$name" || continue
	gen_blocks "$T/$name.truth" >"$T/want"
	expect_blocks "$name" "$T/want" "$T/$name"
	expect_jq "$name: detected 512-byte bitmaps" '.map.bitmap_size == 512'
	rm -f "$T/$name"
done

# Raw containers: page size given, and inferred from the data
for ps in 4096 16384 65536; do
	name="v3-$ps-raw"
	gen --format kho-v3 --page-size "$ps" --container raw --region 0x80000000:0x1000000 \
		--random 300 --seed 11 --truth "$T/$name.truth" -o "$T/$name" || continue
	gen_blocks "$T/$name.truth" >"$T/want"
	expect_blocks "$name given" "$T/want" --base 0x80000000 --page-size "$ps" "$T/$name"
	ki -j list --blocks --base 0x80000000 "$T/$name"
	got_blocks >"$T/got"
	expect_same "$name inferred: blocks" "$T/want" "$T/got"
	expect_jq "$name inferred: page size" ".input.page_size == $ps"
	rm -f "$T/$name"
done

# Big-endian dump: every native u64 in the dump's byte order
gen --format kho-v3 --endian big --arch ppc64 --page-size 65536 --random 200 \
	--truth "$T/be.truth" -o "$T/be.elf" && {
	gen_blocks "$T/be.truth" >"$T/want"
	expect_blocks "big-endian ppc64" "$T/want" "$T/be.elf"
	expect_jq "big-endian said" '.input.byte_order == "big"'
}

# No VMCOREINFO on aarch64: the page size comes from the data
gen --format kho-v3 --arch aarch64 --page-size 16384 --no-vmcoreinfo --random 200 \
	--truth "$T/nv.truth" -o "$T/nv.elf" && {
	gen_blocks "$T/nv.truth" >"$T/want"
	expect_blocks "aarch64 without VMCOREINFO" "$T/want" "$T/nv.elf"
	expect_jq "page size inferred from the data" '.input.page_size == 16384 and (.input.page_size_source | test("inferred"))'
}

# The pre-7.1 short tree at 16K: detected and warned about
gen --format kho-v3 --arch aarch64 --page-size 16384 --radix-depth 4 --random 200 \
	--truth "$T/short.truth" -o "$T/short.elf" && {
	ki -j list "$T/short.elf"
	expect_jq "short 16K tree: depth 4 used" '.map.depth == 4'
	expect_jq "short 16K tree: warned" '[.findings[].id] | index("radix-short-tree") != null'
	grep -v '^#' "$T/short.truth" | awk '$2 != 0' | LC_ALL=C sort >"$T/want"
	ki -j list --blocks "$T/short.elf"
	got_blocks | awk '$2 != 0' >"$T/got"
	# orders >= 1 survive the bug; order-0 keys lost their marker
	grep -c . "$T/want" >/dev/null && {
		comm -23 "$T/want" "$T/got" >"$T/missing"
		if [ -s "$T/missing" ]; then bad "short 16K tree: blocks of order >= 1" "missing $(wc -l <"$T/missing")"; else ok "short 16K tree: blocks of order >= 1"; fi
	}
}

# Composite compatible (June 2026 RFC): matched on the part before ';'
gen --format "kho-v4;radix-v1;vmalloc-v1" --random 100 --truth "$T/comp.truth" -o "$T/comp.elf" && {
	gen_blocks "$T/comp.truth" >"$T/want"
	expect_blocks "composite compatible" "$T/want" "$T/comp.elf"
	expect_jq "composite compatible kept whole" '.kho.compatible == "kho-v4;radix-v1;vmalloc-v1"'
}

# Unknown kho-vN: exit 2 naming the string and the known formats
gen --format kho-v9 --random 10 -o "$T/v9.elf" && {
	ki list "$T/v9.elf"
	expect_rc "kho-v9 exits 2" 2
	expect_grep "kho-v9 named with known formats" "$T/err" '"kho-v9" is not a format this build knows \(kho-v1, kho-v2, kho-v3, kho-v4\)'
}

# kho-v1 not finalized (map pointer 0): nothing handed over, said plainly, exit 0
gen --format kho-v1 --map-zero -o "$T/v1zero.elf" && {
	ki -j list "$T/v1zero.elf"
	expect_rc "kho-v1 map 0: exits 0" 0
	expect_jq "kho-v1 map 0: nothing listed" '.total.blocks == 0'
	expect_jq "kho-v1 map 0: said" '[.findings[].id] | index("v1-not-finalized") != null'
}

# Several FDTs: stale copies with empty maps also decode cleanly, so the tool
# lists them and asks; --fdt-phys picks one.
gen --format kho-v3 --fdt-copies 3 --random 50 --truth "$T/multi.truth" -o "$T/multi.elf" && {
	ki list "$T/multi.elf"
	expect_rc "several clean FDTs: exits 2" 2
	expect_grep "several clean FDTs: asks for --fdt-phys" "$T/err" 'choose one with --fdt-phys'
	n=$(grep -c '^  0x' "$T/err")
	if [ "$n" = 3 ]; then ok "several clean FDTs: all three listed"; else bad "several clean FDTs: all three listed" "$n listed"; fi
	fdt=$(sed -n 's/.*fdt_phys \(0x[0-9a-f]*\).*/\1/p' "$T/multi.truth")
	gen_blocks "$T/multi.truth" >"$T/want"
	expect_blocks "several FDTs, --fdt-phys" "$T/want" --fdt-phys "$fdt" "$T/multi.elf"
}
