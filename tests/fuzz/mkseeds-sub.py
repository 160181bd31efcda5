#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Seeds for the "sub" fuzz harness (tests/fuzz/fuzz_input.c): byte 0 picks
# the root child's name (0 LUO, 1 memblock, 2 kexec-metadata, 3 kho_test)
# and byte order (bit 3); then a raw image of 4K pages at physical 0 whose
# page 0 is that child's blob. Laid out by hand from docs/formats.md §4.
# Run from the repository root: python3 tests/fuzz/mkseeds-sub.py (needs dtc).
import struct, subprocess, sys

PS = 4096
OUT = "tests/fuzz/corpus/sub"


def le64(v):
    return struct.pack("<Q", v)


def dtb(dts):
    return subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-q"], input=dts.encode(),
                          capture_output=True, check=True).stdout


def bytes_prop(v):
    return "[" + " ".join("%02x" % b for b in le64(v)) + "]"


def image(pages):
    n = max(pages) + 1
    mem = bytearray(n * PS)
    for i, b in pages.items():
        mem[i * PS:i * PS + len(b)] = b
    return bytes(mem)


def name(s, size):
    return s.encode().ljust(size, b"\0")


def memfd(v2, nr, chunk_pa):
    head = le64(0) + le64(nr * PS)
    if v2:
        head += struct.pack("<II", 0x0f, 0)
    kv = le64(chunk_pa) + struct.pack("<IHH", 1, 1, 0)
    return head + le64(nr) + kv


def folios(first_pfn, n):
    return b"".join(le64((first_pfn + i) | (3 << 52)) + le64(i) for i in range(n))


def files_entries():
    return (name("memfd-v2", 48) + le64(0xb000) + le64(1000) +
            name("memfd-v1", 48) + le64(0xc000) + le64(1001))


def common(pages):
    pages[0xb] = memfd(True, 3, 0xd000)
    pages[0xc] = memfd(False, 1, 0xe000)
    pages[0xd] = le64(0) + le64(0xf000)          # vmalloc chunk -> one piece
    pages[0xe] = le64(0) + le64(0x10000)
    pages[0xf] = folios(0x40, 3)                 # folio array of the v2 memfd
    pages[0x10] = folios(0x50, 1)
    pages[0x5] = le64(1) + le64(1) + name("flb-a", 48) + le64(0x9000) + le64(1)


def luo_v5():
    p = {0: b"luo-v5\0\0" + le64(7) + le64(0x1000) + le64(0x5000)}
    p[1] = le64(0) + le64(1) + name("vm-1", 64) + le64(0x2000) + le64(2)
    p[2] = le64(0) + le64(2) + files_entries()
    common(p)
    return image(p)


def luo_v1():
    p = {0: dtb('/dts-v1/; / { compatible = "luo-v1"; liveupdate-number = %s;'
                ' luo-session { compatible = "luo-session-v2"; luo-session-header = %s; };'
                ' luo-flb { compatible = "luo-flb-v1"; luo-flb-header = %s; }; };'
                % (bytes_prop(3), bytes_prop(0x1000), bytes_prop(0x5000)))}
    p[1] = le64(1) + name("vm-1", 64) + le64(0x2000) + le64(2)
    p[2] = files_entries()
    common(p)
    return image(p)


def memblock():
    return image({0: dtb('/dts-v1/; / { compatible = "memblock-v1";'
                         ' trace { compatible = "reserve-mem-v1"; start = %s; size = %s; };'
                         ' log { compatible = "reserve-mem-v1"; start = %s; size = %s; }; };'
                         % (bytes_prop(0x2000), bytes_prop(0x3000), bytes_prop(0x8000),
                            bytes_prop(0x1000))), 3: b"x"})


def kexec_meta():
    return image({0: struct.pack("<I", 1) + name("7.1.0-fuzz", 65) + struct.pack("<I", 2)})


def kho_test():
    return image({0: dtb('/dts-v1/; / { compatible = "kho-test-v1"; nr_folios = [07 00 00 00]; };')})


def kho_test_data():
    # as lib/test_kho.c of 7.3 writes it: magic at the root; nr_folios,
    # folios_info (struct kho_vmalloc: first chunk, total_pages, flags,
    # order) and csum in /data. Chunk page 1 -> data page 2, which lists
    # three folios as phys | order: page 3 (order 0), 4-5 (1), 8-11 (2).
    kv = "[" + " ".join("%02x" % b for b in le64(0x1000) + struct.pack("<IHH", 1, 1, 0)) + "]"
    p = {0: dtb('/dts-v1/; / { compatible = "kho-test-v1"; magic = [21 4f 48 4b];'
                ' data { nr_folios = [03 00 00 00]; folios_info = %s; csum = [01 02 03 04]; }; };' % kv)}
    p[1] = le64(0) + le64(0x2000)
    p[2] = le64(0x3000 | 0) + le64(0x4000 | 1) + le64(0x8000 | 2)
    p[0xb] = b"\0"
    return image(p)


for fname, sel, data in (("luo-v5", 0, luo_v5()), ("luo-v1", 0, luo_v1()),
                         ("memblock", 1, memblock()), ("kexec-metadata", 2, kexec_meta()),
                         ("kho-test", 3, kho_test()), ("kho-test-data", 3, kho_test_data())):
    with open("%s/%s" % (OUT, fname), "wb") as f:
        f.write(bytes([sel]) + data)
print("wrote 6 seeds to", OUT, file=sys.stderr)
