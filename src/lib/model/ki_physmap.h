/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A picture of physical memory as a grid: rows of equal, aligned spans of
 * addresses, only where something is (RAM the dump describes, scratch, a
 * preserved block, the map, the FDT, a blob; holes between are elided),
 * each row cut into cells of a power-of-two size. Every cell gets the
 * class it shows: the hand-over's own pages before preserved blocks,
 * preserved blocks (by order or by owner) before scratch, scratch before
 * RAM, excluded pages and holes; within a tier the class with the most
 * bytes. So one 4 KiB block in a 1 TiB map still colours its cell.
 * Renderers (cmd_map.c) only draw the cells.
 */
#ifndef KI_PHYSMAP_H
#define KI_PHYSMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ki_debugfs.h"
#include "ki_error.h"
#include "ki_fdt.h"
#include "ki_map.h"
#include "ki_memreader.h"
#include "ki_owner.h"

/* Fixed classes; preserved classes follow from KI_PM_PRESERVED. */
enum {
	KI_PM_HOLE, KI_PM_EXCLUDED, KI_PM_RAM, KI_PM_SCRATCH,
	KI_PM_MAP, KI_PM_FDT, KI_PM_BLOB,
	KI_PM_PRESERVED,
	KI_PM_MAX_PRESERVED = 16,
	KI_PM_CLASSES = KI_PM_PRESERVED + KI_PM_MAX_PRESERVED,
};

/* For diff: the same tiers, the classes of a comparison. */
enum { KI_PM_ONLY_A = KI_PM_PRESERVED, KI_PM_ONLY_B, KI_PM_CHANGED };

struct ki_pm_class {
	char label[64];
	uint64_t bytes;              /* bytes of this class in the whole picture */
};

struct ki_physmap {
	unsigned int cell_shift;     /* a cell is 2^cell_shift bytes */
	uint64_t row_bytes;          /* ncols cells */
	size_t ncols, nrows;
	uint64_t *rows;              /* each row's first address, increasing */
	uint8_t *cells;              /* nrows * ncols classes */
	struct ki_pm_class classes[KI_PM_CLASSES];
	size_t nclasses;
	/* while building */
	uint64_t *counts;            /* nrows * ncols * KI_PM_CLASSES bytes */
	const struct ki_owners *owners;
	uint32_t owner_label[KI_PM_MAX_PRESERVED]; /* label of each owner class */
	int order_class[KI_ORDERS];
	size_t hint;                 /* the row the last add started in */
};

struct ki_physmap_input {
	struct ki_map *m;            /* NULL for a diff picture */
	const struct ki_memreader *mem;
	const struct ki_scratch *scratch;
	size_t nscratch;
	const struct ki_kho *k;
	const struct ki_owners *owners; /* colour by owner, else by order */
	size_t ncols, max_rows;
	uint64_t page_size;
};

/* The layout: rows where anything is, from the fixed areas and the map's
 * runs (one pass). Then the classes of every cell. */
struct ki_error *ki_physmap_build(const struct ki_physmap_input *in,
				  struct ki_physmap *ret);
void ki_physmap_deinit(struct ki_physmap *pm);

/*
 * For pictures of other things (diff): lay out rows over the given
 * intervals (sorted or not, [start, last]), then add classes and finish.
 */
struct ki_physmap_layout;
struct ki_error *ki_physmap_layout_create(unsigned int min_shift,
					  struct ki_physmap_layout **ret);
struct ki_error *ki_physmap_layout_add(struct ki_physmap_layout *lo, uint64_t start,
				       uint64_t last);
void ki_physmap_layout_destroy(struct ki_physmap_layout *lo);
struct ki_error *ki_physmap_rows(struct ki_physmap_layout *lo, size_t ncols,
				 size_t max_rows, unsigned int min_cell_shift,
				 struct ki_physmap *ret);
void ki_physmap_add(struct ki_physmap *pm, unsigned int cls, uint64_t start,
		    uint64_t last);
void ki_physmap_set_label(struct ki_physmap *pm, unsigned int cls, const char *label);
/* The background of the dump (segments) and the hand-over's fixed areas. */
void ki_physmap_add_memory(struct ki_physmap *pm, const struct ki_memreader *mem);
void ki_physmap_finish(struct ki_physmap *pm);

/*
 * Bytes per class in power-of-two granules, in bounded memory (the granules
 * double when there are too many): for pictures of ranges that come in no
 * particular order (diff's only in A, only in B, changed).
 */
struct ki_pm_buckets;
struct ki_error *ki_pm_buckets_create(unsigned int min_shift, struct ki_pm_buckets **ret);
/* [start, end) of class cls (KI_PM_PRESERVED...); false when out of memory. */
bool ki_pm_buckets_add(struct ki_pm_buckets *b, unsigned int cls, uint64_t start,
		       uint64_t end);
void ki_pm_buckets_destroy(struct ki_pm_buckets *b);
/* The picture of the buckets over the memory of up to two dumps (NULL
 * when a side is a manifest). Labels of the classes are the caller's. */
struct ki_error *ki_physmap_from_buckets(struct ki_pm_buckets *b,
					 const struct ki_memreader *mem_a,
					 const struct ki_memreader *mem_b,
					 size_t ncols, size_t max_rows,
					 struct ki_physmap *ret);

#endif
