// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where is the KHO FDT? No KHO symbol is exported in VMCOREINFO, so unless
 * the user gives --fdt-phys we scan the memory the dump holds: a KHO root
 * FDT starts a page, has the FDT magic, fits in a page and its root
 * compatible starts with "kho-v". Holes in sparse files are skipped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <endian.h>
#include <libfdt.h>

#include "ki_kexec_meta.h"
#include "ki_locate.h"

/* Windows of 1 MiB (a setup_data header across two is not looked at), read
 * in pieces that stay in a core's cache until they are looked at. */
static const size_t SCAN_CHUNK = 1 << 20, SCAN_PIECE = 1 << 18;
static const uint64_t SCAN_ALIGN = 4096;

static uint64_t be_cells(const unsigned char *p, int cells)
{
	uint64_t v = 0;

	for (int i = 0; i < cells; i++)
		v = v << 32 | ((uint64_t)p[4 * i] << 24 | (uint64_t)p[4 * i + 1] << 16 |
			       (uint64_t)p[4 * i + 2] << 8 | p[4 * i + 3]);
	return v;
}

static int root_cells(const void *blob, const char *name, int dflt)
{
	int len;
	const unsigned char *p = fdt_getprop(blob, 0, name, &len);

	if (!p || len != 4)
		return dflt;
	return (int)be_cells(p, 1);
}

/* A boot DTB whose /chosen names a KHO FDT and its scratch array (arm64):
 * linux,kho-fdt and linux,kho-scratch are <address size> cells. */
static void dtb_hint(struct ki_scan *s, uint64_t pa, const void *blob)
{
	int node = fdt_path_offset(blob, "/chosen");
	int ac = root_cells(blob, "#address-cells", 2);
	int sc = root_cells(blob, "#size-cells", 1);
	const unsigned char *fdtp, *scr;
	int lf, ls;
	struct ki_scratch_hint *h;

	if (node < 0 || ac < 1 || ac > 2 || sc < 1 || sc > 2 ||
	    s->nhints >= KI_MAX_SCRATCH_HINTS)
		return;
	fdtp = fdt_getprop(blob, node, "linux,kho-fdt", &lf);
	scr = fdt_getprop(blob, node, "linux,kho-scratch", &ls);
	if (!fdtp || !scr || lf != 4 * (ac + sc) || ls != 4 * (ac + sc))
		return;
	h = &s->hints[s->nhints++];
	h->at = pa;
	h->dtb = true;
	h->fdt_addr = be_cells(fdtp, ac);
	h->scratch_addr = be_cells(scr, ac);
	h->scratch_size = be_cells(scr + 4 * ac, sc);
}

/* x86 setup_data: {u64 next; u32 type = 10; u32 len = 32} then
 * {u64 fdt_addr, fdt_size, scratch_addr, scratch_size}. */
static void setup_data_at(struct ki_dump *d, struct ki_scan *s,
			  const unsigned char *buf, uint64_t pa, uint64_t hdr)
{
	uint64_t v[4];

	if (s->nhints >= KI_MAX_SCRATCH_HINTS)
		return;
	for (int i = 0; i < 4; i++)
		v[i] = ki_dump_u64(d, buf + hdr + 16 + 8 * i);
	if (!v[0] || (v[0] & 4095) || (v[1] != 4096 && v[1] != 16384 && v[1] != 65536) ||
	    !v[2] || !v[3] || (v[3] & 15) || v[3] > 16 * 4096)
		return;
	s->hints[s->nhints++] = (struct ki_scratch_hint){
		.at = pa + hdr, .fdt_addr = v[0],
		.scratch_addr = v[2], .scratch_size = v[3],
	};
}

typedef uint32_t ki_v8u32 __attribute__((vector_size(32)));

/*
 * The first of the 256-byte blocks at p, p + 256, ... below p + n (n a
 * multiple of 256) that may hold the 8 bytes of want at a multiple of 8:
 * some word's low half equals want's low half and some word's high half
 * equals its high half (not necessarily the same word: the caller checks
 * each word of the block). Else n. Two vector instructions per 32 bytes,
 * so that the check costs little next to reading the bytes; with AVX2 where
 * the CPU has it.
 */
