// SPDX-License-Identifier: GPL-2.0-or-later
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

enum sniff { SNIFF_ELF, SNIFF_KDUMP, SNIFF_FLAT, SNIFF_FDT, SNIFF_UNKNOWN };

static enum sniff sniff(const unsigned char *b, size_t n)
{
	if (n >= 4 && !memcmp(b, "\x7f" "ELF", 4))
		return SNIFF_ELF;
	if (n >= 8 && !memcmp(b, "KDUMP   ", 8))
		return SNIFF_KDUMP;
	if (n >= 12 && !memcmp(b, "makedumpfile", 12))
		return SNIFF_FLAT;
	if (n >= 4 && !memcmp(b, "\xd0\x0d\xfe\xed", 4))
		return SNIFF_FDT;
	return SNIFF_UNKNOWN;
}

struct ki_error *ki_dump_open(const char *path,
			      const struct ki_dump_options *opts,
			      struct ki_dump **ret)
{
	unsigned char magic[16];
	struct ki_error *err;
	struct ki_dump *d;
	const char *fmt = opts->format;
	size_t got;

	if (opts->page_size && opts->page_size != 4096 &&
	    opts->page_size != 16384 && opts->page_size != 65536)
		return ki_error_create(KI_ERR_USAGE,
				       "page size %" PRIu64
				       " is not one KHO runs with (4096, 16384 or 65536)",
				       opts->page_size);
	d = calloc(1, sizeof(*d));
	if (!d)
		return &ki_enomem;
	d->fd = -1;
	ki_findings_init(&d->findings);
	d->path = strdup(path);
	if (!d->path) {
		err = &ki_enomem;
		goto fail;
	}
	ki_memreader_init(&d->mem, d->path);
	d->page_size_candidates = KI_PS_ANY;
	d->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0) {
		err = ki_error_os(errno, path, "cannot open the dump%s",
				  errno == EACCES ? " (permission denied; /proc/kcore and debugfs need root)" : "");
		goto fail;
	}
	err = ki_pread_full(d->fd, path, magic, sizeof(magic), 0, &got);
	if (err)
		goto fail;

	/* --base means a raw image, whatever its first bytes look like. */
	if ((!fmt || !strcmp(fmt, "auto")) && opts->base_set)
		fmt = "raw";
	if (!fmt || !strcmp(fmt, "auto")) {
		switch (sniff(magic, got)) {
		case SNIFF_ELF:
			fmt = "elf";
			break;
		case SNIFF_KDUMP:
			fmt = "kdump";
			break;
		case SNIFF_FLAT:
			err = ki_error_create(KI_ERR_UNSUPPORTED,
					      "makedumpfile flattened format (\"makedumpfile\" signature at offset 0) cannot be read in place; rearrange it first: makedumpfile -R OUT < %s",
					      path);
			goto fail_path;
		case SNIFF_FDT:
			err = ki_error_create(KI_ERR_UNSUPPORTED,
					      "this is a bare FDT blob (magic 0xd00dfeed at offset 0), not a memory dump; without memory the preserved-memory map cannot be walked: pass the dump (vmcore, raw image or /proc/kcore) that holds it");
			goto fail_path;
		case SNIFF_UNKNOWN:
			if (opts->base_set) {
				fmt = "raw";
				break;
			}
			err = ki_error_create(KI_ERR_FORMAT,
					      "not a format khoinspect recognises (no ELF, kdump or FDT magic at offset 0); for a flat memory image give --format raw and --base ADDR (its physical start address)");
			goto fail_path;
		}
	}
	if (!strcmp(fmt, "elf")) {
		d->container = "elf";
		err = ki_dump_elf_open(d);
	} else if (!strcmp(fmt, "kdump")) {
		d->container = "kdump";
		err = ki_dump_kdump_open(d);
	} else if (!strcmp(fmt, "raw")) {
		d->container = "raw";
		err = ki_dump_raw_open(d, opts->base_set ? opts->base : 0);
	} else {
		err = ki_error_create(KI_ERR_USAGE,
				      "unknown --format \"%s\" (known: auto, elf, kdump, raw)",
				      fmt);
	}
	if (err)
		goto fail_path;
	if (opts->page_size) {
		if (d->page_size && d->page_size != opts->page_size)
			ki_findings_add(&d->findings, KI_SEV_WARNING,
					"page-size-override", false, 0,
					"--page-size %" PRIu64 " overrides the dump's own %" PRIu64 " (%s)",
					opts->page_size, d->page_size,
					d->page_size_source);
		ki_dump_set_page_size(d, opts->page_size, "--page-size");
	}
	*ret = d;
	return NULL;

fail_path:
	err = ki_error_set_path(err, path);
fail:
	ki_dump_destroy(d);
	return err;
}

void ki_dump_destroy(struct ki_dump *d)
{
	if (!d)
		return;
	ki_memreader_deinit(&d->mem);
	ki_findings_deinit(&d->findings);
	ki_dump_kdump_close(d->kdump);
	if (d->fd >= 0)
		close(d->fd);
	free(d->osrelease);
	free(d->path);
	free(d);
}
