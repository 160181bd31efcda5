/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The diff engine: two hand-overs (each an opened dump or a snapshot
 * manifest) compared per order then by address: ranges only in A, only in
 * B, and ranges of both whose contents changed, counted per block (per
 * chunk where a manifest's chunk holds several blocks). Two dumps are
 * compared word against word of their bitmaps; anything else by one O(n)
 * merge of two sorted range streams. Memory is bounded whatever the
 * number of ranges. What could not be compared is unknown, never "same".
 */
#ifndef KI_DIFF_H
#define KI_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ki_error.h"
#include "ki_pipe.h"

struct ki_dump;
struct ki_kho;
struct ki_map;
struct ki_manifest;

/* One side, opened by the caller and kept open until ki_diff_destroy. */
struct ki_diff_side {
	const char *path;            /* for messages */
	struct ki_manifest *man;     /* a manifest (its ranges are read), or: */
	struct ki_dump *d;           /* a dump's memory, */
	const struct ki_kho *k;      /* its KHO FDT */
	struct ki_map *m;            /* and its decoded map */
	size_t map_errors;           /* error findings of its opening and decoding */
};

enum ki_diff_kind { KI_DIFF_ONLY_A = 0, KI_DIFF_ONLY_B = 1, KI_DIFF_CHANGED = 2 };

struct ki_diff_line {
	enum ki_diff_kind kind;
	unsigned int order;
	uint64_t start, end;         /* [start, end) */
	uint64_t blocks;
};

/* The differences, per order then by address, a batch of n (at most
 * KI_DIFF_BATCH) at a time: millions of them, one call per batch. */
enum { KI_DIFF_BATCH = 64 };
typedef void (*ki_diff_line_fn)(void *ctx, const struct ki_diff_line *l, size_t n);

/*
 * A helper thread for two large dumps: their maps are cut into parts no
 * run crosses and the helper takes every other one. Its lines go to a
 * context of the caller's (begin and end run in the helper thread, one
 * part at a time, slot 0 or 1 in turn); put, in the calling thread, in
 * order, says that slot's lines come now (between the lines of the parts
 * around it). begin returning NULL or end false: the calling thread does
 * that part itself.
 */
enum { KI_DIFF_SLOTS = 2 };
struct ki_diff_parts {
	void *(*begin)(void *arg, unsigned int slot);
	bool (*end)(void *arg, unsigned int slot);
	void (*put)(void *arg, unsigned int slot);
	void *arg;
};

struct ki_diff_options {
	bool hash;                   /* compare contents, not only addresses */
	bool present_only;           /* contents a side lacks are not trouble */
	ki_diff_line_fn lines;       /* NULL: count only */
	void *ctx;
	enum ki_threads threads;
	/* lines from a helper thread; NULL with a line function: no helper */
	const struct ki_diff_parts *parts;
};

enum ki_diff_status { KI_DIFF_SAME = 0, KI_DIFF_DIFFERENT = 1, KI_DIFF_INCOMPLETE = 2 };

struct ki_diff_result {
	uint64_t only[2][64];        /* blocks only in A, only in B, per order */
	uint64_t changed[64];        /* blocks (or chunks) with changed contents */
	uint64_t not_compared[64];   /* blocks of both not comparable by content */
	uint64_t absent;             /* blocks of both whose contents a side lacks */
	uint64_t unknown;            /* the sum of not_compared */
	bool compatible_differs;
	bool differ;                 /* a difference was found (certain) */
	bool by_chunk;               /* a change was counted per manifest chunk */
	size_t parts;                /* compared in two threads, in this many parts; 0: one */
	bool incomplete;             /* not everything could be compared: */
	char why[600];               /* why, "; "-separated */
	enum ki_diff_status status;  /* different, else incomplete, else same */
};

struct ki_diff;

/*
 * Check that the sides can be compared (the same page size), choose the
 * method and read the first ranges. Nothing is handed out yet.
 */
struct ki_error *ki_diff_create(struct ki_diff_side *a, struct ki_diff_side *b,
				const struct ki_diff_options *o, struct ki_diff **ret);
uint64_t ki_diff_page_size(const struct ki_diff *df);
/* The roots' compatibles. */
const char *ki_diff_compatible(const struct ki_diff *df, int side);
/*
 * Hand out every difference and fill *ret. An error (out of memory, a
 * manifest out of order): the lines so far were handed out, *ret is not
 * a result.
 */
struct ki_error *ki_diff_run(struct ki_diff *df, struct ki_diff_result *ret);
void ki_diff_destroy(struct ki_diff *df);

#endif
