// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Finding the KHO FDT (ki_scan_fdts, ki_locate_scan, ki_locate): raw
 * dumps made here hold several KHO FDTs, each with a radix tree of its
 * own written by testutils (docs/formats.md §2.4, §6.3). What the scan
 * must find, how the candidates rank (a map that decodes cleanly first,
 * then the highest kexec count, then the most blocks) and which page size
 * a dump that does not say settles on are worked out in each test.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "ki_locate.h"
#include "testutils.h"

TestSuite(locate, .fini = tu_cleanup);

static const uint64_t BASE = UINT64_C(0x80000000);

/*
 * A KHO FDT at the next page with a tree that preserves the FDT page,
 * `extra` more order-0 pages (given addresses) and, when count is not 0,
 * a kexec-metadata blob (preserved too). Returns the FDT's address.
 */
static uint64_t hand_over(struct tu_img *m, const char *compat, uint32_t count,
			  const uint64_t *extra, size_t nextra)
{
	uint64_t fdt = tu_img_page(m), meta = 0;
	struct tu_radix r;
	struct tu_kho k = { .compatible = compat };

	tu_radix_init(&r, m, 0);
	tu_radix_mark(&r, fdt, 0);
	for (size_t i = 0; i < nextra; i++)
		tu_radix_mark(&r, extra[i], 0);
	if (count) {
		meta = tu_img_page(m);
		tu_img_put_kexec_meta(m, meta, count == 5 ? "7.3.0-new" : "7.2.0-old", count);
		tu_radix_mark(&r, meta, 0);
		k.kids[k.nkids++] = (struct tu_kho_child){ "kexec-metadata", "preserved-data",
							   meta, true, 73 };
	}
	k.map = r.root;
	tu_img_put_kho(m, fdt, &k);
	return fdt;
}

static struct ki_scan *scan(struct ki_dump *d)
{
	struct ki_locate_options o = { 0 };
	struct ki_scan *s = NULL;
	struct ki_error *err = ki_locate_scan(d, &o, &s);

	cr_assert_null(err, "%s", err ? err->message : "");
	return s;
}

Test(locate, ranking_clean_then_kexec_count_then_blocks)
{
	struct tu_img m;
	struct ki_dump *d;
	struct ki_scan *s;
	uint64_t a, b, c, two[] = { UINT64_C(0x200000000), UINT64_C(0x200001000) };
	struct ki_findings f;
	struct ki_kho *k = NULL;
	char *found_by = NULL;
	struct ki_locate_options o = { 0 };
	struct ki_error *err;

	tu_img_init(&m, BASE, 96 * 4096, 4096);
	/* A: older (count 2), more blocks: FDT, meta, two more = 4 */
	a = hand_over(&m, "kho-v3", 2, two, 2);
	/* B: the newest (count 5): FDT and meta = 2 blocks */
	b = hand_over(&m, "kho-v3", 5, NULL, 0);
	/* C: its map pointer leads out of the dump: not clean */
	c = tu_img_page(&m);
	tu_img_put_kho(&m, c, &(struct tu_kho){ .compatible = "kho-v3", .map = 0x90000000 });
	d = tu_dump_open(tu_img_write_raw(&m, "mem.raw"), "raw", BASE, 4096);
	s = scan(d);
	cr_assert_eq(s->n, 3);
	cr_expect_eq(s->dropped, 0);
	cr_expect_eq(s->bytes, 96 * 4096, "every byte scanned");
	cr_expect_eq(s->cands[0].paddr, b);
	cr_expect_eq(s->cands[1].paddr, a);
	cr_expect_eq(s->cands[2].paddr, c);
	for (unsigned int i = 0; i < 3; i++) {
		cr_expect_eq(s->cands[i].rank, i + 1);
		cr_expect_str_eq(s->cands[i].compatible, "kho-v3");
		cr_expect(s->cands[i].has_map);
	}
	cr_expect_eq(s->cands[0].clean_mask, KI_PS_4K);
	cr_expect(s->cands[0].has_meta);
	cr_expect_eq(s->cands[0].kexec_count, 5);
	cr_expect_str_eq(s->cands[0].release, "7.3.0-new");
	cr_expect_eq(s->cands[0].blocks, 2);
	cr_expect_eq(s->cands[1].kexec_count, 2);
	cr_expect_eq(s->cands[1].blocks, 4);
	cr_expect_eq(s->cands[2].clean_mask, 0);
	cr_expect_eq(s->cands[2].map_phys, 0x90000000);
	free(s);

	/* ki_locate picks the newest and says why */
	ki_findings_init(&f);
	err = ki_locate(d, &o, &f, &k, &found_by, NULL);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_expect_eq(k->fdt_phys, b);
	cr_expect_not_null(strstr(found_by, "3 KHO FDTs found; the newest: kexec-metadata count 5"),
			   "%s", found_by);
	free(found_by);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	ki_dump_destroy(d);
	tu_img_free(&m);
}

