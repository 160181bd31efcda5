#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: time khoinspect against the physical floor and a drgn walker
# on generated images of ~25M order-0 blocks (half dense, half random) in a
# 1 TiB sparse ELF. Prints a table of medians (min, max) and peak RSS, and
# the ratios the targets in bench/README.md are stated in.
# Also the FDT scan of a dense 2.75 GiB ELF core (every page stored and
# non-zero) against dd reading the same file from the page cache.
#   RUNS=5 (repetitions), DRGN_LIST=1 (also time drgn's block-by-block
#   count and full listing once each: about 90 s more), DENSE=0 (no dense
#   image: it needs 2.8 GB of disk in bench/out and of page cache)
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
OUT=bench/out
KI=build/khoinspect
GEN=build/khogen
mkdir -p "$OUT"
make -s build/khoinspect build/khogen >/dev/null
cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$OUT/floor" bench/floor.c
cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$OUT/densify" bench/densify.c

gen() { # gen NAME SEED
	# (an image from before the layout named each leaf's first block is redone)
	[ -s "$OUT/$1.elf" ] && grep -q -m1 '^leaf .* base ' "$OUT/$1.layout" && return 0
	echo "generating $OUT/$1.elf (seed $2) ..." >&2
	"$GEN" --no-vmcoreinfo --arch x86_64 --page-size 4096 \
		--region 0:0x4000000 --region 0x8000000000:0x4000000 --region 0xfffc000000:0x4000000 \
		--dense 0x10000000000:12500000 --random 12500000 --max-order 0 \
		--span 0x10000000000 --seed "$2" \
		--layout "$OUT/$1.layout" --truth "$OUT/$1.truth" -o "$OUT/$1.elf"
}
gen a 42
gen b 43
# the dense image: khogen's hand-over in 2 GiB + 768 MiB of RAM, every page
# it left empty filled by bench/densify.c (about 10 s, once)
DENSE=${DENSE:-1}
if [ "$DENSE" = 1 ] && ! grep -qx 'dense 1' "$OUT/dense.done" 2>/dev/null; then
	if [ "$(df -Pk "$OUT" | awk 'NR == 2 {print $4}')" -lt $((4 * 1024 * 1024)) ]; then
		echo "less than 4 GiB free in $OUT: no dense image (DENSE=0)" >&2
		DENSE=0
	else
		echo "generating $OUT/dense.elf (2.75 GiB, dense) ..." >&2
		"$GEN" --arch x86_64 --page-size 4096 \
			--region 0:0x80000000 --region 0x100000000:0x30000000 \
			--random 200000 --span 0x130000000 --max-order 3 --seed 7 \
			--subnode kexec-metadata:73 -o "$OUT/dense.elf" >/dev/null
		"$OUT/densify" "$OUT/dense.elf" >/dev/null
		echo 'dense 1' >"$OUT/dense.done"
	fi
fi
# the manifest in the format this build writes (an older a.json is redone)
head -c 64 "$OUT/a.json" 2>/dev/null | grep -q "\"khoinspect_manifest\":$(sed -n 's/.*KI_MANIFEST_VERSION = \([0-9]*\).*/\1/p' src/lib/check/ki_manifest.h)," ||
	"$KI" snapshot "$OUT/a.elf" -o "$OUT/a.json" 2>/dev/null || [ $? = 1 ] # 1: incomplete (no block contents)
ROOT=$(head -1 "$OUT/a.truth" | awk '{print $9}')
FDT=$(head -1 "$OUT/a.truth" | awk '{print $7}')

# measure NAME CMD...: RUNS runs, stdout discarded; prints one table row
measure() {
	name=$1; shift
	: >"$OUT/times"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(date +%s%N)
		/usr/bin/time -f "%M %U %S" -o "$OUT/t1" "$@" >/dev/null 2>"$OUT/err" || true
		t1=$(date +%s%N)
		echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }') $(tail -1 "$OUT/t1")" >>"$OUT/times"
		i=$((i + 1))
	done
	sort -n "$OUT/times" >"$OUT/sorted"
	med=$(awk -v n="$RUNS" 'NR == int((n + 1) / 2) {print $1}' "$OUT/sorted")
	min=$(head -1 "$OUT/sorted" | cut -d' ' -f1)
	max=$(tail -1 "$OUT/sorted" | cut -d' ' -f1)
	rss=$(sort -n -k2 "$OUT/times" | tail -1 | awk '{printf "%.1f", $2 / 1024}')
	# CPU time (user + system), median; /usr/bin/time counts in 10 ms steps
	cpu=$(awk '{ printf "%.2f\n", $3 + $4 }' "$OUT/times" | sort -n |
		awk -v n="$RUNS" 'NR == int((n + 1) / 2) {print $1}')
	printf '%-34s %8s %8s %8s %9s %8s\n' "$name" "$med" "$min" "$max" "$rss" "$cpu"
	eval "T_$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_')=$med"
}

ranges=$("$KI" list "$OUT/a.elf" | grep -c '^  0x')
floor_ranges=$("$OUT/floor" --runs "$OUT/a.elf" "$OUT/a.layout" | sed -n 's/.* \([0-9]*\) ranges .*/\1/p')
[ "$floor_ranges" = "$ranges" ] ||
	{ echo "the runs floor finds $floor_ranges ranges, khoinspect lists $ranges" >&2; exit 1; }