static inline __attribute__((always_inline))
uint64_t next_block_body(const unsigned char *p, uint64_t n, const unsigned char want[8])
{
	ki_v8u32 w;

	for (int i = 0; i < 32; i += 8)
		memcpy((unsigned char *)&w + i, want, 8);
	for (uint64_t b = 0; b < n; b += 256) {
		ki_v8u32 acc[2] = { { 0 } };
		uint64_t q[4], x;

#pragma GCC unroll 8
		for (int i = 0; i < 8; i++) {
			ki_v8u32 v;

			memcpy(&v, p + b + 32 * i, sizeof(v));
			acc[i & 1] |= (ki_v8u32)(v == w);
		}
		acc[0] |= acc[1];
		memcpy(q, &acc[0], sizeof(q));
		x = q[0] | q[1] | q[2] | q[3];
		/* lanes are all ones or zero: a low and a high half matched */
		if (x && (uint32_t)x && x >> 32)
			return b;
	}
	return n;
}

static uint64_t next_block_generic(const unsigned char *p, uint64_t n,
				   const unsigned char want[8])
{
	return next_block_body(p, n, want);
}

/*
 * The AVX2 copy is picked at run time the way map.c picks popcnt, not with
 * target_clones: its ifunc resolver runs while the dynamic linker relocates
 * the program, before a sanitizer's runtime is up, and crashed the
 * ThreadSanitizer build at start.
 */
#if defined(__x86_64__)
__attribute__((target("avx2")))
static uint64_t next_block_avx2(const unsigned char *p, uint64_t n,
				const unsigned char want[8])
{
	return next_block_body(p, n, want);
}
#endif

static uint64_t next_block(const unsigned char *p, uint64_t n, const unsigned char want[8])
{
#if defined(__x86_64__)
	/* threads may ask at once (diff opens both dumps together) */
	static int have = -1;
	int h = __atomic_load_n(&have, __ATOMIC_RELAXED);

	if (h < 0) {
		__builtin_cpu_init();
		h = __builtin_cpu_supports("avx2") ? 1 : 0;
		__atomic_store_n(&have, h, __ATOMIC_RELAXED);
	}
	if (h)
		return next_block_avx2(p, n, want);
#endif
	return next_block_generic(p, n, want);
}

/*
 * The headers at hdr = from, from + 8, ... below to whose 48 bytes lie in
 * the avail bytes of buf. Returns where the next call goes on (the first
 * header not looked at), so that a window read piece by piece is looked at
 * exactly as if it had been read at once.
 */
static uint64_t setup_data_hints(struct ki_dump *d, struct ki_scan *s,
				 const unsigned char *buf, uint64_t pa,
				 uint64_t from, uint64_t to, uint64_t avail)
{
	/* type 10 and len 32 at header + 8, as bytes (SETUP_KEXEC_KHO is x86
	 * only: little-endian) */
	static const unsigned char word[8] = { 10, 0, 0, 0, 32, 0, 0, 0 };
	uint64_t hdr = from;

	if (avail < 48)
		return from;
	if (to > avail - 47)
		to = avail - 47;
	if (d->big_endian)
		return from; /* nothing to look for */
	while (hdr + 256 <= to) {
		hdr += next_block(buf + hdr + 8, (to - hdr) & ~(uint64_t)255, word);
		if (hdr + 256 > to)
			break;
		for (uint64_t h = hdr; h < hdr + 256; h += 8)
			if (!memcmp(buf + h + 8, word, 8))
				setup_data_at(d, s, buf, pa, h);
		hdr += 256;
	}
	for (; hdr < to; hdr += 8)
		if (!memcmp(buf + hdr + 8, word, 8))
			setup_data_at(d, s, buf, pa, hdr);
	return hdr;
}

static void add_candidate(struct ki_dump *d, struct ki_scan *s, uint64_t pa,
			  const struct ki_fdt_header *h)
{
	struct ki_candidate *c;
	void *blob;
	uint32_t size;
	struct ki_error *err;
	const char *compat;

	for (size_t i = 0; i < s->n; i++)
		if (s->cands[i].paddr == pa)
			return; /* overlapping segments */
	err = ki_fdt_load(d, pa, KI_FDT_MAX, &blob, &size);
	if (err) {
		ki_error_destroy(err);
		return;
	}
	compat = ki_fdt_root_compatible(blob);
	if (!compat || strncmp(compat, "kho-v", 5)) {
		dtb_hint(s, pa, blob);
		free(blob);
		return;
	}
	if (s->n == KI_MAX_CANDIDATES) {
		s->dropped++;
		free(blob);
		return;
	}
	c = &s->cands[s->n++];
	memset(c, 0, sizeof(*c));
	c->paddr = pa;
	c->totalsize = h->totalsize;
	snprintf(c->compatible, sizeof(c->compatible), "%s", compat);
	for (uint64_t ps = 4096; ps <= 65536; ps <<= 2)
		if (!(pa & (ps - 1)) && h->totalsize <= ps &&
		    (d->page_size_candidates & ps))
			c->ps_mask |= (uint32_t)ps;
	free(blob);
}

