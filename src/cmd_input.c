// SPDX-License-Identifier: GPL-2.0-or-later
/* Input options and opening an input, shared by list and verify. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ki_cli.h"
#include "ki_input.h"

const char ki_input_kinds_help[] =
	"INPUT is an ELF vmcore, /proc/kcore, a QEMU ELF dump, a kdump-compressed\n"
	"dump or a raw memory image; or a copy of /sys/kernel/debug/kho (or its out/\n"
	"or in/), a bare FDT file, or \"live\" (/sys/kernel/debug/kho with\n"
	"/proc/kcore, root needed), whose blocks need the memory the map lives in\n"
	"(--mem).\n";

const char ki_input_help[] =
	"Input:\n"
	"      --format FMT     auto (default), elf, kdump or raw\n"
	"      --base ADDR      raw image: physical address of byte 0 (implies raw; default 0)\n"
	"      --page-size N    4096, 16384 or 65536 (default: VMCOREINFO, the kdump\n"
	"                       header, the architecture, what the data decodes\n"
	"                       with; else 4096 is assumed, with a warning)\n"
	"      --fdt-phys ADDR  physical address of the KHO FDT (default: scan for it)\n"
	"      --mem FILE       memory (a dump or /proc/kcore) for a debugfs or FDT input\n"
	"      --scratch ADDR:SIZE[,ADDR:SIZE...]\n"
	"                       the scratch areas (default: debugfs scratch_phys/len)\n"
	"      --radix-depth N  levels of the radix tree, leaf included (default: 6 at\n"
	"                       4K, 4 at 64K; at 16K 5, or 4 when only the short tree\n"
	"                       of pre-7.1 kernels decodes cleanly)\n"
	"      --v1-bitmap SIZE kho-v1 bitmap size: 512 (Linux 6.16) or page (later);\n"
	"                       default: decided from the data\n";

bool ki_output_option(int opt)
{
	switch (opt) {
	case 'j':
		ki_global.json = true;
		return true;
	case 'p':
		ki_global.json = ki_global.pretty = true;
		return true;
	default:
		return false;
	}
}

int ki_input_option(const char *cmd, int opt, const char *arg,
		    struct ki_input_opts *o)
{
	struct ki_error *err;
	uint64_t v;

	switch (opt) {
	case KI_OPT_FORMAT:
		if (strcmp(arg, "auto") && strcmp(arg, "elf") &&
		    strcmp(arg, "kdump") && strcmp(arg, "raw")) {
			ki_usage_error(cmd, "--format takes auto, elf, kdump or raw, not \"%s\"", arg);
			return -1;
		}
		o->dump.format = arg;
		return 1;
	case KI_OPT_BASE:
		if (!ki_parse_u64(arg, &o->dump.base)) {
			ki_usage_error(cmd, "--base needs an address (0x… or decimal), not \"%s\"", arg);
			return -1;
		}
		o->dump.base_set = true;
		return 1;
	case KI_OPT_PAGE_SIZE:
		if (!ki_parse_u64(arg, &v) || (v != 4096 && v != 16384 && v != 65536)) {
			ki_usage_error(cmd, "--page-size takes 4096, 16384 or 65536, not \"%s\"", arg);
			return -1;
		}
		o->dump.page_size = v;
		return 1;
	case KI_OPT_MEM:
		o->mem = arg;
		return 1;
	case KI_OPT_FDT_PHYS:
		if (!ki_parse_u64(arg, &o->loc.fdt_phys)) {
			ki_usage_error(cmd, "--fdt-phys needs an address (0x… or decimal), not \"%s\"", arg);
			return -1;
		}
		o->loc.fdt_phys_set = true;
		return 1;
	case KI_OPT_SCRATCH:
		free(o->scratch);
		o->scratch = NULL;
		err = ki_parse_scratch_arg(arg, &o->scratch, &o->nscratch);
		if (err) {
			ki_usage_error(cmd, "%s", err->message);
			ki_error_destroy(err);
			return -1;
		}
		return 1;
	case KI_OPT_DEPTH:
		if (!ki_parse_u64(arg, &v) || v < 2 || v > 8) {
			ki_usage_error(cmd, "--radix-depth takes a number of levels from 2 to 8, not \"%s\"", arg);
			return -1;
		}
		o->loc.map.radix_depth = (unsigned int)v;
		return 1;
	case KI_OPT_V1_BITMAP:
		if (!strcmp(arg, "512")) {
			o->loc.map.v1_bitmap = KI_V1_BITMAP_512;
		} else if (!strcmp(arg, "page")) {
			o->loc.map.v1_bitmap = KI_V1_BITMAP_PAGE;
		} else {
			ki_usage_error(cmd, "--v1-bitmap takes 512 or page, not \"%s\"", arg);
			return -1;
		}
		return 1;
	default:
		return 0;
	}
}

void ki_progress_show(void *arg, uint64_t done, uint64_t total)
{
	struct ki_progress *p = arg;
	time_t now = time(NULL);

	if (!p->on || now == p->last)
		return;
	p->last = now;
	p->printed = true;
	fprintf(stderr, "\rkhoinspect: scanning for KHO FDTs: %" PRIu64 " of %" PRIu64 " MiB (%d%%)",
		done >> 20, total >> 20, total ? (int)(done * 100 / total) : 100);
}

void ki_progress_end(struct ki_progress *p)
{
	if (p->printed)
		fprintf(stderr, "\r\033[K");
}

/* Does INPUT name a debugfs directory, a bare FDT file or "live"? */
static bool is_blob_input(const char *path)
{
	unsigned char magic[4];
	FILE *fp;
	bool fdt = false;

	if (!strcmp(path, "live") || ki_is_dir(path))
		return true;
	fp = fopen(path, "re");
	if (!fp)
		return false;
	fdt = fread(magic, 1, 4, fp) == 4 && !memcmp(magic, "\xd0\x0d\xfe\xed", 4);
	fclose(fp);
	return fdt;
}

