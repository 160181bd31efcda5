// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khogen: writes memory images holding a KHO hand-over, as a kernel lays
 * it out, for khoinspect's tests, demo and benchmarks. Written from the
 * format facts (docs/formats.md §2.1-§2.4, §3.1, §4.1, §4.6) independently of
 * khoinspect's decoder: it encodes, the decoder decodes, tests compare.
 * See tests/gen/README.md for the options.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_REGIONS 16
#define MAX_SUBNODES 16

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("khogen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xcalloc(size_t n, size_t s)
{
	void *p = calloc(n ? n : 1, s);

	if (!p)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n, size_t s)
{
	p = reallocarray(p, n ? n : 1, s);
	if (!p)
		die("out of memory");
	return p;
}

/* ---- options ---- */

struct region { uint64_t start, size; };
struct subnode { char name[64]; uint64_t size; uint64_t pa; uint64_t blob_size; };

static struct {
	const char *out, *format, *truth, *layout, *blocks_file, *osrelease;
	uint64_t ps;
	unsigned int psh;
	const char *arch;
	bool big, raw, vmcoreinfo, map_zero;
	struct region regions[MAX_REGIONS];
	size_t nregions;
	uint64_t random_n, seed, span;
	unsigned int max_order;
	uint64_t dense_start, dense_n;
	unsigned int depth;
	bool v1_512;
	struct subnode subs[MAX_SUBNODES];
	size_t nsubs;
	unsigned int fdt_copies;
	bool truth_owners, memblock_unpreserved;
} opt = {
	.format = "kho-v3", .ps = 4096, .arch = "x86_64", .vmcoreinfo = true,
	.osrelease = "7.1.0-khogen", .seed = 1, .fdt_copies = 1,
	.span = UINT64_C(64) << 30, .max_order = 10,
};

static uint64_t num(const char *s, const char *what)
{
	char *e;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &e, 0);
	if (errno || e == s || *e || *s == '-')
		die("%s: not a number: \"%s\"", what, s);
	return v;
}

static void pair(const char *s, const char *what, uint64_t *a, uint64_t *b)
{
	char buf[128];
	char *c;

	if (strlen(s) >= sizeof(buf))
		die("%s: too long", what);
	strcpy(buf, s);
	c = strchr(buf, ':');
	if (!c)
		die("%s takes A:B, not \"%s\"", what, s);
	*c = '\0';
	*a = num(buf, what);
	*b = num(c + 1, what);
}

/* ---- byte order ---- */

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[opt.big ? 7 - i : i] = (unsigned char)(v >> (8 * i));
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[opt.big ? 3 - i : i] = (unsigned char)(v >> (8 * i));
}

static void put16(unsigned char *p, uint16_t v)
{
	for (int i = 0; i < 2; i++)
		p[opt.big ? 1 - i : i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[opt.big ? 7 - i : i] << (8 * i);
	return v;
}

/* bit b of a Linux bitmap: bit b % 64 of native u64 word b / 64 */
static void set_bitmap_bit(unsigned char *bm, uint64_t b)
{
	unsigned char *w = bm + 8 * (b / 64);

	put64(w, get64(w) | (UINT64_C(1) << (b % 64)));
}

/* ---- page store: only written pages exist ---- */

struct page { uint64_t pa; unsigned char *data; };
static struct page *store;
static size_t nstore, pcap;

static size_t phash(uint64_t pa)
{
	pa ^= pa >> 31;
	pa *= UINT64_C(0x9e3779b97f4a7c15);
	return (size_t)(pa >> 17);
}

static unsigned char *page_at(uint64_t pa)
{
	size_t i;

	if ((nstore + 1) * 2 > pcap) {
		size_t ncap = pcap ? pcap * 2 : 4096;
		struct page *np = xcalloc(ncap, sizeof(*np));

		for (size_t j = 0; j < pcap; j++) {
			if (!store[j].data)
				continue;
			i = phash(store[j].pa) & (ncap - 1);
			while (np[i].data)
				i = (i + 1) & (ncap - 1);
			np[i] = store[j];
		}
		free(store);
		store = np;
		pcap = ncap;
	}
	i = phash(pa) & (pcap - 1);
	while (store[i].data) {
		if (store[i].pa == pa)
			return store[i].data;
		i = (i + 1) & (pcap - 1);
	}
	store[i].pa = pa;
	store[i].data = xcalloc(1, opt.ps);
	nstore++;
	return store[i].data;
}

static bool in_regions(uint64_t pa, uint64_t len)
{
	for (size_t i = 0; i < opt.nregions; i++)
		if (pa >= opt.regions[i].start && pa + len <= opt.regions[i].start + opt.regions[i].size)
			return true;
	return false;
}

/* memory write at any physical address inside the regions */
static void mem_write(uint64_t pa, const void *src, uint64_t len)
{
	const unsigned char *s = src;

	if (!in_regions(pa, len))
		die("internal: write at 0x%" PRIx64 " outside the regions", pa);
	while (len) {
		uint64_t base = pa & ~(opt.ps - 1), off = pa - base;
		uint64_t n = opt.ps - off < len ? opt.ps - off : len;

		memcpy(page_at(base) + off, s, n);
		pa += n;
		s += n;
		len -= n;
	}
}

/* ---- blocks ---- */

struct block { uint64_t pa; unsigned int order; uint32_t owner; /* 0: unclaimed */ };
static struct block *blocks;
static size_t nblocks, bcap, nsorted; /* blocks[0, nsorted) are sorted */

static uint64_t bsize(unsigned int order)
{
	return opt.ps << order;
}

/* owner labels of --truth-owners; 0 is "unclaimed" */
static char **labels;
static size_t nlabels;

static uint32_t label_id(const char *label)
{
	for (size_t i = 0; i < nlabels; i++)
		if (!strcmp(labels[i], label))
			return (uint32_t)i;
	labels = xrealloc(labels, nlabels + 1, sizeof(*labels));
	labels[nlabels] = strdup(label);
	if (!labels[nlabels])
		die("out of memory");
	return (uint32_t)nlabels++;
}

static void add_block(uint64_t pa, unsigned int order)
{
	if (order + opt.psh >= 64)
		die("order %u is impossible", order);
	if (pa & (bsize(order) - 1))
		die("block 0x%" PRIx64 " order %u is not aligned to its size", pa, order);
	if (nblocks == bcap) {
		bcap = bcap ? bcap * 2 : 1024;
		blocks = xrealloc(blocks, bcap, sizeof(*blocks));
	}
	blocks[nblocks].pa = pa;
	blocks[nblocks].owner = 0;
	blocks[nblocks++].order = order;
}

static void add_owned(uint64_t pa, unsigned int order, const char *label)
{
	add_block(pa, order);
	blocks[nblocks - 1].owner = label_id(label);
}

/* drop the unclaimed (random) blocks that overlap [pa, pa + len) */
static void evict_unowned(uint64_t pa, uint64_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < nblocks; i++) {
		if (blocks[i].owner || blocks[i].pa >= pa + len ||
		    blocks[i].pa + bsize(blocks[i].order) <= pa)
			blocks[w++] = blocks[i];
		else if (i < nsorted)
			nsorted--; /* the sorted prefix stays sorted, one shorter */
	}
	nblocks = w;
}

