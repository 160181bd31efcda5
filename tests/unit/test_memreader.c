// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The segment reader. Segments are backed either by in-memory buffers (a
 * ki_read_fn of our own, which also records what it was asked for) or by a
 * temp file through ki_read_fd. Every expected byte is one we put there.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ki_memreader.h"
#include "testutils.h"

TestSuite(memreader, .fini = tu_cleanup);

/* An in-memory "file": the read function serves pos from data. */
struct mem_file {
	const unsigned char *data;
	size_t size;
	unsigned int calls;
	uint64_t last_paddr, last_pos;
	size_t last_len;
};

static struct ki_error *mem_read(void *arg, void *buf, uint64_t paddr,
				 size_t len, uint64_t pos)
{
	struct mem_file *m = arg;

	m->calls++;
	m->last_paddr = paddr;
	m->last_pos = pos;
	m->last_len = len;
	if (pos > m->size || len > m->size - pos)
		return ki_error_create(KI_ERR_TRUNCATED, "test file: 0x%zx at 0x%" PRIx64
				       " is past its end", len, pos);
	memcpy(buf, m->data + pos, len);
	return NULL;
}

/* A byte pattern that differs for every file offset and every file. */
static unsigned char pat(unsigned int tag, uint64_t off)
{
	return (unsigned char)(tag * 37u + off * 7u + (off >> 8) * 13u);
}

static unsigned char *make_data(unsigned int tag, size_t size)
{
	unsigned char *p = malloc(size);

	cr_assert_not_null(p);
	for (size_t i = 0; i < size; i++)
		p[i] = pat(tag, i);
	return p;
}

static void expect_bytes(const unsigned char *got, unsigned int tag, uint64_t off,
			 size_t len)
{
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(got[i], pat(tag, off + i),
			     "byte %zu: 0x%02x, expected file %u offset 0x%" PRIx64,
			     i, got[i], tag, off + i);
}

static void expect_nodata(struct ki_error *err, uint64_t paddr)
{
	cr_assert_not_null(err, "expected KI_ERR_NODATA at 0x%" PRIx64, paddr);
	cr_assert_eq(err->code, KI_ERR_NODATA, "code %d: %s", err->code, err->message);
	cr_assert(err->has_paddr);
	cr_assert_eq(err->paddr, paddr, "paddr 0x%" PRIx64 ", expected 0x%" PRIx64,
		     err->paddr, paddr);
	ki_error_destroy(err);
}

Test(memreader, empty_reader_has_nothing)
{
	struct ki_memreader r;
	unsigned char b[4];

	ki_memreader_init(&r, "empty");
	expect_nodata(ki_memreader_read(&r, 0x1000, b, sizeof(b)), 0x1000);
	cr_assert_not(ki_memreader_contains(&r, 0, 1));
	ki_memreader_deinit(&r);
}

