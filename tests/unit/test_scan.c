// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The FDT scan (ki_scan_fdts) against a simple reference scan written here,
 * and against what was planted, on crafted dumps.
 *
 * Recipe: "physical memory" is a few segments of pseudo-random non-zero
 * bytes (a dense dump), some pages of them holes (zeros that the segment's
 * next_data skips, as SEEK_DATA does in a sparse file) or unreadable
 * (NODATA, CORRUPT: an excluded or damaged page). Planted in them with
 * libfdt's sequential writer: KHO root FDTs (root compatible "kho-v3") at
 * page starts, in the last page of a segment, either side of a segment
 * boundary, right after a hole and after an unreadable page; a boot DTB
 * whose /chosen names a KHO FDT and a scratch array; x86 setup_data
 * SETUP_KEXEC_KHO records at 8-byte offsets across the scan's 256-byte
 * blocks, its 256 KiB reads and its 1 MiB windows; and FDT magics that are
 * no FDT. The same bytes are also written to a sparse raw file and opened
 * with ki_dump_open, so that the scan meets a real SEEK_DATA.
 *
 * The reference reads each window whole (or page by page up to a page
 * that fails), compares one word per 8 bytes and the magic once a page,
 * and asks libfdt for each FDT's root compatible: the scan as it was
 * before it read in pieces and compared 32 bytes at a time. The windows
 * (1 MiB from a segment's first page or from the first data after a hole;
 * a setup_data header must lie in one) are part of what both compute.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ki_dump.h"
#include "ki_locate.h"
#include "testutils.h"

enum { PAGE = 4096, WINDOW = 1 << 20, MAXSEG = 4 };

static char tmp_dir_live[64], tmp_path_live[128];

static void tmp_remove(void)
{
	if (tmp_path_live[0])
		unlink(tmp_path_live);
	if (tmp_dir_live[0])
		rmdir(tmp_dir_live);
	tmp_path_live[0] = tmp_dir_live[0] = '\0';
}

TestSuite(scan, .fini = tmp_remove);

/* ---- the crafted memory ---- */

struct mseg {
	uint64_t min;
	size_t size;              /* bytes stored (the file's) */
	unsigned char *bytes;
	bool *hole;               /* per page: next_data skips it (zeros) */
	size_t bad;               /* page index that fails to read, or SIZE_MAX */
	enum ki_error_code bad_code;
};

static uint64_t rng = 0x2545f4914f6cdd1d;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void mseg_init(struct mseg *m, uint64_t min, size_t size)
{
	m->min = min;
	m->size = size;
	m->bytes = malloc(size);
	m->hole = calloc(size / PAGE + 1, sizeof(bool));
	cr_assert(m->bytes && m->hole);
	for (size_t i = 0; i < size; i++)
		m->bytes[i] = (unsigned char)(rnd() | 1); /* never zero */
	m->bad = SIZE_MAX;
}

static void mseg_hole(struct mseg *m, size_t first_page, size_t pages)
{
	for (size_t p = first_page; p < first_page + pages; p++) {
		m->hole[p] = true;
		memset(m->bytes + p * PAGE, 0, PAGE);
	}
}

static struct ki_error *mseg_read(void *arg, void *buf, uint64_t paddr, size_t len,
				  uint64_t pos)
{
	struct mseg *m = arg;

	cr_assert_leq(pos + len, m->size, "read past the segment");
	if (m->bad != SIZE_MAX && pos < (m->bad + 1) * PAGE && pos + len > m->bad * PAGE) {
		uint64_t at = m->min + m->bad * PAGE;

		return ki_error_set_paddr(ki_error_create(m->bad_code, "page 0x%" PRIx64 " unreadable",
							  at), at);
	}
	memcpy(buf, m->bytes + pos, len);
	(void)paddr;
	return NULL;
}

static uint64_t mseg_next_data(void *arg, uint64_t pos)
{
	struct mseg *m = arg;

	for (uint64_t p = pos / PAGE; p * PAGE < m->size; p++)
		if (!m->hole[p])
			return p * PAGE > pos ? p * PAGE : pos;
	return UINT64_MAX;
}

