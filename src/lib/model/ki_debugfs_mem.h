/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A debugfs copy held against memory: the KHO FDT it shows, found in the
 * memory of the same machine (a dump or /proc/kcore).
 */
#ifndef KI_DEBUGFS_MEM_H
#define KI_DEBUGFS_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "ki_debugfs.h"
#include "ki_dump.h"
#include "ki_error.h"
#include "ki_finding.h"
#include "ki_locate.h"

struct ki_debugfs_match {
	bool found;
	uint64_t fdt_phys;
	char *how;              /* malloc'd: how it was found, or why not */
};

/*
 * The KHO FDT dbg shows, in d. First the cheap way: the FDT page is an
 * order-0 block of its own map, whose pointer the copy holds (even a
 * truncated one: the root's 8-byte properties are read by position), so
 * the copy's bytes are looked for at those blocks. Else scan d for KHO
 * FDTs and pick the one dbg shows: the one whose first bytes
 * are dbg's fdt file (debugfs may hold only the start of it: out/fdt is
 * sized when it is created, and the FDT grows as clients add sub-nodes),
 * else the one whose blobs in memory are dbg's sub_fdts files. Copies of an
 * FDT (the same bytes elsewhere) are told apart by which one its own map
 * preserves. Not found or still ambiguous: ret->found is false and ret->how
 * says why. Errors only for what stops the scan.
 */
struct ki_error *ki_debugfs_find_fdt(struct ki_dump *d, const struct ki_debugfs *dbg,
				     const struct ki_map_options *mo, ki_progress_fn progress,
				     void *arg, struct ki_debugfs_match *ret);

/*
 * Compare dbg's fdt file with the FDT read from memory (blob, size) and
 * say what a user must know: it is truncated (info), or it differs.
 */
void ki_debugfs_check_fdt(const struct ki_debugfs *dbg, const void *blob, uint32_t size,
			  uint64_t fdt_phys, struct ki_findings *f);

#endif
