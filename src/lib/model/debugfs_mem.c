// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The KHO FDT a debugfs copy shows, found in memory. debugfs does not say
 * where the FDT is, and its out/fdt may hold only the start of it (the file
 * is sized when it is created; clients add sub-nodes later,
 * docs/formats.md §5), while a kernel booted through KHO shows no out/fdt
 * at all. Memory holds the whole FDT: the scan finds every KHO FDT, and
 * the copy says which one is meant.
 */
#include <endian.h>
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
 * hold the copy's page. An undecided page size: each the FDT could have. */
static bool preserves_itself(struct ki_dump *d, uint64_t pa, uint32_t ps_mask,
			     const struct ki_map_options *mo)
{
	uint64_t saved = d->page_size;
	bool found = false;

	for (uint64_t ps = 4096; ps <= 65536 && !found; ps <<= 2) {
		struct ki_findings f;
		struct ki_kho *k = NULL;
		struct ki_map *m = NULL;
		struct ki_error *err;
		struct find_block fb = { .pa = pa, .ps = saved ? saved : ps };

		if (saved ? ps != 4096 : !(ps_mask & ps))
			continue;
		d->page_size = fb.ps;
		ki_findings_init(&f);
		err = ki_kho_load(d, pa, &f, &k);
		if (!err)
			err = ki_map_open(d, k, mo, &f, &m);
		if (!err)
			ki_map_foreach_run(m, 0, find_block, &fb);
		found = fb.found;
		ki_error_destroy(err);
		ki_map_destroy(m);
		ki_kho_destroy(k);
		ki_findings_deinit(&f);
	}
	d->page_size = saved;
	return found;
}

static const char *what_matched(const struct ki_debugfs *dbg, int how)
{
	if (how == MATCH_SUBS)
		return "whose blobs are the copy's sub_fdts files";
	return dbg->fdt_truncated ? "that the copy's truncated fdt file begins"
				  : "that the copy's fdt file holds";
}

static uint32_t be32_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

enum { MAX_MAP_GUESSES = 4, FAST_MAX_BLOCKS = 1 << 20 };

/*
 * The copy's 8-byte root properties (the map pointer is one: a truncated
 * copy has lost the strings block, so names are unknown) and its first
 * string property (the compatible). Tokens are walked only inside the copy.
 */
static size_t root_u64s(const struct ki_debugfs *dbg, bool be, uint64_t *out, char *compat,
			size_t compat_len)
{
	const unsigned char *b = dbg->fdt;
	size_t len = dbg->fdt_len, off, n = 0;
	int depth = 0;

	compat[0] = '\0';
	if (len < 40)
		return 0;
	off = be32_at(b + 8);
	while (off + 4 <= len) {
		uint32_t tag = be32_at(b + off);

		if (tag == 1) {                 /* FDT_BEGIN_NODE: name, padded */
			const unsigned char *nul = memchr(b + off + 4, 0, len - off - 4);

			if (!nul)
				break;
			off = ((size_t)(nul - b) + 4) & ~(size_t)3;
			depth++;
		} else if (tag == 2) {          /* FDT_END_NODE */
			if (--depth <= 0)
				break;
			off += 4;
		} else if (tag == 3) {          /* FDT_PROP: len, nameoff, value */
			uint32_t plen;

			if (off + 12 > len)
				break;
			plen = be32_at(b + off + 4);
			if (plen > len - off - 12)
				break;
			if (depth == 1 && plen == 8 && n < MAX_MAP_GUESSES) {
				uint64_t v;

				memcpy(&v, b + off + 12, 8);
				out[n++] = be ? be64toh(v) : le64toh(v);
			} else if (depth == 1 && !compat[0] && plen > 1 && plen < compat_len &&
				   b[off + 12 + plen - 1] == 0) {
				memcpy(compat, b + off + 12, plen);
			}
			off += 12 + (((size_t)plen + 3) & ~(size_t)3);
		} else if (tag == 4) {          /* FDT_NOP */
			off += 4;
		} else {
			break;
		}
	}
	return n;
}

struct fast {
	struct ki_dump *d;
	const struct ki_debugfs *dbg;
	unsigned char *buf;
	uint64_t ps, seen, found;
};

static int fast_block(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	struct fast *fs = arg;

	(void)order;
	for (uint64_t i = 0; i < n; i++) {
		struct ki_error *err;

		if (++fs->seen > FAST_MAX_BLOCKS)
			return 1;
		err = ki_memreader_read(&fs->d->mem, pa + i * fs->ps, fs->buf, fs->dbg->fdt_len);
		if (!err && !memcmp(fs->buf, fs->dbg->fdt, fs->dbg->fdt_len)) {
			fs->found = pa + i * fs->ps;
			return 1;
		}
		ki_error_destroy(err);
	}
	return 0;
}

/*
 * The cheap way, O(preserved blocks) instead of O(memory): the FDT page is
 * an order-0 block of its own map, so walk the map the copy points to and
 * look for the copy's bytes at each order-0 block. 0 when it does not work
 * out (the scan is the way then).
 */
static uint64_t find_via_map(struct ki_dump *d, const struct ki_debugfs *dbg,
			     const struct ki_map_options *mo)
{
	uint64_t guesses[MAX_MAP_GUESSES], found = 0;
	struct ki_kho k = { 0 };
	char compat[64], *semi;
	size_t n;

	if (!dbg->fdt || !d->page_size || dbg->fdt_len > d->page_size)
		return 0;
	n = root_u64s(dbg, d->big_endian, guesses, compat, sizeof(compat));
	semi = strchr(compat, ';');
	if (semi)
		*semi = '\0';
	if (strlen(compat) >= sizeof(k.family))
		return 0;
	snprintf(k.family, sizeof(k.family), "%s", compat);
	k.compatible = compat;
	k.format = ki_kho_format_from_family(k.family);
	if (k.format == KI_KHO_UNKNOWN || k.format == KI_KHO_V1)
		return 0; /* kho-v1 maps pointer 0 before finalize: the scan */
	for (size_t i = 0; i < n && !found; i++) {
		struct ki_findings f;
		struct ki_map *m = NULL;
		struct ki_error *err;
		struct fast fs = { .d = d, .dbg = dbg, .ps = d->page_size };

		if (!guesses[i] || (guesses[i] & (d->page_size - 1)))
			continue;
		k.has_map = true;
		k.map_phys = guesses[i];
		ki_findings_init(&f);
		err = ki_map_open(d, &k, mo, &f, &m);
		fs.buf = malloc(dbg->fdt_len);
		if (!fs.buf)
			ki_nomem_note(); /* the FDT would be looked for elsewhere */
		if (!err && fs.buf && !f.counts[KI_SEV_ERROR] && !m->errors) {
			ki_map_foreach_run(m, 0, fast_block, &fs);
			found = fs.found;
		}
		free(fs.buf);
		ki_error_destroy(err);
		ki_map_destroy(m);
		ki_findings_deinit(&f);
	}
	return found;
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
	ret->fdt_phys = find_via_map(d, dbg, mo);
	if (ret->fdt_phys) {
		free(s);
		ret->found = true;
		if (asprintf(&ret->how, "memory: the KHO FDT %s, an order-0 block of the map it names",
			     what_matched(dbg, MATCH_FDT)) < 0) {
			ret->how = NULL;
			return &ki_enomem;
		}
		return NULL;
	}
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
