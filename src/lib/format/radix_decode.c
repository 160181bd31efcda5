// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kho-v2/v3/v4 radix tree. A key is (1 << (ORDER_0 - order)) | (pa >>
 * (PSH + order)); table levels index key bits from the leaf up; the leaf is
 * a bitmap of the lowest key bits. The tree comes from a dump, so nothing in
 * it is trusted: pointers are checked for alignment and presence, every page
 * is visited at most once and the walk goes on past a bad subtree.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ki_map_store.h"
#include "ki_pageset.h"

unsigned int ki_radix_order0(unsigned int page_shift)
{
	return 64 - page_shift;
}

unsigned int ki_radix_table_bits(unsigned int page_shift)
{
	return page_shift - 3;
}

unsigned int ki_radix_bitmap_bits(unsigned int page_shift)
{
	return page_shift + 3;
}

unsigned int ki_radix_fixed_depth(unsigned int page_shift)
{
	/* ceil((ORDER_0 + 1 - B) / T) + 1 */
	unsigned int o0 = ki_radix_order0(page_shift);
	unsigned int t = ki_radix_table_bits(page_shift);
	unsigned int b = ki_radix_bitmap_bits(page_shift);

	return (o0 + 1 - b + t - 1) / t + 1;
}

uint64_t ki_radix_key(uint64_t pa, unsigned int order, unsigned int page_shift)
{
	return (UINT64_C(1) << (ki_radix_order0(page_shift) - order)) |
	       (pa >> (page_shift + order));
}

bool ki_radix_key_decode(uint64_t key, unsigned int page_shift,
			 uint64_t *pa_ret, unsigned int *order_ret)
{
	unsigned int msb, o0 = ki_radix_order0(page_shift);

	if (key == 0)
		return false;
	msb = 63 - (unsigned int)__builtin_clzll(key);
	if (msb > o0)
		return false;
	*order_ret = o0 - msb;
	/* Clear the marker, then shift; 64 - msb is PSH + order. */
	*pa_ret = msb == 0 ? 0 : (key ^ (UINT64_C(1) << msb)) << (64 - msb);
	return true;
}

static unsigned int level_shift(unsigned int level, unsigned int page_shift)
{
	return (level - 1) * ki_radix_table_bits(page_shift) +
	       ki_radix_bitmap_bits(page_shift);
}

uint64_t ki_radix_index(uint64_t key, unsigned int level,
			unsigned int page_shift)
{
	if (level == 0)
		return key & ((UINT64_C(1) << ki_radix_bitmap_bits(page_shift)) - 1);
	return (key >> level_shift(level, page_shift)) &
	       ((UINT64_C(1) << ki_radix_table_bits(page_shift)) - 1);
}

/* Upper bound on map pages visited: 4M pages is a 16 GiB map at 4 KiB. */
static const size_t MAX_NODES = (size_t)1 << 22;

struct walk {
	struct ki_dump *d;
	struct ki_map *m;
	struct ki_findings *f;
	struct ki_pageset seen;
	unsigned int psh, t, b, o0;
	uint64_t *bufs[8];  /* one table buffer per level */
	bool stop;          /* allocation failure or node limit */
	struct ki_error *err;
};

/* Turn the key range of one leaf into leaf records of a single order. */
static void record_leaf(struct walk *w, uint64_t pa, uint64_t base_key)
{
	struct ki_leaf l = { .bitmap_pa = pa };
	unsigned int nb = 1u << w->b;

	if (base_key >> w->b) {
		unsigned int msb = 63 - (unsigned int)__builtin_clzll(base_key);

		l.order = w->o0 - msb;
		l.phys_base = (base_key ^ (UINT64_C(1) << msb)) << (64 - msb);
		l.nbits = nb;
		w->err = ki_map_add_leaf(w->m, &l);
		return;
	}
	/*
	 * Every table index is 0: the keys in this leaf are below 2^B, i.e.
	 * orders above ORDER_0 - B (block sizes of 2^(64-B) bytes and more).
	 * No kernel writes them; keep the leaf so set bits become findings.
	 */
	l.invalid = true;
	l.nbits = nb;
	w->err = ki_map_add_leaf(w->m, &l);
}

