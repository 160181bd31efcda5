// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verify (ki_verify) on hand-overs made here: a kho-v3 FDT, one sub-blob
 * and a radix tree written by testutils into a raw image (4 KiB pages,
 * 48 pages from BASE), decoded by the library, then checked. Each test
 * breaks one invariant of docs/formats.md §7.1 and expects exactly the
 * finding that names it, at the address worked out below.
 *
 * The good hand-over (hand_over()):
 *   page 1        radix root (then its tables and leaf, pages 2..6)
 *   next page     the KHO FDT, preserved (order 0)
 *   next page     the blob "test", 0x100 bytes, preserved (order 0)
 *   0xc0000000    an order-9 block (2 MiB), outside the image
 * Scratch, when given: 0x40000000 + 4 MiB (pageblock aligned, away from
 * everything). For the sub-format objects (object-not-preserved,
 * claimed-twice) the blob becomes memblock's FDT with regions as given.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ki_fdt.h"
#include "ki_map.h"
#include "ki_verify.h"
#include "testutils.h"

TestSuite(verify, .fini = tu_cleanup);

static const uint64_t BASE = UINT64_C(0x80000000);
static const uint64_t BIG = UINT64_C(0xc0000000);
enum { PS = 4096, NPAGES = 48 };

struct ho {
	struct tu_img img;
	struct tu_radix r;
	uint64_t fdt, blob;
	struct tu_kho k;
	/* what the test decides before the image is written */
	bool keep_fdt, keep_blob;
	/* decoded */
	struct ki_dump *d;
	struct ki_kho *kho;
	struct ki_map *m;
	struct ki_findings f;
	struct ki_verify_stats st;
};

/* Lay out the good hand-over; the test then marks or breaks more. */
static void hand_over(struct ho *h)
{
	memset(h, 0, sizeof(*h));
	tu_img_init(&h->img, BASE, NPAGES * PS, PS);
	tu_radix_init(&h->r, &h->img, 0);
	/* the tree's pages first, so that the FDT and blob come after them */
	tu_radix_mark(&h->r, BIG, 9);
	h->fdt = tu_img_page(&h->img);
	h->blob = tu_img_page(&h->img);
	tu_img_fill(&h->img, h->blob, 0x100, 1);
	h->k = (struct tu_kho){
		.compatible = "kho-v3", .map = h->r.root, .nkids = 1,
		.kids = { { "test", "preserved-data", h->blob, true, 0x100 } },
	};
	h->keep_fdt = h->keep_blob = true;
}

static void decode(struct ho *h)
{
	struct ki_map_options mo = { 0 };
	struct ki_error *err;

	if (h->keep_fdt)
		tu_radix_mark(&h->r, h->fdt, 0);
	if (h->keep_blob)
		tu_radix_mark(&h->r, h->blob, 0);
	tu_img_put_kho(&h->img, h->fdt, &h->k);
	h->d = tu_dump_open(tu_img_write_raw(&h->img, "mem.raw"), "raw", BASE, PS);
	ki_findings_init(&h->f);
	err = ki_kho_load(h->d, h->fdt, &h->f, &h->kho);
	cr_assert_null(err, "%s", err ? err->message : "");
	if (h->kho->format == KI_KHO_UNKNOWN)
		return;
	err = ki_map_open(h->d, h->kho, &mo, &h->f, &h->m);
	cr_assert_null(err, "%s", err ? err->message : "");
}

static void check(struct ho *h, const struct ki_scratch *sc, size_t nsc)
{
	struct ki_verify_input in;
	struct ki_error *err;

	decode(h);
	in = (struct ki_verify_input){
		.d = h->d, .k = h->kho, .m = h->m, .scratch = sc, .nscratch = nsc,
		.scratch_source = "test",
	};
	err = ki_verify(&in, &h->f, &h->st);
	cr_assert_null(err, "%s", err ? err->message : "");
	tu_log_findings(&h->f);
}

static void done(struct ho *h)
{
	ki_map_destroy(h->m);
	ki_kho_destroy(h->kho);
	ki_dump_destroy(h->d);
	ki_findings_deinit(&h->f);
	tu_img_free(&h->img);
}

static const struct ki_scratch SCRATCH = { 0x40000000, 0x400000 };