/* The FDT headers at every align bytes of buf whose 40 bytes lie in it. */
static void fdt_magics(struct ki_dump *d, struct ki_scan *s,
		       const unsigned char *buf, uint64_t pa, uint64_t len,
		       uint64_t align)
{
	for (uint64_t off = 0; off + 40 <= len; off += align) {
		struct ki_fdt_header h;

		if (memcmp(buf + off, "\xd0\x0d\xfe\xed", 4))
			continue;
		ki_fdt_header_decode(buf + off, &h);
		if (ki_fdt_header_plausible(&h, KI_FDT_MAX))
			add_candidate(d, s, pa + off, &h);
	}
}

/* A window of memory: its setup_data headers, then its FDT headers. */
static void scan_chunk(struct ki_dump *d, struct ki_scan *s,
		       const unsigned char *buf, uint64_t pa, uint64_t len,
		       uint64_t align)
{
	setup_data_hints(d, s, buf, pa, 0, len, len);
	fdt_magics(d, s, buf, pa, len, align);
}

/*
 * Read the window [pa, pa + len) and scan it as scan_chunk() would. It is
 * read in pieces, each looked at for setup_data headers while it is still
 * in the CPU's cache (a header across two pieces once the second is in).
 * On an error, the hints it added are taken back, so that the caller can
 * scan the window again page by page.
 */
static struct ki_error *read_scan_window(struct ki_dump *d, struct ki_scan *s,
					 unsigned char *buf, uint64_t pa,
					 uint64_t len, uint64_t align)
{
	size_t nhints = s->nhints;
	uint64_t got = 0, hdr = 0;

	while (got < len) {
		uint64_t n = len - got < SCAN_PIECE ? len - got : SCAN_PIECE;
		struct ki_error *err = ki_memreader_read(&d->mem, pa + got, buf + got, (size_t)n);

		if (err) {
			s->nhints = nhints;
			return err;
		}
		got += n;
		hdr = setup_data_hints(d, s, buf, pa, hdr, got, got);
	}
	fdt_magics(d, s, buf, pa, len, align);
	return NULL;
}

struct ki_error *ki_scan_fdts(struct ki_dump *d, ki_progress_fn progress,
			      void *arg, struct ki_scan *ret)
{
	/* the FDT starts a page: step at the page size, or while it is
	 * undecided at the smallest one still possible (a kdump block size
	 * says nothing: QEMU writes 64 KiB for 16 KiB arm64 kernels) */
	uint32_t ps = d->page_size_candidates & KI_PS_ANY;
	uint64_t align = d->page_size ? d->page_size : ps ? (uint64_t)(ps & -ps) : SCAN_ALIGN;
	uint64_t total = 0, done = 0;
	unsigned char *buf;

	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < d->mem.nsegs; i++)
		total += d->mem.segs[i].file_end - d->mem.segs[i].min;
	/* page-aligned: the kernel copies into a misaligned buffer at a
	 * quarter of the speed */
	buf = aligned_alloc(4096, SCAN_CHUNK);
	if (!buf)
		return &ki_enomem;
	for (size_t i = 0; i < d->mem.nsegs; i++) {
		const struct ki_segment *seg = &d->mem.segs[i];
		uint64_t pa = (seg->min + align - 1) & ~(align - 1);

		if (pa < seg->min) /* wrapped */
			continue;
		while (pa < seg->file_end) {
			uint64_t len = seg->file_end - pa, pos, next;
			struct ki_error *err;

			if (seg->next_data) {
				pos = seg->pos + (pa - seg->min);
				next = seg->next_data(seg->arg, pos);
				if (next == UINT64_MAX || next - pos >= len)
					break; /* only a hole is left */
				if (next > pos) {
					uint64_t npa = pa + (next - pos);

					npa = (npa + align - 1) & ~(align - 1);
					if (npa <= pa || npa >= seg->file_end)
						break;
					len = seg->file_end - npa;
					pa = npa;
				}
			}
			if (len > SCAN_CHUNK)
				len = SCAN_CHUNK;
			err = read_scan_window(d, ret, buf, pa, len, align);
			if (err) {
				/* A hole (filtered page) or a truncated file:
				 * scan the pages that are there. */
				uint64_t got = 0;
				bool nodata = err->code == KI_ERR_NODATA;

				ki_error_destroy(err);
				err = NULL;
				while (got + align <= len && !err) {
					err = ki_memreader_read(&d->mem, pa + got, buf + got, align);
					if (!err)
						got += align;
				}
				scan_chunk(d, ret, buf, pa, got, align);
				ret->bytes += got;
				if (err && (err->code == KI_ERR_NODATA || err->code == KI_ERR_CORRUPT)) {
					/* skip the missing (or damaged) page, go on */
					if (err->code == KI_ERR_CORRUPT)
						ki_findings_add(&d->findings, KI_SEV_WARNING, "scan-page-damaged",
								true, pa + got, "scan skipped the page at 0x%" PRIx64 ": %s",
								pa + got, err->message);
					ki_error_destroy(err);
					len = got + align;
					goto advance;
				}
				if (!nodata || err)
					ki_findings_add(&d->findings, KI_SEV_WARNING, "scan-read-error",
							true, pa + got,
							"scan of the segment at 0x%" PRIx64 " stopped at 0x%" PRIx64 ": %s",
							seg->min, pa + got, err ? err->message : "short read");
				ki_error_destroy(err);
				break;
			}
			ret->bytes += len;
advance:
			done += len;
			if (progress)
				progress(arg, done, total);
			if (len > UINT64_MAX - pa)
				break;
			pa += len;
		}
	}
	free(buf);
	return NULL;
}

