// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The radix walker (ki_radix_collect), block counting (ki_map_count) and run
 * iteration (ki_map_foreach_run, ki_merge_*) on trees laid out by hand.
 *
 * Recipe: a raw memory image (byte N = physical base + N) is filled page by
 * page by this file's own tree writer, which follows docs/formats.md §2.4:
 * key = 1 << (ORDER_0 - order) | pa >> (PSH + order); table level L uses
 * key bits [(L-1)·T + B, L·T + B); the leaf is a bitmap of the low B bits in
 * native u64 words (bit n is bit n % 64 of word n / 64). The image is written
 * to a file in the test's temporary directory (testutils.h) and opened with
 * ki_dump_open(.format = "raw", .base = BASE, .page_size = PS).
 * Expected counts and runs are worked out by hand in the comments.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ki_dump.h"
#include "ki_finding.h"
#include "ki_map.h"
#include "ki_pipe.h"
#include "testutils.h"

TestSuite(walker, .fini = tu_cleanup);

/* ---- the test's own tree writer ---- */

struct tree {
	unsigned char *buf;
	size_t size;          /* bytes in the image file */
	size_t npages;        /* whole pages available */
	size_t used;
	uint64_t base;
	uint64_t ps;
	unsigned int psh, depth, t, b, o0;
	uint64_t root;
	const char *path;
	struct ki_dump *d;
};

static uint64_t tree_alloc(struct tree *t)
{
	cr_assert_lt(t->used, t->npages, "test image too small");
	return t->base + t->ps * t->used++;
}

static void tree_init(struct tree *t, unsigned int psh, size_t npages,
		      size_t extra_bytes, uint64_t base)
{
	memset(t, 0, sizeof(*t));
	t->psh = psh;
	t->ps = UINT64_C(1) << psh;
	t->t = psh - 3;
	t->b = psh + 3;
	t->o0 = 64 - psh;
	t->depth = (t->o0 + 1 - t->b + t->t - 1) / t->t + 1;
	t->npages = npages;
	t->size = npages * t->ps + extra_bytes;
	t->base = base;
	t->buf = calloc(1, t->size);
	cr_assert_not_null(t->buf);
	/* page 0 stays unused, so no node sits at the image's first byte */
	t->used = 1;
	t->root = tree_alloc(t);
}

static size_t tree_off(const struct tree *t, uint64_t pa)
{
	cr_assert_geq(pa, t->base);
	cr_assert_lt(pa - t->base, t->size);
	return (size_t)(pa - t->base);
}

static uint64_t ent_get(const struct tree *t, uint64_t table, uint64_t idx)
{
	uint64_t v;

	memcpy(&v, t->buf + tree_off(t, table) + idx * 8, 8);
	return v;
}

static void ent_set(struct tree *t, uint64_t table, uint64_t idx, uint64_t v)
{
	memcpy(t->buf + tree_off(t, table) + idx * 8, &v, 8);
}

static uint64_t my_key(const struct tree *t, uint64_t pa, unsigned int order)
{
	return (UINT64_C(1) << (t->o0 - order)) | (pa >> (t->psh + order));
}

static uint64_t my_index(const struct tree *t, uint64_t key, unsigned int level)
{
	if (level == 0)
		return key & ((UINT64_C(1) << t->b) - 1);
	return (key >> ((level - 1) * t->t + t->b)) & ((UINT64_C(1) << t->t) - 1);
}

/* Node at `level` on the path of key (level depth-1 is the root). */
static uint64_t tree_node(struct tree *t, uint64_t key, unsigned int level,
			  bool create)
{
	uint64_t node = t->root;

	for (unsigned int l = t->depth - 1; l > level; l--) {
		uint64_t idx = my_index(t, key, l), child = ent_get(t, node, idx);

		if (!child) {
			cr_assert(create, "no node at level %u for key 0x%" PRIx64, level, key);
			child = tree_alloc(t);
			ent_set(t, node, idx, child);
		}
		node = child;
	}
	return node;
}

static void leaf_set_bit(struct tree *t, uint64_t leaf, uint64_t bit)
{
	uint64_t w = ent_get(t, leaf, bit / 64);

	ent_set(t, leaf, bit / 64, w | UINT64_C(1) << (bit % 64));
}

/* Mark the block of `order` at pa preserved. */
static void tree_mark(struct tree *t, uint64_t pa, unsigned int order)
{
	uint64_t key = my_key(t, pa, order);

	leaf_set_bit(t, tree_node(t, key, 0, true), my_index(t, key, 0));
}

static void tree_mark_range(struct tree *t, uint64_t pa, unsigned int order,
			    uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		tree_mark(t, pa + (i << (t->psh + order)), order);
}

static void tree_open(struct tree *t)
{
	struct ki_dump_options o = {
		.format = "raw", .base_set = true, .base = t->base, .page_size = t->ps,
	};
	struct ki_error *err;

	t->path = tu_write("mem.raw", t->buf, t->size);
	err = ki_dump_open(t->path, &o, &t->d);
	cr_assert_null(err, "ki_dump_open: %s", err ? err->message : "");
	cr_assert_eq(t->d->page_size, t->ps);
}

/*
 * The same image as an ELF core (x86_64, so 4 KiB pages from the
 * architecture): one PT_LOAD at paddr base whose first `stored` bytes are in
 * the file and the rest of the image is described but filtered out
 * (p_filesz < p_memsz), as makedumpfile leaves excluded pages.
 */
