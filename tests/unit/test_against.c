// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verify --against (ki_against): a raw dump checked against a manifest
 * written here by hand, its hashes computed here with libxxhash directly
 * (tu_xxh128_hex, tu_xxh64_hex) over the bytes the test put in the image.
 * Then one byte of the dump changes, and exactly the range (and the page
 * chunk) holding it must be named; nothing else.
 *
 * The image: 4 KiB pages from BASE, 32 pages of pattern. The FDT bytes
 * are the pattern too (against only hashes them). Ranges:
 *   A  0x80002000-0x80006000  order 0, 4 blocks, chunks of one page
 *   B  0x80008000-0x80010000  order 3, 1 block, chunks of one page
 *   C  0x80010000-0x80012000  order 0, 2 blocks, no chunk hashes
 *   D  0x90000000-0x90001000  order 0, a group "not_in_dump" (no hash)
 *   E  0x80014000-0x80015000  order 0, recorded without a hash
 *   F  0x90002000-0x90003000  order 0, with a hash, but outside the dump
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_against.h"
#include "testutils.h"

TestSuite(against, .fini = tu_cleanup);

static const uint64_t BASE = UINT64_C(0x80000000);
enum { PS = 4096, NPAGES = 32 };
static const uint64_t FDT = UINT64_C(0x80000000) + 0x1000, FDT_SIZE = 0x161;
static const uint64_t BLOB = UINT64_C(0x80000000) + 0x7000, BLOB_SIZE = 0x122;

struct setup {
	struct tu_img img;
	char *manifest;   /* text */
	size_t len, cap;
};

static void add(struct setup *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct setup *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->manifest + s->len, s->cap - s->len, fmt, ap);
		va_end(ap);
		cr_assert_geq(n, 0);
		if ((size_t)n < s->cap - s->len)
			break;
		s->cap = s->cap * 2 + (size_t)n + 1;
		s->manifest = realloc(s->manifest, s->cap);
		cr_assert_not_null(s->manifest);
	}
	s->len += (size_t)n;
}

static void hash_of(struct setup *s, uint64_t start, uint64_t end, char out[33])
{
	tu_xxh128_hex(tu_img_at(&s->img, start, (size_t)(end - start)), (size_t)(end - start), out);
}

static void range(struct setup *s, bool comma, uint64_t start, uint64_t end, unsigned int order,
		  uint64_t blocks, const char *owner, bool hashed, bool chunks)
{
	char h[33];

	add(s, "%s{\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64 "\",\"order\":%u,\"blocks\":%" PRIu64
	    ",\"owner\":\"%s\"", comma ? "," : "", start, end, order, blocks, owner);
	if (!hashed) {
		add(s, ",\"xxh3\":null}");
		return;
	}
	hash_of(s, start, end, h);
	add(s, ",\"xxh3\":\"%s\"", h);
	if (chunks) {
		add(s, ",\"chunk_size\":\"0x%x\",\"chunks_xxh3_64\":\"", PS);
		for (uint64_t c = start; c < end; c += PS) {
			char c16[17];

			tu_xxh64_hex(tu_img_at(&s->img, c, PS), PS, c16);
			add(s, "%s", c16);
		}
		add(s, "\"");
	}
	add(s, "}");
}

/* The manifest of the image as it is now; scratch as given. */
static void snapshot(struct setup *s, const char *scratch)
{
	char fh[33], bh[33];

	tu_img_init(&s->img, BASE, NPAGES * PS, PS);
	tu_img_fill(&s->img, BASE, NPAGES * PS, 3);
	hash_of(s, FDT, FDT + FDT_SIZE, fh);
	hash_of(s, BLOB, BLOB + BLOB_SIZE, bh);
	s->manifest = NULL;
	s->len = s->cap = 0;
	add(s, "{\"khoinspect_manifest\":3,\"input\":{\"page_size\":%d},\"hash\":\"xxh3-128\","
	    "\"kho\":{\"compatible\":\"kho-v3\",\"fdt_phys\":\"0x%" PRIx64 "\",\"fdt_size\":\"0x%" PRIx64
	    "\",\"fdt_xxh3\":\"%s\"},", PS, FDT, FDT_SIZE, fh);
	add(s, "\"subnodes\":[{\"name\":\"memblock\",\"phys\":\"0x%" PRIx64 "\",\"size\":\"0x%" PRIx64
	    "\",\"xxh3\":\"%s\"}],", BLOB, BLOB_SIZE, bh);
	add(s, "\"scratch\":[%s],\"ranges\":[", scratch);
	range(s, false, BASE + 0x2000, BASE + 0x6000, 0, 4, "kho:test", true, true);
	range(s, true, BASE + 0x8000, BASE + 0x10000, 3, 1, "luo:sessions", true, true);
	range(s, true, BASE + 0x10000, BASE + 0x12000, 0, 2, "", true, false);
	add(s, ",{\"order\":0,\"owner\":\"unclaimed\",\"not_in_dump\":[[\"0x90000000\",1]]}");
	range(s, true, BASE + 0x14000, BASE + 0x15000, 0, 1, "unclaimed", false, false);
	add(s, ",{\"start\":\"0x90002000\",\"end\":\"0x90003000\",\"order\":0,\"blocks\":1,"
	    "\"xxh3\":\"%s\"}", fh);
	add(s, "],\"map_errors\":0,\"incomplete\":null}");
}

struct result {
	struct ki_findings f;
	struct ki_against_stats st;
};

