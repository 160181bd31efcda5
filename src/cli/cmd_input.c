// SPDX-License-Identifier: GPL-2.0-or-later
/* Input options and opening an input, shared by list and verify. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

bool ki_output_option(int opt)
{
	switch (opt) {
	case 'j':
		ki_global.json = true;
		return true;
	case 'p':
		ki_global.json = ki_global.pretty = true;
		return true;
	case 'q':
		ki_global.quiet = true;
		return true;
	case 'v':
		ki_global.verbose++;
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

	struct stat st;

	if (!strcmp(path, "live") || ki_is_dir(path))
		return true;
	/* a pipe or device is not opened here (a FIFO would block): the
	 * dump path says what it is */
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return false;
	fp = fopen(path, "re");
	if (!fp)
		return false;
	fdt = fread(magic, 1, 4, fp) == 4 && !memcmp(magic, "\xd0\x0d\xfe\xed", 4);
	fclose(fp);
	return fdt;
}

/* The running kernel: its debugfs and memory (KHOINSPECT_LIVE_DEBUGFS and
 * KHOINSPECT_LIVE_MEM stand in for them, for tests and for copies of a
 * machine's files kept together). */
const char *ki_live_debugfs(void)
{
	const char *e = getenv("KHOINSPECT_LIVE_DEBUGFS");

	return e && *e ? e : "/sys/kernel/debug/kho";
}

const char *ki_live_mem(void)
{
	const char *e = getenv("KHOINSPECT_LIVE_MEM");

	return e && *e ? e : "/proc/kcore";
}

struct ki_error *ki_live_mem_check(void)
{
	const char *mem = ki_live_mem();

	if (access(mem, R_OK) == 0)
		return NULL;
	return ki_error_os(errno, mem,
			   "cannot read the running kernel's memory%s; \"live\" reads it through %s (root and CONFIG_PROC_KCORE needed)",
			   errno == ENOENT ? " (no such file: a kernel without CONFIG_PROC_KCORE, or a container without it)"
			   : errno == EACCES || errno == EPERM ? " (permission denied: run as root)" : "",
			   mem);
}

/* Progress of a scan of the memory behind a debugfs copy. */
static void blob_progress(struct ki_input_opts *o, struct ki_progress *prog)
{
	prog->on = !ki_global.quiet && !o->no_progress && isatty(2);
}

/* Where the chosen FDT came from, for the header. */
static struct ki_error *set_found_by(struct ki_input *l, const char *s)
{
	free(l->found_by);
	l->found_by = strdup(s);
	return l->found_by ? NULL : &ki_enomem;
}

/* The FDT of a copy's file (and the header's "found by" naming it); the
 * errors say what debugfs did and what to do. */
static struct ki_error *fdt_from_file(struct ki_input *l, bool be)
{
	const struct ki_debugfs *dbg = l->dbg;
	struct ki_error *err;

	if (!dbg->fdt) {
		if (dbg->in_dir)
			return ki_error_set_path(ki_error_create(KI_ERR_NODATA,
					"no fdt here: a kernel booted through KHO shows its outgoing FDT only in memory; give --mem FILE (a dump of this machine, or /proc/kcore) to find it there. The hand-over this kernel received (%s) was consumed at boot: `khoinspect list %s` shows its FDT and blobs",
					dbg->in_dir, dbg->in_dir), dbg->dir);
		return ki_error_set_path(ki_error_create(KI_ERR_NODATA,
				"no fdt here (a kernel booted through KHO shows its outgoing FDT only in memory); give --mem FILE (a dump of this machine, or /proc/kcore) to find it there"),
				dbg->dir);
	}
	if (dbg->fdt_truncated)
		return ki_error_set_path(ki_error_create(KI_ERR_TRUNCATED,
				"FDT header says 0x%x bytes but only 0x%zx are there: %s; give --mem FILE (a dump of this machine, or /proc/kcore) to read the whole FDT from memory",
				dbg->fdt_totalsize, dbg->fdt_len,
				dbg->side == KI_DEBUGFS_OUT
				? "debugfs truncated it (it sizes out/fdt when the file is created, and clients have added sub-nodes since)"
				: "the file is cut short (a debugfs out/fdt is sized when it is created, and the FDT grows as clients add sub-nodes)"),
				dbg->fdt_path);
	err = ki_kho_from_blob(dbg->fdt, dbg->fdt_len, be, dbg->fdt_path, &l->f, &l->k);
	return err ? err : set_found_by(l, dbg->fdt_path);
}

/* With memory: the FDT the copy shows, read where it lives. */
static struct ki_error *fdt_from_memory(struct ki_input_opts *o, struct ki_input *l,
					struct ki_debugfs_match *mt)
{
	struct ki_progress prog = { 0 };
	struct ki_error *err;