/* ---- what is planted ---- */

static size_t kho_fdt(void *buf, size_t size, const char *compat)
{
	cr_assert_eq(fdt_create(buf, (int)size), 0);
	cr_assert_eq(fdt_finish_reservemap(buf), 0);
	cr_assert_eq(fdt_begin_node(buf, ""), 0);
	cr_assert_eq(fdt_property_string(buf, "compatible", compat), 0);
	cr_assert_eq(fdt_end_node(buf), 0);
	cr_assert_eq(fdt_finish(buf), 0);
	return fdt_totalsize(buf);
}

static void le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* SETUP_KEXEC_KHO: next, type 10, len 32, then fdt, fdt size, scratch */
static void setup_data(struct mseg *m, size_t off, uint64_t fdt)
{
	unsigned char *p = m->bytes + off;

	cr_assert_leq(off + 48, m->size);
	le64(p, 0);
	le64(p + 8, UINT64_C(10) | UINT64_C(32) << 32);
	le64(p + 16, fdt);
	le64(p + 24, PAGE);
	le64(p + 32, 0x7f000000 + off);
	le64(p + 40, 48);
}

static void plant_fdt(struct mseg *m, size_t off)
{
	cr_assert_leq(off + 256, m->size);
	kho_fdt(m->bytes + off, 256, "kho-v3");
}

/* ---- the reference scan ---- */

struct ref {
	uint64_t cand[KI_MAX_CANDIDATES];
	size_t n;
	struct ki_scratch_hint hints[KI_MAX_SCRATCH_HINTS];
	size_t nhints;
	uint64_t bytes;
};

