# SPDX-License-Identifier: GPL-2.0-or-later
# Allocation failures (issue 14): with the fault build ($KI_FAULT, made by
# `make oom` or `make check SANITIZE=1`), the Nth allocation fails. Each
# command on a golden image is first run without a failure to count its
# allocations and keep its output; then for N = 1 .. that count every run
# must end with exit 2 and "out of memory" on stderr (under -j: stdout one
# JSON document, validated against its schema with all the others at the
# end; snapshot: no output file and no temporary left), or give
# exactly the un-injected output and exit status. Never a sanitizer report
# (leaks included), never another exit status or less output.
# The sampled sweep (make check SANITIZE=1) takes every N up to
# KI_OOM_DENSE (40) and then every KI_OOM_STRIDE-th (9) plus the last;
# KI_OOM_ALL=1 (make oom-full) takes every N.

if [ -z "${KI_FAULT:-}" ]; then
	echo "     (skipped: no fault build; make oom or make check SANITIZE=1)"
else
	OOM_DENSE=${KI_OOM_DENSE:-40}
	OOM_STRIDE=${KI_OOM_STRIDE:-9}
	[ -n "${KI_OOM_ALL:-}" ] && OOM_STRIDE=1
	KF=$(realpath "$KI_FAULT")
	O="$T/oom"
	mkdir -p "$O/out"
	xz -dc "$FIX/golden/v3-x86_64-4k.elf.xz" >"$O/v3.elf"
	xz -dc "$FIX/golden/v1-x86_64-4k-512.elf.xz" >"$O/v1.elf"
	xz -dc "$FIX/qemu/q35-64m-v1-512.kdump-zlib.xz" >"$O/q.kdump"
	DBG="$FIX/golden/debugfs/v3-x86_64-4k/out"
	"$KI" snapshot "$O/v3.elf" -o "$O/m3.json" 2>/dev/null
	ki_spool_file "$O/m3.json" snapshot "$O/v3.elf" -o "$O/m3.json"
	OOM_RUNS=0
	OOM_CMDS=0
	OOM_THREADS=1  # one thread: the Nth allocation is the same one every run

	# the injection works: the first allocation (opening the dump) fails
	KI_FAULT_NTH=1 "$KF" list "$O/v3.elf" >"$T/out" 2>"$T/err"
	RC=$?
	expect_rc "oom: the first allocation fails: exit 2" 2
	expect_grep "oom: the first allocation fails: out of memory" "$T/err" 'out of memory'
	"$KF" list "$O/v3.elf" >"$T/out" 2>"$T/err"
	RC=$?
	expect_rc "oom: the fault build without KI_FAULT_NTH lists" 0

	# oom_sweep NAME ARGS...: the word OUT in ARGS is an output file
	# (fresh per run, compared too)
	oom_sweep() {
		_name=$1
		shift
		_outf=
		for _a in "$@"; do [ "$_a" = OUT ] && _outf="$O/out/x.json"; done
		rm -f "$O/out/"* "$O/count"
		# -j is always the first argument when asked for
		_json=0; [ "$1" = -j ] && _json=1
		KHOINSPECT_THREADS=$OOM_THREADS KI_FAULT_LOG="$O/count" "$KF" $(echo "$@" | sed "s|OUT|$O/out/x.json|g") \
			>"$O/base.out" 2>"$O/base.err"
		_brc=$?
		[ -n "$_outf" ] && { cp "$_outf" "$O/base.file" 2>/dev/null || : >"$O/base.file"; }
		# the un-injected documents against their schema (run.sh)
		ki_spool_file "$O/base.out" "$@"
		[ -n "$_outf" ] && ki_spool_file "$O/base.file" "$@"
		_n=$(cat "$O/count" 2>/dev/null || echo 0)
		# a baseline of exit 2 (an incomplete input) is kept, and then its
		# stderr must come back too: another trouble is not the same
		if [ "$_n" -lt 1 ] || grep -qi 'out of memory' "$O/base.err"; then
			bad "oom $_name: baseline" "exit $_brc, $_n allocations"
			return
		fi
		OOM_CMDS=$((OOM_CMDS + 1))
		_fails=0
		_i=1
		while [ "$_i" -le "$_n" ]; do
			rm -f "$O/out/"*
			KHOINSPECT_THREADS=$OOM_THREADS KI_FAULT_NTH=$_i "$KF" $(echo "$@" | sed "s|OUT|$O/out/x.json|g") \
				>"$O/run.out" 2>"$O/run.err"
			_rc=$?
			OOM_RUNS=$((OOM_RUNS + 1))
			_why=
			if grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:' "$O/run.err"; then
				_why="sanitizer report"
			elif [ "$_rc" = 2 ] && grep -qi 'out of memory' "$O/run.err"; then
				if [ "$_json" = 1 ] && ! jq -e . "$O/run.out" >/dev/null 2>&1; then
					_why="exit 2 but stdout is not one JSON document"
				elif [ "$_json" = 1 ] && ! ki_spool_file "$O/run.out" "$@"; then
					_why="could not keep the JSON document for the schema check"
				elif [ -n "$_outf" ] && [ -n "$(ls -A "$O/out")" ]; then
					_why="exit 2 but left $(ls "$O/out" | head -1)"
				fi
			elif [ "$_rc" != "$_brc" ]; then
				_why="exit $_rc (un-injected: $_brc), no \"out of memory\""
			elif [ "$_brc" = 2 ] && ! cmp -s "$O/base.err" "$O/run.err"; then
				_why="exit 2 with another message than the un-injected run, no \"out of memory\""
			elif ! cmp -s "$O/base.out" "$O/run.out"; then
				_why="exit $_rc with other output than the un-injected run"
			elif [ -n "$_outf" ] && ! cmp -s "$O/base.file" "$_outf"; then
				_why="exit $_rc, the output file differs"
			fi
			if [ -n "$_why" ]; then
				_fails=$((_fails + 1))
				if [ "$_fails" -le 3 ]; then
					cp "$O/run.err" "$T/err"
					bad "oom $_name: allocation $_i of $_n fails" "$_why"
					: >"$T/err"
				fi
			fi
			if [ "$_i" -lt "$OOM_DENSE" ] || [ "$_i" -eq "$_n" ]; then
				_i=$((_i + 1))
			else
				_i=$((_i + OOM_STRIDE))
				[ "$_i" -gt "$_n" ] && _i=$_n
			fi
		done
		if [ "$_fails" = 0 ]; then ok "oom $_name: $_n allocations"; else
			[ "$_fails" -gt 3 ] && echo "     ($_fails failing allocations in all)"
			FAIL=$((FAIL + _fails - (_fails > 3 ? 3 : _fails)))
		fi
	}

	oom_sweep "list" list "$O/v3.elf"
	oom_sweep "list -j" -j list "$O/v3.elf"
	oom_sweep "list --owners" list --owners "$O/v3.elf"
	oom_sweep "list v1" list "$O/v1.elf"
	oom_sweep "list kdump" list "$O/q.kdump"
	oom_sweep "list debugfs --mem" list --mem "$O/v3.elf" "$DBG"
	oom_sweep "verify debugfs" verify "$DBG"
	oom_sweep "verify" verify "$O/v3.elf"
	oom_sweep "verify -j" -j verify "$O/v3.elf"
	oom_sweep "snapshot" snapshot "$O/v3.elf" -o OUT
	oom_sweep "diff dumps" diff "$O/v3.elf" "$O/v1.elf"
	# the helper threads (the golden map has 187 leaves: list and diff use
	# them); which allocation is Nth may vary, the rule does not
	OOM_THREADS=2
	oom_sweep "list, helper thread" list "$O/v3.elf"
	oom_sweep "diff dumps, helper thread" diff "$O/v3.elf" "$O/v1.elf"
	OOM_THREADS=1
	oom_sweep "diff manifest dump" diff "$O/m3.json" "$O/v3.elf"
	oom_sweep "fdt" fdt "$O/v3.elf"
	oom_sweep "fdt -j" -j fdt "$O/v3.elf"
	oom_sweep "locate" locate "$O/v3.elf"
	oom_sweep "verify --against" verify --against "$O/m3.json" "$O/v3.elf"
	echo "     allocation failures: $OOM_RUNS runs over $OOM_CMDS commands"
fi
