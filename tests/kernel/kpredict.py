# SPDX-License-Identifier: GPL-2.0-or-later
"""kpredict: what a kernel's KHO clients say they preserved, read from a memory dump without
khoinspect and without the preserved-memory map (the radix tree is not read at all).

The records followed (facts from the kernel sources, include/linux/kho/abi/ and the clients):
  * the root KHO FDT: compatible "kho-vN", one subnode per blob with "preserved-data" (u64
    physical address) and "blob-size" (u64); the FDT's own page is preserved;
  * "memblock" (FDT, memblock-v1): one node per reserve_mem region, compatible
    "reserve-mem-v1", "start" and "size" (u64 each): the whole region is preserved;
  * "kho_test" (FDT, kho-test-v1): node /data holds "nr_folios" (u32) and "folios_info", a
    struct kho_vmalloc {u64 first chunk; u32 total_pages; u16 flags; u16 order}.  Each chunk
    is one page {u64 next; u64 phys[] (zero-terminated)}; the pages it lists hold one u64 per
    folio, "physical address | order";
  * "LUO" (raw, luo-v5): {char compatible[8]; u64 liveupdate_num, sessions_pa, flbs_pa}.
    Sessions and each session's files live in chains of one-page blocks {u64 next; u64 count;
    entries}; a session entry is {char name[64]; u64 files; u64 count} (80 bytes), a file
    entry {char compatible[48]; u64 data; u64 token} (64 bytes).  A "memfd-v2" file's data is
    struct memfd_luo_ser {u64 pos, size; u32 seals, flags; u64 nr_folios; struct kho_vmalloc
    folios} (48 bytes, its own page), the vmalloc area an array of {u64 pfn:52|flags:12;
    u64 index} (16 bytes per folio).

Each prediction is an Item: a physical range, the order of the block that must start there
(None when the range may be split into several blocks), and the owner khoinspect must name.
"""
import re
import struct

FDT_MAGIC = 0xd00dfeed


class ElfDump:
    """Physical memory of an ELF core (QEMU dump-guest-memory): PT_LOAD by p_paddr."""

    def __init__(self, path):
        self.f = open(path, 'rb')
        h = self.f.read(64)
        if h[:4] != b'\x7fELF' or h[4] != 2:
            raise ValueError(f'{path}: not a 64-bit ELF file')
        end = '<' if h[5] == 1 else '>'
        self.end = end
        phoff, = struct.unpack_from(end + 'Q', h, 32)
        phentsize, phnum = struct.unpack_from(end + 'HH', h, 54)
        self.segs = []
        self.f.seek(phoff)
        ph = self.f.read(phentsize * phnum)
        for i in range(phnum):
            p_type, _flags, off, _va, pa, filesz, _memsz, _al = struct.unpack_from(
                end + 'IIQQQQQQ', ph, i * phentsize)
            if p_type == 1 and filesz:
                self.segs.append((pa, filesz, off))
        self.segs.sort()

    def read(self, pa, n):
        out = b''
        while n:
            for s, size, off in self.segs:
                if s <= pa < s + size:
                    k = min(n, s + size - pa)
                    self.f.seek(off + pa - s)
                    out += self.f.read(k)
                    pa += k
                    n -= k
                    break
            else:
                raise KeyError(f'physical address {pa:#x} is not in the dump')
        return out

    def u64(self, pa):
        return struct.unpack(self.end + 'Q', self.read(pa, 8))[0]

    def pages(self, ps):
        for s, size, _off in self.segs:
            a = (s + ps - 1) // ps * ps
            while a + ps <= s + size:
                yield a
                a += ps


class FdtNode:
    """A node; KHO writes its numbers in the CPU's byte order (little-endian on x86_64 and
    arm64), not as big-endian FDT cells."""
    def __init__(self, name):
        self.name, self.props, self.children = name, {}, {}

    def u64(self, prop):
        v = self.props.get(prop)
        return struct.unpack('<Q', v)[0] if v is not None and len(v) == 8 else None

    def u32(self, prop):
        v = self.props.get(prop)
        return struct.unpack('<I', v)[0] if v is not None and len(v) == 4 else None

    def string(self, prop):
        v = self.props.get(prop)
        return v.split(b'\0')[0].decode('utf-8', 'replace') if v else None


