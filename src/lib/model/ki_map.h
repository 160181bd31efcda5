/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The preserved-memory map, whatever its format, as a list of bitmap
 * "leaves": each leaf is a run of bits of one order, bit i meaning the block
 * at phys_base + (i << (order + page_shift)) is preserved.
 */
#ifndef KI_MAP_H
#define KI_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ki_dump.h"
#include "ki_error.h"
#include "ki_finding.h"
#include "ki_map_store.h"
#include "ki_pipe.h"


/* A run of adjacent blocks of one order. */
struct ki_run {
	uint64_t pa, n;              /* first block, number of blocks */
	unsigned int order;
};

/*
 * A resumable scan of leaves [leaf, end) (of one order, or only_order >= 0):
 * each fill hands out up to max complete runs, coalesced across words and
 * leaves, in leaf order; 0 at the end.
 */
struct ki_run_cursor {
	struct ki_map *m;
	size_t leaf, end;
	int only_order;
	uint64_t *words;             /* the loaded leaf, host order */
	size_t cap, nw;
	uint32_t *rs, *re;           /* its runs: first bit, bit after the last */
	size_t rcap, nr, ri;         /* ri: the next run to hand out */
	bool loaded;
	unsigned int s;              /* order + page shift of the leaf */
	bool fit;                    /* every bit's block fits in 64 bits */
	uint64_t base;
	bool active;                 /* cur is a run still growing */
	struct ki_run cur;
	uint64_t cur_end;
	bool nomem;                  /* it ended early: out of memory (not an
				      * unreadable rest: callers fail with
				      * KI_ERR_NOMEM) */
};

void ki_run_cursor_init(struct ki_run_cursor *c, struct ki_map *m, size_t leaf,
			size_t end, int only_order);
size_t ki_run_cursor_fill(struct ki_run_cursor *c, struct ki_run *out, size_t max);
void ki_run_cursor_deinit(struct ki_run_cursor *c);

/*
 * The same leaves as whole words at absolute positions, for callers that
 * combine two maps bit by bit (diff): word i holds the blocks
 * (w0 + i) * 64 ... + 63 of its order, in units of its block size.
 */
struct ki_leaf_words {
	const uint64_t *words;       /* host order */
	size_t nw;
	uint64_t w0;
	unsigned int order;
};

/* Whether every listed leaf can be taken as words: its blocks fit in 64
 * bits, its bit 0 is a block whose index is a multiple of 64, and the
 * leaves of one order cover disjoint words in increasing order. */
bool ki_map_words_ok(const struct ki_map *m);
/* Leaf li as words (ki_map_words_ok maps): w0 and nw as in
 * ki_leaf_words; false for a leaf not listed (invalid, unreadable). */
bool ki_map_leaf_span(const struct ki_map *m, size_t li, uint64_t *w0, size_t *nw);
/* Word wi of leaf li in host order, as the cursors see it; false when
 * unreadable. */
bool ki_map_leaf_word(const struct ki_map *m, size_t li, size_t wi, uint64_t *w);
/* The next listed leaf of a cursor (its own range, any only_order) as
 * words, valid until the next call; false at the end. Use instead of
 * ki_run_cursor_fill, not with it. */
bool ki_run_cursor_next_leaf(struct ki_run_cursor *c, struct ki_leaf_words *lw);

/*
 * Pull-based iteration over the runs of every order merged in address
 * order (then order): what overlap and coverage checks need, in memory
 * bounded by the number of orders.
 */
enum { KI_MERGE_BATCH = 64 };

struct ki_order_iter {
	struct ki_run_cursor c;
	struct ki_run *runs;         /* KI_MERGE_BATCH, filled from c */
	size_t pos, count;           /* runs[pos] is the next run when pos < count */
	unsigned int order;
};

struct ki_merge {
	struct ki_map *m;
	struct ki_order_iter its[KI_ORDERS + 1]; /* + the invalid leaves */
	size_t nits;
	size_t cur;                  /* by order: streams before it are done */
	bool nomem;                  /* a stream could not be set up */
};

void ki_merge_init(struct ki_merge *it, struct ki_map *m);
/* false at the end. */
bool ki_merge_next(struct ki_merge *it, uint64_t *pa, unsigned int *order,
		   uint64_t *nblocks);
void ki_merge_deinit(struct ki_merge *it);
/* Whether the merge ended (or will end) early for want of memory. */
bool ki_merge_nomem(const struct ki_merge *it);
/* The same streams taken one order after the other: runs by (order,
 * address), pull-based. Use instead of ki_merge_next, not with it. */
bool ki_merge_next_by_order(struct ki_merge *it, uint64_t *pa,
			    unsigned int *order, uint64_t *nblocks);

struct ki_kho;

struct ki_map_options {
	unsigned int radix_depth;    /* 0 = decide (by page size, from data at 16K) */
	enum ki_v1_bitmap v1_bitmap;
	uint64_t page_size;          /* 0: the dump's */
};

/*
 * Decode the memory map of a loaded KHO FDT, whatever its format, and count
 * its blocks. Unsupported formats and a missing map are errors; everything
 * wrong inside the map is a finding.
 */
struct ki_error *ki_map_open(struct ki_dump *d, const struct ki_kho *k,
			     const struct ki_map_options *mo,
			     struct ki_findings *f, struct ki_map **ret);

/*
 * The root FDT page must be a preserved block of the map (every writer of
 * a map does so; a kho-v1 FDT whose map pointer is 0 has none yet): an
 * error finding "fdt-not-preserved" with a --base/--page-size hint, and
 * m->errors counts it, when it is not.
 */
void ki_map_check_fdt_page(struct ki_map *m, const struct ki_kho *k, struct ki_findings *f);
/* The test behind it: true when the FDT page is a block, or nothing says
 * it must be. */
bool ki_map_holds_fdt_page(const struct ki_map *m, const struct ki_kho *k);

/* Read every leaf, count blocks per order; bad leaves become findings. */
void ki_map_count(struct ki_map *m, struct ki_findings *f);
/* The end of the highest preserved block (after ki_map_count), 0 when
 * none (every listed block ends below 2^64). */
uint64_t ki_map_max_end(const struct ki_map *m);

/*
 * Call fn for every maximal run of adjacent same-order blocks, ordered by
 * order then address; only_order < 0 means all orders. Stops early and
 * returns fn's non-zero value.
 */
typedef int (*ki_run_fn)(void *arg, uint64_t pa, unsigned int order,
			 uint64_t nblocks);
/* What the foreach functions return when the runs ended early for want of
 * memory (fn's own values should be >= 0). */
enum { KI_RUNS_NOMEM = -12 };
int ki_map_foreach_run(struct ki_map *m, int only_order, ki_run_fn fn,
		       void *arg);

/* The same runs handed over in batches of up to KI_RUN_BATCH (hot paths:
 * millions of runs, one call per batch). */
enum { KI_RUN_BATCH = 256 };

typedef int (*ki_runs_fn)(void *arg, const struct ki_run *runs, size_t n);
int ki_map_foreach_runs(struct ki_map *m, int only_order, ki_runs_fn fn,
			void *arg);
/* The same, the runs found by a helper thread when ki_pipe_wanted: fn must
 * not read the dump (it runs while the helper does). */
int ki_map_foreach_runs_piped(struct ki_map *m, int only_order, enum ki_threads threads,
			      ki_runs_fn fn, void *arg);

#endif