/*
 * The decodes of one candidate, one per page size tried (4K, 16K, 64K),
 * kept for ki_locate_map's caller: the one with the page size settled is
 * handed out, the rest freed.
 */
struct kept {
	uint64_t paddr;
	struct ki_map *maps[3];
	struct ki_findings mapf[3];  /* what ki_map_open found */
};

static unsigned int ps_slot(uint64_t ps)
{
	return (unsigned int)__builtin_ctzll(ps) / 2 - 6; /* 4K 0, 16K 1, 64K 2 */
}

static void kept_free(struct kept *kp, size_t n)
{
	for (size_t i = 0; kp && i < n; i++) {
		for (int s = 0; s < 3; s++) {
			ki_map_destroy(kp[i].maps[s]);
			ki_findings_deinit(&kp[i].mapf[s]);
		}
	}
	free(kp);
}

/* Does the FDT at pa, read with page size ps, lead to a clean map? The
 * page size is passed down, never written into d. keep (may be NULL)
 * gets the map and what decoding it found. */
/* 0: not clean; 1: clean but with warnings (e.g. a short 16K tree);
 * 2: clean. */
static int try_clean(struct ki_dump *d, uint64_t pa, uint64_t ps,
		     const struct ki_map_options *mo, uint64_t *blocks, bool *held,
		     struct kept *keep)
{
	struct ki_map_options mps = *mo;
	struct ki_findings f, fm;
	struct ki_kho *k = NULL;
	struct ki_map *m = NULL;
	struct ki_error *err;
	int clean = 0;

	ki_findings_init(&f);
	ki_findings_init(&fm);
	mps.page_size = ps;
	err = ki_kho_load_ps(d, pa, ps, &f, &k);
	if (!err)
		err = ki_map_open(d, k, &mps, &fm, &m);
	if (!err && f.counts[KI_SEV_ERROR] + fm.counts[KI_SEV_ERROR] == 0 && m->errors == 0) {
		clean = f.counts[KI_SEV_WARNING] + fm.counts[KI_SEV_WARNING] ? 1 : 2;
		*blocks = m->total_blocks;
		*held = ki_map_holds_fdt_page(m, k);
	}
	ki_error_destroy(err);
	if (keep && m) {
		keep->maps[ps_slot(ps)] = m;
		keep->mapf[ps_slot(ps)] = fm;
		ki_findings_init(&fm);
		m = NULL;
	}
	ki_map_destroy(m);
	ki_kho_destroy(k);
	ki_findings_deinit(&fm);
	ki_findings_deinit(&f);
	return clean;
}

/* The kexec-metadata blob of a KHO FDT (read as with page size ps), when
 * it is there and readable. */
