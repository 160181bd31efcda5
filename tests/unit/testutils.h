/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the Criterion unit tests (tests/unit/test_*.c), in the
 * spirit of dtc's tests/testutils.c: a temporary directory per test that
 * goes away at the end, an image writer (physical memory as a buffer, saved
 * as a raw image or an ELF core; KHO FDTs with libfdt's sequential-write
 * API; radix trees and kho-v1 chunk lists marked block by block), findings
 * look-ups and the golden fixtures with their truth files.
 *
 * Everything here follows docs/formats.md and never calls the decoders:
 * what a test expects must come from a writer or a hand-worked value, not
 * from the code under test. Every helper fails the running test (cr_assert)
 * instead of returning an error.
 *
 * Adding a test: #include "testutils.h", name the suite with
 * TestSuite(x, .fini = tu_cleanup) (the directory is removed at exit in any
 * case), then build an image:
 *
 *	struct tu_img m;
 *	struct tu_radix r;
 *	tu_img_init(&m, 0x80000000, 64 * 4096, 4096);
 *	tu_radix_init(&r, &m, 0);                 // depth from the page size
 *	tu_radix_mark(&r, 0x80010000, 0);
 *	tu_img_put_kho(&m, tu_img_page(&m), &(struct tu_kho){
 *		.compatible = "kho-v3", .map = r.root });
 *	struct ki_dump *d = tu_dump_open(tu_img_write_raw(&m, "mem.raw"), "raw", m.base, 4096);
 */
#ifndef KI_TESTUTILS_H
#define KI_TESTUTILS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ki_dump.h"
#include "ki_finding.h"

/* ---- temporary files and directories ---- */

/* The running test's directory under $TMPDIR (or /tmp), made on first use. */
const char *tu_dir(void);
/* dir/rel, in a buffer that lives until tu_cleanup. */
const char *tu_path(const char *rel);
/* Write a file (parent directories made as needed); returns its path. */
const char *tu_write(const char *rel, const void *data, size_t len);
const char *tu_write_str(const char *rel, const char *text);
/* mkdir -p dir/rel; returns its path. */
const char *tu_mkdir(const char *rel);
/* Remove the directory and everything in it (a suite's .fini; also run
 * at exit). */
void tu_cleanup(void);
/* A whole file read into malloc'd memory (NUL-terminated); *len its size. */
char *tu_slurp(const char *path, size_t *len);

/* ---- findings ---- */

size_t tu_count(const struct ki_findings *f, const char *id);
/* The first finding with this id (and paddr, when has_paddr), or NULL. */
const struct ki_finding *tu_find(const struct ki_findings *f, const char *id);
const struct ki_finding *tu_find_at(const struct ki_findings *f, const char *id,
				    uint64_t paddr);
/* Print them all with cr_log_info (a failing test shows what it saw). */
void tu_log_findings(const struct ki_findings *f);

/* ---- an image of physical memory ---- */

struct tu_img {
	unsigned char *buf;
	uint64_t base;           /* physical address of buf[0] */
	size_t size;
	uint64_t ps;             /* page size */
	size_t next;             /* tu_img_page: the next page to hand out */
};

/* size bytes of zeros from base; pages handed out from page 1 on (page 0
 * stays unused, so nothing sits at the image's first byte). */
void tu_img_init(struct tu_img *m, uint64_t base, size_t size, uint64_t page_size);
void tu_img_free(struct tu_img *m);
/* Pointer to [pa, pa + len), which must lie in the image. */
unsigned char *tu_img_at(struct tu_img *m, uint64_t pa, size_t len);
/* Native (host, little-endian) u64 and u32, as KHO stores them. */
void tu_img_put64(struct tu_img *m, uint64_t pa, uint64_t v);
void tu_img_put32(struct tu_img *m, uint64_t pa, uint32_t v);
uint64_t tu_img_get64(struct tu_img *m, uint64_t pa);
/* A byte pattern that depends on the address and seed (a read from the
 * wrong place shows). */
void tu_img_fill(struct tu_img *m, uint64_t pa, size_t len, unsigned int seed);
/* The next unused page (zero), for tables, chunks and FDTs. */
uint64_t tu_img_page(struct tu_img *m);
/* The image as a raw file (byte 0 = base); returns its path. */
const char *tu_img_write_raw(const struct tu_img *m, const char *name);

/*
 * The image as a 64-bit little-endian ELF core (ET_CORE, EM_X86_64 unless
 * machine says otherwise): one PT_LOAD per segment, [paddr, paddr + len) of
 * the image, of which the first `stored` bytes are in the file (p_filesz;
 * the rest is filtered out, as makedumpfile leaves excluded pages).
 * vmcoreinfo, when not NULL, becomes a VMCOREINFO note ("KEY=value\n" lines).
 */
struct tu_seg {
	uint64_t paddr, len, stored;
};
const char *tu_img_write_elf(const struct tu_img *m, const char *name, uint16_t machine,
			     const struct tu_seg *segs, size_t nsegs, const char *vmcoreinfo);

