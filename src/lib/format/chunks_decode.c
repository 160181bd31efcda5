// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kho-v1 (Linux 6.16–7.0): a singly linked list of one-page chunks, each
 * {u64 next; u32 order; u32 num_elms; {u64 phys_start, u64 bitmap}[]}.
 * Bitmaps are 512 bytes (6.16, slab objects) or one page (later), under the
 * same compatible string: the size is decided from the data.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ki_map_store.h"
#include "ki_pageset.h"

/* A chain longer than this is corrupt: 1M chunks describe petabytes. */
static const uint64_t MAX_CHUNKS = 1 << 20;

struct entry {
	uint64_t phys_start, bitmap;
	uint32_t order;
	uint64_t chunk;
};

static bool multiple_of_span(uint64_t phys_start, uint64_t bits,
			     unsigned int shift)
{
	/* span = bits << shift; shift may make it exceed 2^64 */
	unsigned int lb = (unsigned int)__builtin_ctzll(bits);

	if (lb + shift >= 64)
		return phys_start == 0;
	return (phys_start & ((bits << shift) - 1)) == 0;
}

/* Pick the bitmap size; returns 512 or page size, 0 if neither fits. */
static uint32_t decide_bitmap(const struct ki_map *m, const struct entry *e,
			      size_t n, const char **why)
{
	uint64_t ps = m->page_size;
	bool fit512 = true, fitpage = true, shared_page = false;

	for (size_t i = 0; i < n; i++) {
		unsigned int sh = e[i].order + m->page_shift;

		if (!e[i].bitmap)
			continue; /* reported when the entries are turned into leaves */

		if (e[i].bitmap & 511)
			fit512 = false;
		if (e[i].bitmap & (ps - 1))
			fitpage = false;
		if (!multiple_of_span(e[i].phys_start, 4096, sh))
			fit512 = false;
		if (!multiple_of_span(e[i].phys_start, ps * 8, sh))
			fitpage = false;
	}
	/* Two bitmaps inside one page can only be 512-byte slab objects. */
	for (size_t i = 1; i < n && fitpage; i++)
		for (size_t j = 0; j < i && j < 64; j++)
			if ((e[i].bitmap & ~(ps - 1)) == (e[i - 1 - j].bitmap & ~(ps - 1)) &&
			    e[i].bitmap != e[i - 1 - j].bitmap)
				shared_page = true;
	if (shared_page)
		fitpage = false;
	if (fitpage && fit512) {
		*why = "page-sized: every bitmap pointer is page aligned and every phys_start a multiple of the page bitmap's span (512-byte bitmaps would give the same blocks unless bits above 4095 are set)";
		return (uint32_t)ps;
	}
	if (fitpage) {
		*why = "page-sized: every bitmap is page aligned and some phys_start is a multiple only of the page bitmap's span";
		return (uint32_t)ps;
	}
	if (fit512) {
		*why = shared_page ? "512 bytes (6.16 layout): several bitmaps share a page"
				   : "512 bytes (6.16 layout): bitmap pointers or phys_start values fit only 512-byte bitmaps";
		return 512;
	}
	*why = "neither size fits: bitmap pointers or phys_start values are misaligned for both";
	return 0;
}

static struct ki_error *push(struct entry **v, size_t *n, size_t *cap,
			     const struct entry *e)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		void *p = reallocarray(*v, c, sizeof(**v));

		if (!p)
			return &ki_enomem;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = *e;
	return NULL;
}

struct ki_error *ki_chunks_collect(struct ki_dump *d, uint64_t head, uint64_t page_size,
				   enum ki_v1_bitmap bitmap,
				   struct ki_findings *f, struct ki_map **ret)
{
	struct ki_error *err = NULL;
	struct entry *ents = NULL;
	size_t nents = 0, cap = 0;
	unsigned char *page = NULL;
	struct ki_pageset seen = { 0 };
	uint64_t pa = head, ps = page_size, max_elms;
	uint32_t prev_order = 0;
	struct ki_map *m;
	uint32_t bbytes;
	const char *why;