	if (o->loc.fdt_phys_set) {
		mt->found = true;
		mt->fdt_phys = o->loc.fdt_phys;
		mt->how = strdup("--fdt-phys");
		return mt->how ? NULL : &ki_enomem;
	}
	blob_progress(o, &prog);
	err = ki_debugfs_find_fdt(l->d, l->dbg, &o->loc.map, ki_progress_show, &prog, mt);
	ki_progress_end(&prog);
	return err;
}

static struct ki_error *load_found(struct ki_input *l, struct ki_debugfs_match *mt)
{
	struct ki_error *err = ki_kho_load(l->d, mt->fdt_phys, &l->f, &l->k);

	if (err)
		return ki_error_set_path(err, l->d->path);
	ki_debugfs_check_fdt(l->dbg, l->k->blob, l->k->fdt_size, mt->fdt_phys, &l->f);
	l->found_by = mt->how;
	mt->how = NULL;
	return NULL;
}

/* out/ (or a plain copy or FDT file): this kernel's hand-over. */
static struct ki_error *gather_outgoing(struct ki_input_opts *o, struct ki_input *l, bool be)
{
	struct ki_debugfs *dbg = l->dbg;
	struct ki_debugfs_match mt = { 0 };
	struct ki_error *err = NULL;

	if (l->d && !dbg->fdt && !dbg->nsubs && !o->loc.fdt_phys_set) {
		/* nothing in the copy says which FDT: the scan's choice */
		ki_findings_add(&l->f, KI_SEV_INFO, "debugfs-names-nothing", false, 0,
				"%s has neither fdt nor sub_fdts files: the KHO FDT is the scan's choice alone",
				dbg->dir ? dbg->dir : "the copy");
		err = ki_locate(l->d, &o->loc, &l->f, &l->k, &l->found_by, NULL);
		if (err)
			return ki_error_set_path(err, l->d->path);
	} else if (l->d) {
		err = fdt_from_memory(o, l, &mt);
		if (!err && mt.found)
			err = load_found(l, &mt);
		else if (!err && dbg->fdt && !dbg->fdt_truncated)
			ki_findings_add(&l->f, KI_SEV_WARNING, "debugfs-fdt-not-in-memory", false, 0,
					"%s; the copy's FDT is used (its address unknown, its own page not checked)",
					mt.how);
		else if (!err)
			err = ki_error_create(KI_ERR_FORMAT, "%s", mt.how);
		free(mt.how);
		if (err)
			return err;
	}
	if (!l->k && (err = fdt_from_file(l, be)))
		return err;
	if (dbg->in_dir)
		ki_findings_add(&l->f, KI_SEV_INFO, "debugfs-in-too", false, 0,
				"%s is the hand-over this kernel received, consumed at boot (its map pages were freed and reused); `khoinspect list %s` shows its FDT and blobs",
				dbg->in_dir, dbg->in_dir);
	return NULL;
}

/* in/: the hand-over this kernel received, consumed at boot. */
static struct ki_error *gather_incoming(struct ki_input_opts *o, struct ki_input *l, bool be,
					bool running)
{
	struct ki_debugfs *dbg = l->dbg;
	struct ki_debugfs_match mt = { 0 };
	struct ki_error *err;

	ki_findings_add(&l->f, KI_SEV_INFO, "debugfs-incoming", false, 0,
			"%s is the hand-over this kernel received: it was consumed at boot (its map pages were freed then and get reused; a client may free its blob once it has restored)",
			dbg->dir);
	if (l->d && !running) {
		/* the FDT's address, for its own page: the copy is complete
		 * (in/fdt is sized from the FDT the kernel received) */
		err = fdt_from_memory(o, l, &mt);
		if (!err && mt.found)
			err = load_found(l, &mt);
		else if (!err)
			ki_findings_add(&l->f, KI_SEV_INFO, "debugfs-fdt-not-in-memory", false, 0,
					"%s; the copy's FDT is used", mt.how);
		free(mt.how);
		if (err)
			return err;
	}
	if (!l->k && (err = fdt_from_file(l, be)))
		return err;
	return NULL;
}

static bool is_running_memory(const char *mem)
{
	char *a = realpath(mem, NULL), *b = realpath(ki_live_mem(), NULL);
	bool r = a && b && !strcmp(a, b);

	free(a);
	free(b);
	return r || !strcmp(mem, "/proc/kcore");
}

/* Walk the incoming map; a map that does not decode is one the kernel
 * consumed and reused: its blocks are not checkable from this memory. */
