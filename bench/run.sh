#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: time khoinspect against the physical floor and a drgn walker
# on generated images of ~25M order-0 blocks (half dense, half random) in a
# 1 TiB sparse ELF. Prints a table of medians (min, max) and peak RSS, and
# the ratios the targets in bench/README.md are stated in.
#   RUNS=5 (repetitions), DRGN_LIST=1 (also time drgn's block-by-block
#   count and full listing once each: about 90 s more)
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
OUT=bench/out
KI=build/khoinspect
GEN=build/khogen
mkdir -p "$OUT"
make -s build/khoinspect build/khogen >/dev/null
cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$OUT/floor" bench/floor.c

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
# the manifest in the format this build writes (an older a.json is redone)
head -c 64 "$OUT/a.json" 2>/dev/null | grep -q "\"khoinspect_manifest\":$(sed -n 's/.*KI_MANIFEST_VERSION = \([0-9]*\).*/\1/p' src/lib/check/ki_manifest.h)," ||
	"$KI" snapshot "$OUT/a.elf" -o "$OUT/a.json"
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