def parse_fdt(blob):
    """The tree of a flattened device tree, or None when BLOB is not a whole, valid one."""
    if len(blob) < 40:
        return None
    magic, total, off_struct, off_strings, _rsv, version, _lc, _cpu, size_strings, size_struct = \
        struct.unpack_from('>10I', blob, 0)
    if magic != FDT_MAGIC or total > len(blob) or version < 17:
        return None
    if off_struct + size_struct > total or off_strings + size_strings > total:
        return None
    pos, end = off_struct, off_struct + size_struct
    stack, root = [], None
    while pos + 4 <= end:
        tok, = struct.unpack_from('>I', blob, pos)
        pos += 4
        if tok == 1:
            z = blob.index(b'\0', pos)
            node = FdtNode(blob[pos:z].decode('utf-8', 'replace'))
            pos = (z + 1 + 3) & ~3
            if stack:
                stack[-1].children[node.name] = node
            elif root is None:
                root = node
            else:
                return None
            stack.append(node)
        elif tok == 2:
            if not stack:
                return None
            stack.pop()
        elif tok == 3:
            ln, nameoff = struct.unpack_from('>II', blob, pos)
            pos += 8
            if not stack or pos + ln > end:
                return None
            z = blob.index(b'\0', off_strings + nameoff)
            stack[-1].props[blob[off_strings + nameoff:z].decode()] = blob[pos:pos + ln]
            pos = (pos + ln + 3) & ~3
        elif tok == 4:
            continue
        elif tok == 9:
            return root if not stack else None
        else:
            return None
    return None


def candidates(dump, ps, step=1 << 22):
    """Page-aligned physical addresses whose page starts with the FDT magic."""
    magic = b'\xd0\x0d\xfe\xed'
    for s, size, off in dump.segs:
        a = (s + ps - 1) // ps * ps
        while a < s + size:
            n = min(step, s + size - a)
            dump.f.seek(off + a - s)
            buf = dump.f.read(n)
            i = buf.find(magic)
            while i >= 0:
                if i % ps == 0:
                    yield a + i
                i = buf.find(magic, i + 1)
            a += n


def find_kho_fdts(dump, ps):
    """Every page-aligned KHO root FDT that parses whole: [(phys, bytes, tree)]."""
    found = []
    for pa in candidates(dump, ps):
        total = struct.unpack('>I', dump.read(pa + 4, 4))[0]
        if not 40 <= total <= 1 << 20:
            continue
        try:
            blob = dump.read(pa, total)
        except KeyError:
            continue
        t = parse_fdt(blob)
        if t is not None and (t.string('compatible') or '').startswith('kho-v'):
            found.append((pa, blob, t))
    return found


class Item:
    def __init__(self, start, size, order, owner, what):
        self.start, self.size, self.order, self.owner, self.what = start, size, order, owner, what

    def __repr__(self):
        o = '' if self.order is None else f' order {self.order}'
        return f'{self.what} [{self.start:#x}, +{self.size:#x}){o} owner~{self.owner}'


def order_of(size, ps):
    o = 0
    while (ps << o) < size:
        o += 1
    return o


