# SPDX-License-Identifier: GPL-2.0-or-later
# The trust matrix (issue #14): every command x every damage class -> the
# exit status it must give, and no success printed ("result: pass",
# "result: same", exit 0 ...) where the status is not 0.
#
# Data-driven: TRUST_CMDS (how each command is run on an input) and
# TRUST_DAMAGE (how each damaged input is made) name the axes, TRUST_CELLS
# holds one line per cell: "COMMAND DAMAGE STATUS". The commands are read
# from `khoinspect --help`: a command there without a row here, or a
# command or damage class without a cell for each of the other axis,
# fails the test. To add a damage class: a line in TRUST_DAMAGE, a
# trust_make_CLASS function, and one cell per command.
# nomem: the intact input with its allocation half-way through failing
# (the fault build of t_oom.sh, $KI_FAULT; skipped without it).

TRUST_CMDS='
list            list
list-owners     list --owners
verify          verify
verify-against  verify --against MANIFEST
snapshot        snapshot -o OUT
diff-dumps      diff INPUT INPUT
diff-manifests  diff MANIFEST(INPUT) MANIFEST(INPUT)
fdt             fdt
locate          locate
map             map
lookup          lookup INPUT 0x1000
'
TRUST_DAMAGE='
intact       the golden image, every block in the dump (khogen)
mangle       the mangle corpus: radix root 0xff, a cycle, an unaligned and an outside pointer
truncated    the dump cut in the middle of the segment that holds the map
excluded     the map pages excluded (p_filesz < p_memsz over them)
outside      a map page outside the dump
missing      ranges missing from the dump (the golden v3 image lacks some)
unreadable   the input cannot be read (no such file)
unwritable   the output cannot be written (stdout is /dev/full; snapshot -o in a missing directory)
nomem        an allocation fails half-way (the fault build, KI_FAULT_NTH; skipped without it)
'
TRUST_CELLS='
list intact 0
list mangle 2
list truncated 2
list excluded 2
list outside 2
list missing 0
list unreadable 2
list unwritable 2
list nomem 2
list-owners intact 0
list-owners mangle 2
list-owners truncated 2
list-owners excluded 2
list-owners outside 2
list-owners missing 0
list-owners unreadable 2
list-owners unwritable 2
list-owners nomem 2
verify intact 0
verify mangle 1
verify truncated 2
verify excluded 1
verify outside 1
verify missing 0
verify unreadable 2
verify unwritable 2
verify nomem 2
verify-against intact 0
verify-against mangle 0
verify-against truncated 2
verify-against excluded 2
verify-against outside 0
verify-against missing 2
verify-against unreadable 2
verify-against unwritable 2
verify-against nomem 2
snapshot intact 0
snapshot mangle 2
snapshot truncated 2
snapshot excluded 2
snapshot outside 2
snapshot missing 2
snapshot unreadable 2
snapshot unwritable 2
snapshot nomem 2
diff-dumps intact 0
diff-dumps mangle 2
diff-dumps truncated 2
diff-dumps excluded 2
diff-dumps outside 2
diff-dumps missing 2
diff-dumps unreadable 2
diff-dumps unwritable 2
diff-dumps nomem 2
diff-manifests intact 0
diff-manifests mangle 2
diff-manifests truncated 2
diff-manifests excluded 2
diff-manifests outside 2
diff-manifests missing 2
diff-manifests unreadable 2
diff-manifests unwritable 2
diff-manifests nomem 2
fdt intact 0
fdt mangle 0
fdt truncated 2
fdt excluded 0
fdt outside 0
fdt missing 0
fdt unreadable 2
fdt unwritable 2
fdt nomem 2
locate intact 0
locate mangle 0
locate truncated 2
locate excluded 0
locate outside 0
locate missing 0
locate unreadable 2
locate unwritable 2
locate nomem 2
map intact 0
map mangle 2
map truncated 2
map excluded 2
map outside 2
map missing 0
map unreadable 2
map unwritable 2
map nomem 2
lookup intact 0
lookup mangle 2
lookup truncated 2
lookup excluded 2
lookup outside 2
lookup missing 0
lookup unreadable 2
lookup unwritable 2
lookup nomem 2
'
# fdt and locate do not walk the map for their answer (fdt shows the FDT,
# locate ranks candidates and says which decode cleanly): damage to the map
# is not trouble for them; a dump cut before the FDT is. verify reports map
# damage as error findings (1). verify --against reads only what the
# manifest recorded, never the map: the mangled or outside map pages are
# not among the preserved ranges; its manifest is the golden image's
# without its gaps (as a complete dump of that hand-over gives), except
# for the class "missing": the golden image's own, gaps recorded.

TR="$T/trust"
mkdir -p "$TR"
trust_golden() { xz -dc "$FIX/golden/v3-x86_64-4k.elf.xz" >"$1"; }
trust_off() { echo $(( $1 >= 0x100000000 ? $1 - 0x100000000 + 0x801000 : $1 + 0x1000 )); }
TRUST_ROOT=$(jq -r .memory_map_phys "$FIX/golden/v3-x86_64-4k.truth.json")

