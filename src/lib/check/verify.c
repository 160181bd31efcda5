// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Checks over a decoded hand-over. Blocks come from the map merged in
 * address order (bounded memory, one pass): overlaps are found against the
 * furthest end seen so far, and every question about an address range
 * (is the FDT page preserved? does a map page lie in scratch?) is a query
 * answered by sweeping the sorted queries against the union of blocks.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ki_owner.h"
#include "ki_verify.h"

enum query_kind {
	Q_FDT,        /* must be covered by preserved blocks */
	Q_BLOB,       /* must be covered */
	Q_MAP_PAGE,   /* must not be preserved, must not be in scratch */
	Q_SCRATCH,    /* no preserved block may overlap it */
	Q_OBJECT,     /* a sub-format object's memory: must be covered */
};

struct query {
	uint64_t start, end;      /* [start, end) */
	enum query_kind kind;
	const char *name;
	bool covered, overlapped;
	uint64_t hit_start, hit_end; /* first overlapping union interval */
};

struct qvec {
	struct query *q;
	size_t n, cap;
};

static struct ki_error *qadd(struct qvec *v, uint64_t start, uint64_t len,
			     enum query_kind kind, const char *name)
{
	struct query *q;

	if (len == 0)
		len = 1;
	if (start + len < start)
		len = UINT64_MAX - start;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 32;
		void *p = reallocarray(v->q, cap, sizeof(*v->q));

		if (!p)
			return &ki_enomem;
		v->q = p;
		v->cap = cap;
	}
	q = &v->q[v->n++];
	memset(q, 0, sizeof(*q));
	q->start = start;
	q->end = start + len;
	q->kind = kind;
	q->name = name;
	return NULL;
}

