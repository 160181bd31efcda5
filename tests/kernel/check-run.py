#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check-run.py RUNDIR KHOINSPECT: hold khoinspect against the kernel's own records for one
run of qemu-run.py.  Prints one "PASS name" or "FAIL name: why" line per assertion and ends
with "N passed, N failed"; exit 0 when nothing failed.

The expected blocks and owners come from kpredict (the clients' records read from the ELF dump
by this script, never from khoinspect and never from the preserved-memory map), the guest's
own files (command line, memblock's debugfs, luokeep's report) and byte comparisons of the
dumps taken before and after the kexec.
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kpredict  # noqa: E402

run, ki = sys.argv[1], sys.argv[2]
results = []


def check(name, ok, why=''):
    results.append(ok)
    print(f'PASS {name}' if ok else f'FAIL {name}: {why}', flush=True)
    return ok


def info(msg):
    print(f'  {msg}', flush=True)


def khoinspect(*args, timeout=900):
    p = subprocess.run([ki, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def rel(p):
    return os.path.relpath(p, run)


params = dict(l.split('=', 1) for l in open(os.path.join(run, 'params.txt')).read().splitlines() if '=' in l)
ps = int(params['page_kib']) * 1024
append = params['append'].split()
want_memfds = {}
want_regions = {}
for w in append:
    if w.startswith('ki.memfds='):
        for spec in w.split('=', 1)[1].split(','):
            t, s = spec.split(':')
            want_memfds[int(t, 0)] = int(s, 0)
    if w.startswith('reserve_mem='):
        size, _align, name = w.split('=', 1)[1].split(':')
        mult = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}
        want_regions[name] = int(size[:-1]) * mult[size[-1]] if size[-1] in mult else int(size)


def stages():
    names = [n for n in ('before', 'handover', 'after', 'handover2', 'after2')
             if os.path.exists(os.path.join(run, n + '.elf'))]
    return names


def blocks_of(doc):
    return {(int(b['phys'], 16), b['order']): b.get('owner', '') for b in doc.get('blocks', [])}


def hold(stage, fmt, doc, pred):
    """khoinspect's block list (DOC) against the prediction PRED."""
    got = blocks_of(doc)
    by_start = {}
    for (pa, o), owner in got.items():
        by_start[pa] = (o, owner)
    spans = sorted((pa, pa + (ps << o), owner) for (pa, o), owner in got.items())
    missing, wrong_owner, badtile = [], [], []
    import bisect
    starts = [s[0] for s in spans]

    def overlapping(a, b):
        i = bisect.bisect_right(starts, a) - 1
        i = max(i, 0)
        out = []
        while i < len(spans) and spans[i][0] < b:
            if spans[i][1] > a:
                out.append(spans[i])
            i += 1
        return out

    explained = [False] * len(spans)
    for it in pred.items:
        ov = overlapping(it.start, it.start + it.size)
        if it.order is not None:
            b = by_start.get(it.start)
            if b is None or b[0] != it.order:
                missing.append(f'{it.what}: no order-{it.order} block at {it.start:#x}'
                               + (f' (order {b[0]} there)' if b else ''))
                continue
        else:
            covered = sum(min(e, it.start + it.size) - max(s, it.start) for s, e, _ in ov)
            if covered != it.size:
                missing.append(f'{it.what}: blocks cover {covered:#x} of [{it.start:#x}, +{it.size:#x})')
                continue
            if it.size >= ps and any(s < it.start or e > it.start + it.size for s, e, _ in ov) \
                    and not it.what.startswith('blob'):
                badtile.append(f'{it.what}: a block reaches outside [{it.start:#x}, +{it.size:#x})')
        for s, e, owner in ov:
            explained[starts.index(s)] = True
            if not re.search(it.owner, owner):
                wrong_owner.append(f'{it.what}: block {s:#x} owned by {owner!r}, expected ~{it.owner}')
    unexplained = [f'{s:#x}-{e:#x} ({owner})' for (s, e, owner), x in zip(spans, explained) if not x]
    tag = f'{stage} {fmt}'
    if unexplained and getattr(pred, 'unlinked_memfds', False):
        # no hand-over of this kernel was dumped, so nothing names the memfd pages: their
        # number follows from the sizes luokeep was asked for (per memfd: one folio per page,
        # the memfd_luo_ser page, the folio array at 16 bytes a folio and its vmalloc chunk
        # pages; per session: one session block and one file block)
        n = 1 + 1
        for size in want_memfds.values():
            folios = -(-size // ps)
            area = -(-folios * 16 // ps)
            n += folios + 1 + area + -(-area // ((ps - 8) // 8))
        only = [u for u in unexplained if u.endswith('(unclaimed)')]
        check(f'{tag}: the blocks no record names are the memfds luokeep preserved ({n} pages)',
              len(only) == len(unexplained) == n, f'{len(unexplained)} unnamed blocks: ' + ', '.join(unexplained[:6]))
        unexplained = []
    check(f'{tag}: every block the clients\' records name is listed ({len(pred.items)} records)',
          not missing, '; '.join(missing[:5]) + (f' ... ({len(missing)} in all)' if len(missing) > 5 else ''))
    check(f'{tag}: every listed block is named by a client record ({len(spans)} blocks)',
          not unexplained, ', '.join(unexplained[:8]) + (f' ... ({len(unexplained)} in all)' if len(unexplained) > 8 else ''))
    check(f'{tag}: owners as the records say',
          not wrong_owner, '; '.join(wrong_owner[:5]) + (f' ... ({len(wrong_owner)} in all)' if len(wrong_owner) > 5 else ''))
    if badtile:
        check(f'{tag}: regions tiled exactly', False, '; '.join(badtile[:5]))
    return got


def predict(stage, elf, earlier):
    cands = kpredict.find_kho_fdts(elf, ps)
    old = {bytes(b) for b in earlier}
    live = [c for c in cands if bytes(c[1]) not in old]
    contents = {bytes(c[1]) for c in live}
    info(f'{stage}: KHO FDTs in the dump at ' + ', '.join(f'{c[0]:#x}' for c in cands)
         + (f' (earlier hand-overs: ' + ', '.join(f'{c[0]:#x}' for c in cands if bytes(c[1]) in old) + ')' if old else ''))
    if not check(f'{stage}: the dump holds one live KHO FDT', len(contents) == 1,
                 f'{len(contents)} different candidates'):
        return None, []
    pa, blob, tree = live[0]
    pred = kpredict.Prediction(elf, ps, pa, tree)
    for n in pred.notes:
        info(f'{stage}: note: {n}')
    check(f'{stage}: the clients\' records decode', not pred.errors, '; '.join(pred.errors))
    return pred, [c[0] for c in live]


def main():
    earlier = []
    lists = {}
    preds = {}
    found = {}
    for stage in stages():
        elf = kpredict.ElfDump(os.path.join(run, stage + '.elf'))
        # every FDT handed over earlier is consumed; copies of it (debugfs in/fdt read into
        # a tmpfs) have the same bytes
        pred, addrs = predict(stage, elf, earlier)
        if pred is None:
            continue
        preds[stage], found[stage] = pred, addrs
        if stage.startswith('handover'):
            # the FDT handed over: after the kexec it is the consumed one, not the live one
            earlier.append(elf.read(pred.fdt_pa, int.from_bytes(elf.read(pred.fdt_pa + 4, 4), 'big')))
    # LUO allocates and preserves its session and file blocks, and memfd its folios, records
    # and folio arrays, when a file is preserved, but writes the chain into its blob only when
    # the kexec starts: a dump taken before names those blocks nowhere.  They are the pages the
    # hand-over's LUO records name (written at the jump), and khoinspect can only call them
    # unclaimed.
    for stage, nxt in (('before', 'handover'), ('after', 'handover2')):
        if stage in preds and nxt in preds and not preds[stage].memfds:
            for it in preds[nxt].items:
                if it.what.startswith(('LUO session', 'memfd')) and it.what != 'LUO FLB area':
                    preds[stage].add(it.start, it.size, it.order, r'^unclaimed$',
                                     it.what + f' (recorded in {nxt})')
    if 'before' in preds and 'handover' not in preds and want_memfds:
        preds['before'].unlinked_memfds = True
    for stage, pred in preds.items():
        elf, addrs = pred.dump, found[stage]
        elf_path = os.path.join(run, stage + '.elf')
        nfol = len(pred.kho_test['folios']) if pred.kho_test else 0
        info(f'{stage}: records: FDT {pred.fdt_pa:#x}, blobs {sorted(pred.blobs)}, '
             f'reserve_mem {sorted(pred.regions)}, kho_test folios {nfol}, '
             'memfds ' + ', '.join('%#x:%#x/%d' % (t, m['size'], m['nr_folios'])
                                   for t, m in sorted(pred.memfds.items())))
        # the records against what the run asked for
        if stage in ('before', 'handover'):
            got_r = {n: s for n, (_a, s) in pred.regions.items()}
            check(f'{stage}: memblock records the reserve_mem regions of the command line',
                  got_r == want_regions, f'records {got_r}, command line {want_regions}')
        if stage.startswith('handover'):
            got_m = {t: m['size'] for t, m in pred.memfds.items()}
            check(f'{stage}: LUO records the memfds luokeep preserved', got_m == want_memfds,
                  f'records {got_m}, luokeep {want_memfds}')
            bad = [t for t, m in pred.memfds.items() if m['nr_folios'] != -(-m['size'] // ps)]
            check(f'{stage}: each memfd has one folio per page', not bad,
                  ', '.join(f'{t:#x}: {pred.memfds[t]["nr_folios"]} folios' for t in bad))
        per_fmt = {}
        for fmt, path in (('ELF', elf_path), ('kdump', os.path.join(run, stage + '.kdump'))):
            if not os.path.exists(path):
                continue
            rc, out, err = khoinspect('-j', 'list', '--blocks', '--owners', path)
            if not check(f'{stage} {fmt}: khoinspect list --blocks --owners {rel(path)} exits 0',
                         rc == 0, f'exit {rc}: {err.strip()[:300]}'):
                if not out.strip():
                    continue
            try:
                doc = json.loads(out)
            except ValueError as e:
                check(f'{stage} {fmt}: JSON output', False, str(e))
                continue
            fdt = int(doc.get('kho', {}).get('fdt_phys', '0x0'), 16)
            check(f'{stage} {fmt}: khoinspect reads the live KHO FDT', fdt in addrs,
                  f'it read {fdt:#x}, the live one is at ' + ', '.join(f'{a:#x}' for a in addrs))
            per_fmt[fmt] = hold(stage, fmt, doc, pred)
        if len(per_fmt) == 2:
            e, k = per_fmt['ELF'], per_fmt['kdump']
            check(f'{stage}: ELF and kdump dumps list the same blocks and owners', e == k,
                  f'{len(set(e.items()) ^ set(k.items()))} differ')
        lists[stage] = per_fmt.get('ELF')
    return lists, preds


def guest_file(stage, name):
    p = os.path.join(run, 'guest', stage, 'ki', name)
    return open(p).read() if os.path.exists(p) else None


def guest_checks(lists, preds):
    """khoinspect inside the guest, on the live system, against the dumps and the records."""
    for stage in sorted(os.listdir(os.path.join(run, 'guest'))) if os.path.isdir(os.path.join(run, 'guest')) else []:
        if guest_file(stage, 'commands.txt') is None:
            continue
        for n, what in (('list', 'list live'), ('verify', 'verify live'), ('fdt', 'fdt live'),
                        ('list_kcore', 'list /proc/kcore'), ('blocks', 'list --blocks --owners live'),
                        ('snapshot', 'snapshot live')):
            rc = guest_file(stage, n + '.rc')
            if rc is None:
                continue
            err = (guest_file(stage, n + '.err') or '').strip().splitlines()
            check(f'{stage} guest: khoinspect {what} exits 0', rc.strip() == '0',
                  f'exit {rc.strip()}: {err[-1] if err else ""}')
        docs = {}
        for n in ('blocks', 'blocks_kcore'):
            if (guest_file(stage, n + '.rc') or '').strip() != '0':
                continue           # already a FAIL above
            try:
                docs[n] = blocks_of(json.loads(guest_file(stage, n + '.out') or ''))
            except ValueError:
                pass
        if len(docs) == 2:
            check(f'{stage} guest: list live and list /proc/kcore agree', docs['blocks'] == docs['blocks_kcore'],
                  f'{len(set(docs["blocks"].items()) ^ set(docs["blocks_kcore"].items()))} blocks differ')
        dump_stage = 'before' if stage == 'before' else stage if stage.startswith('after') else None
        # the dump follows the last listing (luokeep again preserves more before it)
        try:
            if (guest_file(stage, 'blocks_again.rc') or '').strip() == '0':
                docs['blocks'] = blocks_of(json.loads(guest_file(stage, 'blocks_again.out') or ''))
        except ValueError:
            pass
        if 'blocks' in docs and dump_stage and lists.get(dump_stage) is not None:
            d = lists[dump_stage]
            check(f'{stage} guest: list live agrees with the {dump_stage} dump', docs['blocks'] == d,
                  f'{len(set(docs["blocks"].items()) ^ set(d.items()))} blocks differ')


def changed_ranges(doc):
    """Start of each range a verify --against document says changed (its "phys" is the first
    chunk that changed; the range is in the message)."""
    out = set()
    for f in doc.get('findings', []):
        if f['id'] == 'range-changed':
            m = re.search(r'range (0x[0-9a-f]+)-', f['message'])
            out.add(int(m.group(1), 16) if m else int(f['phys'], 16))
    return out


def changed_truth(manifest, a, b):
    """Starts of the manifest's ranges whose bytes differ between dumps A and B (ELF)."""
    out = set()
    for r in manifest['ranges']:
        s, e = int(r['start'], 16), int(r['end'], 16)
        pa = s
        while pa < e:
            n = min(e - pa, 1 << 20)
            try:
                if a.read(pa, n) != b.read(pa, n):
                    out.add(s)
                    break
            except KeyError:
                out.add(s)
                break
            pa += n
    return out


def against_checks():
    """snapshot before a kexec, verify --against after it: exactly the ranges that changed."""
    gen = 1
    while True:
        snap_stage = 'before' if gen == 1 else ('after' if gen == 2 else f'after{gen - 1}')
        snap = os.path.join(run, 'guest', snap_stage, 'snap.json')
        after = 'after' if gen == 1 else f'after{gen}'
        hand = 'handover' if gen == 1 else f'handover{gen}'
        dumped_before = os.path.join(run, snap_stage + '.elf')
        if not os.path.exists(dumped_before):
            return
        in_guest = os.path.exists(snap)
        if not in_guest:
            # the guest could not take it: a snapshot of the dump still tests the dumps' side
            snap = os.path.join(run, snap_stage + '.snap.json')
            rc, _out, err = khoinspect('snapshot', dumped_before, '-o', snap)
            if not check(f'{snap_stage}: khoinspect snapshot {snap_stage}.elf (the guest took none)',
                         rc == 0, f'exit {rc}: {err.strip()[-200:]}'):
                return
        manifest = json.load(open(snap))
        old = kpredict.ElfDump(dumped_before)
        for target in (hand, after):
            path = os.path.join(run, target + '.elf')
            if not os.path.exists(path):
                continue
            truth = changed_truth(manifest, old, kpredict.ElfDump(path))
            rc, out, err = khoinspect('-j', 'verify', '--against', snap, path)
            try:
                doc = json.loads(out)
            except ValueError:
                check(f'{target}: verify --against {snap_stage} snapshot', False, f'exit {rc}: {err.strip()[:200]}')
                continue
            said = changed_ranges(doc)
            info(f'{target}: {len(manifest["ranges"])} ranges in the {snap_stage} snapshot; '
                 f'changed by the bytes: {len(truth)}; by verify --against: {len(said)}')
            check(f'{target}: verify --against the {snap_stage} snapshot names exactly the ranges whose bytes changed',
                  said == truth and rc in (0, 1) and (rc == 1 or not truth),
                  f'exit {rc}; extra {sorted(hex(x) for x in said - truth)[:5]}, missed {sorted(hex(x) for x in truth - said)[:5]}')
            if target == after and in_guest:
                g = guest_file(after, 'against.out')
                if g is not None:
                    try:
                        gd = json.loads(g)
                        gs = changed_ranges(gd)
                        if guest_file(after, 'blocks_again.rc') is None:
                            check(f'{after} guest: verify --against live names the same ranges as on the {after} dump',
                                  gs == said, f'live {sorted(hex(x) for x in gs)[:5]}, dump {sorted(hex(x) for x in said)[:5]}')
                        else:
                            # luokeep took its files back between the live check and the dump:
                            # LUO freed its pages then, so the dump shows more changed ranges,
                            # and a page LUO filled at the hand-over (zero in the snapshot) can
                            # be zero again once freed: live saw the hand-over's bytes there.
                            hand_path = os.path.join(run, hand + '.elf')
                            at_hand = (changed_truth(manifest, old, kpredict.ElfDump(hand_path))
                                       if os.path.exists(hand_path) else set())
                            check(f'{after} guest: verify --against live names ranges the {after} dump '
                                  f'or the {hand} dump shows changed',
                                  gs <= said | at_hand,
                                  f'live only: {sorted(hex(x) for x in gs - said - at_hand)[:5]}')
                    except ValueError:
                        check(f'{after} guest: verify --against live', False, (guest_file(after, 'against.err') or '')[-200:])
        gen += 1


def consumed_checks():
    for stage in ('after', 'after2'):
        path = os.path.join(run, stage + '.elf')
        dbg = os.path.join(run, 'guest', stage, 'debugfs-kho')
        if not os.path.exists(path) or not os.path.isdir(dbg):
            continue
        rc, out, err = khoinspect('list', '--mem', path, dbg)
        check(f'{stage}: list --mem {stage}.elf guest debugfs names the incoming hand-over as consumed',
              'consumed' in (out + err).lower(), f'exit {rc}; no "consumed" in: {(err or out).strip()[:200]}')
        g = (guest_file(stage, 'list.out') or '') + (guest_file(stage, 'list.err') or '')
        if g:
            check(f'{stage} guest: list live names the incoming hand-over as consumed',
                  'consumed' in g.lower(), f'no "consumed" in: {g.strip()[:200]}')


def luokeep_checks():
    p = os.path.join(run, 'guest', 'restored', 'luokeep.rc')
    if os.path.exists(p):
        txt = open(os.path.join(run, 'guest', 'restored', 'luokeep.txt')).read().strip()
        check('restored guest: luokeep retrieves every memfd with its contents',
              open(p).read().strip() == '0', txt[-300:])


lists, preds = main()
luokeep_checks()
guest_checks(lists, preds)
against_checks()
consumed_checks()
print(f'{sum(results)} passed, {len(results) - sum(results)} failed')
sys.exit(0 if all(results) else 1)
