# list finds its ranges in a helper thread while the main one prints
# (KHOINSPECT_THREADS=2 forces it, 1 forbids it): the output is the same
# byte for byte, also for the truth, and a reader that goes away stops both
# threads (and diff, in one thread, says so too).

"$GEN" --random 30000 --max-order 3 --span 0x1000000000 --dense 0x40000000:5000 --seed 21 \
	--truth "$T/ta.truth" -o "$T/ta.elf" >/dev/null 2>&1
"$GEN" --random 30000 --max-order 3 --span 0x1000000000 --dense 0x40001000:5000 --seed 22 \
	-o "$T/tb.elf" >/dev/null 2>&1
leaves=$("$KI" -j list --summary "$T/ta.elf" | jq '.map.leaves')
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
rm -f "$T/ta.elf" "$T/tb.elf" "$T/ta.truth" "$T/one"