/* Three segments with holes between them, backed by one buffer. */
Test(memreader, segments_with_holes)
{
	unsigned char *data = make_data(1, 0x3000);
	struct mem_file f = { .data = data, .size = 0x3000 };
	struct ki_memreader r;
	unsigned char b[0x200];
	struct ki_error *err;

	ki_memreader_init(&r, "holes.img");
	/* [0x10000,0x11000) <- pos 0; [0x20000,0x21000) <- pos 0x1000;
	 * [0x100000000,0x100001000) <- pos 0x2000 */
	cr_assert_null(ki_memreader_add_segment(&r, 0x10000, 0x1000, 0x1000, 0,
						mem_read, NULL, &f));
	cr_assert_null(ki_memreader_add_segment(&r, 0x20000, 0x1000, 0x1000, 0x1000,
						mem_read, NULL, &f));
	cr_assert_null(ki_memreader_add_segment(&r, UINT64_C(0x100000000), 0x1000,
						0x1000, 0x2000, mem_read, NULL, &f));
	cr_assert_eq(r.nsegs, 3);

	cr_assert_null(ki_memreader_read(&r, 0x10000, b, 16));
	expect_bytes(b, 1, 0, 16);
	cr_assert_null(ki_memreader_read(&r, 0x10ff0, b, 16));
	expect_bytes(b, 1, 0xff0, 16);
	cr_assert_null(ki_memreader_read(&r, 0x20123, b, 40));
	expect_bytes(b, 1, 0x1123, 40);
	cr_assert_eq(f.last_pos, 0x1123);
	cr_assert_eq(f.last_paddr, 0x20123);
	cr_assert_eq(f.last_len, 40);
	cr_assert_null(ki_memreader_read(&r, UINT64_C(0x100000800), b, 64));
	expect_bytes(b, 1, 0x2800, 64);
	/* back to the first after the third (segment cache) */
	cr_assert_null(ki_memreader_read(&r, 0x10004, b, 4));
	expect_bytes(b, 1, 4, 4);

	/* holes: below, between, after */
	expect_nodata(ki_memreader_read(&r, 0xfff0, b, 4), 0xfff0);
	expect_nodata(ki_memreader_read(&r, 0x18000, b, 4), 0x18000);
	expect_nodata(ki_memreader_read(&r, 0x21000, b, 1), 0x21000);
	expect_nodata(ki_memreader_read(&r, UINT64_C(0x100001000), b, 1),
		      UINT64_C(0x100001000));
	/* a read starting in a hole reports its first byte */
	expect_nodata(ki_memreader_read(&r, 0xfffc, b, 8), 0xfffc);
	/* a read running from a segment into a hole reports the first missing byte */
	expect_nodata(ki_memreader_read(&r, 0x10ff8, b, 16), 0x11000);
	expect_nodata(ki_memreader_read(&r, 0x20f00, b, 0x200), 0x21000);

	err = ki_memreader_read(&r, 0x18000, b, 4);
	cr_assert_not_null(err);
	cr_assert_str_eq(err->path, "holes.img");
	cr_assert_not_null(strstr(err->message, "0x18000"), "%s", err->message);
	ki_error_destroy(err);

	ki_memreader_deinit(&r);
	free(data);
}

/* Two adjacent segments from different files: one read takes from both. */
Test(memreader, read_spanning_adjacent_segments)
{
	unsigned char *d1 = make_data(1, 0x1000), *d2 = make_data(2, 0x1000);
	struct mem_file f1 = { .data = d1, .size = 0x1000 };
	struct mem_file f2 = { .data = d2, .size = 0x1000 };
	struct ki_memreader r;
	unsigned char b[0x1800];

	ki_memreader_init(&r, "adj");
	cr_assert_null(ki_memreader_add_segment(&r, 0x4000, 0x1000, 0x1000, 0,
						mem_read, NULL, &f1));
	cr_assert_null(ki_memreader_add_segment(&r, 0x5000, 0x1000, 0x1000, 0,
						mem_read, NULL, &f2));
	memset(b, 0xee, sizeof(b));
	cr_assert_null(ki_memreader_read(&r, 0x4ff0, b, 32));
	expect_bytes(b, 1, 0xff0, 16);
	expect_bytes(b + 16, 2, 0, 16);
	cr_assert_eq(f1.calls, 1);
	cr_assert_eq(f2.calls, 1);
	cr_assert_eq(f2.last_paddr, 0x5000);
	cr_assert_eq(f2.last_pos, 0);
	/* both segments whole */
	cr_assert_null(ki_memreader_read(&r, 0x4800, b, 0x1800));
	expect_bytes(b, 1, 0x800, 0x800);
	expect_bytes(b + 0x800, 2, 0, 0x1000);
	/* and one byte past both */
	expect_nodata(ki_memreader_read(&r, 0x4800, b, 0x1801), 0x6000);
	ki_memreader_deinit(&r);
	free(d1);
	free(d2);
}