# Each maker writes $TR/CLASS.N.elf (one or more inputs) and echoes nothing.
trust_make_intact() {
	"$GEN" --blocks "$TR/intact.blocks" -o "$TR/intact.1.elf" >/dev/null 2>&1
}
printf '0x100000 0\n0x101000 0\n0x104000 2\n0x200000 9\n' >"$TR/intact.blocks"
trust_make_mangle() {
	_r=$(trust_off "$TRUST_ROOT")
	trust_golden "$TR/mangle.1.elf"
	head -c 4096 /dev/zero | tr '\0' '\377' | dd of="$TR/mangle.1.elf" bs=1 seek="$_r" conv=notrunc 2>/dev/null
	trust_golden "$TR/mangle.2.elf"; put_u64 "$TR/mangle.2.elf" $((_r + 16)) $((TRUST_ROOT))
	trust_golden "$TR/mangle.3.elf"; put_u64 "$TR/mangle.3.elf" $((_r + 8)) $((TRUST_ROOT + 8))
	trust_golden "$TR/mangle.4.elf"; put_u64 "$TR/mangle.4.elf" $((_r + 8)) $((0x100800000))
}
trust_make_truncated() {
	trust_golden "$TR/full.elf"
	head -c $((0x801000 + 0x400000)) "$TR/full.elf" >"$TR/truncated.1.elf"
	rm -f "$TR/full.elf"
}
# PT_LOAD 1 (paddr 0x100000000) holds file bytes only up to the map root
trust_make_excluded() {
	trust_golden "$TR/excluded.1.elf"
	python3 - "$TR/excluded.1.elf" $((TRUST_ROOT - 0x100000000)) <<'PY'
import struct, sys
f = open(sys.argv[1], 'r+b'); h = f.read(64)
phoff, = struct.unpack_from('<Q', h, 32); phentsize, phnum = struct.unpack_from('<HH', h, 54)
for i in range(phnum):
    f.seek(phoff + i * phentsize); p = f.read(56)
    t, _, off, _, pa, fsz, msz, _ = struct.unpack('<IIQQQQQQ', p)
    if t == 1 and pa == 0x100000000:
        f.seek(phoff + i * phentsize + 32); f.write(struct.pack('<Q', int(sys.argv[2])))
PY
}
trust_make_outside() {
	trust_golden "$TR/outside.1.elf"
	put_u64 "$TR/outside.1.elf" $(( $(trust_off "$TRUST_ROOT") + 8 )) $((0x7000000000))
}
trust_make_missing() { trust_golden "$TR/missing.1.elf"; }
trust_make_unreadable() { :; }
trust_make_unwritable() { trust_make_intact; cp "$TR/intact.1.elf" "$TR/unwritable.1.elf"; }
trust_make_nomem() { cp "$TR/intact.1.elf" "$TR/nomem.1.elf"; }

# A cell run by the fault build: counted once, then run with the
# allocation half-way through failing.
trust_nomem() {
	_ki=$KI
	KI=$(realpath "$KI_FAULT")
	rm -f "$TR/nomem.count"
	export KI_FAULT_LOG="$TR/nomem.count"
	trust_run "$1" intact "$2"
	unset KI_FAULT_LOG
	export KI_FAULT_NTH=$(( $(tail -1 "$TR/nomem.count") / 2 + 1 ))
	trust_run "$1" intact "$2"
	unset KI_FAULT_NTH
	KI=$_ki
}

# trust_run CMD DAMAGE INPUT: run one cell; $RC, $T/out, $T/err as ki.
trust_run() {
	_in=$3
	if [ "$2" = nomem ]; then
		trust_nomem "$1" "$3"
		return
	fi
	case "$2" in unreadable) _in="$TR/no-such-dump.elf" ;; esac
	if [ "$2" = unwritable ] && [ "$1" != snapshot ]; then
		trust_full "$1" "$_in"
		return
	fi
	case "$1" in
	list) ki list "$_in" ;;
	list-owners) ki list --owners "$_in" ;;
	verify) ki verify "$_in" ;;
	verify-against)
		# missing: the manifest of that dump, which records its gaps
		if [ "$2" = missing ]; then ki verify --against "$TR/gaps.json" "$_in"
		else ki verify --against "$TR/clean.json" "$_in"; fi ;;
	snapshot)
		_o="$TR/snap.json"
		[ "$2" = unwritable ] && _o="$TR/no-such-dir/snap.json"
		ki snapshot "$_in" -o "$_o" ;;
	diff-dumps) ki diff "$_in" "$_in" ;;
	diff-manifests)
		rm -f "$TR/dm.json"
		"$KI" snapshot "$_in" -o "$TR/dm.json" >/dev/null 2>&1
		ki_spool_file "$TR/dm.json" snapshot "$_in" -o "$TR/dm.json"
		ki diff "$TR/dm.json" "$TR/dm.json" ;;
	fdt) ki fdt "$_in" ;;
	locate) ki locate "$_in" ;;
	map) ki map "$_in" ;;
	lookup) ki lookup "$_in" 0x1000 ;;
	*) RC=99; echo "no way to run $1" >"$T/err" ;;
	esac
}