static void run(struct setup *s, struct result *res)
{
	struct ki_manifest *m = NULL;
	struct ki_dump *d;
	struct ki_error *err;

	d = tu_dump_open(tu_img_write_raw(&s->img, "mem.raw"), "raw", BASE, PS);
	err = ki_manifest_open(tu_write("m.json", s->manifest, s->len), &m);
	cr_assert_null(err, "%s", err ? err->message : "");
	ki_findings_init(&res->f);
	err = ki_against(d, m, &res->f, &res->st);
	cr_assert_null(err, "%s", err ? err->message : "");
	tu_log_findings(&res->f);
	ki_manifest_close(m);
	ki_dump_destroy(d);
}

static void done(struct setup *s, struct result *res)
{
	ki_findings_deinit(&res->f);
	tu_img_free(&s->img);
	free(s->manifest);
}

/* What every run sees besides the change: D and E unrecorded, F not in
 * the dump. */
static void expect_common(const struct result *r)
{
	const struct ki_finding *x = tu_find(&r->f, "not-in-dump");

	cr_expect_eq(r->st.ranges, 6);
	cr_expect_eq(r->st.unverified, 1);
	cr_expect_eq(r->st.unrecorded, 2);
	cr_assert_not_null(x);
	cr_expect_eq(x->severity, KI_SEV_WARNING);
	cr_expect_eq(x->paddr, UINT64_C(0x90002000));
	cr_expect_eq(tu_count(&r->f, "not-in-dump"), 1);
}

Test(against, unchanged_dump_is_the_same)
{
	struct setup s;
	struct result r;

	snapshot(&s, "");
	run(&s, &r);
	expect_common(&r);
	cr_expect_eq(r.st.same, 3);
	cr_expect_eq(r.st.changed, 0);
	cr_expect_eq(r.st.blobs_unverified, 0);
	cr_expect_eq(r.f.n, 1, "only not-in-dump");
	done(&s, &r);
}

/* One byte changed at pa: exactly one error finding, at want_pa. */
static void one_change(uint64_t pa, const char *want_id, uint64_t want_pa, const char *want_text)
{
	struct setup s;
	struct result r;
	const struct ki_finding *x;

	snapshot(&s, "{\"start\":\"0x80010000\",\"size\":\"0x1000\"}");
	tu_img_at(&s.img, pa, 1)[0] ^= 0x40;
	run(&s, &r);
	expect_common(&r);
	cr_expect_eq(r.f.counts[KI_SEV_ERROR], 1, "one error finding");
	x = tu_find(&r.f, want_id);
	cr_assert_not_null(x, "no %s", want_id);
	cr_expect_eq(x->severity, KI_SEV_ERROR);
	cr_expect_eq(x->paddr, want_pa, "%s at 0x%" PRIx64 ", expected 0x%" PRIx64, want_id,
		     x->paddr, want_pa);
	cr_expect_not_null(strstr(x->message, want_text), "\"%s\" lacks \"%s\"", x->message,
			   want_text);
	done(&s, &r);
}

Test(against, byte_in_a_range_names_its_page)
{
	/* range A, its third page: 0x80004000-0x80005000 */
	one_change(BASE + 0x4abc, "range-changed", BASE + 0x4000,
		   "range 0x80002000-0x80006000 (order 0, 4 blocks, owner kho:test) differs from the manifest, first at 0x80004000-0x80005000");
}

Test(against, byte_in_an_order_3_block)
{
	/* range B is one 32 KiB block in 8 page chunks: the last one */
	one_change(BASE + 0xffff, "range-changed", BASE + 0xf000,
		   "first at 0x8000f000-0x80010000");
}

Test(against, range_without_chunk_hashes_names_the_range_and_scratch)
{
	/* range C: no chunks recorded, so the range itself; it overlaps the
	 * scratch area of the manifest */
	one_change(BASE + 0x11000, "range-changed", BASE + 0x10000,
		   "owner not recorded) differs from the manifest; it lies in scratch area 0x80010000-0x80011000");
}

Test(against, fdt_and_blob_changes)
{
	one_change(FDT + FDT_SIZE - 1, "fdt-changed", FDT, "is not the one the manifest recorded");
	one_change(BLOB, "blob-changed", BLOB, "sub-blob \"memblock\" at 0x80007000 (0x122 bytes) differs");
}

Test(against, bytes_outside_what_was_recorded_do_not_count)
{
	struct setup s;
	struct result r;

	snapshot(&s, "");
	/* the FDT's page past its size, a page no range holds, range E */
	tu_img_at(&s.img, FDT + FDT_SIZE, 1)[0] ^= 1;
	tu_img_at(&s.img, BASE + 0x6000, 1)[0] ^= 1;
	tu_img_at(&s.img, BASE + 0x14000, 1)[0] ^= 1;
	run(&s, &r);
	expect_common(&r);
	cr_expect_eq(r.st.same, 3);
	cr_expect_eq(r.f.counts[KI_SEV_ERROR], 0);
	done(&s, &r);
}

Test(against, fdt_outside_the_dump_is_unverified)
{
	struct setup s;
	struct result r;
	const char *at;

	snapshot(&s, "");
	/* move the recorded FDT out of the image */
	at = strstr(s.manifest, "\"fdt_phys\":\"0x80001000\"");
	cr_assert_not_null(at);
	memcpy(strstr(at, "0x8"), "0x9", 3);
	run(&s, &r);
	cr_expect_eq(r.st.blobs_unverified, 1);
	cr_expect_not_null(tu_find_at(&r.f, "fdt-not-in-dump", UINT64_C(0x90001000)));
	cr_expect_eq(r.f.counts[KI_SEV_ERROR], 0);
	done(&s, &r);
}