/* Check a pointer found in a table; false when it must not be followed. */
static bool check_pointer(struct walk *w, uint64_t parent, uint64_t idx,
			  uint64_t child, unsigned int level)
{
	const char *what = level == 0 ? "leaf" : "table";
	uint64_t ps = w->m->page_size;
	int r;

	if (child & (ps - 1)) {
		ki_findings_add(w->f, KI_SEV_ERROR, "map-pointer-unaligned", true, child,
				"radix table at 0x%" PRIx64 " entry %" PRIu64 ": %s pointer 0x%" PRIx64
				" is not aligned to the 0x%" PRIx64 "-byte page; subtree skipped",
				parent, idx, what, child, ps);
		w->m->errors++;
		return false;
	}
	if (!ki_memreader_contains(&w->d->mem, child, ps)) {
		bool filtered = ki_memreader_describes(&w->d->mem, child);

		ki_findings_add(w->f, KI_SEV_ERROR, ki_memreader_missing_id(&w->d->mem, child),
				true, child,
				"radix table at 0x%" PRIx64 " entry %" PRIu64 ": %s page 0x%" PRIx64 " %s; subtree skipped",
				parent, idx, what, child,
				filtered ? "was filtered out of the dump (the dump level excluded it)"
					 : "is outside the memory the dump holds (a hole, or a corrupt pointer)");
		w->m->errors++;
		return false;
	}
	if (w->seen.n >= MAX_NODES) {
		ki_findings_add(w->f, KI_SEV_ERROR, "map-too-large", true, child,
				"radix map has more than %zu pages; walk stopped", MAX_NODES);
		w->m->errors++;
		w->stop = true;
		return false;
	}
	r = ki_pageset_add(&w->seen, child);
	if (r < 0) {
		w->err = &ki_enomem;
		w->stop = true;
		return false;
	}
	if (r == 0) {
		ki_findings_add(w->f, KI_SEV_ERROR, "map-cycle", true, child,
				"radix table at 0x%" PRIx64 " entry %" PRIu64 ": %s page 0x%" PRIx64
				" was already visited (cycle or shared node); not followed again",
				parent, idx, what, child);
		w->m->errors++;
		return false;
	}
	return true;
}

static void walk_table(struct walk *w, uint64_t pa, unsigned int level,
		       uint64_t prefix)
{
	uint64_t *tbl = w->bufs[level];
	size_t n = w->m->page_size / 8;
	unsigned int shift = level_shift(level, w->psh);
	uint64_t max_index = n - 1;
	struct ki_error *err;

	if (level == w->m->depth - 1) {
		/* Keys are < 2^(ORDER_0 + 1): bounds the root index (to 0 when
		 * a --radix-depth deeper than needed puts the root above it). */
		uint64_t lim = shift > w->o0 ? 0 : ((UINT64_C(2) << w->o0) - 1) >> shift;

		if (lim < max_index)
			max_index = lim;
	}
	err = ki_memreader_read(&w->d->mem, pa, tbl, w->m->page_size);
	if (err) {
		ki_findings_add(w->f, KI_SEV_ERROR,
				err->code == KI_ERR_NODATA ? "not-in-dump" : "map-read-error",
				true, pa, "radix table (level %u) at 0x%" PRIx64 ": %s",
				level, pa, err->message);
		w->m->errors++;
		ki_error_destroy(err);
		return;
	}
	w->m->tables++;
	if (ki_map_add_page(w->m, pa)) {
		w->err = &ki_enomem;
		w->stop = true;
		return;
	}
	for (size_t i = 0; i < n && !w->stop; i++) {
		uint64_t child = ki_dump_u64(w->d, &tbl[i]);
		uint64_t key = prefix | ((uint64_t)i << shift);

		if (!child)
			continue;
		if (i > max_index) {
			ki_findings_add(w->f, KI_SEV_ERROR, "key-out-of-range", true, pa,
					"radix root at 0x%" PRIx64 " entry %zu is set (-> 0x%" PRIx64
					"), but keys never exceed bit %u, so the root index is at most %" PRIu64
					"; subtree skipped",
					pa, i, child, w->o0, max_index);
			w->m->errors++;
			continue;
		}
		if (!check_pointer(w, pa, i, child, level - 1))
			continue;
		if (level == 1) {
			if (ki_map_add_page(w->m, child)) {
				w->err = &ki_enomem;
				w->stop = true;
				break;
			}
			record_leaf(w, child, key);
			if (w->err)
				w->stop = true;
		} else {
			walk_table(w, child, level - 1, key);
		}
		/* walk_table reuses bufs[level - 1]; ours is untouched. */
	}
}