static const char *const LIVE_DEBUGFS = "/sys/kernel/debug/kho";
static const char *const LIVE_MEM = "/proc/kcore";

/* debugfs directory, bare FDT or live: the FDT from a file, memory optional. */
static struct ki_error *gather_blob(struct ki_input_opts *o, struct ki_input *l)
{
	bool live = !strcmp(o->input, "live");
	const char *path = live ? LIVE_DEBUGFS : o->input;
	const char *mem = o->mem ? o->mem : live ? LIVE_MEM : NULL;
	struct ki_error *err;
	bool be = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;

	if (o->loc.fdt_phys_set)
		return ki_error_create(KI_ERR_USAGE,
				       "--fdt-phys goes with a dump; %s already holds the FDT", path);
	if (live && !ki_is_dir(path))
		return ki_error_create(KI_ERR_OS,
				       "%s is not there: mount debugfs (mount -t debugfs none /sys/kernel/debug), run as root, on a kernel with KHO debugfs (CONFIG_KEXEC_HANDOVER_DEBUGFS on 6.19+)",
				       path);
	err = ki_debugfs_read(path, &l->f, &l->dbg);
	if (err)
		return err;
	l->container = l->dbg->dir ? "debugfs" : "fdt";
	if (mem) {
		err = ki_dump_open(mem, &o->dump, &l->d);
		if (err)
			return ki_error_prefix(err, "--mem");
		be = l->d->big_endian;
	}
	err = ki_kho_from_blob(l->dbg->fdt, l->dbg->fdt_len, be, l->dbg->fdt_path,
			       &l->f, &l->k);
	if (err)
		return err;
	if (asprintf(&l->found_by, "%s", l->dbg->fdt_path) < 0)
		return &ki_enomem;
	if (l->dbg->nscratch) {
		l->scratch = l->dbg->scratch;
		l->nscratch = l->dbg->nscratch;
		l->scratch_source = l->dbg->scratch_source;
	}
	if (!l->d) {
		ki_findings_add(&l->f, KI_SEV_INFO, "no-memory", false, 0,
				"%s holds the FDT and blobs but not the preserved-memory map: give --mem FILE (a dump of this machine, or /proc/kcore) to list the blocks",
				path);
		return NULL;
	}
	ki_settle_page_size_kho(l->d, l->k, &o->loc.map, &l->f);
	return ki_map_open(l->d, l->k, &o->loc.map, &l->f, &l->m);
}

static struct ki_error *gather_dump(struct ki_input_opts *o, struct ki_input *l)
{
	struct ki_progress prog = { 0 };
	struct ki_error *err;

	if (o->mem)
		return ki_error_create(KI_ERR_USAGE,
				       "--mem goes with a debugfs directory or an FDT file; %s is the memory already",
				       o->input);
	err = ki_dump_open(o->input, &o->dump, &l->d);
	if (err)
		return err;
	l->container = l->d->container;
	prog.on = !ki_global.quiet && !o->no_progress && isatty(2);
	o->loc.progress = ki_progress_show;
	o->loc.progress_arg = &prog;
	err = ki_locate(l->d, &o->loc, &l->f, &l->k, &l->found_by, &l->scratch_found);
	if (!err && l->scratch_found.n) {
		l->scratch = l->scratch_found.areas;
		l->nscratch = l->scratch_found.n;
		l->scratch_source = l->scratch_found.source ? l->scratch_found.source : "memory";
	}
	ki_progress_end(&prog);
	if (!err)
		err = ki_map_open(l->d, l->k, &o->loc.map, &l->f, &l->m);
	if (err) {
		/* What the container said may explain the failure. */
		for (size_t i = 0; i < l->d->findings.n && !ki_global.quiet; i++)
			if (l->d->findings.items[i].severity != KI_SEV_INFO)
				fprintf(stderr, "khoinspect: %s: %s: %s\n", l->d->path,
					ki_severity_name(l->d->findings.items[i].severity),
					l->d->findings.items[i].message);
		ki_error_set_path(err, l->d->path);
	}
	return err;
}

struct ki_error *ki_input_open(struct ki_input_opts *o, struct ki_input *in)
{
	struct ki_error *err;

	memset(in, 0, sizeof(*in));
	ki_findings_init(&in->f);
	in->input = o->input;
	/* --format or --base say INPUT is a dump, even one starting with an FDT. */
	if ((o->dump.format && strcmp(o->dump.format, "auto")) || o->dump.base_set)
		err = gather_dump(o, in);
	else
		err = is_blob_input(o->input) ? gather_blob(o, in) : gather_dump(o, in);
	if (!err && o->nscratch) {
		in->scratch = o->scratch;
		in->nscratch = o->nscratch;
		in->scratch_source = "--scratch";
	}
	return err;
}

void ki_input_close(struct ki_input *in, struct ki_input_opts *o)
{
	free(in->found_by);
	ki_map_destroy(in->m);
	ki_kho_destroy(in->k);
	ki_dump_destroy(in->d);
	ki_debugfs_destroy(in->dbg);
	free(in->scratch_found.areas);
	free(in->scratch_found.source);
	ki_findings_deinit(&in->f);
	free(o->scratch);
	o->scratch = NULL;
}
