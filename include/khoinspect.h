/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libkhoinspect: Kexec HandOver (KHO) state in a memory dump, a debugfs
 * copy or any memory a caller can read, decoded into preserved ranges,
 * checked, snapshotted and compared. The one installed header; see
 * libkhoinspect(3).
 *
 * Conventions:
 *  - Every type is opaque except the small records handed to callbacks and
 *    the option structs, which start with their own size (set it to
 *    sizeof(the struct) so later versions can grow them).
 *  - Fallible functions return struct khoinspect_error *: NULL on success,
 *    otherwise an error object the caller frees with khoinspect_error_free().
 *  - Physical addresses and sizes are uint64_t; ranges are [start, end).
 *  - The library never prints, exits, reads the environment or starts a
 *    thread; strings it returns live as long as the object they came from.
 *  - An operation that could not check everything (unreadable pages, a map
 *    with errors) says so: its result is KHOINSPECT_INCOMPLETE or it returns
 *    an error with code KHOINSPECT_ERR_INCOMPLETE after handing out what it
 *    could. A success is never partial.
 */
#ifndef KHOINSPECT_H
#define KHOINSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KHOINSPECT_API_VERSION 0 /* the soname's major version */

/* The library's version, "0.1.0". */
const char *khoinspect_version(void);

/* ---- Errors ------------------------------------------------------------ */

enum khoinspect_error_code {
	KHOINSPECT_ERR_OS = 1,      /* a system call failed (errno) */
	KHOINSPECT_ERR_FORMAT,      /* not what it claims to be */
	KHOINSPECT_ERR_TRUNCATED,   /* the input ends early */
	KHOINSPECT_ERR_NODATA,      /* memory not in the dump (filtered, excluded) */
	KHOINSPECT_ERR_CORRUPT,     /* inconsistent data */
	KHOINSPECT_ERR_UNSUPPORTED, /* a format this version does not know */
	KHOINSPECT_ERR_USAGE,       /* a bad argument */
	KHOINSPECT_ERR_NOMEM,       /* an allocation failed */
	KHOINSPECT_ERR_INCOMPLETE,  /* results were handed out, but not all */
};

struct khoinspect_error;

enum khoinspect_error_code khoinspect_error_code(const struct khoinspect_error *err);
/* One line: "FILE: OBJECT at paddr 0x…: REASON[; hint]". */
const char *khoinspect_error_message(const struct khoinspect_error *err);
/* The errno of KHOINSPECT_ERR_OS, else 0. */
int khoinspect_error_errno(const struct khoinspect_error *err);
/* Whether the error names a physical address, and which. */
bool khoinspect_error_phys(const struct khoinspect_error *err, uint64_t *ret);
/* Frees err; NULL is a no-op. Never frees the static out-of-memory error. */
void khoinspect_error_free(struct khoinspect_error *err);

/* ---- Opening a hand-over ----------------------------------------------- */

struct khoinspect_handover;

/* Options for khoinspect_open(); zero-initialise, set size. */
struct khoinspect_open_options {
	size_t size;                /* sizeof(struct khoinspect_open_options) */
	const char *format;         /* NULL or "auto", "elf", "kdump", "raw",
				     * "debugfs", "fdt" */
	uint64_t page_size;         /* 0: decided from the dump */
	bool base_set;
	uint64_t base;              /* raw: physical address of byte 0 */
	bool fdt_phys_set;
	uint64_t fdt_phys;          /* the KHO FDT's address: skips the scan */
	const char *mem;            /* debugfs or FDT input: the memory behind it */
};

/*
 * Opens a dump (ELF vmcore, kdump-compressed, raw), a debugfs copy
 * (…/kho/out or in), a bare KHO FDT, or "live": finds the KHO FDT, settles
 * the page size and decodes the preserved-memory map. opts may be NULL.
 */
struct khoinspect_error *khoinspect_open(const char *path,
					 const struct khoinspect_open_options *opts,
					 struct khoinspect_handover **ret);

/* The caller's memory reader: fill buf with len bytes at phys. A read
 * answered NODATA is asked again page by page, so errors name the first
 * page missing; the reader must stay valid until khoinspect_close(). */
