/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sub-formats: what hangs off the root KHO FDT (docs/formats.md §4).
 *
 * A decoder walks one blob and everything it points to, and tells a sink
 * three things: fields to show (the fdt command), the memory each object
 * accounts for (claims: owners and verify), and problems (findings). Every
 * decoder is bounded: chains by a limit and a visited set, counts by the
 * size of what holds them.
 *
 * Two tables name every decoder: ki_subformats (sub.c: blobs of root children,
 * recognised by compatible, signature or node name) and ki_luo_handlers (sub_luo.c:
 * LUO file handlers, by the luo_file_ser compatible). Adding a format is
 * one file and one table line.
 */
#ifndef KI_SUB_H
#define KI_SUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ki_debugfs.h"
#include "ki_dump.h"
#include "ki_fdt.h"
#include "ki_finding.h"

/* What a decoder reports; every member may be NULL. */
struct ki_sub_sink {
	/* an object (key NULL: the next element of the open array) */
	void (*open)(void *arg, const char *key);
	void (*close)(void *arg);
	void (*array)(void *arg, const char *key);
	void (*array_end)(void *arg, uint64_t total, uint64_t shown);
	void (*num)(void *arg, const char *key, uint64_t v);
	/* an identifier people write in hex (a LUO token) */
	void (*hex)(void *arg, const char *key, uint64_t v);
	void (*addr)(void *arg, const char *key, uint64_t pa);
	void (*str)(void *arg, const char *key, const char *s);
	/* [pa, pa + len) belongs to label (bytes; whole pages in practice) */
	void (*claim)(void *arg, uint64_t pa, uint64_t len, const char *label);
};

struct ki_sub_ctx {
	struct ki_dump *d;           /* NULL: only the blob itself is known */
	uint64_t ps;                 /* page size */
	bool be;                     /* native byte order of the writer */
	struct ki_findings *f;
	const struct ki_sub_sink *sink;
	void *arg;
	bool quiet_missing;          /* no finding when memory is not in the dump */
	unsigned int mute;           /* > 0: fields are not shown (beyond KI_SUB_SHOW) */
	uint64_t work;               /* reads and entries so far */
	uint64_t budget;             /* their limit; 0: KI_SUB_MAX_WORK */
	bool exhausted;              /* the budget ran out: nothing more is read */
};

/* Elements of an array shown by the sink; claims and checks cover all. */
enum { KI_SUB_SHOW = 32 };

/* Limits on what the input controls. */
enum {
	KI_SUB_MAX_BLOB = 1 << 20,        /* bytes of one root blob */
	KI_SUB_MAX_CHAIN = 10000,         /* blocks in a serialization chain (7.2's limit) */
	KI_SUB_MAX_VMALLOC_CHUNKS = 1 << 16,
	KI_SUB_MAX_VMALLOC_PAGES = 1 << 22, /* 16 GiB at 4K */
	KI_SUB_MAX_ENTRIES = 1 << 20,     /* sessions, files, regions, FLBs */
	KI_SUB_MAX_FOLIOS = 1 << 24,
	/* reads plus entries over one walk of every blob: chains can share
	 * their targets, so per-chain limits alone do not bound the total */
	KI_SUB_MAX_WORK = 1 << 24,
};

/* Count n units of work; false (once with a finding) when the budget is spent. */
bool ki_sub_work(struct ki_sub_ctx *c, uint64_t n);

struct ki_subformat {
	const char *id;              /* "memblock-v1", "luo-v5", … */
	const char *what;            /* one line for --help and the man page */
	/* Is blob (of root child node) in this format? */
	bool (*match)(const struct ki_sub_ctx *c, const char *node,
		      const unsigned char *blob, size_t len);
	/* Show it, claim what it accounts for, report problems. The blob's
	 * own pages are claimed by the caller ("kho:NODE"). */
	void (*decode)(struct ki_sub_ctx *c, const char *node, uint64_t pa,
		       bool has_pa, const unsigned char *blob, size_t len);
};

/* A LUO file handler: decodes luo_file_ser.data of a file. */
struct ki_luo_handler {
	const char *compatible;      /* "memfd-v2" */
	const char *owner;           /* short name in owner labels: "memfd" */
	void (*decode)(struct ki_sub_ctx *c, uint64_t data, const char *label);
};

extern const struct ki_subformat *const ki_subformats[];
extern const size_t ki_nsubformats;
extern const struct ki_luo_handler ki_luo_handlers[];
extern const size_t ki_nluo_handlers;

/* The decoder for a blob, or NULL (unknown: shown as size and preview). */
const struct ki_subformat *ki_sub_find(const struct ki_sub_ctx *c, const char *node,
				       const unsigned char *blob, size_t len);
const struct ki_luo_handler *ki_luo_handler_find(const char *compatible);

