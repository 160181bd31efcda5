// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ki_memreader.h"

void ki_memreader_init(struct ki_memreader *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->path = path;
}

void ki_memreader_deinit(struct ki_memreader *r)
{
	free(r->segs);
	r->segs = NULL;
	r->nsegs = r->cap = 0;
}

struct ki_error *ki_memreader_add_segment(struct ki_memreader *r, uint64_t min,
					  uint64_t file_size, uint64_t mem_size,
					  uint64_t pos, ki_read_fn read,
					  ki_next_data_fn next_data, void *arg)
{
	struct ki_segment *s;

	if (mem_size == 0)
		return NULL;
	if (file_size > mem_size)
		file_size = mem_size;
	/* Clamp a segment that would wrap past the top of the address space. */
	if (mem_size - 1 > UINT64_MAX - min)
		mem_size = UINT64_MAX - min + 1;
	if (file_size > mem_size)
		file_size = mem_size;
	if (r->nsegs == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		void *p = reallocarray(r->segs, cap, sizeof(*r->segs));

		if (!p)
			return &ki_enomem;
		r->segs = p;
		r->cap = cap;
	}
	s = &r->segs[r->nsegs++];
	s->min = min;
	/* mem_end may be 2^64 for a segment reaching the top: saturate. */
	s->mem_end = min + (mem_size - 1) + (min + (mem_size - 1) < UINT64_MAX);
	s->file_end = file_size ? min + file_size : min;
	if (file_size && min + (file_size - 1) == UINT64_MAX)
		s->file_end = UINT64_MAX;
	s->pos = pos;
	s->read = read;
	s->next_data = next_data;
	s->arg = arg;
	return NULL;
}

/*
 * The segment that serves paddr: the first registered one that stores it;
 * else the first that describes it (a filtered tail: NODATA); else NULL.
 * Segments may overlap (a vmcore's kernel-text segment repeats RAM).
 */
static const struct ki_segment *find_segment(struct ki_memreader *r,
					     uint64_t paddr)
{
	const struct ki_segment *desc = NULL;
	/* a hint only, shared by threads that read the same dump (diff) */
	size_t last = __atomic_load_n(&r->last, __ATOMIC_RELAXED);

	if (last < r->nsegs) {
		const struct ki_segment *s = &r->segs[last];

		if (paddr >= s->min && paddr < s->file_end) {
			size_t i;

			for (i = 0; i < last; i++)
				if (paddr >= r->segs[i].min && paddr < r->segs[i].file_end)
					break;
			if (i == last)
				return s;
		}
	}
	for (size_t i = 0; i < r->nsegs; i++) {
		const struct ki_segment *s = &r->segs[i];

		if (paddr < s->min || paddr >= s->mem_end)
			continue;
		if (paddr < s->file_end) {
			__atomic_store_n(&r->last, i, __ATOMIC_RELAXED);
			return s;
		}
		if (!desc)
			desc = s;
	}
	return desc;
}

bool ki_memreader_pread_only(const struct ki_memreader *r)
{
	for (size_t i = 0; i < r->nsegs; i++)
		if (r->segs[i].read != ki_read_fd)
			return false;
	return true;
}

bool ki_memreader_contains(const struct ki_memreader *r, uint64_t paddr,
			   uint64_t len)
{
	return ki_memreader_first_missing(r, paddr, len) == UINT64_MAX;
}

uint64_t ki_memreader_first_missing(const struct ki_memreader *r, uint64_t paddr,
				    uint64_t len)
{
	while (len) {
		const struct ki_segment *hit = NULL;
		uint64_t n;

		for (size_t i = 0; i < r->nsegs; i++) {
			const struct ki_segment *s = &r->segs[i];

			if (paddr >= s->min && paddr < s->file_end) {
				hit = s;
				break;
			}
		}
		if (!hit)
			return paddr;
		n = hit->file_end - paddr;
		if (n >= len)
			break;
		len -= n;
		paddr += n;
	}
	return UINT64_MAX;
}

bool ki_memreader_describes(const struct ki_memreader *r, uint64_t paddr)
{
	for (size_t i = 0; i < r->nsegs; i++)
		if (paddr >= r->segs[i].min && paddr < r->segs[i].mem_end)
			return true;
	return false;
}

const char *ki_memreader_missing_id(const struct ki_memreader *r, uint64_t paddr)
{
	return ki_memreader_describes(r, paddr) ? "not-in-dump" : "map-pointer-outside-dump";
}

struct ki_error *ki_memreader_read(struct ki_memreader *r, uint64_t paddr,
				   void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		const struct ki_segment *s = find_segment(r, paddr);
		struct ki_error *err;
		uint64_t n;

		if (!s)
			return ki_error_set_paddr(ki_error_set_path(
				ki_error_create(KI_ERR_NODATA,
						"physical address 0x%" PRIx64
						" is not in the dump (no segment holds it)",
						paddr), r->path), paddr);
		if (paddr >= s->file_end)
			return ki_error_set_paddr(ki_error_set_path(
				ki_error_create(KI_ERR_NODATA,
						"physical address 0x%" PRIx64
						" is not in the dump (filtered out: the segment at 0x%" PRIx64
						" stores only 0x%" PRIx64 " of 0x%" PRIx64 " bytes)",
						paddr, s->min, s->file_end - s->min,
						s->mem_end - s->min), r->path), paddr);
		n = s->file_end - paddr;
		if (n > len)
			n = len;
		/* Earlier segments win where they overlap: stop where one starts. */
		for (const struct ki_segment *e = r->segs; e < s; e++)
			if (e->min > paddr && e->min - paddr < n && e->file_end > e->min)
				n = e->min - paddr;
		err = s->read(s->arg, p, paddr, n, s->pos + (paddr - s->min));
		if (err)
			return ki_error_set_path(err, r->path);
		p += n;
		paddr += n;
		len -= n;
	}
	return NULL;
}

struct ki_error *ki_pread_full(int fd, const char *path, void *buf, size_t len,
			       uint64_t pos, size_t *ret)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (pos + done > (uint64_t)INT64_MAX)
			break;
		n = pread(fd, (char *)buf + done, len - done, (off_t)(pos + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*ret = done;
			return ki_error_set_offset(
				ki_error_os(errno, path, "read of 0x%zx bytes at offset 0x%" PRIx64,
					    len, pos), (off_t)pos);
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*ret = done;
	return NULL;
}

struct ki_error *ki_read_fd(void *arg, void *buf, uint64_t paddr, size_t len,
			    uint64_t pos)
{
	int fd = (int)(intptr_t)arg;
	struct ki_error *err;
	size_t got;

	err = ki_pread_full(fd, NULL, buf, len, pos, &got);
	if (err)
		return ki_error_set_paddr(err, paddr);
	if (got < len)
		return ki_error_set_offset(ki_error_set_paddr(
			ki_error_create(KI_ERR_TRUNCATED,
					"physical address 0x%" PRIx64
					" should be at file offset 0x%" PRIx64
					", but the file ends before it (truncated dump?)",
					paddr + got, pos + got),
			paddr + got), (off_t)(pos + got));
	return NULL;
}

uint64_t ki_next_data_fd(void *arg, uint64_t pos)
{
	int fd = (int)(intptr_t)arg;
	off_t o;

	if (pos > (uint64_t)INT64_MAX)
		return UINT64_MAX;
	o = lseek(fd, (off_t)pos, SEEK_DATA);
	if (o < 0)
		return errno == ENXIO ? UINT64_MAX : pos;
	return (uint64_t)o;
}
