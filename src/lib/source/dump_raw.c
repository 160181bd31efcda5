// SPDX-License-Identifier: GPL-2.0-or-later
/* A flat memory image: byte N of the file is physical address base + N. */
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "ki_dump.h"

struct ki_error *ki_dump_raw_open(struct ki_dump *d, uint64_t base)
{
	struct stat st;

	if (fstat(d->fd, &st) < 0)
		return ki_error_os(errno, d->path, "cannot stat the dump");
	if (st.st_size <= 0)
		return ki_error_create(KI_ERR_TRUNCATED,
				       "raw image is empty: no memory to read");
	if ((uint64_t)st.st_size - 1 > UINT64_MAX - base)
		return ki_error_create(KI_ERR_USAGE,
				       "--base 0x%" PRIx64 " plus the file size 0x%" PRIx64
				       " runs past the top of the 64-bit address space",
				       base, (uint64_t)st.st_size);
	/* Nothing in a flat image says which machine wrote it. */
	d->arch = NULL;
	d->big_endian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
	ki_findings_add(&d->findings, KI_SEV_INFO, "raw-layout", false, 0,
			"raw image: physical 0x%" PRIx64 "-0x%" PRIx64
			" is file offset 0; host byte order assumed",
			base, base + (uint64_t)st.st_size);
	return ki_memreader_add_segment(&d->mem, base, (uint64_t)st.st_size,
					(uint64_t)st.st_size, 0, ki_read_fd,
					ki_next_data_fd,
					(void *)(intptr_t)d->fd);
}
