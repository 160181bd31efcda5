// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Content hashes of physical ranges (ki_hash.h). Every expected hash is a
 * second computation: the same bytes hashed here with libxxhash directly
 * (tu_xxh128_hex, which prints the two 64-bit halves itself instead of
 * going through XXH128_canonicalFromHash). The memory is an in-memory
 * segment reader of our own, so reads across segments, across the
 * hasher's 1 MiB read buffer and across chunk boundaries are all in play.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ki_hash.h"
#include "ki_memreader.h"
#include "testutils.h"

TestSuite(hash, .fini = tu_cleanup);

static const uint64_t BASE = UINT64_C(0x100000000);

struct mem {
	struct tu_img img;
	struct ki_memreader r;
	size_t reads;
};

static struct ki_error *mem_read(void *arg, void *buf, uint64_t paddr, size_t len,
				 uint64_t pos)
{
	struct mem *m = arg;

	(void)pos;
	m->reads++;
	memcpy(buf, tu_img_at(&m->img, paddr, len), len);
	return NULL;
}

/*
 * size bytes of pattern at BASE, registered as two segments split at
 * `split` bytes (0: one segment); stored bytes end at `stored`.
 */
static void mem_init(struct mem *m, size_t size, size_t split, size_t stored)
{
	struct ki_error *err;

	memset(m, 0, sizeof(*m));
	tu_img_init(&m->img, BASE, size, 4096);
	tu_img_fill(&m->img, BASE, size, 7);
	ki_memreader_init(&m->r, "test memory");
	if (!split)
		split = size;
	err = ki_memreader_add_segment(&m->r, BASE, stored < split ? stored : split, split, 0,
				       mem_read, NULL, m);
	cr_assert_null(err);
	if (split < size) {
		err = ki_memreader_add_segment(&m->r, BASE + split,
					       stored > split ? stored - split : 0, size - split,
					       0, mem_read, NULL, m);
		cr_assert_null(err);
	}
}

static void mem_fini(struct mem *m)
{
	ki_memreader_deinit(&m->r);
	tu_img_free(&m->img);
}

static void expect_range(struct mem *m, uint64_t start, uint64_t end)
{
	char got[KI_HASH_HEX], want[33];
	struct ki_error *err = ki_hash_range(&m->r, start, end, got, NULL, NULL);

	cr_assert_null(err, "0x%" PRIx64 "-0x%" PRIx64 ": %s", start, end, err ? err->message : "");
	tu_xxh128_hex(tu_img_at(&m->img, start, (size_t)(end - start)), (size_t)(end - start), want);
	cr_assert_str_eq(got, want, "0x%" PRIx64 "-0x%" PRIx64, start, end);
}

Test(hash, buffer_matches_libxxhash)
{
	static const char text[] = "kexec handover";
	char got[KI_HASH_HEX], want[33];

	ki_hash_buffer(text, sizeof(text) - 1, got);
	tu_xxh128_hex(text, sizeof(text) - 1, want);
	cr_assert_str_eq(got, want);
	cr_assert_eq(strlen(got), 32);
	/* the empty input has a hash too */
	ki_hash_buffer(text, 0, got);
	tu_xxh128_hex(text, 0, want);
	cr_assert_str_eq(got, want);
}

Test(hash, ranges_small_and_across_the_read_buffer)
{
	struct mem m;

	/* 3 MiB + 5 pages: the hasher reads at most 1 MiB at a time */
	mem_init(&m, (3u << 20) + 5 * 4096, 0, (3u << 20) + 5 * 4096);
	expect_range(&m, BASE, BASE + 1);
	expect_range(&m, BASE + 4095, BASE + 4097);
	expect_range(&m, BASE, BASE + (1u << 20));
	expect_range(&m, BASE + 17, BASE + (1u << 20) + 18);
	expect_range(&m, BASE, BASE + (3u << 20) + 5 * 4096);
	mem_fini(&m);
}

Test(hash, range_across_two_segments)
{
	struct mem m;

	/* the second segment starts 0x1800 into the memory */
	mem_init(&m, 0x4000, 0x1800, 0x4000);
	expect_range(&m, BASE + 0x1000, BASE + 0x3000);
	mem_fini(&m);
}

Test(hash, missing_bytes_are_nodata_at_the_first_of_them)
{
	struct mem m;
	char hex[KI_HASH_HEX];
	struct ki_error *err;

	/* 0x4000 bytes described, the first 0x2800 stored */
	mem_init(&m, 0x4000, 0, 0x2800);
	expect_range(&m, BASE, BASE + 0x2800);
	m.reads = 0;
	err = ki_hash_range(&m.r, BASE + 0x1000, BASE + 0x3000, hex, NULL, NULL);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, KI_ERR_NODATA);
	cr_expect(err->has_paddr);
	cr_expect_eq(err->paddr, BASE + 0x2800);
	cr_expect_eq(m.reads, 0, "said before reading anything");
	ki_error_destroy(err);
	/* and past the end of everything */
	err = ki_hash_range(&m.r, BASE + 0x3f00, BASE + 0x4100, hex, NULL, NULL);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, KI_ERR_NODATA);
	cr_expect_eq(err->paddr, BASE + 0x3f00);
	ki_error_destroy(err);
	mem_fini(&m);
}

