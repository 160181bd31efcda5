/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The KHO root FDT: loading, validating and reading it. */
#ifndef KI_FDT_H
#define KI_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ki_dump.h"
#include "ki_error.h"
#include "ki_finding.h"

enum ki_kho_format {
	KI_KHO_UNKNOWN = 0,
	KI_KHO_V1,   /* chunk list of bitmaps, 6.16–7.0 */
	KI_KHO_V2,   /* radix tree, development only */
	KI_KHO_V3,   /* radix tree + blob-size, 7.1 */
	KI_KHO_V4,   /* as v3, 7.2 serialization blocks */
};

/* FDT header fields we look at, host order. */
struct ki_fdt_header {
	uint32_t magic, totalsize, off_dt_struct, off_dt_strings;
	uint32_t off_mem_rsvmap, version, last_comp_version;
	uint32_t size_dt_strings, size_dt_struct;
};

struct ki_subnode {
	char *name;
	const char *ptr_prop;    /* "preserved-data", "fdt" or NULL */
	bool has_phys;
	uint64_t phys;
	bool has_size;
	uint64_t size;
};

struct ki_kho {
	bool has_fdt_phys;       /* false for a blob read from a file */
	uint64_t fdt_phys;
	char where[80];          /* "0x…" or the file it came from, for messages */
	uint32_t fdt_size;       /* header totalsize */
	void *blob;              /* 8-byte aligned copy, fdt_check_full'ed */
	char *compatible;        /* as found (may be composite "kho-v4;…") */
	char family[16];         /* part before the first ';' */
	enum ki_kho_format format;
	bool has_map;
	uint64_t map_phys;
	struct ki_subnode *subs;
	size_t nsubs;
};

/* Largest FDT we accept: a KHO FDT fits one page of the largest size. */
enum { KI_FDT_MAX = 65536 };

/* Decode the 40-byte header; false when the magic is wrong. */
bool ki_fdt_header_decode(const void *buf, struct ki_fdt_header *ret);
/* Cheap plausibility test used by scans (no libfdt call). */
bool ki_fdt_header_plausible(const struct ki_fdt_header *h, uint32_t max_size);
/* Validate an FDT held in memory: header, then fdt_check_full. */
struct ki_error *ki_fdt_check(const void *blob, size_t len);
/* Read and validate the FDT at paddr (at most max_size bytes). */
struct ki_error *ki_fdt_load(struct ki_dump *d, uint64_t paddr,
			     uint32_t max_size, void **blob_ret,
			     uint32_t *size_ret);
/* Root compatible of a checked FDT, or NULL when absent or not a string. */
const char *ki_fdt_root_compatible(const void *blob);

/* Load the KHO FDT at paddr and read its root properties and children.
 * Problems with individual properties become findings. */
struct ki_error *ki_kho_load(struct ki_dump *d, uint64_t paddr,
			     struct ki_findings *f, struct ki_kho **ret);
/* The same with the page size given (0: none known) instead of d's. */
struct ki_error *ki_kho_load_ps(struct ki_dump *d, uint64_t paddr, uint64_t page_size,
				struct ki_findings *f, struct ki_kho **ret);
/* The same from a blob held in memory (a debugfs or bare FDT file). */
struct ki_error *ki_kho_from_blob(const void *data, size_t len, bool big_endian,
				  const char *where, struct ki_findings *f,
				  struct ki_kho **ret);
void ki_kho_destroy(struct ki_kho *k);
enum ki_kho_format ki_kho_format_from_family(const char *family);
/* "kho-v1, kho-v2, kho-v3, kho-v4" */
const char *ki_kho_known_formats(void);

#endif
