#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The peer for khoinspect's benchmarks: a KHO radix-map walker written as a
kernel engineer would today, with drgn reading the same core file.

drgn 0.0.22 opens an ELF core that has VMCOREINFO only as a full kernel
core, which a synthetic image cannot satisfy; the benchmark images have no
VMCOREINFO, and reads go through p_vaddr (khogen maps pa at
0xffff888000000000 + pa): the same bytes at the same per-read cost.

usage: drgn_walk.py IMAGE ROOT_PA [--summary|--count-bits|--list]

--summary counts each leaf with int.bit_count; --count-bits visits every
preserved block as the kernel's own leaf walk does (for_each_set_bit, the
block's address and order handed on) and counts it; --list prints the
coalesced ranges like `khoinspect list`.
"""
import struct
import sys

import drgn

DIRECT_MAP = 0xFFFF888000000000
PAGE_SHIFT = 12
PAGE = 1 << PAGE_SHIFT
T = PAGE_SHIFT - 3          # table index bits
B = PAGE_SHIFT + 3          # leaf bitmap bits
ORDER0 = 64 - PAGE_SHIFT
DEPTH = 6


def main():
    path, root = sys.argv[1], int(sys.argv[2], 0)
    mode = sys.argv[3] if len(sys.argv) > 3 else "--summary"
    prog = drgn.Program()
    prog.set_core_dump(path)

    def page(pa):
        return prog.read(DIRECT_MAP + pa, PAGE)

    counts = {}
    out = sys.stdout
    run = None  # [start, end, order, n]

    def emit(start, order, n):
        nonlocal run
        size = PAGE << order
        if run and run[2] == order and run[1] == start:
            run[1] += n * size
            run[3] += n
            return
        if run:
            out.write("0x%x-0x%x order %d blocks %d\n" % tuple(run))
        run = [start, start + n * size, order, n]

    def visit(phys, order):
        # what the kernel's per-block callback receives; nothing to do here
        return phys, order

    def walk(pa, level, prefix):
        entries = struct.unpack("<%dQ" % (PAGE // 8), page(pa))
        shift = (level - 1) * T + B
        for i, child in enumerate(entries):
            if not child:
                continue
            key = prefix | (i << shift)
            if level > 1:
                walk(child, level - 1, key)
                continue
            bits = int.from_bytes(page(child), "little")
            msb = key.bit_length() - 1
            order = ORDER0 - msb
            if mode == "--summary":
                counts[order] = counts.get(order, 0) + bits.bit_count()
                continue
            base = (key ^ (1 << msb)) << (64 - msb)
            while bits:
                low = bits & -bits
                b = low.bit_length() - 1
                if mode == "--list":
                    emit(base + (b << (PAGE_SHIFT + order)), order, 1)
                else:
                    visit(base + (b << (PAGE_SHIFT + order)), order)
                counts[order] = counts.get(order, 0) + 1
                bits ^= low

    walk(root, DEPTH - 1, 0)
    if mode == "--list" and run:
        out.write("0x%x-0x%x order %d blocks %d\n" % tuple(run))
    for order in sorted(counts):
        sys.stderr.write("order %d: %d blocks\n" % (order, counts[order]))


if __name__ == "__main__":
    main()
