#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# lookup and map on the bench image a.elf (make it first with bench/run.sh,
# or the gen line there): 10,000 addresses from stdin (5,000 preserved
# blocks from the truth, 5,000 random over [0, 1 TiB)), and map in SVG and
# in a terminal. Prints median wall, max RSS. RUNS=5.
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
OUT=bench/out
KI=build/khoinspect
[ -s "$OUT/a.elf" ] || { echo "no $OUT/a.elf: run bench/run.sh once" >&2; exit 2; }
grep -v '^#' "$OUT/a.truth" | awk 'NR % 5000 == 1 { print $1 }' | head -5000 >"$OUT/q10k"
awk 'BEGIN { srand(7); for (i = 0; i < 5000; i++) printf "0x%x\n", int(rand() * 1099511627776) }' >>"$OUT/q10k"
measure() {
	name=$1; in=$2; shift 2
	: >"$OUT/times"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		/usr/bin/time -f "%e %M %U" -o "$OUT/t1" "$@" <"$in" >/dev/null 2>/dev/null || true
		tail -1 "$OUT/t1" >>"$OUT/times"
		i=$((i + 1))
	done
	sort -n "$OUT/times" | awk -v n="$RUNS" -v name="$name" \
		'NR == int((n + 1) / 2) { printf "%-40s %6s s  %6.1f MiB  %5s s CPU\n", name, $1, $2 / 1024, $3 }'
}
echo "$(wc -l <"$OUT/q10k") queries; $(nproc) cores; $(date -u +%Y-%m-%d)"
measure "lookup - (10,000 addresses)" "$OUT/q10k" "$KI" lookup "$OUT/a.elf" -
measure "lookup -j - (10,000 addresses)" "$OUT/q10k" "$KI" -j lookup "$OUT/a.elf" -
measure "map --svg" /dev/null "$KI" map --svg /dev/null "$OUT/a.elf"
measure "map (terminal, 100 columns)" /dev/null env COLUMNS=100 "$KI" map "$OUT/a.elf"
measure "map --by owner (terminal)" /dev/null env COLUMNS=100 "$KI" map --by owner "$OUT/a.elf"
