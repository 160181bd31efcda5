#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# The Python module `khoinspect` (python/khoinspect.c) held against the
# golden images' truth files, never against khoinspect's own output: every
# image by path, and through a Python read callback over the same bytes
# (the ELF program headers are parsed here, a raw image read at its base).
# A second path inside: diff() of the two hand-overs, snapshot() through
# the callback checked with verify_against() by path, and a byte changed in
# the callback's memory found where it was changed.
#
#   python_check.py golden DIR    images unpacked in DIR (t_python.sh does it)
#   python_check.py errors DIR    error cases (an image of DIR as input)
#   python_check.py realkernel DIR  the real-kernel dumps unpacked in DIR
#   python_check.py drgn DIR      the README's drgn session on a copy of a
#                                 golden core with a complete VMCOREINFO
# Prints "ok NAME" or "FAIL NAME<tab>why" per check (t_python.sh counts them).
# Environment: FIX, the fixtures directory; KI, the khoinspect binary (its
# manifests are a second writer for verify_against()).
import bisect
import errno
import gc
import json
import os
import struct
import subprocess
import sys
import threading
import time

import khoinspect

FIX = os.environ["FIX"]
GOLDEN = os.path.join(FIX, "golden")


def ok(name):
    print("ok " + name, flush=True)


def bad(name, why):
    print("FAIL %s\t%s" % (name, " ".join(str(why).split())), flush=True)


def check(name, cond, why="false"):
    if cond:
        ok(name)
    else:
        bad(name, why)


def same(name, want, got):
    if want == got:
        ok(name)
        return
    if isinstance(want, (list, set)) and isinstance(got, (list, set)):
        w, g = set(want), set(got)
        bad(name, "%d wanted, %d got; missing %s; extra %s"
            % (len(want), len(got), sorted(w - g)[:3], sorted(g - w)[:3]))
    else:
        bad(name, "want %r, got %r" % (want, got))


class step:
    """with step(NAME): an exception in the block is one failure, NAME's,
    and the checks after the block still run."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        return self

    def __exit__(self, t, v, tb):
        if t is not None and issubclass(t, Exception):
            bad(self.name, "raised %s: %s" % (t.__name__, v))
            return True
        return False


def raises(name, exc_type, fn, code=None, test=None):
    """fn() raises exc_type (with .code == code, and test(e) true)."""
    try:
        fn()
    except exc_type as e:
        if code is not None and getattr(e, "code", None) != code:
            bad(name, "code %r, want %r (%s)" % (getattr(e, "code", None), code, e))
        elif test and not test(e):
            bad(name, "raised %s: %s" % (type(e).__name__, e))
        else:
            ok(name)
        return
    except BaseException as e:  # noqa: B902 -- any other exception is the failure
        bad(name, "raised %s: %s, want %s" % (type(e).__name__, e, exc_type.__name__))
        return
    bad(name, "no exception, want %s" % exc_type.__name__)


# ---- the truth --------------------------------------------------------------

def load_truth(path):
    """A golden truth.json: its fields, and blocks as {(phys, order): owner}
    with the truth's "folio" named as khoinspect's owners say, "unclaimed"
    (tests/cli/t_owners.sh)."""
    t = json.load(open(path))
    t["blockset"] = {(int(b[0], 16), b[1]): ("unclaimed" if b[2] == "folio" else b[2])
                     for b in t["blocks"]}
    return t


def load_blocks_txt(path):
    """A "PHYS ORDER" file (blocks-*.txt of the real-kernel fixtures)."""
    out = set()
    for line in open(path):
        f = line.split()
        if f and not f[0].startswith("#"):
            out.add((int(f[0], 16), int(f[1])))
    return out


def runs_of(blocks, ps):
    """Blocks coalesced into runs of one order: [(start, end, order, n)]
    sorted by (order, start), as ranges() must hand them out."""
    runs = []
    for order in sorted({o for _, o in blocks}):
        size = ps << order
        cur = None
        for pa in sorted(p for p, o in blocks if o == order):
            if cur and cur[1] == pa:
                cur[1] += size
                cur[3] += 1
            else:
                if cur:
                    runs.append(tuple(cur))
                cur = [pa, pa + size, order, 1]
        if cur:
            runs.append(tuple(cur))
    return runs


def expand(ranges, ps, owners=False):
    """Range objects back into blocks: {(phys, order)} or {(phys, order): owner}."""
    out = {}
    for r in ranges:
        size = ps << r.order
        for i in range(r.blocks):
            out[(r.start + i * size, r.order)] = r.owner
    return out if owners else set(out)


# ---- memory read in Python ---------------------------------------------------

class ElfReader:
    """An ELF core's PT_LOAD segments by physical address, read with pread:
    khoinspect's read callback, written here from the ELF specification."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDONLY)
        self.calls = 0
        self.bytes = 0
        h = os.pread(self.fd, 64, 0)
        if h[:4] != b"\x7fELF":
            raise ValueError("%s: not ELF" % path)
        e = "<" if h[5] == 1 else ">"
        self.big_endian = h[5] == 2
        if h[4] == 2:  # ELFCLASS64
            phoff, shoff = struct.unpack_from(e + "QQ", h, 32)
            phentsize, phnum = struct.unpack_from(e + "HH", h, 54)
            ph, fields = e + "IIQQQQQQ", (0, 2, 4, 5)  # type, offset, paddr, filesz
            sh_info_at = 44
        else:
            phoff, shoff = struct.unpack_from(e + "II", h, 28)
            phentsize, phnum = struct.unpack_from(e + "HH", h, 42)
            ph, fields = e + "IIIIIIII", (0, 1, 3, 4)
            sh_info_at = 28
        if phnum == 0xFFFF:  # PN_XNUM: the count is section 0's sh_info
            phnum = struct.unpack_from(e + "I", os.pread(self.fd, 4, shoff + sh_info_at))[0]
        segs = []
        table = os.pread(self.fd, phentsize * phnum, phoff)
        for i in range(phnum):
            v = struct.unpack_from(ph, table, i * phentsize)
            p_type, off, paddr, filesz = (v[k] for k in fields)
            if p_type == 1 and filesz:
                segs.append((paddr, paddr + filesz, off))
        self.segs = sorted(segs)
        self.starts = [s[0] for s in self.segs]

    def __call__(self, phys, size):
        self.calls += 1
        out = []
        pa, left = phys, size
        while left:
            i = bisect.bisect_right(self.starts, pa) - 1
            if i < 0 or pa >= self.segs[i][1]:
                return None  # not in the dump
            start, end, off = self.segs[i]
            n = min(left, end - pa)
            b = os.pread(self.fd, n, off + pa - start)
            if len(b) != n:
                return None
            out.append(b)
            pa += n
            left -= n
        self.bytes += size
        return b"".join(out)

    def ranges(self):
        """The segments, merged: the RAM to scan."""
        out = []
        for s, e, _ in self.segs:
            if out and s <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], e))
            else:
                out.append((s, e))
        return out

    def data_ranges(self):
        """Only the parts of the segments a sparse file holds data for
        (SEEK_DATA/SEEK_HOLE): the RAM worth scanning in a sparse 4 GiB core."""
        out = []
        for s, e, off in self.segs:
            pos, end = off, off + (e - s)
            while pos < end:
                try:
                    d = os.lseek(self.fd, pos, os.SEEK_DATA)
                except OSError as ex:
                    if ex.errno == errno.ENXIO:
                        break
                    raise
                if d >= end:
                    break
                hole = min(os.lseek(self.fd, d, os.SEEK_HOLE), end)
                out.append((s + d - off, s + hole - off))
                pos = hole
        return out


