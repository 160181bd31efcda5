# SPDX-License-Identifier: GPL-2.0-or-later
# locate: every KHO FDT in a dump, ranked; list picks the live one.
# Stale copies are made from the golden v3 image: its FDT page copied to a
# free page, pointing at a copy of kexec-metadata with a lower kexec count.

G="$FIX/golden"
TR="$G/v3-x86_64-4k.truth.json"
xz -dc "$G/v3-x86_64-4k.elf.xz" >"$T/loc.elf"
FDTPA=$(jq -r .fdt_phys "$TR")
META=$(jq -r '.subnodes[] | select(.name == "kexec-metadata") | .phys' "$TR")
off_of() { echo $(( $1 >= 0x100000000 ? $1 - 0x100000000 + 0x801000 : $1 + 0x1000 )); }
put_u64() {
	v=$3; s=""
	for _ in 1 2 3 4 5 6 7 8; do s="$s$(printf '\\%03o' $((v & 255)))"; v=$((v >> 8)); done
	printf "$s" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# two free (all-zero) pages in the first region
free_pages=""
pa=$((0x700000))
while [ $pa -lt $((0x800000)) ] && [ "$(echo $free_pages | wc -w)" -lt 4 ]; do
	if cmp -s -n 4096 -i "$(off_of $pa):0" "$T/loc.elf" /dev/zero; then free_pages="$free_pages $pa"; fi
	pa=$((pa + 4096))
done
set -- $free_pages
STALE=$1; STALEMETA=$2; STALE2=$3
dd if="$T/loc.elf" of="$T/loc.elf" bs=4096 skip=$(( $(off_of $FDTPA) / 4096 )) seek=$(( $(off_of $STALE) / 4096 )) count=1 conv=notrunc 2>/dev/null
dd if="$T/loc.elf" of="$T/loc.elf" bs=4096 skip=$(( $(off_of $META) / 4096 )) seek=$(( $(off_of $STALEMETA) / 4096 )) count=1 conv=notrunc 2>/dev/null
count=$(od -An -tu4 -j $(( $(off_of $META) + 69 )) -N4 "$T/loc.elf" | tr -d ' ')
printf "\\$(printf %03o $((count - 1)))" | dd of="$T/loc.elf" bs=1 seek=$(( $(off_of $STALEMETA) + 69 )) conv=notrunc 2>/dev/null
# in the stale FDT copy, point kexec-metadata's preserved-data at the stale blob
pat=$(printf '%016x' $((META)) | sed 's/\(..\)/\1 /g' | awk '{for (i = 8; i >= 1; i--) printf "\\x%s", $i}')
poff=$(dd if="$T/loc.elf" bs=4096 skip=$(( $(off_of $STALE) / 4096 )) count=1 2>/dev/null | LC_ALL=C grep -obUaP "$pat" | head -1 | cut -d: -f1)
put_u64 "$T/loc.elf" $(( $(off_of $STALE) + poff )) $STALEMETA

ki -j locate "$T/loc.elf"
expect_rc "locate two FDTs: exits 0" 0
expect_json "locate: JSON valid"
expect_jq "locate: two candidates" '.candidates | length == 2'
expect_jq "locate: the live one ranks first" ".candidates[0].fdt_phys == \"$FDTPA\" and .candidates[0].rank == 1"
expect_jq "locate: kexec counts read" ".candidates[0].kexec_metadata.kexec_count == $count and .candidates[1].kexec_metadata.kexec_count == $((count - 1))"
expect_jq "locate: both maps clean at 4K" '[.candidates[].clean_page_sizes] == [[4096],[4096]]'
expect_jq "locate: release read" '.candidates[0].kexec_metadata.previous_release == "7.1.0-khoref"'
ki locate "$T/loc.elf"
expect_grep "locate text: rank 1 line" "$T/out" "^   1  $FDTPA .*count $count, 7.1.0-khoref"

# list takes the newest and says why
truth_blocks "$TR" >"$T/want"
expect_blocks "list with a stale copy" "$T/want" "$T/loc.elf"
expect_jq "list says why it chose" '.kho.fdt_found_by | test("newest: kexec-metadata count")'

# a stale copy whose map does not decode: the clean one wins
dd if="$T/loc.elf" of="$T/loc.elf" bs=4096 skip=$(( $(off_of $FDTPA) / 4096 )) seek=$(( $(off_of $STALE2) / 4096 )) count=1 conv=notrunc 2>/dev/null
ROOT=$(jq -r .memory_map_phys "$TR")
pat=$(printf '%016x' $((ROOT)) | sed 's/\(..\)/\1 /g' | awk '{for (i = 8; i >= 1; i--) printf "\\x%s", $i}')
poff=$(dd if="$T/loc.elf" bs=4096 skip=$(( $(off_of $STALE2) / 4096 )) count=1 2>/dev/null | LC_ALL=C grep -obUaP "$pat" | head -1 | cut -d: -f1)
put_u64 "$T/loc.elf" $(( $(off_of $STALE2) + poff )) $((ROOT + 8))
ki -j locate "$T/loc.elf"
expect_jq "locate: three candidates, the unclean one last" ".candidates | length == 3 and .[2].clean == false and .[2].fdt_phys == \"0x$(printf %x $STALE2)\""

# nothing there
head -c 65536 /dev/zero >"$T/zero.raw"
ki locate --format raw "$T/zero.raw"
expect_rc "locate in zeros: exits 2" 2
expect_grep "locate in zeros: says so" "$T/err" 'no KHO FDT found'
ki locate
expect_rc "locate without input: exits 2" 2
rm -f "$T/loc.elf"