static uint64_t rd_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t rd_be(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

static void ref_fdt(struct ki_dump *d, struct ref *r, uint64_t pa, const unsigned char *h)
{
	uint32_t size = (uint32_t)rd_be(h + 4, 4), version = (uint32_t)rd_be(h + 20, 4);
	void *blob;
	const char *compat;
	int len, node;

	/* the header the scan takes: version 16 to 32, last compatible 17 or
	 * less, 40 bytes to 64 KiB */
	if (version < 16 || version > 32 || rd_be(h + 24, 4) > 17 || size < 40 || size > 65536)
		return;
	for (size_t i = 0; i < r->n; i++)
		if (r->cand[i] == pa)
			return;
	blob = aligned_alloc(8, (size + 7) & ~7u);
	cr_assert_not_null(blob);
	if (ki_memreader_read(&d->mem, pa, blob, size) || fdt_check_full(blob, size)) {
		free(blob);
		return;
	}
	compat = fdt_getprop(blob, 0, "compatible", &len);
	if (compat && len > 5 && !strncmp(compat, "kho-v", 5)) {
		cr_assert_lt(r->n, KI_MAX_CANDIDATES);
		r->cand[r->n++] = pa;
	} else if ((node = fdt_path_offset(blob, "/chosen")) >= 0 && r->nhints < KI_MAX_SCRATCH_HINTS) {
		const unsigned char *f = fdt_getprop(blob, node, "linux,kho-fdt", &len);
		const unsigned char *s = fdt_getprop(blob, node, "linux,kho-scratch", &len);

		if (f && s)
			r->hints[r->nhints++] = (struct ki_scratch_hint){
				.at = pa, .dtb = true, .fdt_addr = rd_be(f, 8),
				.scratch_addr = rd_be(s, 8), .scratch_size = rd_be(s + 8, 8),
			};
	}
	free(blob);
}

static void ref_window(struct ki_dump *d, struct ref *r, const unsigned char *buf,
		       uint64_t pa, uint64_t len, uint64_t align)
{
	for (uint64_t h = 0; h + 48 <= len; h += 8) {
		uint64_t v0 = rd_le64(buf + h + 16), v1 = rd_le64(buf + h + 24);
		uint64_t v2 = rd_le64(buf + h + 32), v3 = rd_le64(buf + h + 40);

		if (rd_le64(buf + h + 8) != (UINT64_C(10) | UINT64_C(32) << 32) ||
		    r->nhints >= KI_MAX_SCRATCH_HINTS)
			continue;
		if (!v0 || v0 % 4096 || (v1 != 4096 && v1 != 16384 && v1 != 65536) || !v2 ||
		    !v3 || v3 % 16 || v3 > 65536)
			continue;
		r->hints[r->nhints++] = (struct ki_scratch_hint){
			.at = pa + h, .fdt_addr = v0, .scratch_addr = v2, .scratch_size = v3,
		};
	}
	for (uint64_t off = 0; off + 40 <= len; off += align)
		if (rd_be(buf + off, 4) == 0xd00dfeed)
			ref_fdt(d, r, pa + off, buf + off);
}

static void ref_scan(struct ki_dump *d, uint64_t align, struct ref *r)
{
	unsigned char *buf = malloc(WINDOW);

	cr_assert_not_null(buf);
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < d->mem.nsegs; i++) {
		const struct ki_segment *seg = &d->mem.segs[i];
		uint64_t pa = (seg->min + align - 1) / align * align;

		while (pa < seg->file_end) {
			uint64_t len, got = 0, pos = seg->pos + (pa - seg->min), next;
			struct ki_error *err;

			next = seg->next_data ? seg->next_data(seg->arg, pos) : pos;
			if (next == UINT64_MAX || next - pos >= seg->file_end - pa)
				break;
			pa = (pa + (next - pos) + align - 1) / align * align;
			if (pa >= seg->file_end)
				break;
			len = seg->file_end - pa < WINDOW ? seg->file_end - pa : WINDOW;
			err = ki_memreader_read(&d->mem, pa, buf, len);
			if (!err) {
				ref_window(d, r, buf, pa, len, align);
				r->bytes += len;
				pa += len;
				continue;
			}
			ki_error_destroy(err);
			while (got + align <= len &&
			       !(err = ki_memreader_read(&d->mem, pa + got, buf + got, align)))
				got += align;
			ref_window(d, r, buf, pa, got, align);
			r->bytes += got;
			if (!err)
				break;
			if (err->code != KI_ERR_NODATA && err->code != KI_ERR_CORRUPT) {
				ki_error_destroy(err);
				break;
			}
			ki_error_destroy(err);
			pa += got + align;
		}
	}
	free(buf);
}

/* ---- comparing ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void check_same(struct ki_dump *d, uint64_t align, const uint64_t *planted,
		       size_t nplanted, size_t want_hints)
{
	struct ki_scan *s = calloc(1, sizeof(*s));
	struct ref r;
	uint64_t got[KI_MAX_CANDIDATES];

	cr_assert_not_null(s);
	cr_assert_null(ki_scan_fdts(d, NULL, NULL, s));
	ref_scan(d, align, &r);
	cr_assert_eq(s->n, r.n, "the scan found %zu KHO FDTs, the reference %zu", s->n, r.n);
	for (size_t i = 0; i < s->n; i++) {
		cr_assert_eq(s->cands[i].paddr, r.cand[i], "candidate %zu at 0x%" PRIx64 ", the reference's at 0x%" PRIx64,
			     i, s->cands[i].paddr, r.cand[i]);
		cr_assert_str_eq(s->cands[i].compatible, "kho-v3");
		got[i] = s->cands[i].paddr;
	}
	cr_assert_eq(s->nhints, r.nhints, "the scan found %zu scratch hints, the reference %zu",
		     s->nhints, r.nhints);
	for (size_t i = 0; i < s->nhints; i++) {
		const struct ki_scratch_hint *a = &s->hints[i], *b = &r.hints[i];

		cr_assert(a->at == b->at && a->dtb == b->dtb && a->fdt_addr == b->fdt_addr &&
			  a->scratch_addr == b->scratch_addr && a->scratch_size == b->scratch_size,
			  "hint %zu: at 0x%" PRIx64 ", the reference's at 0x%" PRIx64, i, a->at, b->at);
	}
	cr_assert_eq(s->bytes, r.bytes);
	/* and both found what was planted, no more */
	qsort(got, s->n, sizeof(got[0]), cmp_u64);
	cr_assert_eq(s->n, nplanted, "%zu KHO FDTs found, %zu planted where the scan looks", s->n, nplanted);
	for (size_t i = 0; i < nplanted; i++)
		cr_assert_eq(got[i], planted[i], "planted FDT %zu at 0x%" PRIx64 ", found 0x%" PRIx64,
			     i, planted[i], got[i]);
	cr_assert_eq(s->nhints, want_hints, "%zu hints found, %zu planted", s->nhints, want_hints);
	free(s);
}