class RawReader:
    """A raw image: byte 0 is physical address base."""

    def __init__(self, path, base):
        self.fd = os.open(path, os.O_RDONLY)
        self.base = base
        self.size = os.fstat(self.fd).st_size
        self.calls = 0
        self.bytes = 0

    def __call__(self, phys, size):
        self.calls += 1
        if phys < self.base or phys + size > self.base + self.size:
            return None
        self.bytes += size
        return os.pread(self.fd, size, phys - self.base)

    def ranges(self):
        return [(self.base, self.base + self.size)]


class Patched:
    """A reader whose memory has one byte changed (xor 0xff) at phys."""

    def __init__(self, inner, phys):
        self.inner, self.phys = inner, phys

    def __call__(self, phys, size):
        b = self.inner(phys, size)
        if b is not None and phys <= self.phys < phys + size:
            b = bytearray(b)
            b[self.phys - phys] ^= 0xFF
            b = bytes(b)
        return b


# ---- one hand-over against its truth -----------------------------------------

def check_handover(name, h, t, container):
    ps = t["page_size"]
    want = set(t["blockset"])
    same(name + ": compatible", t["format"], h.compatible)
    same(name + ": page_size", ps, h.page_size)
    same(name + ": fdt_phys", int(t["fdt_phys"], 16), h.fdt_phys)
    same(name + ": container", container, h.container)
    same(name + ": subnodes (name, phys)",
         [(s["name"], int(s["phys"], 16)) for s in t["subnodes"]],
         [(s.name, s.phys) for s in h.subnodes])
    check(name + ": has_map", h.has_map)
    rs = h.ranges()
    same(name + ": ranges() expanded = truth's blocks", want, expand(rs, ps))
    same(name + ": ranges() are the truth's runs, by (order, start), end exclusive",
         runs_of(want, ps), [(r.start, r.end, r.order, r.blocks) for r in rs])
    check(name + ": ranges() without owners= name none", all(r.owner is None for r in rs))
    same(name + ": ranges(owners=True): every block's owner = truth's",
         t["blockset"], expand(h.ranges(owners=True), ps, owners=True))
    orders = sorted({o for _, o in want})
    o = orders[-1]
    same(name + ": ranges(order=%d) = truth's runs of that order" % o,
         [r for r in runs_of(want, ps) if r[2] == o],
         [(r.start, r.end, r.order, r.blocks) for r in h.ranges(order=o)])
    same(name + ": blocks() = truth's count", len(want), h.blocks())
    same(name + ": blocks(order) per order = truth's",
         [sum(1 for _, x in want if x == o) for o in range(64)],
         [h.blocks(o) for o in range(64)])
    f = h.verify()
    check(name + ": verify() passes", f.result == khoinspect.PASS and
          not [x for x in f if x.severity == khoinspect.ERROR],
          "result %d, findings %s" % (f.result, [(x.id, x.message) for x in f][:3]))


