/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The map's storage, what the format decoders (radix_decode.c,
 * chunks_decode.c) fill and the model (map.c: counting, runs, merges)
 * reads: the preserved-memory map as a list of bitmap "leaves", each a
 * run of bits of one order, bit i meaning the block at
 * phys_base + (i << (order + page_shift)) is preserved; and the pages the
 * map itself occupies. map_store.c owns it: create, add, sort, destroy.
 */
#ifndef KI_MAP_STORE_H
#define KI_MAP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ki_dump.h"
#include "ki_error.h"
#include "ki_finding.h"

enum { KI_ORDERS = 64 };

/* kho-v1 bitmap size choice: 0 = decide from the data. */
enum ki_v1_bitmap { KI_V1_BITMAP_AUTO = 0, KI_V1_BITMAP_512 = 512, KI_V1_BITMAP_PAGE = 1 };

struct ki_leaf {
	uint64_t bitmap_pa;  /* bitmap start (bit 0) */
	uint64_t phys_base;  /* block address of bit 0 */
	uint32_t nbits;      /* bits, a multiple of 64 (whole u64 words) */
	uint32_t order;
	bool invalid;        /* keys here are not real blocks (findings only) */
	bool unreadable;     /* read failed during counting */
	uint64_t nset;       /* set bits (after ki_map_count) */
	uint64_t chunk;      /* kho-v1: the chunk page naming this bitmap; 0 for radix */
	uint32_t last;       /* its last set bit (after ki_map_count, when nset) */
};

struct ki_map {
	const char *kind;            /* "radix" or "chunks" */
	struct ki_dump *dump;
	uint64_t root;
	uint64_t page_size;
	unsigned int page_shift;
	unsigned int depth;          /* radix: levels including the leaf */
	const char *depth_source;
	struct ki_leaf *leaves;
	size_t nleaves, cap;
	uint64_t tables;             /* radix: table pages visited */
	uint64_t chunks;             /* chunks: chunk pages visited */
	uint32_t bitmap_bytes;       /* chunks: 512 or the page size */
	const char *bitmap_source;   /* chunks: why that bitmap size */
	uint64_t blocks[KI_ORDERS];  /* after ki_map_count */
	uint64_t total_blocks;
	size_t errors;               /* error findings raised by this map */
	size_t key_errors;           /* of which: keys that are no block (bad order) */
	uint64_t *pages;             /* every page the map itself occupies */
	size_t npages, pages_cap;
};

/* A new empty map of kind ("radix", "chunks") over d at root, read with
 * page_size. */
struct ki_error *ki_map_create(const char *kind, struct ki_dump *d, uint64_t root,
			       uint64_t page_size, struct ki_map **ret);
/* Append a leaf. */
struct ki_error *ki_map_add_leaf(struct ki_map *m, const struct ki_leaf *l);
/* Record a page the map occupies (table, leaf, chunk, bitmap page). */
struct ki_error *ki_map_add_page(struct ki_map *m, uint64_t pa);
/* Order leaves by (order, address): the order runs are emitted in. */
void ki_map_sort_leaves(struct ki_map *m);
/* Free; NULL is a no-op. */
void ki_map_destroy(struct ki_map *m);

/* Radix geometry for a page shift (12, 14, 16). */
unsigned int ki_radix_order0(unsigned int page_shift);
unsigned int ki_radix_table_bits(unsigned int page_shift);
unsigned int ki_radix_bitmap_bits(unsigned int page_shift);
/* Depth of the tree written by 7.1-final and later kernels. */
unsigned int ki_radix_fixed_depth(unsigned int page_shift);
/* Encode / decode one block key (docs/formats.md §2.4). decode: false for key 0. */
uint64_t ki_radix_key(uint64_t pa, unsigned int order, unsigned int page_shift);
bool ki_radix_key_decode(uint64_t key, unsigned int page_shift,
			 uint64_t *pa_ret, unsigned int *order_ret);
/* Index of a key at table level L (1 = lowest table); L = 0: leaf bit. */
uint64_t ki_radix_index(uint64_t key, unsigned int level,
			unsigned int page_shift);

/*
 * Walk the radix tree at root: visit every table once, record leaves,
 * report every bad pointer as a finding and go on. Errors returned only for
 * allocation failures and impossible parameters.
 */
struct ki_error *ki_radix_collect(struct ki_dump *d, uint64_t root, uint64_t page_size,
				  unsigned int depth, struct ki_findings *f,
				  struct ki_map **ret);

/*
 * Walk a kho-v1 chunk list at head: bounded (cycles, alignment, presence,
 * num_elms, chain length), bitmap size decided from the data unless given.
 */
struct ki_error *ki_chunks_collect(struct ki_dump *d, uint64_t head, uint64_t page_size,
				   enum ki_v1_bitmap bitmap,
				   struct ki_findings *f, struct ki_map **ret);

#endif
