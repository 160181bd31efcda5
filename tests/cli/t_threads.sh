# SPDX-License-Identifier: GPL-2.0-or-later
# list finds its ranges in a helper thread while the main one prints, and
# diff shares its parts with one (KHOINSPECT_THREADS=2 forces it, 1 forbids
# it): the output is the same byte for byte, also for the truth, and a
# reader that goes away stops both threads.

"$GEN" --random 30000 --max-order 3 --span 0x1000000000 --dense 0x40000000:5000 --seed 21 \
	--truth "$T/ta.truth" -o "$T/ta.elf" >/dev/null 2>&1
"$GEN" --random 30000 --max-order 3 --span 0x1000000000 --dense 0x40001000:5000 --seed 22 \
	-o "$T/tb.elf" >/dev/null 2>&1
ki -j list --summary "$T/ta.elf"
leaves=$(jq '.map.leaves' "$T/out")
if [ "$leaves" -gt 64 ]; then ok "threads: a map of $leaves leaves"; else bad "threads: a map of many leaves" "$leaves leaves"; fi

# run_both NAME ARGS...: the same output with and without the helper
run_both() {
	name=$1; shift
	export KHOINSPECT_THREADS=1
	ki "$@"
	rc1=$RC
	cp "$T/out" "$T/one"
	export KHOINSPECT_THREADS=2
	ki "$@"
	unset KHOINSPECT_THREADS
	if [ "$RC" = "$rc1" ]; then ok "$name: same exit status ($RC)"; else bad "$name: same exit status" "$rc1 alone, $RC with the helper"; fi
	expect_same "$name: same output with a helper thread" "$T/one" "$T/out"
}

run_both "list" list "$T/ta.elf"
gen_blocks "$T/ta.truth" >"$T/want"
grep '^  0x' "$T/out" | awk '{ split($1, r, "-"); print r[1], r[2], $3 }' |
while read -r s e o; do
	a=$((s)); step=$((4096 << o))
	while [ "$a" -lt "$((e))" ]; do printf '0x%x %s\n' "$a" "$o"; a=$((a + step)); done
done | LC_ALL=C sort >"$T/got"
expect_same "list with a helper thread: the truth's blocks" "$T/want" "$T/got"
run_both "list -j" -j list "$T/ta.elf"
run_both "list --order 2" list --order 2 "$T/ta.elf"

rm -f "$T/ta.elf" "$T/tb.elf" "$T/ta.truth"

# diff in two threads: the maps cut into parts no run crosses, every other
# part compared and printed into memory by the helper; the same output
# byte for byte but for the note that says so (-v)
"$GEN" --region 0:0x4000000 --random 200000 --max-order 3 --span 0x4000000000 \
	--dense 0x40000000:5000 --seed 21 -o "$T/ta.elf" >/dev/null 2>&1
"$GEN" --region 0:0x4000000 --random 200000 --max-order 3 --span 0x4000000000 \
	--dense 0x40001000:5000 --seed 22 -o "$T/tb.elf" >/dev/null 2>&1
run_both "diff" diff "$T/ta.elf" "$T/tb.elf"
expect_grep "diff: the shifted dense run" "$T/out" '^-0x40000000-0x40001000  blocks 1$'
expect_grep "diff: orders 0 to 3" "$T/out" '^@@ order 3 @@$'
run_both "diff --stat" diff --stat "$T/ta.elf" "$T/tb.elf"
run_both "diff --no-hash" diff --no-hash "$T/ta.elf" "$T/tb.elf"
run_both "diff -j (one thread whatever asked)" -j diff "$T/ta.elf" "$T/tb.elf"
# both sides opened at once: A's error, then B's, as one after the other
for pair in "$T/nope.elf $T/tb.elf" "$T/ta.elf $T/nope.elf" "$T/nope.elf $T/nope2.elf"; do
	export KHOINSPECT_THREADS=1
	ki diff $pair
	rc1=$RC
	cp "$T/err" "$T/err1"
	export KHOINSPECT_THREADS=2
	ki diff $pair
	unset KHOINSPECT_THREADS
	if [ "$RC" = 2 ] && [ "$rc1" = 2 ] && cmp -s "$T/err1" "$T/err"; then
		ok "diff opening in two threads: the same error ($(basename "${pair%% *}") ...)"
	else
		bad "diff opening in two threads: the same error" "exit $rc1 / $RC; $(head -1 "$T/err1") / $(head -1 "$T/err")"
	fi
