#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make demo: generate a sample vmcore holding a kho-v3 hand-over and list it.
set -e
KI=$1
GEN=$2
OUT=build/demo
mkdir -p "$OUT"
echo "== generating $OUT/sample.vmcore (kho-v4, x86_64, 4 KiB pages, ELF core, LUO with memfds)"
"$GEN" --format kho-v4 --page-size 4096 --arch x86_64 --container elf \
	--random 3000 --seed 7 --dense 0x140000000:96 \
	--subnode memblock:4096 --subnode kexec-metadata:73 \
	--luo v5 --luo-session vm-42:2 --memfd-folios 4 \
	--truth "$OUT/sample.truth" -o "$OUT/sample.vmcore"
echo "== khoinspect list --summary $OUT/sample.vmcore"
"$KI" list --summary "$OUT/sample.vmcore"
echo
echo "== khoinspect list $OUT/sample.vmcore (first ranges)"
"$KI" list "$OUT/sample.vmcore" | sed -n '/^ranges/,$p' | head -n 12
echo "   …"
echo
echo "== khoinspect -j list $OUT/sample.vmcore | jq .total"
"$KI" -j list "$OUT/sample.vmcore" | jq .total
echo
expected=$(grep -vc '^#' "$OUT/sample.truth")
found=$("$KI" -j list "$OUT/sample.vmcore" | jq .total.blocks)
if [ "$expected" = "$found" ]; then
	echo "The generator placed $expected blocks; khoinspect found $found."
else
	echo "MISMATCH: the generator placed $expected blocks, khoinspect found $found." >&2
	exit 1
fi
echo
echo "== khoinspect list --owners $OUT/sample.vmcore | grep luo:   (who preserved what)"
"$KI" list --owners "$OUT/sample.vmcore" | grep 'owner luo:'
echo
echo "== khoinspect verify $OUT/sample.vmcore"
"$KI" verify "$OUT/sample.vmcore"
