/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Answering "is this address preserved, and by what?" for many addresses
 * at once: the queries are sorted and met by one pass over each order's
 * runs (the run cursor of ki_map.h), so a lookup never lists the map per
 * address and its memory is the queries' own.
 */
#ifndef KI_LOOKUP_H
#define KI_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ki_error.h"
#include "ki_map.h"
#include "ki_memreader.h"

/* A run of preserved blocks, its last byte inclusive (no wrap at 2^64). */
struct ki_lookup_run {
	bool valid;
	unsigned int order;
	uint64_t start, last, blocks;
};

struct ki_lookup {
	uint64_t start, last;          /* the query: [start, last], inclusive */
	/* answers, filled by ki_lookup_runs */
	uint64_t preserved_bytes;      /* bytes of the query in preserved blocks */
	uint64_t nruns;                /* runs overlapping the query */
	struct ki_lookup_run cover;    /* the run holding start (lowest order) */
	unsigned int covers;           /* orders whose blocks hold start (> 1: overlap) */
	struct ki_lookup_run below;    /* the nearest run ending before start */
	struct ki_lookup_run above;    /* the nearest run starting after last */
};

/* Queries answered in one batch at most (bounded memory for stdin). */
enum { KI_LOOKUP_BATCH = 1 << 16 };

/*
 * Answer q[0, n) (any order, overlapping ranges allowed) with one pass over
 * every order's runs. Errors only for allocation failures.
 */
struct ki_error *ki_lookup_runs(struct ki_map *m, struct ki_lookup *q, size_t n);

/* Where in the map a block is recorded. */
struct ki_map_place {
	uint64_t bitmap;               /* the leaf's bitmap */
	uint64_t chunk;                /* kho-v1: the chunk naming it, else 0 */
	uint64_t bit;                  /* the block's bit in it */
};

/* The leaf recording the block of the given order at pa (a block start);
 * false when no listed leaf covers it. */
bool ki_map_place_of(const struct ki_map *m, uint64_t pa, unsigned int order,
		     struct ki_map_place *ret);

/* The map's own pages sorted, for ki_map_pages_has (caller frees). */
struct ki_error *ki_map_pages_sorted(const struct ki_map *m, uint64_t **ret);
bool ki_map_pages_has(const uint64_t *sorted, size_t n, uint64_t page_size,
		      uint64_t pa);

/* What the dump holds at an address. */
enum ki_mem_class {
	KI_MEM_RAM,        /* stored in the dump */
	KI_MEM_EXCLUDED,   /* a segment describes it but the dump lacks it */
	KI_MEM_HOLE,       /* no segment describes it */
};
enum ki_mem_class ki_mem_class_of(const struct ki_memreader *r, uint64_t pa);
const char *ki_mem_class_name(enum ki_mem_class c);

#endif
