// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kho-v1 chunk-list walker on raw images laid out by hand (4 KiB pages,
 * physical 0 = file offset 0). Chunk: u64 next, u32 order, u32 num_elms,
 * then {u64 phys_start, u64 bitmap} entries; bit b of a bitmap is the block
 * at phys_start + (b << (order + 12)). Expected blocks are worked out by
 * hand from that rule (docs/formats.md §2.2).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ki_dump.h"
#include "ki_map.h"
#include "testutils.h"

enum { PS = 4096, IMG_PAGES = 64 };

static unsigned char img[IMG_PAGES * PS];

static void put64(uint64_t off, uint64_t v)
{
	memcpy(img + off, &v, 8); /* the tests run on a little-endian host */
}

static void put32(uint64_t off, uint32_t v)
{
	memcpy(img + off, &v, 4);
}

static void chunk(uint64_t at, uint64_t next, uint32_t order, uint32_t n)
{
	put64(at, next);
	put32(at + 8, order);
	put32(at + 12, n);
}

static void entry(uint64_t chunk_at, unsigned int i, uint64_t phys_start, uint64_t bitmap)
{
	put64(chunk_at + 16 + 16 * i, phys_start);
	put64(chunk_at + 24 + 16 * i, bitmap);
}

static void setbit(uint64_t bitmap, unsigned int b)
{
	img[bitmap + b / 8] |= (unsigned char)(1u << (b % 8));
}

struct got {
	uint64_t pa[64];
	unsigned int order[64];
	size_t n;
};

static int collect(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	struct got *g = arg;

	for (uint64_t i = 0; i < n && g->n < 64; i++) {
		g->pa[g->n] = pa + i * ((uint64_t)PS << order);
		g->order[g->n++] = order;
	}
	return 0;
}

static int count_run(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	(void)pa;
	(void)order;
	(void)n;
	++*(uint64_t *)arg;
	return 0;
}

static int count_blocks(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	(void)pa;
	(void)order;
	*(uint64_t *)arg += n;
	return 0;
}

/* Write img to a temp file (testutils.h) and decode the chunk list at head. */
static struct ki_map *decode(uint64_t head, enum ki_v1_bitmap bm,
			     struct ki_findings *f, struct ki_dump **dret)
{
	struct ki_dump_options o = { .format = "raw", .base_set = true, .page_size = PS };
	struct ki_dump *d = NULL;
	struct ki_map *m = NULL;
	struct ki_error *err;

	err = ki_dump_open(tu_write("mem.raw", img, sizeof(img)), &o, &d);
	cr_assert_null(err, "open: %s", err ? err->message : "");
	ki_findings_init(f);
	err = ki_chunks_collect(d, head, d->page_size, bm, f, &m);
	cr_assert_null(err, "collect: %s", err ? err->message : "");
	ki_map_count(m, f);
	*dret = d;
	return m;
}

static void done(struct ki_map *m, struct ki_dump *d, struct ki_findings *f)
{
	ki_map_destroy(m);
	ki_dump_destroy(d);
	ki_findings_deinit(f);
	tu_cleanup();
}

static bool has_finding(const struct ki_findings *f, const char *id, uint64_t pa)
{
	return tu_find_at(f, id, pa) != NULL;
}

static void reset(void)
{
	memset(img, 0, sizeof(img));
}

Test(chunks, chain_of_one)
{
	struct ki_findings f;
	struct ki_dump *d;
	struct ki_map *m;
	struct got g = { 0 };

	reset();
	chunk(0x1000, 0, 0, 1);
	entry(0x1000, 0, 0, 0x2000);
	setbit(0x2000, 1);   /* 0x1000 */
	setbit(0x2000, 5);   /* 0x5000 */
	setbit(0x2000, 6);   /* 0x6000: adjacent to 0x5000 */
	m = decode(0x1000, KI_V1_BITMAP_AUTO, &f, &d);
	cr_assert_eq(m->chunks, 1);
	cr_assert_eq(m->nleaves, 1);
	cr_assert_eq(m->blocks[0], 3);
	cr_assert_eq(m->errors, 0);
	ki_map_foreach_run(m, -1, collect, &g);
	cr_assert_eq(g.n, 3);
	cr_assert_eq(g.pa[0], 0x1000);
	cr_assert_eq(g.pa[1], 0x5000);
	cr_assert_eq(g.pa[2], 0x6000);
	/* page-aligned bitmap, phys_start 0: page-sized bitmaps */
	cr_assert_eq(m->bitmap_bytes, PS);
	done(m, d, &f);
}

