# SPDX-License-Identifier: GPL-2.0-or-later
# Inputs people actually pass (issue 14): an empty file, compressed dumps,
# pipes and devices, --format that the file's magic contradicts. Each gets
# one line naming the file and what to do, exit 2; nothing hangs.

I="$T/inputs"
mkdir -p "$I"
xz -dc "$FIX/golden/v3-x86_64-4k.elf.xz" >"$I/v3.elf"
xz -dc "$FIX/qemu/q35-64m-v1-512.kdump-zlib.xz" >"$I/q.kdump"

: >"$I/empty"
for cmd in list verify locate fdt; do
	ki "$cmd" "$I/empty"
	expect_rc "empty: $cmd exits 2" 2
	expect_grep "empty: $cmd says it is empty" "$T/err" "^khoinspect: $I/empty: is empty \\(0 bytes\\)"
done
ki -j list "$I/empty"
expect_jq "empty, -j: one JSON error" '.errors[0].message | test("is empty")'
ki list --format raw --base 0 "$I/empty"
expect_grep "empty, --format raw: says it is empty" "$T/err" "is empty"
ki list --mem "$I/empty" "$FIX/golden/debugfs/v3-x86_64-4k/out"
expect_rc "empty --mem exits 2" 2
expect_grep "empty --mem: named" "$T/err" "empty: --mem: is empty"

# Compressed dumps: made by the tools themselves, and by magic alone
head -c 65536 "$I/v3.elf" >"$I/head.elf"
for z in "gzip gz gzip -dk" "xz xz xz -dk" "zstd zst zstd -d" "bzip2 bz2 bzip2 -dk" "lz4 lz4 lz4 -d"; do
	set -- $z
	tool=$1 ext=$2
	shift 2
	hint="$*"
	if command -v "$tool" >/dev/null 2>&1; then
		"$tool" -c "$I/head.elf" >"$I/d.$ext" 2>/dev/null
		ki list "$I/d.$ext"
		expect_rc "$tool: exits 2" 2
		expect_grep "$tool: says so and how" "$T/err" "d\\.$ext: compressed with $tool: decompress it first, e\\.g\\. \`$hint $I/d\\.$ext\`"
	fi
done
# by magic, whatever made them (RFC 1952, xz file format, RFC 8878, bzip2, lz4 frame)
printf '\037\213\010\000' >"$I/m.gz"
printf '\3757zXZ\000\000\004' >"$I/m.xz"
printf '(\265/\375\044\000' >"$I/m.zst"
printf 'BZh91AY&SY' >"$I/m.bz2"
printf '\004"M\030\144\100' >"$I/m.lz4"
for m in gz:gzip xz:xz zst:zstd bz2:bzip2 lz4:lz4; do
	ki list "$I/m.${m%%:*}"
	expect_grep "magic ${m%%:*}: compressed with ${m#*:}" "$T/err" "compressed with ${m#*:}: decompress it first"
done
# "BZh" without a block size digit is no bzip2 stream
printf 'BZhx' >"$I/notbz"
ki list "$I/notbz"
expect_grep "BZh without a digit: not called bzip2" "$T/err" "not a format khoinspect recognises"
# --format raw: the user says it is memory; read, with a warning
ki list --format raw --base 0 "$I/m.xz"
expect_grep "xz with --format raw: a warning says what it looks like" "$T/err" "looks like xz data" 

# Pipes and devices: refused at once (opening a FIFO with no writer would block)
mkfifo "$I/fifo"
ki list "$I/fifo"
expect_rc "fifo: exits 2" 2
expect_grep "fifo: needs a regular file" "$T/err" "fifo: needs a regular file: this is a pipe"
ki list --format raw --base 0 "$I/fifo"
expect_grep "fifo --format raw: needs a regular file" "$T/err" "needs a regular file: this is a pipe"
ki list /dev/null
expect_rc "/dev/null: exits 2" 2
expect_grep "/dev/null: a character device" "$T/err" "^khoinspect: /dev/null: needs a regular file: this is a character device"
ki snapshot /dev/null -o "$I/never.json"
expect_rc "snapshot /dev/null: exits 2" 2
[ -e "$I/never.json" ] && bad "snapshot /dev/null: no manifest" "one was written" || ok "snapshot /dev/null: no manifest"
# a process substitution's pipe, written to
"$KI" list "$I/fifo" </dev/null >"$T/out" 2>"$T/err" &
sleep 0.1 2>/dev/null || sleep 1
if kill -0 $! 2>/dev/null; then kill $!; bad "fifo: does not block" "still running"; else ok "fifo: does not block"; fi
wait

# --format X on a file whose magic says Y
ki list --format kdump "$I/v3.elf"
expect_rc "--format kdump on ELF: exits 2" 2
expect_grep "--format kdump on ELF: says it is ELF" "$T/err" "v3\\.elf: --format kdump, but this is an ELF file .*give --format elf or leave --format out"
ki list --format elf "$I/q.kdump"
expect_rc "--format elf on kdump: exits 2" 2
expect_grep "--format elf on kdump: says it is kdump" "$T/err" "--format elf, but this is a kdump-compressed dump .*give --format kdump"
ki list --format elf "$I/d.xz"
expect_grep "--format elf on xz: says it is xz" "$T/err" "--format elf, but this is xz-compressed data"
ki list --format kdump "$FIX/golden/debugfs/v3-x86_64-4k/out/fdt"
expect_grep "--format kdump on an FDT: says so" "$T/err" "--format kdump, but this is a bare FDT blob"
head -c 8192 /dev/zero >"$I/zeros"
ki list --format elf "$I/zeros"
expect_grep "--format elf on zeros: no magic, raw hint" "$T/err" "--format elf, but this is of no format khoinspect knows .*--format raw and --base"
ki -j list --format elf "$I/q.kdump"
expect_json "--format mismatch, -j: one JSON document"
expect_jq "--format mismatch, -j: the error" '.errors[0].message | test("kdump-compressed")'
ki list --format raw --base 0 "$I/v3.elf"
expect_grep "--format raw on ELF: warns what it looks like" "$T/out" "looks like an ELF file"
ki -j list --format raw --base 0 "$I/v3.elf"
expect_jq "--format raw on ELF, -j: the warning is a finding" '[.findings[] | select(.id == "format-override" and .severity == "warning")] | length == 1'
ki list --format bogus "$I/v3.elf"
expect_rc "--format bogus: exits 2" 2
expect_grep "--format bogus: named" "$T/err" '--format takes auto, elf, kdump or raw, not "bogus"'
# the right --format still reads
ki -j list --summary --format kdump "$I/q.kdump"
expect_rc "--format kdump on kdump: exits 0" 0
ki -j list --summary --format elf "$I/v3.elf"
expect_rc "--format elf on ELF: exits 0" 0
