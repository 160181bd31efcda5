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
/* XXH3-128 of a buffer, as hex. */
void ki_hash_buffer(const void *buf, size_t len, char hex[KI_HASH_HEX]);

#endif