/* Exactly one finding with this id, of this severity, at pa. */
static void only(const struct ho *h, const char *id, enum ki_severity sev, uint64_t pa)
{
	const struct ki_finding *x = tu_find(&h->f, id);

	cr_assert_not_null(x, "no %s", id);
	cr_expect_eq(tu_count(&h->f, id), 1, "one %s", id);
	cr_expect_eq(x->severity, sev, "%s severity", id);
	cr_expect(x->has_paddr, "%s has an address", id);
	cr_expect_eq(x->paddr, pa, "%s at 0x%" PRIx64 ", expected 0x%" PRIx64, id, x->paddr, pa);
}

Test(verify, good_hand_over_has_no_findings)
{
	struct ho h;

	hand_over(&h);
	check(&h, &SCRATCH, 1);
	cr_expect_eq(h.f.n, 0, "%zu findings", h.f.n);
	/* runs: FDT and blob pages are adjacent (one run), the 2 MiB block */
	cr_expect_eq(h.st.blocks, 3);
	cr_expect_eq(h.st.runs, 2);
	done(&h);
}

Test(verify, without_scratch_says_what_it_could_not_check)
{
	struct ho h;
	const struct ki_finding *x;

	hand_over(&h);
	check(&h, NULL, 0);
	cr_assert_eq(h.f.n, 1);
	x = tu_find(&h.f, "scratch-unknown");
	cr_assert_not_null(x);
	cr_expect_eq(x->severity, KI_SEV_INFO);
	done(&h);
}

Test(verify, block_overlap)
{
	struct ho h;

	hand_over(&h);
	/* an order-0 block inside the order-9 one: in address order the
	 * order-9 block comes first, and the order-0 one starts before its end */
	tu_radix_mark(&h.r, BIG + 0x5000, 0);
	check(&h, &SCRATCH, 1);
	only(&h, "block-overlap", KI_SEV_ERROR, BIG + 0x5000);
	cr_expect_eq(h.f.n, 1);
	done(&h);
}

Test(verify, fdt_not_preserved)
{
	struct ho h;

	hand_over(&h);
	h.keep_fdt = false;
	check(&h, &SCRATCH, 1);
	/* said once, whether the map's own check or verify's said it */
	only(&h, "fdt-not-preserved", KI_SEV_ERROR, h.fdt);
	cr_expect_eq(h.f.n, 1);
	done(&h);
}

Test(verify, blob_not_preserved)
{
	struct ho h;

	hand_over(&h);
	h.keep_blob = false;
	check(&h, &SCRATCH, 1);
	only(&h, "blob-not-preserved", KI_SEV_ERROR, h.blob);
	cr_expect_not_null(strstr(tu_find(&h.f, "blob-not-preserved")->message, "is not preserved"));
	cr_expect_eq(h.f.n, 1);
	done(&h);
}

Test(verify, blob_only_partly_preserved)
{
	struct ho h;

	hand_over(&h);
	/* the blob says it is 0x1100 bytes: its second page is not a block */
	h.k.kids[0].size = 0x1100;
	check(&h, &SCRATCH, 1);
	only(&h, "blob-not-preserved", KI_SEV_ERROR, h.blob);
	cr_expect_not_null(strstr(tu_find(&h.f, "blob-not-preserved")->message, "only partly"));
	done(&h);
}

Test(verify, map_page_preserved)
{
	struct ho h;

	hand_over(&h);
	/* the root table page itself marked as preserved */
	tu_radix_mark(&h.r, h.r.root, 0);
	check(&h, &SCRATCH, 1);
	only(&h, "map-page-preserved", KI_SEV_WARNING, h.r.root);
	cr_expect_eq(h.f.n, 1);
	done(&h);
}

