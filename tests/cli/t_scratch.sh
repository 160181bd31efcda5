# SPDX-License-Identifier: GPL-2.0-or-later
# Scratch areas found in memory: an x86 setup_data SETUP_KEXEC_KHO record,
# or a boot DTB's /chosen linux,kho-scratch, naming the chosen FDT and the
# scratch array ({u64 addr, u64 size}[]) the golden image holds at its
# truth scratch_phys.

G="$FIX/golden"
TR="$G/v3-x86_64-4k.truth.json"
FDTPA=$(jq -r .fdt_phys "$TR")
SPHYS=$(jq -r .scratch_phys "$TR")
off_of() { echo $(( $1 >= 0x100000000 ? $1 - 0x100000000 + 0x801000 : $1 + 0x1000 )); }
put_u64() {
	v=$3; s=""
	for _ in 1 2 3 4 5 6 7 8; do s="$s$(printf '\\%03o' $((v & 255)))"; v=$((v >> 8)); done
	printf "$s" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
jq -c '[.scratch[] | {start, size}]' "$TR" >"$T/want-scratch"

# setup_data at 0x7fd000 (a free page of the first region)
xz -dc "$G/v3-x86_64-4k.elf.xz" >"$T/sd.elf"
SD=$(off_of 0x7fd000)
put_u64 "$T/sd.elf" $SD 0
put_u64 "$T/sd.elf" $((SD + 8)) $(( 10 | (32 << 32) ))
put_u64 "$T/sd.elf" $((SD + 16)) $((FDTPA))
put_u64 "$T/sd.elf" $((SD + 24)) 4096
put_u64 "$T/sd.elf" $((SD + 32)) $((SPHYS))
put_u64 "$T/sd.elf" $((SD + 40)) 16
ki -j list --summary "$T/sd.elf"
expect_rc "setup_data: exits 0" 0
jq -c '[.scratch[] | {start, size}]' "$T/out" >"$T/got-scratch"
expect_same "setup_data: scratch areas = truth" "$T/want-scratch" "$T/got-scratch"
expect_jq "setup_data: source named" '.scratch[0].source | test("setup_data SETUP_KEXEC_KHO at 0x7fd000")'
ki -j verify "$T/sd.elf"
expect_rc "setup_data: verify with the scratch areas passes" 0
expect_jq "setup_data: scratch checks ran" '[.findings[].id] | index("scratch-unknown") == null'
# the golden writer put the array (0x257000) outside its one scratch area
# (0x400000-0x800000); a kernel's kexec_file_load puts it inside
expect_jq "setup_data: scratch-array-outside at the array" "[.findings[] | select(.id == \"scratch-array-outside\") | .phys] == [\"$SPHYS\"]"
# a scratch_size of 20 is not whole 16-byte entries: not a record
put_u64 "$T/sd.elf" $((SD + 40)) 20
ki -j list --summary "$T/sd.elf"
expect_jq "setup_data: scratch_size 20 is not taken for a record" '.scratch == []'
put_u64 "$T/sd.elf" $((SD + 40)) 16
# --scratch still wins
ki -j list --summary --scratch 0x40000000:0x200000 "$T/sd.elf"
expect_jq "--scratch overrides setup_data" '.scratch == [{"start":"0x40000000","size":"0x200000","source":"--scratch"}]'
# the array still all zeros (a dump at the jump, before kexec copied it):
# no 0x0-0x0 area, and verify says the scratch checks were not done
SA=$(off_of $((SPHYS)))
put_u64 "$T/sd.elf" $SA 0
put_u64 "$T/sd.elf" $((SA + 8)) 0
ki -j list --summary "$T/sd.elf"
expect_rc "unfilled array: list exits 0" 0
expect_jq "unfilled array: no scratch area reported" '.scratch == []'
expect_jq "unfilled array: said where it was found" "[.findings[] | select(.id == \"scratch-array-unfilled\") | .phys] == [\"$SPHYS\"]"
ki list --summary "$T/sd.elf"
expect_grep "unfilled array: text says not filled yet" "$T/out" "^scratch: *unknown: the scratch array at $SPHYS, named by x86 setup_data SETUP_KEXEC_KHO at 0x7fd000 is not filled yet"
expect_no_grep "unfilled array: no 0x0-0x0 area" "$T/out" '0x0-0x0'
ki -j verify "$T/sd.elf"
expect_jq "unfilled array: verify says scratch areas unknown" '[.findings[].id] | index("scratch-unknown") != null'
ki verify "$T/sd.elf"
expect_grep "unfilled array: verify text says the scratch checks were not done" "$T/out" '^checked: .*scratch checks not done: scratch areas unknown$'
# an entry with an address but size 0: not an area either
put_u64 "$T/sd.elf" $SA 0x40000000
ki -j list --summary "$T/sd.elf"
expect_jq "size-0 entry: not reported as an area" '.scratch == []'
expect_jq "size-0 entry: warned at the entry" "[.findings[] | select(.id == \"scratch-area-empty\") | .phys] == [\"$SPHYS\"]"
xz -dc "$G/v3-x86_64-4k.elf.xz" >"$T/sd.elf"
put_u64 "$T/sd.elf" $SD 0
put_u64 "$T/sd.elf" $((SD + 8)) $(( 10 | (32 << 32) ))
put_u64 "$T/sd.elf" $((SD + 16)) $((FDTPA))
put_u64 "$T/sd.elf" $((SD + 24)) 4096
put_u64 "$T/sd.elf" $((SD + 32)) $((SPHYS))
put_u64 "$T/sd.elf" $((SD + 40)) 16

# a record for another FDT is ignored
put_u64 "$T/sd.elf" $((SD + 16)) $((FDTPA + 0x1000))
ki -j list --summary "$T/sd.elf"
expect_jq "setup_data for another FDT: ignored" '.scratch == []'

# a boot DTB (arm64 style) at the free page 0x7fc000
cat >"$T/boot.dts" <<DTS
/dts-v1/;
/ {
	#address-cells = <2>;
	#size-cells = <2>;
	compatible = "linux,dummy-virt";
	chosen {
		linux,kho-fdt = <0x$(printf %x $((FDTPA >> 32))) 0x$(printf %x $((FDTPA & 0xffffffff))) 0x0 0x1000>;
		linux,kho-scratch = <0x0 $SPHYS 0x0 0x10>;
	};
};
DTS
if dtc -I dts -O dtb -o "$T/boot.dtb" "$T/boot.dts" 2>/dev/null; then
	xz -dc "$G/v3-x86_64-4k.elf.xz" >"$T/dtb.elf"
	dd if="$T/boot.dtb" of="$T/dtb.elf" bs=1 seek=$(off_of 0x7fc000) conv=notrunc 2>/dev/null
	ki -j list --summary "$T/dtb.elf"
	jq -c '[.scratch[] | {start, size}]' "$T/out" >"$T/got-scratch"
	expect_same "boot DTB: scratch areas = truth" "$T/want-scratch" "$T/got-scratch"
	expect_jq "boot DTB: source named" '.scratch[0].source | test("linux,kho-scratch")'
	expect_jq "boot DTB: not taken for a KHO FDT" ".kho.fdt_phys == \"$FDTPA\""
else
	bad "boot DTB" "dtc failed"
fi
rm -f "$T/sd.elf" "$T/dtb.elf"
