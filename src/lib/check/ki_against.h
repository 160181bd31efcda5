/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verify --against: a dump checked against a snapshot manifest. */
#ifndef KI_AGAINST_H
#define KI_AGAINST_H

#include <stdint.h>

#include "ki_dump.h"
#include "ki_finding.h"
#include "ki_manifest.h"

struct ki_against_stats {
	uint64_t ranges, same, changed, unverified, unrecorded;
	uint64_t blobs_unverified;   /* the FDT or sub-blobs recorded but not
				      * readable now */
};

/* Findings: fdt-changed, fdt-not-in-dump, blob-changed, range-changed
 * (with the first differing chunk), not-in-dump (unverified). */
struct ki_error *ki_against(struct ki_dump *d, struct ki_manifest *m,
			    struct ki_findings *f, struct ki_against_stats *st);

#endif
