// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The KHO FDT a debugfs copy shows, found in memory. debugfs does not say
 * where the FDT is, and its out/fdt may hold only the start of it (the file
 * is sized when it is created; clients add sub-nodes later, kho-formats.md
 * §4), while a kernel booted through KHO shows no out/fdt at all. Memory
 * holds the whole FDT: the scan finds every KHO FDT, and the copy says
 * which one is meant.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_debugfs_mem.h"
#include "ki_fdt.h"
#include "ki_map.h"

enum { MATCH_NONE = 0, MATCH_SUBS = 1, MATCH_FDT = 2 };

/* Is every sub_fdts/NAME file the blob the candidate names NAME? */
static bool subs_match(struct ki_dump *d, const struct ki_debugfs *dbg, const struct ki_kho *k)
{
	unsigned char *buf;
	bool all = dbg->nsubs > 0;

	for (size_t i = 0; i < dbg->nsubs && all; i++) {
		const struct ki_blobfile *b = &dbg->subs[i];
		const struct ki_subnode *s = NULL;
		struct ki_error *err;

		for (size_t j = 0; j < k->nsubs; j++)
			if (!strcmp(k->subs[j].name, b->name))
				s = &k->subs[j];
		if (!s || !s->has_phys || !b->len || (s->has_size && s->size != b->len))
			return false;
		buf = malloc(b->len);
		if (!buf)
			return false;
		err = ki_memreader_read(&d->mem, s->phys, buf, b->len);
		all = !err && !memcmp(buf, b->data, b->len);
		ki_error_destroy(err);
		free(buf);
	}
	return all;
}

static int match(struct ki_dump *d, const struct ki_debugfs *dbg, uint64_t pa)
{
	struct ki_findings f;
	struct ki_kho *k = NULL;
	struct ki_error *err;
	void *blob = NULL;
	uint32_t size;
	int r = MATCH_NONE;

	err = ki_fdt_load(d, pa, KI_FDT_MAX, &blob, &size);
	if (err) {
		ki_error_destroy(err);
		return MATCH_NONE;
	}
	if (dbg->fdt && dbg->fdt_len >= 40 &&
	    !memcmp(blob, dbg->fdt, dbg->fdt_len < size ? dbg->fdt_len : size) &&
	    (dbg->fdt_truncated || dbg->fdt_len == size)) {
		free(blob);
		return MATCH_FDT;
	}
	ki_findings_init(&f);
	err = ki_kho_from_blob(blob, size, d->big_endian, "candidate", &f, &k);
	if (!err && subs_match(d, dbg, k))
		r = MATCH_SUBS;
	ki_error_destroy(err);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	free(blob);
	return r;
}

struct find_block {
	uint64_t pa, ps;
	bool found;
};

static int find_block(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	struct find_block *fb = arg;

	(void)order;
	if (fb->pa >= pa && (fb->pa - pa) / fb->ps < n) {
		fb->found = true;
		return 1;
	}
	return 0;
}

/* Does the FDT at pa preserve its own page as an order-0 block? A copy of
 * an FDT elsewhere (a file in a tmpfs) names the same map, which does not
 * hold the copy's page. */
static bool preserves_itself(struct ki_dump *d, uint64_t pa, uint32_t ps_mask,
			     const struct ki_map_options *mo)
{
	uint64_t saved = d->page_size;
	struct ki_findings f;
	struct ki_kho *k = NULL;
	struct ki_map *m = NULL;
	struct ki_error *err;
	struct find_block fb = { .pa = pa };

	if (!d->page_size)
		d->page_size = ps_mask ? (uint64_t)(ps_mask & -ps_mask) : 4096;
	ki_findings_init(&f);
	err = ki_kho_load(d, pa, &f, &k);
	if (!err)
		err = ki_map_open(d, k, mo, &f, &m);
	fb.ps = d->page_size;
	if (!err)
		ki_map_foreach_run(m, 0, find_block, &fb);
	ki_error_destroy(err);
	ki_map_destroy(m);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	d->page_size = saved;
	return fb.found;
}