# A cell with standard output on a full device (what was printed is lost:
# $T/out is empty, the status must say so).
trust_full() {
	: >"$T/out"
	case "$1" in
	diff-manifests)
		"$KI" snapshot "$2" -o "$TR/dm.json" >/dev/null 2>&1
		"$KI" diff "$TR/dm.json" "$TR/dm.json" >/dev/full 2>"$T/err" ;;
	verify-against) "$KI" verify --against "$TR/clean.json" "$2" >/dev/full 2>"$T/err" ;;
	list-owners) "$KI" list --owners "$2" >/dev/full 2>"$T/err" ;;
	diff-dumps) "$KI" diff "$2" "$2" >/dev/full 2>"$T/err" ;;
	lookup) "$KI" lookup "$2" 0x1000 >/dev/full 2>"$T/err" ;;
	*) "$KI" "$1" "$2" >/dev/full 2>"$T/err" ;;
	esac
	RC=$?
}

# the axes are complete: every command of --help has a row, every row a
# cell per damage class, every cell a known row and class
"$KI" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { on = 0 } on { print $1 }' |
	grep -v '^help$' >"$TR/commands"
[ -s "$TR/commands" ] && ok "trust: commands read from --help" || bad "trust: commands read from --help" "none found"
echo "$TRUST_CMDS" | awk 'NF { print $1 }' >"$TR/rows"
echo "$TRUST_DAMAGE" | awk 'NF { print $1 }' >"$TR/classes"
while read -r c; do
	if grep -q -e "^$c\$" -e "^$c-" "$TR/rows"; then ok "trust: command $c has a row"
	else bad "trust: command $c has a row" "no row in TRUST_CMDS for a command of --help"; fi
done <"$TR/commands"
while read -r r; do
	while read -r d; do
		n=$(echo "$TRUST_CELLS" | awk -v r="$r" -v d="$d" '$1 == r && $2 == d' | wc -l)
		[ "$n" -eq 1 ] || bad "trust: cell $r x $d" "$n cells (want exactly 1)"
	done <"$TR/classes"
done <"$TR/rows"
echo "$TRUST_CELLS" | awk 'NF' | while read -r r d want; do
	grep -qx "$r" "$TR/rows" && grep -qx "$d" "$TR/classes" || echo "$r $d"
done >"$TR/stray"
expect_same "trust: every cell names a known row and class" /dev/null "$TR/stray"
ncells=$(echo "$TRUST_CELLS" | awk 'NF' | wc -l)
[ "$ncells" -eq $(( $(wc -l <"$TR/rows") * $(wc -l <"$TR/classes") )) ] &&
	ok "trust: $(wc -l <"$TR/rows") commands x $(wc -l <"$TR/classes") classes = $ncells cells" ||
	bad "trust: matrix size" "$ncells cells"

# the inputs, and the manifest of the intact one for verify --against
while read -r d; do "trust_make_$d"; done <"$TR/classes"
trust_golden "$TR/clean.elf"
"$KI" snapshot "$TR/clean.elf" -o "$TR/gaps.json" >/dev/null 2>&1
ki_spool_file "$TR/gaps.json" snapshot "$TR/clean.elf" -o "$TR/gaps.json"
jq -c '.ranges |= map(select(has("start"))) | .incomplete = null' "$TR/gaps.json" >"$TR/clean.json"
[ -s "$TR/clean.json" ] || bad "trust: manifest of the golden image" "not written"
# verify --against of the intact (khogen) input: its own manifest
"$KI" snapshot "$TR/intact.1.elf" -o "$TR/intact.json" >/dev/null 2>&1
ki_spool_file "$TR/intact.json" snapshot "$TR/intact.1.elf" -o "$TR/intact.json"

echo "$TRUST_CELLS" | awk 'NF' >"$TR/cells"
while read -r r d want; do
	set -- "$TR/$d".*.elf
	[ -e "$1" ] || set -- "$TR/$d.none"
	for in in "$@"; do
		[ "$d" = nomem ] && [ -z "${KI_FAULT:-}" ] && continue
		if [ "$r" = verify-against ] && [ "$d" = intact ]; then
			cp "$TR/intact.json" "$TR/keep.json"; cp "$TR/clean.json" "$TR/clean.save"
			cp "$TR/intact.json" "$TR/clean.json"
		fi
		trust_run "$r" "$d" "$in"
		if [ "$r" = verify-against ] && [ "$d" = intact ]; then mv "$TR/clean.save" "$TR/clean.json"; fi
		name="trust: $r x $d ($(basename "$in"))"
		expect_rc "$name: exits $want" "$want"
		if [ "$want" != 0 ]; then
			if grep -qE -e '^result: +(pass|same)' -e '"result": *"pass"' -e '"same": *true' "$T/out" 2>/dev/null; then
				bad "$name: no success printed" "$(grep -E -e '^result:' "$T/out" | head -1)"
			else ok "$name: no success printed"; fi
		fi
	done
done <"$TR/cells"
rm -rf "$TR"
