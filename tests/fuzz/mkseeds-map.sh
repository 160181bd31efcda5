#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Seeds for the "map" fuzz harness (tests/fuzz/fuzz_input.c): byte 0 the
# configuration, bytes 1-2 the page index where memory starts, byte 3 the
# root's page from there, then that memory. Made with khogen (raw, one
# region at 0, few blocks close together so the map stays small); the image
# is cut to the pages from the first to the last the map uses.
# Run from the repository root:
#   sh tests/fuzz/mkseeds-map.sh build/khogen build/khoinspect
set -eu
GEN=$(realpath "$1")
KI=$(realpath "$2")
OUT=tests/fuzz/corpus/map
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# seed NAME CONFIG PAGESIZE KHOGEN-ARGS...
seed() {
	name=$1 cfg=$2 ps=$3
	shift 3
	"$GEN" --container raw --region 0:0x2000000 --page-size "$ps" \
		--layout "$T/l" -o "$T/img" "$@"
	root=$("$KI" -j list --summary --base 0 --page-size "$ps" "$T/img" | jq -r .kho.memory_map_phys)
	awk '$1 ~ /^(map-node|leaf|chunk|bitmap)$/ { for (i = 2; i <= NF; i++) if ($i ~ /^0x/) { print $i; break } }' "$T/l" |
		while read -r a; do echo $((a)); done | sort -n >"$T/pages"
	first=$(($(head -1 "$T/pages") / ps))
	last=$(($(tail -1 "$T/pages") / ps))
	off=$((root / ps - first))
	{ printf "\\$(printf '%03o' "$cfg")\\$(printf '%03o' $((first & 255)))\\$(printf '%03o' $((first >> 8)))\\$(printf '%03o' "$off")"
	  tail -c +$((first * ps + 1)) "$T/img" | head -c $(((last - first + 1) * ps)); } >"$OUT/$name"
}
mkdir -p "$OUT"
seed radix-4k 0 4096 --random 12 --seed 1 --max-order 3 --span 0x2000000
seed radix-4k-dense 0 4096 --dense 0x100000:100
seed radix-16k 3 16384 --random 8 --seed 2 --max-order 3 --span 0x2000000
seed radix-16k-short 11 16384 --radix-depth 4 --random 8 --seed 3 --max-order 2 --span 0x2000000
seed radix-64k 195 65536 --random 4 --seed 4 --max-order 0 --span 0x2000000
seed v1-4k-512 4 4096 --format kho-v1 --v1-bitmap 512 --random 12 --seed 5 --span 0x2000000
seed v1-4k-page 4 4096 --format kho-v1 --v1-bitmap page --random 12 --seed 6 --span 0x2000000
seed radix-4k-depth2 24 4096 --radix-depth 2 --dense 0x0:70
