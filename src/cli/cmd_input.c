// SPDX-License-Identifier: GPL-2.0-or-later
/* Input options and opening an input, shared by list and verify. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ki_cli.h"
#include "ki_debugfs_mem.h"
#include "ki_input.h"

const char ki_input_kinds_help[] =
	"INPUT is an ELF vmcore, /proc/kcore, a QEMU ELF dump, a kdump-compressed\n"
	"dump or a raw memory image; or a copy of /sys/kernel/debug/kho (or its out/\n"
	"or in/), a bare FDT file, or \"live\" (/sys/kernel/debug/kho with\n"
	"/proc/kcore, root needed), whose blocks need the memory the map lives in\n"
	"(--mem); with memory, the FDT and blobs are read there. in/ is the\n"
	"hand-over consumed at boot: its blocks only from memory that still holds\n"
	"its map (a dump taken at the jump).\n";

const char ki_input_help[] =
	"Input:\n"
	"      --format FMT     auto (default), elf, kdump or raw\n"
	"      --base ADDR      raw image: physical address of byte 0 (implies raw; default 0)\n"
	"      --page-size N    4096, 16384 or 65536 (default: VMCOREINFO, the kdump\n"
	"                       header, the architecture, what the data decodes\n"
	"                       with; else 4096 is assumed, with a warning)\n"
	"      --fdt-phys ADDR  physical address of the KHO FDT (default: scan for it;\n"
	"                       with a debugfs copy, the one the copy shows)\n"
	"      --mem FILE       memory (a dump or /proc/kcore) for a debugfs or FDT input\n"
	"      --scratch ADDR:SIZE[,ADDR:SIZE...]\n"
	"                       the scratch areas, \"boot memory\" since Linux 7.4\n"
	"                       (default: debugfs scratch_phys/len or 7.4's\n"
	"                       bootmem_phys/len)\n"
	"      --radix-depth N  levels of the radix tree, leaf included (default: 6 at\n"
	"                       4K, 4 at 64K; at 16K 5, or 4 when only the short tree\n"
	"                       of pre-7.1 kernels decodes cleanly)\n"
	"      --v1-bitmap SIZE kho-v1 bitmap size: 512 (Linux 6.16) or page (later);\n"
	"                       default: decided from the data\n";

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

/* The running kernel: its debugfs and memory (KHOINSPECT_LIVE_DEBUGFS and
 * KHOINSPECT_LIVE_MEM stand in for them, for tests and for copies of a
 * machine's files kept together). */
const char *ki_live_debugfs(void)
{
	const char *e = getenv("KHOINSPECT_LIVE_DEBUGFS");

	return e && *e ? e : KI_LIVE_DEBUGFS;
}

const char *ki_live_mem(void)
{
	const char *e = getenv("KHOINSPECT_LIVE_MEM");

	return e && *e ? e : KI_LIVE_MEM;
}

struct ki_error *ki_live_mem_check(void)
{
	return ki_handover_live_mem_check(ki_live_mem());
}

/* The hand-over is put together by the library (ki_handover.h); here the
 * options become its options, "live" becomes paths, and progress goes to
 * stderr. */
struct ki_error *ki_input_open(struct ki_input_opts *o, struct ki_handover *in)
{
	struct ki_handover_options ho = { 0 };
	struct ki_progress prog = { 0 };
	struct ki_error *err;

	ho.input = o->input;
	ho.live = !strcmp(o->input, "live");
	ho.live_debugfs = ki_live_debugfs();
	ho.live_mem = ki_live_mem();
	ho.dump = o->dump;
	ho.loc = o->loc;
	ho.mem = o->mem;
	ho.scratch = o->scratch;
	ho.nscratch = o->nscratch;
	prog.on = !ki_global.quiet && !o->no_progress && isatty(2);
	ho.loc.progress = ki_progress_show;
	ho.loc.progress_arg = &prog;
	err = ki_handover_open(&ho, in);
	ki_progress_end(&prog);
	if (err && in->d && !in->dbg) {
		/* What the container said may explain the failure. */
		for (size_t i = 0; i < in->d->findings.n && !ki_global.quiet; i++)
			if (in->d->findings.items[i].severity != KI_SEV_INFO)
				fprintf(stderr, "khoinspect: %s: %s: %s\n", in->d->path,
					ki_severity_name(in->d->findings.items[i].severity),
					in->d->findings.items[i].message);
	}
	return err;
}

void ki_input_close(struct ki_handover *in, struct ki_input_opts *o)
{
	ki_handover_deinit(in);
	free(o->scratch);
	o->scratch = NULL;
}
