// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Putting a hand-over together: a dump, or a debugfs copy or bare FDT with
 * or without the memory behind it, or the running kernel (its debugfs and
 * memory paths given by the caller: the library reads no environment).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ki_debugfs_mem.h"
#include "ki_handover.h"

static const char *live_mem(const struct ki_handover_options *o)
{
	return o->live_mem ? o->live_mem : KI_LIVE_MEM;
}

bool ki_handover_is_blob_input(const char *path)
{
	unsigned char magic[4];
	struct stat st;
	FILE *fp;
	bool fdt;

	if (ki_is_dir(path))
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

struct ki_error *ki_handover_live_mem_check(const char *mem)
{
	if (access(mem, R_OK) == 0)
		return NULL;
	return ki_error_os(errno, mem,
			   "cannot read the running kernel's memory%s; \"live\" reads it through %s (root and CONFIG_PROC_KCORE needed)",
			   errno == ENOENT ? " (no such file: a kernel without CONFIG_PROC_KCORE, or a container without it)"
			   : errno == EACCES || errno == EPERM ? " (permission denied: run as root)" : "",
			   mem);
}

/* Where the chosen FDT came from, for the header. */
static struct ki_error *set_found_by(struct ki_handover *l, const char *s)
{
	free(l->found_by);
	l->found_by = strdup(s);
	return l->found_by ? NULL : &ki_enomem;
}

/* The FDT of a copy's file (and the header's "found by" naming it); the
 * errors say what debugfs did and what to do. */
static struct ki_error *fdt_from_file(struct ki_handover *l, bool be)
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
static struct ki_error *fdt_from_memory(const struct ki_handover_options *o,
					struct ki_handover *l, struct ki_debugfs_match *mt)
{
	if (o->loc.fdt_phys_set) {
		mt->found = true;
		mt->fdt_phys = o->loc.fdt_phys;
		mt->how = strdup("--fdt-phys");
		return mt->how ? NULL : &ki_enomem;
	}
	return ki_debugfs_find_fdt(l->d, l->dbg, &o->loc.map, o->loc.progress,
				   o->loc.progress_arg, mt);
}

static struct ki_error *load_found(struct ki_handover *l, struct ki_debugfs_match *mt)
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
static struct ki_error *gather_outgoing(const struct ki_handover_options *o,
					struct ki_handover *l, bool be)
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
static struct ki_error *gather_incoming(const struct ki_handover_options *o,
					struct ki_handover *l, bool be, bool running)
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

/* Is mem the running kernel's memory (the caller's live memory path, or
 * /proc/kcore)? */
static bool is_running_memory(const struct ki_handover_options *o, const char *mem)
{
	char *a = realpath(mem, NULL), *b = realpath(live_mem(o), NULL);
	bool r = a && b && !strcmp(a, b);

	free(a);
	free(b);
	return r || !strcmp(mem, "/proc/kcore");
}

/* Walk the incoming map; a map that does not decode is one the kernel
 * consumed and reused: its blocks are not checkable from this memory. */
static struct ki_error *walk_incoming(const struct ki_handover_options *o,
				      struct ki_handover *l, bool running)
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

/* The map (decoded by ki_locate_map already, or now), and the root FDT
 * page in it (ki_map_check_fdt_page). */
static struct ki_error *open_map(const struct ki_handover_options *o, struct ki_handover *l,
				 struct ki_located_map *lm)
{
	struct ki_error *err = NULL;

	if (lm && lm->map) {
		l->m = lm->map;
		lm->map = NULL;
		ki_findings_move(&l->f, &lm->findings);
	} else {
		err = ki_map_open(l->d, l->k, &o->loc.map, &l->f, &l->m);
	}

	if (!err)
		ki_map_check_fdt_page(l->m, l->k, &l->f);
	return err;
}

/* debugfs directory, bare FDT or live: the FDT from a file or from memory. */
static struct ki_error *gather_blob(const struct ki_handover_options *o, struct ki_handover *l)
{
	bool live = o->live;
	const char *path = live ? (o->live_debugfs ? o->live_debugfs : KI_LIVE_DEBUGFS) : o->input;
	const char *mem = o->mem ? o->mem : live ? live_mem(o) : NULL;
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
		err = ki_handover_live_mem_check(mem);
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
	running = mem && (live || is_running_memory(o, mem));
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
	return open_map(o, l, NULL);
}

/* A dump already open in l->d: locate, scratch, map. */
static struct ki_error *gather_memory(const struct ki_handover_options *o, struct ki_handover *l)
{
	struct ki_located_map lm;
	struct ki_error *err;

	l->container = l->d->container;
	err = ki_locate_map(l->d, &o->loc, &l->f, &l->k, &l->found_by, &l->scratch_found, &lm);
	if (!err && l->scratch_found.n) {
		l->scratch = l->scratch_found.areas;
		l->nscratch = l->scratch_found.n;
		l->scratch_source = l->scratch_found.source ? l->scratch_found.source : "memory";
	}
	if (!err)
		err = open_map(o, l, &lm);
	ki_map_destroy(lm.map);
	ki_findings_deinit(&lm.findings);
	if (err)
		ki_error_set_path(err, l->d->path);
	return err;
}

static struct ki_error *gather_dump(const struct ki_handover_options *o, struct ki_handover *l)
{
	struct ki_error *err;

	if (o->mem)
		return ki_error_create(KI_ERR_USAGE,
				       "--mem goes with a debugfs directory or an FDT file; %s is the memory already",
				       o->input);
	err = ki_dump_open(o->input, &o->dump, &l->d);
	if (err)
		return err;
	return gather_memory(o, l);
}

static void given_scratch(const struct ki_handover_options *o, struct ki_handover *h)
{
	if (o->nscratch) {
		h->scratch = o->scratch;
		h->nscratch = o->nscratch;
		h->scratch_source = "--scratch";
	}
}

struct ki_error *ki_handover_open(const struct ki_handover_options *o,
				  struct ki_handover *h)
{
	struct ki_error *err;

	memset(h, 0, sizeof(*h));
	ki_findings_init(&h->f);
	h->input = o->input;
	/* --format or --base say INPUT is a dump, even one starting with an FDT;
	 * with --mem they are the memory's. */
	if (!o->mem && ((o->dump.format && strcmp(o->dump.format, "auto")) || o->dump.base_set))
		err = gather_dump(o, h);
	else
		err = o->live || ki_handover_is_blob_input(o->input) ? gather_blob(o, h)
								       : gather_dump(o, h);
	if (!err)
		given_scratch(o, h);
	return err;
}

struct ki_error *ki_handover_open_dump(const struct ki_handover_options *o,
				       struct ki_dump *d, struct ki_handover *h)
{
	struct ki_error *err;

	memset(h, 0, sizeof(*h));
	ki_findings_init(&h->f);
	h->input = o->input ? o->input : d->path;
	h->d = d;
	err = gather_memory(o, h);
	if (!err)
		given_scratch(o, h);
	return err;
}

void ki_handover_deinit(struct ki_handover *h)
{
	free(h->found_by);
	ki_map_destroy(h->m);
	ki_kho_destroy(h->k);
	ki_dump_destroy(h->d);
	ki_debugfs_destroy(h->dbg);
	free(h->scratch_found.areas);
	free(h->scratch_found.source);
	ki_findings_deinit(&h->f);
	memset(h, 0, sizeof(*h));
}