/* ki_dump_open that must succeed (format NULL: detect; base only for raw). */
struct ki_dump *tu_dump_open(const char *path, const char *format, uint64_t base,
			     uint64_t page_size);

/* ---- the KHO root FDT (docs/formats.md §2) ---- */

struct tu_kho_child {
	const char *name;
	const char *ptr_prop;    /* "preserved-data" (v2+), "fdt" (v1); NULL: none */
	uint64_t phys;
	bool has_size;           /* write blob-size (v3+) */
	uint64_t size;
};

enum { TU_KHO_KIDS = 8 };

struct tu_kho {
	const char *compatible;  /* NULL: no compatible property */
	bool no_map;             /* leave out preserved-memory-map */
	uint64_t map;
	struct tu_kho_child kids[TU_KHO_KIDS];
	int nkids;
};

/* Build it into buf (cap bytes) as the kernel does; returns totalsize. */
uint32_t tu_kho_fdt(void *buf, size_t cap, const struct tu_kho *k);
/* Build it at pa (page aligned, one page) in the image. */
uint32_t tu_img_put_kho(struct tu_img *m, uint64_t pa, const struct tu_kho *k);
/* A boot DTB (arm64) at buf (size bytes): /chosen linux,kho-fdt <fdt
 * fdt_size> and linux,kho-scratch <scratch scratch_size>, two big-endian
 * cells each. Returns its total size. */
size_t tu_boot_dtb(void *buf, size_t size, uint64_t fdt, uint64_t fdt_size, uint64_t scratch,
		   uint64_t scratch_size);
/* The kexec-metadata blob (docs/formats.md §4.6) at pa: 73 bytes. */
void tu_img_put_kexec_meta(struct tu_img *m, uint64_t pa, const char *release,
			   uint32_t kexec_count);

/* The memblock blob (docs/formats.md §4.1) at pa: an FDT "memblock-v1"
 * with one "reserve-mem-v1" child per region. */
struct tu_region {
	const char *name;
	uint64_t start, size;
};
uint32_t tu_img_put_memblock(struct tu_img *m, uint64_t pa, const struct tu_region *r,
			     size_t n);

/* ---- the radix tree, kho-v2..v4 (docs/formats.md §2.4) ---- */

struct tu_radix {
	struct tu_img *m;
	unsigned int psh, depth, t, b, o0;
	uint64_t root;
	size_t tables, leaves;   /* pages allocated, root included in tables */
};

/* depth 0: the fixed depth for the image's page size (6, 5, 4). */
void tu_radix_init(struct tu_radix *r, struct tu_img *m, unsigned int depth);
/* key = 1 << (ORDER_0 - order) | pa >> (PSH + order), as the writer has it. */
uint64_t tu_radix_key(const struct tu_radix *r, uint64_t pa, unsigned int order);
void tu_radix_mark(struct tu_radix *r, uint64_t pa, unsigned int order);
void tu_radix_mark_n(struct tu_radix *r, uint64_t pa, unsigned int order, uint64_t n);

/* ---- kho-v1 chunk lists (docs/formats.md §2.2) ---- */

enum { TU_V1_MAX = 64 };

struct tu_v1 {
	struct tu_img *m;
	unsigned int psh;
	uint32_t bitmap_bytes;   /* 512 or the page size */
	struct {
		unsigned int order;
		uint64_t phys_start, bitmap;
	} ent[TU_V1_MAX];
	size_t n;
};

void tu_v1_init(struct tu_v1 *v, struct tu_img *m, uint32_t bitmap_bytes);
void tu_v1_mark(struct tu_v1 *v, uint64_t pa, unsigned int order);
/* Lay out the chunks (one per order, entries by phys_start); the head. */
uint64_t tu_v1_finish(struct tu_v1 *v);

/* ---- content hashes, computed with libxxhash directly ---- */

/* XXH3-128 as 32 hex digits, high 64 bits first; XXH3-64 as 16. */
void tu_xxh128_hex(const void *buf, size_t len, char out[33]);
void tu_xxh64_hex(const void *buf, size_t len, char out[17]);

/* ---- golden fixtures and their truth files ---- */

struct tu_tblock {
	uint64_t pa;
	unsigned int order;
	char owner[64];
};

struct tu_truth {
	char format[16];
	char arch[16];
	uint64_t page_size, fdt_phys, map_phys;
	struct tu_tblock *blocks;
	size_t nblocks;
};

/*
 * The path of a golden image, e.g. "v3-x86_64-4k.elf": ../shared/fixtures
 * when it is there, else tests/fixtures/golden/NAME.xz decompressed into
 * the test's directory. Paths are relative to the top of the tree (make
 * unit runs there).
 */
const char *tu_fixture(const char *name);
/* NAME.truth.json (name without the container suffix: "v3-x86_64-4k"). */
void tu_truth_load(const char *name, struct tu_truth *t);
void tu_truth_free(struct tu_truth *t);

#endif