/* Overlap: the segment registered first wins for the bytes both cover. */
Test(memreader, overlap_first_registered_wins)
{
	unsigned char *da = make_data(10, 0x2000), *db = make_data(11, 0x2000);
	struct mem_file fa = { .data = da, .size = 0x2000 };
	struct mem_file fb = { .data = db, .size = 0x2000 };
	struct ki_memreader r;
	unsigned char b[32];

	ki_memreader_init(&r, "overlap");
	/* A = [0x1000,0x3000) first, B = [0x2000,0x4000) second */
	cr_assert_null(ki_memreader_add_segment(&r, 0x1000, 0x2000, 0x2000, 0,
						mem_read, NULL, &fa));
	cr_assert_null(ki_memreader_add_segment(&r, 0x2000, 0x2000, 0x2000, 0,
						mem_read, NULL, &fb));
	cr_assert_null(ki_memreader_read(&r, 0x2000, b, 16));
	expect_bytes(b, 10, 0x1000, 16);
	cr_assert_null(ki_memreader_read(&r, 0x3000, b, 16));
	expect_bytes(b, 11, 0x1000, 16);
	/* B was hit last; 0x2800 is in both and must still come from A */
	cr_assert_null(ki_memreader_read(&r, 0x2800, b, 16));
	expect_bytes(b, 10, 0x1800, 16);
	/* across A's end: A's last bytes, then B's */
	cr_assert_null(ki_memreader_read(&r, 0x2ff0, b, 32));
	expect_bytes(b, 10, 0x1ff0, 16);
	expect_bytes(b + 16, 11, 0x1000, 16);
	ki_memreader_deinit(&r);
	free(da);
	free(db);
}

/* A big segment registered first hides a small one inside it entirely. */
Test(memreader, overlap_big_first_hides_small)
{
	unsigned char *da = make_data(20, 0x10000), *db = make_data(21, 0x1000);
	struct mem_file fa = { .data = da, .size = 0x10000 };
	struct mem_file fb = { .data = db, .size = 0x1000 };
	struct ki_memreader r;
	unsigned char b[16];

	ki_memreader_init(&r, "overlap");
	cr_assert_null(ki_memreader_add_segment(&r, 0, 0x10000, 0x10000, 0,
						mem_read, NULL, &fa));
	cr_assert_null(ki_memreader_add_segment(&r, 0x2000, 0x1000, 0x1000, 0,
						mem_read, NULL, &fb));
	cr_assert_null(ki_memreader_read(&r, 0x2000, b, 16));
	expect_bytes(b, 20, 0x2000, 16);
	cr_assert_null(ki_memreader_read(&r, 0x2ff8, b, 16));
	expect_bytes(b, 20, 0x2ff8, 16);
	cr_assert_eq(fb.calls, 0, "the hidden segment was read");
	ki_memreader_deinit(&r);
	free(da);
	free(db);
}

/*
 * A small segment registered first wins inside a big later one, also when a
 * read starts in the big one before the small one begins: the bytes from
 * the small one's start on are the small one's.
 */
Test(memreader, overlap_read_runs_into_earlier_segment)
{
	unsigned char *da = make_data(30, 0x1000), *db = make_data(31, 0x4000);
	struct mem_file fa = { .data = da, .size = 0x1000 };
	struct mem_file fb = { .data = db, .size = 0x4000 };
	struct ki_memreader r;
	unsigned char b[32];

	ki_memreader_init(&r, "overlap");
	/* A = [0x3000,0x4000) first, B = [0x1000,0x5000) second */
	cr_assert_null(ki_memreader_add_segment(&r, 0x3000, 0x1000, 0x1000, 0,
						mem_read, NULL, &fa));
	cr_assert_null(ki_memreader_add_segment(&r, 0x1000, 0x4000, 0x4000, 0,
						mem_read, NULL, &fb));
	cr_assert_null(ki_memreader_read(&r, 0x3000, b, 16));
	expect_bytes(b, 30, 0, 16);
	cr_assert_null(ki_memreader_read(&r, 0x2000, b, 16));
	expect_bytes(b, 31, 0x1000, 16);
	/* one read across 0x3000: 16 bytes of B, then 16 of A */
	cr_assert_null(ki_memreader_read(&r, 0x2ff0, b, 32));
	expect_bytes(b, 31, 0x1ff0, 16);
	expect_bytes(b + 16, 30, 0, 16);
	ki_memreader_deinit(&r);
	free(da);
	free(db);
}

/*
 * A vmcore can describe a range twice: once filtered (an earlier segment's
 * p_filesz < p_memsz tail) and once stored. The stored bytes are served;
 * only a byte no segment stores is NODATA.
 */