static int qcmp(const void *a, const void *b)
{
	const struct query *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/*
 * The sweep: queries sorted by start enter the active set once the union
 * interval reaches them, and leave it when an interval ends past them.
 * Active queries are few (map pages do not overlap, scratch areas are few),
 * so each union interval costs O(active).
 */
struct sweep {
	struct qvec *v;
	size_t next;          /* first query not yet active */
	size_t *active;
	size_t nactive;
};

static void answer(struct sweep *sw, uint64_t us, uint64_t ue)
{
	struct qvec *v = sw->v;
	size_t keep = 0;

	while (sw->next < v->n && v->q[sw->next].start < ue)
		sw->active[sw->nactive++] = sw->next++;
	for (size_t i = 0; i < sw->nactive; i++) {
		struct query *q = &v->q[sw->active[i]];

		if (q->end > us) {
			if (!q->overlapped) {
				q->overlapped = true;
				q->hit_start = us;
				q->hit_end = ue;
			}
			if (us <= q->start && q->end <= ue)
				q->covered = true;
		}
		/* A query ending within this interval meets no later one. */
		if (q->end > ue)
			sw->active[keep++] = sw->active[i];
	}
	sw->nactive = keep;
}

static void check_scratch(const struct ki_verify_input *in, struct ki_findings *f)
{
	/* pageblock: 2 MiB with 4K pages (order 9); max(order 9, page) is a
	 * fair floor for others (CMA_MIN_ALIGNMENT_BYTES). */
	uint64_t ps = in->d ? in->d->page_size : 4096;
	uint64_t align = ps << (ps == 4096 ? 9 : ps == 16384 ? 11 : 13);

	for (size_t i = 0; i < in->nscratch; i++) {
		const struct ki_scratch *a = &in->scratch[i];

		if ((a->addr | a->size) & (align - 1))
			ki_findings_add(f, KI_SEV_WARNING, "scratch-unaligned", true, a->addr,
					"scratch area 0x%" PRIx64 "-0x%" PRIx64
					" is not aligned to the 0x%" PRIx64 "-byte pageblock (kernels since the CMA alignment fix keep it aligned)",
					a->addr, a->addr + a->size, align);
		for (size_t j = 0; j < i; j++) {
			const struct ki_scratch *b = &in->scratch[j];

			if (a->addr < b->addr + b->size && b->addr < a->addr + a->size)
				ki_findings_add(f, KI_SEV_ERROR, "scratch-overlap", true, a->addr,
						"scratch areas 0x%" PRIx64 "-0x%" PRIx64 " and 0x%" PRIx64 "-0x%" PRIx64 " overlap",
						b->addr, b->addr + b->size, a->addr, a->addr + a->size);
		}
	}
}

static void check_fdt(const struct ki_verify_input *in, struct ki_findings *f)
{
	const struct ki_kho *k = in->k;

	if (k->format == KI_KHO_UNKNOWN)
		ki_findings_add(f, KI_SEV_ERROR, "unknown-compatible", k->has_fdt_phys, k->fdt_phys,
				"root compatible \"%s\" is not one this build knows (%s)",
				k->compatible, ki_kho_known_formats());
	if (in->d && k->has_fdt_phys && (k->fdt_phys & (in->d->page_size - 1)))
		ki_findings_add(f, KI_SEV_ERROR, "fdt-unaligned", true, k->fdt_phys,
				"the KHO FDT at 0x%" PRIx64 " does not start a page", k->fdt_phys);
	for (size_t i = 0; in->d && i < k->nsubs; i++) {
		const struct ki_subnode *s = &k->subs[i];

		if (s->has_phys && (s->phys & (in->d->page_size - 1)))
			ki_findings_add(f, KI_SEV_ERROR, "blob-unaligned", true, s->phys,
					"sub-node \"%s\": blob at 0x%" PRIx64 " is not page aligned (blobs come from page allocations)",
					s->name, s->phys);
		if (s->has_phys && !ki_memreader_contains(&in->d->mem, s->phys,
							  s->has_size && s->size ? s->size : 1))
			ki_findings_add(f, KI_SEV_WARNING, "not-in-dump", true, s->phys,
					"sub-node \"%s\": blob at 0x%" PRIx64 " is not (wholly) in the dump",
					s->name, s->phys);
	}
}

/* Two objects claiming the same memory: owners sorted by start. */
static void check_claims(const struct ki_owners *o, struct ki_findings *f)
{
	uint64_t max_end = 0;
	size_t at = 0;

	for (size_t i = 0; i < o->n; i++) {
		const struct ki_owner *w = &o->v[i];

		if (i && w->start < max_end && w->label != o->v[at].label)
			ki_findings_add(f, KI_SEV_ERROR, "claimed-twice", true, w->start,
					"0x%" PRIx64 "-0x%" PRIx64 " belongs to %s and to %s",
					w->start, w->end < max_end ? w->end : max_end,
					ki_owner_label(o, &o->v[at]), ki_owner_label(o, w));
		if (!i || w->end > max_end) {
			max_end = w->end;
			at = i;
		}
	}
}

/* A block crossing a NUMA node boundary (6.18+ writers split there). */
static void check_numa(const struct ki_verify_input *in, uint64_t pa, unsigned int order,
		       uint64_t n, struct ki_findings *f)
{
	uint64_t bs = in->d->page_size << order, end = pa + n * bs;
	size_t lo = 0, hi = in->nnuma;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (in->numa[mid] <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < in->nnuma && in->numa[lo] < end; lo++) {
		uint64_t b = in->numa[lo], start = pa + (b - pa) / bs * bs;

		if ((b - pa) % bs)
			ki_findings_add(f, KI_SEV_WARNING, "block-crosses-node", true, start,
					"order-%u block 0x%" PRIx64 "-0x%" PRIx64 " crosses the NUMA node boundary 0x%" PRIx64
					" (writers since 6.18 split blocks at node boundaries)",
					order, start, start + bs, b);
	}
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A number as the command line writes them: 0x and hex digits, or decimal
 * digits; no sign, no space, nothing past 64 bits. The end, or NULL. */
static const char *numa_number(const char *p, uint64_t *v)
{
	bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
	unsigned int base = hex ? 16 : 10;
	const char *s = hex ? p + 2 : p;
	uint64_t x = 0;

	for (p = s;; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned int)(*p - '0');
		else if (hex && ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f'))
			d = (unsigned int)((*p | 0x20) - 'a' + 10);
		else
			break;
		if (x > (UINT64_MAX - d) / base)
			return NULL;
		x = x * base + d;
	}
	*v = x;
	return p == s ? NULL : p;
}

struct ki_error *ki_parse_numa(const char *arg, uint64_t **ret, size_t *n_ret)
{
	uint64_t *v = NULL;
	size_t n = 0, cap = 0;
	const char *p = arg;

	for (;;) {
		const char *e;
		uint64_t a, b;

		/* START-END, then the end or a comma and another */
		e = numa_number(p, &a);
		if (!e || *e != '-')
			goto bad;
		e = numa_number(e + 1, &b);
		if (!e || (*e && *e != ','))
			goto bad;
		p = *e ? e + 1 : NULL;
		if ((b & 0xfff) == 0xfff && b != UINT64_MAX)
			b++;
		if (b <= a)
			goto bad;
		if (n + 2 > cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *q;

			if (ncap > 2 * 4096)
				goto bad;
			q = reallocarray(v, ncap, sizeof(*v));
			if (!q) {
				free(v);
				return &ki_enomem;
			}
			v = q;
			cap = ncap;
		}
		v[n++] = a;
		v[n++] = b;
		if (!p)
			break;
	}
	qsort(v, n, sizeof(*v), u64_cmp);
	{
		size_t k = 1;

		for (size_t i = 1; i < n; i++)
			if (v[i] != v[k - 1])
				v[k++] = v[i];
		n = k;
	}
	*ret = v;
	*n_ret = n;
	return NULL;
bad:
	free(v);
	return ki_error_create(KI_ERR_USAGE,
			       "--numa \"%s\": expected START-END[,START-END...] (up to 4096 nodes), e.g. 0x0-0x7fffffff,0x80000000-0xffffffff",
			       arg);
}

static bool has_finding(const struct ki_findings *f, const char *id)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->items[i].id, id))
			return true;
	return false;
}

