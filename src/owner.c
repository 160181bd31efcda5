// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Owners of preserved blocks. memblock-v1 (kho-formats.md 2.1): a one-page
 * FDT, root compatible "memblock-v1", one child per reserve_mem region with
 * compatible "reserve-mem-v1" and native u64 "start" and "size".
 */
#include <endian.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_owner.h"

/* label = prefix + name, e.g. "memblock:" + "trace" */
static struct ki_error *add(struct ki_owners *o, uint64_t start, uint64_t len,
			    const char *prefix, const char *name)
{
	struct ki_owner *w;

	if (!len || start + len < start)
		return NULL;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		void *p = reallocarray(o->v, cap, sizeof(*o->v));

		if (!p)
			return &ki_enomem;
		o->v = p;
		o->cap = cap;
	}
	w = &o->v[o->n++];
	w->start = start;
	w->end = start + len;
	snprintf(w->label, sizeof(w->label), "%s%s", prefix, name);
	/* names come from the dump: keep terminals safe */
	for (char *c = w->label; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return NULL;
}

static uint64_t native64(const struct ki_dump *d, const void *p)
{
	return ki_dump_u64(d, p);
}

static struct ki_error *memblock_regions(struct ki_dump *d, const struct ki_subnode *s,
					 struct ki_findings *f, struct ki_owners *o)
{
	void *blob = NULL;
	uint32_t size;
	struct ki_error *err;
	const char *compat;
	int node, n = 0;

	err = ki_fdt_load(d, s->phys, (uint32_t)d->page_size, &blob, &size);
	if (err) {
		ki_findings_add(f, KI_SEV_WARNING, "memblock-unreadable", true, s->phys,
				"memblock sub-FDT at 0x%" PRIx64 ": %s; its regions are not attributed",
				s->phys, err->message);
		ki_error_destroy(err);
		return NULL;
	}
	compat = ki_fdt_root_compatible(blob);
	if (!compat || strcmp(compat, "memblock-v1")) {
		ki_findings_add(f, KI_SEV_WARNING, "memblock-compatible", true, s->phys,
				"sub-node \"memblock\" at 0x%" PRIx64 ": compatible %s%s%s, not memblock-v1",
				s->phys, compat ? "\"" : "", compat ? compat : "missing", compat ? "\"" : "");
		free(blob);
		return NULL;
	}
	fdt_for_each_subnode(node, blob, 0) {
		const char *name = fdt_get_name(blob, node, NULL);
		const void *st, *sz;
		int ls, lz;

		if (++n > KI_MEMBLOCK_MAX_REGIONS)
			break;
		st = fdt_getprop(blob, node, "start", &ls);
		sz = fdt_getprop(blob, node, "size", &lz);
		if (!st || !sz || ls != 8 || lz != 8) {
			ki_findings_add(f, KI_SEV_WARNING, "memblock-region", true, s->phys,
					"memblock region \"%s\": start/size missing or not 8 bytes", name ? name : "?");
			continue;
		}
		err = add(o, native64(d, st), native64(d, sz), "memblock:", name ? name : "?");
		if (err)
			break;
	}
	free(blob);
	return err;
}

static int owner_cmp(const void *a, const void *b)
{
	const struct ki_owner *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq; /* most specific first */
}

struct ki_error *ki_owners_build(struct ki_dump *d, const struct ki_kho *k,
				 struct ki_findings *f, struct ki_owners *ret)
{
	struct ki_error *err = NULL;
	uint64_t ps = d->page_size;

	memset(ret, 0, sizeof(*ret));
	/* most specific first: ki_owner_of takes the first match in this order
	 * among overlapping entries, so keep a rank in the label order below */
	for (size_t i = 0; !err && i < k->nsubs; i++) {
		const struct ki_subnode *s = &k->subs[i];

		if (s->has_phys && !strcmp(s->name, "memblock"))
			err = memblock_regions(d, s, f, ret);
	}
	for (size_t i = 0; !err && i < k->nsubs; i++) {
		const struct ki_subnode *s = &k->subs[i];
		uint64_t len = s->has_size && s->size ? s->size : ps;

		if (s->has_phys)
			err = add(ret, s->phys, (len + ps - 1) / ps * ps, "kho:", s->name);
	}
	if (!err && k->has_fdt_phys)
		err = add(ret, k->fdt_phys, ps, "kho:", "fdt");
	if (err) {
		ki_owners_deinit(ret);
		return err;
	}
	for (size_t i = 0; i < ret->n; i++)
		ret->v[i].seq = (unsigned int)i;
	if (ret->n > 1)
		qsort(ret->v, ret->n, sizeof(*ret->v), owner_cmp);
	return NULL;
}

void ki_owners_deinit(struct ki_owners *o)
{
	free(o->v);
	memset(o, 0, sizeof(*o));
}

const char *ki_owner_of(const struct ki_owners *o, uint64_t pa)
{
	size_t lo = 0, hi = o->n;
	const struct ki_owner *best = NULL;

	/* the last entry starting at or below pa, then a few before it
	 * (entries rarely overlap: a blob inside a region at most) */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (o->v[mid].start <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo, k = 0; i > 0 && k < 16; i--, k++) {
		const struct ki_owner *w = &o->v[i - 1];

		if (pa < w->end && (!best || w->seq < best->seq))
			best = w;
	}
	return best ? best->label : NULL;
}
