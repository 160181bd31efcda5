/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Opening a dump: container detection, layout, arch and page size. */
#ifndef KI_DUMP_H
#define KI_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ki_error.h"
#include "ki_finding.h"
#include "ki_memreader.h"

/* Page sizes this tool knows, as a bit mask of log2 values. */
enum {
	KI_PS_4K = 1u << 12,
	KI_PS_16K = 1u << 14,
	KI_PS_64K = 1u << 16,
	KI_PS_ANY = KI_PS_4K | KI_PS_16K | KI_PS_64K,
};

struct ki_dump_options {
	const char *format;      /* NULL or "auto", "elf", "kdump", "raw" */
	bool base_set;
	uint64_t base;           /* raw: physical address of byte 0 */
	uint64_t page_size;      /* 0 = decide */
};

/*
 * A caller's memory read through a callback (dump_reader.c): fill buf with
 * len bytes at phys, or say the bytes are not there, or that reading failed.
 */
enum ki_reader_result { KI_READER_OK = 0, KI_READER_NODATA = 1, KI_READER_FAILED = -1 };
typedef int (*ki_reader_fn)(void *arg, uint64_t phys, void *buf, size_t len);

struct ki_reader_range {
	uint64_t start, end;     /* [start, end) */
};

struct ki_reader_options {
	ki_reader_fn read;
	void *arg;
	const char *name;        /* for messages; NULL: "reader" */
	uint64_t page_size;      /* 4096, 16384 or 65536 */
	bool big_endian;
	/* the memory there is: segments to scan; none: all of the 64-bit
	 * space, read only where asked (the FDT's address must be given) */
	const struct ki_reader_range *ranges;
	size_t nranges;
};

struct ki_dump {
	char *path;
	int fd;
	const char *container;   /* "elf", "kdump", "raw" */
	const char *arch;        /* "x86_64", …, or NULL when unknown */
	unsigned int e_machine;  /* ELF e_machine, 0 for raw */
	bool big_endian;
	unsigned int elf_class;  /* 32 or 64, 0 for raw */
	/* 0 until decided; then page_size_source says which rule decided. */
	uint64_t page_size;
	const char *page_size_source;
	uint32_t page_size_candidates; /* mask of KI_PS_* still possible */
	char *osrelease;         /* from VMCOREINFO, or NULL */
	void *kdump;             /* libkdumpfile state (dump_kdump.c) */
	ki_reader_fn reader;     /* a caller's memory (dump_reader.c) */
	void *reader_arg;
	struct ki_memreader mem;
	struct ki_findings findings; /* warnings about the container */
};

struct ki_error *ki_dump_open(const char *path,
			      const struct ki_dump_options *opts,
			      struct ki_dump **ret);
/* A dump over a caller's read callback: container "reader", no file. */
struct ki_error *ki_dump_open_reader(const struct ki_reader_options *o,
				     struct ki_dump **ret);
void ki_dump_destroy(struct ki_dump *d);
/* Fix the page size; source says which rule decided (static string). */
void ki_dump_set_page_size(struct ki_dump *d, uint64_t page_size,
			   const char *source);
/* "KEY=value\n" lines of a VMCOREINFO note or text: PAGESIZE sets the
 * page size ("VMCOREINFO PAGESIZE"), OSRELEASE the release. */
void ki_dump_parse_vmcoreinfo(struct ki_dump *d, const char *text, size_t len);
/* Native u64/u32 in the dump's byte order. */
uint64_t ki_dump_u64(const struct ki_dump *d, const void *p);
uint32_t ki_dump_u32(const struct ki_dump *d, const void *p);
/* Page sizes an architecture can run with (mask of KI_PS_*). */
uint32_t ki_arch_page_sizes(const char *arch);
/* "x86_64 runs with 4 KiB pages only" for an architecture with one page
 * size (a page_size_source), NULL for the others. */
const char *ki_arch_page_size_rule(const char *arch);

/* Containers (dump_elf.c, dump_raw.c): fill d->mem, arch, page size. */
struct ki_error *ki_dump_elf_open(struct ki_dump *d);
struct ki_error *ki_dump_raw_open(struct ki_dump *d, uint64_t base);
struct ki_error *ki_dump_kdump_open(struct ki_dump *d);
void ki_dump_kdump_close(void *kdump);

#endif