Test(locate, two_clean_without_metadata_is_ambiguous)
{
	struct tu_img m;
	struct ki_dump *d;
	struct ki_scan *s;
	uint64_t a, b, one[] = { UINT64_C(0x300000000) };
	struct ki_findings f;
	struct ki_kho *k = NULL;
	char *found_by = NULL, want[64];
	struct ki_locate_options o = { 0 };
	struct ki_error *err;

	tu_img_init(&m, BASE, 64 * 4096, 4096);
	a = hand_over(&m, "kho-v4", 0, NULL, 0);       /* 1 block */
	b = hand_over(&m, "kho-v4", 0, one, 1);        /* 2 blocks */
	d = tu_dump_open(tu_img_write_raw(&m, "mem.raw"), "raw", BASE, 4096);
	s = scan(d);
	cr_assert_eq(s->n, 2);
	cr_expect_eq(s->cands[0].paddr, b, "more blocks first");
	cr_expect_eq(s->cands[0].blocks, 2);
	cr_expect_eq(s->cands[1].paddr, a);
	cr_expect_eq(s->cands[1].blocks, 1);
	free(s);
	ki_findings_init(&f);
	err = ki_locate(d, &o, &f, &k, &found_by, NULL);
	cr_assert_not_null(err, "two clean candidates: the user must choose");
	cr_expect_eq(err->code, KI_ERR_USAGE);
	cr_expect_not_null(strstr(err->message, "2 KHO FDT candidates found and more than one"));
	snprintf(want, sizeof(want), "0x%" PRIx64 "  kho-v4", a);
	cr_expect_not_null(strstr(err->message, want), "lists 0x%" PRIx64, a);
	snprintf(want, sizeof(want), "0x%" PRIx64 "  kho-v4", b);
	cr_expect_not_null(strstr(err->message, want), "lists 0x%" PRIx64, b);
	cr_expect_null(k);
	ki_error_destroy(err);
	/* --fdt-phys settles it */
	o.fdt_phys_set = true;
	o.fdt_phys = a;
	err = ki_locate(d, &o, &f, &k, &found_by, NULL);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_expect_eq(k->fdt_phys, a);
	cr_expect_str_eq(found_by, "--fdt-phys");
	free(found_by);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	ki_dump_destroy(d);
	tu_img_free(&m);
}

Test(locate, scan_finds_only_page_aligned_kho_fdts)
{
	struct tu_img m;
	struct ki_dump *d;
	struct ki_scan s;
	struct ki_findings f;
	struct ki_kho *k = NULL;
	char *found_by = NULL;
	struct ki_locate_options o = { 0 };
	struct ki_error *err;
	uint64_t p1, p2;

	tu_img_init(&m, BASE, 16 * 4096, 4096);
	p1 = tu_img_page(&m);
	p2 = tu_img_page(&m);
	/* an FDT that is not KHO's, and a KHO FDT half a page in */
	tu_kho_fdt(tu_img_at(&m, p1, 4096), 4096, &(struct tu_kho){ .compatible = "linux,dummy-virt" });
	tu_kho_fdt(tu_img_at(&m, p2 + 0x800, 0x800), 0x800,
		   &(struct tu_kho){ .compatible = "kho-v3", .map = p1 });
	d = tu_dump_open(tu_img_write_raw(&m, "mem.raw"), "raw", BASE, 4096);
	cr_assert_null(ki_scan_fdts(d, NULL, NULL, &s));
	cr_expect_eq(s.n, 0);
	cr_expect_eq(s.bytes, 16 * 4096);
	ki_findings_init(&f);
	err = ki_locate(d, &o, &f, &k, &found_by, NULL);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, KI_ERR_FORMAT);
	cr_expect_not_null(strstr(err->message, "no KHO FDT found: scanned 0x10000 bytes"),
			   "%s", err->message);
	ki_error_destroy(err);
	/* --fdt-phys at a page that is no FDT */
	o.fdt_phys_set = true;
	o.fdt_phys = p2;
	err = ki_locate(d, &o, &f, &k, &found_by, NULL);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, KI_ERR_FORMAT);
	cr_expect(err->has_paddr && err->paddr == p2);
	cr_expect_not_null(strstr(err->message, "no FDT there"));
	ki_error_destroy(err);
	/* --fdt-phys outside the dump */
	o.fdt_phys = 0x10000000;
	err = ki_locate(d, &o, &f, &k, &found_by, NULL);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, KI_ERR_NODATA);
	cr_expect_not_null(strstr(err->message, "--fdt-phys"));
	ki_error_destroy(err);
	ki_findings_deinit(&f);
	ki_dump_destroy(d);
	tu_img_free(&m);
}