static struct ki_dump *crafted_dump(struct mseg *segs, size_t n, uint64_t page_size)
{
	struct ki_dump *d = calloc(1, sizeof(*d));

	cr_assert_not_null(d);
	d->path = strdup("crafted");
	d->fd = -1;
	d->container = "raw";
	d->page_size = page_size;
	d->page_size_candidates = page_size ? (uint32_t)page_size : KI_PS_ANY;
	ki_memreader_init(&d->mem, d->path);
	ki_findings_init(&d->findings);
	for (size_t i = 0; i < n; i++)
		cr_assert_null(ki_memreader_add_segment(&d->mem, segs[i].min, segs[i].size,
							segs[i].size, 0, mseg_read,
							mseg_next_data, &segs[i]));
	return d;
}

static void crafted_free(struct ki_dump *d)
{
	ki_memreader_deinit(&d->mem);
	ki_findings_deinit(&d->findings);
	free(d->path);
	free(d);
}

/*
 * Three segments: A at 1 GiB, 3 MiB + 2 pages + 2048 bytes (a partial last
 * page); B right after A's last byte (its first page starts 2048 bytes
 * in), 1 MiB + 5 pages + 32 bytes; C at 8 GiB, 4 MiB with a hole of 40
 * pages and, in its third window, a page that does not read (bad_code).
 */
static void build(struct mseg *seg, uint64_t *planted, size_t *nplanted, size_t *nhints,
		  enum ki_error_code bad_code)
{
	const uint64_t a = 0x40000000, asize = 3 * WINDOW + 2 * PAGE + 2048;
	const uint64_t b = a + asize, bsize = 2048 + WINDOW + 5 * PAGE + 32, c = 0x200000000;
	size_t n = 0, h = 0;
	unsigned char *p;

	rng = 0x2545f4914f6cdd1d;
	mseg_init(&seg[0], a, asize);
	mseg_init(&seg[1], b, bsize);
	mseg_init(&seg[2], c, 4 * WINDOW);

	/* A: first page, a page start mid-window, the page at a window start,
	 * the last full page, and the partial last page (2048 bytes) */
	plant_fdt(&seg[0], 0);
	plant_fdt(&seg[0], 37 * PAGE);
	plant_fdt(&seg[0], WINDOW);
	plant_fdt(&seg[0], 3 * WINDOW + PAGE);
	plant_fdt(&seg[0], 3 * WINDOW + 2 * PAGE);
	planted[n++] = a;
	planted[n++] = a + 37 * PAGE;
	planted[n++] = a + WINDOW;
	planted[n++] = a + 3 * WINDOW + PAGE;
	planted[n++] = a + 3 * WINDOW + 2 * PAGE;
	/* not FDTs: a magic alone, a KHO FDT 8 bytes into a page, a KHO FDT
	 * that the scan does not take for one (compatible "kho") */
	memcpy(seg[0].bytes + 5 * PAGE, "\xd0\x0d\xfe\xed", 4);
	plant_fdt(&seg[0], 6 * PAGE + 8);
	kho_fdt(seg[0].bytes + 7 * PAGE, 256, "kho");
	/* setup_data: inside a 256-byte block, across two blocks, across the
	 * 256 KiB reads, ending at a window's end, across a window's end
	 * (not seen: a window is looked at alone) */
	setup_data(&seg[0], 9 * PAGE + 64, a);
	setup_data(&seg[0], 10 * PAGE + 232, a);
	setup_data(&seg[0], (256 << 10) - 24, a);
	setup_data(&seg[0], WINDOW - 48, a);
	setup_data(&seg[0], 2 * WINDOW - 40, a);
	h += 4;
	/* a boot DTB naming A's first FDT */
	tu_boot_dtb(seg[0].bytes + 12 * PAGE, 1024, a, PAGE, 0x7f000000, 64);
	h++;