IMAGES = [
    # (file, truth, container, raw base)
    ("v1-x86_64-4k-512.elf", "v1-x86_64-4k-512", "elf", None),
    ("v1-x86_64-4k-page.elf", "v1-x86_64-4k-page", "elf", None),
    ("v2-x86_64-4k.elf", "v2-x86_64-4k", "elf", None),
    ("v3-x86_64-4k.elf", "v3-x86_64-4k", "elf", None),
    ("v4-aarch64-64k.elf", "v4-aarch64-64k", "elf", None),
    ("v3-aarch64-16k.raw", "v3-aarch64-16k", "raw", 0x80000000),
]


def golden_image(d, img, t, container, base):
    path = os.path.join(d, img)
    ps = t["page_size"]
    fdt = int(t["fdt_phys"], 16)
    opts = {"base": base} if base is not None else {}
    # by path: the library reads the file
    hp = khoinspect.open(path, **opts)
    check_handover(img + " by path", hp, t, container)
    check(img + " by path: found by a scan", hp.found_by.startswith("scan"), hp.found_by)

    # through a Python read callback over the same bytes, FDT given
    rd = ElfReader(path) if base is None else RawReader(path, base)
    hr = khoinspect.open(read=rd, page_size=ps, fdt_phys=fdt, name="pyreader",
                         big_endian=getattr(rd, "big_endian", False))
    check_handover(img + " by read callback", hr, t, "reader")
    check(img + " by read callback: the callback was called", rd.calls > 0)
    # The golden dumps hold part of the preserved memory only (the truth's
    # reserve_mem regions lie outside them): a manifest of them is
    # incomplete, and checks against it take present_only=True.
    absent = sum(1 for p, o in t["blockset"] if rd(p, ps << o) is None)
    with step(img + " by read callback + ranges="):
        # the same found by a scan of the callback's RAM
        rs = RawReader(path, base) if base is not None else ElfReader(path)
        with khoinspect.open(read=rs, page_size=ps, ranges=rs.ranges()) as hs:
            same(img + " by read callback + ranges=: the scan finds the FDT", fdt, hs.fdt_phys)
            same(img + " by read callback + ranges=: blocks = truth's",
                 set(t["blockset"]), expand(hs.ranges(), ps))

    with step(img + ": diff(path, callback)"):
        # a second path: the two hand-overs compare equal (what neither
        # holds is unknown: INCOMPLETE, unless present_only)
        d1 = khoinspect.diff(hp, hr, present_only=True)
        check(img + ": diff(path, callback, present_only=True) is empty and PASS",
              d1.result == khoinspect.PASS and len(d1) == 0,
              "result %d, %d lines %s" % (d1.result, len(d1), list(d1)[:2]))
        d2 = khoinspect.diff(hp, hr)
        check(img + ": diff(path, callback) is empty, and INCOMPLETE as %d truth blocks are "
              "not in the dump" % absent,
              d2.result == (khoinspect.INCOMPLETE if absent else khoinspect.PASS) and len(d2) == 0,
              "result %d, %d lines %s" % (d2.result, len(d2), list(d2)[:2]))

    # the command-line tool's manifest of the file: verify_against() through
    # the callback holds, and finds a changed byte (below)
    mc = os.path.join(d, img + ".cli-manifest.json")
    r = subprocess.run([os.environ["KI"], "snapshot"] + (["--base", hex(base)] if base else []) +
                       [path, "-o", mc], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    check(img + ": khoinspect snapshot's manifest (incomplete when blocks are absent)",
          r.returncode == (2 if absent else 0) and os.path.exists(mc), "exit %d" % r.returncode)
    with step(img + ": verify_against(khoinspect snapshot's manifest) via callback"):
        fa = hr.verify_against(mc, present_only=True)
        check(img + ": verify_against(khoinspect snapshot's manifest, present_only) via callback passes",
              fa.result == khoinspect.PASS and not [x for x in fa if x.severity == khoinspect.ERROR],
              "result %d: %s" % (fa.result, [x.message for x in fa][:2]))
        if absent:
            fi = hr.verify_against(mc)
            check(img + ": verify_against(incomplete manifest) without present_only: INCOMPLETE",
                  fi.result == khoinspect.INCOMPLETE, "result %d" % fi.result)

    m = os.path.join(d, img + ".manifest.json")
    with step(img + ": snapshot() via callback"):
        try:
            hr.snapshot(m)
            check(img + ": snapshot() via callback: complete when every block is there",
                  not absent, "%d truth blocks are not in the dump" % absent)
        except khoinspect.Error as e:
            check(img + ": snapshot() via callback: ERR_INCOMPLETE as %d truth blocks are not "
                  "in the dump" % absent, absent and e.code == khoinspect.ERR_INCOMPLETE,
                  "code %d: %s" % (e.code, e))
        man = json.load(open(m))
        check(img + ": snapshot() via callback wrote a manifest", "khoinspect_manifest" in man)
        fa = hp.verify_against(m, present_only=True)
        check(img + ": verify_against(callback's manifest) by path passes",
              fa.result == khoinspect.PASS, "result %d: %s" % (fa.result, [x.message for x in fa][:2]))

    with step(img + ": a changed byte"):
        # one byte changed in a preserved block the truth names, in the dump: found there
        pa, order = max((p, o) for (p, o), own in t["blockset"].items()
                        if own == "unclaimed" and rd(p, ps << o) is not None)
        bsize = ps << order
        bad_pa = pa + bsize // 2 + 3
        hm = khoinspect.open(read=Patched(rd, bad_pa), page_size=ps, fdt_phys=fdt)
        with step(img + ": a changed byte: verify_against"):
            fm = hm.verify_against(mc, present_only=True)
            check(img + ": a changed byte: verify_against fails",
                  fm.result == khoinspect.FAIL, "result %d" % fm.result)
            hit = [x for x in fm if x.severity == khoinspect.ERROR]
            check(img + ": a changed byte: the finding is in its block",
                  hit and all(x.phys is not None and pa <= x.phys < pa + bsize for x in hit),
                  "%s, block 0x%x+0x%x" % ([(x.id, x.phys, x.message) for x in hit][:2], pa, bsize))
        dm = khoinspect.diff(hr, hm, present_only=True)
        check(img + ": a changed byte: diff() says one changed range holding it",
              dm.result == khoinspect.FAIL and len(dm) == 1 and dm[0].kind == "!" and
              dm[0].start <= bad_pa < dm[0].end and dm[0].order == order,
              "result %d: %s" % (dm.result, list(dm)[:3]))
        dn = khoinspect.diff(hr, hm, hash=False, present_only=True)
        check(img + ": diff(hash=False) compares the maps only: same",
              dn.result == khoinspect.PASS and len(dn) == 0, "%d: %s" % (dn.result, list(dn)[:2]))
        hm.close()
    hr.close()
    with step(img + ": diff(path, manifest)"):
        # and by paths: the dump against the manifest
        dp = khoinspect.diff(path, m, present_only=True, **opts)
        check(img + ": diff(path, manifest) is empty and PASS",
              dp.result == khoinspect.PASS and len(dp) == 0, "%d: %s" % (dp.result, list(dp)[:2]))
    hp.close()


def golden(d):
    for img, tname, container, base in IMAGES:
        t = load_truth(os.path.join(GOLDEN, tname + ".truth.json"))
        with step(img):
            golden_image(d, img, t, container, base)

    # a debugfs copy with mem=: the FDT from the copy, the blocks from memory
    t = load_truth(os.path.join(GOLDEN, "v3-x86_64-4k.truth.json"))
    with khoinspect.open(os.path.join(GOLDEN, "debugfs", "v3-x86_64-4k"),
                         mem=os.path.join(d, "v3-x86_64-4k.elf")) as h:
        same("debugfs + mem=: blocks = truth's", set(t["blockset"]), expand(h.ranges(), 4096))
        same("debugfs + mem=: fdt_phys", int(t["fdt_phys"], 16), h.fdt_phys)
    with khoinspect.open(os.path.join(GOLDEN, "debugfs", "v3-x86_64-4k")) as h:
        same("debugfs alone: the sub-nodes' names",
             sorted(s["name"] for s in t["subnodes"]), sorted(s.name for s in h.subnodes))
        check("debugfs alone: no map", not h.has_map)
        raises("debugfs alone: ranges() raises ERR_USAGE (no map)", khoinspect.Error,
               h.ranges, code=khoinspect.ERR_USAGE)
        fo = h.verify(fdt_only=True)
        check("debugfs alone: verify(fdt_only=True) passes", fo.result == khoinspect.PASS,
              "%d %s" % (fo.result, [x.message for x in fo][:2]))

    # QEMU's own dumps of a guest holding the v3 image (EM_386 ELF, unaligned
    # p_offset, sparse 5 GiB; and kdump-compressed): by path and by callback
    qt = load_truth(os.path.join(FIX, "qemu", "q35-5g-v3.truth.json"))
    q = os.path.join(d, "q35-5g-v3.elf")
    with khoinspect.open(q) as h:
        same("qemu elf by path: blocks = truth's", set(qt["blockset"]), expand(h.ranges(), 4096))
    rd = ElfReader(q)
    with khoinspect.open(read=rd, page_size=4096, fdt_phys=int(qt["fdt_phys"], 16)) as h:
        check_handover("qemu elf by read callback", h, qt, "reader")
        print("# qemu elf by read callback: %d reads, %d bytes of a 5 GiB dump"
              % (rd.calls, rd.bytes))
    with khoinspect.open(os.path.join(d, "q35-5g-v3.kdump")) as h:
        check_handover("qemu kdump by path", h, qt, "kdump")


# ---- error cases ---------------------------------------------------------------

class Boom(Exception):
    pass


def errors(d):
    img = os.path.join(d, "v3-x86_64-4k.elf")
    t = load_truth(os.path.join(GOLDEN, "v3-x86_64-4k.truth.json"))
    fdt = int(t["fdt_phys"], 16)
    rd = ElfReader(img)
    # a manifest to check against: reading the preserved ranges again after open
    man = os.path.join(d, "errors-manifest.json")
    subprocess.run([os.environ["KI"], "snapshot", img, "-o", man],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def reread(h):
        return h.verify_against(man, present_only=True)

    # a missing file: ERR_OS, ENOENT, the path in the message
    try:
        khoinspect.open(os.path.join(d, "no-such-vmcore"))
        bad("missing file raises", "opened")
    except khoinspect.Error as e:
        check("missing file: khoinspect.Error with ERR_OS and ENOENT",
              e.code == khoinspect.ERR_OS and e.errno == errno.ENOENT, "%r %r" % (e.code, e.errno))
        check("missing file: the message names the file", "no-such-vmcore" in str(e), str(e))
        check("missing file: str(e) is .message", str(e) == e.message)
        check("missing file: an Exception", isinstance(e, Exception))

    # a read callback that raises: that exception, unchanged, out of open()
    boom = Boom("disk on fire")

    def raiser(phys, size):
        raise boom
    try:
        khoinspect.open(read=raiser, page_size=4096, fdt_phys=fdt)
        bad("callback raising: propagates", "opened")
    except Boom as e:
        check("callback raising: the very exception propagates out of open()", e is boom)
        notes = getattr(e, "__notes__", [])
        check("callback raising: the library's message added as a note",
              notes and "0x%x" % fdt in notes[0], repr(notes))
    except BaseException as e:  # noqa: B902
        bad("callback raising: propagates", "%s: %s" % (type(e).__name__, e))

    # raising later, after open: the operation raises it, the handle stays usable
    state = {"fail": False}

    def flaky(phys, size):
        if state["fail"]:
            raise Boom("later")
        return rd(phys, size)
    with khoinspect.open(read=flaky, page_size=4096, fdt_phys=fdt) as h:
        state["fail"] = True
        raises("callback raising in verify_against(): propagates", Boom, lambda: reread(h))
        raises("callback raising in snapshot(): propagates", Boom,
               lambda: h.snapshot(os.path.join(d, "flaky.json")))
        # (the library goes on past a failed read and writes what it could;
        # such a manifest must say it is incomplete)
        fl = os.path.join(d, "flaky.json")
        check("callback raising in snapshot(): no manifest, or one marked incomplete",
              not os.path.exists(fl) or json.load(open(fl)).get("incomplete"))
        state["fail"] = False
        f = reread(h)
        check("callback raising: verify_against() afterwards passes", f.result == khoinspect.PASS,
              "%d %s" % (f.result, [x.message for x in f][:2]))
        same("callback raising: the hand-over still works afterwards",
             len(t["blockset"]), h.blocks())
        f = h.verify()
        check("callback raising: verify() afterwards passes", f.result == khoinspect.PASS,
              "%d" % f.result)

    # short bytes or None: not in the dump (NODATA), named with the address
    for label, fn in (("short bytes", lambda pa, n: rd(pa, n)[: n // 2]),
                      ("None", lambda pa, n: None),
                      ("nodata= exception", lambda pa, n: (_ for _ in ()).throw(KeyError(pa)))):
        kw = {"nodata": KeyError} if label.startswith("nodata") else {}
        try:
            khoinspect.open(read=fn, page_size=4096, fdt_phys=fdt, **kw)
            bad("callback returning %s: raises" % label, "opened")
        except khoinspect.Error as e:
            check("callback returning %s: ERR_NODATA" % label, e.code == khoinspect.ERR_NODATA,
                  "code %r: %s" % (e.code, e))
            check("callback returning %s: names the FDT's address" % label,
                  e.phys == fdt or "0x%x" % fdt in str(e), "%r %s" % (e.phys, e))
        except BaseException as e:  # noqa: B902
            bad("callback returning %s: raises khoinspect.Error" % label,
                "%s: %s" % (type(e).__name__, e))
    raises("callback returning an int: TypeError", TypeError,
           lambda: khoinspect.open(read=lambda pa, n: 7, page_size=4096, fdt_phys=fdt))
    raises("callback returning too many bytes: ValueError", ValueError,
           lambda: khoinspect.open(read=lambda pa, n: bytes(n + 1), page_size=4096, fdt_phys=fdt))
    raises("callback with the wrong signature: its TypeError", TypeError,
           lambda: khoinspect.open(read=lambda pa: b"", page_size=4096, fdt_phys=fdt))

    # a map with an error (one root entry of the radix tree pointing outside
    # memory, changed in the callback's bytes): ranges() hands out what it
    # read, then raises ERR_INCOMPLETE with those ranges as .partial
    root = int(t["memory_map_phys"], 16)
    ent = next(i for i, v in enumerate(struct.unpack("<512Q", rd(root, 4096))) if v)
    with khoinspect.open(read=Patched(rd, root + 8 * ent + 5), page_size=4096,
                         fdt_phys=fdt) as h:
        try:
            h.ranges()
            bad("a map with an error: ranges() raises ERR_INCOMPLETE", "it did not")
        except khoinspect.Error as e:
            check("a map with an error: ranges() raises ERR_INCOMPLETE",
                  e.code == khoinspect.ERR_INCOMPLETE, "code %d: %s" % (e.code, e))
            got = expand(e.partial or [], 4096)
            check("a map with an error: .partial holds some of the truth's blocks, only those",
                  got and got < set(t["blockset"]), "%d of %d" % (len(got), len(t["blockset"])))
        f = h.verify()
        check("a map with an error: verify() fails, naming the table outside memory",
              f.result != khoinspect.PASS and any(x.severity == khoinspect.ERROR and x.phys
                                                  for x in f), "%d" % f.result)

    # closed hand-overs raise, never crash
    h = khoinspect.open(img)
    h.close()
    for attr in ("compatible", "page_size", "fdt_phys", "subnodes", "container", "found_by",
                 "has_map"):
        raises("closed: .%s raises ERR_USAGE" % attr, khoinspect.Error,
               lambda a=attr: getattr(h, a), code=khoinspect.ERR_USAGE)
    for meth, args in (("ranges", ()), ("blocks", ()), ("verify", ()), ("open_findings", ()),
                       ("snapshot", (os.path.join(d, "closed.json"),)),
                       ("verify_against", (os.path.join(d, "closed.json"),))):
        raises("closed: %s() raises ERR_USAGE" % meth, khoinspect.Error,
               lambda m=meth, a=args: getattr(h, m)(*a), code=khoinspect.ERR_USAGE)
    raises("closed: diff() raises ERR_USAGE", khoinspect.Error,
           lambda: khoinspect.diff(h, h), code=khoinspect.ERR_USAGE)
    h.close()
    ok("closed: close() twice is fine")
    check("closed: .closed and repr", h.closed and "closed" in repr(h), repr(h))
    with khoinspect.open(img) as h:
        check("with: open inside", not h.closed and "kho-v3" in repr(h), repr(h))
    check("with: closed after", h.closed)
    raises("with: use after raises", khoinspect.Error, lambda: h.ranges(),
           code=khoinspect.ERR_USAGE)
    raises("with: a closed hand-over cannot be entered", khoinspect.Error, h.__enter__)

    # the callback cannot close or use its own hand-over (the library is not
    # re-entrant): the attempt raises inside it, and that propagates
    box = {}

    def closer(phys, size):
        if "h" in box:
            box["h"].close()
        return rd(phys, size)
    h = khoinspect.open(read=closer, page_size=4096, fdt_phys=fdt)
    box["h"] = h
    raises("callback closing its own hand-over: ERR_USAGE propagates", khoinspect.Error,
           lambda: reread(h), code=khoinspect.ERR_USAGE)
    check("callback closing its own hand-over: it stays open", not h.closed)

    def reenter(phys, size):
        if "h" in box:
            box["h"].ranges()
        return rd(phys, size)
    box.clear()
    h = khoinspect.open(read=reenter, page_size=4096, fdt_phys=fdt)
    box["h"] = h
    raises("callback calling its own hand-over: ERR_USAGE propagates", khoinspect.Error,
           lambda: reread(h), code=khoinspect.ERR_USAGE)
    box.clear()
    h.close()

    # another thread that runs while the callback sleeps (the GIL released)
    # gets the same ERR_USAGE for that hand-over, and may use another one
    ev, res = threading.Event(), {}

    def sleepy(phys, size):
        if box.pop("sleep", None):
            ev.set()
            time.sleep(0.3)
        return rd(phys, size)

    def other():
        ev.wait(10)
        for key, fn in (("same", lambda: box["h"].blocks()), ("other", lambda: h2.blocks())):
            try:
                res[key] = fn()
            except khoinspect.Error as e:
                res[key] = e.code
    h = khoinspect.open(read=sleepy, page_size=4096, fdt_phys=fdt)
    h2 = khoinspect.open(img, fdt_phys=fdt)
    box.update(h=h, sleep=True)
    th = threading.Thread(target=other)
    th.start()
    reread(h)
    th.join()
    same("a thread using a hand-over while its callback runs: ERR_USAGE; another hand-over works",
         {"same": khoinspect.ERR_USAGE, "other": len(t["blockset"])}, res)
    box.clear()
    h.close()
    h2.close()

    # a cycle (the callback holds its hand-over) is collected
    def cyc():
        holder = {}

        def fn(pa, n):
            holder.get("h")
            return rd(pa, n)
        holder["h"] = khoinspect.open(read=fn, page_size=4096, fdt_phys=fdt)
    cyc()
    gc.collect()
    ok("a hand-over in a cycle with its callback is collected")

    # no reference or hand-over leaks: memory stays flat over many rounds
    # of open, ranges, verify, a failed open and close (a leak of one
    # hand-over or one list of ranges a round would add megabytes)
    def rss():
        return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def round_trip():
        with khoinspect.open(img, fdt_phys=fdt) as h:
            h.ranges(owners=True)
            h.verify()
            h.subnodes
        with khoinspect.open(read=rd, page_size=4096, fdt_phys=fdt) as h:
            h.ranges()
            h.open_findings()
        try:
            khoinspect.open(read=lambda pa, n: None, page_size=4096, fdt_phys=fdt)
        except khoinspect.Error:
            pass
    if "libasan" in os.environ.get("LD_PRELOAD", ""):
        # ASan keeps freed memory in quarantine: the resident size says nothing
        print("# memory over 150 rounds: not measured under AddressSanitizer")
    else:
        for _ in range(30):
            round_trip()
        gc.collect()
        r0 = rss()
        for _ in range(150):
            round_trip()
        gc.collect()
        grew = rss() - r0
        check("150 rounds of open, ranges, verify, close: memory grows by under 1 MiB",
              grew < 1 << 20, "grew by %d KiB" % (grew >> 10))

    # bad arguments
    raises("open(): neither a path nor read=: ERR_USAGE", khoinspect.Error,
           lambda: khoinspect.open(), code=khoinspect.ERR_USAGE)
    raises("open(path, read=): ERR_USAGE", khoinspect.Error,
           lambda: khoinspect.open(img, read=rd), code=khoinspect.ERR_USAGE)
    raises("open(path, ranges=): ERR_USAGE", khoinspect.Error,
           lambda: khoinspect.open(img, ranges=[(0, 1)]), code=khoinspect.ERR_USAGE)
    raises("open(read=, format=): ERR_USAGE", khoinspect.Error,
           lambda: khoinspect.open(read=rd, page_size=4096, fdt_phys=fdt, format="elf"),
           code=khoinspect.ERR_USAGE)
    raises("open(read=5): TypeError", TypeError, lambda: khoinspect.open(read=5, page_size=4096))
    raises("open(page_size='4k'): TypeError", TypeError,
           lambda: khoinspect.open(img, page_size="4k"))
    raises("open(page_size=-1): OverflowError", OverflowError,
           lambda: khoinspect.open(img, page_size=-1))
    raises("open(fdt_phys=2**64): OverflowError", OverflowError,
           lambda: khoinspect.open(img, fdt_phys=2 ** 64))
    raises("open(page_size=1234): the library's ERR_USAGE", khoinspect.Error,
           lambda: khoinspect.open(img, page_size=1234), code=khoinspect.ERR_USAGE)
    raises("open(read=, page_size=1234): the library's ERR_USAGE", khoinspect.Error,
           lambda: khoinspect.open(read=rd, page_size=1234, fdt_phys=fdt),
           code=khoinspect.ERR_USAGE)
    raises("open(format='bogus'): ERR_USAGE", khoinspect.Error,
           lambda: khoinspect.open(img, format="bogus"), code=khoinspect.ERR_USAGE)
    raises("open(read=, ranges=[(1,)]): TypeError", TypeError,
           lambda: khoinspect.open(read=rd, page_size=4096, ranges=[(1,)]))
    raises("open(read=, ranges=5): TypeError", TypeError,
           lambda: khoinspect.open(read=rd, page_size=4096, ranges=5))
    raises("open(read=, nodata=5): TypeError", TypeError,
           lambda: khoinspect.open(read=rd, page_size=4096, fdt_phys=fdt, nodata=5))
    raises("open(bogus=1): TypeError", TypeError, lambda: khoinspect.open(img, bogus=1))
    raises("open(fdt_phys= not an FDT): ERR_FORMAT or ERR_CORRUPT", khoinspect.Error,
           lambda: khoinspect.open(img, fdt_phys=fdt + 4096),
           test=lambda e: e.code in (khoinspect.ERR_FORMAT, khoinspect.ERR_CORRUPT) and
           "0x%x" % (fdt + 4096) in str(e))
    with khoinspect.open(img) as h:
        raises("ranges(order=64): ERR_USAGE", khoinspect.Error,
               lambda: h.ranges(order=64), code=khoinspect.ERR_USAGE)
        raises("blocks(order=-2): ERR_USAGE", khoinspect.Error,
               lambda: h.blocks(order=-2), code=khoinspect.ERR_USAGE)
        raises("ranges(order='x'): TypeError", TypeError, lambda: h.ranges(order="x"))
        raises("verify_against(missing manifest): ERR_OS", khoinspect.Error,
               lambda: h.verify_against(os.path.join(d, "no-such.json")),
               code=khoinspect.ERR_OS)
        raises("snapshot(into a missing directory): ERR_OS", khoinspect.Error,
               lambda: h.snapshot(os.path.join(d, "no-such-dir", "m.json")),
               code=khoinspect.ERR_OS)
        raises("diff(path, hand-over): ERR_USAGE", khoinspect.Error,
               lambda: khoinspect.diff(img, h), code=khoinspect.ERR_USAGE)
        raises("diff(h, h, page_size=4096): ERR_USAGE", khoinspect.Error,
               lambda: khoinspect.diff(h, h, page_size=4096), code=khoinspect.ERR_USAGE)
    raises("Handover() cannot be made directly: TypeError", TypeError,
           lambda: khoinspect.Handover())
    check("__version__ is the library's", khoinspect.__version__.count(".") == 2,
          khoinspect.__version__)


# ---- real kernels --------------------------------------------------------------

def realkernel(d):
    rk = os.path.join(FIX, "realkernel-7.3")
    want = load_blocks_txt(os.path.join(rk, "blocks-handover.txt"))
    with khoinspect.open(os.path.join(d, "handover.kdump")) as h:
        same("realkernel x86_64 kdump by path: blocks = blocks-handover.txt",
             want, expand(h.ranges(), 4096))
        same("realkernel x86_64 kdump by path: kho-v4", "kho-v4", h.compatible)
        fdt = h.fdt_phys
    check("realkernel x86_64: the FDT page is a preserved order-0 block of the truth",
          (fdt, 0) in want, "0x%x" % (fdt or 0))
    elf = os.path.join(d, "handover.elf")
    if os.path.exists(elf):
        with khoinspect.open(elf) as h:
            same("realkernel x86_64 elf by path: blocks", want, expand(h.ranges(), 4096))
            same("realkernel x86_64 elf by path: the kdump's FDT", fdt, h.fdt_phys)
        rd = ElfReader(elf)
        with khoinspect.open(read=rd, page_size=4096, fdt_phys=fdt) as h:
            same("realkernel x86_64 elf by read callback: blocks", want, expand(h.ranges(), 4096))
            same("realkernel x86_64 elf by read callback: LUO and memfd owners named",
                 True, any(r.owner and r.owner.startswith("luo:") for r in h.ranges(owners=True)))
            print("# realkernel x86_64 by read callback, FDT given: %d reads, %d bytes"
                  % (rd.calls, rd.bytes))
        rs = ElfReader(elf)
        data = rs.data_ranges()
        with khoinspect.open(read=rs, page_size=4096, ranges=data, name="sparse") as h:
            same("realkernel x86_64 elf by read callback, scan of its data ranges: the FDT",
                 fdt, h.fdt_phys)
            same("realkernel x86_64 elf by read callback, scan: blocks", want,
                 expand(h.ranges(), 4096))
            print("# realkernel x86_64 scan by read callback: %d ranges, %d MiB of data, "
                  "%d reads, %d MiB read" % (len(data), sum(e - s for s, e in data) >> 20,
                                             rs.calls, rs.bytes >> 20))
    for ps in ("16k", "64k"):
        ra = os.path.join(FIX, "realkernel-7.3-arm64", ps)
        want = load_blocks_txt(os.path.join(ra, "blocks-handover.txt"))
        with khoinspect.open(os.path.join(d, "arm64-%s-handover.kdump" % ps)) as h:
            same("realkernel arm64 %s kdump by path: page size" % ps,
                 int(ps[:-1]) * 1024, h.page_size)
            same("realkernel arm64 %s kdump by path: blocks = blocks-handover.txt" % ps,
                 want, expand(h.ranges(), h.page_size))


# ---- drgn ------------------------------------------------------------------------

def write_core(src, dst, vmcoreinfo):
    """A copy of an ELF64 little-endian core with one PT_NOTE holding
    vmcoreinfo and the same PT_LOAD segments: what drgn needs to take a
    golden image for a kernel core (it wants OSRELEASE, PAGESIZE,
    KERNELOFFSET and SYMBOL(swapper_pg_dir))."""
    r = ElfReader(src)
    name, desc = b"VMCOREINFO\0", vmcoreinfo.encode()
    note = (struct.pack("<III", len(name), len(desc), 0) + name.ljust(12, b"\0") +
            desc.ljust((len(desc) + 3) // 4 * 4, b"\0"))
    nph = 1 + len(r.segs)
    noteoff = 64 + 56 * nph
    off = (noteoff + len(note) + 4095) // 4096 * 4096
    hdr = bytearray(os.pread(r.fd, 64, 0))
    struct.pack_into("<QQ", hdr, 32, 64, 0)      # e_phoff, e_shoff
    struct.pack_into("<HHHH", hdr, 54, 56, nph, 0, 0)  # phentsize, phnum, shentsize, shnum
    ph = struct.pack("<IIQQQQQQ", 4, 0, noteoff, 0, 0, len(note), len(note), 0)
    body = []
    for s, e, foff in r.segs:
        ph += struct.pack("<IIQQQQQQ", 1, 7, off, 0, s, e - s, e - s, 0)
        body.append((off, foff, e - s))
        off += e - s
    with open(dst, "wb") as f:
        f.write(hdr + ph + note)
        for o, foff, n in body:
            f.seek(o)
            f.write(os.pread(r.fd, n, foff))


def drgn_session(d):
    try:
        import drgn
    except ImportError:
        print("# drgn: not installed (python3-drgn), skipped")
        return
    img = os.path.join(d, "v3-x86_64-4k.elf")
    t = load_truth(os.path.join(GOLDEN, "v3-x86_64-4k.truth.json"))
    core = os.path.join(d, "vmcore")
    write_core(img, core, "OSRELEASE=7.0.0-khoref\nPAGESIZE=4096\nKERNELOFFSET=0\n"
               "SYMBOL(swapper_pg_dir)=ffffffff82000000\n")

    # README "Python", the drgn session, as written there
    prog = drgn.program_from_core_dump(core)
    h = khoinspect.open(read=lambda pa, n: prog.read(pa, n, True),
                        nodata=drgn.FaultError,
                        page_size=prog["PAGE_SIZE"].value_(),
                        fdt_phys=int(t["fdt_phys"], 16))
    same("drgn: blocks through prog.read = truth's", set(t["blockset"]), expand(h.ranges(), 4096))
    same("drgn: compatible", t["format"], h.compatible)
    # the FDT found by a scan of the RAM the truth names
    ram = [(int(r["start"], 16), int(r["start"], 16) + int(r["size"], 16)) for r in t["regions"]]
    with khoinspect.open(read=lambda pa, n: prog.read(pa, n, True), nodata=drgn.FaultError,
                         page_size=prog["PAGE_SIZE"].value_(), ranges=ram) as hs:
        same("drgn: ranges= scan finds the FDT", int(t["fdt_phys"], 16), hs.fdt_phys)
    # a hole drgn cannot read: drgn.FaultError is NODATA, said as such
    try:
        prog.read(ram[0][1], 8, True)
        bad("drgn: a hole", "drgn read it")
    except drgn.FaultError:
        raises("drgn: FaultError (nodata=) at the FDT address is ERR_NODATA", khoinspect.Error,
               lambda: khoinspect.open(read=lambda pa, n: prog.read(pa, n, True),
                                       nodata=drgn.FaultError, page_size=4096,
                                       fdt_phys=ram[0][1]),
               code=khoinspect.ERR_NODATA)
        raises("drgn: without nodata=, FaultError propagates", drgn.FaultError,
               lambda: khoinspect.open(read=lambda pa, n: prog.read(pa, n, True),
                                       page_size=4096, fdt_phys=ram[0][1]))
    h.close()


def main():
    what, d = sys.argv[1], sys.argv[2]
    {"golden": golden, "errors": errors, "realkernel": realkernel,
     "drgn": drgn_session}[what](d)



if __name__ == "__main__":
    main()