/* preserve [pa, pa + len) as the kernel does: maximal aligned blocks */
static void preserve_range(uint64_t pa, uint64_t len, const char *label)
{
	uint64_t end = (pa + len + opt.ps - 1) & ~(opt.ps - 1);

	pa &= ~(opt.ps - 1);
	evict_unowned(pa, end - pa);
	while (pa < end) {
		unsigned int o = 0;

		while (o < 40 && !(pa & (bsize(o + 1) - 1)) && pa + bsize(o + 1) <= end)
			o++;
		add_owned(pa, o, label);
		pa += bsize(o);
	}
}

static int bcmp_(const void *a, const void *b)
{
	const struct block *x = a, *y = b;

	if (x->pa != y->pa)
		return x->pa < y->pa ? -1 : 1;
	return (int)x->order - (int)y->order;
}

/* sort; if drop, silently remove overlaps (random), else die on them */
static void sort_blocks(bool drop)
{
	size_t w = 0;
	uint64_t end = 0;

	if (nblocks > 1)
		qsort(blocks, nblocks, sizeof(*blocks), bcmp_);
	for (size_t i = 0; i < nblocks; i++) {
		if (w && blocks[i].pa < end) {
			if (!drop)
				die("blocks overlap: 0x%" PRIx64 " order %u and 0x%" PRIx64 " order %u",
				    blocks[w - 1].pa, blocks[w - 1].order, blocks[i].pa, blocks[i].order);
			continue;
		}
		blocks[w++] = blocks[i];
		end = blocks[i].pa + bsize(blocks[i].order);
	}
	nblocks = nsorted = w;
}