struct ki_error *ki_radix_collect(struct ki_dump *d, uint64_t root, uint64_t page_size,
				  unsigned int depth, struct ki_findings *f,
				  struct ki_map **ret)
{
	struct walk w = { .d = d, .f = f };
	struct ki_error *err;
	struct ki_map *m;
	unsigned int psh;

	if (!page_size)
		return ki_error_create(KI_ERR_USAGE, "radix walk needs a page size");
	psh = (unsigned int)__builtin_ctzll(page_size);
	if (depth < 2 || depth > 8 || level_shift(depth - 1, psh) >= 64)
		return ki_error_create(KI_ERR_USAGE,
				       "radix depth %u is impossible with %" PRIu64 "-byte pages",
				       depth, page_size);
	err = ki_map_create("radix", d, root, page_size, &m);
	if (err)
		return err;
	m->depth = depth;
	w.m = m;
	w.psh = psh;
	w.t = ki_radix_table_bits(psh);
	w.b = ki_radix_bitmap_bits(psh);
	w.o0 = ki_radix_order0(psh);
	for (unsigned int i = 1; i < depth; i++) {
		w.bufs[i] = malloc(page_size);
		if (!w.bufs[i]) {
			w.err = &ki_enomem;
			goto out;
		}
	}
	if (root == 0) {
		ki_findings_add(f, KI_SEV_ERROR, "map-pointer-zero", false, 0,
				"preserved-memory-map is 0: a radix map is never empty (the kernel rejects this hand-over)");
		m->errors++;
	} else if (root & (page_size - 1)) {
		ki_findings_add(f, KI_SEV_ERROR, "map-pointer-unaligned", true, root,
				"preserved-memory-map 0x%" PRIx64 " is not aligned to the 0x%" PRIx64 "-byte page",
				root, page_size);
		m->errors++;
	} else if (!ki_memreader_contains(&d->mem, root, page_size)) {
		ki_findings_add(f, KI_SEV_ERROR, ki_memreader_missing_id(&d->mem, root), true, root,
				"radix root 0x%" PRIx64 " (preserved-memory-map) %s; no block can be listed",
				root, ki_memreader_describes(&d->mem, root) ?
				"was filtered out of the dump (the dump level excluded it)" :
				"is outside the memory the dump holds");
		m->errors++;
	} else if (ki_pageset_add(&w.seen, root) < 0) {
		w.err = &ki_enomem;
	} else {
		walk_table(&w, root, depth - 1, 0);
	}
	if (!w.err)
		ki_map_sort_leaves(m);
out:
	for (unsigned int i = 1; i < depth; i++)
		free(w.bufs[i]);
	ki_pageset_deinit(&w.seen);
	if (w.err) {
		ki_map_destroy(m);
		return w.err;
	}
	*ret = m;
	return NULL;
}
