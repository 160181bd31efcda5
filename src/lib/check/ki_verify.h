/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verify: the hand-over's invariants (docs/formats.md §7.1) as findings. */
#ifndef KI_VERIFY_H
#define KI_VERIFY_H

#include <stddef.h>

#include "ki_debugfs.h"
#include "ki_dump.h"
#include "ki_fdt.h"
#include "ki_finding.h"
#include "ki_map.h"

struct ki_verify_input {
	struct ki_dump *d;               /* NULL: only the FDT can be checked */
	const struct ki_kho *k;
	struct ki_map *m;                /* NULL without memory */
	const struct ki_scratch *scratch;
	size_t nscratch;
	const char *scratch_source;
	const struct ki_debugfs *dbg;    /* blobs from a debugfs copy, or NULL */
	const uint64_t *numa;            /* NUMA node boundaries, sorted, or NULL */
	size_t nnuma;
};

struct ki_verify_stats {
	uint64_t runs, blocks;
	size_t queries;
	size_t objects;                  /* sub-format claims checked */
};

/* Parse --numa START-END[,START-END…] into sorted node boundaries; an END
 * whose next byte is page aligned (0x…fff, as dmesg prints) is inclusive. */
struct ki_error *ki_parse_numa(const char *arg, uint64_t **ret, size_t *n_ret);

/*
 * Run every check; structural problems the decoders found are already in
 * f. Returns an error only when memory runs out.
 */
struct ki_error *ki_verify(const struct ki_verify_input *in,
			   struct ki_findings *f, struct ki_verify_stats *stats);

#endif