Test(hash, chunk_size_by_hand)
{
	/* at most 1024 chunks, each a whole number of pages */
	cr_expect_eq(ki_hash_chunk_size(1, 4096), 4096);
	cr_expect_eq(ki_hash_chunk_size(4096, 4096), 4096);
	cr_expect_eq(ki_hash_chunk_size(1024 * 4096, 4096), 4096);
	cr_expect_eq(ki_hash_chunk_size(1024 * 4096 + 1, 4096), 8192);
	cr_expect_eq(ki_hash_chunk_size(1025 * 4096, 4096), 8192);
	cr_expect_eq(ki_hash_chunk_size(UINT64_C(4) << 30, 4096), UINT64_C(4) << 20);
	cr_expect_eq(ki_hash_chunk_size(UINT64_C(1) << 30, 65536), UINT64_C(1) << 20);
	cr_expect_eq(ki_hash_chunk_size(3 * 16384, 16384), 16384);
}

/* The whole-range hash and every chunk's XXH3-64, both computed here. */
static void expect_chunks(struct mem *m, uint64_t start, uint64_t end, uint64_t cs,
			  size_t nchunks)
{
	char hex[KI_HASH_HEX], want[33];
	char *chunks = calloc(1, KI_HASH_CHUNKS * KI_CHUNK_HEX + 1);
	struct ki_error *err;

	cr_assert_not_null(chunks);
	err = ki_hash_range_chunks(&m->r, start, end, cs, hex, chunks, NULL, NULL);
	cr_assert_null(err, "%s", err ? err->message : "");
	tu_xxh128_hex(tu_img_at(&m->img, start, (size_t)(end - start)), (size_t)(end - start), want);
	cr_assert_str_eq(hex, want);
	cr_assert_eq(strlen(chunks), nchunks * KI_CHUNK_HEX, "%zu chunk hashes expected",
		     nchunks);
	for (size_t i = 0; i < nchunks; i++) {
		uint64_t cstart = start + i * cs, cend = cstart + cs < end ? cstart + cs : end;
		char c[17];

		tu_xxh64_hex(tu_img_at(&m->img, cstart, (size_t)(cend - cstart)),
			     (size_t)(cend - cstart), c);
		cr_assert(!memcmp(chunks + i * KI_CHUNK_HEX, c, KI_CHUNK_HEX),
			  "chunk %zu (0x%" PRIx64 "-0x%" PRIx64 ")", i, cstart, cend);
	}
	free(chunks);
}

Test(hash, chunks_whole_and_partial)
{
	struct mem m;

	mem_init(&m, 0x10000, 0x5000, 0x10000);
	/* 4 whole pages: 4 chunks */
	expect_chunks(&m, BASE, BASE + 0x4000, 0x1000, 4);
	/* 2.5 pages: the last chunk is half a page */
	expect_chunks(&m, BASE + 0x1000, BASE + 0x3800, 0x1000, 3);
	/* chunks of two pages across the segment boundary at 0x5000 */
	expect_chunks(&m, BASE + 0x2000, BASE + 0x9000, 0x2000, 4);
	/* one chunk bigger than the range */
	expect_chunks(&m, BASE, BASE + 0x800, 0x1000, 1);
	mem_fini(&m);
}

Test(hash, chunks_beyond_the_cap_are_not_written)
{
	struct mem m;

	/* 1100 chunks of 0x100 bytes: only the first 1024 are recorded */
	mem_init(&m, 1100 * 0x100, 0, 1100 * 0x100);
	expect_chunks(&m, BASE, BASE + 1100 * 0x100, 0x100, KI_HASH_CHUNKS);
	mem_fini(&m);
}

Test(hash, empty_ranges)
{
	struct mem m;
	char hex[KI_HASH_HEX], want[33], chunks[KI_CHUNK_HEX + 1];
	struct ki_error *err;

	mem_init(&m, 0x1000, 0, 0x1000);
	err = ki_hash_range_chunks(&m.r, BASE, BASE, 0x1000, hex, chunks, NULL, NULL);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, KI_ERR_USAGE);
	ki_error_destroy(err);
	err = ki_hash_range(&m.r, BASE + 1, BASE, hex, NULL, NULL);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, KI_ERR_USAGE);
	ki_error_destroy(err);
	/* start == end: the hash of nothing */
	err = ki_hash_range(&m.r, BASE, BASE, hex, NULL, NULL);
	cr_assert_null(err);
	tu_xxh128_hex("", 0, want);
	cr_expect_str_eq(hex, want);
	mem_fini(&m);
}

static void count_bytes(void *arg, uint64_t bytes)
{
	*(uint64_t *)arg += bytes;
}

Test(hash, progress_adds_up_to_the_range)
{
	struct mem m;
	char hex[KI_HASH_HEX];
	uint64_t done = 0;

	mem_init(&m, (2u << 20) + 0x3000, 0, (2u << 20) + 0x3000);
	cr_assert_null(ki_hash_range(&m.r, BASE + 0x10, BASE + (2u << 20) + 0x2ff0, hex,
				     count_bytes, &done));
	cr_expect_eq(done, (2u << 20) + 0x2fe0);
	mem_fini(&m);
}