static void tree_open_elf(struct tree *t, size_t stored)
{
	struct ki_dump_options o = { .format = NULL };
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph = { 0 };
	struct ki_error *err;
	ssize_t n;
	int fd;

	cr_assert_leq(stored, t->size);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;   /* the tests run on a little-endian host */
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	ph.p_type = PT_LOAD;
	ph.p_offset = 0x1000;
	ph.p_paddr = t->base;
	ph.p_vaddr = UINT64_C(0xffff888000000000) + t->base;
	ph.p_filesz = stored;
	ph.p_memsz = t->size;
	ph.p_align = 0x1000;

	t->path = tu_path("vmcore");
	fd = open(t->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, &eh, sizeof(eh), 0), (ssize_t)sizeof(eh));
	cr_assert_eq(pwrite(fd, &ph, sizeof(ph), sizeof(eh)), (ssize_t)sizeof(ph));
	n = pwrite(fd, t->buf, stored, 0x1000);
	cr_assert_eq(n, (ssize_t)stored);
	close(fd);
	err = ki_dump_open(t->path, &o, &t->d);
	cr_assert_null(err, "ki_dump_open: %s", err ? err->message : "");
	cr_assert_str_eq(t->d->container, "elf");
	cr_assert_eq(t->d->page_size, t->ps);
}

static void tree_fini(struct tree *t)
{
	ki_dump_destroy(t->d);
	tu_cleanup();
	free(t->buf);
}

/* ---- runs and findings ---- */

struct run {
	uint64_t pa;
	unsigned int order;
	uint64_t n;
};

struct runs {
	struct run r[64];
	size_t n;
	int stop_after;   /* return 42 after this many runs (0: never) */
};

static int collect_run(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	struct runs *rs = arg;

	cr_assert_lt(rs->n, 64);
	rs->r[rs->n++] = (struct run){ pa, order, n };
	if (rs->stop_after && rs->n == (size_t)rs->stop_after)
		return 42;
	return 0;
}

static void expect_runs(const struct runs *got, const struct run *want, size_t n)
{
	for (size_t i = 0; i < got->n && i < n; i++)
		cr_assert(got->r[i].pa == want[i].pa && got->r[i].order == want[i].order &&
			  got->r[i].n == want[i].n,
			  "run %zu: (0x%" PRIx64 ", order %u, %" PRIu64 "), expected (0x%" PRIx64
			  ", order %u, %" PRIu64 ")", i, got->r[i].pa, got->r[i].order,
			  got->r[i].n, want[i].pa, want[i].order, want[i].n);
	cr_assert_eq(got->n, n, "%zu runs, expected %zu", got->n, n);
}

struct want_finding {
	const char *id;
	bool has_paddr;
	uint64_t paddr;
};

static void dump_findings(const struct ki_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		cr_log_info("finding %s paddr %s0x%" PRIx64 ": %s", f->items[i].id,
			    f->items[i].has_paddr ? "" : "(none) ", f->items[i].paddr,
			    f->items[i].message);
}

/* Exactly these findings, in any order. */
static void expect_findings(const struct ki_findings *f,
			    const struct want_finding *want, size_t n)
{
	bool used[64] = { false };

	dump_findings(f);
	cr_assert_eq(f->n, n, "%zu findings, expected %zu", f->n, n);
	for (size_t i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < f->n; j++) {
			const struct ki_finding *x = &f->items[j];

			if (!used[j] && !strcmp(x->id, want[i].id) &&
			    x->has_paddr == want[i].has_paddr &&
			    (!x->has_paddr || x->paddr == want[i].paddr))
				break;
		}
		cr_assert_lt(j, f->n, "missing finding %s at 0x%" PRIx64, want[i].id,
			     want[i].paddr);
		used[j] = true;
		cr_assert_eq(f->items[j].severity, KI_SEV_ERROR, "%s", want[i].id);
		cr_assert_not_null(f->items[j].message);
	}
}

/*
 * The standard 4K tree (depth 6), base 0x200000000.
 *
 * order 0 (key = 2^52 | pfn; root index 2, L4 = L3 = 0, L2 = pfn >> 24 & 511,
 * L1 = pfn >> 15 & 511, leaf bit = pfn & 0x7fff):
 *   pfn 1                        -> run (0x1000, 0, 1)
 *   pfn 60..67    (word 0 -> 1)  -> run (0x3c000, 0, 8)
 *   pfn 128..192  (full word 2 + bit 0 of word 3) -> run (0x80000, 0, 65)
 *   pfn 256..319  (exactly word 4) -> run (0x100000, 0, 64)
 *   pfn 32766..32769 (leaf L1=0 -> leaf L1=1)   -> run (0x7ffe000, 0, 4)
 *   pfn 2^24-2..2^24+1 (L1 table under L2=0, leaf 511 -> L1 table under
 *                      L2=1, leaf 0)             -> run (0xfffffe000, 0, 4)
 * order 9 (key = 2^43 | pa >> 21; root 0, L4 2, leaf bit = pa >> 21):
 *   0x40000000, 0x40200000 (bits 512, 513) -> run (0x40000000, 9, 2)
 *   0x80000000 (bit 1024)                  -> run (0x80000000, 9, 1)
 * Blocks: order 0: 1 + 8 + 65 + 64 + 4 + 4 = 146; order 9: 3; total 149.
 * Tables: root; order 0: L4, L3, L2, two L1; order 9: L4, L3, L2, L1 -> 10.
 * Leaves: order 0: (L2 0: L1 0, 1, 511), (L2 1: L1 0); order 9: one -> 5.
 */
static const uint64_t BASE4K = UINT64_C(0x200000000);

static const struct run STD_RUNS[] = {
	{ 0x1000, 0, 1 },
	{ 0x3c000, 0, 8 },
	{ 0x80000, 0, 65 },
	{ 0x100000, 0, 64 },
	{ 0x7ffe000, 0, 4 },
	{ UINT64_C(0xfffffe000), 0, 4 },
	{ 0x40000000, 9, 2 },
	{ 0x80000000, 9, 1 },
};
#define NSTD (sizeof(STD_RUNS) / sizeof(STD_RUNS[0]))

