// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The picture of physical memory behind `khoinspect map`: where anything
 * is (a coalesced set of granules, coarsened when it grows past a cap, so
 * memory is bounded whatever the map), rows chosen over it, then one pass
 * adding every class's bytes to the cells they touch.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_physmap.h"

/* At most this many intervals are kept while laying out; past it the
 * granules double. */
enum { LAYOUT_CAP = 1 << 16 };

struct ki_physmap_layout {
	uint64_t (*v)[2];            /* [first, last] granule indices */
	size_t n, cap;
	unsigned int g;              /* granule = 2^g bytes */
	bool sorted;
};

struct ki_error *ki_physmap_layout_create(unsigned int min_shift,
					  struct ki_physmap_layout **ret)
{
	struct ki_physmap_layout *lo = calloc(1, sizeof(*lo));

	if (!lo)
		return &ki_enomem;
	lo->cap = LAYOUT_CAP + 1;
	lo->v = malloc(lo->cap * sizeof(*lo->v));
	if (!lo->v) {
		free(lo);
		return &ki_enomem;
	}
	lo->g = min_shift;
	lo->sorted = true;
	*ret = lo;
	return NULL;
}

void ki_physmap_layout_destroy(struct ki_physmap_layout *lo)
{
	if (!lo)
		return;
	free(lo->v);
	free(lo);
}

static int iv_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Sort and merge touching intervals. */
static void coalesce(struct ki_physmap_layout *lo)
{
	size_t k = 0;

	if (!lo->sorted)
		qsort(lo->v, lo->n, sizeof(*lo->v), iv_cmp);
	lo->sorted = true;
	for (size_t i = 0; i < lo->n; i++) {
		if (k && lo->v[i][0] <= lo->v[k - 1][1] + 1) {
			if (lo->v[i][1] > lo->v[k - 1][1])
				lo->v[k - 1][1] = lo->v[i][1];
			continue;
		}
		lo->v[k][0] = lo->v[i][0];
		lo->v[k][1] = lo->v[i][1];
		k++;
	}
	lo->n = k;
}

struct ki_error *ki_physmap_layout_add(struct ki_physmap_layout *lo, uint64_t start,
				       uint64_t last)
{
	uint64_t a = start >> lo->g, b = last >> lo->g;

	if (lo->n && lo->sorted && a >= lo->v[lo->n - 1][0] && a <= lo->v[lo->n - 1][1] + 1) {
		if (b > lo->v[lo->n - 1][1])
			lo->v[lo->n - 1][1] = b;
		return NULL;
	}
	if (lo->n && a < lo->v[lo->n - 1][0])
		lo->sorted = false;
	lo->v[lo->n][0] = a;
	lo->v[lo->n][1] = b;
	lo->n++;
	if (lo->n < lo->cap)
		return NULL;
	coalesce(lo);
	while (lo->n > LAYOUT_CAP / 2 && lo->g < 63) {
		lo->g++;
		for (size_t i = 0; i < lo->n; i++) {
			lo->v[i][0] >>= 1;
			lo->v[i][1] >>= 1;
		}
		coalesce(lo);
	}
	return NULL;
}

/* Rows of row_bytes over the layout: their number, and their starts when
 * rows is not NULL. */
static size_t count_rows(const struct ki_physmap_layout *lo, uint64_t row_bytes,
			 uint64_t *rows)
{
	uint64_t mask = lo->g ? (UINT64_C(1) << lo->g) - 1 : 0, prev = 0;
	size_t n = 0;
	bool any = false;

	for (size_t i = 0; i < lo->n; i++) {
		uint64_t r0 = (lo->v[i][0] << lo->g) / row_bytes;
		uint64_t r1 = ((lo->v[i][1] << lo->g) | mask) / row_bytes;

		if (any && r0 <= prev)
			r0 = prev + 1;
		for (uint64_t r = r0; r <= r1 && r >= r0; r++) {
			if (rows)
				rows[n] = r * row_bytes;
			n++;
			if (!rows && n > (size_t)1 << 24)
				return n; /* far too many: the caller widens */
		}
		if (!any || r1 > prev)
			prev = r1;
		any = true;
	}
	return n;
}

