/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One physical-memory reader for every container. Containers only register
 * segments; everything above reads physical addresses through here.
 */
#ifndef KI_MEMREADER_H
#define KI_MEMREADER_H

#include <stddef.h>
#include <stdint.h>

#include "ki_error.h"

/*
 * Read len bytes at physical address paddr; pos is the segment's file
 * offset plus (paddr - seg->min). Must read everything or return an error.
 */
typedef struct ki_error *(*ki_read_fn)(void *arg, void *buf, uint64_t paddr,
				       size_t len, uint64_t pos);
/*
 * Optional: the first position >= pos that may hold data (SEEK_DATA); sets
 * *ret to UINT64_MAX when nothing follows. Lets scans skip sparse holes.
 */
typedef uint64_t (*ki_next_data_fn)(void *arg, uint64_t pos);

struct ki_segment {
	uint64_t min;       /* first physical address */
	uint64_t file_end;  /* end of the bytes the file holds (exclusive) */
	uint64_t mem_end;   /* end of the range the segment describes */
	uint64_t pos;       /* file position of min */
	ki_read_fn read;
	ki_next_data_fn next_data;
	void *arg;
};

struct ki_memreader {
	struct ki_segment *segs;
	size_t nsegs, cap;
	size_t last;        /* index of the last segment hit */
	const char *path;   /* for messages */
};

void ki_memreader_init(struct ki_memreader *r, const char *path);
void ki_memreader_deinit(struct ki_memreader *r);
/*
 * Register [min, min + mem_size); the first file_size bytes are readable.
 * Earlier segments win where segments overlap.
 */
struct ki_error *ki_memreader_add_segment(struct ki_memreader *r, uint64_t min,
					  uint64_t file_size, uint64_t mem_size,
					  uint64_t pos, ki_read_fn read,
					  ki_next_data_fn next_data, void *arg);
/*
 * Read len bytes at paddr. KI_ERR_NODATA (with the address of the first
 * missing byte) when part of the range is not in the dump.
 */
struct ki_error *ki_memreader_read(struct ki_memreader *r, uint64_t paddr,
				   void *buf, size_t len);
/* Whether every segment reads its file with pread (ki_read_fd): then
 * threads may read at once. */
bool ki_memreader_pread_only(const struct ki_memreader *r);
/* Whether [paddr, paddr + len) is fully readable (no I/O). */
bool ki_memreader_contains(const struct ki_memreader *r, uint64_t paddr,
			   uint64_t len);

/* The first address in [paddr, paddr + len) no segment stores, or
 * UINT64_MAX when the whole range is readable (no I/O). */
uint64_t ki_memreader_first_missing(const struct ki_memreader *r, uint64_t paddr,
				    uint64_t len);
/* Whether some segment describes paddr (stored or filtered out). */
bool ki_memreader_describes(const struct ki_memreader *r, uint64_t paddr);
/* Finding id for a page that is not readable: "not-in-dump" when a
 * segment describes it (filtered), else "map-pointer-outside-dump". */
const char *ki_memreader_missing_id(const struct ki_memreader *r, uint64_t paddr);

/* pread() loop: retries EINTR, stops at EOF; *ret = bytes read. */
struct ki_error *ki_pread_full(int fd, const char *path, void *buf, size_t len,
			       uint64_t pos, size_t *ret);
/* ki_read_fn over a file descriptor (arg = (void *)(intptr_t)fd). */
struct ki_error *ki_read_fd(void *arg, void *buf, uint64_t paddr, size_t len,
			    uint64_t pos);
uint64_t ki_next_data_fd(void *arg, uint64_t pos);

#endif