static void read_meta(struct ki_dump *d, uint64_t ps, struct ki_candidate *c)
{
	struct ki_findings f;
	struct ki_kho *k = NULL;
	struct ki_error *err;

	ki_findings_init(&f);
	err = ki_kho_load_ps(d, c->paddr, ps, &f, &k);
	if (!err) {
		c->has_map = k->has_map;
		c->map_phys = k->map_phys;
		for (size_t i = 0; i < k->nsubs; i++) {
			unsigned char buf[KI_KEXEC_META_SIZE];
			struct ki_kexec_meta meta;
			struct ki_error *e2;

			if (strcmp(k->subs[i].name, "kexec-metadata") || !k->subs[i].has_phys)
				continue;
			e2 = ki_memreader_read(&d->mem, k->subs[i].phys, buf, sizeof(buf));
			if (!e2)
				e2 = ki_kexec_meta_decode(buf, sizeof(buf), d->big_endian, &meta);
			if (!e2) {
				c->has_meta = true;
				c->kexec_count = meta.kexec_count;
				snprintf(c->release, sizeof(c->release), "%s", meta.release);
			}
			ki_error_destroy(e2);
			break;
		}
	}
	ki_error_destroy(err);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
}

static void evaluate(struct ki_dump *d, struct ki_candidate *c,
		     const struct ki_map_options *mo, struct kept *keep)
{
	uint64_t loose_blocks = 0;
	uint32_t loose = 0, held_mask = 0;
	uint64_t held_blocks[3] = { 0 };

	/* A page size whose decode is clean without warnings beats one that
	 * needs a warning (a 64K tree read with 16K pages can look like the
	 * short 16K tree). */
	for (uint64_t ps = 4096; ps <= 65536; ps <<= 2) {
		uint64_t blocks = 0;
		bool held = false;
		int r;

		if (!(c->ps_mask & ps))
			continue;
		r = try_clean(d, c->paddr, ps, mo, &blocks, &held, keep);
		if (r == 2 && held) {
			held_mask |= (uint32_t)ps;
			held_blocks[__builtin_ctzll(ps) / 2 - 6] = blocks;
		}
		if (r == 2) {
			c->clean_mask |= (uint32_t)ps;
			c->blocks = blocks;
		} else if (r == 1) {
			loose |= (uint32_t)ps;
			loose_blocks = blocks;
		}
	}
	/* Narrowing (--radix-depth, or none): of the page sizes that decode
	 * cleanly, those whose map holds the FDT page, as every writer's
	 * does; a map that lacks it contradicts that page size. Only a
	 * choice among clean ones: stale copies keep their rank. */
	if (c->clean_mask & held_mask && (c->clean_mask & ~held_mask)) {
		c->clean_mask &= held_mask;
		c->blocks = held_blocks[__builtin_ctz(c->clean_mask) / 2 - 6];
	}
	if (!c->clean_mask && loose) {
		c->clean_mask = loose;
		c->blocks = loose_blocks;
	}
	read_meta(d, d->page_size ? d->page_size :
		  c->clean_mask ? (c->clean_mask & -c->clean_mask) : 4096, c);
}

static int rank_cmp(const void *a, const void *b)
{
	const struct ki_candidate *x = a, *y = b;

	if (!x->clean_mask != !y->clean_mask)
		return x->clean_mask ? -1 : 1;
	if (x->has_meta != y->has_meta)
		return x->has_meta ? -1 : 1;
	if (x->has_meta && x->kexec_count != y->kexec_count)
		return x->kexec_count > y->kexec_count ? -1 : 1;
	if (x->blocks != y->blocks)
		return x->blocks > y->blocks ? -1 : 1;
	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

static void rank(struct ki_scan *s)
{
	qsort(s->cands, s->n, sizeof(s->cands[0]), rank_cmp);
	for (size_t i = 0; i < s->n; i++)
		s->cands[i].rank = (unsigned int)i + 1;
}

struct ki_error *ki_locate_scan(struct ki_dump *d, const struct ki_locate_options *o,
				struct ki_scan **ret)
{
	struct ki_scan *s = calloc(1, sizeof(*s));
	struct ki_error *err;

	if (!s)
		return &ki_enomem;
	err = ki_scan_fdts(d, o->progress, o->progress_arg, s);
	if (err) {
		free(s);
		return err;
	}
	for (size_t i = 0; i < s->n; i++)
		evaluate(d, &s->cands[i], &o->map, NULL);
	if (s->n > 1)
		rank(s);
	else if (s->n == 1)
		s->cands[0].rank = 1;
	*ret = s;
	return NULL;
}

static char *list_candidates(const struct ki_scan *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	if (!fp)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		fprintf(fp, "\n  0x%" PRIx64 "  %s  %s", s->cands[i].paddr,
			s->cands[i].compatible,
			s->cands[i].clean_mask ? "map decodes cleanly" : "map does not decode cleanly");
		if (s->cands[i].has_meta)
			fprintf(fp, "  kexec count %u (%s)", s->cands[i].kexec_count,
				s->cands[i].release);
	}
	if (s->dropped)
		fprintf(fp, "\n  (%zu more not listed)", s->dropped);
	fclose(fp);
	return out;
}