/*
 * A dump that does not say its page size (raw, no --page-size) holding one
 * hand-over written with `ps` pages: locate settles on ps.
 *
 * 16K: FDT at 0x80004000 (16K- but not 64K-aligned: 64K is out), its tree
 * (depth 5) keys the FDT page 2^50 | 0x20001: root index 1, L3 0, L2 0,
 * L1 1, leaf bit 1. Read with 4K pages the walk goes root[1] -> L3 page
 * (as level 4) [0] -> L2 page [0] -> L1 page [1] -> the leaf, read as a
 * table whose entry 0 is the bitmap word 0x2: an unaligned pointer, so
 * 4K does not decode cleanly and 16K is the only page size left.
 */
static void settles(uint64_t ps, uint64_t base)
{
	struct tu_img m;
	struct ki_dump *d;
	struct ki_findings f;
	struct ki_kho *k = NULL;
	struct ki_locate_options o = { 0 };
	char *found_by = NULL;
	struct ki_error *err;
	uint64_t fdt;

	tu_img_init(&m, base, 24 * ps, ps);
	fdt = hand_over(&m, "kho-v3", 0, NULL, 0);
	d = tu_dump_open(tu_img_write_raw(&m, "mem.raw"), "raw", base, 0);
	cr_assert_eq(d->page_size, 0, "a raw dump does not say");
	ki_findings_init(&f);
	err = ki_locate(d, &o, &f, &k, &found_by, NULL);
	cr_assert_null(err, "%s", err ? err->message : "");
	tu_log_findings(&f);
	cr_expect_eq(k->fdt_phys, fdt);
	cr_expect_eq(d->page_size, ps, "page size %" PRIu64 ", expected %" PRIu64,
		     d->page_size, ps);
	cr_expect_not_null(d->page_size_source);
	free(found_by);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	ki_dump_destroy(d);
	tu_img_free(&m);
}

Test(locate, page_size_settles_16k)
{
	settles(16384, BASE);
}

Test(locate, page_size_settles_64k)
{
	settles(65536, BASE);
}

Test(locate, page_size_settles_4k)
{
	/* FDT at 0x80001000: only 4 KiB aligned, so 4K is all that is left */
	settles(4096, BASE);
}

/* ---- where the scratch areas come from (docs/formats.md §3) ---- */

struct scratch_case {
	struct tu_img m;
	uint64_t fdt, array;
	struct ki_findings f;
	struct ki_scratch_found sc;
	char *found_by;
	struct ki_kho *k;
};

/* The array at page 32 (0x80020000): four entries as given. */
static void put_array(struct scratch_case *c, const uint64_t e[8])
{
	c->array = BASE + 0x20000;
	for (int i = 0; i < 8; i++)
		tu_img_put64(&c->m, c->array + 8 * i, e[i]);
}

static void locate_scratch(struct scratch_case *c)
{
	struct ki_locate_options o = { 0 };
	struct ki_dump *d = tu_dump_open(tu_img_write_raw(&c->m, "mem.raw"), "raw", BASE, 4096);
	struct ki_error *err;

	ki_findings_init(&c->f);
	memset(&c->sc, 0, sizeof(c->sc));
	err = ki_locate(d, &o, &c->f, &c->k, &c->found_by, &c->sc);
	cr_assert_null(err, "%s", err ? err->message : "");
	tu_log_findings(&c->f);
	cr_expect_eq(c->k->fdt_phys, c->fdt);
	ki_dump_destroy(d);
}

static void scratch_done(struct scratch_case *c)
{
	free(c->sc.areas);
	free(c->sc.source);
	free(c->found_by);
	ki_kho_destroy(c->k);
	ki_findings_deinit(&c->f);
	tu_img_free(&c->m);
}

/* setup_data {next 0, type 10, len 32} then fdt, PS, array, its size. */
static uint64_t put_setup_data(struct scratch_case *c, uint64_t at, uint64_t array_bytes)
{
	tu_img_put64(&c->m, at, 0);
	tu_img_put32(&c->m, at + 8, 10);
	tu_img_put32(&c->m, at + 12, 32);
	tu_img_put64(&c->m, at + 16, c->fdt);
	tu_img_put64(&c->m, at + 24, 4096);
	tu_img_put64(&c->m, at + 32, c->array);
	tu_img_put64(&c->m, at + 40, array_bytes);
	return at;
}

