/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verify --against: a dump checked against a snapshot manifest. */
#ifndef KI_AGAINST_H
#define KI_AGAINST_H

#include <stdbool.h>
#include <stddef.h>
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

/* Why a check against m could not check everything, into buf (at most len
 * bytes); false when it could. What the manifest lacks, or the dump does
 * not hold, is unknown, not a pass; present_only accepts ranges either
 * side lacks. */
bool ki_against_incomplete(const struct ki_manifest *m, const struct ki_against_stats *st,
			   bool present_only, char *buf, size_t len);

#endif