	/* B: its first page, its last full page; a magic in its last 32
	 * bytes (no room for a header); a setup_data header across A's end
	 * and B's start (not seen: a window lies in one segment) */
	plant_fdt(&seg[1], 2048);
	plant_fdt(&seg[1], 2048 + WINDOW + 4 * PAGE);
	planted[n++] = b + 2048;
	planted[n++] = b + 2048 + WINDOW + 4 * PAGE;
	memcpy(seg[1].bytes + bsize - 32, "\xd0\x0d\xfe\xed", 4);
	setup_data(&seg[1], 2048 + WINDOW + 4 * PAGE + 1024, b + 2048);
	h++;
	p = seg[0].bytes + asize - 24;
	le64(p, 0);
	le64(p + 8, UINT64_C(10) | UINT64_C(32) << 32);
	le64(p + 16, a);
	le64(seg[1].bytes, PAGE);
	le64(seg[1].bytes + 8, 0x7f000000);
	le64(seg[1].bytes + 16, 48);

	/* C: a hole of 40 pages from page 3, FDTs right after it and on a
	 * page that a window after the hole starts with; a magic in the hole
	 * would be zeros: its page is left as a hole. An unreadable page in
	 * the third window, FDTs before and after it. */
	mseg_hole(&seg[2], 3, 40);
	plant_fdt(&seg[2], 2 * PAGE);
	plant_fdt(&seg[2], 43 * PAGE);
	plant_fdt(&seg[2], 43 * PAGE + WINDOW);
	planted[n++] = c + 2 * PAGE;
	planted[n++] = c + 43 * PAGE;
	planted[n++] = c + 43 * PAGE + WINDOW;
	seg[2].bad = 600;
	seg[2].bad_code = bad_code;
	plant_fdt(&seg[2], 599 * PAGE);
	plant_fdt(&seg[2], 601 * PAGE);
	planted[n++] = c + 599 * PAGE;
	planted[n++] = c + 601 * PAGE;
	setup_data(&seg[2], 598 * PAGE + 512, c);
	setup_data(&seg[2], 602 * PAGE + 512, c);
	h += 2;
	/* the last page of C */
	plant_fdt(&seg[2], 4 * WINDOW - PAGE);
	planted[n++] = c + 4 * WINDOW - PAGE;
	qsort(planted, n, sizeof(planted[0]), cmp_u64);
	*nplanted = n;
	*nhints = h;
}

static void free_segs(struct mseg *seg, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(seg[i].bytes);
		free(seg[i].hole);
	}
}

Test(scan, agrees_with_reference_4k)
{
	struct mseg seg[3];
	uint64_t planted[32];
	size_t n, h;
	struct ki_dump *d;

	build(seg, planted, &n, &h, KI_ERR_NODATA);
	d = crafted_dump(seg, 3, 4096);
	check_same(d, 4096, planted, n, h);
	crafted_free(d);
	free_segs(seg, 3);
}

Test(scan, agrees_with_reference_damaged_page)
{
	struct mseg seg[3];
	uint64_t planted[32];
	size_t n, h;
	struct ki_dump *d;

	build(seg, planted, &n, &h, KI_ERR_CORRUPT);
	d = crafted_dump(seg, 3, 4096);
	check_same(d, 4096, planted, n, h);
	cr_assert_eq(d->findings.n, 1);
	cr_assert_str_eq(d->findings.items[0].id, "scan-page-damaged");
	crafted_free(d);
	free_segs(seg, 3);
}