struct ki_error *ki_physmap_rows(struct ki_physmap_layout *lo, size_t ncols,
				 size_t max_rows, unsigned int min_cell_shift,
				 struct ki_physmap *pm)
{
	unsigned int c = min_cell_shift;
	size_t nrows;

	memset(pm, 0, sizeof(*pm));
	coalesce(lo);
	if (!ncols || !max_rows)
		return ki_error_create(KI_ERR_USAGE, "a picture needs at least one row and one column");
	for (;; c++) {
		unsigned __int128 rb = (unsigned __int128)ncols << c;

		if (rb >> 64 || c >= 63) {
			/* one row of the whole space cannot be wider */
			return ki_error_create(KI_ERR_USAGE, "%zu columns cannot show this address space", ncols);
		}
		nrows = count_rows(lo, (uint64_t)rb, NULL);
		if (nrows <= max_rows)
			break;
	}
	pm->cell_shift = c;
	pm->ncols = ncols;
	pm->row_bytes = (uint64_t)ncols << c;
	pm->nrows = nrows;
	pm->rows = malloc((nrows ? nrows : 1) * sizeof(*pm->rows));
	pm->cells = calloc(nrows ? nrows * ncols : 1, 1);
	pm->counts = calloc(nrows ? nrows * ncols * KI_PM_CLASSES : 1, sizeof(*pm->counts));
	if (!pm->rows || !pm->cells || !pm->counts) {
		ki_physmap_deinit(pm);
		return &ki_enomem;
	}
	count_rows(lo, pm->row_bytes, pm->rows);
	pm->nclasses = KI_PM_PRESERVED;
	return NULL;
}

void ki_physmap_set_label(struct ki_physmap *pm, unsigned int cls, const char *label)
{
	snprintf(pm->classes[cls].label, sizeof(pm->classes[cls].label), "%s", label);
	if (cls >= pm->nclasses)
		pm->nclasses = cls + 1;
}