/*
 * The blob of root child s: from memory at the address the FDT names
 * (blob-size bytes, or a page without blob-size, an FDT cut to its
 * totalsize) when there is memory, else from the debugfs copy
 * (sub_fdts/NAME). With both, a difference is a warning to f (may be NULL)
 * naming the blob, and memory wins: a client may free its incoming blob
 * once restored, and debugfs then shows whatever lives there. The copy
 * stands in, with a warning, for memory that cannot be read. NULL when
 * neither has it; why in src. The caller frees.
 */
unsigned char *ki_sub_fetch(struct ki_dump *d, const struct ki_debugfs *dbg,
			    const struct ki_subnode *s, uint64_t ps, struct ki_findings *f,
			    size_t *len, char *src, size_t srclen);

/*
 * Decode every root child of k with its format (unknown ones skipped) and
 * claim the FDT page and each blob. For owners and verify.
 */
void ki_sub_walk(struct ki_sub_ctx *c, const struct ki_debugfs *dbg, const struct ki_kho *k);

/* ---- helpers for decoders ---- */

/* Whether blob is a sound FDT whose root compatible is compatible. */
bool ki_sub_fdt_is(const unsigned char *blob, size_t len, const char *compatible);

uint64_t ki_sub_u64(const struct ki_sub_ctx *c, const void *p);
uint32_t ki_sub_u32(const struct ki_sub_ctx *c, const void *p);
/* Read len bytes at pa; false (with a finding naming what) when the dump
 * does not hold them or pa is not aligned to align (0: any). */
bool ki_sub_read(struct ki_sub_ctx *c, uint64_t pa, void *buf, size_t len,
		 uint64_t align, const char *what);
/* A fixed-size char field as a safe C string; false when it has no NUL. */
bool ki_sub_cstr(const void *field, size_t size, char *out, size_t outsize);

void ki_sub_open(struct ki_sub_ctx *c, const char *key);
void ki_sub_close(struct ki_sub_ctx *c);
void ki_sub_array(struct ki_sub_ctx *c, const char *key);
void ki_sub_array_end(struct ki_sub_ctx *c, uint64_t total, uint64_t shown);
void ki_sub_num(struct ki_sub_ctx *c, const char *key, uint64_t v);
void ki_sub_hex(struct ki_sub_ctx *c, const char *key, uint64_t v);
void ki_sub_addr(struct ki_sub_ctx *c, const char *key, uint64_t pa);
void ki_sub_str(struct ki_sub_ctx *c, const char *key, const char *s);
/* Claim the pages [pa, pa + len) rounded out to pages. */
void ki_sub_claim(struct ki_sub_ctx *c, uint64_t pa, uint64_t len, const char *label);

/* ---- shared walkers ---- */

/*
 * A serialization block chain (docs/formats.md §4.5): every block one page, header
 * {next, count}, entries of entry_size from offset 16. Calls fn for each
 * entry (stop by returning false) and returns the entries seen. Each block
 * is claimed as label; cycles, overlong chains and bad counts are findings.
 */
typedef bool (*ki_sub_entry_fn)(struct ki_sub_ctx *c, const unsigned char *entry,
				uint64_t index, void *arg);
uint64_t ki_sub_blocks(struct ki_sub_ctx *c, uint64_t head, size_t entry_size,
		       const char *what, const char *label, ki_sub_entry_fn fn, void *arg);

/* A vmalloc-preserved area (docs/formats.md §4.4), from its 16-byte struct kho_vmalloc. */
struct ki_vmalloc {
	uint64_t first, total_pages;
	unsigned int flags, order;
	uint64_t *runs;              /* PA of each run of 1 << order pages */
	size_t nruns;
	bool complete;               /* every chunk read, counts agree */
};

/* Walk the chunk list, claim chunks and runs as label, check the counts. */
void ki_sub_vmalloc(struct ki_sub_ctx *c, const unsigned char *kv, const char *what,
		    const char *label, struct ki_vmalloc *ret);
/* Read bytes [off, off + len) of the area's contents. */
bool ki_sub_vmalloc_read(struct ki_sub_ctx *c, const struct ki_vmalloc *v, uint64_t off,
			 void *buf, size_t len, const char *what);
void ki_sub_vmalloc_free(struct ki_vmalloc *v);

/* The decoders, one file each (tables in sub.c). */
extern const struct ki_subformat ki_sub_memblock, ki_sub_kexec_meta, ki_sub_luo_v1,
	ki_sub_luo_v5, ki_sub_kho_test;
void ki_sub_memfd_v1(struct ki_sub_ctx *c, uint64_t data, const char *label);
void ki_sub_memfd_v2(struct ki_sub_ctx *c, uint64_t data, const char *label);

#endif
