/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Content hashes of physical ranges (XXH3-128, libxxhash). */
#ifndef KI_HASH_H
#define KI_HASH_H

#include <stdbool.h>
#include <stdint.h>

#include "ki_error.h"
#include "ki_memreader.h"

/* 32 lowercase hex digits and a NUL: XXH3-128 in canonical (big-endian) order. */
enum { KI_HASH_HEX = 33 };

typedef void (*ki_hash_progress_fn)(void *arg, uint64_t bytes);

/*
 * Hash [start, end) read through r. KI_ERR_NODATA (paddr = the first
 * missing byte) when part of it is not in the dump.
 */
struct ki_error *ki_hash_range(struct ki_memreader *r, uint64_t start,
			       uint64_t end, char hex[KI_HASH_HEX],
			       ki_hash_progress_fn progress, void *arg);
/*
 * Sub-range hashes let verify --against narrow a difference down: at most
 * KI_HASH_CHUNKS chunks per range, each a whole number of pages (one page
 * for ranges of up to KI_HASH_CHUNKS pages, 4 MiB with 4 KiB pages).
 */
enum { KI_HASH_CHUNKS = 1024, KI_CHUNK_HEX = 16 };
uint64_t ki_hash_chunk_size(uint64_t len, uint64_t page_size);
/*
 * As ki_hash_range, also writing the XXH3-64 of every chunk_size piece as
 * 16 hex digits each into chunks_hex (KI_HASH_CHUNKS * 16 + 1 bytes).
 */
struct ki_error *ki_hash_range_chunks(struct ki_memreader *r, uint64_t start,
				      uint64_t end, uint64_t chunk_size,
				      char hex[KI_HASH_HEX], char *chunks_hex,
				      ki_hash_progress_fn progress, void *arg);

/* XXH3-128 of a buffer, as hex. */
void ki_hash_buffer(const void *buf, size_t len, char hex[KI_HASH_HEX]);

#endif
