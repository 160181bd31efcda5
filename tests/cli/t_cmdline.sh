# SPDX-License-Identifier: GPL-2.0-or-later
# A command line that forgives order (issue 14): global options before or
# after the command, "`--base` needs an argument" for every option that
# takes a value (read from each command's own --help), every usage error one
# JSON document under -j, and repeated findings grouped.

C="$T/cmdline"
mkdir -p "$C"
xz -dc "$FIX/golden/v3-x86_64-4k.elf.xz" >"$C/v3.elf"

# -j -p -q -v after the command: the same output as before it
for cmd in "list" "list --owners" "verify" "fdt" "locate"; do
	ki -j $cmd "$C/v3.elf"
	cp "$T/out" "$C/before"
	ki $cmd "$C/v3.elf" -j
	expect_same "$cmd: -j after the command = before it" "$C/before" "$T/out"
	ki $cmd -p "$C/v3.elf"
	expect_json "$cmd: -p after the command: JSON"
done
ki -v verify "$C/v3.elf"
cp "$T/out" "$C/before"
ki verify "$C/v3.elf" -v
expect_same "verify: -v after the command = before it" "$C/before" "$T/out"
expect_grep "verify -v after: info findings shown" "$T/out" '^info:'
ki verify --verbose "$C/v3.elf"
expect_same "verify: --verbose after the command" "$C/before" "$T/out"
ki list -jq --summary "$C/v3.elf"
expect_rc "list -jq (a cluster): exits 0" 0
expect_json "list -jq: JSON"
ki list --quiet --summary "$C/v3.elf"
expect_rc "list --quiet: exits 0" 0
ki -q snapshot "$C/v3.elf" -o "$C/m0.json"
rc0=$RC
ki snapshot "$C/v3.elf" -q -o "$C/m.json"
expect_rc "snapshot -q after the command: the exit status of -q before it" "$rc0"
expect_same "snapshot -q after the command: the same manifest" "$C/m0.json" "$C/m.json"
ki diff "$C/m.json" "$C/v3.elf" -j
expect_json "diff: -j after the command: JSON"
# Every command (read from khoinspect --help, so a new one needs a row
# here), every global option after the command: the same exit status and
# stdout as before it (map takes no -j: the same usage error either way).
ki --help
sed -n '/^Commands:/,/^$/s/^  \([a-z]\{1,\}\) .*/\1/p' "$T/out" | grep -vx help >"$C/commands"
if [ "$(wc -l <"$C/commands")" -ge 8 ]; then ok "commands read from --help"; else bad "commands read from --help" "$(tr '\n' ' ' <"$C/commands")"; fi
while read -r cmd; do
	case $cmd in
	list | verify | snapshot | fdt | locate | map) args="$C/v3.elf" ;;
	lookup) args="$C/v3.elf 0x1000 0x100608000" ;;
	diff) args="$C/v3.elf $C/v3.elf" ;;
	*) bad "global options after $cmd" "no row for the command \"$cmd\" in t_cmdline.sh"; continue ;;
	esac
	for g in -j -p -q -v --json --quiet --verbose --color=never --color=always; do
		ki $g $cmd $args
		rc0=$RC
		cp "$T/out" "$C/before"
		ki $cmd $args $g
		expect_rc "$cmd $g after the command: the exit status of $g before it" "$rc0"
		expect_same "$cmd $g after the command: stdout as before it" "$C/before" "$T/out"
		ki $cmd $g $args
		expect_same "$cmd $g between the command and INPUT: stdout as before it" "$C/before" "$T/out"
	done
	ki $cmd --color=pink $args
	expect_rc "$cmd --color=pink: exits 2" 2
	expect_grep "$cmd --color=pink: says what --color takes" "$T/err" "^khoinspect: $cmd: --color takes auto, never or always"
	ki $cmd -x $args
	expect_grep "$cmd -x: unknown option" "$T/err" "^khoinspect: $cmd: unknown option \`-x\`$"
done <"$C/commands"

# a file named like an option, after --
cp "$C/v3.elf" "$C/-j"
(cd "$C" && "$KI" list --summary -- -j >"$T/out" 2>"$T/err")
RC=$?
expect_rc "list -- -j: a file named -j" 0
expect_grep "list -- -j: text, not JSON" "$T/out" '^compatible:'

# Every option that takes a value, as the last word: "needs an argument"
while read -r cmd; do
	ki "$cmd" --help
	grep -oE '^ +(-[a-z], )?--[a-z0-9-]+[ =][A-Z]' "$T/out" | grep -oE -- '--[a-z0-9-]+' | sort -u >"$C/valued"
	[ -s "$C/valued" ] || { bad "$cmd --help: options with values found" "none"; continue; }
	while read -r opt; do
		ki "$cmd" "$opt"
		expect_rc "$cmd $opt (no value): exits 2" 2
		expect_grep "$cmd $opt (no value): needs an argument" "$T/err" "^khoinspect: $cmd: \`$opt\` needs an argument$"
		ki -j "$cmd" "$opt"
		expect_jq "$cmd -j $opt (no value): one JSON usage error" \
			".errors | length == 1 and .[0].code == \"usage\" and .[0].command == \"$cmd\" and (.[0].message | test(\"needs an argument\"))"
	done <"$C/valued"
