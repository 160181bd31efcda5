// SPDX-License-Identifier: GPL-2.0-or-later
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

struct ki_error *ki_hash_range(struct ki_memreader *r, uint64_t start,
			       uint64_t end, char hex[KI_HASH_HEX],
			       ki_hash_progress_fn progress, void *arg)
{
	XXH3_state_t *st;
	unsigned char *buf;
	struct ki_error *err = NULL;

	if (end < start)
		return ki_error_create(KI_ERR_USAGE, "hash of an empty range");
	st = XXH3_createState();
	buf = malloc(HASH_CHUNK);
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