Test(verify, map_pages_and_blocks_in_scratch)
{
	struct ho h;
	/* 2 MiB from BASE: the whole image, map pages, FDT and blob */
	struct ki_scratch sc = { BASE, 0x200000 };
	size_t map_pages;

	hand_over(&h);
	check(&h, &sc, 1);
	/* every page the writer allocated for the tree (it counts them) */
	map_pages = h.r.tables + h.r.leaves;
	cr_expect_eq(map_pages, h.m->npages, "the writer's count and the map's");
	cr_expect_eq(tu_count(&h.f, "map-page-in-scratch"), map_pages);
	cr_expect_not_null(tu_find_at(&h.f, "map-page-in-scratch", h.r.root));
	/* one finding per scratch area: the first preserved interval in it */
	only(&h, "block-in-scratch", KI_SEV_ERROR, h.fdt);
	cr_expect_eq(h.f.n, map_pages + 1);
	done(&h);
}

Test(verify, scratch_unaligned_and_overlapping)
{
	struct ho h;
	static const struct ki_scratch sc[] = {
		{ 0x40000000, 0x400000 },
		{ 0x40200000, 0x400000 },    /* overlaps the first */
		{ 0x50001000, 0x1000 },      /* not on a 2 MiB pageblock */
	};

	hand_over(&h);
	check(&h, sc, 3);
	only(&h, "scratch-overlap", KI_SEV_ERROR, 0x40200000);
	only(&h, "scratch-unaligned", KI_SEV_WARNING, 0x50001000);
	cr_expect_eq(h.f.n, 2);
	done(&h);
}

Test(verify, unknown_compatible)
{
	struct ho h;

	hand_over(&h);
	h.k.compatible = "kho-v9";
	check(&h, &SCRATCH, 1);   /* no map for a format this build does not know */
	only(&h, "unknown-compatible", KI_SEV_ERROR, h.fdt);
	cr_expect_not_null(strstr(tu_find(&h.f, "unknown-compatible")->message, "\"kho-v9\""));
	done(&h);
}

Test(verify, blob_unaligned_and_outside_the_dump)
{
	struct ho h;

	hand_over(&h);
	h.k.kids[0].phys = 0x90000010;
	check(&h, &SCRATCH, 1);
	only(&h, "blob-unaligned", KI_SEV_ERROR, 0x90000010);
	only(&h, "not-in-dump", KI_SEV_WARNING, 0x90000010);
	only(&h, "blob-not-preserved", KI_SEV_ERROR, 0x90000010);
	done(&h);
}

Test(verify, block_crosses_numa_node)
{
	struct ho h;
	uint64_t *numa = NULL;
	size_t nnuma = 0;
	struct ki_error *err;
	struct ki_verify_input in;

	/* node 0 ends at 0xc00fffff (inclusive, as dmesg prints it): the
	 * order-9 block at 0xc0000000 runs to 0xc0200000, across it */
	err = ki_parse_numa("0x0-0xc00fffff,0xc0100000-0x1ffffffff", &numa, &nnuma);
	cr_assert_null(err);
	cr_assert_eq(nnuma, 3);
	cr_expect_eq(numa[0], 0);
	cr_expect_eq(numa[1], 0xc0100000);
	cr_expect_eq(numa[2], 0x200000000);
	hand_over(&h);
	decode(&h);
	in = (struct ki_verify_input){ .d = h.d, .k = h.kho, .m = h.m, .scratch = &SCRATCH,
				       .nscratch = 1, .numa = numa, .nnuma = nnuma };
	cr_assert_null(ki_verify(&in, &h.f, &h.st));
	only(&h, "block-crosses-node", KI_SEV_WARNING, BIG);
	cr_expect_eq(h.f.n, 1);
	free(numa);
	done(&h);
}

Test(verify, parse_numa_errors)
{
	static const char *const bad[] = {
		"", "0x1000", "0x2000-0x1000", "a-b", "0x0-0x1000;0x1000-0x2000", "-0x1000",
		/* an empty item, a sign, spaces, a number past 64 bits, junk after it */
		"0x0-0x1000,", ",0x0-0x1000", "0x0-0x1000,,0x2000-0x3000", "+0-0x1000",
		"0x0--0x1000", " 0x0-0x1000", "0x0- 0x1000", "0x0-0x10000000000000000",
		"0x-0x1000", "0x0-0x1000x", "08-0x1000z",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t *v = NULL;
		size_t n = 0;
		struct ki_error *err = ki_parse_numa(bad[i], &v, &n);

		cr_assert_not_null(err, "\"%s\" accepted", bad[i]);
		cr_expect_eq(err->code, KI_ERR_USAGE);
		cr_expect_null(v);
		ki_error_destroy(err);
	}
}