struct ki_error *ki_verify(const struct ki_verify_input *in,
			   struct ki_findings *f, struct ki_verify_stats *stats)
{
	const struct ki_kho *k = in->k;
	struct qvec v = { 0 };
	struct ki_merge mi;
	struct ki_error *err = NULL;
	uint64_t ps, pa, n, max_end = 0, max_pa = 0, us = 0, ue = 0;
	unsigned int order, max_order = 0;
	bool any = false, have_u = false;
	struct sweep sw = { .v = &v };
	struct ki_owners own = { 0 };

	memset(stats, 0, sizeof(*stats));
	check_fdt(in, f);
	check_scratch(in, f);
	if (!in->d && in->dbg) {
		/* a debugfs copy without memory: its blobs can still be
		 * checked (4 KiB is the weakest alignment any page size asks) */
		err = ki_owners_build(NULL, in->dbg, k, 4096,
				      __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__, f, &own);
		ki_owners_deinit(&own);
		return err;
	}
	if (!in->m || !in->d)
		return NULL;
	ps = in->d->page_size;

	if (k->has_fdt_phys)
		err = qadd(&v, k->fdt_phys, ps, Q_FDT, "KHO FDT");
	for (size_t i = 0; !err && i < k->nsubs; i++)
		if (k->subs[i].has_phys)
			err = qadd(&v, k->subs[i].phys,
				   k->subs[i].has_size && k->subs[i].size ? k->subs[i].size : ps,
				   Q_BLOB, k->subs[i].name);
	for (size_t i = 0; !err && i < in->m->npages; i++)
		err = qadd(&v, in->m->pages[i], ps, Q_MAP_PAGE, in->m->kind);
	for (size_t i = 0; !err && i < in->nscratch; i++)
		err = qadd(&v, in->scratch[i].addr, in->scratch[i].size, Q_SCRATCH, NULL);
	if (!err)
		err = ki_owners_build(in->d, in->dbg, k, ps, in->d->big_endian, f, &own);
	if (err)
		goto out;
	check_claims(&own, f);
	/* root blobs and the FDT page are Q_BLOB / Q_FDT already */
	for (size_t i = 0; !err && i < own.n; i++)
		if (strncmp(ki_owner_label(&own, &own.v[i]), "kho:", 4)) {
			err = qadd(&v, own.v[i].start, own.v[i].end - own.v[i].start, Q_OBJECT,
				   ki_owner_label(&own, &own.v[i]));
			stats->objects++;
		}
	if (err)
		goto out;
	if (v.n > 1)
		qsort(v.q, v.n, sizeof(*v.q), qcmp);
	stats->queries = v.n;
	sw.active = malloc((v.n ? v.n : 1) * sizeof(*sw.active));
	if (!sw.active) {
		err = &ki_enomem;
		goto out;
	}