enum khoinspect_read_result {
	KHOINSPECT_READ_OK = 0,
	KHOINSPECT_READ_NODATA = 1, /* not there (not captured, a hole) */
	KHOINSPECT_READ_FAILED = -1,/* any other failure */
};
typedef enum khoinspect_read_result (*khoinspect_read_fn)(void *arg, uint64_t phys,
							 void *buf, size_t len);

struct khoinspect_range {
	uint64_t start, end;        /* [start, end) */
};

/* A hand-over in the caller's memory; zero-initialise, set size. */
struct khoinspect_reader {
	size_t size;                /* sizeof(struct khoinspect_reader) */
	khoinspect_read_fn read;
	void *arg;
	const char *name;           /* for messages, e.g. "drgn"; NULL: "reader" */
	uint64_t page_size;         /* 4096, 16384 or 65536 */
	bool big_endian;
	bool fdt_phys_set;
	uint64_t fdt_phys;          /* the KHO FDT's address, or: */
	const struct khoinspect_range *ranges; /* the RAM to scan for it */
	size_t nranges;
};

struct khoinspect_error *khoinspect_open_reader(const struct khoinspect_reader *r,
						struct khoinspect_handover **ret);

/* Frees everything; NULL is a no-op. */
void khoinspect_close(struct khoinspect_handover *h);

/* ---- What the hand-over is --------------------------------------------- */

/* The root compatible, e.g. "kho-v4". */
const char *khoinspect_compatible(const struct khoinspect_handover *h);
/* What was read: "elf", "kdump", "raw", "debugfs", "fdt" or "reader". */
const char *khoinspect_container(const struct khoinspect_handover *h);
uint64_t khoinspect_page_size(const struct khoinspect_handover *h);
/* The KHO FDT's physical address, when known. */
bool khoinspect_fdt_phys(const struct khoinspect_handover *h, uint64_t *ret);
/* How the FDT was found, e.g. "scan", "--fdt-phys". */
const char *khoinspect_found_by(const struct khoinspect_handover *h);

/* The root FDT's children (sub-FDTs and blobs). */
size_t khoinspect_subnode_count(const struct khoinspect_handover *h);
const char *khoinspect_subnode_name(const struct khoinspect_handover *h, size_t i);
/* The child's blob or sub-FDT address, when it has one. */
bool khoinspect_subnode_phys(const struct khoinspect_handover *h, size_t i,
			     uint64_t *ret);

/* Whether the map could be decoded (memory behind the FDT). */
bool khoinspect_has_map(const struct khoinspect_handover *h);
/* Preserved blocks of one order (0..63), and of all with order -1. */
uint64_t khoinspect_blocks(const struct khoinspect_handover *h, int order);

/* ---- Ranges ------------------------------------------------------------ */

/* Adjacent preserved blocks of one order (and one owner when asked). */
struct khoinspect_block_range {
	uint64_t start, end;        /* [start, end) */
	unsigned int order;
	uint64_t blocks;
	const char *owner;          /* with KHOINSPECT_RANGES_OWNERS: who preserved
				     * it, as `list --owners` names it
				     * ("unclaimed": no object); else NULL */
};

enum {
	KHOINSPECT_RANGES_OWNERS = 1u << 0, /* split by owner, name it */
};

/* Return nonzero to stop; that value is then returned through *stopped. */
typedef int (*khoinspect_range_fn)(void *arg, const struct khoinspect_block_range *r);

/*
 * Hands out the preserved ranges in order of (order, start): every order
 * when order is -1, else that one. Returns KHOINSPECT_ERR_INCOMPLETE after
 * the readable ones when the map has errors, KHOINSPECT_ERR_USAGE without
 * a map. *stopped (may be NULL) gets fn's nonzero value when it stopped.
 */
struct khoinspect_error *khoinspect_ranges(struct khoinspect_handover *h, int order,
					   unsigned int flags, khoinspect_range_fn fn,
					   void *arg, int *stopped);

/* ---- Findings and checks ----------------------------------------------- */

