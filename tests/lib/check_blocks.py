#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Holds tests/lib/klist's output against a golden image's truth.json.

usage: check_blocks.py TRUTH.json KLIST-OUTPUT
       check_blocks.py --diff TRUTH-A.json TRUTH-B.json KLIST-DIFF-OUTPUT

Independent of khoinspect: the truth is the image generator's own model
(khoref); the ranges klist printed are expanded into blocks here and must
be exactly the truth's blocks, with the compatible, page size, FDT
address, sub-nodes and per-order counts the truth names. Prints the first
difference and exits 1, or exits 0. With --diff: the "-" lines must be
exactly the blocks only A's truth has, the "+" lines those only B's has,
in (order, start) order, and the result 1 (different) when there are any.
"""
import json
import sys
from collections import Counter


def blocks(truth):
    return {(int(b[0], 16), b[1]) for b in truth["blocks"]}


def check_diff(ta, tb, out):
    a, b = json.load(open(ta)), json.load(open(tb))
    ps = a["page_size"]
    lines = [l.split() for l in open(out).read().splitlines()]
    got = {"-": set(), "+": set(), "!": set()}
    prev = None
    problems = []
    for l in lines:
        if l[0] not in got:
            continue
        start, end, order, n = int(l[1], 16), int(l[2], 16), int(l[3]), int(l[4])
        if end != start + n * (ps << order):
            problems.append(f"line {' '.join(l)}: {n} blocks do not end there")
        if prev is not None and (order, start) < prev:
            problems.append(f"line {' '.join(l)} out of (order, start) order")
        prev = (order, start)
        got[l[0]] |= {(start + i * (ps << order), order) for i in range(n)}
    if got["-"] != blocks(a) - blocks(b):
        problems.append(f"'-' blocks: {len(got['-'])}, truth A only: {len(blocks(a) - blocks(b))}")
    if got["+"] != blocks(b) - blocks(a):
        problems.append(f"'+' blocks: {len(got['+'])}, truth B only: {len(blocks(b) - blocks(a))}")
    if got["!"]:
        problems.append("contents compared, but NO_HASH was asked for")
    want = "1" if blocks(a) != blocks(b) else "0"
    result = [l[1] for l in lines if l[0] == "result"]
    if result != [want]:
        problems.append(f"result {result}, want {want}")
    for p in problems:
        print(p)
    return 1 if problems else 0


def main():
    if sys.argv[1] == "--diff":
        return check_diff(sys.argv[2], sys.argv[3], sys.argv[4])
    truth = json.load(open(sys.argv[1]))
    lines = [l.split() for l in open(sys.argv[2]).read().splitlines()]
    head = {l[0]: l[1] for l in lines if l[0] in ("compatible", "page_size", "fdt_phys", "total")}
    ps = truth["page_size"]
    problems = []
    if head.get("compatible") != truth["format"]:
        problems.append(f"compatible {head.get('compatible')} != {truth['format']}")
    if int(head.get("page_size", "0")) != ps:
        problems.append(f"page size {head.get('page_size')} != {ps}")
    if int(head.get("fdt_phys", "-1"), 16) != int(truth["fdt_phys"], 16):
        problems.append(f"fdt_phys {head.get('fdt_phys')} != {truth['fdt_phys']}")
    subs = [(l[1], l[2]) for l in lines if l[0] == "subnode"]
    want_subs = [(s["name"], s["phys"]) for s in truth["subnodes"]]
    if [(n, int(p, 16)) for n, p in subs] != [(n, int(p, 16)) for n, p in want_subs]:
        problems.append(f"subnodes {subs} != {want_subs}")
    got = []
    prev = None
    for l in lines:
        if l[0] != "range":
            continue
        start, end, order, n = int(l[1], 16), int(l[2], 16), int(l[3]), int(l[4])
        bsize = ps << order
        if end != start + n * bsize:
            problems.append(f"range {l[1]}-{l[2]}: {n} blocks of order {order} do not end there")
        if prev is not None and (order, start) <= prev:
            problems.append(f"range {l[1]} out of (order, start) order")
        prev = (order, start)
        got += [(start + i * bsize, order) for i in range(n)]
    want = sorted((int(b[0], 16), b[1]) for b in truth["blocks"])
    if sorted(got) != want:
        g, w = set(got), set(want)
        problems.append(f"blocks: {len(got)} listed, truth has {len(want)}; "
                        f"extra {sorted(g - w)[:3]}, missing {sorted(w - g)[:3]}")
    if len(got) != len(set(got)):
        problems.append("a block listed twice")
    orders = Counter(o for _, o in want)
    got_orders = {int(l[1]): int(l[2]) for l in lines if l[0] == "order"}
    if got_orders != dict(orders):
        problems.append(f"per-order counts {got_orders} != {dict(orders)}")
    if int(head.get("total", "-1")) != len(want):
        problems.append(f"total {head.get('total')} != {len(want)}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
