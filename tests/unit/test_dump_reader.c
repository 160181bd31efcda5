// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A dump over a caller's read callback (dump_reader.c): the memory is a
 * buffer of our own, some of its pages marked missing; every byte and
 * address expected is one put there here.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "ki_dump.h"

enum { PS = 4096, NPAGES = 8 };
static const uint64_t BASE = 0x100000;

struct mem {
	unsigned char bytes[NPAGES * PS];
	uint64_t missing;        /* a page that is not there, or 0 */
	uint64_t broken;         /* a page whose read fails, or 0 */
	unsigned int calls;
};

static int mem_read(void *arg, uint64_t phys, void *buf, size_t len)
{
	struct mem *m = arg;

	m->calls++;
	if (m->missing && phys < m->missing + PS && phys + len > m->missing)
		return KI_READER_NODATA;
	if (m->broken && phys < m->broken + PS && phys + len > m->broken)
		return KI_READER_FAILED;
	if (phys < BASE || phys - BASE + len > sizeof(m->bytes))
		return KI_READER_NODATA;
	memcpy(buf, m->bytes + (phys - BASE), len);
	return KI_READER_OK;
}

static struct mem mem;

static struct ki_dump *open_mem(const struct ki_reader_range *ranges, size_t n)
{
	struct ki_reader_options o = {
		.read = mem_read, .arg = &mem, .name = "test", .page_size = PS,
		.ranges = ranges, .nranges = n,
	};
	struct ki_dump *d = NULL;
	struct ki_error *err = ki_dump_open_reader(&o, &d);

	cr_assert_null(err, "%s", err ? err->message : "");
	return d;
}

static void fill(void)
{
	memset(&mem, 0, sizeof(mem));
	for (size_t i = 0; i < sizeof(mem.bytes); i++)
		mem.bytes[i] = (unsigned char)(i * 7 + 3);
}

Test(dump_reader, reads_through_the_callback)
{
	struct ki_reader_range r = { BASE, BASE + NPAGES * PS };
	unsigned char buf[3 * PS];
	struct ki_dump *d;

	fill();
	d = open_mem(&r, 1);
	cr_assert_str_eq(d->container, "reader");
	cr_assert_eq(d->page_size, PS);
	cr_assert_null(ki_memreader_read(&d->mem, BASE + 100, buf, sizeof(buf)));
	cr_assert_eq(memcmp(buf, mem.bytes + 100, sizeof(buf)), 0);
	ki_dump_destroy(d);
}

Test(dump_reader, nodata_names_the_first_missing_page)
{
	struct ki_reader_range r = { BASE, BASE + NPAGES * PS };
	unsigned char buf[4 * PS];
	struct ki_dump *d;
	struct ki_error *err;

	fill();
	mem.missing = BASE + 3 * PS;
	d = open_mem(&r, 1);
	err = ki_memreader_read(&d->mem, BASE + PS + 8, buf, sizeof(buf));
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_NODATA);
	cr_assert(err->has_paddr);
	cr_assert_eq(err->paddr, BASE + 3 * PS, "paddr %#lx", (unsigned long)err->paddr);
	cr_assert_str_eq(err->path, "test");
	ki_error_destroy(err);
	/* the pages before it were read, page by page */
	cr_assert_eq(memcmp(buf, mem.bytes + PS + 8, 2 * PS - 8), 0);
	ki_dump_destroy(d);
}

Test(dump_reader, failed_read_is_an_os_error)
{
	unsigned char buf[16];
	struct ki_dump *d;
	struct ki_error *err;

	fill();
	mem.broken = BASE;
	d = open_mem(NULL, 0); /* all of the 64-bit space */
	err = ki_memreader_read(&d->mem, BASE + 8, buf, sizeof(buf));
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_OS);
	cr_assert_eq(err->paddr, BASE + 8);
	ki_error_destroy(err);
	/* outside the buffer: the callback says NODATA */
	err = ki_memreader_read(&d->mem, 0x10, buf, sizeof(buf));
	cr_assert_eq(err->code, KI_ERR_NODATA);
	cr_assert_eq(err->paddr, 0x10);
	ki_error_destroy(err);
	ki_dump_destroy(d);
}

Test(dump_reader, ranges_are_the_segments)
{
	struct ki_reader_range r[] = { { BASE + 4 * PS, BASE + 6 * PS }, { BASE, BASE + 2 * PS } };
	unsigned char buf[8];
	struct ki_dump *d;
	struct ki_error *err;

	fill();
	d = open_mem(r, 2);
	cr_assert_eq(d->mem.nsegs, 2);
	cr_assert_eq(d->mem.segs[0].min, BASE, "sorted by address");
	err = ki_memreader_read(&d->mem, BASE + 3 * PS, buf, sizeof(buf));
	cr_assert_eq(err->code, KI_ERR_NODATA, "between the ranges: no segment");
	ki_error_destroy(err);
	cr_assert_null(ki_memreader_read(&d->mem, BASE + 5 * PS, buf, sizeof(buf)));
	ki_dump_destroy(d);
}

Test(dump_reader, bad_arguments_are_usage_errors)
{
	struct ki_reader_range ov[] = { { BASE, BASE + 2 * PS }, { BASE + PS, BASE + 3 * PS } };
	struct ki_reader_range empty = { BASE, BASE };
	struct ki_reader_options o = { .read = mem_read, .arg = &mem, .page_size = 8192 };
	struct ki_dump *d = NULL;
	struct ki_error *err;

	err = ki_dump_open_reader(&o, &d);
	cr_assert_eq(err->code, KI_ERR_USAGE, "page size 8192");
	ki_error_destroy(err);
	o.page_size = PS;
	o.ranges = ov;
	o.nranges = 2;
	err = ki_dump_open_reader(&o, &d);
	cr_assert_eq(err->code, KI_ERR_USAGE, "overlapping ranges");
	cr_assert(strstr(err->message, "overlap"));
	ki_error_destroy(err);
	o.ranges = &empty;
	o.nranges = 1;
	err = ki_dump_open_reader(&o, &d);
	cr_assert_eq(err->code, KI_ERR_USAGE, "empty range");
	ki_error_destroy(err);
	o.read = NULL;
	err = ki_dump_open_reader(&o, &d);
	cr_assert_eq(err->code, KI_ERR_USAGE, "no read function");
	ki_error_destroy(err);
	cr_assert_null(d);
}