static const char *what_matched(const struct ki_debugfs *dbg, int how)
{
	if (how == MATCH_SUBS)
		return "whose blobs are the copy's sub_fdts files";
	return dbg->fdt_truncated ? "that the copy's truncated fdt file begins"
				  : "that the copy's fdt file holds";
}

struct ki_error *ki_debugfs_find_fdt(struct ki_dump *d, const struct ki_debugfs *dbg,
				     const struct ki_map_options *mo, ki_progress_fn progress,
				     void *arg, struct ki_debugfs_match *ret)
{
	struct ki_scan *s = calloc(1, sizeof(*s));
	const char *dir = dbg->dir ? dbg->dir : dbg->fdt_path;
	int score[KI_MAX_CANDIDATES], best = MATCH_NONE;
	size_t nbest = 0, npres = 0, pick = 0;
	struct ki_error *err;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!s)
		return &ki_enomem;
	err = ki_scan_fdts(d, progress, arg, s);
	if (err) {
		free(s);
		return err;
	}
	for (size_t i = 0; i < s->n; i++) {
		score[i] = match(d, dbg, s->cands[i].paddr);
		if (score[i] > best) {
			best = score[i];
			nbest = 0;
		}
		if (score[i] == best && best) {
			nbest++;
			pick = i;
		}
	}
	if (nbest > 1) {
		for (size_t i = 0; i < s->n; i++)
			if (score[i] == best &&
			    preserves_itself(d, s->cands[i].paddr, s->cands[i].ps_mask, mo)) {
				npres++;
				pick = i;
			}
	}
	if (best && (nbest == 1 || npres == 1)) {
		ret->found = true;
		ret->fdt_phys = s->cands[pick].paddr;
		r = asprintf(&ret->how, "memory: the KHO FDT %s%s", what_matched(dbg, best),
			     nbest > 1 ? " and that its own map preserves (the others are copies)" : "");
	} else if (best) {
		char list[256] = "";
		size_t used = 0;

		for (size_t i = 0; i < s->n && used < sizeof(list) - 24; i++)
			if (score[i] == best)
				used += (size_t)snprintf(list + used, sizeof(list) - used, "%s0x%" PRIx64,
							 used ? ", " : "", s->cands[i].paddr);
		r = asprintf(&ret->how, "%zu KHO FDTs in %s match %s (%s) and %s of them preserves itself; give --fdt-phys ADDR",
			     nbest, d->path, dir, list, npres ? "more than one" : "none");
	} else {
		r = asprintf(&ret->how, "none of the %zu KHO FDTs in %s (0x%" PRIx64
			     " bytes scanned) is the one %s shows (%s): is %s from the same boot as the copy? give --fdt-phys ADDR if you know where the FDT is",
			     s->n + s->dropped, d->path, s->bytes, dir,
			     dbg->fdt ? "its fdt file is not the start of any" : "no FDT names its sub_fdts blobs",
			     d->path);
	}
	free(s);
	if (r < 0) {
		ret->how = NULL;
		return &ki_enomem;
	}
	return NULL;
}

void ki_debugfs_check_fdt(const struct ki_debugfs *dbg, const void *blob, uint32_t size,
			  uint64_t fdt_phys, struct ki_findings *f)
{
	size_t n;

	if (!dbg->fdt)
		return;
	n = dbg->fdt_len < size ? dbg->fdt_len : size;
	if (memcmp(blob, dbg->fdt, n) || (!dbg->fdt_truncated && dbg->fdt_len != size))
		ki_findings_add(f, KI_SEV_WARNING, "debugfs-fdt-differs", true, fdt_phys,
				"%s differs from the KHO FDT in memory at 0x%" PRIx64
				" (0x%x bytes): the FDT changed between the copy and the memory read; the one in memory is used",
				dbg->fdt_path, fdt_phys, size);
	else if (dbg->fdt_truncated)
		ki_findings_add(f, KI_SEV_INFO, "debugfs-fdt-truncated", true, fdt_phys,
				"%s holds 0x%zx of the FDT's 0x%x bytes (debugfs sized the file when it was created; clients added sub-nodes since): the FDT was read from memory at 0x%" PRIx64,
				dbg->fdt_path, dbg->fdt_len, size, fdt_phys);
}