done <"$C/commands"
ki snapshot "$C/v3.elf" -o
expect_grep "snapshot -o (no value): needs an argument" "$T/err" '`-o` needs an argument'
ki --color
expect_grep "--color (no value): needs an argument" "$T/err" '^khoinspect: `--color` needs an argument'

# Under -j every error is one JSON document on stdout, -j before or after
jq_usage='.schema_version == 2 and (.errors | length == 1) and .errors[0].code == "usage"'
for args in "-j list --bogus $C/v3.elf" "list --bogus $C/v3.elf -j" "list -x $C/v3.elf --json" \
	"-j list" "-j list a b" "-j list --order 99 $C/v3.elf" "-j list --format bogus $C/v3.elf" \
	"-j list --blocks --summary $C/v3.elf" "-j frobnicate" "-j" "-j --bogus list" \
	"-j --color=pink list $C/v3.elf" "-jp verify --base zz $C/v3.elf" "-j diff $C/v3.elf" \
	"-j snapshot" "-j locate" "-j fdt --raw"; do
	ki $args
	expect_rc "usage error, JSON ($args): exits 2" 2
	expect_json "usage error, JSON ($args): stdout is one JSON document"
	expect_jq "usage error, JSON ($args): a usage error" "$jq_usage"
	expect_grep "usage error, JSON ($args): also on stderr" "$T/err" '^khoinspect: '
done
ki -j frobnicate
expect_jq "unknown command, JSON: command is null" '.errors[0].command == null and (.errors[0].message | test("no command \"frobnicate\""))'
ki list --bogus "$C/v3.elf"
expect_rc "usage error, text: exits 2" 2
expect_grep "usage error, text: names the option" "$T/err" "^khoinspect: list: unknown option \`--bogus\`$"
if [ -s "$T/out" ]; then bad "usage error, text: stdout empty" "$(head -c 80 "$T/out")"; else ok "usage error, text: stdout empty"; fi
ki list -Z "$C/v3.elf"
expect_grep "usage error: an unknown short option" "$T/err" "unknown option \`-Z\`"

# Repeated findings: the radix root page all 0xff. A 4 KiB root table has
# 512 entries; with 4 KiB pages the root index is at most 3 (keys stop at
# bit 52, 6 levels: docs/formats.md §2.4), so entries 0-3 are unaligned
# pointers and 4-511 keys out of range: 4 + 508 error findings.
root=$(jq -r .memory_map_phys "$FIX/golden/v3-x86_64-4k.truth.json")
cp "$C/v3.elf" "$C/ff.elf"
python3 - "$C/ff.elf" "$root" <<'PY'
import struct, sys
path, root = sys.argv[1], int(sys.argv[2], 16)
with open(path, "r+b") as f:
    hdr = f.read(64)
    phoff, = struct.unpack_from("<Q", hdr, 32)
    phnum, = struct.unpack_from("<H", hdr, 56)
    f.seek(phoff)
    ph = f.read(56 * phnum)
    for i in range(phnum):
        t, _, off, _, pa, fs, _, _ = struct.unpack_from("<IIQQQQQQ", ph, 56 * i)
        if t == 1 and pa <= root < pa + fs:
            f.seek(off + root - pa)
            f.write(b"\xff" * 4096)
PY
ki list --summary "$C/ff.elf"
expect_rc "0xff root: list exits 2" 2
n=$(grep -c 'key-out-of-range' "$T/out")
if [ "$n" = 1 ]; then ok "0xff root: key-out-of-range is one line"; else bad "0xff root: key-out-of-range is one line" "$n lines"; fi
expect_grep "0xff root: the count, an address, the first message" "$T/out" \
	"^  error   key-out-of-range: 508 times, at $root; the first: radix root at $root entry 4 "
expect_grep "0xff root: 4 unaligned pointers" "$T/out" "^  error   map-pointer-unaligned: 4 times, at 0xffffffffffffffff; the first: "
ki verify "$C/ff.elf"
expect_grep "0xff root, verify: grouped too" "$T/out" "^  key-out-of-range: 508 times, at $root; the first: "
# up to 3 of one id stay one line each
n=$(grep -c '^  blob-not-preserved at ' "$T/out")
if [ "$n" = 3 ]; then ok "0xff root, verify: 3 blob-not-preserved, one line each"; else bad "0xff root, verify: 3 blob-not-preserved, one line each" "$n lines"; fi
ki -j list "$C/ff.elf"
expect_jq "0xff root, JSON: 100 key-out-of-range kept" '[.findings[] | select(.id == "key-out-of-range")] | length == 100'
expect_jq "0xff root, JSON: 408 counted in findings_capped" '.findings_capped == {"key-out-of-range": 408}'
expect_jq "0xff root, JSON: the 4 unaligned kept" '[.findings[] | select(.id == "map-pointer-unaligned")] | length == 4'
ki -j list "$C/v3.elf"
expect_jq "golden, JSON: findings_capped empty" '.findings_capped == {}'