Test(memreader, overlap_stored_beats_filtered)
{
	unsigned char *da = make_data(40, 0x1000), *db = make_data(41, 0x1000);
	struct mem_file fa = { .data = da, .size = 0x1000 };
	struct mem_file fb = { .data = db, .size = 0x1000 };
	struct ki_memreader r;
	unsigned char b[32];

	ki_memreader_init(&r, "overlap");
	/* A = [0x10000,0x13000) storing only its first page; B = [0x11000,0x12000) */
	cr_assert_null(ki_memreader_add_segment(&r, 0x10000, 0x1000, 0x3000, 0,
						mem_read, NULL, &fa));
	cr_assert_null(ki_memreader_add_segment(&r, 0x11000, 0x1000, 0x1000, 0,
						mem_read, NULL, &fb));
	cr_assert_null(ki_memreader_read(&r, 0x11800, b, 16));
	expect_bytes(b, 41, 0x800, 16);
	cr_assert_null(ki_memreader_read(&r, 0x10ff0, b, 32));
	expect_bytes(b, 40, 0xff0, 16);
	expect_bytes(b + 16, 41, 0, 16);
	cr_assert(ki_memreader_contains(&r, 0x10000, 0x2000));
	/* A's third page is stored by nobody */
	expect_nodata(ki_memreader_read(&r, 0x11ff0, b, 32), 0x12000);
	cr_assert_not(ki_memreader_contains(&r, 0x11ff0, 32));
	ki_memreader_deinit(&r);
	free(da);
	free(db);
}

/* file_size < mem_size: the tail is described but not stored (filtered). */
Test(memreader, filtered_tail_is_nodata)
{
	unsigned char *data = make_data(3, 0x1000);
	struct mem_file f = { .data = data, .size = 0x1000 };
	struct ki_memreader r;
	unsigned char b[32];
	struct ki_error *err;

	ki_memreader_init(&r, "filtered.core");
	cr_assert_null(ki_memreader_add_segment(&r, 0x80000, 0x1000, 0x3000, 0,
						mem_read, NULL, &f));
	cr_assert_null(ki_memreader_read(&r, 0x80ff0, b, 16));
	expect_bytes(b, 3, 0xff0, 16);

	err = ki_memreader_read(&r, 0x81800, b, 8);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_NODATA);
	cr_assert(err->has_paddr);
	cr_assert_eq(err->paddr, 0x81800);
	cr_assert_not_null(strstr(err->message, "filtered"), "message: %s", err->message);
	cr_assert_str_eq(err->path, "filtered.core");
	ki_error_destroy(err);

	/* from stored into the tail: first missing byte */
	expect_nodata(ki_memreader_read(&r, 0x80ff0, b, 32), 0x81000);
	/* past mem_size: a plain hole */
	expect_nodata(ki_memreader_read(&r, 0x83000, b, 1), 0x83000);
	cr_assert_eq(f.calls, 2, "the read function was called for unstored bytes");
	ki_memreader_deinit(&r);
	free(data);
}

/* file_size > mem_size is clamped: nothing beyond mem_size is readable. */
Test(memreader, file_size_clamped_to_mem_size)
{
	unsigned char *data = make_data(4, 0x2000);
	struct mem_file f = { .data = data, .size = 0x2000 };
	struct ki_memreader r;
	unsigned char b[8];

	ki_memreader_init(&r, "clamp");
	cr_assert_null(ki_memreader_add_segment(&r, 0x1000, 0x2000, 0x1000, 0,
						mem_read, NULL, &f));
	cr_assert_null(ki_memreader_read(&r, 0x1ff8, b, 8));
	expect_bytes(b, 4, 0xff8, 8);
	expect_nodata(ki_memreader_read(&r, 0x2000, b, 8), 0x2000);
	cr_assert_not(ki_memreader_contains(&r, 0x1ff8, 16));
	ki_memreader_deinit(&r);
	free(data);
}