Test(chunks, chain_of_many_orders)
{
	struct ki_findings f;
	struct ki_dump *d;
	struct ki_map *m;
	struct got g = { 0 };

	reset();
	/* 20 chunks at pages 1..20, order i, each one entry with bitmap at
	 * page 21 + i, bit 3: block (3 << (i + 12)) */
	for (unsigned int i = 0; i < 20; i++) {
		uint64_t at = (uint64_t)(1 + i) * PS;
		uint64_t bm = (uint64_t)(21 + i) * PS;

		chunk(at, i == 19 ? 0 : at + PS, i, 1);
		entry(at, 0, 0, bm);
		setbit(bm, 3);
	}
	m = decode(PS, KI_V1_BITMAP_AUTO, &f, &d);
	cr_assert_eq(m->chunks, 20);
	cr_assert_eq(m->total_blocks, 20);
	for (unsigned int i = 0; i < 20; i++)
		cr_assert_eq(m->blocks[i], 1, "order %u", i);
	ki_map_foreach_run(m, -1, collect, &g);
	cr_assert_eq(g.n, 20);
	for (unsigned int i = 0; i < 20; i++) {
		cr_assert_eq(g.order[i], i);
		cr_assert_eq(g.pa[i], (uint64_t)3 << (i + 12));
	}
	done(m, d, &f);
}

Test(chunks, empty_list)
{
	struct ki_findings f;
	struct ki_dump *d;
	struct ki_map *m;

	reset();
	m = decode(0, KI_V1_BITMAP_AUTO, &f, &d);
	cr_assert_eq(m->chunks, 0);
	cr_assert_eq(m->total_blocks, 0);
	cr_assert_eq(m->errors, 0);
	done(m, d, &f);
}

Test(chunks, cycle_stops)
{
	struct ki_findings f;
	struct ki_dump *d;
	struct ki_map *m;

	reset();
	chunk(0x1000, 0x2000, 0, 1);
	entry(0x1000, 0, 0, 0x4000);
	chunk(0x2000, 0x1000, 1, 1);      /* back to the first */
	entry(0x2000, 0, 0, 0x5000);
	setbit(0x4000, 7);
	setbit(0x5000, 2);
	m = decode(0x1000, KI_V1_BITMAP_AUTO, &f, &d);
	cr_assert_eq(m->chunks, 2);
	cr_assert(has_finding(&f, "map-cycle", 0x1000));
	cr_assert_eq(m->blocks[0], 1);
	cr_assert_eq(m->blocks[1], 1);
	done(m, d, &f);
}

Test(chunks, num_elms_overflow)
{
	struct ki_findings f;
	struct ki_dump *d;
	struct ki_map *m;

	reset();
	chunk(0x1000, 0, 0, 1000);        /* at most (4096 - 16) / 16 = 255 */
	entry(0x1000, 0, 0, 0x2000);
	setbit(0x2000, 9);
	m = decode(0x1000, KI_V1_BITMAP_AUTO, &f, &d);
	cr_assert(has_finding(&f, "v1-num-elms", 0x1000));
	/* the 254 other entries are zero: bitmap pointer 0, each reported */
	cr_assert(has_finding(&f, "map-pointer-zero", 0x1000));
	cr_assert_eq(m->blocks[0], 1);
	done(m, d, &f);
}

Test(chunks, misaligned_and_outside)
{
	struct ki_findings f;
	struct ki_dump *d;
	struct ki_map *m;

	reset();
	chunk(0x1000, 0x1800, 0, 1);      /* next not page aligned */
	entry(0x1000, 0, 0, 0x2000);
	setbit(0x2000, 4);
	m = decode(0x1000, KI_V1_BITMAP_AUTO, &f, &d);
	cr_assert(has_finding(&f, "map-pointer-unaligned", 0x1800));
	cr_assert_eq(m->blocks[0], 1);
	done(m, d, &f);

	chunk(0x1000, 0x100000000ull, 0, 1); /* next outside the 256 KiB image */
	m = decode(0x1000, KI_V1_BITMAP_AUTO, &f, &d);
	cr_assert(has_finding(&f, "map-pointer-outside-dump", 0x100000000ull));
	cr_assert_eq(m->blocks[0], 1);
	done(m, d, &f);
}

Test(chunks, impossible_order)
{
	struct ki_findings f;
	struct ki_dump *d;
	struct ki_map *m;

	reset();
	chunk(0x1000, 0, 60, 1);          /* 60 + 12 >= 64 */
	entry(0x1000, 0, 0, 0x2000);
	setbit(0x2000, 0);
	m = decode(0x1000, KI_V1_BITMAP_AUTO, &f, &d);
	cr_assert(has_finding(&f, "order-above-max", 0x1000));
	cr_assert_eq(m->total_blocks, 0);
	done(m, d, &f);

	/* order + 12 wraps a u32 back to 10: still impossible (fuzzing found it) */
	chunk(0x1000, 0, 0xfffffffeu, 1);
	m = decode(0x1000, KI_V1_BITMAP_AUTO, &f, &d);
	cr_assert(has_finding(&f, "order-above-max", 0x1000));
	cr_assert_eq(m->total_blocks, 0);
	cr_assert_eq(m->nleaves, 0);
	done(m, d, &f);
}