	ki_merge_init(&mi, in->m);
	while (ki_merge_next(&mi, &pa, &order, &n)) {
		uint64_t end = pa + n * (ps << order);

		stats->runs++;
		stats->blocks += n;
		if (in->nnuma)
			check_numa(in, pa, order, n, f);
		if (any && pa < max_end)
			ki_findings_add(f, KI_SEV_ERROR, "block-overlap", true, pa,
					"order-%u block(s) 0x%" PRIx64 "-0x%" PRIx64
					" overlap order-%u block(s) at 0x%" PRIx64 " ending at 0x%" PRIx64
					" (the same memory preserved twice; stale bits that kho_unpreserve_pages() left before 8fd2f26fa2a3 look like this)",
					order, pa, end, max_order, max_pa, max_end);
		if (!any || end > max_end) {
			max_end = end;
			max_pa = pa;
			max_order = order;
		}
		any = true;
		/* union of blocks, one interval at a time */
		if (have_u && pa <= ue) {
			if (end > ue)
				ue = end;
			continue;
		}
		if (have_u)
			answer(&sw, us, ue);
		us = pa;
		ue = end;
		have_u = true;
	}
	if (have_u)
		answer(&sw, us, ue);
	if (ki_merge_nomem(&mi)) {
		/* not "no more blocks": the checks would pass on a part */
		ki_merge_deinit(&mi);
		err = &ki_enomem;
		goto out;
	}
	ki_merge_deinit(&mi);

	for (size_t i = 0; i < v.n; i++) {
		const struct query *q = &v.q[i];

		switch (q->kind) {
		case Q_FDT:
			/* the map's own check may have said so already */
			if (!q->covered && !has_finding(f, "fdt-not-preserved"))
				ki_findings_add(f, KI_SEV_ERROR, "fdt-not-preserved", true, q->start,
						"the KHO FDT page 0x%" PRIx64 " is not covered by a preserved block: the next kernel may reuse it before reading it",
						q->start);
			break;
		case Q_BLOB:
			if (!q->covered)
				ki_findings_add(f, KI_SEV_ERROR, "blob-not-preserved", true, q->start,
						"sub-node \"%s\": blob 0x%" PRIx64 "-0x%" PRIx64 " is %s preserved",
						q->name, q->start, q->end, q->overlapped ? "only partly" : "not");
			break;
		case Q_MAP_PAGE:
			if (q->overlapped)
				ki_findings_add(f, KI_SEV_WARNING, "map-page-preserved", true, q->start,
						"%s map page 0x%" PRIx64 " is itself inside preserved memory 0x%" PRIx64 "-0x%" PRIx64
						" (map pages are never preserved; a block may be bogus)",
						q->name, q->start, q->hit_start, q->hit_end);
			for (size_t j = 0; j < in->nscratch; j++) {
				const struct ki_scratch *s = &in->scratch[j];

				if (q->start < s->addr + s->size && s->addr < q->end)
					ki_findings_add(f, KI_SEV_ERROR, "map-page-in-scratch", true, q->start,
							"%s map page 0x%" PRIx64 " lies in scratch area 0x%" PRIx64 "-0x%" PRIx64
							": the next kernel allocates there before it reads the map",
							q->name, q->start, s->addr, s->addr + s->size);
			}
			break;
		case Q_OBJECT:
			if (!q->covered)
				ki_findings_add(f, KI_SEV_ERROR, "object-not-preserved", true,
						q->overlapped && q->hit_start > q->start ? q->start : q->overlapped ? q->hit_end : q->start,
						"%s: 0x%" PRIx64 "-0x%" PRIx64 " is %s preserved: the next kernel cannot restore it",
						q->name, q->start, q->end, q->overlapped ? "only partly" : "not");
			break;
		case Q_SCRATCH:
			if (q->overlapped)
				ki_findings_add(f, KI_SEV_ERROR, "block-in-scratch", true, q->hit_start,
						"preserved memory 0x%" PRIx64 "-0x%" PRIx64 " overlaps scratch area 0x%" PRIx64 "-0x%" PRIx64
						": the next kernel overwrites it during boot",
						q->hit_start, q->hit_end, q->start, q->end);
			break;
		}
	}
	if (!in->nscratch)
		ki_findings_add(f, KI_SEV_INFO, "scratch-unknown", false, 0,
				"scratch areas unknown: block-in-scratch and map-page-in-scratch not checked (give --scratch, or a debugfs copy)");
out:
	ki_owners_deinit(&own);
	free(sw.active);
	free(v.q);
	return err;
}
