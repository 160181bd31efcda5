#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Check `khoinspect -j lookup` answers against a truth file (a second path:
# the runs, owners and neighbours are worked out here from the truth's
# blocks, never from the tool).
#   lookup_check.py queries TRUTH PAGE_SIZE            -> addresses on stdout
#   lookup_check.py check TRUTH PAGE_SIZE ANSWERS.json -> "ok N" or the mismatches
# TRUTH: a golden *.truth.json, or a "PHYS ORDER" text file (no owners then).
import bisect
import json
import sys


def load(path):
    if path.endswith(".json"):
        t = json.load(open(path))
        blocks = [(int(b[0], 16), b[1], "unclaimed" if b[2] == "folio" else b[2])
                  for b in t["blocks"]]
        regions = [(int(r["start"], 16), int(r["start"], 16) + int(r["size"], 16))
                   for r in t.get("regions", [])]
        return blocks, regions, True
    blocks = []
    for line in open(path):
        f = line.split()
        if f and not f[0].startswith("#"):
            blocks.append((int(f[0], 16), int(f[1]), None))
    return blocks, None, False


def runs_of(blocks, ps):
    """Adjacent blocks of one order coalesced: (start, end, order, n)."""
    runs = []
    for order in sorted({b[1] for b in blocks}):
        bs = ps << order
        cur = None
        for pa in sorted(b[0] for b in blocks if b[1] == order):
            if cur and cur[1] == pa:
                cur[1] += bs
                cur[3] += 1
            else:
                if cur:
                    runs.append(tuple(cur))
                cur = [pa, pa + bs, order, 1]
        if cur:
            runs.append(tuple(cur))
    return runs


def queries(blocks, ps):
    runs = runs_of(blocks, ps)
    out = set()
    for pa, order, _ in blocks:
        out.add(pa)
        out.add(pa + (ps << order) - 1)
    for r in runs:
        out.add(r[1])
    return sorted(out)


def check(blocks, regions, has_owner, ps, answers):
    runs = runs_of(blocks, ps)
    by_start = sorted(blocks)
    starts = [b[0] for b in by_start]
    bad = []

    def covering(a):
        # lowest order first, as the tool reports
        hits = [b for b in by_start[:bisect.bisect_right(starts, a)]
                if b[0] <= a < b[0] + (ps << b[1])]
        return sorted(hits, key=lambda b: b[1])

    def run_json(r):
        return {"start": hex(r[0]), "end": hex(r[1]), "order": r[2], "blocks": r[3]}

    n = 0
    for ans in answers["lookups"]:
        a = int(ans["start"], 16)
        n += 1
        hits = covering(a)
        want_pres = "yes" if hits else "no"
        if ans["preserved"] != want_pres:
            bad.append(f"{hex(a)}: preserved {ans['preserved']}, truth {want_pres}")
            continue
        if hits:
            pa, order, owner = hits[0]
            got = ans["block"]
            if got != {"start": hex(pa), "order": order, "size": hex(ps << order)}:
                bad.append(f"{hex(a)}: block {got}, truth {hex(pa)} order {order}")
            run = [r for r in runs if r[2] == order and r[0] <= a < r[1]][0]
            if ans["run"] != run_json(run):
                bad.append(f"{hex(a)}: run {ans['run']}, truth {run_json(run)}")
            if has_owner and ans["owner"] != owner:
                bad.append(f"{hex(a)}: owner {ans['owner']}, truth {owner}")
            if ans["orders_holding"] != len(hits):
                bad.append(f"{hex(a)}: held by {ans['orders_holding']} orders, truth {len(hits)}")
            if not ans["map_page"]:
                bad.append(f"{hex(a)}: preserved but no map page")
        else:
            below = [r for r in runs if r[1] <= a]
            above = [r for r in runs if r[0] > a]
            wb = run_json(max(below, key=lambda r: r[1])) if below else None
            wa = run_json(min(above, key=lambda r: r[0])) if above else None
            if ans["below"] != wb:
                bad.append(f"{hex(a)}: below {ans['below']}, truth {wb}")
            if ans["above"] != wa:
                bad.append(f"{hex(a)}: above {ans['above']}, truth {wa}")
            if ans["block"] is not None or ans["owner"] is not None:
                bad.append(f"{hex(a)}: not preserved but a block or owner is given")
        if regions is not None:
            inram = any(s <= a < e for s, e in regions)
            if (ans["memory"] == "ram") != inram:
                bad.append(f"{hex(a)}: memory {ans['memory']}, truth {'ram' if inram else 'not stored'}")
    return n, bad


def main():
    mode, truth, ps = sys.argv[1], sys.argv[2], int(sys.argv[3], 0)
    blocks, regions, has_owner = load(truth)
    if mode == "queries":
        for a in queries(blocks, ps):
            print(hex(a))
        return 0
    answers = json.load(open(sys.argv[4]))
    n, bad = check(blocks, regions, has_owner, ps, answers)
    want = len(queries(blocks, ps))
    if n != want:
        bad.append(f"{n} answers for {want} queries")
    for b in bad[:20]:
        print(b)
    if not bad:
        print(f"ok {n}")
    return 1 if bad else 0


sys.exit(main())