enum khoinspect_severity {
	KHOINSPECT_INFO = 0,
	KHOINSPECT_WARNING = 1,
	KHOINSPECT_ERROR = 2,
};

/* The outcome of a check, as the exit codes of khoinspect(1). */
enum khoinspect_result {
	KHOINSPECT_PASS = 0,        /* checked completely, and it holds */
	KHOINSPECT_FAIL = 1,        /* findings of severity error */
	KHOINSPECT_INCOMPLETE = 2,  /* something could not be checked */
};

struct khoinspect_finding {
	const char *id;             /* stable, e.g. "block-overlap" */
	enum khoinspect_severity severity;
	const char *message;
	bool has_phys;
	uint64_t phys;
};

struct khoinspect_findings;

size_t khoinspect_findings_count(const struct khoinspect_findings *f);
const struct khoinspect_finding *khoinspect_findings_get(const struct khoinspect_findings *f,
							  size_t i);
enum khoinspect_result khoinspect_findings_result(const struct khoinspect_findings *f);
void khoinspect_findings_free(struct khoinspect_findings *f);

/* What opening and decoding found (a copy; free it). */
struct khoinspect_error *khoinspect_open_findings(const struct khoinspect_handover *h,
						  struct khoinspect_findings **ret);

enum {
	KHOINSPECT_VERIFY_FDT_ONLY = 1u << 0, /* no memory: check the FDT only */
};

/* verify: the map, the blocks, the sub-formats; opening's findings included. */
struct khoinspect_error *khoinspect_verify(struct khoinspect_handover *h,
					   unsigned int flags,
					   struct khoinspect_findings **ret);

/* Writes a manifest (khoinspect-manifest JSON) of h to path, atomically. */
struct khoinspect_error *khoinspect_snapshot(struct khoinspect_handover *h,
					     const char *path, unsigned int flags);

enum {
	KHOINSPECT_AGAINST_PRESENT_ONLY = 1u << 0, /* ranges absent here are not trouble */
};

/* verify --against: h's memory checked against a manifest. */
struct khoinspect_error *khoinspect_verify_against(struct khoinspect_handover *h,
						   const char *manifest,
						   unsigned int flags,
						   struct khoinspect_findings **ret);

/* ---- Diff -------------------------------------------------------------- */

enum khoinspect_diff_kind {
	KHOINSPECT_DIFF_ADDED = '+',   /* preserved in B only */
	KHOINSPECT_DIFF_REMOVED = '-', /* preserved in A only */
	KHOINSPECT_DIFF_CHANGED = '!', /* in both, contents differ */
};

struct khoinspect_diff_line {
	enum khoinspect_diff_kind kind;
	uint64_t start, end;        /* [start, end) */
	unsigned int order;
	uint64_t blocks;
};

/* Return nonzero to be handed no more lines (the comparison still
 * completes: *result is for all of it). */
typedef int (*khoinspect_diff_fn)(void *arg, const struct khoinspect_diff_line *l);

enum {
	KHOINSPECT_DIFF_NO_HASH = 1u << 0,      /* compare the maps only */
	KHOINSPECT_DIFF_PRESENT_ONLY = 1u << 1, /* ranges one side lacks are not trouble */
};

/*
 * Compares two hand-overs, each a path (dump, debugfs copy, manifest)
 * opened with opts (may be NULL). *result: KHOINSPECT_PASS when the same,
 * KHOINSPECT_FAIL when different, KHOINSPECT_INCOMPLETE when something
 * could not be compared (lines still handed out).
 */
struct khoinspect_error *khoinspect_diff(const char *a, const char *b,
					 const struct khoinspect_open_options *opts,
					 unsigned int flags, khoinspect_diff_fn fn, void *arg,
					 enum khoinspect_result *result);

/* The same for two open hand-overs (paths or readers). */
struct khoinspect_error *khoinspect_diff_handovers(struct khoinspect_handover *a,
						   struct khoinspect_handover *b,
						   unsigned int flags, khoinspect_diff_fn fn,
						   void *arg, enum khoinspect_result *result);

#ifdef __cplusplus
}
#endif

#endif
