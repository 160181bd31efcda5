// SPDX-License-Identifier: GPL-2.0-or-later
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <xxhash.h>

#include "ki_hash.h"

static const size_t HASH_CHUNK = 1 << 20;

static void to_hex(XXH128_hash_t h, char hex[KI_HASH_HEX])
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, h);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", c.digest[i]);
}

void ki_hash_buffer(const void *buf, size_t len, char hex[KI_HASH_HEX])
{
	to_hex(XXH3_128bits(buf, len), hex);
}

/*
 * Preserved memory is often not in a dump: say so before allocating and
 * reading anything (no I/O; the message is the reader's own).
 */
static bool missing_early(struct ki_memreader *r, uint64_t start, uint64_t end,
			  struct ki_error **err)
{
	uint64_t miss = ki_memreader_first_missing(r, start, end - start);
	unsigned char b;

	if (miss == UINT64_MAX)
		return false;
	*err = ki_memreader_read(r, miss, &b, 1);
	if (!*err)
		*err = ki_error_set_paddr(ki_error_create(KI_ERR_NODATA,
				"physical address 0x%" PRIx64 " is not in the dump", miss), miss);
	return true;
}

uint64_t ki_hash_chunk_size(uint64_t len, uint64_t page_size)
{
	uint64_t pages = (len + page_size - 1) / page_size;

	return ((pages + KI_HASH_CHUNKS - 1) / KI_HASH_CHUNKS) * page_size;
}

struct ki_error *ki_hash_range_chunks(struct ki_memreader *r, uint64_t start,
				      uint64_t end, uint64_t chunk_size,
				      char hex[KI_HASH_HEX], char *chunks_hex,
				      ki_hash_progress_fn progress, void *arg)
{
	XXH3_state_t *st, *cs;
	unsigned char *buf;
	struct ki_error *err = NULL;
	uint64_t in_chunk = 0;
	size_t nchunks = 0;

	if (end <= start || !chunk_size)
		return ki_error_create(KI_ERR_USAGE, "hash of an empty range");
	if (missing_early(r, start, end, &err))
		return err;
	st = XXH3_createState();
	cs = XXH3_createState();
	buf = malloc(end - start < HASH_CHUNK ? (size_t)(end - start) : HASH_CHUNK);
	if (!st || !cs || !buf) {
		err = &ki_enomem;
		goto out;
	}
	XXH3_128bits_reset(st);
	XXH3_64bits_reset(cs);
	chunks_hex[0] = '\0';
	for (uint64_t pa = start; pa < end;) {
		size_t n = end - pa > HASH_CHUNK ? HASH_CHUNK : (size_t)(end - pa);

		if (n > chunk_size - in_chunk)
			n = (size_t)(chunk_size - in_chunk);
		err = ki_memreader_read(r, pa, buf, n);
		if (err)
			break;
		XXH3_128bits_update(st, buf, n);
		XXH3_64bits_update(cs, buf, n);
		in_chunk += n;
		pa += n;
		if (in_chunk == chunk_size || pa == end) {
			if (nchunks < KI_HASH_CHUNKS)
				snprintf(chunks_hex + KI_CHUNK_HEX * nchunks, KI_CHUNK_HEX + 1,
					 "%016llx", (unsigned long long)XXH3_64bits_digest(cs));
			nchunks++;
			in_chunk = 0;
			XXH3_64bits_reset(cs);
		}
		if (progress)
			progress(arg, n);
	}
	if (!err)
		to_hex(XXH3_128bits_digest(st), hex);
out:
	XXH3_freeState(st);
	XXH3_freeState(cs);
	free(buf);
	return err;
}

struct ki_error *ki_hash_range(struct ki_memreader *r, uint64_t start,
			       uint64_t end, char hex[KI_HASH_HEX],
			       ki_hash_progress_fn progress, void *arg)
{
	XXH3_state_t *st;
	unsigned char *buf;
	struct ki_error *err = NULL;

	if (end < start)
		return ki_error_create(KI_ERR_USAGE, "hash of an empty range");
	if (missing_early(r, start, end, &err))
		return err;
	st = XXH3_createState();
	buf = malloc(end - start < HASH_CHUNK && end > start ? (size_t)(end - start) : HASH_CHUNK);
	if (!st || !buf) {
		XXH3_freeState(st);
		free(buf);
		return &ki_enomem;
	}
	XXH3_128bits_reset(st);
	for (uint64_t pa = start; pa < end;) {
		size_t n = end - pa > HASH_CHUNK ? HASH_CHUNK : (size_t)(end - pa);

		err = ki_memreader_read(r, pa, buf, n);
		if (err)
			break;
		XXH3_128bits_update(st, buf, n);
		pa += n;
		if (progress)
			progress(arg, n);
	}
	if (!err)
		to_hex(XXH3_128bits_digest(st), hex);
	XXH3_freeState(st);
	free(buf);
	return err;
}
