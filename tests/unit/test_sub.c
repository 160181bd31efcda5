// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Sub-format decoders on images laid out by hand (tests/fuzz/mkseeds-sub.py,
 * from docs/formats.md §4; the same files seed the "sub" fuzz harness):
 * every owner the layout implies, then one field mangled at a time and the
 * exact finding. Page numbers below are the script's.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ki_owner.h"
#include "ki_sub.h"

#define SEEDS "tests/fuzz/corpus/sub/"
#define PG(n) ((uint64_t)(n) * 4096)

struct img {
	unsigned char *mem;   /* byte 0 of the seed is the harness selector */
	size_t len;
};

static struct img load(const char *name)
{
	struct img m = { 0 };
	FILE *fp = fopen(name, "rb");
	long n;

	cr_assert_not_null(fp, "%s: run from the repository root", name);
	cr_assert_eq(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	cr_assert_gt(n, 1);
	rewind(fp);
	m.mem = malloc((size_t)n);
	cr_assert_eq(fread(m.mem, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	/* drop the selector byte: mem[0] is physical 0 */
	memmove(m.mem, m.mem + 1, (size_t)n - 1);
	m.len = (size_t)n - 1;
	return m;
}

static void put64(struct img *m, uint64_t pa, uint64_t v)
{
	cr_assert_leq(pa + 8, m->len);
	memcpy(m->mem + pa, &v, 8);
}

struct result {
	struct ki_owners own;
	struct ki_findings f;
};

static struct result run(struct img *m, const char *node)
{
	struct ki_dump_options o = { .format = "raw", .base_set = true, .page_size = 4096 };
	struct ki_subnode sn = { .name = (char *)(uintptr_t)node, .has_phys = true };
	struct ki_kho k = { .subs = &sn, .nsubs = 1 };
	struct ki_dump *d = NULL;
	struct ki_error *err;
	struct result r;
	char path[64];
	int fd = memfd_create("test-sub", 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, m->mem, m->len), (ssize_t)m->len);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err = ki_dump_open(path, &o, &d);
	cr_assert_null(err, "%s", err ? err->message : "");
	ki_findings_init(&r.f);
	err = ki_owners_build(d, NULL, &k, 4096, false, &r.f, &r.own);
	cr_assert_null(err);
	ki_dump_destroy(d);
	close(fd);
	return r;
}

static void done(struct result *r, struct img *m)
{
	ki_owners_deinit(&r->own);
	ki_findings_deinit(&r->f);
	free(m->mem);
}

static void owner_is(const struct result *r, uint64_t pa, const char *want)
{
	const char *got = ki_owner_of(&r->own, pa);

	cr_expect(got && !strcmp(got, want), "owner of 0x%llx: %s, expected %s",
		  (unsigned long long)pa, got ? got : "(none)", want);
}

static void no_owner(const struct result *r, uint64_t pa)
{
	const char *got = ki_owner_of(&r->own, pa);

	cr_expect_null(got, "0x%llx should be unclaimed, is %s", (unsigned long long)pa, got);
}

static size_t count_id(const struct result *r, const char *id, uint64_t pa)
{
	size_t n = 0;

	for (size_t i = 0; i < r->f.n; i++)
		if (!strcmp(r->f.items[i].id, id) && (pa == UINT64_MAX || r->f.items[i].paddr == pa))
			n++;
	return n;
}

static void no_problems(const struct result *r)
{
	for (size_t i = 0; i < r->f.n; i++)
		cr_expect(r->f.items[i].severity == KI_SEV_INFO, "unexpected %s: %s",
			  r->f.items[i].id, r->f.items[i].message);
}

/* What both LUO layouts share: two memfd files and the FLB header. */
static void luo_common_owners(const struct result *r)
{
	const char *f0 = "luo:vm-1/file 0x3e8 (memfd)", *f1 = "luo:vm-1/file 0x3e9 (memfd)";

	owner_is(r, PG(0), "kho:LUO");
	owner_is(r, PG(1), "luo:sessions");
	owner_is(r, PG(2), "luo:vm-1/files");
	owner_is(r, PG(5), "luo:flb");
	owner_is(r, PG(0xb), f0);        /* memfd_luo_ser */
	owner_is(r, PG(0xd), f0);        /* its vmalloc chunk */
	owner_is(r, PG(0xf), f0);        /* the folio array piece */
	owner_is(r, PG(0x40), f0);       /* folios: PFN 0x40..0x42 */
	owner_is(r, PG(0x41), f0);
	owner_is(r, PG(0x42), f0);
	no_owner(r, PG(0x43));
	owner_is(r, PG(0xc), f1);
	owner_is(r, PG(0xe), f1);
	owner_is(r, PG(0x10), f1);
	owner_is(r, PG(0x50), f1);
	no_owner(r, PG(0x51));
	no_owner(r, PG(6));
	no_owner(r, PG(9));              /* the FLB's data is the FLB owner's business */
}

Test(sub, luo_v5_owners)
{
	struct img m = load(SEEDS "luo-v5");
	struct result r = run(&m, "LUO");

	luo_common_owners(&r);
	no_owner(&r, PG(3));             /* v5 file lists are one block */
	no_problems(&r);
	done(&r, &m);
}

Test(sub, luo_v1_owners)
{
	struct img m = load(SEEDS "luo-v1");
	struct result r = run(&m, "LUO");

	luo_common_owners(&r);
	owner_is(&r, PG(3), "luo:vm-1/files"); /* v1 file arrays are 2 pages */
	no_problems(&r);
	done(&r, &m);
}

Test(sub, memblock_owners)
{
	struct img m = load(SEEDS "memblock");
	struct result r = run(&m, "memblock");

	owner_is(&r, PG(0), "kho:memblock");
	owner_is(&r, PG(2), "memblock:trace");
	owner_is(&r, PG(4), "memblock:trace");
	no_owner(&r, PG(5));
	owner_is(&r, PG(8), "memblock:log");
	no_owner(&r, PG(9));
	no_problems(&r);
	done(&r, &m);
}

Test(sub, unknown_blob_is_not_a_problem)
{
	struct img m = load(SEEDS "luo-v5");
	struct result r;

	memcpy(m.mem, "luo-v9\0\0", 8);
	r = run(&m, "LUO");
	owner_is(&r, PG(0), "kho:LUO");
	no_owner(&r, PG(1));
	cr_expect_eq(r.f.n, 0);
	done(&r, &m);
}

/* session count 3, the file chain holds 2 */
Test(sub, v5_file_count)
{
	struct img m = load(SEEDS "luo-v5");
	struct result r;

	put64(&m, PG(1) + 16 + 72, 3);
	r = run(&m, "LUO");
	cr_expect_eq(count_id(&r, "luo-file-count", PG(2)), 1);
	done(&r, &m);
}

Test(sub, block_count_zero)
{
	struct img m = load(SEEDS "luo-v5");
	struct result r;

	put64(&m, PG(2) + 8, 0);
	r = run(&m, "LUO");
	cr_expect_eq(count_id(&r, "block-count", PG(2)), 1);
	cr_expect_eq(count_id(&r, "luo-file-count", PG(2)), 1);
	no_owner(&r, PG(0xb));           /* no files read: no memfd */
	done(&r, &m);
}

Test(sub, block_count_too_big)
{
	struct img m = load(SEEDS "luo-v5");
	struct result r;

	put64(&m, PG(1) + 8, 52);        /* 51 sessions of 80 bytes fit a 4K block */
	r = run(&m, "LUO");
	cr_expect_eq(count_id(&r, "block-count", PG(1)), 1);
	done(&r, &m);
}

Test(sub, block_chain_cycle)
{
	struct img m = load(SEEDS "luo-v5");
	struct result r;

	put64(&m, PG(2), PG(2));         /* the file block's next is itself */
	r = run(&m, "LUO");
	cr_expect_eq(count_id(&r, "block-chain-cycle", PG(2)), 1);
	/* the chain held 2 files before the cycle: counted once */
	cr_expect_eq(count_id(&r, "luo-file-count", UINT64_MAX), 0);
	done(&r, &m);
}

Test(sub, block_unaligned)
{
	struct img m = load(SEEDS "luo-v5");
	struct result r;

	put64(&m, PG(1) + 16 + 64, PG(2) + 8);
	r = run(&m, "LUO");
	cr_expect_eq(count_id(&r, "sub-unaligned", PG(2) + 8), 1);
	cr_expect_eq(count_id(&r, "luo-file-count", PG(2) + 8), 1);
	done(&r, &m);
}

Test(sub, block_outside_dump)
{
	struct img m = load(SEEDS "luo-v5");
	struct result r;

	put64(&m, 16, PG(0x1000));       /* sessions_pa beyond the image */
	r = run(&m, "LUO");
	cr_expect_eq(count_id(&r, "sub-not-in-dump", PG(0x1000)), 1);
	no_owner(&r, PG(1));
	done(&r, &m);
}

Test(sub, vmalloc_total_pages)
{
	struct img m = load(SEEDS "luo-v5");
	struct result r;
	uint32_t two = 2;

	memcpy(m.mem + PG(0xb) + 32 + 8, &two, 4); /* total_pages 2, one piece listed */
	r = run(&m, "LUO");
	cr_expect_eq(count_id(&r, "vmalloc-total-pages", PG(0xd)), 1);
	done(&r, &m);
}

Test(sub, vmalloc_cycle)
{
	struct img m = load(SEEDS "luo-v5");
	struct result r;
	uint32_t many = 5000;

	/* a full chunk (511 pieces) whose next is itself, for an area large
	 * enough that the chain-length bound does not stop it first */
	memcpy(m.mem + PG(0xb) + 32 + 8, &many, 4);
	put64(&m, PG(0xd), PG(0xd));
	for (int i = 0; i < 511; i++)
		put64(&m, PG(0xd) + 8 + 8 * (uint64_t)i, PG(0x100 + i));
	r = run(&m, "LUO");
	cr_expect_eq(count_id(&r, "vmalloc-cycle", PG(0xd)), 1);
	done(&r, &m);
}

Test(sub, memfd_nr_folios)
{
	struct img m = load(SEEDS "luo-v5");
	struct result r;

	put64(&m, PG(0xb) + 24, 257);    /* one 4K piece holds 256 entries */
	r = run(&m, "LUO");
	cr_expect_eq(count_id(&r, "memfd-nr-folios", PG(0xb)), 1);
	done(&r, &m);
}

Test(sub, memfd_folio_past_size)
{
	struct img m = load(SEEDS "luo-v5");
	struct result r;

	put64(&m, PG(0xf) + 16 + 8, 9);  /* folio 1: index 9 of a 3-page file */
	r = run(&m, "LUO");
	cr_expect_eq(count_id(&r, "memfd-folio", PG(0x41)), 1);
	done(&r, &m);
}

Test(sub, unknown_handler_is_info)
{
	struct img m = load(SEEDS "luo-v5");
	struct result r;

	memcpy(m.mem + PG(2) + 16, "vfio-pci-v1", 12);
	r = run(&m, "LUO");
	cr_expect_eq(count_id(&r, "luo-handler-unknown", PG(0xb)), 1);
	no_owner(&r, PG(0xb));
	owner_is(&r, PG(0xc), "luo:vm-1/file 0x3e9 (memfd)");
	no_problems(&r);
	done(&r, &m);
}

Test(sub, session_name_unterminated)
{
	struct img m = load(SEEDS "luo-v5");
	struct result r;

	memset(m.mem + PG(1) + 16, 'a', 64);
	r = run(&m, "LUO");
	cr_expect_eq(count_id(&r, "luo-string", PG(2)), 1);
	done(&r, &m);
}

Test(sub, v1_file_count_beyond_array)
{
	struct img m = load(SEEDS "luo-v1");
	struct result r;

	put64(&m, PG(1) + 8 + 72, 129);  /* 2 pages of 64-byte records: 128 */
	r = run(&m, "LUO");
	cr_expect_eq(count_id(&r, "luo-file-count", PG(2)), 1);
	done(&r, &m);
}

Test(sub, flb_pgcnt)
{
	struct img m = load(SEEDS "luo-v5");
	struct result r;

	put64(&m, PG(5), 0);
	r = run(&m, "LUO");
	cr_expect_eq(count_id(&r, "luo-flb-count", PG(5)), 1);
	done(&r, &m);
}

Test(sub, v5_blob_too_short)
{
	struct img m = load(SEEDS "luo-v5");
	struct ki_sub_ctx c = { .ps = 4096 };
	struct ki_findings f;

	ki_findings_init(&f);
	c.f = &f;
	cr_assert_not_null(ki_sub_find(&c, "LUO", m.mem, 32));
	ki_sub_luo_v5.decode(&c, "LUO", 0, true, m.mem, 24);
	cr_expect_eq(f.n, 1);
	cr_expect_str_eq(f.items[0].id, "luo-blob-size");
	ki_findings_deinit(&f);
	free(m.mem);
}

Test(sub, kho_test_decoded_and_mangled)
{
	struct img m = load(SEEDS "kho-test");
	struct result r = run(&m, "kho_test");
	unsigned char *name;

	owner_is(&r, PG(0), "kho:kho_test");
	no_problems(&r);
	ki_owners_deinit(&r.own);
	ki_findings_deinit(&r.f);
	/* rename the property in the strings block: nr_folios is missing */
	name = memmem(m.mem, 4096, "nr_folios", 9);
	cr_assert_not_null(name);
	name[8] = 'z';
	r = run(&m, "kho_test");
	cr_expect_eq(count_id(&r, "kho-test", 0), 1);
	done(&r, &m);
}

/* 7.3's layout (lib/test_kho.c): /data holds nr_folios, folios_info, csum */
Test(sub, kho_test_data_node_folios_owned)
{
	struct img m = load(SEEDS "kho-test-data");
	struct result r = run(&m, "kho_test");

	owner_is(&r, PG(0), "kho:kho_test");
	owner_is(&r, PG(1), "kho_test:folios_info");   /* the vmalloc chunk */
	owner_is(&r, PG(2), "kho_test:folios_info");   /* its one data page */
	owner_is(&r, PG(3), "kho_test:folio");
	owner_is(&r, PG(4), "kho_test:folio");
	owner_is(&r, PG(5), "kho_test:folio");         /* order 1: two pages */
	no_owner(&r, PG(6));
	no_owner(&r, PG(7));
	for (unsigned int i = 8; i < 12; i++)
		owner_is(&r, PG(i), "kho_test:folio"); /* order 2 */
	no_problems(&r);
	ki_owners_deinit(&r.own);
	ki_findings_deinit(&r.f);
	/* the order-1 folio moved to an odd page: not aligned to its order */
	put64(&m, PG(2) + 8, 0x5000 | 1);
	r = run(&m, "kho_test");
	cr_expect_eq(count_id(&r, "kho-test-folio", 0), 1);
	no_owner(&r, PG(5));
	ki_owners_deinit(&r.own);
	ki_findings_deinit(&r.f);
	put64(&m, PG(2) + 8, 0x4000 | 1);
	/* more folios than the one data page can list */
	{
		uint32_t nf = 4099;      /* little-endian, as the writer's */

		cr_assert_eq(fdt_setprop_inplace(m.mem, fdt_path_offset(m.mem, "/data"), "nr_folios",
						 &nf, 4), 0);
	}
	r = run(&m, "kho_test");
	cr_expect_eq(count_id(&r, "kho-test-nr-folios", 0), 1);
	done(&r, &m);
}

Test(sub, memblock_region_without_size)
{
	struct img m = load(SEEDS "memblock");
	struct result r;
	unsigned char *name = memmem(m.mem, 4096, "size", 5);

	cr_assert_not_null(name);
	name[0] = 'S';                  /* "Size": the regions have no size */
	r = run(&m, "memblock");
	cr_expect_eq(count_id(&r, "memblock-region", 0), 2);
	no_owner(&r, PG(2));
	done(&r, &m);
}

/* the work budget: decoding stops, says so once, and claims no more */
Test(sub, work_budget)
{
	struct img m = load(SEEDS "luo-v5");
	struct ki_dump_options o = { .format = "raw", .base_set = true, .page_size = 4096 };
	struct ki_subnode sn = { .name = (char *)(uintptr_t)"LUO", .has_phys = true };
	struct ki_kho k = { .subs = &sn, .nsubs = 1 };
	struct ki_findings f;
	struct ki_sub_ctx c = { .ps = 4096, .budget = 4 };
	struct ki_dump *d = NULL;
	char path[64];
	int fd = memfd_create("test-sub", 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, m.mem, m.len), (ssize_t)m.len);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	cr_assert_null(ki_dump_open(path, &o, &d));
	ki_findings_init(&f);
	c.d = d;
	c.f = &f;
	ki_sub_walk(&c, NULL, &k);
	cr_expect(c.exhausted);
	cr_expect_eq(count_id(&(struct result){ .f = f }, "sub-budget", UINT64_MAX), 1);
	cr_expect_eq(count_id(&(struct result){ .f = f }, "luo-file-count", UINT64_MAX), 0);
	cr_expect_eq(count_id(&(struct result){ .f = f }, "vmalloc-total-pages", UINT64_MAX), 0);
	ki_findings_deinit(&f);
	ki_dump_destroy(d);
	close(fd);
	free(m.mem);
}

/* ---- owners: runs cut where the owner changes ---- */

struct pieces {
	uint64_t pa[4096], n[4096];
	const char *owner[4096];
	size_t count;
};

static int collect_piece(void *arg, uint64_t pa, uint64_t n, const char *owner)
{
	struct pieces *p = arg;

	cr_assert_lt(p->count, 4096);
	p->pa[p->count] = pa;
	p->n[p->count] = n;
	p->owner[p->count++] = owner;
	return 0;
}

/*
 * ki_owners_split against the block-by-block cut (a second path): random
 * owners, some inside others (a blob in a region), with gaps, and runs of
 * blocks of several sizes laid over them.
 */
Test(owners, split_equals_block_by_block)
{
	static struct pieces got, want;
	static char l0[] = "kho:fdt", l1[] = "memblock:a", l2[] = "luo:s/files", l3[] = "kho:blob";
	static char *labels[4] = { l0, l1, l2, l3 };
	struct ki_owners o = { 0 };
	uint64_t x = UINT64_C(0x2545f4914f6cdd1d), at = 0x100000;

	o.labels = labels;
	o.nlabels = 4;
	o.v = calloc(200, sizeof(*o.v));
	cr_assert_not_null(o.v);
	while (o.n < 200) {
		uint64_t len;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		len = ((x >> 8) % 40 + 1) * 0x1000;
		at += (x % 3 == 0) ? ((x >> 20) % 8) * 0x1000 : 0; /* a gap now and then */
		o.v[o.n] = (struct ki_owner){ at, at + len, (uint32_t)(x >> 32) % 4, (uint32_t)o.n };
		/* now and then a smaller, more specific one inside it */
		if (o.n + 1 < 200 && (x >> 40) % 4 == 0 && len >= 0x4000) {
			o.n++;
			o.v[o.n] = (struct ki_owner){ at + 0x1000, at + 0x3000, (uint32_t)(x >> 36) % 4, 0 };
		}
		o.n++;
		at += len;
	}
	for (unsigned int order = 0; order < 4; order++) {
		uint64_t bsize = UINT64_C(0x1000) << order, pa = 0xf0000, n = (at - pa) / bsize + 8;
		uint64_t start = 0;
		const char *cur = ki_owner_of(&o, pa);

		memset(&want, 0, sizeof(want));
		for (uint64_t i = 1; i <= n; i++) {
			const char *w = i < n ? ki_owner_of(&o, pa + i * bsize) : NULL;

			if (i == n || w != cur) {
				collect_piece(&want, pa + start * bsize, i - start, cur);
				start = i;
				cur = w;
			}
		}
		memset(&got, 0, sizeof(got));
		cr_assert_eq(ki_owners_split(&o, pa, n, bsize, collect_piece, &got), 0);
		cr_assert_gt(want.count, 50, "order %u: %zu pieces", order, want.count);
		cr_assert_eq(got.count, want.count, "order %u: %zu pieces, expected %zu", order,
			     got.count, want.count);
		for (size_t i = 0; i < want.count; i++)
			cr_assert(got.pa[i] == want.pa[i] && got.n[i] == want.n[i] &&
				  got.owner[i] == want.owner[i],
				  "order %u, piece %zu: 0x%" PRIx64 " x %" PRIu64 " (%s), expected 0x%"
				  PRIx64 " x %" PRIu64 " (%s)", order, i, got.pa[i], got.n[i],
				  got.owner[i] ? got.owner[i] : "-", want.pa[i], want.n[i],
				  want.owner[i] ? want.owner[i] : "-");
	}
	free(o.v);
}