static void std_tree(struct tree *t, size_t npages, size_t extra)
{
	tree_init(t, 12, npages, extra, BASE4K);
	cr_assert_eq(t->depth, 6);
	tree_mark(t, 0x1000, 0);
	tree_mark_range(t, 0x3c000, 0, 8);
	tree_mark_range(t, 0x80000, 0, 65);
	tree_mark_range(t, 0x100000, 0, 64);
	tree_mark_range(t, 0x7ffe000, 0, 4);
	tree_mark_range(t, UINT64_C(0xfffffe000), 0, 4);
	tree_mark_range(t, 0x40000000, 9, 2);
	tree_mark(t, 0x80000000, 9);
	/* the writer agrees with the spec's worked example: root entries 2 and 0 */
	cr_assert_neq(ent_get(t, t->root, 2), 0);
	cr_assert_neq(ent_get(t, t->root, 0), 0);
	cr_assert_eq(ent_get(t, t->root, 1), 0);
	cr_assert_eq(t->used, 2 + 9 + 5, "pages: unused + root + 9 tables + 5 leaves, got %zu", t->used);
}

/* Collect, count, and check the standard tree was decoded in full. */
static struct ki_map *walk(struct tree *t, uint64_t root, struct ki_findings *f)
{
	struct ki_map *m = NULL;
	struct ki_error *err = ki_radix_collect(t->d, root, t->d->page_size, t->depth, f, &m);

	cr_assert_null(err, "ki_radix_collect: %s", err ? err->message : "");
	cr_assert_not_null(m);
	ki_map_count(m, f);
	return m;
}

static void expect_std_decoded(struct ki_map *m)
{
	struct runs rs = { .n = 0 };

	cr_assert_eq(m->blocks[0], 146, "order 0: %" PRIu64, m->blocks[0]);
	cr_assert_eq(m->blocks[9], 3, "order 9: %" PRIu64, m->blocks[9]);
	cr_assert_eq(m->total_blocks, 149);
	cr_assert_eq(ki_map_foreach_run(m, -1, collect_run, &rs), 0);
	expect_runs(&rs, STD_RUNS, NSTD);
}

/* ---- the valid tree ---- */