/* An unreadable page of another kind ends the segment's scan: the FDTs
 * after it in C are not seen. */
Test(scan, agrees_with_reference_truncated)
{
	struct mseg seg[3];
	uint64_t planted[32], keep[32];
	size_t n, h, k = 0;
	struct ki_dump *d;

	build(seg, planted, &n, &h, KI_ERR_TRUNCATED);
	for (size_t i = 0; i < n; i++)
		if (planted[i] < seg[2].min + 600 * PAGE)
			keep[k++] = planted[i];
	d = crafted_dump(seg, 3, 4096);
	check_same(d, 4096, keep, k, h - 1);
	crafted_free(d);
	free_segs(seg, 3);
}

/* With the page size undecided the scan steps at 4 KiB; at 16 KiB it sees
 * only the FDTs on 16 KiB boundaries. */
Test(scan, agrees_with_reference_16k)
{
	struct mseg seg[3];
	uint64_t planted[32];
	size_t n, h;
	struct ki_dump *d;
	struct ki_scan *s = calloc(1, sizeof(*s));
	struct ref r;

	cr_assert_not_null(s);
	build(seg, planted, &n, &h, KI_ERR_NODATA);
	d = crafted_dump(seg, 3, 0);
	check_same(d, 4096, planted, n, h);
	crafted_free(d);
	d = crafted_dump(seg, 3, 16384);
	cr_assert_null(ki_scan_fdts(d, NULL, NULL, s));
	ref_scan(d, 16384, &r);
	cr_assert_eq(s->n, r.n);
	cr_assert_eq(s->n, 2, "the FDTs on 16 KiB boundaries (A's first page and second window)");
	for (size_t i = 0; i < s->n; i++)
		cr_assert(s->cands[i].paddr == r.cand[i] && !(r.cand[i] % 16384));
	cr_assert_eq(s->nhints, r.nhints);
	for (size_t i = 0; i < s->nhints; i++)
		cr_assert_eq(s->hints[i].at, r.hints[i].at);
	cr_assert_eq(s->bytes, r.bytes);
	free(s);
	crafted_free(d);
	free_segs(seg, 3);
}

/* The same memory as one sparse raw file: ki_read_fd and SEEK_DATA. */
Test(scan, agrees_with_reference_sparse_file)
{
	struct mseg seg[3];
	uint64_t planted[32], keep[32];
	size_t n, h, k = 0;
	struct ki_dump_options o = { .format = "raw", .base_set = true, .page_size = 4096 };
	struct ki_dump *d;
	int fd;

	build(seg, planted, &n, &h, KI_ERR_NODATA);
	cr_assert_not_null(mkdtemp(strcpy(tmp_dir_live, "/tmp/ki-scan.XXXXXX")));
	snprintf(tmp_path_live, sizeof(tmp_path_live), "%s/c.raw", tmp_dir_live);
	fd = open(tmp_path_live, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, (off_t)seg[2].size), 0);
	/* the hole is not written; the "unreadable" page is, as it reads */
	for (size_t p = 0; p < seg[2].size / PAGE; p++)
		if (!seg[2].hole[p])
			cr_assert_eq(pwrite(fd, seg[2].bytes + p * PAGE, PAGE, (off_t)(p * PAGE)), PAGE);
	cr_assert_eq(close(fd), 0);
	o.base = seg[2].min;
	cr_assert_null(ki_dump_open(tmp_path_live, &o, &d));
	/* the FDTs of C, and the one-page blind spot gone */
	for (size_t i = 0; i < n; i++)
		if (planted[i] >= seg[2].min)
			keep[k++] = planted[i];
	check_same(d, 4096, keep, k, 2);
	ki_dump_destroy(d);
	free_segs(seg, 3);
}
