# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the CLI tests (sourced by run.sh). POSIX sh.
# Every check prints "ok NAME" or "FAIL NAME: why" and counts.

PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); [ -n "${KI_TEST_VERBOSE:-}" ] && echo "ok   $1"; return 0; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1: $2"; [ -s "$T/err" ] && sed 's/^/     stderr: /' "$T/err" | head -5; return 0; }

# ki ARGS...: run khoinspect, stdout in $T/out, stderr in $T/err, status in $RC.
# Sanitizer reports are failures whatever the exit status. With
# KI_JSON_SPOOL set (run.sh), every JSON document it gives is kept there for
# validate_json.py, which run.sh runs at the end against schema/.
ki() {
	"$KI" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	if grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:' -e 'WARNING: ThreadSanitizer' "$T/err"; then
		echo "FAIL sanitizer: khoinspect $*"; sed 's/^/     /' "$T/err" | head -30
		FAIL=$((FAIL + 1))
	fi
	[ -n "${KI_JSON_SPOOL:-}" ] && ki_spool "$@"
	return 0
}

# ki_spool ARGS...: after khoinspect ARGS ran with its stdout in $T/out, keep
# the JSON documents it produced: stdout when it is one (-j, or a manifest on
# stdout), and the manifest of snapshot -o FILE.
ki_spool() {
	ki_spool_file "$T/out" "$@"
	_ks_o=""; _ks_prev=""
	for _ks_a in "$@"; do
		case $_ks_prev in -o | --output) _ks_o=$_ks_a ;; esac
		case $_ks_a in --output=*) _ks_o=${_ks_a#--output=} ;; -o?*) _ks_o=${_ks_a#-o} ;; esac
		_ks_prev=$_ks_a
	done
	[ -n "$_ks_o" ] && ki_spool_file "$_ks_o" "$@"
	return 0
}

# ki_spool_file FILE ARGS...: keep FILE when it is a JSON document (a regular
# file starting with "{") that khoinspect ARGS wrote; also for the calls that
# do not go through ki.
ki_spool_file() {
	[ -n "${KI_JSON_SPOOL:-}" ] && [ -f "$1" ] || return 0
	case $(head -c1 "$1") in "{") ;; *) return 0 ;; esac
	_ksf=$1; shift
	_ksf_to=$(mktemp "$KI_JSON_SPOOL/d.XXXXXXXX") &&
	cp "$_ksf" "$_ksf_to.json" && printf '%s\n' "${ki_test:-?}" "$@" >"$_ksf_to.args"
}

# expect_rc NAME WANT: the last ki call exited WANT.
expect_rc() {
	if [ "$RC" = "$2" ]; then ok "$1"; else bad "$1" "exit status $RC, expected $2"; fi
}

# expect_grep NAME FILE PATTERN (grep -E)
expect_grep() {
	if grep -qE -- "$3" "$2"; then ok "$1"; else bad "$1" "no line matching /$3/ in $(basename "$2")"; fi
}

expect_no_grep() {
	if grep -qE -- "$3" "$2"; then bad "$1" "unexpected line matching /$3/ in $(basename "$2")"; else ok "$1"; fi
}

# expect_json NAME: stdout of the last call is one valid JSON document.
expect_json() {
	if jq -e . "$T/out" >/dev/null 2>&1; then ok "$1"; else bad "$1" "stdout is not valid JSON"; fi
}

# expect_jq NAME FILTER: jq -e FILTER holds on stdout.
expect_jq() {
	if jq -e "$2" "$T/out" >/dev/null 2>&1; then ok "$1"; else bad "$1" "jq '$2' is false"; fi
}

# expect_same NAME WANT GOT: two files are identical.
expect_same() {
	if cmp -s "$2" "$3"; then ok "$1"; else
		bad "$1" "$(basename "$3") differs from $(basename "$2")"
		diff "$2" "$3" | head -6 | sed 's/^/     /'
	fi
}

# Expected blocks of a golden truth.json: "0xPHYS ORDER" lines, sorted.
truth_blocks() { jq -r '.blocks[] | "\(.[0]) \(.[1])"' "$1" | LC_ALL=C sort; }
# Expected blocks of a khogen --truth file.
gen_blocks() { grep -v '^#' "$1" | LC_ALL=C sort; }
# Blocks listed by `khoinspect -j list --blocks` (stdout of the last call).
got_blocks() { jq -r '.blocks[] | "\(.phys) \(.order)"' "$T/out" | LC_ALL=C sort; }
# Blocks obtained by expanding `khoinspect -j list` ranges (a second path).
got_range_blocks() {
	jq -r '.input.page_size as $ps | .ranges[] | "\(.start) \(.order) \(.blocks) \($ps)"' "$T/out" |
	while read -r start order n ps; do
		i=0; a=$((start)); step=$((ps << order))
		while [ "$i" -lt "$n" ]; do printf '0x%x %s\n' "$a" "$order"; a=$((a + step)); i=$((i + 1)); done
	done | LC_ALL=C sort
}

# expect_blocks NAME WANTFILE ARGS...: list --blocks and list (ranges) both
# give exactly the blocks in WANTFILE, and exit 0.
expect_blocks() {
	_eb_name=$1; _eb_want=$2; shift 2
	ki -j list --blocks "$@"
	expect_rc "$_eb_name: list --blocks exits 0" 0
	got_blocks >"$T/got"
	expect_same "$_eb_name: list --blocks = truth" "$_eb_want" "$T/got"
	ki -j list "$@"
	expect_rc "$_eb_name: list exits 0" 0
	got_range_blocks >"$T/got2"
	expect_same "$_eb_name: expanded ranges = truth" "$_eb_want" "$T/got2"
}
# put_u64 FILE OFFSET VALUE: little-endian u64 at a file offset
put_u64() {
	v=$3; s=""
	for _ in 1 2 3 4 5 6 7 8; do s="$s$(printf '\\%03o' $((v & 255)))"; v=$((v >> 8)); done
	printf "$s" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# offset_of_u64 FILE VALUE [SKIP]: file offset of the first little-endian u64
# VALUE at or after byte SKIP (default 0)
offset_of_u64() {
	_pat=$(printf '%016x' $(($2)) | sed 's/\(..\)/\1 /g' | awk '{for (i = 8; i >= 1; i--) printf "\\x%s", $i}')
	_o=$(tail -c +$((${3:-0} + 1)) "$1" | LC_ALL=C grep -obUaP "$_pat" | head -1 | cut -d: -f1)
	[ -n "$_o" ] && echo $((_o + ${3:-0}))
}
