/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding the KHO FDT in a dump, and deciding the page size. */
#ifndef KI_LOCATE_H
#define KI_LOCATE_H

#include <stdbool.h>
#include <stdint.h>

#include "ki_debugfs.h"
#include "ki_dump.h"
#include "ki_fdt.h"
#include "ki_finding.h"
#include "ki_map.h"

enum { KI_MAX_CANDIDATES = 64, KI_MAX_SCRATCH_HINTS = 16 };

/* Where a hand-over's scratch array was found pointing from. */
struct ki_scratch_hint {
	uint64_t at;             /* address of the record */
	uint64_t fdt_addr;
	uint64_t scratch_addr, scratch_size;
	bool dtb;                /* /chosen of a boot DTB, else x86 setup_data */
};

struct ki_candidate {
	uint64_t paddr;
	uint32_t totalsize;
	char compatible[64];
	uint32_t ps_mask;        /* page sizes it could belong to */
	uint32_t clean_mask;     /* page sizes with which its map decodes cleanly */
	uint64_t blocks;         /* blocks decoded with the best page size */
	bool has_map;
	uint64_t map_phys;
	bool has_meta;           /* kexec-metadata read from the dump */
	uint32_t kexec_count;
	char release[66];
	unsigned int rank;       /* 1 = most likely the live hand-over */
};

struct ki_scan {
	struct ki_candidate cands[KI_MAX_CANDIDATES];
	size_t n;
	size_t dropped;          /* candidates beyond KI_MAX_CANDIDATES */
	struct ki_scratch_hint hints[KI_MAX_SCRATCH_HINTS];
	size_t nhints;
	uint64_t bytes;          /* bytes of memory scanned */
};

typedef void (*ki_progress_fn)(void *arg, uint64_t done, uint64_t total);

struct ki_locate_options {
	bool fdt_phys_set;
	uint64_t fdt_phys;
	struct ki_map_options map;
	ki_progress_fn progress;
	void *progress_arg;
};

/*
 * Scan, evaluate every candidate (map decodes cleanly with which page
 * sizes, kexec-metadata) and rank them: clean first, then the highest
 * kexec count, then the most blocks. *ret is freed with free().
 */
struct ki_error *ki_locate_scan(struct ki_dump *d, const struct ki_locate_options *o,
				struct ki_scan **ret);

/* Page-aligned scan of every byte the dump holds for KHO root FDTs. */
struct ki_error *ki_scan_fdts(struct ki_dump *d, ki_progress_fn progress,
			      void *arg, struct ki_scan *ret);

/*
 * Choose the KHO FDT (given or by scan) and settle the page size if the
 * dump did not. *found_by is a static or malloc'd description
 * (free with free()). On ambiguity returns KI_ERR_USAGE listing candidates.
 */
struct ki_scratch_found {
	struct ki_scratch *areas;    /* malloc'd */
	size_t n;                    /* areas of non-zero size */
	char *source;                /* malloc'd description */
	bool unfilled;               /* the array was found, but all zeros */
};

/*
 * When scratch is not NULL and the scan saw an x86 setup_data
 * SETUP_KEXEC_KHO record or a boot DTB /chosen naming the chosen FDT, the
 * scratch areas are read from the array it points to.
 */
struct ki_error *ki_locate(struct ki_dump *d, const struct ki_locate_options *o,
			   struct ki_findings *f, struct ki_kho **kho_ret,
			   char **found_by_ret, struct ki_scratch_found *scratch);

/*
 * ki_locate, and what it decoded of the FDT it chose: when it had to
 * evaluate candidates (several, or the page size unknown), each was
 * decoded once per page size, and the decode of the chosen one with the
 * page size settled is handed out here instead of thrown away: the map
 * (the caller's to destroy) and the findings of decoding it, as
 * ki_map_open with the same options would give them. map NULL: nothing
 * was decoded (one candidate, page size known); decode it then. The page
 * sizes are tried without writing them into d.
 */
struct ki_located_map {
	struct ki_map *map;
	struct ki_findings findings;
};
struct ki_error *ki_locate_map(struct ki_dump *d, const struct ki_locate_options *o,
			       struct ki_findings *f, struct ki_kho **kho_ret,
			       char **found_by_ret, struct ki_scratch_found *scratch,
			       struct ki_located_map *map_ret);

/* Settle an undecided page size for a KHO FDT that did not come from the
 * dump (debugfs): the page size its map decodes cleanly with. */
void ki_settle_page_size_kho(struct ki_dump *d, const struct ki_kho *k,
			     const struct ki_map_options *mo, struct ki_findings *f);

#endif