	err = ki_map_create("chunks", d, head, ps, &m);
	if (err)
		return err;
	max_elms = (ps - 16) / 16;
	page = malloc(ps);
	if (!page) {
		err = &ki_enomem;
		goto out;
	}
	while (pa) {
		uint32_t order, n;
		int r;

		if (m->chunks >= MAX_CHUNKS) {
			ki_findings_add(f, KI_SEV_ERROR, "v1-chain-too-long", true, pa,
					"kho-v1 chunk list longer than %" PRIu64 " chunks; stopped at 0x%" PRIx64,
					MAX_CHUNKS, pa);
			m->errors++;
			break;
		}
		if (pa & (ps - 1)) {
			ki_findings_add(f, KI_SEV_ERROR, "map-pointer-unaligned", true, pa,
					"kho-v1 chunk pointer 0x%" PRIx64 " (chunk #%" PRIu64 ") is not page aligned; list cut here",
					pa, m->chunks);
			m->errors++;
			break;
		}
		r = ki_pageset_add(&seen, pa);
		if (r < 0) {
			err = &ki_enomem;
			goto out;
		}
		if (r == 0) {
			ki_findings_add(f, KI_SEV_ERROR, "map-cycle", true, pa,
					"kho-v1 chunk list loops back to chunk 0x%" PRIx64 " after %" PRIu64 " chunks; list cut here",
					pa, m->chunks);
			m->errors++;
			break;
		}
		err = ki_memreader_read(&d->mem, pa, page, ps);
		if (err) {
			ki_findings_add(f, KI_SEV_ERROR,
					err->code != KI_ERR_NODATA ? "map-read-error" :
					ki_memreader_missing_id(&d->mem, err->paddr),
					true, pa, "kho-v1 chunk #%" PRIu64 " at 0x%" PRIx64 ": %s; list cut here",
					m->chunks, pa, err->message);
			ki_error_destroy(err);
			err = NULL;
			m->errors++;
			break;
		}
		m->chunks++;
		err = ki_map_add_page(m, pa);
		if (err)
			goto out;
		order = ki_dump_u32(d, page + 8);
		n = ki_dump_u32(d, page + 12);
		if (order >= 64 - m->page_shift) { /* no u32 wrap: order is the dump's */
			ki_findings_add(f, KI_SEV_ERROR, "order-above-max", true, pa,
					"kho-v1 chunk at 0x%" PRIx64 ": order %u is impossible with %" PRIu64 "-byte pages; chunk skipped",
					pa, order, ps);
			m->errors++;
			goto next;
		}
		if (m->chunks > 1 && order < prev_order)
			ki_findings_add(f, KI_SEV_WARNING, "v1-order-decreasing", true, pa,
					"kho-v1 chunk at 0x%" PRIx64 ": order %u after order %u; the kernel writes orders in ascending order",
					pa, order, prev_order);
		prev_order = order;
		if (n > max_elms) {
			ki_findings_add(f, KI_SEV_ERROR, "v1-num-elms", true, pa,
					"kho-v1 chunk at 0x%" PRIx64 ": num_elms %u exceeds the %" PRIu64
					" entries a chunk holds; only those are read",
					pa, n, max_elms);
			m->errors++;
			n = (uint32_t)max_elms;
		}
		for (uint32_t i = 0; i < n; i++) {
			struct entry e = {
				.phys_start = ki_dump_u64(d, page + 16 + 16 * (size_t)i),
				.bitmap = ki_dump_u64(d, page + 24 + 16 * (size_t)i),
				.order = order,
				.chunk = pa,
			};

			err = push(&ents, &nents, &cap, &e);
			if (err)
				goto out;
		}
next:
		pa = ki_dump_u64(d, page);
	}

	if (bitmap == KI_V1_BITMAP_512) {
		bbytes = 512;
		why = "--v1-bitmap 512";
	} else if (bitmap == KI_V1_BITMAP_PAGE) {
		bbytes = (uint32_t)ps;
		why = "--v1-bitmap page";
	} else if (nents == 0) {
		bbytes = (uint32_t)ps;
		why = "no entries (either size)";
	} else {
		bbytes = decide_bitmap(m, ents, nents, &why);
		if (!bbytes) {
			ki_findings_add(f, KI_SEV_ERROR, "v1-bitmap-size", true, head,
					"kho-v1 map at 0x%" PRIx64 ": %s; give --v1-bitmap 512|page to decode anyway",
					head, why);
			m->errors++;
			goto done;
		}
	}
	m->bitmap_bytes = bbytes;
	m->bitmap_source = why;
	ki_findings_add(f, KI_SEV_INFO, "v1-bitmap-size", true, head,
			"kho-v1 bitmap size: %s", why);
	for (size_t i = 0; i < nents; i++) {
		const struct entry *e = &ents[i];
		struct ki_leaf l = {
			.bitmap_pa = e->bitmap,
			.phys_base = e->phys_start,
			.nbits = bbytes * 8,
			.order = e->order,
			.chunk = e->chunk,
		};
		unsigned int sh = e->order + m->page_shift;
		uint64_t align = bbytes == 512 ? 512 : ps;

		if (e->bitmap == 0) {
			ki_findings_add(f, KI_SEV_ERROR, "map-pointer-zero", true, e->chunk,
					"kho-v1 chunk at 0x%" PRIx64 ": entry for phys_start 0x%" PRIx64
					" (order %u) has bitmap pointer 0; entry skipped",
					e->chunk, e->phys_start, e->order);
			m->errors++;
			continue;
		}
		if (e->bitmap & (align - 1)) {
			ki_findings_add(f, KI_SEV_ERROR, "map-pointer-unaligned", true, e->bitmap,
					"kho-v1 chunk at 0x%" PRIx64 ": bitmap pointer 0x%" PRIx64
					" is not aligned to its %u-byte size; entry skipped",
					e->chunk, e->bitmap, bbytes);
			m->errors++;
			continue;
		}
		if (!ki_memreader_contains(&d->mem, e->bitmap, bbytes)) {
			ki_findings_add(f, KI_SEV_ERROR, ki_memreader_missing_id(&d->mem, e->bitmap),
					true, e->bitmap,
					"kho-v1 chunk at 0x%" PRIx64 ": bitmap 0x%" PRIx64 " (order %u) is not in the dump; entry skipped",
					e->chunk, e->bitmap, e->order);
			m->errors++;
			continue;
		}
		if (!multiple_of_span(e->phys_start, (uint64_t)bbytes * 8, sh))
			ki_findings_add(f, KI_SEV_ERROR, "v1-phys-start-unaligned", true, e->chunk,
					"kho-v1 chunk at 0x%" PRIx64 ": phys_start 0x%" PRIx64
					" (order %u) is not a multiple of the bitmap's span; blocks decoded from it may be misplaced",
					e->chunk, e->phys_start, e->order);
		err = ki_map_add_leaf(m, &l);
		if (err)
			goto out;
		if (!(e->bitmap & (ps - 1)) || i == 0 ||
		    (ents[i - 1].bitmap & ~(ps - 1)) != (e->bitmap & ~(ps - 1))) {
			err = ki_map_add_page(m, e->bitmap & ~(ps - 1));
			if (err)
				goto out;
		}
	}
	ki_map_sort_leaves(m);
done:
	*ret = m;
	m = NULL;
out:
	ki_map_destroy(m);
	free(ents);
	ki_pageset_deinit(&seen);
	free(page);
	return err;
}