/* mem_size 0 registers nothing. */
Test(memreader, empty_segment_ignored)
{
	struct mem_file f = { 0 };
	struct ki_memreader r;

	ki_memreader_init(&r, "x");
	cr_assert_null(ki_memreader_add_segment(&r, 0x1000, 0, 0, 0, mem_read, NULL, &f));
	cr_assert_eq(r.nsegs, 0);
	cr_assert_not(ki_memreader_contains(&r, 0x1000, 1));
	ki_memreader_deinit(&r);
}

Test(memreader, contains)
{
	unsigned char *data = make_data(5, 0x4000);
	struct mem_file f = { .data = data, .size = 0x4000 };
	struct ki_memreader r;

	ki_memreader_init(&r, "c");
	/* [0x1000,0x2000) full, [0x2000,0x3000) full (adjacent),
	 * [0x5000,0x7000) with only 0x1000 stored */
	cr_assert_null(ki_memreader_add_segment(&r, 0x1000, 0x1000, 0x1000, 0,
						mem_read, NULL, &f));
	cr_assert_null(ki_memreader_add_segment(&r, 0x2000, 0x1000, 0x1000, 0x1000,
						mem_read, NULL, &f));
	cr_assert_null(ki_memreader_add_segment(&r, 0x5000, 0x1000, 0x2000, 0x2000,
						mem_read, NULL, &f));
	cr_assert(ki_memreader_contains(&r, 0x1000, 0x1000));
	cr_assert(ki_memreader_contains(&r, 0x1fff, 1));
	cr_assert(ki_memreader_contains(&r, 0x1800, 0x1000));   /* spans both */
	cr_assert(ki_memreader_contains(&r, 0x1000, 0x2000));   /* both whole */
	cr_assert_not(ki_memreader_contains(&r, 0x1000, 0x2001));
	cr_assert_not(ki_memreader_contains(&r, 0xfff, 1));
	cr_assert_not(ki_memreader_contains(&r, 0xfff, 2));
	cr_assert_not(ki_memreader_contains(&r, 0x3000, 1));
	cr_assert(ki_memreader_contains(&r, 0x5000, 0x1000));
	cr_assert_not(ki_memreader_contains(&r, 0x5000, 0x1001)); /* into the filtered tail */
	cr_assert_not(ki_memreader_contains(&r, 0x6000, 1));
	cr_assert_not(ki_memreader_contains(&r, 0x7000, 1));
	/* contains does no I/O */
	cr_assert_eq(f.calls, 0);
	ki_memreader_deinit(&r);
	free(data);
}

/*
 * contains() must agree with read() when segments overlap: where an earlier
 * segment holds an address but stores no bytes for it (filtered), a read
 * fails, so contains() must say no even though a later segment stores it.
 */
Test(memreader, contains_agrees_with_read_on_overlap)
{
	unsigned char *data = make_data(6, 0x4000);
	struct mem_file f = { .data = data, .size = 0x4000 };
	struct ki_memreader r;
	unsigned char b[16];
	struct ki_error *err;
	bool has;

	ki_memreader_init(&r, "c2");
	/* first: [0x3000,0x4000) described, nothing stored */
	cr_assert_null(ki_memreader_add_segment(&r, 0x3000, 0, 0x1000, 0,
						mem_read, NULL, &f));
	/* second: [0x1000,0x5000) fully stored */
	cr_assert_null(ki_memreader_add_segment(&r, 0x1000, 0x4000, 0x4000, 0,
						mem_read, NULL, &f));
	err = ki_memreader_read(&r, 0x3000, b, sizeof(b));
	has = ki_memreader_contains(&r, 0x3000, sizeof(b));
	cr_assert_eq(has, err == NULL,
		     "contains() says %s, read() %s", has ? "yes" : "no",
		     err ? err->message : "succeeded");
	ki_error_destroy(err);
	ki_memreader_deinit(&r);
	free(data);
}

/* ---- file-backed segments through ki_read_fd ---- */

struct tmp {
	const char *path;
	int fd;
};

static void tmp_file(struct tmp *t, const void *data, size_t len)
{
	t->path = tu_write("seg.bin", data, len);
	t->fd = open(t->path, O_RDWR | O_CLOEXEC);
	cr_assert_geq(t->fd, 0);
}

static void tmp_cleanup(struct tmp *t)
{
	close(t->fd);
	tu_cleanup();
}

