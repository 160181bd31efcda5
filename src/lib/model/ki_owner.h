/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who preserved a block: the KHO FDT page, a sub-blob, or an object a
 * sub-format decoder found (memblock:trace, luo:SESSION/files, …); claims
 * come from the sub-format registry (ki_sub.h). Anything else is
 * unclaimed.
 */
#ifndef KI_OWNER_H
#define KI_OWNER_H

#include <stddef.h>
#include <stdint.h>

#include "ki_debugfs.h"
#include "ki_dump.h"
#include "ki_error.h"
#include "ki_fdt.h"
#include "ki_finding.h"

struct ki_owner {
	uint64_t start, end;   /* [start, end), whole pages */
	uint32_t label;        /* index into labels */
	uint32_t seq;          /* lower: more specific (decoded objects before blobs) */
};

struct ki_owners {
	struct ki_owner *v;    /* sorted by start, as claimed (they may overlap) */
	size_t n, cap;
	struct ki_owner *flat; /* the same made disjoint: the most specific claim
				* of each piece (what lookups use; NULL: v) */
	size_t nflat;
	char **labels;
	size_t nlabels, lcap;
	bool truncated;        /* more claims than KI_OWNERS_MAX */
};

enum { KI_OWNERS_MAX = 1 << 22 };

/*
 * Decode every sub-blob (from the debugfs copy dbg when given, else from
 * memory) and collect what each object claims. Problems in the
 * sub-formats become findings.
 */
struct ki_error *ki_owners_build(struct ki_dump *d, const struct ki_debugfs *dbg,
				 const struct ki_kho *k, uint64_t page_size, bool big_endian,
				 struct ki_findings *f, struct ki_owners *ret);
void ki_owners_deinit(struct ki_owners *o);
/* The owner of the block at pa, or NULL. */
const char *ki_owner_of(const struct ki_owners *o, uint64_t pa);
/*
 * n blocks of bsize bytes from pa cut where their owner (the owner of a
 * block's first byte) changes: fn for each piece in order, stopping at its
 * first non-zero return, which is returned. The owners are looked up where
 * they may change, not block by block.
 */
typedef int (*ki_owner_piece_fn)(void *arg, uint64_t pa, uint64_t n, const char *owner);
int ki_owners_split(const struct ki_owners *o, uint64_t pa, uint64_t n, uint64_t bsize,
		    ki_owner_piece_fn fn, void *arg);
/*
 * A map run (n blocks of the given order from pa) cut the same way, each
 * piece given with its order: the one adapter for whoever walks runs with
 * owners (list --owners, snapshot, the API's ranges, the picture). With
 * o NULL the run is one piece whose owner is NULL.
 */
typedef int (*ki_owned_run_fn)(void *arg, uint64_t pa, unsigned int order, uint64_t n,
			       const char *owner);
int ki_owners_split_run(const struct ki_owners *o, uint64_t pa, unsigned int order, uint64_t n,
			uint64_t page_size, ki_owned_run_fn fn, void *arg);
static inline const char *ki_owner_label(const struct ki_owners *o, const struct ki_owner *w)
{
	return o->labels[w->label];
}

#endif
