#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Crop a kdump-compressed dump (makedumpfile format, header version 6+) to
# its pages below a physical limit, for a fuzz seed small enough to mutate:
#   python3 tests/fuzz/kdump-crop.py IN OUT [LIMIT [MAXSIZE]]
# LIMIT defaults to 4 MiB; with MAXSIZE, pages stored in more than MAXSIZE
# bytes are dropped too (KHO tables, bitmaps, FDTs and blobs are mostly
# zeros and compress to a few hundred bytes; text and data do not).
# The header, sub-header and notes are kept as they are (max_mapnr too: the
# pages above LIMIT read as excluded); the dumpable bitmap loses the bits
# from LIMIT on; the page descriptors kept are those of the pages below it,
# their data moved to right after them. Laid out from makedumpfile's
# diskdump_mod.h (disk_dump_header, kdump_sub_header, page_desc).
import struct, sys

src, dst = sys.argv[1], sys.argv[2]
limit = int(sys.argv[3], 0) if len(sys.argv) > 3 else 4 << 20
maxsize = int(sys.argv[4], 0) if len(sys.argv) > 4 else 1 << 62
d = open(src, "rb").read()
assert d[:8] == b"KDUMP   ", "not a kdump-compressed dump"
# disk_dump_header: signature[8], header_version, utsname (6 x 65), pad to
# 8, timeval (16), status, block_size, sub_hdr_size, bitmap_blocks, max_mapnr
off = 8 + 4 + 6 * 65
off = (off + 7) & ~7
off += 16
status, block_size, sub_hdr_size, bitmap_blocks, max_mapnr = struct.unpack_from("<iiiII", d, off)
bm_off = block_size * (1 + sub_hdr_size)
bm_len = block_size * bitmap_blocks
half = bm_len // 2
desc_off = bm_off + bm_len
ps = block_size
pfn_limit = limit // ps
bm1 = bytearray(d[bm_off:bm_off + half])
bm2 = bytearray(d[bm_off + half:bm_off + bm_len])


def bit(b, i):
    return b[i >> 3] >> (i & 7) & 1


# descriptors: one per set bit of the dumpable bitmap, in pfn order
kept = []
n = 0
for pfn in range(len(bm2) * 8):
    if not bit(bm2, pfn):
        continue
    desc = struct.unpack_from("<QIIQ", d, desc_off + 24 * n)
    if pfn < pfn_limit and desc[1] <= maxsize:
        kept.append(desc)
    else:
        bm2[pfn >> 3] &= ~(1 << (pfn & 7))
    n += 1
data_off = desc_off + 24 * len(kept)
out = bytearray(d[:bm_off]) + bm1 + bm2
descs = bytearray()
data = bytearray()
for offset, size, flags, pflags in kept:
    descs += struct.pack("<QIIQ", data_off + len(data), size, flags, pflags)
    data += d[offset:offset + size]
out += descs + data
open(dst, "wb").write(out)
print("%s: %d of %d page descriptors (pfn < %#x), %d bytes" % (dst, len(kept), n, pfn_limit, len(out)))
