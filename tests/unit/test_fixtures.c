// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The shared helpers themselves (testutils.h), held against the worked
 * examples of docs/formats.md, and the golden images through the library
 * held against their truth files (written by an independent model of the
 * kernel's writer): every block, exactly.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_fdt.h"
#include "ki_map.h"
#include "testutils.h"

TestSuite(fixtures, .fini = tu_cleanup);

/* ---- the writers against the worked examples ---- */

Test(fixtures, radix_writer_follows_the_4k_example)
{
	struct tu_img m;
	struct tu_radix r;
	uint64_t node;

	/* order-0 page at 0x1000: key 2^52 | 1, root index 2, then 0, 0, 0,
	 * 0, leaf bit 1 */
	tu_img_init(&m, 0, 16 * 4096, 4096);
	tu_radix_init(&r, &m, 0);
	cr_assert_eq(r.depth, 6);
	cr_expect_eq(tu_radix_key(&r, 0x1000, 0), UINT64_C(0x0010000000000001));
	cr_expect_eq(tu_radix_key(&r, 0x40000000, 9), UINT64_C(0x0000080000000200));
	tu_radix_mark(&r, 0x1000, 0);
	cr_expect_eq(r.tables, 5, "root and levels 4 to 1");
	cr_expect_eq(r.leaves, 1);
	node = tu_img_get64(&m, r.root + 2 * 8);
	cr_assert_neq(node, 0, "root index 2");
	for (int l = 4; l >= 1; l--)
		node = tu_img_get64(&m, node);
	cr_expect_eq(tu_img_get64(&m, node), 2, "leaf bit 1");
	/* order 9 at 0x40000000: root index 0, level 4 index 2, leaf bit 512 */
	tu_radix_mark(&r, 0x40000000, 9);
	node = tu_img_get64(&m, r.root);
	cr_assert_neq(node, 0);
	node = tu_img_get64(&m, node + 2 * 8);
	cr_assert_neq(node, 0);
	for (int l = 3; l >= 1; l--)
		node = tu_img_get64(&m, node);
	cr_expect_eq(tu_img_get64(&m, node + 512 / 64 * 8), 1, "leaf bit 512");
	tu_img_free(&m);
}

Test(fixtures, radix_depths)
{
	struct tu_img m;
	struct tu_radix r;

	/* depth after the 7.1 fix: 6, 5, 4 levels with the leaf */
	tu_img_init(&m, 0, 4 * 65536, 16384);
	tu_radix_init(&r, &m, 0);
	cr_expect_eq(r.depth, 5);
	tu_img_free(&m);
	tu_img_init(&m, 0, 8 * 65536, 65536);
	tu_radix_init(&r, &m, 0);
	cr_expect_eq(r.depth, 4);
	/* 64K: order-0 at PFN 1 has root (level 3) index 8 */
	tu_radix_mark(&r, 0x10000, 0);
	cr_expect_neq(tu_img_get64(&m, r.root + 8 * 8), 0);
	tu_img_free(&m);
}

Test(fixtures, v1_writer_follows_the_example)
{
	struct tu_img m;
	struct tu_v1 v;
	uint64_t head, e;

	/* page bitmaps, 4K: order-9 page at 0x40000000 is bit 512 of the
	 * bitmap whose phys_start is 0, in an order-9 chunk */
	tu_img_init(&m, 0, 16 * 4096, 4096);
	tu_v1_init(&v, &m, 4096);
	tu_v1_mark(&v, 0x40000000, 9);
	tu_v1_mark(&v, 0x1000, 0);
	head = tu_v1_finish(&v);
	/* chunks by order: order 0 first */
	cr_expect_eq(tu_img_get64(&m, head + 8) & 0xffffffff, 0, "order 0");
	cr_expect_eq(tu_img_get64(&m, head + 8) >> 32, 1, "num_elms 1");
	e = tu_img_get64(&m, head);
	cr_assert_neq(e, 0, "a second chunk");
	cr_expect_eq(tu_img_get64(&m, e + 8) & 0xffffffff, 9);
	cr_expect_eq(tu_img_get64(&m, e + 16), 0, "phys_start 0");
	cr_expect_eq(tu_img_get64(&m, tu_img_get64(&m, e + 24) + 64), 1, "bit 512");
	cr_expect_eq(tu_img_get64(&m, e), 0, "the list ends");
	tu_img_free(&m);
}

static int collect(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	struct tu_truth *got = arg;
	uint64_t ps = UINT64_C(1) << (order + (unsigned int)__builtin_ctzll(got->page_size));

	for (uint64_t i = 0; i < n; i++) {
		got->blocks = reallocarray(got->blocks, got->nblocks + 1, sizeof(*got->blocks));
		cr_assert_not_null(got->blocks);
		got->blocks[got->nblocks++] = (struct tu_tblock){ .pa = pa + i * ps, .order = order };
	}
	return 0;
}

static int block_cmp(const void *a, const void *b)
{
	const struct tu_tblock *x = a, *y = b;

	if (x->pa != y->pa)
		return x->pa < y->pa ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

/* The golden image NAME.EXT decodes to exactly the truth file's blocks. */
static void golden(const char *name, const char *ext, uint64_t raw_base)
{
	char file[128];
	struct tu_truth want, got = { 0 };
	struct ki_dump *d;
	struct ki_findings f;
	struct ki_kho *k = NULL;
	struct ki_map *m = NULL;
	struct ki_map_options mo = { 0 };
	struct ki_error *err;

	tu_truth_load(name, &want);
	snprintf(file, sizeof(file), "%s.%s", name, ext);
	d = tu_dump_open(tu_fixture(file), raw_base ? "raw" : NULL, raw_base,
			 raw_base ? want.page_size : 0);
	cr_expect_eq(d->page_size, want.page_size);
	ki_findings_init(&f);
	err = ki_kho_load(d, want.fdt_phys, &f, &k);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_expect_str_eq(k->family, want.format);
	cr_expect_eq(k->map_phys, want.map_phys);
	err = ki_map_open(d, k, &mo, &f, &m);
	cr_assert_null(err, "%s", err ? err->message : "");
	tu_log_findings(&f);
	cr_expect_eq(f.counts[KI_SEV_ERROR], 0);
	got.page_size = want.page_size;
	cr_assert_eq(ki_map_foreach_run(m, -1, collect, &got), 0);
	cr_expect_eq(m->total_blocks, want.nblocks);
	cr_assert_eq(got.nblocks, want.nblocks, "%zu blocks, the truth has %zu", got.nblocks,
		     want.nblocks);
	qsort(got.blocks, got.nblocks, sizeof(*got.blocks), block_cmp);
	qsort(want.blocks, want.nblocks, sizeof(*want.blocks), block_cmp);
	for (size_t i = 0; i < want.nblocks; i++)
		cr_assert(got.blocks[i].pa == want.blocks[i].pa &&
			  got.blocks[i].order == want.blocks[i].order,
			  "block %zu: 0x%" PRIx64 " order %u, the truth has 0x%" PRIx64 " order %u",
			  i, got.blocks[i].pa, got.blocks[i].order, want.blocks[i].pa,
			  want.blocks[i].order);
	ki_map_destroy(m);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	ki_dump_destroy(d);
	tu_truth_free(&want);
	tu_truth_free(&got);
}

Test(fixtures, golden_v1_512, .timeout = 60)
{
	golden("v1-x86_64-4k-512", "elf", 0);
}

Test(fixtures, golden_v1_page, .timeout = 60)
{
	golden("v1-x86_64-4k-page", "elf", 0);
}

Test(fixtures, golden_v2, .timeout = 60)
{
	golden("v2-x86_64-4k", "elf", 0);
}

Test(fixtures, golden_v3, .timeout = 60)
{
	golden("v3-x86_64-4k", "elf", 0);
}

Test(fixtures, golden_v3_16k_raw, .timeout = 60)
{
	/* tests/fixtures/README.md: a raw dump from physical 0x80000000 */
	golden("v3-aarch64-16k", "raw", UINT64_C(0x80000000));
}

Test(fixtures, golden_v4_64k, .timeout = 60)
{
	golden("v4-aarch64-64k", "elf", 0);
}

Test(fixtures, truth_reader_reads_the_fields)
{
	struct tu_truth t;

	tu_truth_load("v3-x86_64-4k", &t);
	cr_expect_str_eq(t.format, "kho-v3");
	cr_expect_str_eq(t.arch, "x86_64");
	cr_expect_eq(t.page_size, 4096);
	cr_expect_eq(t.fdt_phys, UINT64_C(0x100608000));
	cr_expect_eq(t.map_phys, UINT64_C(0x1006f6000));
	cr_assert_gt(t.nblocks, 2);
	cr_expect_eq(t.blocks[0].pa, 0x128000);
	cr_expect_eq(t.blocks[0].order, 0);
	cr_expect_str_eq(t.blocks[0].owner, "kho:kexec-metadata");
	tu_truth_free(&t);
}

Test(fixtures, elf_writer_opens_as_a_core)
{
	struct tu_img m;
	struct ki_dump *d;
	struct ki_error *err;
	unsigned char b[16];
	static const struct tu_seg segs[] = {
		{ 0x100000, 0x2000, 0x2000 },
		{ 0x104000, 0x2000, 0x1000 },   /* the second page filtered out */
	};

	tu_img_init(&m, 0x100000, 0x8000, 4096);
	tu_img_fill(&m, 0x100000, 0x8000, 9);
	d = tu_dump_open(tu_img_write_elf(&m, "vmcore", 0, segs, 2,
					  "OSRELEASE=7.3.0\nPAGESIZE=4096\n"), NULL, 0, 0);
	cr_expect_str_eq(d->container, "elf");
	cr_expect_str_eq(d->arch, "x86_64");
	cr_expect_eq(d->page_size, 4096);
	cr_expect_str_eq(d->osrelease, "7.3.0");
	cr_assert_null(ki_memreader_read(&d->mem, 0x101ff0, b, 16));
	cr_expect_eq(memcmp(b, tu_img_at(&m, 0x101ff0, 16), 16), 0);
	cr_assert_null(ki_memreader_read(&d->mem, 0x104ff8, b, 8));
	cr_expect_eq(memcmp(b, tu_img_at(&m, 0x104ff8, 8), 8), 0);
	/* 0x105000 on is filtered out, 0x102000-0x104000 no segment's */
	err = ki_memreader_read(&d->mem, 0x104ff8, b, 16);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, KI_ERR_NODATA);
	cr_expect_eq(err->paddr, 0x105000);
	ki_error_destroy(err);
	err = ki_memreader_read(&d->mem, 0x103000, b, 1);
	cr_assert_not_null(err);
	ki_error_destroy(err);
	tu_img_free(&m);
	ki_dump_destroy(d);
}
