// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Many addresses against one map: the queries sorted by start, then a sweep
 * over each order's runs (address order, disjoint within an order) that
 * admits a query when a run reaches it, aggregates the runs it overlaps
 * and retires it at the first run beyond it. O(runs + queries) per order,
 * memory the queries' own.
 */
#include <stdlib.h>
#include <string.h>

#include "ki_lookup.h"

static const struct ki_lookup *sort_base;

static int by_start(const void *a, const void *b)
{
	const struct ki_lookup *x = &sort_base[*(const uint32_t *)a];
	const struct ki_lookup *y = &sort_base[*(const uint32_t *)b];

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

static void set_run(struct ki_lookup_run *r, const struct ki_run *run, uint64_t last)
{
	r->valid = true;
	r->order = run->order;
	r->start = run->pa;
	r->last = last;
	r->blocks = run->n;
}

static void overlap(struct ki_lookup *q, const struct ki_run *r, uint64_t rl)
{
	uint64_t a = q->start > r->pa ? q->start : r->pa;
	uint64_t b = q->last < rl ? q->last : rl;
	uint64_t len = b - a + 1;

	/* a whole 2^64 wraps to 0: saturate */
	q->preserved_bytes = (len == 0 || q->preserved_bytes + len < len) ?
		UINT64_MAX : q->preserved_bytes + len;
	q->nruns++;
	if (r->pa <= q->start && q->start <= rl && !q->covers++)
		set_run(&q->cover, r, rl);
}

struct sweep {
	struct ki_lookup *q;
	const uint32_t *ord;     /* queries by start */
	size_t n, next;          /* next query to admit */
	uint32_t *active;        /* admitted, not yet past */
	size_t na;
	struct ki_run prev;      /* the last run seen */
	uint64_t prev_last;
	bool have_prev;
};

static void admit_below(struct sweep *s, struct ki_lookup *q)
{
	if (s->have_prev && (!q->below.valid || s->prev_last > q->below.last))
		set_run(&q->below, &s->prev, s->prev_last);
}

static void sweep_run(struct sweep *s, const struct ki_run *r, unsigned int psh)
{
	uint64_t rl = r->pa + ((r->n << (r->order + psh)) - 1);
	size_t k = 0;

	while (s->next < s->n && s->q[s->ord[s->next]].start <= rl) {
		admit_below(s, &s->q[s->ord[s->next]]);
		s->active[s->na++] = s->ord[s->next++];
	}
	for (size_t i = 0; i < s->na; i++) {
		struct ki_lookup *q = &s->q[s->active[i]];

		if (q->last < r->pa) {
			if (!q->above.valid || r->pa < q->above.start)
				set_run(&q->above, r, rl);
			continue; /* retired */
		}
		overlap(q, r, rl);
		s->active[k++] = s->active[i];
	}
	s->na = k;
	s->prev = *r;
	s->prev_last = rl;
	s->have_prev = true;
}

/* One order's leaves [l0, l1). */
static void sweep_order(struct sweep *s, struct ki_map *m, size_t l0, size_t l1,
			struct ki_run *buf)
{
	struct ki_run_cursor c;
	size_t cnt;

	s->next = s->na = 0;
	s->have_prev = false;
	ki_run_cursor_init(&c, m, l0, l1, -1);
	while ((cnt = ki_run_cursor_fill(&c, buf, KI_RUN_BATCH)))
		for (size_t i = 0; i < cnt; i++)
			sweep_run(s, &buf[i], m->page_shift);
	ki_run_cursor_deinit(&c);
	while (s->next < s->n)
		admit_below(s, &s->q[s->ord[s->next++]]);
}

struct ki_error *ki_lookup_runs(struct ki_map *m, struct ki_lookup *q, size_t n)
{
	struct ki_run *buf = malloc(KI_RUN_BATCH * sizeof(*buf));
	uint32_t *ord = calloc(n ? n : 1, sizeof(*ord));
	uint32_t *active = calloc(n ? n : 1, sizeof(*active));
	struct sweep s = { .q = q, .ord = ord, .n = n, .active = active };
	size_t i = 0;

	if (!buf || !ord || !active || n > UINT32_MAX) {
		free(buf);
		free(ord);
		free(active);
		return &ki_enomem;
	}
	for (size_t k = 0; k < n; k++) {
		ord[k] = (uint32_t)k;
		q[k].preserved_bytes = q[k].nruns = 0;
		q[k].covers = 0;
		q[k].cover.valid = q[k].below.valid = q[k].above.valid = false;
	}
	sort_base = q;
	qsort(ord, n, sizeof(*ord), by_start);
	/* leaves are sorted by order, then address: one sweep per order */
	while (i < m->nleaves) {
		size_t j = i;

		while (j < m->nleaves && m->leaves[j].order == m->leaves[i].order)
			j++;
		sweep_order(&s, m, i, j, buf);
		i = j;
	}
	free(buf);
	free(ord);
	free(active);
	return NULL;
}

bool ki_map_place_of(const struct ki_map *m, uint64_t pa, unsigned int order,
		     struct ki_map_place *ret)
{
	size_t lo = 0, hi = m->nleaves;

	/* leaves sorted by (order, phys_base) with the all-invalid ones last
	 * (leaves found invalid later keep their place): the last leaf at or
	 * below (order, pa), then a few before it */
	while (hi > 0 && m->leaves[hi - 1].invalid)
		hi--;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ki_leaf *l = &m->leaves[mid];

		if (l->order < order || (l->order == order && l->phys_base <= pa))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0;) {
		const struct ki_leaf *l = &m->leaves[i];
		unsigned int s = l->order + m->page_shift;
		uint64_t bit;

		if (l->order != order)
			break;
		if (l->invalid || l->unreadable || pa < l->phys_base || s >= 64)
			continue;
		bit = (pa - l->phys_base) >> s;
		if (bit < l->nbits && l->phys_base + (bit << s) == pa) {
			ret->bitmap = l->bitmap_pa;
			ret->chunk = l->chunk;
			ret->bit = bit;
			return true;
		}
		if (i + 8 < lo)
			break; /* overlapping leaves are a finding; look no further */
	}
	return false;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct ki_error *ki_map_pages_sorted(const struct ki_map *m, uint64_t **ret)
{
	uint64_t *p = malloc((m->npages ? m->npages : 1) * sizeof(*p));

	if (!p)
		return &ki_enomem;
	if (m->npages)
		memcpy(p, m->pages, m->npages * sizeof(*p));
	qsort(p, m->npages, sizeof(*p), u64_cmp);
	*ret = p;
	return NULL;
}

bool ki_map_pages_has(const uint64_t *sorted, size_t n, uint64_t page_size,
		      uint64_t pa)
{
	uint64_t page = pa & ~(page_size - 1);
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sorted[mid] < page)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && sorted[lo] == page;
}

enum ki_mem_class ki_mem_class_of(const struct ki_memreader *r, uint64_t pa)
{
	if (ki_memreader_contains(r, pa, 1))
		return KI_MEM_RAM;
	return ki_memreader_describes(r, pa) ? KI_MEM_EXCLUDED : KI_MEM_HOLE;
}

const char *ki_mem_class_name(enum ki_mem_class c)
{
	switch (c) {
	case KI_MEM_RAM:
		return "ram";
	case KI_MEM_EXCLUDED:
		return "excluded";
	default:
		return "hole";
	}
}