static void settle_page_size(struct ki_dump *d, const struct ki_candidate *c,
			     struct ki_findings *f);

void ki_settle_page_size_kho(struct ki_dump *d, const struct ki_kho *k,
			     const struct ki_map_options *mo, struct ki_findings *f)
{
	struct ki_candidate c = { .ps_mask = d->page_size_candidates };
	uint32_t loose = 0, held = 0;

	if (d->page_size)
		return;
	for (uint64_t ps = 4096; ps <= 65536; ps <<= 2) {
		struct ki_map_options mps = *mo;
		struct ki_findings tf;
		struct ki_map *m = NULL;
		struct ki_error *err;

		if (!(c.ps_mask & ps))
			continue;
		ki_findings_init(&tf);
		mps.page_size = ps;
		err = ki_map_open(d, k, &mps, &tf, &m);
		if (!err && !m->errors && !tf.counts[KI_SEV_ERROR]) {
			if (tf.counts[KI_SEV_WARNING])
				loose |= (uint32_t)ps;
			else
				c.clean_mask |= (uint32_t)ps;
			if (ki_map_holds_fdt_page(m, k))
				held |= (uint32_t)ps;
		}
		ki_error_destroy(err);
		ki_map_destroy(m);
		ki_findings_deinit(&tf);
	}
	/* the narrowing rule of evaluate() */
	if (c.clean_mask & held && (c.clean_mask & ~held))
		c.clean_mask &= held;
	if (!c.clean_mask)
		c.clean_mask = loose;
	settle_page_size(d, &c, f);
}

static void settle_page_size(struct ki_dump *d, const struct ki_candidate *c,
			     struct ki_findings *f)
{
	uint32_t m = c->clean_mask ? c->clean_mask : c->ps_mask;

	if (d->page_size)
		return;
	if (m && !(m & (m - 1))) {
		ki_dump_set_page_size(d, m,
				      c->clean_mask ? "inferred from the data (the map decodes cleanly only with this page size)"
						    : "inferred from the FDT's alignment (the only page size it fits)");
		return;
	}
	ki_dump_set_page_size(d, (m & KI_PS_4K) || !m ? 4096 : (uint64_t)(m & -m),
			      "assumed (nothing in the dump says; give --page-size)");
	ki_findings_add(f, KI_SEV_WARNING, "page-size-assumed", false, 0,
			"page size %" PRIu64 " assumed: the dump does not record it and the data fits %s; give --page-size if this is wrong",
			d->page_size, m & (m - 1) ? "several page sizes" : "none cleanly");
}

/* docs/formats.md §3.1: the array is a kexec segment, placed in scratch.
 * (An x86 scratch_size that is not whole 16-byte entries is not taken for a
 * setup_data record by the scan at all.) */
static void check_scratch_array(const struct ki_scratch_hint *h, size_t entries,
				const struct ki_scratch_found *out, struct ki_findings *f)
{
	bool inside = false;

	for (size_t j = 0; j < out->n; j++) {
		const struct ki_scratch *a = &out->areas[j];

		if (h->scratch_addr >= a->addr && a->size &&
		    h->scratch_addr - a->addr < a->size &&
		    entries * 16 <= a->size - (h->scratch_addr - a->addr))
			inside = true;
	}
	if (!inside)
		ki_findings_add(f, KI_SEV_WARNING, "scratch-array-outside", true, h->scratch_addr,
				"the scratch array at 0x%" PRIx64 " lies in none of the scratch areas it lists (kexec_file_load places it, like every segment, in scratch)",
				h->scratch_addr);
}