done
KHOINSPECT_THREADS=2 "$KI" -v diff "$T/ta.elf" "$T/tb.elf" >"$T/out" 2>"$T/err"
expect_grep "diff: compared in two threads" "$T/out" '^note: compared in two threads, in [0-9]+ parts$'
KHOINSPECT_THREADS=1 "$KI" -v diff "$T/ta.elf" "$T/tb.elf" >"$T/out" 2>"$T/err"
expect_no_grep "diff: one thread when asked" "$T/out" 'two threads'

# contents changed in two ranges far apart (an order-1 and an order-3
# range in the captured region, found in the listing): exactly those two
# '!' lines, from whichever thread compared them (list pads its addresses
# to one width, diff does not: compared as numbers)
"$KI" list "$T/ta.elf" | awk 'function hex(x,  v, i) { v = 0; for (i = 3; i <= length(x); i++) v = v * 16 + index("0123456789abcdef", substr(x, i, 1)) - 1; return v }
	/^  0x/ { split($1, r, "-"); if (hex(r[1]) >= 1048576 && hex(r[2]) <= 67108864 && ($3 == 1 || $3 == 3)) printf "0x%x 0x%x %s %s\n", hex(r[1]), hex(r[2]), $3, $5 }' >"$T/inreg"
first=$(awk '$3 == 1' "$T/inreg" | head -1)
last=$(awk '$3 == 3' "$T/inreg" | tail -1)
if [ -n "$first" ] && [ -n "$last" ]; then
	cp "$T/ta.elf" "$T/tc.elf"
	for r in "$first" "$last"; do
		set -- $r
		# the PT_LOAD of [0, 64 MiB) starts at file offset 0x1000
		printf 'XYZ' | dd of="$T/tc.elf" bs=1 seek=$(($1 + 0x1000 + 100)) conv=notrunc 2>/dev/null
	done
	{ set -- $first; echo "@@ order 1 @@"; echo "!$1-$2  blocks $4  (contents differ)"
	  set -- $last; echo "@@ order 3 @@"; echo "!$1-$2  blocks $4  (contents differ)"; } >"$T/want"
	run_both "diff, two changed ranges" diff "$T/ta.elf" "$T/tc.elf"
	grep -e '^@@' -e '^!' "$T/out" >"$T/got"
	expect_same "diff in two threads: exactly the two changed ranges" "$T/want" "$T/got"
else
	bad "diff, two changed ranges" "no order-1 and order-3 ranges in the region: $(wc -l <"$T/inreg")"
fi

# long runs across many leaves and many parts' worth of bits: the parts
# are cut only where no run goes across (one line per run either way)
"$GEN" --region 0:0x4000000 --dense 0x100000000:300000 --random 2000 --span 0x100000000 --seed 5 -o "$T/tl.elf" >/dev/null 2>&1
"$GEN" --region 0:0x4000000 --dense 0x100000000:90000 --random 2000 --span 0x100000000 --seed 6 -o "$T/tm.elf" >/dev/null 2>&1
run_both "diff of long runs" diff "$T/tl.elf" "$T/tm.elf"
expect_grep "diff of long runs: the A-only run in one line" "$T/out" '^-0x115f90000-0x1493e0000  blocks 210000$'
KHOINSPECT_THREADS=2 "$KI" -v diff "$T/tl.elf" "$T/tm.elf" >"$T/out" 2>"$T/err"
expect_grep "diff of long runs: compared in two threads" "$T/out" '^note: compared in two threads'
rm -f "$T/tl.elf" "$T/tm.elf"

# the reader goes away after a line: no hang, the write failure reported
# (SIGPIPE ignored, as under some shells and CI runners)
for cmd in "list $T/ta.elf" "diff $T/ta.elf $T/tb.elf"; do
	(trap '' PIPE; KHOINSPECT_THREADS=2 timeout 60 "$KI" $cmd 2>"$T/err" | head -1 >/dev/null)
	# the status of the pipeline is head's; khoinspect's shows in stderr
	if grep -q 'writing the output failed' "$T/err"; then
		ok "threads: ${cmd%% *} to a closed pipe stops with a message"
	else
		bad "threads: ${cmd%% *} to a closed pipe stops with a message" "stderr: $(head -2 "$T/err")"
	fi
done
rm -f "$T/ta.elf" "$T/tb.elf" "$T/tc.elf" "$T/inreg" "$T/one"
