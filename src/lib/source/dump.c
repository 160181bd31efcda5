// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ki_dump.h"

enum sniff { SNIFF_ELF, SNIFF_KDUMP, SNIFF_FLAT, SNIFF_FDT, SNIFF_COMPRESSED, SNIFF_UNKNOWN };

/* Compressors whose output people pass as a dump, by magic at offset 0. */
static const struct {
	const char *name;
	const char *magic;
	size_t len;
	const char *cmd;  /* how to decompress, keeping the original */
} compressors[] = {
	{ "gzip", "\x1f\x8b", 2, "gzip -dk" },
	{ "xz", "\xfd" "7zXZ\0", 6, "xz -dk" },
	{ "zstd", "\x28\xb5\x2f\xfd", 4, "zstd -d" },
	{ "bzip2", "BZh", 3, "bzip2 -dk" },
	{ "lz4", "\x04\x22\x4d\x18", 4, "lz4 -d" },
	{ "lz4 (legacy)", "\x02\x21\x4c\x18", 4, "lz4 -d" },
};

static enum sniff sniff(const unsigned char *b, size_t n, size_t *comp)
{
	if (n >= 4 && !memcmp(b, "\x7f" "ELF", 4))
		return SNIFF_ELF;
	if (n >= 8 && !memcmp(b, "KDUMP   ", 8))
		return SNIFF_KDUMP;
	if (n >= 12 && !memcmp(b, "makedumpfile", 12))
		return SNIFF_FLAT;
	if (n >= 4 && !memcmp(b, "\xd0\x0d\xfe\xed", 4))
		return SNIFF_FDT;
	for (size_t i = 0; i < sizeof(compressors) / sizeof(compressors[0]); i++) {
		/* bzip2: "BZh" and a block size digit */
		if (n > compressors[i].len && !memcmp(b, compressors[i].magic, compressors[i].len) &&
		    (strcmp(compressors[i].name, "bzip2") || (b[3] >= '1' && b[3] <= '9'))) {
			*comp = i;
			return SNIFF_COMPRESSED;
		}
	}
	return SNIFF_UNKNOWN;
}

/* What the first bytes say the file is, for messages. */
static const char *sniff_what(enum sniff s, size_t comp)
{
	switch (s) {
	case SNIFF_ELF: return "an ELF file (\"\\x7fELF\" at offset 0)";
	case SNIFF_KDUMP: return "a kdump-compressed dump (\"KDUMP   \" at offset 0)";
	case SNIFF_FLAT: return "a makedumpfile flattened dump (\"makedumpfile\" at offset 0)";
	case SNIFF_FDT: return "a bare FDT blob (0xd00dfeed at offset 0)";
	case SNIFF_COMPRESSED: return compressors[comp].name;
	case SNIFF_UNKNOWN: break;
	}
	return "of no format khoinspect knows (no ELF, kdump or FDT magic at offset 0)";
}

/* The file must be one pread can address: no pipe, device or directory. */
static struct ki_error *check_file(const char *path)
{
	struct stat st;
	const char *what;

	if (stat(path, &st) < 0)
		return ki_error_os(errno, path, "cannot open the dump%s",
				   errno == EACCES ? " (permission denied; /proc/kcore and debugfs need root)" : "");
	if (S_ISREG(st.st_mode)) {
		if (st.st_size == 0)
			return ki_error_set_path(ki_error_create(KI_ERR_FORMAT,
					"is empty (0 bytes): not a memory dump; was it copied or captured completely?"), path);
		return NULL;
	}
	if (S_ISDIR(st.st_mode))
		what = "a directory that is not a copy of /sys/kernel/debug/kho (no fdt file in it)";
	else if (S_ISFIFO(st.st_mode))
		what = "a pipe";
	else if (S_ISCHR(st.st_mode))
		what = "a character device";
	else if (S_ISBLK(st.st_mode))
		what = "a block device";
	else
		what = "not a regular file";
	return ki_error_set_path(ki_error_create(KI_ERR_USAGE,
			"needs a regular file: this is %s; dumps are read at random offsets, so save it to a file first (e.g. `cat %s > dump`)",
			what, path), path);
}

struct ki_error *ki_dump_open(const char *path,
			      const struct ki_dump_options *opts,
			      struct ki_dump **ret)
{
	unsigned char magic[16];
	struct ki_error *err;
	struct ki_dump *d;
	const char *fmt = opts->format;
	bool given = fmt && strcmp(fmt, "auto");
	size_t got, comp = 0;
	enum sniff what;

	if (opts->page_size && opts->page_size != 4096 &&
	    opts->page_size != 16384 && opts->page_size != 65536)
		return ki_error_create(KI_ERR_USAGE,
				       "page size %" PRIu64
				       " is not one KHO runs with (4096, 16384 or 65536)",
				       opts->page_size);
	if (given && strcmp(fmt, "elf") && strcmp(fmt, "kdump") && strcmp(fmt, "raw"))
		return ki_error_create(KI_ERR_USAGE,
				       "unknown --format \"%s\" (known: auto, elf, kdump, raw)",
				       fmt);
	/* before open(): opening a FIFO with no writer would block */
	err = check_file(path);
	if (err)
		return err;
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
	what = sniff(magic, got, &comp);

	/* --base means a raw image, whatever its first bytes look like. */
	if (!given && opts->base_set)
		fmt = "raw";
	if (!fmt || !strcmp(fmt, "auto")) {
		switch (what) {
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
		case SNIFF_COMPRESSED:
			err = ki_error_create(KI_ERR_UNSUPPORTED,
					      "compressed with %s: decompress it first, e.g. `%s %s`",
					      compressors[comp].name, compressors[comp].cmd, path);
			goto fail_path;
		case SNIFF_UNKNOWN:
			err = ki_error_create(KI_ERR_FORMAT,
					      "not a format khoinspect recognises (no ELF, kdump or FDT magic at offset 0); for a flat memory image give --format raw and --base ADDR (its physical start address)");
			goto fail_path;
		}
	} else if (!strcmp(fmt, "raw")) {
		/* the user says raw: a flat image may start with any bytes */
		if (what != SNIFF_UNKNOWN)
			ki_findings_add(&d->findings, KI_SEV_WARNING, "format-override", false, 0,
					"read as a raw image (--format raw or --base), but the file looks like %s%s",
					sniff_what(what, comp), what == SNIFF_COMPRESSED ? " data" : "");
	} else if ((!strcmp(fmt, "elf") && what != SNIFF_ELF) ||
		   (!strcmp(fmt, "kdump") && what != SNIFF_KDUMP)) {
		err = ki_error_create(KI_ERR_FORMAT,
				      "--format %s, but this is %s%s; %s",
				      fmt, sniff_what(what, comp),
				      what == SNIFF_COMPRESSED ? "-compressed data" : "",
				      what == SNIFF_ELF ? "give --format elf or leave --format out" :
				      what == SNIFF_KDUMP ? "give --format kdump or leave --format out" :
				      what == SNIFF_UNKNOWN ? "for a flat memory image give --format raw and --base ADDR" :
				      "leave --format out for what to do");
		goto fail_path;
	}
	if (!strcmp(fmt, "elf")) {
		d->container = "elf";
		err = ki_dump_elf_open(d);
	} else if (!strcmp(fmt, "kdump")) {
		d->container = "kdump";
		err = ki_dump_kdump_open(d);
	} else {
		d->container = "raw";
		err = ki_dump_raw_open(d, opts->base_set ? opts->base : 0);
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