/* does [pa, pa+len) overlap a block? (blocks sorted) */
static bool hits_block(uint64_t pa, uint64_t len)
{
	size_t lo = 0, hi = nsorted < nblocks ? nsorted : nblocks;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (blocks[mid].pa + bsize(blocks[mid].order) <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < nsorted && lo < nblocks && blocks[lo].pa < pa + len)
		return true;
	/* blocks added since the last sort */
	for (size_t i = nsorted; i < nblocks; i++)
		if (blocks[i].pa < pa + len && pa < blocks[i].pa + bsize(blocks[i].order))
			return true;
	return false;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

/* ---- the allocator for structure pages ---- */

static uint64_t scratch_start, scratch_size;
static uint64_t alloc_region, alloc_next;
static uint64_t *allocated;
static size_t nalloc, acap;

static uint64_t alloc_page(void)
{
	for (;;) {
		struct region *r;
		uint64_t pa;

		if (alloc_region >= opt.nregions)
			die("the regions are full: give larger --region ranges");
		r = &opt.regions[alloc_region];
		if (alloc_next < r->start + opt.ps * 16)
			alloc_next = r->start + opt.ps * 16; /* keep the low pages free */
		if (alloc_next + opt.ps > r->start + r->size) {
			alloc_region++;
			alloc_next = 0;
			continue;
		}
		pa = alloc_next;
		alloc_next += opt.ps;
		if (scratch_size && pa < scratch_start + scratch_size && pa + opt.ps > scratch_start)
			continue;
		if (hits_block(pa, opt.ps))
			continue;
		if (nalloc == acap) {
			acap = acap ? acap * 2 : 256;
			allocated = xrealloc(allocated, acap, sizeof(*allocated));
		}
		allocated[nalloc++] = pa;
		page_at(pa);
		return pa;
	}
}

static FILE *layout_fp;

static void layout(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void layout(const char *fmt, ...)
{
	va_list ap;

	if (!layout_fp)
		return;
	va_start(ap, fmt);
	vfprintf(layout_fp, fmt, ap);
	va_end(ap);
	fputc('\n', layout_fp);
}

/* ---- radix map (kho-v2/v3/v4) ---- */

struct node { uint64_t id; unsigned int level; uint64_t pa; };
static struct node *nodes;
static size_t nnodes, ncap_;

/* A leaf's first block and order, for its layout line. */
static uint64_t leaf_base;
static unsigned int leaf_order;

static uint64_t node_page(unsigned int level, uint64_t id)
{
	size_t i = (size_t)((id * 31 + level) * UINT64_C(0x9e3779b97f4a7c15) >> 20) & (ncap_ - 1);

	while (nodes[i].pa) {
		if (nodes[i].level == level && nodes[i].id == id)
			return nodes[i].pa;
		i = (i + 1) & (ncap_ - 1);
	}
	nodes[i].level = level;
	nodes[i].id = id;
	nodes[i].pa = alloc_page();
	nnodes++;
	if (level)
		layout("map-node %u 0x%" PRIx64, level, nodes[i].pa);
	else
		layout("leaf 0x%" PRIx64 " order %u base 0x%" PRIx64, nodes[i].pa,
		       leaf_order, leaf_base);
	return nodes[i].pa;
}

static uint64_t build_radix(void)
{
	unsigned int T = opt.psh - 3, B = opt.psh + 3, O0 = 64 - opt.psh;
	unsigned int D = opt.depth;
	uint64_t tmask = (UINT64_C(1) << T) - 1, bmask = (UINT64_C(1) << B) - 1;
	uint64_t root;

	ncap_ = 1;
	while (ncap_ < 4 * (nblocks / 64 + 1024))
		ncap_ <<= 1;
	nodes = xcalloc(ncap_, sizeof(*nodes));
	/* the root exists even for an empty map */
	root = node_page(D - 1, 0);
	for (size_t i = 0; i < nblocks; i++) {
		uint64_t key = (UINT64_C(1) << (O0 - blocks[i].order)) |
			       (blocks[i].pa >> (opt.psh + blocks[i].order));
		uint64_t parent = root, child;

		if (nnodes * 2 > ncap_)
			die("internal: node table full");
		for (unsigned int L = D - 1; L >= 1; L--) {
			unsigned int shift = (L - 1) * T + B;
			uint64_t idx = (key >> shift) & tmask;
			/* a child is named by every index from the root down
			 * to this level; bits above the root's are dropped, as
			 * the short 16K tree did */
			unsigned int cbits = (D - L) * T;
			uint64_t cid = (key >> shift) &
				       (cbits >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << cbits) - 1);
			unsigned char *pp;

			if (L == 1) {
				/* bit 0 of this leaf: the key with its low B bits
				 * and its order marker cleared */
				leaf_order = blocks[i].order;
				leaf_base = (key & ~bmask & ((UINT64_C(1) << (O0 - blocks[i].order)) - 1))
					    << (opt.psh + blocks[i].order);
			}
			child = node_page(L - 1, cid);
			pp = page_at(parent);
			put64(pp + 8 * idx, child);
			parent = child;
		}
		set_bitmap_bit(page_at(parent), key & bmask);
	}
	return root;
}

/* ---- kho-v1 chunk list ---- */

struct v1ent { unsigned int order; uint64_t idx; uint64_t bitmap; };

static int v1cmp(const void *a, const void *b)
{
	const struct v1ent *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static uint64_t slot_page, slot_used, slots_per_page;

static uint64_t alloc_bitmap(void)
{
	if (!opt.v1_512)
		return alloc_page();
	/* 512-byte slab objects, packed several to a page */
	if (!slot_page || slot_used == slots_per_page) {
		slot_page = alloc_page();
		slot_used = 0;
		slots_per_page = opt.ps / 512;
	}
	return slot_page + 512 * slot_used++;
}

static uint64_t build_v1(void)
{
	uint64_t bits = opt.v1_512 ? 4096 : opt.ps * 8;
	uint64_t per_chunk = (opt.ps - 16) / 16;
	struct v1ent *ents = NULL;
	size_t n = 0, cap = 0;
	uint64_t head = 0, prev = 0;

	/* one bitmap per (order, index) */
	for (size_t i = 0; i < nblocks; i++) {
		uint64_t ph = blocks[i].pa >> (opt.psh + blocks[i].order);
		struct v1ent e = { blocks[i].order, ph / bits, 0 };

		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			ents = xrealloc(ents, cap, sizeof(*ents));
		}
		ents[n++] = e;
	}
	if (n > 1)
		qsort(ents, n, sizeof(*ents), v1cmp);
	{
		size_t w = 0;

		for (size_t i = 0; i < n; i++)
			if (!w || ents[i].order != ents[w - 1].order || ents[i].idx != ents[w - 1].idx)
				ents[w++] = ents[i];
		n = w;
	}
	for (size_t i = 0; i < n; i++) {
		ents[i].bitmap = alloc_bitmap();
		layout("bitmap 0x%" PRIx64, ents[i].bitmap);
	}
	for (size_t i = 0; i < nblocks; i++) {
		uint64_t ph = blocks[i].pa >> (opt.psh + blocks[i].order);
		struct v1ent key = { blocks[i].order, ph / bits, 0 };
		struct v1ent *e = bsearch(&key, ents, n, sizeof(*ents), v1cmp);
		unsigned char buf[8];
		uint64_t b = ph % bits, w = e->bitmap + 8 * (b / 64), cur;

		/* read-modify-write the word through the page store */
		memcpy(buf, page_at(w & ~(opt.ps - 1)) + (w & (opt.ps - 1)), 8);
		cur = get64(buf);
		put64(buf, cur | (UINT64_C(1) << (b % 64)));
		mem_write(w, buf, 8);
	}
	/* chunks: per order ascending; new chunk on order change or when full */
	for (size_t i = 0; i < n;) {
		uint64_t c = alloc_page();
		unsigned char *cp = page_at(c);
		unsigned int k = 0;

		layout("chunk 0x%" PRIx64, c);
		if (prev)
			put64(page_at(prev), c);
		else
			head = c;
		put32(cp + 8, ents[i].order);
		{
			unsigned int order = ents[i].order;

			while (i < n && k < per_chunk && ents[i].order == order) {
				uint64_t phys_start = (ents[i].idx * bits) << (opt.psh + order);

				put64(cp + 16 + 16 * k, phys_start);
				put64(cp + 24 + 16 * k, ents[i].bitmap);
				k++;
				i++;
			}
		}
		put32(cp + 12, k);
		prev = c;
	}
	free(ents);
	return head;
}

/* ---- FDTs ---- */

static void fdt_ok(int r, const char *what)
{
	if (r < 0)
		die("libfdt: %s: %s", what, fdt_strerror(r));
}

static void prop_u64(void *fdt, const char *name, uint64_t v)
{
	unsigned char b[8];

	put64(b, v);
	fdt_ok(fdt_property(fdt, name, b, 8), name);
}

static bool is_v1(void)
{
	return !strcmp(opt.format, "kho-v1");
}

static bool has_blob_size(void)
{
	return strcmp(opt.format, "kho-v1") && strcmp(opt.format, "kho-v2");
}

static void build_root_fdt(unsigned char *buf, uint64_t map)
{
	fdt_ok(fdt_create(buf, (int)opt.ps), "create");
	fdt_ok(fdt_finish_reservemap(buf), "reservemap");
	fdt_ok(fdt_begin_node(buf, ""), "root");
	fdt_ok(fdt_property_string(buf, "compatible", opt.format), "compatible");
	prop_u64(buf, "preserved-memory-map", map);
	for (size_t i = 0; i < opt.nsubs; i++) {
		fdt_ok(fdt_begin_node(buf, opt.subs[i].name), opt.subs[i].name);
		prop_u64(buf, is_v1() ? "fdt" : "preserved-data", opt.subs[i].pa);
		if (has_blob_size())
			prop_u64(buf, "blob-size", opt.subs[i].blob_size);
		fdt_ok(fdt_end_node(buf), "end child");
	}
	fdt_ok(fdt_end_node(buf), "end root");
	fdt_ok(fdt_finish(buf), "finish");
}

/* the reserve_mem region "trace": 0x302000 bytes, in whole pages */
static uint64_t memblock_size(void)
{
	return (UINT64_C(0x302000) + opt.ps - 1) & ~(opt.ps - 1);
}

/* ---- LUO, memfd, vmalloc, serialization blocks (docs/formats.md §4.2-§4.5) ---- */

#define MAX_SESSIONS 64

struct lfile {
	uint64_t token, ser;            /* memfd_luo_ser page */
	unsigned int nfolios;
	uint64_t *folio;                /* PA of each folio */
	unsigned int *forder;
	uint64_t kv_first, total_pages; /* struct kho_vmalloc of the folio array */
	char label[160];
};

struct lsession {
	char name[64];
	unsigned int nfiles;
	struct lfile *files;
	uint64_t files_pa;              /* v1: the 2-page array; v5: the first block */
};

static struct {
	unsigned int version;           /* 0 (none), 1 or 5 */
	struct lsession s[MAX_SESSIONS];
	size_t ns;
	unsigned int nflb;
	uint64_t number;
	unsigned int memfd;             /* 1 or 2 */
	uint64_t folios;                /* per file; 0: 1 to 8 at random */
	unsigned int vorder;            /* order of the folio arrays' pieces */
	uint64_t chunk_cap;             /* PAs per vmalloc chunk; 0: a full page */
	uint64_t sess_pa, flb_pa;
	uint64_t folio_cursor;
} luo = { .number = 1, .memfd = 2, .nflb = 1, .folio_cursor = UINT64_C(0x300000000) };

static uint64_t kho_test_folios;
static bool kho_test;
static uint64_t kho_test_chunk, kho_test_pages; /* its folios_info vmalloc area */

/* npages contiguous structure pages, the first aligned to align pages */
static uint64_t alloc_contig(uint64_t npages, uint64_t align)
{
	for (;;) {
		uint64_t first = alloc_page(), k;

		if ((first / opt.ps) % align)
			continue;
		for (k = 1; k < npages; k++)
			if (alloc_page() != first + k * opt.ps)
				break;
		if (k == npages)
			return first;
	}
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* the folios: placed upwards from 12 GiB, evicting random blocks */
static void luo_plan(void)
{
	uint64_t token = 1000;

	if (!luo.ns) {
		snprintf(luo.s[0].name, sizeof(luo.s[0].name), "vm-1");
		luo.s[0].nfiles = 2;
		luo.ns = 1;
	}
	for (size_t i = 0; i < luo.ns; i++) {
		struct lsession *se = &luo.s[i];

		se->files = xcalloc(se->nfiles, sizeof(*se->files));
		for (unsigned int f = 0; f < se->nfiles; f++) {
			struct lfile *fi = &se->files[f];

			fi->token = token++;
			snprintf(fi->label, sizeof(fi->label), "luo:%s/file 0x%" PRIx64 " (memfd)",
				 se->name, fi->token);
			fi->nfolios = luo.folios ? (unsigned int)luo.folios : (unsigned int)(1 + rnd() % 8);
			fi->folio = xcalloc(fi->nfolios, sizeof(*fi->folio));
			fi->forder = xcalloc(fi->nfolios, sizeof(*fi->forder));
			for (unsigned int k = 0; k < fi->nfolios; k++) {
				unsigned int o = (unsigned int)(rnd() % 3);
				uint64_t pa = (luo.folio_cursor + bsize(o) - 1) & ~(bsize(o) - 1);

				luo.folio_cursor = pa + bsize(o);
				evict_unowned(pa, bsize(o));
				add_owned(pa, o, fi->label);
				fi->folio[k] = pa;
				fi->forder[k] = o;
				layout("folio %s %" PRIu64 " 0x%" PRIx64 " %u", se->name, fi->token, pa, o);
			}
		}
	}
}

/* a page's worth of zeroes written at pa (structures start clean) */
static void zero_pages(uint64_t pa, uint64_t npages)
{
	unsigned char *z = xcalloc(1, opt.ps);

	for (uint64_t k = 0; k < npages; k++)
		mem_write(pa + k * opt.ps, z, opt.ps);
	free(z);
}

static void put_name(unsigned char *p, const char *s, size_t field)
{
	memset(p, 0, field);
	memcpy(p, s, strlen(s) < field - 1 ? strlen(s) : field - 1);
}

/* one memfd: memfd_luo_ser page, folio array (vmalloc), its chunks */
static void luo_memfd(struct lsession *se, struct lfile *fi)
{
	uint64_t bytes = (uint64_t)fi->nfolios * 16, npages = div_up(bytes ? bytes : 1, opt.ps);
	uint64_t npieces = div_up(npages, UINT64_C(1) << luo.vorder);
	uint64_t cap = luo.chunk_cap ? luo.chunk_cap : (opt.ps - 8) / 8;
	uint64_t nchunks = div_up(npieces, cap), *piece = xcalloc(npieces, sizeof(*piece));
	uint64_t *chunk = xcalloc(nchunks, sizeof(*chunk)), index = 0;
	unsigned char m[48] = { 0 }, e[16];
	size_t kv = luo.memfd == 2 ? 32 : 24;

	fi->ser = alloc_page();
	add_owned(fi->ser, 0, fi->label);
	layout("memfd %s %" PRIu64 " 0x%" PRIx64, se->name, fi->token, fi->ser);
	for (uint64_t k = 0; k < npieces; k++) {
		piece[k] = alloc_contig(UINT64_C(1) << luo.vorder, UINT64_C(1) << luo.vorder);
		add_owned(piece[k], luo.vorder, fi->label);
		zero_pages(piece[k], UINT64_C(1) << luo.vorder);
		layout("vmalloc-data %s %" PRIu64 " 0x%" PRIx64, se->name, fi->token, piece[k]);
	}
	for (uint64_t k = 0; k < nchunks; k++) {
		chunk[k] = alloc_page();
		add_owned(chunk[k], 0, fi->label);
		layout("vmalloc-chunk %s %" PRIu64 " 0x%" PRIx64, se->name, fi->token, chunk[k]);
	}
	/* chunk pages: next, then piece addresses, zero-terminated unless full */
	for (uint64_t k = 0; k < nchunks; k++) {
		unsigned char *cp = xcalloc(1, opt.ps);

		put64(cp, k + 1 < nchunks ? chunk[k + 1] : 0);
		for (uint64_t j = 0; j < cap && k * cap + j < npieces; j++)
			put64(cp + 8 + 8 * j, piece[k * cap + j]);
		mem_write(chunk[k], cp, opt.ps);
		free(cp);
	}
	/* the array: {pfn | flags << 52, index} per folio, GCC bitfield order */
	for (unsigned int k = 0; k < fi->nfolios; k++) {
		uint64_t pfn = fi->folio[k] >> opt.psh, flags = 2 | (rnd() & 1); /* uptodate, maybe dirty */
		uint64_t off = (uint64_t)k * 16, psz = bsize(luo.vorder);

		put64(e, opt.big ? (pfn << 12) | flags : pfn | (flags << 52));
		put64(e + 8, index);
		index += UINT64_C(1) << fi->forder[k];
		mem_write(piece[off / psz] + off % psz, e, 16);
	}
	fi->kv_first = chunk[0];
	fi->total_pages = npieces << luo.vorder;
	put64(m, 0);                                    /* pos */
	put64(m + 8, index * opt.ps);                   /* size */
	if (luo.memfd == 2) {
		put32(m + 16, 0x0f);                    /* F_SEAL_SEAL|SHRINK|GROW|WRITE */
		put32(m + 20, 0);
	}
	put64(m + kv - 8, fi->nfolios);
	put64(m + kv, fi->kv_first);
	put32(m + kv + 8, (uint32_t)fi->total_pages);
	put16(m + kv + 12, 1);                          /* allocated by vmalloc */
	put16(m + kv + 14, (uint16_t)luo.vorder);
	zero_pages(fi->ser, 1);
	mem_write(fi->ser, m, luo.memfd == 2 ? 48 : 40);
	free(piece);
	free(chunk);
}

static void file_record(unsigned char *p, const struct lfile *fi)
{
	put_name(p, luo.memfd == 2 ? "memfd-v2" : "memfd-v1", 48);
	put64(p + 48, fi->ser);
	put64(p + 56, fi->token);
}

static void session_record(unsigned char *p, const struct lsession *se)
{
	put_name(p, se->name, 64);
	put64(p + 64, se->files_pa);
	put64(p + 72, se->nfiles);
}

/* a block chain of n entries of size esz, each block owned by label */
typedef void (*entry_fn)(unsigned char *p, size_t i, void *arg);

static uint64_t block_chain(size_t n, size_t esz, const char *label, const char *what,
			    entry_fn fn, void *arg)
{
	size_t per = (size_t)((opt.ps - 16) / esz), nb = n ? (n + per - 1) / per : 0;
	uint64_t *pa = xcalloc(nb ? nb : 1, sizeof(*pa)), head;

	for (size_t b = 0; b < nb; b++) {
		pa[b] = alloc_page();
		add_owned(pa[b], 0, label);
		layout("luo-block %s 0x%" PRIx64, what, pa[b]);
	}
	for (size_t b = 0; b < nb; b++) {
		unsigned char *bp = xcalloc(1, opt.ps);
		size_t cnt = n - b * per < per ? n - b * per : per;

		put64(bp, b + 1 < nb ? pa[b + 1] : 0);
		put64(bp + 8, cnt);
		for (size_t i = 0; i < cnt; i++)
			fn(bp + 16 + i * esz, b * per + i, arg);
		mem_write(pa[b], bp, opt.ps);
		free(bp);
	}
	head = nb ? pa[0] : 0;
	free(pa);
	return head;
}

static void file_entry(unsigned char *p, size_t i, void *arg)
{
	file_record(p, &((struct lsession *)arg)->files[i]);
}

static void session_entry(unsigned char *p, size_t i, void *arg)
{
	(void)arg;
	session_record(p, &luo.s[i]);
}

/* every LUO structure but the blob, allocated, preserved and written */
static void luo_build(void)
{
	for (size_t i = 0; i < luo.ns; i++)
		for (unsigned int f = 0; f < luo.s[i].nfiles; f++)
			luo_memfd(&luo.s[i], &luo.s[i].files[f]);
	for (size_t i = 0; i < luo.ns; i++) {
		struct lsession *se = &luo.s[i];
		char label[100], what[100];

		snprintf(label, sizeof(label), "luo:%s/files", se->name);
		snprintf(what, sizeof(what), "files:%s", se->name);
		if (luo.version == 5) {
			se->files_pa = block_chain(se->nfiles, 64, label, what, file_entry, se);
		} else if (se->nfiles) {
			unsigned char *arr = xcalloc(2, opt.ps);

			if (se->nfiles > 2 * opt.ps / 64)
				die("--luo-session %s: luo-v1 holds at most %" PRIu64 " files per session",
				    se->name, 2 * opt.ps / 64);
			se->files_pa = alloc_contig(2, 1);
			add_owned(se->files_pa, 0, label);
			add_owned(se->files_pa + opt.ps, 0, label);
			for (unsigned int f = 0; f < se->nfiles; f++)
				file_record(arr + 64 * f, &se->files[f]);
			mem_write(se->files_pa, arr, 2 * opt.ps);
			free(arr);
		}
		layout("luo-files %s 0x%" PRIx64, se->name, se->files_pa);
	}
	if (luo.version == 5) {
		luo.sess_pa = block_chain(luo.ns, 80, "luo:sessions", "sessions", session_entry, NULL);
	} else {
		uint64_t np = div_up(8 + 80 * luo.ns, opt.ps);
		unsigned char *h = xcalloc(np, opt.ps);

		luo.sess_pa = alloc_contig(np, 1);
		for (uint64_t k = 0; k < np; k++)
			add_owned(luo.sess_pa + k * opt.ps, 0, "luo:sessions");
		put64(h, luo.ns);
		for (size_t i = 0; i < luo.ns; i++)
			session_record(h + 8 + 80 * i, &luo.s[i]);
		mem_write(luo.sess_pa, h, np * opt.ps);
		free(h);
	}
	layout("luo-session-header 0x%" PRIx64, luo.sess_pa);
	if (luo.nflb) {
		uint64_t np = div_up(16 + 64 * (uint64_t)luo.nflb, opt.ps);
		unsigned char *h = xcalloc(np, opt.ps);

		luo.flb_pa = alloc_contig(np, 1);
		for (uint64_t k = 0; k < np; k++)
			add_owned(luo.flb_pa + k * opt.ps, 0, "luo:flb");
		put64(h, np);
		put64(h + 8, luo.nflb);
		for (unsigned int i = 0; i < luo.nflb; i++) {
			char name[48];

			snprintf(name, sizeof(name), "flb-%u", i);
			put_name(h + 16 + 64 * i, name, 48);
			put64(h + 16 + 64 * i + 48, 0);   /* the FLB owner's data: none here */
			put64(h + 16 + 64 * i + 56, 1);
		}
		mem_write(luo.flb_pa, h, np * opt.ps);
		free(h);
		layout("luo-flb 0x%" PRIx64, luo.flb_pa);
	}
}

/* the LUO child's blob: a luo-v1 FDT, or a 32-byte luo-v5 luo_ser */
static void luo_blob(unsigned char *buf, struct subnode *s)
{
	if (luo.version == 5) {
		put_name(buf, "luo-v5", 8);
		put64(buf + 8, luo.number);
		put64(buf + 16, luo.sess_pa);
		put64(buf + 24, luo.flb_pa);
		s->blob_size = 32;
		return;
	}
	fdt_ok(fdt_create(buf, (int)opt.ps), "luo");
	fdt_ok(fdt_finish_reservemap(buf), "luo");
	fdt_ok(fdt_begin_node(buf, ""), "luo");
	fdt_ok(fdt_property_string(buf, "compatible", "luo-v1"), "luo");
	prop_u64(buf, "liveupdate-number", luo.number);
	fdt_ok(fdt_begin_node(buf, "luo-session"), "luo-session");
	fdt_ok(fdt_property_string(buf, "compatible", "luo-session-v2"), "luo-session");
	prop_u64(buf, "luo-session-header", luo.sess_pa);
	fdt_ok(fdt_end_node(buf), "luo-session");
	if (luo.nflb) {
		fdt_ok(fdt_begin_node(buf, "luo-flb"), "luo-flb");
		fdt_ok(fdt_property_string(buf, "compatible", "luo-flb-v1"), "luo-flb");
		prop_u64(buf, "luo-flb-header", luo.flb_pa);
		fdt_ok(fdt_end_node(buf), "luo-flb");
	}
	fdt_ok(fdt_end_node(buf), "luo");
	fdt_ok(fdt_finish(buf), "luo");
	s->blob_size = fdt_totalsize(buf);
}

/*
 * lib/test_kho.c as 7.3 writes it: kho_test_folios folios (orders 0-3 in
 * turn) and folios_info, a vmalloc area (order-0 pieces, its chunk pages)
 * of one "phys | order" u64 per folio. The FDT (write_blob) holds
 * nr_folios, folios_info and csum in /data.
 */
static void kho_test_build(void)
{
	uint64_t npages = div_up(kho_test_folios ? kho_test_folios * 8 : 1, opt.ps);
	uint64_t cap = (opt.ps - 8) / 8, nchunks = div_up(npages, cap);
	uint64_t *piece = xcalloc(npages, sizeof(*piece)), *chunk = xcalloc(nchunks, sizeof(*chunk));
	unsigned char e[8];

	for (uint64_t k = 0; k < npages; k++) {
		piece[k] = alloc_page();
		add_owned(piece[k], 0, "kho_test:folios_info");
		zero_pages(piece[k], 1);
	}
	for (uint64_t k = 0; k < nchunks; k++) {
		chunk[k] = alloc_page();
		add_owned(chunk[k], 0, "kho_test:folios_info");
	}
	for (uint64_t k = 0; k < nchunks; k++) {
		unsigned char *cp = xcalloc(1, opt.ps);

		put64(cp, k + 1 < nchunks ? chunk[k + 1] : 0);
		for (uint64_t j = 0; j < cap && k * cap + j < npages; j++)
			put64(cp + 8 + 8 * j, piece[k * cap + j]);
		mem_write(chunk[k], cp, opt.ps);
		free(cp);
	}
	for (uint64_t k = 0; k < kho_test_folios; k++) {
		unsigned int o = (unsigned int)(k % 4);
		uint64_t pa = alloc_contig(UINT64_C(1) << o, UINT64_C(1) << o);

		add_owned(pa, o, "kho_test:folio");
		layout("kho_test-folio 0x%" PRIx64 " %u", pa, o);
		put64(e, pa | o);
		mem_write(piece[k * 8 / opt.ps] + k * 8 % opt.ps, e, 8);
	}
	kho_test_chunk = chunk[0];
	kho_test_pages = npages;
	free(piece);
	free(chunk);
}

/* the blob of a sub-node: memblock FDT, kexec-metadata, or filler */
static void write_blob(struct subnode *s)
{
	uint64_t npg = (s->size + opt.ps - 1) / opt.ps;
	unsigned char *buf = xcalloc(npg ? npg : 1, opt.ps);

	if (!strcmp(s->name, "memblock")) {
		fdt_ok(fdt_create(buf, (int)opt.ps), "memblock");
		fdt_ok(fdt_finish_reservemap(buf), "memblock");
		fdt_ok(fdt_begin_node(buf, ""), "memblock");
		fdt_ok(fdt_property_string(buf, "compatible", "memblock-v1"), "memblock");
		fdt_ok(fdt_begin_node(buf, "trace"), "trace");
		fdt_ok(fdt_property_string(buf, "compatible", "reserve-mem-v1"), "trace");
		prop_u64(buf, "start", UINT64_C(0xb60a00000));
		prop_u64(buf, "size", memblock_size());
		fdt_ok(fdt_end_node(buf), "trace");
		fdt_ok(fdt_end_node(buf), "memblock");
		fdt_ok(fdt_finish(buf), "memblock");
		s->blob_size = fdt_totalsize(buf);
	} else if (!strcmp(s->name, "LUO") && luo.version) {
		luo_blob(buf, s);
	} else if (!strcmp(s->name, "kho_test") && kho_test) {
		fdt_ok(fdt_create(buf, (int)opt.ps), "kho_test");
		fdt_ok(fdt_finish_reservemap(buf), "kho_test");
		fdt_ok(fdt_begin_node(buf, ""), "kho_test");
		fdt_ok(fdt_property_string(buf, "compatible", "kho-test-v1"), "kho_test");
		{
			unsigned char nf[4], kv[16], magic[4];

			put32(magic, 0x4b484f21);               /* "KHO!" */
			fdt_ok(fdt_property(buf, "magic", magic, 4), "kho_test");
			/* 7.3 keeps the rest in /data */
			fdt_ok(fdt_begin_node(buf, "data"), "kho_test");
			put32(nf, (uint32_t)kho_test_folios);
			fdt_ok(fdt_property(buf, "nr_folios", nf, 4), "kho_test");
			put64(kv, kho_test_chunk);
			put32(kv + 8, (uint32_t)kho_test_pages);
			put16(kv + 12, 1);                      /* allocated by vmalloc */
			put16(kv + 14, 0);                      /* order-0 pieces */
			fdt_ok(fdt_property(buf, "folios_info", kv, 16), "kho_test");
			put32(nf, 0x1234);
			fdt_ok(fdt_property(buf, "csum", nf, 4), "kho_test");
			fdt_ok(fdt_end_node(buf), "kho_test");
		}
		fdt_ok(fdt_end_node(buf), "kho_test");
		fdt_ok(fdt_finish(buf), "kho_test");
		s->blob_size = fdt_totalsize(buf);
	} else if (!strcmp(s->name, "kexec-metadata")) {
		put32(buf, 1);
		snprintf((char *)buf + 4, 65, "%s", opt.osrelease);
		put32(buf + 69, 1);
		s->blob_size = 73;
	} else {
		for (uint64_t i = 0; i < s->size; i++)
			buf[i] = (unsigned char)(i * 7 + s->name[0]);
		s->blob_size = s->size;
	}
	mem_write(s->pa, buf, npg * opt.ps);
	free(buf);
}

/* ---- the container ---- */

static uint16_t machine(void)
{
	if (!strcmp(opt.arch, "x86_64")) return EM_X86_64;
	if (!strcmp(opt.arch, "aarch64")) return EM_AARCH64;
	if (!strcmp(opt.arch, "i386")) return EM_386;
	if (!strcmp(opt.arch, "ppc64")) return EM_PPC64;
	if (!strcmp(opt.arch, "none")) return EM_NONE;
	die("unknown --arch %s", opt.arch);
}

static void pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("%s: write: %s", opt.out, strerror(errno));
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
}

static void write_container(void)
{
	int fd = open(opt.out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	uint64_t data_off = 0, total;
	uint64_t offs[MAX_REGIONS];

	if (fd < 0)
		die("%s: %s", opt.out, strerror(errno));
	if (!opt.raw) {
		unsigned char hdr[8192] = { 0 };
		char desc[256];
		unsigned int phnum = (unsigned int)opt.nregions + (opt.vmcoreinfo ? 1 : 0);
		uint64_t noff = 64 + 56 * (uint64_t)phnum, nlen = 0, p = 64;
		int dl;

		dl = snprintf(desc, sizeof(desc), "OSRELEASE=%s\nPAGESIZE=%" PRIu64 "\n",
			      opt.osrelease, opt.ps);
		if (opt.vmcoreinfo)
			nlen = 12 + 12 + (((uint64_t)dl + 3) & ~UINT64_C(3));
		data_off = (noff + nlen + 4095) & ~UINT64_C(4095);
		memcpy(hdr, ELFMAG, 4);
		hdr[EI_CLASS] = ELFCLASS64;
		hdr[EI_DATA] = opt.big ? ELFDATA2MSB : ELFDATA2LSB;
		hdr[EI_VERSION] = EV_CURRENT;
		put16(hdr + 16, ET_CORE);
		put16(hdr + 18, machine());
		put32(hdr + 20, EV_CURRENT);
		put64(hdr + 32, 64);           /* e_phoff */
		put16(hdr + 52, 64);           /* e_ehsize */
		put16(hdr + 54, 56);           /* e_phentsize */
		put16(hdr + 56, (uint16_t)phnum);
		if (opt.vmcoreinfo) {
			put32(hdr + p, PT_NOTE);
			put64(hdr + p + 8, noff);
			put64(hdr + p + 32, nlen);
			put64(hdr + p + 40, nlen);
			p += 56;
			put32(hdr + noff, 11);
			put32(hdr + noff + 4, (uint32_t)dl);
			put32(hdr + noff + 8, 0);
			memcpy(hdr + noff + 12, "VMCOREINFO", 11);
			memcpy(hdr + noff + 24, desc, (size_t)dl);
		}
		total = data_off;
		for (size_t i = 0; i < opt.nregions; i++) {
			offs[i] = total;
			put32(hdr + p, PT_LOAD);
			put32(hdr + p + 4, PF_R | PF_W | PF_X);
			put64(hdr + p + 8, total);
			put64(hdr + p + 16, UINT64_C(0xffff888000000000) + opt.regions[i].start);
			put64(hdr + p + 24, opt.regions[i].start);
			put64(hdr + p + 32, opt.regions[i].size);
			put64(hdr + p + 40, opt.regions[i].size);
			p += 56;
			total += opt.regions[i].size;
		}
		if (data_off > sizeof(hdr))
			die("internal: header too large");
		pwrite_all(fd, hdr, data_off, 0);
	} else {
		offs[0] = 0;
		total = opt.regions[0].size;
	}
	if (ftruncate(fd, (off_t)total))
		die("%s: %s", opt.out, strerror(errno));
	for (size_t i = 0; i < pcap; i++) {
		uint64_t pa = store[i].pa;

		if (!store[i].data)
			continue;
		for (size_t r = 0; r < opt.nregions; r++)
			if (pa >= opt.regions[r].start && pa < opt.regions[r].start + opt.regions[r].size)
				pwrite_all(fd, store[i].data, opt.ps,
					   offs[r] + (pa - opt.regions[r].start));
	}
	if (close(fd))
		die("%s: %s", opt.out, strerror(errno));
}

/* ---- main ---- */

static void usage(void)
{
	printf("Usage: khogen [options] -o OUT   (see tests/gen/README.md)\n");
}

int main(int argc, char **argv)
{
	enum { O_FORMAT = 256, O_PS, O_ARCH, O_ENDIAN, O_CONTAINER, O_REGION, O_NOVMCI,
	       O_OSREL, O_BLOCKS, O_RANDOM, O_SEED, O_DENSE, O_DEPTH, O_V1BM, O_SUB,
	       O_MAPZERO, O_COPIES, O_TRUTH, O_LAYOUT, O_SPAN, O_MAXORDER, O_LUO, O_LSESS,
	       O_LFLB, O_LNUM, O_MEMFD, O_MFOLIOS, O_VORDER, O_VCAP, O_KTEST, O_TOWNERS,
	       O_MBUNPRES };
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "page-size", required_argument, NULL, O_PS },
		{ "arch", required_argument, NULL, O_ARCH },
		{ "endian", required_argument, NULL, O_ENDIAN },
		{ "container", required_argument, NULL, O_CONTAINER },
		{ "region", required_argument, NULL, O_REGION },
		{ "no-vmcoreinfo", no_argument, NULL, O_NOVMCI },
		{ "osrelease", required_argument, NULL, O_OSREL },
		{ "blocks", required_argument, NULL, O_BLOCKS },
		{ "random", required_argument, NULL, O_RANDOM },
		{ "seed", required_argument, NULL, O_SEED },
		{ "span", required_argument, NULL, O_SPAN },
		{ "max-order", required_argument, NULL, O_MAXORDER },
		{ "dense", required_argument, NULL, O_DENSE },
		{ "radix-depth", required_argument, NULL, O_DEPTH },
		{ "v1-bitmap", required_argument, NULL, O_V1BM },
		{ "subnode", required_argument, NULL, O_SUB },
		{ "map-zero", no_argument, NULL, O_MAPZERO },
		{ "fdt-copies", required_argument, NULL, O_COPIES },
		{ "truth", required_argument, NULL, O_TRUTH },
		{ "layout", required_argument, NULL, O_LAYOUT },
		{ "luo", required_argument, NULL, O_LUO },
		{ "luo-session", required_argument, NULL, O_LSESS },
		{ "luo-flb", required_argument, NULL, O_LFLB },
		{ "luo-number", required_argument, NULL, O_LNUM },
		{ "memfd", required_argument, NULL, O_MEMFD },
		{ "memfd-folios", required_argument, NULL, O_MFOLIOS },
		{ "vmalloc-order", required_argument, NULL, O_VORDER },
		{ "vmalloc-chunk-cap", required_argument, NULL, O_VCAP },
		{ "kho-test", required_argument, NULL, O_KTEST },
		{ "truth-owners", no_argument, NULL, O_TOWNERS },
		{ "memblock-unpreserved", no_argument, NULL, O_MBUNPRES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t fdt_pa, map;
	unsigned char *fdtbuf;
	int c;

	while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		switch (c) {
		case 'o': opt.out = optarg; break;
		case O_FORMAT: opt.format = optarg; break;
		case O_PS: opt.ps = num(optarg, "--page-size"); break;
		case O_ARCH: opt.arch = optarg; break;
		case O_ENDIAN:
			if (strcmp(optarg, "little") && strcmp(optarg, "big"))
				die("--endian little|big");
			opt.big = !strcmp(optarg, "big");
			break;
		case O_CONTAINER:
			if (strcmp(optarg, "elf") && strcmp(optarg, "raw"))
				die("--container elf|raw");
			opt.raw = !strcmp(optarg, "raw");
			break;
		case O_REGION:
			if (opt.nregions == MAX_REGIONS)
				die("too many --region");
			pair(optarg, "--region", &opt.regions[opt.nregions].start,
			     &opt.regions[opt.nregions].size);
			opt.nregions++;
			break;
		case O_NOVMCI: opt.vmcoreinfo = false; break;
		case O_OSREL: opt.osrelease = optarg; break;
		case O_BLOCKS: opt.blocks_file = optarg; break;
		case O_RANDOM: opt.random_n = num(optarg, "--random"); break;
		case O_SEED: opt.seed = num(optarg, "--seed"); break;
		case O_SPAN: opt.span = num(optarg, "--span"); break;
		case O_MAXORDER: opt.max_order = (unsigned int)num(optarg, "--max-order"); break;
		case O_DENSE: pair(optarg, "--dense", &opt.dense_start, &opt.dense_n); break;
		case O_DEPTH: opt.depth = (unsigned int)num(optarg, "--radix-depth"); break;
		case O_V1BM:
			if (strcmp(optarg, "512") && strcmp(optarg, "page"))
				die("--v1-bitmap 512|page");
			opt.v1_512 = !strcmp(optarg, "512");
			break;
		case O_SUB:
			if (opt.nsubs == MAX_SUBNODES)
				die("too many --subnode");
			{
				const char *col = strrchr(optarg, ':');
				size_t l = col ? (size_t)(col - optarg) : 0;

				if (!col || !l || l >= sizeof(opt.subs[0].name))
					die("--subnode NAME:SIZE");
				memcpy(opt.subs[opt.nsubs].name, optarg, l);
				opt.subs[opt.nsubs].size = num(col + 1, "--subnode size");
				if (!opt.subs[opt.nsubs].size)
					die("--subnode size must not be 0");
				opt.nsubs++;
			}
			break;
		case O_MAPZERO: opt.map_zero = true; break;
		case O_COPIES: opt.fdt_copies = (unsigned int)num(optarg, "--fdt-copies"); break;
		case O_TRUTH: opt.truth = optarg; break;
		case O_LAYOUT: opt.layout = optarg; break;
		case O_LUO:
			if (strcmp(optarg, "v1") && strcmp(optarg, "v5"))
				die("--luo v1|v5");
			luo.version = optarg[1] == '1' ? 1 : 5;
			break;
		case O_LSESS:
			if (luo.ns == MAX_SESSIONS)
				die("too many --luo-session");
			{
				const char *col = strrchr(optarg, ':');
				size_t l = col ? (size_t)(col - optarg) : 0;

				if (!col || !l || l >= sizeof(luo.s[0].name))
					die("--luo-session NAME:NFILES (NAME up to 63 bytes)");
				memcpy(luo.s[luo.ns].name, optarg, l);
				luo.s[luo.ns].nfiles = (unsigned int)num(col + 1, "--luo-session files");
				if (luo.s[luo.ns].nfiles > 100000)
					die("--luo-session: at most 100000 files");
				luo.ns++;
			}
			break;
		case O_LFLB: luo.nflb = (unsigned int)num(optarg, "--luo-flb"); break;
		case O_LNUM: luo.number = num(optarg, "--luo-number"); break;
		case O_MEMFD:
			if (strcmp(optarg, "v1") && strcmp(optarg, "v2"))
				die("--memfd v1|v2");
			luo.memfd = optarg[1] == '1' ? 1 : 2;
			break;
		case O_MFOLIOS: luo.folios = num(optarg, "--memfd-folios"); break;
		case O_VORDER: luo.vorder = (unsigned int)num(optarg, "--vmalloc-order"); break;
		case O_VCAP: luo.chunk_cap = num(optarg, "--vmalloc-chunk-cap"); break;
		case O_KTEST:
			kho_test = true;
			kho_test_folios = num(optarg, "--kho-test");
			break;
		case O_TOWNERS: opt.truth_owners = true; break;
		case O_MBUNPRES: opt.memblock_unpreserved = true; break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (!opt.out || optind != argc)
		die("usage: khogen [options] -o OUT");
	if (opt.ps != 4096 && opt.ps != 16384 && opt.ps != 65536)
		die("--page-size 4096|16384|65536");
	opt.psh = (unsigned int)__builtin_ctzll(opt.ps);
	if (!opt.depth)
		opt.depth = opt.psh == 12 ? 6 : opt.psh == 14 ? 5 : 4;
	if (opt.depth < 2 || opt.depth > 8)
		die("--radix-depth 2..8");
	if (!opt.span || opt.max_order > 30)
		die("--span must be non-zero and --max-order at most 30");
	if (!opt.nregions) {
		if (opt.raw) {
			opt.regions[opt.nregions++] = (struct region){ 0x80000000, 0x1000000 };
		} else {
			opt.regions[opt.nregions++] = (struct region){ 0, 0x800000 };
			opt.regions[opt.nregions++] = (struct region){ UINT64_C(0x100000000), 0x800000 };
		}
	}
	if (opt.raw && opt.nregions != 1)
		die("a raw image holds exactly one region");
	if (luo.folios > 1000000 || luo.vorder > 10 || luo.nflb > 10000 ||
	    (luo.chunk_cap && luo.chunk_cap > (opt.ps - 8) / 8))
		die("--memfd-folios up to 1000000, --vmalloc-order up to 10, --luo-flb up to 10000, --vmalloc-chunk-cap up to (page size - 8) / 8");
	/* LUO and kho_test bring their root children */
	if (luo.version || kho_test) {
		if (opt.nsubs + 2 > MAX_SUBNODES)
			die("too many --subnode");
		if (luo.version) {
			snprintf(opt.subs[opt.nsubs].name, sizeof(opt.subs[0].name), "LUO");
			opt.subs[opt.nsubs++].size = luo.version == 5 ? 32 : opt.ps;
		}
		if (kho_test) {
			snprintf(opt.subs[opt.nsubs].name, sizeof(opt.subs[0].name), "kho_test");
			opt.subs[opt.nsubs++].size = opt.ps;
		}
	}
	label_id("unclaimed");
	for (size_t i = 0; i < opt.nregions; i++)
		if ((opt.regions[i].start | opt.regions[i].size) & (opt.ps - 1) || !opt.regions[i].size)
			die("--region 0x%" PRIx64 ":0x%" PRIx64 " is not page aligned",
			    opt.regions[i].start, opt.regions[i].size);
	if (opt.layout && !(layout_fp = fopen(opt.layout, "w")))
		die("%s: %s", opt.layout, strerror(errno));

	/* scratch: the last 4 MiB-aligned 4 MiB of the first region of 8 MiB+ */
	for (size_t i = 0; i < opt.nregions && !scratch_size; i++) {
		uint64_t end = (opt.regions[i].start + opt.regions[i].size) & ~UINT64_C(0x3fffff);

		if (opt.regions[i].size >= 0x800000 && end >= opt.regions[i].start + 0x400000) {
			scratch_start = end - 0x400000;
			scratch_size = 0x400000;
		}
	}

	/* the chosen blocks */
	if (opt.blocks_file) {
		FILE *fp = fopen(opt.blocks_file, "r");
		char line[256];

		if (!fp)
			die("%s: %s", opt.blocks_file, strerror(errno));
		while (fgets(line, sizeof(line), fp)) {
			char pa[64];
			unsigned int o;
			char *h = strchr(line, '#');

			if (h)
				*h = '\0';
			if (sscanf(line, "%63s %u", pa, &o) == 2)
				add_block(num(pa, "--blocks"), o);
			else if (strspn(line, " \t\r\n") != strlen(line))
				die("%s: bad line \"%s\"", opt.blocks_file, line);
		}
		fclose(fp);
	}
	for (uint64_t i = 0; i < opt.dense_n; i++)
		add_block(opt.dense_start + i * opt.ps, 0);
	sort_blocks(false);
	rng_state = opt.seed * UINT64_C(0x9e3779b97f4a7c15) + 1;
	if (opt.random_n) {
		uint64_t want = nblocks + opt.random_n;

		for (int round = 0; round < 8 && nblocks < want; round++) {
			uint64_t need = want - nblocks;

			for (uint64_t i = 0; i < need; i++) {
				unsigned int o = !opt.max_order || rnd() % 10 < 6 ? 0 :
						 (unsigned int)(1 + rnd() % opt.max_order);
				uint64_t pa = (rnd() % opt.span) & ~(bsize(o) - 1);

				if (scratch_size && pa < scratch_start + scratch_size &&
				    pa + bsize(o) > scratch_start)
					continue;
				add_block(pa, o);
			}
			sort_blocks(true);
		}
	}
	/* memory the sub-formats describe: reserve_mem regions, memfd folios */
	for (size_t i = 0; i < opt.nsubs; i++)
		if (!strcmp(opt.subs[i].name, "memblock") && !opt.memblock_unpreserved)
			preserve_range(UINT64_C(0xb60a00000), memblock_size(), "memblock:trace");
	if (luo.version)
		luo_plan();
	sort_blocks(false);
	/* structure pages: the FDT and the blobs are preserved order-0 blocks */
	fdt_pa = alloc_page();
	layout("fdt 0x%" PRIx64, fdt_pa);
	for (size_t i = 0; i < opt.nsubs; i++) {
		uint64_t npg = (opt.subs[i].size + opt.ps - 1) / opt.ps;

		opt.subs[i].pa = alloc_page();
		for (uint64_t k = 1; k < npg; k++)
			if (alloc_page() != opt.subs[i].pa + k * opt.ps)
				die("blob \"%s\" does not fit contiguously", opt.subs[i].name);
		layout("blob %s 0x%" PRIx64, opt.subs[i].name, opt.subs[i].pa);
		{
			char label[80];

			snprintf(label, sizeof(label), "kho:%s", opt.subs[i].name);
			for (uint64_t k = 0; k < npg; k++)
				add_owned(opt.subs[i].pa + k * opt.ps, 0, label);
		}
	}
	add_owned(fdt_pa, 0, "kho:fdt");
	if (luo.version)
		luo_build();
	if (kho_test)
		kho_test_build();
	sort_blocks(false);
	for (size_t i = 0; i < opt.nsubs; i++)
		write_blob(&opt.subs[i]);

	/* the scratch array, inside the scratch area */
	if (scratch_size) {
		unsigned char arr[16];
		uint64_t at = scratch_start + opt.ps * 4;

		put64(arr, scratch_start);
		put64(arr + 8, scratch_size);
		mem_write(at, arr, 16);
		layout("scratch-array 0x%" PRIx64, at);
	}

	map = is_v1() ? build_v1() : build_radix();
	if (opt.map_zero)
		map = 0;
	fdtbuf = xcalloc(1, opt.ps);
	build_root_fdt(fdtbuf, map);
	mem_write(fdt_pa, fdtbuf, opt.ps);
	for (unsigned int i = 1; i < opt.fdt_copies; i++) {
		/* stale generations: same content, an empty map */
		uint64_t copy = alloc_page(), empty = is_v1() ? 0 : alloc_page();

		memset(fdtbuf, 0, opt.ps);
		build_root_fdt(fdtbuf, empty);
		mem_write(copy, fdtbuf, opt.ps);
		layout("fdt-copy 0x%" PRIx64, copy);
	}
	free(fdtbuf);
	write_container();

	if (opt.truth) {
		FILE *fp = fopen(opt.truth, "w");

		if (!fp)
			die("%s: %s", opt.truth, strerror(errno));
		fprintf(fp, "# format %s page_size %" PRIu64 " fdt_phys 0x%" PRIx64
			" memory_map_phys 0x%" PRIx64 "\n", opt.format, opt.ps, fdt_pa, map);
		if (scratch_size)
			fprintf(fp, "# scratch 0x%" PRIx64 " 0x%" PRIx64 "\n", scratch_start, scratch_size);
		if (!opt.map_zero)
			for (size_t i = 0; i < nblocks; i++)
				fprintf(fp, opt.truth_owners ? "0x%" PRIx64 " %u %s\n" : "0x%" PRIx64 " %u\n",
					blocks[i].pa, blocks[i].order, labels[blocks[i].owner]);
		if (fclose(fp))
			die("%s: %s", opt.truth, strerror(errno));
	}
	if (layout_fp)
		fclose(layout_fp);
	for (size_t i = 0; i < pcap; i++)
		free(store[i].data);
	free(store);
	free(nodes);
	free(blocks);
	free(allocated);
	for (size_t i = 0; i < nlabels; i++)
		free(labels[i]);
	free(labels);
	for (size_t i = 0; i < luo.ns; i++) {
		for (unsigned int f = 0; luo.s[i].files && f < luo.s[i].nfiles; f++) {
			free(luo.s[i].files[f].folio);
			free(luo.s[i].files[f].forder);
		}
		free(luo.s[i].files);
	}
	return 0;
}