/* The first row whose span ends at or after pa. */
static size_t row_at(const struct ki_physmap *pm, uint64_t pa)
{
	size_t lo = 0, hi = pm->nrows;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->rows[mid] + (pm->row_bytes - 1) < pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void ki_physmap_add(struct ki_physmap *pm, unsigned int cls, uint64_t start, uint64_t last)
{
	size_t r0 = pm->hint;

	/* runs come in address order: most land in the row of the last one */
	if (!(r0 < pm->nrows && pm->rows[r0] <= start &&
	      start - pm->rows[r0] < pm->row_bytes))
		r0 = row_at(pm, start);
	pm->hint = r0;
	for (size_t r = r0; r < pm->nrows && pm->rows[r] <= last; r++) {
		uint64_t rs = pm->rows[r], rl = rs + (pm->row_bytes - 1);
		uint64_t a = start > rs ? start : rs, b = last < rl ? last : rl;
		size_t c0 = (size_t)((a - rs) >> pm->cell_shift);
		size_t c1 = (size_t)((b - rs) >> pm->cell_shift);

		for (size_t c = c0; c <= c1; c++) {
			uint64_t cs = rs + ((uint64_t)c << pm->cell_shift);
			uint64_t cl = cs + ((UINT64_C(1) << pm->cell_shift) - 1);
			uint64_t x = a > cs ? a : cs, y = b < cl ? b : cl;

			pm->counts[(r * pm->ncols + c) * KI_PM_CLASSES + cls] += y - x + 1;
		}
	}
	pm->classes[cls].bytes += last - start + 1;
}

void ki_physmap_add_memory(struct ki_physmap *pm, const struct ki_memreader *mem)
{
	for (size_t i = 0; i < mem->nsegs; i++) {
		const struct ki_segment *s = &mem->segs[i];

		if (s->file_end > s->min)
			ki_physmap_add(pm, KI_PM_RAM, s->min, s->file_end - 1);
		if (s->mem_end > s->file_end)
			ki_physmap_add(pm, KI_PM_EXCLUDED, s->file_end, s->mem_end - 1);
	}
}

/* The class with the most bytes among [a, b) of a cell's counts, or -1. */
static int top(const uint64_t *cnt, unsigned int a, unsigned int b)
{
	int best = -1;

	for (unsigned int k = a; k < b; k++)
		if (cnt[k] && (best < 0 || cnt[k] > cnt[best]))
			best = (int)k;
	return best;
}

void ki_physmap_finish(struct ki_physmap *pm)
{
	for (size_t i = 0; i < pm->nrows * pm->ncols; i++) {
		const uint64_t *cnt = &pm->counts[i * KI_PM_CLASSES];
		/* the hand-over's own pages: the FDT, then blobs, then the map */
		int k = cnt[KI_PM_FDT] ? KI_PM_FDT : cnt[KI_PM_BLOB] ? KI_PM_BLOB :
			cnt[KI_PM_MAP] ? KI_PM_MAP : -1;

		if (k < 0)
			k = top(cnt, KI_PM_PRESERVED, KI_PM_CLASSES);
		if (k < 0 && cnt[KI_PM_SCRATCH])
			k = KI_PM_SCRATCH;
		/* any memory the dump describes before the holes around it */
		if (k < 0)
			k = top(cnt, KI_PM_EXCLUDED, KI_PM_SCRATCH);
		if (k < 0)
			k = KI_PM_HOLE;
		pm->cells[i] = (uint8_t)k;
	}
	free(pm->counts);
	pm->counts = NULL;
}

void ki_physmap_deinit(struct ki_physmap *pm)
{
	free(pm->rows);
	free(pm->cells);
	free(pm->counts);
	memset(pm, 0, sizeof(*pm));
}

/* ---- the picture of one hand-over ---- */

static void fixed_labels(struct ki_physmap *pm)
{
	ki_physmap_set_label(pm, KI_PM_HOLE, "hole (not in the dump)");
	ki_physmap_set_label(pm, KI_PM_EXCLUDED, "excluded pages");
	ki_physmap_set_label(pm, KI_PM_RAM, "RAM in the dump");
	ki_physmap_set_label(pm, KI_PM_SCRATCH, "scratch");
	ki_physmap_set_label(pm, KI_PM_MAP, "the map's own pages");
	ki_physmap_set_label(pm, KI_PM_FDT, "KHO FDT");
	ki_physmap_set_label(pm, KI_PM_BLOB, "blobs (sub-FDTs)");
}

/* Everything but the runs, for the layout and for the cells. */
typedef struct ki_error *(*area_fn)(void *arg, unsigned int cls, uint64_t start,
				    uint64_t last);

static struct ki_error *each_area(const struct ki_physmap_input *in, area_fn fn, void *arg)
{
	const struct ki_memreader *mem = in->mem;
	struct ki_error *err = NULL;

	for (size_t i = 0; !err && i < mem->nsegs; i++)
		if (mem->segs[i].mem_end > mem->segs[i].min)
			err = fn(arg, KI_PM_RAM, mem->segs[i].min, mem->segs[i].mem_end - 1);
	for (size_t i = 0; !err && i < in->nscratch; i++)
		if (in->scratch[i].size && in->scratch[i].addr + (in->scratch[i].size - 1) >=
		    in->scratch[i].addr)
			err = fn(arg, KI_PM_SCRATCH, in->scratch[i].addr,
				 in->scratch[i].addr + (in->scratch[i].size - 1));
	for (size_t i = 0; !err && in->m && i < in->m->npages; i++)
		err = fn(arg, KI_PM_MAP, in->m->pages[i], in->m->pages[i] + (in->page_size - 1));
	if (!err && in->k && in->k->has_fdt_phys && in->k->fdt_size)
		err = fn(arg, KI_PM_FDT, in->k->fdt_phys, in->k->fdt_phys + (in->k->fdt_size - 1));
	for (size_t i = 0; !err && in->k && i < in->k->nsubs; i++) {
		const struct ki_subnode *s = &in->k->subs[i];

		if (s->has_phys && s->has_size && s->size &&
		    s->phys + (s->size - 1) >= s->phys)
			err = fn(arg, KI_PM_BLOB, s->phys, s->phys + (s->size - 1));
	}
	return err;
}

static struct ki_error *layout_area(void *arg, unsigned int cls, uint64_t start, uint64_t last)
{
	(void)cls;
	return ki_physmap_layout_add(arg, start, last);
}

static struct ki_error *cells_area(void *arg, unsigned int cls, uint64_t start, uint64_t last)
{
	struct ki_physmap *pm = arg;

	if (cls != KI_PM_RAM) /* RAM from the segments, stored or not */
		ki_physmap_add(pm, cls, start, last);
	return NULL;
}

static uint64_t run_last(const struct ki_physmap_input *in, uint64_t pa, unsigned int order,
			 uint64_t n)
{
	return pa + ((n * (in->page_size << order)) - 1);
}

static unsigned int owner_class(struct ki_physmap *pm, const char *owner)
{
	const struct ki_owners *o = pm->owners;
	uint32_t label = UINT32_MAX;
	unsigned int n = (unsigned int)(pm->nclasses - KI_PM_PRESERVED);

	if (owner)
		for (size_t i = 0; i < o->nlabels; i++)
			if (o->labels[i] == owner)
				label = (uint32_t)i;
	for (unsigned int i = 0; i < n; i++)
		if (pm->owner_label[i] == label)
			return KI_PM_PRESERVED + i;
	if (n == KI_PM_MAX_PRESERVED)
		return KI_PM_CLASSES - 1; /* "other owners" */
	if (n == KI_PM_MAX_PRESERVED - 1) {
		ki_physmap_set_label(pm, KI_PM_CLASSES - 1, "other owners");
		pm->owner_label[n] = UINT32_MAX - 1;
		return KI_PM_CLASSES - 1;
	}
	pm->owner_label[n] = label;
	ki_physmap_set_label(pm, KI_PM_PRESERVED + n, owner ? owner : "unclaimed");
	return KI_PM_PRESERVED + n;
}

struct piece_arg {
	struct ki_physmap *pm;
	const struct ki_physmap_input *in;
};

static int add_piece(void *arg, uint64_t pa, unsigned int order, uint64_t n, const char *owner)
{
	struct piece_arg *p = arg;

	ki_physmap_add(p->pm, owner_class(p->pm, owner), pa, run_last(p->in, pa, order, n));
	return 0;
}

static int add_runs(void *arg, const struct ki_run *runs, size_t n)
{
	struct piece_arg *p = arg;

	for (size_t i = 0; i < n; i++) {
		const struct ki_run *r = &runs[i];

		if (p->pm->owners)
			ki_owners_split_run(p->pm->owners, r->pa, r->order, r->n, p->in->page_size,
					    add_piece, p);
		else
			ki_physmap_add(p->pm, (unsigned int)p->pm->order_class[r->order], r->pa,
				       run_last(p->in, r->pa, r->order, r->n));
	}
	return 0;
}

static void order_classes(struct ki_physmap *pm, const struct ki_map *m)
{
	unsigned int n = 0;
	char label[64];

	for (unsigned int o = 0; o < KI_ORDERS; o++) {
		if (!m->blocks[o])
			continue;
		if (n == KI_PM_MAX_PRESERVED - 1 && o < KI_ORDERS) {
			/* the rest share the last class */
			snprintf(label, sizeof(label), "order %u and above", o);
			ki_physmap_set_label(pm, KI_PM_PRESERVED + n, label);
			for (unsigned int p = o; p < KI_ORDERS; p++)
				pm->order_class[p] = KI_PM_PRESERVED + (int)n;
			return;
		}
		snprintf(label, sizeof(label), "order %u", o);
		ki_physmap_set_label(pm, KI_PM_PRESERVED + n, label);
		pm->order_class[o] = KI_PM_PRESERVED + (int)n;
		n++;
	}
}

struct ki_error *ki_physmap_build(const struct ki_physmap_input *in, struct ki_physmap *ret)
{
	unsigned int psh = (unsigned int)__builtin_ctzll(in->page_size);
	struct ki_physmap_layout *lo = NULL;
	struct ki_error *err;
	struct ki_merge it;
	uint64_t pa, n;
	unsigned int order;
	struct piece_arg pa_arg = { ret, in };

	err = ki_physmap_layout_create(psh, &lo);
	if (err)
		return err;
	if (in->m) {
		/* the runs first, in address order: the layout stays sorted
		 * (one sort at the end for the few areas added after) */
		ki_merge_init(&it, in->m);
		while (!err && ki_merge_next(&it, &pa, &order, &n))
			err = ki_physmap_layout_add(lo, pa, run_last(in, pa, order, n));
		ki_merge_deinit(&it);
	}
	if (!err)
		err = each_area(in, layout_area, lo);
	if (!err)
		err = ki_physmap_rows(lo, in->ncols, in->max_rows, psh, ret);
	ki_physmap_layout_destroy(lo);
	if (err)
		return err;
	fixed_labels(ret);
	ret->owners = in->owners;
	ki_physmap_add_memory(ret, in->mem);
	each_area(in, cells_area, ret);
	if (in->m) {
		if (!in->owners)
			order_classes(ret, in->m);
		ki_map_foreach_runs(in->m, -1, add_runs, &pa_arg);
	}
	ki_physmap_finish(ret);
	return NULL;
}

/* ---- granules of class bytes, for diff ---- */

enum { BUCKETS_CAP = 1 << 16, PENDING_CAP = 1 << 16, BUCKET_CLASSES = 4 };

struct bucket {
	uint64_t g;                  /* granule index */
	uint64_t bytes[BUCKET_CLASSES]; /* classes KI_PM_PRESERVED... */
};

struct pending {
	uint64_t g, bytes;
	unsigned int cls;
};

struct ki_pm_buckets {
	unsigned int shift;
	struct bucket *v, *tmp;      /* room for BUCKETS_CAP + PENDING_CAP */
	size_t n;
	struct pending *p;
	size_t np;
};

struct ki_error *ki_pm_buckets_create(unsigned int min_shift, struct ki_pm_buckets **ret)
{
	struct ki_pm_buckets *b = calloc(1, sizeof(*b));

	if (!b)
		return &ki_enomem;
	b->shift = min_shift;
	b->v = malloc((BUCKETS_CAP + PENDING_CAP) * sizeof(*b->v));
	b->tmp = malloc((BUCKETS_CAP + PENDING_CAP) * sizeof(*b->tmp));
	b->p = malloc(PENDING_CAP * sizeof(*b->p));
	if (!b->v || !b->tmp || !b->p) {
		ki_pm_buckets_destroy(b);
		return &ki_enomem;
	}
	*ret = b;
	return NULL;
}

void ki_pm_buckets_destroy(struct ki_pm_buckets *b)
{
	if (!b)
		return;
	free(b->v);
	free(b->tmp);
	free(b->p);
	free(b);
}

static int pending_cmp(const void *x, const void *y)
{
	const struct pending *a = x, *b = y;

	return a->g < b->g ? -1 : a->g > b->g;
}

/* Halve the granules of the buckets: neighbours merge. */
static void buckets_coarsen(struct ki_pm_buckets *b)
{
	size_t k = 0;

	b->shift++;
	for (size_t i = 0; i < b->n; i++) {
		uint64_t g = b->v[i].g >> 1;

		if (k && b->v[k - 1].g == g) {
			for (size_t c = 0; c < BUCKET_CLASSES; c++)
				b->v[k - 1].bytes[c] += b->v[i].bytes[c];
			continue;
		}
		b->v[k] = b->v[i];
		b->v[k].g = g;
		k++;
	}
	b->n = k;
}

/* Fold the pending pieces (of the current granule size) into the sorted
 * buckets: one merge into the spare array. */
static void buckets_fold(struct ki_pm_buckets *b)
{
	size_t i = 0, j = 0, k = 0;
	struct bucket *t;

	qsort(b->p, b->np, sizeof(*b->p), pending_cmp);
	while (i < b->n || j < b->np) {
		uint64_t g = j == b->np || (i < b->n && b->v[i].g < b->p[j].g) ?
			b->v[i].g : b->p[j].g;
		struct bucket *nb = &b->tmp[k++];

		memset(nb, 0, sizeof(*nb));
		nb->g = g;
		for (; i < b->n && b->v[i].g == g; i++)
			for (size_t c = 0; c < BUCKET_CLASSES; c++)
				nb->bytes[c] += b->v[i].bytes[c];
		for (; j < b->np && b->p[j].g == g; j++)
			nb->bytes[b->p[j].cls - KI_PM_PRESERVED] += b->p[j].bytes;
	}
	t = b->v;
	b->v = b->tmp;
	b->tmp = t;
	b->n = k;
	b->np = 0;
	while (b->n > BUCKETS_CAP)
		buckets_coarsen(b);
}

bool ki_pm_buckets_add(struct ki_pm_buckets *b, unsigned int cls, uint64_t start, uint64_t end)
{
	uint64_t last = end - 1, g0, g1;

	if (end <= start || cls < KI_PM_PRESERVED || cls >= KI_PM_PRESERVED + BUCKET_CLASSES)
		return false;
	/* a range over more granules than a fold takes: coarser first */
	while (((last >> b->shift) - (start >> b->shift)) >= PENDING_CAP / 4 && b->shift < 63) {
		buckets_fold(b);
		buckets_coarsen(b);
	}
	g0 = start >> b->shift;
	g1 = last >> b->shift;
	if (b->np + (g1 - g0 + 1) > PENDING_CAP)
		buckets_fold(b);
	for (uint64_t g = g0;; g++) {
		uint64_t gs = g << b->shift, gl = gs + ((UINT64_C(1) << b->shift) - 1);
		uint64_t x = start > gs ? start : gs, y = last < gl ? last : gl;

		b->p[b->np].g = g;
		b->p[b->np].cls = cls;
		b->p[b->np].bytes = y - x + 1;
		b->np++;
		if (g == g1)
			break;
	}
	return true;
}

static struct ki_error *layout_memory(struct ki_physmap_layout *lo, const struct ki_memreader *mem)
{
	struct ki_error *err = NULL;

	for (size_t i = 0; mem && !err && i < mem->nsegs; i++)
		if (mem->segs[i].mem_end > mem->segs[i].min)
			err = ki_physmap_layout_add(lo, mem->segs[i].min, mem->segs[i].mem_end - 1);
	return err;
}

struct ki_error *ki_physmap_from_buckets(struct ki_pm_buckets *b,
					 const struct ki_memreader *mem_a,
					 const struct ki_memreader *mem_b,
					 size_t ncols, size_t max_rows,
					 struct ki_physmap *pm)
{
	struct ki_physmap_layout *lo = NULL;
	struct ki_error *err;
	uint64_t gmask;

	buckets_fold(b);
	gmask = (UINT64_C(1) << b->shift) - 1;
	err = ki_physmap_layout_create(b->shift, &lo);
	for (size_t i = 0; !err && i < b->n; i++)
		err = ki_physmap_layout_add(lo, b->v[i].g << b->shift, (b->v[i].g << b->shift) | gmask);
	if (!err)
		err = layout_memory(lo, mem_a);
	if (!err)
		err = layout_memory(lo, mem_b);
	if (!err)
		err = ki_physmap_rows(lo, ncols, max_rows, b->shift, pm);
	ki_physmap_layout_destroy(lo);
	if (err)
		return err;
	ki_physmap_set_label(pm, KI_PM_HOLE, "hole (in neither dump)");
	ki_physmap_set_label(pm, KI_PM_EXCLUDED, "excluded pages");
	ki_physmap_set_label(pm, KI_PM_RAM, "RAM in a dump");
	if (mem_a)
		ki_physmap_add_memory(pm, mem_a);
	if (mem_b)
		ki_physmap_add_memory(pm, mem_b);
	/* a granule lies in one cell (cells are at least a granule): its
	 * bytes go to that cell, placed at its start */
	for (size_t i = 0; i < b->n; i++)
		for (unsigned int c = 0; c < BUCKET_CLASSES; c++)
			if (b->v[i].bytes[c])
				ki_physmap_add(pm, KI_PM_PRESERVED + c, b->v[i].g << b->shift,
					       (b->v[i].g << b->shift) +
					       ((b->v[i].bytes[c] > gmask ? gmask + 1 : b->v[i].bytes[c]) - 1));
	ki_physmap_finish(pm);
	return NULL;
}