/*
 * Order 47 with 4 KiB pages: blocks of 2^59 bytes, so 32 of them from 0
 * fill the 64-bit space. Bits 0-30 end at 31 << 59, below 2^64: one run.
 * Bit 31 would be the block [31 << 59, 2^64): its end does not fit in 64
 * bits, so the bitmap is not listed (fuzzing found a run of all 32 whose
 * byte length wrapped to 0).
 */
Test(chunks, block_ending_at_two_to_the_64)
{
	struct ki_findings f;
	struct ki_dump *d;
	struct ki_map *m;
	uint64_t runs = 0, total = 0;

	reset();
	chunk(0x1000, 0, 47, 1);
	entry(0x1000, 0, 0, 0x2000);
	for (unsigned int b = 0; b < 31; b++)
		setbit(0x2000, b);
	m = decode(0x1000, KI_V1_BITMAP_AUTO, &f, &d);
	cr_assert_eq(m->errors, 0);
	cr_assert_eq(m->blocks[47], 31);
	cr_assert_eq(ki_map_max_end(m), UINT64_C(31) << 59);
	ki_map_foreach_run(m, -1, count_run, &runs);
	ki_map_foreach_run(m, 47, count_blocks, &total);
	cr_assert_eq(runs, 1);
	cr_assert_eq(total, 31);
	done(m, d, &f);

	setbit(0x2000, 31);
	m = decode(0x1000, KI_V1_BITMAP_AUTO, &f, &d);
	cr_assert(has_finding(&f, "block-address-overflow", 0x2000));
	cr_assert_eq(m->total_blocks, 0);
	cr_assert_eq(ki_map_max_end(m), 0);
	runs = 0;
	ki_map_foreach_run(m, -1, count_run, &runs);
	cr_assert_eq(runs, 0);
	done(m, d, &f);
}

Test(chunks, bitmap_512_detected_from_shared_page)
{
	struct ki_findings f;
	struct ki_dump *d;
	struct ki_map *m;
	struct got g = { 0 };

	reset();
	/* two 512-byte bitmaps in one page; 512-byte span at order 0 is
	 * 4096 << 12 = 16 MiB */
	chunk(0x1000, 0, 0, 2);
	entry(0x1000, 0, 0, 0x2000);
	entry(0x1000, 1, 0x1000000, 0x2200);
	setbit(0x2000, 2);     /* 0x2000 */
	setbit(0x2200, 4095);  /* 0x1000000 + 4095 * 4096 = 0x1fff000 */
	m = decode(0x1000, KI_V1_BITMAP_AUTO, &f, &d);
	cr_assert_eq(m->bitmap_bytes, 512);
	cr_assert_eq(m->errors, 0);
	ki_map_foreach_run(m, -1, collect, &g);
	cr_assert_eq(g.n, 2);
	cr_assert_eq(g.pa[0], 0x2000);
	cr_assert_eq(g.pa[1], 0x1fff000);
	done(m, d, &f);

	/* forcing page bitmaps: the second pointer is not page aligned */
	m = decode(0x1000, KI_V1_BITMAP_PAGE, &f, &d);
	cr_assert_eq(m->bitmap_bytes, PS);
	cr_assert(has_finding(&f, "map-pointer-unaligned", 0x2200));
	done(m, d, &f);
}

Test(chunks, bitmap_512_detected_from_phys_start)
{
	struct ki_findings f;
	struct ki_dump *d;
	struct ki_map *m;

	reset();
	/* phys_start 16 MiB: a multiple of the 512-byte span (16 MiB) but
	 * not of the page span (32768 << 12 = 128 MiB) */
	chunk(0x1000, 0, 0, 1);
	entry(0x1000, 0, 0x1000000, 0x3000);
	setbit(0x3000, 1);
	m = decode(0x1000, KI_V1_BITMAP_AUTO, &f, &d);
	cr_assert_eq(m->bitmap_bytes, 512);
	cr_assert_eq(m->blocks[0], 1);
	done(m, d, &f);
}

Test(chunks, neither_size_fits)
{
	struct ki_findings f;
	struct ki_dump *d;
	struct ki_map *m;

	reset();
	chunk(0x1000, 0, 0, 1);
	entry(0x1000, 0, 0x1000, 0x2100); /* 256-byte aligned, odd phys_start */
	m = decode(0x1000, KI_V1_BITMAP_AUTO, &f, &d);
	cr_assert(has_finding(&f, "v1-bitmap-size", 0x1000));
	cr_assert_eq(m->nleaves, 0);
	cr_assert_gt(m->errors, 0);
	done(m, d, &f);
}
