/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading a snapshot manifest (khoinspect_manifest 1 or 2) back: the header
 * at open, then the ranges one at a time, so memory does not grow with them.
 * Version 2 adds groups of ranges without content in one compact array
 * ({"order", "owner", "not_in_dump" or "not_hashed": [[start, blocks]…]}),
 * handed out one range at a time like the others. Version 3 ends with
 * "incomplete": null, or the reasons the manifest is not a whole record
 * (map errors, contents not in the dump); it is read, with "map_errors",
 * when the ranges end.
 */
#ifndef KI_MANIFEST_H
#define KI_MANIFEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ki_error.h"
#include "ki_hash.h"

/* VERSION is what snapshot writes; versions from OLDEST on are read. */
enum { KI_MANIFEST_VERSION = 3, KI_MANIFEST_OLDEST = 1, KI_MANIFEST_MAX_BLOBS = 256,
       KI_MANIFEST_BUF = 1 << 18 };

struct ki_mblob {
	char name[128];
	bool has_phys;
	uint64_t phys, size;
	bool has_hash;
	char hash[KI_HASH_HEX];
};

struct ki_mscratch {
	uint64_t start, size;
};

struct ki_mrange {
	uint64_t start, end, blocks;
	unsigned int order;
	bool has_hash;
	char hash[KI_HASH_HEX];
	bool has_missing;
	uint64_t missing;
	char owner[96];                      /* "" when not recorded */
	uint64_t chunk_size;                 /* 0 when no chunk hashes */
	char chunks[KI_HASH_CHUNKS * KI_CHUNK_HEX + 1];
};

struct ki_manifest {
	FILE *fp;
	char *path;
	int version;
	uint64_t page_size;
	char compatible[128];
	bool has_fdt_phys;
	uint64_t fdt_phys;
	bool has_fdt_hash;
	char fdt_hash[KI_HASH_HEX];
	bool hashed;                 /* "hash": "xxh3-128" */
	uint64_t fdt_size;
	struct ki_mblob blobs[KI_MANIFEST_MAX_BLOBS];
	size_t nblobs;
	struct ki_mscratch scratch[KI_MANIFEST_MAX_BLOBS];
	size_t nscratch;
	bool in_ranges;              /* positioned inside "ranges" */
	bool first_range;
	/* inside a group's [start, blocks] array (version 2) */
	bool in_group;
	bool group_first;
	bool group_missing;          /* "not_in_dump" (else "not_hashed") */
	unsigned int group_order;
	unsigned int group_shift;    /* page shift + order */
	char group_owner[96];
	/* after the ranges (ki_manifest_next has returned false) */
	bool tail_read;
	uint64_t map_errors;
	bool incomplete;             /* the manifest lacks something: see why */
	bool incomplete_hidden;      /* for a reason its ranges do not show
				      * (map errors): not only gaps marked
				      * range by range */
	char why[512];
	uint64_t line;
	size_t pos, len;             /* buf[pos, len) not yet read */
	size_t slen, klen;           /* length of the last string, of the last key */
	bool eof;
	char buf[KI_MANIFEST_BUF];
};

/* Tests: read every range with the general parser, not the fast path. */
extern bool ki_manifest_slow;

/* Whether the file starts like a manifest ({ ... "khoinspect_manifest"). */
bool ki_manifest_sniff(const char *path);
struct ki_error *ki_manifest_open(const char *path, struct ki_manifest **ret);
/* false at the end of the ranges (then incomplete and why are set from
 * the members after them); an error for malformed input. */
struct ki_error *ki_manifest_next(struct ki_manifest *m, struct ki_mrange *r,
				  bool *got);
void ki_manifest_close(struct ki_manifest *m);

#endif
