# SPDX-License-Identifier: GPL-2.0-or-later
# Bad input: a clear message naming the file, exit 2, never a crash.

ki list "$T/does-not-exist"
expect_rc "missing file exits 2" 2
expect_grep "missing file named" "$T/err" "does-not-exist: cannot open the dump: No such file"

: >"$T/empty"
ki list "$T/empty"
expect_rc "empty file exits 2" 2
expect_grep "empty file: says so" "$T/err" 'empty: is empty \(0 bytes\)'

ki -j list "$T/empty"
expect_rc "empty file, JSON: exits 2" 2
expect_json "empty file, JSON: stdout is still one JSON document"
expect_jq "empty file, JSON: errors array" '.errors[0].code == "format" and (.errors[0].path | endswith("empty"))'

xz -dc "$FIX/golden/v3-x86_64-4k.elf.xz" >"$T/v3.elf"

# Truncated inside the ELF header / program headers
head -c 40 "$T/v3.elf" >"$T/trunc-hdr.elf"
ki list "$T/trunc-hdr.elf"
expect_rc "truncated ELF header exits 2" 2
expect_grep "truncated ELF header explained" "$T/err" 'trunc-hdr.elf: ELF header'
head -c 100 "$T/v3.elf" >"$T/trunc-ph.elf"
ki list "$T/trunc-ph.elf"
expect_rc "truncated program headers exit 2" 2
expect_grep "truncated program headers explained" "$T/err" 'trunc-ph.elf: .*program header'

# Cut inside the second PT_LOAD (which holds the FDT and the map): warned at
# open, and since the FDT page is gone nothing can be listed.
head -c $((0x801000 + 0x100000)) "$T/v3.elf" >"$T/cut.elf"
ki list "$T/cut.elf"
expect_rc "PT_LOAD past EOF, FDT lost: exits 2" 2
expect_grep "no KHO FDT found explained" "$T/err" 'no KHO FDT found'

# Cut after the FDT page but before the map: PT_LOAD warning, map errors as
# findings, exit 2, output still produced.
head -c $((0x801000 + 0x609000)) "$T/v3.elf" >"$T/cut2.elf"
ki -j list "$T/cut2.elf"
expect_rc "map past EOF: exits 2" 2
expect_json "map past EOF: JSON still valid"
expect_jq "map past EOF: segment-past-eof warning" '[.findings[].id] | index("segment-past-eof") != null'
expect_jq "map past EOF: map errors reported" '[.findings[] | select(.severity == "error")] | length > 0'
expect_grep "map past EOF: stderr says incomplete" "$T/err" 'listing is incomplete'

# Not a core: ET_EXEC
printf '\002' | dd of="$T/v3.elf" bs=1 seek=16 conv=notrunc 2>/dev/null
ki list "$T/v3.elf"
expect_rc "ET_EXEC exits 2" 2
expect_grep "ET_EXEC explained" "$T/err" 'not ET_CORE'
printf '\004' | dd of="$T/v3.elf" bs=1 seek=16 conv=notrunc 2>/dev/null

# No PT_LOAD: e_phnum = 1 leaves only the PT_NOTE
printf '\001\000' | dd of="$T/v3.elf" bs=1 seek=56 conv=notrunc 2>/dev/null
ki list "$T/v3.elf"
expect_rc "no PT_LOAD exits 2" 2
expect_grep "no PT_LOAD explained" "$T/err" 'no PT_LOAD'
printf '\003\000' | dd of="$T/v3.elf" bs=1 seek=56 conv=notrunc 2>/dev/null

# Flattened makedumpfile and kdump-compressed are named, with a hint
{ printf 'makedumpfile'; head -c 4084 /dev/zero; } >"$T/flat"
ki list "$T/flat"
expect_rc "flattened exits 2" 2
expect_grep "flattened: makedumpfile -R hint" "$T/err" 'makedumpfile -R'


# Random bytes as raw memory: nothing found, exit 2
head -c 65536 /dev/urandom >"$T/noise"
ki list --format raw "$T/noise"
expect_rc "noise exits 2" 2
expect_grep "noise: no KHO FDT" "$T/err" 'no KHO FDT found'

# The dump is opened read-only: a read-only file works
cp "$T/v3.elf" "$T/ro.elf"; chmod 0400 "$T/ro.elf"
ki list --summary "$T/ro.elf"
expect_rc "read-only input works" 0

# A filtered page under the map (makedumpfile -E: p_filesz < p_memsz): the
# FDT is stored, the radix root (0x1006f6000) is in the unstored tail:
# "not-in-dump", not corruption. PT_LOAD #2's p_filesz is at 64+2*56+32.
xz -dc "$FIX/golden/v3-x86_64-4k.elf.xz" >"$T/filt.elf"
printf '\000\000\157\000' | dd of="$T/filt.elf" bs=1 seek=$((64 + 2 * 56 + 32)) conv=notrunc 2>/dev/null
ki -j list "$T/filt.elf"
expect_rc "filtered map root: exits 2" 2
expect_jq "filtered map root: not-in-dump at the root" '[.findings[] | select(.id == "not-in-dump" and .phys == "0x1006f6000") | .message | test("filtered")] == [true]'
ki -j verify "$T/filt.elf"
expect_rc "filtered map root: verify exits 1" 1

# --mem that cannot be read (a stand-in for a /proc/kcore without root)
ki list --mem "$T" "$FIX/golden/debugfs/v3-x86_64-4k"
expect_rc "unreadable --mem: exits 2" 2
expect_grep "unreadable --mem: names it" "$T/err" "$T"
rm -f "$T/filt.elf"