Test(memreader, file_segment_reads_right_offsets)
{
	unsigned char *data = make_data(7, 0x3000), b[64];
	struct ki_memreader r;
	struct tmp t;

	tmp_file(&t, data, 0x3000);
	ki_memreader_init(&r, t.path);
	/* unaligned file position: paddr 0x40000000 is file offset 0x123 */
	cr_assert_null(ki_memreader_add_segment(&r, 0x40000000, 0x1000, 0x1000, 0x123,
						ki_read_fd, ki_next_data_fd,
						(void *)(intptr_t)t.fd));
	cr_assert_null(ki_memreader_add_segment(&r, 0x50000000, 0x1000, 0x1000, 0x2000,
						ki_read_fd, ki_next_data_fd,
						(void *)(intptr_t)t.fd));
	cr_assert_null(ki_memreader_read(&r, 0x40000000, b, 64));
	expect_bytes(b, 7, 0x123, 64);
	cr_assert_null(ki_memreader_read(&r, 0x50000fc0, b, 64));
	expect_bytes(b, 7, 0x2fc0, 64);
	ki_memreader_deinit(&r);
	tmp_cleanup(&t);
	free(data);
}

/* The file is shorter than the segment says: TRUNCATED at the first missing byte. */
Test(memreader, file_shorter_than_promised_is_truncated)
{
	unsigned char *data = make_data(8, 0x800), b[64];
	struct ki_memreader r;
	struct ki_error *err;
	struct tmp t;

	tmp_file(&t, data, 0x800);
	ki_memreader_init(&r, t.path);
	cr_assert_null(ki_memreader_add_segment(&r, 0x100000, 0x1000, 0x1000, 0,
						ki_read_fd, ki_next_data_fd,
						(void *)(intptr_t)t.fd));
	cr_assert_null(ki_memreader_read(&r, 0x1007c0, b, 64));
	expect_bytes(b, 8, 0x7c0, 64);

	err = ki_memreader_read(&r, 0x100900, b, 16);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_TRUNCATED, "code %d: %s", err->code, err->message);
	cr_assert(err->has_paddr);
	cr_assert_eq(err->paddr, 0x100900);
	cr_assert_str_eq(err->path, t.path);
	ki_error_destroy(err);

	/* straddling EOF: the address and file offset of the first byte not there */
	err = ki_memreader_read(&r, 0x1007f0, b, 32);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_TRUNCATED);
	cr_assert(err->has_paddr);
	cr_assert_eq(err->paddr, 0x100800, "paddr 0x%" PRIx64, err->paddr);
	cr_assert(err->has_offset);
	cr_assert_eq(err->offset, 0x800);
	ki_error_destroy(err);

	/* contains() goes by the segment table, not the file: no I/O */
	cr_assert(ki_memreader_contains(&r, 0x100900, 16));
	ki_memreader_deinit(&r);
	tmp_cleanup(&t);
	free(data);
}

Test(memreader, pread_full_short_read)
{
	unsigned char *data = make_data(9, 100), b[200];
	struct tmp t;
	size_t got = 0;

	tmp_file(&t, data, 100);
	cr_assert_null(ki_pread_full(t.fd, t.path, b, 200, 0, &got));
	cr_assert_eq(got, 100);
	expect_bytes(b, 9, 0, 100);
	cr_assert_null(ki_pread_full(t.fd, t.path, b, 10, 95, &got));
	cr_assert_eq(got, 5);
	expect_bytes(b, 9, 95, 5);
	cr_assert_null(ki_pread_full(t.fd, t.path, b, 10, 1000, &got));
	cr_assert_eq(got, 0);
	tmp_cleanup(&t);
	free(data);
}

Test(memreader, pread_full_bad_fd_is_os_error)
{
	unsigned char b[4];
	size_t got = 99;
	struct ki_error *err = ki_pread_full(-1, "nofile", b, 4, 0, &got);

	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_OS);
	cr_assert_neq(err->errnum, 0);
	cr_assert_str_eq(err->path, "nofile");
	cr_assert_eq(got, 0);
	ki_error_destroy(err);
}