/* The scratch array a hint points to, for the chosen FDT. */
static void scratch_from_hints(struct ki_dump *d, const struct ki_scan *s,
			       uint64_t fdt, struct ki_findings *f,
			       struct ki_scratch_found *out)
{
	for (size_t i = 0; i < s->nhints; i++) {
		const struct ki_scratch_hint *h = &s->hints[i];
		size_t n = (size_t)(h->scratch_size / 16), written;
		unsigned char *buf;
		struct ki_error *err;

		if (h->fdt_addr != fdt || !n || n > KI_SCRATCH_MAX)
			continue;
		buf = malloc(n * 16);
		out->areas = calloc(n, sizeof(*out->areas));
		if (!buf || !out->areas) {
			free(buf);
			free(out->areas);
			out->areas = NULL;
			return;
		}
		err = ki_memreader_read(&d->mem, h->scratch_addr, buf, n * 16);
		if (err) {
			ki_findings_add(f, KI_SEV_WARNING, "scratch-array-unreadable", true,
					h->scratch_addr,
					"%s at 0x%" PRIx64 " points to the scratch array at 0x%" PRIx64 ": %s",
					h->dtb ? "boot DTB /chosen" : "setup_data SETUP_KEXEC_KHO",
					h->at, h->scratch_addr, err->message);
			ki_error_destroy(err);
			free(buf);
			free(out->areas);
			out->areas = NULL;
			continue;
		}
		if (asprintf(&out->source, "the scratch array at 0x%" PRIx64 ", named by %s at 0x%" PRIx64,
			     h->scratch_addr,
			     h->dtb ? "the boot DTB's /chosen linux,kho-scratch" : "x86 setup_data SETUP_KEXEC_KHO",
			     h->at) < 0)
			out->source = NULL;
		out->n = 0;
		written = 0;
		for (size_t j = 0; j < n; j++) {
			uint64_t addr = ki_dump_u64(d, buf + 16 * j);
			uint64_t size = ki_dump_u64(d, buf + 16 * j + 8);

			if (size) {
				written++;
				out->areas[out->n++] = (struct ki_scratch){ .addr = addr, .size = size };
				continue;
			}
			if (!addr)
				continue; /* all zeros: said below for the whole array */
			written++;
			ki_findings_add(f, KI_SEV_WARNING, "scratch-area-empty", true, h->scratch_addr + 16 * j,
					"entry %zu of %s is 0x%" PRIx64 " with size 0: not a scratch area, left out",
					j, out->source ? out->source : "the scratch array", addr);
		}
		free(buf);
		if (out->n)
			check_scratch_array(h, n, out, f);
		if (!written) {
			/* kexec copies its segments into place only at the jump
			 * (arm64: after "Starting new kernel"), so a dump taken
			 * then holds the array's destination still empty */
			out->unfilled = true;
			ki_findings_add(f, KI_SEV_WARNING, "scratch-array-unfilled", true, h->scratch_addr,
					"%s is not filled yet (all %zu entries are zero: a dump taken at the jump, before kexec copied it into place); scratch areas unknown",
					out->source ? out->source : "the scratch array", n);
		}
		return;
	}
}

struct ki_error *ki_locate(struct ki_dump *d, const struct ki_locate_options *o,
			   struct ki_findings *f, struct ki_kho **kho_ret,
			   char **found_by_ret, struct ki_scratch_found *scratch)
{
	return ki_locate_map(d, o, f, kho_ret, found_by_ret, scratch, NULL);
}

/* The kept decode of the chosen candidate with the settled page size,
 * handed to map_ret; every other one freed. */
static void hand_out_map(struct ki_dump *d, const struct ki_candidate *pick,
			 struct kept *kp, size_t n, struct ki_located_map *map_ret)
{
	for (size_t i = 0; map_ret && kp && i < n; i++) {
		unsigned int slot;

		if (kp[i].paddr != pick->paddr || !d->page_size ||
		    (d->page_size != 4096 && d->page_size != 16384 && d->page_size != 65536))
			continue;
		slot = ps_slot(d->page_size);
		if (!kp[i].maps[slot])
			continue;
		map_ret->map = kp[i].maps[slot];
		map_ret->findings = kp[i].mapf[slot];
		kp[i].maps[slot] = NULL;
		ki_findings_init(&kp[i].mapf[slot]);
		break;
	}
}

struct ki_error *ki_locate_map(struct ki_dump *d, const struct ki_locate_options *o,
			       struct ki_findings *f, struct ki_kho **kho_ret,
			       char **found_by_ret, struct ki_scratch_found *scratch,
			       struct ki_located_map *map_ret)
{
	struct ki_scan *s;
	struct ki_error *err;
	struct ki_candidate *pick = NULL;
	struct kept *kp = NULL;
	size_t nclean = 0, nkp = 0;
	char *fb = NULL;