static struct ki_error *walk_incoming(struct ki_input_opts *o, struct ki_input *l, bool running)
{
	struct ki_findings tf;
	struct ki_error *err;

	if (running) {
		ki_findings_add(&l->f, KI_SEV_ERROR, "incoming-consumed", l->k->has_map, l->k->map_phys,
				"%s: the incoming hand-over was consumed when this kernel booted: its map (0x%" PRIx64
				") lies in pages this kernel freed and reuses, so its blocks cannot be checked from %s; a dump taken at the jump (before the new kernel boots) holds them. The FDT and blobs are shown",
				l->dbg->dir, l->k->map_phys, l->d->path);
		l->incoming_consumed = true;
		return NULL;
	}
	ki_findings_init(&tf);
	ki_settle_page_size_kho(l->d, l->k, &o->loc.map, &l->f);
	err = ki_map_open(l->d, l->k, &o->loc.map, &tf, &l->m);
	if (!err && (tf.counts[KI_SEV_ERROR] || l->m->errors)) {
		ki_findings_add(&l->f, KI_SEV_ERROR, "incoming-consumed", l->k->has_map, l->k->map_phys,
				"%s: its map at 0x%" PRIx64 " does not decode in %s (%zu errors, the first: %s): the incoming hand-over was consumed at boot and its map pages were reused, so its blocks are not checkable from this memory; a dump taken at the jump (before the new kernel boots) holds them",
				l->dbg->dir, l->k->map_phys, l->d->path, tf.counts[KI_SEV_ERROR],
				tf.n ? tf.items[0].message : "none kept");
		ki_map_destroy(l->m);
		l->m = NULL;
		l->incoming_consumed = true;
	} else if (!err) {
		for (size_t i = 0; i < tf.n; i++)
			ki_findings_add(&l->f, tf.items[i].severity, tf.items[i].id, tf.items[i].has_paddr,
					tf.items[i].paddr, "%s", tf.items[i].message);
	}
	ki_findings_deinit(&tf);
	return err;
}

/* The map, and the root FDT page in it (ki_map_check_fdt_page). */
static struct ki_error *open_map(struct ki_input_opts *o, struct ki_input *l)
{
	struct ki_error *err = ki_map_open(l->d, l->k, &o->loc.map, &l->f, &l->m);

	if (!err)
		ki_map_check_fdt_page(l->m, l->k, &l->f);
	return err;
}

/* debugfs directory, bare FDT or live: the FDT from a file or from memory. */
static struct ki_error *gather_blob(struct ki_input_opts *o, struct ki_input *l)
{
	bool live = !strcmp(o->input, "live");
	const char *path = live ? ki_live_debugfs() : o->input;
	const char *mem = o->mem ? o->mem : live ? ki_live_mem() : NULL;
	bool running, be = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
	struct ki_error *err;

	if (o->loc.fdt_phys_set && !mem)
		return ki_error_create(KI_ERR_USAGE,
				       "--fdt-phys needs the memory the FDT is in: give --mem FILE (a dump of this machine, or /proc/kcore) with %s",
				       path);
	if (live && !ki_is_dir(path))
		return ki_error_create(KI_ERR_OS,
				       "%s is not there: mount debugfs (mount -t debugfs none /sys/kernel/debug), run as root, on a kernel with KHO debugfs (CONFIG_KEXEC_HANDOVER_DEBUGFS on 6.19+)",
				       path);
	if (live && !o->mem) {
		err = ki_live_mem_check();
		if (err)
			return err;
	}
	err = ki_debugfs_read(path, &l->f, &l->dbg);
	if (err)
		return err;
	l->container = l->dbg->dir ? "debugfs" : "fdt";
	if (mem) {
		err = ki_dump_open(mem, &o->dump, &l->d);
		if (err)
			return ki_error_prefix(err, live && !o->mem ? "live memory" : "--mem");
		be = l->d->big_endian;
	}
	running = mem && (live || is_running_memory(mem));
	if (l->dbg->side == KI_DEBUGFS_IN)
		err = gather_incoming(o, l, be, running);
	else
		err = gather_outgoing(o, l, be);
	if (err)
		return err;
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
	if (l->dbg->side == KI_DEBUGFS_IN)
		return walk_incoming(o, l, running);
	ki_settle_page_size_kho(l->d, l->k, &o->loc.map, &l->f);
	return open_map(o, l);
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
		err = open_map(o, l);
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
	/* --format or --base say INPUT is a dump, even one starting with an FDT;
	 * with --mem they are the memory's. */
	if (!o->mem && ((o->dump.format && strcmp(o->dump.format, "auto")) || o->dump.base_set))
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
