// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the container readers share, below them and below the dispatch in
 * dump.c: the dump's byte order, the page sizes each architecture runs
 * with, setting the page size, and VMCOREINFO's lines.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ki_dump.h"

uint64_t ki_dump_u64(const struct ki_dump *d, const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return d->big_endian ? be64toh(v) : le64toh(v);
}

uint32_t ki_dump_u32(const struct ki_dump *d, const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return d->big_endian ? be32toh(v) : le32toh(v);
}

uint32_t ki_arch_page_sizes(const char *arch)
{
	static const struct {
		const char *name;
		uint32_t sizes;
	} table[] = {
		{ "x86_64", KI_PS_4K },
		{ "i386", KI_PS_4K },
		{ "s390x", KI_PS_4K },
		{ "riscv64", KI_PS_4K },
		{ "arm", KI_PS_4K },
		{ "aarch64", KI_PS_ANY },
		{ "loongarch64", KI_PS_ANY },
		{ "ppc64", KI_PS_4K | KI_PS_64K },
	};

	if (!arch)
		return KI_PS_ANY;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].name, arch))
			return table[i].sizes;
	return KI_PS_ANY;
}

const char *ki_arch_page_size_rule(const char *arch)
{
	static const struct {
		const char *name, *rule;
	} table[] = {
		{ "x86_64", "x86_64 runs with 4 KiB pages only" },
		{ "i386", "i386 runs with 4 KiB pages only" },
		{ "s390x", "s390x runs with 4 KiB pages only" },
		{ "riscv64", "riscv64 runs with 4 KiB pages only" },
		{ "arm", "32-bit arm runs with 4 KiB pages only" },
	};

	for (size_t i = 0; arch && i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].name, arch))
			return table[i].rule;
	return NULL;
}

void ki_dump_set_page_size(struct ki_dump *d, uint64_t page_size,
			   const char *source)
{
	d->page_size = page_size;
	d->page_size_source = source;
	d->page_size_candidates = (uint32_t)page_size;
}

void ki_dump_parse_vmcoreinfo(struct ki_dump *d, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n > 9 && !memcmp(p, "PAGESIZE=", 9)) {
			char buf[32];
			char *e;
			unsigned long long v;

			if (n - 9 < sizeof(buf)) {
				memcpy(buf, p + 9, n - 9);
				buf[n - 9] = '\0';
				errno = 0;
				v = strtoull(buf, &e, 10);
				if (!errno && *e == '\0' &&
				    (v == 4096 || v == 16384 || v == 65536))
					ki_dump_set_page_size(d, v, "VMCOREINFO PAGESIZE");
				else
					ki_findings_add(&d->findings, KI_SEV_WARNING,
							"vmcoreinfo-pagesize", false, 0,
							"VMCOREINFO says PAGESIZE=%s, not a page size KHO runs with; ignored",
							buf);
			}
		} else if (n > 10 && !memcmp(p, "OSRELEASE=", 10) && !d->osrelease) {
			d->osrelease = strndup(p + 10, n - 10 > 64 ? 64 : n - 10);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
}