Test(walker, valid_tree_counts_and_runs)
{
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;

	std_tree(&t, 24, 0);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	expect_findings(&f, NULL, 0);
	cr_assert_eq(m->errors, 0);
	cr_assert_eq(m->depth, 6);
	cr_assert_eq(m->page_size, 4096);
	cr_assert_eq(m->page_shift, 12);
	cr_assert_eq(m->root, t.root);
	cr_assert_str_eq(m->kind, "radix");
	cr_assert_eq(m->tables, 10, "tables %" PRIu64, m->tables);
	cr_assert_eq(m->nleaves, 5);
	cr_assert_eq(m->npages, 15, "map pages %zu", m->npages);
	for (unsigned int o = 0; o < KI_ORDERS; o++)
		if (o != 0 && o != 9)
			cr_assert_eq(m->blocks[o], 0, "order %u", o);
	expect_std_decoded(m);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/* Leaves come out with the order and first block address their path encodes. */
Test(walker, valid_tree_leaves)
{
	static const struct { uint64_t base; unsigned int order; } want[] = {
		{ 0, 0 },                          /* L2 0, L1 0 */
		{ UINT64_C(128) << 20, 0 },        /* L2 0, L1 1 */
		{ UINT64_C(511) << 27, 0 },        /* L2 0, L1 511: 511 * 128 MiB */
		{ UINT64_C(1) << 36, 0 },          /* L2 1, L1 0: 2^24 pages */
		{ 0, 9 },
	};
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;
	bool seen[5] = { false };

	std_tree(&t, 24, 0);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	cr_assert_eq(m->nleaves, 5);
	for (size_t i = 0; i < m->nleaves; i++) {
		const struct ki_leaf *l = &m->leaves[i];
		size_t k;

		cr_assert_not(l->invalid);
		cr_assert_not(l->unreadable);
		cr_assert_eq(l->bitmap_pa & 0xfff, 0);
		cr_assert_eq(l->nbits, 32768);
		for (k = 0; k < 5; k++)
			if (!seen[k] && want[k].base == l->phys_base && want[k].order == l->order)
				break;
		cr_assert_lt(k, 5, "unexpected leaf base 0x%" PRIx64 " order %u",
			     l->phys_base, l->order);
		seen[k] = true;
	}
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

Test(walker, foreach_run_one_order_and_early_stop)
{
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;
	struct runs rs = { .n = 0 };

	std_tree(&t, 24, 0);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);

	cr_assert_eq(ki_map_foreach_run(m, 9, collect_run, &rs), 0);
	expect_runs(&rs, STD_RUNS + 6, 2);

	rs.n = 0;
	cr_assert_eq(ki_map_foreach_run(m, 0, collect_run, &rs), 0);
	expect_runs(&rs, STD_RUNS, 6);

	rs.n = 0;
	cr_assert_eq(ki_map_foreach_run(m, 5, collect_run, &rs), 0);
	cr_assert_eq(rs.n, 0);

	/* fn's non-zero return stops the walk and is passed back */
	rs.n = 0;
	rs.stop_after = 3;
	cr_assert_eq(ki_map_foreach_run(m, -1, collect_run, &rs), 42);
	expect_runs(&rs, STD_RUNS, 3);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/*
 * Batches: 600 single blocks (every other pfn of 0..1199, so 2.3 batches of
 * KI_RUN_BATCH) then 130 adjacent blocks from pfn 1250 (words 19..21) come
 * out in order, in batches of at most KI_RUN_BATCH, the same as one by one.
 */
struct batches {
	uint64_t pa[1024], n[1024];
	size_t count, calls, biggest;
	int stop_at_call;  /* return 7 from this call (0: never) */
};

static int collect_batch(void *arg, const struct ki_run *runs, size_t n)
{
	struct batches *b = arg;

	b->calls++;
	if (n > b->biggest)
		b->biggest = n;
	for (size_t i = 0; i < n; i++) {
		cr_assert_lt(b->count, 1024);
		cr_assert_eq(runs[i].order, 0);
		b->pa[b->count] = runs[i].pa;
		b->n[b->count++] = runs[i].n;
	}
	return b->calls == (size_t)b->stop_at_call ? 7 : 0;
}

struct many {
	size_t count;
	uint64_t pa[1024], n[1024];
};

static int collect_one(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	struct many *o = arg;

	cr_assert_eq(order, 0);
	cr_assert_lt(o->count, 1024);
	o->pa[o->count] = pa;
	o->n[o->count++] = n;
	return 0;
}

Test(walker, foreach_runs_in_batches)
{
	static struct batches b;
	static struct many one;
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;

	tree_init(&t, 12, 24, 0, BASE4K);
	for (uint64_t pfn = 0; pfn < 1200; pfn += 2)
		tree_mark(&t, pfn << 12, 0);
	tree_mark_range(&t, UINT64_C(1250) << 12, 0, 130);
	tree_open(&t);
	ki_findings_init(&f);
	m = NULL;
	cr_assert_null(ki_radix_collect(t.d, t.root, t.d->page_size, t.depth, &f, &m));
	ki_map_count(m, &f);
	cr_assert_eq(m->total_blocks, 730);

	memset(&b, 0, sizeof(b));
	cr_assert_eq(ki_map_foreach_runs(m, -1, collect_batch, &b), 0);
	cr_assert_eq(b.count, 601);
	cr_assert_eq(b.biggest, KI_RUN_BATCH);
	cr_assert_eq(b.calls, (601 + KI_RUN_BATCH - 1) / KI_RUN_BATCH);
	for (size_t i = 0; i < 600; i++)
		cr_assert(b.pa[i] == (uint64_t)i << 13 && b.n[i] == 1,
			  "run %zu: 0x%" PRIx64 " x %" PRIu64, i, b.pa[i], b.n[i]);
	cr_assert_eq(b.pa[600], UINT64_C(1250) << 12);
	cr_assert_eq(b.n[600], 130);

	memset(&one, 0, sizeof(one));
	cr_assert_eq(ki_map_foreach_run(m, -1, collect_one, &one), 0);
	cr_assert_eq(one.count, b.count);
	cr_assert_arr_eq(one.pa, b.pa, sizeof(one.pa));
	cr_assert_arr_eq(one.n, b.n, sizeof(one.n));

	/* a non-zero return ends the walk after that batch */
	memset(&b, 0, sizeof(b));
	b.stop_at_call = 1;
	cr_assert_eq(ki_map_foreach_runs(m, -1, collect_batch, &b), 7);
	cr_assert_eq(b.calls, 1);
	cr_assert_eq(b.count, KI_RUN_BATCH);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

static void expect_batches(const struct batches *got, const struct batches *want,
			   size_t max)
{
	cr_assert_eq(got->count, want->count, "batches of %zu: %zu runs, expected %zu",
		     max, got->count, want->count);
	for (size_t i = 0; i < want->count; i++)
		cr_assert(got->pa[i] == want->pa[i] && got->n[i] == want->n[i],
			  "batches of %zu, run %zu: 0x%" PRIx64 " x %" PRIu64
			  ", expected 0x%" PRIx64 " x %" PRIu64, max, i, got->pa[i],
			  got->n[i], want->pa[i], want->n[i]);
}

/*
 * Words of every shape: alternating bits (32 runs a word), runs that go on
 * into the next word and the next leaf, words of 0 to 12 runs from a fixed
 * pseudo-random sequence; the expected runs come from the blocks marked,
 * joined one by one here. The cursor gives them with every batch size.
 */
Test(walker, runs_of_every_word_shape)
{
	static const uint64_t fixed[] = {
		UINT64_C(0x5555555555555555), UINT64_C(0xaaaaaaaaaaaaaaaa),
		~UINT64_C(0), 1, UINT64_C(0x8000000000000001), 0,
		UINT64_C(0xf0f0f0f0f0f0f0f0), UINT64_C(0x000000000000000f),
		UINT64_C(0x8000000000000000), UINT64_C(0x0000000000000003),
	};
	static struct batches want, got;
	const uint64_t leaf_blocks = UINT64_C(1) << 15; /* 4 KiB pages: a leaf */
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;
	uint64_t x = UINT64_C(0x9e3779b97f4a7c15), prev_end = 0;
	size_t nwords = 0, nblocks = 0;
	uint64_t words[64];
	size_t before;

	tree_init(&t, 12, 24, 0, BASE4K);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		words[nwords++] = fixed[i];
	while (nwords < 40) {
		/* xorshift64, thinned to 1, 2, 4 or 8 bits in 8 on average */
		uint64_t w;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		w = x;
		for (unsigned int k = 0; k < nwords % 4; k++)
			w &= w >> 1 | w << 7;
		words[nwords++] = w;
	}
	memset(&want, 0, sizeof(want));
	/* words 0..39 at the start of leaf 0, then the last two words of
	 * leaf 0 and the first of leaf 1 from the fixed ones (a run across
	 * the leaves' border) */
	for (size_t i = 0; i < nwords + 3; i++) {
		uint64_t first = i < nwords ? i * 64 : leaf_blocks - 128 + (i - nwords) * 64;
		uint64_t w = i < nwords ? words[i] : i == nwords ? fixed[1] : fixed[2];

		for (unsigned int bit = 0; bit < 64; bit++) {
			uint64_t blk = first + bit;

			if (!(w >> bit & 1))
				continue;
			tree_mark(&t, blk << 12, 0);
			nblocks++;
			if (want.count && blk == prev_end) {
				want.n[want.count - 1]++;
			} else {
				cr_assert_lt(want.count, 1024);
				want.pa[want.count] = blk << 12;
				want.n[want.count++] = 1;
			}
			prev_end = blk + 1;
		}
	}
	cr_assert_gt(want.count, 300, "%zu runs", want.count);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	cr_assert_eq(m->total_blocks, nblocks);
	for (size_t max = 1; max <= KI_RUN_BATCH; max = max < 8 ? max + 1 : max * 4) {
		struct ki_run_cursor c;
		struct ki_run batch[KI_RUN_BATCH];
		size_t n;

		memset(&got, 0, sizeof(got));
		ki_run_cursor_init(&c, m, 0, m->nleaves, -1);
		while ((n = ki_run_cursor_fill(&c, batch, max)))
			collect_batch(&got, batch, n);
		ki_run_cursor_deinit(&c);
		expect_batches(&got, &want, max);
	}
	/* the same runs through a helper thread (forced: the map is small) */
	memset(&got, 0, sizeof(got));
	before = ki_pipe_started();
	cr_assert_eq(ki_map_foreach_runs_piped(m, -1, KI_THREADS_TWO, collect_batch, &got), 0);
	expect_batches(&got, &want, 0);
	cr_assert_eq(ki_pipe_started(), before + 1, "the runs came from a helper thread");
	/* a non-zero return stops the helper too */
	memset(&got, 0, sizeof(got));
	got.stop_at_call = 1;
	cr_assert_eq(ki_map_foreach_runs_piped(m, -1, KI_THREADS_TWO, collect_batch, &got), 7);
	cr_assert_eq(got.calls, 1);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/* The cursor resumes where a fill stopped: one run per fill, or three,
 * gives the standard runs, also the ones that span words and leaves. */
Test(walker, run_cursor_resumes)
{
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;

	std_tree(&t, 24, 0);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	for (size_t max = 1; max <= 3; max += 2) {
		struct ki_run_cursor c;
		struct ki_run got[3];
		struct runs rs = { .n = 0 };
		size_t n;

		ki_run_cursor_init(&c, m, 0, m->nleaves, -1);
		while ((n = ki_run_cursor_fill(&c, got, max))) {
			cr_assert_leq(n, max);
			for (size_t i = 0; i < n; i++)
				collect_run(&rs, got[i].pa, got[i].order, got[i].n);
		}
		cr_assert_eq(ki_run_cursor_fill(&c, got, max), 0, "stays at the end");
		ki_run_cursor_deinit(&c);
		expect_runs(&rs, STD_RUNS, NSTD);
	}
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/* The merged iterator: the same runs in address order (then order). */
Test(walker, merge_in_address_order)
{
	static const struct run want[] = {
		{ 0x1000, 0, 1 },
		{ 0x3c000, 0, 8 },
		{ 0x80000, 0, 65 },
		{ 0x100000, 0, 64 },
		{ 0x7ffe000, 0, 4 },
		{ 0x40000000, 9, 2 },
		{ 0x80000000, 9, 1 },
		{ UINT64_C(0xfffffe000), 0, 4 },
	};
	struct ki_findings f;
	struct ki_merge it;
	struct ki_map *m;
	struct tree t;
	struct runs rs = { .n = 0 };
	uint64_t pa, n;
	unsigned int order;

	std_tree(&t, 24, 0);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	ki_merge_init(&it, m);
	while (ki_merge_next(&it, &pa, &order, &n))
		collect_run(&rs, pa, order, n);
	ki_merge_deinit(&it);
	expect_runs(&rs, want, sizeof(want) / sizeof(want[0]));
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/* ---- mangles: each bad pointer is a finding and the rest still decodes ---- */

/* A table entry that is not page aligned, at L1 (leaf pointer) and L3 (table). */
Test(walker, mangle_pointer_unaligned, .timeout = 10)
{
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;
	uint64_t k0, l1, l3, leaf, bad1, bad2;

	std_tree(&t, 24, 0);
	k0 = my_key(&t, 0x1000, 0);
	l1 = tree_node(&t, k0, 1, false);
	l3 = tree_node(&t, k0, 3, false);
	leaf = tree_node(&t, k0, 0, false);
	bad1 = leaf + 8;
	bad2 = l1 + 0x800;
	ent_set(&t, l1, 5, bad1);
	ent_set(&t, l3, 7, bad2);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	expect_findings(&f, (const struct want_finding[]){
		{ "map-pointer-unaligned", true, bad1 },
		{ "map-pointer-unaligned", true, bad2 },
	}, 2);
	cr_assert_eq(m->errors, 2);
	expect_std_decoded(m);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/* Pointers outside the image: past its end and below its base. */
Test(walker, mangle_pointer_outside_dump, .timeout = 10)
{
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;
	uint64_t k0, l1, l2, past, below;

	std_tree(&t, 24, 0);
	k0 = my_key(&t, 0x1000, 0);
	l1 = tree_node(&t, k0, 1, false);
	l2 = tree_node(&t, k0, 2, false);
	past = BASE4K + 0x100000;            /* the image is 24 pages */
	below = 0x1000;
	ent_set(&t, l1, 9, past);            /* leaf pointer */
	ent_set(&t, l2, 9, below);           /* table pointer */
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	expect_findings(&f, (const struct want_finding[]){
		{ "map-pointer-outside-dump", true, past },
		{ "map-pointer-outside-dump", true, below },
	}, 2);
	cr_assert_eq(m->errors, 2);
	expect_std_decoded(m);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/*
 * A table pointer to the last page of an image that ends half-way through
 * it: the page cannot be read whole, so it is skipped with a finding at its
 * address (which of the two "missing" ids is a judgement call).
 */
Test(walker, mangle_pointer_to_partial_page, .timeout = 10)
{
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;
	uint64_t l4_9, partial;
	const char *id;

	std_tree(&t, 24, 0x800);
	l4_9 = ent_get(&t, t.root, 0);
	partial = BASE4K + 24 * 0x1000;      /* only 0x800 of it in the file */
	/* fill the half that exists with a plausible table entry */
	ent_set(&t, partial, 0, ent_get(&t, l4_9, 2));
	ent_set(&t, l4_9, 3, partial);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	dump_findings(&f);
	cr_assert_eq(f.n, 1);
	id = f.items[0].id;
	cr_assert(!strcmp(id, "map-pointer-outside-dump") || !strcmp(id, "not-in-dump"),
		  "id %s", id);
	cr_assert(f.items[0].has_paddr);
	cr_assert_eq(f.items[0].paddr, partial);
	cr_assert_eq(m->errors, 1);
	expect_std_decoded(m);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/*
 * In an ELF core with filtered pages: a pointer to a page the dump
 * describes but did not store is "not-in-dump"; one to a page no segment
 * describes is "map-pointer-outside-dump". The rest still decodes.
 */
Test(walker, mangle_pointer_filtered_vs_outside, .timeout = 10)
{
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;
	uint64_t k0, l1, l2, filtered, outside;

	std_tree(&t, 32, 0);
	k0 = my_key(&t, 0x1000, 0);
	l1 = tree_node(&t, k0, 1, false);
	l2 = tree_node(&t, k0, 2, false);
	filtered = BASE4K + 28 * 0x1000;    /* stored: pages 0-23; described: 0-31 */
	outside = BASE4K + 40 * 0x1000;
	ent_set(&t, l2, 20, filtered);
	ent_set(&t, l1, 20, outside);
	tree_open_elf(&t, 24 * 0x1000);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	expect_findings(&f, (const struct want_finding[]){
		{ "not-in-dump", true, filtered },
		{ "map-pointer-outside-dump", true, outside },
	}, 2);
	cr_assert_eq(m->errors, 2);
	expect_std_decoded(m);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/* A table pointing to itself, to an ancestor, and the root to the root. */
Test(walker, mangle_cycles, .timeout = 10)
{
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;
	uint64_t k0, l1, l2, l4;

	std_tree(&t, 24, 0);
	k0 = my_key(&t, 0x1000, 0);
	l1 = tree_node(&t, k0, 1, false);
	l2 = tree_node(&t, k0, 2, false);
	l4 = tree_node(&t, k0, 4, false);
	ent_set(&t, l2, 3, l2);          /* itself */
	ent_set(&t, l2, 4, l4);          /* grandparent's parent */
	ent_set(&t, l1, 7, l1);          /* an L1 table as its own leaf */
	ent_set(&t, t.root, 3, t.root);  /* root index 3 is in range at 4K */
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	expect_findings(&f, (const struct want_finding[]){
		{ "map-cycle", true, l2 },
		{ "map-cycle", true, l4 },
		{ "map-cycle", true, l1 },
		{ "map-cycle", true, t.root },
	}, 4);
	cr_assert_eq(m->errors, 4);
	cr_assert_eq(m->tables, 10);
	expect_std_decoded(m);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/*
 * Root entry 4 at 4K: the root (L5) holds key bits 51-59 and keys are below
 * 2^53, so the root index is at most (2^53 - 1) >> 51 = 3. Entry 4 points at
 * a well-formed chain down to a leaf with bits set; it must not be followed.
 */
Test(walker, mangle_root_index_out_of_range, .timeout = 10)
{
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;
	uint64_t chain[5];

	std_tree(&t, 32, 0);
	for (int i = 0; i < 5; i++)
		chain[i] = tree_alloc(&t);
	for (int i = 0; i < 4; i++)
		ent_set(&t, chain[i], 0, chain[i + 1]);
	ent_set(&t, chain[4], 0, 0xff);      /* leaf bits 0-7 */
	ent_set(&t, t.root, 4, chain[0]);
	ent_set(&t, t.root, 511, chain[0]);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	expect_findings(&f, (const struct want_finding[]){
		{ "key-out-of-range", true, t.root },
		{ "key-out-of-range", true, t.root },
	}, 2);
	cr_assert_eq(m->errors, 2);
	cr_assert_eq(m->tables, 10);
	cr_assert_eq(m->nleaves, 5);
	expect_std_decoded(m);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/*
 * Root index 0 and every table index 0: the leaf holds keys below 2^15,
 * i.e. marker bits 0-14 (orders 38-52 at 4K) that no kernel writes, and
 * bit 0 is key 0, which has no marker at all. Both are findings; the real
 * blocks are still listed.
 */
Test(walker, mangle_all_zero_index_leaf, .timeout = 10)
{
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;
	uint64_t l4_9, chain[4];

	std_tree(&t, 32, 0);
	l4_9 = ent_get(&t, t.root, 0);
	for (int i = 0; i < 4; i++)
		chain[i] = tree_alloc(&t);
	ent_set(&t, l4_9, 0, chain[0]);      /* L3 */
	ent_set(&t, chain[0], 0, chain[1]);  /* L2 */
	ent_set(&t, chain[1], 0, chain[2]);  /* L1 */
	ent_set(&t, chain[2], 0, chain[3]);  /* leaf */
	/* bit 0 (key 0) and bit 5 (key 5: marker bit 2, order 50) */
	ent_set(&t, chain[3], 0, UINT64_C(1) | UINT64_C(1) << 5);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	expect_findings(&f, (const struct want_finding[]){
		{ "key-zero", true, chain[3] },
		{ "order-above-max", true, chain[3] },
	}, 2);
	cr_assert_eq(m->nleaves, 6);
	expect_std_decoded(m);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/* Every kind of mangle at once: the walk still lists every real block. */
Test(walker, mangle_everything_at_once, .timeout = 10)
{
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;
	uint64_t k0, l1, l2, l3;

	std_tree(&t, 24, 0);
	k0 = my_key(&t, 0x1000, 0);
	l1 = tree_node(&t, k0, 1, false);
	l2 = tree_node(&t, k0, 2, false);
	l3 = tree_node(&t, k0, 3, false);
	ent_set(&t, l1, 100, 0x123);
	ent_set(&t, l2, 100, UINT64_C(0xdead0000000));
	ent_set(&t, l3, 100, l3);
	ent_set(&t, t.root, 200, t.root);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	expect_findings(&f, (const struct want_finding[]){
		{ "map-pointer-unaligned", true, 0x123 },
		{ "map-pointer-outside-dump", true, UINT64_C(0xdead0000000) },
		{ "map-cycle", true, l3 },
		{ "key-out-of-range", true, t.root },
	}, 4);
	expect_std_decoded(m);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/*
 * More bad pointers than findings are kept: the extra ones are counted as
 * dropped, and every one still counts as an error of the map.
 */
Test(walker, findings_capped, .timeout = 10)
{
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;
	uint64_t k0, l1, l2;

	std_tree(&t, 24, 0);
	k0 = my_key(&t, 0x1000, 0);
	l1 = tree_node(&t, k0, 1, false);
	l2 = tree_node(&t, k0, 2, false);
	/* 509 free entries in L1 (0, 1, 511 used) and 510 in L2 (0, 1 used) */
	for (uint64_t i = 2; i < 511; i++)
		ent_set(&t, l1, i, 0x10 + i * 0x1000);
	for (uint64_t i = 2; i < 512; i++)
		ent_set(&t, l2, i, 0x20 + i * 0x1000);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	cr_assert_eq(f.n, KI_FINDINGS_MAX);
	cr_assert_eq(f.dropped, 509 + 510 - KI_FINDINGS_MAX);
	cr_assert_eq(f.counts[KI_SEV_ERROR], 509 + 510);
	cr_assert_eq(m->errors, 509 + 510);
	for (size_t i = 0; i < f.n; i++)
		cr_assert_str_eq(f.items[i].id, "map-pointer-unaligned");
	expect_std_decoded(m);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/*
 * A tree walked with one level more than 4K needs (7, e.g. a wrong
 * --radix-depth): the extra root level holds key bits 60-68, so any root
 * index but 0 makes a key of 2^60 or more, far above ORDER_0 (bit 52).
 * Such an entry must not yield blocks (it is a key-out-of-range like any
 * root entry past the key width), and no leaf may get an order above
 * ORDER_0. Refusing the depth outright (KI_ERR_USAGE) is fine too.
 *
 * Was a bug (fixed with this test): radix_decode.c walk_table() bounds
 * the root index only when the root's shift is <= ORDER_0; here the shift
 * is 60, the bound (which would be 0) is skipped, root entry 1 is followed
 * and record_leaf() computes order = 52 - 60, wrapping to 4294967288; the
 * map then counts 2 blocks and ki_map_foreach_run() emits a run
 * (0x10, order 4294967288, 1).
 */
Test(walker, extra_level_root_index_out_of_range, .timeout = 10)
{
	struct ki_findings f;
	struct ki_map *m = NULL;
	struct ki_error *err;
	struct tree t;
	uint64_t chain[6];

	tree_init(&t, 12, 24, 0, BASE4K);
	t.depth = 7;
	tree_mark(&t, 0x1000, 0);
	cr_assert_neq(ent_get(&t, t.root, 0), 0);
	for (int i = 0; i < 6; i++)
		chain[i] = tree_alloc(&t);
	for (int i = 0; i < 5; i++)
		ent_set(&t, chain[i], 0, chain[i + 1]);
	ent_set(&t, chain[5], 0, 0x2);      /* leaf bit 1 */
	ent_set(&t, t.root, 1, chain[0]);
	tree_open(&t);
	ki_findings_init(&f);
	err = ki_radix_collect(t.d, t.root, t.d->page_size, 7, &f, &m);
	if (err) {
		cr_assert_eq(err->code, KI_ERR_USAGE, "%s", err->message);
		ki_error_destroy(err);
	} else {
		ki_map_count(m, &f);
		dump_findings(&f);
		for (size_t i = 0; i < m->nleaves; i++)
			cr_assert(m->leaves[i].invalid || m->leaves[i].order <= 52,
				  "leaf at 0x%" PRIx64 " has order %u (phys_base 0x%" PRIx64 ")",
				  m->leaves[i].bitmap_pa, m->leaves[i].order,
				  m->leaves[i].phys_base);
		cr_assert_eq(m->blocks[0], 1);
		cr_assert_eq(m->total_blocks, 1, "%" PRIu64 " blocks", m->total_blocks);
		cr_assert_not_null(f.n ? &f.items[0] : NULL, "no finding");
		cr_assert_str_eq(f.items[0].id, "key-out-of-range");
		cr_assert_eq(f.items[0].paddr, t.root);
		ki_map_destroy(m);
	}
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/* ---- bad roots ---- */

Test(walker, root_pointer_zero)
{
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;
	struct runs rs = { .n = 0 };

	std_tree(&t, 24, 0);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, 0, &f);
	expect_findings(&f, (const struct want_finding[]){
		{ "map-pointer-zero", false, 0 },
	}, 1);
	cr_assert_eq(m->nleaves, 0);
	cr_assert_eq(m->tables, 0);
	cr_assert_eq(m->total_blocks, 0);
	cr_assert_eq(m->errors, 1);
	cr_assert_eq(ki_map_foreach_run(m, -1, collect_run, &rs), 0);
	cr_assert_eq(rs.n, 0);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

Test(walker, root_pointer_unaligned)
{
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;

	std_tree(&t, 24, 0);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root + 0x10, &f);
	expect_findings(&f, (const struct want_finding[]){
		{ "map-pointer-unaligned", true, t.root + 0x10 },
	}, 1);
	cr_assert_eq(m->nleaves, 0);
	cr_assert_eq(m->total_blocks, 0);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

Test(walker, root_pointer_outside_dump)
{
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;

	std_tree(&t, 24, 0);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, BASE4K - 0x1000, &f);
	expect_findings(&f, (const struct want_finding[]){
		{ "map-pointer-outside-dump", true, BASE4K - 0x1000 },
	}, 1);
	cr_assert_eq(m->nleaves, 0);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

Test(walker, impossible_parameters_are_usage_errors)
{
	struct ki_findings f;
	struct ki_map *m = NULL;
	struct ki_error *err;
	struct tree t;

	std_tree(&t, 24, 0);
	tree_open(&t);
	ki_findings_init(&f);
	err = ki_radix_collect(t.d, t.root, t.d->page_size, 1, &f, &m);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_USAGE);
	ki_error_destroy(err);
	err = ki_radix_collect(t.d, t.root, t.d->page_size, 9, &f, &m);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_USAGE);
	ki_error_destroy(err);
	/* no page size, nothing to walk with */
	t.d->page_size = 0;
	err = ki_radix_collect(t.d, t.root, t.d->page_size, 6, &f, &m);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_USAGE);
	ki_error_destroy(err);
	cr_assert_null(m);
	cr_assert_eq(f.n, 0);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/* ---- other page sizes ---- */

/*
 * 16K pages, depth 5. Order 0, pfn 1 (0x4000): key 2^50|1, root (L4) index
 * 1. Order 3 (128 KiB blocks) at 0x100000000 and the next two: key
 * 2^47 | 0x100000000 >> 17 = 2^47 | 0x8000: root index 0, L3 index
 * 2^47 >> 39 = 256, leaf bits 0x8000..0x8002 (leaf width 17 bits).
 */
Test(walker, tree_16k)
{
	static const struct run want[] = {
		{ 0x4000, 0, 1 },
		{ UINT64_C(0x100000000), 3, 3 },
	};
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;
	struct runs rs = { .n = 0 };

	tree_init(&t, 14, 12, 0, 0x80000000);
	cr_assert_eq(t.depth, 5);
	tree_mark(&t, 0x4000, 0);
	tree_mark_range(&t, UINT64_C(0x100000000), 3, 3);
	cr_assert_neq(ent_get(&t, t.root, 1), 0);
	cr_assert_neq(ent_get(&t, t.root, 0), 0);
	cr_assert_neq(ent_get(&t, ent_get(&t, t.root, 0), 256), 0);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	expect_findings(&f, NULL, 0);
	cr_assert_eq(m->blocks[0], 1);
	cr_assert_eq(m->blocks[3], 3);
	cr_assert_eq(m->total_blocks, 4);
	cr_assert_eq(m->tables, 1 + 3 + 3);
	cr_assert_eq(m->nleaves, 2);
	cr_assert_eq(ki_map_foreach_run(m, -1, collect_run, &rs), 0);
	expect_runs(&rs, want, 2);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}

/*
 * 64K pages, depth 4. Order 0, pfn 1 (0x10000): key 2^48|1, root (L3)
 * index 8. pfns 100..299 are 200 pages from 0x640000 across words 1-4.
 * Root index 16 is out of range: keys < 2^49, root holds bits 45-57, so
 * the largest index is (2^49 - 1) >> 45 = 15.
 */
Test(walker, tree_64k)
{
	static const struct run want[] = {
		{ 0x10000, 0, 1 },
		{ 0x640000, 0, 200 },
	};
	struct ki_findings f;
	struct ki_map *m;
	struct tree t;
	struct runs rs = { .n = 0 };
	uint64_t spare;

	tree_init(&t, 16, 8, 0, UINT64_C(0x40000000));
	cr_assert_eq(t.depth, 4);
	tree_mark(&t, 0x10000, 0);
	tree_mark_range(&t, 0x640000, 0, 200);
	cr_assert_neq(ent_get(&t, t.root, 8), 0);
	spare = tree_alloc(&t);
	ent_set(&t, t.root, 15, 0);
	ent_set(&t, t.root, 16, spare);
	tree_open(&t);
	ki_findings_init(&f);
	m = walk(&t, t.root, &f);
	expect_findings(&f, (const struct want_finding[]){
		{ "key-out-of-range", true, t.root },
	}, 1);
	cr_assert_eq(m->blocks[0], 201);
	cr_assert_eq(m->total_blocks, 201);
	cr_assert_eq(m->tables, 3);
	cr_assert_eq(m->nleaves, 1);
	cr_assert_eq(ki_map_foreach_run(m, -1, collect_run, &rs), 0);
	expect_runs(&rs, want, 2);
	ki_map_destroy(m);
	ki_findings_deinit(&f);
	tree_fini(&t);
}