Test(locate, scratch_from_x86_setup_data)
{
	struct scratch_case c;
	/* area 0 holds the array itself; entry 2 is unused (zeros); entry 3
	 * has an address but no size: not an area, said */
	static const uint64_t e[8] = {
		UINT64_C(0x80020000), 0x200000, UINT64_C(0x100000000), 0x400000,
		0, 0, 0x7000000, 0,
	};
	uint64_t rec;
	char want[128];

	memset(&c, 0, sizeof(c));
	tu_img_init(&c.m, BASE, 64 * 4096, 4096);
	c.fdt = hand_over(&c.m, "kho-v4", 0, NULL, 0);
	put_array(&c, e);
	rec = put_setup_data(&c, BASE + 0x30018, 64);
	locate_scratch(&c);
	cr_assert_eq(c.sc.n, 2);
	cr_expect_eq(c.sc.areas[0].addr, 0x80020000);
	cr_expect_eq(c.sc.areas[0].size, 0x200000);
	cr_expect_eq(c.sc.areas[1].addr, 0x100000000);
	cr_expect_eq(c.sc.areas[1].size, 0x400000);
	cr_expect_not(c.sc.unfilled);
	snprintf(want, sizeof(want), "the scratch array at 0x80020000, named by x86 setup_data SETUP_KEXEC_KHO at 0x%" PRIx64, rec);
	cr_expect_str_eq(c.sc.source, want);
	cr_expect_not_null(tu_find_at(&c.f, "scratch-area-empty", c.array + 48));
	cr_expect_null(tu_find(&c.f, "scratch-array-outside"));
	scratch_done(&c);
}

Test(locate, scratch_array_outside_its_areas_and_unfilled)
{
	struct scratch_case c;
	static const uint64_t outside[8] = { UINT64_C(0x100000000), 0x400000 };
	static const uint64_t zeros[8] = { 0 };

	memset(&c, 0, sizeof(c));
	tu_img_init(&c.m, BASE, 64 * 4096, 4096);
	c.fdt = hand_over(&c.m, "kho-v4", 0, NULL, 0);
	put_array(&c, outside);
	put_setup_data(&c, BASE + 0x30000, 16);
	locate_scratch(&c);
	cr_expect_eq(c.sc.n, 1);
	cr_expect_not_null(tu_find_at(&c.f, "scratch-array-outside", c.array));
	scratch_done(&c);

	/* the array not copied into place yet: all zeros */
	memset(&c, 0, sizeof(c));
	tu_img_init(&c.m, BASE, 64 * 4096, 4096);
	c.fdt = hand_over(&c.m, "kho-v4", 0, NULL, 0);
	put_array(&c, zeros);
	put_setup_data(&c, BASE + 0x30000, 64);
	locate_scratch(&c);
	cr_expect_eq(c.sc.n, 0);
	cr_expect(c.sc.unfilled);
	cr_expect_not_null(tu_find_at(&c.f, "scratch-array-unfilled", c.array));
	scratch_done(&c);
}

Test(locate, scratch_from_boot_dtb_chosen)
{
	struct scratch_case c;
	static const uint64_t e[8] = { UINT64_C(0x80000000), 0x400000 };

	memset(&c, 0, sizeof(c));
	tu_img_init(&c.m, BASE, 64 * 4096, 4096);
	c.fdt = hand_over(&c.m, "kho-v4", 0, NULL, 0);
	put_array(&c, e);
	/* a DTB naming another FDT first: not this hand-over's */
	tu_boot_dtb(tu_img_at(&c.m, BASE + 0x30000, 4096), 4096, BASE + 0x3f000, 4096, c.array + 16, 16);
	tu_boot_dtb(tu_img_at(&c.m, BASE + 0x31000, 4096), 4096, c.fdt, 4096, c.array, 16);
	locate_scratch(&c);
	cr_assert_eq(c.sc.n, 1);
	cr_expect_eq(c.sc.areas[0].addr, 0x80000000);
	cr_expect_eq(c.sc.areas[0].size, 0x400000);
	cr_expect_str_eq(c.sc.source,
			 "the scratch array at 0x80020000, named by the boot DTB's /chosen linux,kho-scratch at 0x80031000");
	cr_expect_eq(c.f.counts[KI_SEV_WARNING], 0);
	scratch_done(&c);
}