/*
 * The blob is memblock's (docs/formats.md §4.1): its regions are objects
 * whose memory must be preserved, and two of them must not claim the same
 * bytes. "trace" is 0x200000 bytes at 0xd0000000, "log" 0x100000 bytes at
 * 0xe0000000.
 */
static void memblock_hand_over(struct ho *h, const struct tu_region *r, size_t n)
{
	hand_over(h);
	h->k.kids[0].name = "memblock";
	h->k.kids[0].size = tu_img_put_memblock(&h->img, h->blob, r, n);
}

Test(verify, memblock_regions_preserved_are_clean)
{
	struct ho h;
	static const struct tu_region r[] = {
		{ "trace", 0xd0000000, 0x200000 }, { "log", 0xe0000000, 0x100000 },
	};

	memblock_hand_over(&h, r, 2);
	tu_radix_mark(&h.r, 0xd0000000, 9);          /* 2 MiB: all of trace */
	tu_radix_mark_n(&h.r, 0xe0000000, 8, 1);     /* 1 MiB: all of log */
	check(&h, &SCRATCH, 1);
	cr_expect_eq(h.f.n, 0, "%zu findings", h.f.n);
	cr_expect_eq(h.st.objects, 2, "two regions checked");
	done(&h);
}

Test(verify, object_not_preserved)
{
	struct ho h;
	static const struct tu_region r[] = {
		{ "trace", 0xd0000000, 0x200000 }, { "log", 0xe0000000, 0x100000 },
	};
	const struct ki_finding *x;

	memblock_hand_over(&h, r, 2);
	/* trace: only its first 1 MiB; log: nothing */
	tu_radix_mark(&h.r, 0xd0000000, 8);
	check(&h, &SCRATCH, 1);
	/* partly: named at the end of what is preserved; wholly: at its start */
	cr_expect_eq(tu_count(&h.f, "object-not-preserved"), 2);
	cr_expect_eq(h.f.counts[KI_SEV_ERROR], 2);
	x = tu_find_at(&h.f, "object-not-preserved", 0xd0100000);
	cr_assert_not_null(x);
	cr_expect_not_null(strstr(x->message, "memblock:trace: 0xd0000000-0xd0200000 is only partly preserved"),
			   "%s", x->message);
	x = tu_find_at(&h.f, "object-not-preserved", 0xe0000000);
	cr_assert_not_null(x);
	cr_expect_not_null(strstr(x->message, "memblock:log: 0xe0000000-0xe0100000 is not preserved"),
			   "%s", x->message);
	done(&h);
}

Test(verify, claimed_twice)
{
	struct ho h;
	/* "b" starts inside "a": 0xd0100000-0xd0200000 belongs to both */
	static const struct tu_region r[] = {
		{ "a", 0xd0000000, 0x200000 }, { "b", 0xd0100000, 0x200000 },
	};
	const struct ki_finding *x;

	memblock_hand_over(&h, r, 2);
	tu_radix_mark_n(&h.r, 0xd0000000, 9, 2);
	check(&h, &SCRATCH, 1);
	x = tu_find(&h.f, "claimed-twice");
	cr_assert_not_null(x);
	cr_expect_eq(tu_count(&h.f, "claimed-twice"), 1);
	cr_expect_eq(x->paddr, 0xd0100000);
	cr_expect_not_null(strstr(x->message, "0xd0100000-0xd0200000 belongs to memblock:a and to memblock:b"),
			   "%s", x->message);
	cr_expect_eq(h.f.counts[KI_SEV_ERROR], 1);
	done(&h);
}

Test(verify, fdt_only_without_memory)
{
	struct ho h;
	struct ki_verify_input in;

	hand_over(&h);
	h.k.compatible = "kho-v2;radix-v1";
	decode(&h);
	/* a debugfs copy without memory: only the FDT can be checked */
	in = (struct ki_verify_input){ .k = h.kho };
	cr_assert_null(ki_verify(&in, &h.f, &h.st));
	cr_expect_eq(h.f.n, 0, "a known family with a sub-string is not unknown");
	cr_expect_eq(h.st.blocks, 0);
	done(&h);
}
