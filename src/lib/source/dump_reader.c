// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A dump over the caller's memory: a read callback (drgn's
 * drgn_memory_read_fn has the same shape), the page size and byte order
 * given, and the ranges of memory there are (or, with the FDT's address
 * known, all of the 64-bit space, read only where the decoder asks). Like
 * every container it only registers segments.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ki_dump.h"

static struct ki_error *nodata(const struct ki_dump *d, uint64_t paddr)
{
	return ki_error_set_paddr(ki_error_create(KI_ERR_NODATA,
			"physical address 0x%" PRIx64 " is not in the memory %s reads (it says there is no data there)",
			paddr, d->path), paddr);
}

static struct ki_error *failed(const struct ki_dump *d, uint64_t paddr, size_t len)
{
	struct ki_error *err = ki_error_create(KI_ERR_OS,
			"read of 0x%zx bytes at physical address 0x%" PRIx64 " failed (%s says so)",
			len, paddr, d->path);

	if (err != &ki_enomem)
		err->errnum = EIO;
	return ki_error_set_paddr(err, paddr);
}

/*
 * ki_read_fn over the callback. A read the callback cannot serve whole is
 * retried page by page, so the error names the first page missing (a scan
 * then goes on past it).
 */
static struct ki_error *reader_read(void *arg, void *buf, uint64_t paddr, size_t len,
				    uint64_t pos)
{
	const struct ki_dump *d = arg;
	uint64_t ps = d->page_size;
	size_t done = 0;
	int r;

	(void)pos;
	r = d->reader(d->reader_arg, paddr, buf, len);
	if (r == KI_READER_OK)
		return NULL;
	if (r != KI_READER_NODATA)
		return failed(d, paddr, len);
	while (done < len) {
		uint64_t at = paddr + done;
		size_t n = (size_t)(ps - (at & (ps - 1)));

		if (n > len - done)
			n = len - done;
		if (n == len)
			return nodata(d, at); /* one page: asked already */
		r = d->reader(d->reader_arg, at, (unsigned char *)buf + done, n);
		if (r == KI_READER_NODATA)
			return nodata(d, at);
		if (r != KI_READER_OK)
			return failed(d, at, n);
		done += n;
	}
	return NULL; /* every page came when asked alone */
}

static int cmp_range(const void *a, const void *b)
{
	const struct ki_reader_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The ranges in address order, each a segment; overlaps are refused
 * (a scan would read them twice and see every FDT there twice). */
static struct ki_error *add_ranges(struct ki_dump *d, const struct ki_reader_options *o)
{
	struct ki_reader_range *v;
	struct ki_error *err = NULL;

	v = malloc(o->nranges * sizeof(*v));
	if (!v)
		return &ki_enomem;
	memcpy(v, o->ranges, o->nranges * sizeof(*v));
	qsort(v, o->nranges, sizeof(*v), cmp_range);
	for (size_t i = 0; i < o->nranges && !err; i++) {
		if (v[i].start >= v[i].end)
			err = ki_error_create(KI_ERR_USAGE,
					      "range 0x%" PRIx64 "-0x%" PRIx64 " is empty or reversed (ranges are [start, end))",
					      v[i].start, v[i].end);
		else if (i && v[i].start < v[i - 1].end)
			err = ki_error_create(KI_ERR_USAGE,
					      "ranges 0x%" PRIx64 "-0x%" PRIx64 " and 0x%" PRIx64 "-0x%" PRIx64 " overlap",
					      v[i - 1].start, v[i - 1].end, v[i].start, v[i].end);
		else
			err = ki_memreader_add_segment(&d->mem, v[i].start, v[i].end - v[i].start,
						       v[i].end - v[i].start, v[i].start,
						       reader_read, NULL, d);
	}
	free(v);
	return err;
}

struct ki_error *ki_dump_open_reader(const struct ki_reader_options *o,
				     struct ki_dump **ret)
{
	const char *name = o->name && *o->name ? o->name : "reader";
	struct ki_error *err;
	struct ki_dump *d;

	if (!o->read)
		return ki_error_create(KI_ERR_USAGE, "%s: no read function given", name);
	if (o->page_size != 4096 && o->page_size != 16384 && o->page_size != 65536)
		return ki_error_create(KI_ERR_USAGE,
				       "%s: page size %" PRIu64 " is not one KHO runs with (4096, 16384 or 65536)",
				       name, o->page_size);
	if (o->nranges && !o->ranges)
		return ki_error_create(KI_ERR_USAGE, "%s: %zu ranges said, none given", name,
				       o->nranges);
	d = calloc(1, sizeof(*d));
	if (!d)
		return &ki_enomem;
	d->fd = -1;
	ki_findings_init(&d->findings);
	d->path = strdup(name);
	if (!d->path) {
		free(d);
		return &ki_enomem;
	}
	ki_memreader_init(&d->mem, d->path);
	d->container = "reader";
	d->big_endian = o->big_endian;
	d->reader = o->read;
	d->reader_arg = o->arg;
	ki_dump_set_page_size(d, o->page_size, "given by the reader");
	if (o->nranges)
		err = add_ranges(d, o);
	else
		err = ki_memreader_add_segment(&d->mem, 0, UINT64_MAX, UINT64_MAX, 0,
					       reader_read, NULL, d);
	if (err) {
		ki_dump_destroy(d);
		return err;
	}
	*ret = d;
	return NULL;
}
