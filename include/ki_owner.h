/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who preserved a block: the KHO FDT page, a sub-blob, or a region a
 * sub-format describes (memblock reserve_mem). Anything else is unclaimed.
 */
#ifndef KI_OWNER_H
#define KI_OWNER_H

#include <stddef.h>
#include <stdint.h>

#include "ki_dump.h"
#include "ki_error.h"
#include "ki_fdt.h"
#include "ki_finding.h"

struct ki_owner {
	uint64_t start, end;   /* [start, end) */
	char label[96];        /* "kho:fdt", "kho:memblock", "memblock:trace" */
	unsigned int seq;      /* lower: more specific (sub-format regions first) */
};

struct ki_owners {
	struct ki_owner *v;
	size_t n, cap;
};

enum { KI_MEMBLOCK_MAX_REGIONS = 4096 };

/*
 * Build the owner table of a hand-over: the FDT page, every sub-blob, and
 * the reserve_mem regions of a memblock-v1 sub-FDT read from the dump.
 * Problems in the sub-formats become findings.
 */
struct ki_error *ki_owners_build(struct ki_dump *d, const struct ki_kho *k,
				 struct ki_findings *f, struct ki_owners *ret);
void ki_owners_deinit(struct ki_owners *o);
/* The owner of the block at pa, or NULL. Sub-format regions win over
 * sub-blobs, blobs over the FDT page (the most specific first). */
const char *ki_owner_of(const struct ki_owners *o, uint64_t pa);

#endif
