#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Check a `khoinspect map --svg` picture after rsvg-convert drew it: the
# PNG is decoded here (zlib, no PIL), and pixels are looked up from the
# SVG's own geometry (each row's data-start, data-cell-bytes, data-x, …).
#   map_probe.py SVG PNG BLOCKS [owner]
# BLOCKS: "PHYS ORDER [CLASS]" lines from a truth file; with "owner" the
# class (an owner, or diff's "only in A (-)") is the legend's name, else
# "order N". Checks:
#  1. every legend swatch is drawn in the colour the legend gives it;
#  2. every preserved block's cell shows a preserved class or one of the
#     hand-over's own pages, never RAM, scratch or a hole (a 4 KiB block in
#     a large map stays visible);
#  3. every preserved class of the legend (order N, or the owner name) is
#     found, in its legend colour, at the cell of a block of that class
#     (kho:fdt and kho:BLOB blocks are the FDT and blob pages, which are
#     drawn in those colours: checked so instead).
import re
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

NS = "{http://www.w3.org/2000/svg}"


def read_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    assert depth == 8 and ctype in (2, 6) and interlace == 0, f"unsupported PNG {hdr}"
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        if f == 2:
            line = bytearray((x + y) & 255 for x, y in zip(line, prev))
        elif f != 0:
            line = unfilter(f, line, prev, bpp)
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def unfilter(f, line, prev, bpp):
    for x in range(len(line)):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    return line


def pixel(png, x, y):
    w, h, bpp, rows = png
    p = rows[y][x * bpp:x * bpp + 3]
    return "#%02x%02x%02x" % tuple(p)


def main():
    svg, pngf, blocksf = sys.argv[1:4]
    by_owner = len(sys.argv) > 4
    png = read_png(pngf)
    root = ET.parse(svg).getroot()
    bad = []
    legend = {}
    for g in root.iter(NS + "g"):
        if g.get("class") != "legend":
            continue
        r = g.find(NS + "rect")
        label = "".join(g.find(NS + "text").itertext())
        name = re.sub(r" \([0-9.]+ [KMGTPE]?i?B\)$", "", label)
        legend[name] = r.get("fill")
        x = int(float(r.get("x")) + float(r.get("width")) / 2)
        y = int(float(r.get("y")) + float(r.get("height")) / 2)
        if pixel(png, x, y) != r.get("fill"):
            bad.append(f"legend '{name}': swatch drawn {pixel(png, x, y)}, legend says {r.get('fill')}")
    rows = []
    for g in root.iter(NS + "g"):
        if g.get("class") == "row":
            rows.append((int(g.get("data-start"), 16), int(g.get("data-cell-bytes"), 16),
                         int(g.get("data-x")), int(g.get("data-y")),
                         int(g.get("data-cell-width")), int(g.get("data-height"))))
    ncols = 512
    background = {legend.get(k) for k in ("hole (not in the dump)", "RAM in the dump",
                                          "scratch", "excluded pages")} - {None}
    fixed = ("hole (not in the dump)", "hole (in neither dump)", "RAM in the dump", "RAM in a dump",
             "scratch", "excluded pages", "the map's own pages", "KHO FDT", "blobs (sub-FDTs)")
    preserved = {k: v for k, v in legend.items() if k not in fixed}
    found = {k: 0 for k in preserved}
    nblocks = 0
    for line in open(blocksf):
        f = line.rstrip("\n").split(None, 2)
        if not f:
            continue
        pa, order = int(f[0], 16), int(f[1])
        owner = f[2] if len(f) > 2 else None
        nblocks += 1
        row = [r for r in rows if r[0] <= pa < r[0] + r[1] * ncols]
        if not row:
            bad.append(f"block {hex(pa)}: no row shows it")
            continue
        start, cell, x0, y0, cw, h = row[0]
        x = x0 + ((pa - start) // cell) * cw + cw // 2
        got = pixel(png, x, y0 + h // 2)
        if got in background:
            bad.append(f"block {hex(pa)} order {order}: its cell shows {got}, a background colour")
        cls = owner if by_owner else f"order {order}"
        if by_owner and cls.startswith("kho:"):
            # the FDT page and the blobs: drawn as the hand-over's own pages
            want = {legend.get("KHO FDT"), legend.get("blobs (sub-FDTs)")}
            if got not in want:
                bad.append(f"block {hex(pa)} ({cls}): shows {got}, not the FDT or blob colour")
            found.pop(cls, None)
            continue
        if cls in preserved and got == preserved[cls]:
            found[cls] += 1
    for k, n in list(found.items()):
        if not n:
            bad.append(f"class '{k}' ({preserved[k]}): no block of it shows that colour")
    for b in bad[:15]:
        print(b)
    if not bad:
        print(f"ok {nblocks} blocks, {len(preserved)} classes, {len(legend)} legend entries")
    return 1 if bad else 0


sys.exit(main())