echo "image: $OUT/a.elf: $(grep -vc '^#' "$OUT/a.truth") blocks, $ranges ranges, $(du -h "$OUT/a.elf" | cut -f1) on disk, $(ls -l "$OUT/a.elf" | awk '{print $5}') bytes; manifest a.json $(ls -l "$OUT/a.json" | awk '{print $5}') bytes"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%Y-%m-%d)"
printf '%-34s %8s %8s %8s %9s %8s\n' "command ($RUNS runs)" "median s" "min" "max" "RSS MiB" "CPU s"
measure "floor popcount" "$OUT/floor" --popcount "$OUT/a.elf" "$OUT/a.layout"
measure "floor runs" "$OUT/floor" --runs "$OUT/a.elf" "$OUT/a.layout"
measure "floor run count (no ranges)" "$OUT/floor" --run-count "$OUT/a.elf" "$OUT/a.layout"
measure "list --summary" "$KI" list --summary "$OUT/a.elf"
measure "list --summary --fdt-phys" "$KI" list --summary --fdt-phys "$FDT" "$OUT/a.elf"
measure "list" "$KI" list "$OUT/a.elf"
measure "list -j" "$KI" -j list "$OUT/a.elf"
measure "list (one thread)" env KHOINSPECT_THREADS=1 "$KI" list "$OUT/a.elf"
measure "verify" "$KI" verify "$OUT/a.elf"
measure "diff a b" "$KI" diff "$OUT/a.elf" "$OUT/b.elf"
measure "diff a b (one thread)" env KHOINSPECT_THREADS=1 "$KI" diff "$OUT/a.elf" "$OUT/b.elf"
measure "verify --against a.json b" "$KI" verify --against "$OUT/a.json" "$OUT/b.elf"
measure "drgn walker --summary" /usr/bin/python3 bench/drgn_walk.py "$OUT/a.elf" "$ROOT" --summary
if [ "$DENSE" = 1 ]; then
	cat "$OUT/dense.elf" >/dev/null # into the page cache
	measure "dd bs=1M, dense image" dd if="$OUT/dense.elf" of=/dev/null bs=1M
	measure "locate, dense image" "$KI" locate "$OUT/dense.elf"
fi
if [ "${DRGN_LIST:-0}" = 1 ]; then
	RUNS_SAVED=$RUNS; RUNS=1
	measure "drgn walker --count-bits (1 run)" /usr/bin/python3 bench/drgn_walk.py "$OUT/a.elf" "$ROOT" --count-bits
	measure "drgn walker --list (1 run)" /usr/bin/python3 bench/drgn_walk.py "$OUT/a.elf" "$ROOT" --list
	RUNS=$RUNS_SAVED
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }
echo
echo "list --summary / popcount floor:   $(ratio "$T_list___summary" "$T_floor_popcount")  (target <= 3)"
echo "  the same with --fdt-phys (no scan): $(ratio "$T_list___summary___fdt_phys" "$T_floor_popcount")"
echo "list / runs floor:                 $(ratio "$T_list" "$T_floor_runs")  (target <= 2)"
echo "list -j / runs floor:              $(ratio "$T_list__j" "$T_floor_runs")  (target <= 2)"
echo "list / run count (no ranges):      $(ratio "$T_list" "$T_floor_run_count__no_ranges_")"
echo "list ranges/s:                     $(awk -v r="$ranges" -v t="$T_list" 'BEGIN { printf "%.1fM", r / t / 1e6 }')  (target >= 5M)"
echo "list -j ranges/s:                  $(awk -v r="$ranges" -v t="$T_list__j" 'BEGIN { printf "%.1fM", r / t / 1e6 }')  (target >= 5M)"
echo "drgn --summary / list --summary:   $(ratio "$T_drgn_walker___summary" "$T_list___summary")  (target >= 100)"
if [ "${DRGN_LIST:-0}" = 1 ]; then
	echo "drgn --count-bits / list --summary: $(ratio "$T_drgn_walker___count_bits__1_run_" "$T_list___summary")  (target >= 100)"
	echo "drgn --list / list:                $(ratio "$T_drgn_walker___list__1_run_" "$T_list")"
fi
echo "diff / list:                       $(ratio "$T_diff_a_b" "$T_list")  (target <= 2)"
echo "  one thread each:                 $(ratio "$T_diff_a_b__one_thread_" "$T_list__one_thread_")"
echo "list (one thread) / runs floor:    $(ratio "$T_list__one_thread_" "$T_floor_runs")"
echo "verify --against / list:           $(ratio "$T_verify___against_a_json_b" "$T_list")  (target <= 2)"
if [ "$DENSE" = 1 ]; then
	echo "dense image: $(ls -l "$OUT/dense.elf" | awk '{print $5}') bytes, $(du -k "$OUT/dense.elf" | cut -f1) KiB on disk; load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "FDT scan rate / dd rate (dense):   $(awk -v a="$T_dd_bs_1M__dense_image" -v b="$T_locate__dense_image" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')  (target >= 0.8)"
fi