	if (map_ret) {
		map_ret->map = NULL;
		ki_findings_init(&map_ret->findings);
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return &ki_enomem;
	if (o->fdt_phys_set) {
		unsigned char hdr[40];
		struct ki_fdt_header h;

		err = ki_memreader_read(&d->mem, o->fdt_phys, hdr, sizeof(hdr));
		if (err) {
			err = ki_error_prefix(err, "KHO FDT (--fdt-phys) at paddr 0x%" PRIx64,
					      o->fdt_phys);
			goto out;
		}
		if (!ki_fdt_header_decode(hdr, &h)) {
			err = ki_error_set_paddr(ki_error_create(KI_ERR_FORMAT,
					"--fdt-phys 0x%" PRIx64 ": no FDT there (magic 0x%08x, expected 0xd00dfeed); run without --fdt-phys to scan for it",
					o->fdt_phys, h.magic), o->fdt_phys);
			goto out;
		}
		s->n = 1;
		s->cands[0].paddr = o->fdt_phys;
		s->cands[0].totalsize = h.totalsize;
		for (uint64_t ps = 4096; ps <= 65536; ps <<= 2)
			if (!(o->fdt_phys & (ps - 1)) && h.totalsize <= ps &&
			    (d->page_size_candidates & ps))
				s->cands[0].ps_mask |= (uint32_t)ps;
		if (!s->cands[0].ps_mask)
			s->cands[0].ps_mask = d->page_size ? (uint32_t)d->page_size : KI_PS_4K;
		if (!d->page_size) {
			kp = map_ret ? calloc(1, sizeof(*kp)) : NULL;
			if (kp) {
				nkp = 1;
				kp[0].paddr = s->cands[0].paddr;
			}
			evaluate(d, &s->cands[0], &o->map, kp);
		}
		pick = &s->cands[0];
		fb = strdup("--fdt-phys");
	} else {
		err = ki_scan_fdts(d, o->progress, o->progress_arg, s);
		if (err)
			goto out;
		if (s->n == 0) {
			err = ki_error_create(KI_ERR_FORMAT,
					      "no KHO FDT found: scanned 0x%" PRIx64
					      " bytes of memory for a page-aligned FDT whose root compatible starts with \"kho-v\"; the dump may not hold a hand-over (or the FDT page was filtered out); give --fdt-phys if you know where it is",
					      s->bytes);
			goto out;
		}
		/* One candidate with a known page size: no need to decode twice. */
		if (s->n > 1 || !d->page_size) {
			/* each candidate decoded once per page size; the chosen
			 * one's decode is handed out, not redone */
			kp = map_ret ? calloc(s->n, sizeof(*kp)) : NULL;
			nkp = kp ? s->n : 0;
			for (size_t i = 0; i < s->n; i++) {
				if (kp)
					kp[i].paddr = s->cands[i].paddr;
				evaluate(d, &s->cands[i], &o->map, kp ? &kp[i] : NULL);
			}
			rank(s);
		}
		for (size_t i = 0; i < s->n; i++)
			nclean += s->cands[i].clean_mask != 0;
		pick = &s->cands[0];
		if (s->n == 1) {
			if (asprintf(&fb, "scan (the only KHO FDT in 0x%" PRIx64 " bytes scanned)",
				     s->bytes) < 0)
				fb = NULL;
		} else if (nclean == 1) {
			if (asprintf(&fb, "scan (%zu KHO FDTs found; the only one whose map decodes cleanly)",
				     s->n + s->dropped) < 0)
				fb = NULL;
		} else if (nclean > 1 && pick->has_meta && s->cands[1].has_meta &&
			   pick->kexec_count > s->cands[1].kexec_count) {
			if (asprintf(&fb, "scan (%zu KHO FDTs found; the newest: kexec-metadata count %u, the others %u or less)",
				     s->n + s->dropped, pick->kexec_count,
				     s->cands[1].kexec_count) < 0)
				fb = NULL;
		} else {
			char *list = list_candidates(s);

			err = ki_error_create(KI_ERR_USAGE,
					      "%zu KHO FDT candidates found and %s; choose one with --fdt-phys ADDR (`khoinspect locate` ranks them):%s",
					      s->n + s->dropped,
					      nclean ? "more than one has a map that decodes cleanly" : "none has a map that decodes cleanly",
					      list ? list : "");
			free(list);
			goto out;
		}
	}
	if (!fb) {
		err = &ki_enomem;
		goto out;
	}
	settle_page_size(d, pick, f);
	err = ki_kho_load(d, pick->paddr, f, kho_ret);
	if (err)
		goto out;
	hand_out_map(d, pick, kp, nkp, map_ret);
	if (scratch)
		scratch_from_hints(d, s, pick->paddr, f, scratch);
	*found_by_ret = fb;
	fb = NULL;
out:
	kept_free(kp, nkp);
	free(fb);
	free(s);
	if (err)
		ki_error_set_path(err, d->path);
	return err;
}