class Prediction:
    """What the clients' records of one root FDT say is preserved."""

    def __init__(self, dump, ps, fdt_pa, tree):
        self.dump, self.ps, self.fdt_pa, self.tree = dump, ps, fdt_pa, tree
        self.items, self.notes, self.errors = [], [], []
        self.blobs = {}            # name -> (pa, size)
        self.regions = {}          # reserve_mem name -> (start, size)
        self.memfds = {}           # token -> dict(size, nr_folios, folios=[pa...])
        self.kho_test = None       # dict(nr_folios, folios=[(pa, order)])
        self.add(fdt_pa, ps, 0, r'^kho:fdt$', 'root KHO FDT page')
        for name, node in tree.children.items():
            pa, size = node.u64('preserved-data'), node.u64('blob-size')
            if pa is None or size is None:
                self.notes.append(f'subnode {name} has no preserved-data/blob-size')
                continue
            self.blobs[name] = (pa, size)
            start = pa // ps * ps
            self.add(start, (pa + size - start + ps - 1) // ps * ps, None,
                     '^kho:' + re.escape(name) + '$', f'blob {name}')
            try:
                blob = dump.read(pa, size)
                if name == 'memblock':
                    self.memblock(blob)
                elif name == 'kho_test':
                    self.kho_test_blob(blob)
                elif name == 'LUO':
                    self.luo(blob)
            except (KeyError, ValueError, struct.error) as e:
                self.errors.append(f'blob {name} at {pa:#x}: {e}')

    def add(self, start, size, order, owner, what):
        self.items.append(Item(start, size, order, owner, what))

    def memblock(self, blob):
        t = parse_fdt(blob)
        if t is None:
            raise ValueError('not a valid FDT')
        for name, node in t.children.items():
            if node.string('compatible') != 'reserve-mem-v1':
                continue
            start, size = node.u64('start'), node.u64('size')
            self.regions[name] = (start, size)
            self.add(start, size, None, '^memblock:' + re.escape(name) + '$', f'reserve_mem {name}')

    def vmalloc(self, desc, owner, what):
        """Chunk pages and area pages of a struct kho_vmalloc; returns the area's pages."""
        first, total, _flags, order = struct.unpack('<QIHH', desc)
        pages, chunk, seen = [], first, set()
        per = (self.ps - 8) // 8
        while chunk and chunk not in seen and len(seen) < 4096:
            seen.add(chunk)
            self.add(chunk, self.ps, 0, owner, f'{what} vmalloc chunk')
            raw = self.dump.read(chunk, self.ps)
            nxt = struct.unpack_from('<Q', raw, 0)[0]
            for i in range(per):
                p = struct.unpack_from('<Q', raw, 8 + 8 * i)[0]
                if not p:
                    break
                pages.append(p)
                self.add(p, self.ps << order, order, owner, f'{what} vmalloc page')
            chunk = nxt
        if len(pages) << order != total:
            self.errors.append(f'{what}: vmalloc lists {len(pages)} pages of order {order}, '
                               f'descriptor says {total} pages')
        return pages, order

    def area(self, pages, order, n):
        data = b''.join(self.dump.read(p, self.ps << order) for p in pages)
        if len(data) < n:
            raise ValueError(f'vmalloc area holds {len(data)} bytes, {n} needed')
        return data[:n]

    def kho_test_blob(self, blob):
        t = parse_fdt(blob)
        if t is None:
            raise ValueError('not a valid FDT')
        data = t.children.get('data')
        if data is None:
            raise ValueError('no /data node')
        nr = data.u32('nr_folios')
        desc = data.props.get('folios_info')
        if nr is None or desc is None or len(desc) != 16:
            raise ValueError('/data has no nr_folios (u32) or folios_info (16 bytes)')
        owner = r'^kho[_:-]?test|kho_test'
        pages, order = self.vmalloc(desc, owner, 'kho_test folios_info')
        raw = self.area(pages, order, nr * 8)
        folios = []
        for i in range(nr):
            v = struct.unpack_from('<Q', raw, 8 * i)[0]
            pa, o = v & ~(self.ps - 1), v & (self.ps - 1)
            folios.append((pa, o))
            self.add(pa, self.ps << o, o, owner, f'kho_test folio {i}')
        self.kho_test = {'nr_folios': nr, 'folios': folios}

    def chain(self, head, entry, owner, what):
        """Entries of a chain of one-page serialization blocks {next, count, entries}."""
        out, seen = [], set()
        while head and head not in seen and len(seen) < 1024:
            seen.add(head)
            self.add(head, self.ps, 0, owner, f'{what} block')
            raw = self.dump.read(head, self.ps)
            nxt, count = struct.unpack_from('<QQ', raw, 0)
            if 16 + count * entry > self.ps:
                raise ValueError(f'{what} block at {head:#x}: {count} entries do not fit')
            out += [raw[16 + i * entry:16 + (i + 1) * entry] for i in range(count)]
            head = nxt
        return out

    def luo(self, blob):
        if len(blob) < 32:
            raise ValueError('shorter than struct luo_ser')
        compat = blob[:8].split(b'\0')[0].decode()
        if compat != 'luo-v5':
            self.notes.append(f'LUO blob is {compat!r}: sessions not followed')
            return
        _num, sessions, flbs = struct.unpack_from('<QQQ', blob, 8)
        if flbs:
            # the file-lifecycle-bound area: a header {u64 pgcnt; u64 count} on pgcnt pages
            pgcnt, _count = struct.unpack('<QQ', self.dump.read(flbs, 16))
            if not 0 < pgcnt <= 1024:
                raise ValueError(f'FLB header at {flbs:#x}: {pgcnt} pages')
            self.add(flbs, pgcnt * self.ps, order_of(pgcnt * self.ps, self.ps), r'^luo:flb$',
                     'LUO FLB area')
        for e in self.chain(sessions, 80, r'^luo:sessions$', 'LUO sessions'):
            name = e[:64].split(b'\0')[0].decode('utf-8', 'replace')
            files, count = struct.unpack_from('<QQ', e, 64)
            fents = self.chain(files, 64, '^luo:' + re.escape(name) + '/files$',
                               f'LUO session {name} files')
            if len(fents) != count:
                self.errors.append(f'session {name}: {len(fents)} file entries, count says {count}')
            for fe in fents:
                fcompat = fe[:48].split(b'\0')[0].decode()
                data, token = struct.unpack_from('<QQ', fe, 48)
                owner = '^luo:' + re.escape(name) + r'/file (%d|%#x)\b' % (token, token)
                if fcompat != 'memfd-v2':
                    self.notes.append(f'file {token:#x}: handler {fcompat} not followed')
                    continue
                self.add(data // self.ps * self.ps, self.ps, 0, owner, f'memfd {token:#x} memfd_luo_ser')
                ser = self.dump.read(data, 48)
                _pos, size, _seals, _flags, nr = struct.unpack_from('<QQIIQ', ser, 0)
                mf = {'session': name, 'size': size, 'nr_folios': nr, 'folios': []}
                self.memfds[token] = mf
                if not nr:
                    continue
                pages, order = self.vmalloc(ser[32:48], owner, f'memfd {token:#x} folios')
                raw = self.area(pages, order, nr * 16)
                for i in range(nr):
                    w, _index = struct.unpack_from('<QQ', raw, 16 * i)
                    pa = (w & ((1 << 52) - 1)) * self.ps
                    mf['folios'].append(pa)
                    self.add(pa, self.ps, None, owner, f'memfd {token:#x} folio {i}')
